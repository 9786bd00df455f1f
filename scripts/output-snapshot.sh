#!/usr/bin/env bash
# Record every machine-readable (and text) output of the CLI over examples/ into one directory,
# so that a refactoring can show its outputs unchanged:
#   scripts/output-snapshot.sh path/to/netpol /tmp/before
#   ... change, rebuild ...
#   scripts/output-snapshot.sh path/to/netpol /tmp/after && diff -r /tmp/before /tmp/after
set -uo pipefail
bin=$1 out=$2
cd "$(dirname "$0")/.."
mkdir -p "$out"
n=0
run() { # name, then the arguments; stdout, stderr and the exit code go to $out/name.*
  local name=$1; shift
  "$bin" "$@" >"$out/$name.out" 2>"$out/$name.err"
  echo $? >"$out/$name.rc"
  n=$((n + 1))
}
for c in examples/cluster.yaml examples/gaps/cluster.yaml examples/dual-stack/cluster.yaml \
  examples/dual-stack/issue-15-reproducer.yaml examples/pr/after; do
  tag=$(echo "$c" | tr '/.' '__')
  for fmt in table json csv; do
    run "matrix-$tag-$fmt" matrix "$c" --port 80 -o "$fmt"
    run "connectivity-$tag-$fmt" connectivity "$c" -o "$fmt"
  done
  run "matrix-$tag-udp53" matrix "$c" --port 53 --protocol udp -o json
  run "matrix-$tag-selfeval" matrix "$c" --port 8080 --self-traffic evaluate -o csv
  run "matrix-$tag-ignore" matrix "$c" --port 443 --ipblock-pod-ips ignore -o json
  for fmt in text json; do run "audit-$tag-$fmt" audit "$c" -o "$fmt"; done
  for fmt in dot mermaid json; do run "graph-$tag-$fmt" graph "$c" -o "$fmt"; done
done
c=examples/cluster.yaml
for pair in "shop/frontend-6c8f9b7d4-2lmnp shop/api-7f6d5c8b9-4kx8m 8080" \
  "shop/api-7f6d5c8b9-4kx8m shop/postgres-0 5432" "10.0.0.1 shop/frontend-6c8f9b7d4-2lmnp 80" \
  "shop/frontend-6c8f9b7d4-2lmnp 8.8.8.8 443" "shop/api-7f6d5c8b9-4kx8m kube-system/coredns-5d78c9869d-7xk2p 53"; do
  set -- $pair
  tag=$(echo "$1-$2-$3" | tr '/.' '__')
  for fmt in text json; do run "check-$tag-$fmt" check "$c" --from "$1" --to "$2" --port "$3" -o "$fmt"; done
done
for fmt in text json; do
  run "check-ds-$fmt" check examples/dual-stack/issue-15-reproducer.yaml --from 10.0.0.2 --to x/a --port 80 -o "$fmt"
  run "check-ds6-$fmt" check examples/dual-stack/issue-15-reproducer.yaml --from fd00:1::2 --to x/a --port 80 -o "$fmt"
done
for fmt in text json junit; do run "verify-$fmt" verify "$c" --expect examples/expectations.yaml -o "$fmt"; done
for fmt in text json; do
  run "diff-pr-$fmt" diff --before examples/pr/before --after examples/pr/after -o "$fmt"
  for f in examples/flows/hubble.jsonl examples/flows/flows.csv; do
    tag=$(echo "$f" | tr '/.' '__')
    run "flows-$tag-$fmt" flows "$c" examples/flows/broken --flows "$f" -o "$fmt"
    run "flows-ok-$tag-$fmt" flows "$c" --flows "$f" -o "$fmt"
  done
done
for fmt in yaml json; do
  run "suggest-$fmt" suggest "$c" --flows examples/flows/hubble.jsonl -o "$fmt"
  run "suggest-csv-$fmt" suggest "$c" --flows examples/flows/flows.csv -o "$fmt"
done
for w in "--to shop/deployment/api" "--from shop/frontend-6c8f9b7d4-2lmnp" "--to 10.0.0.1" \
  "--to shop/postgres-0" "--from monitoring/statefulset/prometheus"; do
  tag=$(echo "$w" | tr '/. -' '____')
  for fmt in text json; do run "reach-$tag-$fmt" reach "$c" $w -o "$fmt"; done
done
run generate generate --namespaces 3 --pods-per-namespace 4 --policies 5 --seed 7
echo "$n outputs in $out"
