//! The MLAG coordinator: the RouterOS-style configuration model, the `Dataplane` trait a host implements, the `Coordinator` and the simulator.
//!
//! **Status: placeholder.** This crate is a documented stub that reserves its place in the
//! workspace; it exports nothing yet. Its implementation is a later issue of the project (see the
//! repository README's crate tour). Do not depend on it yet.
//!
//! * [`sim`] — the in-memory network simulator in virtual time (seeded links with faults, node
//!   crash/restart, hosts, LACP clients and switches, STP bridges, invariant checks, pcap).
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

extern crate alloc;

pub mod sim;
