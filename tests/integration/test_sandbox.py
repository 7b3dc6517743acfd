#!/usr/bin/env python3
"""The sandbox while serving: /proc/PID/status shows no_new_privs and a
seccomp filter, the process is not dumpable, MCP_S3_SANDBOX=off leaves it
all off, an invalid value stops the start, and a sandboxed server still
answers, reports network errors as errors (not a kill by seccomp), opens
its trust anchors and creates its audit file after narrowing itself.
No S3 needed: the endpoints are closed ports or a tiny loopback peer."""
import os
import socket
import subprocess
import sys
import tempfile
import threading

import mcptest
from mcptest import (BINARY, Server, Suite, base_env, binary_ready, check,
                     closed_port, eq, start_fails, text_of)

S = Suite("test_sandbox")
TMP = tempfile.mkdtemp(prefix="mcp-s3-sandbox-")
LINE = "mcp-s3: sandbox: "
# qemu-user refuses seccomp and Landlock for the programs it runs: under
# it the filters are reported unavailable, which is all there is to see.
QEMU = BINARY.endswith(".qemu")


def status(pid):
    """/proc/PID/status as a dict of its fields."""
    with open("/proc/%d/status" % pid) as f:
        return dict(l.split(":\t", 1) for l in f.read().splitlines() if ":\t" in l)


def serve(settings=None):
    """A server started without the valgrind wrapper (its own system calls
    are not the server's) and with the sandbox at its default unless
    settings say otherwise."""
    env = base_env(settings)
    if "MCP_S3_SANDBOX" not in env:
        env["MCP_S3_SANDBOX"] = "on"
    s = Server(env, binary=BINARY)
    s.initialize()
    return s


def sandbox_line(s):
    lines = [l for l in s.stderr.splitlines() if l.startswith(LINE)]
    eq(len(lines), 1, "sandbox lines on stderr")
    return lines[0]


def not_killed(s):
    check(s.proc.poll() is None, "the server died: status %r, stderr %r" %
          (s.proc.poll(), s.stderr[-300:]))


@S.test
def status_shows_no_new_privs_and_seccomp():
    with serve() as s:
        st = status(s.proc.pid)
        if QEMU:
            check("seccomp unavailable" in sandbox_line(s), sandbox_line(s))
            print("# under qemu: %s" % sandbox_line(s))
            return
        eq(st.get("NoNewPrivs", "").strip(), "1", "NoNewPrivs")
        eq(st.get("Seccomp", "").strip(), "2", "Seccomp (2: filter)")
        line = sandbox_line(s)
        check(line.startswith(LINE + "no_new_privs, nodump, "), line)
        check("seccomp " in line and " syscalls" in line, line)
        if os.path.exists("/sys/kernel/security/landlock") or "landlock ABI" in line:
            check("landlock ABI" in line, "Landlock missing: %r" % line)


@S.test
def sandbox_off_shows_nothing():
    with serve({"MCP_S3_SANDBOX": "off"}) as s:
        st = status(s.proc.pid)
        eq(st.get("NoNewPrivs", "").strip(), "0", "NoNewPrivs")
        eq(st.get("Seccomp", "").strip(), "0", "Seccomp")
        eq(sandbox_line(s), LINE + "off (MCP_S3_SANDBOX=off)", "the line")
        ok = s.result("tools/list")
        check(len(ok["tools"]) > 0, "no tools")


@S.test
def invalid_value_stops_the_start():
    for v in ("maybe", "ON", "1"):
        env = base_env({"MCP_S3_SANDBOX": v})
        rc, err = start_fails(env)
        check("MCP_S3_SANDBOX" in err and "on or off" in err,
              "value %r: stderr %r" % (v, err[:300]))


def owner_of_proc(settings):
    """Owner uid of /proc/PID of a server run as a non-root user: the kernel
    gives a non-dumpable process's /proc files to root."""
    uid = os.getuid() if os.getuid() != 0 else 65534
    env = base_env(settings)
    p = subprocess.Popen([BINARY], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, env=env, cwd="/",
                         preexec_fn=(lambda: os.setuid(uid)) if os.getuid() == 0 else None)
    try:
        p.stdin.write(b'{"jsonrpc":"2.0","id":1,"method":"ping"}\n')
        p.stdin.flush()
        line = p.stdout.readline()     # serving: the sandbox is up
        check(b'"result"' in line, "no answer to ping: %r" % line)
        return os.stat("/proc/%d/status" % p.pid).st_uid, uid
    finally:
        p.stdin.close()
        p.wait(20)
        p.stdout.close()
        p.stderr.close()


@S.test
def not_dumpable_while_serving():
    if not os.access(BINARY, os.X_OK) or (os.getuid() == 0 and
                                           os.stat(BINARY).st_mode & 0o001 == 0):
        raise AssertionError("the binary cannot be run by another user")
    if QEMU:
        print("# under qemu: /proc/PID belongs to qemu; not checked")
        return
    owner, uid = owner_of_proc({"MCP_S3_SANDBOX": "on"})
    eq(owner, 0, "owner of /proc/PID/status with the sandbox (not dumpable)")
    owner, uid = owner_of_proc({"MCP_S3_SANDBOX": "off"})
    eq(owner, uid, "owner of /proc/PID/status without the sandbox (dumpable)")


@S.test
def tool_call_to_a_closed_port_is_a_network_error():
    port = closed_port()
    with serve({"S3_ENDPOINT": "http://127.0.0.1:%d" % port}) as s:
        for _ in range(2):
            r = s.call("s3_list_buckets", {})
            check(r.get("isError") is True, "not an error: %r" % r)
            check(text_of(r).startswith("NetworkError"), text_of(r)[:200])
        not_killed(s)


@S.test
def https_endpoint_loads_roots_after_narrowing():
    """The trust anchors are read after the sandbox is up (the plan allows
    them): a TLS endpoint that is a closed port is a network error."""
    port = closed_port()
    with serve({"S3_ENDPOINT": "https://127.0.0.1:%d" % port,
                "S3_USE_PATH_STYLE": "true"}) as s:
        r = s.call("s3_list_buckets", {})
        check(r.get("isError") is True, "not an error: %r" % r)
        check(text_of(r).startswith("NetworkError"), text_of(r)[:200])
        not_killed(s)


class HttpPeer:
    """A loopback HTTP peer answering every request with an empty bucket
    list, for a tool call that succeeds under the sandbox."""
    BODY = (b'<?xml version="1.0" encoding="UTF-8"?><ListAllMyBucketsResult '
            b'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Owner><ID>o</ID>'
            b'</Owner><Buckets><Bucket><Name>sandboxed</Name><CreationDate>'
            b'2026-01-01T00:00:00.000Z</CreationDate></Bucket></Buckets>'
            b'</ListAllMyBucketsResult>')

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.stop = False
        self.t = threading.Thread(target=self.loop, daemon=True)
        self.t.start()

    def loop(self):
        while not self.stop:
            try:
                c, _ = self.sock.accept()
            except socket.timeout:
                continue
            threading.Thread(target=self.one, args=(c,), daemon=True).start()

    def one(self, c):
        c.settimeout(10)
        buf = b""
        try:
            while True:
                while b"\r\n\r\n" not in buf:
                    d = c.recv(4096)
                    if not d:
                        return
                    buf += d
                _, buf = buf.split(b"\r\n\r\n", 1)
                c.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\n"
                          b"Content-Length: %d\r\n\r\n" % len(self.BODY) + self.BODY)
        except OSError:
            pass
        finally:
            c.close()

    def close(self):
        self.stop = True
        self.t.join(2)
        self.sock.close()


@S.test
def calls_succeed_and_audit_file_is_created_under_the_sandbox():
    peer = HttpPeer()
    d = tempfile.mkdtemp(dir=TMP)
    audit = os.path.join(d, "audit.log")
    try:
        with serve({"S3_ENDPOINT": "http://127.0.0.1:%d" % peer.port,
                    "MCP_S3_AUDIT_FILE": audit}) as s:
            for _ in range(3):
                r = s.call("s3_list_buckets", {})
                check(not r.get("isError"), "error: %r" % text_of(r)[:300])
                check("sandboxed" in text_of(r), text_of(r)[:200])
            not_killed(s)
            if not QEMU:
                eq(status(s.proc.pid).get("Seccomp", "").strip(), "2", "Seccomp")
        with open(audit) as f:
            n = sum(1 for l in f if "s3_list_buckets" in l)
        check(n >= 3, "%d audit records of s3_list_buckets" % n)
    finally:
        peer.close()


@S.test
def credential_process_profile_skips_the_filters():
    d = tempfile.mkdtemp(dir=TMP)
    conf = os.path.join(d, "config")
    with open(conf, "w") as f:
        f.write("[profile other]\ncredential_process = /bin/false\n")
    with serve({"AWS_CONFIG_FILE": conf}) as s:
        line = sandbox_line(s)
        check("landlock and seccomp skipped" in line and "credential_process" in line, line)
        st = status(s.proc.pid)
        if not QEMU:
            eq(st.get("NoNewPrivs", "").strip(), "1", "NoNewPrivs")
        eq(st.get("Seccomp", "").strip(), "0", "Seccomp")
        s.result("tools/list")


@S.test
def credential_process_added_after_the_start_is_refused():
    """docs/security.md: a credential_process written into the config once
    the filters are up cannot run, and the server lives on (its pipe()
    was once an unlisted call: SIGSYS; found by make test-kernel)."""
    d = tempfile.mkdtemp(dir=TMP)
    conf = os.path.join(d, "config")
    with open(conf, "w") as f:
        f.write("[default]\nregion = us-east-1\n")
    with serve({"AWS_CONFIG_FILE": conf, "AWS_ACCESS_KEY_ID": None,
                "AWS_SECRET_ACCESS_KEY": None}) as s:
        with open(conf, "a") as f:
            f.write("credential_process = /bin/true\n")
        for _ in range(2):
            r = s.call("s3_list_buckets", {})
            check(r.get("isError") is True, "not an error: %r" % r)
            if not QEMU:
                check("credential_process: cannot make a pipe" in text_of(r),
                      text_of(r)[:300])
        not_killed(s)


def main():
    if not binary_ready():
        return S.fail_all("build/mcp-s3 is missing; run make")
    if not sys.platform.startswith("linux"):
        return S.fail_all("the sandbox checks read /proc: Linux only")
    return S.run(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
