#!/usr/bin/env python3
"""guide_extract.py - what the SDK tests take from docs/plugin-guide.md.

  guide_extract.py code GUIDE DIR
      Every ```c block must follow a "<!-- file: NAME -->" line; the blocks
      of one NAME are appended, in order, to DIR/NAME.  Every ```sh block
      that follows a "<!-- run -->" line is appended to DIR/run.sh.  Prints
      the C file names, one per line.  A ```c block without a marker is an
      error (exit 1): code in the guide is compiled, or it is not C.

  guide_extract.py sync GUIDE MANPAGE LAYOUT
      The manual page keeps step with the guide: each "## Title" of the
      guide is a ".SH TITLE" of the page, in the same order; and every
      member of struct ce_host and struct ce_plugin that LAYOUT (the output
      of tests/abi/layout_current) lists is named in both, so a host service
      or callback added later cannot go undocumented.  Prints each problem;
      exit 1 if any.
"""
import os
import re
import sys

FENCE = re.compile(r"^```(\w*)\s*$")
FILE_MARK = re.compile(r"^<!--\s*file:\s*([\w.-]+)\s*-->\s*$")
RUN_MARK = re.compile(r"^<!--\s*run\s*-->\s*$")


def blocks(path):
    """Yield (language, marker line or None, first line number, text)."""
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    i, last = 0, None
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            if lines[i].strip():
                last = lines[i]
            i += 1
            continue
        lang, start, body = m.group(1), i + 1, []
        i += 1
        while i < len(lines) and not lines[i].startswith("```"):
            body.append(lines[i])
            i += 1
        yield lang, last, start, "\n".join(body) + "\n"
        i += 1
        last = None


def code(guide, outdir):
    files, run, bad = {}, [], 0
    for lang, mark, line, text in blocks(guide):
        if lang == "c":
            m = FILE_MARK.match(mark or "")
            if not m:
                print("%s:%d: a ```c block without <!-- file: NAME -->"
                      % (guide, line), file=sys.stderr)
                bad += 1
                continue
            files.setdefault(m.group(1), []).append(text)
        elif lang == "sh" and mark is not None and RUN_MARK.match(mark):
            run.append("# %s:%d\n%s" % (guide, line, text))
    if bad:
        return 1
    os.makedirs(outdir, exist_ok=True)
    for name, parts in files.items():
        with open(os.path.join(outdir, name), "w", encoding="utf-8") as f:
            f.write("\n".join(parts))
        print(name)
    with open(os.path.join(outdir, "run.sh"), "w", encoding="utf-8") as f:
        f.write("".join(run))
    return 0


def sync(guide, manpage, layout):
    problems = []
    with open(guide, encoding="utf-8") as f:
        gtext = f.read()
    with open(manpage, encoding="utf-8") as f:
        mtext = f.read()
    heads = [h.strip().upper() for h in
             re.findall(r"^## (.+)$", gtext, re.M)]
    sections = [s.strip().strip('"').upper() for s in
                re.findall(r"^\.SH (.+)$", mtext, re.M)]
    extra = {"NAME", "SYNOPSIS", "DESCRIPTION", "SEE ALSO"}
    wanted = [s for s in sections if s not in extra]
    if heads != wanted:
        problems.append("the guide's sections %s are not the manual page's "
                        "%s" % (heads, wanted))
    with open(layout, encoding="utf-8") as f:
        members = [l.split()[1] for l in f if l.startswith("member ")]
    man_plain = mtext.replace("\\-", "-").replace("\\fB", "").replace(
        "\\fI", "").replace("\\fR", "").replace("\\fP", "")
    for m in members:
        struct, name = m.split(".")
        if struct not in ("ce_host", "ce_plugin"):
            continue
        if name in ("abi_major", "abi_minor", "size"):
            continue
        word = re.compile(r"\b%s\b" % re.escape(name))
        if not word.search(gtext):
            problems.append("the guide does not mention %s" % m)
        if not word.search(man_plain):
            problems.append("the manual page does not mention %s" % m)
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "code":
        sys.exit(code(sys.argv[2], sys.argv[3]))
    if len(sys.argv) == 5 and sys.argv[1] == "sync":
        sys.exit(sync(sys.argv[2], sys.argv[3], sys.argv[4]))
    print(__doc__, file=sys.stderr)
    sys.exit(2)
