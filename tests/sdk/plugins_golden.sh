#!/bin/sh
# `cloudengine plugins` against golden copies (tests/sdk/golden/*.out):
# the list (sorted by kind and name, ABI of each, files, the search path
# from plugin_dirs, $CLOUDENGINE_PLUGIN_PATH and the built-in directory,
# refusals on standard error and exit status 3), and the description of
# one plugin built from its own option table (every option type, bounds,
# choices, defaults, hidden secrets, help, the host's keys), an unknown
# name and a usage error.  Paths become @BUILDDIR@, @TMP@ and @PLUGINDIR@.
# CE_UPDATE_GOLDEN=1 rewrites the copies instead of comparing.
. "$CE_TOP_SRCDIR/tests/cli/lib.sh"

GOLDEN="$CE_TOP_SRCDIR/tests/sdk/golden"
PLUGINDIR=${CE_INST_PLUGINDIR:?run this test through make check}

# The pkg-config file says what the program was built with.
if command -v pkg-config > /dev/null 2>&1; then
	pc=$(PKG_CONFIG_PATH="$CE_TOP_BUILDDIR" pkg-config \
		--variable=plugindir cloudengine) || fail "pkg-config cloudengine"
	[ "$pc" = "$PLUGINDIR" ] ||
		fail "cloudengine.pc says plugindir=$pc, the program $PLUGINDIR"
fi

cat > "$TMP/plugins.conf" <<CONF
plugin_dirs = [ "$CE_TOP_BUILDDIR/tests/abi/refused/.libs", "no-such-dir" ];
CONF
: > "$TMP/empty.conf"

# golden NAME ARGS...: run `cloudengine plugins ARGS` with the examples
# and the ABI plugins on the search path; compare with golden/NAME.out.
# Whatever is installed in the built-in directory is left out: it depends
# on the machine, not on this build.
golden() {
	name=$1
	shift
	status=0
	CLOUDENGINE_PLUGIN_PATH="$CE_TOP_BUILDDIR/tests/abi/.libs:$CE_TOP_BUILDDIR/tests/sdk/.libs" \
		"$CE_BIN" plugins "$@" > "$TMP/out" 2> "$TMP/err" || status=$?
	{
		echo "\$ cloudengine plugins $*"
		cat "$TMP/out"
		echo "--- stderr"
		cat "$TMP/err"
		echo "--- exit $status"
	} | sed -e "s|$TMP|@TMP@|g" -e "s|$CE_TOP_BUILDDIR|@BUILDDIR@|g" \
		-e "s|$PLUGINDIR/|@PLUGINDIR@/|g" -e "s|$PLUGINDIR\$|@PLUGINDIR@|" \
		-e "s|$PLUGINDIR:|@PLUGINDIR@:|g" |
		grep -v '@PLUGINDIR@/' > "$TMP/$name.out" || :
	if [ "${CE_UPDATE_GOLDEN:-}" = 1 ]; then
		cp "$TMP/$name.out" "$GOLDEN/$name.out"
		return
	fi
	diff -u "$GOLDEN/$name.out" "$TMP/$name.out" ||
		fail "cloudengine plugins $*: output differs from golden/$name.out"
}

golden list -c "$TMP/plugins.conf"
golden webhook -c "$TMP/empty.conf" webhook
golden spool -c "$TMP/empty.conf" spool
golden abi_out -c "$TMP/empty.conf" abi_out
golden unknown -c "$TMP/empty.conf" no_such_plugin
golden usage -c "$TMP/empty.conf" one two
echo "golden: 6 outputs of 'cloudengine plugins' as expected"
