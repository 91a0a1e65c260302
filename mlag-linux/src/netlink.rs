//! rtnetlink: the requests `mlagd` makes to the kernel (bridge, bridge-port attributes, FDB
//! entries) and the notifications it listens to (links; the bridge's learned addresses).
//! Messages are built with `netlink-packet-route` and sent on a `netlink-sys` socket; nothing
//! shells out to `ip` or `bridge`.
//!
//! # The daemon's FDB entries and the kernel's
//! The entries `mlagd` programs are *externally learned* (`NTF_EXT_LEARNED`, `bridge fdb show`
//! prints `extern_learn`): the kernel neither ages them nor flushes them with a port's learned
//! entries, and — unlike a static entry — when a frame from the address arrives on another port
//! of a learning bridge port, the kernel takes the entry over as an ordinary learned one
//! (`br_fdb_update`: the flag is cleared and an `RTM_NEWNEIGH` without it is sent). So every
//! notification with the flag is the daemon's own write echoed back, and every dynamic one
//! (`NUD_REACHABLE`/`NUD_STALE`, no flag) is the bridge's learning, a move included: that is
//! what [`learned`] passes on.

use core::time::Duration;
use netlink_packet_core::{
    NLM_F_ACK, NLM_F_CREATE, NLM_F_DUMP, NLM_F_EXCL, NLM_F_REPLACE, NLM_F_REQUEST, NetlinkHeader,
    NetlinkMessage, NetlinkPayload,
};
use netlink_packet_route::link::{
    BridgePortState, BridgeStpState, InfoBridge, InfoBridgePort, InfoData, InfoKind, InfoPortData,
    InfoPortKind, LinkAttribute, LinkFlags, LinkInfo, LinkMessage,
};
use netlink_packet_route::neighbour::{
    NeighbourAttribute, NeighbourExtFlags, NeighbourFlags, NeighbourMessage, NeighbourState,
};
use netlink_packet_route::{AddressFamily, RouteNetlinkMessage};
use netlink_sys::{Socket, SocketAddr, protocols::NETLINK_ROUTE};
use std::io;

/// `USER_HZ`: the unit of `NDA_CACHEINFO`'s ages (`jiffies_to_clock_t`), 100 per second on
/// every Linux architecture's user ABI.
const USER_HZ: u64 = 100;

/// `RTMGRP_LINK`: the multicast group of link notifications.
const RTMGRP_LINK: u32 = 1;
/// `RTMGRP_NEIGH` (`RTNLGRP_NEIGH`): neighbour notifications, the bridge's FDB changes among
/// them (family `AF_BRIDGE`).
const RTMGRP_NEIGH: u32 = 4;
/// `ENOBUFS`: the notification socket overran (notifications were lost).
const ENOBUFS: i32 = 105;

/// A netlink socket for requests, each acknowledged before the next is sent.
#[derive(Debug)]
pub struct Rtnl {
    sock: Socket,
    seq: u32,
    buf: Vec<u8>,
}

impl Rtnl {
    /// Opens the socket.
    ///
    /// # Errors
    /// The socket could not be opened.
    pub fn open() -> io::Result<Self> {
        let mut sock = Socket::new(NETLINK_ROUTE)?;
        sock.bind_auto()?;
        sock.connect(&SocketAddr::new(0, 0))?;
        Ok(Self {
            sock,
            seq: 0,
            buf: vec![0; 64 * 1024],
        })
    }

    /// Sends `msg` with `NLM_F_REQUEST | NLM_F_ACK | flags` and waits for the kernel's answer.
    ///
    /// # Errors
    /// The kernel's error (as an `io::Error` with its errno) or a socket error.
    pub fn request(&mut self, msg: RouteNetlinkMessage, flags: u16) -> io::Result<()> {
        self.send(msg, NLM_F_REQUEST | NLM_F_ACK | flags)?;
        self.wait_ack()
    }

    /// Sends `msg` with header flags `flags` and the next sequence number.
    fn send(&mut self, msg: RouteNetlinkMessage, flags: u16) -> io::Result<()> {
        self.seq = self.seq.wrapping_add(1);
        let mut header = NetlinkHeader::default();
        header.flags = flags;
        header.sequence_number = self.seq;
        let mut nl = NetlinkMessage::new(header, NetlinkPayload::from(msg));
        nl.finalize();
        let mut out = vec![0; nl.buffer_len()];
        nl.serialize(&mut out);
        self.sock.send(&out, 0)?;
        Ok(())
    }

    /// Sends a request `netlink-packet-route` has no type for: header `msg_type` with
    /// `NLM_F_REQUEST | NLM_F_ACK | flags`, then `body` (already in the kernel's layout).
    fn request_raw(&mut self, msg_type: u16, flags: u16, body: &[u8]) -> io::Result<()> {
        self.seq = self.seq.wrapping_add(1);
        let len = u32::try_from(16 + body.len())
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "netlink request too long"))?;
        let mut out = Vec::with_capacity(16 + body.len());
        out.extend_from_slice(&len.to_ne_bytes());
        out.extend_from_slice(&msg_type.to_ne_bytes());
        out.extend_from_slice(&(NLM_F_REQUEST | NLM_F_ACK | flags).to_ne_bytes());
        out.extend_from_slice(&self.seq.to_ne_bytes());
        out.extend_from_slice(&0u32.to_ne_bytes()); // port id: the kernel fills it in
        out.extend_from_slice(body);
        self.sock.send(&out, 0)?;
        self.wait_ack()
    }

    /// Reads the replies to the last request, passing the payload of each message with its
    /// sequence number to `f` until `f` returns a result.
    fn replies<T>(
        &mut self,
        mut f: impl FnMut(NetlinkPayload<RouteNetlinkMessage>) -> Option<io::Result<T>>,
    ) -> io::Result<T> {
        loop {
            let n = self.sock.recv(&mut &mut self.buf[..], 0)?;
            let mut off = 0;
            while off < n {
                let Some(bytes) = self.buf.get(off..n) else {
                    break;
                };
                let reply = NetlinkMessage::<RouteNetlinkMessage>::deserialize(bytes)
                    .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e.to_string()))?;
                let len = usize::try_from(reply.header.length).unwrap_or(0);
                if len == 0 {
                    break;
                }
                off += len;
                if reply.header.sequence_number != self.seq {
                    continue;
                }
                if let Some(r) = f(reply.payload) {
                    return r;
                }
            }
        }
    }

    /// Reads replies until the acknowledgement (or error) of the last request.
    fn wait_ack(&mut self) -> io::Result<()> {
        self.replies(|p| match p {
            NetlinkPayload::Error(e) => Some(match e.code {
                None => Ok(()),
                Some(_) => Err(e.to_io()),
            }),
            _ => None,
        })
    }

    /// The bridge `master`'s dynamic FDB entries ([`active`]: learned by the kernel or
    /// externally learned), each with the time since a frame from it last arrived: one
    /// `RTM_GETNEIGH` dump (`AF_BRIDGE`, filtered by `NDA_MASTER`).
    ///
    /// # Errors
    /// A kernel or socket error (the dump is then incomplete and nothing is returned).
    pub fn fdb_activity(&mut self, master: u32) -> io::Result<Vec<FdbActivity>> {
        let mut m = NeighbourMessage::default();
        m.header.family = AddressFamily::Bridge;
        m.attributes.push(NeighbourAttribute::Controller(master));
        self.send(
            RouteNetlinkMessage::GetNeighbour(m),
            NLM_F_REQUEST | NLM_F_DUMP,
        )?;
        let mut found = Vec::new();
        self.replies(|p| match p {
            NetlinkPayload::Done(_) => Some(Ok(core::mem::take(&mut found))),
            NetlinkPayload::Error(e) => Some(Err(e.code.map_or_else(
                || io::Error::other("dump ended by an acknowledgement"),
                |_| e.to_io(),
            ))),
            NetlinkPayload::InnerMessage(RouteNetlinkMessage::NewNeighbour(m)) => {
                found.extend(active(&m, master));
                None
            }
            _ => None,
        })
    }

    /// Creates bridge `name` unless it exists, with the kernel's STP off (`stp_state 0`: the
    /// daemon owns the port states), multicast snooping on, `mac` as its address and `ageing`
    /// (the configuration's `ageing-time`, which the coordinator's table uses too) as its
    /// ageing time; brings it up. Returns its index.
    ///
    /// # Errors
    /// A kernel error.
    pub fn ensure_bridge(
        &mut self,
        name: &str,
        mac: [u8; 6],
        ageing: core::time::Duration,
    ) -> io::Result<u32> {
        if ifindex(name).is_none() {
            let mut m = LinkMessage::default();
            m.attributes.push(LinkAttribute::IfName(name.to_string()));
            m.attributes
                .push(LinkAttribute::LinkInfo(vec![LinkInfo::Kind(
                    InfoKind::Bridge,
                )]));
            self.request(RouteNetlinkMessage::NewLink(m), NLM_F_CREATE | NLM_F_EXCL)?;
        }
        let index = ifindex(name)
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, format!("bridge {name}")))?;
        let mut m = LinkMessage::default();
        m.header.index = index;
        m.attributes.push(LinkAttribute::Address(mac.to_vec()));
        m.attributes.push(LinkAttribute::LinkInfo(vec![
            LinkInfo::Kind(InfoKind::Bridge),
            LinkInfo::Data(InfoData::Bridge(vec![
                InfoBridge::StpState(BridgeStpState::Disabled),
                // The MDB entry that keeps BPDUs off the ports needs snooping on.
                InfoBridge::MulticastSnooping(true),
                // In centiseconds (clock_t); the kernel refuses less than 10 s except 0.
                InfoBridge::AgeingTime(
                    u32::try_from(ageing.as_millis() / 10)
                        .unwrap_or(u32::MAX)
                        .clamp(1_000, 100_000_000),
                ),
            ])),
        ]));
        self.request(RouteNetlinkMessage::NewLink(m), 0)?;
        self.set_up(index)?;
        Ok(index)
    }

    /// Joins the bridge `bridge` itself (a host join: no port) to the layer-2 multicast group
    /// `group` with a permanent MDB entry (`RTM_NEWMDB`, as `bridge mdb add dev BR port BR grp
    /// GROUP permanent` does). With multicast snooping on, a frame to a group that has an MDB
    /// entry goes only to the entry's ports: with none but the bridge itself, to no port. An
    /// entry that already exists is not an error.
    ///
    /// `netlink-packet-route` 0.34 has no MDB messages, so the request is built here in the
    /// layout of `<linux/if_bridge.h>`: `struct br_port_msg` (family, 3 octets of padding,
    /// ifindex), then one `MDBA_SET_ENTRY` attribute holding a `struct br_mdb_entry` (28
    /// octets: ifindex, state, flags, vid, the 16-octet address union, the protocol — 0 for a
    /// layer-2 group — and 2 octets of padding).
    ///
    /// # Errors
    /// A kernel error (`EINVAL` when the bridge's multicast snooping is off).
    pub fn mdb_join_host(&mut self, bridge: u32, group: [u8; 6]) -> io::Result<()> {
        const RTM_NEWMDB: u16 = 84;
        const MDBA_SET_ENTRY: u16 = 1;
        const MDB_PERMANENT: u8 = 1;
        const AF_BRIDGE: u8 = 7;
        let mut body = Vec::with_capacity(8 + 4 + 28);
        body.extend_from_slice(&[AF_BRIDGE, 0, 0, 0]);
        body.extend_from_slice(&bridge.to_ne_bytes());
        body.extend_from_slice(&(4u16 + 28).to_ne_bytes());
        body.extend_from_slice(&MDBA_SET_ENTRY.to_ne_bytes());
        body.extend_from_slice(&bridge.to_ne_bytes()); // the entry's port: the bridge itself
        body.extend_from_slice(&[MDB_PERMANENT, 0, 0, 0]); // state, flags, vid 0
        let mut addr = [0u8; 16];
        if let Some(a) = addr.get_mut(..6) {
            a.copy_from_slice(&group);
        }
        body.extend_from_slice(&addr);
        body.extend_from_slice(&[0, 0, 0, 0]); // proto 0 (layer 2), padding
        match self.request_raw(RTM_NEWMDB, NLM_F_CREATE | NLM_F_EXCL, &body) {
            Err(e) if e.raw_os_error() == Some(17) => Ok(()), // EEXIST: joined already
            r => r,
        }
    }

    /// Enslaves `port` to the bridge `master` (idempotent).
    ///
    /// # Errors
    /// A kernel error.
    pub fn set_master(&mut self, port: u32, master: u32) -> io::Result<()> {
        let mut m = LinkMessage::default();
        m.header.index = port;
        m.attributes.push(LinkAttribute::Controller(master));
        self.request(RouteNetlinkMessage::SetLink(m), 0)
    }

    /// Sets `IFF_UP` on `index`.
    ///
    /// # Errors
    /// A kernel error.
    pub fn set_up(&mut self, index: u32) -> io::Result<()> {
        let mut m = LinkMessage::default();
        m.header.index = index;
        m.header.flags = LinkFlags::Up;
        m.header.change_mask = LinkFlags::Up;
        self.request(RouteNetlinkMessage::SetLink(m), 0)
    }

    /// Sets bridge-port attributes of `port` (`IFLA_INFO_SLAVE_DATA`, as
    /// `ip link set PORT type bridge_slave ...` does).
    ///
    /// # Errors
    /// A kernel error.
    pub fn set_bridge_port(&mut self, port: u32, attrs: Vec<InfoBridgePort>) -> io::Result<()> {
        let mut m = LinkMessage::default();
        m.header.index = port;
        m.attributes.push(LinkAttribute::LinkInfo(vec![
            LinkInfo::PortKind(InfoPortKind::Bridge),
            LinkInfo::PortData(InfoPortData::BridgePort(attrs)),
        ]));
        self.request(RouteNetlinkMessage::NewLink(m), 0)
    }

    /// `IFLA_BRPORT_STATE` of `port`.
    ///
    /// # Errors
    /// A kernel error.
    pub fn set_port_state(&mut self, port: u32, state: BridgePortState) -> io::Result<()> {
        self.set_bridge_port(port, vec![InfoBridgePort::State(state)])
    }

    /// Adds or replaces an externally learned FDB entry (`NTF_MASTER | NTF_EXT_LEARNED`, see
    /// the module docs) for `mac` on `port` of bridge `master`.
    ///
    /// # Errors
    /// A kernel error.
    pub fn fdb_add(&mut self, master: u32, port: u32, mac: [u8; 6]) -> io::Result<()> {
        self.request(
            RouteNetlinkMessage::NewNeighbour(fdb_msg(master, port, mac)),
            NLM_F_CREATE | NLM_F_REPLACE,
        )
    }

    /// Removes the FDB entry for `mac` on `port` of bridge `master`.
    ///
    /// # Errors
    /// A kernel error (`ENOENT` when there is none).
    pub fn fdb_del(&mut self, master: u32, port: u32, mac: [u8; 6]) -> io::Result<()> {
        self.request(
            RouteNetlinkMessage::DelNeighbour(fdb_msg(master, port, mac)),
            0,
        )
    }
}

fn fdb_msg(master: u32, port: u32, mac: [u8; 6]) -> NeighbourMessage {
    let mut m = NeighbourMessage::default();
    m.header.family = AddressFamily::Bridge;
    m.header.ifindex = port;
    m.header.state = NeighbourState::Noarp;
    m.header.flags = NeighbourFlags::Controller | NeighbourFlags::ExtLearned;
    m.attributes
        .push(NeighbourAttribute::LinkLayerAddress(mac.to_vec()));
    m.attributes.push(NeighbourAttribute::Controller(master));
    m
}

/// The kernel index of interface `name` (from sysfs), `None` if there is no such interface.
pub fn ifindex(name: &str) -> Option<u32> {
    if name.is_empty() || name.contains('/') || name.starts_with('.') {
        return None;
    }
    std::fs::read_to_string(format!("/sys/class/net/{name}/ifindex"))
        .ok()?
        .trim()
        .parse()
        .ok()
}

/// The MAC of interface `name` (from sysfs).
pub fn mac_of(name: &str) -> Option<l2_types::MacAddr> {
    ifindex(name)?;
    std::fs::read_to_string(format!("/sys/class/net/{name}/address"))
        .ok()?
        .trim()
        .parse()
        .ok()
}

/// Carrier and speed of `name` from sysfs: `Some(speed in Mb/s, 0 if unknown)` when up.
pub fn carrier(name: &str) -> Option<u32> {
    let up = std::fs::read_to_string(format!("/sys/class/net/{name}/carrier"))
        .is_ok_and(|s| s.trim() == "1");
    up.then(|| {
        std::fs::read_to_string(format!("/sys/class/net/{name}/speed"))
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(0)
    })
}

/// What the notification socket reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notice {
    /// A link's (kernel index, carrier up).
    Link(u32, bool),
    /// The kernel bridge learned `mac` on its port `port` (see [`learned`]).
    Learned {
        /// Kernel index of the bridge port.
        port: u32,
        /// The bridge (`NDA_MASTER`), when the notification names it.
        master: Option<u32>,
        /// The source address.
        mac: [u8; 6],
        /// `NDA_VLAN` (absent without VLAN filtering).
        vid: Option<u16>,
    },
    /// Notifications were lost: the socket's buffer overran (`ENOBUFS`).
    Overrun,
}

/// A bridge FDB notification that is the bridge's own learning: family `AF_BRIDGE`, a dynamic
/// state (`NUD_REACHABLE` or `NUD_STALE`; not `permanent`, the bridge's own addresses, nor
/// `NUD_NOARP`, a static entry), the bridge's table (not `NTF_SELF`, a port device's own
/// list; the kernel's notifications of the bridge's entries carry no `NTF_MASTER` flag but the
/// bridge in `NDA_MASTER`), not externally learned (the daemon's own entries, module docs), not
/// locked, and a unicast source address. `None` for everything else.
pub fn learned(m: &NeighbourMessage) -> Option<Notice> {
    let h = &m.header;
    if h.family != AddressFamily::Bridge
        || !matches!(h.state, NeighbourState::Reachable | NeighbourState::Stale)
        || h.flags.contains(NeighbourFlags::Own)
        || h.flags.contains(NeighbourFlags::ExtLearned)
    {
        return None;
    }
    let mut mac = None;
    let mut master = None;
    let mut vid = None;
    for a in &m.attributes {
        match a {
            NeighbourAttribute::LinkLayerAddress(b) => mac = <[u8; 6]>::try_from(b.as_slice()).ok(),
            NeighbourAttribute::Controller(i) => master = Some(*i),
            NeighbourAttribute::Vlan(v) => vid = Some(*v),
            NeighbourAttribute::ExtFlags(f) if f.contains(NeighbourExtFlags::Locked) => {
                return None;
            }
            _ => {}
        }
    }
    let mac = mac?;
    // Multicast (the group bit) or all-zero: not a station's source address.
    if mac[0] & 1 != 0 || mac == [0; 6] {
        return None;
    }
    Some(Notice::Learned {
        port: h.ifindex,
        master,
        mac,
        vid,
    })
}

/// A bridge FDB entry a station keeps alive, as [`Rtnl::fdb_activity`] reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FdbActivity {
    /// Kernel index of the bridge port.
    pub port: u32,
    /// The station's address.
    pub mac: [u8; 6],
    /// `NDA_VLAN` (absent without VLAN filtering).
    pub vid: Option<u16>,
    /// Time since a frame from `mac` last arrived on `port` (`NDA_CACHEINFO`'s `ndm_updated`,
    /// which the bridge refreshes on every received frame: `br_fdb_update`), or since the
    /// entry was written.
    pub idle: Duration,
    /// Externally learned (`NTF_EXT_LEARNED`): a daemon's entry (this one's, or one a previous
    /// daemon left behind), not the kernel's own learning.
    pub external: bool,
}

/// An entry of bridge `master`'s dump that a station may keep alive: family `AF_BRIDGE`,
/// learned by the kernel (`NUD_REACHABLE`/`NUD_STALE`) or externally learned (a daemon's
/// entry, whose age the kernel refreshes too when its station sends on that port), not the
/// bridge's own (`NUD_PERMANENT`) nor an operator's static one (`NUD_NOARP` without
/// `NTF_EXT_LEARNED`), not locked, a unicast address, with an age in `NDA_CACHEINFO`. `None`
/// for everything else.
pub fn active(m: &NeighbourMessage, master: u32) -> Option<FdbActivity> {
    let h = &m.header;
    let external = h.flags.contains(NeighbourFlags::ExtLearned);
    let dynamic = matches!(h.state, NeighbourState::Reachable | NeighbourState::Stale)
        || (external && h.state == NeighbourState::Noarp);
    if h.family != AddressFamily::Bridge || !dynamic || h.flags.contains(NeighbourFlags::Own) {
        return None;
    }
    let mut mac = None;
    let mut vid = None;
    let mut idle = None;
    for a in &m.attributes {
        match a {
            NeighbourAttribute::LinkLayerAddress(b) => mac = <[u8; 6]>::try_from(b.as_slice()).ok(),
            NeighbourAttribute::Controller(i) if *i != master => return None,
            NeighbourAttribute::Vlan(v) => vid = Some(*v),
            NeighbourAttribute::CacheInfo(ci) => {
                idle = Some(Duration::from_millis(
                    u64::from(ci.updated) * (1000 / USER_HZ),
                ));
            }
            NeighbourAttribute::ExtFlags(f) if f.contains(NeighbourExtFlags::Locked) => {
                return None;
            }
            _ => {}
        }
    }
    let mac = mac?;
    if mac[0] & 1 != 0 || mac == [0; 6] {
        return None;
    }
    Some(FdbActivity {
        port: h.ifindex,
        mac,
        vid,
        idle: idle?,
        external,
    })
}

/// A socket subscribed to link notifications (`RTMGRP_LINK`) and neighbour notifications
/// (`RTMGRP_NEIGH`: the bridge's FDB).
#[derive(Debug)]
pub struct LinkEvents {
    sock: Socket,
    buf: Vec<u8>,
}

impl LinkEvents {
    /// Subscribes, with a 4 MiB receive buffer (a burst of new addresses is one notification
    /// each).
    ///
    /// # Errors
    /// The socket could not be opened or bound.
    pub fn open() -> io::Result<Self> {
        let mut sock = Socket::new(NETLINK_ROUTE)?;
        // Best effort: the default buffer only makes overruns likelier (they are reported).
        let _ = sock.set_rx_buf_sz(4 * 1024 * 1024);
        sock.bind(&SocketAddr::new(0, RTMGRP_LINK | RTMGRP_NEIGH))?;
        Ok(Self {
            sock,
            buf: vec![0; 64 * 1024],
        })
    }

    /// Blocks until the next datagram; returns what it reports: the (index, carrier up) of each
    /// link message, each address the bridge learned ([`learned`]), or [`Notice::Overrun`] when
    /// the kernel dropped notifications. Undecodable messages are skipped.
    ///
    /// # Errors
    /// A socket error other than an overrun.
    pub fn receive(&mut self) -> io::Result<Vec<Notice>> {
        let n = match self.sock.recv(&mut &mut self.buf[..], 0) {
            Ok(n) => n,
            Err(e) if e.raw_os_error() == Some(ENOBUFS) => return Ok(vec![Notice::Overrun]),
            Err(e) => return Err(e),
        };
        let mut out = Vec::new();
        let mut off = 0;
        while off < n {
            let Some(bytes) = self.buf.get(off..n) else {
                break;
            };
            let Ok(msg) = NetlinkMessage::<RouteNetlinkMessage>::deserialize(bytes) else {
                break;
            };
            let len = usize::try_from(msg.header.length).unwrap_or(0);
            if len == 0 {
                break;
            }
            off += len;
            match msg.payload {
                // The bridge also announces every port-state write as an AF_BRIDGE
                // RTM_NEWLINK: those are our own writes echoed back, not link changes.
                NetlinkPayload::InnerMessage(RouteNetlinkMessage::NewLink(m))
                    if m.header.interface_family != AddressFamily::Bridge =>
                {
                    let up = m.header.flags.contains(LinkFlags::LowerUp)
                        && m.header.flags.contains(LinkFlags::Up);
                    out.push(Notice::Link(m.header.index, up));
                }
                NetlinkPayload::InnerMessage(RouteNetlinkMessage::DelLink(m)) => {
                    out.push(Notice::Link(m.header.index, false));
                }
                // Deletions (the kernel's ageing of its own dynamic entries, flushes) are not
                // reported: the coordinator owns ageing (crate docs, "Learned addresses").
                NetlinkPayload::InnerMessage(RouteNetlinkMessage::NewNeighbour(m)) => {
                    out.extend(learned(&m));
                }
                _ => {}
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fdb_notice(state: NeighbourState, flags: NeighbourFlags, mac: [u8; 6]) -> NeighbourMessage {
        let mut m = NeighbourMessage::default();
        m.header.family = AddressFamily::Bridge;
        m.header.ifindex = 7;
        m.header.state = state;
        m.header.flags = flags;
        m.attributes
            .push(NeighbourAttribute::LinkLayerAddress(mac.to_vec()));
        m.attributes.push(NeighbourAttribute::Controller(3));
        m
    }

    const HOST: [u8; 6] = [2, 0, 0, 0, 0x0a, 1];

    #[test]
    fn a_dynamic_bridge_entry_is_learned() {
        // As the kernel sends it: no flags, the bridge in NDA_MASTER.
        let m = fdb_notice(NeighbourState::Reachable, NeighbourFlags::empty(), HOST);
        assert_eq!(
            learned(&m),
            Some(Notice::Learned {
                port: 7,
                master: Some(3),
                mac: HOST,
                vid: None
            })
        );
        let mut m = fdb_notice(NeighbourState::Stale, NeighbourFlags::Controller, HOST);
        m.attributes.push(NeighbourAttribute::Vlan(10));
        assert!(matches!(
            learned(&m),
            Some(Notice::Learned { vid: Some(10), .. })
        ));
    }

    #[test]
    fn own_static_local_and_foreign_entries_are_not_learned() {
        // The daemon's own entry echoed back.
        let own = fdb_notice(
            NeighbourState::Noarp,
            NeighbourFlags::Controller | NeighbourFlags::ExtLearned,
            HOST,
        );
        assert_eq!(learned(&own), None);
        // Externally learned but dynamic state: still ours.
        let own = fdb_notice(
            NeighbourState::Reachable,
            NeighbourFlags::Controller | NeighbourFlags::ExtLearned,
            HOST,
        );
        assert_eq!(learned(&own), None);
        // Static (an operator's), permanent (the bridge's own addresses).
        for st in [NeighbourState::Noarp, NeighbourState::Permanent] {
            assert_eq!(
                learned(&fdb_notice(st, NeighbourFlags::Controller, HOST)),
                None
            );
        }
        // A port device's own list (NTF_SELF), not the bridge's.
        let own_dev = fdb_notice(NeighbourState::Reachable, NeighbourFlags::Own, HOST);
        assert_eq!(learned(&own_dev), None);
        // Multicast and zero sources.
        for mac in [[1, 0, 0x5e, 0, 0, 1], [0; 6]] {
            let m = fdb_notice(NeighbourState::Reachable, NeighbourFlags::Controller, mac);
            assert_eq!(learned(&m), None);
        }
        // An IPv4 neighbour (ARP), not the bridge.
        let mut arp = fdb_notice(NeighbourState::Reachable, NeighbourFlags::Controller, HOST);
        arp.header.family = AddressFamily::Inet;
        assert_eq!(learned(&arp), None);
        // A locked entry (802.1X / MAB): not a station the bridge admitted.
        let mut locked = fdb_notice(NeighbourState::Reachable, NeighbourFlags::Controller, HOST);
        locked
            .attributes
            .push(NeighbourAttribute::ExtFlags(NeighbourExtFlags::Locked));
        assert_eq!(learned(&locked), None);
        // A malformed address.
        let mut short = fdb_notice(NeighbourState::Reachable, NeighbourFlags::Controller, HOST);
        short.attributes = vec![NeighbourAttribute::LinkLayerAddress(vec![2, 0, 0])];
        assert_eq!(learned(&short), None);
    }

    #[test]
    fn an_entry_is_active_with_its_age_from_cacheinfo() {
        use netlink_packet_route::neighbour::NeighbourCacheInfo;
        let aged = |state, flags, updated: u32| {
            let mut m = fdb_notice(state, flags, HOST);
            m.attributes.push(NeighbourAttribute::CacheInfo(
                NeighbourCacheInfo::parse(&[0, 5, updated, 0].map(u32::to_ne_bytes).concat())
                    .unwrap(),
            ));
            m
        };
        // A learned entry, last frame 2.5 s ago (clock ticks of 10 ms).
        let m = aged(NeighbourState::Reachable, NeighbourFlags::empty(), 250);
        assert_eq!(
            active(&m, 3),
            Some(FdbActivity {
                port: 7,
                mac: HOST,
                vid: None,
                idle: Duration::from_millis(2500),
                external: false,
            })
        );
        // The daemon's own (externally learned) entries count: their station sends on that port.
        let m = aged(NeighbourState::Stale, NeighbourFlags::ExtLearned, 0);
        assert_eq!(
            active(&m, 3).map(|a| (a.idle, a.external)),
            Some((Duration::ZERO, true))
        );
        // Another bridge's entry, a static or permanent one, a multicast address, no age.
        assert_eq!(
            active(
                &aged(NeighbourState::Reachable, NeighbourFlags::empty(), 1),
                4
            ),
            None
        );
        for st in [NeighbourState::Noarp, NeighbourState::Permanent] {
            assert_eq!(active(&aged(st, NeighbourFlags::empty(), 1), 3), None);
        }
        let mut mc = aged(NeighbourState::Reachable, NeighbourFlags::empty(), 1);
        mc.attributes
            .retain(|a| !matches!(a, NeighbourAttribute::LinkLayerAddress(_)));
        mc.attributes
            .push(NeighbourAttribute::LinkLayerAddress(vec![
                1, 0, 0x5e, 0, 0, 1,
            ]));
        assert_eq!(active(&mc, 3), None);
        let no_age = fdb_notice(NeighbourState::Reachable, NeighbourFlags::empty(), HOST);
        assert_eq!(active(&no_age, 3), None);
    }
}
