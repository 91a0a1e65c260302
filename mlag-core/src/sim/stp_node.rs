//! A learning bridge running this workspace's `stp::Bridge`.

use alloc::collections::VecDeque;
use alloc::vec::Vec;
use l2_types::{Duration, Instant, MacAddr, PortNo};
use stp::{Bridge, BridgeConfig, ConfigError, Event, LinkState, PortConfig, PortState};

use super::frame::EthHeader;
use super::net::{FrameId, Node, Track, Transmit};
use super::switch::{LogicalPort, Switch};

/// Counters of a [`StpBridge`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct StpBridgeStats {
    /// BPDUs `stp::Bridge` rejected.
    pub bpdu_rx_errors: u64,
    /// BPDUs dropped because spanning tree is off on this bridge.
    pub bpdus_dropped: u64,
    /// Flushes requested by the bridge (`FlushFdb`).
    pub flushes: u64,
    /// Times the node was restarted.
    pub restarts: u64,
}

/// A learning bridge whose ports forward only in the Forwarding state the spanning tree gives
/// them (per tree), learn in Learning and Forwarding, and flush on the bridge's `FlushFdb`
/// (the Topology Change machine, 802.1D-2004 §17.29). Without spanning tree
/// ([`StpBridge::without_stp`]) every port forwards and BPDUs are dropped, as a bridge drops
/// every frame to a reserved address: the broken bridge of a loop test.
#[derive(Clone, Debug)]
pub struct StpBridge {
    cfg: BridgeConfig,
    ports: Vec<(PortNo, PortConfig)>,
    bridge: Option<Bridge>,
    sw: Switch,
    out: VecDeque<Transmit>,
    changes: u64,
    stats: StpBridgeStats,
    /// Transmit buffer for the bridge.
    buf: Vec<u8>,
}

const UP: LinkState = LinkState::Up {
    speed_mbps: 1000,
    full_duplex: true,
};

/// FDB ageing time (802.1Q-2022 Table 8-6 default).
const AGEING: Duration = Duration::from_secs(300);

impl StpBridge {
    /// A bridge running spanning tree with `cfg`.
    ///
    /// # Errors
    /// `cfg` is invalid.
    pub fn new(cfg: BridgeConfig) -> Result<Self, ConfigError> {
        Ok(Self {
            cfg,
            ports: Vec::new(),
            bridge: Some(Bridge::new(cfg)?),
            sw: Switch::new(PortState::Discarding, AGEING),
            out: VecDeque::new(),
            changes: 0,
            stats: StpBridgeStats::default(),
            buf: alloc::vec![0; 1514],
        })
    }

    /// The spanning-tree bridge's counters (`None` with spanning tree off).
    pub fn stp_stats(&self) -> Option<&stp::Stats> {
        self.bridge.as_ref().map(Bridge::stats)
    }

    /// A bridge with spanning tree off: all ports forward, BPDUs are dropped.
    pub fn without_stp(address: MacAddr) -> Self {
        Self {
            cfg: BridgeConfig::new(address),
            ports: Vec::new(),
            bridge: None,
            sw: Switch::new(PortState::Forwarding, AGEING),
            out: VecDeque::new(),
            changes: 0,
            stats: StpBridgeStats::default(),
            buf: alloc::vec![0; 1514],
        }
    }

    /// Adds a port.
    ///
    /// # Errors
    /// The bridge refused the port (duplicate, invalid configuration).
    pub fn add_port(&mut self, port: PortNo, cfg: PortConfig) -> Result<(), ConfigError> {
        if let Some(b) = self.bridge.as_mut() {
            b.add_port(Instant::ZERO, port, cfg)?;
        }
        self.sw.add_port(port);
        self.ports.push((port, cfg));
        self.drain();
        Ok(())
    }

    /// Adds ports `1..=n` with default configuration and source MACs derived from the bridge
    /// address.
    ///
    /// # Errors
    /// As [`add_port`](Self::add_port).
    pub fn with_ports(mut self, n: u16) -> Result<Self, ConfigError> {
        for p in 1..=n {
            let mac = MacAddr::from_u64(self.cfg.address.to_u64().wrapping_add(u64::from(p)));
            self.add_port(PortNo(p), PortConfig::new(mac))?;
        }
        Ok(self)
    }

    /// Maps each of `vids` to the tree the bridge's MST configuration gives it, for tagged
    /// traffic under MSTP (untagged frames and unmapped VLANs use the CIST).
    pub fn map_vlans(&mut self, vids: impl IntoIterator<Item = u16>) {
        for vid in vids {
            let tree = self
                .bridge
                .as_ref()
                .map_or(stp::CIST, |b| b.mstid_of_vid(vid));
            self.sw.map_vid(vid, tree);
        }
    }

    /// The spanning tree (absent when spanning tree is off).
    pub const fn bridge(&self) -> Option<&Bridge> {
        self.bridge.as_ref()
    }

    /// The forwarding plane.
    pub const fn switch(&self) -> &Switch {
        &self.sw
    }

    /// Counters.
    pub const fn stats(&self) -> &StpBridgeStats {
        &self.stats
    }

    fn drain(&mut self) {
        if let Some(b) = self.bridge.as_mut() {
            while let Some(e) = b.poll_event() {
                match e {
                    Event::PortState { port, tree, state } => {
                        self.sw.set_state(LogicalPort(port.0), tree, state);
                        self.changes = self.changes.wrapping_add(1);
                    }
                    Event::FlushFdb { port, tree } => {
                        self.sw.flush_lport_tree(LogicalPort(port.0), tree);
                        self.stats.flushes = self.stats.flushes.saturating_add(1);
                    }
                    Event::PortRole { .. } | Event::RootChanged { .. } => {
                        self.changes = self.changes.wrapping_add(1);
                    }
                    _ => {}
                }
            }
            while let Some(t) = b.poll_transmit(&mut self.buf) {
                self.out.push_back(Transmit {
                    port: t.port,
                    frame: self.buf.get(..t.len).unwrap_or_default().to_vec(),
                    track: Track::None,
                });
            }
        }
        while let Some(t) = self.sw.poll_transmit() {
            self.out.push_back(t);
        }
    }
}

impl Node for StpBridge {
    fn relays(&self, frame: &[u8], ingress: PortNo, egress: PortNo, at: Instant) -> Option<bool> {
        self.sw.relays_at(frame, ingress, egress, at)
    }

    fn relay_changes(&self, since: Instant, out: &mut Vec<Instant>) {
        self.sw.relay_changes(since, out);
    }

    /// The bridge's port states are its RSTP port states (802.1D-2004 §17.30).
    fn stp_forwarding(&self, frame: &[u8], port: PortNo, at: Instant) -> Option<bool> {
        self.sw.forwarding_at(frame, port, at).map(|(_, f)| f)
    }

    fn clock(&mut self, now: Instant) {
        self.sw.set_now(now);
    }

    fn handle_frame(&mut self, now: Instant, port: PortNo, frame: &[u8], id: Option<FrameId>) {
        let bpdu = EthHeader::parse(frame).is_some_and(|h| h.dst == MacAddr::BRIDGE_GROUP);
        if bpdu {
            match self.bridge.as_mut() {
                Some(b) => {
                    if b.handle_frame(now, port, frame).is_err() {
                        self.stats.bpdu_rx_errors = self.stats.bpdu_rx_errors.saturating_add(1);
                    }
                }
                None => self.stats.bpdus_dropped = self.stats.bpdus_dropped.saturating_add(1),
            }
        } else {
            self.sw.forward(now, port, frame, id);
        }
        self.drain();
    }

    fn handle_link(&mut self, now: Instant, port: PortNo, up: bool) {
        self.sw.set_link(port, up);
        if let Some(b) = self.bridge.as_mut() {
            b.handle_link(now, port, if up { UP } else { LinkState::Down });
        }
        self.drain();
    }

    fn handle_timeout(&mut self, now: Instant) {
        if let Some(b) = self.bridge.as_mut() {
            b.handle_timeout(now);
        }
        self.drain();
    }

    fn poll_transmit(&mut self) -> Option<Transmit> {
        self.out.pop_front()
    }

    fn poll_timeout(&self) -> Option<Instant> {
        self.bridge.as_ref().and_then(Bridge::poll_timeout)
    }

    fn restart(&mut self, now: Instant) {
        let stp = self.bridge.is_some();
        let mut sw = Switch::new(
            if stp {
                PortState::Discarding
            } else {
                PortState::Forwarding
            },
            AGEING,
        );
        let mut bridge = if stp {
            Bridge::new(self.cfg).ok()
        } else {
            None
        };
        // A new switch: its history starts now.
        sw.set_now(now);
        for (p, cfg) in &self.ports {
            if let Some(b) = bridge.as_mut() {
                // Accepted once, accepted again.
                let _ = b.add_port(now, *p, *cfg);
            }
            sw.add_port(*p);
        }
        self.bridge = bridge;
        self.sw = sw;
        self.out.clear();
        self.stats.restarts = self.stats.restarts.saturating_add(1);
        self.changes = self.changes.wrapping_add(1);
        self.drain();
    }

    fn changes(&self) -> u64 {
        self.changes
    }
}
