#!/bin/sh
# The README's main job: the bundled configuration (file input over
# examples/events, the DRL rules, stdout) fires the original project's rule
# on the example event.
. "$(dirname "$0")/lib.sh"

conf="$CE_TOP_SRCDIR/etc/cloudengine.conf"
[ -f "$conf" ] || fail "no $conf"
status=0
"$CE_BIN" run -c "$conf" > "$TMP/out" 2> "$TMP/err" || status=$?
assert_status 0 "$status" "run of the bundled example (stderr: $(head -5 "$TMP/err"))"
assert_grep '"rule":"ec2.amazonaws.com: Someone is changing a security group"' "$TMP/out" "the original rule fires"
assert_grep '"eventName":"AuthorizeSecurityGroupIngress"' "$TMP/out" "on the example event"
"$CE_BIN" check -c "$conf" > "$TMP/out" 2> "$TMP/err" || fail "check of the bundled configuration: $(cat "$TMP/err")"
# --rules replaces the evaluator's rule directories (here: the same ones).
"$CE_BIN" test-rules -c "$conf" --rules "$CE_TOP_SRCDIR/rules" > "$TMP/out" 2> "$TMP/err" || fail "test-rules --rules: $(tail -5 "$TMP/out")"
assert_grep "^[1-9][0-9]* passed, 0 failed$" "$TMP/out" "rule tests through --rules"
echo "PASS: bundled example"
