#!/bin/sh
# kill -9 in the middle loses nothing: a message is deleted only after its
# alerts went out, so at the moment of the kill every message gone from
# the queue has its alerts delivered; after a restart every alert arrives,
# any delivered twice with the same idempotency key, and the queue ends
# empty.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sqs_lib.sh"

echo '{"queues": [{"name": "ct-kill"}], "buckets": ["trail-bucket"]}' \
    > "$TMP/init.json"
sqs_start "$TMP/init.json"

# 40 messages: EventBridge events, and S3 notifications naming log files.
LOGS=AWSLogs/111122223333/CloudTrail/us-east-1/2024/05/01
sqs_py logfile "$TMP" f1:30 f2:30 f3:30 f4:30
: > "$TMP/bodies"
for f in f1 f2 f3 f4; do
	sqs_py put trail-bucket "$LOGS/$f.json.gz" "$TMP/$f.json.gz"
	sqs_py s3note trail-bucket "$LOGS/$f.json.gz" >> "$TMP/bodies"
done
i=0
while [ $i -lt 36 ]; do
	i=$((i + 1))
	sqs_py eventbridge "kill-$i" CreateAccessKey
	echo "kill-$i" >> "$TMP/expected.ids"
done >> "$TMP/bodies"
cat "$TMP"/f[1-4].ids >> "$TMP/expected.ids"
sqs_py send-lines ct-kill "$TMP/bodies" > "$TMP/sent.tsv"

# Each alert is refused once and retried 500 ms later, two messages at a
# time: the run takes seconds, and the kill lands in the middle.
sqs_conf "$TMP/ce.conf" "queue_url = \"$(sqs_py url ct-kill)\";
    visibility_timeout = 2; concurrency = 2;" 'outputs = [ "out" ];' \
    '{ plugin = "script"; name = "out"; log = "out.jsonl"; fail_first = 1; retry_after_ms = 500; }'
queue_below() {
	[ "$(queue_count "$2")" -lt "$1" ]
}
start_engine run -c "$TMP/ce.conf"
wait_for 60 running queue_below 40 ct-kill
kill -9 "$CE_PID"
wait_engine

# Every message already deleted had all its alerts out.
sqs_py ids ct-kill | cut -d' ' -f2 > "$TMP/left.ids"
left=$(lines "$TMP/left.ids")
[ "$left" -gt 0 ] || fail "the run ended before the kill: nothing to test"
[ "$left" -lt 40 ] || fail "nothing was deleted before the kill"
echo "killed with $left of 40 messages in the queue"
"$PYTHON3" - "$TMP" <<'PY' || fail "a message was deleted before its alerts went out"
import gzip, hashlib, json, sys
tmp = sys.argv[1]
left = set(open(tmp + "/left.ids").read().split())
ok = {json.loads(l)["key"] for l in open(tmp + "/out.jsonl")
      if json.loads(l)["answer"] == "ok"}
def key(i):
    return hashlib.sha256(b"cloudengine-alert-v1\0id:" + i.encode() + b"\0" +
                          b"sqs test rule").hexdigest()
for line in open(tmp + "/sent.tsv"):
    mid, body = line.rstrip("\n").split("\t", 1)
    if mid in left:
        continue
    b = json.loads(body)
    if "detail" in b:
        ids = [b["detail"]["eventID"]]
    else:
        name = b["Records"][0]["s3"]["object"]["key"].split("/")[-1][:2]
        ids = [r["eventID"] for r in json.load(gzip.open(
            "%s/%s.json.gz" % (tmp, name)))["Records"]]
    missing = [i for i in ids if key(i) not in ok]
    if missing:
        sys.exit("deleted %s, but %d alert(s) never went out" %
                 (mid, len(missing)))
PY

start_engine run -c "$TMP/ce.conf"
wait_for 120 running have_keys "$TMP/expected.ids" "$TMP/out.jsonl"
wait_for 60 running queue_is 0 ct-kill
kill -TERM "$CE_PID"
wait_engine
assert_status 0 "$CE_STATUS" "the second run"
same_keys "$TMP/expected.ids" "$TMP/out.jsonl"
echo "PASS: kill -9 loses nothing"
