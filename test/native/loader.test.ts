/**
 * Where the native addon is loaded from: this platform's package first, then a local build, then
 * an error that names the platform, the supported ones and the way to build from source; and the
 * platform list agrees with `napi.targets` and the packages under npm/. Each case runs a copy of
 * the loader inside a throwaway package root, so what it can find is exactly what the test puts
 * there (the real addon, linked in).
 */
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import * as loader from "../../src/native/loader";
import { tempDir } from "../support/tmp";

const REPO = path.resolve(__dirname, "../..");
const VERSION = "1.2.3";
type Loader = typeof loader;

/** The addon this checkout uses (a local build or TYPEORM_LIBSQL_NATIVE). */
const realAddon = loader.loadNativeAddon<unknown>().file;

/** A package root holding a copy of the loader; returns the root and the copy's exports. */
function fakePackage(): { root: string; load: () => Loader } {
  const root = tempDir("typeorm-libsql-loader-");
  fs.writeFileSync(path.join(root, "package.json"), JSON.stringify({ name: "typeorm-libsql", version: VERSION }));
  const native = path.join(root, "src", "native");
  fs.mkdirSync(native, { recursive: true });
  for (const file of ["loader.ts", "errors.ts"]) {
    fs.copyFileSync(path.join(REPO, "src", "native", file), path.join(native, file));
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return { root, load: () => require(path.join(native, "loader.ts")) as Loader };
}

/** Installs a platform package for this process into `root/node_modules`. */
function addPlatformPackage(root: string, version: string): string {
  const key = loader.currentPlatformKey();
  const dir = path.join(root, "node_modules", loader.platformPackageName(key));
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: loader.platformPackageName(key), version }));
  fs.symlinkSync(realAddon, path.join(dir, loader.platformBinaryName(key)));
  return dir;
}

function addLocalBuild(root: string): string {
  fs.mkdirSync(path.join(root, "native"));
  const file = path.join(root, "native", "typeorm-libsql.node");
  fs.symlinkSync(realAddon, file);
  return file;
}

function loadError(load: () => Loader): Error & { code?: string } {
  try {
    load().loadNativeAddon();
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error("loadNativeAddon did not fail");
}

describe("native: addon loader", () => {
  let override: string | undefined;

  beforeEach(() => {
    override = process.env.TYPEORM_LIBSQL_NATIVE;
    delete process.env.TYPEORM_LIBSQL_NATIVE;
  });

  afterEach(() => {
    if (override === undefined) delete process.env.TYPEORM_LIBSQL_NATIVE;
    else process.env.TYPEORM_LIBSQL_NATIVE = override;
  });

  it("loads this platform's package before a local build", () => {
    const { root, load } = fakePackage();
    const dir = addPlatformPackage(root, VERSION);
    addLocalBuild(root);
    const loaded = load().loadNativeAddon<{ versions(): string[] }>();
    expect(loaded.source).to.equal("platform-package");
    expect(loaded.file).to.equal(path.join(dir, loader.platformBinaryName(loader.currentPlatformKey())));
    expect(loaded.addon.versions()).to.be.an("array").that.is.not.empty;
  });

  it("passes over a platform package of another version and uses the local build", () => {
    const { root, load } = fakePackage();
    addPlatformPackage(root, "1.2.2");
    const file = addLocalBuild(root);
    const loaded = load().loadNativeAddon();
    expect(loaded.source).to.equal("local-build");
    expect(loaded.file).to.equal(file);
  });

  it("without a binary, names the platform, the supported ones and how to build from source", () => {
    const { load } = fakePackage();
    const error = loadError(load);
    expect(error.name).to.equal("LibSqlError");
    expect(error.code).to.equal("LIBSQL_NATIVE_NOT_FOUND");
    const key = loader.currentPlatformKey();
    expect(error.message).to.include(`for ${key} (Node.js ${process.version})`);
    expect(error.message).to.include(`package ${loader.platformPackageName(key)}: not installed`);
    expect(error.message).to.match(/local build: .*typeorm-libsql\.node not found/);
    for (const target of loader.SUPPORTED_PLATFORMS) expect(error.message).to.include(target.key);
    expect(error.message).to.include("https://rustup.rs");
    expect(error.message).to.include("npm run build:platform");
    expect(error.message).to.include("TYPEORM_LIBSQL_NATIVE");
  });

  it("reports a platform package of another version", () => {
    const { root, load } = fakePackage();
    addPlatformPackage(root, "1.2.2");
    const error = loadError(load);
    expect(error.code).to.equal("LIBSQL_NATIVE_NOT_FOUND");
    expect(error.message).to.include(`version 1.2.2 is installed, typeorm-libsql needs ${VERSION}`);
  });

  it("takes TYPEORM_LIBSQL_NATIVE first, and reports one that does not load", () => {
    const { root, load } = fakePackage();
    addPlatformPackage(root, VERSION);
    process.env.TYPEORM_LIBSQL_NATIVE = realAddon;
    const loaded = load().loadNativeAddon();
    expect(loaded.source).to.equal("environment");
    expect(loaded.file).to.equal(realAddon);

    const missing = path.join(root, "missing.node");
    process.env.TYPEORM_LIBSQL_NATIVE = missing;
    const error = loadError(load);
    expect(error.code).to.equal("LIBSQL_NATIVE_NOT_FOUND");
    expect(error.message).to.include(`TYPEORM_LIBSQL_NATIVE=${missing} did not load`);
  });

  it("lists the platforms of napi.targets, each with its package under npm/", () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(REPO, "package.json"), "utf8")) as {
      version: string;
      napi: { targets: string[] };
    };
    expect(loader.SUPPORTED_PLATFORMS.map((target) => target.rustTarget)).to.have.members(manifest.napi.targets);
    expect(fs.readdirSync(path.join(REPO, "npm")).sort()).to.deep.equal(
      loader.SUPPORTED_PLATFORMS.map((target) => target.key).sort(),
    );
    for (const target of loader.SUPPORTED_PLATFORMS) {
      const pkg = JSON.parse(fs.readFileSync(path.join(REPO, "npm", target.key, "package.json"), "utf8")) as Record<
        string,
        unknown
      >;
      expect(pkg.name).to.equal(loader.platformPackageName(target.key));
      expect(pkg.version).to.equal(manifest.version);
      expect(pkg.os).to.deep.equal([target.platform]);
      expect(pkg.cpu).to.deep.equal([target.arch]);
      expect(pkg.libc).to.deep.equal(target.libc ? [target.libc] : undefined);
      expect(pkg.main).to.equal(loader.platformBinaryName(target.key));
      expect(pkg.files).to.deep.equal([loader.platformBinaryName(target.key)]);
    }
  });
});
