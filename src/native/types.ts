/**
 * The shapes of what the typed binding takes and gives back, shared by `LibSqlConnection` and
 * its handles: per-call query options, results, rows and batch items.
 */
import type { IntMode, Params, SqlValue } from "./binding";

export interface QueryOptions {
  intMode?: IntMode;
}

export interface Result<Row> {
  columns: string[];
  columnTypes: (string | null)[];
  rows: Row[];
  rowsAffected: number;
  lastInsertRowid: number | bigint | string | null;
}

export type ArrayRow = SqlValue[];
export type ObjectRow = Record<string, unknown>;

export interface BatchItem {
  sql: string;
  params?: Params;
}
