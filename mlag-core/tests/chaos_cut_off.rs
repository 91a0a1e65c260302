//! Chaos "loop / duplicate behind a silent peer-link" (branch `chaos11`): a pair's peer-link
//! is silent (both ways, or authority → replica) for 4.5–8 s while the backup path proves the
//! STP authority alive, so the replica does not take over and the ICCP session survives the
//! silence. What the authority decided meanwhile could not reach the replica, and reached it
//! after the heal, late and in order:
//!
//! * seeds 1493 [0,1] and 3814 [1,2]: the authority closed the replica's uplink (a new root
//!   elsewhere) and its bridge carried on; a neighbour's Designated Port forwarded on its
//!   timers 3.1–3.8 s into the silence while the replica's uplink still forwarded (a frame of
//!   the server delivered twice);
//! * seed 5301 [0]: the authority aged out the info of the replica's Alternate uplink (its
//!   relayed BPDUs lost) and opened it; 1.45 s after the heal the replica applied that
//!   retransmitted Forwarding, 48 µs before the Discarding the authority decided once the
//!   relayed BPDUs arrived with the same retransmission: both uplinks to br0 forwarded (a loop);
//! * seed 775 [2,3]: the authority's BPDUs for the replica's Designated uplink were lost, br1
//!   aged them out and made its port Designated; it forwarded on its timers beside the
//!   replica's port, which still forwarded (a loop 0.8 s after the heal, before ICCP's next
//!   retransmission carried br1's dispute to the authority).
//!
//! When the watch's deadline passes with the authority alive, the replica now closes its
//! non-edge ports, opens none and sends no BPDU of the bridge until an exact catch-up after
//! the authority is heard again (`coordinator::run::cut_off`). All failed on main `386c78c`.
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
fn seed_1493_a_replica_cut_off_closes_the_uplink_the_authority_closed() {
    passes(1493, Some(vec![0, 1]));
}

#[test]
fn seed_3814_a_one_way_silence_cuts_the_replica_off_too() {
    passes(3814, Some(vec![1, 2]));
}

#[test]
fn whole_schedules_5301_775_1493_3814() {
    for seed in [5301, 775, 1493, 3814] {
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
/// cut-off — 1.5 × Hello Time after the Timeout entry the authority owed after its last record
/// before the silence (22.007 s), so at 26.0 s — before br1 ages the pair's information out
/// (28.006 s), and not only when the authority's catch-up comes after the heal (30.289 s);
/// nothing opens it again before that catch-up (32.005 s).
#[test]
fn seed_775_the_replica_closes_its_uplink_at_the_cut_off() {
    let s = Scenario::generate(775);
    let o = s.run(&RunOptions {
        only: Some(vec![2, 3]),
        pcap: true,
        ..RunOptions::default()
    });
    assert!(o.finding.is_none(), "{}", o.finding.unwrap());
    let (_, json) = o
        .recorders
        .iter()
        .find(|(name, _)| name == "pair0.Peer2")
        .unwrap();
    let closed: Vec<u64> = port_records(json, 2, "discarding")
        .into_iter()
        .filter(|t| (22_420_000_000..28_006_000_000).contains(t))
        .collect();
    assert!(
        !closed.is_empty(),
        "the uplink was not closed in the silence before br1's age-out"
    );
    let opened: Vec<u64> = ["learning", "forwarding"]
        .iter()
        .flat_map(|st| port_records(json, 2, st))
        .filter(|t| (closed[0]..32_000_000_000).contains(t))
        .collect();
    assert!(opened.is_empty(), "opened during the cut-off: {opened:?}");
}
