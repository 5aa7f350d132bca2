#!/usr/bin/env python3
"""http_peer.py - a loopback HTTP server for output tests: it records every
request and answers as a script says, so tests can inject 429, 5xx,
Retry-After, slow answers and dropped connections.

  http_peer.py [--tls CERTFILE KEYFILE] PORTFILE LOGFILE [SCRIPT]

Binds 127.0.0.1 on a free port, writes the port to PORTFILE (atomically),
speaks HTTPS with the given certificate and key after --tls,
and appends each request to LOGFILE as one JSON line:
  {"n", "method", "path", "headers" (lower-cased names), "body", "answer",
   "t" (arrival, epoch seconds as a float), "port" (the client's port:
   one per connection, so keep-alive shows as a repeated port),
   "body_utf8" (false when the body's bytes are not valid UTF-8; "body"
   then shows them replaced by U+FFFD)}

SCRIPT, if given, is a JSON file re-read on every request:
  {"answers": [ANSWER, ...],   consumed one per request, in order
   "default": ANSWER,          once the list is used up (default: 202 "{}")
   "every": N, "every_answer": ANSWER}   optional: every Nth request
                                         (after the list) gets every_answer
ANSWER = {"status": 503, "headers": {"Retry-After": "1"}, "body": "...",
          "delay_ms": 0, "drop": false}
"drop": true closes the connection without answering.
"retry_after_date": N adds Retry-After as an HTTP-date N seconds after
the request arrived.  Consumed answers
are removed from the file, so a test can append new ones between phases.
Keep-alive is supported (HTTP/1.1), as the outputs reuse connections.
"""
import email.utils
import http.server
import json
import os
import socket
import sys
import threading
import time

LOCK = threading.Lock()
COUNT = [0]


def next_answer(script_path):
    default = {"status": 202, "body": "{}"}
    if not script_path or not os.path.exists(script_path):
        return default
    with open(script_path) as f:
        script = json.load(f)
    answers = script.get("answers", [])
    if answers:
        answer = answers.pop(0)
        script["answers"] = answers
        tmp = script_path + ".tmp"
        with open(tmp, "w") as f:
            json.dump(script, f)
        os.replace(tmp, script_path)
        return answer
    every = script.get("every")
    if every and COUNT[0] % every == 0:
        return script.get("every_answer", default)
    return script.get("default", default)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def setup(self):
        super().setup()
        # Headers and body go out in two writes: without this, Nagle's
        # algorithm holds the body until the client's delayed ACK (40 ms
        # a request on a kept-alive connection).
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, *args):
        pass

    def handle_any(self):
        arrived = time.time()
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        try:
            body.decode("utf-8")
            valid = True
        except UnicodeDecodeError:
            valid = False
        with LOCK:
            COUNT[0] += 1
            n = COUNT[0]
            answer = next_answer(SCRIPT)
            entry = {"n": n, "method": self.command, "path": self.path,
                     "headers": {k.lower(): v for k, v in self.headers.items()},
                     "body": body.decode("utf-8", "replace"), "answer": answer,
                     "t": arrived, "port": self.client_address[1],
                     "body_utf8": valid}
            with open(LOG, "a") as f:
                f.write(json.dumps(entry) + "\n")
        if answer.get("delay_ms"):
            time.sleep(answer["delay_ms"] / 1000.0)
        if answer.get("drop"):
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            self.close_connection = True
            return
        data = answer.get("body", "").encode()
        headers = dict(answer.get("headers", {}))
        if "retry_after_date" in answer:
            headers["Retry-After"] = email.utils.formatdate(
                arrived + answer["retry_after_date"], usegmt=True)
        try:
            self.send_response(answer.get("status", 202))
            for k, v in headers.items():
                self.send_header(k, v)
            if "Content-Type" not in answer.get("headers", {}):
                self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except OSError:
            # The client gave up first (a delay beyond its timeout).
            self.close_connection = True

    do_GET = do_POST = do_PUT = do_DELETE = handle_any


if __name__ == "__main__":
    args = sys.argv[1:]
    TLS = None
    if args[:1] == ["--tls"]:
        TLS, args = args[1:3], args[3:]
    PORTFILE, LOG = args[0], args[1]
    SCRIPT = args[2] if len(args) > 2 else None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    if TLS:
        import ssl
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(TLS[0], TLS[1])
        server.socket = ctx.wrap_socket(server.socket, server_side=True)
    with open(PORTFILE + ".tmp", "w") as f:
        f.write(str(server.server_address[1]))
    os.replace(PORTFILE + ".tmp", PORTFILE)
    server.serve_forever()
