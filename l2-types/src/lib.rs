//! Shared layer-2 primitives for the `mlag` crate family.
//!
//! This crate is deliberately tiny and stable: every protocol crate (`lacp`, `stp`, `iccp`, `fdb`)
//! depends on it, and nothing protocol-specific lives here.
//!
//! * [`MacAddr`] — a 48-bit IEEE 802 MAC address with the well-known group addresses.
//! * [`VlanId`] — a validated 802.1Q VLAN identifier (1..=4094).
//! * [`PortNo`] — a host-chosen port number.
//! * [`EtherType`] — an open set of EtherType values.
//! * [`Instant`] and [`Timer`] — virtual time: the host passes `now` into every call; no crate in
//!   this family ever reads a clock.
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod time;

pub use time::{Instant, Timer};

/// `core::time::Duration`, re-exported for convenience: every duration in the family is one.
pub use core::time::Duration;

use core::fmt;
use core::str::FromStr;

/// A 48-bit IEEE 802 MAC address.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct MacAddr(pub [u8; 6]);

impl MacAddr {
    /// The all-zero address (used by LACP for "no partner").
    pub const ZERO: Self = Self([0; 6]);
    /// The broadcast address ff:ff:ff:ff:ff:ff.
    pub const BROADCAST: Self = Self([0xff; 6]);
    /// 01-80-C2-00-00-00: Nearest Customer Bridge group address (STP BPDUs; IEEE 802.1Q Table 8-1).
    pub const NEAREST_CUSTOMER_BRIDGE: Self = Self([0x01, 0x80, 0xc2, 0, 0, 0]);
    /// 01-80-C2-00-00-00 under its STP name.
    pub const BRIDGE_GROUP: Self = Self::NEAREST_CUSTOMER_BRIDGE;
    /// 01-80-C2-00-00-02: Slow_Protocols_Multicast (IEEE 802.3 Annex 57B; LACP, Marker, OAM).
    pub const SLOW_PROTOCOLS: Self = Self([0x01, 0x80, 0xc2, 0, 0, 0x02]);
    /// 01-80-C2-00-00-03: Nearest non-TPMR Bridge group address (802.1AX-2014 allows it for LACP).
    pub const NEAREST_NON_TPMR_BRIDGE: Self = Self([0x01, 0x80, 0xc2, 0, 0, 0x03]);
    /// 01-80-C2-00-00-0E: Nearest Bridge group address; never forwarded by a bridge (ICCP over L2).
    pub const NEAREST_BRIDGE: Self = Self([0x01, 0x80, 0xc2, 0, 0, 0x0e]);

    /// Builds an address from its six octets.
    pub const fn new(octets: [u8; 6]) -> Self {
        Self(octets)
    }

    /// The six octets.
    pub const fn octets(&self) -> [u8; 6] {
        self.0
    }

    /// Builds an address from the first six octets of `bytes`, or `None` if there are fewer.
    pub fn from_slice(bytes: &[u8]) -> Option<Self> {
        let octets: [u8; 6] = bytes.get(..6)?.try_into().ok()?;
        Some(Self(octets))
    }

    /// True for a group (multicast or broadcast) address: the I/G bit is set.
    pub const fn is_multicast(&self) -> bool {
        self.0[0] & 0x01 != 0
    }

    /// True for an individual (unicast) address.
    pub const fn is_unicast(&self) -> bool {
        !self.is_multicast()
    }

    /// True for ff:ff:ff:ff:ff:ff.
    pub const fn is_broadcast(&self) -> bool {
        let o = self.0;
        o[0] & o[1] & o[2] & o[3] & o[4] & o[5] == 0xff
    }

    /// True for 00:00:00:00:00:00.
    pub const fn is_zero(&self) -> bool {
        let o = self.0;
        o[0] | o[1] | o[2] | o[3] | o[4] | o[5] == 0
    }

    /// True for a locally administered address (the U/L bit is set).
    pub const fn is_local(&self) -> bool {
        self.0[0] & 0x02 != 0
    }

    /// The address as a 48-bit integer (first octet most significant), for ordering and hashing.
    pub const fn to_u64(&self) -> u64 {
        let o = self.0;
        ((o[0] as u64) << 40)
            | ((o[1] as u64) << 32)
            | ((o[2] as u64) << 24)
            | ((o[3] as u64) << 16)
            | ((o[4] as u64) << 8)
            | (o[5] as u64)
    }

    /// The address from the low 48 bits of `v` (higher bits are ignored).
    pub const fn from_u64(v: u64) -> Self {
        Self([
            (v >> 40) as u8,
            (v >> 32) as u8,
            (v >> 24) as u8,
            (v >> 16) as u8,
            (v >> 8) as u8,
            v as u8,
        ])
    }
}

impl From<[u8; 6]> for MacAddr {
    fn from(octets: [u8; 6]) -> Self {
        Self(octets)
    }
}

impl fmt::Display for MacAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let o = self.0;
        write!(
            f,
            "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
            o[0], o[1], o[2], o[3], o[4], o[5]
        )
    }
}

impl fmt::Debug for MacAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// Why a MAC address string did not parse.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("invalid MAC address: expected six hex octets separated by ':' or '-'")]
pub struct ParseMacError;

impl FromStr for MacAddr {
    type Err = ParseMacError;

    /// Parses `aa:bb:cc:dd:ee:ff` or `AA-BB-CC-DD-EE-FF`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut out = [0u8; 6];
        let mut parts = s.split([':', '-']);
        for slot in out.iter_mut() {
            let part = parts.next().ok_or(ParseMacError)?;
            if part.is_empty() || part.len() > 2 {
                return Err(ParseMacError);
            }
            *slot = u8::from_str_radix(part, 16).map_err(|_| ParseMacError)?;
        }
        if parts.next().is_some() {
            return Err(ParseMacError);
        }
        Ok(Self(out))
    }
}

/// An IEEE 802.1Q VLAN identifier, validated to 1..=4094.
///
/// VID 0 (priority tag) and 4095 (reserved) are not VLANs and cannot be represented.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct VlanId(u16);

/// A VLAN identifier outside 1..=4094.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("VLAN id {0} is out of range 1..=4094")]
pub struct InvalidVlanId(pub u16);

impl VlanId {
    /// The lowest valid VLAN id.
    pub const MIN: Self = Self(1);
    /// The highest valid VLAN id.
    pub const MAX: Self = Self(4094);
    /// VLAN 1, the default PVID of a bridge port.
    pub const DEFAULT: Self = Self(1);

    /// Validates `vid` (1..=4094).
    pub const fn try_new(vid: u16) -> Result<Self, InvalidVlanId> {
        if vid >= 1 && vid <= 4094 {
            Ok(Self(vid))
        } else {
            Err(InvalidVlanId(vid))
        }
    }

    /// The numeric id.
    pub const fn get(self) -> u16 {
        self.0
    }
}

impl TryFrom<u16> for VlanId {
    type Error = InvalidVlanId;
    fn try_from(v: u16) -> Result<Self, Self::Error> {
        Self::try_new(v)
    }
}

impl From<VlanId> for u16 {
    fn from(v: VlanId) -> Self {
        v.0
    }
}

impl fmt::Display for VlanId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A port number chosen by the host (an index into its own port table).
///
/// Protocols that put a port number on the wire (LACP's Actor_Port, STP's port identifier) keep their
/// own wire types; this is the host-side handle that inputs and outputs are addressed to.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Default)]
pub struct PortNo(pub u16);

impl PortNo {
    /// The numeric value.
    pub const fn get(self) -> u16 {
        self.0
    }
}

impl fmt::Display for PortNo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl From<u16> for PortNo {
    fn from(v: u16) -> Self {
        Self(v)
    }
}

/// An EtherType value: an open set, so unknown values survive a round trip.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct EtherType(pub u16);

impl EtherType {
    /// IPv4.
    pub const IPV4: Self = Self(0x0800);
    /// ARP.
    pub const ARP: Self = Self(0x0806);
    /// IEEE 802.1Q customer VLAN tag.
    pub const VLAN: Self = Self(0x8100);
    /// IPv6.
    pub const IPV6: Self = Self(0x86dd);
    /// Slow Protocols (IEEE 802.3 Annex 57A): LACP, Marker, OAM.
    pub const SLOW_PROTOCOLS: Self = Self(0x8809);
    /// IEEE 802 local experimental EtherType 1 (what RouterOS is reported to use for ICCP over L2).
    pub const LOCAL_EXPERIMENTAL_1: Self = Self(0x88b5);
    /// IEEE 802 local experimental EtherType 2.
    pub const LOCAL_EXPERIMENTAL_2: Self = Self(0x88b6);
    /// IEEE 802.1ad service VLAN tag.
    pub const QINQ: Self = Self(0x88a8);

    /// True when the value is an 802.3 length (≤ 1500) rather than an EtherType (≥ 1536).
    pub const fn is_length(self) -> bool {
        self.0 <= 1500
    }
}

impl fmt::Display for EtherType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "0x{:04x}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mac_parse_display_round_trip() {
        let m: MacAddr = "00:13:C4:12:0f:00".parse().unwrap();
        assert_eq!(m.octets(), [0x00, 0x13, 0xc4, 0x12, 0x0f, 0x00]);
        let s = alloc_free_display(m);
        assert_eq!(&s[..17], b"00:13:c4:12:0f:00");
        assert_eq!(
            "01-80-c2-00-00-02".parse::<MacAddr>(),
            Ok(MacAddr::SLOW_PROTOCOLS)
        );
        assert!("00:13:c4:12:0f".parse::<MacAddr>().is_err());
        assert!("00:13:c4:12:0f:00:11".parse::<MacAddr>().is_err());
        assert!("00:13:c4:12:0f:1000".parse::<MacAddr>().is_err());
        assert!("zz:13:c4:12:0f:00".parse::<MacAddr>().is_err());
    }

    fn alloc_free_display(m: MacAddr) -> [u8; 32] {
        use core::fmt::Write;
        struct Buf([u8; 32], usize);
        impl Write for Buf {
            fn write_str(&mut self, s: &str) -> fmt::Result {
                for b in s.bytes() {
                    self.0[self.1] = b;
                    self.1 += 1;
                }
                Ok(())
            }
        }
        let mut b = Buf([0; 32], 0);
        write!(b, "{m}").unwrap();
        b.0
    }

    #[test]
    fn mac_classes() {
        assert!(MacAddr::SLOW_PROTOCOLS.is_multicast());
        assert!(!MacAddr::SLOW_PROTOCOLS.is_broadcast());
        assert!(MacAddr::BROADCAST.is_broadcast());
        assert!(MacAddr::ZERO.is_zero() && MacAddr::ZERO.is_unicast());
        assert!(MacAddr([0x02, 0, 0, 0, 0, 1]).is_local());
        let m = MacAddr([1, 2, 3, 4, 5, 6]);
        assert_eq!(m.to_u64(), 0x0102_0304_0506);
        assert_eq!(MacAddr::from_u64(m.to_u64()), m);
        assert_eq!(MacAddr::from_slice(&[1, 2, 3, 4, 5]), None);
        assert_eq!(MacAddr::from_slice(&[1, 2, 3, 4, 5, 6, 7]), Some(m));
    }

    #[test]
    fn vlan_bounds() {
        assert_eq!(VlanId::try_new(0), Err(InvalidVlanId(0)));
        assert_eq!(VlanId::try_new(4095), Err(InvalidVlanId(4095)));
        assert_eq!(VlanId::try_new(1).map(VlanId::get), Ok(1));
        assert_eq!(VlanId::try_new(4094).map(VlanId::get), Ok(4094));
        assert!(VlanId::try_from(5000).is_err());
    }

    #[test]
    fn ethertype_length() {
        assert!(EtherType(0x0026).is_length());
        assert!(!EtherType::SLOW_PROTOCOLS.is_length());
    }

    proptest::proptest! {
        #[test]
        fn mac_u64_round_trip(o in proptest::array::uniform6(0u8..)) {
            let m = MacAddr(o);
            proptest::prop_assert_eq!(MacAddr::from_u64(m.to_u64()), m);
        }
    }
}
