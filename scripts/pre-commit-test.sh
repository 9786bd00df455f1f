#!/usr/bin/env bash
# pre-commit-test.sh PRE_COMMIT NETPOL WORKDIR — the hooks of .pre-commit-hooks.yaml as a user
# meets them: a temporary git repository of manifests whose .pre-commit-config.yaml names this
# repository (at its HEAD) and both hooks; pre-commit (the PyPI package) clones it and runs them.
# Checks that the hooks pass on good manifests, fail on findings (audit) and on a broken
# expectation (verify) with the reason in the output, and refuse to run without manifests.
set -euo pipefail
[ $# -eq 3 ] || { echo "usage: $0 PRE_COMMIT NETPOL WORKDIR" >&2; exit 2; }
pre_commit=$1
netpol_bin=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
cd "$(dirname "$0")/.."
root=$PWD
rev=$(git rev-parse HEAD)
work=$3
rm -rf "$work"
mkdir -p "$work/repo/deploy"
export PRE_COMMIT_HOME=$work/cache
fail() { echo "pre-commit test: $*" >&2; exit 1; }

cd "$work/repo"
git init -q
git config user.email ci@example.invalid
git config user.name ci
cp "$root/examples/cluster.yaml" deploy/cluster.yaml
cp "$root/examples/expectations.yaml" expectations.yaml
config() {  # config AUDIT_ARGS...: both hooks, the audit with these extra args
    {
        echo "repos:"
        echo "- repo: $root"
        echo "  rev: $rev"
        echo "  hooks:"
        echo "  - id: netpol-audit"
        local args=""
        for a in "$@"; do args+="$a, "; done
        echo "    args: [${args}deploy/]"
        echo "  - id: netpol-verify"
        echo "    args: [--expect, expectations.yaml, deploy/]"
    } > .pre-commit-config.yaml
}
run() { NETPOL=$netpol_bin "$pre_commit" run --all-files --color never > "$work/out.txt" 2>&1; }

# The example has a warning (monitoring is not isolated for egress): the default gate fails on it.
config
git add -A && git commit -qm manifests
if run; then cat "$work/out.txt"; fail "netpol-audit passed on a warning"; fi
grep -q "NP102" "$work/out.txt" || { cat "$work/out.txt"; fail "the audit's output does not name NP102"; }
grep -Eq "^netpol verify\.+Passed" "$work/out.txt" || { cat "$work/out.txt"; fail "netpol-verify did not pass on the example"; }

# Gated on errors only, both pass.
config --fail-on error
git add -A && git commit -qm "audit: errors only"
run || { cat "$work/out.txt"; fail "the hooks failed on the example with --fail-on error"; }
grep -Eq "^netpol audit\.+Passed" "$work/out.txt" || { cat "$work/out.txt"; fail "netpol-audit did not pass"; }

# A change that breaks an expectation: the api no longer reaches postgres.
sed -i 's/^      app: api$/      app: api-renamed/' deploy/cluster.yaml  # the pods' labels, not the selectors
git add -A && git commit -qm "break the api"
if run; then cat "$work/out.txt"; fail "netpol-verify passed on a broken expectation"; fi
grep -Eq "^netpol verify\.+Failed" "$work/out.txt" || { cat "$work/out.txt"; fail "netpol-verify did not fail"; }
grep -q "FAIL" "$work/out.txt" || { cat "$work/out.txt"; fail "the verify output does not show the failing expectation"; }

# No manifests in args: a clear refusal.
printf 'repos:\n- repo: %s\n  rev: %s\n  hooks:\n  - id: netpol-audit\n' "$root" "$rev" > .pre-commit-config.yaml
git add -A && git commit -qm "no args"
if run; then cat "$work/out.txt"; fail "the hook ran without manifests"; fi
grep -q "no manifests to read" "$work/out.txt" || { cat "$work/out.txt"; fail "no clear message without manifests"; }
echo "pre-commit: netpol-audit and netpol-verify pass, fail and refuse as expected ($("$pre_commit" --version))"
