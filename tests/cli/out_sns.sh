#!/bin/sh
# The `sns` output end to end: cloudengine publishes through the botocore
# SigV4 checker (tests/peers/sigv4_peer.py) to fauxqs, whose topics fan
# out to SQS queues; the messages are read back and every field checked:
# the SNS envelope, Subject, the Message (JSON and text), the message
# attributes (also through a filter policy), a FIFO topic's MessageGroupId
# and MessageDeduplicationId (which really deduplicate), the cut of an
# event beyond 256 KB, signing with and without a session token, a wrong
# secret refused and reported, and no secret in any log or output.
. "$(dirname "$0")/lib.sh"
. "$CE_TOP_SRCDIR/tests/peers/fauxqs.sh"

SECRET=SENTINEL-secret-6f1d2c9a8b7e4f30a1b2c3d4e5f60718293a4b5c
TOKEN=SENTINEL-token-IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQ+/=
ARN=arn:aws:sns:us-east-1:000000000000

cat > "$TMP/init.json" <<'JSON'
{"queues": [
  {"name": "envelope-q"}, {"name": "raw-q"}, {"name": "critical-q"},
  {"name": "alerts-q.fifo", "attributes": {"FifoQueue": "true"}}],
 "topics": [
  {"name": "alerts"},
  {"name": "alerts.fifo", "attributes": {"FifoTopic": "true"}}],
 "subscriptions": [
  {"topic": "alerts", "queue": "envelope-q"},
  {"topic": "alerts", "queue": "raw-q",
   "attributes": {"RawMessageDelivery": "true"}},
  {"topic": "alerts", "queue": "critical-q",
   "attributes": {"RawMessageDelivery": "true",
                  "FilterPolicy": "{\"severity\": [\"critical\"]}"}},
  {"topic": "alerts.fifo", "queue": "alerts-q.fifo",
   "attributes": {"RawMessageDelivery": "true"}}]}
JSON
fauxqs_start "$TMP/init.json"

# The peer knows three keys: one with a session token, one without, and
# one whose secret is not the one the engine signs with.  The file holds
# secrets, so it is kept apart from what is searched for them below.
mkdir "$TMP/secret"
cat > "$TMP/secret/creds.json" <<JSON
{"AKIDWITHTOKEN": {"secret": "$SECRET", "token": "$TOKEN"},
 "AKIDNOTOKEN": {"secret": "$SECRET", "token": null},
 "AKIDWRONG": {"secret": "another-secret-entirely", "token": "$TOKEN"}}
JSON
sigv4_peer_start sigv4 --credentials "$TMP/secret/creds.json" \
    --region us-east-1

# Nothing from the machine's own AWS or proxy setup may leak in.
unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_ENDPOINT_URL AWS_ENDPOINT_URL_SNS \
    AWS_ROLE_ARN AWS_WEB_IDENTITY_TOKEN_FILE AWS_CONTAINER_CREDENTIALS_FULL_URI \
    AWS_CONTAINER_CREDENTIALS_RELATIVE_URI http_proxy https_proxy \
    HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy 2>/dev/null || :
export AWS_SHARED_CREDENTIALS_FILE="$TMP/no-credentials"
export AWS_CONFIG_FILE="$TMP/no-config"
export NO_PROXY='*' no_proxy='*'
# A region other than the topic's: the topic ARN's must win.
export AWS_REGION=eu-west-1

RECORD='{"eventVersion":"1.08","eventID":"%s","eventTime":"2024-05-01T12:00:00Z","eventSource":"iam.amazonaws.com","eventName":"%s","awsRegion":"us-east-1","recipientAccountId":"111122223333","sourceIPAddress":"203.0.113.9","userAgent":"aws-cli/2","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/mallory"},"requestParameters":{"userName":"bob \\"b\\" \\u00e9\\u2028"}}\n'
printf "$RECORD" e-1 CreateAccessKey > "$TMP/events.ndjson"
printf "$RECORD" e-2 ListUsers >> "$TMP/events.ndjson"
# A record whose event is far beyond 256 KB, in multi-byte characters.
"$PYTHON3" -c '
import json
print(json.dumps({"eventVersion": "1.08", "eventID": "e-big",
    "eventSource": "iam.amazonaws.com", "eventName": "CreateAccessKey",
    "requestParameters": {"policy": "\u00e9\u20ac\U0001F600" * 40000,
                          "after": 1}}, ensure_ascii=False))' \
    >> "$TMP/events.ndjson"
printf "$RECORD" e-3 CreateAccessKey > "$TMP/fifo.ndjson"
printf "$RECORD" e-4 CreateAccessKey >> "$TMP/fifo.ndjson"

# run NAME SEVERITY OUTPUT-OPTIONS INPUT: one cloudengine run; its status
# in CE_STATUS, its output in $TMP/NAME.{stdout,stderr}.
run() {
	cat > "$TMP/$1.conf" <<CONF
plugin_dirs = [ "$CONTRACT_PLUGINS" ];
retry = { max_attempts = 3; max_time_ms = 20000; base_delay_ms = 5; max_delay_ms = 20; };
dead_letter = "$1.dead.jsonl";
inputs = ( { plugin = "file"; paths = [ "$4" ]; } );
evaluator = { plugin = "script"; rule = "access key created"; event_name = "CreateAccessKey"; outputs = [ "Notify" ]; severity = "$2"; };
outputs = ( { plugin = "sns"; name = "notify"; aliases = [ "Notify" ]; $3 } );
CONF
	CE_STATUS=0
	"$CE_BIN" run -c "$TMP/$1.conf" > "$TMP/$1.stdout" \
	    2> "$TMP/$1.stderr" || CE_STATUS=$?
}

# check FILE WHAT PYTHON: run the Python checks over the JSON lines in
# FILE (as the list `msgs`); an AssertionError names what failed.
check() {
	"$PYTHON3" - "$1" "$2" <<PY || { cat "$1" | cut -c1-2000 >&2; fail "$2"; }
import json, re, sys
msgs = [json.loads(l) for l in open(sys.argv[1])]
$3
PY
}

# --- 1: standard topic, JSON message, session token, endpoint option -----
export AWS_ACCESS_KEY_ID=AKIDWITHTOKEN AWS_SECRET_ACCESS_KEY="$SECRET" \
    AWS_SESSION_TOKEN="$TOKEN"
run json high "topic_arn = \"$ARN:alerts\"; endpoint = \"$SIGV4_URL\";" \
    events.ndjson
assert_status 0 "$CE_STATUS" "publishing to a standard topic"
assert_grep "event \\([0-9]+ bytes as JSON\\) was cut to fit SNS's 262144-byte message limit" \
    "$TMP/json.stderr" "the cut is logged"
sqs_drain envelope-q "$TMP/envelope.jsonl"
sqs_drain raw-q "$TMP/raw.jsonl"
sqs_drain critical-q "$TMP/critical.jsonl"

check "$TMP/envelope.jsonl" "SNS envelope and JSON message" '
assert len(msgs) == 2, "two alerts, got %d" % len(msgs)
by_id = {}
for m in msgs:
    env = json.loads(m["Body"])
    assert env["Type"] == "Notification", env["Type"]
    assert env["TopicArn"] == "arn:aws:sns:us-east-1:000000000000:alerts"
    assert env["Subject"] == "cloudengine [high] access key created", env["Subject"]
    attrs = env["MessageAttributes"]
    assert attrs["rule"] == {"Type": "String", "Value": "access key created"}, attrs
    assert attrs["severity"] == {"Type": "String", "Value": "high"}, attrs
    assert attrs["eventSource"] == {"Type": "String", "Value": "iam.amazonaws.com"}, attrs
    assert len(env["Message"].encode()) <= 262144
    msg = json.loads(env["Message"])
    by_id[msg["eventID"]] = msg
small, big = by_id["e-1"], by_id["e-big"]
assert small["rule"] == "access key created" and small["severity"] == "high"
assert re.fullmatch("[0-9a-f]{64}", small["key"]), small["key"]
assert small["key"] != big["key"]
assert small["description"] is None and small["runbook"] is None
assert small["tags"] == []
assert "arn:aws:iam::111122223333:user/mallory" in small["summary"], small["summary"]
assert "CreateAccessKey" in small["summary"] and "203.0.113.9" in small["summary"]
for k, v in (("eventSource", "iam.amazonaws.com"), ("eventName", "CreateAccessKey"),
             ("eventTime", "2024-05-01T12:00:00Z"), ("awsRegion", "us-east-1"),
             ("account", "111122223333")):
    assert small[k] == v, (k, small[k])
assert small["origin"].endswith("events.ndjson") and small["index"] == 1
assert small["truncated"] is False
ev = small["event"]
assert ev["userIdentity.arn"] == "arn:aws:iam::111122223333:user/mallory"
assert ev["requestParameters.userName"] == "bob \"b\" \u00e9\u2028", ev
assert ev["eventID"] == "e-1"
assert big["truncated"] is True and big["event_bytes"] > 262144
assert big["index"] == 3
assert big["event"]["requestParameters.policy"].endswith("\u2026")
assert "requestParameters.after" not in big["event"]
'

check "$TMP/raw.jsonl" "raw delivery: body and SQS message attributes" '
assert len(msgs) == 2, len(msgs)
for m in msgs:
    body = json.loads(m["Body"])
    assert body["rule"] == "access key created"
    a = m["MessageAttributes"]
    assert a["rule"] == {"DataType": "String", "StringValue": "access key created"}, a
    assert a["severity"] == {"DataType": "String", "StringValue": "high"}, a
    assert a["eventSource"]["StringValue"] == "iam.amazonaws.com", a
    assert "MessageGroupId" not in m.get("Attributes", {}), m["Attributes"]
'
[ "$(lines "$TMP/critical.jsonl")" = 0 ] ||
	fail "the filter policy on severity let a high alert through"

check "$TMP/sigv4.jsonl" "every request signed right, with the token" '
assert len(msgs) == 2, len(msgs)
for r in msgs:
    assert r["verdict"] == "ok" and r["token"] is True, r
    assert r["service"] == "sns" and r["region"] == "us-east-1", r
    assert "x-amz-security-token" in r["signed_headers"], r
'

# --- 2: text message, critical, endpoint from AWS_ENDPOINT_URL_SNS ---------
AWS_ENDPOINT_URL_SNS=$SIGV4_URL
export AWS_ENDPOINT_URL_SNS
run text critical "topic_arn = \"$ARN:alerts\"; message_format = \"text\"; subject_prefix = \"Security\\n\\tAlert $(printf '\303\251')\";" \
    events.ndjson
unset AWS_ENDPOINT_URL_SNS
assert_status 0 "$CE_STATUS" "publishing text"
sqs_drain critical-q "$TMP/critical.jsonl"
sqs_drain envelope-q "$TMP/envelope.jsonl"
check "$TMP/critical.jsonl" "text message through the severity filter" '
assert len(msgs) == 2, len(msgs)
texts = sorted((m["Body"] for m in msgs), key=len)
t = texts[0]
assert t.startswith("arn:aws:iam::111122223333:user/mallory"), t[:200]
assert "\nRule: access key created\nSeverity: critical\n" in t, t
assert "\n\nEvent:\neventVersion = 1.08\n" in t, t
assert "\nuserIdentity.arn = arn:aws:iam::111122223333:user/mallory\n" in t, t
assert "\nrequestParameters.userName = bob \"b\" \u00e9\\u2028\n" in t, t
big = texts[1]
assert len(big.encode()) <= 262144
assert "\n[the event was cut to fit the SNS message limit; as JSON it is " in big
'
check "$TMP/envelope.jsonl" "Subject sanitised" '
assert len(msgs) == 2, len(msgs)
for m in msgs:
    s = json.loads(m["Body"])["Subject"]
    assert s == "Security Alert ? [critical] access key created", s
'

# --- 3: FIFO topic, no session token; a second run is deduplicated --------
unset AWS_SESSION_TOKEN
export AWS_ACCESS_KEY_ID=AKIDNOTOKEN
: > "$TMP/sigv4.jsonl"
FIFO="topic_arn = \"$ARN:alerts.fifo\"; endpoint = \"$SIGV4_URL\";"
run fifo1 high "$FIFO" fifo.ndjson
assert_status 0 "$CE_STATUS" "publishing to a FIFO topic"
run fifo2 high "$FIFO" fifo.ndjson
assert_status 0 "$CE_STATUS" "publishing the same alerts again"
sqs_drain alerts-q.fifo "$TMP/fifo.jsonl"
check "$TMP/fifo.jsonl" "FIFO group and deduplication ids" '
assert len(msgs) == 2, "the second run must be deduplicated: %d messages" % len(msgs)
for m in msgs:
    body = json.loads(m["Body"])
    a = m["Attributes"]
    assert a["MessageGroupId"] == "access_key_created", a
    assert a["MessageDeduplicationId"] == body["key"], a
    assert re.fullmatch("[0-9a-f]{64}", body["key"])
assert sorted(json.loads(m["Body"])["eventID"] for m in msgs) == ["e-3", "e-4"]
'
check "$TMP/sigv4.jsonl" "signed right without a token" '
assert len(msgs) == 4, len(msgs)
for r in msgs:
    assert r["verdict"] == "ok" and r["token"] is False, r
    assert "x-amz-security-token" not in r["signed_headers"], r
'

# A fixed group id is used as it is.
run fifo3 high "$FIFO message_group_id = \"all-alerts\";" events.ndjson
assert_status 0 "$CE_STATUS" "publishing with a fixed group"
sqs_drain alerts-q.fifo "$TMP/fifo.jsonl"
check "$TMP/fifo.jsonl" "fixed MessageGroupId" '
assert len(msgs) == 2, len(msgs)
assert all(m["Attributes"]["MessageGroupId"] == "all-alerts" for m in msgs)
'

# --- 4: a wrong secret is refused, reported, dead-lettered, not retried ---
export AWS_ACCESS_KEY_ID=AKIDWRONG AWS_SESSION_TOKEN="$TOKEN"
: > "$TMP/sigv4.jsonl"
run wrong high "topic_arn = \"$ARN:alerts\"; endpoint = \"$SIGV4_URL\";" \
    fifo.ndjson
assert_status 1 "$CE_STATUS" "a refused signature fails the run"
assert_grep 'HTTP 403 SignatureDoesNotMatch: The request signature we calculated does not match' \
    "$TMP/wrong.stderr" "the refusal is logged with its code"
assert_grep 'credentials unchanged: not retried' "$TMP/wrong.stderr" \
    "why it is not retried"
assert_grep 'not delivered after 1 attempt' "$TMP/wrong.stderr" \
    "one attempt per alert"
[ "$(lines "$TMP/wrong.dead.jsonl")" = 2 ] || fail "expected 2 dead letters"
assert_grep '"reason":"SNS Publish answered HTTP 403 SignatureDoesNotMatch' \
    "$TMP/wrong.dead.jsonl" "the dead letter says why"
check "$TMP/sigv4.jsonl" "the peer refused both" '
assert len(msgs) == 2 and all(r["verdict"] == "refused" and
    r["code"] == "SignatureDoesNotMatch" for r in msgs), msgs
'

# --- secrets: none in any log, output, dead letter or message ------------
if grep -rl -e SENTINEL "$TMP" --exclude-dir=secret; then
	grep -r -o -e '.\{60\}SENTINEL.\{20\}' "$TMP" --exclude-dir=secret | head >&2
	fail "a secret appears in the files above"
fi
echo "PASS: sns output"
