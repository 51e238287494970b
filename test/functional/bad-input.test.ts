/**
 * Bad input, tried as a new user would: each case fails with an error that names the problem and
 * the fix, and leaves the database as it was.
 */
import { execFileSync } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { expect } from "chai";
import { CannotConnectAlreadyConnectedError, CannotExecuteNotConnectedError } from "typeorm";
import { LibSqlDataSource, type LibSqlDataSourceOptions } from "../../src";
import { LibSqlConnection, type OpenOptions } from "../../src/native";
import { Entry } from "./entity/ledger";
import { tempDatabase, tempDir } from "./support/databases";

const KEY = "the-right-key-0123456789";
const WRONG_KEY = "a-wrong-key-9876543210";

/** The files of a directory with a digest of each, to show that nothing changed. */
function snapshot(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const name of fs.readdirSync(dir).sort()) {
    const file = path.join(dir, name);
    files[name] = fs.statSync(file).isDirectory()
      ? "directory"
      : createHash("sha256").update(fs.readFileSync(file)).digest("hex");
  }
  return files;
}

/** A closed database file holding one entry, "kept", encrypted with `key` if given. */
async function fileWithOneEntry(key?: string): Promise<string> {
  const file = tempDatabase();
  const dataSource = await new LibSqlDataSource({
    url: file,
    entities: [Entry],
    synchronize: true,
    ...(key === undefined ? {} : { encryptionKey: key }),
  }).initialize();
  await dataSource.getRepository(Entry).insert({ owner: "kept", amount: 1 });
  await dataSource.destroy();
  return file;
}

async function failureOf(work: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await work;
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error("expected a failure");
}

/** The owners stored in a database file, read through a connection of its own. */
async function storedOwners(file: string): Promise<string[]> {
  const connection = await LibSqlConnection.open({ url: file });
  try {
    const { rows } = await connection.query<{ owner: string }>(`SELECT "owner" FROM "entry" ORDER BY "owner"`);
    return rows.map((r) => r.owner);
  } finally {
    await connection.close();
  }
}

/** A database file holding one entry, "kept". */
function databaseWithOneEntry(): Promise<string> {
  return fileWithOneEntry();
}

describe("bad input: the data source's life cycle", () => {
  it("refuses any use after destroy() with LIBSQL_POOL_CLOSED, saying it was destroyed", async () => {
    const file = await databaseWithOneEntry();
    const dataSource = await new LibSqlDataSource({ url: file, entities: [Entry] }).initialize();
    await dataSource.destroy();
    const attempts: [string, () => Promise<unknown>][] = [
      ["query", () => dataSource.query(`DELETE FROM "entry"`)],
      ["repository", () => dataSource.getRepository(Entry).insert({ owner: "lost", amount: 2 })],
      ["find", () => dataSource.getRepository(Entry).find()],
      ["transaction", () => dataSource.transaction((m) => m.getRepository(Entry).clear())],
      ["query runner", () => dataSource.createQueryRunner().connect()],
      ["stream", () => dataSource.createQueryRunner().stream(`SELECT * FROM "entry"`)],
    ];
    for (const [what, attempt] of attempts) {
      const failure = await failureOf(attempt());
      expect(failure.code, what).to.equal("LIBSQL_POOL_CLOSED");
      expect(failure.message, what).to.include(
        "the data source has been destroyed (destroy() was called); call initialize() to use it again",
      );
    }
    expect(await storedOwners(file)).to.deep.equal(["kept"]);
    // initialize() opens it again.
    await dataSource.initialize();
    expect(await dataSource.getRepository(Entry).count()).to.equal(1);
    await dataSource.destroy();
  });

  it("still says LIBSQL_NOT_CONNECTED before the first initialize()", async () => {
    const dataSource = new LibSqlDataSource({ url: tempDatabase(), entities: [Entry] });
    const failure = await failureOf(dataSource.query("SELECT 1"));
    expect(failure.code).to.equal("LIBSQL_NOT_CONNECTED");
    expect(failure.message).to.include("the data source is not initialised (call initialize() first)");
  });

  it("refuses a second destroy() with TypeORM's CannotExecuteNotConnectedError, saying it was already destroyed", async () => {
    const file = await databaseWithOneEntry();
    const dataSource = await new LibSqlDataSource({ url: file, entities: [Entry] }).initialize();
    await dataSource.destroy();
    const failure = await failureOf(dataSource.destroy());
    expect(failure).to.be.instanceOf(CannotExecuteNotConnectedError);
    expect(failure.message).to.equal(
      "the data source has already been destroyed (destroy() was called twice); call initialize() to use it again",
    );
    expect(await storedOwners(file)).to.deep.equal(["kept"]);
    // Before any initialize(), TypeORM's own message stands.
    const fresh = new LibSqlDataSource({ url: file, entities: [Entry] });
    expect(await failureOf(fresh.destroy())).to.be.instanceOf(CannotExecuteNotConnectedError);
  });

  it("refuses a second initialize() with TypeORM's CannotConnectAlreadyConnectedError, also while the first runs", async () => {
    const file = await databaseWithOneEntry();
    const dataSource = await new LibSqlDataSource({ url: file, entities: [Entry] }).initialize();
    const pool = dataSource.driver.pool;
    const after = await failureOf(dataSource.initialize());
    expect(after).to.be.instanceOf(CannotConnectAlreadyConnectedError);
    expect(after.message).to.match(/already (connected|established)/);
    expect(dataSource.driver.pool).to.equal(pool);
    await dataSource.destroy();

    // Two calls at once: the second is refused; the first opens one pool, which destroy() closes.
    const concurrent = new LibSqlDataSource({ url: file, entities: [Entry] });
    const [first, second] = await Promise.allSettled([concurrent.initialize(), concurrent.initialize()]);
    expect(first.status).to.equal("fulfilled");
    expect(second.status).to.equal("rejected");
    expect((second as PromiseRejectedResult).reason).to.be.instanceOf(CannotConnectAlreadyConnectedError);
    expect(await concurrent.getRepository(Entry).count()).to.equal(1);
    const opened = concurrent.driver.pool!.connections();
    await concurrent.destroy();
    expect(opened.every((connection) => connection.isClosed)).to.equal(true);
    expect(await storedOwners(file)).to.deep.equal(["kept"]);
  });
});

describe("bad input: the database path and encryption key", () => {
  /** Opening fails through both entry points, with the same code and message, and changes nothing. */
  async function refusedBoth(
    dir: string,
    open: OpenOptions,
    data: LibSqlDataSourceOptions,
  ): Promise<{ code?: string; message: string }> {
    const before = snapshot(dir);
    const native = await failureOf(LibSqlConnection.open(open));
    const dataSource = new LibSqlDataSource({ entities: [Entry], ...data });
    const viaDataSource = await failureOf(dataSource.initialize());
    expect(dataSource.isInitialized).to.equal(false);
    expect(viaDataSource.code).to.equal(native.code);
    expect(viaDataSource.message).to.equal(native.message);
    expect(snapshot(dir)).to.deep.equal(before);
    for (const secret of [KEY, WRONG_KEY]) {
      expect(native.message).to.not.include(secret);
      expect(native.stack ?? "").to.not.include(secret);
    }
    return native;
  }

  it("names a directory given as the path, and the fix", async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, "notes.txt"), "unrelated");
    const failure = await refusedBoth(dir, { url: dir }, { url: dir });
    expect(failure.code).to.equal("SQLITE_CANTOPEN");
    expect(failure.message).to.equal(
      `cannot open the database file ${JSON.stringify(dir)}: it is a directory, not a database file; ` +
        `name a file in it (for example ${JSON.stringify(path.join(dir, "app.db"))})`,
    );
  });

  it("names a path that leads through a file", async () => {
    const dir = tempDir();
    const file = path.join(dir, "data");
    fs.writeFileSync(file, "a file, not a directory");
    const failure = await refusedBoth(dir, { url: path.join(file, "app.db") }, { url: path.join(file, "app.db") });
    expect(failure.code).to.equal("SQLITE_CANTOPEN");
    expect(failure.message).to.match(/is a file, not a directory; the database path must lead through directories$/);
  });

  it("names a missing directory (LibSqlConnection.open does not create it; the data source does)", async () => {
    const dir = tempDir();
    const file = path.join(dir, "missing", "app.db");
    const failure = await failureOf(LibSqlConnection.open({ url: file }));
    expect(failure.code).to.equal("SQLITE_CANTOPEN");
    expect(failure.message).to.equal(
      `cannot open the database file ${JSON.stringify(file)}: the directory ` +
        `${JSON.stringify(path.dirname(file))} does not exist; create it first`,
    );
    expect(fs.readdirSync(dir)).to.deep.equal([]);
  });

  it("names a file it may not read, and the fix", async function () {
    if (process.platform === "win32") {
      console.log("      [skipped] file permissions are not POSIX on Windows");
      this.skip();
    }
    const dir = tempDir();
    const file = path.join(dir, "locked.db");
    const original = await fileWithOneEntry();
    fs.copyFileSync(original, file);
    fs.chmodSync(file, 0o000);
    fs.chmodSync(dir, 0o755);
    const before = snapshot(dir);
    let failure: { code?: string; message: string };
    if (process.getuid?.() === 0) {
      // Root reads any file, so the attempt runs as "nobody" in a child process.
      const script = `
        const { LibSqlConnection } = require("./src/native");
        LibSqlConnection.open({ url: process.argv[1] }).then(
          () => process.stdout.write(JSON.stringify({ code: "opened", message: "" })),
          (e) => process.stdout.write(JSON.stringify({ code: e.code, message: e.message })),
        );`;
      const output = execFileSync(process.execPath, ["-r", "ts-node/register/transpile-only", "-e", script, file], {
        cwd: path.resolve(__dirname, "../.."),
        encoding: "utf8",
        uid: 65534,
        gid: 65534,
        env: { ...process.env, HOME: dir, TS_NODE_CACHE: "false" },
        timeout: 60_000,
      });
      failure = JSON.parse(output) as { code: string; message: string };
    } else {
      failure = await failureOf(LibSqlConnection.open({ url: file }));
    }
    expect(failure.code).to.equal("SQLITE_CANTOPEN");
    expect(failure.message).to.equal(
      `cannot open the database file ${JSON.stringify(file)}: permission denied reading the file; check its ` +
        `permissions and owner (the process needs to read and write the file and to create its journal files beside it)`,
    );
    expect(snapshot(dir)).to.deep.equal(before);
  });

  it("says a wrong key is the likely cause, never showing it", async () => {
    const file = await fileWithOneEntry(KEY);
    const failure = await refusedBoth(
      path.dirname(file),
      { url: file, encryptionKey: WRONG_KEY },
      { url: file, encryptionKey: WRONG_KEY },
    );
    expect(failure.code).to.equal("SQLITE_NOTADB");
    expect(failure.message).to.equal(
      "the database could not be read: file is not a database; an encryption key was given and it does not " +
        "open this file: the key is probably wrong (or the file is not a database); check encryptionKey",
    );
    const opened = await LibSqlConnection.open({ url: file, encryptionKey: KEY });
    expect((await opened.query(`SELECT "owner" FROM "entry"`)).rows).to.deep.equal([{ owner: "kept" }]);
    await opened.close();
  });

  it("says a missing key is the likely cause of an encrypted file that will not open", async () => {
    const file = await fileWithOneEntry(KEY);
    const failure = await refusedBoth(path.dirname(file), { url: file }, { url: file });
    expect(failure.code).to.equal("SQLITE_NOTADB");
    expect(failure.message).to.equal(
      "the database could not be read: file is not a database; the file is not a plain SQLite database: if it " +
        "is encrypted, give its key as encryptionKey; otherwise it is not a database file",
    );
  });

  it("says so when a key is given for a plain file", async () => {
    const file = await fileWithOneEntry();
    const failure = await refusedBoth(
      path.dirname(file),
      { url: file, encryptionKey: KEY },
      { url: file, encryptionKey: KEY },
    );
    expect(failure.code).to.equal("SQLITE_NOTADB");
    expect(failure.message).to.equal(
      "the database could not be read: file is not a database; the file is a plain (unencrypted) SQLite " +
        "database, but an encryption key was given: open it without encryptionKey",
    );
    expect(await storedOwners(file)).to.deep.equal(["kept"]);
  });
});

describe("bad input: option names", () => {
  async function refused(options: Record<string, unknown>): Promise<Error & { code?: string; option?: string }> {
    const file = await databaseWithOneEntry();
    const before = snapshot(path.dirname(file));
    const dataSource = new LibSqlDataSource({ url: file, entities: [Entry], ...options } as LibSqlDataSourceOptions);
    const failure = await failureOf(dataSource.initialize());
    expect(dataSource.isInitialized).to.equal(false);
    expect(snapshot(path.dirname(file))).to.deep.equal(before);
    return failure as Error & { option?: string };
  }

  for (const [given, option, advice] of [
    [{ busytimeout: 100 }, "busytimeout", 'unknown option; did you mean "busyTimeoutMs"?'],
    [{ busyTimeoutMS: 100 }, "busyTimeoutMS", 'unknown option; did you mean "busyTimeoutMs"?'],
    [{ syncronize: true }, "syncronize", 'unknown option; did you mean "synchronize"?'],
    [{ jornalMode: "WAL" }, "jornalMode", 'unknown option; did you mean "journalMode"?'],
    [{ encryption_key: KEY }, "encryption_key", 'unknown option; did you mean "encryptionKey"?'],
    [{ busyTimeout: 100 }, "busyTimeout", 'unknown option; did you mean "busyTimeoutMs"?'],
    [{ acquireTimeout: 100 }, "acquireTimeout", 'unknown option; did you mean "acquireTimeoutMs"?'],
    [{ queryTimeout: 100 }, "queryTimeout", 'unknown option; did you mean "queryTimeoutMs"?'],
    [{ syncInterval: 5 }, "syncInterval", 'unknown option; did you mean "syncIntervalMs"?'],
    [{ syncIntervalSeconds: 5 }, "syncIntervalSeconds", 'unknown option; did you mean "syncIntervalMs"?'],
    [{ entites: [] }, "entites", 'unknown option; did you mean "entities"?'],
    [{ enableWAL: true }, "enableWAL", 'is a better-sqlite3 option; WAL is on by default here (see "journalMode")'],
    [{ key: KEY }, "key", 'is a better-sqlite3 option; give the key as "encryptionKey"'],
    [{ timeout: 100 }, "timeout", 'is a better-sqlite3 option; give the busy timeout as "busyTimeoutMs"'],
  ] as const) {
    it(`refuses ${option}: ${advice}`, async () => {
      const failure = await refused(given);
      expect(failure.code).to.equal("LIBSQL_INVALID_ARGUMENT");
      expect(failure.option).to.equal(option);
      expect(failure.message).to.equal(`typeorm-libsql: invalid option "${option}": ${advice}`);
      expect(failure.message).to.not.include(KEY);
    });
  }

  it("refuses any type, libsql included, saying to leave it out", async () => {
    for (const type of ["libsql", "better-sqlite3", "sqlite"]) {
      const failure = await refused({ type });
      expect(failure.code).to.equal("LIBSQL_INVALID_ARGUMENT");
      expect(failure.option).to.equal("type");
      expect(failure.message).to.equal(
        `typeorm-libsql: invalid option "type": leave it out: a LibSqlDataSource is always libSQL (it tells ` +
          `TypeORM "better-sqlite3" itself, so that TypeORM takes its SQLite code paths); got "${type}"`,
      );
    }
  });

  it("accepts TypeORM's common options, unknown names that are no near miss, and type: undefined", async () => {
    const dataSource = await new LibSqlDataSource({
      type: undefined,
      url: tempDatabase(),
      entities: [Entry],
      subscribers: [],
      migrations: [],
      migrationsTableName: "migrations",
      migrationsTransactionMode: "all",
      metadataTableName: "typeorm_metadata",
      logging: false,
      maxQueryExecutionTime: 1000,
      synchronize: true,
      migrationsRun: false,
      dropSchema: false,
      entityPrefix: "",
      entitySkipConstructor: false,
      extra: {},
      relationLoadStrategy: "join",
      cache: false,
      isolationLevel: "SERIALIZABLE",
      frobnicate: 1,
      retryAttempts: 3,
    } as LibSqlDataSourceOptions).initialize();
    expect(await dataSource.getRepository(Entry).count()).to.equal(0);
    await dataSource.destroy();
  });

  it("refuses near misses in LibSqlConnection.open too, the older names included", async () => {
    const failure = await failureOf(LibSqlConnection.open({ url: ":memory:", busytimeout: 5 } as OpenOptions));
    expect(failure.code).to.equal("LIBSQL_INVALID_ARGUMENT");
    expect(failure.message).to.equal(
      'typeorm-libsql: invalid option "busytimeout": unknown option; did you mean "busyTimeoutMs"?',
    );
    const syncInterval = await failureOf(LibSqlConnection.open({ url: ":memory:", syncInterval: 5 } as OpenOptions));
    expect(syncInterval.message).to.equal(
      'typeorm-libsql: invalid option "syncInterval": unknown option; did you mean "syncIntervalMs"?',
    );
    const busyTimeout = await failureOf(LibSqlConnection.open({ url: ":memory:", busyTimeout: 5 } as OpenOptions));
    expect(busyTimeout.message).to.equal(
      'typeorm-libsql: invalid option "busyTimeout": unknown option; did you mean "busyTimeoutMs"?',
    );
  });
});
