/**
 * Column types: every type TypeORM's SQLite drivers accept round-trips through save and load,
 * NULLs stay NULL, UUIDs are generated, and `intMode` controls how large integers come back.
 */
import { expect } from "chai";
import { LibSqlDataSource } from "../../src";
import { Colour, Everything } from "./entity/types";
import { isServerTarget, openDataSource, TARGETS, skipUnavailable } from "./support/databases";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

for (const target of TARGETS) {
  describe(`column types (${target})`, () => {
    before(function () {
      skipUnavailable(this, target);
    });

    let dataSource: LibSqlDataSource;

    beforeEach(async () => {
      dataSource = await openDataSource(target, { entities: [Everything] });
    });

    afterEach(async () => {
      if (dataSource.isInitialized) await dataSource.destroy();
    });

    it("round-trips every SQLite column type", async () => {
      const repo = dataSource.getRepository(Everything);
      const datetime = new Date(Date.UTC(2024, 0, 31, 23, 59, 58, 123));
      const saved = await repo.save(
        repo.create({
          flag: true,
          integer: -42,
          int: 2147483647,
          bigint: "9007199254740991",
          real: 3.25,
          double: -1.5e300,
          decimal: 1234.56,
          varchar: "héllo 🌍",
          text: "line1\nline2 ' \" \\",
          date: "2024-02-29",
          time: "13:14:15",
          datetime,
          simpleJson: { a: 1, nested: { b: ["x", "y"] } },
          json: { k: [1, 2, { deep: true }], s: "it's" },
          simpleArray: ["a", "b", "c"],
          colour: Colour.Green,
          blob: Buffer.from([0, 1, 2, 254, 255]),
          buffer: Buffer.from("buffer column"),
          transformed: 12.34,
        }),
      );
      expect(saved.id).to.match(UUID);
      expect(saved.token).to.match(UUID);

      const loaded = await repo.findOneByOrFail({ id: saved.id });
      expect(loaded.flag).to.equal(true);
      expect(loaded.integer).to.equal(-42);
      expect(loaded.int).to.equal(2147483647);
      expect(String(loaded.bigint)).to.equal("9007199254740991");
      expect(loaded.real).to.equal(3.25);
      if (isServerTarget(target)) {
        // TypeORM writes this number into the INSERT as an SQL literal, which the server's SQLite
        // (sqld 0.24) reads one unit in the last place off; bound parameters arrive exact.
        expect(loaded.double).to.be.closeTo(-1.5e300, 1.5e300 * Number.EPSILON);
      } else {
        expect(loaded.double).to.equal(-1.5e300);
      }
      expect(Number(loaded.decimal)).to.equal(1234.56);
      expect(loaded.varchar).to.equal("héllo 🌍");
      expect(loaded.text).to.equal("line1\nline2 ' \" \\");
      expect(loaded.date).to.equal("2024-02-29");
      expect(loaded.time).to.equal("13:14:15");
      expect(loaded.datetime).to.be.instanceOf(Date);
      expect(loaded.datetime?.toISOString()).to.equal(datetime.toISOString());
      expect(loaded.simpleJson).to.deep.equal({ a: 1, nested: { b: ["x", "y"] } });
      expect(loaded.json).to.deep.equal({ k: [1, 2, { deep: true }], s: "it's" });
      expect(loaded.simpleArray).to.deep.equal(["a", "b", "c"]);
      expect(loaded.colour).to.equal(Colour.Green);
      expect(Buffer.isBuffer(loaded.blob)).to.equal(true);
      expect([...(loaded.blob ?? [])]).to.deep.equal([0, 1, 2, 254, 255]);
      expect(loaded.buffer.toString()).to.equal("buffer column");
      expect(loaded.transformed).to.equal(12.34);
      expect(loaded.token).to.equal(saved.token);

      // What is stored is what TypeORM's SQLite drivers store.
      const raw = (
        await dataSource.query(
          `SELECT flag, datetime, "simpleArray", colour, transformed, typeof(blob) AS bt, typeof(buffer) AS bu FROM everything`,
        )
      )[0];
      expect(raw).to.deep.equal({
        flag: 1,
        datetime: "2024-01-31 23:59:58.123",
        simpleArray: "a,b,c",
        colour: "green",
        transformed: "1234",
        bt: "blob",
        bu: "blob",
      });
    });

    it("keeps NULLs and false", async () => {
      const repo = dataSource.getRepository(Everything);
      const saved = await repo.save(repo.create({ flag: false }));
      const loaded = await repo.findOneByOrFail({ id: saved.id });
      expect(loaded.flag).to.equal(false);
      for (const key of [
        "integer",
        "bigint",
        "real",
        "varchar",
        "datetime",
        "simpleJson",
        "json",
        "colour",
        "blob",
      ] as const) {
        expect(loaded[key], key).to.equal(null);
      }
    });

    it("finds by dates, booleans and enums through query parameters", async () => {
      const repo = dataSource.getRepository(Everything);
      await repo.save([
        repo.create({ flag: true, colour: Colour.Red, datetime: new Date("2020-01-01T00:00:00Z") }),
        repo.create({ flag: false, colour: Colour.Blue, datetime: new Date("2030-01-01T00:00:00Z") }),
      ]);
      const future = await repo
        .createQueryBuilder("e")
        .where("e.datetime > :now", { now: new Date("2025-01-01T00:00:00Z") })
        .andWhere("e.flag = :flag", { flag: false })
        .getMany();
      expect(future.map((e) => e.colour)).to.deep.equal([Colour.Blue]);
      expect(await repo.countBy({ flag: true, colour: Colour.Red })).to.equal(1);
    });
  });
}

describe("intMode", () => {
  const MAX = "9223372036854775807";

  for (const [mode, expected] of [
    ["bigint", BigInt(MAX)],
    ["string", MAX],
  ] as const) {
    it(`returns 64-bit integers exactly with intMode "${mode}"`, async () => {
      const dataSource = await openDataSource("memory", { entities: [], intMode: mode });
      try {
        const rows = await dataSource.query<{ v: unknown }[]>(`SELECT ${MAX} AS v`);
        expect(rows[0].v).to.equal(expected);
      } finally {
        await dataSource.destroy();
      }
    });
  }
});
