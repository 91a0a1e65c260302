//! RSTP convergence in virtual time: line, ring, full mesh, leaf/spine; failures and restores.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::expect_used,
    clippy::panic
)]

mod sim_common;

use l2_types::Duration;
use sim_common::{Net, settle};
use stp::{PortState, Role};

#[test]
fn line_of_five_converges() {
    let mut net = Net::new(5);
    for i in 0..4 {
        net.link(i, i + 1);
    }
    settle(&mut net, 60);
    assert!(net.bridges[0].tree().is_root);
    for b in 1..5 {
        assert_eq!(
            net.bridges[b].tree().root_priority.root_path_cost,
            20_000 * b as u32
        );
    }
}

#[test]
fn ring_of_six_blocks_one_port() {
    let mut net = Net::new(6);
    for i in 0..6 {
        net.link(i, (i + 1) % 6);
    }
    settle(&mut net, 60);
    let blocked: usize = net
        .bridges
        .iter()
        .map(|b| b.ports().filter(|p| p.role == Role::Alternate).count())
        .sum();
    assert_eq!(blocked, 1, "{}", net.dump());
}

#[test]
fn full_mesh_of_five() {
    let mut net = Net::new(5);
    for i in 0..5 {
        for j in i + 1..5 {
            net.link(i, j);
        }
    }
    settle(&mut net, 60);
}

#[test]
fn rstp_converges_without_forward_delay() {
    // Point-to-point links: proposal/agreement makes the whole ring forward well before one
    // Forward Delay (15 s) has passed.
    let mut net = Net::new(6);
    for i in 0..6 {
        net.link(i, (i + 1) % 6);
    }
    settle(&mut net, 3);
}

#[test]
fn leaf_spine_with_redundant_links() {
    // Two spines (0, 1), four leaves (2..6), each leaf dual-homed and one leaf pair with a
    // direct link too; a second parallel link between the spines.
    let mut net = Net::with(6, |i, mut c| {
        if i == 0 {
            c.priority = 4096;
        }
        c
    });
    for leaf in 2..6 {
        net.link(leaf, 0);
        net.link(leaf, 1);
    }
    net.link(0, 1);
    net.link(0, 1);
    net.link(2, 3);
    settle(&mut net, 60);
    assert!(net.bridges[0].tree().is_root);
}

#[test]
fn ring_link_failure_and_restore() {
    let mut net = Net::new(5);
    let links: Vec<_> = (0..5).map(|i| net.link(i, (i + 1) % 5)).collect();
    settle(&mut net, 30);
    for &l in &links {
        net.set_link(l, false);
        // Root port lost with an alternate: forwarding again right away (well under 1 s).
        settle(&mut net, 1);
        net.set_link(l, true);
        settle(&mut net, 3);
    }
}

#[test]
fn root_failure_elects_new_root() {
    let mut net = Net::new(4);
    let mut links = Vec::new();
    for i in 0..4 {
        for j in i + 1..4 {
            links.push((i, j, net.link(i, j)));
        }
    }
    settle(&mut net, 30);
    // Isolate bridge 0 (the root).
    for &(i, j, l) in &links {
        if i == 0 || j == 0 {
            net.set_link(l, false);
        }
    }
    settle(&mut net, 60);
    assert!(net.bridges[1].tree().is_root);
}

#[test]
fn states_are_forwarding_or_discarding_when_quiet() {
    let mut net = Net::new(3);
    net.link(0, 1);
    net.link(1, 2);
    net.link(2, 0);
    settle(&mut net, 40);
    for b in &net.bridges {
        for p in b.ports() {
            assert_ne!(p.state, PortState::Learning);
        }
    }
}

#[test]
fn shared_segments_fall_back_to_forward_delay() {
    // Point-to-point forced off: no proposal/agreement, so a Designated port learns and
    // forwards only on fdWhile (which INIT_PORT sets to MaxAge, then forwardDelay per step);
    // a Root Port may forward at once (reRooted), which cannot loop while designated ports
    // discard. The tree is right afterwards.
    let mut net = Net::new(3);
    for i in 0..3 {
        net.link_with(i, (i + 1) % 3, |_, mut c| {
            c.point_to_point = stp::AdminP2p::ForceFalse;
            c.auto_edge = false;
            c
        });
    }
    net.run_for(Duration::from_secs(15));
    for b in &net.bridges {
        for p in b.ports().filter(|p| p.role == Role::Designated) {
            assert_eq!(p.state, PortState::Discarding, "{}", net.dump());
        }
    }
    settle(&mut net, 45);
}

#[test]
fn link_speed_sets_the_auto_path_cost() {
    let mut net = Net::new(2);
    let l = net.link(0, 1);
    settle(&mut net, 5);
    assert_eq!(net.bridges[1].tree().root_priority.root_path_cost, 20_000);
    let (b, p) = net.links[l].b;
    let now = net.now;
    net.bridges[b].handle_link(
        now,
        p,
        stp::LinkState::Up {
            speed_mbps: 10_000,
            full_duplex: true,
        },
    );
    net.drain(b);
    settle(&mut net, 5);
    assert_eq!(net.bridges[1].tree().root_priority.root_path_cost, 2_000);
    assert_eq!(net.bridges[1].port(p).unwrap().path_cost, 2_000);
}
