#!/bin/sh
# Plugins someone other than root or the running user could have written
# are refused, each with its reason: a group-writable plugin directory, a
# world-writable directory above it, a group-writable file, a file and a
# directory owned by another user (as root: chown), a symbolic link, a
# FIFO; a root-owned sticky directory above (/tmp) and a symbolic link to
# a directory are accepted, but a sticky plugin directory is not;
# CLOUDENGINE_INSECURE_PLUGINS=1 (only "1") turns the check off.
. "$CE_TOP_SRCDIR/tests/cli/lib.sh"

unset CLOUDENGINE_INSECURE_PLUGINS
umask 022
PLUGIN="$CE_TOP_BUILDDIR/tests/abi/.libs/abi_out.so"
ME=$(id -u)
# The real path: the messages name the directories checked.
ROOT=$(cd "$TMP" && pwd -P)

# trusted DIR: DIR and every directory above it pass the check.
trusted() {
	d=$1
	while :; do
		set -- $(stat -L -c '%u %a' "$d")
		uid=$1 mode=$2
		[ "$uid" = 0 ] || [ "$uid" = "$ME" ] || return 1
		w=$(( 0$mode & 022 ))
		if [ "$w" -ne 0 ]; then
			[ "$d" != "$ROOT" ] && [ "$uid" = 0 ] &&
				[ $(( 0$mode & 01000 )) -ne 0 ] || return 1
		fi
		[ "$d" = / ] && return 0
		d=$(dirname "$d")
	done
}
trusted "$ROOT" || skip "$ROOT or a directory above it is writable by others: the check would refuse everything"

: > "$TMP/empty.conf"
# plugins DIR: `cloudengine plugins` over DIR; sets STATUS, OUT, ERR.
plugins() {
	STATUS=0
	CLOUDENGINE_PLUGIN_PATH="$1" "$CE_BIN" plugins -c "$TMP/empty.conf" \
		> "$TMP/out" 2> "$TMP/err" || STATUS=$?
}
expect_loaded() {
	plugins "$1"
	assert_status 0 "$STATUS" "$2 (stderr: $(cat "$TMP/err"))"
	assert_grep "^abi_out .* $1/abi_out\.so\$" "$TMP/out" "$2"
}
# expect_refused DIR PATTERN WHAT
expect_refused() {
	plugins "$1"
	assert_status 3 "$STATUS" "$3"
	assert_no_grep "^abi_out " "$TMP/out" "$3: nothing loaded"
	assert_grep "$2" "$TMP/err" "$3"
	assert_grep "CLOUDENGINE_INSECURE_PLUGINS=1 turns this check off" "$TMP/err" "$3: the way out"
}

mkdir -p "$TMP/top/plugins"
P="$ROOT/top/plugins"
cp "$PLUGIN" "$P/abi_out.so"
chmod 0644 "$P/abi_out.so"
expect_loaded "$P" "a plugin in a trusted directory"

# --- directories --------------------------------------------------------
chmod g+w "$P"
expect_refused "$P" "^$P: error: refusing to load plugins from this directory: $P is writable by group \(mode 0775\); a plugin runs with cloudengine's privileges and sees its secrets" \
	"a group-writable plugin directory"
chmod g-w "$P"
chmod o+w "$ROOT/top"
expect_refused "$P" "refusing to load plugins from this directory: $ROOT/top is writable by others \(mode 0757\)" \
	"a world-writable directory above"
chmod o-w "$ROOT/top"

# The development override: exactly "1".
chmod g+w "$P"
CLOUDENGINE_INSECURE_PLUGINS=1
export CLOUDENGINE_INSECURE_PLUGINS
expect_loaded "$P" "CLOUDENGINE_INSECURE_PLUGINS=1"
CLOUDENGINE_INSECURE_PLUGINS=yes
expect_refused "$P" "is writable by group" "CLOUDENGINE_INSECURE_PLUGINS=yes is not 1"
unset CLOUDENGINE_INSECURE_PLUGINS
chmod g-w "$P"

# A symbolic link to a directory: the real directories are checked.
ln -s "$P" "$ROOT/link"
expect_loaded "$ROOT/link" "a plugin directory reached through a link"

# --- files ------------------------------------------------------------
chmod g+w "$P/abi_out.so"
expect_refused "$P" "^$P/abi_out\.so: error: refusing to load this plugin: it is writable by group \(mode 0664\)" \
	"a group-writable plugin file"
chmod 0644 "$P/abi_out.so"
ln -s "$PLUGIN" "$P/linked.so"
mv "$P/abi_out.so" "$ROOT/top/real.so"
expect_refused "$P" "^$P/linked\.so: error: refusing to load a symbolic link: install the plugin file itself" \
	"a symbolic link to a plugin"
rm "$P/linked.so"
mv "$ROOT/top/real.so" "$P/abi_out.so"
mkfifo "$P/fifo.so"
plugins "$P"
assert_status 3 "$STATUS" "a FIFO among the plugins"
assert_grep "^$P/fifo\.so: error: cannot load plugin: not a regular file" "$TMP/err" "a FIFO is not opened for reading"
assert_grep "^abi_out " "$TMP/out" "the other plugins still load"
rm "$P/fifo.so"

# --- owners (root only: chown) -----------------------------------------
if [ "$ME" = 0 ]; then
	chown 4242 "$P/abi_out.so"
	expect_refused "$P" "refusing to load this plugin: it is owned by uid 4242, neither root nor the user running cloudengine \(uid 0\)" \
		"a plugin file owned by another user"
	chown 0 "$P/abi_out.so"
	chown 4242 "$ROOT/top"
	expect_refused "$P" "refusing to load plugins from this directory: $ROOT/top is owned by uid 4242" \
		"a directory above owned by another user"
	chown 0 "$ROOT/top"

	# Root-owned and sticky (/tmp): accepted above, not as the directory.
	chmod 1777 "$ROOT/top"
	expect_loaded "$P" "a root-owned sticky directory above"
	chmod 1777 "$P"
	expect_refused "$P" "$P is writable by group and others \(mode 1777\)" \
		"a sticky plugin directory"
	chmod 0755 "$P" "$ROOT/top"
else
	echo "not root: the ownership cases need chown; skipped"
fi
expect_loaded "$P" "the directory, restored"
echo "permissions: every refusal named, the accepted cases loaded"
