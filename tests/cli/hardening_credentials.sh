#!/bin/sh
# Credentials expiring mid-run.  A loopback endpoint
# (tests/peers/rotating_credentials.py) hands out a new key pair on every
# fetch, and a SigV4 checker in front of fauxqs knows exactly those keys
# and refuses each one once it has expired, as AWS does.  The sqs input
# reads records from a queue through the checker, the drl evaluator's one
# rule has no condition (every record must alert), and the sns output
# publishes each alert through the checker to a topic whose queue collects
# them.  Four runs:
#  1. container credentials (AWS_CONTAINER_CREDENTIALS_FULL_URI), each key
#     expiring 1 s past the engine's 5-minute refresh margin: the engine
#     must replace its key every second, and never use one more than GRACE
#     seconds after it was due;
#  2. the same with EC2 instance metadata (IMDSv2,
#     AWS_EC2_METADATA_SERVICE_ENDPOINT);
#  3. container credentials that really expire during the run (1.5 s
#     after each fetch), from an endpoint that now and then takes 2 s to
#     answer, and a checker that judges each request as if it had taken
#     500 ms to reach AWS: the engine must not go on signing with a key
#     about to expire while the refresh is slow (the requests in flight
#     would be refused);
#  4. the same keys from an endpoint that fails every fetch for 2 s: the
#     engine must not fall back on its key until it expires, and must get
#     the work done once the endpoint is back.
# Checked, for each: several distinct keys signed SQS and SNS requests; no
# request was refused and none was signed with an expired key; every
# record's alert was published; every message was deleted (each batch is
# sent once the queue is empty); no secret or token reached a log.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sqs_lib.sh"

"$PYTHON3" -c 'import botocore' 2>/dev/null ||
    skip "python3-botocore is not installed"

# src/aws.c replaces a key 5 minutes (MARGIN) before it expires.
MARGIN=300
GRACE=2
KEYS_WANTED=4		# distinct keys per service and per run
RULE_NAME="*: every record"
ARN=arn:aws:sns:us-east-1:000000000000

cat > "$TMP/init.json" <<'JSON'
{"queues": [{"name": "ct-rotate"}, {"name": "alerts-q"}],
 "topics": [{"name": "alerts"}],
 "subscriptions": [{"topic": "alerts", "queue": "alerts-q",
                    "attributes": {"RawMessageDelivery": "true"}}]}
JSON
sqs_start "$TMP/init.json"
# Only the rotating endpoint may provide credentials.
unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN
QURL=$(sqs_py url ct-rotate)

mkdir "$TMP/rules"
cat > "$TMP/rules/every.drl" <<DRL
import cloudengine.AlertServices.*;
rule "$RULE_NAME"
when
	\$m : Map()
then
	new Notify().report(\$m, drools.getRule().getName());
end
DRL

# peer_start PHASE LIFETIME [ARGS...]: a credentials endpoint and checker
# of its own for the phase (logs $TMP/PHASE.sigv4.jsonl and
# $TMP/PHASE.keys.jsonl); sets CREDS_URL and writes $TMP/PHASE.conf, the
# engine's configuration going through that checker.
peer_start() {
	name=$1 lifetime=$2
	shift 2
	"$PYTHON3" "$CE_TOP_SRCDIR/tests/peers/rotating_credentials.py" \
	    --port-file "$TMP/$name.ports" --log "$TMP/$name.sigv4.jsonl" \
	    --keys "$TMP/$name.keys.jsonl" --upstream "$FAUXQS_URL" \
	    --lifetime "$lifetime" --margin "$MARGIN" --region us-east-1 \
	    "$@" 2> "$TMP/$name.peer.stderr" &
	PEER_PID=$!
	CE_PIDS="$CE_PIDS $PEER_PID"
	wait_for 30 test -s "$TMP/$name.ports"
	read -r creds_port sigv4_port < "$TMP/$name.ports"
	CREDS_URL="http://127.0.0.1:$creds_port"
	cat > "$TMP/$name.conf" <<CONF
log_level = "warning";
workers = 2;
retry = { max_attempts = 20; max_time_ms = 60000; base_delay_ms = 10; max_delay_ms = 500; };
inputs = ( { plugin = "sqs"; name = "ct"; endpoint = "http://127.0.0.1:$sigv4_port";
	queue_url = "$QURL"; wait_seconds = 1; visibility_timeout = 10;
	concurrency = 8; } );
evaluator = { plugin = "drl"; rules = [ "$TMP/rules" ]; };
outputs = ( { plugin = "sns"; name = "notify"; aliases = [ "Notify" ];
	topic_arn = "$ARN:alerts"; endpoint = "http://127.0.0.1:$sigv4_port"; } );
CONF
}

# feed PHASE RECORDS [SEEN]: while the engine runs, send batches of 25
# messages of two records each (eventIDs listed in $TMP/PHASE.ids), each
# once the previous one is gone from the queue, until at least RECORDS
# records went through, KEYS_WANTED keys signed both SQS and SNS requests,
# and a line of the engine's log matched SEEN (a Python regex), if given.
# Polls every 20 ms; fails at a 40 s deadline or when the engine exits.
feed() {
	"$PYTHON3" - "$TMP" "$1" "$2" "$KEYS_WANTED" "$CE_PID" "$QURL" \
	    "${3:-}" <<'PY'
import json, os, re, sys, time, urllib.request
tmp, phase, records = sys.argv[1], sys.argv[2], int(sys.argv[3])
wanted, pid, qurl = int(sys.argv[4]), int(sys.argv[5]), sys.argv[6]
seen = sys.argv[7]
fauxqs = os.environ["FAUXQS_URL"]
deadline = time.monotonic() + 40

def sqs(target, body):
    req = urllib.request.Request(fauxqs + "/", data=json.dumps(body).encode(),
        headers={"Content-Type": "application/x-amz-json-1.0",
                 "X-Amz-Target": "AmazonSQS." + target})
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.load(r)

def left():
    with urllib.request.urlopen(fauxqs + "/_fauxqs/queues/ct-rotate",
                                timeout=10) as r:
        m = json.load(r)["messages"]
    return len(m["ready"]) + len(m["delayed"]) + len(m["inflight"])

def keys_used():
    used = {"sqs": set(), "sns": set()}
    for l in open("%s/%s.sigv4.jsonl" % (tmp, phase)):
        r = json.loads(l)
        if r.get("verdict") == "ok":
            used.setdefault(r["service"], set()).add(r["access_key"])
    return min(len(used["sqs"]), len(used["sns"]))

def logged():
    if not seen:
        return True
    with open(tmp + "/stderr", errors="replace") as f:
        return re.search(seen, f.read()) is not None

def engine_running():
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False

def wait(what, cond):
    while not cond():
        if not engine_running():
            sys.exit("%s: cloudengine exited" % phase)
        if time.monotonic() > deadline:
            sys.exit("%s: timed out waiting for %s" % (phase, what))
        time.sleep(0.02)

sent = 0
with open("%s/%s.ids" % (tmp, phase), "w") as ids:
    while sent < records or keys_used() < wanted or not logged():
        for m in range(0, 25, 10):
            entries = []
            for k in range(m, min(m + 10, 25)):
                recs = []
                for j in range(2):
                    eid = "%s-%05d" % (phase, sent + 2 * k + j)
                    recs.append({"eventVersion": "1.08", "eventID": eid,
                        "eventTime": "2024-05-01T12:00:00Z",
                        "eventSource": "iam.amazonaws.com",
                        "eventName": "CreateUser", "awsRegion": "us-east-1",
                        "recipientAccountId": "111122223333",
                        "userIdentity": {"type": "AssumedRole", "arn":
                            "arn:aws:sts::111122223333:assumed-role/r/s"},
                        "requestParameters": {"userName": "u%d" % j}})
                    ids.write(eid + "\n")
                entries.append({"Id": str(k),
                                "MessageBody": json.dumps({"Records": recs})})
            got = sqs("SendMessageBatch", {"QueueUrl": qurl,
                                           "Entries": entries})
            assert not got.get("Failed"), got
        ids.flush()
        sent += 50
        wait("an empty queue", lambda: left() == 0)
print("%s: %d records sent, %d keys used" % (phase, sent, keys_used()))
PY
}

# check PHASE LATE: every record alerted, every request accepted, no
# expired key; with LATE=yes, no key used more than GRACE s after it was
# due to be replaced.
check() {
	"$PYTHON3" - "$TMP" "$1" "$2" "$GRACE" <<'PY' || fail "$1: see above"
import collections, json, os, sys, urllib.request
tmp, phase, late_check, grace = sys.argv[1:4] + [float(sys.argv[4])]
fauxqs = os.environ["FAUXQS_URL"]

def sqs(target, body):
    req = urllib.request.Request(fauxqs + "/", data=json.dumps(body).encode(),
        headers={"Content-Type": "application/x-amz-json-1.0",
                 "X-Amz-Target": "AmazonSQS." + target})
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.load(r)

# Every alert published, read (and deleted) from the topic's queue.
url = sqs("GetQueueUrl", {"QueueName": "alerts-q"})["QueueUrl"]
got = collections.Counter()
while True:
    msgs = sqs("ReceiveMessage", {"QueueUrl": url, "MaxNumberOfMessages": 10,
                                  "WaitTimeSeconds": 0}).get("Messages")
    if not msgs:
        break
    for m in msgs:
        got[json.loads(m["Body"])["eventID"]] += 1
    sqs("DeleteMessageBatch", {"QueueUrl": url, "Entries": [
        {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
        for i, m in enumerate(msgs)]})
want = {l.strip() for l in open("%s/%s.ids" % (tmp, phase)) if l.strip()}
lost = want - set(got)
assert not lost, "%d alert(s) never published, e.g. %s" % (
    len(lost), sorted(lost)[0])
assert set(got) == want, "unexpected alerts: %s" % sorted(set(got) - want)[:3]
minted = sum(1 for l in open("%s/%s.keys.jsonl" % (tmp, phase)))
reqs = [json.loads(l) for l in open("%s/%s.sigv4.jsonl" % (tmp, phase))]
refused = [r for r in reqs if r["verdict"] != "ok"]
assert not refused, "%d refused, e.g. %s" % (len(refused), refused[:3])
expired = [r for r in reqs if r["expired"]]
assert not expired, "signed with an expired key: %s" % expired[:3]
late = max(r["late"] for r in reqs)
if late_check == "yes":
    assert late <= grace, "a key was used %.3f s after it was due to " \
        "be replaced: %s" % (late, [r for r in reqs if r["late"] == late][0])
by = collections.Counter(r["service"] for r in reqs)
used = {s: len({r["access_key"] for r in reqs if r["service"] == s})
        for s in ("sqs", "sns")}
print("%s: %d records, %d alerts (%d published twice); %d SQS and %d SNS "
      "requests signed with %d and %d of the %d keys handed out, none "
      "expired%s" % (phase, len(want), sum(got.values()),
      sum(1 for n in got.values() if n > 1), by["sqs"], by["sns"],
      used["sqs"], used["sns"], minted, ", at most %.3f s past due" % late
      if late_check == "yes" else ""))
PY
}

# phase NAME RECORDS LATE [ERRORS [SEEN]]: run the engine while feed()
# keeps it busy with at least RECORDS records (and until its log shows
# SEEN), then check; no line of its log may match ERRORS (default: no
# credential error at all).
phase() {
	start_engine run -c "$TMP/$1.conf"
	feed "$1" "$2" "${5:-}" || {
		cat "$TMP/stderr" >&2
		fail "$1: the run did not complete"
	}
	kill -TERM "$CE_PID"
	wait_engine
	assert_status 0 "$CE_STATUS" "$1: the engine's exit"
	cp "$TMP/stderr" "$TMP/$1.stderr"
	assert_no_grep "${4:-ExpiredToken|no AWS credentials}" \
	    "$TMP/$1.stderr" "$1: no credential error"
	check "$1" "$3"
	kill "$PEER_PID"
	wait "$PEER_PID" || :
}

# --- 1: container credentials, replaced every second -----------------
peer_start container "$((MARGIN + 1))"
export AWS_CONTAINER_CREDENTIALS_FULL_URI="$CREDS_URL/creds"
phase container 300 yes
unset AWS_CONTAINER_CREDENTIALS_FULL_URI

# --- 2: EC2 instance metadata (IMDSv2), replaced every second --------
# The suite turns IMDS off (AWS_EC2_METADATA_DISABLED=true): on here only,
# pointed at the loopback endpoint.
peer_start imds "$((MARGIN + 1))"
export AWS_EC2_METADATA_DISABLED=false AWS_EC2_METADATA_SERVICE_ENDPOINT="$CREDS_URL"
phase imds 300 yes
export AWS_EC2_METADATA_DISABLED=true
unset AWS_EC2_METADATA_SERVICE_ENDPOINT

# --- 3: container credentials expiring 1.5 s after each fetch --------
peer_start expiring 1.5 --hang 2 --hang-every 1 --transit 0.5
export AWS_CONTAINER_CREDENTIALS_FULL_URI="$CREDS_URL/creds"
phase expiring 200 no
unset AWS_CONTAINER_CREDENTIALS_FULL_URI

# --- 4: the same keys, from an endpoint down for 2 s ----------------
# Meanwhile the engine has no key it may use: it logs that it has none
# and retries, and signs nothing with the key it had.
peer_start outage 1.5 --outage 2 --outage-at 1 --transit 0.5
export AWS_CONTAINER_CREDENTIALS_FULL_URI="$CREDS_URL/creds"
phase outage 200 no ExpiredToken 'no AWS credentials: .*HTTP 500'
unset AWS_CONTAINER_CREDENTIALS_FULL_URI

if grep -Eq 'rotating-(secret|token)-' "$TMP"/*.stderr "$TMP"/*.jsonl; then
	fail "a secret or session token reached a log"
fi
echo "PASS: credentials replaced in time, none used expired, nothing lost"
