# fauxqs.sh - start fauxqs (a local SQS/SNS/S3 stand-in, npm) and the
# botocore SigV4 checker for shell tests.  Sourced after tests/cli/lib.sh,
# never run.  Needs `npm ci --prefix tests/peers` beforehand; without node
# or tests/peers/node_modules (as under `make distcheck`) the test is
# skipped (exit 77).
#
#   fauxqs_start INIT_JSON     start fauxqs with that init file on a free
#                              port; exports FAUXQS_PORT and FAUXQS_URL
#                              (http://127.0.0.1:PORT); its log is
#                              $TMP/fauxqs.log
#   sigv4_peer_start NAME [ARGS...]
#                              start tests/peers/sigv4_peer.py in front of
#                              fauxqs; sets SIGV4_PORT and SIGV4_URL; its
#                              verdicts go to $TMP/NAME.jsonl (extra ARGS
#                              are passed on, e.g. --credentials FILE)
#   sqs_call TARGET JSON       one SQS JSON-protocol call to fauxqs
#                              (unsigned: fauxqs does not check); prints
#                              the answer
#   sqs_drain QUEUE FILE       receive and delete every visible message
#                              of the queue (by name), all attributes,
#                              into FILE as JSON lines (the ReceiveMessage
#                              entries)
#
# Both servers are stopped when the test exits (lib.sh kills CE_PIDS).
# fauxqs listens on every interface; everything here talks to 127.0.0.1.

PEERS_DIR="$CE_TOP_SRCDIR/tests/peers"
FAUXQS_CLI="$PEERS_DIR/node_modules/fauxqs/dist/cli.js"

[ -n "${NODE:-}" ] || NODE=$(command -v node || :)
[ -n "${PYTHON3:-}" ] || PYTHON3=$(command -v python3 || :)
[ -n "$NODE" ] || skip "node is not installed"
[ -f "$FAUXQS_CLI" ] || skip "fauxqs is not installed (npm ci --prefix tests/peers)"
[ -n "$PYTHON3" ] || skip "python3 is not installed"

# fauxqs_port LOG: the port from fauxqs's "listening" line, if logged yet.
fauxqs_port() {
	sed -n 's|.*Server listening at http://127\.0\.0\.1:\([0-9][0-9]*\).*|\1|p' \
	    "$1" 2>/dev/null | head -n 1
}

fauxqs_listening() {
	[ -n "$(fauxqs_port "$TMP/fauxqs.log")" ]
}

fauxqs_healthy() {
	"$PYTHON3" - "$FAUXQS_URL/health" <<'PY' >/dev/null 2>&1
import sys, urllib.request
with urllib.request.urlopen(sys.argv[1], timeout=2) as r:
    sys.exit(0 if r.status == 200 else 1)
PY
}

# Port 0 lets the kernel choose a free port: no race with other tests.
fauxqs_start() {
	FAUXQS_PORT=0 FAUXQS_INIT="$1" FAUXQS_LOGGER=true \
	    "$NODE" "$FAUXQS_CLI" > "$TMP/fauxqs.log" 2>&1 &
	FAUXQS_PID=$!
	CE_PIDS="$CE_PIDS $FAUXQS_PID"
	wait_for 30 fauxqs_listening
	FAUXQS_PORT=$(fauxqs_port "$TMP/fauxqs.log")
	FAUXQS_URL="http://127.0.0.1:$FAUXQS_PORT"
	export FAUXQS_PORT FAUXQS_URL
	wait_for 30 fauxqs_healthy
}

sigv4_peer_start() {
	name=$1
	shift
	rm -f "$TMP/$name.port"
	"$PYTHON3" "$PEERS_DIR/sigv4_peer.py" --port-file "$TMP/$name.port" \
	    --log "$TMP/$name.jsonl" --upstream "$FAUXQS_URL" "$@" \
	    2> "$TMP/$name.stderr" &
	CE_PIDS="$CE_PIDS $!"
	wait_for 30 test -s "$TMP/$name.port"
	SIGV4_PORT=$(cat "$TMP/$name.port")
	SIGV4_URL="http://127.0.0.1:$SIGV4_PORT"
}

sqs_call() {
	"$PYTHON3" - "$FAUXQS_URL" "$1" "$2" <<'PY'
import sys, urllib.request, urllib.error
req = urllib.request.Request(sys.argv[1] + "/", data=sys.argv[3].encode(),
    headers={"Content-Type": "application/x-amz-json-1.0",
             "X-Amz-Target": "AmazonSQS." + sys.argv[2]})
try:
    with urllib.request.urlopen(req, timeout=10) as r:
        sys.stdout.write(r.read().decode())
except urllib.error.HTTPError as e:
    sys.stdout.write(e.read().decode())
    sys.exit(1)
PY
}

sqs_drain() {
	"$PYTHON3" - "$FAUXQS_URL" "$1" "$2" <<'PY'
import json, sys, urllib.request

def call(target, body):
    req = urllib.request.Request(sys.argv[1] + "/",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/x-amz-json-1.0",
                 "X-Amz-Target": "AmazonSQS." + target})
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.load(r)

url = call("GetQueueUrl", {"QueueName": sys.argv[2]})["QueueUrl"]
with open(sys.argv[3], "w") as out:
    while True:
        got = call("ReceiveMessage", {"QueueUrl": url,
            "MaxNumberOfMessages": 10, "WaitTimeSeconds": 0,
            "VisibilityTimeout": 600, "MessageAttributeNames": ["All"],
            "MessageSystemAttributeNames": ["All"]})
        if not got.get("Messages"):
            break
        for m in got["Messages"]:
            out.write(json.dumps(m) + "\n")
        # Deleted, so a FIFO group hands out its next message.
        call("DeleteMessageBatch", {"QueueUrl": url, "Entries": [
            {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
            for i, m in enumerate(got["Messages"])]})
PY
}
