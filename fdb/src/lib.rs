//! The forwarding database (FDB) of an MLAG bridge: a MAC table keyed by (VLAN, MAC) with
//! learning, ageing, flushes, limits and move dampening, kept in step with the MLAG peer's.
//!
//! * [`Fdb`] — the table and its sans-IO driver: [`Fdb::learn`], [`Fdb::lookup`] (and
//!   [`Fdb::learn_many`], [`Fdb::lookup_many`] for a receive burst, whose memory latency they
//!   overlap), [`Fdb::flush`], [`Fdb::handle_timeout`] / [`Fdb::poll_timeout`] for ageing,
//!   [`Fdb::handle_sync`] / [`Fdb::poll_sync`] for peer synchronisation, [`Fdb::poll_event`].
//! * [`sync`] — the synchronisation protocol (journal, deltas, chunked snapshots, range
//!   digests) and [`sync::wire`], the one definition of its bytes.
//! * [`types`] — keys, locations, configuration, outcomes, counters.
//!
//! # Determinism and bounds
//! No clock, no I/O, no randomness: time is the `now` argument, and the hash seed and the sync
//! epoch come from [`FdbConfig`]. Memory is bounded by [`FdbConfig::entries_max`] (keys, local
//! and peer), [`FdbConfig::journal_max`], [`EVENTS_MAX`] and [`FdbConfig::mlag_bonds_max`];
//! every refusal and drop is counted in [`Stats`].
//!
//! # The run loop
//! After every input (`learn`, `flush`, `handle_sync`, `handle_timeout`, `set_peer`), drain
//! [`Fdb::poll_sync`] (hand each message to ICCP for the peer) and [`Fdb::poll_event`]; sleep
//! until [`Fdb::poll_timeout`]. Two tables, wired back to back:
//!
//! ```
//! use fdb::{Fdb, FdbConfig, Location, PeerState, MlagId, BondState};
//! use l2_types::{Instant, MacAddr, PortNo, VlanId};
//!
//! let mut a = Fdb::new(FdbConfig::new(0x5eed_a, 1)).unwrap();
//! let mut b = Fdb::new(FdbConfig::new(0x5eed_b, 7)).unwrap();
//! let now = Instant::from_secs(1);
//! a.set_peer(now, PeerState::Up);
//! b.set_peer(now, PeerState::Up);
//! b.set_mlag_bond(MlagId(10), BondState::Up).unwrap();
//! let vid = VlanId::DEFAULT;
//! let host = MacAddr([2, 0, 0, 0, 0, 1]);
//! let client = MacAddr([2, 0, 0, 0, 0, 2]);
//! let _ = a.learn(now, vid, host, Location::Port(PortNo(3)));
//! let _ = a.learn(now, vid, client, Location::Mlag(MlagId(10)));
//! let mut buf = [0u8; 1500];
//! for _ in 0..10 {
//!     while let Some(n) = a.poll_sync(now, &mut buf) {
//!         let _ = b.handle_sync(now, &buf[..n]);
//!     }
//!     while let Some(n) = b.poll_sync(now, &mut buf) {
//!         let _ = a.handle_sync(now, &buf[..n]);
//!     }
//! }
//! // A single-homed host of the peer is behind the peer-port; an MLAG client is on the local
//! // twin bond while it is up.
//! assert_eq!(b.lookup(vid, host), Some(Location::PeerPort));
//! assert_eq!(b.lookup(vid, client), Some(Location::Mlag(MlagId(10))));
//! b.set_mlag_bond(MlagId(10), BondState::Down).unwrap();
//! assert_eq!(b.lookup(vid, client), Some(Location::PeerPort));
//! ```
//!
//! # MLAG semantics
//! * **Ownership.** Each table owns the entries learned on its own ports and bonds and mirrors
//!   its peer's; a key can have both a local entry and a peer entry (an MLAG client learned by
//!   both peers). Lookups prefer the local entry. The sync protocol makes each side's mirror
//!   equal to the other side's owned set exactly, as long as the mirror has room
//!   ([`FdbConfig::entries_max`] counts local and peer keys; a refused peer entry is counted in
//!   [`Stats::sync_rejected_full`] and the range digests keep reporting the difference).
//! * **Bonds by mlag-id.** Entries on MLAG bonds point at the logical port
//!   [`Location::Mlag`]`(mlag-id)`, never at member ports. A peer entry on an MLAG bond is
//!   forwarded on the local bond with the same mlag-id while that bond is up
//!   ([`Fdb::set_mlag_bond`]), and on the peer-port otherwise; the host's dataplane does the
//!   same mapping, so failover re-points one logical port instead of rewriting entries.
//! * **Member down.** When the local bond of an mlag-id goes down, its local entries are not
//!   flushed: they resolve to the peer-port (no flood after failover) and age normally; the
//!   peer's own entries for the same clients keep them reachable.
//! * **No local ageing of peer entries.** Peer entries never age here; the owner's ageing
//!   removes them with a delete record.
//! * **Moves behind the peer.** If the peer reports a MAC on a location that disagrees with
//!   our dynamic entry (a single-homed port of the peer, or another mlag-id), our entry is
//!   dropped: the MAC moved behind the peer ([`Stats::moved_to_peer`]).
//! * **What is synchronised.** Dynamic and static entries on ports and MLAG bonds. Not the
//!   bridge's own addresses, and not entries learned on the peer-port (the peer owns those).
//! * **Peer lost.** [`sync::PeerState::Down`] keeps the peer's entries (MLAG clients stay
//!   reachable on the local bonds); the host flushes them with [`Flush::peer`] when the peer
//!   is gone for good.
//!
//! # Storage
//! One 16-octet slot per key in an open-addressing table of its own (groups of 14 slots with
//! a 16-octet control word each: a tag octet per slot, an overflow filter and an overflow
//! count, scanned as two words; home group by a multiply of a keyed hash, at most 7/8 full):
//! the key, the local entry's kind, interned locations and the exact
//! last-seen instant. Keys that do not fit (a MAC that moved, more than 254 locations, an
//! instant 78 hours away from the table's time base) keep their full state in a side table.
//! About 19.7 octets per entry at 10M when sized with [`Fdb::with_capacity`]; see
//! BENCHMARKS.md.
//!
//! # Ageing
//! Local dynamic entries idle for [`FdbConfig::ageing_time`] are removed by a sweep that
//! [`Fdb::handle_timeout`] runs when a bucket of the ageing ring expires: entries are counted in
//! 16 buckets per ageing time, so a timeout with nothing to expire is O(1), and an entry goes
//! between `ageing_time` and `ageing_time × 17/16` after its last frame.
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

mod slots;
pub mod sync;
mod table;
pub mod types;

pub use sync::{PeerState, SyncError};
pub use table::{EVENTS_MAX, Fdb};
pub use types::{
    BondState, ConfigError, Entry, Event, FdbConfig, FdbError, Flush, FullPolicy, Ignored, Key,
    Kind, Learn, Limit, Location, MlagId, MoveDampening, Stats, SyncLocation, VlanSet,
};
