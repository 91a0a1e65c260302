//! The coordinator's side of the split-brain evidence ([`super::super::split`]): sending and
//! hearing evidence frames on the backup path, the probe for a dead peer, the verdict, the
//! grants, and the isolation that follows from them.

use super::{Coordinator, Dataplane, Instant, MacAddr, MlagId};
use crate::coordinator::recorder::Cause;
use crate::coordinator::split::{EVIDENCE_EPOCH, Evidence, HalfEvidence, PeerVerdict, wins};
use alloc::collections::BTreeSet;
use alloc::vec::Vec;

impl<D: Dataplane> Coordinator<D> {
    /// The split-brain logic's verdict on the peer.
    pub fn peer_verdict(&self) -> PeerVerdict {
        self.split.verdict
    }

    /// MLAGs this side keeps (loser: granted to it) or holds out (winner: granted to the
    /// peer) during a proven split: `(kept, held_for_peer)`.
    pub fn split_grants(&self) -> (BTreeSet<MlagId>, BTreeSet<MlagId>) {
        (self.split.granted_to_us(), self.split.granted.clone())
    }

    /// Evidence frames `(sent, heard, rejected)`.
    pub fn evidence_counters(&self) -> (u64, u64, u64) {
        (self.split.tx, self.split.rx, self.split.rejected)
    }

    /// Evidence frames refused or set aside by the authentication
    /// ([`super::super::split`], "Authentication and replay protection"): `(forged,
    /// replayed, stale)`. Always zero without a secret.
    pub fn evidence_auth_counters(&self) -> (u64, u64, u64) {
        (self.split.forged, self.split.replayed, self.split.stale)
    }

    /// This side's evidence as it stands.
    fn evidence(&self, request: bool) -> Evidence {
        let granted = &self.split.granted;
        let halves = self
            .halves
            .iter()
            .map(|(id, h)| {
                let (heard, sync, client) = self.client_view(*id);
                HalfEvidence {
                    mlag: *id,
                    up: h.local_up,
                    client_sync: sync,
                    client_heard: heard,
                    client,
                    grant: granted.contains(id),
                }
            })
            .collect();
        Evidence {
            sender: self.bridge_mac,
            priority: self.iccp.config().priority,
            connected: self.iccp.status() == iccp::Status::Connected,
            armed: self.split.armed && self.iccp.status() != iccp::Status::Connected,
            request,
            serving: self.released && !self.isolated,
            seq: self.split.seq,
            ack: self.split.heard_seq.map_or(0, |s| s.wrapping_add(1)),
            halves,
        }
    }

    /// What the client's LACP says on the members of this side's half of `id`: (a client is
    /// heard, it aggregates one of these links with the pair's system-id as partner, its
    /// System). 802.1AX-2014 §6.4.2.3: the partner's Actor_State in its LACPDUs.
    fn client_view(&self, id: MlagId) -> (bool, bool, MacAddr) {
        let Some(lag) = self.lags.iter().position(|l| l.mlag == Some(id)) else {
            return (false, false, MacAddr::ZERO);
        };
        let mut out = (false, false, MacAddr::ZERO);
        for (port, m) in &self.members {
            if m.lag != lag || !m.in_lacp {
                continue;
            }
            let Some(st) = self.lacp.port(*port) else {
                continue;
            };
            let p = st.partner;
            if p.system.is_zero() || !m.link.is_up() {
                continue;
            }
            out.0 = true;
            out.2 = p.system;
            let want = lacp::wire::PortState::SYNCHRONIZATION
                | lacp::wire::PortState::COLLECTING
                | lacp::wire::PortState::DISTRIBUTING;
            if p.state.contains(want) && m.distributing {
                out.1 = true;
            }
        }
        out
    }

    /// Evidence to send on the backup path, if due (after iccp's own keepalive).
    pub(super) fn poll_evidence(&mut self, buf: &mut [u8]) -> Option<usize> {
        let request = self.split.tx_due.take()?;
        let e = self.evidence(request);
        let n = match self.split.auth.as_ref() {
            Some(a) => {
                let echo = self.split.peer_auth.map_or(0, |x| x.0);
                e.encode_signed(buf, a, self.split.incarnation, echo)?
            }
            None => e.encode(buf)?,
        };
        self.split.seq = self.split.seq.wrapping_add(1);
        self.split.tx += 1;
        Some(n)
    }

    /// An evidence frame from the backup path.
    pub(super) fn on_evidence(&mut self, now: Instant, bytes: &[u8]) {
        let (e, fresh) = if let Some(auth) = self.split.auth.as_ref() {
            let Some((e, inc, echo)) = Evidence::decode_signed(bytes, auth) else {
                self.split.forged += 1;
                return;
            };
            if e.sender == self.bridge_mac || self.split.peer_mac.is_some_and(|m| m != e.sender) {
                self.split.rejected += 1;
                return;
            }
            if !self.split.accept_counter(inc, e.seq) {
                self.split.replayed += 1;
                return;
            }
            let fresh = self.split.fresh(inc, e.seq, echo, e.ack);
            (e, fresh)
        } else {
            let Some(e) = Evidence::decode(bytes) else {
                self.split.rejected += 1;
                return;
            };
            (e, true)
        };
        if e.sender == self.bridge_mac || self.split.peer_mac.is_some_and(|m| m != e.sender) {
            self.split.rejected += 1;
            return;
        }
        self.split.rx += 1;
        self.split.heard_seq = Some(e.seq);
        if e.request {
            self.split.tx_due = Some(false);
        }
        if !fresh {
            // Authentic but not an answer to this side: it may be old (captured and
            // replayed); its request is answered, nothing else is taken from it.
            self.split.stale += 1;
            return;
        }
        // An answer to the replica's latest probe of a silent STP authority (`run::stp_watch`):
        // it acknowledges the frame this side sent last, so it was written after the probe.
        if self.stp.probe_sent.is_some() && self.split.seq != 0 && e.ack == self.split.seq {
            self.stp.backup_heard = Some(now);
        }
        let disconnected = self.iccp.status() != iccp::Status::Connected;
        let before = self.split.verdict;
        if disconnected && self.split.armed {
            self.split.verdict = if !e.connected && e.armed {
                // Proof of life after the split: the peer saw the failure (a dead peer cannot
                // say so, a rebooted one is not armed).
                PeerVerdict::AliveSplit
            } else if e.connected {
                // Alive but not aware yet (its carrier notice or silence detection is still to
                // come): keep probing; each answer extends the window.
                self.split.probe_until = Some(now + self.split.probe);
                PeerVerdict::Probing
            } else {
                // A peer that is not armed rebooted (or started): the one this side was
                // connected with is gone. It rejoins over the peer-link (gap A).
                PeerVerdict::Dead
            };
        }
        let kept_before = self.split.granted_to_us();
        self.split.peer = Some((now, e));
        if self.split.verdict != before {
            self.on_verdict(now, before);
        }
        for mlag in self.split.granted_to_us().difference(&kept_before) {
            self.recorder.push(
                now,
                Cause::Grant {
                    mlag: *mlag,
                    to_peer: false,
                },
            );
        }
        self.update_grants(now);
        self.update_isolation(now);
    }

    /// The peer's evidence epoch ([`EVIDENCE_EPOCH`], over ICCP): frames of that incarnation
    /// from that counter on are fresh.
    pub(super) fn on_evidence_epoch(&mut self, data: &[u8]) {
        let (Some(a), Some(b), None) = (data.get(..4), data.get(4..8), data.get(8)) else {
            self.app_rejected += 1;
            return;
        };
        let (Ok(a), Ok(b)) = (<[u8; 4]>::try_from(a), <[u8; 4]>::try_from(b)) else {
            self.app_rejected += 1;
            return;
        };
        self.split.epoch = Some((u32::from_be_bytes(a), u32::from_be_bytes(b)));
    }

    /// The probe window and its requests.
    pub(super) fn evidence_timeout(&mut self, now: Instant) {
        if self.split.verdict != PeerVerdict::Probing {
            return;
        }
        if self.split.probe_until.is_some_and(|t| now >= t) {
            let before = self.split.verdict;
            self.split.verdict = PeerVerdict::Dead;
            // No answer in the probe window: the backup path hears no one; the peer is gone
            // and this side stands alone (iccp: primary), without waiting for 3 H_b.
            self.iccp.handle_backup_link(now, iccp::LinkState::Down);
            self.on_verdict(now, before);
            self.update_isolation(now);
        } else if self.split.next_request.is_some_and(|t| now >= t) {
            self.split.tx_due = Some(true);
            self.split.next_request = Some(now + self.split.request_every());
        }
    }

    /// ICCP events that start or end a split.
    pub(super) fn evidence_on_iccp(&mut self, now: Instant, e: &iccp::Event) {
        let before = self.split.verdict;
        match e {
            iccp::Event::Connected(peer) => {
                if self.split.auth.is_some() {
                    // Frames written from now on are fresh to the peer (split docs).
                    let mut d = [0u8; 8];
                    d[..4].copy_from_slice(&self.split.incarnation.to_be_bytes());
                    d[4..].copy_from_slice(&self.split.seq.to_be_bytes());
                    let p = iccp::wire::param::Param::Consistency {
                        kind: EVIDENCE_EPOCH,
                        data: &d,
                    };
                    if self.iccp.send_app(&p).is_err() {
                        self.app_send_failed += 1;
                    }
                }
                self.split.epoch = None;
                self.split.armed = true;
                self.split.peer_mac = Some(peer.bridge_mac);
                self.split.verdict = PeerVerdict::NoSplit;
                self.split.granted.clear();
                self.split.peer = None;
                self.split.probe_until = None;
                self.split.next_request = None;
            }
            iccp::Event::Disconnected(_) if !self.iccp.config().backup => {
                // No backup path: a dead peer-link cannot be told from a dead peer (module
                // docs: both sides act as survivors).
                self.split.verdict = PeerVerdict::Dead;
            }
            iccp::Event::Disconnected(_) if self.split.armed => {
                self.split.split_seq = self.split.seq;
                // Ask the peer at once; it has the probe window to answer.
                self.split.verdict = PeerVerdict::Probing;
                self.split.probe_until = Some(now + self.split.probe);
                self.split.next_request = Some(now + self.split.request_every());
                self.split.tx_due = Some(true);
            }
            iccp::Event::BackupPath { alive: false }
                if self.iccp.status() != iccp::Status::Connected && self.split.armed =>
            {
                self.split.verdict = PeerVerdict::Dead;
            }
            _ => {}
        }
        if self.split.verdict != before {
            self.on_verdict(now, before);
        }
    }

    fn on_verdict(&mut self, now: Instant, before: PeerVerdict) {
        let after = self.split.verdict;
        if after != PeerVerdict::AliveSplit && !self.split.granted.is_empty() {
            self.split.granted.clear();
            self.refresh_identities(now);
        }
        self.split.tx_due.get_or_insert(false);
        self.record(
            now,
            Cause::Verdict {
                from: before,
                to: after,
            },
        );
    }

    /// Whether this side wins the pair's election against the peer of the latest evidence.
    fn wins_split(&self) -> bool {
        let Some((_, e)) = &self.split.peer else {
            return self.iccp.role() != Some(iccp::Role::Secondary);
        };
        wins(
            (self.iccp.config().priority, self.bridge_mac),
            (e.priority, e.sender),
        )
    }

    /// Winner of a proven split: grants the peer every MLAG whose own half does not distribute
    /// while the peer hears the client on its half — own half held out first (new identity
    /// through `refresh_identities`), then the grant leaves in the next evidence frame.
    fn update_grants(&mut self, now: Instant) {
        if self.split.verdict != PeerVerdict::AliveSplit || !self.wins_split() {
            return;
        }
        let Some((_, e)) = &self.split.peer else {
            return;
        };
        let new: Vec<MlagId> = e
            .halves
            .iter()
            .filter(|h| h.client_heard && !self.split.granted.contains(&h.mlag))
            .filter(|h| self.halves.get(&h.mlag).is_some_and(|x| !x.local_up))
            .map(|h| h.mlag)
            .collect();
        if new.is_empty() {
            return;
        }
        for id in &new {
            self.split.granted.insert(*id);
            self.record(
                now,
                Cause::Grant {
                    mlag: *id,
                    to_peer: true,
                },
            );
        }
        self.refresh_identities(now);
        self.split.tx_due = Some(false);
    }

    /// Whether this side takes its halves out: the peer is proven alive and split, and this
    /// side lost the election (module docs of `split`). Held only while disconnected: the
    /// reconnection ends it.
    pub(super) fn should_isolate(&self) -> bool {
        self.split.verdict == PeerVerdict::AliveSplit
            && self.iccp.status() != iccp::Status::Connected
            && !self.wins_split()
    }

    /// The local half of `id` must leave the client's aggregator because of the split:
    /// isolated and not granted, or granted to the peer.
    pub(super) fn split_holds(&self, id: MlagId) -> bool {
        (self.isolated
            && !self.split.granted_to_us().contains(&id)
            && !self.split.grant_pending(id))
            || self.split.granted.contains(&id)
    }

    /// At the end of the reload delay without a connection: whether this peer may bring its
    /// halves up alone (module docs of `split`, "A peer that starts while the peer-link is
    /// down"). Not while the backup path hears a peer whose evidence says it serves, nor, between
    /// two starting peers, when this one loses the election.
    pub(super) fn may_come_up_alone(&self) -> bool {
        let Some((_, e)) = &self.split.peer else {
            return true;
        };
        if !self.iccp.monitor().backup_alive || e.connected {
            return true;
        }
        !e.serving && self.wins_split()
    }

    /// A local half changed during a split: tell the peer.
    pub(super) fn evidence_half_changed(&mut self) {
        if self.split.verdict != PeerVerdict::NoSplit {
            self.split.tx_due.get_or_insert(false);
        }
    }
}
