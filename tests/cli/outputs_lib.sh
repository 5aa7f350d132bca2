# outputs_lib.sh - shared by the HTTP output tests: the loopback peer
# (tests/peers/http_peer.py), CloudTrail records, engine runs whose output
# is kept for the secret check, and python3 checks of what the peer
# recorded.  Sourced after lib.sh, never run.

PYTHON3=${PYTHON3:-python3}
command -v "$PYTHON3" > /dev/null 2>&1 || skip "python3 is needed for the HTTP peer"
PEER_PY="$CE_TOP_SRCDIR/tests/peers/http_peer.py"

# Nothing may leave 127.0.0.1: no proxy from the environment, except in
# the tests that set one on purpose.
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY \
	no_proxy NO_PROXY

# Every output the engine wrote, for the secret check at the end.
ALL_OUTPUT="$TMP/all-output"
: > "$ALL_OUTPUT"

# start_peer NAME [--tls CERT KEY]: a peer on 127.0.0.1 recording into
# $TMP/NAME.log and answering as $TMP/NAME.script says; sets PEER_PORT.
start_peer() {
	name=$1
	shift
	"$PYTHON3" "$PEER_PY" "$@" "$TMP/$name.port" "$TMP/$name.log" \
		"$TMP/$name.script" 2> "$TMP/$name.peer-stderr" &
	CE_PIDS="$CE_PIDS $!"
	wait_for 10 test -s "$TMP/$name.port"
	PEER_PORT=$(cat "$TMP/$name.port")
}

# peer_script NAME JSON: the answers for the next requests (see
# http_peer.py); forgets what was recorded so far.
peer_script() {
	printf '%s\n' "$2" > "$TMP/$1.script.tmp"
	mv "$TMP/$1.script.tmp" "$TMP/$1.script"
	: > "$TMP/$1.log"
}

# run_ce CONF: run the engine to its end; sets CE_STATUS and keeps what it
# printed.  With OUTPUTS_TEST_WRAPPER (e.g. "valgrind -q
# --error-exitcode=99 --leak-check=full"), the engine runs under it.
run_ce() {
	# shellcheck disable=SC2086
	${OUTPUTS_TEST_WRAPPER:-} "$CE_BIN" run -c "$1" \
		> "$TMP/stdout" 2> "$TMP/stderr" &
	CE_PID=$!
	CE_PIDS="$CE_PIDS $CE_PID"
	wait_engine
	cat "$TMP/stdout" "$TMP/stderr" >> "$ALL_OUTPUT"
	# A sanitizer build reports through the exit status too, which a
	# run expected to fail would hide.
	assert_no_grep 'Sanitizer|runtime error:|^==[0-9]+== ' "$TMP/stderr" \
		"sanitizers and valgrind"
}

# record ID TIME EVENTNAME [EXTRA]: one CloudTrail record, one line.  EXTRA
# is more members, written as JSON with a leading comma.
record() {
	printf '{"eventVersion":"1.08","eventID":"%s","eventTime":"%s",' "$1" "$2"
	printf '"eventSource":"iam.amazonaws.com","eventName":"%s",' "$3"
	printf '"awsRegion":"eu-west-3","recipientAccountId":"123456789012",'
	printf '"sourceIPAddress":"198.51.100.7","userAgent":"aws-cli/2.15",'
	printf '"userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::123456789012:user/alice"}%s}\n' "${4:-}"
}

# An eventTime an hour ago, which Datadog takes as date_happened.
recent_time() {
	"$PYTHON3" -c 'import time; print(time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 3600)))'
}

# check_py FILE...: run the python program on standard input with the
# files as arguments; it prints what is wrong and exits non-zero.
check_py() {
	PYTHONPATH="$CE_TOP_SRCDIR/tests/cli" PYTHONDONTWRITEBYTECODE=1 \
		"$PYTHON3" - "$@" || fail "checks of the recorded requests (above)"
}

# no_secrets WORD...: none of the words appears in anything the engine or
# the commands printed, nor in the dead letters.
no_secrets() {
	for word in "$@"; do
		for f in "$ALL_OUTPUT" "$TMP"/*.dead; do
			[ -f "$f" ] || continue
			if grep -qF -- "$word" "$f"; then
				grep -nF -- "$word" "$f" | head -5 >&2
				fail "a secret appears in $(basename "$f")"
			fi
		done
	done
}
