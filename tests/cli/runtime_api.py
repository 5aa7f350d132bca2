#!/usr/bin/env python3
"""runtime_api.py - a loopback stand-in for the AWS Lambda Runtime API
(2018-06-01), following AWS's documented protocol: GET
/runtime/invocation/next hands out queued events with the documented
headers; POST .../{id}/response and .../{id}/error record the answer (once
per request id: a second answer or an unknown id is refused as the real
service does); POST /runtime/init/error records an init failure.

  runtime_api.py [OPTIONS] PORTFILE LOGFILE [EVENT_FILE...]

Binds 127.0.0.1 on a free port and writes the port to PORTFILE.  Every
request is appended to LOGFILE as one JSON line {"method", "path",
"headers", "body", "time"} (POSTs also get the "status" answered); each
invocation handed out adds {"method": "INVOKE", "request_id",
"deadline_ms", "time"}.  Each EVENT_FILE is one invocation payload; when
they are all answered, /next blocks until the process is killed, as the
real service does between invocations.

Options:
  --deadline-ms N       each invocation's deadline, N ms after it is
                        handed out (default 30000)
  --lowercase-headers   send the Lambda-Runtime-* headers in lower case
                        (header names are case-insensitive)
  --when-empty STATUS   once the events are exhausted, answer /next with
                        this HTTP status instead of blocking (500 tells
                        the runtime that the container is broken)
"""
import http.server
import json
import os
import sys
import threading
import time
import uuid

API = "/2018-06-01"


class State:
    def __init__(self, events, log, deadline_ms, lowercase, when_empty):
        self.events = list(events)
        self.log = log
        self.deadline_ms = deadline_ms
        self.lowercase = lowercase
        self.when_empty = when_empty
        self.lock = threading.Lock()
        self.cond = threading.Condition(self.lock)
        self.current = None
        self.answered = set()

    def write(self, entry):
        entry["time"] = time.time()
        with open(self.log, "a") as f:
            f.write(json.dumps(entry) + "\n")


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def entry(self, body):
        return {"method": self.command, "path": self.path,
                "headers": {k.lower(): v for k, v in self.headers.items()},
                "body": body.decode("utf-8", "replace")}

    def reply(self, status, body=b"", headers=None):
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k.lower() if STATE.lowercase else k, v)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        with STATE.lock:
            STATE.write(self.entry(b""))
        if self.path != API + "/runtime/invocation/next":
            return self.reply(404, b'{"errorType":"NotFound"}')
        with STATE.cond:
            while not STATE.events and not STATE.when_empty:
                STATE.cond.wait()
            if not STATE.events:
                return self.reply(STATE.when_empty,
                                  b'{"errorType":"Runtime.ContainerError"}')
            payload = STATE.events.pop(0)
            STATE.current = str(uuid.uuid4())
            rid = STATE.current
            deadline = int(time.time() * 1000) + STATE.deadline_ms
            STATE.write({"method": "INVOKE", "path": self.path,
                         "request_id": rid, "deadline_ms": deadline})
        self.reply(200, payload, {
            "Lambda-Runtime-Aws-Request-Id": rid,
            "Lambda-Runtime-Deadline-Ms": str(deadline),
            "Lambda-Runtime-Invoked-Function-Arn":
                "arn:aws:lambda:us-east-1:123456789012:function:cloudengine",
            "Lambda-Runtime-Trace-Id": "Root=1-00000000-000000000000000000000000;Sampled=0",
        })

    def answer_status(self):
        if self.path == API + "/runtime/init/error":
            return 202
        parts = self.path[len(API):].split("/")
        # ['', 'runtime', 'invocation', ID, 'response'|'error']
        if len(parts) != 5 or parts[1:3] != ["runtime", "invocation"] or \
                parts[4] not in ("response", "error"):
            return 404
        if parts[3] != STATE.current:
            return 400
        if parts[3] in STATE.answered:
            return 403
        STATE.answered.add(parts[3])
        return 202

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        with STATE.lock:
            status = self.answer_status()
            entry = self.entry(body)
            entry["status"] = status
            STATE.write(entry)
        self.reply(status, {
            202: b'{"status":"OK"}',
            400: b'{"errorType":"InvalidRequestID"}',
            403: b'{"errorType":"InvalidStateTransition"}',
            404: b'{"errorType":"NotFound"}'}[status])


def main(argv):
    deadline_ms, lowercase, when_empty = 30000, False, 0
    while argv and argv[0].startswith("--"):
        opt = argv.pop(0)
        if opt == "--deadline-ms":
            deadline_ms = int(argv.pop(0))
        elif opt == "--lowercase-headers":
            lowercase = True
        elif opt == "--when-empty":
            when_empty = int(argv.pop(0))
        else:
            sys.exit("runtime_api.py: unknown option " + opt)
    portfile, logfile = argv[0], argv[1]
    events = [open(p, "rb").read() for p in argv[2:]]
    global STATE
    STATE = State(events, logfile, deadline_ms, lowercase, when_empty)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    with open(portfile + ".tmp", "w") as f:
        f.write(str(server.server_address[1]))
    os.rename(portfile + ".tmp", portfile)
    server.serve_forever()


if __name__ == "__main__":
    main(sys.argv[1:])
