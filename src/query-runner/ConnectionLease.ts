/**
 * The connection lease of one query runner: which pooled connection the runner holds, and for
 * what. A runner holds one connection exclusively while anything needs it — `connect()` until
 * `release()`, a transaction, a statement that changed the session (a pragma, a raw BEGIN, an
 * attached database, a temporary table), or a stream reading from it — and gives it back once
 * nothing does; the pool restores a changed session on the way back. Without a held connection, a
 * single statement borrows a shared lease just while it runs, and a stream leases a connection of
 * its own until it ends.
 *
 * On a remote database, a connection held beyond one transaction (`connect()`, a changed session,
 * a migration) is pinned: all its statements run on one server stream until it goes back, so the
 * session lives on one server connection as it would in a file (see native/src/pinning.rs).
 */
import type { LibSqlConnection, LibSqlCursor, MaybePromise, SqlValue } from "../native";
import type { LibSqlConnectionPool } from "../driver/LibSqlConnectionPool";

/** The state of its runner the lease depends on (TypeORM's flags, owned by the runner). */
export interface LeaseHolder {
  readonly isReleased: boolean;
  readonly isTransactionActive: boolean;
}

/** A cursor opened for a stream, and how to close it and end its hold on the connection. */
export interface StreamCursor {
  readonly cursor: LibSqlCursor;
  close(): Promise<void>;
}

/** Whether a connection is outside any transaction (a closed or unreadable one counts as outside). */
function inAutocommit(connection: LibSqlConnection): boolean {
  try {
    return connection.isClosed || connection.info().autocommit;
  } catch {
    return true;
  }
}

export class ConnectionLease {
  /** The connection held exclusively, once its lease has been granted. */
  private held: LibSqlConnection | undefined;
  /** The pool the held connection came from, and goes back to. */
  private heldFrom: LibSqlConnectionPool | undefined;
  /** The exclusive lease being waited for, so that concurrent callers share one. */
  private pending: Promise<LibSqlConnection> | undefined;
  private keptByConnect = false;
  private sessionChanged = false;
  /** Whether the held connection's statements are pinned to one server stream (remote only). */
  private pinned = false;
  private openStreams = 0;

  constructor(
    /** The pool to lease from; throws while there is none (not initialised, or destroyed). */
    private readonly pool: () => LibSqlConnectionPool,
    private readonly holder: LeaseHolder,
  ) {}

  /** The connection held exclusively, if any (none while its lease is still awaited). */
  get heldConnection(): LibSqlConnection | undefined {
    return this.held;
  }

  /**
   * The runner's exclusive connection: leased from the pool on the first call, then the same
   * connection until it is given back. The pool's "not initialised" error is thrown synchronously.
   */
  acquireExclusive(): Promise<LibSqlConnection> {
    if (this.held) return Promise.resolve(this.held);
    if (!this.pending) {
      const pool = this.pool();
      this.pending = pool.acquire("exclusive").then(
        (connection) => {
          this.hold(connection, pool);
          this.pending = undefined;
          return connection;
        },
        (error: unknown) => {
          this.pending = undefined;
          throw error;
        },
      );
    }
    return this.pending;
  }

  /** `acquireExclusive`, giving the connection itself when it is held or granted at once. */
  acquireExclusiveNow(): MaybePromise<LibSqlConnection> {
    if (this.held) return this.held;
    if (!this.pending) {
      const pool = this.pool();
      const granted = pool.tryAcquire("exclusive");
      if (granted) {
        this.hold(granted, pool);
        return granted;
      }
    }
    return this.acquireExclusive();
  }

  /** `connect()`: the exclusive connection, kept until the runner is released. */
  async keepUntilReleased(): Promise<LibSqlConnection> {
    this.keptByConnect = true;
    return this.pin(await this.acquireExclusive());
  }

  /** The exclusive connection, kept because its session is about to change (restored on return). */
  async acquireForSessionChange(): Promise<LibSqlConnection> {
    const connection = await this.acquireExclusive();
    this.sessionChanged = true;
    return this.pin(connection);
  }

  /**
   * Runs one statement's `work`. On the held connection if there is one (or the runner is in a
   * transaction, or the statement changes the session); otherwise on a shared lease for just this
   * statement, which the runner keeps if the statement left a transaction open (a raw BEGIN).
   */
  async run<T>(changesSession: boolean, work: (connection: LibSqlConnection) => Promise<T>): Promise<T> {
    if (this.held || this.pending || this.holder.isTransactionActive || changesSession) {
      const connection = await this.acquireExclusive();
      if (changesSession) {
        this.sessionChanged = true;
        this.pin(connection);
      }
      return work(connection);
    }
    const pool = this.pool();
    const connection = await pool.acquire("shared");
    try {
      return await work(connection);
    } finally {
      if (!inAutocommit(connection) && !this.held && !this.holder.isReleased) {
        pool.claim(connection);
        this.hold(connection, pool);
        this.sessionChanged = true;
      } else {
        await pool.release(connection, "shared");
      }
    }
  }

  /**
   * `run` for work that may finish at once (an inline statement): on a shared lease granted at
   * once, the lease goes back as soon as the work is done, and the result comes back without a
   * Promise. Anything that would wait goes through `run`.
   */
  runNow<T>(changesSession: boolean, work: (connection: LibSqlConnection) => MaybePromise<T>): MaybePromise<T> {
    if (this.held && !changesSession) return work(this.held);
    if (this.held || this.pending || this.holder.isTransactionActive || changesSession) {
      return this.run(changesSession, async (connection) => work(connection));
    }
    const pool = this.pool();
    const connection = pool.tryAcquire("shared");
    if (!connection) return this.run(changesSession, async (c) => work(c));
    let out: MaybePromise<T>;
    try {
      out = work(connection);
    } catch (error) {
      pool.releaseShared(connection);
      throw error;
    }
    // A statement that opens a transaction (BEGIN, SAVEPOINT) changes the session, so it never
    // gets here: a shared lease always goes straight back.
    if (out instanceof Promise) return out.finally(() => pool.releaseShared(connection));
    pool.releaseShared(connection);
    return out;
  }

  /**
   * Opens a cursor for a stream. It reads from the held connection if the runner has one (or is in
   * a transaction); otherwise from a connection leased for the stream alone (exclusive on a file,
   * shared on `:memory:`, whose one connection cannot be given up). The pool's "not initialised"
   * error is thrown synchronously; any other failure gives the stream's own lease back and rejects.
   */
  openCursor(sql: string, values: SqlValue[]): Promise<StreamCursor> {
    return this.openCursorOn(this.pool(), sql, values);
  }

  /**
   * Gives the held connection back unless something still needs it. `clean`: the runner has just
   * ended its transaction, so the connection is known to be outside any (no check needed).
   */
  async returnIfUnneeded(clean = false): Promise<void> {
    if (this.keptByConnect || this.sessionChanged || this.holder.isTransactionActive || this.openStreams > 0) return;
    await this.returnToPool(clean);
  }

  /**
   * The runner is being released (its transaction already rolled back): `connect()` no longer
   * keeps the connection, and it goes back to the pool once a lease in flight has settled — or,
   * if a stream still reads, when the last stream closes.
   */
  async end(): Promise<void> {
    this.keptByConnect = false;
    if (!this.held && !this.pending) return;
    const pending = this.pending;
    if (pending) await pending.catch(() => undefined);
    if (this.openStreams === 0) await this.returnToPool();
  }

  private async openCursorOn(pool: LibSqlConnectionPool, sql: string, values: SqlValue[]): Promise<StreamCursor> {
    const own = !this.held && !this.pending && !this.holder.isTransactionActive;
    const mode = pool.streamLease;
    const connection = own ? await pool.acquire(mode) : await this.acquireExclusive();
    let cursor: LibSqlCursor;
    try {
      cursor = await connection.openCursor(sql, values);
    } catch (error) {
      if (own) await pool.release(connection, mode);
      throw error;
    }
    this.openStreams += 1;
    return {
      cursor,
      close: async () => {
        await cursor.close().catch(() => undefined);
        this.openStreams -= 1;
        if (own) await pool.release(connection, mode);
        // A runner released while streams were open gives its connection back after the last one.
        if (this.holder.isReleased && this.openStreams === 0) await this.returnToPool();
      },
    };
  }

  private hold(connection: LibSqlConnection, pool: LibSqlConnectionPool): void {
    this.held = connection;
    this.heldFrom = pool;
  }

  /**
   * Pins the held connection's statements to one server stream (remote databases), before the
   * statement that changes its session runs.
   */
  private pin(connection: LibSqlConnection): LibSqlConnection {
    if (!this.pinned && this.heldFrom?.pinsStreams) {
      connection.pinStream();
      this.pinned = true;
    }
    return connection;
  }

  /**
   * Gives the held connection back to the pool it came from, which restores its session if it
   * was changed and ends a pinned server stream (a pool closed since, by `destroy()`, no longer
   * has it and ignores it).
   */
  private async returnToPool(clean = false): Promise<void> {
    const connection = this.held;
    const pool = this.heldFrom;
    if (!connection || !pool) return;
    this.held = undefined;
    this.heldFrom = undefined;
    const sessionChanged = this.sessionChanged || this.pinned;
    this.sessionChanged = false;
    this.pinned = false;
    await pool.release(connection, "exclusive", sessionChanged, clean);
  }
}
