#!/usr/bin/env python3
"""Sealed audit log (MCP_S3_AUDIT_KEY_FILE) of build/mcp-s3: a forward-secure
HMAC-SHA256 chain over the audit lines, seal records, and `mcp-s3 audit verify`.
No S3 server is needed: calls in read-only mode and calls to a closed port still
leave audit records. The chain is recomputed here, independently of the C code,
to forge records the way an attacker would (see include/audit.h):

    K(R,0)   = HMAC-SHA256(K0, "mcp-s3 audit run" || R)
    K(R,i+1) = SHA-256("mcp-s3 audit evolve" || K(R,i))
    mac      = HMAC-SHA256(K(R,i), the line up to ,"mac")

    python3 tests/integration/test_audit_chain.py [NAME ...]
"""
import hashlib
import hmac
import json
import os
import shutil
import signal
import stat
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mcptest import (Server, Suite, base_env, binary_ready, check, eq, read_jsonl,  # noqa: E402
                     run_cli, short, start_fails)

S = Suite("test_audit_chain.py")
TMP = None
KEY = None          # path of the good key file
K0 = None           # its 32 bytes
SUFFIX = 74         # len(',"mac":"') + 64 + len('"}')

FIELDS = ["timestamp", "tool", "connection", "bucket", "key", "dest_bucket", "dest_key",
          "status", "decision", "rule", "error", "request_id", "s3_request_id", "bytes",
          "content_bytes", "duration_ms"]


def new_dir(tag):
    return tempfile.mkdtemp(prefix="chain-%s-" % tag, dir=TMP)


def write_key(path, text, mode=0o600):
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)
    return path


def settings(log, **extra):
    s = {"MCP_S3_AUDIT_FILE": log, "MCP_S3_AUDIT_KEY_FILE": KEY}
    s.update(extra)
    return s


def session(log, calls=6, **extra):
    """One server run with `calls` tool calls (read-only refusals, invalid
    arguments and network errors to a closed port), ended by EOF on stdin."""
    s = Server(base_env(settings(log, **extra)))
    try:
        s.initialize()
        for i in range(calls):
            if i % 3 == 0:
                s.call("s3_put_object", {"bucket": "b", "key": "k%d" % i, "content": "x"})
            elif i % 3 == 1:
                s.call("s3_get_object", {"bucket": "b", "key": "k%d" % i})
            else:
                s.call("s3_get_object", {"bucket": "b"})
        rc = s.close()
    except Exception:
        s.kill()
        raise
    eq(rc, 0, "exit status of the server; stderr %r" % s.stderr[-300:])
    return s


def verify(log, key=None):
    rc, out, err = run_cli(["audit", "verify", log, "--key", key or KEY])
    return rc, out.strip(), err


def lines_of(log):
    with open(log, "rb") as f:
        data = f.read()
    check(data.endswith(b"\n"), "the log does not end with a newline")
    return data[:-1].split(b"\n")


def write_lines(path, lines, tail=b"\n"):
    with open(path, "wb") as f:
        f.write(b"\n".join(lines) + (tail if lines else b""))
    return path


def run_key(run_hex):
    return hmac.new(K0, b"mcp-s3 audit run" + bytes.fromhex(run_hex), hashlib.sha256).digest()


def evolve(k):
    return hashlib.sha256(b"mcp-s3 audit evolve" + k).digest()


def key_at(run_hex, i):
    k = run_key(run_hex)
    for _ in range(i):
        k = evolve(k)
    return k


def reforge(lines, i, k):
    """Re-links line i after line i-1 (same run) and signs it with k."""
    line = lines[i]
    if i > 0 and json.loads(line)["seq"] > 0:
        line = line[:-139] + lines[i - 1][-66:-2] + line[-75:]
    mac = hmac.new(k, line[:-SUFFIX], hashlib.sha256).hexdigest().encode()
    lines[i] = line[:-66] + mac + b'"}'


def edited(line, field, value):
    """line with one field's JSON value replaced, bytes otherwise the same."""
    rec = json.loads(line)
    old = json.dumps(rec[field], separators=(",", ":")).encode()
    new = json.dumps(value, separators=(",", ":")).encode()
    at = line.index(b'"%s":%s' % (field.encode(), old))
    return line[:at] + b'"%s":%s' % (field.encode(), new) + line[at + len(field) + 3 + len(old):]


def expect_bad(path, start, what):
    rc, out, err = verify(path)
    eq(rc, 1, "%s: exit status of verify (%s)" % (what, out))
    check(out.startswith(start), "%s: verify said %r, expected %r..." % (what, out, start))


# A good log, made once: 1 start + 9 calls, a seal every 4 records (the start
# counts), and the shutdown seal. Line = seq + 1:
#   seq 0 start, 1 2 3, 4 seal, 5 6 7 8, 9 seal, 10 11, 12 seal (shutdown).
GOOD = None


def good_log():
    global GOOD
    if GOOD is None:
        log = os.path.join(new_dir("good"), "audit.log")
        session(log, calls=9, MCP_S3_AUDIT_SEAL_RECORDS="4")
        GOOD = log
    return GOOD


def copy_of(tag):
    return os.path.join(new_dir(tag), "audit.log")


@S.test
def session_verifies():
    log = good_log()
    rc, out, err = verify(log)
    eq(rc, 0, "verify exit status (%s %s)" % (out, err))
    check(out.startswith("ok: 13 records, 3 seals, last seal at seq 12 (shutdown"), "verify said %r" % out)
    eq(stat.S_IMODE(os.stat(log).st_mode) & 0o077, 0, "mode of the sealed log")


@S.test
def records_keep_their_fields():
    recs = read_jsonl(good_log())
    eq(len(recs), 13, "records")
    eq([r.get("event") for r in recs],
       ["start", None, None, None, "seal", None, None, None, None, "seal", None, None, "seal"], "events")
    eq([r["seq"] for r in recs], list(range(13)), "seq")
    eq(len({r["run"] for r in recs}), 1, "one run id")
    eq(recs[0]["offset"], 0, "offset of the first start record")
    eq(recs[0]["prev"], "0" * 64, "prev of the start record")
    for a, b in zip(recs, recs[1:]):
        eq(b["prev"], a["mac"], "prev of seq %d" % b["seq"])
    eq([r.get("reason") for r in recs if r.get("event") == "seal"], ["count", "count", "shutdown"], "seal reasons")
    eq([r.get("records") for r in recs if r.get("event") == "seal"], [4, 4, 2], "records per seal")
    for r in recs:
        keys = list(r)
        eq(keys[-4:], ["run", "seq", "prev", "mac"], "the chain fields come last")
        if r.get("event") is None:
            check(r["tool"] in ("s3_put_object", "s3_get_object"), "tool %r" % r.get("tool"))
            check(r["status"] in ("denied", "invalid", "error"), "status %r" % r.get("status"))
            # The fields of an unsealed record, in their order, then the chain.
            order = [k for k in keys[:-4]]
            eq(order, [k for k in FIELDS if k in order], "field order of %s" % short(r))
            check(set(order) <= set(FIELDS), "unknown fields in %s" % short(r))


@S.test
def no_key_anywhere():
    log = copy_of("leak")
    s = session(log, calls=3)
    recs = read_jsonl(log)
    secret = [K0.hex(), K0.hex().upper()]
    k = run_key(recs[0]["run"])
    for _ in range(len(recs) + 1):
        secret.append(k.hex())
        k = evolve(k)
    with open(log) as f:
        text = f.read()
    for x in secret:
        check(x not in text, "a key is in the audit file")
        check(x not in s.stderr, "a key is in stderr")
        check(x not in s.stdout_text, "a key is on stdout")


@S.test
def edited_record():
    lines = lines_of(good_log())
    bad = list(lines)
    bad[5] = edited(bad[5], "status", "ok")
    expect_bad(write_lines(copy_of("edit"), bad), "line 6 (seq 5): MAC mismatch", "status edited")
    bad = list(lines)
    bad[2] = edited(bad[2], "timestamp", "2020-01-01T00:00:00.000Z")
    expect_bad(write_lines(copy_of("edit"), bad), "line 3 (seq 2): MAC mismatch", "timestamp edited")
    bad = list(lines)
    bad[3] = edited(bad[3], "seq", 2)
    expect_bad(write_lines(copy_of("edit"), bad), "line 4 (seq 2): seq 2 again", "seq edited")
    bad = list(lines)
    bad[12] = edited(bad[12], "reason", "count")
    expect_bad(write_lines(copy_of("edit"), bad), "line 13 (seq 12): MAC mismatch", "seal edited")


@S.test
def deleted_record():
    lines = lines_of(good_log())
    expect_bad(write_lines(copy_of("del"), lines[:6] + lines[7:]),
               "line 7 (seq 7): sequence gap: seq 6..6 missing", "one deleted")
    expect_bad(write_lines(copy_of("del"), lines[:2] + lines[5:]),
               "line 3 (seq 5): sequence gap: seq 2..4 missing", "three deleted")
    expect_bad(write_lines(copy_of("del"), lines[1:]),
               "line 1 (seq 1): a record of run", "start deleted")


@S.test
def inserted_record():
    lines = lines_of(good_log())
    run = json.loads(lines[0])["run"]
    # A forged seq 6 before the genuine one, linked right; its MAC under every
    # key an attacker who came after record 6 could have had: K(R,n) for each
    # n > 6 the process held, and keys it might guess at (K0 used as is, a
    # random key). (Whoever held K(R,6) before record 6 was written could
    # have written it: forward security protects only what came before.)
    keys = [("K%d" % n, key_at(run, n)) for n in range(7, 14)] + [("K0", K0), ("random", os.urandom(32))]
    for what, k in keys:
        bad = list(lines)
        bad.insert(6, edited(lines[6], "tool", "s3_delete_object"))
        reforge(bad, 6, k)
        expect_bad(write_lines(copy_of("ins"), bad), "line 7 (seq 6): inserted record", "forged under " + what)
    # A record of a run that does not exist, and a plain (unsealed) line.
    bad = list(lines)
    bad.insert(3, edited(lines[3], "run", "ab" * 16))
    expect_bad(write_lines(copy_of("ins"), bad), "line 4 (seq 3): a record of run abababab", "foreign run")
    bad = list(lines)
    bad.insert(3, b'{"timestamp":"2026-11-23T10:00:00.000Z","tool":"s3_list_buckets","status":"ok"}')
    expect_bad(write_lines(copy_of("ins"), bad), 'line 4: malformed record: no "mac"', "unsealed line")


@S.test
def reordered_records():
    lines = lines_of(good_log())
    bad = list(lines)
    bad[5], bad[6] = bad[6], bad[5]
    expect_bad(write_lines(copy_of("swap"), bad),
               "line 6 (seq 6): records out of order: seq 5 was expected here and comes later, at line 7",
               "neighbours swapped")
    bad = list(lines)
    bad[2], bad[9] = bad[9], bad[2]
    expect_bad(write_lines(copy_of("swap"), bad),
               "line 3 (seq 9): records out of order: seq 2 was expected here and comes later, at line 10",
               "far apart swapped")


@S.test
def truncated_log():
    lines = lines_of(good_log())
    # At a record boundary after a tool record: the unsealed tail.
    expect_bad(write_lines(copy_of("cut"), lines[:11]),
               "unsealed tail: records 10..10 after the last seal (seq 9), or the log was truncated",
               "cut after seq 10")
    expect_bad(write_lines(copy_of("cut"), lines[:7]),
               "unsealed tail: records 5..6 after the last seal (seq 4), or the log was truncated",
               "cut after seq 6")
    expect_bad(write_lines(copy_of("cut"), lines[:3]),
               "unsealed tail: records 0..2 of the last run have no seal after them",
               "cut before the first seal")
    # Inside a line: the torn record is named.
    p = copy_of("cut")
    with open(p, "wb") as f:
        f.write(b"\n".join(lines[:10]) + b"\n" + lines[10][:50])
    expect_bad(p, "line 11: incomplete last line", "cut inside seq 10")
    p = copy_of("cut")
    with open(p, "wb") as f:
        f.write(b"\n".join(lines))      # only the final newline is gone
    expect_bad(p, "line 13: incomplete last line", "final newline cut")
    expect_bad(write_lines(copy_of("cut"), []), "the log is empty", "cut to nothing")
    # Exactly at a seal the log verifies: the window docs/security.md names.
    rc, out, err = verify(write_lines(copy_of("cut"), lines[:10]))
    eq(rc, 0, "cut right after the seal at seq 9 (%s)" % out)
    check(out.startswith("ok: 10 records, 2 seals, last seal at seq 9 (count"), "verify said %r" % out)


@S.test
def stolen_key_cannot_reforge_earlier_records():
    lines = lines_of(good_log())
    run = json.loads(lines[0])["run"]
    for n in range(1, 13):
        kn = key_at(run, n)     # what memory held after record n-1 was written
        for k in range(0, n):
            bad = list(lines)
            bad[k] = edited(bad[k], "timestamp", "2001-01-01T00:00:00.000Z")
            key = kn
            for i in range(k, len(bad)):
                reforge(bad, i, key)
                key = evolve(key)
            expect_bad(write_lines(copy_of("fs"), bad), "line %d (seq %d): MAC mismatch" % (k + 1, k),
                       "record %d rewritten with K%d" % (k, n))
    # The same rewrite with the right keys verifies: the forger above is right.
    bad = list(lines)
    bad[3] = edited(bad[3], "timestamp", "2001-01-01T00:00:00.000Z")
    for i in range(3, len(bad)):
        reforge(bad, i, key_at(run, i))
    rc, out, err = verify(write_lines(copy_of("fs"), bad))
    eq(rc, 0, "rewritten with K0 (%s)" % out)


@S.test
def runs_append_and_link():
    log = copy_of("runs")
    session(log, calls=2)
    size1 = os.path.getsize(log)
    session(log, calls=2)
    recs = read_jsonl(log)
    starts = [i for i, r in enumerate(recs) if r.get("event") == "start"]
    eq(len(starts), 2, "start records")
    eq(recs[starts[1]]["offset"], size1, "offset of the second run")
    check(recs[0]["run"] != recs[starts[1]]["run"], "two runs share a run id")
    rc, out, err = verify(log)
    eq(rc, 0, "two runs verify (%s)" % out)
    check("2 runs" in out, "verify said %r" % out)
    lines = lines_of(log)
    # The first run deleted whole, or one line of it.
    expect_bad(write_lines(copy_of("runs"), lines[starts[1]:]),
               "line 1 (seq 0): the run started at byte %d" % size1, "first run deleted")
    expect_bad(write_lines(copy_of("runs"), lines[:2] + lines[3:]),
               "line 3 (seq 3): sequence gap", "a line of the first run deleted")
    # The runs swapped.
    expect_bad(write_lines(copy_of("runs"), lines[starts[1]:] + lines[:starts[1]]),
               "line 1 (seq 0): the run started at byte", "runs swapped")


@S.test
def timer_seal():
    log = copy_of("timer")
    s = Server(base_env(settings(log, MCP_S3_AUDIT_SEAL_SECONDS="1", MCP_S3_AUDIT_SEAL_RECORDS="1000")))
    try:
        s.initialize()
        s.call("s3_get_object", {"bucket": "b"})
        time.sleep(2.5)
        # The event loop sealed while the server idles (sandboxed or not).
        recs = read_jsonl(log)
        eq([r.get("reason") for r in recs], [None, None, "timer"], "a timer seal without a further record")
        rc, out, err = verify(log)
        eq(rc, 0, "verify while the server runs (%s)" % out)
        s.call("s3_get_object", {"bucket": "b"})
        recs = read_jsonl(log)
        eq([r.get("reason") for r in recs][-2:], ["timer", None], "the timer seal before the next record")
        eq(s.close(), 0, "exit status")
    finally:
        s.kill()
    recs = read_jsonl(log)
    eq(recs[-1].get("reason"), "shutdown", "last record")
    rc, out, err = verify(log)
    eq(rc, 0, "verify (%s)" % out)


@S.test
def sigterm_seals():
    log = copy_of("term")
    s = Server(base_env(settings(log)))
    try:
        s.initialize()
        s.call("s3_get_object", {"bucket": "b"})
        s.send_signal(signal.SIGTERM)
        rc = s.wait_exit()
    finally:
        s.kill()
    eq(rc, 0, "exit status after SIGTERM; stderr %r" % s.stderr[-300:])
    rc, out, err = verify(log)
    eq(rc, 0, "verify (%s)" % out)
    check("(shutdown" in out, "verify said %r" % out)


@S.test
def one_sealer_per_file():
    log = copy_of("lock")
    first = Server(base_env(settings(log)))
    try:
        first.initialize()
        rc, err = start_fails(base_env(settings(log)))
        check("another process is sealing it" in err, "stderr %r" % err[-300:])
        eq(first.close(), 0, "exit status of the first server")
    finally:
        first.kill()
    rc, out, err = verify(log)
    eq(rc, 0, "the first server's log verifies (%s)" % out)


@S.test
def bad_settings_stop_the_start():
    d = new_dir("bad")
    log = os.path.join(d, "audit.log")
    good = K0.hex()
    cases = [
        ("mode 0644", write_key(os.path.join(d, "k1"), good, 0o644), {}, "open to group or others"),
        ("mode 0640", write_key(os.path.join(d, "k2"), good, 0o640), {}, "open to group or others"),
        ("short", write_key(os.path.join(d, "k3"), good[:40]), {}, "expected 64 hex digits"),
        ("long", write_key(os.path.join(d, "k4"), good + "00"), {}, "expected 64 hex digits"),
        ("not hex", write_key(os.path.join(d, "k5"), "g" + good[1:]), {}, "byte 1 is not a hex digit"),
        ("raw bytes", write_key(os.path.join(d, "k6"), "x" * 32), {}, "expected 64 hex digits"),
        ("missing", os.path.join(d, "nonexistent"), {}, "No such file"),
        ("directory", d, {}, "not a regular file"),
        ("no audit file", KEY, {"MCP_S3_AUDIT_FILE": None, "MCP_S3_EXT_AUDIT": "true"},
         "set without MCP_S3_AUDIT_FILE"),
        ("records 0", KEY, {"MCP_S3_AUDIT_SEAL_RECORDS": "0"}, "MCP_S3_AUDIT_SEAL_RECORDS: invalid value"),
        ("seconds x", KEY, {"MCP_S3_AUDIT_SEAL_SECONDS": "x"}, "MCP_S3_AUDIT_SEAL_SECONDS: invalid value"),
    ]
    os.symlink(KEY, os.path.join(d, "klink"))
    cases.append(("symlink", os.path.join(d, "klink"), {}, "symbolic link"))
    for what, key, extra, want in cases:
        st = dict(settings(log, MCP_S3_AUDIT_KEY_FILE=key))
        st.update(extra)
        rc, err = start_fails(base_env(st))
        check("MCP_S3_AUDIT" in err and want in err, "%s: stderr %r" % (what, err[-300:]))
        check(good not in err and good.upper() not in err, "%s: the key is in stderr" % what)
    rc, err = start_fails(base_env({"MCP_S3_AUDIT_FILE": log, "MCP_S3_AUDIT_SEAL_RECORDS": "5"}))
    check("set without MCP_S3_AUDIT_KEY_FILE" in err, "seal setting without a key: %r" % err[-300:])
    check(not os.path.exists(log) or os.path.getsize(log) == 0, "a refused start wrote records")


@S.test
def verify_usage_and_keys():
    log = good_log()
    for args in (["audit"], ["audit", "verify"], ["audit", "verify", log], ["audit", "check", log, "--key", KEY],
                 ["audit", "verify", "--key", KEY], ["audit", "verify", log, "--key", KEY, "extra"]):
        rc, out, err = run_cli(args)
        eq(rc, 2, "exit status of %s" % " ".join(args))
        check("usage: mcp-s3 audit verify FILE --key KEYFILE" in err, "stderr %r" % err)
    d = new_dir("vk")
    loose = write_key(os.path.join(d, "loose"), K0.hex(), 0o644)
    rc, out, err = run_cli(["audit", "verify", log, "--key", loose])
    eq(rc, 2, "a key file open to others")
    check(err.startswith("mcp-s3: --key: "), "stderr %r" % err)
    rc, out, err = run_cli(["audit", "verify", os.path.join(d, "nonexistent"), "--key", KEY])
    eq(rc, 2, "a missing log")
    other = write_key(os.path.join(d, "other"), os.urandom(32).hex())
    rc, out, err = run_cli(["audit", "verify", log, "--key", other])
    eq(rc, 1, "the wrong key")
    check(out.startswith("line 1 (seq 0): MAC mismatch"), "verify said %r" % out)
    check(K0.hex() not in out + err, "the key is in the output")


def main():
    global TMP, KEY, K0
    if not binary_ready():
        return S.fail_all("build/mcp-s3 is missing; run make first")
    TMP = tempfile.mkdtemp(prefix="mcp-s3-chain-")
    try:
        K0 = os.urandom(32)
        KEY = write_key(os.path.join(TMP, "audit.key"), K0.hex() + "\n")
        return S.run(sys.argv[1:])
    finally:
        shutil.rmtree(TMP, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
