//! Simple end hosts: numbered test-frame streams out, per-stream receive statistics in.

use alloc::collections::{BTreeMap, VecDeque};
use alloc::vec::Vec;
use l2_types::{Duration, Instant, MacAddr, PortNo};

use super::frame::{TestFrame, TestFrameError};
use super::net::{FrameId, Node, Track, Transmit};

/// A stream of numbered test frames.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct StreamConfig {
    /// Destination address.
    pub dst: MacAddr,
    /// Time between frames.
    pub interval: Duration,
    /// When the first frame is sent.
    pub start: Instant,
    /// How many frames, or without end.
    pub count: Option<u64>,
    /// Frame length in octets (at least 60).
    pub len: usize,
}

impl StreamConfig {
    /// An endless stream of 60-octet frames to `dst`, one per `interval` from `start`.
    pub const fn new(dst: MacAddr, interval: Duration, start: Instant) -> Self {
        Self {
            dst,
            interval,
            start,
            count: None,
            len: 60,
        }
    }
}

/// Transmit statistics of one stream.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct TxStats {
    /// Frames handed to the network.
    pub sent: u64,
    /// Frames that could not be sent (link down, no distributing bond member).
    pub unsent: u64,
    /// The next sequence number.
    pub next_seq: u64,
}

/// Sequence numbers above this are received but not checked for duplicates.
const SEQ_TRACKED: u64 = 1 << 24;

/// Receive statistics of one stream (source address and stream number).
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct RxStats {
    /// Valid frames received.
    pub received: u64,
    /// Distinct sequence numbers received.
    pub unique: u64,
    /// Frames whose sequence number had been received before.
    pub duplicates: u64,
    /// Frames that arrived after a higher sequence number.
    pub reordered: u64,
    /// The highest sequence number received.
    pub max_seq: Option<u64>,
    /// First and last arrival of a new sequence number.
    pub first_at: Option<Instant>,
    /// See `first_at`.
    pub last_at: Option<Instant>,
    /// The longest time between two arrivals of new sequence numbers.
    pub longest_gap: Duration,
    /// Lowest one-way latency.
    pub latency_min: Option<Duration>,
    /// Highest one-way latency.
    pub latency_max: Duration,
    /// Sum of latencies (of every valid frame).
    pub latency_sum: Duration,
    seen: Vec<u64>,
}

impl core::fmt::Debug for RxStats {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("RxStats")
            .field("received", &self.received)
            .field("unique", &self.unique)
            .field("duplicates", &self.duplicates)
            .field("missing", &self.missing())
            .field("reordered", &self.reordered)
            .field("max_seq", &self.max_seq)
            .field("first_at", &self.first_at)
            .field("last_at", &self.last_at)
            .field("longest_gap", &self.longest_gap)
            .field("latency_min", &self.latency_min)
            .field("latency_max", &self.latency_max)
            .finish_non_exhaustive()
    }
}

impl RxStats {
    /// Sequence numbers below the highest received that never arrived.
    pub fn missing(&self) -> u64 {
        self.max_seq
            .map_or(0, |m| m.saturating_add(1).saturating_sub(self.unique))
    }

    /// Mean latency.
    pub fn latency_mean(&self) -> Duration {
        if self.received == 0 {
            return Duration::ZERO;
        }
        let n = u32::try_from(self.received).unwrap_or(u32::MAX);
        self.latency_sum / n
    }

    fn record(&mut self, now: Instant, seq: u64, sent_at: Instant) {
        self.received = self.received.saturating_add(1);
        let lat = now.saturating_duration_since(sent_at);
        self.latency_min = Some(self.latency_min.map_or(lat, |m| m.min(lat)));
        self.latency_max = self.latency_max.max(lat);
        self.latency_sum = self.latency_sum.saturating_add(lat);
        let new = if seq < SEQ_TRACKED {
            let word = usize::try_from(seq / 64).unwrap_or(usize::MAX);
            if self.seen.len() <= word {
                self.seen.resize(word.saturating_add(1), 0);
            }
            let bit = 1u64 << (seq % 64);
            match self.seen.get_mut(word) {
                Some(w) if *w & bit != 0 => false,
                Some(w) => {
                    *w |= bit;
                    true
                }
                None => true,
            }
        } else {
            true
        };
        if !new {
            self.duplicates = self.duplicates.saturating_add(1);
            return;
        }
        self.unique = self.unique.saturating_add(1);
        if self.max_seq.is_some_and(|m| seq < m) {
            self.reordered = self.reordered.saturating_add(1);
        }
        self.max_seq = Some(self.max_seq.map_or(seq, |m| m.max(seq)));
        if let Some(last) = self.last_at {
            self.longest_gap = self.longest_gap.max(now.saturating_duration_since(last));
        }
        self.first_at.get_or_insert(now);
        self.last_at = Some(now);
    }
}

/// Frames a host received that were not its own valid test frames.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct HostCounters {
    /// Test frames addressed to another unicast address (flooded to us).
    pub foreign: u64,
    /// Test frames whose checksum failed (corrupted on the way).
    pub corrupt: u64,
    /// Anything else (control frames, other protocols).
    pub other: u64,
}

#[derive(Clone, Debug)]
struct StreamState {
    cfg: StreamConfig,
    next_at: Option<Instant>,
    tx: TxStats,
}

/// The host logic without a port: what [`Host`] and [`LacpClient`](super::LacpClient) share.
#[derive(Clone, Debug)]
pub struct HostApp {
    mac: MacAddr,
    streams: Vec<StreamState>,
    rx: BTreeMap<(MacAddr, u32), RxStats>,
    out: VecDeque<(Vec<u8>, u32)>,
    delivered: VecDeque<FrameId>,
    counters: HostCounters,
    /// The earliest `next_at` of the streams (kept, not recomputed per poll).
    next: Option<Instant>,
}

impl HostApp {
    /// A host with address `mac` and no streams.
    pub const fn new(mac: MacAddr) -> Self {
        Self {
            mac,
            streams: Vec::new(),
            rx: BTreeMap::new(),
            out: VecDeque::new(),
            delivered: VecDeque::new(),
            counters: HostCounters {
                foreign: 0,
                corrupt: 0,
                other: 0,
            },
            next: None,
        }
    }

    /// The host's address.
    pub const fn mac(&self) -> MacAddr {
        self.mac
    }

    /// Adds a stream; returns its number.
    pub fn add_stream(&mut self, cfg: StreamConfig) -> u32 {
        let n = u32::try_from(self.streams.len()).unwrap_or(u32::MAX);
        let next_at = (cfg.count != Some(0)).then_some(cfg.start);
        self.streams.push(StreamState {
            cfg,
            next_at,
            tx: TxStats::default(),
        });
        self.update_next();
        n
    }

    fn update_next(&mut self) {
        self.next = self.streams.iter().filter_map(|s| s.next_at).min();
    }

    /// Stops a stream (no more frames).
    pub fn stop_stream(&mut self, stream: u32) {
        if let Some(s) = self
            .streams
            .get_mut(usize::try_from(stream).unwrap_or(usize::MAX))
        {
            s.next_at = None;
        }
        self.update_next();
    }

    /// When the next frame is due.
    pub const fn poll_timeout(&self) -> Option<Instant> {
        self.next
    }

    /// Generates the frames due at `now`; with `can_send` false they are counted as unsent
    /// (their sequence numbers are used up all the same, so the receiver sees the gap).
    pub fn handle_timeout(&mut self, now: Instant, can_send: bool) {
        if self.next.is_none_or(|at| at > now) {
            return;
        }
        for (n, s) in self.streams.iter_mut().enumerate() {
            while let Some(at) = s.next_at.filter(|at| *at <= now) {
                let seq = s.tx.next_seq;
                s.tx.next_seq = seq.saturating_add(1);
                if can_send {
                    let f = TestFrame {
                        dst: s.cfg.dst,
                        src: self.mac,
                        stream: u32::try_from(n).unwrap_or(u32::MAX),
                        seq,
                        sent_at: now,
                    };
                    self.out.push_back((f.emit(s.cfg.len), f.stream));
                    s.tx.sent = s.tx.sent.saturating_add(1);
                } else {
                    s.tx.unsent = s.tx.unsent.saturating_add(1);
                }
                let done = s.cfg.count.is_some_and(|c| s.tx.next_seq >= c);
                let step = s.cfg.interval.max(Duration::from_nanos(1));
                s.next_at = (!done).then(|| at + step);
            }
        }
        self.update_next();
    }

    /// The next frame to send, with its stream number.
    pub fn poll_frame(&mut self) -> Option<(Vec<u8>, u32)> {
        self.out.pop_front()
    }

    /// Frames generated but not yet sent were lost (the node could not send them).
    pub fn count_unsent(&mut self, stream: u32) {
        if let Some(s) = self
            .streams
            .get_mut(usize::try_from(stream).unwrap_or(usize::MAX))
        {
            s.tx.sent = s.tx.sent.saturating_sub(1);
            s.tx.unsent = s.tx.unsent.saturating_add(1);
        }
    }

    /// A frame arrived: record it if it is a valid test frame for this host (unicast to it or
    /// broadcast/multicast).
    pub fn receive(&mut self, now: Instant, frame: &[u8], id: Option<FrameId>) {
        match TestFrame::parse(frame) {
            Ok(t) if t.dst == self.mac || t.dst.is_multicast() => {
                self.rx
                    .entry((t.src, t.stream))
                    .or_default()
                    .record(now, t.seq, t.sent_at);
                if let Some(id) = id {
                    self.delivered.push_back(id);
                }
            }
            Ok(_) => self.counters.foreign = self.counters.foreign.saturating_add(1),
            Err(TestFrameError::BadChecksum) => {
                self.counters.corrupt = self.counters.corrupt.saturating_add(1);
            }
            Err(TestFrameError::NotTestFrame) => {
                self.counters.other = self.counters.other.saturating_add(1);
            }
        }
    }

    /// The id of a traffic frame this host consumed.
    pub fn poll_delivered(&mut self) -> Option<FrameId> {
        self.delivered.pop_front()
    }

    /// Receive statistics of stream `stream` from `src`.
    pub fn rx(&self, src: MacAddr, stream: u32) -> Option<&RxStats> {
        self.rx.get(&(src, stream))
    }

    /// Every received stream.
    pub fn rx_all(&self) -> impl Iterator<Item = (&(MacAddr, u32), &RxStats)> + '_ {
        self.rx.iter()
    }

    /// Transmit statistics of a stream.
    pub fn tx(&self, stream: u32) -> Option<TxStats> {
        self.streams
            .get(usize::try_from(stream).unwrap_or(usize::MAX))
            .map(|s| s.tx)
    }

    /// Counters of frames that were not valid test frames for this host.
    pub const fn counters(&self) -> &HostCounters {
        &self.counters
    }

    /// Forgets what was received (the streams keep their sequence numbers).
    pub fn clear_rx(&mut self) {
        self.rx.clear();
        self.counters = HostCounters::default();
    }
}

/// A host with one port ([`Host::PORT`]).
#[derive(Clone, Debug)]
pub struct Host {
    app: HostApp,
    link_up: bool,
}

impl Host {
    /// The host's one port.
    pub const PORT: PortNo = PortNo(1);

    /// A host with address `mac`.
    pub const fn new(mac: MacAddr) -> Self {
        Self {
            app: HostApp::new(mac),
            link_up: false,
        }
    }

    /// The same host with a stream.
    pub fn with_stream(mut self, cfg: StreamConfig) -> Self {
        self.app.add_stream(cfg);
        self
    }

    /// Whether the host's link is up (as last reported).
    pub const fn link_up(&self) -> bool {
        self.link_up
    }

    /// The host logic (statistics).
    pub const fn app(&self) -> &HostApp {
        &self.app
    }

    /// The host logic, to add or stop streams (through [`Network::with_node`](super::Network::with_node)).
    pub const fn app_mut(&mut self) -> &mut HostApp {
        &mut self.app
    }
}

impl Node for Host {
    fn handle_frame(&mut self, now: Instant, _port: PortNo, frame: &[u8], id: Option<FrameId>) {
        self.app.receive(now, frame, id);
    }

    fn handle_link(&mut self, _now: Instant, _port: PortNo, up: bool) {
        self.link_up = up;
    }

    fn handle_timeout(&mut self, now: Instant) {
        self.app.handle_timeout(now, self.link_up);
    }

    fn poll_transmit(&mut self) -> Option<Transmit> {
        let (frame, stream) = self.app.poll_frame()?;
        Some(Transmit {
            port: Self::PORT,
            frame,
            track: Track::New { stream },
        })
    }

    fn poll_timeout(&self) -> Option<Instant> {
        self.app.poll_timeout()
    }

    fn poll_delivered(&mut self) -> Option<FrameId> {
        self.app.poll_delivered()
    }

    fn restart(&mut self, _now: Instant) {
        self.link_up = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_generation_and_rx_accounting() {
        let me = MacAddr([2, 0, 0, 0, 0, 1]);
        let peer = MacAddr([2, 0, 0, 0, 0, 2]);
        let mut a = HostApp::new(me);
        let mut cfg = StreamConfig::new(peer, Duration::from_millis(10), Instant::from_secs(1));
        cfg.count = Some(5);
        a.add_stream(cfg);
        assert_eq!(a.poll_timeout(), Some(Instant::from_secs(1)));
        a.handle_timeout(Instant::from_millis(1025), true);
        let frames: Vec<_> = core::iter::from_fn(|| a.poll_frame()).collect();
        assert_eq!(frames.len(), 3);
        a.handle_timeout(Instant::from_millis(1030), false);
        a.handle_timeout(Instant::from_secs(9), true);
        assert_eq!(a.poll_timeout(), None);
        assert_eq!(
            a.tx(0),
            Some(TxStats {
                sent: 4,
                unsent: 1,
                next_seq: 5
            })
        );
        let more: Vec<_> = core::iter::from_fn(|| a.poll_frame()).collect();
        let mut b = HostApp::new(peer);
        let t = Instant::from_millis(1100);
        b.receive(t, &frames[2].0, Some(FrameId(3)));
        b.receive(t, &frames[0].0, Some(FrameId(1)));
        b.receive(t, &frames[0].0, None);
        b.receive(t, &more[0].0, None);
        let mut bad = frames[1].0.clone();
        bad[20] ^= 1;
        b.receive(t, &bad, None);
        let r = b.rx(me, 0).unwrap();
        assert_eq!(
            (r.received, r.unique, r.duplicates, r.reordered),
            (4, 3, 1, 1)
        );
        assert_eq!(r.max_seq, Some(4));
        assert_eq!(r.missing(), 2);
        assert_eq!(r.latency_max, Duration::from_millis(75)); // stamped when sent (1025 ms)
        assert_eq!(b.counters().corrupt, 1);
        assert_eq!(b.poll_delivered(), Some(FrameId(3)));
        assert_eq!(b.poll_delivered(), Some(FrameId(1)));
        assert_eq!(b.poll_delivered(), None);
        // Not for us.
        let mut c = HostApp::new(MacAddr([2, 0, 0, 0, 0, 3]));
        c.receive(t, &frames[0].0, None);
        assert_eq!(c.counters().foreign, 1);
        assert!(c.rx(me, 0).is_none());
    }
}
