#!/usr/bin/env python3
"""gen_rules.py - deterministic benchmark rule packs: N rules in the DRL
subset cloudengine evaluates, and the same rules as one jq program.

  gen_rules.py --sample CORPUS.ndjson -n 1000 --drl DIR [--jq FILE]
               [--seed S] [--budget F]

The rules are drawn from the records of the sample (its first
--sample-records lines), so they test keys and values that occur, spread
the way real rule packs are:

  - nearly every rule is named "<eventSource>: <title>" and so only sees
    that eventSource; about 3% are global ("*: <title>").  Sources are
    picked with weight sqrt(volume), eventNames within a source uniformly,
    read-only calls (Describe*, List*, Get*, Head*, Lookup*) three times
    less often than the others;
  - most rules test eventName with ==, some with in (...), most with more
    conditions on the fields of the records of that eventName;
  - about a third use what an equality index cannot answer: matches,
    contains, startsWith, [*] over arrays, || across fields.

Alerting rules are selective: a rule matching more than
budget * sample / N records of the sample gets one more equality (on a
field of a record of its eventName or source), up to three times, or is
drawn again.  So a pack of any size fires on at most about budget
(default 5%) of the sample's records, as a real pack would.

DIR gets one .drl file per eventSource (as a rule pack is laid out) and
stats.txt.  The jq program prints the name of each rule that fires, once
per (record, rule): its line count is the number of firings, to compare
with `cloudengine test`.  Same sample, N, seed and budget: same bytes.
"""
import argparse
import json
import math
import os
import random
import re
import sys
from collections import Counter, defaultdict

SAFE_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
INDEX = re.compile(r"\[\d+\]")
READ_ONLY = ("Describe", "List", "Get", "Head", "Lookup")
# Identifiers unique per record: a rule testing them would never fire
# again, which no rule pack does.
UNIQUE_LEAVES = {"eventID", "requestID", "eventTime", "sharedEventID",
                 "requestId", "clientToken", "creationDate", "principalId",
                 "accessKeyId", "credentialId", "userId", "startTime",
                 "endTime", "launchTime", "attachTime", "keyFingerprint"}
# Fields (nearly) the same in every record: no rule tests them.
CONSTANT_KEYS = {"eventVersion", "eventType", "eventCategory",
                 "managementEvent", "readOnly", "recipientAccountId",
                 "eventName", "eventSource"}
# Fields of every record of a source, for rules naming no eventName.
SOURCE_FIELDS = ["userIdentity.type", "awsRegion", "userIdentity.accountId",
                 "errorCode", "userIdentity.userName",
                 "userIdentity.sessionContext.sessionIssuer.userName",
                 "userIdentity.invokedBy", "sourceIPAddress"]
STRING_FIELDS = ["userIdentity.arn", "userAgent", "sourceIPAddress",
                 "userIdentity.sessionContext.sessionIssuer.arn",
                 "errorMessage", "errorCode"]

# kind -> weight; NON_EQUALITY are what an equality index cannot answer.
KINDS = [("name", 14), ("name_field", 28), ("in", 14), ("not", 5),
         ("range", 3), ("matches", 9), ("contains", 8), ("star", 9),
         ("or", 7), ("starts", 3)]
NON_EQUALITY = {"matches", "contains", "star", "or", "starts"}


def flatten(obj, key, out):
    """Scalar leaves of a record as (flat key, value) in document order, as
    json-flattener names them; subtrees under keys it would quote are left
    out (rules here never need them)."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            if SAFE_KEY.match(k):
                flatten(v, key + "." + k if key else k, out)
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            flatten(v, "%s[%d]" % (key, i), out)
    elif obj is not None:
        out.append((key, obj))


def flat_record(rec):
    """The flat map of a record, plus, for the "[*]" conditions, each key
    with one index made [*] -> the set of values under it."""
    leaves = []
    flatten(rec, "", leaves)
    flat = {sys.intern(k): v for k, v in leaves}
    for k, v in leaves:
        if "[" not in k:
            continue
        for m in INDEX.finditer(k):
            star = sys.intern(k[:m.start()] + "[*]" + k[m.end():])
            flat.setdefault(star, set()).add(v)
    return flat


class Sample:
    """What the rules are drawn from: flat records by (source, name)."""

    def __init__(self, path, limit):
        self.records = defaultdict(list)	# (src, name) -> [flat]
        self.total = 0
        with open(path, encoding="utf-8") as f:
            for line in f:
                if self.total >= limit:
                    break
                rec = json.loads(line)
                pair = (rec.get("eventSource"), rec.get("eventName"))
                if isinstance(pair[0], str) and isinstance(pair[1], str):
                    self.records[pair].append(flat_record(rec))
                    self.total += 1
        if not self.records:
            sys.exit("gen_rules.py: %s: no records" % path)
        self.sources = Counter()
        self.names = defaultdict(list)
        self.by_source = defaultdict(list)
        for (src, name), recs in sorted(self.records.items()):
            self.sources[src] += len(recs)
            self.names[src].append(name)
            self.by_source[src].extend(recs)
        self.all = [r for s in sorted(self.by_source) for r in self.by_source[s]]

    def candidates(self, src, names):
        """The records a rule can match: its source's, or its eventNames'."""
        if names is not None:
            srcs = [src] if src else sorted(self.names)
            return [r for s in srcs for n in sorted(names) for r in self.records.get((s, n), ())]
        return self.by_source[src] if src else self.all


def is_number(x):
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def drl_string(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def drl_value(v):
    return drl_string(v) if isinstance(v, str) else json.dumps(v)


def jq_path(key):
    """Flat key "a.b[0].c" as the jq path .["a"]["b"][0]["c"]."""
    out = []
    for part in key.split("."):
        m = re.match(r"^([^\[]*)((?:\[\d+\])*)$", part)
        out.append('["%s"]' % m.group(1))
        out.extend(INDEX.findall(m.group(2)))
    return "." + "".join(out)


def usable(key, value):
    leaf = INDEX.sub("", key.rsplit(".", 1)[-1])
    if leaf in UNIQUE_LEAVES or key in CONSTANT_KEYS or "[*]" in key:
        return False
    if isinstance(value, str):
        return 0 < len(value) <= 120 and "\n" not in value
    return is_number(value) and isinstance(value, int)


class Cond:
    """One condition, three ways: DRL, jq, and a Python predicate over a
    flat record (to measure how selective it is).  names: the eventNames
    it requires, when it requires some."""

    def __init__(self, drl, jq, py, names=None):
        self.drl, self.jq, self.py, self.names = drl, jq, py, names


def c_eq(key, value, negate=False):
    op = "!=" if negate else "=="
    names = {value} if key == "eventName" and not negate else None
    if negate:
        py = lambda r: r.get(key) != value	# noqa: E731 (missing: true, as in Drools)
    else:
        py = lambda r: r.get(key) == value	# noqa: E731
    return Cond('this["%s"] %s %s' % (key, op, drl_value(value)),
                "(%s %s %s)" % (jq_path(key), op, json.dumps(value)), py, names)


def c_order(key, op, value):
    ops = {"<": lambda a, b: a < b, "<=": lambda a, b: a <= b,
           ">": lambda a, b: a > b, ">=": lambda a, b: a >= b}[op]
    # jq orders null below numbers; DRL never orders a missing key.
    return Cond('this["%s"] %s %s' % (key, op, drl_value(value)),
                '(%s | type == "number" and . %s %s)' % (jq_path(key), op, json.dumps(value)),
                lambda r: is_number(r.get(key)) and ops(r.get(key), value))


def c_in(key, values, negate=False):
    drl = 'this["%s"] %sin (%s)' % (key, "not " if negate else "",
                                    ", ".join(drl_value(v) for v in values))
    jq = "(%s | %s)" % (jq_path(key), " or ".join(". == %s" % json.dumps(v) for v in values))
    vs = set(values)
    if negate:
        return Cond(drl, "(%s | not)" % jq, lambda r: r.get(key) not in vs)
    return Cond(drl, jq, lambda r: r.get(key) in vs,
                set(values) if key == "eventName" else None)


def c_matches(key, regex):
    # DRL matches the whole string (Java's String.matches): anchor for jq.
    rx = re.compile(regex)
    return Cond('this["%s"] matches %s' % (key, drl_string(regex)),
                "(%s | m(%s))" % (jq_path(key), json.dumps("^(?:" + regex + ")$")),
                lambda r: isinstance(r.get(key), str) and rx.fullmatch(r[key]) is not None)


def c_contains(key, frag):
    return Cond('this["%s"] contains %s' % (key, drl_string(frag)),
                "(%s | c(%s))" % (jq_path(key), json.dumps(frag)),
                lambda r: isinstance(r.get(key), str) and frag in r[key])


def c_starts(key, prefix, method):
    drl = ('this["%s"].startsWith(%s)' if method else
           'this["%s"] str[startsWith] %s') % (key, drl_string(prefix))
    return Cond(drl, "(%s | sw(%s))" % (jq_path(key), json.dumps(prefix)),
                lambda r: isinstance(r.get(key), str) and r[key].startswith(prefix))


def c_star(key, value):
    """key holds one [*]: some element of the array there has value."""
    prefix, suffix = key.split("[*]", 1)
    inner = "." + jq_path("x" + suffix)[len('.["x"]'):] if suffix else "."
    return Cond('this["%s"] == %s' % (key, drl_value(value)),
                "any(%s[]?; %s == %s)" % (jq_path(prefix), inner, json.dumps(value)),
                lambda r: value in r.get(key, ()))


def c_and(conds, comma=False):
    names = None
    for c in conds:
        if c.names is not None:
            names = c.names if names is None else names & c.names
    return Cond((", " if comma else " && ").join(c.drl for c in conds),
                "(" + " and ".join(c.jq for c in conds) + ")",
                lambda r: all(c.py(r) for c in conds), names)


def c_or(conds):
    names = None
    if all(c.names is not None for c in conds):
        names = set().union(*(c.names for c in conds))
    return Cond("(" + " || ".join(c.drl for c in conds) + ")",
                "(" + " or ".join(c.jq for c in conds) + ")",
                lambda r: any(c.py(r) for c in conds), names)


def c_not(cond):
    return Cond("!(%s)" % cond.drl, "(%s | not)" % cond.jq, lambda r: not cond.py(r))


class Generator:
    def __init__(self, sample, seed, limit):
        self.s = sample
        self.r = random.Random(seed)
        self.limit = limit
        self.src_list = sorted(sample.sources)
        self.src_weights = [math.sqrt(sample.sources[s]) for s in self.src_list]

    def pick_source(self):
        return self.r.choices(self.src_list, self.src_weights)[0]

    def pick_name(self, src):
        names = self.s.names[src]
        w = [0.33 if n.startswith(READ_ONLY) else 1.0 for n in names]
        return self.r.choices(names, w)[0]

    def pick_record(self, src, name=None):
        return self.r.choice(self.s.records[(src, name or self.pick_name(src))])

    def pick_field(self, rec, keys=None, want=None, avoid=()):
        """A usable (key, value) of rec, or None."""
        cands = sorted((k, v) for k, v in rec.items()
                       if (keys is None or k in keys) and k not in avoid and usable(k, v)
                       and (want is None or isinstance(v, want)))
        return self.r.choice(cands) if cands else None

    def fragment(self, value):
        """A substring of value of safe characters, 4..16 long, or None."""
        runs = [m.group(0) for m in re.finditer(r"[A-Za-z0-9_:/@-]{4,}", value)]
        if not runs:
            return None
        run = self.r.choice(runs)
        n = min(len(run), self.r.randint(4, 16))
        i = self.r.randint(0, len(run) - n)
        return run[i:i + n]

    def maybe_name(self, name, cond, p=0.5):
        return c_and([c_eq("eventName", name), cond]) if self.r.random() < p else cond

    # Each kind returns (Cond, title), or None when the records drawn give
    # it nothing to work with (the caller draws again).
    def k_name(self, src):
        name = self.pick_name(src)
        return c_eq("eventName", name), name

    def k_name_field(self, src):
        name = self.pick_name(src)
        f = self.pick_field(self.pick_record(src, name))
        if f is None:
            return None
        return c_and([c_eq("eventName", name), c_eq(*f)], comma=self.r.random() < 0.3), \
            "%s %s" % (name, f[0])

    def k_in(self, src):
        names = self.s.names[src]
        chosen = sorted(self.r.sample(names, min(len(names), self.r.randint(2, 5))))
        cond = c_in("eventName", chosen)
        f = self.pick_field(self.pick_record(src, chosen[0]), SOURCE_FIELDS)
        if f is not None and self.r.random() < 0.5:
            cond = c_and([cond, c_eq(*f)])
        return cond, "any of %d calls" % len(chosen)

    def k_not(self, src):
        name = self.pick_name(src)
        f = self.pick_field(self.pick_record(src, name))
        if f is None:
            return None
        if self.r.random() < 0.5:
            g = self.pick_field(self.pick_record(src, name), [f[0]])
            vals = sorted({f[1], g[1] if g else f[1]}, key=str)
            return c_and([c_eq("eventName", name), c_in(f[0], vals, negate=True)]), name + " not usual"
        if self.r.random() < 0.5:
            return c_and([c_eq("eventName", name), c_eq(f[0], f[1], negate=True)]), name + " unusual"
        return c_and([c_eq("eventName", name), c_not(c_eq(*f))]), name + " unusual"

    def k_range(self, src):
        name = self.pick_name(src)
        f = self.pick_field(self.pick_record(src, name), want=int)
        if f is None:
            return None
        op = self.r.choice(["<", "<=", ">", ">="])
        return c_and([c_eq("eventName", name), c_order(f[0], op, f[1])]), name + " range"

    def string_field(self, src, name):
        rec = self.pick_record(src, name)
        keys = STRING_FIELDS if self.r.random() < 0.5 else None
        return self.pick_field(rec, keys, want=str) or self.pick_field(rec, want=str)

    def k_matches(self, src):
        name = self.pick_name(src)
        f = self.string_field(src, name)
        frag = f and self.fragment(f[1])
        if not frag:
            return None
        if self.r.random() < 0.7:
            regex = ".*%s.*" % frag
        else:
            regex = "%s.*" % frag if f[1].startswith(frag) else ".*%s" % frag
        return self.maybe_name(name, c_matches(f[0], regex)), "%s matches" % f[0]

    def k_contains(self, src):
        name = self.pick_name(src)
        f = self.string_field(src, name)
        frag = f and self.fragment(f[1])
        if not frag:
            return None
        return self.maybe_name(name, c_contains(f[0], frag)), "%s contains" % f[0]

    def k_starts(self, src):
        name = self.pick_name(src)
        f = self.string_field(src, name)
        if f is None or len(f[1]) < 4:
            return None
        prefix = f[1][:self.r.randint(3, min(len(f[1]), 24))]
        return self.maybe_name(name, c_starts(f[0], prefix, self.r.random() < 0.5), 0.7), \
            "%s prefix" % f[0]

    def k_star(self, src):
        # Arrays live in few eventNames: look through all of the source's.
        names = list(self.s.names[src])
        self.r.shuffle(names)
        for name in names:
            rec = self.pick_record(src, name)
            arr = sorted(k for k, v in rec.items() if "[" in k and "[*]" not in k and usable(k, v))
            if not arr:
                continue
            k = self.r.choice(arr)
            m = self.r.choice(list(INDEX.finditer(k)))
            key = k[:m.start()] + "[*]" + k[m.end():]
            return self.maybe_name(name, c_star(key, rec[k]), 0.6), "some %s" % key
        return None

    def k_or(self, src):
        rec = self.pick_record(src)
        a = self.pick_field(rec, SOURCE_FIELDS)
        b = self.pick_field(self.pick_record(src), STRING_FIELDS + SOURCE_FIELDS, avoid={a[0]} if a else ())
        if a is None or b is None:
            return None
        left = c_eq(*a)
        if self.r.random() < 0.5:
            left = c_and([c_eq("eventName", rec["eventName"]), left])
        return c_or([left, c_eq(*b)]), "%s or %s" % (a[0], b[0])

    def selective(self, cond, src):
        """cond, with up to three more equalities until it matches at most
        limit records of the sample; None if it still matches more."""
        cands = self.s.candidates(src, cond.names)
        hits = [r for r in cands if cond.py(r)]
        used = set()
        for _ in range(3):
            if len(hits) <= self.limit:
                return cond
            rec = self.r.choice(cands)
            f = self.pick_field(rec, avoid=used)
            if f is None:
                return None
            used.add(f[0])
            extra = c_eq(*f)
            cond = c_and([cond, extra])
            hits = [r for r in hits if extra.py(r)]
        return cond if len(hits) <= self.limit else None

    def rule(self, i):
        kinds, weights = zip(*KINDS)
        while True:
            kind = self.r.choices(kinds, weights)[0]
            # The same kind is tried again before another is drawn, so
            # selectivity does not shift the mix.
            for _ in range(20):
                glob = self.r.random() < 0.03
                src = self.pick_source()
                got = getattr(self, "k_" + kind)(src)
                if got is None:
                    continue
                cond = self.selective(got[0], None if glob else src)
                if cond is not None:
                    break
            else:
                continue
            break
        title = got[1]
        name = "*: bench %05d %s" % (i, title) if glob else "%s: bench %05d %s" % (src, i, title)
        sev = self.r.choice([None, None, "high", "medium", "low", "critical"])
        return {"name": name, "source": None if glob else src, "kind": kind,
                "cond": cond, "severity": sev}


def write_drl(rules, outdir, seed):
    os.makedirs(outdir, exist_ok=True)
    for f in os.listdir(outdir):
        if f.endswith(".drl"):
            os.unlink(os.path.join(outdir, f))
    files = defaultdict(list)
    for r in rules:
        files[(r["source"] or "global").split(".")[0]].append(r)
    for base, rs in sorted(files.items()):
        with open(os.path.join(outdir, base + ".drl"), "w", encoding="utf-8") as f:
            f.write("// Generated by bench/gen_rules.py (seed %d): benchmark rules, not for use.\n"
                    "package bench.rules;\n\nimport java.util.Map\n"
                    "import cloudengine.AlertServices.DatadogAlertService;\n" % seed)
            for r in rs:
                f.write("\nrule %s\n" % drl_string(r["name"]))
                if r["severity"]:
                    f.write("@severity(%s)\n" % r["severity"])
                f.write("when\n    $m : Map(%s)\nthen\n"
                        "    new DatadogAlertService().report($m, drools.getRule().getName());\n"
                        "end\n" % r["cond"].drl)


def write_jq(rules, path):
    with open(path, "w", encoding="utf-8") as f:
        f.write("# Generated by bench/gen_rules.py: the benchmark rules as jq, one\n"
                "# select per rule, printing the name of each rule that fires.\n"
                'def m(re): type == "string" and test(re);\n'
                'def c(s): type == "string" and contains(s);\n'
                'def sw(s): type == "string" and startswith(s);\n')
        parts = []
        for r in rules:
            cond = r["cond"].jq
            if r["source"]:
                cond = ".eventSource == %s and %s" % (json.dumps(r["source"]), cond)
            parts.append("(select(%s) | %s)" % (cond, json.dumps(r["name"])))
        f.write(",\n".join(parts) + "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sample", required=True, help="NDJSON corpus the rules are drawn from")
    ap.add_argument("--sample-records", type=int, default=20000)
    ap.add_argument("-n", type=int, required=True, help="number of rules")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--budget", type=float, default=0.05,
                    help="most of the sample the whole pack may fire on (default 0.05)")
    ap.add_argument("--drl", required=True, help="directory for the .drl files")
    ap.add_argument("--jq", help="file for the jq program")
    a = ap.parse_args()

    sample = Sample(a.sample, a.sample_records)
    limit = int(a.budget * sample.total / a.n)
    gen = Generator(sample, a.seed, limit)
    rules = [gen.rule(i + 1) for i in range(a.n)]
    write_drl(rules, a.drl, a.seed)
    if a.jq:
        write_jq(rules, a.jq)
    kinds = Counter(r["kind"] for r in rules)
    non_eq = sum(kinds[k] for k in NON_EQUALITY)
    routed = sum(1 for r in rules if r["source"])
    # What an index on eventName (==, in, at the top level) can file.
    by_name = sum(1 for r in rules if r["cond"].names is not None)
    stats = ("%d rules: %d (%.0f%%) not answerable by an equality index, %d (%.0f%%) with"
             " a top-level eventName == or in, %d routed by eventSource over %d sources,"
             " at most %d sample hit(s) each; kinds %s\n"
             % (len(rules), non_eq, 100.0 * non_eq / len(rules), by_name,
                100.0 * by_name / len(rules), routed,
                len({r["source"] for r in rules if r["source"]}), limit,
                " ".join("%s=%d" % kv for kv in sorted(kinds.items()))))
    with open(os.path.join(a.drl, "stats.txt"), "w") as f:
        f.write(stats)
    sys.stdout.write(stats)


if __name__ == "__main__":
    main()
