#!/bin/sh
# End to end through all three outputs at once: file input, the DRL
# evaluator, and Datadog, PagerDuty (loopback HTTP peers) and SNS (fauxqs).
# A rule firing reaches all three; a peer that fails for a while still gets
# every alert once it recovers; a peer that never recovers yields a
# non-zero exit, a log line for the failed document and the undelivered
# alert in the dead-letter file.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/outputs_lib.sh"
. "$CE_TOP_SRCDIR/tests/peers/fauxqs.sh"

cat > "$TMP/init.json" <<'JSON'
{"queues": [{"name": "alerts-q"}],
 "topics": [{"name": "alerts"}],
 "subscriptions": [{"topic": "alerts", "queue": "alerts-q",
                    "attributes": {"RawMessageDelivery": "true"}}]}
JSON
fauxqs_start "$TMP/init.json"
start_peer dd
DD_PORT=$PEER_PORT
start_peer pd
PD_PORT=$PEER_PORT
export AWS_ACCESS_KEY_ID=AKIDE2ETEST AWS_SECRET_ACCESS_KEY=SENTINEL-e2e-secret
export AWS_REGION=us-east-1 DD_API_KEY=SENTINEL-e2e-dd-0123456789
export PD_KEY=SENTINEL-e2e-pd-0123456789abcdefghij
unset AWS_SESSION_TOKEN AWS_ENDPOINT_URL AWS_ENDPOINT_URL_SNS

mkdir "$TMP/rules"
cat > "$TMP/rules/keys.drl" <<'DRL'
import cloudengine.AlertServices.Datadog;
import cloudengine.AlertServices.PagerDuty;
import cloudengine.AlertServices.Sns;

rule "iam.amazonaws.com: Access key created"
    @severity(high)
    @description("A new access key is a long-lived credential.")
    @runbook("https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_access-keys.html")
    @tags("aws:iam")
when
    $m : Map(this["eventName"] == "CreateAccessKey")
then
    new Datadog().report($m, drools.getRule().getName());
    new PagerDuty().report($m, drools.getRule().getName());
    new Sns().report($m, drools.getRule().getName());
end
DRL
record e2e-1 "$(recent_time)" CreateAccessKey > "$TMP/events.ndjson"
record e2e-2 "$(recent_time)" ListUsers >> "$TMP/events.ndjson"

cat > "$TMP/ce.conf" <<CONF
retry = { max_attempts = 5; max_time_ms = 20000; base_delay_ms = 20; max_delay_ms = 100; };
dead_letter = "dead.jsonl";
inputs = ( { plugin = "file"; paths = [ "events.ndjson" ]; } );
evaluator = { plugin = "drl"; rules = [ "rules" ]; };
outputs = (
  { plugin = "datadog"; name = "dd"; aliases = [ "Datadog" ]; api_key = "\${DD_API_KEY}"; endpoint = "http://127.0.0.1:$DD_PORT"; },
  { plugin = "pagerduty"; name = "pd"; aliases = [ "PagerDuty" ]; routing_key = "\${PD_KEY}"; endpoint = "http://127.0.0.1:$PD_PORT"; },
  { plugin = "sns"; name = "sns"; aliases = [ "Sns" ]; topic_arn = "arn:aws:sns:us-east-1:000000000000:alerts"; endpoint = "$FAUXQS_URL"; }
);
CONF

# 1: Datadog answers 503 twice, then recovers; all three get the alert.
peer_script dd '{"answers": [{"status": 503}, {"status": 503}], "default": {"status": 202, "body": "{}"}}'
peer_script pd '{"default": {"status": 202, "body": "{\"status\":\"success\"}"}}'
run_ce "$TMP/ce.conf"
assert_status 0 "$CE_STATUS" "run with a peer that recovers"
[ "$(lines "$TMP/dd.log")" = 3 ] || fail "datadog: expected 3 requests, got $(lines "$TMP/dd.log")"
[ "$(lines "$TMP/pd.log")" = 1 ] || fail "pagerduty: expected 1 request, got $(lines "$TMP/pd.log")"
sqs_drain alerts-q "$TMP/sns.jsonl"
[ "$(lines "$TMP/sns.jsonl")" = 1 ] || fail "sns: expected 1 message, got $(lines "$TMP/sns.jsonl")"
"$PYTHON3" - "$TMP/dd.log" "$TMP/pd.log" "$TMP/sns.jsonl" <<'PY' || fail "the three outputs disagree"
import json, sys
dd = [json.loads(l) for l in open(sys.argv[1])]
pd = [json.loads(json.loads(l)["body"]) for l in open(sys.argv[2])]
sns = [json.loads(json.loads(l)["Body"]) for l in open(sys.argv[3])]
rule = "iam.amazonaws.com: Access key created"
bodies = [json.loads(d["body"]) for d in dd]
assert all(b["title"].endswith(rule) or rule in b["title"] for b in bodies), bodies[0]["title"]
assert len({b["aggregation_key"] for b in bodies}) == 1      # same key on each retry
key = pd[0]["dedup_key"]
assert len(key) == 64 and pd[0]["payload"]["severity"] == "error", pd[0]
assert sns[0]["key"] == key and sns[0]["rule"] == rule, sns[0]
assert "e2e-1" in json.dumps(pd[0]["payload"]["custom_details"])
PY

# 2: PagerDuty never recovers: non-zero exit, a log line for the failed
# document, the alert in the dead-letter file; the others still deliver.
rm -f "$TMP/dead.jsonl"
peer_script dd '{"default": {"status": 202, "body": "{}"}}'
peer_script pd '{"default": {"status": 500, "body": "{\"status\":\"down\"}"}}'
run_ce "$TMP/ce.conf"
assert_status 1 "$CE_STATUS" "run with a peer that never recovers"
[ "$(lines "$TMP/pd.log")" = 5 ] || fail "pagerduty: expected 5 attempts (the budget), got $(lines "$TMP/pd.log")"
[ "$(lines "$TMP/dd.log")" = 1 ] || fail "datadog: expected 1 request"
assert_grep "events.ndjson: not fully processed" "$TMP/stderr" "a log line per failed document"
[ "$(lines "$TMP/dead.jsonl")" = 1 ] || fail "expected 1 dead letter"
assert_grep '"output":"pd".*"rule":"iam.amazonaws.com: Access key created"' "$TMP/dead.jsonl" "the undelivered alert, whole"
no_secrets "$AWS_SECRET_ACCESS_KEY" "$DD_API_KEY" "$PD_KEY"
echo "PASS: outputs end to end"
