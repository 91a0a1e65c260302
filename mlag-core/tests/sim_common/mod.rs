//! Shared builders for the simulator tests.
#![allow(
    dead_code,
    unreachable_pub,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use l2_types::{Duration, Instant, MacAddr, PortNo};
use mlag_core::sim::{Host, LinkId, LinkParams, Network, NodeId, StpBridge, StreamConfig};
use stp::BridgeConfig;

pub fn host_mac(i: u8) -> MacAddr {
    MacAddr([0x02, 0xaa, 0, 0, 0, i])
}

pub fn bridge_mac(i: u8) -> MacAddr {
    MacAddr([0x02, 0xbb, 0, 0, i, 0])
}

/// A ring of three bridges (ports 1 and 2 in the ring, port 3 to a host); bridge 0 has the
/// best priority. `stp_off` names a bridge built without spanning tree. Each host sends a
/// stream to the next host's address every `interval` from `start`.
pub struct Ring {
    pub net: Network,
    pub bridges: Vec<NodeId>,
    pub hosts: Vec<NodeId>,
    /// `ring[i]` joins bridge i port 2 to bridge (i+1)%3 port 1.
    pub ring: Vec<LinkId>,
}

pub fn ring(seed: u64, stp_off: Option<usize>, interval: Duration, start: Instant) -> Ring {
    let mut net = Network::new(seed);
    let mut bridges = Vec::new();
    for i in 0..3u8 {
        let b = if stp_off == Some(usize::from(i)) {
            let mut b = StpBridge::without_stp(bridge_mac(i + 1));
            for p in 1..=3 {
                b.add_port(
                    PortNo(p),
                    stp::PortConfig::new(MacAddr([2, 0xcc, 0, 0, i + 1, p as u8])),
                )
                .unwrap();
            }
            b
        } else {
            let mut cfg = BridgeConfig::new(bridge_mac(i + 1));
            cfg.priority = 4096 * (u16::from(i) + 1);
            StpBridge::new(cfg).unwrap().with_ports(3).unwrap()
        };
        bridges.push(net.add_node(&format!("br{i}"), b));
    }
    let mut hosts = Vec::new();
    for i in 0..3u8 {
        let dst = host_mac((i + 1) % 3 + 1);
        let h = Host::new(host_mac(i + 1)).with_stream(StreamConfig::new(dst, interval, start));
        hosts.push(net.add_node(&format!("h{i}"), h));
    }
    for i in 0..3 {
        net.connect(
            (hosts[i], Host::PORT),
            (bridges[i], PortNo(3)),
            LinkParams::gigabit(),
        );
    }
    let mut ring = Vec::new();
    for i in 0..3 {
        ring.push(net.connect(
            (bridges[i], PortNo(2)),
            (bridges[(i + 1) % 3], PortNo(1)),
            LinkParams::gigabit(),
        ));
    }
    Ring {
        net,
        bridges,
        hosts,
        ring,
    }
}
