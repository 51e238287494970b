/**
 * The child side of one process per driver (see isolation.ts): a process that opens one driver's
 * target — a TypeORM data source, a raw client or a replica client — when the bench asks, runs the
 * workloads it names on it one at a time, and answers with each outcome. Everything the driver
 * allocates, and every finalizer its garbage needs, stays in this process's heap, so it is paid
 * for in this driver's own rounds.
 */
import "reflect-metadata";
import { performance } from "perf_hooks";
import { nativeLoopBlocks } from "../src/native";
import type { BenchConfig } from "./config";
import { firstLine, openOrmTarget, setInlineBudget } from "./drivers";
import type { DriverRequest, DriverResponse, DriverResult } from "./isolation";
import { Sample, setDriverProbe } from "./measure";
import { openRawClient, openReplicaClient } from "./raw-clients";
import { seed } from "./seed";
import { DRIVER_IDS, DriverId, OrmTarget, OURS, Outcome, RawClient, Settings, Unsupported } from "./types";
import { workloads } from "./workloads";
import { RAW_ROWS } from "./workloads/raw";

/** Runs one measurement, turning a refusal or a failure into its outcome. */
export async function attempt(run: () => Promise<Sample>): Promise<Outcome> {
  try {
    return { status: "ok", sample: await run() };
  } catch (error) {
    if (error instanceof Unsupported) return { status: "unsupported", reason: error.message };
    return { status: "failed", reason: firstLine(error) };
  }
}

/** Our rounds read the addon's own account of its blocks on the JavaScript thread. */
function ourProbe(): Parameters<typeof setDriverProbe>[0] {
  return {
    reset: () => void nativeLoopBlocks(true),
    read: () => {
      const b = nativeLoopBlocks();
      // The addon's clock against performance.now(), read back to back.
      const offset = performance.now() - b.nowMs;
      const blocks = b.longest.map((l): [number, number] => [l.startMs + offset, l.startMs + offset + l.durationMs]);
      return { blocks, longestPageMs: b.longestPageMs };
    },
  };
}

type Opened = { level: "typeorm"; target: OrmTarget } | { level: "raw" | "replica"; client: RawClient };

class DriverHost {
  private opened: Opened | undefined;

  constructor(private readonly id: DriverId) {}

  async open(request: Extract<DriverRequest, { kind: "open" }>): Promise<Settings> {
    await this.close();
    const { level, workDir, config, settings } = request;
    if (level === "typeorm") {
      setInlineBudget(config.inlineBudgetMs);
      const target = await openOrmTarget(this.id, workDir, config.poolSize, settings);
      await seed(target.dataSource, config);
      this.opened = { level, target };
      return target.settings;
    }
    const client =
      level === "raw"
        ? await openRawClient(this.id, workDir, RAW_ROWS, settings)
        : await openReplicaClient(this.id, workDir, request.primaryUrl ?? "");
    this.opened = { level, client };
    return client.settings;
  }

  async run(workloadId: string, config: BenchConfig): Promise<Outcome> {
    const opened = this.opened;
    const workload = workloads.find((w) => w.id === workloadId);
    if (!workload) return { status: "failed", reason: `no workload "${workloadId}"` };
    const measure =
      workload.level === "typeorm"
        ? opened?.level === "typeorm" && (() => workload.run(opened.target, { config }))
        : opened?.level === workload.level && (() => workload.run(opened.client, { config }));
    if (!measure) return { status: "failed", reason: `no ${workload.level} target is open for "${workloadId}"` };
    setDriverProbe(this.id === OURS ? ourProbe() : undefined);
    try {
      return await attempt(measure);
    } finally {
      setDriverProbe(undefined);
    }
  }

  async close(): Promise<void> {
    const opened = this.opened;
    this.opened = undefined;
    if (!opened) return;
    if (opened.level === "typeorm") await opened.target.dataSource.destroy();
    else await opened.client.close();
  }
}

async function answer(host: DriverHost, request: DriverRequest): Promise<DriverResult> {
  switch (request.kind) {
    case "open":
      return { settings: await host.open(request) };
    case "run":
      return { outcome: await host.run(request.workload, request.config) };
    case "close":
      await host.close();
      return {};
  }
}

function main(): void {
  const id = process.argv[2] as DriverId;
  const send = process.send?.bind(process);
  if (!DRIVER_IDS.includes(id) || !send) {
    process.stderr.write(
      `bench/driver-process.ts: expected a driver id (${DRIVER_IDS.join(", ")}) and an IPC channel\n`,
    );
    process.exit(2);
  }
  const host = new DriverHost(id);
  // Requests come one at a time (the bench waits for each answer), so they never overlap.
  process.on("message", (message: { seq: number; request: DriverRequest }) => {
    answer(host, message.request).then(
      (result) => send({ seq: message.seq, ok: true, result } satisfies DriverResponse),
      (error: unknown) => send({ seq: message.seq, ok: false, message: firstLine(error) } satisfies DriverResponse),
    );
  });
  // The bench going away (or closing the channel) ends this process.
  process.on("disconnect", () => {
    void host.close().finally(() => process.exit(0));
  });
}

main();
