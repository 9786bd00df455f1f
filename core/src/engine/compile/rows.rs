//! Blocked bit rows: how the engine stores its relation rows so that a decision stays in cache
//! at any cluster size (issue 18).
//!
//! A row is a bitset over columns (identities, then IP classes). Rows are wide (one bit per
//! identity: 21,000 at 150,000 pods) and nearly empty (a peer set is one namespace's pods, or a
//! few namespaces'), so rows are cut into blocks of [`BLOCK_BITS`] bits, one cache line each.
//! Distinct blocks are stored once, block 0 being all zeros.
//!
//! A row keeps only the span of its blocks from its first nonzero block to its last, behind a
//! two-level index: per 64 blocks a [`Head`], a mask of the blocks that are not zero and where
//! the span's ids lie in one shared list. Testing a bit reads the head, then the block's id (at
//! the head's start plus the block's number: no counting) and one word of that block. In a
//! wide row (8 blocks or more) a zero block (most of them, so most denials) is answered at the
//! head, by a branch that is predicted well. In a narrow row, where which blocks are zero is
//! as random as the queries, there is no branch: a zero block reads id 0 at position 0 and the
//! zero block, both always in cache. At 150,000 pods the heads and spans take a fraction of
//! what a dense list of ids per row took, and the indexes carry each row's first head
//! ([`RowEntry`]), so a decision there reads no head of its own.

use alloc::vec;
use alloc::vec::Vec;
use core::hash::BuildHasher;

use super::bits;

/// Words in a block: one 64-byte cache line.
pub(crate) const BLOCK_WORDS: usize = 8;
/// Bits in a block.
pub(crate) const BLOCK_BITS: usize = BLOCK_WORDS * 64;

/// Where a row's 64 blocks from some block on are: which of them are not all zeros, and where
/// their ids lie in the rows' id list.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Head {
    /// Bit `k`: block `64 * j + k` of the row (for the row's `j`-th head) is not all zeros.
    mask: u64,
    /// Where block `k`'s id is, less `k` (wrapping): the ids from the lowest nonzero block to the
    /// highest lie in one span, zero blocks between them included.
    first: u32,
}

impl Head {
    /// Where block `k` (below 64) of this head's blocks has its id; for a zero block position
    /// 0, whose id is 0. Without a branch: in a row of few blocks, whether a block is zero is as
    /// unpredictable as the query, and position 0 stays in cache.
    #[inline(always)]
    fn position(self, k: usize) -> usize {
        let nonzero = (self.mask >> k) as u32 & 1;
        (self.first.wrapping_add(k as u32) & nonzero.wrapping_neg()) as usize
    }

    /// The head's span of ids: where it starts, and how many.
    fn span(self) -> (usize, usize) {
        if self.mask == 0 {
            return (self.first as usize, 0);
        }
        let (low, high) = (self.mask.trailing_zeros(), 63 - self.mask.leading_zeros());
        (self.first.wrapping_add(low) as usize, (high - low + 1) as usize)
    }
}

/// A row as an index names it: its id, and its first head copied beside it, so that a test in
/// the row's first 64 blocks (every block up to 32,768 columns) reads no head of its own.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub(crate) struct RowEntry {
    /// The first head's mask and start, as [`Head`].
    mask: u64,
    first: u32,
    /// The row's id.
    pub row: u32,
}

/// A set of distinct rows of one width, frozen: what the engine reads.
#[derive(Clone, Debug)]
pub(crate) struct Rows {
    /// Words of a row when expanded (the last block may be cut short).
    words: usize,
    /// Blocks per row.
    per_row: usize,
    /// Heads per row: one per 64 blocks.
    heads_per_row: usize,
    /// Row `r`'s heads: `heads[r * heads_per_row..(r + 1) * heads_per_row]`.
    heads: Vec<Head>,
    /// The rows' spans of block ids (first to last nonzero block of each head), row after row,
    /// as the heads point into it, after a 0 at position 0 for zero blocks.
    ids: BlockIds,
    /// Distinct blocks, [`BLOCK_WORDS`] words each; block 0 is all zeros.
    blocks: Vec<u64>,
    /// Rows of at least [`SPARSE_BLOCKS`] blocks: a zero block answers at the head, by a
    /// branch (most of a wide row's blocks are zero, so it is predicted well), instead of
    /// reading id 0 and the zero block.
    sparse: bool,
}

/// Blocks a row has from which [`Rows`] treats it as sparse: 4,096 columns. Measured on
/// generated clusters (`netpol bench --passes 5`): at 1,002 and 10,002 pods (1 and 3 blocks a
/// row) the branchless read was as fast or faster; at 50,002 and 150,002 pods (14 and 41
/// blocks) the branch took 11–15 ns a decision against 19–22 ns.
const SPARSE_BLOCKS: usize = 8;

/// The rows' block ids, two bytes each while there are at most 65,536 distinct blocks (the
/// common case), else four.
#[derive(Clone, Debug)]
enum BlockIds {
    Narrow(Vec<u16>),
    Wide(Vec<u32>),
}

impl BlockIds {
    #[inline(always)]
    fn at(&self, position: usize) -> u32 {
        match self {
            BlockIds::Narrow(ids) => u32::from(ids[position]),
            BlockIds::Wide(ids) => ids[position],
        }
    }

    fn as_ids(&self) -> Ids<'_> {
        match self {
            BlockIds::Narrow(ids) => Ids::Narrow(ids),
            BlockIds::Wide(ids) => Ids::Wide(ids),
        }
    }
}

/// The id list of a set of rows, by reference.
#[derive(Clone, Copy, Debug)]
enum Ids<'a> {
    Narrow(&'a [u16]),
    Wide(&'a [u32]),
}

impl Ids<'_> {
    #[inline]
    fn at(self, position: usize) -> u32 {
        match self {
            Ids::Narrow(ids) => u32::from(ids[position]),
            Ids::Wide(ids) => ids[position],
        }
    }
}

impl Rows {
    /// Whether bit `column` of row `row` is set: the head, and for a nonzero block its id and
    /// one word of it. `column` must be below the width. (The engine reads rows through their
    /// index entries: [`Rows::test_entry`].)
    #[cfg(test)]
    pub(crate) fn test(&self, row: u32, column: usize) -> bool {
        self.test_block(self.block_of(row, column), column)
    }

    /// The id of the block of row `row` that holds `column`: 0, all zeros, without reading
    /// further when the row's head says so.
    #[inline(always)]
    pub(crate) fn block_of(&self, row: u32, column: usize) -> u32 {
        let block = column / BLOCK_BITS;
        let head = self.heads[row as usize * self.heads_per_row + block / 64];
        self.id_at(head, block % 64)
    }

    /// The id of block `k` (below 64) of `head`'s blocks: for a sparse row a zero block is
    /// answered by a branch, for a narrow row by [`Head::position`]'s position 0.
    #[inline(always)]
    fn id_at(&self, head: Head, k: usize) -> u32 {
        if self.sparse {
            if head.mask >> k & 1 == 0 {
                return 0;
            }
            return self.ids.at(head.first.wrapping_add(k as u32) as usize);
        }
        self.ids.at(head.position(k))
    }

    /// Row `row` as an index keeps it.
    pub(crate) fn entry(&self, row: u32) -> RowEntry {
        let head = self.heads[row as usize * self.heads_per_row];
        RowEntry { mask: head.mask, first: head.first, row }
    }

    /// Whether bit `column` of a row, as an index keeps it, is set.
    #[inline(always)]
    pub(crate) fn test_entry(&self, entry: RowEntry, column: usize) -> bool {
        self.test_block(self.block_of_entry(entry, column), column)
    }

    /// [`Rows::block_of`] on a row as an index keeps it: the entry holds the row's first head,
    /// so a column in a zero block of the first 64 (every block up to 32,768 columns) takes no
    /// read of the rows at all.
    #[inline(always)]
    pub(crate) fn block_of_entry(&self, entry: RowEntry, column: usize) -> u32 {
        let block = column / BLOCK_BITS;
        if block >= 64 {
            return self.block_of(entry.row, column);
        }
        self.id_at(Head { mask: entry.mask, first: entry.first }, block)
    }

    /// The last read of a test: whether block `block` (of the row, as [`Rows::block_of`] gave
    /// it) sets `column`.
    #[inline(always)]
    pub(crate) fn test_block(&self, block: u32, column: usize) -> bool {
        let word = self.blocks[block as usize * BLOCK_WORDS + (column / 64) % BLOCK_WORDS];
        (word >> (column % 64)) & 1 != 0
    }

    /// Row `row`.
    pub(crate) fn row(&self, row: u32) -> RowRef<'_> {
        let start = row as usize * self.heads_per_row;
        RowRef {
            heads: &self.heads[start..start + self.heads_per_row],
            ids: self.ids.as_ids(),
            blocks: &self.blocks,
            per_row: self.per_row,
            words: self.words,
        }
    }

    /// Rows held.
    pub(crate) fn len(&self) -> usize {
        self.heads.len().checked_div(self.heads_per_row).unwrap_or(0)
    }

    /// Bytes held.
    pub(crate) fn memory_bytes(&self) -> usize {
        let ids = match &self.ids {
            BlockIds::Narrow(ids) => ids.capacity() * 2,
            BlockIds::Wide(ids) => ids.capacity() * 4,
        };
        self.heads.capacity() * core::mem::size_of::<Head>() + ids + self.blocks.capacity() * 8
    }
}

/// One row of a [`Rows`], by reference.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RowRef<'a> {
    heads: &'a [Head],
    ids: Ids<'a>,
    blocks: &'a [u64],
    per_row: usize,
    words: usize,
}

impl<'a> RowRef<'a> {
    /// Whether bit `column` is set.
    #[inline]
    pub(crate) fn test(self, column: usize) -> bool {
        (self.word(column / 64) >> (column % 64)) & 1 != 0
    }

    /// The id of block `b` (0 for a zero block or past the row's width).
    #[inline]
    fn block(self, b: usize) -> u32 {
        if b >= self.per_row {
            return 0;
        }
        self.ids.at(self.heads[b / 64].position(b % 64))
    }

    /// Word `w` (zero past the row's width).
    #[inline]
    pub(crate) fn word(self, w: usize) -> u64 {
        self.blocks[self.block(w / BLOCK_WORDS) as usize * BLOCK_WORDS + w % BLOCK_WORDS]
    }

    /// The row's nonzero blocks as (block index, block id), ascending.
    fn nonzero_blocks(self) -> impl Iterator<Item = (usize, u32)> + 'a {
        let ids = self.ids;
        self.heads.iter().enumerate().flat_map(move |(j, head)| {
            bits::word_ones(0, head.mask).map(move |k| (64 * j + k, ids.at(head.first.wrapping_add(k as u32) as usize)))
        })
    }

    /// The words that are not zero, with their index, ascending: only the row's non-zero
    /// blocks are visited.
    pub(crate) fn nonzero_words(self) -> impl Iterator<Item = (usize, u64)> + 'a {
        let blocks = self.blocks;
        self.nonzero_blocks().flat_map(move |(b, id)| {
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
    words: usize,
    per_row: usize,
    heads_per_row: usize,
    /// As [`Rows::heads`].
    heads: Vec<Head>,
    /// As [`Rows::ids`], four bytes each while growing.
    ids: Vec<u32>,
    blocks: Vec<u64>,
    block_index: hashbrown::HashTable<u32>,
    row_index: hashbrown::HashTable<u32>,
    hasher: hashbrown::DefaultHashBuilder,
    /// The row being interned: its masks, then its spans' ids.
    scratch_masks: Vec<u64>,
    scratch_ids: Vec<u32>,
}

impl RowSet {
    /// An empty set of rows `bits` wide.
    pub(crate) fn new(bits: usize) -> RowSet {
        let words = bits::words_for(bits);
        let per_row = words.div_ceil(BLOCK_WORDS);
        RowSet {
            words,
            per_row,
            heads_per_row: per_row.div_ceil(64).max(1),
            heads: Vec::new(),
            // Position 0: where zero blocks point ([`Head::position`]).
            ids: vec![0],
            blocks: vec![0; BLOCK_WORDS],
            block_index: hashbrown::HashTable::new(),
            row_index: hashbrown::HashTable::new(),
            hasher: hashbrown::DefaultHashBuilder::default(),
            scratch_masks: Vec::new(),
            scratch_ids: Vec::new(),
        }
    }

    /// The id of `row` (as many words as [`RowSet::scratch`] has), adding it when new.
    pub(crate) fn intern(&mut self, row: &[u64]) -> u32 {
        debug_assert_eq!(row.len(), self.words);
        let (mut masks, mut spans) = (core::mem::take(&mut self.scratch_masks), core::mem::take(&mut self.scratch_ids));
        masks.clear();
        spans.clear();
        // Every block's id, then per head its mask and the span of ids it keeps.
        for chunk in row.chunks(BLOCK_WORDS) {
            let mut block = [0u64; BLOCK_WORDS];
            block[..chunk.len()].copy_from_slice(chunk);
            let id = self.intern_block(&block);
            spans.push(id);
        }
        let mut kept = 0;
        for j in 0..self.heads_per_row {
            let group = &spans[(64 * j).min(spans.len())..(64 * j + 64).min(spans.len())];
            let mask = group.iter().enumerate().filter(|(_, &id)| id != 0).fold(0u64, |m, (k, _)| m | 1 << k);
            masks.push(mask);
            if mask != 0 {
                let (low, high) = (mask.trailing_zeros() as usize, 63 - mask.leading_zeros() as usize);
                spans.copy_within(64 * j + low..64 * j + high + 1, kept);
                kept += high - low + 1;
            }
        }
        spans.truncate(kept);
        let hash = row_hash(&self.hasher, masks.iter().copied(), &spans);
        let (heads, ids, per_head) = (&self.heads, &self.ids, self.heads_per_row);
        let same = |id: u32| {
            let (stored_heads, stored_ids) = parts_of(heads, ids, per_head, id);
            stored_ids == &spans[..] && stored_heads.iter().map(|h| h.mask).eq(masks.iter().copied())
        };
        let id = match self.row_index.find(hash, |&id| same(id)) {
            Some(&id) => id,
            None => {
                let id = self.len() as u32;
                let mut start = self.ids.len() as u32;
                for &mask in &masks {
                    let low = if mask == 0 { 0 } else { mask.trailing_zeros() };
                    let head = Head { mask, first: start.wrapping_sub(low) };
                    start += head.span().1 as u32;
                    self.heads.push(head);
                }
                self.ids.extend_from_slice(&spans);
                let (heads, ids, hasher) = (&self.heads, &self.ids, &self.hasher);
                self.row_index.insert_unique(hash, id, |&id| {
                    let (heads, ids) = parts_of(heads, ids, per_head, id);
                    row_hash(hasher, heads.iter().map(|h| h.mask), ids)
                });
                id
            }
        };
        (self.scratch_masks, self.scratch_ids) = (masks, spans);
        id
    }

    /// The id of a block, adding it when new; the all-zeros block is 0.
    fn intern_block(&mut self, block: &[u64; BLOCK_WORDS]) -> u32 {
        if block.iter().all(|&w| w == 0) {
            return 0;
        }
        let (blocks, hasher) = (&self.blocks, &self.hasher);
        let at = |id: u32| &blocks[id as usize * BLOCK_WORDS..(id as usize + 1) * BLOCK_WORDS];
        let hash = hasher.hash_one(&block[..]);
        if let Some(&id) = self.block_index.find(hash, |&id| at(id) == &block[..]) {
            return id;
        }
        let id = (blocks.len() / BLOCK_WORDS) as u32;
        self.block_index.insert_unique(hash, id, |&id| hasher.hash_one(at(id)));
        self.blocks.extend_from_slice(block);
        id
    }

    /// Rows held.
    pub(crate) fn len(&self) -> usize {
        self.heads.len() / self.heads_per_row
    }

    /// A zeroed scratch row of the right width.
    pub(crate) fn scratch(&self) -> Vec<u64> {
        vec![0; self.words]
    }

    /// Row `id`.
    pub(crate) fn row(&self, id: u32) -> RowRef<'_> {
        let start = id as usize * self.heads_per_row;
        RowRef {
            heads: &self.heads[start..start + self.heads_per_row],
            ids: Ids::Wide(&self.ids),
            blocks: &self.blocks,
            per_row: self.per_row,
            words: self.words,
        }
    }

    /// Drops the interning indexes, keeping the rows (and no spare capacity), block ids in two
    /// bytes when they fit.
    pub(crate) fn into_rows(self) -> Rows {
        self.freeze(true)
    }

    /// [`RowSet::into_rows`]; with `narrow` false, block ids stay four bytes whatever they are.
    fn freeze(self, narrow: bool) -> Rows {
        let ids = if narrow && self.blocks.len() / BLOCK_WORDS <= 1 << 16 {
            BlockIds::Narrow(self.ids.iter().map(|&id| id as u16).collect())
        } else {
            let mut ids = self.ids;
            ids.shrink_to_fit();
            BlockIds::Wide(ids)
        };
        let (mut heads, mut blocks) = (self.heads, self.blocks);
        heads.shrink_to_fit();
        blocks.shrink_to_fit();
        let sparse = self.per_row >= SPARSE_BLOCKS;
        Rows { words: self.words, per_row: self.per_row, heads_per_row: self.heads_per_row, heads, ids, blocks, sparse }
    }
}

/// Row `id` of heads and ids laid out as [`RowSet`] keeps them: its heads and its spans' ids.
fn parts_of<'a>(heads: &'a [Head], ids: &'a [u32], heads_per_row: usize, id: u32) -> (&'a [Head], &'a [u32]) {
    let heads = &heads[id as usize * heads_per_row..(id as usize + 1) * heads_per_row];
    let count: usize = heads.iter().map(|h| h.span().1).sum();
    let start = heads[0].span().0;
    (heads, &ids[start..start + count])
}

/// The hash a row is interned by: its masks, then its spans' ids.
fn row_hash(hasher: &hashbrown::DefaultHashBuilder, masks: impl Iterator<Item = u64>, ids: &[u32]) -> u64 {
    use core::hash::{Hash, Hasher};
    let mut state = hasher.build_hasher();
    masks.for_each(|mask| state.write_u64(mask));
    ids.hash(&mut state);
    state.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rows of several widths, blocks shared and not: every bit reads back as written, through
    /// every accessor, and equal rows get one id; with block ids of either width.
    #[test]
    fn rows_read_back_as_interned() {
        for (bits, narrow) in [1, 63, 64, 65, 511, 512, 513, 1500, 64 * BLOCK_BITS + 513]
            .into_iter()
            .flat_map(|b| [(b, true), (b, false)])
        {
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
            let rows = set.freeze(narrow);
            assert_eq!(matches!(rows.ids, BlockIds::Narrow(_)), narrow);
            for (ones, &id) in patterns.iter().zip(&ids) {
                let r = rows.row(id);
                assert_eq!(r.ones().collect::<Vec<_>>(), *ones, "{bits} bits");
                let mut flat = vec![0u64; bits::words_for(bits)];
                ones.iter().for_each(|&i| bits::set(&mut flat, i));
                assert_eq!(r.to_vec(), flat, "{bits} bits");
                let mut expected = vec![false; bits];
                ones.iter().for_each(|&i| expected[i] = true);
                let entry = rows.entry(id);
                assert_eq!(entry.row, id);
                for (i, &set) in expected.iter().enumerate() {
                    assert_eq!(rows.test(id, i), set, "{bits} bits, bit {i}");
                    assert_eq!(rows.test_entry(entry, i), set, "{bits} bits, bit {i}, by entry");
                    assert_eq!(r.test(i), set, "{bits} bits, bit {i}");
                }
            }
            let distinct: alloc::collections::BTreeSet<u32> = ids.iter().copied().collect();
            assert_eq!(rows.len(), distinct.len());
        }
    }

    /// Past 65,536 distinct blocks, block ids keep four bytes, and every row still reads back.
    #[test]
    fn many_blocks_keep_wide_ids() {
        const ROWS: u32 = 70_000;
        let mut set = RowSet::new(BLOCK_BITS);
        let ids: Vec<u32> = (1..=ROWS)
            .map(|i| {
                let mut row = set.scratch();
                (0..17).filter(|b| i >> b & 1 != 0).for_each(|b| bits::set(&mut row, b * 3));
                set.intern(&row)
            })
            .collect();
        let rows = set.into_rows();
        assert!(matches!(rows.ids, BlockIds::Wide(_)));
        for (i, &id) in (1..=ROWS).zip(&ids) {
            for b in 0..17 {
                assert_eq!(rows.test(id, b as usize * 3), i >> b & 1 != 0, "row {i}, bit {}", b * 3);
            }
            assert!(!rows.test(id, 1));
            assert_eq!(rows.test_entry(rows.entry(id), 3), i & 2 != 0);
        }
    }
}
