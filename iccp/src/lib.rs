//! ICCP (RFC 7275), the inter-chassis control protocol the two MLAG peers speak over the
//! peer-port: codec, framings and a sans-IO session.
//!
//! * [`wire`] — ICC messages and TLVs (RFC 7275 §6–§7, including the mLACP application TLVs and
//!   this crate's documented vendor TLVs), the L2 framing on the peer-port (EtherType 0x88B5 to
//!   01:80:C2:00:00:0E, sequence/acknowledgement numbers, optional HMAC-SHA256) and RFC 7275's own
//!   framing (LDP PDUs over TCP, with a stream [`wire::Deframer`]). Entry points for tools:
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
