/**
 * The HTTP exchange both administration clients make: one JSON request with a bearer (or other)
 * credential, bounded in time, whose failures become `LibSqlAdminError`s. The credential travels
 * only in the request's `Authorization` header; messages name the service's origin and the path,
 * never a header.
 */
import { LibSqlAdminError, type LibSqlAdminErrorCode } from "./LibSqlDatabaseAdmin";

/** One request to an administration API. */
export interface AdminRequest {
  readonly method: "GET" | "POST" | "DELETE";
  /** Path and query under the API's base URL, already encoded. */
  readonly path: string;
  readonly body?: unknown;
  /** What the request does, for messages ("create database `acme`"). */
  readonly what: string;
}

/** An answer with a success status. */
export interface AdminReply {
  readonly status: number;
  /** The parsed JSON body, or `undefined` when the body is empty or not JSON. */
  readonly json: unknown;
}

/** Where a service is and how to reach it. */
export interface AdminEndpoint {
  readonly baseUrl: URL;
  /** The `Authorization` header's value, or undefined for none. */
  readonly authorization: () => string | undefined;
  readonly timeoutMs: number;
  /** Which code an error status means for this service (default: by status alone). */
  readonly classify?: (status: number, reason: string) => LibSqlAdminErrorCode | undefined;
}

/** The `error` field of a JSON error body, or the start of the body. */
function reasonOf(text: string): string {
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === "object" && typeof (parsed as { error?: unknown }).error === "string") {
      return (parsed as { error: string }).error;
    }
  } catch {
    // Not JSON: the text itself, shortened.
  }
  return text.slice(0, 200);
}

function statusCode(status: number): LibSqlAdminErrorCode {
  if (status === 401 || status === 403) return "LIBSQL_AUTH";
  if (status === 404) return "LIBSQL_DATABASE_NOT_FOUND";
  if (status === 409) return "LIBSQL_DATABASE_EXISTS";
  if (status >= 502 && status <= 504) return "LIBSQL_NETWORK";
  return "LIBSQL_REMOTE_ERROR";
}

/** The system error code under a failed `fetch` (ECONNREFUSED, ENOTFOUND, …), if any. */
function causeOf(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
  if (cause && typeof cause.code === "string") return cause.code;
  if (cause && typeof cause.message === "string") return cause.message;
  return error instanceof Error ? error.message : String(error);
}

/** Sends `request`; resolves with a 2xx answer, rejects with a `LibSqlAdminError` otherwise. */
export async function send(endpoint: AdminEndpoint, request: AdminRequest): Promise<AdminReply> {
  const url = new URL(request.path.replace(/^\//, ""), endpoint.baseUrl);
  const where = `${url.origin}${url.pathname}`;
  const headers: Record<string, string> = { accept: "application/json" };
  const authorization = endpoint.authorization();
  if (authorization !== undefined) headers.authorization = authorization;
  if (request.body !== undefined) headers["content-type"] = "application/json";
  let response: Response;
  let text: string;
  try {
    response = await fetch(url, {
      method: request.method,
      headers,
      body: request.body === undefined ? undefined : JSON.stringify(request.body),
      signal: AbortSignal.timeout(endpoint.timeoutMs),
    });
    text = await response.text();
  } catch (error) {
    if ((error as { name?: unknown }).name === "TimeoutError") {
      throw new LibSqlAdminError(
        "LIBSQL_TIMEOUT",
        `${request.what}: ${where} did not answer within ${endpoint.timeoutMs} ms (timeoutMs)`,
      );
    }
    throw new LibSqlAdminError("LIBSQL_NETWORK", `${request.what}: cannot reach ${where}: ${causeOf(error)}`);
  }
  if (response.ok) {
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: response.status, json };
  }
  const reason = reasonOf(text);
  const code = endpoint.classify?.(response.status, reason) ?? statusCode(response.status);
  const detail = reason ? `HTTP ${response.status}: ${reason}` : `HTTP ${response.status}`;
  throw new LibSqlAdminError(code, `${request.what}: ${where} refused (${detail})`, response.status);
}

/** A base URL with a final slash, so that relative paths resolve under it; refuses a bad one. */
export function baseUrl(value: unknown, option: string): URL {
  let url: URL;
  try {
    url = new URL(String(value));
  } catch {
    throw new LibSqlAdminError("LIBSQL_INVALID_ARGUMENT", `${option} must be an http(s) URL`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new LibSqlAdminError("LIBSQL_INVALID_ARGUMENT", `${option} must be an http(s) URL, not ${url.protocol}`);
  }
  if (url.username || url.password) {
    throw new LibSqlAdminError("LIBSQL_INVALID_ARGUMENT", `${option} must not carry credentials; give them apart`);
  }
  if (!url.pathname.endsWith("/")) url.pathname += "/";
  return url;
}

/** A positive timeout in milliseconds (default 30000). */
export function timeoutOf(value: number | undefined): number {
  if (value === undefined) return 30_000;
  if (!Number.isInteger(value) || value <= 0) {
    throw new LibSqlAdminError("LIBSQL_INVALID_ARGUMENT", `timeoutMs must be a positive integer, got ${String(value)}`);
  }
  return value;
}
