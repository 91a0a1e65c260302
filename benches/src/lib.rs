//! Shared helpers for the criterion benches (the benches themselves live in `benches/`).
//!
//! The anchors each codec bench is measured against live here, so that unit tests can check
//! that they decode and encode exactly what the codec does (an anchor that skipped work would
//! make every ratio meaningless).

/// tcpdump's `LACP.pcap` frame 1 from the Subtype octet on: the golden LACPDU v1 (protocol facts
/// §7).
pub const GOLDEN_LACPDU: [u8; 110] = {
    let head: [u8; 60] = [
        0x01, 0x01, // subtype LACP, version 1
        0x01, 0x14, 0x80, 0x00, 0x00, 0x13, 0xc4, 0x12, 0x0f, 0x00, 0x00, 0x0d, 0x80, 0x00, 0x00,
        0x16, 0x85, 0x00, 0x00, 0x00, // actor
        0x02, 0x14, 0x80, 0x00, 0x00, 0x0e, 0x83, 0x16, 0xf5, 0x00, 0x00, 0x0d, 0x80, 0x00, 0x00,
        0x19, 0x36, 0x00, 0x00, 0x00, // partner
        0x03, 0x10, 0x80, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, // collector
        0x00, 0x00, // terminator
    ];
    let mut b = [0u8; 110];
    let mut i = 0;
    while i < head.len() {
        b[i] = head[i];
        i += 1;
    }
    b
};

/// The fields every decode anchor extracts: what a LACP receive machine needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Fields {
    /// Version Number.
    pub version: u8,
    /// Actor information.
    pub actor: Info,
    /// Partner information.
    pub partner: Info,
    /// CollectorMaxDelay.
    pub collector_max_delay: u16,
}

/// One actor or partner information block.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Info {
    /// System_Priority.
    pub system_priority: u16,
    /// System.
    pub system: [u8; 6],
    /// Key.
    pub key: u16,
    /// Port_Priority.
    pub port_priority: u16,
    /// Port.
    pub port: u16,
    /// State.
    pub state: u8,
}

impl Info {
    /// The anchor's view of a codec [`lacp::wire::PortInfo`], for the equality tests.
    pub fn from_codec(p: &lacp::wire::PortInfo) -> Self {
        Self {
            system_priority: p.system_priority,
            system: p.system.0,
            key: p.key,
            port_priority: p.port_priority,
            port: p.port,
            state: p.state.bits(),
        }
    }
}

/// The "ideal" anchor: loads every field at its fixed offset from a 110-octet array, checking
/// only the length and the Subtype.
pub mod ideal {
    use super::{Fields, Info};

    fn info(b: &[u8; 18]) -> Info {
        Info {
            system_priority: u16::from_be_bytes([b[0], b[1]]),
            system: [b[2], b[3], b[4], b[5], b[6], b[7]],
            key: u16::from_be_bytes([b[8], b[9]]),
            port_priority: u16::from_be_bytes([b[10], b[11]]),
            port: u16::from_be_bytes([b[12], b[13]]),
            state: b[14],
        }
    }

    /// Decodes the fixed LACPDU fields, or `None` if the buffer is short or not LACP.
    #[inline]
    pub fn decode(buf: &[u8]) -> Option<Fields> {
        let b: &[u8; 110] = buf.get(..110)?.try_into().ok()?;
        if b[0] != 1 {
            return None;
        }
        let actor: &[u8; 18] = b[4..22].try_into().ok()?;
        let partner: &[u8; 18] = b[24..42].try_into().ok()?;
        Some(Fields {
            version: b[1],
            actor: info(actor),
            partner: info(partner),
            collector_max_delay: u16::from_be_bytes([b[44], b[45]]),
        })
    }

    /// Writes a LACPv1 PDU with these fields at fixed offsets into the first 110 octets of
    /// `buf` (every other octet zero, TLV headers as the standard sets them).
    #[inline]
    pub fn encode(f: &Fields, buf: &mut [u8]) -> Option<usize> {
        let b: &mut [u8; 110] = buf.get_mut(..110)?.try_into().ok()?;
        *b = [0; 110];
        b[..4].copy_from_slice(&[1, f.version, 1, 20]);
        for (at, ty, i) in [(2, 1, &f.actor), (22, 2, &f.partner)] {
            b[at] = ty;
            b[at + 1] = 20;
            let o = at + 2;
            b[o..o + 2].copy_from_slice(&i.system_priority.to_be_bytes());
            b[o + 2..o + 8].copy_from_slice(&i.system);
            b[o + 8..o + 10].copy_from_slice(&i.key.to_be_bytes());
            b[o + 10..o + 12].copy_from_slice(&i.port_priority.to_be_bytes());
            b[o + 12..o + 14].copy_from_slice(&i.port.to_be_bytes());
            b[o + 14] = i.state;
        }
        b[42] = 3;
        b[43] = 16;
        b[44..46].copy_from_slice(&f.collector_max_delay.to_be_bytes());
        Some(110)
    }
}

/// The "naive" anchor: a cursor that hands out one byte per call, each with its own bounds
/// check, and assembles 16-bit fields by shifting — the way a hand-written decoder without
/// slices or fixed offsets reads a PDU.
///
/// Two cursors share the decoder: [`naive::Cursor`] keeps the per-byte call out of line (one real
/// call per octet), [`naive::InlinedCursor`] lets the compiler inline it (the bounds check per
/// octet remains unless the optimiser proves it away). Both are reported in BENCHMARKS.md.
pub mod naive {
    use super::{Fields, Info};

    /// A source of octets, one per call.
    pub trait ByteCursor {
        /// The next octet, or `None` at the end of the buffer.
        fn u8(&mut self) -> Option<u8>;

        /// The next two octets, big-endian, one call per octet.
        fn u16(&mut self) -> Option<u16> {
            let hi = u16::from(self.u8()?);
            let lo = u16::from(self.u8()?);
            Some((hi << 8) | lo)
        }

        /// Skips `n` octets, one call per octet.
        fn skip(&mut self, n: usize) -> Option<()> {
            for _ in 0..n {
                self.u8()?;
            }
            Some(())
        }
    }

    /// A byte cursor whose per-octet read is never inlined.
    #[derive(Debug)]
    pub struct Cursor<'a> {
        buf: &'a [u8],
        pos: usize,
    }

    impl<'a> Cursor<'a> {
        /// A cursor at the start of `buf`.
        pub fn new(buf: &'a [u8]) -> Self {
            Self { buf, pos: 0 }
        }
    }

    impl ByteCursor for Cursor<'_> {
        #[inline(never)]
        fn u8(&mut self) -> Option<u8> {
            let b = *self.buf.get(self.pos)?;
            self.pos += 1;
            Some(b)
        }
    }

    /// The same cursor with the per-octet read inlined.
    #[derive(Debug)]
    pub struct InlinedCursor<'a> {
        buf: &'a [u8],
        pos: usize,
    }

    impl<'a> InlinedCursor<'a> {
        /// A cursor at the start of `buf`.
        pub fn new(buf: &'a [u8]) -> Self {
            Self { buf, pos: 0 }
        }
    }

    impl ByteCursor for InlinedCursor<'_> {
        #[inline]
        fn u8(&mut self) -> Option<u8> {
            let b = *self.buf.get(self.pos)?;
            self.pos += 1;
            Some(b)
        }
    }

    fn info(c: &mut impl ByteCursor) -> Option<Info> {
        let _ty = c.u8()?;
        let _len = c.u8()?;
        let system_priority = c.u16()?;
        let mut system = [0u8; 6];
        for s in &mut system {
            *s = c.u8()?;
        }
        let key = c.u16()?;
        let port_priority = c.u16()?;
        let port = c.u16()?;
        let state = c.u8()?;
        c.skip(3)?;
        Some(Info {
            system_priority,
            system,
            key,
            port_priority,
            port,
            state,
        })
    }

    /// Decodes the fixed LACPDU fields through `c`, walking all 110 octets.
    pub fn decode_with(mut c: impl ByteCursor) -> Option<Fields> {
        if c.u8()? != 1 {
            return None;
        }
        let version = c.u8()?;
        let actor = info(&mut c)?;
        let partner = info(&mut c)?;
        let _ty = c.u8()?;
        let _len = c.u8()?;
        let collector_max_delay = c.u16()?;
        c.skip(12 + 2 + 50)?;
        Some(Fields {
            version,
            actor,
            partner,
            collector_max_delay,
        })
    }

    /// [`decode_with`] a [`Cursor`] (one out-of-line call per octet).
    pub fn decode(buf: &[u8]) -> Option<Fields> {
        decode_with(Cursor::new(buf))
    }

    /// [`decode_with`] an [`InlinedCursor`].
    pub fn decode_inlined(buf: &[u8]) -> Option<Fields> {
        decode_with(InlinedCursor::new(buf))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lacp::wire::LacpduRepr;

    fn codec() -> Fields {
        let r = LacpduRepr::parse_bytes(&GOLDEN_LACPDU).unwrap();
        Fields {
            version: r.version,
            actor: Info::from_codec(&r.actor),
            partner: Info::from_codec(&r.partner),
            collector_max_delay: r.collector_max_delay,
        }
    }

    #[test]
    fn anchors_decode_what_the_codec_decodes() {
        assert_eq!(ideal::decode(&GOLDEN_LACPDU), Some(codec()));
        assert_eq!(naive::decode(&GOLDEN_LACPDU), Some(codec()));
        assert_eq!(naive::decode_inlined(&GOLDEN_LACPDU), Some(codec()));
        assert_eq!(naive::decode_inlined(&GOLDEN_LACPDU[..109]), None);
        assert_eq!(ideal::decode(&GOLDEN_LACPDU[..109]), None);
        assert_eq!(naive::decode(&GOLDEN_LACPDU[..109]), None);
    }

    #[test]
    fn fixed_writer_writes_what_the_codec_writes() {
        let mut a = [0xffu8; 110];
        let mut b = [0xffu8; 110];
        ideal::encode(&codec(), &mut a).unwrap();
        LacpduRepr::parse_bytes(&GOLDEN_LACPDU)
            .unwrap()
            .emit(&mut b)
            .unwrap();
        assert_eq!(a, b);
        assert_eq!(a, GOLDEN_LACPDU);
    }
}
