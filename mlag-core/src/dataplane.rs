//! The [`Dataplane`] trait: the one interface a host implements so the coordinator can drive
//! its forwarding hardware (or the Linux bridge, or a simulator), and [`RecordingDataplane`],
//! an implementation that records every call and keeps the resulting state for tests.
//!
//! # Contract
//! * **Commands only.** Every method is a command; none returns anything and the trait reads
//!   nothing back. The coordinator tracks all the state it needs itself (port states, member
//!   flags, FDB entries it programmed, next hops), so a host can implement each method as one
//!   write to its hardware or driver. What only the hardware knows (a received frame, a link
//!   change, a source MAC learned by the ASIC) reaches the coordinator as an *input*
//!   (`handle_frame`, `handle_link`, `handle_learn`), never through this trait.
//! * **Idempotent.** Setting a state a port already has is harmless; the coordinator may
//!   repeat a command after a restart or a resynchronisation.
//! * **Topology is the host's.** Which ethernet ports are slaves of which bond, which bond
//!   has which mlag-id, which port is the peer-port and which VLANs map to which spanning tree
//!   are all in the configuration the host applied ([`crate::config::ValidConfig`]); the
//!   trait does not rebuild it.
//! * **Object-safe.** The coordinator can hold a `Box<dyn Dataplane>` or a `&mut dyn
//!   Dataplane`, and a simulator can swap implementations at run time.
//!
//! # The logical MLAG port and O(1) failover
//! FDB entries for hosts behind an MLAG bond never point at member ports or at the local bond:
//! they point at [`Location::Mlag`]`(mlag-id)`, a **logical port** whose next hop is either the
//! local bond ([`NextHop::Local`], hashed over the members that distribute) or the peer-port
//! ([`NextHop::PeerPort`]). When the local half fails the coordinator re-points the logical
//! port with one [`Dataplane::set_mlag_next_hop`] call: no FDB entry is rewritten, so
//! failover costs the same with 10 MACs or 10 million (rewriting every MAC is the race that
//! crashed SONiC's MLAG under churn, and why the Linux bridge grew `backup_port`: a bridge port
//! that takes over a port's traffic while its carrier is down). A hardware without
//! indirection implements `set_mlag_next_hop` by swapping an ECMP/LAG group or a bridge
//! port's backup port.
//!
//! # Split horizon
//! A frame the peer received from an MLAG client, flooded or sent over the peer-port, must not
//! go back out of the local twin of the client's bond while the peer's half is up: the client
//! already has its copy (or sent the frame itself). [`Dataplane::set_peer_forwarding`] allows
//! or blocks forwarding *from the peer-port to one MLAG bond*; the coordinator blocks it while
//! the peer's half of that mlag-id is up and allows it while only the local half is, so the
//! client still gets frames from the peer's side. A host starts with it blocked.

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::vec::Vec;
pub use fdb::{Location, MlagId};
use l2_types::{MacAddr, PortNo, VlanId};
pub use stp::{CIST, PortState, TreeId};

/// Where the logical port of an MLAG bond sends its frames.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum NextHop {
    /// The local bond of the mlag-id: hashed over its members that distribute (none: drop).
    #[default]
    Local,
    /// The peer-port: the peer delivers on its half of the LAG.
    PeerPort,
}

/// Which FDB entries a flush removes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FdbFlush {
    /// Every entry the coordinator added and every entry the hardware learned.
    All,
    /// The entries on one location (a port, an MLAG logical port, the peer-port).
    Location(Location),
    /// The entries of one VLAN.
    Vlan(VlanId),
    /// The entries of the VLANs of one spanning tree (802.1Q-2022 §13.27.18 `fdbFlush`, per
    /// tree; the host maps VLANs to trees from the MSTI configuration, all to [`CIST`] when
    /// there is none).
    Tree(TreeId),
    /// The entries on one location in the VLANs of one tree (what an STP topology change on
    /// that port asks for).
    LocationInTree(Location, TreeId),
}

/// The one trait a host implements. See the [module docs](self) for the contract.
pub trait Dataplane {
    /// Send `frame` (a whole Ethernet frame, FCS excluded) on `port`, bypassing the bridge:
    /// no learning, no VLAN processing, no LAG hashing (LACPDUs go on the given member),
    /// whatever the port's STP state.
    fn transmit(&mut self, port: PortNo, frame: &[u8]);

    /// Set `port`'s forwarding state on spanning tree `tree` (0 = the CIST). For an MLAG bond
    /// `port` is the local bond; for a plain port, the port.
    fn set_port_state(&mut self, port: PortNo, tree: TreeId, state: PortState);

    /// Enable or disable collecting (accepting frames from) and distributing (sending frames
    /// to) an LAG member port (802.1AX-2014 §6.4.15 Mux machine: `Enable_Collecting`,
    /// `Enable_Distributing` and their reverses).
    fn set_member(&mut self, member: PortNo, collecting: bool, distributing: bool);

    /// Add or replace the FDB entry for (`vid`, `mac`), pointing at `location`.
    fn fdb_add(&mut self, vid: VlanId, mac: MacAddr, location: Location);

    /// Remove the FDB entry for (`vid`, `mac`), if any.
    fn fdb_remove(&mut self, vid: VlanId, mac: MacAddr);

    /// Remove the entries `flush` selects.
    fn fdb_flush(&mut self, flush: FdbFlush);

    /// Point the logical port of `mlag` at `next_hop` (one write, whatever the number of FDB
    /// entries on it).
    fn set_mlag_next_hop(&mut self, mlag: MlagId, next_hop: NextHop);

    /// Allow (`true`) or block (`false`) forwarding of frames received on the peer-port out of
    /// the local bond of `mlag` (split horizon).
    fn set_peer_forwarding(&mut self, mlag: MlagId, allow: bool);
}

impl<D: Dataplane + ?Sized> Dataplane for &mut D {
    fn transmit(&mut self, port: PortNo, frame: &[u8]) {
        (**self).transmit(port, frame);
    }
    fn set_port_state(&mut self, port: PortNo, tree: TreeId, state: PortState) {
        (**self).set_port_state(port, tree, state);
    }
    fn set_member(&mut self, member: PortNo, collecting: bool, distributing: bool) {
        (**self).set_member(member, collecting, distributing);
    }
    fn fdb_add(&mut self, vid: VlanId, mac: MacAddr, location: Location) {
        (**self).fdb_add(vid, mac, location);
    }
    fn fdb_remove(&mut self, vid: VlanId, mac: MacAddr) {
        (**self).fdb_remove(vid, mac);
    }
    fn fdb_flush(&mut self, flush: FdbFlush) {
        (**self).fdb_flush(flush);
    }
    fn set_mlag_next_hop(&mut self, mlag: MlagId, next_hop: NextHop) {
        (**self).set_mlag_next_hop(mlag, next_hop);
    }
    fn set_peer_forwarding(&mut self, mlag: MlagId, allow: bool) {
        (**self).set_peer_forwarding(mlag, allow);
    }
}

/// One recorded [`Dataplane`] call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Call {
    /// [`Dataplane::transmit`].
    Transmit {
        /// Port.
        port: PortNo,
        /// The frame.
        frame: Vec<u8>,
    },
    /// [`Dataplane::set_port_state`].
    PortState {
        /// Port.
        port: PortNo,
        /// Tree.
        tree: TreeId,
        /// State.
        state: PortState,
    },
    /// [`Dataplane::set_member`].
    Member {
        /// Member port.
        member: PortNo,
        /// Collecting.
        collecting: bool,
        /// Distributing.
        distributing: bool,
    },
    /// [`Dataplane::fdb_add`].
    FdbAdd {
        /// VLAN.
        vid: VlanId,
        /// MAC.
        mac: MacAddr,
        /// Location.
        location: Location,
    },
    /// [`Dataplane::fdb_remove`].
    FdbRemove {
        /// VLAN.
        vid: VlanId,
        /// MAC.
        mac: MacAddr,
    },
    /// [`Dataplane::fdb_flush`].
    FdbFlush(FdbFlush),
    /// [`Dataplane::set_mlag_next_hop`].
    NextHop {
        /// The MLAG.
        mlag: MlagId,
        /// Its next hop.
        next_hop: NextHop,
    },
    /// [`Dataplane::set_peer_forwarding`].
    PeerForwarding {
        /// The MLAG.
        mlag: MlagId,
        /// Allowed.
        allow: bool,
    },
}

/// Where a frame to a known MAC actually leaves, once logical ports are resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Egress {
    /// A plain port (or a non-MLAG bond).
    Port(PortNo),
    /// The local bond of an MLAG.
    LocalBond(MlagId),
    /// The peer-port.
    PeerPort,
    /// The bridge itself.
    Cpu,
}

/// A [`Dataplane`] that records every call in order and keeps the state the calls produce.
///
/// Defaults, as a host starts: every port Discarding on every tree, every member neither
/// collecting nor distributing, an empty FDB, every MLAG next hop [`NextHop::Local`] and peer
/// forwarding blocked. VLANs map to the CIST unless [`map_vlan`](Self::map_vlan) says
/// otherwise (the host's MSTI configuration).
#[derive(Debug, Clone, Default)]
pub struct RecordingDataplane {
    calls: Vec<Call>,
    port_states: BTreeMap<(PortNo, TreeId), PortState>,
    members: BTreeMap<PortNo, (bool, bool)>,
    fdb: BTreeMap<(VlanId, MacAddr), Location>,
    next_hops: BTreeMap<MlagId, NextHop>,
    peer_forwarding: BTreeSet<MlagId>,
    vlan_tree: BTreeMap<VlanId, TreeId>,
}

impl RecordingDataplane {
    /// An empty dataplane.
    pub fn new() -> Self {
        Self::default()
    }

    /// Host configuration, not a trait call: `vid` belongs to spanning tree `tree`.
    pub fn map_vlan(&mut self, vid: VlanId, tree: TreeId) {
        self.vlan_tree.insert(vid, tree);
    }

    /// The tree of `vid` ([`CIST`] unless mapped).
    pub fn tree_of(&self, vid: VlanId) -> TreeId {
        self.vlan_tree.get(&vid).copied().unwrap_or(CIST)
    }

    /// Every call so far, in order.
    pub fn calls(&self) -> &[Call] {
        &self.calls
    }

    /// Takes the calls recorded so far (the state stays).
    pub fn take_calls(&mut self) -> Vec<Call> {
        core::mem::take(&mut self.calls)
    }

    /// The frames transmitted on `port`, in order.
    pub fn transmitted(&self, port: PortNo) -> impl Iterator<Item = &[u8]> + '_ {
        self.calls.iter().filter_map(move |c| match c {
            Call::Transmit { port: p, frame } if *p == port => Some(frame.as_slice()),
            _ => None,
        })
    }

    /// `port`'s state on `tree`.
    pub fn port_state(&self, port: PortNo, tree: TreeId) -> PortState {
        self.port_states
            .get(&(port, tree))
            .copied()
            .unwrap_or(PortState::Discarding)
    }

    /// (collecting, distributing) of `member`.
    pub fn member(&self, member: PortNo) -> (bool, bool) {
        self.members.get(&member).copied().unwrap_or((false, false))
    }

    /// The members that distribute, in port order.
    pub fn distributing(&self) -> impl Iterator<Item = PortNo> + '_ {
        self.members
            .iter()
            .filter(|(_, (_, d))| *d)
            .map(|(p, _)| *p)
    }

    /// The FDB entry for (`vid`, `mac`).
    pub fn fdb_get(&self, vid: VlanId, mac: MacAddr) -> Option<Location> {
        self.fdb.get(&(vid, mac)).copied()
    }

    /// Number of FDB entries.
    pub fn fdb_len(&self) -> usize {
        self.fdb.len()
    }

    /// The FDB entries on `location`.
    pub fn fdb_on(&self, location: Location) -> impl Iterator<Item = (VlanId, MacAddr)> + '_ {
        self.fdb
            .iter()
            .filter(move |(_, l)| **l == location)
            .map(|(k, _)| *k)
    }

    /// The next hop of `mlag`'s logical port.
    pub fn next_hop(&self, mlag: MlagId) -> NextHop {
        self.next_hops.get(&mlag).copied().unwrap_or_default()
    }

    /// Whether frames from the peer-port may leave through `mlag`'s local bond.
    pub fn peer_forwarding(&self, mlag: MlagId) -> bool {
        self.peer_forwarding.contains(&mlag)
    }

    /// Where a frame to (`vid`, `mac`) leaves: the FDB entry with the logical port resolved
    /// through its next hop. `None` for an unknown MAC (flooded).
    pub fn resolve(&self, vid: VlanId, mac: MacAddr) -> Option<Egress> {
        Some(match self.fdb_get(vid, mac)? {
            Location::Port(p) => Egress::Port(p),
            Location::Mlag(id) => match self.next_hop(id) {
                NextHop::Local => Egress::LocalBond(id),
                NextHop::PeerPort => Egress::PeerPort,
            },
            Location::PeerPort => Egress::PeerPort,
            Location::Cpu => Egress::Cpu,
        })
    }

    fn flush(&mut self, flush: FdbFlush) {
        let vlan_tree = &self.vlan_tree;
        let tree_of = |vid: &VlanId| vlan_tree.get(vid).copied().unwrap_or(CIST);
        self.fdb.retain(|(vid, _), loc| match flush {
            FdbFlush::All => false,
            FdbFlush::Location(l) => *loc != l,
            FdbFlush::Vlan(v) => *vid != v,
            FdbFlush::Tree(t) => tree_of(vid) != t,
            FdbFlush::LocationInTree(l, t) => !(*loc == l && tree_of(vid) == t),
        });
    }
}

impl Dataplane for RecordingDataplane {
    fn transmit(&mut self, port: PortNo, frame: &[u8]) {
        self.calls.push(Call::Transmit {
            port,
            frame: frame.to_vec(),
        });
    }

    fn set_port_state(&mut self, port: PortNo, tree: TreeId, state: PortState) {
        self.calls.push(Call::PortState { port, tree, state });
        self.port_states.insert((port, tree), state);
    }

    fn set_member(&mut self, member: PortNo, collecting: bool, distributing: bool) {
        self.calls.push(Call::Member {
            member,
            collecting,
            distributing,
        });
        self.members.insert(member, (collecting, distributing));
    }

    fn fdb_add(&mut self, vid: VlanId, mac: MacAddr, location: Location) {
        self.calls.push(Call::FdbAdd { vid, mac, location });
        self.fdb.insert((vid, mac), location);
    }

    fn fdb_remove(&mut self, vid: VlanId, mac: MacAddr) {
        self.calls.push(Call::FdbRemove { vid, mac });
        self.fdb.remove(&(vid, mac));
    }

    fn fdb_flush(&mut self, flush: FdbFlush) {
        self.calls.push(Call::FdbFlush(flush));
        self.flush(flush);
    }

    fn set_mlag_next_hop(&mut self, mlag: MlagId, next_hop: NextHop) {
        self.calls.push(Call::NextHop { mlag, next_hop });
        self.next_hops.insert(mlag, next_hop);
    }

    fn set_peer_forwarding(&mut self, mlag: MlagId, allow: bool) {
        self.calls.push(Call::PeerForwarding { mlag, allow });
        if allow {
            self.peer_forwarding.insert(mlag);
        } else {
            self.peer_forwarding.remove(&mlag);
        }
    }
}
