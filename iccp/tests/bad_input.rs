//! Bad input against a live session: rejected, counted, state unharmed.

use iccp::ops::{Op, Pair};
use iccp::wire::l2::{FRAME_MAX, L2Flags, L2Frame, L2Header};
use iccp::wire::message::{self, MessageType};
use iccp::wire::param::Param;
use iccp::{RxError, Status};
use l2_types::{Duration, MacAddr};
use proptest::prelude::*;

/// A connected pair (delivering everything, advancing time).
fn connected() -> Pair {
    let mut p = Pair::new(1);
    for _ in 0..200 {
        for from in 0..2 {
            while !p.wire[from].is_empty() {
                p.apply(&Op::Deliver { from: from as u8 });
            }
        }
        if p.sessions.iter().all(|s| s.status() == Status::Connected) {
            return p;
        }
        p.apply(&Op::Advance { ms: 10 });
    }
    panic!("pair did not connect");
}

fn frame(header: L2Header, payload: &[u8]) -> Vec<u8> {
    let mut buf = vec![0; FRAME_MAX];
    let n = L2Frame::emit(
        &mut buf,
        MacAddr([2, 0, 0, 0, 0, 0x77]),
        &header,
        payload,
        None,
    )
    .unwrap();
    buf.truncate(n);
    buf
}

fn app_data(tlv: Param<'_>) -> Vec<u8> {
    let mut b = vec![0; 64];
    let n = message::emit_icc(&mut b, MessageType::RG_APPLICATION_DATA, 99, 1, &[tlv]).unwrap();
    b.truncate(n);
    b
}

#[test]
fn unexpected_session_replay_out_of_window_before_connect() {
    let mut p = connected();
    let (a, b) = (p.sessions[0].incarnation(), p.sessions[1].incarnation());
    let before = p.sessions[1].monitor();
    let data = app_data(Param::FdbDelta {
        kind: 1,
        records: &[1],
    });
    // From an unknown incarnation.
    let f = frame(
        L2Header {
            flags: L2Flags::DATA,
            sender: 0xdead,
            receiver: b,
            frame_no: 1,
            seq: 1,
            ack: 0,
        },
        &data,
    );
    // (An echo of our incarnation from an unknown sender would be adopted: use a wrong echo.)
    let f2 = frame(
        L2Header {
            flags: L2Flags::DATA,
            sender: 0xdead,
            receiver: b ^ 1,
            frame_no: 1,
            seq: 1,
            ack: 0,
        },
        &data,
    );
    let _ = f;
    assert_eq!(
        p.sessions[1].handle_frame(p.now, &f2),
        Err(RxError::UnexpectedSession)
    );
    // To the wrong incarnation of ours.
    let f = frame(
        L2Header {
            flags: L2Flags::DATA,
            sender: a,
            receiver: b ^ 1,
            frame_no: 1_000,
            seq: 1,
            ack: 0,
        },
        &data,
    );
    assert_eq!(
        p.sessions[1].handle_frame(p.now, &f),
        Err(RxError::UnexpectedSession)
    );
    // Far out of window.
    let f = frame(
        L2Header {
            flags: L2Flags::DATA,
            sender: a,
            receiver: b,
            frame_no: 20,
            seq: 1_000_000,
            ack: 0,
        },
        &data,
    );
    assert_eq!(
        p.sessions[1].handle_frame(p.now, &f),
        Err(RxError::OutOfWindow(1_000_000))
    );
    // A replayed frame (a real heartbeat delivered twice).
    p.apply(&Op::Advance { ms: 1000 });
    let hb = p.wire[0].pop_front().unwrap();
    p.sessions[1].handle_frame(p.now, &hb).unwrap();
    assert_eq!(p.sessions[1].handle_frame(p.now, &hb), Err(RxError::Replay));
    // Garbage.
    assert!(matches!(
        p.sessions[1].handle_frame(p.now, &[1, 2, 3]),
        Err(RxError::Malformed(_))
    ));
    let after = p.sessions[1].monitor();
    assert_eq!(after.status, Status::Connected);
    assert_eq!(after.state, before.state);
    assert_eq!(after.role, before.role);
    assert_eq!(after.system_id, before.system_id);
    let c = after.counters;
    assert_eq!(
        (
            c.rx_unexpected_session,
            c.rx_out_of_window,
            c.rx_replay,
            c.rx_malformed
        ),
        (2, 1, 1, 1)
    );
    assert!(p.sessions[1].poll_app().is_none());
    // The pair still works.
    p.apply(&Op::SendApp { side: 0, len: 4 });
    while !p.wire[0].is_empty() {
        p.apply(&Op::Deliver { from: 0 });
    }
    assert_eq!(p.sessions[1].counters().app_received, 1);
}

#[test]
fn application_data_before_connect_is_rejected() {
    let mut p = Pair::new(3);
    // Let side 1 adopt side 0 (capability), but hold back side 0's RG Connect.
    let cap = p.wire[0].pop_front().unwrap();
    p.sessions[1].handle_frame(p.now, &cap).unwrap();
    let (a, b) = (p.sessions[0].incarnation(), p.sessions[1].incarnation());
    let data = app_data(Param::FdbDelta {
        kind: 1,
        records: &[1],
    });
    let f = frame(
        L2Header {
            flags: L2Flags::DATA,
            sender: a,
            receiver: b,
            frame_no: 50,
            seq: 1,
            ack: 0,
        },
        &data,
    );
    p.sessions[1].handle_frame(p.now, &f).unwrap();
    let c = p.sessions[1].counters();
    assert_eq!(c.rx_before_connect, 1);
    assert_eq!(c.tx_naks, 1);
    assert!(p.sessions[1].poll_app().is_none());
}

#[test]
fn looped_frames_and_wrong_rg_are_rejected() {
    let mut p = connected();
    let mut buf = vec![0; FRAME_MAX];
    p.apply(&Op::Advance { ms: 1000 }); // a heartbeat is due
    let own = p.wire[0].pop_front().unwrap();
    assert_eq!(
        p.sessions[0].handle_frame(p.now, &own),
        Err(RxError::Looped)
    );
    let _ = &mut buf;
    // A wrong RG ID inside an accepted frame: NAK "Unknown ICCP RG", nothing delivered.
    let (a, b) = (p.sessions[0].incarnation(), p.sessions[1].incarnation());
    let mut m = vec![0; 64];
    let n = message::emit_icc(
        &mut m,
        MessageType::RG_APPLICATION_DATA,
        7,
        999,
        &[Param::FdbDelta {
            kind: 0,
            records: &[],
        }],
    )
    .unwrap();
    let f = frame(
        L2Header {
            flags: L2Flags::default(),
            sender: a,
            receiver: b,
            frame_no: 9_999,
            seq: 0,
            ack: 0,
        },
        &m[..n],
    );
    p.sessions[1].handle_frame(p.now, &f).unwrap();
    assert_eq!(
        p.sessions[1].monitor().last_error,
        Some(iccp::LastError::UnknownRg(999))
    );
    assert_eq!(p.sessions[1].status(), Status::Connected);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]
    #[test]
    fn any_op_sequence_keeps_the_invariants(seed: u64, bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let mut p = Pair::new(seed);
        for op in Op::decode_all(&bytes) {
            p.apply(&op);
            prop_assert_eq!(p.check(), Ok(()), "after {:?}", op);
        }
        // Whatever happened, a clean channel reconnects.
        for s in 0..2u8 {
            p.apply(&Op::Link { side: s, up: true });
            p.apply(&Op::Enable { side: s, on: true });
        }
        for _ in 0..3000 {
            for from in 0..2u8 {
                while !p.wire[usize::from(from)].is_empty() {
                    p.apply(&Op::Deliver { from });
                }
            }
            if p.sessions.iter().all(|s| s.status() == Status::Connected) { break; }
            p.apply(&Op::Advance { ms: 50 });
        }
        prop_assert!(p.sessions.iter().all(|s| s.status() == Status::Connected),
            "{:?} {:?}", p.sessions[0].monitor(), p.sessions[1].monitor());
        prop_assert_eq!(p.check(), Ok(()));
        let _ = Duration::ZERO;
    }
}

#[test]
fn regression_roles_after_link_flap() {
    let mut p = Pair::new(0);
    for op in Op::decode_all(&[
        180, 5, 192, 109, 10, 0, 0, 216, 50, 12, 104, 77, 84, 115, 74, 0, 0, 0, 36,
    ]) {
        p.apply(&op);
        assert_eq!(
            p.check(),
            Ok(()),
            "after {op:?}: {:#?} {:#?}",
            p.sessions[0].monitor(),
            p.sessions[1].monitor()
        );
    }
    for s in 0..2u8 {
        p.apply(&Op::Link { side: s, up: true });
        p.apply(&Op::Enable { side: s, on: true });
    }
    for _ in 0..3000 {
        for from in 0..2u8 {
            while !p.wire[usize::from(from)].is_empty() {
                p.apply(&Op::Deliver { from });
                assert_eq!(
                    p.check(),
                    Ok(()),
                    "{:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?}",
                    p.sessions[0].incarnation(),
                    p.sessions[1].incarnation(),
                    p.sessions[0].monitor().peer,
                    p.sessions[1].monitor().peer,
                    p.sessions[0].role(),
                    p.sessions[1].role(),
                    p.sessions[0].peer_priority(),
                    p.sessions[1].peer_priority()
                );
            }
        }
        if p.sessions.iter().all(|s| s.status() == Status::Connected) {
            break;
        }
        p.apply(&Op::Advance { ms: 50 });
    }
}

#[test]
fn disable_sends_rg_disconnect_and_the_peer_goes_down_at_once() {
    let mut p = connected();
    p.apply(&Op::Enable { side: 0, on: false });
    assert_eq!(p.sessions[0].status(), Status::Disabled);
    while !p.wire[0].is_empty() {
        p.apply(&Op::Deliver { from: 0 });
    }
    let m = p.sessions[1].monitor();
    assert_eq!(m.status, Status::Connecting);
    assert_eq!(m.counters.disconnects, 1);
    // Re-enable: they reconnect.
    p.apply(&Op::Enable { side: 0, on: true });
    for _ in 0..400 {
        for from in 0..2u8 {
            while !p.wire[usize::from(from)].is_empty() {
                p.apply(&Op::Deliver { from });
            }
        }
        if p.sessions.iter().all(|s| s.status() == Status::Connected) {
            break;
        }
        p.apply(&Op::Advance { ms: 50 });
    }
    assert!(p.sessions.iter().all(|s| s.status() == Status::Connected));
}

#[test]
fn a_full_receive_queue_holds_frames_back_without_losing_or_duplicating() {
    use iccp::{LinkState, Session, SessionConfig};
    let mut now = l2_types::Instant::ZERO;
    let mut s = [1u8, 2].map(|i| {
        let mut c = SessionConfig::new(MacAddr([2, 0, 0, 0, 0, i]));
        c.seed = u64::from(i);
        c.receive_queue_max = 3;
        let mut s = Session::try_new(c, now).unwrap();
        s.handle_link(now, LinkState::Up);
        s
    });
    let mut buf = vec![0u8; FRAME_MAX];
    let mut received = Vec::new();
    let mut sent = 0u64;
    for round in 0..20_000 {
        if s[0].status() == Status::Connected && sent < 200 {
            let rec = sent.to_be_bytes();
            if s[0]
                .send_app(&Param::FdbDelta {
                    kind: 1,
                    records: &rec,
                })
                .is_ok()
            {
                sent += 1;
            }
        }
        for from in 0..2 {
            while let Some(t) = s[from].poll_transmit(now, &mut buf) {
                let _ = s[1 - from].handle_frame(now, &buf[..t.len]);
            }
            while s[from].poll_event().is_some() {}
        }
        // The application reads slowly: one message every tenth round.
        if round % 10 == 0
            && let Some(m) = s[1].poll_app()
        {
            let Ok(Param::FdbDelta { records, .. }) = m.param() else {
                panic!()
            };
            received.push(u64::from_be_bytes(records.try_into().unwrap()));
        }
        if received.len() == 200 {
            break;
        }
        now += Duration::from_millis(1);
        for x in &mut s {
            x.handle_timeout(now);
        }
    }
    assert_eq!(received, (0..200).collect::<Vec<_>>());
    assert!(s[1].counters().rx_backpressure > 0);
    assert!(s.iter().all(|x| x.status() == Status::Connected));
}

#[test]
fn extreme_timer_configuration_does_not_overflow() {
    use iccp::{LinkState, Session, SessionConfig};
    let mut c = SessionConfig::new(MacAddr([2, 0, 0, 0, 0, 1]));
    c.retransmit_max = Duration::MAX;
    c.reconnect_max = Duration::MAX;
    c.connect_timeout = Duration::MAX;
    let mut s = Session::try_new(c, l2_types::Instant::ZERO).unwrap();
    s.handle_link(l2_types::Instant::ZERO, LinkState::Up);
    let mut buf = vec![0u8; FRAME_MAX];
    let mut now = l2_types::Instant::ZERO;
    for _ in 0..200 {
        while s.poll_transmit(now, &mut buf).is_some() {}
        match s.poll_timeout() {
            Some(t) => now = t.max(now),
            None => break,
        }
        s.handle_timeout(now);
    }
    assert_eq!(s.status(), Status::Connecting);
}

#[test]
fn a_capability_of_another_major_version_is_refused() {
    use iccp::wire::Error;
    let mut p = Pair::new(9);
    // LDP Capability message with the ICCP Capability TLV, S=1, version 2.0.
    let cap = [
        0x02, 0x02, 0x00, 0x0c, 0, 0, 0, 1, 0x87, 0x00, 0x00, 0x04, 0x80, 0x00, 0x02, 0x00,
    ];
    let f = frame(
        L2Header {
            flags: L2Flags::default(),
            sender: 0x1234,
            receiver: 0,
            frame_no: 1,
            seq: 0,
            ack: 0,
        },
        &cap,
    );
    assert_eq!(
        p.sessions[1].handle_frame(p.now, &f),
        Err(RxError::Malformed(Error::BadVersion(2)))
    );
    assert_eq!(p.sessions[1].monitor().peer, None);
}

/// Found by the `iccp_session` fuzz target: a corrupted frame (no key: undetectable) set the
/// Election v2 incumbent flag with a zero incumbent. A zero or multicast incumbent is no
/// incumbent, and the pair still agrees on the system-id.
#[test]
fn regression_corrupted_incumbent_is_not_adopted() {
    let data = [
        0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x76, 0x76, 0x76, 0x76, 0x76, 0x76, 0x76, 0x76, 0x76,
        0x76, 0x00, 0x59, 0x41, 0xbe, 0x7b, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x59, 0x76,
        0x61, 0x91, 0x91, 0xff, 0xff, 0xff, 0xff, 0x91, 0x3b, 0x25, 0x91, 0x7a, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    ];
    let mut p = Pair::new(u64::from(data[0]));
    for op in Op::decode_all(&data[1..]) {
        p.apply(&op);
        assert_eq!(p.check(), Ok(()), "after {op:?}");
    }
    let [a, b] = &p.sessions;
    assert_eq!(a.status(), Status::Connected);
    assert_eq!(b.status(), Status::Connected);
    assert_eq!(a.system_id(), b.system_id());
    assert_eq!(b.peer_incumbent(), None);
}

/// Lab finding (mlag-linux STP lab, garbage round b): a frame whose Sender Incarnation differs
/// from the connected peer's in one bit, but which echoes our incarnation, was adopted as a peer
/// restart and tore the session down. Only a capability advertisement or the incarnation we
/// challenged may replace a connected peer.
#[test]
fn regression_damaged_sender_incarnation_does_not_reset_the_session() {
    let mut p = connected();
    let (a, b) = (p.sessions[0].incarnation(), p.sessions[1].incarnation());
    let before = p.sessions[1].monitor();
    let data = app_data(Param::FdbDelta {
        kind: 1,
        records: &[1],
    });
    for (bit, flags) in [
        (0, L2Flags::DATA),
        (7, L2Flags::DATA),
        (31, L2Flags::default()),
    ] {
        let f = frame(
            L2Header {
                flags,
                sender: a ^ (1 << bit),
                receiver: b,
                frame_no: 5_000 + bit,
                seq: 1,
                ack: 0,
            },
            if flags == L2Flags::DATA { &data } else { &[] },
        );
        assert_eq!(
            p.sessions[1].handle_frame(p.now, &f),
            Err(RxError::UnexpectedSession),
            "bit {bit}"
        );
    }
    let after = p.sessions[1].monitor();
    assert_eq!(after.status, Status::Connected);
    assert_eq!(after.state, before.state);
    assert_eq!(after.counters.disconnects, before.counters.disconnects);
    assert_eq!(
        after.counters.rx_unexpected_session,
        before.counters.rx_unexpected_session + 3
    );
    // The real peer is still the peer: its next frames are accepted and data flows.
    p.apply(&Op::SendApp { side: 0, len: 4 });
    while !p.wire[0].is_empty() {
        p.apply(&Op::Deliver { from: 0 });
    }
    assert_eq!(p.sessions[1].counters().app_received, 1);
    assert_eq!(p.sessions[1].status(), Status::Connected);
}

/// Connects a pair like [`connected`], keeping a copy of every frame side 0 sent.
fn connected_recording() -> (Pair, Vec<Vec<u8>>) {
    let mut p = Pair::new(1);
    let mut sent = Vec::new();
    for _ in 0..200 {
        for from in 0..2 {
            while let Some(f) = p.wire[from].front() {
                if from == 0 {
                    sent.push(f.clone());
                }
                p.apply(&Op::Deliver { from: from as u8 });
            }
        }
        if p.sessions.iter().all(|s| s.status() == Status::Connected) {
            return (p, sent);
        }
        p.apply(&Op::Advance { ms: 10 });
    }
    panic!("pair did not connect");
}

/// Lets a second pass, delivering everything both ways; `Ok` when side 1 accepted side 0's
/// frames and refused none of them as replays.
fn next_heartbeat(p: &mut Pair) -> Result<(), RxError> {
    let before = *p.sessions[1].counters();
    p.apply(&Op::Advance { ms: 1000 });
    for from in 0..2 {
        while !p.wire[from].is_empty() {
            p.apply(&Op::Deliver { from: from as u8 });
        }
    }
    let after = *p.sessions[1].counters();
    if after.rx_replay != before.rx_replay {
        return Err(RxError::Replay);
    }
    assert!(after.rx_frames > before.rx_frames, "side 0 sent nothing");
    Ok(())
}

fn highest_frame_no(frames: &[Vec<u8>]) -> u32 {
    frames
        .iter()
        .map(|f| L2Frame::parse(f).unwrap().header.frame_no)
        .max()
        .unwrap()
}

/// Lab finding (STP lab, garbage round b, mutated ICCP frames): one frame whose frame number
/// was damaged to lie far ahead moved the replay window there, every real frame after it counted
/// as a replay, and the session went silent. Now a frame more than `FRAME_AHEAD_MAX` ahead is
/// refused and counted, and one ahead by less only tentatively moves the window.
#[test]
fn regression_far_ahead_frame_number_does_not_poison_the_replay_window() {
    let (mut p, sent) = connected_recording();
    let (a, b) = (p.sessions[0].incarnation(), p.sessions[1].incarnation());
    let top = highest_frame_no(&sent);
    let before = p.sessions[1].monitor();
    let hdr = |frame_no: u32| L2Header {
        flags: L2Flags::default(),
        sender: a,
        receiver: b,
        frame_no,
        seq: 0,
        ack: 0,
    };
    // Beyond the bound (every top bit flipped in turn): refused, counted, window untouched.
    for bit in 17..32 {
        let n = top.wrapping_add(1 << bit);
        assert_eq!(
            p.sessions[1].handle_frame(p.now, &frame(hdr(n), &[])),
            Err(RxError::FrameAhead(n)),
            "bit {bit}"
        );
        assert_eq!(next_heartbeat(&mut p), Ok(()), "after bit {bit}");
    }
    assert_eq!(
        p.sessions[1].counters().rx_frame_ahead,
        before.counters.rx_frame_ahead + 15
    );
    let top = top + 15;
    // Exactly at the bound: still considered.
    let at = top.wrapping_add(iccp::FRAME_AHEAD_MAX);
    assert_eq!(
        p.sessions[1].handle_frame(p.now, &frame(hdr(at), &[])),
        Ok(())
    );
    assert_eq!(next_heartbeat(&mut p), Ok(()));
    // Within the bound but beyond the window (bits 6..15 flipped): accepted, tentatively;
    // the real frames that follow are still fresh, not replays.
    for bit in 6..16 {
        let n = top.wrapping_add(20 + (1 << bit));
        assert_eq!(
            p.sessions[1].handle_frame(p.now, &frame(hdr(n), &[])),
            Ok(()),
            "bit {bit}"
        );
        // The same damaged frame twice is a replay.
        assert_eq!(
            p.sessions[1].handle_frame(p.now, &frame(hdr(n), &[])),
            Err(RxError::Replay),
            "bit {bit}"
        );
        assert_eq!(next_heartbeat(&mut p), Ok(()), "after bit {bit}");
    }
    // Minutes later the session still stands, nothing was dropped.
    for _ in 0..30 {
        assert_eq!(next_heartbeat(&mut p), Ok(()));
    }
    let after = p.sessions[1].monitor();
    assert_eq!(after.status, Status::Connected);
    assert_eq!(after.counters.disconnects, before.counters.disconnects);
}

/// A real gap (more than the window's width of the peer's frames lost in a burst): the frames
/// after it are accepted all along, and after `REPLAY_PROMOTE` (8) of them in a row they are the
/// window; replays are refused throughout.
#[test]
fn a_real_burst_loss_moves_the_replay_window() {
    let (mut p, sent) = connected_recording();
    let (a, b) = (p.sessions[0].incarnation(), p.sessions[1].incarnation());
    let top = highest_frame_no(&sent);
    let hdr = |frame_no: u32| L2Header {
        flags: L2Flags::default(),
        sender: a,
        receiver: b,
        frame_no,
        seq: 0,
        ack: 0,
    };
    let s = &mut p.sessions[1];
    let jump = top + 500;
    for k in 0..8 {
        assert_eq!(
            s.handle_frame(p.now, &frame(hdr(jump + k), &[])),
            Ok(()),
            "{k}"
        );
        assert_eq!(
            s.handle_frame(p.now, &frame(hdr(jump + k), &[])),
            Err(RxError::Replay),
            "{k}"
        );
    }
    // Promoted: the old top is now far behind.
    assert_eq!(
        s.handle_frame(p.now, &frame(hdr(top + 1), &[])),
        Err(RxError::Replay)
    );
    assert_eq!(s.handle_frame(p.now, &frame(hdr(jump + 9), &[])), Ok(()));
    assert_eq!(s.status(), Status::Connected);
}

/// Lab finding (STP lab, garbage round b, second run): damaged copies of *consecutive* captured
/// frames with the same high bit flipped land close together far ahead; two of them used to
/// confirm a jump and poison the window. Now the real stream, still hitting the first window,
/// keeps it.
#[test]
fn regression_close_damaged_frame_numbers_do_not_move_the_window() {
    let (mut p, sent) = connected_recording();
    let (a, b) = (p.sessions[0].incarnation(), p.sessions[1].incarnation());
    let top = highest_frame_no(&sent);
    let hdr = |frame_no: u32| L2Header {
        flags: L2Flags::default(),
        sender: a,
        receiver: b,
        frame_no,
        seq: 0,
        ack: 0,
    };
    for round in 0..20u32 {
        // Seven close damaged frames (one short of promotion), then the real peer.
        for k in 0..7 {
            let n = top + 4096 + round * 7 + k;
            let _ = p.sessions[1].handle_frame(p.now, &frame(hdr(n), &[]));
        }
        assert_eq!(next_heartbeat(&mut p), Ok(()), "round {round}");
    }
    assert_eq!(p.sessions[1].status(), Status::Connected);
}

/// Lab finding (STP lab, garbage round b): a captured capability frame (which echoes our
/// incarnation) with one bit of its Sender Incarnation flipped passed as a peer restart
/// (`PeerRestarted`). While connected, a new incarnation must now answer our challenge first.
#[test]
fn regression_damaged_capability_is_challenged_not_adopted() {
    let (mut p, sent) = connected_recording();
    let (a, b) = (p.sessions[0].incarnation(), p.sessions[1].incarnation());
    let caps: Vec<(L2Header, Vec<u8>)> = sent
        .iter()
        .map(|f| L2Frame::parse(f).unwrap())
        .filter(|f| {
            f.header.receiver == b
                && !f.header.flags.contains(L2Flags::DATA)
                && message::RawMessages::new(f.payload)
                    .any(|m| m.is_ok_and(|m| m.msg_type == MessageType::CAPABILITY))
        })
        .map(|f| (f.header, f.payload.to_vec()))
        .collect();
    assert!(!caps.is_empty(), "no capability echoing {b} was sent");
    let before = p.sessions[1].monitor();
    let events = p.sessions[1].events_len();
    let top = highest_frame_no(&sent);
    for (i, (h, payload)) in caps.iter().enumerate() {
        for bit in [0, 9, 31] {
            let mut h = *h;
            h.sender = a ^ (1 << bit);
            h.frame_no = top + 1 + i as u32 * 40 + bit;
            // Not adopted: at most a challenge.
            let _ = p.sessions[1].handle_frame(p.now, &frame(h, payload));
            assert_eq!(p.sessions[1].status(), Status::Connected, "bit {bit}");
            assert_eq!(p.sessions[1].events_len(), events, "bit {bit}");
        }
    }
    let after = p.sessions[1].monitor();
    assert_eq!(after.counters.disconnects, before.counters.disconnects);
    // The challenges go unanswered; the real peer stays the peer.
    for _ in 0..10 {
        p.apply(&Op::Advance { ms: 1000 });
        for from in 0..2 {
            while !p.wire[from].is_empty() {
                p.apply(&Op::Deliver { from: from as u8 });
            }
        }
    }
    assert_eq!(p.sessions[1].status(), Status::Connected);
    assert_eq!(
        p.sessions[1].monitor().counters.disconnects,
        before.counters.disconnects
    );
    p.apply(&Op::SendApp { side: 0, len: 4 });
    while !p.wire[0].is_empty() {
        p.apply(&Op::Deliver { from: 0 });
    }
    assert_eq!(p.sessions[1].counters().app_received, 1);
}
