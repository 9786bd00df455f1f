#!/usr/bin/env bash
# no-std-check.sh — proves that the core crate (netpol, without its default std feature) builds
# for a target that has no std at all: x86_64-unknown-none, with only core and alloc rebuilt
# from Debian's rust-web-src (-Zbuild-std=core,alloc). If anything in the crate's graph needs
# std, rustc fails with "can't find crate for `std`", so a pass is a proof, not a lint.
# `-p netpol` alone from the workspace (resolver 2) keeps other members' features out; the crate's
# own warnings (code that only std uses, say) are errors.
# Run scripts/setup.sh first. About 25 s cold, under a second warm.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
[ -x /usr/bin/rustc ] && [ -x /usr/bin/cargo ] || { echo "no-std-check: Debian's rustc-web is missing: run scripts/setup.sh" >&2; exit 1; }
env -u RUSTUP_TOOLCHAIN -u RUSTFLAGS RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc RUSTC_BOOTSTRAP=1 \
    CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}/nostd-debian" \
    /usr/bin/cargo rustc -p netpol --lib --no-default-features --target x86_64-unknown-none \
    -Zbuild-std=core,alloc -- -D warnings
echo "no-std-check: netpol builds for x86_64-unknown-none without std"
