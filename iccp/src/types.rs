//! What goes into and comes out of a [`crate::Session`]: configuration, states, events,
//! counters, errors and the monitor view.

use crate::wire::{self, StatusCode, param::Param};
use alloc::string::String;
use alloc::vec::Vec;
use l2_types::{Duration, MacAddr};

/// Highest MLAG priority (RouterOS: 0..=128, lower wins).
pub const PRIORITY_MAX: u8 = 128;
/// Shortest heartbeat interval (RouterOS: 1 s).
pub const HEARTBEAT_MIN: Duration = Duration::from_secs(1);
/// Longest heartbeat interval (RouterOS: 10 s).
pub const HEARTBEAT_MAX: Duration = Duration::from_secs(10);
/// Largest send/receive window in frames.
pub const WINDOW_MAX: u16 = 1024;
/// Capacity of the event queue.
pub const EVENTS_MAX: usize = 256;
/// Capacity of the queue of unsequenced control messages (NAKs, disconnects).
pub const CONTROL_MAX: usize = 16;
/// Largest `reconnect_jitter_percent`.
pub const RECONNECT_JITTER_MAX: u8 = 50;

/// Session configuration (RouterOS `/interface bridge mlag`: `priority`, `heartbeat`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SessionConfig {
    /// This peer's bridge MAC: the source address of its frames and its election tie breaker.
    pub bridge_mac: MacAddr,
    /// MLAG priority, 0..=128 (default 128); lower wins the election.
    pub priority: u8,
    /// Heartbeat interval, 1..=10 s, or `None` (no heartbeat, no silence detection). Default 5 s.
    pub heartbeat: Option<Duration>,
    /// ICC Redundancy Group ID (default 1); both peers must agree (RFC 7275 §6.1).
    pub rg_id: u32,
    /// ICC Sender Name sent in RG Connect (≤ 80 octets UTF-8).
    pub sender_name: String,
    /// Shared key: when set, every frame carries and must carry an HMAC-SHA256.
    pub key: Option<Vec<u8>>,
    /// Seed of the session's only randomness (incarnation numbers). It must differ from one
    /// boot to the next (a hardware random number, a boot counter, the wall-clock time): a
    /// session restarted with the same seed at the same `now` repeats its incarnation numbers,
    /// and the peer then takes its frames for replays until its silence detection restarts
    /// the connection.
    pub seed: u64,
    /// Send and receive window, in frames (1..=1024, default 128).
    pub window: u16,
    /// Application messages queued for sending (and not yet in a frame) at most. Default 8192.
    pub send_queue_max: usize,
    /// Received application messages not yet taken with `poll_app` at most (plus one frame's
    /// worth when the queue was empty). Beyond it, in-order frames are held back unacknowledged
    /// until `poll_app` makes room. Default 8192.
    pub receive_queue_max: usize,
    /// First retransmission timeout (default 200 ms).
    pub retransmit_initial: Duration,
    /// Retransmission timeout ceiling after backoff (default 2 s).
    pub retransmit_max: Duration,
    /// Retransmission timeouts in a row without progress before the stream is declared broken
    /// and the session restarts and resynchronises (default 6). With a heartbeat, at least as
    /// many as span the silence timeout (3 heartbeats) from the first send: a peer that
    /// still hears us is not given up on sooner than a silent one (10 with the defaults: the
    /// last retransmission 15 s after the first send, the end 2 s later).
    pub retransmit_limit: u32,
    /// Longest delay of an acknowledgement (default 5 ms).
    pub ack_delay: Duration,
    /// First discovery (capability) retransmission interval (default 500 ms).
    pub discovery_interval: Duration,
    /// Discovery/reconnect backoff ceiling (default 8 s). Over LDP/TCP the reconnect delay
    /// starts at `discovery_interval` and doubles per failed attempt up to this
    /// ([`crate::Session::reconnect_delay`]).
    pub reconnect_max: Duration,
    /// Over LDP/TCP: at most this percentage (0..=50, default 0) is taken off each reconnect
    /// delay, by an amount drawn deterministically from `seed` and the attempt number, so that
    /// many sessions restarted together do not reconnect in step.
    pub reconnect_jitter_percent: u8,
    /// Send keepalives on the backup path (`poll_backup_transmit`). Default false.
    pub backup: bool,
    /// Longest time from the peer's capability to an operational mLACP application connection
    /// before the attempt is abandoned and restarted (default 10 s).
    pub connect_timeout: Duration,
}

impl SessionConfig {
    /// Defaults with the given bridge MAC.
    pub fn new(bridge_mac: MacAddr) -> Self {
        Self {
            bridge_mac,
            priority: PRIORITY_MAX,
            heartbeat: Some(Duration::from_secs(5)),
            rg_id: 1,
            sender_name: String::from("mlag"),
            key: None,
            seed: 0,
            window: 128,
            send_queue_max: 8192,
            receive_queue_max: 8192,
            retransmit_initial: Duration::from_millis(200),
            retransmit_max: Duration::from_secs(2),
            retransmit_limit: 6,
            ack_delay: Duration::from_millis(5),
            discovery_interval: Duration::from_millis(500),
            reconnect_max: Duration::from_secs(8),
            reconnect_jitter_percent: 0,
            backup: false,
            connect_timeout: Duration::from_secs(10),
        }
    }

    /// Checks the ranges RouterOS enforces and the crate's own limits.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.priority > PRIORITY_MAX {
            return Err(ConfigError::Priority(self.priority));
        }
        if let Some(h) = self.heartbeat
            && !(HEARTBEAT_MIN..=HEARTBEAT_MAX).contains(&h)
        {
            return Err(ConfigError::Heartbeat(h));
        }
        if self.sender_name.len() > wire::param::SENDER_NAME_MAX {
            return Err(ConfigError::SenderName);
        }
        if self.window == 0 || self.window > WINDOW_MAX {
            return Err(ConfigError::Window(self.window));
        }
        if self.bridge_mac.is_multicast() || self.bridge_mac.is_zero() {
            return Err(ConfigError::BridgeMac(self.bridge_mac));
        }
        if self.send_queue_max == 0 || self.receive_queue_max == 0 {
            return Err(ConfigError::QueueSize);
        }
        let zero = Duration::ZERO;
        if self.retransmit_initial == zero
            || self.retransmit_max < self.retransmit_initial
            || self.discovery_interval == zero
            || self.reconnect_max < self.discovery_interval
            || self.retransmit_limit == 0
            || self.connect_timeout == zero
            || self.reconnect_jitter_percent > RECONNECT_JITTER_MAX
        {
            return Err(ConfigError::Timers);
        }
        Ok(())
    }
}

/// A rejected configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// Priority above 128.
    #[error("priority {0} out of range 0..=128")]
    Priority(u8),
    /// Heartbeat outside 1..=10 s.
    #[error("heartbeat {0:?} out of range 1s..=10s")]
    Heartbeat(Duration),
    /// Sender name longer than 80 octets.
    #[error("sender name longer than 80 octets")]
    SenderName,
    /// Window 0 or above [`WINDOW_MAX`].
    #[error("window {0} out of range 1..=1024")]
    Window(u16),
    /// A multicast or zero bridge MAC.
    #[error("bridge MAC {0} is not a unicast address")]
    BridgeMac(MacAddr),
    /// A zero queue size.
    #[error("queue sizes must be at least 1")]
    QueueSize,
    /// Inconsistent timer settings.
    #[error("inconsistent timer settings")]
    Timers,
}

/// The ICCP connection state (RFC 7275 §4.2, names as in the RFC's state machine).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum State {
    /// No transport to the peer (peer-port down) or ICCP disabled.
    Nonexistent,
    /// Transport up; the capability is about to be sent.
    Initialized,
    /// Capability sent, the peer's not yet received.
    CapSent,
    /// The peer's capability received; RG Connect about to be sent.
    CapRec,
    /// RG Connect sent, the peer's not yet received.
    Connecting,
    /// RG Connect exchanged: the RG connection is up.
    Operational,
}

/// The mLACP application connection state (RFC 7275 §4.2, application connection).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AppState {
    /// No ICCP connection.
    Nonexistent,
    /// ICCP connection coming up; nothing sent.
    Reset,
    /// Our application Connect sent (A = 0), the peer's not received.
    ConnectSent,
    /// The peer's application Connect received, ours with A = 1 sent.
    ConnectRec,
    /// Both sides have acknowledged each other's Connect (A = 1 both ways).
    Operational,
}

/// The monitor's status (RouterOS `/interface bridge mlag monitor`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    /// ICCP disabled (administratively, or peer-port down).
    Disabled,
    /// Looking for or connecting to the peer.
    Connecting,
    /// Connected: RG and mLACP application connections operational.
    Connected,
}

/// The elected role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// Lowest (priority, bridge MAC), or alone.
    Primary,
    /// The other one.
    Secondary,
}

/// Peer-port link state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LinkState {
    /// Running.
    Up,
    /// Down.
    Down,
}

/// What is known about the peer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerInfo {
    /// Its ICC Sender Name.
    pub name: String,
    /// Its bridge MAC (source address and election data).
    pub bridge_mac: MacAddr,
    /// Its MLAG priority (from its election data; 128 until known).
    pub priority: u8,
    /// Its incarnation number.
    pub incarnation: u32,
}

/// Why the connection went down.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DisconnectReason {
    /// Disabled locally or the peer-port went down.
    Local,
    /// The peer sent an RG Disconnect with this code (RFC 7275 §6.1.3).
    PeerDisconnected(StatusCode),
    /// The peer withdrew its ICCP capability (RFC 5561 §6).
    CapabilityWithdrawn,
    /// No frame from the peer for three heartbeat intervals.
    PeerSilent,
    /// Retransmissions exhausted: a gap in the stream that cannot be recovered.
    RetransmitLimit,
    /// The peer restarted (a new incarnation).
    PeerRestarted,
    /// The RG or mLACP application connection did not complete within `connect_timeout`.
    ConnectTimeout,
}

/// An event for the host / coordinator. Not `non_exhaustive`: a new variant is a breaking change
/// that `mlag-core`'s exhaustive `match` must see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// The RFC 7275 connection state changed.
    StateChanged {
        /// Previous state.
        from: State,
        /// New state.
        to: State,
    },
    /// The RG and mLACP connections are operational with this peer. The peer's copy of this
    /// side's application state is empty: send a full resynchronisation (snapshots) now.
    Connected(PeerInfo),
    /// The connection went down; queued and unacknowledged application messages were dropped.
    Disconnected(DisconnectReason),
    /// No frame from the peer for three heartbeat intervals (RouterOS logs a warning).
    /// `peer_alive_on_backup` tells whether the backup path still hears the peer (the peer-link
    /// failed while the peer lives: split-brain risk, the secondary should take its MLAG ports
    /// down).
    PeerSilent {
        /// The backup keepalive path still hears the peer.
        peer_alive_on_backup: bool,
    },
    /// The elected role changed.
    RoleChanged(Role),
    /// The system-id (lowest bridge MAC of the pair, sticky while the peer is lost) changed.
    SystemIdChanged(MacAddr),
    /// The peer rejected one of our messages (RFC 7275 §6.1.4).
    PeerNak {
        /// Its status code.
        status: StatusCode,
        /// Our rejected Message ID.
        rejected_id: u32,
    },
    /// The backup keepalive path started or stopped hearing the peer.
    BackupPath {
        /// Hearing the peer.
        alive: bool,
    },
}

/// Why a received frame was rejected. Every rejection is also counted in [`Counters`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RxError {
    /// Not a well-formed ICCP L2 frame or message.
    #[error("malformed: {0}")]
    Malformed(wire::Error),
    /// Our own frame came back (a loop on the peer-port).
    #[error("own frame looped back")]
    Looped,
    /// Missing or wrong HMAC.
    #[error("authentication failed")]
    AuthFailed,
    /// A frame number already seen (or too old): a replay or a duplicate.
    #[error("replayed or duplicate frame")]
    Replay,
    /// A frame number more than [`crate::FRAME_AHEAD_MAX`] ahead of the highest seen:
    /// damaged or forged; refused without moving the replay window.
    #[error("frame number {0} too far ahead")]
    FrameAhead(u32),
    /// A frame from a session (incarnation pair) other than the current one.
    #[error("frame from an unexpected session")]
    UnexpectedSession,
    /// ICCP is disabled or the peer-port is down.
    #[error("session disabled")]
    Disabled,
    /// A sequence number too far ahead of the receive window.
    #[error("sequence number {0} out of window")]
    OutOfWindow(u32),
    /// An acknowledgement of data never sent.
    #[error("acknowledgement {0} of unsent data")]
    BadAck(u32),
    /// Application data before the connection was up.
    #[error("application data before connect")]
    BeforeConnect,
    /// The receive queue is full: the frame was dropped unacknowledged (it will be resent).
    #[error("receive queue full")]
    Backpressure,
}

/// Why `send_app` refused a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SendError {
    /// The mLACP application connection is not operational.
    #[error("not connected")]
    NotConnected,
    /// The send queue is full.
    #[error("send queue full")]
    QueueFull,
    /// Not an application TLV (session TLVs such as Sender Name or NAK are the session's).
    #[error("not an application TLV")]
    NotApplication,
    /// The TLV does not encode (too large for a frame, a name over 255 octets…).
    #[error("encoding: {0}")]
    Encode(wire::Error),
}

/// The last error the session saw, for the monitor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LastError {
    /// A received frame was rejected.
    Rx(RxError),
    /// The peer sent a NAK.
    PeerNak(StatusCode),
    /// The peer's election data equals ours (same priority and bridge MAC).
    ElectionTie,
    /// The peer speaks an incompatible version.
    IncompatibleVersion,
    /// The peer's RG ID differs from ours.
    UnknownRg(u32),
}

/// Counters (all monotonic).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Counters {
    /// Frames handed to `poll_transmit`.
    pub tx_frames: u64,
    /// DATA frames sent for the first time.
    pub tx_data_frames: u64,
    /// DATA frames retransmitted.
    pub retransmits: u64,
    /// Retransmission timeouts.
    pub rto_expiries: u64,
    /// Acknowledgement-only frames.
    pub tx_acks: u64,
    /// Heartbeats sent.
    pub tx_heartbeats: u64,
    /// Capability (discovery) frames sent.
    pub tx_capabilities: u64,
    /// NAKs sent.
    pub tx_naks: u64,
    /// Frames accepted.
    pub rx_frames: u64,
    /// Heartbeats received.
    pub rx_heartbeats: u64,
    /// Malformed frames or messages.
    pub rx_malformed: u64,
    /// Own frames looped back.
    pub rx_looped: u64,
    /// Authentication failures.
    pub rx_auth_failed: u64,
    /// Replays / duplicate frame numbers.
    pub rx_replay: u64,
    /// Frames whose frame number was too far ahead ([`RxError::FrameAhead`]).
    pub rx_frame_ahead: u64,
    /// Frames from unexpected sessions.
    pub rx_unexpected_session: u64,
    /// Frames received while disabled.
    pub rx_disabled: u64,
    /// Duplicate DATA frames (already delivered).
    pub rx_duplicate: u64,
    /// DATA frames received out of order (buffered).
    pub rx_out_of_order: u64,
    /// DATA frames beyond the window.
    pub rx_out_of_window: u64,
    /// Bad acknowledgements.
    pub rx_bad_ack: u64,
    /// Application data before connect.
    pub rx_before_connect: u64,
    /// Frames dropped because the receive queue was full.
    pub rx_backpressure: u64,
    /// Messages rejected (NAKed) for bad content.
    pub rx_rejected_messages: u64,
    /// NAKs received.
    pub rx_naks: u64,
    /// Unknown U=1 TLVs skipped.
    pub rx_unknown_tlvs_skipped: u64,
    /// Application messages queued by `send_app`.
    pub app_sent: u64,
    /// Application messages delivered to `poll_app`.
    pub app_received: u64,
    /// Application messages dropped by a disconnect (queued or unacknowledged).
    pub app_dropped: u64,
    /// Events dropped because the event queue was full.
    pub events_dropped: u64,
    /// Control messages dropped because the control queue was full.
    pub control_dropped: u64,
    /// Connections established.
    pub connects: u64,
    /// Connections lost.
    pub disconnects: u64,
    /// Backup-path keepalives received.
    pub backup_rx: u64,
    /// Backup-path keepalives sent.
    pub backup_tx: u64,
    /// Over LDP/TCP: times [`crate::Session::poll_tcp_connect`] asked the host to connect.
    pub tcp_connect_requests: u64,
    /// Over LDP/TCP: connection attempts the host reported failed.
    pub tcp_connect_failures: u64,
}

/// A frame to send on the peer-port, written into the caller's buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
pub struct Transmit {
    /// Frame length in the buffer.
    pub len: usize,
}

/// One received application TLV (mLACP or vendor), in order, exactly once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppMessage(pub(crate) Vec<u8>);

impl AppMessage {
    /// The TLV (header included) as received.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The decoded TLV (it was validated on receipt).
    pub fn param(&self) -> Result<Param<'_>, wire::Error> {
        let (tlv, _) = wire::Tlv::parse(&self.0)?;
        Param::parse(tlv)
    }
}

/// The monitor view (RouterOS `/interface bridge mlag monitor` and more).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Monitor {
    /// connected | connecting | disabled.
    pub status: Status,
    /// RFC 7275 connection state.
    pub state: State,
    /// mLACP application connection state.
    pub app_state: AppState,
    /// Elected role (`None` before the first election).
    pub role: Option<Role>,
    /// The system-id: the lowest bridge MAC of the pair (own MAC before any peer was seen).
    pub system_id: MacAddr,
    /// The current or last peer.
    pub peer: Option<PeerInfo>,
    /// Whether the backup path hears the peer.
    pub backup_alive: bool,
    /// Counters.
    pub counters: Counters,
    /// The last error.
    pub last_error: Option<LastError>,
}
