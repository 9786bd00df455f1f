#!/usr/bin/env bash
# The test command's fuzz step: builds every fuzz target (cargo-fuzz, nightly, ASan, debug
# assertions) and replays the seed corpus through each once (libFuzzer -runs=0), so the targets
# keep building and every seed and regression input keeps passing. Long runs: fuzz/run.sh.
# Usage: fuzz/smoke.sh [TARGET_DIR]
set -euo pipefail
cd "$(dirname "$0")"
targets=(load differential explain c_api flows)
target_dir=${1:-target}
./seed.sh >/dev/null
for t in "${targets[@]}"; do
    log="$target_dir/smoke-$t.log"
    mkdir -p "$target_dir"
    if cargo +nightly fuzz run -a --target-dir "$target_dir" "$t" "corpus/$t" -- \
        -runs=0 -rss_limit_mb=2048 -timeout=10 -max_len=65536 >"$log" 2>&1; then
        inputs=$(grep -aoE 'INITED (exec|cov)[^$]*' "$log" | tail -n 1 || true)
        printf '  ok    %-12s %s seeds; %s\n' "$t" "$(ls "corpus/$t" | wc -l)" "${inputs:-replayed}"
    else
        echo "  FAIL  $t: see $log" >&2
        tail -n 40 "$log" >&2
        exit 1
    fi
done
