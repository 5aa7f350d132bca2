#!/bin/sh
# lambda_init.sh - Lambda cold start: the time from exec of the layer's
# bootstrap to the runtime's first GET /runtime/invocation/next (the end
# of Lambda's init phase: configuration read, plugins loaded, rules
# compiled), with the shipped rules and with 1,000 generated rules; and
# the first invocation (an EventBridge event through every rule: from the
# event handed out to the answer).  Prints markdown.
#
#   bench/lambda_init.sh [-n RUNS] [BUILDDIR]
#
# BUILDDIR is a configured and built build directory (default
# $CE_BUILD_DIR).  The layer is its cloudengine-lambda-layer.zip when
# `make lambda-layer` made one, else the build tree laid out as the layer.
# The 1,000 rules are drawn by bench/gen_rules.py from ../shared/corpus
# (skipped when it is absent).  Only 127.0.0.1 is used: the Runtime API is
# tests/cli/runtime_api.py.
set -eu

BENCH=$(cd "$(dirname "$0")" && pwd)
SRCDIR=$(dirname "$BENCH")
RUNS=10
BUILD=${CE_BUILD_DIR:-}
while [ $# -gt 0 ]; do
	case $1 in
	-n) RUNS=$2; shift ;;
	-h|--help) sed -n '2,/^set -eu/p' "$0" | grep '^#' | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) BUILD=$1 ;;
	esac
	shift
done
[ -n "$BUILD" ] && [ -x "$BUILD/src/cloudengine" ] || {
	echo "lambda_init.sh: give a built build directory (or set CE_BUILD_DIR)" >&2
	exit 2
}
BUILD=$(cd "$BUILD" && pwd)
SHARED=${CE_SHARED_DIR:-$SRCDIR/../shared}
OUT=$BENCH/out/lambda
mkdir -p "$OUT"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/ce-lambda-bench.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

# The layer, as tests/cli/lambda_lib.sh lays it out.
LAYER=$TMP/opt
ZIP=$BUILD/cloudengine-lambda-layer.zip
if [ -f "$ZIP" ]; then
	python3 -c 'import os, stat, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
for i in z.infolist():
    p = z.extract(i, sys.argv[2])
    if not i.filename.endswith("/"):
        os.chmod(p, stat.S_IMODE(i.external_attr >> 16))' "$ZIP" "$LAYER"
	KIND="the layer zip ($ZIP)"
else
	mkdir -p "$LAYER/bin" "$LAYER/lib/cloudengine" "$LAYER/etc/cloudengine"
	cp "$SRCDIR/etc/lambda/bootstrap" "$LAYER/bootstrap"
	cp "$SRCDIR/etc/lambda/cloudengine.conf" "$LAYER/etc/cloudengine/"
	ln -s "$BUILD/src/cloudengine" "$LAYER/bin/cloudengine"
	ln -s "$BUILD/plugins/.libs" "$LAYER/lib/cloudengine/plugins"
	KIND="the build tree ($BUILD)"
fi

SETS="shipped=$SRCDIR/rules"
if [ -f "$SHARED/corpus/events.ndjson" ]; then
	if [ ! -f "$OUT/r1000/stats.txt" ]; then
		python3 "$BENCH/gen_rules.py" --sample "$SHARED/corpus/events.ndjson" \
		    -n 1000 --drl "$OUT/r1000" >/dev/null
	fi
	SETS="$SETS 1000=$OUT/r1000"
else
	echo "lambda_init.sh: $SHARED/corpus absent: 1,000 rules not measured" >&2
fi

python3 - "$SRCDIR" "$LAYER" "$RUNS" "$TMP" "$KIND" $SETS <<'PY'
import glob, json, os, re, signal, statistics, subprocess, sys, time

srcdir, layer, runs, tmp, kind = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
sets = [a.split("=", 1) for a in sys.argv[6:]]
api = os.path.join(srcdir, "tests/cli/runtime_api.py")
event = os.path.join(srcdir, "examples/events/console-ssh-open-to-world.json")

def entries(log):
    try:
        with open(log) as f:
            return [json.loads(l) for l in f if l.strip()]
    except FileNotFoundError:
        return []

def wait(log, pred, what, limit=60):
    end = time.time() + limit
    while time.time() < end:
        hits = [e for e in entries(log) if pred(e)]
        if hits:
            return hits
        time.sleep(0.001)
    sys.exit("lambda_init.sh: timed out waiting for " + what)

def one_run(label, i, rules):
    """(init ms, first invocation ms, the "N rules compiled" line): a
    Runtime API of its own, with one event, so the runtime gets that one
    and then waits, as between Lambda invocations."""
    log = os.path.join(tmp, "%s-%d.jsonl" % (label, i))
    port = log[:-6] + ".port"
    errlog = log[:-6] + ".err"
    stub = subprocess.Popen([sys.executable, api, port, log, event])
    p = None
    try:
        while not os.path.exists(port):
            time.sleep(0.01)
        env = {k: v for k, v in os.environ.items()
               if not k.startswith("CLOUDENGINE_") and k != "LD_LIBRARY_PATH"}
        env.update(AWS_LAMBDA_RUNTIME_API="127.0.0.1:" + open(port).read(),
                   LAMBDA_TASK_ROOT=os.path.join(tmp, "task"), CLOUDENGINE_RULES=rules)
        with open(errlog, "w") as err:
            t0 = time.time()
            p = subprocess.Popen([os.path.join(layer, "bootstrap")], env=env,
                                 stdout=subprocess.DEVNULL, stderr=err)
            get = wait(log, lambda e: e["method"] == "GET", "the first /next")[0]
            inv = wait(log, lambda e: e["method"] == "INVOKE", "the invocation")[0]
            ans = wait(log, lambda e: e["method"] == "POST", "the answer")[0]
        m = re.search(r"\d+ rules? compiled[^\n]*", open(errlog).read())
        return ((get["time"] - t0) * 1000, (ans["time"] - inv["time"]) * 1000,
                m.group(0) if m else "")
    finally:
        if p is not None:
            p.send_signal(signal.SIGTERM)
            p.wait()
        stub.kill()
        stub.wait()

def measure(label, rules):
    ndrl = len(glob.glob(os.path.join(rules, "*.drl")))
    results = [one_run(label, i, rules) for i in range(runs)]
    return (ndrl, results[-1][2], [r[0] for r in results],
            [r[1] for r in results])

rows = []
for label, rules in sets:
    rows.append((label,) + measure(label, rules))
print("## Lambda cold start\n")
print("%d runs each of %s, started through its bootstrap; init = exec to the first "
      "GET /next; first invocation = event handed out to answer.\n" % (runs, kind))
print("| rules | .drl files | init median (ms) | init min-max (ms) | first invocation median (ms) |")
print("|---|---|---|---|---|")
for label, ndrl, compiled, init, first in rows:
    print("| %s (%s) | %d | %.1f | %.1f-%.1f | %.1f |" % (
        label, compiled or "?", ndrl, statistics.median(init), min(init), max(init),
        statistics.median(first)))
PY
