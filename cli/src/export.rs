//! `netpol export nftables`: the compiled decision structure as an nftables ruleset, to load
//! with `nft -f` where every pod's traffic crosses (see `netpol::NftRuleset`).

use std::fmt;
use std::io::{self, Write};

use clap::{Args, Subcommand, ValueEnum};
use netpol::NftOptions;

use crate::input::InputArgs;
use crate::{output, Outcome};

/// Arguments of `netpol export`.
#[derive(Args, Debug)]
pub struct ExportArgs {
    #[command(subcommand)]
    format: ExportFormat,
}

/// What `netpol export` writes.
#[derive(Subcommand, Debug)]
enum ExportFormat {
    /// An nftables ruleset (`nft -f` text) enforcing the decisions: load it in a router or
    /// bridge every pod's traffic crosses.
    Nftables(NftablesArgs),
}

/// Arguments of `netpol export nftables`.
#[derive(Args, Debug)]
struct NftablesArgs {
    #[command(flatten)]
    input: InputArgs,
    /// The `inet` table's name; loading the ruleset replaces the table of this name.
    #[arg(long, default_value = "netpol", value_parser = table_name)]
    table: String,
    /// `text` for `nft -f`, or `json` for `nft -j -f` (libnftables JSON).
    #[arg(short = 'o', long = "output", value_enum, default_value = "text")]
    output: NftFormat,
    /// Also print the ruleset's size (map and set elements, chains, rules) on stderr.
    #[arg(long)]
    stats: bool,
}

/// Output formats of `netpol export nftables`.
#[derive(Clone, Copy, Debug, ValueEnum)]
enum NftFormat {
    /// The nftables language, for `nft -f`.
    Text,
    /// libnftables JSON, for `nft -j -f`.
    Json,
}

/// An nftables identifier: a letter, then letters, digits and `_`, at most 63 characters.
fn table_name(text: &str) -> Result<String, String> {
    let mut chars = text.chars();
    let ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && text.len() <= 63;
    if ok {
        Ok(text.to_owned())
    } else {
        Err("a table name is a letter, then letters, digits or '_', at most 63 characters".to_owned())
    }
}

/// Runs `netpol export`.
pub fn run(args: ExportArgs) -> Outcome {
    match args.format {
        ExportFormat::Nftables(args) => nftables(args),
    }
}

fn nftables(args: NftablesArgs) -> Outcome {
    let Some(engine) = args.input.engine() else { return Outcome::BadInput };
    let ruleset = engine.nftables(&NftOptions { table: args.table });
    if args.stats {
        let s = ruleset.stats();
        output::eprint(&format!(
            "nftables: {} address elements, {} verdict elements, {} row chains with {} set elements, {} chains, {} rules\n",
            s.address_elements, s.verdict_elements, s.row_chains, s.row_elements, s.chains, s.rules
        ));
    }
    let format = args.output;
    output::write_with(
        |out| {
            write_fmt_to_io(out, |w| match format {
                NftFormat::Text => ruleset.write_text(w),
                NftFormat::Json => ruleset.write_json(w),
            })
        },
        Outcome::Ok,
    )
}

/// Runs a `fmt::Write` writer against `out`, keeping the first I/O error (a `fmt::Error` says
/// only that something failed).
pub fn write_fmt_to_io(out: &mut dyn Write, write: impl FnOnce(&mut IoFmt<'_>) -> fmt::Result) -> io::Result<()> {
    let mut adapter = IoFmt { out, error: None };
    match write(&mut adapter) {
        Ok(()) => Ok(()),
        Err(fmt::Error) => Err(adapter.error.unwrap_or_else(|| io::Error::other("formatting failed"))),
    }
}

/// A `fmt::Write` over an `io::Write` that remembers the I/O error.
pub struct IoFmt<'a> {
    out: &'a mut dyn Write,
    error: Option<io::Error>,
}

impl fmt::Write for IoFmt<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.out.write_all(s.as_bytes()).map_err(|e| {
            self.error = Some(e);
            fmt::Error
        })
    }
}
