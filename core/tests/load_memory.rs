//! What a load holds per object it will not keep: a flood of `{}` or of objects of kinds netpol
//! does not read, within the default limits, must cost a few dozen bytes each while the input
//! is read, not a decoded object each (2,000,000 `{}` in a 6 MB array once took 1.14 GB).
//!
//! The heap is measured by a counting allocator (this test binary's own), so the bound is
//! exact and does not depend on the machine or its load.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use netpol::k8s::{LoadOptions, Loader};

/// Tracks the bytes in use and their peak since [`Peak::reset`].
struct Peak;

static IN_USE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Peak {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let now = IN_USE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
        PEAK.fetch_max(now, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        IN_USE.fetch_sub(layout.size(), Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Peak = Peak;

/// One measurement at a time: the counters are process-wide.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// The heap the load of `text` takes at its peak beyond what was in use before (the text is
/// already allocated), and the load's errors or warnings. The caller holds [`ONE_AT_A_TIME`].
fn peak_of_load(text: &str) -> (usize, Result<String, String>) {
    let before = IN_USE.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    let mut loader = Loader::new(LoadOptions::default());
    loader.add_str(text, "flood");
    let result = match loader.finish() {
        Ok(cluster) => Ok(cluster.warnings().iter().map(|w| w.to_string()).collect::<Vec<_>>().join("\n")),
        Err(e) => Err(e.to_string()),
    };
    (PEAK.load(Ordering::Relaxed) - before, result)
}

const N: usize = 100_000;

/// At most this many heap bytes per flood entry while loading: a 32-byte node in a vector
/// that grows by doubling, and for an object of another kind its kind's name (a decoded
/// object held whole took about 500).
const BYTES_PER_ENTRY: usize = 80;

#[test]
fn a_flood_of_objects_without_kind_holds_a_few_bytes_each() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let array = format!("[{}]", vec!["{}"; N].join(","));
    let stream = "{}\n".repeat(N);
    let yaml = "--- {}\n".repeat(N);
    for (form, text) in [("JSON array", array), ("JSON stream", stream), ("YAML documents", yaml)] {
        let (peak, result) = peak_of_load(&text);
        let error = result.expect_err("not Kubernetes objects");
        assert!(error.contains("an object without `kind`"), "{form}: {error}");
        assert!(error.contains(&format!("{} more problems not shown", N - 1000)), "{form}: {error}");
        assert!(peak <= N * BYTES_PER_ENTRY, "{form}: {peak} bytes at the peak for {N} entries");
    }
}

#[test]
fn objects_of_kinds_not_read_are_counted_not_held() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let object =
        r#"{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "namespace": "a"}, "data": {"k": "v"}}"#;
    let array = format!(r#"{{"kind": "List", "items": [{}]}}"#, vec![object; N].join(","));
    let yaml = format!("---\n{object}\n").repeat(N);
    for (form, text) in [("JSON List", array), ("YAML documents", yaml)] {
        let (peak, result) = peak_of_load(&text);
        let warnings = result.expect("objects of other kinds are skipped");
        assert!(
            warnings.contains(&format!("skipped {N} objects of kinds netpol does not read: ConfigMap ({N})")),
            "{form}: {warnings}"
        );
        assert!(peak <= N * BYTES_PER_ENTRY, "{form}: {peak} bytes at the peak for {N} entries");
    }
}
