//! The named `lacp_system` seeds reach the protocol states they are named after, so the fuzzer
//! starts from deep states (aggregation, flaps, config changes) rather than from setup only.

use l2_types::{Instant, PortNo};
use lacp::System;
use lacp::ops::{apply, decode_ops, setup};

/// Runs a seed the way `mlag_fuzz::lacp_system` does in mode "follow timers, drain every step",
/// calling `probe` after every op.
fn run(name: &str, mut probe: impl FnMut(&System)) -> System {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("corpus/lacp_system")
        .join(name);
    let data = std::fs::read(&path).expect("seed");
    let (mode, ops) = data.split_first().expect("mode octet");
    let mut now = Instant::ZERO;
    let mut sys = setup(now);
    let mut buf = [0u8; 1514];
    for (delay, op) in decode_ops(ops) {
        let at = now + delay;
        while mode & 1 != 0
            && let Some(t) = sys.poll_timeout().filter(|t| *t <= at)
        {
            now = now.max(t);
            sys.handle_timeout(now);
            while sys.poll_transmit(&mut buf).is_some() {}
        }
        now = at;
        apply(&mut sys, now, &op);
        while sys.poll_transmit(&mut buf).is_some() {}
        while sys.poll_event().is_some() {}
        probe(&sys);
    }
    sys
}

fn distributing(sys: &System, port: u16) -> bool {
    sys.port(PortNo(port)).is_some_and(|p| p.distributing)
}

#[test]
fn aggregate_seeds_reach_distributing() {
    let sys = run("seed-aggregate-lag1", |_| {});
    assert!(distributing(&sys, 1) && distributing(&sys, 2));
    let sys = run("seed-aggregate-both", |_| {});
    assert!((1..=4).all(|p| distributing(&sys, p)));
}

#[test]
fn flap_and_config_seeds_leave_and_regain_distributing() {
    for seed in ["seed-link-flap", "seed-config-changes", "seed-loopback"] {
        let (mut up, mut down_after_up) = (false, false);
        let sys = run(seed, |s| {
            let d = distributing(s, 1) || distributing(s, 2);
            down_after_up |= up && !distributing(s, 1);
            up |= d;
        });
        assert!(up, "{seed}: never distributing");
        assert!(down_after_up, "{seed}: port 1 never left distributing");
        assert!(
            distributing(&sys, 2),
            "{seed}: port 2 not distributing at the end: {:?}",
            sys.port(PortNo(2))
        );
    }
}

#[test]
fn marker_seed_gets_responses() {
    let sys = run("seed-marker", |_| {});
    let p = sys.port(PortNo(1)).expect("port 1");
    assert!(p.counters.marker_responses_tx > 0);
    assert!(p.counters.marker_responses_rate_limited > 0);
}
