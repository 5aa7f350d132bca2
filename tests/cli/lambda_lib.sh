# lambda_lib.sh - shared by the Lambda tests (after lib.sh): the loopback
# Runtime API, a layer to run the bootstrap from, and the engine started
# as Lambda starts it.  Sourced, never run.

[ -n "${PYTHON3:-}" ] || skip "no python3"
LAMBDA_CLI=$(cd "$(dirname "$0")" && pwd)
API_N=0

# start_api [OPTIONS] EVENT_FILE...: a fresh runtime_api.py (options as
# it takes them); sets API_PORT and API_LOG.
start_api() {
	API_N=$((API_N + 1))
	API_LOG=$TMP/api$API_N.jsonl
	opts=""
	while [ $# -gt 0 ]; do
		case $1 in
		--deadline-ms | --when-empty) opts="$opts $1 $2"; shift 2 ;;
		--*) opts="$opts $1"; shift ;;
		*) break ;;
		esac
	done
	# shellcheck disable=SC2086
	"$PYTHON3" "$LAMBDA_CLI/runtime_api.py" $opts "$TMP/port$API_N" \
	    "$API_LOG" "$@" &
	CE_PIDS="$CE_PIDS $!"
	wait_for 20 test -s "$TMP/port$API_N"
	API_PORT=$(cat "$TMP/port$API_N")
}

# unpack_layer ZIP DIR: unzip with the modes the zip records, as Lambda
# does (python's zipfile, so that unzip is not needed).
unpack_layer() {
	"$PYTHON3" - "$1" "$2" <<'PY' || fail "cannot unpack $1"
import os, stat, sys, zipfile
src, dest = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(src) as z:
    for info in z.infolist():
        mode = info.external_attr >> 16
        path = os.path.join(dest, info.filename)
        if info.filename.endswith("/"):
            os.makedirs(path, exist_ok=True)
            continue
        os.makedirs(os.path.dirname(path), exist_ok=True)
        if stat.S_ISLNK(mode):
            os.symlink(z.read(info).decode(), path)
            continue
        with open(path, "wb") as f:
            f.write(z.read(info))
        os.chmod(path, stat.S_IMODE(mode))
PY
}

# The layer to run: the unpacked zip when `make lambda-layer` built one
# for this build (tests/cli/lambda_layer.sh does), else the build tree
# laid out as the layer is.  Not the zip of a sanitizer build: its
# binaries need the sanitizer runtime, which a layer does not carry, and
# whether the zip exists yet would depend on the order the tests ran in.
# Sets LAYER and LAYER_KIND.
make_layer() {
	LAYER=$TMP/opt
	zip=$CE_TOP_BUILDDIR/cloudengine-lambda-layer.zip
	if [ -f "$zip" ] && [ "$zip" -nt "$CE_BIN" ] &&
	    ! ldd "$CE_BIN" 2>/dev/null | grep -q -e libasan -e libtsan &&
	    [ "$zip" -nt "$CE_TOP_BUILDDIR/plugins/.libs/in_lambda.so" ]; then
		unpack_layer "$zip" "$LAYER"
		LAYER_KIND=zip
		return
	fi
	mkdir -p "$LAYER/bin" "$LAYER/lib/cloudengine" "$LAYER/etc/cloudengine" \
	    "$LAYER/share/cloudengine"
	cp "$CE_TOP_SRCDIR/etc/lambda/bootstrap" "$LAYER/bootstrap"
	chmod 755 "$LAYER/bootstrap"
	cp "$CE_TOP_SRCDIR/etc/lambda/cloudengine.conf" "$LAYER/etc/cloudengine/"
	ln -s "$CE_BIN" "$LAYER/bin/cloudengine"
	ln -s "$CE_TOP_BUILDDIR/plugins/.libs" "$LAYER/lib/cloudengine/plugins"
	ln -s "$CE_TOP_SRCDIR/rules" "$LAYER/share/cloudengine/rules"
	LAYER_KIND=build
}

# start_lambda CONFIG [VAR=VALUE...]: the layer's bootstrap against the
# current Runtime API, in the background (CE_PID), with CLOUDENGINE_CONFIG
# set to CONFIG ("-": unset, the bootstrap chooses).  The function package
# is $TMP/task.  With LAMBDA_TEST_WRAPPER (e.g. "valgrind -q
# --error-exitcode=99"), the binary of the build runs under it instead.
start_lambda() {
	config=$1
	shift
	[ -n "${LAYER:-}" ] || make_layer
	mkdir -p "$TMP/task"
	if [ -n "${LAMBDA_TEST_WRAPPER:-}" ]; then
		[ "$config" != - ] || fail "LAMBDA_TEST_WRAPPER needs a configuration"
		# shellcheck disable=SC2086
		env AWS_LAMBDA_RUNTIME_API="127.0.0.1:$API_PORT" \
		    CLOUDENGINE_RULES="$CE_TOP_SRCDIR/rules" "$@" \
		    $LAMBDA_TEST_WRAPPER "$CE_BIN" run -c "$config" \
		    > "$TMP/stdout" 2> "$TMP/stderr" &
	else
		[ "$config" = - ] || set -- CLOUDENGINE_CONFIG="$config" "$@"
		env -u CLOUDENGINE_PLUGIN_PATH -u CLOUDENGINE_RULES \
		    -u CLOUDENGINE_CONFIG \
		    AWS_LAMBDA_RUNTIME_API="127.0.0.1:$API_PORT" \
		    LAMBDA_TASK_ROOT="$TMP/task" "$@" \
		    "$LAYER/bootstrap" > "$TMP/stdout" 2> "$TMP/stderr" &
	fi
	CE_PID=$!
	CE_PIDS="$CE_PIDS $CE_PID"
}

# answered N: N invocations were answered (a cheap count of the log).
answered() {
	n=$(grep -c '^{"method": "POST", "path": "/2018-06-01/runtime/invocation/' \
	    "$API_LOG" 2>/dev/null) || :
	[ "${n:-0}" -ge "$1" ]
}

# wait_answers N: wait until N invocations are answered, check the
# protocol and leave one line per invocation in $TMP/answers.
wait_answers() {
	wait_for 60 answered "$1"
	"$PYTHON3" "$LAMBDA_CLI/check_answers.py" "$API_LOG" > "$TMP/answers" ||
	    fail "Runtime API protocol broken (log: $(cat "$API_LOG"))"
}

# answer N: the line of invocation N.
answer() {
	sed -n "${1}p" "$TMP/answers"
}

# gets N: /next was called at least N times (the runtime went back for more).
gets() {
	[ "$(grep -c '"method": "GET"' "$API_LOG")" -ge "$1" ]
}

# stop_engine: SIGTERM, which must end the wait on /next at once.
stop_engine() {
	kill -TERM "$CE_PID"
	wait_for 20 not_running "$CE_PID"
	wait_engine
}
