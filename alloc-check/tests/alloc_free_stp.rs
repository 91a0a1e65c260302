//! Decoding BPDUs never allocates (performance.md: "Zero allocations in any decode"), checked
//! with a counting global allocator on every frame of the spanning tree captures in `testdata/`
//! (802.1D, RSTP, MSTP with MSTI records, Linux bridge and Open vSwitch, Cisco PVST+): the
//! envelope, the borrowed view, the owned decoder, every field, every MSTI record, and
//! re-encoding into a stack buffer.

use alloc_check::{CountingAlloc, allocations_during};
use core::hint::black_box;
use std::path::Path;
use stp::wire::{Bpdu, BpduFrame, BpduView, FrameKind};

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

const CAPTURES: &[&str] = &[
    "802.1D_spanning_tree.pcap",
    "802.1w_rapid_STP.pcap",
    "MSTP_Intra-Region_BPDUs.pcap",
    "kbridge-stp.pcap",
    "ovs-stp.pcap",
    "ovs-rstp.pcap",
    "ovs-rstp-kernel-stp.pcap",
    "rpvstp-trunk-native-vid5.pcap",
];

fn frames(name: &str) -> Vec<Vec<u8>> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../testdata")
        .join(name);
    let mut r = pcap_file::pcap::PcapReader::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut out = Vec::new();
    while let Some(p) = r.next_packet() {
        out.push(p.unwrap().data.into_owned());
    }
    out
}

/// Everything a receiver does with a BPDU frame; returns a checksum of what it read.
fn decode_everything(frame: &[u8]) -> u64 {
    let mut seen = 0u64;
    let Ok(f) = BpduFrame::parse(frame) else {
        return 1;
    };
    let body = match f.kind {
        FrameKind::Bpdu(b) | FrameKind::Pvst(b) => b,
        FrameKind::Other => return 1,
    };
    match BpduView::parse(body) {
        Ok(BpduView::Config(c)) => seen += c.root_id().to_u64() + u64::from(c.max_age().0),
        Ok(BpduView::Tcn { version }) => seen += u64::from(version) + 1,
        Ok(BpduView::Rst(r)) => {
            seen += r.body().bridge_id().to_u64() + u64::from(r.version_1_length());
        }
        Ok(BpduView::Mst(m)) => {
            seen += m.cist().root_id().to_u64() + u64::from(m.cist_remaining_hops());
            seen += u64::from(m.mcid().revision) + u64::from(m.mcid_octets()[0]);
            for r in m.mstis().iter() {
                seen += r.regional_root_id.to_u64() + u64::from(r.internal_root_path_cost);
            }
        }
        Err(_) => seen += 1,
    }
    if let Ok(b) = Bpdu::parse(body) {
        seen += b.kind_name().len() as u64;
        if let Bpdu::Mst(m) = &b {
            seen += m.mstis.iter().map(|r| u64::from(r.mstid())).sum::<u64>();
        }
        let mut out = [0u8; 1200];
        seen += b.emit(&mut out).map_or(0, |n| n as u64);
        let mut frame_out = [0u8; 1300];
        seen += BpduFrame::emit(f.src, &b, &mut frame_out).map_or(0, |n| n as u64);
    }
    seen
}

#[test]
fn decoding_every_captured_bpdu_does_not_allocate() {
    let mut total = 0;
    for name in CAPTURES {
        for (i, f) in frames(name).iter().enumerate() {
            let (n, seen) = allocations_during(|| decode_everything(black_box(f)));
            assert!(seen > 0);
            assert_eq!(
                n,
                0,
                "{name} frame {}: {n} allocations while decoding",
                i + 1
            );
            total += 1;
        }
    }
    assert!(total >= 100, "only {total} frames checked");
    // Errors are allocation-free too.
    let (n, _) = allocations_during(|| {
        black_box(BpduView::parse(black_box(&[0, 0, 3, 2][..])).is_err())
            && black_box(Bpdu::parse(black_box(&[0, 1][..])).is_err())
    });
    assert_eq!(n, 0);
}
