//! An operation language over a [`Bridge`], for fuzzers and property tests.
//!
//! [`decode_ops`] turns *any* byte string into `(delay, Op)` pairs (total: it never panics,
//! always terminates, every op consumes at least one octet) and [`apply`] performs one op. A
//! fuzz target is then:
//!
//! ```
//! use l2_types::Instant;
//! use stp::ops::{apply, decode_ops, setup};
//!
//! let data = [0x01, 0x02, 0x00, 0x10, 0x03, 0x40, 0x00, 0x05];
//! let mut bridge = setup(Instant::ZERO);
//! let mut now = Instant::ZERO;
//! for (delay, op) in decode_ops(&data) {
//!     now += delay;
//!     apply(&mut bridge, now, &op);
//!     bridge.check_invariants().unwrap();
//! }
//! ```
//!
//! BPDUs are built around three remote bridge identifiers and the bridge's own (so looped-back
//! BPDUs happen), ports are 1–6, and timer values stay near the defaults, so that random input
//! reaches deep protocol states rather than only the decoders. The bridge of [`setup`] runs MSTP
//! in region [`REGION`] with MSTIs 1 and 2; MST BPDUs come from the same region or another, with
//! MSTI configuration messages for MSTIs 1–3, and ops change the region (name, revision, VLAN
//! map), MSTI bridge priorities, MSTI port priorities and internal path costs, and the CIST
//! internal path cost.

use alloc::vec::Vec;

use crate::bridge::Bridge;
use crate::config::{AdminP2p, BridgeConfig, ForceVersion, LinkState, PathCost, PortConfig};
use crate::wire::{Bpdu, BpduFlags, BpduFrame, BpduTime, BridgeId, ConfigBpdu, PortId, RstBpdu};
use l2_types::{Duration, Instant, MacAddr, PortNo};

/// The bridge address [`setup`] uses.
pub const OWN_ADDRESS: MacAddr = MacAddr([0x02, 0, 0, 0, 0, 0x10]);
/// The MST region [`setup`] configures: this name, revision 1, VLAN 10 → MSTI 1, VLAN 20 →
/// MSTI 2.
pub const REGION: &str = "ops";

/// The region maps [`Op::SetRegion`] chooses from (VLAN → MSTID pairs).
const MAPS: [&[(u16, u16)]; 4] = [
    &[(10, 1), (20, 2)],
    &[],
    &[(10, 1), (20, 2), (30, 3)],
    &[(10, 2), (20, 1)],
];

/// The remote bridge addresses BPDUs are built with.
pub const REMOTE: [MacAddr; 3] = [
    MacAddr([0x02, 0, 0, 0, 0, 0x01]),
    MacAddr([0x02, 0, 0, 0, 0, 0x20]),
    MacAddr([0x02, 0, 0, 0, 0, 0x30]),
];

/// One operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    /// Receive a well-formed BPDU.
    Bpdu {
        /// Receiving port.
        port: PortNo,
        /// 0 Config, 1 TCN, 2 RST; 3 RST with a root sequencing trailer (the sequence number is
        /// the flags' upper nibble), 4 the same with a request for the BPDU's root (the next
        /// sequence number, the flags' lower nibble as hops).
        kind: u8,
        /// The body.
        body: ConfigBpdu,
    },
    /// Receive arbitrary frame bytes.
    Raw {
        /// Receiving port.
        port: PortNo,
        /// The frame.
        frame: Vec<u8>,
    },
    /// Change a link.
    Link {
        /// The port.
        port: PortNo,
        /// The new state.
        link: LinkState,
    },
    /// Fire timers.
    Timeout,
    /// Reconfigure a port.
    SetPort {
        /// The port.
        port: PortNo,
        /// The configuration.
        cfg: PortConfig,
    },
    /// Reconfigure the bridge.
    SetBridge {
        /// The configuration.
        cfg: BridgeConfig,
    },
    /// mcheck.
    Mcheck {
        /// The port.
        port: PortNo,
    },
    /// Clear BPDU guard.
    ClearGuard {
        /// The port.
        port: PortNo,
    },
    /// Remove a port (and add it back with defaults if it is missing).
    TogglePort {
        /// The port.
        port: PortNo,
    },
    /// Drain frames and events.
    Drain,
    /// Receive an MST BPDU.
    Mst {
        /// Receiving port.
        port: PortNo,
        /// The CIST part (the bridge identifier slot holds the CIST Regional Root).
        cist: ConfigBpdu,
        /// From this bridge's region ([`REGION`] with the current map) or another.
        same_region: bool,
        /// CIST Internal Root Path Cost.
        internal_cost: u32,
        /// CIST Bridge Identifier (the transmitting bridge).
        cist_bridge_id: BridgeId,
        /// CIST Remaining Hops.
        hops: u8,
        /// MSTI messages: (MSTID, flags, regional root, internal root path cost, bridge
        /// priority, port priority, remaining hops).
        mstis: Vec<(u16, u8, BridgeId, u32, u8, u8, u8)>,
    },
    /// Set the MST region: name (`ops` or another), revision and one of a few VLAN maps.
    SetRegion {
        /// Use [`REGION`] (else `other`).
        ours: bool,
        /// Revision level.
        revision: u16,
        /// Which map.
        map: u8,
    },
    /// Set an MSTI's bridge priority.
    SetMstiPriority {
        /// MSTID (1–3; 3 exists only with some maps).
        mstid: u16,
        /// Priority (any value: invalid ones are refused).
        priority: u16,
    },
    /// Set a port's MSTI port priority and internal path cost.
    SetMstiPort {
        /// The port.
        port: PortNo,
        /// MSTID.
        mstid: u16,
        /// Port priority (any value: invalid ones are refused).
        priority: u8,
        /// Internal path cost (`None`: the CIST internal cost).
        path_cost: Option<u32>,
    },
}

/// The VLAN map number `n` of [`Op::SetRegion`].
fn map(n: u8) -> crate::wire::VidToMstid {
    let mut t = crate::wire::VidToMstid::all_cist();
    for &(vid, mstid) in MAPS
        .get(usize::from(n) % MAPS.len())
        .copied()
        .unwrap_or_default()
    {
        t.set(vid, mstid);
    }
    t
}

/// An MSTP bridge in region [`REGION`] (MSTIs 1 and 2) with ports 1–6, links up at 1 Gb/s
/// full duplex.
pub fn setup(now: Instant) -> Bridge {
    let mut cfg = BridgeConfig::new(OWN_ADDRESS);
    cfg.priority = 32768;
    cfg.force_version = ForceVersion::Mstp;
    // The defaults are valid.
    let mut b = Bridge::build(cfg);
    let _ = b.set_mst_region(REGION, 1, &map(0));
    for n in 1..=6u16 {
        let _ = b.add_port(now, PortNo(n), port_config(n));
        b.handle_link(
            now,
            PortNo(n),
            LinkState::Up {
                speed_mbps: 1000,
                full_duplex: true,
            },
        );
    }
    b
}

fn port_config(n: u16) -> PortConfig {
    PortConfig::new(MacAddr([0x02, 0x10, 0, 0, 0, n.to_be_bytes()[1]]))
}

/// Performs one op; errors are the bridge's to count.
pub fn apply(b: &mut Bridge, now: Instant, op: &Op) {
    let mut buf = [0u8; 1514];
    match op {
        Op::Bpdu { port, kind, body } => {
            let bpdu = match kind {
                0 => Bpdu::Config {
                    version: 0,
                    bpdu: *body,
                },
                1 => Bpdu::Tcn { version: 0 },
                _ => Bpdu::Rst(RstBpdu {
                    version: 2,
                    bpdu: *body,
                    version_1_length: 0,
                }),
            };
            let seq = u32::from(body.flags.bits() >> 4);
            let trailer = (*kind >= 3).then(|| {
                crate::wire::RootSeqTrailer {
                    root_seq: Some(seq),
                    request: (*kind == 4).then_some(crate::wire::SeqRequest {
                        root: body.root_id,
                        seq: seq.wrapping_add(1),
                        hops: body.flags.bits() & 0x0f,
                    }),
                }
                .to_bytes()
            });
            let trailer = trailer.as_ref().map_or(&[][..], |t| &t[..]);
            if let Ok(n) = BpduFrame::emit_with_trailer(REMOTE[1], &bpdu, trailer, &mut buf) {
                let _ = b.handle_frame(now, *port, buf.get(..n).unwrap_or_default());
            }
        }
        Op::Raw { port, frame } => {
            let _ = b.handle_frame(now, *port, frame);
        }
        Op::Link { port, link } => b.handle_link(now, *port, *link),
        Op::Timeout => b.handle_timeout(now),
        Op::SetPort { port, cfg } => {
            let _ = b.set_port_config(now, *port, *cfg);
        }
        Op::SetBridge { cfg } => {
            let _ = b.set_bridge_config(now, *cfg);
        }
        Op::Mcheck { port } => {
            let _ = b.mcheck(now, *port);
        }
        Op::ClearGuard { port } => {
            let _ = b.clear_guard(now, *port);
        }
        Op::TogglePort { port } => {
            if b.remove_port(now, *port).is_err() {
                let _ = b.add_port(now, *port, port_config(port.get()));
            }
        }
        Op::Drain => {
            while b.poll_transmit(&mut buf).is_some() {}
            while b.poll_event().is_some() {}
        }
        Op::Mst {
            port,
            cist,
            same_region,
            internal_cost,
            cist_bridge_id,
            hops,
            mstis,
        } => {
            let msgs: Vec<crate::wire::MstiConfigMessage> = mstis
                .iter()
                .map(|&(mstid, flags, root, cost, bprio, pprio, hops)| {
                    crate::wire::MstiConfigMessage {
                        flags: BpduFlags::from_bits_retain(flags),
                        regional_root_id: BridgeId::new(root.priority(), mstid, root.address()),
                        internal_root_path_cost: cost,
                        bridge_priority: bprio & 0xF0,
                        port_priority: pprio & 0xF0,
                        remaining_hops: hops,
                    }
                })
                .collect();
            let mut records = [0u8; 64 * crate::wire::bpdu::MSTI_LEN];
            let n = crate::wire::MstiMessages::encode(&msgs, &mut records).unwrap_or(0);
            let mcid = if *same_region {
                *b.mst_config_id()
            } else {
                crate::wire::MstConfigId::new("elsewhere", 7, &map(0))
            };
            let bpdu = Bpdu::Mst(crate::wire::MstBpdu {
                version: 3,
                cist: *cist,
                version_1_length: 0,
                mcid,
                cist_internal_root_path_cost: *internal_cost,
                cist_bridge_id: *cist_bridge_id,
                cist_remaining_hops: *hops,
                mstis: records
                    .get(..n)
                    .and_then(|r| crate::wire::MstiMessages::new(r).ok())
                    .unwrap_or(crate::wire::MstiMessages::EMPTY),
            });
            if let Ok(n) = BpduFrame::emit(REMOTE[1], &bpdu, &mut buf) {
                let _ = b.handle_frame(now, *port, buf.get(..n).unwrap_or_default());
            }
        }
        Op::SetRegion {
            ours,
            revision,
            map: m,
        } => {
            let name = if *ours { REGION } else { "other" };
            let _ = b.set_mst_region(name, *revision, &map(*m));
        }
        Op::SetMstiPriority { mstid, priority } => {
            let _ = b.set_msti_priority(now, *mstid, *priority);
        }
        Op::SetMstiPort {
            port,
            mstid,
            priority,
            path_cost,
        } => {
            let _ = b.set_msti_port(now, *port, *mstid, *priority, *path_cost);
        }
    }
}

/// Decodes operations from arbitrary bytes; see the [module docs](self).
pub fn decode_ops(bytes: &[u8]) -> impl Iterator<Item = (Duration, Op)> + '_ {
    let mut r = Bytes(bytes);
    core::iter::from_fn(move || {
        let tag = r.next_u8()?;
        let delay = r.delay();
        Some((delay, r.op(tag)))
    })
}

struct Bytes<'a>(&'a [u8]);

impl Bytes<'_> {
    fn next_u8(&mut self) -> Option<u8> {
        let (first, rest) = self.0.split_first()?;
        self.0 = rest;
        Some(*first)
    }

    fn u8(&mut self) -> u8 {
        self.next_u8().unwrap_or(0)
    }

    fn delay(&mut self) -> Duration {
        match self.u8() {
            d @ 0..=199 => Duration::from_millis(u64::from(d) * 50),
            d => Duration::from_secs(u64::from(d - 199) * 4),
        }
    }

    fn port(&mut self) -> PortNo {
        PortNo(1 + u16::from(self.u8() % 6))
    }

    fn bridge(&mut self) -> BridgeId {
        let x = self.u8();
        let addr = match x % 4 {
            0 => OWN_ADDRESS,
            i => REMOTE
                .get(usize::from(i - 1))
                .copied()
                .unwrap_or(OWN_ADDRESS),
        };
        BridgeId::new(u16::from(x >> 4) * 4096, 0, addr)
    }

    fn secs(&mut self, base: u8) -> BpduTime {
        let x = self.u8();
        BpduTime(u16::from(base.saturating_add(x % 8)) * 256 + u16::from(x >> 3) % 2 * 128)
    }

    fn cist(&mut self) -> ConfigBpdu {
        let flags = BpduFlags::from_bits_retain(self.u8());
        let root = self.bridge();
        let root_path_cost = u32::from(self.u8()) * 1000;
        let bridge_id = self.bridge();
        let port_id = PortId::new(128, u16::from(self.u8() % 8));
        ConfigBpdu {
            flags,
            root_id: root,
            root_path_cost,
            bridge_id,
            port_id,
            message_age: self.secs(0),
            max_age: self.secs(17),
            hello_time: self.secs(1),
            forward_delay: self.secs(12),
        }
    }

    fn op(&mut self, tag: u8) -> Op {
        match tag % 16 {
            12 | 13 => {
                let port = self.port();
                let cist = self.cist();
                let x = self.u8();
                let internal_cost = u32::from(self.u8()) * 1000;
                let cist_bridge_id = self.bridge();
                let hops = self.u8() % 24;
                let n = usize::from(x >> 5);
                let mut mstis = Vec::with_capacity(n);
                for _ in 0..n {
                    let y = self.u8();
                    let mstid = 1 + u16::from(y % 3);
                    let flags = self.u8();
                    let root = self.bridge();
                    let cost = u32::from(self.u8()) * 1000;
                    let prio = self.u8();
                    mstis.push((mstid, flags, root, cost, prio, prio << 4, (y >> 2) % 24));
                }
                Op::Mst {
                    port,
                    cist,
                    same_region: x & 3 != 0,
                    internal_cost,
                    cist_bridge_id,
                    hops,
                    mstis,
                }
            }
            14 => {
                let x = self.u8();
                match x % 8 {
                    0 => Op::SetRegion {
                        ours: x & 8 == 0,
                        revision: u16::from(x >> 6),
                        map: (x >> 4) % 4,
                    },
                    1..=3 => Op::SetMstiPriority {
                        mstid: 1 + u16::from((x >> 3) % 3),
                        priority: u16::from(self.u8()) << 8,
                    },
                    _ => {
                        let port = self.port();
                        let y = self.u8();
                        Op::SetMstiPort {
                            port,
                            mstid: 1 + u16::from((x >> 3) % 3),
                            priority: y & 0xF8,
                            path_cost: (y & 1 != 0).then(|| u32::from(self.u8()) * 1000),
                        }
                    }
                }
            }
            15 => Op::Timeout,
            0..=3 => {
                let port = self.port();
                let kind = self.u8() % 5;
                let flags = BpduFlags::from_bits_retain(self.u8());
                let root = self.bridge();
                let root_path_cost = u32::from(self.u8()) * 1000;
                let bridge_id = self.bridge();
                let port_id = PortId::new(128, u16::from(self.u8() % 8));
                Op::Bpdu {
                    port,
                    kind,
                    body: ConfigBpdu {
                        flags,
                        root_id: root,
                        root_path_cost,
                        bridge_id,
                        port_id,
                        message_age: self.secs(0),
                        max_age: self.secs(17),
                        hello_time: self.secs(1),
                        forward_delay: self.secs(12),
                    },
                }
            }
            4 => {
                let port = self.port();
                let n = usize::from(self.u8() % 80);
                let mut frame = Vec::with_capacity(n);
                for _ in 0..n {
                    frame.push(self.u8());
                }
                Op::Raw { port, frame }
            }
            5 => {
                let port = self.port();
                let x = self.u8();
                let link = if x.is_multiple_of(3) {
                    LinkState::Down
                } else {
                    LinkState::Up {
                        speed_mbps: 10u32.pow(1 + u32::from(x >> 6)),
                        full_duplex: x & 4 != 0,
                    }
                };
                Op::Link { port, link }
            }
            6 | 7 => Op::Timeout,
            8 => {
                let port = self.port();
                let x = self.u8();
                let y = self.u8();
                let mut cfg = port_config(port.get());
                cfg.admin_edge = x & 1 != 0;
                cfg.auto_edge = x & 2 != 0;
                cfg.bpdu_guard = x & 4 != 0;
                cfg.root_guard = x & 8 != 0;
                cfg.loop_guard = x & 16 != 0;
                cfg.bpdu_filter = x & 32 != 0;
                cfg.restricted_tcn = x & 64 != 0;
                cfg.bridge_assurance = x & 128 != 0;
                cfg.enabled = y & 1 == 0;
                cfg.point_to_point = match (y >> 1) % 3 {
                    0 => AdminP2p::Auto,
                    1 => AdminP2p::ForceTrue,
                    _ => AdminP2p::ForceFalse,
                };
                cfg.priority = (y >> 4) * 16;
                cfg.path_cost = if y & 8 != 0 {
                    PathCost::Fixed(u32::from(y) * 100 + 1)
                } else {
                    PathCost::Auto
                };
                let z = self.u8();
                cfg.internal_path_cost = match z % 4 {
                    0 | 1 => None,
                    2 => Some(PathCost::Auto),
                    _ => Some(PathCost::Fixed(u32::from(z) * 1000)),
                };
                Op::SetPort { port, cfg }
            }
            9 => {
                let x = self.u8();
                let mut cfg = BridgeConfig::new(OWN_ADDRESS);
                cfg.priority = u16::from(x >> 4) * 4096;
                cfg.force_version = match x % 3 {
                    0 => ForceVersion::Stp,
                    1 => ForceVersion::Rstp,
                    _ => ForceVersion::Mstp,
                };
                cfg.tx_hold_count = 1 + (x >> 2) % 10;
                cfg.stale_info_aging = x & 2 != 0;
                cfg.root_sequencing = x & 8 != 0;
                Op::SetBridge { cfg }
            }
            10 => {
                let port = self.port();
                if self.u8() & 1 == 0 {
                    Op::Mcheck { port }
                } else {
                    Op::ClearGuard { port }
                }
            }
            _ => {
                let port = self.port();
                if self.u8() & 1 == 0 {
                    Op::TogglePort { port }
                } else {
                    Op::Drain
                }
            }
        }
    }
}
