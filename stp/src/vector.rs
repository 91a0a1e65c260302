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

/// The components 802.1Q adds to the CIST priority vector (802.1Q-2022 §13.10, §13.11): the
/// CIST Regional Root Identifier and the CIST Internal Root Path Cost. Together with a
/// [`PriorityVector`] (whose `root_path_cost` is then the External Root Path Cost and whose
/// `designated_bridge` the CIST designated bridge) they make the CIST priority vector
/// {RootID : ExtRootPathCost : RRootID : IntRootPathCost : DesignatedBridgeID : DesignatedPortID
/// : RcvPortID}. Outside MSTP, and for information from outside the region, the regional root is
/// the designated bridge and the internal cost 0, so the order is RSTP's.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
pub struct RegionalVector {
    /// CIST Regional Root Identifier.
    pub regional_root: BridgeId,
    /// CIST Internal Root Path Cost.
    pub internal_root_path_cost: u32,
}

/// The message part of a CIST priority vector, in the standard's comparison order (802.1Q-2022
/// §13.10): root, external cost, regional root, internal cost, designated bridge, designated
/// port.
pub(crate) type CistMessage = (BridgeId, u32, BridgeId, u32, BridgeId, PortId);

/// The CIST message priority components of `v` and `r` in comparison order.
pub(crate) const fn cist_message(v: &PriorityVector, r: &RegionalVector) -> CistMessage {
    (
        v.root,
        v.root_path_cost,
        r.regional_root,
        r.internal_root_path_cost,
        v.designated_bridge,
        v.designated_port,
    )
}

/// "Superior" for CIST vectors (802.1Q-2022 §13.10): better, or from the same designated bridge
/// and port (address and port number) with any difference.
pub(crate) fn cist_superior(
    a: &PriorityVector,
    ar: &RegionalVector,
    b: &PriorityVector,
    br: &RegionalVector,
) -> bool {
    let (x, y) = (cist_message(a, ar), cist_message(b, br));
    x < y
        || (a.designated_bridge.address() == b.designated_bridge.address()
            && a.designated_port.number() == b.designated_port.number()
            && x != y)
}
