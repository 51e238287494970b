/**
 * Packing the npm tarballs, shared by `npm run build:platform` (this machine's platform package and
 * the main package) and `npm run pack:main` (the main package; the release workflow publishes it).
 * The main package is packed from a staging copy whose package.json lists every platform package as
 * an exact-version optional dependency (as `napi prepublish` does) and drops what only a clone
 * uses: scripts, devDependencies, overrides and allowScripts. The tarball is checked to hold only what runs.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { platformBinaryName, platformPackageName, SUPPORTED_PLATFORMS } from "../src/native/loader";

export const root = path.resolve(__dirname, "..");
/** Where the tarballs go. */
export const packDir = path.join(root, "dist", "pack");

type Manifest = Record<string, unknown> & { name: string; version: string };

/** Files the main package may hold: the compiled JavaScript and its declarations. */
const MAIN_FILES = /^(package\.json|README\.md|LICENSE|dist\/src\/[\w./-]+\.(js|d\.ts))$/;

export function run(command: string, args: string[], cwd = root): string {
  const result = spawnSync(command, args, {
    cwd,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
    shell: process.platform === "win32",
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.error) throw result.error;
  if (result.status !== 0) throw new Error(`${command} ${args.join(" ")} failed (exit ${result.status})`);
  return result.stdout;
}

/** Runs a command with its output shown, failing on a non-zero exit. */
export function runShown(command: string, args: string[], cwd = root): void {
  const result = spawnSync(command, args, { cwd, stdio: "inherit", shell: process.platform === "win32" });
  if (result.error) throw result.error;
  if (result.status !== 0) throw new Error(`${command} ${args.join(" ")} failed (exit ${result.status})`);
}

export function readManifest(dir: string): Manifest {
  return JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")) as Manifest;
}

interface PackResult {
  filename: string;
  files: { path: string }[];
}

function npmPack(dir: string, dryRun = false): PackResult {
  const args = ["pack", "--json", "--ignore-scripts", "--pack-destination", packDir];
  if (dryRun) args.push("--dry-run");
  fs.mkdirSync(packDir, { recursive: true });
  const results = JSON.parse(run("npm", args, dir)) as PackResult[];
  return results[0];
}

/** Compiles the TypeScript into a clean dist/src. */
export function buildTypeScript(): void {
  fs.rmSync(path.join(root, "dist", "src"), { recursive: true, force: true });
  runShown("npm", ["run", "build"]);
}

/** Checks that `napi.targets` in package.json and the loader's platform list agree. */
function checkTargets(manifest: Manifest): void {
  const napi = manifest.napi as { targets?: string[] } | undefined;
  const configured = [...(napi?.targets ?? [])].sort().join(",");
  const known = SUPPORTED_PLATFORMS.map((target) => target.rustTarget)
    .sort()
    .join(",");
  if (configured !== known) {
    throw new Error(`napi.targets in package.json (${configured}) and src/native/loader.ts (${known}) disagree`);
  }
}

/** The manifest the main package is published with. */
export function publishedManifest(manifest: Manifest): Manifest {
  checkTargets(manifest);
  const published: Manifest = { ...manifest };
  delete published.scripts;
  delete published.devDependencies;
  delete published.overrides;
  delete published.allowScripts;
  const optional: Record<string, string> = {};
  for (const target of SUPPORTED_PLATFORMS) optional[platformPackageName(target.key)] = manifest.version;
  published.optionalDependencies = optional;
  return published;
}

/** Packs the main package (dist/src must be built) and returns the tarball's path. */
export function packMain(): string {
  const manifest = readManifest(root);
  const listed = npmPack(root, true).files.map((file) => file.path);
  const stray = listed.filter((file) => !MAIN_FILES.test(file));
  if (stray.length > 0) throw new Error(`the main package would hold files that do not run: ${stray.join(", ")}`);
  if (!listed.includes("dist/src/index.js"))
    throw new Error("dist/src/index.js is missing: build the TypeScript first");

  const stage = fs.mkdtempSync(path.join(os.tmpdir(), "typeorm-libsql-pack-"));
  try {
    for (const file of listed) {
      fs.mkdirSync(path.dirname(path.join(stage, file)), { recursive: true });
      fs.copyFileSync(path.join(root, file), path.join(stage, file));
    }
    fs.writeFileSync(path.join(stage, "package.json"), `${JSON.stringify(publishedManifest(manifest), null, 2)}\n`);
    return path.join(packDir, npmPack(stage).filename);
  } finally {
    fs.rmSync(stage, { recursive: true, force: true });
  }
}

/** Packs the platform package `npm/<key>` (its binary must be in place). */
export function packPlatform(key: string): string {
  const dir = path.join(root, "npm", key);
  const version = readManifest(root).version;
  const manifest = readManifest(dir);
  if (manifest.name !== platformPackageName(key))
    throw new Error(`${dir}/package.json is not ${platformPackageName(key)}`);
  if (manifest.version !== version) {
    throw new Error(`${manifest.name} is at ${manifest.version}, typeorm-libsql at ${version}: run "npx napi version"`);
  }
  const files = npmPack(dir, true).files.map((file) => file.path);
  if (!files.includes(platformBinaryName(key))) throw new Error(`${dir} has no ${platformBinaryName(key)}`);
  return path.join(packDir, npmPack(dir).filename);
}
