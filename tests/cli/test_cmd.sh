#!/bin/sh
# `cloudengine test`: one JSON line per (record, fired rule) with the
# record's file and 1-based index, no output called, summary on stderr.
. "$(dirname "$0")/lib.sh"

cat > "$TMP/ce.conf" <<CONF
plugin_dirs = [ "$CONTRACT_PLUGINS" ];
inputs = ( { plugin = "script"; fifo = "unused"; outcomes = "unused"; } );
evaluator = { plugin = "script"; rule = "keys"; event_name = "CreateAccessKey"; outputs = [ "log", "Alias" ]; };
outputs = ( { plugin = "script"; name = "log"; aliases = [ "Alias" ]; log = "never-written.jsonl"; } );
CONF
cat > "$TMP/events.ndjson" <<'EV'
{"eventVersion":"1.08","eventID":"1","eventSource":"iam.amazonaws.com","eventName":"ListUsers"}
{"eventVersion":"1.08","eventID":"2","eventSource":"iam.amazonaws.com","eventName":"CreateAccessKey"}

{"eventVersion":"1.08","eventID":"4","eventSource":"iam.amazonaws.com","eventName":"CreateAccessKey"}
EV
"$CE_BIN" test -j 1 -c "$TMP/ce.conf" "$TMP/events.ndjson" > "$TMP/out" 2> "$TMP/err" || fail "test failed: $(cat "$TMP/err")"
cat > "$TMP/expected" <<EXP
{"rule":"keys","file":"$TMP/events.ndjson","index":2,"eventID":"2","eventSource":"iam.amazonaws.com","eventName":"CreateAccessKey","outputs":["log","Alias"]}
{"rule":"keys","file":"$TMP/events.ndjson","index":4,"eventID":"4","eventSource":"iam.amazonaws.com","eventName":"CreateAccessKey","outputs":["log","Alias"]}
EXP
diff -u "$TMP/expected" "$TMP/out" || fail "unexpected test output"
assert_grep "3 record\(s\) in 1 file\(s\), 2 rule firing\(s\)" "$TMP/err" "summary"
[ ! -e "$TMP/never-written.jsonl" ] || fail "test must not initialise outputs"
echo "PASS: test command"
