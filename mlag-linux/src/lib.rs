//! The reference MLAG host on Linux: `mlagd` runs [`mlag_core::coordinator::Coordinator`] on
//! real interfaces, with the kernel bridge as its [`mlag_core::dataplane::Dataplane`].
//!
//! * [`routeros`] — the configuration file is RouterOS commands (`/interface bridge add ...`,
//!   `/interface bonding add ... mlag-id=10`, `/interface bridge mlag set ...`), parsed into
//!   [`mlag_core::config::Config`]; errors name the line, and the file is parsed and validated
//!   whole before anything touches the kernel (`mlagd --config FILE --check` stops there).
//! * [`netlink`] — rtnetlink requests (bridge, bridge-port attributes, FDB entries) and
//!   notifications (links, the bridge's learned addresses), with the `netlink-packet-route` /
//!   `netlink-sys` crates.
//! * [`bridge`] — [`bridge::LinuxBridge`], the `Dataplane` of the kernel bridge; its module docs
//!   have the table of what each call does on this kernel and on a full one.
//! * [`daemon`] — ports, sockets and the event loop; `mlag monitor` talks to its Unix socket.
//!
//! # The event loop: threads feeding one channel
//! One thread per input source — an AF_PACKET receive thread per port (only link-local
//! control frames, 01:80:C2:00:00:0x, are passed on), one rtnetlink thread subscribed to
//! `RTMGRP_LINK` and `RTMGRP_NEIGH`, one thread accepting `mlag monitor` connections on the Unix
//! socket and one `signal-hook` thread for SIGTERM/SIGINT/SIGHUP — sends into one
//! `std::sync::mpsc` channel, and the
//! main thread owns the coordinator and waits on the channel with `recv_timeout` until the
//! coordinator's `poll_timeout()`. That is the same shape as the interop hosts
//! (`mlag_interop::host`) and was chosen over an epoll/mio loop because the workspace forbids
//! `unsafe` and the AF_PACKET layer used here (`pnet_datalink`, as the interop hosts use)
//! exposes blocking receivers, not raw descriptors to register with a poller; a channel keeps
//! all protocol state on one thread (the coordinator is sans-IO and never shared), costs one
//! wake-up per control frame (a few per second per port), and a frame storm on one port queues
//! in the channel instead of starving the timers, since every timeout is checked after every
//! input. A tokio runtime would add a dependency tree for the same shape.
//!
//! # Interfaces
//! The configuration's ethernet interfaces are the kernel's: their MACs are read from sysfs
//! (`/interface ethernet set NAME mac-address=...` overrides, for `--check` on another
//! machine). Links are reported from sysfs at start, then from rtnetlink notifications
//! (`IFF_UP` and `IFF_LOWER_UP`).
//!
//! # Bonds without the bonding module
//! This kernel has no bonding or team driver, so a bond of the configuration is **emulated**:
//! each of its slaves is a bridge port of its own, and the daemon lets a slave forward only
//! while LACP has it collecting and distributing *and* the bond's STP state is forwarding. The
//! client sees an ordinary 802.3ad partner (LACPDUs go out on each slave from its own
//! AF_PACKET socket). What is lost against a real bond: the bridge learns a MAC on the member
//! the frame came in on rather than on the bond, and with two local members the bridge does
//! not hash over them. With one member per peer — the Quick setup, and every MLAG whose
//! members are split one per chassis — this is the same forwarding.
//!
//! # Learned addresses
//! The kernel bridge learns; the coordinator decides (802.1Q-2022 §8.7, the Learning Process).
//! Every dynamic entry the bridge announces on a port of ours (`RTM_NEWNEIGH`, family
//! `AF_BRIDGE`, neither `permanent`, `static` nor `extern_learn`: [`netlink::learned`]) is
//! handed to `Coordinator::handle_learn` — on an emulated bond's member, which the coordinator
//! files on the bond (or on the logical port of its mlag-id). Without VLAN filtering the entry
//! has no VLAN and the coordinator gets VLAN 1, every port's pvid. The coordinator synchronises
//! its table with the peer over ICCP and programs the pair's table through `fdb_add`: the
//! daemon writes each entry *externally learned* (`extern_learn`), so that
//! * its own entries, echoed back by the kernel with that flag, are never fed back;
//! * the kernel neither ages them nor flushes them with a port's learned entries (a member's
//!   carrier loss re-points the MLAG's entries to the peer-port instead of losing them);
//! * a real move is still seen: when the address shows up on another learning port, the
//!   kernel takes the entry over as a learned one and announces it without the flag.
//!
//! The peer-port does not learn (`IFLA_BRPORT_LEARNING` off): the hosts behind it are the
//! peer's, and arrive through the synchronisation (which also removes them when the peer's
//! spanning tree flushes them); a frame to a host not yet synchronised floods, as any unknown
//! unicast.
//!
//! **Ageing** is the coordinator's (its timers, the configuration's `ageing-time`); the bridge's
//! `ageing_time` is set to the same value for the entries the kernel still owns (learned, not
//! yet taken over), and the kernel's deletions are ignored. The kernel announces an entry once
//! (and again on a move), not on every frame, so the daemon also **reads the bridge's
//! per-entry activity**: every eighth of the ageing time (1 s to 30 s,
//! [`daemon::activity_interval`]) a thread dumps the bridge's table (`RTM_GETNEIGH`), and
//! every entry whose `NDA_CACHEINFO` says a frame arrived since the last read
//! ([`netlink::active`]; the kernel refreshes that age on every received frame, for its own
//! entries and the daemon's `extern_learn` ones alike) goes to
//! `Coordinator::handle_activity`: it keeps the entry alive, learns an MLAG client here too
//! when only the peer had (both peers hear it), and never moves an entry (a read may be
//! seconds old). A station that keeps talking therefore never ages out of the pair's table; an
//! idle one ages out between `ageing-time` and `ageing-time` plus one interval after its last
//! frame. `mlag monitor` counts the reads on its `host-activity:` line. At start the daemon reads
//! the table once for what a previous daemon left behind (after a SIGKILL or a crash; SIGTERM
//! withdraws its entries): stations heard on one of its ports (not the peer-port) within the
//! ageing time are learned, every other externally learned entry is removed (the kernel would
//! keep it forever; the peer's synchronisation installs the valid ones again). A notification overrun
//! (`ENOBUFS`, counted as `netlink-overruns`) loses learns until those addresses are announced
//! again.
//!
//! # Reload (SIGHUP)
//! SIGHUP re-reads the configuration file and applies the difference
//! (`mlag_core::config::diff`) with `Coordinator::apply`: MLAG `priority` (re-election over the
//! running session, no LACP renegotiation: the system-id is sticky), `heartbeat`, a bond's
//! `lacp-rate`, the bridge's and its ports' spanning tree settings ([`daemon::reloadable`]). A
//! file with an error, a change the daemon cannot apply at run time (ports, bonds, slaves,
//! VLANs, `ageing-time`; `bridge`, `peer-port` and the bridge MAC, which restart MLAG) or a new
//! `iccp-secret` (the ICCP session takes its key at start and cannot be re-keyed; rotating the
//! secret is a restart of each daemon in turn) refuses the **whole** file with a log line
//! (`mlagd: reload REFUSED, the configuration in force is kept: ...`); nothing is
//! half-applied. `mlag monitor` counts `reloads` and `reloads-refused`.
//!
//! # Spanning tree
//! The coordinator runs the pair as one logical STP bridge and sets every bridge port's state
//! (own single-homed ports, the local halves of MLAG ports; the peer-port always forwards). Until
//! it has set a port, the port discards; `--assume-loop-free` starts such ports forwarding
//! instead, for a lab whose topology has no loop besides the MLAG itself. The kernel bridge runs
//! with `stp_state 0` (the daemon owns the port states), and with STP off it would flood BPDUs
//! like any multicast: the daemon keeps them off every port with a host-joined MDB entry for
//! 01:80:C2:00:00:00 (see [`bridge`], "BPDU containment"), so each neighbour sees only the
//! logical bridge's BPDUs. `mlag monitor` shows the logical
//! bridge (`stp:` root, root port, mode) and this peer's ports in it (`stp-port:` role, state, and
//! `proto=stp` where a port fell back to 802.1D for a legacy neighbour).
//!
//! # Split horizon on this kernel
//! See [`bridge`] ("Split horizon"): the kernel here has no direction-specific egress filter
//! (no netfilter; no tc classifier or action modules), so the host approximates the rule with
//! the bridge's per-port flood flags: while both halves of an MLAG are up only the primary
//! floods to it (the designated flooder), so a flood reaches the client once and the client's
//! floods entering the primary do not come back. Left, and visible in the labs: a flood the
//! client sends into the secondary crosses the peer-link and the primary floods it back into
//! the other member of the client's bond; Open vSwitch — which accepts every frame on the
//! members of a negotiated LACP bond — then learns the client's own hosts behind the bond and
//! drops replies to them until they send again (`lab/README.md`, "Known gaps").
//!
//! # SIGTERM
//! The daemon withdraws every FDB entry it programmed and sets every bridge port it manages
//! discarding (`listening`: see [`bridge`] for why not `blocking`), then removes its socket and
//! exits 0. The kernel moves a port back to forwarding by itself when its carrier goes down and
//! up again with no daemon running; a host that must stay safe across that unenslaves the
//! ports (not done: the issue asks for ports left in the bridge).
//!
//! # What the labs show (`lab/`, see `lab/README.md`)
//! Quick setup with Open vSwitch as the client: both peers connect, elect one primary, share
//! the system-id; OVS attaches both members to one aggregator with that system-id as partner;
//! hosts ping across the pair; Peer1's daemon killed or powered off → the client keeps its bond
//! on Peer2's link; Peer1 restarted → rejoins; peer-port cut with the backup keepalive alive →
//! the secondary takes its half out; garbage on every port is counted and survived; SIGTERM
//! leaves the ports discarding; each host's MAC, learned by its peer's kernel, is in both
//! coordinators' tables and both kernels towards the right port, and survives a member link cut
//! re-pointed to the peer-port; a priority change on SIGHUP swaps the roles with no LACP flap on
//! the client. STP loop with Open vSwitch RSTP and the kernel's 802.1D bridge:
//! one root everywhere, exactly the expected port blocking (ours included, on either peer),
//! link cuts and restorations without duplicates, RSTP towards OVS and STP towards the kernel
//! bridge on the wire, scapy garbage and repeated restarts survived. DPDK bonding mode 4
//! (opt-in) aggregates both links with the MLAG system-id as partner. Known gaps of the
//! coordinator and the ICCP session (not of this host) are reported as XFAIL with their reason.
#![forbid(unsafe_code)]

pub mod bridge;
pub mod daemon;
pub mod netlink;
pub mod routeros;
