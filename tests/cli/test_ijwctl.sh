#!/bin/sh
# ijwctl validate end to end: exit codes, output, and retourberichten that are
# themselves valid messages. usage: test_ijwctl.sh IJWCTL FIXTURES
set -u
ijwctl=$1
fx=$2
. "$(dirname "$0")/../common/tap.sh"

"$ijwctl" validate --today 2026-11-24 "$fx"/valid/*.xml >"$tmp/valid.out" 2>&1
check "all valid fixtures accepted (exit 0)" $?
grep -q "0 rejected with a retourbericht, 0 rejected with an error" "$tmp/valid.out"
check "summary counts no rejection" $?

"$ijwctl" validate --today 2026-11-24 --retour "$tmp/r.xml" "$fx"/rules/CS002-jw301.xml >"$tmp/cs002.out" 2>&1
[ $? -eq 1 ]
check "rule violation exits 1" $?
grep -q "CS002" "$tmp/cs002.out" && grep -q "0001" "$tmp/cs002.out"
check "prints the rule and its retourcode" $?
grep -q "/Bericht/Client/Bsn" "$tmp/cs002.out"
check "prints the element path" $?
! grep -q "99990" "$tmp/cs002.out"
check "never prints the BSN" $?
"$ijwctl" validate --today 2026-11-24 "$tmp/r.xml" >"$tmp/r.out" 2>&1
check "the written JW302 is itself a valid message" $?
grep -q "JW302" "$tmp/r.out" && grep -q "<jw302:RetourCode>0001</jw302:RetourCode>" "$tmp/r.xml"
check "the JW302 carries RetourCode 0001" $?

"$ijwctl" validate "$fx"/invalid/xsd/jw301-bad-date.xml >"$tmp/xsd.out" 2>&1
[ $? -eq 1 ]
check "XSD failure exits 1" $?
grep -q "no retourbericht" "$tmp/xsd.out" && grep -q "Ingangsdatum" "$tmp/xsd.out"
check "XSD failure: no retourbericht, names the element" $?

"$ijwctl" validate "$fx"/invalid/input/xxe-file.xml >"$tmp/xxe.out" 2>&1
[ $? -eq 1 ] && grep -q "DTD" "$tmp/xxe.out" && ! grep -q "root:" "$tmp/xxe.out"
check "XXE refused without reading the file" $?

"$ijwctl" validate --retour "$tmp/out" "$fx"/valid/jw301.xml "$fx"/valid/jw323.xml >"$tmp/multi.out" 2>&1
check "several files with --retour DIR" $?
[ -f "$tmp/out/jw301.retour.xml" ] && [ -f "$tmp/out/jw323.retour.xml" ]
check "one retourbericht per file (JW302, JW325)" $?
grep -q "<jw325:RetourCode>8001</jw325:RetourCode>" "$tmp/out/jw323.retour.xml"
check "an approved declaratie gets a 325 with 8001" $?

"$ijwctl" validate /nonexistent.xml >/dev/null 2>&1
[ $? -eq 1 ]
check "unreadable file exits 1" $?
"$ijwctl" validate >/dev/null 2>&1
[ $? -eq 2 ]
check "usage error exits 2" $?
"$ijwctl" types | grep -q "WMO325  iWmo 3.2 485"
check "types lists the registry" $?
[ "$("$ijwctl" rules | tail -n +2 | wc -l)" -ge 63 ]
check "rules lists at least 63 rules" $?

"$ijwctl" rules test "$fx"/valid/jw315.xml "$fx"/valid/jw319.xml "$fx"/valid/jw301.xml \
    "$fx"/valid/jw305.xml "$fx"/valid/jw323.xml "$fx"/valid/jw307.xml >"$tmp/story.out" 2>&1
check "rules test: the story passes every filter, in order" $?
grep -q "6 accepted, 0 rejected" "$tmp/story.out"
check "rules test: summary" $?
"$ijwctl" rules test "$fx"/valid/jw315.xml "$fx"/valid/jw301.xml "$fx"/valid/jw305.xml \
    "$fx"/demo/jw305-second-start.xml >"$tmp/second.out" 2>&1
[ $? -eq 1 ] && grep -q "TR074     9074" "$tmp/second.out" && grep -q "filter startstop    REJECT" "$tmp/second.out"
check "rules test: a second start is rejected by startstop with 9074" $?
"$ijwctl" rules test "$fx"/valid/jw305.xml >"$tmp/orphan.out" 2>&1
[ $? -eq 1 ] && grep -q "TR019     9019" "$tmp/orphan.out"
check "rules test: a start without a toewijzing is rejected (TR019)" $?

# backup / restore / store: the store side without a gateway (tests/integration/test_deploy.c
# runs them next to a real one).
"$ijwctl" backup -s "$tmp/missing.db" "$tmp/b.db" >"$tmp/bk0.out" 2>&1
[ $? -eq 2 ] && grep -q "no such file" "$tmp/bk0.out" && [ ! -e "$tmp/b.db" ]
check "backup: a missing store is refused" $?
"$ijwctl" dlq requeue all -s "$tmp/s.db" >/dev/null 2>&1 # creates an empty store
"$ijwctl" backup --store "$tmp/s.db" "$tmp/b.db" >"$tmp/bk1.out" 2>&1 &&
    grep -q "schema version 2, 0 messages, 0 deliveries" "$tmp/bk1.out"
check "backup: verified copy of a store" $?
"$ijwctl" backup --store "$tmp/s.db" "$tmp/b.db" >"$tmp/bk2.out" 2>&1
[ $? -eq 2 ] && grep -q "exists" "$tmp/bk2.out"
check "backup: never overwrites" $?
echo "not a database" >"$tmp/junk.db"
"$ijwctl" restore "$tmp/junk.db" -s "$tmp/s.db" >"$tmp/rs0.out" 2>&1
[ $? -eq 2 ] && [ ! -e "$tmp/s.db.before-restore" ]
check "restore: a file that is not a store is refused" $?
"$ijwctl" restore "$tmp/b.db" -s "$tmp/s.db" >"$tmp/rs1.out" 2>&1 &&
    [ -e "$tmp/s.db.before-restore" ] && grep -q "restored" "$tmp/rs1.out"
check "restore: round trip, previous store kept" $?
"$ijwctl" store version -s "$tmp/s.db" >"$tmp/sv.out" 2>&1 && grep -q "current" "$tmp/sv.out"
check "store version: current" $?
"$ijwctl" store downgrade -s "$tmp/s.db" >/dev/null 2>&1
[ $? -eq 2 ]
check "store: unknown subcommand is a usage error" $?
# storekey and audit (cmd_audit.c)
"$ijwctl" storekey new "$tmp/k" -a "$tmp/audit.log" >/dev/null 2>&1 &&
    [ "$(stat -c %a "$tmp/k")" = 600 ] && grep -q "^active 1$" "$tmp/k"
check "storekey new: mode 600, key 1 active" $?
"$ijwctl" storekey new "$tmp/k" >/dev/null 2>&1
[ $? -eq 2 ]
check "storekey new never overwrites a key file" $?
"$ijwctl" storekey rotate "$tmp/k" -a "$tmp/audit.log" >/dev/null 2>&1 &&
    "$ijwctl" storekey list "$tmp/k" | grep -q "^2 *active" &&
    "$ijwctl" storekey list "$tmp/k" | grep -q "^1 *read-only"
check "storekey rotate: key 2 active, key 1 kept" $?
chmod 644 "$tmp/k"
"$ijwctl" storekey list "$tmp/k" 2>&1 | grep -q "group and others must have no access"
check "storekey: a readable key file is refused" $?
"$ijwctl" audit verify "$tmp/audit.log" | grep -q "OK, 2 entries" &&
    grep -q "ev=admin action=storekey_rotate" "$tmp/audit.log"
check "audit: admin actions are chained and verify" $?
sed -i 's/action=storekey_new/action=storekey_old/' "$tmp/audit.log"
"$ijwctl" audit verify "$tmp/audit.log" | grep -q "BROKEN at line 1: edited"
[ $? -eq 0 ] && ! "$ijwctl" audit verify "$tmp/audit.log" >/dev/null
check "audit verify: an edited entry is reported, exit non-zero" $?

"$ijwctl" backup --store "$tmp/s.db" "$tmp/b2.db" -a "$tmp/admin.log" >/dev/null 2>&1 &&
    grep -q " ev=admin action=backup target=$tmp/b2.db result=messages:0 " "$tmp/admin.log" &&
    "$ijwctl" audit verify "$tmp/admin.log" >/dev/null
check "backup: audited as an admin action (-a)" $?

"$ijwctl" overdue --store "$tmp/none.db" --at 2026-02-30 >"$tmp/od.out" 2>&1
[ $? -eq 2 ] && grep -q "not a date" "$tmp/od.out"
check "overdue: a bad --at date exits 2 and says why" $?
"$ijwctl" overdue --store "$tmp/none.db" >"$tmp/od2.out" 2>&1
[ $? -eq 2 ] && grep -q "cannot open store" "$tmp/od2.out" && [ ! -e "$tmp/none.db" ]
check "overdue: a missing store exits 2 and is not created" $?
"$ijwctl" keygen -o "$tmp/keys/sub" 0363 42420001 >"$tmp/keygen.out" 2>&1
check "keygen writes key pairs (creating the folder)" $?
[ -f "$tmp/keys/sub/0363.key" ] && [ -f "$tmp/keys/sub/42420001.pub" ] &&
    [ "$(stat -c %a "$tmp/keys/sub/0363.key")" = 600 ]
check "keygen: NAME.key is mode 0600, NAME.pub beside it" $?
grep -q "^secret_key = " "$tmp/keys/sub/0363.key" && ! grep -q "secret" "$tmp/keys/sub/0363.pub" &&
    [ "$(grep "^public_key = " "$tmp/keys/sub/0363.pub")" = "$(grep "^public_key = " "$tmp/keys/sub/0363.key")" ]
check "keygen: the .pub holds the public half only" $?
"$ijwctl" keygen -o "$tmp/keys/sub" 0363 >"$tmp/keygen2.out" 2>&1
[ $? -eq 2 ] && grep -q "never overwritten" "$tmp/keygen2.out"
check "keygen never overwrites a key" $?
"$ijwctl" keygen -o "" 0363 >"$tmp/keygen3.out" 2>&1
[ $? -eq 2 ] && grep -q "wants a directory name" "$tmp/keygen3.out"
check "keygen: an empty -o is refused" $?
long=$(printf 'd%.0s' $(seq 1 1100))
"$ijwctl" keygen -o "$tmp/$long" 0363 >"$tmp/keygen4.out" 2>&1
[ $? -eq 2 ] && grep -q "wants a directory name" "$tmp/keygen4.out" && [ ! -e "$tmp/$long" ]
check "keygen: a -o too long for its buffers is refused" $?

tap_done
