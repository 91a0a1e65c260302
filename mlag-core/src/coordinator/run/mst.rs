//! MSTP on the logical bridge: the MST region (802.1Q-2018 §13.8: name, revision, the
//! VLAN→MSTI map of `/interface bridge msti`), the MSTIs' bridge priorities (§13.26.2) and the
//! ports' MSTI priorities and internal path costs (`/interface bridge port-mst-override`,
//! §13.27.33, §13.27.47).
//!
//! They are inputs of the logical bridge like any other, so they travel in the primary's log
//! ([`Op::Region`], [`Op::MstiPort`]) and the replica sets exactly what the primary set: both
//! peers run one MST Configuration Identifier by construction. What each peer *configures* must
//! still agree — after a failover the survivor's configuration is the one in force — which
//! [`crate::preflight`] checks (region name, revision, VLAN→MSTI map, MSTI priorities).
//!
//! A run-time change of the region (`apply` with `StpChanged { field: "region-name" | "msti" }`)
//! is applied in place: `stp::Bridge::set_mst_region` restarts the MSTIs at BEGIN (every port
//! Discarding on every MSTI, 802.1Q-2018 §13.38) and the new trees converge by the ordinary
//! rules; the CIST is not touched. The ports' MSTI settings are set again afterwards (an MSTI the
//! new map adds starts with the defaults).

use super::logical::{self, MstiPortSettings, Op, Region};
use super::{Coordinator, Dataplane, Instant, MlagId, StpMode};
use alloc::vec::Vec;
use l2_types::PortNo;

impl<D: Dataplane> Coordinator<D> {
    /// The region the configuration asks for: the MLAG bridge's with `protocol-mode=mstp`,
    /// else none (every VLAN on the CIST, the identifier `stp::Bridge::new` starts with).
    pub(super) fn mst_region_wanted(&self) -> Region {
        match self.cfg.mlag_bridge() {
            Some(b) if b.stp.bridge.force_version == stp::ForceVersion::Mstp => Region::of(&b.stp),
            _ => Region::default(),
        }
    }

    /// Authoritative or standalone bridge: records the configured region if the bridge runs
    /// another (after a genesis, or a run-time change); true if it did.
    pub(super) fn mst_sync_region(&mut self, now: Instant) -> bool {
        if self.stp.mode == StpMode::Replica {
            return false;
        }
        let want = self.mst_region_wanted();
        let Some(have) = self.stp.bridge.as_ref().map(Region::of_bridge) else {
            return false;
        };
        if want == have {
            return false;
        }
        for payload in want.payloads() {
            self.stp_record(now, Op::Region, 0, payload);
        }
        true
    }

    /// A port's `port-mst-override` settings, for the MSTIs the bridge runs.
    pub(super) fn mst_port_settings(&self, host: PortNo) -> Vec<MstiPortSettings> {
        let Some(b) = self.cfg.mlag_bridge() else {
            return Vec::new();
        };
        let Some(p) = self.cfg.if_of(host).and_then(|i| b.port(i)) else {
            return Vec::new();
        };
        p.mst_overrides
            .iter()
            .filter(|o| {
                self.stp
                    .bridge
                    .as_ref()
                    .is_none_or(|br| br.msti(o.id).is_some())
            })
            .map(|o| MstiPortSettings {
                id: o.id,
                priority: o.priority,
                internal_path_cost: o.internal_path_cost,
            })
            .collect()
    }

    /// Records (or, as replica, sends the primary) logical port `port`'s MSTI settings from
    /// host port `host`'s configuration when they differ from what the bridge was given.
    pub(super) fn mst_sync_port(&mut self, now: Instant, port: u16, host: PortNo) {
        let want = self.mst_port_settings(host);
        let have = self.stp.msti_ports.get(&port).cloned().unwrap_or_default();
        if want == have {
            return;
        }
        // An override that was removed returns the port to the defaults on that MSTI.
        let mut v = want.clone();
        for h in &have {
            if !want.iter().any(|w| w.id == h.id) {
                v.push(MstiPortSettings {
                    id: h.id,
                    priority: 0x80,
                    internal_path_cost: None,
                });
            }
        }
        let payload = logical::encode_msti_port(&v);
        if self.stp.mode == StpMode::Replica {
            self.stp_send_port(Op::MstiPort, port, &payload);
        } else if self.stp.ports.contains_key(&port) {
            self.stp_record(now, Op::MstiPort, port, payload);
        }
    }

    /// Every port this peer configures: its MSTI settings (after a region change, and after a
    /// port was added).
    pub(super) fn mst_sync_ports(&mut self, now: Instant) {
        let own: Vec<(u16, PortNo)> = self.stp.own.iter().map(|(l, h)| (*l, *h)).collect();
        for (l, h) in own {
            self.mst_sync_port(now, l, h);
        }
        if self.stp.mode != StpMode::Replica {
            let mlags: Vec<(MlagId, u16)> =
                self.stp.mlag_ports.iter().map(|(i, l)| (*i, *l)).collect();
            for (id, l) in mlags {
                if let Some(h) = self.mlag_bond_port(id) {
                    self.mst_sync_port(now, l, h);
                }
            }
        }
    }

    /// The bridge's MSTP settings after a configuration change: the region (then every port's
    /// MSTI settings, and the peer-port forwarding on the new MSTIs) and the ports' MSTI
    /// settings.
    pub(super) fn mst_settings_changed(&mut self, now: Instant) {
        let ids: Vec<u16> = self.mst_region_wanted().mstis.iter().map(|m| m.0).collect();
        // The peer-port is the pair's backplane: forwarding on every tree, on both peers
        // (discarding on an isolated peer's, `Coordinator::peer_port_program`).
        let state = self.peer_port_state();
        for id in ids {
            self.dp.set_port_state(self.peer_port, id, state);
        }
        if self.mst_sync_region(now) {
            // 802.1Q-2018 §13.38: the MSTIs restarted with every port Discarding.
            self.stp_apply_states();
        }
        self.mst_sync_ports(now);
    }
}
