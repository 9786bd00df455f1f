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

use alloc::vec::Vec;

use super::decode::{with_node_budget, Node};
use super::events;

/// Below this size one thread reads the text.
const MIN_PARALLEL_BYTES: usize = 16 << 20;

/// The documents of `text` as [`events::documents`] reads them; a large List is read on two
/// threads, each with half of `node_budget`. `None` when the text is not of that shape, or
/// something in it is to be read by one reader over the whole text.
pub(super) fn documents(text: &str, max_depth: usize, node_budget: usize) -> Option<Vec<Node>> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    if text.len() < MIN_PARALLEL_BYTES || cores < 2 {
        return None;
    }
    documents_cut(text, max_depth, node_budget)
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
