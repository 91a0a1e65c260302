//! Frame demultiplexing by destination MAC and EtherType (see the [module docs](super)).

use l2_types::{EtherType, MacAddr};

/// What a received frame is, from its first 17 octets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FrameKind {
    /// LACPDU: Slow Protocols address, EtherType 0x8809, subtype 1 (802.1AX-2014 §6.4.2.3).
    Lacp,
    /// Marker or Marker Response: Slow Protocols, subtype 2 (802.1AX-2014 §6.5.3).
    Marker,
    /// A BPDU: Bridge Group address, an 802.3 length and LLC 42-42-03 (802.1D-2004 §9.3).
    Bpdu,
    /// ICCP over L2: Nearest Bridge address, EtherType 0x88B5 (the project's ICCP framing).
    Iccp,
    /// Not a control frame the coordinator handles.
    Other,
    /// Shorter than an Ethernet header (or a Slow Protocols / LLC header).
    Runt,
}

/// Classifies `frame` (a whole Ethernet frame, FCS excluded). Total: any octets.
pub fn classify(frame: &[u8]) -> FrameKind {
    let (Some(dst), Some(et)) = (frame.get(0..6), frame.get(12..14)) else {
        return FrameKind::Runt;
    };
    let dst = MacAddr::from_slice(dst).unwrap_or(MacAddr::ZERO);
    let et = EtherType(u16::from_be_bytes([
        et.first().copied().unwrap_or(0),
        et.get(1).copied().unwrap_or(0),
    ]));
    if dst == MacAddr::SLOW_PROTOCOLS && et == EtherType::SLOW_PROTOCOLS {
        return match frame.get(14) {
            None => FrameKind::Runt,
            Some(1) => FrameKind::Lacp,
            Some(2) => FrameKind::Marker,
            Some(_) => FrameKind::Other,
        };
    }
    if dst == MacAddr::BRIDGE_GROUP && et.is_length() {
        return match frame.get(14..17) {
            None => FrameKind::Runt,
            Some([0x42, 0x42, 0x03]) => FrameKind::Bpdu,
            Some(_) => FrameKind::Other,
        };
    }
    if dst == MacAddr::NEAREST_BRIDGE && et == EtherType::LOCAL_EXPERIMENTAL_1 {
        return FrameKind::Iccp;
    }
    FrameKind::Other
}

/// Demultiplexer counters, by reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DemuxCounters {
    /// ICCP frames received on the peer-port and given to the session.
    pub iccp: u64,
    /// ICCP frames the session rejected (details in the session's own counters).
    pub iccp_rejected: u64,
    /// ICCP frames on a port other than the peer-port (dropped).
    pub iccp_off_peer_port: u64,
    /// LACPDUs and Markers received on a bond slave.
    pub lacp: u64,
    /// LACPDUs and Markers on an MLAG slave held out of the LAG (reload delay; dropped).
    pub lacp_held: u64,
    /// LACPDUs and Markers on a port that is no bond slave (dropped).
    pub lacp_not_slave: u64,
    /// BPDUs received on a bridge port.
    pub bpdu: u64,
    /// BPDUs received on the peer-port (a misconfiguration; dropped).
    pub bpdu_on_peer_port: u64,
    /// Frames that are no control frame (dropped).
    pub not_control: u64,
    /// Frames too short to classify (dropped).
    pub runts: u64,
    /// Frames on a port the configuration does not know (dropped).
    pub unknown_port: u64,
}
