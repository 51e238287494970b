/**
 * What a database URL or path names: `:memory:`, a local file (resolved to an absolute path) or a
 * remote server. This is the only place a location is classified; the native core is handed the
 * result and never parses a URL itself.
 */
import * as path from "path";

export type TargetKind = "memory" | "file" | "remote";

export interface Target {
  kind: TargetKind;
  /** What the native core opens: the absolute path of a file, or the remote URL as given. */
  location: string;
  /** A secret-free description of the database (TypeORM's `database`, error messages). */
  description: string;
}

/** URL schemes of a remote libSQL server. */
const REMOTE_SCHEMES = ["libsql://", "https://", "http://", "wss://", "ws://"];

/** Strips credentials and query strings from a remote URL so it can be shown. */
export function describeRemoteUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname === "/" ? "" : parsed.pathname}`;
  } catch {
    return url.split(/[?#]/)[0].replace(/\/\/[^@/]*@/, "//");
  }
}

/**
 * Classifies a URL or path; a string result says why it cannot be opened. `file:///abs` and
 * `file://localhost/abs` name absolute paths, `file:rel` a path relative to the working directory.
 */
export function classifyTarget(location: string): Target | string {
  const trimmed = location.trim();
  if (trimmed === "") return 'a database url or path is required (use ":memory:" for an in-memory database)';
  if (trimmed === ":memory:" || trimmed === "file::memory:") {
    return { kind: "memory", location: ":memory:", description: ":memory:" };
  }
  const lower = trimmed.toLowerCase();
  if (REMOTE_SCHEMES.some((scheme) => lower.startsWith(scheme))) {
    return { kind: "remote", location: trimmed, description: describeRemoteUrl(trimmed) };
  }
  let filePath = trimmed;
  if (lower.startsWith("file:")) {
    const rest = trimmed.slice("file:".length);
    if (rest.includes("?")) return "file: URLs with query parameters are not supported; use the options instead";
    filePath = rest.startsWith("//") ? rest.slice(2).replace(/^localhost/, "") : rest;
    if (filePath === "") return "the file: URL names no path";
  } else if (lower.includes("://")) {
    return `unsupported URL scheme "${lower.split("://")[0]}": use a path, file:, libsql://, https:// or http://`;
  }
  return { kind: "file", location: path.resolve(filePath), description: filePath };
}
