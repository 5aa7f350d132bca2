#!/bin/sh
# Secrets stay secret: a secret option (a PagerDuty routing key from
# ${VAR}), an AWS secret key and session token never appear in what
# `check`, `plugins`, --help, configuration errors or a debug-level run
# against a peer that refuses every call print; and the daemon makes no
# core dump (PR_SET_DUMPABLE), unless CLOUDENGINE_DUMPABLE=1 asks for one.
. "$(dirname "$0")/lib.sh"

[ -n "${PYTHON3:-}" ] || skip "no python3"

SECRET_KEY=sentinel-routing-key-5e1f
AWS_SECRET=sentinel-aws-secret-8a7c
AWS_TOKEN=sentinel-session-token-c0d4
export CE_TEST_ROUTING_KEY="$SECRET_KEY"
export AWS_ACCESS_KEY_ID=AKIDTESTSECRETS AWS_SECRET_ACCESS_KEY="$AWS_SECRET"
export AWS_SESSION_TOKEN="$AWS_TOKEN" AWS_REGION=us-east-1
export AWS_EC2_METADATA_DISABLED=true NO_PROXY='*' no_proxy='*'
unset AWS_PROFILE AWS_ROLE_ARN AWS_WEB_IDENTITY_TOKEN_FILE \
    AWS_CONTAINER_CREDENTIALS_FULL_URI AWS_CONTAINER_CREDENTIALS_RELATIVE_URI \
    2>/dev/null || :

no_secret() {
	for s in "$SECRET_KEY" "$AWS_SECRET" "$AWS_TOKEN"; do
		if grep -q -- "$s" "$1"; then
			cat "$1" >&2
			fail "$2 shows a secret"
		fi
	done
}

# A peer that refuses every call, as SQS does a bad token.
cat > "$TMP/refuse.py" <<'PY'
import http.server, os, socket, sys
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a):
        pass
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        out = (b'{"__type":"com.amazon.coral.service#InvalidClientTokenId",'
               b'"message":"The security token included in the request is invalid."}')
        self.send_response(403)
        self.send_header("Content-Type", "application/x-amz-json-1.0")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)
    do_GET = do_POST
s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
open(sys.argv[1] + ".tmp", "w").write(str(s.server_address[1]))
os.replace(sys.argv[1] + ".tmp", sys.argv[1])
s.serve_forever()
PY
"$PYTHON3" "$TMP/refuse.py" "$TMP/port" &
CE_PIDS="$CE_PIDS $!"
wait_for 20 test -s "$TMP/port"
PEER="http://127.0.0.1:$(cat "$TMP/port")"

mkdir "$TMP/rules"
cat > "$TMP/rules/all.drl" <<'DRL'
import cloudengine.AlertServices.*;
rule "*: every record"
when
	$m : Map()
then
	new Pager().report($m, drools.getRule().getName());
end
DRL
cat > "$TMP/ce.conf" <<CONF
log_level = "debug";
inputs = ( { plugin = "sqs"; name = "q"; endpoint = "$PEER";
	queue_url = "$PEER/000000000000/q"; wait_seconds = 1; } );
evaluator = { plugin = "drl"; rules = [ "rules" ]; };
outputs = ( { plugin = "pagerduty"; name = "pager"; aliases = [ "Pager" ];
	routing_key = "\${CE_TEST_ROUTING_KEY}"; endpoint = "$PEER"; } );
CONF

# check, plugins, --help.
"$CE_BIN" check -c "$TMP/ce.conf" > "$TMP/out" 2>&1 || fail "check: $(cat "$TMP/out")"
no_secret "$TMP/out" "check"
"$CE_BIN" plugins pagerduty > "$TMP/out" 2>&1 || :
assert_grep "routing_key" "$TMP/out" "plugins lists the secret option"
no_secret "$TMP/out" "plugins pagerduty"
for cmd in run check test flatten plugins; do
	"$CE_BIN" $cmd --help > "$TMP/out" 2>&1 || :
	no_secret "$TMP/out" "$cmd --help"
done

# Configuration errors next to the secret: a wrong type, an unknown key.
sed -e 's/routing_key = /timeout_ms = "x"; bogus_key = 1; routing_key = /' \
    "$TMP/ce.conf" > "$TMP/bad.conf"
status=0
"$CE_BIN" check -c "$TMP/bad.conf" > "$TMP/out" 2>&1 || status=$?
assert_status 3 "$status" "check of a configuration with errors"
assert_grep "bogus_key" "$TMP/out" "the error names the key"
no_secret "$TMP/out" "configuration errors"

# A debug-level run whose every SQS call is refused.
start_engine run -c "$TMP/ce.conf"
wait_for 30 grep -q "InvalidClientTokenId" "$TMP/stderr"
kill -TERM "$CE_PID"
wait_engine
no_secret "$TMP/stderr" "a debug-level run with refused calls"
no_secret "$TMP/stdout" "a debug-level run with refused calls"

# Core dumps: only where the kernel writes them to the working directory,
# and not in sanitizer builds (their leak checker needs ptrace).
if [ "$(cat /proc/sys/kernel/core_pattern 2>/dev/null)" != core ]; then
	echo "core dumps: core_pattern is not 'core', not checked"
elif ldd "$CE_BIN" 2>/dev/null | grep -q -e libasan -e libtsan; then
	echo "core dumps: sanitizer build, not checked"
elif [ -n "${CE_UNDER_VALGRIND:-}" ]; then
	echo "core dumps: under valgrind, not checked"
elif ! (ulimit -c unlimited) 2>/dev/null; then
	echo "core dumps: the core size limit cannot be raised, not checked"
else
	cat > "$TMP/idle.conf" <<CONF
inputs = ( { plugin = "file"; paths = [ "$TMP/idle.fifo" ]; } );
evaluator = { plugin = "drl"; rules = [ "$TMP/rules" ]; };
outputs = ( { plugin = "stdout"; name = "pager"; aliases = [ "Pager" ]; } );
CONF
	mkfifo "$TMP/idle.fifo"
	# dumps DIR DUMPABLE: SIGABRT the idle daemon (background jobs
	# ignore SIGQUIT); prints the number of core files.
	dumps() {
		mkdir "$1"
		(cd "$1" && ulimit -c unlimited &&
		    exec env CLOUDENGINE_DUMPABLE="$2" "$CE_BIN" run \
		    -c "$TMP/idle.conf" > out 2> err) &
		pid=$!
		CE_PIDS="$CE_PIDS $pid"
		exec 9> "$TMP/idle.fifo"
		wait_for 30 grep -q "compiled" "$1/err"
		kill -ABRT "$pid"
		wait "$pid" || :
		exec 9>&-
		ls "$1" | grep -c '^core' || :
	}
	control=$(dumps "$TMP/dump1" 1)
	if [ "$control" = 0 ]; then
		echo "core dumps: none even when allowed (ulimit or container), not checked"
	else
		[ "$(dumps "$TMP/dump0" 0)" = 0 ] ||
			fail "the daemon left a core dump (PR_SET_DUMPABLE not set)"
		echo "core dumps: written when CLOUDENGINE_DUMPABLE=1, none by default"
	fi
fi
echo "PASS: secrets"
