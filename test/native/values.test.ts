/**
 * Value round-trips through the native core: every SQLite storage class, the integer modes, and
 * the edge cases the binding documents (NaN refused, ±Infinity kept, NUL in strings, large blobs).
 */
import { expect } from "chai";
import { LibSqlConnection, LibSqlError } from "../../src/native";

describe("native: value round-trips", () => {
  let conn: LibSqlConnection;

  before(async () => {
    conn = await LibSqlConnection.open({ url: ":memory:" });
    await conn.execute("CREATE TABLE v (id INTEGER PRIMARY KEY, x)");
  });

  after(async () => {
    await conn.close();
  });

  async function roundTrip(value: unknown, intMode: "number" | "bigint" | "string" = "number"): Promise<unknown> {
    await conn.execute("DELETE FROM v");
    await conn.execute("INSERT INTO v (id, x) VALUES (1, ?)", [value as never]);
    const result = await conn.execute("SELECT x, typeof(x) AS t FROM v WHERE id = 1", [], { intMode });
    return result.rows[0][0];
  }

  async function storedType(): Promise<unknown> {
    return (await conn.execute("SELECT typeof(x) FROM v")).rows[0][0];
  }

  it("round-trips NULL from null and undefined", async () => {
    expect(await roundTrip(null)).to.equal(null);
    expect(await roundTrip(undefined)).to.equal(null);
    expect(await storedType()).to.equal("null");
  });

  it("round-trips integers at the edges of the safe range", async () => {
    for (const n of [0, -1, 1, 2 ** 53 - 1, -(2 ** 53 - 1)]) {
      expect(await roundTrip(n)).to.equal(n);
      expect(await storedType()).to.equal("integer");
    }
  });

  it("refuses, in number mode, integers beyond 2^53 instead of rounding them", async () => {
    await conn.execute("DELETE FROM v");
    await conn.execute("INSERT INTO v (id, x) VALUES (1, ?)", [2n ** 53n + 1n]);
    try {
      await conn.execute("SELECT x FROM v");
      expect.fail("expected LIBSQL_INTEGER_OVERFLOW");
    } catch (error) {
      expect(error).to.be.instanceOf(LibSqlError);
      expect((error as LibSqlError).code).to.equal("LIBSQL_INTEGER_OVERFLOW");
      expect((error as LibSqlError).message).to.contain('"x"');
    }
    // The connection is still usable and the value is intact in bigint and string modes.
    expect(await roundTrip(2n ** 53n + 1n, "bigint")).to.equal(2n ** 53n + 1n);
    expect(await roundTrip(2n ** 53n + 1n, "string")).to.equal("9007199254740993");
  });

  it("round-trips ±(2^63 - 1) as bigint", async () => {
    const max = 2n ** 63n - 1n;
    expect(await roundTrip(max, "bigint")).to.equal(max);
    expect(await roundTrip(-max, "bigint")).to.equal(-max);
    expect(await roundTrip(-max - 1n, "bigint")).to.equal(-max - 1n);
    expect(await roundTrip(5, "bigint")).to.equal(5n);
  });

  it("refuses a BigInt outside the 64-bit range", async () => {
    try {
      await conn.execute("SELECT ?", [2n ** 64n]);
      expect.fail("expected LIBSQL_INVALID_PARAM");
    } catch (error) {
      expect((error as LibSqlError).code).to.equal("LIBSQL_INVALID_PARAM");
    }
  });

  it("round-trips floats, and keeps ±Infinity", async () => {
    expect(await roundTrip(1.5)).to.equal(1.5);
    expect(await storedType()).to.equal("real");
    expect(await roundTrip(-0.1)).to.equal(-0.1);
    expect(await roundTrip(Number.MAX_VALUE)).to.equal(Number.MAX_VALUE);
    expect(await roundTrip(Infinity)).to.equal(Infinity);
    expect(await roundTrip(-Infinity)).to.equal(-Infinity);
    // A large integral double beyond 2^53 is stored as REAL, not as a rounded INTEGER.
    expect(await roundTrip(1e20)).to.equal(1e20);
    expect(await storedType()).to.equal("real");
  });

  it("refuses NaN rather than storing NULL silently", async () => {
    try {
      await conn.execute("INSERT INTO v (id, x) VALUES (2, ?)", [NaN]);
      expect.fail("expected LIBSQL_INVALID_PARAM");
    } catch (error) {
      expect((error as LibSqlError).code).to.equal("LIBSQL_INVALID_PARAM");
      expect((error as LibSqlError).message).to.contain("NaN");
    }
    expect((await conn.execute("SELECT count(*) FROM v WHERE id = 2")).rows[0][0]).to.equal(0);
  });

  it("binds booleans as 1 and 0", async () => {
    expect(await roundTrip(true)).to.equal(1);
    expect(await roundTrip(false)).to.equal(0);
  });

  it("round-trips empty, 4-byte UTF-8 and NUL-containing strings", async () => {
    expect(await roundTrip("")).to.equal("");
    expect(await storedType()).to.equal("text");
    expect(await roundTrip("😀𝄞 héllo ✓")).to.equal("😀𝄞 héllo ✓");
    expect(await roundTrip("a\u0000b\u0000")).to.equal("a\u0000b\u0000");
    expect((await conn.execute("SELECT length(CAST(x AS BLOB)) FROM v")).rows[0][0]).to.equal(4);
  });

  it("reads TEXT that is not valid UTF-8 with replacement characters instead of failing", async () => {
    const result = await conn.execute("SELECT CAST(x'61ff62' AS TEXT) AS t, typeof(CAST(x'61ff62' AS TEXT)) AS k");
    expect(result.rows[0]).to.deep.equal(["a\uFFFDb", "text"]);
  });

  it("round-trips empty and 16 MiB blobs, from Buffer, Uint8Array and ArrayBuffer", async () => {
    const empty = await roundTrip(Buffer.alloc(0));
    expect(Buffer.isBuffer(empty)).to.equal(true);
    expect((empty as Buffer).length).to.equal(0);
    expect(await storedType()).to.equal("blob");

    const big = Buffer.alloc(16 * 1024 * 1024);
    for (let i = 0; i < big.length; i += 4096) big[i] = i % 251;
    const back = (await roundTrip(big)) as Buffer;
    expect(back.length).to.equal(big.length);
    expect(back.equals(big)).to.equal(true);

    const view = new Uint8Array([1, 2, 3, 4, 5]).subarray(1, 4);
    expect([...((await roundTrip(view)) as Buffer)]).to.deep.equal([2, 3, 4]);
    expect([...((await roundTrip(new Uint8Array([9, 8]).buffer)) as Buffer)]).to.deep.equal([9, 8]);
  });

  it("refuses values that are not SQL values", async () => {
    for (const bad of [new Date(), { a: 1 }, Symbol("s"), () => 1, new Int32Array([1])]) {
      try {
        await conn.execute("SELECT ?", [bad as never]);
        expect.fail(`expected an error for ${String(bad)}`);
      } catch (error) {
        expect((error as LibSqlError).code).to.equal("LIBSQL_INVALID_PARAM");
      }
    }
  });

  it("binds positional and named parameters in every SQLite form", async () => {
    const positional = await conn.execute("SELECT ?, ?2, ?1", [1, 2]);
    expect(positional.rows[0]).to.deep.equal([1, 2, 1]);
    const named = await conn.query("SELECT :a AS a, @b AS b, $c AS c", {
      a: 1,
      "@b": "two",
      c: null,
    });
    expect(named.rows[0]).to.deep.equal({ a: 1, b: "two", c: null });
  });

  it("reports parameter mismatches instead of binding NULL", async () => {
    const codes: string[] = [];
    for (const [sql, params] of [
      ["SELECT ?, ?", [1]],
      ["SELECT ?", [1, 2]],
      ["SELECT :a", { b: 1 }],
      ["SELECT :a", { a: 1, extra: 2 }],
      ["SELECT ?", { a: 1 }],
    ] as const) {
      try {
        await conn.execute(sql, params as never);
        codes.push("none");
      } catch (error) {
        codes.push((error as LibSqlError).code);
      }
    }
    expect(codes).to.deep.equal([
      "LIBSQL_PARAM_COUNT",
      "LIBSQL_PARAM_COUNT",
      "LIBSQL_MISSING_PARAM",
      "LIBSQL_INVALID_PARAM",
      "LIBSQL_MISSING_PARAM",
    ]);
  });

  it("returns column names, declared types, rowsAffected and lastInsertRowid", async () => {
    await conn.execute("CREATE TABLE typed (id INTEGER PRIMARY KEY, name VARCHAR(20), score REAL)");
    const insert = await conn.execute("INSERT INTO typed (name, score) VALUES (?, ?), (?, ?)", ["a", 1, "b", 2]);
    expect(insert.rowsAffected).to.equal(2);
    expect(insert.lastInsertRowid).to.equal(2);
    const select = await conn.execute("SELECT id, name, score, 1 + 1 AS two FROM typed ORDER BY id");
    expect(select.columns).to.deep.equal(["id", "name", "score", "two"]);
    expect(select.columnTypes).to.deep.equal(["INTEGER", "VARCHAR(20)", "REAL", null]);
    expect(select.rows).to.deep.equal([
      [1, "a", 1, 2],
      [2, "b", 2, 2],
    ]);
    expect(select.rowsAffected).to.equal(0);
    const update = await conn.execute("UPDATE typed SET score = score + 1");
    expect(update.rowsAffected).to.equal(2);
  });

  it("supports RETURNING", async () => {
    await conn.execute("CREATE TABLE ret (id INTEGER PRIMARY KEY, created TEXT DEFAULT 'now')");
    const result = await conn.query("INSERT INTO ret (id) VALUES (NULL), (NULL) RETURNING id, created");
    expect(result.rows).to.deep.equal([
      { id: 1, created: "now" },
      { id: 2, created: "now" },
    ]);
    expect(result.rowsAffected).to.equal(2);
  });
});
