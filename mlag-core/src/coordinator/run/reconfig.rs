//! Run-time configuration ([`Coordinator::apply`]): bonds, bond slaves, mlag-ids, bridge
//! ports and VLAN membership added, removed or changed on the running coordinator.
//!
//! # Order
//! Everything that leaves is taken down first, against the configuration in force (its port
//! numbers, its bonds): bonds removed (and rebuilt: a new `mlag-id` or `mode`), slaves removed.
//! Then the new configuration is in force and what joins is brought up: bonds, slaves, the
//! single-homed ports of the logical bridge (added, removed, renumbered), the MLAG ports,
//! the FDB entries of VLANs a port left. Last, the consistency summary goes to the peer, the
//! holds are recomputed and the identities refreshed — and only then do new members join
//! LACP, so a new half never speaks with the pair's identity while it should be held.
//!
//! # Numbering
//! As the constructor computes it, so that a change gives what a restart would:
//! * a new LAG takes the id and (non-MLAG) key the constructor would give it (its bond's
//!   position + 1) unless another LAG holds them; an MLAG LAG's key is
//!   [`crate::config::lacp_key`] of its mlag-id, the same on both peers;
//! * a new member's LACP port index is its position among the MLAG slaves (or the other
//!   slaves) of the new configuration, unless a running member holds it (then the lowest
//!   free one): running members are never renumbered, their clients renegotiate nothing;
//! * single-homed STP ports are numbered by position ([`super::super::stp_port_number`]), as
//!   `stp_add_own` numbers them: a port whose position moved (a port before it left the
//!   bridge) rejoins the logical bridge under its new number — 802.1Q-2018 §13.38 a port that
//!   (re)joins starts Discarding — exactly as after a restart;
//! * an MLAG port's number is allocated by the authoritative peer when the mlag-id first
//!   appears there ([`super::super::mlag_stp_port_number`], lowest free) and replicated in its
//!   log (`AddPort` with the mlag-id), so both peers agree whatever order they apply in.
//!
//! Host port numbers are [`ValidConfig::port_no`] (`IfId + 1`: ethernet interfaces, then
//! bonds, then bridges). A change that moves the number of an interface the coordinator uses
//! (a bond removed before another bond that stays a bridge port, an ethernet interface added
//! before others) would move every table keyed by it: it returns [`Error::NeedsRestart`].
//!
//! # The pair
//! The two peers apply a change at different moments. While an mlag-id is configured on one
//! side only, the STP replica (the secondary) keeps its half out of the client's aggregator,
//! held down as a mismatch (`twin_missing`), because the authoritative bridge has no port
//! for it: a half released then would forward with no spanning tree state. The primary's half
//! comes up alone (the authoritative bridge gives it a port). When the peer's summary shows the
//! twin, the hold ends; every half is sent again to a peer whose summary lists an mlag-id it
//! did not list before, so both sides know the other's half at once (a half report for an
//! mlag-id the receiver does not have is dropped).

use super::{Coordinator, Error, Half, Lag, Member, StpMode};
use crate::config::{BondMode, Change, LacpMode, ValidConfig, lacp_key};
use crate::coordinator::{
    MLAG_LACP_SYSTEM_PRIORITY, PeerIndex, apply_mlag_forwarding, stp_port_number, stp_port_owner,
};
use crate::dataplane::{CIST, Dataplane, Location, MlagId, NextHop, PortState};
use crate::preflight::{Outcome, Peer, Report};
use alloc::collections::{BTreeMap, BTreeSet};
use alloc::string::String;
use alloc::vec::Vec;
use fdb::VlanSet;
use l2_types::{Instant, PortNo};

use super::super::logical::{self, Op};
use super::LinkState;

impl<D: Dataplane> Coordinator<D> {
    /// The body of [`Coordinator::apply`] (see its documentation and the module's).
    pub(super) fn reconfigure(
        &mut self,
        now: Instant,
        new: ValidConfig,
        changes: &[Change],
    ) -> Result<(), Error> {
        if new.mlag().is_none() {
            return Err(Error::MlagDisabled);
        }
        if changes.iter().any(Change::restarts_mlag) || self.renumbers(&new) {
            return Err(Error::NeedsRestart);
        }
        self.now = now;
        // Bonds taken down and brought up again with their new settings.
        let mut rebuilt: BTreeSet<String> = BTreeSet::new();
        for c in changes {
            match c {
                Change::BondAdded { bond, .. }
                | Change::BondRemoved { bond, .. }
                | Change::MlagIdChanged { bond, .. }
                | Change::BondChanged {
                    bond,
                    field: "mode",
                    ..
                } => {
                    rebuilt.insert(bond.clone());
                }
                _ => {}
            }
        }

        // 1. What leaves, against the configuration in force.
        for bond in &rebuilt {
            self.remove_bond(now, bond);
        }
        for c in changes {
            if let Change::SlaveRemoved { bond, slave } = c
                && !rebuilt.contains(bond)
                && let Some(port) = self.cfg.find(slave).map(|i| self.cfg.port_no(i))
            {
                self.remove_member(now, port);
                self.member_left(now, bond);
            }
        }
        // VLANs each port loses, by location (the old configuration names them).
        let lost: Vec<(String, Vec<l2_types::VlanId>)> = changes
            .iter()
            .filter_map(|c| match c {
                Change::MembershipChanged { port, old, new } => {
                    let gone: Vec<l2_types::VlanId> =
                        old.all().difference(&new.all()).copied().collect();
                    (!gone.is_empty()).then(|| (port.clone(), gone))
                }
                _ => None,
            })
            .collect();

        // 2. The new configuration is in force.
        self.cfg = new;
        let halves_before: BTreeSet<MlagId> = self.halves.keys().copied().collect();
        let mut joining: Vec<PortNo> = Vec::new();
        for bond in &rebuilt {
            joining.extend(self.add_bond(now, bond)?);
        }
        for c in changes {
            match c {
                Change::SlaveAdded { bond, slave } if !rebuilt.contains(bond) => {
                    if let Some(port) = self.add_member(bond, slave) {
                        joining.push(port);
                    }
                }
                Change::PriorityChanged { new, .. } => {
                    self.iccp.set_priority(now, *new).map_err(Error::Iccp)?;
                }
                Change::HeartbeatChanged { new, .. } => {
                    self.iccp.set_heartbeat(now, *new).map_err(Error::Iccp)?;
                }
                Change::BondChanged { bond, field, .. } if !rebuilt.contains(bond) => {
                    self.bond_setting(now, bond, field);
                }
                _ => {}
            }
        }
        for lag in &mut self.lags {
            lag.fallback = self.cfg.bond(&lag.bond).is_some_and(|b| b.lacp_fallback);
            self.fallback_any |= lag.fallback;
        }
        if changes
            .iter()
            .any(|c| matches!(c, Change::StpChanged { .. }))
        {
            self.stp_settings_changed(now);
            self.mst_settings_changed(now);
        }
        self.sync_own_ports(now);
        // MLAG ports: the authoritative bridge gives every half a port; a replica programs a
        // new half from its replica of the bridge (the states the primary sent before this
        // peer had the bond went nowhere).
        let ids: Vec<MlagId> = self
            .halves
            .keys()
            .copied()
            .filter(|id| !halves_before.contains(id))
            .collect();
        for id in ids {
            match self.stp.mode {
                StpMode::Primary => self.stp_add_mlag(now, id),
                StpMode::Replica => self.program_mlag_from_replica(id),
                StpMode::Standalone => {}
            }
        }
        for c in changes {
            if let Change::PortChanged { port, .. } = c {
                self.stp_port_changed(now, port);
            }
        }
        for (port, vlans) in lost {
            self.vlans_left(&port, &vlans);
        }

        // 3. The pair: summary, holds, identities; then new members join LACP.
        if self.iccp.status() == iccp::Status::Connected {
            self.send_summary();
        }
        self.recompute_holds(now);
        self.refresh_identities(now);
        for port in joining {
            let mlag = self
                .members
                .get(&port)
                .and_then(|m| self.lags.get(m.lag))
                .and_then(|l| l.mlag);
            let run = match mlag {
                None => true,
                Some(id) => self.released && !self.twin_held(id),
            };
            if run {
                // Numbers are in range by construction; a refusal leaves the member out.
                let _ = self.add_lacp_port(now, port);
            }
        }
        self.drain(now);
        Ok(())
    }

    /// True if `new` moves the host port number of an interface in use (a bridge port, a
    /// slave of an 802.3ad bond, the peer-port) that both configurations have.
    fn renumbers(&self, new: &ValidConfig) -> bool {
        let old = &self.cfg;
        let mut used: BTreeSet<&str> = BTreeSet::new();
        if let Some(b) = old.mlag_bridge() {
            used.extend(b.ports.iter().map(|p| p.name.as_str()));
        }
        for b in old.bonds() {
            if b.mode == BondMode::Ieee8023ad {
                used.extend(b.slaves.iter().map(|s| old.name(*s)));
            }
        }
        used.iter().any(|name| {
            let (Some(o), Some(n)) = (old.find(name), new.find(name)) else {
                return false;
            };
            old.port_no(o) != new.port_no(n)
        })
    }

    /// Takes an 802.3ad bond out: its members leave LACP (the client sees them go), its MLAG
    /// half is reported down to the peer and loses its STP port (on the authoritative peer),
    /// its FDB entries and its next hop; its bridge port discards.
    fn remove_bond(&mut self, now: Instant, bond: &str) {
        let Some(li) = self.lags.iter().position(|l| l.bond == bond) else {
            return;
        };
        let ports: Vec<PortNo> = self
            .members
            .iter()
            .filter(|(_, m)| m.lag == li)
            .map(|(p, _)| *p)
            .collect();
        for p in ports {
            self.remove_member(now, p);
        }
        let Some(lag) = self.lags.get(li).cloned() else {
            return;
        };
        let _ = self.lacp.remove_lag(now, lag.id);
        self.lags.remove(li);
        for m in self.members.values_mut() {
            if m.lag > li {
                m.lag -= 1;
            }
        }
        let Some(id) = lag.mlag else { return };
        let host = self.mlag_bond_port(id);
        // The peer hears the half go down (its next hop and split horizon follow).
        self.set_half(now, id, Some(false), None);
        if matches!(self.stp.mode, StpMode::Primary | StpMode::Standalone)
            && let Some(l) = self.stp.mlag_ports.get(&id).copied()
        {
            self.stp_record(now, Op::RemovePort, l, Vec::new());
        }
        if let Some(host) = host {
            self.discard_host(host);
        }
        // No stale next hop or split-horizon setting for an mlag-id that is gone.
        self.dp.set_mlag_next_hop(id, NextHop::Local);
        self.dp.set_peer_forwarding(id, false);
        self.halves.remove(&id);
        self.held.remove(&id);
        self.stp.mlag_speed.remove(&id);
        // Local entries on the bond are flushed; the peer's on that mlag-id now resolve to the
        // peer-port (this peer has no half any more).
        self.fdb_flush_local(Location::Mlag(id), VlanSet::ALL, false);
    }

    /// A member leaves its LACP bond (and LACP): the dataplane stops using it; its link is
    /// kept as a plain interface's.
    fn remove_member(&mut self, now: Instant, port: PortNo) {
        let Some(m) = self.members.remove(&port) else {
            return;
        };
        if m.in_lacp {
            let _ = self.lacp.remove_port(now, port);
        }
        if m.collecting || m.distributing {
            self.dp.set_member(port, false, false);
        }
        self.host_links.insert(port, m.link);
    }

    /// After a member left a bond that stays: the half's state (MLAG) or the bond's link in
    /// the logical bridge (single-homed bond) follows the remaining members.
    fn member_left(&mut self, now: Instant, bond: &str) {
        let Some(li) = self.lags.iter().position(|l| l.bond == bond) else {
            return;
        };
        match self.lags.get(li).and_then(|l| l.mlag) {
            Some(id) => {
                let up = self.members.values().any(|m| m.lag == li && m.distributing);
                self.set_half(now, id, Some(up), None);
            }
            None => {
                if let Some(host) = self.cfg.bond(bond).map(|b| self.cfg.port_no(b.interface)) {
                    self.stp_link(now, host);
                }
            }
        }
    }

    /// Brings an 802.3ad bond of the new configuration up: its LACP aggregator, its half
    /// (MLAG), its members (returned: they join LACP once the holds are known).
    fn add_bond(&mut self, now: Instant, bond: &str) -> Result<Vec<PortNo>, Error> {
        let Some((pos, b)) = self
            .cfg
            .bonds()
            .iter()
            .enumerate()
            .find(|(_, b)| b.name == bond)
        else {
            return Ok(Vec::new());
        };
        if b.mode != BondMode::Ieee8023ad {
            return Ok(Vec::new());
        }
        let b = b.clone();
        // The constructor's id and key (position + 1) unless taken.
        let natural = u32::try_from(pos).unwrap_or(u32::MAX).saturating_add(1);
        let ids: BTreeSet<u32> = self.lags.iter().map(|l| l.id.0).collect();
        let id = if ids.contains(&natural) {
            ids.iter().max().copied().unwrap_or(0).saturating_add(1)
        } else {
            natural
        };
        let id = lacp::LagId(id);
        let key = match b.mlag_id {
            Some(MlagId(x)) => lacp_key(x),
            None => {
                let keys: BTreeSet<u16> = self.lags.iter().map(|l| l.key).collect();
                let natural = super::sat16(natural);
                if keys.contains(&natural) {
                    (1..=u16::MAX)
                        .find(|k| !keys.contains(k))
                        .unwrap_or(natural)
                } else {
                    natural
                }
            }
        };
        let mut lc = lacp::LagConfig::new(key);
        lc.min_links = super::sat16(b.min_links);
        if b.mlag_id.is_some() {
            // `refresh_identities` gives it the pair's (or a held half's) identity.
            lc.actor_system = Some(lacp::SystemIdentity {
                priority: MLAG_LACP_SYSTEM_PRIORITY,
                mac: self.system_id,
            });
        }
        self.lacp.add_lag(now, id, lc).map_err(Error::Lacp)?;
        let li = self.lags.len();
        self.lags.push(Lag {
            id,
            bond: b.name.clone(),
            mlag: b.mlag_id,
            key,
            cfg: lc,
            applied: self.system_id,
            fallback: b.lacp_fallback,
        });
        if let Some(mlag) = b.mlag_id {
            self.halves.insert(mlag, Half::default());
            apply_mlag_forwarding(&mut self.dp, mlag, false, false);
            // 802.1Q-2018 §13.38: a port that joins the bridge starts Discarding; the logical
            // bridge's word comes with its port.
            if let Some(host) = self.mlag_bond_port(mlag) {
                self.discard_host(host);
            }
            if self.iccp.status() == iccp::Status::Connected {
                self.send_half(mlag);
            }
        }
        let mut joining = Vec::new();
        for s in &b.slaves {
            let port = self.cfg.port_no(*s);
            if let Some(p) = self.new_member(li, port, &b) {
                joining.push(p);
            }
        }
        Ok(joining)
    }

    /// A slave added to a running bond (returned: it joins LACP once the holds are known).
    fn add_member(&mut self, bond: &str, slave: &str) -> Option<PortNo> {
        let li = self.lags.iter().position(|l| l.bond == bond)?;
        let b = self.cfg.bond(bond)?.clone();
        let port = self.cfg.port_no(self.cfg.find(slave)?);
        self.new_member(li, port, &b)
    }

    /// A member of LAG `li` on `port`, numbered as the constructor would number it unless a
    /// running member holds that index.
    fn new_member(
        &mut self,
        li: usize,
        port: PortNo,
        b: &crate::config::ValidBond,
    ) -> Option<PortNo> {
        if self.members.contains_key(&port) {
            return None;
        }
        let mlag = b.mlag_id.is_some();
        let same_kind =
            |l: usize, lags: &[Lag]| lags.get(l).is_some_and(|x| x.mlag.is_some() == mlag);
        // The constructor's index: the slave's position among the slaves of the same kind.
        let mut natural = 0u16;
        for x in self.cfg.bonds() {
            if x.mode != BondMode::Ieee8023ad || x.mlag_id.is_some() != mlag {
                continue;
            }
            for s in &x.slaves {
                natural = natural.saturating_add(1);
                if self.cfg.port_no(*s) == port {
                    break;
                }
            }
            if x.name == b.name {
                break;
            }
        }
        let used: BTreeSet<u16> = self
            .members
            .values()
            .filter(|m| same_kind(m.lag, &self.lags))
            .map(|m| m.index)
            .collect();
        let index = if natural != 0 && !used.contains(&natural) {
            natural
        } else {
            (1..=0x3FFF).find(|i| !used.contains(i))?
        };
        let link = self.host_links.remove(&port).unwrap_or(LinkState::Down);
        self.members.insert(
            port,
            Member {
                lag: li,
                mac: self
                    .cfg
                    .interface(self.cfg.if_of(port)?)
                    .map_or(l2_types::MacAddr::ZERO, |x| x.mac),
                index,
                timeout: b.lacp_rate.timeout(),
                activity: match b.lacp_mode {
                    LacpMode::Active => lacp::Activity::Active,
                    LacpMode::Passive => lacp::Activity::Passive,
                },
                link,
                in_lacp: false,
                collecting: false,
                distributing: false,
            },
        );
        // A LAG member starts neither collecting nor distributing (802.1AX-2014 §6.4.15, the
        // Mux machine's DETACHED state).
        self.dp.set_member(port, false, false);
        Some(port)
    }

    /// A bond setting other than `mode` and `mlag-id`: `lacp-rate` and `lacp-mode` on every
    /// member, `min-links` on the aggregator; the others (`transmit-hash-policy`,
    /// `lacp-fallback`) need nothing here (the dataplane's hash; the fallback flags are read
    /// again below).
    fn bond_setting(&mut self, now: Instant, bond: &str, field: &str) {
        let Some(b) = self.cfg.bond(bond).cloned() else {
            return;
        };
        match field {
            "lacp-rate" => self.set_timeout(now, bond, Some(b.lacp_rate.timeout())),
            "lacp-mode" => {
                let Some(li) = self.lags.iter().position(|l| l.bond == bond) else {
                    return;
                };
                let activity = match b.lacp_mode {
                    LacpMode::Active => lacp::Activity::Active,
                    LacpMode::Passive => lacp::Activity::Passive,
                };
                let ports: Vec<PortNo> = self
                    .members
                    .iter()
                    .filter(|(_, m)| m.lag == li)
                    .map(|(p, _)| *p)
                    .collect();
                for port in ports {
                    if let Some(m) = self.members.get_mut(&port) {
                        m.activity = activity;
                        if m.in_lacp
                            && let Some(cfg) = self.port_config(port)
                        {
                            let _ = self.lacp.set_port_config(now, port, cfg);
                        }
                    }
                }
            }
            "min-links" => {
                if let Some(lag) = self.lags.iter_mut().find(|l| l.bond == bond) {
                    lag.cfg.min_links = super::sat16(b.min_links);
                    let _ = self.lacp.set_lag_config(now, lag.id, lag.cfg);
                }
            }
            _ => {}
        }
    }

    /// Brings the logical bridge's single-homed ports of this peer in line with the
    /// configuration: ports that left are removed (FDB flushed, host port discarding), new
    /// ones added, ports whose position moved renumbered (module docs, "Numbering").
    fn sync_own_ports(&mut self, now: Instant) {
        // The numbering in force (a peer whose own ports wait for the claims keeps theirs).
        let index = self
            .stp
            .own
            .keys()
            .next()
            .and_then(|p| stp_port_owner(*p))
            .unwrap_or_else(|| self.stp_index());
        let want: BTreeMap<PortNo, (u16, stp::PortConfig)> = self
            .own_stp_ports()
            .into_iter()
            .enumerate()
            .filter_map(|(i, (host, pc))| {
                let n = stp_port_number(index, super::sat16(u32::try_from(i + 1).ok()?))?;
                Some((host, (n, pc)))
            })
            .collect();
        let have: Vec<(u16, PortNo)> = self.stp.own.iter().map(|(l, h)| (*l, *h)).collect();
        for (l, host) in have {
            match want.get(&host) {
                Some((n, _)) if *n == l => {}
                other => {
                    let left = other.is_none();
                    self.remove_own(now, l, host, left);
                }
            }
        }
        for (host, (n, pc)) in want {
            if !self.stp.own_rev.contains_key(&host) {
                self.add_own(now, n, host, pc);
            }
        }
    }

    /// Removes own port `l` (host `host`) from the logical bridge; `left`: it left this
    /// bridge (else it is being renumbered).
    fn remove_own(&mut self, now: Instant, l: u16, host: PortNo, left: bool) {
        self.stp.own.remove(&l);
        self.stp.own_rev.remove(&host);
        self.stp.boot_held.retain(|(h, _), _| *h != host);
        match self.stp.mode {
            StpMode::Replica => self.stp_send_port(Op::RemovePort, l, &[]),
            StpMode::Primary | StpMode::Standalone => {
                if self.stp.ports.contains_key(&l) {
                    self.stp_record(now, Op::RemovePort, l, Vec::new());
                }
            }
        }
        self.discard_host(host);
        if left {
            self.fdb_flush_local(Location::Port(host), VlanSet::ALL, false);
        }
    }

    /// Adds own port `n` (host `host`) to the logical bridge (through the primary when this
    /// peer is a replica), Discarding until the bridge says otherwise.
    fn add_own(&mut self, now: Instant, n: u16, host: PortNo, pc: stp::PortConfig) {
        self.stp.own.insert(n, host);
        self.stp.own_rev.insert(host, n);
        self.discard_host(host);
        let link = self.host_link(host);
        let add = logical::encode_add(None, &pc);
        match self.stp.mode {
            StpMode::Replica => {
                self.stp_send_port(Op::AddPort, n, &add);
                self.stp_send_port(Op::Link, n, &logical::encode_link(link));
            }
            StpMode::Primary | StpMode::Standalone => {
                self.stp_record(now, Op::AddPort, n, add);
                if link != stp::LinkState::Down {
                    self.stp_record(now, Op::Link, n, logical::encode_link(link));
                }
            }
        }
    }

    /// A replica's new half whose MLAG port the primary's bridge already has: its state on
    /// every tree from the replica of that bridge.
    fn program_mlag_from_replica(&mut self, id: MlagId) {
        let (Some(l), Some(host)) = (
            self.stp.mlag_ports.get(&id).copied(),
            self.mlag_bond_port(id),
        ) else {
            return;
        };
        let Some(b) = self.stp.bridge.as_ref() else {
            return;
        };
        let port = PortNo(l);
        let mut calls = alloc::vec![(
            CIST,
            b.port(port).map_or(PortState::Discarding, |p| p.state)
        )];
        for m in b.mstids() {
            calls.push((
                m,
                b.msti_port(port, m).map_or(PortState::Discarding, |x| x.1),
            ));
        }
        for (tree, state) in calls {
            self.dp.set_port_state(host, tree, state);
            self.record_stp(host, Location::Mlag(id), tree, state);
        }
    }

    /// `host` discards on every tree (a port leaving or joining the bridge).
    fn discard_host(&mut self, host: PortNo) {
        let mut trees = alloc::vec![CIST];
        if let Some(b) = self.cfg.mlag_bridge() {
            trees.extend(b.stp.mstis.iter().map(|m| m.id));
        }
        for t in trees {
            if self.stp.own_rev.contains_key(&host) {
                // Before the release an own port's state is kept for it (`stp_set_host`).
                self.stp_set_host(host, t, PortState::Discarding);
            } else {
                self.dp.set_port_state(host, t, PortState::Discarding);
            }
        }
    }

    /// Bridge port `port` left `vlans`: the entries learned there in them are flushed
    /// (802.1Q-2022 §8.8.1: a static VLAN registration removed takes the port out of the
    /// VLAN's member set, and nothing is forwarded to it there any more).
    fn vlans_left(&mut self, port: &str, vlans: &[l2_types::VlanId]) {
        let Some(i) = self.cfg.find(port) else { return };
        let host = self.cfg.port_no(i);
        if host == self.peer_port {
            // The peer's entries are the peer's: its own changes flush them.
            return;
        }
        let loc = match self.cfg.bonds().iter().find(|b| b.interface == i) {
            Some(b) => match b.mlag_id {
                Some(id) => Location::Mlag(id),
                None => Location::Port(host),
            },
            None => Location::Port(host),
        };
        let mut set = VlanSet::EMPTY;
        for v in vlans {
            set.insert(*v);
        }
        self.fdb_flush_local(loc, set, false);
    }

    /// The MLAGs this peer has and the peer's summary lacks, which it holds down while it
    /// is the secondary or the STP replica (module docs, "The pair").
    pub(super) fn twin_missing(&self, report: &Report, index: PeerIndex) -> Vec<MlagId> {
        let secondary =
            self.iccp.role() == Some(iccp::Role::Secondary) || self.stp.mode == StpMode::Replica;
        if !secondary {
            return Vec::new();
        }
        let own = match index {
            PeerIndex::Low => Peer::A,
            PeerIndex::High => Peer::B,
        };
        report
            .mlags
            .iter()
            .filter(|(_, o)| *o == Outcome::Single(own))
            .map(|(id, _)| *id)
            .collect()
    }

    /// MLAG `id` is held down because its twin is missing on the peer (by the last
    /// consistency report).
    fn twin_held(&self, id: MlagId) -> bool {
        match (&self.consistency, self.peer_index) {
            (Some(r), Some(index)) => self.twin_missing(r, index).contains(&id),
            _ => false,
        }
    }

    /// Keeps the members of a half whose twin is missing on the peer out of LACP (they send
    /// nothing, as during the reload delay) and brings them back when the twin appears. A
    /// held-down mismatch only changes a half's LACP identity, so that the client prefers the
    /// primary's half; a half with no twin has no other half to be preferred to, and the
    /// client would aggregate with it whatever its identity.
    pub(super) fn sync_twin_holds(&mut self, now: Instant) {
        if !self.released {
            return;
        }
        let ports: Vec<(PortNo, bool)> = self
            .members
            .iter()
            .filter_map(|(p, m)| {
                let id = self.lags.get(m.lag)?.mlag?;
                let held = self.twin_held(id);
                (held == m.in_lacp).then_some((*p, held))
            })
            .collect();
        for (port, held) in ports {
            if held {
                let _ = self.lacp.remove_port(now, port);
                if let Some(m) = self.members.get_mut(&port) {
                    m.in_lacp = false;
                    m.collecting = false;
                    m.distributing = false;
                }
                self.dp.set_member(port, false, false);
            } else {
                let _ = self.add_lacp_port(now, port);
            }
        }
        let ids: Vec<MlagId> = self.halves.keys().copied().collect();
        for id in ids {
            let li = self.lags.iter().position(|l| l.mlag == Some(id));
            let up = self
                .members
                .values()
                .any(|m| Some(m.lag) == li && m.distributing);
            if self.halves.get(&id).is_some_and(|h| h.local_up != up) {
                self.set_half(now, id, Some(up), None);
            }
        }
    }

    /// A new summary from the peer (`before`: the mlag-ids of its previous one, `None` at a
    /// connection): every half of an mlag-id it did not list before goes to it again (it had
    /// no bond to file the earlier reports under), and a half it no longer lists is down.
    pub(super) fn peer_summary_changed(&mut self, now: Instant, before: Option<BTreeSet<MlagId>>) {
        let Some(before) = before else { return };
        let now_ids: BTreeSet<MlagId> = self
            .peer_summary
            .as_ref()
            .map(|s| s.mlags.iter().map(|m| m.id).collect())
            .unwrap_or_default();
        let ours: Vec<MlagId> = self.halves.keys().copied().collect();
        for id in ours {
            if now_ids.contains(&id) && !before.contains(&id) {
                self.send_half(id);
            } else if !now_ids.contains(&id) && before.contains(&id) {
                self.set_half(now, id, None, Some(false));
            }
        }
    }
}
