//! Handle registries: JavaScript holds plain numeric ids; the objects they name live here.
//!
//! A registry is a map from id to `Arc<T>` behind a short-lived lock. Callers clone the `Arc` out
//! and drop the lock at once, so no registry lock is ever held across an `.await`. Ids are never
//! reused within a process, so a stale id from a closed handle can never reach a newer object.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

use parking_lot::Mutex;

use crate::errors::{LibError, Result};

pub struct Registry<T> {
    kind: &'static str,
    next_id: AtomicU32,
    items: Mutex<HashMap<u32, Arc<T>>>,
}

impl<T> Registry<T> {
    pub fn new(kind: &'static str) -> Self {
        Self {
            kind,
            next_id: AtomicU32::new(1),
            items: Mutex::new(HashMap::new()),
        }
    }

    /// Stores `item` and returns its new id.
    pub fn insert(&self, item: T) -> Result<u32> {
        let id = self.reserve()?;
        self.insert_with_id(id, item);
        Ok(id)
    }

    /// Takes a fresh id for an item that will be stored with `insert_with_id`.
    pub fn reserve(&self) -> Result<u32> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        if id == u32::MAX {
            return Err(LibError::new(
                crate::errors::codes::INTERNAL,
                format!("{} ids are exhausted", self.kind),
            ));
        }
        Ok(id)
    }

    /// Stores `item` under an id from `reserve`.
    pub fn insert_with_id(&self, id: u32, item: T) {
        self.items.lock().insert(id, Arc::new(item));
    }

    pub fn get(&self, id: u32) -> Result<Arc<T>> {
        self.items
            .lock()
            .get(&id)
            .cloned()
            .ok_or_else(|| LibError::invalid_handle(self.kind, id))
    }

    pub fn remove(&self, id: u32) -> Result<Arc<T>> {
        self.items
            .lock()
            .remove(&id)
            .ok_or_else(|| LibError::invalid_handle(self.kind, id))
    }

    /// Removes and returns every item for which `pred` holds.
    pub fn remove_where(&self, pred: impl Fn(&T) -> bool) -> Vec<(u32, Arc<T>)> {
        let mut items = self.items.lock();
        let ids: Vec<u32> = items
            .iter()
            .filter(|(_, item)| pred(item))
            .map(|(id, _)| *id)
            .collect();
        ids.into_iter()
            .filter_map(|id| items.remove(&id).map(|item| (id, item)))
            .collect()
    }

    pub fn len(&self) -> usize {
        self.items.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_stale_ids_fail() {
        let reg: Registry<&str> = Registry::new("thing");
        let a = reg.insert("a").unwrap();
        let b = reg.insert("b").unwrap();
        assert_ne!(a, b);
        assert_eq!(*reg.get(a).unwrap(), "a");
        reg.remove(a).unwrap();
        let err = reg.get(a).unwrap_err();
        assert_eq!(err.code, "LIBSQL_INVALID_HANDLE");
        assert!(reg.remove(a).is_err());
        let c = reg.insert("c").unwrap();
        assert_ne!(c, a, "ids are never reused");
    }

    #[test]
    fn remove_where_takes_matching_items() {
        let reg: Registry<u32> = Registry::new("n");
        for n in 0..10 {
            reg.insert(n).unwrap();
        }
        let removed = reg.remove_where(|n| n % 2 == 0);
        assert_eq!(removed.len(), 5);
        assert_eq!(reg.len(), 5);
    }
}
