//! The pair's ICCP secret (`Options::iccp_secret`): equal secrets connect (every frame
//! authenticated), different secrets — or a secret on one side only — never do, and the
//! refused frames show in the monitor as authentication failures. The secret never shows.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::expect_used,
    clippy::panic
)]

use iccp::Status;
use l2_types::Instant;
use mlag_core::coordinator::{IccpSecret, Monitor};
use mlag_core::sim::{MlagPeer, QuickSetup, QuickSetupParams};

fn run(secrets: [Option<&str>; 2]) -> [Monitor; 2] {
    let mut p = QuickSetupParams::new(11);
    p.iccp_secrets = secrets.map(|s| s.map(|s| IccpSecret::new(s).unwrap()));
    let mut q = QuickSetup::build(p).unwrap();
    q.net.run_until(Instant::from_secs(10));
    [0, 1].map(|i| q.net.node::<MlagPeer>(q.peers[i]).unwrap().monitor())
}

#[test]
fn equal_secrets_connect_and_authenticate_every_frame() {
    let m = run([Some("pair-secret-1"), Some("pair-secret-1")]);
    for m in &m {
        assert_eq!(m.status, Status::Connected);
        assert_eq!(m.iccp.rx_auth_failed, 0);
        assert!(m.iccp.rx_frames > 5);
    }
    // Same as an unauthenticated pair, apart from the tags.
    let plain = run([None, None]);
    for m in &plain {
        assert_eq!(m.status, Status::Connected);
    }
}

#[test]
fn different_secrets_never_connect_and_count_auth_failures() {
    for secrets in [
        [Some("pair-secret-1"), Some("pair-secret-2")],
        [Some("pair-secret-1"), None],
        [None, Some("pair-secret-2")],
    ] {
        let m = run(secrets);
        for m in &m {
            assert_ne!(m.status, Status::Connected, "{secrets:?}");
            assert_eq!(m.iccp.rx_frames, 0, "{secrets:?}");
            assert!(m.iccp.rx_auth_failed > 0, "{secrets:?}");
            assert!(m.peer.is_none(), "{secrets:?}");
        }
    }
}

#[test]
fn the_secret_is_never_printed() {
    let mut p = QuickSetupParams::new(11);
    p.iccp_secrets = [Some(IccpSecret::new("pair-secret-1").unwrap()), None];
    let shown = format!("{p:?}");
    assert!(!shown.contains("pair-secret"), "{shown}");
    let m = run([Some("pair-secret-1"), Some("pair-secret-1")]);
    for m in &m {
        let shown = format!("{m:?} {m}");
        assert!(!shown.contains("pair-secret"), "{shown}");
    }
}
