//! An in-memory network simulator in virtual time.
//!
//! The simulator runs whole networks of sans-IO nodes — the MLAG peers, LACP clients, plain
//! spanning-tree bridges and hosts — joined by links with delay, jitter, loss, duplication,
//! reordering, corruption, bandwidth and cut/restore, with node crash and restart and a
//! scheduled fault plan. It is what the demo, the integration tests and the fault-injection
//! campaign run on.
//!
//! * [`Network`] — nodes, links, the event queue ([`Network::step`], [`Network::run_until`],
//!   [`Network::run_until_quiet`]), faults ([`Network::cut`], [`Network::crash`],
//!   [`Network::schedule`]), capture ([`Network::pcap`], [`Network::counters_table`]) and the
//!   invariants checked after every step ([`Invariants`], [`Violation`]).
//! * [`Node`] — the trait a node implements: the sans-IO shape of every driver here
//!   (`handle_frame`, `handle_link`, `handle_timeout`, `poll_transmit`, `poll_timeout`) plus a
//!   restart hook.
//! * Ready-made nodes: [`Host`] (numbered test-frame streams, receive statistics),
//!   [`LacpClient`] (a host behind an `lacp` bond), [`LacpSwitch`] (a learning switch whose
//!   LAGs run `lacp`), [`StpBridge`] (a learning bridge running `stp::Bridge`) and
//!   [`MlagPeer`] (the MLAG [`Coordinator`](crate::coordinator::Coordinator) driving a
//!   [`SimDataplane`]), all built on the [`Switch`] forwarding plane.
//! * [`QuickSetup`] — the RouterOS Quick setup (Peer1, Peer2, a client bond of two links, a
//!   host behind each peer) with numbered streams between the three hosts: what the demo and
//!   the failover tests run.
//! * [`Rng`] — the seeded generator behind every random choice.
//!
//! # Determinism
//! Nothing reads a clock or an OS random source. Events are ordered by virtual time, then by
//! the order in which they were scheduled; each link direction draws from its own generator
//! derived from the seed and the link's index. The same seed and the same sequence of calls
//! give the same run, bit for bit (the same pcap bytes).
//!
//! # Following traffic
//! Traffic frames carry a hidden [`FrameId`] beside their bytes: a [`Host`] sends with
//! [`Track::New`], forwarding nodes pass the id of the frame they received on with
//! [`Track::copy_of`], and end hosts report what they consumed
//! ([`Node::poll_delivered`]). The checker reports a copy delivered twice to one host, a copy
//! crossing one link direction twice (a forwarding loop) and a stream silent for too long
//! (a black hole); the hop budget stops a loop from running forever. Copies made by the link's
//! own duplication get a fresh id, so they are never blamed on the nodes.
//!
//! # Wrapping a driver
//! A protocol driver becomes a node by forwarding the four inputs and keeping a [`Switch`]
//! beside it as its dataplane: control frames go to the driver, data frames to
//! [`Switch::forward`] (which passes the hidden id on); after each input the node drains the
//! driver's events into the switch (port states, collecting/distributing, flushes) and its
//! frames into its own transmit queue. [`LacpSwitch`] and [`StpBridge`] are two such wrappers
//! of a few dozen lines each; [`MlagPeer`] is a third, whose [`SimDataplane`] turns the
//! coordinator's `Dataplane` calls into switch state.
//! [`Node::crash`] and [`Node::restart`] let a node restart from scratch or from a snapshot
//! ([`LacpSwitch::set_restart_from_snapshot`]).
//!
//! # Cost
//! Each frame crossing a link is one event, each timer firing another; about 0.4–0.6 µs of
//! wall time per event in release builds (BENCHMARKS.md, "Simulator"). One hour of 48 fast-LACP
//! clients, two LACP switches and four RSTP bridges runs in about 0.4–0.6 s.
//!
//! ```
//! use l2_types::{Duration, Instant, MacAddr, PortNo};
//! use mlag_core::sim::{Host, LinkParams, Network, StpBridge, StreamConfig};
//! use stp::BridgeConfig;
//!
//! let mut net = Network::new(42);
//! let a = MacAddr([2, 0, 0, 0, 0, 0xa]);
//! let b = MacAddr([2, 0, 0, 0, 0, 0xb]);
//! let bridge = StpBridge::new(BridgeConfig::new(MacAddr([2, 0, 0, 0, 1, 0])))
//!     .unwrap()
//!     .with_ports(2)
//!     .unwrap();
//! let br = net.add_node("br", bridge);
//! let stream = StreamConfig::new(b, Duration::from_millis(100), Instant::from_secs(35));
//! let ha = net.add_node("a", Host::new(a).with_stream(stream));
//! let hb = net.add_node("b", Host::new(b));
//! net.connect((ha, Host::PORT), (br, PortNo(1)), LinkParams::gigabit());
//! net.connect((hb, Host::PORT), (br, PortNo(2)), LinkParams::gigabit());
//! net.run_until(Instant::from_secs(40));
//! let rx = net.node::<Host>(hb).unwrap().app().rx(a, 0).unwrap();
//! assert!(rx.unique >= 49 && rx.duplicates == 0);
//! assert!(net.violations().is_empty());
//! ```
#![cfg_attr(
    not(test),
    deny(
        clippy::indexing_slicing,
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic
    )
)]

pub mod chaos;
mod frame;
mod host;
mod lacp_node;
mod mlag;
mod net;
mod pcap;
mod rng;
mod stp_node;
mod switch;

pub use frame::{
    EthHeader, MIN_FRAME, TEST_ETHERTYPE, TEST_MAGIC, TestFrame, TestFrameError, fnv1a32,
    is_link_local,
};
pub use host::{Host, HostApp, HostCounters, RxStats, StreamConfig, TxStats};
pub use lacp_node::{
    CLIENT_LAG, LacpClient, LacpClientConfig, LacpClientStats, LacpSwitch, LacpSwitchStats,
    SwitchLag,
};
pub use mlag::{
    Endpoint, LEARN_REFRESH, MlagPeer, MlagPeerStats, PeerView, QuickSetup, QuickSetupError,
    QuickSetupParams, SimDataplane, SimDataplaneStats, add_fdb_check, fdb_mirrors_agree,
};
pub use net::{
    CrashMode, Dir, Fault, FrameId, Invariants, LinkCounters, LinkId, LinkParams, NetStats,
    Network, Node, NodeId, PENDING_MAX, StreamRef, Track, Transmit, VIOLATIONS_MAX, Violation,
    ViolationKind,
};
pub use pcap::{CaptureRecord, Fate, LINKTYPE_ETHERNET, PCAP_MAGIC_NANOS, SNAPLEN, write_pcap};
pub use rng::{Probability, Rng, splitmix64};
pub use stp_node::{StpBridge, StpBridgeStats};
pub use switch::{LogicalPort, Switch, SwitchStats, flow_hash};
