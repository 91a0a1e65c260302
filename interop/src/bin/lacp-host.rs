//! `lacp-host`: one `lacp::System` on real Linux interfaces (AF_PACKET), for interop tests.
//!
//! ```text
//! lacp-host --system MAC --priority N --key N [--slow] [--passive] --port IFACE:NUMBER...
//! ```
//! All ports join one LAG. Every protocol event is printed as a line `event t=SECONDS ...`;
//! `status` on stdin prints one `port ...` line per port and one `lag ...` line; `key N` and
//! `system MAC PRIORITY` change the LAG's actor key or system identity at run time; `quit` (or end of
//! stdin) exits. Link state is read from `/sys/class/net/IFACE/{carrier,speed}` every 100 ms
//! (`mlag_interop::host`).

use l2_types::{MacAddr, PortNo};
use lacp::wire::PortState;
use lacp::{
    Activity, LacpTimeout, LagConfig, LagId, LinkState, PortConfig, System, SystemConfig,
    SystemIdentity,
};
use mlag_interop::host::{self, Input};
use mlag_interop::{Command, PortArg};
use pnet_datalink::DataLinkSender;
use std::io::Write;
use std::process::ExitCode;
use std::sync::mpsc;

const LAG: LagId = LagId(1);

struct Args {
    system: MacAddr,
    priority: u16,
    key: u16,
    timeout: LacpTimeout,
    activity: Activity,
    ports: Vec<PortArg>,
}

fn parse_args() -> Result<Args, String> {
    let mut a = Args {
        system: MacAddr([0x02, 0, 0, 0, 0x4d, 0x4c]),
        priority: 32768,
        key: 1,
        timeout: LacpTimeout::Short,
        activity: Activity::Active,
        ports: Vec::new(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--system" => a.system = value()?.parse().map_err(|e| format!("--system: {e}"))?,
            "--priority" => a.priority = value()?.parse().map_err(|_| "--priority: not a u16")?,
            "--key" => a.key = value()?.parse().map_err(|_| "--key: not a u16")?,
            "--port" => a.ports.push(PortArg::parse(&value()?)?),
            "--slow" => a.timeout = LacpTimeout::Long,
            "--passive" => a.activity = Activity::Passive,
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if a.ports.is_empty() {
        return Err("at least one --port IFACE:NUMBER is needed".into());
    }
    Ok(a)
}

/// Slow Protocols frames (EtherType 0x8809) are the ones the System wants.
fn is_slow_protocols(frame: &[u8]) -> bool {
    frame.get(12..14) == Some(&[0x88, 0x09][..])
}

fn flags(s: PortState) -> String {
    String::from_utf8_lossy(&s.compact()).into_owned()
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("lacp-host: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), String> {
    let args = parse_args()?;
    let clock = host::Clock::start();
    let now = || clock.now();
    let (tx, rx) = mpsc::channel::<Input>();
    let mut senders: Vec<Box<dyn DataLinkSender>> = Vec::new();

    let mut system = System::new(SystemConfig {
        system_priority: args.priority,
        system: args.system,
        ..SystemConfig::default()
    });
    let lag_cfg = LagConfig {
        key: args.key,
        ..LagConfig::default()
    };
    system
        .add_lag(now(), LAG, lag_cfg)
        .map_err(|e| format!("add_lag: {e}"))?;

    for (idx, port) in args.ports.iter().enumerate() {
        let (sender, mac) = host::open_port(&port.iface, idx, is_slow_protocols, &tx)?;
        senders.push(sender);
        let mut cfg = PortConfig::new(mac, LAG, port.number);
        cfg.activity = args.activity;
        cfg.timeout = args.timeout;
        system
            .add_port(now(), PortNo(idx as u16), cfg)
            .map_err(|e| format!("add_port {}: {e}", port.iface))?;
    }
    host::spawn_stdin(tx.clone());
    drop(tx);

    let names: Vec<String> = args.ports.iter().map(|p| p.iface.clone()).collect();
    let mut lag_cfg = lag_cfg;
    let mut buf = vec![0u8; 1514];
    let out = std::io::stdout();
    loop {
        let Ok(msg) = host::next_input(&rx, system.poll_timeout(), &clock) else {
            return Ok(());
        };
        let t = now();
        match msg {
            Some(Input::Frame(idx, frame)) => {
                if let Err(e) = system.handle_frame(t, PortNo(idx as u16), &frame) {
                    println!("rx-error t={t} port={} error={e}", names[idx]);
                }
            }
            Some(Input::Link(idx, speed)) => {
                let up = speed.is_some();
                let link = match speed {
                    // veths report 10000; an unknown speed (0) is taken as 10 Gb/s too.
                    Some(s) => LinkState::Up {
                        speed_mbps: if s == 0 { 10_000 } else { s },
                        full_duplex: true,
                    },
                    None => LinkState::Down,
                };
                println!("link t={t} port={} up={up}", names[idx]);
                system.handle_link(t, PortNo(idx as u16), link);
            }
            Some(Input::Cmd(line)) => match Command::parse(&line) {
                Ok(Command::Key(k)) => {
                    lag_cfg.key = k;
                    if let Err(e) = system.set_lag_config(t, LAG, lag_cfg) {
                        println!("error t={t} command={line:?} error={e}");
                    }
                }
                Ok(Command::System(mac, priority)) => {
                    lag_cfg.actor_system = Some(SystemIdentity { priority, mac });
                    if let Err(e) = system.set_lag_config(t, LAG, lag_cfg) {
                        println!("error t={t} command={line:?} error={e}");
                    }
                }
                Ok(Command::Status) => {
                    for p in system.ports() {
                        let i = usize::from(p.port.0);
                        println!(
                            "port name={} actor_key={} actor_state={} partner_system={} partner_key={} partner_port={} partner_state={} selected={:?} mux={:?} collecting={} distributing={}",
                            names.get(i).map_or("?", |s| s.as_str()),
                            p.actor.key,
                            flags(p.actor.state),
                            p.partner.system,
                            p.partner.key,
                            p.partner.port,
                            flags(p.partner.state),
                            p.selected,
                            p.mux_state,
                            p.collecting,
                            p.distributing,
                        );
                    }
                    for l in system.lags() {
                        println!("lag {l:?}");
                    }
                    println!("end-status");
                }
                Ok(Command::Quit) => return Ok(()),
                Err(e) => println!("error t={t} command={line:?} error={e}"),
            },
            Some(Input::Eof) => return Ok(()),
            None => {}
        }
        system.handle_timeout(now());
        while let Some(txm) = system.poll_transmit(&mut buf) {
            let i = usize::from(txm.port.0);
            if let (Some(s), Some(frame)) = (senders.get_mut(i), buf.get(..txm.len)) {
                match s.send_to(frame, None) {
                    Some(Ok(())) => {}
                    Some(Err(e)) => println!("tx-error port={} error={e}", names[i]),
                    None => println!("tx-error port={} error=no buffer", names[i]),
                }
            }
        }
        while let Some(ev) = system.poll_event() {
            println!("event t={} {ev:?}", now());
        }
        let _ = out.lock().flush();
    }
}
