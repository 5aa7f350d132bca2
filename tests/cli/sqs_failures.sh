#!/bin/sh
# What the `sqs` input does not delete: a message whose alert an output
# refuses, a body that is not JSON and an S3 notification naming a missing
# object stay in the queue, come back (at once with
# failed_visibility_timeout = 0) with the same idempotency key, and the
# queue's redrive policy moves them to the dead-letter queue, while the
# good message beside them is deleted.  Then a message that failed under
# one daemon is delivered and deleted by the next one.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sqs_lib.sh"

cat > "$TMP/init.json" <<'JSON'
{"queues": [
  {"name": "ct-dlq"},
  {"name": "ct-poison", "attributes": {"RedrivePolicy":
   "{\"deadLetterTargetArn\":\"arn:aws:sqs:us-east-1:000000000000:ct-dlq\",\"maxReceiveCount\":\"3\"}"}},
  {"name": "ct-retry"}],
 "buckets": ["trail-bucket"]}
JSON
sqs_start "$TMP/init.json"

# --- 1: poison messages go to the dead-letter queue --------------------
sqs_py eventbridge ok-1 ListUsers > "$TMP/ok.json"
sqs_py eventbridge fail-1 CreateAccessKey > "$TMP/fail.json"
printf '{"Records": [ not json' > "$TMP/bad.json"
sqs_py s3note trail-bucket \
    AWSLogs/111122223333/CloudTrail/us-east-1/2024/05/01/missing.json.gz \
    > "$TMP/missing.json"
sqs_py send ct-poison "$TMP/ok.json" > "$TMP/ok.id"
sqs_py send ct-poison "$TMP/fail.json" "$TMP/bad.json" "$TMP/missing.json" \
    > "$TMP/poison.ids"

sqs_conf "$TMP/poison.conf" "queue_url = \"$(sqs_py url ct-poison)\";
    visibility_timeout = 30; failed_visibility_timeout = 0;" \
    'event_name = "CreateAccessKey"; outputs = [ "broken" ];' \
    '{ plugin = "script"; name = "broken"; log = "broken.jsonl"; mode = "fail"; }'
start_engine run -c "$TMP/poison.conf"
wait_for 90 running queue_is 3 ct-dlq
wait_for 30 running queue_is 0 ct-poison
kill -TERM "$CE_PID"
wait_engine
assert_status 1 "$CE_STATUS" "a run with failed documents"
sqs_py ids ct-dlq | cut -d' ' -f2 | sort > "$TMP/dlq.ids"
sort "$TMP/poison.ids" | cmp -s - "$TMP/dlq.ids" ||
    fail "the dead-letter queue holds $(cat "$TMP/dlq.ids"), expected $(cat "$TMP/poison.ids")"
# Received 3 times before the redrive: the refused alert was tried each
# time, always with the same key.
[ "$(sqs_py attempts "$TMP/broken.jsonl" fail-1)" = 3 ] ||
    fail "expected 3 attempts for the refused alert"
[ "$(lines "$TMP/broken.jsonl")" = 3 ] || fail "only fail-1 has an alert"
assert_grep 'sqs:ct-poison/[-0-9a-f]+: not deleted \(received 3 time' \
    "$TMP/stderr" "a message not deleted is logged with its receive count"
assert_grep 'missing.json.gz.*(NoSuchKey|404)' "$TMP/stderr" \
    "the missing object is logged"
assert_grep 'cloudengine_input_ct_deleted=1$' "$TMP/stderr" \
    "only the good message was deleted"

# --- 2: failed under one daemon, delivered by the next ------------------
sqs_py eventbridge again-1 CreateAccessKey > "$TMP/again.json"
sqs_py send ct-retry "$TMP/again.json" > "$TMP/again.id"
sqs_conf "$TMP/refuse.conf" "queue_url = \"$(sqs_py url ct-retry)\";
    visibility_timeout = 1;" 'outputs = [ "out" ];' \
    '{ plugin = "script"; name = "out"; log = "refused.jsonl"; mode = "fail"; }'
start_engine run -c "$TMP/refuse.conf"
# visibility_timeout ends and SQS hands it out again: a second attempt.
wait_for 60 running at_least 2 "$TMP/refused.jsonl"
kill -TERM "$CE_PID"
wait_engine
assert_status 1 "$CE_STATUS" "a run whose output refused"
[ "$(queue_count ct-retry)" = 1 ] || fail "the refused message was deleted"
sqs_conf "$TMP/accept.conf" "queue_url = \"$(sqs_py url ct-retry)\";
    visibility_timeout = 1;" 'outputs = [ "out" ];' \
    '{ plugin = "script"; name = "out"; log = "accepted.jsonl"; }'
start_engine run -c "$TMP/accept.conf"
wait_for 60 running at_least 1 "$TMP/accepted.jsonl"
wait_for 30 running queue_is 0 ct-retry
kill -TERM "$CE_PID"
wait_engine
assert_status 0 "$CE_STATUS" "the next run delivers it"
[ "$(grep -o '"key":"[0-9a-f]*"' "$TMP/refused.jsonl" "$TMP/accepted.jsonl" |
    cut -d: -f2- | sort -u | wc -l)" = 1 ] ||
    fail "the idempotency key changed across redeliveries"
echo "PASS: sqs failures stay in the queue"
