#!/usr/bin/env python3
"""check_layer.py - checks a cloudengine Lambda layer zip by reading its
files, not by running them (LD_LIBRARY_PATH would not hide /usr/lib):

  * bootstrap at the root, executable, a POSIX sh script; bin/cloudengine,
    the lambda input plugin, a default configuration using it, rules;
  * no file or directory writable by group or others;
  * every ELF file (the binary, every plugin, every bundled library):
    64-bit, needs no glibc symbol version newer than 2.34
    (provided.al2023) and no GLIBC_PRIVATE, every DT_NEEDED entry is
    glibc's own or a file in the zip's lib/ (which lands in /opt/lib), no
    RPATH/RUNPATH outside the layer, the standard program interpreter.

The ELF reader is written here with the struct module: the ELF header,
the section headers, the dynamic section (DT_NEEDED, DT_RPATH,
DT_RUNPATH) and .gnu.version_r (the version needs), and PT_INTERP.

  check_layer.py ZIP           check a layer; exit 1 with the problems
  check_layer.py --glibc FILE  print the newest GLIBC_x.y FILE needs
"""
import stat
import struct
import sys
import zipfile

MAX_GLIBC = (2, 34)

# glibc's own libraries (and the loader): on provided.al2023 already.
GLIBC = {
    "libc.so.6", "libm.so.6", "libmvec.so.1", "libpthread.so.0",
    "libdl.so.2", "librt.so.1", "libresolv.so.2", "libutil.so.1",
    "libanl.so.1", "libBrokenLocale.so.1", "libthread_db.so.1",
    "libc_malloc_debug.so.0", "ld-linux-x86-64.so.2",
    "ld-linux-aarch64.so.1",
}
INTERPRETERS = {"/lib64/ld-linux-x86-64.so.2", "/lib/ld-linux-aarch64.so.1"}

SHT_DYNAMIC = 6
SHT_GNU_VERNEED = 0x6FFFFFFE
PT_INTERP = 3
DT_NEEDED, DT_RPATH, DT_RUNPATH = 1, 15, 29


class ElfError(Exception):
    pass


def is_glibc(name):
    return name in GLIBC or (name.startswith("libnss_") and
                             name.endswith(".so.2"))


def cstring(data, off):
    if off < 0 or off >= len(data):
        raise ElfError("string offset %d out of the file" % off)
    end = data.find(b"\0", off)
    if end < 0:
        raise ElfError("unterminated string at %d" % off)
    return data[off:end].decode("utf-8", "replace")


def unpack(fmt, data, off):
    size = struct.calcsize(fmt)
    if off < 0 or off + size > len(data):
        raise ElfError("truncated at offset %d" % off)
    return struct.unpack_from(fmt, data, off)


def sections(data, shoff, shentsize, shnum):
    out = []
    for i in range(shnum):
        (name, typ, flags, addr, offset, size, link, info, align,
         entsize) = unpack("<IIQQQQIIQQ", data, shoff + i * shentsize)
        out.append({"type": typ, "offset": offset, "size": size,
                    "link": link, "info": info})
    return out


def dynamic(data, sec, secs):
    """DT_NEEDED names, RPATH and RUNPATH entries of the dynamic section."""
    strtab = secs[sec["link"]]["offset"]
    needed, paths = [], []
    for off in range(sec["offset"], sec["offset"] + sec["size"], 16):
        tag, val = unpack("<qQ", data, off)
        if tag == 0:
            break
        if tag == DT_NEEDED:
            needed.append(cstring(data, strtab + val))
        elif tag in (DT_RPATH, DT_RUNPATH):
            paths.extend(p for p in cstring(data, strtab + val).split(":") if p)
    return needed, paths


def version_needs(data, sec, secs):
    """{file: [version names]} from .gnu.version_r (Elf64_Verneed chain,
    each with its Elf64_Vernaux chain)."""
    strtab = secs[sec["link"]]["offset"]
    needs = {}
    off = sec["offset"]
    for _ in range(sec["info"]):
        version, cnt, file_, aux, nxt = unpack("<HHIII", data, off)
        names = needs.setdefault(cstring(data, strtab + file_), [])
        a = off + aux
        for _ in range(cnt):
            hash_, flags, other, name, anext = unpack("<IHHII", data, a)
            names.append(cstring(data, strtab + name))
            if anext == 0:
                break
            a += anext
        if nxt == 0:
            break
        off += nxt
    return needs


def interpreter(data, phoff, phentsize, phnum):
    for i in range(phnum):
        typ, flags, offset, vaddr, paddr, filesz = unpack(
            "<IIQQQQ", data, phoff + i * phentsize)
        if typ == PT_INTERP:
            return data[offset:offset + filesz].rstrip(b"\0").decode()
    return None


def read_elf(data):
    if data[:4] != b"\x7fELF":
        raise ElfError("not an ELF file")
    if data[4] != 2 or data[5] != 1:
        raise ElfError("not a 64-bit little-endian ELF file")
    (etype, machine, version, entry, phoff, shoff, flags, ehsize,
     phentsize, phnum, shentsize, shnum, shstrndx) = unpack(
        "<HHIQQQIHHHHHH", data, 16)
    if shoff == 0 or shnum == 0:
        raise ElfError("no section headers")
    secs = sections(data, shoff, shentsize, shnum)
    elf = {"needed": [], "paths": [], "needs": {},
           "interp": interpreter(data, phoff, phentsize, phnum)}
    for sec in secs:
        if sec["type"] == SHT_DYNAMIC:
            elf["needed"], elf["paths"] = dynamic(data, sec, secs)
        elif sec["type"] == SHT_GNU_VERNEED:
            elf["needs"] = version_needs(data, sec, secs)
    return elf


def glibc_versions(elf):
    """(newest GLIBC_x.y as a tuple, sorted names, uses GLIBC_PRIVATE)"""
    newest, names, private = (0,), set(), False
    for versions in elf["needs"].values():
        for v in versions:
            if v == "GLIBC_PRIVATE":
                private = True
            elif v.startswith("GLIBC_"):
                names.add(v)
                t = tuple(int(x) for x in v[6:].split("."))
                newest = max(newest, t)
    return newest, sorted(names), private


def check_elf(name, elf, libs):
    problems = []
    newest, names, private = glibc_versions(elf)
    if newest > MAX_GLIBC:
        problems.append("%s needs GLIBC_%s (provided.al2023 has %d.%d)" % (
            name, ".".join(map(str, newest)), *MAX_GLIBC))
    if private:
        problems.append("%s needs GLIBC_PRIVATE" % name)
    for lib in elf["needed"]:
        if not is_glibc(lib) and lib not in libs:
            problems.append("%s needs %s, which is neither glibc's nor in "
                            "lib/" % (name, lib))
    for p in elf["paths"]:
        if not (p.startswith("$ORIGIN") or p == "/opt/lib" or
                p.startswith("/opt/")):
            problems.append("%s has RPATH/RUNPATH %s, outside the layer" %
                            (name, p))
    if elf["interp"] is not None and elf["interp"] not in INTERPRETERS:
        problems.append("%s asks for the interpreter %s" % (name,
                                                            elf["interp"]))
    return problems


def check_zip(path):
    problems = []
    zf = zipfile.ZipFile(path)
    infos = {i.filename: i for i in zf.infolist()}
    files = {n: i for n, i in infos.items() if not n.endswith("/")}

    def mode(info):
        return info.external_attr >> 16

    for n, info in infos.items():
        if n.startswith("/") or ".." in n.split("/"):
            problems.append("%s: a path outside the layer" % n)
        if info.create_system != 3 or mode(info) == 0:
            problems.append("%s: no Unix mode recorded" % n)
        elif mode(info) & 0o022:
            problems.append("%s: writable by group or others (%o)" %
                            (n, stat.S_IMODE(mode(info))))
    for n, what in (("bootstrap", "the bootstrap"),
                    ("bin/cloudengine", "the engine"),
                    ("lib/cloudengine/plugins/in_lambda.so",
                     "the lambda input"),
                    ("etc/cloudengine/cloudengine.conf",
                     "the default configuration")):
        if n not in files:
            problems.append("%s (%s) is missing" % (n, what))
    for n in ("bootstrap", "bin/cloudengine"):
        if n in files and (mode(files[n]) & 0o555) != 0o555:
            problems.append("%s is not executable by all (%o)" %
                            (n, stat.S_IMODE(mode(files[n]))))
    if "bootstrap" in files and \
            not zf.read("bootstrap").startswith(b"#!/bin/sh\n"):
        problems.append("bootstrap does not start with #!/bin/sh")
    conf = "etc/cloudengine/cloudengine.conf"
    if conf in files and b'plugin = "lambda"' not in zf.read(conf):
        problems.append("%s does not use the lambda input" % conf)
    if not any(n.startswith("share/cloudengine/rules/") and
               n.endswith(".drl") for n in files):
        problems.append("no rules in share/cloudengine/rules/")

    libs = {n[4:] for n in files
            if n.startswith("lib/") and "/" not in n[4:]}
    elves = 0
    newest = (0,)
    for n in sorted(files):
        data = zf.read(n)
        if data[:4] != b"\x7fELF":
            continue
        elves += 1
        try:
            elf = read_elf(data)
        except ElfError as e:
            problems.append("%s: %s" % (n, e))
            continue
        problems.extend(check_elf(n, elf, libs))
        newest = max(newest, glibc_versions(elf)[0])
    if elves == 0:
        problems.append("no ELF file in the zip")
    size = sum(i.file_size for i in files.values())
    if size > 250 * 1024 * 1024:
        problems.append("%d bytes unzipped: over Lambda's 250 MB" % size)
    summary = ("%d ELF files, %d bundled libraries, newest glibc version "
               "needed GLIBC_%s, %d KiB unzipped" %
               (elves, len(libs), ".".join(map(str, newest)), size // 1024))
    return problems, summary


def main(argv):
    if len(argv) == 2 and argv[0] == "--glibc":
        with open(argv[1], "rb") as f:
            newest = glibc_versions(read_elf(f.read()))[0]
        print("GLIBC_" + ".".join(map(str, newest)))
        return 0
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    problems, summary = check_zip(argv[0])
    for p in problems:
        print("layer: " + p, file=sys.stderr)
    print(summary)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
