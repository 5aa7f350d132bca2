#!/bin/sh
# Faults end to end: 10,000 records with distinct eventIDs (1,000 SQS
# messages of 10) go from fauxqs through the sqs input and the drl
# evaluator, whose one rule has no condition (so the expected alerts come
# from this script, not from the engine), to the pagerduty output, pointed
# at a local HTTP peer that fails 30% of its requests on a fixed schedule:
# 503, 500, 429 with Retry-After, connections reset without an answer, and
# answers that hang past the output's timeout.  The daemon is killed with
# SIGKILL three times at random points and restarted.  Checked:
#  - at each kill, every message already deleted from the queue had all
#    of its alerts accepted by the peer (nothing acknowledged early);
#  - in the end every alert was accepted at least once (none lost), the
#    queue is empty, and every request for a record, retries and
#    redeliveries included, carried that record's idempotency key.
# CE_FAULT_EVENTS (a multiple of 10) makes it smaller for a quick run.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sqs_lib.sh"

EVENTS=${CE_FAULT_EVENTS:-10000}
RULE_NAME="*: every record"

echo '{"queues": [{"name": "ct-fault"}]}' > "$TMP/init.json"
sqs_start "$TMP/init.json"

# The messages: EVENTS records, 10 to a message, as a CloudTrail log
# file's body; the eventIDs expected, one per line.
"$PYTHON3" - "$TMP" "$EVENTS" <<'PY'
import json, sys
tmp, n = sys.argv[1], int(sys.argv[2])
with open(tmp + "/bodies", "w") as b, open(tmp + "/expected.ids", "w") as ids:
    for m in range(n // 10):
        recs = []
        for k in range(10):
            i = m * 10 + k
            eid = "fault-%05d" % i
            recs.append({"eventVersion": "1.08", "eventID": eid,
                "eventTime": "2024-05-01T12:00:00Z",
                "eventSource": "iam.amazonaws.com", "eventName": "CreateUser",
                "awsRegion": "us-east-1", "recipientAccountId": "111122223333",
                "userIdentity": {"type": "IAMUser",
                    "arn": "arn:aws:iam::111122223333:user/u%d" % (i % 97)},
                "requestParameters": {"userName": "n%d" % i}})
            ids.write(eid + "\n")
        b.write(json.dumps({"Records": recs}) + "\n")
PY
sqs_py send-lines ct-fault "$TMP/bodies" > "$TMP/sent.tsv"
MESSAGES=$(lines "$TMP/sent.tsv")

# The failing peer.  Request n fails when (n * 7919) % 10 < 3 (30%, spread
# out); failures cycle through 503, 429 + Retry-After: 1, a reset, 500,
# and, one failure in 50, an answer that hangs past the timeout.  Each
# request is logged (before its answer) as {"n", "key", "id", "status"}.
cat > "$TMP/peer.py" <<'PY'
import http.server, json, socket, sys, threading, time
portfile, logfile = sys.argv[1], sys.argv[2]
lock = threading.Lock()
count = [0]
log = open(logfile, "a", buffering=1)

def answer_for(n):
    if (n * 7919) % 10 >= 3:
        return 202
    k = n // 10
    if k % 50 == 49:
        return "hang"
    return [503, 429, "reset", 500][k % 4]

class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def setup(self):
        super().setup()
        # Headers and body go out in two writes: without this, Nagle and
        # delayed ACKs hold every answer for 40 ms.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    def log_message(self, *a):
        pass
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with lock:
            count[0] += 1
            n = count[0]
        status = answer_for(n)
        try:
            doc = json.loads(body)
            key = doc.get("dedup_key")
            eid = doc["payload"]["custom_details"].get("eventID")
        except Exception:
            key = eid = None
        with lock:
            log.write(json.dumps({"n": n, "key": key, "id": eid,
                                  "status": status}) + "\n")
        if status == "reset":
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       b"\x01\x00\x00\x00\x00\x00\x00\x00")
            self.close_connection = True
            return
        if status == "hang":
            time.sleep(1.5)
            self.close_connection = True
            return
        out = b'{"status":"success","dedup_key":"x"}' if status == 202 \
            else b'{"status":"error"}'
        self.send_response(status)
        if status == 429:
            self.send_header("Retry-After", "1")
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

srv = Server(("127.0.0.1", 0), Handler)
with open(portfile + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
import os
os.replace(portfile + ".tmp", portfile)
srv.serve_forever()
PY
"$PYTHON3" "$TMP/peer.py" "$TMP/peer.port" "$TMP/peer.jsonl" 2> "$TMP/peer.err" &
CE_PIDS="$CE_PIDS $!"
wait_for 20 test -s "$TMP/peer.port"
PEER_URL="http://127.0.0.1:$(cat "$TMP/peer.port")"

mkdir "$TMP/rules"
cat > "$TMP/rules/every.drl" <<DRL
import cloudengine.AlertServices.*;
rule "$RULE_NAME"
when
	\$m : Map()
then
	new Pager().report(\$m, drools.getRule().getName());
end
DRL
cat > "$TMP/ce.conf" <<CONF
log_level = "warning";
workers = 2;
retry = { max_attempts = 30; max_time_ms = 600000; base_delay_ms = 10; max_delay_ms = 500; };
inputs = ( { plugin = "sqs"; name = "ct"; endpoint = "$FAUXQS_URL";
	queue_url = "$(sqs_py url ct-fault)"; wait_seconds = 1;
	visibility_timeout = 5; failed_visibility_timeout = 1;
	concurrency = 40; } );
evaluator = { plugin = "drl"; rules = [ "rules" ]; };
outputs = ( { plugin = "pagerduty"; name = "pager"; aliases = [ "Pager" ];
	routing_key = "fault-injection-routing-key"; endpoint = "$PEER_URL";
	timeout_ms = 400; connect_timeout_ms = 1000; } );
CONF

# check_deleted: every message gone from the queue had every alert of its
# records accepted (a 202 logged) by the peer.
check_deleted() {
	sqs_py ids ct-fault | cut -d' ' -f2 > "$TMP/left.ids"
	"$PYTHON3" - "$TMP" "$RULE_NAME" <<'PY'
import hashlib, json, sys
tmp, rule = sys.argv[1], sys.argv[2]
left = set(open(tmp + "/left.ids").read().split())
ok = set()
for line in open(tmp + "/peer.jsonl"):
    r = json.loads(line)
    if r["status"] == 202:
        ok.add(r["key"])
def key(i):
    return hashlib.sha256(b"cloudengine-alert-v1\0id:" + i.encode() + b"\0" +
                          rule.encode()).hexdigest()
deleted = early = 0
for line in open(tmp + "/sent.tsv"):
    mid, body = line.rstrip("\n").split("\t", 1)
    if mid in left:
        continue
    deleted += 1
    ids = [r["eventID"] for r in json.loads(body)["Records"]]
    if any(key(i) not in ok for i in ids):
        early += 1
print(deleted, early)
if early:
    sys.exit("%d message(s) deleted before all their alerts went out" % early)
PY
}

remaining() {
	queue_count ct-fault all
}
below() {
	[ "$(remaining)" -lt "$1" ]
}

start=$(date +%s)
kills=0
# Random points: when 85-70%, 60-45% and 35-20% of the messages are left.
points=$("$PYTHON3" -c 'import random; print(*(random.randint(a, a + 15) for a in (70, 45, 20)))')
echo "kill points: $points (% of the messages left)"
for percent in $points; do
	start_engine run -c "$TMP/ce.conf"
	wait_for 300 running below $(( MESSAGES * percent / 100 ))
	kill -9 "$CE_PID"
	wait_engine
	kills=$((kills + 1))
	check_deleted > "$TMP/deleted" ||
		fail "after kill $kills: a message was deleted before its alerts went out"
	set -- $(cat "$TMP/deleted")
	echo "kill -9 #$kills at $(( $(date +%s) - start ))s: $1 of $MESSAGES messages deleted, all with their alerts delivered"
done

# The last run drains the queue.
start_engine run -c "$TMP/ce.conf"
wait_for 600 running queue_is 0 ct-fault
kill -TERM "$CE_PID"
wait_engine
assert_status 0 "$CE_STATUS" "the last run, after the queue was drained"
check_deleted > /dev/null || fail "a message was deleted before its alerts went out"

"$PYTHON3" - "$TMP" "$RULE_NAME" <<'PY' || fail "deliveries"
import collections, hashlib, json, sys
tmp, rule = sys.argv[1], sys.argv[2]
def key(i):
    return hashlib.sha256(b"cloudengine-alert-v1\0id:" + i.encode() + b"\0" +
                          rule.encode()).hexdigest()
want = {key(l.strip()): l.strip() for l in open(tmp + "/expected.ids") if l.strip()}
reqs = [json.loads(l) for l in open(tmp + "/peer.jsonl")]
status = collections.Counter(str(r["status"]) for r in reqs)
ok = collections.Counter(r["key"] for r in reqs if r["status"] == 202)
wrong = [r for r in reqs if r["id"] is None or key(r["id"]) != r["key"]]
lost = [k for k in want if ok[k] == 0]
extra = [k for k in ok if k not in want]
dups = sum(1 for k in want if ok[k] > 1)
failed = sum(n for s, n in status.items() if s != "202")
print("%d requests (%s), %.0f%% failed; %d alerts, %d delivered more than "
      "once" % (len(reqs), ", ".join("%s: %d" % kv for kv in sorted(status.items())),
                100.0 * failed / len(reqs), len(want), dups))
if wrong:
    sys.exit("%d request(s) whose dedup_key is not their record's key" % len(wrong))
if lost:
    sys.exit("%d alert(s) lost, e.g. %s" % (len(lost), want[lost[0]]))
if extra:
    sys.exit("%d unexpected alert(s)" % len(extra))
if failed < len(reqs) // 5:
    sys.exit("the peer failed only %d requests: faults were not injected" % failed)
PY
echo "PASS: fault injection ($EVENTS records, $kills kills, $(( $(date +%s) - start ))s)"
