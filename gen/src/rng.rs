//! The workspace's one source of test randomness: SplitMix64, for the generator, `netpol bench`
//! and the criterion benches.
//!
//! Self-contained on purpose, instead of the `rand` crate: a seed must give byte-identical
//! clusters on every machine and with every version of every dependency, and `rand` does not
//! promise stable streams across releases (its `StdRng` algorithm and its range sampling have
//! changed before). Ten lines of SplitMix64 never change.

/// SplitMix64 (Steele, Lea and Flood, 2014): tiny, fast, and statistically fine for test data.
pub struct Rng {
    state: u64,
}

impl Rng {
    /// An independent stream for `seed` and `stream` (one per part of the cluster, so that, say,
    /// changing the number of policies leaves the pods alone).
    pub fn new(seed: u64, stream: u64) -> Rng {
        let mut rng = Rng { state: seed ^ stream.wrapping_mul(0xD1B5_4A32_D192_ED03) };
        rng.next_u64();
        rng
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`), by multiply-shift: the bias is below 2^-32 for our sizes,
    /// and the result depends only on `n` and the stream, not on the width of `usize`.
    pub fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }

    /// A number in `low..=high`.
    pub fn range(&mut self, low: usize, high: usize) -> usize {
        low + self.below(high - low + 1)
    }

    /// True with probability `percent`/100.
    pub fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    /// One of `items` (non-empty).
    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }
}

#[cfg(test)]
mod tests {
    use super::Rng;

    #[test]
    fn the_stream_is_fixed_forever() {
        // Seed 1, stream 0: reference SplitMix64 from state 1, first output skipped. If this
        // fails, every generated cluster changed: benches and saved outputs with it.
        let mut rng = Rng::new(1, 0);
        let first: Vec<u64> = (0..3).map(|_| rng.next_u64()).collect();
        assert_eq!(first, [0xbeeb_8da1_658e_ec67, 0xf893_a2ee_fb32_555e, 0x71c1_8690_ee42_c90b]);
        let mut other = Rng::new(1, 1);
        assert_ne!(other.next_u64(), first[0]);
    }

    #[test]
    fn ranges_stay_in_bounds() {
        let mut rng = Rng::new(7, 3);
        for _ in 0..10_000 {
            assert!(rng.below(5) < 5);
            let r = rng.range(2, 4);
            assert!((2..=4).contains(&r));
        }
    }
}
