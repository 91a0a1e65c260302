//! A small seeded pseudo-random generator: xoshiro256** seeded through splitmix64.
//!
//! Written here rather than taken from a crate so that the simulator's runs depend on nothing
//! but the seed: the same seed gives the same sequence on every platform and every release.

/// One step of splitmix64 (Steele, Lea, Flood 2014): advances `state` and returns a well-mixed
/// 64-bit value. Used to expand a seed into generator state and to derive independent streams.
pub const fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// xoshiro256** (Blackman, Vigna 2018). Not cryptographic; deterministic and fast.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rng {
    s: [u64; 4],
}

impl Rng {
    /// A generator whose state is expanded from `seed` with splitmix64 (never all zero).
    pub const fn new(seed: u64) -> Self {
        let mut sm = seed;
        let s = [
            splitmix64(&mut sm),
            splitmix64(&mut sm),
            splitmix64(&mut sm),
            splitmix64(&mut sm),
        ];
        Self { s }
    }

    /// An independent generator for sub-stream `stream` of `seed` (for example one per link
    /// direction), so that adding a consumer elsewhere does not shift this stream's values.
    pub const fn derive(seed: u64, stream: u64) -> Self {
        let mut sm = seed ^ stream.wrapping_mul(0xd605_bbb5_8c8a_bbb3);
        let mixed = splitmix64(&mut sm);
        Self::new(mixed)
    }

    /// The next 64 random bits.
    pub const fn next_u64(&mut self) -> u64 {
        let [s0, s1, s2, s3] = self.s;
        let result = s1.wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = s1 << 17;
        let mut n2 = s2 ^ s0;
        let mut n3 = s3 ^ s1;
        let n1 = s1 ^ n2;
        let n0 = s0 ^ n3;
        n2 ^= t;
        n3 = n3.rotate_left(45);
        self.s = [n0, n1, n2, n3];
        result
    }

    /// A value uniformly distributed in `0..bound` (0 when `bound` is 0), by Lemire's
    /// multiply-shift (the tiny bias for huge bounds does not matter here).
    pub const fn below(&mut self, bound: u64) -> u64 {
        ((self.next_u64() as u128 * bound as u128) >> 64) as u64
    }

    /// True with probability `p`.
    pub const fn chance(&mut self, p: Probability) -> bool {
        if p.0 == 0 {
            return false;
        }
        self.below(Probability::SCALE as u64) < p.0 as u64
    }
}

/// A probability in parts per million (integral, so runs are exact on every platform).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Probability(u32);

impl Probability {
    /// The denominator: one million.
    pub const SCALE: u32 = 1_000_000;
    /// Never.
    pub const NEVER: Self = Self(0);
    /// Always.
    pub const ALWAYS: Self = Self(Self::SCALE);

    /// `ppm` parts per million, capped at one million.
    pub const fn per_million(ppm: u32) -> Self {
        if ppm > Self::SCALE {
            Self(Self::SCALE)
        } else {
            Self(ppm)
        }
    }

    /// `pct` percent, capped at 100.
    pub const fn percent(pct: u32) -> Self {
        Self::per_million(pct.saturating_mul(10_000))
    }

    /// Parts per million.
    pub const fn ppm(self) -> u32 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_sequence_and_streams_differ() {
        let mut a = Rng::new(7);
        let mut b = Rng::new(7);
        let mut c = Rng::derive(7, 1);
        let va: [u64; 8] = core::array::from_fn(|_| a.next_u64());
        let vb: [u64; 8] = core::array::from_fn(|_| b.next_u64());
        let vc: [u64; 8] = core::array::from_fn(|_| c.next_u64());
        assert_eq!(va, vb);
        assert_ne!(va, vc);
        assert_ne!(Rng::derive(7, 1), Rng::derive(7, 2));
    }

    #[test]
    fn splitmix_reference_values() {
        // First outputs of splitmix64 seeded with 0 (the published reference sequence).
        let mut s = 0u64;
        assert_eq!(splitmix64(&mut s), 0xe220_a839_7b1d_cdaf);
        assert_eq!(splitmix64(&mut s), 0x6e78_9e6a_a1b9_65f4);
    }

    #[test]
    fn below_and_chance_are_in_range_and_roughly_fair() {
        let mut r = Rng::new(1);
        let mut hits = 0u32;
        for _ in 0..100_000 {
            assert!(r.below(10) < 10);
            if r.chance(Probability::percent(25)) {
                hits += 1;
            }
        }
        assert!((23_000..27_000).contains(&hits), "{hits}");
        assert_eq!(r.below(0), 0);
        assert!(!r.chance(Probability::NEVER));
        assert!(r.chance(Probability::ALWAYS));
        assert_eq!(Probability::percent(200), Probability::ALWAYS);
    }
}
