#!/usr/bin/env python3
"""A real host: Claude Code from npm (tests/hosts/, installed by scripts/deps.sh
test) adds mcp-s3 with `claude mcp add-json` and checks it with `claude mcp
list`, which needs no model.  Its health check opens with a 2026-07-28
server/discover probe; the bytes on the pipe are logged by a wrapper and read
back.  No S3 server is needed: the check lists tools only.

    python3 tests/integration/test_claude_code.py
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mcptest import BINARY, READONLY_TOOLS, ROOT, SECRET_KEY, Suite, base_env, binary_ready, check, eq, short  # noqa: E402

S = Suite("test_claude_code.py")
CLAUDE = os.path.join(ROOT, "tests", "hosts", "node_modules", ".bin", "claude")
MODERN = "2026-07-28"
T = tempfile.mkdtemp(prefix="mcp-s3-claude-")


def claude(*args, timeout=90):
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": os.path.join(T, "home"), "LANG": "C.UTF-8",
           "DISABLE_AUTOUPDATER": "1", "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1", "CI": "true"}
    return subprocess.run([CLAUDE] + list(args), cwd=os.path.join(T, "proj"), env=env, capture_output=True,
                          text=True, timeout=timeout, stdin=subprocess.DEVNULL)


def lines(path):
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as f:
        return [json.loads(x) for x in f if x.strip()]


def setup(name, env):
    """A wrapper that logs both directions of the pipe, and the server added under name."""
    wrap = os.path.join(T, name + ".sh")
    with open(wrap, "w") as f:
        f.write("#!/bin/sh\ntee -a '%s/%s.in' | '%s' | tee -a '%s/%s.out'\n" % (T, name, BINARY, T, name))
    os.chmod(wrap, 0o755)
    cfg = {"type": "stdio", "command": wrap, "env": env}
    r = claude("mcp", "add-json", name, json.dumps(cfg))
    eq(r.returncode, 0, "claude mcp add-json %s: %s %s" % (name, r.stdout, r.stderr))
    return os.path.join(T, name + ".in"), os.path.join(T, name + ".out")


@S.test
def claude_code_version():
    r = claude("--version")
    eq(r.returncode, 0, "claude --version: %s" % r.stderr)
    check(r.stdout.startswith("2.1.332"), "pinned Claude Code 2.1.332, got %r" % r.stdout)


@S.test
def mcp_list_shows_connected_after_a_discover_probe():
    env = base_env()
    fin, fout = setup("s3", env)
    r = claude("mcp", "list")
    line = [x for x in r.stdout.splitlines() if x.startswith("s3:")]
    check(line and "Connected" in line[0], "claude mcp list should show s3 Connected: %r %r" % (r.stdout, r.stderr))
    sent, got = lines(fin), lines(fout)
    check(sent, "Claude Code sent nothing")
    first = sent[0]
    eq(first.get("method"), "server/discover", "Claude Code's first message")
    eq((first.get("params", {}).get("_meta") or {}).get("io.modelcontextprotocol/protocolVersion"), MODERN,
       "the probe's protocol version")
    byid = {json.dumps(m.get("id")): m for m in got if "id" in m}
    ans = byid.get(json.dumps(first.get("id")))
    check(ans and "result" in ans, "the probe got no result: %s" % short(ans))
    res = ans["result"]
    eq(res.get("resultType"), "complete", "discover resultType")
    check(MODERN in res.get("supportedVersions", []), "supportedVersions: %s" % short(res))
    for m in got:
        check("error" not in m, "an error answer on the pipe: %s" % short(m))
    for m in sent[1:]:
        if m.get("method") == "tools/list":
            a = byid.get(json.dumps(m.get("id")))
            check(a and [t["name"] for t in a["result"]["tools"]] == READONLY_TOOLS, "tools/list answer: %s" % short(a))
            modern = "io.modelcontextprotocol/protocolVersion" in (m.get("params", {}).get("_meta") or {})
            eq("resultType" in a["result"], modern, "resultType present exactly on a modern tools/list")
    print("# Claude Code sent: %s" % ", ".join(str(m.get("method")) for m in sent), flush=True)
    for path in (fin, fout):
        with open(path, encoding="utf-8") as f:
            check(SECRET_KEY not in f.read(), "the secret key crossed the pipe (%s)" % path)


@S.test
def a_server_that_cannot_start_is_not_connected():
    fin, fout = setup("broken", base_env({"MCP_S3_MAX_GET_SIZE": "lots"}))
    r = claude("mcp", "list")
    line = [x for x in r.stdout.splitlines() if x.startswith("broken:")]
    check(line and "Connected" not in line[0], "an invalid setting must not look connected: %r" % r.stdout)


if __name__ == "__main__":
    if not binary_ready():
        sys.exit(S.fail_all("%s is missing (make build/mcp-s3)" % BINARY))
    if not os.path.exists(CLAUDE):
        sys.exit(S.fail_all("%s is missing (sh scripts/deps.sh test)" % CLAUDE))
    os.makedirs(os.path.join(T, "home"))
    os.makedirs(os.path.join(T, "proj"))
    try:
        rc = S.run(sys.argv[1:])
    finally:
        shutil.rmtree(T, ignore_errors=True)
    sys.exit(rc)
