#!/bin/sh
# Stopping the `sqs` input.  SIGTERM during a long poll: the poll ends by
# itself within shutdown_timeout_ms (so SQS hands no message to a
# connection nobody reads), or is cut short after it; either way the
# daemon exits with status 0.  SIGTERM while an alert is being retried:
# it drains, a second SIGTERM ends the drain, and the message is not
# deleted but given back to the queue at once (failed_visibility_timeout
# = 0) before the daemon exits, within a bounded time.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sqs_lib.sh"

echo '{"queues": [{"name": "ct-idle"}, {"name": "ct-stop"}]}' > "$TMP/init.json"
sqs_start "$TMP/init.json"
QURL=$(sqs_py url ct-stop)

# stop_idle NAME: SIGTERM once the input polls; sets ELAPSED.
stop_idle() {
	start_engine run -c "$TMP/$1.conf"
	wait_for 30 running grep -q 'queue http://' "$TMP/stderr"
	start=$(date +%s)
	kill -TERM "$CE_PID"
	wait_engine
	ELAPSED=$(( $(date +%s) - start ))
	assert_status 0 "$CE_STATUS" "$1: SIGTERM while idle"
	cp "$TMP/stderr" "$TMP/$1.stderr"
}

# --- 1: a 20 s poll is cut short after shutdown_timeout_ms ---------------
SQS_WAIT=20 sqs_conf "$TMP/cut.conf" "queue_url = \"$(sqs_py url ct-idle)\";
    shutdown_timeout_ms = 500;" 'outputs = [ "out" ];' \
    '{ plugin = "script"; name = "out"; log = "out.jsonl"; }'
stop_idle cut
[ "$ELAPSED" -le 5 ] || fail "cutting a long poll short took $ELAPSED s"
assert_grep 'cutting the long poll short after 500 ms' "$TMP/cut.stderr" \
    "the cut is logged"

# --- 2: a 2 s poll ends by itself: nothing is left to a dead poll ---------
SQS_WAIT=2 sqs_conf "$TMP/idle.conf" "queue_url = \"$QURL\";" \
    'outputs = [ "out" ];' \
    '{ plugin = "script"; name = "out"; log = "out.jsonl"; }'
stop_idle idle
[ "$ELAPSED" -le 8 ] || fail "stopping after a 2 s poll took $ELAPSED s"
assert_no_grep 'cutting' "$TMP/idle.stderr" "the poll ended by itself"

# --- 3: a message still retried at shutdown goes back --------------------
sqs_py eventbridge stuck-1 CreateAccessKey > "$TMP/stuck.json"
sqs_py send ct-stop "$TMP/stuck.json" > "$TMP/stuck.id"
[ "$(queue_count ct-stop ready)" = 1 ] ||
    fail "a message sent after the daemon stopped was taken"
SQS_RETRY='max_attempts = 1000; max_time_ms = 600000; base_delay_ms = 10; max_delay_ms = 200;'
sqs_conf "$TMP/stuck.conf" "queue_url = \"$QURL\"; visibility_timeout = 600;
    failed_visibility_timeout = 0;" 'outputs = [ "out" ];' \
    '{ plugin = "script"; name = "out"; log = "stuck.jsonl"; mode = "retry"; retry_after_ms = 200; }'
start_engine run -c "$TMP/stuck.conf"
wait_for 60 running at_least 2 "$TMP/stuck.jsonl"
start=$(date +%s)
kill -TERM "$CE_PID"
wait_for 30 running grep -q 'draining' "$TMP/stderr"
kill -TERM "$CE_PID"
wait_engine
assert_status 1 "$CE_STATUS" "an alert that never went out"
[ $(( $(date +%s) - start )) -le 20 ] || fail "shutdown took more than 20 s"
sqs_py ids ct-stop > "$TMP/state"
assert_grep "^ready $(cat "$TMP/stuck.id") [12]\$" "$TMP/state" \
    "the message is back in the queue, not deleted"
assert_grep 'cloudengine_input_ct_deleted=0$' "$TMP/stderr" "nothing deleted"
echo "PASS: sqs shutdown"
