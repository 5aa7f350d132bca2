#!/bin/sh
# mklayer.sh - builds the AWS Lambda layer zip (`make lambda-layer`):
# a tree configured with --prefix=/opt is installed into a staging
# directory, the bootstrap and the Lambda configuration are added, every
# shared library the binary and the plugins need beyond glibc is copied
# into lib/, modes are normalised, and the whole is zipped so that it
# unpacks into /opt.
#
#   mklayer.sh SRCDIR BUILDDIR PREFIX OUTPUT.zip
#
# When this build's PREFIX is already /opt it is installed as it is;
# otherwise BUILDDIR/lambda-layer/build is configured (once) with
# --prefix=/opt and $LAMBDA_CONFIGURE_FLAGS, and built there.
set -eu

srcdir=$1
builddir=$2
prefix=$3
out=$4
MAKE=${MAKE:-make}
work=$builddir/lambda-layer
stage=$work/stage
root=$stage/opt

die() {
	echo "mklayer: $*" >&2
	exit 1
}

command -v zip >/dev/null 2>&1 || die "zip is needed (apt-get install zip)"
command -v ldd >/dev/null 2>&1 || die "ldd is needed"

# glibc's own libraries: the runtime (provided.al2023, glibc 2.34) has
# them.  Anything else the binaries need is bundled.
is_glibc() {
	case $1 in
	ld-linux*.so.* | ld64.so.* | linux-vdso.so.* | linux-gate.so.* | \
	libc.so.6 | libm.so.6 | libmvec.so.1 | libpthread.so.0 | libdl.so.2 | \
	librt.so.1 | libresolv.so.2 | libutil.so.1 | libanl.so.1 | \
	libBrokenLocale.so.1 | libthread_db.so.1 | libc_malloc_debug.so.0 | \
	libnss_*.so.2)
		return 0 ;;
	esac
	return 1
}

# 1. Build and stage.
if [ "$prefix" = /opt ]; then
	tree=$builddir
else
	tree=$work/build
	if [ ! -f "$tree/Makefile" ]; then
		mkdir -p "$tree"
		echo "mklayer: configuring $tree with --prefix=/opt"
		# shellcheck disable=SC2086
		(cd "$tree" && "$srcdir/configure" -q --prefix=/opt \
		    ${LAMBDA_CONFIGURE_FLAGS:-}) ||
		    { rm -f "$tree/Makefile"; die "configure failed"; }
	fi
fi
rm -rf "$stage"
echo "mklayer: building and installing $tree into $stage"
$MAKE -C "$tree" install-strip DESTDIR="$stage" >"$work/install.log" 2>&1 || {
	tail -n 40 "$work/install.log" >&2
	die "make install-strip failed (log: $work/install.log)"
}
[ -x "$root/bin/cloudengine" ] || die "$root/bin/cloudengine was not installed"
[ -f "$root/lib/cloudengine/plugins/in_lambda.so" ] ||
	die "the lambda input plugin was not installed"

# 2. What a layer does not need, and what it adds.
rm -rf "$root/include" "$root/lib/pkgconfig" "$root/share/man"
rm -f "$root"/lib/cloudengine/plugins/*.la
rm -f "$root/etc/cloudengine/cloudengine.conf.sample"
cp "$srcdir/etc/lambda/bootstrap" "$root/bootstrap"
chmod 755 "$root/bootstrap"
cp "$srcdir/etc/lambda/cloudengine.conf" "$root/etc/cloudengine/cloudengine.conf"

# 3. Shared libraries: ldd gives every library the loader resolves, the
# dependencies of dependencies included.  Plugins are opened with
# dlopen(), so each is looked at on its own.
for f in "$root"/bin/* "$root"/lib/cloudengine/plugins/*.so; do
	ldd "$f" >"$work/ldd.out" 2>&1 || die "ldd $f: $(cat "$work/ldd.out")"
	while read -r name arrow path rest; do
		[ "$arrow" = "=>" ] || continue
		is_glibc "$name" && continue
		[ "$path" != not ] || die "$f needs $name, which is not found"
		[ -f "$root/lib/$name" ] && continue
		cp -L "$path" "$root/lib/$name"
	done <"$work/ldd.out"
done
rm -f "$work/ldd.out"

# 4. Modes: readable by all, writable by the owner only, whatever the
# umask was; executables and directories searchable.
chmod -R u=rwX,go=rX "$root"

# 5. The zip, with the layer's root as its root (bootstrap → /opt/bootstrap).
rm -f "$out.tmp"
(cd "$root" && zip -q -r -X --symlinks "$out.tmp" .) || die "zip failed"
mv "$out.tmp" "$out"
echo "mklayer: $out ($(du -k "$out" | cut -f1) KiB)"
