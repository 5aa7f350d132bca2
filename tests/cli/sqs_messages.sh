#!/bin/sh
# The `sqs` input against fauxqs: every message shape a queue carries
# (EventBridge event, SNS envelope from a real topic, raw SNS delivery, a
# bare record, an S3 notification naming a gzip'd CloudTrail log file, the
# same through SNS, CloudTrail's own notification with two keys, a digest,
# S3's test event) gives exactly the alerts of its records, each once, and
# every message is deleted; SIGTERM during the long poll ends the daemon
# with status 0 within a bounded time.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sqs_lib.sh"

cat > "$TMP/init.json" <<'JSON'
{"queues": [{"name": "ct-events"}],
 "topics": [{"name": "ct-topic"}, {"name": "ct-raw"}],
 "subscriptions": [
  {"topic": "ct-topic", "queue": "ct-events"},
  {"topic": "ct-raw", "queue": "ct-events",
   "attributes": {"RawMessageDelivery": "true"}}],
 "buckets": ["trail-bucket"]}
JSON
sqs_start "$TMP/init.json"
QURL=$(sqs_py url ct-events)
IDS="$TMP/expected.ids"
: > "$IDS"

LOGS=AWSLogs/111122223333/CloudTrail/us-east-1/2024/05/01
KEY_A="$LOGS/111122223333_CloudTrail_us-east-1_20240501T1205Z_a b+c.json.gz"
KEY_B="$LOGS/111122223333_CloudTrail_us-east-1_20240501T1210Z_bbbbbbbbbbbbbbbb.json.gz"
KEY_C="$LOGS/111122223333_CloudTrail_us-east-1_20240501T1215Z_cccccccccccccccc.json.gz"
KEY_D="$LOGS/111122223333_CloudTrail_us-east-1_20240501T1220Z_dddddddddddddddd.json.gz"
DIGEST="AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2024/05/01/111122223333_CloudTrail-Digest_us-east-1_trail_us-east-1_20240501T1300Z.json.gz"

# Log files: real records from the corpus (when ../shared is there).
sqs_py logfile "$TMP" log-a:120 log-b:7 log-c:3 log-d:40
cat "$TMP"/log-[abcd].ids >> "$IDS"
sqs_py put trail-bucket "$KEY_A" "$TMP/log-a.json.gz"
sqs_py put trail-bucket "$KEY_B" "$TMP/log-b.json.gz"
sqs_py put trail-bucket "$KEY_C" "$TMP/log-c.json.gz"
sqs_py put trail-bucket "$KEY_D" "$TMP/log-d.json.gz"

# 1 EventBridge event; 2 a bare record; 3 an S3 notification (the key
# form-encoded); 4 CloudTrail's notification, two keys; 5 a digest; 6 S3's
# test event; 7 an S3 notification inside an SNS envelope.
sqs_py eventbridge eb-1 CreateAccessKey > "$TMP/m1.json"
sqs_py record bare-1 DeleteUser > "$TMP/m2.json"
sqs_py s3note trail-bucket "$KEY_A" > "$TMP/m3.json"
sqs_py ctnote trail-bucket "$KEY_B" "$KEY_C" > "$TMP/m4.json"
sqs_py s3note trail-bucket "$DIGEST" > "$TMP/m5.json"
sqs_py testevent > "$TMP/m6.json"
sqs_py s3note trail-bucket "$KEY_D" > "$TMP/d.json"
sqs_py sns "$TMP/d.json" > "$TMP/m7.json"
sqs_py send ct-events "$TMP"/m[1-7].json > "$TMP/sent.ids"
printf 'eb-1\nbare-1\n' >> "$IDS"
# 8 through a real topic (envelope); 9 raw delivery.
sqs_py eventbridge sns-1 CreateAccessKey > "$TMP/p1.json"
sqs_py publish ct-topic "$TMP/p1.json"
sqs_py record raw-1 AttachUserPolicy > "$TMP/p2.json"
sqs_py publish ct-raw "$TMP/p2.json"
printf 'sns-1\nraw-1\n' >> "$IDS"
[ "$(queue_count ct-events ready)" = 9 ] || fail "expected 9 messages queued"

sqs_conf "$TMP/ce.conf" "queue_url = \"$QURL\"; visibility_timeout = 60;" \
    'outputs = [ "rec" ];' \
    '{ plugin = "script"; name = "rec"; log = "rec.jsonl"; }'
start_engine run -c "$TMP/ce.conf"
wait_for 60 running have_keys "$IDS" "$TMP/rec.jsonl"
wait_for 30 running queue_is 0 ct-events
same_keys "$IDS" "$TMP/rec.jsonl"
# Each alert went out once: nothing was received twice.
[ "$(lines "$TMP/rec.jsonl")" = "$(lines "$IDS")" ] ||
    fail "expected $(lines "$IDS") deliveries, got $(lines "$TMP/rec.jsonl")"

# SIGTERM while the input is in a long poll: out at once, status 0.
start=$(date +%s)
kill -TERM "$CE_PID"
wait_engine
assert_status 0 "$CE_STATUS" "SIGTERM after a clean run"
[ $(( $(date +%s) - start )) -le 5 ] || fail "shutdown took more than 5 s"
assert_grep 'cloudengine_input_ct_received=9$' "$TMP/stderr" "9 received"
assert_grep 'cloudengine_input_ct_deleted=9$' "$TMP/stderr" "9 deleted"
assert_no_grep 'test-secret' "$TMP/stderr" "no secret in the log"

# The shipped daemon configuration passes `check` (with the rules of this
# tree and a writable dead-letter path), and the unit is valid systemd.
sed -e "s|/usr/local/share/cloudengine/rules|$CE_TOP_SRCDIR/rules|" \
    -e "s|/var/lib/cloudengine/|$TMP/|" \
    "$CE_TOP_SRCDIR/etc/sqs.conf.example" > "$TMP/example.conf"
DD_API_KEY=dd-test-key "$CE_BIN" check -c "$TMP/example.conf" \
    > "$TMP/check.out" 2>&1 || { cat "$TMP/check.out"; fail "etc/sqs.conf.example"; }
if command -v systemd-analyze > /dev/null; then
	mkdir "$TMP/unit"
	sed "s|/usr/local/bin/cloudengine|$CE_BIN|g" \
	    "$CE_TOP_SRCDIR/etc/cloudengine.service" \
	    > "$TMP/unit/cloudengine.service"
	systemd-analyze verify "$TMP/unit/cloudengine.service" \
	    > "$TMP/unit.out" 2>&1 || :
	assert_no_grep 'nknown|nvalid|ailed to parse|bad-setting|not a valid' \
	    "$TMP/unit.out" "etc/cloudengine.service"
fi
echo "PASS: sqs messages of every shape"
