/**
 * A database per tenant with `LibSqlTenants`, against a real sqld with namespaces started by the
 * tests on loopback (each tenant reached as `http://<tenant>.localhost:<port>`): 50 tenants under a
 * limit of 8 open data sources, each seeing only its own rows; idle closing; one open and one
 * migration for 20 concurrent gets and for two managers (two "processes") opening one new tenant;
 * `migrateAll` with progress, one server's refusal and nothing left to do afterwards; delete while
 * open; a tenant whose server is down; a token per tenant on a JWT-protected sqld; one local file
 * per tenant.
 */
import { expect } from "chai";
import * as path from "path";
import { setTimeout as sleep } from "timers/promises";
import {
  LibSqlError,
  LibSqlTenants,
  SqldAdmin,
  type LibSqlDataSource,
  type LibSqlMigrateProgress,
  type LibSqlTenantsOptions,
} from "../../src";
import { codeOf } from "../support/errors";
import { JwtKeys, SqldServer, freePort, skipWithoutSqld } from "../support/sqld";
import { tempDir } from "../support/tmp";
import { AddNoteTags1764547200002, CreateNotes1764547200001, Note } from "./entity/tenancy";
import { RecordingLogger } from "./support/databases";

const TENANTS = Array.from({ length: 50 }, (_, i) => `tenant-${i + 1}`);

/** How many times each migration ran in a tenant's database (from its own log table). */
async function appliedLog(dataSource: LibSqlDataSource): Promise<Record<string, number>> {
  const rows: { migration: string; n: number }[] = await dataSource.query(
    `SELECT "migration", count(*) AS "n" FROM "applied_log" GROUP BY "migration" ORDER BY "migration"`,
  );
  return Object.fromEntries(rows.map((row) => [row.migration, row.n]));
}

async function migrationRecords(dataSource: LibSqlDataSource): Promise<number> {
  const rows: { n: number }[] = await dataSource.query(`SELECT count(*) AS "n" FROM "migrations"`);
  return rows[0].n;
}

/** Waits until `condition` holds, checking every 20 ms for at most `limitMs`. */
async function until(condition: () => boolean, limitMs: number, what: string): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(20);
  }
}

/** Runs `work` over `items`, `concurrency` at a time. */
async function eachLimited<T>(items: T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

describe("LibSqlTenants on a real sqld with namespaces", function () {
  this.timeout(120_000);
  let server: SqldServer;
  let admin: SqldAdmin;
  const managers: LibSqlTenants[] = [];

  function manager(options: Partial<LibSqlTenantsOptions> = {}): LibSqlTenants {
    const tenants = new LibSqlTenants({
      connection: (tenant) => ({ url: server.namespaceUrl(tenant) }),
      dataSource: { entities: [Note], migrations: [CreateNotes1764547200001] },
      maxOpen: 8,
      admin,
      ...options,
    });
    managers.push(tenants);
    return tenants;
  }

  /** sqld's namespace configuration: refuse (or accept again) writes to `tenant`. */
  async function blockWrites(tenant: string, block: boolean): Promise<void> {
    const response = await fetch(`${server.adminUrl}/v1/namespaces/${tenant}/config`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ block_reads: false, block_writes: block, block_reason: "maintenance" }),
    });
    expect(response.status).to.equal(200);
  }

  before(async function () {
    skipWithoutSqld(this, "LibSqlTenants");
    server = await SqldServer.start({ namespaces: true });
    admin = new SqldAdmin({ url: server.adminUrl ?? "" });
    await eachLimited(TENANTS, 8, async (tenant) => {
      await admin.create(tenant);
    });
  });

  afterEach(async () => {
    await Promise.all(managers.splice(0).map((tenants) => tenants.close()));
  });

  after(async () => {
    await server?.stop();
  });

  it("serves 50 tenants with at most 8 data sources open; each writes and reads only its own rows", async () => {
    const tenants = manager({ maxOpen: 8 });
    let highest = 0;
    await Promise.all(
      TENANTS.map((tenant) =>
        tenants.run(tenant, async (dataSource) => {
          highest = Math.max(highest, tenants.stats().open);
          await dataSource.getRepository(Note).insert({ tenant, text: `hello from ${tenant}` });
          const notes = await dataSource.getRepository(Note).find();
          expect(notes.map((note) => note.tenant)).to.deep.equal([tenant]);
        }),
      ),
    );
    expect(highest).to.be.at.most(8);
    const stats = tenants.stats();
    expect(stats.peakOpen).to.equal(8);
    expect(stats.open).to.be.at.most(8);
    expect(stats.opened).to.equal(50);
    expect(stats.closed).to.be.at.least(42);
    // Reopened after being closed: the same rows, and the migration ran once in each.
    for (const tenant of ["tenant-1", "tenant-25", "tenant-50"]) {
      const dataSource = await tenants.get(tenant);
      expect((await dataSource.getRepository(Note).find()).map((note) => note.text)).to.deep.equal([
        `hello from ${tenant}`,
      ]);
      expect(await appliedLog(dataSource)).to.deep.equal({ CreateNotes: 1 });
    }
    expect(tenants.stats().peakOpen).to.equal(8);
  });

  it("closes a data source left idle for idleTimeoutMs, but never one in use", async () => {
    const tenants = manager({ idleTimeoutMs: 150 });
    const idle = await tenants.get("tenant-1");
    expect(tenants.stats()).to.include({ open: 1, idle: 1 });
    await until(() => tenants.stats().open === 0, 5_000, "the idle data source closed");
    expect(idle.isInitialized).to.equal(false);
    await tenants.run("tenant-2", async (dataSource) => {
      await sleep(450);
      expect(dataSource.isInitialized).to.equal(true);
      expect(tenants.stats()).to.include({ open: 1, idle: 0 });
    });
    await until(() => tenants.stats().open === 0, 5_000, "the released data source closed");
  });

  it("opens a new tenant once for 20 concurrent gets, and applies its migration once", async () => {
    await admin.create("fresh-one");
    const tenants = manager();
    const sources = await Promise.all(Array.from({ length: 20 }, () => tenants.get("fresh-one")));
    expect(new Set(sources).size).to.equal(1);
    expect(tenants.stats()).to.include({ opened: 1, open: 1 });
    expect(await appliedLog(sources[0])).to.deep.equal({ CreateNotes: 1 });
    expect(await migrationRecords(sources[0])).to.equal(1);
  });

  it("applies a new tenant's migration once when two managers (two processes) open it at once", async () => {
    for (let round = 0; round < 3; round += 1) {
      const tenant = `fresh-pair-${round}`;
      await admin.create(tenant);
      const [first, second] = [manager(), manager()];
      const [a, b] = await Promise.all([first.get(tenant), second.get(tenant)]);
      expect(a).to.not.equal(b);
      expect(await appliedLog(a)).to.deep.equal({ CreateNotes: 1 });
      expect(await migrationRecords(b)).to.equal(1);
    }
  });

  it("migrateAll: progress, one server's refusal recorded while the rest succeed, then nothing to do", async () => {
    // Every tenant at the first migration, then a deploy brings a second one.
    await manager().migrateAll(TENANTS, { concurrency: 8 });
    await blockWrites("tenant-7", true);
    const logger = new RecordingLogger();
    const tenants = manager({
      dataSource: { entities: [Note], migrations: [CreateNotes1764547200001, AddNoteTags1764547200002], logger },
    });
    const progress: LibSqlMigrateProgress[] = [];
    const first = await tenants.migrateAll(TENANTS, { concurrency: 4, onProgress: (step) => progress.push(step) });
    expect(progress).to.have.length(50);
    expect(progress.map((step) => step.done + step.failed)).to.deep.equal(TENANTS.map((_, i) => i + 1));
    expect(progress.at(-1)).to.include({ done: 49, failed: 1, total: 50 });
    expect(first).to.include({ total: 50, done: 49, failed: 1, applied: 49 });
    expect(first.migrated).to.have.length(49).and.not.include("tenant-7");
    expect(first.failures.map((failure) => failure.tenant)).to.deep.equal(["tenant-7"]);
    const refusal = first.failures[0].error as LibSqlError;
    expect(refusal).to.be.instanceOf(LibSqlError);
    expect(refusal.code).to.equal("LIBSQL_REMOTE_ERROR");
    expect(refusal.message).to.contain("tenant `tenant-7`").and.contain("blocked");
    expect(progress.find((step) => step.tenant === "tenant-7")?.error).to.equal(refusal);
    const logged = logger.entries.filter((entry) => entry.kind === "migration" && /failed/.test(entry.text));
    expect(logged).to.have.length(1);
    expect(logged[0].text).to.contain("tenant-7.localhost");

    await blockWrites("tenant-7", false);
    const second = await tenants.migrateAll(TENANTS, { concurrency: 4 });
    expect(second).to.include({ total: 50, done: 50, failed: 0, applied: 1 });
    expect(second.migrated).to.deep.equal(["tenant-7"]);
    const third = await tenants.migrateAll(TENANTS, { concurrency: 4 });
    expect(third).to.include({ total: 50, done: 50, failed: 0, applied: 0 });
    for (const tenant of ["tenant-1", "tenant-7", "tenant-50"]) {
      expect(await appliedLog(await tenants.get(tenant))).to.deep.equal({ AddNoteTags: 1, CreateNotes: 1 });
    }
  });

  it("delete closes an open tenant's data source; a later get fails with LIBSQL_DATABASE_NOT_FOUND", async () => {
    await admin.create("leaving");
    const tenants = manager();
    const dataSource = await tenants.get("leaving");
    await dataSource.getRepository(Note).insert({ tenant: "leaving", text: "bye" });
    await tenants.delete("leaving");
    expect(dataSource.isInitialized).to.equal(false);
    const failure = await tenants.get("leaving").then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).to.be.instanceOf(LibSqlError);
    expect(failure).to.include({ code: "LIBSQL_DATABASE_NOT_FOUND" });
    expect((failure as Error).message).to.match(/^tenant `leaving`: the server has no such database/);
    expect(tenants.stats().open).to.equal(0);
    expect(await codeOf(tenants.get("never-created"))).to.equal("LIBSQL_DATABASE_NOT_FOUND");
  });

  it("a tenant whose server is down fails its get with LIBSQL_NETWORK; the others carry on", async () => {
    const downPort = await freePort();
    const tenants = manager({
      connection: (tenant) => ({
        url: tenant === "tenant-3" ? `http://127.0.0.1:${downPort}` : server.namespaceUrl(tenant),
        connectTimeoutMs: 2_000,
      }),
    });
    expect(await codeOf(tenants.get("tenant-3"))).to.equal("LIBSQL_NETWORK");
    expect(tenants.stats().open).to.equal(0);
    expect(await (await tenants.get("tenant-4")).getRepository(Note).count()).to.be.a("number");
    expect(await codeOf(tenants.get("tenant-3"))).to.equal("LIBSQL_NETWORK");
  });

  it("waits for a place when every data source is in use, up to acquireTimeoutMs", async () => {
    const tenants = manager({ maxOpen: 1, acquireTimeoutMs: 300 });
    let release: () => void = () => undefined;
    const held = tenants.run("tenant-1", () => new Promise<void>((resolve) => (release = resolve)));
    await until(() => tenants.stats().open === 1 && tenants.stats().idle === 0, 5_000, "tenant-1 is held");
    expect(await codeOf(tenants.get("tenant-2"))).to.equal("LIBSQL_TIMEOUT");
    const waiting = tenants.get("tenant-2");
    release();
    await held;
    expect((await waiting).isInitialized).to.equal(true);
    expect(tenants.stats()).to.include({ open: 1, peakOpen: 1 });
  });

  it("refuses bad options, bad tenant ids and use after close", async () => {
    const connection = (tenant: string) => ({ url: server.namespaceUrl(tenant) });
    expect(() => new LibSqlTenants({ connection, maxOpen: 0 })).to.throw(/maxOpen/);
    expect(() => new LibSqlTenants({ connection, dataSource: { migrationsRun: true } as never })).to.throw(
      /migrationsRun/,
    );
    expect(() => new LibSqlTenants({ connection, dataSource: { migrationsTransactionMode: "each" } })).to.throw(
      /migrationsTransactionMode/,
    );
    const tenants = manager();
    expect(await codeOf(tenants.get("../etc"))).to.equal("LIBSQL_INVALID_ARGUMENT");
    expect(await codeOf(new LibSqlTenants({ connection }).create("x"))).to.equal("LIBSQL_UNSUPPORTED");
    await tenants.close();
    expect(await codeOf(tenants.get("tenant-1"))).to.equal("LIBSQL_MISUSE");
  });

  describe("on a JWT-protected sqld: a key and a token per tenant", () => {
    let guarded: SqldServer;
    let guardedAdmin: SqldAdmin;
    const keys = new Map<string, JwtKeys>();
    const serverKeys = new JwtKeys();

    before(async function () {
      skipWithoutSqld(this, "LibSqlTenants with JWT");
      guarded = await SqldServer.start({ namespaces: true, jwt: serverKeys });
      guardedAdmin = new SqldAdmin({ url: guarded.adminUrl ?? "" });
    });

    after(async () => {
      await guarded?.stop();
    });

    function guardedManager(token: (tenant: string) => string): LibSqlTenants {
      return manager({
        admin: guardedAdmin,
        connection: (tenant) => ({ url: guarded.namespaceUrl(tenant), authToken: token(tenant) }),
      });
    }

    it("each tenant works with its own token only; another tenant's or the server's is refused", async () => {
      const tenants = guardedManager((tenant) => keys.get(tenant)?.token() ?? "");
      for (const tenant of ["alpha", "beta", "gamma"]) {
        keys.set(tenant, new JwtKeys());
        await tenants.create(tenant, { jwtKey: keys.get(tenant)?.publicKeyPem });
        const dataSource = await tenants.get(tenant);
        await dataSource.getRepository(Note).insert({ tenant, text: "secret" });
        expect(await dataSource.getRepository(Note).count()).to.equal(1);
      }
      const betaToken = keys.get("beta")?.token() ?? "";
      const crossed = guardedManager(() => betaToken);
      const failure = await crossed.get("alpha").then(
        () => undefined,
        (error: unknown) => error as LibSqlError,
      );
      expect(failure?.code).to.equal("LIBSQL_AUTH");
      expect(failure?.message).to.not.contain(betaToken);
      expect(await codeOf(guardedManager(() => serverKeys.token()).get("gamma"))).to.equal("LIBSQL_AUTH");
    });
  });
});

describe("LibSqlTenants with one local file per tenant", () => {
  it("opens, migrates and isolates tenants in their own files", async () => {
    const dir = tempDir("typeorm-libsql-tenants-");
    const tenants = new LibSqlTenants({
      connection: (tenant) => ({ url: path.join(dir, `${tenant}.db`) }),
      dataSource: { entities: [Note], migrations: [CreateNotes1764547200001] },
      maxOpen: 2,
    });
    try {
      for (const tenant of ["one", "two", "three"]) {
        await tenants.run(tenant, (dataSource) => dataSource.getRepository(Note).insert({ tenant, text: tenant }));
      }
      for (const tenant of ["one", "two", "three"]) {
        const dataSource = await tenants.get(tenant);
        expect((await dataSource.getRepository(Note).find()).map((note) => note.tenant)).to.deep.equal([tenant]);
        expect(await appliedLog(dataSource)).to.deep.equal({ CreateNotes: 1 });
      }
      expect(tenants.stats().peakOpen).to.equal(2);
    } finally {
      await tenants.close();
    }
  });
});
