#!/bin/sh
# The invocation's deadline (Lambda-Runtime-Deadline-Ms) bounds the
# retries: with an output that answers RETRY forever and a deadline 2.5 s
# away, the core stops retrying deadline_margin_ms before it, and the
# runtime answers before the deadline, reporting what did not go out (the
# SQS record in batchItemFailures, the invocation as an error) instead of
# letting Lambda time the invocation out.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lambda_lib.sh"

"$PYTHON3" - "$TMP" <<'PY'
import json, sys
tmp = sys.argv[1]

def record(eid, name):
    return {"eventVersion": "1.08", "eventID": eid, "eventSource": "iam.amazonaws.com",
            "eventName": name, "awsRegion": "us-east-1",
            "userIdentity": {"arn": "arn:aws:iam::123456789012:user/bob"}}

batch = {"Records": [{"messageId": mid, "body": json.dumps(record(eid, name)),
                      "eventSource": "aws:sqs", "awsRegion": "us-east-1"}
                     for mid, eid, name in (("d-1", "ev-1", "ListUsers"),
                                            ("d-2", "ev-2", "CreateAccessKey"))]}
with open(tmp + "/batch.json", "w") as f:
    json.dump(batch, f)
with open(tmp + "/eventbridge.json", "w") as f:
    json.dump({"version": "0", "detail-type": "AWS API Call via CloudTrail",
               "source": "aws.iam", "detail": record("ev-3", "CreateAccessKey")}, f)
PY

cat > "$TMP/ce.conf" <<CONF
plugin_dirs = [ "$CONTRACT_PLUGINS" ];
retry = { max_attempts = 1000; max_time_ms = 600000; base_delay_ms = 50; max_delay_ms = 100; };
inputs = ( { plugin = "lambda"; deadline_margin_ms = 1000; } );
evaluator = { plugin = "script"; event_name = "CreateAccessKey"; outputs = [ "stuck" ]; };
outputs = ( { plugin = "script"; name = "stuck"; log = "stuck.jsonl"; mode = "retry"; } );
CONF

start_api --deadline-ms 2500 "$TMP/batch.json" "$TMP/eventbridge.json"
start_lambda "$TMP/ce.conf"
wait_answers 2
# Answered before the deadline, and no sooner than the retries had to stop
# (deadline - margin): a margin between 0 and about 1000 ms.
margin() {
	answer "$1" | cut -d' ' -f3
}
answer 1 | grep -Eq '^1 response [0-9]+ \{"batchItemFailures":\[\{"itemIdentifier":"d-2"\}\]\}$' ||
    fail "SQS batch cut short by the deadline: $(answer 1)"
answer 2 | grep -Eq '^2 error [0-9]+ Function\.ProcessingFailed ' ||
    fail "invocation cut short by the deadline: $(answer 2)"
for n in 1 2; do
	m=$(margin $n)
	[ "$m" -gt 0 ] && [ "$m" -le 1300 ] ||
	    fail "invocation $n answered $m ms before its deadline, expected 0 to ~1000"
done
# The output was retried, then given up on.
[ "$(lines "$TMP/stuck.jsonl")" -ge 4 ] ||
    fail "expected several attempts, got $(lines "$TMP/stuck.jsonl")"
assert_grep 'deadline' "$TMP/stderr" "the deadline is named as the reason"
stop_engine
assert_status 1 "$CE_STATUS" "run with documents cut short"

# SIGTERM while an invocation's alert is being retried, far from its
# deadline: the engine drains (a second signal ends the grace period),
# and the invocation is still answered, its record reported as failed,
# before the process exits.
: > "$TMP/stuck.jsonl"
start_api --deadline-ms 600000 "$TMP/batch.json"
start_lambda "$TMP/ce.conf"
wait_for 30 at_least 2 "$TMP/stuck.jsonl"
kill -TERM "$CE_PID"
wait_for 20 grep -q 'stopping: draining' "$TMP/stderr"
kill -TERM "$CE_PID"
wait_answers 1
answer 1 | grep -Eq '^1 response [0-9]+ \{"batchItemFailures":\[\{"itemIdentifier":"d-2"\}\]\}$' ||
    fail "invocation in progress at SIGTERM: $(answer 1)"
wait_for 20 not_running "$CE_PID"
wait_engine
assert_status 1 "$CE_STATUS" "run stopped with a document not delivered"

# An invocation that arrives with less than half the margin left is
# answered at once, its documents still out counted as failed; when they
# settle later, they are only logged.
start_api --deadline-ms 100 "$TMP/eventbridge.json" "$TMP/batch.json"
start_lambda "$TMP/ce.conf"
wait_answers 2
answer 1 | grep -Eq '^1 error -?[0-9]+ Function\.(DeadlineExceeded|ProcessingFailed) ' ||
    fail "invocation past its deadline: $(answer 1)"
answer 2 | grep -Eq '^2 response -?[0-9]+ \{"batchItemFailures":\[(\{"itemIdentifier":"d-1"\},)?\{"itemIdentifier":"d-2"\}\]\}$' ||
    fail "batch past its deadline: $(answer 2)"
wait_for 20 gets 3
stop_engine
assert_status 1 "$CE_STATUS" "run with invocations past their deadline"
echo "PASS: lambda deadline"
