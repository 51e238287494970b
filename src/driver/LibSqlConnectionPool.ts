/**
 * A small pool of native connections to one libSQL database. A lease is either *exclusive* (a
 * transaction, a session a query runner has changed, or a cursor on a file database) or *shared*
 * (one autocommit statement; several may share a connection, the native core runs them one at a
 * time). Exclusive waiters are served first come, first served; leases that wait longer than
 * `acquireTimeout` fail with `LIBSQL_POOL_TIMEOUT`.
 */
import { LibSqlConnection, LibSqlError } from "../native";

export type LeaseMode = "shared" | "exclusive";

/** The error of any use of a destroyed data source's pool. */
export function poolClosed(): LibSqlError {
  return new LibSqlError(
    "LIBSQL_POOL_CLOSED",
    "the data source has been destroyed (destroy() was called); call initialize() to use it again",
  );
}

interface Member {
  connection: LibSqlConnection;
  exclusive: boolean;
  shared: number;
}

interface Waiter {
  mode: LeaseMode;
  resolve: (connection: LibSqlConnection) => void;
  reject: (error: Error) => void;
  timer?: NodeJS.Timeout;
}

export interface PoolSettings {
  size: number;
  acquireTimeout: number;
  /** Opens and prepares one more connection (the pool calls it while below `size`). */
  create: () => Promise<LibSqlConnection>;
  /** Brings a connection back to its initial state before an exclusive lease is returned. */
  reset: (connection: LibSqlConnection, sessionChanged: boolean) => Promise<void>;
  /** Describes the database in timeout messages. */
  describe: string;
  /**
   * The lease a stream of its own takes: exclusive, except on `:memory:`, whose one connection
   * cannot be given up to a stream.
   */
  streamLease: LeaseMode;
  /**
   * Whether a connection held beyond one transaction keeps one server stream (a remote database,
   * whose requests outside a transaction otherwise each run on a new server connection).
   */
  pinsStreams: boolean;
}

export class LibSqlConnectionPool {
  private readonly members: Member[] = [];
  private readonly waiters: Waiter[] = [];
  private creating = 0;
  private closed = false;

  constructor(
    first: LibSqlConnection,
    private readonly settings: PoolSettings,
  ) {
    this.members.push({ connection: first, exclusive: false, shared: 0 });
  }

  /** The connection opened first (kept for TypeORM's `driver.databaseConnection`). */
  get primary(): LibSqlConnection {
    return this.members[0].connection;
  }

  /** The lease a stream that reads outside any runner's held connection takes. */
  get streamLease(): LeaseMode {
    return this.settings.streamLease;
  }

  /** Whether a held connection's statements are pinned to one server stream (remote databases). */
  get pinsStreams(): boolean {
    return this.settings.pinsStreams;
  }

  /** Every pooled connection, leased or not. */
  connections(): LibSqlConnection[] {
    return this.members.map((m) => m.connection);
  }

  get size(): number {
    return this.members.length;
  }

  /** Leases a connection; release it with `release()`. */
  acquire(mode: LeaseMode): Promise<LibSqlConnection> {
    if (this.closed) return Promise.reject(poolClosed());
    const granted = this.tryGrant(mode, this.waiters.length === 0 || mode === "shared");
    if (granted) return Promise.resolve(granted);
    return new Promise<LibSqlConnection>((resolve, reject) => {
      const waiter: Waiter = { mode, resolve, reject };
      if (this.settings.acquireTimeout > 0) {
        waiter.timer = setTimeout(() => {
          const index = this.waiters.indexOf(waiter);
          if (index >= 0) this.waiters.splice(index, 1);
          reject(
            new LibSqlError(
              "LIBSQL_POOL_TIMEOUT",
              `no connection to ${this.settings.describe} became free within ${this.settings.acquireTimeout} ms ` +
                `(pool size ${this.settings.size}); inside a transaction, run queries through the transaction's ` +
                `EntityManager rather than the data source`,
            ),
          );
        }, this.settings.acquireTimeout);
      }
      this.waiters.push(waiter);
      this.grow();
    });
  }

  /** A lease granted at once, without waiting: the connection, or `undefined` if `acquire` would wait. */
  tryAcquire(mode: LeaseMode): LibSqlConnection | undefined {
    if (this.closed) return undefined;
    return this.tryGrant(mode, this.waiters.length === 0 || mode === "shared");
  }

  /** Returns a shared lease (which never needs a reset, so this never waits). */
  releaseShared(connection: LibSqlConnection): void {
    const member = this.members.find((m) => m.connection === connection);
    if (!member) return;
    member.shared = Math.max(0, member.shared - 1);
    this.dispatch();
  }

  /** Returns a lease. `sessionChanged` asks for the connection's settings to be restored. */
  async release(
    connection: LibSqlConnection,
    mode: LeaseMode,
    sessionChanged = false,
    /** The holder knows the connection is outside any transaction (it has just ended its own). */
    clean = false,
  ): Promise<void> {
    const member = this.members.find((m) => m.connection === connection);
    if (!member) return;
    if (mode === "exclusive" && clean && !sessionChanged) {
      member.exclusive = false;
      this.dispatch();
      return;
    }
    if (mode === "exclusive") {
      if (!this.closed && !connection.isClosed) {
        try {
          await this.settings.reset(connection, sessionChanged);
        } catch {
          // A connection that cannot be reset is replaced rather than handed on.
          this.members.splice(this.members.indexOf(member), 1);
          await connection.close().catch(() => undefined);
          this.dispatch();
          return;
        }
      }
      member.exclusive = false;
    } else {
      member.shared = Math.max(0, member.shared - 1);
    }
    this.dispatch();
  }

  /** Turns a shared lease into an exclusive one on the same connection (e.g. after `BEGIN`). */
  claim(connection: LibSqlConnection): void {
    const member = this.members.find((m) => m.connection === connection);
    if (!member) return;
    member.shared = Math.max(0, member.shared - 1);
    member.exclusive = true;
  }

  /** Closes every connection (open transactions roll back) and fails pending leases. */
  async close(): Promise<void> {
    this.closed = true;
    for (const waiter of this.waiters.splice(0)) {
      if (waiter.timer) clearTimeout(waiter.timer);
      waiter.reject(poolClosed());
    }
    const members = this.members.splice(0);
    await Promise.all(members.map((m) => m.connection.close().catch(() => undefined)));
  }

  private tryGrant(mode: LeaseMode, allowIdle: boolean): LibSqlConnection | undefined {
    if (!allowIdle) return undefined;
    const free = this.members.find((m) => !m.exclusive && m.shared === 0);
    if (mode === "exclusive") {
      if (!free) return undefined;
      free.exclusive = true;
      return free.connection;
    }
    if (free) {
      free.shared += 1;
      return free.connection;
    }
    // Share a connection only once the pool cannot grow.
    if (this.members.length + this.creating < this.settings.size) return undefined;
    const shareable = this.members.filter((m) => !m.exclusive).sort((a, b) => a.shared - b.shared)[0];
    if (!shareable) return undefined;
    shareable.shared += 1;
    return shareable.connection;
  }

  private dispatch(): void {
    let index = 0;
    let exclusiveBlocked = false;
    while (index < this.waiters.length) {
      const waiter = this.waiters[index];
      // Exclusive waiters keep their order; shared ones may pass a blocked exclusive waiter.
      const granted = waiter.mode === "exclusive" && exclusiveBlocked ? undefined : this.tryGrant(waiter.mode, true);
      if (granted) {
        this.waiters.splice(index, 1);
        if (waiter.timer) clearTimeout(waiter.timer);
        waiter.resolve(granted);
      } else {
        if (waiter.mode === "exclusive") exclusiveBlocked = true;
        index += 1;
      }
    }
    this.grow();
  }

  private grow(): void {
    const wanted = Math.min(this.waiters.length, this.settings.size - this.members.length - this.creating);
    for (let i = 0; i < wanted; i += 1) {
      this.creating += 1;
      this.settings.create().then(
        async (connection) => {
          this.creating -= 1;
          if (this.closed) {
            await connection.close().catch(() => undefined);
            return;
          }
          this.members.push({ connection, exclusive: false, shared: 0 });
          this.dispatch();
        },
        (error: unknown) => {
          this.creating -= 1;
          // Nothing else will free a connection: fail the oldest waiter with the cause.
          if (this.members.length === 0 || this.waiters.length > 0) {
            const waiter = this.waiters.shift();
            if (waiter) {
              if (waiter.timer) clearTimeout(waiter.timer);
              waiter.reject(error instanceof Error ? error : new Error(String(error)));
            }
          }
        },
      );
    }
  }
}
