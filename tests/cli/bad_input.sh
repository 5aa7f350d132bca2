#!/bin/sh
# Bad input as a new user meets it: truncated JSON, a binary file, a config
# with a typo, a missing config, a plugin directory holding a .so that is
# not a plugin.  Each gives a clear message and a non-zero exit, no crash.
. "$(dirname "$0")/lib.sh"

# no crash: an exit status from a signal is 128 + N
no_crash() {
	[ "$1" -lt 128 ] || fail "$2: killed by signal $(( $1 - 128 ))"
}

printf '{"eventSource":"ec2.amazonaws.com","eventName":"RunInstances"\n' > "$TMP/truncated.json"
status=0; "$CE_BIN" flatten "$TMP/truncated.json" > "$TMP/out" 2> "$TMP/err" || status=$?
no_crash "$status" "truncated JSON"
assert_status 1 "$status" "flatten of truncated JSON"
assert_grep "truncated.json:1:" "$TMP/err" "names the file and line"

# Deterministic binary garbage (NUL bytes, high bytes, no newline).
printf '\177ELF\002\001\001\000\000\000\377\376\375\000\001\002\003' > "$TMP/binary.bin"
status=0; "$CE_BIN" flatten "$TMP/binary.bin" > "$TMP/out" 2> "$TMP/err" || status=$?
no_crash "$status" "binary file"
assert_status 1 "$status" "flatten of a binary file"
assert_grep "binary.bin" "$TMP/err" "names the file"
[ ! -s "$TMP/out" ] || fail "binary input produced output"

# A gzip magic followed by garbage.
printf '\037\213\010\000garbage-not-deflate' > "$TMP/bad.gz"
status=0; "$CE_BIN" flatten "$TMP/bad.gz" > "$TMP/out" 2> "$TMP/err" || status=$?
no_crash "$status" "corrupt gzip"
assert_status 1 "$status" "flatten of corrupt gzip"
assert_grep "bad.gz" "$TMP/err" "names the file"

cat > "$TMP/typo.conf" <<'CONF'
wokers = 2;
CONF
status=0; "$CE_BIN" check -c "$TMP/typo.conf" > "$TMP/out" 2> "$TMP/err" || status=$?
no_crash "$status" "config typo"
assert_status 3 "$status" "check of a config with a typo"
assert_grep "typo.conf:1: error: .*wokers" "$TMP/err" "names file, line and key"
assert_grep "workers" "$TMP/err" "lists the valid settings"

status=0; "$CE_BIN" check -c "$TMP/missing.conf" > "$TMP/out" 2> "$TMP/err" || status=$?
assert_status 3 "$status" "check of a missing config"
assert_grep "missing.conf" "$TMP/err" "names the missing file"

mkdir "$TMP/plugins"
cp "$CE_TOP_BUILDDIR/tests/contract/bogus/.libs/not_a_plugin.so" "$TMP/plugins/"
cat > "$TMP/plugdir.conf" <<CONF
plugin_dirs = [ "plugins" ];
CONF
status=0; "$CE_BIN" check -c "$TMP/plugdir.conf" > "$TMP/out" 2> "$TMP/err" || status=$?
no_crash "$status" "non-plugin .so"
assert_status 3 "$status" "a plugin directory with a non-plugin .so"
assert_grep "not_a_plugin.so" "$TMP/err" "names the file"
assert_grep "cloudengine_plugin" "$TMP/err" "says what is missing"

status=0; "$CE_BIN" frobnicate > "$TMP/out" 2> "$TMP/err" || status=$?
assert_status 2 "$status" "unknown command"
assert_grep "unknown command 'frobnicate'" "$TMP/err" "names the command"

status=0; "$CE_BIN" test > "$TMP/out" 2> "$TMP/err" || status=$?
assert_status 2 "$status" "test without files"

"$CE_BIN" --version > "$TMP/out"
assert_grep "^cloudengine [0-9]+\.[0-9]+\.[0-9]+ \(plugin ABI [0-9]+\.[0-9]+\)$" "$TMP/out" "--version"
for cmd in run check test test-rules flatten plugins; do
	"$CE_BIN" $cmd --help > "$TMP/out" || fail "$cmd --help failed"
	assert_grep "^usage: cloudengine" "$TMP/out" "$cmd --help"
done
echo "PASS: bad input"
