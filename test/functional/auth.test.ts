/**
 * JWT auth through a data source, on a remote database and an embedded replica of a server that
 * requires tokens (started by the tests; see test/support/sqld.ts): a valid token works, a
 * missing, wrong or expired one fails `initialize()` with `LIBSQL_AUTH`, a read-only one reads but
 * cannot write, and no token ever reaches an error, a stack or the logger.
 */
import { expect } from "chai";
import { QueryFailedError } from "typeorm";
import { LibSqlDataSource, LibSqlError, type LibSqlDataSourceOptions } from "../../src";
import { emptyDatabase, sharedAuthSqld, skipWithoutSqld, type JwtKeys } from "../support/sqld";
import { Entry } from "./entity/ledger";
import { RecordingLogger, tempDatabase } from "./support/databases";

for (const target of ["remote", "replica"] as const) {
  describe(`JWT auth through a data source (${target})`, () => {
    let url: string;
    let keys: JwtKeys;

    before(async function () {
      skipWithoutSqld(this, `JWT auth (${target})`);
      const auth = await sharedAuthSqld();
      url = auth.server.url;
      keys = auth.keys;
      await emptyDatabase(url, keys.token());
    });

    function options(authToken: string | undefined, logger?: RecordingLogger): LibSqlDataSourceOptions {
      const location = target === "remote" ? { url } : { url: `file:${tempDatabase("replica.db")}`, syncUrl: url };
      return {
        ...location,
        authToken,
        entities: [Entry],
        synchronize: true,
        ...(logger && { logger, logging: "all" }),
      };
    }

    it("works with a valid token", async () => {
      const dataSource = await new LibSqlDataSource(options(keys.token())).initialize();
      try {
        await dataSource.getRepository(Entry).insert({ owner: target, amount: 1 });
        expect(await dataSource.getRepository(Entry).countBy({ owner: target })).to.equal(1);
      } finally {
        await dataSource.destroy();
      }
    });

    it("fails initialize() with LIBSQL_AUTH for a missing, wrong or expired token, never showing it", async () => {
      for (const token of [undefined, keys.token("rw", 3_600, true), keys.token("rw", -3_600)]) {
        const logger = new RecordingLogger();
        const dataSource = new LibSqlDataSource(options(token, logger));
        let failure: unknown;
        await dataSource.initialize().catch((error: unknown) => {
          failure = error;
        });
        // The first request that reaches the server fails: synchronize's statement, as a
        // QueryFailedError, or a replica's first sync in initialize().
        const error =
          failure instanceof QueryFailedError ? (failure as { driverError?: unknown }).driverError : failure;
        expect(error).to.be.instanceOf(LibSqlError);
        expect((error as LibSqlError).code).to.equal("LIBSQL_AUTH");
        expect((error as LibSqlError).message).to.contain(url);
        if (token) {
          expect(String((failure as Error).message)).to.not.contain(token);
          expect(String((failure as Error).stack)).to.not.contain(token);
          expect(JSON.stringify(logger.entries)).to.not.contain(token);
        }
        expect(dataSource.isInitialized).to.equal(false);
      }
    });

    it("reads but cannot write with a read-only token (LIBSQL_AUTH as a QueryFailedError)", async () => {
      const writer = await new LibSqlDataSource(options(keys.token())).initialize();
      await writer.getRepository(Entry).insert({ owner: "visible", amount: 1 });
      await writer.destroy();
      // A read-only token cannot run synchronize's writes; the schema is already there.
      const token = keys.token("ro");
      const reader = await new LibSqlDataSource({ ...options(token), synchronize: false }).initialize();
      try {
        if (target === "replica") await reader.driver.pool?.primary.sync();
        expect(await reader.getRepository(Entry).countBy({ owner: "visible" })).to.equal(1);
        let failure: unknown;
        await reader
          .getRepository(Entry)
          .save({ owner: "refused", amount: 2 })
          .catch((error: unknown) => {
            failure = error;
          });
        expect(failure).to.be.instanceOf(QueryFailedError);
        const driverError = (failure as QueryFailedError & { driverError: LibSqlError }).driverError;
        expect(driverError.code).to.equal("LIBSQL_AUTH");
        expect(driverError.message).to.not.contain(token);
        expect(await reader.getRepository(Entry).countBy({ owner: "refused" })).to.equal(0);
      } finally {
        await reader.destroy();
      }
    });
  });
}
