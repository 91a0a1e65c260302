//! LACPDU codec against its anchors, all in one criterion group so the ratios come from one run.
//!
//! * `decode/codec` — `LacpduRepr::parse_bytes` (length, subtype, version, TLV chain checks) and
//!   reading every field;
//! * `decode/ideal` — fixed offsets from a `[u8; 110]`, subtype and length checks only;
//! * `decode/naive` — a byte-at-a-time cursor, one out-of-line call per octet;
//! * `decode/naive_inlined` — the same cursor with the per-octet read inlined;
//! * `encode/codec` — `LacpduRepr::emit` into a 110-octet buffer;
//! * `encode/fixed` — the fixed-offset writer.
//!
//! Goals (performance.md): decode ≤ 1.5× ideal and ≥ 3.3× faster than naive; encode ≤ 1.5×
//! fixed. Results and machine line: BENCHMARKS.md.
#![allow(missing_docs)]

use core::hint::black_box;
use criterion::{Criterion, criterion_group, criterion_main};
use lacp::wire::LacpduRepr;
use mlag_benches::{Fields, GOLDEN_LACPDU, Info, ideal, naive};

fn lacp(c: &mut Criterion) {
    let mut g = c.benchmark_group("lacp");
    let pdu = GOLDEN_LACPDU;

    g.bench_function("decode/codec", |b| {
        b.iter(|| {
            let r = LacpduRepr::parse_bytes(black_box(&pdu[..])).ok()?;
            black_box((
                r.version,
                r.actor,
                r.partner,
                r.collector_max_delay,
                r.tlvs.is_empty(),
            ));
            Some(())
        });
    });
    g.bench_function("decode/ideal", |b| {
        b.iter(|| black_box(ideal::decode(black_box(&pdu[..]))));
    });
    g.bench_function("decode/naive", |b| {
        b.iter(|| black_box(naive::decode(black_box(&pdu[..]))));
    });
    g.bench_function("decode/naive_inlined", |b| {
        b.iter(|| black_box(naive::decode_inlined(black_box(&pdu[..]))));
    });

    let repr = LacpduRepr::parse_bytes(&pdu).expect("golden LACPDU");
    let fields = Fields {
        version: repr.version,
        actor: Info::from_codec(&repr.actor),
        partner: Info::from_codec(&repr.partner),
        collector_max_delay: repr.collector_max_delay,
    };
    let mut buf = [0u8; 110];
    g.bench_function("encode/codec", |b| {
        b.iter(|| {
            let n = black_box(&repr).emit(black_box(&mut buf[..]));
            black_box(&buf);
            // Return what the anchor returns (Option<usize>): criterion reads the routine's
            // output back octet by octet (volatile), so a 24-octet Result cost 8 more reads
            // than the anchor's 16-octet Option — harness work, not encoder work.
            n.ok()
        });
    });
    g.bench_function("encode/fixed", |b| {
        b.iter(|| {
            let n = ideal::encode(black_box(&fields), black_box(&mut buf[..]));
            black_box(&buf);
            n
        });
    });
    g.finish();
}

criterion_group!(benches, lacp);
criterion_main!(benches);
