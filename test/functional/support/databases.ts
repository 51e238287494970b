/**
 * Helpers for the functional tests: fresh databases in every mode the suites run on (a file,
 * `:memory:`, a remote sqld database and an embedded replica of one), data sources on them, and a
 * logger that records what TypeORM logs.
 *
 * Remote and replica databases live on the sqld server the whole mocha run shares (see
 * `test/support/sqld.ts`); each fresh one starts from an empty server database, so suites never
 * see each other's tables. Without sqld those modes are skipped with the reason printed (in CI
 * the run fails instead).
 */
import type { Logger, QueryRunner } from "typeorm";
import { LibSqlDataSource, type LibSqlDataSourceOptions } from "../../../src";
import { skipBecause } from "../../support/skip";
import { emptyDatabase, sharedSqld, sqldUnavailable } from "../../support/sqld";
import { tempDbPath, tempDir } from "../../support/tmp";

export { tempDir };

/** A path for a database file that does not exist yet. */
export const tempDatabase = tempDbPath;

export type Target = "file" | "memory" | "remote" | "replica";
export const TARGETS: readonly Target[] = ["file", "memory", "remote", "replica"];

/** Modes on a server: their databases outlive a data source, as a file's do. */
export function isServerTarget(target: Target): target is "remote" | "replica" {
  return target === "remote" || target === "replica";
}

/** Why `target` cannot run here, or undefined when it can. */
export function targetUnavailable(target: Target): string | undefined {
  return isServerTarget(target) ? sqldUnavailable() : undefined;
}

/**
 * Skips the current suite (call from `before`) when `target` cannot run here, printing why (in CI
 * a missing server fails instead).
 */
export function skipUnavailable(context: Mocha.Context, target: Target): void {
  const reason = targetUnavailable(target);
  if (reason === undefined) return;
  skipBecause(context, "no-sqld", `${target} mode: ${reason}`);
}

/** Where a database is: what a data source needs to open it. */
export type DatabaseLocation = Pick<LibSqlDataSourceOptions, "url" | "syncUrl">;

/**
 * A new, empty database for `target`: a new temporary file, `:memory:`, the shared sqld database
 * (emptied), or a new replica file of it.
 */
export async function freshDatabase(target: Target): Promise<DatabaseLocation> {
  switch (target) {
    case "file":
      return { url: `file:${tempDatabase()}` };
    case "memory":
      return { url: ":memory:" };
    case "remote": {
      const server = await sharedSqld();
      await emptyDatabase(server.url);
      return { url: server.url };
    }
    case "replica": {
      const server = await sharedSqld();
      await emptyDatabase(server.url);
      return { url: `file:${tempDatabase("replica.db")}`, syncUrl: server.url };
    }
  }
}

/** Creates and initialises a data source (with `synchronize`) on a fresh database of `target`. */
export async function openDataSource(
  target: Target,
  options: Omit<LibSqlDataSourceOptions, "url" | "database" | "syncUrl"> = {},
): Promise<LibSqlDataSource> {
  const dataSource = new LibSqlDataSource({
    ...(await freshDatabase(target)),
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
