//! ICCP codec and session throughput, against absolute goals (issue 5) and a memcpy anchor.
//!
//! * `codec/encode_decode_1400` — `emit_icc` of an RG Application Data message carrying one
//!   1,400-octet FDB Delta TLV, then `RawMessage::parse` + `Param::parse` of every TLV (the
//!   allocation-free path the session uses). Goal: ≥ 1 GB/s of application octets.
//! * `codec/encode_decode_1400_repr` — the same with `IccMessage::parse` (builds a `Vec` of
//!   params).
//! * `codec/memcpy_1400` — anchor: copy the 1,400 octets twice (what any encode+decode that
//!   copies must at least do).
//! * `session/deliver_small` — two connected `Session`s over the L2 framing in memory: side A
//!   queues 1,000 small application messages (8-octet FDB deltas), frames flow both ways until B
//!   has delivered all of them through `poll_app` and A's window is empty. Both sides' CPU.
//!   Goal: ≥ 1 million messages per second.
//! * `session/deliver_small_hmac` — the same with HMAC-SHA256 on every frame. Results:
//!   BENCHMARKS.md.
#![allow(missing_docs)]

use core::hint::black_box;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use iccp::wire::message::{self, IccMessage, MessageType, RawMessage};
use iccp::wire::param::Param;
use iccp::wire::{Tlv, Tlvs};
use iccp::{LinkState, Session, SessionConfig, Status};
use l2_types::{Instant, MacAddr};

fn codec(c: &mut Criterion) {
    let mut g = c.benchmark_group("iccp");
    let records = vec![0xa5u8; 1400];
    let mut buf = vec![0u8; 1500];
    g.throughput(Throughput::Bytes(1400));
    g.bench_function("codec/encode_decode_1400", |b| {
        b.iter(|| {
            let p = Param::FdbDelta {
                kind: 1,
                records: black_box(&records),
            };
            let n = message::emit_icc(
                &mut buf,
                MessageType::RG_APPLICATION_DATA,
                7,
                1,
                core::slice::from_ref(&p),
            )
            .ok()?;
            let (raw, _) = RawMessage::parse(black_box(&buf[..n])).ok()?;
            let mut got = 0;
            for t in Tlvs::new(raw.body.get(8..)?) {
                if let Param::FdbDelta { records, .. } = Param::parse(t.ok()?).ok()? {
                    got += records.len();
                }
            }
            black_box(got);
            Some(())
        });
    });
    g.bench_function("codec/encode_decode_1400_repr", |b| {
        b.iter(|| {
            let m = IccMessage {
                msg_type: MessageType::RG_APPLICATION_DATA,
                id: 7,
                rg_id: 1,
                params: vec![Param::FdbDelta {
                    kind: 1,
                    records: black_box(&records),
                }],
            };
            let n = m.emit(&mut buf).ok()?;
            let back = IccMessage::parse_bytes(black_box(&buf[..n])).ok()?;
            black_box(back.params.len());
            Some(())
        });
    });
    let mut out = vec![0u8; 1400];
    g.bench_function("codec/memcpy_1400", |b| {
        b.iter(|| {
            buf[..1400].copy_from_slice(black_box(&records));
            out.copy_from_slice(black_box(&buf[..1400]));
            black_box(&out);
        });
    });

    const N: u64 = 1000;
    g.throughput(Throughput::Elements(N));
    for (name, key) in [
        ("session/deliver_small", None),
        ("session/deliver_small_hmac", Some(b"shared key".to_vec())),
    ] {
        let (mut a, mut bs, mut now) = connected_pair(key);
        let mut frame = vec![0u8; iccp::wire::l2::FRAME_MAX];
        g.bench_function(name, |b| {
            b.iter(|| deliver(&mut a, &mut bs, &mut now, &mut frame, N));
        });
    }
    g.finish();
}

/// A sends `n` small messages; frames flow until B delivered them all.
fn deliver(a: &mut Session, bs: &mut Session, now: &mut Instant, frame: &mut [u8], n: u64) {
    let mut sent = 0u64;
    let mut got = 0u64;
    let mut rounds = 0;
    while got < n {
        while sent < n {
            let rec = sent.to_be_bytes();
            if a.send_app(&Param::FdbDelta {
                kind: 1,
                records: &rec,
            })
            .is_err()
            {
                break;
            }
            sent += 1;
        }
        while let Some(t) = a.poll_transmit(*now, frame) {
            let _ = bs.handle_frame(*now, &frame[..t.len]);
        }
        while let Some(m) = bs.poll_app() {
            black_box(m);
            got += 1;
        }
        // Acknowledgements go out after the ack delay.
        *now += core::time::Duration::from_millis(5);
        bs.handle_timeout(*now);
        a.handle_timeout(*now);
        while let Some(t) = bs.poll_transmit(*now, frame) {
            let _ = a.handle_frame(*now, &frame[..t.len]);
        }
        rounds += 1;
        assert!(rounds < 10_000, "stuck");
    }
    while a.poll_event().is_some() {}
    while bs.poll_event().is_some() {}
}

fn connected_pair(key: Option<Vec<u8>>) -> (Session, Session, Instant) {
    let mut now = Instant::ZERO;
    let mut s = [1u8, 2].map(|i| {
        let mut cfg = SessionConfig::new(MacAddr([2, 0, 0, 0, 0, i]));
        cfg.seed = u64::from(i);
        cfg.window = 256;
        cfg.key = key.clone();
        let mut s = Session::new(cfg, now);
        s.handle_link(now, LinkState::Up);
        s
    });
    let mut buf = vec![0u8; iccp::wire::l2::FRAME_MAX];
    for _ in 0..1000 {
        for from in 0..2 {
            while let Some(t) = s[from].poll_transmit(now, &mut buf) {
                let _ = s[1 - from].handle_frame(now, &buf[..t.len]);
            }
            while s[from].poll_event().is_some() {}
        }
        if s.iter().all(|x| x.status() == Status::Connected) {
            break;
        }
        now += core::time::Duration::from_millis(5);
        for x in &mut s {
            x.handle_timeout(now);
        }
    }
    assert!(s.iter().all(|x| x.status() == Status::Connected));
    let [a, b] = s;
    let _ = Tlv::parse;
    (a, b, now)
}

criterion_group!(benches, codec);
criterion_main!(benches);
