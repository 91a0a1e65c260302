//! IEEE 802.1D / 802.1Q spanning tree protocols (STP, RSTP, MSTP), sans-IO.
//!
//! * [`wire`] — the LLC framing, Configuration, TCN, RST and MST BPDUs (with up to 64 MSTI
//!   configuration messages), the MST Configuration Identifier and its HMAC-MD5 digest, and the
//!   recognition of Cisco PVST+/SSTP frames (reported as such, never parsed as IEEE BPDUs).
//!
//! The bridge (`stp::Bridge`: RSTP/MSTP with STP compatibility) is being built on top of this
//! codec; until it lands this crate offers the codec only.
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

mod bridge;
pub mod config;
pub mod event;
mod explain;
mod machines;
pub mod port;
pub mod vector;
pub mod wire;

pub use bridge::{Bridge, MachineStates, PORTS_MAX, PortStatus, TreeStatus};
pub use config::{
    AdminP2p, BridgeConfig, ConfigError, ForceVersion, LinkState, PathCost, PathCostMethod,
    PortConfig,
};
pub use event::{
    CIST, Event, Guard, PortCounters, PortState, Role, RxError, Stats, Transmit, TreeId,
};
pub use explain::{Explanation, RoleReason, Wait};
pub use machines::{EVENTS_MAX, TRANSMITS_MAX};
pub use vector::{PriorityVector, Times};
