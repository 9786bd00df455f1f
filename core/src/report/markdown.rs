//! Pieces of the GitHub-flavoured Markdown forms (`to_markdown`), written to read well as a
//! pull-request comment: a one-line summary first, tables, and long parts folded in
//! `<details>`.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::Write as _;

/// Rows of a table shown open; a longer one is folded in `<details>`.
pub const FOLD_ROWS: usize = 20;

/// `text` made safe for a table cell: `|` escaped, line breaks as `<br>`, `<` and `>` as
/// entities (so an explanation cannot open an HTML tag).
pub fn cell(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.trim_end().chars() {
        match c {
            '|' => out.push_str("\\|"),
            '\n' => out.push_str("<br>"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out
}

/// The longest run of backticks in `text`: a fence around it needs one more.
fn longest_backtick_run(text: &str) -> usize {
    let (mut longest, mut run) = (0, 0);
    for c in text.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    longest
}

/// `` `name` `` as a code span, with enough backticks around it for the backticks inside.
pub fn code(text: &str) -> String {
    let fence = "`".repeat(longest_backtick_run(text) + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') { " " } else { "" };
    alloc::format!("{fence}{pad}{text}{pad}{fence}")
}

/// A table: the header row, the separator and one row per entry, each cell passed through
/// [`cell`].
pub fn table(out: &mut String, header: &[&str], rows: impl IntoIterator<Item = Vec<String>>) {
    let _ = writeln!(out, "| {} |", header.join(" | "));
    let _ = writeln!(out, "|{}", " --- |".repeat(header.len()));
    for row in rows {
        let cells: Vec<String> = row.iter().map(|c| cell(c)).collect();
        let _ = writeln!(out, "| {} |", cells.join(" | "));
    }
}

/// Opens a `<details>` block (folded unless `open`) with `summary`; the Markdown that follows,
/// up to [`close_details`], is its body.
pub fn open_details(out: &mut String, summary: &str, open: bool) {
    let open = if open { " open" } else { "" };
    // The blank line lets GitHub render the Markdown inside the HTML block.
    let summary = summary.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
    let _ = writeln!(out, "<details{open}><summary>{summary}</summary>\n");
}

/// Closes a block of [`open_details`].
pub fn close_details(out: &mut String) {
    out.push_str("\n</details>\n\n");
}

/// A fenced code block holding `text` as is (the fence longer than any backtick run in it).
pub fn code_block(out: &mut String, text: &str) {
    let fence = "`".repeat((longest_backtick_run(text) + 1).max(3));
    let _ = writeln!(out, "{fence}text\n{}\n{fence}", text.trim_end());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_and_code_cannot_break_out() {
        assert_eq!(cell("a|b\nc <b>"), "a\\|b<br>c &lt;b&gt;");
        assert_eq!(code("x"), "`x`");
        assert_eq!(code("a`b"), "``a`b``");
        assert_eq!(code("`a"), "`` `a ``");
        let mut out = String::new();
        code_block(&mut out, "one ``` two");
        assert!(out.starts_with("````text\n") && out.ends_with("\n````\n"), "{out}");
    }
}
