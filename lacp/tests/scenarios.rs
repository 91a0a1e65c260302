//! Selection policies, hot standby, min-links, loopback, Marker responder, OVS quirk,
//! snapshot/restore, malformed frames, rate limiting.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::expect_used,
    clippy::panic
)]

mod common;
use common::*;
use l2_types::{Duration, Instant, MacAddr, PortNo};
use lacp::wire::{PortInfo, PortState};
use lacp::*;

const P1: PortNo = PortNo(1);
const P2: PortNo = PortNo(2);
const P3: PortNo = PortNo(3);

fn short(c: PortConfig) -> PortConfig {
    c.with_short_timeout()
}

fn three_links(a_lag: LagConfig) -> Net {
    let mut a = system(1);
    let mut b = system(2);
    add_lag(&mut a, 1, 1, a_lag, &[1, 2, 3], short);
    add_lag(&mut b, 2, 1, LagConfig::new(5), &[1, 2, 3], short);
    let mut net = Net::new(vec![a, b]);
    for p in [P1, P2, P3] {
        net.wire((0, p), (1, p));
    }
    net
}

#[test]
fn max_active_hot_standby_and_takeover() {
    let mut cfg = LagConfig::new(1);
    cfg.max_active = Some(2);
    let mut net = three_links(cfg);
    net.run_for(Duration::from_secs(10));
    let st: Vec<_> = [P1, P2, P3].iter().map(|p| net.port((0, *p))).collect();
    assert_eq!(st[0].selected, Selected::Selected);
    assert_eq!(st[1].selected, Selected::Selected);
    assert_eq!(st[2].selected, Selected::Standby);
    assert!(st[0].distributing && st[1].distributing && !st[2].distributing);
    assert!(
        !net.port((1, P3)).distributing,
        "partner keeps the standby link out"
    );
    assert_eq!(net.systems[0].lag(LagId(1)).unwrap().ports_distributing, 2);
    // An active link fails: the standby one takes over.
    net.link((0, P1), LinkState::Down);
    net.link((1, P1), LinkState::Down);
    let t = net
        .run_until(Duration::from_secs(10), |n| {
            n.distributing(&[(0, P3), (1, P3)])
        })
        .expect("standby takes over");
    assert!(t <= Duration::from_secs(4), "{t:?}");
    assert_eq!(net.port((0, P3)).selected, Selected::Selected);
}

#[test]
fn better_system_decides_which_links_are_active() {
    // b (worse System ID) limits to 1 active link but a decides by its own port priorities.
    let mut a = system(1);
    let mut b = system(2);
    add_lag(&mut a, 1, 1, LagConfig::new(1), &[1, 2], short);
    let mut cfg = LagConfig::new(5);
    cfg.max_active = Some(1);
    b.add_lag(Instant::from_secs(1000), LagId(1), cfg).unwrap();
    for p in [1u16, 2] {
        // b prefers its port 1, but a's port 2 has the better priority on a.
        let mut c = short(PortConfig::new(mac(2, p as u8), LagId(1), p));
        c.port_priority = if p == 1 { 1 } else { 1000 };
        b.add_port(Instant::from_secs(1000), PortNo(p), c).unwrap();
    }
    let mut net = Net::new(vec![a, b]);
    // wire a.1 <-> b.2 and a.2 <-> b.1, and give a's port 1 the better priority
    let mut c = short(PortConfig::new(mac(1, 1), LagId(1), 1));
    c.port_priority = 1;
    net.systems[0].set_port_config(net.now, P1, c).unwrap();
    net.wire((0, P1), (1, P2));
    net.wire((0, P2), (1, P1));
    net.run_for(Duration::from_secs(10));
    // a has the better System ID: its port 1 (b's port 2) is the active link.
    assert_eq!(net.port((1, P2)).selected, Selected::Selected);
    assert_eq!(net.port((1, P1)).selected, Selected::Standby);
    assert!(net.distributing(&[(0, P1), (1, P2)]));
}

#[test]
fn min_links_lag_down_below_threshold() {
    let mut cfg = LagConfig::new(1);
    cfg.min_links = 3;
    let mut net = three_links(cfg);
    net.run_for(Duration::from_secs(10));
    assert!(net.systems[0].lag(LagId(1)).unwrap().up);
    assert!(net.distributing(&[(0, P1), (0, P2), (0, P3)]));
    assert!(
        net.events
            .iter()
            .any(|(_, i, e)| *i == 0 && *e == Event::LagUp { lag: LagId(1) })
    );
    net.link((0, P3), LinkState::Down);
    net.link((1, P3), LinkState::Down);
    net.run_for(Duration::from_secs(1));
    let lag = net.systems[0].lag(LagId(1)).unwrap();
    assert!(!lag.up);
    assert!(
        net.events
            .iter()
            .any(|(_, i, e)| *i == 0 && *e == Event::LagDown { lag: LagId(1) })
    );
    for p in [P1, P2, P3] {
        assert!(
            !net.port((0, p)).distributing,
            "{p:?} distributes below min_links"
        );
    }
    // Back above the threshold.
    net.link((0, P3), UP);
    net.link((1, P3), UP);
    net.run_until(Duration::from_secs(10), |n| {
        n.distributing(&[(0, P1), (0, P2), (0, P3)])
    })
    .expect("up again");
}

/// a's LAG ports 1..=3; port 1 to b (one link), ports 2, 3 to c (two links).
fn policy_net(policy: SelectionPolicy, stagger: bool, p1_speed: u32) -> Net {
    let mut a = system(1);
    a.set_system_config(
        Instant::from_secs(1000),
        SystemConfig {
            selection: policy,
            ..*a.config()
        },
    )
    .unwrap();
    let mut b = system(2);
    let mut c = system(3);
    add_lag(&mut a, 1, 1, LagConfig::new(1), &[1, 2, 3], |c| {
        let mut c = short(c);
        if c.port_number == 1 {
            c.port_priority = 100;
        }
        c
    });
    add_lag(&mut b, 2, 1, LagConfig::new(1), &[1], short);
    add_lag(&mut c, 3, 1, LagConfig::new(1), &[2, 3], short);
    let mut net = Net::new(vec![a, b, c]);
    net.wire((0, P1), (1, P1));
    let fast = LinkState::Up {
        speed_mbps: p1_speed,
        full_duplex: true,
    };
    net.link((0, P1), fast);
    if stagger {
        net.run_for(Duration::from_secs(10));
    }
    net.wire((0, P2), (2, P2));
    net.wire((0, P3), (2, P3));
    net.run_for(Duration::from_secs(10));
    net
}

fn active_ports(net: &Net) -> Vec<PortNo> {
    [P1, P2, P3]
        .into_iter()
        .filter(|p| net.port((0, *p)).distributing)
        .collect()
}

#[test]
fn selection_policies_pick_as_documented() {
    // Bandwidth: port 1 alone at 10 G beats two 1 G links.
    assert_eq!(
        active_ports(&policy_net(SelectionPolicy::Bandwidth, false, 10_000)),
        vec![P1]
    );
    // Bandwidth: 100 M alone loses to two 1 G links.
    assert_eq!(
        active_ports(&policy_net(SelectionPolicy::Bandwidth, true, 100)),
        vec![P2, P3]
    );
    // Count: two ports beat one, whatever the speed.
    assert_eq!(
        active_ports(&policy_net(SelectionPolicy::Count, false, 10_000)),
        vec![P2, P3]
    );
    // PortPriority: port 1 has the best Port ID (priority 100).
    assert_eq!(
        active_ports(&policy_net(SelectionPolicy::PortPriority, false, 100)),
        vec![P1]
    );
    // Stable: port 1 came first and is kept although the other aggregator is faster.
    assert_eq!(
        active_ports(&policy_net(SelectionPolicy::Stable, true, 100)),
        vec![P1]
    );
    // ...and each system's LAG status names the active aggregator's partner.
    let net = policy_net(SelectionPolicy::Count, false, 10_000);
    let lag = net.systems[0].lag(LagId(1)).unwrap();
    assert_eq!(lag.aggregators, 2);
    assert_eq!(
        lag.partner_system.unwrap().mac,
        MacAddr([0x02, 0, 0, 0, 3, 0])
    );
}

#[test]
fn loopback_detected_and_never_aggregates() {
    let mut a = system(1);
    add_lag(&mut a, 1, 1, LagConfig::new(1), &[1, 2], short);
    let mut net = Net::new(vec![a]);
    net.wire((0, P1), (0, P2));
    net.run_for(Duration::from_secs(60));
    for p in [P1, P2] {
        let st = net.port((0, p));
        assert!(st.loopback);
        assert!(!st.collecting && !st.distributing);
        assert_ne!(st.selected, Selected::Selected);
        assert!(st.counters.loopback_rx > 0);
    }
    assert!(
        net.events
            .iter()
            .any(|(_, _, e)| *e == Event::LoopbackDetected { port: P1 })
    );
    assert!(!net.events.iter().any(|(_, _, e)| matches!(
        e,
        Event::CollectingChanged {
            collecting: true,
            ..
        }
    )));
    assert!(net.systems[0].stats().loopback_rx > 0);
}

#[test]
fn same_system_id_with_foreign_port_number_is_not_loopback() {
    // An MLAG peer shares our System ID but uses port numbers we do not have.
    let now = Instant::from_secs(1000);
    let mut a = system(1);
    add_lag(&mut a, 1, 1, LagConfig::new(1), &[1], short);
    a.handle_link(now, P1, UP);
    let own = MacAddr([0x02, 0, 0, 0, 1, 0]);
    let actor = PortInfo {
        system_priority: 32768,
        system: own,
        key: 1,
        port_priority: 32768,
        port: 101,
        state: PortState::from_bits_retain(0x07),
    };
    let mut buf = [0u8; 128];
    let n = lacp::ops::lacpdu_frame(own, actor, PortInfo::default(), &mut buf);
    assert_eq!(a.handle_frame(now, P1, &buf[..n]), Ok(()));
    assert!(!a.port(P1).unwrap().loopback);
    // With our own port number it is a loop.
    let looped = PortInfo { port: 1, ..actor };
    let n = lacp::ops::lacpdu_frame(own, looped, PortInfo::default(), &mut buf);
    assert_eq!(a.handle_frame(now, P1, &buf[..n]), Err(RxError::Loopback));
}

fn marker_frame(tlv_type: u8, tx: u32) -> Vec<u8> {
    let mut f = vec![
        0x01, 0x80, 0xc2, 0, 0, 0x02, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x88, 0x09,
    ];
    f.extend_from_slice(&[0x02, 0x01, tlv_type, 0x10, 0x00, 0x07]);
    f.extend_from_slice(&[0x00, 0x11, 0x22, 0x33, 0x44, 0x55]);
    f.extend_from_slice(&tx.to_be_bytes());
    f.extend_from_slice(&[0, 0, 0, 0]);
    f.resize(124, 0);
    f
}

#[test]
fn marker_responder_answers_with_exact_bytes_and_rate_limits() {
    let now = Instant::from_secs(1000);
    let mut a = system(1);
    add_lag(&mut a, 1, 1, LagConfig::new(1), &[1], |c| c.with_passive());
    a.handle_link(now, P1, UP);
    let mut buf = [0u8; 1514];
    while a.poll_transmit(&mut buf).is_some() {}
    while a.poll_event().is_some() {}
    assert_eq!(
        a.handle_frame(now, P1, &marker_frame(1, 0xdead_beef)),
        Ok(())
    );
    let t = a.poll_transmit(&mut buf).expect("a response");
    assert_eq!(t.port, P1);
    let mut expected = vec![0x01, 0x80, 0xc2, 0, 0, 0x02]; // Slow_Protocols_Multicast
    expected.extend_from_slice(&mac(1, 1).0); // port MAC
    expected.extend_from_slice(&[0x88, 0x09, 0x02, 0x01, 0x02, 0x10, 0x00, 0x07]);
    expected.extend_from_slice(&[0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0xde, 0xad, 0xbe, 0xef]);
    expected.resize(124, 0);
    assert_eq!(&buf[..t.len], &expected[..]);
    assert!(
        a.poll_event()
            .is_some_and(|e| matches!(e, Event::MarkerReceived { port: P1, .. }))
    );
    // Marker Responses are received and reported, never answered.
    assert_eq!(a.handle_frame(now, P1, &marker_frame(2, 1)), Ok(()));
    assert!(a.poll_transmit(&mut buf).is_none());
    // Ten Markers in the same instant: 6 more answered (7 per second), the rest dropped.
    let results: Vec<_> = (0..10)
        .map(|i| a.handle_frame(now, P1, &marker_frame(1, i)))
        .collect();
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 6);
    assert_eq!(
        results
            .iter()
            .filter(|r| **r == Err(RxError::RateLimited))
            .count(),
        4
    );
    let st = a.port(P1).unwrap().counters;
    assert_eq!(st.marker_responses_tx, 7);
    assert_eq!(st.marker_responses_rate_limited, 4);
    assert_eq!(st.marker_responses_rx, 1);
    // A second later the budget is back.
    assert_eq!(
        a.handle_frame(now + Duration::from_secs(1), P1, &marker_frame(1, 99)),
        Ok(())
    );
}

#[test]
fn ovs_early_pdus_are_not_taken_as_sync_until_matched() {
    let mut now = Instant::from_secs(1000);
    let mut a = system(1);
    add_lag(&mut a, 1, 1, LagConfig::new(1), &[1], short);
    a.handle_link(now, P1, UP);
    let ovs = MacAddr([0x52, 0x54, 0, 0, 0, 0x99]);
    let mut actor = PortInfo {
        system_priority: 65534,
        system: ovs,
        key: 3,
        port_priority: 65535,
        port: 4,
        // Expired + Distributing + Collecting + Sync + Aggregation + Timeout + Activity
        state: PortState::from_bits_retain(0xbf),
    };
    let zero_partner = PortInfo {
        state: PortState::from_bits_retain(0x02),
        ..PortInfo::default()
    };
    let mut buf = [0u8; 1514];
    let mut pdu = [0u8; 128];
    for _ in 0..6 {
        let n = lacp::ops::lacpdu_frame(ovs, actor, zero_partner, &mut pdu);
        a.handle_frame(now, P1, &pdu[..n]).unwrap();
        now += Duration::from_secs(1);
        a.handle_timeout(now);
        while a.poll_transmit(&mut buf).is_some() {}
        let st = a.port(P1).unwrap();
        assert!(
            !st.partner.state.contains(PortState::SYNCHRONIZATION),
            "partner sync taken"
        );
        assert!(!st.collecting && !st.distributing);
    }
    // OVS heard us: its partner information now matches our actor information.
    let ours = a.port(P1).unwrap().actor;
    actor.state = PortState::from_bits_retain(0x3f);
    for _ in 0..4 {
        let n = lacp::ops::lacpdu_frame(ovs, actor, ours, &mut pdu);
        a.handle_frame(now, P1, &pdu[..n]).unwrap();
        now += Duration::from_millis(500);
        a.handle_timeout(now);
    }
    let st = a.port(P1).unwrap();
    assert!(st.partner.state.contains(PortState::SYNCHRONIZATION));
    assert!(st.collecting && st.distributing);
}

#[test]
fn snapshot_restore_mid_run_is_invisible_to_the_partner() {
    let mut a = system(1);
    let mut b = system(2);
    add_lag(&mut a, 1, 1, LagConfig::new(10), &[1, 2], short);
    add_lag(&mut b, 2, 1, LagConfig::new(20), &[1, 2], short);
    let mut net = Net::new(vec![a, b]);
    net.wire((0, P1), (1, P1));
    net.wire((0, P2), (1, P2));
    net.run_for(Duration::from_secs(10));
    net.run_for(Duration::from_millis(333));
    let ends = [(0, P1), (0, P2), (1, P1), (1, P2)];
    assert!(net.distributing(&ends));
    let snap = net.systems[0].snapshot(net.now);
    let bytes = snap.to_bytes();
    let back = Snapshot::from_bytes(&bytes).unwrap();
    assert_eq!(back, snap);
    // The process restarts 400 ms later (b keeps running meanwhile, a sends nothing).
    net.cut.insert((0, P1));
    net.cut.insert((0, P2));
    net.run_for(Duration::from_millis(400));
    net.cut.clear();
    let restored = System::restore(net.now, &back).unwrap();
    assert_eq!(restored.snapshot(net.now).ports.len(), 2);
    let before_b: Vec<_> = [P1, P2].iter().map(|p| net.port((1, *p)).partner).collect();
    net.systems[0] = restored;
    let mark = net.events.len();
    let sent_mark = net.sent.len();
    net.run_for(Duration::from_secs(120));
    for (i, p) in [P1, P2].iter().enumerate() {
        assert_eq!(
            net.port((1, *p)).partner,
            before_b[i],
            "b's view of a changed"
        );
    }
    let b_events: Vec<_> = net.events[mark..]
        .iter()
        .filter(|(_, i, _)| *i == 1)
        .collect();
    assert!(b_events.is_empty(), "b saw {b_events:?}");
    for s in &net.sent[sent_mark..] {
        if s.from.0 == 0 {
            let st = decode_lacpdu(&s.frame).unwrap().actor.state;
            assert_eq!(st.bits() & 0xb8, 0x38, "a sent {st:?}");
        }
    }
    assert!(
        net.sent[sent_mark..].iter().any(|s| s.from.0 == 0),
        "a keeps transmitting"
    );
    assert!(net.distributing(&ends));
    assert_rate_limit(&net.sent);
}

#[test]
fn snapshot_decoder_is_total() {
    let mut net = {
        let mut a = system(1);
        let mut b = system(2);
        add_lag(&mut a, 1, 1, LagConfig::new(10), &[1, 2], short);
        add_lag(&mut b, 2, 1, LagConfig::new(20), &[1, 2], short);
        Net::new(vec![a, b])
    };
    net.wire((0, P1), (1, P1));
    net.run_for(Duration::from_secs(5));
    let bytes = net.systems[0].snapshot(net.now).to_bytes();
    for len in 0..bytes.len() {
        assert!(
            Snapshot::from_bytes(&bytes[..len]).is_err(),
            "prefix {len} accepted"
        );
    }
    let mut longer = bytes.clone();
    longer.push(0);
    assert_eq!(
        Snapshot::from_bytes(&longer),
        Err(SnapshotError::TrailingBytes(1))
    );
    for i in 0..bytes.len() {
        let mut b = bytes.clone();
        b[i] ^= 0xff;
        if let Ok(s) = Snapshot::from_bytes(&b) {
            // Whatever decodes either restores consistently or is rejected, never panics.
            if let Ok(sys) = System::restore(net.now, &s) {
                sys.check_invariants().unwrap();
            }
        }
    }
}

#[test]
fn malformed_frames_are_typed_errors_counted_without_state_change() {
    let now = Instant::from_secs(1000);
    let mut a = system(1);
    add_lag(&mut a, 1, 1, LagConfig::new(1), &[1], short);
    a.handle_link(now, P1, UP);
    let actor = PortInfo {
        system_priority: 1,
        system: MacAddr([0x02, 0, 0, 0, 9, 0]),
        key: 1,
        port_priority: 1,
        port: 1,
        state: PortState::from_bits_retain(0x3f),
    };
    let mut frame = [0u8; 124];
    let n = lacp::ops::lacpdu_frame(actor.system, actor, PortInfo::default(), &mut frame);
    assert_eq!(n, 124);
    let before = a.snapshot(now);
    let illegal0 = a.stats().illegal_rx;
    for len in 0..n {
        let r = a.handle_frame(now, P1, &frame[..len]);
        assert!(
            matches!(r, Err(RxError::Wire(lacp::wire::Error::Truncated { .. }))),
            "{len}: {r:?}"
        );
    }
    assert_eq!(a.stats().illegal_rx - illegal0, n as u64);
    assert_eq!(a.port(P1).unwrap().counters.illegal_rx, n as u64);
    let mut f = frame;
    f[14] = 10;
    assert_eq!(
        a.handle_frame(now, P1, &f),
        Err(RxError::UnknownSubtype(10))
    );
    f[14] = 0;
    assert_eq!(
        a.handle_frame(now, P1, &f),
        Err(RxError::Wire(lacp::wire::Error::BadSubtype(0)))
    );
    let mut f = frame;
    f[12] = 0x08;
    f[13] = 0x00;
    assert_eq!(
        a.handle_frame(now, P1, &f),
        Err(RxError::NotSlowProtocols(0x0800))
    );
    let mut f = frame;
    f[5] = 0x0e;
    assert!(matches!(
        a.handle_frame(now, P1, &f),
        Err(RxError::BadDestination(_))
    ));
    assert_eq!(
        a.handle_frame(now, PortNo(9), &frame),
        Err(RxError::UnknownPort)
    );
    let st = a.stats();
    assert_eq!(
        (
            st.unknown_rx,
            st.not_slow_protocols_rx,
            st.bad_destination_rx,
            st.unknown_port_rx
        ),
        (1, 1, 1, 1)
    );
    assert_eq!(
        a.snapshot(now),
        before,
        "a malformed frame changed protocol state"
    );
    // The intact frame does change it.
    a.handle_frame(now, P1, &frame).unwrap();
    assert_ne!(a.snapshot(now), before);
    // A disabled port drops frames.
    a.handle_link(now, P1, LinkState::Down);
    let before = a.snapshot(now);
    assert_eq!(a.handle_frame(now, P1, &frame), Err(RxError::PortDisabled));
    assert_eq!(a.snapshot(now), before);
}

#[test]
fn rate_limit_holds_under_config_churn() {
    let mut a = system(1);
    let mut b = system(2);
    add_lag(&mut a, 1, 1, LagConfig::new(10), &[1, 2], short);
    add_lag(&mut b, 2, 1, LagConfig::new(20), &[1, 2], short);
    let mut net = Net::new(vec![a, b]);
    net.wire((0, P1), (1, P1));
    net.wire((0, P2), (1, P2));
    let mut seed: u64 = 0x1234_5678;
    let mut held = 0;
    for _ in 0..2000 {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let r = (seed >> 33) as u32;
        let now = net.now;
        let sys = (r & 1) as usize;
        let port = PortNo(1 + ((r >> 1) & 1) as u16);
        let s = &mut net.systems[sys];
        match (r >> 2) % 6 {
            0 => {
                let mut c = s
                    .port(port)
                    .map(|_| PortConfig::new(mac(sys as u8 + 1, port.0 as u8), LagId(1), port.0))
                    .unwrap();
                c.port_priority = (r >> 8) as u16 | 1;
                if r & 0x1000 != 0 {
                    c = c.with_short_timeout();
                }
                s.set_port_config(now, port, c).unwrap();
            }
            1 => {
                let mut c = LagConfig::new(10 + (r >> 10) as u16 % 2);
                if r & 0x100 != 0 {
                    c.actor_system = Some(SystemIdentity {
                        priority: 7,
                        mac: MacAddr([2, 0, 0, 0, 0x77, sys as u8]),
                    });
                }
                s.set_lag_config(now, LagId(1), c).unwrap();
            }
            2 => {
                let link = if r & 0x100 != 0 { LinkState::Down } else { UP };
                net.link((sys, port), link);
            }
            _ => held += 1,
        }
        net.drain();
        net.run_for(Duration::from_millis(u64::from(r % 700)));
    }
    assert!(held > 0);
    assert!(net.sent.len() > 1000, "only {} frames", net.sent.len());
    assert_rate_limit(&net.sent);
}

#[test]
fn fallback_individual_lets_one_defaulted_port_forward() {
    for fallback in [Fallback::Disabled, Fallback::Individual] {
        let mut a = system(1);
        let mut cfg = LagConfig::new(1);
        cfg.fallback = fallback;
        add_lag(&mut a, 1, 1, cfg, &[1, 2], short);
        // A host that does not speak LACP: wired, but to a System without ports.
        let b = system(2);
        let mut net = Net::new(vec![a, b]);
        net.link((0, P1), UP);
        net.link((0, P2), UP);
        net.run_for(Duration::from_secs(10));
        let fwd: Vec<_> = [P1, P2]
            .into_iter()
            .filter(|p| net.port((0, *p)).distributing)
            .collect();
        assert_eq!(net.port((0, P1)).rx_state, RxState::Defaulted);
        match fallback {
            Fallback::Disabled => assert!(fwd.is_empty()),
            Fallback::Individual => assert_eq!(fwd.len(), 1),
        }
    }
}

#[test]
fn runtime_actor_system_change_reforms_without_removing_ports() {
    let mut a = system(1);
    let mut b = system(2);
    add_lag(&mut a, 1, 1, LagConfig::new(10), &[1, 2], short);
    add_lag(&mut b, 2, 1, LagConfig::new(20), &[1, 2], short);
    let mut net = Net::new(vec![a, b]);
    net.wire((0, P1), (1, P1));
    net.wire((0, P2), (1, P2));
    let ends = [(0, P1), (0, P2), (1, P1), (1, P2)];
    net.run_until(Duration::from_secs(10), |n| n.distributing(&ends))
        .unwrap();
    let id = SystemIdentity {
        priority: 10,
        mac: MacAddr([0x02, 0xee, 0, 0, 0, 1]),
    };
    let mut cfg = LagConfig::new(11);
    cfg.actor_system = Some(id);
    let now = net.now;
    net.systems[0].set_lag_config(now, LagId(1), cfg).unwrap();
    net.drain();
    net.run_until(Duration::from_secs(10), |n| {
        n.distributing(&ends) && n.port((1, P1)).partner.system == id.mac
    })
    .expect("re-formed with the new identity");
    let st = net.port((1, P2));
    assert_eq!((st.partner.system_priority, st.partner.key), (10, 11));
    assert_eq!(net.systems[0].lag(LagId(1)).unwrap().actor_system, id);
}
