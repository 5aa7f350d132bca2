#!/bin/sh
# `make lambda-layer` builds a zip ready for `aws lambda publish-layer-version`
# (a second tree configured with --prefix=/opt, installed and bundled).
# Every ELF file in it is read (not run): no glibc symbol version newer
# than 2.34 (provided.al2023), every DT_NEEDED entry glibc's own or in the
# zip's lib/, modes without group/world write; the checker is shown to
# catch each of these.  Then the unpacked layer runs as Lambda runs it:
# its bootstrap with the layer's configuration and rules, with the rules
# of the function package, and with the function package's configuration.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lambda_lib.sh"

command -v zip >/dev/null 2>&1 || skip "no zip"
# make distcheck makes the source tree read-only (mode bits: root may
# write anyway): the layer, a second configure and build of the whole
# tree, is left to make check.
[ -n "$(find "$CE_TOP_SRCDIR" -maxdepth 0 -perm -u+w)" ] ||
	skip "read-only source tree (make distcheck)"
unset LAMBDA_TEST_WRAPPER

ZIP=$CE_TOP_BUILDDIR/cloudengine-lambda-layer.zip
# A make of its own, not the jobserver of the make running the tests.
env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -j"${LAMBDA_LAYER_JOBS:-2}" \
    -C "$CE_TOP_BUILDDIR" lambda-layer > "$TMP/make.log" 2>&1 || {
	cat "$TMP/make.log" >&2
	fail "make lambda-layer"
}
[ -f "$ZIP" ] || fail "make lambda-layer made no $ZIP"
"$PYTHON3" "$LAMBDA_CLI/check_layer.py" "$ZIP" > "$TMP/check" 2>&1 || {
	cat "$TMP/check" >&2
	fail "the layer breaks the rules of provided.al2023"
}
cat "$TMP/check"

# The checker catches a library left out, a file writable by others, and
# an ELF file needing a newer glibc (this system's shell, when it does).
newer=""
for f in /bin/bash /usr/bin/bash /bin/sh /usr/bin/gcc; do
	[ -f "$f" ] || continue
	v=$("$PYTHON3" "$LAMBDA_CLI/check_layer.py" --glibc "$f" 2>/dev/null) || continue
	case $v in
	GLIBC_2.3[5-9]* | GLIBC_2.[4-9]* | GLIBC_[3-9]*) newer=$f; break ;;
	esac
done
"$PYTHON3" - "$ZIP" "$TMP" "$newer" <<'PY' || fail "make broken copies of the layer"
import sys, zipfile
src, tmp, newer = sys.argv[1], sys.argv[2], sys.argv[3]
zin = zipfile.ZipFile(src)
names = [i.filename for i in zin.infolist()]
dropped = sorted(n for n in names if n.startswith("lib/lib") and n.count("/") == 1)[0]
with open(tmp + "/dropped", "w") as f:
    f.write(dropped[4:])

def copy(dest, skip=None, mode=None, extra=None):
    with zipfile.ZipFile(dest, "w") as zout:
        for old in zin.infolist():
            if old.filename == skip:
                continue
            info = zipfile.ZipInfo(old.filename, old.date_time)
            info.create_system = old.create_system
            info.external_attr = old.external_attr
            info.compress_type = zipfile.ZIP_DEFLATED
            if mode and info.filename == mode[0]:
                info.external_attr = (0o100000 | mode[1]) << 16
            zout.writestr(info, zin.read(old.filename))
        if extra:
            info = zipfile.ZipInfo(extra[0])
            info.create_system = 3
            info.external_attr = 0o100755 << 16
            zout.writestr(info, open(extra[1], "rb").read())

copy(tmp + "/no-lib.zip", skip=dropped)
copy(tmp + "/writable.zip", mode=("etc/cloudengine/cloudengine.conf", 0o666))
if newer:
    copy(tmp + "/newer.zip", extra=("bin/newer", newer))
PY
expect_refused() {	# expect_refused ZIP PATTERN
	if "$PYTHON3" "$LAMBDA_CLI/check_layer.py" "$1" > "$TMP/bad" 2>&1; then
		fail "the checker accepted $1"
	fi
	assert_grep "$2" "$TMP/bad" "the checker's reason for $1"
}
expect_refused "$TMP/no-lib.zip" "needs $(cat "$TMP/dropped"), which is neither glibc's nor in lib/"
expect_refused "$TMP/writable.zip" "etc/cloudengine/cloudengine.conf: writable by group or others \\(666\\)"
if [ -n "$newer" ]; then
	expect_refused "$TMP/newer.zip" "bin/newer needs GLIBC_2\\.(3[5-9]|[4-9])"
else
	echo "no ELF file needing glibc > 2.34 on this system: that check is not exercised"
fi

# The layer, unpacked, as Lambda runs it.
LAYER=$TMP/opt
LAYER_KIND=zip
unpack_layer "$ZIP" "$LAYER"
"$PYTHON3" - "$TMP" "$CE_TOP_SRCDIR/examples/events/console-ssh-open-to-world.json" <<'PY'
import json, sys
tmp, example = sys.argv[1], sys.argv[2]
body = open(example).read()
json.dump({"Records": [{"messageId": "m-1", "body": body, "eventSource": "aws:sqs"}]},
          open(tmp + "/sqs.json", "w"))
PY
EXAMPLE=$CE_TOP_SRCDIR/examples/events/console-ssh-open-to-world.json
LAYER_RULE='ec2.amazonaws.com: Someone is changing a security group'

# 1. The layer's configuration and rules (no function package).
start_api "$EXAMPLE" "$TMP/sqs.json"
start_lambda -
wait_answers 2
answer 1 | grep -Eq '^1 response [0-9]+ \{"records":1,"alerts":[1-9][0-9]*\}$' ||
    fail "EventBridge event through the layer: $(answer 1)"
answer 2 | grep -Eq '^2 response [0-9]+ \{"batchItemFailures":\[\]\}$' ||
    fail "SQS batch through the layer: $(answer 2)"
assert_grep "\"rule\":\"$LAYER_RULE\"" "$TMP/stdout" "the layer's rule fired"
stop_engine
assert_status 0 "$CE_STATUS" "the layer's run"

# 2. Rules from the function package (/var/task/rules).
mkdir -p "$TMP/task/rules"
cat > "$TMP/task/rules/package.drl" <<'DRL'
import java.util.Map
import cloudengine.AlertServices.DatadogAlertService;

rule "ec2.amazonaws.com: from the function package"
when
    $map: Map(this["eventName"] == "AuthorizeSecurityGroupIngress")
then
    new DatadogAlertService().report($map, drools.getRule().getName());
end
DRL
start_api "$EXAMPLE"
start_lambda -
wait_answers 1
answer 1 | grep -Eq '^1 response [0-9]+ \{"records":1,"alerts":1\}$' ||
    fail "with the package's rules: $(answer 1)"
assert_grep '"rule":"ec2.amazonaws.com: from the function package"' \
    "$TMP/stdout" "the package's rule fired"
assert_no_grep "$LAYER_RULE" "$TMP/stdout" "the layer's rules are not used"
stop_engine

# 3. The function package's configuration (/var/task/cloudengine.conf),
# its relative paths resolved against /var/task.
mkdir -p "$TMP/task/own"
sed 's/from the function package/from its own configuration/' \
    "$TMP/task/rules/package.drl" > "$TMP/task/own/own.drl"
cat > "$TMP/task/cloudengine.conf" <<'CONF'
inputs = ( { plugin = "lambda"; } );
evaluator = { plugin = "drl"; rules = [ "own" ]; };
outputs = ( { plugin = "stdout"; name = "out"; aliases = [ "DatadogAlertService" ]; event = "none"; } );
CONF
start_api "$EXAMPLE"
start_lambda -
wait_answers 1
assert_grep '"rule":"ec2.amazonaws.com: from its own configuration"' \
    "$TMP/stdout" "the package's configuration is used"
stop_engine
echo "PASS: lambda layer"
