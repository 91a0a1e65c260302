//! The forwarding database against its anchor, `hashbrown::HashMap<u64, u64>` with a seeded
//! foldhash hasher (the (VLAN, MAC) key packed in a u64, an 8-byte value), on the same random
//! unicast keys in the same criterion group, so the ratios come from one run.
//!
//! Sizes: 1M entries always; 10M with `FDB_BENCH_10M=1` (about 2 GB of memory, minutes).
//!
//! * `lookup_hit`, `lookup_miss` — `Fdb::lookup` vs `HashMap::get`;
//! * `learn_new` — `Fdb::learn` of N new keys into a prereserved table (insert + journal +
//!   digest) vs `HashMap::insert` into a prereserved map; time per N inserts;
//! * `refresh` — `Fdb::learn` of a present key on its location vs `get_mut` + store a time;
//! * `lookup_hit_burst32`, `lookup_miss_burst32`, `refresh_burst32` — `Fdb::lookup_many` /
//!   `Fdb::learn_many` of 32 keys vs `get` / `get_mut` over the same 32; time per burst;
//! * `timeout_idle` — `Fdb::handle_timeout` when nothing expires (must not depend on N);
//! * `sweep_all` / `flush_none` — a full ageing sweep and a flush that keep everything, vs
//!   `HashMap::retain` keeping everything; time per N entries;
//! * `flood_rejected` — a learn of a new MAC into a full table (the learning flood defence);
//! * `snapshot_encode` — every chunk of a full snapshot (a pass in table order) vs iterating the anchor
//!   map and appending 12-octet records to 1,500-octet buffers; time per N;
//! * `snapshot_apply` — `Fdb::handle_sync` of those chunks into an empty table vs decoding the
//!   same records and inserting them into a prereserved anchor map; time per N. The receiver
//!   shares the sender's hash seed (the recommended set-up: chunks then arrive in the
//!   receiver's own slot order); `snapshot_apply_other_seed` gives it another seed.
//!
//! Bytes per entry (`Fdb::memory_bytes`, `HashMap::allocation_size`) and octets per record on
//! the wire are printed to stderr, and so is a **full sync of N MACs over a simulated 10 GbE
//! link** ([`sync_sim`]: virtual time for the wire, measured CPU time for every `poll_sync` and
//! `handle_sync`), lossless and with 1 % loss and 1 % reordering. Goals (performance.md) and
//! results: BENCHMARKS.md.
#![allow(missing_docs)]

use core::hint::black_box;
use core::time::Duration;
use std::time::Instant as WallInstant;

use core::cmp::Reverse;
use std::collections::BinaryHeap;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use fdb::sync::wire::{self, Message};
use fdb::{Fdb, FdbConfig, Location, PeerState};
use foldhash::fast::FixedState;
use hashbrown::HashMap;
use l2_types::{Instant, MacAddr, PortNo, VlanId};

type Anchor = HashMap<u64, u64, FixedState>;

const SEED: u64 = 0x5eed_f00d;

/// Keys per burst in the `*_burst` benches.
const BURST: usize = 32;

/// splitmix64.
fn rng(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// `n` distinct random unicast (VLAN, MAC) keys, packed, plus `n` others (for misses).
fn keys(n: usize) -> (Vec<u64>, Vec<u64>) {
    let mut s = SEED;
    let mut seen = hashbrown::HashSet::with_capacity_and_hasher(2 * n, FixedState::with_seed(1));
    let mut out = Vec::with_capacity(2 * n);
    while out.len() < 2 * n {
        let r = rng(&mut s);
        let vid = 1 + (r >> 52) % 16;
        let mac = r & 0xfeff_ffff_ffff; // individual address
        let k = (vid << 48) | mac;
        if seen.insert(k) {
            out.push(k);
        }
    }
    let miss = out.split_off(n);
    (out, miss)
}

fn split(k: u64) -> (VlanId, MacAddr) {
    (
        VlanId::try_new((k >> 48) as u16).expect("valid VLAN"),
        MacAddr::from_u64(k),
    )
}

fn port(k: u64) -> Location {
    Location::Port(PortNo((k % 48) as u16 + 1))
}

fn config(n: usize) -> FdbConfig {
    let mut c = FdbConfig::new(SEED, 1);
    c.entries_max = u32::try_from(n).expect("fits");
    c.move_dampening = None;
    c
}

const T0: Instant = Instant::from_secs(1000);

fn build_fdb(n: usize, keys: &[u64]) -> Fdb {
    let mut t = Fdb::with_capacity(config(n), n).expect("config");
    for &k in keys {
        let (v, m) = split(k);
        let _ = t.learn(T0, v, m, port(k));
    }
    t
}

fn build_anchor(n: usize, keys: &[u64]) -> Anchor {
    let mut h = Anchor::with_capacity_and_hasher(n, FixedState::with_seed(SEED));
    for &k in keys {
        h.insert(k, T0.as_nanos() | (k % 48));
    }
    h
}

/// Encodes one 12-octet record the way the anchor does: fixed offsets, no checks.
fn anchor_record(k: u64, v: u64, out: &mut [u8; 12]) {
    out[..8].copy_from_slice(&((2u64 << 60) | k).to_be_bytes());
    out[8..].copy_from_slice(&(v as u32).to_be_bytes());
}

/// The simulated peer link: 10 Gbit/s, Ethernet framing per message (preamble 8, header 14,
/// FCS 4, inter-frame gap 12 octets), 10 µs one way. The transport under the sync protocol keeps
/// at most `WINDOW` octets sent but not yet taken by the receiver (a socket buffer); a lost
/// message frees its share when it would have arrived.
const LINK_BITS_PER_S: u64 = 10_000_000_000;
const FRAMING: u64 = 38;
const PROPAGATION_NS: u64 = 10_000;
const WINDOW: u64 = 64 * 1024;
/// Receiver's request hold-off in the simulation: a few round trips.
const SIM_HOLDOFF: Duration = Duration::from_micros(200);

fn wire_ns(len: usize) -> u64 {
    (len as u64 + FRAMING) * 8 * 1_000_000_000 / LINK_BITS_PER_S
}

/// What one simulated full sync took.
struct SimResult {
    /// From the peer coming up until the receiver holds every entry and is in step (ns).
    total_ns: u64,
    /// Time the sender→receiver octets occupy the link (ns).
    wire_ns: u64,
    /// Receiver CPU in `handle_sync` (ns).
    apply_ns: u64,
    /// Sender CPU in `poll_sync` and `handle_sync` (ns).
    send_ns: u64,
    messages: usize,
    lost: usize,
}

enum Ev {
    /// A message arrives at the receiver (`to_b`) or the sender.
    Arrive { to_b: bool, bytes: Vec<u8> },
    /// Octets leave the sender's window.
    Credit(u64),
}

/// A full sync of `keys` from a table A to an empty table B over the simulated link, dropping
/// each message with probability `loss` and delaying it by 50 µs (past later ones) with
/// probability `reorder`.
fn sync_sim(
    n: usize,
    keys: &[u64],
    loss: f64,
    reorder: f64,
    seed: u64,
    shared_seed: bool,
) -> SimResult {
    let mut ca = config(n);
    ca.sync_holdoff = SIM_HOLDOFF;
    let mut a = Fdb::with_capacity(ca, n).expect("config");
    for &k in keys {
        let (v, m) = split(k);
        let _ = a.learn(T0, v, m, port(k));
    }
    let mut cb = config(n);
    cb.epoch = 2;
    if !shared_seed {
        cb.hash_seed = SEED ^ 1;
    }
    cb.sync_holdoff = SIM_HOLDOFF;
    let mut b = Fdb::with_capacity(cb, n).expect("config");
    let t0 = T0.as_nanos() + 1_000_000;
    let at = Instant::from_nanos;
    a.set_peer(at(t0), PeerState::Up);
    b.set_peer(at(t0), PeerState::Up);
    let mut rng_state = seed;
    let mut chance = |p: f64| (rng(&mut rng_state) >> 11) as f64 / (1u64 << 53) as f64 <= p;
    let mut heap: BinaryHeap<Reverse<(u64, u64, usize)>> = BinaryHeap::new();
    let mut events: Vec<Option<Ev>> = Vec::new();
    let push = |heap: &mut BinaryHeap<Reverse<(u64, u64, usize)>>,
                events: &mut Vec<Option<Ev>>,
                t: u64,
                ev: Ev| {
        events.push(Some(ev));
        let id = events.len() - 1;
        heap.push(Reverse((t, id as u64, id)));
    };
    let (mut cpu_a, mut cpu_b) = (t0, t0);
    let (mut link_ab, mut link_ba) = (t0, t0);
    let mut inflight = 0u64;
    let mut r = SimResult {
        total_ns: 0,
        wire_ns: 0,
        apply_ns: 0,
        send_ns: 0,
        messages: 0,
        lost: 0,
    };
    let mut buf = vec![0u8; 1500];
    let mut done_at = None;
    for _ in 0..10_000_000 {
        // Each side sends what it has (the sender within its window).
        loop {
            if inflight >= WINDOW {
                break;
            }
            let start = WallInstant::now();
            let Some(len) = a.poll_sync(at(cpu_a), &mut buf) else {
                cpu_a += start.elapsed().as_nanos() as u64;
                break;
            };
            let cost = start.elapsed().as_nanos() as u64;
            cpu_a += cost;
            r.send_ns += cost;
            let tx = wire_ns(len);
            link_ab = link_ab.max(cpu_a) + tx;
            r.wire_ns += tx;
            r.messages += 1;
            inflight += len as u64;
            let mut arrive = link_ab + PROPAGATION_NS;
            if chance(loss) {
                r.lost += 1;
                push(&mut heap, &mut events, arrive, Ev::Credit(len as u64));
                continue;
            }
            if chance(reorder) {
                arrive += 50_000;
            }
            push(
                &mut heap,
                &mut events,
                arrive,
                Ev::Arrive {
                    to_b: true,
                    bytes: buf[..len].to_vec(),
                },
            );
        }
        while let Some(len) = b.poll_sync(at(cpu_b), &mut buf) {
            link_ba = link_ba.max(cpu_b) + wire_ns(len);
            let arrive = link_ba + PROPAGATION_NS;
            if chance(loss) {
                r.lost += 1;
                continue;
            }
            push(
                &mut heap,
                &mut events,
                arrive,
                Ev::Arrive {
                    to_b: false,
                    bytes: buf[..len].to_vec(),
                },
            );
        }
        let in_step =
            !b.receiving_snapshot() && b.peer_position() == a.sync_position() && b.len() == n;
        if in_step {
            done_at = Some(cpu_b);
            break;
        }
        // The next thing to happen: a message, a credit, or a timer.
        let next_msg = heap.peek().map(|Reverse((t, _, _))| *t);
        let ta = a.poll_timeout().map(|t| t.as_nanos().max(cpu_a));
        let tb = b.poll_timeout().map(|t| t.as_nanos().max(cpu_b));
        let next = [next_msg, ta, tb]
            .into_iter()
            .flatten()
            .min()
            .expect("something to do");
        if next_msg == Some(next) {
            let Reverse((t, _, id)) = heap.pop().expect("peeked");
            match events[id].take().expect("once") {
                Ev::Credit(octets) => inflight -= octets,
                Ev::Arrive { to_b: true, bytes } => {
                    cpu_b = cpu_b.max(t);
                    let start = WallInstant::now();
                    let _ = b.handle_sync(at(cpu_b), &bytes);
                    let cost = start.elapsed().as_nanos() as u64;
                    cpu_b += cost;
                    r.apply_ns += cost;
                    // The receiver took the message: its octets leave the window (the
                    // transport's acknowledgement takes one propagation delay back).
                    push(
                        &mut heap,
                        &mut events,
                        cpu_b + PROPAGATION_NS,
                        Ev::Credit(bytes.len() as u64),
                    );
                }
                Ev::Arrive { to_b: false, bytes } => {
                    cpu_a = cpu_a.max(t);
                    let start = WallInstant::now();
                    let _ = a.handle_sync(at(cpu_a), &bytes);
                    let cost = start.elapsed().as_nanos() as u64;
                    cpu_a += cost;
                    r.send_ns += cost;
                }
            }
        } else if ta == Some(next) {
            cpu_a = next;
            a.handle_timeout(at(cpu_a));
        } else {
            cpu_b = next;
            b.handle_timeout(at(cpu_b));
        }
    }
    r.total_ns = done_at.expect("the sync completes") - t0;
    assert_eq!(b.peer_records(), a.own_records());
    r
}

fn report_sync(label: &str, n: usize, keys: &[u64]) {
    let clean = sync_sim(n, keys, 0.0, 0.0, 1, true);
    let lossy = sync_sim(n, keys, 0.01, 0.01, 2, true);
    let other = sync_sim(n, keys, 0.0, 0.0, 1, false);
    let ms = |ns: u64| ns as f64 / 1e6;
    let bound = clean.wire_ns.max(clean.apply_ns);
    eprintln!(
        "fdb/{label}: full sync over 10 GbE: {:.1} ms; wire {:.1} ms, apply CPU {:.1} ms, sender CPU {:.1} ms, {} messages; {:.2}x max(wire, apply)",
        ms(clean.total_ns),
        ms(clean.wire_ns),
        ms(clean.apply_ns),
        ms(clean.send_ns),
        clean.messages,
        clean.total_ns as f64 / bound as f64
    );
    eprintln!(
        "fdb/{label}: ... with 1 % loss and 1 % reordering: {:.1} ms ({} of {} messages lost); {:.2}x the lossless time",
        ms(lossy.total_ns),
        lossy.lost,
        lossy.messages,
        lossy.total_ns as f64 / clean.total_ns as f64
    );
    eprintln!(
        "fdb/{label}: ... lossless, peers with different hash seeds: {:.1} ms; apply CPU {:.1} ms; {:.2}x max(wire, apply) of the shared-seed run",
        ms(other.total_ns),
        ms(other.apply_ns),
        other.total_ns as f64 / bound as f64
    );
}

/// CPU time of this thread so far, ns (`/proc/thread-self/schedstat`, first field: time on a
/// CPU), so that a figure does not count the time the loaded machine gave to other jobs. The
/// kernel brings it up to date at scheduler ticks (4 ms here) and switches, so a round must
/// last far longer than that.
fn thread_cpu_ns() -> u64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

/// CPU ns per call of `f` over `rounds` rounds of `per_round` calls each, the median round.
fn cpu_per_op(rounds: usize, per_round: usize, mut f: impl FnMut()) -> f64 {
    let mut v: Vec<f64> = (0..rounds)
        .map(|_| {
            let t = thread_cpu_ns();
            for _ in 0..per_round {
                f();
            }
            (thread_cpu_ns() - t) as f64 / per_round as f64
        })
        .collect();
    v.sort_by(f64::total_cmp);
    v[rounds / 2]
}

/// With `FDB_BENCH_CPU=1`: the per-key figures in thread CPU time, each side's rounds
/// interleaved with the other's (fdb, anchor, fdb, ...), printed to stderr.
fn report_cpu(label: &str, table: &mut Fdb, anchor: &mut Anchor, present: &[u64], absent: &[u64]) {
    let n = present.len();
    let now = T0 + Duration::from_secs(1);
    // About 0.1-0.4 s per round: the tick granularity of the clock is 1-4 % of a round.
    let per_round = 2_000_000;
    let mut i = 0usize;
    let next = |i: &mut usize| {
        *i = (*i + 1) % n;
        *i
    };
    let mut rows: Vec<(&str, f64, f64)> = Vec::new();
    let (mut f_hit, mut a_hit, mut f_miss, mut a_miss, mut f_ref, mut a_ref) =
        (vec![], vec![], vec![], vec![], vec![], vec![]);
    for _ in 0..9 {
        f_hit.push(cpu_per_op(1, per_round, || {
            let (v, m) = split(present[next(&mut i)]);
            black_box(table.lookup(v, m));
        }));
        a_hit.push(cpu_per_op(1, per_round, || {
            black_box(anchor.get(&present[next(&mut i)]).copied());
        }));
        f_miss.push(cpu_per_op(1, per_round, || {
            let (v, m) = split(absent[next(&mut i)]);
            black_box(table.lookup(v, m));
        }));
        a_miss.push(cpu_per_op(1, per_round, || {
            black_box(anchor.get(&absent[next(&mut i)]).copied());
        }));
        f_ref.push(cpu_per_op(1, per_round, || {
            let k = present[next(&mut i)];
            let (v, m) = split(k);
            let _ = black_box(table.learn(now, v, m, port(k)));
        }));
        a_ref.push(cpu_per_op(1, per_round, || {
            let k = present[next(&mut i)];
            if let Some(v) = anchor.get_mut(&k) {
                *v = now.as_nanos() | (k % 48);
            }
        }));
    }
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    rows.push(("lookup_hit", median(f_hit), median(a_hit)));
    rows.push(("lookup_miss", median(f_miss), median(a_miss)));
    rows.push(("refresh", median(f_ref), median(a_ref)));
    for (name, f, a) in rows {
        eprintln!(
            "fdb/{label}: CPU time {name}: fdb {f:.1} ns, anchor {a:.1} ns, {:.2}x",
            f / a
        );
    }
}

fn sizes() -> Vec<usize> {
    let mut v = vec![1_000_000];
    if std::env::var_os("FDB_BENCH_10M").is_some() {
        v.push(10_000_000);
    }
    v
}

fn bench(c: &mut Criterion) {
    for n in sizes() {
        let label = if n >= 10_000_000 { "10M" } else { "1M" };
        let (present, absent) = keys(n);
        let mut table = build_fdb(n, &present);
        let mut anchor = build_anchor(n, &present);
        eprintln!(
            "fdb/{label}: {:.1} bytes per entry (Fdb), {:.1} (anchor hashbrown<u64,u64>)",
            table.memory_bytes() as f64 / n as f64,
            anchor.allocation_size() as f64 / n as f64
        );
        let idx = |i: &mut usize| {
            *i += 1;
            if *i == n {
                *i = 0;
            }
            *i
        };
        if std::env::var_os("FDB_BENCH_NO_SIM").is_none() {
            report_sync(label, n, &present);
        }
        if std::env::var_os("FDB_BENCH_CPU").is_some() {
            report_cpu(label, &mut table, &mut anchor, &present, &absent);
        }
        let mut g = c.benchmark_group(format!("fdb/{label}"));
        g.sample_size(20).measurement_time(Duration::from_secs(4));

        let mut i = 0;
        g.bench_function("lookup_hit/fdb", |b| {
            b.iter(|| {
                let (v, m) = split(present[idx(&mut i)]);
                black_box(table.lookup(v, m))
            });
        });
        g.bench_function("lookup_hit/anchor", |b| {
            b.iter(|| black_box(anchor.get(&present[idx(&mut i)]).copied()));
        });
        g.bench_function("lookup_miss/fdb", |b| {
            b.iter(|| {
                let (v, m) = split(absent[idx(&mut i)]);
                black_box(table.lookup(v, m))
            });
        });
        g.bench_function("lookup_miss/anchor", |b| {
            b.iter(|| black_box(anchor.get(&absent[idx(&mut i)]).copied()));
        });
        let now = T0 + Duration::from_secs(1);
        g.bench_function("refresh/fdb", |b| {
            b.iter(|| {
                let k = present[idx(&mut i)];
                let (v, m) = split(k);
                black_box(table.learn(now, v, m, port(k)))
            });
        });
        g.bench_function("refresh/anchor", |b| {
            b.iter(|| {
                let k = present[idx(&mut i)];
                if let Some(v) = anchor.get_mut(&k) {
                    *v = now.as_nanos() | (k % 48);
                }
            });
        });
        // Bursts of BURST keys (a receive batch): `lookup_many` / `learn_many` against the
        // anchor doing `get` / `get_mut` over the same keys; time per burst.
        for (name, keys_of) in [("lookup_hit", &present), ("lookup_miss", &absent)] {
            g.bench_function(format!("{name}_burst{BURST}/fdb"), |b| {
                b.iter(|| {
                    let mut burst = [(VlanId::MIN, MacAddr::ZERO); BURST];
                    for k in &mut burst {
                        *k = split(keys_of[idx(&mut i)]);
                    }
                    let mut out = [None; BURST];
                    table.lookup_many(&burst, &mut out);
                    black_box(out)
                });
            });
            g.bench_function(format!("{name}_burst{BURST}/anchor"), |b| {
                b.iter(|| {
                    let mut out = [None; BURST];
                    for o in &mut out {
                        *o = anchor.get(&keys_of[idx(&mut i)]).copied();
                    }
                    black_box(out)
                });
            });
        }
        g.bench_function(format!("refresh_burst{BURST}/fdb"), |b| {
            b.iter(|| {
                let mut burst = [(VlanId::MIN, MacAddr::ZERO, Location::Cpu); BURST];
                for f in &mut burst {
                    let k = present[idx(&mut i)];
                    let (v, m) = split(k);
                    *f = (v, m, port(k));
                }
                let mut out = [fdb::Learn::New; BURST];
                table.learn_many(now, &burst, &mut out);
                black_box(out)
            });
        });
        g.bench_function(format!("refresh_burst{BURST}/anchor"), |b| {
            b.iter(|| {
                for _ in 0..BURST {
                    let k = present[idx(&mut i)];
                    if let Some(v) = anchor.get_mut(&k) {
                        *v = now.as_nanos() | (k % 48);
                    }
                }
            });
        });
        g.bench_function("timeout_idle/fdb", |b| {
            b.iter(|| table.handle_timeout(black_box(now)));
        });

        // Whole-table passes: time per N entries.
        g.sample_size(10);
        g.bench_function("sweep_all/fdb", |b| {
            b.iter(|| black_box(table.sweep(black_box(now))));
        });
        g.bench_function("flush_none/fdb", |b| {
            let f = fdb::Flush::dynamic().on(Location::Port(PortNo(999)));
            b.iter(|| black_box(table.flush(black_box(&f))));
        });
        let limit = now.as_nanos().saturating_sub(300_000_000_000);
        g.bench_function("retain_all/anchor", |b| {
            b.iter(|| anchor.retain(|_, v| *v >= black_box(limit)));
        });
        assert_eq!(table.len(), n);
        assert_eq!(anchor.len(), n);

        g.bench_function("learn_new/fdb", |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let mut t = Fdb::with_capacity(config(n), n).expect("config");
                    let start = WallInstant::now();
                    for &k in &present {
                        let (v, m) = split(k);
                        let _ = black_box(t.learn(T0, v, m, port(k)));
                    }
                    total += start.elapsed();
                    drop(black_box(t));
                }
                total
            });
        });
        g.bench_function("learn_new/anchor", |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let mut h = Anchor::with_capacity_and_hasher(n, FixedState::with_seed(SEED));
                    let start = WallInstant::now();
                    for &k in &present {
                        black_box(h.insert(k, T0.as_nanos() | (k % 48)));
                    }
                    total += start.elapsed();
                    drop(black_box(h));
                }
                total
            });
        });

        // Snapshot encode: every chunk of a full snapshot, 1,500-octet messages.
        let mut buf = vec![0u8; 1500];
        let mut messages: Vec<Vec<u8>> = Vec::new();
        let mut wire_octets = 0usize;
        {
            let mut peer = Fdb::new(FdbConfig::new(1, 2)).expect("config");
            table.set_peer(now, PeerState::Up);
            peer.set_peer(now, PeerState::Up);
            let len = peer.poll_sync(now, &mut buf).expect("request");
            table
                .handle_sync(now, &buf[..len])
                .expect("request applies");
            while let Some(len) = table.poll_sync(now, &mut buf) {
                wire_octets += len;
                messages.push(buf[..len].to_vec());
            }
            eprintln!(
                "fdb/{label}: full snapshot {} messages, {wire_octets} octets, {:.2} octets per MAC",
                messages.len(),
                wire_octets as f64 / n as f64
            );
        }
        g.bench_function("snapshot_encode/fdb", |b| {
            let request = {
                let mut peer = Fdb::new(FdbConfig::new(1, 2)).expect("config");
                peer.set_peer(now, PeerState::Up);
                let len = peer.poll_sync(now, &mut buf).expect("request");
                buf[..len].to_vec()
            };
            b.iter(|| {
                table.handle_sync(now, &request).expect("request applies");
                let mut octets = 0;
                while let Some(len) = table.poll_sync(now, &mut buf) {
                    octets += len;
                }
                black_box(octets)
            });
        });
        g.bench_function("snapshot_encode/anchor", |b| {
            b.iter(|| {
                let mut octets = 0;
                let mut at = 0;
                let mut rec = [0u8; 12];
                for (&k, &v) in &anchor {
                    if at + 12 > buf.len() {
                        octets += at;
                        black_box(&buf);
                        at = 41;
                    }
                    anchor_record(k, v, &mut rec);
                    buf[at..at + 12].copy_from_slice(&rec);
                    at += 12;
                }
                black_box(octets + at)
            });
        });
        g.bench_function("snapshot_apply/fdb", |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let mut t = Fdb::with_capacity(config(n), n).expect("config");
                    t.set_peer(now, PeerState::Up);
                    let start = WallInstant::now();
                    for m in &messages {
                        let _ = black_box(t.handle_sync(now, m));
                    }
                    total += start.elapsed();
                    assert_eq!(t.len(), n);
                    drop(black_box(t));
                }
                total
            });
        });
        g.bench_function("snapshot_apply_other_seed/fdb", |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let mut cfg = config(n);
                    cfg.hash_seed = SEED ^ 1;
                    let mut t = Fdb::with_capacity(cfg, n).expect("config");
                    t.set_peer(now, PeerState::Up);
                    let start = WallInstant::now();
                    for m in &messages {
                        let _ = black_box(t.handle_sync(now, m));
                    }
                    total += start.elapsed();
                    assert_eq!(t.len(), n);
                    drop(black_box(t));
                }
                total
            });
        });
        g.bench_function("snapshot_apply/anchor", |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let mut h = Anchor::with_capacity_and_hasher(n, FixedState::with_seed(SEED));
                    let start = WallInstant::now();
                    for m in &messages {
                        if let Ok(Message::Snapshot { records, .. }) = Message::decode(m) {
                            for r in records {
                                h.insert(r.key.to_u64(), 1);
                            }
                        }
                    }
                    total += start.elapsed();
                    drop(black_box(h));
                }
                total
            });
        });

        // The flood: the table is full; every new MAC is refused.
        let mut flood = 0;
        g.sample_size(20);
        g.bench_function(BenchmarkId::new("flood_rejected", "fdb"), |b| {
            b.iter(|| {
                let (v, m) = split(absent[idx(&mut flood)]);
                black_box(table.learn(now, v, m, Location::Port(PortNo(1))))
            });
        });
        assert_eq!(table.len(), n);
        g.finish();
        let _ = wire::SEGMENTS;
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
