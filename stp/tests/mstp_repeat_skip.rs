//! The repeated-MST-BPDU skip (a byte-identical MST BPDU only restarts the MSTIs'
//! rcvdInfoWhile when all of them took the REPEATED_DESIGNATED fast path last time) must not
//! change the outcome: two identical MSTP bridges get the same random inputs, except that
//! bridge B's MSTI records alternate between ascending and descending MSTID order, so B never
//! sees the same bytes twice in a row on a port and always takes the per-MSTI path. Frames,
//! events, deadlines, fingerprints and every MSTI role and state must stay equal. Every 97
//! steps bridge A is replaced by `Bridge::restore` of its snapshot, which must keep the skip's
//! records.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::expect_used,
    clippy::panic
)]

use l2_types::{Duration, Instant, MacAddr, PortNo};
use stp::wire::{
    Bpdu, BpduFlags, BpduFrame, BpduTime, BridgeId, ConfigBpdu, MstBpdu, MstConfigId,
    MstiConfigMessage, MstiMessages, PortId, VidToMstid,
};
use stp::*;

const MSTIS: u16 = 4;
const PORTS: u16 = 3;

struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn table() -> VidToMstid {
    let mut t = VidToMstid::all_cist();
    for m in 1..=MSTIS {
        t.set(m * 10, m);
    }
    t
}

fn bridge() -> Bridge {
    let mut c = BridgeConfig::new(MacAddr([2, 0, 0, 0, 0, 0x10]));
    c.force_version = ForceVersion::Mstp;
    c.priority = 8192;
    let mut b = Bridge::new(c).unwrap();
    b.set_mst_region("skip", 1, &table()).unwrap();
    for p in 1..=PORTS {
        b.add_port(
            Instant::ZERO,
            PortNo(p),
            PortConfig::new(MacAddr([2, 1, 0, 0, 0, p as u8])),
        )
        .unwrap();
        b.handle_link(
            Instant::ZERO,
            PortNo(p),
            LinkState::Up {
                speed_mbps: 1000,
                full_duplex: true,
            },
        );
    }
    b
}

/// What a neighbour on one port currently says.
#[derive(Clone)]
struct Nbr {
    flags: BpduFlags,
    cist_cost: u32,
    prio: u16,
    msti: Vec<(BpduFlags, u32, u8, u8)>,
}

fn frame(port: u16, n: &Nbr, reversed: bool) -> Vec<u8> {
    let root = BridgeId::new(0, 0, MacAddr([2, 0, 0, 0, 0, 1]));
    let designated = BridgeId::new(n.prio, 0, MacAddr([2, 0, 0, 1, 0, port as u8]));
    let mut msgs: Vec<MstiConfigMessage> = (1..=MSTIS)
        .map(|m| {
            let (flags, cost, bprio, hops) = n.msti[usize::from(m - 1)];
            MstiConfigMessage {
                flags,
                regional_root_id: BridgeId::new(0, m, root.address()),
                internal_root_path_cost: cost,
                bridge_priority: bprio,
                port_priority: 128,
                remaining_hops: hops,
            }
        })
        .collect();
    if reversed {
        msgs.reverse();
    }
    let mut records = [0u8; 16 * MSTIS as usize];
    let len = MstiMessages::encode(&msgs, &mut records).unwrap();
    let bpdu = Bpdu::Mst(MstBpdu {
        version: 3,
        cist: ConfigBpdu {
            flags: n.flags,
            root_id: root,
            root_path_cost: 0,
            bridge_id: root,
            port_id: PortId::new(128, 1),
            message_age: BpduTime::from_secs(0),
            max_age: BpduTime::from_secs(20),
            hello_time: BpduTime::from_secs(2),
            forward_delay: BpduTime::from_secs(15),
        },
        version_1_length: 0,
        mcid: MstConfigId::new("skip", 1, &table()),
        cist_internal_root_path_cost: n.cist_cost,
        cist_bridge_id: designated,
        cist_remaining_hops: 19,
        mstis: MstiMessages::new(&records[..len]).unwrap(),
    });
    let mut buf = [0u8; 512];
    let len = BpduFrame::emit(designated.address(), &bpdu, &mut buf).unwrap();
    buf[..len].to_vec()
}

fn flags(rng: &mut Lcg) -> BpduFlags {
    let mut f = BpduFlags::from_bits_retain(0x0c) | BpduFlags::LEARNING | BpduFlags::FORWARDING;
    if rng.below(2) == 0 {
        f |= BpduFlags::AGREEMENT;
    }
    if rng.below(8) == 0 {
        f |= BpduFlags::PROPOSAL;
    }
    if rng.below(10) == 0 {
        f |= BpduFlags::TOPOLOGY_CHANGE;
    }
    if rng.below(10) == 0 {
        f |= BpduFlags::TOPOLOGY_CHANGE_ACK;
    }
    f
}

fn observe(b: &mut Bridge) -> String {
    let mut s = format!("fp {:x} next {:?}\n", b.fingerprint(), b.poll_timeout());
    let mut buf = [0u8; 1514];
    while let Some(t) = b.poll_transmit(&mut buf) {
        s += &format!("tx {:?} {:?}\n", t.port, &buf[..t.len]);
    }
    while let Some(e) = b.poll_event() {
        s += &format!("ev {e:?}\n");
    }
    for p in 1..=PORTS {
        for m in 1..=MSTIS {
            s += &format!("{p}/{m} {:?}\n", b.msti_port(PortNo(p), m));
        }
    }
    s
}

/// One random run; the number of repeated-BPDU skips bridge A took.
fn run(seed: u64) -> u64 {
    let mut rng = Lcg(seed);
    let (mut a, mut b) = (bridge(), bridge());
    let mut nbrs: Vec<Nbr> = (1..=PORTS)
        .map(|p| Nbr {
            flags: BpduFlags::from_bits_retain(0x0c)
                | BpduFlags::LEARNING
                | BpduFlags::FORWARDING
                | BpduFlags::AGREEMENT,
            cist_cost: u32::from(p) * 1000,
            prio: 4096 * p,
            msti: (0..MSTIS)
                .map(|_| {
                    (
                        BpduFlags::from_bits_retain(0x0c) | BpduFlags::AGREEMENT,
                        u32::from(p) * 1000,
                        0x10 * p as u8,
                        19,
                    )
                })
                .collect(),
        })
        .collect();
    let mut flip = [false; PORTS as usize];
    let mut now = Instant::ZERO;
    for step in 0..1500 {
        let p = rng.below(u64::from(PORTS)) as usize;
        match rng.below(110) {
            0..=69 => {
                // The neighbour repeats itself.
            }
            70..=79 => {
                let k = rng.below(u64::from(MSTIS)) as usize;
                let f = flags(&mut rng);
                let m = &mut nbrs[p].msti[k];
                m.0 = f;
                if rng.below(3) == 0 {
                    m.1 = rng.below(4) as u32 * 1000;
                }
                if rng.below(4) == 0 {
                    m.3 = [19, 2, 1, 0][rng.below(4) as usize];
                }
            }
            80..=83 => nbrs[p].flags = flags(&mut rng),
            84..=85 => nbrs[p].cist_cost = rng.below(4) as u32 * 1000,
            86..=95 => {
                now += Duration::from_millis(rng.below(3000));
                a.handle_timeout(now);
                b.handle_timeout(now);
                let (oa, ob) = (observe(&mut a), observe(&mut b));
                assert_eq!(oa, ob, "seed {seed} step {step}: timers");
                continue;
            }
            100..=104 => {
                // An MSTI's bridge priority changes (the tree selects again).
                let m = 1 + rng.below(u64::from(MSTIS)) as u16;
                let prio = [4096, 8192, 32768][rng.below(3) as usize];
                a.set_msti_priority(now, m, prio).unwrap();
                b.set_msti_priority(now, m, prio).unwrap();
                let (oa, ob) = (observe(&mut a), observe(&mut b));
                assert_eq!(oa, ob, "seed {seed} step {step}: msti priority");
                continue;
            }
            105..=109 => {
                // A port's MSTI priority or internal cost changes.
                let m = 1 + rng.below(u64::from(MSTIS)) as u16;
                let prio = [64, 128, 192][rng.below(3) as usize];
                let cost = [None, Some(500), Some(50_000)][rng.below(3) as usize];
                let port = PortNo(p as u16 + 1);
                a.set_msti_port(now, port, m, prio, cost).unwrap();
                b.set_msti_port(now, port, m, prio, cost).unwrap();
                let (oa, ob) = (observe(&mut a), observe(&mut b));
                assert_eq!(oa, ob, "seed {seed} step {step}: msti port");
                continue;
            }
            _ => {
                let up = rng.below(2) == 0;
                let link = if up {
                    LinkState::Up {
                        speed_mbps: 1000,
                        full_duplex: true,
                    }
                } else {
                    LinkState::Down
                };
                a.handle_link(now, PortNo(p as u16 + 1), link);
                b.handle_link(now, PortNo(p as u16 + 1), link);
                let (oa, ob) = (observe(&mut a), observe(&mut b));
                assert_eq!(oa, ob, "seed {seed} step {step}: link");
                continue;
            }
        }
        if step % 97 == 0 {
            // A goes on as a bridge restored from its snapshot (the repeated-BPDU record and
            // the deferred restarts included): nothing observable may change.
            let bytes = a.snapshot(now);
            a = Bridge::restore(&bytes, now).unwrap();
        }
        let port = PortNo(p as u16 + 1);
        flip[p] = !flip[p];
        let ra = a.handle_frame(now, port, &frame(p as u16 + 1, &nbrs[p], false));
        let rb = b.handle_frame(now, port, &frame(p as u16 + 1, &nbrs[p], flip[p]));
        assert_eq!(ra, rb, "seed {seed} step {step}");
        let (oa, ob) = (observe(&mut a), observe(&mut b));
        assert_eq!(oa, ob, "seed {seed} step {step}: frame on {port:?}");
        a.check_invariants().unwrap();
    }
    // The skip was taken by bridge A, which saw repeats, and never by B.
    assert_eq!(b.stats().msti_skips, 0, "seed {seed}");
    a.stats().msti_skips
}

#[test]
fn repeated_bpdu_skip_changes_nothing() {
    let skips: u64 = (1..=6).map(run).sum();
    // The differential test means something only if the skip ran often.
    assert!(skips > 150, "the skip ran {skips} times");
}
