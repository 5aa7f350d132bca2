#!/bin/sh
# No file descriptor leaks: the engine reads a directory of documents (good
# ones, gzip'd ones, corrupt gzip, binary data, truncated JSON) and then
# blocks on a FIFO, the last of its paths.  Blocked there, it holds the
# same number of descriptors whether the directory held 10 documents or
# 400: every document's descriptor was closed, on success and on failure.
# Linux only (/proc/PID/fd).
. "$(dirname "$0")/lib.sh"

[ -d /proc/self/fd ] || skip "no /proc/PID/fd"

mkdir "$TMP/rules"
cat > "$TMP/rules/all.drl" <<'DRL'
import cloudengine.AlertServices.*;
rule "*: every record"
when
	$map : Map()
then
	new Out().report($map, drools.getRule().getName());
end
DRL

# make_docs DIR N: N documents, one in ten of each bad kind.
make_docs() {
	mkdir -p "$1"
	i=0
	while [ "$i" -lt "$2" ]; do
		f=$(printf '%s/doc%04d' "$1" "$i")
		rec="{\"eventVersion\":\"1.08\",\"eventID\":\"$i\",\"eventSource\":\"iam.amazonaws.com\",\"eventName\":\"ListUsers\",\"eventTime\":\"2024-01-01T00:00:00Z\"}"
		case $(( i % 10 )) in
		1)	printf '%s\n' "$rec" | gzip -c > "$f.json.gz" ;;
		2)	printf '\037\213\010\000not-deflate' > "$f.json.gz" ;;
		3)	printf '\177ELF\002\001\001\000\000\000\377' > "$f.bin" ;;
		4)	printf '{"eventSource":"iam.amazonaws.com","eventN' > "$f.json" ;;
		*)	printf '%s\n' "$rec" > "$f.json" ;;
		esac
		i=$(( i + 1 ))
	done
}

# Alerts expected from N documents (N a multiple of 10): kinds 0, 1 and
# 5..9 give one each.
expected_alerts() {
	echo $(( $1 / 10 * 7 ))
}

# fds_after N: run over N documents, then count the engine's descriptors
# while it waits on its FIFO; prints the count.
fds_after() {
	dir=$TMP/docs$1
	make_docs "$dir" "$1"
	fifo=$TMP/fifo$1
	mkfifo "$fifo"
	cat > "$TMP/ce$1.conf" <<CONF
workers = 2;
inputs = ( { plugin = "file"; paths = [ "$dir", "$fifo" ]; } );
evaluator = { plugin = "drl"; rules = [ "$TMP/rules" ]; };
outputs = ( { plugin = "stdout"; name = "out"; aliases = [ "Out" ]; event = "none"; } );
CONF
	# Dumpable, so that /proc/PID/fd is readable without root.
	CLOUDENGINE_DUMPABLE=1 "$CE_BIN" run -c "$TMP/ce$1.conf" \
	    > "$TMP/out$1" 2> "$TMP/err$1" &
	pid=$!
	CE_PIDS="$CE_PIDS $pid"
	# Hold the FIFO open so the engine blocks reading it.
	exec 9> "$fifo"
	want=$(expected_alerts "$1")
	wait_for 120 at_least "$want" "$TMP/out$1"
	# The directory is done: wait until the engine settles on the FIFO
	# (the same count twice, 100 ms apart), then count.
	prev=-1
	n=$(ls "/proc/$pid/fd" | wc -l)
	tries=0
	while [ "$n" != "$prev" ] && [ "$tries" -lt 100 ]; do
		prev=$n
		sleep 0.1
		n=$(ls "/proc/$pid/fd" | wc -l)
		tries=$(( tries + 1 ))
	done
	exec 9>&-
	[ "$n" -gt 2 ] || fail "cannot count the descriptors in /proc/$pid/fd"
	status=0
	wait "$pid" || status=$?
	# Bad documents make the run exit 1; a crash would be >= 128.
	[ "$status" -lt 128 ] || fail "$1 documents: killed by signal $(( status - 128 ))"
	[ "$(lines "$TMP/out$1")" = "$want" ] ||
		fail "$1 documents: $(lines "$TMP/out$1") alerts, expected $want"
	echo "$n"
}

small=$(fds_after 10)
large=$(fds_after 400)
echo "descriptors while blocked: $small after 10 documents, $large after 400"
[ "$large" -le "$small" ] ||
	fail "descriptors grew from $small to $large: a document's descriptor leaked"
echo "PASS: no file descriptor leak"
