//! The flight recorder and `Coordinator::explain_mlag` on the simulated Quick setup: the
//! records a connection, a split, a config mismatch leave (with their deciding values and
//! virtual times), the ring's bound, the JSON shape, and the explanations.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::expect_used,
    clippy::panic
)]

use l2_types::{Duration, Instant, MacAddr};
use mlag_core::coordinator::recorder::{Cause, LacpChange, Record, ReleaseReason};
use mlag_core::coordinator::split::PeerVerdict;
use mlag_core::dataplane::{MlagId, PortState};
use mlag_core::sim::{QuickSetup, QuickSetupParams};

const ID: MlagId = MlagId(10);
const MAC1: MacAddr = MacAddr([2, 0, 0, 0, 1, 0]);
const MAC2: MacAddr = MacAddr([2, 0, 0, 0, 2, 0]);

fn setup() -> QuickSetup {
    let mut q = QuickSetup::build(QuickSetupParams::new(11)).unwrap();
    q.net.run_until(Instant::from_millis(5500));
    assert!(q.converged(2));
    q
}

fn records(q: &QuickSetup, i: usize) -> Vec<Record> {
    q.peer(i)
        .unwrap()
        .coordinator()
        .flight_recorder()
        .records()
        .cloned()
        .collect()
}

#[test]
fn connection_leaves_its_transitions_with_the_deciding_values() {
    let q = setup();
    let r = records(&q, 1);
    // The times never go backwards.
    assert!(r.windows(2).all(|w| w[0].at <= w[1].at));
    // The role, with both priorities and bridge MACs (lowest priority, then lowest MAC).
    let role = r
        .iter()
        .find_map(|x| match &x.cause {
            Cause::Role { primary, own, peer } => Some((*primary, *own, *peer)),
            _ => None,
        })
        .expect("no role record");
    assert_eq!(role, (false, (128, MAC2), Some((128, MAC1))));
    assert!(r.iter().any(|x| x.cause
        == Cause::Connected {
            peer: MAC1,
            priority: 128
        }));
    assert!(r.iter().any(|x| x.cause == Cause::SystemId(MAC1)));
    assert!(
        r.iter()
            .any(|x| x.cause == Cause::Released(ReleaseReason::Synced))
    );
    // Per-member LACP: selected, in sync, collecting, distributing — in that order.
    let lacp: Vec<LacpChange> = r
        .iter()
        .filter_map(|x| match x.cause {
            Cause::Lacp {
                mlag: Some(ID),
                change,
                ..
            } => Some(change),
            _ => None,
        })
        .collect();
    let pos = |c: LacpChange| lacp.iter().rposition(|x| *x == c).unwrap();
    assert!(pos(LacpChange::Selected) < pos(LacpChange::Attached));
    assert!(pos(LacpChange::Attached) < pos(LacpChange::Distributing(true)));
    // The half and the logical bridge's port state for it.
    assert!(r.iter().any(|x| x.cause
        == Cause::Half {
            mlag: ID,
            local_up: true,
            peer_up: true
        }));
    assert!(r.iter().any(|x| matches!(
        x.cause,
        Cause::StpPort {
            mlag: Some(ID),
            tree: 0,
            state: PortState::Forwarding,
            ..
        }
    )));
    // Released after connected, connected after the role.
    let at = |f: &dyn Fn(&Cause) -> bool| r.iter().find(|x| f(&x.cause)).unwrap().at;
    assert!(
        at(&|c| matches!(c, Cause::Role { .. })) <= at(&|c| matches!(c, Cause::Connected { .. }))
    );
    assert!(
        at(&|c| matches!(c, Cause::Connected { .. })) <= at(&|c| matches!(c, Cause::Released(_)))
    );
}

#[test]
fn isolation_is_recorded_with_its_evidence_and_explained() {
    let mut q = setup();
    q.net.cut(q.peer_link);
    let t0 = q.net.now();
    q.net.run_for(Duration::from_millis(100));
    let r = records(&q, 1);
    let iso = r
        .iter()
        .find(|x| matches!(x.cause, Cause::Isolation { on: true, .. }))
        .expect("no isolation record");
    assert_eq!(
        iso.cause,
        Cause::Isolation {
            on: true,
            verdict: PeerVerdict::AliveSplit,
            won: false,
            connected: false
        }
    );
    assert!(iso.at >= t0 && iso.at <= t0 + Duration::from_millis(1));
    assert!(r.iter().any(|x| x.cause
        == Cause::Verdict {
            from: PeerVerdict::Probing,
            to: PeerVerdict::AliveSplit
        }));
    assert!(
        r.iter()
            .any(|x| matches!(x.cause, Cause::Disconnected { .. }) && x.at == t0)
    );
    // The secondary's explanation names the isolation and shows the records behind it.
    let e = q.peer(1).unwrap().coordinator().explain_mlag(ID);
    assert!(!e.distributing, "{e}");
    assert!(e.reasons[0].contains("isolated"), "{e}");
    assert!(
        e.records
            .iter()
            .any(|x| matches!(x.cause, Cause::Isolation { on: true, .. })),
        "{e}"
    );
    assert!(e.records.len() <= mlag_core::coordinator::recorder::EXPLAIN_RECORDS);
    // The primary's: distributing, nothing holds it.
    let e1 = q.peer(0).unwrap().coordinator().explain_mlag(ID);
    assert!(e1.distributing, "{e1}");
    // The peer-link returns: isolation off is recorded.
    q.net.restore(q.peer_link);
    q.net.run_for(Duration::from_secs(5));
    assert!(
        records(&q, 1)
            .iter()
            .any(|x| matches!(x.cause, Cause::Isolation { on: false, .. }))
    );
}

#[test]
fn config_mismatch_is_recorded_and_explained() {
    let mut p = QuickSetupParams::new(11);
    if let Some(bp) = p.configs[1]
        .ports
        .iter_mut()
        .find(|x| x.interface == "client-bond")
    {
        bp.pvid = 20;
    }
    let mut q = QuickSetup::build(p).unwrap();
    q.net.run_until(Instant::from_secs(6));
    let r = records(&q, 1);
    assert!(
        r.iter()
            .any(|x| x.cause == Cause::Held { mlag: ID, on: true })
    );
    let m = r
        .iter()
        .find_map(|x| match &x.cause {
            Cause::Mismatch {
                mlag: Some(ID),
                error: true,
                what,
            } => Some(what.clone()),
            _ => None,
        })
        .expect("no mismatch record");
    assert!(m.to_lowercase().contains("pvid"), "{m}");
    let e = q.peer(1).unwrap().coordinator().explain_mlag(ID);
    assert!(!e.distributing);
    assert!(
        e.reasons.iter().any(|x| x.contains("consistency check")),
        "{e}"
    );
    // An unknown mlag-id is explained, not a panic.
    let none = q.peer(1).unwrap().coordinator().explain_mlag(MlagId(999));
    assert!(none.bond.is_none() && none.reasons[0].contains("not configured"));
}

#[test]
fn the_ring_is_bounded_and_counts_what_it_dropped() {
    let mut rec = mlag_core::coordinator::recorder::Recorder::new(4);
    for i in 0..10u64 {
        rec.push(Instant::from_nanos(i), Cause::SystemId(MAC1));
    }
    assert_eq!(rec.records().len(), 4);
    assert_eq!(rec.dropped(), 6);
    assert_eq!(rec.records().next().unwrap().at, Instant::from_nanos(6));
    let off = mlag_core::coordinator::recorder::Recorder::new(0);
    assert_eq!(off.records().len(), 0);
    // A coordinator's ring follows `Options::flight_recorder`.
    let q = setup();
    let c = q.peer(0).unwrap().coordinator();
    assert_eq!(
        c.flight_recorder().capacity(),
        mlag_core::coordinator::recorder::FLIGHT_RECORDER_DEFAULT
    );
    assert!(c.flight_recorder().records().len() <= c.flight_recorder().capacity());
}

#[test]
fn json_has_the_documented_shape() {
    let mut q = setup();
    q.net.cut(q.peer_link);
    q.net.run_for(Duration::from_millis(100));
    let c = q.peer(1).unwrap().coordinator();
    let j = c.flight_recorder_json();
    assert!(j.starts_with("{\"capacity\":1024,\"dropped\":0,\"records\":[{\"t_ns\":"));
    assert!(j.ends_with("}]}"));
    let n = c.flight_recorder().records().len();
    assert_eq!(j.matches("{\"t_ns\":").count(), n);
    // Balanced and with every kind spelled as documented.
    assert_eq!(j.matches('{').count(), j.matches('}').count());
    assert_eq!(j.matches('[').count(), j.matches(']').count());
    for kind in [
        "\"kind\":\"role\",\"role\":\"secondary\",\"own_priority\":128,\"own_mac\":\"02:00:00:00:02:00\",\"peer_priority\":128,\"peer_mac\":\"02:00:00:00:01:00\"",
        "\"kind\":\"iccp_connected\",\"peer\":\"02:00:00:00:01:00\",\"peer_priority\":128",
        "\"kind\":\"isolation\",\"on\":true,\"verdict\":\"alive_split\",\"won_election\":false,\"connected\":false",
        "\"kind\":\"lacp\",\"mlag_id\":10,\"port\":",
        "\"kind\":\"stp_port\",\"mlag_id\":10,",
        "\"kind\":\"half\",\"mlag_id\":10,",
        "\"kind\":\"peer_verdict\",\"from\":\"probing\",\"to\":\"alive_split\"",
    ] {
        assert!(j.contains(kind), "{kind} missing from {j}");
    }
    let e = c.explain_mlag(ID).to_json();
    assert!(e.starts_with(
        "{\"mlag_id\":10,\"bond\":\"client-bond\",\"distributing\":false,\"reasons\":[\""
    ));
    assert!(e.contains("],\"records\":[{\"t_ns\":"));
    // Strings are escaped.
    let mut s = String::new();
    mlag_core::coordinator::recorder::write_json_str(&mut s, "a\"b\\c\nd\u{1}");
    assert_eq!(s, "\"a\\\"b\\\\c\\nd\\u0001\"");
}
