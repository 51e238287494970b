//! Patched for typeorm-libsql: a replica's write delegated to the primary while the connection is
//! inside a transaction runs only if the primary's side of the connection is still inside it.
//!
//! The primary keeps a replica connection's transaction by the client's id. If the primary
//! restarts meanwhile, it no longer knows that transaction, and upstream then ran the next
//! statement of the transaction in autocommit mode: applied on its own, outside the transaction
//! that the application would go on to roll back. Here such a program gets a first step that runs
//! only if the primary's connection is *not* in autocommit mode, and every other step runs only if
//! that one did; when it did not, nothing ran and the call fails with `TransactionLost`.

use libsql_replication::rpc::proxy::{
    cond, query::Params, query_result, AndCond, Cond, ExecuteResults, IsAutocommitCond, NotCond,
    OkCond, Positional, Query, Step,
};

tokio::task_local! {
    /// Whether the connection sending the current program believes it is inside a transaction.
    pub(crate) static IN_TRANSACTION: bool;
}

/// The primary no longer has the transaction this connection was in.
#[derive(Debug)]
pub(crate) struct TransactionLost;

impl std::fmt::Display for TransactionLost {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(
            "the primary no longer has this connection's transaction (it restarted or dropped \
             it); nothing was run: roll the transaction back",
        )
    }
}

impl std::error::Error for TransactionLost {}

/// Whether the program being built is sent from inside a transaction.
pub(crate) fn guarding() -> bool {
    IN_TRANSACTION.try_with(|inside| *inside).unwrap_or(false)
}

fn ok(step: i64) -> Cond {
    Cond {
        cond: Some(cond::Cond::Ok(OkCond { step })),
    }
}

/// Moves every step a condition names one step on (for the guard step put in front).
fn shifted(cond: Cond) -> Cond {
    let inner = cond.cond.map(|c| match c {
        cond::Cond::Ok(OkCond { step }) => cond::Cond::Ok(OkCond { step: step + 1 }),
        cond::Cond::Err(mut err) => {
            err.step += 1;
            cond::Cond::Err(err)
        }
        cond::Cond::Not(not) => cond::Cond::Not(Box::new(NotCond {
            cond: not.cond.map(|c| Box::new(shifted(*c))),
        })),
        cond::Cond::And(and) => cond::Cond::And(AndCond {
            conds: and.conds.into_iter().map(shifted).collect(),
        }),
        cond::Cond::Or(mut or) => {
            or.conds = or.conds.into_iter().map(shifted).collect();
            cond::Cond::Or(or)
        }
        other => other,
    });
    Cond { cond: inner }
}

/// `steps` behind the guard step.
pub(crate) fn guard(steps: Vec<Step>) -> Vec<Step> {
    let not_autocommit = Cond {
        cond: Some(cond::Cond::Not(Box::new(NotCond {
            cond: Some(Box::new(Cond {
                cond: Some(cond::Cond::IsAutocommit(IsAutocommitCond {})),
            })),
        }))),
    };
    let mut guarded = Vec::with_capacity(steps.len() + 1);
    guarded.push(Step {
        cond: Some(not_autocommit),
        query: Some(Query {
            stmt: "SELECT 1".to_owned(),
            params: Some(Params::Positional(Positional::default())),
            ..Default::default()
        }),
    });
    for step in steps {
        let cond = match step.cond {
            None => ok(0),
            Some(cond) => Cond {
                cond: Some(cond::Cond::And(AndCond {
                    conds: vec![ok(0), shifted(cond)],
                })),
            },
        };
        guarded.push(Step {
            cond: Some(cond),
            query: step.query,
        });
    }
    guarded
}

/// The results of the guarded steps, or `TransactionLost` if the guard step did not run.
pub(crate) fn unguard(mut results: ExecuteResults) -> anyhow::Result<ExecuteResults> {
    // A step that did not run comes back as an empty result; the guard, when it ran, has its row.
    let ran = results.results.first().is_some_and(|first| {
        matches!(&first.row_result, Some(query_result::RowResult::Row(rows)) if !rows.rows.is_empty())
    });
    if !ran {
        return Err(TransactionLost.into());
    }
    results.results.remove(0);
    Ok(results)
}
