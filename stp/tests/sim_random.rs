//! Random topologies and random failure schedules from seeds. After every quiescent point:
//! one root per connected component (the best bridge), every loop broken, every bridge
//! reachable through forwarding links, all bridges agree, transmit hold count respected. A
//! failing seed is printed; rerun one with `STP_SEED=<n> cargo test -p stp --test sim_random`.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::expect_used,
    clippy::panic
)]

mod sim_common;

use l2_types::Duration;
use sim_common::{Net, Rng};
use stp::ForceVersion;

fn scenario(seed: u64, legacy: bool) {
    scenario_with(seed, legacy, 0);
}

fn scenario_with(seed: u64, legacy: bool, loss_per_mille: u64) {
    let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
    let n = 3 + rng.below(8) as usize;
    let legacy_set: Vec<bool> = (0..n).map(|_| legacy && rng.below(4) == 0).collect();
    let prios: Vec<u16> = (0..n).map(|_| (rng.below(16) as u16) * 4096).collect();
    let mut net = Net::with(n, |i, mut c| {
        c.priority = prios[i];
        if legacy_set[i] {
            c.force_version = ForceVersion::Stp;
        }
        c
    });
    // A random spanning tree plus extra links (parallel links and self-loops allowed).
    for i in 1..n {
        let j = rng.below(i as u64) as usize;
        net.link(i, j);
    }
    let extra = rng.below(2 * n as u64);
    for _ in 0..extra {
        let a = rng.below(n as u64) as usize;
        let b = rng.below(n as u64) as usize;
        net.link(a, b);
    }
    // Link delays from 0.1 ms to 50 ms, so BPDUs overtake each other across paths.
    for l in 0..net.links.len() {
        net.links[l].delay = Duration::from_micros(100 + rng.below(50_000));
    }
    net.loss_per_mille = loss_per_mille;
    net.rng = seed | 1;
    // RSTP can count to infinity when a root disappears behind a cycle (old root information
    // circulates until its Message Age reaches Max Age, one hop per transmit-hold second at
    // worst): a quiescent point is Max Age + a few hellos away. Legacy STP adds 2 × Forward
    // Delay.
    let quiet = if legacy_set.iter().any(|&l| l) {
        80
    } else {
        45
    };
    let check = |net: &mut Net, what: &str| {
        net.run_for(Duration::from_secs(quiet));
        // Then a loss-free stretch as long again: three lost BPDUs in a row age information out
        // and restart convergence (a legacy segment needs Max Age + 2 × Forward Delay).
        if net.loss_per_mille > 0 {
            net.loss_per_mille = 0;
            net.run_for(Duration::from_secs(quiet));
        }
        if let Err(e) = net.check_tree() {
            if std::env::var("STP_TRACE").is_ok() {
                for b in [0usize, 2] {
                    let ev = &net.events[b];
                    for (t, e) in ev.iter().skip(ev.len().saturating_sub(30)) {
                        eprintln!("b{b} {t:?} {e:?}");
                    }
                }
                for (i, l) in net.links.iter().enumerate() {
                    eprintln!("link {i}: {:?} {:?} up={}", l.a, l.b, l.up);
                }
            }
            panic!("seed {seed} (legacy {legacy}, loss {loss_per_mille}‰): {what}:\n{e}");
        }
    };
    check(&mut net, "initial convergence");
    let links = net.links.len();
    for round in 0..6 {
        // Quiescent points are judged without loss (a lost BPDU right before the check is a
        // legitimate transient); loss is on during the failures and reconvergence.
        net.loss_per_mille = loss_per_mille;
        // Cut or restore a few links, sometimes several at once, sometimes mid-convergence.
        let k = 1 + rng.below(3);
        for _ in 0..k {
            let l = rng.below(links as u64) as usize;
            let up = !net.links[l].up;
            net.set_link(l, up);
            if rng.below(3) == 0 {
                let d = rng.below(3000);
                net.run_for(Duration::from_millis(d));
            }
        }
        check(&mut net, &format!("round {round}"));
    }
    // Restore everything.
    for l in 0..links {
        if !net.links[l].up {
            net.set_link(l, true);
        }
    }
    check(&mut net, "all restored");
}

fn seeds(default: core::ops::Range<u64>) -> Vec<u64> {
    match std::env::var("STP_SEED") {
        Ok(s) => vec![s.parse().unwrap()],
        Err(_) => default.collect(),
    }
}

#[test]
fn random_rstp_networks() {
    for seed in seeds(0..200) {
        scenario(seed, false);
    }
}

#[test]
fn random_mixed_stp_rstp_networks() {
    for seed in seeds(1000..1100) {
        scenario(seed, true);
    }
}

#[test]
fn random_networks_with_frame_loss() {
    for seed in seeds(2000..2040) {
        scenario_with(seed, seed % 3 == 0, 50);
    }
}
