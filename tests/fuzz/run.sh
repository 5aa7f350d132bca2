#!/bin/sh
# run.sh - run each libFuzzer target for a bounded time and report what it
# covered.  Usage: run.sh SRCDIR BINDIR WORKDIR (make fuzz-run passes them).
#
# Environment: FUZZ_TIME seconds per target (default 60); FUZZ_JOBS how
# many targets run at once (default 1); FUZZ_TARGETS the targets to run
# (default all); CE_SHARED_DIR the shared corpus (default
# SRCDIR/../shared; seeds made from it when present).
#
# Each target gets a writable corpus in WORKDIR/corpus/TARGET (kept between
# runs, so fuzzing resumes where it stopped) and read-only seed
# directories: tests/fuzz/seeds/TARGET, the test data of its area, and
# inputs generated from ../shared/corpus into WORKDIR/gen (never into the
# source tree: only permissively licensed records may go there).  A crash,
# leak, timeout or out-of-memory leaves its input in WORKDIR/artifacts;
# the run goes on with the next target and exits 1 at the end.
set -eu

if [ $# -ne 3 ]; then
	echo "usage: $0 SRCDIR BINDIR WORKDIR" >&2
	exit 2
fi
src=$1
bin=$2
work=$3
time=${FUZZ_TIME:-60}
jobs=${FUZZ_JOBS:-1}
targets=${FUZZ_TARGETS:-document envelope path text config drl lambda sqs}
shared=${CE_SHARED_DIR:-$src/../shared}
events=$shared/corpus/events.ndjson

mkdir -p "$work/gen" "$work/logs" "$work/artifacts"

# Seeds made from the shared corpus: one record per file, NDJSON chunks,
# CloudTrail log files (some gzip'd), SQS batches and flattened keys.
generate() {
	[ -f "$events" ] || { echo "fuzz: no $events: no corpus seeds"; return 0; }
	[ -f "$work/gen/.done" ] && return 0
	rm -rf "$work/gen"/*
	command -v python3 >/dev/null || { echo "fuzz: no python3: no corpus seeds"; return 0; }
	python3 - "$events" "$work/gen" <<'PY'
import gzip, json, os, sys

events, out = sys.argv[1], sys.argv[2]
recs = [l.rstrip("\n") for l in open(events, encoding="utf-8") if l.strip()]
for d in ("records", "documents", "lambda", "path"):
    os.makedirs(os.path.join(out, d), exist_ok=True)

def put(d, name, data):
    mode = "wb" if isinstance(data, bytes) else "w"
    with open(os.path.join(out, d, name), mode) as f:
        f.write(data)

for i, r in enumerate(recs):
    put("records", "r%04d.json" % i, r)
# Small documents fuzz faster: five records each, every 25th record on.
for i in range(0, len(recs), 25):
    chunk = recs[i:i + 5]
    put("documents", "lines%04d.ndjson" % i, "\n".join(chunk) + "\n")
    log = '{"Records":[' + ",".join(chunk) + "]}"
    if i % 100 == 0:
        put("documents", "log%04d.json.gz" % i, gzip.compress(log.encode()))
    else:
        put("documents", "log%04d.json" % i, log)
    batch = {"Records": [{"messageId": "m%d" % j, "body": b,
                          "eventSource": "aws:sqs"} for j, b in enumerate(chunk[:5])]}
    put("lambda", "batch%04d.json" % i, json.dumps(batch))

def leaves(v, key):
    if isinstance(v, dict) and v:
        for k, c in v.items():
            if all(ch not in k for ch in ".[]"):
                yield from leaves(c, key + "." + k if key else k)
    elif isinstance(v, list) and v:
        for n, c in enumerate(v):
            yield from leaves(c, "%s[%d]" % (key, n))
    else:
        yield key

for i, r in enumerate(recs[:300]):
    keys = list(leaves(json.loads(r), ""))
    for k in keys[:: max(1, len(keys) // 4)][:4]:
        put("path", "k%04d_%d" % (i, len(k)), k + "\n" + r)
PY
	touch "$work/gen/.done"
}

# seeds TARGET: the read-only seed directories that exist.
seeds() {
	case $1 in
	document) set -- seeds/document tests/data/documents tests/data/flatten \
		examples/events @documents ;;
	envelope) set -- seeds/envelope tests/data/documents @records ;;
	path)	set -- seeds/path @path ;;
	text)	set -- seeds/text seeds/path ;;
	config)	set -- seeds/config tests/data/config etc etc/lambda ;;
	drl)	set -- seeds/drl rules tests/data/drl/rules tests/data/drl/errors ;;
	lambda)	set -- seeds/lambda tests/data/documents @lambda ;;
	sqs)	set -- seeds/sqs ;;
	esac
	for d in "$@"; do
		case $d in
		@*)	d=$work/gen/${d#@} ;;
		seeds/*) d=$src/tests/fuzz/$d ;;
		*)	d=$src/$d ;;
		esac
		[ -d "$d" ] && printf '%s\n' "$d"
	done
	return 0
}

options() {
	case $1 in
	document) echo "-max_len=32768 -dict=$src/tests/fuzz/json.dict" ;;
	envelope|lambda) echo "-max_len=32768 -dict=$src/tests/fuzz/json.dict" ;;
	path|sqs) echo "-max_len=8192 -dict=$src/tests/fuzz/json.dict" ;;
	text)	echo "-max_len=4096" ;;
	config)	echo "-max_len=8192 -dict=$src/tests/fuzz/config.dict" ;;
	drl)	echo "-max_len=16384 -dict=$src/tests/fuzz/drl.dict" ;;
	esac
}

generate
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:strict_string_checks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# One target, for FUZZ_TIME seconds; its line of the report goes to
# WORKDIR/logs/TARGET.result, and a failure leaves TARGET.failed beside it.
run_one() {
	t=$1
	log=$work/logs/$t.log
	mkdir -p "$work/corpus/$t"
	rm -f "$work/logs/$t.failed"
	start=$(date +%s)
	rc=0
	"$bin/fuzz_$t" -max_total_time="$time" -timeout=10 -rss_limit_mb=2048 \
	    -print_final_stats=1 -artifact_prefix="$work/artifacts/$t-" \
	    $(options "$t") "$work/corpus/$t" $(seeds "$t") >"$log" 2>&1 || rc=$?
	secs=$(( $(date +%s) - start ))
	stats=$(grep -E '^#[0-9]+' "$log" | tail -n 1)
	runs=$(printf '%s' "$stats" | sed -n 's/^#\([0-9]*\).*/\1/p')
	cov=$(printf '%s' "$stats" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
	ft=$(printf '%s' "$stats" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
	corp=$(printf '%s' "$stats" | sed -n 's/.* corp: \([0-9]*\).*/\1/p')
	result=ok
	if [ "$rc" -ne 0 ]; then
		result="FAILED (exit $rc; see $log)"
		: > "$work/logs/$t.failed"
	fi
	printf '%-9s %6s %10s %7s %7s %7s  %s\n' "$t" "$secs" "${runs:-?}" \
	    "${cov:-?}" "${ft:-?}" "${corp:-?}" "$result" > "$work/logs/$t.result"
}

for t in $targets; do
	[ -x "$bin/fuzz_$t" ] || { echo "fuzz: $bin/fuzz_$t not built (make fuzz)" >&2; exit 2; }
done
# FUZZ_JOBS targets at a time (one core each), in batches.
running=0
for t in $targets; do
	run_one "$t" &
	running=$((running + 1))
	if [ "$running" -ge "$jobs" ]; then
		wait
		running=0
	fi
done
wait
failed=""
printf '%-9s %6s %10s %7s %7s %7s  %s\n' target seconds runs cov ft corpus result
for t in $targets; do
	cat "$work/logs/$t.result"
	[ ! -e "$work/logs/$t.failed" ] || failed="$failed $t"
done
if [ -n "$failed" ]; then
	echo "fuzz: failed:$failed; inputs in $work/artifacts:" >&2
	ls "$work/artifacts" >&2
	for t in $failed; do
		grep -E 'ERROR|SUMMARY|fuzz check failed' "$work/logs/$t.log" >&2 || :
	done
	exit 1
fi
