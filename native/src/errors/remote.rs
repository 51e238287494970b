//! Errors reported by servers: a remote database (Hrana over HTTP) or the primary of an embedded
//! replica (gRPC write delegation and replication), turned into stable codes.
//!
//! - SQLite failures keep SQLite's extended codes. Over Hrana the server sends only the primary
//!   name (`SQLITE_CONSTRAINT`), so the extended code is read from SQLite's message ("UNIQUE
//!   constraint failed: …" is `SQLITE_CONSTRAINT_UNIQUE`); `refine_remote_unique` then asks the
//!   server whether the columns were the primary key. Write delegation sends the extended code.
//! - A refused token (HTTP 401 / 403, gRPC `Unauthenticated` / `PermissionDenied`) is
//!   `LIBSQL_AUTH`; HTTP 404 (every server has the Hrana endpoints, so the database itself, an sqld
//!   namespace or a Turso database, is missing) is `LIBSQL_DATABASE_NOT_FOUND`; a server that cannot be reached, or a connection that broke, is
//!   `LIBSQL_NETWORK`; anything else from the protocol is `LIBSQL_REMOTE_ERROR` (replication:
//!   `LIBSQL_SYNC_ERROR`).
//!
//! The libsql crate reports these failures as text (its Hrana and tonic error types are private or
//! boxed); the formats parsed here are those of the vendored libsql 0.9.30 and are covered by the
//! tests below and by the test suite against a real sqld.

use super::text::{json_error_field, unquote_debug};
use super::{codes, redact, sqlite_code_from_name, sqlite_code_name, LibError};

const SQLITE_ERROR: i32 = 1;
const SQLITE_CONSTRAINT: i32 = 19;
const SQLITE_NOTADB: i32 = 26;
const SQLITE_CONSTRAINT_UNIQUE: i32 = 2067;
const SQLITE_CONSTRAINT_PRIMARYKEY: i32 = 1555;
const SQLITE_CONSTRAINT_ROWID: i32 = 2579;

fn server_error(code: &str, message: String) -> LibError {
    LibError::new(code, message).from_server()
}

fn sqlite_error(raw: i32, message: &str) -> LibError {
    LibError::sqlite(raw, message).from_server()
}

/// An error of a remote connection (libsql's `Error::Hrana`, whose text is that of its
/// `HranaError`).
pub(super) fn hrana(text: &str) -> LibError {
    let text = redact(text);
    if let Some(rest) = text.strip_prefix("stream error: `") {
        // Debug of the protocol's error: Error { message: "…", code: "…" }
        let message = rest
            .split_once("message: \"")
            .and_then(|(_, tail)| unquote_debug(tail));
        let code = rest
            .split_once("code: \"")
            .and_then(|(_, tail)| tail.split_once('"'))
            .map(|(code, _)| code);
        if let (Some((message, _)), Some(code)) = (message, code) {
            return statement_error(code, &message);
        }
    } else if let Some(rest) = text.strip_prefix("cursor error: `") {
        // error at step N: (error code: CODE) `message``
        if let Some((_, tail)) = rest.split_once("(error code: ") {
            if let Some((code, message)) = tail.split_once(") `") {
                let message = message.strip_suffix("``").unwrap_or(message);
                return statement_error(code, message);
            }
        }
        // The response was cut short: the connection broke while the server was answering.
        let detail = rest.strip_suffix('`').unwrap_or(rest);
        if detail.contains("body") || detail.contains("ended prematurely") || detail.contains("EOF")
        {
            return server_error(
                codes::NETWORK,
                format!("the connection to the server broke while it answered: {detail}"),
            );
        }
        return server_error(codes::REMOTE, format!("unexpected cursor reply: {detail}"));
    } else if let Some(rest) = text.strip_prefix("api error: `status=") {
        let rest = rest.strip_suffix('`').unwrap_or(rest);
        let (status, body) = rest.split_once(", body=").unwrap_or((rest, ""));
        return http_status(status, body);
    } else if let Some(rest) = text.strip_prefix("http error: `") {
        let detail = rest.strip_suffix('`').unwrap_or(rest);
        return server_error(codes::NETWORK, format!("cannot reach the server: {detail}"));
    }
    server_error(codes::REMOTE, text)
}

/// A statement the server refused: `code` is a Hrana error code (`SQLITE_*` names, or the
/// server's own such as `SQL_INPUT_ERROR`).
fn statement_error(code: &str, message: &str) -> LibError {
    let message = message
        .strip_prefix("SQLite error: ")
        .or_else(|| message.strip_prefix("SQL input error: "))
        .unwrap_or(message);
    match code {
        "SQLITE_CONSTRAINT" => sqlite_error(constraint_code(message), message),
        // rusqlite names SQLite's generic SQLITE_ERROR "unknown"; the server's own parser and
        // SQLite's prepare step report syntax errors, which SQLite calls SQLITE_ERROR.
        "SQLITE_UNKNOWN" | "SQL_INPUT_ERROR" | "SQL_PARSE_ERROR" => {
            sqlite_error(SQLITE_ERROR, message)
        }
        "ARGS_INVALID" | "ARGS_BOTH_POSITIONAL_AND_NAMED" => {
            server_error(codes::INVALID_PARAM, message.to_owned())
        }
        _ => match sqlite_code_from_name(code) {
            Some(raw) => sqlite_error(raw, message),
            None => server_error(codes::REMOTE, format!("{message} (server code {code})")),
        },
    }
}

/// The extended constraint code SQLite gives the failure its message describes.
fn constraint_code(message: &str) -> i32 {
    const BY_PREFIX: &[(&str, i32)] = &[
        ("UNIQUE constraint failed", SQLITE_CONSTRAINT_UNIQUE),
        ("NOT NULL constraint failed", 1299),
        ("CHECK constraint failed", 275),
        ("FOREIGN KEY constraint failed", 787),
        ("cannot store ", 3091),
    ];
    BY_PREFIX
        .iter()
        .find(|(prefix, _)| message.starts_with(prefix))
        .map_or(SQLITE_CONSTRAINT, |(_, code)| *code)
}

/// A request the server answered with an HTTP error status.
fn http_status(status: &str, body: &str) -> LibError {
    let number: u16 = status
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    let reason = json_error_field(body).unwrap_or_else(|| body.chars().take(200).collect());
    let detail = if reason.is_empty() {
        format!("HTTP {status}")
    } else {
        format!("HTTP {status}: {reason}")
    };
    match number {
        401 | 403 => server_error(
            codes::AUTH,
            format!("the server refused the credentials ({detail})"),
        ),
        404 => server_error(
            codes::DATABASE_NOT_FOUND,
            format!("the server has no such database ({detail})"),
        ),
        502..=504 => server_error(
            codes::NETWORK,
            format!("the server is unavailable ({detail})"),
        ),
        _ => server_error(
            codes::REMOTE,
            format!("the server refused the request ({detail})"),
        ),
    }
}

/// An error of a write an embedded replica delegated to its primary (a gRPC status).
pub(super) fn write_delegation(text: &str) -> LibError {
    grpc(text, codes::REMOTE)
}

/// A failure of an embedded replica's replication from its primary.
pub(super) fn replication(text: &str) -> LibError {
    let text = redact(text);
    if text.contains("Timeout performing handshake with primary") {
        // libsql retries the handshake three times and then drops the cause, so a server that is
        // down and one that refused the token look the same here.
        return server_error(
            codes::SYNC,
            "the replication handshake with the primary failed (the server is unreachable or refused the auth token)"
                .to_owned(),
        );
    }
    if let Some(error) = replica_file_refused(&text) {
        return error;
    }
    grpc(&text, codes::SYNC)
}

/// The replica's own file did not open (a wrong or missing encryption key): SQLite's code, as
/// for a local file, rather than a replication failure.
fn replica_file_refused(text: &str) -> Option<LibError> {
    text.contains("Injector error: SQLite error: file is not a database")
        .then(|| {
            LibError::sqlite(
                SQLITE_NOTADB,
                "the embedded replica's file is not a database this key opens: the encryption \
                 key is wrong or missing, or the file is not a database",
            )
        })
}

/// A failure of libsql's sync protocol.
pub(super) fn sync(text: &str) -> LibError {
    let text = redact(text);
    if let Some(error) = replica_file_refused(&text) {
        return error;
    }
    if text.contains("Unauthorized")
        || text.contains("HTTP error 401")
        || text.contains("HTTP error 403")
    {
        return server_error(
            codes::AUTH,
            format!("sync: the server refused the credentials: {text}"),
        );
    }
    if text.contains("error trying to connect") {
        return server_error(
            codes::NETWORK,
            format!("sync: cannot reach the server: {text}"),
        );
    }
    server_error(codes::SYNC, format!("sync: {text}"))
}

/// A gRPC status (tonic's `status: Code, message: "…", details: …, metadata: …`); `otherwise` is
/// the code for statuses that are neither auth nor network failures.
fn grpc(text: &str, otherwise: &str) -> LibError {
    let text = redact(text);
    let Some((before, rest)) = text.split_once("status: ") else {
        return server_error(otherwise, text);
    };
    let status: String = rest
        .chars()
        .take_while(char::is_ascii_alphanumeric)
        .collect();
    let message = rest
        .split_once("message: \"")
        .and_then(|(_, tail)| unquote_debug(tail))
        .map_or_else(String::new, |(message, _)| message);
    let lead = before.trim_end_matches([' ', ':']);
    let lead = if lead.is_empty() {
        String::new()
    } else {
        format!("{lead}: ")
    };
    // sqld answers every failure of a delegated statement (even "no such table") with
    // PermissionDenied; only its auth layer's messages are about credentials.
    let refused = status == "Unauthenticated"
        || (status == "PermissionDenied"
            && ["Authorization forbidden", "AuthError", "Unauthorized"]
                .iter()
                .any(|word| message.contains(word)));
    if status == "PermissionDenied" && !refused {
        let raw = if message.contains("constraint failed") {
            constraint_code(&message)
        } else {
            SQLITE_ERROR
        };
        return sqlite_error(raw, &format!("{lead}{message}"));
    }
    match status.as_str() {
        _ if refused => server_error(
            codes::AUTH,
            format!("{lead}the primary refused the credentials ({status}): {message}"),
        ),
        "Unavailable" | "DeadlineExceeded" | "Cancelled" => server_error(
            codes::NETWORK,
            format!("{lead}cannot reach the primary ({status}): {message}"),
        ),
        _ => server_error(otherwise, format!("{lead}{status}: {message}")),
    }
}

/// The table and columns of a "UNIQUE constraint failed: t.a, t.b" message.
fn unique_target(message: &str) -> Option<(&str, Vec<&str>)> {
    let list = message.strip_prefix("UNIQUE constraint failed: ")?;
    let list = list.split(" (at ").next().unwrap_or(list);
    let mut table = None;
    let mut columns = Vec::new();
    for item in list.split(", ") {
        let (t, column) = item.split_once('.')?;
        if *table.get_or_insert(t) != t {
            return None;
        }
        columns.push(column);
    }
    Some((table?, columns))
}

/// A remote UNIQUE failure that hit the table's primary key (or rowid) is
/// `SQLITE_CONSTRAINT_PRIMARYKEY` (`SQLITE_CONSTRAINT_ROWID`), as on a local database; the server
/// sends the same message for both, so this asks it which columns form the primary key. Any
/// other error, or a lookup that fails, is returned unchanged.
pub async fn refine_remote_unique(conn: &libsql::Connection, err: LibError) -> LibError {
    if !err.remote || err.raw_code != Some(SQLITE_CONSTRAINT_UNIQUE) {
        return err;
    }
    let Some((table, columns)) = unique_target(&err.message) else {
        return err;
    };
    let Ok(mut rows) = conn
        .query("SELECT name, pk FROM pragma_table_info(?1)", [table])
        .await
    else {
        return err;
    };
    let mut key: Vec<(i64, String)> = Vec::new();
    let mut has_rowid_column = false;
    while let Ok(Some(row)) = rows.next().await {
        let (Ok(name), Ok(position)) = (row.get::<String>(0), row.get::<i64>(1)) else {
            return err;
        };
        has_rowid_column |= name.eq_ignore_ascii_case("rowid");
        if position > 0 {
            key.push((position, name));
        }
    }
    key.sort();
    let is_key = !key.is_empty()
        && key.len() == columns.len()
        && key
            .iter()
            .zip(&columns)
            .all(|((_, name), column)| name == column);
    let raw = if is_key {
        SQLITE_CONSTRAINT_PRIMARYKEY
    } else if columns == ["rowid"] && !has_rowid_column {
        SQLITE_CONSTRAINT_ROWID
    } else {
        return err;
    };
    LibError {
        code: sqlite_code_name(raw).to_owned(),
        raw_code: Some(raw),
        ..err
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_statement_errors_of_both_hrana_endpoints() {
        let err = hrana(
            "cursor error: `error at step 0: (error code: SQLITE_CONSTRAINT) `SQLite error: UNIQUE constraint failed: p.u``",
        );
        assert_eq!(
            (err.code.as_str(), err.raw_code, err.message.as_str()),
            (
                "SQLITE_CONSTRAINT_UNIQUE",
                Some(2067),
                "UNIQUE constraint failed: p.u"
            )
        );
        assert!(err.remote);
        let err = hrana(
            r#"stream error: `Error { message: "SQLite error: NOT NULL constraint failed: p.n", code: "SQLITE_CONSTRAINT" }`"#,
        );
        assert_eq!(err.code, "SQLITE_CONSTRAINT_NOTNULL");
        let err = hrana(
            r#"stream error: `Error { message: "SQLite error: no such table: \"x\"", code: "SQLITE_UNKNOWN" }`"#,
        );
        assert_eq!(
            (err.code.as_str(), err.message.as_str()),
            ("SQLITE_ERROR", "no such table: \"x\"")
        );
        let err = hrana(
            r#"stream error: `Error { message: "SQL input error: near \"selec\": syntax error (at offset 0)", code: "SQL_INPUT_ERROR" }`"#,
        );
        assert_eq!(err.code, "SQLITE_ERROR");
        let err = hrana(
            r#"stream error: `Error { message: "Transaction timed out", code: "TRANSACTION_TIMEOUT" }`"#,
        );
        assert_eq!(err.code, codes::REMOTE);
        assert!(err.message.contains("TRANSACTION_TIMEOUT"));
    }

    #[test]
    fn maps_every_constraint_message() {
        for (message, code) in [
            ("UNIQUE constraint failed: t.a", 2067),
            ("NOT NULL constraint failed: t.a", 1299),
            ("CHECK constraint failed: a > 0", 275),
            ("FOREIGN KEY constraint failed", 787),
            ("cannot store TEXT value in INTEGER column t.a", 3091),
            ("constraint failed", 19),
        ] {
            assert_eq!(constraint_code(message), code, "{message}");
        }
    }

    #[test]
    fn tells_auth_from_network_failures() {
        let err = hrana(
            r#"api error: `status=401 Unauthorized, body={"error":"Unauthorized: `The JWT has expired`"}`"#,
        );
        assert_eq!(err.code, codes::AUTH);
        assert!(
            err.message.contains("The JWT has expired"),
            "{}",
            err.message
        );
        let err =
            hrana(r#"api error: `status=403 Forbidden, body={"error":"Authorization forbidden"}`"#);
        assert_eq!(err.code, codes::AUTH);
        let err = hrana(
            r#"api error: `status=404 Not Found, body={"error":"Namespace `acme` doesn't exist"}`"#,
        );
        assert_eq!(err.code, codes::DATABASE_NOT_FOUND);
        assert!(err.message.contains("`acme`"), "{}", err.message);
        assert_eq!(
            hrana("api error: `status=400 Bad Request, body=`").code,
            codes::REMOTE
        );
        assert_eq!(
            hrana("api error: `status=503 Service Unavailable, body=`").code,
            codes::NETWORK
        );
        let err = hrana("http error: `error trying to connect: tcp connect error: Connection refused (os error 111)`");
        assert_eq!(err.code, codes::NETWORK);
        assert!(err.message.contains("Connection refused"));
        let err = hrana("cursor error: `error reading a body from connection: unexpected EOF during chunk size line`");
        assert_eq!(err.code, codes::NETWORK);
    }

    #[test]
    fn reads_grpc_statuses_without_their_metadata() {
        let err = write_delegation(
            r#"status: PermissionDenied, message: "Authorization forbidden: no Write permission", details: [], metadata: MetadataMap { headers: {"date": "x"} }"#,
        );
        assert_eq!(err.code, codes::AUTH);
        assert!(!err.message.contains("metadata"), "{}", err.message);
        assert!(err.message.contains("Authorization forbidden"));
        let err = write_delegation(
            r#"status: Unavailable, message: "error trying to connect: tcp connect error", details: [], metadata: MetadataMap { headers: {} }"#,
        );
        assert_eq!(err.code, codes::NETWORK);
        // sqld reports any failure of a delegated statement as PermissionDenied.
        let err = write_delegation(
            r#"status: PermissionDenied, message: "foreign key mismatch - \"t\" referencing \"u\"", details: []"#,
        );
        assert_eq!(
            (err.code.as_str(), err.message.as_str()),
            (
                "SQLITE_ERROR",
                "foreign key mismatch - \"t\" referencing \"u\""
            )
        );
        let err = replication(
            r#"Replicator client error: status: Unauthenticated, message: "AuthError: The JWT is invalid", details: []"#,
        );
        assert_eq!(err.code, codes::AUTH);
        assert!(
            err.message.starts_with("Replicator client error: "),
            "{}",
            err.message
        );
        assert_eq!(
            replication("Timeout performing handshake with primary").code,
            codes::SYNC
        );
        assert_eq!(sync("Unauthorized").code, codes::AUTH);
        let wrong_key = replication(
            "Injector error: SQLite error: file is not a database (at http://127.0.0.1:1)",
        );
        assert_eq!(
            (wrong_key.code.as_str(), wrong_key.raw_code),
            ("SQLITE_NOTADB", Some(26))
        );
    }

    #[test]
    fn finds_the_target_of_a_unique_failure() {
        assert_eq!(
            unique_target("UNIQUE constraint failed: t.a, t.b (at http://x)"),
            Some(("t", vec!["a", "b"]))
        );
        assert_eq!(unique_target("UNIQUE constraint failed: t.a, u.b"), None);
        assert_eq!(unique_target("NOT NULL constraint failed: t.a"), None);
    }
}
