//! `mlagd`: the reference MLAG host on Linux. See the `mlag_linux` crate docs.
//!
//! ```text
//! mlagd --config FILE [--check] [--socket PATH] [--assume-loop-free] [--reload-delay SECS] [--backup LOCAL:PORT,PEER:PORT] [-v]
//! ```

use core::time::Duration;
use mlag_linux::daemon::{self, Args, DEFAULT_SOCKET};
use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "usage: mlagd --config FILE [--check] [--socket PATH] [--assume-loop-free] [--reload-delay SECS] [--backup LOCAL:PORT,PEER:PORT] [-v]";

fn parse_args() -> Result<Args, String> {
    let mut config = None;
    let mut a = Args {
        config: PathBuf::new(),
        check: false,
        socket: PathBuf::from(DEFAULT_SOCKET),
        assume_loop_free: false,
        reload_delay: mlag_core::coordinator::RELOAD_DELAY_DEFAULT,
        verbose: false,
        backup: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--config" | "-c" => config = Some(PathBuf::from(value()?)),
            "--check" => a.check = true,
            "--socket" => a.socket = PathBuf::from(value()?),
            "--assume-loop-free" => a.assume_loop_free = true,
            "--reload-delay" => {
                let v = value()?;
                let s: f64 = v.parse().map_err(|_| format!("--reload-delay: `{v}`"))?;
                a.reload_delay =
                    Duration::try_from_secs_f64(s).map_err(|_| format!("--reload-delay: `{v}`"))?;
            }
            "-v" | "--verbose" => a.verbose = true,
            "--backup" => {
                // LOCAL_ADDR:PORT,PEER_ADDR:PORT
                let v = value()?;
                let (l, p) = v
                    .split_once(',')
                    .ok_or_else(|| format!("--backup: `{v}` is not LOCAL,PEER"))?;
                let l = l
                    .parse()
                    .map_err(|_| format!("--backup: `{l}` is not ADDR:PORT"))?;
                let p = p
                    .parse()
                    .map_err(|_| format!("--backup: `{p}` is not ADDR:PORT"))?;
                a.backup = Some((l, p));
            }
            "-h" | "--help" => return Err(USAGE.into()),
            other => return Err(format!("unknown argument `{other}`\n{USAGE}")),
        }
    }
    a.config = config.ok_or_else(|| format!("--config is required\n{USAGE}"))?;
    Ok(a)
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("mlagd: {e}");
            return ExitCode::from(2);
        }
    };
    match daemon::run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("mlagd: {e}");
            ExitCode::FAILURE
        }
    }
}
