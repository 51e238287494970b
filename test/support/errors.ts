/**
 * Test support: the error (or its code) a promise rejects with, so refusals read as one assertion.
 */
import { expect } from "chai";
import { QueryFailedError } from "typeorm";
import { LibSqlError } from "../../src/native";

/** The `LibSqlError` code `promise` rejects with, or "no error" if it resolves. */
export async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    expect(error).to.be.instanceOf(LibSqlError);
    return (error as LibSqlError).code;
  }
  return "no error";
}

/** The `LibSqlError` `promise` rejects with (a TypeORM query failure's `driverError`); throws if it resolves. */
export async function failureOf(promise: Promise<unknown>): Promise<LibSqlError> {
  try {
    await promise;
  } catch (error) {
    const cause = error instanceof QueryFailedError ? error.driverError : error;
    expect(cause).to.be.instanceOf(LibSqlError);
    return cause as LibSqlError;
  }
  throw new Error("expected the call to fail");
}
