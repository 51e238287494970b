//! Schema freshness: every connection answers schema introspection from the current schema, even
//! after DDL on another connection, another database handle or another process.
//!
//! SQLite keeps a copy of the schema per connection and checks it against the database (the
//! schema cookie) only when a statement opens a read transaction on that database. The
//! introspection pragmas `index_list`, `index_info`, `index_xinfo` and `foreign_key_list` open
//! none when the object they name is missing from the copy, so a connection that loaded the schema
//! before another one created a table or an index answers "no such index" from it. Before such a
//! pragma (`introspected_schema` recognises them by their text), `refresh` runs one statement that
//! reads each database's `sqlite_schema`, which checks the cookie and reloads a stale copy. Every
//! other statement is left alone: reading a table or running DDL checks the cookie already.

use crate::connection::Conn;
use crate::errors::{LibError, Result};
use crate::sql::skip_noise;

/// The pragmas that read the connection's copy of the schema (SQLite 3.45). `table_info`,
/// `table_xinfo` and `table_list` check the cookie themselves in 3.45, but are kept here so that
/// a change of SQLite's code generation cannot bring the problem back.
const INTROSPECTION_PRAGMAS: [&str; 7] = [
    "index_list",
    "index_info",
    "index_xinfo",
    "foreign_key_list",
    "table_info",
    "table_xinfo",
    "table_list",
];

/// Which databases an introspection pragma looks in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Every attached database (`PRAGMA index_list(t)` searches them all).
    All,
    /// One database (`PRAGMA "other".index_list(t)`).
    Schema(String),
}

/// Reads one identifier (bare, or quoted with `"…"`, `[…]` or `` `…` ``); returns it unquoted
/// with the rest of the text.
fn identifier(text: &str) -> Option<(String, &str)> {
    let mut chars = text.char_indices();
    let (_, first) = chars.next()?;
    let close = match first {
        '"' => '"',
        '`' => '`',
        '[' => ']',
        c if c.is_ascii_alphanumeric() || c == '_' => {
            let end = text
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '$'))
                .unwrap_or(text.len());
            return Some((text[..end].to_owned(), &text[end..]));
        }
        _ => return None,
    };
    let mut name = String::new();
    while let Some((index, c)) = chars.next() {
        if c == close {
            // A doubled closing quote stands for itself (not in `[…]`).
            if close != ']' && text[index + 1..].starts_with(close) {
                chars.next();
                name.push(c);
                continue;
            }
            return Some((name, &text[index + 1..]));
        }
        name.push(c);
    }
    None
}

/// Whether SQL is an introspection pragma that may answer from a stale copy of the schema, and
/// which databases it looks in. Costs a glance at the first keyword for any other statement.
pub fn introspected_schema(sql: &str) -> Option<Scope> {
    // The common case first: a statement that opens with another keyword.
    let first = sql.bytes().find(|b| !b.is_ascii_whitespace())?;
    if !matches!(first, b'p' | b'P' | b'-' | b'/') {
        return None;
    }
    let rest = skip_noise(sql);
    let keyword = rest.get(..6)?;
    if !keyword.eq_ignore_ascii_case("pragma") {
        return None;
    }
    let rest = skip_noise(&rest[6..]);
    let (first, after) = identifier(rest)?;
    let after = skip_noise(after);
    let (schema, name) = match after.strip_prefix('.') {
        Some(tail) => (Some(first), identifier(skip_noise(tail))?.0),
        None => (None, first),
    };
    if !INTROSPECTION_PRAGMAS
        .iter()
        .any(|pragma| pragma.eq_ignore_ascii_case(&name))
    {
        return None;
    }
    Some(schema.map_or(Scope::All, Scope::Schema))
}

fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// The names of the databases attached to the connection, `main` first; `temp` is left out (it
/// belongs to the connection, so its copy is never stale).
async fn databases(conn: &Conn) -> Result<Vec<String>> {
    let mut rows = conn
        .conn
        .query("PRAGMA database_list", ())
        .await
        .map_err(LibError::from)?;
    let mut names = Vec::new();
    while let Some(row) = rows.next().await.map_err(LibError::from)? {
        let name: String = row.get(1).map_err(LibError::from)?;
        if !name.eq_ignore_ascii_case("temp") {
            names.push(name);
        }
    }
    Ok(names)
}

/// Brings the connection's copy of the schema of the databases in `scope` up to date. Remote
/// connections have no local copy; the caller holds the connection's operation lock.
pub async fn refresh(conn: &Conn, scope: &Scope) -> Result<()> {
    if conn.database.mode.is_remote() {
        return Ok(());
    }
    let names = match scope {
        Scope::Schema(name) if name.eq_ignore_ascii_case("temp") => return Ok(()),
        Scope::Schema(name) => vec![name.clone()],
        Scope::All => databases(conn).await?,
    };
    // Reading sqlite_schema opens a read transaction on each database, which checks its schema
    // cookie and, if another connection changed the schema, reloads this connection's copy.
    let sql = names
        .iter()
        .map(|name| format!("SELECT 1 FROM {}.sqlite_schema", quote(name)))
        .collect::<Vec<_>>()
        .join(" UNION ALL ")
        + " LIMIT 0";
    let mut rows = conn.conn.query(&sql, ()).await.map_err(LibError::from)?;
    while rows.next().await.map_err(LibError::from)?.is_some() {}
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_introspection_pragmas_and_their_schema() {
        for (sql, scope) in [
            (r#"PRAGMA index_list("child")"#, Scope::All),
            ("pragma INDEX_INFO('x')", Scope::All),
            ("  -- note\n/* c */ PRAGMA foreign_key_list(t)", Scope::All),
            (r#"PRAGMA table_xinfo("t")"#, Scope::All),
            (
                r#"PRAGMA "other".index_list("t")"#,
                Scope::Schema("other".into()),
            ),
            (
                "PRAGMA [my db] . index_xinfo(i)",
                Scope::Schema("my db".into()),
            ),
            (
                r#"PRAGMA "a""b".table_info(t)"#,
                Scope::Schema("a\"b".into()),
            ),
            ("PRAGMA main.table_list", Scope::Schema("main".into())),
        ] {
            assert_eq!(introspected_schema(sql), Some(scope), "{sql}");
        }
    }

    #[test]
    fn leaves_other_statements_alone() {
        for sql in [
            "SELECT * FROM t",
            "INSERT INTO t VALUES (1)",
            "PRAGMA foreign_keys = ON",
            "PRAGMA journal_mode",
            "PRAGMA main.user_version",
            "PRAGMA",
            "PRAGMA \"unterminated",
            "PRAG",
            "",
            "-- PRAGMA index_list(t)",
        ] {
            assert_eq!(introspected_schema(sql), None, "{sql}");
        }
    }
}
