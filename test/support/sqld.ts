/**
 * Test support: real libSQL servers (sqld) for the remote and embedded-replica tests.
 *
 * The binary comes from `SQLD_BIN`, or `sqld` on PATH. Without one, `sqldUnavailable()` says why
 * and the suites skip with that reason printed, except in CI (`CI` set), where a missing sqld
 * fails them (see `skip.ts`); a `SQLD_BIN` that is not an executable file always fails them. Each
 * server listens on free loopback ports, keeps its data in a fresh temporary directory and is
 * ready once `/health` answers. One plain server and one with JWT auth are shared by the whole
 * mocha run (started lazily, stopped by the root hook in `hooks.ts`); tests of their own can start
 * more and kill or restart them.
 */
import { spawn, type ChildProcess } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as http from "http";
import * as net from "net";
import * as path from "path";
import { setTimeout as sleep } from "timers/promises";
import { LibSqlConnection } from "../../src/native";
import { skipBecause } from "./skip";
import { tempDir } from "./tmp";

const STARTUP_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;

/** Where the sqld binary is, or why there is none. */
export type SqldLookup = { bin: string } | { reason: string };

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

let lookup: SqldLookup | undefined;

/**
 * Finds sqld: `SQLD_BIN` if set (a path that is not an executable file is a configuration error
 * and throws, so a broken CI setting never turns into skipped tests), else `sqld` on PATH.
 */
export function findSqld(): SqldLookup {
  if (lookup) return lookup;
  const configured = process.env.SQLD_BIN;
  if (configured) {
    const bin = path.resolve(configured);
    if (!isExecutable(bin)) throw new Error(`SQLD_BIN is set to ${configured}, which is not an executable file`);
    lookup = { bin };
    return lookup;
  }
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    if (dir && isExecutable(path.join(dir, "sqld"))) {
      lookup = { bin: path.join(dir, "sqld") };
      return lookup;
    }
  }
  lookup = {
    reason: "no libSQL server: set SQLD_BIN to an sqld binary (CI uses ../shared/bin/sqld) or put sqld on PATH",
  };
  return lookup;
}

/** Why sqld tests cannot run here, or undefined when they can. */
export function sqldUnavailable(): string | undefined {
  const found = findSqld();
  return "reason" in found ? found.reason : undefined;
}

/**
 * Skips the current suite (call from a `before` hook) when there is no sqld, printing why (in CI
 * it fails instead). Returns nothing when the suite can run.
 */
export function skipWithoutSqld(context: Mocha.Context, what: string): void {
  const reason = sqldUnavailable();
  if (reason === undefined) return;
  skipBecause(context, "no-sqld", `${what}: ${reason}`);
}

/** A free TCP port on 127.0.0.1 (bound to port 0 and released, so the server can take it). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === "object") resolve(address.port);
        else reject(new Error("could not read the bound port"));
      });
    });
  });
}

function healthy(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const request = http.get({ host: "127.0.0.1", port, path: "/health", timeout: 1_000 }, (response) => {
      response.resume();
      resolve(response.statusCode === 200);
    });
    request.once("timeout", () => request.destroy());
    request.once("error", () => resolve(false));
  });
}

/** Ed25519 keys for sqld's JWT auth, and tokens signed with them. */
export class JwtKeys {
  readonly publicKeyPem: string;
  private readonly privateKey: crypto.KeyObject;

  constructor() {
    const { publicKey, privateKey } = crypto.generateKeyPairSync("ed25519");
    this.publicKeyPem = publicKey.export({ type: "spki", format: "pem" }).toString();
    this.privateKey = privateKey;
  }

  /**
   * A token with access `"rw"` or `"ro"`, valid for `ttlSeconds` (negative: already expired; the
   * server allows a minute of clock skew, so expire it well before that).
   * `otherKey` signs it with a key the server does not know.
   */
  token(access: "rw" | "ro" = "rw", ttlSeconds = 3_600, otherKey = false): string {
    const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
    const now = Math.floor(Date.now() / 1000);
    const unsigned = `${encode({ alg: "EdDSA", typ: "JWT" })}.${encode({ a: access, iat: now, exp: now + ttlSeconds })}`;
    const key = otherKey ? crypto.generateKeyPairSync("ed25519").privateKey : this.privateKey;
    return `${unsigned}.${crypto.sign(null, Buffer.from(unsigned), key).toString("base64url")}`;
  }
}

export interface SqldOptions {
  /** Require JWTs signed by these keys. */
  jwt?: JwtKeys;
  /** More command-line flags. */
  args?: string[];
  /** A database per namespace (`--enable-namespaces`), with the admin API on a free port (`adminUrl`). */
  namespaces?: boolean;
}

const running = new Set<SqldServer>();

/** One sqld process on loopback, with its own data directory. */
export class SqldServer {
  /** `http://127.0.0.1:<port>`: the URL clients and embedded replicas use. */
  readonly url: string;
  /** With `namespaces`: the admin API's URL. */
  readonly adminUrl: string | undefined;
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();

  private constructor(
    readonly bin: string,
    readonly dataDir: string,
    readonly httpPort: number,
    readonly grpcPort: number,
    private readonly args: string[],
    readonly adminPort?: number,
  ) {
    this.url = `http://127.0.0.1:${httpPort}`;
    this.adminUrl = adminPort === undefined ? undefined : `http://127.0.0.1:${adminPort}`;
  }

  /** With `namespaces`: the URL of namespace `name` (`http://<name>.localhost:<port>`). */
  namespaceUrl(name: string): string {
    return `http://${name}.localhost:${this.httpPort}`;
  }

  /** Starts a server on free ports and waits until it is healthy. */
  static async start(options: SqldOptions = {}): Promise<SqldServer> {
    const found = findSqld();
    if ("reason" in found) throw new Error(found.reason);
    const dataDir = tempDir("typeorm-libsql-sqld-");
    const args: string[] = ["--no-welcome", ...(options.args ?? [])];
    if (options.jwt) {
      const keyFile = path.join(dataDir, "jwt.pem");
      fs.writeFileSync(keyFile, options.jwt.publicKeyPem);
      args.push("--auth-jwt-key-file", keyFile);
    }
    // Another process may take a port between our probe and sqld's bind: try fresh ports again.
    let failure: unknown;
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const adminPort = options.namespaces ? await freePort() : undefined;
      const server = new SqldServer(found.bin, dataDir, await freePort(), await freePort(), args, adminPort);
      try {
        await server.launch();
        return server;
      } catch (error) {
        failure = error;
        await server.kill();
      }
    }
    throw failure;
  }

  /** Whether the process is running. */
  get alive(): boolean {
    return this.child !== undefined;
  }

  /** Kills the process at once, without waiting (for process exit). */
  killNow(): void {
    this.child?.kill("SIGKILL");
  }

  private async launch(): Promise<void> {
    const log = fs.openSync(path.join(this.dataDir, "sqld.log"), "a");
    const child = spawn(
      this.bin,
      [
        "--db-path",
        path.join(this.dataDir, "data.sqld"),
        "--http-listen-addr",
        `127.0.0.1:${this.httpPort}`,
        "--grpc-listen-addr",
        `127.0.0.1:${this.grpcPort}`,
        ...(this.adminPort === undefined
          ? []
          : ["--enable-namespaces", "--admin-listen-addr", `127.0.0.1:${this.adminPort}`]),
        ...this.args,
      ],
      { stdio: ["ignore", log, log] },
    );
    fs.closeSync(log);
    this.child = child;
    running.add(this);
    let exitCode: number | string | null | undefined;
    this.exited = new Promise((resolve) => {
      child.once("exit", (code, signal) => {
        exitCode = code ?? signal;
        if (this.child === child) this.child = undefined;
        running.delete(this);
        resolve();
      });
    });
    const deadline = Date.now() + STARTUP_TIMEOUT_MS;
    while (!(await healthy(this.httpPort))) {
      if (exitCode !== undefined) throw new Error(`sqld exited (${exitCode}) while starting:\n${this.logTail()}`);
      if (Date.now() > deadline) throw new Error(`sqld did not become healthy in time:\n${this.logTail()}`);
      await sleep(50);
    }
  }

  /** The end of the server's log, for failure messages. */
  logTail(lines = 20): string {
    try {
      return fs.readFileSync(path.join(this.dataDir, "sqld.log"), "utf8").split("\n").slice(-lines).join("\n");
    } catch {
      return "(no log)";
    }
  }

  private async signal(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    if (!child) return;
    child.kill(signal);
    const timer = sleep(STOP_TIMEOUT_MS).then(() => "timeout" as const);
    if ((await Promise.race([this.exited.then(() => "exited" as const), timer])) === "timeout") {
      child.kill("SIGKILL");
      await this.exited;
    }
  }

  /** Stops the server cleanly (SIGTERM; SIGKILL if it does not exit in time). */
  stop(): Promise<void> {
    return this.signal("SIGTERM");
  }

  /** Kills the server as a crash would (SIGKILL). */
  kill(): Promise<void> {
    return this.signal("SIGKILL");
  }

  /** Starts the server again on the same ports and data directory (after `stop` or `kill`). */
  async restart(): Promise<void> {
    await this.stop();
    await this.launch();
  }
}

/**
 * Empties a server's database: drops every view, trigger and table (indexes, vector
 * indexes and AUTOINCREMENT counters go with their tables), in one script so that the foreign
 * keys it turns off stay off for all of it.
 */
export async function emptyDatabase(url: string, authToken?: string): Promise<void> {
  const connection = await LibSqlConnection.open({ url, authToken });
  try {
    const objects = await connection.query<{ type: string; name: string }>(
      `SELECT type, name FROM sqlite_schema
       WHERE type IN ('table', 'view', 'trigger') AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'
         AND name NOT LIKE 'libsql\\_%' ESCAPE '\\' AND name NOT LIKE '%\\_shadow' ESCAPE '\\'`,
    );
    if (objects.rows.length === 0) return;
    const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;
    const order = ["trigger", "view", "table"];
    const drops = [...objects.rows]
      .sort((a, b) => order.indexOf(a.type) - order.indexOf(b.type))
      .map((o) => `DROP ${o.type.toUpperCase()} IF EXISTS ${quote(o.name)};`);
    await connection.executeScript(["PRAGMA foreign_keys = OFF;", ...drops].join("\n"));
  } finally {
    await connection.close();
  }
}

let shared: Promise<SqldServer> | undefined;
let sharedAuth: Promise<{ server: SqldServer; keys: JwtKeys }> | undefined;

/** The plain server shared by this mocha run (started on first use). */
export function sharedSqld(): Promise<SqldServer> {
  shared ??= SqldServer.start();
  return shared;
}

/** The JWT-protected server shared by this mocha run, with the keys its tokens are signed with. */
export function sharedAuthSqld(): Promise<{ server: SqldServer; keys: JwtKeys }> {
  sharedAuth ??= (async () => {
    const keys = new JwtKeys();
    return { server: await SqldServer.start({ jwt: keys }), keys };
  })();
  return sharedAuth;
}

/** Stops every server still running (the root `afterAll` hook). */
export async function stopAllSqld(): Promise<void> {
  await Promise.all([...running].map((server) => server.stop()));
  shared = undefined;
  sharedAuth = undefined;
}

// If the run ends without the root hook (mocha's --exit, a crash), no server outlives it.
process.once("exit", () => {
  for (const server of running) server.killNow();
});
