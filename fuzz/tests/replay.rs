//! Replays every committed corpus file through its fuzz target body, as an ordinary test.
//!
//! Fails if a target's corpus directory is missing or empty, so a target cannot silently lose its
//! seeds. Crash reproducers committed into a corpus directory stay regression tests this way.

use std::path::Path;

/// A fuzz target body.
type Body = fn(&[u8]);

/// (target name = corpus directory name, body).
const TARGETS: &[(&str, Body)] = &[
    ("lacp_decode", mlag_fuzz::lacp_decode),
    ("marker_decode", mlag_fuzz::marker_decode),
    ("lacp_roundtrip", mlag_fuzz::lacp_roundtrip),
    ("lacp_system", mlag_fuzz::lacp_system),
    ("stp_decode", mlag_fuzz::stp_decode),
    ("stp_mcid", mlag_fuzz::stp_mcid),
    ("stp_bridge", mlag_fuzz::stp_bridge),
    ("stp_snapshot", mlag_fuzz::stp_snapshot),
    ("iccp_decode", mlag_fuzz::iccp_decode),
    ("iccp_deframer", mlag_fuzz::iccp_deframer),
    ("iccp_session", mlag_fuzz::iccp_session),
    ("iccp_ldp_session", mlag_fuzz::iccp_ldp_session),
    ("iccp_session_ldp", mlag_fuzz::iccp_session_ldp),
    ("fdb_decode", mlag_fuzz::fdb_decode),
    ("fdb_ops", mlag_fuzz::fdb_ops),
    ("mlag_coordinator", mlag_fuzz::mlag_coordinator),
    ("mlag_summary", mlag_fuzz::mlag_summary),
    ("mlag_snapshot", mlag_fuzz::mlag_snapshot),
];

fn replay(target: &str, body: Body) -> usize {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("corpus")
        .join(target);
    let entries = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("corpus directory {} missing: {e}", dir.display()));
    let mut n = 0;
    for entry in entries {
        let path = entry.expect("directory entry").path();
        if !path.is_file() {
            continue;
        }
        let data = std::fs::read(&path).expect("read corpus file");
        let result = std::panic::catch_unwind(|| body(&data));
        assert!(result.is_ok(), "{target}: {} panicked", path.display());
        n += 1;
    }
    assert!(n > 0, "corpus directory {} is empty", dir.display());
    n
}

#[test]
fn every_corpus_replays() {
    for &(target, body) in TARGETS {
        let n = replay(target, body);
        println!("{target}: {n} inputs replayed");
    }
}

#[test]
fn every_corpus_directory_has_a_target() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    for entry in std::fs::read_dir(&root).expect("fuzz/corpus") {
        let name = entry.expect("entry").file_name();
        let name = name.to_string_lossy();
        assert!(
            TARGETS.iter().any(|(t, _)| *t == name),
            "fuzz/corpus/{name} has no target in TARGETS"
        );
    }
}
