//! The per-port state machines of IEEE 802.1AX-2014 §6.4, with the standard's state and
//! variable names.
//!
//! * [`receive`]: Receive machine (§6.4.12), recordPDU, recordDefault, update_Selected,
//!   update_Default_Selected, update_NTT and Matched.
//! * [`periodic`]: Periodic Transmission machine (§6.4.13).
//! * [`mux`]: Mux machine, independent (§6.4.15, Figure 6-21) and coupled control (Figure 6-22).
//! * [`transmit`]: Transmit machine (§6.4.16) with the three-per-Fast_Periodic_Time limit.
//! * [`churn`]: Actor and Partner Churn Detection machines (§6.4.17).
//!
//! The Selection Logic (§6.4.14) spans ports and lives in the `selection` module (documented on [`crate::System`]).

use l2_types::Duration;

pub mod churn;
pub mod mux;
pub mod periodic;
pub mod receive;
pub mod transmit;

/// Fast_Periodic_Time (§6.4.4): 1 s.
pub const FAST_PERIODIC_TIME: Duration = Duration::from_secs(1);
/// Slow_Periodic_Time (§6.4.4): 30 s.
pub const SLOW_PERIODIC_TIME: Duration = Duration::from_secs(30);
/// Short_Timeout_Time (§6.4.4): 3 s.
pub const SHORT_TIMEOUT_TIME: Duration = Duration::from_secs(3);
/// Long_Timeout_Time (§6.4.4): 90 s.
pub const LONG_TIMEOUT_TIME: Duration = Duration::from_secs(90);
/// Churn_Detection_Time (§6.4.4): 60 s.
pub const CHURN_DETECTION_TIME: Duration = Duration::from_secs(60);
/// Aggregate_Wait_Time (§6.4.4): 2 s.
pub const AGGREGATE_WAIT_TIME: Duration = Duration::from_secs(2);
/// At most this many LACPDUs per Fast_Periodic_Time per port (§6.4.16).
pub const LACPDUS_PER_FAST_PERIODIC_MAX: usize = 3;
/// At most this many Marker Responses per second per port, so that together with the three
/// LACPDUs a port never sends more than the Slow Protocols limit of 10 frames per second.
pub const MARKER_RESPONSES_PER_SECOND_MAX: usize = 7;

/// The Selected variable (§6.4.8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Selected {
    /// UNSELECTED: no aggregator chosen (or the choice was invalidated).
    #[default]
    Unselected,
    /// SELECTED: an aggregator is chosen and the port may attach.
    Selected,
    /// STANDBY: an aggregator is chosen but the port must not be active.
    Standby,
}

/// Receive machine states (§6.4.12, Figure 6-18).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum RxState {
    /// INITIALIZE.
    #[default]
    Initialize,
    /// PORT_DISABLED.
    PortDisabled,
    /// EXPIRED.
    Expired,
    /// LACP_DISABLED.
    LacpDisabled,
    /// DEFAULTED.
    Defaulted,
    /// CURRENT.
    Current,
}

/// Periodic Transmission machine states (§6.4.13, Figure 6-19).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum PeriodicState {
    /// NO_PERIODIC.
    #[default]
    NoPeriodic,
    /// FAST_PERIODIC.
    FastPeriodic,
    /// SLOW_PERIODIC.
    SlowPeriodic,
    /// PERIODIC_TX (transient: sets NTT and returns to FAST or SLOW).
    PeriodicTx,
}

/// Mux machine states (§6.4.15, Figures 6-21 and 6-22).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum MuxState {
    /// DETACHED.
    #[default]
    Detached,
    /// WAITING.
    Waiting,
    /// ATTACHED.
    Attached,
    /// COLLECTING (independent control).
    Collecting,
    /// DISTRIBUTING (independent control).
    Distributing,
    /// COLLECTING_DISTRIBUTING (coupled control).
    CollectingDistributing,
}

/// Actor Churn Detection machine states (§6.4.17, Figure 6-23).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ActorChurnState {
    /// NO_ACTOR_CHURN.
    NoActorChurn,
    /// ACTOR_CHURN_MONITOR.
    #[default]
    ActorChurnMonitor,
    /// ACTOR_CHURN.
    ActorChurn,
}

/// Partner Churn Detection machine states (§6.4.17, Figure 6-24).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum PartnerChurnState {
    /// NO_PARTNER_CHURN.
    NoPartnerChurn,
    /// PARTNER_CHURN_MONITOR.
    #[default]
    PartnerChurnMonitor,
    /// PARTNER_CHURN.
    PartnerChurn,
}

macro_rules! u8_codec {
    ($ty:ident { $($v:ident = $n:literal),+ $(,)? }) => {
        impl $ty {
            pub(crate) const fn to_u8(self) -> u8 {
                match self { $(Self::$v => $n),+ }
            }
            pub(crate) const fn from_u8(v: u8) -> Option<Self> {
                match v { $($n => Some(Self::$v),)+ _ => None }
            }
        }
    };
}

u8_codec!(Selected { Unselected = 0, Selected = 1, Standby = 2 });
u8_codec!(RxState { Initialize = 0, PortDisabled = 1, Expired = 2, LacpDisabled = 3, Defaulted = 4, Current = 5 });
u8_codec!(PeriodicState { NoPeriodic = 0, FastPeriodic = 1, SlowPeriodic = 2, PeriodicTx = 3 });
u8_codec!(MuxState { Detached = 0, Waiting = 1, Attached = 2, Collecting = 3, Distributing = 4, CollectingDistributing = 5 });
u8_codec!(ActorChurnState { NoActorChurn = 0, ActorChurnMonitor = 1, ActorChurn = 2 });
u8_codec!(PartnerChurnState { NoPartnerChurn = 0, PartnerChurnMonitor = 1, PartnerChurn = 2 });
