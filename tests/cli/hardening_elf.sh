#!/bin/sh
# The hardening configure chose is in what was built: the program and
# every plugin are linked with full RELRO (GNU_RELRO + BIND_NOW), the
# program is a position-independent executable (ET_DYN with an
# interpreter), no object asks for an executable stack, and the program
# calls the stack protector and the fortified (_chk) libc functions.
# What configure left out (--disable-hardening, a compiler without the
# flag, fortify at -O0) is not asked for: the flags are read from the
# build's Makefile.
. "$(dirname "$0")/lib.sh"

command -v readelf >/dev/null || skip "no readelf (binutils)"
mk=$CE_TOP_BUILDDIR/Makefile
[ -f "$mk" ] || fail "no $mk"
cflags=$(sed -n 's/^CE_HARDEN_CFLAGS = //p' "$mk")
ldflags=$(sed -n 's/^CE_HARDEN_LDFLAGS = //p' "$mk")
echo "CE_HARDEN_CFLAGS = $cflags"
echo "CE_HARDEN_LDFLAGS = $ldflags"

bin=$CE_BIN
if ! readelf -h "$bin" > /dev/null 2>&1; then
	bin=$(dirname "$CE_BIN")/.libs/$(basename "$CE_BIN")	# libtool wrapper
fi
readelf -h "$bin" > /dev/null 2>&1 || fail "$CE_BIN is not an ELF file"

# has WHAT FILE PATTERN: readelf's view of FILE matches PATTERN.
has() {
	case $1 in
	segments) readelf -lW "$2" | grep -Eq -- "$3" ;;
	dynamic)  readelf -dW "$2" | grep -Eq -- "$3" ;;
	header)   readelf -hW "$2" | grep -Eq -- "$3" ;;
	symbols)  readelf --dyn-syms -W "$2" | grep -Eq -- "$3" ;;
	esac
}

objects="$bin $(ls "$CLOUDENGINE_PLUGIN_PATH"/*.so 2>/dev/null || :)"
n=0
for f in $objects; do
	n=$((n + 1))
	has segments "$f" "GNU_STACK.* RW " || fail "$f: executable stack"
	case $ldflags in
	*relro*) has segments "$f" "GNU_RELRO" || fail "$f: no GNU_RELRO" ;;
	esac
	case $ldflags in
	*now*) has dynamic "$f" "BIND_NOW|FLAGS_1.*NOW" || fail "$f: not BIND_NOW" ;;
	esac
done
case $cflags in
*stack-protector*)
	has symbols "$bin" "__stack_chk_fail" ||
		fail "$bin: no stack protector" ;;
esac
case $cflags in
*FORTIFY_SOURCE*)
	has symbols "$bin" "__[a-z]+_chk@" ||
		fail "$bin: no fortified libc call" ;;
esac
# PIE: a shared object (ET_DYN) that names a program interpreter, which
# a plain shared library does not.
case $ldflags in
*-pie*)
	has header "$bin" "Type: +DYN" && has segments "$bin" "INTERP" ||
		fail "$bin: not a position-independent executable (PIE)" ;;
esac
echo "PASS: hardening flags in $n objects"
