#!/bin/sh
# run.sh - the cloudengine benchmarks, one command: builds what they need
# in a configured build directory, then bench.py times the real program
# and prints markdown (also saved under bench/out/results/).
#
#   bench/run.sh [--quick] [--records N] [--allocator jemalloc|tcmalloc]
#                [--sections eval,memory,cold,alloc,lambda,outputs,sqs]
#                [BUILDDIR]
#
# BUILDDIR is a build directory configured from this source tree (default:
# $CE_BUILD_DIR).  With --allocator, a second build configured
# --with-allocator=NAME is made in bench/out/build-NAME and measured, the
# json-c baseline linked with the same allocator.  The section "alloc" (not
# run by default) builds both and runs the three side by side, interleaved;
# "lambda", "outputs" and "sqs" (not by default either) run the other
# areas' bench/lambda_init.sh, outputs.sh and sqs.sh with BUILDDIR.
# Generated corpora, rules and configurations stay in bench/out/
# (git-ignored), reused across runs.
# Skips (exit 0) when ../shared (the corpus generator) is absent.  A missed
# target is reported, never an error: the exit status says only whether
# the benchmarks could run.
set -eu

BENCH=$(cd "$(dirname "$0")" && pwd)
SRCDIR=$(dirname "$BENCH")
OUT="$BENCH/out"
QUICK=
ALLOCATOR=system
SECTIONS=eval,memory,cold
RECORDS=200000
BUILD=${CE_BUILD_DIR:-}

usage() {
	sed -n '2,/^set -eu/p' "$0" | grep '^#' | sed 's/^# \{0,1\}//' >&2
	exit 2
}

while [ $# -gt 0 ]; do
	case $1 in
	--quick) QUICK=--quick ;;
	--allocator) [ $# -ge 2 ] || usage; ALLOCATOR=$2; shift ;;
	--allocator=*) ALLOCATOR=${1#*=} ;;
	--sections) [ $# -ge 2 ] || usage; SECTIONS=$2; shift ;;
	--sections=*) SECTIONS=${1#*=} ;;
	--records) [ $# -ge 2 ] || usage; RECORDS=$2; shift ;;
	--records=*) RECORDS=${1#*=} ;;
	-h|--help) usage ;;
	-*) echo "run.sh: unknown option $1" >&2; usage ;;
	*) BUILD=$1 ;;
	esac
	shift
done

say() { echo "run.sh: $*" >&2; }

# bench.py's sections, and the other scripts of bench/ to run after it.
PY_SECTIONS=
SCRIPTS=
for s in $(echo "$SECTIONS" | tr , ' '); do
	case $s in
	eval|memory|cold|alloc) PY_SECTIONS=${PY_SECTIONS:+$PY_SECTIONS,}$s ;;
	lambda) SCRIPTS="$SCRIPTS lambda_init.sh" ;;
	outputs|sqs) SCRIPTS="$SCRIPTS $s.sh" ;;
	*) say "unknown section '$s'"; usage ;;
	esac
done

SHARED=${CE_SHARED_DIR:-$SRCDIR/../shared}
GEN="$SHARED/bench/gen_corpus.py"
if [ ! -f "$GEN" ]; then
	echo "SKIP: $GEN not found (set CE_SHARED_DIR): no corpus to measure"
	exit 0
fi
[ -n "$BUILD" ] || { say "no build directory: give one or set CE_BUILD_DIR"; usage; }
[ -f "$BUILD/Makefile" ] || { say "$BUILD: not a configured build directory"; exit 2; }
BUILD=$(cd "$BUILD" && pwd)
command -v python3 > /dev/null || { say "python3 is needed"; exit 2; }
command -v pkg-config > /dev/null || { say "pkg-config is needed"; exit 2; }
mkdir -p "$OUT"

# Debian packages installed on demand (as root, the way CI runs).
apt_install() {
	[ "$(id -u)" = 0 ] || return 1
	apt-get install -y -q "$@" > "$OUT/apt.log" 2>&1 ||
	    { apt-get update -q > /dev/null 2>&1 &&
	      apt-get install -y -q "$@" > "$OUT/apt.log" 2>&1; }
}

# build DIR: the program, the plugins it runs, and the test evaluator the
# benchmarks fall back to while the drl plugin does not build.
build() {
	log="$OUT/build-$(basename "$1").log"
	say "building in $1"
	make -C "$1" -j2 src/cloudengine plugins/in_file.la plugins/out_stdout.la \
	    tests/contract/ev_script.la > "$log" 2>&1 ||
	    { tail -20 "$log" >&2; say "build failed"; exit 2; }
	make -C "$1" -j2 plugins/ev_drl.la >> "$log" 2>&1 ||
	    say "the drl plugin does not build: measuring the plumbing with the test evaluator"
}

# baseline NAME LIBS...: json-c parse only, -O2 as a default build, linked
# with the allocator NAME.  Rebuilt every time: it takes a moment and can
# never be stale.
baseline() {
	name=$1
	shift
	# shellcheck disable=SC2046
	cc -O2 -o "$OUT/jsonc_parse-$name" "$BENCH/jsonc_parse.c" \
	    $(pkg-config --cflags --libs json-c) "$@" ||
	    { say "cannot build the json-c baseline"; exit 2; }
}

# allocator NAME: bench/out/build-NAME configured --with-allocator=NAME
# and built, and its baseline.
allocator() {
	if [ "$1" = jemalloc ]; then pc=jemalloc pkg=libjemalloc-dev
	else pc=libtcmalloc_minimal pkg=libgoogle-perftools-dev; fi
	pkg-config --exists "$pc" || apt_install "$pkg" ||
	    { say "cannot install $pkg"; exit 2; }
	abuild="$OUT/build-$1"
	if [ ! -f "$abuild/Makefile" ]; then
		mkdir -p "$abuild"
		say "configuring $abuild --with-allocator=$1"
		(cd "$abuild" && "$SRCDIR/configure" -q --with-allocator="$1") ||
		    { say "configure failed"; exit 2; }
	fi
	build "$abuild"
	# shellcheck disable=SC2046
	baseline "$1" -Wl,--no-as-needed $(pkg-config --libs "$pc")
}

case $ALLOCATOR in
system)
	build "$BUILD"
	baseline system
	;;
jemalloc|tcmalloc)
	allocator "$ALLOCATOR"
	BUILD="$OUT/build-$ALLOCATOR"
	;;
*) say "unknown allocator '$ALLOCATOR'"; usage ;;
esac
case ,$SECTIONS, in
*,alloc,*)
	[ "$ALLOCATOR" = system ] || { say "--sections alloc compares with the system build: leave out --allocator"; exit 2; }
	allocator jemalloc
	allocator tcmalloc
	;;
esac
JSONC="$OUT/jsonc_parse-$ALLOCATOR"

command -v jq > /dev/null || apt_install jq || say "no jq: its rows are left out"
# GNU time measures peak RSS of each command (see bench.py).
[ -x /usr/bin/time ] || apt_install time ||
    say "no GNU time: peak RSS figures include the Python parent's"
JQ=$(command -v jq || :)

status=0
if [ -n "$PY_SECTIONS" ]; then
	python3 "$BENCH/bench.py" --builddir "$BUILD" --out "$OUT" \
	    --gen-corpus "$GEN" --jsonc-parse "$JSONC" ${JQ:+--jq "$JQ"} \
	    --allocator "$ALLOCATOR" --sections "$PY_SECTIONS" \
	    --records "$RECORDS" $QUICK || status=$?
fi
for script in $SCRIPTS; do
	# lambda_init.sh wants the Lambda input built; the others build
	# what they need themselves.
	if [ "$script" = lambda_init.sh ]; then
		make -C "$BUILD" -j2 plugins/in_lambda.la >> "$OUT/build-$(basename "$BUILD").log" 2>&1 ||
		    say "plugins/in_lambda.la does not build"
	fi
	say "running bench/$script $BUILD"
	echo
	sh "$BENCH/$script" "$BUILD" || { say "bench/$script failed"; status=1; }
done
exit $status
