//! Removing a port drops the BPDUs still queued for it (found by the `stp_bridge` fuzz target).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use l2_types::{Instant, PortNo};

#[test]
fn removed_port_sends_nothing_queued_before_removal() {
    let now = Instant::ZERO;
    let mut b = stp::ops::setup(now);
    // Without draining, port 3 has BPDUs queued; remove it.
    b.remove_port(now, PortNo(3)).unwrap();
    let mut buf = [0u8; 1600];
    let mut sent = 0;
    while let Some(t) = b.poll_transmit(&mut buf) {
        assert_ne!(t.port, PortNo(3), "a BPDU for the removed port");
        sent += 1;
    }
    // The other ports' BPDUs are still there.
    assert!(sent > 0);
    assert!(b.check_invariants().is_ok());
}
