#!/usr/bin/env python3
"""check_answers.py - reads the log of runtime_api.py and checks the
runtime kept the protocol: exactly one answer per invocation, each
accepted (202), none for an id never handed out, and /next called again
only after the previous invocation was answered.

  check_answers.py LOG          print one line per invocation, in order:
                                "N response MARGIN BODY" or
                                "N error MARGIN ERRORTYPE MESSAGE", where
                                MARGIN is how many ms before the deadline
                                the answer came; exit 1 on a violation
  check_answers.py --count LOG  print how many invocations were answered
"""
import json
import sys

API = "/2018-06-01/runtime/invocation/"


def load(path):
    try:
        with open(path) as f:
            return [json.loads(line) for line in f if line.strip()]
    except FileNotFoundError:
        return []


def answer_of(entry):
    """(request id, kind) of a POST answering an invocation, else None."""
    if entry["method"] != "POST" or not entry["path"].startswith(API):
        return None
    rid, _, kind = entry["path"][len(API):].partition("/")
    return rid, kind


def main(argv):
    count = argv[0] == "--count"
    entries = load(argv[-1])
    answers = [(e, answer_of(e)) for e in entries if answer_of(e)]
    if count:
        print(len(answers))
        return 0
    problems = []
    invocations = [e for e in entries if e["method"] == "INVOKE"]
    by_id = {}
    for e, (rid, kind) in answers:
        by_id.setdefault(rid, []).append((e, kind))
        if e.get("status") != 202:
            problems.append("answer refused (%s): %s" % (e.get("status"),
                                                       e["path"]))
    known = {i["request_id"] for i in invocations}
    for rid in by_id:
        if rid not in known:
            problems.append("answer for an id never handed out: " + rid)
    # Between two invocations there must be an answer: a GET /next while
    # an invocation is unanswered would leave it to time out.
    open_id = None
    for e in entries:
        a = answer_of(e)
        if e["method"] == "INVOKE":
            open_id = e["request_id"]
        elif a and a[0] == open_id:
            open_id = None
        elif e["method"] == "GET" and open_id is not None:
            problems.append("GET /next before answering " + open_id)
    for n, inv in enumerate(invocations, 1):
        got = by_id.get(inv["request_id"], [])
        if len(got) != 1:
            problems.append("invocation %d (%s): %d answers" %
                            (n, inv["request_id"], len(got)))
            continue
        e, kind = got[0]
        margin = int(inv["deadline_ms"] - e["time"] * 1000)
        if kind == "response":
            print("%d response %d %s" % (n, margin, e["body"]))
        else:
            body = json.loads(e["body"])
            header = e["headers"].get("lambda-runtime-function-error-type")
            if header != body.get("errorType") or \
                    body.get("stackTrace") != [] or \
                    not isinstance(body.get("errorMessage"), str):
                problems.append("invocation %d: malformed error %r" %
                                (n, e))
            print("%d error %d %s %s" % (n, margin, body.get("errorType"),
                                         body.get("errorMessage")))
    for p in problems:
        print("PROTOCOL: " + p, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
