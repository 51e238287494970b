//! Measured cost: how long a statement (or a transaction-control operation) took the last times it
//! ran, inline or off the thread, and the rule that decides from it where it runs next.
//!
//! - A read runs inline unless its history says it takes at least the budget: a read can be
//!   stopped at the budget and run again off the thread, so trying costs at most the budget.
//! - A write, COMMIT, ROLLBACK or savepoint operation cannot be stopped part-way (an interrupted
//!   write inside a transaction rolls the whole transaction back), so it runs inline only once
//!   its history says it takes at most half the budget. Its first run is off the thread.
//!
//! The estimate follows a long run at once (a sample at or over the estimate replaces it) and
//! decays towards shorter runs by a quarter per run, so a statement that is sometimes long stays
//! off the thread for a few runs after each long one.

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
    fn writes_need_half_the_budget() {
        let mut cost = Cost::default();
        cost.record(us(600));
        assert!(cost.read_fits(1000));
        assert!(!cost.unstoppable_fits(1000));
    }
}
