//! The forwarding plane shared by the simulator's bridges: learning, flooding, per-port and
//! per-tree forwarding state, and logical ports made of link-aggregation members.
//!
//! A *logical port* is what the FDB points at: a plain port, or a LAG whose members are chosen
//! per frame by a hash over the distributing members (as a Linux bond's layer-2 transmit hash
//! does). The MLAG peer ([`MlagPeer`](super::MlagPeer)) reuses it: an MLAG bond is a logical
//! port whose members are the local links; its next hop is a redirect to the peer-port
//! ([`Switch::set_redirect`]), so failover changes one setting, never the FDB entries; the split
//! horizon is a blocked (ingress, egress) pair ([`Switch::set_blocked`]); entries the control
//! plane programs are static ([`Switch::add_static`]). With learn reports on
//! ([`Switch::set_learn_reports`]) the switch is an ASIC under a control plane: it installs no
//! entry of its own, reports the source addresses it sees ([`Switch::poll_learn`]) and forwards
//! by the programmed entries only.

use alloc::collections::{BTreeMap, BTreeSet, VecDeque};
use alloc::vec::Vec;
use l2_types::{Duration, Instant, MacAddr, PortNo};
use stp::{PortState, TreeId};

use super::frame::{EthHeader, fnv1a32, is_link_local};
use super::net::{FrameId, Track, Transmit};

/// A logical port: the unit of learning and of spanning-tree state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LogicalPort(pub u16);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Member {
    lport: LogicalPort,
    link_up: bool,
    collecting: bool,
    distributing: bool,
}

/// Forwarding counters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct SwitchStats {
    /// Frames received by the forwarding plane.
    pub rx: u64,
    /// Frames sent to one known port.
    pub unicast: u64,
    /// Frames flooded.
    pub flooded: u64,
    /// Copies sent (unicast and flooded).
    pub tx: u64,
    /// Frames whose destination is on the port they came from.
    pub filtered: u64,
    /// Frames dropped because the ingress port is not collecting or not forwarding.
    pub ingress_blocked: u64,
    /// Frames to 802.1Q reserved addresses (never forwarded).
    pub link_local: u64,
    /// Copies dropped because the egress LAG has no distributing member.
    pub no_member: u64,
    /// Malformed frames.
    pub malformed: u64,
    /// Addresses learnt or moved.
    pub learned: u64,
    /// Entries removed by flushes.
    pub flushed: u64,
    /// Learn reports queued for the control plane (new, moved or refreshed addresses).
    pub learn_reports: u64,
}

/// What one change of the relaying state replaced: an undo record of the switch's history
/// ([`Switch::relays_at`]).
#[derive(Clone, Copy, Debug)]
enum Undo {
    State((LogicalPort, TreeId), Option<PortState>),
    Member(PortNo, Option<Member>),
    Blocked((LogicalPort, LogicalPort), bool),
    Redirect(LogicalPort, Option<LogicalPort>),
}

/// The most changes of the relaying state remembered ([`Switch::relays_at`]); older instants
/// are unknown.
const HISTORY_MAX: usize = 1024;

/// A learning bridge's forwarding plane (IEEE 802.1Q-2022 §8.6, simplified: no priority, no
/// egress tagging rules; frames keep their tags).
#[derive(Clone, Debug)]
pub struct Switch {
    members: BTreeMap<PortNo, Member>,
    lports: BTreeMap<LogicalPort, Vec<PortNo>>,
    states: BTreeMap<(LogicalPort, TreeId), PortState>,
    default_state: PortState,
    vid_tree: BTreeMap<u16, TreeId>,
    fdb: BTreeMap<(u16, MacAddr), (LogicalPort, Instant)>,
    ageing: Duration,
    blocked: BTreeSet<(LogicalPort, LogicalPort)>,
    /// Static entries (programmed by a control plane): never aged, never moved by learning.
    statics: BTreeMap<(u16, MacAddr), LogicalPort>,
    /// Logical ports whose frames leave through another logical port (an MLAG bond whose
    /// local half is down points at the peer-port).
    redirect: BTreeMap<LogicalPort, LogicalPort>,
    /// Logical ports that do not learn source addresses.
    no_learn: BTreeSet<LogicalPort>,
    /// Logical ports whose entries survive their members' carrier loss.
    keep_on_down: BTreeSet<LogicalPort>,
    /// Learn reports instead of learning: how often a known address is reported again.
    learn_reports: Option<Duration>,
    /// Addresses reported: where and when last.
    reported: BTreeMap<(u16, MacAddr), (LogicalPort, Instant)>,
    /// Reports not yet taken: (VLAN, source, physical port).
    learns: VecDeque<(u16, MacAddr, PortNo)>,
    out: VecDeque<Transmit>,
    stats: SwitchStats,
    /// The time of the input being handled ([`Switch::set_now`]), which stamps changes.
    now: Instant,
    /// From when the history is complete (the first [`Switch::set_now`], later the oldest
    /// change forgotten); `None` before any.
    horizon: Option<Instant>,
    /// Changes of the relaying state, oldest first, at most `HISTORY_MAX`.
    history: VecDeque<(Instant, Undo)>,
}

impl Switch {
    /// A switch with no ports whose ports start in `default_state` on every tree (Forwarding
    /// for a plain switch, Discarding under a spanning tree) and whose entries age after
    /// `ageing` (300 s is the 802.1Q default).
    pub fn new(default_state: PortState, ageing: Duration) -> Self {
        Self {
            members: BTreeMap::new(),
            lports: BTreeMap::new(),
            states: BTreeMap::new(),
            default_state,
            vid_tree: BTreeMap::new(),
            fdb: BTreeMap::new(),
            ageing,
            blocked: BTreeSet::new(),
            statics: BTreeMap::new(),
            redirect: BTreeMap::new(),
            no_learn: BTreeSet::new(),
            keep_on_down: BTreeSet::new(),
            learn_reports: None,
            reported: BTreeMap::new(),
            learns: VecDeque::new(),
            out: VecDeque::new(),
            stats: SwitchStats::default(),
            now: Instant::ZERO,
            horizon: None,
            history: VecDeque::new(),
        }
    }

    /// The time of the input the node is handling: changes made until the next call are
    /// stamped with it. The first call starts the history [`relays_at`](Self::relays_at)
    /// reads.
    pub fn set_now(&mut self, now: Instant) {
        self.now = now;
        if self.horizon.is_none() {
            self.horizon = Some(now);
        }
    }

    fn note(&mut self, undo: Undo) {
        self.history.push_back((self.now, undo));
        if self.history.len() > HISTORY_MAX
            && let Some((at, _)) = self.history.pop_front()
        {
            // Instants before the forgotten change can no longer be rebuilt.
            self.horizon = Some(self.horizon.map_or(at, |h| h.max(at)));
        }
    }

    fn set_member_record(&mut self, port: PortNo, m: Option<Member>) {
        let old = match m {
            Some(m) => self.members.insert(port, m),
            None => self.members.remove(&port),
        };
        if old != m {
            self.note(Undo::Member(port, old));
        }
    }

    /// Adds physical `port` as a member of logical port `lport` (created if new). A member is
    /// down, collecting and distributing until told otherwise; a LAG driver clears both flags
    /// at once with [`set_member`](Self::set_member).
    pub fn add_member(&mut self, lport: LogicalPort, port: PortNo) {
        self.set_member_record(
            port,
            Some(Member {
                lport,
                link_up: false,
                collecting: true,
                distributing: true,
            }),
        );
        let m = self.lports.entry(lport).or_default();
        if !m.contains(&port) {
            m.push(port);
            m.sort_unstable();
        }
    }

    /// Removes physical `port` from its logical port (a bond slave removed, a port taken out of
    /// the bridge). A logical port left without members is gone: its learnt entries, states,
    /// redirect and split-horizon settings with it (static entries are the control plane's to
    /// remove).
    pub fn remove_member(&mut self, port: PortNo) {
        let Some(m) = self.members.get(&port).copied() else {
            return;
        };
        self.set_member_record(port, None);
        let lport = m.lport;
        let empty = self.lports.get_mut(&lport).is_none_or(|ms| {
            ms.retain(|p| *p != port);
            ms.is_empty()
        });
        if empty {
            self.lports.remove(&lport);
            self.flush_lport(lport);
            let states: Vec<_> = self
                .states
                .iter()
                .filter(|((l, _), _)| *l == lport)
                .map(|(k, v)| (*k, *v))
                .collect();
            for (k, v) in states {
                self.states.remove(&k);
                self.note(Undo::State(k, Some(v)));
            }
            self.set_redirect(lport, None);
            let blocked: Vec<_> = self
                .blocked
                .iter()
                .filter(|(a, b)| *a == lport || *b == lport)
                .copied()
                .collect();
            for pair in blocked {
                self.set_blocked(pair.0, pair.1, false);
            }
            self.no_learn.remove(&lport);
            self.keep_on_down.remove(&lport);
        }
    }

    /// Adds a plain port: logical port number = port number.
    pub fn add_port(&mut self, port: PortNo) {
        self.add_member(LogicalPort(port.0), port);
    }

    /// The logical port of a member.
    pub fn lport_of(&self, port: PortNo) -> Option<LogicalPort> {
        self.members.get(&port).map(|m| m.lport)
    }

    /// Sets a member's collecting and distributing flags (from LACP's Mux machine).
    pub fn set_member(&mut self, port: PortNo, collecting: bool, distributing: bool) {
        if let Some(mut m) = self.members.get(&port).copied() {
            m.collecting = collecting;
            m.distributing = distributing;
            self.set_member_record(port, Some(m));
        }
    }

    /// Sets a member's collecting flag.
    pub fn set_collecting(&mut self, port: PortNo, collecting: bool) {
        if let Some(mut m) = self.members.get(&port).copied() {
            m.collecting = collecting;
            self.set_member_record(port, Some(m));
        }
    }

    /// Sets a member's distributing flag.
    pub fn set_distributing(&mut self, port: PortNo, distributing: bool) {
        if let Some(mut m) = self.members.get(&port).copied() {
            m.distributing = distributing;
            self.set_member_record(port, Some(m));
        }
    }

    /// Records a member's link state. A logical port none of whose members is up has its
    /// entries flushed (802.1Q-2022 §8.8.3 does this for a port that goes down).
    pub fn set_link(&mut self, port: PortNo, up: bool) {
        let Some(mut m) = self.members.get(&port).copied() else {
            return;
        };
        m.link_up = up;
        self.set_member_record(port, Some(m));
        let lport = m.lport;
        if !up && !self.lport_up(lport) && !self.keep_on_down.contains(&lport) {
            self.flush_lport(lport);
        }
    }

    fn lport_up(&self, lport: LogicalPort) -> bool {
        self.lports.get(&lport).is_some_and(|ms| {
            ms.iter()
                .any(|p| self.members.get(p).is_some_and(|m| m.link_up))
        })
    }

    /// Sets the forwarding state of a logical port on a tree.
    pub fn set_state(&mut self, lport: LogicalPort, tree: TreeId, state: PortState) {
        let old = self.states.insert((lport, tree), state);
        if old != Some(state) {
            self.note(Undo::State((lport, tree), old));
        }
    }

    /// The forwarding state of a logical port on a tree.
    pub fn state(&self, lport: LogicalPort, tree: TreeId) -> PortState {
        self.states
            .get(&(lport, tree))
            .copied()
            .unwrap_or(self.default_state)
    }

    /// Blocks (or allows again) forwarding from `ingress` to `egress`: the MLAG split horizon
    /// (frames from the peer-port are not sent to an MLAG bond whose local members are up,
    /// since the peer delivered them there already).
    pub fn set_blocked(&mut self, ingress: LogicalPort, egress: LogicalPort, blocked: bool) {
        let changed = if blocked {
            self.blocked.insert((ingress, egress))
        } else {
            self.blocked.remove(&(ingress, egress))
        };
        if changed {
            self.note(Undo::Blocked((ingress, egress), !blocked));
        }
    }

    /// Whether forwarding from `ingress` to `egress` is blocked.
    pub fn is_blocked(&self, ingress: LogicalPort, egress: LogicalPort) -> bool {
        self.blocked.contains(&(ingress, egress))
    }

    /// Sends the frames for logical port `lport` through `via` instead (`None`: through its
    /// own members again). One write whatever the number of entries on `lport`: the MLAG
    /// logical port's next hop. Flooding skips a redirected port (its copy already leaves
    /// through `via`, which floods too).
    pub fn set_redirect(&mut self, lport: LogicalPort, via: Option<LogicalPort>) {
        let old = match via {
            Some(v) if v != lport => self.redirect.insert(lport, v),
            _ => self.redirect.remove(&lport),
        };
        if old != self.redirect.get(&lport).copied() {
            self.note(Undo::Redirect(lport, old));
        }
    }

    /// Where frames for `lport` leave (itself unless redirected).
    pub fn redirect_of(&self, lport: LogicalPort) -> LogicalPort {
        self.redirect.get(&lport).copied().unwrap_or(lport)
    }

    /// Turns source-address learning on `lport` on (the default) or off.
    pub fn set_learning(&mut self, lport: LogicalPort, on: bool) {
        if on {
            self.no_learn.remove(&lport);
        } else {
            self.no_learn.insert(lport);
        }
    }

    /// Keeps (`true`) the entries of `lport` when all its members lose carrier, instead of
    /// flushing them: for a logical port whose next hop a control plane re-points.
    pub fn set_keep_on_down(&mut self, lport: LogicalPort, keep: bool) {
        if keep {
            self.keep_on_down.insert(lport);
        } else {
            self.keep_on_down.remove(&lport);
        }
    }

    /// Hands learning to a control plane (`Some(refresh)`): frames install no entry; each
    /// source address seen on a learning port is queued for [`poll_learn`](Self::poll_learn)
    /// when it is new, when it arrives on another logical port than last reported, when the
    /// control plane's entry for it went away or points elsewhere, and otherwise once per
    /// `refresh` (so the control plane's ageing sees it alive). Forwarding then uses the
    /// programmed ([`add_static`](Self::add_static)) entries only. `None`: the switch learns
    /// by itself (the default).
    pub fn set_learn_reports(&mut self, refresh: Option<Duration>) {
        self.learn_reports = refresh;
        self.reported.clear();
        self.learns.clear();
    }

    /// The next learn report: (VLAN, source address, physical port it arrived on).
    pub fn poll_learn(&mut self) -> Option<(u16, MacAddr, PortNo)> {
        self.learns.pop_front()
    }

    /// Adds or replaces a static entry: (`vid`, `mac`) on `lport`, never aged and never moved
    /// by learning.
    pub fn add_static(&mut self, vid: u16, mac: MacAddr, lport: LogicalPort) {
        self.statics.insert((vid, mac), lport);
        // The control plane put it elsewhere than last heard: report the next frame at once.
        if self
            .reported
            .get(&(vid, mac))
            .is_some_and(|(p, _)| *p != lport)
        {
            self.reported.remove(&(vid, mac));
        }
    }

    /// Removes the static and the learnt entry of (`vid`, `mac`).
    pub fn remove_entry(&mut self, vid: u16, mac: MacAddr) {
        self.statics.remove(&(vid, mac));
        self.fdb.remove(&(vid, mac));
        self.reported.remove(&(vid, mac));
    }

    /// Removes the static and learnt entries for which `select(vid, lport, tree)` holds.
    pub fn flush_where(&mut self, mut select: impl FnMut(u16, LogicalPort, TreeId) -> bool) {
        let before = self.fdb.len() + self.statics.len();
        let map = &self.vid_tree;
        let tree = |vid: u16| map.get(&vid).copied().unwrap_or(stp::CIST);
        self.fdb
            .retain(|(vid, _), (p, _)| !select(*vid, *p, tree(*vid)));
        let reported = &mut self.reported;
        self.statics.retain(|(vid, mac), p| {
            let keep = !select(*vid, *p, tree(*vid));
            if !keep {
                reported.remove(&(*vid, *mac));
            }
            keep
        });
        self.count_flush(before);
    }

    /// Maps a VLAN to a tree (unmapped VLANs and untagged frames use the CIST, tree 0).
    pub fn map_vid(&mut self, vid: u16, tree: TreeId) {
        self.vid_tree.insert(vid, tree);
    }

    fn tree_of(&self, vid: u16) -> TreeId {
        self.vid_tree.get(&vid).copied().unwrap_or(stp::CIST)
    }

    /// Removes the dynamic entries learnt on `lport`.
    pub fn flush_lport(&mut self, lport: LogicalPort) {
        let before = self.fdb.len() + self.statics.len();
        self.fdb.retain(|_, (p, _)| *p != lport);
        self.count_flush(before);
    }

    /// Removes the entries learnt on `lport` for the VLANs of `tree`.
    pub fn flush_lport_tree(&mut self, lport: LogicalPort, tree: TreeId) {
        let before = self.fdb.len() + self.statics.len();
        let map = &self.vid_tree;
        self.fdb.retain(|(vid, _), (p, _)| {
            *p != lport || map.get(vid).copied().unwrap_or(stp::CIST) != tree
        });
        self.count_flush(before);
    }

    /// Removes every dynamic entry.
    pub fn flush_all(&mut self) {
        let before = self.fdb.len() + self.statics.len();
        self.fdb.clear();
        self.count_flush(before);
    }

    fn count_flush(&mut self, before: usize) {
        let now = self.fdb.len() + self.statics.len();
        let gone = u64::try_from(before.saturating_sub(now)).unwrap_or(u64::MAX);
        self.stats.flushed = self.stats.flushed.saturating_add(gone);
    }

    /// Where `mac` was learnt in `vid` (untagged: VLAN 1), if the entry is still fresh at `now`.
    pub fn lookup(&self, now: Instant, vid: u16, mac: MacAddr) -> Option<LogicalPort> {
        if !self.statics.is_empty()
            && let Some(p) = self.statics.get(&(vid, mac))
        {
            return Some(*p);
        }
        self.fdb
            .get(&(vid, mac))
            .filter(|(_, at)| now.saturating_duration_since(*at) < self.ageing)
            .map(|(p, _)| *p)
    }

    /// Number of FDB entries (fresh or not yet purged).
    pub fn fdb_len(&self) -> usize {
        self.fdb.len() + self.statics.len()
    }

    /// Counters.
    pub const fn stats(&self) -> &SwitchStats {
        &self.stats
    }

    /// Forwards a data frame received on physical `port`: ingress checks, learning, then
    /// unicast to the learnt logical port or flooding to every other forwarding one.
    pub fn forward(&mut self, now: Instant, port: PortNo, frame: &[u8], id: Option<FrameId>) {
        self.stats.rx = self.stats.rx.saturating_add(1);
        let Some(h) = EthHeader::parse(frame) else {
            self.stats.malformed = self.stats.malformed.saturating_add(1);
            return;
        };
        // 802.1Q-2022 §8.6.3: frames to the reserved addresses are never relayed.
        if is_link_local(h.dst) {
            self.stats.link_local = self.stats.link_local.saturating_add(1);
            return;
        }
        let Some(m) = self.members.get(&port).copied() else {
            self.stats.ingress_blocked = self.stats.ingress_blocked.saturating_add(1);
            return;
        };
        let vid = h.vid.unwrap_or(1);
        let tree = self.tree_of(vid);
        let state = self.state(m.lport, tree);
        if !m.link_up || !m.collecting || state == PortState::Discarding {
            self.stats.ingress_blocked = self.stats.ingress_blocked.saturating_add(1);
            return;
        }
        // §8.7 learning: Learning and Forwarding ports learn source addresses.
        let learns = h.src.is_unicast()
            && !h.src.is_zero()
            && (self.no_learn.is_empty() || !self.no_learn.contains(&m.lport));
        if learns && let Some(refresh) = self.learn_reports {
            let due = self.reported.get(&(vid, h.src)).is_none_or(|(p, at)| {
                *p != m.lport || now.saturating_duration_since(*at) >= refresh
            });
            if due {
                self.reported.insert((vid, h.src), (m.lport, now));
                self.learns.push_back((vid, h.src, port));
                self.stats.learn_reports = self.stats.learn_reports.saturating_add(1);
            }
        } else if learns && (self.statics.is_empty() || !self.statics.contains_key(&(vid, h.src))) {
            let e = self.fdb.insert((vid, h.src), (m.lport, now));
            if e.is_none_or(|(p, _)| p != m.lport) {
                self.stats.learned = self.stats.learned.saturating_add(1);
            }
        }
        if state != PortState::Forwarding {
            self.stats.ingress_blocked = self.stats.ingress_blocked.saturating_add(1);
            return;
        }
        let hash = flow_hash(h.src, h.dst);
        if h.dst.is_unicast()
            && let Some(out) = self.lookup(now, vid, h.dst)
        {
            let via = if self.redirect.is_empty() {
                out
            } else {
                self.redirect_of(out)
            };
            if out == m.lport || via == m.lport || self.blocked.contains(&(m.lport, out)) {
                self.stats.filtered = self.stats.filtered.saturating_add(1);
            } else if self.state(via, tree) == PortState::Forwarding {
                self.stats.unicast = self.stats.unicast.saturating_add(1);
                self.emit(via, hash, frame, id);
            } else {
                self.stats.ingress_blocked = self.stats.ingress_blocked.saturating_add(1);
            }
            return;
        }
        self.stats.flooded = self.stats.flooded.saturating_add(1);
        let targets: Vec<LogicalPort> = self
            .lports
            .keys()
            .copied()
            .filter(|l| {
                *l != m.lport
                    && (self.redirect.is_empty() || !self.redirect.contains_key(l))
                    && self.state(*l, tree) == PortState::Forwarding
                    && self.lport_up(*l)
                    && !self.blocked.contains(&(m.lport, *l))
            })
            .collect();
        for l in targets {
            self.emit(l, hash, frame, id);
        }
    }

    /// Whether a frame received on physical port `ingress` would now be relayed out of
    /// physical port `egress` when flooded: both ports' states on the frame's tree, carriers,
    /// collecting and distributing, the split horizon and redirects — what a forwarding loop
    /// through this switch needs (the FDB aside, which only narrows a flood).
    pub fn relays(&self, frame: &[u8], ingress: PortNo, egress: PortNo) -> bool {
        let Some(tree) = self.relay_tree(frame) else {
            return false;
        };
        let (mi, me) = (self.members.get(&ingress), self.members.get(&egress));
        let (Some(i), Some(e)) = (mi, me) else {
            return false;
        };
        Self::relay_rule(
            i,
            e,
            self.state(i.lport, tree),
            self.state(e.lport, tree),
            self.blocked.contains(&(i.lport, e.lport)),
            self.redirect.contains_key(&e.lport),
        )
    }

    /// [`relays`](Self::relays) as the switch stood at `at` (after the changes made at `at`),
    /// rebuilt from its history; `None` before the history starts (the first
    /// [`set_now`](Self::set_now), or a change forgotten: the last 1,024 are kept).
    pub fn relays_at(
        &self,
        frame: &[u8],
        ingress: PortNo,
        egress: PortNo,
        at: Instant,
    ) -> Option<bool> {
        if self.horizon.is_none_or(|h| at < h) {
            return None;
        }
        let Some(tree) = self.relay_tree(frame) else {
            return Some(false);
        };
        let later = || self.history.iter().rev().take_while(|(t, _)| *t > at);
        let (mut mi, mut me) = (
            self.members.get(&ingress).copied(),
            self.members.get(&egress).copied(),
        );
        for (_, u) in later() {
            if let Undo::Member(p, old) = *u {
                if p == ingress {
                    mi = old;
                }
                if p == egress {
                    me = old;
                }
            }
        }
        let (Some(i), Some(e)) = (mi, me) else {
            return Some(false);
        };
        let (ki, ke, pair) = ((i.lport, tree), (e.lport, tree), (i.lport, e.lport));
        let mut si = self.states.get(&ki).copied();
        let mut se = self.states.get(&ke).copied();
        let mut blocked = self.blocked.contains(&pair);
        let mut redirected = self.redirect.get(&e.lport).copied();
        for (_, u) in later() {
            match *u {
                Undo::State(k, old) => {
                    if k == ki {
                        si = old;
                    }
                    if k == ke {
                        se = old;
                    }
                }
                Undo::Blocked(p, old) if p == pair => blocked = old,
                Undo::Redirect(l, old) if l == e.lport => redirected = old,
                _ => {}
            }
        }
        Some(Self::relay_rule(
            &i,
            &e,
            si.unwrap_or(self.default_state),
            se.unwrap_or(self.default_state),
            blocked,
            redirected.is_some(),
        ))
    }

    /// Whether physical `port`'s logical port was Forwarding on `frame`'s tree at `at` (after
    /// the changes made at `at`), rebuilt from the history, with that logical port: the
    /// port-state part of [`relays_at`](Self::relays_at) alone (no carrier, aggregation,
    /// split horizon or redirect). `None` before the history starts, for a port that was no
    /// member then, or for a frame never relayed.
    pub fn forwarding_at(
        &self,
        frame: &[u8],
        port: PortNo,
        at: Instant,
    ) -> Option<(LogicalPort, bool)> {
        if self.horizon.is_none_or(|h| at < h) {
            return None;
        }
        let tree = self.relay_tree(frame)?;
        let later = || self.history.iter().rev().take_while(|(t, _)| *t > at);
        let mut member = self.members.get(&port).copied();
        for (_, u) in later() {
            if let Undo::Member(p, old) = *u
                && p == port
            {
                member = old;
            }
        }
        let key = (member?.lport, tree);
        let mut state = self.states.get(&key).copied();
        for (_, u) in later() {
            if let Undo::State(k, old) = *u
                && k == key
            {
                state = old;
            }
        }
        let state = state.unwrap_or(self.default_state);
        Some((key.0, state == PortState::Forwarding))
    }

    /// The instants after `since` at which the relaying state changed (oldest first).
    pub fn relay_changes(&self, since: Instant, out: &mut Vec<Instant>) {
        out.extend(self.history.iter().map(|(t, _)| *t).filter(|t| *t > since));
    }

    /// The tree a data frame is relayed on; `None` for frames never relayed.
    fn relay_tree(&self, frame: &[u8]) -> Option<TreeId> {
        let h = EthHeader::parse(frame)?;
        if is_link_local(h.dst) {
            return None;
        }
        Some(self.tree_of(h.vid.unwrap_or(1)))
    }

    /// The relaying rule of [`forward`](Self::forward)'s flood, for one ingress and one
    /// egress member.
    fn relay_rule(
        i: &Member,
        e: &Member,
        si: PortState,
        se: PortState,
        blocked: bool,
        redirected: bool,
    ) -> bool {
        i.link_up
            && i.collecting
            && si == PortState::Forwarding
            && e.link_up
            && e.distributing
            && e.lport != i.lport
            && !redirected
            && se == PortState::Forwarding
            && !blocked
    }

    /// Sends a frame the node itself originates on a logical port (hashed over its members).
    pub fn send(&mut self, lport: LogicalPort, frame: &[u8], track: Track) {
        let hash = EthHeader::parse(frame).map_or(0, |h| flow_hash(h.src, h.dst));
        if let Some(port) = self.pick_member(lport, hash) {
            self.push(port, frame, track);
        } else {
            self.stats.no_member = self.stats.no_member.saturating_add(1);
        }
    }

    fn pick_member(&self, lport: LogicalPort, hash: u32) -> Option<PortNo> {
        let ms = self.lports.get(&lport)?;
        let ok = |p: &&PortNo| {
            self.members
                .get(p)
                .is_some_and(|m| m.link_up && m.distributing)
        };
        let n = ms.iter().filter(ok).count();
        if n == 0 {
            return None;
        }
        let k = usize::try_from(hash).unwrap_or(0) % n;
        ms.iter().filter(ok).nth(k).copied()
    }

    fn emit(&mut self, lport: LogicalPort, hash: u32, frame: &[u8], id: Option<FrameId>) {
        match self.pick_member(lport, hash) {
            Some(port) => self.push(port, frame, Track::copy_of(id)),
            None => self.stats.no_member = self.stats.no_member.saturating_add(1),
        }
    }

    fn push(&mut self, port: PortNo, frame: &[u8], track: Track) {
        self.stats.tx = self.stats.tx.saturating_add(1);
        self.out.push_back(Transmit {
            port,
            frame: frame.to_vec(),
            track,
        });
    }

    /// The next frame to send.
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        self.out.pop_front()
    }
}

/// A layer-2 flow hash over the two addresses (the idea of Linux's `layer2` transmit hash
/// policy: one flow always takes one member, so a flow is never reordered).
pub fn flow_hash(src: MacAddr, dst: MacAddr) -> u32 {
    let mut b = [0u8; 12];
    for (d, s) in b.iter_mut().zip(src.0.iter().chain(dst.0.iter())) {
        *d = *s;
    }
    fnv1a32(&b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::frame::TestFrame;

    fn frame(src: u8, dst: MacAddr) -> alloc::vec::Vec<u8> {
        TestFrame {
            dst,
            src: MacAddr([2, 0, 0, 0, 0, src]),
            stream: 0,
            seq: 0,
            sent_at: Instant::ZERO,
        }
        .emit(0)
    }

    fn drain(s: &mut Switch) -> alloc::vec::Vec<u16> {
        core::iter::from_fn(|| s.poll_transmit())
            .map(|t| t.port.0)
            .collect()
    }

    #[test]
    fn learn_flood_unicast_filter_and_flush() {
        let mut s = Switch::new(PortState::Forwarding, Duration::from_secs(300));
        for p in 1..=3 {
            s.add_port(PortNo(p));
            s.set_link(PortNo(p), true);
        }
        let t = Instant::from_secs(1);
        let b = MacAddr([2, 0, 0, 0, 0, 2]);
        s.forward(t, PortNo(1), &frame(1, b), None);
        assert_eq!(drain(&mut s), [2, 3]); // unknown: flooded
        s.forward(t, PortNo(2), &frame(2, MacAddr([2, 0, 0, 0, 0, 1])), None);
        assert_eq!(drain(&mut s), [1]); // learnt
        s.forward(t, PortNo(1), &frame(1, b), None);
        assert_eq!(drain(&mut s), [2]);
        s.forward(t, PortNo(2), &frame(3, b), None); // destination on the ingress port
        assert_eq!(drain(&mut s), [] as [u16; 0]);
        assert_eq!(s.stats().filtered, 1);
        s.set_state(LogicalPort(2), stp::CIST, PortState::Discarding);
        s.forward(t, PortNo(1), &frame(1, b), None);
        assert_eq!(drain(&mut s), [] as [u16; 0]);
        s.set_state(LogicalPort(2), stp::CIST, PortState::Forwarding);
        s.flush_lport(LogicalPort(2));
        s.forward(t, PortNo(1), &frame(1, b), None);
        assert_eq!(drain(&mut s), [2, 3]);
        // Ageing.
        s.forward(t, PortNo(2), &frame(2, MacAddr::BROADCAST), None);
        drain(&mut s);
        assert_eq!(
            s.lookup(t + Duration::from_secs(299), 1, b),
            Some(LogicalPort(2))
        );
        assert_eq!(s.lookup(t + Duration::from_secs(300), 1, b), None);
        // Reserved addresses are never relayed.
        s.forward(t, PortNo(1), &frame(1, MacAddr::SLOW_PROTOCOLS), None);
        assert_eq!(drain(&mut s), [] as [u16; 0]);
    }

    /// `relays` agrees with what `forward` floods, hop by hop.
    #[test]
    fn relays_follows_states_split_horizon_redirects_and_members() {
        let mut s = Switch::new(PortState::Forwarding, Duration::from_secs(300));
        for p in 1..=3 {
            s.add_port(PortNo(p));
            s.set_link(PortNo(p), true);
        }
        let f = frame(1, MacAddr::BROADCAST);
        let relays = |s: &Switch, i: u16, e: u16| s.relays(&f, PortNo(i), PortNo(e));
        assert!(relays(&s, 1, 2) && relays(&s, 2, 1) && relays(&s, 1, 3));
        assert!(!relays(&s, 1, 1));
        assert!(!s.relays(&frame(1, MacAddr::SLOW_PROTOCOLS), PortNo(1), PortNo(2)));
        s.set_state(LogicalPort(2), stp::CIST, PortState::Learning);
        assert!(!relays(&s, 1, 2) && !relays(&s, 2, 1) && relays(&s, 1, 3));
        s.set_state(LogicalPort(2), stp::CIST, PortState::Forwarding);
        s.set_blocked(LogicalPort(1), LogicalPort(2), true);
        assert!(!relays(&s, 1, 2) && relays(&s, 2, 1));
        s.set_blocked(LogicalPort(1), LogicalPort(2), false);
        s.set_redirect(LogicalPort(3), Some(LogicalPort(2)));
        assert!(!relays(&s, 1, 3) && relays(&s, 3, 1));
        s.set_redirect(LogicalPort(3), None);
        s.set_member(PortNo(3), true, false);
        assert!(!relays(&s, 1, 3) && relays(&s, 3, 1));
        s.set_member(PortNo(3), false, true);
        assert!(relays(&s, 1, 3) && !relays(&s, 3, 1));
        s.set_link(PortNo(3), false);
        assert!(!relays(&s, 1, 3) && !relays(&s, 3, 1));
        assert!(!relays(&s, 1, 9));
    }

    /// `relays_at` rebuilds each instant of the history; before it starts, it cannot tell.
    #[test]
    fn relays_at_rebuilds_the_past() {
        let mut s = Switch::new(PortState::Discarding, Duration::from_secs(300));
        let f = frame(1, MacAddr::BROADCAST);
        let t = Instant::from_secs;
        s.set_now(t(1));
        for p in 1..=2 {
            s.add_port(PortNo(p));
            s.set_link(PortNo(p), true);
        }
        s.set_state(LogicalPort(1), stp::CIST, PortState::Forwarding);
        s.set_now(t(2));
        s.set_state(LogicalPort(2), stp::CIST, PortState::Forwarding);
        s.set_now(t(3));
        s.set_blocked(LogicalPort(1), LogicalPort(2), true);
        s.set_now(t(4));
        s.set_blocked(LogicalPort(1), LogicalPort(2), false);
        s.set_link(PortNo(2), false);
        s.set_now(t(5));
        s.remove_member(PortNo(1));
        let at = |s: &Switch, secs| s.relays_at(&f, PortNo(1), PortNo(2), t(secs));
        assert_eq!(s.relays_at(&f, PortNo(1), PortNo(2), Instant::ZERO), None);
        assert_eq!(at(&s, 1), Some(false)); // port 2 still discarding
        assert_eq!(at(&s, 2), Some(true));
        assert_eq!(at(&s, 3), Some(false)); // split horizon
        assert_eq!(at(&s, 4), Some(false)); // port 2's carrier lost
        assert_eq!(at(&s, 5), Some(false)); // port 1 gone
        let mut changes = alloc::vec::Vec::new();
        s.relay_changes(t(2), &mut changes);
        assert!(changes.iter().all(|c| *c > t(2)) && changes.contains(&t(3)));
        assert!(changes.contains(&t(5)));
    }

    /// `forwarding_at` sees port states only: carrier, split horizon and member flags do not
    /// close a port for it; before the history, or for a port not a member then, it cannot
    /// tell.
    #[test]
    fn forwarding_at_rebuilds_port_states_only() {
        let mut s = Switch::new(PortState::Discarding, Duration::from_secs(300));
        let f = frame(1, MacAddr::BROADCAST);
        let t = Instant::from_secs;
        s.set_now(t(1));
        for p in 1..=2 {
            s.add_port(PortNo(p));
            s.set_link(PortNo(p), true);
        }
        s.set_now(t(2));
        s.set_state(LogicalPort(2), stp::CIST, PortState::Forwarding);
        s.set_now(t(3));
        s.set_blocked(LogicalPort(1), LogicalPort(2), true);
        s.set_link(PortNo(2), false);
        s.set_member(PortNo(2), false, false);
        s.set_now(t(4));
        s.set_state(LogicalPort(2), stp::CIST, PortState::Learning);
        s.set_now(t(5));
        s.remove_member(PortNo(2));
        let at = |s: &Switch, secs| s.forwarding_at(&f, PortNo(2), t(secs));
        assert_eq!(s.forwarding_at(&f, PortNo(2), Instant::ZERO), None);
        assert_eq!(at(&s, 1), Some((LogicalPort(2), false)));
        assert_eq!(at(&s, 2), Some((LogicalPort(2), true)));
        assert_eq!(at(&s, 3), Some((LogicalPort(2), true)));
        assert_eq!(at(&s, 4), Some((LogicalPort(2), false)));
        assert_eq!(at(&s, 5), None); // no member any more
        let bpdu = frame(1, MacAddr::BRIDGE_GROUP);
        assert_eq!(s.forwarding_at(&bpdu, PortNo(1), t(2)), None);
    }

    #[test]
    fn redirect_static_entries_and_learning_off() {
        let mut s = Switch::new(PortState::Forwarding, Duration::from_secs(300));
        // 1: a host port, 2: the peer-port (not learning), 100: an MLAG bond of member 10.
        for p in [1, 2] {
            s.add_port(PortNo(p));
            s.set_link(PortNo(p), true);
        }
        s.add_member(LogicalPort(100), PortNo(10));
        s.set_link(PortNo(10), true);
        s.set_keep_on_down(LogicalPort(100), true);
        s.set_learning(LogicalPort(2), false);
        let t = Instant::from_secs(1);
        let client = MacAddr([2, 0, 0, 0, 0, 7]);
        s.forward(t, PortNo(10), &frame(7, MacAddr::BROADCAST), None);
        assert_eq!(drain(&mut s), [1, 2]);
        // Heard again through the peer-port: not learnt there, the entry stays on the bond.
        s.forward(t, PortNo(2), &frame(7, MacAddr::BROADCAST), None);
        drain(&mut s);
        assert_eq!(s.lookup(t, 1, client), Some(LogicalPort(100)));
        // The bond's member goes down: the entry stays; re-pointed at the peer-port, unicast
        // to the client leaves there, and floods skip the redirected bond.
        s.set_link(PortNo(10), false);
        assert_eq!(s.lookup(t, 1, client), Some(LogicalPort(100)));
        s.set_redirect(LogicalPort(100), Some(LogicalPort(2)));
        s.forward(t, PortNo(1), &frame(1, client), None);
        assert_eq!(drain(&mut s), [2]);
        s.set_link(PortNo(10), true);
        s.forward(t, PortNo(1), &frame(1, MacAddr::BROADCAST), None);
        assert_eq!(
            drain(&mut s),
            [2],
            "the redirected bond gets no flooded copy"
        );
        // From the peer-port, a redirected destination would go back where it came from.
        s.forward(t, PortNo(2), &frame(3, client), None);
        assert_eq!(drain(&mut s), [] as [u16; 0]);
        s.set_redirect(LogicalPort(100), None);
        s.forward(t, PortNo(1), &frame(1, client), None);
        assert_eq!(drain(&mut s), [10]);
        // Static entries win over learning and survive ageing; flush_where removes them.
        let h = MacAddr([2, 0, 0, 0, 0, 9]);
        s.add_static(1, h, LogicalPort(2));
        s.forward(t, PortNo(1), &frame(9, MacAddr::BROADCAST), None);
        drain(&mut s);
        assert_eq!(
            s.lookup(t + Duration::from_secs(900), 1, h),
            Some(LogicalPort(2))
        );
        s.flush_where(|_, p, _| p == LogicalPort(2));
        assert_eq!(s.lookup(t, 1, h), None);
        s.remove_entry(1, client);
        assert_eq!(s.lookup(t, 1, client), None);
    }

    #[test]
    fn lag_hashes_over_distributing_members() {
        let mut s = Switch::new(PortState::Forwarding, Duration::from_secs(300));
        s.add_port(PortNo(1));
        s.set_link(PortNo(1), true);
        for p in [10, 11] {
            s.add_member(LogicalPort(100), PortNo(p));
            s.set_link(PortNo(p), true);
        }
        let mut used = [0u32; 2];
        for d in 0..64u8 {
            s.forward(
                Instant::ZERO,
                PortNo(1),
                &frame(1, MacAddr([0x03, 0, 0, 0, 0, d])),
                None,
            );
            for p in drain(&mut s) {
                used[usize::from(p - 10)] += 1;
            }
        }
        assert!(used[0] > 0 && used[1] > 0, "{used:?}");
        assert_eq!(used[0] + used[1], 64);
        s.set_distributing(PortNo(10), false);
        for d in 0..16u8 {
            s.forward(
                Instant::ZERO,
                PortNo(1),
                &frame(1, MacAddr([0x03, 0, 0, 0, 0, d])),
                None,
            );
            assert_eq!(drain(&mut s), [11]);
        }
        s.set_distributing(PortNo(11), false);
        s.forward(
            Instant::ZERO,
            PortNo(1),
            &frame(1, MacAddr::BROADCAST),
            None,
        );
        assert_eq!(drain(&mut s), [] as [u16; 0]);
        assert_eq!(s.stats().no_member, 1);
        // Split horizon: nothing from port 1 to the LAG, flooded or not.
        s.set_distributing(PortNo(10), true);
        s.set_blocked(LogicalPort(1), LogicalPort(100), true);
        s.forward(
            Instant::ZERO,
            PortNo(1),
            &frame(1, MacAddr::BROADCAST),
            None,
        );
        assert_eq!(drain(&mut s), [] as [u16; 0]);
        s.forward(
            Instant::ZERO,
            PortNo(10),
            &frame(7, MacAddr::BROADCAST),
            None,
        );
        assert_eq!(drain(&mut s), [1], "the other way is open");
        s.forward(
            Instant::ZERO,
            PortNo(1),
            &frame(1, MacAddr([2, 0, 0, 0, 0, 7])),
            None,
        );
        assert_eq!(drain(&mut s), [] as [u16; 0], "known unicast too");
        s.set_blocked(LogicalPort(1), LogicalPort(100), false);
        s.forward(
            Instant::ZERO,
            PortNo(1),
            &frame(1, MacAddr([2, 0, 0, 0, 0, 7])),
            None,
        );
        assert_eq!(drain(&mut s), [10]);
        // A member that is not collecting drops what it receives.
        s.set_collecting(PortNo(10), false);
        s.forward(
            Instant::ZERO,
            PortNo(10),
            &frame(9, MacAddr::BROADCAST),
            None,
        );
        assert_eq!(drain(&mut s), [] as [u16; 0]);
    }
}
