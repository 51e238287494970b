/**
 * Cursors: paging a result without loading it whole. A million-row result is streamed while the
 * process's resident memory is sampled; it must stay bounded.
 */
import { expect } from "chai";
import { LibSqlConnection, LibSqlError, nativeBinding, nativeStats, wrapAsync, wrapSync } from "../../src/native";

describe("native: cursors", () => {
  let conn: LibSqlConnection;

  beforeEach(async () => {
    conn = await LibSqlConnection.open({ url: ":memory:" });
  });

  afterEach(async () => {
    await conn.close();
  });

  it("pages rows in order and reports done", async () => {
    const cursor = await conn.openCursor("SELECT value AS n FROM generate_series(1, ?)", [10]);
    expect(cursor.columns()).to.deep.equal(["n"]);
    const first = await cursor.fetch(4);
    expect(first).to.deep.equal({ rows: [{ n: 1 }, { n: 2 }, { n: 3 }, { n: 4 }], done: false });
    const rest = await cursor.fetch(100, "array");
    expect(rest.rows).to.deep.equal([[5], [6], [7], [8], [9], [10]]);
    expect(rest.done).to.equal(true);
    expect(await cursor.fetch(5)).to.deep.equal({ rows: [], done: true });
    await cursor.close();
  });

  it("iterates asynchronously and closes itself", async () => {
    const before = nativeStats().cursors;
    const cursor = await conn.openCursor("SELECT value FROM generate_series(1, 1000)");
    let sum = 0;
    for await (const row of cursor) sum += row.value as number;
    expect(sum).to.equal(500500);
    expect(nativeStats().cursors).to.equal(before);
  });

  it("refuses closed cursors and bad page sizes", async () => {
    const cursor = await conn.openCursor("SELECT 1");
    try {
      await cursor.fetch(0);
      expect.fail("page size 0 should fail");
    } catch (error) {
      expect((error as LibSqlError).code).to.equal("LIBSQL_INVALID_ARGUMENT");
    }
    await cursor.close();
    try {
      await cursor.fetch(1);
      expect.fail("closed cursor should fail");
    } catch (error) {
      expect((error as LibSqlError).code).to.equal("LIBSQL_INVALID_HANDLE");
    }
  });

  it("lets other statements run on the connection between pages", async () => {
    await conn.execute("CREATE TABLE t (n)");
    const cursor = await conn.openCursor("SELECT value FROM generate_series(1, 5)");
    await cursor.fetch(2);
    await conn.execute("INSERT INTO t VALUES (1)");
    const rest = await cursor.fetch(10);
    expect(rest.rows).to.have.length(3);
    await cursor.close();
  });

  it("streams 1,000,000 rows with bounded memory", async function () {
    this.timeout(120_000);
    const payload = "x".repeat(100);
    // The baseline comes before the cursor opens, so a cursor that read everything at open fails.
    if (global.gc) global.gc();
    const baseline = process.memoryUsage().rss;
    const cursor = await conn.openCursor("SELECT value AS n, ? AS pad FROM generate_series(1, 1000000)", [payload]);
    let peak = Math.max(baseline, process.memoryUsage().rss);
    let count = 0;
    let last = 0;
    for (;;) {
      const page = await cursor.fetch(1000, "array");
      for (const row of page.rows as [number, string][]) {
        count++;
        last = row[0];
      }
      if (count % 50_000 === 0) peak = Math.max(peak, process.memoryUsage().rss);
      if (page.done) break;
    }
    await cursor.close();
    expect(count).to.equal(1_000_000);
    expect(last).to.equal(1_000_000);
    // The whole result is ~100 MB of strings as JS values; streaming must stay far below that.
    const growthMiB = (peak - baseline) / (1024 * 1024);
    expect(growthMiB, `RSS grew by ${growthMiB.toFixed(1)} MiB`).to.be.below(64);
  });
});

describe("native: large results come back in pages", () => {
  it("converts rows beyond the first page on later turns of the event loop, in order", async () => {
    const conn = await LibSqlConnection.open({ url: ":memory:" });
    const raw = nativeBinding();
    const first = await wrapAsync(async () =>
      raw.run(conn.id, "SELECT value FROM generate_series(1, 2500)", null, { rowMode: "array", pageRows: 1000 }),
    );
    expect(first.rows).to.have.length(1000);
    expect(first.more).to.be.a("number");
    const second = raw.takeRows(first.more as number, 1000);
    expect(second.done).to.equal(false);
    expect((second.rows[0] as number[])[0]).to.equal(1001);
    const third = raw.takeRows(first.more as number, 1000);
    expect(third.rows).to.have.length(500);
    expect(third.done).to.equal(true);
    // A finished page source is freed.
    expect(() => wrapSync(() => raw.takeRows(first.more as number, 1))).to.throw(LibSqlError);

    // The binding collects every page transparently.
    const all = await conn.execute("SELECT value FROM generate_series(1, 25000)");
    expect(all.rows).to.have.length(25000);
    expect(all.rows.every((row, i) => row[0] === i + 1)).to.equal(true);
    expect(all).not.to.have.property("more");

    // Abandoned pages can be freed explicitly.
    const abandoned = await wrapAsync(async () =>
      raw.run(conn.id, "SELECT value FROM generate_series(1, 10)", null, { pageRows: 3 }),
    );
    raw.dropRows(abandoned.more as number);
    expect(() => wrapSync(() => raw.dropRows(abandoned.more as number))).to.throw(LibSqlError);
    await conn.close();
  });
});
