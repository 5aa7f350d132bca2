# lib.sh - shared by the integration tests: paths from the build, a scratch
# directory removed on exit, assertions, and polling with a deadline.
# Sourced, never run.

set -eu

if [ -z "${CE_BIN:-}" ] || [ -z "${CE_TOP_BUILDDIR:-}" ]; then
	echo "run this test through 'make check'" >&2
	exit 99
fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/ce-test.XXXXXX")
CE_PIDS=""
cleanup() {
	for pid in $CE_PIDS; do
		kill -9 "$pid" 2>/dev/null || :
	done
	rm -rf "$TMP"
}
trap cleanup EXIT

CONTRACT_PLUGINS="$CE_TOP_BUILDDIR/tests/contract/.libs"

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

skip() {
	echo "SKIP: $*"
	exit 77
}

# assert_status EXPECTED ACTUAL WHAT
assert_status() {
	[ "$1" = "$2" ] || fail "$3: exit status $2, expected $1"
}

# assert_grep PATTERN FILE WHAT: an extended regular expression must match.
assert_grep() {
	grep -Eq -- "$1" "$2" || {
		echo "--- $2:" >&2
		cat "$2" >&2
		fail "$3: no line matches /$1/"
	}
}

assert_no_grep() {
	if grep -Eq -- "$1" "$2"; then
		echo "--- $2:" >&2
		cat "$2" >&2
		fail "$3: a line matches /$1/"
	fi
}

# lines FILE: number of lines (0 when the file does not exist).
lines() {
	if [ -f "$1" ]; then wc -l < "$1" | tr -d ' '; else echo 0; fi
}

# wait_for SECONDS COMMAND...: poll until COMMAND succeeds; fail at the
# deadline.  Polls every 20 ms: waiting on a condition, not on time.
wait_for() {
	deadline=$(( $(date +%s) + $1 ))
	shift
	until "$@"; do
		[ "$(date +%s)" -le "$deadline" ] || fail "timed out waiting for: $*"
		sleep 0.02
	done
}

# at_least N FILE: the file has at least N lines.
at_least() {
	[ "$(lines "$2")" -ge "$1" ]
}

# not_running PID
not_running() {
	! kill -0 "$1" 2>/dev/null
}

# Start cloudengine in the background; sets CE_PID.
start_engine() {
	"$CE_BIN" "$@" > "$TMP/stdout" 2> "$TMP/stderr" &
	CE_PID=$!
	CE_PIDS="$CE_PIDS $CE_PID"
}

# Wait for the background engine and set CE_STATUS.
wait_engine() {
	CE_STATUS=0
	wait "$CE_PID" || CE_STATUS=$?
}
