//! `mlag demo`: the run aggregates within the protocol's timing, fails over on the cut, recovers,
//! and its pcap holds only well-formed LACPDUs that our decoder re-encodes identically.

use core::time::Duration;
use mlag_cli::decode_capture;
use mlag_cli::demo::{self, DemoOptions};
use mlag_cli::pcap::{self, PcapSink};
use std::path::Path;
use std::process::Command;

#[test]
fn fast_demo_aggregates_fails_over_and_recovers() {
    let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join("demo-fast.pcap");
    let mut sink = PcapSink::create(&path).expect("create pcap");
    let mut out = Vec::new();
    let outcome = demo::run(&DemoOptions::default(), &mut out, Some(&mut sink)).expect("run");
    sink.flush().expect("flush");
    let text = String::from_utf8(out).expect("utf-8");
    // Fast rate: aggregation within about 3 s of link up (2 s Aggregate_Wait_Time + exchanges).
    let at = outcome.aggregated_at.expect("aggregated");
    assert!(at <= Duration::from_secs(3), "aggregated at {at:?}");
    assert!(
        at >= Duration::from_secs(2),
        "aggregated before wait_while expired: {at:?}"
    );
    assert!(text.contains("-- after the cut, each side distributes on ether1 only"));
    assert_eq!(outcome.distributing_at_end, (2, 2));
    assert!(text.contains("active-ports: ether1,ether2"));
    assert!(text.contains("lacp-partner-system-id: 02:00:00:00:00:0b"));
    assert!(text.contains("lacp-partner-system-id: 02:00:00:00:00:0a"));

    let frames = decode_capture(&pcap::read(&path).expect("read pcap"));
    assert_eq!(frames.len() as u64, outcome.frames);
    for f in &frames {
        assert_eq!(f["protocol"], "lacp", "{f}");
        assert_eq!(f["lacp"]["reencode"]["identical"], true, "{f}");
        assert!(f.get("error").is_none(), "{f}");
    }
    // Fast rate, 20 s, two ports per side: about one LACPDU per port per second, never more
    // than 3 in any second per port.
    assert!(
        outcome.frames >= 60 && outcome.frames <= 4 * 20 * 3,
        "{} frames",
        outcome.frames
    );
}

#[test]
fn slow_demo_forms_within_one_slow_period() {
    let opts = DemoOptions {
        duration: Duration::from_secs(40),
        cut_at: None,
        restore_at: None,
        slow: true,
        ..DemoOptions::default()
    };
    let mut out = Vec::new();
    let outcome = demo::run(&opts, &mut out, None).expect("run");
    let at = outcome.aggregated_at.expect("aggregated");
    assert!(at <= Duration::from_secs(32), "aggregated at {at:?}");
    assert_eq!(outcome.distributing_at_end, (2, 2));
}

#[test]
fn the_binary_runs_the_demo() {
    let out = Command::new(env!("CARGO_BIN_EXE_mlag"))
        .args(["demo", "--seconds", "5", "--no-cut"])
        .output()
        .expect("run mlag demo");
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("both links aggregated on both sides"),
        "{text}"
    );
    assert!(text.contains("monitor-slaves"));
}
