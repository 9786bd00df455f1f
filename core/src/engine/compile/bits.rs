//! Bit rows as words: the operations the compiler and the analyses use on them.

/// Words needed for `bits` bits.
pub(crate) fn words_for(bits: usize) -> usize {
    bits.div_ceil(64)
}

/// Whether bit `i` of `row` is set.
#[inline(always)]
pub(crate) fn test(row: &[u64], i: usize) -> bool {
    (row[i >> 6] >> (i & 63)) & 1 != 0
}

/// Sets bit `i` of `row`.
#[inline(always)]
pub(crate) fn set(row: &mut [u64], i: usize) {
    row[i >> 6] |= 1 << (i & 63);
}

/// Sets bits `range` of `row`, a word at a time.
pub(crate) fn set_range(row: &mut [u64], range: core::ops::Range<usize>) {
    for_range(row, range, |word, mask| *word |= mask);
}

/// Clears bits `range` of `row`, a word at a time.
pub(crate) fn clear_range(row: &mut [u64], range: core::ops::Range<usize>) {
    for_range(row, range, |word, mask| *word &= !mask);
}

/// Calls `f` with each word of `row` that `range` touches and the mask of its bits in `range`.
fn for_range(row: &mut [u64], range: core::ops::Range<usize>, mut f: impl FnMut(&mut u64, u64)) {
    let (mut i, end) = (range.start, range.end);
    while i < end {
        let (w, bit) = (i >> 6, i & 63);
        let n = (64 - bit).min(end - i);
        let mask = if n == 64 { u64::MAX } else { ((1u64 << n) - 1) << bit };
        f(&mut row[w], mask);
        i += n;
    }
}

/// The indices of the set bits of `row`, ascending.
pub(crate) fn ones(row: &[u64]) -> impl Iterator<Item = usize> + '_ {
    row.iter().enumerate().flat_map(|(w, &word)| word_ones(w, word))
}

/// The indices of the set bits of `word`, word `w` of a row, ascending.
pub(crate) fn word_ones(w: usize, mut word: u64) -> impl Iterator<Item = usize> {
    core::iter::from_fn(move || {
        if word == 0 {
            return None;
        }
        let bit = word.trailing_zeros() as usize;
        word &= word - 1;
        Some(w * 64 + bit)
    })
}

/// `dst |= src`.
pub(crate) fn or_into(dst: &mut [u64], src: &[u64]) {
    for (d, s) in dst.iter_mut().zip(src) {
        *d |= s;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;
    use alloc::vec::Vec;

    #[test]
    fn ranges_set_and_clear_exactly_their_bits() {
        for (start, end) in [(0, 0), (0, 1), (3, 64), (0, 64), (63, 65), (5, 190), (64, 128), (127, 192)] {
            let mut row = vec![0u64; 3];
            set_range(&mut row, start..end);
            assert_eq!(ones(&row).collect::<Vec<_>>(), (start..end).collect::<Vec<_>>(), "set {start}..{end}");
            let mut full = vec![u64::MAX; 3];
            clear_range(&mut full, start..end);
            let expected: Vec<usize> = (0..192).filter(|i| !(start..end).contains(i)).collect();
            assert_eq!(ones(&full).collect::<Vec<_>>(), expected, "clear {start}..{end}");
        }
    }
}
