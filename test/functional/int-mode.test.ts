/**
 * `intMode` through entities, on a file and on a server: with `"bigint"` or `"string"` a 64-bit
 * integer column and the generated id load exactly, as bigints or strings; with `"number"` (the
 * default) a value beyond ±(2^53 - 1) fails the query with `LIBSQL_INTEGER_OVERFLOW` instead of
 * loading rounded.
 */
import { expect } from "chai";
import { Column, Entity, PrimaryGeneratedColumn, QueryFailedError } from "typeorm";
import { LibSqlError } from "../../src";
import { openDataSource, skipUnavailable } from "./support/databases";

const MAX = "9223372036854775807";

@Entity("counter")
class Counter {
  @PrimaryGeneratedColumn()
  id: number | bigint | string;

  @Column({ type: "integer" })
  value: number | bigint | string;
}

for (const target of ["file", "remote"] as const) {
  describe(`intMode through entities (${target})`, () => {
    before(function () {
      skipUnavailable(this, target);
    });

    for (const [mode, id, value] of [
      ["bigint", 1n, BigInt(MAX)],
      ["string", "1", MAX],
    ] as const) {
      it(`loads a 64-bit integer column and the generated id exactly with intMode "${mode}"`, async () => {
        const dataSource = await openDataSource(target, { entities: [Counter], intMode: mode });
        try {
          const saved = await dataSource.getRepository(Counter).save({ value: BigInt(MAX) });
          expect(saved.id).to.equal(id);
          const loaded = await dataSource.getRepository(Counter).findOneByOrFail({ value: BigInt(MAX) });
          expect(loaded).to.be.instanceOf(Counter);
          expect(loaded.id).to.equal(id);
          expect(loaded.value).to.equal(value);
          // A value that fits loads in the same mode's type too.
          await dataSource.getRepository(Counter).update({ id: loaded.id }, { value: 7 });
          const small = await dataSource.getRepository(Counter).findOneByOrFail({ id: loaded.id });
          expect(small.value).to.equal(mode === "bigint" ? 7n : "7");
        } finally {
          await dataSource.destroy();
        }
      });
    }

    it('refuses to load a value beyond 2^53 - 1 with intMode "number" (the default)', async () => {
      const dataSource = await openDataSource(target, { entities: [Counter] });
      try {
        const saved = await dataSource.getRepository(Counter).save({ value: 9007199254740991 });
        expect(saved.id).to.equal(1);
        expect((await dataSource.getRepository(Counter).findOneByOrFail({ id: 1 })).value).to.equal(9007199254740991);
        await dataSource.query(`UPDATE "counter" SET "value" = ${MAX}`);
        let failure: unknown;
        await dataSource
          .getRepository(Counter)
          .findOneBy({ id: 1 })
          .catch((error: unknown) => (failure = error));
        expect(failure).to.be.instanceOf(QueryFailedError);
        expect(((failure as QueryFailedError).driverError as LibSqlError).code).to.equal("LIBSQL_INTEGER_OVERFLOW");
      } finally {
        await dataSource.destroy();
      }
    });
  });
}
