#!/bin/sh
# Every limit gives a clear error, naming the input and the setting,
# instead of unbounded work: limits.max_record_bytes, limits.max_depth,
# limits.max_gzip_ratio (a gzip bomb: 512 MiB of zeros in 500 KiB),
# limits.max_flat_bytes (a 250 KB record whose keys would add up to 5 GB:
# its alert goes out without the flattened map),
# the drl evaluator's regex_match_limit (catastrophic backtracking) and its
# rule file size (and a FIFO as a rule file, refused rather than waited on).  In each case the records around the bad one still
# alert, and the run ends with status 1 (something was skipped).
. "$(dirname "$0")/lib.sh"

[ -n "${PYTHON3:-}" ] || skip "no python3"

mkdir "$TMP/rules" "$TMP/in"
cat > "$TMP/rules/all.drl" <<'DRL'
import cloudengine.AlertServices.*;
rule "*: every record"
when
	$m : Map()
then
	new Out().report($m, drools.getRule().getName());
end
rule "*: catastrophic pattern"
when
	$m : Map(this["requestParameters.s"] matches "(a|aa)+")
then
	new Out().report($m, drools.getRule().getName());
end
// Without a limit this one holds ("aaa...c" does not match): a match the
// limit stopped makes "not matches" false too.
rule "*: catastrophic pattern, negated"
when
	$m : Map(this["eventID"] == "ok-9",
	         this["requestParameters.s"] not matches "(a|aa)+")
then
	new Out().report($m, drools.getRule().getName());
end
DRL

"$PYTHON3" - "$TMP/in" <<'PY'
import json, sys, zlib
d = sys.argv[1]
def rec(i, **kw):
    r = {"eventVersion": "1.08", "eventSource": "iam.amazonaws.com",
         "eventName": "ListUsers", "eventTime": "2024-01-01T00:00:00Z",
         "eventID": "ok-%d" % i}
    r.update(kw)
    return json.dumps(r)
with open(d + "/a-record-too-big.ndjson", "w") as f:
    f.write(rec(1) + "\n")
    f.write(rec(2, requestParameters={"blob": "x" * 400000}) + "\n")
    f.write(rec(3) + "\n")
with open(d + "/b-too-deep.ndjson", "w") as f:
    f.write(rec(4) + "\n")
    f.write(rec(5, requestParameters=json.loads("[" * 20 + "]" * 20)) + "\n")
    f.write(rec(6) + "\n")
with open(d + "/c-flat-bomb.ndjson", "w") as f:
    f.write(rec(7, **{"A" * 100000: [0] * 50000}) + "\n")
    f.write(rec(8) + "\n")
with open(d + "/d-regex.ndjson", "w") as f:
    f.write(rec(9, requestParameters={"s": "a" * 3000 + "c"}) + "\n")
# A gzip bomb, streamed: 512 MiB of zeros.
z = zlib.compressobj(9, zlib.DEFLATED, 31)
with open(d + "/e-bomb.json.gz", "wb") as f:
    f.write(z.compress(b'{"Records":[' + rec(10).encode() + b',"'))
    zeros = b"0" * (1 << 20)
    for _ in range(512):
        f.write(z.compress(zeros))
    f.write(z.compress(b'"]}') + z.flush())
PY

cat > "$TMP/ce.conf" <<CONF
workers = 2;
limits = {
	max_record_bytes = 300000;
	max_depth = 16;
	max_gzip_ratio = 1000;
	max_flat_bytes = 1048576;
};
inputs = ( { plugin = "file"; paths = [ "in" ]; } );
evaluator = { plugin = "drl"; rules = [ "rules" ]; regex_match_limit = 1000; };
outputs = ( { plugin = "stdout"; name = "out"; aliases = [ "Out" ]; event = "flat"; } );
CONF

start=$(date +%s)
set -- $("$PYTHON3" "$(dirname "$0")/rss.py" run sh -c \
	'exec "$0" run -c "$1" > "$2" 2> "$3"' \
	"$CE_BIN" "$TMP/ce.conf" "$TMP/alerts" "$TMP/log")
peak=$1 status=$2
elapsed=$(( $(date +%s) - start ))
cat "$TMP/log"
assert_status 1 "$status" "a run with records over the limits"
echo "limits run: ${elapsed}s, peak RSS $peak KiB"

assert_grep "a-record-too-big.ndjson.*2.*over the limit of 300000 bytes \(max_record_bytes\)" \
	"$TMP/log" "max_record_bytes names the file, the line and the setting"
assert_grep "b-too-deep.ndjson.*2.*more than 16 levels deep \(max_depth\)" \
	"$TMP/log" "max_depth names the file, the line and the setting"
assert_grep "e-bomb.json.gz.*max_gzip_ratio" "$TMP/log" \
	"max_gzip_ratio names the file and the setting"
assert_grep "regex_match_limit" "$TMP/log" "the regex limit is reported"
assert_grep "regex_limit_hits=[1-9]" "$TMP/log" "the regex limit is counted"

"$PYTHON3" - "$TMP/alerts" <<'PY' || fail "alerts"
import json, sys
alerts = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
ids = sorted(a["eventID"] for a in alerts if a["rule"] == "*: every record")
want = sorted("ok-%d" % i for i in (1, 3, 4, 6, 7, 8, 9, 10))
assert ids == want, ids
assert not any(a["rule"].startswith("*: catastrophic") for a in alerts), \
    "a match stopped by the limit must be false, negated or not"
bomb = [a for a in alerts if a["eventID"] == "ok-7"][0]
assert bomb["event"] is None, "a flattened map over max_flat_bytes is left out"
PY

# Bounded work: the bomb was not inflated, the flat bomb not built.
# Sanitizer builds keep freed memory in quarantine, and valgrind's RSS is
# its own: no RSS bound there.
if [ -z "${CE_UNDER_VALGRIND:-}" ] &&
    ! ldd "$CE_BIN" 2>/dev/null | grep -q -e libasan -e libtsan; then
	[ "$peak" -lt 262144 ] || fail "peak RSS $peak KiB: a limit did not bound memory"
fi

# A rule file over the limit of one file (sparse: no disk used), by
# default and as configured.
mkdir "$TMP/big"
truncate -s 65M "$TMP/big/huge.drl"
cat > "$TMP/big.conf" <<CONF
inputs = ( { plugin = "file"; paths = [ "in" ]; } );
evaluator = { plugin = "drl"; rules = [ "big" ]; };
outputs = ( { plugin = "stdout"; name = "out"; aliases = [ "Out" ]; } );
CONF
status=0
"$CE_BIN" check -c "$TMP/big.conf" > "$TMP/out" 2> "$TMP/err" || status=$?
assert_status 3 "$status" "check with a rule file over the limit"
assert_grep "huge.drl: error: rule file larger than 67108864 bytes \(max_rule_file_bytes\)" \
	"$TMP/err" "the rule file limit names the file"
rm "$TMP/big/huge.drl"
mkdir "$TMP/small"
# The rule of the original project, then a comment: 2,000 bytes or more.
{ cat "$CE_TOP_SRCDIR/rules/original.drl"; printf '// %01500d\n' 0; } \
	> "$TMP/small/original.drl"
cat > "$TMP/small.conf" <<CONF
evaluator = { plugin = "drl"; rules = [ "small" ]; max_rule_file_bytes = 1024; };
outputs = ( { plugin = "stdout"; name = "out"; aliases = [ "DatadogAlertService" ]; } );
CONF
size=$(wc -c < "$TMP/small/original.drl")
status=0
"$CE_BIN" check -c "$TMP/small.conf" > "$TMP/out" 2> "$TMP/err" || status=$?
if [ "$size" -gt 1024 ]; then
	assert_status 3 "$status" "check with max_rule_file_bytes = 1024"
	assert_grep "original.drl: error: rule file larger than 1024 bytes \(max_rule_file_bytes\)" \
		"$TMP/err" "the configured limit is named"
else
	fail "rules/original.drl ($size bytes) no longer exceeds the 1024 bytes this test needs"
fi
sed -i 's/max_rule_file_bytes = 1024/max_rule_file_bytes = 1048576/' "$TMP/small.conf"
"$CE_BIN" check -c "$TMP/small.conf" > "$TMP/out" 2> "$TMP/err" ||
	fail "check under a limit the file fits: $(cat "$TMP/err")"
# A FIFO is refused, not waited on.
mkfifo "$TMP/big/pipe.drl"
status=0
"$CE_BIN" check -c "$TMP/big.conf" > "$TMP/out" 2> "$TMP/err" || status=$?
assert_status 3 "$status" "check with a FIFO as a rule file"
assert_grep "pipe.drl: error: not a regular file" "$TMP/err" "a FIFO is refused"
echo "PASS: limits"
