/**
 * Database administration: `SqldAdmin` against a real sqld with namespaces (started by the test on
 * loopback), and `TursoAdmin` against a stand-in serving the contract of Turso's Platform API
 * documentation (Turso itself cannot be reached from the tests; test/support/turso-api.ts).
 * Typed errors for an existing or missing database, refused credentials, an unreachable or silent
 * server, and no secret in any message. Also: `<name>.localhost` reaches the namespace through the
 * native core's own resolution (the system resolver here knows no `*.localhost` names).
 */
import { expect } from "chai";
import * as path from "path";
import { inspect } from "util";
import { LibSqlAdminError, LibSqlConnection, SqldAdmin, TursoAdmin } from "../../src";
import { codeOf } from "../support/errors";
import { SqldServer, freePort, skipWithoutSqld } from "../support/sqld";
import { tempDir } from "../support/tmp";
import { TursoApiStandIn } from "../support/turso-api";

async function count(url: string, table: string): Promise<number> {
  const connection = await LibSqlConnection.open({ url });
  try {
    const result = await connection.query<{ n: number }>(`SELECT count(*) AS n FROM ${table}`);
    return result.rows[0].n;
  } finally {
    await connection.close();
  }
}

async function execute(url: string, sql: string): Promise<void> {
  const connection = await LibSqlConnection.open({ url });
  try {
    await connection.executeScript(sql);
  } finally {
    await connection.close();
  }
}

/** The message an admin call rejects with (and that it rejected with a `LibSqlAdminError`). */
async function messageOf(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).to.be.instanceOf(LibSqlAdminError);
  return (error as Error).message;
}

describe("SqldAdmin on a real sqld with namespaces", () => {
  let server: SqldServer;
  let admin: SqldAdmin;

  before(async function () {
    skipWithoutSqld(this, "SqldAdmin");
    server = await SqldServer.start({ namespaces: true });
    admin = new SqldAdmin({ url: server.adminUrl ?? "" });
  });

  after(async () => {
    await server?.stop();
  });

  it("creates a namespace reachable as http://<name>.localhost:<port>, each with its own data", async () => {
    expect(await admin.create("acme")).to.deep.equal({ name: "acme" });
    await admin.create("globex");
    await execute(server.namespaceUrl("acme"), "CREATE TABLE t (x); INSERT INTO t VALUES (1), (2);");
    await execute(server.namespaceUrl("globex"), "CREATE TABLE t (x); INSERT INTO t VALUES (1);");
    expect(await count(server.namespaceUrl("acme"), "t")).to.equal(2);
    expect(await count(server.namespaceUrl("globex"), "t")).to.equal(1);
  });

  it("serves an embedded replica of a namespace that syncs from http://<name>.localhost:<port>", async () => {
    await admin.create("mirrored");
    await execute(server.namespaceUrl("mirrored"), "CREATE TABLE t (x); INSERT INTO t VALUES ('from the primary');");
    const replica = await LibSqlConnection.open({
      url: path.join(tempDir(), "replica.db"),
      syncUrl: server.namespaceUrl("mirrored"),
    });
    try {
      expect((await replica.sync()).framesSynced).to.be.greaterThan(0);
      expect((await replica.execute("SELECT x FROM t")).rows).to.deep.equal([["from the primary"]]);
    } finally {
      await replica.close();
    }
  });

  it("refuses to create one that exists with LIBSQL_DATABASE_EXISTS", async () => {
    await admin.create("dupe");
    expect(await codeOf(admin.create("dupe"))).to.equal("LIBSQL_DATABASE_EXISTS");
  });

  it("forks a namespace with its data, and refuses a missing source or an existing target", async () => {
    await admin.create("origin");
    await execute(server.namespaceUrl("origin"), "CREATE TABLE t (x); INSERT INTO t VALUES (7);");
    expect(await admin.fork("origin", "branch")).to.deep.equal({ name: "branch" });
    await execute(server.namespaceUrl("branch"), "INSERT INTO t VALUES (8);");
    expect(await count(server.namespaceUrl("branch"), "t")).to.equal(2);
    expect(await count(server.namespaceUrl("origin"), "t")).to.equal(1);
    expect(await codeOf(admin.fork("no-such", "other"))).to.equal("LIBSQL_DATABASE_NOT_FOUND");
    expect(await codeOf(admin.fork("origin", "branch"))).to.equal("LIBSQL_DATABASE_EXISTS");
  });

  it("deletes a namespace: clients then get LIBSQL_DATABASE_NOT_FOUND, and so does a second delete", async () => {
    await admin.create("doomed");
    await execute(server.namespaceUrl("doomed"), "CREATE TABLE t (x);");
    await admin.delete("doomed");
    expect(await codeOf(count(server.namespaceUrl("doomed"), "t"))).to.equal("LIBSQL_DATABASE_NOT_FOUND");
    expect(await codeOf(admin.delete("doomed"))).to.equal("LIBSQL_DATABASE_NOT_FOUND");
  });

  it("refuses to list namespaces or mint tokens with LIBSQL_UNSUPPORTED (sqld has no such routes)", async () => {
    expect(await codeOf(admin.list())).to.equal("LIBSQL_UNSUPPORTED");
    expect(await codeOf(admin.createToken("acme"))).to.equal("LIBSQL_UNSUPPORTED");
  });

  it("refuses a name that is not one host-name label, before any request", async () => {
    for (const name of ["", "Acme", "a_b", "-a", "a-", "a.b", "../x", "x".repeat(64)]) {
      expect(await codeOf(admin.create(name)), name).to.equal("LIBSQL_INVALID_ARGUMENT");
    }
  });

  it("fails with LIBSQL_NETWORK when the admin API cannot be reached", async () => {
    const nowhere = new SqldAdmin({ url: `http://127.0.0.1:${await freePort()}` });
    expect(await codeOf(nowhere.create("acme"))).to.equal("LIBSQL_NETWORK");
  });

  describe("with an admin key (--admin-auth-key)", () => {
    const key = "admin-key-0123456789";
    let guarded: SqldServer;

    before(async function () {
      skipWithoutSqld(this, "SqldAdmin with an admin key");
      guarded = await SqldServer.start({ namespaces: true, args: ["--admin-auth-key", key] });
    });

    after(async () => {
      await guarded?.stop();
    });

    it("works with the key and refuses a missing or wrong one with LIBSQL_AUTH, never showing it", async () => {
      const url = guarded.adminUrl ?? "";
      await new SqldAdmin({ url, authKey: key }).create("acme");
      expect(await codeOf(new SqldAdmin({ url }).create("other"))).to.equal("LIBSQL_AUTH");
      const wrong = "wrong-key-9876543210";
      const message = await messageOf(new SqldAdmin({ url, authKey: wrong }).create("other"));
      expect(message).to.contain("HTTP 401").and.not.contain(wrong).and.not.contain(key);
      const shown =
        JSON.stringify(new SqldAdmin({ url, authKey: key })) + inspect(new SqldAdmin({ url, authKey: key }));
      expect(shown).to.not.contain(key);
    });
  });
});

describe("TursoAdmin against the documented Platform API (a stand-in on loopback)", () => {
  const token = "platform-token-abcdef123456";
  let api: TursoApiStandIn;
  let admin: TursoAdmin;

  beforeEach(async () => {
    api = await TursoApiStandIn.start("acme-org", token);
    admin = new TursoAdmin({ organization: "acme-org", group: "tenants", token, apiUrl: api.url, timeoutMs: 2_000 });
  });

  afterEach(async () => {
    await api.stop();
  });

  it("creates a database in its group with POST /v1/organizations/{org}/databases and a bearer token", async () => {
    const info = await admin.create("tenant-1");
    expect(info).to.deep.equal({ name: "tenant-1", url: "libsql://tenant-1-acme-org.turso.io" });
    expect(api.requests).to.have.length(1);
    const [request] = api.requests;
    expect(request).to.deep.include({
      method: "POST",
      path: "/v1/organizations/acme-org/databases",
      authorization: `Bearer ${token}`,
      contentType: "application/json",
    });
    expect(request.body).to.deep.equal({ name: "tenant-1", group: "tenants" });
    expect(await codeOf(admin.create("tenant-1"))).to.equal("LIBSQL_DATABASE_EXISTS");
  });

  it("lists the databases of its group with GET …/databases?group=", async () => {
    await admin.create("tenant-1");
    await admin.create("tenant-2");
    await new TursoAdmin({ organization: "acme-org", group: "other", token, apiUrl: api.url }).create("elsewhere");
    expect(await admin.list()).to.deep.equal(["tenant-1", "tenant-2"]);
    expect(api.requests.at(-1)).to.deep.include({ method: "GET", query: { group: "tenants" } });
  });

  it("deletes with DELETE …/databases/{name}, and a missing one is LIBSQL_DATABASE_NOT_FOUND", async () => {
    await admin.create("tenant-1");
    await admin.delete("tenant-1");
    expect(api.requests.at(-1)).to.deep.include({
      method: "DELETE",
      path: "/v1/organizations/acme-org/databases/tenant-1",
    });
    expect(api.databases.has("tenant-1")).to.equal(false);
    expect(await codeOf(admin.delete("tenant-1"))).to.equal("LIBSQL_DATABASE_NOT_FOUND");
  });

  it("mints a token with POST …/databases/{name}/auth/tokens?expiration=&authorization=", async () => {
    await admin.create("tenant-1");
    const jwt = await admin.createToken("tenant-1", { expiration: "2w", authorization: "read-only" });
    expect(api.tokens).to.deep.equal([{ database: "tenant-1", expiration: "2w", authorization: "read-only", jwt }]);
    expect(api.requests.at(-1)).to.deep.include({
      method: "POST",
      path: "/v1/organizations/acme-org/databases/tenant-1/auth/tokens",
      query: { expiration: "2w", authorization: "read-only" },
    });
    await admin.createToken("tenant-1");
    expect(api.tokens[1]).to.deep.include({ expiration: "never", authorization: "full-access" });
    expect(await codeOf(admin.createToken("nobody"))).to.equal("LIBSQL_DATABASE_NOT_FOUND");
    expect(await codeOf(admin.createToken("tenant-1", { expiration: "soon" }))).to.equal("LIBSQL_INVALID_ARGUMENT");
  });

  it("forks as a database seeded from another ({seed: {type: 'database', name}})", async () => {
    await admin.create("origin");
    expect(await admin.fork("origin", "branch")).to.deep.include({ name: "branch" });
    expect(api.requests.at(-1)?.body).to.deep.equal({
      name: "branch",
      group: "tenants",
      seed: { type: "database", name: "origin" },
    });
    expect(await codeOf(admin.fork("missing", "other"))).to.equal("LIBSQL_DATABASE_NOT_FOUND");
  });

  it("refuses a per-database JWT key (sqld's) with LIBSQL_UNSUPPORTED", async () => {
    expect(await codeOf(admin.create("tenant-1", { jwtKey: "key" }))).to.equal("LIBSQL_UNSUPPORTED");
    expect(api.requests).to.have.length(0);
  });

  it("refuses a wrong token with LIBSQL_AUTH, never showing either token", async () => {
    const wrong = "wrong-token-zyxwvu987654";
    const bad = new TursoAdmin({ organization: "acme-org", group: "tenants", token: wrong, apiUrl: api.url });
    expect(await codeOf(bad.list())).to.equal("LIBSQL_AUTH");
    const message = await messageOf(bad.create("tenant-1"));
    expect(message).to.contain("HTTP 401").and.not.contain(wrong).and.not.contain(token);
    expect(JSON.stringify(admin) + inspect(admin)).to.not.contain(token);
  });

  it("fails with LIBSQL_TIMEOUT when the API does not answer, and LIBSQL_NETWORK when it is not there", async () => {
    api.stall = true;
    const slow = new TursoAdmin({ organization: "acme-org", group: "tenants", token, apiUrl: api.url, timeoutMs: 200 });
    expect(await codeOf(slow.list())).to.equal("LIBSQL_TIMEOUT");
    const nowhere = new TursoAdmin({
      organization: "acme-org",
      group: "tenants",
      token,
      apiUrl: `http://127.0.0.1:${await freePort()}`,
    });
    expect(await codeOf(nowhere.list())).to.equal("LIBSQL_NETWORK");
  });
});
