//! `lacp-host`: one `lacp::System` on real Linux interfaces (AF_PACKET), for interop tests.
//!
//! ```text
//! lacp-host --system MAC --priority N --key N [--slow] [--passive] --port IFACE:NUMBER...
//! ```
//! All ports join one LAG. Every protocol event is printed as a line `event t=SECONDS ...`;
//! `status` on stdin prints one `port ...` line per port and one `lag ...` line; `key N` and
//! `system MAC PRIORITY` change the LAG's actor key or system identity at run time; `quit` (or end of
//! stdin) exits. Link state is read from `/sys/class/net/IFACE/carrier` every 100 ms.

use core::time::Duration;
use l2_types::{Instant, MacAddr, PortNo};
use lacp::wire::PortState;
use lacp::{
    Activity, LacpTimeout, LagConfig, LagId, LinkState, PortConfig, System, SystemConfig,
    SystemIdentity,
};
use mlag_interop::{Command, PortArg};
use pnet_datalink::{Channel, DataLinkSender};
use std::io::{BufRead, Write};
use std::process::ExitCode;
use std::sync::mpsc;

const LAG: LagId = LagId(1);

enum Msg {
    Frame(usize, Vec<u8>),
    Link(usize, bool),
    Cmd(String),
    Eof,
}

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

fn carrier(iface: &str) -> bool {
    std::fs::read_to_string(format!("/sys/class/net/{iface}/carrier"))
        .map(|s| s.trim() == "1")
        .unwrap_or(false)
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
    let origin = std::time::Instant::now();
    let now = || Instant::from_nanos(origin.elapsed().as_nanos().try_into().unwrap_or(u64::MAX));
    let (tx, rx) = mpsc::channel::<Msg>();
    let interfaces = pnet_datalink::interfaces();
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
        let iface = interfaces
            .iter()
            .find(|i| i.name == port.iface)
            .ok_or_else(|| format!("no interface {}", port.iface))?;
        let mac = iface
            .mac
            .map(|m| MacAddr(m.octets()))
            .ok_or_else(|| format!("{} has no MAC address", port.iface))?;
        let config = pnet_datalink::Config {
            read_timeout: Some(Duration::from_millis(100)),
            ..Default::default()
        };
        let (sender, mut receiver) = match pnet_datalink::channel(iface, config) {
            Ok(Channel::Ethernet(s, r)) => (s, r),
            Ok(_) => return Err(format!("{}: unsupported channel type", port.iface)),
            Err(e) => return Err(format!("{}: {e}", port.iface)),
        };
        senders.push(sender);
        let mut cfg = PortConfig::new(mac, LAG, port.number);
        cfg.activity = args.activity;
        cfg.timeout = args.timeout;
        system
            .add_port(now(), PortNo(idx as u16), cfg)
            .map_err(|e| format!("add_port {}: {e}", port.iface))?;
        // Receive thread: Slow Protocols frames not sent by ourselves (AF_PACKET also shows
        // outgoing frames).
        let txc = tx.clone();
        std::thread::spawn(move || {
            loop {
                match receiver.next() {
                    Ok(f) => {
                        let slow = f.get(12..14) == Some(&[0x88, 0x09][..]);
                        let own = f.get(6..12) == Some(&mac.0[..]);
                        if slow && !own && txc.send(Msg::Frame(idx, f.to_vec())).is_err() {
                            return;
                        }
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {}
                    Err(_) => std::thread::sleep(Duration::from_millis(10)),
                }
            }
        });
        // Link thread: carrier from sysfs.
        let txc = tx.clone();
        let name = port.iface.clone();
        std::thread::spawn(move || {
            let mut last = None;
            loop {
                let up = carrier(&name);
                if last != Some(up) {
                    last = Some(up);
                    if txc.send(Msg::Link(idx, up)).is_err() {
                        return;
                    }
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        });
    }
    let txc = tx.clone();
    std::thread::spawn(move || {
        for line in std::io::stdin().lock().lines() {
            match line {
                Ok(l) => {
                    if txc.send(Msg::Cmd(l)).is_err() {
                        return;
                    }
                }
                Err(_) => break,
            }
        }
        let _ = txc.send(Msg::Eof);
    });
    drop(tx);

    let names: Vec<String> = args.ports.iter().map(|p| p.iface.clone()).collect();
    let mut lag_cfg = lag_cfg;
    let mut buf = vec![0u8; 1514];
    let out = std::io::stdout();
    loop {
        let wait = system
            .poll_timeout()
            .map(|t| t.saturating_duration_since(now()))
            .unwrap_or(Duration::from_secs(1))
            .min(Duration::from_secs(1));
        let msg = match rx.recv_timeout(wait) {
            Ok(m) => Some(m),
            Err(mpsc::RecvTimeoutError::Timeout) => None,
            Err(mpsc::RecvTimeoutError::Disconnected) => return Ok(()),
        };
        let t = now();
        match msg {
            Some(Msg::Frame(idx, frame)) => {
                if let Err(e) = system.handle_frame(t, PortNo(idx as u16), &frame) {
                    println!("rx-error t={t} port={} error={e}", names[idx]);
                }
            }
            Some(Msg::Link(idx, up)) => {
                let link = if up {
                    LinkState::Up {
                        speed_mbps: 10_000,
                        full_duplex: true,
                    }
                } else {
                    LinkState::Down
                };
                println!("link t={t} port={} up={up}", names[idx]);
                system.handle_link(t, PortNo(idx as u16), link);
            }
            Some(Msg::Cmd(line)) => match Command::parse(&line) {
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
            Some(Msg::Eof) => return Ok(()),
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
