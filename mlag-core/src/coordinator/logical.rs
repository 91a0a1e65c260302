//! The logical STP bridge's replication records: the primary's input log, the fingerprint and
//! the requests the secondary sends, with their encodings (total decoders), and the function
//! both peers use to apply a log entry to a bridge — so the primary and its replica run exactly
//! the same code on exactly the same inputs.
//!
//! # Encodings (big-endian), carried in vendor Consistency TLVs (0x3E05)
//! * [`STP_LOG`]: `seq`(4) `time-ns`(8) `op`(1) `port`(2) payload. `op` bit 7 marks a catch-up
//!   entry (replayed silently), bit 6 the last entry of a catch-up; the low six bits are the
//!   operation: 0 genesis (payload: bridge settings), 1 add port (payload: `mlag`(1: 0/1)
//!   `mlag-id`(4) port settings), 2 remove port, 3 link (`up`(1) `speed`(4) `full-duplex`(1)),
//!   4 frame (the BPDU's octets), 5 timeout, 6 bridge settings (payload: bridge settings),
//!   7 port settings (payload as for add port), 8 snapshot part (`part`(2) `parts`(2) then at
//!   most [`SNAPSHOT_CHUNK`] octets; the parts of one catch-up concatenated are `count`(2) ×
//!   (`port`(2) `mlag-id`(4)) for the MLAG ports, then `stp::Bridge::snapshot` taken at the
//!   entries' time — an exact catch-up when the log was cut), 9 MST region part (`part`(1)
//!   `parts`(1) then at most [`REGION_CHUNK`] octets; the parts concatenated are the
//!   [`Region`]: `name`(1 + n ≤ 32) `revision`(2) `msti-count`(1) × (`mstid`(2)
//!   `priority`(2)) `range-count`(2) × (`first-vid`(2) `last-vid`(2) `mstid`(2)) — the
//!   VLAN→MSTI map as ascending runs, VIDs not listed on the CIST), 10 MSTI port settings
//!   (`count`(1) × (`mstid`(2) `priority`(1) `internal-path-cost`(4, 0 = the CIST's))).
//!   Bridge settings: `address`(6) `priority`(2) `max-age`(1) `hello`(1) `forward-delay`(1)
//!   `tx-hold-count`(1) `force-version`(1: 0 STP, 2 RSTP, 3 MSTP) `max-hops`(1)
//!   `path-cost-method`(1: 0 long, 1 short). Port settings: `mac`(6) `flags`(2: enabled,
//!   admin-edge, auto-edge, bpdu-guard, root-guard, loop-guard, bpdu-filter, restricted-tcn,
//!   bridge-assurance from bit 0) `priority`(1) `path-cost`(4, 0 = auto) `p2p`(1: 0 auto,
//!   1 yes, 2 no).
//! * [`STP_FINGERPRINT`]: `seq`(4) of the last entry applied, `fingerprint`(8).
//! * [`STP_RESYNC`]: empty — the secondary asks for a catch-up.
//! * [`STP_PORT`] (secondary → primary): `op`(1) `port`(2) payload, `op` one of add port,
//!   remove port, link, port settings, MSTI port settings: the secondary's single-homed ports
//!   as the primary must know them.
//! * [`STP_CLAIM`]: `incumbent`(1: 0/1), sent by both peers when ICCP connects.
//! * [`STP_OUT`] (primary → secondary): `op`(1) `port`(2) then, for `op` 0 (send a BPDU) the
//!   frame's octets, for 1 (port state) `tree`(2) `state`(1: 0 discarding, 1 learning,
//!   2 forwarding), for 2 (flush) `tree`(2).
//! * [`STP_OFF_DONE`] (secondary → primary): `port`(2) `tree`(2): the Discarding the primary
//!   sent for that port and tree is in force (or moot: this peer does not follow the bridge).
//!
//! BPDUs the secondary receives travel in the STP Relay TLV (0x3E04) with the logical port.

use alloc::collections::BTreeMap;
use alloc::vec::Vec;
use fdb::MlagId;
use l2_types::{Instant, MacAddr, PortNo};
use stp::{AdminP2p, BridgeConfig, ForceVersion, LinkState, PathCost, PathCostMethod, PortConfig};

/// Consistency record kind: one entry of the primary's STP input log.
pub const STP_LOG: u8 = 0x10;
/// Consistency record kind: the primary's bridge fingerprint after an entry.
pub const STP_FINGERPRINT: u8 = 0x11;
/// Consistency record kind: the secondary asks for a catch-up of the log.
pub const STP_RESYNC: u8 = 0x12;
/// Consistency record kind: one of the secondary's single-homed ports (add, remove, link).
pub const STP_PORT: u8 = 0x13;

/// Consistency record kind: a peer's claim to the STP authority at a connection (`1` if it
/// ran the pair's bridge with its halves released, else `0`).
pub const STP_CLAIM: u8 = 0x14;

/// Consistency record kind: an output of the primary's bridge about a port the secondary
/// serves (a BPDU to send, a port state, a flush).
pub const STP_OUT: u8 = 0x15;

/// Consistency record kind (secondary → primary): a Discarding of [`STP_OUT`] is in force
/// (`port`(2) `tree`(2)); the primary's ports that wait for it may forward (802.1D-2004
/// §17.21.3: disabling forwarding completes when forwarding has stopped).
pub const STP_OFF_DONE: u8 = 0x16;

/// Catch-up flag of [`Entry::op`].
pub(crate) const CATCH_UP: u8 = 0x80;
/// Last-of-catch-up flag of [`Entry::op`].
pub(crate) const CATCH_UP_END: u8 = 0x40;

/// The operation of a log entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    Genesis,
    AddPort,
    RemovePort,
    Link,
    Frame,
    Timeout,
    Bridge,
    SetPort,
    Snapshot,
    Region,
    MstiPort,
}

impl Op {
    const fn code(self) -> u8 {
        match self {
            Self::Genesis => 0,
            Self::AddPort => 1,
            Self::RemovePort => 2,
            Self::Link => 3,
            Self::Frame => 4,
            Self::Timeout => 5,
            Self::Bridge => 6,
            Self::SetPort => 7,
            Self::Snapshot => 8,
            Self::Region => 9,
            Self::MstiPort => 10,
        }
    }

    const fn of(code: u8) -> Option<Self> {
        Some(match code {
            0 => Self::Genesis,
            1 => Self::AddPort,
            2 => Self::RemovePort,
            3 => Self::Link,
            4 => Self::Frame,
            5 => Self::Timeout,
            6 => Self::Bridge,
            7 => Self::SetPort,
            8 => Self::Snapshot,
            9 => Self::Region,
            10 => Self::MstiPort,
            _ => return None,
        })
    }
}

/// One entry of the input log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Entry {
    pub seq: u32,
    pub at: Instant,
    pub op: Op,
    /// [`CATCH_UP`] / [`CATCH_UP_END`].
    pub flags: u8,
    pub port: u16,
    pub payload: Vec<u8>,
}

struct Rd<'a>(&'a [u8]);

impl<'a> Rd<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let (a, b) = (self.0.get(..n)?, self.0.get(n..)?);
        self.0 = b;
        Some(a)
    }
    fn u8(&mut self) -> Option<u8> {
        self.take(1)?.first().copied()
    }
    fn u16(&mut self) -> Option<u16> {
        let b = self.take(2)?;
        Some(u16::from_be_bytes([*b.first()?, *b.get(1)?]))
    }
    fn u32(&mut self) -> Option<u32> {
        let mut a = [0u8; 4];
        a.copy_from_slice(self.take(4)?);
        Some(u32::from_be_bytes(a))
    }
    fn u64(&mut self) -> Option<u64> {
        let mut a = [0u8; 8];
        a.copy_from_slice(self.take(8)?);
        Some(u64::from_be_bytes(a))
    }
    fn mac(&mut self) -> Option<MacAddr> {
        MacAddr::from_slice(self.take(6)?)
    }
    fn rest(self) -> &'a [u8] {
        self.0
    }
}

impl Entry {
    pub(crate) fn encode(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(15 + self.payload.len());
        v.extend_from_slice(&self.seq.to_be_bytes());
        v.extend_from_slice(&self.at.as_nanos().to_be_bytes());
        v.push(self.op.code() | self.flags);
        v.extend_from_slice(&self.port.to_be_bytes());
        v.extend_from_slice(&self.payload);
        v
    }

    /// Total: `None` for anything that is not an entry.
    pub(crate) fn decode(b: &[u8]) -> Option<Self> {
        let mut r = Rd(b);
        let seq = r.u32()?;
        let at = Instant::from_nanos(r.u64()?);
        let op = r.u8()?;
        let port = r.u16()?;
        Some(Self {
            seq,
            at,
            op: Op::of(op & 0x3f)?,
            flags: op & (CATCH_UP | CATCH_UP_END),
            port,
            payload: r.rest().to_vec(),
        })
    }
}

/// A secondary's port record ([`STP_PORT`]).
pub(crate) fn encode_port(op: Op, port: u16, payload: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(3 + payload.len());
    v.push(op.code());
    v.extend_from_slice(&port.to_be_bytes());
    v.extend_from_slice(payload);
    v
}

/// Total decoder of [`encode_port`].
pub(crate) fn decode_port(b: &[u8]) -> Option<(Op, u16, &[u8])> {
    let mut r = Rd(b);
    let op = Op::of(r.u8()?)?;
    let port = r.u16()?;
    matches!(
        op,
        Op::AddPort | Op::RemovePort | Op::Link | Op::SetPort | Op::MstiPort
    )
    .then_some((op, port, r.rest()))
}

/// A fingerprint record ([`STP_FINGERPRINT`]).
pub(crate) fn encode_fingerprint(seq: u32, fp: u64) -> Vec<u8> {
    let mut v = Vec::with_capacity(12);
    v.extend_from_slice(&seq.to_be_bytes());
    v.extend_from_slice(&fp.to_be_bytes());
    v
}

/// Total decoder of [`encode_fingerprint`].
pub(crate) fn decode_fingerprint(b: &[u8]) -> Option<(u32, u64)> {
    let mut r = Rd(b);
    let v = (r.u32()?, r.u64()?);
    r.rest().is_empty().then_some(v)
}

pub(crate) fn encode_bridge(c: &BridgeConfig) -> Vec<u8> {
    let mut v = Vec::with_capacity(16);
    v.extend_from_slice(&c.address.0);
    v.extend_from_slice(&c.priority.to_be_bytes());
    v.extend_from_slice(&[
        c.max_age,
        c.hello_time,
        c.forward_delay,
        c.tx_hold_count,
        c.force_version.number(),
        c.max_hops,
        match c.path_cost_method {
            PathCostMethod::Long => 0,
            PathCostMethod::Short => 1,
        },
        // The extensions (bit 0: stale information aging, bit 1: root sequencing); an entry
        // written before them ends above and means none.
        u8::from(c.stale_info_aging) | (2 * u8::from(c.root_sequencing)),
    ]);
    v
}

pub(crate) fn decode_bridge(b: &[u8]) -> Option<BridgeConfig> {
    let mut r = Rd(b);
    let mut c = BridgeConfig::new(r.mac()?);
    c.priority = r.u16()?;
    c.max_age = r.u8()?;
    c.hello_time = r.u8()?;
    c.forward_delay = r.u8()?;
    c.tx_hold_count = r.u8()?;
    c.force_version = match r.u8()? {
        0 => ForceVersion::Stp,
        2 => ForceVersion::Rstp,
        3 => ForceVersion::Mstp,
        _ => return None,
    };
    c.max_hops = r.u8()?;
    c.path_cost_method = match r.u8()? {
        0 => PathCostMethod::Long,
        1 => PathCostMethod::Short,
        _ => return None,
    };
    (c.stale_info_aging, c.root_sequencing) = match r.rest() {
        [] => (false, false),
        [x] if *x < 4 => (x & 1 != 0, x & 2 != 0),
        _ => return None,
    };
    Some(c)
}

pub(crate) fn encode_add(mlag: Option<MlagId>, c: &PortConfig) -> Vec<u8> {
    let mut v = Vec::with_capacity(19);
    v.push(u8::from(mlag.is_some()));
    v.extend_from_slice(&mlag.map_or(0, |m| m.0).to_be_bytes());
    v.extend_from_slice(&c.mac.0);
    let flags = [
        c.enabled,
        c.admin_edge,
        c.auto_edge,
        c.bpdu_guard,
        c.root_guard,
        c.loop_guard,
        c.bpdu_filter,
        c.restricted_tcn,
        c.bridge_assurance,
    ]
    .iter()
    .enumerate()
    .fold(0u16, |f, (i, b)| f | (u16::from(*b) << i));
    v.extend_from_slice(&flags.to_be_bytes());
    v.push(c.priority);
    let cost = match c.path_cost {
        PathCost::Auto => 0,
        PathCost::Fixed(x) => x,
    };
    v.extend_from_slice(&cost.to_be_bytes());
    v.push(match c.point_to_point {
        AdminP2p::Auto => 0,
        AdminP2p::ForceTrue => 1,
        AdminP2p::ForceFalse => 2,
    });
    v
}

pub(crate) fn decode_add(b: &[u8]) -> Option<(Option<MlagId>, PortConfig)> {
    let mut r = Rd(b);
    let is_mlag = match r.u8()? {
        0 => false,
        1 => true,
        _ => return None,
    };
    let id = r.u32()?;
    let mut c = PortConfig::new(r.mac()?);
    let f = r.u16()?;
    let bit = |i: u16| f & (1 << i) != 0;
    c.enabled = bit(0);
    c.admin_edge = bit(1);
    c.auto_edge = bit(2);
    c.bpdu_guard = bit(3);
    c.root_guard = bit(4);
    c.loop_guard = bit(5);
    c.bpdu_filter = bit(6);
    c.restricted_tcn = bit(7);
    c.bridge_assurance = bit(8);
    c.priority = r.u8()?;
    c.path_cost = match r.u32()? {
        0 => PathCost::Auto,
        x => PathCost::Fixed(x),
    };
    c.point_to_point = match r.u8()? {
        0 => AdminP2p::Auto,
        1 => AdminP2p::ForceTrue,
        2 => AdminP2p::ForceFalse,
        _ => return None,
    };
    r.rest()
        .is_empty()
        .then_some((is_mlag.then_some(MlagId(id)), c))
}

pub(crate) fn encode_link(l: LinkState) -> Vec<u8> {
    let mut v = Vec::with_capacity(6);
    match l {
        LinkState::Down => v.extend_from_slice(&[0, 0, 0, 0, 0, 0]),
        LinkState::Up {
            speed_mbps,
            full_duplex,
        } => {
            v.push(1);
            v.extend_from_slice(&speed_mbps.to_be_bytes());
            v.push(u8::from(full_duplex));
        }
    }
    v
}

pub(crate) fn decode_link(b: &[u8]) -> Option<LinkState> {
    let mut r = Rd(b);
    let up = r.u8()?;
    let speed_mbps = r.u32()?;
    let fd = r.u8()?;
    if !r.rest().is_empty() || up > 1 || fd > 1 {
        return None;
    }
    Some(if up == 1 {
        LinkState::Up {
            speed_mbps,
            full_duplex: fd == 1,
        }
    } else {
        LinkState::Down
    })
}

/// An output of the primary's bridge about a port the secondary serves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Out<'a> {
    Transmit(u16, &'a [u8]),
    State(u16, stp::TreeId, stp::PortState),
    Flush(u16, stp::TreeId),
}

impl Out<'_> {
    pub(crate) fn encode(&self) -> Vec<u8> {
        let mut v = Vec::new();
        match self {
            Self::Transmit(p, f) => {
                v.push(0);
                v.extend_from_slice(&p.to_be_bytes());
                v.extend_from_slice(f);
            }
            Self::State(p, t, s) => {
                v.push(1);
                v.extend_from_slice(&p.to_be_bytes());
                v.extend_from_slice(&t.to_be_bytes());
                v.push(match s {
                    stp::PortState::Discarding => 0,
                    stp::PortState::Learning => 1,
                    stp::PortState::Forwarding => 2,
                });
            }
            Self::Flush(p, t) => {
                v.push(2);
                v.extend_from_slice(&p.to_be_bytes());
                v.extend_from_slice(&t.to_be_bytes());
            }
        }
        v
    }
}

/// Total decoder of [`Out::encode`].
pub(crate) fn decode_out(b: &[u8]) -> Option<Out<'_>> {
    let mut r = Rd(b);
    let op = r.u8()?;
    let port = r.u16()?;
    match op {
        0 => Some(Out::Transmit(port, r.rest())),
        1 => {
            let tree = r.u16()?;
            let state = match r.u8()? {
                0 => stp::PortState::Discarding,
                1 => stp::PortState::Learning,
                2 => stp::PortState::Forwarding,
                _ => return None,
            };
            r.rest().is_empty().then_some(Out::State(port, tree, state))
        }
        2 => {
            let tree = r.u16()?;
            r.rest().is_empty().then_some(Out::Flush(port, tree))
        }
        _ => None,
    }
}

/// What applying an entry did, beyond the bridge's own outputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Applied {
    /// Nothing to note.
    Ok,
    /// A genesis: the bridge was replaced.
    Reset,
    /// A port was added with this mlag-id.
    Mlag(MlagId, u16),
    /// The entry could not be applied (malformed payload or refused by the bridge).
    Refused,
}

/// Applies one log entry to `bridge` (a genesis creates it). The primary records an entry and
/// then applies it with this function, the replica applies what it receives with it: one code
/// path, one result.
pub(crate) fn apply(bridge: &mut Option<stp::Bridge>, e: &Entry) -> Applied {
    if e.op == Op::Genesis {
        return match decode_bridge(&e.payload).and_then(|c| stp::Bridge::new(c).ok()) {
            Some(b) => {
                *bridge = Some(b);
                Applied::Reset
            }
            None => Applied::Refused,
        };
    }
    let Some(b) = bridge.as_mut() else {
        return Applied::Refused;
    };
    let port = PortNo(e.port);
    match e.op {
        Op::Genesis => Applied::Refused,
        Op::AddPort => match decode_add(&e.payload) {
            Some((mlag, cfg)) if b.add_port(e.at, port, cfg).is_ok() => {
                mlag.map_or(Applied::Ok, |m| Applied::Mlag(m, e.port))
            }
            _ => Applied::Refused,
        },
        Op::RemovePort => match b.remove_port(e.at, port) {
            Ok(()) => Applied::Ok,
            Err(_) => Applied::Refused,
        },
        Op::Link => match decode_link(&e.payload) {
            Some(l) => {
                b.handle_link(e.at, port, l);
                Applied::Ok
            }
            None => Applied::Refused,
        },
        Op::Frame => {
            // Rejections are counted in the bridge's statistics, on both replicas alike.
            let _ = b.handle_frame(e.at, port, &e.payload);
            Applied::Ok
        }
        Op::Timeout => {
            b.handle_timeout(e.at);
            Applied::Ok
        }
        Op::Bridge => match decode_bridge(&e.payload) {
            Some(c) if b.set_bridge_config(e.at, c).is_ok() => Applied::Ok,
            _ => Applied::Refused,
        },
        Op::SetPort => match decode_add(&e.payload) {
            Some((_, cfg)) if b.set_port_config(e.at, port, cfg).is_ok() => Applied::Ok,
            _ => Applied::Refused,
        },
        Op::MstiPort => match decode_msti_port(&e.payload) {
            // 802.1Q-2018 §13.27.33 / §13.27.47: per-tree port priority and internal cost.
            Some(v) => {
                // Every setting is tried (no short cut): the result is the same on both peers.
                let refused = v
                    .iter()
                    .filter(|m| {
                        b.set_msti_port(e.at, port, m.id, m.priority, m.internal_path_cost)
                            .is_err()
                    })
                    .count();
                let ok = refused == 0;
                if ok { Applied::Ok } else { Applied::Refused }
            }
            None => Applied::Refused,
        },
        // Snapshot and region parts are assembled (`SnapshotParts`, `RegionParts`), not
        // applied one by one.
        Op::Snapshot | Op::Region => Applied::Refused,
    }
}

/// Octets of an MST region per log entry.
pub const REGION_CHUNK: usize = 1024;

/// The MST region of the logical bridge: the MST Configuration Identifier's inputs
/// (802.1Q-2018 §13.8: name, revision, the VID→MSTID map) and the MSTIs' bridge priorities
/// (§13.26.2). Both peers build it from their configuration the same way, so equal
/// configurations give equal identifiers.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Region {
    /// `region-name` (at most 32 octets).
    pub name: alloc::string::String,
    /// `region-revision`.
    pub revision: u16,
    /// (MSTID, bridge priority) of every MSTI, ascending.
    pub mstis: Vec<(u16, u16)>,
    /// (first VID, last VID, MSTID): the VLAN→MSTI map in ascending runs.
    pub ranges: Vec<(u16, u16, u16)>,
}

impl Region {
    /// The region of a bridge's settings: `/interface bridge msti` entries in MSTID order.
    pub fn of(s: &crate::config::StpSettings) -> Self {
        let mut ranges: Vec<(u16, u16, u16)> = Vec::new();
        let mut map: BTreeMap<u16, u16> = BTreeMap::new();
        for m in &s.mstis {
            for v in &m.vlans {
                map.insert(v.get(), m.id);
            }
        }
        for (vid, id) in map {
            match ranges.last_mut() {
                Some((_, last, m)) if *m == id && last.checked_add(1) == Some(vid) => *last = vid,
                _ => ranges.push((vid, vid, id)),
            }
        }
        Self {
            name: s.region_name.clone(),
            revision: s.region_revision,
            mstis: s
                .mstis
                .iter()
                .filter(|m| !m.vlans.is_empty())
                .map(|m| (m.id, m.priority))
                .collect(),
            ranges,
        }
    }

    /// The VID→MSTID table (`stp`'s), MSTIs without VLANs left out as 802.1Q has it (an MSTI
    /// exists by its VLANs).
    pub fn table(&self) -> stp::wire::VidToMstid {
        let mut t = stp::wire::VidToMstid::all_cist();
        for &(first, last, id) in &self.ranges {
            for vid in first..=last {
                t.set(vid, id);
            }
        }
        t
    }

    /// The MST Configuration Identifier this region gives (802.1Q-2018 §13.8).
    pub fn config_id(&self) -> stp::wire::MstConfigId {
        stp::wire::MstConfigId::new(&self.name, self.revision, &self.table())
    }

    /// The region a bridge runs (its identifier's name and revision, its map, its MSTIs'
    /// priorities): what [`apply_region`] would have to change.
    pub(crate) fn of_bridge(b: &stp::Bridge) -> Self {
        let id = b.mst_config_id();
        let name = alloc::string::String::from_utf8_lossy(id.name_bytes()).into_owned();
        let mut ranges: Vec<(u16, u16, u16)> = Vec::new();
        for vid in 1..=4094u16 {
            let m = b.mstid_of_vid(vid);
            if m == 0 {
                continue;
            }
            match ranges.last_mut() {
                Some((_, last, x)) if *x == m && *last + 1 == vid => *last = vid,
                _ => ranges.push((vid, vid, m)),
            }
        }
        let mstis = b
            .mstids()
            .filter_map(|m| b.msti(m).map(|s| (m, s.bridge_id.priority())))
            .collect();
        Self {
            name,
            revision: id.revision,
            mstis,
            ranges,
        }
    }

    fn encode(&self) -> Vec<u8> {
        let name = self.name.as_bytes();
        let name = name.get(..name.len().min(32)).unwrap_or_default();
        let mut v =
            Vec::with_capacity(8 + name.len() + 4 * self.mstis.len() + 6 * self.ranges.len());
        v.push(u8::try_from(name.len()).unwrap_or(32));
        v.extend_from_slice(name);
        v.extend_from_slice(&self.revision.to_be_bytes());
        let n = u8::try_from(self.mstis.len()).unwrap_or(u8::MAX);
        v.push(n);
        for (id, prio) in self.mstis.iter().take(usize::from(n)) {
            v.extend_from_slice(&id.to_be_bytes());
            v.extend_from_slice(&prio.to_be_bytes());
        }
        let n = u16::try_from(self.ranges.len()).unwrap_or(u16::MAX);
        v.extend_from_slice(&n.to_be_bytes());
        for (a, b, id) in self.ranges.iter().take(usize::from(n)) {
            v.extend_from_slice(&a.to_be_bytes());
            v.extend_from_slice(&b.to_be_bytes());
            v.extend_from_slice(&id.to_be_bytes());
        }
        v
    }

    fn decode(b: &[u8]) -> Option<Self> {
        let mut r = Rd(b);
        let n = usize::from(r.u8()?);
        if n > 32 {
            return None;
        }
        let name = alloc::string::String::from(core::str::from_utf8(r.take(n)?).ok()?);
        let revision = r.u16()?;
        let mut mstis = Vec::new();
        for _ in 0..r.u8()? {
            mstis.push((r.u16()?, r.u16()?));
        }
        let mut ranges = Vec::new();
        for _ in 0..r.u16()? {
            let (a, b, id) = (r.u16()?, r.u16()?, r.u16()?);
            if a == 0 || a > b || b > 4094 || id == 0 || id > stp::wire::mcid::MSTID_MAX {
                return None;
            }
            ranges.push((a, b, id));
        }
        r.rest().is_empty().then_some(Self {
            name,
            revision,
            mstis,
            ranges,
        })
    }

    /// The payloads of the [`Op::Region`] entries that set this region.
    pub(crate) fn payloads(&self) -> Vec<Vec<u8>> {
        let blob = self.encode();
        let parts = blob.len().div_ceil(REGION_CHUNK).max(1);
        let total = u8::try_from(parts).unwrap_or(u8::MAX);
        let mut out: Vec<Vec<u8>> = blob
            .chunks(REGION_CHUNK)
            .enumerate()
            .map(|(k, c)| {
                let mut v = Vec::with_capacity(2 + c.len());
                v.push(u8::try_from(k).unwrap_or(u8::MAX));
                v.push(total);
                v.extend_from_slice(c);
                v
            })
            .collect();
        if out.is_empty() {
            out.push(alloc::vec![0, 1]);
        }
        out
    }
}

/// The parts of an MST region received so far (entries of [`Op::Region`]).
#[derive(Debug, Default)]
pub(crate) struct RegionParts {
    next: usize,
    octets: Vec<u8>,
}

impl RegionParts {
    /// The next part expected and the octets received so far (for a coordinator snapshot).
    pub(crate) fn state(&self) -> (usize, &[u8]) {
        (self.next, &self.octets)
    }

    /// Parts received so far, as [`state`](Self::state) gave them.
    pub(crate) fn from_state(next: usize, octets: Vec<u8>) -> Self {
        Self { next, octets }
    }

    /// Adds a part; with the last one, sets the region on `bridge` (`Some(true)`), or fails
    /// (`Some(false)`: a part out of order, a region that does not decode or that the bridge
    /// refuses); `None` while parts are missing.
    pub(crate) fn add(&mut self, bridge: Option<&mut stp::Bridge>, e: &Entry) -> Option<bool> {
        let mut r = Rd(&e.payload);
        let (Some(part), Some(parts)) = (r.u8(), r.u8()) else {
            return Some(false);
        };
        let (part, parts) = (usize::from(part), usize::from(parts));
        if part == 0 {
            self.next = 0;
            self.octets.clear();
        }
        if part != self.next || part >= parts {
            self.next = usize::MAX;
            return Some(false);
        }
        self.next += 1;
        self.octets.extend_from_slice(r.rest());
        if self.next < parts {
            return None;
        }
        self.next = usize::MAX;
        let octets = core::mem::take(&mut self.octets);
        let (Some(region), Some(b)) = (Region::decode(&octets), bridge) else {
            return Some(false);
        };
        Some(apply_region(b, e.at, &region))
    }
}

/// Sets `region` on `b`: the MST Configuration Identifier and VLAN map (802.1Q-2018 §13.8,
/// the MSTIs restart at BEGIN — `stp::Bridge::set_mst_region`), then each MSTI's bridge
/// priority (§13.26.2). False if the bridge refused a part.
pub(crate) fn apply_region(b: &mut stp::Bridge, at: Instant, region: &Region) -> bool {
    if b.set_mst_region(&region.name, region.revision, &region.table())
        .is_err()
    {
        return false;
    }
    let mut ok = true;
    for &(id, prio) in &region.mstis {
        // An MSTI without VLANs has no tree (`set_mst_region` creates the map's MSTIs).
        if b.msti(id).is_some() {
            ok &= b.set_msti_priority(at, id, prio).is_ok();
        }
    }
    ok
}

/// One port's settings on one MSTI (`/interface bridge port-mst-override`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct MstiPortSettings {
    pub id: u16,
    pub priority: u8,
    pub internal_path_cost: Option<u32>,
}

/// The payload of an [`Op::MstiPort`] entry.
pub(crate) fn encode_msti_port(v: &[MstiPortSettings]) -> Vec<u8> {
    let n = u8::try_from(v.len()).unwrap_or(u8::MAX);
    let mut out = Vec::with_capacity(1 + 7 * usize::from(n));
    out.push(n);
    for m in v.iter().take(usize::from(n)) {
        out.extend_from_slice(&m.id.to_be_bytes());
        out.push(m.priority);
        out.extend_from_slice(&m.internal_path_cost.unwrap_or(0).to_be_bytes());
    }
    out
}

/// Total decoder of [`encode_msti_port`].
pub(crate) fn decode_msti_port(b: &[u8]) -> Option<Vec<MstiPortSettings>> {
    let mut r = Rd(b);
    let mut v = Vec::new();
    for _ in 0..r.u8()? {
        let id = r.u16()?;
        let priority = r.u8()?;
        let cost = r.u32()?;
        v.push(MstiPortSettings {
            id,
            priority,
            internal_path_cost: (cost != 0).then_some(cost),
        });
    }
    r.rest().is_empty().then_some(v)
}

/// Octets of a snapshot catch-up per log entry (an entry must fit one ICCP message).
pub const SNAPSHOT_CHUNK: usize = 1024;
/// Most parts of one snapshot catch-up (64 MiB).
const SNAPSHOT_PARTS_MAX: usize = 65_536;

/// The payloads of the [`Op::Snapshot`] entries of an exact catch-up: `bridge`'s snapshot
/// at `at` with the MLAG ports (`mlag`: mlag-id → logical port).
pub(crate) fn snapshot_payloads(
    bridge: &stp::Bridge,
    at: Instant,
    mlag: &BTreeMap<MlagId, u16>,
) -> Vec<Vec<u8>> {
    let mut blob = Vec::new();
    let n = u16::try_from(mlag.len()).unwrap_or(u16::MAX);
    blob.extend_from_slice(&n.to_be_bytes());
    for (id, port) in mlag.iter().take(usize::from(n)) {
        blob.extend_from_slice(&port.to_be_bytes());
        blob.extend_from_slice(&id.0.to_be_bytes());
    }
    blob.extend_from_slice(&bridge.snapshot(at));
    let parts = blob.len().div_ceil(SNAPSHOT_CHUNK);
    let total = u16::try_from(parts).unwrap_or(u16::MAX);
    blob.chunks(SNAPSHOT_CHUNK)
        .enumerate()
        .map(|(k, c)| {
            let mut v = Vec::with_capacity(4 + c.len());
            v.extend_from_slice(&u16::try_from(k).unwrap_or(u16::MAX).to_be_bytes());
            v.extend_from_slice(&total.to_be_bytes());
            v.extend_from_slice(c);
            v
        })
        .collect()
}

/// A bridge restored from a snapshot catch-up and the bookkeeping the coordinator keeps
/// beside it.
#[derive(Debug)]
pub(crate) struct Restored {
    pub bridge: stp::Bridge,
    /// Logical port → (mlag-id, settings), for every port of the bridge.
    pub ports: BTreeMap<u16, (Option<MlagId>, PortConfig)>,
    /// Logical port → link, for every port of the bridge.
    pub links: BTreeMap<u16, LinkState>,
    /// mlag-id → logical port.
    pub mlag_ports: BTreeMap<MlagId, u16>,
}

/// The parts of a snapshot catch-up received so far.
#[derive(Debug, Default)]
pub(crate) struct SnapshotParts {
    next: usize,
    octets: Vec<u8>,
}

impl SnapshotParts {
    /// Adds the part in `payload` (part 0 starts over). `None` while parts are missing;
    /// `Some(Err(()))` for a part out of order or a snapshot that does not restore, `Some(Ok)`
    /// with the restored bridge (its times at `at`) after the last part.
    pub(crate) fn add(&mut self, payload: &[u8], at: Instant) -> Option<Result<Restored, ()>> {
        let mut r = Rd(payload);
        let (Some(part), Some(parts)) = (r.u16(), r.u16()) else {
            return Some(Err(()));
        };
        let (part, parts) = (usize::from(part), usize::from(parts));
        if part == 0 {
            self.next = 0;
            self.octets.clear();
        }
        if part != self.next || part >= parts || parts > SNAPSHOT_PARTS_MAX {
            self.next = usize::MAX;
            return Some(Err(()));
        }
        self.next += 1;
        self.octets.extend_from_slice(r.rest());
        if self.next < parts {
            return None;
        }
        self.next = usize::MAX;
        let octets = core::mem::take(&mut self.octets);
        Some(restore_blob(&octets, at).ok_or(()))
    }
}

/// Decodes the concatenated parts of a snapshot catch-up.
fn restore_blob(b: &[u8], at: Instant) -> Option<Restored> {
    let mut r = Rd(b);
    let n = r.u16()?;
    let mut mlag_ports = BTreeMap::new();
    for _ in 0..n {
        let port = r.u16()?;
        let id = MlagId(r.u32()?);
        mlag_ports.insert(id, port);
    }
    let bridge = stp::Bridge::restore(r.rest(), at).ok()?;
    let mut ports = BTreeMap::new();
    let mut links = BTreeMap::new();
    for p in bridge.ports() {
        let no = p.port;
        let id = mlag_ports
            .iter()
            .find(|&(_, &q)| q == no.get())
            .map(|(id, _)| *id);
        ports.insert(no.get(), (id, bridge.port_config(no)?));
        links.insert(no.get(), bridge.port_link(no)?);
    }
    // Every MLAG port is a port of the bridge, once.
    if mlag_ports.len() != usize::from(n) || mlag_ports.values().any(|p| !ports.contains_key(p)) {
        return None;
    }
    Some(Restored {
        bridge,
        ports,
        links,
        mlag_ports,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    fn entries() -> Vec<Entry> {
        let mut pc = PortConfig::new(MacAddr([2, 0, 0, 0, 0, 9]));
        pc.admin_edge = true;
        pc.bridge_assurance = true;
        pc.priority = 96;
        pc.path_cost = PathCost::Fixed(2000);
        pc.point_to_point = AdminP2p::ForceFalse;
        let mut bc = BridgeConfig::new(MacAddr([2, 0, 0, 0, 1, 0]));
        bc.priority = 4096;
        bc.force_version = ForceVersion::Mstp;
        bc.path_cost_method = PathCostMethod::Short;
        let at = Instant::from_millis(1234);
        let e = |seq, op, port, payload| Entry {
            seq,
            at,
            op,
            flags: 0,
            port,
            payload,
        };
        vec![
            e(0, Op::Genesis, 0, encode_bridge(&bc)),
            e(1, Op::AddPort, 3073, encode_add(Some(MlagId(10)), &pc)),
            e(
                2,
                Op::AddPort,
                1,
                encode_add(None, &PortConfig::new(MacAddr([2, 0, 0, 0, 0, 1]))),
            ),
            e(
                3,
                Op::Link,
                1,
                encode_link(LinkState::Up {
                    speed_mbps: 10_000,
                    full_duplex: true,
                }),
            ),
            e(4, Op::Link, 1, encode_link(LinkState::Down)),
            e(5, Op::Frame, 1, vec![1, 2, 3]),
            e(6, Op::Timeout, 0, Vec::new()),
            e(7, Op::Bridge, 0, encode_bridge(&bc)),
            e(8, Op::SetPort, 3073, encode_add(Some(MlagId(10)), &pc)),
            e(9, Op::RemovePort, 1, Vec::new()),
        ]
    }

    #[test]
    fn entries_round_trip_with_flags() {
        for mut e in entries() {
            assert_eq!(Entry::decode(&e.encode()), Some(e.clone()));
            e.flags = CATCH_UP | CATCH_UP_END;
            assert_eq!(Entry::decode(&e.encode()), Some(e));
        }
    }

    #[test]
    fn settings_round_trip() {
        let es = entries();
        let bc = decode_bridge(&es[0].payload).unwrap();
        assert_eq!(encode_bridge(&bc), es[0].payload);
        assert_eq!(bc.priority, 4096);
        assert_eq!(bc.force_version, ForceVersion::Mstp);
        let (id, pc) = decode_add(&es[1].payload).unwrap();
        assert_eq!(id, Some(MlagId(10)));
        assert_eq!(encode_add(id, &pc), es[1].payload);
        assert!(pc.admin_edge && pc.bridge_assurance && !pc.bpdu_guard);
        assert_eq!(pc.path_cost, PathCost::Fixed(2000));
        assert_eq!(decode_add(&es[2].payload).unwrap().0, None);
        assert_eq!(decode_link(&es[4].payload), Some(LinkState::Down));
        assert_eq!(
            decode_fingerprint(&encode_fingerprint(7, 99)),
            Some((7, 99))
        );
        let p = encode_port(Op::Link, 1537, &es[3].payload);
        assert_eq!(
            decode_port(&p),
            Some((Op::Link, 1537, es[3].payload.as_slice()))
        );
    }

    #[test]
    fn decoders_are_total_and_strict() {
        for e in entries() {
            let b = e.encode();
            for n in 0..b.len() {
                let _ = Entry::decode(&b[..n]);
                let _ = decode_bridge(&e.payload[..n.min(e.payload.len())]);
                let _ = decode_add(&e.payload[..n.min(e.payload.len())]);
                let _ = decode_link(&e.payload[..n.min(e.payload.len())]);
                let _ = decode_port(&b[..n]);
                let _ = decode_fingerprint(&b[..n]);
            }
        }
        assert_eq!(Entry::decode(&[0; 14]), None, "short header");
        let mut b = entries()[0].encode();
        b[12] = 0x3f;
        assert_eq!(Entry::decode(&b), None, "unknown operation");
        assert_eq!(decode_link(&[2, 0, 0, 0, 0, 0]), None);
        assert_eq!(decode_port(&encode_port(Op::Frame, 1, &[])), None);
        let mut bc = encode_bridge(&BridgeConfig::new(MacAddr([2, 0, 0, 0, 0, 1])));
        bc.push(0);
        assert_eq!(decode_bridge(&bc), None, "trailing octets");
        // The extensions octet: absent in entries written before it (none), bits 0 and 1.
        for (aging, rs) in [(true, false), (false, true), (true, true)] {
            let mut on = BridgeConfig::new(MacAddr([2, 0, 0, 0, 0, 1]));
            on.stale_info_aging = aging;
            on.root_sequencing = rs;
            assert_eq!(decode_bridge(&encode_bridge(&on)), Some(on));
        }
        let mut b = encode_bridge(&BridgeConfig::new(MacAddr([2, 0, 0, 0, 0, 1])));
        b.pop();
        let off = decode_bridge(&b).unwrap();
        assert!(
            !off.stale_info_aging && !off.root_sequencing,
            "an entry without extensions has none"
        );
        b.push(4);
        assert_eq!(decode_bridge(&b), None, "unknown extension");
    }

    #[test]
    fn replaying_the_same_entries_gives_the_same_bridge() {
        let es = entries();
        let (mut a, mut b) = (None, None);
        for e in &es {
            apply(&mut a, e);
        }
        for e in &es {
            apply(&mut b, e);
        }
        let (a, b) = (a.unwrap(), b.unwrap());
        assert_eq!(a.fingerprint(), b.fingerprint());
        assert!(a.port(PortNo(3073)).is_some());
        assert!(a.port(PortNo(1)).is_none(), "removed");
        assert_eq!(
            apply(&mut None, &es[5]),
            Applied::Refused,
            "no bridge before genesis"
        );
    }
    /// A bridge with many ports (a snapshot of several parts), replayed from `entries()`.
    fn big_bridge() -> (stp::Bridge, Instant) {
        let mut bridge = None;
        for e in entries().iter().take(4) {
            apply(&mut bridge, e);
        }
        let mut b = bridge.unwrap();
        let at = Instant::from_secs(9);
        for n in 2..40u16 {
            b.add_port(
                at,
                PortNo(n),
                PortConfig::new(MacAddr([2, 0, 0, 0, 2, n as u8])),
            )
            .unwrap();
            b.handle_link(
                at,
                PortNo(n),
                LinkState::Up {
                    speed_mbps: 1000,
                    full_duplex: n % 2 == 0,
                },
            );
        }
        (b, at)
    }

    #[test]
    fn snapshot_parts_restore_the_bridge_and_its_books() {
        let (b, at) = big_bridge();
        let mlag: BTreeMap<MlagId, u16> = [(MlagId(10), 3073)].into_iter().collect();
        let parts = snapshot_payloads(&b, at, &mlag);
        assert!(parts.len() > 3, "several parts");
        assert!(parts.iter().all(|p| p.len() <= 4 + SNAPSHOT_CHUNK));
        // Each part is one log entry, which must fit one ICCP message.
        let e = Entry {
            seq: 1,
            at,
            op: Op::Snapshot,
            flags: CATCH_UP,
            port: 0,
            payload: parts[0].clone(),
        };
        assert!(e.encode().len() < 1400);
        assert_eq!(Entry::decode(&e.encode()), Some(e));
        let later = at + core::time::Duration::from_secs(5);
        let mut asm = SnapshotParts::default();
        let mut done = None;
        for (k, p) in parts.iter().enumerate() {
            match asm.add(p, later) {
                None => assert!(k + 1 < parts.len()),
                Some(r) => done = Some(r.unwrap()),
            }
        }
        let r = done.unwrap();
        assert_eq!(r.bridge.fingerprint(), b.fingerprint());
        assert_eq!(r.bridge.snapshot(later), b.snapshot(at));
        assert_eq!(r.mlag_ports, mlag);
        assert_eq!(r.ports.len(), b.ports().count());
        assert_eq!(r.ports[&3073].0, Some(MlagId(10)));
        assert_eq!(r.ports[&5].0, None);
        assert_eq!(r.ports[&5].1, b.port_config(PortNo(5)).unwrap());
        assert_eq!(
            r.links[&5],
            LinkState::Up {
                speed_mbps: 1000,
                full_duplex: false
            }
        );
        // Out of order, a restart at part 0, and damage.
        let mut asm = SnapshotParts::default();
        assert!(matches!(asm.add(&parts[1], at), Some(Err(()))));
        assert!(asm.add(&parts[0], at).is_none());
        assert!(matches!(asm.add(&parts[2], at), Some(Err(()))));
        let mut asm = SnapshotParts::default();
        for p in &parts[..parts.len() - 1] {
            assert!(asm.add(p, at).is_none());
        }
        let mut last = parts[parts.len() - 1].clone();
        last.pop();
        assert!(matches!(asm.add(&last, at), Some(Err(()))), "truncated");
        // An MLAG port the bridge does not have.
        let bad: BTreeMap<MlagId, u16> = [(MlagId(11), 4000)].into_iter().collect();
        let mut asm = SnapshotParts::default();
        let mut out = None;
        for p in snapshot_payloads(&b, at, &bad) {
            out = asm.add(&p, at);
        }
        assert!(matches!(out, Some(Err(()))));
        // Any octets: no panic.
        for p in &parts {
            for n in 0..p.len().min(64) {
                let _ = SnapshotParts::default().add(&p[..n], at);
            }
        }
    }

    #[test]
    fn region_and_msti_port_entries_round_trip_and_apply() {
        let mut r = Region {
            name: "r1".into(),
            revision: 7,
            mstis: vec![(1, 4096), (2, 61440)],
            ranges: vec![(10, 19, 1), (20, 20, 2), (4000, 4094, 1)],
        };
        assert_eq!(Region::decode(&r.encode()), Some(r.clone()));
        let mut bridge = None;
        apply(&mut bridge, &entries()[0]);
        let mut parts = RegionParts::default();
        let e = |payload| Entry {
            seq: 1,
            at: Instant::from_secs(1),
            op: Op::Region,
            flags: 0,
            port: 0,
            payload,
        };
        for p in r.payloads() {
            assert_eq!(parts.add(bridge.as_mut(), &e(p)), Some(true));
        }
        let b = bridge.as_mut().unwrap();
        assert_eq!(Region::of_bridge(b), r);
        assert_eq!(*b.mst_config_id(), r.config_id());
        // A map of many runs takes several parts, reassembled in order only.
        r.ranges = (0..300u16)
            .map(|k| (1 + 2 * k, 1 + 2 * k, 1 + k % 2))
            .collect();
        let ps = r.payloads();
        assert!(ps.len() > 1);
        for (k, p) in ps.iter().enumerate() {
            let got = parts.add(bridge.as_mut(), &e(p.clone()));
            assert_eq!(got, (k + 1 == ps.len()).then_some(true));
        }
        assert_eq!(Region::of_bridge(bridge.as_ref().unwrap()), r);
        assert_eq!(parts.add(bridge.as_mut(), &e(ps[1].clone())), Some(false));
        // MSTI port settings.
        let v = vec![MstiPortSettings {
            id: 2,
            priority: 32,
            internal_path_cost: Some(5),
        }];
        assert_eq!(decode_msti_port(&encode_msti_port(&v)), Some(v.clone()));
        for n in 0..encode_msti_port(&v).len() {
            assert_eq!(decode_msti_port(&encode_msti_port(&v)[..n]), None);
        }
        let blob = r.encode();
        for n in 0..blob.len().min(200) {
            let _ = Region::decode(&blob[..n]);
        }
        assert_eq!(
            decode_port(&encode_port(Op::MstiPort, 1, &[0])),
            Some((Op::MstiPort, 1, &[0][..]))
        );
    }
}
