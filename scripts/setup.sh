#!/usr/bin/env bash
# Installs, only when missing, everything netpol's test command needs beyond Rust (rustup's
# stable and nightly), gcc, Python 3 and node 20:
#   apt     rustc-web cargo-web rust-web-src libstd-rust-web-dev  (Debian's Rust 1.96 with the
#           library sources: builds the wasm package and the bare-metal no_std check with
#           -Zbuild-std, since rustup cannot download targets here), lld-22 (wasm-ld-22),
#           chromium (the playground's browser test), graphviz (netpol graph's rendering test),
#           nftables iproute2 iptables libnetfilter-queue-dev (netpol lab and the NFQUEUE
#           dataplane)
#   cargo   wasm-bindgen-cli at the version Cargo.lock pins (built with Debian's cargo),
#           cargo-fuzz (built with rustup's stable)
#   npm     binaryen (wasm-opt) and playwright-core, into $NETPOL_TOOLS_DIR
# Idempotent: a second run checks versions and installs nothing (about a second). Each step
# says up front how long it takes when it has work to do (measured on the 2-core machine).
set -euo pipefail
cd "$(dirname "$0")/.."

RUST_DEB_VERSION=${RUST_DEB_VERSION-1.96.0+dfsg1-1~deb12u2}
BINARYEN_VERSION=132.0.0        # Debian's binaryen 108 breaks the page (Table.grow fails)
PLAYWRIGHT_CORE_VERSION=1.65.1
NETPOL_TOOLS_DIR=${NETPOL_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/netpol/tools}
CARGO_BIN=${CARGO_HOME:-$HOME/.cargo}/bin

export DEBIAN_FRONTEND=noninteractive NEEDRESTART_MODE=a
export npm_config_fund=false npm_config_audit=false npm_config_update_notifier=false npm_config_progress=false
exec </dev/null

t0=$(date +%s)
# A failing command says where, instead of ending the run silently.
trap 'say "ERROR: line $LINENO failed (exit $?): $BASH_COMMAND" >&2' ERR
say() { printf '[setup %4ds] %s\n' "$(($(date +%s) - t0))" "$*"; }
die() { say "ERROR: $*" >&2; exit 1; }
# retry LOG WHAT CMD...: runs CMD (output to LOG) up to 3 times, showing LOG's end after a failure.
retry() {
    local log=$1 what=$2 i
    shift 2
    for i in 1 2 3; do
        "$@" >"$log" 2>&1 && return 0
        tail -n 20 "$log" >&2
        [ "$i" = 3 ] || sleep $((i * 5))
    done
    die "$what failed 3 times (log: $log)"
}

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || die "not root and no sudo: cannot install Debian packages"
    SUDO="sudo -n"
fi

# --- apt: one update and one install for everything missing
# The installed version of a Debian package, or nothing (dpkg-query fails for one it never saw).
installed_version() { { dpkg-query -W -f='${db:Status-Abbrev}|${Version}\n' "$1" 2>/dev/null || true; } | awk -F'|' '$1 ~ /^ii/ {print $2}'; }
rust_pkgs=(rustc-web cargo-web rust-web-src libstd-rust-web-dev)
other_pkgs=(lld-22 chromium graphviz nftables iproute2 iptables libnetfilter-queue-dev)
missing=()
for p in "${rust_pkgs[@]}"; do
    v=$(installed_version "$p")
    if [ -z "$v" ] || { [ -n "$RUST_DEB_VERSION" ] && [ "$v" != "$RUST_DEB_VERSION" ]; }; then missing+=("$p"); fi
done
for p in "${other_pkgs[@]}"; do [ -n "$(installed_version "$p")" ] || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
    say "apt: installing ${missing[*]} (about 1 min when all are missing)"
    # shellcheck disable=SC2086
    retry /tmp/netpol-setup-apt-update.log "apt-get update" $SUDO apt-get update -qq -o DPkg::Lock::Timeout=300
    specs=()
    for p in "${missing[@]}"; do
        # Pin the Rust packages when the archive still has that version (madison lists real ones).
        if [[ " ${rust_pkgs[*]} " == *" $p "* ]] && [ -n "$RUST_DEB_VERSION" ] &&
            apt-cache madison "$p" | awk -F' *[|] *' '{print $2}' | grep -Fxq -- "$RUST_DEB_VERSION"; then
            specs+=("$p=$RUST_DEB_VERSION")
        else
            specs+=("$p")
        fi
    done
    # shellcheck disable=SC2086
    retry /tmp/netpol-setup-apt.log "apt-get install" $SUDO apt-get install -y -q -o DPkg::Lock::Timeout=300 \
        -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "${specs[@]}"
else
    say "apt: every package present"
fi
src="$(/usr/bin/rustc --print sysroot)/lib/rustlib/src/rust/library"
[ -f "$src/Cargo.lock" ] || die "rust-web-src is missing its library sources ($src)"
[ -x /usr/bin/wasm-ld-22 ] || die "/usr/bin/wasm-ld-22 is missing after installing lld-22"

# --- wasm-bindgen-cli: must equal the wasm-bindgen that Cargo.lock pins
want_wb=$(awk '/^name = "wasm-bindgen"$/ {getline; gsub(/version = |"/, ""); print; exit}' Cargo.lock)
[ -n "$want_wb" ] || die "Cargo.lock has no wasm-bindgen"
have_wb=$("$CARGO_BIN/wasm-bindgen" --version 2>/dev/null | awk '{print $2}' || true)
if [ "$have_wb" != "$want_wb" ]; then
    say "cargo: building wasm-bindgen-cli $want_wb (about 4.5 min; was ${have_wb:-absent})"
    # Debian's cargo, not rustup's proxy; --no-default-features drops the TLS stack that only
    # the test runner's webdriver download uses.
    env -u RUSTUP_TOOLCHAIN RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc /usr/bin/cargo install --quiet \
        wasm-bindgen-cli --version "$want_wb" --locked --no-default-features --force \
        --root "${CARGO_HOME:-$HOME/.cargo}" ||
        die "cargo install wasm-bindgen-cli $want_wb failed"
else
    say "cargo: wasm-bindgen-cli $have_wb present"
fi

# --- cargo-fuzz (rustup's stable builds it; the fuzz step runs it with nightly)
if ! command -v cargo-fuzz >/dev/null 2>&1; then
    say "cargo: building cargo-fuzz (about 2 min)"
    cargo install --quiet --locked cargo-fuzz || die "cargo install cargo-fuzz failed"
else
    say "cargo: cargo-fuzz present"
fi

# --- npm tools, pinned, into a cache directory outside the clone
npm_version() { node -p "require(process.argv[1]).version" "$NETPOL_TOOLS_DIR/node_modules/$1/package.json" 2>/dev/null || true; }
if [ "$(npm_version binaryen)" != "$BINARYEN_VERSION" ] || [ "$(npm_version playwright-core)" != "$PLAYWRIGHT_CORE_VERSION" ]; then
    say "npm: installing binaryen@$BINARYEN_VERSION playwright-core@$PLAYWRIGHT_CORE_VERSION into $NETPOL_TOOLS_DIR (about 5 s)"
    mkdir -p "$NETPOL_TOOLS_DIR"
    [ -f "$NETPOL_TOOLS_DIR/package.json" ] || echo '{ "private": true }' >"$NETPOL_TOOLS_DIR/package.json"
    retry /tmp/netpol-setup-npm.log "npm install" npm install --prefix "$NETPOL_TOOLS_DIR" --save-exact \
        "binaryen@$BINARYEN_VERSION" "playwright-core@$PLAYWRIGHT_CORE_VERSION"
else
    say "npm: binaryen and playwright-core present"
fi

say "ready: $(/usr/bin/rustc --version) (Debian), wasm-bindgen $("$CARGO_BIN/wasm-bindgen" --version | awk '{print $2}'),"\
" wasm-opt $("$NETPOL_TOOLS_DIR/node_modules/.bin/wasm-opt" --version | awk '{print $3}'), $(/usr/bin/chromium --version 2>/dev/null),"\
" $(nft --version), $(dot -V 2>&1)"
