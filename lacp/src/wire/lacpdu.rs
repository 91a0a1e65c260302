//! The LACPDU (IEEE 802.1AX-2014 §6.4.2, Figure 6-7; v1 layout as in 802.1AX-2008 §5.4.2).
//!
//! ```text
//! off len field
//!   0   1 Subtype = 1 (LACP)
//!   1   1 Version Number (1 = LACPv1, 2 = LACPv2)
//!   2   2 TLV_type = 1 (Actor Information), Actor_Information_Length = 20
//!   4  18 Actor: System_Priority(2) System(6) Key(2) Port_Priority(2) Port(2) State(1) Reserved(3)
//!  22   2 TLV_type = 2 (Partner Information), Partner_Information_Length = 20
//!  24  18 Partner: same layout as the actor
//!  42   2 TLV_type = 3 (Collector Information), Collector_Information_Length = 16
//!  44   2 CollectorMaxDelay (tens of microseconds)
//!  46  12 Reserved
//!  58   n LACPv2 TLVs (Version ≥ 2 only; see `tlv`)
//! 58+n  2 TLV_type = 0 (Terminator), Terminator_Length = 0
//! 60+n  … Reserved/pad, zero, up to 110 octets in all
//! ```

use super::{Error, PDU_LEN, PortState, SUBTYPE_LACP, Tlvs};
use byteorder::{ByteOrder, NetworkEndian};
use l2_types::MacAddr;

mod field {
    pub(super) type Field = core::ops::Range<usize>;
    pub(super) const SUBTYPE: usize = 0;
    pub(super) const VERSION: usize = 1;
    pub(super) const ACTOR_TLV: usize = 2;
    pub(super) const ACTOR_INFO: Field = 4..22;
    pub(super) const PARTNER_TLV: usize = 22;
    pub(super) const PARTNER_INFO: Field = 24..42;
    pub(super) const COLLECTOR_TLV: usize = 42;
    pub(super) const COLLECTOR_MAX_DELAY: Field = 44..46;
    pub(super) const COLLECTOR_RESERVED: Field = 46..58;
    pub(super) const TLVS: usize = 58;
    /// Offsets inside an 18-octet actor or partner information block.
    pub(super) mod info {
        use super::Field;
        pub(in super::super) const SYSTEM_PRIORITY: Field = 0..2;
        pub(in super::super) const SYSTEM: Field = 2..8;
        pub(in super::super) const KEY: Field = 8..10;
        pub(in super::super) const PORT_PRIORITY: Field = 10..12;
        pub(in super::super) const PORT: Field = 12..14;
        pub(in super::super) const STATE: usize = 14;
        pub(in super::super) const RESERVED: Field = 15..18;
    }
}

/// The LACPv2 TLV chain of the LACPDU in `b` and the offset just past its Terminator.
fn tlv_chain(b: &[u8]) -> Result<(Tlvs<'_>, usize), Error> {
    if b.get(field::VERSION).copied().unwrap_or(0) < 2 {
        return Ok((Tlvs::EMPTY, field::TLVS + 2));
    }
    let chain = b.get(field::TLVS..).unwrap_or_default();
    let (tlvs, end) = Tlvs::scan(chain)?;
    Ok((tlvs, field::TLVS + end))
}

/// TLV type of the Actor Information TLV.
pub const TYPE_ACTOR_INFORMATION: u8 = 1;
/// TLV type of the Partner Information TLV.
pub const TYPE_PARTNER_INFORMATION: u8 = 2;
/// TLV type of the Collector Information TLV.
pub const TYPE_COLLECTOR_INFORMATION: u8 = 3;
/// Actor_Information_Length and Partner_Information_Length.
pub const INFORMATION_LENGTH: u8 = 20;
/// Collector_Information_Length.
pub const COLLECTOR_INFORMATION_LENGTH: u8 = 16;

/// A read-only or read-write view of a LACPDU, starting at the Subtype octet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Packet<T: AsRef<[u8]>> {
    buffer: T,
}

/// A deviation from what a conformant transmitter sends, which receivers must not reject on
/// (IEEE 802.1AX tells them not to validate these octets) but which a decoder can report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Deviation {
    /// A fixed TLV (actor, partner, collector, terminator) has an unexpected type octet.
    TlvType {
        /// Offset of the octet from the Subtype.
        offset: usize,
        /// The octet found.
        found: u8,
        /// The octet the standard specifies.
        expected: u8,
    },
    /// A fixed TLV has an unexpected length octet.
    TlvLength {
        /// Offset of the octet from the Subtype.
        offset: usize,
        /// The octet found.
        found: u8,
        /// The octet the standard specifies.
        expected: u8,
    },
    /// A reserved or pad octet is not zero.
    ReservedNonZero {
        /// Offset of the first non-zero reserved octet from the Subtype.
        offset: usize,
    },
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// Wraps a buffer without checking it; getters may panic on a short buffer. Use
    /// [`Packet::new_checked`] for input.
    pub const fn new_unchecked(buffer: T) -> Self {
        Self { buffer }
    }

    /// Wraps a buffer after [`Packet::check_len`]; no getter of the result can panic.
    pub fn new_checked(buffer: T) -> Result<Self, Error> {
        let p = Self::new_unchecked(buffer);
        p.check_len()?;
        Ok(p)
    }

    /// Checks that the buffer holds at least the 110 octets of a LACPDU and that the Subtype is
    /// LACP.
    pub fn check_len(&self) -> Result<(), Error> {
        let b = self.buffer.as_ref();
        if b.len() < PDU_LEN {
            return Err(Error::Truncated {
                needed: PDU_LEN,
                got: b.len(),
            });
        }
        match b.first() {
            Some(&SUBTYPE_LACP) => Ok(()),
            Some(&other) => Err(Error::BadSubtype(other)),
            None => Err(Error::Truncated {
                needed: PDU_LEN,
                got: 0,
            }),
        }
    }

    /// Consumes the view, returning the buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    fn bytes(&self) -> &[u8] {
        self.buffer.as_ref()
    }

    fn octet(&self, at: usize) -> u8 {
        self.bytes().get(at).copied().unwrap_or(0)
    }

    fn info(&self, block: field::Field) -> PortInfo {
        let b = self.bytes().get(block).unwrap_or(&[0; 18]);
        PortInfo::read(b)
    }

    /// The Subtype octet (1 for LACP).
    pub fn subtype(&self) -> u8 {
        self.octet(field::SUBTYPE)
    }

    /// The Version Number.
    pub fn version(&self) -> u8 {
        self.octet(field::VERSION)
    }

    /// The Actor Information (system priority, system, key, port priority, port, state).
    pub fn actor(&self) -> PortInfo {
        self.info(field::ACTOR_INFO)
    }

    /// The Partner Information.
    pub fn partner(&self) -> PortInfo {
        self.info(field::PARTNER_INFO)
    }

    /// CollectorMaxDelay, in tens of microseconds.
    pub fn collector_max_delay(&self) -> u16 {
        self.bytes()
            .get(field::COLLECTOR_MAX_DELAY)
            .map_or(0, NetworkEndian::read_u16)
    }

    /// The LACPv2 TLV chain (empty for Version 1) and the offset just past the Terminator.
    ///
    /// Version 1 PDUs carry no chain: the Terminator sits at a fixed offset and, as the standard
    /// says, its type octet is not validated.
    pub fn tlvs(&self) -> Result<(Tlvs<'_>, usize), Error> {
        tlv_chain(self.bytes())
    }

    /// Every octet a conformant transmitter would have set differently; see [`Deviation`].
    ///
    /// Calls `report` once per deviation, in offset order, without allocating.
    pub fn conformance(&self, mut report: impl FnMut(Deviation)) {
        let fixed = [
            (field::ACTOR_TLV, TYPE_ACTOR_INFORMATION, INFORMATION_LENGTH),
            (
                field::PARTNER_TLV,
                TYPE_PARTNER_INFORMATION,
                INFORMATION_LENGTH,
            ),
            (
                field::COLLECTOR_TLV,
                TYPE_COLLECTOR_INFORMATION,
                COLLECTOR_INFORMATION_LENGTH,
            ),
        ];
        let zero_from = |range: field::Field, report: &mut dyn FnMut(Deviation)| {
            let start = range.start;
            if let Some(i) = self
                .bytes()
                .get(range)
                .and_then(|r| r.iter().position(|&b| b != 0))
            {
                report(Deviation::ReservedNonZero { offset: start + i });
            }
        };
        for (off, ty, len) in fixed {
            let found = self.octet(off);
            if found != ty {
                report(Deviation::TlvType {
                    offset: off,
                    found,
                    expected: ty,
                });
            }
            let found = self.octet(off + 1);
            if found != len {
                report(Deviation::TlvLength {
                    offset: off + 1,
                    found,
                    expected: len,
                });
            }
            let info_reserved = match off {
                field::ACTOR_TLV => Some(field::ACTOR_INFO.start + field::info::RESERVED.start),
                field::PARTNER_TLV => Some(field::PARTNER_INFO.start + field::info::RESERVED.start),
                _ => None,
            };
            if let Some(r) = info_reserved {
                zero_from(r..r + 3, &mut report);
            }
        }
        zero_from(field::COLLECTOR_RESERVED, &mut report);
        let terminator = match self.tlvs() {
            Ok((_, end)) => end - 2,
            Err(_) => return,
        };
        for (off, expected, is_type) in [(terminator, 0, true), (terminator + 1, 0, false)] {
            let found = self.octet(off);
            if found != expected {
                report(if is_type {
                    Deviation::TlvType {
                        offset: off,
                        found,
                        expected,
                    }
                } else {
                    Deviation::TlvLength {
                        offset: off,
                        found,
                        expected,
                    }
                });
            }
        }
        zero_from(terminator + 2..PDU_LEN.max(terminator + 2), &mut report);
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Packet<T> {
    fn bytes_mut(&mut self) -> &mut [u8] {
        self.buffer.as_mut()
    }

    /// Sets the Version Number.
    pub fn set_version(&mut self, v: u8) {
        if let Some(b) = self.bytes_mut().get_mut(field::VERSION) {
            *b = v;
        }
    }

    /// Sets the actor information (the TLV header is not touched).
    pub fn set_actor(&mut self, info: &PortInfo) {
        if let Some(b) = self.bytes_mut().get_mut(field::ACTOR_INFO) {
            info.write(b);
        }
    }

    /// Sets the partner information (the TLV header is not touched).
    pub fn set_partner(&mut self, info: &PortInfo) {
        if let Some(b) = self.bytes_mut().get_mut(field::PARTNER_INFO) {
            info.write(b);
        }
    }

    /// Sets CollectorMaxDelay.
    pub fn set_collector_max_delay(&mut self, v: u16) {
        if let Some(b) = self.bytes_mut().get_mut(field::COLLECTOR_MAX_DELAY) {
            NetworkEndian::write_u16(b, v);
        }
    }
}

/// The information a LACPDU carries about one end of a link: the Actor or the Partner TLV.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct PortInfo {
    /// System_Priority.
    pub system_priority: u16,
    /// System (MAC address); with the priority it forms the System ID.
    pub system: MacAddr,
    /// Key (the operational key).
    pub key: u16,
    /// Port_Priority.
    pub port_priority: u16,
    /// Port (the port number).
    pub port: u16,
    /// State (the eight state bits).
    pub state: PortState,
}

impl PortInfo {
    /// The System ID as a 64-bit number: priority in the top 16 bits, then the MAC; lower is
    /// better (802.1AX-2014 §6.3.2).
    pub const fn system_id(&self) -> u64 {
        ((self.system_priority as u64) << 48) | self.system.to_u64()
    }

    /// The Port ID as a 32-bit number: priority then port number; lower is better (§6.3.4).
    pub const fn port_id(&self) -> u32 {
        ((self.port_priority as u32) << 16) | self.port as u32
    }

    /// True for the all-zero partner information a defaulted actor sends ("no partner yet").
    pub fn is_null_system(&self) -> bool {
        self.system.is_zero()
    }

    fn read(b: &[u8]) -> Self {
        let u16_at = |r: field::Field| b.get(r).map_or(0, NetworkEndian::read_u16);
        Self {
            system_priority: u16_at(field::info::SYSTEM_PRIORITY),
            system: b
                .get(field::info::SYSTEM)
                .and_then(MacAddr::from_slice)
                .unwrap_or_default(),
            key: u16_at(field::info::KEY),
            port_priority: u16_at(field::info::PORT_PRIORITY),
            port: u16_at(field::info::PORT),
            state: PortState::from_bits_retain(b.get(field::info::STATE).copied().unwrap_or(0)),
        }
    }

    fn write(&self, b: &mut [u8]) {
        if let Some(dst) = b.first_chunk_mut::<18>() {
            *dst = self.to_octets();
        }
    }

    /// The 18 octets of the information block: priority, system, key, port priority, port,
    /// state and three reserved zero octets.
    pub fn to_octets(&self) -> [u8; 18] {
        let mut o = [0u8; 18];
        let [p0, p1] = self.system_priority.to_be_bytes();
        let [m0, m1, m2, m3, m4, m5] = self.system.0;
        let [k0, k1] = self.key.to_be_bytes();
        let [q0, q1] = self.port_priority.to_be_bytes();
        let [n0, n1] = self.port.to_be_bytes();
        let head = [
            p0,
            p1,
            m0,
            m1,
            m2,
            m3,
            m4,
            m5,
            k0,
            k1,
            q0,
            q1,
            n0,
            n1,
            self.state.bits(),
        ];
        if let Some(dst) = o.first_chunk_mut::<15>() {
            *dst = head;
        }
        o
    }
}

/// A decoded LACPDU.
///
/// Borrows the LACPv2 TLV chain from the buffer it was parsed from; a v1 LACPDU has
/// [`Tlvs::EMPTY`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LacpduRepr<'a> {
    /// Version Number: 1 for LACPv1, 2 for LACPv2. Never 0 once parsed.
    pub version: u8,
    /// The Actor Information TLV.
    pub actor: PortInfo,
    /// The Partner Information TLV.
    pub partner: PortInfo,
    /// CollectorMaxDelay, in tens of microseconds.
    pub collector_max_delay: u16,
    /// LACPv2 TLVs between the Collector TLV and the Terminator (always empty for version 1).
    pub tlvs: Tlvs<'a>,
}

impl<'a> LacpduRepr<'a> {
    /// Parses a packet (see the [module docs](super) for what is validated).
    #[inline]
    pub fn parse(packet: &Packet<&'a [u8]>) -> Result<Self, Error> {
        packet.check_len()?;
        let version = packet.version();
        if version == 0 {
            return Err(Error::BadVersion(0));
        }
        let (tlvs, _) = tlv_chain(packet.buffer)?;
        Ok(Self {
            version,
            actor: packet.actor(),
            partner: packet.partner(),
            collector_max_delay: packet.collector_max_delay(),
            tlvs,
        })
    }

    /// Parses the octets of a LACPDU starting at the Subtype octet.
    #[inline]
    pub fn parse_bytes(bytes: &'a [u8]) -> Result<Self, Error> {
        Self::parse(&Packet::new_unchecked(bytes))
    }

    /// Octets [`LacpduRepr::emit`] writes: 110, or more when the TLV chain needs it.
    pub fn buffer_len(&self) -> usize {
        if self.version >= 2 {
            (field::TLVS + self.tlvs.len() + 2).max(PDU_LEN)
        } else {
            PDU_LEN
        }
    }

    /// Writes the LACPDU into the first [`LacpduRepr::buffer_len`] octets of `buf`: every
    /// reserved octet zero, the Terminator, and padding to 110 octets. TLVs are written only when
    /// `version ≥ 2`. Returns the octets written.
    ///
    /// # Errors
    /// [`Error::Truncated`] if `buf` is shorter than `buffer_len()` (nothing is written then).
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, Error> {
        if self.version < 2 || self.tlvs.is_empty() {
            // The common case (every LACPv1 PDU): exactly 110 octets, every length a constant,
            // the fields written in place.
            let got = buf.len();
            let out = buf.first_chunk_mut::<PDU_LEN>().ok_or(Error::Truncated {
                needed: PDU_LEN,
                got,
            })?;
            self.emit_fixed(out);
            return Ok(PDU_LEN);
        }
        let len = self.buffer_len();
        let got = buf.len();
        let truncated = Error::Truncated { needed: len, got };
        let out = buf.get_mut(..len).ok_or(truncated)?;
        let (head, rest) = out
            .split_first_chunk_mut::<{ field::TLVS }>()
            .ok_or(truncated)?;
        *head = self.fixed_octets();
        let chain = if self.version >= 2 {
            self.tlvs.as_bytes()
        } else {
            &[]
        };
        let (dst, pad) = rest.split_at_mut_checked(chain.len()).ok_or(truncated)?;
        dst.copy_from_slice(chain);
        // The Terminator (type 0, length 0) and the padding to 110 octets are zero.
        pad.fill(0);
        Ok(len)
    }

    /// A LACPDU without TLVs: Subtype, Version, the Actor, Partner and Collector TLVs, the
    /// Terminator and the padding (zero).
    #[inline]
    fn emit_fixed(&self, o: &mut [u8; PDU_LEN]) {
        *o = [0; PDU_LEN];
        let [d0, d1] = self.collector_max_delay.to_be_bytes();
        o[field::SUBTYPE] = SUBTYPE_LACP;
        o[field::VERSION] = self.version;
        o[field::ACTOR_TLV] = TYPE_ACTOR_INFORMATION;
        o[field::ACTOR_TLV + 1] = INFORMATION_LENGTH;
        o[field::ACTOR_INFO].copy_from_slice(&self.actor.to_octets());
        o[field::PARTNER_TLV] = TYPE_PARTNER_INFORMATION;
        o[field::PARTNER_TLV + 1] = INFORMATION_LENGTH;
        o[field::PARTNER_INFO].copy_from_slice(&self.partner.to_octets());
        o[field::COLLECTOR_TLV] = TYPE_COLLECTOR_INFORMATION;
        o[field::COLLECTOR_TLV + 1] = COLLECTOR_INFORMATION_LENGTH;
        o[field::COLLECTOR_MAX_DELAY.start] = d0;
        o[field::COLLECTOR_MAX_DELAY.start + 1] = d1;
    }

    /// Octets 0..58: Subtype, Version and the Actor, Partner and Collector TLVs.
    fn fixed_octets(&self) -> [u8; field::TLVS] {
        let info = |ty: u8, i: &PortInfo| {
            let mut t = [0u8; 20];
            t[0] = ty;
            t[1] = INFORMATION_LENGTH;
            if let Some(dst) = t.last_chunk_mut::<18>() {
                *dst = i.to_octets();
            }
            t
        };
        let actor = info(TYPE_ACTOR_INFORMATION, &self.actor);
        let partner = info(TYPE_PARTNER_INFORMATION, &self.partner);
        let [d0, d1] = self.collector_max_delay.to_be_bytes();
        let mut o = [0u8; field::TLVS];
        o[field::SUBTYPE] = SUBTYPE_LACP;
        o[field::VERSION] = self.version;
        o[field::ACTOR_TLV..field::PARTNER_TLV].copy_from_slice(&actor);
        o[field::PARTNER_TLV..field::COLLECTOR_TLV].copy_from_slice(&partner);
        o[field::COLLECTOR_TLV] = TYPE_COLLECTOR_INFORMATION;
        o[field::COLLECTOR_TLV + 1] = COLLECTOR_INFORMATION_LENGTH;
        o[field::COLLECTOR_MAX_DELAY.start] = d0;
        o[field::COLLECTOR_MAX_DELAY.start + 1] = d1;
        o
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// tcpdump's LACP.pcap frame 1 (also scapy's lacp.uts vector), from the Subtype on.
    pub(crate) const GOLDEN: [u8; 110] = {
        let mut b = [0u8; 110];
        let head: [u8; 60] = [
            0x01, 0x01, // subtype LACP, version 1
            0x01, 0x14, 0x80, 0x00, 0x00, 0x13, 0xc4, 0x12, 0x0f, 0x00, 0x00, 0x0d, 0x80, 0x00,
            0x00, 0x16, 0x85, 0x00, 0x00, 0x00, // actor
            0x02, 0x14, 0x80, 0x00, 0x00, 0x0e, 0x83, 0x16, 0xf5, 0x00, 0x00, 0x0d, 0x80, 0x00,
            0x00, 0x19, 0x36, 0x00, 0x00, 0x00, // partner
            0x03, 0x10, 0x80, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, // collector
            0x00, 0x00, // terminator
        ];
        let mut i = 0;
        while i < head.len() {
            b[i] = head[i];
            i += 1;
        }
        b
    };

    #[test]
    fn golden_deconstruct() {
        let p = Packet::new_checked(&GOLDEN[..]).unwrap();
        let r = LacpduRepr::parse(&p).unwrap();
        assert_eq!(r.version, 1);
        assert_eq!(r.actor.system_priority, 32768);
        assert_eq!(
            r.actor.system,
            MacAddr([0x00, 0x13, 0xc4, 0x12, 0x0f, 0x00])
        );
        assert_eq!(r.actor.key, 13);
        assert_eq!(r.actor.port_priority, 32768);
        assert_eq!(r.actor.port, 22);
        assert_eq!(
            r.actor.state,
            PortState::LACP_ACTIVITY | PortState::AGGREGATION | PortState::EXPIRED
        );
        assert_eq!(
            r.partner.system,
            MacAddr([0x00, 0x0e, 0x83, 0x16, 0xf5, 0x00])
        );
        assert_eq!(r.partner.key, 13);
        assert_eq!(r.partner.port, 25);
        assert_eq!(r.partner.state.bits(), 0x36);
        assert_eq!(r.collector_max_delay, 32768);
        assert!(r.tlvs.is_empty());
        let mut deviations = 0;
        p.conformance(|_| deviations += 1);
        assert_eq!(deviations, 0);
    }

    #[test]
    fn golden_construct() {
        let r = LacpduRepr::parse_bytes(&GOLDEN).unwrap();
        let mut buf = [0xffu8; 128];
        assert_eq!(r.emit(&mut buf), Ok(110));
        assert_eq!(&buf[..110], &GOLDEN[..]);
        assert_eq!(
            r.emit(&mut buf[..109]),
            Err(Error::Truncated {
                needed: 110,
                got: 109
            })
        );
    }

    #[test]
    fn fixed_path_equals_general_path() {
        // The 110-octet fast path (v1, or v2+ without TLVs) writes what the general path
        // (fixed head + chain + zero pad) writes, over a dirty buffer.
        let mut r = LacpduRepr::parse_bytes(&GOLDEN).unwrap();
        r.collector_max_delay = 0x1234;
        for version in [1u8, 2, 3, 0xff] {
            r.version = version;
            let mut fast = [0xa5u8; 128];
            assert_eq!(r.emit(&mut fast), Ok(110));
            let mut slow = [0x5au8; 128];
            slow[..58].copy_from_slice(&r.fixed_octets());
            slow[58..110].fill(0);
            assert_eq!(&fast[..110], &slow[..110], "version {version}");
            assert!(
                fast[110..].iter().all(|b| *b == 0xa5),
                "wrote past 110 octets"
            );
            assert_eq!(LacpduRepr::parse_bytes(&fast[..110]), Ok(r));
        }
    }

    #[test]
    fn tolerant_receive() {
        // Version 1 PDU with wrong TLV types, non-zero reserved octets and a trailer: accepted
        // (the standard forbids validating these), and reported by `conformance`.
        let mut b = [0u8; 130];
        b[..110].copy_from_slice(&GOLDEN);
        b[2] = 0x09;
        b[43] = 0x11;
        b[20] = 0xee;
        b[109] = 1;
        b[120] = 0x64;
        let p = Packet::new_checked(&b[..]).unwrap();
        let r = LacpduRepr::parse(&p).unwrap();
        assert_eq!(r.actor.port, 22);
        let mut found = [None; 8];
        let mut n = 0;
        p.conformance(|d| {
            found[n] = Some(d);
            n += 1;
        });
        assert_eq!(n, 4);
        assert_eq!(
            found[0],
            Some(Deviation::TlvType {
                offset: 2,
                found: 9,
                expected: 1
            })
        );
        assert_eq!(found[1], Some(Deviation::ReservedNonZero { offset: 20 }));
        assert_eq!(
            found[2],
            Some(Deviation::TlvLength {
                offset: 43,
                found: 0x11,
                expected: 16
            })
        );
        assert_eq!(found[3], Some(Deviation::ReservedNonZero { offset: 109 }));
    }

    #[test]
    fn rejects() {
        assert_eq!(
            LacpduRepr::parse_bytes(&GOLDEN[..109]),
            Err(Error::Truncated {
                needed: 110,
                got: 109
            })
        );
        let mut b = GOLDEN;
        b[0] = 2;
        assert_eq!(LacpduRepr::parse_bytes(&b), Err(Error::BadSubtype(2)));
        b[0] = 1;
        b[1] = 0;
        assert_eq!(LacpduRepr::parse_bytes(&b), Err(Error::BadVersion(0)));
        // Version 2 with a TLV whose length runs off the end of the buffer.
        b[1] = 2;
        b[58] = 0x42;
        b[59] = 60;
        assert_eq!(
            LacpduRepr::parse_bytes(&b),
            Err(Error::Truncated {
                needed: 62,
                got: 52
            })
        );
        b[59] = 1;
        assert_eq!(
            LacpduRepr::parse_bytes(&b),
            Err(Error::BadTlv { ty: 0x42, len: 1 })
        );
    }

    #[test]
    fn v2_long_lacpdu_round_trip() {
        use super::super::Tlv;
        let mask = [0x0fu8; 128];
        let list = [
            Tlv::PortAlgorithm {
                actor_port_algorithm: 0x0080_c205,
            },
            Tlv::PortConversationMask {
                index: 1,
                mask_state: Some(1),
                mask: &mask,
            },
        ];
        let mut chain = [0u8; 256];
        let n = Tlvs::encode(&list, &mut chain).unwrap();
        let mut r = LacpduRepr::parse_bytes(&GOLDEN).unwrap();
        r.version = 2;
        r.tlvs = Tlvs::new(&chain[..n]).unwrap();
        assert_eq!(r.buffer_len(), 58 + 6 + 131 + 2);
        let mut buf = [0u8; 256];
        let len = r.emit(&mut buf).unwrap();
        let back = LacpduRepr::parse_bytes(&buf[..len]).unwrap();
        assert_eq!(back, r);
        assert!(back.tlvs.iter().eq(list.iter().copied()));
    }
}
