//! The `netpol` command (see the library, `netpol_cli`, for everything it does).

use std::process::ExitCode;

/// mimalloc: loading a large cluster makes and drops millions of small strings and vectors, and
/// glibc's allocator spent about a third of a 100,000-pod run consolidating and unlinking them.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    ExitCode::from(netpol_cli::run(std::env::args_os(), "netpol"))
}
