"""outputs_check.py - helpers for the python checks of the HTTP output
tests: read what tests/peers/http_peer.py recorded, and fail with a
message that says what was expected."""
import json
import sys


def expect(cond, what):
    """Stop the check with a message unless cond holds."""
    if not cond:
        print("FAIL: " + what, file=sys.stderr)
        sys.exit(1)


def requests(path):
    """The requests the peer recorded, in arrival order."""
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def body(req):
    """The request's body as JSON; it must be valid UTF-8 and valid JSON,
    with no duplicated member."""
    expect(req["body_utf8"], "request %d: body is not valid UTF-8" % req["n"])

    def no_dups(pairs):
        keys = [k for k, _ in pairs]
        expect(len(keys) == len(set(keys)),
               "request %d: duplicated member in %s" % (req["n"], keys))
        return dict(pairs)
    try:
        return json.loads(req["body"], object_pairs_hook=no_dups)
    except ValueError as e:
        expect(False, "request %d: body is not JSON: %s" % (req["n"], e))


def alerts(path):
    """The lines of the stdout output: eventID -> alert."""
    out = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith("{"):
                a = json.loads(line)
                out[a["eventID"]] = a
    return out


def is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)
