//! [`diff`]: what changed between two valid configurations, as run-time changes the
//! coordinator applies one by one (no restart, except where [`Change::restarts_mlag`] says).

use super::{Membership, ValidBond, ValidConfig, ValidPort};
use alloc::string::String;
use alloc::vec::Vec;
use core::time::Duration;
use fdb::MlagId;
use l2_types::MacAddr;

/// One run-time change. Names are RouterOS names; fields are RouterOS property names.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Change {
    /// MLAG was enabled, disabled, moved to another bridge or given another peer-port
    /// (`field` is `bridge` or `peer-port`). The ICCP session restarts.
    MlagRestart {
        /// The property that changed.
        field: &'static str,
    },
    /// The MLAG bridge's MAC changed (this peer's election tie breaker and system-id
    /// candidate). The ICCP session restarts.
    BridgeMacChanged {
        /// Before.
        old: MacAddr,
        /// After.
        new: MacAddr,
    },
    /// MLAG `priority` changed: re-election over the running session.
    PriorityChanged {
        /// Before.
        old: u8,
        /// After.
        new: u8,
    },
    /// MLAG `heartbeat` changed.
    HeartbeatChanged {
        /// Before.
        old: Option<Duration>,
        /// After.
        new: Option<Duration>,
    },
    /// A bond was added.
    BondAdded {
        /// Its name.
        bond: String,
        /// Its mlag-id.
        mlag_id: Option<MlagId>,
    },
    /// A bond was removed.
    BondRemoved {
        /// Its name.
        bond: String,
        /// Its mlag-id.
        mlag_id: Option<MlagId>,
    },
    /// A bond's `mlag-id` was set, changed or removed.
    MlagIdChanged {
        /// The bond.
        bond: String,
        /// Before.
        old: Option<MlagId>,
        /// After.
        new: Option<MlagId>,
    },
    /// A bond setting other than `mlag-id` and `slaves` changed (`mode`, `lacp-rate`,
    /// `lacp-mode`, `transmit-hash-policy`, `min-links`).
    BondChanged {
        /// The bond.
        bond: String,
        /// Its mlag-id (after the change).
        mlag_id: Option<MlagId>,
        /// The property.
        field: &'static str,
    },
    /// A slave joined a bond.
    SlaveAdded {
        /// The bond.
        bond: String,
        /// The slave.
        slave: String,
    },
    /// A slave left a bond.
    SlaveRemoved {
        /// The bond.
        bond: String,
        /// The slave.
        slave: String,
    },
    /// A port was added to the MLAG bridge.
    PortAdded {
        /// The interface.
        port: String,
    },
    /// A port was removed from the MLAG bridge.
    PortRemoved {
        /// The interface.
        port: String,
    },
    /// A port setting of the MLAG bridge changed (`pvid`, `priority`, `path-cost`, `edge`,
    /// …; `frame-types`, `ingress-filtering`, `horizon` too).
    PortChanged {
        /// The interface.
        port: String,
        /// The property.
        field: &'static str,
    },
    /// A port's VLAN membership changed (the VLAN table or its `pvid`).
    MembershipChanged {
        /// The interface.
        port: String,
        /// Before.
        old: Membership,
        /// After.
        new: Membership,
    },
    /// A spanning tree setting of the MLAG bridge changed (`protocol-mode`, `priority`,
    /// `max-message-age`, `forward-delay`, `hello-time`, `transmit-hold-count`, `max-hops`,
    /// `port-cost-mode`, `region-name`, `region-revision`, `msti`).
    StpChanged {
        /// The property.
        field: &'static str,
    },
    /// `vlan-filtering` of the MLAG bridge changed.
    VlanFilteringChanged {
        /// After.
        new: bool,
    },
    /// `ageing-time` of the MLAG bridge changed.
    AgeingTimeChanged {
        /// After.
        new: Duration,
    },
}

impl Change {
    /// True if the change restarts the ICCP session (and so the pair's synchronisation);
    /// every other change is applied to the running coordinator.
    pub const fn restarts_mlag(&self) -> bool {
        matches!(
            self,
            Self::MlagRestart { .. } | Self::BridgeMacChanged { .. }
        )
    }
}

/// The run-time changes from `old` to `new`: MLAG settings, then bonds (in `new`'s order,
/// removed bonds last), then the MLAG bridge's spanning tree, ports and VLAN membership.
/// Equal configurations give an empty list.
pub fn diff(old: &ValidConfig, new: &ValidConfig) -> Vec<Change> {
    let mut out = Vec::new();
    let (ob, nb) = (old.mlag_bridge(), new.mlag_bridge());
    match (ob, nb) {
        (Some(o), Some(n)) if o.name != n.name => out.push(Change::MlagRestart { field: "bridge" }),
        (None, Some(_)) | (Some(_), None) => out.push(Change::MlagRestart { field: "bridge" }),
        _ => {}
    }
    if let (Some(o), Some(n)) = (old.mlag(), new.mlag())
        && old.name(o.peer_port) != new.name(n.peer_port)
    {
        out.push(Change::MlagRestart { field: "peer-port" });
    }
    if let (Some(o), Some(n)) = (old.bridge_mac(), new.bridge_mac())
        && o != n
    {
        out.push(Change::BridgeMacChanged { old: o, new: n });
    }
    if old.mlag_priority() != new.mlag_priority() {
        out.push(Change::PriorityChanged {
            old: old.mlag_priority(),
            new: new.mlag_priority(),
        });
    }
    if old.mlag_heartbeat() != new.mlag_heartbeat() {
        out.push(Change::HeartbeatChanged {
            old: old.mlag_heartbeat(),
            new: new.mlag_heartbeat(),
        });
    }

    for n in new.bonds() {
        match old.bond(&n.name) {
            None => out.push(Change::BondAdded {
                bond: n.name.clone(),
                mlag_id: n.mlag_id,
            }),
            Some(o) => diff_bond(&mut out, old, o, new, n),
        }
    }
    for o in old.bonds().iter().filter(|o| new.bond(&o.name).is_none()) {
        out.push(Change::BondRemoved {
            bond: o.name.clone(),
            mlag_id: o.mlag_id,
        });
    }

    if let (Some(o), Some(n)) = (ob, nb)
        && o.name == n.name
    {
        let (os, ns) = (&o.stp, &n.stp);
        let fields: [(&'static str, bool); 10] = [
            ("protocol-mode", os.mode != ns.mode),
            ("priority", os.bridge.priority != ns.bridge.priority),
            ("max-message-age", os.bridge.max_age != ns.bridge.max_age),
            (
                "forward-delay",
                os.bridge.forward_delay != ns.bridge.forward_delay,
            ),
            ("hello-time", os.bridge.hello_time != ns.bridge.hello_time),
            (
                "transmit-hold-count",
                os.bridge.tx_hold_count != ns.bridge.tx_hold_count,
            ),
            ("max-hops", os.bridge.max_hops != ns.bridge.max_hops),
            ("port-cost-mode", o.port_cost_mode != n.port_cost_mode),
            (
                "region-name",
                os.region_name != ns.region_name || os.region_revision != ns.region_revision,
            ),
            ("msti", os.mstis != ns.mstis),
        ];
        for (field, changed) in fields {
            if changed {
                out.push(Change::StpChanged { field });
            }
        }
        if o.vlan_filtering != n.vlan_filtering {
            out.push(Change::VlanFilteringChanged {
                new: n.vlan_filtering,
            });
        }
        if o.ageing_time != n.ageing_time {
            out.push(Change::AgeingTimeChanged { new: n.ageing_time });
        }
        for np in &n.ports {
            match o.ports.iter().find(|op| op.name == np.name) {
                None => out.push(Change::PortAdded {
                    port: np.name.clone(),
                }),
                Some(op) => diff_port(&mut out, op, np),
            }
        }
        for op in o
            .ports
            .iter()
            .filter(|op| !n.ports.iter().any(|np| np.name == op.name))
        {
            out.push(Change::PortRemoved {
                port: op.name.clone(),
            });
        }
    }
    out
}

fn diff_bond(
    out: &mut Vec<Change>,
    old: &ValidConfig,
    o: &ValidBond,
    new: &ValidConfig,
    n: &ValidBond,
) {
    if o.mlag_id != n.mlag_id {
        out.push(Change::MlagIdChanged {
            bond: n.name.clone(),
            old: o.mlag_id,
            new: n.mlag_id,
        });
    }
    let fields: [(&'static str, bool); 6] = [
        ("mode", o.mode != n.mode),
        ("lacp-rate", o.lacp_rate != n.lacp_rate),
        ("lacp-mode", o.lacp_mode != n.lacp_mode),
        (
            "transmit-hash-policy",
            o.transmit_hash_policy != n.transmit_hash_policy,
        ),
        ("min-links", o.min_links != n.min_links),
        ("lacp-fallback", o.lacp_fallback != n.lacp_fallback),
    ];
    for (field, changed) in fields {
        if changed {
            out.push(Change::BondChanged {
                bond: n.name.clone(),
                mlag_id: n.mlag_id,
                field,
            });
        }
    }
    let old_slaves: Vec<&str> = o.slaves.iter().map(|s| old.name(*s)).collect();
    let new_slaves: Vec<&str> = n.slaves.iter().map(|s| new.name(*s)).collect();
    for s in new_slaves.iter().filter(|s| !old_slaves.contains(s)) {
        out.push(Change::SlaveAdded {
            bond: n.name.clone(),
            slave: String::from(*s),
        });
    }
    for s in old_slaves.iter().filter(|s| !new_slaves.contains(s)) {
        out.push(Change::SlaveRemoved {
            bond: n.name.clone(),
            slave: String::from(*s),
        });
    }
}

fn diff_port(out: &mut Vec<Change>, o: &ValidPort, n: &ValidPort) {
    let (os, ns) = (&o.stp, &n.stp);
    let fields: [(&'static str, bool); 14] = [
        ("pvid", o.pvid != n.pvid),
        ("frame-types", o.frame_types != n.frame_types),
        (
            "ingress-filtering",
            o.ingress_filtering != n.ingress_filtering,
        ),
        ("priority", os.priority != ns.priority),
        ("path-cost", os.path_cost != ns.path_cost),
        (
            "internal-path-cost",
            o.internal_path_cost != n.internal_path_cost,
        ),
        (
            "edge",
            os.admin_edge != ns.admin_edge || os.auto_edge != ns.auto_edge,
        ),
        ("point-to-point", os.point_to_point != ns.point_to_point),
        ("bpdu-guard", os.bpdu_guard != ns.bpdu_guard),
        ("restricted-role", os.root_guard != ns.root_guard),
        ("restricted-tcn", os.restricted_tcn != ns.restricted_tcn),
        ("auto-isolate", o.auto_isolate != n.auto_isolate),
        ("horizon", o.horizon != n.horizon),
        ("port-mst-override", o.mst_overrides != n.mst_overrides),
    ];
    for (field, changed) in fields {
        if changed {
            out.push(Change::PortChanged {
                port: n.name.clone(),
                field,
            });
        }
    }
    if o.membership != n.membership {
        out.push(Change::MembershipChanged {
            port: n.name.clone(),
            old: o.membership.clone(),
            new: n.membership.clone(),
        });
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]

    use super::*;
    use crate::config::{Bond, BondMode, BridgePort, Config, Ethernet, LacpMode, LacpRate};
    use crate::config::{BridgeVlan, TransmitHashPolicy};
    use alloc::vec;
    use l2_types::VlanId;

    fn base() -> Config {
        let mut c = Config::quick_setup(1);
        c.ethernet
            .push(Ethernet::new("sfp-sfpplus3", MacAddr([2, 0, 0, 0, 1, 9])));
        c.ethernet
            .push(Ethernet::new("ether2", MacAddr([2, 0, 0, 0, 1, 10])));
        c
    }

    fn d(old: &Config, new: &Config) -> Vec<Change> {
        diff(&old.validate().unwrap(), &new.validate().unwrap())
    }

    fn vid(v: u16) -> VlanId {
        VlanId::try_new(v).unwrap()
    }

    #[test]
    fn single_homed_bond_added_and_removed() {
        let old = base();
        let mut new = base();
        new.bonds.push(Bond::lacp("bond2", &["sfp-sfpplus3"]));
        new.ports
            .push(BridgePort::new("bridge1", "bond2").with_pvid(20));
        let added = vec![
            Change::BondAdded {
                bond: "bond2".into(),
                mlag_id: None,
            },
            Change::PortAdded {
                port: "bond2".into(),
            },
        ];
        assert_eq!(d(&old, &new), added);
        assert_eq!(
            d(&new, &old),
            vec![
                Change::BondRemoved {
                    bond: "bond2".into(),
                    mlag_id: None,
                },
                Change::PortRemoved {
                    port: "bond2".into(),
                },
            ]
        );
        assert!(added.iter().all(|c| !c.restarts_mlag()));
    }

    #[test]
    fn removed_bonds_come_after_the_others() {
        let mut old = base();
        old.bonds.push(Bond::lacp("bond2", &["sfp-sfpplus3"]));
        let mut new = base();
        new.bonds[0].min_links = 1;
        new.bonds.push(Bond::lacp("bond3", &["ether2"]));
        assert_eq!(
            d(&old, &new),
            vec![
                Change::BondChanged {
                    bond: "client-bond".into(),
                    mlag_id: Some(MlagId(10)),
                    field: "min-links",
                },
                Change::BondAdded {
                    bond: "bond3".into(),
                    mlag_id: None,
                },
                Change::BondRemoved {
                    bond: "bond2".into(),
                    mlag_id: None,
                },
            ]
        );
    }

    #[test]
    fn mlag_id_set_and_cleared() {
        let mut old = base();
        old.bonds.push(Bond::lacp("bond2", &["sfp-sfpplus3"]));
        old.ports
            .push(BridgePort::new("bridge1", "bond2").with_pvid(10));
        let mut new = old.clone();
        new.bonds[1].mlag_id = Some(20);
        let set = Change::MlagIdChanged {
            bond: "bond2".into(),
            old: None,
            new: Some(MlagId(20)),
        };
        assert_eq!(d(&old, &new), vec![set]);
        assert_eq!(
            d(&new, &old),
            vec![Change::MlagIdChanged {
                bond: "bond2".into(),
                old: Some(MlagId(20)),
                new: None,
            }]
        );
    }

    #[test]
    fn every_bond_setting_is_named() {
        let old = base();
        type Edit = fn(&mut Bond);
        let cases: [(&str, Edit); 6] = [
            ("mode", |b| b.mode = BondMode::BalanceXor),
            ("lacp-rate", |b| b.lacp_rate = LacpRate::Sec1),
            ("lacp-mode", |b| b.lacp_mode = LacpMode::Passive),
            ("transmit-hash-policy", |b| {
                b.transmit_hash_policy = TransmitHashPolicy::Layer2And3;
            }),
            ("min-links", |b| b.min_links = 2),
            ("lacp-fallback", |b| b.lacp_fallback = true),
        ];
        for (field, f) in cases {
            let mut new = base();
            f(&mut new.bonds[0]);
            if field == "mode" {
                // A bond that leaves 802.3ad cannot keep its mlag-id.
                new.bonds[0].mlag_id = None;
                let c = d(&old, &new);
                assert!(c.contains(&Change::BondChanged {
                    bond: "client-bond".into(),
                    mlag_id: None,
                    field,
                }));
                continue;
            }
            assert_eq!(
                d(&old, &new),
                vec![Change::BondChanged {
                    bond: "client-bond".into(),
                    mlag_id: Some(MlagId(10)),
                    field,
                }],
                "{field}"
            );
        }
    }

    #[test]
    fn slaves_added_and_removed() {
        let old = base();
        let mut new = base();
        new.bonds[0].slaves = vec!["sfp-sfpplus3".into()];
        assert_eq!(
            d(&old, &new),
            vec![
                Change::SlaveAdded {
                    bond: "client-bond".into(),
                    slave: "sfp-sfpplus3".into(),
                },
                Change::SlaveRemoved {
                    bond: "client-bond".into(),
                    slave: "sfp-sfpplus2".into(),
                },
            ]
        );
    }

    #[test]
    fn plain_port_added_and_removed() {
        let old = base();
        let mut new = base();
        new.ports
            .push(BridgePort::new("bridge1", "ether2").with_pvid(20));
        assert_eq!(
            d(&old, &new),
            vec![Change::PortAdded {
                port: "ether2".into()
            }]
        );
        assert_eq!(
            d(&new, &old),
            vec![Change::PortRemoved {
                port: "ether2".into()
            }]
        );
    }

    #[test]
    fn pvid_and_vlan_table_changes_give_the_membership() {
        let old = base();
        let mut new = base();
        new.ports[2].pvid = 10; // ether1: 20 → 10
        let c = d(&old, &new);
        assert_eq!(c.len(), 2, "{c:#?}");
        assert_eq!(
            c[0],
            Change::PortChanged {
                port: "ether1".into(),
                field: "pvid"
            }
        );
        let Change::MembershipChanged {
            port,
            old: o,
            new: n,
        } = &c[1]
        else {
            panic!("{c:#?}");
        };
        assert_eq!(port, "ether1");
        assert_eq!(
            o.all().difference(&n.all()).copied().collect::<Vec<_>>(),
            [vid(20)]
        );
        assert!(n.untagged.contains(&vid(10)));

        // VLAN 20 leaves the table: the peer-port loses it (nothing uses it any more).
        let mut old = base();
        old.ports[2].pvid = 10;
        let mut new = old.clone();
        new.vlans = vec![BridgeVlan::new("bridge1", &[10], &["sfp-sfpplus1"], &[])];
        let c = d(&old, &new);
        assert_eq!(c.len(), 1, "{c:#?}");
        let Change::MembershipChanged {
            port,
            old: o,
            new: n,
        } = &c[0]
        else {
            panic!("{c:#?}");
        };
        assert_eq!(port, "sfp-sfpplus1");
        assert!(o.tagged.contains(&vid(20)) && !n.tagged.contains(&vid(20)));
    }

    #[test]
    fn bridge_settings() {
        let old = base();
        let mut new = base();
        new.bridges[0].vlan_filtering = false;
        new.bridges[0].ageing_time = core::time::Duration::from_secs(60);
        new.bridges[0].forward_delay = core::time::Duration::from_secs(20);
        let c = d(&old, &new);
        assert!(c.contains(&Change::StpChanged {
            field: "forward-delay"
        }));
        assert!(c.contains(&Change::VlanFilteringChanged { new: false }));
        assert!(c.contains(&Change::AgeingTimeChanged {
            new: core::time::Duration::from_secs(60)
        }));
        assert!(c.iter().all(|c| !c.restarts_mlag()));
    }

    #[test]
    fn peer_port_change_restarts() {
        let mut old = base();
        old.ports
            .push(BridgePort::new("bridge1", "ether2").with_pvid(10));
        old.vlans[0].tagged.push("ether2".into());
        let mut new = old.clone();
        new.mlag.peer_port = Some("ether2".into());
        new.ports[0].pvid = 10;
        new.ports[3].pvid = 99;
        let c = d(&old, &new);
        assert_eq!(c[0], Change::MlagRestart { field: "peer-port" });
        assert!(c[0].restarts_mlag());
    }
}
