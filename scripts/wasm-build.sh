#!/usr/bin/env bash
# wasm-build.sh OUT_DIR — builds the netpol-wasm crate into a wasm-bindgen package in OUT_DIR:
#   1. cargo build for wasm32-unknown-unknown with Debian's rustc (std rebuilt from rust-web-src
#      with -Zbuild-std; rustup cannot add the target here), linked by wasm-ld-22;
#   2. wasm-bindgen --target web (the CLI must equal the wasm-bindgen in Cargo.lock);
#   3. wasm-opt -Oz (npm binaryen; Debian's binaryen 108 is too old for this output).
# Run scripts/setup.sh first. Knobs: WASM_PROFILE (default wasm: the small profile in
# Cargo.toml), WASM_CARGO_FLAGS, WASM_OPT=0 to skip wasm-opt.
# Takes about 40 s cold (std is rebuilt once per target dir), about 1 s when nothing changed.
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: $0 OUT_DIR" >&2; exit 2; }
mkdir -p "$1"
out=$(cd "$1" && pwd)
cd "$(dirname "$0")/.."
root=$PWD

profile=${WASM_PROFILE:-wasm}
tools=${NETPOL_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/netpol/tools}
bindgen=${CARGO_HOME:-$HOME/.cargo}/bin/wasm-bindgen
wasm_opt=$tools/node_modules/.bin/wasm-opt
target_dir=${CARGO_TARGET_DIR:-$root/target}/wasm-debian
for f in /usr/bin/rustc /usr/bin/cargo /usr/bin/wasm-ld-22 "$bindgen"; do
    [ -x "$f" ] || { echo "wasm-build: $f is missing: run scripts/setup.sh" >&2; exit 1; }
done

# Debian's cargo and rustc, never rustup's proxies; a RUSTFLAGS meant for the host build is not
# passed on (it would also rebuild std).
# shellcheck disable=SC2086
env -u RUSTUP_TOOLCHAIN -u RUSTFLAGS RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc RUSTC_BOOTSTRAP=1 \
    CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER=/usr/bin/wasm-ld-22 CARGO_TARGET_DIR="$target_dir" \
    /usr/bin/cargo build --profile "$profile" --target wasm32-unknown-unknown -Zbuild-std=std,panic_abort \
    -p netpol-wasm --lib ${WASM_CARGO_FLAGS:-}
profile_dir=$profile; [ "$profile" = dev ] && profile_dir=debug
wasm_in=$target_dir/wasm32-unknown-unknown/$profile_dir/netpol_wasm.wasm

want=$(awk '/^name = "wasm-bindgen"$/ {getline; gsub(/version = |"/, ""); print; exit}' Cargo.lock)
have=$("$bindgen" --version | awk '{print $2}')
[ "$want" = "$have" ] || { echo "wasm-build: Cargo.lock pins wasm-bindgen $want but the CLI is $have: run scripts/setup.sh" >&2; exit 1; }
"$bindgen" --target web --out-dir "$out" "$wasm_in"

if [ "${WASM_OPT:-1}" = 1 ]; then
    [ -x "$wasm_opt" ] || { echo "wasm-build: $wasm_opt is missing: run scripts/setup.sh" >&2; exit 1; }
    before=$(stat -c %s "$out/netpol_wasm_bg.wasm")
    "$wasm_opt" -Oz "$out/netpol_wasm_bg.wasm" -o "$out/netpol_wasm_bg.wasm.opt"
    mv "$out/netpol_wasm_bg.wasm.opt" "$out/netpol_wasm_bg.wasm"
    echo "wasm-build: wasm-opt -Oz $before -> $(stat -c %s "$out/netpol_wasm_bg.wasm") bytes in $out"
fi
