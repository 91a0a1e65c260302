//! The I/O plumbing the interop hosts share: one AF_PACKET channel per interface with a receive
//! thread, a sysfs link-state thread per interface, and a stdin command thread, all feeding one
//! channel that the host's single event loop reads.

use core::time::Duration;
use l2_types::MacAddr;
use pnet_datalink::{Channel, DataLinkSender};
use std::io::BufRead;
use std::sync::mpsc::Sender;

/// What the I/O threads deliver to the event loop.
#[derive(Debug)]
pub enum Input {
    /// A received frame on the port with this index (frames the host sent itself are dropped).
    Frame(usize, Vec<u8>),
    /// The port's link changed: `Some(speed in Mb/s)` when the carrier is up (0 when the speed
    /// is unknown), `None` when it is down.
    Link(usize, Option<u32>),
    /// A line read from stdin.
    Cmd(String),
    /// Stdin was closed.
    Eof,
}

/// The link state of `iface` from sysfs: `Some(speed)` when the carrier is up.
pub fn link_state(iface: &str) -> Option<u32> {
    let up = std::fs::read_to_string(format!("/sys/class/net/{iface}/carrier"))
        .is_ok_and(|s| s.trim() == "1");
    up.then(|| {
        std::fs::read_to_string(format!("/sys/class/net/{iface}/speed"))
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(0)
    })
}

/// Opens `iface` as port `idx`: an AF_PACKET channel whose receive thread forwards the frames
/// `accept` wants (and that this host did not send: AF_PACKET also shows outgoing frames), and a
/// thread that reports the link state every 100 ms. Returns the sender and the interface MAC.
pub fn open_port(
    iface: &str,
    idx: usize,
    accept: fn(&[u8]) -> bool,
    tx: &Sender<Input>,
) -> Result<(Box<dyn DataLinkSender>, MacAddr), String> {
    let interfaces = pnet_datalink::interfaces();
    let nic = interfaces
        .iter()
        .find(|i| i.name == iface)
        .ok_or_else(|| format!("no interface {iface}"))?;
    let mac = nic
        .mac
        .map(|m| MacAddr(m.octets()))
        .ok_or_else(|| format!("{iface} has no MAC address"))?;
    let config = pnet_datalink::Config {
        read_timeout: Some(Duration::from_millis(100)),
        ..Default::default()
    };
    let (sender, mut receiver) = match pnet_datalink::channel(nic, config) {
        Ok(Channel::Ethernet(s, r)) => (s, r),
        Ok(_) => return Err(format!("{iface}: unsupported channel type")),
        Err(e) => return Err(format!("{iface}: {e}")),
    };
    let txc = tx.clone();
    std::thread::spawn(move || {
        loop {
            match receiver.next() {
                Ok(f) => {
                    let own = f.get(6..12) == Some(&mac.0[..]);
                    if !own && accept(f) && txc.send(Input::Frame(idx, f.to_vec())).is_err() {
                        return;
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {}
                Err(_) => std::thread::sleep(Duration::from_millis(10)),
            }
        }
    });
    let txc = tx.clone();
    let name = iface.to_string();
    std::thread::spawn(move || {
        let mut last = None;
        loop {
            let l = link_state(&name);
            if last != Some(l) {
                last = Some(l);
                if txc.send(Input::Link(idx, l)).is_err() {
                    return;
                }
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    });
    Ok((sender, mac))
}

/// Forwards stdin lines as [`Input::Cmd`], then [`Input::Eof`].
pub fn spawn_stdin(tx: Sender<Input>) {
    std::thread::spawn(move || {
        for line in std::io::stdin().lock().lines() {
            match line {
                Ok(l) => {
                    if tx.send(Input::Cmd(l)).is_err() {
                        return;
                    }
                }
                Err(_) => break,
            }
        }
        let _ = tx.send(Input::Eof);
    });
}

/// The host's monotonic clock, read once per input and handed to the sans-IO code as an
/// [`l2_types::Instant`] counted from the host's start.
#[derive(Debug, Clone, Copy)]
pub struct Clock(std::time::Instant);

impl Clock {
    /// Starts the clock.
    pub fn start() -> Self {
        Self(std::time::Instant::now())
    }

    /// Now, as virtual-time nanoseconds since [`Clock::start`].
    pub fn now(&self) -> l2_types::Instant {
        l2_types::Instant::from_nanos(self.0.elapsed().as_nanos().try_into().unwrap_or(u64::MAX))
    }
}

/// Every input thread has ended (see [`next_input`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Disconnected;

/// Waits for the next input, or until `deadline` (a driver's `poll_timeout()`), at most 1 s so
/// the loop stays responsive. `Ok(None)` means the wait timed out; [`Disconnected`] means every
/// input thread is gone and the host should exit.
pub fn next_input(
    rx: &std::sync::mpsc::Receiver<Input>,
    deadline: Option<l2_types::Instant>,
    clock: &Clock,
) -> Result<Option<Input>, Disconnected> {
    let wait = deadline
        .map(|t| t.saturating_duration_since(clock.now()))
        .unwrap_or(Duration::from_secs(1))
        .min(Duration::from_secs(1));
    match rx.recv_timeout(wait) {
        Ok(m) => Ok(Some(m)),
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => Ok(None),
        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => Err(Disconnected),
    }
}
