#!/bin/sh
# ABI compatibility: every member, constant and struct of the frozen 1.0
# header (tests/abi/cloudengine/plugin.h) keeps its offset, size and value
# in the current header (structs may only grow); an input, an evaluator and
# an output compiled against the frozen header alone load and run a whole
# pipeline (whole and streamed documents, fire, every option type, a
# retry, event accessors, done() outcomes); plugins claiming a newer minor,
# another major (next, or the 0.x of before the freeze) or an unknown kind
# are refused with messages that say what to do.
. "$CE_TOP_SRCDIR/tests/cli/lib.sh"

ABI="$CE_TOP_BUILDDIR/tests/abi"

# --- 1: nothing frozen moved ------------------------------------------
"$ABI/layout_frozen" > "$TMP/frozen" || fail "layout_frozen"
"$ABI/layout_current" > "$TMP/current" || fail "layout_current"
assert_grep '^abi 1\.0$' "$TMP/frozen" "the frozen copy is the 1.0 header"
assert_grep '^abi 1\.[0-9]+$' "$TMP/current" "the current header is a 1.x"
[ "$(grep -c '^member ' "$TMP/frozen")" -ge 100 ] || fail "the layout lists every member"
grep -v -e '^abi ' -e '^size ' "$TMP/frozen" | while read -r line; do
	grep -qxF -- "$line" "$TMP/current" ||
		fail "changed since 1.0: '$line'; now: $(grep -F -- "$(echo "$line" | cut -d' ' -f1-2) " "$TMP/current")"
done
grep '^size ' "$TMP/frozen" | while read -r _ struct size; do
	now=$(sed -n "s/^size $struct //p" "$TMP/current")
	[ -n "$now" ] && [ "$now" -ge "$size" ] ||
		fail "struct $struct shrank: $size bytes in 1.0, ${now:-none} now"
done
CURRENT=$(sed -n 's/^abi //p' "$TMP/current")
MAJOR=${CURRENT%.*}
MINOR=${CURRENT#*.}

# --- 2: 1.0 plugins run a whole pipeline ------------------------------
{
	printf '%s\n' '{"eventVersion":"1.08","eventID":"abi-1","eventTime":"2024-01-01T00:00:00Z","eventSource":"iam.amazonaws.com","eventName":"CreateAccessKey","awsRegion":"eu-west-1","recipientAccountId":"123456789012","sourceIPAddress":"198.51.100.7","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::123456789012:user/alice"},"resources":[{"ARN":"arn:a"},{"ARN":"arn:b"}]}'
	printf '%s\n' '{"eventVersion":"1.08","eventID":"abi-2","eventTime":"2024-01-01T00:00:01Z","eventSource":"iam.amazonaws.com","eventName":"ListUsers","awsRegion":"eu-west-1","recipientAccountId":"123456789012","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::123456789012:user/alice"}}'
	printf '%s\n' '{"eventVersion":"1.08","eventID":"abi-3","eventTime":"2024-01-01T00:00:02Z","eventSource":"iam.amazonaws.com","eventName":"CreateAccessKey","awsRegion":"eu-west-1","recipientAccountId":"123456789012","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::123456789012:user/bob"}}'
} > "$TMP/records.ndjson"
sed 's/"abi-/"abi-s/' "$TMP/records.ndjson" > "$TMP/stream.ndjson"
cat > "$TMP/abi.conf" <<CONF
plugin_dirs = [ "$ABI/.libs" ];
workers = 1;
retry = { max_attempts = 3; base_delay_ms = 5; max_delay_ms = 20; };
inputs = ( { plugin = "abi_in"; path = "records.ndjson";
	stream_path = "stream.ndjson"; report = "report.txt"; } );
evaluator = { plugin = "abi_eval"; event_name = "CreateAccessKey"; outputs = [ "Sink" ]; };
outputs = ( { plugin = "abi_out"; name = "sink"; aliases = [ "Sink" ];
	file = "out.txt"; count = 7; ratio = 2.25; mode = "plain";
	list = [ "a", "b", "c" ]; secret = "\${ABI_SECRET}"; } );
CONF
ABI_SECRET=twelve-chars
export ABI_SECRET
start_engine run -c "$TMP/abi.conf"
wait_engine
assert_status 0 "$CE_STATUS" "a pipeline of 1.0 plugins (stderr: $(tail -3 "$TMP/stderr"))"
assert_grep 'abi_out sink ready \(host ABI '"$MAJOR"'\.'"$MINOR"'\)' "$TMP/stderr" "init() saw the host"
for doc in whole stream; do
	assert_grep "^$doc status=ok records=3 failed=0 skipped=0 alerts=2 size_ok=1\$" \
		"$TMP/report.txt" "done() for the $doc document"
done
[ "$(lines "$TMP/report.txt")" = 2 ] || fail "done() exactly once per document"
[ "$(lines "$TMP/out.txt")" = 4 ] || fail "4 alert lines, got $(lines "$TMP/out.txt")"
for doc in whole stream; do
	assert_grep '^abi\|abi: CreateAccessKey\|high\|2 resources\|Sink\|abi,1\.0\|attempt=2\|key=64\|event=CreateAccessKey\|origin='$doc':1\|json=1\|flat=12\|opts=7,2\.25,plain,3:a,12$' \
		"$TMP/out.txt" "the first record's alert, through every 1.0 accessor"
	assert_grep '^abi\|abi: CreateAccessKey\|high\|0 resources\|Sink\|abi,1\.0\|attempt=2\|key=64\|event=CreateAccessKey\|origin='$doc':3\|json=1\|flat=9\|' \
		"$TMP/out.txt" "the third record's alert"
done
assert_grep 'cloudengine_output_sink_lines=4' "$TMP/stderr" "the plugin's metric"
assert_grep 'cloudengine_output_sink_last_attempt=2' "$TMP/stderr" "metric_set"
assert_no_grep 'twelve-chars' "$TMP/stderr" "the secret option is never logged"

# --- 3: what is refused, and why --------------------------------------
: > "$TMP/empty.conf"
status=0
CLOUDENGINE_PLUGIN_PATH="$ABI/refused/.libs" "$CE_BIN" plugins -c "$TMP/empty.conf" \
	> "$TMP/refused.out" 2> "$TMP/refused.err" || status=$?
assert_status 3 "$status" "refused plugins make 'plugins' fail"
assert_no_grep '^abi_' "$TMP/refused.out" "no refused plugin is listed"
NEXT=$((MINOR + 1))
assert_grep "abi_newer_minor\.so: error: plugin was built for plugin ABI $MAJOR\.$NEXT, newer than this cloudengine's $MAJOR\.$MINOR: upgrade cloudengine or rebuild the plugin against $MAJOR\.$MINOR\$" \
	"$TMP/refused.err" "a newer minor"
assert_grep "abi_next_major\.so: error: plugin was built for plugin ABI $((MAJOR + 1))\.0; this cloudengine speaks $MAJOR\.$MINOR: rebuild it" \
	"$TMP/refused.err" "the next major"
assert_grep "abi_old_major\.so: error: plugin was built for plugin ABI 0\.1; this cloudengine speaks $MAJOR\.$MINOR: rebuild it" \
	"$TMP/refused.err" "a plugin of before the freeze"
assert_grep "abi_unknown_kind\.so: error: plugin 'abi_unknown_kind': unknown kind 4 \(expected 1 input, 2 evaluator or 3 output\)" \
	"$TMP/refused.err" "an unknown kind"
[ "$(lines "$TMP/refused.err")" = 4 ] || fail "one message per refused plugin"

# A configuration naming a refused plugin does not start.
cat > "$TMP/refused.conf" <<CONF
plugin_dirs = [ "$ABI/refused/.libs", "$ABI/.libs" ];
evaluator = { plugin = "abi_eval"; event_name = "X"; outputs = [ "abi_newer_minor" ]; };
outputs = ( { plugin = "abi_newer_minor"; } );
CONF
status=0
"$CE_BIN" check -c "$TMP/refused.conf" > "$TMP/check.out" 2>&1 || status=$?
assert_status 3 "$status" "check with a refused plugin"
assert_grep "abi_newer_minor\.so: error: plugin was built for plugin ABI" "$TMP/check.out" "check names the refusal"
echo "abi: 1.0 layout intact in $CURRENT; 1.0 plugins run; 4 refusals"
