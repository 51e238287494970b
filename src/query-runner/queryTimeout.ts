/**
 * The `queryTimeoutMs` option of a query runner: a statement still running when it expires is
 * interrupted (a local one fails with SQLITE_INTERRUPT, a remote request is cancelled).
 */
import { LibSqlError, type LibSqlConnection, type MaybePromise } from "../native";

/**
 * Interrupts the statement if it runs past the `queryTimeoutMs` option: a local one fails with
 * `SQLITE_INTERRUPT`; on a remote database the request is cancelled and fails with
 * `LIBSQL_TIMEOUT`, whose message then names the option. A statement that finished inline (no
 * Promise; local connections only) was within its budget and needs no timer.
 */
export function withQueryTimeout<T>(
  timeout: number | undefined,
  connection: LibSqlConnection,
  work: MaybePromise<T>,
): MaybePromise<T> {
  if (!timeout || !(work instanceof Promise)) return work;
  let fired = false;
  const timer = setTimeout(() => {
    fired = true;
    try {
      connection.interrupt();
    } catch {
      // The statement finished (or the connection closed) in the meantime.
    }
  }, timeout);
  return work.then(
    (value) => {
      clearTimeout(timer);
      return value;
    },
    (error: unknown) => {
      clearTimeout(timer);
      if (fired && error instanceof LibSqlError && error.code === "LIBSQL_TIMEOUT") {
        throw new LibSqlError(
          "LIBSQL_TIMEOUT",
          `the statement ran past queryTimeoutMs (${timeout} ms): ${error.message}`,
        );
      }
      throw error;
    },
  );
}
