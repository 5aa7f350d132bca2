#!/usr/bin/env python3
"""sigv4_peer.py - a loopback proxy that checks the AWS Signature Version 4
of every request with botocore (the reference implementation) and refuses
a mismatch, so tests can prove the signing of SNS, SQS and S3 requests.

  sigv4_peer.py --port-file FILE --log FILE [--upstream URL]
                [--credentials FILE] [--region REGION] [--skew SECONDS]

--port-file  the port it bound on 127.0.0.1 is written there (atomically)
             once it accepts connections; poll for the file.
--log        one JSON line per request is appended:
               {"n", "method", "path", "service", "expected_service",
                "region", "access_key", "token": true|false,
                "signed_headers": [...], "verdict": "ok"|"refused",
                "code", "reason", "status"}
             Secrets and session tokens are never written, only whether
             a token was sent.
--upstream   where good requests are forwarded (e.g. fauxqs,
             http://127.0.0.1:PORT); the answer is relayed unchanged.
             Without it the peer answers itself: an SNS PublishResponse,
             "{}" for SQS, an empty 200 for S3.
--credentials  a JSON file {"ACCESS_KEY_ID": {"secret": "...",
             "token": "..."|null}, ...}: the keys the peer knows and the
             session token each must come with (null or absent = the
             request must carry none).  Default: AWS_ACCESS_KEY_ID,
             AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN from the
             environment (token optional).
--region     the only region accepted in the credential scope (default:
             any).
--skew       how far X-Amz-Date may be from the local clock (default 900 s).

The service a request is for is told by its shape, as AWS routes them:
  POST, Content-Type application/x-www-form-urlencoded  -> sns (query)
  POST, Content-Type application/x-amz-json-1.0 with
        X-Amz-Target AmazonSQS.*                        -> sqs (JSON 1.0)
  anything else                                         -> s3
and the credential scope must name that service.  S3 requests must carry
x-amz-content-sha256 (the body's SHA-256 or UNSIGNED-PAYLOAD); any request
that carries it must carry the right one.

Refusals are 403 (400 for a missing x-amz-content-sha256) with an AWS-style error body in the service's protocol:
XML ErrorResponse (SNS), JSON with __type and x-amzn-query-error (SQS),
XML Error (S3), a signature mismatch echoing the canonical request and
string to sign as AWS does (the log keeps only the first sentence); codes SignatureDoesNotMatch, InvalidClientTokenId,
IncompleteSignature, MissingAuthenticationToken, RequestTimeTooSkewed,
InvalidAccessKeyId / InvalidToken (S3).  Binds 127.0.0.1 only; HTTP/1.1
keep-alive; stops on SIGTERM.
"""
import argparse
import datetime
import hashlib
import hmac
import http.client
import http.server
import json
import os
import re
import signal
import sys
import threading
import urllib.parse
import uuid
from xml.sax.saxutils import escape

from botocore.auth import S3SigV4Auth, SigV4Auth
from botocore.awsrequest import AWSRequest, HTTPHeaders
from botocore.credentials import Credentials

EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
AUTH_RE = re.compile(
    r"^AWS4-HMAC-SHA256\s+Credential=([^,\s]+),\s*"
    r"SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]{64})$")
HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection",
              "transfer-encoding", "upgrade", "te", "trailer"}

MISMATCH = ("The request signature we calculated does not match the "
            "signature you provided. Check your AWS Secret Access Key and "
            "signing method. Consult the service documentation for details.")

LOCK = threading.Lock()
COUNT = [0]


class Refusal(Exception):
    """A request the peer refuses: an AWS error code and a message."""

    def __init__(self, code, message, status=403):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.detail = ""


def exact_signer(base):
    """A botocore signer class that signs exactly the headers the request
    named in SignedHeaders, at the request's own X-Amz-Date."""

    class Exact(base):
        def __init__(self, credentials, service, region, signed):
            super().__init__(credentials, service, region)
            self.signed = signed

        def headers_to_sign(self, request):
            chosen = HTTPHeaders()
            for name in self.signed:
                for value in request.headers.get_all(name) or []:
                    chosen[name] = value
            return chosen

    return Exact


SIGNERS = {"s3": exact_signer(S3SigV4Auth)}
DEFAULT_SIGNER = exact_signer(SigV4Auth)


def service_of(method, headers):
    ctype = (headers.get("content-type") or "").split(";")[0].strip().lower()
    if method == "POST" and ctype == "application/x-www-form-urlencoded":
        return "sns"
    if (method == "POST" and ctype == "application/x-amz-json-1.0" and
            (headers.get("x-amz-target") or "").startswith("AmazonSQS.")):
        return "sqs"
    return "s3"


def load_credentials(path):
    if path:
        with open(path) as f:
            raw = json.load(f)
        return {k: (v["secret"], v.get("token")) for k, v in raw.items()}
    key = os.environ.get("AWS_ACCESS_KEY_ID")
    secret = os.environ.get("AWS_SECRET_ACCESS_KEY")
    if not key or not secret:
        sys.exit("sigv4_peer: no --credentials and no AWS_ACCESS_KEY_ID / "
                 "AWS_SECRET_ACCESS_KEY in the environment")
    return {key: (secret, os.environ.get("AWS_SESSION_TOKEN") or None)}


def parse_authorization(value):
    m = AUTH_RE.match(value or "")
    if not m:
        raise Refusal("IncompleteSignature",
                      "Authorization header is not AWS4-HMAC-SHA256 "
                      "Credential=..., SignedHeaders=..., Signature=...")
    scope = m.group(1).split("/")
    if len(scope) != 5 or scope[4] != "aws4_request":
        raise Refusal("IncompleteSignature",
                      "Credential must be KEY/DATE/REGION/SERVICE/"
                      "aws4_request")
    signed = m.group(2).split(";")
    if signed != sorted(set(signed)) or any(s != s.lower() for s in signed):
        raise Refusal("IncompleteSignature",
                      "SignedHeaders must be lower case, sorted, unique")
    return scope, signed, m.group(3)


def check_date(amz_date, scope_date, skew):
    try:
        when = datetime.datetime.strptime(
            amz_date or "", "%Y%m%dT%H%M%SZ").replace(
                tzinfo=datetime.timezone.utc)
    except ValueError:
        raise Refusal("IncompleteSignature",
                      "X-Amz-Date is missing or not YYYYMMDDTHHMMSSZ")
    if scope_date != amz_date[:8]:
        raise Refusal("SignatureDoesNotMatch",
                      "credential scope date is not the date of X-Amz-Date")
    now = datetime.datetime.now(datetime.timezone.utc)
    if abs((now - when).total_seconds()) > skew:
        raise Refusal("RequestTimeTooSkewed",
                      "The difference between the request time and the "
                      "current time is too large.")


def check_payload_hash(service, headers, body):
    claimed = headers.get("x-amz-content-sha256")
    if claimed is None:
        if service == "s3":
            raise Refusal("InvalidRequest",
                          "Missing required header for this request: "
                          "x-amz-content-sha256", 400)
        return
    if claimed == "UNSIGNED-PAYLOAD" and service == "s3":
        return
    if claimed != hashlib.sha256(body).hexdigest():
        raise Refusal("XAmzContentSHA256Mismatch" if service == "s3" else
                      "SignatureDoesNotMatch",
                      "The provided 'x-amz-content-sha256' header does not "
                      "match what was computed.")


def verify(cfg, method, path, headers, body, record):
    """Raise Refusal unless the request is signed right; fill record."""
    service = service_of(method, headers)
    record["expected_service"] = service
    record["token"] = "x-amz-security-token" in headers
    if "authorization" not in headers:
        raise Refusal("MissingAuthenticationToken",
                      "Request is missing Authentication Token")
    scope, signed, signature = parse_authorization(headers["authorization"])
    key, scope_date, region, scope_service = scope[:4]
    record.update(access_key=key, region=region, service=scope_service,
                  signed_headers=signed)
    if scope_service != service:
        raise Refusal("SignatureDoesNotMatch",
                      "Credential should be scoped to correct service: "
                      "'%s', not '%s'." % (service, scope_service))
    if cfg.region and region != cfg.region:
        raise Refusal("SignatureDoesNotMatch",
                      "Credential should be scoped to a valid region, "
                      "not '%s'." % region)
    for must in ("host", "x-amz-date"):
        if must not in signed:
            raise Refusal("SignatureDoesNotMatch",
                          "SignedHeaders must include %s" % must)
    for name in signed:
        if name not in headers:
            raise Refusal("SignatureDoesNotMatch",
                          "header '%s' is signed but was not sent" % name)
    if key not in cfg.credentials:
        raise Refusal("InvalidAccessKeyId" if service == "s3" else
                      "InvalidClientTokenId",
                      "The security token included in the request is "
                      "invalid.")
    secret, token = cfg.credentials[key]
    sent_token = headers.get("x-amz-security-token")
    if token is not None and sent_token is None:
        raise Refusal("InvalidClientTokenId" if service != "s3" else
                      "InvalidToken",
                      "The security token included in the request is "
                      "invalid (none was sent for temporary credentials).")
    if sent_token is not None and not hmac.compare_digest(
            sent_token.encode(), (token or "").encode()):
        raise Refusal("InvalidClientTokenId" if service != "s3" else
                      "InvalidToken",
                      "The security token included in the request is "
                      "invalid.")
    if sent_token is not None and "x-amz-security-token" not in signed:
        raise Refusal("SignatureDoesNotMatch",
                      "x-amz-security-token is sent but not signed")
    check_date(headers.get("x-amz-date"), scope_date, cfg.skew)
    check_payload_hash(service, headers, body)

    request = AWSRequest(method=method, url="http://%s%s" % (
        headers["host"], path), data=body)
    for name, value in headers.items():
        request.headers[name] = value
    request.context["timestamp"] = headers["x-amz-date"]
    signer = SIGNERS.get(service, DEFAULT_SIGNER)(
        Credentials(key, secret, token), scope_service, region, signed)
    canonical = signer.canonical_request(request)
    sts = signer.string_to_sign(request, canonical)
    expected = signer.signature(sts, request)
    if not hmac.compare_digest(expected, signature):
        refusal = Refusal("SignatureDoesNotMatch", MISMATCH)
        # As AWS does: the canonical request (session token included) is
        # echoed in the error body, so clients must keep it out of logs.
        refusal.detail = ("\n\nThe Canonical String for this request "
                          "should have been\n'%s'\n\nThe String-to-Sign "
                          "should have been\n'%s'\n" % (canonical, sts))
        raise refusal


def error_answer(service, refusal):
    """(headers, body) of an AWS-style 403 for the service's protocol."""
    rid = str(uuid.uuid4())
    if service == "sns":
        body = ("<ErrorResponse xmlns=\"http://sns.amazonaws.com/doc/"
                "2010-03-31/\"><Error><Type>Sender</Type><Code>%s</Code>"
                "<Message>%s</Message></Error><RequestId>%s</RequestId>"
                "</ErrorResponse>" % (refusal.code,
                                      escape(refusal.message +
                                             refusal.detail), rid))
        return {"Content-Type": "text/xml"}, body.encode()
    if service == "sqs":
        body = json.dumps({"__type": "com.amazon.coral.service#" +
                           refusal.code,
                           "message": refusal.message + refusal.detail})
        return {"Content-Type": "application/x-amz-json-1.0",
                "x-amzn-query-error": refusal.code + ";Sender",
                "x-amzn-RequestId": rid}, body.encode()
    body = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>%s"
            "</Code><Message>%s</Message><RequestId>%s</RequestId></Error>"
            % (refusal.code, escape(refusal.message + refusal.detail), rid))
    return {"Content-Type": "application/xml"}, body.encode()


def own_answer(service):
    """(headers, body) of a plausible success when there is no upstream."""
    rid = str(uuid.uuid4())
    if service == "sns":
        body = ("<PublishResponse xmlns=\"http://sns.amazonaws.com/doc/"
                "2010-03-31/\"><PublishResult><MessageId>%s</MessageId>"
                "</PublishResult><ResponseMetadata><RequestId>%s</RequestId>"
                "</ResponseMetadata></PublishResponse>" % (uuid.uuid4(), rid))
        return {"Content-Type": "text/xml"}, body.encode()
    if service == "sqs":
        return {"Content-Type": "application/x-amz-json-1.0"}, b"{}"
    return {"Content-Type": "application/octet-stream"}, b""


class Upstream:
    """One keep-alive connection to the upstream per peer thread."""

    def __init__(self, url):
        parts = urllib.parse.urlsplit(url)
        if parts.scheme != "http" or parts.hostname not in (
                "127.0.0.1", "localhost", "::1"):
            sys.exit("sigv4_peer: --upstream must be http://127.0.0.1:PORT")
        self.host = parts.hostname
        self.port = parts.port or 80
        self.local = threading.local()

    def forward(self, method, path, headers, body):
        for attempt in (1, 2):
            conn = getattr(self.local, "conn", None)
            if conn is None:
                conn = http.client.HTTPConnection(self.host, self.port,
                                                  timeout=60)
                self.local.conn = conn
            try:
                conn.request(method, path, body=body, headers=headers)
                resp = conn.getresponse()
                data = resp.read()
                return resp.status, resp.getheaders(), data
            except (http.client.HTTPException, OSError):
                conn.close()
                self.local.conn = None
                if attempt == 2:
                    raise
        raise RuntimeError("unreachable")


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self, status, headers, body):
        self.send_response(status)
        for name, value in headers:
            if name.lower() in HOP_BY_HOP or name.lower() == "content-length":
                continue
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def handle_any(self):
        cfg = self.server.cfg
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {}
        for name, value in self.headers.items():
            lname = name.lower()
            if lname in headers:	# repeated: merged, as AWS does
                headers[lname] += "," + value
            else:
                headers[lname] = value
        record = {"method": self.command, "path": self.path}
        try:
            verify(cfg, self.command, self.path, headers, body, record)
        except Refusal as refusal:
            record.update(verdict="refused", code=refusal.code,
                          reason=refusal.message, status=refusal.status)
            self.log(record)
            eh, eb = error_answer(record["expected_service"], refusal)
            self.answer(refusal.status, list(eh.items()), eb)
            return
        record["verdict"] = "ok"
        if cfg.upstream is None:
            oh, ob = own_answer(record["expected_service"])
            record["status"] = 200
            self.log(record)
            self.answer(200, list(oh.items()), ob)
            return
        fwd = {k: v for k, v in self.headers.items()
               if k.lower() not in HOP_BY_HOP and
               k.lower() != "content-length"}
        try:
            status, rh, rb = cfg.upstream.forward(self.command, self.path,
                                                  fwd, body)
        except (http.client.HTTPException, OSError) as e:
            record.update(status=502, reason="upstream: %s" % e)
            self.log(record)
            self.answer(502, [("Content-Type", "text/plain")],
                        b"upstream unreachable\n")
            return
        record["status"] = status
        self.log(record)
        self.answer(status, rh, rb)

    def log(self, record):
        with LOCK:
            COUNT[0] += 1
            record["n"] = COUNT[0]
            with open(self.server.cfg.log, "a") as f:
                f.write(json.dumps(record, sort_keys=True) + "\n")

    do_GET = do_POST = do_PUT = do_HEAD = do_DELETE = handle_any


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--upstream")
    ap.add_argument("--credentials")
    ap.add_argument("--region")
    ap.add_argument("--skew", type=int, default=900)
    args = ap.parse_args()
    args.credentials = load_credentials(args.credentials)
    args.upstream = Upstream(args.upstream) if args.upstream else None

    server = Server(("127.0.0.1", 0), Handler)
    server.cfg = args
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % server.server_address[1])
    os.replace(tmp, args.port_file)
    try:
        server.serve_forever()
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
