//! The bounded per-connection cache of prepared statements that one-off `execute` calls reuse,
//! keyed by SQL text: one cache, which the inline path and the off-thread path both look
//! statements up in and add to (`get_or_prepare`). Each entry keeps what the local engine and the
//! inline path know about its statement (its raw handle, its kind and its shape, see `inline`).
//! Integer literals in value positions are seen through (`literals`): the key is the statement
//! with them as parameters.

use std::collections::{HashMap, VecDeque};
use std::future::Future;

use crate::errors::Result;
use crate::inline::InlineInfo;
use crate::literals::Shapes;

/// A cached statement and what the inline path knows about it.
pub struct Cached {
    pub stmt: libsql::Statement,
    pub inline: InlineInfo,
}

/// A small least-recently-inserted cache of prepared statements keyed by SQL text.
pub struct StatementCache {
    capacity: usize,
    items: HashMap<String, Cached>,
    order: VecDeque<String>,
    /// The shapes whose literals this connection binds as parameters.
    pub literals: Shapes,
}

impl StatementCache {
    /// A cache of `capacity` statements; `literals`: whether integer literals are seen through
    /// (pointless without a cache).
    pub fn new(capacity: usize, literals: bool) -> Self {
        Self {
            capacity,
            items: HashMap::new(),
            order: VecDeque::new(),
            literals: Shapes::new(literals && capacity > 0),
        }
    }

    pub fn capacity(&self) -> usize {
        self.capacity
    }

    pub fn contains(&self, sql: &str) -> bool {
        self.items.contains_key(sql)
    }

    pub fn get_mut(&mut self, sql: &str) -> Option<&mut Cached> {
        self.items.get_mut(sql)
    }

    /// The statement cached for `sql`, made by `prepare` and cached if there is none yet
    /// (`prepare` is a future, run only then). `Ok(None)` when the cache keeps nothing (a capacity
    /// of 0), without preparing.
    pub async fn get_or_prepare(
        &mut self,
        sql: &str,
        prepare: impl Future<Output = Result<Cached>>,
    ) -> Result<Option<&mut Cached>> {
        if self.capacity == 0 {
            return Ok(None);
        }
        if !self.items.contains_key(sql) {
            let cached = prepare.await?;
            return Ok(self.insert(sql, cached));
        }
        Ok(self.items.get_mut(sql))
    }

    /// Caches a statement (replacing one with the same SQL) and returns it; the oldest entries go
    /// once the cache is full. With a capacity of 0 nothing is kept and `None` is returned.
    pub fn insert(&mut self, sql: &str, cached: Cached) -> Option<&mut Cached> {
        if self.capacity == 0 {
            let mut cached = cached;
            cached.stmt.finalize();
            return None;
        }
        if let Some(mut old) = self.items.insert(sql.to_owned(), cached) {
            old.stmt.finalize();
        } else {
            self.order.push_back(sql.to_owned());
        }
        while self.order.len() > self.capacity {
            if let Some(oldest) = self.order.pop_front() {
                if let Some(mut old) = self.items.remove(&oldest) {
                    old.stmt.finalize();
                }
            }
        }
        self.items.get_mut(sql)
    }

    pub fn clear(&mut self) {
        for (_, mut cached) in self.items.drain() {
            cached.stmt.finalize();
        }
        self.order.clear();
    }
}
