#!/bin/sh
# The installed SDK, as a third party uses it: `make install` into a
# staging directory; the example plugins' sources, as installed with the
# documentation, built out of tree against the staged header and
# cloudengine.pc only (pkg-config, nothing from the source tree) and
# installed into its plugindir; the staged cloudengine then runs them with
# the plugin permission check on: the spool input reads a directory, the
# drl evaluator fires, and four webhook outputs (generic, Slack, Teams, a
# template file) deliver to a loopback HTTP peer, which checks every
# payload and header; a 503 and a 429 are retried (Retry-After honoured)
# with one idempotency key; a 400 fails at once, keeps the file and writes
# a dead letter; a bad template is an error with its line and column.
# Last, the guide's own commands, from the installed guide, build, install
# and run its tutorial plugin.
. "$CE_TOP_SRCDIR/tests/cli/lib.sh"

PYTHON3=${PYTHON3:-python3}
command -v "$PYTHON3" > /dev/null 2>&1 || skip "python3 is needed for the HTTP peer"
command -v pkg-config > /dev/null 2>&1 || skip "pkg-config is needed to build against the SDK"
pkg-config --exists libcurl || skip "libcurl's pkg-config file is needed for the webhook"
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY \
	no_proxy NO_PROXY CLOUDENGINE_PLUGIN_PATH CLOUDENGINE_CONFIG \
	CLOUDENGINE_INSECURE_PLUGINS
umask 022
STAGE="$TMP/stage"

# --- 1: install, and find the SDK in the stage --------------------------
env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL ${CE_MAKE:-make} -C "$CE_TOP_BUILDDIR" \
	install DESTDIR="$STAGE" > "$TMP/install.log" 2>&1 || {
	tail -30 "$TMP/install.log" >&2
	fail "make install DESTDIR=$STAGE"
}
BIN="$STAGE$CE_INST_BINDIR/cloudengine"
PLUGDIR="$STAGE$CE_INST_PLUGINDIR"
DOC="$STAGE$CE_INST_DOCDIR"
[ -x "$BIN" ] || fail "no staged $BIN"
[ -f "$DOC/plugin-guide.md" ] || fail "the guide is not installed"
[ -n "$(find "$STAGE" -name cloudengine-plugin.7)" ] || fail "cloudengine-plugin(7) is not installed"
# The .pc names the real prefix; point it at the stage.
mkdir "$TMP/pc"
sed -E "s#^(prefix|exec_prefix|libdir|includedir)=/#\\1=$STAGE/#" \
	"$STAGE$CE_INST_PKGCONFIGDIR/cloudengine.pc" > "$TMP/pc/cloudengine.pc"
PKG_CONFIG_PATH="$TMP/pc${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
export PKG_CONFIG_PATH
cflags=$(pkg-config --cflags cloudengine | sed 's/ *$//')
case "$cflags" in
"-I$STAGE/"*) ;;
*) fail "pkg-config --cflags cloudengine gives '$cflags', not the stage" ;;
esac
[ -f "${cflags#-I}/cloudengine/plugin.h" ] || fail "no plugin.h under $cflags"
[ "$(pkg-config --variable=plugindir cloudengine)" = "$PLUGDIR" ] ||
	fail "plugindir is $(pkg-config --variable=plugindir cloudengine), not $PLUGDIR"

# As if installed there: the staged cloudengine looks in the staged
# plugin directory.  The permission check stays on, unless the scratch
# directory itself cannot pass it.
CLOUDENGINE_PLUGIN_PATH="$PLUGDIR"
export CLOUDENGINE_PLUGIN_PATH
if ! "$BIN" plugins -c /dev/null > /dev/null 2> "$TMP/trust.err"; then
	cat "$TMP/trust.err" >&2
	echo "note: $TMP is not trusted by the permission check; it is off here"
	CLOUDENGINE_INSECURE_PLUGINS=1
	export CLOUDENGINE_INSECURE_PLUGINS
fi

# --- 2: the examples, built out of tree from the installed sources ------
cp -R "$DOC/examples/plugins" "$TMP/src"
for ex in webhook minimal_input; do
	# shellcheck disable=SC2086 # CE_CFLAGS is a list of flags
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL ${CE_MAKE:-make} -C "$TMP/src/$ex" \
		CC="${CE_CC:-cc}" CFLAGS="${CE_CFLAGS:-} -Wall -Wextra -Werror" \
		LDFLAGS="${CE_LDFLAGS:-}" all install > "$TMP/$ex.log" 2>&1 || {
		cat "$TMP/$ex.log" >&2
		fail "building examples/plugins/$ex against the staged SDK"
	}
done
for so in out_webhook.so in_spool.so; do
	[ "$(stat -c %a "$PLUGDIR/$so")" = 644 ] || fail "$so is not installed 0644"
done
"$BIN" plugins -c /dev/null > "$TMP/list" 2>&1 || {
	cat "$TMP/list" >&2
	fail "the staged cloudengine refuses its plugins"
}
for p in "spool +input" "drl +evaluator" "webhook +output" "file +input"; do
	assert_grep "^$p .* $PLUGDIR/" "$TMP/list" "staged plugins"
done

# --- 3: spool → drl → four webhooks → the peer ----------------------------
"$PYTHON3" "$CE_TOP_SRCDIR/tests/peers/http_peer.py" "$TMP/peer.port" \
	"$TMP/peer.log" "$TMP/peer.script" 2> "$TMP/peer.err" &
CE_PIDS="$CE_PIDS $!"
wait_for 20 test -s "$TMP/peer.port"
PEER="http://127.0.0.1:$(cat "$TMP/peer.port")"
# peer_answers JSON: the peer's next answers; forget what it recorded.
peer_answers() {
	printf '%s\n' "$1" > "$TMP/peer.script.tmp"
	mv "$TMP/peer.script.tmp" "$TMP/peer.script"
	: > "$TMP/peer.log"
}

cat > "$TMP/rules.drl" <<'DRL'
import cloudengine.AlertServices.*;

rule "iam.amazonaws.com: Access key created"
    @severity(high)
    @description("A \"new\" key\tfor a user")
    @runbook("https://wiki.example.com/keys")
    @tags("iam", "keys")
when
    $e : Map(this["eventName"] == "CreateAccessKey")
then
    new generic().report($e, drools.getRule().getName());
    new slack().report($e, drools.getRule().getName());
    new teams().report($e, drools.getRule().getName());
    new custom().report($e, drools.getRule().getName());
end
DRL
cat > "$TMP/payload.json" <<'TPL'
{"title": "{{ rule }}", "sev": "{{severity}}", "who": "{{field:userIdentity.arn}}",
 "agent": "{{field:userAgent}}", "n": {{{field:requestParameters.count}}},
 "tags": {{{tags_json}}}, "csv": "{{tags}}", "as": "{{called_as}}",
 "key": "{{key}}", "at": "{{origin}}#{{index}}", "try": {{attempt}},
 "record": {{{event}}}, "escaped": "{{event}}"}
TPL
record() { # ID EVENTNAME USERAGENT
	printf '{"eventVersion":"1.08","eventID":"%s","eventTime":"2024-05-01T12:00:00Z","eventSource":"iam.amazonaws.com","eventName":"%s","awsRegion":"eu-west-3","recipientAccountId":"123456789012","sourceIPAddress":"198.51.100.7","userAgent":"%s","requestParameters":{"userName":"bob","count":3},"userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::123456789012:user/alice"}}' "$1" "$2" "$3"
}
# write_conf FILE OUTPUTS: spool over $TMP/spool, the rules, the outputs.
write_conf() {
	cat > "$1" <<CONF
log_level = "debug";
workers = 2;
dead_letter = "dead.ndjson";
retry = { max_attempts = 4; base_delay_ms = 10; max_delay_ms = 50; };
inputs = ( { plugin = "spool"; dir = "spool"; } );
evaluator = { plugin = "drl"; rules = [ "rules.drl" ]; };
outputs = ( $2 );
CONF
}
ALL='{ plugin = "webhook"; name = "generic"; url = "'$PEER'/generic/s3cr3t-path"; },
	{ plugin = "webhook"; name = "slack"; format = "slack"; url = "'$PEER'/slack/T0/B0/s3cr3t-path"; },
	{ plugin = "webhook"; name = "teams"; format = "teams"; url = "'$PEER'/teams"; },
	{ plugin = "webhook"; name = "custom"; url = "'$PEER'/custom";
	  template_file = "payload.json"; key_header = "X-Key";
	  bearer_token = "${HOOK_TOKEN}"; headers = [ "X-Extra: ${HOOK_EXTRA}" ]; }'
HOOK_TOKEN=tok-s3cr3t
HOOK_EXTRA=extra-value
export HOOK_TOKEN HOOK_EXTRA

mkdir "$TMP/spool"
record ev-a CreateAccessKey 'aws-cli/2 \"quoted\" \u00e9 \u0001' > "$TMP/spool/a.json"
{
	printf '{"Records":['
	record ev-b CreateAccessKey console.amazonaws.com
	printf ','
	record ev-c ListUsers console.amazonaws.com
	printf ']}'
} > "$TMP/spool/b.json"
write_conf "$TMP/all.conf" "$ALL"
peer_answers '{}'
start_engine run -c "$TMP/all.conf"
wait_engine
assert_status 0 "$CE_STATUS" "spool → drl → webhooks (stderr: $(tail -5 "$TMP/stderr"))"
[ -z "$(ls "$TMP/spool")" ] || fail "delivered files are deleted: $(ls "$TMP/spool")"
cp "$TMP/stderr" "$TMP/run1.err"
"$PYTHON3" - "$TMP/peer.log" <<'PY' || fail "the webhook requests (above)"
import json, re, sys
reqs = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
def expect(c, what):
    if not c:
        sys.exit("FAIL: " + what)
by = {}
for r in reqs:
    expect(r["method"] == "POST", "method %s" % r["method"])
    expect(r["body_utf8"], "body is UTF-8")
    by.setdefault(r["path"].split("/")[1], []).append(r)
expect(sorted(by) == ["custom", "generic", "slack", "teams"], "paths %s" % sorted(by))
expect(all(len(v) == 2 for v in by.values()), "2 alerts per output: %s" % {k: len(v) for k, v in by.items()})
keys = set()
for r in reqs:
    h = r["headers"]
    expect(h.get("content-type") == "application/json", "content-type %s" % h.get("content-type"))
    expect(h.get("user-agent", "").startswith("cloudengine-webhook/"), "user-agent")
    expect("expect" not in h, "no Expect: 100-continue")
    b = json.loads(r["body"])
    k = h.get("x-key") if r["path"] == "/custom" else h.get("idempotency-key")
    expect(k and re.fullmatch("[0-9a-f]{64}", k), "idempotency key header %r" % k)
    keys.add(k)
expect(len(keys) == 2, "one key per alert, the same for every output: %d" % len(keys))
for r in by["generic"]:
    b = json.loads(r["body"])
    expect(r["path"] == "/generic/s3cr3t-path", "path")
    expect(b["rule"] == "iam.amazonaws.com: Access key created", "rule %r" % b["rule"])
    expect(b["severity"] == "high" and b["tags"] == ["iam", "keys"], "severity, tags")
    expect(b["description"] == 'A "new" key\tfor a user', "description %r" % b["description"])
    expect(b["runbook"] == "https://wiki.example.com/keys", "runbook")
    expect(b["key"] == r["headers"]["idempotency-key"], "key in the body")
    expect(b["event"]["eventID"] in ("ev-a", "ev-b") and b["attempt"] == 1, "event, attempt")
    expect("alice" in b["summary"], "summary %r" % b["summary"])
    expect(b["origin"].endswith(("a.json", "b.json")) and b["index"] >= 1, "origin %r" % b["origin"])
for r in by["slack"]:
    b = json.loads(r["body"])
    expect(b["text"].startswith("*[high] iam.amazonaws.com: Access key created*\n"), "slack text %r" % b["text"])
    expect(b["attachments"][0]["color"] == "#e65100", "slack colour")
for r in by["teams"]:
    b = json.loads(r["body"])
    expect(b["type"] == "message", "teams message")
    att = b["attachments"][0]
    expect(att["contentType"] == "application/vnd.microsoft.card.adaptive", "adaptive card")
    body = att["content"]["body"]
    expect(att["content"]["type"] == "AdaptiveCard" and body[0]["text"] == "[high] iam.amazonaws.com: Access key created", "card title %r" % body[0])
for r in by["custom"]:
    b = json.loads(r["body"])
    h = r["headers"]
    expect(h.get("authorization") == "Bearer tok-s3cr3t", "bearer token")
    expect(h.get("x-extra") == "extra-value", "configured header")
    expect("idempotency-key" not in h, "key_header renames the key header")
    expect(b["title"] == "iam.amazonaws.com: Access key created" and b["sev"] == "high", "title")
    expect(b["who"] == "arn:aws:iam::123456789012:user/alice" and b["n"] == 3, "field: placeholders")
    expect(b["tags"] == ["iam", "keys"] and b["csv"] == "iam,keys" and b["as"] == "custom", "tags, called_as")
    expect(b["key"] == h["x-key"] and b["try"] == 1, "key, attempt")
    expect(json.loads(b["escaped"]) == b["record"], "{{event}} is the record, escaped")
    if b["record"]["eventID"] == "ev-a":
        expect(b["agent"] == 'aws-cli/2 "quoted" \u00e9 \u0001', "escaping %r" % b["agent"])
        expect(b["at"].endswith("a.json#1"), "origin#index %r" % b["at"])
    else:
        expect(b["at"].endswith("b.json#1"), "origin#index %r" % b["at"])
PY
assert_grep "cloudengine_output_generic_sent=2" "$TMP/stderr" "the webhook's metric"
assert_grep "cloudengine_input_spool_files_done=2" "$TMP/stderr" "the spool's metric"

# --- 4: 503 and 429 are retried, Retry-After honoured, one key ----------
record ev-d CreateAccessKey cli > "$TMP/spool/d.json"
write_conf "$TMP/one.conf" '{ plugin = "webhook"; name = "generic"; aliases = [ "slack", "teams", "custom" ]; url = "'$PEER'/generic/s3cr3t-path"; }'
peer_answers '{"answers": [{"status": 503, "headers": {"Retry-After": "1"}, "body": "busy"}, {"status": 429}]}'
start_engine run -c "$TMP/one.conf"
wait_engine
assert_status 0 "$CE_STATUS" "delivered after a 503 and a 429 (stderr: $(tail -5 "$TMP/stderr"))"
[ ! -e "$TMP/spool/d.json" ] || fail "the delivered file is deleted"
"$PYTHON3" - "$TMP/peer.log" <<'PY' || fail "the retried requests (above)"
import json, sys
reqs = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
if [r["answer"].get("status", 202) for r in reqs] != [503, 429, 202]:
    sys.exit("FAIL: answers %s" % [r["answer"] for r in reqs])
if len({r["headers"]["idempotency-key"] for r in reqs}) != 1:
    sys.exit("FAIL: the key changed between attempts")
if [json.loads(r["body"])["attempt"] for r in reqs] != [1, 2, 3]:
    sys.exit("FAIL: attempts")
if reqs[1]["t"] - reqs[0]["t"] < 0.9:
    sys.exit("FAIL: Retry-After: 1 not honoured (%.3f s)" % (reqs[1]["t"] - reqs[0]["t"]))
PY
assert_grep "attempt 1 failed: HTTP 503: busy" "$TMP/stderr" "the 503 is logged with its body"
cp "$TMP/stderr" "$TMP/run2.err"

# --- 5: a 400 fails at once; the file stays; a dead letter --------------
record ev-e CreateAccessKey cli > "$TMP/spool/e.json"
peer_answers '{"default": {"status": 400, "body": "{\"error\":\"invalid_payload\"}"}}'
start_engine run -c "$TMP/one.conf"
wait_engine
assert_status 1 "$CE_STATUS" "a refused alert fails the run"
[ "$(lines "$TMP/peer.log")" = 1 ] || fail "a 400 is not retried: $(lines "$TMP/peer.log") requests"
[ -e "$TMP/spool/e.json" ] || fail "the undelivered file stays in the spool"
assert_grep 'HTTP 400: \{"error":"invalid_payload"\}' "$TMP/stderr" "the reason"
assert_grep "e\.json: kept for the next run" "$TMP/stderr" "the spool keeps the file"
assert_grep '"eventID":"ev-e"|ev-e' "$TMP/dead.ndjson" "the dead letter"
cp "$TMP/stderr" "$TMP/run3.err"

# --- 6: a bad template --------------------------------------------------
write_conf "$TMP/bad.conf" '{ plugin = "webhook"; name = "generic"; url = "'$PEER'/x";
	aliases = [ "slack", "teams", "custom" ];
	template = "{\"a\": \"{{rule}}\",\n \"b\": \"{{nope}}\"}"; }'
start_engine run -c "$TMP/bad.conf"
wait_engine
assert_status 3 "$CE_STATUS" "a bad template stops the run"
assert_grep "option 'template':2:8: error: unknown placeholder '\{\{nope\}\}': expected rule, severity" \
	"$TMP/stderr" "the template error's line and column"
for f in "$TMP"/run*.err "$TMP/stderr" "$TMP/dead.ndjson"; do
	if grep -q -e s3cr3t -e tok-s3cr3t "$f"; then
		fail "a secret (URL path or token) appears in $(basename "$f")"
	fi
done

# --- 7: the guide's commands, as written, from the installed guide ------
"$PYTHON3" "$CE_TOP_SRCDIR/tests/sdk/guide_extract.py" code \
	"$DOC/plugin-guide.md" "$TMP/guide" > /dev/null || fail "the installed guide"
{
	echo 'set -e'
	echo 'sudo() { "$@"; }'
	cat "$TMP/guide/run.sh"
} > "$TMP/guide/steps.sh"
(
	cd "$TMP/guide" &&
	PATH="$STAGE$CE_INST_BINDIR:$PATH" CLOUDENGINE_PLUGIN_PATH="$PLUGDIR" \
		sh steps.sh
) > "$TMP/guide.out" 2>&1 || {
	cat "$TMP/guide.out" >&2
	fail "the guide's commands failed against the staged install"
}
assert_grep "^output lines 1\.0\.0 \(plugin ABI" "$TMP/guide.out" "cloudengine plugins lines"
assert_grep "cloudengine check: test\.conf: ok" "$TMP/guide.out" "cloudengine check"
assert_grep '^[0-9a-f]{64} high \[iam\.amazonaws\.com: Access key created\] 198\.51\.100\.7: ' \
	"$TMP/guide/lines-test/alerts.txt" "the guide's promised line"
echo "installcheck: SDK staged, examples built against it, 12 deliveries checked, guide followed"
