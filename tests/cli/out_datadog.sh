#!/bin/sh
# The datadog output against a loopback HTTP peer: the Events API v1
# request (path, DD-API-KEY, every body field and its type, text within
# 4000 characters, valid UTF-8 whatever the record holds), keep-alive,
# retries on 429 (Retry-After, X-RateLimit-Reset honoured), 5xx, timeouts
# and dropped connections, no retry on 400 (its body logged), a peer that
# recovers gets every alert, one that never does ends in dead letters and
# a failed run, keys stable across retries and runs, site and proxy
# options, bad options refused, and the API key never shown.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/outputs_lib.sh"

DD_API_KEY=SENTINEL-dd-0123456789
export DD_API_KEY
start_peer dd
NOW=$(recent_time)

# write_conf FILE INPUTS [DATADOG OPTIONS]: file input, the script
# evaluator firing on CreateAccessKey, the datadog output and a stdout
# output that shows each alert's key.  $ATTEMPTS bounds the tries.
write_conf() {
	cat > "$1" <<CONF
plugin_dirs = [ "$CONTRACT_PLUGINS" ];
log_level = "debug";
workers = 2;
dead_letter = "$1.dead";
retry = { max_attempts = ${ATTEMPTS:-6}; max_time_ms = 30000; base_delay_ms = 10; max_delay_ms = 50; };
inputs = ( { plugin = "file"; paths = [ $2 ]; lines = true; } );
evaluator = { plugin = "script"; rule = "access key created"; event_name = "CreateAccessKey"; severity = "${SEVERITY:-medium}"; outputs = [ "datadog", "stdout" ]; };
outputs = (
	{ plugin = "datadog"; api_key = "\${DD_API_KEY}"; endpoint = "http://127.0.0.1:$PEER_PORT"; ${3:-} },
	{ plugin = "stdout"; event = "none"; }
);
CONF
}

# --- 1: the request, field by field -------------------------------------
big=$("$PYTHON3" -c 'print("\\u00e9" * 9000)')
{
	record e-recent "$NOW" CreateAccessKey
	# Control characters, NUL, a lone surrogate, U+2028, quotes, '/' and
	# 9000 two-byte characters: the text is cut at 4000 characters.
	record e-odd 2019-06-01T00:00:00Z CreateAccessKey ",\"requestParameters\":{\"userName\":\"bob\\u0000\\u0001\\ud800\\u2028\\\"/x\",\"policy\":\"$big\"}"
	record e-badtime yesterday CreateAccessKey
	record e-other "$NOW" ListUsers
} > "$TMP/shape.ndjson"
peer_script dd '{}'
write_conf "$TMP/shape.conf" "\"$TMP/shape.ndjson\"" 'tags = [ "env:test", "team:sec" ];'
run_ce "$TMP/shape.conf"
assert_status 0 "$CE_STATUS" "delivery to a peer that accepts (stderr: $(tail -3 "$TMP/stderr"))"
cp "$TMP/stdout" "$TMP/shape.alerts"
check_py "$TMP/dd.log" "$TMP/shape.alerts" "$NOW" <<'PY'
import calendar, sys, time
from outputs_check import *
reqs = requests(sys.argv[1])
alerts = alerts(sys.argv[2])
now = sys.argv[3]
expect(len(reqs) == 3, "3 requests for 3 alerts, got %d" % len(reqs))
expect(sorted(alerts) == ["e-badtime", "e-odd", "e-recent"], "alerts %s" % sorted(alerts))
fields = {"title", "text", "tags", "alert_type", "priority",
          "aggregation_key", "source_type_name", "date_happened"}
seen = {}
for r in reqs:
    expect(r["method"] == "POST", "method %s" % r["method"])
    expect(r["path"] == "/api/v1/events", "path %s" % r["path"])
    h = r["headers"]
    expect(h.get("dd-api-key") == "SENTINEL-dd-0123456789", "DD-API-KEY header")
    expect(h.get("content-type") == "application/json", "Content-Type %s" % h.get("content-type"))
    expect(h.get("user-agent", "").startswith("cloudengine-datadog/"), "User-Agent")
    expect("expect" not in h, "no Expect: 100-continue")
    b = body(r)
    expect(set(b) <= fields, "unknown members %s" % (set(b) - fields))
    expect(set(b) >= fields - {"date_happened"}, "missing members %s" % (fields - set(b)))
    expect(b["title"] == "Rule triggered: access key created", "title %r" % b["title"])
    expect(isinstance(b["text"], str) and len(b["text"]) <= 4000, "text within 4000 characters")
    expect(isinstance(b["tags"], list) and all(isinstance(t, str) for t in b["tags"]), "tags is an array of strings")
    expect(b["alert_type"] == "warning", "medium is a warning, got %s" % b["alert_type"])
    expect(b["priority"] == "normal", "priority")
    expect(b["source_type_name"] == "amazon cloudtrail", "source_type_name")
    key = b["aggregation_key"]
    expect(len(key) <= 100, "aggregation_key within 100 characters")
    ids = [i for i, a in alerts.items() if a["key"] == key]
    expect(len(ids) == 1, "aggregation_key %s is an alert's idempotency key" % key)
    seen[ids[0]] = (r, b)
r, b = seen["e-recent"]
expect(is_int(b.get("date_happened")), "date_happened is an integer")
expect(b["date_happened"] == calendar.timegm(time.strptime(now, "%Y-%m-%dT%H:%M:%SZ")), "date_happened is eventTime")
for tag in ["severity:medium", "eventsource:iam.amazonaws.com", "eventname:CreateAccessKey",
            "account:123456789012", "region:eu-west-3", "env:test", "team:sec"]:
    expect(tag in b["tags"], "tag %s in %s" % (tag, b["tags"]))
expect(b["text"].startswith(alerts["e-recent"]["summary"]), "text starts with the summary")
expect('"eventID":"e-recent"' in b["text"] and '"userIdentity.arn":"arn:aws:iam::123456789012:user/alice"' in b["text"],
       "text holds the flattened record as JSON")
expect(not b["text"].endswith("[truncated]"), "a short text is whole")
r, b = seen["e-odd"]
expect("date_happened" not in b, "no date_happened for a record older than 18 h")
expect(len(b["text"]) == 4000 and b["text"].endswith("\u2026 [truncated]"), "long text cut to 4000 characters with a marker")
expect("\u00e9" * 100 in b["text"], "the text keeps its characters whole")
expect("bob" in b["text"] and "\\u0000" in b["text"], "control characters survive, escaped")
r, b = seen["e-badtime"]
expect("date_happened" not in b, "no date_happened for an unparsable eventTime")
expect(len({r["port"] for r in reqs}) == 1, "one connection, kept alive: ports %s" % {r["port"] for r in reqs})
PY

# --- 2: the same records in a new run: the same keys --------------------
peer_script dd '{}'
run_ce "$TMP/shape.conf"
assert_status 0 "$CE_STATUS" "second run"
check_py "$TMP/dd.log" "$TMP/shape.alerts" <<'PY'
import sys
from outputs_check import *
keys = sorted(body(r)["aggregation_key"] for r in requests(sys.argv[1]))
expect(keys == sorted(a["key"] for a in alerts(sys.argv[2]).values()), "keys stable across runs")
PY

# --- 3: 429 with X-RateLimit-Reset, 429 with Retry-After, 503, then 202 --
record e-retry "$NOW" CreateAccessKey > "$TMP/one.ndjson"
peer_script dd '{"answers": [
	{"status": 429, "headers": {"X-RateLimit-Reset": "1"}, "body": "{\"errors\":[\"rate\"]}"},
	{"status": 429, "headers": {"Retry-After": "1"}},
	{"status": 503, "body": "busy"}]}'
write_conf "$TMP/retry.conf" "\"$TMP/one.ndjson\""
run_ce "$TMP/retry.conf"
assert_status 0 "$CE_STATUS" "delivered after 429, 429 and 503"
assert_grep 'HTTP 429 \(asked to wait 1000 ms\)' "$TMP/stderr" "the 429 is logged with its delay"
assert_grep 'HTTP 503: busy' "$TMP/stderr" "the 503 is logged with its body"
check_py "$TMP/dd.log" <<'PY'
import sys
from outputs_check import *
reqs = requests(sys.argv[1])
expect([r["answer"].get("status", 202) for r in reqs] == [429, 429, 503, 202], "4 attempts: %s" % [r["answer"] for r in reqs])
expect(reqs[1]["t"] - reqs[0]["t"] >= 1.0, "X-RateLimit-Reset: 1 honoured (%.3f s)" % (reqs[1]["t"] - reqs[0]["t"]))
expect(reqs[2]["t"] - reqs[1]["t"] >= 1.0, "Retry-After: 1 honoured (%.3f s)" % (reqs[2]["t"] - reqs[1]["t"]))
expect(len({r["body"] for r in reqs}) == 1, "the same body, key included, on every attempt")
PY

# --- 4: a slow answer (timeout) and a dropped connection are retried ----
peer_script dd '{"answers": [{"delay_ms": 3000}, {"drop": true}]}'
write_conf "$TMP/slow.conf" "\"$TMP/one.ndjson\"" 'timeout_ms = 300;'
run_ce "$TMP/slow.conf"
assert_status 0 "$CE_STATUS" "delivered after a timeout and a dropped connection"
assert_grep 'attempt 1 failed: no answer: .*[Tt]imed out' "$TMP/stderr" "the timeout is logged"
assert_grep 'attempt 2 failed: no answer: ' "$TMP/stderr" "the dropped connection is logged"
[ "$(lines "$TMP/dd.log")" = 3 ] || fail "3 attempts expected, got $(lines "$TMP/dd.log")"

# --- 5: 400 is not retried; its body is logged, the alert dead-lettered --
record e-refused-1 "$NOW" CreateAccessKey > "$TMP/refused-1.ndjson"
record e-refused-2 "$NOW" CreateAccessKey > "$TMP/refused-2.ndjson"
peer_script dd '{"default": {"status": 400, "body": "{\"errors\":[\"Event text is invalid (key SENTINEL-dd-0123456789)\"]}"}}'
write_conf "$TMP/refused.conf" "\"$TMP/refused-1.ndjson\", \"$TMP/refused-2.ndjson\""
run_ce "$TMP/refused.conf"
assert_status 1 "$CE_STATUS" "a refused alert fails the run"
[ "$(lines "$TMP/dd.log")" = 2 ] || fail "one request per alert on 400, got $(lines "$TMP/dd.log")"
assert_grep "not delivered after 1 attempt\(s\) \(refused\): HTTP 400: \{\"errors\":\[\"Event text is invalid \(key <redacted>\)\"\]\}" "$TMP/stderr" "the 400 body is logged, the key echoed by the server redacted"
assert_grep "refused-1.ndjson: not fully processed" "$TMP/stderr" "a log line for the first failed document"
assert_grep "refused-2.ndjson: not fully processed" "$TMP/stderr" "a log line for the second failed document"
[ "$(lines "$TMP/refused.conf.dead")" = 2 ] || fail "2 dead letters expected"
assert_grep '"output":"datadog".*"rule":"access key created".*"eventID":"e-refused-1"' "$TMP/refused.conf.dead" "the first alert is dead-lettered whole"
assert_grep '"eventID":"e-refused-2"' "$TMP/refused.conf.dead" "the second alert is dead-lettered"

# A redirect is not followed (the key would go along) and fails at once.
peer_script dd '{"default": {"status": 307, "headers": {"Location": "http://127.0.0.1:9/elsewhere"}}}'
run_ce "$TMP/refused.conf"
assert_status 1 "$CE_STATUS" "a redirect fails the run"
[ "$(lines "$TMP/dd.log")" = 2 ] || fail "one request per alert on 307, got $(lines "$TMP/dd.log")"
assert_grep 'not delivered after 1 attempt\(s\) \(refused\): HTTP 307 \(redirects are not followed\)' "$TMP/stderr" "the redirect is logged"

# --- 6: a peer that never recovers: every alert dead-lettered ------------
peer_script dd '{"default": {"status": 503}}'
ATTEMPTS=3
write_conf "$TMP/down.conf" "\"$TMP/refused-1.ndjson\", \"$TMP/refused-2.ndjson\""
unset ATTEMPTS
run_ce "$TMP/down.conf"
assert_status 1 "$CE_STATUS" "a peer that never recovers fails the run"
[ "$(lines "$TMP/dd.log")" = 6 ] || fail "3 attempts for each of 2 alerts, got $(lines "$TMP/dd.log")"
[ "$(grep -c 'not delivered after 3 attempt(s) (retry budget: attempts): HTTP 503' "$TMP/stderr")" = 2 ] || fail "a log line per undelivered alert"
[ "$(lines "$TMP/down.conf.dead")" = 2 ] || fail "every undelivered alert in the dead-letter file"

# Nobody listening: connection refused, retried, then dead-lettered.
closed=$("$PYTHON3" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
ATTEMPTS=2
write_conf "$TMP/closed.conf" "\"$TMP/refused-1.ndjson\""
unset ATTEMPTS
sed -i "s|endpoint = \"http://127.0.0.1:$PEER_PORT\"|endpoint = \"http://127.0.0.1:$closed\"|" "$TMP/closed.conf"
run_ce "$TMP/closed.conf"
assert_status 1 "$CE_STATUS" "an endpoint nobody listens on fails the run"
assert_grep "attempt 1 failed: no answer: .*127.0.0.1 port $closed.*; retrying" "$TMP/stderr" "a refused connection is retried"
assert_grep "not delivered after 2 attempt\(s\) \(retry budget: attempts\): no answer: " "$TMP/stderr" "then given up"
[ "$(lines "$TMP/closed.conf.dead")" = 1 ] || fail "the undelivered alert in the dead-letter file"

# --- 7: a peer that fails for a while, then recovers, gets every alert ---
{
	record e-flaky-1 "$NOW" CreateAccessKey
	record e-flaky-2 "$NOW" CreateAccessKey
	record e-flaky-3 "$NOW" CreateAccessKey
} > "$TMP/flaky.ndjson"
peer_script dd '{"answers": [{"status": 500}, {"status": 502}, {"status": 503}, {"drop": true}, {"status": 504}]}'
ATTEMPTS=8
write_conf "$TMP/flaky.conf" "\"$TMP/flaky.ndjson\""
unset ATTEMPTS
run_ce "$TMP/flaky.conf"
assert_status 0 "$CE_STATUS" "every alert delivered once the peer recovers"
check_py "$TMP/dd.log" <<'PY'
import sys
from outputs_check import *
reqs = requests(sys.argv[1])
ok = [body(r)["aggregation_key"] for r in reqs if r["answer"].get("status", 202) == 202 and not r["answer"].get("drop")]
expect(len(ok) == 3 and len(set(ok)) == 3, "each of the 3 alerts accepted once: %s" % ok)
expect(len(reqs) == 8, "5 failures and 3 successes, got %d" % len(reqs))
by_key = {}
for r in reqs:
    by_key.setdefault(body(r)["aggregation_key"], set()).add(r["body"])
expect(all(len(v) == 1 for v in by_key.values()), "retries repeat the same body")
PY

# --- 8: the proxy option and the proxy variables -------------------------
peer_script dd '{}'
write_conf "$TMP/proxy.conf" "\"$TMP/one.ndjson\"" "proxy = \"http://127.0.0.1:$PEER_PORT\";"
sed -i "s|endpoint = \"http://127.0.0.1:$PEER_PORT\"|endpoint = \"http://datadog.invalid\"|" "$TMP/proxy.conf"
run_ce "$TMP/proxy.conf"
assert_status 0 "$CE_STATUS" "delivery through the configured proxy"
assert_grep '"path": "http://datadog.invalid/api/v1/events"' "$TMP/dd.log" "the request went through the proxy"
peer_script dd '{}'
write_conf "$TMP/envproxy.conf" "\"$TMP/one.ndjson\""
sed -i "s|endpoint = \"http://127.0.0.1:$PEER_PORT\"|endpoint = \"http://datadog.invalid\"|" "$TMP/envproxy.conf"
http_proxy="http://127.0.0.1:$PEER_PORT"
export http_proxy
run_ce "$TMP/envproxy.conf"
unset http_proxy
assert_status 0 "$CE_STATUS" "delivery through \$http_proxy"
assert_grep '"path": "http://datadog.invalid/api/v1/events"' "$TMP/dd.log" "the request went through \$http_proxy"
# proxy = "" goes direct, whatever the environment says.
peer_script dd '{}'
write_conf "$TMP/noproxy.conf" "\"$TMP/one.ndjson\"" 'proxy = "";'
http_proxy="http://127.0.0.1:9"
export http_proxy
run_ce "$TMP/noproxy.conf"
unset http_proxy
assert_status 0 "$CE_STATUS" "proxy = \"\" ignores \$http_proxy"
assert_grep '"path": "/api/v1/events"' "$TMP/dd.log" "the request went direct"

# --- 9: sites, and options refused with their location -------------------
: > "$TMP/empty.ndjson"
write_conf "$TMP/site.conf" "\"$TMP/empty.ndjson\"" 'site = "us5.datadoghq.com";'
sed -i "s|endpoint = \"http://127.0.0.1:$PEER_PORT\";||" "$TMP/site.conf"
run_ce "$TMP/site.conf"
assert_status 0 "$CE_STATUS" "a run with the us5 site"
assert_grep 'requests go to https://api.us5.datadoghq.com/api/v1/events' "$TMP/stderr" "site us5 gives api.us5.datadoghq.com"
write_conf "$TMP/badsite.conf" "\"$TMP/empty.ndjson\"" 'site = "datadoghq.xyz";'
"$CE_BIN" check -c "$TMP/badsite.conf" > "$TMP/check.out" 2>&1 && fail "an unknown site must be refused"
cat "$TMP/check.out" >> "$ALL_OUTPUT"
assert_grep 'badsite.conf:[0-9]+.*site' "$TMP/check.out" "the bad site is located"
# Endpoints, CA bundles and keys are checked when the output starts.
write_conf "$TMP/badurl.conf" "\"$TMP/empty.ndjson\""
sed -i "s|endpoint = \"http://127.0.0.1:$PEER_PORT\"|endpoint = \"ftp://127.0.0.1/\"|" "$TMP/badurl.conf"
run_ce "$TMP/badurl.conf"
assert_status 3 "$CE_STATUS" "an ftp endpoint is refused"
assert_grep "endpoint: scheme 'ftp' is not supported" "$TMP/stderr" "the bad scheme is named"
write_conf "$TMP/badca.conf" "\"$TMP/empty.ndjson\"" "ca_bundle = \"$TMP/no-such-ca.pem\";"
run_ce "$TMP/badca.conf"
assert_status 3 "$CE_STATUS" "a missing CA bundle is refused"
assert_grep "ca_bundle: $TMP/no-such-ca.pem: No such file" "$TMP/stderr" "the missing CA bundle is named"
DD_API_KEY=
run_ce "$TMP/site.conf"
DD_API_KEY=SENTINEL-dd-0123456789
assert_status 3 "$CE_STATUS" "an empty API key is refused"
assert_grep 'api_key: is empty' "$TMP/stderr" "the empty key is named"

# --- 10: TLS is verified, against the CA bundle chosen -------------------
if command -v openssl > /dev/null 2>&1; then
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
		-nodes -keyout "$TMP/key.pem" -out "$TMP/cert.pem" -days 2 \
		-subj /CN=localhost -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
		> /dev/null 2>&1 || fail "openssl cannot make a certificate"
	PLAIN_PORT=$PEER_PORT
	start_peer tls --tls "$TMP/cert.pem" "$TMP/key.pem"
	peer_script tls '{}'
	write_conf "$TMP/tls.conf" "\"$TMP/one.ndjson\""
	sed -i "s|endpoint = \"http://127.0.0.1:$PEER_PORT\"|endpoint = \"https://127.0.0.1:$PEER_PORT\"|" "$TMP/tls.conf"
	run_ce "$TMP/tls.conf"
	assert_status 1 "$CE_STATUS" "a certificate no CA vouches for is refused"
	assert_grep 'not delivered after 1 attempt\(s\) \(refused\): no answer: .*certificate' "$TMP/stderr" "the verification failure is logged, not retried"
	[ "$(lines "$TMP/tls.log")" = 0 ] || fail "nothing may be sent to an unverified server"
	write_conf "$TMP/tls-ca.conf" "\"$TMP/one.ndjson\"" "ca_bundle = \"$TMP/cert.pem\";"
	sed -i "s|endpoint = \"http://127.0.0.1:$PEER_PORT\"|endpoint = \"https://127.0.0.1:$PEER_PORT\"|" "$TMP/tls-ca.conf"
	run_ce "$TMP/tls-ca.conf"
	assert_status 0 "$CE_STATUS" "delivery over TLS with ca_bundle"
	[ "$(lines "$TMP/tls.log")" = 1 ] || fail "one request over TLS"
	SSL_CERT_FILE="$TMP/cert.pem"
	export SSL_CERT_FILE
	run_ce "$TMP/tls.conf"
	unset SSL_CERT_FILE
	assert_status 0 "$CE_STATUS" "delivery over TLS with \$SSL_CERT_FILE"
	assert_grep "CA certificates: $TMP/cert.pem" "$TMP/stderr" "\$SSL_CERT_FILE is used"
	PEER_PORT=$PLAIN_PORT
else
	echo "no openssl: TLS not tested"
fi

# --- 11: the key is never shown ------------------------------------------
"$CE_BIN" check -c "$TMP/shape.conf" >> "$ALL_OUTPUT" 2>&1 || fail "check of a good configuration"
"$CE_BIN" plugins datadog >> "$ALL_OUTPUT" 2>&1 || fail "plugins datadog"
no_secrets SENTINEL-dd-0123456789 SENTINEL-dd
echo "PASS: datadog output"
