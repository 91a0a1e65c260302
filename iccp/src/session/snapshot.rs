//! Snapshot and restore of an L2 [`Session`], for a hitless restart of the process that hosts
//! it (`mlag-core`'s `Coordinator::snapshot`).
//!
//! The peer must see nothing: the restored session keeps both incarnations, the frame-number
//! counter and the replay window, the reliable stream in both directions (sequence numbers,
//! the unacknowledged frames and the backlog, out-of-order frames held), the RG and mLACP
//! connection states, the peer's identity, the election (role, system-id, generation, the
//! incumbent advertised) and the backup path. RFC 7275 leaves the transport's state to the
//! implementation (§5: ICCP only needs a reliable, in-order channel), so a session that
//! resumes exactly where it stopped is indistinguishable from one that paused: frames the peer
//! sent meanwhile were not acknowledged and are retransmitted (this crate's L2 reliability),
//! and a pause shorter than three heartbeats raises no silence on either side.
//!
//! Timers are stored as *remaining* durations and re-armed relative to the `now` of
//! [`Session::restore`], so the pause (the control plane being down) is invisible to the
//! timers too. The configuration is not in the snapshot: the host passes it again, and the
//! snapshot records the identity fields it must match (bridge MAC, priority, backup, key
//! present) so a snapshot is never restored under another configuration.
//!
//! Not kept: the counters and the last error (they restart from zero), and the event queue —
//! the host drains events after every input, so it is empty whenever the host can take a
//! snapshot. Sessions over LDP/TCP are not supported (the TCP connection does not survive the
//! process): [`SnapshotError::Unsupported`].
//!
//! Format: magic `ICCPSNAP`, version [`SNAPSHOT_VERSION`], big-endian fields. The decoder is
//! total: any octets give a session or a [`SnapshotError`], never a panic, and it allocates no
//! more than the input's length.

use super::{BackupReplay, Pending, ReplayWindow, Session, Window};
use crate::types::{AppMessage, AppState, PeerInfo, Role, SessionConfig, State};
use alloc::collections::VecDeque;
use alloc::string::String;
use alloc::vec::Vec;
use l2_types::{Duration, Instant, MacAddr, Timer};

const MAGIC: &[u8; 8] = b"ICCPSNAP";
/// The format version [`Session::snapshot`] writes.
pub const SNAPSHOT_VERSION: u8 = 1;

/// Why a session snapshot could not be restored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SnapshotError {
    /// The octets end inside a field.
    #[error("ICCP snapshot truncated")]
    Truncated,
    /// Not an ICCP session snapshot.
    #[error("not an ICCP session snapshot")]
    BadMagic,
    /// A format version this code does not read.
    #[error("ICCP snapshot version {0} is not supported")]
    Version(u8),
    /// A field holds an impossible value.
    #[error("invalid ICCP snapshot field {0}")]
    BadValue(&'static str),
    /// Octets after the end.
    #[error("{0} trailing octets after the ICCP snapshot")]
    Trailing(usize),
    /// The snapshot was taken under another configuration (the field that differs).
    #[error("ICCP snapshot taken with another {0}")]
    ConfigMismatch(&'static str),
    /// The configuration is invalid.
    #[error("ICCP configuration: {0}")]
    Config(crate::ConfigError),
    /// Only sessions over the L2 framing can be restored.
    #[error("only L2 sessions can be restored")]
    Unsupported,
}

struct W<'a> {
    o: &'a mut Vec<u8>,
    now: Instant,
}

impl W<'_> {
    fn u8(&mut self, v: u8) {
        self.o.push(v);
    }
    fn bool(&mut self, v: bool) {
        self.u8(u8::from(v));
    }
    fn u16(&mut self, v: u16) {
        self.o.extend_from_slice(&v.to_be_bytes());
    }
    fn u32(&mut self, v: u32) {
        self.o.extend_from_slice(&v.to_be_bytes());
    }
    fn u64(&mut self, v: u64) {
        self.o.extend_from_slice(&v.to_be_bytes());
    }
    fn mac(&mut self, m: MacAddr) {
        self.o.extend_from_slice(&m.0);
    }
    fn dur(&mut self, d: Duration) {
        self.u64(u64::try_from(d.as_nanos()).unwrap_or(u64::MAX));
    }
    fn bytes(&mut self, b: &[u8]) {
        self.u32(u32::try_from(b.len()).unwrap_or(u32::MAX));
        self.o.extend_from_slice(b);
    }
    fn timer(&mut self, t: Timer) {
        match t.remaining(self.now) {
            Some(d) => {
                self.u8(1);
                self.dur(d);
            }
            None => self.u8(0),
        }
    }
    fn window(&mut self, w: Option<Window>) {
        match w {
            Some(w) => {
                self.u8(1);
                self.u32(w.top);
                self.u64(w.bits);
            }
            None => self.u8(0),
        }
    }
    fn opt_mac(&mut self, m: Option<MacAddr>) {
        match m {
            Some(m) => {
                self.u8(1);
                self.mac(m);
            }
            None => self.u8(0),
        }
    }
}

struct R<'a> {
    b: &'a [u8],
    now: Instant,
}

impl R<'_> {
    fn take(&mut self, n: usize) -> Result<&[u8], SnapshotError> {
        if self.b.len() < n {
            return Err(SnapshotError::Truncated);
        }
        let (h, t) = self.b.split_at(n);
        self.b = t;
        Ok(h)
    }
    fn arr<const N: usize>(&mut self) -> Result<[u8; N], SnapshotError> {
        let s = self.take(N)?;
        let mut a = [0u8; N];
        a.copy_from_slice(s);
        Ok(a)
    }
    fn u8(&mut self) -> Result<u8, SnapshotError> {
        Ok(self.arr::<1>()?[0])
    }
    fn bool(&mut self, what: &'static str) -> Result<bool, SnapshotError> {
        match self.u8()? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(SnapshotError::BadValue(what)),
        }
    }
    fn u16(&mut self) -> Result<u16, SnapshotError> {
        Ok(u16::from_be_bytes(self.arr()?))
    }
    fn u32(&mut self) -> Result<u32, SnapshotError> {
        Ok(u32::from_be_bytes(self.arr()?))
    }
    fn u64(&mut self) -> Result<u64, SnapshotError> {
        Ok(u64::from_be_bytes(self.arr()?))
    }
    fn mac(&mut self) -> Result<MacAddr, SnapshotError> {
        Ok(MacAddr(self.arr()?))
    }
    fn dur(&mut self) -> Result<Duration, SnapshotError> {
        Ok(Duration::from_nanos(self.u64()?))
    }
    fn bytes(&mut self) -> Result<Vec<u8>, SnapshotError> {
        let n = usize::try_from(self.u32()?).map_err(|_| SnapshotError::Truncated)?;
        Ok(self.take(n)?.to_vec())
    }
    /// A count of items each at least `min` octets long: bounded by what is left, so a forged
    /// count cannot make the decoder allocate.
    fn count(&mut self, min: usize) -> Result<usize, SnapshotError> {
        let n = usize::try_from(self.u32()?).map_err(|_| SnapshotError::Truncated)?;
        if n.saturating_mul(min.max(1)) > self.b.len() {
            return Err(SnapshotError::Truncated);
        }
        Ok(n)
    }
    fn timer(&mut self) -> Result<Timer, SnapshotError> {
        let mut t = Timer::STOPPED;
        if self.bool("timer")? {
            let d = self.dur()?;
            t.start(self.now, d);
        }
        Ok(t)
    }
    fn window(&mut self) -> Result<Option<Window>, SnapshotError> {
        Ok(if self.bool("window")? {
            Some(Window {
                top: self.u32()?,
                bits: self.u64()?,
            })
        } else {
            None
        })
    }
    fn opt_mac(&mut self) -> Result<Option<MacAddr>, SnapshotError> {
        Ok(if self.bool("mac")? {
            Some(self.mac()?)
        } else {
            None
        })
    }
}

const fn state_code(s: State) -> u8 {
    match s {
        State::Nonexistent => 0,
        State::Initialized => 1,
        State::CapSent => 2,
        State::CapRec => 3,
        State::Connecting => 4,
        State::Operational => 5,
    }
}

const fn state_of(c: u8) -> Option<State> {
    Some(match c {
        0 => State::Nonexistent,
        1 => State::Initialized,
        2 => State::CapSent,
        3 => State::CapRec,
        4 => State::Connecting,
        5 => State::Operational,
        _ => return None,
    })
}

const fn app_code(s: AppState) -> u8 {
    match s {
        AppState::Nonexistent => 0,
        AppState::Reset => 1,
        AppState::ConnectSent => 2,
        AppState::ConnectRec => 3,
        AppState::Operational => 4,
    }
}

const fn app_of(c: u8) -> Option<AppState> {
    Some(match c {
        0 => AppState::Nonexistent,
        1 => AppState::Reset,
        2 => AppState::ConnectSent,
        3 => AppState::ConnectRec,
        4 => AppState::Operational,
        _ => return None,
    })
}

impl Session {
    /// The session's state at `now`, as octets for [`Session::restore`] (see the module docs
    /// of `iccp::session::snapshot`). The host must not use this session after taking the
    /// snapshot (its frame numbers would be spent twice).
    pub fn snapshot(&self, now: Instant) -> Vec<u8> {
        let mut o = Vec::with_capacity(512);
        let mut w = W { o: &mut o, now };
        w.o.extend_from_slice(MAGIC);
        w.u8(SNAPSHOT_VERSION);
        // The configuration's identity, checked on restore.
        w.mac(self.cfg.bridge_mac);
        w.u8(self.cfg.priority);
        w.bool(self.cfg.backup);
        w.bool(self.cfg.key.is_some());
        w.bool(self.ldp.is_some());
        w.u64(self.rng);
        w.bool(self.enabled);
        w.bool(self.link_up);
        w.u8(state_code(self.state));
        w.u8(app_code(self.app_state));
        w.u32(self.my_inc);
        w.u32(self.peer_inc);
        w.bool(self.confirmed);
        w.u32(self.challenge);
        w.u32(self.challenged);
        match self.control_session {
            Some((a, b)) => {
                w.u8(1);
                w.u32(a);
                w.u32(b);
            }
            None => w.u8(0),
        }
        for r in self.retired {
            w.u32(r);
        }
        w.u32(u32::try_from(self.retired_next).unwrap_or(u32::MAX));
        w.u32(self.frame_no);
        w.window(self.replay.main);
        w.window(self.replay.alt);
        w.u32(self.replay.alt_run);
        w.u32(self.msg_id);
        // Transmit stream.
        w.u32(self.tx_next_seq);
        w.u32(u32::try_from(self.tx_window.len()).unwrap_or(u32::MAX));
        for p in &self.tx_window {
            w.u32(p.seq);
            w.bytes(&p.payload);
        }
        w.u32(u32::try_from(self.tx_backlog.len()).unwrap_or(u32::MAX));
        for (b, app) in &self.tx_backlog {
            w.bool(*app);
            w.bytes(b);
        }
        w.u32(u32::try_from(self.app_backlog).unwrap_or(u32::MAX));
        w.u32(u32::try_from(self.resend_from).unwrap_or(u32::MAX));
        w.dur(self.rto);
        w.timer(self.rto_timer);
        w.u32(self.retries);
        // Receive stream.
        w.u32(self.rx_next);
        w.u32(u32::try_from(self.rx_ooo.len()).unwrap_or(u32::MAX));
        for f in &self.rx_ooo {
            match f {
                Some(b) => {
                    w.u8(1);
                    w.bytes(b);
                }
                None => w.u8(0),
            }
        }
        w.u32(u32::try_from(self.rx_app.len()).unwrap_or(u32::MAX));
        for m in &self.rx_app {
            w.bytes(&m.0);
        }
        w.bool(self.ack_now);
        w.timer(self.ack_timer);
        w.u32(self.unacked);
        // Discovery, heartbeat, liveness.
        w.bool(self.cap_due);
        w.timer(self.cap_timer);
        w.dur(self.cap_backoff);
        w.bool(self.hb_due);
        w.timer(self.hb_timer);
        w.u32(self.hb_counter);
        w.timer(self.silence_timer);
        w.timer(self.connect_timer);
        w.u32(u32::try_from(self.control.len()).unwrap_or(u32::MAX));
        for c in &self.control {
            w.bytes(c);
        }
        // Backup path.
        w.bool(self.backup_due);
        w.timer(self.backup_timer);
        w.timer(self.backup_deadline);
        w.bool(self.backup_alive);
        for slot in [self.backup_replay.current, self.backup_replay.previous] {
            match slot {
                Some((sender, win)) => {
                    w.u8(1);
                    w.u32(sender);
                    w.window(win.main);
                    w.window(win.alt);
                    w.u32(win.alt_run);
                }
                None => w.u8(0),
            }
        }
        w.u32(self.backup_frame_no);
        // Peer and election.
        match &self.peer {
            Some(p) => {
                w.u8(1);
                w.bytes(p.name.as_bytes());
                w.mac(p.bridge_mac);
                w.u8(p.priority);
                w.u32(p.incarnation);
            }
            None => w.u8(0),
        }
        match self.peer_election {
            Some((prio, mac)) => {
                w.u8(1);
                w.u8(prio);
                w.mac(mac);
            }
            None => w.u8(0),
        }
        match self.peer_v2 {
            Some(v) => {
                w.u8(1);
                w.opt_mac(v.incumbent);
                w.u16(v.generation);
            }
            None => w.u8(0),
        }
        w.u16(self.elect_gen);
        w.u8(self.prio_hi);
        w.bool(self.elect_acked);
        w.bool(self.sid_in_use);
        w.opt_mac(self.adv_incumbent);
        w.u8(match self.role {
            None => 0,
            Some(Role::Primary) => 1,
            Some(Role::Secondary) => 2,
        });
        w.mac(self.system_id);
        w.bool(self.sent_a_bit);
        o
    }

    /// The session of `bytes` (from [`Session::snapshot`]) under `cfg`, its timers re-armed
    /// relative to `now`. Emits no event: the host's state already reflects the session's.
    ///
    /// # Errors
    /// A [`SnapshotError`] for damaged or foreign octets, another format version, a
    /// configuration that differs from the snapshot's (bridge MAC, priority, backup path, key
    /// present) or is invalid, an LDP session.
    pub fn restore(cfg: SessionConfig, bytes: &[u8], now: Instant) -> Result<Self, SnapshotError> {
        let mut r = R { b: bytes, now };
        if r.take(MAGIC.len())? != MAGIC {
            return Err(SnapshotError::BadMagic);
        }
        let v = r.u8()?;
        if v != SNAPSHOT_VERSION {
            return Err(SnapshotError::Version(v));
        }
        cfg.validate().map_err(SnapshotError::Config)?;
        if r.mac()? != cfg.bridge_mac {
            return Err(SnapshotError::ConfigMismatch("bridge MAC"));
        }
        if r.u8()? != cfg.priority {
            return Err(SnapshotError::ConfigMismatch("priority"));
        }
        if r.bool("backup")? != cfg.backup {
            return Err(SnapshotError::ConfigMismatch("backup path"));
        }
        if r.bool("key")? != cfg.key.is_some() {
            return Err(SnapshotError::ConfigMismatch("key"));
        }
        if r.bool("ldp")? {
            return Err(SnapshotError::Unsupported);
        }
        let mut s = Self::build(cfg, now);
        s.rng = r.u64()?.max(1);
        s.enabled = r.bool("enabled")?;
        s.link_up = r.bool("link")?;
        s.state = state_of(r.u8()?).ok_or(SnapshotError::BadValue("state"))?;
        s.app_state = app_of(r.u8()?).ok_or(SnapshotError::BadValue("app state"))?;
        s.my_inc = r.u32()?;
        s.peer_inc = r.u32()?;
        s.confirmed = r.bool("confirmed")?;
        s.challenge = r.u32()?;
        s.challenged = r.u32()?;
        s.control_session = if r.bool("control session")? {
            Some((r.u32()?, r.u32()?))
        } else {
            None
        };
        for slot in &mut s.retired {
            *slot = r.u32()?;
        }
        s.retired_next =
            usize::try_from(r.u32()?).map_err(|_| SnapshotError::BadValue("retired"))?;
        if s.retired_next >= s.retired.len() {
            return Err(SnapshotError::BadValue("retired"));
        }
        s.frame_no = r.u32()?;
        s.replay = ReplayWindow {
            main: r.window()?,
            alt: r.window()?,
            alt_run: r.u32()?,
        };
        s.msg_id = r.u32()?;
        s.tx_next_seq = r.u32()?;
        let n = r.count(8)?;
        let mut tx_window = VecDeque::with_capacity(n);
        for _ in 0..n {
            let seq = r.u32()?;
            tx_window.push_back(Pending {
                seq,
                payload: r.bytes()?,
            });
        }
        s.tx_window = tx_window;
        let n = r.count(5)?;
        let mut backlog = VecDeque::with_capacity(n);
        for _ in 0..n {
            let app = r.bool("backlog")?;
            backlog.push_back((r.bytes()?, app));
        }
        s.tx_backlog = backlog;
        s.app_backlog =
            usize::try_from(r.u32()?).map_err(|_| SnapshotError::BadValue("backlog"))?;
        if s.app_backlog > s.tx_backlog.len() {
            return Err(SnapshotError::BadValue("app backlog"));
        }
        s.resend_from = usize::try_from(r.u32()?).map_err(|_| SnapshotError::BadValue("resend"))?;
        if s.resend_from > s.tx_window.len() {
            return Err(SnapshotError::BadValue("resend"));
        }
        s.rto = r.dur()?;
        s.rto_timer = r.timer()?;
        s.retries = r.u32()?;
        s.rx_next = r.u32()?;
        let n = r.count(1)?;
        let mut ooo = VecDeque::with_capacity(n);
        for _ in 0..n {
            ooo.push_back(if r.bool("out-of-order frame")? {
                Some(r.bytes()?)
            } else {
                None
            });
        }
        s.rx_ooo = ooo;
        let n = r.count(4)?;
        let mut rx_app = VecDeque::with_capacity(n);
        for _ in 0..n {
            rx_app.push_back(AppMessage(r.bytes()?));
        }
        s.rx_app = rx_app;
        s.ack_now = r.bool("ack")?;
        s.ack_timer = r.timer()?;
        s.unacked = r.u32()?;
        s.cap_due = r.bool("capability")?;
        s.cap_timer = r.timer()?;
        s.cap_backoff = r.dur()?;
        s.hb_due = r.bool("heartbeat")?;
        s.hb_timer = r.timer()?;
        s.hb_counter = r.u32()?;
        s.silence_timer = r.timer()?;
        s.connect_timer = r.timer()?;
        let n = r.count(4)?;
        let mut control = VecDeque::with_capacity(n);
        for _ in 0..n {
            control.push_back(r.bytes()?);
        }
        s.control = control;
        s.backup_due = r.bool("backup due")?;
        s.backup_timer = r.timer()?;
        s.backup_deadline = r.timer()?;
        s.backup_alive = r.bool("backup alive")?;
        let mut slots = [None, None];
        for slot in &mut slots {
            *slot = if r.bool("backup replay")? {
                let sender = r.u32()?;
                Some((
                    sender,
                    ReplayWindow {
                        main: r.window()?,
                        alt: r.window()?,
                        alt_run: r.u32()?,
                    },
                ))
            } else {
                None
            };
        }
        let [current, previous] = slots;
        s.backup_replay = BackupReplay { current, previous };
        s.backup_frame_no = r.u32()?;
        s.peer = if r.bool("peer")? {
            let name =
                String::from_utf8(r.bytes()?).map_err(|_| SnapshotError::BadValue("peer name"))?;
            Some(PeerInfo {
                name,
                bridge_mac: r.mac()?,
                priority: r.u8()?,
                incarnation: r.u32()?,
            })
        } else {
            None
        };
        s.peer_election = if r.bool("peer election")? {
            Some((r.u8()?, r.mac()?))
        } else {
            None
        };
        s.peer_v2 = if r.bool("peer election v2")? {
            Some(super::PeerElectionV2 {
                incumbent: r.opt_mac()?,
                generation: r.u16()?,
            })
        } else {
            None
        };
        s.elect_gen = r.u16()?;
        if s.elect_gen == 0 {
            return Err(SnapshotError::BadValue("election generation"));
        }
        s.prio_hi = r.u8()?;
        s.elect_acked = r.bool("election acknowledged")?;
        s.sid_in_use = r.bool("system-id in use")?;
        s.adv_incumbent = r.opt_mac()?;
        s.role = match r.u8()? {
            0 => None,
            1 => Some(Role::Primary),
            2 => Some(Role::Secondary),
            _ => return Err(SnapshotError::BadValue("role")),
        };
        s.system_id = r.mac()?;
        s.sent_a_bit = r.bool("A bit")?;
        if !r.b.is_empty() {
            return Err(SnapshotError::Trailing(r.b.len()));
        }
        s.last_now = now;
        Ok(s)
    }
}
