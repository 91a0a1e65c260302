//! ICCP (RFC 7275), the inter-chassis control protocol the two MLAG peers speak over the
//! peer-port: codec, framings and a sans-IO session.
//!
//! * [`wire`] — ICC messages and TLVs (RFC 7275 §6–§7, including the mLACP application TLVs and
//!   this crate's documented vendor TLVs), the L2 framing on the peer-port (EtherType 0x88B5 to
//!   01:80:C2:00:00:0E, sequence/acknowledgement numbers, optional HMAC-SHA256) and RFC 7275's own
//!   framing (LDP PDUs over TCP, with a stream [`wire::Deframer`] and a sans-IO LDP session,
//!   [`ldp_session`]). Entry points for tools:
//!   [`wire::decode_l2_frame`] and [`wire::decode_ldp_pdu`].
//! * [`Session`] — the sans-IO session over the L2 framing: discovery and connect (the RFC 7275
//!   §4.2 connection states), mLACP application connect, heartbeat and silence detection,
//!   election of the primary, reliable ordered exactly-once delivery of application TLVs with a
//!   bounded window, resynchronisation, optional authentication and replay protection, and a
//!   backup keepalive path.
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
//! `retransmit_limit` timeouts without progress the session restarts with a new incarnation and
//! the next [`Event::Connected`] asks the application for a full resynchronisation.
//!
//! ## Incarnations, replay and authentication
//! A new incarnation is drawn from the seeded generator whenever the session (re)starts, so frames
//! of an earlier session are recognised and rejected. A peer's new incarnation is adopted only
//! when no peer is connected or when its capability echoes our current incarnation (a challenge
//! round trip), and retired incarnations are never re-adopted. Frame numbers pass a 64-frame
//! sliding replay window. With a key, every frame must carry a valid HMAC-SHA256.
//!
//! ## Election
//! Each side sends its priority and bridge MAC in a vendor Election TLV inside RG Connect (and
//! again in RG Application Data when its priority changes). Lowest (priority, bridge MAC) is
//! primary. The system-id is the lower bridge MAC of the two; it changes only when an election
//! with a peer computes a different one, so it stays put while the peer is lost (clients' LACP
//! does not flap). A side whose peer is lost becomes primary, unless the backup path still hears
//! the peer (the peer-link failed, the peer lives): then it keeps its role, so a secondary keeps
//! its MLAG ports down and there is no split brain.
//!
//! ## Heartbeat
//! Every `heartbeat` (1..=10 s) an unsequenced frame carries a vendor Heartbeat TLV. Any
//! accepted frame proves the peer alive; three intervals without one raise
//! [`Event::PeerSilent`] and restart the connection (the system-id stays).
//!
//! # Scope and deviations
//! * The [`Session`] runs over the L2 framing. For IP deployments the crate provides RFC 7275's
//!   own framing as a codec (LDP PDU header, Initialization with the ICCP Capability TLV,
//!   KeepAlive, Capability, Notification, the ICC messages) and a stream [`wire::Deframer`]; an
//!   LDP session ([`ldp_session::LdpSession`], RFC 5036 §2.5.4) that carries ICC messages over
//!   TCP. The RG connection, election and application logic of [`Session`] run over L2 only;
//!   driving them over an `LdpSession` is not part of this crate yet.
//! * Over L2 the LDP capability exchange and RG Connect are carried as described above; RFC 7275
//!   assumes LDP below and says nothing about a link-layer transport.
//! * The meaning of the raw mLACP octets (Flags, Op Code, Selected, Port State) is left to the
//!   application; the codec carries them as numbers.
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

pub use session::Session;
pub use types::{
    AppMessage, AppState, CONTROL_MAX, ConfigError, Counters, DisconnectReason, EVENTS_MAX, Event,
    HEARTBEAT_MAX, HEARTBEAT_MIN, LastError, LinkState, Monitor, PRIORITY_MAX, PeerInfo, Role,
    RxError, SendError, SessionConfig, State, Status, Transmit, WINDOW_MAX,
};
