//! Typed ICC parameters (RFC 7275 §6.1.2–§6.1.5), mLACP application TLVs (RFC 7275 §7.2) and
//! this crate's vendor TLVs.
//!
//! Offsets below are from the start of the TLV value (after the 4-octet header).
//!
//! # RFC 7275 TLVs (sent with U = 0, F = 0)
//! | type | name | value |
//! |---|---|---|
//! | 0x0001 | ICC Sender Name | UTF-8 text, ≤ 80 octets (a trailing NUL from other senders is stripped) |
//! | 0x0002 | NAK | ICCP Status Code (4), Rejected Message ID (4) |
//! | 0x0003 | Requested Protocol Version | Connection Reference (2), Requested Version (2) |
//! | 0x0004 | Disconnect Code | ICCP Status Code (4) |
//! | 0x0005 | ICC RG ID | RG ID (4) |
//! | 0x0030 | mLACP Connect | Protocol Version (2), A-bit 0x8000 + reserved (2), optional sub-TLVs |
//! | 0x0031 | mLACP Disconnect | optional sub-TLVs |
//! | 0x0032 | mLACP System Config | System ID (6), System Priority (2), Node ID (1) |
//! | 0x0033 | mLACP Port Config | Port Number (2), MAC (6), Actor Key (2), Port Priority (2), Port Speed (4), Flags (1), Name Length (1), Name |
//! | 0x0034 | mLACP Port Priority | Op Code (2), Port Number (2), Aggregator ID (2), Last Priority (2), Current Priority (2) |
//! | 0x0035 | mLACP Port State | Partner System ID (6), Partner System Priority (2), Partner Port Number (2), Partner Port Priority (2), Partner Key (2), Partner State (1), Actor State (1), Actor Port Number (2), Actor Key (2), Selected (1), Port State (1), Aggregator ID (2) |
//! | 0x0036 | mLACP Aggregator Config | ROID (8), Aggregator ID (2), MAC (6), Actor Key (2), Member Ports Priority (2), Flags (1), Name Length (1), Name |
//! | 0x0037 | mLACP Aggregator State | Partner System ID (6), Partner System Priority (2), Partner Key (2), Aggregator ID (2), Actor Key (2), Aggregator State (1) |
//! | 0x0038 | mLACP Synchronization Request | Request Number (2), C-bit 0x8000 + S-bit 0x4000 + Request Type (14 bits), Port Number or Aggregator ID (2), Actor Key (2) |
//! | 0x0039 | mLACP Synchronization Data | Request Number (2), Flags (2) |
//!
//! Section numbers (RFC 7275 §7.2.1 Connect … §7.2.10 Synchronization Data) follow the RFC's
//! table of contents as annotated, page by page, in SONiC iccpd's `mlacp_tlv.h`: §7.2.3 System
//! Config, §7.2.4 Aggregator Config, §7.2.5 Port Config, §7.2.6 Port Priority, §7.2.7 Port
//! State, §7.2.8 Aggregator State, §7.2.9 Synchronization Request.
//!
//! The coded fields are typed ([`ConfigFlags`], [`PriorityOp`], [`Selected`], [`PortOperState`],
//! [`NodeId`], [`SyncRequestType`], [`SyncDataFlags`]); each is a thin wrapper over the wire
//! number, so a value this crate has no name for is kept and re-encoded unchanged. How well each
//! named value is established is written on the type: see "Verification" there and in the
//! [crate docs](crate#scope-and-deviations).
//!
//! # Vendor TLVs, format version 1 (sent with U = 1, F = 0: an RFC 7275 peer skips them)
//! Every value starts with the format-version octet [`VENDOR_FORMAT_VERSION`] (= 1). A receiver
//! treats a vendor TLV with another version as an unknown U=1 TLV (skipped) — with one exception
//! below: Election format version 2. Types 0x3E00–0x3E05
//! are taken from the range LDP reserves for vendor-private TLVs (RFC 5036 §3.6.1.1); they are not
//! IANA assignments.
//!
//! | type | name | value after the version octet |
//! |---|---|---|
//! | 0x3E00 | Heartbeat | Flags (1), Interval in ms (2), Counter (4) |
//! | 0x3E01 | Election | Priority (1, 0..=128, lower wins), Bridge MAC (6) |
//! | 0x3E02 | FDB Delta | Record Kind (1), records (opaque, defined by the `fdb` crate) |
//! | 0x3E03 | FDB Snapshot | Record Kind (1), Flags (1: 0x01 first chunk, 0x02 last chunk), records |
//! | 0x3E04 | STP Relay | Port Number (2), BPDU octets |
//! | 0x3E05 | Consistency | Record Kind (1), data (opaque) |
//!
//! ## Election, format version 2 ([`ELECTION_VERSION_2`])
//! The same type 0x3E01 with version octet 2 and a longer value (19 octets in all, exactly):
//!
//! | offset | field |
//! |---|---|
//! | 0 | Version (1) = 2 |
//! | 1 | Priority (1) |
//! | 2 | Bridge MAC (6) |
//! | 8 | Flags (1): [`ELECTION_INCUMBENT`] = 0x01, the Incumbent field is valid; other bits reserved (sent 0, kept, ignored) |
//! | 9 | Incumbent system-id (6): the system-id the sender's clients already use (zero when the flag is clear) |
//! | 15 | Generation (2): the sender's election generation, advanced on each change of its priority |
//! | 17 | Seen (2): the latest Generation the sender has received from the receiver on this connection (0: none) |
//!
//! A sender of version 2 sends a version-1 Election TLV and a version-2 one in the same message,
//! version 1 first. A peer that knows only version 1 skips the version-2 TLV (another version,
//! U = 1) and elects from the version-1 TLV as before; a peer that knows version 2 reads both, the
//! later one completing the first. What the session does with the new fields is in the
//! [crate docs](crate#election).

use super::tlv::{self, F_BIT, HEADER_LEN, Tlv, U_BIT};
use super::{Error, Writer, be16, be32, byte, mac};
use l2_types::MacAddr;

/// TLV type: ICC Sender Name (RFC 7275 §6.2.1; type number §12.3).
pub const SENDER_NAME: u16 = 0x0001;
/// TLV type: NAK (RFC 7275 §6.4.1; type number §12.3).
pub const NAK: u16 = 0x0002;
/// TLV type: Requested Protocol Version (RFC 7275 §6.4.1; type number §12.3).
pub const REQUESTED_VERSION: u16 = 0x0003;
/// TLV type: Disconnect Code (RFC 7275 §6.3; type number §12.3).
pub const DISCONNECT_CODE: u16 = 0x0004;
/// TLV type: ICC RG ID (RFC 7275 §6.1.1, the ICC header; type number §12.3).
pub const RG_ID: u16 = 0x0005;
/// TLV type: mLACP Connect (RFC 7275 §7.2.1; type number §12.3).
pub const MLACP_CONNECT: u16 = 0x0030;
/// TLV type: mLACP Disconnect (RFC 7275 §7.2.2; type number §12.3).
pub const MLACP_DISCONNECT: u16 = 0x0031;
/// TLV type: mLACP System Config (RFC 7275 §7.2.3; type number §12.3).
pub const MLACP_SYSTEM_CONFIG: u16 = 0x0032;
/// TLV type: mLACP Port Config (RFC 7275 §7.2.5; type number §12.3).
pub const MLACP_PORT_CONFIG: u16 = 0x0033;
/// TLV type: mLACP Port Priority (RFC 7275 §7.2.6; type number §12.3).
pub const MLACP_PORT_PRIORITY: u16 = 0x0034;
/// TLV type: mLACP Port State (RFC 7275 §7.2.7; type number §12.3).
pub const MLACP_PORT_STATE: u16 = 0x0035;
/// TLV type: mLACP Aggregator Config (RFC 7275 §7.2.4; type number §12.3).
pub const MLACP_AGGREGATOR_CONFIG: u16 = 0x0036;
/// TLV type: mLACP Aggregator State (RFC 7275 §7.2.8; type number §12.3).
pub const MLACP_AGGREGATOR_STATE: u16 = 0x0037;
/// TLV type: mLACP Synchronization Request (RFC 7275 §7.2.9; type number §12.3).
pub const MLACP_SYNC_REQUEST: u16 = 0x0038;
/// TLV type: mLACP Synchronization Data (RFC 7275 §7.2.10; type number §12.3).
pub const MLACP_SYNC_DATA: u16 = 0x0039;
/// Vendor TLV type: Heartbeat.
pub const VENDOR_HEARTBEAT: u16 = 0x3e00;
/// Vendor TLV type: Election data.
pub const VENDOR_ELECTION: u16 = 0x3e01;
/// Vendor TLV type: FDB delta.
pub const VENDOR_FDB_DELTA: u16 = 0x3e02;
/// Vendor TLV type: FDB snapshot chunk.
pub const VENDOR_FDB_SNAPSHOT: u16 = 0x3e03;
/// Vendor TLV type: STP BPDU relay.
pub const VENDOR_STP_RELAY: u16 = 0x3e04;
/// Vendor TLV type: consistency-check data.
pub const VENDOR_CONSISTENCY: u16 = 0x3e05;
/// The format version this crate writes into (and understands in) its vendor TLVs.
pub const VENDOR_FORMAT_VERSION: u8 = 1;
/// The second format version of the Election TLV (incumbent system-id, generations).
pub const ELECTION_VERSION_2: u8 = 2;
/// Election v2 flag: the Incumbent system-id field is valid.
pub const ELECTION_INCUMBENT: u8 = 0x01;
/// The mLACP application protocol version (RFC 7275 §7.2.1).
pub const MLACP_VERSION: u16 = 1;
/// Longest ICC Sender Name (RFC 7275 §6.1.2: at most 80 octets).
pub const SENDER_NAME_MAX: usize = 80;

/// FDB snapshot flag: first chunk of a snapshot.
pub const SNAPSHOT_FIRST: u8 = 0x01;
/// FDB snapshot flag: last chunk of a snapshot.
pub const SNAPSHOT_LAST: u8 = 0x02;

/// Flags octet of mLACP Aggregator Config (RFC 7275 §7.2.4) and Port Config (§7.2.5). Every bit
/// is kept, named or not.
///
/// Verification: the RFC defines a Synchronized flag (the sender has finished sending its
/// configuration) and a Purge Configuration flag (the aggregator / port is no longer configured
/// for mLACP: the receiver deletes it). The bit positions below (S = 0x01, P = 0x02) are this
/// crate's reading of the RFC and could not be re-checked against its text here (SONiC's
/// `mlacp_tlv.h` carries the octet without naming bits).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct ConfigFlags(pub u8);

impl ConfigFlags {
    /// No flag.
    pub const NONE: Self = Self(0);
    /// Synchronized (S): the last configuration TLV of a synchronization.
    pub const SYNCHRONIZED: Self = Self(0x01);
    /// Purge Configuration (P): remove this aggregator / port from mLACP.
    pub const PURGE: Self = Self(0x02);

    /// The octet.
    pub const fn bits(self) -> u8 {
        self.0
    }
    /// All bits of `other` set.
    pub const fn contains(self, other: Self) -> bool {
        self.0 & other.0 == other.0
    }
    /// Both sets of bits.
    pub const fn union(self, other: Self) -> Self {
        Self(self.0 | other.0)
    }
    /// Purge Configuration set.
    pub const fn is_purge(self) -> bool {
        self.contains(Self::PURGE)
    }
    /// Synchronized set.
    pub const fn is_synchronized(self) -> bool {
        self.contains(Self::SYNCHRONIZED)
    }
}

/// Op Code of mLACP Port Priority (RFC 7275 §7.2.6): whose priority changed. Unknown codes are
/// kept.
///
/// Verification: the RFC distinguishes a change of the sender's own ports' priority (Local) from
/// a change it asks of the receiver's ports (Remote); the numbers 1 and 2 are this crate's
/// reading and could not be re-checked against the RFC text here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct PriorityOp(pub u16);

impl PriorityOp {
    /// Local Priority Change: the sender changed the priority of its own port.
    pub const LOCAL: Self = Self(0x0001);
    /// Remote Priority Change: the sender asks the receiver to change its port's priority.
    pub const REMOTE: Self = Self(0x0002);
    /// A code with a name above.
    pub const fn is_known(self) -> bool {
        matches!(self.0, 1 | 2)
    }
}

/// Selected of mLACP Port State (RFC 7275 §7.2.7): the 802.1AX Selected variable
/// (IEEE 802.1AX §5.4.8: SELECTED, UNSELECTED, STANDBY). Unknown values are kept.
///
/// Verification: the three states are 802.1AX's; their octet values (UNSELECTED 0, SELECTED 1,
/// STANDBY 2) are this crate's reading of the RFC and could not be re-checked here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Selected(pub u8);

impl Selected {
    /// UNSELECTED.
    pub const UNSELECTED: Self = Self(0);
    /// SELECTED.
    pub const SELECTED: Self = Self(1);
    /// STANDBY.
    pub const STANDBY: Self = Self(2);
    /// A value with a name above.
    pub const fn is_known(self) -> bool {
        self.0 <= 2
    }
}

/// Port State of mLACP Port State (RFC 7275 §7.2.7): the operational state of the port. Unknown
/// values are kept.
///
/// Verification: up / down is what the field conveys; the values (DOWN 0, UP 1) are this
/// crate's reading and could not be re-checked against the RFC text here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct PortOperState(pub u8);

impl PortOperState {
    /// Down.
    pub const DOWN: Self = Self(0);
    /// Up.
    pub const UP: Self = Self(1);
    /// A value with a name above.
    pub const fn is_known(self) -> bool {
        self.0 <= 1
    }
}

/// Node ID octet of mLACP System Config (RFC 7275 §7.2.3). The octet is kept whole.
///
/// Verification: the layout — most significant bit set, a 3-bit node identifier in bits 6..4,
/// the low 4 bits free — is SONiC iccpd's (`MLACP_SYSCONF_NODEID_MSB_MASK` 0x80,
/// `_NODEID_MASK` 0x70, `_FREE_MASK` 0x0F in `mlacp_tlv.h`), an implementation that annotates
/// the RFC page by page; the RFC text itself could not be re-read here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct NodeId(pub u8);

impl NodeId {
    /// Most significant bit (set by SONiC on every Node ID it sends).
    pub const MSB: u8 = 0x80;
    /// Mask of the node identifier.
    pub const ID_MASK: u8 = 0x70;
    /// Mask of the free low bits.
    pub const FREE_MASK: u8 = 0x0f;

    /// A Node ID with identifier `id` (0..=7, masked) and free bits `free` (masked), MSB set.
    pub const fn new(id: u8, free: u8) -> Self {
        Self(Self::MSB | ((id << 4) & Self::ID_MASK) | (free & Self::FREE_MASK))
    }
    /// The 3-bit node identifier.
    pub const fn id(self) -> u8 {
        (self.0 & Self::ID_MASK) >> 4
    }
    /// The free low bits.
    pub const fn free(self) -> u8 {
        self.0 & Self::FREE_MASK
    }
}

/// Request Type of mLACP Synchronization Request (RFC 7275 §7.2.9): 14 bits after the C-bit
/// (0x8000, configuration requested) and the S-bit (0x4000, state requested) — the bit layout is
/// that of SONiC's `mlacp_tlv.h` bit-field. Other values are kept (14 bits).
///
/// Verification: the RFC asks either for one port / aggregator (named by the next field) or for
/// all of them; the numbers below (0x0000 one, 0x3FFF all) are this crate's reading and could
/// not be re-checked against the RFC text here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct SyncRequestType(pub u16);

impl SyncRequestType {
    /// The port / aggregator named by "Port Number or Aggregator ID".
    pub const ONE: Self = Self(0x0000);
    /// All ports / aggregators.
    pub const ALL: Self = Self(0x3fff);
    /// The 14-bit value.
    pub const fn bits(self) -> u16 {
        self.0 & 0x3fff
    }
}

/// Flags of mLACP Synchronization Data (RFC 7275 §7.2.10). Every bit is kept.
///
/// Verification: 0x0001 marks the last message of a synchronization response as observed in
/// SONiC iccpd; not re-checked against the RFC text here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct SyncDataFlags(pub u16);

impl SyncDataFlags {
    /// No flag: more of the response follows.
    pub const NONE: Self = Self(0);
    /// The last message of the response.
    pub const END: Self = Self(0x0001);
    /// END set.
    pub const fn is_end(self) -> bool {
        self.0 & Self::END.0 != 0
    }
}

/// mLACP Port Config (RFC 7275 §7.2.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PortConfig<'a> {
    /// Port Number.
    pub port_number: u16,
    /// Port MAC address.
    pub mac: MacAddr,
    /// Actor Key.
    pub actor_key: u16,
    /// Port Priority.
    pub port_priority: u16,
    /// Port Speed (IF-MIB ifSpeed semantics).
    pub port_speed: u32,
    /// Flags (Synchronized, Purge Configuration).
    pub flags: ConfigFlags,
    /// Port Name (octets, IF-MIB ifName).
    pub name: &'a [u8],
}

/// mLACP Port State (RFC 7275 §7.2.7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PortStateTlv {
    /// Partner System ID.
    pub partner_system: MacAddr,
    /// Partner System Priority.
    pub partner_system_priority: u16,
    /// Partner Port Number.
    pub partner_port_number: u16,
    /// Partner Port Priority.
    pub partner_port_priority: u16,
    /// Partner Key.
    pub partner_key: u16,
    /// Partner State octet (LACP state bits).
    pub partner_state: u8,
    /// Actor State octet.
    pub actor_state: u8,
    /// Actor Port Number.
    pub actor_port_number: u16,
    /// Actor Key.
    pub actor_key: u16,
    /// Selected (802.1AX §5.4.8).
    pub selected: Selected,
    /// Port State (operational up / down).
    pub port_state: PortOperState,
    /// Aggregator ID.
    pub aggregator_id: u16,
}

/// mLACP Aggregator Config (RFC 7275 §7.2.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AggregatorConfig<'a> {
    /// Redundant Object ID.
    pub roid: u64,
    /// Aggregator ID.
    pub aggregator_id: u16,
    /// Aggregator MAC address.
    pub mac: MacAddr,
    /// Actor Key.
    pub actor_key: u16,
    /// Member Ports Priority.
    pub member_ports_priority: u16,
    /// Flags (Synchronized, Purge Configuration).
    pub flags: ConfigFlags,
    /// Aggregator Name.
    pub name: &'a [u8],
}

/// mLACP Aggregator State (RFC 7275 §7.2.8).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AggregatorState {
    /// Partner System ID.
    pub partner_system: MacAddr,
    /// Partner System Priority.
    pub partner_system_priority: u16,
    /// Partner Key.
    pub partner_key: u16,
    /// Aggregator ID.
    pub aggregator_id: u16,
    /// Actor Key.
    pub actor_key: u16,
    /// Aggregator State (raw).
    pub aggregator_state: u8,
}

/// mLACP Port Priority (RFC 7275 §7.2.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PortPriority {
    /// Op Code (local or remote priority change).
    pub op_code: PriorityOp,
    /// Port Number.
    pub port_number: u16,
    /// Aggregator ID.
    pub aggregator_id: u16,
    /// Last Port Priority.
    pub last_priority: u16,
    /// Current Port Priority.
    pub current_priority: u16,
}

/// mLACP Synchronization Request (RFC 7275 §7.2.9).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyncRequest {
    /// Request Number.
    pub request_number: u16,
    /// C-bit (configuration requested).
    pub c_bit: bool,
    /// S-bit (state requested).
    pub s_bit: bool,
    /// Request Type (14 bits).
    pub request_type: SyncRequestType,
    /// Port Number or Aggregator ID.
    pub port_or_aggregator: u16,
    /// Actor Key.
    pub actor_key: u16,
}

/// One TLV inside an ICC message, decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Param<'a> {
    /// ICC Sender Name (0x0001).
    SenderName(&'a str),
    /// NAK (0x0002).
    Nak {
        /// Why the message was rejected.
        status: super::StatusCode,
        /// The Message ID of the rejected message.
        rejected_id: u32,
    },
    /// Requested Protocol Version (0x0003).
    RequestedVersion {
        /// The type of the application Connect TLV this is about (e.g. 0x0030 mLACP).
        connection_reference: u16,
        /// The version the sender supports.
        version: u16,
    },
    /// Disconnect Code (0x0004).
    DisconnectCode(super::StatusCode),
    /// ICC RG ID (0x0005) appearing after the message's mandatory first one.
    RgId(u32),
    /// mLACP Connect (0x0030).
    MlacpConnect {
        /// Protocol Version (1).
        version: u16,
        /// A-bit: the sender has received the peer's mLACP Connect.
        a_bit: bool,
        /// Optional sub-TLVs (a checked chain, kept raw).
        sub_tlvs: &'a [u8],
    },
    /// mLACP Disconnect (0x0031) with its optional sub-TLVs (a checked chain, kept raw).
    MlacpDisconnect {
        /// Sub-TLVs.
        sub_tlvs: &'a [u8],
    },
    /// mLACP System Config (0x0032).
    MlacpSystemConfig {
        /// System ID the RG presents to the CE.
        system_id: MacAddr,
        /// System Priority.
        system_priority: u16,
        /// Node ID.
        node_id: NodeId,
    },
    /// mLACP Port Config (0x0033).
    MlacpPortConfig(PortConfig<'a>),
    /// mLACP Port Priority (0x0034).
    MlacpPortPriority(PortPriority),
    /// mLACP Port State (0x0035).
    MlacpPortState(PortStateTlv),
    /// mLACP Aggregator Config (0x0036).
    MlacpAggregatorConfig(AggregatorConfig<'a>),
    /// mLACP Aggregator State (0x0037).
    MlacpAggregatorState(AggregatorState),
    /// mLACP Synchronization Request (0x0038).
    MlacpSyncRequest(SyncRequest),
    /// mLACP Synchronization Data (0x0039).
    MlacpSyncData {
        /// Request Number being answered.
        request_number: u16,
        /// Flags ([`SyncDataFlags::END`]: last message of the response).
        flags: SyncDataFlags,
    },
    /// Vendor Heartbeat (0x3E00).
    Heartbeat {
        /// Flags (reserved, 0).
        flags: u8,
        /// The sender's heartbeat interval in milliseconds.
        interval_ms: u16,
        /// A counter the sender increments per heartbeat.
        counter: u32,
    },
    /// Vendor Election data (0x3E01).
    Election {
        /// MLAG priority (0..=128, lower wins).
        priority: u8,
        /// Bridge MAC address (tie breaker, lower wins; candidate system-id).
        bridge_mac: MacAddr,
    },
    /// Vendor Election data, format version 2 (0x3E01, version octet 2): see the
    /// [module docs](self#election-format-version-2-election_version_2).
    ElectionV2 {
        /// MLAG priority (0..=128, lower wins).
        priority: u8,
        /// Bridge MAC address (tie breaker, lower wins).
        bridge_mac: MacAddr,
        /// Flags ([`ELECTION_INCUMBENT`]; other bits kept as received).
        flags: u8,
        /// The incumbent system-id (meaningful with [`ELECTION_INCUMBENT`]).
        incumbent: MacAddr,
        /// The sender's election generation.
        generation: u16,
        /// The latest generation the sender has received from the receiver (0: none).
        seen: u16,
    },
    /// Vendor FDB delta (0x3E02): opaque records of the given kind.
    FdbDelta {
        /// Record kind (defined by the `fdb` crate).
        kind: u8,
        /// Records.
        records: &'a [u8],
    },
    /// Vendor FDB snapshot chunk (0x3E03).
    FdbSnapshot {
        /// Record kind.
        kind: u8,
        /// [`SNAPSHOT_FIRST`] | [`SNAPSHOT_LAST`].
        flags: u8,
        /// Records.
        records: &'a [u8],
    },
    /// Vendor STP relay (0x3E04): a BPDU received on a port, relayed to the peer.
    StpRelay {
        /// The receiving port number.
        port: u16,
        /// The BPDU octets.
        bpdu: &'a [u8],
    },
    /// Vendor consistency-check data (0x3E05).
    Consistency {
        /// Record kind.
        kind: u8,
        /// Opaque data.
        data: &'a [u8],
    },
    /// A TLV this crate does not understand, with U = 1 (to be skipped by receivers).
    Unknown(Tlv<'a>),
}

fn fixed<'a>(tlv: &Tlv<'a>, len: usize) -> Result<&'a [u8], Error> {
    if tlv.value.len() == len {
        Ok(tlv.value)
    } else {
        Err(bad(tlv))
    }
}

fn bad(tlv: &Tlv<'_>) -> Error {
    Error::BadTlv {
        ty: tlv.ty(),
        len: u16::try_from(tlv.value.len()).unwrap_or(u16::MAX),
    }
}

/// Splits a `len-octet name` tail at `at`: the length octet must match the octets left.
fn name_at<'a>(tlv: &Tlv<'a>, at: usize) -> Result<&'a [u8], Error> {
    let v = tlv.value;
    let n = usize::from(byte(v, at).map_err(|_| bad(tlv))?);
    match v.get(at + 1..) {
        Some(name) if name.len() == n => Ok(name),
        _ => Err(bad(tlv)),
    }
}

impl<'a> Param<'a> {
    /// Decodes one TLV. Unknown types: `Ok(Unknown)` with U = 1, [`Error::UnknownTlv`] with U = 0
    /// (RFC 5036 §3.3, RFC 7275 §6.1.2).
    pub fn parse(tlv: Tlv<'a>) -> Result<Self, Error> {
        let v = tlv.value;
        let p = match tlv.ty() {
            SENDER_NAME => {
                if v.len() > SENDER_NAME_MAX {
                    return Err(bad(&tlv));
                }
                // Accept and strip trailing NULs from C senders (protocol-facts §8.3 item 2).
                let mut end = v.len();
                while end > 0 && v.get(end - 1) == Some(&0) {
                    end -= 1;
                }
                let text = v.get(..end).unwrap_or_default();
                Self::SenderName(
                    core::str::from_utf8(text).map_err(|_| Error::BadUtf8(SENDER_NAME))?,
                )
            }
            NAK => {
                let v = fixed(&tlv, 8)?;
                Self::Nak {
                    status: super::StatusCode(be32(v, 0)?),
                    rejected_id: be32(v, 4)?,
                }
            }
            REQUESTED_VERSION => {
                let v = fixed(&tlv, 4)?;
                Self::RequestedVersion {
                    connection_reference: be16(v, 0)?,
                    version: be16(v, 2)?,
                }
            }
            DISCONNECT_CODE => Self::DisconnectCode(super::StatusCode(be32(fixed(&tlv, 4)?, 0)?)),
            RG_ID => Self::RgId(be32(fixed(&tlv, 4)?, 0)?),
            MLACP_CONNECT => {
                if v.len() < 4 {
                    return Err(bad(&tlv));
                }
                let sub_tlvs = v.get(4..).unwrap_or_default();
                tlv::Tlvs::new(sub_tlvs).check().map_err(|_| bad(&tlv))?;
                Self::MlacpConnect {
                    version: be16(v, 0)?,
                    a_bit: be16(v, 2)? & 0x8000 != 0,
                    sub_tlvs,
                }
            }
            MLACP_DISCONNECT => {
                tlv::Tlvs::new(v).check().map_err(|_| bad(&tlv))?;
                Self::MlacpDisconnect { sub_tlvs: v }
            }
            MLACP_SYSTEM_CONFIG => {
                let v = fixed(&tlv, 9)?;
                Self::MlacpSystemConfig {
                    system_id: mac(v, 0)?,
                    system_priority: be16(v, 6)?,
                    node_id: NodeId(byte(v, 8)?),
                }
            }
            MLACP_PORT_CONFIG => {
                let name = name_at(&tlv, 17)?;
                Self::MlacpPortConfig(PortConfig {
                    port_number: be16(v, 0)?,
                    mac: mac(v, 2)?,
                    actor_key: be16(v, 8)?,
                    port_priority: be16(v, 10)?,
                    port_speed: be32(v, 12)?,
                    flags: ConfigFlags(byte(v, 16)?),
                    name,
                })
            }
            MLACP_PORT_PRIORITY => {
                let v = fixed(&tlv, 10)?;
                Self::MlacpPortPriority(PortPriority {
                    op_code: PriorityOp(be16(v, 0)?),
                    port_number: be16(v, 2)?,
                    aggregator_id: be16(v, 4)?,
                    last_priority: be16(v, 6)?,
                    current_priority: be16(v, 8)?,
                })
            }
            MLACP_PORT_STATE => {
                let v = fixed(&tlv, 24)?;
                Self::MlacpPortState(PortStateTlv {
                    partner_system: mac(v, 0)?,
                    partner_system_priority: be16(v, 6)?,
                    partner_port_number: be16(v, 8)?,
                    partner_port_priority: be16(v, 10)?,
                    partner_key: be16(v, 12)?,
                    partner_state: byte(v, 14)?,
                    actor_state: byte(v, 15)?,
                    actor_port_number: be16(v, 16)?,
                    actor_key: be16(v, 18)?,
                    selected: Selected(byte(v, 20)?),
                    port_state: PortOperState(byte(v, 21)?),
                    aggregator_id: be16(v, 22)?,
                })
            }
            MLACP_AGGREGATOR_CONFIG => {
                let name = name_at(&tlv, 21)?;
                let roid = (u64::from(be32(v, 0)?) << 32) | u64::from(be32(v, 4)?);
                Self::MlacpAggregatorConfig(AggregatorConfig {
                    roid,
                    aggregator_id: be16(v, 8)?,
                    mac: mac(v, 10)?,
                    actor_key: be16(v, 16)?,
                    member_ports_priority: be16(v, 18)?,
                    flags: ConfigFlags(byte(v, 20)?),
                    name,
                })
            }
            MLACP_AGGREGATOR_STATE => {
                let v = fixed(&tlv, 15)?;
                Self::MlacpAggregatorState(AggregatorState {
                    partner_system: mac(v, 0)?,
                    partner_system_priority: be16(v, 6)?,
                    partner_key: be16(v, 8)?,
                    aggregator_id: be16(v, 10)?,
                    actor_key: be16(v, 12)?,
                    aggregator_state: byte(v, 14)?,
                })
            }
            MLACP_SYNC_REQUEST => {
                let v = fixed(&tlv, 8)?;
                let bits = be16(v, 2)?;
                Self::MlacpSyncRequest(SyncRequest {
                    request_number: be16(v, 0)?,
                    c_bit: bits & 0x8000 != 0,
                    s_bit: bits & 0x4000 != 0,
                    request_type: SyncRequestType(bits & 0x3fff),
                    port_or_aggregator: be16(v, 4)?,
                    actor_key: be16(v, 6)?,
                })
            }
            MLACP_SYNC_DATA => {
                let v = fixed(&tlv, 4)?;
                Self::MlacpSyncData {
                    request_number: be16(v, 0)?,
                    flags: SyncDataFlags(be16(v, 2)?),
                }
            }
            VENDOR_HEARTBEAT..=VENDOR_CONSISTENCY => return Self::parse_vendor(tlv),
            _ if tlv.u_bit() => Self::Unknown(tlv),
            ty => return Err(Error::UnknownTlv(ty)),
        };
        Ok(p)
    }

    fn parse_vendor(tlv: Tlv<'a>) -> Result<Self, Error> {
        let v = tlv.value;
        if tlv.ty() == VENDOR_ELECTION && v.first() == Some(&ELECTION_VERSION_2) {
            let b = fixed(&tlv, 19)?;
            return Ok(Self::ElectionV2 {
                priority: byte(b, 1)?,
                bridge_mac: mac(b, 2)?,
                flags: byte(b, 8)?,
                incumbent: mac(b, 9)?,
                generation: be16(b, 15)?,
                seen: be16(b, 17)?,
            });
        }
        // A vendor TLV of another format version is an unknown TLV: skip (U=1) or reject (U=0).
        if v.first() != Some(&VENDOR_FORMAT_VERSION) {
            return if tlv.u_bit() {
                Ok(Self::Unknown(tlv))
            } else {
                Err(Error::UnknownTlv(tlv.ty()))
            };
        }
        let body = v.get(1..).unwrap_or_default();
        let need = |n: usize| {
            if body.len() >= n {
                Ok(())
            } else {
                Err(bad(&tlv))
            }
        };
        Ok(match tlv.ty() {
            VENDOR_HEARTBEAT => {
                let b = fixed(&tlv, 8)?;
                Self::Heartbeat {
                    flags: byte(b, 1)?,
                    interval_ms: be16(b, 2)?,
                    counter: be32(b, 4)?,
                }
            }
            VENDOR_ELECTION => {
                let b = fixed(&tlv, 8)?;
                Self::Election {
                    priority: byte(b, 1)?,
                    bridge_mac: mac(b, 2)?,
                }
            }
            VENDOR_FDB_DELTA => {
                need(1)?;
                Self::FdbDelta {
                    kind: byte(body, 0)?,
                    records: body.get(1..).unwrap_or_default(),
                }
            }
            VENDOR_FDB_SNAPSHOT => {
                need(2)?;
                Self::FdbSnapshot {
                    kind: byte(body, 0)?,
                    flags: byte(body, 1)?,
                    records: body.get(2..).unwrap_or_default(),
                }
            }
            VENDOR_STP_RELAY => {
                need(2)?;
                Self::StpRelay {
                    port: be16(body, 0)?,
                    bpdu: body.get(2..).unwrap_or_default(),
                }
            }
            _ => {
                need(1)?;
                Self::Consistency {
                    kind: byte(body, 0)?,
                    data: body.get(1..).unwrap_or_default(),
                }
            }
        })
    }

    /// The 14-bit TLV type.
    pub fn ty(&self) -> u16 {
        match self {
            Self::SenderName(_) => SENDER_NAME,
            Self::Nak { .. } => NAK,
            Self::RequestedVersion { .. } => REQUESTED_VERSION,
            Self::DisconnectCode(_) => DISCONNECT_CODE,
            Self::RgId(_) => RG_ID,
            Self::MlacpConnect { .. } => MLACP_CONNECT,
            Self::MlacpDisconnect { .. } => MLACP_DISCONNECT,
            Self::MlacpSystemConfig { .. } => MLACP_SYSTEM_CONFIG,
            Self::MlacpPortConfig(_) => MLACP_PORT_CONFIG,
            Self::MlacpPortPriority(_) => MLACP_PORT_PRIORITY,
            Self::MlacpPortState(_) => MLACP_PORT_STATE,
            Self::MlacpAggregatorConfig(_) => MLACP_AGGREGATOR_CONFIG,
            Self::MlacpAggregatorState(_) => MLACP_AGGREGATOR_STATE,
            Self::MlacpSyncRequest(_) => MLACP_SYNC_REQUEST,
            Self::MlacpSyncData { .. } => MLACP_SYNC_DATA,
            Self::Heartbeat { .. } => VENDOR_HEARTBEAT,
            Self::Election { .. } | Self::ElectionV2 { .. } => VENDOR_ELECTION,
            Self::FdbDelta { .. } => VENDOR_FDB_DELTA,
            Self::FdbSnapshot { .. } => VENDOR_FDB_SNAPSHOT,
            Self::StpRelay { .. } => VENDOR_STP_RELAY,
            Self::Consistency { .. } => VENDOR_CONSISTENCY,
            Self::Unknown(t) => t.ty(),
        }
    }

    /// The first 16 bits as sent: RFC TLVs U=0 F=0, vendor TLVs U=1 F=0, unknown TLVs as received.
    pub fn raw_type(&self) -> u16 {
        match self {
            Self::Unknown(t) => t.raw_type,
            p if p.is_vendor() => U_BIT | p.ty(),
            p => p.ty() & !(U_BIT | F_BIT),
        }
    }

    /// True for this crate's vendor TLVs.
    pub fn is_vendor(&self) -> bool {
        matches!(
            self,
            Self::Heartbeat { .. }
                | Self::Election { .. }
                | Self::ElectionV2 { .. }
                | Self::FdbDelta { .. }
                | Self::FdbSnapshot { .. }
                | Self::StpRelay { .. }
                | Self::Consistency { .. }
        )
    }

    /// True for the TLVs of the mLACP application (RFC 7275 §7.2, 0x0030–0x0039).
    pub fn is_mlacp(&self) -> bool {
        (MLACP_CONNECT..=MLACP_SYNC_DATA).contains(&self.ty()) && !matches!(self, Self::Unknown(_))
    }

    /// A short name for display.
    pub fn name(&self) -> &'static str {
        match self {
            Self::SenderName(_) => "ICC Sender Name",
            Self::Nak { .. } => "NAK",
            Self::RequestedVersion { .. } => "Requested Protocol Version",
            Self::DisconnectCode(_) => "Disconnect Code",
            Self::RgId(_) => "ICC RG ID",
            Self::MlacpConnect { .. } => "mLACP Connect",
            Self::MlacpDisconnect { .. } => "mLACP Disconnect",
            Self::MlacpSystemConfig { .. } => "mLACP System Config",
            Self::MlacpPortConfig(_) => "mLACP Port Config",
            Self::MlacpPortPriority(_) => "mLACP Port Priority",
            Self::MlacpPortState(_) => "mLACP Port State",
            Self::MlacpAggregatorConfig(_) => "mLACP Aggregator Config",
            Self::MlacpAggregatorState(_) => "mLACP Aggregator State",
            Self::MlacpSyncRequest(_) => "mLACP Synchronization Request",
            Self::MlacpSyncData { .. } => "mLACP Synchronization Data",
            Self::Heartbeat { .. } => "Heartbeat (vendor)",
            Self::Election { .. } => "Election (vendor)",
            Self::ElectionV2 { .. } => "Election v2 (vendor)",
            Self::FdbDelta { .. } => "FDB Delta (vendor)",
            Self::FdbSnapshot { .. } => "FDB Snapshot (vendor)",
            Self::StpRelay { .. } => "STP Relay (vendor)",
            Self::Consistency { .. } => "Consistency (vendor)",
            Self::Unknown(_) => "Unknown",
        }
    }

    /// Length of the value (without the 4-octet header).
    pub fn value_len(&self) -> usize {
        match self {
            Self::SenderName(s) => s.len(),
            Self::Nak { .. } => 8,
            Self::RequestedVersion { .. } | Self::DisconnectCode(_) | Self::RgId(_) => 4,
            Self::MlacpConnect { sub_tlvs, .. } => 4 + sub_tlvs.len(),
            Self::MlacpDisconnect { sub_tlvs } => sub_tlvs.len(),
            Self::MlacpSystemConfig { .. } => 9,
            Self::MlacpPortConfig(p) => 18 + p.name.len(),
            Self::MlacpPortPriority(_) => 10,
            Self::MlacpPortState(_) => 24,
            Self::MlacpAggregatorConfig(a) => 22 + a.name.len(),
            Self::MlacpAggregatorState(_) => 15,
            Self::MlacpSyncRequest(_) => 8,
            Self::MlacpSyncData { .. } => 4,
            Self::Heartbeat { .. } | Self::Election { .. } => 8,
            Self::ElectionV2 { .. } => 19,
            Self::FdbDelta { records, .. } => 2 + records.len(),
            Self::FdbSnapshot { records, .. } => 3 + records.len(),
            Self::StpRelay { bpdu, .. } => 3 + bpdu.len(),
            Self::Consistency { data, .. } => 2 + data.len(),
            Self::Unknown(t) => t.value.len(),
        }
    }

    /// Header plus value.
    pub fn buffer_len(&self) -> usize {
        HEADER_LEN + self.value_len()
    }

    /// Writes the TLV into `buf`; returns the octets written (= [`Param::buffer_len`]).
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, Error> {
        let mut w = Writer::new(buf);
        self.write(&mut w)?;
        Ok(w.pos())
    }

    pub(crate) fn write(&self, w: &mut Writer<'_>) -> Result<(), Error> {
        let start = w.pos();
        tlv::put_header(w, self.raw_type(), self.value_len())?;
        let name_len = |n: &[u8]| u8::try_from(n.len()).map_err(|_| Error::TooLarge("name length"));
        match *self {
            Self::SenderName(s) => {
                if s.len() > SENDER_NAME_MAX {
                    return Err(Error::TooLarge("ICC Sender Name"));
                }
                w.put(s.as_bytes())?;
            }
            Self::Nak {
                status,
                rejected_id,
            } => {
                w.u32(status.0)?;
                w.u32(rejected_id)?;
            }
            Self::RequestedVersion {
                connection_reference,
                version,
            } => {
                w.u16(connection_reference)?;
                w.u16(version)?;
            }
            Self::DisconnectCode(code) => w.u32(code.0)?,
            Self::RgId(id) => w.u32(id)?,
            Self::MlacpConnect {
                version,
                a_bit,
                sub_tlvs,
            } => {
                w.u16(version)?;
                w.u16(if a_bit { 0x8000 } else { 0 })?;
                w.put(sub_tlvs)?;
            }
            Self::MlacpDisconnect { sub_tlvs } => w.put(sub_tlvs)?,
            Self::MlacpSystemConfig {
                system_id,
                system_priority,
                node_id,
            } => {
                w.put(&system_id.0)?;
                w.u16(system_priority)?;
                w.u8(node_id.0)?;
            }
            Self::MlacpPortConfig(p) => {
                w.u16(p.port_number)?;
                w.put(&p.mac.0)?;
                w.u16(p.actor_key)?;
                w.u16(p.port_priority)?;
                w.u32(p.port_speed)?;
                w.u8(p.flags.0)?;
                w.u8(name_len(p.name)?)?;
                w.put(p.name)?;
            }
            Self::MlacpPortPriority(p) => {
                w.u16(p.op_code.0)?;
                w.u16(p.port_number)?;
                w.u16(p.aggregator_id)?;
                w.u16(p.last_priority)?;
                w.u16(p.current_priority)?;
            }
            Self::MlacpPortState(s) => {
                w.put(&s.partner_system.0)?;
                w.u16(s.partner_system_priority)?;
                w.u16(s.partner_port_number)?;
                w.u16(s.partner_port_priority)?;
                w.u16(s.partner_key)?;
                w.u8(s.partner_state)?;
                w.u8(s.actor_state)?;
                w.u16(s.actor_port_number)?;
                w.u16(s.actor_key)?;
                w.u8(s.selected.0)?;
                w.u8(s.port_state.0)?;
                w.u16(s.aggregator_id)?;
            }
            Self::MlacpAggregatorConfig(a) => {
                w.u32((a.roid >> 32) as u32)?;
                w.u32(a.roid as u32)?;
                w.u16(a.aggregator_id)?;
                w.put(&a.mac.0)?;
                w.u16(a.actor_key)?;
                w.u16(a.member_ports_priority)?;
                w.u8(a.flags.0)?;
                w.u8(name_len(a.name)?)?;
                w.put(a.name)?;
            }
            Self::MlacpAggregatorState(s) => {
                w.put(&s.partner_system.0)?;
                w.u16(s.partner_system_priority)?;
                w.u16(s.partner_key)?;
                w.u16(s.aggregator_id)?;
                w.u16(s.actor_key)?;
                w.u8(s.aggregator_state)?;
            }
            Self::MlacpSyncRequest(r) => {
                w.u16(r.request_number)?;
                let bits = r.request_type.bits()
                    | if r.c_bit { 0x8000 } else { 0 }
                    | if r.s_bit { 0x4000 } else { 0 };
                w.u16(bits)?;
                w.u16(r.port_or_aggregator)?;
                w.u16(r.actor_key)?;
            }
            Self::MlacpSyncData {
                request_number,
                flags,
            } => {
                w.u16(request_number)?;
                w.u16(flags.0)?;
            }
            Self::Heartbeat {
                flags,
                interval_ms,
                counter,
            } => {
                w.u8(VENDOR_FORMAT_VERSION)?;
                w.u8(flags)?;
                w.u16(interval_ms)?;
                w.u32(counter)?;
            }
            Self::Election {
                priority,
                bridge_mac,
            } => {
                w.u8(VENDOR_FORMAT_VERSION)?;
                w.u8(priority)?;
                w.put(&bridge_mac.0)?;
            }
            Self::ElectionV2 {
                priority,
                bridge_mac,
                flags,
                incumbent,
                generation,
                seen,
            } => {
                w.u8(ELECTION_VERSION_2)?;
                w.u8(priority)?;
                w.put(&bridge_mac.0)?;
                w.u8(flags)?;
                w.put(&incumbent.0)?;
                w.u16(generation)?;
                w.u16(seen)?;
            }
            Self::FdbDelta { kind, records } => {
                w.put(&[VENDOR_FORMAT_VERSION, kind])?;
                w.put(records)?;
            }
            Self::FdbSnapshot {
                kind,
                flags,
                records,
            } => {
                w.put(&[VENDOR_FORMAT_VERSION, kind, flags])?;
                w.put(records)?;
            }
            Self::StpRelay { port, bpdu } => {
                w.u8(VENDOR_FORMAT_VERSION)?;
                w.u16(port)?;
                w.put(bpdu)?;
            }
            Self::Consistency { kind, data } => {
                w.put(&[VENDOR_FORMAT_VERSION, kind])?;
                w.put(data)?;
            }
            Self::Unknown(t) => w.put(t.value)?,
        }
        debug_assert_eq!(w.pos() - start, self.buffer_len());
        Ok(())
    }
}
