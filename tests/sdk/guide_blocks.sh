#!/bin/sh
# The plugin guide cannot rot: every C block of docs/plugin-guide.md is
# extracted into its file, compiled as a plugin with -Wall -Wextra -Werror
# against include/, and loaded by cloudengine with no refusal; the
# tutorial's `lines` output then runs in the engine over the guide's own
# record and rule and writes the line the guide promises.  The manual page
# cloudengine-plugin(7) keeps the guide's sections, and both name every
# host service and descriptor callback of the current header.
. "$CE_TOP_SRCDIR/tests/cli/lib.sh"

PYTHON3=${PYTHON3:-python3}
command -v "$PYTHON3" > /dev/null 2>&1 || skip "python3 is needed to read the guide"
GUIDE="$CE_TOP_SRCDIR/docs/plugin-guide.md"
MAN="$CE_TOP_SRCDIR/docs/cloudengine-plugin.7"
EXTRACT="$CE_TOP_SRCDIR/tests/sdk/guide_extract.py"
CC=${CE_CC:-cc}

# --- 1: every C block compiles, warning-free --------------------------
"$PYTHON3" "$EXTRACT" code "$GUIDE" "$TMP/guide" > "$TMP/files" ||
	fail "the guide has C blocks that are not compiled (above)"
[ "$(lines "$TMP/files")" -ge 3 ] || fail "expected the tutorial, input and evaluator files"
mkdir "$TMP/plugins"
while read -r f; do
	# shellcheck disable=SC2086 # CE_CFLAGS is a list of flags
	$CC ${CE_CFLAGS:-} -std=c11 -Wall -Wextra -Werror -fPIC -shared \
		-fvisibility=hidden -pthread -I"$CE_TOP_SRCDIR/include" \
		-o "$TMP/plugins/${f%.c}.so" "$TMP/guide/$f" ${CE_LDFLAGS:-} \
		2> "$TMP/cc.err" || {
		cat "$TMP/cc.err" >&2
		fail "the guide's $f does not compile"
	}
done < "$TMP/files"

# --- 2: each is a plugin the host accepts -----------------------------
: > "$TMP/empty.conf"
CLOUDENGINE_PLUGIN_PATH="$TMP/plugins" "$CE_BIN" plugins -c "$TMP/empty.conf" \
	> "$TMP/list" 2> "$TMP/list.err" ||
	fail "cloudengine refused a plugin of the guide: $(cat "$TMP/list.err")"
for p in "lines +output" "onefile +input" "rootuse +evaluator"; do
	assert_grep "^$p " "$TMP/list" "the guide's plugins are listed"
done
CLOUDENGINE_PLUGIN_PATH="$TMP/plugins" "$CE_BIN" plugins -c "$TMP/empty.conf" lines \
	> "$TMP/lines.txt" 2>&1 ||
	fail "cloudengine plugins lines"
assert_grep "^  path +path, required" "$TMP/lines.txt" "the tutorial's option table"
assert_grep "^  with_ip +boolean, default: true" "$TMP/lines.txt" "the tutorial's option table"

# --- 3: the tutorial, as the guide tells it ---------------------------
# The guide's own record, rule and configuration, from its run blocks;
# the build tree's file input and drl evaluator.
mkdir "$TMP/run"
sed -n '/^mkdir -p lines-test/,/^cloudengine check/p' "$TMP/guide/run.sh" |
	sed '$d' > "$TMP/run/setup.sh"
(cd "$TMP/run" && sh -e setup.sh) || fail "the guide's test files"
CLOUDENGINE_PLUGIN_PATH="$TMP/plugins:$CE_TOP_BUILDDIR/plugins/.libs" \
	"$CE_BIN" run -c "$TMP/run/lines-test/test.conf" \
	> "$TMP/run.out" 2> "$TMP/run.err" || {
	cat "$TMP/run.err" >&2
	fail "the tutorial's run failed"
}
assert_grep '^[0-9a-f]{64} high \[iam\.amazonaws\.com: Access key created\] 198\.51\.100\.7: arn:aws:iam::123456789012:user/alice called CreateAccessKey' \
	"$TMP/run/lines-test/alerts.txt" "the tutorial's alert line"
[ "$(lines "$TMP/run/lines-test/alerts.txt")" = 1 ] || fail "one alert line"
assert_grep "cloudengine_output_lines_written=1" "$TMP/run.err" "the tutorial's metric"

# An init() failure stops the run with status 3, as the guide says.
sed 's|path = "alerts.txt"|path = "no/such/dir/alerts.txt"|' \
	"$TMP/run/lines-test/test.conf" > "$TMP/run/lines-test/bad.conf"
status=0
CLOUDENGINE_PLUGIN_PATH="$TMP/plugins:$CE_TOP_BUILDDIR/plugins/.libs" \
	"$CE_BIN" run -c "$TMP/run/lines-test/bad.conf" > /dev/null \
	2> "$TMP/bad.err" || status=$?
assert_status 3 "$status" "a failing init()"
assert_grep "\[output:lines:lines\] .*no/such/dir/alerts.txt: No such file" \
	"$TMP/bad.err" "init()'s own message"

# --- 4: the manual page keeps step ------------------------------------
"$CE_TOP_BUILDDIR/tests/abi/layout_current" > "$TMP/layout" ||
	fail "layout_current"
"$PYTHON3" "$EXTRACT" sync "$GUIDE" "$MAN" "$TMP/layout" ||
	fail "docs/cloudengine-plugin.7 is out of step with the guide (above)"
echo "guide: $(tr '\n' ' ' < "$TMP/files")compiled, loaded and run"
