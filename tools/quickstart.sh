#!/bin/sh
# The README's two quick-start commands, for a fresh Debian 12 machine (as root):
#
#   sh tools/quickstart.sh demo   install what is missing, build, run the demo
#   sh tools/quickstart.sh test   install what is missing, build, run the whole test suite
#                                 (plain, ASan+UBSan, valgrind, and a libFuzzer smoke)
#
# Idempotent: re-running reuses the build directories.
set -eu
cd "$(dirname "$0")/.."
mode=${1:-demo}

base_pkgs="meson ninja-build gcc pkg-config python3 libxml2-dev libzmq3-dev libssl-dev libsqlite3-dev libcmocka-dev libpq-dev"
# chromium: the status page test renders /status in headless Chromium
# postgresql: the scale-out test runs its own server (tests/integration/pg_cluster.sh)
# python3-yaml: the deploy/k8s manifests are checked (tests/integration/test_k8s_manifests.py)
test_pkgs="clang libclang-rt-14-dev valgrind libxml2-utils chromium postgresql python3-yaml curl openssl"

install_missing() {
    missing=""
    for p in "$@"; do
        if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
            missing="$missing $p"
        fi
    done
    if [ -n "$missing" ]; then
        if [ "$(id -u)" != "0" ]; then
            echo "quickstart: missing packages:$missing (run as root, or install them)" >&2
            exit 1
        fi
        echo "quickstart: installing$missing"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
    fi
}

setup() { # DIR [meson options...]
    dir=$1
    shift
    log="$dir.setup.log"
    mkdir -p "$(dirname "$log")"
    if [ -f "$dir/build.ninja" ]; then
        meson setup --reconfigure "$dir" "$@" >"$log" 2>&1 || { cat "$log"; return 1; }
    else
        meson setup "$dir" "$@" >"$log" 2>&1 || { cat "$log"; return 1; }
    fi
    ninja -C "$dir" >"$log" 2>&1 || { grep -E "error|FAILED" "$log" | head -40; return 1; }
}

case "$mode" in
demo)
    install_missing $base_pkgs
    setup build
    echo "== 1. the codec: validate the sample messages and build their retourberichten"
    build/tools/ijwctl demo
    echo
    echo "== 2. a region profile: dry-run two toewijzingen against West-Brabant Oost's contract register"
    build/tools/ijwctl rules test --region wbo --today 2027-03-01 tests/fixtures/regions/wbo/301-sggz.xml \
        tests/fixtures/regions/wbo/301-sggz-stuks.xml | grep -E "^tests|REJECT|ACCEPTED|^[0-9]" || true
    echo
    echo "== 3. the gateway: ijwgw on its embedded default config, parties replay the samples"
    rm -rf /tmp/ijwgw-demo
    # CurveZMQ is on: a key pair per demo party, public halves where the gateway reads them
    # (party_keys of the default config); the gateway makes its own key pair at first start.
    echo "-- key pairs for the demo parties (ijwctl keygen):"
    build/tools/ijwctl keygen -o /tmp/ijwgw-demo/keys 0363 0384 42420001 65656055 platform
    log=/tmp/ijwgw-demo.log
    build/gateway/ijwgw 2>"$log" &
    gw=$!
    trap 'kill $gw 2>/dev/null || true' EXIT INT TERM
    i=0
    until grep -q " ready " "$log" 2>/dev/null; do
        i=$((i + 1))
        if [ $i -gt 100 ] || ! kill -0 $gw 2>/dev/null; then
            echo "quickstart: ijwgw did not start:" >&2
            cat "$log" >&2
            exit 1
        fi
        sleep 0.1
    done
    grep " ready " "$log"
    # The two stories in the order they happen (tests/fixtures/valid/README.md): the
    # cross-message filters check each message against the ones before it.
    story=""
    for f in jw315 wmo315 jw316 wmo316 jw319 wmo319 jw320 wmo320 jw301 wmo301 jw302 wmo302 \
             jw305 wmo305 jw306 wmo306 jw323 wmo323 jw325 wmo325 jw323-credit wmo323-credit \
             jw325-partial wmo325-credit jw317 wmo317 jw318 wmo318 jw319-vow-afgewezen \
             wmo319-vow-afgewezen jw320-vow-afgewezen wmo320-vow-afgewezen jw307 wmo307 \
             jw308 wmo308; do
        story="$story tests/fixtures/valid/$f.xml"
    done
    build/tools/ijwctl replay -t 3 $story || true
    echo
    echo "-- a second start for the same toewijzing breaks a cross-message rule (TR074):"
    build/tools/ijwctl send tests/fixtures/demo/jw305-second-start.xml || true
    echo
    echo "-- a message that breaks a rule of the standard gets a retourbericht (REJECT):"
    build/tools/ijwctl send tests/fixtures/demo/jw301-bsn-elfproef.xml || true
    echo "-- a message that fails the XSD gets an error and no retourbericht:"
    build/tools/ijwctl send -p 0363 tests/fixtures/invalid/xsd/jw301-bad-date.xml || true
    echo "-- a party may only send as itself:"
    build/tools/ijwctl send -p 0384 tests/fixtures/valid/jw301.xml || true
    echo "-- a party may only connect as itself (0384's key under the code 0363):"
    build/tools/ijwctl send --key /tmp/ijwgw-demo/keys/0384.key tests/fixtures/valid/jw301.xml || true
    echo "-- the regional platform receives its copies, without free text or contact details:"
    build/tools/ijwctl recv -p platform -t 1 -o /tmp/ijwgw-demo/platform || true
    echo
    build/tools/ijwctl queues
    echo "-- payloads are encrypted at rest; the audit trail is hash-chained (no payloads, no BSNs):"
    build/tools/ijwctl audit verify /tmp/ijwgw-demo/audit.log || true
    echo
    echo "-- metrics (Prometheus) at http://127.0.0.1:9464/metrics; status page at http://127.0.0.1:9464/status"
    sleep 1 # the metrics publish a snapshot every second
    python3 -c 'import urllib.request; print(urllib.request.urlopen("http://127.0.0.1:9464/metrics", timeout=5).read().decode())' |
        grep -E '^ijwgw_(messages_in_total|rejections_total|refusals_total|ack_latency_seconds_(count|sum))' || true
    kill $gw
    wait $gw || true
    trap - EXIT INT TERM
    echo
    echo "gateway log: $log (no payloads, no BSNs)"
    ;;
test)
    install_missing $base_pkgs $test_pkgs
    status=0
    echo "== build and test (gcc, -Werror)"
    setup build
    meson test -C build --print-errorlogs --num-processes 2 || status=1

    echo "== ASan + UBSan"
    setup build-asan -Db_sanitize=address,undefined -Db_lundef=false
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
        meson test -C build-asan --print-errorlogs --num-processes 2 || status=1

    echo "== valgrind (unit and broker suites)"
    meson test -C build --suite unit --suite broker --print-errorlogs --num-processes 2 \
        --wrapper 'valgrind --quiet --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite' \
        --timeout-multiplier 10 --logbase valgrind || status=1

    echo "== libFuzzer smoke: codec (30 s)"
    CC=clang setup build-fuzz -Dfuzz=enabled -Dtests=false -Db_sanitize=address,undefined \
        -Db_lundef=false -Dwerror=true
    corpus=$(mktemp -d)
    build-fuzz/tests/fuzz/fuzz_decode -max_total_time=30 -max_len=65536 -print_final_stats=1 \
        "$corpus" tests/fixtures/valid tests/fixtures/invalid/input tests/fixtures/invalid/xsd \
        >/tmp/fuzz_decode.log 2>&1 || { tail -50 /tmp/fuzz_decode.log; status=1; }
    grep -E "stat::number_of_executed_units|Done" /tmp/fuzz_decode.log || true
    rm -rf "$corpus"
    echo "== libFuzzer smoke: wire protocol (15 s)"
    corpus=$(mktemp -d)
    build-fuzz/tests/fuzz/fuzz_proto -max_total_time=15 -print_final_stats=1 \
        "$corpus" tests/fuzz/corpus/proto >/tmp/fuzz_proto.log 2>&1 || { tail -50 /tmp/fuzz_proto.log; status=1; }
    grep -E "stat::number_of_executed_units|Done" /tmp/fuzz_proto.log || true
    rm -rf "$corpus"
    echo "== libFuzzer smoke: contract register (10 s)"
    corpus=$(mktemp -d)
    build-fuzz/tests/fuzz/fuzz_register -max_total_time=10 -max_len=16384 -print_final_stats=1 \
        "$corpus" tests/fuzz/corpus/register >/tmp/fuzz_register.log 2>&1 || { tail -50 /tmp/fuzz_register.log; status=1; }
    grep -E "stat::number_of_executed_units|Done" /tmp/fuzz_register.log || true
    rm -rf "$corpus"

    python3 tools/test_summary.py build/meson-logs/testlog.json \
        build-asan/meson-logs/testlog.json build/meson-logs/valgrind*.json || status=1
    exit $status
    ;;
*)
    echo "usage: $0 demo|test" >&2
    exit 2
    ;;
esac
