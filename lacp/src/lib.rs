//! IEEE 802.1AX Link Aggregation Control Protocol (LACP), sans-IO.
//!
//! * [`wire`] — LACPDU v1/v2, Marker and Marker Response PDUs and the Slow Protocols header:
//!   borrowed views and plain reprs, allocation-free decoding, exact encoding.
//! * [`machines`] — the per-port state machines of 802.1AX-2014 §6.4 (Receive, Periodic
//!   Transmission, Mux, Transmit, Churn Detection) with the standard's names.
//! * [`System`] — the driver: ports, LAGs, aggregators, Selection Logic, Marker responder,
//!   loopback detection, snapshot/restore.
//! * [`ops`] — an operation language for fuzzers and property tests.
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
