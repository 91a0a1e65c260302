//! `mlag monitor`: asks a running `mlagd` for `/interface bridge mlag monitor` (and the bonds'
//! `/interface bonding monitor`) over its Unix socket and prints the answer.
//!
//! The protocol is one line: the client sends `monitor\n` (or `fdb\n`: the coordinator's FDB,
//! one entry a line, like `/interface bridge host print`), the daemon writes the text as
//! RouterOS prints it and closes the connection.

use core::time::Duration;
use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::Path;

/// The socket `mlagd` listens on unless told otherwise.
pub(crate) const DEFAULT_SOCKET: &str = "/run/mlagd.sock";

/// What to ask the daemon for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Query {
    /// `/interface bridge mlag monitor` and the bonds.
    Monitor,
    /// The FDB (the pair's table as this peer holds it).
    Fdb,
}

/// Connects to `socket`, asks for `query` and returns the daemon's text.
pub(crate) fn fetch(socket: &Path, query: Query) -> Result<String, String> {
    let mut s = UnixStream::connect(socket).map_err(|e| {
        format!(
            "{}: {e} (is mlagd running? start it with --socket PATH to choose another socket)",
            socket.display()
        )
    })?;
    let timeout = Some(Duration::from_secs(5));
    s.set_read_timeout(timeout).map_err(|e| e.to_string())?;
    s.set_write_timeout(timeout).map_err(|e| e.to_string())?;
    let line: &[u8] = match query {
        Query::Monitor => b"monitor\n",
        Query::Fdb => b"fdb\n",
    };
    s.write_all(line)
        .map_err(|e| format!("{}: {e}", socket.display()))?;
    let mut text = String::new();
    s.read_to_string(&mut text)
        .map_err(|e| format!("{}: {e}", socket.display()))?;
    if let Some(err) = text.strip_prefix("error: ") {
        return Err(format!("mlagd: {}", err.trim_end()));
    }
    if text.is_empty() && query == Query::Monitor {
        return Err(format!(
            "{}: mlagd closed without answering",
            socket.display()
        ));
    }
    Ok(text)
}
