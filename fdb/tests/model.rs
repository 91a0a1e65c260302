//! Model-based tests: random operation sequences applied to an [`Fdb`] and to a plain
//! `BTreeMap` model of the documented semantics (learning, moves, dampening with freeze, limits
//! with both policies, static and own entries, flushes, ageing sweeps). Outcomes, lookups and
//! the full ordered listing must agree after every operation.

use core::time::Duration;
use std::collections::BTreeMap;

use fdb::{
    Fdb, FdbConfig, Flush, FullPolicy, Ignored, Key, Kind, Learn, Limit, Location, MlagId,
    MoveDampening,
};
use l2_types::{Instant, MacAddr, PortNo, VlanId};
use proptest::prelude::*;

#[derive(Clone, Debug)]
enum Op {
    Learn(u16, u64, Location),
    Static(u16, u64, Location),
    RemoveStatic(u16, u64),
    FlushOn(Location),
    FlushExcept(Location),
    FlushVlan(u16),
    FlushAll,
    Advance(u64),
}

fn location() -> impl Strategy<Value = Location> {
    prop_oneof![
        (1u16..5).prop_map(|p| Location::Port(PortNo(p))),
        (1u32..3).prop_map(|m| Location::Mlag(MlagId(m))),
        Just(Location::PeerPort),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        12 => (1u16..4, 0u64..24, location()).prop_map(|(v, m, l)| Op::Learn(v, m, l)),
        1 => (1u16..4, 0u64..24, prop_oneof![location(), Just(Location::Cpu)])
            .prop_map(|(v, m, l)| Op::Static(v, m, l)),
        1 => (1u16..4, 0u64..24).prop_map(|(v, m)| Op::RemoveStatic(v, m)),
        1 => location().prop_map(Op::FlushOn),
        1 => location().prop_map(Op::FlushExcept),
        1 => (1u16..4).prop_map(Op::FlushVlan),
        1 => Just(Op::FlushAll),
        4 => (0u64..3000).prop_map(Op::Advance),
    ]
}

#[derive(Clone, Copy, Debug, PartialEq)]
struct M {
    loc: Location,
    kind: Kind,
    last_seen: Instant,
    moves: u16,
    window_start: Instant,
    window_moves: u8,
    frozen: bool,
}

struct Model {
    cfg: FdbConfig,
    map: BTreeMap<(u16, u64), M>,
    now: Instant,
}

impl Model {
    fn dyn_count(&self, f: impl Fn(&(u16, u64), &M) -> bool) -> u32 {
        self.map
            .iter()
            .filter(|(k, m)| m.kind == Kind::Dynamic && f(k, m))
            .count() as u32
    }

    fn evict(&mut self, f: impl Fn(&(u16, u64), &M) -> bool, keep: (u16, u64)) -> bool {
        let victim = self
            .map
            .iter()
            .filter(|(k, m)| **k != keep && m.kind == Kind::Dynamic && f(k, m))
            .min_by_key(|(k, m)| (m.last_seen, (u64::from(k.0) << 48) | k.1))
            .map(|(k, _)| *k);
        match victim {
            Some(k) => {
                self.map.remove(&k);
                true
            }
            None => false,
        }
    }

    fn port_full(&self, loc: Location) -> bool {
        self.cfg
            .port_entries_max
            .is_some_and(|max| self.dyn_count(|_, m| m.loc == loc) >= max)
    }

    fn learn(&mut self, vid: u16, mac: u64, loc: Location) -> Learn {
        let key = (vid, mac);
        let now = self.now;
        let evict = self.cfg.when_full == FullPolicy::EvictOldest;
        if let Some(mut m) = self.map.get(&key).copied() {
            match m.kind {
                Kind::Static => return Learn::Ignored(Ignored::Static),
                Kind::Own => return Learn::Ignored(Ignored::Own),
                _ => {}
            }
            if m.loc == loc {
                m.last_seen = now;
                self.map.insert(key, m);
                return Learn::Refreshed;
            }
            if m.frozen {
                if now < m.window_start {
                    return Learn::Ignored(Ignored::Frozen);
                }
                m.frozen = false;
                m.window_start = now;
                m.window_moves = 0;
            }
            if self.port_full(loc) && !(evict && self.evict(|_, x| x.loc == loc, key)) {
                return Learn::Rejected(Limit::Port);
            }
            let mut flapping = false;
            if let Some(d) = self.cfg.move_dampening {
                // The window starts at the first move, and again once it has passed.
                if m.window_moves == 0 || now.saturating_duration_since(m.window_start) >= d.window
                {
                    m.window_start = now;
                    m.window_moves = 0;
                }
                m.window_moves = m.window_moves.saturating_add(1);
                if m.window_moves > d.moves_max {
                    flapping = true;
                    if let Some(fr) = d.freeze {
                        m.frozen = true;
                        m.window_start = now + fr;
                        self.map.insert(key, m);
                        return Learn::Ignored(Ignored::Frozen);
                    }
                }
            }
            let from = m.loc;
            m.loc = loc;
            m.last_seen = now;
            m.moves = m.moves.saturating_add(1);
            self.map.insert(key, m);
            return Learn::Moved { from, flapping };
        }
        if self.map.len() >= self.cfg.entries_max as usize
            && !(evict && self.evict(|_, _| true, key))
        {
            return Learn::Rejected(Limit::Table);
        }
        if self.port_full(loc) && !(evict && self.evict(|_, x| x.loc == loc, key)) {
            return Learn::Rejected(Limit::Port);
        }
        let vlan_full = self
            .cfg
            .vlan_entries_max
            .is_some_and(|max| self.dyn_count(|k, _| k.0 == vid) >= max);
        if vlan_full && !(evict && self.evict(|k, _| k.0 == vid, key)) {
            return Learn::Rejected(Limit::Vlan);
        }
        self.map.insert(
            key,
            M {
                loc,
                kind: Kind::Dynamic,
                last_seen: now,
                moves: 0,
                window_start: now,
                window_moves: 0,
                frozen: false,
            },
        );
        Learn::New
    }

    fn flush(&mut self, f: impl Fn(&(u16, u64), &M) -> bool) -> usize {
        let before = self.map.len();
        self.map.retain(|k, m| !f(k, m));
        before - self.map.len()
    }
}

fn vid(v: u16) -> VlanId {
    VlanId::try_new(v).unwrap()
}

fn mac(m: u64) -> MacAddr {
    MacAddr::from_u64(0x0200_0000_0000 | m)
}

fn run(cfg: FdbConfig, ops: &[Op]) -> Result<(), TestCaseError> {
    let mut t = Fdb::new(cfg).unwrap();
    let mut model = Model {
        cfg,
        map: BTreeMap::new(),
        now: Instant::from_secs(1),
    };
    let age = cfg.ageing_time.unwrap_or(Duration::MAX);
    for op in ops {
        let now = model.now;
        match *op {
            Op::Learn(v, m, l) => {
                let got = t.learn(now, vid(v), mac(m), l);
                let want = model.learn(v, m, l);
                prop_assert_eq!(got, want, "learn {:?}", op);
            }
            Op::Static(v, m, l) => {
                let got = t.insert_static(vid(v), mac(m), l);
                if l == Location::PeerPort {
                    prop_assert!(got.is_err());
                } else if !model.map.contains_key(&(v, m))
                    && model.map.len() >= cfg.entries_max as usize
                {
                    prop_assert!(got.is_err());
                } else {
                    prop_assert!(got.is_ok());
                    let kind = if l == Location::Cpu {
                        Kind::Own
                    } else {
                        Kind::Static
                    };
                    model.map.insert(
                        (v, m),
                        M {
                            loc: l,
                            kind,
                            last_seen: Instant::ZERO,
                            moves: 0,
                            window_start: Instant::ZERO,
                            window_moves: 0,
                            frozen: false,
                        },
                    );
                }
            }
            Op::RemoveStatic(v, m) => {
                let got = t.remove_static(vid(v), mac(m));
                let want = model
                    .map
                    .get(&(v, m))
                    .is_some_and(|x| x.kind != Kind::Dynamic);
                if want {
                    model.map.remove(&(v, m));
                }
                prop_assert_eq!(got, want);
            }
            Op::FlushOn(l) => {
                let got = t.flush(&Flush::dynamic().on(l));
                let want = model.flush(|_, x| x.kind == Kind::Dynamic && x.loc == l);
                prop_assert_eq!(got, want);
            }
            Op::FlushExcept(l) => {
                let got = t.flush(&Flush::dynamic().except(l));
                let want = model.flush(|_, x| x.kind == Kind::Dynamic && x.loc != l);
                prop_assert_eq!(got, want);
            }
            Op::FlushVlan(v) => {
                let got = t.flush(&Flush::dynamic().in_vlan(vid(v)));
                let want = model.flush(|k, x| x.kind == Kind::Dynamic && k.0 == v);
                prop_assert_eq!(got, want);
            }
            Op::FlushAll => {
                let mut f = Flush::dynamic();
                f.statics = true;
                let got = t.flush(&f);
                let want = model.flush(|_, x| x.kind != Kind::Own);
                prop_assert_eq!(got, want);
            }
            Op::Advance(ms) => {
                model.now = now + Duration::from_millis(ms);
                let now = model.now;
                let got = t.sweep(now);
                let want = model.flush(|_, x| x.kind == Kind::Dynamic && x.last_seen + age <= now);
                prop_assert_eq!(got, want, "sweep at {:?}", now);
            }
        }
        if let Err(e) = t.check_invariants() {
            return Err(TestCaseError::fail(format!("invariant: {e}")));
        }
        // Same listing, in the same (VLAN, MAC) order.
        let got: Vec<_> = t
            .entries()
            .map(|e| (e.key, e.location, e.kind, e.last_seen, e.moves, e.frozen))
            .collect();
        let want: Vec<_> = model
            .map
            .iter()
            .map(|(&(v, m), x)| {
                let dynamic = x.kind == Kind::Dynamic;
                (
                    Key::new(vid(v), mac(m)),
                    x.loc,
                    x.kind,
                    dynamic.then_some(x.last_seen),
                    if dynamic { x.moves } else { 0 },
                    x.frozen,
                )
            })
            .collect();
        prop_assert_eq!(got, want);
        for (&(v, m), x) in &model.map {
            let want = match x.loc {
                Location::Mlag(_) => Location::PeerPort, // no bond is up in this test
                l => l,
            };
            prop_assert_eq!(t.lookup(vid(v), mac(m)), Some(want));
        }
    }
    Ok(())
}

fn base() -> FdbConfig {
    let mut c = FdbConfig::new(7, 1);
    c.ageing_time = Some(Duration::from_secs(10));
    c
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn unlimited_table_matches_the_model(ops in proptest::collection::vec(op(), 1..200)) {
        let mut c = base();
        c.move_dampening = None;
        run(c, &ops)?;
    }

    #[test]
    fn limits_drop_new_match_the_model(ops in proptest::collection::vec(op(), 1..200)) {
        let mut c = base();
        c.entries_max = 20;
        c.port_entries_max = Some(6);
        c.vlan_entries_max = Some(9);
        run(c, &ops)?;
    }

    #[test]
    fn limits_evict_oldest_match_the_model(ops in proptest::collection::vec(op(), 1..200)) {
        let mut c = base();
        c.entries_max = 20;
        c.port_entries_max = Some(6);
        c.vlan_entries_max = Some(9);
        c.when_full = FullPolicy::EvictOldest;
        run(c, &ops)?;
    }

    #[test]
    fn dampening_matches_the_model(ops in proptest::collection::vec(op(), 1..200)) {
        let mut c = base();
        c.move_dampening = Some(MoveDampening {
            moves_max: 2,
            window: Duration::from_secs(3),
            freeze: Some(Duration::from_secs(4)),
        });
        run(c, &ops)?;
        c.move_dampening = Some(MoveDampening {
            moves_max: 1,
            window: Duration::from_secs(2),
            freeze: None,
        });
        run(c, &ops)?;
    }
}
