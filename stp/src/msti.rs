//! Multiple Spanning Tree Instances (802.1Q-2022 §13.11, §13.29.33 for MSTIs): one tree per
//! MSTID of the VLAN→MSTI map, computed inside the MST region from the MSTI configuration
//! messages of MST BPDUs.
//!
//! What runs per MSTI and port: the MSTI priority vectors {Regional Root : Internal Root Path
//! Cost : Designated Bridge : Designated Port : Receiving Port} (§13.11), Port Role Selection
//! (Root, Designated, Alternate, Backup inside the region; at a boundary port the role follows
//! the CIST: a CIST Root Port is the Master Port, §13.29.33), remaining hops (§13.29.34), and a
//! Port State Transition driven by the forward delay timer. Simplification, documented: the
//! MSTI proposal/agreement handshake and the MSTI Topology Change machine are not run, so an
//! internal MSTI port reaches Forwarding after 2 × Forward Delay (as 802.1D STP does), and a
//! boundary port's MSTI state is its CIST state.

use alloc::collections::BTreeMap;

use crate::event::{PortState, Role};
use crate::wire::{BridgeId, PortId};
use l2_types::Instant;

/// An MSTI priority vector (802.1Q-2022 §13.11): lower is better.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
pub struct MstiPriorityVector {
    /// MSTI Regional Root Identifier (its system ID extension is the MSTID).
    pub regional_root: BridgeId,
    /// MSTI Internal Root Path Cost.
    pub internal_root_path_cost: u32,
    /// Designated Bridge Identifier (MSTI bridge priority and MSTID, CIST bridge address).
    pub designated_bridge: BridgeId,
    /// Designated Port Identifier (MSTI port priority, port number).
    pub designated_port: PortId,
    /// The receiving port's MSTI Port Identifier.
    pub bridge_port: PortId,
}

impl MstiPriorityVector {
    /// The first four components, which messages carry.
    pub(crate) const fn message(&self) -> (BridgeId, u32, BridgeId, PortId) {
        (
            self.regional_root,
            self.internal_root_path_cost,
            self.designated_bridge,
            self.designated_port,
        )
    }
}

/// Received MSTI information on a port (portPriority, portTimes' remainingHops and
/// rcvdInfoWhile of 802.1Q-2022 §13.27 for the MSTI).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub(crate) struct MstiInfo {
    pub(crate) priority: MstiPriorityVector,
    pub(crate) hops: u8,
    pub(crate) until: Instant,
}

/// One port on one MSTI.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub(crate) struct MstiPort {
    /// MSTI port priority (steps of 16).
    pub(crate) priority: u8,
    /// MSTI internal port path cost; `None`: the CIST port path cost.
    pub(crate) path_cost: Option<u32>,
    pub(crate) info: Option<MstiInfo>,
    pub(crate) role: Role,
    pub(crate) state: PortState,
    /// fdWhile: the instant the next state is reached.
    pub(crate) fd_until: Option<Instant>,
}

impl Default for MstiPort {
    fn default() -> Self {
        Self {
            priority: 128,
            path_cost: None,
            info: None,
            role: Role::Disabled,
            state: PortState::Discarding,
            fd_until: None,
        }
    }
}

/// One MSTI of the bridge.
#[derive(Clone, Debug)]
pub(crate) struct Msti {
    pub(crate) mstid: u16,
    /// MSTI bridge priority (steps of 4096).
    pub(crate) priority: u16,
    /// rootPriority of the MSTI.
    pub(crate) root: Option<MstiPriorityVector>,
    pub(crate) root_port: Option<u16>,
    /// remainingHops of the MSTI root times.
    pub(crate) root_hops: u8,
    pub(crate) ports: BTreeMap<u16, MstiPort>,
}

impl Msti {
    pub(crate) fn new(mstid: u16) -> Self {
        Self {
            mstid,
            priority: 32768,
            root: None,
            root_port: None,
            root_hops: 0,
            ports: BTreeMap::new(),
        }
    }
}

/// What a show command prints for an MSTI.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct MstiStatus {
    /// The MSTID.
    pub mstid: u16,
    /// This bridge's MSTI Bridge Identifier (MSTI priority, MSTID, address).
    pub bridge_id: BridgeId,
    /// The MSTI root priority vector (the MSTI Regional Root and the internal cost to it).
    pub root_priority: MstiPriorityVector,
    /// The MSTI Root Port, if this bridge is not the MSTI Regional Root.
    pub root_port: Option<l2_types::PortNo>,
    /// This bridge is the MSTI Regional Root.
    pub is_root: bool,
    /// remainingHops of the MSTI root times.
    pub remaining_hops: u8,
}
