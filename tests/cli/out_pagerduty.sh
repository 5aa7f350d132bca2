#!/bin/sh
# The pagerduty output against a loopback HTTP peer, fed by the DRL
# evaluator: the Events API v2 request (routing_key, dedup_key = the
# alert's key, every payload field and its type, severity mapping, summary
# within 1024 characters, custom_details = the flattened record plus the
# rule's metadata, capped for huge records, runbook links), 429 with an
# HTTP-date Retry-After and 5xx retried with the same dedup_key, 400 not
# retried and logged, and the routing key never shown.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/outputs_lib.sh"

PD_ROUTING_KEY=SENTINEL-pd-0123456789abcdefghij
export PD_ROUTING_KEY
start_peer pd
NOW=$(recent_time)

cat > "$TMP/rules.drl" <<'DRL'
import java.util.Map
import cloudengine.AlertServices.PagerDutyAlertService;
import cloudengine.AlertServices.Alerts;

rule "iam.amazonaws.com: pd critical"
	@severity(critical)
	@description("Something critical: \"quoted\", and long enough to read.")
	@runbook("https://runbooks.example.com/critical")
	@tags("team:sec", "mitre:T1098")
when
	$map: Map(this["eventName"] == "Critical")
then
	new PagerDutyAlertService().report($map, drools.getRule().getName());
	new Alerts().report($map, drools.getRule().getName());
end

rule "iam.amazonaws.com: pd high"
	@severity(high)
	@runbook("Call the on-call lead")
when
	$map: Map(this["eventName"] == "High")
then
	new PagerDutyAlertService().report($map, drools.getRule().getName());
	new Alerts().report($map, drools.getRule().getName());
end

rule "iam.amazonaws.com: pd medium"
	@severity(medium)
when
	$map: Map(this["eventName"] in ("Medium", "Huge"))
then
	new PagerDutyAlertService().report($map, drools.getRule().getName());
	new Alerts().report($map, drools.getRule().getName());
end

rule "iam.amazonaws.com: pd low"
	@severity(low)
when
	$map: Map(this["eventName"] == "Low")
then
	new PagerDutyAlertService().report($map, drools.getRule().getName());
	new Alerts().report($map, drools.getRule().getName());
end

rule "iam.amazonaws.com: pd info"
	@severity(info)
when
	$map: Map(this["eventName"] == "Info")
then
	new PagerDutyAlertService().report($map, drools.getRule().getName());
	new Alerts().report($map, drools.getRule().getName());
end
DRL

# write_conf FILE INPUT [PAGERDUTY OPTIONS]
write_conf() {
	cat > "$1" <<CONF
log_level = "debug";
workers = 2;
dead_letter = "$1.dead";
retry = { max_attempts = 5; max_time_ms = 30000; base_delay_ms = 10; max_delay_ms = 50; };
inputs = ( { plugin = "file"; paths = [ "$2" ]; lines = true; } );
evaluator = { plugin = "drl"; rules = [ "$TMP/rules.drl" ]; };
outputs = (
	{ plugin = "pagerduty"; aliases = [ "PagerDutyAlertService" ];
	  routing_key = "\${PD_ROUTING_KEY}"; endpoint = "http://127.0.0.1:$PEER_PORT/"; ${3:-} },
	{ plugin = "stdout"; aliases = [ "Alerts" ]; event = "flat"; }
);
CONF
}

# --- 1: the request, field by field -------------------------------------
longarn=$("$PYTHON3" -c 'print("arn:aws:iam::123456789012:user/" + "x" * 3000)')
{
	record e-critical "$NOW" Critical | sed "s|arn:aws:iam::123456789012:user/alice|$longarn|"
	record e-high "$NOW" High ',"requestParameters":{"userName":"b\u00f6b\u0000\u0007","n":1.50,"ok":true,"none":null,"e":{},"l":[]}'
	record e-medium "$NOW" Medium
	record e-low "not a time" Low
	record e-info "$NOW" Info
	# A record far beyond PagerDuty's 512 KB: 30000 fields and a 1 MB value.
	"$PYTHON3" -c '
import json, sys
r = {"eventVersion": "1.08", "eventID": "e-huge", "eventTime": sys.argv[1],
     "eventSource": "iam.amazonaws.com", "eventName": "Huge",
     "recipientAccountId": "123456789012", "awsRegion": "eu-west-3",
     "requestParameters": {"big": "\u00e9" * 500000,
                           "items": ["item-%05d" % i for i in range(30000)]}}
print(json.dumps(r, ensure_ascii=False))' "$NOW"
} > "$TMP/shape.ndjson"
peer_script pd '{}'
write_conf "$TMP/shape.conf" "$TMP/shape.ndjson"
run_ce "$TMP/shape.conf"
assert_status 0 "$CE_STATUS" "delivery to a peer that accepts (stderr: $(grep -v metrics "$TMP/stderr" | tail -3))"
cp "$TMP/stdout" "$TMP/shape.alerts"
check_py "$TMP/pd.log" "$TMP/shape.alerts" "$NOW" <<'PY'
import sys
from outputs_check import *
reqs = requests(sys.argv[1])
alerts = alerts(sys.argv[2])
now = sys.argv[3]
expect(len(reqs) == 6, "6 requests for 6 alerts, got %d" % len(reqs))
top = {"routing_key", "event_action", "dedup_key", "client", "payload", "links"}
fields = {"summary", "source", "severity", "timestamp", "component", "group", "class", "custom_details"}
seen = {}
for r in reqs:
    expect(r["method"] == "POST" and r["path"] == "/v2/enqueue", "POST /v2/enqueue, got %s %s" % (r["method"], r["path"]))
    h = r["headers"]
    expect(h.get("content-type") == "application/json", "Content-Type")
    expect("authorization" not in h, "the key goes in the body, not in a header")
    expect(h.get("user-agent", "").startswith("cloudengine-pagerduty/"), "User-Agent")
    expect(len(r["body"].encode()) < 512 * 1024, "request within 512 KB (%d bytes)" % len(r["body"].encode()))
    b = body(r)
    expect(set(b) <= top and set(b) >= top - {"links"}, "members %s" % sorted(b))
    expect(b["routing_key"] == "SENTINEL-pd-0123456789abcdefghij", "routing_key")
    expect(b["event_action"] == "trigger", "event_action")
    expect(b["client"] == "cloudengine", "client")
    p = b["payload"]
    expect(set(p) <= fields and {"summary", "source", "severity", "custom_details"} <= set(p), "payload members %s" % sorted(p))
    expect(isinstance(p["summary"], str) and len(p["summary"]) <= 1024, "summary within 1024 characters")
    expect(isinstance(p["custom_details"], dict), "custom_details is an object")
    ids = [i for i, a in alerts.items() if a["key"] == b["dedup_key"]]
    expect(len(ids) == 1 and len(b["dedup_key"]) <= 255, "dedup_key %s is an alert's key" % b["dedup_key"])
    seen[ids[0]] = b
expect(sorted(seen) == sorted(alerts), "one request per alert")
want = {"e-critical": "critical", "e-high": "error", "e-medium": "warning",
        "e-low": "info", "e-info": "info", "e-huge": "warning"}
for i, sev in want.items():
    expect(seen[i]["payload"]["severity"] == sev, "%s: severity %s, want %s" % (i, seen[i]["payload"]["severity"], sev))
for i in ["e-critical", "e-high", "e-medium", "e-info"]:
    p, a = seen[i]["payload"], alerts[i]
    expect(p["timestamp"] == now, "%s: timestamp is eventTime" % i)
    expect(p["component"] == "iam.amazonaws.com" and p["group"] == "123456789012", "%s: component and group" % i)
    expect(p["class"] == a["eventName"], "%s: class is eventName" % i)
    expect(p["source"] == "aws/123456789012/eu-west-3", "%s: source %s" % (i, p["source"]))
    details = {k: v for k, v in p["custom_details"].items() if not k.startswith("alert.")}
    expect(details == a["event"], "%s: custom_details hold the flattened record" % i)
    if i != "e-critical":
        expect(p["summary"] == a["rule"] + ": " + a["summary"], "%s: summary is the rule and the core's summary" % i)
expect("timestamp" not in seen["e-low"]["payload"], "no timestamp for an unparsable eventTime")
c = seen["e-critical"]
expect(len(c["payload"]["summary"]) == 1024 and c["payload"]["summary"].endswith("\u2026 [truncated]"), "a long summary is cut at 1024 characters")
expect(c["payload"]["summary"].startswith("iam.amazonaws.com: pd critical: arn:aws:iam::123456789012:user/xxx"), "the summary starts with the rule name")
expect(c["links"] == [{"href": "https://runbooks.example.com/critical", "text": "Runbook"}], "runbook link %s" % c.get("links"))
expect(c["payload"]["custom_details"]["alert.description"] == 'Something critical: "quoted", and long enough to read.', "description in custom_details")
expect(c["payload"]["custom_details"]["alert.tags"] == ["team:sec", "mitre:T1098"], "tags in custom_details")
h = seen["e-high"]
expect("links" not in h, "a runbook that is not a URL is no link")
expect(h["payload"]["custom_details"]["alert.runbook"] == "Call the on-call lead", "it goes in custom_details")
expect(h["payload"]["custom_details"]["requestParameters.userName"] == "b\u00f6b\u0000\u0007", "control characters survive")
expect(h["payload"]["custom_details"]["requestParameters.n"] == 1.5, "numbers stay numbers")
d = seen["e-huge"]["payload"]["custom_details"]
expect(d["eventID"] == "e-huge", "the huge record's first fields are kept")
expect(len(d["requestParameters.big"]) == 1024 and d["requestParameters.big"].endswith("\u2026 [truncated]"), "a huge value is cut")
expect("alert.omitted" in d and d["alert.omitted"].endswith("fields left out: the record is larger than PagerDuty accepts"), "left-out fields are said")
omitted = int(d["alert.omitted"].split()[0])
expect(omitted > 0 and len(d) - 1 + omitted == 30008, "every field is either kept or counted (%d + %d)" % (len(d) - 1, omitted))
PY

# --- 2: min_severity keeps the pages for high and critical alerts -------
peer_script pd '{}'
write_conf "$TMP/min.conf" "$TMP/shape.ndjson" 'min_severity = "high";'
run_ce "$TMP/min.conf"
assert_status 0 "$CE_STATUS" "a run with min_severity"
check_py "$TMP/pd.log" <<'PY'
import sys
from outputs_check import *
sev = sorted(body(r)["payload"]["severity"] for r in requests(sys.argv[1]))
expect(sev == ["critical", "error"], "only critical and high alerts page: %s" % sev)
PY

# --- 3: 429 with an HTTP-date, then 500: the same dedup_key each time ---
record e-retry "$NOW" Critical > "$TMP/one.ndjson"
peer_script pd '{"answers": [
	{"status": 429, "retry_after_date": 3, "body": "{\"status\":\"throttle event\"}"},
	{"status": 500, "body": ""}]}'
write_conf "$TMP/retry.conf" "$TMP/one.ndjson"
run_ce "$TMP/retry.conf"
assert_status 0 "$CE_STATUS" "delivered after 429 and 500"
check_py "$TMP/pd.log" <<'PY'
import sys
from outputs_check import *
reqs = requests(sys.argv[1])
expect([r["answer"].get("status", 202) for r in reqs] == [429, 500, 202], "3 attempts: %s" % [r["answer"] for r in reqs])
expect(reqs[1]["t"] - reqs[0]["t"] >= 1.0, "the Retry-After date is honoured (%.3f s)" % (reqs[1]["t"] - reqs[0]["t"]))
expect(len({body(r)["dedup_key"] for r in reqs}) == 1, "one dedup_key across retries")
PY

# --- 4: 400 is not retried; its body logged, the key redacted ------------
PD_ROUTING_KEY=SENTINEL-pd-short
peer_script pd '{"default": {"status": 400, "body": "{\"status\":\"invalid event\",\"message\":\"Event object is invalid\",\"errors\":[\"Length of '"'"'routing_key'"'"' is incorrect: SENTINEL-pd-short\"]}"}}'
write_conf "$TMP/refused.conf" "$TMP/one.ndjson"
run_ce "$TMP/refused.conf"
assert_status 1 "$CE_STATUS" "a refused alert fails the run"
[ "$(lines "$TMP/pd.log")" = 1 ] || fail "one request on 400, got $(lines "$TMP/pd.log")"
assert_grep "routing_key: 17 characters, where PagerDuty integration keys have 32" "$TMP/stderr" "a short key is warned about"
assert_grep "not delivered after 1 attempt\(s\) \(refused\): HTTP 400: \{\"status\":\"invalid event\",\"message\":\"Event object is invalid\",.*is incorrect: <redacted>" "$TMP/stderr" "the 400 body is logged, the key redacted"
assert_grep "one.ndjson: not fully processed" "$TMP/stderr" "a log line for the failed document"
assert_grep '"output":"pagerduty".*"rule":"iam.amazonaws.com: pd critical"' "$TMP/refused.conf.dead" "the alert is dead-lettered"

# --- 5: the key is never shown ------------------------------------------
"$CE_BIN" check -c "$TMP/shape.conf" >> "$ALL_OUTPUT" 2>&1 || fail "check of a good configuration"
"$CE_BIN" plugins pagerduty >> "$ALL_OUTPUT" 2>&1 || fail "plugins pagerduty"
no_secrets SENTINEL-pd-0123456789abcdefghij SENTINEL-pd-short SENTINEL-pd
echo "PASS: pagerduty output"
