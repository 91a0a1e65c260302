//! The flight recorder: a bounded ring of the coordinator's state transitions, each with its
//! cause and the virtual time, exportable as JSON, and the explanation built from it
//! ([`super::Coordinator::explain_mlag`]: "why is this bond not distributing?").
//!
//! What is recorded (one [`Record`] per transition, never per frame):
//! * ICCP: connection up and down (with the reason), the role with the values that decided it
//!   (both priorities and bridge MACs), the system-id, the backup path alive or silent;
//! * the split-brain verdict, isolation on and off with its evidence, grants
//!   ([`super::split`]);
//! * per MLAG member: LACP selected / unselected / standby, attached (in sync) / detached,
//!   collecting, distributing; each half's local and peer state;
//! * the halves' release (and why), configuration-mismatch holds and the findings behind them;
//! * the logical bridge's port states per tree for the ports this peer serves.
//!
//! The ring holds [`super::Options::flight_recorder`] records (0 disables it); older records
//! are dropped first and counted. The JSON writer is hand-written (the crate is `no_std` and
//! free of serde): `{"capacity":N,"dropped":N,"records":[{"t_ns":…,"kind":"…",…},…]}`.

use alloc::collections::VecDeque;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::{self, Write as _};
use l2_types::{Instant, MacAddr, PortNo};

use super::split::PeerVerdict;
use crate::dataplane::{MlagId, PortState};

/// Default capacity of the ring.
pub const FLIGHT_RECORDER_DEFAULT: usize = 1024;

/// A member's LACP transition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LacpChange {
    /// Selection Logic chose an aggregator (SELECTED).
    Selected,
    /// UNSELECTED.
    Unselected,
    /// STANDBY.
    Standby,
    /// The Mux machine attached the port (the actor is in sync).
    Attached,
    /// Detached (out of sync).
    Detached,
    /// Collecting on/off.
    Collecting(bool),
    /// Distributing on/off.
    Distributing(bool),
}

/// Why the MLAG halves were released into LACP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReleaseReason {
    /// The pair is connected and in step (STP authority settled, replica caught up).
    Synced,
    /// The reload delay expired without a peer: this side came up alone.
    ReloadDelay,
}

/// The cause of a transition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cause {
    /// ICCP connected with the peer.
    Connected {
        /// The peer's bridge MAC.
        peer: MacAddr,
        /// The peer's priority.
        priority: u8,
    },
    /// ICCP disconnected.
    Disconnected {
        /// The reason (iccp's `DisconnectReason`, as text).
        reason: &'static str,
    },
    /// The elected role, with the values that decided it (lowest priority, then lowest MAC).
    Role {
        /// The role now.
        primary: bool,
        /// This side's priority and bridge MAC.
        own: (u8, MacAddr),
        /// The peer's, when known.
        peer: Option<(u8, MacAddr)>,
    },
    /// The pair's system-id.
    SystemId(MacAddr),
    /// The backup path hears the peer or not.
    BackupPath {
        /// Hearing.
        alive: bool,
    },
    /// The split-brain verdict on the peer.
    Verdict {
        /// Before.
        from: PeerVerdict,
        /// After.
        to: PeerVerdict,
    },
    /// Isolation of this side's MLAG halves on or off, with the evidence.
    Isolation {
        /// Isolated now.
        on: bool,
        /// The verdict on the peer.
        verdict: PeerVerdict,
        /// This side wins the election against the peer.
        won: bool,
        /// The ICCP session is connected.
        connected: bool,
    },
    /// An MLAG granted during a split.
    Grant {
        /// The MLAG.
        mlag: MlagId,
        /// Granted by this side to the peer (else by the peer to this side).
        to_peer: bool,
    },
    /// A member's LACP transition.
    Lacp {
        /// Its MLAG (`None`: a non-MLAG bond's member).
        mlag: Option<MlagId>,
        /// The member.
        port: PortNo,
        /// The transition.
        change: LacpChange,
    },
    /// An MLAG's halves.
    Half {
        /// The MLAG.
        mlag: MlagId,
        /// The local half distributes.
        local_up: bool,
        /// The peer's half distributes, as the peer reported.
        peer_up: bool,
    },
    /// The MLAG halves entered LACP.
    Released(ReleaseReason),
    /// An MLAG held down (or released) because the configurations disagree.
    Held {
        /// The MLAG.
        mlag: MlagId,
        /// Held now.
        on: bool,
    },
    /// A consistency finding against the peer's configuration.
    Mismatch {
        /// The MLAG, or `None` for the pair.
        mlag: Option<MlagId>,
        /// An error (holds the secondary's half down) or a warning.
        error: bool,
        /// What differs.
        what: String,
    },
    /// The logical bridge set a port this peer serves.
    StpPort {
        /// The host port.
        port: PortNo,
        /// The MLAG whose half it is, if any.
        mlag: Option<MlagId>,
        /// The tree (0 = CIST).
        tree: u16,
        /// The state.
        state: PortState,
    },
    /// LACP fallback (no LACPDU from the client on either half): one member of this half
    /// may forward as an individual link, or no longer.
    Fallback {
        /// The MLAG.
        mlag: MlagId,
        /// In fallback now.
        on: bool,
    },
}

/// One transition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// Virtual time.
    pub at: Instant,
    /// The cause.
    pub cause: Cause,
}

impl Record {
    /// The MLAG the record is about, if any.
    pub const fn mlag(&self) -> Option<MlagId> {
        match &self.cause {
            Cause::Grant { mlag, .. }
            | Cause::Half { mlag, .. }
            | Cause::Held { mlag, .. }
            | Cause::Fallback { mlag, .. } => Some(*mlag),
            Cause::Lacp { mlag, .. }
            | Cause::Mismatch { mlag, .. }
            | Cause::StpPort { mlag, .. } => *mlag,
            _ => None,
        }
    }

    /// Pair-wide (ICCP, roles, isolation, release): relevant to every MLAG.
    pub const fn pair_wide(&self) -> bool {
        matches!(
            self.cause,
            Cause::Connected { .. }
                | Cause::Disconnected { .. }
                | Cause::Role { .. }
                | Cause::SystemId(_)
                | Cause::BackupPath { .. }
                | Cause::Verdict { .. }
                | Cause::Isolation { .. }
                | Cause::Released(_)
                | Cause::Mismatch { mlag: None, .. }
        )
    }

    /// Writes the record as one JSON object.
    pub fn write_json(&self, w: &mut String) {
        let _ = write!(w, "{{\"t_ns\":{}", self.at.as_nanos());
        let kind = |w: &mut String, k: &str| {
            let _ = write!(w, ",\"kind\":\"{k}\"");
        };
        match &self.cause {
            Cause::Connected { peer, priority } => {
                kind(w, "iccp_connected");
                let _ = write!(w, ",\"peer\":\"{peer}\",\"peer_priority\":{priority}");
            }
            Cause::Disconnected { reason } => {
                kind(w, "iccp_disconnected");
                let _ = write!(w, ",\"reason\":\"{reason}\"");
            }
            Cause::Role { primary, own, peer } => {
                kind(w, "role");
                let role = if *primary { "primary" } else { "secondary" };
                let _ = write!(
                    w,
                    ",\"role\":\"{role}\",\"own_priority\":{},\"own_mac\":\"{}\"",
                    own.0, own.1
                );
                match peer {
                    Some((p, m)) => {
                        let _ = write!(w, ",\"peer_priority\":{p},\"peer_mac\":\"{m}\"");
                    }
                    None => w.push_str(",\"peer_priority\":null,\"peer_mac\":null"),
                }
            }
            Cause::SystemId(m) => {
                kind(w, "system_id");
                let _ = write!(w, ",\"system_id\":\"{m}\"");
            }
            Cause::BackupPath { alive } => {
                kind(w, "backup_path");
                let _ = write!(w, ",\"alive\":{alive}");
            }
            Cause::Verdict { from, to } => {
                kind(w, "peer_verdict");
                let _ = write!(
                    w,
                    ",\"from\":\"{}\",\"to\":\"{}\"",
                    verdict_name(*from),
                    verdict_name(*to)
                );
            }
            Cause::Isolation {
                on,
                verdict,
                won,
                connected,
            } => {
                kind(w, "isolation");
                let _ = write!(
                    w,
                    ",\"on\":{on},\"verdict\":\"{}\",\"won_election\":{won},\"connected\":{connected}",
                    verdict_name(*verdict)
                );
            }
            Cause::Grant { mlag, to_peer } => {
                kind(w, "grant");
                let _ = write!(w, ",\"mlag_id\":{},\"to_peer\":{to_peer}", mlag.0);
            }
            Cause::Lacp { mlag, port, change } => {
                kind(w, "lacp");
                write_opt_mlag(w, *mlag);
                let (what, on) = match change {
                    LacpChange::Selected => ("selected", true),
                    LacpChange::Unselected => ("selected", false),
                    LacpChange::Standby => ("standby", true),
                    LacpChange::Attached => ("sync", true),
                    LacpChange::Detached => ("sync", false),
                    LacpChange::Collecting(b) => ("collecting", *b),
                    LacpChange::Distributing(b) => ("distributing", *b),
                };
                let _ = write!(w, ",\"port\":{},\"what\":\"{what}\",\"on\":{on}", port.0);
            }
            Cause::Half {
                mlag,
                local_up,
                peer_up,
            } => {
                kind(w, "half");
                let _ = write!(
                    w,
                    ",\"mlag_id\":{},\"local_up\":{local_up},\"peer_up\":{peer_up}",
                    mlag.0
                );
            }
            Cause::Released(r) => {
                kind(w, "released");
                let r = match r {
                    ReleaseReason::Synced => "synced",
                    ReleaseReason::ReloadDelay => "reload_delay",
                };
                let _ = write!(w, ",\"reason\":\"{r}\"");
            }
            Cause::Held { mlag, on } => {
                kind(w, "held_down");
                let _ = write!(w, ",\"mlag_id\":{},\"on\":{on}", mlag.0);
            }
            Cause::Mismatch { mlag, error, what } => {
                kind(w, "mismatch");
                write_opt_mlag(w, *mlag);
                let sev = if *error { "error" } else { "warning" };
                let _ = write!(w, ",\"severity\":\"{sev}\",\"what\":");
                write_json_str(w, what);
            }
            Cause::StpPort {
                port,
                mlag,
                tree,
                state,
            } => {
                kind(w, "stp_port");
                write_opt_mlag(w, *mlag);
                let _ = write!(
                    w,
                    ",\"port\":{},\"tree\":{tree},\"state\":\"{}\"",
                    port.0,
                    state_name(*state)
                );
            }
            Cause::Fallback { mlag, on } => {
                kind(w, "lacp_fallback");
                let _ = write!(w, ",\"mlag_id\":{},\"on\":{on}", mlag.0);
            }
        }
        w.push('}');
    }
}

impl fmt::Display for Record {
    /// One line: the time in seconds and the record as JSON.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = String::new();
        self.write_json(&mut s);
        let ns = self.at.as_nanos();
        write!(f, "t={}.{:09}s {s}", ns / 1_000_000_000, ns % 1_000_000_000)
    }
}

fn write_opt_mlag(w: &mut String, m: Option<MlagId>) {
    match m {
        Some(m) => {
            let _ = write!(w, ",\"mlag_id\":{}", m.0);
        }
        None => w.push_str(",\"mlag_id\":null"),
    }
}

/// Writes `s` as a JSON string (quotes, backslashes and control characters escaped).
pub fn write_json_str(w: &mut String, s: &str) {
    w.push('"');
    for c in s.chars() {
        match c {
            '"' => w.push_str("\\\""),
            '\\' => w.push_str("\\\\"),
            '\n' => w.push_str("\\n"),
            c if (c as u32) < 0x20 => {
                let _ = write!(w, "\\u{:04x}", c as u32);
            }
            c => w.push(c),
        }
    }
    w.push('"');
}

const fn verdict_name(v: PeerVerdict) -> &'static str {
    match v {
        PeerVerdict::NoSplit => "no_split",
        PeerVerdict::Probing => "probing",
        PeerVerdict::AliveSplit => "alive_split",
        PeerVerdict::Dead => "dead",
    }
}

const fn state_name(s: PortState) -> &'static str {
    match s {
        PortState::Discarding => "discarding",
        PortState::Learning => "learning",
        PortState::Forwarding => "forwarding",
    }
}

/// The bounded ring.
#[derive(Debug, Clone, Default)]
pub struct Recorder {
    capacity: usize,
    ring: VecDeque<Record>,
    dropped: u64,
}

impl Recorder {
    /// A ring of `capacity` records (0: records nothing).
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity,
            ring: VecDeque::with_capacity(capacity.min(FLIGHT_RECORDER_DEFAULT)),
            dropped: 0,
        }
    }

    /// Adds a record, dropping the oldest when full.
    pub fn push(&mut self, at: Instant, cause: Cause) {
        if self.capacity == 0 {
            self.dropped = self.dropped.saturating_add(1);
            return;
        }
        if self.ring.len() >= self.capacity {
            self.ring.pop_front();
            self.dropped = self.dropped.saturating_add(1);
        }
        self.ring.push_back(Record { at, cause });
    }

    /// The records, oldest first.
    pub fn records(&self) -> impl DoubleEndedIterator<Item = &Record> + ExactSizeIterator {
        self.ring.iter()
    }

    /// The capacity.
    pub const fn capacity(&self) -> usize {
        self.capacity
    }

    /// Records dropped because the ring was full.
    pub const fn dropped(&self) -> u64 {
        self.dropped
    }

    /// The ring as JSON: `{"capacity":N,"dropped":N,"records":[…]}`.
    pub fn to_json(&self) -> String {
        let mut w = String::new();
        let _ = write!(
            w,
            "{{\"capacity\":{},\"dropped\":{},\"records\":[",
            self.capacity, self.dropped
        );
        for (i, r) in self.ring.iter().enumerate() {
            if i > 0 {
                w.push(',');
            }
            r.write_json(&mut w);
        }
        w.push_str("]}");
        w
    }
}

/// The answer to "why is this bond (not) distributing?" ([`super::Coordinator::explain_mlag`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explanation {
    /// The MLAG.
    pub mlag: MlagId,
    /// Its local bond, if configured here.
    pub bond: Option<String>,
    /// The local half distributes.
    pub distributing: bool,
    /// The reasons, most decisive first (one sentence each).
    pub reasons: Vec<String>,
    /// The last records relevant to this MLAG (its own and pair-wide ones), oldest first.
    pub records: Vec<Record>,
}

impl Explanation {
    /// As JSON: `{"mlag_id":…,"bond":…,"distributing":…,"reasons":[…],"records":[…]}`.
    pub fn to_json(&self) -> String {
        let mut w = String::new();
        let _ = write!(w, "{{\"mlag_id\":{},\"bond\":", self.mlag.0);
        match &self.bond {
            Some(b) => write_json_str(&mut w, b),
            None => w.push_str("null"),
        }
        let _ = write!(w, ",\"distributing\":{},\"reasons\":[", self.distributing);
        for (i, r) in self.reasons.iter().enumerate() {
            if i > 0 {
                w.push(',');
            }
            write_json_str(&mut w, r);
        }
        w.push_str("],\"records\":[");
        for (i, r) in self.records.iter().enumerate() {
            if i > 0 {
                w.push(',');
            }
            r.write_json(&mut w);
        }
        w.push_str("]}");
        w
    }
}

impl fmt::Display for Explanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let bond = self.bond.as_deref().unwrap_or("(not configured here)");
        let state = if self.distributing {
            "distributing"
        } else {
            "NOT distributing"
        };
        writeln!(f, "mlag-id {} (bond {bond}): {state}", self.mlag.0)?;
        for r in &self.reasons {
            writeln!(f, "  because: {r}")?;
        }
        if !self.records.is_empty() {
            writeln!(f, "  last transitions:")?;
            for r in &self.records {
                writeln!(f, "    {r}")?;
            }
        }
        Ok(())
    }
}

/// How many records an explanation carries at most.
pub const EXPLAIN_RECORDS: usize = 16;

/// The last [`EXPLAIN_RECORDS`] records about `mlag` or pair-wide, oldest first.
pub(crate) fn relevant(rec: &Recorder, mlag: MlagId) -> Vec<Record> {
    let mut v: Vec<Record> = rec
        .records()
        .rev()
        .filter(|r| r.mlag() == Some(mlag) || r.pair_wide())
        .take(EXPLAIN_RECORDS)
        .cloned()
        .collect();
    v.reverse();
    v
}
