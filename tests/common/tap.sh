# TAP helpers for the shell tests (tests/cli, tests/regions), sourced with
#   . "$(dirname "$0")/../common/tap.sh"
# Gives a scratch directory $tmp (removed on exit), check NAME STATUS (0 = ok)
# printing one TAP line, and tap_done printing the plan and exiting 1 when any
# check failed.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
n=0
check() { # name, status (0 = ok)
    n=$((n + 1))
    if [ "$2" -eq 0 ]; then
        echo "ok $n - $1"
    else
        echo "not ok $n - $1"
        fail=1
    fi
}
tap_done() {
    echo "1..$n"
    exit $fail
}
