//! `mlag demo`: two LACP systems negotiating over two links in virtual time.
//!
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
