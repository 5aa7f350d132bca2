#!/bin/sh
# `cloudengine flatten` over every record of the shared corpus: runs clean,
# one line per record, each a JSON object.
. "$(dirname "$0")/lib.sh"

corpus="$CE_SHARED_DIR/corpus/events.ndjson"
[ -f "$corpus" ] || skip "no ../shared corpus"
[ -n "${PYTHON3:-}" ] || skip "no python3"

"$CE_BIN" flatten "$corpus" > "$TMP/flat" 2> "$TMP/err" || fail "flatten failed: $(cat "$TMP/err")"
[ ! -s "$TMP/err" ] || fail "flatten complained: $(head -3 "$TMP/err")"
[ "$(lines "$TMP/flat")" = "$(lines "$corpus")" ] || fail "expected one line per record"
"$PYTHON3" - "$TMP/flat" <<'PY' || fail "output is not one JSON object per line"
import json, sys
for n, line in enumerate(open(sys.argv[1], encoding="utf-8"), 1):
    obj = json.loads(line)
    assert isinstance(obj, dict), n
    for k, v in obj.items():
        assert not isinstance(v, dict) or v == {}, (n, k)
        assert not isinstance(v, list) or v == [], (n, k)
PY
echo "PASS: flatten corpus"
