//! Blocked bit rows: how the engine stores its relation rows so that a decision stays in cache
//! at any cluster size (issue 18).
//!
//! A row is a bitset over columns (identities, then IP classes). Rows are wide (one bit per
//! identity: 14,000 at 100,000 pods) and nearly empty (a peer set is one namespace's pods, or a
//! few namespaces'), so rows are cut into blocks of [`BLOCK_BITS`] bits, one cache line each.
//! Distinct blocks are stored once; a row is the list of its blocks' ids, with id 0 the all-zeros
//! block. Testing a bit reads the row's block id, then one word of that block: two reads into
//! tables a few megabytes in size, where a flat row set took tens of megabytes at 100,000 pods.

use alloc::vec;
use alloc::vec::Vec;
use core::hash::BuildHasher;

use super::bits;

/// Words in a block: one 64-byte cache line.
pub(crate) const BLOCK_WORDS: usize = 8;
/// Bits in a block.
pub(crate) const BLOCK_BITS: usize = BLOCK_WORDS * 64;

/// A set of distinct rows of one width, frozen: what the engine reads.
#[derive(Clone, Debug)]
pub(crate) struct Rows {
    /// Words of a row when expanded (the last block may be cut short).
    words: usize,
    /// Blocks per row.
    per_row: usize,
    /// Row `r`'s block ids: `ids[r * per_row..(r + 1) * per_row]`.
    ids: Vec<u32>,
    /// Distinct blocks, [`BLOCK_WORDS`] words each; block 0 is all zeros.
    blocks: Vec<u64>,
}

impl Rows {
    fn new(bits: usize) -> Rows {
        let words = bits::words_for(bits);
        Rows { words, per_row: words.div_ceil(BLOCK_WORDS), ids: Vec::new(), blocks: vec![0; BLOCK_WORDS] }
    }

    /// Whether bit `column` of row `row` is set: two reads. `column` must be below the width.
    #[inline(always)]
    pub(crate) fn test(&self, row: u32, column: usize) -> bool {
        self.test_block(self.block_of(row, column), column)
    }

    /// The first of [`Rows::test`]'s reads: the id of the block of row `row` that holds
    /// `column`.
    #[inline(always)]
    pub(crate) fn block_of(&self, row: u32, column: usize) -> u32 {
        self.ids[row as usize * self.per_row + column / BLOCK_BITS]
    }

    /// The second of [`Rows::test`]'s reads: whether block `block` (of the row, as
    /// [`Rows::block_of`] gave it) sets `column`.
    #[inline(always)]
    pub(crate) fn test_block(&self, block: u32, column: usize) -> bool {
        let word = self.blocks[block as usize * BLOCK_WORDS + (column / 64) % BLOCK_WORDS];
        (word >> (column % 64)) & 1 != 0
    }

    /// Row `row`.
    pub(crate) fn row(&self, row: u32) -> RowRef<'_> {
        let start = row as usize * self.per_row;
        RowRef { ids: &self.ids[start..start + self.per_row], blocks: &self.blocks, words: self.words }
    }

    /// Rows held.
    pub(crate) fn len(&self) -> usize {
        self.ids.len().checked_div(self.per_row).unwrap_or(0)
    }

    /// Bytes held.
    pub(crate) fn memory_bytes(&self) -> usize {
        self.ids.capacity() * 4 + self.blocks.capacity() * 8
    }
}

/// One row of a [`Rows`], by reference.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RowRef<'a> {
    ids: &'a [u32],
    blocks: &'a [u64],
    words: usize,
}

impl<'a> RowRef<'a> {
    /// Whether bit `column` is set.
    #[inline]
    pub(crate) fn test(self, column: usize) -> bool {
        (self.word(column / 64) >> (column % 64)) & 1 != 0
    }

    /// Word `w` (zero past the row's width).
    #[inline]
    pub(crate) fn word(self, w: usize) -> u64 {
        match self.ids.get(w / BLOCK_WORDS) {
            Some(&block) => self.blocks[block as usize * BLOCK_WORDS + w % BLOCK_WORDS],
            None => 0,
        }
    }

    /// The words that are not zero, with their index, ascending: only the row's non-zero
    /// blocks are visited.
    pub(crate) fn nonzero_words(self) -> impl Iterator<Item = (usize, u64)> + 'a {
        let blocks = self.blocks;
        self.ids.iter().enumerate().filter(|(_, &id)| id != 0).flat_map(move |(b, &id)| {
            let block = &blocks[id as usize * BLOCK_WORDS..(id as usize + 1) * BLOCK_WORDS];
            block.iter().enumerate().filter(|(_, &w)| w != 0).map(move |(k, &w)| (b * BLOCK_WORDS + k, w))
        })
    }

    /// The set bits, ascending.
    pub(crate) fn ones(self) -> impl Iterator<Item = usize> + 'a {
        self.nonzero_words().flat_map(|(w, word)| bits::word_ones(w, word))
    }

    /// `dst |= self`, over the first `dst.len()` words.
    pub(crate) fn or_into(self, dst: &mut [u64]) {
        let len = dst.len();
        for (w, word) in self.nonzero_words().take_while(|&(w, _)| w < len) {
            dst[w] |= word;
        }
    }

    /// The first `dst.len()` words, copied into `dst`.
    pub(crate) fn copy_into(self, dst: &mut [u64]) {
        dst.fill(0);
        self.or_into(dst);
    }

    /// The row as words.
    pub(crate) fn to_vec(self) -> Vec<u64> {
        let mut row = vec![0; self.words];
        self.or_into(&mut row);
        row
    }
}

/// A growable set of distinct rows of one width: interning a row twice gives the same id.
/// Blocks and rows are each stored once; the indexes hash them where they lie.
#[derive(Clone, Debug)]
pub(crate) struct RowSet {
    rows: Rows,
    block_index: hashbrown::HashTable<u32>,
    row_index: hashbrown::HashTable<u32>,
    hasher: hashbrown::DefaultHashBuilder,
    /// The block ids of the row being interned.
    ids: Vec<u32>,
}

impl RowSet {
    /// An empty set of rows `bits` wide.
    pub(crate) fn new(bits: usize) -> RowSet {
        RowSet {
            rows: Rows::new(bits),
            block_index: hashbrown::HashTable::new(),
            row_index: hashbrown::HashTable::new(),
            hasher: hashbrown::DefaultHashBuilder::default(),
            ids: Vec::new(),
        }
    }

    /// The id of `row` (as many words as [`RowSet::scratch`] has), adding it when new.
    pub(crate) fn intern(&mut self, row: &[u64]) -> u32 {
        debug_assert_eq!(row.len(), self.rows.words);
        self.ids.clear();
        for chunk in row.chunks(BLOCK_WORDS) {
            let mut block = [0u64; BLOCK_WORDS];
            block[..chunk.len()].copy_from_slice(chunk);
            let id = self.intern_block(&block);
            self.ids.push(id);
        }
        let (per_row, ids, hasher) = (self.rows.per_row, &self.rows.ids, &self.hasher);
        let at = |id: u32| &ids[id as usize * per_row..(id as usize + 1) * per_row];
        let hash = hasher.hash_one(&self.ids[..]);
        if let Some(&id) = self.row_index.find(hash, |&id| at(id) == &self.ids[..]) {
            return id;
        }
        let id = self.rows.len() as u32;
        self.row_index.insert_unique(hash, id, |&id| hasher.hash_one(at(id)));
        self.rows.ids.extend_from_slice(&self.ids);
        id
    }

    /// The id of a block, adding it when new; the all-zeros block is 0.
    fn intern_block(&mut self, block: &[u64; BLOCK_WORDS]) -> u32 {
        if block.iter().all(|&w| w == 0) {
            return 0;
        }
        let (blocks, hasher) = (&self.rows.blocks, &self.hasher);
        let at = |id: u32| &blocks[id as usize * BLOCK_WORDS..(id as usize + 1) * BLOCK_WORDS];
        let hash = hasher.hash_one(&block[..]);
        if let Some(&id) = self.block_index.find(hash, |&id| at(id) == &block[..]) {
            return id;
        }
        let id = (blocks.len() / BLOCK_WORDS) as u32;
        self.block_index.insert_unique(hash, id, |&id| hasher.hash_one(at(id)));
        self.rows.blocks.extend_from_slice(block);
        id
    }

    /// Rows held.
    pub(crate) fn len(&self) -> usize {
        self.rows.len()
    }

    /// A zeroed scratch row of the right width.
    pub(crate) fn scratch(&self) -> Vec<u64> {
        vec![0; self.rows.words]
    }

    /// Row `id`.
    pub(crate) fn row(&self, id: u32) -> RowRef<'_> {
        self.rows.row(id)
    }

    /// Drops the interning indexes, keeping the rows (and no spare capacity).
    pub(crate) fn into_rows(self) -> Rows {
        let mut rows = self.rows;
        rows.ids.shrink_to_fit();
        rows.blocks.shrink_to_fit();
        rows
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rows of several widths, blocks shared and not: every bit reads back as written, through
    /// every accessor, and equal rows get one id.
    #[test]
    fn rows_read_back_as_interned() {
        for bits in [1, 63, 64, 65, 511, 512, 513, 1500] {
            let mut set = RowSet::new(bits);
            let patterns: Vec<Vec<usize>> = vec![
                vec![],
                vec![0],
                vec![bits - 1],
                (0..bits).collect(),
                (0..bits).step_by(7).collect(),
                (bits / 2..bits).collect(),
            ];
            let mut ids = Vec::new();
            for ones in &patterns {
                let mut row = set.scratch();
                ones.iter().for_each(|&i| bits::set(&mut row, i));
                ids.push(set.intern(&row));
                assert_eq!(set.intern(&row), *ids.last().unwrap(), "{bits} bits: interned twice");
            }
            let rows = set.into_rows();
            for (ones, &id) in patterns.iter().zip(&ids) {
                let r = rows.row(id);
                assert_eq!(r.ones().collect::<Vec<_>>(), *ones, "{bits} bits");
                let mut flat = vec![0u64; bits::words_for(bits)];
                ones.iter().for_each(|&i| bits::set(&mut flat, i));
                assert_eq!(r.to_vec(), flat, "{bits} bits");
                for i in 0..bits {
                    assert_eq!(rows.test(id, i), ones.contains(&i), "{bits} bits, bit {i}");
                    assert_eq!(r.test(i), ones.contains(&i), "{bits} bits, bit {i}");
                }
            }
            let distinct: alloc::collections::BTreeSet<u32> = ids.iter().copied().collect();
            assert_eq!(rows.len(), distinct.len());
        }
    }
}
