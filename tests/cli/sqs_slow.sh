#!/bin/sh
# A slow delivery does not stall the queue: while one message's alert is
# retried for seconds, the fifteen messages received with it are settled
# and deleted; the slow one's visibility (2 s) is extended meanwhile, so
# SQS never hands it out again, and it is deleted once its alert is out.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sqs_lib.sh"

echo '{"queues": [{"name": "ct-slow"}]}' > "$TMP/init.json"
sqs_start "$TMP/init.json"
sqs_py eventbridge slow-1 CreateAccessKey > "$TMP/slow.json"
sqs_py send ct-slow "$TMP/slow.json" > "$TMP/slow.id"
i=0
while [ $i -lt 15 ]; do
	i=$((i + 1))
	sqs_py record "quick-$i" ListUsers
done > "$TMP/quick.ndjson"
sqs_py send-lines ct-slow "$TMP/quick.ndjson" > /dev/null

# The slow alert is refused twice, 4 s apart, then accepted.
sqs_conf "$TMP/ce.conf" "queue_url = \"$(sqs_py url ct-slow)\";
    visibility_timeout = 2; concurrency = 16;" \
    'event_name = "CreateAccessKey"; outputs = [ "slow" ];' \
    '{ plugin = "script"; name = "slow"; log = "slow.jsonl"; fail_first = 2; retry_after_ms = 4000; }'
start_engine run -c "$TMP/ce.conf"
wait_for 60 running queue_is 1 ct-slow
[ "$(lines "$TMP/slow.jsonl")" -le 2 ] ||
    fail "the other messages waited for the slow one"
# The second attempt comes 4 s after the first: beyond the 2 s visibility
# timeout, yet the message was received once only.
wait_for 60 running at_least 2 "$TMP/slow.jsonl"
sqs_py ids ct-slow > "$TMP/state"
assert_grep "^inflight $(cat "$TMP/slow.id") 1\$" "$TMP/state" \
    "the slow message is still in flight, received once"
wait_for 60 running at_least 3 "$TMP/slow.jsonl"
wait_for 30 running queue_is 0 ct-slow
kill -TERM "$CE_PID"
wait_engine
assert_status 0 "$CE_STATUS" "SIGTERM after a clean run"
[ "$(lines "$TMP/slow.jsonl")" = 3 ] || fail "expected exactly 3 attempts"
assert_grep '"attempt":3,"answer":"ok"' "$TMP/slow.jsonl" "third attempt"
assert_grep 'cloudengine_input_ct_received=16$' "$TMP/stderr" "16 received"
assert_grep 'cloudengine_input_ct_deleted=16$' "$TMP/stderr" "16 deleted"
assert_grep 'cloudengine_input_ct_extended=([2-9]|[1-9][0-9]+)$' \
    "$TMP/stderr" "visibility extended"
echo "PASS: a slow delivery does not stall the queue"
