/**
 * Finds and loads the native addon. In order it tries:
 *
 * 1. `TYPEORM_LIBSQL_NATIVE`, a path to a `.node` file (an explicit override);
 * 2. the prebuilt binary of this platform's package (`typeorm-libsql-linux-x64-gnu`, …), which
 *    npm installs as an optional dependency of `typeorm-libsql`;
 * 3. a binary built from source in a clone (`native/typeorm-libsql.node`);
 *
 * and otherwise throws a `LibSqlError` (`LIBSQL_NATIVE_NOT_FOUND`) that names the platform, lists
 * the supported ones and says how to build from source. The platform packages follow napi-rs's
 * layout (`npm/<platform>/package.json`, generated from `napi.targets` in package.json).
 */
import * as fs from "fs";
import * as path from "path";
import { LibSqlError } from "./errors";

const PACKAGE_NAME = "typeorm-libsql";
const BINARY_NAME = "typeorm-libsql";

/** A platform with a prebuilt binary package. */
export interface PlatformTarget {
  /** napi-rs's platform name, also the suffix of the package and of the `.node` file. */
  readonly key: string;
  readonly platform: NodeJS.Platform;
  readonly arch: string;
  /** Linux only: the C library the binary links against. */
  readonly libc?: "glibc" | "musl";
  /** The Rust target the binary is built for. */
  readonly rustTarget: string;
}

/** Every platform a binary package is published for (`napi.targets` in package.json). */
export const SUPPORTED_PLATFORMS: readonly PlatformTarget[] = [
  { key: "linux-x64-gnu", platform: "linux", arch: "x64", libc: "glibc", rustTarget: "x86_64-unknown-linux-gnu" },
  { key: "linux-x64-musl", platform: "linux", arch: "x64", libc: "musl", rustTarget: "x86_64-unknown-linux-musl" },
  { key: "linux-arm64-gnu", platform: "linux", arch: "arm64", libc: "glibc", rustTarget: "aarch64-unknown-linux-gnu" },
  { key: "linux-arm64-musl", platform: "linux", arch: "arm64", libc: "musl", rustTarget: "aarch64-unknown-linux-musl" },
  { key: "darwin-x64", platform: "darwin", arch: "x64", rustTarget: "x86_64-apple-darwin" },
  { key: "darwin-arm64", platform: "darwin", arch: "arm64", rustTarget: "aarch64-apple-darwin" },
  { key: "win32-x64-msvc", platform: "win32", arch: "x64", rustTarget: "x86_64-pc-windows-msvc" },
];

/** Where the addon came from. */
export type NativeSource = "environment" | "platform-package" | "local-build";

export interface LoadedAddon<T> {
  readonly addon: T;
  /** The `.node` file that was loaded. */
  readonly file: string;
  readonly source: NativeSource;
}

interface ReportHeader {
  header?: { glibcVersionRuntime?: string };
}

/** `process.report`; `excludeNetwork` (Node ≥ 20.13) is missing from older type definitions. */
type ProcessReporter = NodeJS.ProcessReport & { excludeNetwork?: boolean };

/** The C library of this Linux process, or `undefined` when it cannot be told. */
export function detectLibc(): "glibc" | "musl" | undefined {
  try {
    // musl's ldd is a script (or a link to the loader) that says so; glibc's mentions GNU libc.
    const ldd = fs.readFileSync("/usr/bin/ldd", "latin1");
    if (ldd.includes("musl")) return "musl";
    if (ldd.includes("GLIBC") || ldd.includes("GNU C Library")) return "glibc";
  } catch {
    // No ldd (minimal images): ask Node instead.
  }
  const report = process.report as ProcessReporter | undefined;
  if (report && typeof report.getReport === "function") {
    const excludeNetwork = report.excludeNetwork;
    report.excludeNetwork = true; // keeps getReport from doing DNS lookups
    try {
      const header = (report.getReport() as ReportHeader).header;
      return header?.glibcVersionRuntime ? "glibc" : "musl";
    } catch {
      return undefined;
    } finally {
      report.excludeNetwork = excludeNetwork;
    }
  }
  return undefined;
}

/** napi-rs's name for this process's platform, e.g. `linux-x64-gnu` (whether supported or not). */
export function currentPlatformKey(): string {
  const { platform, arch } = process;
  if (platform === "linux") return `linux-${arch}-${detectLibc() === "musl" ? "musl" : "gnu"}`;
  if (platform === "win32") return `win32-${arch}-msvc`;
  return `${platform}-${arch}`;
}

/** The supported platform this process runs on, if any. */
export function currentPlatform(): PlatformTarget | undefined {
  const key = currentPlatformKey();
  return SUPPORTED_PLATFORMS.find((target) => target.key === key);
}

/** The npm package holding the prebuilt binary for a platform. */
export function platformPackageName(key: string): string {
  return `${PACKAGE_NAME}-${key}`;
}

/** The file name of the binary inside a platform package. */
export function platformBinaryName(key: string): string {
  return `${BINARY_NAME}.${key}.node`;
}

/** The root of this package: src/native (ts-node) and dist/src/native (compiled) sit below it. */
function packageRoot(): string | undefined {
  for (const up of ["../..", "../../.."]) {
    const dir = path.resolve(__dirname, up);
    try {
      const manifest = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")) as { name?: string };
      if (manifest.name === PACKAGE_NAME) return dir;
    } catch {
      // not this level
    }
  }
  return undefined;
}

function packageVersion(dir: string): string | undefined {
  try {
    return (JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")) as { version?: string }).version;
  } catch {
    return undefined;
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message.split("\n")[0] : String(error);
}

type Attempt<T> = { loaded: LoadedAddon<T> } | { failure: string };

function loadFile<T>(file: string, source: NativeSource): LoadedAddon<T> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return { addon: require(file) as T, file, source };
}

function tryPlatformPackage<T>(key: string, ownVersion: string | undefined): Attempt<T> {
  const name = platformPackageName(key);
  let manifest: string;
  try {
    manifest = require.resolve(`${name}/package.json`);
  } catch {
    return { failure: `package ${name}: not installed` };
  }
  const dir = path.dirname(manifest);
  const version = packageVersion(dir);
  if (ownVersion !== undefined && version !== ownVersion) {
    return {
      failure: `package ${name}: version ${version ?? "unknown"} is installed, ${PACKAGE_NAME} needs ${ownVersion}`,
    };
  }
  const file = path.join(dir, platformBinaryName(key));
  try {
    return { loaded: loadFile<T>(file, "platform-package") };
  } catch (error) {
    return { failure: `package ${name}: ${file} did not load: ${describe(error)}` };
  }
}

function tryLocalBuild<T>(root: string | undefined, key: string): Attempt<T> {
  if (root === undefined) return { failure: "local build: the package root was not found" };
  const candidates = [
    path.join(root, "native", `${BINARY_NAME}.node`),
    path.join(root, "native", platformBinaryName(key)),
  ];
  const file = candidates.find((candidate) => fs.existsSync(candidate));
  if (file === undefined) return { failure: `local build: ${candidates[0]} not found` };
  try {
    return { loaded: loadFile<T>(file, "local-build") };
  } catch (error) {
    return { failure: `local build: ${file} did not load: ${describe(error)}` };
  }
}

function notFound(key: string, tried: string[]): LibSqlError {
  const supported = SUPPORTED_PLATFORMS.map((target) => target.key).join(", ");
  const isSupported = SUPPORTED_PLATFORMS.some((target) => target.key === key);
  const lines = [
    `typeorm-libsql: no native binary could be loaded for ${key} (Node.js ${process.version}).`,
    "Tried:",
    ...tried.map((line) => `  - ${line}`),
    `Prebuilt binaries are published for: ${supported}.`,
  ];
  if (isSupported) {
    lines.push(
      `${platformPackageName(key)} is an optional dependency of typeorm-libsql: install without ` +
        "--omit=optional / --no-optional, and if package-lock.json was made on another platform, delete " +
        "node_modules and package-lock.json and run npm install again.",
    );
  }
  lines.push(
    "To build from source (needs Rust ≥ 1.91 from https://rustup.rs): clone the typeorm-libsql repository, " +
      'run "npm install" there (it builds native/typeorm-libsql.node), then either run "npm run build:platform" ' +
      "and install the two tarballs it writes to dist/pack, or set TYPEORM_LIBSQL_NATIVE to the built " +
      "native/typeorm-libsql.node.",
  );
  return new LibSqlError("LIBSQL_NATIVE_NOT_FOUND", lines.join("\n"));
}

/** Loads the addon from the first place that has one (see the module note). */
export function loadNativeAddon<T>(): LoadedAddon<T> {
  const override = process.env.TYPEORM_LIBSQL_NATIVE;
  if (override) {
    try {
      return loadFile<T>(path.resolve(override), "environment");
    } catch (error) {
      throw new LibSqlError(
        "LIBSQL_NATIVE_NOT_FOUND",
        `typeorm-libsql: TYPEORM_LIBSQL_NATIVE=${override} did not load: ${describe(error)}`,
      );
    }
  }
  const key = currentPlatformKey();
  const root = packageRoot();
  const tried: string[] = [];
  for (const attempt of [
    () => tryPlatformPackage<T>(key, root === undefined ? undefined : packageVersion(root)),
    () => tryLocalBuild<T>(root, key),
  ]) {
    const result = attempt();
    if ("loaded" in result) return result.loaded;
    tried.push(result.failure);
  }
  throw notFound(key, tried);
}
