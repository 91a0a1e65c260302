//! BPDU codec against anchors written here, all in one criterion group so the ratios come from
//! one run.
//!
//! * `rst_decode/view` — `BpduView::parse` (protocol identifier, type/version dispatch, length
//!   checks of 802.1Q §14.4) of an RST BPDU and reading every field through the view;
//! * `rst_decode/owned` — the same through `Bpdu::parse` (the view plus `to_bpdu`, the owned
//!   128-octet repr);
//! * `rst_decode/ideal` — fixed offsets from a `[u8; 36]`: protocol identifier, version and type
//!   checks, every field with `from_be_bytes`;
//! * `mst_decode/{view,owned}_{0,64}` — an MST BPDU with 0 and 64 MSTI configuration messages,
//!   reading the CIST fields, the MST fields and every MSTI record through
//!   `MstiMessages::iter`; (`_64` − `_0`) / 64 is the cost per MSTI record;
//! * `mst_decode/ideal_0` and `mst_decode/ideal_64` — the same with a fixed-offset reader;
//! * `rst_encode/bpdu` — `Bpdu::emit` of the RST BPDU into a 36-octet buffer;
//! * `rst_encode/rst` — `RstBpdu::emit` (the kind known, one length check);
//! * `rst_encode/fixed` — a fixed-offset writer of the same 36 octets.
//!
//! Goals (issue 3): RST decode+validate ≤ 1.5× the ideal reader; MST ≤ 2 ns per MSTI record
//! beyond the CIST part; encode ≤ 1.5× the fixed writer (the LACP bench's rule). Before measuring,
//! `main` checks that every anchor reads or writes exactly what the codec does. Results and
//! machine line: BENCHMARKS.md.
#![allow(missing_docs)]

use core::hint::black_box;
use criterion::{Criterion, criterion_group, criterion_main};
use l2_types::MacAddr;
use stp::wire::{
    BodyView, Bpdu, BpduFlags, BpduTime, BpduView, BridgeId, ConfigBpdu, MstBpdu, MstConfigId,
    MstiConfigMessage, MstiMessages, PortId, PortRole, VidToMstid,
};

/// tcpdump's `802.1w_rapid_STP.pcap` frame 1 after the LLC header (protocol facts §7).
const RST: [u8; 36] = [
    0x00, 0x00, 0x02, 0x02, 0x0e, // protocol id, version 2, type RST, flags
    0x80, 0x01, 0x00, 0x19, 0x06, 0xea, 0xb8, 0x80, // root id
    0x00, 0x00, 0x00, 0x00, // root path cost
    0x80, 0x01, 0x00, 0x19, 0x06, 0xea, 0xb8, 0x80, // bridge id
    0x80, 0x0c, // port id
    0x00, 0x00, 0x14, 0x00, 0x02, 0x00, 0x0f, 0x00, // message age, max age, hello, fwd delay
    0x00, // version 1 length
];

/// The fields of the 35-octet body, as the ideal reader extracts them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct Body {
    flags: u8,
    root_id: u64,
    root_path_cost: u32,
    bridge_id: u64,
    port_id: u16,
    message_age: u16,
    max_age: u16,
    hello_time: u16,
    forward_delay: u16,
}

/// One MSTI record as the ideal reader extracts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct Msti {
    flags: u8,
    regional_root_id: u64,
    internal_root_path_cost: u32,
    bridge_priority: u8,
    port_priority: u8,
    remaining_hops: u8,
}

mod ideal {
    use super::{Body, Msti};

    fn u16_at(b: &[u8; 36], at: usize) -> u16 {
        u16::from_be_bytes([b[at], b[at + 1]])
    }

    fn u32_at(b: &[u8; 36], at: usize) -> u32 {
        u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
    }

    fn u64_at(b: &[u8; 36], at: usize) -> u64 {
        let mut o = [0u8; 8];
        o.copy_from_slice(&b[at..at + 8]);
        u64::from_be_bytes(o)
    }

    /// The 35-octet body at fixed offsets (indices into a fixed array: bounds checks fold away).
    fn body(b: &[u8; 36]) -> Body {
        Body {
            flags: b[4],
            root_id: u64_at(b, 5),
            root_path_cost: u32_at(b, 13),
            bridge_id: u64_at(b, 17),
            port_id: u16_at(b, 25),
            message_age: u16_at(b, 27),
            max_age: u16_at(b, 29),
            hello_time: u16_at(b, 31),
            forward_delay: u16_at(b, 33),
        }
    }

    /// An RST BPDU: at least 36 octets, protocol 0, version 2, type 2.
    pub(super) fn rst(buf: &[u8]) -> Option<(Body, u8)> {
        let b: &[u8; 36] = buf.first_chunk::<36>()?;
        if b[0] != 0 || b[1] != 0 || b[2] != 2 || b[3] != 2 {
            return None;
        }
        Some((body(b), b[35]))
    }

    /// An MST BPDU: the CIST part plus the fixed MST fields, and a callback per MSTI record.
    /// Checks the same conditions the codec does (type, version ≥ 3, v1 length 0, v3 length
    /// 64 + 16n with n ≤ 64 and within the buffer).
    pub(super) fn mst(
        buf: &[u8],
        mut each: impl FnMut(Msti),
    ) -> Option<(Body, [u8; 51], u32, u64, u8)> {
        let b: &[u8; 36] = buf.first_chunk::<36>()?;
        if b[0] != 0 || b[1] != 0 || b[2] < 3 || b[3] != 2 || b[35] != 0 || buf.len() < 102 {
            return None;
        }
        let v3 = usize::from(u16::from_be_bytes([buf[36], buf[37]]));
        let records = v3.checked_sub(64)?;
        if records % 16 != 0 || records > 64 * 16 || buf.len() < 102 + records {
            return None;
        }
        let mut mcid = [0u8; 51];
        mcid.copy_from_slice(&buf[38..89]);
        let cost = u32::from_be_bytes([buf[89], buf[90], buf[91], buf[92]]);
        let mut id = [0u8; 8];
        id.copy_from_slice(&buf[93..101]);
        for r in buf[102..102 + records].chunks_exact(16) {
            let mut rr = [0u8; 8];
            rr.copy_from_slice(&r[1..9]);
            each(Msti {
                flags: r[0],
                regional_root_id: u64::from_be_bytes(rr),
                internal_root_path_cost: u32::from_be_bytes([r[9], r[10], r[11], r[12]]),
                bridge_priority: r[13],
                port_priority: r[14],
                remaining_hops: r[15],
            });
        }
        Some((body(b), mcid, cost, u64::from_be_bytes(id), buf[101]))
    }

    /// Writes the 36-octet RST BPDU at fixed offsets.
    pub(super) fn encode_rst(f: &Body, v1: u8, out: &mut [u8]) -> Option<usize> {
        let o: &mut [u8; 36] = out.first_chunk_mut::<36>()?;
        o[0] = 0;
        o[1] = 0;
        o[2] = 2;
        o[3] = 2;
        o[4] = f.flags;
        o[5..13].copy_from_slice(&f.root_id.to_be_bytes());
        o[13..17].copy_from_slice(&f.root_path_cost.to_be_bytes());
        o[17..25].copy_from_slice(&f.bridge_id.to_be_bytes());
        o[25..27].copy_from_slice(&f.port_id.to_be_bytes());
        o[27..29].copy_from_slice(&f.message_age.to_be_bytes());
        o[29..31].copy_from_slice(&f.max_age.to_be_bytes());
        o[31..33].copy_from_slice(&f.hello_time.to_be_bytes());
        o[33..35].copy_from_slice(&f.forward_delay.to_be_bytes());
        o[35] = v1;
        Some(36)
    }
}

fn body_of(c: &ConfigBpdu) -> Body {
    Body {
        flags: c.flags.bits(),
        root_id: c.root_id.to_u64(),
        root_path_cost: c.root_path_cost,
        bridge_id: c.bridge_id.to_u64(),
        port_id: c.port_id.0,
        message_age: c.message_age.0,
        max_age: c.max_age.0,
        hello_time: c.hello_time.0,
        forward_delay: c.forward_delay.0,
    }
}

fn body_of_view(c: BodyView<'_>) -> Body {
    Body {
        flags: c.flags().bits(),
        root_id: c.root_id().to_u64(),
        root_path_cost: c.root_path_cost(),
        bridge_id: c.bridge_id().to_u64(),
        port_id: c.port_id().0,
        message_age: c.message_age().0,
        max_age: c.max_age().0,
        hello_time: c.hello_time().0,
        forward_delay: c.forward_delay().0,
    }
}

fn msti_of(r: &MstiConfigMessage) -> Msti {
    Msti {
        flags: r.flags.bits(),
        regional_root_id: r.regional_root_id.to_u64(),
        internal_root_path_cost: r.internal_root_path_cost,
        bridge_priority: r.bridge_priority,
        port_priority: r.port_priority,
        remaining_hops: r.remaining_hops,
    }
}

/// An MST BPDU with `n` MSTI records, every record different.
fn mst_bpdu(n: u16) -> Vec<u8> {
    let address = MacAddr([2, 0, 0, 0, 0x64, 0]);
    let records: Vec<MstiConfigMessage> = (1..=n)
        .map(|mstid| MstiConfigMessage {
            flags: BpduFlags::LEARNING.with_role(PortRole::Designated),
            regional_root_id: BridgeId::new((mstid % 16) << 12, mstid, address),
            internal_root_path_cost: u32::from(mstid) * 2000,
            bridge_priority: 0x80,
            port_priority: 0x80,
            remaining_hops: 20,
        })
        .collect();
    let mut octets = vec![0u8; records.len() * 16];
    MstiMessages::encode(&records, &mut octets).expect("≤ 64 records");
    let m = MstBpdu {
        version: 3,
        cist: ConfigBpdu {
            flags: BpduFlags::FORWARDING.with_role(PortRole::Root),
            root_id: BridgeId::new(4096, 0, MacAddr([2, 0, 0, 0, 0, 1])),
            root_path_cost: 20_000,
            bridge_id: BridgeId::new(8192, 0, address),
            port_id: PortId::new(128, 3),
            message_age: BpduTime(0),
            max_age: BpduTime::from_secs(20),
            hello_time: BpduTime::from_secs(2),
            forward_delay: BpduTime::from_secs(15),
        },
        version_1_length: 0,
        mcid: MstConfigId::new("bench", 1, &VidToMstid::all_cist()),
        cist_internal_root_path_cost: 2000,
        cist_bridge_id: BridgeId::new(8192, 0, address),
        cist_remaining_hops: 19,
        mstis: MstiMessages::new(&octets).expect("valid records"),
    };
    let b = Bpdu::Mst(m);
    let mut out = vec![0u8; b.buffer_len()];
    b.emit(&mut out).expect("emit");
    out
}

/// View decode of an MST BPDU (`BpduView::parse`): the CIST fields, the MST fields and every
/// MSTI record.
fn view_mst(buf: &[u8], mut each: impl FnMut(Msti)) -> Option<(Body, [u8; 51], u32, u64, u8)> {
    let Ok(BpduView::Mst(m)) = BpduView::parse(buf) else {
        return None;
    };
    for r in m.mstis().iter() {
        each(msti_of(&r));
    }
    Some((
        body_of_view(m.cist()),
        m.mcid_octets(),
        m.cist_internal_root_path_cost(),
        m.cist_bridge_id().to_u64(),
        m.cist_remaining_hops(),
    ))
}

/// View decode of an RST BPDU: every field.
fn view_rst(buf: &[u8]) -> Option<(Body, u8)> {
    match BpduView::parse(buf) {
        Ok(BpduView::Rst(r)) => Some((body_of_view(r.body()), r.version_1_length())),
        _ => None,
    }
}

/// Owned decode of an MST BPDU (`Bpdu::parse`): the same fields.
fn codec_mst(buf: &[u8], mut each: impl FnMut(Msti)) -> Option<(Body, [u8; 51], u32, u64, u8)> {
    let Ok(Bpdu::Mst(m)) = Bpdu::parse(buf) else {
        return None;
    };
    for r in m.mstis.iter() {
        each(msti_of(&r));
    }
    Some((
        body_of(&m.cist),
        m.mcid.to_octets(),
        m.cist_internal_root_path_cost,
        m.cist_bridge_id.to_u64(),
        m.cist_remaining_hops,
    ))
}

fn codec_rst(buf: &[u8]) -> Option<(Body, u8)> {
    match Bpdu::parse(buf) {
        Ok(Bpdu::Rst(r)) => Some((body_of(&r.bpdu), r.version_1_length)),
        _ => None,
    }
}

/// The anchors must do the codec's work exactly: same fields out, same octets in.
fn check_anchors(mst0: &[u8], mst64: &[u8]) {
    assert_eq!(ideal::rst(&RST), codec_rst(&RST));
    assert_eq!(ideal::rst(&RST), view_rst(&RST));
    assert!(ideal::rst(&RST).is_some());
    for m in [mst0, mst64] {
        let (mut a, mut b, mut c) = (Vec::new(), Vec::new(), Vec::new());
        let ia = ideal::mst(m, |r| a.push(r));
        let ib = codec_mst(m, |r| b.push(r));
        let ic = view_mst(m, |r| c.push(r));
        assert!(ia.is_some());
        assert_eq!(ia, ib);
        assert_eq!(ia, ic);
        assert_eq!(a, b);
        assert_eq!(a, c);
    }
    let (body, v1) = ideal::rst(&RST).expect("golden RST");
    let mut out = [0u8; 36];
    assert_eq!(ideal::encode_rst(&body, v1, &mut out), Some(36));
    assert_eq!(out, RST);
    let bpdu = Bpdu::parse(&RST).expect("golden RST");
    let mut out2 = [0u8; 36];
    assert_eq!(bpdu.emit(&mut out2), Ok(36));
    assert_eq!(out2, RST);
    let Bpdu::Rst(rst) = bpdu else {
        panic!("golden RST is {bpdu:?}")
    };
    let mut out3 = [0u8; 36];
    assert_eq!(rst.emit(&mut out3), Ok(36));
    assert_eq!(out3, RST);
}

/// Folds a record into a checksum so the optimiser cannot drop the reads.
fn fold(acc: &mut u64, r: Msti) {
    *acc = acc
        .wrapping_add(r.regional_root_id)
        .wrapping_add(u64::from(r.internal_root_path_cost))
        .wrapping_add(u64::from(r.flags) ^ u64::from(r.bridge_priority))
        .wrapping_add(u64::from(r.port_priority) ^ u64::from(r.remaining_hops));
}

fn stp(c: &mut Criterion) {
    let mst0 = mst_bpdu(0);
    let mst64 = mst_bpdu(64);
    assert_eq!((mst0.len(), mst64.len()), (102, 1126));
    check_anchors(&mst0, &mst64);

    let mut g = c.benchmark_group("stp");
    g.bench_function("rst_decode/view", |b| {
        b.iter(|| black_box(view_rst(black_box(&RST[..]))));
    });
    g.bench_function("rst_decode/owned", |b| {
        b.iter(|| black_box(codec_rst(black_box(&RST[..]))));
    });
    g.bench_function("rst_decode/ideal", |b| {
        b.iter(|| black_box(ideal::rst(black_box(&RST[..]))));
    });
    for (name, buf) in [("0", &mst0), ("64", &mst64)] {
        g.bench_function(format!("mst_decode/view_{name}"), |b| {
            b.iter(|| {
                let mut acc = 0u64;
                let r = view_mst(black_box(&buf[..]), |m| fold(&mut acc, m));
                black_box((r, acc))
            });
        });
        g.bench_function(format!("mst_decode/owned_{name}"), |b| {
            b.iter(|| {
                let mut acc = 0u64;
                let r = codec_mst(black_box(&buf[..]), |m| fold(&mut acc, m));
                black_box((r, acc))
            });
        });
        g.bench_function(format!("mst_decode/ideal_{name}"), |b| {
            b.iter(|| {
                let mut acc = 0u64;
                let r = ideal::mst(black_box(&buf[..]), |m| fold(&mut acc, m));
                black_box((r, acc))
            });
        });
    }
    let bpdu = Bpdu::parse(&RST).expect("golden RST");
    let (body, v1) = ideal::rst(&RST).expect("golden RST");
    let mut buf = [0u8; 36];
    let Bpdu::Rst(rst) = bpdu else {
        panic!("golden RST")
    };
    // The codec closures return `Option<usize>`, as the anchor does: criterion's `black_box`
    // reads its argument with a volatile read, and that of the 24-octet `Result<usize, Error>`
    // is done octet by octet (`perf annotate`), a cost the anchor's return type does not have.
    g.bench_function("rst_encode/bpdu", |b| {
        b.iter(|| {
            let n = black_box(&bpdu).emit(black_box(&mut buf[..]));
            black_box(&buf);
            n.ok()
        });
    });
    g.bench_function("rst_encode/rst", |b| {
        b.iter(|| {
            let n = black_box(&rst).emit(black_box(&mut buf[..]));
            black_box(&buf);
            n.ok()
        });
    });
    g.bench_function("rst_encode/fixed", |b| {
        b.iter(|| {
            let n = ideal::encode_rst(black_box(&body), black_box(v1), black_box(&mut buf[..]));
            black_box(&buf);
            n
        });
    });
    g.finish();
}

criterion_group!(benches, stp);
criterion_main!(benches);
