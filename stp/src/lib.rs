//! IEEE 802.1D / 802.1Q spanning tree protocols (STP, RSTP, MSTP), sans-IO.
//!
//! * [`wire`] — the LLC framing, Configuration, TCN, RST and MST BPDUs (with up to 64 MSTI
//!   configuration messages), the MST Configuration Identifier and its HMAC-MD5 digest, and the
//!   recognition of Cisco PVST+/SSTP frames (reported as such, never parsed as IEEE BPDUs).
//! * [`Bridge`] — an RSTP bridge (802.1D-2004 clause 17, which is the CIST of 802.1Q-2022
//!   clause 13) with 802.1D STP compatibility: a port that hears Configuration or TCN BPDUs
//!   talks STP to that neighbour (Port Protocol Migration). Every machine of the standard runs
//!   under its own name — Port Timers, Port Receive, Port Protocol Migration, Bridge Detection,
//!   Port Transmit (with the transmit hold count), Port Information, Port Role Selection, Port
//!   Role Transitions (proposal/agreement sync), Port State Transition, Topology Change — with
//!   the clause cited at each transition ([`port`] has the state names). With Force Protocol
//!   Version RSTP or STP, MST BPDUs are processed as RST BPDUs, as 802.1Q requires of an RSTP
//!   bridge.
//! * MSTP's CIST (802.1Q-2022 §13.10–13.12) with Force Protocol Version MSTP: a port whose
//!   neighbour sends MST BPDUs with this bridge's MST Configuration Identifier
//!   ([`Bridge::set_mst_region`]) is inside the region (`rcvdInternal`); priority vectors are
//!   CIST priority vectors {Root : External Root Path Cost : Regional Root
//!   ([`RegionalVector`]) : Internal Root Path Cost : Designated Bridge : Designated Port :
//!   Receiving Port}; inside the region Message Age stays and remaining hops drop by one per
//!   bridge (information is discarded when they run out), at a boundary port the external cost
//!   grows and this bridge becomes Regional Root. MST BPDUs are sent (the CIST Regional Root in
//!   the Bridge Identifier field, so STP and RSTP neighbours see the region as one bridge).
//! * [`msti`] — the MSTIs of the VLAN→MSTI map (802.1Q clause 13), each with the standard's
//!   per-tree machines on every port: Port Information (MSTI configuration messages read from
//!   neighbours inside the region, `rcvInfo`, `recordProposal`, `recordAgreement`,
//!   `recordMastered`, `recordDispute`), Port Role Selection (MSTI priority vectors with per-MSTI
//!   bridge priority, port priority and internal path cost — [`Bridge::set_msti_priority`],
//!   [`Bridge::set_msti_port`]; at a boundary port the role follows the CIST: a CIST Root Port
//!   is the Master Port, a CIST Alternate stays Alternate), Port Role Transitions (the
//!   proposal/agreement sync with `proposed`, `proposing`, `agree`, `agreed`, `sync`, `synced`,
//!   `reRoot`, the MASTER_PORT states, the `master` and `mastered` flags), Port State
//!   Transition and Topology Change (`tcWhile` per tree, TC propagation on the MSTI, a
//!   [`Event::FlushFdb`] naming the MSTID). A CIST message from outside the region gives every
//!   MSTI of the port its agreement, proposal, dispute and topology change (802.1Q §13.29.15–
//!   §13.29.24), so agreements cross the region boundary for all trees at once. MSTI messages
//!   carry the flags of §14.4.1 (Master in bit 8). `PortRole` / `PortState` / `RootChanged` /
//!   `TopologyChange` events, [`Bridge::msti`], [`Bridge::msti_port`] and [`Bridge::explain`]
//!   per MSTID. Port Role Transitions and Port State Transition are one implementation for
//!   every tree (the CIST's port and each MSTI's hold the same per-tree variables); Port
//!   Information, Role Selection and Topology Change have a CIST and an MSTI variant (the CIST
//!   adds STP compatibility, the external vectors, TCN and tcAck).
//! * Path costs: [`PortConfig::path_cost`] is the CIST ExternalPortPathCost and
//!   [`PortConfig::internal_path_cost`] the CIST InternalPortPathCost (used for information from
//!   inside the region); each MSTI has its own internal cost, by default the CIST's.
//! * [`config`] — bridge and port parameters with the standard's ranges and rules; guards
//!   (BPDU guard, root guard = `restrictedRole`, loop guard, BPDU filter, `restrictedTcn`,
//!   bridge assurance), admin/auto edge, point-to-point, path costs from 802.1D-1998 or
//!   802.1t tables.
//! * [`Bridge::explain`] — why a port has its role and state: the priority vectors that won,
//!   the guard that holds it, the timer or handshake it waits on.
//! * [`ops`] — an operation language over a bridge for fuzzers and property tests.
//!
//! # The run loop
//!
//! The bridge reads no clock and does no I/O. The host feeds it received frames, link changes
//! and the time, then drains its outputs:
//!
//! ```
//! use l2_types::{Instant, MacAddr, PortNo};
//! use stp::{Bridge, BridgeConfig, LinkState, PortConfig};
//!
//! let mut bridge = Bridge::new(BridgeConfig::new(MacAddr([2, 0, 0, 0, 0, 1]))).unwrap();
//! let now = Instant::ZERO;
//! bridge.add_port(now, PortNo(1), PortConfig::new(MacAddr([2, 0, 0, 0, 1, 1]))).unwrap();
//! bridge.handle_link(now, PortNo(1), LinkState::Up { speed_mbps: 1000, full_duplex: true });
//! let mut buf = [0u8; 1514];
//! // After every input: send the frames, apply the events, arm a timer for poll_timeout().
//! while let Some(t) = bridge.poll_transmit(&mut buf) {
//!     let _frame = (t.port, &buf[..t.len]); // send it on t.port
//! }
//! while let Some(_event) = bridge.poll_event() {
//!     // PortState → program the port's forwarding state; FlushFdb → flush; log the rest.
//! }
//! if let Some(at) = bridge.poll_timeout() {
//!     bridge.handle_timeout(at); // when the host's clock reaches `at`
//! }
//! ```
//!
//! Timers are deadlines rather than the standard's one-second tick: each port has one entry in
//! a time-ordered set (its earliest running timer), so a timer firing on one port of 512 costs
//! the same as on one port of 8; the `txCount` decrement of the Port Timers machine is a
//! one-second deadline kept only while `txCount` is non-zero. After an input the bridge re-runs
//! the machines of the ports it concerns until none moves; a change another port's machines read
//! (`selected`, `role`, `synced`, `rrWhile`, `setSyncTree`, `setReRootTree`, `setTcPropTree`,
//! `reselect`) re-runs all ports.
//!
//! Deliberate choices, where the standard leaves room or reads oddly:
//! * A TCN BPDU carries no priority vector; it only sets `rcvdTcn` (setTcFlags).
//! * A legacy (STP) root port sends a TCN only while `tcWhile` runs: 802.1D-2004's
//!   `ROOT_AGREED` sets `newInfo` even in STP mode, which would send spurious TCNs.
//! * The freshest BPDU wins if a second one arrives before the first was processed.
//! * recordAgreement (§17.21.9) sets `agreed` on a Designated Port only if the agreeing BPDU
//!   names the root the port advertises — the condition 802.1Q-2018 §13.29.15 a) puts on MSTI
//!   agreements. An agreement naming another root answers a proposal the port has replaced
//!   since (the neighbour sent it before it heard the new root); taking it would open the port
//!   without the neighbour's sync, and in the chaos campaign it opened loops (FUZZING.md).
//! * A BPDU the Port Transmit machine sends (§17.26) while the same port's previous BPDU of the
//!   same kind is still queued — the host has not polled it, so it has not left — replaces that
//!   one instead of following it, and is not counted again against the Transmit Hold Count
//!   (`Stats::tx_coalesced` counts these). txRstp and txConfig (§17.21.19–20) send the port's
//!   variables as they are at transmission; one input often sets `newInfo` several times on a
//!   port (a received BPDU, then the new roles, then the agreement), and a burst of
//!   identical or superseded frames would use up the hold count that the next handshake needs.
//!   A Configuration BPDU's Topology Change Acknowledgment carries over into its replacement;
//!   a TCN BPDU is never merged.
//! * BPDU guard acts on any BPDU received on a port where it is enabled (as RouterOS and
//!   Cisco's per-interface setting do), not only on edge ports.
//!
//! # Stale information aging (an extension, off by default)
//!
//! [`BridgeConfig::stale_info_aging`] adds two rules beyond 802.1D-2004 and 802.1Q-2022, for
//! the count to infinity that starts when a neighbour B loses its root: B sends "B is root"
//! (or its new, worse root path) on all its designated ports, and a bridge whose ports hear
//! those BPDUs at different instants answers the first with the root path still recorded on
//! another — B's own withdrawn one, which B then adopts.
//!
//! 1. A designated BPDU from B, recorded by its port, ages at once (the Port Information
//!    machine's AGED, §17.27, as if rcvdInfoWhile had run out; no loop guard) the information
//!    other ports recorded from the same designated bridge B when that information has a
//!    better root vector (Root, Root Path Cost and, from another MST region, Regional Root
//!    and Internal Root Path Cost). B sends one root priority vector on all its ports
//!    (§17.6, §17.19.21: every designatedPriority comes from B's rootPriority), so the
//!    better one is what B has withdrawn. A worse one is left alone: it cannot win a root
//!    path over what B says now.
//! 2. A port's BPDUs from B can be older than another port's: in an MLAG pair the copies the
//!    other chassis relays arrive a peer-link delay after the authority's own. A port
//!    remembers the root vector B sent before its latest (when they differ); a designated BPDU
//!    from B on another port carrying that superseded vector, on a port that has not yet heard
//!    B's latest, is a late copy and is discarded as if lost. Such a port then *lags*: its
//!    BPDUs from B age nothing elsewhere until it hears what the other ports last heard from B
//!    (B can send something in between on it alone, e.g. while its port toward the others is
//!    a Root Port).
//!
//! Why it is safe: both actions are ones the standard's own machines take on a lossy link —
//! information ageing out early (as after three lost hellos) and a BPDU lost — so no state
//! arises that 802.1D could not reach; proposal/agreement still decides every transition to
//! forwarding, and a port whose information was aged becomes Designated and Discarding until
//! B's next BPDU (at most a Hello Time) restores it. Only designated BPDUs (Configuration, or
//! RST/MST with the Designated Port Role) take part: a Root or Alternate Port's BPDU is not
//! recorded by the standard either. Only external information takes part (not inside an MST
//! region, where the MSTIs' information travels in the same BPDUs and would be separated from
//! the CIST's), and not MST BPDUs read by an RSTP bridge (every bridge of that region shows the
//! same CIST Regional Root as its Bridge Identifier). Where it can be wrong: B changing back to
//! an earlier root vector while a port is still behind (that port loses one BPDU), or B's
//! BPDUs reaching one port much later than another on the same bridge in steady state (no
//! change: only differing root vectors act). What it does not cure: stale information from
//! *another* bridge circulating around a cycle (the classical RSTP count to infinity after a
//! root is cut off), which no per-bridge rule can see. [`Stats::stale_info_aged`] and
//! [`Stats::stale_info_discarded`] count the actions.
//!
//! # Root sequencing (an extension, off by default)
//!
//! [`BridgeConfig::root_sequencing`] is against the count to infinity that stale information
//! does circulate around a cycle once a root is cut off — which 802.1D-2004 bounds only by Max
//! Age in hops and the Transmit Hold Count, and during which proposal/agreement can open the
//! whole cycle (Elmeleegy, Cox and Ng, "Understanding and mitigating the effects of count to
//! infinity in Ethernet networks", IEEE/ACM ToN 17(1), 2009, and their "Supplemental Note on
//! Count-to-Infinity Induced Forwarding Loops"). It is the loop-freedom rule of the
//! distance-vector protocols DSDV and Babel (RFC 8966 §2.4–2.5, §3.5.1, §3.8.1.2) applied to
//! the root priority vector; the effect is that of their "RSTP with Epochs":
//!
//! 1. **A sequence number per root.** Every RST BPDU carries a 24-octet
//!    [trailer](crate::wire::rootseq) after its 36 octets with the sequence number of the root
//!    it names: the root announces its own, every other bridge repeats the one that came with
//!    its Root Port's information (Port Role Selection gives it to every designated priority
//!    vector; a new number for the same vector is new information for `rcvInfo`, §17.21.8, like
//!    new times, 802.1Q-2022 §13.29.14).
//! 2. **Feasible distances.** For each root it used (at most [`FEASIBLE_MAX`], kept
//!    [`ROOT_SEQ_HOLD`] after the last use) a bridge remembers the newest sequence number and
//!    the least Root Path Cost it had with it. Port Role Selection (§17.21.25) takes a port's
//!    information for a root path only if it is *feasible*: a newer sequence number, or the same
//!    one with a Root Path Cost (the neighbour's) no higher than that least cost; first-hand
//!    information (Root Path Cost 0: the neighbour is the root) always is, and goes on with the
//!    newer of its number and the one this bridge used (another instance of the root — restarted,
//!    or the other chassis of an MLAG pair — may have given that). Every path cost
//!    is at least 1, so a neighbour whose root path runs through this bridge always advertises
//!    more: information that came round a cycle can never be taken, and the root path pointers
//!    for one root and sequence number never form a cycle. An Alternate Port's information is
//!    never worse than the bridge's own (it would be Designated otherwise), so the standard's
//!    fast failover to an Alternate Port is always feasible.
//! 3. **Sequence requests.** When a port's infeasible information would have won, the bridge
//!    does without it (the port is an Alternate Port, or the bridge its own root) and sends,
//!    in the next BPDU on that port, a request for the root's next sequence number. A bridge
//!    whose information is already that new answers by sending it again; one whose root is that
//!    root passes the request on through its Root Port (a repeat of the same request only after
//!    Hello Time / [`FORWARD_REPEAT_DIVISOR`], at most [`REQUEST_HOPS`] hops); the root takes
//!    the number asked for and announces it. The new number makes the real path feasible
//!    everywhere on its way back, so a root reached again over a longer path is taken after a
//!    round trip; stale information, whose path leads to no root, gets no answer and ages out.
//!    A bridge that loses its root path with no other information at all (it claims the root
//!    and passed nothing over) asks at once, in the claim's BPDUs on every port, for the old
//!    root's next number: a neighbour with another path answers the claim with information
//!    that would be infeasible at the old number, and the request is already on its way.
//!    An unanswered request is sent again after Hello Time / [`REQUEST_RETRY_DIVISOR`], then
//!    with the wait doubled each time up to Hello Time: a request lost on a lossy or silent
//!    link costs a fraction of a second.
//!
//! Every BPDU the extension sends goes through the Port Transmit machine (§17.26): it sets
//! `newInfo`, and the Transmit Hold Count applies. Information without a trailer (a bridge
//! without the extension, a Configuration BPDU) is always feasible, so mixed networks behave as
//! the standard does; an RSTP bridge without the extension ignores the trailer (802.1D-2004
//! §9.3.4 processes an RST BPDU of at least 36 octets; the interop record in `interop/README.md`
//! shows Open vSwitch doing so), and an MST bridge neither sends nor reads it. The `Stats`
//! counters `root_seq_*` count what it does.
//!
//! # MLAG: two chassis, one logical bridge
//!
//! The two MLAG peers must look like one bridge to every STP neighbour: one Bridge Identifier,
//! one set of Port Identifiers, one consistent set of roles. The design:
//!
//! 1. **One protocol instance for the pair.** The logical bridge is a single [`Bridge`] whose
//!    ports are the ports of both chassis. Port numbers are disjoint by construction: the
//!    coordinator gives peer 1 the numbers 1–2047 and peer 2 2048–4095 (the 12-bit Port
//!    Identifier space), so Port Identifiers never collide and a port number says which chassis
//!    owns it. Both peers configure the same [`BridgeConfig`] with the shared system-id as
//!    [`BridgeConfig::address`] and the same priority — hence one Bridge Identifier.
//! 2. **The primary is authoritative and sequences the inputs.** Frames received on the
//!    secondary's ports and its link changes are relayed over ICCP to the primary, which feeds
//!    them to the bridge (`handle_frame` / `handle_link` with the secondary's port numbers)
//!    together with its own inputs and timeouts. BPDUs the bridge emits on a secondary port are
//!    relayed back and sent there; `PortState` / `FlushFdb` events for secondary ports are
//!    relayed and applied to the secondary's dataplane. The bridge needs nothing MLAG-specific
//!    for this: it does not care where a port is.
//! 3. **The secondary runs a replica as a hot standby.** The primary forwards its ordered
//!    input log (input kind, time, port, frame) to the secondary, which applies it to its own
//!    [`Bridge`] — a clone of the primary's taken at join time ([`Bridge`] is `Clone`), or, across
//!    the peer-link, a bridge restored from the primary's [`Bridge::snapshot`] (exact, versioned
//!    octets; [`Bridge::restore`] is a total decoder). The bridge is deterministic, so the
//!    replica's state, frames and events are identical; [`Bridge::fingerprint`] lets the pair
//!    compare states cheaply over ICCP and resync on a mismatch.
//! 4. **Failover.** When the primary is lost, the secondary promotes its replica: it stops
//!    relaying, reports the dead peer's ports down ([`Bridge::handle_link`] with
//!    [`LinkState::Down`], or [`Bridge::remove_port`]) and continues with the same Bridge
//!    Identifier; neighbours only see some links fail, and RSTP reconverges on them by the
//!    ordinary rules (an Alternate becomes Root at once).
//!
//! The alternatives were two independent bridges exchanging "virtual port" information (two
//! Port Role Selections over partial views can disagree for a while, which is exactly a loop)
//! and a bridge split per tree (no gain). One sequenced instance has no split-brain window by
//! construction; the price is one ICCP round trip on the secondary's BPDU path, well within the
//! 3 × Hello Time information lifetime.
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![cfg_attr(
    not(test),
    warn(
        clippy::indexing_slicing,
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic
    )
)]

extern crate alloc;

mod bridge;
pub mod config;
pub mod event;
mod explain;
mod machines;
pub mod msti;
pub mod ops;
pub mod port;
mod rootseq;
mod tree;
pub mod vector;
pub mod wire;

pub use bridge::{
    Bridge, MachineStates, PORTS_MAX, PortStatus, SNAPSHOT_VERSION, SnapshotError, TreeStatus,
};
pub use config::{
    AdminP2p, BridgeConfig, ConfigError, ForceVersion, LinkState, PathCost, PathCostMethod,
    PortConfig,
};
pub use event::{
    CIST, Event, Guard, PortCounters, PortState, Role, RxError, Stats, Transmit, TreeId,
};
pub use explain::{Explanation, RoleReason, Wait};
pub use machines::{EVENTS_MAX, TRANSMITS_MAX};
pub use msti::{MstiPriorityVector, MstiStatus};
pub use rootseq::{
    FEASIBLE_MAX, FORWARD_REPEAT_DIVISOR, REQUEST_HOPS, REQUEST_RETRY_DIVISOR, ROOT_SEQ_HOLD,
};
pub use vector::{PriorityVector, RegionalVector, Times};
