#!/usr/bin/env bash
# Builds and runs the C tests of libnetpol (ffi/tests/c/) and the C example (examples/c/).
#
#   ffi/tests/run_c_tests.sh [TARGET_DIR]     (default: $CARGO_TARGET_DIR, else target)
#
# 1. Builds the release libraries and CLI (`cargo build --release -p netpol-ffi -p netpol-cli`):
#    always run, because it costs a second when nothing changed and guarantees the C programs
#    link the library of the current sources.
# 2. Writes the corpus fixtures with the Rust engine's verdicts
#    (`cargo test --workspace --exclude netpol-python --test corpus_fixtures` -> TARGET/tmp/c-corpus:
#    the workspace's feature set, so the dependencies the Rust test step built are reused
#    instead of built again for `-p netpol-ffi` alone).
# 3. Writes TARGET/pkgconfig/netpol.pc (absolute paths into this checkout and TARGET/release).
# 4. Compiles every program of ffi/tests/c/ (from the sources listed in `sources` below) and
#    examples/c/ (C11, -Wall -Wextra -Werror) in four variants and runs the suites in each:
#      static    TARGET/release/libnetpol.a -lpthread -ldl -lm
#      shared    $(pkg-config --cflags --libs netpol): libnetpol.so, found through its rpath
#      asan      static, -fsanitize=address,undefined, leak detection on, UBSan halts on error
#      valgrind  the shared build under memcheck: any error or definite/indirect leak fails
#                ("still reachable" blocks, which Rust's std may keep, do not count)
#    Each suite must exit 0 and end with "N passed, 0 failed"; the dataplane example must print
#    exactly ffi/tests/c/flows.expected.
# 5. Builds examples/c/*.c with exactly `cc examples/c/*.c $(pkg-config --cflags --libs netpol)`
#    and runs it.
#
# Build products go to TARGET/c-tests/. Every suite runs even after a failure; the script exits
# non-zero if anything failed, and fails (never skips) when ASan, valgrind or pkg-config is
# missing.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD

target=${1:-${CARGO_TARGET_DIR:-target}}
mkdir -p "$target"
target=$(cd "$target" && pwd)
export CARGO_TARGET_DIR=$target
out=$target/c-tests
mkdir -p "$out"

step() { printf '\n== %s\n' "$*"; }
die() { echo "error: $*" >&2; exit 1; }

step "C toolchain: cc, pkg-config, AddressSanitizer/UBSan, valgrind"
command -v cc >/dev/null || die "no C compiler (cc) on PATH"
command -v pkg-config >/dev/null || die "pkg-config is missing (apt-get install pkg-config)"
command -v valgrind >/dev/null || die "valgrind is missing (apt-get install valgrind): the leak check cannot run"
cc --version | sed -n 1p  # sed reads all, so no SIGPIPE under pipefail
valgrind --version
probe=$out/probe
mkdir -p "$probe"
printf 'int main(void) { volatile int x = 1; return x - 1; }\n' >"$probe/ok.c"
printf '#include <stdlib.h>\nint main(void) { void *volatile p = malloc(7); p = 0; return 0; }\n' >"$probe/leak.c"
cc -fsanitize=address,undefined "$probe/ok.c" -o "$probe/ok" 2>"$probe/log" && "$probe/ok" ||
    die "AddressSanitizer/UBSan unavailable (cc -fsanitize=address,undefined fails: install libasan and libubsan): $(cat "$probe/log")"
cc -fsanitize=address "$probe/leak.c" -o "$probe/leak"
if ASAN_OPTIONS=detect_leaks=1 "$probe/leak" 2>/dev/null; then
    die "LeakSanitizer does not detect leaks here (ptrace restricted?): the ASan variant would miss them"
fi
echo "ASan, UBSan and LeakSanitizer work"

step "release libraries and CLI (cargo build --release -p netpol-ffi -p netpol-cli)"
cargo build --release --locked -p netpol-ffi -p netpol-cli
lib=$target/release
for f in libnetpol.a libnetpol.so netpol; do
    [ -e "$lib/$f" ] || die "$lib/$f was not built"
done

step "corpus fixtures from the Rust engine (cargo test --workspace --test corpus_fixtures)"
cargo test --locked --workspace --exclude netpol-python --test corpus_fixtures
fixtures=$target/tmp/c-corpus
[ -s "$fixtures/index.txt" ] || die "no fixtures in $fixtures"
echo "$(wc -l <"$fixtures/index.txt") cases in $fixtures"

step "pkg-config file ($target/pkgconfig/netpol.pc)"
pkgid=$(cargo pkgid -p netpol-ffi)
version=${pkgid##*[@#]}
mkdir -p "$target/pkgconfig"
cat >"$target/pkgconfig/netpol.pc" <<EOF
includedir=$root/ffi/include
libdir=$lib

Name: netpol
Description: Exact Kubernetes NetworkPolicy decisions (C ABI of netpol)
Version: $version
Libs: -L\${libdir} -Wl,-rpath,\${libdir} -lnetpol
Libs.private: -lpthread -ldl -lm
Cflags: -I\${includedir}
EOF
export PKG_CONFIG_PATH=$target/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}
pkg-config --validate netpol
echo "netpol $(pkg-config --modversion netpol): $(pkg-config --cflags --libs netpol)"

# A cluster with some variety for the threads test (302 pods, 120 policies).
"$lib/netpol" generate --namespaces 10 --pods-per-namespace 30 --policies 120 --seed 7 >"$out/generated-300.yaml"

cflags=(-std=c11 -Wall -Wextra -Werror -g -I"$root/ffi/include" -DNETPOL_EXPECTED_VERSION="\"$version\"")
static_libs=("$lib/libnetpol.a" -lpthread -ldl -lm)
read -r -a shared_libs <<<"$(pkg-config --cflags --libs netpol)"
sanitize=(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all)
programs=(test_api threads live dataplane corpus_check bench_batch)
# Each program's sources in ffi/tests/c/: check.c is the harness of check.h, fixtures.c the file
# readers of fixtures.h.
declare -A sources=(
    [test_api]="test_api.c test_api_decide.c test_api_families.c test_api_input.c test_api_misuse.c check.c fixtures.c"
    [threads]="threads.c check.c fixtures.c"
    [live]="live.c check.c fixtures.c"
    [dataplane]="dataplane.c fixtures.c"
    [corpus_check]="corpus_check.c check.c fixtures.c"
    [bench_batch]="bench_batch.c"
)

build() { # variant
    local variant=$1 dir=$out/$1 p
    local -a src
    mkdir -p "$dir"
    for p in "${programs[@]}"; do
        read -r -a src <<<"${sources[$p]}"
        src=("${src[@]/#/ffi/tests/c/}")
        case $variant in
            static) cc "${cflags[@]}" -O2 "${src[@]}" "${static_libs[@]}" -o "$dir/$p" ;;
            shared) cc "${cflags[@]}" -O2 "${src[@]}" "${shared_libs[@]}" -o "$dir/$p" ;;
            asan) cc "${cflags[@]}" -O1 "${sanitize[@]}" "${src[@]}" "${static_libs[@]}" -o "$dir/$p" ;;
        esac
    done
    # The example, under the strict flags too.
    case $variant in
        static) cc "${cflags[@]}" -O2 examples/c/*.c "${static_libs[@]}" -o "$dir/minimal" ;;
        shared) cc "${cflags[@]}" -O2 examples/c/*.c "${shared_libs[@]}" -o "$dir/minimal" ;;
        asan) cc "${cflags[@]}" -O1 "${sanitize[@]}" examples/c/*.c "${static_libs[@]}" -o "$dir/minimal" ;;
    esac
    echo "built ${programs[*]} minimal in $dir"
}

failures=()
results=()

# run VARIANT NAME KIND STDIN COMMAND...: KIND is "suite" (exit 0, last line "N passed, 0
# failed"), "flows" (exit 0, stdout exactly flows.expected), "malformed" (exit 1, the summary
# counts 2 malformed lines) or "exit0"; STDIN is a file or - for none. Under the valgrind
# variant any memcheck error or definite/indirect leak fails too.
run() {
    local variant=$1 name=$2 kind=$3 input=$4
    shift 4
    local log=$out/$variant/$name.log stdout=$out/$variant/$name.out vlog=$out/$variant/$name.valgrind.log
    local status=0 ok=true summary
    local -a wrap=()
    [ "$input" = - ] && input=/dev/null
    if [ "$variant" = valgrind ]; then
        rm -f "$vlog"
        wrap=(valgrind --leak-check=full --show-leak-kinds=definite,indirect
            --errors-for-leak-kinds=definite,indirect --error-exitcode=99 --log-file="$vlog")
    fi
    "${wrap[@]}" "$@" <"$input" >"$stdout" 2>"$log" || status=$?
    summary=$(tail -n1 "$stdout")
    [ "$kind" = exit0 ] && summary=$(head -n1 "$stdout")
    case $kind in
        suite) [ "$status" -eq 0 ] && [[ $summary =~ ^[0-9]+\ passed,\ 0\ failed$ ]] || ok=false ;;
        flows) [ "$status" -eq 0 ] && diff -u ffi/tests/c/flows.expected "$stdout" >>"$log" || ok=false ;;
        malformed) [ "$status" -eq 1 ] && [[ $summary == *", 2 malformed lines" ]] || ok=false ;;
        exit0) [ "$status" -eq 0 ] || ok=false ;;
    esac
    if [ "$variant" = valgrind ]; then
        # Exit 99 is memcheck's: an error or a definite/indirect leak.
        if [ "$status" -eq 99 ] || ! grep -q "ERROR SUMMARY: 0 errors" "$vlog"; then
            ok=false
            cat "$vlog" >>"$log"
        fi
        summary="$summary | valgrind: $(grep -E "ERROR SUMMARY|All heap blocks|definitely lost|indirectly lost" "$vlog" |
            sed -E 's/^==[0-9]+== +//; s/ \(suppressed.*//' | paste -sd ';' -)"
    fi
    if $ok; then
        printf '  ok    %-9s %-15s %s\n' "$variant" "$name" "$summary"
    else
        printf '  FAIL  %-9s %-15s %s (exit %s; log %s)\n' "$variant" "$name" "$summary" "$status" "$log"
        sed 's/^/        | /' "$log" | tail -n 40
        failures+=("$variant/$name")
    fi
    results+=("$(printf '%-9s %-15s %s' "$variant" "$name" "$summary")")
}

printf '10.0.0.1 1 10.0.0.2 80 tcp\nnot a flow\n10.0.0.1 1 10.0.0.2 80 icmp\n' >"$out/bad-flows.txt"

suites() { # VARIANT BUILD_DIR THREAD_ROUNDS BENCH_QUERIES
    local v=$1 d=$2 rounds=$3 bench_n=$4
    mkdir -p "$out/$v"
    run "$v" test_api suite - "$d/test_api" examples/cluster.yaml
    run "$v" threads suite - "$d/threads" "$out/generated-300.yaml" "$rounds"
    run "$v" live suite - "$d/live" examples/cluster.yaml "$((rounds / 2 + 1))"
    run "$v" corpus_check suite - "$d/corpus_check" "$fixtures"
    run "$v" dataplane flows - "$d/dataplane" examples/cluster.yaml ffi/tests/c/flows.txt
    run "$v" dataplane-stdin flows ffi/tests/c/flows.txt "$d/dataplane" examples/cluster.yaml -
    run "$v" dataplane-bad malformed "$out/bad-flows.txt" "$d/dataplane" examples/cluster.yaml
    run "$v" bench-smoke exit0 - "$d/bench_batch" examples/cluster.yaml "$bench_n" 1
    run "$v" minimal exit0 - "$d/minimal" examples/cluster.yaml
}

step "variant static: libnetpol.a"
build static
suites static "$out/static" 100 100000

step "variant shared: libnetpol.so via pkg-config"
build shared
# Capture first: `ldd | grep -q` under pipefail fails whenever grep exits before ldd is done writing.
linked=$(ldd "$out/shared/test_api")
if [[ "$linked" != *"libnetpol.so => $lib/libnetpol.so"* ]]; then
    die "$out/shared/test_api does not load $lib/libnetpol.so: $linked"
fi
# libnetpol.so exports exactly the functions netpol.h declares.
nm -D --defined-only "$lib/libnetpol.so" | awk '{print $3}' | sort >"$out/shared/exports.txt"
grep -o 'netpol_[a-z0-9_]*(' ffi/include/netpol.h | tr -d '(' | sort -u >"$out/shared/declared.txt"
if diff -u "$out/shared/declared.txt" "$out/shared/exports.txt"; then
    echo "  ok    libnetpol.so exports the $(wc -l <"$out/shared/declared.txt") functions of netpol.h, nothing else"
else
    echo "  FAIL  libnetpol.so exports differ from netpol.h's functions (- declared, + exported)"
    failures+=("shared/exports")
fi
suites shared "$out/shared" 100 100000

step "variant asan: -fsanitize=address,undefined, static"
build asan
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:strict_string_checks=1:detect_stack_use_after_return=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
suites asan "$out/asan" 20 10000
unset ASAN_OPTIONS UBSAN_OPTIONS

step "variant valgrind: memcheck on the shared build (errors and definite/indirect leaks fail)"
suites valgrind "$out/shared" 2 1000

step "example: cc examples/c/*.c \$(pkg-config --cflags --libs netpol)"
example=$out/example
rm -rf "$example"
mkdir -p "$example"
ln -s "$root/examples" "$example/examples"
# The README's line, verbatim, run where examples/ resolves to this checkout's.
(
    cd "$example"
    set -x
    # -e is off in here (the subshell is tested below): chain the steps.
    cc examples/c/*.c $(pkg-config --cflags --libs netpol) && ./a.out examples/cluster.yaml
) >"$example/run.log" 2>&1 && example_status=0 || example_status=$?
sed 's/^/  /' "$example/run.log"
if [ "$example_status" -ne 0 ] || ! grep -q "^api -> postgres 5432/TCP: allowed$" "$example/run.log"; then
    failures+=("example")
fi

step "NFQUEUE dataplane: examples/dataplane-nfqueue on libnetpol (static, and ASan+UBSan), probed by netpol lab"
# netpol lab makes network namespaces: root only (CI is root). Each run must agree with the
# model on every probed cell, and the program must have given verdicts.
nfq_libs=(-lnetfilter_queue)
mkdir -p "$out/nfqueue"
cc "${cflags[@]}" -O2 examples/dataplane-nfqueue/netpol-nfq.c "${static_libs[@]}" "${nfq_libs[@]}" -o "$out/nfqueue/netpol-nfq"
cc "${cflags[@]}" -O1 "${sanitize[@]}" examples/dataplane-nfqueue/netpol-nfq.c "${static_libs[@]}" "${nfq_libs[@]}" \
    -o "$out/nfqueue/netpol-nfq-asan"
if [ "$(id -u)" -ne 0 ]; then
    echo "  SKIPPED: netpol lab needs root (network namespaces); built only"
else
    "$lib/netpol" generate --namespaces 5 --pods-per-namespace 10 --policies 20 --seed 1 >"$out/nfqueue/c50.yaml"
    nfq_lab() { # NAME PROGRAM CLUSTER PORTS...
        local name=$1 program=$2 cluster=$3 report=$out/nfqueue/$1.json
        shift 3
        local ports=() p status=0
        for p in "$@"; do ports+=(--port "$p"); done
        ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1 \
            "$lib/netpol" lab "$cluster" "${ports[@]}" --dataplane nfqueue --nfqueue-program "$program" -o json \
            >"$report" 2>"$out/nfqueue/$name.log" || status=$?
        local summary
        summary=$(python3 ffi/tests/check_lab_report.py "$report" 2>>"$out/nfqueue/$name.log") ||
            status=1
        if [ "$status" -eq 0 ]; then
            printf '  ok    %-9s %-15s %s\n' nfqueue "$name" "$summary"
        else
            printf '  FAIL  %-9s %-15s %s (exit %s; log %s)\n' nfqueue "$name" "$summary" "$status" "$out/nfqueue/$name.log"
            tail -n 20 "$out/nfqueue/$name.log" | sed 's/^/        | /'
            failures+=("nfqueue/$name")
        fi
        results+=("$(printf '%-9s %-15s %s' nfqueue "$name" "$summary")")
    }
    nfq_lab example "$out/nfqueue/netpol-nfq" examples/cluster.yaml 8080 5432 53/udp
    nfq_lab dual-stack "$out/nfqueue/netpol-nfq" examples/dual-stack/cluster.yaml 80 443 8080
    nfq_lab generated-50 "$out/nfqueue/netpol-nfq" "$out/nfqueue/c50.yaml" 8080 9100 53/udp 5432
    nfq_lab example-asan "$out/nfqueue/netpol-nfq-asan" examples/cluster.yaml 8080 5432 53/udp
fi

step "summary"
printf '  %s\n' "${results[@]}"
if [ "${#failures[@]}" -ne 0 ]; then
    echo
    echo "C tests FAILED: ${failures[*]}" >&2
    exit 1
fi
echo
echo "all C tests passed"
