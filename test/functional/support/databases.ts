/**
 * Helpers for the functional tests: temporary database files, data sources on a file and on
 * `:memory:`, and a logger that records what TypeORM logs.
 */
import type { Logger, QueryRunner } from "typeorm";
import { LibSqlDataSource, type LibSqlDataSourceOptions } from "../../../src";
import { tempDbPath, tempDir } from "../../support/tmp";

export { tempDir };

/** A path for a database file that does not exist yet. */
export const tempDatabase = tempDbPath;

export type Target = "file" | "memory";
export const TARGETS: readonly Target[] = ["file", "memory"];

/** Creates and initialises a data source on a new temporary file or on `:memory:`. */
export async function openDataSource(
  target: Target,
  options: Omit<LibSqlDataSourceOptions, "url" | "database"> = {},
): Promise<LibSqlDataSource> {
  const dataSource = new LibSqlDataSource({
    url: target === "memory" ? ":memory:" : `file:${tempDatabase()}`,
    synchronize: true,
    ...options,
  });
  return dataSource.initialize();
}

export interface LoggedQuery {
  kind: "query" | "error" | "slow" | "schema" | "migration" | "log";
  text: string;
  parameters?: unknown[];
  time?: number;
  error?: unknown;
}

/** A TypeORM logger that keeps every entry for assertions. */
export class RecordingLogger implements Logger {
  readonly entries: LoggedQuery[] = [];

  logQuery(query: string, parameters?: unknown[], _queryRunner?: QueryRunner): void {
    this.entries.push({ kind: "query", text: query, parameters });
  }
  logQueryError(error: string | Error, query: string, parameters?: unknown[], _queryRunner?: QueryRunner): void {
    this.entries.push({ kind: "error", text: query, parameters, error });
  }
  logQuerySlow(time: number, query: string, parameters?: unknown[], _queryRunner?: QueryRunner): void {
    this.entries.push({ kind: "slow", text: query, parameters, time });
  }
  logSchemaBuild(message: string, _queryRunner?: QueryRunner): void {
    this.entries.push({ kind: "schema", text: message });
  }
  logMigration(message: string, _queryRunner?: QueryRunner): void {
    this.entries.push({ kind: "migration", text: message });
  }
  log(_level: "log" | "info" | "warn", message: unknown, _queryRunner?: QueryRunner): void {
    this.entries.push({ kind: "log", text: String(message) });
  }

  queries(): string[] {
    return this.entries.filter((e) => e.kind === "query").map((e) => e.text);
  }

  clear(): void {
    this.entries.length = 0;
  }
}
