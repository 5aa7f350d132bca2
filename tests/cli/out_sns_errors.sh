#!/bin/sh
# What the `sns` output makes of each answer, against the scripted
# loopback peer (tests/peers/http_peer.py) posing as SNS: the request as
# sent (signed POST, form body, token header, no blank header), 503 with
# Retry-After and 400 Throttling retried (the delay honoured), 400
# InvalidParameter, a 200 that is not from SNS and expired static
# credentials refused at once with the code and message logged, a timeout
# and a refused connection retried until the budget ends, a wrong ARN or
# group id refused before anything is sent, secrets never shown.
. "$(dirname "$0")/lib.sh"

[ -n "${PYTHON3:-}" ] || PYTHON3=$(command -v python3 || :)
[ -n "$PYTHON3" ] || skip "python3 is not installed"

unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_ENDPOINT_URL AWS_ENDPOINT_URL_SNS \
    AWS_ROLE_ARN AWS_WEB_IDENTITY_TOKEN_FILE AWS_CONTAINER_CREDENTIALS_FULL_URI \
    AWS_CONTAINER_CREDENTIALS_RELATIVE_URI http_proxy https_proxy \
    HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy 2>/dev/null || :
export NO_PROXY='*' no_proxy='*'
export AWS_SHARED_CREDENTIALS_FILE="$TMP/no-credentials"
export AWS_CONFIG_FILE="$TMP/no-config"
export AWS_ACCESS_KEY_ID=AKIDERRORS
export AWS_SECRET_ACCESS_KEY=SENTINEL-secret-3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d
export AWS_SESSION_TOKEN=SENTINEL-token-AQoDYXdzEJr1K2//////////wEa+/=

"$PYTHON3" "$CE_TOP_SRCDIR/tests/peers/http_peer.py" "$TMP/peer.port" \
    "$TMP/peer.jsonl" "$TMP/peer.script" 2> "$TMP/peer.stderr" &
CE_PIDS="$CE_PIDS $!"
wait_for 30 test -s "$TMP/peer.port"
PEER="http://127.0.0.1:$(cat "$TMP/peer.port")"

echo '{"eventVersion":"1.08","eventID":"e-1","eventSource":"iam.amazonaws.com","eventName":"CreateAccessKey","userIdentity":{"arn":"arn:aws:iam::1:user/a"}}' \
    > "$TMP/event.ndjson"

OK='<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>m-1</MessageId></PublishResult></PublishResponse>'
error() {	# error TYPE CODE MESSAGE: an SNS error document
	printf '<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>%s</Type><Code>%s</Code><Message>%s</Message></Error><RequestId>r-1</RequestId></ErrorResponse>' "$1" "$2" "$3"
}

# run NAME ENDPOINT SCRIPT [OPTIONS]: one engine run against the peer
# answering as SCRIPT says (http_peer.py's format), OPTIONS replacing the
# output's topic; CE_STATUS, $TMP/NAME.stderr.
run() {
	topic='topic_arn = "arn:aws:sns:eu-west-1:123456789012:alerts";'
	[ $# -lt 4 ] || topic=$4
	printf '%s\n' "$3" > "$TMP/peer.script"
	: > "$TMP/peer.jsonl"
	cat > "$TMP/$1.conf" <<CONF
plugin_dirs = [ "$CONTRACT_PLUGINS" ];
retry = { max_attempts = 3; max_time_ms = 20000; base_delay_ms = 5; max_delay_ms = 20; };
dead_letter = "$1.dead.jsonl";
inputs = ( { plugin = "file"; paths = [ "event.ndjson" ]; } );
evaluator = { plugin = "script"; rule = "key created"; event_name = "CreateAccessKey"; outputs = [ "sns" ]; };
outputs = ( { plugin = "sns"; endpoint = "$2"; timeout_ms = 1000; $topic } );
CONF
	CE_STATUS=0
	"$CE_BIN" run -c "$TMP/$1.conf" > "$TMP/$1.stdout" \
	    2> "$TMP/$1.stderr" || CE_STATUS=$?
}

json_string() {
	"$PYTHON3" -c 'import json, sys; print(json.dumps(sys.argv[1]))' "$1"
}

# --- throttled and unavailable: retried, Retry-After honoured, then OK ---
run retry "$PEER" "{\"answers\": [
  {\"status\": 503, \"headers\": {\"Retry-After\": \"1\"}, \"body\": \"\"},
  {\"status\": 400, \"headers\": {\"Content-Type\": \"text/xml\"},
   \"body\": $(json_string "$(error Sender Throttling 'Rate exceeded')")}],
 \"default\": {\"status\": 200, \"headers\": {\"Content-Type\": \"text/xml\"},
   \"body\": $(json_string "$OK")}}"
assert_status 0 "$CE_STATUS" "delivered on the third attempt"
assert_grep 'attempt 1 failed: HTTP 503.*retrying in 1000 ms' \
    "$TMP/retry.stderr" "Retry-After is honoured"
assert_grep 'attempt 2 failed: SNS Publish answered HTTP 400 Throttling: Rate exceeded; retrying' \
    "$TMP/retry.stderr" "a 400 Throttling is retried"
[ "$(lines "$TMP/peer.jsonl")" = 3 ] || fail "expected 3 requests"
"$PYTHON3" - "$TMP/peer.jsonl" <<'PY' || fail "the request as sent"
import json, re, sys, urllib.parse
reqs = [json.loads(l) for l in open(sys.argv[1])]
bodies = set()
for r in reqs:
    h = r["headers"]
    assert r["method"] == "POST" and r["path"] == "/", r
    assert h["content-type"] == "application/x-www-form-urlencoded; charset=utf-8", h
    assert re.match(r"AWS4-HMAC-SHA256 Credential=AKIDERRORS/\d{8}/eu-west-1/sns/aws4_request, "
                    r"SignedHeaders=content-type;host;x-amz-date;x-amz-security-token, "
                    r"Signature=[0-9a-f]{64}$", h["authorization"]), h["authorization"]
    assert h["x-amz-security-token"].startswith("SENTINEL-token-"), h
    assert "expect" not in h and "transfer-encoding" not in h, h
    assert h["user-agent"].startswith("cloudengine-sns/"), h
    assert "%20" in r["body"] and "+" not in r["body"], r["body"][:200]
    bodies.add(r["body"])
    p = dict(urllib.parse.parse_qsl(r["body"], strict_parsing=True))
    assert p["Action"] == "Publish" and p["Version"] == "2010-03-31", p
    assert p["TopicArn"] == "arn:aws:sns:eu-west-1:123456789012:alerts"
    assert p["Subject"] == "cloudengine [high] key created", p["Subject"]
    assert "MessageGroupId" not in p and "MessageDeduplicationId" not in p
    assert "MessageStructure" not in p
    assert json.loads(p["Message"])["rule"] == "key created"
    assert p["MessageAttributes.entry.3.Name"] == "eventSource"
    assert p["MessageAttributes.entry.3.Value.StringValue"] == "iam.amazonaws.com"
assert len(bodies) == 1, "a retry must send the same request"
PY
# The peer's log holds the token it was sent; nothing else may.
mv "$TMP/peer.jsonl" "$TMP/peer-seen.jsonl.secret"

# --- a bad request: refused at once, code and message logged -------------
run invalid "$PEER" "{\"default\": {\"status\": 400,
   \"headers\": {\"Content-Type\": \"text/xml\"},
   \"body\": $(json_string "$(error Sender InvalidParameter 'Invalid parameter: Message too long &amp; bad')")}}"
assert_status 1 "$CE_STATUS" "a refused alert fails the run"
assert_grep 'not delivered after 1 attempt\(s\) \(refused\): SNS Publish answered HTTP 400 InvalidParameter: Invalid parameter: Message too long & bad$' \
    "$TMP/invalid.stderr" "the code and message are logged"
[ "$(lines "$TMP/invalid.dead.jsonl")" = 1 ] || fail "expected a dead letter"
rm -f "$TMP/peer.jsonl"

# --- a 2xx that is not SNS's (a wrong endpoint): not delivered ----------
run notsns "$PEER" '{"default": {"status": 200, "body": "<html>Welcome</html>"}}'
assert_status 1 "$CE_STATUS" "an answer without a MessageId is not a delivery"
assert_grep 'after 1 attempt.*HTTP 200 without a MessageId: not an answer from SNS \(check the endpoint\): <html>Welcome</html>' \
    "$TMP/notsns.stderr" "a foreign answer is named"
rm -f "$TMP/peer.jsonl"

# --- expired static credentials: not retried, and said so ---------------
run expired "$PEER" "{\"default\": {\"status\": 403,
   \"headers\": {\"Content-Type\": \"text/xml\"},
   \"body\": $(json_string "$(error Sender ExpiredToken 'The security token included in the request is expired')")}}"
assert_status 1 "$CE_STATUS" "expired credentials fail the run"
assert_grep 'after 1 attempt.*HTTP 403 ExpiredToken: .* \(static credentials: not retried\)' \
    "$TMP/expired.stderr" "why it is not retried"
rm -f "$TMP/peer.jsonl"

# --- no answer in time, and nobody listening: retried to the budget -----
run slow "$PEER" '{"default": {"status": 200, "delay_ms": 3000}}'
assert_status 1 "$CE_STATUS" "a peer that never answers in time"
assert_grep 'attempt 1 failed: SNS Publish to http://127.0.0.1:[0-9]+/: no answer: .*(timed out|Timeout)' \
    "$TMP/slow.stderr" "a timeout is retried"
assert_grep 'not delivered after 3 attempt' "$TMP/slow.stderr" \
    "the budget ends the retries"
rm -f "$TMP/peer.jsonl"
CLOSED=$("$PYTHON3" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
run refused "http://127.0.0.1:$CLOSED" '{}'
assert_status 1 "$CE_STATUS" "nobody listening"
assert_grep 'attempt 1 failed: SNS Publish to .*: no answer: .*(onnect|refused)' \
    "$TMP/refused.stderr" "a refused connection is retried"

# --- configuration refused before anything is sent ------------------------
run badarn "$PEER" '{}' 'topic_arn = "arn:aws:sqs:eu-west-1:1:queue";'
[ "$CE_STATUS" != 0 ] || fail "an SQS ARN must be refused"
assert_grep "topic_arn 'arn:aws:sqs:eu-west-1:1:queue' is not an SNS topic ARN: expected arn:aws:sns:REGION:ACCOUNT:NAME" \
    "$TMP/badarn.stderr" "a wrong ARN is named"
run badgroup "$PEER" '{}' 'topic_arn = "arn:aws:sns:eu-west-1:1:t.fifo"; message_group_id = "two words";'
[ "$CE_STATUS" != 0 ] || fail "a group id with a space must be refused"
assert_grep 'message_group_id must be 1 to 128 printable ASCII characters other than space' \
    "$TMP/badgroup.stderr" "a wrong group id is named"
[ ! -s "$TMP/peer.jsonl" ] || fail "nothing may be sent by a refused configuration"

if grep -rl SENTINEL "$TMP" --exclude='*.secret' --exclude=peer.jsonl; then
	fail "a secret appears in the files above"
fi
echo "PASS: sns output errors"
