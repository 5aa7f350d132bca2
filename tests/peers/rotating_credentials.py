#!/usr/bin/env python3
"""rotating_credentials.py - a loopback credentials endpoint that hands out
a new key pair on every fetch, and the SigV4 checker of sigv4_peer.py in
front of an upstream (fauxqs) that knows exactly those keys and refuses
each one once it has expired, so tests can prove that temporary
credentials are refreshed in time and that no request is signed with an
expired key.

  rotating_credentials.py --port-file FILE --log FILE --keys FILE
                          --upstream URL --lifetime SECONDS
                          [--margin SECONDS] [--region REGION]
                          [--hang SECONDS --hang-every SECONDS]
                          [--transit SECONDS]
                          [--outage SECONDS --outage-at SECONDS]

--port-file  "CREDENTIALS_PORT SIGV4_PORT" is written there (atomically)
             once both accept connections on 127.0.0.1; poll for it.
--log        the checker's JSON lines, as sigv4_peer.py writes them, plus
             "t" (when the request came in, epoch seconds), "late" (how
             long after its key was due to be replaced, in seconds:
             negative when the key was still fresh) and "expired".
--keys       one JSON line per key handed out: {"n", "access_key",
             "source": "container"|"imds", "issued", "expires"} (epoch
             seconds; never the secret or the token).
--lifetime   each key's Expiration is this many seconds after the fetch
             (fractional, written with milliseconds).
--margin     how long before Expiration a client is meant to replace a
             key (default 300: the engine's refresh margin); only used to
             compute "late".
--hang, --hang-every
             a credentials fetch waits --hang seconds before it mints its
             key when --hang-every seconds have passed since the last
             such wait ended (as a slow metadata service would): clients
             must not keep signing with a key that expires meanwhile.
--outage, --outage-at
             credentials fetches fail (HTTP 500) for --outage seconds,
             --outage-at seconds after the start: clients must not go on
             signing with the key they have until it expires.
--transit    judge each request as if it had come in this many seconds
             later (default 0), as over a real network to AWS: a key
             handed out just before it expires is then refused.

The credentials endpoint answers, as ECS/EKS and EC2 do:
  GET  /creds                     container credentials (the value of
                                  AWS_CONTAINER_CREDENTIALS_FULL_URI)
  PUT  /latest/api/token          an IMDSv2 session token (needs
                                  X-aws-ec2-metadata-token-ttl-seconds)
  GET  /latest/meta-data/iam/security-credentials/[ROLE]
                                  the role name, then the role's
                                  credentials (needs the session token;
                                  401 without it, as IMDSv2 does)
Refusals of the checker are sigv4_peer.py's, plus ExpiredToken (403, "The
security token included in the request is expired") for a known key past
its Expiration when the request arrives (plus --transit).  Binds 127.0.0.1 only; stops on
SIGTERM.
"""
import argparse
import datetime
import http.server
import json
import os
import secrets
import signal
import socket
import sys
import threading
import time

# The checker this one extends, imported from beside this file without
# writing its bytecode into the source tree.
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sigv4_peer  # noqa: E402

ROLE = "cloudengine-test-role"
CREDS_PATH = "/latest/meta-data/iam/security-credentials/"


class Keys:
    """Every key handed out, by access key id; the checker's credential
    table.  Looking up an expired key raises the refusal AWS answers."""

    def __init__(self, lifetime, margin, transit, path):
        self.lifetime = lifetime
        self.margin = margin
        self.transit = transit
        self.path = path
        self.lock = threading.Lock()
        self.keys = {}

    def mint(self, source):
        with self.lock:
            n = len(self.keys) + 1
            issued = time.time()
            key = {"n": n, "access_key": "ASIAROTATING%06d" % n,
                   "source": source, "issued": round(issued, 3),
                   "expires": round(issued + self.lifetime, 3)}
            secret = "rotating-secret-" + secrets.token_hex(20)
            token = "rotating-token-" + secrets.token_urlsafe(48)
            self.keys[key["access_key"]] = (secret, token, key)
            with open(self.path, "a") as f:
                f.write(json.dumps(key, sort_keys=True) + "\n")
        stamp = datetime.datetime.fromtimestamp(
            key["expires"], datetime.timezone.utc)
        return {"Code": "Success", "Type": "AWS-HMAC",
                "AccessKeyId": key["access_key"], "SecretAccessKey": secret,
                "Token": token, "LastUpdated": stamp.strftime(
                    "%Y-%m-%dT%H:%M:%SZ"),
                "Expiration": stamp.strftime("%Y-%m-%dT%H:%M:%S.") +
                "%03dZ" % (stamp.microsecond // 1000)}

    def info(self, access_key):
        with self.lock:
            entry = self.keys.get(access_key)
        return entry[2] if entry else None

    # The two methods sigv4_peer.verify() uses on its credential table.
    def __contains__(self, access_key):
        with self.lock:
            return access_key in self.keys

    def __getitem__(self, access_key):
        with self.lock:
            secret, token, key = self.keys[access_key]
        if time.time() + self.transit >= key["expires"]:
            raise sigv4_peer.Refusal(
                "ExpiredToken",
                "The security token included in the request is expired")
        return secret, token


def no_delay(handler):
    """Headers and body go out in two writes: without this, Nagle and
    delayed ACKs hold every answer for 40 ms."""
    handler.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class Checker(sigv4_peer.Handler):
    """sigv4_peer's handler, logging when each request came in and how its
    key stood then."""

    def setup(self):
        super().setup()
        no_delay(self)

    def handle_any(self):
        self.arrived = time.time()
        super().handle_any()

    def log(self, record):
        keys = self.server.cfg.credentials
        key = keys.info(record.get("access_key"))
        record["t"] = round(self.arrived, 3)
        if key is not None:
            due = key["expires"] - keys.margin
            record["late"] = round(self.arrived - due, 3)
            record["expired"] = \
                self.arrived + keys.transit >= key["expires"]
        super().log(record)

    do_GET = do_POST = do_PUT = do_HEAD = do_DELETE = handle_any


class Credentials(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def setup(self):
        super().setup()
        no_delay(self)

    def log_message(self, *args):
        pass

    def reply(self, status, body, ctype="text/plain"):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_PUT(self):
        if self.path != "/latest/api/token":
            return self.reply(404, "not found")
        if not self.headers.get("X-aws-ec2-metadata-token-ttl-seconds"):
            return self.reply(400, "missing the token TTL header")
        token = secrets.token_urlsafe(32)
        with self.server.lock:
            self.server.imds_tokens.add(token)
        return self.reply(200, token)

    def slow(self):
        """Wait, now and then, before answering a credentials fetch."""
        cfg = self.server.cfg
        if not cfg.hang:
            return
        with self.server.lock:
            now = time.monotonic()
            due = now - self.server.last_hang >= cfg.hang_every
            if due:		# counted from the end of this one
                self.server.last_hang = now + cfg.hang
        if due:
            time.sleep(cfg.hang)

    def down(self):
        """Whether the endpoint is in its outage."""
        cfg = self.server.cfg
        t = time.monotonic() - self.server.started
        return cfg.outage_at <= t < cfg.outage_at + cfg.outage

    def do_GET(self):
        keys = self.server.keys
        if self.path == "/creds" or self.path.startswith(CREDS_PATH + ROLE):
            self.slow()
            if self.down():
                return self.reply(500, "unavailable")
        if self.path == "/creds":
            return self.reply(200, json.dumps(keys.mint("container")),
                              "application/json")
        if not self.path.startswith(CREDS_PATH):
            return self.reply(404, "not found")
        with self.server.lock:
            known = self.headers.get("X-aws-ec2-metadata-token") in \
                self.server.imds_tokens
        if not known:
            return self.reply(401, "")
        role = self.path[len(CREDS_PATH):]
        if role == "":
            return self.reply(200, ROLE)
        if role != ROLE:
            return self.reply(404, "not found")
        return self.reply(200, json.dumps(keys.mint("imds")),
                          "application/json")


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True


def serve(server):
    threading.Thread(target=server.serve_forever, daemon=True).start()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--keys", required=True)
    ap.add_argument("--upstream", required=True)
    ap.add_argument("--lifetime", type=float, required=True)
    ap.add_argument("--margin", type=float, default=300.0)
    ap.add_argument("--region")
    ap.add_argument("--hang", type=float, default=0.0)
    ap.add_argument("--hang-every", type=float, default=3.0)
    ap.add_argument("--transit", type=float, default=0.0)
    ap.add_argument("--outage", type=float, default=0.0)
    ap.add_argument("--outage-at", type=float, default=1.0)
    args = ap.parse_args()

    keys = Keys(args.lifetime, args.margin, args.transit, args.keys)
    creds = Server(("127.0.0.1", 0), Credentials)
    creds.keys = keys
    creds.lock = threading.Lock()
    creds.imds_tokens = set()
    creds.cfg = args
    creds.last_hang = creds.started = time.monotonic()
    checker = Server(("127.0.0.1", 0), Checker)
    checker.cfg = argparse.Namespace(
        log=args.log, credentials=keys, region=args.region, skew=900,
        upstream=sigv4_peer.Upstream(args.upstream))

    signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
    serve(creds)
    serve(checker)
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d %d\n" % (creds.server_address[1],
                             checker.server_address[1]))
    os.replace(tmp, args.port_file)
    signal.pause()


if __name__ == "__main__":
    main()
