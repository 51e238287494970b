//! Integer literals seen through by the statement cache. TypeORM writes ids into its SQL
//! (`WHERE (("User"."id" = 1)) LIMIT 1`, relation loads `"id" IN (1, 2, …)`), so every call is new
//! text that SQLite parses and plans again. `normalise` finds the integer literals in value
//! positions and gives the statement with each replaced by `?`, plus the values to bind, so that
//! one prepared statement serves every id.
//!
//! A literal is replaced only where binding it cannot change what the statement means or returns:
//!
//! - in the statements that can have one (SELECT, WITH, INSERT, UPDATE, DELETE, REPLACE), never in
//!   DDL, PRAGMA, EXPLAIN or an upsert (`ON CONFLICT`, whose target must match an index as written);
//! - as the right operand of a comparison (`=`, `==`, `!=`, `<>`, `<`, `<=`, `>`, `>=`), a bound
//!   of `BETWEEN low AND high` (TypeORM's `Between`) or an element of an `IN (…)` list in WHERE,
//!   ON or HAVING, or as the operand of LIMIT and OFFSET (`LIMIT 10, 20` too), optionally after a
//!   unary minus, and followed by what ends an operand;
//! - as the whole right-hand side of an assignment in UPDATE's SET, or as a whole element of a row
//!   of VALUES: TypeORM writes the numbers it stores into its SQL too (`SET "score" = 77`,
//!   `VALUES (NULL, ?, ?, 1)`);
//! - never where any enclosing clause is a result-column list (the select list, RETURNING: the
//!   text names the column), ORDER BY or GROUP BY (a number there is a column position), a window
//!   or PARTITION BY;
//! - never inside a string, an identifier or a comment (the tokenizer skips them whole); never a
//!   number that is not plain decimal digits within i64 (hex, floats, exponents, 2^63 and beyond
//!   stay as written).
//!
//! Statements with placeholders other than bare `?` (`?NNN`, `:name`, `@name`, `$name`) are left
//! alone, so parameter numbering is never in question: the statement's own `?`s and the replaced
//! literals are numbered together in text order (`Normalised::bind`). So is text holding more than
//! one statement. The plan check (`plan`) then refuses a shape whose query plan changes once its
//! literals are parameters (a partial or expression index that matched the literal).

pub mod plan;
#[cfg(test)]
mod tests;

pub use plan::Shapes;

use libsql::Value;

/// A statement with its integer literals replaced by `?`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Normalised {
    /// The statement text with the literals replaced: the statement cache's key.
    pub sql: String,
    /// Every placeholder of `sql` in order: the caller's own `?` (`None`) or a replaced literal.
    pub slots: Vec<Option<i64>>,
    /// How many of the placeholders are the caller's own.
    pub own: usize,
}

impl Normalised {
    /// The values to bind to `sql`: the caller's `own` values and the literals in placeholder
    /// order. `None` when the caller gave a different number of values than the statement has
    /// placeholders (the original statement then runs and reports the mismatch as written).
    pub fn bind(&self, own: Vec<Value>) -> Option<Vec<Value>> {
        if own.len() != self.own {
            return None;
        }
        let mut own = own.into_iter();
        self.slots
            .iter()
            .map(|slot| match slot {
                Some(literal) => Some(Value::Integer(*literal)),
                None => own.next(),
            })
            .collect()
    }
}

/// One token of SQL text, as SQLite's tokenizer would cut it (what the rules here need of it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tok<'a> {
    /// A keyword or a bare identifier (upper-cased comparisons are done by the caller).
    Word(&'a str),
    /// A quoted identifier, a string or a blob literal: never looked into.
    Quoted,
    /// Plain decimal digits.
    Digits(&'a str),
    /// Any other number (hex, decimals, exponents) or a number run into letters.
    OtherNumber,
    /// A bare `?`.
    Param,
    /// `?NNN`, `:name`, `@name`, `$name`, `#name`.
    OtherParam,
    /// An operator or punctuation.
    Op(&'a str),
    /// `;`.
    End,
}

fn is_id_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || b >= 0x80
}

fn is_id_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b >= 0x80
}

/// Cuts `sql` into tokens with their byte offsets, skipping whitespace and comments. `None` for
/// text SQLite's tokenizer would refuse (an unterminated string or identifier, a stray byte).
fn tokens(sql: &str) -> Option<Vec<(usize, Tok<'_>)>> {
    let b = sql.as_bytes();
    let mut out = Vec::with_capacity(sql.len() / 4);
    let mut i = 0;
    while i < b.len() {
        let start = i;
        let c = b[i];
        let tok = match c {
            b' ' | b'\t' | b'\n' | b'\r' | 0x0c => {
                i += 1;
                continue;
            }
            b'-' if b.get(i + 1) == Some(&b'-') => {
                i = sql[i..].find('\n').map_or(b.len(), |n| i + n + 1);
                continue;
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i = sql[i + 2..].find("*/").map_or(b.len(), |n| i + 2 + n + 2);
                continue;
            }
            b'\'' | b'"' | b'`' => {
                i = quoted_end(b, i, c)?;
                Tok::Quoted
            }
            b'[' => {
                i = sql[i..].find(']').map(|n| i + n + 1)?;
                Tok::Quoted
            }
            b'x' | b'X' if b.get(i + 1) == Some(&b'\'') => {
                i = quoted_end(b, i + 1, b'\'')?;
                Tok::Quoted
            }
            b'0'..=b'9' => number(b, &mut i, sql),
            b'.' if b.get(i + 1).is_some_and(u8::is_ascii_digit) => number(b, &mut i, sql),
            b'?' => {
                i += 1;
                if b.get(i).is_some_and(u8::is_ascii_digit) {
                    while b.get(i).is_some_and(u8::is_ascii_digit) {
                        i += 1;
                    }
                    Tok::OtherParam
                } else {
                    Tok::Param
                }
            }
            b':' | b'@' | b'$' | b'#' => {
                i += 1;
                while b.get(i).is_some_and(|&c| is_id_char(c) || c == b':') {
                    i += 1;
                }
                Tok::OtherParam
            }
            b';' => {
                i += 1;
                Tok::End
            }
            c if is_id_start(c) => {
                while b.get(i).is_some_and(|&c| is_id_char(c)) {
                    i += 1;
                }
                Tok::Word(&sql[start..i])
            }
            _ => {
                let len = operator_len(&b[i..])?;
                i += len;
                Tok::Op(&sql[start..i])
            }
        };
        out.push((start, tok));
    }
    Some(out)
}

/// The end (exclusive) of a quoted run opened by `quote` at `from`, a doubled quote being one
/// quote character inside it.
fn quoted_end(b: &[u8], from: usize, quote: u8) -> Option<usize> {
    let mut i = from + 1;
    loop {
        match b.get(i) {
            None => return None,
            Some(&c) if c == quote => {
                if b.get(i + 1) == Some(&quote) {
                    i += 2;
                } else {
                    return Some(i + 1);
                }
            }
            Some(_) => i += 1,
        }
    }
}

fn number<'a>(b: &[u8], i: &mut usize, sql: &'a str) -> Tok<'a> {
    let start = *i;
    while b.get(*i).is_some_and(u8::is_ascii_digit) {
        *i += 1;
    }
    let plain = *i > start && !b.get(*i).is_some_and(|&c| c == b'.' || is_id_char(c));
    if plain {
        return Tok::Digits(&sql[start..*i]);
    }
    // Anything else SQLite reads as one number (or refuses): digits, letters, dots and an
    // exponent's sign, taken whole and never replaced.
    while let Some(&c) = b.get(*i) {
        let sign = (c == b'+' || c == b'-') && matches!(b[*i - 1], b'e' | b'E');
        if !(is_id_char(c) || c == b'.' || sign) {
            break;
        }
        *i += 1;
    }
    Tok::OtherNumber
}

fn operator_len(rest: &[u8]) -> Option<usize> {
    const TWO: [&[u8]; 10] = [
        b"==", b"!=", b"<>", b"<=", b">=", b"<<", b">>", b"||", b"->", b"|>",
    ];
    if rest.starts_with(b"->>") {
        return Some(3);
    }
    if TWO.iter().any(|op| rest.starts_with(op)) {
        return Some(2);
    }
    match rest.first()? {
        b'=' | b'<' | b'>' | b'+' | b'-' | b'*' | b'/' | b'%' | b'&' | b'|' | b'~' | b'('
        | b')' | b',' | b'.' => Some(1),
        _ => None,
    }
}

/// What the clause at one level of parentheses is, as far as literals are concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Clause {
    /// WHERE, ON, HAVING: comparisons here are value positions.
    Value,
    /// LIMIT, OFFSET.
    Limit,
    /// UPDATE's SET: a whole right-hand side of an assignment is a value.
    Assign,
    /// VALUES: its rows' elements are values (`row` levels), anything nested in them is not.
    Values,
    /// FROM, JOIN, set operations, the start of a statement: no value positions, but no harm below.
    Neutral,
    /// Result columns, ORDER BY, GROUP BY, windows: nothing inside may change.
    Blocked,
}

struct Level {
    clause: Clause,
    /// An `IN (…)` list (or subquery, which its SELECT then blocks or not).
    in_list: bool,
    /// One row of a VALUES list.
    row: bool,
}

const COMPARISONS: [&str; 8] = ["=", "==", "!=", "<>", "<", "<=", ">", ">="];
/// Words after which an operand has ended.
const ENDS_OPERAND: [&str; 22] = [
    "AND",
    "OR",
    "THEN",
    "WHEN",
    "ELSE",
    "END",
    "LIMIT",
    "OFFSET",
    "ORDER",
    "GROUP",
    "HAVING",
    "WINDOW",
    "UNION",
    "EXCEPT",
    "INTERSECT",
    "RETURNING",
    "WHERE",
    "JOIN",
    "LEFT",
    "INNER",
    "CROSS",
    "NATURAL",
];

/// `word` in upper case in `buf`, without an allocation; empty when longer than any keyword here.
fn keyword<'b>(word: &str, buf: &'b mut [u8; 10]) -> &'b [u8] {
    if word.len() > buf.len() {
        return &[];
    }
    for (slot, b) in buf.iter_mut().zip(word.bytes()) {
        *slot = b.to_ascii_uppercase();
    }
    &buf[..word.len()]
}

fn word_is(tok: Option<&Tok<'_>>, words: &[&str]) -> bool {
    matches!(tok, Some(Tok::Word(w)) if words.iter().any(|k| w.eq_ignore_ascii_case(k)))
}

fn op_is(tok: Option<&Tok<'_>>, ops: &[&str]) -> bool {
    matches!(tok, Some(Tok::Op(o)) if ops.contains(o))
}

/// The statement with its integer literals in value positions replaced by `?` (see the module
/// note), or `None` when there is none to replace or the statement is not one to touch.
pub fn normalise(sql: &str) -> Option<Normalised> {
    let toks = tokens(sql)?;
    match toks.first() {
        Some((_, Tok::Word(w)))
            if ["SELECT", "WITH", "INSERT", "UPDATE", "DELETE", "REPLACE"]
                .iter()
                .any(|k| w.eq_ignore_ascii_case(k)) => {}
        _ => return None,
    }
    let mut levels = vec![Level {
        clause: Clause::Neutral,
        in_list: false,
        row: false,
    }];
    let mut replaced: Vec<(usize, usize, i64)> = Vec::new();
    let mut slots: Vec<Option<i64>> = Vec::new();
    let mut own = 0;
    let mut ended = false;
    for (n, (at, tok)) in toks.iter().enumerate() {
        if ended {
            // More than one statement in the text.
            return None;
        }
        let prev = n.checked_sub(1).map(|p| &toks[p].1);
        let next = toks.get(n + 1).map(|t| &t.1);
        match tok {
            Tok::End => ended = true,
            Tok::OtherParam => return None,
            Tok::Param => {
                own += 1;
                slots.push(None);
            }
            Tok::Op("(") => {
                let parent = levels.last()?;
                // A row of VALUES, or something nested in one (a call, a subquery): neutral.
                let (clause, row) = match (parent.clause, parent.row) {
                    (Clause::Values, false) => (Clause::Values, true),
                    (Clause::Values, true) => (Clause::Neutral, false),
                    (clause, _) => (clause, false),
                };
                levels.push(Level {
                    clause,
                    in_list: word_is(prev, &["IN"]),
                    row,
                });
            }
            Tok::Op(")") => {
                if levels.len() < 2 {
                    return None;
                }
                levels.pop();
            }
            Tok::Word(w) => {
                let mut upper = [0u8; 10];
                let w = keyword(w, &mut upper);
                if w == b"CONFLICT" {
                    return None;
                }
                let in_limit = levels.last().is_some_and(|l| l.clause == Clause::Limit);
                let clause = match w {
                    // OFFSET may also name a column: it starts nothing outside a LIMIT clause.
                    b"OFFSET" if !in_limit => None,
                    b"SELECT" | b"RETURNING" | b"GROUP" | b"ORDER" | b"PARTITION" | b"WINDOW"
                    | b"OVER" => Some(Clause::Blocked),
                    b"WHERE" | b"ON" | b"HAVING" => Some(Clause::Value),
                    b"LIMIT" | b"OFFSET" => Some(Clause::Limit),
                    b"SET" => Some(Clause::Assign),
                    b"VALUES" => Some(Clause::Values),
                    b"FROM" | b"JOIN" | b"USING" | b"UNION" | b"EXCEPT" | b"INTERSECT" => {
                        Some(Clause::Neutral)
                    }
                    _ => None,
                };
                if let (Some(clause), Some(level)) = (clause, levels.last_mut()) {
                    level.clause = clause;
                }
            }
            Tok::Digits(digits) => {
                let Ok(value) = digits.parse::<i64>() else {
                    continue;
                };
                if literal_in_value_position(&levels, &toks, n, prev, next) {
                    replaced.push((*at, digits.len(), value));
                    slots.push(Some(value));
                }
            }
            _ => {}
        }
    }
    if replaced.is_empty() || levels.len() != 1 {
        return None;
    }
    let mut out = String::with_capacity(sql.len());
    let mut from = 0;
    for (at, len, _) in &replaced {
        out.push_str(&sql[from..*at]);
        out.push('?');
        from = at + len;
    }
    out.push_str(&sql[from..]);
    Some(Normalised {
        sql: out,
        slots,
        own,
    })
}

/// Whether the `AND` at token `and` closes `BETWEEN <integer>` (the low bound optionally negative),
/// so that the literal after it is the high bound.
fn between_low_ends_at(toks: &[(usize, Tok<'_>)], and: usize) -> bool {
    let at = |i: Option<usize>| i.and_then(|i| toks.get(i)).map(|t| &t.1);
    let low = and.checked_sub(1);
    if !matches!(at(low), Some(Tok::Digits(_))) {
        return false;
    }
    let mut word = low.and_then(|l| l.checked_sub(1));
    if op_is(at(word), &["-"]) {
        word = word.and_then(|w| w.checked_sub(1));
    }
    word_is(at(word), &["BETWEEN"])
}

/// Whether the literal at token `n` is in a value position (see the module note).
fn literal_in_value_position(
    levels: &[Level],
    toks: &[(usize, Tok<'_>)],
    n: usize,
    prev: Option<&Tok<'_>>,
    next: Option<&Tok<'_>>,
) -> bool {
    if levels.iter().any(|l| l.clause == Clause::Blocked) {
        return false;
    }
    let Some(level) = levels.last() else {
        return false;
    };
    // A unary minus belongs to the literal: look at what comes before it.
    let before_at = if op_is(prev, &["-"]) {
        n.checked_sub(2)
    } else {
        n.checked_sub(1)
    };
    let before = before_at.map(|p| &toks[p].1);
    let ends = next.is_none()
        || matches!(next, Some(Tok::End))
        || op_is(next, &[")"])
        || word_is(next, &ENDS_OPERAND);
    match level.clause {
        Clause::Value => {
            let compared = op_is(before, &COMPARISONS) && ends;
            let listed = level.in_list && op_is(before, &["(", ","]) && op_is(next, &[",", ")"]);
            // `BETWEEN low AND high`, each bound alone: low before the AND, high after it.
            let low = word_is(before, &["BETWEEN"]) && word_is(next, &["AND"]);
            let high = word_is(before, &["AND"])
                && ends
                && before_at.is_some_and(|and| between_low_ends_at(toks, and));
            compared || listed || low || high
        }
        Clause::Limit => {
            (word_is(before, &["LIMIT", "OFFSET"]) || op_is(before, &[","]))
                && (ends || op_is(next, &[","]))
        }
        // `SET a = 1, b = 2 WHERE …`: only a literal that is the whole right-hand side.
        Clause::Assign => {
            op_is(before, &["="])
                && (next.is_none()
                    || matches!(next, Some(Tok::End))
                    || op_is(next, &[","])
                    || word_is(next, &["WHERE", "FROM", "RETURNING"]))
        }
        // `VALUES (1, 'a', 2), (3, …)`: an element of a row on its own.
        Clause::Values => level.row && op_is(before, &["(", ","]) && op_is(next, &[",", ")"]),
        Clause::Neutral | Clause::Blocked => false,
    }
}
