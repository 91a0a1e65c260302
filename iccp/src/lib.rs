//! ICCP (RFC 7275), the inter-chassis control protocol the two MLAG peers speak over the
//! peer-port: codec, framings and a sans-IO session.
//!
//! * [`wire`] — ICC messages and TLVs (RFC 7275 §6–§7, including the mLACP application TLVs and
//!   this crate's documented vendor TLVs), the L2 framing on the peer-port (EtherType 0x88B5 to
//!   01:80:C2:00:00:0E, sequence/acknowledgement numbers, optional HMAC-SHA256) and RFC 7275's own
//!   framing (LDP PDUs over TCP, with a stream [`wire::Deframer`] and a sans-IO LDP session,
//!   [`ldp_session`]). Entry points for tools:
//!   [`wire::decode_l2_frame`] and [`wire::decode_ldp_pdu`].
//! * [`Session`] — the sans-IO session, over either transport: discovery and connect (the RFC
//!   7275 §4.2 connection states), mLACP application connect, heartbeat and silence detection,
//!   election of the primary, ordered exactly-once delivery of application TLVs,
//!   resynchronisation, and a backup keepalive path. Over the L2 framing ([`Session::new`]) it
//!   also provides reliability (sequence numbers, acknowledgements, retransmission, a bounded
//!   window), optional authentication and replay protection; over RFC 7275's own LDP/TCP
//!   transport ([`Session::new_ldp`]) it drives an [`ldp_session::LdpSession`] inside and TCP
//!   provides the reliability. Events, monitor and application interface are the same.
//!
//! # Determinism
//! No clock, no I/O, no randomness except the caller's seed ([`SessionConfig::seed`]): the same
//! inputs give the same outputs. Every queue is bounded; overflow is counted in [`Counters`].
//!
//! # The run loop
//! After every input (`handle_frame`, `handle_link`, `handle_timeout`, `handle_backup`) or
//! command (`send_app`, `set_*`), drain [`Session::poll_transmit`] (send each frame on the
//! peer-port), [`Session::poll_backup_transmit`], [`Session::poll_event`] and
//! [`Session::poll_app`], then sleep until [`Session::poll_timeout`] or the next input.
//!
//! ```
//! use iccp::{Session, SessionConfig, Event, LinkState};
//! use l2_types::{Instant, MacAddr};
//!
//! let mut now = Instant::ZERO;
//! let mut s = [1u8, 2].map(|i| {
//!     let mut cfg = SessionConfig::new(MacAddr([2, 0, 0, 0, 0, i]));
//!     cfg.seed = u64::from(i);
//!     let mut s = Session::new(cfg, now);
//!     s.handle_link(now, LinkState::Up);
//!     s
//! });
//! let mut buf = [0u8; iccp::wire::l2::FRAME_MAX];
//! for _ in 0..100 {
//!     for from in 0..2 {
//!         while let Some(t) = s[from].poll_transmit(now, &mut buf) {
//!             let _ = s[1 - from].handle_frame(now, &buf[..t.len]);
//!         }
//!         while s[from].poll_event().is_some() {}
//!     }
//!     let Some(next) = s.iter().filter_map(Session::poll_timeout).min() else { break };
//!     if next > Instant::from_secs(2) { break; }
//!     now = next.max(now);
//!     for x in &mut s { x.handle_timeout(now); }
//! }
//! assert!(s.iter().all(|x| x.monitor().status == iccp::Status::Connected));
//! assert_eq!(s[0].monitor().system_id, MacAddr([2, 0, 0, 0, 0, 1]));
//! assert_eq!(s[1].monitor().system_id, MacAddr([2, 0, 0, 0, 0, 1]));
//! assert_eq!(s[0].role(), Some(iccp::Role::Primary));
//! assert_eq!(s[1].role(), Some(iccp::Role::Secondary));
//! ```
//!
//! # The session
//!
//! ## Connection (RFC 7275 §4.2)
//! Over the peer-port there is no LDP session, so the LDP capability exchange is carried in
//! unsequenced frames: each side sends an LDP Capability message (RFC 5561 §5) with the ICCP
//! Capability TLV (S = 1, version 1.0) and its *incarnation* number in the L2 header, repeating
//! it with backoff until the peer echoes that incarnation (NONEXISTENT → INITIALIZED → CAPSENT).
//! Receiving the peer's capability opens a reliable stream for this pair of incarnations and
//! sends RG Connect (CAPREC → CONNECTING); the peer's RG Connect makes the RG connection
//! OPERATIONAL. The mLACP application connection then completes with the A-bit handshake of
//! the mLACP Connect TLV (RFC 7275 §7.2.1).
//!
//! ## Reliable delivery
//! RG Connect and RG Application Data travel in DATA frames with sequence numbers (from 1 per
//! incarnation pair) and cumulative acknowledgements; at most `window` frames are unacknowledged;
//! a retransmission timeout resends them with exponential backoff; out-of-order frames within the
//! window are buffered and delivered in order; duplicates are acknowledged and dropped. After
//! `retransmit_limit` timeouts without progress — with a heartbeat, never sooner than the
//! silence timeout (3 heartbeats) after the oldest unacknowledged frame was sent, the hold time
//! of RFC 5036 §2.5.6 that a TCP transport would not pre-empt — the session restarts with a new
//! incarnation and the next [`Event::Connected`] asks the application for a full
//! resynchronisation.
//!
//! ## Incarnations, replay and authentication
//! A new incarnation is drawn from the seeded generator whenever the session (re)starts, so frames
//! of an earlier session are recognised and rejected. A peer's new incarnation is adopted only
//! when no peer is connected or when its capability echoes our current incarnation (a challenge
//! round trip), and retired incarnations are never re-adopted. Frame numbers pass a 64-frame
//! sliding replay window. With a key, every frame must carry a valid HMAC-SHA256.
//!
//! ## Snapshot and restore
//! [`Session::snapshot`] / [`Session::restore`] (L2 sessions) keep the whole session — both
//! incarnations, frame numbers and replay window, the reliable stream both ways with its
//! unacknowledged frames, the connection states, the peer and the election — with timers
//! relative, so a host process can be replaced without the peer seeing a restart (the frames
//! it sent meanwhile are retransmitted). Versioned octets, total decoder, refused under another
//! bridge MAC, priority, backup setting or key presence ([`SnapshotError`]).
//!
//! ## Over LDP/TCP (RFC 7275 §6, RFC 5036 §2.5, RFC 5561)
//! A session made with [`Session::new_ldp`] runs the same connection, election and application
//! logic over an LDP session on a TCP connection the host opens (port 646; the side with the
//! higher transport address is active, RFC 5036 §2.5.2). The run loop is the same with other
//! transport calls: [`Session::handle_tcp_connected`], [`Session::handle_tcp_bytes`] (pieces of
//! any size), [`Session::handle_tcp_closed`] (close or reset), and
//! [`Session::poll_tcp_transmit`] (one LDP PDU per call, to write on the connection); when
//! [`Session::tcp_close_wanted`] says so, the host closes the connection and reconnects.
//!
//! * TCP up: INITIALIZED; the Initialization message carries the ICCP Capability TLV (S = 1,
//!   v1.0, RFC 7275 §6.1 / RFC 5561 §4): CAPSENT.
//! * LDP session OPERATIONAL and the peer advertised ICCP: CAPREC, RG Connect (sender name,
//!   mLACP Connect, election data): CONNECTING; the peer's RG Connect: OPERATIONAL; the mLACP
//!   A-bit handshake as over L2. A peer without the ICCP Capability (e.g. FRR's `ldpd`) leaves
//!   the session in CAPSENT and it sends no ICC message (checked against a real `ldpd` in
//!   `tests/frr_ldpd.rs`).
//! * Each ICC message travels in its own LDP PDU; there are no sequence numbers of our own, TCP
//!   delivers in order and exactly once. Heartbeats are RG Application Data with the vendor
//!   Heartbeat TLV, processed outside the ordered application stream; three missed intervals
//!   raise [`Event::PeerSilent`] as over L2. The LDP KeepAlive / hold timer (RFC 5036 §2.5.6)
//!   runs as well.
//! * Any end of the RG connection (disable, RG Disconnect, silence, connect timeout, a malformed
//!   stream, the peer's fatal Notification, a reset) closes the LDP session (Shutdown
//!   notification, NONEXISTENT): after the host reconnects, the next [`Event::Connected`] asks
//!   for a full resynchronisation, as after a restart over L2.
//! * Reconnect with backoff: on the active side (RFC 5036 §2.5.2) [`Session::poll_tcp_connect`]
//!   says when to open the connection — at once at creation and on enabling, then, after a
//!   failed attempt ([`Session::handle_tcp_connect_failed`]) or a closed connection, after
//!   `discovery_interval` × 2^n (n failures in a row) capped at `reconnect_max`, less an optional
//!   seeded jitter (`reconnect_jitter_percent`); [`Session::poll_timeout`] includes the instant.
//!   The count resets when the mLACP connection becomes operational. The passive side waits.
//! * The L2-only features are off: no L2 frames ([`Session::handle_frame`] refuses them), no
//!   HMAC (use TCP-AO / MD5 on the connection, RFC 5036 §2.9), incarnations are replaced by the
//!   connection. The backup keepalive path works as over L2.
//!
//! ## Election
//! Each side sends its priority and bridge MAC in a vendor Election TLV inside RG Connect (and
//! again in RG Application Data when its priority changes) — twice: format version 1 and
//! format version 2, which adds an incumbent system-id and generation numbers
//! ([`wire::param`](crate::wire::param#election-format-version-2-election_version_2)). Lowest
//! (priority, bridge MAC) is primary. A side whose peer is lost becomes primary, unless the
//! backup path still hears the peer (the peer-link failed, the peer lives): then it keeps its
//! role, so a secondary keeps its MLAG ports down and there is no split brain.
//!
//! **Priority changes never give two primaries.** Each side numbers its election data
//! (Generation, advanced by [`Session::set_priority`]); a side that receives a new generation in
//! an update answers with its own data, whose Seen field names it. Until that answer arrives the
//! peer may still hold any of our data sent since the last acknowledged generation, so a side
//! elects with the *highest* priority of those (its own, `prio_hi`) against the peer's latest.
//! Why that is safe: say A holds B's data `b` and B holds A's data `a`. `a` is among the
//! versions A elects over (A's unacknowledged range, or the acknowledged one) and `b` among
//! B's, and each claims primary only if it wins against the other's data for *every* version
//! in its range — so A primary and B primary would need A to beat B and B to beat A on the same
//! pair `(a, b)`. Hence: a side that loses primary by its own change steps down at once; a side
//! that gains it waits until the peer has acknowledged (by then the peer has stepped down); a
//! side whose change keeps it winning keeps its role (no flap); each role moves once. While the
//! change is unacknowledged there may be no primary for one round trip (never two).
//! [`Session::election_settled`] tells whether it is. A version-1 peer (no Election v2 in its
//! RG Connect) acknowledges nothing: there a change counts at once, as before (a window of one
//! peer-link delay with two primaries remains against such a peer).
//!
//! **System-id, sticky and incumbent.** The system-id changes only when an election with a peer
//! computes a different one, so it stays put while the peer is lost (clients' LACP does not
//! flap). The host says whether its clients use it ([`Session::set_system_id_in_use`]: MLAG
//! halves up); a connection that starts while they do advertises the system-id as the
//! *incumbent* (fixed for the connection, so both sides compute from the same data). Then:
//! * neither side has an incumbent: the lower bridge MAC of the two;
//! * one side has: that one — a joining peer adopts the survivor's system-id, even with a lower
//!   MAC, and the survivor's clients see no change;
//! * both have (a healed split brain, or two peers that each started alone): the lower of the
//!   two, the same on both sides (one side's clients renegotiate once);
//! * the peer speaks only version 1: the lower bridge MAC (what that peer computes too).
//!
//! ## Heartbeat
//! Every `heartbeat` (1..=10 s) an unsequenced frame carries a vendor Heartbeat TLV. Any
//! accepted frame proves the peer alive; three intervals without one raise
//! [`Event::PeerSilent`] and restart the connection (the system-id stays).
//!
//! # Scope and deviations
//! * Over L2 the LDP capability exchange and RG Connect are carried as described above; RFC 7275
//!   assumes LDP below and says nothing about a link-layer transport.
//! * Over LDP, every end of the RG connection closes the LDP session too (RFC 7275 would let an
//!   RG Disconnect leave the LDP session up and reconnect with a new RG Connect); hosts see it
//!   as a reconnect. Disconnect reasons map onto [`DisconnectReason`]: hold timer expiry →
//!   `PeerSilent`, the peer's fatal Notification → `PeerRestarted`, a reset or a malformed
//!   stream → `Local` (the monitor's last error says which).
//! * Only the mLACP application is spoken; PW-RED TLVs are unknown TLVs.
//!
//! ## What could not be verified against the RFC text
//! The RFC text itself was not available here. Searched (2026-11, a second attempt): the stored
//! web pages hold only the opening of each tech-invite part of RFC 7275 (part 3, pages 35–64,
//! stops inside §7.1 before the mLACP TLVs) and of IANA's LDP registry; no stored repository
//! holds the RFC text. The mLACP field layouts follow SONiC iccpd's `mlacp_tlv.h` (which
//! annotates RFC 7275 page by page) and the section numbers below follow that annotation.
//!
//! Cross-checked (against SONiC's `msg_format.h`, whose lists are headed by RFC 7275 §12.1–§12.4
//! and their page numbers, not against the RFC itself): the ICC message types 0x0700–0x0703,
//! the ICCP Capability TLV 0x0700, the ICC parameter types 0x0001–0x0005, the mLACP TLV types
//! 0x0030–0x0039 ([`wire::param`], section cited at each constant) and the nine status codes
//! with their names ([`wire::StatusCode`], §12.4) — all equal to this crate's. SONiC sends its
//! Synchronization Request with C = 1, S = 1 and Request Type 0x3FFF, consistent with
//! [`wire::param::SyncRequestType::ALL`]. Nothing found to correct.
//!
//! Not verified (no second source gives their numbers). The coded fields are typed newtypes
//! that keep every value, so an error in a named value changes a name, never the octets on the
//! wire:
//! * [`wire::param::ConfigFlags`] (Aggregator / Port Config, §7.2.4 / §7.2.5): Synchronized =
//!   0x01 and Purge Configuration = 0x02 — the two flags' existence is the RFC's, the bit
//!   positions are not verified.
//! * [`wire::param::PriorityOp`] (Port Priority, §7.2.6): Local = 1, Remote = 2 — not verified.
//! * [`wire::param::Selected`] (Port State, §7.2.7): UNSELECTED 0, SELECTED 1, STANDBY 2 — the
//!   states are 802.1AX's (§5.4.8), the numbers are not verified.
//! * [`wire::param::PortOperState`] (Port State, §7.2.7): DOWN 0, UP 1 — not verified.
//! * [`wire::param::NodeId`] (System Config, §7.2.3): MSB 0x80, 3-bit id 0x70, free 0x0F — as
//!   SONiC's masks; not verified against the RFC.
//! * [`wire::param::SyncRequestType`] (§7.2.9): the C-bit 0x8000 / S-bit 0x4000 / 14-bit type
//!   layout is SONiC's bit-field and ALL = 0x3FFF is what SONiC sends; ONE = 0x0000 is not
//!   verified.
//! * [`wire::param::SyncDataFlags`] (§7.2.10): END = 0x0001 as SONiC sends it; not verified.
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![cfg_attr(
    not(test),
    warn(
        clippy::indexing_slicing,
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic
    )
)]

extern crate alloc;

pub mod ldp_session;
pub mod ops;
mod session;
mod types;
pub mod wire;

pub use session::{FRAME_AHEAD_MAX, SNAPSHOT_VERSION, Session, SnapshotError};
pub use types::{
    AppMessage, AppState, CONTROL_MAX, ConfigError, Counters, DisconnectReason, EVENTS_MAX, Event,
    HEARTBEAT_MAX, HEARTBEAT_MIN, LastError, LinkState, Monitor, PRIORITY_MAX, PeerInfo,
    RECONNECT_JITTER_MAX, Role, RxError, SendError, SessionConfig, State, Status, Transmit,
    WINDOW_MAX,
};
