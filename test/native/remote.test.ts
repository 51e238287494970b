/**
 * Remote databases and embedded replicas against a real libSQL server (sqld, started by the tests:
 * see test/support/sqld.ts): SQL reaches the server as written (column names), errors carry the
 * same extended SQLite codes as on a local file and name the server, change counters and cached
 * statements behave as locally, a server that goes away gives `LIBSQL_NETWORK` and comes back, and
 * JWT auth refuses missing, wrong, expired and read-only tokens with `LIBSQL_AUTH` without ever
 * showing them. Without sqld these tests are skipped, and the run says why.
 */
import { expect } from "chai";
import { LibSqlConnection, LibSqlError } from "../../src/native";
import { emptyDatabase, freePort, sharedAuthSqld, sharedSqld, skipWithoutSqld, SqldServer } from "../support/sqld";
import { tempDbPath } from "../support/tmp";

type Mode = "remote" | "replica";

function open(mode: Mode, url: string, authToken?: string): Promise<LibSqlConnection> {
  return mode === "remote"
    ? LibSqlConnection.open({ url, authToken })
    : LibSqlConnection.open({ url: tempDbPath("replica.db"), syncUrl: url, authToken });
}

/** The error `promise` rejects with (a `LibSqlError`). */
async function failure(promise: Promise<unknown>): Promise<LibSqlError> {
  try {
    await promise;
  } catch (error) {
    expect(error).to.be.instanceOf(LibSqlError);
    return error as LibSqlError;
  }
  throw new Error("expected the call to fail");
}

const SCHEMA = [
  `CREATE TABLE p (id INTEGER PRIMARY KEY, u TEXT UNIQUE, n TEXT NOT NULL, c INTEGER CHECK (c > 0),
     f INTEGER REFERENCES p (id))`,
  `CREATE TABLE pair (a TEXT, b TEXT, PRIMARY KEY (a, b)) WITHOUT ROWID`,
  `CREATE TABLE strict_t (x INTEGER) STRICT`,
  `CREATE TABLE plain (v TEXT)`,
];

describe("native: remote databases and embedded replicas (sqld)", function () {
  this.timeout(60_000);
  let url: string;

  before(async function () {
    skipWithoutSqld(this, "remote and embedded-replica tests");
    url = (await sharedSqld()).url;
  });

  for (const mode of ["remote", "replica"] as const) {
    describe(mode, () => {
      let conn: LibSqlConnection;

      beforeEach(async () => {
        await emptyDatabase(url);
        conn = await open(mode, url);
        for (const sql of SCHEMA) await conn.execute(sql);
      });

      afterEach(async () => {
        await conn?.close();
      });

      it("returns columns named exactly as written: keyword aliases, expressions and RETURNING", async () => {
        const read = await conn.query('SELECT 1 AS query, 2 AS key, 3 AS "Order", count(*) FROM plain');
        expect(read.columns).to.deep.equal(["query", "key", "Order", "count(*)"]);
        expect(read.rows).to.deep.equal([{ query: 1, key: 2, Order: 3, "count(*)": 0 }]);
        const written = await conn.query("INSERT INTO plain (v) VALUES ('x') RETURNING v AS key, length(v) AS select_");
        expect(written.rows).to.deep.equal([{ key: "x", select_: 1 }]);
        const lower = await conn.query("select v as value, upper(v) as upper from plain");
        expect(lower.columns).to.deep.equal(["value", "upper"]);
      });

      it("reports constraint failures with the extended SQLite codes of a local file, naming the server", async () => {
        await conn.execute("INSERT INTO p (id, u, n, c) VALUES (1, 'a', 'x', 1)");
        await conn.execute("INSERT INTO pair VALUES ('a', 'b')");
        const cases: [string, string, number][] = [
          ["INSERT INTO p (id, u, n, c) VALUES (1, 'b', 'x', 1)", "SQLITE_CONSTRAINT_PRIMARYKEY", 1555],
          ["INSERT INTO pair VALUES ('a', 'b')", "SQLITE_CONSTRAINT_PRIMARYKEY", 1555],
          ["INSERT INTO p (id, u, n, c) VALUES (2, 'a', 'x', 1)", "SQLITE_CONSTRAINT_UNIQUE", 2067],
          ["INSERT INTO p (id, u, n, c) VALUES (3, 'c', NULL, 1)", "SQLITE_CONSTRAINT_NOTNULL", 1299],
          ["INSERT INTO p (id, u, n, c) VALUES (4, 'd', 'x', -1)", "SQLITE_CONSTRAINT_CHECK", 275],
          ["INSERT INTO p (id, u, n, c, f) VALUES (5, 'e', 'x', 1, 99)", "SQLITE_CONSTRAINT_FOREIGNKEY", 787],
          ["INSERT INTO strict_t VALUES ('not a number')", "SQLITE_CONSTRAINT_DATATYPE", 3091],
        ];
        for (const [sql, code, rawCode] of cases) {
          const error = await failure(conn.execute(sql));
          expect(error.code, sql).to.equal(code);
          expect(error.rawCode, sql).to.equal(rawCode);
          expect(error.message, sql).to.contain(`(at ${url})`);
        }
        const unique = await failure(conn.execute("INSERT INTO p (id, u, n, c) VALUES (2, 'a', 'x', 1)"));
        expect(unique.message).to.equal(`UNIQUE constraint failed: p.u (at ${url})`);
        expect((await failure(conn.execute("SELEC 1"))).code).to.equal("SQLITE_ERROR");
        expect((await failure(conn.execute("SELECT * FROM missing_table"))).code).to.equal("SQLITE_ERROR");
        // The connection is still usable, and nothing failed half-way.
        expect((await conn.execute("SELECT id FROM p")).rows).to.deep.equal([[1]]);
      });

      it("reports rows affected and the last insert rowid of writes", async () => {
        const inserted = await conn.execute("INSERT INTO plain (v) VALUES ('a'), ('b'), ('c')");
        expect(inserted.rowsAffected).to.equal(3);
        expect(inserted.lastInsertRowid).to.equal(3);
        expect((await conn.execute("UPDATE plain SET v = v || '!' WHERE v <> 'a'")).rowsAffected).to.equal(2);
        expect((await conn.execute("DELETE FROM plain WHERE v = 'a'")).rowsAffected).to.equal(1);
        expect((await conn.execute("SELECT v FROM plain ORDER BY v")).rowsAffected).to.equal(0);
      });

      it("runs a cached statement again with new parameters", async () => {
        await conn.execute("INSERT INTO plain (v) VALUES ('a'), ('b'), ('c')");
        for (const v of ["c", "a", "b", "missing"]) {
          const rows = (await conn.execute("SELECT v FROM plain WHERE v = ?", [v])).rows;
          expect(rows, v).to.deep.equal(v === "missing" ? [] : [[v]]);
        }
      });

      it("answers PRAGMAs from the current schema after another connection changed it", async () => {
        const other = conn.connectShared();
        try {
          const foreignKeys = `PRAGMA foreign_key_list("plain")`;
          expect((await other.execute(foreignKeys)).rows).to.deep.equal([]);
          const tx = await conn.begin("immediate");
          await conn.execute(`CREATE TABLE "plain_new" (v TEXT REFERENCES p (u))`);
          await conn.execute(`INSERT INTO "plain_new" SELECT v FROM plain`);
          await conn.execute(`DROP TABLE plain`);
          await conn.execute(`ALTER TABLE "plain_new" RENAME TO plain`);
          await tx.commit();
          for (const reader of [other, conn]) {
            const rows = (await reader.query<{ table: string; from: string }>(foreignKeys)).rows;
            expect(rows.map((row) => [row.table, row.from])).to.deep.equal([["p", "v"]]);
          }
        } finally {
          await other.close();
        }
      });

      it("keeps a transaction when a statement prepared outside it runs inside it", async () => {
        const insert = "INSERT INTO plain (v) VALUES (?)";
        await conn.execute(insert, ["outside"]);
        const rolledBack = await conn.begin("immediate");
        await conn.execute(insert, ["rolled back"]);
        await conn.execute(insert, ["rolled back too"]);
        await rolledBack.rollback();
        const committed = await conn.begin("immediate");
        await conn.execute(insert, ["committed"]);
        await committed.commit();
        expect((await conn.execute("SELECT v FROM plain ORDER BY rowid")).rows).to.deep.equal([
          ["outside"],
          ["committed"],
        ]);
      });
    });
  }

  it("builds a vector index over the rows already in its table", async () => {
    for (const mode of ["remote", "replica"] as const) {
      await emptyDatabase(url);
      const conn = await open(mode, url);
      try {
        await conn.execute("CREATE TABLE v (id INTEGER PRIMARY KEY, e F32_BLOB(2))");
        await conn.execute("INSERT INTO v (e) VALUES (vector32('[1,0]')), (vector32('[0,1]')), (vector32('[1,1]'))");
        await conn.execute("CREATE INDEX v_idx ON v (libsql_vector_idx(e))");
        const nearest = await conn.execute("SELECT id FROM vector_top_k('v_idx', vector32('[1,0.1]'), 3)");
        expect(nearest.rows.map(([id]) => id).sort(), mode).to.deep.equal([1, 2, 3]);
      } finally {
        await conn.close();
      }
    }
  });

  it("fails with LIBSQL_NETWORK, naming the URL, while the server is down, and recovers once it is back", async () => {
    const server = await SqldServer.start();
    try {
      const remote = await LibSqlConnection.open({ url: server.url, authToken: "secret-token-value" });
      await remote.execute("CREATE TABLE t (v TEXT)");
      const replica = await open("replica", server.url);
      await replica.sync();
      await server.kill();

      const down = await failure(remote.execute("SELECT count(*) FROM t"));
      expect(down.code).to.equal("LIBSQL_NETWORK");
      expect(down.message).to.contain(server.url);
      expect(down.message).not.to.contain("secret-token-value");
      const write = await failure(replica.execute("INSERT INTO t VALUES ('while down')"));
      expect(write.code).to.equal("LIBSQL_NETWORK");
      expect(write.message).to.contain(server.url);
      // The replica still reads its local copy.
      expect((await replica.execute("SELECT count(*) FROM t")).rows).to.deep.equal([[0]]);

      await server.restart();
      await remote.execute("INSERT INTO t VALUES ('after restart')");
      await replica.execute("INSERT INTO t VALUES ('from the replica')");
      expect((await remote.execute("SELECT count(*) FROM t")).rows).to.deep.equal([[2]]);
      await Promise.all([remote.close(), replica.close()]);
    } finally {
      await server.stop();
    }
  });

  it("never shows credentials written into a URL", async () => {
    const port = await freePort();
    const conn = await LibSqlConnection.open({ url: `http://someone:hunter2-password@127.0.0.1:${port}/` });
    const error = await failure(conn.execute("SELECT 1"));
    expect(error.code).to.equal("LIBSQL_NETWORK");
    expect(error.message).to.contain(`(at http://127.0.0.1:${port})`);
    expect(error.message).not.to.contain("hunter2");
    await conn.close();
  });

  describe("JWT authentication", () => {
    let authUrl: string;
    let keys: Awaited<ReturnType<typeof sharedAuthSqld>>["keys"];

    before(async function () {
      skipWithoutSqld(this, "JWT authentication tests");
      const auth = await sharedAuthSqld();
      authUrl = auth.server.url;
      keys = auth.keys;
      await emptyDatabase(authUrl, keys.token());
      const admin = await LibSqlConnection.open({ url: authUrl, authToken: keys.token() });
      await admin.execute("CREATE TABLE secrets (v TEXT)");
      await admin.execute("INSERT INTO secrets VALUES ('kept')");
      await admin.close();
    });

    function expectRefused(error: LibSqlError, token: string | undefined): void {
      expect(error.code).to.equal("LIBSQL_AUTH");
      expect(error.message).to.contain(`(at ${authUrl})`);
      if (token) {
        for (const part of token.split(".")) expect(error.message).not.to.contain(part);
        expect(error.stack ?? "").not.to.contain(token);
      }
    }

    it("accepts a valid token for reads and writes, on a remote database and a replica", async () => {
      const token = keys.token();
      for (const mode of ["remote", "replica"] as const) {
        const conn = await open(mode, authUrl, token);
        await conn.execute("INSERT INTO secrets VALUES (?)", [mode]);
        if (mode === "replica") await conn.sync();
        expect((await conn.execute("SELECT count(*) FROM secrets WHERE v = ?", [mode])).rows).to.deep.equal([[1]]);
        await conn.execute("DELETE FROM secrets WHERE v = ?", [mode]);
        await conn.close();
      }
    });

    it("refuses a missing, wrongly signed or expired token with LIBSQL_AUTH, never showing it", async () => {
      const tokens: [string, string | undefined][] = [
        ["missing", undefined],
        ["signed with another key", keys.token("rw", 3_600, true)],
        // Expired an hour ago: the server allows a minute of clock skew.
        ["expired", keys.token("rw", -3_600)],
        ["not a JWT", "not-a-jwt"],
      ];
      for (const [label, token] of tokens) {
        const remote = await LibSqlConnection.open({ url: authUrl, authToken: token });
        expectRefused(await failure(remote.execute("SELECT count(*) FROM secrets")), token);
        expectRefused(await failure(remote.execute("INSERT INTO secrets VALUES ('x')")), token);
        await remote.close();
        // A replica's writes are delegated to the primary, which refuses them the same way.
        const replica = await open("replica", authUrl, token);
        const refused = await failure(replica.execute("INSERT INTO secrets VALUES ('x')"));
        expect(refused.code, label).to.equal("LIBSQL_AUTH");
        expectRefused(refused, token);
        await replica.close();
      }
    });

    it("lets a read-only token read but not write (LIBSQL_AUTH), and the connection stays usable", async () => {
      const token = keys.token("ro");
      const remote = await LibSqlConnection.open({ url: authUrl, authToken: token });
      expect((await remote.execute("SELECT v FROM secrets")).rows).to.deep.equal([["kept"]]);
      expectRefused(await failure(remote.execute("INSERT INTO secrets VALUES ('x') RETURNING v")), token);
      expectRefused(await failure(remote.execute("DELETE FROM secrets")), token);
      expect((await remote.execute("SELECT v FROM secrets")).rows).to.deep.equal([["kept"]]);
      await remote.close();

      const replica = await open("replica", authUrl, token);
      await replica.sync();
      expect((await replica.execute("SELECT v FROM secrets")).rows).to.deep.equal([["kept"]]);
      expectRefused(await failure(replica.execute("INSERT INTO secrets VALUES ('x')")), token);
      expect((await replica.execute("SELECT v FROM secrets")).rows).to.deep.equal([["kept"]]);
      await replica.close();
    });

    it("reports a replica sync the primary refuses as LIBSQL_SYNC_ERROR (libsql does not keep the cause)", async () => {
      const token = keys.token("rw", 3_600, true);
      const replica = await open("replica", authUrl, token);
      const error = await failure(replica.sync());
      expect(error.code).to.equal("LIBSQL_SYNC_ERROR");
      expect(error.message).to.contain(authUrl);
      expect(error.message).not.to.contain(token);
      await replica.close();
    });
  });
});

describe("native: remote error codes without a server", () => {
  it("refuses to open a replica of a primary that cannot be reached, with LIBSQL_NETWORK", async function () {
    this.timeout(30_000);
    const url = `http://127.0.0.1:${await freePort()}`;
    const error = await failure(open("replica", url, "secret-token-value"));
    expect(error.code).to.equal("LIBSQL_NETWORK");
    expect(error.message).to.contain(url);
    expect(error.message).not.to.contain("secret-token-value");
  });
});
