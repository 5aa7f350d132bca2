#!/bin/sh
# Under Lambda, a configuration failure before the lambda input exists is
# reported on the Runtime API's init-error endpoint (to a loopback stand-in
# that follows the documented protocol), and the process exits non-zero.
. "$(dirname "$0")/lib.sh"

[ -n "${PYTHON3:-}" ] || skip "no python3"
"$PYTHON3" "$(dirname "$0")/runtime_api.py" "$TMP/port" "$TMP/requests.jsonl" &
CE_PIDS="$CE_PIDS $!"
wait_for 20 test -s "$TMP/port"

printf 'wokers = 2;\n' > "$TMP/typo.conf"
status=0
AWS_LAMBDA_RUNTIME_API="127.0.0.1:$(cat "$TMP/port")" \
	"$CE_BIN" run -c "$TMP/typo.conf" > "$TMP/out" 2> "$TMP/err" || status=$?
assert_status 3 "$status" "run with a broken configuration"
wait_for 20 at_least 1 "$TMP/requests.jsonl"
"$PYTHON3" - "$TMP/requests.jsonl" <<'PY' || fail "init error not reported as documented: $(cat "$TMP/requests.jsonl")"
import json, sys
reqs = [json.loads(l) for l in open(sys.argv[1])]
assert len(reqs) == 1, reqs
r = reqs[0]
assert r["method"] == "POST" and r["path"] == "/2018-06-01/runtime/init/error", r
assert r["headers"].get("lambda-runtime-function-error-type") == "Runtime.ConfigInvalid", r
body = json.loads(r["body"])
assert "wokers" in body["errorMessage"], body
assert body["errorType"] == "Runtime.ConfigInvalid", body
assert body["stackTrace"] == [], body
PY
echo "PASS: lambda init error"
