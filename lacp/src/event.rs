//! Outputs of the [`System`](crate::System): events, transmits, errors and the show-command
//! views.

use crate::config::{LagId, LinkState, SystemIdentity};
use crate::machines::{
    ActorChurnState, MuxState, PartnerChurnState, PeriodicState, RxState, Selected,
};
use crate::wire::{self, MarkerRepr, PortInfo};
use l2_types::{MacAddr, PortNo};

/// An aggregator identifier, allocated by the System (smallest free number from 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct AggregatorId(pub u32);

impl core::fmt::Display for AggregatorId {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "agg{}", self.0)
    }
}

/// A frame [`System::poll_transmit`](crate::System::poll_transmit) wrote into the caller's buffer.
#[must_use = "the frame must be sent on `port`"]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Transmit {
    /// The physical port to send it on (never through the LAG's hash).
    pub port: PortNo,
    /// Length of the whole Ethernet frame at the start of the buffer.
    pub len: usize,
}

/// Something the host may want to act on or log. Drained with
/// [`System::poll_event`](crate::System::poll_event).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Event {
    /// Selection Logic chose `aggregator` for the port (Selected = SELECTED).
    PortSelected {
        /// The port.
        port: PortNo,
        /// Its LAG.
        lag: LagId,
        /// The aggregator.
        aggregator: AggregatorId,
    },
    /// Selected became UNSELECTED.
    PortUnselected {
        /// The port.
        port: PortNo,
    },
    /// Selected became STANDBY (hot standby or a non-active aggregator).
    PortStandby {
        /// The port.
        port: PortNo,
        /// The aggregator it waits on.
        aggregator: AggregatorId,
    },
    /// The Mux machine attached the port to its aggregator (Attach_Mux_To_Aggregator).
    Attached {
        /// The port.
        port: PortNo,
        /// The aggregator.
        aggregator: AggregatorId,
    },
    /// The Mux machine detached the port (Detach_Mux_From_Aggregator).
    Detached {
        /// The port.
        port: PortNo,
    },
    /// Collection of frames from the port was enabled or disabled: program the dataplane.
    CollectingChanged {
        /// The port.
        port: PortNo,
        /// Enabled?
        collecting: bool,
    },
    /// Distribution of frames to the port was enabled or disabled: program the dataplane.
    DistributingChanged {
        /// The port.
        port: PortNo,
        /// Enabled?
        distributing: bool,
    },
    /// The operational partner information changed (identity or state bits).
    PartnerChanged {
        /// The port.
        port: PortNo,
        /// The new Partner_Oper values.
        partner: PortInfo,
    },
    /// The LAG reached `min_links` ready links.
    LagUp {
        /// The LAG.
        lag: LagId,
    },
    /// The LAG fell below `min_links`; none of its ports distributes.
    LagDown {
        /// The LAG.
        lag: LagId,
    },
    /// The LAG's active aggregator changed.
    ActiveAggregatorChanged {
        /// The LAG.
        lag: LagId,
        /// The new active aggregator, if any.
        aggregator: Option<AggregatorId>,
    },
    /// Actor churn detected or cleared.
    ActorChurn {
        /// The port.
        port: PortNo,
        /// Actor_Churn.
        churn: bool,
    },
    /// Partner churn detected or cleared.
    PartnerChurn {
        /// The port.
        port: PortNo,
        /// Partner_Churn.
        churn: bool,
    },
    /// A LACPDU sent by this System came back (the port is looped); the port is kept out of
    /// aggregation until no such LACPDU has been seen for Short_Timeout_Time.
    LoopbackDetected {
        /// The port.
        port: PortNo,
    },
    /// A Marker PDU was received (and answered unless rate limited).
    MarkerReceived {
        /// The port.
        port: PortNo,
        /// The PDU.
        marker: MarkerRepr,
    },
    /// A Marker Response PDU was received.
    MarkerResponseReceived {
        /// The port.
        port: PortNo,
        /// The PDU.
        marker: MarkerRepr,
    },
}

/// Why [`System::handle_frame`](crate::System::handle_frame) rejected a frame. Each reason
/// also increments a counter in [`Stats`] (and, for known ports, in [`PortCounters`]); none
/// changes protocol state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RxError {
    /// The frame or PDU is malformed (counted as illegal).
    #[error("malformed frame: {0}")]
    Wire(wire::Error),
    /// The port is not configured.
    #[error("unknown port")]
    UnknownPort,
    /// The EtherType is not Slow Protocols.
    #[error("EtherType 0x{0:04x} is not Slow Protocols")]
    NotSlowProtocols(u16),
    /// The destination is not one of the LACP group addresses.
    #[error("destination {0} is not a Slow Protocols group address")]
    BadDestination(MacAddr),
    /// A Slow Protocol other than LACP or Marker (counted as unknown).
    #[error("unknown slow protocols subtype {0}")]
    UnknownSubtype(u8),
    /// The port's link is down (or not full duplex).
    #[error("port is disabled")]
    PortDisabled,
    /// A LACPDU this System sent came back.
    #[error("LACPDU looped back")]
    Loopback,
    /// A Marker PDU exceeded the Slow Protocols rate limit; no response was sent.
    #[error("marker response rate limit exceeded")]
    RateLimited,
}

/// Per-port counters (802.1AX MIB names as Linux shows them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct PortCounters {
    /// Valid LACPDUs received.
    pub lacpdus_rx: u64,
    /// LACPDUs transmitted (queued for transmission).
    pub lacpdus_tx: u64,
    /// Marker PDUs received.
    pub markers_rx: u64,
    /// Marker Response PDUs transmitted.
    pub marker_responses_tx: u64,
    /// Marker Response PDUs received.
    pub marker_responses_rx: u64,
    /// Valid Slow Protocols frames of an unknown subtype.
    pub unknown_rx: u64,
    /// Malformed frames.
    pub illegal_rx: u64,
    /// Looped-back LACPDUs.
    pub loopback_rx: u64,
    /// Frames dropped because the port was disabled.
    pub disabled_rx: u64,
    /// Marker PDUs not answered because of the rate limit.
    pub marker_responses_rate_limited: u64,
}

/// System-wide counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Stats {
    /// Frames handed to `handle_frame`.
    pub frames_rx: u64,
    /// Frames for unknown ports.
    pub unknown_port_rx: u64,
    /// Frames whose EtherType is not Slow Protocols.
    pub not_slow_protocols_rx: u64,
    /// Frames to a wrong destination.
    pub bad_destination_rx: u64,
    /// Slow Protocols frames of an unknown subtype.
    pub unknown_rx: u64,
    /// Malformed frames.
    pub illegal_rx: u64,
    /// Frames received on a disabled port.
    pub disabled_rx: u64,
    /// Looped-back LACPDUs.
    pub loopback_rx: u64,
    /// Marker PDUs not answered because of the rate limit.
    pub marker_responses_rate_limited: u64,
    /// Events dropped because the event queue was full.
    pub events_dropped: u64,
    /// Frames dropped because the transmit queue was full.
    pub transmits_dropped: u64,
    /// Frames dropped because the buffer given to `poll_transmit` was too small.
    pub transmit_buffer_too_small: u64,
    /// Times the machine evaluation loop hit its iteration bound (should stay 0).
    pub run_limit_reached: u64,
}

/// One port as a bond `monitor-slaves` / `/proc/net/bonding` view shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PortStatus {
    /// The port.
    pub port: PortNo,
    /// Its LAG.
    pub lag: LagId,
    /// Link as last reported.
    pub link: LinkState,
    /// The aggregator chosen by Selection Logic.
    pub aggregator: Option<AggregatorId>,
    /// Selected.
    pub selected: Selected,
    /// Mux machine state.
    pub mux_state: MuxState,
    /// Receive machine state.
    pub rx_state: RxState,
    /// Periodic Transmission machine state.
    pub periodic_state: PeriodicState,
    /// The actor information a LACPDU sent now would carry.
    pub actor: PortInfo,
    /// Partner operational information.
    pub partner: PortInfo,
    /// Collecting enabled.
    pub collecting: bool,
    /// Distributing enabled.
    pub distributing: bool,
    /// Actor churn machine state.
    pub actor_churn_state: ActorChurnState,
    /// Partner churn machine state.
    pub partner_churn_state: PartnerChurnState,
    /// Looped back (kept out of aggregation).
    pub loopback: bool,
    /// Counters.
    pub counters: PortCounters,
}

/// One LAG as a bond monitor view shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LagStatus {
    /// The LAG.
    pub lag: LagId,
    /// Actor key.
    pub key: u16,
    /// System identity the LAG's ports advertise.
    pub actor_system: SystemIdentity,
    /// Active aggregator.
    pub active_aggregator: Option<AggregatorId>,
    /// Partner System of the active aggregator (`None` without one or when defaulted).
    pub partner_system: Option<SystemIdentity>,
    /// Partner key of the active aggregator.
    pub partner_key: Option<u16>,
    /// Member ports.
    pub ports: usize,
    /// Aggregators currently used by the LAG's ports.
    pub aggregators: usize,
    /// Ports attached to the active aggregator.
    pub ports_attached: usize,
    /// Ports distributing.
    pub ports_distributing: usize,
    /// At least `min_links` links ready.
    pub up: bool,
}
