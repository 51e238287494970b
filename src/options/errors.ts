/**
 * The error every option check throws: a `LibSqlError` (so `code` reads as for any other refusal
 * of the driver) whose `option` names the offending option. Messages never contain a secret.
 */
import { LibSqlError } from "../native/errors";

/** Thrown for an invalid option; `option` names it and `code` says what kind of refusal it is. */
export class LibSqlOptionsError extends LibSqlError {
  constructor(
    readonly option: string,
    message: string,
    /** `LIBSQL_INVALID_ARGUMENT`, or `LIBSQL_UNSUPPORTED` for a combination libSQL cannot do. */
    code: "LIBSQL_INVALID_ARGUMENT" | "LIBSQL_UNSUPPORTED" = "LIBSQL_INVALID_ARGUMENT",
  ) {
    super(code, `typeorm-libsql: invalid option "${option}": ${message}`);
    this.name = "LibSqlOptionsError";
  }
}
