//! Black holes during a one-way silent spanning-tree link (FUZZING.md, branch `chaos9`): the
//! silence ran towards a port that holds no received information — a Designated Port, whose
//! neighbour is its root or alternate port. 802.1D-2004 ages only received information
//! (§17.21.23, the Port Information machine's AGED, §17.27) and a root or alternate port
//! sends no periodic BPDUs (only a Designated Port transmits hellos, §17.21.20), so no bridge
//! can tell the link lost its frames in that direction: they are lost until it heals. The
//! oracle asked for the two-way silence's 3 × Hello Time + k × 2d; it now asks for the
//! silence's end limit then. The opposite direction (towards a port that ages the other
//! end's information) keeps the strict limit, and the pairs meet it.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::expect_used,
    clippy::panic
)]

use mlag_core::sim::Dir;
mod chaos_common;

use chaos_common::check;
use mlag_core::sim::chaos::{Kind, Scenario};

/// (seed, the one-way silence's episode): the minimal reproductions `mlag chaos` printed for
/// the class ("after one-way silent uplink / bridge link start").
const CASES: [(u64, usize); 9] = [
    (1612, 0),
    (1975, 0),
    (9149, 1),
    (7208, 1),
    (888, 0),
    (328, 0),
    (4545, 0),
    (9655, 1),
    (4317, 2),
];

/// The reproductions and their whole schedules (all failed before: frames into the silence
/// were lost until it healed, past 3 × Hello Time).
#[test]
fn a_one_way_silence_no_bridge_can_detect_is_judged_at_its_end() {
    for (seed, e) in CASES {
        let s = Scenario::generate(seed);
        assert!(
            matches!(s.episodes[e].kind, Kind::Silent(_, Some(_))),
            "seed {seed}: {}",
            s.episodes[e]
        );
        check(&s, Some(vec![e]), "reproduction");
        check(&s, None, "whole schedule");
    }
}

/// The same silences the other way round: the receiving port holds the other end's
/// information, ages it after 3 × Hello Time and the tree moves; the strict limit applies and
/// is met.
#[test]
fn the_opposite_direction_is_detected_within_the_strict_limit() {
    for (seed, e) in CASES {
        let mut s = Scenario::generate(seed);
        let Kind::Silent(l, Some(d)) = s.episodes[e].kind else {
            panic!("seed {seed}");
        };
        let flip = match d {
            Dir::AtoB => Dir::BtoA,
            Dir::BtoA => Dir::AtoB,
        };
        s.episodes[e].kind = Kind::Silent(l, Some(flip));
        check(&s, Some(vec![e]), "flipped");
    }
}
