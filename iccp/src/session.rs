//! The sans-IO ICCP session over the L2 framing or LDP/TCP (documented in the crate docs).

use crate::ldp_session::{LdpCloseReason, LdpEvent, LdpSession, LdpSessionConfig, LdpState};
use crate::types::*;
use crate::wire::l2::{self, Authenticator, L2Flags, L2Frame, L2Header};
use crate::wire::ldp::LdpMessage;
use crate::wire::message::{self, MessageType, RawMessage, RawMessages, StatusCode};
use crate::wire::param::{self, Param};
use crate::wire::{Error as WireError, Tlvs, Writer};
use alloc::collections::VecDeque;
use alloc::string::String;
use alloc::vec::Vec;
use l2_types::{Duration, Instant, MacAddr, Timer};

mod snapshot;
pub use snapshot::{SNAPSHOT_VERSION, SnapshotError};

/// Retired peer incarnations remembered (never adopted again).
const RETIRED_MAX: usize = 8;

/// One unacknowledged DATA frame.
#[derive(Debug, Clone)]
struct Pending {
    seq: u32,
    payload: Vec<u8>,
}

/// How far ahead of the highest frame number seen a frame may be before it is refused
/// ([`RxError::FrameAhead`]) instead of considered. A live peer's frame numbers advance once per
/// frame it sends; between two of its frames we accept it cannot send more than it sends within
/// one silence timeout (3 heartbeats) without our session tearing down and resetting the window.
/// The peer's sending is paced by the data window and our acknowledgements, so 2^16 frames is
/// far beyond any real gap (over 20,000 frames a second for 3 s of total loss), while a frame
/// number damaged or forged in its top 16 bits can no longer touch the window. A real gap
/// beyond it heals itself: the refused frames look like silence, the session restarts.
pub const FRAME_AHEAD_MAX: u32 = 1 << 16;

/// The replay window's width: frames this far behind the top are still checked individually.
const REPLAY_WIDTH: u32 = 64;

/// What [`ReplayWindow::accept`] decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Replay {
    /// New: process it.
    Fresh,
    /// Seen before or older than the window.
    Seen,
    /// More than [`FRAME_AHEAD_MAX`] ahead of the top.
    Ahead,
}

/// Frames a second window must accept, with none accepted by the first in between, before it
/// replaces the first (see [`ReplayWindow`]).
const REPLAY_PROMOTE: u32 = 8;

/// One 64-frame sliding window over frame numbers (RFC 4303 §3.4.3 style).
#[derive(Debug, Clone, Copy)]
struct Window {
    top: u32,
    bits: u64,
}

impl Window {
    const fn at(n: u32) -> Self {
        Self { top: n, bits: 1 }
    }

    /// Checks and records `n` (at most the width behind, any distance ahead).
    fn accept(&mut self, n: u32) -> bool {
        let ahead = n.wrapping_sub(self.top) as i32;
        if ahead > 0 {
            let shift = ahead as u32;
            self.bits = if shift >= REPLAY_WIDTH {
                0
            } else {
                self.bits << shift
            };
            self.bits |= 1;
            self.top = n;
            true
        } else {
            let back = (-(ahead as i64)) as u64;
            if back >= u64::from(REPLAY_WIDTH) {
                return false;
            }
            let bit = 1u64 << back;
            if self.bits & bit != 0 {
                return false;
            }
            self.bits |= bit;
            true
        }
    }

    /// `n` is within this window's reach: at most the width behind or ahead of its top.
    fn near(&self, n: u32) -> bool {
        let d = n.wrapping_sub(self.top) as i32;
        -(REPLAY_WIDTH as i32) < d && d < REPLAY_WIDTH as i32
    }
}

/// The replay check over frame numbers: a 64-frame sliding window (RFC 4303 §3.4.3 style),
/// hardened against damaged (or, without authentication, forged) frame numbers.
///
/// A frame more than the window's width ahead would wipe the window, and every real frame after
/// it would count as a replay until the peer caught up — silence, then a dropped session. Such a
/// frame is therefore accepted into a *second* window, and the first stays where it is; the
/// second replaces the first only after [`REPLAY_PROMOTE`] frames in a row land in it with none
/// in the first. A real gap (a burst of the peer's frames lost) is promoted after a few frames
/// (all accepted meanwhile, so the session never goes silent); damaged numbers scatter and the
/// real stream keeps hitting the first window, which resets the count. Beyond
/// [`FRAME_AHEAD_MAX`] a frame is refused outright.
#[derive(Debug, Clone, Copy, Default)]
struct ReplayWindow {
    main: Option<Window>,
    alt: Option<Window>,
    /// Frames the second window accepted since the first last accepted one.
    alt_run: u32,
}

impl ReplayWindow {
    /// Checks `n`; records it only when fresh.
    fn accept(&mut self, n: u32) -> Replay {
        let Some(main) = self.main.as_mut() else {
            self.main = Some(Window::at(n));
            return Replay::Fresh;
        };
        let ahead = n.wrapping_sub(main.top) as i32;
        if ahead > 0 && ahead as u32 > FRAME_AHEAD_MAX {
            return Replay::Ahead;
        }
        if ahead < REPLAY_WIDTH as i32 {
            if !main.accept(n) {
                return Replay::Seen;
            }
            self.alt_run = 0;
            if self.alt.is_some_and(|a| main.near(a.top)) {
                // The first window caught up with the second.
                self.alt = None;
            }
            return Replay::Fresh;
        }
        match self.alt.as_mut() {
            Some(alt) if alt.near(n) => {
                if !alt.accept(n) {
                    return Replay::Seen;
                }
                self.alt_run += 1;
            }
            _ => {
                self.alt = Some(Window::at(n));
                self.alt_run = 1;
            }
        }
        if self.alt_run >= REPLAY_PROMOTE {
            self.main = self.alt.take();
            self.alt_run = 0;
        }
        Replay::Fresh
    }
}

/// The backup path's replay check: a [`ReplayWindow`] per sender incarnation, the current one
/// and the one before it. The peer's keepalives carry their own frame numbers (one per
/// keepalive, from 1 at each start), so the same bound as the peer-port's applies: a number more
/// than [`FRAME_AHEAD_MAX`] ahead is refused, a smaller jump opens the second window. The
/// previous incarnation's window is kept so that one keepalive with a damaged (or forged) Sender
/// Incarnation cannot make the real sender's next keepalive start a fresh window, which would
/// accept replays of its recent keepalives again.
#[derive(Debug, Clone, Copy, Default)]
struct BackupReplay {
    current: Option<(u32, ReplayWindow)>,
    previous: Option<(u32, ReplayWindow)>,
}

impl BackupReplay {
    /// Checks keepalive `frame_no` from incarnation `sender`; records it only when fresh.
    fn accept(&mut self, sender: u32, frame_no: u32) -> Replay {
        match (self.current, self.previous) {
            (Some((s, _)), _) if s == sender => {}
            (_, Some((s, _))) if s == sender => {
                core::mem::swap(&mut self.current, &mut self.previous);
            }
            _ => {
                self.previous = self.current.take();
                self.current = Some((sender, ReplayWindow::default()));
            }
        }
        self.current
            .as_mut()
            .map_or(Replay::Seen, |(_, w)| w.accept(frame_no))
    }
}

/// `a < b` in sequence space.
fn seq_lt(a: u32, b: u32) -> bool {
    (a.wrapping_sub(b) as i32) < 0
}

/// What a peer's Election v2 TLV adds (constant over a connection but for `generation`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct PeerElectionV2 {
    incumbent: Option<MacAddr>,
    generation: u16,
}

/// The ICCP session: one per peer-port. See the [crate docs](crate) for the run loop.
#[derive(Debug)]
pub struct Session {
    cfg: SessionConfig,
    auth: Option<Authenticator>,
    rng: u64,
    enabled: bool,
    link_up: bool,
    state: State,
    app_state: AppState,
    my_inc: u32,
    peer_inc: u32,
    confirmed: bool,
    challenge: u32,
    /// The last incarnation challenged (kept after the challenge is sent): only it, or a frame
    /// advertising the capability, may replace a connected peer's incarnation.
    challenged: u32,
    /// (our incarnation, the peer's) for queued control messages of a session being torn down.
    control_session: Option<(u32, u32)>,
    retired: [u32; RETIRED_MAX],
    retired_next: usize,
    frame_no: u32,
    replay: ReplayWindow,
    msg_id: u32,
    // transmit stream
    tx_next_seq: u32,
    tx_window: VecDeque<Pending>,
    tx_backlog: VecDeque<(Vec<u8>, bool)>,
    app_backlog: usize,
    resend_from: usize,
    rto: Duration,
    rto_timer: Timer,
    retries: u32,
    // receive stream
    rx_next: u32,
    rx_ooo: VecDeque<Option<Vec<u8>>>,
    rx_app: VecDeque<AppMessage>,
    ack_now: bool,
    ack_timer: Timer,
    unacked: u32,
    // discovery, heartbeat, liveness
    cap_due: bool,
    cap_timer: Timer,
    cap_backoff: Duration,
    hb_due: bool,
    hb_timer: Timer,
    hb_counter: u32,
    silence_timer: Timer,
    connect_timer: Timer,
    /// The `now` of the latest input (for work triggered by `poll_app`).
    last_now: Instant,
    control: VecDeque<Vec<u8>>,
    // backup path
    backup_due: bool,
    backup_timer: Timer,
    backup_deadline: Timer,
    backup_alive: bool,
    backup_replay: BackupReplay,
    backup_frame_no: u32,
    // peer and election
    peer: Option<PeerInfo>,
    peer_election: Option<(u8, MacAddr)>,
    /// The peer's Election v2 data on this connection (`None`: none yet, or a version-1 peer).
    peer_v2: Option<PeerElectionV2>,
    /// Our election generation (advanced on each priority change; never 0).
    elect_gen: u16,
    /// The highest priority of ours the peer may still hold on this connection: the current
    /// one, or higher while a priority change is not yet acknowledged (see `elect`).
    prio_hi: u8,
    /// The peer has acknowledged our current generation on this connection (or acknowledges
    /// nothing): false from a priority change until the peer's Seen names it, whichever way
    /// the priority moved (a side stepping down is not settled before the peer knows it).
    elect_acked: bool,
    /// The host says its clients use `system_id` (MLAG halves up with it).
    sid_in_use: bool,
    /// The incumbent system-id advertised on this connection (fixed when it starts).
    adv_incumbent: Option<MacAddr>,
    role: Option<Role>,
    system_id: MacAddr,
    sent_a_bit: bool,
    events: VecDeque<Event>,
    counters: Counters,
    last_error: Option<LastError>,
    // RFC 7275 transport (LDP over TCP); `None`: the L2 framing.
    ldp: Option<LdpSession>,
    tcp_up: bool,
    ldp_conn: u32,
    // Over LDP, active side: when to ask the host for the next TCP connection.
    reconnect_timer: Timer,
    connect_due: bool,
    reconnect_failures: u32,
}

impl Session {
    /// A session with `cfg` (validated: see [`SessionConfig::validate`]); ICCP is enabled but the
    /// peer-port starts down: call [`Session::handle_link`].
    pub fn try_new(cfg: SessionConfig, now: Instant) -> Result<Self, ConfigError> {
        cfg.validate()?;
        Ok(Self::build(cfg, now))
    }

    fn build(cfg: SessionConfig, now: Instant) -> Self {
        let auth = cfg.key.as_deref().map(Authenticator::new);
        let mut s = Self {
            auth,
            // The start time is an input too: a session restarted with the same seed at another
            // instant still draws new incarnations.
            rng: (cfg.seed ^ 0x9e37_79b9_7f4a_7c15 ^ now.as_nanos().rotate_left(17)).max(1),
            enabled: true,
            link_up: false,
            state: State::Nonexistent,
            app_state: AppState::Nonexistent,
            my_inc: 0,
            peer_inc: 0,
            confirmed: false,
            challenge: 0,
            challenged: 0,
            control_session: None,
            retired: [0; RETIRED_MAX],
            retired_next: 0,
            frame_no: 0,
            replay: ReplayWindow::default(),
            msg_id: 0,
            tx_next_seq: 1,
            tx_window: VecDeque::new(),
            tx_backlog: VecDeque::new(),
            app_backlog: 0,
            resend_from: 0,
            rto: cfg.retransmit_initial,
            rto_timer: Timer::STOPPED,
            retries: 0,
            rx_next: 1,
            rx_ooo: VecDeque::new(),
            rx_app: VecDeque::new(),
            ack_now: false,
            ack_timer: Timer::STOPPED,
            unacked: 0,
            cap_due: false,
            cap_timer: Timer::STOPPED,
            cap_backoff: cfg.discovery_interval,
            hb_due: false,
            hb_timer: Timer::STOPPED,
            hb_counter: 0,
            silence_timer: Timer::STOPPED,
            connect_timer: Timer::STOPPED,
            last_now: now,
            control: VecDeque::new(),
            backup_due: false,
            backup_timer: Timer::STOPPED,
            backup_deadline: Timer::STOPPED,
            backup_alive: false,
            backup_replay: BackupReplay::default(),
            backup_frame_no: 0,
            peer: None,
            peer_election: None,
            peer_v2: None,
            elect_gen: 1,
            prio_hi: cfg.priority,
            elect_acked: true,
            sid_in_use: false,
            adv_incumbent: None,
            role: None,
            system_id: cfg.bridge_mac,
            sent_a_bit: false,
            events: VecDeque::new(),
            counters: Counters::default(),
            last_error: None,
            ldp: None,
            tcp_up: false,
            ldp_conn: 0,
            reconnect_timer: Timer::STOPPED,
            connect_due: false,
            reconnect_failures: 0,
            cfg,
        };
        s.my_inc = s.new_incarnation();
        if s.cfg.backup {
            s.backup_due = true;
        }
        s
    }

    /// Like [`Session::try_new`], but an invalid configuration is clamped into range first
    /// (priority, heartbeat, window, sender name, queue sizes, timers).
    pub fn new(mut cfg: SessionConfig, now: Instant) -> Self {
        cfg.priority = cfg.priority.min(PRIORITY_MAX);
        cfg.heartbeat = cfg.heartbeat.map(|h| h.clamp(HEARTBEAT_MIN, HEARTBEAT_MAX));
        cfg.window = cfg.window.clamp(1, WINDOW_MAX);
        if cfg.sender_name.len() > param::SENDER_NAME_MAX {
            cfg.sender_name = String::from("mlag");
        }
        if cfg.bridge_mac.is_multicast() || cfg.bridge_mac.is_zero() {
            cfg.bridge_mac = MacAddr([2, 0, 0, 0, 0, 1]);
        }
        cfg.send_queue_max = cfg.send_queue_max.max(1);
        cfg.receive_queue_max = cfg.receive_queue_max.max(1);
        cfg.retransmit_initial = cfg.retransmit_initial.max(Duration::from_millis(1));
        cfg.retransmit_max = cfg.retransmit_max.max(cfg.retransmit_initial);
        cfg.discovery_interval = cfg.discovery_interval.max(Duration::from_millis(1));
        cfg.reconnect_max = cfg.reconnect_max.max(cfg.discovery_interval);
        cfg.retransmit_limit = cfg.retransmit_limit.max(1);
        cfg.connect_timeout = cfg.connect_timeout.max(Duration::from_millis(1));
        cfg.reconnect_jitter_percent = cfg.reconnect_jitter_percent.min(RECONNECT_JITTER_MAX);
        debug_assert!(cfg.validate().is_ok());
        Self::build(cfg, now)
    }

    // ----------------------------------------------------------------------------------------
    // getters

    /// The configuration.
    pub fn config(&self) -> &SessionConfig {
        &self.cfg
    }

    /// RFC 7275 connection state.
    pub fn state(&self) -> State {
        self.state
    }

    /// mLACP application connection state.
    pub fn app_state(&self) -> AppState {
        self.app_state
    }

    /// Elected role.
    pub fn role(&self) -> Option<Role> {
        self.role
    }

    /// The system-id.
    pub fn system_id(&self) -> MacAddr {
        self.system_id
    }

    /// Counters.
    pub fn counters(&self) -> &Counters {
        &self.counters
    }

    /// Events waiting in the queue.
    pub fn events_len(&self) -> usize {
        self.events.len()
    }

    /// The peer's priority as last learned from its election data.
    pub fn peer_priority(&self) -> Option<u8> {
        self.peer_election.map(|(p, _)| p)
    }

    /// This session's current incarnation.
    pub fn incarnation(&self) -> u32 {
        self.my_inc
    }

    /// Application messages queued but not yet in a frame, plus frames in flight.
    pub fn send_backlog(&self) -> (usize, usize) {
        (self.app_backlog, self.tx_window.len())
    }

    /// The monitor view.
    pub fn monitor(&self) -> Monitor {
        Monitor {
            status: self.status(),
            state: self.state,
            app_state: self.app_state,
            role: self.role,
            system_id: self.system_id,
            peer: self.peer.clone(),
            backup_alive: self.backup_alive,
            counters: self.counters,
            last_error: self.last_error,
        }
    }

    /// connected | connecting | disabled.
    pub fn status(&self) -> Status {
        if !self.enabled || !self.link_up {
            Status::Disabled
        } else if self.state == State::Operational && self.app_state == AppState::Operational {
            Status::Connected
        } else {
            Status::Connecting
        }
    }

    // ----------------------------------------------------------------------------------------
    // commands

    /// Enables or disables ICCP. Disabling sends an RG Disconnect (Administratively Disabled).
    pub fn set_enabled(&mut self, now: Instant, enabled: bool) {
        if enabled == self.enabled {
            return;
        }
        if !enabled {
            self.send_disconnect(StatusCode::ADMINISTRATIVELY_DISABLED);
            self.enabled = false;
            self.teardown(now, DisconnectReason::Local);
            self.reconnect_timer.stop();
            self.connect_due = false;
        } else {
            self.enabled = true;
            self.start(now);
            // Over LDP, active side: an administrative enable connects at once.
            self.reconnect_failures = 0;
            self.connect_due = self.ldp_active() && !self.tcp_up;
        }
    }

    /// Changes the MLAG priority (0..=128); the peer learns it through a reliable election
    /// update and both sides re-elect. The roles never pass through two primaries: a side that
    /// loses primary by the change steps down at once, a side that gains it waits until the peer
    /// has acknowledged the new data (see "Election" in the [crate docs](crate#election)).
    /// Setting the priority it already has changes nothing.
    pub fn set_priority(&mut self, now: Instant, priority: u8) -> Result<(), ConfigError> {
        if priority > PRIORITY_MAX {
            return Err(ConfigError::Priority(priority));
        }
        let _ = now;
        if priority == self.cfg.priority {
            return Ok(());
        }
        self.cfg.priority = priority;
        self.elect_gen = self.elect_gen.wrapping_add(1).max(1);
        if matches!(self.state, State::Connecting | State::Operational) {
            let p = self.election_params();
            self.queue_message(MessageType::RG_APPLICATION_DATA, &p);
        }
        (self.prio_hi, self.elect_acked) = if self.peer_election.is_some() && self.peer_v2.is_none()
        {
            // A version-1 peer acknowledges nothing: the change counts at once (as before).
            (priority, true)
        } else if self.peer_inc != 0 {
            // The peer may hold any of our data since the last acknowledged one, and its
            // role follows the old data until it acknowledges the new.
            (self.prio_hi.max(priority), false)
        } else {
            (priority, true)
        };
        self.elect();
        Ok(())
    }

    /// Tells the session whether its clients use the current system-id (the host's MLAG halves
    /// run LACP with it). A connection that starts while this is set advertises the system-id
    /// as the incumbent, which a joining peer without one adopts (see "Election" in the
    /// [crate docs](crate#election)). Off by default: the system-id is then the lower bridge MAC.
    pub fn set_system_id_in_use(&mut self, in_use: bool) {
        self.sid_in_use = in_use;
    }

    /// Whether the peer's election data of this connection carries the version-2 fields
    /// (incumbent system-id, generations): `None` before its data has arrived.
    pub fn peer_election_v2(&self) -> Option<bool> {
        self.peer_election.map(|_| self.peer_v2.is_some())
    }

    /// The incumbent system-id this side advertises on its current (or last) connection.
    pub fn incumbent(&self) -> Option<MacAddr> {
        self.adv_incumbent
    }

    /// The incumbent system-id the peer advertises on this connection (`None`: none, or not
    /// known yet, or a version-1 peer).
    pub fn peer_incumbent(&self) -> Option<MacAddr> {
        self.peer_v2.and_then(|v| v.incumbent)
    }

    /// True when the peer has acknowledged our current election data (or acknowledges nothing:
    /// a version-1 peer), so our role follows our current priority.
    pub fn election_settled(&self) -> bool {
        // `prio_hi == priority` alone is not enough: a side that raises its priority (steps
        // down) has it at once, while the peer still elects against the old data.
        self.elect_acked && self.prio_hi == self.cfg.priority
    }

    /// Changes the heartbeat interval (1..=10 s or none).
    pub fn set_heartbeat(
        &mut self,
        now: Instant,
        heartbeat: Option<Duration>,
    ) -> Result<(), ConfigError> {
        if let Some(h) = heartbeat
            && !(HEARTBEAT_MIN..=HEARTBEAT_MAX).contains(&h)
        {
            return Err(ConfigError::Heartbeat(h));
        }
        self.cfg.heartbeat = heartbeat;
        if self.peer_inc != 0 {
            self.arm_heartbeat(now);
            self.arm_silence(now);
        }
        if self.cfg.backup {
            self.backup_timer.start(now, self.backup_interval());
        }
        Ok(())
    }

    /// Queues an application TLV (mLACP or vendor: FDB, STP relay, consistency…) for reliable,
    /// ordered, exactly-once delivery in an RG Application Data message.
    pub fn send_app(&mut self, param: &Param<'_>) -> Result<(), SendError> {
        if self.app_state != AppState::Operational {
            return Err(SendError::NotConnected);
        }
        let allowed = param.is_mlacp() && !matches!(param, Param::MlacpConnect { .. })
            || matches!(
                param,
                Param::FdbDelta { .. }
                    | Param::FdbSnapshot { .. }
                    | Param::StpRelay { .. }
                    | Param::Consistency { .. }
            );
        if !allowed {
            return Err(SendError::NotApplication);
        }
        if self.app_backlog >= self.cfg.send_queue_max {
            return Err(SendError::QueueFull);
        }
        let len = message::ICC_HEADER_LEN + param.buffer_len();
        if len > self.payload_max() {
            return Err(SendError::Encode(WireError::TooLarge("frame payload")));
        }
        let mut buf = alloc::vec![0u8; len];
        self.msg_id = self.msg_id.wrapping_add(1);
        message::emit_icc(
            &mut buf,
            MessageType::RG_APPLICATION_DATA,
            self.msg_id,
            self.cfg.rg_id,
            core::slice::from_ref(param),
        )
        .map_err(SendError::Encode)?;
        self.tx_backlog.push_back((buf, true));
        self.app_backlog += 1;
        self.counters.app_sent += 1;
        Ok(())
    }

    // ----------------------------------------------------------------------------------------
    // inputs

    /// The peer-port went up or down.
    pub fn handle_link(&mut self, now: Instant, link: LinkState) {
        if self.ldp.is_some() {
            // The transport is the TCP connection (`handle_tcp_connected` / `_closed`).
            return;
        }
        let up = link == LinkState::Up;
        if up == self.link_up {
            return;
        }
        self.link_up = up;
        if up {
            self.start(now);
        } else {
            self.teardown(now, DisconnectReason::Local);
        }
    }

    /// Timers. Spurious calls are harmless.
    pub fn handle_timeout(&mut self, now: Instant) {
        self.last_now = self.last_now.max(now);
        if let Some(ldp) = self.ldp.as_mut() {
            ldp.handle_timeout(now);
            self.pump_ldp(now);
        }
        if self.reconnect_timer.fire(now) {
            self.connect_due = true;
        }
        if self.cap_timer.fire(now) {
            self.cap_due = true;
            if self.state == State::CapSent {
                // Reconnect backoff: double up to the ceiling.
                self.cap_backoff = self
                    .cap_backoff
                    .saturating_mul(2)
                    .min(self.cfg.reconnect_max);
            }
            self.arm_capability(now);
        }
        if self.ack_timer.fire(now) {
            self.ack_now = true;
        }
        if self.hb_timer.fire(now) {
            self.hb_due = true;
            self.arm_heartbeat(now);
        }
        if self.backup_timer.fire(now) {
            self.backup_due = true;
            self.backup_timer.start(now, self.backup_interval());
        }
        if self.backup_deadline.fire(now) && self.backup_alive {
            self.backup_alive = false;
            self.push_event(Event::BackupPath { alive: false });
            if self.peer_inc == 0 && self.role.is_some() {
                // Peer-link and backup path both silent: the peer is gone, stand alone.
                self.set_role(Role::Primary);
            }
        }
        if self.silence_timer.fire(now) && self.peer_inc != 0 {
            // Three heartbeat intervals without a frame: the peer is silent.
            self.push_event(Event::PeerSilent {
                peer_alive_on_backup: self.backup_alive,
            });
            self.teardown(now, DisconnectReason::PeerSilent);
        }
        if self.connect_timer.fire(now)
            && self.peer_inc != 0
            && self.app_state != AppState::Operational
        {
            // The handshake stalled (e.g. a message lost to undetected corruption): start over.
            self.teardown(now, DisconnectReason::ConnectTimeout);
        }
        if self.rto_timer.fire(now) && !self.tx_window.is_empty() {
            self.counters.rto_expiries += 1;
            self.retries += 1;
            if self.retries > self.retry_limit() {
                // The gap cannot be recovered: restart and resynchronise.
                self.teardown(now, DisconnectReason::RetransmitLimit);
            } else {
                self.resend_from = 0;
                self.rto = self.rto.saturating_mul(2).min(self.cfg.retransmit_max);
                self.rto_timer.start(now, self.rto);
            }
        }
    }

    /// The next instant `handle_timeout` is needed.
    pub fn poll_timeout(&self) -> Option<Instant> {
        [
            self.cap_timer,
            self.ack_timer,
            self.hb_timer,
            self.backup_timer,
            self.backup_deadline,
            self.silence_timer,
            self.connect_timer,
            self.rto_timer,
            self.reconnect_timer,
        ]
        .iter()
        .filter_map(Timer::deadline)
        .chain(self.ldp.as_ref().and_then(LdpSession::poll_timeout))
        .min()
    }

    /// The next event.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// The next received application TLV, in order.
    pub fn poll_app(&mut self) -> Option<AppMessage> {
        let m = self.rx_app.pop_front();
        if self.rx_ooo.front().is_some_and(Option::is_some) {
            // Frames held back by a full receive queue can go now.
            let (now, before) = (self.last_now, self.rx_next);
            self.drain_rx(now);
            if self.peer_inc != 0 && self.rx_next != before && self.ldp.is_none() {
                self.schedule_ack(now);
            }
        }
        m
    }

    /// A frame received on the peer-port (the whole Ethernet frame).
    pub fn handle_frame(&mut self, now: Instant, frame: &[u8]) -> Result<(), RxError> {
        self.last_now = self.last_now.max(now);
        let r = if self.ldp.is_some() {
            // A session over LDP takes no L2 frames.
            Err(RxError::Disabled)
        } else {
            self.receive(now, frame)
        };
        if let Err(e) = r {
            self.count_rx_error(e);
        } else {
            self.counters.rx_frames += 1;
        }
        r
    }

    /// Bytes received on the backup keepalive path (an ICCP L2 frame as produced by
    /// [`Session::poll_backup_transmit`]).
    pub fn handle_backup(&mut self, now: Instant, bytes: &[u8]) -> Result<(), RxError> {
        let r = self.receive_backup(now, bytes);
        if let Err(e) = r {
            self.count_rx_error(e);
        }
        r
    }

    // ----------------------------------------------------------------------------------------
    // outputs

    /// Writes the next frame for the peer-port into `buf` (at least [`l2::FRAME_MAX`] octets;
    /// a smaller buffer gets nothing).
    pub fn poll_transmit(&mut self, now: Instant, buf: &mut [u8]) -> Option<Transmit> {
        if buf.len() < l2::FRAME_MAX
            || !self.enabled && self.control.is_empty()
            || self.ldp.is_some()
        {
            return None;
        }
        let t = self.next_frame(now, buf);
        if t.is_some() {
            self.counters.tx_frames += 1;
        }
        t
    }

    /// The backup keepalive path's carrier (when the host can see it, e.g. a dedicated link).
    /// Down: the path cannot hear the peer, so it is dead at once instead of 3 keepalive
    /// intervals later — the same outcome as its deadline (alone, this peer is primary). Up:
    /// nothing changes until a keepalive is heard. Additive to [`handle_backup`]'s deadline,
    /// which stays the only input for a routed path whose carrier says nothing.
    ///
    /// [`handle_backup`]: Self::handle_backup
    pub fn handle_backup_link(&mut self, now: Instant, link: LinkState) {
        self.last_now = self.last_now.max(now);
        if link == LinkState::Up {
            return;
        }
        self.backup_deadline.stop();
        if self.backup_alive {
            self.backup_alive = false;
            self.push_event(Event::BackupPath { alive: false });
            if self.peer_inc == 0 && self.role.is_some() {
                // Peer-link and backup path both gone: the peer is gone, stand alone.
                self.set_role(Role::Primary);
            }
        }
    }

    /// Writes the next backup-path keepalive into `buf` (at least 128 octets), if one is due.
    pub fn poll_backup_transmit(&mut self, buf: &mut [u8]) -> Option<Transmit> {
        if !self.backup_due || !self.cfg.backup || !self.enabled {
            return None;
        }
        self.backup_due = false;
        self.backup_frame_no = self.backup_frame_no.wrapping_add(1);
        let hb = self.heartbeat_param();
        let at = l2::ETH_HEADER_LEN + l2::HEADER_LEN;
        let n = {
            let dst = buf.get_mut(at..)?;
            message::emit_icc(
                dst,
                MessageType::RG_APPLICATION_DATA,
                0,
                self.cfg.rg_id,
                &[hb],
            )
            .ok()?
        };
        let header = L2Header {
            flags: L2Flags::default(),
            sender: self.my_inc,
            receiver: self.peer_inc,
            frame_no: self.backup_frame_no,
            seq: 0,
            ack: 0,
        };
        let len =
            l2::finish_frame(buf, self.cfg.bridge_mac, &header, n, self.auth.as_ref()).ok()?;
        self.counters.backup_tx += 1;
        Some(Transmit { len })
    }

    // ----------------------------------------------------------------------------------------
    // internals: lifecycle

    fn new_incarnation(&mut self) -> u32 {
        loop {
            // xorshift64* (Vigna): deterministic from the caller's seed.
            self.rng ^= self.rng >> 12;
            self.rng ^= self.rng << 25;
            self.rng ^= self.rng >> 27;
            let v = (self.rng.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 32) as u32;
            if v != 0 && v != self.my_inc && !self.retired.contains(&v) {
                return v;
            }
        }
    }

    fn set_state(&mut self, to: State) {
        if self.state != to {
            let from = self.state;
            self.state = to;
            self.push_event(Event::StateChanged { from, to });
        }
    }

    fn push_event(&mut self, e: Event) {
        if self.events.len() >= EVENTS_MAX {
            self.counters.events_dropped += 1;
        } else {
            self.events.push_back(e);
        }
    }

    /// NONEXISTENT → INITIALIZED → CAPSENT (RFC 7275 §4.2.1): the transport is up, advertise
    /// the ICCP capability.
    fn start(&mut self, now: Instant) {
        if !self.enabled || !self.link_up || self.state != State::Nonexistent {
            return;
        }
        if self.ldp.is_some() {
            self.ldp_start(now);
            return;
        }
        self.set_state(State::Initialized);
        self.cap_backoff = self.cfg.discovery_interval;
        self.cap_due = true;
        self.arm_capability(now);
        self.set_state(State::CapSent);
        if self.cfg.backup {
            self.backup_timer.start(now, self.backup_interval());
        }
    }

    /// Ends the current connection (if any): retires the peer's incarnation, drops both streams,
    /// draws a new incarnation and goes back to CAPSENT (or NONEXISTENT when disabled / link
    /// down).
    fn teardown(&mut self, now: Instant, reason: DisconnectReason) {
        let was = self.state;
        if matches!(was, State::Connecting | State::Operational | State::CapRec) {
            self.counters.disconnects += 1;
            self.push_event(Event::Disconnected(reason));
        }
        if self.peer_inc != 0 {
            self.retire(self.peer_inc);
        }
        self.peer_inc = 0;
        self.confirmed = false;
        self.reset_streams();
        self.app_state = AppState::Nonexistent;
        self.my_inc = self.new_incarnation();
        self.hb_timer.stop();
        self.hb_due = false;
        self.silence_timer.stop();
        self.connect_timer.stop();
        self.peer_election = None;
        self.peer_v2 = None;
        self.prio_hi = self.cfg.priority;
        self.elect_acked = true;
        // Alone: primary, unless the backup path still hears the peer (then the peer-link failed
        // while the peer lives; keep the role so that the secondary stays down: no split brain).
        if self.role.is_some() && !self.backup_alive {
            self.set_role(Role::Primary);
        }
        if self.ldp.is_some() {
            self.ldp_teardown();
        } else if self.enabled && self.link_up {
            self.set_state(State::CapSent);
            if reason == DisconnectReason::Local {
                self.cap_backoff = self.cfg.discovery_interval;
                self.cap_due = true;
            }
            self.arm_capability(now);
        } else {
            self.set_state(State::Nonexistent);
            self.cap_timer.stop();
            self.cap_due = false;
            // The backup path outlives the peer-link: it is what tells the peer that this
            // peer is alive while the peer-port is down (dual-active detection). It stops
            // only with the session.
            if !self.enabled {
                self.backup_timer.stop();
            }
        }
    }

    fn retire(&mut self, inc: u32) {
        if let Some(slot) = self.retired.get_mut(self.retired_next) {
            *slot = inc;
        }
        self.retired_next = (self.retired_next + 1) % RETIRED_MAX;
    }

    fn reset_streams(&mut self) {
        let dropped = self.app_backlog
            + self
                .tx_window
                .iter()
                .map(|p| count_app_tlvs(&p.payload))
                .sum::<usize>();
        self.counters.app_dropped += dropped as u64;
        self.tx_window.clear();
        self.tx_backlog.clear();
        self.app_backlog = 0;
        self.tx_next_seq = 1;
        self.resend_from = 0;
        self.rto = self.cfg.retransmit_initial;
        self.rto_timer.stop();
        self.retries = 0;
        self.rx_next = 1;
        self.rx_ooo.clear();
        self.ack_now = false;
        self.ack_timer.stop();
        self.unacked = 0;
        self.replay = ReplayWindow::default();
        self.sent_a_bit = false;
    }

    /// Adopts `inc` as the peer's incarnation: CAPSENT/any → CAPREC → CONNECTING
    /// (RFC 7275 §4.2.1: capability received, send RG Connect).
    fn adopt(&mut self, now: Instant, inc: u32, echoed: bool) {
        if self.peer_inc != 0 {
            let reason = DisconnectReason::PeerRestarted;
            // Keep our incarnation (the peer may already know it), restart the streams.
            if matches!(
                self.state,
                State::Connecting | State::Operational | State::CapRec
            ) {
                self.counters.disconnects += 1;
                self.push_event(Event::Disconnected(reason));
            }
            self.retire(self.peer_inc);
            self.reset_streams();
        }
        self.peer_inc = inc;
        self.confirmed = echoed;
        self.challenge = 0;
        self.challenged = 0;
        self.peer_election = None;
        self.peer_v2 = None;
        // A new connection: the peer will know only what we send on it.
        self.prio_hi = self.cfg.priority;
        self.elect_acked = true;
        self.adv_incumbent = self.sid_in_use.then_some(self.system_id);
        self.set_state(State::CapRec);
        self.app_state = AppState::Reset;
        // RFC 7275 §4.2.1 CAPREC: send RG Connect with the mLACP Connect TLV (A = 0) and our
        // election data (vendor TLV, ignored by RFC peers).
        let name = self.cfg.sender_name.clone();
        let [e1, e2] = self.election_params();
        let params = [
            Param::SenderName(&name),
            Param::MlacpConnect {
                version: param::MLACP_VERSION,
                a_bit: false,
                sub_tlvs: &[],
            },
            e1,
            e2,
        ];
        self.queue_message(MessageType::RG_CONNECT, &params);
        self.app_state = AppState::ConnectSent;
        self.set_state(State::Connecting);
        // Tell the peer our incarnation (again) so that it can adopt us as well.
        self.cap_due = self.ldp.is_none();
        self.cap_backoff = self.cfg.discovery_interval;
        self.arm_capability(now);
        self.arm_heartbeat(now);
        self.hb_due = self.cfg.heartbeat.is_some();
        self.arm_silence(now);
        self.connect_timer.start(now, self.cfg.connect_timeout);
    }

    fn arm_capability(&mut self, now: Instant) {
        if self.ldp.is_some() {
            // Over LDP the capability travels in the Initialization message (RFC 5561 §4).
            self.cap_timer.stop();
            self.cap_due = false;
            return;
        }
        // Keep advertising while the peer has not echoed our incarnation.
        if self.enabled && self.link_up && (self.peer_inc == 0 || !self.confirmed) {
            let every = if self.peer_inc == 0 {
                self.cap_backoff
            } else {
                self.cfg.discovery_interval
            };
            self.cap_timer.start(now, every);
        } else {
            self.cap_timer.stop();
        }
    }

    fn arm_heartbeat(&mut self, now: Instant) {
        match self.cfg.heartbeat {
            Some(h) if self.peer_inc != 0 => self.hb_timer.start(now, h),
            _ => self.hb_timer.stop(),
        }
    }

    fn arm_silence(&mut self, now: Instant) {
        match self.cfg.heartbeat {
            Some(h) if self.peer_inc != 0 => self.silence_timer.start(now, h.saturating_mul(3)),
            _ => self.silence_timer.stop(),
        }
    }

    /// Retransmission timeouts in a row without progress that end the stream
    /// ([`DisconnectReason::RetransmitLimit`]): `retransmit_limit`, raised with a heartbeat so
    /// that the last retransmission is sent no sooner than the silence timeout (3 heartbeats)
    /// after the oldest unacknowledged frame was. The L2 framing stands in for RFC 7275's TCP
    /// connection, which does not give up on unacknowledged data before its R2 timeout (RFC
    /// 1122 §4.2.3.5: at least 100 s), while the session's liveness is the hold time (RFC 5036
    /// §2.5.6, our 3 heartbeats): a peer-link silent one way for less than it — the peer still
    /// heard, our frames lost — heals without a restart, as a silence both ways does. Ending
    /// sooner ended only this side's session while the peer, which missed nothing it could
    /// tell, stayed connected (chaos seed 3972).
    fn retry_limit(&self) -> u32 {
        let Some(h) = self.cfg.heartbeat else {
            return self.cfg.retransmit_limit;
        };
        let horizon = h.saturating_mul(3);
        let max = self.cfg.retransmit_max;
        let mut rto = self.cfg.retransmit_initial;
        let mut elapsed = Duration::ZERO;
        let mut expiries: u32 = 0;
        // The backoff doubles to the ceiling (a few dozen rounds at most: `elapsed` grows
        // geometrically), then each timeout waits the ceiling.
        while elapsed < horizon && rto < max {
            elapsed = elapsed.saturating_add(rto);
            expiries = expiries.saturating_add(1);
            rto = rto.saturating_mul(2).min(max);
        }
        if elapsed < horizon {
            let rest = horizon.saturating_sub(elapsed).as_nanos();
            let step = max.as_nanos().max(1);
            let more = u32::try_from(rest.div_ceil(step)).unwrap_or(u32::MAX);
            expiries = expiries.saturating_add(more);
        }
        // Timeout number `expiries` still retransmits (so a silence that ended before it is
        // recovered); the session ends at number `limit + 1`.
        self.cfg.retransmit_limit.max(expiries)
    }

    fn backup_interval(&self) -> Duration {
        self.cfg.heartbeat.unwrap_or(Duration::from_secs(1))
    }

    fn set_role(&mut self, role: Role) {
        if self.role != Some(role) {
            self.role = Some(role);
            self.push_event(Event::RoleChanged(role));
        }
    }

    /// Election: lowest priority, then lowest bridge MAC → primary; system-id = the incumbent's,
    /// else the lowest bridge MAC of the two (sticky: only an election changes it). See
    /// "Election" in the [crate docs](crate#election) for why this never gives two primaries.
    fn elect(&mut self) {
        let Some((peer_prio, peer_mac)) = self.peer_election else {
            return;
        };
        // Our side of the comparison is the highest priority the peer may still hold for us:
        // we claim primary only if we win whatever of our data the peer has.
        let mine = (self.prio_hi, self.cfg.bridge_mac);
        let theirs = (peer_prio, peer_mac);
        if mine == theirs {
            self.last_error = Some(LastError::ElectionTie);
            return;
        }
        self.set_role(if mine < theirs {
            Role::Primary
        } else {
            Role::Secondary
        });
        let lowest = self.cfg.bridge_mac.min(peer_mac);
        let sid = match self.peer_v2 {
            // A version-1 peer knows no incumbent: both compute the lowest MAC.
            None => lowest,
            Some(v2) => match (self.adv_incumbent, v2.incumbent) {
                (None, None) => lowest,
                // One side's clients already use a system-id: the joining side adopts it.
                (Some(sid), None) | (None, Some(sid)) => sid,
                // Both (split brain healing): the lower one, the same on both sides.
                (Some(a), Some(b)) => a.min(b),
            },
        };
        if sid != self.system_id {
            self.system_id = sid;
            self.push_event(Event::SystemIdChanged(sid));
        }
    }

    /// Our election data: the version-1 TLV (for any peer) and the version-2 one.
    fn election_params(&self) -> [Param<'static>; 2] {
        let (flags, incumbent) = match self.adv_incumbent {
            Some(sid) => (param::ELECTION_INCUMBENT, sid),
            None => (0, MacAddr::ZERO),
        };
        [
            Param::Election {
                priority: self.cfg.priority,
                bridge_mac: self.cfg.bridge_mac,
            },
            Param::ElectionV2 {
                priority: self.cfg.priority,
                bridge_mac: self.cfg.bridge_mac,
                flags,
                incumbent,
                generation: self.elect_gen,
                seen: self.peer_v2.map_or(0, |v| v.generation),
            },
        ]
    }

    /// The peer's Election v2 TLV (`update`: in RG Application Data). Returns true when the
    /// peer should hear our data again (it sent a new generation in an update: acknowledge it).
    fn on_election_v2(&mut self, p: &Param<'_>, update: bool) -> bool {
        let Param::ElectionV2 {
            priority,
            bridge_mac,
            flags,
            incumbent,
            generation,
            seen,
        } = *p
        else {
            return false;
        };
        self.peer_election = Some((priority, bridge_mac));
        let before = self.peer_v2.map(|v| v.generation);
        // The incumbent is fixed per connection: the first one received stands.
        let incumbent = match self.peer_v2 {
            Some(v) => v.incumbent,
            // A system-id is a unicast, non-zero MAC: anything else is no incumbent.
            None => (flags & param::ELECTION_INCUMBENT != 0
                && !incumbent.is_zero()
                && !incumbent.is_multicast())
            .then_some(incumbent),
        };
        self.peer_v2 = Some(PeerElectionV2 {
            incumbent,
            generation,
        });
        if seen == self.elect_gen {
            // The peer holds our current data: our priority counts at once.
            self.prio_hi = self.cfg.priority;
            self.elect_acked = true;
        }
        update && before != Some(generation)
    }

    fn heartbeat_param(&mut self) -> Param<'static> {
        self.hb_counter = self.hb_counter.wrapping_add(1);
        let ms = self
            .cfg
            .heartbeat
            .map_or(0, |h| u16::try_from(h.as_millis()).unwrap_or(u16::MAX));
        Param::Heartbeat {
            flags: 0,
            interval_ms: ms,
            counter: self.hb_counter,
        }
    }

    fn payload_max(&self) -> usize {
        l2::PAYLOAD_MAX
    }

    /// Queues a session message (RG Connect, election update) on the reliable stream.
    fn queue_message(&mut self, ty: MessageType, params: &[Param<'_>]) {
        let len = message::ICC_HEADER_LEN + params.iter().map(Param::buffer_len).sum::<usize>();
        let mut buf = alloc::vec![0u8; len];
        self.msg_id = self.msg_id.wrapping_add(1);
        if message::emit_icc(&mut buf, ty, self.msg_id, self.cfg.rg_id, params).is_ok() {
            self.tx_backlog.push_back((buf, false));
        }
    }

    /// Queues an unsequenced control message (NAK, disconnect), bounded.
    fn queue_control(&mut self, ty: MessageType, params: &[Param<'_>]) {
        if self.control.len() >= CONTROL_MAX {
            self.counters.control_dropped += 1;
            return;
        }
        let len = message::ICC_HEADER_LEN + params.iter().map(Param::buffer_len).sum::<usize>();
        let mut buf = alloc::vec![0u8; len];
        self.msg_id = self.msg_id.wrapping_add(1);
        if message::emit_icc(&mut buf, ty, self.msg_id, self.cfg.rg_id, params).is_ok() {
            self.control.push_back(buf);
        }
    }

    fn send_disconnect(&mut self, code: StatusCode) {
        if self.peer_inc != 0 {
            // RFC 7275 §6.1.3: RG Disconnect with the Disconnect Code and the application's
            // Disconnect TLV, sent in the session being torn down.
            self.control_session = Some((self.my_inc, self.peer_inc));
            self.queue_control(
                MessageType::RG_DISCONNECT,
                &[
                    Param::DisconnectCode(code),
                    Param::MlacpDisconnect { sub_tlvs: &[] },
                ],
            );
        }
    }

    fn send_nak(&mut self, status: StatusCode, rejected_id: u32) {
        self.counters.tx_naks += 1;
        let mut params = alloc::vec![Param::Nak {
            status,
            rejected_id
        }];
        if status == StatusCode::INCOMPATIBLE_VERSION {
            // RFC 7275 §6.1.4: a version NAK carries the version we support.
            params.push(Param::RequestedVersion {
                connection_reference: param::MLACP_CONNECT,
                version: param::MLACP_VERSION,
            });
        }
        self.queue_control(MessageType::RG_NOTIFICATION, &params);
    }

    fn count_rx_error(&mut self, e: RxError) {
        let c = &mut self.counters;
        match e {
            RxError::Malformed(_) => c.rx_malformed += 1,
            RxError::Looped => c.rx_looped += 1,
            RxError::AuthFailed => c.rx_auth_failed += 1,
            RxError::Replay => c.rx_replay += 1,
            RxError::FrameAhead(_) => c.rx_frame_ahead += 1,
            RxError::UnexpectedSession => c.rx_unexpected_session += 1,
            RxError::Disabled => c.rx_disabled += 1,
            RxError::OutOfWindow(_) => c.rx_out_of_window += 1,
            RxError::BadAck(_) => c.rx_bad_ack += 1,
            RxError::BeforeConnect => c.rx_before_connect += 1,
            RxError::Backpressure => c.rx_backpressure += 1,
        }
        self.last_error = Some(LastError::Rx(e));
    }

    // ----------------------------------------------------------------------------------------
    // internals: receive

    fn receive(&mut self, now: Instant, bytes: &[u8]) -> Result<(), RxError> {
        let frame = L2Frame::parse(bytes).map_err(RxError::Malformed)?;
        if frame.src == self.cfg.bridge_mac {
            return Err(RxError::Looped);
        }
        self.authenticate(&frame)?;
        if !self.enabled || !self.link_up {
            return Err(RxError::Disabled);
        }
        let h = frame.header;
        if h.sender == 0 {
            return Err(RxError::UnexpectedSession);
        }
        let data = h.flags.contains(L2Flags::DATA);
        // Scan the messages once: well-formed, and is there a capability?
        let mut capability = None;
        for m in RawMessages::new(frame.payload) {
            let m = m.map_err(RxError::Malformed)?;
            if m.msg_type == MessageType::CAPABILITY {
                let ldp = LdpMessage::parse(&m).map_err(RxError::Malformed)?;
                capability = ldp.iccp_capability_tlv().or(capability);
            }
        }
        if let Some((true, major, _)) = capability
            && major != 1
        {
            // RFC 7275 §6.1 / RFC 5561: we speak ICCP 1.x only; another major version cannot
            // connect (visible in the monitor's last error as a bad version).
            return Err(RxError::Malformed(WireError::BadVersion(u16::from(major))));
        }
        if h.sender != self.peer_inc {
            // A new peer incarnation. One we retired comes back only with proof of freshness:
            // an echo of our current incarnation, which is new since we retired it.
            if self.retired.contains(&h.sender) && h.receiver != self.my_inc {
                return Err(RxError::UnexpectedSession);
            }
            let advertises = matches!(capability, Some((true, 1, _))) && !data;
            // While we have a peer, even a capability echoing our incarnation must answer our
            // challenge: a captured capability with one bit of its Sender Incarnation damaged
            // (or forged) would otherwise pass as a peer restart (RFC 7275 §4.2.1 leaves
            // restart detection to the implementation).
            let answered = self.peer_inc == 0 || h.sender == self.challenged;
            if h.receiver == self.my_inc && answered && !matches!(capability, Some((false, _, _))) {
                // It knows our current incarnation: it answered our capability (a challenge
                // round trip when we were connected to another incarnation). While connected,
                // only the incarnation we challenged or one advertising the capability may take
                // over: a data frame whose Sender Incarnation was damaged in transit (or forged)
                // must not tear a working session down.
                self.adopt(now, h.sender, true);
            } else if advertises && self.peer_inc == 0 {
                self.adopt(now, h.sender, false);
            } else if advertises {
                // Connected to another incarnation: challenge the newcomer with our capability
                // (echoing its incarnation); adopt only when it echoes ours back.
                self.cap_due = true;
                self.challenge = h.sender;
                self.challenged = h.sender;
                return Ok(());
            } else {
                return Err(RxError::UnexpectedSession);
            }
        } else if h.receiver != self.my_inc && (h.receiver != 0 || data) {
            return Err(RxError::UnexpectedSession);
        }
        if data {
            // Window check before any state changes.
            let ahead = h.seq.wrapping_sub(self.rx_next);
            if h.seq == 0 || (ahead as i32) >= i32::from(self.cfg.window) {
                return Err(RxError::OutOfWindow(h.seq));
            }
        }
        match self.replay.accept(h.frame_no) {
            Replay::Fresh => {}
            Replay::Seen => return Err(RxError::Replay),
            Replay::Ahead => return Err(RxError::FrameAhead(h.frame_no)),
        }
        let acked_ok = self.check_ack(h.ack);
        // Accepted: the peer is alive.
        self.arm_silence(now);
        if h.receiver == self.my_inc && !self.confirmed {
            self.confirmed = true;
            self.arm_capability(now);
        }
        if h.receiver == 0 {
            // The peer does not know us yet: answer with our capability.
            self.cap_due = true;
        }
        if let Some((false, _, _)) = capability {
            // RFC 5561 §6 / RFC 7275 §4.2.1: capability withdrawn → back to the start.
            self.teardown(now, DisconnectReason::CapabilityWithdrawn);
            return Ok(());
        }
        if acked_ok {
            self.process_ack(now, h.ack);
        }
        if data {
            self.receive_data(now, h.seq, frame.payload)?;
        } else {
            self.process_messages(now, frame.payload, false);
        }
        if !acked_ok {
            return Err(RxError::BadAck(h.ack));
        }
        Ok(())
    }

    fn authenticate(&self, frame: &L2Frame<'_>) -> Result<(), RxError> {
        match (&self.auth, frame.auth) {
            (None, None) => Ok(()),
            (Some(a), Some(tag)) if a.verify(frame.signed, tag) => Ok(()),
            _ => Err(RxError::AuthFailed),
        }
    }

    fn receive_backup(&mut self, now: Instant, bytes: &[u8]) -> Result<(), RxError> {
        let frame = L2Frame::parse(bytes).map_err(RxError::Malformed)?;
        if frame.src == self.cfg.bridge_mac {
            return Err(RxError::Looped);
        }
        self.authenticate(&frame)?;
        if !self.enabled {
            return Err(RxError::Disabled);
        }
        let h = frame.header;
        if h.sender == 0 {
            return Err(RxError::Replay);
        }
        // The peer-port's bound on frame numbers (`FRAME_AHEAD_MAX`, the second window): one
        // keepalive damaged or forged far ahead must not make the real ones replays.
        match self.backup_replay.accept(h.sender, h.frame_no) {
            Replay::Fresh => {}
            Replay::Seen => return Err(RxError::Replay),
            Replay::Ahead => return Err(RxError::FrameAhead(h.frame_no)),
        }
        self.counters.backup_rx += 1;
        self.backup_deadline
            .start(now, self.backup_interval().saturating_mul(3));
        if !self.backup_alive {
            self.backup_alive = true;
            self.push_event(Event::BackupPath { alive: true });
        }
        Ok(())
    }

    fn check_ack(&self, ack: u32) -> bool {
        // Valid: between (first unacked − 1) and (last sent).
        let last_sent = self.tx_next_seq.wrapping_sub(1);
        !seq_lt(last_sent, ack)
    }

    fn process_ack(&mut self, now: Instant, ack: u32) {
        let mut progressed = false;
        while let Some(p) = self.tx_window.front() {
            if seq_lt(ack, p.seq) {
                break;
            }
            self.tx_window.pop_front();
            self.resend_from = self.resend_from.saturating_sub(1);
            progressed = true;
        }
        if progressed {
            self.retries = 0;
            self.rto = self.cfg.retransmit_initial;
            if self.tx_window.is_empty() {
                self.rto_timer.stop();
            } else {
                self.rto_timer.start(now, self.rto);
            }
        }
    }

    /// A DATA frame within the window. `rx_ooo[k]` buffers sequence number `rx_next + k`.
    fn receive_data(&mut self, now: Instant, seq: u32, payload: &[u8]) -> Result<(), RxError> {
        if seq_lt(seq, self.rx_next) {
            // Already delivered: acknowledge again, deliver nothing (exactly once).
            self.counters.rx_duplicate += 1;
            self.ack_now = true;
            return Ok(());
        }
        let offset = seq.wrapping_sub(self.rx_next) as usize;
        let before = self.rx_next;
        let mut blocked = false;
        if offset == 0 && self.has_room(payload) {
            // In order (the fast path): deliver without buffering.
            self.rx_ooo.pop_front();
            self.deliver(now, payload);
        } else {
            if offset > 0 {
                self.counters.rx_out_of_order += 1;
                self.ack_now = true;
            } else {
                // In order but the receive queue is full: keep it, deliver it after `poll_app`.
                blocked = true;
            }
            while self.rx_ooo.len() <= offset {
                self.rx_ooo.push_back(None);
            }
            if let Some(slot) = self.rx_ooo.get_mut(offset)
                && slot.is_none()
            {
                *slot = Some(payload.to_vec());
            }
        }
        self.drain_rx(now);
        if self.peer_inc != 0 && self.rx_next != before {
            self.schedule_ack(now);
        }
        if blocked && self.rx_next == before {
            return Err(RxError::Backpressure);
        }
        Ok(())
    }

    /// Room for a frame's application TLVs. An empty queue takes any frame, so the queue holds at
    /// most `receive_queue_max` plus one frame's TLVs, and a frame is never stuck forever.
    fn has_room(&self, payload: &[u8]) -> bool {
        self.rx_app.is_empty()
            || self.rx_app.len() + count_app_tlvs(payload) <= self.cfg.receive_queue_max
    }

    /// Delivers buffered frames that are now in order, as far as the receive queue allows.
    fn drain_rx(&mut self, now: Instant) {
        while let Some(Some(next)) = self.rx_ooo.front() {
            if !self.has_room(next) || self.peer_inc == 0 {
                break;
            }
            let next = self.rx_ooo.pop_front().flatten().unwrap_or_default();
            self.deliver(now, &next);
        }
    }

    fn schedule_ack(&mut self, now: Instant) {
        self.unacked += 1;
        if self.unacked >= u32::from(self.cfg.window / 4).max(1) {
            self.ack_now = true;
        } else if !self.ack_timer.is_running() {
            self.ack_timer.start(now, self.cfg.ack_delay);
        }
    }

    fn deliver(&mut self, now: Instant, payload: &[u8]) {
        self.rx_next = self.rx_next.wrapping_add(1);
        self.process_messages(now, payload, true);
    }

    /// Processes the messages of a frame (`reliable`: in stream order from a DATA frame).
    fn process_messages(&mut self, now: Instant, payload: &[u8], reliable: bool) {
        for m in RawMessages::new(payload).flatten() {
            if self.peer_inc == 0 {
                return;
            }
            if m.msg_type.is_icc() {
                self.process_icc(now, &m, reliable);
            }
            // Other LDP messages (Capability was handled per frame) are ignored.
        }
    }

    fn process_icc(&mut self, now: Instant, m: &RawMessage<'_>, reliable: bool) {
        let Some(rg) = m.rg_id() else {
            self.reject(m.id, StatusCode::REJECTED_MESSAGE);
            return;
        };
        if rg != self.cfg.rg_id {
            // RFC 7275 §6.1.4 / SONiC: NAK "Unknown ICCP RG".
            self.last_error = Some(LastError::UnknownRg(rg));
            self.reject(m.id, StatusCode::UNKNOWN_RG);
            return;
        }
        // Validate every TLV first: an unknown U=0 TLV rejects the whole message.
        let body = m.body.get(8..).unwrap_or_default();
        let mut skipped = 0u64;
        for t in Tlvs::new(body) {
            match t.map(Param::parse) {
                Ok(Ok(Param::Unknown(_))) => skipped += 1,
                Ok(Ok(_)) => {}
                Ok(Err(_)) | Err(_) => {
                    self.reject(m.id, StatusCode::REJECTED_MESSAGE);
                    return;
                }
            }
        }
        self.counters.rx_unknown_tlvs_skipped += skipped;
        let params = Tlvs::new(body)
            .flatten()
            .filter_map(|t| Param::parse(t).ok().map(|p| (t, p)));
        match m.msg_type {
            MessageType::RG_CONNECT if reliable => {
                let mut name = None;
                let mut app = None;
                for (_, p) in params {
                    match p {
                        Param::SenderName(n) => name = Some(String::from(n)),
                        Param::Election {
                            priority,
                            bridge_mac,
                        } => self.peer_election = Some((priority, bridge_mac)),
                        Param::ElectionV2 { .. } => {
                            self.on_election_v2(&p, false);
                        }
                        Param::MlacpConnect { version, a_bit, .. } => app = Some((version, a_bit)),
                        _ => {}
                    }
                }
                let Some(name) = name else {
                    self.reject(m.id, StatusCode::REJECTED_MESSAGE);
                    return;
                };
                let (prio, mac) = self.peer_election.unwrap_or((PRIORITY_MAX, MacAddr::ZERO));
                self.peer = Some(PeerInfo {
                    name,
                    bridge_mac: mac,
                    priority: prio,
                    incarnation: self.peer_inc,
                });
                // RFC 7275 §4.2.1 CONNECTING: peer's RG Connect received → OPERATIONAL.
                if self.state == State::Connecting {
                    self.set_state(State::Operational);
                }
                self.elect();
                if let Some((version, a_bit)) = app {
                    self.app_connect(now, m.id, version, a_bit);
                }
            }
            MessageType::RG_DISCONNECT => {
                // RFC 7275 §4.2.1: RG Disconnect received → the connection goes down.
                let code = params
                    .filter_map(|(_, p)| match p {
                        Param::DisconnectCode(c) => Some(c),
                        _ => None,
                    })
                    .next()
                    .unwrap_or(StatusCode::RG_REMOVED);
                self.teardown(now, DisconnectReason::PeerDisconnected(code));
            }
            MessageType::RG_NOTIFICATION => {
                for (_, p) in params {
                    if let Param::Nak {
                        status,
                        rejected_id,
                    } = p
                    {
                        self.counters.rx_naks += 1;
                        self.last_error = Some(LastError::PeerNak(status));
                        self.push_event(Event::PeerNak {
                            status,
                            rejected_id,
                        });
                    }
                }
            }
            MessageType::RG_APPLICATION_DATA if !reliable => {
                // Unsequenced application data: heartbeats only.
                for (_, p) in params {
                    if matches!(p, Param::Heartbeat { .. }) {
                        self.counters.rx_heartbeats += 1;
                    }
                }
            }
            MessageType::RG_APPLICATION_DATA => {
                if self.state != State::Operational {
                    self.counters.rx_before_connect += 1;
                    self.last_error = Some(LastError::Rx(RxError::BeforeConnect));
                    self.reject(m.id, StatusCode::REJECTED_MESSAGE);
                    return;
                }
                let mut elected = false;
                let mut echo = false;
                for (tlv, p) in params {
                    match p {
                        Param::Election {
                            priority,
                            bridge_mac,
                        } => {
                            self.peer_election = Some((priority, bridge_mac));
                            if let Some(peer) = self.peer.as_mut() {
                                peer.priority = priority;
                                peer.bridge_mac = bridge_mac;
                            }
                            elected = true;
                        }
                        Param::ElectionV2 {
                            priority,
                            bridge_mac,
                            ..
                        } => {
                            echo |= self.on_election_v2(&p, true);
                            if let Some(peer) = self.peer.as_mut() {
                                peer.priority = priority;
                                peer.bridge_mac = bridge_mac;
                            }
                            elected = true;
                        }
                        Param::Heartbeat { .. } => self.counters.rx_heartbeats += 1,
                        Param::Unknown(_) => {}
                        _ => {
                            let mut bytes = alloc::vec![0u8; tlv.buffer_len()];
                            if tlv.emit(&mut bytes).is_ok() {
                                self.rx_app.push_back(AppMessage(bytes));
                                self.counters.app_received += 1;
                            }
                        }
                    }
                }
                if elected {
                    self.elect();
                }
                if echo {
                    // Acknowledge the peer's new election data (its Seen field is how a side
                    // that gains primary by a priority change learns it may take it).
                    let p = self.election_params();
                    self.queue_message(MessageType::RG_APPLICATION_DATA, &p);
                }
            }
            _ => {
                // An RG Connect outside the stream: ignore (it must be sequenced).
            }
        }
    }

    /// The mLACP application connection (RFC 7275 §4.2 application connection, A-bit).
    fn app_connect(&mut self, now: Instant, id: u32, version: u16, a_bit: bool) {
        let _ = now;
        if version != param::MLACP_VERSION {
            self.last_error = Some(LastError::IncompatibleVersion);
            self.send_nak(StatusCode::INCOMPATIBLE_VERSION, id);
            return;
        }
        if !self.sent_a_bit {
            // We have now received the peer's Connect: answer with A = 1.
            self.sent_a_bit = true;
            // With our election data again: the peer may have missed our first RG Connect
            // (over LDP, a disabled side drops the peer's messages until it is enabled).
            let name = self.cfg.sender_name.clone();
            let [e1, e2] = self.election_params();
            self.queue_message(
                MessageType::RG_CONNECT,
                &[
                    Param::SenderName(&name),
                    Param::MlacpConnect {
                        version: param::MLACP_VERSION,
                        a_bit: true,
                        sub_tlvs: &[],
                    },
                    e1,
                    e2,
                ],
            );
            self.app_state = AppState::ConnectRec;
        }
        if a_bit && self.app_state != AppState::Operational {
            // Both have seen each other's Connect: the application connection is up.
            self.app_state = AppState::Operational;
            self.connect_timer.stop();
            self.counters.connects += 1;
            self.cap_backoff = self.cfg.discovery_interval;
            if let Some(peer) = self.peer.clone() {
                // The connection succeeded: the next reconnect starts from the first delay.
                self.reconnect_failures = 0;
                self.push_event(Event::Connected(peer));
            }
        }
    }

    fn reject(&mut self, id: u32, status: StatusCode) {
        self.counters.rx_rejected_messages += 1;
        self.send_nak(status, id);
    }

    // ----------------------------------------------------------------------------------------
    // internals: transmit

    fn next_header(&mut self, flags: L2Flags, seq: u32) -> L2Header {
        self.frame_no = self.frame_no.wrapping_add(1);
        // Every frame acknowledges everything received in order.
        self.ack_now = false;
        self.unacked = 0;
        self.ack_timer.stop();
        L2Header {
            flags,
            sender: self.my_inc,
            receiver: self.peer_inc,
            frame_no: self.frame_no,
            seq,
            ack: self.rx_next.wrapping_sub(1),
        }
    }

    fn finish(&mut self, buf: &mut [u8], header: &L2Header, len: usize) -> Option<Transmit> {
        l2::finish_frame(buf, self.cfg.bridge_mac, header, len, self.auth.as_ref())
            .ok()
            .map(|len| Transmit { len })
    }

    fn next_frame(&mut self, now: Instant, buf: &mut [u8]) -> Option<Transmit> {
        let at = l2::ETH_HEADER_LEN + l2::HEADER_LEN;
        let room = self.payload_max();
        // 1. Control messages (NAKs, disconnects), and the capability when due.
        if !self.control.is_empty() || self.cap_due {
            let mut len = 0;
            {
                let dst = buf.get_mut(at..at + room)?;
                let mut w = Writer::new(dst);
                if self.cap_due && self.enabled {
                    // RFC 5561 §5 Capability message with the ICCP Capability TLV (S = 1, v1.0).
                    self.msg_id = self.msg_id.wrapping_add(1);
                    if LdpMessage::iccp_capability(self.msg_id, true)
                        .write(&mut w)
                        .is_ok()
                    {
                        self.counters.tx_capabilities += 1;
                    }
                }
                self.cap_due = false;
                while let Some(m) = self.control.front() {
                    if w.pos() + m.len() > room || w.put(m).is_err() {
                        break;
                    }
                    self.control.pop_front();
                }
                len += w.pos();
            }
            let receiver_override = self.challenge;
            let mut h = self.next_header(L2Flags::default(), 0);
            if receiver_override != 0 {
                h.receiver = receiver_override;
                self.challenge = 0;
            }
            if let Some((mine, theirs)) = self.control_session.take() {
                h.sender = mine;
                h.receiver = theirs;
            }
            return self.finish(buf, &h, len);
        }
        if self.peer_inc != 0 {
            // 2. Retransmissions (go-back-N after a timeout).
            if let Some(p) = self.tx_window.get(self.resend_from) {
                let seq = p.seq;
                let n = p.payload.len();
                buf.get_mut(at..at + n)?.copy_from_slice(&p.payload);
                self.resend_from += 1;
                self.counters.retransmits += 1;
                let h = self.next_header(L2Flags::DATA, seq);
                return self.finish(buf, &h, n);
            }
            // 3. New data, window permitting: pack queued messages into one frame.
            if !self.tx_backlog.is_empty() && self.tx_window.len() < usize::from(self.cfg.window) {
                let mut payload = Vec::with_capacity(room);
                while let Some((m, app)) = self.tx_backlog.front() {
                    if payload.len() + m.len() > room {
                        break;
                    }
                    payload.extend_from_slice(m);
                    if *app {
                        self.app_backlog = self.app_backlog.saturating_sub(1);
                    }
                    self.tx_backlog.pop_front();
                }
                let seq = self.tx_next_seq;
                self.tx_next_seq = self.tx_next_seq.wrapping_add(1);
                let n = payload.len();
                buf.get_mut(at..at + n)?.copy_from_slice(&payload);
                self.tx_window.push_back(Pending { seq, payload });
                self.resend_from = self.tx_window.len();
                if !self.rto_timer.is_running() {
                    self.rto_timer.start(now, self.rto);
                }
                self.counters.tx_data_frames += 1;
                let h = self.next_header(L2Flags::DATA, seq);
                return self.finish(buf, &h, n);
            }
            // 4. A pure acknowledgement.
            if self.ack_now {
                self.counters.tx_acks += 1;
                let h = self.next_header(L2Flags::default(), 0);
                return self.finish(buf, &h, 0);
            }
            // 5. Heartbeat.
            if self.hb_due {
                self.hb_due = false;
                let hb = self.heartbeat_param();
                let n = {
                    let dst = buf.get_mut(at..at + room)?;
                    message::emit_icc(
                        dst,
                        MessageType::RG_APPLICATION_DATA,
                        0,
                        self.cfg.rg_id,
                        &[hb],
                    )
                    .ok()?
                };
                self.counters.tx_heartbeats += 1;
                let h = self.next_header(L2Flags::default(), 0);
                return self.finish(buf, &h, n);
            }
        }
        None
    }
}

/// Application TLVs in a frame payload (for queue accounting).
fn count_app_tlvs(payload: &[u8]) -> usize {
    RawMessages::new(payload)
        .flatten()
        .filter(|m| m.msg_type == MessageType::RG_APPLICATION_DATA)
        .map(|m| Tlvs::new(m.body.get(8..).unwrap_or_default()).count())
        .sum()
}

/// Received ICC messages held over LDP before delivery, at most (beyond: the session restarts
/// and resynchronises).
const LDP_HELD_MAX: usize = 4096;

/// RFC 7275's own transport: the same session over an LDP session on TCP (RFC 5036 §2.5.4,
/// ICCP capability in the Initialization message, RFC 5561 §4 / RFC 7275 §6.1, ICC messages in
/// LDP PDUs). See "Over LDP/TCP" in the [crate docs](crate).
impl Session {
    /// A session that runs over an LDP session on TCP (RFC 7275 §6) instead of the L2 framing:
    /// `ldp` names the two LSRs and which side opens the connection. The host opens the TCP
    /// connection and calls [`Session::handle_tcp_connected`]; L2 inputs and outputs
    /// (`handle_link`, `handle_frame`, `poll_transmit`) are unused.
    pub fn new_ldp(cfg: SessionConfig, ldp: LdpSessionConfig, now: Instant) -> Self {
        let mut s = Self::new(cfg, now);
        s.ldp = Some(LdpSession::new(ldp));
        // The host wants the peer: the status is "connecting" until the transport is up.
        s.link_up = true;
        // RFC 5036 §2.5.2: the active side opens the connection; the first attempt is due now.
        s.connect_due = ldp.active;
        s
    }

    /// Like [`Session::new_ldp`], with the configuration validated.
    pub fn try_new_ldp(
        cfg: SessionConfig,
        ldp: LdpSessionConfig,
        now: Instant,
    ) -> Result<Self, ConfigError> {
        cfg.validate()?;
        Ok(Self::new_ldp(cfg, ldp, now))
    }

    /// The LDP session state (`None`: the session runs over the L2 framing).
    pub fn ldp_state(&self) -> Option<LdpState> {
        self.ldp.as_ref().map(LdpSession::state)
    }

    /// Whether the peer's LDP Initialization advertised the ICCP Capability (RFC 7275 §6.1).
    pub fn ldp_peer_iccp(&self) -> bool {
        self.ldp.as_ref().is_some_and(LdpSession::peer_iccp)
    }

    /// True when the LDP session has closed but the TCP connection is still open: the host
    /// writes what [`Session::poll_tcp_transmit`] still returns (a Shutdown notification), closes
    /// the connection, calls [`Session::handle_tcp_closed`] and reconnects (with its backoff).
    pub fn tcp_close_wanted(&self) -> bool {
        self.tcp_up && self.ldp_state() == Some(LdpState::NonExistent)
    }

    /// The TCP connection to the peer is established (RFC 5036 §2.5.4: INITIALIZED); the active
    /// side sends its Initialization with the ICCP Capability TLV.
    pub fn handle_tcp_connected(&mut self, now: Instant) {
        self.last_now = self.last_now.max(now);
        let Some(ldp) = self.ldp.as_mut() else {
            return;
        };
        if self.tcp_up {
            return;
        }
        self.tcp_up = true;
        self.reconnect_timer.stop();
        self.connect_due = false;
        ldp.handle_connected(now);
        self.ldp_start(now);
        self.pump_ldp(now);
    }

    /// Octets received on the TCP connection, in pieces of any size.
    pub fn handle_tcp_bytes(&mut self, now: Instant, bytes: &[u8]) {
        self.last_now = self.last_now.max(now);
        let Some(ldp) = self.ldp.as_mut() else {
            return;
        };
        if !self.tcp_up {
            return;
        }
        ldp.handle_bytes(now, bytes);
        self.pump_ldp(now);
    }

    /// The TCP connection closed or was reset: the RG connection goes down (back to
    /// NONEXISTENT) until the host reconnects; the next [`Event::Connected`] asks for a full
    /// resynchronisation.
    pub fn handle_tcp_closed(&mut self, now: Instant) {
        self.last_now = self.last_now.max(now);
        if self.ldp.is_none() || !self.tcp_up {
            return;
        }
        self.tcp_up = false;
        if let Some(ldp) = self.ldp.as_mut() {
            // Silently: the connection is gone, nothing can be sent on it.
            if ldp.state() != LdpState::NonExistent {
                ldp.close();
            }
            while ldp.poll_transmit().is_some() {}
            while ldp.poll_event().is_some() {}
        }
        self.teardown(now, DisconnectReason::Local);
        self.set_state(State::Nonexistent);
        self.schedule_reconnect(now);
    }

    /// Over LDP, on the active side (RFC 5036 §2.5.2: the higher transport address opens the
    /// connection): true when the host should open the TCP connection now — at creation, on
    /// enabling, and after a failed attempt or a closed connection once the backoff delay
    /// ([`Session::reconnect_delay`]) has passed ([`Session::poll_timeout`] includes that
    /// instant). True once per attempt; the host answers with
    /// [`Session::handle_tcp_connected`] or [`Session::handle_tcp_connect_failed`]. Always false
    /// on the passive side (it waits for the peer's connection), over L2, while disabled and
    /// while connected.
    pub fn poll_tcp_connect(&mut self, now: Instant) -> bool {
        self.last_now = self.last_now.max(now);
        if self.reconnect_timer.fire(now) {
            self.connect_due = true;
        }
        if self.connect_due && self.enabled && !self.tcp_up && self.ldp_active() {
            self.connect_due = false;
            self.counters.tcp_connect_requests += 1;
            return true;
        }
        false
    }

    /// The TCP connection attempt failed (refused, timed out, unreachable): the next one is
    /// asked for after the backoff delay. A report while the next attempt is already scheduled
    /// is ignored.
    pub fn handle_tcp_connect_failed(&mut self, now: Instant) {
        self.last_now = self.last_now.max(now);
        if self.ldp.is_none() || self.tcp_up || self.reconnect_timer.is_running() {
            // Connected, or the next attempt is already scheduled (a repeated report).
            return;
        }
        self.counters.tcp_connect_failures += 1;
        self.schedule_reconnect(now);
    }

    /// The delay before the next connection attempt after `failures` attempts in a row that did
    /// not end in an operational connection: `discovery_interval` × 2^`failures`, at most
    /// `reconnect_max`, less the jitter (up to `reconnect_jitter_percent` of it, drawn from
    /// `seed` and `failures`: the same configuration gives the same delays). The count goes back
    /// to 0 when the mLACP connection becomes operational ([`Event::Connected`]) and on enabling.
    pub fn reconnect_delay(&self, failures: u32) -> Duration {
        let first = self.cfg.discovery_interval;
        let base = first
            .checked_mul(1u32.checked_shl(failures).unwrap_or(u32::MAX))
            .unwrap_or(self.cfg.reconnect_max)
            .min(self.cfg.reconnect_max);
        let pct = u128::from(self.cfg.reconnect_jitter_percent.min(RECONNECT_JITTER_MAX));
        if pct == 0 {
            return base;
        }
        // A uniform fraction in [0, 1) from (seed, failures): SplitMix64's finaliser.
        let mut z = self.cfg.seed ^ u64::from(failures).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        let cut = base.as_nanos() * pct * u128::from(z) / (100 << 64);
        base.saturating_sub(Duration::from_nanos(u64::try_from(cut).unwrap_or(u64::MAX)))
    }

    /// Consecutive connection attempts (or connections) that did not reach an operational
    /// mLACP connection.
    pub fn reconnect_failures(&self) -> u32 {
        self.reconnect_failures
    }

    /// The instant the next connection attempt is due, if one is scheduled.
    pub fn reconnect_at(&self) -> Option<Instant> {
        self.reconnect_timer.deadline()
    }

    fn ldp_active(&self) -> bool {
        self.ldp.as_ref().is_some_and(LdpSession::active)
    }

    /// Arms the timer of the next connection attempt (active side, enabled).
    fn schedule_reconnect(&mut self, now: Instant) {
        self.connect_due = false;
        if !self.enabled || !self.ldp_active() {
            self.reconnect_timer.stop();
            return;
        }
        let delay = self.reconnect_delay(self.reconnect_failures);
        self.reconnect_failures = self.reconnect_failures.saturating_add(1);
        self.reconnect_timer.start(now, delay);
    }

    /// The next LDP PDU to write on the TCP connection (RFC 5036 §3.1: one PDU, header
    /// included). Session messages, NAKs, disconnects, application data and heartbeats are each
    /// sent as one ICC message in its own PDU.
    pub fn poll_tcp_transmit(&mut self, now: Instant) -> Option<Vec<u8>> {
        let _ = now;
        loop {
            let ldp = self.ldp.as_mut()?;
            if let Some(pdu) = ldp.poll_transmit() {
                self.counters.tx_frames += 1;
                return Some(pdu);
            }
            if ldp.state() != LdpState::Operational {
                return None;
            }
            // Feed the LDP session one message at a time, so its queue stays short.
            let msg = if let Some(m) = self.control.pop_front() {
                m
            } else if self.peer_inc == 0 {
                return None;
            } else if let Some((m, app)) = self.tx_backlog.pop_front() {
                if app {
                    self.app_backlog = self.app_backlog.saturating_sub(1);
                }
                self.counters.tx_data_frames += 1;
                m
            } else if self.hb_due {
                self.hb_due = false;
                let hb = self.heartbeat_param();
                let mut b = alloc::vec![0u8; message::ICC_HEADER_LEN + hb.buffer_len()];
                if message::emit_icc(
                    &mut b,
                    MessageType::RG_APPLICATION_DATA,
                    0,
                    self.cfg.rg_id,
                    &[hb],
                )
                .is_err()
                {
                    return None;
                }
                self.counters.tx_heartbeats += 1;
                b
            } else {
                return None;
            };
            if let Some(ldp) = self.ldp.as_mut() {
                let _ = ldp.send_icc(&msg);
            }
        }
    }

    /// Over LDP: the transport is up (INITIALIZED, our capability goes out in the
    /// Initialization message: CAPSENT); when the LDP session is already operational with a peer
    /// that advertised ICCP, go on to CAPREC at once.
    fn ldp_start(&mut self, now: Instant) {
        if !self.enabled
            || !self.tcp_up
            || self.state != State::Nonexistent
            || matches!(self.ldp_state(), None | Some(LdpState::NonExistent))
        {
            return;
        }
        self.set_state(State::Initialized);
        self.set_state(State::CapSent);
        if self.ldp_state() == Some(LdpState::Operational) && self.ldp_peer_iccp() {
            self.ldp_adopt(now);
        }
    }

    /// CAPSENT → CAPREC → CONNECTING (RFC 7275 §4.2.1) for a new LDP connection.
    fn ldp_adopt(&mut self, now: Instant) {
        self.ldp_conn = self.ldp_conn.wrapping_add(1).max(1);
        let conn = self.ldp_conn;
        self.adopt(now, conn, true);
    }

    /// Handles what the LDP session reported.
    fn pump_ldp(&mut self, now: Instant) {
        while let Some(e) = self.ldp.as_mut().and_then(LdpSession::poll_event) {
            match e {
                LdpEvent::Operational { peer_iccp } => {
                    if !peer_iccp {
                        // RFC 7275 §6.1: a peer without the ICCP Capability: no RG connection
                        // (stay in CAPSENT, send no ICC message).
                        self.last_error = Some(LastError::IncompatibleVersion);
                    } else if self.enabled && self.state == State::CapSent {
                        self.ldp_adopt(now);
                    }
                }
                LdpEvent::Icc(bytes) => self.ldp_receive(now, bytes),
                LdpEvent::Notification { .. } => {}
                LdpEvent::Closed(reason) => {
                    let reason = match reason {
                        LdpCloseReason::KeepAliveExpired => DisconnectReason::PeerSilent,
                        LdpCloseReason::Malformed(e) => {
                            self.count_rx_error(RxError::Malformed(e));
                            DisconnectReason::Local
                        }
                        LdpCloseReason::BadLdpIdentifier => {
                            self.count_rx_error(RxError::UnexpectedSession);
                            DisconnectReason::Local
                        }
                        LdpCloseReason::PeerNotification(_) => DisconnectReason::PeerRestarted,
                        LdpCloseReason::UnexpectedMessage(_) | LdpCloseReason::Local => {
                            DisconnectReason::Local
                        }
                    };
                    self.teardown(now, reason);
                }
            }
        }
    }

    /// One ICC message from the LDP session: in stream order, reliable (TCP).
    fn ldp_receive(&mut self, now: Instant, bytes: Vec<u8>) {
        if self.peer_inc == 0 || !self.enabled {
            self.count_rx_error(RxError::Disabled);
            return;
        }
        self.counters.rx_frames += 1;
        // Any ICC message proves the peer alive.
        self.arm_silence(now);
        if heartbeat_only(&bytes) {
            self.process_messages(now, &bytes, false);
            return;
        }
        if self.rx_ooo.len() >= LDP_HELD_MAX {
            // The application does not drain `poll_app`: restart and resynchronise.
            self.count_rx_error(RxError::Backpressure);
            self.teardown(now, DisconnectReason::RetransmitLimit);
            return;
        }
        self.rx_ooo.push_back(Some(bytes));
        self.drain_rx(now);
    }

    /// Over LDP, after the streams were reset: send what is queued (an RG Disconnect) and close
    /// the LDP session (NONEXISTENT); the host closes the TCP connection and reconnects.
    fn ldp_teardown(&mut self) {
        self.control_session = None;
        if let Some(ldp) = self.ldp.as_mut() {
            if ldp.state() == LdpState::Operational {
                while let Some(m) = self.control.pop_front() {
                    let _ = ldp.send_icc(&m);
                }
            }
            if ldp.state() != LdpState::NonExistent {
                ldp.close();
            }
            while ldp.poll_event().is_some() {}
        }
        self.control.clear();
        self.set_state(State::Nonexistent);
        self.cap_timer.stop();
        self.cap_due = false;
    }
}

/// An RG Application Data message that carries heartbeats only (sent outside the ordered
/// application stream).
fn heartbeat_only(msg: &[u8]) -> bool {
    let Ok((m, _)) = RawMessage::parse(msg) else {
        return false;
    };
    m.msg_type == MessageType::RG_APPLICATION_DATA
        && Tlvs::new(m.body.get(8..).unwrap_or_default())
            .all(|t| t.is_ok_and(|t| matches!(Param::parse(t), Ok(Param::Heartbeat { .. }))))
}
