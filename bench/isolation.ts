/**
 * One process per driver. Every driver under test runs in a child process of its own
 * (driver-process.ts); the bench only schedules the rounds — one at a time, in the same rotating
 * order — and collects the samples. This keeps one driver's garbage out of another's rounds: a
 * peer that creates and evicts thousands of native statement objects leaves a major GC with
 * hundreds of milliseconds of finalizers behind it, which in one shared process lands in whichever
 * round happens to run next. Each child is idle, waiting on its IPC channel, while another runs.
 */
import { ChildProcess, fork } from "child_process";
import * as path from "path";
import type { BenchConfig } from "./config";
import type { DriverId, Outcome, Settings, SettingsId, Workload } from "./types";

/** What the bench asks a driver's process to do. */
export type DriverRequest =
  | {
      kind: "open";
      level: Workload["level"];
      settings: SettingsId;
      workDir: string;
      config: BenchConfig;
      /** The replica's primary (level "replica"). */
      primaryUrl?: string;
    }
  | { kind: "run"; workload: string; config: BenchConfig }
  | { kind: "close" };

export type DriverResult = { settings?: Settings; outcome?: Outcome };

export type DriverResponse =
  { seq: number; ok: true; result: DriverResult } | { seq: number; ok: false; message: string };

const CHILD = path.join(__dirname, "driver-process.ts");

/** A driver's process, seen from the bench. */
export class DriverProcess {
  private seq = 0;
  private readonly pending = new Map<number, { resolve: (r: DriverResult) => void; reject: (e: Error) => void }>();
  private exited: string | undefined;

  private constructor(
    readonly id: DriverId,
    private readonly child: ChildProcess,
  ) {
    child.on("message", (message: DriverResponse) => {
      const waiting = this.pending.get(message.seq);
      if (!waiting) return;
      this.pending.delete(message.seq);
      if (message.ok) waiting.resolve(message.result);
      else waiting.reject(new Error(message.message));
    });
    child.on("exit", (code, signal) => {
      this.exited = `the ${id} process exited (${signal ?? `code ${code}`})`;
      for (const waiting of this.pending.values()) waiting.reject(new Error(this.exited));
      this.pending.clear();
    });
  }

  /** Starts a driver's process; TypeScript is compiled on load, as in the bench itself. */
  static start(id: DriverId): DriverProcess {
    const child = fork(CHILD, [id], {
      execArgv: ["-r", "ts-node/register/transpile-only"],
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    return new DriverProcess(id, child);
  }

  private request(request: DriverRequest): Promise<DriverResult> {
    if (this.exited) return Promise.reject(new Error(this.exited));
    const seq = ++this.seq;
    return new Promise((resolve, reject) => {
      this.pending.set(seq, { resolve, reject });
      this.child.send({ seq, request });
    });
  }

  /** Opens (and seeds) this driver's target of one level; the settings it reads back. */
  async open(
    level: Workload["level"],
    settings: SettingsId,
    workDir: string,
    config: BenchConfig,
    primaryUrl?: string,
  ): Promise<Settings> {
    const result = await this.request({ kind: "open", level, settings, workDir, config, primaryUrl });
    if (!result.settings) throw new Error(`the ${this.id} process opened nothing`);
    return result.settings;
  }

  /** Runs one workload once on the open target. */
  async run(workload: string, config: BenchConfig): Promise<Outcome> {
    try {
      const result = await this.request({ kind: "run", workload, config });
      return result.outcome ?? { status: "failed", reason: `the ${this.id} process gave no outcome` };
    } catch (error) {
      return { status: "failed", reason: error instanceof Error ? error.message : String(error) };
    }
  }

  /** Closes the open target (the process stays for the next level). */
  async close(): Promise<void> {
    await this.request({ kind: "close" });
  }

  /** Ends the process: closing the channel makes it close its target and exit. */
  async stop(): Promise<void> {
    if (this.exited || this.child.exitCode !== null || this.child.signalCode !== null) return;
    const gone = new Promise<void>((resolve) => this.child.once("exit", () => resolve()));
    this.child.disconnect();
    await gone;
  }
}
