//! The coordinator: how two chassis run one `lacp::System`, one `stp::Bridge`, one
//! `iccp::Session` and one `fdb::Fdb` each and look like **one** switch to every client and
//! every STP neighbour. This module holds the design (below), the numbering rules both peers
//! must compute identically ([`PeerIndex`], [`lacp_port_number`], [`stp_port_number`],
//! [`mlag_stp_port_number`], [`crate::config::lacp_key`]) and the [`Coordinator`] itself.
//!
//! # Composition
//! `Coordinator<D: Dataplane>` owns the validated configuration
//! ([`crate::config::ValidConfig`]), one of each protocol driver and the host's
//! [`Dataplane`]. It has the drivers' sans-IO shape:
//!
//! * inputs — `handle_frame(now, port, frame)` (every control frame the host traps),
//!   `handle_link(now, port, link)`, `handle_learn(now, vid, mac, port)` (a source MAC the
//!   hardware learned: information only the hardware has, so it is an input, never read
//!   back), `handle_backup(now, bytes)` (the backup keepalive path), `handle_backup_link(now, up)`
//!   (its carrier, when the host sees one), `handle_timeout(now)`,
//!   and `apply(now, new_config, &[Change])` with the run-time changes of
//!   [`crate::config::diff`];
//! * outputs — [`Dataplane`] calls made during the input, `poll_backup_transmit`,
//!   `poll_timeout` (the earliest of the four drivers' `poll_timeout` and the coordinator's
//!   own deadlines: reload delay, hold-downs), and `monitor()`.
//!
//! After an input the coordinator drains the drivers until none has output left, turning
//! each one's outputs into the others' inputs and into dataplane calls (what
//! [`Coordinator`] wires in today is listed on it):
//!
//! | from | output | becomes |
//! |---|---|---|
//! | `lacp::System` | `poll_transmit` | [`Dataplane::transmit`] on the member |
//! | `lacp::System` | `CollectingChanged` / `DistributingChanged` | [`Dataplane::set_member`]; for an MLAG bond, the half's state: `fdb::Fdb::set_mlag_bond`, [`Dataplane::set_mlag_next_hop`], and an mLACP Aggregator State TLV to the peer |
//! | `stp::Bridge` | `PortState` | [`Dataplane::set_port_state`] (own ports and own MLAG halves) |
//! | `stp::Bridge` | `FlushFdb` | [`Dataplane::fdb_flush`] ([`FdbFlush::LocationInTree`]) + `fdb::Fdb::flush` (local dynamic entries in the tree's VLANs), the peer's entries on that port programmed again |
//! | `stp::Bridge` | `poll_transmit` | [`Dataplane::transmit`] (own ports; see the STP design for MLAG ports) |
//! | `iccp::Session` | `poll_transmit` | [`Dataplane::transmit`] on the peer-port |
//! | `iccp::Session` | `Connected` / `Disconnected` / `RoleChanged` / `SystemIdChanged` / `PeerSilent` / `BackupPath` | the election, system-id, dual-active and rejoin rules below |
//! | `iccp::Session` | `poll_app` | FDB records → `fdb::Fdb::handle_sync`; STP relay → the primary's bridge; mLACP port state → the peer-half table; consistency data → [`crate::preflight`] |
//! | `fdb::Fdb` | `poll_sync` | `iccp::Session::send_app` (vendor FDB Delta TLV, kind [`FDB_SYNC`]), while the session's queue has room |
//! | `fdb::Fdb` | entries learned, moved, aged, flushed, synchronised | [`Dataplane::fdb_add`] / [`Dataplane::fdb_remove`] for the keys that changed |
//!
//! # Frame demultiplexing
//! The host hands over every frame its trap rules catch; the coordinator reads the
//! destination MAC and the EtherType / length field (octets 0–5 and 12–13; a shorter frame is
//! counted and dropped) and dispatches:
//!
//! | destination | type | on | goes to |
//! |---|---|---|---|
//! | 01:80:C2:00:00:02 (Slow Protocols) | 0x8809, subtype 1 (LACP) or 2 (Marker) | a bond slave | `lacp::System::handle_frame` with the slave's LACP port number |
//! | 01:80:C2:00:00:00 (Bridge Group) | a length, LLC 42-42-03 | a bridge port other than the peer-port | the logical STP bridge (below) |
//! | 01:80:C2:00:00:0E (Nearest Bridge) | 0x88B5 (ICCP over L2) | the peer-port | `iccp::Session::handle_frame` |
//!
//! Anything else — those frames on another port (LACP on a port that is no slave, ICCP off
//! the peer-port, a BPDU on the peer-port) or a frame that is no control frame — is counted by
//! reason in the monitor and dropped; none of these link-local addresses is ever forwarded.
//! Cisco PVST+/SSTP frames are recognised by `stp` and counted there.
//!
//! # One system-id, sticky
//! `iccp::Session` elects the roles (lowest `priority`, then lowest bridge MAC) and computes
//! the system-id: the incumbent's (below), else the lower bridge MAC of the pair, which
//! *changes only when an election with a peer computes a different one* — it stays while the
//! peer is lost. A run-time `priority` change moves the role without two primaries and
//! without a flap: the side that loses primary steps down at once, the side that gains it
//! takes it once the peer has acknowledged the new election data (`iccp` crate docs,
//! "Election"); for one peer-link round trip there may be no primary. On
//! `iccp::Event::SystemIdChanged` the coordinator sets it as the actor system of every MLAG
//! LAG (`lacp::System::set_lag_config` with `LagConfig::actor_system`, System Priority
//! [`MLAG_LACP_SYSTEM_PRIORITY`]) and as the logical bridge's address
//! (`stp::Bridge::set_bridge_config`, `BridgeConfig::address`). Non-MLAG bonds (the peer-port
//! bond among them) keep the peer's own identity. Because the survivor of a peer failure keeps
//! the system-id, clients do not renegotiate on failover.
//!
//! **Incumbent system-id.** When the coordinator brings its MLAG halves into LACP it tells
//! `iccp` that its clients use the system-id (`iccp::Session::set_system_id_in_use`); a
//! connection that starts then advertises it as the *incumbent* in the Election TLV
//! (format version 2), and a joining peer without one adopts it — even with a lower MAC. So a
//! survivor that ran alone (its own MAC as system-id) keeps it when a lower-MAC peer reboots
//! and rejoins: its clients see no partner change. The peer ranking follows
//! ([`PeerIndex::of_pair`]: the peer whose MAC is the system-id is Low), so the survivor's
//! port numbers stay too. Known limits: two peers that *both* brought their halves up alone
//! (each with its own MAC: a split brain, or two that started apart) settle on the lower
//! system-id, and the other side's clients renegotiate once; against a peer that speaks only
//! Election version 1 the system-id is the lower MAC, as before.
//!
//! # Port numbers and keys
//! Both peers present one LACP system and one STP bridge, so their port numbers must never
//! collide, without a negotiation that could fail. The peers are ranked by the system-id and
//! their bridge MACs ([`PeerIndex::of_pair`]: the peer whose MAC is the system-id is
//! [`PeerIndex::Low`], else the lower MAC), which both know from the election.
//! * **LACP** (Port IDs must be unique within a System, 802.1AX-2014 §6.3.4): an MLAG
//!   slave's Actor_Port is [`lacp_port_number`]: its index among the peer's slaves
//!   (1..=0x3FFF), with the high bit set on [`PeerIndex::High`]. `lacp`'s loopback detection
//!   relies on exactly this (its crate docs, "MLAG"). Slaves of non-MLAG bonds (such as a
//!   peer-port bond) get [`lacp_local_port_number`] (bit 14 set), which needs no peer. The
//!   peer index is known once the peer is; a peer that brought its MLAG halves up alone
//!   (reload delay expired) numbered them as [`PeerIndex::Low`], and renumbers them if the
//!   election says otherwise when the peer appears (those links renegotiate once).
//! * **One key per mlag-id**: both halves use [`crate::config::lacp_key`]`(mlag-id)` as the
//!   actor key, computed from the id alone; validation rejects two ids with one key.
//! * **STP** (12-bit port numbers, 802.1Q-2022 §13.26.13): single-homed ports get
//!   [`stp_port_number`] — 1..=1536 on [`PeerIndex::Low`], 1537..=3072 on
//!   [`PeerIndex::High`] — and each **MLAG is one port** of the logical bridge, numbered in
//!   3073..=4095 ([`mlag_stp_port_number`]; see why below). This refines the split the `stp`
//!   crate docs sketch (1–2047 / 2048–4095): MLAG ports need numbers that belong to neither
//!   chassis. Validation caps a peer's single-homed ports at [`PEER_PORTS_MAX`] and the MLAGs
//!   at [`MLAG_PORTS_MAX`].
//!
//! # One logical STP bridge
//! The `stp` crate docs ("MLAG: two chassis, one logical bridge") lay out the mechanism; the
//! coordinator uses it as follows.
//!
//! Below, "primary" means the peer holding the STP authority — the ICCP primary, except after
//! a rejoin (item 4) — and "secondary" the other.
//!
//! 1. **The primary's `stp::Bridge` is authoritative.** Its ports are the primary's
//!    single-homed ports, the secondary's single-homed ports and one port per mlag-id. The
//!    peer-port is *not* a port of the logical bridge: it is the pair's backplane, forwarding
//!    on every tree ([`Dataplane::set_port_state`] Forwarding for each tree), and a BPDU
//!    received on it is a misconfiguration (counted, dropped).
//! 2. **An MLAG is one port**, not two. The client's LAG is one link to its STP: if each half
//!    were a port, the client would hear two designated bridges' BPDUs, alternating on one
//!    link, and the logical bridge would see the client's BPDUs on whichever half the client
//!    hashed them to. So the MLAG port's link is up while either half is, its path cost is that
//!    of its slowest member (as the authoritative peer saw them, kept so a failover changes no
//!    cost; a configured `path-cost` wins) (RouterOS: "for bonded interfaces, the highest
//!    path-cost among all bonded member ports is applied"), its BPDUs are sent once, on the
//!    authoritative peer's half when it is up and on the other half otherwise, and its state is
//!    applied to both halves. Its number is allocated by the primary when the mlag-id first
//!    appears (the lowest free number of 3073..=4095) and is part of the replicated state, so it
//!    survives failover. Because the two halves are one port with one port priority and one
//!    path cost, their STP settings must agree ([`crate::preflight`] holds the MLAG down
//!    otherwise — as RouterOS says: "use the same STP configuration on dual-connected bridge
//!    ports").
//! 3. **BPDUs received by the secondary go to the primary over ICCP** — the vendor STP Relay
//!    TLV (`iccp::wire::param::Param::StpRelay { port, bpdu }`, 0x3E04) with the logical port
//!    number — and so do the secondary's ports and link changes: its single-homed ports as
//!    [`logical::STP_PORT`] records (added, removed, link), its MLAG halves in the mLACP
//!    Aggregator State TLV (an MLAG port's link is up while either half is). The primary feeds
//!    them to its bridge (`handle_frame` / `handle_link` with the
//!    logical port number) in the order they arrive, interleaved with its own inputs and
//!    timeouts.
//! 4. **The primary's decisions come back as its input log.** Every input of the
//!    authoritative bridge — its creation ("genesis", with the bridge settings), ports added
//!    and removed (with their settings), link changes, frames, timeouts, new bridge settings —
//!    is an entry (sequence number, time, operation, port, octets; [`logical`]) that the
//!    primary applies to its own bridge *through the same function* the replica uses, keeps in
//!    its log and streams to the secondary, whose replica applies them: the bridge is
//!    deterministic, so the replica's state is the primary's (a hot standby). The replica never
//!    runs its own timers (the primary's timeouts are entries) and its outputs are dropped:
//!    what the secondary does with *its* ports comes from the primary's bridge as
//!    [`logical::STP_OUT`] records — `PortState` for its single-homed ports and MLAG halves,
//!    BPDUs for its single-homed ports and for MLAG ports whose primary half is down,
//!    `FlushFdb` for its table (the stp crate's item 2). So a replica that is still converging
//!    (below) never speaks for the pair; the cost is the same one-hop delay `d`.
//!    That delay matters when a switch-off on the secondary enables something on the primary:
//!    the bridge counts a port as discarding the moment it says so (802.1D-2004 §17.21.3 wants
//!    disableForwarding to complete first), so a primary's port that becomes Root Port because
//!    the secondary's stopped being one would forward `d` early. The secondary therefore
//!    confirms each Discarding it applies ([`logical::STP_OFF_DONE`]) and the primary holds a
//!    port it serves at Learning, instead of Forwarding, while a switch-off on that tree is
//!    unconfirmed (at most one second).
//!
//!    *Change from the first design:* a joining secondary is not sent a clone but a
//!    **catch-up**: the log from genesis, replayed silently (no frames, no events), after
//!    which the replica programs its ports from the bridge's state. The log keeps at most
//!    [`STP_LOG_MAX`] entries; past that the catch-up is the bridge's state
//!    (`stp::Bridge::snapshot`, restored with `Bridge::restore` at the same instant) in
//!    parts of [`logical::SNAPSHOT_CHUNK`] octets, with the MLAG port map — exact as well, so
//!    `fingerprint` (which covers the port costs, operEdge and the full MSTI vectors) matches
//!    at once.
//!    The primary sends `stp::Bridge::fingerprint` every Hello Time; a
//!    mismatch (or a gap in the sequence numbers) makes the replica ask for a catch-up. The
//!    records ride in the vendor Consistency TLV (record kinds [`logical::STP_LOG`] …
//!    [`logical::STP_CLAIM`]); BPDUs from the secondary in the STP Relay TLV — no `iccp`
//!    change was needed.
//!
//!    *Who is authoritative* is settled once per connection, not by the ICCP role: each peer
//!    claims ([`logical::STP_CLAIM`]) whether it ran the pair's bridge with its MLAG halves
//!    released. A survivor does and a restarted peer does not, so the survivor's converged
//!    bridge stays authoritative when the other peer — even one with a better election
//!    priority — comes back (no reconvergence seen by neighbours); between equals (both
//!    booting, or both having run alone) the lower bridge MAC wins. A later role change over
//!    the running session (a `priority` change) does not move the bridge: nothing flaps. The
//!    mode in force is [`StpMode`], shown in [`Monitor::stp`].
//! 5. **Why.** One sequenced instance cannot disagree with itself: two bridges exchanging
//!    "virtual port" information compute roles from partial views and can disagree for a
//!    while, which is a loop. The replica is a hot standby: when the primary dies the
//!    secondary already has the converged state, reports the dead peer's ports down
//!    (`stp::Bridge::handle_link` Down / `remove_port`) and continues with the same Bridge
//!    Identifier and MLAG port numbers — neighbours see some links fail, and RSTP moves an
//!    Alternate to Root at once. The price is one ICCP hop (the peer-link delay `d`) on the
//!    secondary's BPDU path and on its state changes, far below the 3 × Hello Time lifetime of
//!    BPDU information. When the pair is root, both peers' replicas say so (RouterOS shows both
//!    peers as root bridge). A primary that *hangs* (links up, nothing sent) is only declared
//!    dead after three heartbeats, longer than the 3 × Hello Time the neighbours keep the pair's
//!    BPDU information: the replica watches for the Timeout entries the primary owes it and,
//!    1.5 × Hello Time after a missed one (no backup keepalive since), takes the bridge over —
//!    it sends the pair's BPDUs and closes ports at the bridge's word but opens none until ICCP
//!    has settled the peer's fate; it becomes a replica again if the primary is heard
//!    (`run::stp_watch`, [`StpMonitor::takeovers`]).
//!
//! 6. **MSTP.** With `protocol-mode=mstp` the logical bridge runs the configured MST region —
//!    `region-name`, `region-revision`, the VLAN→MSTI map of `/interface bridge msti` (the MST
//!    Configuration Identifier and its digest, 802.1Q-2018 §13.8) — with each MSTI's bridge
//!    priority and the ports' `/interface bridge port-mst-override` priority and internal path
//!    cost. These are log entries like every other input ([`logical::Region`], entries 9 and
//!    10), so the replica runs the primary's identifier exactly; a run-time change is applied
//!    in place (`stp::Bridge::set_mst_region`: the MSTIs restart, the CIST does not). The
//!    dataplane gets each port's state per MSTI (own ports and MLAG halves; the peer-port
//!    forwards on every tree); [`crate::preflight`] reports peers whose regions differ (after
//!    a failover the survivor's configuration is the one in force).
//!
//! # FDB
//! Each peer's `fdb::Fdb` owns what its ports learned and mirrors the peer's (`fdb` crate
//! docs, "MLAG semantics"). Learned MACs arrive with `handle_learn` and are filed on
//! `Location::Port` (single-homed port), `Location::Mlag(mlag-id)` (an MLAG half: never the
//! member, never the bond) — MACs learned on the peer-port are the peer's and are not filed.
//! Every `fdb` sync message (delta, snapshot chunk, request, digest) travels whole in one
//! vendor FDB Delta TLV of kind [`FDB_SYNC`]; the `fdb` protocol numbers, resumes and repairs
//! by itself, so a reconnect resumes from the mirror's position (a restarted peer, with a new
//! epoch, gets a chunked snapshot). At each connection each peer announces its table's
//! position (kind [`FDB_POSITION`]) in the same ordered stream; the mirror is *synced* once
//! it has applied it (`monitor().fdb.synced`, with the time it took in `last_sync`). Every
//! entry the table holds is programmed with [`Dataplane::fdb_add`]: local ones on their port
//! or MLAG logical port, the peer's single-homed entries on `Location::PeerPort`, its MLAG
//! entries on the logical port of the mlag-id (on the peer-port if this peer has no bond with
//! that id). The coordinator keeps what it programmed and programs the difference for the keys
//! each input changed (a learn, a received message's records, the table's journal of local
//! changes: ageing, flushes, entries given up to the peer); a snapshot that removed stale
//! entries, or a journal that ran past the coordinator, reconciles the whole table. Peer
//! entries never age locally; ageing runs on the coordinator's timers (`poll_timeout`). A
//! member failure rewrites no entry: the logical port's next hop moves (below) and
//! `fdb::Fdb::set_mlag_bond` follows the local half. The peer's entries are kept while it is
//! gone (its MLAG clients resolve to the local halves; its single-homed hosts were behind the
//! peer-port anyway) until its next snapshot or deltas replace them.
//!
//! # Split horizon and next hops
//! For every mlag-id the coordinator knows its local half (a member distributes, from
//! `lacp`) and the peer's half (from the peer's mLACP Aggregator State TLVs; down when the peer is
//! lost). From those two bits:
//!
//! | local half | peer half | next hop ([`Dataplane::set_mlag_next_hop`]) | peer-port → bond ([`Dataplane::set_peer_forwarding`]) |
//! |---|---|---|---|
//! | up | up | [`NextHop::Local`] | blocked: the peer delivers to the client itself |
//! | up | down | [`NextHop::Local`] | **allowed**: the peer's traffic for the client must cross |
//! | down | up | [`NextHop::PeerPort`] | blocked (nothing to send on) |
//! | down | down | [`NextHop::Local`] (no member: dropped) | blocked |
//!
//! On a member failure the side that lost its half re-points its logical port first (one
//! call: O(1) whatever the number of MACs), then tells the peer, which allows peer-port
//! forwarding to its half; frames in flight meanwhile are the only loss (the `L + d` goal of
//! `performance.md`). `fdb::Fdb::set_mlag_bond` follows the local half, so the table resolves
//! like the dataplane.
//!
//! # Rejoin and reload delay
//! A peer that starts (or reconnects after being apart) keeps its MLAG halves out of the
//! LAG: the coordinator reports their members to `lacp` as link down, so they send nothing
//! and the client keeps using the other peer's links. The halves are released when ICCP is
//! connected **and** the FDB mirror is synced (the position the peer announced is applied)
//! **and** the STP authority is settled (the replica caught up) — or when the reload
//! delay ([`RELOAD_DELAY_DEFAULT`], configurable) expires with no peer, in which case the
//! peer comes up alone. Released members then negotiate with the shared system-id and key, so
//! the client adds them to the aggregator it already uses: nothing is lost on the existing
//! links and nothing floods, because the FDB was synchronised first. Every port
//! of a peer that joins as replica, or that starts a new bridge, discards until the new bridge
//! says otherwise. A peer that has not been released yet holds its own single-homed ports
//! Discarding as well, whatever its bridge says (the states are applied at the release): the
//! peer-link joins it to the survivor but carries none of its BPDUs, so its bridge cannot see
//! the loop through a neighbour both peers reach (chaos finding 2).
//!
//! # Peer-link failure: dual-active and the backup keepalive
//! The backup path carries iccp's keepalives and this crate's **evidence frames**
//! ([`split`] has the format, the reasoning and what each piece of evidence proves). In short:
//! * **Peer-link down, peer alive** — proven only by an evidence frame in which the peer says
//!   it is *disconnected* and *armed* (it lost the connection with this side): a dead peer
//!   cannot write that, a keepalive it sent before dying says nothing of the kind (gap B of
//!   issue 6: such a keepalive, *processed* after the carrier loss, used to pass for a proof),
//!   and a rebooted peer is not armed (gap A: a rejoining peer's keepalives no longer make the
//!   survivor isolate). Each side sends its evidence the moment it loses the connection, so the
//!   proof arrives within 2L + the backup path's delay (it used to wait for the next keepalive,
//!   ≤ H_b). iccp keeps the roles. The side that loses the pair's election (priority, then
//!   bridge MAC, from the evidence) takes its MLAG halves out at once by giving their LAGs
//!   another LACP System ID (its bridge MAC; a different System Priority when its MAC is the
//!   pair's system-id — `lacp::System::set_lag_config`: the new identity makes every member
//!   re-select and transmit immediately), so the client sees another partner on those links and
//!   drops them from its aggregator without waiting for a LACP timeout. Its single-homed ports
//!   leave the logical bridge: it runs a standalone `stp::Bridge` with its own bridge MAC for
//!   them; the primary removes them from the logical bridge. **Client LACP tie-break:** the
//!   winner grants the loser every MLAG whose own half does not distribute while the loser
//!   hears the client there (its own half held out first), so a client whose only working link
//!   goes to the loser keeps it; never two halves with the pair's identity at once.
//! * **Peer dead** — the peer-link lost and no evidence frame from the peer within
//!   [`Options::peer_probe`] after asking for one (or the backup link's carrier down:
//!   `handle_backup_link`; or the backup path's own 3 H_b deadline): the survivor never
//!   isolated, so the client never renegotiates; it ends the backup path's life
//!   (`iccp::Session::handle_backup_link` Down) and is primary at once instead of 3 H_b later,
//!   keeps the system-id, promotes its STP replica if it was secondary and reports the dead
//!   peer's ports down, sets every next hop [`NextHop::Local`], and tells `fdb` the peer is
//!   down (its MLAG entries resolve to the local halves, so MLAG clients stay reachable without
//!   a flood; the peer's entries are kept until a restarted peer's snapshot replaces them, see
//!   "FDB"). A backup path slower than the probe window costs a window with two actives (the
//!   path's delay), ended by the evidence when it arrives.
//! * **A peer that starts while the peer-link is down** and hears a serving peer on the
//!   backup path does not come up alone at the end of its reload delay (it would be two
//!   actives with the same system-id).
//! * **No backup path configured** — a dead peer-link cannot be told from a dead peer; both
//!   sides act as survivors (availability first), and with the same system-id the client may
//!   keep both links: flooded frames can be duplicated until the peer-link returns, but there
//!   is no loop (the peer-link is down). The backup keepalive is the recommended setup.
//!
//! # Flight recorder
//! Every transition — ICCP, roles with the values that decided them, the split verdict,
//! isolation with its evidence, grants, per-member LACP (selected, sync, collecting,
//! distributing), the halves, releases, consistency holds with their findings, the logical
//! bridge's port states per tree, LACP fallback — goes into a bounded ring
//! ([`recorder`], [`Options::flight_recorder`]) with the virtual time;
//! [`Coordinator::explain_mlag`] answers "why is this bond not distributing?" from the
//! current state and the last relevant records; both export as JSON.
//!
//! # LACP fallback
//! `lacp-fallback` (an extension of this crate, [`crate::config::Bond::lacp_fallback`]): for
//! an MLAG bond only the primary's half (or a survivor's) falls back, and only while neither
//! half hears a LACPDU (the peer's half reports its partner in the mLACP Aggregator State), so
//! a client without LACP gets one forwarding link, never duplicates.
//!
//! # Config-mismatch hold-down
//! When ICCP connects, each peer sends a summary of its configuration
//! ([`crate::preflight::Summary`], in chunks of [`SUMMARY_CHUNK`] octets in vendor Consistency
//! TLVs, 0x3E05, record kind [`CONSISTENCY_SUMMARY`]) and both run
//! [`crate::preflight::compare`] with the two summaries in [`PeerIndex`] order, so both compute
//! the same report. The secondary keeps
//! every MLAG whose outcome is `HeldDown` out of the LAG (as during the reload delay), the
//! primary's half stays up, and the findings are shown in the monitor. Every `apply` and every
//! new summary from the peer re-runs the check; a fixed mismatch releases the half without a
//! restart. An mlag-id configured on one side only (a bond added at run time on one peer
//! before the other) is held down the same way on the secondary, its members kept out of LACP
//! altogether (the logical bridge, run by the primary, has no port for it), until the peer's
//! summary shows the twin ([`Coordinator::apply`]).
//!
//! # Hitless restart
//! [`Coordinator::snapshot`] and [`Coordinator::restore`] replace one peer's control plane
//! while its dataplane forwards, with no event the client, the peer or an STP neighbour can
//! see: LACP, the ICCP session (resumed, not re-synchronised: RFC 7275 §5 asks only for a
//! reliable in-order channel, which the resumed session still is), the logical bridge and its
//! log, the halves, holds, split-brain state, the FDB and the counters. [`snapshot`] has the
//! design and the format.

mod demux;
mod fdb_sync;
pub mod logical;
pub mod recorder;
mod run;
mod secret;
pub mod snapshot;
pub mod split;

pub use demux::{DemuxCounters, FrameKind, classify};
pub use fdb_sync::{FDB_POSITION, FDB_SYNC, FdbMonitor};
pub use run::{
    CONSISTENCY_SUMMARY, Coordinator, EVENTS_MAX, Error, LinkState, MlagStatus, Monitor, Options,
    STP_LOG_MAX, SUMMARY_CHUNK, StpMode, StpMonitor,
};
pub use secret::{IccpSecret, SecretError};
pub use snapshot::{SNAPSHOT_VERSION, SnapshotError};

use l2_types::MacAddr;

use crate::dataplane::{Dataplane, FdbFlush, NextHop};

/// Most single-homed bridge ports per peer (STP numbers 1..=1536 and 1537..=3072).
pub const PEER_PORTS_MAX: u16 = 1536;
/// First STP port number of the MLAG logical ports.
pub const MLAG_PORT_FIRST: u16 = 2 * PEER_PORTS_MAX + 1;
/// Most MLAGs (STP numbers 3073..=4095).
pub const MLAG_PORTS_MAX: u16 = 4095 - 2 * PEER_PORTS_MAX;
/// System Priority both peers give their MLAG LAGs (802.1AX's usual default).
pub const MLAG_LACP_SYSTEM_PRIORITY: u16 = 32768;
/// Default reload delay: how long a starting peer waits for its peer before bringing its MLAG
/// halves up alone.
pub const RELOAD_DELAY_DEFAULT: core::time::Duration = core::time::Duration::from_secs(30);

/// The rank of a peer in the pair, by bridge MAC; both peers compute the same.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PeerIndex {
    /// The peer with the lower bridge MAC.
    Low,
    /// The peer with the higher bridge MAC.
    High,
}

impl PeerIndex {
    /// This peer's index, given its bridge MAC and the peer's.
    pub fn of(own: MacAddr, peer: MacAddr) -> Self {
        if own <= peer { Self::Low } else { Self::High }
    }

    /// This peer's index in a pair whose system-id is `system_id`: the peer whose bridge MAC
    /// is the system-id is [`Self::Low`] (it numbered its halves as Low while it ran alone, so
    /// a peer that joins it renumbers nothing of its); otherwise as [`Self::of`]. Both peers
    /// compute the same, as they agree on the system-id.
    pub fn of_pair(own: MacAddr, peer: MacAddr, system_id: MacAddr) -> Self {
        if own == peer {
            Self::of(own, peer)
        } else if system_id == own {
            Self::Low
        } else if system_id == peer {
            Self::High
        } else {
            Self::of(own, peer)
        }
    }

    /// The other index.
    pub const fn other(self) -> Self {
        match self {
            Self::Low => Self::High,
            Self::High => Self::Low,
        }
    }
}

/// The LACP Actor_Port of a peer's `index`-th MLAG slave (1-based, 1..=0x3FFF): `index` on
/// [`PeerIndex::Low`], `0x8000 | index` on [`PeerIndex::High`]. `None` out of range.
pub const fn lacp_port_number(peer: PeerIndex, index: u16) -> Option<u16> {
    if index == 0 || index > 0x3FFF {
        return None;
    }
    Some(match peer {
        PeerIndex::Low => index,
        PeerIndex::High => 0x8000 | index,
    })
}

/// The LACP Actor_Port of the `index`-th slave of a non-MLAG bond (1-based, 1..=0x3FFF):
/// `0x4000 | index`. These LAGs use the peer's own System ID, so the two peers' numbers may
/// coincide; they never coincide with MLAG numbers within one `lacp::System`, and they are
/// known before the peer is (the peer-port bond must come up first).
pub const fn lacp_local_port_number(index: u16) -> Option<u16> {
    if index == 0 || index > 0x3FFF {
        None
    } else {
        Some(0x4000 | index)
    }
}

/// The logical bridge's port number of a peer's `index`-th single-homed port (1-based,
/// 1..=[`PEER_PORTS_MAX`]). `None` out of range.
pub const fn stp_port_number(peer: PeerIndex, index: u16) -> Option<u16> {
    if index == 0 || index > PEER_PORTS_MAX {
        return None;
    }
    Some(match peer {
        PeerIndex::Low => index,
        PeerIndex::High => PEER_PORTS_MAX + index,
    })
}

/// The logical bridge's port number of MLAG slot `slot` (0-based, below [`MLAG_PORTS_MAX`]);
/// the primary allocates slots. `None` out of range.
pub const fn mlag_stp_port_number(slot: u16) -> Option<u16> {
    if slot >= MLAG_PORTS_MAX {
        None
    } else {
        Some(MLAG_PORT_FIRST + slot)
    }
}

/// Which peer an STP port number belongs to: `Some(index)` for a single-homed port, `None`
/// for an MLAG port (both) or an invalid number.
pub const fn stp_port_owner(port: u16) -> Option<PeerIndex> {
    if port == 0 {
        None
    } else if port <= PEER_PORTS_MAX {
        Some(PeerIndex::Low)
    } else if port <= 2 * PEER_PORTS_MAX {
        Some(PeerIndex::High)
    } else {
        None
    }
}

/// The next hop and split-horizon setting of one MLAG from the state of its two halves (the
/// table in the [module docs](self#split-horizon-and-next-hops)): `(next hop, allow
/// peer-port → bond)`.
pub const fn mlag_forwarding(local_up: bool, peer_up: bool) -> (NextHop, bool) {
    match (local_up, peer_up) {
        (true, true) => (NextHop::Local, false),
        (true, false) => (NextHop::Local, true),
        (false, true) => (NextHop::PeerPort, false),
        (false, false) => (NextHop::Local, false),
    }
}

/// Programs one MLAG's next hop and split horizon from its halves, in the failover order the
/// design requires (next hop first).
pub fn apply_mlag_forwarding<D: Dataplane + ?Sized>(
    dp: &mut D,
    mlag: fdb::MlagId,
    local_up: bool,
    peer_up: bool,
) {
    let (hop, allow) = mlag_forwarding(local_up, peer_up);
    dp.set_mlag_next_hop(mlag, hop);
    dp.set_peer_forwarding(mlag, allow);
}

/// Flush request for an STP `FlushFdb` event on a port (kept here so every user maps the event
/// the same way).
pub const fn stp_flush(location: fdb::Location, tree: stp::TreeId) -> FdbFlush {
    FdbFlush::LocationInTree(location, tree)
}
