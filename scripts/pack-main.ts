/**
 * `npm run pack:main`: compiles the TypeScript and packs the main package into dist/pack, with
 * every platform package as an exact-version optional dependency. The release workflow publishes
 * this tarball; `npm run build:platform` packs it together with this machine's platform package.
 */
import { buildTypeScript, packMain } from "./packing";

buildTypeScript();
console.log(packMain());
