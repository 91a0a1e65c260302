//! Configuration, TCN, RST and MST BPDUs (802.1D-2004 §9.3, 802.1Q-2022 §14.2–§14.6).
//!
//! ```text
//! off len Config (0x00)        RST (0x02, v2)        MST (0x02, v3)
//!   0   2 Protocol Identifier = 0
//!   2   1 Protocol Version: 0  2                     3
//!   3   1 BPDU Type: 0x00      0x02                  0x02        (TCN: 0x80, 4 octets in all)
//!   4   1 Flags                Flags (+ port role)   CIST Flags
//!   5   8 Root Identifier                            CIST Root Identifier
//!  13   4 Root Path Cost                             CIST External Root Path Cost
//!  17   8 Bridge Identifier                          CIST Regional Root Identifier
//!  25   2 Port Identifier                            CIST Port Identifier
//!  27   8 Message Age, Max Age, Hello Time, Forward Delay (1/256 s each)
//!  35   1                      Version 1 Length = 0
//!  36   2                                            Version 3 Length = 64 + 16·n
//!  38  51                                            MST Configuration Identifier
//!  89   4                                            CIST Internal Root Path Cost
//!  93   8                                            CIST Bridge Identifier
//! 101   1                                            CIST Remaining Hops
//! 102 16n                                            MSTI Configuration Messages
//! ```

use super::Error;
use super::mcid::MstConfigId;
use core::fmt;
use core::time::Duration;
use l2_types::MacAddr;

/// BPDU Type of a Configuration BPDU.
pub const TYPE_CONFIG: u8 = 0x00;
/// BPDU Type of a Topology Change Notification BPDU.
pub const TYPE_TCN: u8 = 0x80;
/// BPDU Type of RST and MST BPDUs.
pub const TYPE_RST: u8 = 0x02;
/// Length of a Configuration BPDU.
pub const CONFIG_LEN: usize = 35;
/// Length of a TCN BPDU.
pub const TCN_LEN: usize = 4;
/// Length of an RST BPDU.
pub const RST_LEN: usize = 36;
/// Length of an MST BPDU without MSTI configuration messages.
pub const MST_BASE_LEN: usize = 102;
/// Length of one MSTI configuration message.
pub const MSTI_LEN: usize = 16;
/// At most this many MSTI configuration messages in one MST BPDU.
pub const MSTIS_MAX: usize = 64;

/// A bridge identifier: 4-bit priority (steps of 4096), 12-bit system ID extension and a MAC
/// address (802.1D-2004 §9.2.5, 802.1Q §13.26.2). Ordered as the 64-bit number it encodes: lower
/// is better.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct BridgeId(u64);

impl BridgeId {
    /// A bridge identifier from a priority (its low 12 bits are ignored: priorities are
    /// multiples of 4096), a system ID extension (the MSTID, or 0; 12 bits) and an address.
    pub const fn new(priority: u16, system_id_extension: u16, address: MacAddr) -> Self {
        let field = (priority & 0xf000) | (system_id_extension & 0x0fff);
        Self::from_parts(field, address)
    }

    /// A bridge identifier from the raw 16-bit priority field (priority plus extension, as on
    /// the wire; 802.1D-1998 bridges use all 16 bits as priority) and an address.
    pub const fn from_parts(priority_field: u16, address: MacAddr) -> Self {
        Self(((priority_field as u64) << 48) | address.to_u64())
    }

    /// From the 8 wire octets.
    pub const fn from_octets(o: [u8; 8]) -> Self {
        Self(u64::from_be_bytes(o))
    }

    /// The 8 wire octets.
    pub const fn to_octets(self) -> [u8; 8] {
        self.0.to_be_bytes()
    }

    /// The priority (the top 4 bits, 0..=61440 in steps of 4096).
    pub const fn priority(self) -> u16 {
        ((self.0 >> 48) as u16) & 0xf000
    }

    /// The 12-bit system ID extension (the MSTID in MSTI identifiers).
    pub const fn system_id_extension(self) -> u16 {
        ((self.0 >> 48) as u16) & 0x0fff
    }

    /// The raw 16-bit priority field.
    pub const fn priority_field(self) -> u16 {
        (self.0 >> 48) as u16
    }

    /// The bridge address.
    pub const fn address(self) -> MacAddr {
        MacAddr::from_u64(self.0)
    }

    /// The identifier as a 64-bit number.
    pub const fn to_u64(self) -> u64 {
        self.0
    }
}

impl fmt::Debug for BridgeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04x}.{}", self.priority_field(), self.address())
    }
}

impl fmt::Display for BridgeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

/// A port identifier: 4-bit priority (steps of 16) and 12-bit port number (802.1D-2004 §9.2.7).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct PortId(pub u16);

impl PortId {
    /// A port identifier from a priority (0..=240, steps of 16; low 4 bits ignored) and a port
    /// number (1..=4095; 12 bits).
    pub const fn new(priority: u8, number: u16) -> Self {
        Self((((priority as u16) & 0xf0) << 8) | (number & 0x0fff))
    }

    /// The priority, 0..=240 in steps of 16.
    pub const fn priority(self) -> u8 {
        (self.0 >> 8) as u8 & 0xf0
    }

    /// The 12-bit port number.
    pub const fn number(self) -> u16 {
        self.0 & 0x0fff
    }
}

impl fmt::Debug for PortId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04x}", self.0)
    }
}

/// A BPDU time value in units of 1/256 s.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Debug)]
pub struct BpduTime(pub u16);

impl BpduTime {
    /// Whole seconds.
    pub const fn from_secs(secs: u8) -> Self {
        Self((secs as u16) << 8)
    }

    /// The whole seconds (fractions truncated, as 802.1D §9.3 timers count whole seconds).
    pub const fn whole_secs(self) -> u8 {
        (self.0 >> 8) as u8
    }

    /// As a duration.
    pub fn to_duration(self) -> Duration {
        Duration::from_micros(u64::from(self.0) * 1_000_000 / 256)
    }

    /// As seconds with fractions.
    pub fn as_secs_f64(self) -> f64 {
        f64::from(self.0) / 256.0
    }
}

bitflags::bitflags! {
    /// The Flags octet (802.1D-2004 §9.3.3, Figure 9-3; MSTI flags 802.1Q §14.6.1).
    #[derive(Clone, Copy, PartialEq, Eq, Hash, Default, Debug)]
    pub struct BpduFlags: u8 {
        /// Topology Change.
        const TOPOLOGY_CHANGE = 0x01;
        /// Proposal (RST/MST).
        const PROPOSAL = 0x02;
        /// The two Port Role bits (RST/MST); see [`BpduFlags::role`].
        const PORT_ROLE = 0x0c;
        /// Learning (RST/MST).
        const LEARNING = 0x10;
        /// Forwarding (RST/MST).
        const FORWARDING = 0x20;
        /// Agreement (RST/MST).
        const AGREEMENT = 0x40;
        /// Topology Change Acknowledgment (Configuration BPDUs; sent 0 in RST/MST CIST flags). In
        /// MSTI configuration messages this bit is the Master flag.
        const TOPOLOGY_CHANGE_ACK = 0x80;
        /// The Master flag of MSTI configuration messages (the same bit as TCA).
        const MASTER = 0x80;
    }
}

impl BpduFlags {
    /// The Port Role encoded in bits 2–3.
    pub const fn role(self) -> PortRole {
        match (self.bits() >> 2) & 3 {
            0 => PortRole::MasterOrUnknown,
            1 => PortRole::AlternateOrBackup,
            2 => PortRole::Root,
            _ => PortRole::Designated,
        }
    }

    /// These flags with the Port Role bits set to `role`.
    pub const fn with_role(self, role: PortRole) -> Self {
        Self::from_bits_retain((self.bits() & !0x0c) | ((role as u8) << 2))
    }
}

/// The Port Role encoding of RST/MST flags (802.1D-2004 §9.3.3).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[repr(u8)]
pub enum PortRole {
    /// 0: Unknown in RST BPDUs; Master in MSTI configuration messages.
    MasterOrUnknown = 0,
    /// 1: Alternate or Backup.
    AlternateOrBackup = 1,
    /// 2: Root.
    Root = 2,
    /// 3: Designated.
    Designated = 3,
}

impl PortRole {
    /// The snake_case name.
    pub const fn name(self) -> &'static str {
        match self {
            Self::MasterOrUnknown => "master_or_unknown",
            Self::AlternateOrBackup => "alternate_or_backup",
            Self::Root => "root",
            Self::Designated => "designated",
        }
    }
}

/// The 35-octet body shared by Configuration, RST and (as its CIST part) MST BPDUs.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct ConfigBpdu {
    /// Flags (CIST flags in an MST BPDU).
    pub flags: BpduFlags,
    /// Root Identifier (CIST Root Identifier).
    pub root_id: BridgeId,
    /// Root Path Cost (CIST External Root Path Cost).
    pub root_path_cost: u32,
    /// Bridge Identifier (CIST Regional Root Identifier in an MST BPDU).
    pub bridge_id: BridgeId,
    /// Port Identifier (CIST Port Identifier).
    pub port_id: PortId,
    /// Message Age.
    pub message_age: BpduTime,
    /// Max Age.
    pub max_age: BpduTime,
    /// Hello Time.
    pub hello_time: BpduTime,
    /// Forward Delay.
    pub forward_delay: BpduTime,
}

impl ConfigBpdu {
    /// Reads the first 35 octets of a Configuration, RST or MST BPDU (the Protocol Identifier,
    /// Protocol Version and BPDU Type octets are not looked at; [`Bpdu::parse`] checks them).
    #[inline]
    pub fn from_octets(b: &[u8; CONFIG_LEN]) -> Self {
        super::BodyView::new(b).to_config()
    }

    /// Writes the 35 octets in place (Protocol Identifier, `version`, `ty`, the body).
    #[inline(always)]
    fn write_into(&self, o: &mut [u8; CONFIG_LEN], version: u8, ty: u8) {
        o[0] = 0;
        o[1] = 0;
        o[2] = version;
        o[3] = ty;
        o[4] = self.flags.bits();
        o[5..13].copy_from_slice(&self.root_id.to_octets());
        o[13..17].copy_from_slice(&self.root_path_cost.to_be_bytes());
        o[17..25].copy_from_slice(&self.bridge_id.to_octets());
        o[25..27].copy_from_slice(&self.port_id.0.to_be_bytes());
        o[27..29].copy_from_slice(&self.message_age.0.to_be_bytes());
        o[29..31].copy_from_slice(&self.max_age.0.to_be_bytes());
        o[31..33].copy_from_slice(&self.hello_time.0.to_be_bytes());
        o[33..35].copy_from_slice(&self.forward_delay.0.to_be_bytes());
    }

    /// 802.1D-2004 §9.3.4 checks that need the receiving port: a Configuration BPDU is processed
    /// only if its Message Age is less than its Max Age and it does not carry the receiving
    /// port's own Bridge Identifier and Port Identifier (a BPDU looped back to its sender).
    pub fn is_acceptable(&self, own_bridge: BridgeId, own_port: PortId) -> bool {
        self.message_age < self.max_age
            && !(self.bridge_id == own_bridge && self.port_id == own_port)
    }
}

/// An RST BPDU (802.1D-2004 §9.3.3).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct RstBpdu {
    /// Protocol Version: 2, or ≥ 3 for an MST BPDU that failed the MST checks and is processed
    /// as an RST BPDU.
    pub version: u8,
    /// The body.
    pub bpdu: ConfigBpdu,
    /// Version 1 Length (transmitted 0).
    pub version_1_length: u8,
}

impl RstBpdu {
    /// Writes the 36 octets (802.1D-2004 §9.3.3) into a fixed-size buffer: no check can fail.
    #[inline]
    pub fn emit_into(&self, out: &mut [u8; RST_LEN]) {
        let (head, v1) = out.split_first_chunk_mut::<CONFIG_LEN>().unzip();
        if let Some(head) = head {
            self.bpdu.write_into(head, self.version, TYPE_RST);
        }
        if let Some([v1]) = v1 {
            *v1 = self.version_1_length;
        }
    }

    /// Writes the 36 octets into the front of `buf` (one length check); returns 36.
    #[inline]
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, Error> {
        let got = buf.len();
        let out = buf.first_chunk_mut::<RST_LEN>().ok_or(Error::Truncated {
            needed: RST_LEN,
            got,
        })?;
        self.emit_into(out);
        Ok(RST_LEN)
    }
}

/// One MSTI Configuration Message (802.1Q-2022 §14.6.1).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct MstiConfigMessage {
    /// MSTI Flags (bit 7 is the Master flag).
    pub flags: BpduFlags,
    /// MSTI Regional Root Identifier; its system ID extension is the MSTID.
    pub regional_root_id: BridgeId,
    /// MSTI Internal Root Path Cost.
    pub internal_root_path_cost: u32,
    /// The MSTI Bridge Priority octet (upper nibble = priority / 4096; lower nibble sent 0).
    pub bridge_priority: u8,
    /// The MSTI Port Priority octet (upper nibble = priority / 16; lower nibble sent 0).
    pub port_priority: u8,
    /// MSTI Remaining Hops.
    pub remaining_hops: u8,
}

impl MstiConfigMessage {
    /// The MSTID (the regional root identifier's system ID extension).
    pub const fn mstid(&self) -> u16 {
        self.regional_root_id.system_id_extension()
    }

    /// The designated bridge's priority for this MSTI, 0..=61440 (steps of 4096).
    pub const fn bridge_priority_value(&self) -> u16 {
        ((self.bridge_priority & 0xf0) as u16) << 8
    }

    /// The designated port's priority for this MSTI, 0..=240 (steps of 16).
    pub const fn port_priority_value(&self) -> u8 {
        self.port_priority & 0xf0
    }

    /// Reads the 16 encoded octets.
    #[inline]
    pub fn from_octets(b: &[u8; MSTI_LEN]) -> Self {
        Self::read(b)
    }

    #[inline(always)]
    fn read(b: &[u8; MSTI_LEN]) -> Self {
        let [
            flags,
            r0,
            r1,
            r2,
            r3,
            r4,
            r5,
            r6,
            r7,
            c0,
            c1,
            c2,
            c3,
            bp,
            pp,
            hops,
        ] = *b;
        Self {
            flags: BpduFlags::from_bits_retain(flags),
            regional_root_id: BridgeId::from_octets([r0, r1, r2, r3, r4, r5, r6, r7]),
            internal_root_path_cost: u32::from_be_bytes([c0, c1, c2, c3]),
            bridge_priority: bp,
            port_priority: pp,
            remaining_hops: hops,
        }
    }

    /// The 16 encoded octets.
    pub fn to_octets(&self) -> [u8; MSTI_LEN] {
        let [r0, r1, r2, r3, r4, r5, r6, r7] = self.regional_root_id.to_octets();
        let [c0, c1, c2, c3] = self.internal_root_path_cost.to_be_bytes();
        [
            self.flags.bits(),
            r0,
            r1,
            r2,
            r3,
            r4,
            r5,
            r6,
            r7,
            c0,
            c1,
            c2,
            c3,
            self.bridge_priority,
            self.port_priority,
            self.remaining_hops,
        ]
    }
}

/// The MSTI configuration messages of an MST BPDU: a validated, borrowed run of 16-octet records
/// (at most 64). Iterating never allocates.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
pub struct MstiMessages<'a>(&'a [u8]);

impl<'a> MstiMessages<'a> {
    /// No MSTI messages.
    pub const EMPTY: MstiMessages<'static> = MstiMessages(&[]);

    /// Validates `records`: a multiple of 16 octets, at most 64 records.
    pub fn new(records: &'a [u8]) -> Result<Self, Error> {
        if !records.len().is_multiple_of(MSTI_LEN) {
            return Err(Error::Truncated {
                needed: records.len().div_ceil(MSTI_LEN) * MSTI_LEN,
                got: records.len(),
            });
        }
        let n = records.len() / MSTI_LEN;
        if n > MSTIS_MAX {
            return Err(Error::TooManyMstis(n));
        }
        Ok(Self(records))
    }

    /// Encodes `msgs` into `buf` and returns the octets written.
    pub fn encode(msgs: &[MstiConfigMessage], buf: &mut [u8]) -> Result<usize, Error> {
        if msgs.len() > MSTIS_MAX {
            return Err(Error::TooManyMstis(msgs.len()));
        }
        let len = msgs.len() * MSTI_LEN;
        let got = buf.len();
        let out = buf
            .get_mut(..len)
            .ok_or(Error::Truncated { needed: len, got })?;
        for (dst, m) in out.chunks_exact_mut(MSTI_LEN).zip(msgs) {
            dst.copy_from_slice(&m.to_octets());
        }
        Ok(len)
    }

    /// The number of records.
    pub fn len(&self) -> usize {
        self.0.len() / MSTI_LEN
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The raw octets.
    pub fn as_bytes(&self) -> &'a [u8] {
        self.0
    }

    /// The records in order.
    #[inline]
    pub fn iter(&self) -> impl Iterator<Item = MstiConfigMessage> + 'a {
        self.records().iter().map(MstiConfigMessage::read)
    }

    /// The records as 16-octet arrays (read one with [`MstiConfigMessage::from_octets`]).
    #[inline]
    pub fn records(&self) -> &'a [[u8; MSTI_LEN]] {
        self.0.as_chunks::<MSTI_LEN>().0
    }

    /// Wraps records the caller has checked (a multiple of 16 octets, at most 64 records).
    #[inline]
    pub(super) const fn validated(records: &'a [u8]) -> Self {
        Self(records)
    }
}

/// An MST BPDU (802.1Q-2022 §14.2.1, §14.6).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct MstBpdu<'a> {
    /// Protocol Version (3; 4 for SPB BPDUs, whose SPT part is not decoded here).
    pub version: u8,
    /// The CIST part: flags, CIST Root, External Root Path Cost, **CIST Regional Root** (in the
    /// bridge identifier slot), CIST Port Identifier and the four times.
    pub cist: ConfigBpdu,
    /// Version 1 Length (0).
    pub version_1_length: u8,
    /// The MST Configuration Identifier.
    pub mcid: MstConfigId,
    /// CIST Internal Root Path Cost.
    pub cist_internal_root_path_cost: u32,
    /// CIST Bridge Identifier (the transmitting bridge).
    pub cist_bridge_id: BridgeId,
    /// CIST Remaining Hops.
    pub cist_remaining_hops: u8,
    /// The MSTI configuration messages.
    pub mstis: MstiMessages<'a>,
}

impl MstBpdu<'_> {
    /// The CIST Regional Root Identifier (carried where RST BPDUs carry the Bridge Identifier).
    pub const fn cist_regional_root_id(&self) -> BridgeId {
        self.cist.bridge_id
    }

    /// Version 3 Length: 64 + 16 per MSTI message.
    pub fn version_3_length(&self) -> u16 {
        u16::try_from(64 + self.mstis.len() * MSTI_LEN).unwrap_or(u16::MAX)
    }
}

impl MstBpdu<'_> {
    /// Writes the 102 + 16·n octets (802.1Q-2022 §14.2.1, §14.6) into the front of `buf` (one
    /// length check); returns the octets written.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, Error> {
        let len = MST_BASE_LEN + self.mstis.len() * MSTI_LEN;
        let got = buf.len();
        let Some((fixed, msti)) = buf
            .get_mut(..len)
            .and_then(|out| out.split_first_chunk_mut::<MST_BASE_LEN>())
        else {
            return Err(Error::Truncated { needed: len, got });
        };
        if let Some(head) = fixed.first_chunk_mut::<CONFIG_LEN>() {
            self.cist.write_into(head, self.version, TYPE_RST);
        }
        fixed[35] = self.version_1_length;
        fixed[36..38].copy_from_slice(&self.version_3_length().to_be_bytes());
        fixed[38..89].copy_from_slice(&self.mcid.to_octets());
        fixed[89..93].copy_from_slice(&self.cist_internal_root_path_cost.to_be_bytes());
        fixed[93..101].copy_from_slice(&self.cist_bridge_id.to_octets());
        fixed[101] = self.cist_remaining_hops;
        msti.copy_from_slice(self.mstis.as_bytes());
        Ok(len)
    }
}

/// A decoded BPDU.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Bpdu<'a> {
    /// A Configuration BPDU (802.1D STP).
    Config {
        /// Protocol Version (0; not used to reject).
        version: u8,
        /// The body.
        bpdu: ConfigBpdu,
    },
    /// A Topology Change Notification BPDU.
    Tcn {
        /// Protocol Version (0; not used to reject).
        version: u8,
    },
    /// An RST BPDU.
    Rst(RstBpdu),
    /// An MST BPDU.
    Mst(MstBpdu<'a>),
}

impl<'a> Bpdu<'a> {
    /// Decodes and validates a BPDU (the octets after the LLC header, bounded by the 802.3
    /// length). See the [module docs](super) for the rules; they are implemented once, by
    /// [`BpduView::parse`](super::BpduView::parse), which this wraps. A receiver on a hot path
    /// can keep the view (a few references) instead of this 128-octet value.
    #[inline]
    pub fn parse(b: &'a [u8]) -> Result<Self, Error> {
        super::BpduView::parse(b).map(|v| v.to_bpdu())
    }

    /// The snake_case name of the BPDU kind.
    pub const fn kind_name(&self) -> &'static str {
        match self {
            Self::Config { .. } => "config",
            Self::Tcn { .. } => "tcn",
            Self::Rst(_) => "rst",
            Self::Mst(_) => "mst",
        }
    }

    /// Octets [`Bpdu::emit`] writes: 35, 4, 36 or 102 + 16·n.
    pub fn buffer_len(&self) -> usize {
        match self {
            Self::Config { .. } => CONFIG_LEN,
            Self::Tcn { .. } => TCN_LEN,
            Self::Rst(_) => RST_LEN,
            Self::Mst(m) => MST_BASE_LEN + m.mstis.len() * MSTI_LEN,
        }
    }

    /// Writes the BPDU into the front of `buf`; returns the octets written. The dispatch is
    /// inlined into the caller; each kind does one length check (see [`RstBpdu::emit`],
    /// [`MstBpdu::emit`]).
    #[inline(always)]
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, Error> {
        let got = buf.len();
        match self {
            Self::Tcn { version } => match buf.first_chunk_mut::<TCN_LEN>() {
                Some(out) => {
                    *out = [0, 0, *version, TYPE_TCN];
                    Ok(TCN_LEN)
                }
                None => Err(Error::Truncated {
                    needed: TCN_LEN,
                    got,
                }),
            },
            Self::Config { version, bpdu } => match buf.first_chunk_mut::<CONFIG_LEN>() {
                Some(out) => {
                    bpdu.write_into(out, *version, TYPE_CONFIG);
                    Ok(CONFIG_LEN)
                }
                None => Err(Error::Truncated {
                    needed: CONFIG_LEN,
                    got,
                }),
            },
            Self::Rst(r) => r.emit(buf),
            Self::Mst(m) => m.emit(buf),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> alloc::vec::Vec<u8> {
        let s: alloc::string::String = s.split_whitespace().collect();
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    #[test]
    fn config_golden_both_ways() {
        // tcpdump 802.1D_spanning_tree.pcap frame 1 (protocol facts §7).
        let b = hex(
            "0000 00 00 00 8001001906eab880 00000000 8001001906eab880 8005 0000 1400 0200 0f00",
        );
        let bpdu = Bpdu::parse(&b).unwrap();
        let Bpdu::Config {
            version: 0,
            bpdu: c,
        } = bpdu
        else {
            panic!("{bpdu:?}")
        };
        assert_eq!(c.flags, BpduFlags::empty());
        assert_eq!(c.root_id.priority(), 32768);
        assert_eq!(c.root_id.system_id_extension(), 1);
        assert_eq!(
            c.root_id.address(),
            MacAddr([0x00, 0x19, 0x06, 0xea, 0xb8, 0x80])
        );
        assert_eq!(c.root_path_cost, 0);
        assert_eq!(c.port_id, PortId(0x8005));
        assert_eq!(c.port_id.priority(), 128);
        assert_eq!(c.port_id.number(), 5);
        assert_eq!(c.max_age.whole_secs(), 20);
        assert_eq!(c.hello_time.whole_secs(), 2);
        assert_eq!(c.forward_delay.whole_secs(), 15);
        assert!(c.is_acceptable(BridgeId::default(), PortId(1)));
        assert!(!c.is_acceptable(c.bridge_id, c.port_id));
        let mut out = [0u8; 64];
        assert_eq!(bpdu.emit(&mut out), Ok(35));
        assert_eq!(&out[..35], &b[..]);
    }

    #[test]
    fn rst_golden_both_ways() {
        // tcpdump 802.1w_rapid_STP.pcap frame 1.
        let b = hex(
            "0000 02 02 0e 8001001906eab880 00000000 8001001906eab880 800c 0000 1400 0200 0f00 00",
        );
        let bpdu = Bpdu::parse(&b).unwrap();
        let Bpdu::Rst(r) = bpdu else {
            panic!("{bpdu:?}")
        };
        assert_eq!(r.bpdu.flags.role(), PortRole::Designated);
        assert!(r.bpdu.flags.contains(BpduFlags::PROPOSAL));
        assert_eq!(r.bpdu.port_id, PortId(0x800c));
        let mut out = [0u8; 64];
        assert_eq!(bpdu.emit(&mut out), Ok(36));
        assert_eq!(&out[..36], &b[..]);
    }

    #[test]
    fn mst_golden_both_ways() {
        // tcpdump MSTP_Intra-Region_BPDUs.pcap frame 1 (after the LLC header).
        let b = hex(concat!(
            "0000 03 02 38 0000001f27b47d80 00030d40 8000001646b58c80 8012 0100 1400 0200 0f00 00",
            "0060 00 42726577657279 00000000000000000000000000000000000000000000000000 0000",
            "9357ebb7a8d74dd5fef4f2bab50531aa 00030d40 8000001ef705a880 14",
            "fc 6001001ef705a880 00000000 60 80 14",
            "f8 8002001646b58c80 00030d40 80 80 14"
        ));
        assert_eq!(b.len(), 134);
        let bpdu = Bpdu::parse(&b).unwrap();
        let Bpdu::Mst(m) = bpdu else {
            panic!("{bpdu:?}")
        };
        assert_eq!(m.cist.flags.role(), PortRole::Root);
        assert!(
            m.cist
                .flags
                .contains(BpduFlags::LEARNING | BpduFlags::FORWARDING)
        );
        assert_eq!(
            m.cist.root_id,
            BridgeId::from_parts(0, MacAddr([0, 0x1f, 0x27, 0xb4, 0x7d, 0x80]))
        );
        assert_eq!(m.cist.root_path_cost, 200_000);
        assert_eq!(m.cist_regional_root_id().priority(), 32768);
        assert_eq!(m.cist.message_age.whole_secs(), 1);
        assert_eq!(m.mcid.name_bytes(), b"Brewery");
        assert_eq!(m.mcid.revision, 0);
        assert_eq!(m.cist_internal_root_path_cost, 200_000);
        assert_eq!(
            m.cist_bridge_id.address(),
            MacAddr([0, 0x1e, 0xf7, 0x05, 0xa8, 0x80])
        );
        assert_eq!(m.cist_remaining_hops, 20);
        assert_eq!(m.version_3_length(), 96);
        let mstis: alloc::vec::Vec<_> = m.mstis.iter().collect();
        assert_eq!(mstis.len(), 2);
        assert_eq!(mstis[0].mstid(), 1);
        assert!(
            mstis[0]
                .flags
                .contains(BpduFlags::MASTER | BpduFlags::AGREEMENT)
        );
        assert_eq!(mstis[0].flags.role(), PortRole::Designated);
        assert_eq!(mstis[0].regional_root_id.priority(), 0x6000);
        assert_eq!(mstis[0].bridge_priority_value(), 24576);
        assert_eq!(mstis[0].port_priority_value(), 128);
        assert_eq!(mstis[1].mstid(), 2);
        assert_eq!(mstis[1].flags.role(), PortRole::Root);
        assert_eq!(mstis[1].internal_root_path_cost, 200_000);
        let mut out = [0u8; 200];
        assert_eq!(bpdu.emit(&mut out), Ok(134));
        assert_eq!(&out[..134], &b[..]);
    }

    #[test]
    fn validation_rules() {
        assert_eq!(
            Bpdu::parse(&[0, 0, 0]),
            Err(Error::Truncated { needed: 4, got: 3 })
        );
        assert_eq!(Bpdu::parse(&[0, 1, 0, 0x80]), Err(Error::BadProtocolId(1)));
        assert_eq!(
            Bpdu::parse(&[0, 0, 0, 0x80, 9, 9]),
            Ok(Bpdu::Tcn { version: 0 })
        );
        assert_eq!(
            Bpdu::parse(&[0, 0, 0, 0x00]),
            Err(Error::Truncated { needed: 35, got: 4 })
        );
        assert_eq!(
            Bpdu::parse(&[0, 0, 1, 0x02, 0]),
            Err(Error::BadBpduType { ty: 2, version: 1 })
        );
        assert_eq!(
            Bpdu::parse(&[0, 0, 0, 0x42]),
            Err(Error::BadBpduType {
                ty: 0x42,
                version: 0
            })
        );
        let mut rst = [0u8; 36];
        rst[2] = 2;
        rst[3] = 2;
        assert!(matches!(Bpdu::parse(&rst), Ok(Bpdu::Rst(_))));
        assert_eq!(
            Bpdu::parse(&rst[..35]),
            Err(Error::Truncated {
                needed: 36,
                got: 35
            })
        );
        // Version 3 but too short for MST: processed as RST (802.1Q §14.4).
        rst[2] = 3;
        assert!(matches!(
            Bpdu::parse(&rst),
            Ok(Bpdu::Rst(RstBpdu { version: 3, .. }))
        ));
        assert!(matches!(
            Bpdu::parse(&rst[..35]),
            Ok(Bpdu::Rst(RstBpdu { version: 3, .. }))
        ));
        // Version 3, 102 octets, but Version 3 Length not 64 + 16n: RST.
        let mut mst = [0u8; 118];
        mst[2] = 3;
        mst[3] = 2;
        mst[37] = 70;
        assert!(matches!(Bpdu::parse(&mst), Ok(Bpdu::Rst(_))));
        mst[37] = 80;
        assert!(matches!(Bpdu::parse(&mst), Ok(Bpdu::Mst(m)) if m.mstis.len() == 1));
        mst[37] = 96; // claims two records, only one present
        assert!(matches!(Bpdu::parse(&mst), Ok(Bpdu::Rst(_))));
        mst[37] = 80;
        mst[35] = 1; // Version 1 Length ≠ 0
        assert!(matches!(Bpdu::parse(&mst), Ok(Bpdu::Rst(_))));
    }

    #[test]
    fn ids_and_times() {
        let mac = MacAddr([2, 0, 0, 0, 0, 1]);
        let id = BridgeId::new(32768 + 100, 7, mac);
        assert_eq!(id.priority(), 32768);
        assert_eq!(id.system_id_extension(), 7);
        assert_eq!(id.address(), mac);
        assert!(BridgeId::new(4096, 0, mac) < BridgeId::new(8192, 0, MacAddr([0; 6])));
        let p = PortId::new(128 + 3, 5000);
        assert_eq!((p.priority(), p.number()), (128, 5000 & 0xfff));
        assert_eq!(BpduTime::from_secs(20).0, 0x1400);
        assert_eq!(BpduTime(0x0180).to_duration(), Duration::from_millis(1500));
        let f = BpduFlags::PROPOSAL.with_role(PortRole::Root);
        assert_eq!(f.bits(), 0x0a);
        assert_eq!(
            f.with_role(PortRole::AlternateOrBackup).role(),
            PortRole::AlternateOrBackup
        );
    }
}
