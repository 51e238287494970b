//! Measured cost: how long a statement (or a transaction-control operation) took the last times it
//! ran, inline or off the thread, and the rule that decides from it where it runs next.
//!
//! - A read runs inline unless its history says it takes at least the budget: a read can be
//!   stopped at the budget and run again off the thread, so trying costs at most the budget.
//! - A write, COMMIT, ROLLBACK or savepoint operation cannot be stopped part-way (an interrupted
//!   write inside a transaction rolls the whole transaction back), so it runs inline only once
//!   its history says it takes at most half the budget. Its first run is off the thread.
//!
//! Costs are kept per statement *shape*: the SQL text with its literals taken out
//! (`fingerprint`), because ORMs such as TypeORM write numbers into the SQL (`WHERE "id" = 368`),
//! which makes nearly every statement's text new while its cost stays the same.
//!
//! The estimate follows a long run at once (a sample at or over the estimate replaces it) and
//! decays towards shorter runs by a quarter per run, so a statement that is sometimes long stays
//! off the thread for a few runs after each long one.

use std::collections::HashMap;
use std::time::Duration;

/// The estimated cost of one kind of run, in microseconds (`None` until it has run once).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Cost(Option<u32>);

impl Cost {
    pub fn record(&mut self, took: Duration) {
        let sample = u32::try_from(took.as_micros()).unwrap_or(u32::MAX);
        self.0 = Some(match self.0 {
            Some(old) if sample < old => old - (old - sample) / 4,
            _ => sample,
        });
    }

    pub fn estimate_us(self) -> Option<u32> {
        self.0
    }

    /// Whether a read with this history should be tried inline under `budget_us`.
    pub fn read_fits(self, budget_us: u32) -> bool {
        self.0.is_none_or(|cost| cost < budget_us)
    }

    /// Whether work that cannot be stopped should run inline under `budget_us`.
    pub fn unstoppable_fits(self, budget_us: u32) -> bool {
        self.0
            .is_some_and(|cost| cost.saturating_mul(2) <= budget_us)
    }
}

/// A statement's history, kept apart for autocommit runs (which include their commit) and runs
/// inside a transaction.
#[derive(Debug, Default, Clone, Copy)]
pub struct History {
    pub autocommit: Cost,
    pub in_transaction: Cost,
}

impl History {
    pub fn get(&self, autocommit: bool) -> Cost {
        if autocommit {
            self.autocommit
        } else {
            self.in_transaction
        }
    }

    pub fn record(&mut self, autocommit: bool, took: Duration) {
        if autocommit {
            self.autocommit.record(took);
        } else {
            self.in_transaction.record(took);
        }
    }
}

/// Statements longer than this are never fingerprinted (nor run inline): scanning them would cost
/// more than a hand-off, and they are rarely short.
pub const MAX_FINGERPRINT_LEN: usize = 16 * 1024;

/// The shape of a statement: an FNV-1a hash of its SQL with number and string literals replaced
/// by one placeholder each (quoted identifiers, comments and everything else kept as they are).
pub fn fingerprint(sql: &str) -> u64 {
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |b: u8| {
        h ^= u64::from(b);
        h = h.wrapping_mul(PRIME);
    };
    let bytes = sql.as_bytes();
    let mut i = 0;
    let mut prev = b' ';
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            b'\'' => {
                // A string literal ('' escapes a quote): one placeholder.
                i += 1;
                while i < bytes.len() {
                    if bytes[i] == b'\'' {
                        if bytes.get(i + 1) == Some(&b'\'') {
                            i += 2;
                            continue;
                        }
                        break;
                    }
                    i += 1;
                }
                eat(b'?');
                prev = b'?';
                i += 1;
            }
            b'"' | b'`' | b'[' => {
                // A quoted identifier: kept.
                let close = if b == b'[' { b']' } else { b };
                eat(b);
                i += 1;
                while i < bytes.len() && bytes[i] != close {
                    eat(bytes[i]);
                    i += 1;
                }
                if i < bytes.len() {
                    eat(close);
                }
                prev = close;
                i += 1;
            }
            b'0'..=b'9' if !(prev.is_ascii_alphanumeric() || prev == b'_' || prev == b'$') => {
                // A number (digits, a point, an exponent, hex digits): one placeholder.
                while i < bytes.len()
                    && (bytes[i].is_ascii_alphanumeric()
                        || bytes[i] == b'.'
                        || ((bytes[i] == b'+' || bytes[i] == b'-')
                            && matches!(bytes[i - 1], b'e' | b'E')))
                {
                    i += 1;
                }
                eat(b'?');
                prev = b'?';
            }
            _ => {
                eat(b);
                prev = b;
                i += 1;
            }
        }
    }
    h
}

/// The histories of a connection's statements, by fingerprint (bounded: emptied when full).
#[derive(Debug, Default)]
pub struct Histories {
    map: HashMap<u64, History>,
}

/// Shapes remembered per connection.
const MAX_SHAPES: usize = 512;

impl Histories {
    pub fn get(&self, fingerprint: u64) -> History {
        self.map.get(&fingerprint).copied().unwrap_or_default()
    }

    pub fn record(&mut self, fingerprint: u64, autocommit: bool, took: Duration) {
        if self.map.len() >= MAX_SHAPES && !self.map.contains_key(&fingerprint) {
            self.map.clear();
        }
        self.map
            .entry(fingerprint)
            .or_default()
            .record(autocommit, took);
    }
}

/// The history of a connection's transaction-control operations.
#[derive(Debug, Default, Clone, Copy)]
pub struct ControlCosts {
    pub commit: Cost,
    pub rollback: Cost,
    pub savepoint: Cost,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn us(n: u64) -> Duration {
        Duration::from_micros(n)
    }

    #[test]
    fn unknown_reads_are_tried_and_unknown_writes_are_not() {
        let cost = Cost::default();
        assert!(cost.read_fits(1000));
        assert!(!cost.unstoppable_fits(1000));
    }

    #[test]
    fn follows_a_long_run_at_once_and_decays_slowly() {
        let mut cost = Cost::default();
        cost.record(us(100));
        assert!(cost.read_fits(1000));
        assert!(cost.unstoppable_fits(1000));
        cost.record(us(8000));
        assert_eq!(cost.estimate_us(), Some(8000));
        assert!(!cost.read_fits(1000));
        let mut runs = 0;
        while !cost.read_fits(1000) {
            cost.record(us(50));
            runs += 1;
        }
        assert!(runs >= 5, "decayed after {runs} runs");
    }

    #[test]
    fn statements_differing_only_in_literals_share_a_fingerprint() {
        let a = fingerprint(r#"UPDATE "author" SET "score" = 0 WHERE "id" = 368"#);
        let b = fingerprint(r#"UPDATE "author" SET "score" = -1 WHERE "id" = 1249"#);
        let c = fingerprint(r#"UPDATE "author" SET "score" = 'x' WHERE "id" = 1.5e3"#);
        assert_eq!(fingerprint("SELECT 1"), fingerprint("SELECT 22"));
        assert_eq!(fingerprint("SELECT 'a''b'"), fingerprint("SELECT 'c'"));
        assert_ne!(
            a,
            fingerprint(r#"UPDATE "author" SET "name" = 0 WHERE "id" = 368"#)
        );
        assert_ne!(
            fingerprint("SELECT t1.x FROM t1"),
            fingerprint("SELECT t2.x FROM t2")
        );
        assert_ne!(fingerprint(r#"SELECT "a1""#), fingerprint(r#"SELECT "a2""#));
        // A string or a number in the same place is the same shape.
        assert_eq!(a, c);
        // `-1` keeps its sign as an operator; only the digits are a literal.
        assert_ne!(a, b);
        assert_eq!(fingerprint("SELECT -1"), fingerprint("SELECT -2"));
    }

    #[test]
    fn writes_need_half_the_budget() {
        let mut cost = Cost::default();
        cost.record(us(600));
        assert!(cost.read_fits(1000));
        assert!(!cost.unstoppable_fits(1000));
    }
}
