//! IEEE 802.1AX Link Aggregation Control Protocol (LACP), sans-IO.
//!
//! * [`wire`] — LACPDU v1/v2, Marker and Marker Response PDUs and the Slow Protocols header:
//!   borrowed views and plain reprs, allocation-free decoding, exact encoding.
//! * [`machines`] — the per-port state machines of 802.1AX-2014 §6.4 (Receive, Periodic
//!   Transmission, Mux, Transmit, Churn Detection) with the standard's names.
//! * [`System`] — the driver: ports, LAGs, aggregators, Selection Logic (§6.4.14), Marker
//!   responder (§6.5.4.2), loopback detection, snapshot/restore ([`snapshot`]).
//! * [`config`], [`event`] — what goes in and what comes out.
//! * [`ops`] — an operation language over a `System` for fuzzers and property tests.
//!
//! # Determinism
//! The crate reads no clock, does no I/O and uses no randomness: time is the `now` argument of
//! every input, so the same inputs give the same outputs. Queues are bounded
//! ([`EVENTS_MAX`], [`TRANSMITS_MAX`]); overflow is counted in [`Stats`].
//!
//! # The run loop
//! After every input (`handle_frame`, `handle_link`, `handle_timeout`) or configuration command,
//! drain [`System::poll_transmit`] (send each frame on its port) and [`System::poll_event`]
//! (program the dataplane: collecting/distributing per port), then sleep until
//! [`System::poll_timeout`] or the next frame or link event. Two systems wired back to back in
//! virtual time:
//!
//! ```
//! use lacp::{LagConfig, LagId, LinkState, PortConfig, System, SystemConfig};
//! use l2_types::{Instant, MacAddr, PortNo};
//!
//! let mut now = Instant::ZERO;
//! let mut systems = [1u8, 2].map(|id| {
//!     let mut s = System::new(SystemConfig::new(MacAddr([2, 0, 0, 0, id, 0])));
//!     s.add_lag(now, LagId(1), LagConfig::new(1)).unwrap();
//!     for port in 1..=2u16 {
//!         let cfg = PortConfig::new(MacAddr([2, 0, 0, 0, id, port as u8]), LagId(1), port)
//!             .with_short_timeout();
//!         s.add_port(now, PortNo(port), cfg).unwrap();
//!         s.handle_link(now, PortNo(port), LinkState::Up { speed_mbps: 1000, full_duplex: true });
//!     }
//!     s
//! });
//! let mut buf = [0u8; 1514];
//! for _ in 0..1000 {
//!     // Drain: frames go to the same port number on the other system.
//!     for from in 0..2 {
//!         while let Some(t) = systems[from].poll_transmit(&mut buf) {
//!             let _ = systems[1 - from].handle_frame(now, t.port, &buf[..t.len]);
//!         }
//!         while let Some(event) = systems[from].poll_event() {
//!             let _ = event; // e.g. DistributingChanged { port, distributing } -> dataplane
//!         }
//!     }
//!     // Sleep until the earliest deadline.
//!     let Some(next) = systems.iter().filter_map(System::poll_timeout).min() else { break };
//!     if next > Instant::from_secs(5) {
//!         break;
//!     }
//!     now = next.max(now);
//!     for s in &mut systems {
//!         s.handle_timeout(now);
//!     }
//! }
//! for s in &systems {
//!     assert!(s.ports().all(|p| p.collecting && p.distributing));
//!     assert!(s.lag(LagId(1)).unwrap().up);
//! }
//! ```
//!
//! # MLAG
//! Two chassis present one LACP system by giving the LAG the same
//! [`LagConfig::actor_system`] and key on both, and **disjoint port numbers**. Loopback
//! detection only flags a LACPDU whose actor System ID is the receiving LAG's identity *and*
//! whose actor port number belongs to a local port using that identity, so the peer
//! chassis' LACPDUs are never mistaken for loops.
//!
//! # Deviations from 802.1AX-2014, on purpose
//! * `min_links` (vendor feature): below it no port of the LAG distributes.
//! * DISTRIBUTING also sets NTT, so the partner learns the Distributing bit at once.
//! * Nothing is transmitted while the Periodic machine is in NO_PERIODIC, so Passive ports stay
//!   silent until they hear an Active partner.
//! * Partner_Admin_Port_State is Short Timeout, Passive, Individual (plus Sync, Collecting and
//!   Distributing with [`Fallback::Individual`]).
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

pub mod config;
pub mod event;
pub mod machines;
pub mod ops;
mod port;
mod selection;
pub mod snapshot;
mod system;
mod table;
pub mod wire;

pub use config::{
    Activity, Aggregation, ConfigError, Fallback, LacpTimeout, LagConfig, LagId, LinkState,
    MuxControl, PortConfig, SelectionPolicy, SystemConfig, SystemIdentity,
};
pub use event::{
    AggregatorId, Event, LagStatus, PortCounters, PortStatus, RxError, Stats, Transmit,
};
pub use machines::{
    ActorChurnState, MuxState, PartnerChurnState, PeriodicState, RxState, Selected,
};
pub use port::{EVENTS_MAX, TRANSMITS_MAX};
pub use snapshot::{Snapshot, SnapshotError};
pub use system::{LAGS_MAX, PORTS_MAX, System};
