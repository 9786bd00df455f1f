#!/usr/bin/env bash
# npm-package.sh OUT_DIR — the npm package `netpol`: the wasm build (wasm-bindgen --target web
# output) plus wasm/npm/'s package.json, index.js, index.d.ts and README.md in OUT_DIR, packed
# there by `npm pack` (OUT_DIR/netpol-VERSION.tgz; its path is the last line printed).
#
# The wasm build is `bash ${NETPOL_WASM_BUILD:-scripts/wasm-build.sh} DIR`; NETPOL_WASM_PKG=DIR packages an existing build instead (the test command passes the
# playground's, built a step before). Idempotent: the package's files and old tarballs in OUT_DIR
# are replaced, nothing else there is touched. Test the result with wasm/npm/test/node-test.mjs.
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: $0 OUT_DIR" >&2; exit 2; }
mkdir -p "$1"
out=$(cd "$1" && pwd)
cd "$(dirname "$0")/.."
root=$PWD
die() { echo "npm-package: $*" >&2; exit 1; }
[ "$out" != "$root/wasm/npm" ] || die "OUT_DIR is wasm/npm itself, the package's sources: choose another directory"

generated=(netpol_wasm.js netpol_wasm.d.ts netpol_wasm_bg.wasm netpol_wasm_bg.wasm.d.ts)
hand_written=(package.json index.js index.d.ts README.md)

# The hand-written package.json must carry the workspace's version and license.
version=$(awk '/^\[workspace.package\]/ {w = 1; next} /^\[/ {w = 0} w && /^version *=/ {gsub(/.*= *"|"/, ""); print; exit}' Cargo.toml)
license=$(awk '/^\[workspace.package\]/ {w = 1; next} /^\[/ {w = 0} w && /^license *=/ {gsub(/.*= *"|"/, ""); print; exit}' Cargo.toml)
read -r pkg_version pkg_license < <(node -e 'const p = require(process.argv[1]); console.log(p.version, p.license)' "$root/wasm/npm/package.json")
[ "$pkg_version" = "$version" ] || die "wasm/npm/package.json has version $pkg_version, the workspace (Cargo.toml) $version: make them equal"
[ "$pkg_license" = "$license" ] || die "wasm/npm/package.json has license $pkg_license, the workspace (Cargo.toml) $license: make them equal"

if [ -n "${NETPOL_WASM_PKG:-}" ]; then
    pkg=$(cd "$NETPOL_WASM_PKG" && pwd)
    echo "npm-package: packaging the existing wasm build in $pkg"
else
    pkg=${CARGO_TARGET_DIR:-$root/target}/npm-wasm-bindgen
    rm -rf "$pkg"
    mkdir -p "$pkg"
    bash "${NETPOL_WASM_BUILD:-$root/scripts/wasm-build.sh}" "$pkg"
fi
for f in "${generated[@]}"; do
    [ -f "$pkg/$f" ] || die "$pkg has no $f: is it a wasm-bindgen --target web build of netpol-wasm?"
done
# Anything else (snippets/ for inline JS, say) would be left out of the package by its "files".
extra=$(cd "$pkg" && ls -A | grep -vxF -f <(printf '%s\n' "${generated[@]}" .gitignore) || true)
[ -z "$extra" ] || die "the wasm build has files the package does not list: $extra (add them to wasm/npm/package.json \"files\" and to this script)"

for f in "${generated[@]}"; do cp "$pkg/$f" "$out/$f"; done
for f in "${hand_written[@]}"; do cp "$root/wasm/npm/$f" "$out/$f"; done
rm -f "$out"/netpol-*.tgz
tarball=$(cd "$out" && npm pack --ignore-scripts --silent --pack-destination "$out")
[ -f "$out/$tarball" ] || die "npm pack did not make $out/$tarball"
echo "npm-package: $(stat -c %s "$out/$tarball") bytes, $(tar -tzf "$out/$tarball" | wc -l) files"
echo "$out/$tarball"
