//! Deterministic fault-injection campaigns over the simulator (`mlag chaos`).
//!
//! One **seed** gives one [`Scenario`]: a random topology ([`Topology`]: one or two MLAG pairs,
//! one to six LACP clients with a host behind each, zero to three RSTP bridges in a chain or a
//! ring around the pairs — with loop guard on their chain and ring ports, since the schedule
//! silences bridge links with their carrier up —, hosts on the bridges or on the peers, random
//! link delays) and a
//! random fault schedule ([`Episode`]s: member link cut or silent, peer-link cut or silent,
//! backup path cut, peer crash (power off or hang) and restart, STP link cut or silent, loss /
//! duplication / reordering / corruption / delay spikes on any link, MLAG priority changes).
//! [`Scenario::run`] plays it in virtual time and checks after every step:
//!
//! * **no forwarding loop, no duplicate delivery** — the network's own checker
//!   ([`super::Invariants`]). Frames in flight while RSTP moves the active topology are
//!   exempt, as 802.1D-2004 §17.13.4 allows (the rapid transitions can misorder and duplicate
//!   frames in transit): a frame that came round a cycle never whole at one instant is no loop
//!   ([`super::NetStats::stale_cycles`]), and a second delivery to a host whose two copies'
//!   paths were never open together, where only spanning-tree port states of plain bridges or
//!   of a pair's logical bridge may have closed a path, is no duplicate
//!   ([`super::NetStats::stale_duplicates`], [`super::Node::stp_forwarding`]). Anything else
//!   that separates two paths — a link or a node going down, an MLAG hand-over (member
//!   flags, split horizon, redirects), the peer-port — counts as open, so a duplicate made by
//!   it stays reported (RFC 7275 has no in-flight allowance, and performance.md asks for no
//!   duplicate at a rejoin);
//! * **one primary when connected** — both peers connected never both call themselves
//!   primary, and exactly one does once the election is acknowledged;
//! * **the monitor tells the truth** — a peer does not say `connected` while its peer is dead or
//!   its peer-link cut or silent for longer than the detection time, connected peers agree on
//!   the pair's system-id (the lower bridge MAC), a survivor whose peer is dead says primary
//!   and not isolated, and (when quiet) every client's LACP partner is the pair's system-id and
//!   the monitor's `local-up` of each MLAG half matches what the client distributes on;
//!
//! and at checkpoints (every [`CHECK_PERIOD`] and at each fault's deadline):
//!
//! * **no black hole beyond the failover limits** — every stream whose two ends are still
//!   connected must deliver a frame sent after `fault + limit` (the limit of the fault's kind,
//!   from `performance.md`; see [`Scenario::limits`]), measured from the fault;
//! * **FDBs agree when quiet** — see [`fdb_agree`] (the hook for the peer FDB
//!   synchronisation).
//!
//! After the last repair the network must converge again (every pair connected, every client
//! on both links to its pair's system-id, every stream flowing).
//!
//! A failing run is [shrunk](shrink): episodes are removed one at a time while the run still
//! fails with the same invariant; what remains is printed with the command that replays it
//! (`mlag chaos --seed S --faults i,j`). Everything derives from the seed: the same seed and
//! the same episode subset give the same run.
//!
//! # What the oracle expects (and what it does not)
//! The black-hole oracle only asks for recovery where the design promises it: a stream is
//! expected to flow when its two ends are joined by live links through live nodes, where a
//! peer-link that is cut or silent while both peers live removes the pair's secondary (it
//! isolates its MLAG halves), and nothing is expected while a degraded link (loss,
//! corruption…) is in the network. Peer-link faults are only generated for pairs with a
//! backup path: without one a dead peer-link cannot be told from a dead peer, and the
//! coordinator documents that flooded frames may then be duplicated. Faults on one pair's
//! control plane (peer-link, backup path, crash, priority, degraded peer-link) do not overlap
//! in time: two at once (say, a peer-link cut while the peer hangs) are outside every
//! guarantee of `performance.md`. While a restarted peer rejoins (its halves held for up to the
//! reload delay), later faults' limits count from the end of that window. A member link
//! restored or healed less than [`LACP_ATTACH`] ago may not be in its client's aggregate yet
//! (LACP's wait-while): a stream that a fault leaves with only such links is reconnected, not
//! failed over, and gets the reconnection limit. A one-way silence that no bridge can detect
//! (towards a port without received information) is judged at its end, a reconnection during
//! a peer's hang no earlier than the hang's detection, a reconnection no earlier than the
//! edge detection ([`EDGE_DELAY`]) after the spanning-tree reconfigurations pending while it
//! is, and a crash or peer-link fault that
//! moves a pair's uplink gets the spanning-tree limits (see [`Scenario::limits`]). The simulator has no
//! FCS: a frame with a flipped bit reaches the node, and a corrupted source address or BPDU
//! can poison FDBs and spanning-tree state in ways 802.3's FCS rules out; from the first
//! corruption episode on, a run only checks that nothing panics or spins (the decoders'
//! totality), not forwarding.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::Write as _;

use l2_types::{Duration, Instant, MacAddr, PortNo};
use stp::BridgeConfig;

use super::host::{Host, HostApp, StreamConfig};
use super::lacp_node::{CLIENT_LAG, LacpClient, LacpClientConfig};
use super::mlag::{MlagPeer, PeerView};
use super::net::{CrashMode, Dir, Invariants, LinkId, LinkParams, Network, NodeId, ViolationKind};
use super::rng::{Probability, Rng};
use super::stp_node::StpBridge;
use crate::config::{Bond, BridgePort, Config, Ethernet, LacpRate};
use crate::coordinator::Options;
use crate::dataplane::MlagId;

/// How long a pair may take to find a hung peer dead: 3H + L + H_b (the backup path's
/// deadline may come up to H_b after the peer-link's; `failover_scenarios`: primary within
/// 3H + L + H).
pub const HANG_DETECT: Duration = HEARTBEAT.saturating_mul(4).saturating_add(LINK_DOWN_NOTICE);

/// How often the black-hole and quiet checks run between faults.
pub const CHECK_PERIOD: Duration = Duration::from_millis(500);
/// The heartbeat of every pair (RouterOS's default) — H and H_b of `performance.md`.
pub const HEARTBEAT: Duration = Duration::from_secs(5);
/// L: the simulator reports carrier loss at the instant of the cut.
pub const LINK_DOWN_NOTICE: Duration = Duration::ZERO;
/// The reload delay the chaos pairs run with.
pub const RELOAD_DELAY: Duration = Duration::from_secs(10);
/// Bound on bringing a part of the network that was cut off back (not a failover limit of
/// `performance.md`, which only bounds failovers): LACP attach (wait-while 2 s, 802.1AX-2020
/// 6.4.15, plus a fast periodic exchange) and an edge port's `edgeDelayWhile` (3 s, 802.1D-2004
/// 17.25), with margin.
pub const REATTACH: Duration = Duration::from_secs(8);
/// The LACP short timeout (802.1AX-2020 6.4.4, Short_Timeout_Time 3 s).
pub const LACP_FAST_TIMEOUT: Duration = Duration::from_secs(3);
/// How long a member link restored (or healed) may stay out of its client's aggregate: the
/// Mux machine holds a newly selected port in WAITING for Aggregate_Wait_Time (2 s, 802.1AX-2020
/// 6.4.4 and 6.4.15) before it attaches, a healed link's partner information may be expired or
/// defaulted until the next LACPDU (Fast_Periodic_Time 1 s), and the Sync/Collecting exchange
/// that follows may wait for the Transmit machine's budget of three LACPDUs per
/// Fast_Periodic_Time (6.4.16; seed 9533: healed at 18.41 s, WAITING from 19.0 s, Distributing
/// at 22.0 s). Until then the link is no redundant path: a stream left with it alone is
/// reconnected, not failed over.
pub const LACP_ATTACH: Duration = Duration::from_secs(4);
/// The RSTP hello time of the bridges (802.1D-2004 17.13.6 default 2 s); information ages out
/// after three of them (17.21.23, rcvdInfoWhile).
pub const STP_HELLO: Duration = Duration::from_secs(2);
/// EdgeDelay on a point-to-point link: MigrateTime, 3 s (802.1D-2004 §17.20.4, Table 17-1).
/// A Designated Port that is still proposing restarts it whenever its designated priority
/// vector changes (§17.27 UPDATE clears `proposing`; §17.29 DESIGNATED_PROPOSE sets
/// `edgeDelayWhile = EdgeDelay()` again), so a port in edge detection during a spanning-tree
/// reconfiguration is an edge port no sooner than this after the reconfiguration
/// ([`Scenario::limits`]).
pub const EDGE_DELAY: Duration = Duration::from_secs(3);
/// When the traffic starts (the network has converged: LACP ≈ 2 s, edge ports 3 s later).
pub const TRAFFIC_START: Instant = Instant::from_millis(6500);
/// When the first fault may happen and the checks start.
pub const FAULTS_FROM: Instant = Instant::from_secs(9);
/// Faults start within this window after [`FAULTS_FROM`].
pub const FAULT_WINDOW: Duration = Duration::from_secs(20);
/// The most episodes in one schedule.
pub const EPISODES_MAX: usize = 8;
/// One tick of the RSTP Port Timers state machine (802.1D-2004 §17.22: txCount is decremented
/// once a second): how long a BPDU the Transmit Hold Count held may wait (§17.26,
/// §17.19.44). A spanning-tree link event's limit gets it once when some bridge held a BPDU
/// since the event ([`Scenario::limits`]).
pub const TX_HOLD_TICK: Duration = Duration::from_secs(1);
/// The most events one run may process: a seed that needs more fails with the invariant
/// [`BOUNDED_RUN`] instead of running on (seeds 0..10,000 need at most 1.06 × 10⁶, seed 6200).
pub const STEPS_MAX: u64 = 10_000_000;
/// The most events one run may have pending (frames in flight, timers); beyond it frames are
/// dropped and the seed fails with [`BOUNDED_RUN`], so a storm cannot exhaust memory (seed
/// 6272 grew to 24 GB before the hop budget was shared with the simulator's duplicates; a
/// pending copy of a looping frame carries its path, up to the hop budget, so the bound is
/// kept near ten times the deepest queue seen: about 100 MB at worst).
/// Seeds 0..10,000 peak at 939 (seed 6200), most below 300.
pub const PENDING_LIMIT: usize = 10_000;
/// The invariant of a run that exceeded [`STEPS_MAX`] or [`PENDING_LIMIT`].
pub const BOUNDED_RUN: &str = "bounded run (events, pending frames)";

/// A link of the topology, by role (resolved to a [`LinkId`] when the network is built).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LinkRef {
    /// Client `client`'s link to peer `peer` (0 or 1) of its pair.
    Member {
        /// The client.
        client: u8,
        /// The peer (0 = Peer1).
        peer: u8,
    },
    /// A pair's peer-link.
    PeerLink(u8),
    /// A pair's backup keepalive link.
    Backup(u8),
    /// A peer's uplink (`ether1`) to a bridge.
    Uplink {
        /// The pair.
        pair: u8,
        /// The peer (0 = Peer1).
        peer: u8,
    },
    /// Bridge-to-bridge link `i` (chain order; the last one closes the ring, if any).
    Ring(u8),
}

/// How a degraded link behaves during a [`Kind::Degrade`] episode.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Degradation {
    /// Random loss.
    Loss(Probability),
    /// Duplication.
    Duplicate(Probability),
    /// Reordering (held back by 1–20 ms).
    Reorder(Probability, Duration),
    /// One flipped bit per corrupted frame.
    Corrupt(Probability),
    /// A delay spike: the link's delay grows by this much.
    DelaySpike(Duration),
}

/// What an episode does at its start (its end undoes it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// Cut the link (carrier loss on both ends); restored at the end.
    Cut(LinkRef),
    /// The link loses every frame in `dir` (or both ways), carrier up; healed at the end.
    Silent(LinkRef, Option<Dir>),
    /// Peer `peer` of pair `pair` crashes; restarts at the end.
    Crash {
        /// The pair.
        pair: u8,
        /// The peer (0 = Peer1).
        peer: u8,
        /// Power off or hang.
        mode: CrashMode,
    },
    /// The link degrades both ways; back to normal at the end.
    Degrade(LinkRef, Degradation),
    /// Peer `peer`'s MLAG priority becomes `priority` (a run-time configuration change);
    /// back to its old value at the end.
    Priority {
        /// The pair.
        pair: u8,
        /// The peer (0 = Peer1).
        peer: u8,
        /// The new `priority`.
        priority: u8,
    },
}

/// One fault of a schedule: from `at` for `duration`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Episode {
    /// Start.
    pub at: Instant,
    /// How long until the repair.
    pub duration: Duration,
    /// What happens.
    pub kind: Kind,
}

impl Episode {
    /// When it is repaired.
    pub fn end(&self) -> Instant {
        self.at + self.duration
    }

    /// The pair whose control plane the episode touches (at most one such episode per pair
    /// at a time).
    const fn pair_level(&self) -> Option<u8> {
        match self.kind {
            Kind::Cut(LinkRef::PeerLink(p) | LinkRef::Backup(p))
            | Kind::Silent(LinkRef::PeerLink(p) | LinkRef::Backup(p), _)
            | Kind::Degrade(LinkRef::PeerLink(p) | LinkRef::Backup(p), _)
            | Kind::Crash { pair: p, .. }
            | Kind::Priority { pair: p, .. } => Some(p),
            _ => None,
        }
    }
}

impl core::fmt::Display for Episode {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "at {} for {:?}: ", self.at, self.duration)?;
        match self.kind {
            Kind::Cut(l) => write!(f, "cut {}", LinkName(l)),
            Kind::Silent(l, d) => write!(
                f,
                "silent {}{}",
                LinkName(l),
                match d {
                    None => "",
                    Some(Dir::AtoB) => " (a->b)",
                    Some(Dir::BtoA) => " (b->a)",
                }
            ),
            Kind::Crash { pair, peer, mode } => {
                write!(f, "crash ({mode:?}) pair{pair}/Peer{}", peer + 1)
            }
            Kind::Degrade(l, d) => write!(f, "degrade {} {d:?}", LinkName(l)),
            Kind::Priority {
                pair,
                peer,
                priority,
            } => write!(f, "priority of pair{pair}/Peer{} -> {priority}", peer + 1),
        }
    }
}

struct LinkName(LinkRef);

impl core::fmt::Display for LinkName {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self.0 {
            LinkRef::Member { client, peer } => write!(f, "member c{client}-Peer{}", peer + 1),
            LinkRef::PeerLink(p) => write!(f, "peer-link of pair{p}"),
            LinkRef::Backup(p) => write!(f, "backup link of pair{p}"),
            LinkRef::Uplink { pair, peer } => write!(f, "uplink of pair{pair}/Peer{}", peer + 1),
            LinkRef::Ring(i) => write!(f, "bridge link {i}"),
        }
    }
}

/// A pair of the topology.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PairSpec {
    /// A backup keepalive link between the peers.
    pub backup: bool,
    /// The peer-link's one-way delay (d).
    pub peer_link_delay: Duration,
    /// Each peer's MLAG `priority`.
    pub priority: [u8; 2],
    /// The pair's STP bridge priority.
    pub stp_priority: u16,
    /// Bridge each peer's `ether1` goes to (`None`: a host on it).
    pub uplinks: [Option<u8>; 2],
    /// A host on each peer's `ether2` (single-homed, "orphan" port).
    pub orphans: bool,
}

/// A random topology.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Topology {
    /// The MLAG pairs.
    pub pairs: Vec<PairSpec>,
    /// The pair of each client.
    pub clients: Vec<u8>,
    /// RSTP bridges (chained: bridge i port 2 to bridge i+1 port 1).
    pub bridges: u8,
    /// The bridges' chain is closed into a ring (three bridges or more).
    pub ring: bool,
    /// The bridges' priorities.
    pub bridge_priority: Vec<u16>,
    /// One-way delay of every link but the peer-links.
    pub link_delay: Duration,
    /// Time between two frames of each stream.
    pub interval: Duration,
}

impl Topology {
    /// Draws a topology.
    pub fn generate(rng: &mut Rng) -> Self {
        let n_pairs = 1 + rng.below(2) as u8;
        let n_clients = 1 + rng.below(6) as u8;
        let bridges = if n_pairs == 2 {
            1 + rng.below(3) as u8
        } else {
            rng.below(4) as u8
        };
        let ring = bridges >= 3 && rng.below(2) == 0;
        let delays = [
            Duration::from_micros(5),
            Duration::from_micros(50),
            Duration::from_micros(500),
        ];
        let pick = |rng: &mut Rng, xs: &[Duration]| -> Duration {
            xs.get(rng.below(xs.len() as u64) as usize)
                .copied()
                .unwrap_or(Duration::from_micros(5))
        };
        let mut pairs = Vec::new();
        for _ in 0..n_pairs {
            let prio = [128u8, 10, 64];
            let mut priority = [128u8; 2];
            for p in &mut priority {
                *p = prio.get(rng.below(3) as usize).copied().unwrap_or(128);
            }
            let uplink = |rng: &mut Rng| (bridges > 0).then(|| rng.below(u64::from(bridges)) as u8);
            let uplinks = [uplink(rng), uplink(rng)];
            pairs.push(PairSpec {
                backup: rng.below(4) != 0,
                peer_link_delay: pick(
                    rng,
                    &[
                        Duration::from_micros(5),
                        Duration::from_micros(50),
                        Duration::from_micros(200),
                        Duration::from_millis(1),
                    ],
                ),
                priority,
                stp_priority: [4096u16, 32768, 61440]
                    .get(rng.below(3) as usize)
                    .copied()
                    .unwrap_or(32768),
                uplinks,
                orphans: rng.below(3) == 0,
            });
        }
        let clients = (0..n_clients).map(|c| c % n_pairs).collect();
        let bridge_priority = (0..bridges)
            .map(|_| {
                [4096u16, 32768, 61440]
                    .get(rng.below(3) as usize)
                    .copied()
                    .unwrap_or(32768)
            })
            .collect();
        let link_delay = pick(rng, &delays);
        let interval = pick(
            rng,
            &[
                Duration::from_millis(10),
                Duration::from_millis(20),
                Duration::from_millis(50),
            ],
        );
        Self {
            pairs,
            clients,
            bridges,
            ring,
            bridge_priority,
            link_delay,
            interval,
        }
    }

    /// The bridge-to-bridge links.
    pub fn ring_links(&self) -> u8 {
        let chain = self.bridges.saturating_sub(1);
        chain + u8::from(self.ring)
    }

    /// Every link a fault may hit.
    fn fault_links(&self) -> Vec<LinkRef> {
        let mut v = Vec::new();
        for (c, _) in self.clients.iter().enumerate() {
            for peer in 0..2 {
                v.push(LinkRef::Member {
                    client: c as u8,
                    peer,
                });
            }
        }
        for (p, spec) in self.pairs.iter().enumerate() {
            let p = p as u8;
            if spec.backup {
                v.push(LinkRef::PeerLink(p));
                v.push(LinkRef::Backup(p));
            }
            for (peer, up) in spec.uplinks.iter().enumerate() {
                if up.is_some() {
                    v.push(LinkRef::Uplink {
                        pair: p,
                        peer: peer as u8,
                    });
                }
            }
        }
        for i in 0..self.ring_links() {
            v.push(LinkRef::Ring(i));
        }
        v
    }
}

/// One seed's topology and fault schedule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scenario {
    /// The seed.
    pub seed: u64,
    /// The topology.
    pub topology: Topology,
    /// The fault schedule, by start time.
    pub episodes: Vec<Episode>,
}

/// A broken invariant found by a run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// Virtual time.
    pub at: Instant,
    /// The invariant (a short fixed name).
    pub invariant: &'static str,
    /// What was seen.
    pub detail: String,
}

impl core::fmt::Display for Finding {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{} at {}: {}", self.invariant, self.at, self.detail)
    }
}

/// The result of one run.
#[derive(Clone, Debug, Default)]
pub struct Outcome {
    /// The first broken invariant (the run stops at it).
    pub finding: Option<Finding>,
    /// Events processed.
    pub steps: u64,
    /// Virtual time reached.
    pub end: Instant,
    /// Traffic frames sent by the hosts.
    pub frames: u64,
    /// The most events pending at once.
    pub pending_peak: u64,
    /// Frames that came round a cycle the active topology had broken behind them (frames in
    /// flight across a reconfiguration, not loops: [`super::NetStats::stale_cycles`]).
    pub stale_cycles: u64,
    /// Second deliveries of a frame to a host whose two copies' paths were never open together
    /// (frames in flight while RSTP moved the active topology, not duplicates:
    /// [`super::NetStats::stale_duplicates`]).
    pub stale_duplicates: u64,
    /// The capture as a pcap file, when asked for.
    pub pcap: Option<Vec<u8>>,
    /// The capture as text (one line per frame: time, link, ends, fate), when a pcap is
    /// asked for: the pcap has no link numbers.
    pub log: Option<String>,
    /// Every MLAG peer's flight recorder as JSON (`pairN.PeerM`, the ring at the end of the
    /// run), when a pcap is asked for.
    pub recorders: Vec<(String, String)>,
}

/// Options of a run.
#[derive(Clone, Debug)]
pub struct RunOptions {
    /// Only these episodes (indices into [`Scenario::episodes`]); all when `None`.
    pub only: Option<Vec<usize>>,
    /// Capture every frame and return the pcap.
    pub pcap: bool,
    /// Every bridge — the plain ones and the pairs' logical bridges — runs root sequencing
    /// ([`stp::BridgeConfig::root_sequencing`], an extension; `Options::root_sequencing`).
    /// Default on, as the coordinator's; off: the standard's RSTP everywhere.
    pub root_sequencing: bool,
}

impl Default for RunOptions {
    fn default() -> Self {
        Self {
            only: None,
            pcap: false,
            root_sequencing: true,
        }
    }
}

/// The failover limit of an event for streams that stayed connected through it (`keep`),
/// and for streams it reconnected (`new`); `None` suspends the black-hole check.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limit {
    /// Streams connected before and after.
    pub keep: Option<Duration>,
    /// Streams connected only after.
    pub new: Option<Duration>,
}

impl Scenario {
    /// The scenario of `seed`.
    pub fn generate(seed: u64) -> Self {
        let mut rng = Rng::derive(seed, 0xC4A0_5000);
        let topology = Topology::generate(&mut rng);
        let links = topology.fault_links();
        let n = 1 + rng.below(EPISODES_MAX as u64) as usize;
        let mut episodes: Vec<Episode> = Vec::new();
        let window = u64::try_from(FAULT_WINDOW.as_millis()).unwrap_or(20_000);
        for _ in 0..n {
            let at = FAULTS_FROM + Duration::from_millis(rng.below(window));
            let mut duration = Duration::from_millis(100 + rng.below(7900));
            let kind = match rng.below(10) {
                0..=2 => {
                    let Some(&l) = links.get(rng.below(links.len() as u64) as usize) else {
                        continue;
                    };
                    Kind::Cut(l)
                }
                3 => {
                    let Some(&l) = links.get(rng.below(links.len() as u64) as usize) else {
                        continue;
                    };
                    let dir = match rng.below(3) {
                        0 => None,
                        1 => Some(Dir::AtoB),
                        _ => Some(Dir::BtoA),
                    };
                    Kind::Silent(l, dir)
                }
                4 | 5 => {
                    let pair = rng.below(topology.pairs.len() as u64) as u8;
                    let peer = rng.below(2) as u8;
                    let mode = if rng.below(3) == 0 {
                        // A hang is only noticed after 3 heartbeats: long enough to see it.
                        duration = Duration::from_secs(16) + Duration::from_millis(rng.below(8000));
                        CrashMode::Hang
                    } else {
                        CrashMode::PowerOff
                    };
                    Kind::Crash { pair, peer, mode }
                }
                6..=8 => {
                    let Some(&l) = links.get(rng.below(links.len() as u64) as usize) else {
                        continue;
                    };
                    let ppm = 10_000 + rng.below(190_000) as u32;
                    let d = match rng.below(5) {
                        0 => Degradation::Loss(Probability::per_million(ppm)),
                        1 => Degradation::Duplicate(Probability::per_million(ppm)),
                        2 => Degradation::Reorder(
                            Probability::per_million(ppm),
                            Duration::from_millis(1 + rng.below(20)),
                        ),
                        3 => Degradation::Corrupt(Probability::per_million(ppm)),
                        _ => Degradation::DelaySpike(Duration::from_millis(1 + rng.below(200))),
                    };
                    Kind::Degrade(l, d)
                }
                _ => {
                    let pair = rng.below(topology.pairs.len() as u64) as u8;
                    let peer = rng.below(2) as u8;
                    let priority = [1u8, 10, 64, 100, 128]
                        .get(rng.below(5) as usize)
                        .copied()
                        .unwrap_or(1);
                    Kind::Priority {
                        pair,
                        peer,
                        priority,
                    }
                }
            };
            let e = Episode { at, duration, kind };
            // One control-plane fault per pair at a time (see the module docs), and one
            // episode per link at a time.
            let overlaps = |o: &Episode| o.at < e.end() && e.at < o.end();
            let clash = episodes.iter().any(|o| {
                overlaps(o)
                    && ((e.pair_level().is_some() && e.pair_level() == o.pair_level())
                        || (link_of(&e.kind).is_some() && link_of(&e.kind) == link_of(&o.kind)))
            });
            if !clash {
                episodes.push(e);
            }
        }
        episodes.sort_by_key(|e| e.at);
        Self {
            seed,
            topology,
            episodes,
        }
    }

    /// The failover limits of `performance.md` for the start and the end of an episode, with
    /// L = [`LINK_DOWN_NOTICE`], d = the pair's peer-link delay, H = H_b = [`HEARTBEAT`]:
    ///
    /// | event | streams still connected | streams reconnected |
    /// |---|---|---|
    /// | member link cut / its restore | L + d / 0 | – / [`REATTACH`] |
    /// | member link silent / healed | 3 s + d (fast LACP) / 0 | – / [`REATTACH`] |
    /// | peer-link cut, peer alive / restored | 2L + H_b / 0 | – / [`REATTACH`] |
    /// | peer-link silent / healed | 3H + L / 0 | – / [`REATTACH`] |
    /// | backup link cut / restored | 0 / 0 | – |
    /// | peer crash (power off) / restart | L + d / 0 | – / reload delay + [`REATTACH`] |
    /// | peer hang / restart | 3H + L + H_b ([`HANG_DETECT`]) / 0 | – / reload delay + [`REATTACH`] |
    /// | STP link cut / restored | L + k × 2d (RSTP) / k × 2d | – / [`REATTACH`] |
    /// | STP link silent / healed | 3 × hello + k × 2d / k × 2d | – / [`REATTACH`] |
    /// | priority change / back | 0 / 0 | – |
    /// | degraded link | suspended | suspended |
    /// | degradation ends | 3H + [`REATTACH`] | 3H + [`REATTACH`] |
    ///
    /// k is the number of bridges (the pairs' logical bridges included) and d the longest link
    /// delay. Every limit gets the measurement slack of [`Self::slack`]. The limits of an STP
    /// link's events get one [`TX_HOLD_TICK`] more when a bridge held a BPDU for the Transmit
    /// Hold Count after the event (802.1D-2004 §17.26, §17.22: a link that flaps within a
    /// second can exhaust a port's TxHoldCount, and its handshakes then wait for the next
    /// tick). A crash and restart of a peer with an uplink, and a peer-link fault and repair in
    /// a pair with uplinks, move an STP link too ([`Self::moves_stp_link`]): they get k × 2d
    /// (a crash: L + max(d, k × 2d); the repair's kept streams k × 2d) and that tick. Two
    /// rules of the run itself (`World::apply`): a one-way silence of an STP link towards a
    /// port that holds no received information cannot be detected (802.1D-2004 §17.21.23 ages
    /// only received information, §17.21.20: only Designated Ports send hellos) and gets its
    /// duration plus its end's limit; a stream reconnected while a peer hangs is due no
    /// earlier than the hang's [`HANG_DETECT`]; a reconnection is due no earlier than
    /// [`EDGE_DELAY`] after the spanning-tree reconfigurations pending while it is (each
    /// restarts the edge detection of a port still proposing).
    pub fn limits(&self, e: &Episode) -> (Limit, Limit) {
        let t = &self.topology;
        let l = LINK_DOWN_NOTICE;
        let d_of = |p: u8| {
            t.pairs
                .get(usize::from(p))
                .map_or(Duration::ZERO, |s| s.peer_link_delay)
        };
        let dmax = t
            .pairs
            .iter()
            .map(|p| p.peer_link_delay)
            .fold(t.link_delay, Duration::max);
        let k = u32::from(t.bridges) + t.pairs.len() as u32;
        let rstp = dmax * (2 * k);
        let keep = |x: Duration| Limit {
            keep: Some(x),
            new: Some(REATTACH),
        };
        let zero = keep(Duration::ZERO);
        // The secondary's uplink rejoins the pair's bridge when the peer-link is back: a
        // spanning-tree link restored (`Self::moves_stp_link`).
        let back = if self.moves_stp_link(e) {
            keep(rstp)
        } else {
            zero
        };
        let reload = Limit {
            keep: Some(Duration::ZERO),
            new: Some(RELOAD_DELAY + REATTACH),
        };
        let pair_d = |lr: LinkRef| match lr {
            LinkRef::Member { client, .. } => {
                d_of(t.clients.get(usize::from(client)).copied().unwrap_or(0))
            }
            LinkRef::PeerLink(p) | LinkRef::Backup(p) | LinkRef::Uplink { pair: p, .. } => d_of(p),
            LinkRef::Ring(_) => dmax,
        };
        match e.kind {
            Kind::Cut(lr) => match lr {
                LinkRef::Member { .. } => (keep(l + pair_d(lr)), zero),
                LinkRef::PeerLink(_) => (keep(2 * l + HEARTBEAT + t.link_delay), back),
                LinkRef::Backup(_) => (zero, zero),
                LinkRef::Uplink { .. } | LinkRef::Ring(_) => (keep(l + rstp), keep(rstp)),
            },
            Kind::Silent(lr, _) => match lr {
                LinkRef::Member { .. } => (keep(LACP_FAST_TIMEOUT + 2 * pair_d(lr)), zero),
                LinkRef::PeerLink(_) => (keep(3 * HEARTBEAT + l + t.link_delay), back),
                LinkRef::Backup(_) => (zero, zero),
                LinkRef::Uplink { .. } | LinkRef::Ring(_) => {
                    (keep(3 * STP_HELLO + rstp), keep(rstp))
                }
            },
            Kind::Crash { pair, mode, .. } => {
                // A peer with an uplink takes a spanning-tree link with it and brings it
                // back at its restart: RSTP's k × 2d as for that link's cut and restore
                // (`Self::moves_stp_link`).
                let (d, back) = if self.moves_stp_link(e) {
                    (d_of(pair).max(rstp), rstp)
                } else {
                    (d_of(pair), Duration::ZERO)
                };
                let reload = Limit {
                    keep: Some(back),
                    ..reload
                };
                match mode {
                    CrashMode::PowerOff => (keep(l + d), reload),
                    // The backup path's deadline may come up to H_b after the peer-link's
                    // (failover_scenarios: primary within 3H + L + H).
                    CrashMode::Hang => (keep(HANG_DETECT), reload),
                }
            }
            Kind::Degrade(..) => {
                let none = Limit {
                    keep: None,
                    new: None,
                };
                let after = Some(3 * HEARTBEAT + REATTACH);
                (
                    none,
                    Limit {
                        keep: after,
                        new: after,
                    },
                )
            }
            Kind::Priority { .. } => (zero, zero),
        }
    }

    /// Whether `e` takes a spanning-tree link away or brings one back, as the neighbours see
    /// it: an uplink or bridge link cut or silent (not degraded); a crash (and restart) of a
    /// peer whose `ether1` goes to a bridge (its port leaves the pair's logical bridge with
    /// it); a peer-link cut or silent in a pair with an uplink (the isolated secondary's
    /// uplink leaves the pair's bridge, and rejoins it at the repair). Such events get the
    /// RSTP term k × 2d and, when a bridge held a BPDU for the Transmit Hold Count after
    /// them, one [`TX_HOLD_TICK`] (802.1D-2004 §17.26).
    pub fn moves_stp_link(&self, e: &Episode) -> bool {
        let pair_has = |p: u8, peer: Option<u8>| {
            self.topology.pairs.get(usize::from(p)).is_some_and(|s| {
                s.uplinks
                    .iter()
                    .enumerate()
                    .any(|(i, u)| u.is_some() && peer.is_none_or(|q| usize::from(q) == i))
            })
        };
        match e.kind {
            Kind::Cut(l) | Kind::Silent(l, _) => match l {
                LinkRef::Uplink { .. } | LinkRef::Ring(_) => true,
                LinkRef::PeerLink(p) => pair_has(p, None),
                LinkRef::Member { .. } | LinkRef::Backup(_) => false,
            },
            Kind::Crash { pair, peer, .. } => pair_has(pair, Some(peer)),
            Kind::Degrade(..) | Kind::Priority { .. } => false,
        }
    }

    /// Measurement slack added to every limit: two stream intervals (the resolution of the
    /// streams) plus the longest path's propagation (every link of the topology at the
    /// longest delay) plus 1 ms of serialization.
    pub fn slack(&self) -> Duration {
        let t = &self.topology;
        let dmax = t
            .pairs
            .iter()
            .map(|p| p.peer_link_delay)
            .fold(t.link_delay, Duration::max);
        let hops = 4 + u32::from(t.bridges) + 2 * t.pairs.len() as u32;
        2 * t.interval + dmax * hops + Duration::from_millis(1)
    }

    /// A readable description: topology, then one line per episode (with its index).
    pub fn describe(&self) -> String {
        let t = &self.topology;
        let mut s = String::new();
        let _ = writeln!(
            s,
            "topology: {} pair(s), {} client(s) (pair of each: {:?}), {} bridge(s){}, link delay {:?}, stream interval {:?}",
            t.pairs.len(),
            t.clients.len(),
            t.clients,
            t.bridges,
            if t.ring { " in a ring" } else { "" },
            t.link_delay,
            t.interval
        );
        for (i, p) in t.pairs.iter().enumerate() {
            let _ = writeln!(
                s,
                "  pair{i}: backup {}, peer-link d {:?}, priorities {:?}, stp priority {}, uplinks {:?}, orphans {}",
                p.backup, p.peer_link_delay, p.priority, p.stp_priority, p.uplinks, p.orphans
            );
        }
        for (i, e) in self.episodes.iter().enumerate() {
            let _ = writeln!(s, "  [{i}] {e}");
        }
        s
    }

    /// Runs the scenario.
    pub fn run(&self, opts: &RunOptions) -> Outcome {
        self.run_with(opts, true)
    }

    /// [`run`](Self::run) with the pairs' logical bridges on the standard's behaviour
    /// (`Options::stale_info_aging` off): what the reproductions of the count to infinity that
    /// option removes compare against.
    pub fn run_standard_stp(&self, opts: &RunOptions) -> Outcome {
        self.run_with(opts, false)
    }

    fn run_with(&self, opts: &RunOptions, stale_info_aging: bool) -> Outcome {
        let episodes: Vec<Episode> = match &opts.only {
            None => self.episodes.clone(),
            Some(keep) => self
                .episodes
                .iter()
                .enumerate()
                .filter(|(i, _)| keep.contains(i))
                .map(|(_, e)| *e)
                .collect(),
        };
        let mut w = match World::build(self, stale_info_aging, opts.root_sequencing) {
            Ok(w) => w,
            Err(detail) => {
                return Outcome {
                    finding: Some(Finding {
                        at: Instant::ZERO,
                        invariant: "topology builds",
                        detail,
                    }),
                    ..Outcome::default()
                };
            }
        };
        w.net.set_capture(opts.pcap);
        let finding = w.play(self, &episodes);
        Outcome {
            finding,
            steps: w.net.stats().steps,
            end: w.net.now(),
            frames: w.net.stats().tracked_frames,
            pending_peak: w.net.stats().pending_peak,
            stale_cycles: w.net.stats().stale_cycles,
            stale_duplicates: w.net.stats().stale_duplicates,
            pcap: opts.pcap.then(|| w.net.pcap(|_| true)),
            log: opts.pcap.then(|| w.net.capture_log()),
            recorders: if opts.pcap { w.recorders() } else { Vec::new() },
        }
    }
}

impl Scenario {
    /// A short class of a finding: its invariant and the last fault event before it (the
    /// kind of episode and whether it started or ended), e.g. `no forwarding loop after
    /// crash (PowerOff) end`. Campaigns group their failures by it.
    pub fn signature(&self, f: &Finding, only: Option<&[usize]>) -> String {
        let mut last: Option<(Instant, &Episode, bool)> = None;
        for (i, e) in self.episodes.iter().enumerate() {
            if only.is_some_and(|o| !o.contains(&i)) {
                continue;
            }
            for (t, start) in [(e.at, true), (e.end(), false)] {
                if t <= f.at && last.is_none_or(|(lt, _, _)| t >= lt) {
                    last = Some((t, e, start));
                }
            }
        }
        match last {
            None => format!("{} (no fault before it)", f.invariant),
            Some((_, e, start)) => format!(
                "{} after {} {}",
                f.invariant,
                kind_class(&e.kind),
                if start { "start" } else { "end" }
            ),
        }
    }
}

/// The class of an episode kind, without its link or node.
fn kind_class(k: &Kind) -> String {
    let link = |l: &LinkRef| match l {
        LinkRef::Member { .. } => "member link",
        LinkRef::PeerLink(_) => "peer-link",
        LinkRef::Backup(_) => "backup link",
        LinkRef::Uplink { .. } => "uplink",
        LinkRef::Ring(_) => "bridge link",
    };
    match k {
        Kind::Cut(l) => format!("cut {}", link(l)),
        Kind::Silent(l, None) => format!("silent {}", link(l)),
        Kind::Silent(l, Some(_)) => format!("one-way silent {}", link(l)),
        Kind::Crash { mode, .. } => format!("crash ({mode:?})"),
        Kind::Degrade(l, d) => {
            let d = match d {
                Degradation::Loss(_) => "loss",
                Degradation::Duplicate(_) => "duplication",
                Degradation::Reorder(..) => "reordering",
                Degradation::Corrupt(_) => "corruption",
                Degradation::DelaySpike(_) => "delay spike",
            };
            format!("{d} on {}", link(l))
        }
        Kind::Priority { .. } => String::from("priority change"),
    }
}

/// The link an episode acts on.
const fn link_of(k: &Kind) -> Option<LinkRef> {
    match *k {
        Kind::Cut(l) | Kind::Silent(l, _) | Kind::Degrade(l, _) => Some(l),
        _ => None,
    }
}

/// A failing run reduced: the episodes still needed for the same invariant to break.
#[derive(Clone, Debug)]
pub struct Shrunk {
    /// Indices into [`Scenario::episodes`].
    pub episodes: Vec<usize>,
    /// The failure with only those.
    pub finding: Finding,
    /// Runs made while shrinking.
    pub runs: u32,
}

/// Removes episodes one at a time (last first) while the run still fails with the same
/// invariant. `None` when the scenario does not fail.
pub fn shrink(s: &Scenario) -> Option<Shrunk> {
    shrink_options(s, &RunOptions::default())
}

/// [`shrink`] with the options of `base` (its `only` and `pcap` are ignored).
pub fn shrink_options(s: &Scenario, base: &RunOptions) -> Option<Shrunk> {
    let opts = |only: Option<Vec<usize>>| RunOptions {
        only,
        pcap: false,
        ..base.clone()
    };
    let first = s.run(&opts(None)).finding?;
    Some(shrink_with(s.episodes.len(), first, |keep| {
        s.run(&opts(Some(keep.to_vec()))).finding
    }))
}

/// The shrinking loop of [`shrink`] over `n` episodes that fail with `first`: `run` plays a
/// subset (indices, ascending) and returns its finding. An episode is dropped when the run
/// without it still breaks the same invariant.
pub fn shrink_with(
    n: usize,
    first: Finding,
    mut run: impl FnMut(&[usize]) -> Option<Finding>,
) -> Shrunk {
    let mut keep: Vec<usize> = (0..n).collect();
    let mut finding = first;
    let mut runs = 1;
    let mut i = keep.len();
    while i > 0 {
        i -= 1;
        let mut trial = keep.clone();
        trial.remove(i);
        runs += 1;
        if let Some(f) = run(&trial)
            && f.invariant == finding.invariant
        {
            keep = trial;
            finding = f;
        }
    }
    Shrunk {
        episodes: keep,
        finding,
        runs,
    }
}

/// The FDBs of a pair agree (checked when the network is quiet): each peer's mirror that is in
/// step with the other's table holds exactly the other's own entries
/// ([`super::fdb_mirrors_agree`]; the same check also runs after every step through
/// [`super::add_fdb_check`]), and an address of a client's host that a peer's switch knows is
/// on that client's MLAG bond (never on the peer-port or another port).
///
/// # Errors
/// What disagrees.
pub fn fdb_agree(
    net: &Network,
    peers: [NodeId; 2],
    clients: &[(MacAddr, MlagId)],
) -> Result<(), String> {
    super::mlag::fdb_mirrors_agree(net, peers)?;
    let now = net.now();
    for (i, &p) in peers.iter().enumerate() {
        if net.is_crashed(p) {
            continue;
        }
        let Some(peer) = net.node::<MlagPeer>(p) else {
            continue;
        };
        let dp = peer.dataplane();
        for &(mac, id) in clients {
            let Some(at) = dp.switch().lookup(now, CLIENT_VID, mac) else {
                continue;
            };
            if Some(at) != dp.mlag_lport(id) {
                return Err(format!(
                    "Peer{} has client {mac} on logical port {} instead of its MLAG {}",
                    i + 1,
                    at.0,
                    id.0
                ));
            }
        }
    }
    Ok(())
}

/// The VLAN of every bond and host port.
const CLIENT_VID: u16 = 10;
/// The backup keepalive port of each peer.
const BACKUP_PORT: PortNo = PortNo(0xFF00);

fn pair_mac(pair: u8, peer: u8, i: u8) -> MacAddr {
    MacAddr([2, 0, 0x10 + pair, 0, peer + 1, i])
}

fn client_mac(c: u8) -> MacAddr {
    MacAddr([2, 0xc0, 0, 0, 0, c + 1])
}

fn host_mac(kind: u8, i: u8) -> MacAddr {
    MacAddr([2, 0xaa, 0, 0, kind, i])
}

fn mlag_id(c: u8) -> MlagId {
    MlagId(100 + u32::from(c))
}

/// The configuration of peer `peer` of pair `pair`.
fn peer_config(t: &Topology, pair: u8, peer: u8) -> Config {
    let spec = t.pairs.get(usize::from(pair));
    let mut c = Config::quick_setup(peer + 1);
    c.ethernet.retain(|e| e.name != "sfp-sfpplus2");
    c.bonds.clear();
    c.ports.retain(|p| p.interface != "client-bond");
    for e in &mut c.ethernet {
        let i = match e.name.as_str() {
            "sfp-sfpplus1" => 1,
            _ => 3,
        };
        e.mac_address = pair_mac(pair, peer, i);
    }
    for b in &mut c.bridges {
        b.admin_mac = Some(pair_mac(pair, peer, 0));
        b.priority = spec.map_or(32768, |s| s.stp_priority);
    }
    for bp in &mut c.ports {
        if bp.interface == "ether1" {
            bp.pvid = CLIENT_VID;
        }
    }
    c.ethernet
        .push(Ethernet::new("ether2", pair_mac(pair, peer, 4)));
    c.ports
        .push(BridgePort::new("bridge1", "ether2").with_pvid(CLIENT_VID));
    for (ci, &p) in t.clients.iter().enumerate() {
        if p != pair {
            continue;
        }
        let ci = ci as u8;
        let eth = format!("sfp{ci}");
        let bond = format!("bond{ci}");
        c.ethernet
            .push(Ethernet::new(&eth, pair_mac(pair, peer, 0x20 + ci)));
        let mut b = Bond::lacp(&bond, &[&eth]).with_mlag_id(mlag_id(ci).0);
        b.lacp_rate = LacpRate::Sec1;
        c.bonds.push(b);
        c.ports
            .push(BridgePort::new("bridge1", &bond).with_pvid(CLIENT_VID));
    }
    c.mlag.priority = spec
        .and_then(|s| s.priority.get(usize::from(peer)).copied())
        .unwrap_or(128);
    c.mlag.heartbeat = Some(core::time::Duration::from_secs(5));
    c
}

/// One stream: its sender, receiver, and how to read it.
#[derive(Clone, Copy, Debug)]
struct Stream {
    src: NodeId,
    src_mac: MacAddr,
    stream: u32,
    dst: NodeId,
    start: Instant,
    /// The black-hole check wants frames sent from this instant on.
    due_from: Instant,
    /// A spanning-tree link event (uplink or bridge link: cut, silent, or their end) set the
    /// deadline in the second field (`due_from`, or an earlier one that an earlier event's
    /// later `due_from` hides) when the network's bridges had held this many BPDUs for the
    /// Transmit Hold Count: that deadline gets one [`TX_HOLD_TICK`] more if they held more
    /// since.
    tx_held_at: Option<(u64, Instant)>,
    /// `due_from` is a reconnection's ([`Limit::new`]): edge detection may still be running
    /// on its path, and a spanning-tree reconfiguration restarts it ([`EDGE_DELAY`]).
    reattach: bool,
}

struct PairNodes {
    peers: [NodeId; 2],
    peer_link: LinkId,
    backup: Option<LinkId>,
    configs: [Config; 2],
    /// The system-id both peers must show: the lower bridge MAC.
    system_id: MacAddr,
}

/// The built network and the run's bookkeeping.
struct World {
    net: Network,
    pairs: Vec<PairNodes>,
    /// The RSTP bridges.
    bridges: Vec<NodeId>,
    clients: Vec<NodeId>,
    /// Every link by role.
    links: Vec<(LinkRef, LinkId)>,
    params: Vec<LinkParams>,
    /// Links with every frame lost (silent).
    silent: Vec<LinkId>,
    /// Member links restored or healed, with the instant by which LACP has surely attached
    /// them again ([`LACP_ATTACH`]).
    attaching: Vec<(LinkId, Instant)>,
    /// Degraded links.
    degraded: Vec<LinkId>,
    streams: Vec<Stream>,
    /// Since when each pair's peer-link is unusable (cut or silent), and the secondary then.
    pl_down: Vec<Option<(Instant, Option<u8>)>>,
    /// Since when each peer is crashed, and how.
    crashed: Vec<[Option<(Instant, CrashMode)>; 2]>,
    /// The last fault (start or end of an episode).
    last_fault: Instant,
    /// Black-hole checks are off until then (a degraded link).
    suspended_until: Instant,
    /// A restarted peer may hold its MLAG halves until then (reload delay + re-attach):
    /// later faults' limits count from there.
    rejoin_until: Instant,
    /// The instant by which the spanning-tree reconfigurations of the events so far have
    /// reached the bridges (each event that [`Scenario::moves_stp_link`] at its limit; a
    /// healed silence one [`STP_HELLO`] later, when the Designated Port's next hello crosses).
    stp_settle: Instant,
    /// A corrupted frame has been delivered: only "no timer spin" (and no panic) is checked
    /// from then on.
    corrupted: bool,
    /// [`Self::reachable`] as of the last fault (nothing else changes it).
    reach: Vec<bool>,
}

impl World {
    fn build(s: &Scenario, stale_info_aging: bool, root_sequencing: bool) -> Result<Self, String> {
        let t = &s.topology;
        let mut net = Network::new(s.seed);
        net.set_invariants(Invariants::default());
        net.set_pending_max(PENDING_LIMIT);
        let link = LinkParams {
            bandwidth_bps: 1_000_000_000,
            ..LinkParams::new(t.link_delay)
        };
        let mut links = Vec::new();
        let mut pairs = Vec::new();
        // Bridges first: ports 1, 2 in the chain, 3.. for uplinks and hosts.
        let mut bridges = Vec::new();
        for i in 0..t.bridges {
            let mut cfg = BridgeConfig::new(MacAddr([2, 0xbb, 0, 0, i, 0]));
            cfg.priority = t
                .bridge_priority
                .get(usize::from(i))
                .copied()
                .unwrap_or(32768);
            cfg.root_sequencing = root_sequencing;
            let mut b = StpBridge::new(cfg).map_err(|e| format!("bridge {i}: {e:?}"))?;
            // Its uplink ports come first after the chain's (in the order of the pairs).
            let uplinks = t
                .pairs
                .iter()
                .flat_map(|p| p.uplinks)
                .filter(|u| *u == Some(i))
                .count() as u16;
            for p in 1..=8u16 {
                let mac = MacAddr::from_u64(cfg.address.to_u64().wrapping_add(u64::from(p)));
                let mut pc = stp::PortConfig::new(mac);
                // The chain's and ring's ports (1, 2) and the uplink ports run loop guard: a
                // bridge link or an uplink can go silent with its carrier up (the schedule's
                // silences), which plain RSTP turns into an auto-edge Designated Port
                // (802.1D-2004 §17.25) forwarding into the other end's when the silence ends.
                // See FUZZING.md, branch `chaos14` (ring ports) and "Coalesced transmissions,
                // stale agreements, resends" (uplink ports, seed 4953). Host ports do not.
                pc.loop_guard = p < 3 + uplinks;
                b.add_port(PortNo(p), pc)
                    .map_err(|e| format!("bridge {i}: {e:?}"))?;
            }
            bridges.push(net.add_node(&format!("br{i}"), b));
        }
        let mut next_port = alloc::vec![3u16; bridges.len()];
        let mut bridge_port = |b: u8| -> Option<(NodeId, PortNo)> {
            let slot = next_port.get_mut(usize::from(b))?;
            let p = *slot;
            *slot += 1;
            Some((*bridges.get(usize::from(b))?, PortNo(p)))
        };
        let mut hosts_on_peers: Vec<(NodeId, u8)> = Vec::new();
        let mut orphans: Vec<NodeId> = Vec::new();
        for (pi, spec) in t.pairs.iter().enumerate() {
            let pi = pi as u8;
            let mut ids = [NodeId(0); 2];
            let mut ports = [(PortNo(0), PortNo(0), PortNo(0)); 2];
            let mut configs = Vec::new();
            for q in 0..2u8 {
                let cfg = peer_config(t, pi, q);
                let valid = cfg
                    .validate()
                    .map_err(|e| format!("pair{pi} Peer{}: {e:?}", q + 1))?;
                let port = |n: &str| valid.find(n).map_or(PortNo(0), |f| valid.port_no(f));
                let pp = valid
                    .mlag()
                    .map_or(PortNo(0), |m| valid.port_no(m.peer_port));
                let slot = ports.get_mut(usize::from(q)).ok_or("ports")?;
                *slot = (pp, port("ether1"), port("ether2"));
                let mut opts = Options::new(
                    s.seed
                        .wrapping_mul(8)
                        .wrapping_add(u64::from(pi) * 2 + u64::from(q) + 1),
                );
                opts.backup = spec.backup;
                opts.reload_delay = core::time::Duration::from_secs(10);
                opts.stale_info_aging = stale_info_aging;
                opts.root_sequencing = root_sequencing;
                let mut peer = MlagPeer::new(valid, opts)
                    .map_err(|e| format!("pair{pi} Peer{}: {e}", q + 1))?;
                if spec.backup {
                    peer = peer.with_backup_port(BACKUP_PORT);
                }
                *ids.get_mut(usize::from(q)).ok_or("ids")? =
                    net.add_node(&format!("p{pi}.Peer{}", q + 1), peer);
                configs.push(cfg);
            }
            let [a, b] = ids;
            let [(pa, ea, oa), (pb, eb, ob)] = ports;
            let pl = LinkParams {
                bandwidth_bps: 10_000_000_000,
                ..LinkParams::new(spec.peer_link_delay)
            };
            let peer_link = net.connect((a, pa), (b, pb), pl);
            links.push((LinkRef::PeerLink(pi), peer_link));
            let backup = spec
                .backup
                .then(|| net.connect((a, BACKUP_PORT), (b, BACKUP_PORT), link));
            if let Some(bl) = backup {
                links.push((LinkRef::Backup(pi), bl));
            }
            for (q, (node, ether1)) in [(a, ea), (b, eb)].into_iter().enumerate() {
                match spec.uplinks.get(q).copied().flatten() {
                    Some(br) => {
                        let end = bridge_port(br).ok_or("bridge port")?;
                        let l = net.connect((node, ether1), end, link);
                        links.push((
                            LinkRef::Uplink {
                                pair: pi,
                                peer: q as u8,
                            },
                            l,
                        ));
                    }
                    None => hosts_on_peers.push((node, q as u8)),
                }
            }
            if spec.orphans {
                for (q, (node, ether2)) in [(a, oa), (b, ob)].into_iter().enumerate() {
                    let h = net.add_node(
                        &format!("o{pi}.{q}"),
                        Host::new(host_mac(0x0e, pi * 2 + q as u8)),
                    );
                    net.connect((h, Host::PORT), (node, ether2), link);
                    orphans.push(h);
                }
            }
            super::mlag::add_fdb_check(&mut net, ids);
            let [c1, c2] = [configs.first().cloned(), configs.get(1).cloned()];
            pairs.push(PairNodes {
                peers: ids,
                peer_link,
                backup,
                configs: [c1.ok_or("cfg")?, c2.ok_or("cfg")?],
                system_id: pair_mac(pi, 0, 0),
            });
        }
        for i in 0..t.ring_links() {
            let a = bridges.get(usize::from(i)).copied().ok_or("bridge")?;
            let b = bridges
                .get((usize::from(i) + 1) % bridges.len())
                .copied()
                .ok_or("bridge")?;
            let l = net.connect((a, PortNo(2)), (b, PortNo(1)), link);
            links.push((LinkRef::Ring(i), l));
        }
        // Servers: a host on the last bridge, or hosts on the peers' ether1.
        let mut servers: Vec<NodeId> = Vec::new();
        if t.bridges > 0 {
            let h = net.add_node("server", Host::new(host_mac(0x5e, 0)));
            let end = bridge_port(t.bridges - 1).ok_or("bridge port")?;
            net.connect((h, Host::PORT), end, link);
            servers.push(h);
        }
        for (i, (node, _q)) in hosts_on_peers.iter().enumerate() {
            // Find the peer's ether1.
            let Some((pi, q)) = pairs
                .iter()
                .enumerate()
                .find_map(|(pi, p)| p.peers.iter().position(|n| n == node).map(|q| (pi, q)))
            else {
                continue;
            };
            let cfg = pairs
                .get(pi)
                .and_then(|p| p.configs.get(q))
                .and_then(|c| c.validate().ok())
                .ok_or("cfg")?;
            let ether1 = cfg.find("ether1").map_or(PortNo(0), |f| cfg.port_no(f));
            let h = net.add_node(&format!("h{i}"), Host::new(host_mac(0x0a, i as u8)));
            net.connect((h, Host::PORT), (*node, ether1), link);
            servers.push(h);
        }
        let mut clients = Vec::new();
        for (ci, &p) in t.clients.iter().enumerate() {
            let ci = ci as u8;
            let mut cfg = LacpClientConfig::new(client_mac(ci), 2);
            cfg.fast = true;
            let c = LacpClient::new(cfg).map_err(|e| format!("client {ci}: {e:?}"))?;
            let node = net.add_node(&format!("c{ci}"), c);
            let pair = pairs.get(usize::from(p)).ok_or("pair")?;
            for q in 0..2u8 {
                let peer = *pair.peers.get(usize::from(q)).ok_or("peer")?;
                let v = pair
                    .configs
                    .get(usize::from(q))
                    .and_then(|c| c.validate().ok())
                    .ok_or("cfg")?;
                let port = v
                    .find(&format!("sfp{ci}"))
                    .map_or(PortNo(0), |f| v.port_no(f));
                let l = net.connect((node, PortNo(u16::from(q) + 1)), (peer, port), link);
                links.push((
                    LinkRef::Member {
                        client: ci,
                        peer: q,
                    },
                    l,
                ));
            }
            clients.push(node);
        }
        // Streams: every client and orphan host <-> every server; with no server, clients
        // talk to client 0 and back.
        let mut w = Self {
            net,
            pairs,
            bridges,
            clients,
            params: Vec::new(),
            links,
            silent: Vec::new(),
            attaching: Vec::new(),
            degraded: Vec::new(),
            streams: Vec::new(),
            pl_down: alloc::vec![None; t.pairs.len()],
            crashed: alloc::vec![[None, None]; t.pairs.len()],
            last_fault: Instant::ZERO,
            suspended_until: Instant::ZERO,
            rejoin_until: Instant::ZERO,
            stp_settle: Instant::ZERO,
            corrupted: false,
            reach: Vec::new(),
        };
        let ends: Vec<NodeId> = w.clients.iter().chain(orphans.iter()).copied().collect();
        let mut offset = 0u64;
        for &a in &ends {
            for &b in &servers {
                w.add_stream(a, b, t.interval, &mut offset);
                w.add_stream(b, a, t.interval, &mut offset);
            }
        }
        if servers.is_empty()
            && let Some(&b) = ends.first()
        {
            for &a in ends.iter().skip(1) {
                w.add_stream(a, b, t.interval, &mut offset);
                w.add_stream(b, a, t.interval, &mut offset);
            }
        }
        let n = w.net.link_count();
        w.params = (0..n)
            .map(|i| {
                let id = LinkId(i);
                if w.links
                    .iter()
                    .any(|(r, l)| *l == id && matches!(r, LinkRef::PeerLink(_)))
                {
                    LinkParams {
                        bandwidth_bps: 10_000_000_000,
                        ..LinkParams::new(
                            w.links
                                .iter()
                                .find_map(|(r, l)| match r {
                                    LinkRef::PeerLink(p) if *l == id => {
                                        t.pairs.get(usize::from(*p)).map(|s| s.peer_link_delay)
                                    }
                                    _ => None,
                                })
                                .unwrap_or(t.link_delay),
                        )
                    }
                } else {
                    link
                }
            })
            .collect();
        Ok(w)
    }

    fn mac_of(&self, node: NodeId) -> Option<MacAddr> {
        if let Some(h) = self.net.node::<Host>(node) {
            return Some(h.app().mac());
        }
        self.net.node::<LacpClient>(node).map(|c| c.host().mac())
    }

    fn add_stream(&mut self, src: NodeId, dst: NodeId, interval: Duration, offset: &mut u64) {
        let (Some(src_mac), Some(dst_mac)) = (self.mac_of(src), self.mac_of(dst)) else {
            return;
        };
        // Stagger the streams by 97 µs so they do not all fire at one instant.
        *offset += 97;
        let start = TRAFFIC_START + Duration::from_micros(*offset);
        let cfg = StreamConfig::new(dst_mac, interval, start);
        let stream = if self.net.node::<Host>(src).is_some() {
            self.net
                .with_node::<Host, _>(src, |h, _| h.app_mut().add_stream(cfg))
        } else {
            self.net
                .with_node::<LacpClient, _>(src, |c, _| c.host_mut().add_stream(cfg))
        };
        if let Some(stream) = stream {
            self.streams.push(Stream {
                src,
                src_mac,
                stream,
                dst,
                start,
                due_from: FAULTS_FROM,
                tx_held_at: None,
                reattach: false,
            });
        }
    }

    /// BPDUs the Transmit Hold Count has held so far, in every bridge of the network (the
    /// RSTP bridges and the pairs' logical bridges; a replica counts as its primary does).
    fn tx_held(&self) -> u64 {
        let bridges = self.bridges.iter().filter_map(|&b| {
            self.net
                .node::<StpBridge>(b)
                .and_then(StpBridge::stp_stats)
                .map(|x| x.tx_held)
        });
        let peers = self.pairs.iter().flat_map(|p| p.peers).filter_map(|n| {
            self.net
                .node::<MlagPeer>(n)
                .and_then(|m| m.coordinator().stp())
                .map(|b| b.stats().tx_held)
        });
        bridges.chain(peers).fold(0u64, u64::saturating_add)
    }

    fn app(&self, node: NodeId) -> Option<&HostApp> {
        if let Some(h) = self.net.node::<Host>(node) {
            return Some(h.app());
        }
        self.net.node::<LacpClient>(node).map(LacpClient::host)
    }

    fn link(&self, r: LinkRef) -> Option<LinkId> {
        self.links.iter().find(|(x, _)| *x == r).map(|(_, l)| *l)
    }

    fn base_params(&self, l: LinkId) -> LinkParams {
        self.params.get(l.0).copied().unwrap_or_default()
    }

    /// Every peer's flight recorder as JSON (crashed peers' too: the ring of the instance
    /// that runs now).
    fn recorders(&self) -> Vec<(String, String)> {
        let mut v = Vec::new();
        for (i, p) in self.pairs.iter().enumerate() {
            for (q, &node) in p.peers.iter().enumerate() {
                if let Some(m) = self.net.node::<MlagPeer>(node) {
                    v.push((
                        format!("pair{i}.Peer{}", q + 1),
                        m.coordinator().flight_recorder_json(),
                    ));
                }
            }
        }
        v
    }

    fn view(&self, pair: usize, q: usize) -> Option<PeerView> {
        let node = *self.pairs.get(pair)?.peers.get(q)?;
        if self.net.is_crashed(node) {
            return None;
        }
        self.net.node::<MlagPeer>(node).map(MlagPeer::view)
    }

    /// Which nodes each stream can reach: live nodes, usable links (up, not silent), and a
    /// pair whose peer-link is unusable while both peers live loses its secondary.
    fn reachable(&self) -> Vec<bool> {
        self.reachable_without(&[])
    }

    /// [`Self::reachable`] without the links of `without` as well.
    fn reachable_without(&self, without: &[LinkId]) -> Vec<bool> {
        let n = self.net.node_count();
        let mut removed = alloc::vec![false; n];
        for i in 0..n {
            if self.net.is_crashed(NodeId(i))
                && let Some(r) = removed.get_mut(i)
            {
                *r = true;
            }
        }
        for (pi, p) in self.pairs.iter().enumerate() {
            let both = p.peers.iter().all(|x| !self.net.is_crashed(*x));
            if both && !self.usable(p.peer_link) {
                match self.pl_down.get(pi).copied().flatten().and_then(|(_, s)| s) {
                    Some(sec) => {
                        if let Some(node) = p.peers.get(usize::from(sec))
                            && let Some(r) = removed.get_mut(node.0)
                        {
                            *r = true;
                        }
                    }
                    None => {
                        // Roles unknown when the peer-link failed: expect nothing of the pair.
                        for node in p.peers {
                            if let Some(r) = removed.get_mut(node.0) {
                                *r = true;
                            }
                        }
                    }
                }
            }
        }
        // Components over usable links (the backup links carry no data) between live nodes.
        let mut comp: Vec<usize> = (0..n).collect();
        fn root(comp: &mut [usize], mut x: usize) -> usize {
            while let Some(&p) = comp.get(x) {
                if p == x {
                    break;
                }
                let gp = comp.get(p).copied().unwrap_or(p);
                if let Some(c) = comp.get_mut(x) {
                    *c = gp;
                }
                x = p;
            }
            x
        }
        let backups: Vec<LinkId> = self.pairs.iter().filter_map(|p| p.backup).collect();
        for li in 0..self.net.link_count() {
            let l = LinkId(li);
            if backups.contains(&l) || without.contains(&l) || !self.usable(l) {
                continue;
            }
            let Some([(u, _), (v, _)]) = self.net.link_ends(l) else {
                continue;
            };
            if removed.get(u.0).copied().unwrap_or(true)
                || removed.get(v.0).copied().unwrap_or(true)
            {
                continue;
            }
            let (ru, rv) = (root(&mut comp, u.0), root(&mut comp, v.0));
            if let Some(c) = comp.get_mut(ru) {
                *c = rv;
            }
        }
        self.streams
            .iter()
            .map(|s| {
                !removed.get(s.src.0).copied().unwrap_or(true)
                    && !removed.get(s.dst.0).copied().unwrap_or(true)
                    && root(&mut comp, s.src.0) == root(&mut comp, s.dst.0)
            })
            .collect()
    }

    /// Whether the port at the receiving end of `l` in direction `dir` holds information
    /// received from the other end (`infoIs` Received, 802.1D-2004 §17.19.10), so that a
    /// silence in `dir` ages it out (§17.21.23). Unknown ports count as ageing (the strict
    /// limit applies).
    fn receiver_ages(&self, l: LinkId, dir: Dir) -> bool {
        let Some([a, b]) = self.net.link_ends(l) else {
            return true;
        };
        let (node, port) = match dir {
            Dir::AtoB => b,
            Dir::BtoA => a,
        };
        let info = if let Some(b) = self.net.node::<StpBridge>(node) {
            b.bridge().and_then(|b| b.port(port)).map(|p| p.info_is)
        } else if let Some(m) = self.net.node::<MlagPeer>(node) {
            let c = m.coordinator();
            c.stp_ports()
                .iter()
                .find(|(host, _)| *host == port)
                .and_then(|(_, lp)| c.stp().and_then(|b| b.port(*lp)))
                .map(|p| p.info_is)
        } else {
            None
        };
        info.is_none_or(|i| i == stp::port::InfoIs::Received)
    }

    fn usable(&self, l: LinkId) -> bool {
        self.net.link_up(l) && !self.silent.contains(&l)
    }

    /// Applies the start (`start`) or the end of an episode, updating the streams' deadlines.
    fn apply(&mut self, s: &Scenario, e: &Episode, start: bool) -> Result<(), Finding> {
        let now = self.net.now();
        let before = core::mem::take(&mut self.reach);
        // Member links LACP may not have attached yet, and which streams they alone carry
        // before this event.
        self.attaching.retain(|(_, until)| now < *until);
        let pending: Vec<LinkId> = self.attaching.iter().map(|(l, _)| *l).collect();
        let settled_before = self.reachable_without(&pending);
        match e.kind {
            Kind::Cut(r) => {
                if let Some(l) = self.link(r) {
                    if start {
                        self.net.cut(l);
                    } else {
                        self.net.restore(l);
                        if matches!(r, LinkRef::Member { .. }) {
                            self.attaching.push((l, now + LACP_ATTACH));
                        }
                    }
                }
            }
            Kind::Silent(r, dir) => {
                if let Some(l) = self.link(r) {
                    let base = self.base_params(l);
                    if start {
                        let mut p = base;
                        p.loss = Probability::ALWAYS;
                        self.net.set_link_params(l, dir, p);
                        self.silent.push(l);
                    } else {
                        self.net.set_link_params(l, None, base);
                        self.silent.retain(|x| *x != l);
                        if matches!(r, LinkRef::Member { .. }) {
                            self.attaching.push((l, now + LACP_ATTACH));
                        }
                    }
                }
            }
            Kind::Degrade(r, d) => {
                if let Some(l) = self.link(r) {
                    let base = self.base_params(l);
                    if start {
                        let mut p = base;
                        match d {
                            Degradation::Loss(x) => p.loss = x,
                            Degradation::Duplicate(x) => p.duplicate = x,
                            Degradation::Reorder(x, by) => {
                                p.reorder = x;
                                p.reorder_delay = by;
                            }
                            Degradation::Corrupt(x) => {
                                p.corrupt = x;
                                self.corrupted = true;
                            }
                            Degradation::DelaySpike(by) => p.delay += by,
                        }
                        self.net.set_link_params(l, None, p);
                        self.degraded.push(l);
                    } else {
                        self.net.set_link_params(l, None, base);
                        self.degraded.retain(|x| *x != l);
                    }
                }
            }
            Kind::Crash { pair, peer, mode } => {
                if let Some(node) = self
                    .pairs
                    .get(usize::from(pair))
                    .and_then(|p| p.peers.get(usize::from(peer)))
                    .copied()
                {
                    let slot = self
                        .crashed
                        .get_mut(usize::from(pair))
                        .and_then(|c| c.get_mut(usize::from(peer)));
                    if start {
                        self.net.crash(node, mode);
                        if let Some(c) = slot {
                            *c = Some((now, mode));
                        }
                    } else {
                        self.net.restart(node);
                        if let Some(c) = slot {
                            *c = None;
                        }
                    }
                }
            }
            Kind::Priority {
                pair,
                peer,
                priority,
            } => {
                if let Some(p) = self.pairs.get(usize::from(pair))
                    && let (Some(&node), Some(cfg)) = (
                        p.peers.get(usize::from(peer)),
                        p.configs.get(usize::from(peer)),
                    )
                {
                    let mut cfg = cfg.clone();
                    if start {
                        cfg.mlag.priority = priority;
                    }
                    if let Ok(valid) = cfg.validate() {
                        let r = self
                            .net
                            .with_node::<MlagPeer, _>(node, |p, now| p.apply(now, valid));
                        if let Some(Err(err)) = r {
                            return Err(Finding {
                                at: now,
                                invariant: "configuration change accepted",
                                detail: format!("priority change refused: {err}"),
                            });
                        }
                    }
                }
            }
        }
        // The peer-link's state, with the secondary when it became unusable.
        for pi in 0..self.pairs.len() {
            let Some(p) = self.pairs.get(pi) else {
                continue;
            };
            let up = self.usable(p.peer_link);
            let was = self.pl_down.get(pi).copied().flatten();
            let next = match (up, was) {
                (true, _) => None,
                (false, Some(w)) => Some(w),
                (false, None) => {
                    let views = [self.view(pi, 0), self.view(pi, 1)];
                    let sec = views.iter().position(|v| {
                        v.is_some_and(|v| {
                            v.status == iccp::Status::Connected
                                && v.role == Some(iccp::Role::Secondary)
                        })
                    });
                    Some((now, sec.map(|x| x as u8)))
                }
            };
            if let Some(slot) = self.pl_down.get_mut(pi) {
                *slot = next;
            }
        }
        let after = self.reachable();
        self.reach.clone_from(&after);
        let settled_after = self.reachable_without(&pending);
        let (mut at_start, at_end) = s.limits(e);
        // A one-way silence towards a port that holds no received information (a Designated
        // Port, or one whose information already aged) takes nothing away that port would
        // miss: 802.1D-2004 ages only received information (§17.21.23, §17.27 AGED), and a
        // root or alternate port sends no periodic BPDUs (§17.21.20, only a Designated Port
        // transmits hellos), so no bridge can notice it. The frames sent into it are lost
        // until it heals; its end's limit then applies (FUZZING.md, branch `chaos9`).
        if start
            && let Kind::Silent(r @ (LinkRef::Uplink { .. } | LinkRef::Ring(_)), Some(dir)) = e.kind
            && let Some(l) = self.link(r)
            && !self.receiver_ages(l, dir)
            && let Some(k) = at_end.keep
        {
            at_start.keep = Some(e.duration + k);
        }
        let limit = if start { at_start } else { at_end };
        let slack = s.slack();
        let restart = !start && matches!(e.kind, Kind::Crash { .. });
        // During a restarted peer's rejoin (its halves held), other faults' limits count from
        // the end of the rejoin window.
        let floor = if restart || now >= self.rejoin_until {
            now
        } else {
            self.rejoin_until
        };
        if restart {
            self.rejoin_until = self.rejoin_until.max(now + RELOAD_DELAY + REATTACH);
        }
        let held = s.moves_stp_link(e).then(|| self.tx_held());
        // A port in edge detection (a client's MLAG port, a host's port, that came up again)
        // restarts it at every change of its designated priority vector while it proposes
        // (802.1D-2004 §17.27 UPDATE, §17.29 DESIGNATED_PROPOSE: edgeDelayWhile = EdgeDelay
        // again): a root path that changes during a reconnection's edge detection puts its
        // end EdgeDelay after the change (chaos seed 5459, FUZZING.md branch `chaos12`). So a
        // reconnection is due no earlier than [`EDGE_DELAY`] after the spanning-tree events
        // pending until `stp_settle`: this event's own reconfiguration (its limit; a healed
        // silence's waits for the Designated Port's next hello) and those before it.
        if s.moves_stp_link(e) {
            let hello = match e.kind {
                Kind::Silent(..) if !start => STP_HELLO,
                _ => Duration::ZERO,
            };
            if let Some(k) = limit.keep {
                self.stp_settle = self.stp_settle.max(floor + k + hello);
            }
        }
        let edge_floor = (self.stp_settle > now).then(|| self.stp_settle + EDGE_DELAY + slack);
        // A stream this event reconnects may need a path through a pair whose peer hangs:
        // until the pair has found the hung peer dead (HANG_DETECT), its survivor still takes
        // the peer for alive (it forwards towards it across the peer-link, and a replica that
        // took over its bridge opens no port while the connection lasts). Such a
        // reconnection is due no earlier than the hang's own failover (chaos seed 3893: an
        // uplink restored 1.3 s into a hang of the other peer; 3462: a bridge link healed
        // 2.9 s into a hang of the STP authority).
        let hang_floor = self
            .crashed
            .iter()
            .flatten()
            .filter_map(|c| *c)
            .filter(|(_, m)| *m == CrashMode::Hang)
            .map(|(since, _)| since + HANG_DETECT)
            .max();
        for (i, st) in self.streams.iter_mut().enumerate() {
            let was = before.get(i).copied().unwrap_or(false);
            let is = after.get(i).copied().unwrap_or(false);
            if !is {
                continue;
            }
            // Left by this event with member links LACP has not attached yet as its only
            // path: the client must attach one first (a reconnection, not a failover), after
            // the event's own detection time (a hang's 3H + L + H_b is longer than REATTACH).
            let unattached = settled_before.get(i).copied().unwrap_or(false)
                && !settled_after.get(i).copied().unwrap_or(false);
            let l = match (was, unattached, limit.keep, limit.new) {
                (false, ..) => limit.new,
                (true, true, Some(k), Some(n)) => Some(k.max(n)),
                (true, true, k, n) => k.or(n),
                (true, false, ..) => limit.keep,
            };
            // A reconnection: the stream needs an attach (and edge detection) first.
            let new = match (was, unattached, limit.keep, limit.new) {
                (false, ..) => true,
                (true, true, Some(k), Some(n)) => n > k,
                (true, true, k, _) => k.is_none(),
                (true, false, ..) => false,
            };
            if let Some(l) = l {
                let mut due = floor + l + slack;
                if !was && let Some(h) = hang_floor {
                    due = due.max(h + slack);
                }
                if new && let Some(f) = edge_floor {
                    due = due.max(f);
                }
                if due >= st.due_from {
                    st.due_from = due;
                    st.tx_held_at = held.map(|h| (h, due));
                    st.reattach = new;
                } else if let Some(h) = held
                    && due + TX_HOLD_TICK > st.due_from
                {
                    // An earlier event's deadline is later, but this event's own can pass it
                    // with the tick its handshakes may wait (chaos seed 3193 with root
                    // sequencing: an uplink restored, and 0.8 s later the peer with the other
                    // uplink powers off; its BPDUs were held, the tick went to the restore's
                    // deadline only). The earliest count since a pending event stays.
                    st.tx_held_at = Some(match st.tx_held_at {
                        Some((h0, t0)) => (h0, t0.max(due)),
                        None => (h, due),
                    });
                }
            }
            // A reconnection still pending when a spanning-tree reconfiguration comes.
            if st.reattach
                && now < st.due_from
                && let Some(f) = edge_floor
            {
                st.due_from = st.due_from.max(f);
            }
        }
        if limit.keep.is_none() || !self.degraded.is_empty() {
            self.suspended_until = Instant::from_nanos(u64::MAX);
        } else if !start && self.degraded.is_empty() && matches!(e.kind, Kind::Degrade(..)) {
            let l = at_end.keep.unwrap_or(Duration::ZERO);
            self.suspended_until = now + l + slack;
        }
        self.last_fault = now;
        Ok(())
    }

    /// The checks after every step.
    fn step_checks(&self, s: &Scenario) -> Result<(), Finding> {
        let now = self.net.now();
        if self.corrupted {
            return Ok(());
        }
        for (pi, p) in self.pairs.iter().enumerate() {
            let views = [self.view(pi, 0), self.view(pi, 1)];
            // One primary when connected.
            if let [Some(a), Some(b)] = views
                && a.status == iccp::Status::Connected
                && b.status == iccp::Status::Connected
            {
                let primaries = [a, b]
                    .iter()
                    .filter(|v| v.role == Some(iccp::Role::Primary))
                    .count();
                let settled = a.election_settled && b.election_settled;
                if !(primaries == 1 || (primaries == 0 && !settled)) {
                    return Err(Finding {
                        at: now,
                        invariant: "one primary when connected",
                        detail: format!("pair{pi}: {primaries} primaries while connected"),
                    });
                }
                // Connected peers show the pair's system-id.
                if a.system_id != b.system_id {
                    return Err(Finding {
                        at: now,
                        invariant: "monitor: system-id",
                        detail: format!(
                            "pair{pi}: connected peers show system-ids {} and {}",
                            a.system_id, b.system_id
                        ),
                    });
                }
            }
            // Connected while the peer is dead or the peer-link down beyond detection.
            let detect = 3 * HEARTBEAT + LINK_DOWN_NOTICE + HEARTBEAT + s.slack();
            for q in 0..2usize {
                let Some(v) = views.get(q).copied().flatten() else {
                    continue;
                };
                let other = self
                    .crashed
                    .get(pi)
                    .and_then(|c| c.get(1 - q))
                    .copied()
                    .flatten();
                if v.status == iccp::Status::Connected {
                    if let Some((since, mode)) = other
                        && now > since + detect
                    {
                        return Err(Finding {
                            at: now,
                            invariant: "monitor: status",
                            detail: format!(
                                "pair{pi}/Peer{} says connected, its peer crashed ({mode:?}) at {since}",
                                q + 1
                            ),
                        });
                    }
                    if let Some((since, _)) = self.pl_down.get(pi).copied().flatten()
                        && now > since + detect
                    {
                        return Err(Finding {
                            at: now,
                            invariant: "monitor: status",
                            detail: format!(
                                "pair{pi}/Peer{} says connected, its peer-link down since {since}",
                                q + 1
                            ),
                        });
                    }
                }
                // A survivor whose peer is dead is primary and not isolated.
                if let Some((since, _)) = other
                    && now > since + detect
                    && (v.role != Some(iccp::Role::Primary) || v.isolated)
                {
                    return Err(Finding {
                        at: now,
                        invariant: "monitor: role",
                        detail: format!(
                            "pair{pi}/Peer{}: peer dead since {since}, role {:?}, isolated {}",
                            q + 1,
                            v.role,
                            v.isolated
                        ),
                    });
                }
            }
            let _ = p;
        }
        Ok(())
    }

    /// The network's own violations, as a finding.
    fn net_violation(&self) -> Option<Finding> {
        let v = self.net.violations().iter().find(|v| {
            !self.corrupted
                || matches!(
                    v.kind,
                    ViolationKind::TimerSpin { .. } | ViolationKind::QueueFull { .. }
                )
        })?;
        let name = |n: NodeId| String::from(self.net.name(n));
        let (invariant, detail) = match &v.kind {
            ViolationKind::DuplicateDelivery { node, origin, .. } => (
                "no duplicate delivery",
                format!(
                    "{} got a frame of {}'s stream {} twice",
                    name(*node),
                    name(origin.node),
                    origin.stream
                ),
            ),
            ViolationKind::ForwardingLoop {
                link,
                dir,
                origin,
                cycle,
                ..
            } => (
                "no forwarding loop",
                format!(
                    "a frame of {}'s stream {} crossed link {} {dir:?} twice (cycle: {})",
                    name(origin.node),
                    origin.stream,
                    link.0,
                    cycle
                        .iter()
                        .map(|(n, i, e)| format!("{} {}>{}", name(*n), i.0, e.0))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ),
            ViolationKind::HopBudgetExceeded { origin, .. } => (
                "no forwarding loop",
                format!(
                    "a frame of {}'s stream {} exceeded the hop budget",
                    name(origin.node),
                    origin.stream
                ),
            ),
            ViolationKind::BlackHole { stream, since } => (
                "no black hole",
                format!(
                    "{}'s stream {} silent since {since}",
                    name(stream.node),
                    stream.stream
                ),
            ),
            ViolationKind::TimerSpin { node } => (
                "no timer spin",
                format!("{} keeps asking for a timeout now", name(*node)),
            ),
            ViolationKind::QueueFull { max } => {
                (BOUNDED_RUN, format!("{max} events pending: a frame storm"))
            }
            ViolationKind::Custom { check, detail } => (
                if check.contains("FDB") {
                    "FDBs agree when quiet"
                } else {
                    "custom check"
                },
                format!("{check}: {detail}"),
            ),
        };
        Some(Finding {
            at: v.at,
            invariant,
            detail,
        })
    }

    /// The black-hole check: every connected stream delivered a frame sent at or after its
    /// deadline (or, between faults, within the last check period).
    fn black_holes(&mut self, s: &Scenario) -> Result<(), Finding> {
        let now = self.net.now();
        if self.corrupted || now < self.suspended_until || now < FAULTS_FROM {
            return Ok(());
        }
        // 802.1D-2004 §17.26: a port that sent Transmit Hold Count BPDUs within the current
        // tick sends no more until the next (§17.22, once a second), so a link that flaps
        // within a second may find the proposal/agreement handshakes held for up to one tick
        // (FUZZING.md, finding 9). A deadline set by a spanning-tree link event gets that tick
        // once some bridge held a BPDU after the event.
        if self.streams.iter().any(|st| st.tx_held_at.is_some()) {
            let held = self.tx_held();
            for st in &mut self.streams {
                if let Some((at, base)) = st.tx_held_at
                    && held > at
                {
                    st.tx_held_at = None;
                    let extended = base + TX_HOLD_TICK;
                    if now < extended && extended > st.due_from {
                        st.due_from = extended;
                    }
                }
            }
        }
        let slack = s.slack();
        let interval = s.topology.interval;
        let reach = &self.reach;
        let mut found = None;
        for (i, st) in self.streams.iter().enumerate() {
            if !reach.get(i).copied().unwrap_or(false) {
                continue;
            }
            // Frames sent from `from` on must have arrived by now.
            let from = st.due_from.max(now.saturating_sub(CHECK_PERIOD + slack));
            if now < from + slack {
                continue;
            }
            let Some(app) = self.app(st.dst) else {
                continue;
            };
            let last_sent = app
                .rx(st.src_mac, st.stream)
                .and_then(|r| r.max_seq)
                .map(|seq| st.start + interval * u32::try_from(seq).unwrap_or(u32::MAX));
            if last_sent.is_none_or(|t| t < from) {
                found = Some((i, from, last_sent));
                break;
            }
        }
        if let Some((i, from, last)) = found
            && let Some(st) = self.streams.get(i).copied()
        {
            // Measure the outage: run on until a frame sent at or after `from` arrives.
            let limit = now + Duration::from_secs(60);
            let delivered = |w: &Self| {
                w.app(st.dst)
                    .and_then(|a| a.rx(st.src_mac, st.stream))
                    .and_then(|r| r.max_seq)
                    .is_some_and(|seq| {
                        st.start + interval * u32::try_from(seq).unwrap_or(u32::MAX) >= from
                    })
            };
            while !delivered(self)
                && self.net.now() < limit
                && self.net.stats().steps <= STEPS_MAX
                && self.net.step()
            {}
            let recovered = if delivered(self) {
                format!(
                    "recovered at {}, {:?} after {from}",
                    self.net.now(),
                    self.net.now() - from
                )
            } else {
                format!("not recovered by {}", self.net.now())
            };
            return Err(Finding {
                at: now,
                invariant: "no black hole beyond the failover limit",
                detail: format!(
                    "{} -> {}: nothing sent at or after {from} delivered by {now} (last delivered frame sent at {}); {recovered}",
                    self.net.name(st.src),
                    self.net.name(st.dst),
                    last.map_or_else(|| String::from("never"), |t| format!("{t}"))
                ),
            });
        }
        Ok(())
    }

    /// Checks that need a quiet network: FDBs agree, clients' partners and the monitor's
    /// MLAG halves agree with the clients.
    fn quiet_checks(&self, s: &Scenario) -> Result<(), Finding> {
        let now = self.net.now();
        if self.corrupted
            || now < self.last_fault + REATTACH + s.slack()
            || !self.degraded.is_empty()
        {
            return Ok(());
        }
        for (pi, p) in self.pairs.iter().enumerate() {
            let clients: Vec<(MacAddr, MlagId)> = s
                .topology
                .clients
                .iter()
                .enumerate()
                .filter(|(_, cp)| usize::from(**cp) == pi)
                .map(|(c, _)| (client_mac(c as u8), mlag_id(c as u8)))
                .collect();
            fdb_agree(&self.net, p.peers, &clients).map_err(|detail| Finding {
                at: now,
                invariant: "FDBs agree when quiet",
                detail: format!("pair{pi}: {detail}"),
            })?;
            // The client's partner is the pair's system-id on every link it distributes on,
            // and the monitor's local-up is what the client distributes on.
            for (c, &cp) in s.topology.clients.iter().enumerate() {
                if usize::from(cp) != pi {
                    continue;
                }
                let Some(client) = self
                    .clients
                    .get(c)
                    .and_then(|n| self.net.node::<LacpClient>(*n))
                else {
                    continue;
                };
                let dist: Vec<PortNo> = client.distributing().collect();
                if !dist.is_empty()
                    && let Some(lag) = client.system().lag(CLIENT_LAG)
                    && lag.partner_system.is_some_and(|x| x.mac != p.system_id)
                {
                    return Err(Finding {
                        at: now,
                        invariant: "monitor: system-id",
                        detail: format!(
                            "client c{c} distributes to partner {:?}, the pair's system-id is {}",
                            lag.partner_system, p.system_id
                        ),
                    });
                }
                for q in 0..2u8 {
                    let Some(node) = p.peers.get(usize::from(q)) else {
                        continue;
                    };
                    if self.net.is_crashed(*node) {
                        continue;
                    }
                    let Some(peer) = self.net.node::<MlagPeer>(*node) else {
                        continue;
                    };
                    let m = peer.monitor();
                    let Some(st) = m.mlags.iter().find(|x| x.mlag_id == mlag_id(c as u8)) else {
                        continue;
                    };
                    let on = dist.contains(&PortNo(u16::from(q) + 1));
                    if st.local_up != on {
                        return Err(Finding {
                            at: now,
                            invariant: "monitor: MLAG half",
                            detail: format!(
                                "pair{pi}/Peer{} says MLAG {} local-up {}, client c{c} distributing on that link: {on}",
                                q + 1,
                                st.mlag_id.0,
                                st.local_up
                            ),
                        });
                    }
                }
            }
        }
        Ok(())
    }

    /// Everything repaired long ago: the pairs connected with their system-id, every client
    /// on both links, every stream flowing.
    fn converged(&self) -> Result<(), Finding> {
        let now = self.net.now();
        if self.corrupted {
            return Ok(());
        }
        let err = |detail: String| Finding {
            at: now,
            invariant: "converges after the faults",
            detail,
        };
        for (pi, p) in self.pairs.iter().enumerate() {
            for q in 0..2usize {
                let v = self
                    .view(pi, q)
                    .ok_or_else(|| err(format!("pair{pi}/Peer{} down", q + 1)))?;
                if v.status != iccp::Status::Connected || v.system_id != p.system_id || v.isolated {
                    return Err(err(format!("pair{pi}/Peer{}: {v:?}", q + 1)));
                }
            }
        }
        for (c, node) in self.clients.iter().enumerate() {
            let n = self
                .net
                .node::<LacpClient>(*node)
                .map_or(0, |x| x.distributing().count());
            if n != 2 {
                return Err(err(format!("client c{c} distributes on {n} link(s)")));
            }
        }
        Ok(())
    }

    fn play(&mut self, s: &Scenario, episodes: &[Episode]) -> Option<Finding> {
        self.reach = self.reachable();
        // Events: (time, episode index, start?).
        let mut events: Vec<(Instant, usize, bool)> = Vec::new();
        for (i, e) in episodes.iter().enumerate() {
            events.push((e.at, i, true));
            events.push((e.end(), i, false));
        }
        events.sort_by_key(|(t, i, start)| (*t, !*start, *i));
        let last = events.iter().map(|e| e.0).max().unwrap_or(FAULTS_FROM);
        // Long enough for the longest limit (a degradation's end: 3H + re-attach; a restart:
        // reload delay + re-attach) and its slack.
        let end = last.max(FAULTS_FROM) + 3 * HEARTBEAT + REATTACH + Duration::from_secs(2);
        let mut next_check = FAULTS_FROM;
        let mut ev = events.iter().peekable();
        loop {
            let next_ev = ev.peek().map(|e| e.0);
            let target = next_ev.map_or(next_check, |t| t.min(next_check)).min(end);
            // Step to `target`, checking after every step.
            while self.net.next_event_at().is_some_and(|at| at <= target) {
                self.net.step();
                if let Some(f) = self.net_violation() {
                    return Some(f);
                }
                if self.net.stats().steps > STEPS_MAX {
                    return Some(Finding {
                        at: self.net.now(),
                        invariant: BOUNDED_RUN,
                        detail: format!("more than {STEPS_MAX} events"),
                    });
                }
                if let Err(f) = self.step_checks(s) {
                    return Some(f);
                }
            }
            self.net.run_until(target);
            while let Some(&&(t, i, start)) = ev.peek() {
                if t > target {
                    break;
                }
                ev.next();
                if let Some(e) = episodes.get(i)
                    && let Err(f) = self.apply(s, e, start)
                {
                    return Some(f);
                }
                if let Some(f) = self.net_violation() {
                    return Some(f);
                }
            }
            if target >= next_check {
                if let Err(f) = self.black_holes(s) {
                    return Some(f);
                }
                if let Err(f) = self.quiet_checks(s) {
                    return Some(f);
                }
                next_check += CHECK_PERIOD;
            }
            if target >= end {
                break;
            }
        }
        if let Err(f) = self.black_holes(s) {
            return Some(f);
        }
        self.converged().err()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_scenario_and_run() {
        let a = Scenario::generate(3);
        assert_eq!(a, Scenario::generate(3));
        assert_ne!(a, Scenario::generate(4));
        let x = a.run(&RunOptions::default());
        let y = a.run(&RunOptions::default());
        assert_eq!(x.steps, y.steps);
        assert_eq!(x.frames, y.frames);
        assert_eq!(x.finding, y.finding);
        assert!(x.frames > 1000, "{x:?}");
    }

    #[test]
    fn shrinking_keeps_only_what_the_failure_needs() {
        let f = |what: &'static str| Finding {
            at: Instant::ZERO,
            invariant: what,
            detail: String::new(),
        };
        // Fails with "loop" when episodes 2 and 5 are both there, with something else when
        // only 5 is.
        let s = shrink_with(8, f("loop"), |keep| {
            match (keep.contains(&2), keep.contains(&5)) {
                (true, true) => Some(f("loop")),
                (false, true) => Some(f("other")),
                _ => None,
            }
        });
        assert_eq!(s.episodes, [2, 5]);
        assert_eq!(s.finding.invariant, "loop");
        assert_eq!(s.runs, 9);
    }

    /// The deadline the oracle sets for stream `src -> dst` once `events` (episode, start?)
    /// have been applied at their times.
    fn deadline(s: &Scenario, events: &[(Episode, bool)], src: &str, dst: &str) -> Instant {
        let mut w = World::build(s, true, false).unwrap();
        w.reach = w.reachable();
        for (e, start) in events {
            w.net.run_until(if *start { e.at } else { e.end() });
            w.apply(s, e, *start).unwrap();
        }
        let st = w
            .streams
            .iter()
            .find(|st| w.net.name(st.src) == src && w.net.name(st.dst) == dst)
            .unwrap();
        st.due_from
    }

    #[test]
    fn a_member_restored_less_than_an_attach_ago_is_no_failover_path() {
        // Seed 377: c4's link to Peer2 comes back at 17.2 s, Peer1 powers off at 17.658 s.
        // LACP holds the restored link in WAITING for 2 s (802.1AX-2020 6.4.15), so c4 has
        // no aggregated link left: a reconnection (REATTACH), not a failover (L + d).
        let s = Scenario::generate(377);
        let (cut, crash) = (s.episodes[1], s.episodes[2]);
        assert!(matches!(
            cut.kind,
            Kind::Cut(LinkRef::Member { client: 4, peer: 1 })
        ));
        assert!(matches!(crash.kind, Kind::Crash { peer: 0, .. }));
        let (limit, _) = s.limits(&crash);
        let events = [(cut, true), (cut, false), (crash, true)];
        let due = deadline(&s, &events, "c4", "h1");
        assert_eq!(due, crash.at + limit.new.unwrap() + s.slack());
        // Once the link had LACP_ATTACH to attach, the peer crash is a failover again.
        let late = Episode {
            at: cut.end() + LACP_ATTACH + Duration::from_millis(1),
            ..crash
        };
        let due = deadline(&s, &[(cut, true), (cut, false), (late, true)], "c4", "h1");
        assert_eq!(due, late.at + limit.keep.unwrap() + s.slack());
        // A stream with its own aggregated link on the survivor keeps the failover limit.
        let due = deadline(&s, &events, "c3", "h1");
        assert_eq!(due, crash.at + limit.keep.unwrap() + s.slack());
        // A hang is detected only after 3H + L + H_b, longer than REATTACH: the reconnection
        // starts from there.
        let hang = Episode {
            kind: Kind::Crash {
                pair: 0,
                peer: 0,
                mode: CrashMode::Hang,
            },
            ..crash
        };
        let (limit, _) = s.limits(&hang);
        assert!(limit.keep.unwrap() > limit.new.unwrap());
        let due = deadline(&s, &[(cut, true), (cut, false), (hang, true)], "c4", "h1");
        assert_eq!(due, hang.at + limit.keep.unwrap() + s.slack());
    }

    #[test]
    fn a_reconnection_waits_for_edge_detection_after_a_spanning_tree_change() {
        // Seed 5459: c0 loses both member links (21.812, 22.619 s), pair0/Peer2's uplink goes
        // silent towards Peer2 (23.394 s, its information ages 6 s later), c0-Peer1 returns
        // (23.921 s: a reconnection), the silence heals (29.329 s, br1's next hello at 30 s).
        // Each root change restarted the MLAG port's edge detection (802.1D-2004 §17.27
        // UPDATE, §17.29 DESIGNATED_PROPOSE): edge, and forwarding, at 33.0 s.
        let s = Scenario::generate(5459);
        let [m2, m1, silent] = [s.episodes[0], s.episodes[1], s.episodes[2]];
        assert!(matches!(
            silent.kind,
            Kind::Silent(LinkRef::Uplink { .. }, _)
        ));
        assert!(matches!(
            m1.kind,
            Kind::Cut(LinkRef::Member { client: 0, .. })
        ));
        let (restore, _) = s.limits(&m1);
        let (aged, healed) = s.limits(&silent);
        let mut events = alloc::vec![(m2, true), (m1, true), (silent, true), (m1, false)];
        let due = deadline(&s, &events, "c0", "server");
        assert_eq!(
            due,
            (silent.at + aged.keep.unwrap() + EDGE_DELAY + s.slack())
                .max(m1.end() + restore.new.unwrap() + s.slack())
        );
        assert!(due > m1.end() + restore.new.unwrap() + s.slack());
        // The heal comes while the reconnection is pending: EdgeDelay after its hello.
        events.extend([(m2, false), (silent, false)]);
        let due = deadline(&s, &events, "c0", "server");
        assert_eq!(
            due,
            silent.end() + healed.keep.unwrap() + STP_HELLO + EDGE_DELAY + s.slack()
        );
        // Without the spanning-tree event the reconnection keeps REATTACH.
        let due = deadline(&s, &[(m2, true), (m1, true), (m1, false)], "c0", "server");
        assert_eq!(due, m1.end() + restore.new.unwrap() + s.slack());
    }

    #[test]
    fn episodes_respect_the_generation_rules() {
        for seed in 0..200 {
            let s = Scenario::generate(seed);
            let t = &s.topology;
            assert!((1..=2).contains(&t.pairs.len()) && (1..=6).contains(&t.clients.len()));
            assert!(!s.episodes.is_empty() && s.episodes.len() <= EPISODES_MAX);
            for (i, a) in s.episodes.iter().enumerate() {
                assert!(a.at >= FAULTS_FROM);
                // Peer-link faults only with a backup path.
                if let Kind::Cut(LinkRef::PeerLink(p)) | Kind::Silent(LinkRef::PeerLink(p), _) =
                    a.kind
                {
                    assert!(t.pairs[usize::from(p)].backup, "seed {seed}");
                }
                for b in s.episodes.iter().skip(i + 1) {
                    let overlap = a.at < b.end() && b.at < a.end();
                    if overlap && a.pair_level().is_some() {
                        assert_ne!(a.pair_level(), b.pair_level(), "seed {seed}");
                    }
                }
            }
        }
    }
}
