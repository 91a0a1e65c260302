//! Virtual time: instants are values the host passes in.

use core::fmt;
use core::ops::{Add, AddAssign, Sub};
use core::time::Duration;

/// A point in time: nanoseconds since an arbitrary origin chosen by the host.
///
/// The protocol crates never read a clock. A real host converts its monotonic clock into an
/// `Instant`; a simulator starts at [`Instant::ZERO`] and advances virtual time. Arithmetic
/// saturates, so no input can overflow it.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Instant(u64);

impl Instant {
    /// The origin.
    pub const ZERO: Self = Self(0);
    /// The last representable instant (about 584 years after the origin); used as "never".
    pub const MAX: Self = Self(u64::MAX);

    /// An instant `nanos` nanoseconds after the origin.
    pub const fn from_nanos(nanos: u64) -> Self {
        Self(nanos)
    }

    /// An instant `millis` milliseconds after the origin (saturating).
    pub const fn from_millis(millis: u64) -> Self {
        Self(millis.saturating_mul(1_000_000))
    }

    /// An instant `secs` seconds after the origin (saturating).
    pub const fn from_secs(secs: u64) -> Self {
        Self(secs.saturating_mul(1_000_000_000))
    }

    /// Nanoseconds since the origin.
    pub const fn as_nanos(self) -> u64 {
        self.0
    }

    /// Time elapsed since the origin.
    pub const fn since_origin(self) -> Duration {
        Duration::from_nanos(self.0)
    }

    /// `self + d`, saturating at [`Instant::MAX`].
    pub fn saturating_add(self, d: Duration) -> Self {
        let nanos = u64::try_from(d.as_nanos()).unwrap_or(u64::MAX);
        Self(self.0.saturating_add(nanos))
    }

    /// `self - d`, saturating at [`Instant::ZERO`].
    pub fn saturating_sub(self, d: Duration) -> Self {
        let nanos = u64::try_from(d.as_nanos()).unwrap_or(u64::MAX);
        Self(self.0.saturating_sub(nanos))
    }

    /// The time from `earlier` to `self`, or zero if `earlier` is later.
    pub const fn saturating_duration_since(self, earlier: Self) -> Duration {
        Duration::from_nanos(self.0.saturating_sub(earlier.0))
    }
}

impl Add<Duration> for Instant {
    type Output = Self;
    fn add(self, d: Duration) -> Self {
        self.saturating_add(d)
    }
}

impl AddAssign<Duration> for Instant {
    fn add_assign(&mut self, d: Duration) {
        *self = self.saturating_add(d);
    }
}

impl Sub<Duration> for Instant {
    type Output = Self;
    fn sub(self, d: Duration) -> Self {
        self.saturating_sub(d)
    }
}

impl Sub for Instant {
    type Output = Duration;
    fn sub(self, earlier: Self) -> Duration {
        self.saturating_duration_since(earlier)
    }
}

impl fmt::Debug for Instant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secs = self.0 / 1_000_000_000;
        let nanos = self.0 % 1_000_000_000;
        write!(f, "{secs}.{nanos:09}s")
    }
}

impl fmt::Display for Instant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

/// A deadline cell: either stopped or armed to expire at an [`Instant`].
///
/// Timers are plain data. A machine keeps one per standard timer (`current_while`, `wait_while`…),
/// asks [`Timer::expired`] when it runs, and reports [`Timer::deadline`] so the driver's
/// `poll_timeout()` is the minimum over its timers.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct Timer(Option<Instant>);

impl Timer {
    /// A stopped timer.
    pub const STOPPED: Self = Self(None);

    /// Arms the timer to expire `after` from `now`.
    pub fn start(&mut self, now: Instant, after: Duration) {
        self.0 = Some(now.saturating_add(after));
    }

    /// Arms the timer to expire at `at`.
    pub fn set(&mut self, at: Instant) {
        self.0 = Some(at);
    }

    /// Stops the timer.
    pub fn stop(&mut self) {
        self.0 = None;
    }

    /// True while armed.
    pub const fn is_running(&self) -> bool {
        self.0.is_some()
    }

    /// The instant it expires at, if armed.
    pub const fn deadline(&self) -> Option<Instant> {
        self.0
    }

    /// True when armed and `now` has reached the deadline.
    pub fn expired(&self, now: Instant) -> bool {
        matches!(self.0, Some(at) if now >= at)
    }

    /// Time left before expiry (zero if expired), or `None` when stopped.
    pub fn remaining(&self, now: Instant) -> Option<Duration> {
        self.0.map(|at| at.saturating_duration_since(now))
    }

    /// If expired at `now`, stops the timer and returns true (a one-shot "fire").
    pub fn fire(&mut self, now: Instant) -> bool {
        if self.expired(now) {
            self.0 = None;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instant_arithmetic_saturates() {
        let t = Instant::from_secs(3);
        assert_eq!((t + Duration::from_millis(500)).as_nanos(), 3_500_000_000);
        assert_eq!(Instant::MAX + Duration::from_secs(1), Instant::MAX);
        assert_eq!(Instant::ZERO - Duration::from_secs(1), Instant::ZERO);
        assert_eq!(
            Instant::from_secs(1) - Instant::from_secs(2),
            Duration::ZERO
        );
        assert_eq!(
            Instant::from_secs(5) - Instant::from_secs(2),
            Duration::from_secs(3)
        );
        assert_eq!(Instant::from_secs(u64::MAX), Instant::MAX);
        assert_eq!(Instant::ZERO + Duration::MAX, Instant::MAX);
    }

    #[test]
    fn timer_lifecycle() {
        let mut t = Timer::STOPPED;
        assert!(!t.is_running() && !t.expired(Instant::MAX));
        t.start(Instant::from_secs(10), Duration::from_secs(3));
        assert_eq!(t.deadline(), Some(Instant::from_secs(13)));
        assert!(!t.expired(Instant::from_millis(12_999)));
        assert_eq!(
            t.remaining(Instant::from_secs(11)),
            Some(Duration::from_secs(2))
        );
        assert!(t.expired(Instant::from_secs(13)));
        assert!(!t.fire(Instant::from_secs(12)));
        assert!(t.fire(Instant::from_secs(13)));
        assert!(!t.is_running());
        t.set(Instant::from_secs(1));
        t.stop();
        assert_eq!(t.deadline(), None);
    }
}
