//! Values: the SQL values that cross the boundary, parameter sets, result sets, and the integer
//! modes that decide how a 64-bit SQLite INTEGER becomes a JavaScript value.
//!
//! Conversion to and from JavaScript lives in `node::convert`; this module holds the plain Rust
//! side, which the native tests exercise without Node.

use libsql::Value;

use crate::errors::{codes, LibError, Result};

/// How INTEGER values are returned to JavaScript.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum IntMode {
    /// A JavaScript number; an integer outside ±(2^53 - 1) is an error, never a rounded value.
    #[default]
    Number,
    /// Always a BigInt.
    BigInt,
    /// Always a decimal string.
    String,
}

impl IntMode {
    pub fn parse(text: &str) -> Result<Self> {
        match text {
            "number" => Ok(IntMode::Number),
            "bigint" => Ok(IntMode::BigInt),
            "string" => Ok(IntMode::String),
            other => Err(LibError::invalid_argument(format!(
                "intMode must be \"number\", \"bigint\" or \"string\", not {other:?}"
            ))),
        }
    }
}

/// Reads one column of a row. (TEXT holding NUL or invalid UTF-8 is handled by the vendored
/// libsql patch, see `native/vendor/PATCHES.md`.)
pub fn read_value(row: &libsql::Row, index: i32) -> Result<Value> {
    row.get_value(index).map_err(LibError::from)
}

/// The largest integer a JavaScript number holds exactly.
pub const MAX_SAFE_INTEGER: i64 = (1 << 53) - 1;

pub fn is_safe_integer(value: i64) -> bool {
    (-MAX_SAFE_INTEGER..=MAX_SAFE_INTEGER).contains(&value)
}

/// Parameters of one statement, as the caller gave them.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum Params {
    #[default]
    None,
    /// By position: `?`, `?NNN`, or any named placeholder by its index.
    Positional(Vec<Value>),
    /// By name: keys with or without their `:`, `@` or `$` prefix.
    Named(Vec<(String, Value)>),
}

/// The placeholders a prepared statement declares: `names[i]` is the name of parameter `i + 1`
/// (`None` for a bare `?`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParamSlots {
    pub names: Vec<Option<String>>,
}

/// Turns the caller's parameters into one value per placeholder, in order. Every placeholder must
/// get a value and every value must find a placeholder: a mismatch is an error, never a silent
/// NULL.
pub fn resolve_params(slots: &ParamSlots, params: Params) -> Result<Vec<Value>> {
    let expected = slots.names.len();
    match params {
        Params::None if expected == 0 => Ok(Vec::new()),
        Params::None => Err(LibError::new(
            codes::PARAM_COUNT,
            format!("the statement expects {expected} parameter(s) but none were given"),
        )),
        Params::Positional(values) => {
            if values.len() != expected {
                return Err(LibError::new(
                    codes::PARAM_COUNT,
                    format!(
                        "the statement expects {expected} parameter(s) but {} were given",
                        values.len()
                    ),
                ));
            }
            Ok(values)
        }
        Params::Named(values) => {
            let mut named: Vec<(String, Option<Value>)> = values
                .into_iter()
                .map(|(key, value)| (strip_prefix(&key).to_owned(), Some(value)))
                .collect();
            let mut out = Vec::with_capacity(expected);
            for (index, slot) in slots.names.iter().enumerate() {
                let Some(name) = slot else {
                    return Err(LibError::new(
                        codes::MISSING_PARAM,
                        format!(
                            "parameter {} is a positional placeholder, but the parameters were given by name",
                            index + 1
                        ),
                    ));
                };
                if name.starts_with('?') {
                    return Err(LibError::new(
                        codes::MISSING_PARAM,
                        format!(
                            "parameter {name} is a numbered placeholder, but the parameters were given by name"
                        ),
                    ));
                }
                let key = strip_prefix(name);
                let found = named
                    .iter_mut()
                    .find(|(k, _)| k == key)
                    .and_then(|(_, value)| value.take());
                match found {
                    Some(value) => out.push(value),
                    None => {
                        // The same name may appear in several slots only if SQLite merged them;
                        // it does, so a second miss means the caller left it out.
                        return Err(LibError::new(
                            codes::MISSING_PARAM,
                            format!("no value was given for the named parameter {name}"),
                        ));
                    }
                }
            }
            if let Some((key, _)) = named.iter().find(|(_, value)| value.is_some()) {
                return Err(LibError::new(
                    codes::INVALID_PARAM,
                    format!("the statement has no parameter named {key:?}"),
                ));
            }
            Ok(out)
        }
    }
}

/// For remote connections, whose statements do not report placeholder names: named keys get a
/// `:` prefix when they have none.
pub fn into_libsql_params(params: Params) -> libsql::params::Params {
    match params {
        Params::None => libsql::params::Params::None,
        Params::Positional(values) => libsql::params::Params::Positional(values),
        Params::Named(values) => libsql::params::Params::Named(
            values
                .into_iter()
                .map(|(key, value)| {
                    if key.starts_with([':', '@', '$']) {
                        (key, value)
                    } else {
                        (format!(":{key}"), value)
                    }
                })
                .collect(),
        ),
    }
}

fn strip_prefix(name: &str) -> &str {
    name.strip_prefix([':', '@', '$']).unwrap_or(name)
}

/// The result of one statement.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct QueryResult {
    pub columns: Vec<String>,
    pub column_types: Vec<Option<String>>,
    pub rows: Vec<Vec<Value>>,
    pub rows_affected: u64,
    pub last_insert_rowid: Option<i64>,
}

/// In number mode, refuses a result holding an integer that a JavaScript number cannot represent.
pub fn check_int_mode(columns: &[String], rows: &[Vec<Value>], mode: IntMode) -> Result<()> {
    if mode != IntMode::Number {
        return Ok(());
    }
    for row in rows {
        for (index, value) in row.iter().enumerate() {
            if let Value::Integer(n) = value {
                if !is_safe_integer(*n) {
                    return Err(unsafe_integer(columns.get(index).map(String::as_str), *n));
                }
            }
        }
    }
    Ok(())
}

pub fn unsafe_integer(column: Option<&str>, value: i64) -> LibError {
    let place = column
        .map(|c| format!(" in column {c:?}"))
        .unwrap_or_default();
    LibError::new(
        codes::INTEGER_OVERFLOW,
        format!(
            "the integer {value}{place} does not fit a JavaScript number without losing precision; use intMode \"bigint\" or \"string\""
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slots(names: &[Option<&str>]) -> ParamSlots {
        ParamSlots {
            names: names.iter().map(|n| n.map(str::to_owned)).collect(),
        }
    }

    #[test]
    fn positional_counts_must_match() {
        let s = slots(&[None, None]);
        assert!(resolve_params(&s, Params::Positional(vec![Value::Integer(1)])).is_err());
        let ok =
            resolve_params(&s, Params::Positional(vec![Value::Integer(1), Value::Null])).unwrap();
        assert_eq!(ok.len(), 2);
        assert_eq!(
            resolve_params(&s, Params::None).unwrap_err().code,
            codes::PARAM_COUNT
        );
    }

    #[test]
    fn named_keys_match_any_prefix() {
        let s = slots(&[Some(":a"), Some("@b"), Some("$c")]);
        let out = resolve_params(
            &s,
            Params::Named(vec![
                ("c".into(), Value::Integer(3)),
                (":a".into(), Value::Integer(1)),
                ("b".into(), Value::Integer(2)),
            ]),
        )
        .unwrap();
        assert_eq!(
            out,
            vec![Value::Integer(1), Value::Integer(2), Value::Integer(3)]
        );
    }

    #[test]
    fn named_errors_are_explicit() {
        let s = slots(&[Some(":a")]);
        let missing = resolve_params(&s, Params::Named(vec![])).unwrap_err();
        assert_eq!(missing.code, codes::MISSING_PARAM);
        let extra = resolve_params(
            &s,
            Params::Named(vec![("a".into(), Value::Null), ("zzz".into(), Value::Null)]),
        )
        .unwrap_err();
        assert_eq!(extra.code, codes::INVALID_PARAM);
        let positional = resolve_params(&slots(&[None]), Params::Named(vec![])).unwrap_err();
        assert_eq!(positional.code, codes::MISSING_PARAM);
    }

    #[test]
    fn number_mode_refuses_unsafe_integers() {
        let cols = vec!["n".to_owned()];
        let safe = vec![vec![Value::Integer(MAX_SAFE_INTEGER)]];
        assert!(check_int_mode(&cols, &safe, IntMode::Number).is_ok());
        let unsafe_rows = vec![vec![Value::Integer(MAX_SAFE_INTEGER + 1)]];
        let err = check_int_mode(&cols, &unsafe_rows, IntMode::Number).unwrap_err();
        assert_eq!(err.code, codes::INTEGER_OVERFLOW);
        assert!(check_int_mode(&cols, &unsafe_rows, IntMode::BigInt).is_ok());
        assert!(IntMode::parse("float").is_err());
    }
}
