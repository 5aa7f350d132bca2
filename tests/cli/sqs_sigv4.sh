#!/bin/sh
# Every request of the `sqs` input (ReceiveMessage, DeleteMessageBatch,
# ChangeMessageVisibilityBatch) and every S3 GetObject of the core passes
# the botocore SigV4 checker (tests/peers/sigv4_peer.py) in front of
# fauxqs, with and without a session token; signed with a wrong secret,
# SQS and S3 refuse, the refusal is logged, nothing is deleted, and no
# secret, token or canonical request reaches the log.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sqs_lib.sh"

"$PYTHON3" -c 'import botocore' 2>/dev/null ||
    skip "python3-botocore is not installed"

SECRET=SENTINEL-secret-1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d
TOKEN=SENTINEL-token-IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQ+/=

cat > "$TMP/init.json" <<'JSON'
{"queues": [{"name": "ct-signed"}], "buckets": ["trail-bucket"]}
JSON
sqs_start "$TMP/init.json"
QURL=$(sqs_py url ct-signed)
mkdir "$TMP/secret"
cat > "$TMP/secret/creds.json" <<JSON
{"AKIDWITHTOKEN": {"secret": "$SECRET", "token": "$TOKEN"},
 "AKIDNOTOKEN": {"secret": "$SECRET", "token": null},
 "AKIDWRONG": {"secret": "another-secret-entirely", "token": null}}
JSON
sigv4_peer_start sigv4 --credentials "$TMP/secret/creds.json" \
    --region us-east-1
# Both the input and the core's S3 stream go through the checker.
export AWS_ENDPOINT_URL_S3="$SIGV4_URL"
LOGS=AWSLogs/111122223333/CloudTrail/us-east-1/2024/05/01

# run NAME: an EventBridge event and an S3 notification naming a log file
# of 25 records through the checker, each alert refused once and retried
# 3 s later (longer than the 2 s visibility timeout: the messages'
# visibility is extended meanwhile).
run() {
	sqs_py logfile "$TMP" "$1:25"
	sqs_py put trail-bucket "$LOGS/$1.json.gz" "$TMP/$1.json.gz"
	sqs_py s3note trail-bucket "$LOGS/$1.json.gz" > "$TMP/$1-s3.json"
	sqs_py eventbridge "$1-eb" CreateAccessKey > "$TMP/$1-eb.json"
	sqs_py send ct-signed "$TMP/$1-s3.json" "$TMP/$1-eb.json" > /dev/null
	echo "$1-eb" >> "$TMP/$1.ids"
	sqs_conf "$TMP/$1.conf" "queue_url = \"$QURL\"; endpoint = \"$SIGV4_URL\";
	    visibility_timeout = 2;" 'outputs = [ "out" ];' \
	    "{ plugin = \"script\"; name = \"out\"; log = \"$1.jsonl\"; fail_first = 1; retry_after_ms = 3000; }"
	# The duplicate endpoint key: the one given here wins over sqs_conf's.
	sed -i "s|endpoint = \"$FAUXQS_URL\"; ||" "$TMP/$1.conf"
	: > "$TMP/sigv4.jsonl"
	start_engine run -c "$TMP/$1.conf"
}

# check_peer WANT_TOKEN: every request was accepted, SQS and S3 both seen.
check_peer() {
	"$PYTHON3" - "$TMP/sigv4.jsonl" "$1" <<'PY' || fail "the checker's verdicts"
import json, sys
reqs = [json.loads(l) for l in open(sys.argv[1])]
want_token = sys.argv[2] == "yes"
bad = [r for r in reqs if r["verdict"] != "ok"]
assert not bad, "refused: %s" % bad[:3]
services = {r["service"] for r in reqs}
assert services == {"sqs", "s3"}, services
for r in reqs:
    assert r["region"] == "us-east-1", r
    assert r["token"] == want_token, r
    signed = set(r["signed_headers"])
    need = {"host", "x-amz-date"}
    if r["service"] == "sqs":
        need |= {"content-type", "x-amz-target"}
    else:
        need |= {"x-amz-content-sha256"}
    if want_token:
        need.add("x-amz-security-token")
    assert need <= signed, (need - signed, r)
assert sum(1 for r in reqs if r["service"] == "sqs") >= 3, len(reqs)
PY
}

finish_ok() {
	wait_for 90 running have_keys "$TMP/$1.ids" "$TMP/$1.jsonl"
	wait_for 30 running queue_is 0 ct-signed
	kill -TERM "$CE_PID"
	wait_engine
	assert_status 0 "$CE_STATUS" "$1"
	cp "$TMP/stderr" "$TMP/$1.stderr"
	assert_grep 'cloudengine_input_ct_extended=[1-9]' "$TMP/$1.stderr" \
	    "$1: visibility extended (ChangeMessageVisibilityBatch signed)"
}

# --- 1: session credentials -------------------------------------------
export AWS_ACCESS_KEY_ID=AKIDWITHTOKEN AWS_SECRET_ACCESS_KEY="$SECRET" \
    AWS_SESSION_TOKEN="$TOKEN"
run token
finish_ok token
check_peer yes

# --- 2: long-term credentials, no token ---------------------------------
export AWS_ACCESS_KEY_ID=AKIDNOTOKEN
unset AWS_SESSION_TOKEN
run plain
finish_ok plain
check_peer no

# --- 3: a wrong secret: SQS refuses, nothing is received ------------------
# Retried with capped exponential backoff and jitter, never in a tight
# loop: attempt n waits between 100 * 2^(n-1) and 200 * 2^(n-1) ms, so the
# delays never shrink and the fourth is at least 800 ms.
export AWS_ACCESS_KEY_ID=AKIDWRONG
run wrong
retries() {
	[ "$(grep -c 'SignatureDoesNotMatch.*retrying in' "$TMP/stderr")" -ge "$1" ]
}
wait_for 60 running retries 4
grep -o 'retrying in [0-9]* ms' "$TMP/stderr" | head -n 4 |
    tr -dc '0-9\n' > "$TMP/delays"
"$PYTHON3" - "$TMP/delays" <<'PY' || fail "backoff: $(tr '\n' ' ' < "$TMP/delays")"
import sys
d = [int(x) for x in open(sys.argv[1]).read().split()]
assert len(d) == 4 and d == sorted(d) and d[0] >= 100 and d[3] >= 800, d
PY
kill -TERM "$CE_PID"
wait_engine
cp "$TMP/stderr" "$TMP/wrong-sqs.stderr"
assert_grep 'ReceiveMessage on .*ct-signed: SignatureDoesNotMatch: The request signature we calculated does not match the signature you provided\. .*retrying in [0-9]+ ms' \
    "$TMP/wrong-sqs.stderr" "the refusal is logged"
[ "$(queue_count ct-signed)" = 2 ] || fail "messages were taken with a bad signature"

# --- 4: the same wrong secret for S3 only: the message is not deleted ----
sed -i "s|endpoint = \"$SIGV4_URL\";|endpoint = \"$FAUXQS_URL\";|" "$TMP/wrong.conf"
start_engine run -c "$TMP/wrong.conf"
wait_for 60 running grep -q 'wrong.json.gz.*SignatureDoesNotMatch' "$TMP/stderr"
wait_for 60 running at_least 1 "$TMP/wrong.jsonl"	# the EventBridge one
kill -TERM "$CE_PID"
kill -TERM "$CE_PID" 2>/dev/null || :
wait_engine
cp "$TMP/stderr" "$TMP/wrong-s3.stderr"
sqs_py ids ct-signed > "$TMP/state"
[ "$(lines "$TMP/state")" -ge 1 ] || fail "the S3 notification was deleted"

for f in "$TMP"/*.stderr "$TMP"/*.jsonl; do
	assert_no_grep 'SENTINEL|another-secret|Canonical String' "$f" \
	    "no secret, token or canonical request in $(basename "$f")"
done
echo "PASS: sqs and S3 requests pass the SigV4 checker"
