//! Real-peer interoperability hosts and tests.
//!
//! The protocol crates are sans-IO; this crate gives them real interfaces for the interop tests:
//!
//! * `lacp-host` (binary): runs one [`lacp::System`] on Linux interfaces through AF_PACKET
//!   sockets, reads link state from sysfs, takes commands on stdin and prints every protocol
//!   event and status as one line of `key=value` text. The interop script
//!   `interop/scripts/ovs-lacp.sh` runs it in a network namespace against Open vSwitch.
//! * `tests/ovs_lacp.rs`: runs that script (root and Open vSwitch required; it says when and why
//!   it skips).
//!
//! * `stp-host` (binary): runs one [`stp::Bridge`] (RSTP, or 802.1D STP when forced) the same
//!   way and prints port roles and states; `interop/scripts/stp-loop.sh` runs it in a triangle
//!   loop with the Linux kernel bridge (802.1D STP) and Open vSwitch (RSTP or STP), and
//!   `tests/stp_loop.rs` runs that script.
//!
//! * `tests/bpdu_trailer.rs`: runs `interop/scripts/bpdu-trailer.sh`, which sends hand-built
//!   BPDUs with octets after them (the root-sequencing trailer) to Open vSwitch (RSTP and STP)
//!   and the Linux kernel bridge and checks what each does with them; the findings are in
//!   `interop/README.md`.
//!
//! The library part holds the pieces of the host that can be tested without a network: argument
//! and command parsing.

use l2_types::MacAddr;

pub mod host;

/// One `--port IFACE:NUMBER` argument: a Linux interface and the LACP port number to use on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortArg {
    /// Interface name.
    pub iface: String,
    /// Actor_Port number sent in LACPDUs (non-zero).
    pub number: u16,
}

impl PortArg {
    /// Parses `IFACE:NUMBER`.
    pub fn parse(s: &str) -> Result<Self, String> {
        let (iface, number) = s
            .rsplit_once(':')
            .ok_or_else(|| format!("--port {s}: expected IFACE:NUMBER"))?;
        let number: u16 = number
            .parse()
            .map_err(|_| format!("--port {s}: port number is not a u16"))?;
        if iface.is_empty() || number == 0 {
            return Err(format!("--port {s}: empty interface or port number 0"));
        }
        Ok(Self {
            iface: iface.to_string(),
            number,
        })
    }
}

/// A command the host reads from stdin, one per line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// `key N`: change the LAG's actor key.
    Key(u16),
    /// `system MAC PRIORITY`: change the LAG's actor system identity.
    System(MacAddr, u16),
    /// `status`: print the status of every port and the LAG.
    Status,
    /// `quit`: exit.
    Quit,
}

impl Command {
    /// Parses one line.
    pub fn parse(line: &str) -> Result<Self, String> {
        let mut words = line.split_whitespace();
        let cmd = words.next().unwrap_or_default();
        let res = match cmd {
            "key" => words
                .next()
                .and_then(|k| k.parse().ok())
                .map(Self::Key)
                .ok_or_else(|| "usage: key N".to_string()),
            "system" => {
                let mac = words.next().and_then(|m| m.parse().ok());
                let prio = words.next().and_then(|p| p.parse().ok());
                match (mac, prio) {
                    (Some(m), Some(p)) => Ok(Self::System(m, p)),
                    _ => Err("usage: system MAC PRIORITY".to_string()),
                }
            }
            "status" => Ok(Self::Status),
            "quit" => Ok(Self::Quit),
            other => Err(format!("unknown command {other:?}")),
        };
        if res.is_ok() && words.next().is_some() {
            return Err(format!("trailing words in {line:?}"));
        }
        res
    }
}

/// A bridge identifier written as the Linux bridge writes it in
/// `/sys/class/net/BR/bridge/root_id`: four hex digits of priority field, a dot, twelve hex
/// digits of address (`8000.020000000001`). The interop scripts compare roots in this form.
pub fn sysfs_bridge_id(id: stp::wire::BridgeId) -> String {
    let a = id.address().0;
    format!(
        "{:04x}.{:02x}{:02x}{:02x}{:02x}{:02x}{:02x}",
        id.priority_field(),
        a[0],
        a[1],
        a[2],
        a[3],
        a[4],
        a[5]
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn bridge_ids_as_sysfs_writes_them() {
        let id = stp::wire::BridgeId::new(4096, 0, MacAddr([2, 0, 0, 0, 0xab, 1]));
        assert_eq!(sysfs_bridge_id(id), "1000.02000000ab01");
    }

    use super::*;

    #[test]
    fn port_args() {
        assert_eq!(
            PortArg::parse("a-p1:3"),
            Ok(PortArg {
                iface: "a-p1".into(),
                number: 3
            })
        );
        assert!(PortArg::parse("a-p1").is_err());
        assert!(PortArg::parse("a-p1:0").is_err());
        assert!(PortArg::parse(":4").is_err());
        assert!(PortArg::parse("x:70000").is_err());
    }

    #[test]
    fn commands() {
        assert_eq!(Command::parse("key 9"), Ok(Command::Key(9)));
        assert_eq!(Command::parse(" status "), Ok(Command::Status));
        assert_eq!(
            Command::parse("system 02:00:00:00:4d:4c 100"),
            Ok(Command::System(MacAddr([2, 0, 0, 0, 0x4d, 0x4c]), 100))
        );
        assert!(Command::parse("key").is_err());
        assert!(Command::parse("key 9 10").is_err());
        assert!(Command::parse("frobnicate").is_err());
    }
}
