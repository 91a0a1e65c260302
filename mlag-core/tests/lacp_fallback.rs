//! LACP fallback with MLAG (`lacp-fallback`, this crate's bond extension): a client that
//! speaks no LACP gets exactly one forwarding member — the primary's — never one per peer; the
//! first LACPDU on either half ends the fallback and LACP takes over; a secondary never falls
//! back, even alone in its configuration; the survivor of a dead primary takes the fallback.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::expect_used,
    clippy::panic
)]

use core::time::Duration;
use mlag_core::config::Config;
use mlag_core::coordinator::recorder::Cause;
use mlag_core::coordinator::{LinkState, Options};

mod client_pair;
use client_pair::{CLIENT, ID, Net};

fn config(p: u8, fallback: bool) -> Config {
    let mut c = Config::quick_setup(p);
    for b in &mut c.bonds {
        if b.mlag_id.is_some() {
            b.lacp_fallback = fallback;
        }
    }
    c
}

/// The Quick setup with `lacp-fallback` on each peer's MLAG bond as `fallback` says, the
/// client not speaking LACP (yet).
fn fallback_net(fallback: [bool; 2]) -> Net {
    let mut n = Net::with_configs(
        [config(1, fallback[0]), config(2, fallback[1])],
        [Options::new(1), Options::new(2)],
    );
    n.client_speaks = false;
    n
}

impl Net {
    /// Which peers' members forward (collecting and distributing) towards the client.
    fn forwarding(&self) -> Vec<usize> {
        (0..2)
            .filter(|i| self.alive[*i])
            .filter(|i| self.peers[*i].dataplane().member(self.slave[*i]) == (true, true))
            .collect()
    }

    fn primary(&self) -> usize {
        (0..2)
            .find(|i| self.peers[*i].monitor().active_role == Some(iccp::Role::Primary))
            .unwrap()
    }
}

#[test]
fn only_the_primarys_member_forwards_for_a_client_without_lacp() {
    let mut n = fallback_net([true, true]);
    for _ in 0..100 {
        n.run_for(Duration::from_millis(100));
        assert!(n.forwarding().len() <= 1, "both halves forward: duplicates");
    }
    let p = n.primary();
    assert_eq!(n.forwarding(), [p]);
    assert!(
        n.peers[p]
            .flight_recorder()
            .records()
            .any(|r| r.cause == Cause::Fallback { mlag: ID, on: true })
    );
    // The monitor's half is up on the primary only.
    let halves: Vec<bool> = (0..2)
        .map(|i| {
            n.peers[i]
                .monitor()
                .mlags
                .iter()
                .find(|m| m.mlag_id == ID)
                .unwrap()
                .local_up
        })
        .collect();
    assert_eq!(halves.iter().filter(|u| **u).count(), 1);
}

#[test]
fn the_first_lacpdu_ends_the_fallback_and_lacp_takes_over() {
    let mut n = fallback_net([true, true]);
    n.run_for(Duration::from_secs(10));
    let p = n.primary();
    assert_eq!(n.forwarding(), [p]);
    // The client starts LACP.
    n.client_speaks = true;
    for _ in 0..100 {
        n.run_for(Duration::from_millis(100));
        // Never both forwarding on defaulted information: the fallback member stops before (or
        // as) the LACP-negotiated links come in.
        let f = n.forwarding();
        if f.len() == 2 {
            assert!(
                (0..2).all(|i| {
                    let st = n.peers[i].lacp().port(n.slave[i]).unwrap();
                    st.partner.system == CLIENT
                }),
                "both forward while one is still in fallback"
            );
        }
    }
    assert_eq!(n.forwarding(), [0, 1], "LACP did not take over");
    assert!(n.peers[p].flight_recorder().records().any(|r| r.cause
        == Cause::Fallback {
            mlag: ID,
            on: false
        }));
    let lag = n.client.lag(lacp::LagId(1)).unwrap();
    assert_eq!(lag.ports_distributing, 2);
}

#[test]
fn a_secondary_never_falls_back_even_if_only_it_is_configured() {
    // Only Peer2 (the secondary: higher MAC, same priority) has lacp-fallback.
    let mut n = fallback_net([false, true]);
    n.run_for(Duration::from_secs(10));
    assert_eq!(n.primary(), 0);
    assert!(n.forwarding().is_empty(), "{:?}", n.forwarding());
    // Configured on the primary only: it falls back.
    let mut n = fallback_net([true, false]);
    n.run_for(Duration::from_secs(10));
    assert_eq!(n.forwarding(), [0]);
}

#[test]
fn the_survivor_takes_the_fallback_when_the_primary_dies() {
    let mut n = fallback_net([true, true]);
    n.run_for(Duration::from_secs(10));
    assert_eq!(n.forwarding(), [0]);
    // Peer1 (primary) powers off: the peer-port's carrier drops on Peer2.
    n.alive[0] = false;
    n.peer_link = false;
    let pp = n.peers[1].peer_port();
    let now = n.now;
    n.peers[1].handle_link(now, pp, LinkState::Down);
    n.run_for(Duration::from_secs(2));
    assert_eq!(n.forwarding(), [1]);
}

#[test]
fn lacp_fallback_needs_802_3ad() {
    let mut c = Config::quick_setup(1);
    let mut b = mlag_core::config::Bond::new("plain", &["ether2"]);
    b.lacp_fallback = true;
    c.bonds.push(b);
    let e = c.validate().unwrap_err().to_string();
    assert!(e.contains("lacp-fallback"), "{e}");
}

#[test]
fn lacp_fallback_can_be_set_and_cleared_at_run_time() {
    let mut n = fallback_net([false, false]);
    n.run_for(Duration::from_secs(10));
    assert!(n.forwarding().is_empty());
    let set = |n: &mut Net, on: bool| {
        let new = config(1, on).validate().unwrap();
        let changes = mlag_core::config::diff(n.peers[0].config(), &new);
        assert!(changes.iter().any(|c| matches!(
            c,
            mlag_core::config::Change::BondChanged {
                field: "lacp-fallback",
                ..
            }
        )));
        let now = n.now;
        n.peers[0].apply(now, new, &changes).unwrap();
    };
    set(&mut n, true);
    n.run_for(Duration::from_secs(2));
    assert_eq!(n.forwarding(), [0]);
    set(&mut n, false);
    n.run_for(Duration::from_secs(2));
    assert!(n.forwarding().is_empty());
}
