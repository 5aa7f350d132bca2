#!/bin/sh
# A single 200 MB {"Records":[...]} document, plain and gzip'd, goes
# through the file input with memory that stays flat: the child's peak RSS
# stays under 64 MiB, and every record is seen.
. "$(dirname "$0")/lib.sh"

[ -n "${PYTHON3:-}" ] || skip "no python3"
MB=${CE_LARGE_FILE_MB:-200}
LIMIT_KB=65536
# Sanitizers and valgrind hold freed memory on purpose: RSS means nothing there.
measure=1
if ldd "$CE_BIN" 2>/dev/null | grep -q -e libasan -e libtsan; then
	measure=0
fi

n=$("$PYTHON3" "$(dirname "$0")/rss.py" gen "$TMP/trail.json" "$MB")
"$PYTHON3" "$(dirname "$0")/rss.py" gen "$TMP/trail.json.gz" "$MB" --gzip > /dev/null
expected=$(( (n + 99) / 100 ))

for f in trail.json trail.json.gz; do
	rm -f "$TMP/alerts.jsonl"
	cat > "$TMP/ce.conf" <<CONF
plugin_dirs = [ "$CONTRACT_PLUGINS" ];
workers = 2;
inputs = ( { plugin = "file"; paths = [ "$f" ]; } );
evaluator = { plugin = "script"; rule = "trail deleted"; event_name = "DeleteTrail"; outputs = [ "log" ]; };
outputs = ( { plugin = "script"; name = "log"; log = "alerts.jsonl"; } );
CONF
	set -- $("$PYTHON3" "$(dirname "$0")/rss.py" run "$CE_BIN" run -c "$TMP/ce.conf")
	peak=$1 status=$2
	assert_status 0 "$status" "run over $f"
	[ "$(lines "$TMP/alerts.jsonl")" = "$expected" ] ||
		fail "$f: $(lines "$TMP/alerts.jsonl") alerts, expected $expected"
	echo "$f: $n records, peak RSS $peak KiB"
	if [ "$measure" = 1 ] && [ "$peak" -ge "$LIMIT_KB" ]; then
		fail "$f: peak RSS $peak KiB, limit $LIMIT_KB KiB"
	fi
done
echo "PASS: large file"
