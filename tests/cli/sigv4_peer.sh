#!/bin/sh
# The SigV4 checker itself (tests/peers/sigv4_peer.py), so that the tests
# relying on it can trust it: requests signed by botocore's own signer for
# SNS (query), SQS (JSON 1.0) and S3 (GET) pass, with and without a
# session token; a changed body, header, path, secret, token, date scope
# or service is refused with the service's own error shape; the libcurl
# 7.88 traps (a blanked "Expect:" header, a service taken from the host
# name) are caught; no secret reaches its log.
. "$(dirname "$0")/lib.sh"

[ -n "${PYTHON3:-}" ] || PYTHON3=$(command -v python3 || :)
[ -n "$PYTHON3" ] || skip "python3 is not installed"
"$PYTHON3" -c 'import botocore' 2>/dev/null || skip "python3-botocore is not installed"

SECRET=SENTINEL-secret-0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b
TOKEN=SENTINEL-token-FwoGZXIvYXdzEBYaDHVzLWVhc3QtMSJGMEQCIA+/=
mkdir "$TMP/secret"
cat > "$TMP/secret/creds.json" <<JSON
{"AKIDTOKEN": {"secret": "$SECRET", "token": "$TOKEN"},
 "AKIDPLAIN": {"secret": "$SECRET"}}
JSON

"$PYTHON3" "$CE_TOP_SRCDIR/tests/peers/sigv4_peer.py" --port-file "$TMP/port" \
    --log "$TMP/peer.jsonl" --credentials "$TMP/secret/creds.json" \
    --region us-east-1 2> "$TMP/peer.stderr" &
CE_PIDS="$CE_PIDS $!"
wait_for 30 test -s "$TMP/port"
PORT=$(cat "$TMP/port")

SECRET="$SECRET" TOKEN="$TOKEN" "$PYTHON3" - "$PORT" <<'PY' || fail "botocore-signed requests"
import http.client, json, os, sys
from botocore.auth import S3SigV4Auth, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

port = int(sys.argv[1])
url = "http://127.0.0.1:%d" % port
secret, token = os.environ["SECRET"], os.environ["TOKEN"]
EMPTY = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

def signed(method, path, headers, body, service, key="AKIDTOKEN",
           sec=secret, tok=token, auth=SigV4Auth, region="us-east-1"):
    req = AWSRequest(method=method, url=url + path, data=body,
                     headers=headers)
    auth(Credentials(key, sec, tok), service, region).add_auth(req)
    return req

def send(req, body=None, drop=None, extra=None):
    headers = {k: v for k, v in req.headers.items()
               if drop is None or k.lower() != drop.lower()}
    headers.update(extra or {})
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request(req.method, req.url[len(url):], body=req.body
                 if body is None else body, headers=headers)
    r = conn.getresponse()
    data = r.read().decode()
    conn.close()
    return r.status, dict((k.lower(), v) for k, v in r.getheaders()), data

SNS_BODY = b"Action=Publish&Version=2010-03-31&Message=a%20b&TopicArn=arn%3Ax"
SNS_H = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
SQS_BODY = b'{"QueueUrl":"http://q/000000000000/q","MaxNumberOfMessages":1}'
SQS_H = {"Content-Type": "application/x-amz-json-1.0",
         "X-Amz-Target": "AmazonSQS.ReceiveMessage"}

def sns(**kw):
    return signed("POST", "/", dict(SNS_H), SNS_BODY, "sns", **kw)

def sqs(**kw):
    return signed("POST", "/", dict(SQS_H), SQS_BODY, "sqs", **kw)

def s3(path="/bucket/AWSLogs/1/CloudTrail/us-east-1/2024/a%3Ab.json.gz",
       **kw):
    return signed("GET", path, {"x-amz-content-sha256": EMPTY}, b"", "s3",
                  auth=S3SigV4Auth, **kw)

def expect(what, got, status, code=None):
    st, headers, body = got
    assert st == status, "%s: HTTP %d, expected %d: %s" % (what, st,
                                                            status, body)
    if code is not None:
        assert code in body, "%s: no %s in %s" % (what, code, body)
    return headers, body

# Good requests, with and without a token.
h, b = expect("sns", send(sns()), 200)
assert "<PublishResponse" in b and "<MessageId>" in b, b
expect("sns without token", send(sns(key="AKIDPLAIN", tok=None)), 200)
h, b = expect("sqs", send(sqs()), 200)
assert b == "{}", b
expect("sqs without token", send(sqs(key="AKIDPLAIN", tok=None)), 200)
expect("s3", send(s3()), 200)
expect("s3 without token", send(s3(key="AKIDPLAIN", tok=None)), 200)

# Tampering: every change is refused in the service's error shape.
h, b = expect("sns body", send(sns(), body=SNS_BODY + b"x"), 403,
              "<Code>SignatureDoesNotMatch</Code>")
assert b.startswith("<ErrorResponse") and "Canonical String" in b, b
h, b = expect("sqs body", send(sqs(), body=SQS_BODY[:-1] + b"2}"), 403,
              "com.amazon.coral.service#SignatureDoesNotMatch")
assert h["x-amzn-query-error"] == "SignatureDoesNotMatch;Sender", h
json.loads(b)
expect("sqs target", send(sqs(), extra={"X-Amz-Target":
       "AmazonSQS.DeleteMessage"}), 403, "SignatureDoesNotMatch")
expect("s3 unsigned payload", send(signed("GET", "/bucket/k",
       {"x-amz-content-sha256": "UNSIGNED-PAYLOAD"}, b"", "s3",
       auth=S3SigV4Auth)), 200)
req = s3()
req.url = url + "/bucket/changed"
expect("s3 changed path", send(req), 403, "<Code>SignatureDoesNotMatch")
expect("s3 payload hash", send(s3(), extra={"x-amz-content-sha256":
       "0" * 64}), 403, "XAmzContentSHA256Mismatch")
expect("s3 without payload hash", send(signed("GET", "/bucket/k", {}, b"",
       "s3")), 400, "<Code>InvalidRequest</Code>")
expect("wrong secret", send(sns(sec="not-the-secret")), 403,
       "SignatureDoesNotMatch")
expect("unknown key", send(sns(key="AKIDNOBODY")), 403,
       "<Code>InvalidClientTokenId</Code>")
expect("s3 unknown key", send(s3(key="AKIDNOBODY")), 403,
       "<Code>InvalidAccessKeyId</Code>")
expect("token missing", send(sns(tok=None)), 403, "InvalidClientTokenId")
expect("token not expected", send(sqs(key="AKIDPLAIN")), 403,
       "InvalidClientTokenId")
expect("token unsigned", send(sns(key="AKIDPLAIN", tok=None),
       extra={"X-Amz-Security-Token": token}), 403, "InvalidClientTokenId")
expect("wrong region", send(sns(region="eu-west-1")), 403,
       "Credential should be scoped to a valid region")
expect("wrong service", send(signed("POST", "/", dict(SNS_H), SNS_BODY,
       "sqs")), 403, "Credential should be scoped to correct service")
expect("unsigned", send(sns(), drop="Authorization"), 403,
       "MissingAuthenticationToken")
old = sns()
old.headers.replace_header("X-Amz-Date", "20200101T000000Z")
expect("old date", send(old), 403, "SignatureDoesNotMatch")
print("botocore-signed requests: ok")
PY

# libcurl 7.88's traps, through the curl program (same library).
if command -v curl > /dev/null; then
	peer() {
		curl -s -o "$TMP/answer" -w '%{http_code}' --noproxy '*' \
		    "http://127.0.0.1:$PORT/" -u "AKIDPLAIN:$SECRET" \
		    -H 'Content-Type: application/x-www-form-urlencoded' \
		    --data 'Action=Publish&Message=x' "$@" || :
	}
	[ "$(peer --aws-sigv4 aws:amz:us-east-1:sns)" = 200 ] ||
		fail "curl-signed SNS request refused: $(cat "$TMP/answer")"
	[ "$(peer --aws-sigv4 aws:amz:us-east-1:sns -H 'Expect:')" = 403 ] ||
		fail "a signed but blanked Expect: header must be refused"
	assert_grep "header 'expect' is signed but was not sent" \
	    "$TMP/answer" "why the blank header is refused"
	[ "$(peer --aws-sigv4 aws:amz)" = 403 ] ||
		fail "a service taken from the host name must be refused"
	assert_grep "scoped to correct service: 'sns', not '127'" \
	    "$TMP/answer" "why the derived service is refused"
fi

assert_grep '"verdict": "ok"' "$TMP/peer.jsonl" "verdicts are logged"
assert_grep '"verdict": "refused"' "$TMP/peer.jsonl" "refusals are logged"
if grep -rl SENTINEL "$TMP" --exclude-dir=secret; then
	fail "a secret reached the files above"
fi
echo "PASS: sigv4 peer"
