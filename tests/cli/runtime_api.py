#!/usr/bin/env python3
"""runtime_api.py - a loopback stand-in for the AWS Lambda Runtime API
(2018-06-01), following AWS's documented protocol: GET
/runtime/invocation/next hands out queued events with the documented
headers; POST .../{id}/response and .../{id}/error record the answer (once
per request id: a second answer or an unknown id is refused as the real
service does); POST /runtime/init/error records an init failure.

  runtime_api.py PORTFILE LOGFILE [EVENT_FILE...]

Binds 127.0.0.1 on a free port and writes the port to PORTFILE.  Every
request is appended to LOGFILE as one JSON line {"method", "path",
"headers", "body"}.  Each EVENT_FILE is one invocation payload; when they
are all answered, /next blocks until the process is killed, as the real
service does between invocations.
"""
import http.server
import json
import sys
import threading
import time
import uuid

API = "/2018-06-01"


class State:
    def __init__(self, events, log):
        self.events = list(events)
        self.log = log
        self.lock = threading.Lock()
        self.current = None
        self.answered = set()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def record(self, body):
        entry = {"method": self.command, "path": self.path,
                 "headers": {k.lower(): v for k, v in self.headers.items()},
                 "body": body.decode("utf-8", "replace")}
        with STATE.lock, open(STATE.log, "a") as f:
            f.write(json.dumps(entry) + "\n")

    def reply(self, status, body=b"", headers=None):
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        self.record(b"")
        if self.path != API + "/runtime/invocation/next":
            return self.reply(404, b'{"errorType":"NotFound"}')
        while True:
            with STATE.lock:
                if STATE.events:
                    payload = STATE.events.pop(0)
                    STATE.current = str(uuid.uuid4())
                    rid = STATE.current
                    break
            time.sleep(0.05)
        deadline = int(time.time() * 1000) + 30000
        self.reply(200, payload, {
            "Lambda-Runtime-Aws-Request-Id": rid,
            "Lambda-Runtime-Deadline-Ms": str(deadline),
            "Lambda-Runtime-Invoked-Function-Arn":
                "arn:aws:lambda:us-east-1:123456789012:function:cloudengine",
            "Lambda-Runtime-Trace-Id": "Root=1-00000000-000000000000000000000000;Sampled=0",
        })

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        self.record(body)
        if self.path == API + "/runtime/init/error":
            return self.reply(202, b'{"status":"OK"}')
        parts = self.path[len(API):].split("/")
        # ['', 'runtime', 'invocation', ID, 'response'|'error']
        if len(parts) != 5 or parts[1:3] != ["runtime", "invocation"] or \
                parts[4] not in ("response", "error"):
            return self.reply(404, b'{"errorType":"NotFound"}')
        with STATE.lock:
            if parts[3] != STATE.current:
                return self.reply(400, b'{"errorType":"InvalidRequestID"}')
            if parts[3] in STATE.answered:
                return self.reply(403, b'{"errorType":"InvalidStateTransition"}')
            STATE.answered.add(parts[3])
        self.reply(202, b'{"status":"OK"}')


if __name__ == "__main__":
    portfile, logfile = sys.argv[1], sys.argv[2]
    events = [open(p, "rb").read() for p in sys.argv[3:]]
    STATE = State(events, logfile)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    with open(portfile + ".tmp", "w") as f:
        f.write(str(server.server_address[1]))
    import os
    os.rename(portfile + ".tmp", portfile)
    server.serve_forever()
