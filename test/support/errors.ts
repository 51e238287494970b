/**
 * Test support: the error code a promise rejects with, so refusals read as one assertion.
 */
import { expect } from "chai";
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
