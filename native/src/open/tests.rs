//! Unit tests of opening: why a database will not open, and the replica's offline start.

use super::*;

fn not_a_database() -> LibError {
    LibError::sqlite(26, "file is not a database")
}

fn file_target(path: &Path, key: Option<&str>) -> Target {
    Target::File {
        path: path.to_string_lossy().into_owned(),
        encryption_key: key.map(str::to_owned),
    }
}

#[test]
fn names_the_cause_of_a_file_that_cannot_be_opened() {
    let dir = tempfile::tempdir().unwrap();
    let reason = cannot_open_reason(dir.path()).unwrap();
    assert!(
        reason.starts_with("it is a directory, not a database file"),
        "{reason}"
    );
    let missing = dir.path().join("missing").join("app.db");
    let reason = cannot_open_reason(&missing).unwrap();
    assert!(
        reason.contains("does not exist; create it first"),
        "{reason}"
    );
    let file = dir.path().join("plain");
    std::fs::write(&file, b"x").unwrap();
    let through_file = file.join("app.db");
    let reason = cannot_open_reason(&through_file).unwrap();
    assert!(reason.contains("is a file, not a directory"), "{reason}");
    assert_eq!(cannot_open_reason(&file), None);
}

#[test]
fn says_which_key_problem_a_file_that_is_not_a_database_has() {
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("plain.db");
    let mut bytes = PLAIN_HEADER.to_vec();
    bytes.resize(4096, 0);
    std::fs::write(&plain, &bytes).unwrap();
    let other = dir.path().join("other.db");
    std::fs::write(&other, [7_u8; 4096]).unwrap();

    let keyed_plain = read_failure(&file_target(&plain, Some("SECRET")), not_a_database());
    assert_eq!(keyed_plain.code, "SQLITE_NOTADB");
    assert_eq!(keyed_plain.raw_code, Some(26));
    assert!(keyed_plain.message.starts_with(
        "the database could not be read: file is not a database; the file is a plain"
    ));
    assert!(keyed_plain
        .message
        .contains("open it without encryptionKey"));
    let keyed_other = read_failure(&file_target(&other, Some("SECRET")), not_a_database());
    assert!(keyed_other.message.contains("the key is probably wrong"));
    let unkeyed_other = read_failure(&file_target(&other, None), not_a_database());
    assert!(unkeyed_other
        .message
        .contains("if it is encrypted, give its key as encryptionKey"));
    for err in [&keyed_plain, &keyed_other, &unkeyed_other] {
        assert!(!err.message.contains("SECRET"), "{}", err.message);
    }
    // Nothing to add for a plain file without a key, or another failure.
    let unkeyed_plain = read_failure(&file_target(&plain, None), not_a_database());
    assert_eq!(
        unkeyed_plain.message,
        "the database could not be read: file is not a database"
    );
    let busy = read_failure(
        &file_target(&other, Some("k")),
        LibError::sqlite(5, "database is locked"),
    );
    assert_eq!(
        busy.message,
        "the database could not be read: database is locked"
    );
}

#[test]
fn knows_a_replica_file_that_holds_an_earlier_sync() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("replica.db").to_string_lossy().into_owned();
    assert!(!has_earlier_sync(&file));
    std::fs::write(&file, b"").unwrap();
    assert!(!has_earlier_sync(&file));
    std::fs::write(format!("{file}-client_wal_index"), b"").unwrap();
    assert!(has_earlier_sync(&file));
}

#[test]
fn falls_back_to_the_earlier_sync_only_when_the_primary_is_unreachable() {
    use crate::errors::codes;
    assert!(unreachable(&LibError::new(codes::NETWORK, "refused")));
    assert!(unreachable(&LibError::new(codes::TIMEOUT, "no answer")));
    assert!(!unreachable(&LibError::new(codes::AUTH, "refused token")));
    assert!(!unreachable(&LibError::new(codes::SYNC, "sync failed")));
}
