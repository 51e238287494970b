/**
 * Parameter and statement helpers for the query runner: values are converted the way TypeORM's
 * SQLite drivers expect (dates as UTC datetime strings) before they reach the native core, which
 * binds the rest (booleans as 1/0) and refuses NaN rather than store it as NULL; statements are
 * classified by their leading keyword.
 */
import { DateUtils } from "../typeorm";
import type { SqlValue } from "../native";

/** Converts one bound value; anything the native core cannot bind is passed on for it to reject. */
export function normaliseParameter(value: unknown): SqlValue {
  if (value === undefined || value === null) return null;
  switch (typeof value) {
    case "boolean":
    case "number":
    case "string":
    case "bigint":
      return value;
    default:
      if (value instanceof Date) return DateUtils.mixedDateToUtcDatetimeString(value) as string;
      return value as SqlValue;
  }
}

export function normaliseParameters(parameters: readonly unknown[] | undefined): SqlValue[] {
  return parameters ? parameters.map(normaliseParameter) : [];
}

const LEADING_NOISE = /^(?:\s+|--[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/)*/;

/** The statement's first characters in upper case, comments and whitespace skipped. */
export function statementHead(sql: string): string {
  // Only the start matters; a bulk INSERT can be megabytes long.
  const start = sql.length > 4096 ? sql.slice(0, 4096) : sql;
  return start.replace(LEADING_NOISE, "").slice(0, 80).toUpperCase();
}

/** INSERT, UPDATE, DELETE and REPLACE report affected rows even when they return rows. */
export function isDataChange(head: string): boolean {
  return /^(INSERT|UPDATE|DELETE|REPLACE)\b/.test(head);
}

/**
 * Statements that change the connection rather than the data (a transaction opened by hand,
 * a pragma set, a database attached, a temporary table): the runner keeps such a connection
 * until it is released, and the pool restores it afterwards.
 */
export function changesSession(head: string): boolean {
  return /^(BEGIN|SAVEPOINT|ATTACH|DETACH|CREATE\s+TEMP|PRAGMA\s+[\w."]+\s*=)/.test(head);
}
