//! A sans-IO LDP session (RFC 5036 §2.5.4) carrying ICCP (RFC 7275) over a TCP byte stream: the
//! transport of RFC 7275's own framing for IP deployments.
//!
//! The host opens the TCP connection (port 646; the side with the higher transport address is
//! active, RFC 5036 §2.5.2), calls [`LdpSession::handle_connected`], feeds received octets to
//! [`LdpSession::handle_bytes`] in pieces of any size, writes what [`LdpSession::poll_transmit`]
//! returns, and runs [`LdpSession::handle_timeout`] at [`LdpSession::poll_timeout`]. The session
//! advertises the ICCP Capability in its Initialization message (RFC 7275 §6.1 / RFC 5561 §4),
//! reports whether the peer did, and passes every ICC message up as an [`LdpEvent::Icc`];
//! [`LdpSession::send_icc`] sends one. Link Hellos (discovery over UDP) stay with the host: build
//! them with [`crate::wire::ldp::LdpMessage`].

use crate::wire::ldp::{self, Deframer, LdpMessage, LdpTlv, SessionParams};
use crate::wire::message::{MessageType, RawMessage};
use crate::wire::{Error as WireError, RawMessages};
use alloc::collections::VecDeque;
use alloc::vec::Vec;
use l2_types::{Duration, Instant, Timer};

/// RFC 5036 §3.9 status code: Shutdown.
pub const STATUS_SHUTDOWN: u32 = 0x0000_000a;
/// RFC 5036 §3.9 status code: Bad LDP Identifier.
pub const STATUS_BAD_LDP_ID: u32 = 0x0000_0001;
/// RFC 5036 §3.9 status code: KeepAlive Timer Expired.
pub const STATUS_KEEPALIVE_EXPIRED: u32 = 0x0000_0014;
/// Outgoing PDUs queued at most (overflow closes the session).
pub const OUTGOING_MAX: usize = 1024;
/// Events queued at most (overflow is counted).
pub const LDP_EVENTS_MAX: usize = 1024;

/// Configuration of one LDP session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LdpSessionConfig {
    /// Our LSR ID (label space 0).
    pub lsr_id: [u8; 4],
    /// The peer's LSR ID.
    pub peer_lsr_id: [u8; 4],
    /// Active side (sends Initialization first).
    pub active: bool,
    /// Proposed KeepAlive time in seconds (RFC 5036 §3.5.3; default 180).
    pub keepalive_time: u16,
}

impl LdpSessionConfig {
    /// Defaults: keepalive 180 s.
    pub fn new(lsr_id: [u8; 4], peer_lsr_id: [u8; 4], active: bool) -> Self {
        Self {
            lsr_id,
            peer_lsr_id,
            active,
            keepalive_time: 180,
        }
    }
}

/// The session initialization states (RFC 5036 §2.5.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LdpState {
    /// No TCP connection.
    NonExistent,
    /// TCP up, nothing exchanged.
    Initialized,
    /// Our Initialization sent (active side).
    OpenSent,
    /// The peer's Initialization received and answered; waiting for its KeepAlive.
    OpenRec,
    /// Session up.
    Operational,
}

/// Why the session closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LdpCloseReason {
    /// The peer sent a fatal Notification (E-bit) with this status code.
    PeerNotification(u32),
    /// Nothing received for the negotiated hold time.
    KeepAliveExpired,
    /// The stream could not be deframed or decoded.
    Malformed(WireError),
    /// A PDU from another LDP identifier.
    BadLdpIdentifier,
    /// A message not allowed in the current state.
    UnexpectedMessage(MessageType),
    /// Closed by the host.
    Local,
}

/// Why `send_icc` refused a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LdpSendError {
    /// The session is not operational.
    #[error("LDP session not operational")]
    NotOperational,
    /// Not exactly one well-formed ICC message.
    #[error("not one ICC message: {0}")]
    Malformed(WireError),
}

/// Output of the session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LdpEvent {
    /// The session is operational; `peer_iccp`: the peer advertised the ICCP Capability.
    Operational {
        /// The peer advertised ICCP (S = 1, version 1.x).
        peer_iccp: bool,
    },
    /// An ICC message (type 0x0700..=0x0703) as received (decode with
    /// [`crate::wire::IccMessage::parse_bytes`]).
    Icc(Vec<u8>),
    /// A non-fatal Notification from the peer.
    Notification {
        /// Status code (without the E and F bits).
        status: u32,
        /// Message ID it is about.
        msg_id: u32,
        /// Message type it is about.
        msg_type: u16,
    },
    /// The session closed; the host closes the TCP connection.
    Closed(LdpCloseReason),
}

/// The LDP session driver.
#[derive(Debug)]
pub struct LdpSession {
    cfg: LdpSessionConfig,
    state: LdpState,
    deframer: Deframer,
    out: VecDeque<Vec<u8>>,
    events: VecDeque<LdpEvent>,
    msg_id: u32,
    hold: Duration,
    keepalive_tx: Timer,
    keepalive_rx: Timer,
    peer_iccp: bool,
    /// Events dropped because the queue was full.
    pub events_dropped: u64,
}

impl LdpSession {
    /// A session waiting for its TCP connection.
    pub fn new(cfg: LdpSessionConfig) -> Self {
        Self {
            cfg,
            state: LdpState::NonExistent,
            deframer: Deframer::new(ldp::PDU_MAX_DEFAULT),
            out: VecDeque::new(),
            events: VecDeque::new(),
            msg_id: 0,
            hold: Duration::from_secs(u64::from(cfg.keepalive_time.max(1))),
            keepalive_tx: Timer::STOPPED,
            keepalive_rx: Timer::STOPPED,
            peer_iccp: false,
            events_dropped: 0,
        }
    }

    /// The state.
    pub fn state(&self) -> LdpState {
        self.state
    }

    /// Whether the peer advertised the ICCP Capability.
    pub fn peer_iccp(&self) -> bool {
        self.peer_iccp
    }

    /// Whether this side opens the TCP connection (RFC 5036 §2.5.2).
    pub fn active(&self) -> bool {
        self.cfg.active
    }

    /// The TCP connection is established.
    pub fn handle_connected(&mut self, now: Instant) {
        if self.state != LdpState::NonExistent {
            return;
        }
        self.state = LdpState::Initialized;
        self.deframer = Deframer::new(ldp::PDU_MAX_DEFAULT);
        self.keepalive_rx.start(now, self.hold);
        if self.cfg.active {
            // RFC 5036 §2.5.4: the active side sends Initialization → OPENSENT.
            self.send_init();
            self.state = LdpState::OpenSent;
        }
    }

    /// Closes the session (sends a Shutdown notification).
    pub fn close(&mut self) {
        if self.state != LdpState::NonExistent {
            self.fatal(STATUS_SHUTDOWN, 0, 0, LdpCloseReason::Local);
        }
    }

    /// Queues an encoded ICC message (one message, as built by
    /// [`crate::wire::message::emit_icc`]) in its own PDU. Refused unless operational.
    pub fn send_icc(&mut self, msg: &[u8]) -> Result<(), LdpSendError> {
        let (raw, rest) = RawMessage::parse(msg).map_err(LdpSendError::Malformed)?;
        if !raw.msg_type.is_icc() || !rest.is_empty() {
            return Err(LdpSendError::Malformed(WireError::NotIcc(raw.msg_type.0)));
        }
        if self.state != LdpState::Operational {
            return Err(LdpSendError::NotOperational);
        }
        self.queue_pdu(msg);
        Ok(())
    }

    /// Octets received on the TCP connection.
    pub fn handle_bytes(&mut self, now: Instant, bytes: &[u8]) {
        if self.state == LdpState::NonExistent {
            return;
        }
        let mut rest = bytes;
        while !rest.is_empty() && self.state != LdpState::NonExistent {
            let n = rest.len().min(self.deframer.room().max(1));
            let (piece, tail) = rest.split_at(n);
            rest = tail;
            if let Err(e) = self.deframer.push(piece) {
                self.fatal(0x0000_0003, 0, 0, LdpCloseReason::Malformed(e));
                return;
            }
            loop {
                let pdu = match self.deframer.next_pdu() {
                    None => break,
                    Some(Ok(p)) => p.to_vec(),
                    Some(Err(e)) => {
                        self.fatal(0x0000_0003, 0, 0, LdpCloseReason::Malformed(e));
                        return;
                    }
                };
                self.handle_pdu(now, &pdu);
                if self.state == LdpState::NonExistent {
                    return;
                }
            }
        }
    }

    fn handle_pdu(&mut self, now: Instant, pdu: &[u8]) {
        let Ok((hdr, msgs)) = ldp::parse_pdu(pdu) else {
            self.fatal(
                0x0000_0003,
                0,
                0,
                LdpCloseReason::Malformed(WireError::BadLength {
                    field: "LDP PDU",
                    value: pdu.len(),
                }),
            );
            return;
        };
        if hdr.lsr_id != self.cfg.peer_lsr_id {
            self.fatal(STATUS_BAD_LDP_ID, 0, 0, LdpCloseReason::BadLdpIdentifier);
            return;
        }
        // Any PDU restarts the hold timer (RFC 5036 §2.5.6).
        self.keepalive_rx.start(now, self.hold);
        for m in msgs {
            let m = match m {
                Ok(m) => m,
                Err(e) => {
                    self.fatal(0x0000_0005, 0, 0, LdpCloseReason::Malformed(e));
                    return;
                }
            };
            self.handle_message(now, &m);
            if self.state == LdpState::NonExistent {
                return;
            }
        }
    }

    fn handle_message(&mut self, now: Instant, m: &RawMessage<'_>) {
        match (self.state, m.msg_type) {
            (LdpState::Initialized | LdpState::OpenSent, MessageType::INITIALIZATION) => {
                let Ok(init) = LdpMessage::parse(m) else {
                    self.fatal(
                        0x0000_0008,
                        m.id,
                        m.msg_type.0,
                        LdpCloseReason::Malformed(WireError::BadTlv { ty: 0x0500, len: 0 }),
                    );
                    return;
                };
                // Negotiated KeepAlive time: the smaller proposal (RFC 5036 §3.5.3).
                if let Some(p) = init.tlvs.iter().find_map(|t| match t {
                    LdpTlv::CommonSession(p) => Some(*p),
                    _ => None,
                }) {
                    let t = p.keepalive_time.min(self.cfg.keepalive_time).max(1);
                    self.hold = Duration::from_secs(u64::from(t));
                }
                self.peer_iccp = matches!(init.iccp_capability_tlv(), Some((true, 1, _)));
                if self.state == LdpState::Initialized {
                    // Passive side: answer with our Initialization.
                    self.send_init();
                }
                // RFC 5036 §2.5.4: Init received → send KeepAlive → OPENREC.
                self.send_keepalive();
                self.state = LdpState::OpenRec;
                self.keepalive_rx.start(now, self.hold);
                self.keepalive_tx.start(now, self.hold / 3);
            }
            (LdpState::OpenRec, MessageType::KEEPALIVE) => {
                self.state = LdpState::Operational;
                let peer_iccp = self.peer_iccp;
                self.push_event(LdpEvent::Operational { peer_iccp });
            }
            (LdpState::Operational, MessageType::KEEPALIVE) => {}
            (_, MessageType::NOTIFICATION) => {
                let Ok(n) = LdpMessage::parse(m) else { return };
                if let Some((e_bit, status, msg_id, msg_type)) =
                    n.tlvs.iter().find_map(|t| match *t {
                        LdpTlv::Status {
                            e_bit,
                            code,
                            msg_id,
                            msg_type,
                            ..
                        } => Some((e_bit, code, msg_id, msg_type)),
                        _ => None,
                    })
                {
                    if e_bit {
                        self.state = LdpState::NonExistent;
                        self.stop_timers();
                        self.push_event(LdpEvent::Closed(LdpCloseReason::PeerNotification(status)));
                    } else {
                        self.push_event(LdpEvent::Notification {
                            status,
                            msg_id,
                            msg_type,
                        });
                    }
                }
            }
            (LdpState::Operational, t) if t.is_icc() => {
                let mut b = alloc::vec![0; m.buffer_len()];
                if crate::wire::message::emit_raw(&mut b, m).is_ok() {
                    self.push_event(LdpEvent::Icc(b));
                }
            }
            (LdpState::Operational, MessageType::CAPABILITY)
            | (LdpState::Operational, MessageType::ADDRESS)
            | (LdpState::Operational, MessageType::ADDRESS_WITHDRAW)
            | (LdpState::Operational, MessageType::LABEL_MAPPING) => {
                // Known LDP messages an ICCP-only speaker has no use for.
            }
            (LdpState::Operational, t) if t.0 >= 0x0400 && t.0 <= 0x04ff => {}
            (LdpState::Operational, t) => {
                if !m.u_bit {
                    // RFC 5036 §3.5.1.2.2: unknown message with U=0 → advisory notification.
                    self.send_notification(ldp::STATUS_UNKNOWN_MESSAGE_TYPE, false, m.id, t.0);
                }
            }
            (_, t) => self.fatal(
                STATUS_SHUTDOWN,
                m.id,
                t.0,
                LdpCloseReason::UnexpectedMessage(t),
            ),
        }
    }

    /// Timers: KeepAlive transmission and the hold timer.
    pub fn handle_timeout(&mut self, now: Instant) {
        if self.keepalive_rx.fire(now) && self.state != LdpState::NonExistent {
            self.fatal(
                STATUS_KEEPALIVE_EXPIRED,
                0,
                0,
                LdpCloseReason::KeepAliveExpired,
            );
            return;
        }
        if self.keepalive_tx.fire(now)
            && matches!(self.state, LdpState::OpenRec | LdpState::Operational)
        {
            self.send_keepalive();
            self.keepalive_tx.start(now, self.hold / 3);
        }
    }

    /// The next instant `handle_timeout` is needed.
    pub fn poll_timeout(&self) -> Option<Instant> {
        [self.keepalive_tx.deadline(), self.keepalive_rx.deadline()]
            .into_iter()
            .flatten()
            .min()
    }

    /// The next PDU to write on the TCP connection.
    pub fn poll_transmit(&mut self) -> Option<Vec<u8>> {
        self.out.pop_front()
    }

    /// The next event.
    pub fn poll_event(&mut self) -> Option<LdpEvent> {
        self.events.pop_front()
    }

    fn push_event(&mut self, e: LdpEvent) {
        if self.events.len() >= LDP_EVENTS_MAX {
            self.events_dropped += 1;
        } else {
            self.events.push_back(e);
        }
    }

    fn stop_timers(&mut self) {
        self.keepalive_rx.stop();
        self.keepalive_tx.stop();
    }

    fn fatal(&mut self, status: u32, msg_id: u32, msg_type: u16, reason: LdpCloseReason) {
        self.send_notification(status, true, msg_id, msg_type);
        self.state = LdpState::NonExistent;
        self.stop_timers();
        self.push_event(LdpEvent::Closed(reason));
    }

    fn next_id(&mut self) -> u32 {
        self.msg_id = self.msg_id.wrapping_add(1);
        self.msg_id
    }

    fn send_ldp(&mut self, m: &LdpMessage<'_>) {
        let mut b = alloc::vec![0; m.buffer_len()];
        if m.emit(&mut b).is_ok() {
            self.queue_pdu(&b);
        }
    }

    fn queue_pdu(&mut self, body: &[u8]) {
        if self.out.len() >= OUTGOING_MAX {
            self.state = LdpState::NonExistent;
            self.stop_timers();
            self.push_event(LdpEvent::Closed(LdpCloseReason::Local));
            return;
        }
        let mut b = alloc::vec![0; ldp::PDU_HEADER_LEN + body.len()];
        if ldp::emit_pdu(&mut b, self.cfg.lsr_id, 0, body).is_ok() {
            self.out.push_back(b);
        }
    }

    fn send_init(&mut self) {
        let mut receiver = [0u8; 6];
        if let Some(r) = receiver.get_mut(..4) {
            r.copy_from_slice(&self.cfg.peer_lsr_id);
        }
        let params = SessionParams {
            version: 1,
            keepalive_time: self.cfg.keepalive_time,
            flags: 0,
            path_vector_limit: 0,
            max_pdu_len: 0,
            receiver,
        };
        let id = self.next_id();
        self.send_ldp(&LdpMessage::initialization(id, params));
    }

    fn send_keepalive(&mut self) {
        let id = self.next_id();
        self.send_ldp(&LdpMessage::keepalive(id));
    }

    fn send_notification(&mut self, code: u32, fatal: bool, msg_id: u32, msg_type: u16) {
        let id = self.next_id();
        let m = LdpMessage {
            u_bit: false,
            msg_type: MessageType::NOTIFICATION,
            id,
            tlvs: alloc::vec![LdpTlv::Status {
                e_bit: fatal,
                f_bit: false,
                code,
                msg_id,
                msg_type,
            }],
        };
        self.send_ldp(&m);
    }
}

/// Splits a PDU body into its messages (helper for hosts that inspect PDUs).
pub fn messages(pdu_body: &[u8]) -> RawMessages<'_> {
    RawMessages::new(pdu_body)
}
