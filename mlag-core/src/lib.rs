//! The MLAG coordinator: two switches that a client's LACP bond sees as one, as RouterOS 7
//! MLAG does, built on the `lacp`, `stp`, `iccp` and `fdb` crates.
//!
//! * [`config`] — the RouterOS menus as plain structs (`/interface bridge`, `… bridge msti`,
//!   `… bridge port`, `… bridge vlan`, `/interface bonding`, `/interface bridge mlag`) with
//!   RouterOS's defaults; [`config::Config::validate`] rejects what RouterOS rejects (and what
//!   the coordinator could not run) with errors naming menu, object and field, and yields a
//!   [`config::ValidConfig`]; [`config::diff`] lists the run-time changes between two of them.
//! * [`preflight`] — both peers' configurations in, the mismatches out: severity, which
//!   mlag-ids come up dual-connected, single-homed or held down, who would be primary and the
//!   system-id.
//! * [`dataplane`] — the [`dataplane::Dataplane`] trait a host implements (transmit, STP
//!   state per tree, LAG member collecting/distributing, FDB add/remove/flush, the logical
//!   MLAG port's next hop, split horizon) and [`dataplane::RecordingDataplane`] for tests.
//! * [`coordinator`] — the design of the coordinator (how the pair runs one LACP system and
//!   one logical STP bridge, FDB sync, split horizon, rejoin, dual-active, mismatch
//!   hold-down), the numbering rules both peers share, and [`coordinator::Coordinator`]
//!   (demultiplexer, ICCP session and election, LACP, the logical STP bridge, the FDB and
//!   its synchronisation, the monitor).
//! * [`sim`] — the in-memory network simulator in virtual time (seeded links with faults, node
//!   crash/restart and a fault plan, hosts, LACP clients and switches, STP bridges on a shared
//!   forwarding plane, invariant checks after every step, pcap capture).
//!
//! # Determinism
//! Like the protocol crates: no clock, no I/O, no randomness but the caller's seed; time is the
//! `now` argument of every input.
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

// Modules, one per line (kept sorted so parallel branches merge cleanly).
pub mod config;
pub mod coordinator;
pub mod dataplane;
pub mod preflight;
pub mod sim;
