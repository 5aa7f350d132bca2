#!/bin/sh
# SIGHUP: the new evaluator configuration takes over for new documents; a
# configuration that does not load leaves the old one in force.  SIGTERM
# with nothing failed exits 0.
. "$(dirname "$0")/lib.sh"

mkfifo "$TMP/in.fifo"
write_conf() {
	cat > "$TMP/ce.conf" <<CONF
plugin_dirs = [ "$CONTRACT_PLUGINS" ];
inputs = ( { plugin = "script"; fifo = "in.fifo"; outcomes = "outcomes.jsonl"; } );
evaluator = { plugin = "script"; rule = "$1"; event_name = "$2"; outputs = [ "log" ]; };
outputs = ( { plugin = "script"; name = "log"; log = "log.jsonl"; } );
CONF
}
write_conf "keys" "CreateAccessKey"
start_engine run -c "$TMP/ce.conf"
exec 3> "$TMP/in.fifo"

echo '{"eventVersion":"1.08","eventID":"a","eventSource":"iam.amazonaws.com","eventName":"CreateAccessKey"}' >&3
wait_for 20 at_least 1 "$TMP/outcomes.jsonl"
assert_grep '"rule":"keys"' "$TMP/log.jsonl" "first configuration fires"

write_conf "trails" "StopLogging"
kill -HUP "$CE_PID"
wait_for 20 grep -q "reloaded" "$TMP/stderr"
echo '{"eventVersion":"1.08","eventID":"b","eventSource":"iam.amazonaws.com","eventName":"CreateAccessKey"}' >&3
echo '{"eventVersion":"1.08","eventID":"c","eventSource":"cloudtrail.amazonaws.com","eventName":"StopLogging"}' >&3
wait_for 20 at_least 3 "$TMP/outcomes.jsonl"
[ "$(lines "$TMP/log.jsonl")" = 2 ] || fail "after reload: expected 2 deliveries, got $(lines "$TMP/log.jsonl")"
assert_grep '"rule":"trails"' "$TMP/log.jsonl" "reloaded configuration fires"

echo 'this is not libconfig' > "$TMP/ce.conf"
kill -HUP "$CE_PID"
wait_for 20 grep -q "reload failed" "$TMP/stderr"
echo '{"eventVersion":"1.08","eventID":"d","eventSource":"cloudtrail.amazonaws.com","eventName":"StopLogging"}' >&3
wait_for 20 at_least 4 "$TMP/outcomes.jsonl"
[ "$(lines "$TMP/log.jsonl")" = 3 ] || fail "a failed reload must keep the previous rules"

kill -TERM "$CE_PID"
wait_engine
assert_status 0 "$CE_STATUS" "clean shutdown"
exec 3>&-
echo "PASS: reload"
