//! The RouterOS Quick setup in virtual time: Peer1 and Peer2 wired by their peer-ports, a
//! client (this project's `lacp::System`) with one link to each peer's `client-bond`, and an
//! optional backup keepalive path. The client must see one partner and keep both links; the
//! failure cases move next hops and split horizon as the design says.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::expect_used,
    clippy::panic
)]

use core::time::Duration;
use l2_types::{MacAddr, PortNo};
use mlag_core::config::Config;
use mlag_core::coordinator::{LinkState, Options};
use mlag_core::dataplane::{NextHop, RecordingDataplane};

mod client_pair;
use client_pair::{C, ID, Net, UP, default_opts};

const PAIR_ID: MacAddr = MacAddr([2, 0, 0, 0, 1, 0]);

#[test]
fn client_sees_one_partner_and_keeps_both_links() {
    let mut n = Net::new(default_opts());
    n.run_for(Duration::from_secs(10));
    for p in &n.peers {
        let m = p.monitor();
        assert_eq!(m.status, iccp::Status::Connected);
        assert_eq!(m.system_id, PAIR_ID);
    }
    // The client's bond monitor: both ports active, one partner = the pair's system-id.
    let lag = n.client.lag(lacp::LagId(1)).unwrap();
    assert!(lag.up);
    assert_eq!(lag.ports_distributing, 2, "{lag:?}");
    assert_eq!(lag.partner_system.unwrap().mac, PAIR_ID);
    for port in 1..=2 {
        let s = n.client_port(port);
        assert!(s.collecting && s.distributing, "port {port}: {s:?}");
        assert_eq!(s.partner.system, PAIR_ID);
        assert_eq!(s.partner.key, mlag_core::config::lacp_key(10));
    }
    // Disjoint partner port numbers: Low peer 1, High peer 0x8001.
    assert_eq!(n.client_port(1).partner.port, 1);
    assert_eq!(n.client_port(2).partner.port, 0x8001);
    // The consistency check ran on both sides and found nothing.
    for p in &n.peers {
        let r = p.monitor().consistency.unwrap();
        assert!(r.findings.is_empty(), "{r:?}");
        assert_eq!(r.system_id, Some(PAIR_ID));
    }
    // Each peer: member collecting+distributing, both halves up, next hop local, peer-port
    // traffic blocked towards the client (split horizon).
    for i in 0..2 {
        assert_eq!(n.peers[i].dataplane().member(n.slave[i]), (true, true));
        let h = n.half(i);
        assert!(h.released && h.local_up && h.peer_up, "{h:?}");
        assert_eq!(n.peers[i].dataplane().next_hop(ID), NextHop::Local);
        assert!(!n.peers[i].dataplane().peer_forwarding(ID));
    }
}

#[test]
fn member_link_down_repoints_and_opens_split_horizon() {
    let mut n = Net::new(default_opts());
    n.run_for(Duration::from_secs(10));
    n.peers[1].dataplane_mut().take_calls();
    n.set_client_link(0, false);
    // Peer1 re-points its logical port at once (the link-down notice is the input).
    assert_eq!(n.peers[0].dataplane().next_hop(ID), NextHop::PeerPort);
    assert_eq!(n.peers[0].dataplane().member(n.slave[0]), (false, false));
    // One peer-link delay later (instant here) Peer2 lets peer-port traffic out to the client.
    n.run_for(Duration::from_millis(100));
    assert!(n.peers[1].dataplane().peer_forwarding(ID));
    assert_eq!(n.peers[1].dataplane().next_hop(ID), NextHop::Local);
    // The client keeps the bond on the surviving link, same partner, no renegotiation.
    let lag = n.client.lag(lacp::LagId(1)).unwrap();
    assert!(lag.up);
    assert_eq!(lag.ports_distributing, 1);
    assert!(n.client_port(2).distributing);
    assert_eq!(lag.partner_system.unwrap().mac, PAIR_ID);
    // Restore: both halves up again, split horizon closed.
    n.set_client_link(0, true);
    n.run_for(Duration::from_secs(5));
    assert_eq!(n.peers[0].dataplane().next_hop(ID), NextHop::Local);
    assert!(!n.peers[1].dataplane().peer_forwarding(ID));
    assert_eq!(n.client.lag(lacp::LagId(1)).unwrap().ports_distributing, 2);
}

#[test]
fn reload_delay_holds_the_halves_without_a_peer() {
    let mut n = Net::new(default_opts());
    n.peer_link = false;
    n.alive[0] = false;
    n.set_client_link(0, false);
    n.run_for(Duration::from_secs(29));
    let h = n.half(1);
    assert!(!h.released && !h.local_up, "{h:?}");
    assert!(n.peers[1].monitor().demux.lacp_held > 0);
    assert!(!n.client_port(2).distributing);
    n.run_for(Duration::from_secs(3));
    // Reload delay (30 s) over: Peer2 comes up alone with its own MAC as system-id.
    assert!(n.half(1).released);
    n.run_for(Duration::from_secs(5));
    assert!(n.client_port(2).distributing);
    assert_eq!(n.client_port(2).partner.system, MacAddr([2, 0, 0, 0, 2, 0]));
}

#[test]
fn peer_crash_survivor_keeps_system_id_and_client_keeps_its_bond() {
    let mut n = Net::new(default_opts());
    n.run_for(Duration::from_secs(10));
    // Peer1 (primary, lowest MAC) dies: its links go dark.
    n.alive[0] = false;
    n.set_client_link(0, false);
    let now = n.now;
    let pp = n.peers[1].peer_port();
    n.peers[1].handle_link(now, pp, LinkState::Down);
    n.run_for(Duration::from_secs(20));
    let m = n.peers[1].monitor();
    assert_eq!(m.active_role, Some(iccp::Role::Primary));
    assert_eq!(m.system_id, PAIR_ID, "sticky system-id");
    // The client never saw another partner on its remaining link.
    let s = n.client_port(2);
    assert!(s.distributing);
    assert_eq!(s.partner.system, PAIR_ID);
    assert_eq!(n.peers[1].dataplane().next_hop(ID), NextHop::Local);
}

#[test]
fn peer_link_down_with_peer_alive_isolates_the_secondary() {
    let mut opts = default_opts();
    for o in &mut opts {
        o.backup = true;
    }
    let mut n = Net::new(opts);
    n.run_for(Duration::from_secs(10));
    assert!(n.peers.iter().all(|p| p.monitor().backup_alive));
    // The peer-link black-holes; the backup path still works.
    n.peer_link = false;
    n.run_for(Duration::from_secs(20));
    let m1 = n.peers[1].monitor();
    assert!(m1.isolated, "secondary isolates");
    assert!(!n.peers[0].monitor().isolated, "primary carries on");
    // The client dropped Peer2's link from its aggregator: no split brain.
    let lag = n.client.lag(lacp::LagId(1)).unwrap();
    assert!(lag.up);
    assert_eq!(lag.partner_system.unwrap().mac, PAIR_ID);
    assert!(n.client_port(1).distributing);
    assert!(!n.client_port(2).distributing, "{:?}", n.client_port(2));
    // Peer-link back: the secondary rejoins with the pair's system-id, both links active.
    n.peer_link = true;
    n.run_for(Duration::from_secs(30));
    assert!(!n.peers[1].monitor().isolated);
    assert_eq!(n.client.lag(lacp::LagId(1)).unwrap().ports_distributing, 2);
}

#[test]
fn lacp_rate_change_applies_at_run_time() {
    let mut n = Net::new(default_opts());
    n.run_for(Duration::from_secs(10));
    let old = n.peers[0].config().clone();
    let mut cfg = Config::quick_setup(1);
    cfg.bonds[0].lacp_rate = mlag_core::config::LacpRate::Sec1;
    let new = cfg.validate().unwrap();
    let changes = mlag_core::config::diff(&old, &new);
    let now = n.now;
    n.peers[0].apply(now, new, &changes).unwrap();
    n.run_for(Duration::from_secs(2));
    let slave = n.slave[0];
    let s = n.peers[0].lacp().port(slave).unwrap();
    assert!(s.actor.state.is_short_timeout(), "{:?}", s.actor);
    // The client's view of that link now asks for fast LACPDUs from... its partner state says
    // Short Timeout too.
    assert!(n.client_port(1).partner.state.is_short_timeout());
    assert_eq!(n.client.lag(lacp::LagId(1)).unwrap().ports_distributing, 2);
}

#[test]
fn config_mismatch_holds_the_secondary_half_down_until_fixed() {
    let mut b = Config::quick_setup(2);
    b.ports[1].pvid = 20; // Peer2's client-bond in VLAN 20, Peer1's in VLAN 10.
    let mut n = Net::with_configs([Config::quick_setup(1), b], default_opts());
    n.run_for(Duration::from_secs(10));
    // Both peers report the mismatch; the secondary (Peer2) holds its half down.
    for p in &n.peers {
        let r = p.monitor().consistency.unwrap();
        assert!(
            r.findings
                .iter()
                .any(|f| matches!(f.mismatch, mlag_core::preflight::Mismatch::Pvid(..))),
            "{r:?}"
        );
        assert_eq!(r.outcome(ID), Some(mlag_core::preflight::Outcome::HeldDown));
    }
    assert!(!n.half(0).held_down);
    assert!(n.half(1).held_down);
    // The client runs on Peer1's link only, with the pair's system-id.
    let lag = n.client.lag(lacp::LagId(1)).unwrap();
    assert!(lag.up);
    assert_eq!(lag.partner_system.unwrap().mac, PAIR_ID);
    assert!(n.client_port(1).distributing);
    assert!(!n.client_port(2).distributing, "{:?}", n.client_port(2));
    // Fix Peer2's configuration at run time: the half comes back without a restart.
    let old = n.peers[1].config().clone();
    let new = Config::quick_setup(2).validate().unwrap();
    let changes = mlag_core::config::diff(&old, &new);
    assert!(!changes.is_empty());
    let now = n.now;
    n.peers[1].apply(now, new, &changes).unwrap();
    n.run_for(Duration::from_secs(5));
    assert!(!n.half(1).held_down);
    assert!(
        n.peers[1]
            .monitor()
            .consistency
            .unwrap()
            .findings
            .is_empty()
    );
    assert!(n.client_port(2).distributing);
    assert_eq!(n.client.lag(lacp::LagId(1)).unwrap().ports_distributing, 2);
}

#[test]
fn pair_wide_mismatch_holds_every_secondary_half() {
    let mut b = Config::quick_setup(2);
    b.bridges[0].priority = 0x1000;
    let mut n = Net::with_configs([Config::quick_setup(1), b], default_opts());
    n.run_for(Duration::from_secs(10));
    assert!(n.half(1).held_down);
    assert!(!n.half(0).held_down);
    assert!(n.client_port(1).distributing);
    assert!(!n.client_port(2).distributing);
}

#[test]
fn warnings_hold_nothing() {
    let mut b = Config::quick_setup(2);
    b.bonds[0].transmit_hash_policy = mlag_core::config::TransmitHashPolicy::Layer3And4;
    let mut n = Net::with_configs([Config::quick_setup(1), b], default_opts());
    n.run_for(Duration::from_secs(10));
    let r = n.peers[1].monitor().consistency.unwrap();
    assert_eq!(r.findings.len(), 1);
    assert!(!n.half(1).held_down);
    assert_eq!(n.client.lag(lacp::LagId(1)).unwrap().ports_distributing, 2);
}

/// The failover figures of `performance.md`, in virtual time with a 5 ms peer-link.
#[test]
fn member_link_down_timeline_is_l_plus_d() {
    let d = Duration::from_millis(5);
    let mut n = Net::new(default_opts());
    n.peer_delay = d;
    n.run_for(Duration::from_secs(10));
    assert_eq!(n.client.lag(lacp::LagId(1)).unwrap().ports_distributing, 2);
    // t0: the host reports Peer1's member down (t0 = failure + L).
    let t0 = n.now;
    n.set_client_link(0, false);
    // At t0 Peer1 already sends the client's traffic over the peer-link (one call).
    assert_eq!(n.peers[0].dataplane().next_hop(ID), NextHop::PeerPort);
    // Peer2 lets it out to the client exactly one peer-link delay later: L + d.
    n.run_until(t0 + d - Duration::from_nanos(1));
    assert!(!n.peers[1].dataplane().peer_forwarding(ID));
    n.run_until(t0 + d);
    assert!(n.peers[1].dataplane().peer_forwarding(ID));
    // The client never lost its bond.
    assert!(n.client.lag(lacp::LagId(1)).unwrap().up);
}

/// The peer-port's carrier drops while the peer lives: each peer writes its evidence on the
/// backup path at once ("disconnected, armed": only a live peer that saw the failure can say
/// so, see `mlag_core::coordinator::split`), so the secondary isolates within 2L + the backup
/// path's delay (0 in this harness) — no longer waiting for the next keepalive (H_b).
#[test]
fn peer_link_carrier_loss_with_backup_isolates_the_secondary_on_the_peers_evidence() {
    let mut opts = default_opts();
    for o in &mut opts {
        o.backup = true;
    }
    let mut n = Net::new(opts);
    n.peer_delay = Duration::from_millis(5);
    n.run_for(Duration::from_secs(10));
    assert!(n.peers.iter().all(|p| p.monitor().backup_alive));
    // t0: both peers see the peer-port's carrier drop (t0 = failure + L).
    n.peer_link = false;
    let now = n.now;
    for p in &mut n.peers {
        let pp = p.peer_port();
        p.handle_link(now, pp, LinkState::Down);
    }
    n.run_until(now);
    let after = if n.peers[1].monitor().isolated {
        Duration::ZERO
    } else {
        Duration::MAX
    };
    assert_eq!(
        n.peers[1].monitor().peer_verdict,
        mlag_core::coordinator::split::PeerVerdict::AliveSplit
    );
    // Isolated, and the client dropped Peer2's link at once (the LACPDU with the new identity
    // is sent immediately).
    let at = n.now;
    n.run_until(at);
    assert_eq!(after, Duration::ZERO, "not isolated on the peer's evidence");
    assert!(n.peers[1].monitor().isolated);
    assert!(!n.peers[0].monitor().isolated);
    assert!(!n.client_port(2).distributing, "{:?}", n.client_port(2));
    assert!(n.client_port(1).distributing);
    assert_eq!(
        n.peers[1].monitor().active_role,
        Some(iccp::Role::Secondary),
        "the secondary keeps its role while the backup path hears the peer"
    );
    // The backup path dies too: the peer is gone for Peer2's purposes; it becomes primary and
    // rejoins the client's LAG with the pair's system-id.
    n.backup_link = false;
    n.run_for(Duration::from_secs(30));
    assert_eq!(n.peers[1].monitor().active_role, Some(iccp::Role::Primary));
    assert!(!n.peers[1].monitor().isolated);
    assert_eq!(n.client_port(2).partner.system, PAIR_ID);
}

#[test]
fn peers_that_came_up_alone_renumber_and_merge_when_they_meet() {
    let mut n = Net::new(default_opts());
    n.peer_link = false;
    n.run_for(Duration::from_secs(40));
    // Both came up alone after the reload delay, each with its own MAC: the client sees two
    // partners and can aggregate with one of them only.
    assert!(n.half(0).released && n.half(1).released);
    assert_eq!(n.client_port(2).partner.system, MacAddr([2, 0, 0, 0, 2, 0]));
    assert_eq!(
        n.client_port(2).partner.port,
        1,
        "numbered as if Low while alone"
    );
    assert_eq!(n.client.lag(lacp::LagId(1)).unwrap().ports_distributing, 1);
    // The peer-link comes up: Peer2 (High) adopts the pair's system-id and renumbers.
    n.peer_link = true;
    n.run_for(Duration::from_secs(30));
    assert!(
        n.peers
            .iter()
            .all(|p| p.monitor().status == iccp::Status::Connected)
    );
    assert_eq!(n.client_port(2).partner.system, PAIR_ID);
    assert_eq!(n.client_port(2).partner.port, 0x8001);
    assert_eq!(n.client_port(1).partner.port, 1);
    let lag = n.client.lag(lacp::LagId(1)).unwrap();
    assert_eq!(lag.ports_distributing, 2, "{lag:?}");
}

#[test]
fn lower_mac_peer_joining_a_survivor_changes_no_partner() {
    // Peer1 (the lower MAC) is down; Peer2 runs alone with the client after the reload delay.
    let mut n = Net::new(default_opts());
    n.peer_link = false;
    n.alive[0] = false;
    n.set_client_link(0, false);
    n.run_for(Duration::from_secs(40));
    let alone = MacAddr([2, 0, 0, 0, 2, 0]);
    assert!(n.half(1).released);
    assert!(n.client_port(2).distributing);
    assert_eq!(n.client_port(2).partner.system, alone);
    assert_eq!(n.peers[1].monitor().system_id, alone);
    let partners_before = n.partners[1].len();
    let events_before = n.client_events.len();
    // Peer1 reboots (a fresh coordinator) and rejoins: peer-link and its client link up.
    let now = n.now;
    let mut p1 = C::new(
        Config::quick_setup(1).validate().unwrap(),
        RecordingDataplane::new(),
        &Options::new(11),
        now,
    )
    .unwrap();
    let pp = p1.peer_port();
    p1.handle_link(now, pp, UP);
    p1.handle_link(now, n.slave[0], UP);
    n.peers[0] = p1;
    n.alive[0] = true;
    n.peer_link = true;
    n.set_client_link(0, true);
    n.run_for(Duration::from_secs(60));
    for p in &n.peers {
        let m = p.monitor();
        assert_eq!(m.status, iccp::Status::Connected);
        assert_eq!(
            m.system_id, alone,
            "the joining peer adopts the incumbent system-id"
        );
    }
    // The client's link to the survivor saw zero partner changes and never left the bond.
    assert_eq!(
        n.partners[1].len(),
        partners_before,
        "partner changes on the survivor's link: {:?}",
        n.partners[1]
    );
    let p2 = PortNo(2);
    let churn: Vec<_> = n.client_events[events_before..]
        .iter()
        .filter(|e| {
            matches!(
                e,
                lacp::Event::PortUnselected { port }
                    | lacp::Event::Detached { port } if *port == p2
            )
        })
        .collect();
    assert!(
        churn.is_empty(),
        "the survivor's link renegotiated: {churn:?}"
    );
    // The rejoined peer's link joins the same partner: one bond of two links.
    let s1 = n.client_port(1);
    assert_eq!(s1.partner.system, alone);
    assert_ne!(s1.partner.port, n.client_port(2).partner.port);
    let lag = n.client.lag(lacp::LagId(1)).unwrap();
    assert_eq!(lag.ports_distributing, 2, "{lag:?}");
    assert_eq!(lag.partner_system.unwrap().mac, alone);
}
