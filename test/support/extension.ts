/**
 * Test support: the probe SQLite extension (`test/fixtures/probe-extension.c`), compiled with the
 * machine's C compiler once per run, against the SQLite headers of the libsql crate the addon is
 * built with (found in Cargo's registry), or the system's.
 *
 * `probeExtension(this)` returns the library's path. Without a C compiler or headers the calling
 * test or suite is skipped outside CI and fails in CI (see `skip.ts`). `untilTicking` waits for a
 * query counting its rows through `probe_tick()` to be running.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { setTimeout as sleep } from "timers/promises";
import type { LibSqlConnection } from "../../src/native";
import { skipBecause } from "./skip";
import { tempDir } from "./tmp";

const SOURCE = path.resolve(__dirname, "../fixtures/probe-extension.c");

/** The version of libsql-ffi in native/Cargo.lock (the SQLite the addon is built with). */
function lockedFfiVersion(): string | undefined {
  const lock = fs.readFileSync(path.resolve(__dirname, "../../native/Cargo.lock"), "utf8");
  return /name = "libsql-ffi"\nversion = "([^"]+)"/.exec(lock)?.[1];
}

/** Directories holding `sqlite3ext.h`: the locked libsql-ffi's in Cargo's registry, then the system's. */
function headerDirs(): string[] {
  const cargoHome = process.env.CARGO_HOME ?? path.join(os.homedir(), ".cargo");
  const registry = path.join(cargoHome, "registry", "src");
  const crate = `libsql-ffi-${lockedFfiVersion() ?? "unknown"}`;
  const dirs = fs.existsSync(registry)
    ? fs.readdirSync(registry).map((index) => path.join(registry, index, crate, "bundled", "src"))
    : [];
  dirs.push("/usr/include", "/usr/local/include");
  return dirs.filter((dir) => fs.existsSync(path.join(dir, "sqlite3ext.h")));
}

let built: { path: string } | { reason: string } | undefined;

function build(): { path: string } | { reason: string } {
  const compiler = process.env.CC ?? "cc";
  const headers = headerDirs();
  if (headers.length === 0) return { reason: "no sqlite3ext.h (in Cargo's registry or /usr/include)" };
  const suffix = process.platform === "darwin" ? "dylib" : process.platform === "win32" ? "dll" : "so";
  // SQLite derives the entry point from the file name: probe.* -> sqlite3_probe_init.
  const output = path.join(tempDir("typeorm-libsql-ext-"), `probe.${suffix}`);
  const args = ["-shared", "-fPIC", "-O1", `-I${headers[0]}`, "-o", output, SOURCE];
  if (process.platform === "darwin") args.unshift("-dynamiclib");
  const result = spawnSync(compiler, args, { encoding: "utf8" });
  if (result.error) return { reason: `no C compiler (${compiler}): ${result.error.message}` };
  if (result.status !== 0) throw new Error(`${compiler} could not build the probe extension:\n${result.stderr}`);
  return { path: output };
}

/** The probe extension's path, built on first use; skips (or in CI fails) without a compiler. */
export function probeExtension(context: Mocha.Context): string {
  built ??= build();
  if ("reason" in built) skipBecause(context, "no-c-compiler", `the probe SQLite extension: ${built.reason}`);
  return built.path;
}

/**
 * Waits until a query that calls `probe_tick()` per row is running inside SQLite: reads the
 * process-wide tick count through `probe` (another connection with the extension loaded) and
 * returns once it moves. Bounded: gives up after 30 s.
 */
export async function untilTicking(probe: LibSqlConnection, what = "the query"): Promise<void> {
  const ticks = async () => Number((await probe.execute("SELECT probe_ticks()")).rows[0][0]);
  const from = await ticks();
  const deadline = Date.now() + 30_000;
  while ((await ticks()) <= from) {
    if (Date.now() > deadline) throw new Error(`${what} never started running`);
    await sleep(1);
  }
}
