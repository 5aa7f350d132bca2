# sqs_lib.sh - shared by the sqs_*.sh and s3_*.sh tests: fauxqs with the
# queues, topics and bucket a test declares, messages of every shape the
# `sqs` input accepts, CloudTrail log files built from the corpus, queue
# inspection, the idempotency keys alerts must carry, and the daemon's
# configuration.  Sourced after lib.sh, never run.
#
#   sqs_start INIT_JSON    start fauxqs (exports FAUXQS_URL) and clean
#                          the environment: test credentials, region
#                          us-east-1, S3 endpoint = fauxqs, no proxy
#   sqs_py CMD ARGS...     the helper below (see its commands)
#   sqs_conf FILE INPUT-OPTS EVALUATOR-OPTS OUTPUTS
#                          write a configuration: one sqs input named
#                          "ct", the script evaluator, the given outputs;
#                          $SQS_RETRY replaces the retry settings,
#                          $SQS_WAIT the long-poll wait (1 s)
#   running CMD...         CMD, after checking that the engine started
#                          by start_engine is still running (for
#                          wait_for: a dead engine fails at once)
#   queue_count NAME [ready|inflight|all]
#   have_keys EXPECTED LOG  every expected key has an "ok" line in LOG
#   same_keys EXPECTED LOG  and no other key has one (fails otherwise)

. "$CE_TOP_SRCDIR/tests/peers/fauxqs.sh"

# The rule the script evaluator fires; keys are derived from it.
RULE="sqs test rule"

sqs_start() {
	fauxqs_start "$1"
	# Nothing from the machine's own AWS or proxy setup may leak in.
	unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_ENDPOINT_URL \
	    AWS_ENDPOINT_URL_SQS AWS_ROLE_ARN AWS_WEB_IDENTITY_TOKEN_FILE \
	    AWS_CONTAINER_CREDENTIALS_FULL_URI \
	    AWS_CONTAINER_CREDENTIALS_RELATIVE_URI AWS_SESSION_TOKEN \
	    AWS_DEFAULT_REGION http_proxy https_proxy HTTP_PROXY HTTPS_PROXY \
	    ALL_PROXY all_proxy 2>/dev/null || :
	export AWS_SHARED_CREDENTIALS_FILE="$TMP/no-credentials"
	export AWS_CONFIG_FILE="$TMP/no-config"
	export AWS_EC2_METADATA_DISABLED=true
	export NO_PROXY='*' no_proxy='*'
	export AWS_ACCESS_KEY_ID=AKIDTEST AWS_SECRET_ACCESS_KEY=test-secret
	export AWS_REGION=us-east-1
	# The core fetches S3 objects named by notifications from here.
	export AWS_ENDPOINT_URL_S3="$FAUXQS_URL"
}

# sqs_conf FILE INPUT-OPTS EVALUATOR-OPTS OUTPUTS
sqs_conf() {
	cat > "$1" <<CONF
plugin_dirs = [ "$CONTRACT_PLUGINS" ];
log_level = "info";
workers = 2;
retry = { ${SQS_RETRY:-max_attempts = 5; max_time_ms = 60000; base_delay_ms = 10; max_delay_ms = 5000;} };
inputs = ( { plugin = "sqs"; name = "ct"; endpoint = "$FAUXQS_URL"; wait_seconds = ${SQS_WAIT:-1}; $2 } );
evaluator = { plugin = "script"; rule = "$RULE"; $3 };
outputs = ( $4 );
CONF
}

running() {
	kill -0 "$CE_PID" 2>/dev/null || {
		cat "$TMP/stderr" >&2
		fail "cloudengine exited early"
	}
	"$@"
}

queue_count() {
	sqs_py count "$1" "${2:-all}"
}

have_keys() {
	sqs_py keys-check "$1" "$2" subset
}

same_keys() {
	sqs_py keys-check "$1" "$2" exact || fail "alerts: see above"
}

# queue_is COUNT NAME [WHICH]: for wait_for.
queue_is() {
	[ "$(queue_count "$2" "${3:-all}")" = "$1" ]
}

# sqs_py COMMAND ARGS...
#   url QUEUE                    the queue's URL (exactly as fauxqs has it)
#   send QUEUE FILE...           each file's content as one message; prints
#                                the MessageIds
#   send-lines QUEUE FILE        each line of FILE as one message (batches
#                                of 10); prints "MessageId<TAB>line"
#   publish TOPIC FILE           SNS Publish of the file's content
#   put BUCKET KEY FILE          S3 PutObject (the key is percent-encoded)
#   count QUEUE ready|inflight|all
#   ids QUEUE                    "ready|inflight ID RECEIVES" lines
#   logfile DIR PREFIX:N...      for each PREFIX:N, DIR/PREFIX.json.gz: a
#                                gzip'd CloudTrail log file of N records
#                                (corpus lines under Apache-2.0 or MIT-0,
#                                else synthetic) with eventIDs
#                                PREFIX-NNNN, listed in DIR/PREFIX.ids
#   record ID NAME               a CloudTrail record (JSON, one line)
#   eventbridge ID NAME          that record in an EventBridge event
#   sns FILE                     FILE's content in a non-raw SNS envelope
#   s3note BUCKET KEY...         an S3 notification (keys form-encoded)
#   ctnote BUCKET KEY...         CloudTrail's own notification
#   testevent                    S3's s3:TestEvent
#   keys-check IDS LOG subset|exact
#                                the keys of RULE for the eventIDs in IDS
#                                against the "ok" lines of LOG
#   attempts LOG ID              lines of LOG for that eventID's key
sqs_py() {
	"$PYTHON3" - "$@" <<'PY'
import gzip, hashlib, json, os, sys, urllib.error, urllib.parse
import urllib.request

URL = os.environ.get("FAUXQS_URL", "")
RULE = "sqs test rule"


def sqs(target, body):
    req = urllib.request.Request(URL + "/", data=json.dumps(body).encode(),
        headers={"Content-Type": "application/x-amz-json-1.0",
                 "X-Amz-Target": "AmazonSQS." + target})
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.load(r)


def queue_url(name):
    return sqs("GetQueueUrl", {"QueueName": name})["QueueUrl"]


def inspect(name):
    with urllib.request.urlopen(URL + "/_fauxqs/queues/" + name,
                                timeout=30) as r:
        return json.load(r)["messages"]


def key_of(event_id):
    return hashlib.sha256(b"cloudengine-alert-v1\0id:" +
                          event_id.encode() + b"\0" + RULE.encode()).hexdigest()


def record(event_id, name, base=None):
    r = dict(base) if base else {
        "eventVersion": "1.08", "eventTime": "2024-05-01T12:00:00Z",
        "eventSource": "iam.amazonaws.com", "awsRegion": "us-east-1",
        "sourceIPAddress": "203.0.113.9", "userAgent": "aws-cli/2",
        "recipientAccountId": "111122223333",
        "userIdentity": {"type": "IAMUser",
                         "arn": "arn:aws:iam::111122223333:user/alice"},
        "requestParameters": {"userName": "bob"}}
    r["eventID"] = event_id
    if name:
        r["eventName"] = name
    return r


def corpus():
    shared = os.environ.get("CE_SHARED_DIR", "")
    ndjson = os.path.join(shared, "corpus", "events.ndjson")
    tsv = os.path.join(shared, "corpus", "events.provenance.tsv")
    if not shared or not os.path.exists(ndjson):
        return []
    ok = set()
    with open(tsv) as f:
        head = f.readline().rstrip("\n").split("\t")
        for line in f:
            row = dict(zip(head, line.rstrip("\n").split("\t")))
            if row.get("license") in ("Apache-2.0", "MIT-0"):
                ok.add(int(row["line"]))
    out = []
    with open(ndjson) as f:
        for n, line in enumerate(f, 1):
            if n in ok:
                out.append(json.loads(line))
    return out


def main(argv):
    cmd = argv[0]
    if cmd == "url":
        print(queue_url(argv[1]))
    elif cmd == "send":
        url = queue_url(argv[1])
        for path in argv[2:]:
            with open(path) as f:
                body = f.read()
            print(sqs("SendMessage", {"QueueUrl": url,
                                      "MessageBody": body})["MessageId"])
    elif cmd == "send-lines":
        url = queue_url(argv[1])
        with open(argv[2]) as f:
            lines = [l.rstrip("\n") for l in f if l.strip()]
        for i in range(0, len(lines), 10):
            chunk = lines[i:i + 10]
            got = sqs("SendMessageBatch", {"QueueUrl": url, "Entries": [
                {"Id": str(k), "MessageBody": b}
                for k, b in enumerate(chunk)]})
            assert not got.get("Failed"), got
            for s in sorted(got["Successful"], key=lambda s: int(s["Id"])):
                print("%s\t%s" % (s["MessageId"], chunk[int(s["Id"])]))
    elif cmd == "publish":
        with open(argv[2]) as f:
            body = urllib.parse.urlencode({
                "Action": "Publish", "Version": "2010-03-31",
                "TopicArn": "arn:aws:sns:us-east-1:000000000000:" + argv[1],
                "Message": f.read()}).encode()
        req = urllib.request.Request(URL + "/", data=body, headers={
            "Content-Type": "application/x-www-form-urlencoded"})
        with urllib.request.urlopen(req, timeout=30) as r:
            assert r.status == 200, r.status
    elif cmd == "put":
        with open(argv[3], "rb") as f:
            data = f.read()
        path = "/%s/%s" % (argv[1], urllib.parse.quote(argv[2], safe="/"))
        req = urllib.request.Request(URL + path, data=data, method="PUT",
            headers={"Content-Type": "application/octet-stream"})
        with urllib.request.urlopen(req, timeout=30) as r:
            assert r.status == 200, r.status
    elif cmd == "count":
        m = inspect(argv[1])
        which = argv[2]
        n = 0
        if which in ("ready", "all"):
            n += len(m["ready"]) + len(m["delayed"])
        if which in ("inflight", "all"):
            n += len(m["inflight"])
        print(n)
    elif cmd == "ids":
        m = inspect(argv[1])
        for e in m["ready"] + m["delayed"]:
            print("ready %s %d" % (e["messageId"],
                                   e.get("approximateReceiveCount", 0)))
        for e in m["inflight"]:
            print("inflight %s %d" % (e["message"]["messageId"],
                  e["message"].get("approximateReceiveCount", 0)))
    elif cmd == "logfile":
        base = corpus()
        for spec in argv[2:]:
            prefix, n = spec.split(":")
            recs = [record("%s-%04d" % (prefix, i + 1),
                           None if base else "CreateUser",
                           base[i % len(base)] if base else None)
                    for i in range(int(n))]
            out = os.path.join(argv[1], prefix)
            with gzip.open(out + ".json.gz", "wb") as f:
                f.write(json.dumps({"Records": recs}).encode())
            with open(out + ".ids", "w") as f:
                for r in recs:
                    f.write(r["eventID"] + "\n")
    elif cmd == "record":
        print(json.dumps(record(argv[1], argv[2])))
    elif cmd == "eventbridge":
        print(json.dumps({"version": "0", "id": "eb-" + argv[1],
            "detail-type": "AWS API Call via CloudTrail",
            "source": "aws.iam", "account": "111122223333",
            "time": "2024-05-01T12:00:00Z", "region": "us-east-1",
            "resources": [], "detail": record(argv[1], argv[2])}))
    elif cmd == "sns":
        with open(argv[1]) as f:
            print(json.dumps({"Type": "Notification", "MessageId": "sns-1",
                "TopicArn": "arn:aws:sns:us-east-1:111122223333:trail",
                "Subject": None, "Message": f.read(),
                "Timestamp": "2024-05-01T12:00:00.000Z",
                "SignatureVersion": "1", "Signature": "EXAMPLE",
                "SigningCertURL": "https://example.com/cert.pem",
                "UnsubscribeURL": "https://example.com/unsubscribe",
                "MessageAttributes": {}}))
    elif cmd == "s3note":
        print(json.dumps({"Records": [{"eventVersion": "2.1",
            "eventSource": "aws:s3", "awsRegion": "us-east-1",
            "eventTime": "2024-05-01T12:05:00.000Z",
            "eventName": "ObjectCreated:Put",
            "userIdentity": {"principalId": "AWS:CLOUDTRAIL"},
            "s3": {"s3SchemaVersion": "1.0", "configurationId": "ct",
                   "bucket": {"name": argv[1],
                              "arn": "arn:aws:s3:::" + argv[1]},
                   "object": {"key": urllib.parse.quote_plus(k, safe="/"),
                              "size": 1}}} for k in argv[2:]]}))
    elif cmd == "ctnote":
        print(json.dumps({"s3Bucket": argv[1], "s3ObjectKey": argv[2:]}))
    elif cmd == "testevent":
        print(json.dumps({"Service": "Amazon S3", "Event": "s3:TestEvent",
            "Time": "2024-05-01T12:00:00.000Z", "Bucket": "trail-bucket",
            "RequestId": "R", "HostId": "H"}))
    elif cmd == "keys-check":
        with open(argv[1]) as f:
            want = {key_of(l.strip()) for l in f if l.strip()}
        got = set()
        if os.path.exists(argv[2]):
            with open(argv[2]) as f:
                for line in f:
                    a = json.loads(line)
                    if a["answer"] == "ok":
                        got.add(a["key"])
        missing = want - got
        extra = got - want
        if argv[3] == "exact" and (missing or extra):
            sys.stderr.write("%d key(s) missing, %d unexpected\n" %
                             (len(missing), len(extra)))
        if missing or (argv[3] == "exact" and extra):
            sys.exit(1)
    elif cmd == "attempts":
        key = key_of(argv[2])
        n = 0
        if os.path.exists(argv[1]):
            with open(argv[1]) as f:
                n = sum(1 for l in f if json.loads(l)["key"] == key)
        print(n)
    else:
        sys.exit("sqs_py: unknown command " + cmd)


main(sys.argv[1:])
PY
}
