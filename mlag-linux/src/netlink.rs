//! rtnetlink: the requests `mlagd` makes to the kernel (bridge, bridge-port attributes, FDB
//! entries) and the link notifications it listens to. Messages are built with
//! `netlink-packet-route` and sent on a `netlink-sys` socket; nothing shells out to `ip` or
//! `bridge`.

use netlink_packet_core::{
    NLM_F_ACK, NLM_F_CREATE, NLM_F_EXCL, NLM_F_REPLACE, NLM_F_REQUEST, NetlinkHeader,
    NetlinkMessage, NetlinkPayload,
};
use netlink_packet_route::link::{
    BridgePortState, BridgeStpState, InfoBridge, InfoBridgePort, InfoData, InfoKind, InfoPortData,
    InfoPortKind, LinkAttribute, LinkFlags, LinkInfo, LinkMessage,
};
use netlink_packet_route::neighbour::{
    NeighbourAttribute, NeighbourFlags, NeighbourMessage, NeighbourState,
};
use netlink_packet_route::{AddressFamily, RouteNetlinkMessage};
use netlink_sys::{Socket, SocketAddr, protocols::NETLINK_ROUTE};
use std::io;

/// `RTMGRP_LINK`: the multicast group of link notifications.
const RTMGRP_LINK: u32 = 1;

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
        self.seq = self.seq.wrapping_add(1);
        let mut header = NetlinkHeader::default();
        header.flags = NLM_F_REQUEST | NLM_F_ACK | flags;
        header.sequence_number = self.seq;
        let mut nl = NetlinkMessage::new(header, NetlinkPayload::from(msg));
        nl.finalize();
        let mut out = vec![0; nl.buffer_len()];
        nl.serialize(&mut out);
        self.sock.send(&out, 0)?;
        self.wait_ack()
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

    /// Reads replies until the acknowledgement (or error) of the last request.
    fn wait_ack(&mut self) -> io::Result<()> {
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
                if let NetlinkPayload::Error(e) = reply.payload {
                    return match e.code {
                        None => Ok(()),
                        Some(_) => Err(e.to_io()),
                    };
                }
            }
        }
    }

    /// Creates bridge `name` unless it exists, with the kernel's STP off (`stp_state 0`: the
    /// daemon owns the port states), multicast snooping on and `mac` as its address; brings it
    /// up. Returns its index.
    ///
    /// # Errors
    /// A kernel error.
    pub fn ensure_bridge(&mut self, name: &str, mac: [u8; 6]) -> io::Result<u32> {
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

    /// Adds or replaces a static FDB entry (`NUD_NOARP`, `NTF_MASTER`) for `mac` on `port` of
    /// bridge `master`.
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
    m.header.flags = NeighbourFlags::Controller;
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

/// A socket subscribed to link notifications (`RTMGRP_LINK`).
#[derive(Debug)]
pub struct LinkEvents {
    sock: Socket,
    buf: Vec<u8>,
}

impl LinkEvents {
    /// Subscribes.
    ///
    /// # Errors
    /// The socket could not be opened or bound.
    pub fn open() -> io::Result<Self> {
        let mut sock = Socket::new(NETLINK_ROUTE)?;
        sock.bind(&SocketAddr::new(0, RTMGRP_LINK))?;
        Ok(Self {
            sock,
            buf: vec![0; 64 * 1024],
        })
    }

    /// Blocks until the next datagram; returns the (index, carrier up) of each link message in
    /// it. Undecodable messages are skipped.
    ///
    /// # Errors
    /// A socket error.
    pub fn receive(&mut self) -> io::Result<Vec<(u32, bool)>> {
        let n = self.sock.recv(&mut &mut self.buf[..], 0)?;
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
                    out.push((m.header.index, up));
                }
                NetlinkPayload::InnerMessage(RouteNetlinkMessage::DelLink(m)) => {
                    out.push((m.header.index, false));
                }
                _ => {}
            }
        }
        Ok(out)
    }
}
