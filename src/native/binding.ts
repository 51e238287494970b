/**
 * The raw native addon: locates and loads `typeorm-libsql.node` (built from `native/` by
 * `npm install`) and names its types. Every type here is taken from `generated.ts`, the
 * declarations napi-rs generates from the `#[napi]` exports, so a change on either side that the
 * other does not follow fails the typecheck. Ids are plain numbers; errors come back with an
 * encoded message that `errors.ts` turns into a `LibSqlError`. Prefer the classes in
 * `connection.ts`, which wrap every call; the raw binding is internal.
 */
import { loadNativeAddon } from "./loader";
import type * as Addon from "./generated";
import { makeShape } from "./shapes";

/** The addon's exports, exactly as declared by the generated file. */
export type NativeBinding = typeof Addon;

/** A value that can be bound to a statement parameter. */
export type SqlValue = Addon.SqlValue;
/** Statement parameters: an array (positional) or an object (named). */
export type Params = NonNullable<Parameters<NativeBinding["run"]>[2]>;
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
export type InlineStats = Addon.InlineStats;
export type NativeBlocks = Addon.NativeBlocks;

let loaded: NativeBinding | undefined;

/**
 * The native addon, loaded on first use (see `loader.ts` for where it is looked for).
 * @internal
 */
export function binding(): NativeBinding {
  if (!loaded) {
    const addon = loadNativeAddon<NativeBinding>().addon;
    // Results are built by functions compiled per shape (see shapes.ts).
    addon.setResultShapes(makeShape);
    loaded = addon;
  }
  return loaded;
}
