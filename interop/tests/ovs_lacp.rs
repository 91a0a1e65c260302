//! Real peer: our LACP against Open vSwitch in network namespaces (see `scripts/ovs-lacp.sh`).
//!
//! Needs root, network namespaces and Open vSwitch (`apt-get install openvswitch-switch`). Where
//! they are missing the test says so and passes, unless `MLAG_REQUIRE_REAL_PEERS=1` (set by
//! `.ci/run` when it runs as root), which turns a skip into a failure.

use std::process::Command;

#[test]
fn lacp_against_open_vswitch() {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/ovs-lacp.sh");
    let host = env!("CARGO_BIN_EXE_lacp-host");
    let out = Command::new("bash")
        .arg(script)
        .arg(host)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {script}: {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    println!("{stdout}\n{stderr}");
    let required = std::env::var("MLAG_REQUIRE_REAL_PEERS").is_ok_and(|v| v == "1");
    match out.status.code() {
        Some(0) => assert!(stdout.contains("ALL CHECKS PASSED") && !stdout.contains("FAIL:")),
        Some(77) if !required => {
            eprintln!("real-peer LACP test SKIPPED: {}", stdout.trim());
        }
        code => panic!("real-peer LACP test failed (exit {code:?})"),
    }
}
