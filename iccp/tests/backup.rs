//! The backup keepalive path: dual-active detection when the peer-link fails but the peer lives.

use iccp::wire::l2::FRAME_MAX;
use iccp::{Event, LinkState, Role, Session, SessionConfig, Status};
use l2_types::{Duration, Instant, MacAddr};

struct Two {
    s: [Session; 2],
    now: Instant,
    peer_link: bool,
    backup_link: bool,
    events: [Vec<Event>; 2],
}

impl Two {
    fn new() -> Self {
        let now = Instant::ZERO;
        let s = [1u8, 2].map(|i| {
            let mut c = SessionConfig::new(MacAddr([2, 0, 0, 0, 0, i]));
            c.seed = u64::from(i);
            c.heartbeat = Some(Duration::from_secs(1));
            c.backup = true;
            c.key = Some(b"k".to_vec());
            let mut s = Session::try_new(c, now).unwrap();
            s.handle_link(now, LinkState::Up);
            s
        });
        Self {
            s,
            now,
            peer_link: true,
            backup_link: true,
            events: [vec![], vec![]],
        }
    }

    fn pump(&mut self) {
        let mut buf = vec![0u8; FRAME_MAX];
        for _ in 0..50 {
            let mut busy = false;
            for i in 0..2 {
                while let Some(t) = self.s[i].poll_transmit(self.now, &mut buf) {
                    busy = true;
                    if self.peer_link {
                        let _ = self.s[1 - i].handle_frame(self.now, &buf[..t.len]);
                    }
                }
                while let Some(t) = self.s[i].poll_backup_transmit(&mut buf) {
                    busy = true;
                    if self.backup_link {
                        self.s[1 - i]
                            .handle_backup(self.now, &buf[..t.len])
                            .unwrap();
                    }
                }
                while let Some(e) = self.s[i].poll_event() {
                    self.events[i].push(e);
                }
            }
            if !busy {
                break;
            }
        }
    }

    fn run_for(&mut self, d: Duration) {
        let until = self.now + d;
        self.pump();
        while let Some(t) = self.s.iter().filter_map(Session::poll_timeout).min() {
            if t > until {
                break;
            }
            self.now = t.max(self.now);
            for s in &mut self.s {
                s.handle_timeout(self.now);
            }
            self.pump();
        }
        self.now = until;
    }
}

#[test]
fn peer_link_loss_with_the_peer_alive_keeps_the_secondary_down() {
    let mut t = Two::new();
    t.run_for(Duration::from_secs(5));
    assert!(t.s.iter().all(|s| s.status() == Status::Connected));
    assert!(t.s.iter().all(|s| s.monitor().backup_alive));
    assert_eq!(t.s[1].role(), Some(Role::Secondary));
    t.peer_link = false;
    t.run_for(Duration::from_secs(5));
    for i in 0..2 {
        assert!(
            t.events[i].contains(&Event::PeerSilent {
                peer_alive_on_backup: true
            }),
            "side {i}: {:?}",
            t.events[i]
        );
    }
    // The secondary keeps its role: the coordinator keeps its MLAG ports down (no split brain).
    assert_eq!(t.s[1].role(), Some(Role::Secondary));
    assert_eq!(t.s[0].role(), Some(Role::Primary));
    // Both links lost: the peer is gone, the survivor becomes primary.
    t.backup_link = false;
    t.run_for(Duration::from_secs(5));
    assert!(t.events[1].contains(&Event::BackupPath { alive: false }));
    assert!(t.s.iter().all(|s| !s.monitor().backup_alive));
    assert_eq!(t.s[1].role(), Some(Role::Primary), "alone: primary");
    t.run_for(Duration::from_secs(30));
    t.peer_link = true;
    t.backup_link = true;
    t.run_for(Duration::from_secs(30));
    assert!(t.s.iter().all(|s| s.status() == Status::Connected));
    assert_eq!(t.s[1].role(), Some(Role::Secondary));
    // A forged backup keepalive (wrong key) is rejected.
    let mut other = SessionConfig::new(MacAddr([2, 0, 0, 0, 0, 9]));
    other.backup = true;
    let mut o = Session::try_new(other, t.now).unwrap();
    o.handle_link(t.now, LinkState::Up);
    let mut buf = vec![0u8; FRAME_MAX];
    let k = o.poll_backup_transmit(&mut buf).unwrap();
    assert_eq!(
        t.s[0].handle_backup(t.now, &buf[..k.len]),
        Err(iccp::RxError::AuthFailed)
    );
}

/// The peer-port goes down (carrier) while the peer lives: the keepalives keep flowing both
/// ways, so neither side's backup path dies and the secondary stays secondary for as long as
/// the peer-link is down (no dual-active after 3 keepalive intervals).
#[test]
fn keepalives_outlive_the_peer_port() {
    let mut t = Two::new();
    t.run_for(Duration::from_secs(5));
    assert_eq!(t.s[1].role(), Some(Role::Secondary));
    t.peer_link = false;
    for i in 0..2 {
        let now = t.now;
        t.s[i].handle_link(now, LinkState::Down);
    }
    let before = t.s[1].counters().backup_rx;
    t.run_for(Duration::from_secs(20));
    assert!(
        t.s[1].counters().backup_rx >= before + 15,
        "keepalives stopped"
    );
    assert!(t.s.iter().all(|s| s.monitor().backup_alive));
    assert_eq!(t.s[0].role(), Some(Role::Primary));
    assert_eq!(t.s[1].role(), Some(Role::Secondary));
}

/// The backup link's carrier: down kills the path at once (not 3 intervals later), and with
/// the peer-link gone too the survivor is primary; up again, the path counts from the next
/// keepalive heard.
#[test]
fn backup_carrier_down_kills_the_path_at_once() {
    let mut t = Two::new();
    t.run_for(Duration::from_secs(5));
    t.peer_link = false;
    t.run_for(Duration::from_secs(4));
    assert_eq!(t.s[1].role(), Some(Role::Secondary));
    assert!(t.s[1].monitor().backup_alive);
    t.backup_link = false;
    let now = t.now;
    t.s[1].handle_backup_link(now, LinkState::Down);
    t.pump();
    assert!(!t.s[1].monitor().backup_alive);
    assert!(t.events[1].contains(&Event::BackupPath { alive: false }));
    assert_eq!(t.s[1].role(), Some(Role::Primary), "alone: primary");
    // Carrier back: nothing until a keepalive is heard.
    t.s[1].handle_backup_link(now, LinkState::Up);
    assert!(!t.s[1].monitor().backup_alive);
    t.backup_link = true;
    t.run_for(Duration::from_secs(2));
    assert!(t.s[1].monitor().backup_alive);
}

/// A keepalive from the peer's incarnation, signed with the pair's key, numbered `frame_no`.
fn keepalive(t: &Two, sender: u32, frame_no: u32) -> Vec<u8> {
    use iccp::wire::l2::{Authenticator, L2Flags, L2Frame, L2Header};
    let header = L2Header {
        flags: L2Flags::default(),
        sender,
        receiver: t.s[1].incarnation(),
        frame_no,
        seq: 0,
        ack: 0,
    };
    let mut buf = vec![0u8; FRAME_MAX];
    let auth = Authenticator::new(b"k");
    let n = L2Frame::emit(
        &mut buf,
        MacAddr([2, 0, 0, 0, 0, 1]),
        &header,
        &[],
        Some(&auth),
    )
    .unwrap();
    buf.truncate(n);
    buf
}

/// The backup path's frame numbers had no bound: one keepalive numbered far ahead (damaged, or
/// forged by whoever holds the key) moved the path's last frame number there, and every real
/// keepalive after it was a replay — the path went silent and, with the peer-link down, the
/// pair split. Now the peer-port's bound applies: beyond `FRAME_AHEAD_MAX` a keepalive is refused
/// and counted, a smaller jump opens a second window, and a damaged Sender Incarnation does not
/// reopen the real sender's window to replays.
#[test]
fn regression_far_ahead_backup_keepalive_does_not_silence_the_path() {
    let mut t = Two::new();
    t.run_for(Duration::from_secs(5));
    assert!(t.s.iter().all(|s| s.monitor().backup_alive));
    let sender = t.s[0].incarnation();
    let before = t.s[1].counters().rx_frame_ahead;
    for bit in 17..31 {
        let n = 1u32 << bit;
        let k = keepalive(&t, sender, n);
        assert_eq!(
            t.s[1].handle_backup(t.now, &k),
            Err(iccp::RxError::FrameAhead(n)),
            "bit {bit}"
        );
    }
    assert_eq!(t.s[1].counters().rx_frame_ahead, before + 14);
    // Within the bound, beyond the window: taken tentatively, the real keepalives stay fresh
    // (`pump` unwraps every real keepalive's result).
    let top = u32::try_from(t.s[0].counters().backup_tx).unwrap();
    let k = keepalive(&t, sender, top + 1000);
    assert_eq!(t.s[1].handle_backup(t.now, &k), Ok(()));
    t.run_for(Duration::from_secs(10));
    assert!(t.s.iter().all(|s| s.monitor().backup_alive));
    // A damaged Sender Incarnation, then a replay of the real sender's last keepalive: still a
    // replay (its window was kept).
    let k = keepalive(&t, sender ^ (1 << 20), 5);
    assert_eq!(t.s[1].handle_backup(t.now, &k), Ok(()));
    let top = u32::try_from(t.s[0].counters().backup_tx).unwrap();
    let k = keepalive(&t, sender, top);
    assert_eq!(t.s[1].handle_backup(t.now, &k), Err(iccp::RxError::Replay));
    // Peer-link down: the backup path alone keeps the secondary secondary.
    t.peer_link = false;
    t.run_for(Duration::from_secs(10));
    assert!(t.s.iter().all(|s| s.monitor().backup_alive));
    assert_eq!(t.s[1].role(), Some(Role::Secondary));
}
