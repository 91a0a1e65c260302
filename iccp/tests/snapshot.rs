//! `Session::snapshot` / `Session::restore`: a session replaced by its restored snapshot — at
//! once, or after a pause during which the peer's frames to it are lost — stays connected on
//! both sides, keeps its role and system-id, and delivers every application message exactly
//! once and in order, both ways. Damaged octets and another configuration are refused.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::expect_used,
    clippy::panic,
    clippy::needless_range_loop
)]

use iccp::wire::param::Param;
use iccp::{Event, LinkState, Role, Session, SessionConfig, SnapshotError, Status};
use l2_types::{Duration, Instant, MacAddr};

fn cfg(i: u8) -> SessionConfig {
    let mut c = SessionConfig::new(MacAddr([2, 0, 0, 0, 0, i]));
    c.seed = u64::from(i);
    c.heartbeat = Some(Duration::from_secs(1));
    c
}

struct Pair {
    s: [Session; 2],
    now: Instant,
    /// Application messages received by each side, in order.
    got: [Vec<u32>; 2],
    events: [Vec<Event>; 2],
    /// Frames to side i are dropped while `deaf[i]`.
    deaf: [bool; 2],
}

impl Pair {
    fn new() -> Self {
        let now = Instant::ZERO;
        let s = [1u8, 2].map(|i| {
            let mut s = Session::new(cfg(i), now);
            s.handle_link(now, LinkState::Up);
            s
        });
        Self {
            s,
            now,
            got: [Vec::new(), Vec::new()],
            events: [Vec::new(), Vec::new()],
            deaf: [false; 2],
        }
    }

    fn pump(&mut self) {
        let mut buf = [0u8; iccp::wire::l2::FRAME_MAX];
        for _ in 0..1000 {
            let mut moved = false;
            for from in 0..2 {
                while let Some(t) = self.s[from].poll_transmit(self.now, &mut buf) {
                    moved = true;
                    if !self.deaf[1 - from] {
                        let _ = self.s[1 - from].handle_frame(self.now, &buf[..t.len]);
                    }
                }
            }
            for i in 0..2 {
                while let Some(e) = self.s[i].poll_event() {
                    self.events[i].push(e);
                }
                while let Some(m) = self.s[i].poll_app() {
                    if let Ok(Param::Consistency { data, .. }) = m.param() {
                        self.got[i].push(u32::from_be_bytes(data[..4].try_into().unwrap()));
                    }
                }
            }
            if !moved {
                break;
            }
        }
    }

    fn run_for(&mut self, d: Duration) {
        let end = self.now + d;
        loop {
            self.pump();
            let Some(next) = self.s.iter().filter_map(Session::poll_timeout).min() else {
                break;
            };
            if next > end {
                break;
            }
            self.now = next.max(self.now);
            for s in &mut self.s {
                s.handle_timeout(self.now);
            }
        }
        self.now = end;
    }

    fn send(&mut self, from: usize, n: u32) {
        let data = n.to_be_bytes();
        // A full queue is the caller's to retry; these tests stay far below it.
        self.s[from]
            .send_app(&Param::Consistency {
                kind: 1,
                data: &data,
            })
            .unwrap();
    }
}

fn connected_pair() -> Pair {
    let mut p = Pair::new();
    p.run_for(Duration::from_secs(3));
    assert!(p.s.iter().all(|s| s.status() == Status::Connected));
    p.events = [Vec::new(), Vec::new()];
    p
}

fn restart(pause: Duration, who: usize) {
    let mut p = connected_pair();
    let roles = [p.s[0].role(), p.s[1].role()];
    let sid = p.s[0].system_id();
    // Messages in flight both ways at the snapshot.
    for n in 0..20 {
        p.send(0, n);
        p.send(1, n);
    }
    p.pump();
    for n in 20..30 {
        p.send(0, n);
        p.send(1, n);
    }
    let bytes = p.s[who].snapshot(p.now);
    // The control plane is down: the peer's frames to it are lost, it sends nothing.
    p.deaf[who] = true;
    let end = p.now + pause;
    while p.now < end {
        let Some(next) = p.s[1 - who].poll_timeout() else {
            break;
        };
        if next > end {
            break;
        }
        p.now = next.max(p.now);
        p.s[1 - who].handle_timeout(p.now);
        let mut buf = [0u8; iccp::wire::l2::FRAME_MAX];
        while p.s[1 - who].poll_transmit(p.now, &mut buf).is_some() {}
    }
    p.now = end;
    p.deaf[who] = false;
    p.s[who] = Session::restore(cfg(who as u8 + 1), &bytes, p.now).unwrap();
    for n in 30..40 {
        p.send(0, n);
        p.send(1, n);
    }
    p.run_for(Duration::from_secs(10));
    for i in 0..2 {
        assert_eq!(p.s[i].status(), Status::Connected, "side {i}");
        assert_eq!(p.s[i].role(), roles[i], "side {i}");
        assert_eq!(p.s[i].system_id(), sid, "side {i}");
        assert!(
            p.events[i].iter().all(|e| !matches!(
                e,
                Event::Disconnected(_) | Event::Connected(_) | Event::RoleChanged(_)
            )),
            "side {i}: {:?}",
            p.events[i]
        );
        // Exactly once, in order: what the restored side received before the snapshot its
        // host consumed; what the peer sent during the pause is retransmitted.
        assert_eq!(p.got[i], (0..40).collect::<Vec<_>>(), "side {i}");
    }
    assert_eq!(
        roles.iter().filter(|r| **r == Some(Role::Primary)).count(),
        1
    );
}

#[test]
fn restored_at_once_nobody_notices() {
    restart(Duration::ZERO, 0);
    restart(Duration::ZERO, 1);
}

#[test]
fn restored_after_a_pause_nobody_notices() {
    for ms in [10, 300, 1000, 2000] {
        restart(Duration::from_millis(ms), 0);
        restart(Duration::from_millis(ms), 1);
    }
}

#[test]
fn damaged_or_foreign_snapshots_are_refused() {
    let p = connected_pair();
    let bytes = p.s[0].snapshot(p.now);
    for n in 0..bytes.len() {
        assert!(Session::restore(cfg(1), &bytes[..n], p.now).is_err(), "{n}");
    }
    let mut b = bytes.clone();
    b.push(0);
    assert_eq!(
        Session::restore(cfg(1), &b, p.now).unwrap_err(),
        SnapshotError::Trailing(1)
    );
    let mut b = bytes.clone();
    b[8] = 0;
    assert_eq!(
        Session::restore(cfg(1), &b, p.now).unwrap_err(),
        SnapshotError::Version(0)
    );
    assert!(matches!(
        Session::restore(cfg(2), &bytes, p.now).unwrap_err(),
        SnapshotError::ConfigMismatch(_)
    ));
    let mut c = cfg(1);
    c.priority = 3;
    assert!(matches!(
        Session::restore(c, &bytes, p.now).unwrap_err(),
        SnapshotError::ConfigMismatch(_)
    ));
    // Any octets: never a panic.
    let mut x = 0x1234_5678u64;
    for _ in 0..2000 {
        let mut b = bytes.clone();
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let i = (x as usize) % b.len();
        b[i] ^= (x >> 32) as u8 | 1;
        let _ = Session::restore(cfg(1), &b, p.now);
    }
}
