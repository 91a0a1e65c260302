//! Shared helpers for the criterion benches (the benches themselves live in `benches/`).
//!
//! The anchors each codec bench is measured against live here, so that unit tests can check
//! that they decode and encode exactly what the codec does (an anchor that skipped work would
//! make every ratio meaningless).

/// tcpdump's `LACP.pcap` frame 1 from the Subtype octet on: the golden LACPDU v1 (protocol facts
/// §7).
pub const GOLDEN_LACPDU: [u8; 110] = {
    let head: [u8; 60] = [
        0x01, 0x01, // subtype LACP, version 1
        0x01, 0x14, 0x80, 0x00, 0x00, 0x13, 0xc4, 0x12, 0x0f, 0x00, 0x00, 0x0d, 0x80, 0x00, 0x00,
        0x16, 0x85, 0x00, 0x00, 0x00, // actor
        0x02, 0x14, 0x80, 0x00, 0x00, 0x0e, 0x83, 0x16, 0xf5, 0x00, 0x00, 0x0d, 0x80, 0x00, 0x00,
        0x19, 0x36, 0x00, 0x00, 0x00, // partner
        0x03, 0x10, 0x80, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, // collector
        0x00, 0x00, // terminator
    ];
    let mut b = [0u8; 110];
    let mut i = 0;
    while i < head.len() {
        b[i] = head[i];
        i += 1;
    }
    b
};

/// The fields every decode anchor extracts: what a LACP receive machine needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Fields {
    /// Version Number.
    pub version: u8,
    /// Actor information.
    pub actor: Info,
    /// Partner information.
    pub partner: Info,
    /// CollectorMaxDelay.
    pub collector_max_delay: u16,
}

/// One actor or partner information block.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Info {
    /// System_Priority.
    pub system_priority: u16,
    /// System.
    pub system: [u8; 6],
    /// Key.
    pub key: u16,
    /// Port_Priority.
    pub port_priority: u16,
    /// Port.
    pub port: u16,
    /// State.
    pub state: u8,
}

impl Info {
    /// The anchor's view of a codec [`lacp::wire::PortInfo`], for the equality tests.
    pub fn from_codec(p: &lacp::wire::PortInfo) -> Self {
        Self {
            system_priority: p.system_priority,
            system: p.system.0,
            key: p.key,
            port_priority: p.port_priority,
            port: p.port,
            state: p.state.bits(),
        }
    }
}

/// The "ideal" anchor: loads every field at its fixed offset from a 110-octet array, checking
/// only the length and the Subtype.
pub mod ideal {
    use super::{Fields, Info};

    fn info(b: &[u8; 18]) -> Info {
        Info {
            system_priority: u16::from_be_bytes([b[0], b[1]]),
            system: [b[2], b[3], b[4], b[5], b[6], b[7]],
            key: u16::from_be_bytes([b[8], b[9]]),
            port_priority: u16::from_be_bytes([b[10], b[11]]),
            port: u16::from_be_bytes([b[12], b[13]]),
            state: b[14],
        }
    }

    /// Decodes the fixed LACPDU fields, or `None` if the buffer is short or not LACP.
    #[inline]
    pub fn decode(buf: &[u8]) -> Option<Fields> {
        let b: &[u8; 110] = buf.get(..110)?.try_into().ok()?;
        if b[0] != 1 {
            return None;
        }
        let actor: &[u8; 18] = b[4..22].try_into().ok()?;
        let partner: &[u8; 18] = b[24..42].try_into().ok()?;
        Some(Fields {
            version: b[1],
            actor: info(actor),
            partner: info(partner),
            collector_max_delay: u16::from_be_bytes([b[44], b[45]]),
        })
    }

    /// Writes a LACPv1 PDU with these fields at fixed offsets into the first 110 octets of
    /// `buf` (every other octet zero, TLV headers as the standard sets them).
    #[inline]
    pub fn encode(f: &Fields, buf: &mut [u8]) -> Option<usize> {
        let b: &mut [u8; 110] = buf.get_mut(..110)?.try_into().ok()?;
        *b = [0; 110];
        b[..4].copy_from_slice(&[1, f.version, 1, 20]);
        for (at, ty, i) in [(2, 1, &f.actor), (22, 2, &f.partner)] {
            b[at] = ty;
            b[at + 1] = 20;
            let o = at + 2;
            b[o..o + 2].copy_from_slice(&i.system_priority.to_be_bytes());
            b[o + 2..o + 8].copy_from_slice(&i.system);
            b[o + 8..o + 10].copy_from_slice(&i.key.to_be_bytes());
            b[o + 10..o + 12].copy_from_slice(&i.port_priority.to_be_bytes());
            b[o + 12..o + 14].copy_from_slice(&i.port.to_be_bytes());
            b[o + 14] = i.state;
        }
        b[42] = 3;
        b[43] = 16;
        b[44..46].copy_from_slice(&f.collector_max_delay.to_be_bytes());
        Some(110)
    }
}

/// The "naive" anchor: a cursor that hands out one byte per call, each with its own bounds
/// check, and assembles 16-bit fields by shifting — the way a hand-written decoder without
/// slices or fixed offsets reads a PDU.
///
/// Two cursors share the decoder: [`naive::Cursor`] keeps the per-byte call out of line (one real
/// call per octet), [`naive::InlinedCursor`] lets the compiler inline it (the bounds check per
/// octet remains unless the optimiser proves it away). Both are reported in BENCHMARKS.md.
pub mod naive {
    use super::{Fields, Info};

    /// A source of octets, one per call.
    pub trait ByteCursor {
        /// The next octet, or `None` at the end of the buffer.
        fn u8(&mut self) -> Option<u8>;

        /// The next two octets, big-endian, one call per octet.
        fn u16(&mut self) -> Option<u16> {
            let hi = u16::from(self.u8()?);
            let lo = u16::from(self.u8()?);
            Some((hi << 8) | lo)
        }

        /// Skips `n` octets, one call per octet.
        fn skip(&mut self, n: usize) -> Option<()> {
            for _ in 0..n {
                self.u8()?;
            }
            Some(())
        }
    }

    /// A byte cursor whose per-octet read is never inlined.
    #[derive(Debug)]
    pub struct Cursor<'a> {
        buf: &'a [u8],
        pos: usize,
    }

    impl<'a> Cursor<'a> {
        /// A cursor at the start of `buf`.
        pub fn new(buf: &'a [u8]) -> Self {
            Self { buf, pos: 0 }
        }
    }

    impl ByteCursor for Cursor<'_> {
        #[inline(never)]
        fn u8(&mut self) -> Option<u8> {
            let b = *self.buf.get(self.pos)?;
            self.pos += 1;
            Some(b)
        }
    }

    /// The same cursor with the per-octet read inlined.
    #[derive(Debug)]
    pub struct InlinedCursor<'a> {
        buf: &'a [u8],
        pos: usize,
    }

    impl<'a> InlinedCursor<'a> {
        /// A cursor at the start of `buf`.
        pub fn new(buf: &'a [u8]) -> Self {
            Self { buf, pos: 0 }
        }
    }

    impl ByteCursor for InlinedCursor<'_> {
        #[inline]
        fn u8(&mut self) -> Option<u8> {
            let b = *self.buf.get(self.pos)?;
            self.pos += 1;
            Some(b)
        }
    }

    fn info(c: &mut impl ByteCursor) -> Option<Info> {
        let _ty = c.u8()?;
        let _len = c.u8()?;
        let system_priority = c.u16()?;
        let mut system = [0u8; 6];
        for s in &mut system {
            *s = c.u8()?;
        }
        let key = c.u16()?;
        let port_priority = c.u16()?;
        let port = c.u16()?;
        let state = c.u8()?;
        c.skip(3)?;
        Some(Info {
            system_priority,
            system,
            key,
            port_priority,
            port,
            state,
        })
    }

    /// Decodes the fixed LACPDU fields through `c`, walking all 110 octets.
    pub fn decode_with(mut c: impl ByteCursor) -> Option<Fields> {
        if c.u8()? != 1 {
            return None;
        }
        let version = c.u8()?;
        let actor = info(&mut c)?;
        let partner = info(&mut c)?;
        let _ty = c.u8()?;
        let _len = c.u8()?;
        let collector_max_delay = c.u16()?;
        c.skip(12 + 2 + 50)?;
        Some(Fields {
            version,
            actor,
            partner,
            collector_max_delay,
        })
    }

    /// [`decode_with`] a [`Cursor`] (one out-of-line call per octet).
    pub fn decode(buf: &[u8]) -> Option<Fields> {
        decode_with(Cursor::new(buf))
    }

    /// [`decode_with`] an [`InlinedCursor`].
    pub fn decode_inlined(buf: &[u8]) -> Option<Fields> {
        decode_with(InlinedCursor::new(buf))
    }
}

/// Steady-state `lacp::System`s for the state-machine benches (`benches/lacp_system.rs`): every
/// port aggregated and distributing with a simulated partner that answers each LACPDU at once.
pub mod system {
    use l2_types::{Duration, Instant, MacAddr, PortNo};
    use lacp::ops::lacpdu_frame;
    use lacp::wire::{PortInfo, PortState, SlowPdu};
    use lacp::{LagConfig, LagId, LinkState, PortConfig, System, SystemConfig};

    /// Ports per LAG (the last LAG may be smaller).
    pub const PORTS_PER_LAG: u16 = 8;
    /// The System's MAC.
    pub const OWN: MacAddr = MacAddr([0x02, 0, 0, 0, 0, 0x01]);
    /// The simulated partner's System MAC.
    pub const PARTNER: MacAddr = MacAddr([0x02, 0, 0, 0, 0, 0xaa]);
    /// Longest virtual time between two partner refreshes in [`Steady::fire_one`] users; the
    /// ports use the Long timeout, so current_while (90 s) never expires.
    pub const REFRESH_EVERY: Duration = Duration::from_secs(30);

    /// A System in steady state and the partner's LACPDU frame for each of its ports.
    #[derive(Debug)]
    pub struct Steady {
        /// The System.
        pub sys: System,
        /// Virtual time now (never goes backwards).
        pub now: Instant,
        /// Per port (index = port number - 1): the partner's current LACPDU as a whole
        /// Ethernet frame, whose partner information is the port's current actor information,
        /// so receiving it changes nothing.
        pub frames: Vec<Vec<u8>>,
        /// When the partner last refreshed every port.
        pub refreshed: Instant,
    }

    fn port_mac(i: u16) -> MacAddr {
        let [hi, lo] = i.to_be_bytes();
        MacAddr([0x02, 0, 0, 0x01, hi, lo])
    }

    fn lag_of(i: u16) -> LagId {
        LagId(u32::from((i - 1) / PORTS_PER_LAG) + 1)
    }

    /// The partner's answer to our LACPDU on port `i`: its own actor info (Active, Short timeout
    /// so we transmit every second, in sync, collecting and distributing) and our actor info as
    /// its partner view.
    fn answer(i: u16, ours: &PortInfo) -> Vec<u8> {
        let actor = PortInfo {
            system_priority: 32768,
            system: PARTNER,
            key: ours.key,
            port_priority: 32768,
            port: i,
            state: PortState::LACP_ACTIVITY
                | PortState::LACP_TIMEOUT
                | PortState::AGGREGATION
                | PortState::SYNCHRONIZATION
                | PortState::COLLECTING
                | PortState::DISTRIBUTING,
        };
        let mut buf = vec![0u8; 124];
        let n = lacpdu_frame(PARTNER, actor, *ours, &mut buf);
        buf.truncate(n);
        buf
    }

    impl Steady {
        /// `n` ports in LAGs of [`PORTS_PER_LAG`], links brought up `stagger` apart (so the
        /// periodic timers of different ports never share a deadline), the partner answering
        /// every LACPDU at once; virtual time runs (visiting every `poll_timeout()` instant)
        /// until every port distributes and then 10 s more.
        ///
        /// # Panics
        /// If some port does not reach distributing, or receiving the partner's frames again
        /// still changes anything.
        pub fn new(n: u16, stagger: Duration) -> Self {
            let mut sys = System::new(SystemConfig::new(OWN));
            let mut now = Instant::from_secs(1);
            for l in 1..=n.div_ceil(PORTS_PER_LAG) {
                let lag = LagId(u32::from(l));
                sys.add_lag(now, lag, LagConfig::new(l)).expect("add_lag");
            }
            for i in 1..=n {
                sys.add_port(now, PortNo(i), PortConfig::new(port_mac(i), lag_of(i), i))
                    .expect("add_port");
            }
            let mut st = Self {
                sys,
                now,
                frames: vec![Vec::new(); usize::from(n)],
                refreshed: now,
            };
            for i in 1..=n {
                now += stagger;
                st.advance_to(now);
                let up = LinkState::Up {
                    speed_mbps: 10_000,
                    full_duplex: true,
                };
                st.sys.handle_link(now, PortNo(i), up);
                st.answer_all();
            }
            let mut deadline = None;
            for _ in 0..1_000_000 {
                let Some(t) = st.sys.poll_timeout() else {
                    break;
                };
                st.advance_to(t);
                if deadline.is_none() && st.sys.ports().all(|p| p.distributing) {
                    deadline = Some(t + Duration::from_secs(10));
                }
                if deadline.is_some_and(|d| t >= d) {
                    break;
                }
            }
            assert!(
                st.sys.ports().all(|p| p.distributing && p.collecting),
                "not every port distributes"
            );
            assert_eq!(st.sys.ports().count(), usize::from(n));
            st.refresh();
            st
        }

        /// Runs the timers up to `t` one deadline at a time, answering every LACPDU.
        fn advance_to(&mut self, t: Instant) {
            while let Some(d) = self.sys.poll_timeout().filter(|d| *d <= t) {
                self.now = self.now.max(d);
                self.sys.handle_timeout(self.now);
                self.answer_all();
            }
            self.now = self.now.max(t);
        }

        /// Drains the System, answering every LACPDU it sent with the partner's frame (which is
        /// delivered at once and recorded in `frames`).
        fn answer_all(&mut self) {
            let mut buf = [0u8; 1514];
            for _ in 0..1_000 {
                let mut sent = Vec::new();
                while let Some(t) = self.sys.poll_transmit(&mut buf) {
                    let frame = buf.get(..t.len).expect("frame");
                    if let Ok((_, SlowPdu::Lacp(r))) = SlowPdu::parse_frame(frame) {
                        sent.push((t.port, r.actor));
                    }
                }
                while self.sys.poll_event().is_some() {}
                if sent.is_empty() {
                    return;
                }
                for (port, ours) in sent {
                    let f = answer(port.0, &ours);
                    let _ = self.sys.handle_frame(self.now, port, &f);
                    if let Some(slot) = self.frames.get_mut(usize::from(port.0 - 1)) {
                        *slot = f;
                    }
                }
            }
            panic!("the System and the partner never stop talking");
        }

        /// The partner sends its (unchanged) LACPDU on every port at `now`.
        ///
        /// # Panics
        /// If that makes the System send or report anything: the steady state was not steady.
        pub fn refresh(&mut self) {
            for (i, f) in self.frames.iter().enumerate() {
                let port = PortNo(u16::try_from(i + 1).expect("port number"));
                self.sys
                    .handle_frame(self.now, port, f)
                    .expect("partner frame accepted");
            }
            let mut buf = [0u8; 1514];
            assert!(
                self.sys.poll_transmit(&mut buf).is_none(),
                "refresh sent a frame"
            );
            assert!(self.sys.poll_event().is_none(), "refresh raised an event");
            self.refreshed = self.now;
        }

        /// Advances to the next `poll_timeout()` instant and calls `handle_timeout` there,
        /// draining both queues, until that fires one timer that transmits (stale queue entries of
        /// restarted timers popped on the way are part of the cost). Returns the number of
        /// `handle_timeout` calls made.
        #[inline]
        pub fn fire_one(&mut self, buf: &mut [u8]) -> usize {
            let mut calls = 0;
            loop {
                let Some(t) = self.sys.poll_timeout() else {
                    return calls;
                };
                self.now = t;
                self.sys.handle_timeout(t);
                calls += 1;
                let mut sent = 0usize;
                while let Some(tx) = self.sys.poll_transmit(buf) {
                    let _ = core::hint::black_box(tx);
                    sent += 1;
                }
                while let Some(e) = self.sys.poll_event() {
                    core::hint::black_box(e);
                }
                if sent > 0 {
                    debug_assert_eq!(sent, 1);
                    return calls;
                }
            }
        }

        /// Refreshes every port when [`REFRESH_EVERY`] passed since the last refresh.
        pub fn refresh_if_due(&mut self) {
            if self.now >= self.refreshed + REFRESH_EVERY {
                self.refresh();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lacp::wire::LacpduRepr;

    fn codec() -> Fields {
        let r = LacpduRepr::parse_bytes(&GOLDEN_LACPDU).unwrap();
        Fields {
            version: r.version,
            actor: Info::from_codec(&r.actor),
            partner: Info::from_codec(&r.partner),
            collector_max_delay: r.collector_max_delay,
        }
    }

    #[test]
    fn anchors_decode_what_the_codec_decodes() {
        assert_eq!(ideal::decode(&GOLDEN_LACPDU), Some(codec()));
        assert_eq!(naive::decode(&GOLDEN_LACPDU), Some(codec()));
        assert_eq!(naive::decode_inlined(&GOLDEN_LACPDU), Some(codec()));
        assert_eq!(naive::decode_inlined(&GOLDEN_LACPDU[..109]), None);
        assert_eq!(ideal::decode(&GOLDEN_LACPDU[..109]), None);
        assert_eq!(naive::decode(&GOLDEN_LACPDU[..109]), None);
    }

    #[test]
    fn steady_systems_fire_one_timer_per_step() {
        use l2_types::Duration;
        for n in [8u16, 64] {
            let mut st = system::Steady::new(n, Duration::from_nanos(1_000_000_000 / u64::from(n)));
            let mut buf = [0u8; 1514];
            let mut calls = 0;
            let steps = 40 * usize::from(n); // 40 s of virtual time
            for _ in 0..steps {
                st.refresh_if_due();
                let before = st.sys.ports().map(|p| p.counters.lacpdus_tx).sum::<u64>();
                calls += st.fire_one(&mut buf);
                let after = st.sys.ports().map(|p| p.counters.lacpdus_tx).sum::<u64>();
                assert_eq!(after, before + 1, "one firing, one LACPDU");
            }
            assert!(st.sys.ports().all(|p| p.distributing));
            // Only stale current_while entries (one per port per refresh) come in between.
            assert!(
                calls <= steps + 2 * usize::from(n),
                "{calls} calls for {steps} firings"
            );
        }
    }

    #[test]
    fn fixed_writer_writes_what_the_codec_writes() {
        let mut a = [0xffu8; 110];
        let mut b = [0xffu8; 110];
        ideal::encode(&codec(), &mut a).unwrap();
        LacpduRepr::parse_bytes(&GOLDEN_LACPDU)
            .unwrap()
            .emit(&mut b)
            .unwrap();
        assert_eq!(a, b);
        assert_eq!(a, GOLDEN_LACPDU);
    }
}
