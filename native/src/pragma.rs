//! Pragmas and identifiers: validation of the SQL identifiers we interpolate (savepoint, pragma
//! and schema names), `PRAGMA` with a safely rendered value, and loading extensions.

use crate::connection::CONNECTIONS;
use crate::errors::{codes, LibError, Result};
use crate::exec::ExecOptions;
use crate::query::execute;
use crate::values::{Params, QueryResult};

/// Validates an SQL identifier we must interpolate (savepoint, pragma, schema names).
pub fn validate_identifier(kind: &str, name: &str) -> Result<()> {
    let mut chars = name.chars();
    let valid_start = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    if valid_start && name.len() <= 128 && chars.all(|c| c.is_ascii_alphanumeric() || c == '_') {
        Ok(())
    } else {
        Err(LibError::new(
            codes::INVALID_IDENTIFIER,
            format!(
                "invalid {kind} name {name:?}: use letters, digits and underscores, starting with a letter or underscore (at most 128 characters)"
            ),
        ))
    }
}

/// Runs `PRAGMA name` or `PRAGMA name = value`. The name is validated; the value must be an
/// integer, a real, or a bare keyword/identifier (strings are quoted).
pub async fn pragma(
    conn_id: u32,
    name: String,
    value: Option<PragmaValue>,
    options: ExecOptions,
) -> Result<QueryResult> {
    let (schema, pragma_name) = match name.split_once('.') {
        Some((schema, pragma_name)) => (Some(schema), pragma_name),
        None => (None, name.as_str()),
    };
    if let Some(schema) = schema {
        validate_identifier("schema", schema)?;
    }
    validate_identifier("pragma", pragma_name)?;
    let sets_autocheckpoint =
        value.is_some() && pragma_name.eq_ignore_ascii_case("wal_autocheckpoint");
    let sets_busy_timeout = value.is_some() && pragma_name.eq_ignore_ascii_case("busy_timeout");
    let mut sql = format!("PRAGMA {name}");
    if let Some(value) = value {
        sql.push_str(" = ");
        sql.push_str(&value.to_sql()?);
    }
    let result = execute(
        conn_id,
        sql,
        Params::None,
        ExecOptions {
            no_cache: true,
            ..options
        },
    )
    .await?;
    if sets_autocheckpoint {
        keep_wal_hook(conn_id, &result).await?;
    }
    if sets_busy_timeout {
        keep_busy_timeout(conn_id, &result)?;
    }
    Ok(result)
}

/// `PRAGMA busy_timeout = N` changes the connection's busy timeout: record it, since the inline
/// path sets it to 0 for its own attempts and back to the recorded value afterwards.
fn keep_busy_timeout(conn_id: u32, result: &QueryResult) -> Result<()> {
    if let Some(libsql::Value::Integer(ms)) = result.rows.first().and_then(|row| row.first()) {
        let ms = u32::try_from(*ms).unwrap_or(0);
        CONNECTIONS
            .get(conn_id)?
            .busy_timeout_ms
            .store(ms, std::sync::atomic::Ordering::Relaxed);
    }
    Ok(())
}

/// `PRAGMA wal_autocheckpoint = N` replaces a connection's WAL hook with SQLite's own: put ours
/// back (see `raw::WalHook`) with the new threshold, which the pragma returns.
async fn keep_wal_hook(conn_id: u32, result: &QueryResult) -> Result<()> {
    let conn = CONNECTIONS.get(conn_id)?;
    let (Some(raw), crate::open::Mode::Local) = (conn.raw, conn.database.mode) else {
        return Ok(());
    };
    let pages = match result.rows.first().and_then(|row| row.first()) {
        Some(libsql::Value::Integer(n)) => u32::try_from(*n).unwrap_or(0),
        _ => return Ok(()),
    };
    let _state = conn.ops.lock().await;
    conn.inline
        .wal
        .pages
        .store(pages, std::sync::atomic::Ordering::Relaxed);
    raw.install_wal_hook(&conn.inline.wal);
    Ok(())
}

#[derive(Debug, Clone, PartialEq)]
pub enum PragmaValue {
    Integer(i64),
    Real(f64),
    Text(String),
}

impl PragmaValue {
    fn to_sql(&self) -> Result<String> {
        match self {
            PragmaValue::Integer(n) => Ok(n.to_string()),
            PragmaValue::Real(f) if f.is_finite() => Ok(f.to_string()),
            PragmaValue::Real(_) => Err(LibError::invalid_argument(
                "a pragma value must be a finite number",
            )),
            PragmaValue::Text(text) => {
                if validate_identifier("pragma value", text).is_ok() {
                    Ok(text.clone())
                } else {
                    Ok(format!("'{}'", text.replace('\'', "''")))
                }
            }
        }
    }
}

/// Loads an SQLite extension (local and replica databases only). Extension loading is enabled only
/// for the duration of the call.
pub async fn load_extension(conn_id: u32, path: String, entry_point: Option<String>) -> Result<()> {
    let conn = CONNECTIONS.get(conn_id)?;
    if conn.database.mode.is_remote() {
        return Err(LibError::unsupported(
            "extensions can only be loaded into local databases and embedded replicas",
        ));
    }
    let _state = conn.ops.lock().await;
    conn.conn.load_extension_enable().map_err(LibError::from)?;
    let loaded = conn
        .conn
        .load_extension(&path, entry_point.as_deref())
        .map(|_| ())
        .map_err(LibError::from);
    let disabled = conn.conn.load_extension_disable().map_err(LibError::from);
    loaded?;
    disabled
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validates_identifiers() {
        assert!(validate_identifier("savepoint", "typeorm_1").is_ok());
        assert!(validate_identifier("savepoint", "_x").is_ok());
        for bad in ["", "1a", "a b", "a;DROP TABLE t", "a\"", "é"] {
            assert!(validate_identifier("savepoint", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn quotes_pragma_values() {
        assert_eq!(PragmaValue::Integer(5).to_sql().unwrap(), "5");
        assert_eq!(PragmaValue::Text("WAL".into()).to_sql().unwrap(), "WAL");
        assert_eq!(
            PragmaValue::Text("it's".into()).to_sql().unwrap(),
            "'it''s'"
        );
        assert!(PragmaValue::Real(f64::NAN).to_sql().is_err());
    }
}
