#!/usr/bin/env bash
# The pre-commit hooks' entry (.pre-commit-hooks.yaml): `pre-commit-hook.sh SUBCOMMAND ARGS...`
# runs `netpol SUBCOMMAND ARGS...`. netpol comes from $NETPOL, else from PATH, else it is built
# once with cargo inside the hook's checkout (pre-commit keeps it) and reused.
set -euo pipefail
[ $# -ge 1 ] || { echo "netpol hook: usage: pre-commit-hook.sh SUBCOMMAND ARGS..." >&2; exit 2; }
# Manifests are the arguments that name existing files or directories, other than the values of
# options that take a file.
inputs=0
skip=0
for a in "${@:2}"; do
    if [ "$skip" = 1 ]; then skip=0; continue; fi
    case "$a" in
        --expect | --flows | --dns-map) skip=1 ;;
        -*) ;;
        *) [ -e "$a" ] && inputs=$((inputs + 1)) ;;
    esac
done
if [ "$inputs" -eq 0 ]; then
    echo "netpol hook: no manifests to read: give them in the hook's args, e.g. args: [deploy/]" >&2
    exit 2
fi
bin=${NETPOL:-}
if [ -z "$bin" ]; then
    bin=$(command -v netpol || true)
fi
if [ -z "$bin" ]; then
    repo=$(cd "$(dirname "$0")/.." && pwd)
    bin=$repo/target/release/netpol
    if [ ! -x "$bin" ]; then
        command -v cargo >/dev/null || { echo "netpol hook: netpol is not on PATH and cargo is missing to build it (https://rustup.rs)" >&2; exit 2; }
        echo "netpol hook: building netpol once (cargo build --release; a few minutes)" >&2
        (cd "$repo" && env -u CARGO_TARGET_DIR cargo build --release --locked -q -p netpol-cli) >&2
    fi
fi
exec "$bin" "$@"
