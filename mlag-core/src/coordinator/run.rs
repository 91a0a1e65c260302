//! [`Coordinator`]: the frame demultiplexer, the ICCP session on the peer-port (election,
//! sticky system-id, backup keepalive), LACP on the bonds with the shared system-id, per-peer
//! port numbers and one key per mlag-id, the MLAG halves' next hops and split horizon, the
//! reload-delay hold, the dual-active isolation, the configuration-consistency exchange with
//! its hold-down, the pair as one logical STP bridge (the primary's authoritative bridge, the
//! secondary's relay and replica, promotion, standalone when isolated), and the monitor; the
//! FDB is in [`super::fdb_sync`].

use super::demux::{DemuxCounters, FrameKind, classify};
use super::fdb_sync::{FdbMonitor, FdbState};
use super::logical::{self, Applied, CATCH_UP, CATCH_UP_END, Entry, Op};
use super::recorder::{Cause, FLIGHT_RECORDER_DEFAULT, Recorder, ReleaseReason};
use super::split::{Evidence, PEER_PROBE_DEFAULT, PeerVerdict, Split};
use super::{
    MLAG_LACP_SYSTEM_PRIORITY, PeerIndex, RELOAD_DELAY_DEFAULT, apply_mlag_forwarding,
    lacp_local_port_number, lacp_port_number, mlag_forwarding, mlag_stp_port_number, stp_flush,
    stp_port_number, stp_port_owner,
};
use crate::config::{BondMode, Change, LacpMode, ValidConfig, lacp_key};
use crate::dataplane::{CIST, Dataplane, Location, MlagId, NextHop, PortState};
use crate::preflight::{Outcome, Report, Summary, compare};
use alloc::collections::{BTreeMap, BTreeSet};
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;
use core::fmt;
use core::time::Duration;
use iccp::wire::param::{AggregatorState, Param};
use l2_types::{Instant, MacAddr, PortNo};
pub use lacp::LinkState;

mod cut_off;
mod edge_bpdu;
mod evidence;
mod fallback;
mod last_bpdu;
mod mst;
mod reconfig;
mod record;
mod snapshot;
mod stp_watch;
mod switch_off;
mod withdraw;

/// Why a [`Coordinator`] could not be built or a change not applied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The configuration has MLAG disabled (`/interface bridge mlag bridge=none`).
    #[error("MLAG is disabled in this configuration")]
    MlagDisabled,
    /// The change needs a new coordinator (`bridge`, `peer-port` or the bridge MAC changed).
    #[error("this change restarts MLAG")]
    NeedsRestart,
    /// The ICCP session refused the settings.
    #[error("ICCP: {0}")]
    Iccp(iccp::ConfigError),
    /// The LACP system refused the settings.
    #[error("LACP: {0}")]
    Lacp(lacp::ConfigError),
    /// The FDB refused the settings (the bridge's `ageing-time`).
    #[error("FDB: {0}")]
    Fdb(fdb::ConfigError),
}

/// Host options that are not RouterOS configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// Seed of the ICCP session's incarnation numbers: must differ from one boot to the next
    /// (see `iccp::SessionConfig::seed`).
    pub seed: u64,
    /// Send keepalives on a backup path (`poll_backup_transmit` / `handle_backup`).
    pub backup: bool,
    /// How long a starting peer keeps its MLAG halves out waiting for its peer.
    pub reload_delay: Duration,
    /// How long a peer that lost the peer-link waits for the peer's evidence on the backup
    /// path before concluding it is dead (module docs of [`super::split`]).
    pub peer_probe: Duration,
    /// Capacity of the flight recorder ([`super::recorder`]; 0 disables it).
    pub flight_recorder: usize,
    /// The pair's shared ICCP secret ([`super::IccpSecret`]; `None`: frames unauthenticated).
    pub iccp_secret: Option<super::IccpSecret>,
    /// The logical STP bridge ages stale information ([`stp::BridgeConfig::stale_info_aging`],
    /// an extension beyond 802.1D-2004 / 802.1Q-2022; default on): information a neighbour
    /// has withdrawn on one port is not offered back to it from another, which a pair's two
    /// chassis hearing one neighbour's ports a peer-link delay apart otherwise do (a count to
    /// infinity until Max Age; FUZZING.md, branch `chaos7`). Off: the standard's behaviour.
    pub stale_info_aging: bool,
    /// The logical STP bridge runs root sequencing ([`stp::BridgeConfig::root_sequencing`], an
    /// extension beyond 802.1D-2004 / 802.1Q-2022; default on): its RST BPDUs carry the
    /// root's sequence number in a trailer that bridges without the extension ignore (the
    /// interop record in `interop/README.md`), and it takes no root path that could be stale.
    /// Against the count to infinity where the neighbours run it too; with neighbours that do
    /// not, the pair behaves as the standard says. The chaos campaign passes all 10,000 seeds
    /// with it in every bridge and not without it (FUZZING.md). Off: the standard's behaviour.
    pub root_sequencing: bool,
}

impl Options {
    /// Options with `seed`, no backup path and [`RELOAD_DELAY_DEFAULT`].
    pub const fn new(seed: u64) -> Self {
        Self {
            seed,
            backup: false,
            reload_delay: RELOAD_DELAY_DEFAULT,
            peer_probe: PEER_PROBE_DEFAULT,
            flight_recorder: FLIGHT_RECORDER_DEFAULT,
            iccp_secret: None,
            stale_info_aging: true,
            root_sequencing: true,
        }
    }
}

/// The state of one MLAG, as the monitor shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MlagStatus {
    /// The mlag-id.
    pub mlag_id: MlagId,
    /// The local bond.
    pub bond: String,
    /// The local half is in the LAG (LACP may run on it: not held by the reload delay or the
    /// dual-active isolation).
    pub released: bool,
    /// The local half distributes (at least one member).
    pub local_up: bool,
    /// The peer's half distributes, as the peer last reported.
    pub peer_up: bool,
    /// The logical port's next hop.
    pub next_hop: NextHop,
    /// Frames from the peer-port may leave through the local half.
    pub peer_forwarding: bool,
    /// The local half is held out of the LAG because the configurations disagree (this peer
    /// is secondary and the consistency check says [`Outcome::HeldDown`]).
    pub held_down: bool,
}

/// `/interface bridge mlag monitor`, plus per-MLAG state and what the coordinator counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Monitor {
    /// `status`: connected | connecting | disabled.
    pub status: iccp::Status,
    /// `system-id`: the pair's shared system-id (this peer's bridge MAC before any peer).
    pub system_id: MacAddr,
    /// `active-role`: primary | secondary (`None` before the first election).
    pub active_role: Option<iccp::Role>,
    /// The peer, once seen.
    pub peer: Option<iccp::PeerInfo>,
    /// Whether the backup path hears the peer.
    pub backup_alive: bool,
    /// This peer isolated its MLAG halves: the peer-link failed while the peer lives and this
    /// peer is secondary (no split brain).
    pub isolated: bool,
    /// Every MLAG of the configuration, by mlag-id.
    pub mlags: Vec<MlagStatus>,
    /// The consistency check against the connected peer's configuration (peers in
    /// [`PeerIndex`] order: A is the lower bridge MAC), once its summary has arrived.
    pub consistency: Option<Report>,
    /// Demultiplexer counters.
    pub demux: DemuxCounters,
    /// The ICCP session's counters.
    pub iccp: iccp::Counters,
    /// ICCP events not kept because [`Coordinator::take_events`] was not called.
    pub events_dropped: u64,
    /// Application messages from the peer that could not be used (malformed, unknown key).
    pub app_rejected: u64,
    /// Application messages that could not be queued to the peer.
    pub app_send_failed: u64,
    /// The logical STP bridge as this peer runs it.
    pub stp: StpMonitor,
    /// The FDB and its synchronisation with the peer.
    pub fdb: FdbMonitor,
    /// The split-brain verdict on the peer ([`super::split`]).
    pub peer_verdict: PeerVerdict,
}

/// How this peer runs the logical STP bridge (see the [module docs](super#one-logical-stp-bridge)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StpMode {
    /// This peer's bridge is the pair's authoritative one (primary, or alone, or the survivor).
    Primary,
    /// This peer replays the primary's input log (secondary, connected).
    Replica,
    /// Isolated secondary: a bridge of its own (own MAC) for its single-homed ports only.
    Standalone,
}

/// The logical STP bridge in the monitor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StpMonitor {
    /// The mode.
    pub mode: StpMode,
    /// The bridge's identifier (`None` while a replica waits for its catch-up).
    pub bridge_id: Option<stp::wire::BridgeId>,
    /// The CIST root bridge.
    pub root: Option<stp::wire::BridgeId>,
    /// The logical bridge is the CIST root (RouterOS shows both peers as root bridge).
    pub is_root: bool,
    /// Replica: caught up with the primary's log since entering the mode.
    pub ready: bool,
    /// Replica: the last fingerprint from the primary matched (`None` before the first).
    pub in_sync: Option<bool>,
    /// Entries in the input log kept for a catch-up.
    pub log_len: usize,
    /// The kept log starts at the bridge's creation (an exact catch-up is possible).
    pub log_complete: bool,
    /// BPDUs relayed to the primary (secondary).
    pub relayed: u64,
    /// Fingerprint mismatches seen (replica).
    pub fingerprint_mismatches: u64,
    /// Catch-ups asked for (replica) or served (primary).
    pub resyncs: u64,
    /// STP records from the peer that could not be used.
    pub rejected: u64,
    /// Replica: times it took the bridge over from a silent authority (`run::stp_watch`).
    pub takeovers: u64,
    /// Replica: edge ports held Discarding on a BPDU until the authority decided
    /// (`run::edge_bpdu`).
    pub edge_holds: u64,
}

impl fmt::Display for Monitor {
    /// RouterOS's layout: right-aligned property names, `system-id` in upper case.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let status = match self.status {
            iccp::Status::Connected => "connected",
            iccp::Status::Connecting => "connecting",
            iccp::Status::Disabled => "disabled",
        };
        writeln!(f, "       status: {status}")?;
        let o = self.system_id.0;
        writeln!(
            f,
            "    system-id: {:02X}:{:02X}:{:02X}:{:02X}:{:02X}:{:02X}",
            o[0], o[1], o[2], o[3], o[4], o[5]
        )?;
        if let Some(role) = self.active_role {
            let role = match role {
                iccp::Role::Primary => "primary",
                iccp::Role::Secondary => "secondary",
            };
            writeln!(f, "  active-role: {role}")?;
        }
        Ok(())
    }
}

/// Consistency TLV record kind of a configuration-summary chunk.
pub const CONSISTENCY_SUMMARY: u8 = 1;
/// Largest summary chunk, in octets (a chunk fits one ICCP L2 frame).
pub const SUMMARY_CHUNK: usize = 1024;

/// Most entries of the STP input log kept for an exact catch-up of a replica; beyond this a
/// catch-up is the bridge's snapshot (see the module docs, "Rejoin").
pub const STP_LOG_MAX: usize = 4096;

/// Most ICCP events kept for [`Coordinator::take_events`]; later ones are counted in
/// [`Monitor::events_dropped`].
pub const EVENTS_MAX: usize = 256;

/// A bond run by LACP (`mode=802.3ad`).
#[derive(Debug, Clone)]
struct Lag {
    id: lacp::LagId,
    bond: String,
    mlag: Option<MlagId>,
    key: u16,
    cfg: lacp::LagConfig,
    /// The actor system MAC applied (MLAG LAGs).
    applied: MacAddr,
    /// `lacp-fallback` configured (this crate's extension).
    fallback: bool,
}

/// A slave of an LACP bond.
#[derive(Debug, Clone)]
struct Member {
    /// Index into `lags`.
    lag: usize,
    mac: MacAddr,
    /// 1-based index among the MLAG slaves (MLAG bonds) or among the other slaves.
    index: u16,
    timeout: lacp::LacpTimeout,
    activity: lacp::Activity,
    /// Link as the host last reported it.
    link: LinkState,
    /// Added to the LACP system.
    in_lacp: bool,
    collecting: bool,
    distributing: bool,
}

/// Per-MLAG state.
#[derive(Debug, Clone, Copy, Default)]
struct Half {
    local_up: bool,
    peer_up: bool,
    /// The client's System as the peer's half last reported it (zero: the peer hears no
    /// LACPDU on its half), for the LACP fallback.
    peer_partner: MacAddr,
}

/// The MLAG coordinator of one peer. See the [module docs](super) for the design.
///
/// Wired in so far: the frame demultiplexer; the ICCP session over the peer-port (connection,
/// heartbeat, election, sticky system-id, backup keepalive); LACP on every 802.3ad bond — the
/// MLAG LAGs with the pair's system-id, one key per mlag-id and per-peer port numbers, held out
/// until the peer is connected or the reload delay expires; the MLAG halves' state exchanged in
/// mLACP Aggregator State TLVs, driving each logical port's next hop and split horizon; the
/// secondary's isolation when the peer-link fails while the backup path still hears the peer;
/// the configuration summaries exchanged in Consistency TLVs ([`CONSISTENCY_SUMMARY`]) and
/// compared as [`crate::preflight`] does, the secondary holding down the MLAGs found unsafe
/// (re-checked on every `apply` and role change); run-time configuration
/// ([`apply`](Self::apply): MLAG settings, bonds, slaves, mlag-ids, bridge ports, VLAN
/// membership, STP settings); the monitor; the logical STP bridge (module docs, "One logical STP bridge":
/// BPDUs demultiplexed to it, relayed by the secondary, the input log replayed by the replica
/// and checked by fingerprint, MLAG ports sent once, promotion on peer loss, the secondary's
/// release after its catch-up; with `protocol-mode=mstp` the MST region, the MSTIs' priorities
/// and the ports' `port-mst-override` settings (module docs, "One logical STP bridge", item
/// 6)); the FDB (module docs, "FDB": learning through [`Coordinator::handle_learn`], ageing,
/// synchronisation with the peer over ICCP, the dataplane's entries, STP flushes, and the
/// rejoin waiting for the mirror); split-brain evidence on the backup path (proof of a live
/// split, the dead-peer probe, grants decided by the client's LACP: [`super::split`]); the
/// flight recorder and [`explain_mlag`](Self::explain_mlag) ([`super::recorder`]); LACP
/// fallback on the primary's half (`lacp-fallback`).
#[derive(Debug)]
pub struct Coordinator<D: Dataplane> {
    cfg: ValidConfig,
    dp: D,
    iccp: iccp::Session,
    lacp: lacp::System,
    bridge_mac: MacAddr,
    peer_port: PortNo,
    lags: Vec<Lag>,
    members: BTreeMap<PortNo, Member>,
    halves: BTreeMap<MlagId, Half>,
    /// Applied system-id of the MLAG LAGs (the pair's, or own MAC while isolated).
    system_id: MacAddr,
    peer_index: Option<PeerIndex>,
    /// The numbering the released MLAG halves use.
    numbered_as: Option<PeerIndex>,
    released: bool,
    isolated: bool,
    reload_at: Instant,
    /// MLAGs this peer holds down because of a configuration mismatch (secondary only).
    held: BTreeSet<MlagId>,
    /// The peer's configuration summary being reassembled: (next chunk, chunk count, bytes).
    peer_chunks: Option<(u16, u16, Vec<u8>)>,
    peer_summary: Option<Summary>,
    consistency: Option<Report>,
    demux: DemuxCounters,
    buf: Vec<u8>,
    events: Vec<iccp::Event>,
    events_dropped: u64,
    app_rejected: u64,
    app_send_failed: u64,
    stp: Stp,
    /// Links of plain ports as the host last reported them.
    host_links: BTreeMap<PortNo, LinkState>,
    /// Split-brain evidence, verdict and grants ([`super::split`]).
    split: Split,
    /// The flight recorder.
    recorder: Recorder,
    /// The time of the input being handled (for records made where no time is passed).
    now: Instant,
    /// Some LAG has `lacp-fallback` configured or armed (else the fallback pass is skipped).
    fallback_any: bool,
    /// The FDB and its synchronisation ([`super::fdb_sync`]).
    pub(super) fdb: FdbState,
    /// The peer's switch-offs not confirmed yet ([`switch_off`]).
    stp_off: switch_off::SwitchOff,
}

/// The logical STP bridge's state in a coordinator.
#[derive(Debug)]
struct Stp {
    bridge: Option<stp::Bridge>,
    mode: StpMode,
    /// The bridge settings in force (for a rebuilt catch-up).
    bridge_cfg: stp::BridgeConfig,
    /// [`Options::stale_info_aging`], which every bridge configuration built from the
    /// configuration takes.
    stale_info_aging: bool,
    /// [`Options::root_sequencing`], likewise.
    root_sequencing: bool,
    /// Encoded entries since genesis (flags clear).
    log: Vec<Vec<u8>>,
    log_complete: bool,
    /// Primary: the next entry's sequence number; replica: the next one expected.
    seq: u32,
    /// Replica: waiting for a catch-up (live entries are ignored).
    awaiting: bool,
    ready: bool,
    in_sync: Option<bool>,
    /// Replaying a catch-up: the bridge's outputs are dropped.
    silent: bool,
    /// Own single-homed ports held Discarding: a connection's election made this peer High
    /// while they are numbered Low, until the claims settle (see `stp_settings_changed`).
    held: bool,
    /// mlag-id → logical port number.
    mlag_ports: BTreeMap<MlagId, u16>,
    /// Own single-homed ports: logical number → host port, and back.
    own: BTreeMap<u16, PortNo>,
    own_rev: BTreeMap<PortNo, u16>,
    /// Before the release: the states the bridge gave own single-homed ports, which the
    /// dataplane holds Discarding until then ([`Coordinator::stp_set_host`]).
    boot_held: BTreeMap<(PortNo, stp::TreeId), PortState>,
    /// Ports of the bridge and their settings (primary), for a rebuilt catch-up.
    ports: BTreeMap<u16, (Option<MlagId>, stp::PortConfig)>,
    /// The link each port of the bridge was given.
    links: BTreeMap<u16, stp::LinkState>,
    /// Speed used for an MLAG port's link (sticky).
    mlag_speed: BTreeMap<MlagId, u32>,
    /// Primary: next fingerprint; replica: next catch-up request while waiting.
    next_check: Instant,
    /// The peer asked for a catch-up before this peer was primary.
    resync_wanted: bool,
    /// Replica after a rebuilt catch-up: fingerprint mismatches are expected until then.
    grace_until: Instant,
    /// Replica: the parts of a snapshot catch-up received so far.
    snapshot: logical::SnapshotParts,
    /// The parts of an MST region entry received so far.
    region_parts: logical::RegionParts,
    /// MLAGs whose port was an operEdge port of the pair's bridge when this peer left it for a
    /// standalone bridge (isolated): granted back, they join it as edge ports.
    edge_mlags: BTreeSet<MlagId>,
    /// The same for this peer's single-homed ports (host port numbers).
    edge_own: BTreeSet<PortNo>,
    /// Logical port → the MSTI settings the bridge was given for it.
    msti_ports: BTreeMap<u16, Vec<logical::MstiPortSettings>>,
    /// The last Designated Port BPDU each single-homed port received, its handshake flags
    /// cleared (host port → when, frame), handed to a bridge the port joins
    /// (`run::last_bpdu`; not in a snapshot: a cache).
    last_rx: BTreeMap<PortNo, (Instant, Vec<u8>)>,
    /// This peer's claim to the STP authority at this connection: it ran the pair's bridge
    /// with its halves released (a survivor), as opposed to a peer that just started.
    own_claim: bool,
    /// Who holds the STP authority for this connection (true: this peer), decided once both
    /// claims are known; `None` before (and while not connected).
    authority: Option<bool>,
    /// Replica: when the authority was last heard (`run::stp_watch`).
    heard: Instant,
    /// This replica took the bridge over from a silent authority (until the authority is
    /// heard again or the connection ends).
    took_over: bool,
    /// Replica: cut off from a live authority for 3 × Hello Time; its non-edge ports discard
    /// and none opens until an exact catch-up (`run::cut_off`).
    cut_off: bool,
    /// The cut-off's catch-up is requested (the authority was heard again).
    cut_off_resync: bool,
    takeovers: u64,
    /// Replica: edge ports held Discarding after a BPDU until the authority's entry of it is
    /// applied (logical port → when the hold ends anyway; `run::edge_bpdu`).
    edge_held: BTreeMap<u16, Instant>,
    edge_holds: u64,
    /// The peer's last backup keepalive (`run::stp_watch`: the peer lives).
    backup_heard: Option<Instant>,
    /// Replica: the last backup-path probe sent to a suspected authority (`run::stp_watch`).
    probe_sent: Option<Instant>,
    /// A genesis while connected: the peer-port carries no data until the peer asks to
    /// follow this bridge (its catch-up request; `Coordinator::peer_port_program`).
    backplane_wait: bool,
    relayed: u64,
    fingerprint_mismatches: u64,
    resyncs: u64,
    rejected: u64,
}

fn sat16(v: u32) -> u16 {
    u16::try_from(v).unwrap_or(u16::MAX)
}

impl<D: Dataplane> Coordinator<D> {
    /// A coordinator for `cfg` driving `dp`. Every link starts down: report them with
    /// [`handle_link`](Self::handle_link). Sets the peer-port forwarding on the CIST and on
    /// every MSTI (it is the pair's backplane, not a port of the logical bridge), starts LACP on
    /// the slaves of non-MLAG 802.3ad bonds, and holds the MLAG halves until the peer is
    /// connected or the reload delay expires.
    ///
    /// # Errors
    /// [`Error::MlagDisabled`]; [`Error::Iccp`] / [`Error::Lacp`] if a driver refuses the
    /// settings.
    pub fn new(cfg: ValidConfig, mut dp: D, opts: &Options, now: Instant) -> Result<Self, Error> {
        let (Some(m), Some(bridge)) = (cfg.mlag(), cfg.mlag_bridge()) else {
            return Err(Error::MlagDisabled);
        };
        let bridge_mac = bridge.mac;
        let stp_cfg = stp::BridgeConfig {
            stale_info_aging: opts.stale_info_aging,
            root_sequencing: opts.root_sequencing,
            ..bridge.stp.bridge
        };
        let fdb = FdbState::new(opts.seed, bridge.ageing_time).map_err(Error::Fdb)?;
        let mut sc = iccp::SessionConfig::new(bridge_mac);
        sc.priority = m.priority;
        sc.heartbeat = m.heartbeat;
        sc.seed = opts.seed;
        sc.backup = opts.backup;
        sc.sender_name = bridge.name.clone();
        sc.key = opts.iccp_secret.as_ref().map(|k| k.as_bytes().to_vec());
        let iccp = iccp::Session::try_new(sc, now).map_err(Error::Iccp)?;
        let peer_port = cfg.port_no(m.peer_port);
        dp.set_port_state(peer_port, CIST, PortState::Forwarding);
        for msti in &bridge.stp.mstis {
            dp.set_port_state(peer_port, msti.id, PortState::Forwarding);
        }

        let mut lacp = lacp::System::new(lacp::SystemConfig::new(bridge_mac));
        let mut lags = Vec::new();
        let mut members = BTreeMap::new();
        let mut halves = BTreeMap::new();
        let (mut mlag_index, mut local_index) = (0u16, 0u16);
        for (i, b) in cfg.bonds().iter().enumerate() {
            if b.mode != BondMode::Ieee8023ad {
                continue;
            }
            let id = lacp::LagId(u32::try_from(i).unwrap_or(u32::MAX).saturating_add(1));
            let key = match b.mlag_id {
                Some(MlagId(x)) => lacp_key(x),
                None => sat16(u32::try_from(i).unwrap_or(0).saturating_add(1)),
            };
            let mut lc = lacp::LagConfig::new(key);
            lc.min_links = sat16(b.min_links);
            if b.mlag_id.is_some() {
                lc.actor_system = Some(lacp::SystemIdentity {
                    priority: MLAG_LACP_SYSTEM_PRIORITY,
                    mac: bridge_mac,
                });
            }
            lacp.add_lag(now, id, lc).map_err(Error::Lacp)?;
            if let Some(mlag) = b.mlag_id {
                halves.insert(mlag, Half::default());
                apply_mlag_forwarding(&mut dp, mlag, false, false);
            }
            for s in &b.slaves {
                let counter = if b.mlag_id.is_some() {
                    &mut mlag_index
                } else {
                    &mut local_index
                };
                *counter = counter.saturating_add(1);
                let member = Member {
                    lag: lags.len(),
                    mac: cfg.interface(*s).map_or(MacAddr::ZERO, |x| x.mac),
                    index: *counter,
                    timeout: b.lacp_rate.timeout(),
                    activity: match b.lacp_mode {
                        LacpMode::Active => lacp::Activity::Active,
                        LacpMode::Passive => lacp::Activity::Passive,
                    },
                    link: LinkState::Down,
                    in_lacp: false,
                    collecting: false,
                    distributing: false,
                };
                members.insert(cfg.port_no(*s), member);
            }
            lags.push(Lag {
                id,
                bond: b.name.clone(),
                mlag: b.mlag_id,
                key,
                cfg: lc,
                applied: bridge_mac,
                fallback: b.lacp_fallback,
            });
        }
        let mut c = Self {
            cfg,
            dp,
            iccp,
            lacp,
            bridge_mac,
            peer_port,
            lags,
            members,
            halves,
            system_id: bridge_mac,
            peer_index: None,
            numbered_as: None,
            released: false,
            isolated: false,
            reload_at: now + opts.reload_delay,
            held: BTreeSet::new(),
            peer_chunks: None,
            peer_summary: None,
            consistency: None,
            demux: DemuxCounters::default(),
            buf: vec![0; iccp::wire::l2::FRAME_MAX],
            events: Vec::new(),
            events_dropped: 0,
            app_rejected: 0,
            app_send_failed: 0,
            split: Split::new(opts.peer_probe).keyed(
                opts.iccp_secret.as_ref().map(super::IccpSecret::as_bytes),
                opts.seed,
            ),
            recorder: Recorder::new(opts.flight_recorder),
            now,
            fallback_any: false,
            fdb,
            stp_off: switch_off::SwitchOff::default(),
            host_links: BTreeMap::new(),
            stp: Stp {
                bridge: None,
                mode: StpMode::Primary,
                bridge_cfg: stp_cfg,
                stale_info_aging: opts.stale_info_aging,
                root_sequencing: opts.root_sequencing,
                log: Vec::new(),
                log_complete: true,
                seq: 0,
                awaiting: false,
                ready: false,
                in_sync: None,
                silent: false,
                held: false,
                mlag_ports: BTreeMap::new(),
                own: BTreeMap::new(),
                own_rev: BTreeMap::new(),
                boot_held: BTreeMap::new(),
                ports: BTreeMap::new(),
                links: BTreeMap::new(),
                mlag_speed: BTreeMap::new(),
                next_check: now,
                resync_wanted: false,
                grace_until: now,
                snapshot: logical::SnapshotParts::default(),
                region_parts: logical::RegionParts::default(),
                msti_ports: BTreeMap::new(),
                last_rx: BTreeMap::new(),
                edge_mlags: BTreeSet::new(),
                edge_own: BTreeSet::new(),
                own_claim: false,
                authority: None,
                heard: now,
                took_over: false,
                cut_off: false,
                cut_off_resync: false,
                takeovers: 0,
                edge_held: BTreeMap::new(),
                edge_holds: 0,
                backup_heard: None,
                probe_sent: None,
                backplane_wait: false,
                relayed: 0,
                fingerprint_mismatches: 0,
                resyncs: 0,
                rejected: 0,
            },
        };
        c.fallback_any = c.lags.iter().any(|l| l.fallback);
        c.stp_genesis(now, false);
        // Non-MLAG bonds (a peer-port bond among them) need no peer: start them now.
        let local: Vec<PortNo> = c
            .members
            .iter()
            .filter(|(_, m)| c.lags.get(m.lag).is_some_and(|l| l.mlag.is_none()))
            .map(|(p, _)| *p)
            .collect();
        for port in local {
            c.add_lacp_port(now, port)?;
        }
        c.drain(now);
        Ok(c)
    }

    /// The configuration in force.
    pub fn config(&self) -> &ValidConfig {
        &self.cfg
    }

    /// The dataplane.
    pub fn dataplane(&self) -> &D {
        &self.dp
    }

    /// The dataplane, mutably (e.g. to take a recording's calls).
    pub fn dataplane_mut(&mut self) -> &mut D {
        &mut self.dp
    }

    /// The LACP system (for show commands).
    pub fn lacp(&self) -> &lacp::System {
        &self.lacp
    }

    /// The host port number of the peer-port.
    pub fn peer_port(&self) -> PortNo {
        self.peer_port
    }

    /// The ICCP events seen since the last call, oldest first (for logs and tests).
    pub fn take_events(&mut self) -> Vec<iccp::Event> {
        core::mem::take(&mut self.events)
    }

    /// True when the peer has acknowledged this side's current election data (see
    /// `iccp::Session::election_settled`): until then a priority change may leave the pair
    /// without a primary for one round trip, never with two.
    pub fn election_settled(&self) -> bool {
        self.iccp.election_settled()
    }

    /// The ICCP session is connected.
    pub(super) fn iccp_connected(&self) -> bool {
        self.iccp.status() == iccp::Status::Connected
    }

    /// Application messages queued in the ICCP session, not yet in a frame.
    pub(super) fn iccp_backlog(&self) -> usize {
        self.iccp.send_backlog().0
    }

    /// Queues an application TLV to the peer; a refusal is counted.
    pub(super) fn send_app_counted(&mut self, param: &Param<'_>) {
        if self.iccp.send_app(param).is_err() {
            self.app_send_failed += 1;
        }
    }

    /// This configuration has a bond with `mlag`.
    pub(super) fn has_half(&self, mlag: MlagId) -> bool {
        self.halves.contains_key(&mlag)
    }

    /// The dataplane, mutably, for the sibling modules.
    pub(super) fn dp_mut(&mut self) -> &mut D {
        &mut self.dp
    }

    /// `active-role` (`None` before the first election), without building the whole
    /// [`Self::monitor`].
    pub fn active_role(&self) -> Option<iccp::Role> {
        self.iccp.role()
    }

    /// The heartbeat in force.
    pub fn heartbeat(&self) -> Option<Duration> {
        self.iccp.config().heartbeat
    }

    /// `/interface bridge mlag monitor`, with per-MLAG state.
    pub fn monitor(&self) -> Monitor {
        let m = self.iccp.monitor();
        let mlags = self
            .halves
            .iter()
            .map(|(id, h)| {
                let (next_hop, peer_forwarding) = mlag_forwarding(h.local_up, h.peer_up);
                MlagStatus {
                    mlag_id: *id,
                    bond: self
                        .lags
                        .iter()
                        .find(|l| l.mlag == Some(*id))
                        .map(|l| l.bond.clone())
                        .unwrap_or_default(),
                    released: self.released && !self.isolated,
                    local_up: h.local_up,
                    peer_up: h.peer_up,
                    next_hop,
                    peer_forwarding,
                    held_down: self.held.contains(id),
                }
            })
            .collect();
        Monitor {
            status: m.status,
            system_id: m.system_id,
            active_role: m.role,
            peer: m.peer,
            backup_alive: m.backup_alive,
            isolated: self.isolated,
            mlags,
            consistency: self.consistency.clone(),
            demux: self.demux,
            iccp: m.counters,
            events_dropped: self.events_dropped,
            app_rejected: self.app_rejected,
            app_send_failed: self.app_send_failed,
            stp: self.stp_monitor(),
            fdb: self.fdb_monitor(),
            peer_verdict: self.split.verdict,
        }
    }

    /// A frame received on host port `port`. Total: any octets, any port.
    pub fn handle_frame(&mut self, now: Instant, port: PortNo, frame: &[u8]) {
        self.now = now;
        let known = self.cfg.if_of(port).is_some();
        let in_lacp = self.members.get(&port).map(|m| m.in_lacp);
        let d = &mut self.demux;
        match classify(frame) {
            _ if !known => d.unknown_port += 1,
            FrameKind::Runt => d.runts += 1,
            FrameKind::Other => d.not_control += 1,
            FrameKind::Iccp if port != self.peer_port => d.iccp_off_peer_port += 1,
            FrameKind::Iccp => {
                d.iccp += 1;
                if self.iccp.handle_frame(now, frame).is_err() {
                    self.demux.iccp_rejected += 1;
                }
            }
            FrameKind::Lacp | FrameKind::Marker => match in_lacp {
                None => d.lacp_not_slave += 1,
                Some(false) => d.lacp_held += 1,
                Some(true) => {
                    d.lacp += 1;
                    // Rejections are counted in the LACP system's statistics.
                    let _ = self.lacp.handle_frame(now, port, frame);
                }
            },
            FrameKind::Bpdu if port == self.peer_port => d.bpdu_on_peer_port += 1,
            FrameKind::Bpdu => {
                if self.stp_frame(now, port, frame) {
                    self.demux.bpdu += 1;
                } else {
                    self.demux.not_control += 1;
                }
            }
        }
        self.drain(now);
    }

    /// A link change on host port `port`. The peer-port's goes to ICCP, a bond slave's to
    /// LACP.
    pub fn handle_link(&mut self, now: Instant, port: PortNo, link: LinkState) {
        self.now = now;
        if port == self.peer_port {
            let l = if link.is_up() {
                iccp::LinkState::Up
            } else {
                iccp::LinkState::Down
            };
            self.iccp.handle_link(now, l);
        }
        if let Some(m) = self.members.get_mut(&port) {
            m.link = link;
            if m.in_lacp {
                self.lacp.handle_link(now, port, link);
            }
        } else if self.cfg.if_of(port).is_some() {
            self.host_links.insert(port, link);
        }
        if port != self.peer_port {
            self.stp_link(now, port);
        }
        self.drain(now);
    }

    /// Octets received on the backup keepalive path.
    pub fn handle_backup(&mut self, now: Instant, bytes: &[u8]) {
        self.now = now;
        if Evidence::is_evidence(bytes) {
            // The peer's evidence: the proof of a split, or of a rejoin (the new LACP identity
            // of an isolation leaves in the drain).
            self.on_evidence(now, bytes);
        } else {
            // Rejections are counted in the session's counters.
            if self.iccp.handle_backup(now, bytes).is_ok() {
                self.stp.backup_heard = Some(now);
            }
        }
        self.drain(now);
    }

    /// The backup keepalive path's carrier, for a host that can see it (a dedicated link).
    /// Down: the backup path is dead at once (`iccp::Session::handle_backup_link`); with the
    /// peer-link gone too the peer is dead, and this peer carries on as primary without
    /// isolating. Up: the path counts again from its next keepalive.
    pub fn handle_backup_link(&mut self, now: Instant, up: bool) {
        self.now = now;
        let link = if up {
            iccp::LinkState::Up
        } else {
            iccp::LinkState::Down
        };
        self.iccp.handle_backup_link(now, link);
        self.update_isolation(now);
        self.drain(now);
    }

    /// Octets to send on the backup keepalive path, written into `buf`; returns their length.
    /// ICCP's keepalives first, then this peer's split-brain evidence frames
    /// ([`super::split`]); call until `None`.
    pub fn poll_backup_transmit(&mut self, buf: &mut [u8]) -> Option<usize> {
        if let Some(t) = self.iccp.poll_backup_transmit(buf) {
            if self.iccp.status() != iccp::Status::Connected {
                // While not connected, the evidence rides with every keepalive (a split's
                // state, or a starting peer's, is then never older than the keepalive).
                self.split.tx_due.get_or_insert(false);
            }
            return Some(t.len);
        }
        if !self.iccp.config().backup {
            self.split.tx_due = None;
            return None;
        }
        self.poll_evidence(buf)
    }

    /// The time has come (any time at or after [`poll_timeout`](Self::poll_timeout); spurious
    /// calls are harmless).
    pub fn handle_timeout(&mut self, now: Instant) {
        self.now = now;
        self.iccp.handle_timeout(now);
        self.lacp.handle_timeout(now);
        if !self.released && now >= self.reload_at {
            if self.may_come_up_alone() {
                // Reload delay over without a peer: come up alone.
                self.record(now, Cause::Released(ReleaseReason::ReloadDelay));
                self.release(now);
            } else {
                // The peer serves and lives on the backup path: the peer-link failed, not the
                // peer; coming up alone would be a split brain. Look again later.
                self.reload_at = now + self.split.probe;
            }
        }
        self.evidence_timeout(now);
        self.off_timeout(now);
        self.stp_timeout(now);
        self.fdb_timeout(now);
        self.drain(now);
    }

    /// When [`handle_timeout`](Self::handle_timeout) is next needed.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let reload = (!self.released).then_some(self.reload_at);
        [
            self.iccp.poll_timeout(),
            self.lacp.poll_timeout(),
            reload,
            self.stp_poll_timeout(),
            self.off_poll_timeout(),
            self.fdb_poll_timeout(),
            self.split.poll_timeout(),
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// Applies run-time changes ([`crate::config::diff`] of the configuration in force and
    /// `new`) and makes `new` the configuration in force, without a restart (the design is in
    /// `run/reconfig.rs`). Implemented:
    /// * MLAG `priority` (re-election over the running session) and `heartbeat`;
    /// * **bonds added and removed** (802.3ad, with or without `mlag-id`): the LACP aggregator
    ///   and its members (numbered as the constructor numbers them, running members never
    ///   renumbered), the MLAG half (next hop, split horizon, its state to the peer), the
    ///   bond's port in the logical STP bridge (an MLAG port allocated by the authoritative
    ///   peer, replicated by its log; a single-homed bond through the primary), the consistency
    ///   summary sent again. A removed bond's members leave LACP (the client sees them go), its
    ///   half is reported down, its STP port removed, its FDB entries flushed (the peer's on
    ///   that mlag-id resolve to the peer-port) and its next hop reset;
    /// * an **mlag-id set, changed or removed**, and a bond's `mode`: the bond is removed and
    ///   added again;
    /// * **bond slaves** added and removed (the other members keep running);
    /// * `lacp-rate`, `lacp-mode`, `min-links` and `lacp-fallback` of a running bond;
    /// * **bridge ports** added and removed: a single-homed port joins or leaves the logical
    ///   bridge (Discarding until the bridge says otherwise; a port that left has its FDB
    ///   entries flushed), numbered by position as at start;
    /// * **VLAN membership** (the VLAN table, `pvid`): the entries learned on a port in the
    ///   VLANs it left are flushed (validation has already made sure the peer-port is still a
    ///   tagged member of every VLAN used; the peers' summaries compare the MLAG ports);
    /// * the bridge's spanning tree settings (taken by the authoritative peer's bridge) and a
    ///   bridge port's STP settings (an own single-homed port's through the primary; an MLAG
    ///   bond's on the authoritative peer).
    ///
    /// An mlag-id configured on this side only (the peer has not applied its twin yet) is held
    /// down as a mismatch while this peer is the secondary or the STP replica, and released
    /// when the peer's summary shows the twin: the pair converges whichever peer applies first.
    ///
    /// Kept in the new configuration without any other effect: `transmit-hash-policy` (the
    /// dataplane's), `vlan-filtering` and `ageing-time` (the FDB keeps the ageing it started
    /// with), `frame-types`, `ingress-filtering`, `horizon`, `auto-isolate` (the host's).
    ///
    /// # Errors
    /// [`Error::MlagDisabled`] if `new` disables MLAG; [`Error::NeedsRestart`] if a change
    /// restarts the ICCP session (MLAG `bridge` or `peer-port`, the bridge MAC:
    /// [`Change::restarts_mlag`]) or moves the host port number of an interface in use
    /// ([`ValidConfig::port_no`]: a bond removed before another bond that stays a bridge
    /// port, an ethernet interface added before others); [`Error::Iccp`] if the session
    /// refuses a value; [`Error::Lacp`] if LACP refuses a new bond. On an error nothing was
    /// applied, except for [`Error::Iccp`] / [`Error::Lacp`], after which the configuration in
    /// force is `new` with the refused part left out.
    pub fn apply(
        &mut self,
        now: Instant,
        new: ValidConfig,
        changes: &[Change],
    ) -> Result<(), Error> {
        self.reconfigure(now, new, changes)
    }

    fn set_timeout(&mut self, now: Instant, bond: &str, timeout: Option<lacp::LacpTimeout>) {
        let Some(timeout) = timeout else { return };
        let Some(lag) = self.lags.iter().position(|l| l.bond == bond) else {
            return;
        };
        let ports: Vec<PortNo> = self
            .members
            .iter()
            .filter(|(_, m)| m.lag == lag)
            .map(|(p, _)| *p)
            .collect();
        for port in ports {
            if let Some(m) = self.members.get_mut(&port) {
                m.timeout = timeout;
                if m.in_lacp
                    && let Some(cfg) = self.port_config(port)
                {
                    let _ = self.lacp.set_port_config(now, port, cfg);
                }
            }
        }
    }

    /// The LACP port configuration of a member with the numbering in force.
    fn port_config(&self, port: PortNo) -> Option<lacp::PortConfig> {
        let m = self.members.get(&port)?;
        let lag = self.lags.get(m.lag)?;
        let number = match lag.mlag {
            Some(_) => lacp_port_number(self.numbered_as.unwrap_or(PeerIndex::Low), m.index)?,
            None => lacp_local_port_number(m.index)?,
        };
        let mut cfg = lacp::PortConfig::new(m.mac, lag.id, number);
        cfg.timeout = m.timeout;
        cfg.activity = m.activity;
        Some(cfg)
    }

    fn add_lacp_port(&mut self, now: Instant, port: PortNo) -> Result<(), Error> {
        let cfg = self
            .port_config(port)
            .ok_or(Error::Lacp(lacp::ConfigError::Invalid {
                field: "port_number",
                reason: "out of range",
            }))?;
        self.lacp.add_port(now, port, cfg).map_err(Error::Lacp)?;
        if let Some(m) = self.members.get_mut(&port) {
            m.in_lacp = true;
            let link = m.link;
            self.lacp.handle_link(now, port, link);
        }
        Ok(())
    }

    fn mlag_members(&self) -> Vec<PortNo> {
        self.members
            .iter()
            .filter(|(_, m)| self.lags.get(m.lag).is_some_and(|l| l.mlag.is_some()))
            .map(|(p, _)| *p)
            .collect()
    }

    /// Brings the MLAG halves into LACP, numbered for the peer index (Low when alone).
    fn release(&mut self, now: Instant) {
        if self.released {
            return;
        }
        self.numbered_as = Some(self.peer_index.unwrap_or(PeerIndex::Low));
        self.released = true;
        // The own single-homed ports held at boot now take the states their bridge gave them.
        for ((host, tree), state) in core::mem::take(&mut self.stp.boot_held) {
            if self.stp.own_rev.contains_key(&host) {
                self.dp.set_port_state(host, tree, state);
            }
        }
        // Clients now use the system-id: a peer that joins adopts it (iccp's incumbent rule).
        self.iccp.set_system_id_in_use(true);
        for port in self.mlag_members() {
            // Numbers are in range by construction; a refusal leaves the member out.
            let _ = self.add_lacp_port(now, port);
        }
        // Halves whose twin the peer lacks stay out (`reconfig`).
        self.sync_twin_holds(now);
    }

    /// Re-adds the MLAG halves with the numbering of `index` (those links renegotiate once).
    fn renumber(&mut self, now: Instant, index: PeerIndex) {
        if self.numbered_as == Some(index) {
            return;
        }
        self.numbered_as = Some(index);
        for port in self.mlag_members() {
            if self.members.get(&port).is_some_and(|m| m.in_lacp) {
                let _ = self.lacp.remove_port(now, port);
                if let Some(m) = self.members.get_mut(&port) {
                    m.in_lacp = false;
                }
                let _ = self.add_lacp_port(now, port);
            }
        }
    }

    /// Gives every MLAG LAG its actor system: the pair's system-id, or this peer's own MAC
    /// when its half must leave the client's aggregator (isolated after a peer-link failure, or
    /// held down by a configuration mismatch): the client then sees another partner on those
    /// links and drops them at once, without waiting for a LACP timeout.
    fn refresh_identities(&mut self, now: Instant) {
        let out: BTreeSet<MlagId> = self
            .halves
            .keys()
            .copied()
            .filter(|id| self.split_holds(*id) || self.held.contains(id))
            .collect();
        for lag in &mut self.lags {
            let Some(id) = lag.mlag else { continue };
            let identity = if out.contains(&id) {
                // A System ID the client cannot aggregate with the pair's (802.1AX-2014
                // §6.3.2: priority and MAC together): this peer's MAC, and — when that MAC
                // *is* the pair's system-id (the sticky system-id of a peer that holds a half
                // out) — another System Priority.
                let priority = if self.bridge_mac == self.system_id {
                    MLAG_LACP_SYSTEM_PRIORITY.wrapping_add(1)
                } else {
                    MLAG_LACP_SYSTEM_PRIORITY
                };
                lacp::SystemIdentity {
                    priority,
                    mac: self.bridge_mac,
                }
            } else {
                lacp::SystemIdentity {
                    priority: MLAG_LACP_SYSTEM_PRIORITY,
                    mac: self.system_id,
                }
            };
            if lag.cfg.actor_system != Some(identity) {
                lag.applied = identity.mac;
                lag.cfg.actor_system = Some(identity);
                let _ = self.lacp.set_lag_config(now, lag.id, lag.cfg);
            }
        }
    }

    /// Sends this peer's configuration summary in Consistency TLVs of at most
    /// [`SUMMARY_CHUNK`] octets each: (chunk index, chunk count, octets).
    fn send_summary(&mut self) {
        let bytes = Summary::of(&self.cfg).encode();
        let chunks: Vec<&[u8]> = bytes.chunks(SUMMARY_CHUNK).collect();
        let count = u16::try_from(chunks.len()).unwrap_or(u16::MAX);
        for (i, c) in chunks.iter().enumerate() {
            let mut data = Vec::with_capacity(c.len() + 4);
            data.extend_from_slice(&u16::try_from(i).unwrap_or(u16::MAX).to_be_bytes());
            data.extend_from_slice(&count.to_be_bytes());
            data.extend_from_slice(c);
            let param = Param::Consistency {
                kind: CONSISTENCY_SUMMARY,
                data: &data,
            };
            if self.iccp.send_app(&param).is_err() {
                self.app_send_failed += 1;
            }
        }
    }

    /// One chunk of the peer's summary.
    fn on_summary_chunk(&mut self, now: Instant, data: &[u8]) {
        let (Some(head), Some(body)) = (data.get(..4), data.get(4..)) else {
            self.app_rejected += 1;
            return;
        };
        let index = u16::from_be_bytes([
            head.first().copied().unwrap_or(0),
            head.get(1).copied().unwrap_or(0),
        ]);
        let count = u16::from_be_bytes([
            head.get(2).copied().unwrap_or(0),
            head.get(3).copied().unwrap_or(0),
        ]);
        if index == 0 {
            self.peer_chunks = Some((0, count, Vec::new()));
        }
        let Some((next, n, buf)) = self.peer_chunks.as_mut() else {
            self.app_rejected += 1;
            return;
        };
        if index != *next || count != *n || count == 0 {
            self.peer_chunks = None;
            self.app_rejected += 1;
            return;
        }
        buf.extend_from_slice(body);
        *next += 1;
        if *next == *n {
            let bytes = core::mem::take(buf);
            self.peer_chunks = None;
            match Summary::decode(&bytes) {
                Ok(s) => {
                    let before = self
                        .peer_summary
                        .as_ref()
                        .map(|p| p.mlags.iter().map(|m| m.id).collect());
                    self.peer_summary = Some(s);
                    self.peer_summary_changed(now, before);
                    self.recompute_holds(now);
                }
                Err(_) => self.app_rejected += 1,
            }
        }
    }

    /// Peer-link lost while the peer lives (proven by its evidence on the backup path, see
    /// [`super::split`]): the side that loses the pair's election takes its MLAG halves out of
    /// the client's aggregator (except those the winner granted it), so there is no split
    /// brain; they come back when the pair reconnects, or when the peer is found dead.
    fn update_isolation(&mut self, now: Instant) {
        let isolate = self.should_isolate();
        if isolate != self.isolated {
            self.isolated = isolate;
            let verdict = self.split.verdict;
            let connected = self.iccp.status() == iccp::Status::Connected;
            self.record(
                now,
                Cause::Isolation {
                    on: isolate,
                    verdict,
                    won: !isolate && verdict == PeerVerdict::AliveSplit,
                    connected,
                },
            );
        }
        // Grants can change what an isolated side keeps without the flag changing.
        self.refresh_identities(now);
        // The isolated side's single-homed ports leave the pair's bridge (standalone), and
        // come back when it ends.
        self.stp_update_mode(now);
        if self.isolated && self.stp.mode == StpMode::Standalone {
            // A granted MLAG stays with this side: its port joins the standalone bridge.
            for id in self.split.granted_to_us() {
                self.stp_add_mlag(now, id);
            }
        }
    }

    /// Runs the consistency check against the peer's summary and holds down (as secondary)
    /// the MLAGs it says are unsafe; releases the others.
    fn recompute_holds(&mut self, now: Instant) {
        let mut held = BTreeSet::new();
        self.consistency = match (&self.peer_summary, self.peer_index) {
            (Some(peer), Some(index)) => {
                let own = Summary::of(&self.cfg);
                let report = match index {
                    PeerIndex::Low => compare(&own, peer),
                    PeerIndex::High => compare(peer, &own),
                };
                if self.iccp.role() == Some(iccp::Role::Secondary) {
                    held = report
                        .mlags
                        .iter()
                        .filter(|(_, o)| *o == Outcome::HeldDown)
                        .map(|(id, _)| *id)
                        .collect();
                }
                // An mlag-id whose twin the peer has not configured (yet): `reconfig`.
                held.extend(self.twin_missing(&report, index));
                Some(report)
            }
            _ => None,
        };
        self.record_holds(now, &held);
        if held != self.held {
            self.held = held;
            self.refresh_identities(now);
        }
        self.sync_twin_holds(now);
    }

    fn send_half(&mut self, mlag: MlagId) {
        let Some(lag) = self.lags.iter().find(|l| l.mlag == Some(mlag)) else {
            return;
        };
        let up = self.halves.get(&mlag).is_some_and(|h| h.local_up);
        let status = self.lacp.lag(lag.id);
        let partner = status.and_then(|s| s.partner_system);
        let state = AggregatorState {
            partner_system: partner.map_or(MacAddr::ZERO, |p| p.mac),
            partner_system_priority: partner.map_or(0, |p| p.priority),
            partner_key: status.and_then(|s| s.partner_key).unwrap_or(0),
            aggregator_id: sat16(lag.id.0),
            actor_key: lag.key,
            // Aggregator State octet: 1 = up (the half distributes), 0 = down.
            aggregator_state: u8::from(up),
        };
        if self
            .iccp
            .send_app(&Param::MlacpAggregatorState(state))
            .is_err()
        {
            self.app_send_failed += 1;
        }
    }

    fn set_half(&mut self, now: Instant, mlag: MlagId, local: Option<bool>, peer: Option<bool>) {
        let Some(h) = self.halves.get_mut(&mlag) else {
            return;
        };
        let before = *h;
        if let Some(l) = local {
            h.local_up = l;
        }
        if let Some(p) = peer {
            h.peer_up = p;
        }
        let after = *h;
        if (before.local_up, before.peer_up) != (after.local_up, after.peer_up) {
            apply_mlag_forwarding(&mut self.dp, mlag, after.local_up, after.peer_up);
            self.record(
                now,
                Cause::Half {
                    mlag,
                    local_up: after.local_up,
                    peer_up: after.peer_up,
                },
            );
        }
        if before.local_up != after.local_up {
            self.evidence_half_changed();
        }
        if before.local_up != after.local_up {
            self.fdb_bond(mlag, after.local_up);
        }
        if before.local_up != after.local_up && self.iccp.status() == iccp::Status::Connected {
            self.send_half(mlag);
        }
        self.stp_sync_mlag(now, mlag);
    }

    fn on_iccp_event(&mut self, now: Instant, e: &iccp::Event) {
        match e {
            iccp::Event::SystemIdChanged(mac) => {
                self.system_id = *mac;
                self.refresh_identities(now);
                self.stp_settings_changed(now);
            }
            iccp::Event::RoleChanged(_) => self.recompute_holds(now),
            iccp::Event::Connected(peer) => {
                // The system-id is settled by now (the election ran on the peer's RG Connect).
                let index = PeerIndex::of_pair(self.bridge_mac, peer.bridge_mac, self.system_id);
                self.peer_index = Some(index);
                self.refresh_identities(now);
                // Not released here: `try_release` waits for the STP authority to be settled
                // and, on the replica, for the catch-up.
                // The claim says whether this peer ran the pair's bridge: an isolated
                // secondary ran its standalone bridge (`StpMode::Standalone`) and claims
                // nothing, so the incumbent's bridge — with what its neighbours told it —
                // stays the pair's (chaos seed 2581: the isolated peer won the tie on its
                // lower address and the pair's bridge restarted from nothing at the rejoin;
                // its neighbours' Designated Ports ignore a new bridge's inferior proposals,
                // 802.1D-2004 §17.27 INFERIOR_DESIGNATED, until their next hello).
                let claim = self.released && self.stp.mode != StpMode::Standalone;
                self.stp.own_claim = claim;
                self.stp.authority = None;
                let claim = [u8::from(claim)];
                self.stp_send(logical::STP_CLAIM, &claim);
                if self.released {
                    self.renumber(now, index);
                }
                // The peer's copy of our state is empty: send every half.
                let ids: Vec<MlagId> = self.halves.keys().copied().collect();
                for id in ids {
                    self.send_half(id);
                }
                self.send_summary();
                self.fdb_connected(now);
            }
            iccp::Event::Disconnected(_) => {
                self.off_clear();
                self.fdb_disconnected(now);
                self.stp.authority = None;
                let ids: Vec<MlagId> = self.halves.keys().copied().collect();
                for id in ids {
                    if let Some(h) = self.halves.get_mut(&id) {
                        h.peer_partner = MacAddr::ZERO;
                    }
                    self.set_half(now, id, None, Some(false));
                }
                // Holds are about agreeing with a connected peer.
                self.peer_summary = None;
                self.peer_chunks = None;
                self.recompute_holds(now);
            }
            _ => {}
        }
    }

    fn on_app(&mut self, now: Instant, msg: &iccp::AppMessage) {
        match msg.param() {
            Ok(Param::Consistency {
                kind: CONSISTENCY_SUMMARY,
                data,
            }) => self.on_summary_chunk(now, data),
            Ok(Param::MlacpAggregatorState(s)) => {
                let id = self
                    .halves
                    .keys()
                    .copied()
                    .find(|id| lacp_key(id.0) == s.actor_key);
                match id {
                    Some(id) => {
                        if let Some(h) = self.halves.get_mut(&id) {
                            h.peer_partner = s.partner_system;
                        }
                        self.set_half(now, id, None, Some(s.aggregator_state == 1));
                    }
                    None => self.app_rejected += 1,
                }
            }
            Ok(Param::Consistency {
                kind: logical::STP_LOG,
                data,
            }) => self.stp_on_log(now, data),
            Ok(Param::Consistency {
                kind: logical::STP_FINGERPRINT,
                data,
            }) => self.stp_on_fingerprint(now, data),
            Ok(Param::Consistency {
                kind: logical::STP_RESYNC,
                ..
            }) => self.stp_on_resync(),
            Ok(Param::Consistency {
                kind: logical::STP_PORT,
                data,
            }) => self.stp_on_port(now, data),
            Ok(Param::Consistency {
                kind: logical::STP_CLAIM,
                data,
            }) => {
                self.stp_on_claim(data);
                self.stp_update_mode(now);
                self.try_release(now);
            }
            Ok(Param::Consistency {
                kind: logical::STP_OUT,
                data,
            }) => self.stp_on_out(data),
            Ok(Param::Consistency {
                kind: logical::STP_OFF_DONE,
                data,
            }) => self.stp_on_off_done(data),
            Ok(Param::Consistency {
                kind: super::split::EVIDENCE_EPOCH,
                data,
            }) => self.on_evidence_epoch(data),
            Ok(Param::StpRelay { port, bpdu }) => self.stp_on_relay(now, port, bpdu),
            Ok(Param::FdbDelta { kind, records }) => self.fdb_on_app(now, kind, records),
            Ok(_) => {}
            Err(_) => self.app_rejected += 1,
        }
    }

    fn on_lacp_event(&mut self, now: Instant, e: lacp::Event) {
        self.record_lacp(now, &e);
        if let lacp::Event::PartnerChanged { port, .. } = e {
            // The peer learns whether the client speaks LACP on this half (LACP fallback).
            let mlag = self
                .members
                .get(&port)
                .and_then(|m| self.lags.get(m.lag))
                .and_then(|l| l.mlag);
            if let Some(id) = mlag
                && self.iccp.status() == iccp::Status::Connected
            {
                self.send_half(id);
            }
        }
        let (port, collecting, distributing) = match e {
            lacp::Event::CollectingChanged { port, collecting } => (port, Some(collecting), None),
            lacp::Event::DistributingChanged { port, distributing } => {
                (port, None, Some(distributing))
            }
            _ => return,
        };
        let Some(m) = self.members.get_mut(&port) else {
            return;
        };
        if let Some(c) = collecting {
            m.collecting = c;
        }
        if let Some(d) = distributing {
            m.distributing = d;
        }
        let (c, d, lag) = (m.collecting, m.distributing, m.lag);
        self.dp.set_member(port, c, d);
        if let Some(mlag) = self.lags.get(lag).and_then(|l| l.mlag) {
            let up = self
                .members
                .values()
                .any(|x| x.lag == lag && x.distributing);
            self.set_half(now, mlag, Some(up), None);
        }
    }

    /// Drains every driver until none has output left.
    pub(super) fn drain(&mut self, now: Instant) {
        self.now = now;
        loop {
            let mut progress = false;
            while let Some(t) = self.iccp.poll_transmit(now, &mut self.buf) {
                progress = true;
                if let Some(frame) = self.buf.get(..t.len) {
                    self.dp.transmit(self.peer_port, frame);
                }
            }
            while let Some(e) = self.iccp.poll_event() {
                progress = true;
                self.record_iccp(now, &e);
                self.evidence_on_iccp(now, &e);
                self.on_iccp_event(now, &e);
                self.update_isolation(now);
                self.stp_update_mode(now);
                self.try_release(now);
                if self.events.len() < EVENTS_MAX {
                    self.events.push(e);
                } else {
                    self.events_dropped += 1;
                }
            }
            while let Some(msg) = self.iccp.poll_app() {
                progress = true;
                self.on_app(now, &msg);
            }
            while let Some(t) = self.lacp.poll_transmit(&mut self.buf) {
                progress = true;
                if let Some(frame) = self.buf.get(..t.len) {
                    self.dp.transmit(t.port, frame);
                }
            }
            while let Some(e) = self.lacp.poll_event() {
                progress = true;
                self.on_lacp_event(now, e);
            }
            if self.stp_drain() {
                progress = true;
            }
            if self.fdb_drain(now) {
                progress = true;
            }
            if !progress && !self.update_fallback(now) {
                break;
            }
        }
    }
}

/// The logical STP bridge (module docs, "One logical STP bridge").
impl<D: Dataplane> Coordinator<D> {
    /// The logical STP bridge this peer runs (authoritative, replica or standalone; `None`
    /// while a replica waits for its catch-up).
    pub fn stp(&self) -> Option<&stp::Bridge> {
        self.stp.bridge.as_ref()
    }

    /// How this peer runs the logical bridge.
    pub fn stp_mode(&self) -> StpMode {
        self.stp.mode
    }

    /// The logical port number of an MLAG.
    pub fn stp_mlag_port(&self, mlag: MlagId) -> Option<PortNo> {
        self.stp.mlag_ports.get(&mlag).copied().map(PortNo)
    }

    /// This peer's ports in the logical bridge: (host port, logical port number) for its
    /// single-homed ports and, for each MLAG with a logical port, its local bond.
    pub fn stp_ports(&self) -> Vec<(PortNo, PortNo)> {
        let mut v: Vec<(PortNo, PortNo)> =
            self.stp.own.iter().map(|(l, h)| (*h, PortNo(*l))).collect();
        for (id, l) in &self.stp.mlag_ports {
            if let Some(host) = self.mlag_bond_port(*id) {
                v.push((host, PortNo(*l)));
            }
        }
        v
    }

    /// Fault injection for tests: the replica's bridge, to make it diverge from the primary's
    /// (the fingerprint check must repair it).
    #[doc(hidden)]
    pub fn stp_replica_mut(&mut self) -> Option<&mut stp::Bridge> {
        if self.stp.mode == StpMode::Replica {
            self.stp.bridge.as_mut()
        } else {
            None
        }
    }

    fn stp_monitor(&self) -> StpMonitor {
        let b = self.stp.bridge.as_ref();
        let tree = b.map(stp::Bridge::tree);
        StpMonitor {
            mode: self.stp.mode,
            bridge_id: b.map(stp::Bridge::bridge_id),
            root: tree.map(|t| t.root_priority.root),
            is_root: tree.is_some_and(|t| t.is_root),
            ready: self.stp.ready,
            in_sync: self.stp.in_sync,
            log_len: self.stp.log.len(),
            log_complete: self.stp.log_complete,
            relayed: self.stp.relayed,
            fingerprint_mismatches: self.stp.fingerprint_mismatches,
            resyncs: self.stp.resyncs,
            rejected: self.stp.rejected,
            takeovers: self.stp.takeovers,
            edge_holds: self.stp.edge_holds,
        }
    }

    fn mlag_bond_port(&self, mlag: MlagId) -> Option<PortNo> {
        self.cfg
            .mlag_bond(mlag)
            .map(|b| self.cfg.port_no(b.interface))
    }

    fn stp_mlag_of_port(&self, port: u16) -> Option<MlagId> {
        self.stp
            .mlag_ports
            .iter()
            .find(|(_, p)| **p == port)
            .map(|(id, _)| *id)
    }

    /// This peer's single-homed bridge ports in configuration order: (host port, settings).
    /// The peer-port is the pair's backplane and MLAG bonds are MLAG ports.
    fn own_stp_ports(&self) -> Vec<(PortNo, stp::PortConfig)> {
        let Some(bridge) = self.cfg.mlag_bridge() else {
            return Vec::new();
        };
        let mlag_bonds: BTreeSet<PortNo> = self
            .halves
            .keys()
            .filter_map(|id| self.mlag_bond_port(*id))
            .collect();
        bridge
            .ports
            .iter()
            .map(|p| (self.cfg.port_no(p.interface), p.stp))
            .filter(|(h, _)| *h != self.peer_port && !mlag_bonds.contains(h))
            .collect()
    }

    /// The host's link of a single-homed port (a bond: up while a slave is; slowest slave).
    fn host_link(&self, host: PortNo) -> stp::LinkState {
        let slaves: Vec<&Member> = self
            .lags
            .iter()
            .position(|l| {
                self.cfg
                    .bond(&l.bond)
                    .map(|b| self.cfg.port_no(b.interface))
                    == Some(host)
            })
            .map(|lag| self.members.values().filter(|m| m.lag == lag).collect())
            .unwrap_or_default();
        let links: Vec<LinkState> = if slaves.is_empty() {
            vec![
                self.host_links
                    .get(&host)
                    .copied()
                    .unwrap_or(LinkState::Down),
            ]
        } else {
            slaves.iter().map(|m| m.link).collect()
        };
        let up = links.iter().filter_map(|l| match l {
            LinkState::Up {
                speed_mbps,
                full_duplex,
            } => Some((*speed_mbps, *full_duplex)),
            LinkState::Down => None,
        });
        match up.min() {
            Some((speed_mbps, full_duplex)) => stp::LinkState::Up {
                speed_mbps,
                full_duplex,
            },
            None => stp::LinkState::Down,
        }
    }

    /// The logical port a frame received on host port `host` belongs to.
    fn stp_port_of_host(&self, host: PortNo) -> Option<u16> {
        if let Some(m) = self.members.get(&host) {
            let lag = self.lags.get(m.lag)?;
            if let Some(id) = lag.mlag {
                return self.stp.mlag_ports.get(&id).copied();
            }
            let bond = self.cfg.bond(&lag.bond)?;
            return self
                .stp
                .own_rev
                .get(&self.cfg.port_no(bond.interface))
                .copied();
        }
        if let Some(l) = self.stp.own_rev.get(&host) {
            return Some(*l);
        }
        self.halves
            .keys()
            .find(|id| self.mlag_bond_port(**id) == Some(host))
            .and_then(|id| self.stp.mlag_ports.get(id).copied())
    }

    /// Records an input of the authoritative (or standalone) bridge: applies it, keeps it in
    /// the log and sends it to the replica when connected as primary.
    fn stp_record(&mut self, now: Instant, op: Op, port: u16, payload: Vec<u8>) {
        let e = Entry {
            seq: self.stp.seq,
            at: now,
            op,
            flags: 0,
            port,
            payload,
        };
        self.stp.seq = self.stp.seq.wrapping_add(1);
        self.stp_apply(&e);
        let bytes = e.encode();
        if self.stp.mode == StpMode::Primary
            && !self.stp.took_over
            && self.iccp.status() == iccp::Status::Connected
        {
            let param = Param::Consistency {
                kind: logical::STP_LOG,
                data: &bytes,
            };
            if self.iccp.send_app(&param).is_err() {
                self.app_send_failed += 1;
            }
        }
        self.stp_keep(bytes);
    }

    fn stp_keep(&mut self, bytes: Vec<u8>) {
        if self.stp.log.len() < STP_LOG_MAX {
            self.stp.log.push(bytes);
        } else {
            self.stp.log_complete = false;
        }
    }

    /// Applies an entry and keeps the bookkeeping both sides share.
    fn stp_apply(&mut self, e: &Entry) {
        let mut region_set = false;
        let applied = if e.op == Op::Region {
            match self.stp.region_parts.add(self.stp.bridge.as_mut(), e) {
                Some(true) => region_set = true,
                Some(false) => self.stp.rejected += 1,
                None => {}
            }
            Applied::Ok
        } else if e.op == Op::Snapshot {
            // A part of an exact catch-up: the bridge and its bookkeeping are replaced once
            // the last part is in.
            match self.stp.snapshot.add(&e.payload, e.at) {
                Some(Ok(r)) => {
                    self.stp.bridge_cfg = *r.bridge.config();
                    self.stp.bridge = Some(r.bridge);
                    self.stp.ports = r.ports;
                    self.stp.links = r.links;
                    self.stp.mlag_ports = r.mlag_ports;
                    // Not in the snapshot: set again where they differ from the config.
                    self.stp.msti_ports.clear();
                }
                Some(Err(())) => self.stp.rejected += 1,
                None => {}
            }
            Applied::Ok
        } else {
            logical::apply(&mut self.stp.bridge, e)
        };
        match applied {
            Applied::Reset => {
                self.stp.msti_ports.clear();
                self.stp.mlag_ports.clear();
                self.stp.ports.clear();
                self.stp.links.clear();
                if let Some(c) = logical::decode_bridge(&e.payload) {
                    self.stp.bridge_cfg = c;
                }
            }
            Applied::Mlag(id, port) => {
                self.stp.mlag_ports.insert(id, port);
            }
            Applied::Ok | Applied::Refused => {}
        }
        match e.op {
            Op::AddPort => {
                if let Some(x) = logical::decode_add(&e.payload) {
                    self.stp.ports.insert(e.port, x);
                }
            }
            Op::RemovePort => {
                self.stp.msti_ports.remove(&e.port);
                self.stp.ports.remove(&e.port);
                self.stp.links.remove(&e.port);
                if let Some(id) = self.stp_mlag_of_port(e.port) {
                    self.stp.mlag_ports.remove(&id);
                }
            }
            Op::Link => {
                if let Some(l) = logical::decode_link(&e.payload) {
                    self.stp.links.insert(e.port, l);
                }
            }
            Op::Bridge => {
                if let Some(c) = logical::decode_bridge(&e.payload) {
                    self.stp.bridge_cfg = c;
                }
            }
            Op::SetPort => {
                if let Some(x) = logical::decode_add(&e.payload)
                    && self.stp.ports.contains_key(&e.port)
                {
                    self.stp.ports.insert(e.port, x);
                }
            }
            Op::MstiPort => {
                if let Some(v) = logical::decode_msti_port(&e.payload)
                    && self.stp.ports.contains_key(&e.port)
                {
                    let m = self.stp.msti_ports.entry(e.port).or_default();
                    for x in v {
                        m.retain(|y| y.id != x.id);
                        if x.priority != 0x80 || x.internal_path_cost.is_some() {
                            m.push(x);
                        }
                    }
                    m.sort_by_key(|x| x.id);
                }
            }
            Op::Genesis | Op::Frame | Op::Timeout | Op::Snapshot | Op::Region => {}
        }
        // 802.1Q-2018 §13.38: a new region restarts the MSTIs with every port Discarding, and
        // the bridge reports no transition for a port that was already Discarding: each peer
        // programs the ports it serves from the bridge's state (the replica's equals the
        // primary's), later transitions come as events.
        if region_set && !self.stp.silent {
            self.stp_apply_states();
        }
        if self.stp.silent
            && let Some(b) = self.stp.bridge.as_mut()
        {
            while b.poll_transmit(&mut self.buf).is_some() {}
            while b.poll_event().is_some() {}
        }
    }

    /// The own ports' numbering: by peer index, Low before any peer.
    fn stp_index(&self) -> PeerIndex {
        self.peer_index.unwrap_or(PeerIndex::Low)
    }

    /// A new bridge: the pair's logical bridge (system-id, own single-homed ports and one port
    /// per MLAG) or, `standalone`, this peer's own (own MAC, single-homed ports only).
    fn stp_genesis(&mut self, now: Instant, standalone: bool) {
        let mut bc = self
            .cfg
            .mlag_bridge()
            .map_or(self.stp.bridge_cfg, |b| b.stp.bridge);
        bc.stale_info_aging = self.stp.stale_info_aging;
        bc.root_sequencing = self.stp.root_sequencing;
        bc.address = if standalone {
            self.bridge_mac
        } else {
            self.system_id
        };
        self.stp.mode = if standalone {
            StpMode::Standalone
        } else {
            StpMode::Primary
        };
        self.stp.log.clear();
        self.stp.log_complete = true;
        self.stp.seq = 0;
        self.stp.awaiting = false;
        self.stp.in_sync = None;
        self.stp.ready = true;
        self.stp_record(now, Op::Genesis, 0, logical::encode_bridge(&bc));
        self.mst_sync_region(now);
        self.stp_add_own(now);
        // A new bridge on links that stayed up: what the neighbours last said on them
        // (`run::last_bpdu`).
        self.stp_replay_rx(now);
        if !standalone {
            let ids: Vec<MlagId> = self.halves.keys().copied().collect();
            for id in ids {
                self.stp_add_mlag(now, id);
            }
        }
        self.stp_apply_states();
    }

    /// Adds this peer's single-homed ports (numbered by its peer index) to the bridge it runs,
    /// or announces them to the primary when this peer is a replica.
    fn stp_add_own(&mut self, now: Instant) {
        let index = self.stp_index();
        self.stp.own.clear();
        self.stp.own_rev.clear();
        for (i, (host, mut pc)) in self.own_stp_ports().into_iter().enumerate() {
            // As for a granted MLAG (`stp_add_mlag`): an operEdge port of the pair's bridge
            // joins this peer's standalone bridge as an edge port (802.1Q-2018 §13.33).
            if self.stp.mode == StpMode::Standalone && self.stp.edge_own.contains(&host) {
                pc.admin_edge = true;
            }
            let Some(n) = stp_port_number(index, sat16(u32::try_from(i + 1).unwrap_or(0))) else {
                continue;
            };
            self.stp.own.insert(n, host);
            self.stp.own_rev.insert(host, n);
            let link = self.host_link(host);
            let add = logical::encode_add(None, &pc);
            if self.stp.mode == StpMode::Replica {
                self.stp_send_port(Op::AddPort, n, &add);
                self.stp.msti_ports.remove(&n);
                self.mst_sync_port(now, n, host);
                self.stp_send_port(Op::Link, n, &logical::encode_link(link));
            } else {
                self.stp_record(now, Op::AddPort, n, add);
                self.mst_sync_port(now, n, host);
                if link != stp::LinkState::Down {
                    self.stp_record(now, Op::Link, n, logical::encode_link(link));
                }
            }
        }
    }

    /// Adds the logical port of `id` (the lowest free number of 3073..=4095) — primary only.
    fn stp_add_mlag(&mut self, now: Instant, id: MlagId) {
        if self.stp.mlag_ports.contains_key(&id) {
            return;
        }
        let used: BTreeSet<u16> = self.stp.mlag_ports.values().copied().collect();
        let Some(n) = (0..super::MLAG_PORTS_MAX)
            .filter_map(mlag_stp_port_number)
            .find(|n| !used.contains(n))
        else {
            return;
        };
        let mut pc = self
            .mlag_bond_port(id)
            .and_then(|h| self.cfg.if_of(h))
            .and_then(|i| self.cfg.mlag_bridge().and_then(|b| b.port(i)))
            .map_or(stp::PortConfig::new(self.system_id), |p| p.stp);
        // Both halves send the MLAG port's BPDUs with one source address: the pair's.
        pc.mac = self.system_id;
        // A granted MLAG joining the isolated side's standalone bridge was an operEdge port of
        // the pair's bridge (the same link, no BPDU ever heard on it): it joins as an edge
        // port — AdminEdge, the management parameter operEdge starts from (802.1Q-2018
        // §13.33 Bridge Detection BEGIN → EDGE, §13.25.13) — so it forwards at once (§13.37,
        // a Designated Port with operEdge) instead of after edge detection (MigrateTime, 3 s).
        // Safe: the first BPDU it receives clears operEdge (§13.30 Port Receive, RECEIVE).
        if self.stp.mode == StpMode::Standalone && self.stp.edge_mlags.contains(&id) {
            pc.admin_edge = true;
        }
        self.stp_record(now, Op::AddPort, n, logical::encode_add(Some(id), &pc));
        if let Some(h) = self.mlag_bond_port(id) {
            self.mst_sync_port(now, n, h);
        }
        self.stp_sync_mlag(now, id);
    }

    /// Primary: gives an MLAG port the link of its halves (up while either is; 802.1Q's
    /// portEnabled of the one logical port).
    fn stp_sync_mlag(&mut self, now: Instant, id: MlagId) {
        // Standalone (isolated) bridges hold only the MLAGs granted to this side.
        if self.stp.mode == StpMode::Replica {
            return;
        }
        let Some(&port) = self.stp.mlag_ports.get(&id) else {
            return;
        };
        let connected = self.iccp.status() == iccp::Status::Connected;
        let h = self.halves.get(&id).copied().unwrap_or_default();
        let up = h.local_up || (h.peer_up && connected);
        // The speed is sticky (the slowest local member seen) so a failover changes no cost.
        let lag = self.lags.iter().position(|l| l.mlag == Some(id));
        let local = self
            .members
            .values()
            .filter(|m| Some(m.lag) == lag)
            .filter_map(|m| match m.link {
                LinkState::Up { speed_mbps, .. } if speed_mbps > 0 => Some(speed_mbps),
                _ => None,
            })
            .min();
        let speed = match (local, self.stp.mlag_speed.get(&id)) {
            (Some(s), Some(old)) => s.min(*old),
            (Some(s), None) => s,
            (None, Some(old)) => *old,
            (None, None) => 1000,
        };
        self.stp.mlag_speed.insert(id, speed);
        let link = if up {
            stp::LinkState::Up {
                speed_mbps: speed,
                full_duplex: true,
            }
        } else {
            stp::LinkState::Down
        };
        let was = self.stp.links.get(&port).copied().unwrap_or_default();
        if was.is_up_state() != up {
            self.stp_record(now, Op::Link, port, logical::encode_link(link));
        }
    }

    /// Programs every port this peer owns with the bridge's current state on every tree
    /// (after a new bridge or a catch-up, whose replay is silent).
    fn stp_apply_states(&mut self) {
        let Some(b) = self.stp.bridge.as_ref() else {
            return;
        };
        let mstids: Vec<u16> = b.mstids().collect();
        let mut calls = Vec::new();
        for (host, l) in self.stp_ports() {
            if self.stp.held && self.stp.own_rev.contains_key(&host) {
                continue;
            }
            let state = b.port(l).map_or(PortState::Discarding, |p| p.state);
            calls.push((host, CIST, state));
            for m in &mstids {
                let s = b.msti_port(l, *m).map_or(PortState::Discarding, |x| x.1);
                calls.push((host, *m, s));
            }
        }
        for (host, tree, state) in calls {
            self.stp_set_host(host, tree, state);
        }
    }

    /// Programs `host` with `state` on `tree` — except an own single-homed port before the
    /// release, which the dataplane holds Discarding (the state is kept for the release).
    /// A booting peer is joined to the survivor by the peer-link, which forwards but carries
    /// none of the bridge's BPDUs: its own bridge cannot see that loop (its uplink and the
    /// survivor's to one bridge), so its ports wait, like its MLAG halves, for the pair's
    /// bridge (the catch-up) or the reload delay (EOS `reload-delay non-mlag` likewise keeps
    /// a reloaded MLAG peer's other ports down).
    fn stp_set_host(&mut self, host: PortNo, tree: stp::TreeId, state: PortState) {
        if !self.released && self.stp.own_rev.contains_key(&host) {
            self.stp.boot_held.insert((host, tree), state);
            self.dp.set_port_state(host, tree, PortState::Discarding);
        } else {
            self.dp.set_port_state(host, tree, state);
        }
    }

    /// Holds this peer's own single-homed ports Discarding on every tree (the bridge's word
    /// for them is ignored until `stp_update_mode` ends the hold).
    fn stp_hold_own(&mut self) {
        if self.stp.held {
            return;
        }
        let mut trees = vec![CIST];
        if let Some(b) = self.stp.bridge.as_ref() {
            trees.extend(b.mstids());
        }
        let hosts: Vec<PortNo> = self.stp.own.values().copied().collect();
        for host in hosts {
            for t in &trees {
                if self.dp_forwarding(host, *t) {
                    self.dp.set_port_state(host, *t, PortState::Discarding);
                    self.record_stp_host(host, *t, PortState::Discarding);
                }
            }
        }
        self.stp.held = true;
    }

    /// Every port this peer has in the bridge it runs discards, on every tree (before the
    /// bridge is replaced).
    fn stp_discard_all(&mut self) {
        self.stp.boot_held.clear();
        self.stp.edge_held.clear();
        self.off_forget();
        let mut trees = vec![CIST];
        if let Some(b) = self.stp.bridge.as_ref() {
            trees.extend(b.mstids());
        }
        for (host, _) in self.stp_ports() {
            for t in &trees {
                if self.dp_forwarding(host, *t) {
                    self.dp.set_port_state(host, *t, PortState::Discarding);
                    self.record_stp_host(host, *t, PortState::Discarding);
                }
            }
        }
    }

    /// Whether the bridge this peer runs lets `host` forward on `tree` (what the dataplane
    /// was last told): used to skip redundant writes only.
    fn dp_forwarding(&self, host: PortNo, tree: stp::TreeId) -> bool {
        let Some(b) = self.stp.bridge.as_ref() else {
            return true;
        };
        let Some(l) = self
            .stp_ports()
            .into_iter()
            .find(|(h, _)| *h == host)
            .map(|x| x.1)
        else {
            return true;
        };
        if tree == CIST {
            b.port(l).is_none_or(|p| p.state != PortState::Discarding)
        } else {
            b.msti_port(l, tree)
                .is_none_or(|x| x.1 != PortState::Discarding)
        }
    }

    /// Routes a BPDU the authoritative (or standalone) bridge emitted on logical port `port`:
    /// on an own port; for the peer's ports, to the peer; on an MLAG port once — on the local
    /// half when it is up, else through the peer's half.
    fn stp_transmit(&mut self, port: u16, frame: &[u8]) {
        // An agreement waits while a switch-off on the peer is unconfirmed (`run::switch_off`);
        // what the peer sends for us follows its Discarding anyway.
        if stp_port_owner(port) != Some(self.stp_index().other()) && self.off_hold_bpdu(port, frame)
        {
            return;
        }
        if let Some(host) = self.stp.own.get(&port) {
            self.dp.transmit(*host, frame);
            return;
        }
        let connected =
            self.stp.mode == StpMode::Primary && self.iccp.status() == iccp::Status::Connected;
        if stp_port_owner(port) == Some(self.stp_index().other()) {
            if connected {
                self.stp_send_out(&logical::Out::Transmit(port, frame));
            }
            return;
        }
        let Some(id) = self.stp_mlag_of_port(port) else {
            return;
        };
        let h = self.halves.get(&id).copied().unwrap_or_default();
        if h.local_up {
            self.stp_send_on_half(id, frame);
        } else if h.peer_up && connected {
            self.stp_send_out(&logical::Out::Transmit(port, frame));
        }
    }

    /// Sends a BPDU of MLAG `id` on one distributing member of the local half.
    fn stp_send_on_half(&mut self, id: MlagId, frame: &[u8]) {
        let lag = self.lags.iter().position(|l| l.mlag == Some(id));
        let member = self
            .members
            .iter()
            .find(|(_, m)| Some(m.lag) == lag && m.distributing)
            .map(|(p, _)| *p);
        if let Some(m) = member {
            self.dp.transmit(m, frame);
        }
    }

    fn stp_send_out(&mut self, out: &logical::Out<'_>) {
        let data = out.encode();
        self.stp_send(logical::STP_OUT, &data);
    }

    /// Programs a port state or flush for a logical port this peer serves (own single-homed
    /// port, or the local half of an MLAG port).
    fn stp_program(&mut self, port: u16, tree: stp::TreeId, state: Option<PortState>) {
        // A replica that took over speaks for the bridge but opens no port until ICCP has
        // settled the peer's fate (`run::stp_watch`); it closes them at once. A replica cut
        // off from the authority opens nothing until its catch-up (`run::cut_off`): what
        // arrives before it was decided during the silence.
        if (self.stp.took_over || self.stp.cut_off)
            && state.is_some_and(|s| s != PortState::Discarding)
        {
            return;
        }
        let (host, loc) = if let Some(host) = self.stp.own.get(&port).copied() {
            if self.stp.held && state.is_some_and(|s| s != PortState::Discarding) {
                return;
            }
            (host, Location::Port(host))
        } else if let Some(id) = self.stp_mlag_of_port(port)
            && let Some(host) = self.mlag_bond_port(id)
        {
            (host, Location::Mlag(id))
        } else {
            return;
        };
        match state {
            Some(s) => {
                if self.off_hold(host, port, loc, tree, s) {
                    return;
                }
                self.stp_set_host(host, tree, s);
                self.record_stp(host, loc, tree, s);
            }
            None => {
                self.dp.fdb_flush(stp_flush(loc, tree));
                self.fdb_stp_flush(loc, tree);
            }
        }
    }

    /// Applies an event of the authoritative (or standalone) bridge: own ports and the local
    /// MLAG halves here; the peer's ports and its MLAG halves through the peer.
    fn stp_event(&mut self, e: stp::Event) {
        let (port, tree, state) = match e {
            stp::Event::PortState { port, tree, state } => (port.get(), tree, Some(state)),
            stp::Event::FlushFdb { port, tree } => (port.get(), tree, None),
            _ => return,
        };
        self.stp_program(port, tree, state);
        let peers = stp_port_owner(port) == Some(self.stp_index().other())
            || self.stp_mlag_of_port(port).is_some();
        if peers && self.stp.mode == StpMode::Primary {
            let out = match state {
                Some(s) => logical::Out::State(port, tree, s),
                None => logical::Out::Flush(port, tree),
            };
            self.stp_send_out(&out);
            // Only a switch-off that went to the peer can be confirmed: a replica that took
            // over sends nothing (`stp_send`), and its agreements must not wait for a hung
            // authority's confirmation (chaos seed 3462).
            if state == Some(PortState::Discarding)
                && self.iccp.status() == iccp::Status::Connected
                && !self.stp.took_over
            {
                self.off_sent(port, tree);
            }
        }
    }

    /// An output of the primary's bridge for this peer (replica).
    fn stp_on_out(&mut self, data: &[u8]) {
        let Some(out) = logical::decode_out(data) else {
            self.stp.rejected += 1;
            return;
        };
        self.stp_heard_authority(self.now);
        if self.stp.mode != StpMode::Replica {
            // Nothing of this peer's follows that bridge: the switch-off is moot.
            if let logical::Out::State(port, tree, PortState::Discarding) = out {
                self.off_confirm(port, tree);
            }
            return;
        }
        match out {
            logical::Out::Transmit(port, frame) => {
                // A BPDU decided during the silence is history (`run::cut_off`).
                if self.stp.cut_off {
                    return;
                }
                if let Some(host) = self.stp.own.get(&port).copied() {
                    self.dp.transmit(host, frame);
                } else if let Some(id) = self.stp_mlag_of_port(port) {
                    self.stp_send_on_half(id, frame);
                } else {
                    self.stp.rejected += 1;
                }
            }
            logical::Out::State(port, tree, s) => {
                self.stp_program(port, tree, Some(s));
                if s == PortState::Discarding {
                    self.off_confirm(port, tree);
                }
            }
            logical::Out::Flush(port, tree) => self.stp_program(port, tree, None),
        }
    }

    /// Drains the bridge's outputs; true if there were any. A replica's outputs are dropped:
    /// what it serves comes from the primary ([`logical::STP_OUT`]), so a replica still
    /// converging never speaks for the pair.
    fn stp_drain(&mut self) -> bool {
        let Some(b) = self.stp.bridge.as_mut() else {
            return false;
        };
        let mut frames = Vec::new();
        while let Some(t) = b.poll_transmit(&mut self.buf) {
            if let Some(f) = self.buf.get(..t.len) {
                frames.push((t.port.get(), f.to_vec()));
            }
        }
        let mut events = Vec::new();
        while let Some(e) = b.poll_event() {
            events.push(e);
        }
        let any = !frames.is_empty() || !events.is_empty();
        if self.stp.mode == StpMode::Replica {
            return any;
        }
        // The events first: a switch-off they send the peer makes an agreement among the
        // frames wait for it (`run::switch_off`).
        for e in events {
            self.stp_event(e);
        }
        for (port, f) in frames {
            self.stp_transmit(port, &f);
        }
        any
    }

    fn stp_send(&mut self, kind: u8, data: &[u8]) {
        // A replica that took over speaks for the bridge alone (`run::stp_watch`).
        if self.iccp.status() != iccp::Status::Connected || self.stp.took_over {
            return;
        }
        if self
            .iccp
            .send_app(&Param::Consistency { kind, data })
            .is_err()
        {
            self.app_send_failed += 1;
        }
    }

    fn stp_send_port(&mut self, op: Op, port: u16, payload: &[u8]) {
        let data = logical::encode_port(op, port, payload);
        self.stp_send(logical::STP_PORT, &data);
    }

    /// A BPDU received on host port `port`.
    fn stp_frame(&mut self, now: Instant, port: PortNo, frame: &[u8]) -> bool {
        let Some(l) = self.stp_port_of_host(port) else {
            return false;
        };
        self.stp_note_rx(now, port, frame);
        match self.stp.mode {
            StpMode::Replica => {
                // 802.1D-2004 §17.25: a BPDU ends an edge port at once (`run::edge_bpdu`).
                self.stp_edge_bpdu(now, port, l);
                // To the primary, which sequences it (802.1Q's one bridge, two chassis).
                self.stp.relayed += 1;
                if self.iccp.status() == iccp::Status::Connected
                    && self
                        .iccp
                        .send_app(&Param::StpRelay {
                            port: l,
                            bpdu: frame,
                        })
                        .is_err()
                {
                    self.app_send_failed += 1;
                }
            }
            StpMode::Primary | StpMode::Standalone => {
                if self.stp.ports.contains_key(&l) {
                    self.stp_record(now, Op::Frame, l, frame.to_vec());
                }
            }
        }
        true
    }

    /// The host's link of a single-homed port changed.
    fn stp_link(&mut self, now: Instant, host: PortNo) {
        let l = if let Some(m) = self.members.get(&host) {
            let Some(bond) = self
                .lags
                .get(m.lag)
                .filter(|lag| lag.mlag.is_none())
                .and_then(|lag| self.cfg.bond(&lag.bond))
            else {
                return;
            };
            self.stp
                .own_rev
                .get(&self.cfg.port_no(bond.interface))
                .copied()
        } else {
            self.stp.own_rev.get(&host).copied()
        };
        let Some(l) = l else { return };
        let Some(bond_or_port) = self.stp.own.get(&l).copied() else {
            return;
        };
        let link = self.host_link(bond_or_port);
        if link == stp::LinkState::Down {
            // What the neighbour said goes with the link (`run::last_bpdu`).
            self.stp.last_rx.remove(&bond_or_port);
        }
        match self.stp.mode {
            StpMode::Replica => self.stp_send_port(Op::Link, l, &logical::encode_link(link)),
            StpMode::Primary | StpMode::Standalone => {
                if self.stp.links.get(&l).copied().unwrap_or_default() != link {
                    self.stp_record(now, Op::Link, l, logical::encode_link(link));
                }
            }
        }
    }

    /// The mode the roles call for, and the transition to it.
    fn stp_update_mode(&mut self, now: Instant) {
        let connected = self.iccp.status() == iccp::Status::Connected;
        if !connected && self.stp.mode != StpMode::Standalone {
            // The peer is gone or isolated (then discarding on its own peer-port).
            self.backplane_open();
        }
        let was_taken = (!connected || self.stp.authority != Some(false))
            && core::mem::take(&mut self.stp.took_over);
        let want = if connected {
            match self.stp.authority {
                Some(true) => StpMode::Primary,
                // A replica that took over from a silent authority (`run::stp_watch`).
                Some(false) if self.stp.took_over => StpMode::Primary,
                Some(false) => StpMode::Replica,
                // Claims not exchanged yet: carry on as before.
                None => return,
            }
        } else if self.isolated {
            StpMode::Standalone
        } else {
            StpMode::Primary
        };
        // The claims are settled (or the peer is gone): the hold of `stp_settings_changed`
        // ends. A peer that stays primary is renumbered below (its re-added ports start
        // Discarding), a replica discards everything: no forwarding instant in between.
        let was_held = core::mem::take(&mut self.stp.held);
        let was = self.stp.mode;
        // A cut-off is a replica's, in step with one connection (`run::cut_off`).
        if want != StpMode::Replica || was != StpMode::Replica {
            self.stp.end_cut_off();
        }
        if want == was {
            if want == StpMode::Primary {
                if !connected {
                    self.stp_peer_lost(now);
                }
                self.stp_renumber(now);
                // The system-id deferred while the claims were in flight.
                self.stp_settings_changed(now);
                // The ports a takeover kept closed open now (`run::stp_watch`).
                if was_held || was_taken {
                    self.stp_apply_states();
                }
                if connected && self.stp.resync_wanted {
                    self.stp.resync_wanted = false;
                    self.stp_serve_catch_up();
                }
            }
            return;
        }
        match want {
            StpMode::Replica => {
                // The standalone bridge's information leaves the neighbours first
                // (`run::withdraw`).
                if was == StpMode::Standalone {
                    self.stp_withdraw_own();
                }
                // This peer's ports join another bridge: none forwards until the catch-up
                // says so.
                self.stp_discard_all();
                self.stp.mode = StpMode::Replica;
                self.stp.bridge = None;
                self.stp.heard = now;
                self.stp.awaiting = true;
                self.stp.ready = false;
                self.stp.in_sync = None;
                self.stp.log.clear();
                self.stp.mlag_ports.clear();
                self.stp.ports.clear();
                self.stp.links.clear();
                self.stp_add_own(now);
                // What the neighbours last said on these ports (`run::last_bpdu`).
                self.stp_replay_rx(now);
                self.stp_request_catch_up(now);
            }
            StpMode::Primary if was == StpMode::Replica && self.stp.bridge.is_some() => {
                // Promotion: the replica carries on with the same Bridge Identifier, and now
                // programs this peer's ports itself.
                self.stp.mode = StpMode::Primary;
                self.stp.awaiting = false;
                self.stp.silent = false;
                self.stp.in_sync = None;
                self.stp_apply_states();
                if !connected {
                    self.stp_peer_lost(now);
                }
                if connected && self.stp.resync_wanted {
                    self.stp.resync_wanted = false;
                    self.stp_serve_catch_up();
                }
            }
            StpMode::Primary => {
                if was == StpMode::Standalone {
                    self.stp_withdraw_own();
                }
                self.stp_discard_all();
                if connected {
                    // The peer may still forward as a bridge of its own (a standalone one,
                    // or a primary that has not heard the claims): until it asks to follow
                    // this bridge — every port of its discarding by then — the backplane
                    // carries nothing, or the two bridges' uplinks would close a loop.
                    self.stp.backplane_wait = true;
                    self.peer_port_program(PortState::Discarding);
                }
                self.stp_genesis(now, false);
            }
            StpMode::Standalone => {
                // A bridge of its own from now on: the peer-link stops carrying data first.
                self.peer_port_program(PortState::Discarding);
                // What the pair's bridge knew of each MLAG's segment: no bridge behind it
                // (operEdge, no BPDU heard). See `stp_add_mlag`.
                self.stp.edge_mlags = self
                    .stp
                    .mlag_ports
                    .iter()
                    .filter(|(_, l)| {
                        self.stp
                            .bridge
                            .as_ref()
                            .and_then(|b| b.port(PortNo(**l)))
                            .is_some_and(|p| p.oper_edge)
                    })
                    .map(|(id, _)| *id)
                    .collect();
                self.stp.edge_own = self
                    .stp
                    .own
                    .iter()
                    .filter(|(l, _)| {
                        self.stp
                            .bridge
                            .as_ref()
                            .and_then(|b| b.port(PortNo(**l)))
                            .is_some_and(|p| p.oper_edge)
                    })
                    .map(|(_, h)| *h)
                    .collect();
                // The pair's information leaves the neighbours before this peer's own
                // bridge speaks on its ports (`run::withdraw`; chaos seeds 3026, 5068).
                self.stp_withdraw_own();
                self.stp_discard_all();
                self.stp_genesis(now, true);
                self.stp.edge_own.clear();
            }
        }
        if was == StpMode::Standalone && !self.stp.backplane_wait {
            // Back in the pair's bridge as its replica, every own port Discarding until the
            // authority decides: the backplane carries data again.
            self.peer_port_program(PortState::Forwarding);
        }
    }

    /// The backplane's wait for the peer ends: it asked to follow this bridge, or it is gone.
    fn backplane_open(&mut self) {
        if core::mem::take(&mut self.stp.backplane_wait) {
            let state = self.peer_port_state();
            self.peer_port_program(state);
        }
    }

    /// The peer-port's data state on every tree. It is the pair's backplane — forwarding on
    /// every tree on both peers — while the two peers are one bridge; an isolated peer's
    /// standalone bridge is a bridge of its own, and a peer-link that comes back between two
    /// bridges that run no spanning tree over it would close a loop through their uplinks
    /// (a link between bridges starts Discarding, 802.1Q-2018 §13.38), so the isolated side
    /// discards on it until it rejoins the pair's bridge, its own ports Discarding then.
    fn peer_port_program(&mut self, state: PortState) {
        let ids: Vec<stp::TreeId> = core::iter::once(CIST)
            .chain(
                self.cfg
                    .mlag_bridge()
                    .into_iter()
                    .flat_map(|b| b.stp.mstis.iter().map(|m| m.id)),
            )
            .collect();
        for id in ids {
            self.dp.set_port_state(self.peer_port, id, state);
        }
    }

    /// What the peer-port's data state is in the current mode ([`Self::peer_port_program`]).
    pub(super) fn peer_port_state(&self) -> PortState {
        if self.stp.mode == StpMode::Standalone || self.stp.backplane_wait {
            PortState::Discarding
        } else {
            PortState::Forwarding
        }
    }

    /// The peer is gone: its single-homed ports leave the bridge, the MLAG ports keep the
    /// local half's link (802.1Q: those links failed, nothing else changed).
    fn stp_peer_lost(&mut self, now: Instant) {
        // This peer's own ports first take the numbers of its current peer index (it may have
        // changed at a connection that ended before the claims settled the authority): numbered
        // under the other index they would be taken for the peer's below and removed without
        // their host ports being told (fuzz finding, `regression-peer-lost-renumber`).
        self.stp_renumber(now);
        let other = self.stp_index().other();
        let gone: Vec<u16> = self
            .stp
            .ports
            .keys()
            .copied()
            .filter(|p| stp_port_owner(*p) == Some(other) && !self.stp.own.contains_key(p))
            .collect();
        for p in gone {
            self.stp_record(now, Op::RemovePort, p, Vec::new());
        }
        // Ports this peer owns but that the bridge lacks (announced while it was replica).
        let missing: Vec<u16> = self
            .stp
            .own
            .keys()
            .copied()
            .filter(|p| !self.stp.ports.contains_key(p))
            .collect();
        if !missing.is_empty() {
            self.stp_add_own(now);
            // 802.1Q-2018 §13.38 (Port State Transition): a port (re)joining the bridge starts
            // Discarding; the host port may still forward on the primary's word of before.
            self.stp_apply_states();
        }
        // Ports whose link changed while this peer was the replica: it reported the change
        // to the authority, which never logged it (it hung or died first; chaos seeds 370,
        // 3893, 6226: an uplink restored during the peer's hang stayed down in the bridge for
        // good). The bridge takes the host's link now (802.1D-2004 §17.19.18: portEnabled
        // follows the MAC's operational state).
        let stale: Vec<(u16, stp::LinkState)> = self
            .stp
            .own
            .iter()
            .filter(|(l, _)| self.stp.ports.contains_key(l))
            .map(|(l, h)| (*l, self.host_link(*h)))
            .filter(|(l, link)| self.stp.links.get(l).copied().unwrap_or_default() != *link)
            .collect();
        for (l, link) in stale {
            self.stp_record(now, Op::Link, l, logical::encode_link(link));
        }
        let ids: Vec<MlagId> = self.halves.keys().copied().collect();
        for id in ids {
            if self.stp.mlag_ports.contains_key(&id) {
                self.stp_sync_mlag(now, id);
            } else {
                self.stp_add_mlag(now, id);
            }
        }
    }

    /// The bridge settings or the system-id changed: the authoritative bridge takes them
    /// (the replica follows the log); a standalone bridge keeps its own address.
    fn stp_settings_changed(&mut self, now: Instant) {
        let Some(mut bc) = self.cfg.mlag_bridge().map(|b| b.stp.bridge) else {
            return;
        };
        bc.stale_info_aging = self.stp.stale_info_aging;
        bc.root_sequencing = self.stp.root_sequencing;
        // A connection's election made this peer High (the system-id is not its MAC) while
        // its own ports are numbered Low: the claims (`stp_update_mode`) will renumber them or
        // make this peer a replica. Until then its bridge keeps its own MAC, and its own ports
        // are held Discarding — what both outcomes begin with (a renumbered or replica port
        // starts Discarding, 802.1D-2004 17.30 / 802.1Q-2018 §13.38).
        // Why not the system-id at once: its BPDUs would then be the pair's Bridge Identifier
        // with the Low Port Identifier, and the pair's later BPDUs for the same link (same
        // Designated Bridge, the High Port Number) are *inferior* to the record each neighbour
        // keeps (802.1D-2004 17.6, 17.21.8): ignored until it ages out (rcvdInfoWhile, 3 ×
        // Hello Time), a reconvergence of the tree 6 s after the pair formed (chaos finding 7).
        // Why hold: under its own MAC (worse than a root pair's) a port could become a Root
        // Port and forward at once (17.29.2) while the peer-link forwards — a loop through the
        // peer.
        let low_numbered = self
            .stp
            .own
            .keys()
            .next()
            .is_some_and(|p| stp_port_owner(*p) == Some(PeerIndex::Low));
        let premature = self.stp.mode == StpMode::Primary
            && self.system_id != self.bridge_mac
            && low_numbered
            && self.iccp.peer_priority().is_some();
        if premature {
            self.stp_hold_own();
            return;
        }
        bc.address = match self.stp.mode {
            StpMode::Primary => self.system_id,
            StpMode::Standalone => self.bridge_mac,
            StpMode::Replica => return,
        };
        if bc != self.stp.bridge_cfg && self.stp.bridge.is_some() {
            self.stp_record(now, Op::Bridge, 0, logical::encode_bridge(&bc));
        }
    }

    /// A bridge port's settings changed: the logical bridge takes the new STP settings of an
    /// own single-homed port (through the primary when this peer is a replica) or, on the
    /// authoritative peer, of an MLAG bond.
    fn stp_port_changed(&mut self, now: Instant, name: &str) {
        let Some(id) = self.cfg.find(name) else {
            return;
        };
        let Some(mut pc) = self
            .cfg
            .mlag_bridge()
            .and_then(|b| b.port(id))
            .map(|p| p.stp)
        else {
            return;
        };
        let host = self.cfg.port_no(id);
        let (l, mlag) = if let Some(l) = self.stp.own_rev.get(&host).copied() {
            (l, None)
        } else if let Some(m) = self
            .halves
            .keys()
            .copied()
            .find(|m| self.mlag_bond_port(*m) == Some(host))
            && let Some(l) = self.stp.mlag_ports.get(&m).copied()
        {
            pc.mac = self.system_id;
            (l, Some(m))
        } else {
            return;
        };
        if mlag.is_none() || self.stp.mode != StpMode::Replica {
            self.mst_sync_port(now, l, host);
        }
        let payload = logical::encode_add(mlag, &pc);
        match self.stp.mode {
            StpMode::Replica if mlag.is_none() => self.stp_send_port(Op::SetPort, l, &payload),
            StpMode::Replica => {}
            StpMode::Primary | StpMode::Standalone => {
                if self.stp.ports.get(&l).map(|x| x.1) != Some(pc) {
                    self.stp_record(now, Op::SetPort, l, payload);
                }
            }
        }
    }

    /// Primary: renumbers its own ports when the peer index says otherwise (once, when a
    /// peer that ran alone meets a peer with a lower MAC).
    fn stp_renumber(&mut self, now: Instant) {
        let index = self.stp_index();
        let Some(first) = self.stp.own.keys().next().copied() else {
            return;
        };
        if stp_port_owner(first) == Some(index) {
            return;
        }
        let old: Vec<u16> = self.stp.own.keys().copied().collect();
        for p in old {
            self.stp_record(now, Op::RemovePort, p, Vec::new());
        }
        self.stp_add_own(now);
        self.stp_apply_states();
    }

    fn stp_request_catch_up(&mut self, now: Instant) {
        self.stp.resyncs += 1;
        self.stp.awaiting = true;
        let hello = Duration::from_secs(u64::from(self.stp.bridge_cfg.hello_time.max(1)));
        self.stp.next_check = now + hello;
        self.stp_send(logical::STP_RESYNC, &[]);
    }

    /// Primary: sends the replica the log since genesis (or, if the log was cut, the bridge's
    /// snapshot in parts), every entry flagged catch-up, then a fingerprint.
    fn stp_serve_catch_up(&mut self) {
        self.stp.resyncs += 1;
        // The peer follows this bridge now, its own ports discarding until told otherwise.
        self.backplane_open();
        let entries: Vec<Vec<u8>> = if self.stp.log_complete {
            self.stp.log.clone()
        } else {
            // The log was cut: the bridge's snapshot, exact (timers relative to the last
            // entry's time, which the replica restores it at).
            let last = self.stp.seq.wrapping_sub(1);
            let at = self
                .stp
                .log
                .last()
                .and_then(|b| Entry::decode(b))
                .map_or(Instant::ZERO, |e| e.at);
            self.stp
                .bridge
                .as_ref()
                .map(|b| logical::snapshot_payloads(b, at, &self.stp.mlag_ports))
                .unwrap_or_default()
                .into_iter()
                .map(|payload| {
                    Entry {
                        seq: last,
                        at,
                        op: Op::Snapshot,
                        flags: 0,
                        port: 0,
                        payload,
                    }
                    .encode()
                })
                .collect()
        };
        let n = entries.len();
        for (i, mut e) in entries.into_iter().enumerate() {
            if let Some(op) = e.get_mut(12) {
                *op |= CATCH_UP;
                if i + 1 == n {
                    *op |= CATCH_UP_END;
                }
            }
            self.stp_send(logical::STP_LOG, &e);
        }
        // The ports the peer serves, as they stand (its replay was silent).
        let mut outs = Vec::new();
        if let Some(b) = self.stp.bridge.as_ref() {
            let other = self.stp_index().other();
            let mstids: Vec<u16> = b.mstids().collect();
            for p in b.ports() {
                let n = p.port.get();
                let serves = stp_port_owner(n) == Some(other)
                    || self.stp.mlag_ports.values().any(|m| *m == n);
                if !serves {
                    continue;
                }
                outs.push(logical::Out::State(n, CIST, p.state).encode());
                for m in &mstids {
                    if let Some((_, s)) = b.msti_port(p.port, *m) {
                        outs.push(logical::Out::State(n, *m, s).encode());
                    }
                }
            }
        }
        for o in outs {
            self.stp_send(logical::STP_OUT, &o);
        }
        self.stp_send_fingerprint();
    }

    fn stp_send_fingerprint(&mut self) {
        let Some(fp) = self.stp.bridge.as_ref().map(stp::Bridge::fingerprint) else {
            return;
        };
        let data = logical::encode_fingerprint(self.stp.seq.wrapping_sub(1), fp);
        self.stp_send(logical::STP_FINGERPRINT, &data);
    }

    /// A log entry from the primary.
    fn stp_on_log(&mut self, now: Instant, data: &[u8]) {
        let Some(e) = Entry::decode(data) else {
            self.stp.rejected += 1;
            return;
        };
        self.stp_heard_authority(now);
        if self.stp.mode != StpMode::Replica {
            return;
        }
        if e.flags & CATCH_UP != 0 {
            // A catch-up starts with a genesis or a snapshot's first part.
            if e.op == Op::Genesis || (e.op == Op::Snapshot && e.payload.starts_with(&[0, 0])) {
                self.stp.awaiting = false;
                self.stp.log.clear();
                self.stp.log_complete = e.seq == 0;
            } else if self.stp.awaiting {
                return;
            }
            self.stp.silent = true;
            self.stp_apply(&e);
            self.stp.silent = false;
            self.stp_keep(
                Entry {
                    flags: 0,
                    ..e.clone()
                }
                .encode(),
            );
            if e.flags & CATCH_UP_END != 0 {
                self.stp.seq = e.seq.wrapping_add(1);
                self.stp.ready = true;
                // The port states that follow are the authority's current ones.
                self.stp.end_cut_off();
                // A snapshot is exact; a rebuilt catch-up (a primary without snapshots)
                // converges like a new bridge: mismatches are expected for 2 × Forward Delay
                // + Max Age.
                let c = self.stp.bridge_cfg;
                let secs = 2 * u64::from(c.forward_delay) + u64::from(c.max_age);
                self.stp.grace_until = if e.op == Op::Snapshot {
                    now
                } else {
                    now + Duration::from_secs(secs)
                };
                self.try_release(now);
            }
            return;
        }
        if self.stp.awaiting {
            return;
        }
        if e.seq != self.stp.seq {
            if e.seq.wrapping_sub(self.stp.seq) < 0x8000_0000 {
                // A gap: entries were lost; the replica can no longer follow.
                self.stp.fingerprint_mismatches += 1;
                self.stp.in_sync = Some(false);
                self.stp_request_catch_up(now);
            }
            // Otherwise a duplicate: already applied.
            return;
        }
        self.stp.seq = e.seq.wrapping_add(1);
        self.stp_apply(&e);
        self.stp_keep(e.encode());
        if e.op == Op::Frame {
            self.stp_edge_decided(e.port);
        }
    }

    /// A fingerprint from the primary.
    fn stp_on_fingerprint(&mut self, now: Instant, data: &[u8]) {
        let Some((seq, fp)) = logical::decode_fingerprint(data) else {
            self.stp.rejected += 1;
            return;
        };
        self.stp_heard_authority(now);
        if self.stp.mode != StpMode::Replica || self.stp.awaiting {
            return;
        }
        let ours = self.stp.bridge.as_ref().map(stp::Bridge::fingerprint);
        if seq.wrapping_add(1) == self.stp.seq && ours == Some(fp) {
            self.stp.in_sync = Some(true);
        } else {
            self.stp.fingerprint_mismatches += 1;
            self.stp.in_sync = Some(false);
            let converging = !self.stp.log_complete && now < self.stp.grace_until;
            if !converging {
                self.stp_request_catch_up(now);
            }
        }
    }

    /// One of the secondary's ports (primary).
    fn stp_on_port(&mut self, now: Instant, data: &[u8]) {
        let Some((op, port, payload)) = logical::decode_port(data) else {
            self.stp.rejected += 1;
            return;
        };
        if self.stp.mode != StpMode::Primary {
            return;
        }
        if stp_port_owner(port) != Some(self.stp_index().other()) {
            self.stp.rejected += 1;
            return;
        }
        let present = self.stp.ports.contains_key(&port);
        match op {
            Op::AddPort => match logical::decode_add(payload) {
                Some((None, _)) if !present => {
                    self.stp_record(now, Op::AddPort, port, payload.to_vec());
                }
                Some((None, _)) => {}
                _ => self.stp.rejected += 1,
            },
            Op::RemovePort if present => self.stp_record(now, Op::RemovePort, port, Vec::new()),
            Op::SetPort if present => match logical::decode_add(payload) {
                Some((None, _)) => self.stp_record(now, Op::SetPort, port, payload.to_vec()),
                _ => self.stp.rejected += 1,
            },
            Op::MstiPort if present => match logical::decode_msti_port(payload) {
                Some(_) => self.stp_record(now, Op::MstiPort, port, payload.to_vec()),
                None => self.stp.rejected += 1,
            },
            Op::Link if present => match logical::decode_link(payload) {
                Some(l) if self.stp.links.get(&port).copied().unwrap_or_default() != l => {
                    self.stp_record(now, Op::Link, port, payload.to_vec());
                }
                Some(_) => {}
                None => self.stp.rejected += 1,
            },
            _ => {}
        }
    }

    /// A BPDU the secondary relayed (primary).
    fn stp_on_relay(&mut self, now: Instant, port: u16, bpdu: &[u8]) {
        if self.stp.mode != StpMode::Primary {
            return;
        }
        let peer_port = stp_port_owner(port) == Some(self.stp_index().other());
        let mlag = self.stp_mlag_of_port(port).is_some();
        if (peer_port || mlag) && self.stp.ports.contains_key(&port) {
            self.stp_record(now, Op::Frame, port, bpdu.to_vec());
        } else {
            self.stp.rejected += 1;
        }
    }

    /// The peer's claim: the authority goes to the peer that ran the pair's bridge with its
    /// halves released (a survivor keeps its converged bridge when the other peer restarts);
    /// between equals, to the lower bridge MAC ([`PeerIndex::Low`]), which both compute alike.
    fn stp_on_claim(&mut self, data: &[u8]) {
        let (Some(peer), None) = (data.first().copied(), data.get(1)) else {
            self.stp.rejected += 1;
            return;
        };
        if peer > 1 || self.stp.authority.is_some() {
            self.stp.rejected += u64::from(peer > 1);
            return;
        }
        let own = self.stp.own_claim;
        self.stp.authority = Some(if own == (peer == 1) {
            self.peer_index == Some(PeerIndex::Low)
        } else {
            own
        });
    }

    fn stp_on_resync(&mut self) {
        if self.stp.mode == StpMode::Primary && self.iccp.status() == iccp::Status::Connected {
            self.stp_serve_catch_up();
        } else {
            self.stp.resync_wanted = true;
        }
    }

    /// Timers of the logical bridge: its own (primary, standalone), the fingerprint
    /// (primary), a catch-up request not answered (replica).
    fn stp_timeout(&mut self, now: Instant) {
        match self.stp.mode {
            StpMode::Primary | StpMode::Standalone => {
                if self
                    .stp
                    .bridge
                    .as_ref()
                    .and_then(stp::Bridge::poll_timeout)
                    .is_some_and(|t| t <= now)
                {
                    self.stp_record(now, Op::Timeout, 0, Vec::new());
                }
                if self.stp.mode == StpMode::Primary
                    && self.iccp.status() == iccp::Status::Connected
                    && now >= self.stp.next_check
                {
                    self.stp_send_fingerprint();
                    let hello =
                        Duration::from_secs(u64::from(self.stp.bridge_cfg.hello_time.max(1)));
                    self.stp.next_check = now + hello;
                }
            }
            StpMode::Replica => {
                if self.stp.awaiting && now >= self.stp.next_check {
                    self.stp_request_catch_up(now);
                }
                self.stp_watch_probe(now);
                self.stp_watch_timeout(now);
                self.stp_cut_off_timeout(now);
                self.stp_edge_timeout(now);
            }
        }
    }

    fn stp_poll_timeout(&self) -> Option<Instant> {
        let connected = self.iccp.status() == iccp::Status::Connected;
        match self.stp.mode {
            StpMode::Primary | StpMode::Standalone => {
                let own = self.stp.bridge.as_ref().and_then(stp::Bridge::poll_timeout);
                let fp =
                    (self.stp.mode == StpMode::Primary && connected).then_some(self.stp.next_check);
                [own, fp].into_iter().flatten().min()
            }
            StpMode::Replica => {
                let catch_up = (self.stp.awaiting && connected).then_some(self.stp.next_check);
                [
                    catch_up,
                    self.stp_watch_deadline(),
                    self.stp_watch_probe_at(),
                    self.stp_cut_off_at(),
                    self.stp_edge_deadline(),
                ]
                .into_iter()
                .flatten()
                .min()
            }
        }
    }

    /// Releases the MLAG halves once the pair is in step: connected, and the STP replica in
    /// place on the secondary (the primary's bridge is the authority).
    pub(super) fn try_release(&mut self, now: Instant) {
        if self.released
            || self.iccp.status() != iccp::Status::Connected
            || self.stp.authority.is_none()
            || !self.fdb_synced()
        {
            return;
        }
        let ready = match self.stp.mode {
            StpMode::Primary => true,
            StpMode::Replica => self.stp.ready,
            StpMode::Standalone => false,
        };
        if ready {
            self.record(now, Cause::Released(ReleaseReason::Synced));
            self.release(now);
        }
    }
}

trait LinkUp {
    fn is_up_state(&self) -> bool;
}

impl LinkUp for stp::LinkState {
    fn is_up_state(&self) -> bool {
        matches!(self, Self::Up { .. })
    }
}
