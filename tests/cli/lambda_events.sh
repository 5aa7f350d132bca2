#!/bin/sh
# The lambda input, driven through the layer's bootstrap by a loopback
# Runtime API: EventBridge, SNS and bare-record invocations answered once
# each after their alerts went out; an SQS batch answered with exactly the
# records that failed in batchItemFailures (a malformed body, an alert an
# output refused); a malformed payload and an undelivered alert fail the
# invocation; header names in any case; SIGTERM ends the wait for the next
# invocation; a broken Runtime API ends the runtime; the input's own init
# failure is reported on /runtime/init/error.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lambda_lib.sh"

# Event files: a CloudTrail record that fires the test rule (eventName
# CreateAccessKey) or not, in every envelope Lambda may deliver.
"$PYTHON3" - "$TMP" <<'PY'
import json, sys
tmp = sys.argv[1]

def record(eid, name):
    return {"eventVersion": "1.08", "eventID": eid, "eventTime": "2024-06-03T14:21:07Z",
            "eventSource": "iam.amazonaws.com", "eventName": name,
            "awsRegion": "us-east-1", "sourceIPAddress": "198.51.100.7",
            "userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::123456789012:user/alice"}}

def eventbridge(eid, name):
    return {"version": "0", "id": "eb-" + eid, "detail-type": "AWS API Call via CloudTrail",
            "source": "aws.iam", "account": "123456789012", "time": "2024-06-03T14:21:07Z",
            "region": "us-east-1", "resources": [], "detail": record(eid, name)}

def sns_lambda(eid, name):
    return {"Records": [{"EventSource": "aws:sns", "EventVersion": "1.0",
                         "EventSubscriptionArn": "arn:aws:sns:us-east-1:123456789012:t:1",
                         "Sns": {"Type": "Notification", "MessageId": "sns-" + eid,
                                 "TopicArn": "arn:aws:sns:us-east-1:123456789012:t",
                                 "Message": json.dumps(eventbridge(eid, name)),
                                 "Timestamp": "2024-06-03T14:21:08.000Z"}}]}

def sns_envelope(eid, name):
    return {"Type": "Notification", "MessageId": "sns-" + eid,
            "TopicArn": "arn:aws:sns:us-east-1:123456789012:t",
            "Message": json.dumps(record(eid, name)), "Timestamp": "2024-06-03T14:21:08.000Z"}

def sqs(*bodies):
    return {"Records": [{"messageId": mid, "receiptHandle": "rh-" + mid, "body": body,
                         "attributes": {"ApproximateReceiveCount": "1"},
                         "messageAttributes": {}, "md5OfBody": "0",
                         "eventSource": "aws:sqs",
                         "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:q",
                         "awsRegion": "us-east-1"} for mid, body in bodies]}

def write(name, obj):
    with open("%s/%s.json" % (tmp, name), "w") as f:
        f.write(obj if isinstance(obj, str) else json.dumps(obj))

write("eventbridge", eventbridge("ev-1", "CreateAccessKey"))
write("sns", sns_lambda("ev-2", "CreateAccessKey"))
write("record", record("ev-3", "CreateAccessKey"))
write("malformed", '{"version":"0","detail-type":')
write("sqs-mixed", sqs(("m-fires", json.dumps(eventbridge("ev-5", "CreateAccessKey"))),
                       ("m-broken", '{"eventVersion":'),
                       ("m-sns", json.dumps(sns_envelope("ev-6", "ListUsers")))))
write("sqs-ok", sqs(("m-a", json.dumps(record("ev-7", "ListUsers"))),
                    ("m-b", json.dumps({"Service": "Amazon S3", "Event": "s3:TestEvent"}))))
write("sqs-fail", sqs(("f-1", json.dumps(eventbridge("ev-8", "ListUsers"))),
                      ("f-2", json.dumps(record("ev-9", "CreateAccessKey"))),
                      ("f-3", json.dumps(record("ev-10", "GetUser")))))
write("eventbridge-fail", eventbridge("ev-11", "CreateAccessKey"))
big = eventbridge("ev-12", "CreateAccessKey")
big["detail"]["requestParameters"] = {"padding": "x" * 8000}
write("big", big)
PY

conf() {	# conf FILE OUTPUT-MODE [INPUT OPTIONS]
	cat > "$1" <<CONF
plugin_dirs = [ "$CONTRACT_PLUGINS" ];
workers = 2;
retry = { max_attempts = 3; max_time_ms = 10000; base_delay_ms = 5; max_delay_ms = 20; };
inputs = ( { plugin = "lambda"; ${3:-} } );
evaluator = { plugin = "script"; rule = "access key created"; event_name = "CreateAccessKey"; outputs = [ "rec" ]; };
outputs = ( { plugin = "script"; name = "rec"; log = "rec-$2.jsonl"; mode = "$2"; } );
CONF
}

# 1. Every shape, an output that accepts; header names in lower case.
conf "$TMP/ok.conf" ok
start_api --lowercase-headers "$TMP/eventbridge.json" "$TMP/sns.json" \
    "$TMP/record.json" "$TMP/malformed.json" "$TMP/sqs-mixed.json" \
    "$TMP/sqs-ok.json"
start_lambda "$TMP/ok.conf"
wait_answers 6
echo "layer: $LAYER_KIND"
answer 1 | grep -Eq '^1 response [0-9]+ \{"records":1,"alerts":1\}$' ||
    fail "EventBridge: $(answer 1)"
answer 2 | grep -Eq '^2 response [0-9]+ \{"records":1,"alerts":1\}$' ||
    fail "SNS: $(answer 2)"
answer 3 | grep -Eq '^3 response [0-9]+ \{"records":1,"alerts":1\}$' ||
    fail "bare record: $(answer 3)"
answer 4 | grep -Eq '^4 error [0-9]+ Function\.InvalidEvent lambda:[0-9a-f-]+: not fully processed .*skipped' ||
    fail "malformed payload: $(answer 4)"
answer 5 | grep -Eq '^5 response [0-9]+ \{"batchItemFailures":\[\{"itemIdentifier":"m-broken"\}\]\}$' ||
    fail "SQS batch with a malformed body: $(answer 5)"
answer 6 | grep -Eq '^6 response [0-9]+ \{"batchItemFailures":\[\]\}$' ||
    fail "SQS batch, all fine: $(answer 6)"
[ "$(lines "$TMP/rec-ok.jsonl")" = 4 ] ||
    fail "expected 4 alerts (ev-1, ev-2, ev-3, ev-5), got $(lines "$TMP/rec-ok.jsonl")"
assert_grep 'sqs:m-broken: not fully processed' "$TMP/stderr" \
    "the failed record is logged by its origin"
assert_grep 'invocation [0-9a-f-]+: 1 of 3 SQS records reported in batchItemFailures' \
    "$TMP/stderr" "the partial batch failure is logged"
# Back on /next, waiting: SIGTERM must end that wait at once.
wait_for 20 gets 7
stop_engine
assert_status 1 "$CE_STATUS" "run with failed documents"
assert_no_grep 'ERROR|error:' "$TMP/stderr" "nothing went wrong in the runtime"

# 2. An output that refuses: the SQS record whose alert it refused, and
# only that one, is listed; a refused alert fails a whole invocation; a
# payload over max_payload fails its invocation, and the next one is
# served.  Then /next answers 500 (the container is broken): the runtime
# ends.
conf "$TMP/fail.conf" fail 'max_payload = 4096;'
start_api --when-empty 500 "$TMP/sqs-fail.json" "$TMP/eventbridge-fail.json" \
    "$TMP/big.json" "$TMP/sqs-ok.json"
start_lambda "$TMP/fail.conf"
wait_answers 4
answer 1 | grep -Eq '^1 response [0-9]+ \{"batchItemFailures":\[\{"itemIdentifier":"f-2"\}\]\}$' ||
    fail "SQS batch with a refused alert: $(answer 1)"
answer 2 | grep -Eq '^2 error [0-9]+ Function\.ProcessingFailed .*did not go out' ||
    fail "refused alert: $(answer 2)"
answer 3 | grep -Eq '^3 error [0-9]+ Function\.PayloadTooLarge payload larger than 4096 bytes' ||
    fail "payload over max_payload: $(answer 3)"
answer 4 | grep -Eq '^4 response [0-9]+ \{"batchItemFailures":\[\]\}$' ||
    fail "after a payload too large: $(answer 4)"
wait_for 20 not_running "$CE_PID"
wait_engine
assert_grep 'Runtime API: GET .*/runtime/invocation/next: HTTP 500.*stopping' \
    "$TMP/stderr" "a broken Runtime API is logged"
assert_status 1 "$CE_STATUS" "runtime ended by the Runtime API"

# 3. The input's own init failure goes to /runtime/init/error, once.
conf "$TMP/scheme.conf" ok 'runtime_api = "http://127.0.0.1:9001";'
start_api
start_lambda "$TMP/scheme.conf"
wait_for 20 not_running "$CE_PID"
wait_engine
assert_status 3 "$CE_STATUS" "init failure"
wait_for 20 at_least 1 "$API_LOG"
"$PYTHON3" - "$API_LOG" <<'PY' || fail "init error not reported as documented: $(cat "$API_LOG")"
import json, sys
reqs = [json.loads(l) for l in open(sys.argv[1])]
assert len(reqs) == 1, reqs
r = reqs[0]
assert r["method"] == "POST" and r["path"] == "/2018-06-01/runtime/init/error", r
body = json.loads(r["body"])
assert "no scheme" in body["errorMessage"] and "http://127.0.0.1:9001" in body["errorMessage"], body
assert body["errorType"] == r["headers"]["lambda-runtime-function-error-type"], r
PY

# 4. Not under Lambda at all: a clear error, nothing sent anywhere.
status=0
env -u AWS_LAMBDA_RUNTIME_API "$CE_BIN" run -c "$TMP/ok.conf" \
    > "$TMP/out" 2> "$TMP/err" || status=$?
assert_status 3 "$status" "no Runtime API"
assert_grep "AWS_LAMBDA_RUNTIME_API is not set" "$TMP/err" "says why"
echo "PASS: lambda events"
