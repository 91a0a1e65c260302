//! `stp-host`: one `stp::Bridge` on real Linux interfaces (AF_PACKET), for interop tests.
//!
//! ```text
//! stp-host --address MAC [--priority N] [--stp] [--hello S] [--max-age S] [--forward-delay S]
//!          [--cost N] [--port-priority N] --port IFACE:NUMBER...
//! ```
//! `--stp` forces 802.1D STP (Force Protocol Version 0); otherwise the bridge runs RSTP and
//! falls back to STP per port when it hears legacy BPDUs. `--cost` fixes every port's path
//! cost (default: auto from the link speed). Every protocol event is printed as a line
//! `event t=SECONDS ...`; `status` on stdin prints one `bridge ...` line, one `port ...` line
//! per port and `end-status`; `quit` (or end of stdin) exits. Link state is read from
//! `/sys/class/net/IFACE/carrier` (and `speed`) every 100 ms. Only frames to the Bridge Group
//! Address 01:80:C2:00:00:00 that this host did not send itself reach the bridge.

use l2_types::{MacAddr, PortNo};
use mlag_interop::host::{self, Input};
use mlag_interop::{Command, PortArg, sysfs_bridge_id};
use pnet_datalink::DataLinkSender;
use std::io::Write;
use std::process::ExitCode;
use std::sync::mpsc;
use stp::{Bridge, BridgeConfig, ForceVersion, LinkState, PathCost, PortConfig};

const BRIDGE_GROUP: [u8; 6] = [0x01, 0x80, 0xc2, 0, 0, 0];

struct Args {
    bridge: BridgeConfig,
    cost: Option<u32>,
    port_priority: u8,
    ports: Vec<PortArg>,
}

fn parse_args() -> Result<Args, String> {
    let mut a = Args {
        bridge: BridgeConfig::new(MacAddr([0x02, 0, 0, 0, 0x57, 0x50])),
        cost: None,
        port_priority: 128,
        ports: Vec::new(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{arg} needs a value"));
        let b = &mut a.bridge;
        match arg.as_str() {
            "--address" => b.address = value()?.parse().map_err(|e| format!("--address: {e}"))?,
            "--priority" => b.priority = value()?.parse().map_err(|_| "--priority: not a u16")?,
            "--hello" => b.hello_time = value()?.parse().map_err(|_| "--hello: not a u8")?,
            "--max-age" => b.max_age = value()?.parse().map_err(|_| "--max-age: not a u8")?,
            "--forward-delay" => {
                b.forward_delay = value()?.parse().map_err(|_| "--forward-delay: not a u8")?;
            }
            "--stp" => b.force_version = ForceVersion::Stp,
            "--cost" => a.cost = Some(value()?.parse().map_err(|_| "--cost: not a u32")?),
            "--port-priority" => {
                a.port_priority = value()?.parse().map_err(|_| "--port-priority: not a u8")?;
            }
            "--port" => a.ports.push(PortArg::parse(&value()?)?),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if a.ports.is_empty() {
        return Err("at least one --port IFACE:NUMBER is needed".into());
    }
    a.bridge.validate().map_err(|e| format!("bridge: {e}"))?;
    Ok(a)
}

/// `None` without carrier, else the speed in Mb/s (0 if the driver does not say).
/// Frames to the Bridge Group Address are the ones the bridge wants.
fn is_bpdu(frame: &[u8]) -> bool {
    frame.get(..6) == Some(&BRIDGE_GROUP[..])
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("stp-host: {e}");
            ExitCode::FAILURE
        }
    }
}

fn print_status(bridge: &Bridge, names: &[String], numbers: &[u16]) {
    let tree = bridge.tree();
    let root_port = tree
        .root_port
        .and_then(|p| numbers.iter().position(|n| *n == p.0))
        .map_or("none", |i| names[i].as_str());
    println!(
        "bridge id={} root={} root_path_cost={} root_port={} is_root={} topology_change={}",
        sysfs_bridge_id(tree.bridge_id),
        sysfs_bridge_id(tree.root_priority.root),
        tree.root_priority.root_path_cost,
        root_port,
        tree.is_root,
        tree.topology_change,
    );
    for p in bridge.ports() {
        let name = numbers
            .iter()
            .position(|n| *n == p.port.0)
            .map_or("?", |i| names[i].as_str());
        println!(
            "port name={} number={} port_id={:04x} enabled={} role={} state={} cost={} send_rstp={} oper_edge={} designated_bridge={} designated_port={:04x} inconsistent={:?}",
            name,
            p.port.0,
            p.port_id.0,
            p.enabled,
            p.role.name(),
            p.state.name(),
            p.path_cost,
            p.send_rstp,
            p.oper_edge,
            sysfs_bridge_id(p.port_priority.designated_bridge),
            p.port_priority.designated_port.0,
            p.inconsistent,
        );
    }
    println!("end-status");
}

fn run() -> Result<(), String> {
    let args = parse_args()?;
    let clock = host::Clock::start();
    let now = || clock.now();
    let (tx, rx) = mpsc::channel::<Input>();
    let mut senders: Vec<Box<dyn DataLinkSender>> = Vec::new();
    let mut bridge = Bridge::new(args.bridge).map_err(|e| format!("bridge: {e}"))?;

    for (idx, port) in args.ports.iter().enumerate() {
        let (sender, mac) = host::open_port(&port.iface, idx, is_bpdu, &tx)?;
        senders.push(sender);
        let mut cfg = PortConfig::new(mac);
        cfg.priority = args.port_priority;
        if let Some(c) = args.cost {
            cfg.path_cost = PathCost::Fixed(c);
        }
        bridge
            .add_port(now(), PortNo(port.number), cfg)
            .map_err(|e| format!("add_port {}: {e}", port.iface))?;
    }
    host::spawn_stdin(tx.clone());
    drop(tx);

    let names: Vec<String> = args.ports.iter().map(|p| p.iface.clone()).collect();
    let numbers: Vec<u16> = args.ports.iter().map(|p| p.number).collect();
    let index = |p: PortNo| numbers.iter().position(|n| *n == p.0);
    let name = |p: PortNo| index(p).map_or("?", |i| names[i].as_str());
    let mut buf = vec![0u8; 1514];
    let out = std::io::stdout();
    loop {
        let Ok(msg) = host::next_input(&rx, bridge.poll_timeout(), &clock) else {
            return Ok(());
        };
        let t = now();
        match msg {
            Some(Input::Frame(idx, frame)) => {
                if let Err(e) = bridge.handle_frame(t, PortNo(numbers[idx]), &frame) {
                    println!("rx-error t={t} port={} error={e}", names[idx]);
                }
            }
            Some(Input::Link(idx, l)) => {
                let state = match l {
                    Some(speed_mbps) => LinkState::Up {
                        speed_mbps,
                        full_duplex: true,
                    },
                    None => LinkState::Down,
                };
                println!("link t={t} port={} up={}", names[idx], l.is_some());
                bridge.handle_link(t, PortNo(numbers[idx]), state);
            }
            Some(Input::Cmd(line)) => match Command::parse(&line) {
                Ok(Command::Status) => print_status(&bridge, &names, &numbers),
                Ok(Command::Quit) => return Ok(()),
                Ok(_) => println!("error t={t} command={line:?} error=not an stp-host command"),
                Err(e) => println!("error t={t} command={line:?} error={e}"),
            },
            Some(Input::Eof) => return Ok(()),
            None => {}
        }
        if bridge.poll_timeout().is_some_and(|d| d <= now()) {
            bridge.handle_timeout(now());
        }
        while let Some(txm) = bridge.poll_transmit(&mut buf) {
            if let (Some(i), Some(frame)) = (index(txm.port), buf.get(..txm.len))
                && let Some(s) = senders.get_mut(i)
            {
                match s.send_to(frame, None) {
                    Some(Ok(())) => {}
                    Some(Err(e)) => println!("tx-error port={} error={e}", names[i]),
                    None => println!("tx-error port={} error=no buffer", names[i]),
                }
            }
        }
        while let Some(ev) = bridge.poll_event() {
            match ev {
                stp::Event::PortRole { port, tree, role } => println!(
                    "event t={} port-role port={} tree={tree} role={}",
                    now(),
                    name(port),
                    role.name()
                ),
                stp::Event::PortState { port, tree, state } => println!(
                    "event t={} port-state port={} tree={tree} state={}",
                    now(),
                    name(port),
                    state.name()
                ),
                other => println!("event t={} {other:?}", now()),
            }
        }
        let _ = out.lock().flush();
    }
}
