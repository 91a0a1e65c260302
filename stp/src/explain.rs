//! Why a port has its role and state: [`Bridge::explain`].
//!
//! The answer names the priority vectors that decided the role (802.1D-2004 §17.6 and
//! §17.21.25), the guard that holds the port, and the timer or handshake a port that is not yet
//! forwarding waits on — the questions an operator asks first and no `show spanning-tree`
//! answers.

use core::fmt;

use crate::bridge::Bridge;
use crate::event::{CIST, Guard, PortState, Role, TreeId};
use crate::port::{InfoIs, StdTimer};
use crate::vector::PriorityVector;
use l2_types::{Duration, PortNo};

/// Why a port has its role.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum RoleReason {
    /// The link is down.
    LinkDown,
    /// The port is administratively disabled.
    AdminDisabled,
    /// BPDU guard disabled the port.
    BpduGuard,
    /// Root Port: its root path priority vector is the best the bridge has.
    RootPort {
        /// The winning root path priority vector (received vector plus this port's path cost).
        root_path: PriorityVector,
        /// The next best port and its root path priority vector, if any.
        runner_up: Option<(PortNo, PriorityVector)>,
    },
    /// Designated Port: this bridge offers the segment a better vector than what it hears.
    Designated {
        /// Our designated priority vector.
        ours: PriorityVector,
        /// The best vector heard on the segment, if any (`None`: no BPDU, or it aged out).
        heard: Option<PriorityVector>,
    },
    /// Alternate Port: another bridge is designated for the segment and offers a worse path to
    /// the root than the Root Port.
    Alternate {
        /// The designated bridge's vector heard on the port.
        heard: PriorityVector,
        /// The Root Port.
        root_port: Option<PortNo>,
        /// The root priority vector.
        root: PriorityVector,
    },
    /// Backup Port: this bridge is designated for the segment through another of its ports.
    Backup {
        /// Our own vector heard from the other port.
        heard: PriorityVector,
    },
    /// A guard holds the port (root guard: Alternate; loop guard, bridge assurance: discarding).
    Guarded {
        /// The guard.
        guard: Guard,
        /// The information that tripped it, if any.
        heard: Option<PriorityVector>,
    },
    /// Role selection has not settled yet (transient).
    Selecting,
}

/// What a Root or Designated port that is not forwarding waits for.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Wait {
    /// The forward delay timer (`fdWhile`): the port moves to `next` when it expires.
    ForwardDelay {
        /// Time left.
        remaining: Duration,
        /// The state it then enters.
        next: PortState,
    },
    /// A Designated port proposed and waits for the neighbour's agreement (or `fdWhile`).
    Agreement {
        /// The forward delay fallback left.
        fallback: Duration,
    },
    /// The bridge is synchronising after a new Root Port (sync, 802.1D-2004 §17.29).
    Sync,
    /// Another port was a Root Port recently (`rrWhile`); it must stop forwarding first.
    ReRoot {
        /// Longest rrWhile left.
        remaining: Duration,
    },
    /// A Backup Port was recently active (`rbWhile`).
    RecentBackup {
        /// Time left.
        remaining: Duration,
    },
}

/// The answer of [`Bridge::explain`].
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct Explanation {
    /// The port.
    pub port: PortNo,
    /// The tree.
    pub tree: TreeId,
    /// Current role.
    pub role: Role,
    /// Role chosen by Port Role Selection (differs from `role` only transiently).
    pub selected_role: Role,
    /// Forwarding state.
    pub state: PortState,
    /// Why it has the role.
    pub reason: RoleReason,
    /// What it waits on, when a forwarding role is not yet forwarding.
    pub waiting: Option<Wait>,
    /// The port speaks 802.1D STP to a legacy neighbour.
    pub legacy_stp: bool,
    /// operEdge.
    pub oper_edge: bool,
    /// operPointToPointMAC.
    pub oper_p2p: bool,
}

impl Bridge {
    /// Explains `port`'s role and state on `tree` (0, the CIST, or an MSTID). `None` for an
    /// unknown port or tree. For an MSTI the vectors are MSTI priority vectors shown in
    /// [`PriorityVector`]'s fields: `root` is the MSTI Regional Root and `root_path_cost` the
    /// MSTI Internal Root Path Cost; a boundary port's MSTI role follows its CIST role (a
    /// Master Port is explained as Designated towards the outside).
    pub fn explain(&self, port: PortNo, tree: TreeId) -> Option<Explanation> {
        if tree != CIST {
            return self.explain_msti(port, tree);
        }
        let now = self.now();
        let p = self.port_internal(port)?;
        let own = self.bridge_id();
        // The root path priority vector; for an MST bridge the CIST one (802.1Q-2022 §13.10),
        // shown without its regional components and ordered with them.
        let root_path = |q: &crate::port::Port| crate::bridge::root_path(q, own).0;
        let root_key = |q: &crate::port::Port| {
            let (v, r) = crate::bridge::root_path(q, own);
            (crate::vector::cist_message(&v, &r), v.bridge_port)
        };
        let heard = (p.info_is == InfoIs::Received).then_some(p.port_priority);
        let reason = if p.bpdu_guarded {
            RoleReason::BpduGuard
        } else if !p.cfg.enabled {
            RoleReason::AdminDisabled
        } else if !p.port_enabled {
            RoleReason::LinkDown
        } else if p.root_inconsistent {
            RoleReason::Guarded {
                guard: Guard::Root,
                heard,
            }
        } else if p.loop_inconsistent {
            RoleReason::Guarded {
                guard: Guard::Loop,
                heard,
            }
        } else if p.ba_inconsistent {
            RoleReason::Guarded {
                guard: Guard::BridgeAssurance,
                heard,
            }
        } else if !p.selected || p.role != p.selected_role {
            RoleReason::Selecting
        } else {
            match p.role {
                Role::Root => {
                    let runner_up = self
                        .internal_ports()
                        .iter()
                        .filter(|q| {
                            q.no != p.no
                                && q.info_is == InfoIs::Received
                                && q.port_priority.designated_bridge.address() != own.address()
                        })
                        .min_by_key(|q| root_key(q))
                        .map(|q| (q.no, root_path(q)));
                    RoleReason::RootPort {
                        root_path: root_path(p),
                        runner_up,
                    }
                }
                Role::Designated | Role::Master => RoleReason::Designated {
                    ours: p.designated_priority,
                    heard: (p.info_is == InfoIs::Received).then_some(p.port_priority),
                },
                Role::Alternate => RoleReason::Alternate {
                    heard: p.port_priority,
                    root_port: self.root_port_number(),
                    root: self.tree().root_priority,
                },
                Role::Backup => RoleReason::Backup {
                    heard: p.port_priority,
                },
                Role::Disabled => RoleReason::LinkDown,
            }
        };
        let state = if p.forwarding {
            PortState::Forwarding
        } else if p.learning {
            PortState::Learning
        } else {
            PortState::Discarding
        };
        let waiting = if matches!(p.role, Role::Root | Role::Designated) && !p.forwarding {
            let next = if p.learning {
                PortState::Forwarding
            } else {
                PortState::Learning
            };
            let fd = Wait::ForwardDelay {
                remaining: p.fd_while.left(now),
                next,
            };
            Some(if p.role == Role::Designated {
                if p.sync && !p.synced {
                    Wait::Sync
                } else if p.re_root && !p.rr_while.zero(now) {
                    Wait::ReRoot {
                        remaining: p.rr_while.left(now),
                    }
                } else if p.proposing && !p.agreed && p.send_rstp {
                    Wait::Agreement {
                        fallback: p.fd_while.left(now),
                    }
                } else {
                    fd
                }
            } else {
                let others = self
                    .internal_ports()
                    .iter()
                    .filter(|q| q.no != p.no)
                    .map(|q| q.rr_while.left(now))
                    .max()
                    .unwrap_or(Duration::ZERO);
                if !others.is_zero() && p.fd_while.left(now) > others {
                    Wait::ReRoot { remaining: others }
                } else if !p.rb_while.zero(now) {
                    Wait::RecentBackup {
                        remaining: p.rb_while.left(now),
                    }
                } else {
                    fd
                }
            })
        } else {
            None
        };
        Some(Explanation {
            port,
            tree,
            role: p.role,
            selected_role: p.selected_role,
            state,
            reason,
            waiting,
            legacy_stp: !p.send_rstp,
            oper_edge: p.oper_edge,
            oper_p2p: p.oper_p2p,
        })
    }
}

struct V<'a>(&'a PriorityVector);

impl fmt::Display for V<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let v = self.0;
        write!(
            f,
            "{{root {:04x}.{}, cost {}, bridge {:04x}.{}, port {:04x}}}",
            v.root.priority_field(),
            v.root.address(),
            v.root_path_cost,
            v.designated_bridge.priority_field(),
            v.designated_bridge.address(),
            v.designated_port.0
        )
    }
}

impl fmt::Display for Explanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "port {} tree {}: {} {}",
            self.port.get(),
            self.tree,
            self.role.name(),
            self.state.name()
        )?;
        match &self.reason {
            RoleReason::LinkDown => write!(f, ", because the link is down")?,
            RoleReason::AdminDisabled => write!(f, ", because it is administratively disabled")?,
            RoleReason::BpduGuard => write!(f, ", because BPDU guard disabled it")?,
            RoleReason::RootPort {
                root_path,
                runner_up,
            } => {
                write!(f, ", because its root path {} is the best", V(root_path))?;
                if let Some((q, v)) = runner_up {
                    write!(f, " (next best: port {} with {})", q.get(), V(v))?;
                }
            }
            RoleReason::Designated { ours, heard } => match heard {
                Some(h) => write!(f, ", because our {} beats the {} heard", V(ours), V(h))?,
                None => write!(
                    f,
                    ", because no better information is heard; we offer {}",
                    V(ours)
                )?,
            },
            RoleReason::Alternate {
                heard,
                root_port,
                root,
            } => {
                write!(
                    f,
                    ", because bridge {} is designated with {}",
                    heard.designated_bridge.address(),
                    V(heard)
                )?;
                if let Some(r) = root_port {
                    write!(
                        f,
                        " and port {} has the better root path {}",
                        r.get(),
                        V(root)
                    )?;
                }
            }
            RoleReason::Backup { heard } => write!(
                f,
                ", because this bridge is designated for the segment through {}",
                V(heard)
            )?,
            RoleReason::Guarded { guard, heard } => {
                write!(f, ", held by {}", guard.name())?;
                if let Some(h) = heard {
                    write!(f, " (heard {})", V(h))?;
                }
            }
            RoleReason::Selecting => write!(f, ", role selection in progress")?,
        }
        match self.waiting {
            Some(Wait::ForwardDelay { remaining, next }) => write!(
                f,
                "; {} in {} ms (forward delay)",
                next.name(),
                remaining.as_millis()
            )?,
            Some(Wait::Agreement { fallback }) => write!(
                f,
                "; proposed, waiting for the neighbour's agreement (or forward delay, {} ms)",
                fallback.as_millis()
            )?,
            Some(Wait::Sync) => write!(f, "; synchronising with a new root port")?,
            Some(Wait::ReRoot { remaining }) => write!(
                f,
                "; waiting {} ms for a recent root port to stop forwarding",
                remaining.as_millis()
            )?,
            Some(Wait::RecentBackup { remaining }) => write!(
                f,
                "; waiting {} ms after a recent backup port",
                remaining.as_millis()
            )?,
            None => {}
        }
        if self.legacy_stp {
            write!(f, "; talking 802.1D STP to a legacy neighbour")?;
        }
        if self.oper_edge {
            write!(f, "; edge port")?;
        }
        Ok(())
    }
}
