//! Pre-flight check: give it both peers' validated configurations, get the mismatches between
//! them, their severity, and what the pair would do — before anything is applied.
//!
//! The same comparison is what the coordinator runs when ICCP connects (each peer's summary
//! travels in the vendor Consistency TLV, `iccp::wire::param::VENDOR_CONSISTENCY`), so the
//! pre-flight answer is the answer the running pair gives.
//!
//! # Severity: what an error does
//! * [`Severity::Error`] on one mlag-id: that MLAG is **held down on the secondary** — the
//!   secondary keeps its half out of the LAG (its LACP ports do not go in sync), so the client
//!   runs single-homed on the primary's half. This is safe whatever the mismatch, and the
//!   client keeps connectivity; the primary's half is not taken down too, because a mismatch
//!   is no reason to cut the client off.
//! * [`Severity::Error`] on the pair ([`Scope::Pair`]): every dual-connected MLAG is held down
//!   on the secondary. Raised for what makes the two peers fail to act as one logical system:
//!   the same bridge MAC on both (no election tie breaker, no port-number split), MLAG off on
//!   one side, and spanning tree settings that are part of the logical bridge's identity
//!   (`protocol-mode`, bridge `priority`, MST region name/revision and VLAN→MSTI map): the
//!   survivor of a failover continues the logical bridge with *its* settings, so they must
//!   already be the same or neighbours would see a different bridge (or a different MST
//!   region) after the failover.
//! * [`Severity::Warning`]: reported, nothing held down (timers, LACP rate, hash policy,
//!   `lacp-fallback`, heartbeat, VLANs carried on one peer-port only, mlag-ids configured on
//!   one side only — though the running pair keeps such a bond's half out on the secondary
//!   while connected: the pair's logical STP bridge, run by the primary, has no port for it;
//!   see `Coordinator::apply`).
//!
//! # Per-MLAG checks and why
//! * mlag-id on one side only: the bond comes up single-homed on that side (warning).
//! * `lacp-rate`, `lacp-mode`, `transmit-hash-policy`, `min-links`: the client still sees one
//!   LAG, but failure detection, egress spreading or the up/down threshold differ between the
//!   halves (warning). Both halves `lacp-mode=passive` is an error: a passive client would
//!   never form the LAG on the secondary's half either, and a half that is up only by chance
//!   is not one LAG.
//! * `lacp-fallback` (this crate's extension): only one half falls back at a time (the
//!   primary's, or a survivor's), so the pair never forwards twice to a client without LACP
//!   whatever the settings; but a failover to the side without it leaves such a client with no
//!   link, and a role change can move the fallback to the side that has it or take it away
//!   (warning: holding the secondary's half down would change none of this, since that half
//!   does not fall back).
//! * VLAN membership and `pvid` of the bond's bridge port: the halves are one link for the
//!   client, so a VLAN on one half only black-holes the frames the client hashes onto the
//!   other half (error).
//! * STP port settings (`priority`, `path-cost`, `edge`, `point-to-point`, `bpdu-guard`,
//!   `restricted-role`, `restricted-tcn`): the two halves are **one** port of the logical
//!   bridge (see [`crate::coordinator`]); after a failover the survivor's settings apply, so
//!   different settings change the topology on failover (error, as RouterOS documents: "use
//!   the same STP configuration on dual-connected bridge ports").

pub mod summary;

pub use summary::{
    DecodeError, MlagSummary, PairSummary, PortSummary, Summary, VERSION as SUMMARY_VERSION,
};

use crate::config::{LacpMode, ProtocolMode, ValidConfig};
use alloc::collections::BTreeSet;
use alloc::vec::Vec;
use core::time::Duration;
use fdb::MlagId;
use l2_types::{MacAddr, VlanId};

/// One of the two configurations, in the order given to [`preflight`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Peer {
    /// The first argument.
    A,
    /// The second argument.
    B,
}

/// How bad a mismatch is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Severity {
    /// Reported; nothing held down.
    Warning,
    /// The MLAG (or, for [`Scope::Pair`], every MLAG) is held down on the secondary.
    Error,
}

/// What a finding is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scope {
    /// The pair as a whole.
    Pair,
    /// One mlag-id.
    Mlag(MlagId),
}

/// One difference between the peers. Values are given as (A's, B's).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Mismatch {
    /// MLAG is disabled (`bridge=none`) on one side.
    MlagDisabled(Peer),
    /// Both bridges have the same MAC.
    SameBridgeMac(MacAddr),
    /// `heartbeat` differs.
    Heartbeat(Option<Duration>, Option<Duration>),
    /// `protocol-mode` differs.
    StpMode(ProtocolMode, ProtocolMode),
    /// Bridge `priority` differs.
    StpPriority(u16, u16),
    /// A bridge timer differs (`field`: `max-message-age`, `forward-delay`, `hello-time`,
    /// `transmit-hold-count`, `max-hops`), in seconds or counts.
    StpTimer {
        /// The property.
        field: &'static str,
        /// A's value.
        a: u8,
        /// B's value.
        b: u8,
    },
    /// MSTP: region name, revision or the VLAN→MSTI map (or MSTI priorities) differ.
    MstRegion,
    /// `vlan-filtering` differs.
    VlanFiltering(bool, bool),
    /// VLANs tagged on one peer-port only.
    PeerPortVlans {
        /// Carried by A's peer-port only.
        only_a: Vec<VlanId>,
        /// Carried by B's peer-port only.
        only_b: Vec<VlanId>,
    },
    /// The mlag-id exists on one side only.
    OneSideOnly(Peer),
    /// `lacp-rate` differs.
    LacpRate(crate::config::LacpRate, crate::config::LacpRate),
    /// `lacp-mode` differs.
    LacpMode(LacpMode, LacpMode),
    /// Both halves are `lacp-mode=passive`.
    BothPassive,
    /// `transmit-hash-policy` differs.
    TransmitHashPolicy(
        crate::config::TransmitHashPolicy,
        crate::config::TransmitHashPolicy,
    ),
    /// `min-links` differs.
    MinLinks(u32, u32),
    /// `lacp-fallback` (this crate's extension) differs.
    LacpFallback(bool, bool),
    /// `pvid` of the bond's bridge port differs.
    Pvid(VlanId, VlanId),
    /// VLAN membership of the bond's bridge port differs.
    Vlans {
        /// VLANs only A's half is a member of (tagged or untagged), or that A tags and B
        /// sends untagged.
        only_a: Vec<VlanId>,
        /// Likewise for B.
        only_b: Vec<VlanId>,
    },
    /// A spanning tree setting of the bond's bridge port differs (`field` names it).
    StpPort(&'static str),
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// Its severity.
    pub severity: Severity,
    /// The pair or one mlag-id.
    pub scope: Scope,
    /// What differs.
    pub mismatch: Mismatch,
}

/// What the pair would do with one mlag-id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// Both halves in the LAG.
    Dual,
    /// Configured on one side only: up there, single-homed.
    Single(Peer),
    /// An error holds the secondary's half down: up on the primary only (or on nobody when
    /// the pair has no primary, see [`Report::primary`]).
    HeldDown,
}

/// The pre-flight answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// Every mismatch, pair-wide first, then by mlag-id.
    pub findings: Vec<Finding>,
    /// The peer that would be elected primary: lowest `priority`, then lowest bridge MAC.
    /// `None` when the pair cannot elect (MLAG disabled on a side, or equal bridge MACs).
    pub primary: Option<Peer>,
    /// The shared system-id (the lower bridge MAC), when the pair can elect.
    pub system_id: Option<MacAddr>,
    /// Every mlag-id of either side and what happens to it, in id order.
    pub mlags: Vec<(MlagId, Outcome)>,
}

impl Report {
    /// True if no finding is an error.
    pub fn is_clean(&self) -> bool {
        self.findings.iter().all(|f| f.severity != Severity::Error)
    }

    /// The findings about `scope`.
    pub fn findings_for(&self, scope: Scope) -> impl Iterator<Item = &Finding> + '_ {
        self.findings.iter().filter(move |f| f.scope == scope)
    }

    /// The outcome for `mlag_id`.
    pub fn outcome(&self, mlag_id: MlagId) -> Option<Outcome> {
        self.mlags
            .iter()
            .find(|(id, _)| *id == mlag_id)
            .map(|(_, o)| *o)
    }
}

fn push(out: &mut Vec<Finding>, severity: Severity, scope: Scope, mismatch: Mismatch) {
    out.push(Finding {
        severity,
        scope,
        mismatch,
    });
}

/// Compares the two peers' configurations; see the [module docs](self) for the rules.
pub fn preflight(a: &ValidConfig, b: &ValidConfig) -> Report {
    compare(&Summary::of(a), &Summary::of(b))
}

/// [`preflight`] on two [`Summary`]s (what the running pair exchanges).
pub fn compare(a: &Summary, b: &Summary) -> Report {
    let mut f = Vec::new();
    let pair = Scope::Pair;
    let (pa, pb) = (a.pair.as_ref(), b.pair.as_ref());
    if pa.is_none() {
        push(
            &mut f,
            Severity::Error,
            pair,
            Mismatch::MlagDisabled(Peer::A),
        );
    }
    if pb.is_none() {
        push(
            &mut f,
            Severity::Error,
            pair,
            Mismatch::MlagDisabled(Peer::B),
        );
    }
    let mut primary = None;
    let mut system_id = None;
    if let (Some(x), Some(y)) = (pa, pb) {
        if x.bridge_mac == y.bridge_mac {
            push(
                &mut f,
                Severity::Error,
                pair,
                Mismatch::SameBridgeMac(x.bridge_mac),
            );
        } else {
            // Election: lowest (priority, bridge MAC); system-id: lowest bridge MAC.
            let ka = (x.priority, x.bridge_mac);
            let kb = (y.priority, y.bridge_mac);
            primary = Some(if ka < kb { Peer::A } else { Peer::B });
            system_id = Some(x.bridge_mac.min(y.bridge_mac));
        }
        if x.heartbeat != y.heartbeat {
            push(
                &mut f,
                Severity::Warning,
                pair,
                Mismatch::Heartbeat(x.heartbeat, y.heartbeat),
            );
        }
        if x.stp_mode != y.stp_mode {
            push(
                &mut f,
                Severity::Error,
                pair,
                Mismatch::StpMode(x.stp_mode, y.stp_mode),
            );
        }
        if x.stp_priority != y.stp_priority {
            push(
                &mut f,
                Severity::Error,
                pair,
                Mismatch::StpPriority(x.stp_priority, y.stp_priority),
            );
        }
        let timers = [
            ("max-message-age", x.max_age, y.max_age),
            ("forward-delay", x.forward_delay, y.forward_delay),
            ("hello-time", x.hello_time, y.hello_time),
            ("transmit-hold-count", x.tx_hold_count, y.tx_hold_count),
            ("max-hops", x.max_hops, y.max_hops),
        ];
        for (field, va, vb) in timers {
            if va != vb {
                push(
                    &mut f,
                    Severity::Warning,
                    pair,
                    Mismatch::StpTimer {
                        field,
                        a: va,
                        b: vb,
                    },
                );
            }
        }
        let mstp = x.stp_mode == ProtocolMode::Mstp || y.stp_mode == ProtocolMode::Mstp;
        if mstp
            && (x.region_name != y.region_name
                || x.region_revision != y.region_revision
                || x.mstis != y.mstis)
        {
            push(&mut f, Severity::Error, pair, Mismatch::MstRegion);
        }
        if x.vlan_filtering != y.vlan_filtering {
            push(
                &mut f,
                Severity::Error,
                pair,
                Mismatch::VlanFiltering(x.vlan_filtering, y.vlan_filtering),
            );
        }
        if let (Some(ta), Some(tb)) = (&x.peer_port_tagged, &y.peer_port_tagged) {
            let (only_a, only_b) = split(ta, tb);
            if !only_a.is_empty() || !only_b.is_empty() {
                push(
                    &mut f,
                    Severity::Warning,
                    pair,
                    Mismatch::PeerPortVlans { only_a, only_b },
                );
            }
        }
    }
    let pair_error = f.iter().any(|x| x.severity == Severity::Error);

    // Per mlag-id.
    let ids: BTreeSet<MlagId> = a.mlags.iter().chain(&b.mlags).map(|m| m.id).collect();
    let mut mlags = Vec::new();
    for id in ids {
        let scope = Scope::Mlag(id);
        let outcome = match (a.mlag(id), b.mlag(id)) {
            (Some(_), None) => {
                push(
                    &mut f,
                    Severity::Warning,
                    scope,
                    Mismatch::OneSideOnly(Peer::A),
                );
                Outcome::Single(Peer::A)
            }
            (None, Some(_)) => {
                push(
                    &mut f,
                    Severity::Warning,
                    scope,
                    Mismatch::OneSideOnly(Peer::B),
                );
                Outcome::Single(Peer::B)
            }
            (Some(x), Some(y)) => {
                let before = f.len();
                compare_bonds(&mut f, scope, x, y);
                if let (Some(px), Some(py)) = (&x.port, &y.port) {
                    compare_ports(&mut f, scope, px, py);
                }
                let error = f
                    .get(before..)
                    .is_some_and(|new| new.iter().any(|x| x.severity == Severity::Error));
                if error || pair_error {
                    Outcome::HeldDown
                } else {
                    Outcome::Dual
                }
            }
            (None, None) => continue,
        };
        mlags.push((id, outcome));
    }
    Report {
        findings: f,
        primary,
        system_id,
        mlags,
    }
}

/// (in `a` only, in `b` only), sorted.
fn split(a: &BTreeSet<VlanId>, b: &BTreeSet<VlanId>) -> (Vec<VlanId>, Vec<VlanId>) {
    (
        a.difference(b).copied().collect(),
        b.difference(a).copied().collect(),
    )
}

fn compare_bonds(f: &mut Vec<Finding>, scope: Scope, x: &MlagSummary, y: &MlagSummary) {
    let w = Severity::Warning;
    if x.lacp_rate != y.lacp_rate {
        push(f, w, scope, Mismatch::LacpRate(x.lacp_rate, y.lacp_rate));
    }
    if x.lacp_mode != y.lacp_mode {
        push(f, w, scope, Mismatch::LacpMode(x.lacp_mode, y.lacp_mode));
    } else if x.lacp_mode == LacpMode::Passive {
        push(f, Severity::Error, scope, Mismatch::BothPassive);
    }
    if x.transmit_hash_policy != y.transmit_hash_policy {
        push(
            f,
            w,
            scope,
            Mismatch::TransmitHashPolicy(x.transmit_hash_policy, y.transmit_hash_policy),
        );
    }
    if x.min_links != y.min_links {
        push(f, w, scope, Mismatch::MinLinks(x.min_links, y.min_links));
    }
    if x.lacp_fallback != y.lacp_fallback {
        push(
            f,
            w,
            scope,
            Mismatch::LacpFallback(x.lacp_fallback, y.lacp_fallback),
        );
    }
}

fn compare_ports(f: &mut Vec<Finding>, scope: Scope, x: &PortSummary, y: &PortSummary) {
    let e = Severity::Error;
    if x.pvid != y.pvid {
        push(f, e, scope, Mismatch::Pvid(x.pvid, y.pvid));
    }
    // A VLAN counts as different when membership or tagging differs.
    let mut only_a: BTreeSet<VlanId> = BTreeSet::new();
    let mut only_b: BTreeSet<VlanId> = BTreeSet::new();
    let (ta, tb) = split(&x.tagged, &y.tagged);
    let (ua, ub) = split(&x.untagged, &y.untagged);
    only_a.extend(ta.into_iter().chain(ua));
    only_b.extend(tb.into_iter().chain(ub));
    if !only_a.is_empty() || !only_b.is_empty() {
        push(
            f,
            e,
            scope,
            Mismatch::Vlans {
                only_a: only_a.into_iter().collect(),
                only_b: only_b.into_iter().collect(),
            },
        );
    }
    let fields: [(&'static str, bool); 7] = [
        ("priority", x.priority != y.priority),
        ("path-cost", x.path_cost != y.path_cost),
        (
            "edge",
            x.admin_edge != y.admin_edge || x.auto_edge != y.auto_edge,
        ),
        ("point-to-point", x.point_to_point != y.point_to_point),
        ("bpdu-guard", x.bpdu_guard != y.bpdu_guard),
        ("restricted-role", x.root_guard != y.root_guard),
        ("restricted-tcn", x.restricted_tcn != y.restricted_tcn),
    ];
    for (field, differs) in fields {
        if differs {
            push(f, e, scope, Mismatch::StpPort(field));
        }
    }
}
