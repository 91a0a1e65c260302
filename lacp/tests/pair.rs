//! Two Systems in virtual time: formation, timeouts, link cuts, keys, activity.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::expect_used,
    clippy::panic
)]

mod common;
use common::*;
use l2_types::{Duration, PortNo};
use lacp::*;

const P1: PortNo = PortNo(1);
const P2: PortNo = PortNo(2);

fn two_link_pair(short: bool) -> Net {
    let mut a = system(1);
    let mut b = system(2);
    let pc = move |c: PortConfig| if short { c.with_short_timeout() } else { c };
    add_lag(&mut a, 1, 1, LagConfig::new(10), &[1, 2], pc);
    add_lag(&mut b, 2, 7, LagConfig::new(20), &[1, 2], pc);
    let mut net = Net::new(vec![a, b]);
    net.wire((0, P1), (1, P1));
    net.wire((0, P2), (1, P2));
    net
}

const ALL: [End; 4] = [(0, P1), (0, P2), (1, P1), (1, P2)];

#[test]
fn fast_rate_forms_within_3s_and_partner_info_matches() {
    let mut net = two_link_pair(true);
    let t = net
        .run_until(Duration::from_secs(10), |n| n.distributing(&ALL))
        .expect("formed");
    assert!(t <= Duration::from_secs(3), "took {t:?}");
    net.run_for(Duration::from_secs(5));
    for (x, y) in [((0, P1), (1, P1)), ((0, P2), (1, P2)), ((1, P1), (0, P1))] {
        let px = net.port(x);
        let py = net.port(y);
        assert_eq!(px.partner, py.actor, "{x:?} sees {y:?}");
        assert_eq!(px.rx_state, RxState::Current);
        assert_eq!(px.periodic_state, PeriodicState::FastPeriodic);
    }
    let la = net.systems[0].lag(LagId(1)).unwrap();
    assert!(la.up);
    assert_eq!(la.ports_distributing, 2);
    assert_eq!(la.partner_key, Some(20));
    assert_eq!(la.aggregators, 1);
    assert_rate_limit(&net.sent);
}

#[test]
fn slow_rate_forms_within_one_slow_period_and_keeps_slow_period() {
    let mut net = two_link_pair(false);
    let t = net
        .run_until(Duration::from_secs(60), |n| n.distributing(&ALL))
        .expect("formed");
    assert!(t <= Duration::from_secs(32), "took {t:?}");
    let before = net.lacpdus_from((0, P1)).len();
    net.run_for(Duration::from_secs(300));
    let after = net.lacpdus_from((0, P1)).len();
    // 300 s at the slow period: about 10 PDUs.
    assert!(
        (9..=12).contains(&(after - before)),
        "{} PDUs",
        after - before
    );
    assert!(net.distributing(&ALL));
    for e in ALL {
        assert_eq!(net.port(e).periodic_state, PeriodicState::SlowPeriodic);
    }
}

fn cut_and_restore(short: bool, expect_expiry: Duration) {
    let mut net = two_link_pair(short);
    net.run_until(Duration::from_secs(60), |n| n.distributing(&ALL))
        .unwrap();
    net.run_for(Duration::from_secs(40));
    // Stop delivering b -> a on port 1 (no link-down event).
    net.cut.insert((1, P1));
    let t = net
        .run_until(Duration::from_secs(200), |n| {
            n.port((0, P1)).rx_state != RxState::Current
        })
        .unwrap();
    assert!(t <= expect_expiry, "expired after {t:?}");
    assert!(t + Duration::from_secs(if short { 1 } else { 30 }) >= expect_expiry);
    assert_eq!(net.port((0, P1)).rx_state, RxState::Expired);
    assert!(!net.port((0, P1)).distributing);
    net.run_until(Duration::from_secs(10), |n| {
        n.port((0, P1)).rx_state == RxState::Defaulted
    })
    .unwrap();
    assert!(
        net.distributing(&[(0, P2), (1, P2)]),
        "other link unaffected"
    );
    net.cut.clear();
    let t = net
        .run_until(Duration::from_secs(120), |n| n.distributing(&ALL))
        .expect("re-aggregates");
    assert!(
        t <= Duration::from_secs(if short { 5 } else { 35 }),
        "{t:?}"
    );
}

#[test]
fn link_cut_short_timeout_detected_in_3s() {
    cut_and_restore(true, Duration::from_secs(3));
}

#[test]
fn link_cut_long_timeout_detected_in_90s() {
    cut_and_restore(false, Duration::from_secs(90));
}

#[test]
fn mismatched_keys_split_into_two_aggregators_one_active() {
    let mut a = system(1);
    let mut b = system(2);
    add_lag(&mut a, 1, 1, LagConfig::new(10), &[1, 2], |c| {
        c.with_short_timeout()
    });
    // b puts its two ports in two LAGs with different keys.
    add_lag(&mut b, 2, 1, LagConfig::new(21), &[1], |c| {
        c.with_short_timeout()
    });
    add_lag(&mut b, 2, 2, LagConfig::new(22), &[2], |c| {
        c.with_short_timeout()
    });
    let mut net = Net::new(vec![a, b]);
    net.wire((0, P1), (1, P1));
    net.wire((0, P2), (1, P2));
    net.run_for(Duration::from_secs(10));
    let p1 = net.port((0, P1));
    let p2 = net.port((0, P2));
    assert_ne!(p1.aggregator, p2.aggregator);
    let lag = net.systems[0].lag(LagId(1)).unwrap();
    assert_eq!(lag.aggregators, 2);
    let active: Vec<_> = [p1, p2].into_iter().filter(|p| p.distributing).collect();
    assert_eq!(active.len(), 1, "exactly one aggregator active");
    assert_eq!(active[0].aggregator, lag.active_aggregator);
    let standby: Vec<_> = [p1, p2]
        .into_iter()
        .filter(|p| p.selected == Selected::Standby)
        .collect();
    assert_eq!(standby.len(), 1);
}

#[test]
fn different_partner_systems_never_aggregate_together() {
    let mut a = system(1);
    let mut b = system(2);
    let mut c = system(3);
    add_lag(&mut a, 1, 1, LagConfig::new(10), &[1, 2], |c| {
        c.with_short_timeout()
    });
    add_lag(&mut b, 2, 1, LagConfig::new(10), &[1], |c| {
        c.with_short_timeout()
    });
    add_lag(&mut c, 3, 1, LagConfig::new(10), &[1], |c| {
        c.with_short_timeout()
    });
    let mut net = Net::new(vec![a, b, c]);
    net.wire((0, P1), (1, P1));
    net.wire((0, P2), (2, P1));
    net.run_for(Duration::from_secs(20));
    let p1 = net.port((0, P1));
    let p2 = net.port((0, P2));
    assert_ne!(p1.aggregator, p2.aggregator);
    assert!(p1.distributing != p2.distributing, "only one distributes");
    assert_eq!(net.systems[0].lag(LagId(1)).unwrap().ports_distributing, 1);
}

#[test]
fn passive_passive_never_forms_and_never_transmits() {
    let mut a = system(1);
    let mut b = system(2);
    add_lag(&mut a, 1, 1, LagConfig::new(10), &[1, 2], |c| {
        c.with_passive()
    });
    add_lag(&mut b, 2, 1, LagConfig::new(10), &[1, 2], |c| {
        c.with_passive()
    });
    let mut net = Net::new(vec![a, b]);
    net.wire((0, P1), (1, P1));
    net.wire((0, P2), (1, P2));
    net.run_for(Duration::from_secs(300));
    assert!(net.sent.is_empty(), "sent {} frames", net.sent.len());
    for e in ALL {
        let p = net.port(e);
        assert!(!p.collecting && !p.distributing);
        assert_eq!(p.periodic_state, PeriodicState::NoPeriodic);
    }
}

#[test]
fn active_passive_forms() {
    let mut a = system(1);
    let mut b = system(2);
    add_lag(&mut a, 1, 1, LagConfig::new(10), &[1, 2], |c| {
        c.with_short_timeout()
    });
    add_lag(&mut b, 2, 1, LagConfig::new(10), &[1, 2], |c| {
        c.with_passive()
    });
    let mut net = Net::new(vec![a, b]);
    net.wire((0, P1), (1, P1));
    net.wire((0, P2), (1, P2));
    // The passive side stays silent until it heard the active one.
    let first_b = net.sent.iter().find(|s| s.from.0 == 1).map(|s| s.at);
    assert!(first_b.is_none());
    net.run_until(Duration::from_secs(10), |n| n.distributing(&ALL))
        .expect("forms");
    let first_a = net.sent.iter().find(|s| s.from.0 == 0).unwrap().at;
    let first_b = net.sent.iter().find(|s| s.from.0 == 1).unwrap().at;
    assert!(first_b > first_a);
}

/// Coupled control (802.1AX-2014 6.4.15, Figure 6-22): ATTACHED → COLLECTING_DISTRIBUTING once
/// the partner is in sync; collecting and distributing are enabled together, without waiting for
/// the partner's Collecting bit, and a link cut takes both away together.
#[test]
fn coupled_mux_control_enables_collecting_and_distributing_together() {
    let mut a = system(1);
    let mut b = system(2);
    let coupled = LagConfig {
        mux: MuxControl::Coupled,
        ..LagConfig::new(10)
    };
    add_lag(
        &mut a,
        1,
        1,
        coupled,
        &[1, 2],
        PortConfig::with_short_timeout,
    );
    add_lag(
        &mut b,
        2,
        7,
        coupled,
        &[1, 2],
        PortConfig::with_short_timeout,
    );
    let mut net = Net::new(vec![a, b]);
    net.wire((0, P1), (1, P1));
    net.wire((0, P2), (1, P2));
    let t = net
        .run_until(Duration::from_secs(10), |n| n.distributing(&ALL))
        .expect("formed");
    assert!(t <= Duration::from_secs(3), "took {t:?}");
    for e in ALL {
        let p = net.port(e);
        assert_eq!(p.mux_state, MuxState::CollectingDistributing, "{e:?}");
        assert_eq!(sync_bits(&p), (true, true, true), "{e:?}");
    }
    // Each port's collecting-on and distributing-on events come at the same instant.
    for (sys, port) in ALL {
        let on = |want_collecting: bool| {
            net.events
                .iter()
                .find(|(_, s, ev)| {
                    *s == sys
                        && match ev {
                            Event::CollectingChanged {
                                port: p,
                                collecting: true,
                            } => want_collecting && *p == port,
                            Event::DistributingChanged {
                                port: p,
                                distributing: true,
                            } => !want_collecting && *p == port,
                            _ => false,
                        }
                })
                .map(|(at, _, _)| *at)
                .expect("enabled")
        };
        assert_eq!(on(true), on(false), "{sys}/{port:?}");
    }
    // Cut link 2 one way: both ends of it drop collecting and distributing together.
    net.cut.insert((1, P2));
    net.run_for(Duration::from_secs(5));
    let p = net.port((0, P2));
    assert!(!p.collecting && !p.distributing);
    assert_ne!(p.mux_state, MuxState::CollectingDistributing);
    assert!(net.port((0, P1)).distributing);
    assert_rate_limit(&net.sent);
}
