/**
 * `npm run build:platform`: builds the native addon for this machine (the same release build as
 * `npm install`, so it is incremental), puts it into its platform package (npm/<platform>/, e.g.
 * npm/linux-x64-gnu), and packs that package and the main package into dist/pack. Installing the
 * two tarballs is what a registry install does on this platform; no Rust is needed for it.
 */
import * as fs from "fs";
import * as path from "path";
import { spawnSync } from "child_process";
import { currentPlatform, currentPlatformKey, platformBinaryName, SUPPORTED_PLATFORMS } from "../src/native/loader";
import { buildTypeScript, packDir, packMain, packPlatform, root, runShown } from "./packing";

const target = currentPlatform();
if (!target) {
  const supported = SUPPORTED_PLATFORMS.map((platform) => platform.key).join(", ");
  console.error(`typeorm-libsql has no platform package for ${currentPlatformKey()} (supported: ${supported})`);
  process.exit(1);
}

runShown("npm", ["run", "build:native"]);
const binary = path.join(root, "npm", target.key, platformBinaryName(target.key));
fs.copyFileSync(path.join(root, "native", "typeorm-libsql.node"), binary);
if (target.platform !== "win32") {
  // Symbols are not needed at run time (napi build --strip does the same in the release workflow).
  const strip = spawnSync("strip", target.platform === "darwin" ? ["-x", binary] : ["--strip-unneeded", binary]);
  if (strip.error || strip.status !== 0) console.warn("strip is not available; packing the binary unstripped");
}

buildTypeScript();
fs.rmSync(packDir, { recursive: true, force: true });
const tarballs = [packPlatform(target.key), packMain()];
for (const tarball of tarballs) {
  console.log(`${path.relative(root, tarball)} (${(fs.statSync(tarball).size / 1e6).toFixed(1)} MB)`);
}
