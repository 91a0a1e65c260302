//! The pair as ONE logical STP bridge, in virtual time: Peer1 and Peer2 (Quick setup) wired
//! by their peer-ports; a client with an LACP bond of one link to each peer and an RSTP bridge
//! (`stp::Bridge`) on that bond; an external RSTP bridge X with one link to each peer's
//! single-homed `ether1` (so X–Peer1–peer-link–Peer2–X is a loop the logical bridge must break).
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::expect_used,
    clippy::panic
)]

use core::time::Duration;
use l2_types::{Instant, PortNo};
use mlag_core::config::Config;
use mlag_core::coordinator::{LinkState, Options, StpMode};
use mlag_core::dataplane::{CIST, Call, PortState, RecordingDataplane};
use std::collections::BTreeSet;
use stp::wire::BridgeId;

mod stp_pair;
use stp_pair::*;

fn quick(stp_priority: Option<u16>) -> [Config; 2] {
    [1, 2].map(|p| {
        let mut c = Config::quick_setup(p);
        if let Some(pr) = stp_priority {
            c.bridges[0].priority = pr;
        }
        c
    })
}

/// Forwarding state of a peer's host port in its dataplane.
fn dp_state(n: &Net, i: usize, port: PortNo) -> PortState {
    n.peers[i].dataplane().port_state(port, CIST)
}

#[test]
fn both_peers_report_one_root_and_one_state_per_mlag_port() {
    let mut n = Net::new(quick(None), 32768);
    n.run_for(Duration::from_secs(40));
    assert_eq!(n.peers[0].stp_mode(), StpMode::Primary);
    assert_eq!(n.peers[1].stp_mode(), StpMode::Replica);
    let (a, b) = (n.bridge(0), n.bridge(1));
    assert_eq!(a.bridge_id(), b.bridge_id());
    assert_eq!(a.bridge_id().address(), PAIR_ID);
    assert_eq!(a.tree().root_priority, b.tree().root_priority);
    assert_eq!(a.fingerprint(), b.fingerprint(), "the replica is exact");
    assert_eq!(n.mlag_port(0), n.mlag_port(1));
    assert_eq!(n.mlag_port(0).1, PortState::Forwarding);
    // The MLAG port's state is applied to the local half on both peers.
    for i in 0..2 {
        let bond = n.peers[i]
            .stp_ports()
            .into_iter()
            .find(|(_, l)| l.0 >= 3073)
            .unwrap()
            .0;
        assert_eq!(dp_state(&n, i, bond), PortState::Forwarding);
        let m = n.peers[i].monitor().stp;
        assert!(m.ready, "{m:?}");
    }
    assert_eq!(n.peers[1].monitor().stp.in_sync, Some(true));
    // The client's bond is one port that hears one designated bridge: the pair.
    let cp = n.client_stp.port(PortNo(1)).unwrap();
    assert_eq!(cp.port_priority.designated_bridge.address(), PAIR_ID);
}

#[test]
fn pair_elected_root_shows_as_root_on_both_peers_and_every_link_sees_one_bridge_id() {
    let mut n = Net::new(quick(Some(4096)), 32768);
    // Before the peers meet (the first ICCP exchange) each is a bridge of its own, as each is
    // its own LACP system; from the connection on, the pair is one bridge.
    n.run_for(Duration::from_secs(2));
    assert!(
        n.peers
            .iter()
            .all(|p| p.monitor().status == iccp::Status::Connected)
    );
    n.seen.clear();
    n.run_for(Duration::from_secs(40));
    for i in 0..2 {
        let m = n.peers[i].monitor().stp;
        assert!(m.is_root, "peer {i}: {m:?}");
        assert_eq!(m.root, m.bridge_id);
    }
    assert_eq!(n.x.tree().root_priority.root.address(), PAIR_ID);
    assert_eq!(n.client_stp.tree().root_priority.root.address(), PAIR_ID);
    // Every BPDU either peer sent on any link (X's two links, the client's two links) carried
    // the one Bridge Identifier.
    let ids: BTreeSet<BridgeId> = n
        .seen
        .iter()
        .filter(|(d, _)| !d.starts_with("Peer"))
        .map(|(_, id)| *id)
        .collect();
    assert_eq!(ids.len(), 1, "{:?}", n.seen);
    assert_eq!(ids.iter().next().unwrap().address(), PAIR_ID);
    let dests: BTreeSet<&str> = n.seen.iter().map(|(d, _)| d.as_str()).collect();
    assert!(
        dests.contains("X(1)") && dests.contains("X(2)"),
        "{dests:?}"
    );
    // The loop X–Peer1–peer-link–Peer2–X is broken exactly once: of the four ports on the two
    // X links, exactly one discards (X's Alternate, the pair being root).
    let pair_ports = [
        dp_state(&n, 0, n.ether1[0]),
        dp_state(&n, 1, n.ether1[1]),
        n.x.port(PortNo(1)).unwrap().state,
        n.x.port(PortNo(2)).unwrap().state,
    ];
    let blocked = pair_ports
        .iter()
        .filter(|s| **s != PortState::Forwarding)
        .count();
    assert_eq!(blocked, 1, "{pair_ports:?}");
    assert!(
        n.x.ports()
            .any(|p| p.role == stp::Role::Alternate && p.state == PortState::Discarding)
    );
}

#[test]
fn external_root_the_loop_is_broken_once_on_the_pair_side() {
    let mut n = Net::new(quick(None), 4096);
    n.run_for(Duration::from_secs(40));
    for i in 0..2 {
        let m = n.peers[i].monitor().stp;
        assert!(!m.is_root);
        assert_eq!(m.root.unwrap().address(), XMAC);
    }
    let states = [
        dp_state(&n, 0, n.ether1[0]),
        dp_state(&n, 1, n.ether1[1]),
        n.x.port(PortNo(1)).unwrap().state,
        n.x.port(PortNo(2)).unwrap().state,
    ];
    let blocked = states
        .iter()
        .filter(|s| **s != PortState::Forwarding)
        .count();
    assert_eq!(blocked, 1, "{states:?}");
    // Both peers agree on which of the pair's ports is Root and which Alternate.
    let a = n.bridge(0);
    let b = n.bridge(1);
    for p in a.ports() {
        let q = b.port(p.port).unwrap();
        assert_eq!((p.role, p.state), (q.role, q.state), "port {}", p.port.0);
    }
    assert_eq!(a.ports().filter(|p| p.role == stp::Role::Root).count(), 1);
    assert_eq!(
        a.ports().filter(|p| p.role == stp::Role::Alternate).count(),
        1
    );
}

#[test]
fn mlag_bpdus_reach_the_client_once() {
    let mut n = Net::new(quick(Some(4096)), 32768);
    n.run_for(Duration::from_secs(40));
    n.client_bpdus = 0;
    n.run_for(Duration::from_secs(20));
    // Hello Time 2 s: ~10 BPDUs in 20 s on the one MLAG port; two copies would be ~20.
    assert!(
        (9..=12).contains(&n.client_bpdus),
        "client heard {} BPDUs",
        n.client_bpdus
    );
}

#[test]
fn primary_crash_survivor_keeps_the_bridge_id_and_the_mlag_port_forwarding() {
    let mut n = Net::new(quick(Some(4096)), 32768);
    n.run_for(Duration::from_secs(40));
    let id = n.bridge(1).bridge_id();
    let bond1 = n.peers[1]
        .stp_ports()
        .into_iter()
        .find(|(_, l)| l.0 >= 3073)
        .unwrap()
        .0;
    n.peers[1].dataplane_mut().take_calls();
    n.crash(0);
    // Every step of the failover: the survivor's half of the MLAG never stops forwarding.
    for _ in 0..200 {
        n.run_for(Duration::from_millis(100));
        assert_eq!(
            dp_state(&n, 1, bond1),
            PortState::Forwarding,
            "at {}",
            n.now
        );
    }
    assert_eq!(n.peers[1].stp_mode(), StpMode::Primary);
    assert_eq!(n.bridge(1).bridge_id(), id, "same Bridge Identifier");
    assert!(n.peers[1].monitor().stp.is_root);
    assert_eq!(
        n.mlag_port(1),
        (stp::Role::Designated, PortState::Forwarding)
    );
    // No PortState Discarding ever reached the survivor's bond.
    let calls = n.peers[1].dataplane_mut().take_calls();
    assert!(!calls.iter().any(|c| matches!(
        c,
        Call::PortState { port, state: PortState::Discarding, .. } if *port == bond1
    )));
    // Neighbours: the client and X keep the pair as root; X's link to the survivor forwards.
    assert_eq!(n.client_stp.tree().root_priority.root, id);
    assert_eq!(n.x.tree().root_priority.root, id);
    assert_eq!(n.x.port(PortNo(2)).unwrap().state, PortState::Forwarding);
    assert_eq!(
        n.client_stp.port(PortNo(1)).unwrap().state,
        PortState::Forwarding
    );
}

#[test]
fn diverged_replica_is_repaired_by_the_fingerprint_check() {
    let mut n = Net::new(quick(None), 32768);
    n.run_for(Duration::from_secs(40));
    assert_eq!(n.bridge(0).fingerprint(), n.bridge(1).fingerprint());
    // A duplicated relay applied on the replica alone (as if the secondary had fed its own
    // copy): the replica's state drifts from the primary's.
    let now = n.now;
    let l = n.peers[1].stp_mlag_port(ID).unwrap();
    let r = n.peers[1].stp_replica_mut().unwrap();
    r.handle_link(now, l, stp::LinkState::Down);
    assert_ne!(n.bridge(0).fingerprint(), n.bridge(1).fingerprint());
    // Within a Hello Time the primary's fingerprint arrives, the replica asks for a catch-up
    // and is exact again.
    n.run_for(Duration::from_secs(3));
    let m = n.peers[1].monitor().stp;
    assert!(m.fingerprint_mismatches >= 1, "{m:?}");
    assert_eq!(m.in_sync, Some(true), "{m:?}");
    assert_eq!(n.bridge(0).fingerprint(), n.bridge(1).fingerprint());
    assert_eq!(n.mlag_port(1), n.mlag_port(0));
}

#[test]
fn secondary_bpdu_relay_loss_and_duplication_do_not_split_the_views() {
    // The peer-link drops and duplicates frames for a while: ICCP's retransmission and
    // duplicate detection, plus the primary's sequencing, keep one view.
    let mut n = Net::new(quick(None), 4096);
    n.run_for(Duration::from_secs(40));
    let relayed = n.peers[1].monitor().stp.relayed;
    // Every third frame on the peer-link is dropped, every fifth delivered twice, for 10 s.
    n.drop_every = 3;
    n.dup_every = 5;
    n.run_for(Duration::from_secs(10));
    assert!(
        n.peers[1].monitor().stp.relayed > relayed,
        "relays crossed the bad link"
    );
    n.drop_every = 0;
    n.dup_every = 0;
    n.run_for(Duration::from_secs(5));
    assert!(
        n.peers
            .iter()
            .all(|p| p.monitor().status == iccp::Status::Connected)
    );
    assert_eq!(n.bridge(0).fingerprint(), n.bridge(1).fingerprint());
    assert_eq!(n.mlag_port(0), n.mlag_port(1));
    assert_eq!(n.peers[1].monitor().stp.in_sync, Some(true));
}

#[test]
fn secondary_release_waits_for_the_replica() {
    let mut n = Net::new(quick(None), 32768);
    n.run_for(Duration::from_secs(10));
    // The secondary's half came in only after its replica was in place.
    let m = n.peers[1].monitor();
    assert!(m.stp.ready);
    assert!(m.mlags.iter().all(|h| h.released));
    assert_eq!(n.peers[1].stp_mode(), StpMode::Replica);
    assert!(
        n.peers[1].monitor().stp.relayed > 0,
        "the secondary relays its BPDUs"
    );
}

#[test]
fn rejoin_keeps_the_survivors_bridge_and_holds_the_half_until_the_replica_is_in_place() {
    let mut n = Net::new(quick(Some(4096)), 32768);
    n.run_for(Duration::from_secs(40));
    let id = n.bridge(1).bridge_id();
    n.crash(0);
    n.run_for(Duration::from_secs(30));
    assert_eq!(n.peers[1].stp_mode(), StpMode::Primary);
    let bond1 = n.peers[1]
        .stp_ports()
        .into_iter()
        .find(|(_, l)| l.0 >= 3073)
        .unwrap()
        .0;
    // Peer1 boots again: lower MAC, so ICCP makes it primary, but the STP authority stays
    // with the survivor, whose bridge is converged.
    let [c1, _] = quick(Some(4096));
    n.peer_delay = Duration::from_millis(40);
    n.restart(0, c1);
    let mut seen_held = false;
    for _ in 0..2000 {
        n.run_for(Duration::from_millis(5));
        assert_eq!(
            dp_state(&n, 1, bond1),
            PortState::Forwarding,
            "at {}",
            n.now
        );
        let m = n.peers[0].monitor();
        if !m.stp.ready {
            assert!(
                m.mlags.iter().all(|h| !h.released),
                "released before the replica"
            );
            seen_held = true;
        }
    }
    assert!(seen_held);
    assert_eq!(n.peers[0].monitor().active_role, Some(iccp::Role::Primary));
    assert_eq!(n.peers[1].stp_mode(), StpMode::Primary);
    assert_eq!(n.peers[0].stp_mode(), StpMode::Replica);
    assert_eq!(n.bridge(0).bridge_id(), id);
    assert_eq!(n.bridge(1).bridge_id(), id);
    assert_eq!(n.bridge(0).fingerprint(), n.bridge(1).fingerprint());
    assert!(n.peers[0].monitor().mlags.iter().all(|h| h.released));
    n.run_for(Duration::from_secs(40));
    assert_eq!(
        n.mlag_port(0),
        (stp::Role::Designated, PortState::Forwarding)
    );
    assert_eq!(n.mlag_port(0), n.mlag_port(1));
    let bond0 = n.peers[0]
        .stp_ports()
        .into_iter()
        .find(|(_, l)| l.0 >= 3073)
        .unwrap()
        .0;
    assert_eq!(dp_state(&n, 0, bond0), PortState::Forwarding);
    assert_eq!(n.client.lag(lacp::LagId(1)).unwrap().ports_distributing, 2);
    assert_eq!(n.x.tree().root_priority.root, id);
}

#[test]
fn secondary_crash_primary_carries_on() {
    let mut n = Net::new(quick(Some(4096)), 32768);
    n.run_for(Duration::from_secs(40));
    let id = n.bridge(0).bridge_id();
    let fp_ports = n.bridge(0).ports().count();
    n.crash(1);
    n.run_for(Duration::from_secs(30));
    assert_eq!(n.peers[0].stp_mode(), StpMode::Primary);
    assert_eq!(n.bridge(0).bridge_id(), id);
    // Peer2's single-homed port left the logical bridge.
    assert_eq!(n.bridge(0).ports().count(), fp_ports - 1);
    assert_eq!(
        n.mlag_port(0),
        (stp::Role::Designated, PortState::Forwarding)
    );
    assert_eq!(n.x.port(PortNo(1)).unwrap().state, PortState::Forwarding);
}

#[test]
fn rejoin_after_the_log_was_cut_serves_the_peer_from_the_primary_and_converges() {
    let mut n = Net::new(quick(Some(4096)), 32768);
    n.run_for(Duration::from_secs(60));
    n.crash(1);
    // Long enough alone for the primary's log to pass STP_LOG_MAX entries.
    let mut t = 0;
    while n.peers[0].monitor().stp.log_complete {
        n.run_for(Duration::from_secs(60));
        t += 1;
        assert!(t < 200, "the log never filled");
    }
    let id = n.bridge(0).bridge_id();
    let [_, c2] = quick(Some(4096));
    n.peer_delay = Duration::from_millis(5);
    n.restart(1, c2);
    for _ in 0..600 {
        n.run_for(Duration::from_millis(100));
        // The rejoined peer's ports do what the authoritative bridge says (one peer-link delay
        // behind at most), never what its converging replica says.
        if n.inflight.is_empty() && n.peers[1].monitor().stp.ready {
            let l2 = n.peers[1]
                .stp_ports()
                .into_iter()
                .find(|(h, _)| *h == n.ether1[1])
                .unwrap();
            assert_eq!(l2.1, PortNo(1537), "numbered as the High peer");
            let want = n
                .bridge(0)
                .port(l2.1)
                .map_or(PortState::Discarding, |p| p.state);
            assert_eq!(dp_state(&n, 1, l2.0), want, "at {}", n.now);
        }
    }
    let m = n.peers[1].monitor().stp;
    assert_eq!(n.peers[1].stp_mode(), StpMode::Replica);
    assert!(!m.log_complete, "a catch-up from a snapshot");
    // The snapshot is exact: one catch-up, and no fingerprint (which covers operEdge) ever
    // differed after it.
    assert_eq!(m.resyncs, 1, "{m:?}");
    assert_eq!(m.fingerprint_mismatches, 0, "{m:?}");
    assert_eq!(m.in_sync, Some(true), "the replica converged: {m:?}");
    assert_eq!(n.bridge(1).fingerprint(), n.bridge(0).fingerprint());
    assert_eq!(n.bridge(1).bridge_id(), id);
    assert_eq!(n.x.tree().root_priority.root, id);
    assert_eq!(
        n.mlag_port(1),
        (stp::Role::Designated, PortState::Forwarding)
    );
}

#[test]
fn stp_settings_change_at_run_time_on_either_peer() {
    let mut n = Net::new(quick(None), 4096);
    n.run_for(Duration::from_secs(40));
    assert!(!n.peers[0].monitor().stp.is_root, "X is root");
    // Peer2 (replica) changes its single-homed port's cost: the primary's bridge takes it.
    let apply = |n: &mut Net, i: usize, cfg: Config| {
        let new = cfg.validate().unwrap();
        let changes = mlag_core::config::diff(n.peers[i].config(), &new);
        assert!(!changes.is_empty());
        let now = n.now;
        n.peers[i].apply(now, new, &changes).unwrap();
    };
    let mut c2 = Config::quick_setup(2);
    c2.ports[2].path_cost = Some(7777);
    apply(&mut n, 1, c2);
    n.run_for(Duration::from_secs(5));
    assert_eq!(n.bridge(0).port(PortNo(1537)).unwrap().path_cost, 7777);
    assert_eq!(n.bridge(0).fingerprint(), n.bridge(1).fingerprint());
    // Both peers lower the bridge priority: the pair becomes root, on both.
    let mut c1 = Config::quick_setup(1);
    c1.bridges[0].priority = 4096;
    let mut c2 = Config::quick_setup(2);
    c2.ports[2].path_cost = Some(7777);
    c2.bridges[0].priority = 4096;
    apply(&mut n, 0, c1);
    apply(&mut n, 1, c2);
    n.run_for(Duration::from_secs(10));
    for i in 0..2 {
        assert!(n.peers[i].monitor().stp.is_root, "peer {i}");
        assert_eq!(n.bridge(i).bridge_id().priority_field(), 4096);
    }
    assert_eq!(n.x.tree().root_priority.root.address(), PAIR_ID);
    assert_eq!(n.bridge(0).fingerprint(), n.bridge(1).fingerprint());
}

/// Fuzz finding `regression-peer-lost-renumber` (`fuzz/corpus/mlag_coordinator/`): Peer2
/// connects and takes the Secondary role (peer index High) while Peer1 has already lost the
/// peer-link, so no STP claim ever comes and Peer2 carries on running the bridge with its
/// single-homed port numbered as the Low peer's. When Peer2 then sees the peer-link go down,
/// the port is renumbered for the High index and rejoins the bridge Discarding: the dataplane
/// must be told, or `ether1` forwards while STP says discard. (Since chaos finding 7 the port
/// is held Discarding while the claims are pending, and since chaos finding 2 an own port of a
/// peer not yet released is too — it used to go forwarding here; both holds must end with the
/// dataplane matching the bridge, at the renumbering and at the release.)
#[test]
fn own_port_renumbered_when_the_peer_is_lost_is_not_left_forwarding() {
    let now0 = Instant::ZERO;
    let mut peers = quick(None).map(|c| {
        C::new(
            c.validate().unwrap(),
            RecordingDataplane::new(),
            &Options::new(7),
            now0,
        )
        .unwrap()
    });
    let ether1 = {
        let v = peers[1].config();
        v.port_no(v.find("ether1").unwrap())
    };
    for c in &mut peers {
        let pp = c.peer_port();
        c.handle_link(now0, pp, UP);
        let v = c.config();
        let ports: Vec<PortNo> = ["sfp-sfpplus2", "ether1"]
            .iter()
            .map(|n| v.port_no(v.find(n).unwrap()))
            .collect();
        for p in ports {
            c.handle_link(now0, p, UP);
        }
    }
    // Peer-link frames, Peer1 → Peer2 only once Peer2 has connected.
    let mut now = now0;
    let mut one_way = false;
    let mut one_way_at = now0;
    let end = now0 + Duration::from_secs(20);
    while now < end {
        for i in 0..2 {
            let pp = peers[i].peer_port();
            let frames: Vec<Vec<u8>> = peers[i]
                .dataplane_mut()
                .take_calls()
                .into_iter()
                .filter_map(|c| match c {
                    Call::Transmit { port, frame } if port == pp => Some(frame),
                    _ => None,
                })
                .collect();
            if i == 1 && one_way {
                continue;
            }
            let to = 1 - i;
            let tpp = peers[to].peer_port();
            for f in frames {
                peers[to].handle_frame(now, tpp, &f);
            }
        }
        let m = peers[1].monitor();
        if !one_way && m.status == iccp::Status::Connected {
            // Peer1 loses the peer-link at this instant: it never hears Peer2 again, and what
            // it had not yet sent (its claim) never leaves.
            one_way = true;
            one_way_at = now;
            let pp = peers[0].peer_port();
            peers[0].handle_link(now, pp, LinkState::Down);
            let _ = peers[0].dataplane_mut().take_calls();
        }
        if one_way {
            let _ = peers[0].dataplane_mut().take_calls();
        }
        if one_way
            && (bridge_state_of(&peers[1], ether1) == PortState::Forwarding
                || now >= one_way_at + Duration::from_millis(100))
        {
            break;
        }
        let next = peers.iter().filter_map(C::poll_timeout).min();
        now = next.map_or(end, |t| t.max(now));
        for c in &mut peers {
            if c.poll_timeout().is_some_and(|t| t <= now) {
                c.handle_timeout(now);
            }
        }
    }
    assert!(one_way, "Peer2 never connected");
    let m = peers[1].monitor();
    assert_eq!(m.active_role, Some(iccp::Role::Secondary));
    assert_eq!(peers[1].stp_mode(), StpMode::Primary, "no claim came");
    // High by the election, still numbered Low, no claim, not released: held Discarding
    // whatever its bridge says.
    assert!(!released(&peers[1]));
    assert_eq!(
        dp_state_of(&peers[1], ether1),
        PortState::Discarding,
        "an own port of a peer not released yet forwards"
    );
    let before = peers[1]
        .stp_ports()
        .into_iter()
        .find(|(h, _)| *h == ether1)
        .unwrap()
        .1;
    // Peer2 sees the peer-link go down.
    let pp = peers[1].peer_port();
    peers[1].handle_link(now, pp, LinkState::Down);
    let after = peers[1]
        .stp_ports()
        .into_iter()
        .find(|(h, _)| *h == ether1)
        .unwrap()
        .1;
    assert_ne!(before, after, "the scenario renumbers ether1");
    let b = peers[1].stp().unwrap();
    for (host, l) in peers[1].stp_ports() {
        let bridge = b.port(l).map_or(PortState::Discarding, |p| p.state);
        let dp = dp_state_of(&peers[1], host);
        assert!(
            dp != PortState::Forwarding || bridge == PortState::Forwarding,
            "{host:?} (logical {l:?}) forwards while the bridge says {bridge:?}"
        );
    }
    // Alone until the reload delay: released, the own ports take their bridge's states.
    let end = now + Duration::from_secs(60);
    while !released(&peers[1]) && now < end {
        now = peers[1].poll_timeout().map_or(end, |t| t.max(now));
        peers[1].handle_timeout(now);
    }
    assert!(released(&peers[1]), "never released");
    let own: Vec<PortNo> = ["ether1"]
        .iter()
        .map(|n| {
            peers[1]
                .config()
                .port_no(peers[1].config().find(n).unwrap())
        })
        .collect();
    for host in own {
        assert_eq!(
            dp_state_of(&peers[1], host),
            bridge_state_of(&peers[1], host),
            "{host:?} after the release"
        );
    }
}

fn bridge_state_of(c: &C, host: PortNo) -> PortState {
    let Some((_, l)) = c.stp_ports().into_iter().find(|(h, _)| *h == host) else {
        return PortState::Discarding;
    };
    c.stp()
        .and_then(|b| b.port(l))
        .map_or(PortState::Discarding, |p| p.state)
}

fn dp_state_of(c: &C, port: PortNo) -> PortState {
    c.dataplane().port_state(port, CIST)
}

/// The MLAG halves are released (`released` is shown per half; not while isolated).
fn released(c: &C) -> bool {
    let m = c.monitor();
    !m.mlags.is_empty() && m.mlags.iter().all(|h| h.released)
}
