//! The MST Configuration Identifier (802.1Q-2022 §13.8) and its Configuration Digest.
//!
//! Two MST bridges are in the same region only when all 51 octets of their MCIDs are equal:
//! Format Selector (0), Configuration Name (32 octets, null padded), Revision Level and the
//! Configuration Digest — HMAC-MD5 (RFC 2104) keyed with 802.1Q Table 13-1's key over the
//! 4096-entry VID → MSTID table, each entry a 16-bit big-endian MSTID (VID 0 and VID 4095 map to 0).

use super::Error;
use super::md5::hmac_md5;
use alloc::vec::Vec;

/// The digest key of 802.1Q-2022 Table 13-1.
pub const DIGEST_KEY: [u8; 16] = [
    0x13, 0xac, 0x06, 0xa6, 0x2e, 0x47, 0xfd, 0x51, 0xf9, 0x5d, 0x2b, 0xa2, 0x43, 0xcd, 0x03, 0x46,
];

/// Octets of an encoded MCID.
pub const MCID_LEN: usize = 51;

/// The highest MSTID (802.1Q: MSTIDs 1..=4094; 0 is the CIST).
pub const MSTID_MAX: u16 = 4094;

/// The VID → MSTID allocation table (802.1Q-2022 §8.9.1), 4096 entries; 0 = the CIST.
#[derive(Clone, PartialEq, Eq)]
pub struct VidToMstid(Vec<u16>);

impl core::fmt::Debug for VidToMstid {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let mapped = self.0.iter().filter(|&&m| m != 0).count();
        write!(f, "VidToMstid({mapped} VIDs mapped to MSTIs)")
    }
}

impl Default for VidToMstid {
    fn default() -> Self {
        Self::all_cist()
    }
}

impl VidToMstid {
    /// Every VID on the CIST.
    pub fn all_cist() -> Self {
        Self(alloc::vec![0; 4096])
    }

    /// Maps `vid` (1..=4094) to `mstid` (0 = CIST, 1..=4094). Returns false, changing nothing,
    /// for a VID or MSTID out of range.
    pub fn set(&mut self, vid: u16, mstid: u16) -> bool {
        if !(1..=4094).contains(&vid) || mstid > MSTID_MAX {
            return false;
        }
        match self.0.get_mut(usize::from(vid)) {
            Some(slot) => {
                *slot = mstid;
                true
            }
            None => false,
        }
    }

    /// The MSTID `vid` is allocated to (0 for VIDs out of range).
    pub fn get(&self, vid: u16) -> u16 {
        self.0.get(usize::from(vid)).copied().unwrap_or(0)
    }

    /// The distinct MSTIDs in use, ascending, CIST excluded.
    pub fn mstids(&self) -> Vec<u16> {
        let mut v: Vec<u16> = self.0.iter().copied().filter(|&m| m != 0).collect();
        v.sort_unstable();
        v.dedup();
        v
    }

    /// The Configuration Digest of this table.
    pub fn digest(&self) -> [u8; 16] {
        hmac_md5(&DIGEST_KEY, |md5| {
            let mut block = [0u8; 512];
            for chunk in self.0.chunks(256) {
                for (dst, m) in block.chunks_exact_mut(2).zip(chunk) {
                    dst.copy_from_slice(&m.to_be_bytes());
                }
                md5.update(block.get(..chunk.len() * 2).unwrap_or_default());
            }
        })
    }
}

/// The MST Configuration Identifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MstConfigId {
    /// Configuration Identifier Format Selector (0).
    pub format_selector: u8,
    /// Configuration Name: up to 32 octets, null padded.
    pub name: [u8; 32],
    /// Revision Level.
    pub revision: u16,
    /// Configuration Digest.
    pub digest: [u8; 16],
}

impl MstConfigId {
    /// An MCID for `name` (truncated to 32 octets), `revision` and `table`.
    pub fn new(name: &str, revision: u16, table: &VidToMstid) -> Self {
        let mut n = [0u8; 32];
        for (dst, b) in n.iter_mut().zip(name.bytes()) {
            *dst = b;
        }
        Self {
            format_selector: 0,
            name: n,
            revision,
            digest: table.digest(),
        }
    }

    /// The name up to its first null octet (lossy UTF-8 is the caller's business).
    pub fn name_bytes(&self) -> &[u8] {
        let end = self.name.iter().position(|&b| b == 0).unwrap_or(32);
        self.name.get(..end).unwrap_or_default()
    }

    /// Decodes the 51 octets at the start of `b`.
    pub fn parse(b: &[u8]) -> Result<Self, Error> {
        match b.first_chunk::<MCID_LEN>() {
            Some(o) => Ok(Self::from_octets(o)),
            None => Err(Error::Truncated {
                needed: MCID_LEN,
                got: b.len(),
            }),
        }
    }

    /// Decodes the 51 encoded octets (every value is valid).
    #[inline]
    pub fn from_octets(o: &[u8; MCID_LEN]) -> Self {
        let [format_selector, rest @ ..] = *o;
        let (name, rest) = rest.split_first_chunk::<32>().unzip();
        let (revision, digest) = rest.and_then(|r| r.split_first_chunk::<2>()).unzip();
        Self {
            format_selector,
            name: name.copied().unwrap_or([0; 32]),
            revision: u16::from_be_bytes(revision.copied().unwrap_or([0; 2])),
            digest: digest
                .and_then(|d| <[u8; 16]>::try_from(d).ok())
                .unwrap_or([0; 16]),
        }
    }

    /// The 51 encoded octets.
    pub fn to_octets(&self) -> [u8; MCID_LEN] {
        let mut o = [0u8; MCID_LEN];
        let (fs, rest) = o.split_at_mut(1);
        fs.copy_from_slice(&[self.format_selector]);
        let (name, rest) = rest.split_at_mut(32);
        name.copy_from_slice(&self.name);
        let (rev, digest) = rest.split_at_mut(2);
        rev.copy_from_slice(&self.revision.to_be_bytes());
        digest.copy_from_slice(&self.digest);
        o
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(d: [u8; 16]) -> alloc::string::String {
        use core::fmt::Write;
        let mut s = alloc::string::String::new();
        for b in d {
            write!(s, "{b:02X}").unwrap();
        }
        s
    }

    /// 802.1Q-2022 Table 13-2 (the three published digests).
    #[test]
    fn standard_digest_vectors() {
        assert_eq!(
            hex(VidToMstid::all_cist().digest()),
            "AC36177F50283CD4B83821D8AB26DE62"
        );
        let mut t = VidToMstid::all_cist();
        for v in 1..=4094 {
            assert!(t.set(v, 1));
        }
        assert_eq!(hex(t.digest()), "E13A80F11ED0856ACD4EE3476941C73B");
        let mut t = VidToMstid::all_cist();
        for v in 1..=4094 {
            assert!(t.set(v, (v % 32) + 1));
        }
        assert_eq!(hex(t.digest()), "9D145C267DBE9FB5D893441BE3BA08CE");
        assert_eq!(t.mstids().len(), 32);
    }

    #[test]
    fn table_bounds() {
        let mut t = VidToMstid::all_cist();
        assert!(!t.set(0, 1));
        assert!(!t.set(4095, 1));
        assert!(!t.set(10, 4095));
        assert!(t.set(10, 7));
        assert_eq!(t.get(10), 7);
        assert_eq!(t.get(60000), 0);
    }

    #[test]
    fn mcid_round_trip() {
        let m = MstConfigId::new("Brewery", 0, &VidToMstid::all_cist());
        assert_eq!(m.name_bytes(), b"Brewery");
        let o = m.to_octets();
        assert_eq!(MstConfigId::parse(&o), Ok(m));
        assert_eq!(
            MstConfigId::parse(&o[..50]),
            Err(Error::Truncated {
                needed: 51,
                got: 50
            })
        );
        let long = MstConfigId::new(
            "a-name-that-is-longer-than-thirty-two-octets",
            1,
            &VidToMstid::all_cist(),
        );
        assert_eq!(long.name_bytes().len(), 32);
    }
}
