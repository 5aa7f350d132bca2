#!/bin/sh
# outputs.sh - throughput of the HTTP outputs: alerts/s the datadog output
# delivers to the loopback peer (tests/peers/http_peer.py) over one
# kept-alive connection, then the same under a retry storm (the peer
# answers 503 to every second request), printed as markdown on stdout.
#
#   bench/outputs.sh [--alerts N] [BUILDDIR]
#
# BUILDDIR is a configured build directory (default: $CE_BUILD_DIR); the
# script builds the program and the plugins it needs there.  The peer is a
# Python server, so the figures bound the output from below: they are
# what one output instance sustains against a slow, local service, and
# their ratio is the cost of the storm.  Nothing leaves 127.0.0.1.
set -eu

BENCH=$(cd "$(dirname "$0")" && pwd)
SRCDIR=$(dirname "$BENCH")
ALERTS=2000
BUILD=${CE_BUILD_DIR:-}

usage() {
	sed -n '2,/^set -eu/p' "$0" | grep '^#' | sed 's/^# \{0,1\}//' >&2
	exit 2
}

while [ $# -gt 0 ]; do
	case $1 in
	--alerts) [ $# -ge 2 ] || usage; ALERTS=$2; shift ;;
	--alerts=*) ALERTS=${1#*=} ;;
	-h|--help) usage ;;
	-*) echo "outputs.sh: unknown option $1" >&2; usage ;;
	*) BUILD=$1 ;;
	esac
	shift
done

say() { echo "outputs.sh: $*" >&2; }

[ -n "$BUILD" ] || { say "no build directory: give one or set CE_BUILD_DIR"; usage; }
[ -f "$BUILD/Makefile" ] || { say "$BUILD: not a configured build directory"; exit 2; }
BUILD=$(cd "$BUILD" && pwd)
command -v python3 > /dev/null || { say "python3 is needed"; exit 2; }
make -C "$BUILD" -j2 src/cloudengine plugins/in_file.la plugins/ev_drl.la \
	plugins/out_datadog.la > /dev/null || { say "build failed"; exit 2; }

TMP=$(mktemp -d "${TMPDIR:-/tmp}/ce-bench-outputs.XXXXXX")
PEER_PID=
cleanup() {
	[ -z "$PEER_PID" ] || kill "$PEER_PID" 2> /dev/null || :
	rm -rf "$TMP"
}
trap cleanup EXIT INT TERM
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY

python3 "$SRCDIR/tests/peers/http_peer.py" "$TMP/port" "$TMP/peer.log" \
	"$TMP/script" 2> /dev/null &
PEER_PID=$!
i=0
while [ ! -s "$TMP/port" ]; do
	i=$((i + 1))
	[ $i -le 500 ] || { say "the peer did not start"; exit 2; }
	sleep 0.02
done
PORT=$(cat "$TMP/port")

# N distinct records (distinct keys: the engine's dedup does not drop any).
python3 - "$ALERTS" > "$TMP/records.ndjson" <<'PY'
import json, sys
for i in range(int(sys.argv[1])):
    print(json.dumps({"eventVersion": "1.08", "eventID": "bench-%07d" % i,
        "eventTime": "2024-05-01T12:00:00Z", "eventSource": "iam.amazonaws.com",
        "eventName": "CreateAccessKey", "awsRegion": "eu-west-3",
        "recipientAccountId": "123456789012", "sourceIPAddress": "198.51.100.7",
        "userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::123456789012:user/alice"},
        "requestParameters": {"userName": "bob-%d" % i}}))
PY
cat > "$TMP/bench.drl" <<'DRL'
import java.util.Map
import cloudengine.AlertServices.DatadogAlertService;

rule "iam.amazonaws.com: bench"
	@severity(high)
when
	$map: Map(this["eventName"] == "CreateAccessKey")
then
	new DatadogAlertService().report($map, drools.getRule().getName());
end
DRL
cat > "$TMP/bench.conf" <<CONF
log_level = "warning";
max_inflight = 64;
retry = { max_attempts = 50; max_time_ms = 600000; base_delay_ms = 1; max_delay_ms = 4; };
inputs = ( { plugin = "file"; paths = [ "$TMP/records.ndjson" ]; lines = true; } );
evaluator = { plugin = "drl"; rules = [ "$TMP/bench.drl" ]; };
outputs = ( { plugin = "datadog"; aliases = [ "DatadogAlertService" ];
	api_key = "bench-key"; endpoint = "http://127.0.0.1:$PORT"; } );
CONF

# run NAME SCRIPT: one timed run; prints a table row.
run() {
	printf '%s\n' "$2" > "$TMP/script"
	: > "$TMP/peer.log"
	start=$(python3 -c 'import time; print(time.monotonic())')
	status=0
	CLOUDENGINE_PLUGIN_PATH="$BUILD/plugins/.libs" \
		"$BUILD/src/cloudengine" run -c "$TMP/bench.conf" \
		> /dev/null 2> "$TMP/stderr" || status=$?
	end=$(python3 -c 'import time; print(time.monotonic())')
	[ "$status" = 0 ] || { say "$1: exit status $status"; tail -3 "$TMP/stderr" >&2; }
	python3 - "$1" "$ALERTS" "$start" "$end" "$TMP/peer.log" <<'PY'
import json, sys
name, alerts, start, end, log = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
reqs = [json.loads(l) for l in open(log)]
ok = sum(1 for r in reqs if r["answer"].get("status", 202) == 202)
conns = len({r["port"] for r in reqs})
secs = end - start
print("| %s | %d | %d | %d | %d | %.2f | %.0f | %.0f |" % (name, alerts, ok, len(reqs), conns,
      secs, ok / secs, len(reqs) / secs))
PY
}

echo "## HTTP outputs: datadog to the loopback peer"
echo
echo "$ALERTS alerts, one output instance (requests are synchronous on its"
echo "dispatch thread), keep-alive; the peer is tests/peers/http_peer.py."
echo
echo "| run | alerts | delivered | requests | connections | seconds | alerts/s | requests/s |"
echo "|---|---|---|---|---|---|---|---|"
run "all accepted" '{}'
run "503 every 2nd request" '{"every": 2, "every_answer": {"status": 503, "body": "busy"}}'
