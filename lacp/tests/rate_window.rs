//! Regression: removing a port and adding it again with the same `PortNo` must not reset its
//! transmit-rate windows (FUZZING.md finding 3, the `lacp_system` reproducer
//! `regression-rate-window-reset-by-remove-readd`): the wire may never see more than 3 LACPDUs
//! or 7 Marker Responses from one port in any 1 s window.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use l2_types::{Duration, Instant, MacAddr, PortNo};
use lacp::wire::SlowPdu;
use lacp::{LagConfig, LagId, LinkState, PortConfig, RxError, System, SystemConfig};

const P: PortNo = PortNo(2);
const UP: LinkState = LinkState::Up {
    speed_mbps: 1000,
    full_duplex: true,
};

fn port_cfg() -> PortConfig {
    PortConfig::new(MacAddr([0x02, 0, 0, 0, 1, 2]), LagId(1), 2).with_short_timeout()
}

fn system(now: Instant) -> System {
    let mut sys = System::new(SystemConfig::new(MacAddr([0x02, 0, 0, 0, 0, 1])));
    sys.add_lag(now, LagId(1), LagConfig::new(1)).unwrap();
    sys.add_port(now, P, port_cfg()).unwrap();
    sys.handle_link(now, P, UP);
    sys
}

/// Drains the System; returns the instants of the LACPDUs and Marker Responses sent on `P`.
fn drain(sys: &mut System, now: Instant, lacpdus: &mut Vec<Instant>, markers: &mut Vec<Instant>) {
    let mut buf = [0u8; 1514];
    while let Some(t) = sys.poll_transmit(&mut buf) {
        if t.port != P {
            continue;
        }
        match SlowPdu::parse_frame(&buf[..t.len]).expect("decodes").1 {
            SlowPdu::Lacp(_) => lacpdus.push(now),
            SlowPdu::Marker(_) => markers.push(now),
            SlowPdu::Other { .. } => panic!("unexpected frame"),
        }
    }
    while sys.poll_event().is_some() {}
}

/// The most transmits in any 1 s window `[t, t + 1 s)`.
fn max_per_second(sent: &[Instant]) -> usize {
    sent.iter()
        .map(|t| {
            sent.iter()
                .filter(|u| **u >= *t && **u < *t + Duration::from_secs(1))
                .count()
        })
        .max()
        .unwrap_or(0)
}

/// Visits every `poll_timeout()` instant up to `until`, draining after each.
fn run_until(
    sys: &mut System,
    now: &mut Instant,
    until: Instant,
    lacpdus: &mut Vec<Instant>,
    markers: &mut Vec<Instant>,
) {
    while let Some(t) = sys.poll_timeout().filter(|t| *t <= until) {
        *now = (*now).max(t);
        sys.handle_timeout(*now);
        drain(sys, *now, lacpdus, markers);
    }
    *now = until;
}

#[test]
fn remove_and_readd_keeps_the_lacpdu_rate_window() {
    // The fuzz reproducer's schedule: port 2 sends at 0 s, is removed at 0.1 s, added again
    // at 0.2 s, its link comes up at 0.3 s (NTT), and two System ID changes at 0.4 s each set
    // NTT: before the fix the re-added port had an empty window and sent 4 LACPDUs within 1 s.
    let ms = Duration::from_millis;
    let mut now = Instant::ZERO;
    let (mut lacpdus, mut markers) = (Vec::new(), Vec::new());
    let mut sys = system(now);
    drain(&mut sys, now, &mut lacpdus, &mut markers);
    assert_eq!(lacpdus.len(), 1, "the link-up LACPDU");

    now += ms(100);
    sys.remove_port(now, P).unwrap();
    drain(&mut sys, now, &mut lacpdus, &mut markers);
    now += ms(100);
    sys.add_port(now, P, port_cfg()).unwrap();
    drain(&mut sys, now, &mut lacpdus, &mut markers);
    now += ms(100);
    sys.handle_link(now, P, UP);
    drain(&mut sys, now, &mut lacpdus, &mut markers);
    now += ms(100);
    for last in [2u8, 3] {
        let mut cfg = SystemConfig::new(MacAddr([0x02, 0, 0, 0, 0, last]));
        cfg.system_priority = 100;
        sys.set_system_config(now, cfg).unwrap();
        drain(&mut sys, now, &mut lacpdus, &mut markers);
    }
    assert!(
        max_per_second(&lacpdus) <= 3,
        "LACPDUs on the wire at {lacpdus:?}"
    );
    // The held LACPDU still goes out once the window frees up (1 s after the first).
    let sent_by_then = lacpdus.len();
    run_until(
        &mut sys,
        &mut now,
        Instant::from_millis(1500),
        &mut lacpdus,
        &mut markers,
    );
    assert!(
        lacpdus.len() > sent_by_then,
        "the held LACPDU was never sent"
    );
    assert!(
        lacpdus.iter().any(|t| *t == Instant::from_secs(1)),
        "sent at {lacpdus:?}"
    );
    assert!(max_per_second(&lacpdus) <= 3, "sent at {lacpdus:?}");
    sys.check_invariants().unwrap();
}

#[test]
fn remove_and_readd_after_a_second_starts_afresh() {
    // Transmits more than 1 s old are forgotten: a port re-added later has its full budget.
    let mut now = Instant::ZERO;
    let (mut lacpdus, mut markers) = (Vec::new(), Vec::new());
    let mut sys = system(now);
    drain(&mut sys, now, &mut lacpdus, &mut markers);
    sys.remove_port(now, P).unwrap();
    now += Duration::from_secs(1);
    sys.add_port(now, P, port_cfg()).unwrap();
    sys.handle_link(now, P, UP);
    drain(&mut sys, now, &mut lacpdus, &mut markers);
    assert_eq!(lacpdus, [Instant::ZERO, now]);
    sys.check_invariants().unwrap();
}

fn marker_frame(tx: u32) -> Vec<u8> {
    let mut f = vec![
        0x01, 0x80, 0xc2, 0, 0, 0x02, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x88, 0x09,
    ];
    f.extend_from_slice(&[0x02, 0x01, 0x01, 0x10, 0x00, 0x07]);
    f.extend_from_slice(&[0x00, 0x11, 0x22, 0x33, 0x44, 0x55]);
    f.extend_from_slice(&tx.to_be_bytes());
    f.extend_from_slice(&[0, 0, 0, 0]);
    f.resize(124, 0);
    f
}

#[test]
fn remove_and_readd_keeps_the_marker_response_window() {
    let ms = Duration::from_millis;
    let mut now = Instant::ZERO;
    let (mut lacpdus, mut markers) = (Vec::new(), Vec::new());
    let mut sys = system(now);
    drain(&mut sys, now, &mut lacpdus, &mut markers);
    for i in 0..7 {
        assert_eq!(sys.handle_frame(now, P, &marker_frame(i)), Ok(()));
        drain(&mut sys, now, &mut lacpdus, &mut markers);
    }
    assert_eq!(markers.len(), 7);
    now += ms(100);
    sys.remove_port(now, P).unwrap();
    sys.add_port(now, P, port_cfg()).unwrap();
    sys.handle_link(now, P, UP);
    drain(&mut sys, now, &mut lacpdus, &mut markers);
    assert_eq!(
        sys.handle_frame(now, P, &marker_frame(7)),
        Err(RxError::RateLimited)
    );
    drain(&mut sys, now, &mut lacpdus, &mut markers);
    assert!(max_per_second(&markers) <= 7, "responses at {markers:?}");
    // A second after the first ones, the budget is back.
    now = Instant::from_secs(1);
    assert_eq!(sys.handle_frame(now, P, &marker_frame(8)), Ok(()));
    drain(&mut sys, now, &mut lacpdus, &mut markers);
    assert_eq!(markers.len(), 8);
    sys.check_invariants().unwrap();
}
