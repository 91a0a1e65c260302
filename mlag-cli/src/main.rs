//! The `mlag` command-line tool.
//!
//! Adding a subcommand = one variant of [`Command`] (with its `Args` struct) and one `run_*`
//! function called from [`main`]'s match.

use clap::{Args, Parser, Subcommand};
use mlag_cli::{decode_capture, pcap, text};
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

/// MLAG tooling: decode LACP/Marker captures (more protocols to come).
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
            ExitCode::FAILURE
        }
    }
}

/// A failure that makes `mlag` exit non-zero: only I/O errors and unreadable files.
type CliError = Box<dyn core::error::Error>;

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
