//! [`Coordinator::snapshot`] and [`Coordinator::restore`]: the encoding of the coordinator's
//! own fields around the drivers' snapshots. The design, what is kept and why, and the format
//! are in [`crate::coordinator::snapshot`].

use super::{Coordinator, Half, Options, Stp, StpMode};
use crate::config::ValidConfig;
use crate::coordinator::demux::DemuxCounters;
use crate::coordinator::fdb_sync::{FdbSaved, FdbState};
use crate::coordinator::logical;
use crate::coordinator::snapshot::{MAGIC, R, SNAPSHOT_VERSION, SnapshotError, W, crc32, fnv64};
use crate::coordinator::split::{Evidence, PeerVerdict};
use crate::coordinator::{PeerIndex, apply_mlag_forwarding};
use crate::dataplane::{CIST, Dataplane, FdbFlush, Location, MlagId, NextHop, PortState};
use crate::preflight::{Summary, compare};
use alloc::collections::{BTreeMap, BTreeSet};
use alloc::vec;
use alloc::vec::Vec;
use core::time::Duration;
use fdb::Kind;
use l2_types::{Instant, MacAddr, PortNo, VlanId};
use lacp::LinkState;

/// A dataplane that ignores every call: the coordinator is built on it, its state replaced by
/// the snapshot's, and only then moved onto the host's dataplane (so building makes no call
/// the host's dataplane would see).
struct Null;

impl Dataplane for Null {
    fn transmit(&mut self, _: PortNo, _: &[u8]) {}
    fn set_port_state(&mut self, _: PortNo, _: stp::TreeId, _: PortState) {}
    fn set_member(&mut self, _: PortNo, _: bool, _: bool) {}
    fn fdb_add(&mut self, _: VlanId, _: MacAddr, _: Location) {}
    fn fdb_remove(&mut self, _: VlanId, _: MacAddr) {}
    fn fdb_flush(&mut self, _: FdbFlush) {}
    fn set_mlag_next_hop(&mut self, _: MlagId, _: NextHop) {}
    fn set_peer_forwarding(&mut self, _: MlagId, _: bool) {}
}

fn w_loc(w: &mut W, l: Location) {
    match l {
        Location::Port(p) => {
            w.u8(0);
            w.u16(p.0);
        }
        Location::Mlag(m) => {
            w.u8(1);
            w.u32(m.0);
        }
        Location::PeerPort => w.u8(2),
        Location::Cpu => w.u8(3),
    }
}

fn r_loc(r: &mut R<'_>) -> Result<Location, SnapshotError> {
    Ok(match r.u8()? {
        0 => Location::Port(PortNo(r.u16()?)),
        1 => Location::Mlag(MlagId(r.u32()?)),
        2 => Location::PeerPort,
        3 => Location::Cpu,
        _ => return Err(SnapshotError::BadValue("location")),
    })
}

fn w_link(w: &mut W, l: LinkState) {
    match l {
        LinkState::Down => w.u8(0),
        LinkState::Up {
            speed_mbps,
            full_duplex,
        } => {
            w.u8(1 + u8::from(full_duplex));
            w.u32(speed_mbps);
        }
    }
}

fn r_link(r: &mut R<'_>) -> Result<LinkState, SnapshotError> {
    Ok(match r.u8()? {
        0 => LinkState::Down,
        c @ (1 | 2) => LinkState::Up {
            speed_mbps: r.u32()?,
            full_duplex: c == 2,
        },
        _ => return Err(SnapshotError::BadValue("link")),
    })
}

const fn index_code(i: Option<PeerIndex>) -> u8 {
    match i {
        None => 0,
        Some(PeerIndex::Low) => 1,
        Some(PeerIndex::High) => 2,
    }
}

fn r_index(r: &mut R<'_>) -> Result<Option<PeerIndex>, SnapshotError> {
    Ok(match r.u8()? {
        0 => None,
        1 => Some(PeerIndex::Low),
        2 => Some(PeerIndex::High),
        _ => return Err(SnapshotError::BadValue("peer index")),
    })
}

const fn state_code(s: PortState) -> u8 {
    match s {
        PortState::Discarding => 0,
        PortState::Learning => 1,
        PortState::Forwarding => 2,
    }
}

fn r_state(r: &mut R<'_>) -> Result<PortState, SnapshotError> {
    Ok(match r.u8()? {
        0 => PortState::Discarding,
        1 => PortState::Learning,
        2 => PortState::Forwarding,
        _ => return Err(SnapshotError::BadValue("port state")),
    })
}

fn w_opt_bool(w: &mut W, b: Option<bool>) {
    w.u8(match b {
        None => 0,
        Some(false) => 1,
        Some(true) => 2,
    });
}

fn r_opt_bool(r: &mut R<'_>, what: &'static str) -> Result<Option<bool>, SnapshotError> {
    Ok(match r.u8()? {
        0 => None,
        1 => Some(false),
        2 => Some(true),
        _ => return Err(SnapshotError::BadValue(what)),
    })
}

/// What a snapshot must agree with: the configuration summary both peers compare, and the
/// shape the coordinator builds from the configuration (bonds, members and their numbering).
fn config_fingerprint<D: Dataplane>(c: &Coordinator<D>) -> u64 {
    let mut b = Summary::of(&c.cfg).encode();
    b.extend_from_slice(&c.bridge_mac.0);
    b.extend_from_slice(&c.peer_port.0.to_be_bytes());
    for l in &c.lags {
        b.extend_from_slice(l.bond.as_bytes());
        b.push(0);
        b.extend_from_slice(&l.key.to_be_bytes());
        b.extend_from_slice(&l.mlag.map_or(u32::MAX, |m| m.0).to_be_bytes());
    }
    for (p, m) in &c.members {
        b.extend_from_slice(&p.0.to_be_bytes());
        b.extend_from_slice(&u32::try_from(m.lag).unwrap_or(u32::MAX).to_be_bytes());
        b.extend_from_slice(&m.index.to_be_bytes());
        b.extend_from_slice(&m.mac.0);
    }
    fnv64(&b)
}

impl<D: Dataplane> Coordinator<D> {
    /// This coordinator's whole state at `now`, as octets for [`Coordinator::restore`]: a
    /// hitless restart of the control plane ([`crate::coordinator::snapshot`] has the design).
    /// Take it as the last act of this instance: it must not handle inputs afterwards.
    pub fn snapshot(&self, now: Instant) -> Vec<u8> {
        let mut w = W(Vec::with_capacity(4096));
        w.0.extend_from_slice(MAGIC);
        w.u8(SNAPSHOT_VERSION);
        w.at(now);
        w.u64(config_fingerprint(self));
        w.bytes(&self.lacp.snapshot(now).to_bytes());
        w.bytes(&self.iccp.snapshot(now));
        // LAGs: the identity applied (the pair's, or this peer's own while held out).
        w.len(self.lags.len());
        for l in &self.lags {
            w.mac(l.applied);
            match l.cfg.actor_system {
                Some(s) => {
                    w.u8(1);
                    w.u16(s.priority);
                    w.mac(s.mac);
                }
                None => w.u8(0),
            }
            w.bool(l.fallback);
        }
        w.len(self.members.len());
        for (p, m) in &self.members {
            w.u16(p.0);
            w_link(&mut w, m.link);
            w.bool(m.in_lacp);
            w.bool(m.collecting);
            w.bool(m.distributing);
            w.bool(m.timeout == lacp::LacpTimeout::Short);
            w.bool(m.activity == lacp::Activity::Passive);
        }
        w.len(self.halves.len());
        for (id, h) in &self.halves {
            w.u32(id.0);
            w.bool(h.local_up);
            w.bool(h.peer_up);
            w.mac(h.peer_partner);
        }
        w.mac(self.system_id);
        w.u8(index_code(self.peer_index));
        w.u8(index_code(self.numbered_as));
        w.bool(self.released);
        w.bool(self.isolated);
        w.at(self.reload_at);
        w.len(self.held.len());
        for id in &self.held {
            w.u32(id.0);
        }
        match &self.peer_chunks {
            Some((next, n, b)) => {
                w.u8(1);
                w.u16(*next);
                w.u16(*n);
                w.bytes(b);
            }
            None => w.u8(0),
        }
        match &self.peer_summary {
            Some(s) => {
                w.u8(1);
                w.bytes(&s.encode());
            }
            None => w.u8(0),
        }
        let d = &self.demux;
        for v in [
            d.iccp,
            d.iccp_rejected,
            d.iccp_off_peer_port,
            d.lacp,
            d.lacp_held,
            d.lacp_not_slave,
            d.bpdu,
            d.bpdu_on_peer_port,
            d.not_control,
            d.runts,
            d.unknown_port,
        ] {
            w.u64(v);
        }
        w.u64(self.events_dropped);
        w.u64(self.app_rejected);
        w.u64(self.app_send_failed);
        w.len(self.host_links.len());
        for (p, l) in &self.host_links {
            w.u16(p.0);
            w_link(&mut w, *l);
        }
        self.snapshot_split(&mut w);
        w.bool(self.fallback_any);
        self.snapshot_stp(&mut w, now);
        self.snapshot_fdb(&mut w);
        let crc = crc32(&w.0);
        w.u32(crc);
        w.0
    }

    fn snapshot_split(&self, w: &mut W) {
        let s = &self.split;
        w.bool(s.armed);
        match s.peer_mac {
            Some(m) => {
                w.u8(1);
                w.mac(m);
            }
            None => w.u8(0),
        }
        w.u8(match s.verdict {
            PeerVerdict::NoSplit => 0,
            PeerVerdict::Probing => 1,
            PeerVerdict::AliveSplit => 2,
            PeerVerdict::Dead => 3,
        });
        match &s.peer {
            Some((at, e)) => {
                let mut buf = vec![0u8; 64 + 11 * (e.halves.len() + 1)];
                let n = e.encode(&mut buf).unwrap_or(0);
                w.u8(1);
                w.at(*at);
                w.bytes(buf.get(..n).unwrap_or_default());
            }
            None => w.u8(0),
        }
        w.opt_at(s.probe_until);
        w.opt_at(s.next_request);
        w_opt_bool(w, s.tx_due);
        w.u32(s.seq);
        w.u32(s.split_seq);
        w.len(s.granted.len());
        for id in &s.granted {
            w.u32(id.0);
        }
        w.u64(s.rejected);
        w.u64(s.rx);
        w.u64(s.tx);
        // Authenticated evidence (the signer itself comes from the options).
        w.u32(s.incarnation);
        w_opt_pair(w, s.peer_auth);
        w.len(s.retired.len());
        for i in &s.retired {
            w.u32(*i);
        }
        w_opt_pair(w, s.epoch);
        match s.heard_seq {
            Some(v) => {
                w.u8(1);
                w.u32(v);
            }
            None => w.u8(0),
        }
        for v in [s.forged, s.replayed, s.stale] {
            w.u64(v);
        }
    }

    fn snapshot_stp(&self, w: &mut W, now: Instant) {
        let s = &self.stp;
        match &s.bridge {
            Some(b) => {
                w.u8(1);
                w.bytes(&b.snapshot(now));
            }
            None => w.u8(0),
        }
        w.u8(match s.mode {
            StpMode::Primary => 0,
            StpMode::Replica => 1,
            StpMode::Standalone => 2,
        });
        w.bytes(&logical::encode_bridge(&s.bridge_cfg));
        w.len(s.log.len());
        for e in &s.log {
            w.bytes(e);
        }
        w.bool(s.log_complete);
        w.u32(s.seq);
        w.bool(s.awaiting);
        w.bool(s.ready);
        w_opt_bool(w, s.in_sync);
        w.bool(s.held);
        w.len(s.mlag_ports.len());
        for (id, p) in &s.mlag_ports {
            w.u32(id.0);
            w.u16(*p);
        }
        w.len(s.own.len());
        for (n, p) in &s.own {
            w.u16(*n);
            w.u16(p.0);
        }
        w.len(s.boot_held.len());
        for ((p, tree), st) in &s.boot_held {
            w.u16(p.0);
            w.u16(*tree);
            w.u8(state_code(*st));
        }
        w.len(s.ports.len());
        for (n, (mlag, cfg)) in &s.ports {
            w.u16(*n);
            w.bytes(&logical::encode_add(*mlag, cfg));
        }
        w.len(s.links.len());
        for (n, l) in &s.links {
            w.u16(*n);
            w.bytes(&logical::encode_link(*l));
        }
        w.len(s.mlag_speed.len());
        for (id, v) in &s.mlag_speed {
            w.u32(id.0);
            w.u32(*v);
        }
        w.at(s.next_check);
        w.bool(s.resync_wanted);
        w.at(s.grace_until);
        w.bool(s.own_claim);
        w_opt_bool(w, s.authority);
        for v in [s.relayed, s.fingerprint_mismatches, s.resyncs, s.rejected] {
            w.u64(v);
        }
        // MSTP: a region entry in transfer, the MSTI settings given per port.
        let (next, octets) = s.region_parts.state();
        w.u32(u32::try_from(next).unwrap_or(u32::MAX));
        w.bytes(octets);
        w.len(s.msti_ports.len());
        for (n, v) in &s.msti_ports {
            w.u16(*n);
            w.bytes(&logical::encode_msti_port(v));
        }
        // Edge ports kept for a standalone bridge.
        w.len(s.edge_mlags.len());
        for id in &s.edge_mlags {
            w.u32(id.0);
        }
        w.len(s.edge_own.len());
        for p in &s.edge_own {
            w.u16(p.0);
        }
        // The watch over a silent authority.
        w.at(s.heard);
        w.bool(s.took_over);
        w.u64(s.takeovers);
        w.opt_at(s.backup_heard);
        w.opt_at(s.probe_sent);
        w.bool(s.backplane_wait);
        // Edge ports held after a BPDU until the authority decided (`run::edge_bpdu`).
        w.len(s.edge_held.len());
        for (port, until) in &s.edge_held {
            w.u16(*port);
            w.at(*until);
        }
        w.u64(s.edge_holds);
        // A replica cut off from its authority (`run::cut_off`).
        w.bool(s.cut_off);
        w.bool(s.cut_off_resync);
        // Switch-offs the peer has not confirmed yet.
        let (pending, held, waited, expired) = self.stp_off.parts();
        w.len(pending.len());
        for ((port, tree), (n, at)) in pending {
            w.u16(*port);
            w.u16(*tree);
            w.u32(*n);
            w.at(*at);
        }
        w.len(held.len());
        for ((host, tree), (port, loc)) in held {
            w.u16(host.0);
            w.u16(*tree);
            w.u16(*port);
            w_loc(w, *loc);
        }
        w.u64(waited);
        w.u64(expired);
    }

    fn snapshot_fdb(&self, w: &mut W) {
        let saved = self.fdb.saved();
        w.len(saved.programmed.len());
        for (k, l) in &saved.programmed {
            w.u64(*k);
            w_loc(w, *l);
        }
        w.u32(saved.epoch);
        for v in saved.counters {
            w.u64(v);
        }
        w.opt_at(saved.connected_at);
        match saved.last_sync {
            Some(d) => {
                w.u8(1);
                w.u64(u64::try_from(d.as_nanos()).unwrap_or(u64::MAX));
            }
            None => w.u8(0),
        }
        w.u32(saved.peer_position.0);
        w.u64(saved.peer_position.1);
        w.len(saved.peer_records.len());
        for r in &saved.peer_records {
            w.u64(r.key.to_u64());
            match r.location {
                Some(fdb::SyncLocation::Mlag(id)) => {
                    w.u8(1);
                    w.u32(id.0);
                }
                // Peer records always have a location; a single-homed one otherwise.
                _ => w.u8(0),
            }
        }
        // Own dynamic entries, with the instant they were last seen.
        let own: Vec<fdb::Entry> = self
            .fdb
            .table
            .entries()
            .filter(|e| e.kind == Kind::Dynamic)
            .collect();
        w.len(own.len());
        for e in own {
            w.u64(e.key.to_u64());
            w_loc(w, e.location);
            w.opt_at(e.last_seen);
        }
    }

    /// The coordinator of `bytes` (from [`Coordinator::snapshot`]) under `cfg`, driving `dp`
    /// (the dataplane as the old instance left it), at `now` (not before the snapshot's
    /// instant; the pause between the two is the time the control plane was down). It makes
    /// no visible change: no LACP, ICCP or STP event, and the dataplane calls it makes
    /// re-assert what the dataplane already holds ([`crate::coordinator::snapshot`]).
    ///
    /// # Errors
    /// [`SnapshotError`]: damaged, truncated or foreign octets (checksum, magic), another
    /// format version, a configuration other than the snapshot's, a restore instant before
    /// the snapshot's, or a driver's section that does not restore.
    pub fn restore(
        cfg: ValidConfig,
        mut dp: D,
        opts: &Options,
        bytes: &[u8],
        now: Instant,
    ) -> Result<Self, SnapshotError> {
        let Some(head) = bytes.get(..MAGIC.len()) else {
            return Err(SnapshotError::Truncated);
        };
        if head != MAGIC {
            return Err(SnapshotError::BadMagic);
        }
        let version = bytes
            .get(MAGIC.len())
            .copied()
            .ok_or(SnapshotError::Truncated)?;
        if version != SNAPSHOT_VERSION {
            return Err(SnapshotError::Version(version));
        }
        let Some(split) = bytes.len().checked_sub(4) else {
            return Err(SnapshotError::Truncated);
        };
        let (body, tail) = bytes.split_at(split);
        let mut crc = [0u8; 4];
        crc.copy_from_slice(tail);
        if split < MAGIC.len() + 1 {
            return Err(SnapshotError::Truncated);
        }
        if crc32(body) != u32::from_be_bytes(crc) {
            return Err(SnapshotError::Checksum);
        }
        let mut r = R(body.get(MAGIC.len() + 1..).unwrap_or_default());
        let t0 = r.at()?;
        if now < t0 {
            return Err(SnapshotError::TimeWentBack);
        }
        let mut c =
            Coordinator::<Null>::new(cfg, Null, opts, now).map_err(SnapshotError::Coordinator)?;
        if r.u64()? != config_fingerprint(&c) {
            return Err(SnapshotError::ConfigMismatch("configuration fingerprint"));
        }
        let lacp_snap = lacp::Snapshot::from_bytes(r.bytes()?).map_err(SnapshotError::Lacp)?;
        c.lacp = lacp::System::restore(now, &lacp_snap).map_err(SnapshotError::Lacp)?;
        let sc = c.iccp.config().clone();
        c.iccp = iccp::Session::restore(sc, r.bytes()?, now).map_err(SnapshotError::Iccp)?;
        if r.count(8)? != c.lags.len() {
            return Err(SnapshotError::ConfigMismatch("bonds"));
        }
        for l in &mut c.lags {
            l.applied = r.mac()?;
            l.cfg.actor_system = if r.bool("actor system")? {
                Some(lacp::SystemIdentity {
                    priority: r.u16()?,
                    mac: r.mac()?,
                })
            } else {
                None
            };
            l.fallback = r.bool("fallback")?;
        }
        if r.count(7)? != c.members.len() {
            return Err(SnapshotError::ConfigMismatch("bond members"));
        }
        for _ in 0..c.members.len() {
            let port = PortNo(r.u16()?);
            let link = r_link(&mut r)?;
            let m = c
                .members
                .get_mut(&port)
                .ok_or(SnapshotError::ConfigMismatch("bond members"))?;
            m.link = link;
            m.in_lacp = r.bool("in LACP")?;
            m.collecting = r.bool("collecting")?;
            m.distributing = r.bool("distributing")?;
            m.timeout = if r.bool("timeout")? {
                lacp::LacpTimeout::Short
            } else {
                lacp::LacpTimeout::Long
            };
            m.activity = if r.bool("activity")? {
                lacp::Activity::Passive
            } else {
                lacp::Activity::Active
            };
        }
        if r.count(12)? != c.halves.len() {
            return Err(SnapshotError::ConfigMismatch("MLAGs"));
        }
        for _ in 0..c.halves.len() {
            let id = MlagId(r.u32()?);
            let h = Half {
                local_up: r.bool("local half")?,
                peer_up: r.bool("peer half")?,
                peer_partner: r.mac()?,
            };
            *c.halves
                .get_mut(&id)
                .ok_or(SnapshotError::ConfigMismatch("MLAGs"))? = h;
        }
        c.system_id = r.mac()?;
        c.peer_index = r_index(&mut r)?;
        c.numbered_as = r_index(&mut r)?;
        c.released = r.bool("released")?;
        c.isolated = r.bool("isolated")?;
        c.reload_at = r.at()?;
        let n = r.count(4)?;
        let mut held = BTreeSet::new();
        for _ in 0..n {
            held.insert(MlagId(r.u32()?));
        }
        c.held = held;
        c.peer_chunks = if r.bool("summary chunks")? {
            let next = r.u16()?;
            let n = r.u16()?;
            Some((next, n, r.bytes()?.to_vec()))
        } else {
            None
        };
        c.peer_summary = if r.bool("peer summary")? {
            Some(Summary::decode(r.bytes()?).map_err(|_| SnapshotError::BadValue("peer summary"))?)
        } else {
            None
        };
        // The consistency report is a function of the two summaries (as `recompute_holds`).
        c.consistency = match (&c.peer_summary, c.peer_index) {
            (Some(peer), Some(index)) => {
                let own = Summary::of(&c.cfg);
                Some(match index {
                    PeerIndex::Low => compare(&own, peer),
                    PeerIndex::High => compare(peer, &own),
                })
            }
            _ => None,
        };
        let mut d = [0u64; 11];
        for v in &mut d {
            *v = r.u64()?;
        }
        let [
            iccp,
            iccp_rejected,
            iccp_off_peer_port,
            lacp,
            lacp_held,
            lacp_not_slave,
            bpdu,
            bpdu_on_peer_port,
            not_control,
            runts,
            unknown_port,
        ] = d;
        c.demux = DemuxCounters {
            iccp,
            iccp_rejected,
            iccp_off_peer_port,
            lacp,
            lacp_held,
            lacp_not_slave,
            bpdu,
            bpdu_on_peer_port,
            not_control,
            runts,
            unknown_port,
        };
        c.events_dropped = r.u64()?;
        c.app_rejected = r.u64()?;
        c.app_send_failed = r.u64()?;
        c.host_links = r.map(3, |r| Ok((PortNo(r.u16()?), r_link(r)?)))?;
        restore_split(&mut c, &mut r)?;
        c.fallback_any = r.bool("fallback")?;
        restore_stp(&mut c.stp, &mut r, t0)?;
        c.stp_off = restore_switch_off(&mut r)?;
        let saved = restore_fdb_saved(&mut r)?;
        let own = restore_fdb_own(&mut r)?;
        if !r.0.is_empty() {
            return Err(SnapshotError::Trailing(r.0.len()));
        }
        // The FDB: a new epoch (never the snapshot's), the own entries learned again at the
        // instant they were last seen, in that order.
        let ageing = c
            .cfg
            .mlag_bridge()
            .map(|b| b.ageing_time)
            .unwrap_or_default();
        let mut fresh = None;
        for k in 0..8u64 {
            let f = FdbState::new(opts.seed ^ k.wrapping_mul(0x5851_F42D_4C95_7F2D), ageing)
                .map_err(|e| SnapshotError::Coordinator(super::Error::Fdb(e)))?;
            if f.table.sync_position().0 != saved.epoch {
                fresh = Some(f);
                break;
            }
        }
        let mut fresh = fresh.ok_or(SnapshotError::BadValue("FDB epoch"))?;
        for (id, h) in &c.halves {
            let state = if h.local_up {
                fdb::BondState::Up
            } else {
                fdb::BondState::Down
            };
            let _ = fresh.table.set_mlag_bond(*id, state);
        }
        let mut own = own;
        own.sort_by_key(|(_, _, at)| *at);
        for (key, loc, at) in own {
            let Some(k) = fdb::Key::from_u64(key) else {
                return Err(SnapshotError::BadValue("FDB key"));
            };
            let _ = fresh.table.learn(at.min(now), k.vid(), k.mac(), loc);
        }
        let connected = c.iccp.status() == iccp::Status::Connected;
        c.fdb = fresh.restored(saved, now, connected);
        c.now = now;

        // Onto the host's dataplane: re-assert what it already holds (same values).
        if let Some(bridge) = c.cfg.mlag_bridge() {
            let state = c.peer_port_state();
            dp.set_port_state(c.peer_port, CIST, state);
            for msti in &bridge.stp.mstis {
                dp.set_port_state(c.peer_port, msti.id, state);
            }
        }
        for (p, m) in &c.members {
            dp.set_member(*p, m.collecting, m.distributing);
        }
        for (id, h) in &c.halves {
            apply_mlag_forwarding(&mut dp, *id, h.local_up, h.peer_up);
        }
        for (k, l) in c.fdb.saved().programmed {
            if let Some(key) = fdb::Key::from_u64(k) {
                dp.fdb_add(key.vid(), key.mac(), l);
            }
        }
        let mut out = c.onto(dp);
        out.drain(now);
        Ok(out)
    }
}

impl Coordinator<Null> {
    /// The same coordinator on the host's dataplane.
    fn onto<E: Dataplane>(self, dp: E) -> Coordinator<E> {
        Coordinator {
            cfg: self.cfg,
            dp,
            iccp: self.iccp,
            lacp: self.lacp,
            bridge_mac: self.bridge_mac,
            peer_port: self.peer_port,
            lags: self.lags,
            members: self.members,
            halves: self.halves,
            system_id: self.system_id,
            peer_index: self.peer_index,
            numbered_as: self.numbered_as,
            released: self.released,
            isolated: self.isolated,
            reload_at: self.reload_at,
            held: self.held,
            peer_chunks: self.peer_chunks,
            peer_summary: self.peer_summary,
            consistency: self.consistency,
            demux: self.demux,
            buf: self.buf,
            events: self.events,
            events_dropped: self.events_dropped,
            app_rejected: self.app_rejected,
            app_send_failed: self.app_send_failed,
            stp: self.stp,
            host_links: self.host_links,
            split: self.split,
            recorder: self.recorder,
            now: self.now,
            fallback_any: self.fallback_any,
            fdb: self.fdb,
            stp_off: self.stp_off,
        }
    }
}

fn restore_split<E: Dataplane>(c: &mut Coordinator<E>, r: &mut R<'_>) -> Result<(), SnapshotError> {
    let s = &mut c.split;
    s.armed = r.bool("armed")?;
    s.peer_mac = if r.bool("peer MAC")? {
        Some(r.mac()?)
    } else {
        None
    };
    s.verdict = match r.u8()? {
        0 => PeerVerdict::NoSplit,
        1 => PeerVerdict::Probing,
        2 => PeerVerdict::AliveSplit,
        3 => PeerVerdict::Dead,
        _ => return Err(SnapshotError::BadValue("verdict")),
    };
    s.peer = if r.bool("evidence")? {
        let at = r.at()?;
        let e = Evidence::decode(r.bytes()?).ok_or(SnapshotError::BadValue("evidence"))?;
        Some((at, e))
    } else {
        None
    };
    s.probe_until = r.opt_at()?;
    s.next_request = r.opt_at()?;
    s.tx_due = r_opt_bool(r, "evidence due")?;
    s.seq = r.u32()?;
    s.split_seq = r.u32()?;
    let n = r.count(4)?;
    let mut granted = BTreeSet::new();
    for _ in 0..n {
        granted.insert(MlagId(r.u32()?));
    }
    s.granted = granted;
    s.rejected = r.u64()?;
    s.rx = r.u64()?;
    s.tx = r.u64()?;
    s.incarnation = r.u32()?;
    s.peer_auth = r_opt_pair(r, "peer incarnation")?;
    let n = r.count(4)?;
    if n > super::super::split::RETIRED_MAX {
        return Err(SnapshotError::BadValue("retired incarnations"));
    }
    let mut retired = Vec::with_capacity(n);
    for _ in 0..n {
        retired.push(r.u32()?);
    }
    s.retired = retired;
    s.epoch = r_opt_pair(r, "evidence epoch")?;
    s.heard_seq = if r.bool("heard seq")? {
        Some(r.u32()?)
    } else {
        None
    };
    s.forged = r.u64()?;
    s.replayed = r.u64()?;
    s.stale = r.u64()?;
    Ok(())
}

fn w_opt_pair(w: &mut W, v: Option<(u32, u32)>) {
    match v {
        Some((a, b)) => {
            w.u8(1);
            w.u32(a);
            w.u32(b);
        }
        None => w.u8(0),
    }
}

fn r_opt_pair(r: &mut R<'_>, what: &'static str) -> Result<Option<(u32, u32)>, SnapshotError> {
    Ok(if r.bool(what)? {
        Some((r.u32()?, r.u32()?))
    } else {
        None
    })
}

fn restore_stp(s: &mut Stp, r: &mut R<'_>, t0: Instant) -> Result<(), SnapshotError> {
    // At the snapshot's instant: the bridge shares one timeline with the replica and the log
    // (module docs of `coordinator::snapshot`, "STP at the snapshot's instant").
    s.bridge = if r.bool("bridge")? {
        Some(stp::Bridge::restore(r.bytes()?, t0).map_err(SnapshotError::Stp)?)
    } else {
        None
    };
    s.mode = match r.u8()? {
        0 => StpMode::Primary,
        1 => StpMode::Replica,
        2 => StpMode::Standalone,
        _ => return Err(SnapshotError::BadValue("STP mode")),
    };
    s.bridge_cfg =
        logical::decode_bridge(r.bytes()?).ok_or(SnapshotError::BadValue("bridge settings"))?;
    let n = r.count(4)?;
    let mut log = Vec::with_capacity(n);
    for _ in 0..n {
        log.push(r.bytes()?.to_vec());
    }
    s.log = log;
    s.log_complete = r.bool("log complete")?;
    s.seq = r.u32()?;
    s.awaiting = r.bool("awaiting")?;
    s.ready = r.bool("ready")?;
    s.in_sync = r_opt_bool(r, "in sync")?;
    s.silent = false;
    s.held = r.bool("held")?;
    s.mlag_ports = r.map(6, |r| Ok((MlagId(r.u32()?), r.u16()?)))?;
    let n = r.count(4)?;
    let (mut own, mut own_rev) = (BTreeMap::new(), BTreeMap::new());
    for _ in 0..n {
        let num = r.u16()?;
        let p = PortNo(r.u16()?);
        own.insert(num, p);
        own_rev.insert(p, num);
    }
    (s.own, s.own_rev) = (own, own_rev);
    s.boot_held = r.map(5, |r| Ok(((PortNo(r.u16()?), r.u16()?), r_state(r)?)))?;
    s.ports = r.map(6, |r| {
        let num = r.u16()?;
        let v = logical::decode_add(r.bytes()?).ok_or(SnapshotError::BadValue("STP port"))?;
        Ok((num, v))
    })?;
    s.links = r.map(6, |r| {
        let num = r.u16()?;
        let l = logical::decode_link(r.bytes()?).ok_or(SnapshotError::BadValue("STP link"))?;
        Ok((num, l))
    })?;
    s.mlag_speed = r.map(8, |r| Ok((MlagId(r.u32()?), r.u32()?)))?;
    s.next_check = r.at()?;
    s.resync_wanted = r.bool("resync wanted")?;
    s.grace_until = r.at()?;
    s.snapshot = logical::SnapshotParts::default();
    s.own_claim = r.bool("claim")?;
    s.authority = r_opt_bool(r, "authority")?;
    s.relayed = r.u64()?;
    s.fingerprint_mismatches = r.u64()?;
    s.resyncs = r.u64()?;
    s.rejected = r.u64()?;
    let next = usize::try_from(r.u32()?).map_err(|_| SnapshotError::BadValue("region part"))?;
    s.region_parts = logical::RegionParts::from_state(next, r.bytes()?.to_vec());
    s.msti_ports = r.map(3, |r| {
        let num = r.u16()?;
        let v = logical::decode_msti_port(r.bytes()?)
            .ok_or(SnapshotError::BadValue("MSTI port settings"))?;
        Ok((num, v))
    })?;
    let n = r.count(4)?;
    let mut edge_mlags = BTreeSet::new();
    for _ in 0..n {
        edge_mlags.insert(MlagId(r.u32()?));
    }
    s.edge_mlags = edge_mlags;
    let n = r.count(2)?;
    let mut edge_own = BTreeSet::new();
    for _ in 0..n {
        edge_own.insert(PortNo(r.u16()?));
    }
    s.edge_own = edge_own;
    s.heard = r.at()?;
    s.took_over = r.bool("took over")?;
    s.takeovers = r.u64()?;
    s.backup_heard = r.opt_at()?;
    s.probe_sent = r.opt_at()?;
    s.backplane_wait = r.bool("backplane wait")?;
    s.edge_held = r.map(10, |r| Ok((r.u16()?, r.at()?)))?;
    s.edge_holds = r.u64()?;
    s.cut_off = r.bool("cut off")?;
    s.cut_off_resync = r.bool("cut-off catch-up")?;
    Ok(())
}

fn restore_switch_off(r: &mut R<'_>) -> Result<super::switch_off::SwitchOff, SnapshotError> {
    let pending = r.map(12, |r| Ok(((r.u16()?, r.u16()?), (r.u32()?, r.at()?))))?;
    let held = r.map(7, |r| {
        Ok(((PortNo(r.u16()?), r.u16()?), (r.u16()?, r_loc(r)?)))
    })?;
    let waited = r.u64()?;
    let expired = r.u64()?;
    Ok(super::switch_off::SwitchOff::from_parts(
        pending, held, waited, expired,
    ))
}

fn restore_fdb_saved(r: &mut R<'_>) -> Result<FdbSaved, SnapshotError> {
    let programmed = r.map(9, |r| {
        let k = r.u64()?;
        if fdb::Key::from_u64(k).is_none() {
            return Err(SnapshotError::BadValue("FDB key"));
        }
        Ok((k, r_loc(r)?))
    })?;
    let epoch = r.u32()?;
    let mut counters = [0u64; 4];
    for v in &mut counters {
        *v = r.u64()?;
    }
    let connected_at = r.opt_at()?;
    let last_sync = if r.bool("last sync")? {
        Some(Duration::from_nanos(r.u64()?))
    } else {
        None
    };
    let peer_position = (r.u32()?, r.u64()?);
    let n = r.count(9)?;
    let mut peer_records = Vec::with_capacity(n);
    for _ in 0..n {
        let key = fdb::Key::from_u64(r.u64()?).ok_or(SnapshotError::BadValue("FDB key"))?;
        let location = match r.u8()? {
            0 => fdb::SyncLocation::Single,
            1 => fdb::SyncLocation::Mlag(MlagId(r.u32()?)),
            _ => return Err(SnapshotError::BadValue("FDB peer location")),
        };
        // Written in ascending key order, each key once (as `Fdb::peer_records`): the mirror
        // is put back as one snapshot of the peer's table, which takes them only so.
        if peer_records
            .last()
            .is_some_and(|p: &fdb::sync::wire::Record| p.key >= key)
        {
            return Err(SnapshotError::BadValue("FDB peer entries out of order"));
        }
        peer_records.push(fdb::sync::wire::Record {
            key,
            location: Some(location),
        });
    }
    if peer_position.0 == 0 && !peer_records.is_empty() {
        return Err(SnapshotError::BadValue(
            "FDB peer entries without a position",
        ));
    }
    Ok(FdbSaved {
        programmed,
        epoch,
        counters,
        connected_at,
        last_sync,
        peer_position,
        peer_records,
    })
}

type OwnEntry = (u64, Location, Instant);

fn restore_fdb_own(r: &mut R<'_>) -> Result<Vec<OwnEntry>, SnapshotError> {
    let n = r.count(10)?;
    let mut v = Vec::with_capacity(n);
    for _ in 0..n {
        let k = r.u64()?;
        let loc = r_loc(r)?;
        let at = r.opt_at()?.unwrap_or(Instant::ZERO);
        v.push((k, loc, at));
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dataplane::RecordingDataplane;

    /// Every field added to `Stp`, `Split` and the switch-off state after the snapshot was
    /// written survives a snapshot and a restore (the compiler checks only `Coordinator`'s own
    /// fields).
    #[test]
    fn later_fields_survive_a_restore() {
        let now = Instant::from_millis(5000);
        let cfg = crate::config::Config::quick_setup(1).validate().unwrap();
        let mut opts = Options::new(7);
        opts.backup = true;
        opts.iccp_secret = Some(crate::coordinator::IccpSecret::new("shared-s3cret-word").unwrap());
        let mut c =
            Coordinator::new(cfg.clone(), RecordingDataplane::new(), &opts, Instant::ZERO).unwrap();
        // Split: the authenticated evidence state.
        c.split.incarnation = 0x1234_5678;
        c.split.peer_auth = Some((9, 10));
        c.split.retired = vec![1, 2, 3];
        c.split.epoch = Some((11, 12));
        c.split.heard_seq = Some(13);
        (c.split.forged, c.split.replayed, c.split.stale) = (14, 15, 16);
        // Stp: MSTP, edge ports, the watch.
        c.stp.region_parts = logical::RegionParts::from_state(2, vec![1, 2, 3, 4]);
        c.stp.msti_ports.insert(
            7,
            vec![logical::MstiPortSettings {
                id: 2,
                priority: 0x40,
                internal_path_cost: Some(2000),
            }],
        );
        c.stp.edge_mlags.insert(MlagId(10));
        c.stp.edge_own.insert(PortNo(3));
        c.stp.heard = Instant::from_millis(4000);
        c.stp.took_over = true;
        c.stp.takeovers = 3;
        c.stp.backup_heard = Some(Instant::from_millis(4500));
        c.stp.probe_sent = Some(Instant::from_millis(4750));
        c.stp.backplane_wait = true;
        c.stp.edge_held.insert(7, Instant::from_millis(5100));
        c.stp.edge_holds = 6;
        c.stp.cut_off = true;
        c.stp.cut_off_resync = true;
        // Switch-offs awaiting the peer.
        let mut pending = BTreeMap::new();
        pending.insert((7, 0), (2, Instant::from_millis(4900)));
        let mut held = BTreeMap::new();
        held.insert((PortNo(3), 0), (7, Location::Port(PortNo(3))));
        c.stp_off = super::super::switch_off::SwitchOff::from_parts(pending, held, 4, 5);

        let bytes = c.snapshot(now);
        let r = Coordinator::restore(cfg, RecordingDataplane::new(), &opts, &bytes, now).unwrap();
        let (s, t) = (&r.split, &r.stp);
        assert_eq!(s.incarnation, 0x1234_5678);
        assert_eq!(s.peer_auth, Some((9, 10)));
        assert_eq!(s.retired, [1, 2, 3]);
        assert_eq!(s.epoch, Some((11, 12)));
        assert_eq!(s.heard_seq, Some(13));
        assert_eq!((s.forged, s.replayed, s.stale), (14, 15, 16));
        assert_eq!(t.region_parts.state(), (2, &[1u8, 2, 3, 4][..]));
        assert_eq!(t.msti_ports, c.stp.msti_ports);
        assert_eq!(t.edge_mlags, c.stp.edge_mlags);
        assert_eq!(t.edge_own, c.stp.edge_own);
        assert_eq!(t.heard, Instant::from_millis(4000));
        assert!(t.took_over);
        assert_eq!(t.takeovers, 3);
        assert_eq!(t.backup_heard, Some(Instant::from_millis(4500)));
        assert_eq!(t.probe_sent, Some(Instant::from_millis(4750)));
        assert!(t.backplane_wait);
        assert!(t.cut_off && t.cut_off_resync);
        assert_eq!(t.edge_held, c.stp.edge_held);
        assert_eq!(t.edge_holds, 6);
        let (p, h, waited, expired) = r.stp_off.parts();
        let (p0, h0, _, _) = c.stp_off.parts();
        assert_eq!((p, h, waited, expired), (p0, h0, 4, 5));
    }
}
