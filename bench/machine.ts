/**
 * The machine and software a run was measured on, recorded next to the results.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { MachineInfo } from "./types";

const ROOT = path.resolve(__dirname, "..");

function packageVersion(name: string): string {
  try {
    const file = path.join(ROOT, "node_modules", name, "package.json");
    return (JSON.parse(fs.readFileSync(file, "utf8")) as { version: string }).version;
  } catch {
    return "not installed";
  }
}

function gitCommit(): string {
  try {
    const commit = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: ROOT, encoding: "utf8" }).trim();
    const dirty = execFileSync("git", ["status", "--porcelain", "--", "src", "native/src"], {
      cwd: ROOT,
      encoding: "utf8",
    });
    return dirty.trim() ? `${commit} (src modified)` : commit;
  } catch {
    return "unknown";
  }
}

/** The 1-minute load average: other work on the machine skews the figures. */
export function loadAverage(): number {
  return Math.round(os.loadavg()[0] * 100) / 100;
}

export function machineInfo(nativeVersion: string): MachineInfo {
  const cpus = os.cpus();
  const own = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { version: string };
  return {
    date: new Date().toISOString(),
    cpuModel: cpus[0]?.model.trim() ?? "unknown",
    cores: cpus.length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    node: process.version,
    gitCommit: gitCommit(),
    loadAverage: { start: loadAverage(), end: loadAverage() },
    packages: {
      "typeorm-libsql": own.version,
      "typeorm-libsql native addon": nativeVersion,
      typeorm: packageVersion("typeorm"),
      "better-sqlite3": packageVersion("better-sqlite3"),
      libsql: packageVersion("libsql"),
    },
  };
}
