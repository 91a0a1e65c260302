//! The MLAG coordinator: the RouterOS-style configuration model, pre-flight checks between
//! peers, the `Dataplane` trait a host implements, and the coordinator design.
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
