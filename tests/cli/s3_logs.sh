#!/bin/sh
# CloudTrail log files from S3 through the `sqs` input: the core fetches
# each object an S3 notification or CloudTrail's own notification names
# from fauxqs's S3 (signed GET, path-style; both services found through
# AWS_ENDPOINT_URL), with keys that need decoding
# and re-encoding (space, '+', '%', '=', '&', UTF-8), an organisation
# trail's path, two objects in one notification, a plain (not gzip'd) log
# file and a large one; digests, Insight files, removals and S3's test
# event yield no record and are deleted all the same.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sqs_lib.sh"

cat > "$TMP/init.json" <<'JSON'
{"queues": [{"name": "ct-logs"}], "buckets": ["trail-bucket", "org.trail-bucket"]}
JSON
sqs_start "$TMP/init.json"

ACCT=AWSLogs/111122223333/CloudTrail/us-east-1/2024/05/01
ORG=AWSLogs/o-a1b2c3d4e5/111122223333/CloudTrail/eu-west-1/2024/05/01
K1="$ACCT/111122223333_CloudTrail_us-east-1_20240501T1205Z_sp ace+plus%pct.json.gz"
K2="$ACCT/111122223333_CloudTrail_us-east-1_20240501T1210Z_a=b&c=d~é.json.gz"
K3="$ORG/111122223333_CloudTrail_eu-west-1_20240501T1215Z_org.json.gz"
K4="$ACCT/111122223333_CloudTrail_us-east-1_20240501T1220Z_plain.json.gz"
K5="$ACCT/111122223333_CloudTrail_us-east-1_20240501T1225Z_big.json.gz"
K6="$ACCT/111122223333_CloudTrail_us-east-1_20240501T1230Z_ctnote.json.gz"
DIGEST="AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2024/05/01/111122223333_CloudTrail-Digest_us-east-1_t_us-east-1_20240501T1300Z.json.gz"
INSIGHT="AWSLogs/111122223333/CloudTrail-Insight/us-east-1/2024/05/01/111122223333_CloudTrail-Insight_us-east-1_20240501T1300Z_i.json.gz"

# The big one holds every licensed corpus record (878 of them).
sqs_py logfile "$TMP" l1:10 l2:11 l3:12 l4:13 l5:878 l6:14
gunzip -c "$TMP/l4.json.gz" > "$TMP/l4.json"
sqs_py put trail-bucket "$K1" "$TMP/l1.json.gz"
sqs_py put trail-bucket "$K2" "$TMP/l2.json.gz"
sqs_py put org.trail-bucket "$K3" "$TMP/l3.json.gz"
sqs_py put trail-bucket "$K4" "$TMP/l4.json"
sqs_py put trail-bucket "$K5" "$TMP/l5.json.gz"
sqs_py put trail-bucket "$K6" "$TMP/l6.json.gz"
# A digest that is not even there: never fetched.
cat "$TMP"/l[1-6].ids > "$TMP/expected.ids"

sqs_py s3note trail-bucket "$K1" "$K2" > "$TMP/m1.json"
sqs_py s3note org.trail-bucket "$K3" > "$TMP/m2.json"
sqs_py s3note trail-bucket "$K4" > "$TMP/m3.json"
sqs_py s3note trail-bucket "$K5" > "$TMP/m4.json"
sqs_py ctnote trail-bucket "$K6" "$DIGEST" > "$TMP/ct.json"
sqs_py sns "$TMP/ct.json" > "$TMP/m5.json"
sqs_py s3note trail-bucket "$DIGEST" "$INSIGHT" > "$TMP/m6.json"
sqs_py testevent > "$TMP/m7.json"
sqs_py s3note trail-bucket "$K1" | sed 's/ObjectCreated:Put/ObjectRemoved:Delete/' \
    > "$TMP/m8.json"
sqs_py send ct-logs "$TMP"/m[1-8].json > /dev/null

sqs_conf "$TMP/ce.conf" "queue_url = \"$(sqs_py url ct-logs)\";" \
    'outputs = [ "rec" ];' \
    '{ plugin = "script"; name = "rec"; log = "rec.jsonl"; }'
# Both SQS and S3 found through AWS_ENDPOINT_URL, as the SDKs do.
sed -i "s|endpoint = \"$FAUXQS_URL\"; ||" "$TMP/ce.conf"
unset AWS_ENDPOINT_URL_S3
export AWS_ENDPOINT_URL="$FAUXQS_URL"
start_engine run -c "$TMP/ce.conf"
wait_for 30 running grep -q "endpoint $FAUXQS_URL)" "$TMP/stderr"
wait_for 120 running have_keys "$TMP/expected.ids" "$TMP/rec.jsonl"
wait_for 30 running queue_is 0 ct-logs
kill -TERM "$CE_PID"
wait_engine
assert_status 0 "$CE_STATUS" "every log file read"
same_keys "$TMP/expected.ids" "$TMP/rec.jsonl"
[ "$(lines "$TMP/rec.jsonl")" = "$(lines "$TMP/expected.ids")" ] ||
    fail "each record must alert once"
assert_grep 'cloudengine_input_ct_deleted=8$' "$TMP/stderr" \
    "all 8 messages deleted, those without records too"
assert_grep '"method":"GET","url":"/trail-bucket/AWSLogs/.*_big.json.gz"' \
    "$TMP/fauxqs.log" "fauxqs logs the objects fetched"
assert_grep '"url":"/trail-bucket/.*_sp%20ace%2Bplus%25pct.json.gz"' \
    "$TMP/fauxqs.log" "the key is decoded, then encoded once for the GET"
assert_no_grep 'CloudTrail-(Digest|Insight)' "$TMP/fauxqs.log" \
    "digests and Insight files are never fetched"
echo "PASS: CloudTrail log files from S3"
