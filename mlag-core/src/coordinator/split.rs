//! Split-brain evidence on the backup path: what proves the peer alive, what proves it dead,
//! and which side keeps each MLAG while the pair is split (module docs of
//! [`super`], "Peer-link failure", and [`Evidence`]).
//!
//! # Why keepalives alone are not enough
//! An ICCP backup keepalive says "the sender ran when it sent this"; it says nothing about
//! whether the sender had already seen the peer-link fail. Two failures followed from using it
//! as the proof of a dual-active split:
//! * **A rejoining peer** (issue 6, gap A): a survivor that stood alone hears the rebooted
//!   peer's keepalives before ICCP connects; the handshake's election makes it secondary, and a
//!   keepalive "heard after the peer-link's silence began" made it isolate its MLAG halves
//!   although the peer-link was working and the peer had never been part of a split.
//! * **A powered-off peer** (gap B): a keepalive sent before the power-off but *processed*
//!   after the peer-port's carrier loss (the host reads both in one wake-up, or the backup
//!   path is slower than the carrier) passed for a proof of life; the secondary isolated and
//!   stayed out until the backup path's deadline (3 H_b), while the dead peer served nobody.
//!
//! # Evidence frames
//! Each coordinator therefore sends, on the same backup path, an **evidence frame** of its own
//! (EtherType [`EVIDENCE_ETHERTYPE`], IEEE 802 Local Experimental EtherType 2; ICCP's frames
//! use 0x88B5) that states the sender's view *when it wrote it*:
//! * its bridge MAC (source address), MLAG priority, and whether its ICCP session is connected;
//! * `armed`: it lost an established connection with this peer and has not concluded since
//!   that the peer is dead (a rebooted peer, or one that just started, is never armed);
//! * per MLAG: whether its half distributes and what the **client's LACP** says on its member
//!   links (the client's System as its LACPDUs' Actor, and whether the client reports
//!   Synchronization, Collecting and Distributing on that link — 802.1AX-2014 §6.4.2.3, the
//!   Actor_State of the client's LACPDU);
//! * the MLAGs it grants to the peer during a split (below);
//! * `serving`: its halves are released and not isolated;
//! * `request`: the sender wants an answer at once; `ack`: the last frame it heard from the
//!   receiver (so the loser knows when the winner has seen its state).
//!
//! # Authentication and replay protection
//! With [`super::Options::iccp_secret`] set, every evidence frame carries a trailer (flag
//! [`F_AUTH`] set): the sender's `incarnation`(4, a random number drawn at each start), `echo`(4,
//! the receiver's incarnation as last heard from it, 0 if none) and an HMAC-SHA256 tag (32
//! octets, `iccp`'s [`Authenticator`] — the same keyed hash ICCP's frames carry) over every
//! octet before it. The receiver refuses a frame whose tag is missing or wrong (counted
//! *forged*), and one whose `seq` is not newer than the last accepted from the same incarnation
//! (counted *replayed*). A frame that passes but is not **fresh** — it does not echo the
//! receiver's own incarnation, or its `ack` does not answer a frame the receiver sent since the
//! split began, and it was not written since the pair's last connection — may still ask for
//! an answer (`request`), but decides nothing (counted *stale*):
//! a genuine frame captured during an earlier split, or before the receiver restarted, can
//! neither keep a survivor isolated (a false "alive and split") nor make it stand alone beside
//! a live peer (a false "rebooted"). "Written since the last connection": at every connection
//! each side tells the other over the (authenticated) ICCP session its incarnation and the
//! counter its next evidence frame will carry (Consistency record [`EVIDENCE_EPOCH`]); a frame
//! of that incarnation with a counter at or past it was written after the connection began, so
//! both sides' first frames of a split count at once, as without a secret. A peer that restarted
//! since (a new incarnation) proves itself by answering: its frame must echo this side's
//! incarnation and acknowledge a frame sent since the split began — one backup-path round
//! trip. Peers whose secrets differ hear each
//! other's evidence as forged, as ICCP's frames are refused (no split can be proven: each acts
//! as a survivor, the behaviour without a backup path). Without a secret, frames carry no
//! trailer and nothing changes.
//!
//! # What proves what
//! * **Peer alive and split (dual-active)**: an evidence frame from the peer's bridge MAC that
//!   says *disconnected* and *armed*, heard while this side is disconnected and armed too. A
//!   dead peer cannot write "disconnected" (it never saw the failure); a stale keepalive carries
//!   no such statement; a rebooted peer is not armed (gap A closed); a peer whose handshake
//!   runs over the peer-link is not split (this side then is not disconnected-and-idle).
//! * **Peer dead**: the peer-link lost (carrier down or silence detected) and no evidence
//!   frame from the peer within the probe window ([`super::Options::peer_probe`]) after this
//!   side asked for one (each request is repeated four times in the window, so one lost frame
//!   does not decide). A live peer answers a request at once, whatever its own state. The
//!   survivor then ends the backup path's life at once (`iccp::Session::handle_backup_link`
//!   Down: the peer is gone), becomes primary and carries on without waiting for the backup
//!   path's 3 H_b deadline — with its halves never having left the LAG.
//! * **The client's LACP cannot prove either**: 802.1AX's LACPDU describes one link, so what
//!   the client says on this side's link says nothing of the peer's link. It decides who keeps
//!   an MLAG during a proven split instead.
//!
//! # A peer that starts while the peer-link is down
//! A starting peer keeps its halves out for the reload delay; when it ends without a
//! connection the peer used to come up alone. If the backup path hears the peer and its latest
//! evidence says it serves, the peer-link is what failed, not the peer: coming up alone would
//! put two actives in front of the clients (after a reboot the sticky system-id is gone, and
//! the lower MAC is the pair's). So the starting peer waits (re-checked every probe window)
//! while the serving peer lives; between two starting peers, the election's winner comes up.
//!
//! # Who keeps each MLAG during a proven split
//! The side that loses the pair's election (higher `priority`, then higher bridge MAC: what
//! iccp elects, computed from the evidence so that both sides agree even if both became
//! primary after a slow backup path) takes its halves out by default, as before. The winner
//! **grants** it an MLAG when the winner's own half of it does not distribute while the
//! loser's evidence says the client is on the loser's link (the client's LACPDUs heard there):
//! the winner first holds its own half out (its bridge MAC as LACP actor system, so the client
//! cannot aggregate it with the loser's), *then* writes the grant; the loser keeps a half only
//! while the winner's latest evidence grants it. Until the winner's evidence answers (acks) the
//! loser's split evidence, the loser leaves in the halves whose winner half does not
//! distribute — a grant may be one backup-path round trip away, and taking the half out only
//! to bring it back would make the client renegotiate twice. The loser's standalone spanning
//! tree bridge (its own MAC, for the ports it keeps) takes every port that was an operEdge
//! port of the pair's bridge — a granted MLAG, its single-homed access ports — as an edge port
//! (AdminEdge; 802.1Q-2018 §13.33 Bridge Detection: BEGIN → EDGE), so they forward at once
//! instead of after edge detection (MigrateTime, 3 s): the link and what is behind it did not
//! change, and the first BPDU received still clears operEdge (§13.30, RECEIVE). So at no instant can both halves of one MLAG
//! present the pair's system-id while the pair is split — never two actives for one client,
//! and a client whose only working link goes to the loser is not cut off. Grants last until the
//! split ends (the pair reconnects, or one side concludes the other is dead).

use alloc::collections::BTreeSet;
use alloc::vec::Vec;
use core::time::Duration;
use l2_types::{Instant, MacAddr};

use crate::dataplane::MlagId;
use iccp::wire::l2::{AUTH_LEN, Authenticator};

/// EtherType of evidence frames on the backup path (IEEE 802 Local Experimental EtherType 2).
pub const EVIDENCE_ETHERTYPE: u16 = 0x88B6;
/// Default probe window: how long a side that lost the peer-link waits for the peer's
/// evidence before concluding the peer is dead.
pub const PEER_PROBE_DEFAULT: Duration = Duration::from_millis(500);

const MAGIC: [u8; 4] = *b"MLGE";
const VERSION: u8 = 1;
const HEADER: usize = 14 + 4 + 1 + 1 + 1 + 1 + 4 + 4;
const ENTRY: usize = 4 + 1 + 6;
/// Destination of evidence frames (the ICCP-over-L2 address: the path is point to point).
const DST: [u8; 6] = [0x01, 0x80, 0xC2, 0x00, 0x00, 0x0E];

const F_CONNECTED: u8 = 0x01;
const F_ARMED: u8 = 0x02;
const F_REQUEST: u8 = 0x04;
const F_SERVING: u8 = 0x08;
/// Flag of an authenticated frame: the trailer (incarnation, echo, tag) follows the halves.
pub const F_AUTH: u8 = 0x10;
/// Consistency TLV record kind (ICCP, while connected, only with a secret): `incarnation`(4)
/// `seq`(4) — the sender's evidence incarnation and the counter of its next evidence frame.
pub const EVIDENCE_EPOCH: u8 = 0x20;

/// Earlier incarnations of the peer remembered as retired.
pub(crate) const RETIRED_MAX: usize = 8;

/// Octets of the trailer of an authenticated frame.
pub const TRAILER: usize = 4 + 4 + AUTH_LEN;

const H_UP: u8 = 0x01;
const H_CLIENT_SYNC: u8 = 0x02;
const H_GRANT: u8 = 0x04;
const H_CLIENT_HEARD: u8 = 0x08;

/// One MLAG half as its peer describes it in an evidence frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct HalfEvidence {
    /// The mlag-id.
    pub mlag: MlagId,
    /// The half distributes.
    pub up: bool,
    /// The client's LACPDUs on a member of this half report Synchronization, Collecting and
    /// Distributing with the pair's system-id as partner (the client aggregates this link).
    pub client_sync: bool,
    /// A client's LACPDUs are heard on a member of this half (its System in `client`).
    pub client_heard: bool,
    /// The client's LACP System (its Actor System in the LACPDUs heard), zero if none.
    pub client: MacAddr,
    /// The sender grants this MLAG to the receiver for the current split.
    pub grant: bool,
}

/// An evidence frame (see the [module docs](self)).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Evidence {
    /// The sender's bridge MAC.
    pub sender: MacAddr,
    /// The sender's MLAG priority.
    pub priority: u8,
    /// The sender's ICCP session is connected.
    pub connected: bool,
    /// The sender lost an established connection with the receiver and has not concluded
    /// since that it is dead.
    pub armed: bool,
    /// The sender asks for an answer at once.
    pub request: bool,
    /// The sender's MLAG halves are released and not isolated: it serves the clients.
    pub serving: bool,
    /// The sender's frame counter.
    pub seq: u32,
    /// One more than the counter of the last evidence frame the sender heard from the
    /// receiver (0: none): tells the receiver which of its own statements this frame answers.
    pub ack: u32,
    /// The sender's MLAG halves.
    pub halves: Vec<HalfEvidence>,
}

impl Evidence {
    /// Writes the frame into `buf`; returns its length, or `None` if `buf` cannot hold the
    /// header. Halves that do not fit are left out (the receiver treats a missing half as
    /// "not granted, client not heard": the safe default).
    pub fn encode(&self, buf: &mut [u8]) -> Option<usize> {
        let room = buf.len().checked_sub(HEADER)? / ENTRY;
        let n = self.halves.len().min(room).min(usize::from(u8::MAX));
        let mut w = Vec::with_capacity(HEADER + n * ENTRY);
        w.extend_from_slice(&DST);
        w.extend_from_slice(&self.sender.0);
        w.extend_from_slice(&EVIDENCE_ETHERTYPE.to_be_bytes());
        w.extend_from_slice(&MAGIC);
        w.push(VERSION);
        let bit = |on: bool, b: u8| if on { b } else { 0 };
        let flags = bit(self.connected, F_CONNECTED)
            | bit(self.armed, F_ARMED)
            | bit(self.request, F_REQUEST)
            | bit(self.serving, F_SERVING);
        w.push(flags);
        w.push(self.priority);
        w.push(u8::try_from(n).unwrap_or(u8::MAX));
        w.extend_from_slice(&self.seq.to_be_bytes());
        w.extend_from_slice(&self.ack.to_be_bytes());
        for h in self.halves.iter().take(n) {
            w.extend_from_slice(&h.mlag.0.to_be_bytes());
            let f = bit(h.up, H_UP)
                | bit(h.client_sync, H_CLIENT_SYNC)
                | bit(h.grant, H_GRANT)
                | bit(h.client_heard, H_CLIENT_HEARD);
            w.push(f);
            w.extend_from_slice(&h.client.0);
        }
        let out = buf.get_mut(..w.len())?;
        out.copy_from_slice(&w);
        Some(w.len())
    }

    /// True if `bytes` is an evidence frame (EtherType and magic), whatever its content.
    pub fn is_evidence(bytes: &[u8]) -> bool {
        bytes.get(12..14) == Some(&EVIDENCE_ETHERTYPE.to_be_bytes()[..])
            && bytes.get(14..18) == Some(&MAGIC[..])
    }

    /// Decodes a frame; `None` for anything malformed (total: any octets).
    pub fn decode(bytes: &[u8]) -> Option<Self> {
        if !Self::is_evidence(bytes) || bytes.get(18).copied()? != VERSION {
            return None;
        }
        let mac = |b: &[u8]| -> Option<MacAddr> { Some(MacAddr(b.try_into().ok()?)) };
        let sender = mac(bytes.get(6..12)?)?;
        let flags = bytes.get(19).copied()?;
        let priority = bytes.get(20).copied()?;
        let n = usize::from(bytes.get(21).copied()?);
        let seq = u32::from_be_bytes(bytes.get(22..26)?.try_into().ok()?);
        let ack = u32::from_be_bytes(bytes.get(26..30)?.try_into().ok()?);
        let body = bytes.get(HEADER..)?;
        if body.len() != n * ENTRY {
            return None;
        }
        let mut halves = Vec::with_capacity(n);
        for e in body.chunks_exact(ENTRY) {
            let id = u32::from_be_bytes(e.get(..4)?.try_into().ok()?);
            let f = e.get(4).copied()?;
            halves.push(HalfEvidence {
                mlag: MlagId(id),
                up: f & H_UP != 0,
                client_sync: f & H_CLIENT_SYNC != 0,
                grant: f & H_GRANT != 0,
                client_heard: f & H_CLIENT_HEARD != 0,
                client: mac(e.get(5..11)?)?,
            });
        }
        Some(Self {
            sender,
            priority,
            connected: flags & F_CONNECTED != 0,
            armed: flags & F_ARMED != 0,
            request: flags & F_REQUEST != 0,
            serving: flags & F_SERVING != 0,
            seq,
            ack,
            halves,
        })
    }

    /// Writes the frame authenticated (see the [module docs](self#authentication-and-replay-protection)):
    /// the frame, flag [`F_AUTH`], then `incarnation`, `echo` and the tag. `None` if `buf`
    /// cannot hold the header and the trailer.
    pub fn encode_signed(
        &self,
        buf: &mut [u8],
        auth: &Authenticator,
        incarnation: u32,
        echo: u32,
    ) -> Option<usize> {
        let room = buf.len().checked_sub(TRAILER)?;
        let n = self.encode(buf.get_mut(..room)?)?;
        *buf.get_mut(19)? |= F_AUTH;
        buf.get_mut(n..n + 4)?
            .copy_from_slice(&incarnation.to_be_bytes());
        buf.get_mut(n + 4..n + 8)?
            .copy_from_slice(&echo.to_be_bytes());
        let tag = auth.sign(buf.get(..n + 8)?);
        buf.get_mut(n + 8..n + TRAILER)?.copy_from_slice(&tag);
        Some(n + TRAILER)
    }

    /// Checks an authenticated frame's tag (constant time) and returns it decoded with its
    /// `(incarnation, echo)`; `None` for a frame without the trailer, a wrong tag or a body
    /// that does not decode.
    pub fn decode_signed(bytes: &[u8], auth: &Authenticator) -> Option<(Self, u32, u32)> {
        if bytes.get(19).copied()? & F_AUTH == 0 {
            return None;
        }
        let end = bytes.len().checked_sub(TRAILER)?;
        let (signed, tag) = (bytes.get(..end + 8)?, bytes.get(end + 8..)?);
        if !auth.verify(signed, tag) {
            return None;
        }
        let u32_at = |i: usize| -> Option<u32> {
            Some(u32::from_be_bytes(bytes.get(i..i + 4)?.try_into().ok()?))
        };
        let (incarnation, echo) = (u32_at(end)?, u32_at(end + 4)?);
        let mut plain = bytes.get(..end)?.to_vec();
        *plain.get_mut(19)? &= !F_AUTH;
        Some((Self::decode(&plain)?, incarnation, echo))
    }

    /// The sender's half of `mlag`, if it described one.
    pub fn half(&self, mlag: MlagId) -> Option<&HalfEvidence> {
        self.halves.iter().find(|h| h.mlag == mlag)
    }
}

/// What the split-brain logic concluded about the peer, for the monitor and the recorder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PeerVerdict {
    /// Connected (or never connected): no split.
    NoSplit,
    /// The peer-link was lost; the peer's evidence is awaited (until the probe deadline).
    Probing,
    /// The peer's evidence says it is alive and split from this side (dual-active).
    AliveSplit,
    /// The peer did not answer within the probe window, or the backup path died: the peer is
    /// gone; this side carries on alone.
    Dead,
}

/// The split-brain state of one coordinator.
#[derive(Debug, Clone)]
pub(crate) struct Split {
    pub(crate) probe: Duration,
    /// A connection with the peer was established since the last verdict "dead".
    pub(crate) armed: bool,
    pub(crate) peer_mac: Option<MacAddr>,
    pub(crate) verdict: PeerVerdict,
    /// Latest evidence from the peer (and when it was heard).
    pub(crate) peer: Option<(Instant, Evidence)>,
    /// Probe deadline and the next request.
    pub(crate) probe_until: Option<Instant>,
    pub(crate) next_request: Option<Instant>,
    /// Evidence to send: `Some(request)`.
    pub(crate) tx_due: Option<bool>,
    pub(crate) seq: u32,
    /// This side's counter when the current split began (the winner's answers must ack a
    /// frame from then on).
    pub(crate) split_seq: u32,
    /// Winner: MLAGs granted to the peer for this split (own halves held out).
    pub(crate) granted: BTreeSet<MlagId>,
    /// Evidence frames rejected (malformed, unknown sender).
    pub(crate) rejected: u64,
    /// With a secret: the signer, this side's incarnation, the peer's latest (incarnation,
    /// seq) accepted.
    pub(crate) auth: Option<Authenticator>,
    pub(crate) incarnation: u32,
    pub(crate) peer_auth: Option<(u32, u32)>,
    /// The peer's earlier incarnations (at most [`RETIRED_MAX`]): their frames are replays.
    pub(crate) retired: Vec<u32>,
    /// The peer's (incarnation, next counter) announced at the latest connection.
    pub(crate) epoch: Option<(u32, u32)>,
    /// The counter of the latest frame accepted from the peer (what `ack` answers).
    pub(crate) heard_seq: Option<u32>,
    /// Refused: no tag or a wrong one.
    pub(crate) forged: u64,
    /// Refused: a counter not newer than the last accepted.
    pub(crate) replayed: u64,
    /// Authenticated but not fresh: only its request was answered.
    pub(crate) stale: u64,
    pub(crate) rx: u64,
    pub(crate) tx: u64,
}

impl Split {
    pub(crate) const fn new(probe: Duration) -> Self {
        Self {
            probe,
            armed: false,
            peer_mac: None,
            verdict: PeerVerdict::NoSplit,
            peer: None,
            probe_until: None,
            next_request: None,
            tx_due: None,
            seq: 0,
            split_seq: 0,
            granted: BTreeSet::new(),
            rejected: 0,
            auth: None,
            incarnation: 0,
            peer_auth: None,
            retired: Vec::new(),
            heard_seq: None,
            epoch: None,
            forged: 0,
            replayed: 0,
            stale: 0,
            rx: 0,
            tx: 0,
        }
    }

    /// Evidence authenticated with `key`, this side's incarnation drawn from `seed` (which
    /// differs from one start to the next, [`super::Options::seed`]); never 0, so an `echo`
    /// of 0 ("none heard") matches no one.
    pub(crate) fn keyed(mut self, key: Option<&[u8]>, seed: u64) -> Self {
        self.auth = key.map(Authenticator::new);
        // SplitMix64's finaliser: distinct seeds give unrelated incarnations.
        let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        self.incarnation = u32::try_from(z >> 32).unwrap_or(1).max(1);
        self
    }

    /// Accepts `(incarnation, seq)` of an authenticated frame from the peer, or says it is a
    /// replay: a counter that does not move forward in its incarnation, or an incarnation the
    /// peer has left (a restart draws a new one). Without this, an old frame could make this
    /// side echo a dead incarnation and leave the live peer's answers unfresh.
    pub(crate) fn accept_counter(&mut self, inc: u32, seq: u32) -> bool {
        match self.peer_auth {
            Some((pi, ps)) if pi == inc && seq.wrapping_sub(ps).wrapping_sub(1) >= 0x8000_0000 => {
                return false;
            }
            Some((pi, _)) if pi == inc => {}
            Some((pi, _)) => {
                if self.retired.contains(&inc) {
                    return false;
                }
                if self.retired.len() >= RETIRED_MAX {
                    self.retired.remove(0);
                }
                self.retired.push(pi);
            }
            None => {}
        }
        self.peer_auth = Some((inc, seq));
        true
    }

    /// Whether an authenticated frame (`inc`, `seq`, `echo`, `ack`) was written since the
    /// pair's last connection, or answers this side: it echoes this
    /// incarnation and acknowledges a frame sent since the current split began.
    pub(crate) const fn fresh(&self, inc: u32, seq: u32, echo: u32, ack: u32) -> bool {
        let since_connect = match self.epoch {
            Some((i, s)) => i == inc && seq.wrapping_sub(s) < 0x8000_0000,
            None => false,
        };
        since_connect
            || (echo == self.incarnation
                && ack != 0
                && ack.wrapping_sub(1).wrapping_sub(self.split_seq) < 0x8000_0000)
    }

    /// MLAGs the peer's latest evidence grants to this side.
    pub(crate) fn granted_to_us(&self) -> BTreeSet<MlagId> {
        match (&self.peer, self.verdict) {
            (Some((_, e)), PeerVerdict::AliveSplit) => e
                .halves
                .iter()
                .filter(|h| h.grant)
                .map(|h| h.mlag)
                .collect(),
            _ => BTreeSet::new(),
        }
    }

    pub(crate) fn poll_timeout(&self) -> Option<Instant> {
        if self.verdict != PeerVerdict::Probing {
            return None;
        }
        [self.probe_until, self.next_request]
            .into_iter()
            .flatten()
            .min()
    }

    /// Loser: the winner's latest evidence does not answer this side's split evidence yet and
    /// says the winner's half of `mlag` does not distribute — a grant may be on its way (one
    /// backup-path round trip), so the half is not taken out meanwhile.
    pub(crate) fn grant_pending(&self, mlag: MlagId) -> bool {
        let Some((_, e)) = &self.peer else {
            return false;
        };
        let answered =
            e.ack.wrapping_sub(1).wrapping_sub(self.split_seq) < 0x8000_0000 && e.ack != 0;
        !answered && e.half(mlag).is_some_and(|h| !h.up)
    }

    /// The request period inside the probe window.
    pub(crate) fn request_every(&self) -> Duration {
        (self.probe / 4).max(Duration::from_millis(1))
    }
}

/// Whether `a` wins the pair's election against `b` (lower priority, then lower bridge MAC:
/// the order iccp elects by).
pub const fn wins(a: (u8, MacAddr), b: (u8, MacAddr)) -> bool {
    if a.0 != b.0 {
        return a.0 < b.0;
    }
    a.1.to_u64() < b.1.to_u64()
}
