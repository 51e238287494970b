/**
 * `npm install` in a clone of this repository (npm's `prepare` step; it never runs when the
 * package is installed from the registry): builds the native addon from `native/` in release
 * mode, then compiles the TypeScript. Without Rust it stops with a message saying so. Set
 * TYPEORM_LIBSQL_SKIP_NATIVE_BUILD=1 to compile only the TypeScript (for example with a binary
 * from TYPEORM_LIBSQL_NATIVE).
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

const root = path.resolve(__dirname, "..");

function run(command: string, args: string[]): void {
  const result = spawnSync(command, args, { cwd: root, stdio: "inherit", shell: process.platform === "win32" });
  if (result.error) throw result.error;
  if (result.status !== 0) process.exit(result.status ?? 1);
}

function hasCargo(): boolean {
  const probe = spawnSync("cargo", ["--version"], { stdio: "ignore", shell: process.platform === "win32" });
  return !probe.error && probe.status === 0;
}

function buildNative(): void {
  if (!fs.existsSync(path.join(root, "native", "Cargo.toml"))) return; // not a clone
  if (process.env.TYPEORM_LIBSQL_SKIP_NATIVE_BUILD) {
    console.log("typeorm-libsql: TYPEORM_LIBSQL_SKIP_NATIVE_BUILD is set; not building the native addon");
    return;
  }
  if (!hasCargo()) {
    console.error(
      [
        "typeorm-libsql: cannot build the native addon: `cargo` (Rust) was not found on PATH.",
        "A clone of this repository builds the addon from native/ with Rust ≥ 1.91: install it from",
        "https://rustup.rs and run `npm install` again. (Users of the published package need no Rust:",
        "npm installs a prebuilt binary.) To skip this step, set TYPEORM_LIBSQL_SKIP_NATIVE_BUILD=1.",
      ].join("\n"),
    );
    process.exit(1);
  }
  console.log("typeorm-libsql: building the native addon (release; a clean build takes a few minutes)");
  run("npm", ["run", "build:native"]);
}

buildNative();
run("npm", ["run", "build"]);
