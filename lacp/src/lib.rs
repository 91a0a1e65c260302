//! IEEE 802.1AX Link Aggregation Control Protocol (LACP), sans-IO.
//!
//! * [`wire`] — LACPDU v1/v2, Marker and Marker Response PDUs and the Slow Protocols header:
//!   borrowed views and plain reprs, allocation-free decoding, exact encoding.
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

pub mod wire;
