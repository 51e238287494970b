/**
 * The raw native addon: locates and loads `typeorm-libsql.node` (built from `native/` by
 * `npm install`) and names its types. Every type here is taken from `generated.ts`, the
 * declarations napi-rs generates from the `#[napi]` exports, so a change on either side that the
 * other does not follow fails the typecheck. Ids are plain numbers; errors come back with an
 * encoded message that `errors.ts` turns into a `LibSqlError`. Prefer the classes in
 * `connection.ts`, which wrap every call; the raw binding is internal.
 */
import * as fs from "fs";
import * as path from "path";
import type * as Addon from "./generated";

/** The addon's exports, exactly as declared by the generated file. */
export type NativeBinding = typeof Addon;

/** A value that can be bound to a statement parameter. */
export type SqlValue = Addon.SqlValue;
/** Statement parameters: an array (positional) or an object (named). */
export type Params = NonNullable<Parameters<NativeBinding["execute"]>[2]>;
/** How SQLite integers come back: as numbers (refusing unsafe ones), BigInts or strings. */
export type IntMode = NonNullable<Addon.QueryOptions["intMode"]>;
export type RowMode = NonNullable<Addon.QueryOptions["rowMode"]>;
export type TransactionBehaviour = NonNullable<Parameters<NativeBinding["begin"]>[1]>;

/** What the native core opens: already classified and validated (see `src/options`). */
export type NativeOpenConfig = Addon.OpenConfig;
export type NativeOpenTarget = Addon.OpenTarget;
export type RawQueryOptions = Addon.QueryOptions;
export type RawResult = Addon.QueryResult;
export type RawPage = Addon.RowsPage;
export type RawStatementInfo = Addon.StatementInfo;
export type RawConnectionInfo = Addon.ConnectionInfo;
export type RawSyncResult = Addon.SyncResult;
export type RawStats = Addon.Stats;

const ADDON_FILE = "typeorm-libsql.node";

function locate(): string {
  const override = process.env.TYPEORM_LIBSQL_NATIVE;
  if (override) return override;
  // src/native (ts-node) and dist/src/native (compiled) both sit below the package root.
  for (const up of ["../..", "../../.."]) {
    const candidate = path.resolve(__dirname, up, "native", ADDON_FILE);
    if (fs.existsSync(candidate)) return candidate;
  }
  throw new Error(
    `typeorm-libsql: the native addon ${ADDON_FILE} was not found; run "npm install" (or "npm run build:native") to build it from native/`,
  );
}

let loaded: NativeBinding | undefined;

/** The native addon, loaded on first use. */
export function binding(): NativeBinding {
  if (!loaded) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    loaded = require(locate()) as NativeBinding;
  }
  return loaded;
}
