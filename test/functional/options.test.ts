/**
 * Options: validation failures name the option at `initialize()`, defaults (WAL, foreign keys,
 * busy timeout) reach every pooled connection, `prepareDatabase` runs per connection, secrets
 * stay out of options, logs and errors, unknown names are ignored (and logged once at debug
 * level), and better-sqlite3 is never loaded.
 */
import { expect } from "chai";
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { inspect } from "util";
import { barrier } from "../support/signals";
import {
  LibSqlConnection,
  LibSqlDataSource,
  LibSqlOptionsError,
  type LibSqlDataSourceOptions,
  type OpenOptions,
} from "../../src";
import { Entry } from "./entity/ledger";
import { RecordingLogger, tempDatabase, tempDir } from "./support/databases";

const SECRET = "sEcReT-t0ken-value-7f3a";

async function initialiseError(options: LibSqlDataSourceOptions): Promise<Error> {
  const dataSource = new LibSqlDataSource(options);
  try {
    await dataSource.initialize();
  } catch (error) {
    return error as Error;
  }
  await dataSource.destroy();
  throw new Error("initialize() should have failed");
}

describe("options", () => {
  const invalid: [string, LibSqlDataSourceOptions][] = [
    ["url", {}],
    ["url", { url: "file:a.db", database: "b.db" }],
    ["url", { url: "ftp://example.com/db" }],
    ["url", { url: "file:x.db?mode=ro" }],
    ["database", { database: "libsql://example.turso.io" }],
    ["busyTimeoutMs", { url: ":memory:", busyTimeoutMs: 1.5 }],
    ["intMode", { url: ":memory:", intMode: "float" as never }],
    ["journalMode", { url: tempDatabase(), journalMode: "WAL2" as never }],
    ["journalMode", { url: ":memory:", journalMode: "WAL" }],
    ["poolSize", { url: ":memory:", poolSize: 2 }],
    ["poolSize", { url: tempDatabase(), poolSize: 0 }],
    ["syncIntervalMs", { url: tempDatabase(), syncUrl: "http://127.0.0.1:9", syncIntervalMs: 5_000_000_000 }],
    ["busyTimeoutMs", { url: ":memory:", busyTimeoutMs: 5_000_000_000 }],
    ["syncUrl", { url: ":memory:", syncUrl: "libsql://example.turso.io" }],
    ["syncUrl", { url: tempDatabase(), syncUrl: "not a url" }],
    ["readYourWrites", { url: tempDatabase(), readYourWrites: true }],
    ["prepareDatabase", { url: ":memory:", prepareDatabase: "nope" as never }],
    ["foreignKeys", { url: ":memory:", foreignKeys: "yes" as never }],
    ["foreignKeys", { url: "http://127.0.0.1:9", foreignKeys: false }],
    ["foreignKeys", { url: tempDatabase(), syncUrl: "http://127.0.0.1:9", foreignKeys: false }],
    ["encryptionKey", { url: ":memory:", encryptionKey: SECRET }],
    ["authToken", { url: "libsql://example.turso.io", authToken: 42 as never }],
    ["acquireTimeoutMs", { url: ":memory:", acquireTimeoutMs: -5 }],
    ["busyTimeoutMs", { url: ":memory:", busyTimeoutMs: -1 }],
    ["syncIntervalMs", { url: tempDatabase(), syncIntervalMs: 5000 }],
    ["syncIntervalMs", { url: tempDatabase(), syncUrl: "http://127.0.0.1:9", syncIntervalMs: 0 }],
    ["queryTimeoutMs", { url: ":memory:", queryTimeoutMs: 0 }],
    ["acquireTimeoutMs", { url: ":memory:", acquireTimeoutMs: 1.5 }],
    ["statementCacheSize", { url: ":memory:", statementCacheSize: -1 }],
    ["authToken", { url: tempDatabase(), authToken: SECRET }],
    ["encryptionKey", { url: "libsql://example.turso.io", encryptionKey: SECRET }],
    ["busyTimeoutMs", { url: "libsql://example.turso.io", busyTimeoutMs: 100 }],
  ];

  for (const [option, options] of invalid) {
    it(`rejects an invalid "${option}" at initialize(): ${inspect(options, { breakLength: Infinity })}`, async () => {
      const error = await initialiseError(options);
      expect(error).to.be.instanceOf(LibSqlOptionsError);
      expect((error as LibSqlOptionsError).option).to.equal(option);
      expect(error.message).to.contain(`"${option}"`);
      expect(error.message).to.not.contain(SECRET);
    });
  }

  it("refuses busyTimeoutMs on a remote URL as unsupported (a server keeps its own), before any connection", async () => {
    const error = await initialiseError({ url: "http://127.0.0.1:9", busyTimeoutMs: 100 });
    expect(error).to.be.instanceOf(LibSqlOptionsError);
    expect((error as LibSqlOptionsError).code).to.equal("LIBSQL_UNSUPPORTED");
    expect(error.message).to.match(/remote server keeps its own busy timeout/);
  });

  it("keeps secrets out of options, inspection, logs and errors", async () => {
    const logger = new RecordingLogger();
    const dataSource = new LibSqlDataSource({
      url: "http://127.0.0.1:9/",
      authToken: SECRET,
      entities: [],
      logger,
      logging: "all",
      acquireTimeoutMs: 2000,
    });
    expect(JSON.stringify(dataSource.options)).to.not.contain(SECRET);
    expect(JSON.stringify(dataSource.libsqlOptions)).to.not.contain(SECRET);
    expect(inspect(dataSource, { depth: 6 })).to.not.contain(SECRET);
    expect(dataSource.libsqlOptions.authToken).to.equal(SECRET);
    let failure: unknown;
    await dataSource.initialize().catch((error: unknown) => {
      failure = error;
    });
    expect(failure, "a closed port cannot be connected to").to.be.instanceOf(Error);
    expect(String((failure as Error).message)).to.not.contain(SECRET);
    expect(String((failure as Error).stack)).to.not.contain(SECRET);
    expect(JSON.stringify(logger.entries)).to.not.contain(SECRET);
  });

  it("sets WAL, foreign keys and the busy timeout on every pooled connection, and runs prepareDatabase for each", async () => {
    const prepared: LibSqlConnection[] = [];
    const dataSource = await new LibSqlDataSource({
      database: tempDatabase(),
      entities: [Entry],
      synchronize: true,
      poolSize: 3,
      prepareDatabase: async (connection) => {
        prepared.push(connection);
        await connection.pragma("cache_size", -4000);
      },
    }).initialize();
    try {
      // Three transactions at once need three connections: each waits until all have begun.
      const together = barrier(3);
      const seen = await Promise.all(
        [0, 1, 2].map(() =>
          dataSource
            .transaction(async (manager) => {
              await together(); // each holds its own connection (BEGIN waits for the first query)
              const [fk] = await manager.query(`PRAGMA foreign_keys`);
              const [busy] = await manager.query(`PRAGMA busy_timeout`);
              const [cache] = await manager.query(`PRAGMA cache_size`);
              return [fk.foreign_keys, busy.timeout, cache.cache_size];
            })
            .catch((error: Error) => error.message),
        ),
      );
      expect(seen).to.deep.equal([
        [1, 5000, -4000],
        [1, 5000, -4000],
        [1, 5000, -4000],
      ]);
      expect(prepared).to.have.length(3);
      expect(await dataSource.query(`PRAGMA journal_mode`)).to.deep.equal([{ journal_mode: "wal" }]);
    } finally {
      await dataSource.destroy();
    }
  });

  it("honours journalMode, foreignKeys: false and busyTimeoutMs", async () => {
    const dataSource = await new LibSqlDataSource({
      url: `file:${tempDatabase()}`,
      journalMode: "DELETE",
      foreignKeys: false,
      busyTimeoutMs: 1234,
    }).initialize();
    try {
      expect(await dataSource.query(`PRAGMA journal_mode`)).to.deep.equal([{ journal_mode: "delete" }]);
      expect(await dataSource.query(`PRAGMA foreign_keys`)).to.deep.equal([{ foreign_keys: 0 }]);
      expect(await dataSource.query(`PRAGMA busy_timeout`)).to.deep.equal([{ timeout: 1234 }]);
    } finally {
      await dataSource.destroy();
    }
  });

  it("sets busyTimeoutMs on every pooled connection and keeps acquireTimeoutMs", async () => {
    const dataSource = await new LibSqlDataSource({
      url: tempDatabase(),
      entities: [Entry],
      poolSize: 2,
      busyTimeoutMs: 2345,
      acquireTimeoutMs: 20_000,
    }).initialize();
    try {
      const together = barrier(2);
      const seen = await Promise.all(
        [0, 1].map(() =>
          dataSource.transaction(async (manager) => {
            await together();
            const [busy] = await manager.query(`PRAGMA busy_timeout`);
            return busy.timeout;
          }),
        ),
      );
      expect(seen).to.deep.equal([2345, 2345]);
      expect(dataSource.driver.resolvedOptions?.acquireTimeoutMs).to.equal(20_000);
    } finally {
      await dataSource.destroy();
    }
  });

  it("creates the database directory and accepts bare paths", async () => {
    const file = path.join(tempDir(), "nested", "deeper", "app.db");
    const dataSource = await new LibSqlDataSource({ url: file, entities: [Entry], synchronize: true }).initialize();
    await dataSource.getRepository(Entry).insert({ owner: "x", amount: 1 });
    await dataSource.destroy();
    expect(fs.existsSync(file)).to.equal(true);
    expect(dataSource.options.database).to.equal(file);
  });

  it("keeps its driver when the CLI calls setOptions()", async () => {
    const dataSource = new LibSqlDataSource({ url: ":memory:", entities: [Entry] });
    dataSource.setOptions({ synchronize: true, logging: false, database: ":memory:" } as never);
    await dataSource.initialize();
    try {
      expect(dataSource.driver.constructor.name).to.equal("LibSqlDriver");
      expect(await dataSource.getRepository(Entry).count()).to.equal(0);
    } finally {
      await dataSource.destroy();
    }
  });

  it("fails queries after destroy() and can be initialised again", async () => {
    const dataSource = await new LibSqlDataSource({
      url: tempDatabase(),
      entities: [Entry],
      synchronize: true,
    }).initialize();
    await dataSource.destroy();
    let failure: Error | undefined;
    await dataSource.query("SELECT 1").catch((error: Error) => {
      failure = error;
    });
    expect(failure).to.be.instanceOf(Error);
    await dataSource.initialize();
    expect(await dataSource.query("SELECT 1 AS one")).to.deep.equal([{ one: 1 }]);
    await dataSource.destroy();
  });

  it("ignores option names it does not know, as TypeORM does (NestJS's module options)", async () => {
    const nest = {
      retryAttempts: 3,
      retryDelay: 100,
      autoLoadEntities: true,
      keepConnectionAlive: false,
      manualInitialization: false,
      verboseRetryLog: true,
      toRetry: () => true,
      ssl: false,
    };
    const dataSource = await new LibSqlDataSource({
      url: tempDatabase(),
      entities: [Entry],
      synchronize: true,
      ...nest,
    } as LibSqlDataSourceOptions).initialize();
    try {
      await dataSource.getRepository(Entry).save({ owner: "nest", amount: 1 });
      expect(await dataSource.getRepository(Entry).count()).to.equal(1);
      expect(Object.keys(dataSource.libsqlOptions)).to.deep.equal(["url"]);
    } finally {
      await dataSource.destroy();
    }
    const connection = await LibSqlConnection.open({ url: ":memory:", ...nest } as OpenOptions);
    expect((await connection.query("SELECT 1 AS one")).rows).to.deep.equal([{ one: 1 }]);
    await connection.close();
  });

  it("logs each ignored option name once, at debug level (NODE_DEBUG=typeorm-libsql)", () => {
    const script = `
      require("reflect-metadata");
      const { LibSqlConnection, LibSqlDataSource } = require("./src");
      (async () => {
        for (let i = 0; i < 3; i += 1) {
          const ds = await new LibSqlDataSource({ url: ":memory:", retryAttempts: 3, autoLoadEntities: true }).initialize();
          await ds.destroy();
        }
        await new LibSqlDataSource({ url: ":memory:", retryAttempts: 3, retryDelay: 10 }).initialize().then((ds) => ds.destroy());
        for (let i = 0; i < 2; i += 1) await (await LibSqlConnection.open({ url: ":memory:", retryAttempts: 3 })).close();
      })().catch((e) => { console.error(e); process.exit(1); });`;
    const run = (debug: string | undefined): string[] => {
      const env = { ...process.env };
      delete env.NODE_DEBUG;
      if (debug !== undefined) env.NODE_DEBUG = debug;
      const child = spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", "-e", script], {
        cwd: path.resolve(__dirname, "../.."),
        encoding: "utf8",
        env,
      });
      expect(child.status, child.stderr).to.equal(0);
      return child.stderr
        .split("\n")
        .filter((line) => line !== "")
        .map((line) => line.replace(/^TYPEORM-LIBSQL \d+: /, ""));
    };
    expect(run("typeorm-libsql")).to.deep.equal([
      "LibSqlDataSource: ignoring unknown option(s) retryAttempts, autoLoadEntities",
      "LibSqlDataSource: ignoring unknown option(s) retryDelay",
      "LibSqlConnection.open: ignoring unknown option(s) retryAttempts",
    ]);
    expect(run(undefined)).to.deep.equal([]);
  });

  it("never loads better-sqlite3", () => {
    const script = `
      require("reflect-metadata");
      const { LibSqlDataSource } = require("./src");
      (async () => {
        const ds = await new LibSqlDataSource({ url: ":memory:", synchronize: true }).initialize();
        await ds.query("SELECT 1");
        await ds.destroy();
        // The package itself (node_modules/better-sqlite3/…), not TypeORM's driver file named after it.
        const loaded = Object.keys(require.cache).filter((k) => /[\\/]node_modules[\\/]better-sqlite3[\\/]/.test(k));
        process.stdout.write(JSON.stringify(loaded));
      })().catch((e) => { console.error(e); process.exit(1); });`;
    const output = execFileSync(process.execPath, ["-r", "ts-node/register/transpile-only", "-e", script], {
      cwd: path.resolve(__dirname, "../.."),
      encoding: "utf8",
    });
    expect(JSON.parse(output)).to.deep.equal([]);
  });
});
