//! `kubectl-netpol`: netpol as a kubectl plugin. With it on PATH, `kubectl netpol audit -` runs
//! `netpol audit -` (kubectl finds plugins by their `kubectl-` name); usage lines say
//! `kubectl netpol`.

use std::process::ExitCode;

/// As in `netpol` (see its main.rs).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    ExitCode::from(netpol_cli::run(std::env::args_os(), "kubectl netpol"))
}
