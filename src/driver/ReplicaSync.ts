/**
 * Replication of a data source on an embedded replica: the calls behind `dataSource.sync()`,
 * `syncUntil()` and `replicationIndex()`, and the periodic sync of `syncIntervalMs`.
 *
 * The periodic sync is run from here, with a timer, rather than by libSQL: libSQL's own
 * background sync reports a failure only to its tracing output, so the application would never
 * hear of it. Here every failure that starts a run of failures, or changes its error code, is
 * logged as a warning, and the first success after it as info, through TypeORM's logger. Syncs
 * use a native connection of their own (outside the pool), and a sync never takes a connection's
 * lock, so queries never wait for one; the next sync is scheduled only once the last has settled,
 * so they never overlap. Each sync is bounded by `requestTimeoutMs`.
 *
 * The first sync runs while the data source initialises (`initialSync`), before synchronize and
 * migrations, so that the first read sees the primary's rows. A primary that cannot be reached
 * then leaves the replica on the copy its file holds from an earlier sync (with a warning); with
 * no such copy, initialisation fails with the network error.
 */
import type { Logger } from "typeorm";
import type { LibSqlConnection } from "../native";

/** What a sync did. */
export interface LibSqlSyncResult {
  /** The replica's newest frame after the sync (null while the primary has written none). */
  frameNo: number | null;
  /** How many frames this sync applied. */
  framesSynced: number;
}

export class ReplicaSync {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** The error code of the failing run of periodic syncs, and how many syncs it has failed. */
  private failing: { code: string; count: number } | undefined;

  constructor(
    /** A native connection used for replication calls only. */
    private readonly connection: LibSqlConnection,
    /** Milliseconds between periodic syncs; none: sync only when asked. */
    private readonly intervalMs: number | undefined,
    private readonly logger: () => Logger,
    /** The replica's secret-free description, for log messages. */
    private readonly describe: string,
  ) {}

  /**
   * The sync `initialize()` waits for. It rejects (`LIBSQL_NETWORK`, `LIBSQL_TIMEOUT`) when the
   * primary cannot be reached and the local file holds no earlier sync; with one, it logs a
   * warning and the replica starts from that copy. Other failures (a refused token) always reject.
   * `explain` may replace a failure whose cause libSQL lost by one that names it.
   */
  async initialSync(explain: (error: unknown) => Promise<unknown> = async (error) => error): Promise<void> {
    try {
      await this.sync();
    } catch (failure) {
      const error = await explain(failure);
      const code = (error as { code?: unknown }).code;
      const unreachable = code === "LIBSQL_NETWORK" || code === "LIBSQL_TIMEOUT";
      const earlier = unreachable ? await this.replicationIndex().catch(() => null) : null;
      if (earlier === null) throw error;
      const message = error instanceof Error ? error.message : String(error);
      this.logger().log(
        "warn",
        `typeorm-libsql: the replica ${this.describe} could not sync as it opened (${String(code)}): ${message}; ` +
          `it starts from its earlier sync (frame ${earlier}) and serves reads from that copy until a sync succeeds`,
      );
    }
  }

  /** Starts the periodic sync, if there is one (the first one interval after `initialSync`). */
  start(): void {
    if (this.intervalMs !== undefined) this.schedule(this.intervalMs);
  }

  /** Stops the periodic sync and closes the replication connection (a sync in flight is dropped). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.connection.close().catch(() => undefined);
  }

  async sync(): Promise<LibSqlSyncResult> {
    const result = await this.connection.sync();
    return { frameNo: result.frameNo ?? null, framesSynced: result.framesSynced };
  }

  async syncUntil(frameNo: number): Promise<LibSqlSyncResult> {
    const result = await this.connection.syncUntil(frameNo);
    return { frameNo: result.frameNo ?? null, framesSynced: result.framesSynced };
  }

  replicationIndex(): Promise<number | null> {
    return this.connection.replicationIndex();
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.tick(), delayMs);
    // A data source left open must not keep the process alive for its syncs.
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    this.timer = undefined;
    try {
      const result = await this.sync();
      if (this.failing && !this.stopped) {
        const failed = this.failing.count;
        this.failing = undefined;
        this.logger().log(
          "info",
          `typeorm-libsql: periodic sync of the replica ${this.describe} works again after ${failed} failed ` +
            `attempt${failed === 1 ? "" : "s"} (frame ${result.frameNo ?? "none"})`,
        );
      }
    } catch (error) {
      if (!this.stopped) this.failed(error);
    } finally {
      this.schedule(this.intervalMs ?? 0);
    }
  }

  private failed(error: unknown): void {
    const code = (error as { code?: unknown }).code;
    const codeText = typeof code === "string" ? code : "UNKNOWN";
    const message = error instanceof Error ? error.message : String(error);
    const first = this.failing === undefined || this.failing.code !== codeText;
    this.failing = { code: codeText, count: (this.failing?.count ?? 0) + 1 };
    if (first) {
      this.logger().log(
        "warn",
        `typeorm-libsql: periodic sync of the replica ${this.describe} failed (${codeText}): ${message}; ` +
          `reads are served from the local replica and syncing is retried every ${this.intervalMs} ms`,
      );
    }
  }
}
