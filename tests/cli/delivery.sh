#!/bin/sh
# The delivery contract, end to end through a running engine: done() is
# called exactly once per document, OK only when every alert went out;
# RETRY is retried with the same idempotency key; an output that refuses
# makes the document fail and lands the alert in the dead-letter file;
# skipped lines fail their document; SIGTERM drains and exits.  An alert
# that arrives again while the same alert is still being delivered to an
# output (retrying) joins that delivery instead of starting another, and
# its document ends as that delivery does.
. "$(dirname "$0")/lib.sh"

mkfifo "$TMP/in.fifo"
cat > "$TMP/ce.conf" <<CONF
plugin_dirs = [ "$CONTRACT_PLUGINS" ];
workers = 2;
retry = { max_attempts = 4; max_time_ms = 30000; base_delay_ms = 5; max_delay_ms = 20; };
dead_letter = "dead.jsonl";
inputs = ( { plugin = "script"; fifo = "in.fifo"; outcomes = "outcomes.jsonl"; } );
evaluator = { plugin = "script"; rule = "access key created"; event_name = "CreateAccessKey"; outputs = [ "flaky", "Broken" ]; };
outputs = (
  { plugin = "script"; name = "flaky"; log = "flaky.jsonl"; fail_first = 2; },
  { plugin = "script"; name = "broken"; aliases = [ "Broken" ]; log = "broken.jsonl"; mode = "fail"; }
);
CONF

start_engine run -c "$TMP/ce.conf"
exec 3> "$TMP/in.fifo"

# 1: a record that fires: flaky succeeds on its third attempt, broken refuses.
echo '{"eventVersion":"1.08","eventID":"e-1","eventSource":"iam.amazonaws.com","eventName":"CreateAccessKey","userIdentity":{"arn":"arn:aws:iam::1:user/a"}}' >&3
wait_for 20 at_least 1 "$TMP/outcomes.jsonl"
assert_grep '^\{"id":1,"status":"failed","records":1,"failed":1,"skipped":0,"alerts":1\}$' "$TMP/outcomes.jsonl" "failing output fails the document"
[ "$(lines "$TMP/flaky.jsonl")" = 3 ] || fail "flaky: expected 3 attempts, got $(lines "$TMP/flaky.jsonl")"
assert_grep '"attempt":1,"answer":"retry"' "$TMP/flaky.jsonl" "first attempt"
assert_grep '"attempt":3,"answer":"ok","called_as":"flaky","severity":"high"' "$TMP/flaky.jsonl" "third attempt"
[ "$(grep -o '"key":"[0-9a-f]*"' "$TMP/flaky.jsonl" | sort -u | wc -l)" = 1 ] || fail "idempotency key changed across retries"
[ "$(lines "$TMP/broken.jsonl")" = 1 ] || fail "a refused alert must not be retried"
assert_grep '"called_as":"Broken"' "$TMP/broken.jsonl" "alias reaches the instance"
[ "$(lines "$TMP/dead.jsonl")" = 1 ] || fail "expected 1 dead letter"
assert_grep '"output":"broken".*"rule":"access key created".*"reason":"scripted failure".*"event":\{"eventVersion":"1.08","eventID":"e-1"' "$TMP/dead.jsonl" "dead letter holds the whole alert"

# 2: a record that fires nothing is a success.
echo '{"eventVersion":"1.08","eventID":"e-2","eventSource":"iam.amazonaws.com","eventName":"ListUsers"}' >&3
wait_for 20 at_least 2 "$TMP/outcomes.jsonl"
assert_grep '^\{"id":2,"status":"ok","records":1,"failed":0,"skipped":0,"alerts":0\}$' "$TMP/outcomes.jsonl" "no match is ok"

# 3: a malformed document is skipped and fails.
echo '{"eventID":"e-3","eventSource":' >&3
wait_for 20 at_least 3 "$TMP/outcomes.jsonl"
assert_grep '^\{"id":3,"status":"failed","records":0,"failed":1,"skipped":1,"alerts":0\}$' "$TMP/outcomes.jsonl" "malformed fails"
assert_grep 'fifo#3:1: skipped' "$TMP/stderr" "skipped line is reported with origin and line"

# 4: an S3 test event holds no record: a success.
echo '{"Service":"Amazon S3","Event":"s3:TestEvent","Time":"2026-11-26T00:00:00Z","Bucket":"b"}' >&3
wait_for 20 at_least 4 "$TMP/outcomes.jsonl"
assert_grep '^\{"id":4,"status":"ok","records":0,' "$TMP/outcomes.jsonl" "test event is ok"

# 5: the same record again (a redelivered message): what went out is not
# sent again to that output; what did not is tried again.
echo '{"eventVersion":"1.08","eventID":"e-1","eventSource":"iam.amazonaws.com","eventName":"CreateAccessKey","userIdentity":{"arn":"arn:aws:iam::1:user/a"}}' >&3
wait_for 20 at_least 5 "$TMP/outcomes.jsonl"
[ "$(lines "$TMP/flaky.jsonl")" = 3 ] || fail "a delivered (key, output) pair was sent again"
[ "$(lines "$TMP/broken.jsonl")" = 2 ] || fail "an undelivered alert must be tried again on redelivery"
[ "$(grep -o '"key":"[0-9a-f]*"' "$TMP/broken.jsonl" | sort -u | wc -l)" = 1 ] || fail "idempotency key changed across redelivery"

kill -TERM "$CE_PID"
wait_engine
assert_status 1 "$CE_STATUS" "run after a failed document"
[ "$(lines "$TMP/outcomes.jsonl")" = 5 ] || fail "done() must be called exactly once per document"
assert_grep 'not delivered after 1 attempt' "$TMP/stderr" "a log line for the refused alert"
exec 3>&-

# 6: the same record twice while its alert is being retried (slow asks
# for 1.5 s before each new attempt): one delivery, two documents that
# end with it; down gives up after two attempts, and both documents fail
# with it, with one dead letter.
rm -f "$TMP/outcomes.jsonl" "$TMP/dead.jsonl"
cat > "$TMP/join.conf" <<CONF
plugin_dirs = [ "$CONTRACT_PLUGINS" ];
workers = 2;
retry = { max_attempts = 2; max_time_ms = 30000; base_delay_ms = 5; max_delay_ms = 20; };
dead_letter = "dead.jsonl";
inputs = ( { plugin = "script"; fifo = "in.fifo"; outcomes = "outcomes.jsonl"; } );
evaluator = { plugin = "script"; rule = "access key created"; event_name = "CreateAccessKey"; outputs = [ "slow", "down" ]; };
outputs = (
  { plugin = "script"; name = "slow"; log = "slow.jsonl"; fail_first = 1; retry_after_ms = 1500; },
  { plugin = "script"; name = "down"; log = "down.jsonl"; mode = "retry"; retry_after_ms = 1500; }
);
CONF
start_engine run -c "$TMP/join.conf"
exec 3> "$TMP/in.fifo"
rec='{"eventVersion":"1.08","eventID":"e-6","eventSource":"iam.amazonaws.com","eventName":"CreateAccessKey","userIdentity":{"arn":"arn:aws:iam::1:user/a"}}'
echo "$rec" >&3
wait_for 20 at_least 1 "$TMP/slow.jsonl"
echo "$rec" >&3
wait_for 20 at_least 2 "$TMP/outcomes.jsonl"
[ "$(lines "$TMP/slow.jsonl")" = 2 ] || fail "slow: one delivery of 2 attempts, got $(lines "$TMP/slow.jsonl") attempts"
[ "$(lines "$TMP/down.jsonl")" = 2 ] || fail "down: one delivery of 2 attempts, got $(lines "$TMP/down.jsonl") attempts"
[ "$(lines "$TMP/dead.jsonl")" = 1 ] || fail "one dead letter for the one delivery"
for id in 1 2; do
	assert_grep '^\{"id":'$id',"status":"failed","records":1,"failed":1,"skipped":0,"alerts":1\}$' \
		"$TMP/outcomes.jsonl" "document $id ends with the delivery it joined"
done
kill -TERM "$CE_PID"
wait_engine
exec 3>&-
assert_grep 'cloudengine_output_slow_deduplicated=1' "$TMP/stderr" "slow: the second alert joined"
assert_grep 'cloudengine_output_down_deduplicated=1' "$TMP/stderr" "down: the second alert joined"
echo "PASS: delivery contract"
