//! Borrowed, validated views of BPDUs: the receive fast path.
//!
//! [`BpduView::parse`] applies exactly the receive validation of [`Bpdu::parse`] (802.1D-2004
//! §9.3.4, 802.1Q-2022 §14.4; the rules are in the [module docs](super)) — it is the one
//! implementation of it: [`Bpdu::parse`] is `BpduView::parse` followed by
//! [`BpduView::to_bpdu`]. A view is a few borrowed references into the received octets (at most
//! 32 octets, against the 128 of a [`Bpdu`]): every length has been checked once, and each field
//! is read when asked for, at a fixed offset into a fixed-size array, so no accessor can fail.
//!
//! ```
//! use stp::wire::{BpduView, PortRole};
//!
//! // tcpdump's 802.1w_rapid_STP.pcap, frame 1 (from the Protocol Identifier on).
//! let octets = [
//!     0x00, 0x00, 0x02, 0x02, 0x0e, 0x80, 0x01, 0x00, 0x19, 0x06, 0xea, 0xb8, 0x80, 0x00, 0x00,
//!     0x00, 0x00, 0x80, 0x01, 0x00, 0x19, 0x06, 0xea, 0xb8, 0x80, 0x80, 0x0c, 0x00, 0x00, 0x14,
//!     0x00, 0x02, 0x00, 0x0f, 0x00, 0x00,
//! ];
//! let Ok(BpduView::Rst(rst)) = BpduView::parse(&octets) else { panic!() };
//! assert_eq!(rst.body().flags().role(), PortRole::Designated);
//! assert_eq!(rst.body().port_id().number(), 12);
//! assert_eq!(rst.body().max_age().whole_secs(), 20);
//! ```

use super::Error;
use super::bpdu::{
    Bpdu, BpduFlags, BpduTime, BridgeId, CONFIG_LEN, ConfigBpdu, MST_BASE_LEN, MSTI_LEN, MSTIS_MAX,
    MstBpdu, MstiMessages, PortId, RstBpdu, TCN_LEN, TYPE_CONFIG, TYPE_RST, TYPE_TCN,
};
use super::mcid::{MCID_LEN, MstConfigId};

/// `N` octets at offset `AT` of a fixed-size array. With constant offsets inside the array (all
/// uses below) the check folds away; out of range would give zeros, never a panic.
#[inline(always)]
fn octets<const AT: usize, const N: usize, const L: usize>(b: &[u8; L]) -> [u8; N] {
    b.get(AT..AT + N)
        .and_then(|s| <[u8; N]>::try_from(s).ok())
        .unwrap_or([0; N])
}

#[inline(always)]
fn be16<const AT: usize, const L: usize>(b: &[u8; L]) -> u16 {
    u16::from_be_bytes(octets::<AT, 2, L>(b))
}

#[inline(always)]
fn be32<const AT: usize, const L: usize>(b: &[u8; L]) -> u32 {
    u32::from_be_bytes(octets::<AT, 4, L>(b))
}

#[inline(always)]
fn byte<const AT: usize, const L: usize>(b: &[u8; L]) -> u8 {
    b.get(AT).copied().unwrap_or(0)
}

/// The first 35 octets of a Configuration, RST or MST BPDU (Protocol Identifier to Forward
/// Delay; the CIST part of an MST BPDU), read in place.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct BodyView<'a>(&'a [u8; CONFIG_LEN]);

impl<'a> BodyView<'a> {
    /// A view of the 35 octets.
    pub const fn new(octets: &'a [u8; CONFIG_LEN]) -> Self {
        Self(octets)
    }

    /// The 35 octets.
    pub const fn as_bytes(&self) -> &'a [u8; CONFIG_LEN] {
        self.0
    }

    /// Protocol Version.
    #[inline]
    pub fn version(&self) -> u8 {
        byte::<2, CONFIG_LEN>(self.0)
    }

    /// BPDU Type.
    #[inline]
    pub fn bpdu_type(&self) -> u8 {
        byte::<3, CONFIG_LEN>(self.0)
    }

    /// Flags (CIST Flags in an MST BPDU).
    #[inline]
    pub fn flags(&self) -> BpduFlags {
        BpduFlags::from_bits_retain(byte::<4, CONFIG_LEN>(self.0))
    }

    /// Root Identifier (CIST Root Identifier).
    #[inline]
    pub fn root_id(&self) -> BridgeId {
        BridgeId::from_octets(octets::<5, 8, CONFIG_LEN>(self.0))
    }

    /// Root Path Cost (CIST External Root Path Cost).
    #[inline]
    pub fn root_path_cost(&self) -> u32 {
        be32::<13, CONFIG_LEN>(self.0)
    }

    /// Bridge Identifier (CIST Regional Root Identifier in an MST BPDU).
    #[inline]
    pub fn bridge_id(&self) -> BridgeId {
        BridgeId::from_octets(octets::<17, 8, CONFIG_LEN>(self.0))
    }

    /// Port Identifier (CIST Port Identifier).
    #[inline]
    pub fn port_id(&self) -> PortId {
        PortId(be16::<25, CONFIG_LEN>(self.0))
    }

    /// Message Age.
    #[inline]
    pub fn message_age(&self) -> BpduTime {
        BpduTime(be16::<27, CONFIG_LEN>(self.0))
    }

    /// Max Age.
    #[inline]
    pub fn max_age(&self) -> BpduTime {
        BpduTime(be16::<29, CONFIG_LEN>(self.0))
    }

    /// Hello Time.
    #[inline]
    pub fn hello_time(&self) -> BpduTime {
        BpduTime(be16::<31, CONFIG_LEN>(self.0))
    }

    /// Forward Delay.
    #[inline]
    pub fn forward_delay(&self) -> BpduTime {
        BpduTime(be16::<33, CONFIG_LEN>(self.0))
    }

    /// Every field as an owned [`ConfigBpdu`].
    #[inline]
    pub fn to_config(&self) -> ConfigBpdu {
        ConfigBpdu {
            flags: self.flags(),
            root_id: self.root_id(),
            root_path_cost: self.root_path_cost(),
            bridge_id: self.bridge_id(),
            port_id: self.port_id(),
            message_age: self.message_age(),
            max_age: self.max_age(),
            hello_time: self.hello_time(),
            forward_delay: self.forward_delay(),
        }
    }
}

/// An RST BPDU in place: Protocol Version 2 with at least 36 octets, or a Protocol Version ≥ 3
/// BPDU of at least 35 octets that is not a valid MST BPDU (802.1Q-2022 §14.4).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct RstView<'a> {
    body: BodyView<'a>,
    /// The Version 1 Length octet; `None` for the 35-octet version ≥ 3 BPDU that has none.
    version_1_length: Option<u8>,
}

impl<'a> RstView<'a> {
    /// The first 35 octets.
    #[inline]
    pub const fn body(&self) -> BodyView<'a> {
        self.body
    }

    /// Protocol Version (2, or ≥ 3 for a version 3+ BPDU that failed the MST checks).
    #[inline]
    pub fn version(&self) -> u8 {
        self.body.version()
    }

    /// Version 1 Length (0 when the BPDU ends before it).
    #[inline]
    pub fn version_1_length(&self) -> u8 {
        self.version_1_length.unwrap_or(0)
    }

    /// True for a 35-octet BPDU with Protocol Version ≥ 3 (no Version 1 Length octet):
    /// 802.1Q-2022 §14.4 processes it as an RST BPDU, and encoding the decoded RST BPDU yields
    /// the standard's 36 octets, with the Version 1 Length 0 appended.
    #[inline]
    pub const fn lacks_version_1_length(&self) -> bool {
        self.version_1_length.is_none()
    }

    /// Every field as an owned [`RstBpdu`].
    #[inline]
    pub fn to_rst(&self) -> RstBpdu {
        RstBpdu {
            version: self.version(),
            bpdu: self.body.to_config(),
            version_1_length: self.version_1_length(),
        }
    }
}

/// An MST BPDU in place (802.1Q-2022 §14.2.1, §14.6): the 102 fixed octets and the validated
/// MSTI configuration messages.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct MstView<'a> {
    fixed: &'a [u8; MST_BASE_LEN],
    mstis: MstiMessages<'a>,
}

impl<'a> MstView<'a> {
    /// The CIST part (the first 35 octets): CIST Flags, CIST Root Identifier, CIST External Root
    /// Path Cost, CIST Regional Root Identifier (in the Bridge Identifier slot), CIST Port
    /// Identifier and the four times.
    #[inline]
    pub fn cist(&self) -> BodyView<'a> {
        let (body, _) = self.fixed.split_first_chunk::<CONFIG_LEN>().unzip();
        // The fixed part is 102 octets: the split always succeeds.
        BodyView(body.unwrap_or(&[0; CONFIG_LEN]))
    }

    /// Protocol Version (3; 4 for SPB BPDUs, whose SPT part is not decoded here).
    #[inline]
    pub fn version(&self) -> u8 {
        byte::<2, MST_BASE_LEN>(self.fixed)
    }

    /// Version 1 Length (0: checked by [`BpduView::parse`]).
    #[inline]
    pub fn version_1_length(&self) -> u8 {
        byte::<35, MST_BASE_LEN>(self.fixed)
    }

    /// Version 3 Length: 64 + 16 per MSTI message.
    #[inline]
    pub fn version_3_length(&self) -> u16 {
        be16::<36, MST_BASE_LEN>(self.fixed)
    }

    /// The 51 octets of the MST Configuration Identifier.
    #[inline]
    pub fn mcid_octets(&self) -> [u8; MCID_LEN] {
        octets::<38, MCID_LEN, MST_BASE_LEN>(self.fixed)
    }

    /// The MST Configuration Identifier.
    #[inline]
    pub fn mcid(&self) -> MstConfigId {
        MstConfigId::from_octets(&self.mcid_octets())
    }

    /// CIST Internal Root Path Cost.
    #[inline]
    pub fn cist_internal_root_path_cost(&self) -> u32 {
        be32::<89, MST_BASE_LEN>(self.fixed)
    }

    /// CIST Bridge Identifier (the transmitting bridge).
    #[inline]
    pub fn cist_bridge_id(&self) -> BridgeId {
        BridgeId::from_octets(octets::<93, 8, MST_BASE_LEN>(self.fixed))
    }

    /// CIST Remaining Hops.
    #[inline]
    pub fn cist_remaining_hops(&self) -> u8 {
        byte::<101, MST_BASE_LEN>(self.fixed)
    }

    /// The MSTI configuration messages.
    #[inline]
    pub const fn mstis(&self) -> MstiMessages<'a> {
        self.mstis
    }

    /// Every field as an owned [`MstBpdu`] (the MSTI messages stay borrowed).
    #[inline]
    pub fn to_mst(&self) -> MstBpdu<'a> {
        MstBpdu {
            version: self.version(),
            cist: self.cist().to_config(),
            version_1_length: self.version_1_length(),
            mcid: self.mcid(),
            cist_internal_root_path_cost: self.cist_internal_root_path_cost(),
            cist_bridge_id: self.cist_bridge_id(),
            cist_remaining_hops: self.cist_remaining_hops(),
            mstis: self.mstis,
        }
    }
}

/// A validated BPDU, borrowed from the received octets.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum BpduView<'a> {
    /// A Configuration BPDU (802.1D STP); the Protocol Version is not used to reject.
    Config(BodyView<'a>),
    /// A Topology Change Notification BPDU.
    Tcn {
        /// Protocol Version (0; not used to reject).
        version: u8,
    },
    /// An RST BPDU.
    Rst(RstView<'a>),
    /// An MST BPDU.
    Mst(MstView<'a>),
}

impl<'a> BpduView<'a> {
    /// Validates a BPDU (the octets after the LLC header, bounded by the 802.3 length) without
    /// copying it. The rules are those of [`Bpdu::parse`] (see the [module docs](super)).
    #[inline]
    pub fn parse(b: &'a [u8]) -> Result<Self, Error> {
        let got = b.len();
        let Some(&[p0, p1, version, ty]) = b.first_chunk::<TCN_LEN>() else {
            return Err(Error::Truncated {
                needed: TCN_LEN,
                got,
            });
        };
        let protocol = u16::from_be_bytes([p0, p1]);
        if protocol != 0 {
            return Err(Error::BadProtocolId(protocol));
        }
        // 802.1D-2004 §9.3.4 and 802.1Q-2022 §14.4: type and length decide the kind.
        match (ty, version) {
            // 802.1D §9.3.4, 802.1Q §14.4: a TCN BPDU needs only its 4 octets.
            (TYPE_TCN, _) => Ok(Self::Tcn { version }),
            // 802.1D §9.3.4, 802.1Q §14.4: a Configuration BPDU has at least 35 octets.
            (TYPE_CONFIG, _) => match b.first_chunk::<CONFIG_LEN>() {
                Some(body) => Ok(Self::Config(BodyView(body))),
                None => Err(Error::Truncated {
                    needed: CONFIG_LEN,
                    got,
                }),
            },
            // 802.1Q §14.4: an RST BPDU is version 2 with at least 36 octets.
            (TYPE_RST, 2) => match b.split_first_chunk::<CONFIG_LEN>() {
                Some((body, &[v1, ..])) => Ok(Self::Rst(RstView {
                    body: BodyView(body),
                    version_1_length: Some(v1),
                })),
                _ => Err(Error::Truncated {
                    needed: CONFIG_LEN + 1,
                    got,
                }),
            },
            // 802.1Q §14.4: version ≥ 3 and at least 35 octets: an MST BPDU if it passes the
            // MST checks, otherwise processed as an RST BPDU.
            (TYPE_RST, 3..) => match b.split_first_chunk::<CONFIG_LEN>() {
                Some((body, rest)) => Ok(match Self::mst(b) {
                    Some(m) => Self::Mst(m),
                    None => Self::Rst(RstView {
                        body: BodyView(body),
                        version_1_length: rest.first().copied(),
                    }),
                }),
                None => Err(Error::Truncated {
                    needed: CONFIG_LEN,
                    got,
                }),
            },
            _ => Err(Error::BadBpduType { ty, version }),
        }
    }

    /// The MST checks of 802.1Q-2022 §14.4: ≥ 102 octets, Version 1 Length 0, Version 3
    /// Length = 64 + 16·n, n ≤ 64, and the n records within the buffer.
    #[inline]
    fn mst(b: &'a [u8]) -> Option<MstView<'a>> {
        let (fixed, rest) = b.split_first_chunk::<MST_BASE_LEN>()?;
        if byte::<35, MST_BASE_LEN>(fixed) != 0 {
            return None;
        }
        let records = usize::from(be16::<36, MST_BASE_LEN>(fixed)).checked_sub(64)?;
        if !records.is_multiple_of(MSTI_LEN) || records > MSTIS_MAX * MSTI_LEN {
            return None;
        }
        let mstis = MstiMessages::validated(rest.get(..records)?);
        Some(MstView { fixed, mstis })
    }

    /// Protocol Version.
    #[inline]
    pub fn version(&self) -> u8 {
        match self {
            Self::Config(c) => c.version(),
            Self::Tcn { version } => *version,
            Self::Rst(r) => r.version(),
            Self::Mst(m) => m.version(),
        }
    }

    /// The snake_case name of the BPDU kind (as [`Bpdu::kind_name`]).
    pub const fn kind_name(&self) -> &'static str {
        match self {
            Self::Config(_) => "config",
            Self::Tcn { .. } => "tcn",
            Self::Rst(_) => "rst",
            Self::Mst(_) => "mst",
        }
    }

    /// The owned repr.
    #[inline]
    pub fn to_bpdu(&self) -> Bpdu<'a> {
        match self {
            Self::Config(c) => Bpdu::Config {
                version: c.version(),
                bpdu: c.to_config(),
            },
            Self::Tcn { version } => Bpdu::Tcn { version: *version },
            Self::Rst(r) => Bpdu::Rst(r.to_rst()),
            Self::Mst(m) => Bpdu::Mst(m.to_mst()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    const RST: [u8; 36] = [
        0x00, 0x00, 0x02, 0x02, 0x0e, 0x80, 0x01, 0x00, 0x19, 0x06, 0xea, 0xb8, 0x80, 0x00, 0x00,
        0x00, 0x00, 0x80, 0x01, 0x00, 0x19, 0x06, 0xea, 0xb8, 0x80, 0x80, 0x0c, 0x00, 0x00, 0x14,
        0x00, 0x02, 0x00, 0x0f, 0x00, 0x00,
    ];

    #[test]
    fn rst_fields_in_place() {
        let Ok(BpduView::Rst(r)) = BpduView::parse(&RST) else {
            panic!()
        };
        let b = r.body();
        assert_eq!(b.flags().bits(), 0x0e);
        assert_eq!(b.root_id().to_u64(), 0x8001_0019_06ea_b880);
        assert_eq!(b.root_path_cost(), 0);
        assert_eq!(b.bridge_id().to_u64(), 0x8001_0019_06ea_b880);
        assert_eq!(b.port_id(), PortId(0x800c));
        assert_eq!(b.message_age(), BpduTime(0));
        assert_eq!(b.max_age(), BpduTime(0x1400));
        assert_eq!(b.hello_time(), BpduTime(0x0200));
        assert_eq!(b.forward_delay(), BpduTime(0x0f00));
        assert_eq!((r.version(), r.version_1_length()), (2, 0));
        assert!(!r.lacks_version_1_length());
        assert_eq!(b.as_bytes(), RST.first_chunk::<35>().unwrap());
        assert_eq!(
            Bpdu::parse(&RST),
            Ok(BpduView::parse(&RST).unwrap().to_bpdu())
        );
    }

    /// 802.1Q §14.4: 35 octets of version ≥ 3 are an RST BPDU. The repr keeps no trace of the
    /// missing octet, so the encoding is the standard's 36 octets (Version 1 Length 0 appended)
    /// and decode(encode(x)) == x holds; the view reports the case.
    #[test]
    fn short_version_3_is_normalised_to_36_octets() {
        let mut b = RST;
        b[2] = 3;
        b[35] = 0;
        let short = &b[..35];
        let Ok(BpduView::Rst(r)) = BpduView::parse(short) else {
            panic!()
        };
        assert!(r.lacks_version_1_length());
        let x = Bpdu::parse(short).unwrap();
        let mut out = [0xffu8; 40];
        assert_eq!(x.emit(&mut out), Ok(36));
        assert_eq!(&out[..35], short);
        assert_eq!(out[35], 0);
        assert_eq!(Bpdu::parse(&out[..36]), Ok(x));
        let Ok(BpduView::Rst(r36)) = BpduView::parse(&out[..36]) else {
            panic!()
        };
        assert!(!r36.lacks_version_1_length());
    }

    /// Every length and every kind/version byte pair: the view and the owned decoder agree
    /// (the owned decoder is the view plus `to_bpdu`, so this pins the view against the rules
    /// written out in `bpdu::tests::validation_rules` too).
    #[test]
    fn kinds_and_lengths() {
        let mut mst = [0u8; 102 + 2 * 16];
        mst[2] = 3;
        mst[3] = 2;
        mst[37] = 64 + 32;
        for (i, b) in mst.iter_mut().enumerate().skip(38) {
            *b = i as u8;
        }
        mst[35] = 0;
        let Ok(BpduView::Mst(m)) = BpduView::parse(&mst) else {
            panic!()
        };
        assert_eq!(m.mstis().len(), 2);
        assert_eq!(m.version_3_length(), 96);
        assert_eq!(m.cist_remaining_hops(), 101);
        assert_eq!(&m.mcid_octets()[..], &mst[38..89]);
        assert_eq!(m.mcid().to_octets(), m.mcid_octets());
        assert_eq!(m.cist().as_bytes(), mst.first_chunk::<35>().unwrap());
        // Every prefix: RST (version 3 fallback) below 134 octets, truncated below 35.
        for len in 0..=mst.len() {
            let v = BpduView::parse(&mst[..len]);
            match len {
                0..=3 => assert_eq!(
                    v,
                    Err(Error::Truncated {
                        needed: 4,
                        got: len
                    })
                ),
                4..=34 => assert_eq!(
                    v,
                    Err(Error::Truncated {
                        needed: 35,
                        got: len
                    })
                ),
                35 => assert!(matches!(v, Ok(BpduView::Rst(r)) if r.lacks_version_1_length())),
                36..=133 => assert!(matches!(v, Ok(BpduView::Rst(r)) if r.version() == 3)),
                _ => assert!(matches!(v, Ok(BpduView::Mst(_)))),
            }
            assert_eq!(v.map(|v| v.to_bpdu()), Bpdu::parse(&mst[..len]));
        }
        let mut seen = Vec::new();
        for ty in [0x00, 0x02, 0x80, 0x01, 0xff] {
            for version in [0, 1, 2, 3, 4, 0xff] {
                let mut b = RST;
                b[2] = version;
                b[3] = ty;
                let v = BpduView::parse(&b);
                if let Ok(v) = v {
                    assert_eq!(v.version(), version);
                    seen.push(v.kind_name());
                    assert_eq!(Bpdu::parse(&b).unwrap().kind_name(), v.kind_name());
                } else {
                    assert_eq!(v, Err(Error::BadBpduType { ty, version }));
                }
            }
        }
        assert_eq!(seen.iter().filter(|k| **k == "config").count(), 6);
        assert_eq!(seen.iter().filter(|k| **k == "tcn").count(), 6);
        assert_eq!(seen.iter().filter(|k| **k == "rst").count(), 4);
        assert_eq!(seen.len(), 16);
    }
}
