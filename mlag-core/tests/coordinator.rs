//! Two coordinators wired back to back over their peer-ports in virtual time: connection,
//! election, system-id, monitor, run-time priority change, peer-port loss; and the demux.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::expect_used,
    clippy::panic
)]

use core::time::Duration;
use l2_types::{Instant, MacAddr, PortNo};
use mlag_core::config::{Config, diff};
use mlag_core::coordinator::{FrameKind, Options, classify};
use mlag_core::dataplane::{CIST, Call, PortState, RecordingDataplane};

mod peer_pair;
use peer_pair::{C, Pair};

fn quick() -> [Config; 2] {
    [Config::quick_setup(1), Config::quick_setup(2)]
}

const MAC1: MacAddr = MacAddr([2, 0, 0, 0, 1, 0]);

#[test]
fn quick_setup_pair_connects_and_elects() {
    let mut p = Pair::quick();
    p.run_for(Duration::from_secs(5));
    let m: Vec<_> = p.c.iter().map(C::monitor).collect();
    for x in &m {
        assert_eq!(x.status, iccp::Status::Connected);
        assert_eq!(x.system_id, MAC1);
    }
    assert_eq!(m[0].active_role, Some(iccp::Role::Primary));
    assert_eq!(m[1].active_role, Some(iccp::Role::Secondary));
    assert_eq!(m[1].peer.as_ref().unwrap().bridge_mac, MAC1);
    assert!(m[0].demux.iccp > 0 && m[1].demux.iccp > 0);
    assert_eq!(m[0].demux.iccp_rejected, 0);
    // Stays connected on heartbeats.
    p.run_for(Duration::from_secs(60));
    assert!(
        p.c.iter()
            .all(|c| c.monitor().status == iccp::Status::Connected)
    );
}

#[test]
fn monitor_prints_like_routeros() {
    let mut p = Pair::quick();
    p.run_for(Duration::from_secs(5));
    let text = p.c[1].monitor().to_string();
    assert_eq!(
        text,
        "       status: connected\n    system-id: 02:00:00:00:01:00\n  active-role: secondary\n"
    );
}

#[test]
fn peer_port_forwards_on_every_tree() {
    let p = Pair::quick();
    let pp = p.c[0].peer_port();
    assert_eq!(
        p.c[0].dataplane().port_state(pp, CIST),
        PortState::Forwarding
    );
    let mut cfg = Config::quick_setup(1);
    cfg.bridges[0].protocol_mode = mlag_core::config::ProtocolMode::Mstp;
    cfg.mstis
        .push(mlag_core::config::Msti::new("bridge1", 3, &[10]));
    let c = C::new(
        cfg.validate().unwrap(),
        RecordingDataplane::new(),
        &Options::new(1),
        Instant::ZERO,
    )
    .unwrap();
    assert_eq!(c.dataplane().port_state(pp, 3), PortState::Forwarding);
}

#[test]
fn lower_priority_wins_and_priority_change_moves_the_role_without_a_flap() {
    let [a, mut b] = quick();
    b.mlag.priority = 10;
    let mut p = Pair::new([a, b], [1, 2], 0);
    p.run_for(Duration::from_secs(5));
    assert_eq!(p.c[1].monitor().active_role, Some(iccp::Role::Primary));
    assert_eq!(p.c[0].monitor().active_role, Some(iccp::Role::Secondary));
    // System-id is still the lowest MAC.
    assert_eq!(p.c[1].monitor().system_id, MAC1);
    for c in &mut p.c {
        c.take_events();
    }
    // Peer1 gets priority 5: roles swap over the running session.
    let old = p.c[0].config().clone();
    let mut cfg = Config::quick_setup(1);
    cfg.mlag.priority = 5;
    let new = cfg.validate().unwrap();
    let changes = diff(&old, &new);
    let now = p.now;
    p.c[0].apply(now, new, &changes).unwrap();
    p.run_for(Duration::from_secs(2));
    assert_eq!(p.c[0].monitor().active_role, Some(iccp::Role::Primary));
    assert_eq!(p.c[1].monitor().active_role, Some(iccp::Role::Secondary));
    for c in &mut p.c {
        let ev = c.take_events();
        assert!(
            !ev.iter().any(|e| matches!(e, iccp::Event::Disconnected(_))),
            "no flap: {ev:?}"
        );
        assert_eq!(c.monitor().status, iccp::Status::Connected);
    }
}

#[test]
fn heartbeat_change_applies() {
    let mut p = Pair::quick();
    p.run_for(Duration::from_secs(5));
    let old = p.c[0].config().clone();
    let mut cfg = Config::quick_setup(1);
    cfg.mlag.heartbeat = Some(Duration::from_secs(1));
    let new = cfg.validate().unwrap();
    let changes = diff(&old, &new);
    let now = p.now;
    p.c[0].apply(now, new, &changes).unwrap();
    assert_eq!(p.c[0].heartbeat(), Some(Duration::from_secs(1)));
    assert_eq!(
        p.c[0].config().mlag_heartbeat(),
        Some(Duration::from_secs(1))
    );
}

#[test]
fn restarting_changes_are_refused() {
    let mut p = Pair::quick();
    let old = p.c[0].config().clone();
    let mut cfg = Config::quick_setup(1);
    cfg.bridges[0].admin_mac = Some(MacAddr([2, 0, 0, 0, 1, 0x55]));
    let new = cfg.validate().unwrap();
    let changes = diff(&old, &new);
    let now = p.now;
    assert!(p.c[0].apply(now, new, &changes).is_err());
    assert_eq!(p.c[0].config(), &old);
}

#[test]
fn silent_peer_link_keeps_the_system_id_and_survivor_is_primary() {
    let mut p = Pair::quick();
    p.run_for(Duration::from_secs(5));
    for c in &mut p.c {
        c.take_events();
    }
    // The peer-link black-holes frames: after 3 heartbeats (15 s) each side is alone — or
    // sooner, when unacknowledged application data (the STP log the primary streams) hits the
    // retransmit limit first.
    p.link = false;
    p.run_for(Duration::from_secs(20));
    for c in &mut p.c {
        let ev = c.take_events();
        assert!(
            ev.iter().any(|e| matches!(
                e,
                iccp::Event::PeerSilent { .. }
                    | iccp::Event::Disconnected(iccp::DisconnectReason::RetransmitLimit)
            )),
            "{ev:?}"
        );
        let m = c.monitor();
        assert_ne!(m.status, iccp::Status::Connected);
        // Sticky: clients keep their partner.
        assert_eq!(m.system_id, MAC1);
    }
    assert_eq!(p.c[1].monitor().active_role, Some(iccp::Role::Primary));
    // Restored: they reconnect and re-elect.
    p.link = true;
    p.run_for(Duration::from_secs(20));
    assert!(
        p.c.iter()
            .all(|c| c.monitor().status == iccp::Status::Connected)
    );
    assert_eq!(p.c[1].monitor().active_role, Some(iccp::Role::Secondary));
}

#[test]
fn mlag_disabled_is_refused() {
    let mut cfg = Config::quick_setup(1);
    cfg.mlag.bridge = None;
    let r = C::new(
        cfg.validate().unwrap(),
        RecordingDataplane::new(),
        &Options::new(1),
        Instant::ZERO,
    );
    assert!(matches!(
        r,
        Err(mlag_core::coordinator::Error::MlagDisabled)
    ));
}

fn frame(dst: [u8; 6], et: [u8; 2], rest: &[u8]) -> Vec<u8> {
    let mut f = dst.to_vec();
    f.extend_from_slice(&[2, 0, 0, 0, 9, 9]);
    f.extend_from_slice(&et);
    f.extend_from_slice(rest);
    f
}

#[test]
fn classify_by_destination_and_ethertype() {
    let slow = [0x01, 0x80, 0xc2, 0, 0, 2];
    let stp = [0x01, 0x80, 0xc2, 0, 0, 0];
    let near = [0x01, 0x80, 0xc2, 0, 0, 0x0e];
    assert_eq!(
        classify(&frame(slow, [0x88, 0x09], &[1, 1])),
        FrameKind::Lacp
    );
    assert_eq!(
        classify(&frame(slow, [0x88, 0x09], &[2, 1])),
        FrameKind::Marker
    );
    assert_eq!(
        classify(&frame(slow, [0x88, 0x09], &[10])),
        FrameKind::Other
    );
    assert_eq!(classify(&frame(slow, [0x88, 0x09], &[])), FrameKind::Runt);
    assert_eq!(classify(&frame(slow, [0x08, 0x00], &[1])), FrameKind::Other);
    assert_eq!(
        classify(&frame(stp, [0, 0x26], &[0x42, 0x42, 3, 0, 0])),
        FrameKind::Bpdu
    );
    assert_eq!(
        classify(&frame(stp, [0, 0x26], &[0xaa, 0xaa, 3])),
        FrameKind::Other
    );
    assert_eq!(classify(&frame(stp, [0, 0x26], &[0x42])), FrameKind::Runt);
    assert_eq!(
        classify(&frame(stp, [0x88, 0xb5], &[0x42, 0x42, 3])),
        FrameKind::Other
    );
    assert_eq!(classify(&frame(near, [0x88, 0xb5], &[])), FrameKind::Iccp);
    assert_eq!(classify(&frame(stp, [0x88, 0xb5], &[])), FrameKind::Other);
    assert_eq!(classify(&[0u8; 13]), FrameKind::Runt);
    assert_eq!(classify(&[]), FrameKind::Runt);
    // Total on arbitrary octets.
    for n in 0..64u8 {
        let junk: Vec<u8> = (0..n).map(|i| i.wrapping_mul(37)).collect();
        let _ = classify(&junk);
    }
}

#[test]
fn control_frames_on_the_wrong_port_are_counted_and_dropped() {
    let mut p = Pair::quick();
    let now = p.now;
    let v = p.c[0].config().clone();
    let ether1 = v.port_no(v.find("ether1").unwrap());
    let slave = v.port_no(v.find("sfp-sfpplus2").unwrap());
    let pp = p.c[0].peer_port();
    let c = &mut p.c[0];
    c.dataplane_mut().take_calls();
    let slow = [0x01, 0x80, 0xc2, 0, 0, 2];
    let stp = [0x01, 0x80, 0xc2, 0, 0, 0];
    let near = [0x01, 0x80, 0xc2, 0, 0, 0x0e];
    c.handle_frame(now, ether1, &frame(near, [0x88, 0xb5], &[0; 40]));
    c.handle_frame(now, ether1, &frame(slow, [0x88, 0x09], &[1; 40]));
    c.handle_frame(now, slave, &frame(slow, [0x88, 0x09], &[1; 40]));
    c.handle_frame(now, pp, &frame(stp, [0, 0x26], &[0x42, 0x42, 3, 0]));
    c.handle_frame(now, ether1, &frame(stp, [0, 0x26], &[0x42, 0x42, 3, 0]));
    c.handle_frame(now, ether1, &frame([2, 0, 0, 0, 0, 1], [0x08, 0], &[0; 40]));
    c.handle_frame(now, ether1, &[1, 2, 3]);
    c.handle_frame(now, PortNo(999), &frame(near, [0x88, 0xb5], &[0; 40]));
    c.handle_frame(now, pp, &frame(near, [0x88, 0xb5], &[0xff; 40]));
    let d = c.monitor().demux;
    assert_eq!(d.iccp_off_peer_port, 1);
    assert_eq!(d.lacp_not_slave, 1);
    // The MLAG slave is held until the peer connects (or the reload delay ends).
    assert_eq!((d.lacp, d.lacp_held), (0, 1));
    assert_eq!(d.bpdu_on_peer_port, 1);
    assert_eq!(d.bpdu, 1);
    assert_eq!(d.not_control, 1);
    assert_eq!(d.runts, 1);
    assert_eq!(d.unknown_port, 1);
    assert_eq!((d.iccp, d.iccp_rejected), (1, 1));
    // Nothing was sent anywhere but the peer-port.
    assert!(c.dataplane().calls().iter().all(|call| match call {
        Call::Transmit { port, .. } => *port == pp,
        _ => true,
    }));
}

/// xorshift64*: a seeded generator for garbage.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

#[test]
fn garbage_on_every_port_is_counted_never_a_panic_and_the_pair_stays_up() {
    let mut p = Pair::quick();
    p.run_for(Duration::from_secs(5));
    let heads: [([u8; 6], [u8; 2]); 4] = [
        ([0x01, 0x80, 0xc2, 0, 0, 2], [0x88, 0x09]),
        ([0x01, 0x80, 0xc2, 0, 0, 0], [0x00, 0x26]),
        ([0x01, 0x80, 0xc2, 0, 0, 0x0e], [0x88, 0xb5]),
        ([0xff; 6], [0x08, 0x06]),
    ];
    let mut rng = Rng(0x5eed_1234_abcd_0001);
    let mut sent = 0u64;
    for round in 0..2000 {
        let side = (round % 2) as usize;
        let len = rng.below(160) as usize;
        let mut frame: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        if len >= 14 && rng.below(4) != 0 {
            let (dst, et) = heads[rng.below(4) as usize];
            frame[..6].copy_from_slice(&dst);
            frame[12..14].copy_from_slice(&et);
            if et == [0x00, 0x26] && len >= 17 {
                frame[14..17].copy_from_slice(&[0x42, 0x42, 0x03]);
            }
            if et == [0x88, 0x09] && len >= 15 {
                frame[14] = 1 + rng.below(2) as u8;
            }
        }
        let port = PortNo(rng.below(12) as u16);
        let now = p.now;
        p.c[side].handle_frame(now, port, &frame);
        sent += 1;
        if round % 100 == 0 {
            p.run_for(Duration::from_millis(500));
        }
    }
    p.run_for(Duration::from_secs(5));
    let mut counted = 0;
    for c in &p.c {
        let m = c.monitor();
        assert_eq!(
            m.status,
            iccp::Status::Connected,
            "garbage broke the session"
        );
        let d = m.demux;
        counted += d.iccp_off_peer_port
            + d.lacp
            + d.lacp_held
            + d.lacp_not_slave
            + d.bpdu
            + d.bpdu_on_peer_port
            + d.not_control
            + d.runts
            + d.unknown_port
            + d.iccp_rejected;
    }
    // Every garbage frame is counted under one reason (accepted ICCP frames are the real
    // session's and not counted here; a garbage ICCP frame is always rejected).
    assert_eq!(counted, sent);
    assert_eq!(p.c[0].monitor().active_role, Some(iccp::Role::Primary));
}
