//! [`Bridge::snapshot`] and [`Bridge::restore`]: the bridge's complete state as versioned
//! octets, with times relative to a given instant.
//!
//! # Encoding (version 1, big-endian)
//!
//! `"STPS"` `version`(1) then, in this order: the bridge configuration; the CIST root priority
//! vector, root port identifier, root times, regional root and remaining hops; the last
//! reported root; the time of the last input; the statistics; the MST region (name (32),
//! revision (2), `count`(2) × `vid`(2) `mstid`(2) for every VLAN not on the CIST); the MSTI
//! change counter and idle flag; `count`(2) ports (configuration, link, every per-port variable
//! of 802.1Q-2018 §13.27 the bridge keeps, the machine states, the timers, the received BPDU
//! waiting for the machines, the counters, the timer-set deadline and the repeated-BPDU
//! record); `count`(1) MSTIs (MSTID, priority, root vector, root port, hops, one record per
//! port with every per-tree variable, machine state and timer, the work queue, the last
//! reported root); the queued transmissions and events; the cross-port procedure flags; the
//! allSynced cache; the machine work list; the pending repeated BPDU; the deferred
//! rcvdInfoWhile restarts; then the extensions, which a snapshot written before they existed
//! lacks (restored as off): `stale_info_aging`(1, 0 or 1), its two counters (8 each), and per
//! port the last designated BPDU's sender and root vector and the one it superseded
//! (`tag`(1): bit 0 the sender (8) and root vector follow, bit 1 (with bit 0) the superseded
//! root vector follows, bit 2 the port lags; a root vector is root (8), external cost (4),
//! regional root (8), internal cost (4)); then the second extension section, root sequencing
//! (absent in a snapshot written before it: off, nothing recorded), whose layout is on
//! `write_root_seq`: the setting, seven counters, the own sequence number, the feasible
//! distances, the request passed on and the one waited on, the retry instant, per port the
//! sequence numbers of its vectors and the request to send, and per queued transmission its
//! trailer.
//!
//! An instant is `tag`(1): 0 none, 1 an offset `i64` (8) in nanoseconds from the `now` given to
//! `snapshot`; `restore` adds it to its own `now` (saturating at the ends of the clock, which
//! only a restore earlier than an expired deadline's age reaches). A timer is stopped or an
//! instant.
//!
//! The decoder is total: any octets give a bridge or a [`SnapshotError`] — every count is
//! bounded (ports by [`PORTS_MAX`](crate::PORTS_MAX), MSTIs by 64, queues by their limits,
//! records by 64 MSTI messages) and checked against the octets left before anything is
//! allocated, every enumeration value and flag is checked, the configuration is validated, and
//! the restored bridge must pass the cross-checks below and
//! [`Bridge::check_invariants`].

use alloc::collections::{BinaryHeap, VecDeque};
use alloc::vec::Vec;
use core::cmp::Reverse;

use super::{Bridge, SyncCache};
use crate::config::{
    AdminP2p, BridgeConfig, ConfigError, ForceVersion, LinkState, PathCost, PathCostMethod,
    PortConfig,
};
use crate::event::{Event, Guard, PortCounters, PortState, Role, Stats};
use crate::machines::{PendingTx, TxBpdu};
use crate::msti::{Msti, MstiMsg, MstiPort, MstiPriorityVector, Queued};
use crate::port::{
    BdmState, ExtRecord, InfoIs, MstiFast, PimState, Port, PpmState, PrtState, PrxState, PstState,
    PtxState, RcvdInfo, RootVector, RxBpdu, RxKind, TcmState,
};
use crate::vector::{PriorityVector, RegionalVector, Times};
use crate::wire::{BpduFlags, BpduTime, BridgeId, ConfigBpdu, MstConfigId, PortId, VidToMstid};
use l2_types::{Duration, Instant, MacAddr, PortNo, Timer};

/// The first octets of a snapshot.
const MAGIC: [u8; 4] = *b"STPS";
/// The encoding version [`Bridge::snapshot`] writes and [`Bridge::restore`] reads.
pub const SNAPSHOT_VERSION: u8 = 1;
/// Most MSTIs (802.1Q: 64 MSTI configuration messages per BPDU).
const MSTIS_MAX: usize = crate::wire::bpdu::MSTIS_MAX;
/// Most octets of the MSTI records a port remembers.
const RECORDS_MAX: usize = MSTIS_MAX * crate::wire::bpdu::MSTI_LEN;

/// Why [`Bridge::restore`] refused a snapshot. Nothing is created.
#[derive(Clone, Copy, PartialEq, Eq, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SnapshotError {
    /// The octets end inside a field.
    #[error("snapshot truncated")]
    Truncated,
    /// Not a bridge snapshot.
    #[error("not a bridge snapshot")]
    BadMagic,
    /// An encoding version this code does not read.
    #[error("snapshot version {0} is not supported")]
    Version(u8),
    /// A field holds a value no bridge has (the field's name).
    #[error("invalid snapshot field: {0}")]
    Invalid(&'static str),
    /// A count beyond its bound.
    #[error("snapshot count out of bounds: {0}")]
    TooMany(&'static str),
    /// The bridge or a port configuration is invalid.
    #[error("invalid configuration in snapshot: {0}")]
    Config(ConfigError),
    /// The parts do not fit together (the check that failed).
    #[error("inconsistent snapshot: {0}")]
    Inconsistent(&'static str),
    /// Octets after the end.
    #[error("trailing octets after the snapshot")]
    Trailing,
}

/// An enumeration encoded as its position in `ALL`.
trait Code: Copy + PartialEq + 'static {
    const ALL: &'static [Self];
    const NAME: &'static str;
}

macro_rules! code {
    ($t:ty, $name:literal, [$($v:expr),* $(,)?]) => {
        impl Code for $t {
            const ALL: &'static [Self] = &[$($v),*];
            const NAME: &'static str = $name;
        }
    };
}

code!(
    InfoIs,
    "infoIs",
    [
        InfoIs::Disabled,
        InfoIs::Mine,
        InfoIs::Aged,
        InfoIs::Received
    ]
);
code!(
    RcvdInfo,
    "rcvdInfo",
    [
        RcvdInfo::SuperiorDesignated,
        RcvdInfo::RepeatedDesignated,
        RcvdInfo::InferiorDesignated,
        RcvdInfo::InferiorRootAlternate,
        RcvdInfo::Other,
    ]
);
code!(
    Role,
    "role",
    [
        Role::Disabled,
        Role::Root,
        Role::Designated,
        Role::Alternate,
        Role::Backup,
        Role::Master,
    ]
);
code!(
    PrxState,
    "Port Receive state",
    [PrxState::Discard, PrxState::Receive]
);
code!(
    PpmState,
    "Port Protocol Migration state",
    [
        PpmState::CheckingRstp,
        PpmState::SelectingStp,
        PpmState::Sensing
    ]
);
code!(
    BdmState,
    "Bridge Detection state",
    [BdmState::Edge, BdmState::NotEdge]
);
code!(
    PtxState,
    "Port Transmit state",
    [PtxState::TransmitInit, PtxState::Idle]
);
code!(
    PimState,
    "Port Information state",
    [PimState::Disabled, PimState::Aged, PimState::Current]
);
code!(
    PrtState,
    "Port Role Transitions state",
    [
        PrtState::InitPort,
        PrtState::DisablePort,
        PrtState::DisabledPort,
        PrtState::RootPort,
        PrtState::DesignatedPort,
        PrtState::BlockPort,
        PrtState::AlternatePort,
        PrtState::MasterPort,
    ]
);
code!(
    PstState,
    "Port State Transition state",
    [
        PstState::Discarding,
        PstState::Learning,
        PstState::Forwarding
    ]
);
code!(
    TcmState,
    "Topology Change state",
    [TcmState::Inactive, TcmState::Learning, TcmState::Active]
);
code!(
    Queued,
    "MSTI queue mark",
    [Queued::No, Queued::Msg, Queued::Any]
);
code!(
    RxKind,
    "received BPDU kind",
    [RxKind::Config, RxKind::Tcn, RxKind::Rst]
);
code!(
    AdminP2p,
    "point-to-point setting",
    [AdminP2p::Auto, AdminP2p::ForceTrue, AdminP2p::ForceFalse]
);
code!(
    ForceVersion,
    "force version",
    [ForceVersion::Stp, ForceVersion::Rstp, ForceVersion::Mstp]
);
code!(
    PathCostMethod,
    "path cost method",
    [PathCostMethod::Long, PathCostMethod::Short]
);
code!(
    PortState,
    "port state",
    [
        PortState::Discarding,
        PortState::Learning,
        PortState::Forwarding
    ]
);
code!(
    Guard,
    "guard",
    [
        Guard::Bpdu,
        Guard::Root,
        Guard::Loop,
        Guard::BridgeAssurance
    ]
);

/// Declares the boolean variables of a record once, for both directions: `$get` packs them
/// into a `u64` (first field in bit 0), `$set` unpacks them.
macro_rules! flags {
    ($t:ty, $get:ident, $set:ident, [$($f:ident),* $(,)?]) => {
        fn $get(x: &$t) -> u64 {
            let mut bits = 0u64;
            let mut k = 0u32;
            $(
                bits |= u64::from(x.$f) << k;
                k += 1;
            )*
            let _ = k;
            bits
        }
        /// Unpacks the flags; false if a bit beyond the last flag is set.
        fn $set(x: &mut $t, bits: u64) -> bool {
            let mut k = 0u32;
            $(
                x.$f = bits >> k & 1 == 1;
                k += 1;
            )*
            k >= 64 || bits >> k == 0
        }
    };
}

flags!(
    Port,
    port_flags,
    set_port_flags,
    [
        port_enabled,
        oper_p2p,
        agree,
        agreed,
        disputed,
        fdb_flush,
        forward,
        forwarding,
        learn,
        learning,
        mcheck,
        new_info,
        oper_edge,
        proposed,
        proposing,
        rcvd_bpdu,
        rcvd_msg,
        rcvd_rstp,
        rcvd_stp,
        rcvd_tc,
        rcvd_tc_ack,
        rcvd_tcn,
        re_root,
        reselect,
        selected,
        send_rstp,
        sync,
        synced,
        tc_ack,
        tc_prop,
        updt_info,
        rcvd_internal,
        info_internal,
        new_info_msti,
        msti_desig_or_tc_root,
        msti_master,
        msti_not_ready,
        msti_dirty,
        bpdu_guarded,
        root_inconsistent,
        loop_inconsistent,
        ba_inconsistent,
        learnt,
    ]
);

flags!(
    MstiPort,
    msti_port_flags,
    set_msti_port_flags,
    [
        rcvd_msg, selected, reselect, updt_info, agree, agreed, proposed, proposing, sync, synced,
        re_root, disputed, master, mastered, learn, learning, forward, forwarding, rcvd_tc,
        tc_prop, fdb_flush, learnt, new_info,
    ]
);

flags!(
    PortConfig,
    port_config_flags,
    set_port_config_flags,
    [
        enabled,
        admin_edge,
        auto_edge,
        bpdu_guard,
        root_guard,
        loop_guard,
        bpdu_filter,
        restricted_tcn,
        bridge_assurance,
    ]
);

/// The writer: octets and the reference instant.
struct W<'a> {
    o: &'a mut Vec<u8>,
    now: Instant,
}

impl W<'_> {
    fn u8(&mut self, x: u8) {
        self.o.push(x);
    }
    fn u16(&mut self, x: u16) {
        self.o.extend_from_slice(&x.to_be_bytes());
    }
    fn u32(&mut self, x: u32) {
        self.o.extend_from_slice(&x.to_be_bytes());
    }
    fn u64(&mut self, x: u64) {
        self.o.extend_from_slice(&x.to_be_bytes());
    }
    fn bool(&mut self, x: bool) {
        self.u8(u8::from(x));
    }
    /// A count (the caller keeps it within its bound, which fits `u16`).
    fn count(&mut self, n: usize) {
        self.u16(u16::try_from(n).unwrap_or(u16::MAX));
    }
    fn index(&mut self, i: usize) {
        self.count(i);
    }
    fn code<T: Code>(&mut self, x: T) {
        let k = T::ALL.iter().position(|v| *v == x).unwrap_or(0);
        self.u8(u8::try_from(k).unwrap_or(0));
    }
    fn mac(&mut self, m: MacAddr) {
        self.o.extend_from_slice(&m.0);
    }
    fn bid(&mut self, b: BridgeId) {
        self.o.extend_from_slice(&b.to_octets());
    }
    fn pid(&mut self, p: PortId) {
        self.u16(p.0);
    }
    fn time(&mut self, t: Option<Instant>) {
        match t {
            None => self.u8(0),
            Some(t) => {
                let (a, b) = (t.as_nanos(), self.now.as_nanos());
                let off = if a >= b {
                    i64::try_from(a - b).unwrap_or(i64::MAX)
                } else {
                    i64::try_from(b - a).map_or(i64::MIN, |d| -d)
                };
                self.u8(1);
                self.o.extend_from_slice(&off.to_be_bytes());
            }
        }
    }
    fn timer(&mut self, t: &Timer) {
        self.time(t.deadline());
    }
    fn duration(&mut self, d: Duration) {
        self.u64(u64::try_from(d.as_nanos()).unwrap_or(u64::MAX));
    }
    fn pv(&mut self, v: &PriorityVector) {
        self.bid(v.root);
        self.u32(v.root_path_cost);
        self.bid(v.designated_bridge);
        self.pid(v.designated_port);
        self.pid(v.bridge_port);
    }
    fn rv(&mut self, v: &RegionalVector) {
        self.bid(v.regional_root);
        self.u32(v.internal_root_path_cost);
    }
    fn mpv(&mut self, v: &MstiPriorityVector) {
        self.bid(v.regional_root);
        self.u32(v.internal_root_path_cost);
        self.bid(v.designated_bridge);
        self.pid(v.designated_port);
        self.pid(v.bridge_port);
    }
    fn times(&mut self, t: &Times) {
        for x in [t.message_age, t.max_age, t.forward_delay, t.hello_time] {
            self.u16(x.0);
        }
    }
    fn body(&mut self, b: &ConfigBpdu) {
        self.u8(b.flags.bits());
        self.bid(b.root_id);
        self.u32(b.root_path_cost);
        self.bid(b.bridge_id);
        self.pid(b.port_id);
        for x in [b.message_age, b.max_age, b.hello_time, b.forward_delay] {
            self.u16(x.0);
        }
    }
    fn path_cost(&mut self, c: PathCost) {
        match c {
            PathCost::Auto => self.u8(0),
            PathCost::Fixed(x) => {
                self.u8(1);
                self.u32(x);
            }
        }
    }
    fn link(&mut self, l: LinkState) {
        match l {
            LinkState::Down => self.u8(0),
            LinkState::Up {
                speed_mbps,
                full_duplex,
            } => {
                self.u8(if full_duplex { 2 } else { 1 });
                self.u32(speed_mbps);
            }
        }
    }
    fn opt_port(&mut self, p: Option<PortNo>) {
        self.u16(p.map_or(0, PortNo::get));
    }
    fn last_root(&mut self, r: Option<(BridgeId, Option<PortNo>, u32)>) {
        match r {
            None => self.u8(0),
            Some((root, port, cost)) => {
                self.u8(1);
                self.bid(root);
                self.opt_port(port);
                self.u32(cost);
            }
        }
    }
}

/// The reader: the octets left and the reference instant.
struct R<'a> {
    b: &'a [u8],
    now: Instant,
}

type Res<T> = Result<T, SnapshotError>;

impl<'a> R<'a> {
    fn take<const N: usize>(&mut self) -> Res<[u8; N]> {
        let (head, rest) = self
            .b
            .split_first_chunk::<N>()
            .ok_or(SnapshotError::Truncated)?;
        self.b = rest;
        Ok(*head)
    }
    fn bytes(&mut self, n: usize) -> Res<&'a [u8]> {
        if n > self.b.len() {
            return Err(SnapshotError::Truncated);
        }
        let (head, rest) = self.b.split_at(n);
        self.b = rest;
        Ok(head)
    }
    fn u8(&mut self) -> Res<u8> {
        Ok(u8::from_be_bytes(self.take()?))
    }
    fn u16(&mut self) -> Res<u16> {
        Ok(u16::from_be_bytes(self.take()?))
    }
    fn u32(&mut self) -> Res<u32> {
        Ok(u32::from_be_bytes(self.take()?))
    }
    fn u64(&mut self) -> Res<u64> {
        Ok(u64::from_be_bytes(self.take()?))
    }
    fn bool(&mut self, what: &'static str) -> Res<bool> {
        match self.u8()? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(SnapshotError::Invalid(what)),
        }
    }
    /// A count within `max`, each element taking at least `min_len` octets of what is left
    /// (so nothing is allocated for elements that cannot be there).
    fn count(&mut self, max: usize, min_len: usize, what: &'static str) -> Res<usize> {
        let n = usize::from(self.u16()?);
        if n > max {
            return Err(SnapshotError::TooMany(what));
        }
        if n.saturating_mul(min_len) > self.b.len() {
            return Err(SnapshotError::Truncated);
        }
        Ok(n)
    }
    /// A position in a table of `len`.
    fn index(&mut self, len: usize, what: &'static str) -> Res<usize> {
        let i = usize::from(self.u16()?);
        if i < len {
            Ok(i)
        } else {
            Err(SnapshotError::Invalid(what))
        }
    }
    fn code<T: Code>(&mut self) -> Res<T> {
        T::ALL
            .get(usize::from(self.u8()?))
            .copied()
            .ok_or(SnapshotError::Invalid(T::NAME))
    }
    fn mac(&mut self) -> Res<MacAddr> {
        Ok(MacAddr(self.take()?))
    }
    fn bid(&mut self) -> Res<BridgeId> {
        Ok(BridgeId::from_octets(self.take()?))
    }
    fn pid(&mut self) -> Res<PortId> {
        Ok(PortId(self.u16()?))
    }
    fn time(&mut self) -> Res<Option<Instant>> {
        match self.u8()? {
            0 => Ok(None),
            1 => {
                let off = i64::from_be_bytes(self.take()?);
                Ok(Some(Instant::from_nanos(
                    self.now.as_nanos().saturating_add_signed(off),
                )))
            }
            _ => Err(SnapshotError::Invalid("instant")),
        }
    }
    fn timer(&mut self) -> Res<Timer> {
        let mut t = Timer::STOPPED;
        if let Some(at) = self.time()? {
            t.set(at);
        }
        Ok(t)
    }
    fn duration(&mut self) -> Res<Duration> {
        Ok(Duration::from_nanos(self.u64()?))
    }
    fn pv(&mut self) -> Res<PriorityVector> {
        Ok(PriorityVector {
            root: self.bid()?,
            root_path_cost: self.u32()?,
            designated_bridge: self.bid()?,
            designated_port: self.pid()?,
            bridge_port: self.pid()?,
        })
    }
    fn rv(&mut self) -> Res<RegionalVector> {
        Ok(RegionalVector {
            regional_root: self.bid()?,
            internal_root_path_cost: self.u32()?,
        })
    }
    fn mpv(&mut self) -> Res<MstiPriorityVector> {
        Ok(MstiPriorityVector {
            regional_root: self.bid()?,
            internal_root_path_cost: self.u32()?,
            designated_bridge: self.bid()?,
            designated_port: self.pid()?,
            bridge_port: self.pid()?,
        })
    }
    fn times(&mut self) -> Res<Times> {
        Ok(Times {
            message_age: BpduTime(self.u16()?),
            max_age: BpduTime(self.u16()?),
            forward_delay: BpduTime(self.u16()?),
            hello_time: BpduTime(self.u16()?),
        })
    }
    fn body(&mut self) -> Res<ConfigBpdu> {
        Ok(ConfigBpdu {
            flags: BpduFlags::from_bits_retain(self.u8()?),
            root_id: self.bid()?,
            root_path_cost: self.u32()?,
            bridge_id: self.bid()?,
            port_id: self.pid()?,
            message_age: BpduTime(self.u16()?),
            max_age: BpduTime(self.u16()?),
            hello_time: BpduTime(self.u16()?),
            forward_delay: BpduTime(self.u16()?),
        })
    }
    fn path_cost(&mut self) -> Res<PathCost> {
        match self.u8()? {
            0 => Ok(PathCost::Auto),
            1 => Ok(PathCost::Fixed(self.u32()?)),
            _ => Err(SnapshotError::Invalid("path cost")),
        }
    }
    fn link(&mut self) -> Res<LinkState> {
        match self.u8()? {
            0 => Ok(LinkState::Down),
            k @ (1 | 2) => Ok(LinkState::Up {
                speed_mbps: self.u32()?,
                full_duplex: k == 2,
            }),
            _ => Err(SnapshotError::Invalid("link")),
        }
    }
    fn port_no(&mut self) -> Res<PortNo> {
        let n = self.u16()?;
        if n == 0 || n > crate::config::PORT_NUMBER_MAX {
            return Err(SnapshotError::Invalid("port number"));
        }
        Ok(PortNo(n))
    }
    fn opt_port(&mut self) -> Res<Option<PortNo>> {
        match self.u16()? {
            0 => Ok(None),
            n if n <= crate::config::PORT_NUMBER_MAX => Ok(Some(PortNo(n))),
            _ => Err(SnapshotError::Invalid("port number")),
        }
    }
    fn last_root(&mut self) -> Res<Option<(BridgeId, Option<PortNo>, u32)>> {
        match self.u8()? {
            0 => Ok(None),
            1 => Ok(Some((self.bid()?, self.opt_port()?, self.u32()?))),
            _ => Err(SnapshotError::Invalid("last root")),
        }
    }
}

fn write_config(w: &mut W<'_>, c: &BridgeConfig) {
    w.mac(c.address);
    w.u16(c.priority);
    w.u8(c.max_age);
    w.u8(c.hello_time);
    w.u8(c.forward_delay);
    w.u8(c.tx_hold_count);
    w.code(c.force_version);
    w.u8(c.max_hops);
    w.code(c.path_cost_method);
}

fn read_config(r: &mut R<'_>) -> Res<BridgeConfig> {
    let c = BridgeConfig {
        address: r.mac()?,
        priority: r.u16()?,
        max_age: r.u8()?,
        hello_time: r.u8()?,
        forward_delay: r.u8()?,
        tx_hold_count: r.u8()?,
        force_version: r.code()?,
        max_hops: r.u8()?,
        path_cost_method: r.code()?,
        // In the extensions at the end of the snapshot.
        stale_info_aging: false,
        root_sequencing: false,
    };
    c.validate().map_err(SnapshotError::Config)?;
    Ok(c)
}

fn write_port_config(w: &mut W<'_>, c: &PortConfig) {
    w.mac(c.mac);
    w.u16(u16::try_from(port_config_flags(c)).unwrap_or(0));
    w.u8(c.priority);
    w.path_cost(c.path_cost);
    match c.internal_path_cost {
        None => w.u8(0),
        Some(x) => {
            w.u8(1);
            w.path_cost(x);
        }
    }
    w.code(c.point_to_point);
}

fn read_port_config(r: &mut R<'_>) -> Res<PortConfig> {
    let mut c = PortConfig::new(r.mac()?);
    if !set_port_config_flags(&mut c, u64::from(r.u16()?)) {
        return Err(SnapshotError::Invalid("port configuration flags"));
    }
    c.priority = r.u8()?;
    c.path_cost = r.path_cost()?;
    c.internal_path_cost = match r.u8()? {
        0 => None,
        1 => Some(r.path_cost()?),
        _ => return Err(SnapshotError::Invalid("internal path cost")),
    };
    c.point_to_point = r.code()?;
    c.validate().map_err(SnapshotError::Config)?;
    Ok(c)
}

fn write_stats(w: &mut W<'_>, s: &Stats) {
    for x in [
        s.frames_rx,
        s.bpdus_rx,
        s.rx_errors,
        s.bpdus_tx,
        s.tx_held,
        s.tx_queue_overflow,
        s.transmit_buffer_too_small,
        s.event_queue_overflow,
        s.topology_changes,
        s.guard_trips,
        s.step_bound_hits,
        s.port_steps,
        s.msti_skips,
    ] {
        w.u64(x);
    }
}

fn read_stats(r: &mut R<'_>) -> Res<Stats> {
    Ok(Stats {
        frames_rx: r.u64()?,
        bpdus_rx: r.u64()?,
        rx_errors: r.u64()?,
        bpdus_tx: r.u64()?,
        tx_held: r.u64()?,
        tx_queue_overflow: r.u64()?,
        transmit_buffer_too_small: r.u64()?,
        event_queue_overflow: r.u64()?,
        topology_changes: r.u64()?,
        guard_trips: r.u64()?,
        step_bound_hits: r.u64()?,
        port_steps: r.u64()?,
        msti_skips: r.u64()?,
        // In the extensions at the end of the snapshot.
        tx_coalesced: 0,
        stale_info_aged: 0,
        stale_info_discarded: 0,
        root_seq_infeasible: 0,
        root_seq_requests: 0,
        root_seq_requests_rx: 0,
        root_seq_forwarded: 0,
        root_seq_answered: 0,
        root_seq_dropped: 0,
        root_seq_malformed: 0,
    })
}

fn write_counters(w: &mut W<'_>, c: &PortCounters) {
    for x in [
        c.rx_config,
        c.rx_tcn,
        c.rx_rst,
        c.rx_mst,
        c.rx_errors,
        c.tx_config,
        c.tx_tcn,
        c.tx_rst,
        c.tx_mst,
        c.guard_trips,
        c.topology_changes,
    ] {
        w.u64(x);
    }
}

fn read_counters(r: &mut R<'_>) -> Res<PortCounters> {
    Ok(PortCounters {
        rx_config: r.u64()?,
        rx_tcn: r.u64()?,
        rx_rst: r.u64()?,
        rx_mst: r.u64()?,
        rx_errors: r.u64()?,
        tx_config: r.u64()?,
        tx_tcn: r.u64()?,
        tx_rst: r.u64()?,
        tx_mst: r.u64()?,
        guard_trips: r.u64()?,
        topology_changes: r.u64()?,
    })
}

/// An optional boolean: 0 none, 1 false, 2 true.
fn opt_bool(x: Option<bool>) -> u8 {
    x.map_or(0, |b| 1 + u8::from(b))
}

fn read_opt_bool(r: &mut R<'_>, what: &'static str) -> Res<Option<bool>> {
    match r.u8()? {
        0 => Ok(None),
        1 => Ok(Some(false)),
        2 => Ok(Some(true)),
        _ => Err(SnapshotError::Invalid(what)),
    }
}

fn write_port(w: &mut W<'_>, p: &Port) {
    w.u16(p.no.get());
    write_port_config(w, &p.cfg);
    w.link(p.link);
    w.pid(p.port_id);
    w.u32(p.port_path_cost);
    w.u32(p.internal_path_cost);
    w.u64(port_flags(p));
    w.code(p.info_is);
    w.code(p.rcvd_info);
    w.code(p.role);
    w.code(p.selected_role);
    w.pv(&p.designated_priority);
    w.times(&p.designated_times);
    w.pv(&p.msg_priority);
    w.times(&p.msg_times);
    w.pv(&p.port_priority);
    w.times(&p.port_times);
    w.u8(p.tx_count);
    w.rv(&p.designated_region);
    w.rv(&p.msg_region);
    w.rv(&p.port_region);
    w.u8(p.designated_hops);
    w.u8(p.msg_hops);
    w.u8(p.port_hops);
    let e = &p.ext;
    w.u8(match e.agreement {
        None => 0,
        Some((agreed, proposing)) => 1 | u8::from(agreed) << 1 | u8::from(proposing) << 2,
    });
    w.u8(opt_bool(e.proposed));
    w.u8(u8::from(e.tc) | u8::from(e.dispute) << 1 | u8::from(e.clear_mastered) << 2);
    w.time(p.msti_next);
    for t in [
        &p.edge_delay_while,
        &p.fd_while,
        &p.hello_when,
        &p.mdelay_while,
        &p.rb_while,
        &p.rcvd_info_while,
        &p.rr_while,
        &p.tc_while,
        &p.tx_tick,
        &p.ba_while,
    ] {
        w.timer(t);
    }
    match &p.rx {
        None => w.u8(0),
        Some(rx) => {
            w.u8(1);
            w.code(rx.kind);
            w.body(&rx.body);
            w.bid(rx.designated_bridge);
            w.rv(&rx.region);
            w.u8(rx.hops);
            w.bool(rx.internal);
        }
    }
    w.code(p.prx);
    w.code(p.ppm);
    w.code(p.bdm);
    w.code(p.ptx);
    w.code(p.pim);
    w.code(p.prt);
    w.code(p.pst);
    w.code(p.tcm);
    write_counters(w, &p.counters);
    w.time(p.scheduled);
    let f = &p.fast;
    w.count(f.records.len());
    w.o.extend_from_slice(&f.records);
    w.mac(f.sender.0);
    w.u16(f.sender.1);
    w.u64(u64::try_from(f.count).unwrap_or(u64::MAX));
    w.u64(f.epoch);
    w.time(f.until);
    w.time(f.rcvd);
    w.u8(match f.ctx {
        None => 0,
        Some((a, b)) => 1 | u8::from(a) << 1 | u8::from(b) << 2,
    });
    match f.pending {
        None => w.u8(0),
        Some((at, hello)) => {
            w.u8(1);
            w.time(Some(at));
            w.duration(hello);
        }
    }
}

fn read_port(r: &mut R<'_>) -> Res<Port> {
    let no = r.port_no()?;
    let cfg = read_port_config(r)?;
    let mut p = Port::new(no, cfg, 0);
    p.link = r.link()?;
    p.port_id = r.pid()?;
    p.port_path_cost = r.u32()?;
    p.internal_path_cost = r.u32()?;
    if !set_port_flags(&mut p, r.u64()?) {
        return Err(SnapshotError::Invalid("port flags"));
    }
    p.info_is = r.code()?;
    p.rcvd_info = r.code()?;
    p.role = r.code()?;
    p.selected_role = r.code()?;
    p.designated_priority = r.pv()?;
    p.designated_times = r.times()?;
    p.msg_priority = r.pv()?;
    p.msg_times = r.times()?;
    p.port_priority = r.pv()?;
    p.port_times = r.times()?;
    p.tx_count = r.u8()?;
    p.designated_region = r.rv()?;
    p.msg_region = r.rv()?;
    p.port_region = r.rv()?;
    p.designated_hops = r.u8()?;
    p.msg_hops = r.u8()?;
    p.port_hops = r.u8()?;
    let agreement = match r.u8()? {
        0 => None,
        k if k & 1 == 1 && k >> 3 == 0 => Some((k & 2 != 0, k & 4 != 0)),
        _ => return Err(SnapshotError::Invalid("recorded agreement")),
    };
    let proposed = read_opt_bool(r, "recorded proposal")?;
    let k = r.u8()?;
    if k >> 3 != 0 {
        return Err(SnapshotError::Invalid("recorded MSTI flags"));
    }
    p.ext = ExtRecord {
        agreement,
        proposed,
        tc: k & 1 != 0,
        dispute: k & 2 != 0,
        clear_mastered: k & 4 != 0,
    };
    p.msti_next = r.time()?;
    for t in [
        &mut p.edge_delay_while,
        &mut p.tree.fd_while,
        &mut p.hello_when,
        &mut p.mdelay_while,
        &mut p.tree.rb_while,
        &mut p.rcvd_info_while,
        &mut p.tree.rr_while,
        &mut p.tc_while,
        &mut p.tx_tick,
        &mut p.ba_while,
    ] {
        *t = r.timer()?;
    }
    p.rx = match r.u8()? {
        0 => None,
        1 => Some(RxBpdu {
            kind: r.code()?,
            body: r.body()?,
            designated_bridge: r.bid()?,
            region: r.rv()?,
            hops: r.u8()?,
            internal: r.bool("rcvdInternal")?,
            // In the root sequencing extension at the end of the snapshot.
            seq: None,
        }),
        _ => return Err(SnapshotError::Invalid("received BPDU")),
    };
    p.prx = r.code()?;
    p.ppm = r.code()?;
    p.bdm = r.code()?;
    p.ptx = r.code()?;
    p.pim = r.code()?;
    p.prt = r.code()?;
    p.pst = r.code()?;
    p.tcm = r.code()?;
    p.counters = read_counters(r)?;
    p.scheduled = r.time()?;
    let n = r.count(RECORDS_MAX, 1, "MSTI records")?;
    let records = r.bytes(n)?;
    let sender = (r.mac()?, r.u16()?);
    let count = usize::try_from(r.u64()?).unwrap_or(usize::MAX);
    let epoch = r.u64()?;
    let until = r.time()?;
    let rcvd = r.time()?;
    let ctx = match r.u8()? {
        0 => None,
        k if k & 1 == 1 && k >> 3 == 0 => Some((k & 2 != 0, k & 4 != 0)),
        _ => return Err(SnapshotError::Invalid("fast-path context")),
    };
    let pending = match r.u8()? {
        0 => None,
        1 => Some((
            r.time()?
                .ok_or(SnapshotError::Invalid("deferred restart"))?,
            r.duration()?,
        )),
        _ => return Err(SnapshotError::Invalid("deferred restart")),
    };
    p.fast = MstiFast {
        records: records.to_vec(),
        sender,
        count,
        epoch,
        until,
        rcvd,
        ctx,
        pending,
    };
    Ok(p)
}

fn write_msti_port(w: &mut W<'_>, mp: &MstiPort) {
    w.u8(mp.priority);
    match mp.path_cost {
        None => w.u8(0),
        Some(c) => {
            w.u8(1);
            w.u32(c);
        }
    }
    w.pid(mp.port_id);
    w.u64(msti_port_flags(mp));
    w.code(mp.pim);
    w.code(mp.info_is);
    match &mp.msg {
        None => w.u8(0),
        Some(m) => {
            w.u8(1);
            w.mpv(&m.priority);
            w.u8(m.hops);
            w.u8(m.flags.bits());
        }
    }
    w.code(mp.rcvd_info);
    w.mpv(&mp.port_priority);
    w.u8(mp.port_hops);
    w.mpv(&mp.designated_priority);
    w.u8(mp.designated_hops);
    w.code(mp.role);
    w.code(mp.selected_role);
    w.code(mp.prt);
    w.code(mp.pst);
    w.code(mp.tcm);
    for t in [
        &mp.fd_while,
        &mp.rr_while,
        &mp.rb_while,
        &mp.tc_while,
        &mp.rcvd_info_while,
    ] {
        w.timer(t);
    }
}

fn read_msti_port(r: &mut R<'_>) -> Res<MstiPort> {
    let priority = r.u8()?;
    let path_cost = match r.u8()? {
        0 => None,
        1 => Some(r.u32()?),
        _ => return Err(SnapshotError::Invalid("MSTI path cost")),
    };
    let mut mp = MstiPort::new(0, priority, path_cost);
    mp.port_id = r.pid()?;
    if !set_msti_port_flags(&mut mp, r.u64()?) {
        return Err(SnapshotError::Invalid("MSTI port flags"));
    }
    mp.pim = r.code()?;
    mp.info_is = r.code()?;
    mp.msg = match r.u8()? {
        0 => None,
        1 => Some(MstiMsg {
            priority: r.mpv()?,
            hops: r.u8()?,
            flags: BpduFlags::from_bits_retain(r.u8()?),
        }),
        _ => return Err(SnapshotError::Invalid("MSTI message")),
    };
    mp.rcvd_info = r.code()?;
    mp.port_priority = r.mpv()?;
    mp.port_hops = r.u8()?;
    mp.designated_priority = r.mpv()?;
    mp.designated_hops = r.u8()?;
    mp.role = r.code()?;
    mp.selected_role = r.code()?;
    mp.prt = r.code()?;
    mp.pst = r.code()?;
    mp.tcm = r.code()?;
    for t in [
        &mut mp.tree.fd_while,
        &mut mp.tree.rr_while,
        &mut mp.tree.rb_while,
        &mut mp.tc_while,
        &mut mp.rcvd_info_while,
    ] {
        *t = r.timer()?;
    }
    Ok(mp)
}

fn write_msti(w: &mut W<'_>, m: &Msti) {
    w.u16(m.mstid);
    w.u16(m.priority);
    w.mpv(&m.root);
    match m.root_port {
        None => w.u8(0),
        Some(i) => {
            w.u8(1);
            w.index(i);
        }
    }
    w.u8(m.root_hops);
    for mp in &m.ports {
        write_msti_port(w, mp);
    }
    w.bool(m.reselect);
    w.count(m.work.len());
    for &i in &m.work {
        w.index(i);
    }
    for q in &m.queued {
        w.code(*q);
    }
    w.last_root(m.last_root);
    w.bool(m.master_stale);
}

fn read_msti(r: &mut R<'_>, ports: &[Port]) -> Res<Msti> {
    let n = ports.len();
    let mstid = r.u16()?;
    if !(1..=crate::wire::mcid::MSTID_MAX).contains(&mstid) {
        return Err(SnapshotError::Invalid("MSTID"));
    }
    let priority = r.u16()?;
    if !priority.is_multiple_of(4096) || priority > 61440 {
        return Err(SnapshotError::Invalid("MSTI bridge priority"));
    }
    let mut m = Msti::new(mstid, priority);
    m.root = r.mpv()?;
    m.root_port = match r.u8()? {
        0 => None,
        1 => Some(r.index(n, "MSTI root port")?),
        _ => return Err(SnapshotError::Invalid("MSTI root port")),
    };
    m.root_hops = r.u8()?;
    // Every MSTI port record is well over 64 octets.
    if n.saturating_mul(64) > r.b.len() {
        return Err(SnapshotError::Truncated);
    }
    m.ports = Vec::with_capacity(n);
    for p in ports {
        let mp = read_msti_port(r)?;
        if mp.port_id != PortId::new(mp.priority, p.no.get()) {
            return Err(SnapshotError::Inconsistent("MSTI port identifier"));
        }
        if !mp.priority.is_multiple_of(16)
            || mp.priority > 240
            || mp.path_cost == Some(0)
            || mp
                .path_cost
                .is_some_and(|c| c > crate::config::PATH_COST_MAX)
        {
            return Err(SnapshotError::Invalid("MSTI port priority or cost"));
        }
        m.ports.push(mp);
    }
    m.reselect = r.bool("MSTI reselect")?;
    let k = r.count(n, 2, "MSTI work")?;
    m.work = Vec::with_capacity(k);
    for _ in 0..k {
        m.work.push(r.index(n, "MSTI work")?);
    }
    if n > r.b.len() {
        return Err(SnapshotError::Truncated);
    }
    m.queued = Vec::with_capacity(n);
    for _ in 0..n {
        m.queued.push(r.code()?);
    }
    // Each queued port is in the work list once, and only those.
    let mut seen = alloc::vec![false; n];
    for &i in &m.work {
        match seen.get_mut(i) {
            Some(s) if !*s => *s = true,
            _ => return Err(SnapshotError::Inconsistent("MSTI work listed twice")),
        }
    }
    if m.queued
        .iter()
        .zip(&seen)
        .any(|(q, s)| (*q != Queued::No) != *s)
    {
        return Err(SnapshotError::Inconsistent("MSTI work and queue marks"));
    }
    m.last_root = r.last_root()?;
    m.master_stale = r.bool("MSTI master_stale")?;
    Ok(m)
}

fn write_event(w: &mut W<'_>, e: &Event) {
    match *e {
        Event::PortRole { port, tree, role } => {
            w.u8(0);
            w.u16(port.get());
            w.u16(tree);
            w.code(role);
        }
        Event::PortState { port, tree, state } => {
            w.u8(1);
            w.u16(port.get());
            w.u16(tree);
            w.code(state);
        }
        Event::FlushFdb { port, tree } => {
            w.u8(2);
            w.u16(port.get());
            w.u16(tree);
        }
        Event::TopologyChange {
            port,
            tree,
            detected,
        } => {
            w.u8(3);
            w.u16(port.get());
            w.u16(tree);
            w.bool(detected);
        }
        Event::RootChanged {
            tree,
            root,
            root_port,
            root_path_cost,
        } => {
            w.u8(4);
            w.u16(tree);
            w.bid(root);
            w.opt_port(root_port);
            w.u32(root_path_cost);
        }
        Event::GuardTripped {
            port,
            guard,
            received,
        } => {
            w.u8(5);
            w.u16(port.get());
            w.code(guard);
            match received {
                None => w.u8(0),
                Some(v) => {
                    w.u8(1);
                    w.pv(&v);
                }
            }
        }
        Event::GuardCleared { port, guard } => {
            w.u8(6);
            w.u16(port.get());
            w.code(guard);
        }
        Event::ProtocolMigrated { port, send_rstp } => {
            w.u8(7);
            w.u16(port.get());
            w.bool(send_rstp);
        }
        Event::EdgeChanged { port, oper_edge } => {
            w.u8(8);
            w.u16(port.get());
            w.bool(oper_edge);
        }
    }
}

fn read_event(r: &mut R<'_>) -> Res<Event> {
    Ok(match r.u8()? {
        0 => Event::PortRole {
            port: r.port_no()?,
            tree: r.u16()?,
            role: r.code()?,
        },
        1 => Event::PortState {
            port: r.port_no()?,
            tree: r.u16()?,
            state: r.code()?,
        },
        2 => Event::FlushFdb {
            port: r.port_no()?,
            tree: r.u16()?,
        },
        3 => Event::TopologyChange {
            port: r.port_no()?,
            tree: r.u16()?,
            detected: r.bool("topology change")?,
        },
        4 => Event::RootChanged {
            tree: r.u16()?,
            root: r.bid()?,
            root_port: r.opt_port()?,
            root_path_cost: r.u32()?,
        },
        5 => Event::GuardTripped {
            port: r.port_no()?,
            guard: r.code()?,
            received: match r.u8()? {
                0 => None,
                1 => Some(r.pv()?),
                _ => return Err(SnapshotError::Invalid("guard event")),
            },
        },
        6 => Event::GuardCleared {
            port: r.port_no()?,
            guard: r.code()?,
        },
        7 => Event::ProtocolMigrated {
            port: r.port_no()?,
            send_rstp: r.bool("protocol migration")?,
        },
        8 => Event::EdgeChanged {
            port: r.port_no()?,
            oper_edge: r.bool("edge event")?,
        },
        _ => return Err(SnapshotError::Invalid("event")),
    })
}

fn write_tx(w: &mut W<'_>, t: &PendingTx) {
    w.u16(t.port.get());
    w.mac(t.src);
    match &t.bpdu {
        TxBpdu::Config(b) => {
            w.u8(0);
            w.body(b);
        }
        TxBpdu::Tcn => w.u8(1),
        TxBpdu::Rst(b) => {
            w.u8(2);
            w.body(b);
        }
        TxBpdu::Mst {
            cist,
            cist_internal_root_path_cost,
            cist_bridge_id,
            cist_remaining_hops,
        } => {
            w.u8(3);
            w.body(cist);
            w.u32(*cist_internal_root_path_cost);
            w.bid(*cist_bridge_id);
            w.u8(*cist_remaining_hops);
        }
    }
}

fn read_tx(r: &mut R<'_>) -> Res<PendingTx> {
    let port = r.port_no()?;
    let src = r.mac()?;
    let bpdu = match r.u8()? {
        0 => TxBpdu::Config(r.body()?),
        1 => TxBpdu::Tcn,
        2 => TxBpdu::Rst(r.body()?),
        3 => TxBpdu::Mst {
            cist: r.body()?,
            cist_internal_root_path_cost: r.u32()?,
            cist_bridge_id: r.bid()?,
            cist_remaining_hops: r.u8()?,
        },
        _ => return Err(SnapshotError::Invalid("queued BPDU")),
    };
    Ok(PendingTx {
        port,
        src,
        bpdu,
        // In the root sequencing extension at the end of the snapshot.
        trailer: None,
    })
}

impl Bridge {
    /// The bridge's complete state as octets (version [`SNAPSHOT_VERSION`]; the encoding is
    /// described in the source, `stp/src/bridge/snapshot.rs`): configuration, MST
    /// region, every per-port and per-tree variable and machine state, timers as durations
    /// relative to `now` (normally the time of the last input or the host's clock), queued
    /// frames and events, counters. [`restore`](Self::restore) with the same `now` gives a
    /// bridge that behaves exactly as this one under the same subsequent inputs; with another
    /// `now'` it behaves as this one would with every later input time shifted by
    /// `now' − now`.
    ///
    /// For an MLAG pair this is the exact catch-up of a replica whose primary's input log
    /// was cut, and the state a control plane saves to restart without a topology change.
    pub fn snapshot(&self, now: Instant) -> Vec<u8> {
        let mut o = Vec::with_capacity(256 + self.ports.len() * (300 + 90 * self.mstis.len()));
        let mut w = W { o: &mut o, now };
        w.o.extend_from_slice(&MAGIC);
        w.u8(SNAPSHOT_VERSION);
        write_config(&mut w, &self.cfg);
        w.pv(&self.root_priority);
        w.pid(self.root_port_id);
        w.times(&self.root_times);
        w.rv(&self.root_region);
        w.u8(self.root_hops);
        w.last_root(self.last_root);
        w.time(Some(self.out.now));
        write_stats(&mut w, &self.out.stats);
        // The MST region: the table as its VLANs not on the CIST.
        w.o.extend_from_slice(&self.mcid.name);
        w.u16(self.mcid.revision);
        let mapped: Vec<(u16, u16)> = (1..=4094u16)
            .map(|vid| (vid, self.vid_to_mstid.get(vid)))
            .filter(|&(_, m)| m != 0)
            .collect();
        w.count(mapped.len());
        for (vid, m) in mapped {
            w.u16(vid);
            w.u16(m);
        }
        w.u64(self.msti_epoch);
        w.bool(self.msti_idle);
        w.count(self.ports.len());
        for p in &self.ports {
            write_port(&mut w, p);
        }
        w.count(self.mstis.len());
        for m in &self.mstis {
            write_msti(&mut w, m);
        }
        w.count(self.out.tx.len());
        for t in &self.out.tx {
            write_tx(&mut w, t);
        }
        w.count(self.out.events.len());
        for e in &self.out.events {
            write_event(&mut w, e);
        }
        w.bool(self.out.set_sync_tree);
        w.bool(self.out.set_reroot_tree);
        w.bool(self.out.reselect);
        w.count(self.out.set_tc_prop_from.len());
        for p in &self.out.set_tc_prop_from {
            w.u16(p.get());
        }
        match self.sync_cache {
            None => w.u8(0),
            Some(c) => {
                w.u8(1);
                w.bool(c.all_synced);
                w.count(c.rr_running);
                w.index(c.rr_port);
                w.time(c.valid_until);
            }
        }
        w.count(self.worklist.len());
        for &i in &self.worklist {
            w.index(i);
        }
        match self.msti_skip {
            None => w.u8(0),
            Some(i) => {
                w.u8(1);
                w.index(i);
            }
        }
        w.count(self.msti_pending.len());
        for &i in &self.msti_pending {
            w.index(i);
        }
        // The extensions: added after version 1 was first written, so a snapshot without them
        // (all off) still restores.
        w.u8(u8::from(self.cfg.stale_info_aging));
        w.u64(self.out.stats.stale_info_aged);
        w.u64(self.out.stats.stale_info_discarded);
        for p in &self.ports {
            let root = |w: &mut W<'_>, (root, cost, regional, internal): RootVector| {
                w.bid(root);
                w.u32(cost);
                w.bid(regional);
                w.u32(internal);
            };
            let lagging = 4 * u8::from(p.lagging);
            match p.heard {
                None => w.u8(lagging),
                Some((b, v)) => {
                    w.u8(lagging | 1 | (2 * u8::from(p.superseded.is_some())));
                    w.bid(b);
                    root(&mut w, v);
                    if let Some(s) = p.superseded {
                        root(&mut w, s);
                    }
                }
            }
        }
        // The second extension section, root sequencing (absent in older snapshots: off,
        // nothing recorded).
        self.write_root_seq(&mut w);
        // The third: the counter of coalesced transmissions and root sequencing's resend
        // wait (absent in older snapshots: 0 and 0).
        w.u64(self.out.stats.tx_coalesced);
        w.u64(u64::try_from(self.rs.retry_gap.as_nanos()).unwrap_or(u64::MAX));
        o
    }

    /// The bridge a [`snapshot`](Self::snapshot) describes, its times moved to `now` (see
    /// `snapshot`).
    ///
    /// # Errors
    /// Octets that are not a snapshot of version [`SNAPSHOT_VERSION`], are truncated or
    /// followed by more, hold a value no bridge has, a configuration its setters refuse, or
    /// parts that do not fit together (port tables, MSTI tables, queues, the bridge
    /// invariants). Allocation is bounded by the input's length.
    pub fn restore(bytes: &[u8], now: Instant) -> Result<Self, SnapshotError> {
        let mut r = R { b: bytes, now };
        if r.take::<4>()? != MAGIC {
            return Err(SnapshotError::BadMagic);
        }
        let version = r.u8()?;
        if version != SNAPSHOT_VERSION {
            return Err(SnapshotError::Version(version));
        }
        let cfg = read_config(&mut r)?;
        let mut b = Self::build(cfg);
        b.root_priority = r.pv()?;
        b.root_port_id = r.pid()?;
        b.root_times = r.times()?;
        b.root_region = r.rv()?;
        b.root_hops = r.u8()?;
        b.last_root = r.last_root()?;
        b.out.now = r
            .time()?
            .ok_or(SnapshotError::Invalid("time of the last input"))?;
        b.out.stats = read_stats(&mut r)?;
        let name: [u8; 32] = r.take()?;
        let revision = r.u16()?;
        let n = r.count(4094, 4, "mapped VLANs")?;
        let mut table = VidToMstid::all_cist();
        let mut last = 0u16;
        for _ in 0..n {
            let (vid, m) = (r.u16()?, r.u16()?);
            // Ascending VIDs, each mapped to an MSTI.
            if vid <= last || m == 0 || !table.set(vid, m) {
                return Err(SnapshotError::Invalid("VLAN map"));
            }
            last = vid;
        }
        b.mcid = MstConfigId {
            format_selector: 0,
            name,
            revision,
            digest: table.digest(),
        };
        let mstids = table.mstids();
        b.vid_to_mstid = table;
        b.msti_epoch = r.u64()?;
        b.msti_idle = r.bool("MSTI idle flag")?;
        // Every port record is well over 128 octets.
        let n = r.count(crate::PORTS_MAX, 128, "ports")?;
        b.ports = Vec::with_capacity(n);
        for _ in 0..n {
            b.ports.push(read_port(&mut r)?);
        }
        b.reindex();
        if b.index.len() != b.ports.len() {
            return Err(SnapshotError::Inconsistent("a port number twice"));
        }
        for p in &b.ports {
            if p.port_id != PortId::new(p.cfg.priority, p.no.get()) {
                return Err(SnapshotError::Inconsistent("port identifier"));
            }
        }
        let k = r.count(MSTIS_MAX, 16, "MSTIs")?;
        if k != mstids.len() {
            return Err(SnapshotError::Inconsistent("MSTIs and the VLAN map"));
        }
        b.mstis = Vec::with_capacity(k);
        for id in mstids {
            let m = read_msti(&mut r, &b.ports)?;
            if m.mstid != id {
                return Err(SnapshotError::Inconsistent("MSTIs and the VLAN map"));
            }
            b.mstis.push(m);
        }
        let n = r.count(crate::machines::TRANSMITS_MAX, 9, "queued BPDUs")?;
        for _ in 0..n {
            let t = read_tx(&mut r)?;
            b.out.tx.push_back(t);
        }
        let n = r.count(crate::machines::EVENTS_MAX, 3, "events")?;
        for _ in 0..n {
            let e = read_event(&mut r)?;
            b.out.events.push_back(e);
        }
        b.out.set_sync_tree = r.bool("setSyncTree")?;
        b.out.set_reroot_tree = r.bool("setReRootTree")?;
        b.out.reselect = r.bool("reselect")?;
        let n = r.count(b.ports.len(), 2, "setTcPropTree ports")?;
        b.out.set_tc_prop_from = Vec::with_capacity(n);
        for _ in 0..n {
            let p = r.port_no()?;
            b.out.set_tc_prop_from.push(p);
        }
        let ports = b.ports.len();
        b.sync_cache = match r.u8()? {
            0 => None,
            1 => {
                let all_synced = r.bool("allSynced")?;
                let rr_running = usize::from(r.u16()?);
                let rr_port = usize::from(r.u16()?);
                if rr_running > ports || (rr_running > 0 && rr_port >= ports) {
                    return Err(SnapshotError::Invalid("allSynced cache"));
                }
                Some(SyncCache {
                    all_synced,
                    rr_running,
                    rr_port,
                    valid_until: r.time()?,
                })
            }
            _ => return Err(SnapshotError::Invalid("allSynced cache")),
        };
        let n = r.count(ports, 2, "work list")?;
        b.dirty = alloc::vec![false; ports];
        b.worklist = VecDeque::with_capacity(n);
        for _ in 0..n {
            let i = r.index(ports, "work list")?;
            match b.dirty.get_mut(i) {
                Some(d) if !*d => *d = true,
                _ => return Err(SnapshotError::Inconsistent("work list")),
            }
            b.worklist.push_back(i);
        }
        b.msti_skip = match r.u8()? {
            0 => None,
            1 => Some(r.index(ports, "repeated BPDU")?),
            _ => return Err(SnapshotError::Invalid("repeated BPDU")),
        };
        let n = r.count(ports, 2, "deferred restarts")?;
        b.msti_pending = Vec::with_capacity(n);
        for _ in 0..n {
            let i = r.index(ports, "deferred restarts")?;
            if b.msti_pending.contains(&i) {
                return Err(SnapshotError::Inconsistent("deferred restarts"));
            }
            b.msti_pending.push(i);
        }
        if !r.b.is_empty() {
            // The extensions (optional: the snapshots written before them end here).
            b.cfg.stale_info_aging = match r.u8()? {
                0 => false,
                1 => true,
                _ => return Err(SnapshotError::Invalid("extensions")),
            };
            b.out.stats.stale_info_aged = r.u64()?;
            b.out.stats.stale_info_discarded = r.u64()?;
            for p in &mut b.ports {
                let tag = r.u8()?;
                // Bit 0: heard, 1: superseded (only with heard), 2: lagging.
                if tag > 7 || tag & 3 == 2 {
                    return Err(SnapshotError::Invalid("heard information"));
                }
                if tag & 1 != 0 {
                    p.heard = Some((r.bid()?, (r.bid()?, r.u32()?, r.bid()?, r.u32()?)));
                }
                if tag & 2 != 0 {
                    p.superseded = Some((r.bid()?, r.u32()?, r.bid()?, r.u32()?));
                }
                p.lagging = tag & 4 != 0;
            }
        }
        if !r.b.is_empty() {
            b.read_root_seq(&mut r)?;
        }
        if !r.b.is_empty() {
            b.out.stats.tx_coalesced = r.u64()?;
            b.rs.retry_gap = Duration::from_nanos(r.u64()?);
        }
        if !r.b.is_empty() {
            return Err(SnapshotError::Trailing);
        }
        b.check_restored()?;
        // The timer set holds each port's deadline (its stale entries are not state).
        b.timers = b
            .ports
            .iter()
            .filter_map(|p| p.scheduled.map(|at| Reverse((at, p.no.get()))))
            .collect::<BinaryHeap<_>>();
        b.check_invariants().map_err(SnapshotError::Inconsistent)?;
        Ok(b)
    }

    /// Writes the root sequencing section: `root_sequencing`(1), its seven counters (8 each),
    /// the own sequence (4), `count`(1) × feasible distance (root (8), sequence (4), cost
    /// (4), until (instant)), the last request passed on (`tag`(1); root (8), sequence (4),
    /// until (instant)), the request waited on (`tag`(1); port (2), request), the retry
    /// instant, `count`(2) × port to answer (2); per port the sequences of the port, message and designated vectors and of the
    /// received BPDU waiting (each `tag`(1) and 4) and the request to send (`tag`(1) and a
    /// request: root (8), sequence (4), hops (1)); per queued transmission its trailer
    /// (`tag`(1): bit 0 a trailer follows, bit 1 with its sequence (4), bit 2 with a request).
    fn write_root_seq(&self, w: &mut W<'_>) {
        let s = &self.out.stats;
        w.u8(u8::from(self.cfg.root_sequencing));
        for x in [
            s.root_seq_infeasible,
            s.root_seq_requests,
            s.root_seq_requests_rx,
            s.root_seq_forwarded,
            s.root_seq_answered,
            s.root_seq_dropped,
            s.root_seq_malformed,
        ] {
            w.u64(x);
        }
        let rs = &self.rs;
        w.u32(rs.own_seq);
        w.u8(u8::try_from(rs.fd.len()).unwrap_or(u8::MAX));
        for f in &rs.fd {
            w.bid(f.root);
            w.u32(f.seq);
            w.u32(f.cost);
            w.time(Some(f.until));
        }
        match rs.forwarded {
            None => w.u8(0),
            Some((b, s, until)) => {
                w.u8(1);
                w.bid(b);
                w.u32(s);
                w.time(Some(until));
            }
        }
        let req = |w: &mut W<'_>, q: &crate::wire::SeqRequest| {
            w.bid(q.root);
            w.u32(q.seq);
            w.u8(q.hops);
        };
        match rs.starved {
            None => w.u8(0),
            Some((no, q)) => {
                w.u8(1);
                w.u16(no);
                req(w, &q);
            }
        }
        w.time(rs.retry_at);
        w.count(rs.answer.len());
        for &no in &rs.answer {
            w.u16(no);
        }
        let seq = |w: &mut W<'_>, s: Option<u32>| match s {
            None => w.u8(0),
            Some(s) => {
                w.u8(1);
                w.u32(s);
            }
        };
        for p in &self.ports {
            seq(w, p.port_seq);
            seq(w, p.msg_seq);
            seq(w, p.designated_seq);
            seq(w, p.rx.and_then(|rx| rx.seq));
            match &p.rs_request {
                None => w.u8(0),
                Some(q) => {
                    w.u8(1);
                    req(w, q);
                }
            }
        }
        for t in &self.out.tx {
            match t.trailer {
                None => w.u8(0),
                Some(x) => {
                    w.u8(1
                        | (2 * u8::from(x.root_seq.is_some()))
                        | (4 * u8::from(x.request.is_some())));
                    if let Some(s) = x.root_seq {
                        w.u32(s);
                    }
                    if let Some(q) = &x.request {
                        req(w, q);
                    }
                }
            }
        }
    }

    /// Reads the section [`write_root_seq`](Self::write_root_seq) writes.
    fn read_root_seq(&mut self, r: &mut R<'_>) -> Res<()> {
        self.cfg.root_sequencing = r.bool("root sequencing")?;
        let s = &mut self.out.stats;
        for x in [
            &mut s.root_seq_infeasible,
            &mut s.root_seq_requests,
            &mut s.root_seq_requests_rx,
            &mut s.root_seq_forwarded,
            &mut s.root_seq_answered,
            &mut s.root_seq_dropped,
            &mut s.root_seq_malformed,
        ] {
            *x = r.u64()?;
        }
        self.rs.own_seq = r.u32()?;
        let n = usize::from(r.u8()?);
        if n > crate::rootseq::FEASIBLE_MAX {
            return Err(SnapshotError::Invalid("feasible distances"));
        }
        let instant = |r: &mut R<'_>, what| r.time()?.ok_or(SnapshotError::Invalid(what));
        self.rs.fd.clear();
        for _ in 0..n {
            let f = crate::rootseq::Feasible {
                root: r.bid()?,
                seq: r.u32()?,
                cost: r.u32()?,
                until: instant(r, "feasible distance")?,
            };
            if self.rs.fd.iter().any(|g| g.root == f.root) {
                return Err(SnapshotError::Inconsistent("feasible distances"));
            }
            self.rs.fd.push(f);
        }
        self.rs.forwarded = match r.u8()? {
            0 => None,
            1 => Some((r.bid()?, r.u32()?, instant(r, "forwarded request")?)),
            _ => return Err(SnapshotError::Invalid("forwarded request")),
        };
        let req = |r: &mut R<'_>| -> Res<crate::wire::SeqRequest> {
            Ok(crate::wire::SeqRequest {
                root: r.bid()?,
                seq: r.u32()?,
                hops: r.u8()?,
            })
        };
        self.rs.starved = match r.u8()? {
            0 => None,
            1 => Some((r.u16()?, req(r)?)),
            _ => return Err(SnapshotError::Invalid("request waited on")),
        };
        self.rs.retry_at = r.time()?;
        let n = r.count(self.ports.len(), 2, "ports to answer")?;
        self.rs.answer.clear();
        for _ in 0..n {
            let no = r.u16()?;
            if self.index.get(&no).is_none() || self.rs.answer.contains(&no) {
                return Err(SnapshotError::Inconsistent("ports to answer"));
            }
            self.rs.answer.push(no);
        }
        let seq = |r: &mut R<'_>| -> Res<Option<u32>> {
            match r.u8()? {
                0 => Ok(None),
                1 => Ok(Some(r.u32()?)),
                _ => Err(SnapshotError::Invalid("root sequence")),
            }
        };
        for p in &mut self.ports {
            p.port_seq = seq(r)?;
            p.msg_seq = seq(r)?;
            p.designated_seq = seq(r)?;
            let rx_seq = seq(r)?;
            match &mut p.rx {
                Some(rx) => rx.seq = rx_seq,
                None if rx_seq.is_some() => {
                    return Err(SnapshotError::Inconsistent("received root sequence"));
                }
                None => {}
            }
            p.rs_request = match r.u8()? {
                0 => None,
                1 => Some(req(r)?),
                _ => return Err(SnapshotError::Invalid("request to send")),
            };
        }
        for t in &mut self.out.tx {
            let tag = r.u8()?;
            if tag > 7 || (tag != 0 && tag & 1 == 0) {
                return Err(SnapshotError::Invalid("queued trailer"));
            }
            if tag & 1 != 0 {
                t.trailer = Some(crate::wire::RootSeqTrailer {
                    root_seq: if tag & 2 != 0 { Some(r.u32()?) } else { None },
                    request: if tag & 4 != 0 { Some(req(r)?) } else { None },
                });
            }
        }
        if let Some((no, _)) = self.rs.starved
            && self.index.get(&no).is_none()
        {
            return Err(SnapshotError::Inconsistent("request waited on"));
        }
        Ok(())
    }

    /// The cross-checks of [`restore`](Self::restore) beyond each field's own range.
    fn check_restored(&self) -> Result<(), SnapshotError> {
        let n = self.ports.len();
        let pending = self
            .ports
            .iter()
            .filter(|p| p.fast.pending.is_some())
            .count();
        if pending != self.msti_pending.len()
            || self
                .msti_pending
                .iter()
                .any(|&i| self.ports.get(i).is_none_or(|p| p.fast.pending.is_none()))
        {
            return Err(SnapshotError::Inconsistent("deferred restarts"));
        }
        if self.msti_idle && !self.mstis.iter().all(Msti::idle) {
            return Err(SnapshotError::Inconsistent("MSTI idle flag"));
        }
        if self.msti_skip.is_some() && self.mstis.is_empty() {
            return Err(SnapshotError::Inconsistent("repeated BPDU without MSTIs"));
        }
        if self.root_port_id.0 != 0 && self.root_index().is_none() {
            return Err(SnapshotError::Inconsistent("root port"));
        }
        if self
            .out
            .tx
            .iter()
            .any(|t| !self.index.contains_key(&t.port.get()))
        {
            return Err(SnapshotError::Inconsistent("a BPDU queued for no port"));
        }
        if self.mstis.iter().any(|m| m.ports.len() != n) {
            return Err(SnapshotError::Inconsistent("MSTI ports"));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::format;
    use alloc::string::String;

    /// Every field of the bridge except the timer heap's internal order and scratch space.
    fn state(b: &Bridge) -> String {
        let table: Vec<u16> = (0..4096).map(|v| b.vid_to_mstid.get(v)).collect();
        let index: Vec<Option<usize>> = (0..4096).map(|n| b.index.get(&n).copied()).collect();
        format!(
            "{:?}\n{:?} {:?} {:?} {:?} {:?} {:?} {:?}\n{:#?}\n{:?}\n{:#?}\n{:?}\n{:?}\n{:#?}\n{:?} {:?} \
             {:?} {:?} {:?} {:?} {:?} {:?} {:?}",
            b.cfg,
            b.bridge_id,
            b.bridge_times,
            b.root_priority,
            b.root_port_id,
            b.root_times,
            b.root_region,
            b.root_hops,
            b.ports,
            index,
            b.out,
            b.mcid,
            table,
            b.mstis,
            b.sync_cache,
            b.dirty,
            b.worklist,
            b.msti_epoch,
            b.msti_idle,
            b.msti_skip,
            b.msti_pending,
            b.last_root,
            b.poll_timeout(),
        )
    }

    fn data(seed: u64, n: usize) -> Vec<u8> {
        let mut x = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
        (0..n)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x.to_le_bytes()[0]
            })
            .collect()
    }

    /// A restored bridge equals the original field by field (at the same instant), at many
    /// points of seeded runs: no state is left out of the encoding.
    #[test]
    fn restore_gives_every_field_back() {
        for seed in 0..16u64 {
            let mut b = crate::ops::setup(Instant::ZERO);
            let mut now = Instant::ZERO;
            for (k, (d, op)) in crate::ops::decode_ops(&data(seed, 2500)).enumerate() {
                now += d;
                crate::ops::apply(&mut b, now, &op);
                if k % 7 == 0 {
                    let at = now + Duration::from_millis(seed * 11);
                    let r = Bridge::restore(&b.snapshot(at), at).unwrap();
                    assert_eq!(state(&r), state(&b), "seed {seed} op {k}");
                }
            }
        }
    }
}
