//! Priority vectors and timer values (802.1D-2004 §17.5–17.6, 802.1Q-2022 §13.9–13.11).

use crate::wire::{BpduTime, BridgeId, PortId};
use core::cmp::Ordering;
use l2_types::Duration;

/// A spanning tree priority vector {RootBridgeID : RootPathCost : DesignatedBridgeID :
/// DesignatedPortID : BridgePortID} (802.1D-2004 §17.5). Lower is better; the derived order is
/// the standard's lexicographic comparison over all five components.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
pub struct PriorityVector {
    /// Root Bridge Identifier.
    pub root: BridgeId,
    /// Root Path Cost.
    pub root_path_cost: u32,
    /// Designated Bridge Identifier.
    pub designated_bridge: BridgeId,
    /// Designated Port Identifier.
    pub designated_port: PortId,
    /// The identifier of the port the vector was received on (or of the port it is for).
    pub bridge_port: PortId,
}

impl PriorityVector {
    /// The first four components, which is what messages carry and what "better" means for
    /// designated and port priority vectors (802.1D-2004 §17.6).
    pub const fn message(&self) -> (BridgeId, u32, BridgeId, PortId) {
        (
            self.root,
            self.root_path_cost,
            self.designated_bridge,
            self.designated_port,
        )
    }

    /// Compares the message parts.
    pub fn cmp_message(&self, other: &Self) -> Ordering {
        self.message().cmp(&other.message())
    }

    /// "Superior" per 802.1D-2004 §17.6: better, or sent by the same designated bridge and port
    /// (address and port number; priorities may have changed).
    pub fn is_superior_to(&self, other: &Self) -> bool {
        self.cmp_message(other) == Ordering::Less
            || (self.designated_bridge.address() == other.designated_bridge.address()
                && self.designated_port.number() == other.designated_port.number()
                && self.cmp_message(other) != Ordering::Equal)
    }
}

/// Timer values carried with a priority vector (802.1D-2004 §17.19.22 portTimes), in the
/// BPDU's 1/256 s units.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
pub struct Times {
    /// Message Age.
    pub message_age: BpduTime,
    /// Max Age.
    pub max_age: BpduTime,
    /// Forward Delay.
    pub forward_delay: BpduTime,
    /// Hello Time.
    pub hello_time: BpduTime,
}

impl Times {
    /// Message Age incremented by one second after rounding to whole seconds (802.1D-2004
    /// §17.21.25 updtRolesTree).
    pub fn aged(self) -> Self {
        let secs = (u32::from(self.message_age.0) + 128) / 256 + 1;
        Self {
            message_age: BpduTime(u16::try_from(secs * 256).unwrap_or(u16::MAX)),
            ..self
        }
    }
}

/// Whole seconds of a BPDU time, rounded to nearest.
pub(crate) fn secs(t: BpduTime) -> u32 {
    (u32::from(t.0) + 128) / 256
}

/// A timer duration: whole seconds of a BPDU time.
pub(crate) fn dur(t: BpduTime) -> Duration {
    Duration::from_secs(u64::from(secs(t)))
}
