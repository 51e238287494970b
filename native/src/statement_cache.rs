//! The bounded per-connection cache of prepared statements that one-off `execute` calls reuse,
//! keyed by SQL text.

use std::collections::{HashMap, VecDeque};

/// A small least-recently-inserted cache of prepared statements keyed by SQL text.
pub struct StatementCache {
    capacity: usize,
    items: HashMap<String, libsql::Statement>,
    order: VecDeque<String>,
}

impl StatementCache {
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity,
            items: HashMap::new(),
            order: VecDeque::new(),
        }
    }

    /// Takes a cached statement out (it is put back after use).
    pub fn take(&mut self, sql: &str) -> Option<libsql::Statement> {
        self.items.remove(sql)
    }

    pub fn put(&mut self, sql: &str, stmt: libsql::Statement) {
        if self.capacity == 0 {
            return;
        }
        if !self.order.iter().any(|s| s == sql) {
            self.order.push_back(sql.to_owned());
        }
        self.items.insert(sql.to_owned(), stmt);
        while self.order.len() > self.capacity {
            if let Some(old) = self.order.pop_front() {
                if let Some(mut stmt) = self.items.remove(&old) {
                    stmt.finalize();
                }
            }
        }
    }

    pub fn clear(&mut self) {
        for (_, mut stmt) in self.items.drain() {
            stmt.finalize();
        }
        self.order.clear();
    }
}
