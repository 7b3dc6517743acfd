#!/usr/bin/env python3
"""build/mcp-s3 the way it runs `FROM scratch`: in an empty root (a fresh
directory holding only the binary, entered with unshare + chroot), as a
non-root user (uid/gid 65534), against the seeded RGW over plain http.
A second root adds the one file the Dockerfile adds for https endpoints,
/etc/ssl/certs/ca-certificates.crt, and shows it is needed and found.

    MCP_S3_TEST_ENDPOINT=http://127.0.0.1:PORT python3 tests/release/test_emptyroot.py
    (MCP_S3_BIN picks the binary; it must be a static binary of this machine)

Runs as root (chroot and unshare need it); the roots live under build/.
"""
import os
import shutil
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
import seeddata as D  # noqa: E402
from mcptest import (BINARY, READ_TOOLS, Server, Suite, base_env, check,  # noqa: E402
                     closed_port, eq, ok_result, text_of)

S = Suite("test_emptyroot.py")
EP = os.environ.get("MCP_S3_TEST_ENDPOINT") or (sys.argv[1] if len(sys.argv) > 1 else None)
UID = 65534                     # nobody/nogroup: no name needed, none exists inside
CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"
WORK = tempfile.mkdtemp(prefix="emptyroot.", dir=os.path.join(ROOT, "build"))
_roots = {}


def tool(name):
    for d in ("/usr/bin", "/bin", "/usr/sbin", "/sbin"):
        if os.access(os.path.join(d, name), os.X_OK):
            return os.path.join(d, name)
    raise RuntimeError("%s not found" % name)


def make_root(name, with_ca=False):
    """A fresh root: /mcp-s3 (0755) and, with_ca, the CA bundle; and the
    wrapper that enters it.  The wrapper execs, so the PID the test sees is
    the server itself."""
    if name in _roots:
        return _roots[name]
    r = os.path.join(WORK, name)
    os.mkdir(r)
    os.chmod(r, 0o755)
    shutil.copyfile(BINARY, os.path.join(r, "mcp-s3"))
    os.chmod(os.path.join(r, "mcp-s3"), 0o755)
    if with_ca:
        os.makedirs(os.path.join(r, os.path.dirname(CA_BUNDLE).lstrip("/")))
        shutil.copyfile(CA_BUNDLE, os.path.join(r, CA_BUNDLE.lstrip("/")))
    w = os.path.join(WORK, name + ".sh")
    with open(w, "w") as f:
        f.write("#!/bin/sh\nexec %s --mount --uts --ipc %s --userspec=%d:%d --groups=%d %s /mcp-s3 \"$@\"\n"
                % (tool("unshare"), tool("chroot"), UID, UID, UID, r))
    os.chmod(w, 0o755)
    _roots[name] = (r, w)
    return r, w


def tree(r):
    out = []
    for d, dirs, files in os.walk(r):
        out += [os.path.relpath(os.path.join(d, x), r) for x in files]
    return sorted(out)


def proc_status(pid):
    st = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            k, _, v = line.partition(":")
            st[k] = v.split()
    return st


@S.test
def test_binary_is_static():
    with open(BINARY, "rb") as f:
        elf = f.read()
    check(elf[:4] == b"\x7fELF", "not an ELF file")
    is64 = elf[4] == 2
    end = "<" if elf[5] == 1 else ">"
    if is64:
        phoff, = struct.unpack_from(end + "Q", elf, 32)
        phentsize, phnum = struct.unpack_from(end + "HH", elf, 54)
    else:
        phoff, = struct.unpack_from(end + "I", elf, 28)
        phentsize, phnum = struct.unpack_from(end + "HH", elf, 42)
    types = [struct.unpack_from(end + "I", elf, phoff + i * phentsize)[0] for i in range(phnum)]
    check(3 not in types, "PT_INTERP: the binary wants a dynamic loader")
    check(2 not in types, "PT_DYNAMIC: the binary is dynamically linked")


@S.test
def test_version_in_empty_root():
    r, w = make_root("plain")
    eq(tree(r), ["mcp-s3"], "files in the root")
    p = subprocess.run([w, "--version"], capture_output=True, timeout=20, env={})
    eq(p.returncode, 0, "--version exit code (stderr %r)" % p.stderr[:300])
    check(p.stdout.startswith(b"mcp-s3 ") and b"built " in p.stdout, "--version: %r" % p.stdout)


@S.test
def test_session_in_empty_root():
    check(EP, "no endpoint (MCP_S3_TEST_ENDPOINT)")
    r, w = make_root("plain")
    with Server(base_env(endpoint=EP), binary=w) as s:
        init = s.initialize()
        # Answering, so the wrapper's execs are done: this PID is mcp-s3.
        st = proc_status(s.proc.pid)
        eq(st["Name"], ["mcp-s3"], "process name")
        eq(st["Uid"], [str(UID)] * 4, "uids")
        eq(st["Gid"], [str(UID)] * 4, "gids")
        eq(st.get("Groups", []), [str(UID)], "supplementary groups")
        eq(os.readlink("/proc/%d/root" % s.proc.pid), r, "the server's root directory")
        check("tools" in init.get("capabilities", {}), "no tools capability: %r" % init)
        names = [t["name"] for t in s.result("tools/list")["tools"]]
        check(all(n in names for n in READ_TOOLS), "tools/list: %r" % names)
        check(D.MAIN in text_of(s.call("s3_list_buckets", {})), "bucket %s not listed" % D.MAIN)
        sc = ok_result(s.call("s3_list_objects", {"bucket": D.MAIN}), "list_objects")
        check("hello.txt" in [o["key"] for o in sc["objects"]], "hello.txt not listed")
        res = s.call("s3_get_object", {"bucket": D.MAIN, "key": "hello.txt"})
        ok_result(res, "get_object")
        eq(res["content"][1], {"type": "text", "text": D.HELLO.decode()}, "hello.txt body")
        eq(s.close(), 0, "exit status after EOF")
    eq(tree(r), ["mcp-s3"], "files in the root afterwards")


@S.test
def test_https_needs_the_ca_file():
    """Without a CA file an https endpoint stops the start and says why;
    with the Dockerfile's one file it starts (the endpoint is a closed
    port: the call fails on the network, not on trust anchors)."""
    env = base_env({"S3_ENDPOINT": "https://127.0.0.1:%d" % closed_port()})
    _, bare = make_root("plain")
    with Server(env, binary=bare) as s:
        rc = s.wait_exit()
        check(rc != 0, "started without any CA certificates")
        check("CA" in s.stderr, "stderr does not name the CA problem: %r" % s.stderr[-300:])
    if not os.path.isfile(CA_BUNDLE):
        print("note: %s missing on this machine, second half skipped" % CA_BUNDLE)
        return
    r, w = make_root("with-ca", with_ca=True)
    eq(tree(r), ["etc/ssl/certs/ca-certificates.crt", "mcp-s3"], "files in the root")
    with Server(env, binary=w) as s:
        s.initialize()
        res = s.call("s3_list_buckets", {})
        check(res.get("isError") is True, "a closed port answered: %r" % res)
        code = text_of(res).split(":")[0]
        check(code in ("NetworkError", "Timeout"), "error: %r" % text_of(res)[:300])
        eq(s.close(), 0, "exit status after EOF")


def main():
    if os.geteuid() != 0:
        return S.fail_all("needs root (chroot, unshare)")
    try:
        return S.run(sys.argv[2:] if len(sys.argv) > 2 else None)
    finally:
        shutil.rmtree(WORK, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
