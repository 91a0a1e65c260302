//! The last BPDU each of this peer's own ports received, handed to a bridge that starts on
//! the port while its link stays up.
//!
//! A neighbour sends its Designated Port's information at link-up and then once per Hello
//! Time (802.1D-2004 §17.21.20, §17.26). A bridge that takes over a port whose link never
//! went down — the pair's bridge at a rejoin, when the isolated secondary's uplink joins it
//! again, or a bridge that starts from its genesis — proposes on it with its own information,
//! and if that is worse than the neighbour's, the neighbour's Designated Port only records a
//! dispute (§17.21.8 InferiorDesignatedInfo, §17.27 INFERIOR_DESIGNATED: nothing is sent)
//! until its next hello, up to one Hello Time later. Meanwhile the port is a Designated Port
//! the neighbour does not answer: no forwarding through it (chaos seed 2581: a bridge link cut
//! 100 ms after a peer-link came back needed the rejoined secondary's uplink, 0.55 s). The
//! neighbour's information is what it last sent; it is valid as long as the neighbour would
//! keep ours, 3 × Hello Time (§17.21.23). So each peer keeps the last BPDU of each of its own
//! ports, and hands it to the bridge the port joins — relayed to the authority as the
//! replica does with every BPDU, or recorded by the authority or a standalone bridge — right
//! after the port is added: the port gets the neighbour's information at once, as at a
//! link-up. Not part of a coordinator snapshot: after a hitless restart the cache is empty
//! and the port waits for the neighbour's next hello, as before.

use super::{Coordinator, Dataplane, Instant, Op, Param, StpMode};
use alloc::vec::Vec;
use l2_types::PortNo;

impl<D: Dataplane> Coordinator<D> {
    /// A BPDU arrived on this peer's single-homed port `host`.
    pub(super) fn stp_note_rx(&mut self, now: Instant, host: PortNo, frame: &[u8]) {
        if self.stp.own_rev.contains_key(&host) {
            self.stp.last_rx.insert(host, (now, frame.to_vec()));
        }
    }

    /// Hands the bridge this peer now runs or follows the last BPDU of each of its own ports,
    /// if its link is up and the BPDU younger than 3 × Hello Time (module docs).
    pub(super) fn stp_replay_rx(&mut self, now: Instant) {
        let valid = self.stp_hello() * 3;
        self.stp.last_rx.retain(|_, (t, _)| now < *t + valid);
        let replay: Vec<(u16, Vec<u8>)> = self
            .stp
            .own
            .iter()
            .filter_map(|(l, h)| {
                let (_, f) = self.stp.last_rx.get(h)?;
                (self.host_link(*h) != stp::LinkState::Down).then(|| (*l, f.clone()))
            })
            .collect();
        for (l, f) in replay {
            match self.stp.mode {
                StpMode::Replica => {
                    if self.iccp.status() == iccp::Status::Connected
                        && self
                            .iccp
                            .send_app(&Param::StpRelay { port: l, bpdu: &f })
                            .is_err()
                    {
                        self.app_send_failed += 1;
                    }
                }
                StpMode::Primary | StpMode::Standalone => {
                    if self.stp.ports.contains_key(&l) {
                        self.stp_record(now, Op::Frame, l, f);
                    }
                }
            }
        }
    }
}
