//! A large `kubectl get -o yaml` List read on two cores (issue 18).
//!
//! The fast reader ([`events`](super::events)) is bound by the YAML parser, one core's worth.
//! A List as kubectl prints it has its items as a block sequence at the left margin:
//!
//! ```yaml
//! apiVersion: v1
//! items:
//! - apiVersion: v1
//!   kind: Pod
//!   ...
//! kind: List
//! metadata: ...
//! ```
//!
//! so the items can be cut in two at a line starting with `- `: each half is a block sequence
//! of its own, parsed on its own thread, and the rest (with `items: []`) is the List. A cut can
//! only fall at an item's start: inside a block scalar a line at the margin ends the scalar, and
//! a quoted scalar or flow collection cut open fails to parse. Whatever fails, or is not of this
//! shape, is read whole by the caller instead, so the cut changes how fast, never what is read.
//!
//! A stream of many documents (`---` between objects, as `kubectl get -o yaml` of several
//! objects or `netpol generate` print) is cut the same way at `---` lines, a piece a core: a
//! line starting `---` is a document boundary wherever it is (a scalar cannot hold one).

use alloc::vec::Vec;

use super::decode::{with_node_budget, Node};
use super::events;

/// Below this size one thread reads the text (a piece must be worth a thread: this is about
/// 8 ms of parsing).
const MIN_PARALLEL_BYTES: usize = 256 << 10;

/// The most pieces a stream is cut into.
const MAX_PIECES: usize = 8;

/// The documents of `text` as [`events::documents`] reads them; a large List is read on two
/// threads, each with half of `node_budget`, a stream of documents on up to one thread a core.
/// `None` when the text is not of either shape, or something in it is to be read by one reader
/// over the whole text.
pub(super) fn documents(text: &str, max_depth: usize, node_budget: usize) -> Option<Vec<Node>> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    if cores < 2 {
        return None;
    }
    if text.len() < MIN_PARALLEL_BYTES {
        return None;
    }
    documents_cut(text, max_depth, node_budget)
        .or_else(|| stream_cut(text, max_depth, node_budget, cores.min(MAX_PIECES)))
}

/// The documents of a stream cut into up to `pieces` pieces at `---` lines, each piece read on
/// its own thread with its share of `node_budget`; `None` when there is no such cut, the text
/// has a directive, or a piece fails (the caller then reads the text whole, naming the problem).
fn stream_cut(text: &str, max_depth: usize, node_budget: usize, pieces: usize) -> Option<Vec<Node>> {
    let bytes = text.as_bytes();
    if bytes.first() == Some(&b'%') || memchr::memmem::find(bytes, b"\n%").is_some() {
        return None;
    }
    let mut cuts = Vec::from([0]);
    for k in 1..pieces {
        let from = (bytes.len() / pieces * k).max(*cuts.last().unwrap_or(&0));
        let Some(found) = memchr::memmem::find_iter(&bytes[from..], b"\n---")
            .map(|i| from + i + 1)
            .find(|&i| matches!(bytes.get(i + 3), None | Some(b'\n' | b'\r' | b' ' | b'\t')))
        else {
            break;
        };
        if found > *cuts.last().unwrap_or(&0) {
            cuts.push(found);
        }
    }
    cuts.push(bytes.len());
    if cuts.len() < 3 {
        return None;
    }
    let share = node_budget / (cuts.len() - 1);
    let piece = |chunk: &str| with_node_budget(share, || events::documents::<Node>(chunk, max_depth)).ok();
    let chunks: Vec<&str> = cuts.windows(2).map(|w| &text[w[0]..w[1]]).collect();
    let (first, rest) = chunks.split_first()?;
    let read: Vec<Option<Vec<Node>>> = std::thread::scope(|s| {
        let others: Vec<_> = rest.iter().map(|chunk| s.spawn(move || piece(chunk))).collect();
        let mut read = Vec::from([piece(first)]);
        read.extend(others.into_iter().map(|h| h.join().ok().flatten()));
        read
    });
    let mut documents = Vec::new();
    for piece in read {
        documents.extend(piece?);
    }
    Some(documents)
}

/// [`documents`] whatever the size.
fn documents_cut(text: &str, max_depth: usize, node_budget: usize) -> Option<Vec<Node>> {
    let cut = Cut::find(text)?;
    let (first, second) = (&text[cut.items..cut.middle], &text[cut.middle..cut.end]);
    let header = [&text[..cut.items_line], "items: []\n", &text[cut.end..]].concat();
    // The items sit one level deeper in the List than at the root of their half.
    let depth = max_depth.checked_sub(1)?;
    let half = |chunk: &str| {
        with_node_budget(node_budget / 2, || events::documents::<Vec<Node>>(chunk, depth)).ok().and_then(one)
    };
    let (a, b) = std::thread::scope(|s| {
        let a = s.spawn(|| half(first));
        let b = half(second);
        (a.join().ok().flatten(), b)
    });
    let list = with_node_budget(node_budget, || events::documents::<Node>(&header, max_depth)).ok().and_then(one)?;
    match (list, a, b) {
        (Node::List(none), Some(mut items), Some(rest)) if none.is_empty() => {
            items.extend(rest);
            Some(Vec::from([Node::List(items)]))
        }
        _ => None,
    }
}

/// The only document.
fn one<T>(mut documents: Vec<T>) -> Option<T> {
    (documents.len() == 1).then(|| documents.pop()).flatten()
}

/// Where a List's items are in its text.
#[derive(Debug, PartialEq)]
struct Cut {
    /// The start of the `items:` line.
    items_line: usize,
    /// The first item's `- `.
    items: usize,
    /// An item's `- ` about halfway.
    middle: usize,
    /// The first line after the items (at the margin, not an item).
    end: usize,
}

impl Cut {
    /// The cut of a single-document text whose `items:` is a block sequence at the margin with
    /// at least two items; `None` for any other text.
    fn find(text: &str) -> Option<Cut> {
        let bytes = text.as_bytes();
        // One document, no directives: no line starts with `---`, `...` or `%`.
        let line_starts = || core::iter::once(0).chain(memchr::memchr_iter(b'\n', bytes).map(|i| i + 1));
        if line_starts()
            .any(|i| bytes[i..].starts_with(b"---") || bytes[i..].starts_with(b"...") || bytes[i..].starts_with(b"%"))
        {
            return None;
        }
        let items_line = line_starts().find(|&i| bytes[i..].starts_with(b"items:\n"))?;
        let items = items_line + "items:\n".len();
        if !bytes[items..].starts_with(b"- ") {
            return None;
        }
        // The items run until a line at the margin that is neither an item, a comment nor empty.
        let mut end = bytes.len();
        let mut middle = None;
        let half = items + (bytes.len() - items) / 2;
        for i in memchr::memchr_iter(b'\n', &bytes[items..]).map(|i| items + i + 1) {
            match bytes.get(i) {
                None | Some(b' ' | b'#' | b'\n') => {}
                Some(b'-') if bytes[i..].starts_with(b"- ") => {
                    if middle.is_none() && i >= half {
                        middle = Some(i);
                    }
                }
                Some(_) => {
                    end = i;
                    break;
                }
            }
        }
        let middle = middle.filter(|&m| m < end)?;
        Some(Cut { items_line, items, middle, end })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Cut or not, a List reads the same: items of several shapes on both sides of the cut.
    #[test]
    fn a_cut_list_reads_as_the_whole() {
        let item = |i: usize| {
            std::format!(
                "- apiVersion: v1\n  kind: Pod\n  metadata:\n    name: p{i}\n    namespace: a\n    labels:\n      \
                 app: web{}\n    annotations:\n      note: |\n        - not an item\n  spec:\n    containers:\n    \
                 - ports:\n      - containerPort: {}\n        name: http\n  status:\n    podIP: 10.0.{}.{}\n",
                i % 3,
                8000 + i,
                i / 256,
                i % 256
            )
        };
        let items: std::string::String = (0..40).map(item).collect();
        let text = std::format!(
            "apiVersion: v1\nitems:\n{items}- apiVersion: v1\n  kind: Namespace\n  metadata: {{name: a}}\n\
             kind: List\nmetadata:\n  resourceVersion: \"\"\n"
        );
        let whole = with_node_budget(1000, || events::documents::<Node>(&text, 64)).expect("plain YAML");
        let cut = documents_cut(&text, 64, 1000).expect("a List of two halves");
        assert_eq!(std::format!("{cut:?}"), std::format!("{whole:?}"));
        assert!(matches!(&cut[..], [Node::List(items)] if items.len() == 41));
        // Not a List after all: the caller reads it whole.
        let not_a_list = text.replace("kind: List\n", "kind: Pod\n");
        assert!(documents_cut(&not_a_list, 64, 1000).is_none());
        // Too many items for half the node budget: read whole.
        assert!(documents_cut(&text, 64, 30).is_none());
    }

    /// Cut or not, a stream of documents reads the same, wherever the cuts fall: documents of
    /// several shapes, empty ones, comments, `---` inside scalars' text, a final `...`.
    #[test]
    fn a_cut_stream_reads_as_the_whole() {
        let document = |i: usize| {
            std::format!(
                "---{}\napiVersion: v1\nkind: Pod\nmetadata:\n  name: p{i}\n  namespace: a\n  annotations:\n    \
                 note: |\n      --- not a document\n    other: \"x --- y\"\nspec:\n  containers:\n  - ports:\n    \
                 - containerPort: {}\nstatus:\n  podIP: 10.0.{}.{}\n{}",
                if i % 4 == 0 { " # a comment" } else { "" },
                8000 + i,
                i / 256,
                i % 256,
                if i % 5 == 0 { "---\n" } else { "" },
            )
        };
        let text: std::string::String = (0..60).map(document).chain([std::string::String::from("...\n")]).collect();
        let whole = with_node_budget(1000, || events::documents::<Node>(&text, 64)).expect("plain YAML");
        assert_eq!(whole.len(), 60);
        for pieces in [2, 3, 7, 60, 200] {
            let cut = stream_cut(&text, 64, 1000, pieces).expect("a stream of documents");
            assert_eq!(std::format!("{cut:?}"), std::format!("{whole:?}"), "{pieces} pieces");
        }
        // A directive, one document, or a piece over its share of the node budget: read whole.
        assert!(stream_cut(&std::format!("%YAML 1.2\n{text}"), 64, 1000, 2).is_none());
        assert!(stream_cut(&document(1), 64, 1000, 2).is_none());
        assert!(stream_cut(&text, 64, 40, 2).is_none());
        // A piece that does not parse (a flow mapping cut open by a line that only looks like
        // `---`, which YAML forbids there) fails the cut, so the caller reports it whole.
        let broken = std::format!("{text}---\n{{a: 1,\n--- b: 2}}\n");
        assert!(stream_cut(&broken, 64, 1000, 2).is_none());
    }

    #[test]
    fn finds_a_kubectl_list_and_nothing_else() {
        let text = "apiVersion: v1\nitems:\n- a: 1\n  b: |\n    x\n- c: 2\n# note\n- d: 3\n- e: 4\nkind: List\n";
        let cut = Cut::find(text).expect("a List");
        assert_eq!(&text[cut.items_line..cut.items], "items:\n");
        assert!(text[cut.middle..].starts_with("- "), "{cut:?}");
        assert!(cut.middle > cut.items && cut.middle < cut.end);
        assert_eq!(&text[cut.end..], "kind: List\n");
        for other in [
            "items:\n  - a: 1\n  - b: 2\n",             // indented sequence
            "items: [a, b]\n",                          // flow sequence
            "---\nitems:\n- a: 1\n- b: 2\n",            // explicit document
            "items:\n- a: 1\n---\nitems:\n- b: 2\n",    // two documents
            "%YAML 1.2\n---\nitems:\n- a: 1\n- b: 2\n", // directive
            "items:\n- a: 1\nkind: List\n",             // one item
        ] {
            assert_eq!(Cut::find(other), None, "{other:?}");
        }
    }
}
