//! The `mlag` command-line tool.
//!
//! Adding a subcommand = one variant of [`Command`] (with its `Args` struct) and one `run_*`
//! function called from [`main`]'s match.

mod chaos;
mod monitor;

use clap::{Args, Parser, Subcommand};
use mlag_cli::{decode_capture, demo, pcap, text};
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

/// MLAG tooling: decode captures, run the MLAG Quick setup in virtual time.
#[derive(Debug, Parser)]
#[command(name = "mlag", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
enum Command {
    /// Decode every frame of a pcap file (JSON lines by default).
    Decode(DecodeArgs),
    /// The RouterOS MLAG Quick setup in virtual time: monitors, then a failover.
    Demo(DemoArgs),
    /// Seeded fault-injection campaign over the simulator (random topologies and faults).
    Chaos(chaos::ChaosArgs),
    /// Ask a running `mlagd` for `/interface bridge mlag monitor` and its bonds' state.
    Monitor(MonitorArgs),
}

/// Arguments of `mlag monitor`.
#[derive(Debug, Args)]
struct MonitorArgs {
    /// mlagd's Unix socket.
    #[arg(long, default_value = monitor::DEFAULT_SOCKET)]
    socket: PathBuf,
    /// Print the FDB instead (the pair's table as this peer holds it: address, VLAN, where it
    /// lives, local or synchronised from the peer), like `/interface bridge host print`.
    #[arg(long)]
    fdb: bool,
}

/// Arguments of `mlag demo`.
#[derive(Debug, Args)]
struct DemoArgs {
    /// The failover to play: peer-crash (Peer1 dies), member-link, peer-link,
    /// silent-peer-link, rejoin, priority, mismatch; or lacp-pair (two plain LACP systems).
    #[arg(long, default_value = "peer-crash")]
    scenario: String,
    /// Write every frame of the run to this pcap file (opens in Wireshark).
    #[arg(long)]
    pcap: Option<PathBuf>,
    /// After the failover, print why each peer's half of the client's MLAG is (not)
    /// distributing, with the flight recorder's last transitions.
    #[arg(long)]
    explain: bool,
    /// Write both peers' flight recorders (state transitions with their causes) to this JSON
    /// file.
    #[arg(long, value_name = "FILE.json")]
    flight_recorder: Option<PathBuf>,
    /// The simulator's seed.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// lacp-pair: virtual seconds to run.
    #[arg(long, default_value_t = 20)]
    seconds: u64,
    /// lacp-pair: use the slow LACP rate (30 s periodic, 90 s timeout).
    #[arg(long)]
    slow: bool,
    /// lacp-pair: do not cut and restore link 2 during the run.
    #[arg(long)]
    no_cut: bool,
}

/// Arguments of `mlag decode`.
#[derive(Debug, Args)]
struct DecodeArgs {
    /// The capture (classic pcap, Ethernet link type).
    file: PathBuf,
    /// One JSON object per line per frame (the default).
    #[arg(long, conflicts_with = "text")]
    json: bool,
    /// A readable, indented view per frame (like `tshark -V`).
    #[arg(long)]
    text: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Decode(args) => run_decode(&args),
        Command::Demo(args) => run_demo(&args),
        Command::Monitor(args) => run_monitor(&args),
        Command::Chaos(args) => chaos::run(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        // `mlag decode x.pcap | head` closes the pipe early; that is not a failure.
        Err(e)
            if e.downcast_ref::<std::io::Error>()
                .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe) =>
        {
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("mlag: {e}");
            if e.downcast_ref::<chaos::SeedsFailed>().is_some() {
                ExitCode::from(3)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}

/// A failure that makes `mlag` exit non-zero: only I/O errors and unreadable files.
type CliError = Box<dyn core::error::Error>;

fn run_monitor(args: &MonitorArgs) -> Result<(), CliError> {
    let query = if args.fdb {
        monitor::Query::Fdb
    } else {
        monitor::Query::Monitor
    };
    let text = monitor::fetch(&args.socket, query)?;
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(())
}

fn run_demo(args: &DemoArgs) -> Result<(), CliError> {
    if args.scenario == "lacp-pair" {
        return run_lacp_pair(args);
    }
    let Some(scenario) = demo::Scenario::from_name(&args.scenario) else {
        let names: Vec<&str> = demo::Scenario::ALL.iter().map(|(n, _)| *n).collect();
        return Err(format!(
            "unknown scenario {:?} (one of {}, lacp-pair)",
            args.scenario,
            names.join(", ")
        )
        .into());
    };
    let opts = demo::MlagDemoOptions {
        scenario,
        seed: args.seed,
        capture: args.pcap.is_some(),
        explain: args.explain,
    };
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let outcome = demo::run_mlag(&opts, &mut out)?;
    out.flush()?;
    if let Some(path) = &args.flight_recorder {
        // Checked by serde_json before it is written: the recorder's writer is hand-made.
        let v: serde_json::Value = serde_json::from_str(&outcome.flight_recorder)
            .map_err(|e| format!("flight recorder JSON: {e}"))?;
        let text = serde_json::to_string_pretty(&v).map_err(std::io::Error::from)?;
        std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    if let (Some(path), Some(bytes)) = (&args.pcap, &outcome.pcap) {
        std::fs::write(path, bytes).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    if outcome.converged_at.is_none() {
        return Err("the pair did not converge".into());
    }
    if outcome.forwarding_violations > 0 {
        return Err("frames were duplicated or looped".into());
    }
    Ok(())
}

fn run_lacp_pair(args: &DemoArgs) -> Result<(), CliError> {
    let mut opts = demo::DemoOptions {
        duration: core::time::Duration::from_secs(args.seconds),
        slow: args.slow,
        ..demo::DemoOptions::default()
    };
    if args.no_cut {
        opts.cut_at = None;
        opts.restore_at = None;
    } else if args.slow {
        // Give the slow rate time to form before the cut.
        opts.cut_at = Some(core::time::Duration::from_secs(60));
        opts.restore_at = Some(core::time::Duration::from_secs(100));
        opts.duration = opts.duration.max(core::time::Duration::from_secs(160));
    }
    let mut sink = match &args.pcap {
        Some(path) => {
            Some(pcap::PcapSink::create(path).map_err(|e| format!("{}: {e}", path.display()))?)
        }
        None => None,
    };
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let outcome = demo::run(&opts, &mut out, sink.as_mut())?;
    if let Some(s) = sink.as_mut() {
        s.flush()?;
    }
    out.flush()?;
    if outcome.aggregated_at.is_none() {
        return Err("the two systems did not aggregate".into());
    }
    Ok(())
}

fn run_decode(args: &DecodeArgs) -> Result<(), CliError> {
    let capture = pcap::read(&args.file).map_err(|e| format!("{}: {e}", args.file.display()))?;
    if !capture.is_ethernet() {
        eprintln!(
            "mlag: {}: link type {:?} is not Ethernet; frames are listed but not decoded",
            args.file.display(),
            capture.link_type
        );
    }
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    for frame in decode_capture(&capture) {
        if args.text {
            out.write_all(text::render(&frame).as_bytes())?;
        } else {
            serde_json::to_writer(&mut out, &frame).map_err(std::io::Error::from)?;
            out.write_all(b"\n")?;
        }
    }
    out.flush()?;
    Ok(())
}
