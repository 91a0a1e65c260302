//! The forwarding database: a MAC table keyed by (VLAN, MAC) with ageing, limits, flushes and peer synchronisation.
//!
//! **Status: placeholder.** This crate is a documented stub that reserves its place in the
//! workspace; it exports nothing yet. Its implementation is a later issue of the project (see the
//! repository README's crate tour). Do not depend on it yet.
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]
