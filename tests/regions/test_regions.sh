#!/bin/sh
# The region profiles under deploy/regions, end to end (TAP).
#   1. Every profile (NAME.conf + the register it names) parses: as a region for
#      `ijwctl rules test --region`, and copied into a full gateway configuration
#      checked by `ijwgw -t -c` (what an operator does with it).
#   2. Every case of tests/fixtures/regions/NAME/CASES: the messages are judged in
#      order against the profile and the contract filter's verdict on the LAST
#      message is the expected one, reported under the expected rule id.
# usage: test_regions.sh IJWCTL IJWGW SOURCE_ROOT
set -u
ijwctl=$1
ijwgw=$2
root=$3
regions=$root/deploy/regions
fx=$root/tests/fixtures/regions
IJWGW_REGIONS_DIR=$regions
export IJWGW_REGIONS_DIR
. "$(dirname "$0")/../common/tap.sh"

# The register a profile names (its `register = FILE` line), relative to the profile.
register_of() {
    sed -n 's/^[ \t]*register[ \t]*=[ \t]*\([^ \t#]*\).*/\1/p' "$1" | head -n 1
}

# --- 1. every profile parses ------------------------------------------------
for conf in "$regions"/*.conf; do
    [ -f "$conf" ] || continue
    name=$(basename "$conf" .conf)
    reg=$(register_of "$conf")
    # As a region profile: an empty message list would be a usage error, so judge
    # one harmless valid message; a broken profile exits 2 before judging.
    "$ijwctl" rules test --region "$name" "$root/tests/fixtures/valid/jw301.xml" \
        >"$tmp/$name.load" 2>&1 </dev/null
    st=$?
    [ $st -ne 2 ] && grep -q "filter(s): .*contract" "$tmp/$name.load"
    st=$?
    [ $st -eq 0 ] || sed 's/^/# /' "$tmp/$name.load"
    check "profile $name loads as a region" $?
    # Copied into a gateway configuration next to its register (and the files the
    # register names), checked by ijwgw -t.
    d=$tmp/gw-$name
    mkdir -p "$d"
    cp "$conf" "$d/" && cp "$regions/$reg" "$d/" 2>/dev/null
    for list in $(sed -n 's/^[ \t]*gemeentelijst[ \t]*=[ \t]*\([^ \t#]*\).*/\1/p' "$regions/$reg"); do
        cp "$regions/$list" "$d/"
    done
    {
        printf 'gateway\n    endpoint = ipc://%s/gw.sock\n    store = %s/store.db\n\n' "$d" "$d"
        printf 'party 0363\n    kind = gemeente\n\n'
        cat "$conf"
    } >"$d/ijwgw.conf"
    "$ijwgw" -t -c "$d/ijwgw.conf" >"$d/t.out" 2>&1 </dev/null
    st=$?
    [ $st -eq 0 ] || sed 's/^/# /' "$d/t.out"
    check "profile $name: ijwgw -t accepts a configuration with it" $st
done

# All profiles that name their gemeenten, together in one gateway configuration
# (one `filter contract` section each, as docs/contract-register.md describes):
# every case below must come out the same as against its own profile alone.
all=$tmp/all
mkdir -p "$all"
{
    printf 'gateway\n    endpoint = ipc://%s/gw.sock\n    store = %s/store.db\n\n' "$all" "$all"
    printf 'party 0363\n    kind = gemeente\n\n'
} >"$all/ijwgw.conf"
together=
for conf in "$regions"/*.conf; do
    [ -f "$conf" ] || continue
    reg=$(register_of "$conf")
    grep -q "^[ \t]*gemeenten[ \t]*=" "$regions/$reg" 2>/dev/null || continue
    cp "$regions/$reg" "$all/"
    for list in $(sed -n 's/^[ \t]*gemeentelijst[ \t]*=[ \t]*\([^ \t#]*\).*/\1/p' "$regions/$reg"); do
        cp "$regions/$list" "$all/"
    done
    { cat "$conf"; echo; } >>"$all/ijwgw.conf"
    together="$together $(basename "$conf" .conf)"
done
"$ijwgw" -t -c "$all/ijwgw.conf" >"$all/t.out" 2>&1 </dev/null
st=$?
[ $st -eq 0 ] || sed 's/^/# /' "$all/t.out"
check "profiles with gemeenten together in one configuration:$together" $st

# What a run decided about its last message: the rules that fired, the routing
# and the outcome (the same whichever sections judged it).
outcome() { # last-block file
    grep "^      rule .*\(WARN\|REJECT\)\|^  routed to \|^  ACCEPTED\|^  REJECTED" "$1" |
        sed 's/  */ /g'
}

# --- 2. the cases ------------------------------------------------------------
# The verdict block of the last message in a rules-test output: from its
# "FILE: TYPE" line to the next message's (or the summary).
last_block() { # output file, message file
    awk -v f="$2: " 'index($0, f) == 1 { on = 1; buf = ""; next }
                     on && /^[^ ]/ { on = 0 }
                     on { buf = buf $0 "\n" }
                     END { printf "%s", buf }' "$1"
}

for cases in "$fx"/*/CASES; do
    [ -f "$cases" ] || continue
    region=$(basename "$(dirname "$cases")")
    dir=$(dirname "$cases")
    today=$(sed -n 's/^today[ \t]*//p' "$cases")
    [ -n "$today" ] || today=2026-11-24
    if [ ! -f "$regions/$region.conf" ]; then
        check "$region: profile deploy/regions/$region.conf exists" 1
        continue
    fi
    grep -v '^#' "$cases" | grep -v '^today' | grep -v '^[ \t]*$' >"$tmp/cases"
    while read -r name expect rule files; do
        set --
        for f in $files; do
            set -- "$@" "$dir/$f"
        done
        last=
        for last in "$@"; do :; done
        out=$tmp/$region-$name.out
        "$ijwctl" rules test --region "$region" --today "$today" "$@" >"$out" 2>&1 </dev/null
        last_block "$out" "$last" >"$out.last"
        ok=0
        # Every message before the last must have been accepted.
        acc=$(grep -c "ACCEPTED" "$out")
        [ "$acc" -ge $(($# - 1)) ] || ok=1
        case $expect in
        pass)
            grep -q "^  filter contract  *pass" "$out.last" || ok=1
            ! grep -q "^      rule .*\(WARN\|REJECT\)" "$out.last" || ok=1
            ;;
        warn)
            grep -q "^  filter contract  *WARN" "$out.last" || ok=1
            grep -q "^      rule $rule  *WARN" "$out.last" || ok=1
            ;;
        reject)
            grep -q "^  filter contract  *REJECT" "$out.last" || ok=1
            grep -q "^      rule $rule  *REJECT" "$out.last" || ok=1
            grep -q "^  REJECTED" "$out.last" || ok=1
            ;;
        route)
            grep -q "^  filter contract  *pass" "$out.last" || ok=1
            grep -q "^  routed to " "$out.last" || ok=1
            ;;
        skip)
            grep -q "not applicable: gemeente .* is not one of the region's" "$out.last" || ok=1
            ! grep -q "^      rule " "$out.last" || ok=1
            ;;
        *)
            ok=1
            ;;
        esac
        # The same with every profile in one configuration (not for cases that are
        # about a gemeente outside this region: another profile judges those).
        case " $together " in
        *" $region "*)
            if [ "$expect" != skip ]; then
                "$ijwctl" rules test -c "$all/ijwgw.conf" --today "$today" "$@" \
                    >"$out.all" 2>&1 </dev/null
                last_block "$out.all" "$last" >"$out.all.last"
                [ "$(outcome "$out.last")" = "$(outcome "$out.all.last")" ] || {
                    ok=1
                    echo "# with all profiles together:"
                    sed 's/^/#   /' "$out.all.last"
                }
            fi
            ;;
        esac
        # Never a BSN in the output (the fixtures' BSNs all start 99990).
        ! grep -q "99990" "$out" || ok=1
        if [ $ok -ne 0 ]; then
            sed 's/^/# /' "$out.last"
        fi
        what=$expect
        [ "$rule" = "-" ] || what="$expect $rule"
        check "$region $name: $what" $ok
    done <"$tmp/cases"
done

tap_done
