//! `numpy.random.RandomState(seed).permutation(n)`, bit for bit: the MT19937 generator with
//! numpy's legacy seeding and its legacy Fisher–Yates shuffle (bounded draws by masking and
//! rejection). torch-fidelity shuffles the rows before splitting them for the Inception Score
//! with exactly this call (`rng_seed = 2020`), so matching it needs this generator, not ours.

/// MT19937 (Matsumoto & Nishimura, 1998).
struct Mt19937 {
    state: [u32; 624],
    pos: usize,
}

impl Mt19937 {
    /// numpy's `mt19937_seed` (the reference `init_genrand`).
    fn new(seed: u32) -> Self {
        let mut state = [0u32; 624];
        state[0] = seed;
        for i in 1..624 {
            let prev = state[i - 1];
            state[i] = 1_812_433_253u32
                .wrapping_mul(prev ^ (prev >> 30))
                .wrapping_add(i as u32);
        }
        Self { state, pos: 624 }
    }

    fn twist(&mut self) {
        const UPPER: u32 = 0x8000_0000;
        const LOWER: u32 = 0x7fff_ffff;
        for i in 0..624 {
            let y = (self.state[i] & UPPER) | (self.state[(i + 1) % 624] & LOWER);
            let mut next = self.state[(i + 397) % 624] ^ (y >> 1);
            if y & 1 == 1 {
                next ^= 0x9908_b0df;
            }
            self.state[i] = next;
        }
        self.pos = 0;
    }

    fn next_u32(&mut self) -> u32 {
        if self.pos >= 624 {
            self.twist();
        }
        let mut y = self.state[self.pos];
        self.pos += 1;
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c_5680;
        y ^= (y << 15) & 0xefc6_0000;
        y ^ (y >> 18)
    }

    fn next_u64(&mut self) -> u64 {
        (u64::from(self.next_u32()) << 32) | u64::from(self.next_u32())
    }

    /// numpy's `random_interval`: uniform on `0..=max` by masking to the smallest covering
    /// power of two and rejecting values above `max`.
    fn interval(&mut self, max: u64) -> u64 {
        if max == 0 {
            return 0;
        }
        let mut mask = max;
        for shift in [1, 2, 4, 8, 16, 32] {
            mask |= mask >> shift;
        }
        loop {
            let value = if max <= u64::from(u32::MAX) {
                u64::from(self.next_u32()) & mask
            } else {
                self.next_u64() & mask
            };
            if value <= max {
                return value;
            }
        }
    }

    /// `random_sample()`: 53 random bits in [0, 1).
    #[cfg(test)]
    fn next_f64(&mut self) -> f64 {
        let a = self.next_u32() >> 5;
        let b = self.next_u32() >> 6;
        (f64::from(a) * 67_108_864.0 + f64::from(b)) / 9_007_199_254_740_992.0
    }
}

/// `numpy.random.RandomState(seed).permutation(n)`.
pub fn permutation(seed: u32, n: usize) -> Vec<usize> {
    let mut rng = Mt19937::new(seed);
    let mut out: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        let j = rng.interval(i as u64) as usize;
        out.swap(i, j);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Values printed by numpy 2.4.6.
    #[test]
    fn matches_numpy() {
        assert_eq!(permutation(0, 10), [2, 8, 4, 9, 1, 6, 7, 3, 0, 5]);
        assert_eq!(permutation(2020, 10), [2, 4, 9, 1, 5, 7, 6, 3, 8, 0]);
        assert_eq!(
            permutation(2020, 1000)[..12],
            [725, 986, 815, 656, 469, 76, 668, 286, 904, 284, 816, 949]
        );
        assert_eq!(Mt19937::new(0).next_f64(), 0.548_813_503_927_324_8);
        let mut sorted = permutation(2020, 1000);
        sorted.sort_unstable();
        assert_eq!(sorted, (0..1000).collect::<Vec<_>>());
    }
}
