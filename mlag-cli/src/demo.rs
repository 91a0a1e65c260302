//! `mlag demo`: the RouterOS MLAG Quick setup in virtual time ([`run_mlag`]), and the older
//! two-LACP-systems run ([`run`], scenario `lacp-pair`).
//!
//! # The MLAG demo
//! [`run_mlag`] builds `mlag_core::sim::QuickSetup` — Peer1 and Peer2 joined by their
//! peer-ports, a client bond of two links (one to each peer), a host behind each peer, numbered
//! streams between the three hosts — runs it until it has converged, prints each peer's
//! `/interface/bridge/mlag/monitor` and the client's `/interface bonding monitor` as RouterOS
//! does, then plays a failover [`Scenario`] (by default Peer1 dies) and prints the monitors
//! again with what every stream lost, in virtual time.
//!
//! # The LACP pair
//! System A (priority 32768, 02:00:00:00:00:0a) and system B (02:00:00:00:00:0b) each run one
//! LAG of two ports, active, fast rate, joined by two simulated links with a 1 ms one-way delay.
//! The run brings the links up at t = 0, cuts link 2 at `cut_at` (carrier loss seen by both sides),
//! restores it at `restore_at`, and ends at `duration`. Every protocol event is printed as it
//! happens, and both sides' `monitor` views (like RouterOS `/interface bonding monitor` and
//! `monitor-slaves`) after aggregation, after the cut and at the end. Every frame can be written
//! to a pcap file.

use crate::pcap::PcapSink;
use core::cmp::Reverse;
use l2_types::{Duration, Instant, MacAddr, PortNo};
use lacp::wire::PortState;
use lacp::{Event, LagConfig, LagId, LinkState, PortConfig, System, SystemConfig};
use std::collections::BinaryHeap;
use std::io::Write;

/// Options of the demo run.
#[derive(Debug, Clone)]
pub struct DemoOptions {
    /// Virtual time to run for.
    pub duration: Duration,
    /// When link 2 is cut (`None`: never).
    pub cut_at: Option<Duration>,
    /// When link 2 comes back.
    pub restore_at: Option<Duration>,
    /// One-way delay of each link.
    pub delay: Duration,
    /// Use the slow rate (30 s) instead of the fast one (1 s).
    pub slow: bool,
}

impl Default for DemoOptions {
    fn default() -> Self {
        Self {
            duration: Duration::from_secs(20),
            cut_at: Some(Duration::from_secs(8)),
            restore_at: Some(Duration::from_secs(12)),
            delay: Duration::from_millis(1),
            slow: false,
        }
    }
}

/// What the run ended with, for tests and the exit code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoOutcome {
    /// Virtual time at which both links of both sides were distributing, first.
    pub aggregated_at: Option<Duration>,
    /// Frames exchanged.
    pub frames: u64,
    /// Ports distributing at the end, side A then side B.
    pub distributing_at_end: (usize, usize),
}

const LAG: LagId = LagId(1);
const NAMES: [&str; 2] = ["ether1", "ether2"];

struct Side {
    name: &'static str,
    sys: System,
}

fn side(name: &'static str, mac_last: u8, slow: bool, now: Instant) -> Side {
    let mut sys = System::new(SystemConfig {
        system: MacAddr([0x02, 0, 0, 0, 0, mac_last]),
        ..SystemConfig::default()
    });
    // The demo's own configuration is valid by construction.
    let _ = sys.add_lag(
        now,
        LAG,
        LagConfig {
            key: 10,
            ..LagConfig::default()
        },
    );
    for i in 0..2u8 {
        let mut cfg = PortConfig::new(
            MacAddr([0x02, 0, 0, mac_last, 0, i + 1]),
            LAG,
            u16::from(i) + 1,
        );
        cfg.timeout = if slow {
            lacp::LacpTimeout::Long
        } else {
            lacp::LacpTimeout::Short
        };
        let _ = sys.add_port(now, PortNo(u16::from(i)), cfg);
    }
    Side { name, sys }
}

/// A frame in flight on a simulated link.
#[derive(PartialEq, Eq, PartialOrd, Ord)]
struct InFlight {
    at: Instant,
    seq: u64,
    to_side: usize,
    port: u16,
    frame: Vec<u8>,
}

fn instant(d: Duration) -> Instant {
    Instant::ZERO + d
}

fn secs(t: Instant) -> f64 {
    t.since_origin().as_secs_f64()
}

fn all_distributing(s: &Side) -> bool {
    s.sys.ports().filter(|p| p.distributing).count() == 2
}

fn port_name(p: PortNo) -> &'static str {
    NAMES.get(usize::from(p.0)).copied().unwrap_or("?")
}

fn state_str(st: PortState) -> String {
    String::from_utf8_lossy(&st.compact()).into_owned()
}

/// One line per event, with the demo's interface names.
fn describe(ev: &Event) -> String {
    match ev {
        Event::PortSelected {
            port, aggregator, ..
        } => {
            format!("{}: selected aggregator {}", port_name(*port), aggregator.0)
        }
        Event::PortUnselected { port } => format!("{}: unselected", port_name(*port)),
        Event::PortStandby { port, aggregator } => {
            format!(
                "{}: standby on aggregator {}",
                port_name(*port),
                aggregator.0
            )
        }
        Event::Attached { port, aggregator } => {
            format!(
                "{}: attached to aggregator {}",
                port_name(*port),
                aggregator.0
            )
        }
        Event::Detached { port } => format!("{}: detached", port_name(*port)),
        Event::CollectingChanged { port, collecting } => {
            format!("{}: collecting {}", port_name(*port), on_off(*collecting))
        }
        Event::DistributingChanged { port, distributing } => {
            format!(
                "{}: distributing {}",
                port_name(*port),
                on_off(*distributing)
            )
        }
        Event::PartnerChanged { port, partner } => format!(
            "{}: partner {},{} key {} port {} state {}",
            port_name(*port),
            partner.system_priority,
            partner.system,
            partner.key,
            partner.port,
            state_str(partner.state)
        ),
        other => format!("{other:?}"),
    }
}

fn on_off(b: bool) -> &'static str {
    if b { "on" } else { "off" }
}

/// Prints a side's view like RouterOS `/interface bonding monitor` and `monitor-slaves`.
fn monitor(out: &mut impl Write, s: &Side) -> std::io::Result<()> {
    for lag in s.sys.lags() {
        let active: Vec<&str> = s
            .sys
            .ports()
            .filter(|p| p.lag == lag.lag && p.distributing)
            .filter_map(|p| NAMES.get(usize::from(p.port.0)).copied())
            .collect();
        writeln!(out, "  [{}] /interface bonding monitor bond1", s.name)?;
        writeln!(out, "                      mode: 802.3ad")?;
        writeln!(out, "              active-ports: {}", active.join(","))?;
        writeln!(out, "            lacp-system-id: {}", lag.actor_system.mac)?;
        writeln!(
            out,
            "      lacp-system-priority: {}",
            lag.actor_system.priority
        )?;
        writeln!(
            out,
            "    lacp-partner-system-id: {}",
            lag.partner_system
                .map_or("none".to_string(), |p| p.mac.to_string())
        )?;
        writeln!(out, "                        up: {}", lag.up)?;
    }
    writeln!(
        out,
        "  [{}] /interface bonding monitor-slaves bond1",
        s.name
    )?;
    for p in s.sys.ports() {
        let name = port_name(p.port);
        let flags = state_str;
        writeln!(
            out,
            "    {name:7} {:?}/{:?} aggregator={}  actor: port={} key={} state={}  partner: system={} port={} key={} state={}",
            p.selected,
            p.mux_state,
            p.aggregator.map_or("-".to_string(), |a| a.0.to_string()),
            p.actor.port,
            p.actor.key,
            flags(p.actor.state),
            p.partner.system,
            p.partner.port,
            p.partner.key,
            flags(p.partner.state),
        )?;
    }
    Ok(())
}

/// Runs the demo, printing to `out` and optionally writing every frame to `pcap`.
pub fn run(
    opts: &DemoOptions,
    out: &mut impl Write,
    mut pcap: Option<&mut PcapSink>,
) -> std::io::Result<DemoOutcome> {
    let mut now = Instant::ZERO;
    let mut sides = [
        side("A", 0x0a, opts.slow, now),
        side("B", 0x0b, opts.slow, now),
    ];
    let mut wire: BinaryHeap<Reverse<InFlight>> = BinaryHeap::new();
    let mut seq = 0u64;
    let mut link_up = [true, true];
    let mut outcome = DemoOutcome {
        aggregated_at: None,
        frames: 0,
        distributing_at_end: (0, 0),
    };
    let end = instant(opts.duration);
    let mut scheduled: Vec<(Instant, usize, bool)> = Vec::new();
    if let Some(c) = opts.cut_at {
        scheduled.push((instant(c), 1, false));
    }
    if let Some(r) = opts.restore_at {
        scheduled.push((instant(r), 1, true));
    }
    scheduled.sort();
    let up = LinkState::Up {
        speed_mbps: 1000,
        full_duplex: true,
    };
    writeln!(
        out,
        "mlag demo: two LACP systems, two links, {} rate, virtual time",
        if opts.slow { "slow" } else { "fast" }
    )?;
    writeln!(
        out,
        "  A = {}  B = {}",
        sides[0]
            .sys
            .lags()
            .next()
            .map_or(MacAddr::ZERO, |l| l.actor_system.mac),
        sides[1]
            .sys
            .lags()
            .next()
            .map_or(MacAddr::ZERO, |l| l.actor_system.mac)
    )?;
    for s in sides.iter_mut() {
        for p in 0..2 {
            s.sys.handle_link(now, PortNo(p), up);
        }
    }
    let mut buf = vec![0u8; 1514];
    let mut printed_cut = false;
    for _step in 0..1_000_000u32 {
        // Drain outputs of both sides.
        for (i, s) in sides.iter_mut().enumerate() {
            while let Some(t) = s.sys.poll_transmit(&mut buf) {
                let frame = buf.get(..t.len).unwrap_or_default().to_vec();
                if let Some(p) = pcap.as_deref_mut() {
                    p.write(now, &frame).map_err(std::io::Error::other)?;
                }
                outcome.frames += 1;
                if link_up.get(usize::from(t.port.0)).copied().unwrap_or(false) {
                    seq += 1;
                    wire.push(Reverse(InFlight {
                        at: now + opts.delay,
                        seq,
                        to_side: 1 - i,
                        port: t.port.0,
                        frame,
                    }));
                }
            }
            while let Some(ev) = s.sys.poll_event() {
                writeln!(out, "{:>9.3}s {} {}", secs(now), s.name, describe(&ev))?;
            }
        }
        if outcome.aggregated_at.is_none() && sides.iter().all(all_distributing) {
            outcome.aggregated_at = Some(now.since_origin());
            writeln!(
                out,
                "\n-- both links aggregated on both sides at t = {:.3} s --",
                secs(now)
            )?;
            for s in &sides {
                monitor(out, s)?;
            }
            writeln!(out)?;
        }
        if !printed_cut
            && !link_up[1]
            && sides
                .iter()
                .all(|s| s.sys.ports().filter(|p| p.distributing).count() == 1)
        {
            printed_cut = true;
            writeln!(
                out,
                "\n-- after the cut, each side distributes on ether1 only (t = {:.3} s) --",
                secs(now)
            )?;
            for s in &sides {
                monitor(out, s)?;
            }
            writeln!(out)?;
        }
        // Next instant: a frame arrival, a scheduled link change, a protocol timer or the end.
        let mut next = end;
        if let Some(Reverse(f)) = wire.peek() {
            next = next.min(f.at);
        }
        if let Some(&(t, _, _)) = scheduled.first() {
            next = next.min(t);
        }
        for s in &sides {
            if let Some(t) = s.sys.poll_timeout() {
                next = next.min(t.max(now));
            }
        }
        if next >= end && wire.peek().is_none_or(|Reverse(f)| f.at >= end) {
            break;
        }
        now = next;
        if let Some(&(t, link, state)) = scheduled.first()
            && t <= now
        {
            scheduled.remove(0);
            if let Some(l) = link_up.get_mut(link) {
                *l = state;
            }
            writeln!(
                out,
                "{:>9.3}s -- link {} {} --",
                secs(now),
                link + 1,
                if state { "restored" } else { "cut" }
            )?;
            for s in sides.iter_mut() {
                s.sys.handle_link(
                    now,
                    PortNo(link as u16),
                    if state { up } else { LinkState::Down },
                );
            }
            if !state {
                // Frames in flight on a cut link are lost.
                wire.retain(|Reverse(f)| usize::from(f.port) != link);
            }
        }
        while wire.peek().is_some_and(|Reverse(f)| f.at <= now) {
            if let Some(Reverse(f)) = wire.pop()
                && let Some(s) = sides.get_mut(f.to_side)
            {
                // The demo's frames are well formed; an error would be printed as an event.
                if let Err(e) = s.sys.handle_frame(now, PortNo(f.port), &f.frame) {
                    writeln!(out, "{:>9.3}s {} rx error: {e}", secs(now), s.name)?;
                }
            }
        }
        for s in sides.iter_mut() {
            s.sys.handle_timeout(now);
        }
    }
    writeln!(
        out,
        "\n-- end of run at t = {:.3} s ({} frames) --",
        secs(end),
        outcome.frames
    )?;
    for s in &sides {
        monitor(out, s)?;
    }
    let count = |s: &Side| s.sys.ports().filter(|p| p.distributing).count();
    outcome.distributing_at_end = (count(&sides[0]), count(&sides[1]));
    Ok(outcome)
}

// ---------------------------------------------------------------------------------------------
// The MLAG Quick setup demo.

use mlag_core::sim::{
    CrashMode, Endpoint, MlagPeer, Probability, QuickSetup, QuickSetupParams, ViolationKind,
};

/// A failover the MLAG demo plays after convergence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scenario {
    /// Peer1 dies (power off): the client keeps its bond on Peer2's link.
    PeerCrash,
    /// Peer1's link to the client goes down, then comes back.
    MemberLink,
    /// The peer-link goes down while both peers live (the backup keepalive path hears them):
    /// the secondary takes its half out on the first backup keepalive heard after the failure
    /// (within the heartbeat, 5 s).
    PeerLink,
    /// The peer-link silently drops everything (carrier up): detected at 3 × heartbeat.
    SilentPeerLink,
    /// Peer1 dies, then reboots and rejoins.
    Rejoin,
    /// Peer2's priority changes to 10: the primary role moves without a flap.
    Priority,
    /// Peer2's client bond is in another VLAN: reported, and Peer2's half held down.
    Mismatch,
    /// Peer1's control plane restarts from a snapshot (down 500 ms, the dataplane forwarding):
    /// nobody notices (issue 6, `Coordinator::snapshot` / `restore`).
    HitlessRestart,
}

impl Scenario {
    /// Every scenario, with its command-line name.
    pub const ALL: [(&'static str, Self); 8] = [
        ("peer-crash", Self::PeerCrash),
        ("member-link", Self::MemberLink),
        ("peer-link", Self::PeerLink),
        ("silent-peer-link", Self::SilentPeerLink),
        ("rejoin", Self::Rejoin),
        ("priority", Self::Priority),
        ("mismatch", Self::Mismatch),
        ("hitless-restart", Self::HitlessRestart),
    ];

    /// The scenario named `name`.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.iter().find(|(n, _)| *n == name).map(|(_, s)| *s)
    }

    /// The host the failure cuts off for good (behind a dead peer, or behind the isolated
    /// secondary while the peer-link is down), whose streams are not the failover's measure.
    pub const fn cut_off(self) -> Option<Endpoint> {
        match self {
            Self::PeerCrash | Self::Rejoin => Some(Endpoint::Host1),
            Self::PeerLink | Self::SilentPeerLink => Some(Endpoint::Host2),
            _ => None,
        }
    }

    /// Its command-line name.
    pub fn name(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(_, s)| *s == self)
            .map_or("?", |(n, _)| n)
    }
}

/// Options of the MLAG demo.
#[derive(Debug, Clone)]
pub struct MlagDemoOptions {
    /// The failover to play.
    pub scenario: Scenario,
    /// The simulator's seed.
    pub seed: u64,
    /// Keep every frame for a pcap file.
    pub capture: bool,
    /// After the failover, print each peer's explanation of the client's MLAG ("why is this
    /// bond (not) distributing?", `Coordinator::explain_mlag`) with its last transitions.
    pub explain: bool,
}

impl Default for MlagDemoOptions {
    fn default() -> Self {
        Self {
            scenario: Scenario::PeerCrash,
            seed: 1,
            capture: false,
            explain: false,
        }
    }
}

/// What one stream saw over the whole run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamOutcome {
    /// Sender.
    pub from: Endpoint,
    /// Receiver.
    pub to: Endpoint,
    /// Frames sent.
    pub sent: u64,
    /// Frames that never arrived (below the highest received).
    pub lost: u64,
    /// Frames received twice.
    pub duplicates: u64,
    /// The longest time without a new frame, minus the interval (virtual time).
    pub outage: Duration,
}

/// What the MLAG demo ended with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MlagDemoOutcome {
    /// Virtual time at which the pair was connected and the client used both links.
    pub converged_at: Option<Duration>,
    /// The client's bond was up at the end, with the pair's system-id as partner.
    pub client_kept_bond: bool,
    /// Times a client link saw another partner System (renegotiations).
    pub partner_changes: u64,
    /// Every stream.
    pub streams: Vec<StreamOutcome>,
    /// Invariant violations (duplicate deliveries, loops, two primaries while connected).
    pub violations: usize,
    /// Of those, duplicate deliveries, forwarding loops and hop-budget overruns.
    pub forwarding_violations: usize,
    /// The capture as a pcap file, when asked for.
    pub pcap: Option<Vec<u8>>,
    /// Both peers' flight recorders as one JSON object:
    /// `{"peer1":{"capacity":…,"dropped":…,"records":[…]},"peer2":{…}}`.
    pub flight_recorder: String,
}

/// RouterOS prints MAC addresses in upper case.
fn mac_upper(m: MacAddr) -> String {
    m.to_string().to_uppercase()
}

fn now_s(q: &QuickSetup) -> f64 {
    q.net.now().since_origin().as_secs_f64()
}

fn print_peer(out: &mut impl Write, q: &QuickSetup, i: usize) -> std::io::Result<()> {
    let name = if i == 0 { "Peer1" } else { "Peer2" };
    let Some(p) = q.peer(i) else {
        return Ok(());
    };
    writeln!(out, "[{name}] /interface/bridge/mlag/monitor")?;
    if q.net.is_crashed(q.peers[i]) {
        writeln!(out, "  (powered off)")?;
        return Ok(());
    }
    let m = p.monitor();
    write!(out, "{m}")?;
    for s in &m.mlags {
        let state = if s.held_down {
            "held down (configuration mismatch)"
        } else if !s.released {
            "held out of the LAG"
        } else if s.local_up {
            "distributing"
        } else {
            "down"
        };
        writeln!(
            out,
            "  # mlag-id={} {}: {state}; peer half {}",
            s.mlag_id.0,
            s.bond,
            if s.peer_up { "up" } else { "down" }
        )?;
    }
    if let Some(r) = &m.consistency {
        for f in &r.findings {
            writeln!(out, "  # consistency: {f:?}")?;
        }
    }
    Ok(())
}

fn print_client(out: &mut impl Write, q: &QuickSetup) -> std::io::Result<()> {
    let Some(c) = q.client() else {
        return Ok(());
    };
    let names = |want: bool| -> Vec<String> {
        c.system()
            .ports()
            .filter(|p| p.distributing == want)
            .map(|p| format!("ether{}", p.port.0))
            .collect()
    };
    writeln!(out, "[client] /interface bonding monitor bond1")?;
    writeln!(out, "                    mode: 802.3ad")?;
    writeln!(out, "            active-ports: {}", names(true).join(","))?;
    writeln!(out, "          inactive-ports: {}", names(false).join(","))?;
    if let Some(lag) = c.system().lag(mlag_core::sim::CLIENT_LAG) {
        writeln!(
            out,
            "          lacp-system-id: {}",
            mac_upper(lag.actor_system.mac)
        )?;
        writeln!(
            out,
            "    lacp-system-priority: {}",
            lag.actor_system.priority
        )?;
        writeln!(
            out,
            "  lacp-partner-system-id: {}",
            lag.partner_system
                .map_or_else(|| "none".to_string(), |p| mac_upper(p.mac))
        )?;
    }
    Ok(())
}

fn print_all(out: &mut impl Write, q: &QuickSetup, title: &str) -> std::io::Result<()> {
    writeln!(out)?;
    writeln!(out, "-- t={:.6}s (virtual): {title}", now_s(q))?;
    print_peer(out, q, 0)?;
    print_peer(out, q, 1)?;
    print_client(out, q)
}

fn streams(q: &QuickSetup) -> Vec<StreamOutcome> {
    let now = q.net.now();
    let interval = q.params.interval.max(Duration::from_nanos(1));
    // Frames sent more than 10 ms ago have arrived or are lost (the longest path is µs long).
    let settled = now
        .saturating_duration_since(q.params.traffic_start)
        .saturating_sub(Duration::from_millis(10));
    let due = u64::try_from(settled.as_nanos() / interval.as_nanos())
        .unwrap_or(u64::MAX)
        .saturating_add(1);
    let mut v = Vec::new();
    for from in Endpoint::ALL {
        for to in Endpoint::ALL {
            if from == to {
                continue;
            }
            let rx = q.rx(from, to).unwrap_or_default();
            let stalled = rx
                .last_at
                .map_or(Duration::ZERO, |t| now.saturating_duration_since(t));
            v.push(StreamOutcome {
                from,
                to,
                sent: q.sent(from, to),
                // Gaps, and the tail that never came.
                lost: rx.missing().saturating_add(
                    due.saturating_sub(rx.max_seq.map_or(0, |m| m.saturating_add(1))),
                ),
                duplicates: rx.duplicates,
                outage: rx
                    .longest_gap
                    .max(stalled)
                    .saturating_sub(q.params.interval),
            });
        }
    }
    v
}

fn with_peer<R>(
    q: &mut QuickSetup,
    i: usize,
    f: impl FnOnce(&mut MlagPeer, Instant) -> R,
) -> Option<R> {
    let id = *q.peers.get(i)?;
    q.net.with_node::<MlagPeer, R>(id, f)
}

/// Runs the MLAG demo, printing to `out`.
///
/// # Errors
/// Writing to `out` failed, or the Quick setup could not be built (a bug: the configuration
/// is fixed).
pub fn run_mlag(opts: &MlagDemoOptions, out: &mut impl Write) -> std::io::Result<MlagDemoOutcome> {
    let mut params = QuickSetupParams::new(opts.seed);
    if opts.scenario == Scenario::Mismatch
        && let Some(p) = params.configs[1]
            .ports
            .iter_mut()
            .find(|p| p.interface == "client-bond")
    {
        p.pvid = 20;
    }
    if opts.scenario == Scenario::PeerCrash || opts.scenario == Scenario::Rejoin {
        // The peer dies with its links: the survivor knows at once (see the failover table for
        // the run with a backup path).
        params.backup = false;
    }
    let interval = params.interval;
    let d = params.peer_link.delay;
    let mut q = QuickSetup::build(params).map_err(std::io::Error::other)?;
    q.net.set_capture(opts.capture);
    writeln!(
        out,
        "mlag demo: the RouterOS MLAG Quick setup in virtual time (seed {}, scenario {})",
        opts.seed,
        opts.scenario.name()
    )?;
    writeln!(
        out,
        "  Peer1, Peer2: bridge1 (vlan-filtering), peer-port sfp-sfpplus1 <-> sfp-sfpplus1 ({d:?} one way){}",
        if q.backup_link.is_some() {
            ", backup keepalive link"
        } else {
            ""
        }
    )?;
    writeln!(
        out,
        "  client-bond (802.3ad, mlag-id=10) on each peer's sfp-sfpplus2; host1/host2 on ether1"
    )?;
    writeln!(
        out,
        "  client: bond1 (802.3ad, lacp-rate=1sec) = ether1 -> Peer1, ether2 -> Peer2; a host behind it"
    )?;
    writeln!(
        out,
        "  traffic: client, host1, host2 each send one frame every {interval:?} to each other, from t={:?}",
        q.params.traffic_start.since_origin()
    )?;
    let converge_by = Instant::from_secs(10);
    let links = if opts.scenario == Scenario::Mismatch {
        1
    } else {
        2
    };
    // Step to convergence (the first instant the pair is connected and the client uses its links).
    let mut converged_at = None;
    while q.net.now() < converge_by {
        if q.converged(links) {
            converged_at = Some(q.net.now().since_origin());
            break;
        }
        if !q.net.step() {
            break;
        }
    }
    q.net.run_until(Instant::from_secs(6));
    print_all(
        out,
        &q,
        &match converged_at {
            Some(t) => format!("converged at t={:.6}s", t.as_secs_f64()),
            None => "NOT converged".to_string(),
        },
    )?;
    let t0 = Instant::from_secs(6);
    let (what, until) = match opts.scenario {
        Scenario::PeerCrash => {
            q.net.crash(q.peers[0], CrashMode::PowerOff);
            ("Peer1 dies (power off)", t0 + Duration::from_secs(2))
        }
        Scenario::MemberLink => {
            q.net.cut(q.client_links[0]);
            (
                "Peer1's link to the client goes down",
                t0 + Duration::from_secs(2),
            )
        }
        Scenario::PeerLink => {
            q.net.cut(q.peer_link);
            (
                "the peer-link goes down; the peers still hear each other on the backup path",
                t0 + Duration::from_secs(6),
            )
        }
        Scenario::SilentPeerLink => {
            let mut p = q.params.peer_link;
            p.loss = Probability::ALWAYS;
            q.net.set_link_params(q.peer_link, None, p);
            (
                "the peer-link silently drops every frame (carrier stays up)",
                t0 + Duration::from_secs(17),
            )
        }
        Scenario::Rejoin => {
            q.net.crash(q.peers[0], CrashMode::PowerOff);
            q.net.run_until(t0 + Duration::from_secs(2));
            print_all(out, &q, "Peer1 died (power off)")?;
            q.net.restart(q.peers[0]);
            (
                "Peer1 boots again and rejoins",
                q.net.now() + Duration::from_secs(4),
            )
        }
        Scenario::Priority => {
            let mut cfg = q.params.configs[1].clone();
            cfg.mlag.priority = 10;
            if let Ok(v) = cfg.validate() {
                let _ = with_peer(&mut q, 1, |p, now| p.apply(now, v));
            }
            (
                "/interface bridge mlag set priority=10 on Peer2",
                t0 + Duration::from_secs(2),
            )
        }
        Scenario::Mismatch => (
            "nothing (Peer2's client-bond has pvid=20, Peer1's pvid=10)",
            t0 + Duration::from_secs(2),
        ),
        Scenario::HitlessRestart => {
            let _ = with_peer(&mut q, 0, |p, now| {
                p.hitless_restart(now, Duration::from_millis(500));
            });
            (
                "Peer1's control plane restarts from a snapshot (down 500 ms; its dataplane forwards meanwhile)",
                t0 + Duration::from_secs(2),
            )
        }
    };
    writeln!(out)?;
    writeln!(out, "-- t={:.6}s (virtual): {what}", now_s(&q))?;
    q.net.run_until(until);
    print_all(out, &q, "after the failover")?;
    let streams = streams(&q);
    writeln!(out)?;
    writeln!(out, "traffic over the whole run (virtual time):")?;
    let cut = opts.scenario.cut_off();
    for s in &streams {
        let note = if cut == Some(s.from) || cut == Some(s.to) {
            match opts.scenario {
                Scenario::PeerCrash => "  (host1 is behind the dead peer)",
                Scenario::Rejoin => "  (host1 was behind the dead peer until it rejoined)",
                _ => "  (host2 is behind the isolated secondary)",
            }
        } else {
            ""
        };
        writeln!(
            out,
            "  {:>6} -> {:<6} sent {:>6}  lost {:>5}  duplicates {}  longest outage {:?}{note}",
            s.from.name(),
            s.to.name(),
            s.sent,
            s.lost,
            s.duplicates,
            s.outage
        )?;
    }
    let measured: Vec<&StreamOutcome> = streams
        .iter()
        .filter(|s| cut != Some(s.from) && cut != Some(s.to))
        .collect();
    let worst = measured.iter().map(|s| s.outage).max().unwrap_or_default();
    let lost: u64 = measured.iter().map(|s| s.lost).sum();
    writeln!(
        out,
        "traffic lost in the failover: {lost} frames; longest outage {worst:?} of virtual time \
         (one frame per {interval:?} per stream)"
    )?;
    let client = q.client();
    let lag = client.and_then(|c| c.system().lag(mlag_core::sim::CLIENT_LAG));
    let pair = q.peer(1).map(|p| p.view().system_id);
    let client_kept_bond = lag.is_some_and(|l| {
        l.up && l.partner_system.map(|p| p.mac) == pair && l.ports_distributing > 0
    });
    let partner_changes = client.map_or(0, |c| c.stats().partner_changes);
    writeln!(
        out,
        "client bond: {}; partner changes (renegotiations): {partner_changes}",
        if client_kept_bond {
            "up, same partner (the pair's system-id)"
        } else {
            "NOT up with the pair's system-id"
        }
    )?;
    let violations = q.net.violations().len();
    let forwarding_violations = q
        .net
        .violations()
        .iter()
        .filter(|v| {
            matches!(
                v.kind,
                ViolationKind::DuplicateDelivery { .. }
                    | ViolationKind::ForwardingLoop { .. }
                    | ViolationKind::HopBudgetExceeded { .. }
            )
        })
        .count();
    writeln!(
        out,
        "invariants (no duplicate delivery, no loop, one primary while connected): {}",
        if violations == 0 {
            "held on every step".to_string()
        } else {
            format!("{violations} violations:")
        }
    )?;
    for v in q.net.violations() {
        writeln!(
            out,
            "  t={:.6}s {:?}",
            v.at.since_origin().as_secs_f64(),
            v.kind
        )?;
    }
    if opts.explain {
        writeln!(out)?;
        writeln!(out, "why? (each peer's explanation of mlag-id 10)")?;
        for i in 0..2 {
            let name = if i == 0 { "Peer1" } else { "Peer2" };
            if q.net.is_crashed(q.peers[i]) {
                writeln!(out, "[{name}] (powered off)")?;
                continue;
            }
            if let Some(p) = q.peer(i) {
                let e = p
                    .coordinator()
                    .explain_mlag(mlag_core::dataplane::MlagId(10));
                write!(out, "[{name}] {e}")?;
            }
        }
    }
    let mut flight_recorder = String::from("{");
    for i in 0..2 {
        if i > 0 {
            flight_recorder.push(',');
        }
        flight_recorder.push_str(if i == 0 { "\"peer1\":" } else { "\"peer2\":" });
        match q.peer(i) {
            Some(p) => flight_recorder.push_str(&p.coordinator().flight_recorder_json()),
            None => flight_recorder.push_str("null"),
        }
    }
    flight_recorder.push('}');
    let pcap = opts.capture.then(|| q.net.pcap(|_| true));
    Ok(MlagDemoOutcome {
        flight_recorder,
        converged_at,
        client_kept_bond,
        partner_changes,
        streams,
        violations,
        forwarding_violations,
        pcap,
    })
}
