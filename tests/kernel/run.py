#!/usr/bin/env python3
"""make test-kernel: the sandbox on real ARM kernels.

Boots Debian 12's own kernels under qemu-system full emulation (TCG), each
with an initramfs of busybox-static for that architecture, our static
build/TARGET/mcp-s3, tests/kernel/init and tests/kernel/session.sh:

  aarch64  qemu-system-aarch64 -M virt -cpu cortex-a53, linux-image-arm64
  armhf    qemu-system-arm -M virt -cpu cortex-a15, linux-image-armmp-lpae

twice each: as Debian ships it (Landlock on), and with lsm= without
landlock.  No network device (-nic none): the session's S3 server is busybox
httpd on the guest's own loopback.  The packages come from Debian through
scripts/deps.sh kernel (build/kernel/); the binaries from make TARGET=...

Before the boots, the same session runs on the host on the same binary
under qemu-user (which has neither seccomp nor Landlock); the guest's
answers must be the same, byte for byte.  The guest prints its result files
on the console (ttyAMA0) as "@@NAME@@ line"; this script checks them.  The
console log of every boot is kept in build/test-logs/kernel-TARGET-MODE.log;
each boot has a timeout, after which its qemu is killed by its PID.

Last line: "test_kernel: N passed, N failed".
"""
import os
import re
import shutil
import socket
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
KDIR = os.path.join(ROOT, "build", "kernel")
LOGS = os.path.join(ROOT, "build", "test-logs")
BOOT_TIMEOUT = float(os.environ.get("MCP_S3_KERNEL_TIMEOUT", "150"))

GUESTS = [
    {"target": "aarch64", "deb": "arm64", "qemu": "qemu-system-aarch64",
     "cpu": "cortex-a53", "user": "qemu-aarch64"},
    {"target": "armhf", "deb": "armhf", "qemu": "qemu-system-arm",
     "cpu": "cortex-a15", "user": "qemu-arm"},
]

PASSED = 0
FAILED = 0


def result(ok, name, detail=""):
    global PASSED, FAILED
    if ok:
        PASSED += 1
        print("ok %s%s" % (name, (" (%s)" % detail) if detail else ""))
    else:
        FAILED += 1
        print("FAIL %s: %s" % (name, detail))
    sys.stdout.flush()
    return ok


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def landlock_abi_of(release):
    """The Landlock ABI a mainline kernel of this release offers."""
    m = re.match(r"(\d+)\.(\d+)", release)
    v = (int(m.group(1)), int(m.group(2))) if m else (0, 0)
    for since, abi in (((6, 12), 6), ((6, 10), 5), ((6, 7), 4), ((6, 2), 3),
                       ((5, 19), 2), ((5, 13), 1)):
        if v >= since:
            return abi
    return 0


def initramfs(g):
    """build/kernel/DEB/initrd.cpio: busybox, mcp-s3, /init, session.sh."""
    d = os.path.join(KDIR, g["deb"])
    root = os.path.join(d, "root")
    shutil.rmtree(root, ignore_errors=True)
    for sub in ("bin", "dev", "proc", "sys", "tmp"):
        os.makedirs(os.path.join(root, sub))
    shutil.copy(os.path.join(d, "busybox"), os.path.join(root, "bin", "busybox"))
    shutil.copy(os.path.join(ROOT, "build", g["target"], "mcp-s3"),
                os.path.join(root, "bin", "mcp-s3"))
    shutil.copy(os.path.join(HERE, "init"), os.path.join(root, "init"))
    shutil.copy(os.path.join(HERE, "session.sh"), os.path.join(root, "session.sh"))
    for f in ("bin/busybox", "bin/mcp-s3", "init"):
        os.chmod(os.path.join(root, f), 0o755)
    try:	# the first console of /init (root only; else /init opens it)
        os.mknod(os.path.join(root, "dev", "console"), 0o600 | 0o020000,
                 os.makedev(5, 1))
    except OSError:
        pass
    names = []
    for top, dirs, files in os.walk(root):
        for n in dirs + files:
            names.append(os.path.relpath(os.path.join(top, n), root))
    names = ["."] + sorted(names)
    out = os.path.join(d, "initrd.cpio")
    with open(out, "wb") as f:
        subprocess.run(["cpio", "-o", "-H", "newc", "-R", "0:0", "--quiet"],
                       input=("\n".join(names) + "\n").encode(), stdout=f,
                       cwd=root, check=True)
    return out


def run_bounded(cmd, timeout, **kw):
    """cmd in its own process group; killed by its group id (the PID of
    cmd) when it outlives timeout.  Returns (exit status or None, secs)."""
    t0 = time.time()
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, start_new_session=True, **kw)
    try:
        rc = p.wait(timeout)
    except subprocess.TimeoutExpired:
        rc = None
    # The group's leader is p.pid: whatever it left behind (an httpd of a
    # session that failed) goes with it.
    try:
        os.killpg(p.pid, 9)
    except ProcessLookupError:
        pass
    p.wait()
    return rc, time.time() - t0


def read_files(work, names):
    out = {}
    for n in names:
        try:
            with open(os.path.join(work, n), encoding="utf-8", errors="replace") as f:
                out[n] = f.read().splitlines()
        except OSError:
            out[n] = None
    return out


def reference(g, port, dead):
    """The session on the host under qemu-user: its files."""
    work = os.path.join(KDIR, g["deb"], "ref")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    bb = os.path.join(KDIR, "amd64", "busybox")
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8",
           "K_BB": bb, "K_PORT": str(port), "K_DEAD": str(dead)}
    log = open(os.path.join(LOGS, "kernel-%s-qemu-user.log" % g["target"]), "w")
    rc, secs = run_bounded([bb, "sh", os.path.join(HERE, "session.sh"), work,
                            g["user"], os.path.join(ROOT, "build", g["target"], "mcp-s3")],
                           120, env=env, stdout=log, stderr=subprocess.STDOUT)
    log.close()
    files = read_files(work, ["log", "out", "err", "rc", "verify"])
    return rc, secs, files


def parse_console(text):
    files = {}
    for line in text.replace("\r", "").split("\n"):
        m = re.match(r"^@@([a-z-]+)@@ ?(.*)$", line)
        if m:
            files.setdefault(m.group(1), []).append(m.group(2))
    return files


def answer(lines, rid):
    for l in lines or []:
        if re.search(r'"id":%d[,}]' % rid, l):
            return l
    return None


def field(lines, name):
    for l in lines or []:
        if l.startswith(name + ":"):
            return l.split(":", 1)[1].strip()
    return None


def lsm_without_landlock(g):
    with open(os.path.join(KDIR, g["deb"], "config")) as f:
        m = re.search(r'^CONFIG_LSM="([^"]*)"', f.read(), re.M)
    lsms = [x for x in (m.group(1) if m else "").split(",") if x and x != "landlock"]
    return ",".join(lsms) or "yama"


def boot(g, mode, initrd, port, dead, ref):
    name = "%s/%s" % (g["target"], mode)
    d = os.path.join(KDIR, g["deb"])
    console = os.path.join(LOGS, "kernel-%s-%s.log" % (g["target"], mode))
    if os.path.exists(console):
        os.unlink(console)
    append = "console=ttyAMA0 rdinit=/init panic=-1 quiet k.port=%d k.dead=%d" % (
        port, dead)
    if mode == "nolandlock":
        append += " lsm=" + lsm_without_landlock(g)
    cmd = [g["qemu"], "-M", "virt", "-cpu", g["cpu"], "-m", "256", "-smp", "1",
           "-nic", "none", "-no-reboot", "-display", "none", "-monitor", "none",
           "-serial", "file:" + console, "-kernel", os.path.join(d, "vmlinuz"),
           "-initrd", initrd, "-append", append]
    rc, secs = run_bounded(cmd, BOOT_TIMEOUT, stdout=subprocess.DEVNULL)
    try:
        with open(console, encoding="utf-8", errors="replace") as f:
            text = f.read()
    except OSError:
        text = ""
    with open(console, "a") as f:
        f.write("\n# run.py: %s, qemu %s after %.1fs\n" % (
            " ".join(cmd), "timed out" if rc is None else "exit %s" % rc, secs))
    c = parse_console(text)
    landlock = mode == "landlock"
    done = "end" in c and "poweroff" in c and "Kernel panic" not in text
    result(rc == 0 and done, name + ": boots, runs /init to the end and powers off",
           "%.1fs" % secs if rc == 0 and done else
           ("timed out after %.0fs" % secs if rc is None else "qemu exit %s" % rc) +
           ("" if done else ", no @@end@@ or @@poweroff@@, or a panic; console in %s" %
            console))
    begin = (c.get("begin") or [""])[0]
    release = begin.split(" ")[0]
    with open(os.path.join(d, "KERNEL")) as f:
        pkg = f.read().split()[0]
    result(release != "" and pkg == "linux-image-" + release, name + ": Debian's kernel", "%s, package %s" % (begin, pkg))
    lsm = (c.get("lsm") or [""])[0]
    result(("landlock" in lsm.split(",")) == landlock, name + ": LSMs %s landlock" %
           ("with" if landlock else "without"), lsm)

    log = c.get("log") or []
    for rid, what in ((1, "initialize"), (2, "tools/list"), (3, "ping"),
                      (4, "canned ListBuckets"), (5, "dead port"), (7, "ping after cancel"),
                      (8, "ListBuckets after cancel"), (9, "listing under access rules")):
        result("answered %d" % rid in log, "%s: answered %s (id %d)" % (name, what, rid),
               "" if "answered %d" % rid in log else "log: %r" % log)
    out = c.get("out") or []
    a4 = answer(out, 4) or ""
    result('"kernel-canned"' in a4 and '"isError"' not in a4,
           name + ": ListBuckets from the canned S3 on the guest's 127.0.0.1", a4[:200])
    a5 = answer(out, 5) or ""
    result('"isError":true' in a5 and "NetworkError: connection refused" in a5,
           name + ": dead port is a NetworkError", a5[:200])
    a9 = answer(out, 9) or ""
    result('"a.txt"' in a9 and "secret" not in a9 and '"next_continuation_token":"l1.' in a9,
           name + ": listing under access rules: hidden key absent, sealed token", a9[:300])
    result("hang reached" in log and answer(out, 6) is None and answer(out, 7) is not None,
           name + ": cancelled call gets no answer, the next is served",
           "log %r" % [l for l in log if "hang" in l])
    result(c.get("rc") == ["0"], name + ": clean exit on EOF", "rc %r" % c.get("rc"))
    st = c.get("status") or []
    result(field(st, "Seccomp") == "2" and field(st, "NoNewPrivs") == "1",
           name + ": /proc/PID/status Seccomp 2, NoNewPrivs 1 while serving",
           "Seccomp %r, NoNewPrivs %r" % (field(st, "Seccomp"), field(st, "NoNewPrivs")))
    err = c.get("err") or []
    sl = [l for l in err if l.startswith("mcp-s3: sandbox: ")]
    line = sl[0] if len(sl) == 1 else repr(err)
    m = re.search(r"seccomp (\d+) syscalls", line)
    if landlock:
        want = "landlock ABI %d (fs" % landlock_abi_of(release)
        ok = line.startswith("mcp-s3: sandbox: no_new_privs, nodump, ") and want in line
    else:
        want = "landlock unavailable"
        ok = line.startswith("mcp-s3: sandbox: no_new_privs, nodump, landlock unavailable, ")
    result(ok and m is not None, name + ": startup line says %s and seccomp" % want, line)
    result(any("serving MCP on stdio" in l for l in err), name + ": serving line on stderr",
           repr(err[-2:]))
    v = c.get("verify") or []
    result(len(v) == 1 and v[0].startswith("ok: ") and "shutdown" in v[0],
           name + ": audit file written, sealed at shutdown, verified in the guest", repr(v))
    # Sealed tokens carry a random nonce: equal up to the token itself.
    def sealed(lines):
        return None if lines is None else [re.sub(r"l1\.[A-Za-z0-9_-]+", "l1.TOKEN", l)
                                           for l in lines]
    ref_out = sealed(ref.get("out"))
    out = sealed(out)
    same = ref_out is not None and out == ref_out
    detail = "%d lines" % len(out)
    if not same:
        for i in range(max(len(out), len(ref_out or []))):
            a = out[i] if i < len(out) else None
            b = ref_out[i] if ref_out and i < len(ref_out) else None
            if a != b:
                detail = "line %d: guest %r, qemu-user %r" % (
                    i + 1, (a or "")[:160], (b or "")[:160])
                break
    result(same, name + ": answers identical to the session under qemu-user", detail)

    # Forbidden actions.
    fo = c.get("forbid-out") or []
    f2 = answer(fo, 2) or ""
    result('"isError":true' in f2 and
           "credential_process: cannot make a pipe: Operation not permitted" in f2,
           name + ": credential_process added after the start is refused (seccomp EPERM)",
           f2[:220])
    f3 = answer(fo, 3) or ""
    if landlock:
        result('"isError":true' in f3 and "cannot open /tmp/f/cfg/config: Permission denied" in f3,
               name + ": config replaced by a new file is unreadable (Landlock EACCES)", f3[:220])
    else:
        result('"kernel-canned"' in f3 and '"isError"' not in f3,
               name + ": without Landlock the replaced config is read and its keys serve",
               f3[:220])
    result(c.get("forbid-rc") == ["0"], name + ": that server lives on and exits cleanly",
           "rc %r (159 is SIGSYS)" % c.get("forbid-rc"))
    fst = c.get("forbid-status") or []
    result(field(fst, "Seccomp") == "2", name + ": that server runs under seccomp",
           "Seccomp %r" % field(fst, "Seccomp"))
    kills = [l for l in c.get("seccomp") or [] if l != "(missing)"]
    result("end" in c and not kills,
           name + ": no process killed by seccomp (kernel log, audit type 1326)",
           "; ".join(kills)[:600])
    return secs, line


def main():
    t0 = time.time()
    os.makedirs(LOGS, exist_ok=True)
    for tool in ("qemu-system-aarch64", "qemu-system-arm", "qemu-aarch64", "qemu-arm", "cpio"):
        if shutil.which(tool) is None:
            result(False, "tool " + tool, "missing: make deps-kernel (scripts/deps.sh kernel)")
    if FAILED:
        print("test_kernel: %d passed, %d failed" % (PASSED, FAILED))
        return 1
    summary = []
    for g in GUESTS:
        d = os.path.join(KDIR, g["deb"])
        binary = os.path.join(ROOT, "build", g["target"], "mcp-s3")
        missing = [p for p in (os.path.join(d, "vmlinuz"), os.path.join(d, "busybox"),
                               os.path.join(KDIR, "amd64", "busybox"), binary)
                   if not os.path.exists(p)]
        if missing:
            result(False, g["target"], "missing %s (make deps-kernel, make TARGET=%s)" % (
                ", ".join(missing), g["target"]))
            continue
        initrd = initramfs(g)
        port, dead = free_port(), free_port()
        rc, secs, ref = reference(g, port, dead)
        ok = rc == 0 and ref.get("rc") == ["0"] and not any(
            "NO ANSWER" in l or "NOT" in l for l in ref.get("log") or [])
        result(ok, "%s/qemu-user: the reference session" % g["target"],
               "%.1fs" % secs if ok else "exit %r, log %r" % (rc, ref.get("log")))
        for mode in ("landlock", "nolandlock"):
            secs, line = boot(g, mode, initrd, port, dead, ref)
            summary.append("%s/%s: %.1fs, %s" % (g["target"], mode, secs, line))
    for s in summary:
        print("# " + s)
    print("# whole run %.1fs" % (time.time() - t0))
    print("test_kernel: %d passed, %d failed" % (PASSED, FAILED))
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
