//! Cleanup on signals: SIGINT, SIGTERM and SIGHUP are blocked in every thread and waited for
//! by one thread, which deletes the lab's namespaces and exits with 128 + the signal's number.
//! Child processes inherit the blocked mask: `ip` and `nft` do not care, and the NFQUEUE
//! program unblocks what it handles.

use nix::sys::signal::{SigSet, Signal};

use super::topology::{delete, Made};

/// Starts the guard over `made`: call before any other thread starts, so all inherit the mask.
pub fn install(made: Made) -> Result<(), String> {
    let mut set = SigSet::empty();
    for signal in [Signal::SIGINT, Signal::SIGTERM, Signal::SIGHUP] {
        set.add(signal);
    }
    set.thread_block().map_err(|e| format!("cannot block signals: {e}"))?;
    std::thread::Builder::new()
        .name("lab-signals".into())
        .spawn(move || {
            let Ok(signal) = set.wait() else { return };
            let names = std::mem::take(&mut *made.lock().unwrap_or_else(|e| e.into_inner()));
            let outcome = match delete(&names) {
                Ok(()) => "removed the lab's network namespaces".to_owned(),
                Err(e) => format!("removing the lab's network namespaces failed: {e}"),
            };
            crate::output::eprint(&format!("netpol lab: {signal}: {outcome}\n"));
            std::process::exit(128 + signal as i32);
        })
        .map_err(|e| format!("cannot start the signal guard: {e}"))?;
    Ok(())
}
