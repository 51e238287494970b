//! The configuration `open` takes from JavaScript, and its conversion to the core's `OpenConfig`.
//! TypeScript builds it (`src/options/open.ts`): the location is already classified, the options
//! are checked against each other and every default is filled in, so nothing here validates.

use napi_derive::napi;

use crate::network::Timeouts;
use crate::open::{OpenConfig, ReplicaTarget, Target};

/// Where the database lives, as `src/options` classified it.
#[napi(
    discriminant = "kind",
    discriminant_case = "lowercase",
    object_to_js = false
)]
pub enum OpenTarget {
    Memory,
    /// A local database file (an absolute path).
    File {
        path: String,
        encryption_key: Option<String>,
    },
    /// A libSQL server.
    Remote {
        url: String,
        auth_token: Option<String>,
        /// Milliseconds to open a connection to the server (none: no limit).
        connect_timeout_ms: Option<u32>,
        /// Milliseconds one call may wait for the server's answer (none: no limit).
        request_timeout_ms: Option<u32>,
    },
    /// A local file kept in sync with a remote primary.
    Replica {
        path: String,
        sync_url: String,
        auth_token: Option<String>,
        /// Milliseconds between automatic syncs (at least 1).
        sync_interval_ms: Option<u32>,
        read_your_writes: Option<bool>,
        encryption_key: Option<String>,
        /// Milliseconds to open a connection to the primary (none: no limit).
        connect_timeout_ms: Option<u32>,
        /// Milliseconds one sync may wait for the primary (none: no limit).
        request_timeout_ms: Option<u32>,
    },
}

/// What `open` takes: where the database is, and the settings of each of its connections.
#[napi(object, object_to_js = false, js_name = "OpenConfig")]
pub struct JsOpenConfig {
    pub target: OpenTarget,
    /// Milliseconds each local connection waits for a lock before `SQLITE_BUSY`.
    pub busy_timeout_ms: u32,
    /// Prepared statements cached per connection (0: no cache).
    pub statement_cache_size: u32,
    /// Milliseconds one statement may run inline on the JavaScript thread (0: never).
    pub inline_budget_ms: u32,
    /// Whether the statement cache sees through integer literals (default true; local only).
    pub normalise_literals: Option<bool>,
}

impl From<JsOpenConfig> for OpenConfig {
    fn from(config: JsOpenConfig) -> Self {
        let target = match config.target {
            OpenTarget::Memory => Target::Memory,
            OpenTarget::File {
                path,
                encryption_key,
            } => Target::File {
                path,
                encryption_key,
            },
            OpenTarget::Remote {
                url,
                auth_token,
                connect_timeout_ms,
                request_timeout_ms,
            } => Target::Remote {
                url,
                auth_token,
                timeouts: timeouts(connect_timeout_ms, request_timeout_ms),
            },
            OpenTarget::Replica {
                path,
                sync_url,
                auth_token,
                sync_interval_ms,
                read_your_writes,
                encryption_key,
                connect_timeout_ms,
                request_timeout_ms,
            } => Target::Replica(ReplicaTarget {
                path,
                sync_url,
                auth_token,
                sync_interval_ms,
                read_your_writes,
                encryption_key,
                timeouts: timeouts(connect_timeout_ms, request_timeout_ms),
            }),
        };
        OpenConfig {
            target,
            busy_timeout_ms: config.busy_timeout_ms,
            statement_cache_size: config.statement_cache_size,
            inline_budget_ms: config.inline_budget_ms,
            normalise_literals: config.normalise_literals.unwrap_or(true),
        }
    }
}

fn timeouts(connect_ms: Option<u32>, request_ms: Option<u32>) -> Timeouts {
    Timeouts {
        connect_ms,
        request_ms,
    }
}
