//! The configuration `open` takes never shows its secrets when debug-printed.

use typeorm_libsql_native::network::Timeouts;
use typeorm_libsql_native::open::{OpenConfig, ReplicaTarget, Target};

#[test]
fn debug_never_shows_secrets() {
    for target in [
        Target::Remote {
            url: "libsql://x".into(),
            auth_token: Some("SECRET-TOKEN".into()),
            timeouts: Timeouts::default(),
        },
        Target::File {
            path: "/tmp/x.db".into(),
            encryption_key: Some("SECRET-KEY".into()),
        },
        Target::Replica(ReplicaTarget {
            path: "/tmp/x.db".into(),
            sync_url: "libsql://x".into(),
            auth_token: Some("SECRET-TOKEN".into()),
            sync_interval_ms: None,
            read_your_writes: None,
            encryption_key: Some("SECRET-KEY".into()),
            timeouts: Timeouts::default(),
        }),
    ] {
        let config = OpenConfig {
            target,
            busy_timeout_ms: 5000,
            statement_cache_size: 64,
            inline_budget_ms: 1,
            normalise_literals: true,
        };
        let text = format!("{config:?}");
        assert!(!text.contains("SECRET"), "{text}");
    }
}
