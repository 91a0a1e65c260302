//! `mlag demo`: the MLAG Quick setup prints RouterOS's monitors, converges, and fails over
//! without the client renegotiating; every scenario runs clean; the pcap decodes. The older
//! LACP-pair run (scenario `lacp-pair`) aggregates within the protocol's timing, fails over on
//! the cut, recovers, and its pcap holds only well-formed LACPDUs that our decoder re-encodes
//! identically.

use core::time::Duration;
use mlag_cli::decode_capture;
use mlag_cli::demo::{self, DemoOptions};
use mlag_cli::pcap::{self, PcapSink};
use mlag_core::sim::Endpoint;
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
        .args([
            "demo",
            "--scenario",
            "lacp-pair",
            "--seconds",
            "5",
            "--no-cut",
        ])
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

fn mlag_demo(scenario: demo::Scenario, capture: bool) -> (demo::MlagDemoOutcome, String) {
    let opts = demo::MlagDemoOptions {
        scenario,
        seed: 1,
        capture,
        ..demo::MlagDemoOptions::default()
    };
    let mut out = Vec::new();
    let outcome = demo::run_mlag(&opts, &mut out).expect("run");
    (outcome, String::from_utf8(out).expect("utf-8"))
}

/// The text between two markers (the monitors before and after the failover).
fn section<'a>(text: &'a str, from: &str, to: &str) -> &'a str {
    let a = text
        .find(from)
        .unwrap_or_else(|| panic!("no {from:?} in {text}"));
    let rest = &text[a..];
    let b = rest.find(to).unwrap_or(rest.len());
    &rest[..b]
}

#[test]
fn mlag_demo_prints_routeros_monitors_and_keeps_the_bond_when_peer1_dies() {
    let (o, text) = mlag_demo(demo::Scenario::PeerCrash, false);
    let before = section(&text, "converged at", "Peer1 dies");
    // Each peer's /interface/bridge/mlag/monitor, RouterOS's layout.
    assert!(before.contains("[Peer1] /interface/bridge/mlag/monitor\n       status: connected\n    system-id: 02:00:00:00:01:00\n  active-role: primary\n"), "{before}");
    assert!(before.contains("[Peer2] /interface/bridge/mlag/monitor\n       status: connected\n    system-id: 02:00:00:00:01:00\n  active-role: secondary\n"), "{before}");
    // The client's /interface bonding monitor: both links, the pair's system-id as partner.
    for line in [
        "                    mode: 802.3ad\n",
        "            active-ports: ether1,ether2\n",
        "          inactive-ports: \n",
        "          lacp-system-id: 02:00:00:00:0C:00\n",
        "  lacp-partner-system-id: 02:00:00:00:01:00\n",
    ] {
        assert!(before.contains(line), "{line:?} missing in {before}");
    }
    let after = section(&text, "after the failover", "traffic over");
    assert!(after.contains("(powered off)"));
    assert!(
        after.contains("    system-id: 02:00:00:00:01:00\n  active-role: primary\n"),
        "{after}"
    );
    assert!(
        after.contains("            active-ports: ether2\n"),
        "{after}"
    );
    assert!(
        after.contains("          inactive-ports: ether1\n"),
        "{after}"
    );
    assert!(
        after.contains("  lacp-partner-system-id: 02:00:00:00:01:00\n"),
        "{after}"
    );
    // Converged (bond port forwarding) before the streams start at 5.5 s.
    assert!(o.converged_at.expect("converged") < Duration::from_millis(5500));
    assert!(o.client_kept_bond);
    assert_eq!(o.partner_changes, 0);
    assert_eq!(o.violations, 0);
    // Traffic between the client and host2 (the survivor's host): at most the frame in
    // flight on each failed link, outage within L + d at 1 ms resolution.
    for s in o
        .streams
        .iter()
        .filter(|s| s.from != Endpoint::Host1 && s.to != Endpoint::Host1)
    {
        assert!(s.lost <= 1, "{s:?}");
        assert_eq!(s.duplicates, 0, "{s:?}");
        assert!(s.outage <= Duration::from_millis(1), "{s:?}");
    }
    assert!(text.contains("traffic lost in the failover: "), "{text}");
}

#[test]
fn every_mlag_scenario_runs_clean() {
    for (name, scenario) in demo::Scenario::ALL {
        let (o, text) = mlag_demo(scenario, false);
        assert!(o.converged_at.is_some(), "{name}: {text}");
        assert_eq!(o.forwarding_violations, 0, "{name}: {text}");
        assert!(o.client_kept_bond, "{name}: {text}");
        for s in &o.streams {
            assert_eq!(s.duplicates, 0, "{name}: {s:?}");
        }
        let cut = scenario.cut_off();
        let worst = o
            .streams
            .iter()
            .filter(|s| cut != Some(s.from) && cut != Some(s.to))
            .map(|s| s.lost)
            .max()
            .unwrap_or(0);
        assert!(worst <= 1, "{name}: {worst} lost\n{text}");
    }
    let (_, text) = mlag_demo(demo::Scenario::Mismatch, false);
    assert!(
        text.contains("held down (configuration mismatch)"),
        "{text}"
    );
    assert!(text.contains("consistency: "), "{text}");
    // Peer-link down, peers alive: the secondary is isolated by the end (on the first backup
    // keepalive after the failure), the client on Peer1's link alone.
    let (_, text) = mlag_demo(demo::Scenario::PeerLink, false);
    let after = section(&text, "after the failover", "traffic over");
    assert!(
        after.contains("active-role: secondary\n  # mlag-id=10 client-bond: held out of the LAG"),
        "{after}"
    );
    assert!(after.contains("active-ports: ether1\n"), "{after}");
    let (_, text) = mlag_demo(demo::Scenario::Priority, false);
    let after = section(&text, "after the failover", "traffic over");
    assert!(after.contains("[Peer2] /interface/bridge/mlag/monitor\n       status: connected\n    system-id: 02:00:00:00:01:00\n  active-role: primary\n"), "{after}");
}

#[test]
fn mlag_demo_pcap_holds_every_protocol_and_decodes() {
    let (o, _) = mlag_demo(demo::Scenario::MemberLink, true);
    let bytes = o.pcap.expect("capture");
    let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join("mlag-demo.pcap");
    std::fs::write(&path, &bytes).expect("write");
    let frames = decode_capture(&pcap::read(&path).expect("read pcap"));
    assert!(frames.len() > 10_000, "{}", frames.len());
    let count = |p: &str| frames.iter().filter(|f| f["protocol"] == p).count();
    assert!(count("lacp") > 20, "lacp {}", count("lacp"));
    assert!(count("iccp-l2") > 5, "iccp {}", count("iccp-l2"));
    for f in frames.iter().filter(|f| f["protocol"] == "lacp") {
        assert_eq!(f["lacp"]["reencode"]["identical"], true, "{f}");
    }
}

#[test]
fn the_binary_runs_the_mlag_demo_and_writes_a_pcap() {
    let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join("mlag-demo-bin.pcap");
    let out = Command::new(env!("CARGO_BIN_EXE_mlag"))
        .args(["demo", "--seed", "3", "--pcap"])
        .arg(&path)
        .output()
        .expect("run mlag demo");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("active-role: primary"), "{text}");
    assert!(text.contains("Peer1 dies"), "{text}");
    assert!(pcap::read(&path).expect("pcap").frames.len() > 1000);
    let bad = Command::new(env!("CARGO_BIN_EXE_mlag"))
        .args(["demo", "--scenario", "nope"])
        .output()
        .expect("run");
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("unknown scenario"));
}

/// `mlag demo --scenario peer-link --explain --flight-recorder FILE.json`: the explanation
/// names the isolated secondary's reason, and the file is JSON with both peers' rings, each
/// record with its virtual time and kind.
#[test]
fn the_binary_explains_and_writes_the_flight_recorder() {
    let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join("mlag-demo-fr.json");
    let out = Command::new(env!("CARGO_BIN_EXE_mlag"))
        .args(["demo", "--scenario", "peer-link", "--explain"])
        .arg("--flight-recorder")
        .arg(&path)
        .output()
        .expect("run mlag demo");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let why = section(&text, "why? (each peer's explanation", "\u{0}");
    assert!(
        why.contains("[Peer2] mlag-id 10 (bond client-bond): NOT distributing"),
        "{why}"
    );
    assert!(why.contains("because: this peer is isolated"), "{why}");
    assert!(
        why.contains("[Peer1] mlag-id 10 (bond client-bond): distributing"),
        "{why}"
    );
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("read")).expect("JSON");
    for peer in ["peer1", "peer2"] {
        let p = &v[peer];
        assert_eq!(p["capacity"], 1024, "{p}");
        let recs = p["records"].as_array().expect("records");
        assert!(!recs.is_empty());
        let mut last = 0;
        for r in recs {
            let t = r["t_ns"].as_u64().expect("t_ns");
            assert!(t >= last, "time goes backwards: {r}");
            last = t;
            assert!(r["kind"].is_string(), "{r}");
        }
    }
    let iso = v["peer2"]["records"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["kind"] == "isolation")
        .expect("no isolation record");
    assert_eq!(iso["on"], true);
    assert_eq!(iso["verdict"], "alive_split");
    assert_eq!(iso["won_election"], false);
}
