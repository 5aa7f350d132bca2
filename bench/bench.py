#!/usr/bin/env python3
"""bench.py - times the real cloudengine program (run, test, check) over
generated corpora and rule packs, next to json-c parse-only and jq measured
in the same run, and writes the figures as markdown.

Called by bench/run.sh, which builds the program, the plugins and the
json-c baseline first; see bench/README.md for what each number means.
Every child is timed by wall clock and its peak RSS read from wait4(),
so each figure belongs to one process.
"""
import argparse
import datetime
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRCDIR = os.path.dirname(HERE)
GIB = 1 << 30
MEAN_RECORD_BYTES = 1581	# gen_corpus.py --stats, seed 1
GNU_TIME = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None
RAW = []	# every measured run, saved beside the report


class Result:
    def __init__(self, wall, cpu, rss_kib, status, log):
        self.wall, self.cpu, self.rss_kib = wall, cpu, rss_kib
        self.status, self.log = status, log

    def ok(self):
        return self.status == 0


def log(msg):
    sys.stderr.write("bench: %s\n" % msg)
    sys.stderr.flush()


def measure(cmd, logname, out, stdout=None, env=None, cwd=None):
    """Run cmd to completion: wall seconds, peak RSS (KiB) of that one
    process, exit status; its stderr goes to out/logs/logname.log.

    The RSS comes from GNU time, which forks the command from its own small
    image: ru_maxrss survives exec, so a child forked from Python would
    report Python's peak when the command's is smaller."""
    logpath = os.path.join(out, "logs", logname + ".log")
    rsspath = logpath[:-4] + ".rss"
    full = [GNU_TIME, "-q", "-f", "%M", "-o", rsspath] + cmd if GNU_TIME else cmd
    with open(logpath, "wb") as err, \
            open(os.devnull if stdout is None else stdout, "wb") as so:
        t0 = time.perf_counter()
        p = subprocess.Popen(full, stdin=subprocess.DEVNULL, stdout=so, stderr=err,
                             env=env, cwd=cwd)
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    rss = ru.ru_maxrss
    if GNU_TIME:
        with open(rsspath) as f:
            # "Command exited with non-zero status N" may come first.
            rss = int(f.read().split()[-1])
        os.unlink(rsspath)
    RAW.append({"run": logname, "wall_s": round(wall, 4),
                "cpu_s": round(ru.ru_utime + ru.ru_stime, 4), "rss_kib": rss,
                "status": p.returncode})
    # User + system time of the command (and of GNU time, a few ms): the
    # work done, whatever else the machine was running.
    return Result(wall, ru.ru_utime + ru.ru_stime, rss, p.returncode, logpath)


def median_of(runs):
    """The run of median wall time (RSS is taken from the same run)."""
    runs = sorted(runs, key=lambda r: r.wall)
    return runs[(len(runs) - 1) // 2]


def fmt_int(x):
    return "{:,}".format(int(round(x)))


def fmt_mib(kib):
    return "%.1f" % (kib / 1024.0)


def verdict(ok):
    return "PASS" if ok else "MISS"


class Report:
    """Markdown to stdout as it is produced, and to a file at the end."""

    def __init__(self):
        self.lines = []

    def add(self, text=""):
        self.lines.append(text)
        sys.stdout.write(text + "\n")
        sys.stdout.flush()

    def table(self, head, rows):
        self.add("| " + " | ".join(head) + " |")
        self.add("|" + "|".join("---" if i == 0 else "---:" for i in range(len(head))) + "|")
        for r in rows:
            self.add("| " + " | ".join(str(c) for c in r) + " |")
        self.add()

    def save(self, path):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write("\n".join(self.lines) + "\n")


class Bench:
    def __init__(self, a):
        self.a = a
        self.out = os.path.abspath(a.out)
        self.build = os.path.abspath(a.builddir)
        self.bin = os.path.join(self.build, "src", "cloudengine")
        self.plugins = os.path.join(self.build, "plugins", ".libs")
        self.contract = os.path.join(self.build, "tests", "contract", ".libs")
        self.gen_corpus = a.gen_corpus
        self.quick = a.quick
        self.reps = 1 if a.quick else 3
        self.pair_reps = 2 if a.quick else 6
        self.cold_reps = 3 if a.quick else 7
        self.evaluator = "drl" if os.path.exists(os.path.join(self.plugins, "ev_drl.so")) else "script"
        self.env = dict(os.environ, CLOUDENGINE_PLUGIN_PATH=self.plugins,
                        AWS_EC2_METADATA_DISABLED="true")
        self.env.pop("CLOUDENGINE_CONFIG", None)
        self.rep = Report()
        self.misses = 0
        for d in ("corpus", "rules", "conf", "logs", "results"):
            os.makedirs(os.path.join(self.out, d), exist_ok=True)

    # ------------------------------------------------------------ inputs
    def corpus(self, n, records=False, gz=False, seed=1):
        """Path of a generated corpus, made once and kept in out/corpus."""
        ext = ".json" if records else ".ndjson"
        path = os.path.join(self.out, "corpus", "%s-%d-s%d%s%s" % (
            "records" if records else "ndjson", n, seed, ext, ".gz" if gz else ""))
        if not os.path.exists(path):
            log("generating %s" % os.path.basename(path))
            cmd = [sys.executable, self.gen_corpus, "-n", str(n), "--seed", str(seed),
                   "-o", path + ".tmp"]
            if records:
                cmd.append("--records")
            if gz:
                cmd.append("--gzip")
            subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
            os.rename(path + ".tmp", path)
        return path

    def one_event(self):
        path = os.path.join(self.out, "corpus", "one.ndjson")
        if not os.path.exists(path):
            with open(self.corpus(1000)) as f, open(path, "w") as o:
                o.write(f.readline())
        return path

    def rules(self, n):
        """Directory of an n-rule pack and its jq program (cached)."""
        d = os.path.join(self.out, "rules", "r%d" % n)
        jq = d + ".jq"
        stamp = os.path.join(d, "stats.txt")
        gen = os.path.join(HERE, "gen_rules.py")
        if not os.path.exists(stamp) or os.path.getmtime(stamp) < os.path.getmtime(gen):
            log("generating %d rules" % n)
            # Drawn from a sample with another seed than the measured
            # corpus: the rules are not fitted to the records they meet.
            subprocess.run([sys.executable, gen, "--sample", self.corpus(20000, seed=2),
                            "-n", str(n), "--drl", d, "--jq", jq],
                           check=True, stdout=subprocess.DEVNULL)
        with open(stamp) as f:
            stats = f.read().strip()
        return d, jq, stats

    def config(self, label, inputs, rules=None, workers=1, lines=True, plugins=None):
        """A run/test/check configuration in out/conf; rules is a
        directory of .drl files (None: the script evaluator's one rule);
        plugins, the plugin directory (default: the build's)."""
        path = os.path.join(self.out, "conf", label + ".conf")
        paths = ", ".join('"%s"' % p for p in inputs)
        if self.evaluator == "drl" and rules is not None:
            ev = 'evaluator = { plugin = "drl"; rules = [ "%s" ]; };' % rules
            dirs = '"%s"' % (plugins or self.plugins)
        else:
            ev = ('evaluator = { plugin = "script"; rule = "bench"; event_name = "RunInstances";'
                  ' outputs = [ "DatadogAlertService" ]; };')
            dirs = '"%s", "%s"' % (self.plugins, self.contract)
        with open(path, "w") as f:
            f.write("# Written by bench/bench.py for one measurement.\n"
                    "plugin_dirs = [ %s ];\n"
                    "log_level = \"info\";\n"
                    "workers = %d;\n"
                    "inputs = ( { plugin = \"file\"; paths = [ %s ]; lines = %s; } );\n"
                    "%s\n"
                    "outputs = ( { plugin = \"stdout\"; name = \"stdout\";"
                    " aliases = [ \"DatadogAlertService\" ]; event = \"none\"; } );\n"
                    % (dirs, workers, paths, "true" if lines else "false", ev))
        return path

    def ce(self, args, label, stdout=None):
        return measure([self.bin] + args, label, self.out, stdout=stdout, env=self.env)

    def check_ok(self, r, what):
        if not r.ok():
            with open(r.log, errors="replace") as f:
                tail = f.read()[-2000:]
            raise SystemExit("bench: %s failed with status %d; %s:\n%s" % (what, r.status, r.log, tail))

    # ------------------------------------------------------- measurements
    def jsonc_run(self, corpus, label):
        r = measure([self.a.jsonc_parse, corpus], label, self.out)
        self.check_ok(r, "jsonc_parse")
        self.baseline.append(r)
        return r

    def jsonc(self, n):
        """The baseline over every json-c run of the section."""
        m = median_of(self.baseline)
        return {"wall": m.wall, "cpu": m.cpu, "evs": n / m.wall, "rss": m.rss_kib}

    def fired(self, conf, corpus, label):
        """Run `cloudengine test -j 1` over corpus: (records with at least
        one firing, firings, status).  Lines come in input order."""
        last, records, firings = None, 0, 0
        pat = re.compile(rb'"index":(\d+)')
        with open(os.path.join(self.out, "logs", label + ".log"), "wb") as err:
            p = subprocess.Popen([self.bin, "test", "-c", conf, "-j", "1", corpus],
                                 stdout=subprocess.PIPE, stderr=err,
                                 stdin=subprocess.DEVNULL, env=self.env)
            for line in p.stdout:
                firings += 1
                m = pat.search(line)
                idx = m.group(1) if m else None
                if idx != last:
                    records += 1
                    last = idx
            p.stdout.close()
            return records, firings, p.wait()

    def metric(self, logpath, name):
        """The last value of a metric a run logged at its end, or None."""
        with open(logpath, errors="replace") as f:
            m = re.findall(r"cloudengine_%s=(\d+)" % name, f.read())
        return int(m[-1]) if m else None

    def eval_one(self, nrules, corpus, n, one):
        d, jq, stats = self.rules(nrules)
        tag = "r%d" % nrules
        res = {"rules": nrules, "stats": stats}
        # init: the same configuration over one record.
        conf1 = self.config(tag + "-init", [one], d)
        init = [self.ce(["run", "-c", conf1], "%s-init-%d" % (tag, i)) for i in range(self.reps)]
        for r in init:
            self.check_ok(r, "run (init, %d rules)" % nrules)
        res["init"] = median_of(init).wall
        res["init_cpu"] = median_of(init).cpu
        ratio, cpu_ratio = [], []
        for w in (1, 2):
            conf = self.config("%s-w%d" % (tag, w), [corpus], d, workers=w)
            runs = []
            for i in range(self.reps if w == 1 else 1):
                # Each single-worker run right after a json-c run: the
                # ratio comes from the pair, so load that changes during
                # the section moves both sides alike.
                b = self.jsonc_run(corpus, "%s-jsonc-%d" % (tag, i)) if w == 1 else None
                r = self.ce(["run", "-c", conf], "%s-w%d-%d" % (tag, w, i))
                self.check_ok(r, "run (%d rules, workers %d)" % (nrules, w))
                runs.append(r)
                if b is not None:
                    ratio.append(b.wall / max(r.wall - res["init"], 1e-6))
                    cpu_ratio.append(b.cpu / max(r.cpu - res["init_cpu"], 1e-6))
            m = median_of(runs)
            res["w%d" % w] = {"wall": m.wall, "evs": n / m.wall, "rss": m.rss_kib,
                              "net": n / max(m.wall - res["init"], 1e-6),
                              "net_cpu": max(m.cpu - res["init_cpu"], 1e-6),
                              "delivered": self.metric(m.log, "output_stdout_delivered"),
                              "evaluated": self.metric(m.log, "evaluator_drl_rules_evaluated")}
        res["ratio"] = statistics.median(ratio)
        res["cpu_ratio"] = statistics.median(cpu_ratio)
        conf = self.config(tag + "-w1", [corpus], d, workers=1)
        rec, fir, st = self.fired(conf, corpus, tag + "-test")
        if st != 0:
            raise SystemExit("bench: cloudengine test (%d rules) exited %d" % (nrules, st))
        res["fired_records"], res["firings"] = rec, fir
        return res

    def pair_cost(self, lo, hi, corpus):
        """Net per-event time of hi rules over that of lo rules, from runs
        made back to back, in turn lo-hi and hi-lo.  Returns the ratio of
        the fastest net time of each side, and each pair's ratio (wall).

        The two sides of this target used to be measured minutes apart,
        each against its own json-c runs; on a virtual machine whose speed
        moves by 10-30% within seconds, that ratio of ratios swung by more
        than the margin it was judged on.  Interference only ever adds
        time to this CPU-bound work, so each side's fastest run is the best
        estimate of its cost (as Python's timeit documents for its
        repeats); the pairs are reported beside it."""
        conf = {k: self.config("r%d-w1" % k, [corpus], self.rules(k)[0], workers=1)
                for k in (lo, hi)}
        net = {lo: [], hi: []}
        pairs = []
        for i in range(self.pair_reps):
            order = (lo, hi) if i % 2 == 0 else (hi, lo)
            for k in order:
                r = self.ce(["run", "-c", conf[k]], "pair-r%d-%d" % (k, i))
                self.check_ok(r, "run (%d rules, pair %d)" % (k, i))
                net[k].append(max(r.wall - self.eval_res[k]["init"], 1e-6))
            pairs.append(net[hi][-1] / net[lo][-1])
        return min(net[hi]) / min(net[lo]), pairs

    def jq_run(self, nrules, corpus, n):
        _, prog, _ = self.rules(nrules)
        outp = os.path.join(self.out, "logs", "jq-r%d.out" % nrules)
        r = measure([self.a.jq, "-r", "-f", prog, corpus], "jq-r%d" % nrules, self.out, stdout=outp)
        self.check_ok(r, "jq (%d rules)" % nrules)
        with open(outp, "rb") as f:
            firings = sum(1 for _ in f)
        os.unlink(outp)
        return {"wall": r.wall, "cpu": r.cpu, "evs": n / r.wall, "rss": r.rss_kib,
                "firings": firings}

    def check_time(self, nrules):
        d, _, _ = self.rules(nrules)
        conf = self.config("r%d-check" % nrules, [self.one_event()], d)
        runs = [self.ce(["check", "-c", conf], "r%d-check-%d" % (nrules, i))
                for i in range(self.cold_reps)]
        for r in runs:
            self.check_ok(r, "check (%d rules)" % nrules)
        m = median_of(runs)
        return m.wall, m.rss_kib

    # ----------------------------------------------------------- sections
    def section_eval(self):
        rep = self.rep
        n = 20000 if self.quick else self.a.records
        corpus = self.corpus(n)
        one = self.one_event()
        size = os.path.getsize(corpus)
        rep.add("## 1. Evaluation throughput")
        rep.add()
        rep.add("Corpus: %s NDJSON records (%.0f MB, gen_corpus.py seed 1), file input"
                " with `lines = true`, stdout output (`event = \"none\"`) to /dev/null."
                " Medians of %d run(s)." % (fmt_int(n), size / 1e6, self.reps))
        rep.add()
        counts = [10, 100, 1000, 10000]
        res = {}
        self.baseline = []
        for k in counts:
            log("evaluating with %d rules" % k)
            res[k] = self.eval_one(k, corpus, n, one)
        self.eval_res = res
        log("10 and 10,000 rules back to back, %d pairs" % self.pair_reps)
        pair, pairs = self.pair_cost(10, 10000, corpus)
        base = self.jsonc(n)
        jqres = {}
        if self.a.jq:
            for k in ([100] if self.quick else [10, 100]):
                log("jq with %d rules" % k)
                jqres[k] = self.jq_run(k, corpus, n)
        rows = [["json-c parse only (baseline)", fmt_int(base["evs"]), "-", "1.00", "1.00", "-",
                 fmt_mib(base["rss"]), "-", "-", "-"]]
        for k in counts:
            r = res[k]
            w1, w2 = r["w1"], r["w2"]
            rows.append(["cloudengine run, %s rules" % fmt_int(k), fmt_int(w1["evs"]),
                         fmt_int(w1["net"]), "%.2f" % r["ratio"], "%.2f" % r["cpu_ratio"],
                         fmt_int(w2["evs"]), fmt_mib(w1["rss"]),
                         "%.1f%%" % (100.0 * r["fired_records"] / n), fmt_int(r["firings"]),
                         "-" if w1["evaluated"] is None else "%.1f" % (w1["evaluated"] / n)])
        for k, j in sorted(jqres.items()):
            rows.append(["jq %s, %d equivalent rules" % (self.a.jq_version, k), fmt_int(j["evs"]),
                         "-", "%.2f" % (j["evs"] / base["evs"]), "%.2f" % (base["cpu"] / j["cpu"]),
                         "-", fmt_mib(j["rss"]), "-", fmt_int(j["firings"]), "%d" % k])
        rep.table(["method", "events/s (workers=1)", "net events/s", "ratio to json-c",
                   "CPU-time ratio", "events/s (workers=2)", "peak RSS MiB (workers=1)",
                   "events firing", "firings", "rules evaluated per event"], rows)
        rep.add("Net events/s leave out the init part of the run (the same configuration "
                "over one record): %s." % ", ".join(
                    "%s rules %.3f s" % (fmt_int(k), res[k]["init"]) for k in counts))
        rep.add("Ratio = net events/s (workers = 1) / json-c parse-only events/s, each "
                "cloudengine run paired with a json-c run just before it, median of the pairs; "
                "the baseline row is the median of all %d json-c runs; jq's ratio is its "
                "whole-run events/s against that.  CPU-time ratio = json-c's CPU seconds / "
                "cloudengine's (user + system, all threads, init left out): the same "
                "comparison, less moved by other work on the machine." % len(self.baseline))
        rep.add()
        for k in counts:
            rep.add("- %s" % res[k]["stats"])
        rep.add()
        # Cross-checks: the same firings through run (delivered alerts),
        # test, and jq running the same conditions.
        for k in counts:
            r = res[k]
            for w in ("w1", "w2"):
                if r[w]["delivered"] is not None and r[w]["delivered"] != r["firings"]:
                    rep.add("WARNING: %d rules: run (%s) delivered %d alerts, test counted %d firings"
                            % (k, w, r[w]["delivered"], r["firings"]))
        for k, j in sorted(jqres.items()):
            if self.evaluator == "drl" and j["firings"] != res[k]["firings"]:
                rep.add("WARNING: %d rules: jq fired %d times, cloudengine %d: the rules or the"
                        " evaluator disagree" % (k, j["firings"], res[k]["firings"]))
            elif self.evaluator == "drl":
                rep.add("Check: with %d rules jq and cloudengine agree on %s firings." % (k, fmt_int(j["firings"])))
        rep.add()
        chk, chk_rss = self.check_time(10000)
        r100, c100 = res[100]["ratio"], res[100]["cpu_ratio"]
        r1000, c1000 = res[1000]["ratio"], res[1000]["cpu_ratio"]
        # Per-event cost: from back-to-back pairs (pair_cost()), and, as
        # before, against the baseline of each side's own json-c pairs.
        cost = res[10]["ratio"] / res[10000]["ratio"]
        targets = [
            ("ratio to json-c with 100 rules >= 0.85", "%.2f (CPU time: %.2f)" % (r100, c100),
             r100 >= 0.85),
            ("ratio to json-c with 1,000 rules >= 0.70", "%.2f (CPU time: %.2f)" % (r1000, c1000),
             r1000 >= 0.70),
            ("10,000 rules cost < 2x 10 rules (net time per event, fastest of %d"
             " back-to-back runs each)" % len(pairs),
             "%.2fx (each pair: %s, median %.2fx; via the json-c ratios: %.2fx)" % (
                 pair, " ".join("%.2f" % x for x in sorted(pairs)),
                 statistics.median(pairs), cost),
             pair < 2.0),
            ("compiling 10,000 rules < 1 s (`cloudengine check`, median of %d)" % self.cold_reps,
             "%.3f s (init of a run: %.3f s, check peak RSS %s MiB)" % (
                 chk, res[10000]["init"], fmt_mib(chk_rss)), chk < 1.0),
        ]
        rep.add("### Targets")
        rep.add()
        rows = []
        for what, got, ok in targets:
            rows.append([what, got, verdict(ok)])
            self.misses += not ok
        rep.table(["target", "measured", ""], rows)
        if self.evaluator != "drl":
            rep.add("NOTE: the drl plugin was not built: these figures are for the test "
                    "evaluator `script` (one rule), whatever the rule count says.")
            rep.add()

    def section_memory(self):
        rep = self.rep
        rep.add("## 2. Memory flatness: one {\"Records\":[...]} log file")
        rep.add()
        d, _, _ = self.rules(100)
        big_mib = 64 if self.quick else 1024
        n_big = int(big_mib * (1 << 20) / MEAN_RECORD_BYTES)
        rows = []
        rep.add("100 rules, file input (format detected), workers = 2, stdout output to /dev/null.")
        rep.add()
        for gz in (False, True):
            path = self.corpus(n_big, records=True, gz=gz)
            conf = self.config("big-%s" % ("gz" if gz else "plain"), [path], d, workers=2, lines=False)
            r = self.ce(["run", "-c", conf], "big-%s" % ("gz" if gz else "plain"))
            self.check_ok(r, "run over the big log file")
            rows.append(["%s records, %s (%.0f MB on disk)" % (fmt_int(n_big), "gzip" if gz else "plain",
                                                               os.path.getsize(path) / 1e6),
                         fmt_int(n_big / r.wall), fmt_mib(r.rss_kib)])
        rep.table(["input", "events/s", "peak RSS MiB"], rows)
        rows = []
        sizes = [10000, 100000] if self.quick else [10000, 100000, 1000000]
        for k in sizes:
            path = self.corpus(k, records=True)
            conf = self.config("size-%d" % k, [path], d, workers=2, lines=False)
            r = self.ce(["run", "-c", conf], "size-%d" % k)
            self.check_ok(r, "run over %d records" % k)
            rows.append([fmt_int(k), "%.0f" % (os.path.getsize(path) / 1e6), fmt_int(k / r.wall),
                         fmt_mib(r.rss_kib)])
        rep.add("Peak RSS by input size (same input type, plain, separate runs):")
        rep.add()
        rep.table(["events", "MB", "events/s", "peak RSS MiB"], rows)

    def section_cold(self):
        rep = self.rep
        rep.add("## 3. Cold start: `cloudengine test` over one record")
        rep.add()
        one = self.one_event()
        rows = []
        packs = [("shipped rules (rules/)", os.path.join(SRCDIR, "rules"))]
        d, _, _ = self.rules(1000)
        packs.append(("1,000 rules", d))
        for label, rules in packs:
            conf = self.config("cold-%d" % len(rows), [one], rules)
            runs = []
            for i in range(self.cold_reps):
                r = self.ce(["test", "-c", conf, one], "cold-%d-%d" % (len(rows), i))
                self.check_ok(r, "test (cold start, %s)" % label)
                runs.append(r)
            m = median_of(runs)
            rows.append([label, "%.1f" % (m.wall * 1000), "%.1f" % (min(x.wall for x in runs) * 1000),
                         fmt_mib(m.rss_kib)])
        rep.add("Wall clock of the whole process, exec to exit, median of %d runs." % self.cold_reps)
        rep.add()
        rep.table(["rules", "median ms", "min ms", "peak RSS MiB"], rows)

    def section_alloc(self):
        """System, jemalloc and tcmalloc builds side by side, interleaved
        run by run so that changing load hits all alike.  Uses the builds
        that `run.sh --allocator NAME` left in out/build-NAME."""
        rep = self.rep
        n = 20000 if self.quick else self.a.records
        corpus = self.corpus(n)
        d, _, _ = self.rules(100)
        builds = [("system", self.build)]
        for name in ("jemalloc", "tcmalloc"):
            b = os.path.join(self.out, "build-" + name)
            base = os.path.join(self.out, "jsonc_parse-" + name)
            if os.path.exists(os.path.join(b, "src", "cloudengine")) and os.path.exists(base):
                builds.append((name, b))
        rep.add("## 4. Allocators: 100 rules, workers = 1, interleaved")
        rep.add()
        if len(builds) == 1:
            rep.add("No allocator build: run `bench/run.sh --allocator jemalloc` (or tcmalloc) first.")
            rep.add()
            return
        runs = {name: {"ce": [], "jc": [], "ratio": [], "cpu": []} for name, _ in builds}
        for i in range(self.reps + 2):
            for name, b in builds:
                plugins = os.path.join(b, "plugins", ".libs")
                env = dict(self.env, CLOUDENGINE_PLUGIN_PATH=plugins)
                jc = measure([os.path.join(self.out, "jsonc_parse-" + name), corpus],
                             "alloc-%s-jsonc-%d" % (name, i), self.out)
                self.check_ok(jc, "jsonc_parse (%s)" % name)
                conf = self.config("alloc-%s" % name, [corpus], d, plugins=plugins)
                r = measure([os.path.join(b, "src", "cloudengine"), "run", "-c", conf],
                            "alloc-%s-%d" % (name, i), self.out, env=env)
                self.check_ok(r, "run (%s)" % name)
                x = runs[name]
                x["ce"].append(r)
                x["jc"].append(jc)
                x["ratio"].append(jc.wall / r.wall)
                x["cpu"].append(jc.cpu / r.cpu)
        rows = []
        for name, _ in builds:
            x = runs[name]
            ce, jc = median_of(x["ce"]), median_of(x["jc"])
            rows.append([name, fmt_int(n / jc.wall), fmt_int(n / ce.wall),
                         "%.2f" % statistics.median(x["ratio"]),
                         "%.2f" % statistics.median(x["cpu"]),
                         "%.2f" % (sum(r.cpu for r in x["ce"]) / len(x["ce"])),
                         fmt_mib(ce.rss_kib)])
        rep.add("%s records; in each of %d rounds every build runs json-c parse-only "
                "(linked with the same allocator) then `cloudengine run`; medians.  Ratios "
                "are whole-run (init included)." % (fmt_int(n), self.reps + 2))
        rep.add()
        rep.table(["allocator", "json-c events/s", "cloudengine events/s", "ratio",
                   "CPU-time ratio", "cloudengine CPU s (mean)", "peak RSS MiB"], rows)

    def header(self):
        rep = self.rep
        try:
            rev = subprocess.run(["git", "-C", SRCDIR, "rev-parse", "--short", "HEAD"],
                                 capture_output=True, text=True).stdout.strip()
        except OSError:
            rev = "?"
        cpu = "?"
        try:
            with open("/proc/cpuinfo") as f:
                m = re.search(r"model name\s*:\s*(.*)", f.read())
                cpu = m.group(1) if m else cpu
        except OSError:
            pass
        rep.add("# cloudengine benchmarks, %s%s" % (
            datetime.datetime.now().strftime("%Y-%m-%d %H:%M"), " (--quick)" if self.quick else ""))
        rep.add()
        rep.add("- machine: %d CPU(s), %s, %s; load average at start %s" % (
            os.cpu_count(), cpu, platform.platform(), " ".join("%.2f" % x for x in os.getloadavg())))
        rep.add("- source: %s at %s; build: %s; allocator: %s; evaluator: %s" % (
            SRCDIR, rev or "?", self.build, self.a.allocator, self.evaluator))
        if not GNU_TIME:
            rep.add("- no GNU time: peak RSS is wait4()'s, at least the Python parent's")
        rep.add()

    def run(self):
        t0 = time.time()
        self.header()
        sections = self.a.sections.split(",")
        if "eval" in sections:
            self.section_eval()
        if "memory" in sections:
            self.section_memory()
        if "cold" in sections:
            self.section_cold()
        if "alloc" in sections:
            self.section_alloc()
        self.rep.add("Load average at the end: %s; total %.0f s." % (
            " ".join("%.2f" % x for x in os.getloadavg()), time.time() - t0))
        name = datetime.datetime.now().strftime("%Y-%m-%d_%H%M%S")
        if self.a.allocator != "system":
            name += "-" + self.a.allocator
        path = os.path.join(self.out, "results", name + ".md")
        self.rep.save(path)
        with open(path[:-3] + ".json", "w") as f:
            json.dump(RAW, f, indent=0)
        log("results written to %s (every run: %s.json)" % (path, path[:-3]))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--builddir", required=True)
    ap.add_argument("--out", default=os.path.join(HERE, "out"))
    ap.add_argument("--gen-corpus", required=True)
    ap.add_argument("--jsonc-parse", required=True)
    ap.add_argument("--jq", default=shutil.which("jq"))
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--records", type=int, default=200000)
    ap.add_argument("--allocator", default="system")
    ap.add_argument("--sections", default="eval,memory,cold")
    a = ap.parse_args()
    a.jq_version = ""
    if a.jq:
        a.jq_version = subprocess.run([a.jq, "--version"], capture_output=True,
                                      text=True).stdout.strip().replace("jq-", "")
    Bench(a).run()


if __name__ == "__main__":
    main()
