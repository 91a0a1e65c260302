//! A peer that leaves one bridge for another on its own ports withdraws the old bridge's
//! information from the neighbours first.
//!
//! When the peer-link fails and this peer is the isolated secondary, its single-homed ports
//! leave the pair's logical bridge for a standalone bridge with this peer's own address (and
//! the reverse when the peer-link returns). A neighbour whose root port faced such a port
//! holds the pair's information from it; the first BPDU of the new bridge has another
//! Designated Bridge and worse information, so the neighbour's Port Information machine
//! takes it for INFERIOR_DESIGNATED (802.1D-2004 §17.21.8, §17.27: recordDispute, the
//! information is kept) and keeps forwarding towards this port until the pair's information
//! ages out — 3 × Hello Time (§17.21.23), 6 s by default, longer than the peer-link cut's
//! failover limit (chaos seeds 3026, 5068: black holes of 5.1–5.4 s after a peer-link cut).
//!
//! So before it switches, the peer sends on each of its own ports the old bridge still
//! runs as a Designated Port one last RST BPDU of that bridge: the same Designated Bridge and
//! Port Identifier, so the neighbour records it whatever its priority (§17.6: a message from
//! the port's current Designated Bridge and Port replaces the port priority vector; §17.21.8
//! SuperiorDesignatedInfo or RepeatedDesignatedInfo), with a Message Age one tick (1/256 s)
//! under Max Age: still accepted (§9.3.4 discards a BPDU whose Message Age reaches Max Age)
//! but aged at once (§17.21.23 updtRcvdInfoWhile: rcvdInfoWhile is zero when Message Age
//! plus one second, rounded, exceeds Max Age). The neighbour's port is AGED (§17.27) and
//! its roles are selected again at once, from its other ports and from whatever the new
//! bridge proposes. Only RSTP bridges: an MST bridge's CIST message carries regional
//! components a neighbour in the region would also compare.

use super::{Coordinator, Dataplane};
use alloc::vec::Vec;
use l2_types::PortNo;
use stp::wire::{Bpdu, BpduFlags, BpduFrame, BpduTime, ConfigBpdu, PortRole, RstBpdu};
use stp::{ForceVersion, Role};

impl<D: Dataplane> Coordinator<D> {
    /// Sends the withdrawal of the current bridge's information on this peer's own ports
    /// (module docs); call it before the ports leave the bridge.
    pub(super) fn stp_withdraw_own(&mut self) {
        let Some(b) = self.stp.bridge.as_ref() else {
            return;
        };
        if b.config().force_version != ForceVersion::Rstp {
            return;
        }
        let times = b.tree().root_times;
        let max_age = times.max_age;
        let frames: Vec<(u16, Vec<u8>)> = self
            .stp
            .own
            .keys()
            .filter_map(|&l| {
                let p = b.port(PortNo(l))?;
                let mac = b.port_config(PortNo(l))?.mac;
                if !p.enabled || p.role != Role::Designated || p.oper_edge || !p.send_rstp {
                    return None;
                }
                let v = p.designated_priority;
                let bpdu = RstBpdu {
                    version: 2,
                    bpdu: ConfigBpdu {
                        flags: BpduFlags::empty().with_role(PortRole::Designated),
                        root_id: v.root,
                        root_path_cost: v.root_path_cost,
                        bridge_id: v.designated_bridge,
                        port_id: v.designated_port,
                        message_age: BpduTime(max_age.0.saturating_sub(1)),
                        max_age,
                        hello_time: times.hello_time,
                        forward_delay: times.forward_delay,
                    },
                    version_1_length: 0,
                };
                let mut buf = [0u8; 64];
                let n = BpduFrame::emit(mac, &Bpdu::Rst(bpdu), &mut buf).ok()?;
                Some((l, buf.get(..n)?.to_vec()))
            })
            .collect();
        for (l, f) in frames {
            self.stp_transmit(l, &f);
        }
    }
}
