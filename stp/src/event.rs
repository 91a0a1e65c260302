//! Outputs of a [`Bridge`](crate::Bridge): frames to send, events, errors and counters.

use crate::vector::PriorityVector;
use crate::wire::{self, BridgeId};
use l2_types::PortNo;

/// A tree: 0 is the CIST (the only tree of STP and RSTP), 1–4094 are MSTIs.
pub type TreeId = u16;

/// The CIST.
pub const CIST: TreeId = 0;

/// A port role (802.1Q-2022 §13.27.66 `selectedRole` / `role`).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default, PartialOrd, Ord)]
pub enum Role {
    /// DisabledPort: the port takes no part in the tree.
    #[default]
    Disabled,
    /// RootPort: the best path towards the root.
    Root,
    /// DesignatedPort: the best bridge port for the attached segment.
    Designated,
    /// AlternatePort: another path to the root, discarding.
    Alternate,
    /// BackupPort: a redundant attachment to a segment this bridge is designated for.
    Backup,
    /// MasterPort (MSTIs only).
    Master,
}

impl Role {
    /// The snake_case name.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Disabled => "disabled",
            Self::Root => "root",
            Self::Designated => "designated",
            Self::Alternate => "alternate",
            Self::Backup => "backup",
            Self::Master => "master",
        }
    }

    /// The two-bit encoding of RST/MST flags (802.1D-2004 §9.3.3).
    pub const fn wire(self) -> wire::PortRole {
        match self {
            Self::Root => wire::PortRole::Root,
            Self::Designated => wire::PortRole::Designated,
            Self::Alternate | Self::Backup => wire::PortRole::AlternateOrBackup,
            Self::Disabled | Self::Master => wire::PortRole::MasterOrUnknown,
        }
    }
}

/// The forwarding state the host gives a port on a tree (802.1Q-2022 §13.36 Port State
/// Transition machine). 802.1D's Blocking and Listening are both Discarding.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default, PartialOrd, Ord)]
pub enum PortState {
    /// Frames are neither forwarded nor learnt from.
    #[default]
    Discarding,
    /// Source addresses are learnt; frames are not forwarded.
    Learning,
    /// Frames are forwarded and learnt from.
    Forwarding,
}

impl PortState {
    /// The snake_case name.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Discarding => "discarding",
            Self::Learning => "learning",
            Self::Forwarding => "forwarding",
        }
    }
}

/// A protection feature that can hold a port down.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
pub enum Guard {
    /// BPDU guard: a BPDU arrived on an admin-edge port; the port is disabled until
    /// [`Bridge::clear_guard`](crate::Bridge::clear_guard).
    Bpdu,
    /// Root guard: superior information arrived; the port is an Alternate (root-inconsistent)
    /// for as long as it does.
    Root,
    /// Loop guard: the information of a Root/Alternate/Backup port aged out; the port stays
    /// discarding until a BPDU arrives.
    Loop,
    /// Bridge assurance: no BPDU for 3 × Hello Time on a point-to-point port.
    BridgeAssurance,
}

impl Guard {
    /// The snake_case name.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Bpdu => "bpdu_guard",
            Self::Root => "root_guard",
            Self::Loop => "loop_guard",
            Self::BridgeAssurance => "bridge_assurance",
        }
    }
}

/// A frame [`Bridge::poll_transmit`](crate::Bridge::poll_transmit) wrote into the caller's buffer.
#[must_use = "the frame must be sent on `port`"]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Transmit {
    /// The port to send it on.
    pub port: PortNo,
    /// Length of the whole Ethernet frame at the start of the buffer.
    pub len: usize,
}

/// Something the host acts on or logs, drained with
/// [`Bridge::poll_event`](crate::Bridge::poll_event).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Event {
    /// A port's role on a tree changed.
    PortRole {
        /// The port.
        port: PortNo,
        /// The tree.
        tree: TreeId,
        /// The new role.
        role: Role,
    },
    /// A port's forwarding state on a tree changed: program the hardware.
    PortState {
        /// The port.
        port: PortNo,
        /// The tree.
        tree: TreeId,
        /// The new state.
        state: PortState,
    },
    /// Remove the dynamic filtering entries learnt on `port` for the VLANs of `tree`
    /// (`fdbFlush`, 802.1Q-2022 §13.27.18).
    FlushFdb {
        /// The port whose entries go.
        port: PortNo,
        /// The tree whose VLANs are concerned.
        tree: TreeId,
    },
    /// A topology change was detected on, or received through, `port` (the Topology Change
    /// machine entered DETECTED, NOTIFIED_TC or NOTIFIED_TCN).
    TopologyChange {
        /// The port.
        port: PortNo,
        /// The tree.
        tree: TreeId,
        /// True when detected locally (a port became forwarding), false when received.
        detected: bool,
    },
    /// The root of a tree changed (its root priority vector, root port or path cost).
    RootChanged {
        /// The tree.
        tree: TreeId,
        /// The root bridge.
        root: BridgeId,
        /// The root port, or `None` when this bridge is the root.
        root_port: Option<PortNo>,
        /// The root path cost.
        root_path_cost: u32,
    },
    /// A guard tripped on a port.
    GuardTripped {
        /// The port.
        port: PortNo,
        /// Which guard.
        guard: Guard,
        /// The information that tripped it, when a received priority vector did.
        received: Option<PriorityVector>,
    },
    /// A guard released a port.
    GuardCleared {
        /// The port.
        port: PortNo,
        /// Which guard.
        guard: Guard,
    },
    /// The Port Protocol Migration machine changed the protocol a port speaks.
    ProtocolMigrated {
        /// The port.
        port: PortNo,
        /// True: RST BPDUs; false: 802.1D Configuration and TCN BPDUs.
        send_rstp: bool,
    },
    /// The Bridge Detection machine changed `operEdge`.
    EdgeChanged {
        /// The port.
        port: PortNo,
        /// The new operEdge.
        oper_edge: bool,
    },
}

/// Why a received frame was not processed. Each reason is counted; none changes state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RxError {
    /// The port is not configured.
    #[error("unknown port")]
    UnknownPort,
    /// Not a spanning tree frame (another LLC or an EtherType frame).
    #[error("not a BPDU frame")]
    NotBpdu,
    /// A Cisco PVST+/SSTP frame: recognised, not processed.
    #[error("PVST+ frame ignored")]
    Pvst,
    /// Not sent to the Bridge Group Address.
    #[error("BPDU not addressed to the bridge group address")]
    BadDestination,
    /// The BPDU failed decoding or validation.
    #[error("malformed BPDU: {0}")]
    Malformed(wire::Error),
    /// Message Age ≥ Max Age, or the BPDU carries this port's own identifiers (802.1D-2004 §9.3.4).
    #[error("BPDU not acceptable (aged out or looped back)")]
    NotAcceptable,
    /// The port is administratively disabled, its link is down or a guard holds it disabled.
    #[error("port disabled")]
    PortDisabled,
    /// BPDU filter is on.
    #[error("BPDU filtered")]
    Filtered,
    /// An MST BPDU on a bridge whose Force Protocol Version is below MSTP is processed as RST;
    /// this variant is reserved for BPDUs the bridge cannot use at all.
    #[error("BPDU unusable")]
    Unusable,
}

/// Bridge-wide counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Stats {
    /// Frames given to `handle_frame`.
    pub frames_rx: u64,
    /// BPDUs processed.
    pub bpdus_rx: u64,
    /// Frames refused, all reasons.
    pub rx_errors: u64,
    /// BPDUs written by `poll_transmit`.
    pub bpdus_tx: u64,
    /// BPDUs the transmit hold count delayed (802.1D-2004 §17.26: newInfo left pending).
    pub tx_held: u64,
    /// BPDUs that replaced one the same port had queued and the host had not polled yet
    /// (they went out as one frame, counted once against the Transmit Hold Count).
    pub tx_coalesced: u64,
    /// Frames dropped because the queue was full.
    pub tx_queue_overflow: u64,
    /// Frames dropped because the caller's buffer was too small.
    pub transmit_buffer_too_small: u64,
    /// Events dropped because the queue was full.
    pub event_queue_overflow: u64,
    /// Topology changes detected or received, all ports and trees.
    pub topology_changes: u64,
    /// Guard trips, all ports.
    pub guard_trips: u64,
    /// Machine iterations stopped by the step bound (a bug if ever non-zero).
    pub step_bound_hits: u64,
    /// Port machine runs (one run evaluates every machine of one port once); what an input
    /// costs, for tests and benches.
    pub port_steps: u64,
    /// MST BPDUs whose MSTI part repeated the previous one byte for byte and only restarted
    /// the MSTIs' rcvdInfoWhile (the repeated-BPDU skip); for tests and benches.
    pub msti_skips: u64,
    /// Ports whose information was aged as stale ([`BridgeConfig::stale_info_aging`](crate::BridgeConfig::stale_info_aging), an extension).
    pub stale_info_aged: u64,
    /// BPDUs discarded as delayed copies of ones their sender has superseded
    /// ([`BridgeConfig::stale_info_aging`](crate::BridgeConfig::stale_info_aging), an extension).
    pub stale_info_discarded: u64,
    /// Root sequencing ([`BridgeConfig::root_sequencing`](crate::BridgeConfig::root_sequencing),
    /// an extension): role selections that passed over an infeasible root path (it would have
    /// won, but its sequence number and cost could be stale).
    pub root_seq_infeasible: u64,
    /// Root sequencing: sequence requests this bridge started.
    pub root_seq_requests: u64,
    /// Root sequencing: sequence requests received (all outcomes).
    pub root_seq_requests_rx: u64,
    /// Root sequencing: requests passed on towards the root.
    pub root_seq_forwarded: u64,
    /// Root sequencing: requests this bridge answered (as the root, with a new sequence
    /// number, or with information at least as new as asked).
    pub root_seq_answered: u64,
    /// Root sequencing: requests dropped (another root, no hops left, a repeat).
    pub root_seq_dropped: u64,
    /// Root sequencing: malformed trailers (a BPDU with one is processed without it).
    pub root_seq_malformed: u64,
}

/// Per-port counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct PortCounters {
    /// Configuration BPDUs received.
    pub rx_config: u64,
    /// TCN BPDUs received.
    pub rx_tcn: u64,
    /// RST BPDUs received.
    pub rx_rst: u64,
    /// MST BPDUs received.
    pub rx_mst: u64,
    /// Frames refused on this port.
    pub rx_errors: u64,
    /// Configuration BPDUs sent.
    pub tx_config: u64,
    /// TCN BPDUs sent.
    pub tx_tcn: u64,
    /// RST BPDUs sent.
    pub tx_rst: u64,
    /// MST BPDUs sent.
    pub tx_mst: u64,
    /// Guard trips.
    pub guard_trips: u64,
    /// Topology changes detected or received on this port.
    pub topology_changes: u64,
}
