#!/bin/sh
# sqs.sh - the `sqs` input's throughput: messages per second a daemon
# takes through fauxqs (a local SQS and S3, tests/peers) with the shipped
# rules, alerts printed by the stdout output to /dev/null.
#
#   bench/sqs.sh [--messages N] [--files N] [--records N] [BUILDDIR]
#
# Two runs per concurrency setting: N EventBridge messages (one corpus
# record each), then --files S3 notifications naming gzip'd CloudTrail log
# files of --records records each (records per second through S3).  The
# clock runs from the daemon's start to the moment the queue is empty:
# every message received, evaluated, its alerts out, and deleted.
# BUILDDIR is a configured build directory (default: $CE_BUILD_DIR).
# Needs node and `npm ci --prefix tests/peers`; skips (exit 0) without
# them.  Results are printed as markdown and saved in bench/out/.
set -eu

BENCH=$(cd "$(dirname "$0")" && pwd)
SRCDIR=$(dirname "$BENCH")
OUT="$BENCH/out"
MESSAGES=5000
FILES=50
RECORDS=200
BUILD=${CE_BUILD_DIR:-}

usage() {
	sed -n '2,/^set -eu/p' "$0" | grep '^#' | sed 's/^# \{0,1\}//' >&2
	exit 2
}

while [ $# -gt 0 ]; do
	case $1 in
	--messages) [ $# -ge 2 ] || usage; MESSAGES=$2; shift ;;
	--files) [ $# -ge 2 ] || usage; FILES=$2; shift ;;
	--records) [ $# -ge 2 ] || usage; RECORDS=$2; shift ;;
	-h|--help) usage ;;
	-*) echo "sqs.sh: unknown option $1" >&2; usage ;;
	*) BUILD=$1 ;;
	esac
	shift
done

say() { echo "sqs.sh: $*" >&2; }

FAUXQS_CLI="$SRCDIR/tests/peers/node_modules/fauxqs/dist/cli.js"
if ! command -v node > /dev/null || [ ! -f "$FAUXQS_CLI" ]; then
	echo "SKIP: node or fauxqs missing (npm ci --prefix tests/peers)"
	exit 0
fi
command -v python3 > /dev/null || { say "python3 is needed"; exit 2; }
command -v curl > /dev/null || { say "curl is needed"; exit 2; }
[ -n "$BUILD" ] || { say "no build directory: give one or set CE_BUILD_DIR"; usage; }
[ -f "$BUILD/Makefile" ] || { say "$BUILD: not a configured build directory"; exit 2; }
BUILD=$(cd "$BUILD" && pwd)
mkdir -p "$OUT"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/ce-bench-sqs.XXXXXX")
PIDS=""
cleanup() {
	for pid in $PIDS; do kill "$pid" 2>/dev/null || :; done
	rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

say "building in $BUILD"
make -C "$BUILD" -j2 src/cloudengine plugins/in_sqs.la plugins/ev_drl.la \
    plugins/out_stdout.la > "$WORK/build.log" 2>&1 ||
    { tail -20 "$WORK/build.log" >&2; say "build failed"; exit 2; }

# fauxqs on a free port (it binds every interface; only 127.0.0.1 is used).
cat > "$WORK/init.json" <<'JSON'
{"queues": [{"name": "bench"}], "buckets": ["bench-trail"]}
JSON
# Only the plugins this run uses: a stale one elsewhere in the build
# directory would stop the loader.
mkdir "$WORK/plugins"
cp "$BUILD/plugins/.libs/in_sqs.so" "$BUILD/plugins/.libs/ev_drl.so" \
    "$BUILD/plugins/.libs/out_stdout.so" "$WORK/plugins/"
unset CLOUDENGINE_PLUGIN_PATH

# A free port, chosen by the kernel (fauxqs itself is run without its
# request log: a line per request would cost more than SQS).
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
FAUXQS_PORT=$PORT FAUXQS_INIT="$WORK/init.json" FAUXQS_LOGGER=false \
    node "$FAUXQS_CLI" > "$WORK/fauxqs.log" 2>&1 &
PIDS="$PIDS $!"
up=
for _ in $(seq 1 1500); do
	curl -sf "http://127.0.0.1:$PORT/health" > /dev/null && { up=1; break; }
	sleep 0.02
done
[ -n "$up" ] || { cat "$WORK/fauxqs.log" >&2; say "fauxqs did not start"; exit 2; }
URL="http://127.0.0.1:$PORT"
QURL="http://sqs.us-east-1.localhost:$PORT/000000000000/bench"

export AWS_ACCESS_KEY_ID=AKIDBENCH AWS_SECRET_ACCESS_KEY=bench-secret
export AWS_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true
export AWS_ENDPOINT_URL_S3="$URL" NO_PROXY='*' no_proxy='*'
unset AWS_SESSION_TOKEN AWS_PROFILE AWS_ENDPOINT_URL AWS_ENDPOINT_URL_SQS \
    http_proxy https_proxy HTTP_PROXY HTTPS_PROXY 2>/dev/null || :

# fill KIND COUNT: queue COUNT messages (eventbridge) or log files and
# their notifications (s3), built from the permissively licensed corpus
# records when ../shared is there, else from one synthetic record.
fill() {
	python3 - "$URL" "$1" "$2" "$RECORDS" \
	    "${CE_SHARED_DIR:-$SRCDIR/../shared}" <<'PY'
import gzip, json, os, sys, urllib.parse, urllib.request
url, kind, count, per_file, shared = sys.argv[1], sys.argv[2], \
    int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]

def call(target, body):
    req = urllib.request.Request(url + "/", data=json.dumps(body).encode(),
        headers={"Content-Type": "application/x-amz-json-1.0",
                 "X-Amz-Target": "AmazonSQS." + target})
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.load(r)

records = []
tsv = os.path.join(shared, "corpus", "events.provenance.tsv")
if os.path.exists(tsv):
    ok = set()
    with open(tsv) as f:
        head = f.readline().rstrip("\n").split("\t")
        for line in f:
            row = dict(zip(head, line.rstrip("\n").split("\t")))
            if row["license"] in ("Apache-2.0", "MIT-0"):
                ok.add(int(row["line"]))
    with open(os.path.join(shared, "corpus", "events.ndjson")) as f:
        records = [json.loads(l) for n, l in enumerate(f, 1) if n in ok]
if not records:
    records = [{"eventVersion": "1.08", "eventSource": "iam.amazonaws.com",
                "eventName": "CreateAccessKey", "awsRegion": "us-east-1",
                "eventTime": "2024-05-01T12:00:00Z",
                "userIdentity": {"type": "IAMUser",
                                 "arn": "arn:aws:iam::1:user/a"}}]

def record(i):
    r = dict(records[i % len(records)])
    r["eventID"] = "bench-%s-%d" % (kind, i)
    return r

qurl = call("GetQueueUrl", {"QueueName": "bench"})["QueueUrl"]
bodies = []
for i in range(count):
    if kind == "eventbridge":
        r = record(i)
        bodies.append(json.dumps({"version": "0", "id": str(i),
            "detail-type": "AWS API Call via CloudTrail",
            "source": "aws." + r["eventSource"].split(".")[0],
            "account": "111122223333", "time": r.get("eventTime", ""),
            "region": r.get("awsRegion", "us-east-1"), "resources": [],
            "detail": r}))
        continue
    key = ("AWSLogs/111122223333/CloudTrail/us-east-1/2024/05/01/"
           "111122223333_CloudTrail_us-east-1_20240501T1200Z_%06d.json.gz" % i)
    data = gzip.compress(json.dumps({"Records": [
        record(i * per_file + k) for k in range(per_file)]}).encode())
    req = urllib.request.Request("%s/bench-trail/%s" % (url, key),
        data=data, method="PUT",
        headers={"Content-Type": "application/octet-stream"})
    urllib.request.urlopen(req, timeout=60).read()
    bodies.append(json.dumps({"Records": [{"eventVersion": "2.1",
        "eventSource": "aws:s3", "awsRegion": "us-east-1",
        "eventName": "ObjectCreated:Put",
        "s3": {"bucket": {"name": "bench-trail"},
               "object": {"key": key}}}]}))
for i in range(0, len(bodies), 10):
    got = call("SendMessageBatch", {"QueueUrl": qurl, "Entries": [
        {"Id": str(k), "MessageBody": b}
        for k, b in enumerate(bodies[i:i + 10])]})
    assert not got.get("Failed"), got
PY
}

left() {
	curl -s "$URL/_fauxqs/queues/bench" | grep -o '"messageId"' | wc -l
}

now_ms() {
	date +%s%3N
}

# run NAME CONCURRENCY COUNT: the daemon until the queue is empty; prints
# the elapsed milliseconds.
run() {
	cat > "$WORK/$1.conf" <<CONF
plugin_dirs = [ "$WORK/plugins" ];
log_level = "warning";
inputs = ( { plugin = "sqs"; name = "bench"; queue_url = "$QURL";
    endpoint = "$URL"; wait_seconds = 1; concurrency = $2; } );
evaluator = { plugin = "drl"; rules = [ "$SRCDIR/rules" ]; };
outputs = ( { plugin = "stdout"; aliases = [ "DatadogAlertService" ]; event = "none"; } );
CONF
	start=$(now_ms)
	"$BUILD/src/cloudengine" run -c "$WORK/$1.conf" > /dev/null \
	    2> "$WORK/$1.log" &
	pid=$!
	PIDS="$PIDS $pid"
	while [ "$(left)" -gt 0 ]; do
		kill -0 "$pid" 2>/dev/null ||
		    { tail "$WORK/$1.log" >&2; say "$1: cloudengine died"; exit 2; }
		sleep 0.05
	done
	end=$(now_ms)
	kill -TERM "$pid"
	wait "$pid" || :
	echo $((end - start))
}

# row MESSAGES KIND CONCURRENCY MS RECORDS: one line of the table.
row() {
	awk -v m="$1" -v k="$2" -v c="$3" -v ms="$4" -v r="$5" 'BEGIN {
	    printf "| %d | %s | %d | %.2f | %.0f | %.0f |\n", m, k, c,
	        ms / 1000, m * 1000 / ms, r * 1000 / ms }'
}

RESULT="$OUT/sqs-$(date +%Y-%m-%d_%H%M%S).md"
{
	echo "## SQS daemon throughput (fauxqs $(node -p 'require(process.argv[1]).version' "$SRCDIR/tests/peers/node_modules/fauxqs/package.json"), shipped rules, $(nproc) CPU(s))"
	echo
	echo "| messages | kind | concurrency | seconds | messages/s | records/s |"
	echo "|---:|---|---:|---:|---:|---:|"
} > "$RESULT"
for conc in 20 100; do
	say "EventBridge: $MESSAGES messages, concurrency $conc"
	fill eventbridge "$MESSAGES"
	ms=$(run "eb-$conc" "$conc")
	row "$MESSAGES" "EventBridge event" "$conc" "$ms" "$MESSAGES" >> "$RESULT"
	say "S3: $FILES log files of $RECORDS records, concurrency $conc"
	fill s3 "$FILES"
	ms=$(run "s3-$conc" "$conc")
	row "$FILES" "S3 notification, $RECORDS records" "$conc" "$ms" \
	    $((FILES * RECORDS)) >> "$RESULT"
done
cat "$RESULT"
say "saved in $RESULT"
