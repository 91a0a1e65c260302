//! The network: nodes, links, the event queue in virtual time, faults and invariant checks.

use alloc::boxed::Box;
use alloc::collections::{BTreeMap, BinaryHeap, VecDeque};
use alloc::string::String;
use alloc::vec::Vec;
use core::any::Any;
use core::cmp::Ordering;
use core::fmt::Write as _;

use l2_types::{Duration, Instant, PortNo};

use super::pcap::{CaptureRecord, Fate, write_pcap};
use super::rng::{Probability, Rng};

/// A node of the network (its index, in the order nodes were added).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NodeId(pub usize);

/// A link of the network (its index, in the order links were added).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LinkId(pub usize);

/// A direction on a link: from its `a` end to its `b` end, or back.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Dir {
    /// From the first endpoint given to [`Network::connect`] to the second.
    AtoB,
    /// From the second endpoint to the first.
    BtoA,
}

impl Dir {
    const fn index(self) -> usize {
        match self {
            Self::AtoB => 0,
            Self::BtoA => 1,
        }
    }
}

/// The simulator's hidden identity of one traffic frame copy on one link. It travels beside the
/// bytes (never in them) so the invariant checker can follow a frame through forwarding nodes:
/// each copy a node forwards becomes a child of the copy it received, with its path.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FrameId(pub u64);

/// How the network should follow a transmitted frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Track {
    /// Not followed (control frames: BPDUs, LACPDUs, ICCP).
    None,
    /// A new traffic frame of stream `stream` of the sending node: the network gives it a fresh
    /// [`FrameId`].
    New {
        /// The sender's stream number.
        stream: u32,
    },
    /// A copy of a frame the node received with this id (forwarding).
    Copy(FrameId),
}

impl Track {
    /// `Copy(id)` for a received frame that had an id, `None` otherwise.
    pub const fn copy_of(id: Option<FrameId>) -> Self {
        match id {
            Some(id) => Self::Copy(id),
            None => Self::None,
        }
    }
}

/// A frame a node sends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transmit {
    /// The node's port.
    pub port: PortNo,
    /// The whole Ethernet frame, without FCS.
    pub frame: Vec<u8>,
    /// How the network follows it.
    pub track: Track,
}

/// A node: the sans-IO shape of every driver in this workspace, plus the simulator's hooks.
///
/// After every input the network drains [`poll_transmit`](Self::poll_transmit) and
/// [`poll_delivered`](Self::poll_delivered), then reads [`poll_timeout`](Self::poll_timeout) and
/// calls [`handle_timeout`](Self::handle_timeout) when virtual time reaches it. A protocol
/// driver (`lacp::System`, `stp::Bridge`, the MLAG `Coordinator`) wraps into it by forwarding
/// the four inputs and outputs and keeping its dataplane (a [`Switch`](super::Switch)) beside it.
pub trait Node: Any {
    /// A frame arrived on `port`. `id` is the simulator's hidden identity of a traffic frame;
    /// a node that forwards the frame passes it on with [`Track::copy_of`].
    fn handle_frame(&mut self, now: Instant, port: PortNo, frame: &[u8], id: Option<FrameId>);
    /// The link of `port` went up or down (delivered to both ends of a link).
    fn handle_link(&mut self, now: Instant, port: PortNo, up: bool);
    /// Virtual time reached the instant [`poll_timeout`](Self::poll_timeout) asked for (calls
    /// may also be early or repeated).
    fn handle_timeout(&mut self, now: Instant);
    /// The next frame to send.
    fn poll_transmit(&mut self) -> Option<Transmit>;
    /// When the node next needs [`handle_timeout`](Self::handle_timeout).
    fn poll_timeout(&self) -> Option<Instant>;
    /// A traffic frame this node consumed as its final destination (an end host), by id; the
    /// network checks that no copy is delivered twice. Forwarding nodes return `None`.
    fn poll_delivered(&mut self) -> Option<FrameId> {
        None
    }
    /// The node crashes at `now`. It gets no input until [`restart`](Self::restart); a node
    /// that models a control-plane restart from a checkpoint may save its state here (what a
    /// real one would have persisted just before).
    fn crash(&mut self, now: Instant) {
        let _ = now;
    }
    /// The node restarts after a crash at `now`: rebuild from scratch (or from a snapshot saved
    /// in [`crash`](Self::crash)). Link-up notifications for its live links follow.
    fn restart(&mut self, now: Instant) {
        let _ = now;
    }
    /// A counter of protocol state changes (role, forwarding state, distributing…); the
    /// network calls the network quiet when no node's counter moved for a while.
    fn changes(&self) -> u64 {
        0
    }
    /// Whether the node, as its ports stood at `at` (after the changes made at `at`; `at` is
    /// never later than now), relayed `frame` received on `ingress` out of `egress` when it
    /// flooded (port states, split horizon and aggregation only: not its FDB). `None` (the
    /// default) means it cannot tell, and the loop check takes it as yes.
    ///
    /// The forwarding-loop check asks this of every node on the cycle a frame closed when it
    /// crosses a link direction for the second time: if at some instant since the frame
    /// entered the cycle every hop relayed (and every link of it was up), the cycle was a
    /// loop; if there was no such instant, the frame was in flight while the active topology
    /// changed under it (802.1D-2004 §17.13.4 notes that the rapid transitions can misorder
    /// and duplicate such frames), counted in [`NetStats::stale_cycles`].
    fn relays(&self, frame: &[u8], ingress: PortNo, egress: PortNo, at: Instant) -> Option<bool> {
        let _ = (frame, ingress, egress, at);
        None
    }
    /// The instants after `since` at which what [`relays`](Self::relays) answers may have
    /// changed, appended to `out` (a node that cannot tell appends nothing).
    fn relay_changes(&self, since: Instant, out: &mut Vec<Instant>) {
        let _ = (since, out);
    }
    /// Whether `port` was Forwarding on `frame`'s spanning tree at `at` (after the changes
    /// made at `at`), where that state is a spanning-tree port state: a plain bridge's RSTP
    /// port, or a port of an MLAG pair's logical bridge. `None` (the default) for a port
    /// whose state is not a spanning-tree port state (an MLAG peer-port or bond half, a node
    /// without a spanning tree) or that the node cannot tell; the duplicate check takes it as
    /// open. Its changes are among [`relay_changes`](Self::relay_changes).
    ///
    /// The duplicate-delivery check asks this of every hop of two copies of one frame that
    /// reached one host: if at some instant since their paths split no hop of either was
    /// closed by its spanning-tree port state, the two paths were open together and the
    /// second delivery is reported; otherwise the copies were in flight while RSTP moved the
    /// active topology under them (802.1D-2004 §17.13.4), counted in
    /// [`NetStats::stale_duplicates`].
    fn stp_forwarding(&self, frame: &[u8], port: PortNo, at: Instant) -> Option<bool> {
        let _ = (frame, port, at);
        None
    }
    /// The network's time, given before every input (a node keeping a history of its
    /// forwarding state stamps its changes with it).
    fn clock(&mut self, now: Instant) {
        let _ = now;
    }
}

/// One direction's physical behaviour.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct LinkParams {
    /// Propagation delay.
    pub delay: Duration,
    /// Extra delay drawn uniformly in `0..=jitter` per frame. Frames stay in order unless
    /// reordered on purpose.
    pub jitter: Duration,
    /// Probability a frame is lost.
    pub loss: Probability,
    /// Probability a frame is delivered twice.
    pub duplicate: Probability,
    /// Probability a frame is held back by `reorder_delay`, letting later frames overtake it.
    pub reorder: Probability,
    /// How long a reordered frame is held back.
    pub reorder_delay: Duration,
    /// Probability one bit of a frame is flipped.
    pub corrupt: Probability,
    /// Line rate in bit/s (serialization time and queueing); 0 means infinitely fast.
    pub bandwidth_bps: u64,
}

impl LinkParams {
    /// A perfect link with propagation delay `delay`.
    pub const fn new(delay: Duration) -> Self {
        Self {
            delay,
            jitter: Duration::ZERO,
            loss: Probability::NEVER,
            duplicate: Probability::NEVER,
            reorder: Probability::NEVER,
            reorder_delay: Duration::ZERO,
            corrupt: Probability::NEVER,
            bandwidth_bps: 0,
        }
    }

    /// A 1 Gb/s link with 5 µs propagation delay (about 1 km of fibre).
    pub const fn gigabit() -> Self {
        let mut p = Self::new(Duration::from_micros(5));
        p.bandwidth_bps = 1_000_000_000;
        p
    }
}

impl Default for LinkParams {
    fn default() -> Self {
        Self::gigabit()
    }
}

/// Per link direction counters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct LinkCounters {
    /// Frames offered to the link while it was up.
    pub frames: u64,
    /// Their octets.
    pub bytes: u64,
    /// Frames handed to the far end.
    pub delivered: u64,
    /// Frames lost by random loss.
    pub lost: u64,
    /// Frames sent while the link was down or in flight when it went down.
    pub link_down: u64,
    /// Frames that reached a crashed node.
    pub node_down: u64,
    /// Extra copies made by duplication.
    pub duplicated: u64,
    /// Frames held back by reordering.
    pub reordered: u64,
    /// Frames with a flipped bit.
    pub corrupted: u64,
    /// Traffic frames dropped by the hop budget.
    pub hop_budget: u64,
}

/// How a node crashes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CrashMode {
    /// Power off: the node's links lose carrier, so their other ends see them go down.
    PowerOff,
    /// Hang: links stay up but the node neither receives nor sends.
    Hang,
}

/// An action of a fault plan (and what the corresponding [`Network`] methods do at once).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Fault {
    /// Cut a link (both ends see it go down; frames in flight are lost).
    Cut(LinkId),
    /// Restore a cut link.
    Restore(LinkId),
    /// Change a link's parameters in one direction, or in both with `dir: None`.
    SetParams {
        /// The link.
        link: LinkId,
        /// The direction, or both.
        dir: Option<Dir>,
        /// The new parameters.
        params: LinkParams,
    },
    /// Crash a node.
    Crash(NodeId, CrashMode),
    /// Restart a crashed node (its [`Node::restart`] hook runs).
    Restart(NodeId),
}

/// The origin of a traffic frame: a stream of a sending node.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct StreamRef {
    /// The sender.
    pub node: NodeId,
    /// Its stream number.
    pub stream: u32,
}

/// A broken invariant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ViolationKind {
    /// A copy of one traffic frame was delivered to the same end host twice, by two paths
    /// that were open together at some instant since they split (paths that only spanning-tree
    /// port states kept apart are frames in flight, counted in
    /// [`NetStats::stale_duplicates`]; see [`Node::stp_forwarding`]).
    DuplicateDelivery {
        /// The host.
        node: NodeId,
        /// The traffic frame (the id of the frame as sent, shared by all its copies).
        frame: FrameId,
        /// Its stream.
        origin: StreamRef,
    },
    /// A copy of a traffic frame crossed a link direction that it, or a copy it was forwarded
    /// from, had crossed before: it went round a loop. (Copies that merge from two paths are
    /// not a loop; if they reach one host it is a [`Self::DuplicateDelivery`].)
    ForwardingLoop {
        /// The link.
        link: LinkId,
        /// The direction.
        dir: Dir,
        /// The cycle the frame went round: each node on it with the port the frame came in
        /// on and the port it left by, from the node the link leads to.
        cycle: Vec<(NodeId, PortNo, PortNo)>,
        /// The traffic frame (the id of the frame as sent, shared by all its copies).
        frame: FrameId,
        /// Its stream.
        origin: StreamRef,
    },
    /// The copies of one traffic frame crossed more links than the hop budget allows; the
    /// rest were dropped.
    HopBudgetExceeded {
        /// The traffic frame (the id of the frame as sent, shared by all its copies).
        frame: FrameId,
        /// Its stream.
        origin: StreamRef,
    },
    /// A stream kept sending but nothing of it was delivered for longer than the bound.
    BlackHole {
        /// The stream.
        stream: StreamRef,
        /// The last delivery (or the instant the check was armed).
        since: Instant,
    },
    /// A node kept asking for a timeout at or before the current time after handling it.
    TimerSpin {
        /// The node.
        node: NodeId,
    },
    /// More events were pending than [`Network::set_pending_max`] allows: a frame was dropped
    /// instead of queued (reported once per run; [`NetStats::pending_dropped`] counts them).
    /// The simulator's memory stays bounded whatever the nodes send.
    QueueFull {
        /// The bound.
        max: usize,
    },
    /// A check added with [`Network::add_check`] failed.
    Custom {
        /// The check's name.
        check: String,
        /// What it reported.
        detail: String,
    },
}

/// A broken invariant and when it was seen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    /// Virtual time.
    pub at: Instant,
    /// What broke.
    pub kind: ViolationKind,
}

/// Which invariants are checked after every step.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Invariants {
    /// Report a traffic frame delivered twice to one host (by paths open together at some
    /// instant: [`ViolationKind::DuplicateDelivery`]).
    pub duplicate_delivery: bool,
    /// Report a traffic frame copy crossing a link direction its own path already crossed.
    pub forwarding_loop: bool,
    /// Link crossings allowed to all copies of one traffic frame; beyond it copies are dropped
    /// (and reported), so a loop cannot run forever.
    pub hop_budget: u32,
    /// Report streams with no delivery for longer than `.0` from instant `.1` on.
    pub black_hole: Option<(Duration, Instant)>,
}

impl Default for Invariants {
    fn default() -> Self {
        Self {
            duplicate_delivery: true,
            forwarding_loop: true,
            hop_budget: 256,
            black_hole: None,
        }
    }
}

/// The most violations kept; later ones are only counted.
pub const VIOLATIONS_MAX: usize = 10_000;

/// The default bound on pending events (frames in flight, timers, scheduled faults); see
/// [`Network::set_pending_max`]. A network of a few dozen nodes has a few hundred to a few
/// thousand; a pending copy of a looping frame carries its path (up to the hop budget), so
/// the bound keeps a storm below about a gigabyte.
pub const PENDING_MAX: usize = 100_000;

type Check = Box<dyn FnMut(&Network) -> Result<(), String>>;

struct NodeSlot {
    name: String,
    node: Box<dyn Node>,
    ports: BTreeMap<PortNo, (LinkId, Dir)>,
    crashed: Option<CrashMode>,
    /// Crashes and restarts: when, and whether it was crashed before (the last few).
    down_history: History,
    timer: Option<Instant>,
    timer_gen: u64,
    changes_seen: u64,
    spins: u32,
}

struct Link {
    ends: [(NodeId, PortNo); 2],
    admin_up: bool,
    oper_up: bool,
    /// Changes of `oper_up`: when, and the state before (the last few).
    up_history: History,
    epoch: u64,
    params: [LinkParams; 2],
    rng: [Rng; 2],
    line_free: [Instant; 2],
    last_arrival: [Instant; 2],
    counters: [LinkCounters; 2],
}

/// The last changes of one boolean (a link's carrier, a node's crash): when, and the value
/// before; enough to tell the value at an instant of the last few milliseconds.
#[derive(Clone, Debug, Default)]
struct History {
    changes: VecDeque<(Instant, bool)>,
    /// Instants before this one are unknown (changes were forgotten).
    horizon: Instant,
}

impl History {
    const MAX: usize = 32;

    fn note(&mut self, at: Instant, before: bool) {
        self.changes.push_back((at, before));
        if self.changes.len() > Self::MAX
            && let Some((t, _)) = self.changes.pop_front()
        {
            self.horizon = self.horizon.max(t);
        }
    }

    /// The value at `at` (after the changes made at `at`) given the value now; `None` if
    /// unknown.
    fn at(&self, now: bool, at: Instant) -> Option<bool> {
        if at < self.horizon {
            return None;
        }
        let mut v = now;
        for (_, before) in self.changes.iter().rev().take_while(|(t, _)| *t > at) {
            v = *before;
        }
        Some(v)
    }

    fn since(&self, since: Instant, out: &mut Vec<Instant>) {
        out.extend(self.changes.iter().map(|(t, _)| *t).filter(|t| *t > since));
    }
}

struct Arrival {
    link: LinkId,
    dir: Dir,
    epoch: u64,
    frame: Vec<u8>,
    id: Option<FrameId>,
    capture: Option<usize>,
}

enum Ev {
    Arrive(Arrival),
    Timer { node: NodeId, generation: u64 },
    Fault(Fault),
}

enum Outcome {
    Gone(Fate),
    Arrives {
        arrival: Instant,
        corrupted: bool,
        dup: bool,
        epoch: u64,
    },
}

struct Entry {
    at: Instant,
    seq: u64,
    ev: Ev,
}

impl PartialEq for Entry {
    fn eq(&self, other: &Self) -> bool {
        (self.at, self.seq) == (other.at, other.seq)
    }
}
impl Eq for Entry {}
impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Entry {
    /// Reversed: the heap pops the earliest instant, then the earliest scheduled.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.at, other.seq).cmp(&(self.at, self.seq))
    }
}

/// One traffic frame as its sender sent it: the family of all its forwarded copies.
struct Root {
    origin: StreamRef,
    /// The root whose `crossings` this family's crossings count against: itself, or for a
    /// copy the simulator duplicated, the family it was duplicated from (so duplication on a
    /// looped link cannot restart the hop budget: each duplicate with a fresh budget made a
    /// loop through a duplicating link grow without bound, seed 6272).
    budget: u64,
    /// Copies of it on the wire (for a budget root: also those of the families charged to it,
    /// so it outlives them).
    live: u32,
    /// Link crossings of all its copies and of the families charged to it.
    crossings: u32,
    /// The hosts it was delivered to, each with the path of the copy delivered (for the
    /// duplicate check: were two paths to one host ever open together?).
    delivered: Vec<(NodeId, Vec<Crossing>)>,
    looped: bool,
    over_budget: bool,
}

/// One copy on one link: its family and the links it (and its ancestors) crossed.
struct CopyRec {
    root: u64,
    path: Vec<Crossing>,
}

/// A link direction a copy (or an ancestor) crossed, and when it was sent on it.
type Crossing = (LinkId, Dir, Instant);

#[derive(Clone, Copy)]
struct StreamTrack {
    last_sent: Instant,
    last_delivered: Option<Instant>,
    /// Frames sent since the last delivery.
    undelivered: u64,
    reported: bool,
}

/// Totals of a run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct NetStats {
    /// Events processed.
    pub steps: u64,
    /// Frames sent on ports with no link.
    pub unconnected_tx: u64,
    /// Traffic frames given an id.
    pub tracked_frames: u64,
    /// Violations not kept because [`VIOLATIONS_MAX`] were already recorded.
    pub violations_dropped: u64,
    /// Frames dropped because [`Network::set_pending_max`] events were already pending.
    pub pending_dropped: u64,
    /// The most events pending at once.
    pub pending_peak: u64,
    /// Traffic frames that crossed a link direction a second time through a cycle that was
    /// no longer forwarding when they did (frames in flight across a change of the active
    /// topology; see [`Node::relays`]): not reported as loops.
    pub stale_cycles: u64,
    /// Traffic frames delivered to a host a second time whose two copies' paths were never
    /// open together: at every instant since they split, a hop of one of them was closed by a
    /// spanning-tree port state (frames in flight while RSTP moved the active topology; see
    /// [`Node::stp_forwarding`]): not reported as duplicates.
    pub stale_duplicates: u64,
}

/// An in-memory network in virtual time. Deterministic: the same seed and the same calls give
/// the same run, bit for bit (events at one instant run in the order they were scheduled).
pub struct Network {
    seed: u64,
    now: Instant,
    seq: u64,
    queue: BinaryHeap<Entry>,
    pending_max: usize,
    nodes: Vec<NodeSlot>,
    links: Vec<Link>,
    capture: Option<Vec<CaptureRecord>>,
    invariants: Invariants,
    roots: BTreeMap<u64, Root>,
    copies: BTreeMap<FrameId, CopyRec>,
    next_root: u64,
    next_frame: u64,
    streams: BTreeMap<StreamRef, StreamTrack>,
    violations: Vec<Violation>,
    checks: Vec<(String, Check, bool)>,
    last_change: Instant,
    last_check: Option<Instant>,
    stats: NetStats,
    /// The traffic frame being handed to a node (for the duplicate check's spanning tree of
    /// a frame the node delivers); empty otherwise.
    arriving: Vec<u8>,
}

impl core::fmt::Debug for Network {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Network")
            .field("seed", &self.seed)
            .field("now", &self.now)
            .field("nodes", &self.nodes.len())
            .field("links", &self.links.len())
            .field("pending", &self.queue.len())
            .finish_non_exhaustive()
    }
}

impl Network {
    /// An empty network at [`Instant::ZERO`] whose random choices all derive from `seed`.
    pub fn new(seed: u64) -> Self {
        Self {
            seed,
            now: Instant::ZERO,
            seq: 0,
            queue: BinaryHeap::new(),
            pending_max: PENDING_MAX,
            nodes: Vec::new(),
            links: Vec::new(),
            capture: None,
            invariants: Invariants::default(),
            roots: BTreeMap::new(),
            copies: BTreeMap::new(),
            next_root: 1,
            next_frame: 1,
            streams: BTreeMap::new(),
            violations: Vec::new(),
            checks: Vec::new(),
            last_change: Instant::ZERO,
            last_check: None,
            stats: NetStats::default(),
            arriving: Vec::new(),
        }
    }

    // ------------------------------------------------------------------ building

    /// Adds a node. Its first [`Node::poll_timeout`] is read at once.
    pub fn add_node(&mut self, name: &str, node: impl Node) -> NodeId {
        let id = NodeId(self.nodes.len());
        self.nodes.push(NodeSlot {
            name: String::from(name),
            node: Box::new(node),
            ports: BTreeMap::new(),
            crashed: None,
            down_history: History::default(),
            timer: None,
            timer_gen: 0,
            changes_seen: 0,
            spins: 0,
        });
        self.after_input(id, false);
        id
    }

    /// Connects port `a.1` of node `a.0` to port `b.1` of node `b.0` with the same parameters
    /// both ways. The link comes up at once: both ends get `handle_link(up)`.
    ///
    /// # Panics
    /// Never; a port that is already connected is disconnected from its old link first (the old
    /// link stays, cut).
    pub fn connect(
        &mut self,
        a: (NodeId, PortNo),
        b: (NodeId, PortNo),
        params: LinkParams,
    ) -> LinkId {
        self.connect_asymmetric(a, b, params, params)
    }

    /// Like [`connect`](Self::connect) with different parameters per direction.
    pub fn connect_asymmetric(
        &mut self,
        a: (NodeId, PortNo),
        b: (NodeId, PortNo),
        a_to_b: LinkParams,
        b_to_a: LinkParams,
    ) -> LinkId {
        let id = LinkId(self.links.len());
        let stream = u64::try_from(id.0).unwrap_or(u64::MAX).wrapping_mul(2);
        self.links.push(Link {
            ends: [a, b],
            admin_up: true,
            oper_up: false,
            up_history: History::default(),
            epoch: 0,
            params: [a_to_b, b_to_a],
            rng: [
                Rng::derive(self.seed, stream),
                Rng::derive(self.seed, stream.wrapping_add(1)),
            ],
            line_free: [Instant::ZERO; 2],
            last_arrival: [Instant::ZERO; 2],
            counters: [LinkCounters::default(); 2],
        });
        for (end, dir) in [(a, Dir::AtoB), (b, Dir::BtoA)] {
            if let Some(slot) = self.nodes.get_mut(end.0.0)
                && let Some((old, _)) = slot.ports.insert(end.1, (id, dir))
            {
                if let Some(l) = self.links.get_mut(old.0) {
                    l.admin_up = false;
                }
                self.update_link(old);
            }
        }
        self.update_link(id);
        id
    }

    /// Records every frame carried from now on (see [`capture`](Self::capture)).
    pub fn set_capture(&mut self, on: bool) {
        match (on, self.capture.is_some()) {
            (true, false) => self.capture = Some(Vec::new()),
            (false, true) => self.capture = None,
            _ => {}
        }
    }

    /// Chooses the invariants checked after every step.
    pub fn set_invariants(&mut self, inv: Invariants) {
        self.invariants = inv;
    }

    /// Bounds the pending events (default [`PENDING_MAX`]): a frame sent while `max` events
    /// are pending is dropped, counted in [`NetStats::pending_dropped`] and reported once as
    /// [`ViolationKind::QueueFull`]. Timers and scheduled faults are always queued (a node
    /// has at most one timer pending).
    pub fn set_pending_max(&mut self, max: usize) {
        self.pending_max = max;
    }

    /// The events pending now.
    pub fn pending(&self) -> usize {
        self.queue.len()
    }

    /// The invariants checked.
    pub const fn invariants(&self) -> &Invariants {
        &self.invariants
    }

    /// Adds a check run after every step; an `Err` is recorded as a
    /// [`ViolationKind::Custom`] when the check starts failing (not again until it passed).
    pub fn add_check(
        &mut self,
        name: &str,
        check: impl FnMut(&Self) -> Result<(), String> + 'static,
    ) {
        self.checks
            .push((String::from(name), Box::new(check), false));
    }

    // ------------------------------------------------------------------ faults

    /// Cuts `link` now: both ends see it go down, frames in flight are lost.
    pub fn cut(&mut self, link: LinkId) {
        if let Some(l) = self.links.get_mut(link.0) {
            l.admin_up = false;
        }
        self.update_link(link);
    }

    /// Restores `link` now.
    pub fn restore(&mut self, link: LinkId) {
        if let Some(l) = self.links.get_mut(link.0) {
            l.admin_up = true;
        }
        self.update_link(link);
    }

    /// Changes a link's parameters in one direction or both; frames already in flight keep
    /// their timing.
    pub fn set_link_params(&mut self, link: LinkId, dir: Option<Dir>, params: LinkParams) {
        if let Some(l) = self.links.get_mut(link.0) {
            for d in [Dir::AtoB, Dir::BtoA] {
                if (dir.is_none() || dir == Some(d))
                    && let Some(p) = l.params.get_mut(d.index())
                {
                    *p = params;
                }
            }
        }
    }

    /// Crashes `node` now: it gets no input until [`restart`](Self::restart).
    pub fn crash(&mut self, node: NodeId, mode: CrashMode) {
        let Some(slot) = self.nodes.get_mut(node.0) else {
            return;
        };
        if slot.crashed.is_some() {
            return;
        }
        slot.down_history.note(self.now, false);
        slot.crashed = Some(mode);
        slot.node.clock(self.now);
        slot.node.crash(self.now);
        slot.timer = None;
        slot.timer_gen = slot.timer_gen.wrapping_add(1);
        self.last_change = self.now;
        let links: Vec<LinkId> = slot.ports.values().map(|(l, _)| *l).collect();
        for l in links {
            self.update_link(l);
        }
    }

    /// Restarts a crashed `node` now: its [`Node::restart`] hook runs, then it gets link-up
    /// notifications for its live links (and the far ends of links that come back with it).
    pub fn restart(&mut self, node: NodeId) {
        let now = self.now;
        let Some(slot) = self.nodes.get_mut(node.0) else {
            return;
        };
        if slot.crashed.take().is_none() {
            return;
        }
        slot.down_history.note(now, true);
        slot.node.clock(now);
        slot.node.restart(now);
        slot.spins = 0;
        self.last_change = now;
        let ports: Vec<(PortNo, LinkId)> = slot.ports.iter().map(|(p, (l, _))| (*p, *l)).collect();
        for (port, l) in ports {
            let was_up = self.links.get(l.0).is_some_and(|l| l.oper_up);
            self.update_link(l);
            // A link that stayed up (a hung node) does not change, but the rebuilt node must
            // learn it is up.
            if was_up && self.links.get(l.0).is_some_and(|l| l.oper_up) {
                self.notify_link(node, port, true);
            }
        }
        self.after_input(node, false);
    }

    /// Schedules `fault` at `at` (now if `at` is in the past). Faults at one instant run in the
    /// order they were scheduled, before later-scheduled events of that instant.
    pub fn schedule(&mut self, at: Instant, fault: Fault) {
        let at = at.max(self.now);
        self.push(at, Ev::Fault(fault));
    }

    /// Schedules a whole plan.
    pub fn schedule_plan(&mut self, plan: impl IntoIterator<Item = (Instant, Fault)>) {
        for (at, f) in plan {
            self.schedule(at, f);
        }
    }

    fn apply(&mut self, fault: Fault) {
        match fault {
            Fault::Cut(l) => self.cut(l),
            Fault::Restore(l) => self.restore(l),
            Fault::SetParams { link, dir, params } => self.set_link_params(link, dir, params),
            Fault::Crash(n, mode) => self.crash(n, mode),
            Fault::Restart(n) => self.restart(n),
        }
    }

    // ------------------------------------------------------------------ running

    /// Virtual time.
    pub const fn now(&self) -> Instant {
        self.now
    }

    /// The instant of the next event, if any.
    pub fn next_event_at(&self) -> Option<Instant> {
        self.queue.peek().map(|e| e.at)
    }

    /// Processes the earliest event (a frame arrival, a node timeout or a scheduled fault),
    /// then checks the invariants. Returns false when nothing is scheduled.
    pub fn step(&mut self) -> bool {
        let Some(e) = self.queue.pop() else {
            return false;
        };
        self.now = self.now.max(e.at);
        match e.ev {
            Ev::Arrive(a) => self.arrive(a),
            Ev::Timer { node, generation } => self.fire_timer(node, generation),
            Ev::Fault(f) => self.apply(f),
        }
        self.stats.steps = self.stats.steps.saturating_add(1);
        self.check();
        true
    }

    /// Runs every event up to and including `t`, then sets the time to `t`.
    pub fn run_until(&mut self, t: Instant) {
        while self.next_event_at().is_some_and(|at| at <= t) {
            self.step();
        }
        self.now = self.now.max(t);
    }

    /// Runs for `d` of virtual time.
    pub fn run_for(&mut self, d: Duration) {
        self.run_until(self.now + d);
    }

    /// Runs until `done` holds (checked before each step), or until `deadline`. Returns
    /// whether `done` held.
    pub fn run_while_not(
        &mut self,
        deadline: Instant,
        mut done: impl FnMut(&Self) -> bool,
    ) -> bool {
        loop {
            if done(self) {
                return true;
            }
            match self.next_event_at() {
                Some(at) if at <= deadline => {
                    self.step();
                }
                _ => {
                    self.now = self.now.max(deadline);
                    return done(self);
                }
            }
        }
    }

    /// Runs until no node reported a state change ([`Node::changes`]) and no fault happened
    /// for `quiet` of virtual time, or until `deadline`.
    ///
    /// # Errors
    /// `Err(deadline)` if the network was still changing at `deadline`.
    pub fn run_until_quiet(
        &mut self,
        quiet: Duration,
        deadline: Instant,
    ) -> Result<Instant, Instant> {
        loop {
            let target = self.last_change + quiet;
            if target > deadline {
                self.run_until(deadline);
                return Err(deadline);
            }
            let mark = self.last_change;
            while self.last_change == mark && self.next_event_at().is_some_and(|at| at <= target) {
                self.step();
            }
            if self.last_change == mark {
                self.now = self.now.max(target);
                return Ok(target);
            }
        }
    }

    /// The last instant a node reported a state change or a fault happened.
    pub const fn last_change(&self) -> Instant {
        self.last_change
    }

    // ------------------------------------------------------------------ access

    /// The node's name.
    pub fn name(&self, node: NodeId) -> &str {
        self.nodes.get(node.0).map_or("?", |s| s.name.as_str())
    }

    /// The node as its concrete type.
    pub fn node<T: Node>(&self, node: NodeId) -> Option<&T> {
        let n: &dyn Any = self.nodes.get(node.0)?.node.as_ref();
        n.downcast_ref::<T>()
    }

    /// Runs `f` on the node as its concrete type (a configuration change, a command), then
    /// drains its outputs as after any input.
    pub fn with_node<T: Node, R>(
        &mut self,
        node: NodeId,
        f: impl FnOnce(&mut T, Instant) -> R,
    ) -> Option<R> {
        let now = self.now;
        let slot = self.nodes.get_mut(node.0)?;
        if slot.crashed.is_some() {
            return None;
        }
        slot.node.clock(now);
        let n: &mut dyn Any = slot.node.as_mut();
        let r = f(n.downcast_mut::<T>()?, now);
        self.after_input(node, false);
        Some(r)
    }

    /// Number of nodes.
    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    /// Number of links.
    pub fn link_count(&self) -> usize {
        self.links.len()
    }

    /// Whether the node is crashed.
    pub fn is_crashed(&self, node: NodeId) -> bool {
        self.nodes.get(node.0).is_some_and(|s| s.crashed.is_some())
    }

    /// The link's two ends.
    pub fn link_ends(&self, link: LinkId) -> Option<[(NodeId, PortNo); 2]> {
        self.links.get(link.0).map(|l| l.ends)
    }

    /// Whether the link is up (not cut, neither end powered off).
    pub fn link_up(&self, link: LinkId) -> bool {
        self.links.get(link.0).is_some_and(|l| l.oper_up)
    }

    /// The link's counters, `[a→b, b→a]`.
    pub fn link_counters(&self, link: LinkId) -> Option<[LinkCounters; 2]> {
        self.links.get(link.0).map(|l| l.counters)
    }

    /// Run totals.
    pub const fn stats(&self) -> &NetStats {
        &self.stats
    }

    /// The violations recorded so far.
    pub fn violations(&self) -> &[Violation] {
        &self.violations
    }

    /// Takes the violations recorded so far.
    pub fn take_violations(&mut self) -> Vec<Violation> {
        core::mem::take(&mut self.violations)
    }

    /// The frames captured so far (empty unless [`set_capture`](Self::set_capture) is on).
    pub fn capture(&self) -> &[CaptureRecord] {
        self.capture.as_deref().unwrap_or_default()
    }

    /// The captured frames that pass `filter` as a classic pcap file (nanosecond timestamps,
    /// LINKTYPE_ETHERNET), in the order they were handed to their links. Classic pcap has no
    /// field for the link, direction or fate: filter per link (or per direction) for a trace
    /// per wire, and read [`capture`](Self::capture) for the rest.
    pub fn pcap(&self, filter: impl Fn(&CaptureRecord) -> bool) -> Vec<u8> {
        let mut out = Vec::new();
        write_pcap(self.capture().iter().filter(|r| filter(r)), &mut out);
        out
    }

    /// The capture as text, one line per frame: time, link and direction (`node/port >
    /// node/port`), fate, `C` for corrupted and `D` for a link-made duplicate, length,
    /// addresses and EtherType — what the pcap file cannot say.
    pub fn capture_log(&self) -> String {
        let mut s = String::new();
        for r in self.capture() {
            let Some(l) = self.links.get(r.link.0) else {
                continue;
            };
            let (from, to) = match r.dir {
                Dir::AtoB => (l.ends[0], l.ends[1]),
                Dir::BtoA => (l.ends[1], l.ends[0]),
            };
            let h = super::frame::EthHeader::parse(&r.frame);
            let _ = writeln!(
                s,
                "{} link{} {}/{} > {}/{} {:?}{}{} len {} {}",
                r.at,
                r.link.0,
                self.name(from.0),
                from.1,
                self.name(to.0),
                to.1,
                r.fate,
                if r.corrupted { " C" } else { "" },
                if r.duplicate { " D" } else { "" },
                r.frame.len(),
                h.map_or_else(
                    || String::from("(runt)"),
                    |h| {
                        let mut t = String::new();
                        let _ = write!(t, "{} > {} type {}", h.src, h.dst, h.ethertype);
                        t
                    }
                ),
            );
        }
        s
    }

    /// A text table of every link's counters, one line per direction.
    pub fn counters_table(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "{:<4} {:<32} {:>9} {:>11} {:>9} {:>7} {:>7} {:>7} {:>6} {:>6} {:>6} {:>6}",
            "link",
            "from -> to",
            "frames",
            "bytes",
            "delivered",
            "lost",
            "down",
            "node",
            "dup",
            "reord",
            "corr",
            "hops"
        );
        for (i, l) in self.links.iter().enumerate() {
            for d in [Dir::AtoB, Dir::BtoA] {
                let (from, to) = match d {
                    Dir::AtoB => (l.ends[0], l.ends[1]),
                    Dir::BtoA => (l.ends[1], l.ends[0]),
                };
                let c = l.counters.get(d.index()).copied().unwrap_or_default();
                let mut path = String::new();
                let _ = write!(
                    path,
                    "{}/{} -> {}/{}",
                    self.name(from.0),
                    from.1,
                    self.name(to.0),
                    to.1
                );
                let _ = writeln!(
                    s,
                    "{:<4} {:<32} {:>9} {:>11} {:>9} {:>7} {:>7} {:>7} {:>6} {:>6} {:>6} {:>6}",
                    i,
                    path,
                    c.frames,
                    c.bytes,
                    c.delivered,
                    c.lost,
                    c.link_down,
                    c.node_down,
                    c.duplicated,
                    c.reordered,
                    c.corrupted,
                    c.hop_budget
                );
            }
        }
        s
    }

    // ------------------------------------------------------------------ internals

    fn push(&mut self, at: Instant, ev: Ev) {
        let seq = self.seq;
        self.seq = self.seq.wrapping_add(1);
        self.queue.push(Entry { at, seq, ev });
        let n = u64::try_from(self.queue.len()).unwrap_or(u64::MAX);
        self.stats.pending_peak = self.stats.pending_peak.max(n);
    }

    /// Whether another frame may be queued; if not, counts the drop (and reports the first).
    fn frame_fits(&mut self) -> bool {
        if self.queue.len() < self.pending_max {
            return true;
        }
        self.stats.pending_dropped = self.stats.pending_dropped.saturating_add(1);
        if self.stats.pending_dropped == 1 {
            self.violate(ViolationKind::QueueFull {
                max: self.pending_max,
            });
        }
        false
    }

    /// Recomputes a link's operational state and tells both ends if it changed.
    fn update_link(&mut self, link: LinkId) {
        let Some(l) = self.links.get(link.0) else {
            return;
        };
        let powered = |n: NodeId| {
            !matches!(
                self.nodes.get(n.0).and_then(|s| s.crashed),
                Some(CrashMode::PowerOff)
            )
        };
        let up = l.admin_up && powered(l.ends[0].0) && powered(l.ends[1].0);
        if up == l.oper_up {
            return;
        }
        let ends = l.ends;
        let now = self.now;
        if let Some(l) = self.links.get_mut(link.0) {
            l.up_history.note(now, l.oper_up);
            l.oper_up = up;
            l.epoch = l.epoch.wrapping_add(1);
            // 802.3 carrier loss: the line is empty when it comes back.
            l.line_free = [self.now; 2];
            l.last_arrival = [self.now; 2];
        }
        self.last_change = self.now;
        for (n, p) in ends {
            self.notify_link(n, p, up);
        }
    }

    fn notify_link(&mut self, node: NodeId, port: PortNo, up: bool) {
        let now = self.now;
        let Some(slot) = self.nodes.get_mut(node.0) else {
            return;
        };
        if slot.crashed.is_some() {
            return;
        }
        slot.node.clock(now);
        slot.node.handle_link(now, port, up);
        self.after_input(node, false);
    }

    fn fire_timer(&mut self, node: NodeId, generation: u64) {
        let now = self.now;
        let Some(slot) = self.nodes.get_mut(node.0) else {
            return;
        };
        if slot.timer_gen != generation || slot.crashed.is_some() {
            return;
        }
        slot.timer = None;
        slot.node.clock(now);
        slot.node.handle_timeout(now);
        self.after_input(node, true);
    }

    /// Drains a node's outputs after an input and re-arms its timer.
    fn after_input(&mut self, node: NodeId, was_timeout: bool) {
        let now = self.now;
        while let Some(t) = self
            .nodes
            .get_mut(node.0)
            .and_then(|s| s.node.poll_transmit())
        {
            self.transmit(node, t);
        }
        while let Some(id) = self
            .nodes
            .get_mut(node.0)
            .and_then(|s| s.node.poll_delivered())
        {
            self.delivered(node, id);
        }
        let Some(slot) = self.nodes.get_mut(node.0) else {
            return;
        };
        let changes = slot.node.changes();
        if changes != slot.changes_seen {
            slot.changes_seen = changes;
            self.last_change = now;
        }
        let mut spin = false;
        let mut next = slot.node.poll_timeout();
        if was_timeout {
            match next {
                Some(at) if at <= now => {
                    slot.spins = slot.spins.saturating_add(1);
                    if slot.spins > 1000 {
                        // A node that keeps asking for "now" would stop virtual time.
                        spin = slot.spins == 1001;
                        next = Some(now + Duration::from_nanos(1));
                    }
                }
                _ => slot.spins = 0,
            }
        }
        let generation = if next == slot.timer {
            None
        } else {
            slot.timer = next;
            slot.timer_gen = slot.timer_gen.wrapping_add(1);
            next.map(|at| (at.max(now), slot.timer_gen))
        };
        if let Some((at, generation)) = generation {
            self.push(at, Ev::Timer { node, generation });
        }
        if spin {
            self.violate(ViolationKind::TimerSpin { node });
        }
    }

    /// A new family; its crossings count against `budget`'s (its own when `None`).
    fn new_root(&mut self, origin: StreamRef, budget: Option<u64>) -> u64 {
        let r = self.next_root;
        self.next_root = self.next_root.wrapping_add(1);
        self.stats.tracked_frames = self.stats.tracked_frames.saturating_add(1);
        self.roots.insert(
            r,
            Root {
                origin,
                budget: budget.unwrap_or(r),
                live: 0,
                crossings: 0,
                delivered: Vec::new(),
                looped: false,
                over_budget: false,
            },
        );
        r
    }

    fn new_copy(&mut self, root: u64, path: Vec<Crossing>) -> FrameId {
        let id = FrameId(self.next_frame);
        self.next_frame = self.next_frame.wrapping_add(1);
        let mut budget = None;
        if let Some(r) = self.roots.get_mut(&root) {
            r.live = r.live.saturating_add(1);
            budget = Some(r.budget).filter(|b| *b != root);
        }
        if let Some(b) = budget.and_then(|b| self.roots.get_mut(&b)) {
            b.live = b.live.saturating_add(1);
        }
        self.copies.insert(id, CopyRec { root, path });
        id
    }

    /// A copy of `root`'s family is gone: its family and the family's budget root lose it.
    fn copy_gone(&mut self, root: u64) {
        let mut budget = None;
        if let Some(r) = self.roots.get_mut(&root) {
            r.live = r.live.saturating_sub(1);
            budget = Some(r.budget).filter(|b| *b != root);
        }
        if let Some(b) = budget {
            if let Some(r) = self.roots.get_mut(&b) {
                r.live = r.live.saturating_sub(1);
            }
            self.drop_root_if_done(b);
        }
        self.drop_root_if_done(root);
    }

    fn drop_root_if_done(&mut self, root: u64) {
        if self.roots.get(&root).is_some_and(|r| r.live == 0) {
            self.roots.remove(&root);
        }
    }

    fn record(
        &mut self,
        link: LinkId,
        dir: Dir,
        fate: Fate,
        corrupted: bool,
        duplicate: bool,
        frame: &[u8],
    ) -> Option<usize> {
        let at = self.now;
        let cap = self.capture.as_mut()?;
        cap.push(CaptureRecord {
            at,
            link,
            dir,
            fate,
            corrupted,
            duplicate,
            frame: frame.to_vec(),
        });
        Some(cap.len() - 1)
    }

    fn set_fate(&mut self, index: Option<usize>, fate: Fate) {
        if let (Some(cap), Some(i)) = (self.capture.as_mut(), index)
            && let Some(r) = cap.get_mut(i)
        {
            r.fate = fate;
        }
    }

    /// The hops of the cycle `cycle` followed by `closing` (the crossing that repeats
    /// `cycle[0]`, now): each node with the port the frame came in on, the port it left by and
    /// when; `None` if the path does not chain (it always does).
    fn cycle_hops(
        &self,
        cycle: &[Crossing],
        closing: (LinkId, Dir),
    ) -> Option<Vec<(NodeId, PortNo, PortNo, Instant)>> {
        let closing = (closing.0, closing.1, self.now);
        let next = cycle.iter().skip(1).chain(core::iter::once(&closing));
        let mut hops = Vec::with_capacity(cycle.len());
        for (&(l_in, d_in, _), &(l_out, d_out, sent)) in cycle.iter().zip(next) {
            let [a0, a1] = self.links.get(l_in.0)?.ends;
            let [b0, b1] = self.links.get(l_out.0)?.ends;
            // The receiving end of the first crossing and the sending end of the second.
            let (node, ingress) = match d_in {
                Dir::AtoB => a1,
                Dir::BtoA => a0,
            };
            let (sender, egress) = match d_out {
                Dir::AtoB => b0,
                Dir::BtoA => b1,
            };
            if node != sender {
                return None;
            }
            hops.push((node, ingress, egress, sent));
        }
        Some(hops)
    }

    /// Whether the cycle `cycle` followed by `closing` (the crossing that repeats `cycle[0]`,
    /// now) was a loop: whether at some instant since the frame entered it every link of it
    /// was up and every node on it alive and relaying from the port the frame came in on to
    /// the port it went out of ([`Node::relays`]; what a node cannot tell counts as yes). The
    /// instants tried are the frame's own crossings and every change of a hop, a node or a
    /// link since the first.
    fn cycle_relays(&self, cycle: &[Crossing], closing: (LinkId, Dir), frame: &[u8]) -> bool {
        let now = self.now;
        let (Some(&(_, _, from)), Some(hops)) = (cycle.first(), self.cycle_hops(cycle, closing))
        else {
            return true;
        };
        let mut times = Vec::new();
        for (&(node, _, _, sent), &(l, _, _)) in hops.iter().zip(cycle) {
            times.push(sent);
            if let Some(slot) = self.nodes.get(node.0) {
                slot.node.relay_changes(from, &mut times);
                slot.down_history.since(from, &mut times);
            }
            if let Some(link) = self.links.get(l.0) {
                link.up_history.since(from, &mut times);
            }
        }
        times.retain(|t| *t >= from && *t <= now);
        times.sort_unstable();
        times.dedup();
        times.iter().any(|&t| {
            cycle.iter().all(|&(l, _, _)| {
                self.links
                    .get(l.0)
                    .is_none_or(|k| k.up_history.at(k.oper_up, t) != Some(false))
            }) && hops.iter().all(|&(node, ingress, egress, _)| {
                self.nodes.get(node.0).is_none_or(|slot| {
                    slot.down_history.at(slot.crashed.is_some(), t) != Some(true)
                        && slot.node.relays(frame, ingress, egress, t) != Some(false)
                })
            })
        })
    }

    fn transmit(&mut self, node: NodeId, t: Transmit) {
        let now = self.now;
        let Some(&(link, dir)) = self.nodes.get(node.0).and_then(|s| s.ports.get(&t.port)) else {
            self.stats.unconnected_tx = self.stats.unconnected_tx.saturating_add(1);
            return;
        };
        let parent = match t.track {
            Track::None => None,
            Track::New { stream } => {
                let origin = StreamRef { node, stream };
                let s = self.streams.entry(origin).or_insert(StreamTrack {
                    last_sent: now,
                    last_delivered: None,
                    undelivered: 0,
                    reported: false,
                });
                s.last_sent = now;
                s.undelivered = s.undelivered.saturating_add(1);
                Some((self.new_root(origin, None), Vec::new()))
            }
            Track::Copy(id) => self.copies.get(&id).map(|c| (c.root, c.path.clone())),
        };
        let root = parent.as_ref().map(|(r, _)| *r);
        self.send_copy(link, dir, t.frame, parent, false);
        if let Some(r) = root {
            self.drop_root_if_done(r);
        }
    }

    /// Puts one copy of a frame on a link direction (the link's faults decide its fate).
    /// `parent` is the traffic frame's family and the path its parent copy took.
    fn send_copy(
        &mut self,
        link: LinkId,
        dir: Dir,
        mut frame: Vec<u8>,
        parent: Option<(u64, Vec<Crossing>)>,
        duplicate: bool,
    ) {
        let outcome = self.draw(link, dir, &mut frame, duplicate);
        let (arrival, corrupted, dup, epoch) = match outcome {
            Outcome::Gone(fate) => {
                self.record(link, dir, fate, false, duplicate, &frame);
                return;
            }
            Outcome::Arrives {
                arrival,
                corrupted,
                dup,
                epoch,
            } => (arrival, corrupted, dup, epoch),
        };
        if !self.frame_fits() {
            self.record(link, dir, Fate::QueueFull, corrupted, duplicate, &frame);
            return;
        }
        // Traffic frames: loop detection on the copy's own path, and the hop budget.
        let mut id = None;
        let mut dup_of = None;
        if let Some((root, mut path)) = parent {
            let budget = self.invariants.hop_budget;
            let check_loops = self.invariants.forwarding_loop;
            let mut reports = Vec::new();
            let mut over = false;
            let mut budget_root = root;
            let closed = if check_loops {
                path.iter().position(|&(l, d, _)| (l, d) == (link, dir))
            } else {
                None
            };
            let live_cycle = closed.map(|i| {
                let cycle = path.get(i..).unwrap_or_default();
                self.cycle_relays(cycle, (link, dir), &frame)
            });
            if live_cycle == Some(false) {
                self.stats.stale_cycles = self.stats.stale_cycles.saturating_add(1);
            }
            let cycle: Vec<(NodeId, PortNo, PortNo)> = match (live_cycle, closed) {
                (Some(true), Some(i)) => self
                    .cycle_hops(path.get(i..).unwrap_or_default(), (link, dir))
                    .unwrap_or_default()
                    .into_iter()
                    .map(|(n, i, e, _)| (n, i, e))
                    .collect(),
                _ => Vec::new(),
            };
            if let Some(r) = self.roots.get_mut(&root) {
                if live_cycle == Some(true) && !r.looped {
                    r.looped = true;
                    reports.push(ViolationKind::ForwardingLoop {
                        link,
                        dir,
                        cycle,
                        frame: FrameId(root),
                        origin: r.origin,
                    });
                }
                budget_root = r.budget;
            }
            if let Some(r) = self.roots.get_mut(&budget_root) {
                if r.crossings >= budget {
                    over = true;
                    if !r.over_budget {
                        r.over_budget = true;
                        reports.push(ViolationKind::HopBudgetExceeded {
                            frame: FrameId(root),
                            origin: r.origin,
                        });
                    }
                } else {
                    r.crossings = r.crossings.saturating_add(1);
                }
            }
            for v in reports {
                self.violate(v);
            }
            if over {
                if let Some(c) = self
                    .links
                    .get_mut(link.0)
                    .and_then(|l| l.counters.get_mut(dir.index()))
                {
                    c.hop_budget = c.hop_budget.saturating_add(1);
                }
                self.record(link, dir, Fate::HopBudget, corrupted, duplicate, &frame);
                return;
            }
            path.push((link, dir, self.now));
            if dup {
                dup_of = self
                    .roots
                    .get(&root)
                    .map(|r| (r.origin, r.budget, path.clone()));
            }
            id = Some(self.new_copy(root, path));
        }
        let capture = self.record(link, dir, Fate::InFlight, corrupted, duplicate, &frame);
        let copy = (dup && self.frame_fits()).then(|| frame.clone());
        self.push(
            arrival,
            Ev::Arrive(Arrival {
                link,
                dir,
                epoch,
                frame,
                id,
                capture,
            }),
        );
        if let Some(copy) = copy {
            // The duplicate is a frame of its own family (same origin, same path), so the
            // simulator's duplication is never blamed on the nodes.
            // Its crossings still count against the original's hop budget.
            let dup_id = dup_of.map(|(origin, budget, path)| {
                let r = self.new_root(origin, Some(budget));
                self.new_copy(r, path)
            });
            let capture = self.record(link, dir, Fate::InFlight, false, true, &copy);
            self.push(
                arrival,
                Ev::Arrive(Arrival {
                    link,
                    dir,
                    epoch,
                    frame: copy,
                    id: dup_id,
                    capture,
                }),
            );
        }
    }

    /// The link's random choices for one frame, always drawn in this order: loss, corruption,
    /// jitter, reordering, duplication.
    fn draw(&mut self, link: LinkId, dir: Dir, frame: &mut [u8], duplicate: bool) -> Outcome {
        let now = self.now;
        let d = dir.index();
        let Some(l) = self.links.get_mut(link.0) else {
            return Outcome::Gone(Fate::LinkDown);
        };
        let (Some(c), Some(p), Some(rng), Some(free), Some(last)) = (
            l.counters.get_mut(d),
            l.params.get(d).copied(),
            l.rng.get_mut(d),
            l.line_free.get_mut(d),
            l.last_arrival.get_mut(d),
        ) else {
            return Outcome::Gone(Fate::LinkDown);
        };
        if !l.oper_up {
            c.link_down = c.link_down.saturating_add(1);
            return Outcome::Gone(Fate::LinkDown);
        }
        let len = u64::try_from(frame.len()).unwrap_or(u64::MAX);
        c.frames = c.frames.saturating_add(1);
        c.bytes = c.bytes.saturating_add(len);
        if rng.chance(p.loss) {
            c.lost = c.lost.saturating_add(1);
            return Outcome::Gone(Fate::Lost);
        }
        let mut corrupted = false;
        if !frame.is_empty() && rng.chance(p.corrupt) {
            let bit = rng.below(len.saturating_mul(8));
            let at = usize::try_from(bit / 8).unwrap_or(0);
            if let Some(b) = frame.get_mut(at) {
                *b ^= 1 << (bit % 8);
            }
            corrupted = true;
            c.corrupted = c.corrupted.saturating_add(1);
        }
        let ser = if p.bandwidth_bps == 0 {
            Duration::ZERO
        } else {
            let nanos = u128::from(len) * 8 * 1_000_000_000 / u128::from(p.bandwidth_bps);
            Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX))
        };
        // Serialization: the frame waits for the line, then occupies it.
        let start = (*free).max(now);
        *free = start + ser;
        let jitter_ns = u64::try_from(p.jitter.as_nanos()).unwrap_or(u64::MAX);
        let jitter = if jitter_ns == 0 {
            Duration::ZERO
        } else {
            Duration::from_nanos(rng.below(jitter_ns.saturating_add(1)))
        };
        let mut arrival = start + ser + p.delay + jitter;
        if rng.chance(p.reorder) {
            arrival += p.reorder_delay;
            c.reordered = c.reordered.saturating_add(1);
        } else {
            arrival = arrival.max(*last);
            *last = arrival;
        }
        let dup = !duplicate && rng.chance(p.duplicate);
        if dup {
            c.duplicated = c.duplicated.saturating_add(1);
        }
        Outcome::Arrives {
            arrival,
            corrupted,
            dup,
            epoch: l.epoch,
        }
    }

    fn arrive(&mut self, mut a: Arrival) {
        let d = a.dir.index();
        let Some(l) = self.links.get_mut(a.link.0) else {
            return;
        };
        let (node, port) = match a.dir {
            Dir::AtoB => l.ends[1],
            Dir::BtoA => l.ends[0],
        };
        let live = l.oper_up && l.epoch == a.epoch;
        let crashed = self.nodes.get(node.0).is_none_or(|s| s.crashed.is_some());
        let fate = if !live {
            Fate::LinkDown
        } else if crashed {
            Fate::NodeDown
        } else {
            Fate::Delivered
        };
        if let Some(c) = l.counters.get_mut(d) {
            match fate {
                Fate::LinkDown => c.link_down = c.link_down.saturating_add(1),
                Fate::NodeDown => c.node_down = c.node_down.saturating_add(1),
                _ => c.delivered = c.delivered.saturating_add(1),
            }
        }
        self.set_fate(a.capture, fate);
        if fate == Fate::Delivered {
            let now = self.now;
            if let Some(slot) = self.nodes.get_mut(node.0) {
                slot.node.clock(now);
                slot.node.handle_frame(now, port, &a.frame, a.id);
            }
            if a.id.is_some() {
                self.arriving = core::mem::take(&mut a.frame);
            }
            self.after_input(node, false);
            self.arriving.clear();
        }
        // The copy is consumed: forwarded copies (if any) are its children now.
        if let Some(c) = a.id.and_then(|fid| self.copies.remove(&fid)) {
            self.copy_gone(c.root);
        }
    }

    fn delivered(&mut self, node: NodeId, id: FrameId) {
        let now = self.now;
        let check = self.invariants.duplicate_delivery;
        // The copy is consumed (a host forwards nothing; its transmits were drained before
        // its deliveries), so its path moves to the family's deliveries.
        let Some((root, path)) = self
            .copies
            .get_mut(&id)
            .map(|c| (c.root, core::mem::take(&mut c.path)))
        else {
            return;
        };
        let Some(r) = self.roots.get(&root) else {
            return;
        };
        let origin = r.origin;
        // A second delivery is a duplicate if its path and an earlier one's to this host were
        // open together at some instant (`paths_apart`).
        let mut twice = false;
        let mut apart = false;
        if check {
            for (_, earlier) in r.delivered.iter().filter(|(n, _)| *n == node) {
                if self.paths_apart(earlier, &path) {
                    apart = true;
                } else {
                    twice = true;
                    break;
                }
            }
        }
        if apart && !twice {
            self.stats.stale_duplicates = self.stats.stale_duplicates.saturating_add(1);
        }
        if let Some(r) = self.roots.get_mut(&root) {
            r.delivered.push((node, path));
        }
        if let Some(s) = self.streams.get_mut(&origin) {
            s.last_delivered = Some(now);
            s.undelivered = 0;
            s.reported = false;
        }
        if twice {
            self.violate(ViolationKind::DuplicateDelivery {
                node,
                frame: FrameId(root),
                origin,
            });
        }
    }

    /// The hops of `path` from crossing `from` on: each node that relayed the frame, with
    /// the port it came in on, the port it left by and when it left (the sending instant of
    /// the next crossing). The last crossing's receiver (the host) is no hop.
    fn path_hops(&self, path: &[Crossing], from: usize) -> Vec<(NodeId, PortNo, PortNo, Instant)> {
        let mut hops = Vec::new();
        let tail = path.get(from..).unwrap_or_default();
        for (&(l_in, d_in, _), &(l_out, d_out, sent)) in tail.iter().zip(tail.iter().skip(1)) {
            let (Some(a), Some(b)) = (self.links.get(l_in.0), self.links.get(l_out.0)) else {
                continue;
            };
            let [a0, a1] = a.ends;
            let [b0, b1] = b.ends;
            let (node, ingress) = if d_in == Dir::AtoB { a1 } else { a0 };
            let (sender, egress) = if d_out == Dir::AtoB { b0 } else { b1 };
            if node == sender {
                hops.push((node, ingress, egress, sent));
            }
        }
        hops
    }

    /// Whether two copies of one frame delivered to one host (paths `a`, then `b`, now) went
    /// by paths that were never open together: at every instant since the paths split (each
    /// crossing of either, each change of a hop's relaying state), some hop of one of them
    /// was closed by a spanning-tree port state ([`Node::stp_forwarding`] of its in-port or
    /// out-port answers `Some(false)`). Every other change — a link or node going down, an
    /// MLAG hand-over (member flags, split horizon, redirects), the peer-port — counts as
    /// open: only RSTP moving the active topology under frames in flight may separate two
    /// paths (802.1D-2004 §17.13.4: the rapid transitions can duplicate frames in transit).
    fn paths_apart(&self, a: &[Crossing], b: &[Crossing]) -> bool {
        let now = self.now;
        let split = a.iter().zip(b).take_while(|(x, y)| x == y).count();
        // The node that split them relayed both copies: its hop belongs to both paths.
        let start = split.saturating_sub(1);
        let (ha, hb) = (self.path_hops(a, start), self.path_hops(b, start));
        let from = [a.get(split), b.get(split)]
            .into_iter()
            .flatten()
            .map(|c| c.2)
            .min()
            .unwrap_or(now);
        if ha.is_empty() || hb.is_empty() {
            return false;
        }
        let mut times = Vec::new();
        times.push(from);
        for &(node, _, _, sent) in ha.iter().chain(&hb) {
            times.push(sent);
            if let Some(slot) = self.nodes.get(node.0) {
                slot.node.relay_changes(from, &mut times);
            }
        }
        times.retain(|t| *t >= from && *t <= now);
        times.sort_unstable();
        times.dedup();
        let frame = self.arriving.as_slice();
        let open = |hops: &[(NodeId, PortNo, PortNo, Instant)], t: Instant| {
            hops.iter().all(|&(node, ingress, egress, _)| {
                self.nodes.get(node.0).is_none_or(|slot| {
                    slot.node.stp_forwarding(frame, ingress, t) != Some(false)
                        && slot.node.stp_forwarding(frame, egress, t) != Some(false)
                })
            })
        };
        !times.iter().any(|&t| open(&ha, t) && open(&hb, t))
    }

    fn violate(&mut self, kind: ViolationKind) {
        if self.violations.len() >= VIOLATIONS_MAX {
            self.stats.violations_dropped = self.stats.violations_dropped.saturating_add(1);
            return;
        }
        self.violations.push(Violation { at: self.now, kind });
    }

    /// The checks that run after every step.
    fn check(&mut self) {
        let now = self.now;
        if let Some((bound, from)) = self.invariants.black_hole
            && self.last_check != Some(now)
            && now >= from
        {
            let mut found = Vec::new();
            for (k, s) in &mut self.streams {
                let since = s.last_delivered.unwrap_or(from).max(from);
                // Two frames at least: one lost last frame of a stream that stopped is loss,
                // not a black hole.
                if !s.reported && s.undelivered >= 2 && s.last_sent > since && now > since + bound {
                    s.reported = true;
                    found.push(ViolationKind::BlackHole { stream: *k, since });
                }
            }
            for v in found {
                self.violate(v);
            }
        }
        self.last_check = Some(now);
        if !self.checks.is_empty() {
            let mut checks = core::mem::take(&mut self.checks);
            for (name, check, failing) in &mut checks {
                match check(self) {
                    Ok(()) => *failing = false,
                    Err(detail) => {
                        if !*failing {
                            *failing = true;
                            self.violate(ViolationKind::Custom {
                                check: name.clone(),
                                detail,
                            });
                        }
                    }
                }
            }
            // Checks added by a check (unusual) are kept after the existing ones.
            checks.append(&mut self.checks);
            self.checks = checks;
        }
    }
}
