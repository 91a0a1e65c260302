//! The neighbour's Designated Port information on each of this peer's own ports, handed to a
//! bridge that starts on the port while its link stays up.
//!
//! A neighbour sends its Designated Port's information at link-up and then once per Hello
//! Time (802.1D-2004 §17.21.20, §17.26). A bridge that takes over a port whose link never
//! went down — the pair's bridge at a rejoin, when the isolated secondary's uplink joins it
//! again, or a bridge that starts from its genesis — proposes on it with its own information,
//! and if that is worse than the neighbour's, the neighbour's Designated Port only records a
//! dispute (§17.21.8 InferiorDesignatedInfo, §17.27 INFERIOR_DESIGNATED: nothing is sent)
//! until its next hello, up to one Hello Time later. Meanwhile the port is a Designated Port
//! the neighbour does not answer: no forwarding through it (chaos seed 2581: a bridge link cut
//! 100 ms after a peer-link came back needed the rejoined secondary's uplink, 0.55 s). To a
//! single bridge this never happens: a bridge that restarts takes its links down, and the
//! neighbour's port sends its information at the link-up (§17.27 DISABLED → AGED → UPDATE,
//! newInfo).
//!
//! So each peer keeps, per own port, the last BPDU it received there *from a Designated
//! Port*, and hands it to the bridge the port joins — relayed to the authority as the replica
//! does with every BPDU, or recorded by the authority or a standalone bridge — right after the
//! port is added: the port gets the neighbour's information at once, as at a link-up. The
//! information is valid as long as the neighbour would keep ours, 3 × Hello Time (§17.21.23),
//! and goes with the link.
//!
//! Only the information is handed over, never the handshake: the proposal, agreement and
//! topology change flags of that BPDU answered or asked the *old* bridge (an agreement
//! replayed to a new Designated Port would set `agreed` without a proposal of its own,
//! §17.21.9, and open it at once: chaos seed 2141 forwarded a frame round br0 → Peer2 →
//! Peer1 → br0 that way). A BPDU with another role (the neighbour's port is a Root or
//! Alternate Port) clears the entry: the neighbour holds our information, not its own, and
//! answers our proposals. The replayed frame is an RST BPDU with only the Designated role and
//! the neighbour's Learning/Forwarding state; a Configuration BPDU (implicitly Designated,
//! §9.3.1) keeps its type with no flags; MST BPDUs are not kept (their MSTI messages carry
//! their own handshake flags). A root sequencing trailer after an RST BPDU
//! (`stp::wire::rootseq`) is kept with its root sequence number, without a request: the
//! sequence number belongs to the information (without it the bridge would take the replayed
//! information as a bridge's without the extension, and send it on unsequenced — chaos seed
//! 2811 with root sequencing), the request asked the old bridge. Not part of a coordinator snapshot: after a hitless restart
//! the cache is empty and the port waits for the neighbour's next hello, as before.

use super::{Coordinator, Dataplane, Instant, Op, Param, StpMode};
use alloc::vec::Vec;
use l2_types::PortNo;
use stp::wire::{Bpdu, BpduFlags, BpduFrame, FrameKind, PortRole, RootSeqTrailer};

/// The octets a kept BPDU frame takes at most (an RST BPDU frame is 53, 77 with a root
/// sequencing trailer).
const KEPT_MAX: usize = 96;

/// The BPDU to keep for a replay, if `frame` carries a Designated Port's information: `Some`
/// of its length in `out` (the frame to keep, handshake flags cleared), `None` to clear what
/// was kept. `Err` for frames that change nothing (TCNs, undecodable frames).
fn designated_info(frame: &[u8], out: &mut [u8; KEPT_MAX]) -> Result<Option<usize>, ()> {
    let f = BpduFrame::parse(frame).map_err(|_| ())?;
    let FrameKind::Bpdu(body) = f.kind else {
        return Err(());
    };
    let bpdu = match Bpdu::parse(body).map_err(|_| ())? {
        Bpdu::Tcn { .. } => return Err(()),
        Bpdu::Mst(_) => return Ok(None),
        Bpdu::Config { version, mut bpdu } => {
            bpdu.flags = BpduFlags::empty();
            Bpdu::Config { version, bpdu }
        }
        Bpdu::Rst(mut rst) => {
            let flags = rst.bpdu.flags;
            if flags.role() != PortRole::Designated {
                return Ok(None);
            }
            rst.bpdu.flags = BpduFlags::empty().with_role(PortRole::Designated)
                | (flags & (BpduFlags::LEARNING | BpduFlags::FORWARDING));
            if rst.version == 2
                && let Ok(Some(t)) =
                    RootSeqTrailer::parse(body.get(stp::wire::bpdu::RST_LEN..).unwrap_or_default())
            {
                let t = RootSeqTrailer { request: None, ..t };
                return BpduFrame::emit_with_trailer(f.src, &Bpdu::Rst(rst), &t.to_bytes(), out)
                    .map(Some)
                    .map_err(|_| ());
            }
            Bpdu::Rst(rst)
        }
    };
    BpduFrame::emit(f.src, &bpdu, out).map(Some).map_err(|_| ())
}

impl<D: Dataplane> Coordinator<D> {
    /// A BPDU arrived on this peer's single-homed port `host`.
    pub(super) fn stp_note_rx(&mut self, now: Instant, host: PortNo, frame: &[u8]) {
        if !self.stp.own_rev.contains_key(&host) {
            return;
        }
        let mut buf = [0u8; KEPT_MAX];
        match designated_info(frame, &mut buf) {
            Ok(Some(n)) => {
                let kept = buf.get(..n).unwrap_or_default();
                // Once per Hello Time per port: the kept frame's allocation is reused.
                if let Some((t, f)) = self.stp.last_rx.get_mut(&host) {
                    *t = now;
                    f.clear();
                    f.extend_from_slice(kept);
                } else {
                    self.stp.last_rx.insert(host, (now, kept.to_vec()));
                }
            }
            Ok(None) => {
                self.stp.last_rx.remove(&host);
            }
            Err(()) => {}
        }
    }

    /// Hands the bridge this peer now runs or follows the kept information of each of its own
    /// ports, if its link is up and the BPDU younger than 3 × Hello Time (module docs).
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

#[cfg(test)]
mod tests {
    use super::designated_info;
    use alloc::vec::Vec;
    use stp::wire::{
        Bpdu, BpduFlags, BpduFrame, BpduTime, BridgeId, ConfigBpdu, PortId, PortRole, RstBpdu,
    };

    fn frame(flags: BpduFlags) -> Vec<u8> {
        let bpdu = RstBpdu {
            version: 2,
            bpdu: ConfigBpdu {
                flags,
                root_id: BridgeId::new(4096, 0, l2_types::MacAddr([2, 0, 0, 0, 0, 1])),
                root_path_cost: 20000,
                bridge_id: BridgeId::new(32768, 0, l2_types::MacAddr([2, 0, 0, 0, 0, 2])),
                port_id: PortId(0x8003),
                message_age: BpduTime(256),
                max_age: BpduTime(20 * 256),
                hello_time: BpduTime(2 * 256),
                forward_delay: BpduTime(15 * 256),
            },
            version_1_length: 0,
        };
        let mut buf = [0u8; 64];
        let n = BpduFrame::emit(
            l2_types::MacAddr([2, 0, 0, 0, 0, 3]),
            &Bpdu::Rst(bpdu),
            &mut buf,
        )
        .unwrap();
        buf[..n].to_vec()
    }

    fn flags_of(f: &[u8]) -> BpduFlags {
        let parsed = BpduFrame::parse(f).unwrap();
        let stp::wire::FrameKind::Bpdu(body) = parsed.kind else {
            panic!("not a BPDU")
        };
        match Bpdu::parse(body).unwrap() {
            Bpdu::Rst(r) => r.bpdu.flags,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_designated_bpdu_is_kept_without_its_handshake() {
        let all = BpduFlags::TOPOLOGY_CHANGE
            | BpduFlags::PROPOSAL
            | BpduFlags::LEARNING
            | BpduFlags::FORWARDING
            | BpduFlags::AGREEMENT;
        let mut out = [0u8; super::KEPT_MAX];
        let n = designated_info(&frame(all.with_role(PortRole::Designated)), &mut out)
            .unwrap()
            .unwrap();
        assert_eq!(
            flags_of(&out[..n]),
            (BpduFlags::LEARNING | BpduFlags::FORWARDING).with_role(PortRole::Designated)
        );
    }

    #[test]
    fn a_root_sequencing_trailer_is_kept_without_its_request() {
        use stp::wire::{RootSeqTrailer, SeqRequest};
        let plain = frame(BpduFlags::PROPOSAL.with_role(PortRole::Designated));
        let trailer = RootSeqTrailer {
            root_seq: Some(7),
            request: Some(SeqRequest {
                root: BridgeId::new(4096, 0, l2_types::MacAddr([2, 0, 0, 0, 0, 1])),
                seq: 8,
                hops: 3,
            }),
        };
        // The same BPDU with the trailer inside the 802.3 length.
        let parsed = BpduFrame::parse(&plain).unwrap();
        let stp::wire::FrameKind::Bpdu(body) = parsed.kind else {
            panic!("not a BPDU")
        };
        let bpdu = Bpdu::parse(body).unwrap();
        let mut buf = [0u8; 128];
        let n =
            BpduFrame::emit_with_trailer(parsed.src, &bpdu, &trailer.to_bytes(), &mut buf).unwrap();
        let mut out = [0u8; super::KEPT_MAX];
        let k = designated_info(&buf[..n], &mut out).unwrap().unwrap();
        let kept = BpduFrame::parse(&out[..k]).unwrap();
        let stp::wire::FrameKind::Bpdu(body) = kept.kind else {
            panic!("not a BPDU")
        };
        assert_eq!(
            RootSeqTrailer::parse(&body[36..]),
            Ok(Some(RootSeqTrailer {
                root_seq: Some(7),
                request: None
            }))
        );
        assert_eq!(
            flags_of(&out[..k]),
            BpduFlags::empty().with_role(PortRole::Designated)
        );
    }

    #[test]
    fn a_root_or_alternate_bpdu_clears_what_was_kept() {
        for role in [PortRole::Root, PortRole::AlternateOrBackup] {
            let f = frame((BpduFlags::AGREEMENT | BpduFlags::FORWARDING).with_role(role));
            assert_eq!(designated_info(&f, &mut [0u8; super::KEPT_MAX]), Ok(None));
        }
    }

    #[test]
    fn other_frames_change_nothing() {
        assert_eq!(
            designated_info(&[0u8; 10], &mut [0u8; super::KEPT_MAX]),
            Err(())
        );
    }
}
