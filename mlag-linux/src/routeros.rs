//! The configuration file: RouterOS commands, parsed into [`mlag_core::config::Config`].
//!
//! ```text
//! # Peer1 of the RouterOS MLAG Quick setup
//! /interface bridge add name=bridge1 vlan-filtering=yes admin-mac=02:00:00:00:01:00 auto-mac=no
//! /interface bonding add name=client-bond slaves=sfp2 mode=802.3ad mlag-id=10 lacp-rate=1sec
//! /interface bridge port add bridge=bridge1 interface=sfp1 pvid=99
//! /interface bridge port add bridge=bridge1 interface=client-bond pvid=10
//! /interface bridge vlan add bridge=bridge1 vlan-ids=10,20 tagged=sfp1
//! /interface bridge mlag set bridge=bridge1 peer-port=sfp1 priority=100
//! ```
//!
//! What is accepted, as RouterOS's own export writes it:
//! * a command is `MENU VERB PROPERTY=VALUE...`; a line that is only a menu (`/interface
//!   bridge port`) makes it the current menu for the lines that follow (`add ...`);
//! * extension (not RouterOS): `/interface bridge mlag set iccp-secret=SECRET` sets the pair's
//!   shared ICCP secret (8..=64 printable ASCII characters, the same on both peers; `none`
//!   removes it): every ICCP frame is then authenticated (HMAC-SHA256) and a peer with another
//!   secret never connects (the monitor counts its frames as auth failures);
//! * extension (not RouterOS): `/interface bonding add ... lacp-fallback=yes` (default `no`)
//!   lets one member of an 802.3ad bond forward as an individual link while the client sends
//!   no LACPDU (`mlag_core::config::Bond::lacp_fallback`; both peers should agree, the
//!   consistency check reports a mismatch);
//! * verbs: `add` (bridge, bridge port, bridge vlan, bridge msti, bridge port-mst-override,
//!   bonding) and `set`
//!   (`/interface bridge mlag set ...`; `/interface ethernet set NAME mac-address=...` or
//!   `set [ find default-name=NAME ] mac-address=...`);
//! * values may be double-quoted; `#` starts a comment outside quotes; a line ending in `\`
//!   continues on the next one; durations as RouterOS writes them (`5s`, `1m`, `500ms`,
//!   `1h`, a bare number is seconds); booleans `yes`/`no`; lists comma-separated; VLAN ranges
//!   `10-20`.
//!
//! Every error names its line ([`ParseError`]); the parser applies nothing and builds the whole
//! [`Config`] before anyone uses it, so a file with an error changes nothing. Interfaces that
//! are referenced but not declared (`sfp1` as a bond slave or bridge port) become
//! `/interface ethernet` entries whose MAC the caller supplies (the kernel's, in `mlagd`):
//! RouterOS ethernet interfaces exist, they are not created.

use core::fmt;
use core::time::Duration;
use l2_types::MacAddr;
use mlag_core::config::{
    Bond, BondMode, Bridge, BridgePort, BridgeVlan, Config, ConfigError, Edge, Ethernet,
    FrameTypes, LacpMode, LacpRate, Menu, Msti, PointToPoint, PortCostMode, PortMstOverride,
    ProtocolMode, TransmitHashPolicy,
};
use mlag_core::coordinator::IccpSecret;
use std::collections::BTreeMap;

/// A configuration file error: the line (1-based) and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// 1-based line number (of the first line of a continued command).
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

impl core::error::Error for ParseError {}

/// A parsed file: the configuration and, for error messages, the line that declared each
/// object.
#[derive(Debug, Clone, Default)]
pub struct Parsed {
    /// The configuration.
    pub config: Config,
    /// `iccp-secret` of `/interface bridge mlag set` (an extension, not RouterOS: the pair's
    /// shared ICCP secret, [`IccpSecret`]; its `Debug` never shows it).
    pub iccp_secret: Option<IccpSecret>,
    /// (menu, object name) → line, for [`Parsed::line_of`].
    lines: BTreeMap<(Menu, String), usize>,
}

impl Parsed {
    /// The line that declared `object` in `menu` (for validation errors).
    pub fn line_of(&self, menu: Menu, object: &str) -> Option<usize> {
        self.lines
            .get(&(menu, object.to_string()))
            .copied()
            .or_else(|| {
                // Errors about a bridge port name the port's interface; about the VLAN table
                // `vlan <id>`: fall back to any menu's object of that name.
                self.lines
                    .iter()
                    .find(|((_, o), _)| o == object)
                    .map(|(_, l)| *l)
            })
    }

    /// A validation error with the line of its object, as `line N: ...`.
    pub fn describe(&self, e: &ConfigError) -> String {
        match self.line_of(e.menu, &e.object) {
            Some(l) => format!("line {l}: {e}"),
            None => format!("{e}"),
        }
    }
}

/// Splits `text` into logical lines: (first physical line number, content without comment).
fn logical_lines(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut pending: Option<(usize, String)> = None;
    for (i, raw) in text.lines().enumerate() {
        let line = strip_comment(raw);
        let (cont, body) = match line.trim_end().strip_suffix('\\') {
            Some(b) => (true, b.to_string()),
            None => (false, line.trim_end().to_string()),
        };
        let entry = match pending.take() {
            Some((n, mut acc)) => {
                acc.push(' ');
                acc.push_str(&body);
                (n, acc)
            }
            None => (i + 1, body),
        };
        if cont {
            pending = Some(entry);
        } else {
            out.push(entry);
        }
    }
    if let Some(p) = pending {
        out.push(p);
    }
    out
}

fn strip_comment(line: &str) -> &str {
    let mut quoted = false;
    for (i, c) in line.char_indices() {
        match c {
            '"' => quoted = !quoted,
            '#' if !quoted => return line.get(..i).unwrap_or(""),
            _ => {}
        }
    }
    line
}

/// Splits a command into words; `"..."` quoting; `[ find ... ]` kept as one word.
fn words(line: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut bracket = 0usize;
    for c in line.chars() {
        match c {
            '"' if bracket == 0 => quoted = !quoted,
            '[' if !quoted => {
                bracket += 1;
                cur.push(c);
            }
            ']' if !quoted => {
                bracket = bracket
                    .checked_sub(1)
                    .ok_or_else(|| "unbalanced `]`".to_string())?;
                cur.push(c);
            }
            c if c.is_whitespace() && !quoted && bracket == 0 => {
                if !cur.is_empty() {
                    out.push(core::mem::take(&mut cur));
                }
            }
            c => cur.push(c),
        }
    }
    if quoted {
        return Err("unterminated quote".into());
    }
    if bracket != 0 {
        return Err("unbalanced `[`".into());
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    Ok(out)
}

/// The menus this file format knows, longest first (so `bridge port` wins over `bridge`).
const MENUS: &[(&str, Menu)] = &[
    ("/interface bridge mlag", Menu::Mlag),
    ("/interface bridge msti", Menu::BridgeMsti),
    (
        "/interface bridge port-mst-override",
        Menu::BridgePortMstOverride,
    ),
    ("/interface bridge port", Menu::BridgePort),
    ("/interface bridge vlan", Menu::BridgeVlan),
    ("/interface bridge", Menu::Bridge),
    ("/interface bonding", Menu::Bonding),
    ("/interface ethernet", Menu::Ethernet),
];

/// Normalises `/interface/bridge/port` (RouterOS 7's slash form) to the spaced form.
fn menu_prefix(words: &[String]) -> Result<(Option<Menu>, usize), String> {
    let Some(first) = words.first() else {
        return Ok((None, 0));
    };
    if !first.starts_with('/') {
        return Ok((None, 0));
    }
    // Collect the leading path words: `/interface bridge port` or `/interface/bridge/port`.
    let mut path: Vec<String> = first
        .trim_start_matches('/')
        .split('/')
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    let mut used = 1;
    for w in words.iter().skip(1) {
        if w.contains('=') || is_verb(w) {
            break;
        }
        path.push(w.clone());
        used += 1;
    }
    let joined = format!("/{}", path.join(" "));
    MENUS
        .iter()
        .find(|(p, _)| *p == joined)
        .map(|(_, m)| (Some(*m), used))
        .ok_or_else(|| format!("unknown menu `{joined}`"))
}

fn is_verb(w: &str) -> bool {
    matches!(w, "add" | "set")
}

/// Parses a configuration file. `mac_of(name)` supplies the MAC of an ethernet interface the
/// file references without declaring it (`None`: unknown, an error naming the line).
///
/// # Errors
/// The first problem, with its line.
pub fn parse(text: &str, mac_of: &dyn Fn(&str) -> Option<MacAddr>) -> Result<Parsed, ParseError> {
    let mut p = Parsed::default();
    let mut menu: Option<Menu> = None;
    let mut ethernet_macs: BTreeMap<String, (usize, MacAddr)> = BTreeMap::new();
    let mut referenced: Vec<(usize, String)> = Vec::new();
    let mut mlag_set = false;
    for (line, content) in logical_lines(text) {
        let err = |message: String| ParseError { line, message };
        let w = words(&content).map_err(err)?;
        if w.is_empty() {
            continue;
        }
        let (m, used) = menu_prefix(&w).map_err(err)?;
        if let Some(m) = m {
            menu = Some(m);
        }
        let rest = w.get(used..).unwrap_or(&[]);
        let Some((verb, args)) = rest.split_first() else {
            continue; // a menu line alone: it becomes the current menu
        };
        let Some(menu) = menu else {
            return Err(err(format!("`{verb}` outside any menu")));
        };
        if !is_verb(verb) {
            return Err(err(format!("unknown command `{verb}` in {menu}")));
        }
        // `set NAME` / `set [ find default-name=NAME ]` for ethernet.
        let (target, args) = match (menu, verb.as_str(), args.first()) {
            (Menu::Ethernet, "set", Some(t)) if !t.contains('=') || t.starts_with('[') => (
                Some(target_name(t).map_err(err)?),
                args.get(1..).unwrap_or(&[]),
            ),
            _ => (None, args),
        };
        let mut props = Props::parse(args, line)?;
        match (menu, verb.as_str()) {
            (Menu::Ethernet, "set") => {
                let name = target.ok_or_else(|| err("`set` needs an interface name".into()))?;
                let mac = props.mac("mac-address")?.ok_or_else(|| {
                    err("`/interface ethernet set` needs mac-address=".to_string())
                })?;
                p.lines.insert((Menu::Ethernet, name.clone()), line);
                ethernet_macs.insert(name, (line, mac));
            }
            (Menu::Bridge, "add") => {
                let name = props.required("name")?;
                let mut b = Bridge::new(&name);
                let auto_mac = props.bool("auto-mac")?;
                if let Some(mac) = props.mac("admin-mac")? {
                    if auto_mac == Some(true) {
                        return Err(err("admin-mac= needs auto-mac=no".into()));
                    }
                    b.admin_mac = Some(mac);
                }
                if let Some(v) = props.bool("vlan-filtering")? {
                    b.vlan_filtering = v;
                }
                if let Some(v) = props.take("protocol-mode") {
                    b.protocol_mode = match v.as_str() {
                        "none" => ProtocolMode::None,
                        "stp" => ProtocolMode::Stp,
                        "rstp" => ProtocolMode::Rstp,
                        "mstp" => ProtocolMode::Mstp,
                        o => return Err(err(format!("protocol-mode: unknown value `{o}`"))),
                    };
                }
                if let Some(v) = props.num("priority")? {
                    b.priority = props.narrow("priority", v)?;
                }
                if let Some(v) = props.duration("max-message-age")? {
                    b.max_message_age = v;
                }
                if let Some(v) = props.duration("forward-delay")? {
                    b.forward_delay = v;
                }
                if let Some(v) = props.duration("hello-time")? {
                    b.hello_time = v;
                }
                if let Some(v) = props.duration("ageing-time")? {
                    b.ageing_time = v;
                }
                if let Some(v) = props.num("transmit-hold-count")? {
                    b.transmit_hold_count = props.narrow("transmit-hold-count", v)?;
                }
                if let Some(v) = props.num("max-hops")? {
                    b.max_hops = props.narrow("max-hops", v)?;
                }
                if let Some(v) = props.take("region-name") {
                    b.region_name = v;
                }
                if let Some(v) = props.num("region-revision")? {
                    b.region_revision = props.narrow("region-revision", v)?;
                }
                if let Some(v) = props.take("port-cost-mode") {
                    b.port_cost_mode = match v.as_str() {
                        "long" => PortCostMode::Long,
                        "short" => PortCostMode::Short,
                        o => return Err(err(format!("port-cost-mode: unknown value `{o}`"))),
                    };
                }
                p.lines.insert((Menu::Bridge, name), line);
                p.config.bridges.push(b);
            }
            (Menu::BridgeMsti, "add") => {
                let bridge = props.required("bridge")?;
                let id = props
                    .num("identifier")?
                    .ok_or_else(|| err("identifier= is required".into()))?;
                let vlans = props.vlans("vlan-mapping")?.unwrap_or_default();
                let mut m = Msti::new(&bridge, props.narrow("identifier", id)?, &vlans);
                if let Some(v) = props.num("priority")? {
                    m.priority = props.narrow("priority", v)?;
                }
                p.lines
                    .insert((Menu::BridgeMsti, format!("msti {id}")), line);
                p.config.mstis.push(m);
            }
            (Menu::BridgePortMstOverride, "add") => {
                let interface = props.required("interface")?;
                let id = props
                    .num("identifier")?
                    .ok_or_else(|| err("identifier= is required".into()))?;
                let mut o = PortMstOverride::new(&interface, props.narrow("identifier", id)?);
                if let Some(v) = props.num("priority")? {
                    o.priority = props.narrow("priority", v)?;
                }
                if let Some(v) = props.auto_num("internal-path-cost")? {
                    o.internal_path_cost = v
                        .map(|v| props.narrow("internal-path-cost", v))
                        .transpose()?;
                }
                p.lines.insert(
                    (
                        Menu::BridgePortMstOverride,
                        format!("{interface} msti {id}"),
                    ),
                    line,
                );
                p.config.port_mst_overrides.push(o);
            }
            (Menu::BridgePort, "add") => {
                let bridge = props.required("bridge")?;
                let interface = props.required("interface")?;
                let mut bp = BridgePort::new(&bridge, &interface);
                if let Some(v) = props.num("pvid")? {
                    bp.pvid = props.narrow("pvid", v)?;
                }
                if let Some(v) = props.take("frame-types") {
                    bp.frame_types = match v.as_str() {
                        "admit-all" => FrameTypes::AdmitAll,
                        "admit-only-untagged-and-priority-tagged" => {
                            FrameTypes::AdmitOnlyUntaggedAndPriorityTagged
                        }
                        "admit-only-vlan-tagged" => FrameTypes::AdmitOnlyVlanTagged,
                        o => return Err(err(format!("frame-types: unknown value `{o}`"))),
                    };
                }
                if let Some(v) = props.bool("ingress-filtering")? {
                    bp.ingress_filtering = v;
                }
                if let Some(v) = props.num("priority")? {
                    bp.priority = props.narrow("priority", v)?;
                }
                if let Some(v) = props.auto_num("path-cost")? {
                    bp.path_cost = v.map(|v| props.narrow("path-cost", v)).transpose()?;
                }
                if let Some(v) = props.auto_num("internal-path-cost")? {
                    bp.internal_path_cost = v
                        .map(|v| props.narrow("internal-path-cost", v))
                        .transpose()?;
                }
                if let Some(v) = props.take("edge") {
                    bp.edge = match v.as_str() {
                        "auto" => Edge::Auto,
                        "no" => Edge::No,
                        "no-discover" => Edge::NoDiscover,
                        "yes" => Edge::Yes,
                        "yes-discover" => Edge::YesDiscover,
                        o => return Err(err(format!("edge: unknown value `{o}`"))),
                    };
                }
                if let Some(v) = props.take("point-to-point") {
                    bp.point_to_point = match v.as_str() {
                        "auto" => PointToPoint::Auto,
                        "yes" => PointToPoint::Yes,
                        "no" => PointToPoint::No,
                        o => return Err(err(format!("point-to-point: unknown value `{o}`"))),
                    };
                }
                if let Some(v) = props.bool("bpdu-guard")? {
                    bp.bpdu_guard = v;
                }
                if let Some(v) = props.bool("restricted-role")? {
                    bp.restricted_role = v;
                }
                if let Some(v) = props.bool("restricted-tcn")? {
                    bp.restricted_tcn = v;
                }
                if let Some(v) = props.bool("auto-isolate")? {
                    bp.auto_isolate = v;
                }
                if let Some(v) = props.auto_num("horizon")? {
                    bp.horizon = v.map(|v| props.narrow("horizon", v)).transpose()?;
                }
                referenced.push((line, interface.clone()));
                p.lines.insert((Menu::BridgePort, interface), line);
                p.config.ports.push(bp);
            }
            (Menu::BridgeVlan, "add") => {
                let bridge = props.required("bridge")?;
                let vlans = props
                    .vlans("vlan-ids")?
                    .ok_or_else(|| err("vlan-ids= is required".into()))?;
                let tagged = props.list("tagged");
                let untagged = props.list("untagged");
                for v in &vlans {
                    p.lines
                        .insert((Menu::BridgeVlan, format!("vlan {v}")), line);
                }
                let t: Vec<&str> = tagged.iter().map(String::as_str).collect();
                let u: Vec<&str> = untagged.iter().map(String::as_str).collect();
                p.config
                    .vlans
                    .push(BridgeVlan::new(&bridge, &vlans, &t, &u));
            }
            (Menu::Bonding, "add") => {
                let name = props.required("name")?;
                let slaves = props.list("slaves");
                if slaves.is_empty() {
                    return Err(err("slaves= is required".into()));
                }
                let s: Vec<&str> = slaves.iter().map(String::as_str).collect();
                let mut b = Bond::new(&name, &s);
                if let Some(v) = props.take("mode") {
                    b.mode = match v.as_str() {
                        "balance-rr" => BondMode::BalanceRr,
                        "active-backup" => BondMode::ActiveBackup,
                        "balance-xor" => BondMode::BalanceXor,
                        "broadcast" => BondMode::Broadcast,
                        "802.3ad" => BondMode::Ieee8023ad,
                        "balance-tlb" => BondMode::BalanceTlb,
                        "balance-alb" => BondMode::BalanceAlb,
                        o => return Err(err(format!("mode: unknown value `{o}`"))),
                    };
                }
                if let Some(v) = props.auto_num("mlag-id")? {
                    b.mlag_id = v.map(|v| props.narrow("mlag-id", v)).transpose()?;
                }
                if let Some(v) = props.take("lacp-rate") {
                    b.lacp_rate = match v.as_str() {
                        "30secs" => LacpRate::Secs30,
                        "1sec" => LacpRate::Sec1,
                        o => return Err(err(format!("lacp-rate: unknown value `{o}`"))),
                    };
                }
                if let Some(v) = props.take("lacp-mode") {
                    b.lacp_mode = match v.as_str() {
                        "active" => LacpMode::Active,
                        "passive" => LacpMode::Passive,
                        o => return Err(err(format!("lacp-mode: unknown value `{o}`"))),
                    };
                }
                if let Some(v) = props.take("transmit-hash-policy") {
                    b.transmit_hash_policy = match v.as_str() {
                        "layer-2" => TransmitHashPolicy::Layer2,
                        "layer-2-and-3" => TransmitHashPolicy::Layer2And3,
                        "layer-3-and-4" => TransmitHashPolicy::Layer3And4,
                        "encap-2-and-3" => TransmitHashPolicy::Encap2And3,
                        "encap-3-and-4" => TransmitHashPolicy::Encap3And4,
                        o => {
                            return Err(err(format!("transmit-hash-policy: unknown value `{o}`")));
                        }
                    };
                }
                if let Some(v) = props.num("min-links")? {
                    b.min_links = props.narrow("min-links", v)?;
                }
                // This crate's extension (not RouterOS): `Bond::lacp_fallback`.
                if let Some(v) = props.bool("lacp-fallback")? {
                    b.lacp_fallback = v;
                }
                for s in &slaves {
                    referenced.push((line, s.clone()));
                }
                p.lines.insert((Menu::Bonding, name), line);
                p.config.bonds.push(b);
            }
            (Menu::Mlag, "set") => {
                if mlag_set {
                    return Err(err("`/interface bridge mlag set` given twice".into()));
                }
                mlag_set = true;
                if let Some(v) = props.take("bridge") {
                    p.config.mlag.bridge = (v != "none").then_some(v);
                }
                if let Some(v) = props.take("peer-port") {
                    if v != "none" {
                        referenced.push((line, v.clone()));
                    }
                    p.config.mlag.peer_port = (v != "none").then_some(v);
                }
                if let Some(v) = props.num("priority")? {
                    p.config.mlag.priority = props.narrow("priority", v)?;
                }
                if let Some(v) = props.take("heartbeat") {
                    p.config.mlag.heartbeat = if v == "none" {
                        None
                    } else {
                        Some(duration(&v).map_err(|m| err(format!("heartbeat: {m}")))?)
                    };
                }
                if let Some(v) = props.take("iccp-secret") {
                    // Extension: the pair's ICCP shared secret (8..=64 printable characters;
                    // `none` removes it). The error never repeats the value.
                    p.iccp_secret = if v == "none" {
                        None
                    } else {
                        Some(IccpSecret::new(&v).map_err(|e| err(e.to_string()))?)
                    };
                }
                p.lines.insert((Menu::Mlag, "mlag".to_string()), line);
            }
            (m, v) => return Err(err(format!("`{v}` is not supported in {m}"))),
        }
        props.finish()?;
    }
    // Every referenced name that is neither a bond nor a bridge is an ethernet interface.
    let mut seen = std::collections::BTreeSet::new();
    for (line, name) in referenced {
        let is_bond = p.config.bonds.iter().any(|b| b.name == name);
        let is_bridge = p.config.bridges.iter().any(|b| b.name == name);
        if is_bond || is_bridge || !seen.insert(name.clone()) {
            continue;
        }
        let mac = match ethernet_macs.remove(&name) {
            Some((_, mac)) => mac,
            None => mac_of(&name).ok_or_else(|| ParseError {
                line,
                message: format!("no interface `{name}` on this host"),
            })?,
        };
        p.lines
            .entry((Menu::Ethernet, name.clone()))
            .or_insert(line);
        p.config.ethernet.push(Ethernet::new(&name, mac));
    }
    if let Some((name, (line, _))) = ethernet_macs.into_iter().next() {
        return Err(ParseError {
            line,
            message: format!("ethernet `{name}` is not used by any bridge port or bond"),
        });
    }
    Ok(p)
}

fn target_name(t: &str) -> Result<String, String> {
    if let Some(inner) = t.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
        let inner = inner.trim();
        let f = inner
            .strip_prefix("find")
            .map(str::trim)
            .ok_or_else(|| format!("unsupported selector `{t}`"))?;
        f.strip_prefix("default-name=")
            .or_else(|| f.strip_prefix("name="))
            .map(|s| s.trim_matches('"').to_string())
            .ok_or_else(|| format!("unsupported selector `{t}`"))
    } else {
        Ok(t.to_string())
    }
}

/// A RouterOS duration: `500ms`, `5s`, `1m`, `1h`, `1d`, or combined (`1m30s`); a bare number
/// is seconds.
fn duration(v: &str) -> Result<Duration, String> {
    if let Ok(s) = v.parse::<u64>() {
        return Ok(Duration::from_secs(s));
    }
    let mut total = Duration::ZERO;
    let mut num = String::new();
    let mut chars = v.chars().peekable();
    let bad = || format!("`{v}` is not a duration");
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() {
            num.push(c);
            continue;
        }
        let n: u64 = num.parse().map_err(|_| bad())?;
        num.clear();
        let unit = match c {
            'm' if chars.peek() == Some(&'s') => {
                chars.next();
                Duration::from_millis(n)
            }
            's' => Duration::from_secs(n),
            'm' => Duration::from_secs(n.saturating_mul(60)),
            'h' => Duration::from_secs(n.saturating_mul(3600)),
            'd' => Duration::from_secs(n.saturating_mul(86400)),
            _ => return Err(bad()),
        };
        total = total.saturating_add(unit);
    }
    if !num.is_empty() {
        return Err(bad());
    }
    Ok(total)
}

/// The `name=value` properties of one command; each is taken once, and
/// [`finish`](Self::finish) rejects those nobody took.
struct Props {
    line: usize,
    map: BTreeMap<String, String>,
}

impl Props {
    fn parse(args: &[String], line: usize) -> Result<Self, ParseError> {
        let mut map = BTreeMap::new();
        for a in args {
            let (k, v) = a.split_once('=').ok_or_else(|| ParseError {
                line,
                message: format!("`{a}` is not name=value"),
            })?;
            if map.insert(k.to_string(), v.to_string()).is_some() {
                return Err(ParseError {
                    line,
                    message: format!("{k}= given twice"),
                });
            }
        }
        Ok(Self { line, map })
    }

    fn err(&self, message: String) -> ParseError {
        ParseError {
            line: self.line,
            message,
        }
    }

    fn take(&mut self, k: &str) -> Option<String> {
        self.map.remove(k)
    }

    fn required(&mut self, k: &str) -> Result<String, ParseError> {
        self.take(k)
            .filter(|v| !v.is_empty())
            .ok_or_else(|| self.err(format!("{k}= is required")))
    }

    fn bool(&mut self, k: &str) -> Result<Option<bool>, ParseError> {
        self.take(k)
            .map(|v| match v.as_str() {
                "yes" | "true" => Ok(true),
                "no" | "false" => Ok(false),
                o => Err(self.err(format!("{k}: `{o}` is not yes or no"))),
            })
            .transpose()
    }

    fn num(&mut self, k: &str) -> Result<Option<u64>, ParseError> {
        self.take(k).map(|v| self.parse_num(k, &v)).transpose()
    }

    fn parse_num(&self, k: &str, v: &str) -> Result<u64, ParseError> {
        let r = match v.strip_prefix("0x").or_else(|| v.strip_prefix("0X")) {
            Some(hex) => u64::from_str_radix(hex, 16),
            None => v.parse(),
        };
        r.map_err(|_| self.err(format!("{k}: `{v}` is not a number")))
    }

    /// A number or `none`/`auto` (→ `Some(None)`).
    fn auto_num(&mut self, k: &str) -> Result<Option<Option<u64>>, ParseError> {
        match self.take(k) {
            None => Ok(None),
            Some(v) if v == "none" || v == "auto" => Ok(Some(None)),
            Some(v) => self.parse_num(k, &v).map(|n| Some(Some(n))),
        }
    }

    fn narrow<T: TryFrom<u64>>(&self, k: &str, v: u64) -> Result<T, ParseError> {
        T::try_from(v).map_err(|_| self.err(format!("{k}: {v} is too large")))
    }

    fn duration(&mut self, k: &str) -> Result<Option<Duration>, ParseError> {
        self.take(k)
            .map(|v| duration(&v).map_err(|m| self.err(format!("{k}: {m}"))))
            .transpose()
    }

    fn mac(&mut self, k: &str) -> Result<Option<MacAddr>, ParseError> {
        self.take(k)
            .map(|v| {
                v.parse::<MacAddr>()
                    .map_err(|_| self.err(format!("{k}: `{v}` is not a MAC address")))
            })
            .transpose()
    }

    fn list(&mut self, k: &str) -> Vec<String> {
        self.take(k)
            .map(|v| {
                v.split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
    }

    /// VLAN ids: `10,20,30-32` (numbers are kept raw; validation checks the range).
    fn vlans(&mut self, k: &str) -> Result<Option<Vec<u16>>, ParseError> {
        let Some(v) = self.take(k) else {
            return Ok(None);
        };
        let mut out = Vec::new();
        for part in v.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let one = |s: &str| -> Result<u16, ParseError> {
                s.parse()
                    .map_err(|_| self.err(format!("{k}: `{s}` is not a VLAN id")))
            };
            match part.split_once('-') {
                Some((a, b)) => {
                    let (a, b) = (one(a)?, one(b)?);
                    if a > b || b - a > 4094 {
                        return Err(self.err(format!("{k}: bad range `{part}`")));
                    }
                    out.extend(a..=b);
                }
                None => out.push(one(part)?),
            }
        }
        Ok(Some(out))
    }

    fn finish(self) -> Result<(), ParseError> {
        match self.map.keys().next() {
            Some(k) => Err(ParseError {
                line: self.line,
                message: format!("unknown property `{k}`"),
            }),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const QUICK: &str = r#"
# Peer1, the RouterOS MLAG Quick setup
/interface bridge
add name=bridge1 vlan-filtering=yes admin-mac=02:00:00:00:01:00 auto-mac=no
/interface bonding add name=client-bond slaves=sfp2 mode=802.3ad \
    mlag-id=10 lacp-rate=1sec
/interface bridge port
add bridge=bridge1 interface=sfp1 pvid=99
add bridge=bridge1 interface=client-bond pvid=10
add bridge=bridge1 interface=ether1 pvid=20
/interface bridge vlan add bridge=bridge1 vlan-ids=10,20 tagged=sfp1
/interface bridge mlag set bridge=bridge1 peer-port=sfp1 priority=100 heartbeat=2s
"#;

    fn macs(name: &str) -> Option<MacAddr> {
        match name {
            "sfp1" => Some(MacAddr([2, 0, 0, 0, 1, 1])),
            "sfp2" => Some(MacAddr([2, 0, 0, 0, 1, 2])),
            "ether1" => Some(MacAddr([2, 0, 0, 0, 1, 3])),
            _ => None,
        }
    }

    #[test]
    fn quick_setup_parses_and_validates() {
        let p = parse(QUICK, &macs).unwrap();
        let c = &p.config;
        assert_eq!(c.bridges.len(), 1);
        assert!(c.bridges[0].vlan_filtering);
        assert_eq!(c.bonds[0].mlag_id, Some(10));
        assert_eq!(c.bonds[0].mode, BondMode::Ieee8023ad);
        assert_eq!(c.bonds[0].lacp_rate, LacpRate::Sec1);
        assert_eq!(c.ports.len(), 3);
        assert_eq!(c.ports[0].pvid, 99);
        assert_eq!(c.vlans[0].vlan_ids, vec![10, 20]);
        assert_eq!(c.mlag.peer_port.as_deref(), Some("sfp1"));
        assert_eq!(c.mlag.priority, 100);
        assert_eq!(c.mlag.heartbeat, Some(Duration::from_secs(2)));
        assert!(p.iccp_secret.is_none());
        let names: Vec<_> = c.ethernet.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["sfp2", "sfp1", "ether1"]);
        c.validate().unwrap();
    }

    #[test]
    fn mstp_region_and_port_mst_override() {
        let text = QUICK.replace(
            "auto-mac=no\n",
            "auto-mac=no protocol-mode=mstp region-name=r1 region-revision=2\n\
             /interface bridge msti add bridge=bridge1 identifier=1 vlan-mapping=10 \
             priority=0x1000\n\
             /interface bridge port-mst-override add interface=ether1 identifier=1 \
             priority=0x40 internal-path-cost=500\n",
        );
        let p = parse(&text, &macs).unwrap();
        let o = &p.config.port_mst_overrides;
        assert_eq!(o.len(), 1);
        assert_eq!((o[0].interface.as_str(), o[0].identifier), ("ether1", 1));
        assert_eq!((o[0].priority, o[0].internal_path_cost), (0x40, Some(500)));
        let v = p.config.validate().unwrap();
        let port = v
            .mlag_bridge()
            .unwrap()
            .ports
            .iter()
            .find(|x| x.name == "ether1");
        assert_eq!(port.unwrap().mst_overrides.len(), 1);
    }

    #[test]
    fn iccp_secret_extension() {
        let with = |v: &str| {
            let text = QUICK.replace("heartbeat=2s", &format!("heartbeat=2s iccp-secret={v}"));
            parse(&text, &macs)
        };
        let p = with("\"s3cret-Pair!\"").unwrap();
        assert_eq!(
            p.iccp_secret.as_ref().map(IccpSecret::as_bytes),
            Some(&b"s3cret-Pair!"[..])
        );
        assert!(!format!("{p:?}").contains("s3cret"));
        assert!(with("none").unwrap().iccp_secret.is_none());
        for bad in ["short", "\"has a space\"", "\"\""] {
            let e = with(bad).unwrap_err();
            assert!(e.message.contains("iccp-secret"), "{bad}: {e}");
            assert!(!e.message.contains("has a"), "{bad}: {e}");
            let mlag_line = QUICK.lines().position(|l| l.contains("mlag set")).unwrap() + 1;
            assert_eq!(e.line, mlag_line, "{bad}");
        }
    }

    #[test]
    fn lacp_fallback_extension() {
        let with = |v: &str| {
            let text = QUICK.replace("lacp-rate=1sec", &format!("lacp-rate=1sec {v}"));
            parse(&text, &macs)
        };
        // Default: off.
        assert!(!with("").unwrap().config.bonds[0].lacp_fallback);
        let p = with("lacp-fallback=yes").unwrap();
        assert!(p.config.bonds[0].lacp_fallback);
        p.config.validate().unwrap();
        assert!(!with("lacp-fallback=no").unwrap().config.bonds[0].lacp_fallback);
        let e = with("lacp-fallback=maybe").unwrap_err();
        assert!(e.message.contains("lacp-fallback"), "{e}");
        assert_eq!(e.line, 5);
        // Only 802.3ad bonds fall back: validation names the bond's line.
        let text = QUICK
            .replace("mode=802.3ad", "mode=balance-xor")
            .replace("lacp-rate=1sec", "lacp-fallback=yes");
        let p = parse(&text, &macs).unwrap();
        let errs = p.config.validate().unwrap_err();
        assert!(
            errs.0.iter().any(|e| p.describe(e).starts_with("line 5: ")
                && p.describe(e).contains("lacp-fallback")),
            "{:?}",
            errs.0.iter().map(|e| p.describe(e)).collect::<Vec<_>>()
        );
    }

    #[test]
    fn errors_name_the_line() {
        let bad = QUICK.replace("pvid=20", "pvid=twenty");
        let e = parse(&bad, &macs).unwrap_err();
        assert_eq!(e.line, 10);
        assert!(e.message.contains("pvid"), "{e}");
        let e = parse("/interface bridge add name=b foo=1\n", &macs).unwrap_err();
        assert_eq!((e.line, e.message.as_str()), (1, "unknown property `foo`"));
        let e = parse("\n\n/interface bogus add x=1", &macs).unwrap_err();
        assert_eq!(e.line, 3);
        let e = parse("add name=x", &macs).unwrap_err();
        assert_eq!(e.line, 1);
        let e = parse("/interface bridge port add bridge=b interface=nope", &macs).unwrap_err();
        assert!(e.message.contains("no interface `nope`"), "{e}");
        let e = parse("/interface bridge add name=\"b", &macs).unwrap_err();
        assert!(e.message.contains("quote"), "{e}");
    }

    #[test]
    fn validation_errors_get_the_line_of_their_object() {
        let bad = QUICK.replace("mode=802.3ad", "mode=balance-rr");
        let p = parse(&bad, &macs).unwrap();
        let errs = p.config.validate().unwrap_err();
        let text = p.describe(&errs.0[0]);
        assert!(text.starts_with("line 5: "), "{text}");
    }

    #[test]
    fn slash_form_ethernet_set_and_durations() {
        let text = "/interface/ethernet set [ find default-name=sfp1 ] mac-address=02:00:00:00:09:01\n\
                    /interface/bridge add name=b heartbeat=1\n";
        // `heartbeat` is not a bridge property.
        assert!(parse(text, &macs).is_err());
        let text = "/interface/ethernet set [ find default-name=sfp1 ] mac-address=02:00:00:00:09:01\n\
                    /interface/bridge add name=b ageing-time=1m30s\n\
                    /interface/bridge/port add bridge=b interface=sfp1\n";
        let p = parse(text, &macs).unwrap();
        assert_eq!(
            p.config.ethernet[0].mac_address,
            MacAddr([2, 0, 0, 0, 9, 1])
        );
        assert_eq!(p.config.bridges[0].ageing_time, Duration::from_secs(90));
        assert_eq!(duration("500ms"), Ok(Duration::from_millis(500)));
        assert!(duration("5x").is_err());
        assert!(duration("5").is_ok());
    }

    /// Random lines built from the grammar's own tokens and stray bytes (a seeded LCG: no
    /// randomness but the seed): the parser answers every one, with a line number inside the
    /// text when it refuses.
    #[test]
    fn random_files_never_panic() {
        const TOKENS: &[&str] = &[
            "/interface",
            "bridge",
            "port",
            "vlan",
            "bonding",
            "mlag",
            "msti",
            "ethernet",
            "/interface/bridge/port",
            "add",
            "set",
            "name=",
            "bridge=",
            "interface=",
            "slaves=",
            "mode=802.3ad",
            "mlag-id=",
            "lacp-fallback=",
            "vlan-ids=",
            "1-4094",
            "10,20",
            "pvid=",
            "sfp1",
            "sfp2",
            "ether1",
            "bridge1",
            "peer-port=",
            "heartbeat=",
            "5s",
            "1m30",
            "ms",
            "none",
            "=",
            "\"",
            "[",
            "]",
            "[ find default-name=sfp1 ]",
            "#",
            "\\",
            "\n",
            " ",
            "0x",
            "yes",
            "mac-address=",
            "02:00:00:00:01:01",
            "\u{0}",
            "é",
            "4294967296",
            "-",
            ",",
        ];
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = |n: usize| {
            x = x
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            usize::try_from(x >> 33).unwrap() % n
        };
        for _ in 0..5000 {
            let mut text = String::new();
            for _ in 0..next(40) {
                text.push_str(TOKENS[next(TOKENS.len())]);
                if next(3) == 0 {
                    text.push(' ');
                }
            }
            let lines = text.lines().count().max(1);
            if let Err(e) = parse(&text, &macs) {
                assert!(e.line >= 1 && e.line <= lines, "{e} for {text:?}");
            }
        }
    }

    #[test]
    fn garbage_never_panics() {
        for s in [
            "/",
            "/interface",
            "[",
            "]",
            "\"",
            "\\",
            "=",
            "/interface bridge add =",
            "/interface bridge vlan add bridge=b vlan-ids=5-1",
            "a\u{0}b",
            "#\\\n\\",
        ] {
            let _ = parse(s, &macs);
        }
    }
}
