#!/bin/sh
# test_rules.sh - the shipped rule pack against its own test cases: every
# case of every rules/*.test.json passes under the bundled configuration,
# and every rule of the pack is named by at least one case.
. "$(dirname "$0")/../tests/cli/lib.sh"

rules="$CE_TOP_SRCDIR/rules"
conf="$CE_TOP_SRCDIR/etc/cloudengine.conf"
status=0
"$CE_BIN" test-rules -c "$conf" > "$TMP/out" 2> "$TMP/err" || status=$?
assert_status 0 "$status" "test-rules (failures: $(grep -v '^PASS' "$TMP/out" | head -20))"
assert_no_grep '^FAIL' "$TMP/out" "no case fails"
assert_grep '^[0-9]+ passed, 0 failed$' "$TMP/out" "summary"

# Each test file was run: a file that failed to parse would show as FAIL,
# one that is missing shows here.
for drl in "$rules"/*.drl; do
	base=${drl%.drl}
	[ "$base" = "$rules/original" ] && continue
	[ -f "$base.test.json" ] || fail "$drl has no $(basename "$base").test.json"
	grep -q "^PASS .*/$(basename "$base").test.json#" "$TMP/out" ||
		fail "no case of $base.test.json ran"
done

# Each rule is named in a test file (fires or not_fires).
sed -n 's/^rule "\(.*\)"[[:space:]]*$/\1/p' "$rules"/*.drl | grep -v 'Someone is changing a security group' > "$TMP/names"
[ -s "$TMP/names" ] || fail "no rule names found in $rules"
while IFS= read -r name; do
	grep -qF "\"$name\"" "$rules"/*.test.json || fail "rule \"$name\" has no test case"
done < "$TMP/names"
echo "PASS: rule pack ($(wc -l < "$TMP/names" | tr -d ' ') rules, $(grep -c '^PASS' "$TMP/out") cases)"
