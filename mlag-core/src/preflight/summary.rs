//! [`Summary`]: what pre-flight compares, taken from a [`ValidConfig`], and its byte encoding
//! for the ICCP vendor Consistency TLV (so the running pair compares exactly what pre-flight
//! compares).
//!
//! # Encoding (version 2, big-endian)
//! `version`(1) `flags`(1: bit 0 = MLAG enabled, others 0), then when enabled the pair part:
//! `bridge-mac`(6) `priority`(1) `heartbeat-ms`(4, 0 = none) `protocol-mode`(1: 0 none,
//! 1 stp, 2 rstp, 3 mstp) `bridge-priority`(2) `max-age`(1) `forward-delay`(1)
//! `hello-time`(1) `tx-hold-count`(1) `max-hops`(1) `vlan-filtering`(1: 0/1)
//! `region-revision`(2) `region-name`(1 + n ≤ 32) `msti-count`(2) × {`id`(2) `priority`(2)
//! vlans} `peer-port-tagged`(1: 0 absent, 1 present, + vlans); then `mlag-count`(2) ×
//! {`mlag-id`(4) `lacp-rate`(1) `lacp-mode`(1) `hash`(1) `min-links`(4) `bond-flags`(1: bit 0 =
//! `lacp-fallback`, others 0) `port`(1: 0/1) + when
//! present `pvid`(2) tagged-vlans untagged-vlans `priority`(1) `path-cost`(4, 0 = auto)
//! `flags`(1: admin-edge, auto-edge, bpdu-guard, restricted-role, restricted-tcn from bit 0)
//! `point-to-point`(1: 0 auto, 1 yes, 2 no)}.
//! A VLAN set is `count`(2) × {`first`(2) `last`(2)}: ranges in 1..=4094, ascending,
//! not touching. Decoding is total: any bytes give a [`Summary`] or a [`DecodeError`], and
//! trailing bytes are an error.
//!
//! Version 2 added `bond-flags` (`lacp-fallback`). A version-1 summary (a peer not upgraded
//! yet) does not decode: the coordinator counts it as rejected and holds nothing on its
//! account (no summary, no report), as with a peer that sent none.

use crate::config::{LacpMode, LacpRate, ProtocolMode, TransmitHashPolicy, ValidConfig, ValidMsti};
use alloc::collections::BTreeSet;
use alloc::string::String;
use alloc::vec::Vec;
use core::time::Duration;
use fdb::MlagId;
use l2_types::{MacAddr, VlanId};

/// The encoding version.
pub const VERSION: u8 = 2;

/// The pair-wide part of a summary (present when MLAG is enabled).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PairSummary {
    /// The MLAG bridge's MAC.
    pub bridge_mac: MacAddr,
    /// MLAG `priority`.
    pub priority: u8,
    /// MLAG `heartbeat`.
    pub heartbeat: Option<Duration>,
    /// `protocol-mode`.
    pub stp_mode: ProtocolMode,
    /// Bridge `priority`.
    pub stp_priority: u16,
    /// `max-message-age`, s.
    pub max_age: u8,
    /// `forward-delay`, s.
    pub forward_delay: u8,
    /// `hello-time`, s.
    pub hello_time: u8,
    /// `transmit-hold-count`.
    pub tx_hold_count: u8,
    /// `max-hops`.
    pub max_hops: u8,
    /// `vlan-filtering`.
    pub vlan_filtering: bool,
    /// `region-name`.
    pub region_name: String,
    /// `region-revision`.
    pub region_revision: u16,
    /// The MSTIs.
    pub mstis: Vec<ValidMsti>,
    /// VLANs the peer-port is a tagged member of.
    pub peer_port_tagged: Option<BTreeSet<VlanId>>,
}

/// The MLAG bond's bridge port, as compared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortSummary {
    /// `pvid`.
    pub pvid: VlanId,
    /// Tagged VLANs.
    pub tagged: BTreeSet<VlanId>,
    /// Untagged VLANs.
    pub untagged: BTreeSet<VlanId>,
    /// Port `priority`.
    pub priority: u8,
    /// `path-cost` (`None` = auto).
    pub path_cost: Option<u32>,
    /// Admin edge.
    pub admin_edge: bool,
    /// Auto edge.
    pub auto_edge: bool,
    /// `point-to-point`.
    pub point_to_point: stp::AdminP2p,
    /// `bpdu-guard`.
    pub bpdu_guard: bool,
    /// `restricted-role`.
    pub root_guard: bool,
    /// `restricted-tcn`.
    pub restricted_tcn: bool,
}

/// One MLAG bond, as compared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MlagSummary {
    /// The mlag-id.
    pub id: MlagId,
    /// `lacp-rate`.
    pub lacp_rate: LacpRate,
    /// `lacp-mode`.
    pub lacp_mode: LacpMode,
    /// `transmit-hash-policy`.
    pub transmit_hash_policy: TransmitHashPolicy,
    /// `min-links`.
    pub min_links: u32,
    /// `lacp-fallback` (this crate's extension, [`crate::config::Bond::lacp_fallback`]).
    pub lacp_fallback: bool,
    /// Its port on the MLAG bridge (absent when MLAG is disabled).
    pub port: Option<PortSummary>,
}

/// Everything pre-flight compares about one peer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// Pair-wide settings, `None` when MLAG is disabled.
    pub pair: Option<PairSummary>,
    /// The bonds with an mlag-id, by id.
    pub mlags: Vec<MlagSummary>,
}

impl Summary {
    /// The summary of a validated configuration.
    pub fn of(cfg: &ValidConfig) -> Self {
        let pair = cfg.mlag_bridge().map(|b| {
            let s = &b.stp;
            PairSummary {
                bridge_mac: b.mac,
                priority: cfg.mlag_priority(),
                heartbeat: cfg.mlag_heartbeat(),
                stp_mode: s.mode,
                stp_priority: s.bridge.priority,
                max_age: s.bridge.max_age,
                forward_delay: s.bridge.forward_delay,
                hello_time: s.bridge.hello_time,
                tx_hold_count: s.bridge.tx_hold_count,
                max_hops: s.bridge.max_hops,
                vlan_filtering: b.vlan_filtering,
                region_name: s.region_name.clone(),
                region_revision: s.region_revision,
                mstis: s.mstis.clone(),
                peer_port_tagged: cfg.peer_port().map(|p| p.membership.tagged.clone()),
            }
        });
        let mlags = cfg
            .mlag_bonds()
            .into_iter()
            .map(|(id, b)| MlagSummary {
                id,
                lacp_rate: b.lacp_rate,
                lacp_mode: b.lacp_mode,
                transmit_hash_policy: b.transmit_hash_policy,
                min_links: b.min_links,
                lacp_fallback: b.lacp_fallback,
                port: cfg.mlag_port(id).map(|p| PortSummary {
                    pvid: p.pvid,
                    tagged: p.membership.tagged.clone(),
                    untagged: p.membership.untagged.clone(),
                    priority: p.stp.priority,
                    path_cost: match p.stp.path_cost {
                        stp::PathCost::Auto => None,
                        stp::PathCost::Fixed(c) => Some(c),
                    },
                    admin_edge: p.stp.admin_edge,
                    auto_edge: p.stp.auto_edge,
                    point_to_point: p.stp.point_to_point,
                    bpdu_guard: p.stp.bpdu_guard,
                    root_guard: p.stp.root_guard,
                    restricted_tcn: p.stp.restricted_tcn,
                }),
            })
            .collect();
        Self { pair, mlags }
    }

    /// The mlag-id's summary.
    pub fn mlag(&self, id: MlagId) -> Option<&MlagSummary> {
        self.mlags.iter().find(|m| m.id == id)
    }

    /// The encoding (see the [module docs](self)).
    pub fn encode(&self) -> Vec<u8> {
        let mut w = Vec::new();
        w.push(VERSION);
        w.push(u8::from(self.pair.is_some()));
        if let Some(p) = &self.pair {
            w.extend_from_slice(&p.bridge_mac.0);
            w.push(p.priority);
            let hb = p
                .heartbeat
                .map_or(0, |h| u32::try_from(h.as_millis()).unwrap_or(u32::MAX));
            w.extend_from_slice(&hb.to_be_bytes());
            w.push(match p.stp_mode {
                ProtocolMode::None => 0,
                ProtocolMode::Stp => 1,
                ProtocolMode::Rstp => 2,
                ProtocolMode::Mstp => 3,
            });
            w.extend_from_slice(&p.stp_priority.to_be_bytes());
            w.extend_from_slice(&[
                p.max_age,
                p.forward_delay,
                p.hello_time,
                p.tx_hold_count,
                p.max_hops,
                u8::from(p.vlan_filtering),
            ]);
            w.extend_from_slice(&p.region_revision.to_be_bytes());
            let name = p.region_name.as_bytes();
            let name = name.get(..name.len().min(32)).unwrap_or_default();
            w.push(u8::try_from(name.len()).unwrap_or(32));
            w.extend_from_slice(name);
            put16(&mut w, p.mstis.len());
            for m in &p.mstis {
                w.extend_from_slice(&m.id.to_be_bytes());
                w.extend_from_slice(&m.priority.to_be_bytes());
                put_vlans(&mut w, &m.vlans);
            }
            match &p.peer_port_tagged {
                None => w.push(0),
                Some(v) => {
                    w.push(1);
                    put_vlans(&mut w, v);
                }
            }
        }
        put16(&mut w, self.mlags.len());
        for m in &self.mlags {
            w.extend_from_slice(&m.id.0.to_be_bytes());
            w.push(match m.lacp_rate {
                LacpRate::Secs30 => 0,
                LacpRate::Sec1 => 1,
            });
            w.push(match m.lacp_mode {
                LacpMode::Active => 0,
                LacpMode::Passive => 1,
            });
            w.push(match m.transmit_hash_policy {
                TransmitHashPolicy::Layer2 => 0,
                TransmitHashPolicy::Layer2And3 => 1,
                TransmitHashPolicy::Layer3And4 => 2,
                TransmitHashPolicy::Encap2And3 => 3,
                TransmitHashPolicy::Encap3And4 => 4,
            });
            w.extend_from_slice(&m.min_links.to_be_bytes());
            w.push(u8::from(m.lacp_fallback));
            match &m.port {
                None => w.push(0),
                Some(p) => {
                    w.push(1);
                    w.extend_from_slice(&p.pvid.get().to_be_bytes());
                    put_vlans(&mut w, &p.tagged);
                    put_vlans(&mut w, &p.untagged);
                    w.push(p.priority);
                    w.extend_from_slice(&p.path_cost.unwrap_or(0).to_be_bytes());
                    let flags = u8::from(p.admin_edge)
                        | u8::from(p.auto_edge) << 1
                        | u8::from(p.bpdu_guard) << 2
                        | u8::from(p.root_guard) << 3
                        | u8::from(p.restricted_tcn) << 4;
                    w.push(flags);
                    w.push(match p.point_to_point {
                        stp::AdminP2p::Auto => 0,
                        stp::AdminP2p::ForceTrue => 1,
                        stp::AdminP2p::ForceFalse => 2,
                    });
                }
            }
        }
        w
    }

    /// Decodes [`encode`](Self::encode)'s output. Total.
    ///
    /// # Errors
    /// [`DecodeError`] naming the first field that does not decode.
    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut r = Reader { bytes, pos: 0 };
        if r.u8("version")? != VERSION {
            return Err(DecodeError("version"));
        }
        let pair = match r.u8("flags")? {
            0 => None,
            1 => Some(decode_pair(&mut r)?),
            _ => return Err(DecodeError("flags")),
        };
        let n = r.u16("mlag-count")?;
        let mut mlags = Vec::new();
        let mut last: Option<u32> = None;
        for _ in 0..n {
            let id = r.u32("mlag-id")?;
            if last.is_some_and(|l| id <= l) {
                return Err(DecodeError("mlag-id"));
            }
            last = Some(id);
            let lacp_rate = match r.u8("lacp-rate")? {
                0 => LacpRate::Secs30,
                1 => LacpRate::Sec1,
                _ => return Err(DecodeError("lacp-rate")),
            };
            let lacp_mode = match r.u8("lacp-mode")? {
                0 => LacpMode::Active,
                1 => LacpMode::Passive,
                _ => return Err(DecodeError("lacp-mode")),
            };
            let transmit_hash_policy = match r.u8("transmit-hash-policy")? {
                0 => TransmitHashPolicy::Layer2,
                1 => TransmitHashPolicy::Layer2And3,
                2 => TransmitHashPolicy::Layer3And4,
                3 => TransmitHashPolicy::Encap2And3,
                4 => TransmitHashPolicy::Encap3And4,
                _ => return Err(DecodeError("transmit-hash-policy")),
            };
            let min_links = r.u32("min-links")?;
            let lacp_fallback = match r.u8("bond-flags")? {
                0 => false,
                1 => true,
                _ => return Err(DecodeError("bond-flags")),
            };
            let port = match r.u8("port")? {
                0 => None,
                1 => Some(decode_port(&mut r)?),
                _ => return Err(DecodeError("port")),
            };
            mlags.push(MlagSummary {
                id: MlagId(id),
                lacp_rate,
                lacp_mode,
                transmit_hash_policy,
                min_links,
                lacp_fallback,
                port,
            });
        }
        if r.pos != bytes.len() {
            return Err(DecodeError("trailing bytes"));
        }
        Ok(Self { pair, mlags })
    }
}

/// A summary that does not decode; the field names the first problem.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("consistency summary: bad {0}")]
pub struct DecodeError(pub &'static str);

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl Reader<'_> {
    fn take(&mut self, n: usize, what: &'static str) -> Result<&[u8], DecodeError> {
        let end = self.pos.checked_add(n).ok_or(DecodeError(what))?;
        let s = self.bytes.get(self.pos..end).ok_or(DecodeError(what))?;
        self.pos = end;
        Ok(s)
    }
    fn u8(&mut self, what: &'static str) -> Result<u8, DecodeError> {
        self.take(1, what)?
            .first()
            .copied()
            .ok_or(DecodeError(what))
    }
    fn u16(&mut self, what: &'static str) -> Result<u16, DecodeError> {
        let s = self.take(2, what)?;
        let a: [u8; 2] = s.try_into().map_err(|_| DecodeError(what))?;
        Ok(u16::from_be_bytes(a))
    }
    fn u32(&mut self, what: &'static str) -> Result<u32, DecodeError> {
        let s = self.take(4, what)?;
        let a: [u8; 4] = s.try_into().map_err(|_| DecodeError(what))?;
        Ok(u32::from_be_bytes(a))
    }
    fn bool(&mut self, what: &'static str) -> Result<bool, DecodeError> {
        match self.u8(what)? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(DecodeError(what)),
        }
    }
    fn vlans(&mut self, what: &'static str) -> Result<BTreeSet<VlanId>, DecodeError> {
        let n = self.u16(what)?;
        let mut out = BTreeSet::new();
        let mut prev_last = 0u16;
        for _ in 0..n {
            let first = self.u16(what)?;
            let last = self.u16(what)?;
            // Ascending, not touching the previous range, within 1..=4094.
            if first > last || first <= prev_last.saturating_add(1) && prev_last != 0 {
                return Err(DecodeError(what));
            }
            VlanId::try_new(first).map_err(|_| DecodeError(what))?;
            VlanId::try_new(last).map_err(|_| DecodeError(what))?;
            out.extend((first..=last).filter_map(|v| VlanId::try_new(v).ok()));
            prev_last = last;
        }
        Ok(out)
    }
}

fn put16(w: &mut Vec<u8>, n: usize) {
    w.extend_from_slice(&u16::try_from(n).unwrap_or(u16::MAX).to_be_bytes());
}

/// Writes a VLAN set as ranges.
fn put_vlans(w: &mut Vec<u8>, set: &BTreeSet<VlanId>) {
    let mut ranges: Vec<(u16, u16)> = Vec::new();
    for v in set.iter().map(|v| v.get()) {
        match ranges.last_mut() {
            Some((_, last)) if *last + 1 == v => *last = v,
            _ => ranges.push((v, v)),
        }
    }
    put16(w, ranges.len());
    for (a, b) in ranges {
        w.extend_from_slice(&a.to_be_bytes());
        w.extend_from_slice(&b.to_be_bytes());
    }
}

fn decode_pair(r: &mut Reader<'_>) -> Result<PairSummary, DecodeError> {
    let mac = r.take(6, "bridge-mac")?;
    let bridge_mac = MacAddr::from_slice(mac).ok_or(DecodeError("bridge-mac"))?;
    let priority = r.u8("priority")?;
    let heartbeat = match r.u32("heartbeat")? {
        0 => None,
        ms => Some(Duration::from_millis(u64::from(ms))),
    };
    let stp_mode = match r.u8("protocol-mode")? {
        0 => ProtocolMode::None,
        1 => ProtocolMode::Stp,
        2 => ProtocolMode::Rstp,
        3 => ProtocolMode::Mstp,
        _ => return Err(DecodeError("protocol-mode")),
    };
    let stp_priority = r.u16("bridge-priority")?;
    let max_age = r.u8("max-age")?;
    let forward_delay = r.u8("forward-delay")?;
    let hello_time = r.u8("hello-time")?;
    let tx_hold_count = r.u8("tx-hold-count")?;
    let max_hops = r.u8("max-hops")?;
    let vlan_filtering = r.bool("vlan-filtering")?;
    let region_revision = r.u16("region-revision")?;
    let len = r.u8("region-name")?;
    if len > 32 {
        return Err(DecodeError("region-name"));
    }
    let name = r.take(usize::from(len), "region-name")?;
    let region_name =
        String::from(core::str::from_utf8(name).map_err(|_| DecodeError("region-name"))?);
    let n = r.u16("msti-count")?;
    let mut mstis = Vec::new();
    for _ in 0..n {
        let id = r.u16("msti")?;
        let priority = r.u16("msti")?;
        let vlans = r.vlans("msti")?;
        mstis.push(ValidMsti {
            id,
            priority,
            vlans,
        });
    }
    let peer_port_tagged = match r.u8("peer-port-tagged")? {
        0 => None,
        1 => Some(r.vlans("peer-port-tagged")?),
        _ => return Err(DecodeError("peer-port-tagged")),
    };
    Ok(PairSummary {
        bridge_mac,
        priority,
        heartbeat,
        stp_mode,
        stp_priority,
        max_age,
        forward_delay,
        hello_time,
        tx_hold_count,
        max_hops,
        vlan_filtering,
        region_name,
        region_revision,
        mstis,
        peer_port_tagged,
    })
}

fn decode_port(r: &mut Reader<'_>) -> Result<PortSummary, DecodeError> {
    let pvid = VlanId::try_new(r.u16("pvid")?).map_err(|_| DecodeError("pvid"))?;
    let tagged = r.vlans("tagged")?;
    let untagged = r.vlans("untagged")?;
    let priority = r.u8("port-priority")?;
    let path_cost = match r.u32("path-cost")? {
        0 => None,
        c => Some(c),
    };
    let flags = r.u8("port-flags")?;
    if flags & 0xE0 != 0 {
        return Err(DecodeError("port-flags"));
    }
    let point_to_point = match r.u8("point-to-point")? {
        0 => stp::AdminP2p::Auto,
        1 => stp::AdminP2p::ForceTrue,
        2 => stp::AdminP2p::ForceFalse,
        _ => return Err(DecodeError("point-to-point")),
    };
    Ok(PortSummary {
        pvid,
        tagged,
        untagged,
        priority,
        path_cost,
        admin_edge: flags & 1 != 0,
        auto_edge: flags & 2 != 0,
        point_to_point,
        bpdu_guard: flags & 4 != 0,
        root_guard: flags & 8 != 0,
        restricted_tcn: flags & 16 != 0,
    })
}
