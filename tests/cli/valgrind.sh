#!/bin/sh
# Memcheck over the integration tests: a representative set of them runs
# with the cloudengine program under valgrind (--error-exitcode, full leak
# check); any invalid read or write, use of uninitialised memory, or
# definite or indirect leak fails the test, with valgrind's report.
# Optional in `make check` (slow): runs only with CE_VALGRIND=1, as CI's
# .ci/run does after the sanitizer pass:
#   CE_VALGRIND=1 make check TESTS=tests/cli/valgrind.sh
# CE_VALGRIND_TESTS overrides the set (names of tests/cli/*.sh).
. "$(dirname "$0")/lib.sh"

[ "${CE_VALGRIND:-0}" = 1 ] || skip "set CE_VALGRIND=1 to run the tests under valgrind"
vg=${VALGRIND:-}
[ -n "$vg" ] || vg=$(command -v valgrind || :)
[ -n "$vg" ] || skip "no valgrind"
if ldd "$CE_BIN" 2>/dev/null | grep -q -e libasan -e libtsan; then
	skip "a sanitizer build: valgrind cannot run it"
fi

here=$(cd "$(dirname "$0")" && pwd)
# Every input format, the drl evaluator, delivery and its failures, the
# limits, and the AWS side (the sqs input, the sns output, SigV4, S3 log
# files through fauxqs: those two skip without node).  About 3 minutes.
tests=${CE_VALGRIND_TESTS:-"bad_input.sh test_cmd.sh run_example.sh delivery.sh hardening_unicode.sh hardening_limits.sh hardening_fd.sh sqs_messages.sh out_sns.sh"}

# The wrapper every test runs as $CE_BIN.  Its own exit status would
# hide among the statuses tests expect, so each process also writes a log
# that is read at the end.
mkdir "$TMP/vg"
cat > "$TMP/cloudengine" <<WRAP
#!/bin/sh
exec "$vg" --tool=memcheck --error-exitcode=99 --leak-check=full \\
	--errors-for-leak-kinds=definite,indirect \\
	--show-leak-kinds=definite,indirect --num-callers=30 \\
	--suppressions="$CE_TOP_SRCDIR/tests/unit/libconfig.supp" \\
	--suppressions="$here/valgrind.supp" \\
	--log-file="$TMP/vg/%p.log" "$CE_BIN" "\$@"
WRAP
chmod +x "$TMP/cloudengine"

failed=""
for t in $tests; do
	start=$(date +%s)
	status=0
	CE_BIN=$TMP/cloudengine CE_UNDER_VALGRIND=1 sh "$here/$t" \
	    > "$TMP/$t.out" 2>&1 || status=$?
	echo "$t: exit $status in $(( $(date +%s) - start ))s"
	case $status in
	0|77)	;;
	*)	tail -20 "$TMP/$t.out"
		failed="$failed $t" ;;
	esac
done

runs=$(ls "$TMP/vg" | wc -l)
[ "$runs" -gt 0 ] || fail "valgrind never ran"
bad=$(grep -L "ERROR SUMMARY: 0 errors" "$TMP/vg"/*.log || :)
for log in $bad; do
	echo "--- $log" >&2
	cat "$log" >&2
done
[ -z "$bad" ] || fail "memcheck found errors in $(echo "$bad" | wc -w) of $runs runs"
[ -z "$failed" ] || fail "under valgrind:$failed"
echo "PASS: valgrind memcheck clean over $runs cloudengine runs ($tests)"
