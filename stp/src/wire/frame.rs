//! The Ethernet/LLC envelope of BPDUs (802.1D-2004 §7.12.3, §9.3) and Cisco PVST+ recognition.
//!
//! An IEEE BPDU travels in an 802.3 length-encapsulated frame to the Bridge Group Address
//! 01-80-C2-00-00-00 with LLC DSAP 0x42, SSAP 0x42, Control 0x03 (UI). The 802.3 length, not the
//! frame size, bounds the BPDU (short frames are padded to 60 octets). A priority tag (802.1Q, VID
//! 0) may precede the length.
//!
//! Cisco PVST+ / Rapid-PVST+ BPDUs go to 01-00-0C-CC-CC-CD with LLC AA-AA-03 and SNAP OUI 00-00-0C,
//! PID 0x010B; they are reported as [`FrameKind::Pvst`] and must never enter IEEE processing.

use super::Error;
use l2_types::MacAddr;

/// The Cisco Shared Spanning Tree Protocol address (PVST+).
pub const SSTP_ADDRESS: MacAddr = MacAddr([0x01, 0x00, 0x0c, 0xcc, 0xcc, 0xcd]);
/// The spanning tree LLC header.
pub const LLC_STP: [u8; 3] = [0x42, 0x42, 0x03];
/// The SNAP header of Cisco PVST+ (LLC AA-AA-03, OUI 00-00-0C, PID 0x010B).
pub const SNAP_PVST: [u8; 8] = [0xaa, 0xaa, 0x03, 0x00, 0x00, 0x0c, 0x01, 0x0b];

/// What a frame carries.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum FrameKind<'a> {
    /// An IEEE BPDU: the octets after the LLC header, bounded by the 802.3 length.
    Bpdu(&'a [u8]),
    /// A Cisco PVST+ / Rapid-PVST+ BPDU: the octets after the SNAP header (a Config or RST BPDU
    /// followed by Cisco TLVs), bounded by the 802.3 length. Not an IEEE BPDU.
    Pvst(&'a [u8]),
    /// Something else (another LLC/SNAP protocol or an EtherType frame).
    Other,
}

/// A frame as seen by a spanning tree receiver.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct BpduFrame<'a> {
    /// Destination address.
    pub dst: MacAddr,
    /// Source address.
    pub src: MacAddr,
    /// The 802.1Q tag control information, if the frame was tagged.
    pub vlan_tci: Option<u16>,
    /// The 802.3 length or EtherType field.
    pub length_or_type: u16,
    /// The payload.
    pub kind: FrameKind<'a>,
}

impl<'a> BpduFrame<'a> {
    /// Parses the envelope. Errors are reserved for frames that claim to be spanning tree frames
    /// but are malformed (an LLC length that runs past the frame); other frames are
    /// [`FrameKind::Other`].
    pub fn parse(frame: &'a [u8]) -> Result<Self, Error> {
        let got = frame.len();
        let (dst, rest) = frame
            .split_first_chunk::<6>()
            .ok_or(Error::Truncated { needed: 14, got })?;
        let (src, rest) = rest
            .split_first_chunk::<6>()
            .ok_or(Error::Truncated { needed: 14, got })?;
        let (lt, mut rest) = rest
            .split_first_chunk::<2>()
            .ok_or(Error::Truncated { needed: 14, got })?;
        let mut length_or_type = u16::from_be_bytes(*lt);
        let mut vlan_tci = None;
        if length_or_type == 0x8100 {
            let (tci, r) = rest
                .split_first_chunk::<2>()
                .ok_or(Error::Truncated { needed: 18, got })?;
            let (lt, r) = r
                .split_first_chunk::<2>()
                .ok_or(Error::Truncated { needed: 18, got })?;
            vlan_tci = Some(u16::from_be_bytes(*tci));
            length_or_type = u16::from_be_bytes(*lt);
            rest = r;
        }
        let mut out = Self {
            dst: MacAddr(*dst),
            src: MacAddr(*src),
            vlan_tci,
            length_or_type,
            kind: FrameKind::Other,
        };
        if length_or_type > 1500 {
            return Ok(out);
        }
        let len = usize::from(length_or_type);
        let llc = rest.first_chunk::<3>().copied();
        let payload = rest.get(..len);
        match (llc, payload) {
            (Some(LLC_STP), Some(p)) => out.kind = FrameKind::Bpdu(p.get(3..).unwrap_or_default()),
            (Some(LLC_STP), None) => return Err(Error::BadLength(length_or_type)),
            (Some([0xaa, 0xaa, 0x03]), Some(p)) if p.starts_with(&SNAP_PVST) => {
                out.kind = FrameKind::Pvst(p.get(SNAP_PVST.len()..).unwrap_or_default());
            }
            _ => {}
        }
        Ok(out)
    }

    /// Writes an IEEE BPDU frame from `src` to the Bridge Group Address: header, 802.3 length
    /// (3 + BPDU length), LLC, the BPDU, zero padding to 60 octets. Returns the frame length.
    pub fn emit(src: MacAddr, bpdu: &super::Bpdu<'_>, buf: &mut [u8]) -> Result<usize, Error> {
        Self::emit_with_trailer(src, bpdu, &[], buf)
    }

    /// As [`emit`](Self::emit), with `trailer` after the BPDU inside the 802.3 length (the
    /// [root sequencing trailer](super::rootseq) after an RST BPDU).
    pub fn emit_with_trailer(
        src: MacAddr,
        bpdu: &super::Bpdu<'_>,
        trailer: &[u8],
        buf: &mut [u8],
    ) -> Result<usize, Error> {
        let b = bpdu.buffer_len();
        let n = b + trailer.len();
        let len = (17 + n).max(60);
        let got = buf.len();
        let out = buf
            .get_mut(..len)
            .ok_or(Error::Truncated { needed: len, got })?;
        let (head, rest) = out.split_at_mut(17);
        let l = u16::try_from(3 + n).unwrap_or(u16::MAX).to_be_bytes();
        let mut h = [0u8; 17];
        for (dst, b) in h.iter_mut().zip(
            MacAddr::BRIDGE_GROUP
                .0
                .iter()
                .chain(&src.0)
                .chain(&l)
                .chain(&LLC_STP),
        ) {
            *dst = *b;
        }
        head.copy_from_slice(&h);
        let (body, pad) = rest.split_at_mut(n);
        let (body, tail) = body.split_at_mut(b);
        bpdu.emit(body)?;
        tail.copy_from_slice(trailer);
        pad.fill(0);
        Ok(len)
    }
}

#[cfg(test)]
mod tests {
    use super::super::Bpdu;
    use super::*;

    #[test]
    fn tcn_frame_round_trip() {
        let mut buf = [0u8; 64];
        let src = MacAddr([2, 0, 0, 0, 0, 9]);
        let n = BpduFrame::emit(src, &Bpdu::Tcn { version: 0 }, &mut buf).unwrap();
        assert_eq!(n, 60);
        assert_eq!(&buf[12..21], &[0x00, 0x07, 0x42, 0x42, 0x03, 0, 0, 0, 0x80]);
        let f = BpduFrame::parse(&buf[..n]).unwrap();
        assert_eq!(f.dst, MacAddr::BRIDGE_GROUP);
        assert_eq!(f.src, src);
        assert_eq!(f.kind, FrameKind::Bpdu(&[0, 0, 0, 0x80]));
    }

    #[test]
    fn envelope_cases() {
        // Priority-tagged MST frame header, length bounds the BPDU, padding ignored.
        let mut f = [0u8; 64];
        f[12..14].copy_from_slice(&[0x81, 0x00]);
        f[14..16].copy_from_slice(&[0xe0, 0x00]);
        f[16..18].copy_from_slice(&[0x00, 0x07]);
        f[18..21].copy_from_slice(&LLC_STP);
        f[24] = 0x80;
        let p = BpduFrame::parse(&f).unwrap();
        assert_eq!(p.vlan_tci, Some(0xe000));
        assert_eq!(p.kind, FrameKind::Bpdu(&[0, 0, 0, 0x80]));
        // A length past the frame is an error.
        f[16..18].copy_from_slice(&[0x00, 0x70]);
        assert_eq!(BpduFrame::parse(&f), Err(Error::BadLength(0x70)));
        // An EtherType frame is Other.
        f[16..18].copy_from_slice(&[0x08, 0x00]);
        assert_eq!(BpduFrame::parse(&f).unwrap().kind, FrameKind::Other);
        assert_eq!(
            BpduFrame::parse(&f[..13]),
            Err(Error::Truncated {
                needed: 14,
                got: 13
            })
        );
    }
}
