#!/usr/bin/env bash
# Runs a fuzz target for a given time: fuzz/run.sh TARGET SECONDS, or fuzz/run.sh all SECONDS
# (each target in turn). Needs cargo-fuzz and a nightly toolchain. Seeds the corpus when empty;
# crashes go to fuzz/artifacts/TARGET/, the log to fuzz/logs/TARGET-<UTC time>.log.
# NO_BUILD=1 runs the binary already built (so edits in progress elsewhere cannot break a run).
set -euo pipefail
cd "$(dirname "$0")"
targets=(load differential explain c_api flows)
[ $# -eq 2 ] || { echo "usage: fuzz/run.sh TARGET|all SECONDS (targets: ${targets[*]})" >&2; exit 2; }
what=$1 seconds=$2
if [ "$what" = all ]; then
    for t in "${targets[@]}"; do "$0" "$t" "$seconds"; done
    exit 0
fi
[[ " ${targets[*]} " == *" $what "* ]] || { echo "unknown target $what (targets: ${targets[*]})" >&2; exit 2; }
[ -d "corpus/$what" ] && [ -n "$(ls -A "corpus/$what")" ] || ./seed.sh
mkdir -p "artifacts/$what" logs
log="logs/$what-$(date -u +%Y%m%dT%H%M%SZ).log"
# -a: debug assertions (integer overflow) on. -rss_limit_mb/-timeout: a run over 2 GiB or 10 s
# per input is a finding too. -max_len: clusters bigger than 64 KiB add nothing but slowness.
flags=(-max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -max_len=65536 -print_final_stats=1)
echo "fuzz/run.sh: $what for ${seconds}s from $(date -u +%H:%M:%SZ); log $log" >&2
if [ "${NO_BUILD:-0}" = 1 ]; then
    bin=target/x86_64-unknown-linux-gnu/release/$what
    "$bin" -artifact_prefix="artifacts/$what/" "${flags[@]}" "corpus/$what" >"$log" 2>&1 || status=$?
else
    cargo +nightly fuzz run -a "$what" -- "${flags[@]}" >"$log" 2>&1 || status=$?
fi
tail -n 60 "$log" | grep -aE '^(stat::|#[0-9]+.DONE|Done|==[0-9]+==|SUMMARY)' || true
echo "fuzz/run.sh: $what ended at $(date -u +%H:%M:%SZ) with status ${status:-0}" | tee -a "$log" >&2
exit "${status:-0}"
