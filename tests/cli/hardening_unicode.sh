#!/bin/sh
# Unicode and hostile text end to end.  Records with non-ASCII keys and
# values, lone surrogates (invalid UTF-8 once decoded), NUL, control
# characters, U+2028 and bidi overrides flatten, match rules by those keys
# and values, and reach the stdout output and the logs as valid UTF-8 JSON,
# one line each: an alert's summary stays one line, and a hostile file name
# cannot forge a log line.  A line holding raw bytes that are not UTF-8
# in a key and a value is kept: it flattens (U+FFFD in JSON text), matches
# rules by the valid parts of its value, and alerts like its neighbours.
# A line that is not JSON is still refused with its file, line and column.
. "$(dirname "$0")/lib.sh"

[ -n "${PYTHON3:-}" ] || skip "no python3"

# The records, written by python so every byte is exact.
"$PYTHON3" - "$TMP" <<'PY'
import json, sys
tmp = sys.argv[1]
base = {"eventVersion": "1.08", "eventSource": "iam.amazonaws.com",
        "eventTime": "2024-05-01T12:00:00Z", "awsRegion": "eu-west-3",
        "recipientAccountId": "111122223333"}
def rec(**kw):
    r = dict(base)
    r.update(kw)
    return json.dumps(r, ensure_ascii=False)
lines = [
    # 1: non-ASCII keys and values, as UTF-8.
    rec(eventID="u1", eventName="CreateUser",
        userIdentity={"type": "IAMUser", "arn": "arn:aws:iam::111122223333:user/\u00e9l\u00e8ve"},
        requestParameters={"userName": "\u00e9l\u00e8ve-\u65e5\u672c-\U0001F600",
                           "cl\u00e9": "valeur", "\u202eevil": "\u200d"}),
    # 2: the same as \u escapes, with lone surrogates in a key and a
    # value, NUL, ESC, newlines and U+2028 in values the summary shows.
    json.dumps(dict(base, eventID="u2", eventName="CreateUser",
        userAgent="aws-cli/2\n2024-01-01T00:00:00.000Z error FORGED\u2028\u001b[31m",
        userIdentity={"type": "IAMUser", "arn": "arn:aws:iam::1:user/a\r\nb\u0085c"},
        requestParameters={"userName": "\u00e9l\u00e8ve-\u65e5\u672c-\U0001F600",
                           "lone": "x\ud800y\udfffz", "k\udc00": 1,
                           "nul": "a\u0000b", "cl\u00e9": "valeur"}), ensure_ascii=True),
]
with open(tmp + "/events.ndjson", "wb") as f:
    f.write((lines[0] + "\n").encode("utf-8"))
    f.write((lines[1] + "\n").encode("utf-8"))
    # 3: raw bytes that are not UTF-8 in a value and in a key: kept.
    f.write(b'{"eventVersion":"1.08","eventSource":"iam.amazonaws.com",'
            b'"eventName":"CreateUser","eventID":"u3","eventTime":"t",'
            b'"requestParameters":{"userName":"a\xff\xfeb","k\xc3":2}}\n')
    # 4: after it, an ordinary record still alerts.
    f.write((rec(eventID="u4", eventName="CreateUser",
                 requestParameters={"userName": "plain"}) + "\n").encode())
    # 5: not JSON: refused, named by line and column.
    f.write(b'{"eventID":"u5",}\n')
PY

mkdir "$TMP/rules"
cat > "$TMP/rules/unicode.drl" <<'DRL'
import cloudengine.AlertServices.*;

rule "iam.amazonaws.com: non-ASCII value"
when
	$m : Map(this["requestParameters.userName"] == "élève-日本-😀")
then
	new Out().report($m, drools.getRule().getName());
end

rule "iam.amazonaws.com: non-ASCII key, escaped value"
when
	$m : Map(this["requestParameters.clé"] == "val\u0065ur",
	         this["requestParameters.userName"].contains("\uD83D\uDE00"))
then
	new Out().report($m, drools.getRule().getName());
end

rule "iam.amazonaws.com: bytes that are not UTF-8"
when
	$m : Map(this["requestParameters.userName"] str[startsWith] "a",
	         this["requestParameters.userName"].endsWith("b"),
	         this["requestParameters.userName"].length() == 4)
then
	new Out().report($m, drools.getRule().getName());
end

rule "iam.amazonaws.com: every CreateUser"
when
	$m : Map(this["eventName"] == "CreateUser")
then
	new Out().report($m, drools.getRule().getName());
end
DRL

# flatten: every line is UTF-8 JSON; lone surrogates became U+FFFD.
status=0
"$CE_BIN" flatten "$TMP/events.ndjson" > "$TMP/flat" 2> "$TMP/flat.err" || status=$?
assert_status 1 "$status" "flatten with one refused line"
assert_grep "events.ndjson:5:.*column [0-9]+" "$TMP/flat.err" \
	"the refused line is named with its line and column"
"$PYTHON3" - "$TMP/flat" <<'PY' || fail "flatten output"
import json, sys
raw = open(sys.argv[1], "rb").read()
text = raw.decode("utf-8")          # strict: raises on invalid UTF-8
maps = [json.loads(l) for l in text.split("\n") if l]
assert len(maps) == 4, "expected 4 flattened records, got %d" % len(maps)
a, b, c, d = maps
assert a["requestParameters.userName"] == "\u00e9l\u00e8ve-\u65e5\u672c-\U0001F600", a
assert a["requestParameters.cl\u00e9"] == "valeur"
assert a["requestParameters.\u202eevil"] == "\u200d"
assert b["requestParameters.lone"] == "x\ufffdy\ufffdz", b["requestParameters.lone"]
assert b["requestParameters.k\ufffd"] == 1
assert b["requestParameters.nul"] == "a\u0000b"
assert c["requestParameters.userName"] == "a\ufffd\ufffdb", c
assert c["requestParameters.k\ufffd"] == 2, c
assert d["requestParameters.userName"] == "plain"
PY

cat > "$TMP/ce.conf" <<CONF
log_format = "json";
inputs = ( { plugin = "file"; paths = [ "events.ndjson" ]; } );
evaluator = { plugin = "drl"; rules = [ "rules" ]; };
outputs = ( { plugin = "stdout"; name = "out"; aliases = [ "Out" ]; event = "flat"; } );
CONF
status=0
"$CE_BIN" run -c "$TMP/ce.conf" > "$TMP/alerts" 2> "$TMP/log" || status=$?
assert_status 1 "$status" "run with one refused line"
"$PYTHON3" - "$TMP/alerts" "$TMP/log" <<'PY' || fail "alerts and logs"
import json, sys
alerts = [json.loads(l) for l in open(sys.argv[1], "rb").read().decode("utf-8").split("\n") if l]
logs = [json.loads(l) for l in open(sys.argv[2], "rb").read().decode("utf-8").split("\n") if l]
fired = sorted((a["eventID"], a["rule"].split(": ", 1)[1]) for a in alerts)
want = sorted([("u1", "non-ASCII value"), ("u1", "non-ASCII key, escaped value"),
               ("u1", "every CreateUser"),
               ("u2", "non-ASCII value"), ("u2", "non-ASCII key, escaped value"),
               ("u2", "every CreateUser"),
               ("u3", "bytes that are not UTF-8"), ("u3", "every CreateUser"),
               ("u4", "every CreateUser")])
assert fired == want, fired
bad = "\n\r\u2028\u2029\u0085\u001b"
for a in alerts:
    assert not any(c in a["summary"] for c in bad), "summary not one line: %r" % a["summary"]
u2 = [a for a in alerts if a["eventID"] == "u2"][0]
assert u2["event"]["requestParameters.lone"] == "x\ufffdy\ufffdz"
u3 = [a for a in alerts if a["eventID"] == "u3"][0]
assert u3["event"]["requestParameters.userName"] == "a\ufffd\ufffdb"
assert u3["event"]["requestParameters.k\ufffd"] == 2
assert any("events.ndjson:5" in l["msg"] for l in logs), "the refused line is not logged"
PY

# A text log line cannot be forged by a file name (an S3 key or a path
# chosen by whoever wrote the file).
mkdir "$TMP/hostile"
evil="$TMP/hostile/evil
2024-01-01T00:00:00.000Z error FORGED $(printf '\033[31m').json"
printf '{"truncated":\n' > "$evil"
cat > "$TMP/evil.conf" <<CONF
inputs = ( { plugin = "file"; paths = [ "hostile" ]; } );
evaluator = { plugin = "drl"; rules = [ "rules" ]; };
outputs = ( { plugin = "stdout"; name = "out"; aliases = [ "Out" ]; event = "none"; } );
CONF
status=0
"$CE_BIN" run -c "$TMP/evil.conf" > "$TMP/out" 2> "$TMP/err" || status=$?
[ "$status" -lt 128 ] || fail "run over a hostile file name: killed by a signal"
assert_grep 'evil\\n2024' "$TMP/err" "the file name is logged with its newline escaped"
assert_no_grep "^2024-01-01T00:00:00.000Z error FORGED" "$TMP/err" "a forged log line"
if LC_ALL=C grep -q "$(printf '\033')" "$TMP/err"; then
	fail "an escape character reached the log"
fi
echo "PASS: unicode and hostile text"
