//! [`LinuxBridge`]: the [`Dataplane`] of the Linux kernel bridge, through rtnetlink.
//!
//! # What each call does here, and on a full kernel
//! | call | this kernel (bridge, veth; no bonding, no 802.1Q, no netfilter) | a full kernel |
//! |---|---|---|
//! | `transmit` | `send` on the port's AF_PACKET socket (bypasses the bridge) | the same |
//! | `set_port_state` | `IFLA_BRPORT_STATE` (forwarding / learning / listening — see `DISCARDING` for why not blocking) of the port, or of every member of an emulated bond; the kernel bridge runs with `stp_state 0` (its user-space STP mode exists only in the initial network namespace) and still rewrites a port's state on carrier changes, so the daemon re-applies its state after each (`LinuxBridge::link_changed`). Only the CIST: without VLAN filtering there is one tree | per-VLAN states through the bridge's MST support (`IFLA_BRPORT_MST`, `BRIDGE_VLANDB_ENTRY_STATE`) |
//! | `set_member` | no bonding module: **each member of an MLAG bond is a bridge port of its own**, and a member that is not collecting and distributing is discarding (`IFLA_BRPORT_STATE`); the effective state is the bond's STP state AND the member's LACP state | the member is a slave of a `bond` device in 802.3ad mode driven from user space, or of a `team` device with the `lacp` runner off and per-port `enabled` toggled; the bond is the bridge port |
//! | `fdb_add` / `fdb_remove` | an externally learned entry (`RTM_NEWNEIGH`/`RTM_DELNEIGH`, `NTF_MASTER` and `NTF_EXT_LEARNED`, `NDA_MASTER`; `bridge fdb show` prints `extern_learn`) on the port the location resolves to: a port, the peer-port, or for `Location::Mlag` the first distributing member of the local bond or the peer-port. The kernel neither ages such an entry nor flushes it with a port's learned entries, and takes it over as an ordinary learned entry when the address shows up on another learning port (a move: reported to the coordinator like any learn, see `netlink`) | the same, with `NDA_VLAN` per VLAN, on the bond device |
//! | learning (no call: the input side, `Coordinator::handle_learn`) | the kernel bridge learns on every port but the peer-port (`IFLA_BRPORT_LEARNING` off there: what lives behind it is the peer's to say, through the FDB synchronisation); each dynamic entry it announces (`RTM_NEWNEIGH` on `RTNLGRP_NEIGH`, not `extern_learn`) goes to the coordinator, which files it (on the port, or on the logical port of an MLAG bond's member), synchronises it to the peer and programs the pair's table back as externally learned entries. Ageing is the coordinator's: the bridge's `ageing_time` is set to the configuration's `ageing-time` for the few entries the kernel still owns, and its deletions are not reported; the bridge's per-entry activity (`NDA_CACHEINFO`, a dump every eighth of the ageing time) keeps talking stations alive in the coordinator (`handle_activity`) | the same; with VLAN filtering the entry's `NDA_VLAN` is the VLAN |
//! | `fdb_flush` | the daemon's own entries that match are removed one by one; learned entries are flushed with `IFLA_BRPORT_FLUSH` on the ports concerned (all of them for a per-VLAN or per-tree flush: there are no VLANs). Entries on the peer-port are the peer's (synchronised): the peer's coordinator flushes them on its own topology changes and the removal arrives through the synchronisation | bulk `RTM_DELNEIGH` (`NLM_F_BULK`) filtered by port and VLAN |
//! | `set_mlag_next_hop` | every entry of the MLAG is re-pointed (one `RTM_NEWNEIGH` each: O(entries)). In addition each member of an MLAG bond gets the peer-port as `IFLA_BRPORT_BACKUP_PORT` when the kernel accepts it (probed at start), so when a member's carrier drops the kernel already redirects its traffic to the peer-port in O(1), before the daemon has heard of it | FDB entries on the bond device and the bond's `backup_port` set to the peer-port while the local half is down: one write |
//! | BPDU containment (no call: set up in `LinuxBridge::new`) | with `stp_state 0` the kernel bridge *forwards* frames to the Bridge Group Address 01:80:C2:00:00:00 like any multicast (`br_handle_frame`: link-local frames are passed up only while the kernel runs STP), so a neighbour's BPDUs would cross the pair and reach the other neighbours as if they shared one segment with it. The daemon joins the bridge itself to that group with a permanent layer-2 MDB entry (`RTM_NEWMDB`, multicast snooping on): the bridge then sends such frames to the entry's ports — none. The daemon's AF_PACKET sockets still see every BPDU. Other link-local groups (LACP, ICCP) are never forwarded by the kernel bridge | the same, or an nftables bridge-family rule dropping 01:80:C2:00:00:00 in the forward chain |
//! | `set_peer_forwarding` | **approximated with the flood flags** (module docs, "Split horizon"): this kernel's bridge has no per-ingress egress filter without netfilter or tc (port isolation is symmetric: it would also cut the client's traffic to the peer's single-homed hosts). While both halves of an MLAG are up only the primary floods to it: the secondary's members get `IFLA_BRPORT_UNICAST_FLOOD`, `_BCAST_FLOOD` and `_MCAST_FLOOD` off, so a flood reaches the client once. Left: a client's own flood that enters the secondary comes back to it through the primary's half | an nftables bridge-family rule (`iifname PEER-PORT oifname BOND drop`) toggled per MLAG, or a tc `flower` egress filter on the bond matching frames that entered on the peer-port |

//!
//! # Split horizon
//! The MLAG rule is per ingress: a frame that came over the peer-link must not leave through
//! an MLAG bond whose twin on the peer is up (the peer delivered it to that client already).
//! This kernel has neither netfilter nor tc classifiers, and the bridge's only egress controls
//! are per port, whatever the ingress: the flood flags. The host therefore makes one peer the
//! **designated flooder** of each MLAG whose halves are both up — the primary — and turns
//! flooding (unknown unicast, broadcast, unregistered multicast) off on the secondary's members.
//! Known unicast still goes out of either half by the FDB, and as soon as a half goes down
//! (`set_peer_forwarding(mlag, true)` on the survivor) or the roles change, the flags follow.
//! What this gives: a flood from anywhere but the client reaches the client exactly once
//! (through the primary), so hosts behind the client see no duplicates; a flood the client
//! itself sends into the primary does not come back (the secondary does not flood to it).
//! What it cannot give: a flood the client sends into the *secondary* crosses the peer-link and
//! the primary floods it back to the client (a per-ingress rule is needed; Open vSwitch then
//! learns the client's own hosts on its bond for a while). On a full kernel the host would add
//! the exact rule instead (an nftables bridge-family `iifname PEER-PORT oifname BOND drop`
//! toggled per MLAG, or a tc `flower` egress filter), and leave the flood flags alone.
use l2_types::{MacAddr, PortNo, VlanId};
use mlag_core::config::{IfKind, ValidConfig};
use mlag_core::dataplane::{
    CIST, Dataplane, FdbFlush, Location, MlagId, NextHop, PortState, TreeId,
};
use netlink_packet_route::link::{BridgePortState, InfoBridgePort};
use pnet_datalink::DataLinkSender;
use std::collections::BTreeMap;

use crate::netlink::Rtnl;

/// One kernel bridge port (an ethernet interface of the configuration).
pub struct KernelPort {
    /// Interface name.
    pub name: String,
    /// Kernel index.
    pub index: u32,
    /// The AF_PACKET sender for control frames.
    pub sender: Option<Box<dyn DataLinkSender>>,
}

impl core::fmt::Debug for KernelPort {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("KernelPort")
            .field("name", &self.name)
            .field("index", &self.index)
            .finish_non_exhaustive()
    }
}

/// Counters of what went wrong talking to the kernel.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BridgeCounters {
    /// Netlink requests the kernel refused.
    pub netlink_errors: u64,
    /// Frames that could not be sent.
    pub transmit_errors: u64,
    /// Frames sent.
    pub transmitted: u64,
}

/// The Linux bridge as a [`Dataplane`]. See the [module docs](self).
#[derive(Debug)]
pub struct LinuxBridge {
    rtnl: Rtnl,
    bridge: u32,
    /// Host port number → kernel port, for ethernet interfaces.
    ports: BTreeMap<PortNo, KernelPort>,
    /// Bond port number → its members' port numbers (emulated bonds).
    bonds: BTreeMap<PortNo, Vec<PortNo>>,
    /// MLAG id → the bond's port number.
    mlag_bond: BTreeMap<MlagId, PortNo>,
    peer_port: PortNo,
    /// STP state (CIST) per bridge port (ethernet or bond) as the coordinator set it.
    stp: BTreeMap<PortNo, PortState>,
    /// STP state assumed for ports the coordinator never set.
    stp_default: PortState,
    /// (collecting, distributing) per LAG member.
    members: BTreeMap<PortNo, (bool, bool)>,
    /// Applied kernel state per kernel port.
    applied: BTreeMap<PortNo, BridgePortState>,
    next_hops: BTreeMap<MlagId, NextHop>,
    peer_forwarding: BTreeMap<MlagId, bool>,
    /// This peer is the pair's primary (the designated flooder of MLAGs with both halves up).
    primary: bool,
    /// Flooding (unknown unicast, broadcast, unregistered multicast) as applied per kernel
    /// member port of an MLAG bond.
    flood: BTreeMap<PortNo, bool>,
    /// Entries the daemon programmed: (vid, mac) → (location, kernel port it sits on).
    fdb: BTreeMap<(VlanId, MacAddr), (Location, Option<PortNo>)>,
    backup_port: bool,
    /// The MDB entry that keeps BPDUs off the bridge's ports is in place.
    bpdu_contained: bool,
    counters: BridgeCounters,
    log: bool,
}

/// The Bridge Group Address (802.1Q-2022 Table 8-1): BPDUs.
pub const BRIDGE_GROUP_ADDRESS: [u8; 6] = [0x01, 0x80, 0xC2, 0x00, 0x00, 0x00];

/// The kernel state that discards: `listening`. Not `blocking`: with `stp_state 0` the kernel
/// runs `br_port_state_selection` after every state write and on every carrier change, and it
/// makes every *blocking* port forwarding at once (`br_make_forwarding` moves only blocking
/// ports, and with no STP every port is designated); `listening` forwards nothing, learns
/// nothing, and is left alone.
const DISCARDING: BridgePortState = BridgePortState::Listening;

fn kernel_state(s: PortState) -> BridgePortState {
    match s {
        PortState::Discarding => DISCARDING,
        PortState::Learning => BridgePortState::Learning,
        PortState::Forwarding => BridgePortState::Forwarding,
    }
}

impl LinuxBridge {
    /// Takes over the kernel bridge of `cfg`'s MLAG bridge: creates it if needed (kernel STP
    /// off), enslaves and brings up every ethernet interface that is a bridge port or a slave
    /// of a bridged bond, and sets every port discarding. `ports` are the opened kernel ports by
    /// host port number. `stp_default` is the state of ports the coordinator does not drive
    /// (see `--assume-loop-free`).
    ///
    /// # Errors
    /// The bridge could not be created or a port not enslaved: nothing is half-applied in
    /// the sense that every port stays discarding.
    pub fn new(
        cfg: &ValidConfig,
        ports: BTreeMap<PortNo, KernelPort>,
        stp_default: PortState,
        log: bool,
    ) -> Result<Self, String> {
        let bridge = cfg.mlag_bridge().ok_or("MLAG is disabled")?;
        let peer = cfg.mlag().ok_or("MLAG is disabled")?.peer_port;
        let mut rtnl = Rtnl::open().map_err(|e| format!("netlink: {e}"))?;
        let mut bonds = BTreeMap::new();
        let mut mlag_bond = BTreeMap::new();
        for p in &bridge.ports {
            if let Some(IfKind::Bond(i)) = cfg.interface(p.interface).map(|x| x.kind)
                && let Some(b) = cfg.bonds().get(i)
            {
                let port = cfg.port_no(p.interface);
                bonds.insert(port, b.slaves.iter().map(|s| cfg.port_no(*s)).collect());
                if let Some(id) = b.mlag_id {
                    mlag_bond.insert(id, port);
                }
            }
        }
        // Block every port before it joins the bridge: nothing forwards until the coordinator
        // (or the loop-free assumption) says so.
        for kp in ports.values() {
            let _ = rtnl.set_port_state(kp.index, DISCARDING);
        }
        let index = rtnl
            .ensure_bridge(&bridge.name, bridge.mac.0, bridge.ageing_time)
            .map_err(|e| format!("bridge {}: {e}", bridge.name))?;
        // BPDUs stay on their segment (module docs, "BPDU containment"): before any port
        // joins, so not one neighbour's BPDU is flooded.
        let bpdu_contained = match rtnl.mdb_join_host(index, BRIDGE_GROUP_ADDRESS) {
            Ok(()) => true,
            Err(e) => {
                eprintln!(
                    "mlagd: bridge {}: cannot keep BPDUs off its ports (MDB entry for 01:80:C2:00:00:00: {e}); neighbours' BPDUs will cross the bridge",
                    bridge.name
                );
                false
            }
        };
        for kp in ports.values() {
            rtnl.set_master(kp.index, index)
                .map_err(|e| format!("{}: enslaving to {}: {e}", kp.name, bridge.name))?;
            // Refused (ENETDOWN) while the carrier is down: the kernel holds the port
            // disabled then, and `link_changed` re-applies the state when it comes up.
            let _ = rtnl.set_port_state(kp.index, DISCARDING);
            rtnl.set_up(kp.index)
                .map_err(|e| format!("{}: up: {e}", kp.name))?;
        }
        let peer_port = cfg.port_no(peer);
        // No learning on the peer-port (module docs, "Learning"): what lives behind it is the
        // peer's to say, through the FDB synchronisation.
        let peer_kernel: Vec<PortNo> = bonds
            .get(&peer_port)
            .cloned()
            .unwrap_or_else(|| vec![peer_port]);
        for p in peer_kernel {
            if let Some(k) = ports.get(&p) {
                rtnl.set_bridge_port(k.index, vec![InfoBridgePort::Learning(false)])
                    .map_err(|e| format!("{}: learning off: {e}", k.name))?;
            }
        }
        // The kernel's O(1) redirect of a member's traffic to the peer-port while its carrier
        // is down (`IFLA_BRPORT_BACKUP_PORT`, Linux 4.20+): probed here, used when accepted.
        let mut backup_port = false;
        if let Some(pp) = ports.get(&peer_port).map(|k| k.index) {
            backup_port = true;
            for members in mlag_bond.values().filter_map(|b| bonds.get(b)) {
                for m in members {
                    if let Some(k) = ports.get(m)
                        && rtnl
                            .set_bridge_port(k.index, vec![InfoBridgePort::BackupPort(pp)])
                            .is_err()
                    {
                        backup_port = false;
                    }
                }
            }
        }
        let mut stp = BTreeMap::new();
        for p in &bridge.ports {
            stp.insert(cfg.port_no(p.interface), stp_default);
        }
        let mut me = Self {
            rtnl,
            bridge: index,
            ports,
            bonds,
            mlag_bond,
            peer_port,
            stp,
            stp_default,
            members: BTreeMap::new(),
            applied: BTreeMap::new(),
            next_hops: BTreeMap::new(),
            peer_forwarding: BTreeMap::new(),
            primary: false,
            flood: BTreeMap::new(),
            fdb: BTreeMap::new(),
            backup_port,
            bpdu_contained,
            counters: BridgeCounters::default(),
            log,
        };
        let all: Vec<PortNo> = me.ports.keys().copied().collect();
        for p in all {
            me.refresh(p);
        }
        // Flooding to every MLAG member written once (a previous daemon may have left it off).
        let mlags: Vec<MlagId> = me.mlag_bond.keys().copied().collect();
        for m in mlags {
            me.apply_flood(m);
        }
        Ok(me)
    }

    /// A kernel port's carrier changed. The kernel bridge moves a port to `disabled` when its
    /// carrier drops and — with `stp_state 0` — straight to `forwarding` when it returns
    /// (`br_port_state_selection`; the user-space STP mode that would leave states alone is
    /// only offered in the initial network namespace, through `/sbin/bridge-stp`), so the
    /// daemon re-applies its state after every change. Between the carrier returning and this
    /// call (the rtnetlink notification's latency) the port forwards; the port's LACP state
    /// is not collecting then, so the client does not send on it yet.
    pub fn link_changed(&mut self, port: PortNo) {
        self.applied.remove(&port);
        self.refresh(port);
    }

    /// The kernel index of the bridge.
    pub fn bridge_index(&self) -> u32 {
        self.bridge
    }

    /// Whether the kernel accepted `IFLA_BRPORT_BACKUP_PORT`.
    pub fn has_backup_port(&self) -> bool {
        self.backup_port
    }

    /// Whether the kernel accepted the MDB entry that keeps BPDUs off the bridge's ports.
    pub fn bpdu_contained(&self) -> bool {
        self.bpdu_contained
    }

    /// Counters.
    pub fn counters(&self) -> BridgeCounters {
        self.counters
    }

    /// The kernel ports by host port number.
    pub fn ports(&self) -> &BTreeMap<PortNo, KernelPort> {
        &self.ports
    }

    /// The applied kernel state of a port.
    pub fn applied(&self, port: PortNo) -> Option<BridgePortState> {
        self.applied.get(&port).copied()
    }

    /// Split horizon as the coordinator last set it for `mlag`.
    pub fn peer_forwarding(&self, mlag: MlagId) -> bool {
        self.peer_forwarding.get(&mlag).copied().unwrap_or(false)
    }

    /// Whether the members of `mlag`'s bond receive the bridge's floods (see the module docs,
    /// "Split horizon"): yes unless both halves are up and this peer is the secondary.
    pub fn floods_to(&self, mlag: MlagId) -> bool {
        self.peer_forwarding.get(&mlag).copied().unwrap_or(true) || self.primary
    }

    /// This peer's role changed: the primary floods to the MLAGs whose halves are both up, the
    /// secondary does not (module docs, "Split horizon").
    pub fn set_primary(&mut self, primary: bool) {
        if self.primary != primary {
            self.primary = primary;
            let mlags: Vec<MlagId> = self.mlag_bond.keys().copied().collect();
            for m in mlags {
                self.apply_flood(m);
            }
        }
    }

    /// Writes the flood flags of `mlag`'s members where they differ from [`Self::floods_to`]
    /// (`IFLA_BRPORT_UNICAST_FLOOD`, `_BCAST_FLOOD`, `_MCAST_FLOOD`: egress controls of the
    /// port, whatever the frame's ingress).
    fn apply_flood(&mut self, mlag: MlagId) {
        let want = self.floods_to(mlag);
        let members = self
            .mlag_bond
            .get(&mlag)
            .and_then(|b| self.bonds.get(b))
            .cloned()
            .unwrap_or_default();
        for m in members {
            self.set_flood(m, want);
        }
    }

    fn set_flood(&mut self, port: PortNo, on: bool) {
        let Some(index) = self.ports.get(&port).map(|k| k.index) else {
            return;
        };
        if self.flood.get(&port) == Some(&on) {
            return;
        }
        if self.log {
            let name = self.ports.get(&port).map_or("?", |k| k.name.as_str());
            eprintln!("mlagd: {name}: flooding {}", if on { "on" } else { "off" });
        }
        self.netlink(|r| {
            r.set_bridge_port(
                index,
                vec![
                    InfoBridgePort::UnicastFlood(on),
                    InfoBridgePort::BroadcastFlood(on),
                    InfoBridgePort::MulticastFlood(on),
                ],
            )
        });
        self.flood.insert(port, on);
    }

    /// The number of FDB entries the daemon programmed.
    pub fn fdb_len(&self) -> usize {
        self.fdb.len()
    }

    /// SIGTERM: withdraws every FDB entry the daemon programmed and sets every port discarding.
    pub fn shutdown(&mut self) {
        let keys: Vec<_> = self.fdb.keys().copied().collect();
        for (vid, mac) in keys {
            self.fdb_remove(vid, mac);
        }
        // The kernel's default flooding back (a daemon that stopped decides nothing).
        let flooded: Vec<PortNo> = self.flood.keys().copied().collect();
        for p in flooded {
            self.set_flood(p, true);
        }
        let ports: Vec<(PortNo, u32)> = self.ports.iter().map(|(p, k)| (*p, k.index)).collect();
        for (p, index) in ports {
            self.netlink(|r| r.set_port_state(index, DISCARDING));
            self.applied.insert(p, DISCARDING);
        }
    }

    fn netlink(&mut self, f: impl FnOnce(&mut Rtnl) -> std::io::Result<()>) {
        if let Err(e) = f(&mut self.rtnl) {
            self.counters.netlink_errors += 1;
            if self.log {
                eprintln!("mlagd: netlink: {e}");
            }
        }
    }

    /// The bond a member belongs to.
    fn bond_of(&self, member: PortNo) -> Option<PortNo> {
        self.bonds
            .iter()
            .find(|(_, m)| m.contains(&member))
            .map(|(b, _)| *b)
    }

    /// Recomputes and applies the kernel state of kernel port `port`.
    fn refresh(&mut self, port: PortNo) {
        let Some(index) = self.ports.get(&port).map(|k| k.index) else {
            return;
        };
        let want = match self.bond_of(port) {
            Some(bond) => {
                let stp = self.stp.get(&bond).copied().unwrap_or(self.stp_default);
                let (c, d) = self.members.get(&port).copied().unwrap_or((false, false));
                match (stp, c, d) {
                    (PortState::Forwarding, true, true) => BridgePortState::Forwarding,
                    (PortState::Forwarding | PortState::Learning, true, _) => {
                        BridgePortState::Learning
                    }
                    _ => DISCARDING,
                }
            }
            None if port == self.peer_port => kernel_state(
                self.stp
                    .get(&port)
                    .copied()
                    .unwrap_or(PortState::Forwarding),
            ),
            None => kernel_state(self.stp.get(&port).copied().unwrap_or(self.stp_default)),
        };
        if self.applied.get(&port) == Some(&want) {
            return;
        }
        if self.log {
            let name = self.ports.get(&port).map_or("?", |k| k.name.as_str());
            eprintln!("mlagd: {name}: bridge port state {want:?}");
        }
        self.netlink(|r| r.set_port_state(index, want));
        self.applied.insert(port, want);
        // Members that stop distributing move the MLAG entries that sat on them.
        let mlags: Vec<MlagId> = self.mlag_bond.keys().copied().collect();
        for m in mlags {
            self.repoint(m);
        }
    }

    /// Where entries on `location` go in the kernel.
    fn resolve(&self, location: Location) -> Option<PortNo> {
        let local_bond = |bond: PortNo| {
            let members = self.bonds.get(&bond)?;
            members
                .iter()
                .find(|m| self.applied.get(m) == Some(&BridgePortState::Forwarding))
                .or_else(|| members.first())
                .copied()
        };
        match location {
            Location::Port(p) if self.bonds.contains_key(&p) => local_bond(p),
            Location::Port(p) => self.ports.contains_key(&p).then_some(p),
            Location::PeerPort => Some(self.peer_port),
            Location::Mlag(id) => match self.next_hops.get(&id).copied().unwrap_or_default() {
                NextHop::PeerPort => Some(self.peer_port),
                NextHop::Local => local_bond(*self.mlag_bond.get(&id)?),
            },
            Location::Cpu => None,
        }
    }

    fn program(&mut self, vid: VlanId, mac: MacAddr, location: Location) {
        let target = self.resolve(location);
        let old = self.fdb.get(&(vid, mac)).and_then(|(_, p)| *p);
        if let Some(old) = old.filter(|o| Some(*o) != target)
            && let Some(index) = self.ports.get(&old).map(|k| k.index)
        {
            let br = self.bridge;
            self.netlink(|r| r.fdb_del(br, index, mac.0));
        }
        if let Some(t) = target
            && old != target
            && let Some(index) = self.ports.get(&t).map(|k| k.index)
        {
            let br = self.bridge;
            self.netlink(|r| r.fdb_add(br, index, mac.0));
        }
        self.fdb.insert((vid, mac), (location, target));
    }

    fn repoint(&mut self, mlag: MlagId) {
        let entries: Vec<_> = self
            .fdb
            .iter()
            .filter(|(_, (l, _))| *l == Location::Mlag(mlag))
            .map(|(k, _)| *k)
            .collect();
        for (vid, mac) in entries {
            self.program(vid, mac, Location::Mlag(mlag));
        }
    }

    fn flush_learned(&mut self, port: PortNo) {
        let members = self.bonds.get(&port).cloned().unwrap_or_else(|| vec![port]);
        for m in members {
            if let Some(index) = self.ports.get(&m).map(|k| k.index) {
                self.netlink(|r| r.set_bridge_port(index, vec![InfoBridgePort::Flush]));
            }
        }
    }
}

impl Dataplane for LinuxBridge {
    fn transmit(&mut self, port: PortNo, frame: &[u8]) {
        let sent = self
            .ports
            .get_mut(&port)
            .and_then(|k| k.sender.as_mut())
            .and_then(|s| s.send_to(frame, None))
            .is_some_and(|r| r.is_ok());
        if sent {
            self.counters.transmitted += 1;
        } else {
            self.counters.transmit_errors += 1;
        }
    }

    fn set_port_state(&mut self, port: PortNo, tree: TreeId, state: PortState) {
        if tree != CIST {
            return; // one tree without VLAN filtering (module docs)
        }
        self.stp.insert(port, state);
        let kernel: Vec<PortNo> = self.bonds.get(&port).cloned().unwrap_or_else(|| vec![port]);
        for p in kernel {
            self.refresh(p);
        }
    }

    fn set_member(&mut self, member: PortNo, collecting: bool, distributing: bool) {
        self.members.insert(member, (collecting, distributing));
        self.refresh(member);
    }

    fn fdb_add(&mut self, vid: VlanId, mac: MacAddr, location: Location) {
        self.program(vid, mac, location);
    }

    fn fdb_remove(&mut self, vid: VlanId, mac: MacAddr) {
        if let Some((_, Some(p))) = self.fdb.remove(&(vid, mac))
            && let Some(index) = self.ports.get(&p).map(|k| k.index)
        {
            let br = self.bridge;
            self.netlink(|r| r.fdb_del(br, index, mac.0));
        }
    }

    fn fdb_flush(&mut self, flush: FdbFlush) {
        let location = match flush {
            FdbFlush::Location(l) | FdbFlush::LocationInTree(l, _) => Some(l),
            FdbFlush::All | FdbFlush::Vlan(_) | FdbFlush::Tree(_) => None,
        };
        let own: Vec<_> = self
            .fdb
            .iter()
            .filter(|(_, (l, _))| location.is_none_or(|x| x == *l))
            .map(|(k, _)| *k)
            .collect();
        for (vid, mac) in own {
            self.fdb_remove(vid, mac);
        }
        let learned: Vec<PortNo> = match location {
            Some(l) => self.resolve(l).into_iter().collect(),
            None => self.ports.keys().copied().collect(),
        };
        for p in learned {
            self.flush_learned(p);
        }
    }

    fn set_mlag_next_hop(&mut self, mlag: MlagId, next_hop: NextHop) {
        if self.next_hops.insert(mlag, next_hop) != Some(next_hop) {
            self.repoint(mlag);
        }
    }

    fn set_peer_forwarding(&mut self, mlag: MlagId, allow: bool) {
        self.peer_forwarding.insert(mlag, allow);
        self.apply_flood(mlag);
    }
}
