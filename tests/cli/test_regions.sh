#!/bin/sh
# ijwctl rules test --region end to end: the worked region profile
# deploy/regions/een10.{conf,register} (seed 000, "Een 10 voor de Jeugd")
# judged on the fixtures of tests/fixtures/regions/een10, one rule each, with
# every rule's verdict printed; region lookup by name and by path; a malformed
# register refused with file:line; every profile in deploy/regions loads.
# usage: test_regions.sh IJWCTL FIXTURES SOURCE_ROOT
set -u
ijwctl=$1
fx=$2
src=$3
r="$fx/regions/een10"
. "$(dirname "$0")/../common/tap.sh"
# run NAME FIXTURE: judge against een10, output in $tmp/NAME.out, exit status in $rc
run() {
    "$ijwctl" rules test --region een10 "$r/$2" >"$tmp/$1.out" 2>&1
    rc=$?
}

run crisis4 jw301-crisis-4-weken.xml
[ $rc -eq 0 ] && grep -q "ACCEPTED" "$tmp/crisis4.out" && grep -q "rule CR-DUUR  *pass" "$tmp/crisis4.out"
check "een10: crisis toewijzing of four weeks passes (seed 000 §9.3)" $?
[ "$(grep -c '^      rule ' "$tmp/crisis4.out")" -eq 16 ]
check "een10: every rule of the register gets a verdict" $?
grep -q "rule CR-CONTRACT  *off" "$tmp/crisis4.out" && grep -q "rule TR418  *not applicable" "$tmp/crisis4.out"
check "een10: switched-off and not applicable rules are shown as such" $?

run crisis8 jw301-crisis-8-weken.xml
[ $rc -eq 0 ] && grep -q "rule CR-DUUR  *WARN" "$tmp/crisis8.out" && grep -q "filter contract  *WARN" "$tmp/crisis8.out" && grep -q "ACCEPTED" "$tmp/crisis8.out"
check "een10: crisis beyond four weeks is accepted with a CR-DUUR warning" $?

run wonen jw301-wonen-per-uur.xml
[ $rc -eq 1 ] && grep -q "rule CR-EENHEID  *REJECT 0001" "$tmp/wonen.out"
check "een10: wonen per uur instead of per etmaal is rejected (seed 000 §6.4.1)" $?

run maand jw301-dagbehandeling-per-maand.xml
[ $rc -eq 1 ] && grep -q "rule CR-FREQUENTIE  *REJECT 0001" "$tmp/maand.out"
check "een10: dagdelen per maand instead of per week are rejected (seed 000 §7.4)" $?
run week jw301-dagbehandeling-per-week.xml
[ $rc -eq 0 ] && grep -q "ACCEPTED" "$tmp/week.out"
check "een10: dagdelen per week pass" $?

run zelf jw315-zelfverwijzer.xml
[ $rc -eq 1 ] && grep -q "rule CR-VERWIJZER  *REJECT 0001" "$tmp/zelf.out" && grep -q "/Verwijzer/Type" "$tmp/zelf.out"
check "een10: a zelfverwijzer is refused (seed 000 §2.1)" $?
run crisiszelf jw315-crisis-zelfverwijzer.xml
[ $rc -eq 0 ] && grep -q "rule CR-VERWIJZER  *pass" "$tmp/crisiszelf.out"
check "een10: ... except for crisis (seed 000 §9.4.2)" $?

run gemeente jw301-onbekende-gemeente.xml
[ $rc -eq 0 ] && grep -q "rule TR378  *WARN" "$tmp/gemeente.out"
check "een10: a gemeentecode outside the CBS list is flagged (TR378, warn while the list is partial)" $?

run stuks jw323-ambulant-stuks.xml
[ $rc -eq 1 ] && grep -q "rule CR-EENHEID  *REJECT 9341" "$tmp/stuks.out"
check "een10: an ambulant declaratie in Stuks is rejected with 9341 (seed 000 §8.4.1)" $?
run jr jw323-jeugdreclassering.xml
[ $rc -eq 0 ] && grep -q "ACCEPTED" "$tmp/jr.out"
check "een10: jeugdreclassering is outside the strategy and passes (seed 000 §1.2)" $?
! grep -q "99990" "$tmp"/*.out
check "region output never prints a BSN" $?

"$ijwctl" rules test --region "$src/deploy/regions/een10.conf" "$r/jw301-wonen-per-uur.xml" >"$tmp/path.out" 2>&1
[ $? -eq 1 ] && grep -q "rule CR-EENHEID  *REJECT 0001" "$tmp/path.out"
check "--region accepts a path to a profile" $?

"$ijwctl" rules test --region nope "$r/jw301-crisis-4-weken.xml" >"$tmp/nope.out" 2>&1
[ $? -eq 2 ] && grep -q "region 'nope' not found" "$tmp/nope.out" && grep -q "known regions: .*een10" "$tmp/nope.out"
check "an unknown region exits 2 and lists the known ones" $?

mkdir "$tmp/bad"
printf 'filter contract\n    register = bad.register\n' >"$tmp/bad/bad.conf"
printf 'register\n    naam = Kapot\nsegment 1\n    max_duur = vier weken\naanbieder 123\n' >"$tmp/bad/bad.register"
"$ijwctl" rules test --region "$tmp/bad/bad.conf" "$r/jw301-crisis-4-weken.xml" >"$tmp/bad.out" 2>&1
[ $? -eq 2 ] && grep -q "bad.register:4: max_duur: 'vier weken' is not a duration" "$tmp/bad.out" \
    && grep -q "bad.register:5: bad AGB code '123'" "$tmp/bad.out"
check "a malformed register is refused with file:line errors" $?

# Every profile shipped in deploy/regions loads (the regions helper's too).
ok=0
for conf in "$src"/deploy/regions/*.conf; do
    "$ijwctl" rules test --region "$conf" "$fx/valid/jw301.xml" >"$tmp/each.out" 2>&1
    if [ $? -eq 2 ]; then
        echo "# $conf:"
        sed 's/^/#   /' "$tmp/each.out"
        ok=1
    fi
done
check "every profile in deploy/regions loads" $ok

tap_done
