//! The LDP/ICC TLV header (RFC 5036 §3.3, RFC 7275 §6.1.2) and a checked TLV iterator.
//!
//! ```text
//!  0                   1                   2                   3
//! |U|F|        Type (14 bits)         |        Length (value octets)  |
//! |                             Value ...                             |
//! ```

use super::{Error, Writer, be16, len16};

/// The Unknown-TLV bit: 1 = ignore this TLV if not understood, 0 = reject the message.
pub const U_BIT: u16 = 0x8000;
/// The Forward-unknown bit (only meaningful with U = 1; ICCP never forwards).
pub const F_BIT: u16 = 0x4000;
/// Mask of the 14-bit TLV type.
pub const TYPE_MASK: u16 = 0x3fff;
/// Length of the TLV header.
pub const HEADER_LEN: usize = 4;

/// One TLV: its raw first 16 bits (U, F, type) and its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tlv<'a> {
    /// U-bit, F-bit and type as on the wire.
    pub raw_type: u16,
    /// The value octets (length = the TLV's Length field).
    pub value: &'a [u8],
}

impl<'a> Tlv<'a> {
    /// The 14-bit type.
    pub const fn ty(&self) -> u16 {
        self.raw_type & TYPE_MASK
    }

    /// The U-bit.
    pub const fn u_bit(&self) -> bool {
        self.raw_type & U_BIT != 0
    }

    /// The F-bit.
    pub const fn f_bit(&self) -> bool {
        self.raw_type & F_BIT != 0
    }

    /// Header plus value octets.
    pub const fn buffer_len(&self) -> usize {
        HEADER_LEN + self.value.len()
    }

    /// Parses the first TLV of `buf`; returns it and the rest of `buf`.
    pub fn parse(buf: &'a [u8]) -> Result<(Self, &'a [u8]), Error> {
        let raw_type = be16(buf, 0)?;
        let len = usize::from(be16(buf, 2)?);
        let end = HEADER_LEN + len;
        let value = buf.get(HEADER_LEN..end).ok_or(Error::Truncated {
            needed: end,
            got: buf.len(),
        })?;
        let rest = buf.get(end..).unwrap_or_default();
        Ok((Self { raw_type, value }, rest))
    }

    /// Writes the TLV.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, Error> {
        let mut w = Writer::new(buf);
        w.u16(self.raw_type)?;
        w.u16(len16(self.value.len(), "TLV length")?)?;
        w.put(self.value)?;
        Ok(w.pos())
    }
}

/// A TLV chain: iterates TLVs, yielding one error (and then stopping) on a malformed header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tlvs<'a>(&'a [u8]);

impl<'a> Tlvs<'a> {
    /// A chain over `buf` (not yet checked: the iterator checks as it goes).
    pub const fn new(buf: &'a [u8]) -> Self {
        Self(buf)
    }

    /// Checks every TLV header of the chain once.
    pub fn check(&self) -> Result<(), Error> {
        self.clone().try_for_each(|t| t.map(|_| ()))
    }
}

impl<'a> Iterator for Tlvs<'a> {
    type Item = Result<Tlv<'a>, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.0.is_empty() {
            return None;
        }
        match Tlv::parse(self.0) {
            Ok((tlv, rest)) => {
                self.0 = rest;
                Some(Ok(tlv))
            }
            Err(e) => {
                self.0 = &[];
                Some(Err(e))
            }
        }
    }
}

/// Writes a TLV header (with the U/F bits already in `raw_type`) for a value of `len` octets.
pub(crate) fn put_header(w: &mut Writer<'_>, raw_type: u16, len: usize) -> Result<(), Error> {
    w.u16(raw_type)?;
    w.u16(len16(len, "TLV length")?)
}
