//! Chaos "loop after a silent peer-link ends" (branch `chaos11`): a pair's peer-link is silent
//! both ways for 7.9–8 s while the backup path proves the STP authority alive, so the replica
//! does not take over and the ICCP session survives the silence. Everything the authority
//! decided meanwhile reached the replica after the heal, late and in order:
//!
//! * seed 5301 [0]: the authority aged out the info of the replica's Alternate uplink (its
//!   relayed BPDUs lost) and opened it; 1.45 s after the heal the replica applied that
//!   retransmitted Forwarding, 48 µs before the Discarding the authority decided once the
//!   relayed BPDUs arrived with the same retransmission: both uplinks to br0 forwarded (a loop);
//! * seed 775 [2,3]: the authority's BPDUs for the replica's Designated uplink were lost, br1
//!   aged them out and made its port Designated; it forwarded on its timers beside the
//!   replica's port, which still forwarded (a loop 0.8 s after the heal, before ICCP's next
//!   retransmission carried br1's dispute to the authority).
//!
//! A replica that has heard nothing of its authority for 3 × Hello Time now closes its
//! non-edge ports, opens none and sends no BPDU of the bridge until an exact catch-up after
//! the authority is heard again (`coordinator::run::cut_off`). Both failed on main `386c78c`.
#![allow(clippy::unwrap_used, clippy::panic)]

mod chaos_common;

use chaos_common::passes;
use mlag_core::sim::chaos::{RunOptions, Scenario};

#[test]
fn seed_5301_a_stale_forwarding_after_a_silent_peer_link_is_not_applied() {
    passes(5301, Some(vec![0]));
}

#[test]
fn seed_775_a_replica_cut_off_closes_its_designated_uplink() {
    passes(775, Some(vec![2, 3]));
}

#[test]
fn whole_schedules_5301_775() {
    for seed in [5301, 775] {
        passes(seed, None);
    }
}

/// The `stp_port` records of `port` with `state` in a flight recorder's JSON: their times.
fn port_records(json: &str, port: u16, state: &str) -> Vec<u64> {
    json.split("},{")
        .filter(|r| {
            r.contains("\"kind\":\"stp_port\"")
                && r.contains(&format!("\"port\":{port},"))
                && r.contains(&format!("\"state\":\"{state}\""))
        })
        .filter_map(|r| {
            let at = r.split("\"t_ns\":").nth(1)?;
            at.split(',').next()?.parse().ok()
        })
        .collect()
}

/// How seed 775 passes: pair0's replica (Peer2) closes its uplink (host port 2) at the
/// cut-off, 3 × Hello Time after the authority's last record before the silence (22.007 s), and
/// not only when the authority's catch-up comes after the heal (30.289 s); br1 aged the pair's
/// information out at 28.006 s and forwarded on its port from 32 s.
#[test]
fn seed_775_the_replica_closes_its_uplink_at_the_cut_off() {
    let s = Scenario::generate(775);
    let o = s.run(&RunOptions {
        only: Some(vec![2, 3]),
        pcap: true,
    });
    assert!(o.finding.is_none(), "{}", o.finding.unwrap());
    let (_, json) = o
        .recorders
        .iter()
        .find(|(name, _)| name == "pair0.Peer2")
        .unwrap();
    let closed = port_records(json, 2, "discarding");
    assert!(
        closed
            .iter()
            .any(|t| (28_000_000_000..28_100_000_000).contains(t)),
        "no Discarding of the uplink at the cut-off: {closed:?}"
    );
    // Nothing opened it between the cut-off and the catch-up after the heal.
    let opened: Vec<u64> = ["learning", "forwarding"]
        .iter()
        .flat_map(|st| port_records(json, 2, st))
        .filter(|t| (28_000_000_000..32_000_000_000).contains(t))
        .collect();
    assert!(opened.is_empty(), "opened during the cut-off: {opened:?}");
}
