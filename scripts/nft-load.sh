#!/usr/bin/env bash
# Measures what loading an exported nftables ruleset costs: `nft -f` wall time and the kernel
# memory it takes (Slab + VmallocUsed + Percpu of /proc/meminfo, before and after, in a fresh
# network namespace that is deleted afterwards). Root only.
#
#   scripts/nft-load.sh RULESET.nft [RUNS]      e.g. netpol export nftables c10k.json > c10k.nft
set -euo pipefail
ruleset=$1
runs=${2:-3}
ns="netpol-nft-load-$$"
kernel_kb() { awk '/^(Slab|VmallocUsed|Percpu):/ { s += $2 } END { print s }' /proc/meminfo; }
trap 'ip netns delete "$ns" 2>/dev/null || true' EXIT
for run in $(seq "$runs"); do
    ip netns add "$ns"
    sleep 1
    before=$(kernel_kb)
    start=$(date +%s.%N)
    ip netns exec "$ns" nft -f "$ruleset"
    end=$(date +%s.%N)
    sleep 1
    after=$(kernel_kb)
    printf 'run %d: nft -f %.2f s, kernel memory +%d KB\n' "$run" "$(awk -v a="$start" -v b="$end" 'BEGIN { print b - a }')" "$((after - before))"
    ip netns delete "$ns"
done
