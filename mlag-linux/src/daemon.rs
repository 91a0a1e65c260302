//! The daemon: opens the ports, takes over the bridge, and runs the event loop.

use crate::bridge::{KernelPort, LinuxBridge};
use crate::netlink::{self, FdbActivity, LinkEvents, Notice, Rtnl};
use crate::routeros;
use core::fmt::Write as _;
use core::net::SocketAddr;
use core::time::Duration;
use l2_types::{MacAddr, PortNo, VlanId};
use mlag_core::config::{Change, IfKind, ValidConfig};
use mlag_core::coordinator::{Coordinator, IccpSecret, LinkState, Options};
use mlag_core::dataplane::PortState;
use pnet_datalink::Channel;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::net::UdpSocket;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};

/// Default path of the monitor socket.
pub const DEFAULT_SOCKET: &str = "/run/mlagd.sock";

/// What the daemon is asked to do.
#[derive(Debug, Clone)]
pub struct Args {
    /// The RouterOS-syntax configuration file.
    pub config: PathBuf,
    /// Parse and validate only.
    pub check: bool,
    /// The Unix socket `mlag monitor` connects to.
    pub socket: PathBuf,
    /// Ports the coordinator does not drive through STP forward (see the crate docs).
    pub assume_loop_free: bool,
    /// How long to wait for the peer before bringing MLAG halves up alone.
    pub reload_delay: Duration,
    /// Log dataplane changes and ICCP events to stderr.
    pub verbose: bool,
    /// The backup keepalive path: (local UDP address, peer's UDP address).
    pub backup: Option<(SocketAddr, SocketAddr)>,
}

/// Reads, parses and validates the configuration file; errors name the line.
///
/// # Errors
/// Every problem, one per line of the returned text.
pub fn load(path: &Path) -> Result<ValidConfig, String> {
    load_with_secret(path).map(|(cfg, _)| cfg)
}

/// [`load`], and the file's `iccp-secret` (the pair's shared ICCP secret) if it sets one.
///
/// # Errors
/// As [`load`].
pub fn load_with_secret(path: &Path) -> Result<(ValidConfig, Option<IccpSecret>), String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let parsed =
        routeros::parse(&text, &netlink::mac_of).map_err(|e| format!("{}: {e}", path.display()))?;
    let cfg = parsed.config.validate().map_err(|errs| {
        errs.0
            .iter()
            .map(|e| format!("{}: {}", path.display(), parsed.describe(e)))
            .collect::<Vec<_>>()
            .join("\n")
    })?;
    Ok((cfg, parsed.iccp_secret))
}

/// What the I/O threads deliver to the event loop.
#[derive(Debug)]
enum Input {
    Frame(PortNo, Vec<u8>),
    /// What rtnetlink reported: a carrier change, an address the bridge learned, an overrun.
    Net(Notice),
    Client(UnixStream),
    Backup(Vec<u8>),
    /// SIGTERM or SIGINT.
    Signal,
    /// SIGHUP: re-read the configuration file.
    Reload,
    /// A read of the bridge's per-entry activity ([`netlink::Rtnl::fdb_activity`]), or its
    /// error.
    Activity(Result<Vec<FdbActivity>, String>),
}

/// What the daemon itself counts (shown by `mlag monitor` on its `host:` lines).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HostStats {
    /// Addresses the kernel bridge learned on a port of ours, passed to the coordinator.
    pub learned: u64,
    /// Learn notifications for another bridge's ports or interfaces not ours (ignored).
    pub learned_foreign: u64,
    /// Times the rtnetlink notification socket overran (`ENOBUFS`: notifications lost).
    pub netlink_overruns: u64,
    /// Reloads (SIGHUP) applied.
    pub reloads: u64,
    /// Reloads refused (a file error, or a change that needs a restart): the configuration
    /// in force was kept.
    pub reloads_refused: u64,
    /// Reads of the bridge's per-entry activity (one every [`activity_interval`]).
    pub activity_reads: u64,
    /// Entries those reads kept alive in the coordinator's table
    /// (`Coordinator::handle_activity`).
    pub activity_refreshes: u64,
    /// Activity reads that failed (a netlink error: nothing refreshed that time).
    pub activity_errors: u64,
}

/// How often `mlagd` reads the bridge's per-entry activity: an eighth of the ageing time,
/// between 1 s and 30 s. The kernel announces a learned address once, not on every frame, so
/// without these reads a station that keeps talking would age out of the pair's table every
/// `ageing-time` and frames to it would flood until it is learned again. An idle station
/// ages out between `ageing-time` and `ageing-time` plus one interval after its last frame.
pub fn activity_interval(ageing: Duration) -> Duration {
    (ageing / 8).clamp(Duration::from_secs(1), Duration::from_secs(30))
}

/// The VLAN of a kernel FDB entry: without VLAN filtering the kernel's entries carry none, and
/// the bridge forwards every frame in the default VLAN (every port's pvid, 1).
fn vid_of(vid: Option<u16>) -> VlanId {
    vid.and_then(|v| VlanId::try_new(v).ok())
        .unwrap_or(VlanId::DEFAULT)
}

/// What a previous daemon left in the bridge (after a SIGKILL or a crash; a clean stop
/// withdraws its entries), read once at start: every station the kernel heard on one of our
/// ports (not the peer-port) within the ageing time is learned (the kernel's entry, or the
/// previous daemon's, says where it is now); every other externally learned entry on our ports
/// is removed — the new coordinator does not know it and the kernel would keep it forever; the
/// peer's synchronisation installs the valid ones again. Returns (learned, removed).
fn adopt_leftovers(
    c: &mut Coordinator<LinuxBridge>,
    now: l2_types::Instant,
    by_index: &BTreeMap<u32, PortNo>,
    ageing: Duration,
) -> Result<(usize, usize), String> {
    let bridge = c.dataplane().bridge_index();
    let peer_port = c.config().mlag().map(|m| c.config().port_no(m.peer_port));
    let mut rtnl = Rtnl::open().map_err(|e| e.to_string())?;
    let entries = rtnl.fdb_activity(bridge).map_err(|e| e.to_string())?;
    let (mut learned, mut removed) = (0, 0);
    for a in entries {
        let Some(p) = by_index.get(&a.port) else {
            continue;
        };
        if Some(*p) != peer_port && a.idle <= ageing {
            c.handle_learn(now, vid_of(a.vid), MacAddr(a.mac), *p);
            learned += 1;
        } else if a.external && rtnl.fdb_del(bridge, a.port, a.mac).is_ok() {
            removed += 1;
        }
    }
    Ok((learned, removed))
}

/// An entry counts as active when its last frame is at most this much older than the read
/// interval (a margin for the time between two reads).
const ACTIVITY_SLACK: Duration = Duration::from_secs(1);

/// The port settings a reload applies: those of the spanning tree (802.1Q-2022 §13.27's
/// per-port parameters, RouterOS's names).
const STP_PORT_FIELDS: [&str; 8] = [
    "priority",
    "path-cost",
    "internal-path-cost",
    "edge",
    "point-to-point",
    "bpdu-guard",
    "restricted-role",
    "restricted-tcn",
];

/// Whether `mlagd` applies `change` on a reload (SIGHUP) without a restart: what
/// [`Coordinator::apply`] implements at run time — MLAG `priority` (re-election over the
/// running session) and `heartbeat`, a bond's `lacp-rate`, the bridge's spanning tree settings
/// and a bridge port's spanning tree settings. Everything else needs a restart of the daemon:
/// ports, bonds and slaves (the daemon's sockets and the kernel bridge's ports follow the
/// configuration at start), VLANs, `ageing-time` (the coordinator's table takes it at start),
/// and what [`Change::restarts_mlag`] says restarts the ICCP session.
pub fn reloadable(change: &Change) -> bool {
    match change {
        Change::PriorityChanged { .. }
        | Change::HeartbeatChanged { .. }
        | Change::StpChanged { .. } => true,
        Change::BondChanged { field, .. } => *field == "lacp-rate",
        Change::PortChanged { field, .. } => STP_PORT_FIELDS.contains(field),
        _ => false,
    }
}

/// What a reload decided, for the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reload {
    /// The file equals the configuration in force.
    Unchanged,
    /// These changes were applied.
    Applied(Vec<Change>),
    /// Refused, the configuration in force kept: the reason.
    Refused(String),
}

/// SIGHUP: reads `path` again and applies the difference to the running coordinator, or
/// refuses the whole file (nothing half-applied) when it has an error, when a change needs a
/// restart ([`reloadable`]), or when `iccp-secret` changed — the coordinator's ICCP session
/// takes its key at start and has no way to re-key a running session, so rotating the
/// secret is a restart of both daemons (in turn: the pair reconnects once each is back
/// with the new secret).
pub fn reload<D: mlag_core::dataplane::Dataplane>(
    c: &mut Coordinator<D>,
    now: l2_types::Instant,
    path: &Path,
    secret_in_force: Option<&IccpSecret>,
) -> Reload {
    let (new, secret) = match load_with_secret(path) {
        Ok(v) => v,
        Err(e) => return Reload::Refused(e.replace('\n', "; ")),
    };
    if secret.as_ref() != secret_in_force {
        return Reload::Refused(
            "iccp-secret changed: the running ICCP session cannot be re-keyed, restart mlagd (on both peers, one after the other) to rotate it".into(),
        );
    }
    let changes = mlag_core::config::diff(c.config(), &new);
    if changes.is_empty() {
        return Reload::Unchanged;
    }
    let refused: Vec<String> = changes
        .iter()
        .filter(|ch| !reloadable(ch))
        .map(|ch| format!("{ch:?}"))
        .collect();
    if !refused.is_empty() {
        return Reload::Refused(format!("needs a restart of mlagd: {}", refused.join(", ")));
    }
    match c.apply(now, new, &changes) {
        Ok(()) => Reload::Applied(changes),
        Err(e) => Reload::Refused(format!("the coordinator refused it: {e}")),
    }
}

/// Link-local control destinations (01:80:C2:00:00:0x): LACP/Marker (…02), BPDUs (…00),
/// ICCP (…0E). Everything else the bridge forwards is not the daemon's business.
fn is_control(frame: &[u8]) -> bool {
    frame.get(..5) == Some(&[0x01, 0x80, 0xC2, 0x00, 0x00][..])
        && frame.get(5).is_some_and(|b| *b <= 0x0F)
}

/// The ethernet interfaces the daemon runs on: the MLAG bridge's ethernet ports and the
/// slaves of its bonds.
fn kernel_ports(cfg: &ValidConfig) -> Vec<(PortNo, String)> {
    let mut out = Vec::new();
    let Some(bridge) = cfg.mlag_bridge() else {
        return out;
    };
    for p in &bridge.ports {
        match cfg.interface(p.interface).map(|i| i.kind) {
            Some(IfKind::Ethernet) => {
                out.push((cfg.port_no(p.interface), cfg.name(p.interface).to_string()));
            }
            Some(IfKind::Bond(i)) => {
                for s in cfg
                    .bonds()
                    .get(i)
                    .map(|b| b.slaves.as_slice())
                    .unwrap_or(&[])
                {
                    out.push((cfg.port_no(*s), cfg.name(*s).to_string()));
                }
            }
            _ => {}
        }
    }
    out
}

fn open_port(
    name: &str,
    port: PortNo,
    own: &[MacAddr],
    tx: &Sender<Input>,
) -> Result<KernelPort, String> {
    let index = netlink::ifindex(name).ok_or_else(|| format!("no interface {name}"))?;
    let nic = pnet_datalink::interfaces()
        .into_iter()
        .find(|i| i.name == name)
        .ok_or_else(|| format!("no interface {name}"))?;
    let config = pnet_datalink::Config {
        read_timeout: Some(Duration::from_millis(200)),
        ..Default::default()
    };
    let (sender, mut receiver) = match pnet_datalink::channel(&nic, config) {
        Ok(Channel::Ethernet(s, r)) => (s, r),
        Ok(_) => return Err(format!("{name}: unsupported channel type")),
        Err(e) => return Err(format!("{name}: AF_PACKET: {e}")),
    };
    let own: Vec<MacAddr> = own.to_vec();
    let tx = tx.clone();
    std::thread::spawn(move || {
        loop {
            match receiver.next() {
                Ok(f) => {
                    // AF_PACKET also shows the frames this host sent: drop our own sources.
                    let mine = f
                        .get(6..12)
                        .is_some_and(|s| own.iter().any(|m| m.0[..] == *s));
                    if !mine && is_control(f) && tx.send(Input::Frame(port, f.to_vec())).is_err() {
                        return;
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {}
                Err(_) => std::thread::sleep(Duration::from_millis(10)),
            }
        }
    });
    Ok(KernelPort {
        name: name.to_string(),
        index,
        sender: Some(sender),
    })
}

fn seed() -> u64 {
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    (t.as_nanos() as u64) ^ (u64::from(std::process::id()) << 32)
}

/// Runs the daemon until SIGTERM/SIGINT.
///
/// # Errors
/// A configuration error (nothing applied), or a port/bridge that could not be set up.
pub fn run(args: &Args) -> Result<(), String> {
    let (cfg, iccp_secret) = load_with_secret(&args.config)?;
    if args.check {
        println!("{}: OK", args.config.display());
        return Ok(());
    }
    let (tx, rx) = mpsc::channel();
    let mut own: Vec<MacAddr> = cfg.interfaces().iter().map(|i| i.mac).collect();
    own.extend(cfg.bridge_mac());
    let names = kernel_ports(&cfg);
    // Signals first: a SIGTERM during set-up is handled once the loop runs.
    let mut signals = signal_hook::iterator::Signals::new([
        signal_hook::consts::SIGTERM,
        signal_hook::consts::SIGINT,
        signal_hook::consts::SIGHUP,
    ])
    .map_err(|e| format!("signals: {e}"))?;
    {
        let tx = tx.clone();
        std::thread::spawn(move || {
            for sig in signals.forever() {
                let input = if sig == signal_hook::consts::SIGHUP {
                    Input::Reload
                } else {
                    Input::Signal
                };
                if tx.send(input).is_err() {
                    return;
                }
            }
        });
    }
    // Link notifications before the initial read, so no change is missed in between.
    let mut events = LinkEvents::open().map_err(|e| format!("rtnetlink: {e}"))?;
    {
        let tx = tx.clone();
        std::thread::spawn(move || {
            loop {
                match events.receive() {
                    Ok(v) => {
                        for n in v {
                            if tx.send(Input::Net(n)).is_err() {
                                return;
                            }
                        }
                    }
                    // Not expected once bound; keep the link events coming if it heals.
                    Err(_) => std::thread::sleep(Duration::from_millis(50)),
                }
            }
        });
    }
    let mut ports = BTreeMap::new();
    for (port, name) in &names {
        ports.insert(*port, open_port(name, *port, &own, &tx)?);
    }
    let by_index: BTreeMap<u32, PortNo> = ports.iter().map(|(p, k)| (k.index, *p)).collect();
    let stp_default = if args.assume_loop_free {
        PortState::Forwarding
    } else {
        PortState::Discarding
    };
    let dp = LinuxBridge::new(&cfg, ports, stp_default, args.verbose)?;
    if args.verbose {
        eprintln!(
            "mlagd: bridge taken over; IFLA_BRPORT_BACKUP_PORT {}",
            if dp.has_backup_port() {
                "in use"
            } else {
                "not available"
            }
        );
    }
    // The bridge's per-entry activity, read on a thread of its own (a dump of a large table
    // must not hold up the control frames).
    let interval = activity_interval(
        cfg.mlag_bridge()
            .map_or(Duration::from_secs(300), |b| b.ageing_time),
    );
    {
        let tx = tx.clone();
        let bridge = dp.bridge_index();
        let mut rtnl = Rtnl::open().map_err(|e| format!("netlink: {e}"))?;
        std::thread::spawn(move || {
            loop {
                std::thread::sleep(interval);
                let read = rtnl.fdb_activity(bridge).map_err(|e| e.to_string());
                if tx.send(Input::Activity(read)).is_err() {
                    return;
                }
            }
        });
    }
    let _ = std::fs::remove_file(&args.socket);
    let listener =
        UnixListener::bind(&args.socket).map_err(|e| format!("{}: {e}", args.socket.display()))?;
    {
        let tx = tx.clone();
        std::thread::spawn(move || {
            for s in listener.incoming().flatten() {
                if tx.send(Input::Client(s)).is_err() {
                    return;
                }
            }
        });
    }
    let backup = match args.backup {
        Some((local, peer)) => {
            let sock = UdpSocket::bind(local).map_err(|e| format!("backup {local}: {e}"))?;
            sock.connect(peer)
                .map_err(|e| format!("backup {peer}: {e}"))?;
            let rx_sock = sock.try_clone().map_err(|e| format!("backup: {e}"))?;
            let tx = tx.clone();
            std::thread::spawn(move || {
                let mut buf = [0u8; 2048];
                loop {
                    match rx_sock.recv(&mut buf) {
                        Ok(n) => {
                            let bytes = buf.get(..n).unwrap_or(&[]).to_vec();
                            if tx.send(Input::Backup(bytes)).is_err() {
                                return;
                            }
                        }
                        // ECONNREFUSED while the peer's daemon is down: keep listening.
                        Err(_) => std::thread::sleep(Duration::from_millis(50)),
                    }
                }
            });
            Some(sock)
        }
        None => None,
    };
    let clock = std::time::Instant::now();
    let now = || {
        l2_types::Instant::from_nanos(u64::try_from(clock.elapsed().as_nanos()).unwrap_or(u64::MAX))
    };
    let mut opts = Options::new(seed());
    opts.reload_delay = args.reload_delay;
    opts.backup = backup.is_some();
    opts.iccp_secret = iccp_secret.clone();
    let mut c = Coordinator::new(cfg, dp, &opts, now()).map_err(|e| e.to_string())?;
    for (port, name) in &names {
        let link = netlink::carrier(name).map_or(LinkState::Down, |speed| LinkState::Up {
            speed_mbps: speed,
            full_duplex: true,
        });
        c.handle_link(now(), *port, link);
    }
    let ageing = c
        .config()
        .mlag_bridge()
        .map_or(Duration::from_secs(300), |b| b.ageing_time);
    match adopt_leftovers(&mut c, now(), &by_index, ageing) {
        Ok((0, 0)) => {}
        Ok((l, r)) => println!(
            "mlagd: a previous daemon's bridge table: {l} stations heard within the ageing time learned, {r} stale entries removed"
        ),
        Err(e) => eprintln!("mlagd: reading the bridge's table at start: {e}"),
    }
    println!("mlagd: running ({} ports)", names.len());
    let io = Io {
        by_index: &by_index,
        names: &names,
        args,
        backup: backup.as_ref(),
        secret: iccp_secret,
        activity: interval,
    };
    let result = event_loop(&mut c, &rx, &io, &now);
    c.dataplane_mut().shutdown();
    let _ = std::fs::remove_file(&args.socket);
    println!(
        "mlagd: stopped; FDB entries withdrawn, {} ports discarding",
        c.dataplane().ports().len()
    );
    result
}

/// What the event loop needs besides the coordinator.
struct Io<'a> {
    by_index: &'a BTreeMap<u32, PortNo>,
    names: &'a [(PortNo, String)],
    args: &'a Args,
    backup: Option<&'a UdpSocket>,
    /// The ICCP secret in force (a reload must not change it).
    secret: Option<IccpSecret>,
    /// How often the bridge's activity is read ([`activity_interval`]).
    activity: Duration,
}

fn event_loop(
    c: &mut Coordinator<LinuxBridge>,
    rx: &Receiver<Input>,
    io: &Io<'_>,
    now: &dyn Fn() -> l2_types::Instant,
) -> Result<(), String> {
    let Io {
        by_index,
        names,
        args,
        backup,
        ..
    } = *io;
    let mut stats = HostStats::default();
    let bridge = c.dataplane().bridge_index();
    let peer_port = c.config().mlag().map(|m| c.config().port_no(m.peer_port));
    let mut buf = vec![0u8; 2048];
    // Last carrier state per kernel index: rtnetlink repeats RTM_NEWLINK for changes other
    // than the carrier (flags, MTU, statistics); only carrier changes are link events.
    let mut lacp_seen: BTreeMap<PortNo, String> = BTreeMap::new();
    let mut stp_mode_seen = None;
    let mut tc_seen = c.stp().map_or(0, |b| b.stats().topology_changes);
    let mut carrier: BTreeMap<u32, bool> = names
        .iter()
        .filter_map(|(_, n)| Some((netlink::ifindex(n)?, netlink::carrier(n).is_some())))
        .collect();
    loop {
        let wait = c
            .poll_timeout()
            .map_or(Duration::from_secs(1), |t| {
                t.saturating_duration_since(now())
            })
            .min(Duration::from_secs(1));
        match rx.recv_timeout(wait) {
            Ok(Input::Frame(port, f)) => c.handle_frame(now(), port, &f),
            Ok(Input::Net(Notice::Learned {
                port,
                master,
                mac,
                vid,
            })) => match by_index
                .get(&port)
                .filter(|_| master.is_none_or(|m| m == bridge))
            {
                // Without VLAN filtering the kernel's entries carry no VLAN: the bridge
                // forwards every frame in the default VLAN (every port's pvid, 1).
                Some(p) => {
                    let vid = vid_of(vid);
                    stats.learned += 1;
                    c.handle_learn(now(), vid, MacAddr(mac), *p);
                }
                None => stats.learned_foreign += 1,
            },
            Ok(Input::Net(Notice::Overrun)) => {
                stats.netlink_overruns += 1;
                if args.verbose {
                    eprintln!("mlagd: t={} rtnetlink overrun: notifications lost", now());
                }
            }
            Ok(Input::Reload) => {
                let r = reload(c, now(), &args.config, io.secret.as_ref());
                match &r {
                    Reload::Unchanged => {
                        eprintln!("mlagd: reload: {}: no change", args.config.display());
                    }
                    Reload::Applied(changes) => {
                        stats.reloads += 1;
                        let list: Vec<String> =
                            changes.iter().map(|ch| format!("{ch:?}")).collect();
                        eprintln!(
                            "mlagd: reload: {}: applied {}",
                            args.config.display(),
                            list.join(", ")
                        );
                    }
                    Reload::Refused(why) => {
                        stats.reloads_refused += 1;
                        eprintln!(
                            "mlagd: reload REFUSED, the configuration in force is kept: {why}"
                        );
                    }
                }
            }
            Ok(Input::Net(Notice::Link(index, up))) => {
                let changed = carrier.insert(index, up) != Some(up);
                if let Some(port) = by_index.get(&index).filter(|_| changed) {
                    let name = names
                        .iter()
                        .find(|(p, _)| p == port)
                        .map_or("", |(_, n)| n.as_str());
                    let link = if up {
                        LinkState::Up {
                            speed_mbps: netlink::carrier(name).unwrap_or(0),
                            full_duplex: true,
                        }
                    } else {
                        LinkState::Down
                    };
                    c.handle_link(now(), *port, link);
                    c.dataplane_mut().link_changed(*port);
                }
            }
            Ok(Input::Activity(Ok(entries))) => {
                stats.activity_reads += 1;
                let t = now();
                for a in entries
                    .iter()
                    .filter(|a| a.idle <= io.activity + ACTIVITY_SLACK)
                {
                    let Some(p) = by_index.get(&a.port).filter(|p| Some(**p) != peer_port) else {
                        continue;
                    };
                    let vid = vid_of(a.vid);
                    // An entry of ours: refresh only (never a move). The kernel's own: the
                    // station's latest port, a learn whose notification was lost (an overrun).
                    if a.external {
                        stats.activity_refreshes +=
                            u64::from(c.handle_activity(t, vid, MacAddr(a.mac), *p));
                    } else {
                        stats.activity_refreshes += 1;
                        c.handle_learn(t, vid, MacAddr(a.mac), *p);
                    }
                }
            }
            Ok(Input::Activity(Err(e))) => {
                stats.activity_errors += 1;
                if args.verbose {
                    eprintln!("mlagd: t={} bridge activity read failed: {e}", now());
                }
            }
            Ok(Input::Client(s)) => serve(c, &stats, s, now()),
            Ok(Input::Backup(b)) => c.handle_backup(now(), &b),
            Ok(Input::Signal) => return Ok(()),
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => return Err("every input thread ended".into()),
        }
        if c.poll_timeout().is_some_and(|t| t <= now()) {
            c.handle_timeout(now());
        }
        // The designated flooder of MLAGs with both halves up (bridge module docs).
        let primary = c.active_role() == Some(iccp::Role::Primary);
        c.dataplane_mut().set_primary(primary);
        // A topology change anywhere in the logical bridge (this peer's ports or the peer's).
        // Nothing to flush here: the kernel does not learn on the peer-port, and the entries
        // there are the peer's, which its own coordinator flushes (crate docs, "Learned
        // addresses").
        let tc = c.stp().map_or(0, |b| b.stats().topology_changes);
        if tc > tc_seen && args.verbose {
            eprintln!("mlagd: t={} topology change {tc}", now());
        }
        tc_seen = tc;
        while let Some(n) = c.poll_backup_transmit(&mut buf) {
            if let (Some(sock), Some(b)) = (backup, buf.get(..n)) {
                let _ = sock.send(b);
            }
        }
        if args.verbose {
            // LACP per member: log every change of what a `lacp/show` would print.
            for st in c.lacp().ports() {
                let line = format!(
                    "mux={:?} selected={:?} actor={}/{:#06x}/{} {} partner={}/{:#06x}/{} {} loopback={}",
                    st.mux_state,
                    st.selected,
                    st.actor.system,
                    st.actor.port,
                    st.actor.key,
                    String::from_utf8_lossy(&st.actor.state.compact()),
                    st.partner.system,
                    st.partner.port,
                    st.partner.key,
                    String::from_utf8_lossy(&st.partner.state.compact()),
                    st.loopback,
                );
                if lacp_seen.insert(st.port, line.clone()).as_ref() != Some(&line) {
                    eprintln!("mlagd: t={} lacp port {}: {line}", now(), st.port.0);
                }
            }
            let t = now();
            for e in c.take_events() {
                eprintln!("mlagd: t={t} iccp {e:?}");
            }
            let mode = c.stp_mode();
            if stp_mode_seen != Some(mode) {
                eprintln!("mlagd: t={t} stp mode {mode:?}");
                stp_mode_seen = Some(mode);
            }
        } else {
            let _ = c.take_events();
        }
    }
}

/// Answers one `mlag monitor` connection: reads one command line, writes the answer, closes.
fn serve(c: &Coordinator<LinuxBridge>, stats: &HostStats, s: UnixStream, now: l2_types::Instant) {
    let _ = s.set_read_timeout(Some(Duration::from_millis(500)));
    let mut line = String::new();
    let mut reader = BufReader::new(&s);
    let _ = reader.read_line(&mut line);
    let answer = match line.trim() {
        "" | "monitor" => {
            let mut t = monitor_text(c);
            let dp = c.dataplane();
            let k = dp.counters();
            let yn = |b: bool| if b { "yes" } else { "no" };
            let _ = writeln!(
                t,
                "\n         host: bpdu-contained={} backup-port={} netlink-errors={} tx={} tx-errors={}",
                yn(dp.bpdu_contained()),
                yn(dp.has_backup_port()),
                k.netlink_errors,
                k.transmitted,
                k.transmit_errors,
            );
            let _ = writeln!(
                t,
                "    host-fdb: kernel-learned={} learned-foreign={} netlink-overruns={} kernel-entries={} reloads={} reloads-refused={}",
                stats.learned,
                stats.learned_foreign,
                stats.netlink_overruns,
                dp.fdb_len(),
                stats.reloads,
                stats.reloads_refused,
            );
            let _ = writeln!(
                t,
                "    host-activity: reads={} refreshes={} errors={}",
                stats.activity_reads, stats.activity_refreshes, stats.activity_errors,
            );
            t
        }
        "fdb" => fdb_text(c, now),
        other => format!("error: unknown command `{other}`\n"),
    };
    let mut w = &s;
    let _ = w.write_all(answer.as_bytes());
}

/// A bridge identifier as the kernel's sysfs `root_id`/`bridge_id` shows it
/// (`8000.020000000100`): the lab compares it with the kernel bridge's and Open vSwitch's.
fn bridge_id_text(id: stp::wire::BridgeId) -> String {
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

const fn state_name(s: PortState) -> &'static str {
    match s {
        PortState::Discarding => "discarding",
        PortState::Learning => "learning",
        PortState::Forwarding => "forwarding",
    }
}

/// The logical STP bridge as this peer runs it (`/interface bridge monitor` and `/interface
/// bridge port monitor` in one line each): mode, identifiers, root, root port and path cost;
/// then this peer's ports in it (single-homed ports and the local bonds of MLAG ports) with
/// role, state and the protocol each port speaks (`stp` after falling back for an 802.1D
/// neighbour).
fn stp_text<D: mlag_core::dataplane::Dataplane>(c: &Coordinator<D>, out: &mut String) {
    let m = c.monitor().stp;
    let mode = match m.mode {
        mlag_core::coordinator::StpMode::Primary => "primary",
        mlag_core::coordinator::StpMode::Replica => "replica",
        mlag_core::coordinator::StpMode::Standalone => "standalone",
    };
    let yn = |b: bool| if b { "yes" } else { "no" };
    let cfg = c.config();
    let ports = c.stp_ports();
    let name_of = |logical: PortNo| {
        ports
            .iter()
            .find(|(_, l)| *l == logical)
            .and_then(|(h, _)| cfg.if_of(*h))
            .map_or_else(
                || format!("peer:{}", logical.0),
                |i| cfg.name(i).to_string(),
            )
    };
    let Some(b) = c.stp() else {
        let _ = writeln!(out, "          stp: mode={mode} bridge=none");
        return;
    };
    let t = b.tree();
    let _ = writeln!(
        out,
        "          stp: mode={mode} ready={} in-sync={} bridge-id={} root-id={} root-bridge={} root-port={} root-path-cost={} topology-changes={}",
        yn(m.ready),
        m.in_sync.map_or("unknown", yn),
        bridge_id_text(t.bridge_id),
        bridge_id_text(t.root_priority.root),
        yn(t.is_root),
        t.root_port.map_or_else(|| "none".to_string(), name_of),
        t.root_priority.root_path_cost,
        b.stats().topology_changes,
    );
    for (_, logical) in &ports {
        let Some(p) = b.port(*logical) else {
            continue;
        };
        let _ = writeln!(
            out,
            "     stp-port: {} id={:04x} role={} state={} proto={} edge={} cost={} rx-bpdus={} tx-bpdus={}",
            name_of(*logical),
            p.port_id.0,
            p.role.name(),
            state_name(p.state),
            if p.send_rstp { "rstp" } else { "stp" },
            yn(p.oper_edge),
            p.path_cost,
            p.counters.rx_config + p.counters.rx_tcn + p.counters.rx_rst + p.counters.rx_mst,
            p.counters.tx_config + p.counters.tx_tcn + p.counters.tx_rst + p.counters.tx_mst,
        );
    }
}

fn mac_upper(m: MacAddr) -> String {
    let o = m.0;
    format!(
        "{:02X}:{:02X}:{:02X}:{:02X}:{:02X}:{:02X}",
        o[0], o[1], o[2], o[3], o[4], o[5]
    )
}

/// The coordinator's FDB, one entry a line, like RouterOS's `/interface bridge host print`:
/// address, VLAN, where it lives (a port's name, `mlag-ID`, `peer-port`, `cpu`) and how it was
/// learned (`local` dynamic, `peer` synchronised from the peer, `static`, `own`); a local
/// dynamic entry also its age at `now` (RouterOS's `AGE`: since a frame from it was last heard,
/// in whole seconds).
pub fn fdb_text<D: mlag_core::dataplane::Dataplane>(
    c: &Coordinator<D>,
    now: l2_types::Instant,
) -> String {
    use mlag_core::dataplane::Location;
    let cfg = c.config();
    let mut out = String::new();
    for e in c.fdb().entries() {
        let on = match e.location {
            Location::Port(p) => cfg
                .if_of(p)
                .map_or_else(|| format!("port-{}", p.0), |i| cfg.name(i).to_string()),
            Location::Mlag(id) => format!("mlag-{}", id.0),
            Location::PeerPort => "peer-port".into(),
            Location::Cpu => "cpu".into(),
        };
        let kind = match e.kind {
            fdb::Kind::Dynamic => "local",
            fdb::Kind::Peer => "peer",
            fdb::Kind::Static => "static",
            fdb::Kind::Own => "own",
        };
        let age = e.last_seen.map_or(String::new(), |t| {
            format!(" age={}s", now.saturating_duration_since(t).as_secs())
        });
        let _ = writeln!(
            out,
            "{} vid={} on={on} kind={kind}{age}",
            mac_upper(e.key.mac()),
            e.key.vid().get(),
        );
    }
    out
}

/// `/interface bridge mlag monitor` followed by `/interface bonding monitor` of every LACP
/// bond, in RouterOS's layout.
pub fn monitor_text<D: mlag_core::dataplane::Dataplane>(c: &Coordinator<D>) -> String {
    let m = c.monitor();
    let mut out = m.to_string();
    if let Some(p) = &m.peer {
        let _ = writeln!(out, "         peer: {} {}", p.name, mac_upper(p.bridge_mac));
    }
    let d = m.demux;
    let _ = writeln!(
        out,
        "   rx-control: iccp={} iccp-rejected={} iccp-off-peer-port={} lacp={} lacp-held={} lacp-not-slave={} bpdu={} bpdu-on-peer-port={} not-control={} runts={}",
        d.iccp,
        d.iccp_rejected,
        d.iccp_off_peer_port,
        d.lacp,
        d.lacp_held,
        d.lacp_not_slave,
        d.bpdu,
        d.bpdu_on_peer_port,
        d.not_control,
        d.runts,
    );
    // What the drivers dropped, from their own counters (garbage on the ports shows here).
    let ls = c.lacp().stats();
    let ss = c.stp().map(|b| *b.stats()).unwrap_or_default();
    let ic = m.iccp;
    let _ = writeln!(
        out,
        "     rx-drops: lacp-illegal={} lacp-unknown={} lacp-bad-destination={} lacp-disabled={} lacp-loopback={} bpdu-errors={} iccp-malformed={} iccp-auth-failed={} iccp-replay={} iccp-frame-ahead={} iccp-unexpected-session={} iccp-out-of-window={} iccp-bad-ack={} app-rejected={} stp-rejected={}",
        ls.illegal_rx,
        ls.unknown_rx,
        ls.bad_destination_rx,
        ls.disabled_rx,
        ls.loopback_rx,
        ss.rx_errors,
        ic.rx_malformed,
        ic.rx_auth_failed,
        ic.rx_replay,
        ic.rx_frame_ahead,
        ic.rx_unexpected_session,
        ic.rx_out_of_window,
        ic.rx_bad_ack,
        m.app_rejected,
        m.stp.rejected,
    );
    let f = m.fdb;
    let local = c
        .fdb()
        .entries()
        .filter(|e| e.kind == fdb::Kind::Dynamic)
        .count();
    let _ = writeln!(
        out,
        "          fdb: entries={} local={} peer={} programmed={} synced={} resyncs={} rejected={} learn-ignored={} aged={}",
        f.entries,
        local,
        f.entries.saturating_sub(local),
        f.programmed,
        if f.synced { "yes" } else { "no" },
        f.resyncs,
        f.rejected,
        f.learn_ignored,
        f.stats.aged,
    );
    stp_text(c, &mut out);
    let cfg = c.config();
    for b in cfg.bonds() {
        let ports: Vec<_> = b
            .slaves
            .iter()
            .map(|s| (cfg.name(*s).to_string(), c.lacp().port(cfg.port_no(*s))))
            .collect();
        let active: Vec<&str> = ports
            .iter()
            .filter(|(_, st)| st.as_ref().is_some_and(|s| s.distributing))
            .map(|(n, _)| n.as_str())
            .collect();
        let inactive: Vec<&str> = ports
            .iter()
            .filter(|(_, st)| !st.as_ref().is_some_and(|s| s.distributing))
            .map(|(n, _)| n.as_str())
            .collect();
        let _ = writeln!(out);
        let _ = writeln!(out, "                    name: {}", b.name);
        let _ = writeln!(out, "                    mode: {}", b.mode.name());
        let _ = writeln!(out, "            active-ports: {}", active.join(","));
        let _ = writeln!(out, "          inactive-ports: {}", inactive.join(","));
        if let Some((_, Some(st))) = ports.first() {
            let _ = writeln!(
                out,
                "          lacp-system-id: {}",
                mac_upper(st.actor.system)
            );
            let _ = writeln!(
                out,
                "  lacp-partner-system-id: {}",
                mac_upper(st.partner.system)
            );
        }
        if let Some(id) = b.mlag_id
            && let Some(h) = m.mlags.iter().find(|h| h.mlag_id == id)
        {
            let yn = |b: bool| if b { "yes" } else { "no" };
            let _ = writeln!(out, "                 mlag-id: {}", id.0);
            let _ = writeln!(
                out,
                "             mlag-status: local={} peer={} released={} held-down={} next-hop={:?} peer-forwarding={}",
                if h.local_up { "up" } else { "down" },
                if h.peer_up { "up" } else { "down" },
                yn(h.released),
                yn(h.held_down),
                h.next_hop,
                yn(h.peer_forwarding),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use mlag_core::dataplane::RecordingDataplane;

    const PEER1: &str = "\
/interface ethernet set sfp1 mac-address=02:00:00:00:01:01
/interface ethernet set sfp2 mac-address=02:00:00:00:01:02
/interface ethernet set ether1 mac-address=02:00:00:00:01:03
/interface bridge add name=bridge1 admin-mac=02:00:00:00:01:00 auto-mac=no
/interface bonding add name=client-bond slaves=sfp2 mode=802.3ad mlag-id=10 lacp-rate=1sec
/interface bridge port
add bridge=bridge1 interface=sfp1
add bridge=bridge1 interface=client-bond
add bridge=bridge1 interface=ether1
/interface bridge mlag set bridge=bridge1 peer-port=sfp1 heartbeat=1s
";

    fn file(dir: &Path, text: &str) -> PathBuf {
        let p = dir.join("peer1.rsc");
        std::fs::write(&p, text).unwrap();
        p
    }

    #[test]
    fn reload_applies_run_time_changes_and_refuses_the_rest_whole() {
        let dir = std::env::temp_dir().join(format!("mlagd-reload-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = file(&dir, PEER1);
        let cfg = load(&path).unwrap();
        let now = l2_types::Instant::ZERO;
        let mut c =
            Coordinator::new(cfg, RecordingDataplane::default(), &Options::new(1), now).unwrap();
        let priority = |c: &Coordinator<RecordingDataplane>| c.config().mlag().unwrap().priority;
        assert_eq!(reload(&mut c, now, &path, None), Reload::Unchanged);
        // Run time: priority and lacp-rate.
        let text = PEER1
            .replace("heartbeat=1s", "heartbeat=1s priority=10")
            .replace("lacp-rate=1sec", "lacp-rate=30secs");
        file(&dir, &text);
        match reload(&mut c, now, &path, None) {
            Reload::Applied(ch) => assert_eq!(ch.len(), 2, "{ch:?}"),
            r => panic!("{r:?}"),
        }
        assert_eq!(priority(&c), 10);
        // A priority change with a peer-port change: the whole file refused, nothing applied.
        file(
            &dir,
            &text
                .replace("priority=10", "priority=20")
                .replace("peer-port=sfp1", "peer-port=ether1"),
        );
        let r = reload(&mut c, now, &path, None);
        assert!(
            matches!(&r, Reload::Refused(why) if why.contains("needs a restart") && why.contains("peer-port")),
            "{r:?}"
        );
        assert_eq!(priority(&c), 10);
        // A port added: refused.
        file(
            &dir,
            &format!(
                "{text}/interface ethernet set ether2 mac-address=02:00:00:00:01:04\n/interface bridge port add bridge=bridge1 interface=ether2\n"
            ),
        );
        assert!(matches!(
            reload(&mut c, now, &path, None),
            Reload::Refused(_)
        ));
        // A file with an error: refused with its line.
        file(&dir, &text.replace("priority=10", "priority=oops"));
        let r = reload(&mut c, now, &path, None);
        assert!(
            matches!(&r, Reload::Refused(why) if why.contains("line 10")),
            "{r:?}"
        );
        assert_eq!(priority(&c), 10);
        // A new iccp-secret: refused (no re-keying of a running session).
        file(
            &dir,
            &text.replace("priority=10", "priority=10 iccp-secret=0123456789abcdef"),
        );
        let r = reload(&mut c, now, &path, None);
        assert!(
            matches!(&r, Reload::Refused(why) if why.contains("iccp-secret")),
            "{r:?}"
        );
        // Back to the file in force: nothing to do.
        file(&dir, &text);
        assert_eq!(reload(&mut c, now, &path, None), Reload::Unchanged);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn what_a_reload_applies() {
        let port = |field| Change::PortChanged {
            port: "ether1".into(),
            field,
        };
        let bond = |field| Change::BondChanged {
            bond: "client-bond".into(),
            mlag_id: None,
            field,
        };
        assert!(reloadable(&Change::PriorityChanged { old: 128, new: 10 }));
        assert!(reloadable(&Change::StpChanged { field: "priority" }));
        assert!(reloadable(&port("path-cost")));
        assert!(reloadable(&port("edge")));
        assert!(reloadable(&bond("lacp-rate")));
        assert!(!reloadable(&port("pvid")));
        assert!(!reloadable(&port("horizon")));
        assert!(!reloadable(&bond("mode")));
        assert!(!reloadable(&Change::PortAdded {
            port: "ether2".into()
        }));
        assert!(!reloadable(&Change::AgeingTimeChanged {
            new: Duration::from_secs(60)
        }));
        assert!(!reloadable(&Change::MlagRestart { field: "peer-port" }));
    }

    #[test]
    fn the_activity_interval_is_an_eighth_of_the_ageing_time_within_bounds() {
        assert_eq!(
            activity_interval(Duration::from_secs(300)),
            Duration::from_secs(30)
        );
        assert_eq!(
            activity_interval(Duration::from_secs(80)),
            Duration::from_secs(10)
        );
        assert_eq!(
            activity_interval(Duration::from_secs(3600)),
            Duration::from_secs(30)
        );
        assert_eq!(
            activity_interval(Duration::from_secs(4)),
            Duration::from_secs(1)
        );
    }
}
