//! An operation language over a [`System`], for fuzzers and property tests.
//!
//! [`decode_ops`] turns *any* byte string into a sequence of `(delay, Op)` pairs (it is total:
//! it never panics and always terminates, every op consuming at least one octet), and [`apply`]
//! performs one op. A fuzz target is then:
//!
//! ```
//! use lacp::ops::{apply, decode_ops, setup};
//! use l2_types::Instant;
//!
//! let data = [0x05, 0x01, 0x02, 0x00, 0x10, 0x03];
//! let mut sys = setup(Instant::ZERO);
//! let mut now = Instant::ZERO;
//! for (delay, op) in decode_ops(&data) {
//!     now += delay;
//!     apply(&mut sys, now, &op);
//!     sys.check_invariants().unwrap();
//! }
//! ```
//!
//! Ports are 1–6, LAGs 1–3, and frames are built around a small set of System IDs (two remote
//! ones and the System's own, so loopback happens too) so that random input reaches deep
//! protocol states rather than only the decoders.

use alloc::vec::Vec;

use crate::config::{
    Activity, Aggregation, Fallback, LacpTimeout, LagConfig, LagId, LinkState, MuxControl,
    PortConfig, SelectionPolicy, SystemConfig, SystemIdentity,
};
use crate::system::System;
use crate::wire::{
    EthernetRepr, LacpduRepr, MarkerKind, MarkerRepr, PortInfo, PortState, SlowPdu, Tlvs,
};
use l2_types::{Duration, Instant, MacAddr, PortNo};

/// The System MAC [`setup`] uses.
pub const OWN_SYSTEM: MacAddr = MacAddr([0x02, 0, 0, 0, 0, 0x01]);
/// The remote System MACs frames are built with.
pub const REMOTE_SYSTEMS: [MacAddr; 2] = [
    MacAddr([0x02, 0, 0, 0, 0, 0xaa]),
    MacAddr([0x02, 0, 0, 0, 0, 0xbb]),
];

/// One operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    /// Receive a well-formed LACPDU.
    Lacpdu {
        /// Receiving port.
        port: PortNo,
        /// Actor information.
        actor: PortInfo,
        /// Partner information.
        partner: PortInfo,
    },
    /// Receive a Marker (or Marker Response) PDU.
    Marker {
        /// Receiving port.
        port: PortNo,
        /// A Marker Response rather than a Marker.
        response: bool,
        /// Requester_Transaction_ID.
        transaction: u32,
    },
    /// Receive a valid LACPDU frame truncated to `len` octets.
    Truncated {
        /// Receiving port.
        port: PortNo,
        /// Length kept.
        len: usize,
    },
    /// Receive arbitrary bytes.
    Raw {
        /// Receiving port.
        port: PortNo,
        /// The frame.
        bytes: Vec<u8>,
    },
    /// A link event.
    Link {
        /// The port.
        port: PortNo,
        /// Its new state.
        link: LinkState,
    },
    /// Call `handle_timeout`.
    Timeout,
    /// Add a LAG.
    AddLag {
        /// The LAG.
        lag: LagId,
        /// Its configuration.
        cfg: LagConfig,
    },
    /// Remove a LAG.
    RemoveLag {
        /// The LAG.
        lag: LagId,
    },
    /// Reconfigure a LAG.
    SetLag {
        /// The LAG.
        lag: LagId,
        /// Its configuration.
        cfg: LagConfig,
    },
    /// Add a port.
    AddPort {
        /// The port.
        port: PortNo,
        /// Its configuration.
        cfg: PortConfig,
    },
    /// Remove a port.
    RemovePort {
        /// The port.
        port: PortNo,
    },
    /// Reconfigure a port.
    SetPort {
        /// The port.
        port: PortNo,
        /// Its configuration.
        cfg: PortConfig,
    },
    /// Reconfigure the system.
    SetSystem {
        /// The configuration.
        cfg: SystemConfig,
    },
    /// Drain transmits and events.
    Drain,
}

/// A System with [`OWN_SYSTEM`], LAGs 1–2 (keys 1 and 2) and ports 1–4 (two per LAG), links
/// up: the usual starting point for [`decode_ops`] sequences.
pub fn setup(now: Instant) -> System {
    let mut sys = System::new(SystemConfig::new(OWN_SYSTEM));
    for lag in 1..=2u32 {
        let _ = sys.add_lag(now, LagId(lag), LagConfig::new(lag as u16));
    }
    for port in 1..=4u16 {
        let lag = LagId(u32::from(port).div_ceil(2));
        let _ = sys.add_port(now, PortNo(port), port_config(port, lag));
        sys.handle_link(
            now,
            PortNo(port),
            LinkState::Up {
                speed_mbps: 1000,
                full_duplex: true,
            },
        );
    }
    sys
}

fn port_config(port: u16, lag: LagId) -> PortConfig {
    PortConfig::new(MacAddr([0x02, 0, 0, 0, 1, port as u8]), lag, port)
}

/// Builds the Ethernet frame for a LACPDU (used by [`Op::Lacpdu`]); `buf` needs 124 octets.
pub fn lacpdu_frame(src: MacAddr, actor: PortInfo, partner: PortInfo, buf: &mut [u8]) -> usize {
    let pdu = LacpduRepr {
        version: 1,
        actor,
        partner,
        collector_max_delay: 0,
        tlvs: Tlvs::EMPTY,
    };
    SlowPdu::Lacp(pdu)
        .emit_frame(&EthernetRepr::slow_protocols(src), buf)
        .unwrap_or(0)
}

/// Performs one operation, ignoring the errors it returns (they are counted by the System).
pub fn apply(sys: &mut System, now: Instant, op: &Op) {
    let mut buf = [0u8; 1514];
    match op {
        Op::Lacpdu {
            port,
            actor,
            partner,
        } => {
            let n = lacpdu_frame(actor.system, *actor, *partner, &mut buf);
            let _ = sys.handle_frame(now, *port, buf.get(..n).unwrap_or(&[]));
        }
        Op::Marker {
            port,
            response,
            transaction,
        } => {
            let m = MarkerRepr {
                kind: if *response {
                    MarkerKind::Response
                } else {
                    MarkerKind::Information
                },
                version: 1,
                requester_port: 7,
                requester_system: REMOTE_SYSTEMS[0],
                requester_transaction_id: *transaction,
                pad: 0,
            };
            let n = SlowPdu::Marker(m)
                .emit_frame(&EthernetRepr::slow_protocols(REMOTE_SYSTEMS[0]), &mut buf)
                .unwrap_or(0);
            let _ = sys.handle_frame(now, *port, buf.get(..n).unwrap_or(&[]));
        }
        Op::Truncated { port, len } => {
            let info = PortInfo {
                system: REMOTE_SYSTEMS[0],
                ..PortInfo::default()
            };
            let n = lacpdu_frame(REMOTE_SYSTEMS[0], info, PortInfo::default(), &mut buf);
            let _ = sys.handle_frame(now, *port, buf.get(..(*len).min(n)).unwrap_or(&[]));
        }
        Op::Raw { port, bytes } => {
            let _ = sys.handle_frame(now, *port, bytes);
        }
        Op::Link { port, link } => sys.handle_link(now, *port, *link),
        Op::Timeout => sys.handle_timeout(now),
        Op::AddLag { lag, cfg } => {
            let _ = sys.add_lag(now, *lag, *cfg);
        }
        Op::RemoveLag { lag } => {
            let _ = sys.remove_lag(now, *lag);
        }
        Op::SetLag { lag, cfg } => {
            let _ = sys.set_lag_config(now, *lag, *cfg);
        }
        Op::AddPort { port, cfg } => {
            let _ = sys.add_port(now, *port, *cfg);
        }
        Op::RemovePort { port } => {
            let _ = sys.remove_port(now, *port);
        }
        Op::SetPort { port, cfg } => {
            let _ = sys.set_port_config(now, *port, *cfg);
        }
        Op::SetSystem { cfg } => {
            let _ = sys.set_system_config(now, *cfg);
        }
        Op::Drain => {
            while sys.poll_transmit(&mut buf).is_some() {}
            while sys.poll_event().is_some() {}
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

    /// A byte, 0 once the input is exhausted.
    fn u8(&mut self) -> u8 {
        self.next_u8().unwrap_or(0)
    }

    fn u16(&mut self) -> u16 {
        u16::from_be_bytes([self.u8(), self.u8()])
    }

    fn delay(&mut self) -> Duration {
        match self.u8() {
            // Mostly small steps, sometimes long jumps past the long timeouts.
            d @ 0..=199 => Duration::from_millis(u64::from(d) * 25),
            d => Duration::from_secs(u64::from(d - 199) * 5),
        }
    }

    fn port(&mut self) -> PortNo {
        PortNo(1 + u16::from(self.u8() % 6))
    }

    fn lag(&mut self) -> LagId {
        LagId(1 + u32::from(self.u8() % 3))
    }

    fn system(&mut self) -> MacAddr {
        match self.u8() % 4 {
            0 => OWN_SYSTEM,
            1 => MacAddr::ZERO,
            n => REMOTE_SYSTEMS
                .get(usize::from(n - 2))
                .copied()
                .unwrap_or(MacAddr::ZERO),
        }
    }

    fn info(&mut self) -> PortInfo {
        let system = self.system();
        let b = self.u8();
        PortInfo {
            system_priority: if b & 0x80 != 0 { 1 } else { 32768 },
            system,
            key: u16::from(b & 0x03),
            port_priority: 32768,
            port: u16::from((b >> 2) & 0x07),
            state: PortState::from_bits_retain(self.u8()),
        }
    }

    fn lag_config(&mut self) -> LagConfig {
        let b = self.u8();
        let c = self.u8();
        LagConfig {
            key: u16::from(b & 0x03),
            min_links: u16::from((b >> 2) & 0x03),
            max_active: match (b >> 4) & 0x03 {
                0 => None,
                n => Some(u16::from(n)),
            },
            mux: if b & 0x40 != 0 {
                MuxControl::Coupled
            } else {
                MuxControl::Independent
            },
            fallback: if b & 0x80 != 0 {
                Fallback::Individual
            } else {
                Fallback::Disabled
            },
            actor_system: match c & 0x03 {
                1 => Some(SystemIdentity {
                    priority: 100,
                    mac: REMOTE_SYSTEMS[1],
                }),
                2 => Some(SystemIdentity {
                    priority: 0,
                    mac: MacAddr::ZERO, // rejected by validation
                }),
                _ => None,
            },
            collector_max_delay: u16::from(c >> 2),
        }
    }

    fn port_config(&mut self, port: PortNo) -> PortConfig {
        let lag = self.lag();
        let b = self.u8();
        let mut cfg = port_config(port.0, lag);
        cfg.port_number = match b & 0x07 {
            0 => 0,              // rejected by validation
            7 => port.0 % 6 + 1, // may collide with another port
            _ => port.0,
        };
        cfg.port_priority = if b & 0x08 != 0 { 1 } else { 32768 };
        cfg.activity = if b & 0x10 != 0 {
            Activity::Passive
        } else {
            Activity::Active
        };
        cfg.timeout = if b & 0x20 != 0 {
            LacpTimeout::Long
        } else {
            LacpTimeout::Short
        };
        cfg.aggregation = if b & 0x40 != 0 {
            Aggregation::Individual
        } else {
            Aggregation::Aggregatable
        };
        cfg
    }

    fn op(&mut self, tag: u8) -> Op {
        match tag % 16 {
            0..=3 => Op::Lacpdu {
                port: self.port(),
                actor: self.info(),
                partner: self.info(),
            },
            4 => Op::Marker {
                port: self.port(),
                response: self.u8() & 1 != 0,
                transaction: u32::from(self.u16()),
            },
            5 => Op::Truncated {
                port: self.port(),
                len: usize::from(self.u8()),
            },
            6 => {
                let port = self.port();
                let n = usize::from(self.u8() % 64);
                let mut bytes = Vec::with_capacity(n);
                for _ in 0..n {
                    bytes.push(self.u8());
                }
                Op::Raw { port, bytes }
            }
            7 | 8 => Op::Link {
                port: self.port(),
                link: match self.u8() % 4 {
                    0 => LinkState::Down,
                    1 => LinkState::Up {
                        speed_mbps: 100,
                        full_duplex: false,
                    },
                    n => LinkState::Up {
                        speed_mbps: 1000 * u32::from(n),
                        full_duplex: true,
                    },
                },
            },
            9 | 10 => Op::Timeout,
            11 => match self.u8() % 3 {
                0 => Op::AddLag {
                    lag: self.lag(),
                    cfg: self.lag_config(),
                },
                1 => Op::RemoveLag { lag: self.lag() },
                _ => Op::SetLag {
                    lag: self.lag(),
                    cfg: self.lag_config(),
                },
            },
            12 => match self.u8() % 3 {
                0 => {
                    let port = self.port();
                    Op::AddPort {
                        port,
                        cfg: self.port_config(port),
                    }
                }
                1 => Op::RemovePort { port: self.port() },
                _ => {
                    let port = self.port();
                    Op::SetPort {
                        port,
                        cfg: self.port_config(port),
                    }
                }
            },
            13 => {
                let b = self.u8();
                Op::SetSystem {
                    cfg: SystemConfig {
                        system_priority: if b & 1 != 0 { 1 } else { 32768 },
                        system: OWN_SYSTEM,
                        selection: match (b >> 1) % 4 {
                            0 => SelectionPolicy::Stable,
                            1 => SelectionPolicy::Bandwidth,
                            2 => SelectionPolicy::Count,
                            _ => SelectionPolicy::PortPriority,
                        },
                    },
                }
            }
            _ => Op::Drain,
        }
    }
}
