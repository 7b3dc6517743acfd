#!/usr/bin/env python3
# needs: rgw
"""Audit log (MCP_S3_EXT_AUDIT, MCP_S3_AUDIT_FILE), request logging
(MCP_S3_EXT_LOGGING) and secrets of build/mcp-s3 against a real S3 server
(Ceph RGW): one JSON line per call, allowed, failed, denied or invalid, with the
fields of docs/security.md, never the content or a credential. The suite makes
its own bucket and objects (awscli v2).

    MCP_S3_TEST_ENDPOINT=http://127.0.0.1:PORT python3 tests/integration/test_audit.py [NAME ...]
"""
import base64
import json
import os
import shutil
import stat
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mcptest import (ACCESS_KEY, ISO8601, SECRET_KEY, AwsCli, Server, Suite, base_env,  # noqa: E402
                     binary_ready, check, eq, error_text, json_lines, ok_result, read_jsonl,
                     rgw_endpoint, run_cli, short, start_fails, text_of, unique)

S = Suite("test_audit.py")
EP = None
AWS = None
AB = None
TMP = None
ALL_SERVERS = []
AUDIT_FILES = []


def started(settings, initialize=True):
    s = Server(base_env(settings, endpoint=EP))
    ALL_SERVERS.append(s)
    if initialize:
        try:
            s.initialize()
        except Exception as e:  # noqa: BLE001
            s.kill()
            raise AssertionError("start with %s failed: %s; stderr %r" % (settings, e, s.stderr[-300:]))
    return s


def audit_path(tag):
    d = tempfile.mkdtemp(prefix="audit-%s-" % tag, dir=TMP)
    p = os.path.join(d, "audit.log")
    AUDIT_FILES.append(p)
    return p


def call_id(s, tool, args, rid=None):
    """tools/call with a given id; (id, result)."""
    rid = s.new_id() if rid is None else rid
    r = s.request("tools/call", {"name": tool, "arguments": args}, rid=rid)
    check("result" in r, "%s: JSON-RPC error %s" % (tool, short(r)))
    return rid, r["result"]


def by_request_id(records):
    out = {}
    for rec in records:
        rid = rec.get("request_id")
        check(json.dumps(rid) not in out, "two records for request_id %r" % (rid,))
        out[json.dumps(rid)] = rec
    return out


def common_fields(rec, tool, rid):
    eq(rec.get("tool"), tool, "tool")
    eq(rec.get("connection"), "default", "connection")
    eq(rec.get("request_id"), rid, "request_id")
    eq(type(rec.get("request_id")), type(rid), "type of request_id")
    check(isinstance(rec.get("timestamp"), str) and ISO8601.match(rec["timestamp"]),
          "timestamp not ISO 8601: %r" % rec.get("timestamp"))
    check(isinstance(rec.get("duration_ms"), int) and rec["duration_ms"] >= 0,
          "duration_ms: %r" % rec.get("duration_ms"))


@S.test
def audit_file_created_0600_even_with_umask_0():
    path = audit_path("mode")
    old = os.umask(0)
    try:
        s = started({"MCP_S3_EXT_AUDIT": "true", "MCP_S3_AUDIT_FILE": path})
    finally:
        os.umask(old)
    try:
        check(os.path.isfile(path), "the audit file was not created at start")
        eq(oct(stat.S_IMODE(os.stat(path).st_mode)), oct(0o600), "mode of the audit file")
        s.call("s3_list_connections", {})
    finally:
        s.close()
    eq(len(read_jsonl(path)), 1, "records after one call")


@S.test
def one_record_per_call_with_the_documented_fields():
    path = audit_path("fields")
    p = unique("fields") + "/"
    marker = "MARKER-CONTENT-%d-do-not-log" % os.getpid()
    b64payload = (b"\x00\x01binary" + marker.encode()) * 3
    AWS.put(AB, p + "secret/hidden.txt", b"hidden")
    s = started({"MCP_S3_EXT_AUDIT": "true", "MCP_S3_AUDIT_FILE": path, "MCP_S3_EXT_READONLY": "false",
                 "MCP_S3_DENIED_PREFIXES": "s3://%s/%ssecret/" % (AB, p)})
    try:
        ids = {}
        ids["put"], r = call_id(s, "s3_put_object", {"bucket": AB, "key": p + "m.txt", "content": marker})
        ok_result(r, "put")
        ids["put64"], r = call_id(s, "s3_put_object", {"bucket": AB, "key": p + "b.bin", "is_base64": True,
                                                       "content": base64.b64encode(b64payload).decode()})
        ok_result(r, "put base64")
        ids["get"], r = call_id(s, "s3_get_object", {"bucket": AB, "key": p + "m.txt"}, rid="get-as-string")
        ok_result(r, "get")
        ids["missing"], r = call_id(s, "s3_get_object", {"bucket": AB, "key": p + "missing.txt"})
        error_text(r, "NoSuchKey", "get missing")
        ids["denied"], r = call_id(s, "s3_get_object", {"bucket": AB, "key": p + "secret/hidden.txt"}, rid=0)
        error_text(r, "PolicyDenied", "get denied")
        ids["denied_put"], r = call_id(s, "s3_put_object", {"bucket": AB, "key": p + "secret/new.txt",
                                                            "content": marker})
        error_text(r, "PolicyDenied", "put denied")
        ids["invalid"], r = call_id(s, "s3_get_object", {"bucket": AB})
        error_text(r, "InvalidArgument", "get without key")
        ids["invalid2"], r = call_id(s, "s3_put_object", {"bucket": AB, "key": p + "x", "content": marker,
                                                          "bogus": 1})
        error_text(r, "InvalidArgument", "unknown argument")
        ids["copy"], r = call_id(s, "s3_copy_object", {"source_bucket": AB, "source_key": p + "m.txt",
                                                       "dest_bucket": AB, "dest_key": p + "copy.txt"}, rid="c-日本")
        ok_result(r, "copy")
        ids["list"], r = call_id(s, "s3_list_objects", {"bucket": AB, "prefix": p})
        ok_result(r, "list")
        ids["delete"], r = call_id(s, "s3_delete_object", {"bucket": AB, "key": p + "copy.txt"})
        ok_result(r, "delete")
        ids["presign"], r = call_id(s, "s3_presign_url", {"bucket": AB, "key": p + "m.txt"})
        ok_result(r, "presign")
        # a JSON-RPC error (unknown tool) and non-tool requests are not tool calls
        s.request("tools/call", {"name": "no_such_tool", "arguments": {}})
        s.request("ping")
        s.result("tools/list")
    finally:
        s.close()
    raw = open(path, "rb").read()
    check(marker.encode() not in raw, "the put content is in the audit file")
    check(base64.b64encode(b64payload) not in raw, "base64 content is in the audit file")
    check(SECRET_KEY.encode() not in raw, "the secret key is in the audit file")
    recs = read_jsonl(path)
    eq(len(recs), len(ids), "records (one per tool call)")
    check(raw.count(b"\n") == len(recs) and raw.endswith(b"\n"), "records are not one line each")
    got = by_request_id(recs)
    eq(sorted(got), sorted(json.dumps(v) for v in ids.values()), "request ids of the records")
    R = {k: got[json.dumps(v)] for k, v in ids.items()}
    for k, rec in R.items():
        tool = {"put": "s3_put_object", "put64": "s3_put_object", "get": "s3_get_object",
                "missing": "s3_get_object", "denied": "s3_get_object", "denied_put": "s3_put_object",
                "invalid": "s3_get_object", "invalid2": "s3_put_object", "copy": "s3_copy_object",
                "list": "s3_list_objects", "delete": "s3_delete_object", "presign": "s3_presign_url"}[k]
        common_fields(rec, tool, ids[k])
        eq(rec.get("bucket"), AB, "%s: bucket" % k)
    rec = R["put"]
    eq((rec.get("status"), rec.get("decision"), rec.get("key")), ("ok", "allow", p + "m.txt"), "put record")
    eq((rec.get("bytes"), rec.get("content_bytes")), (len(marker), len(marker)), "put bytes/content_bytes")
    check("error" not in rec, "an ok record with error: %s" % short(rec))
    rec = R["put64"]
    eq(rec.get("bytes"), len(b64payload), "base64 put: bytes (decoded)")
    eq(rec.get("content_bytes"), len(base64.b64encode(b64payload)), "base64 put: content_bytes (the argument)")
    rec = R["get"]
    eq((rec.get("status"), rec.get("decision"), rec.get("bytes")), ("ok", "allow", len(marker)), "get record")
    rec = R["missing"]
    eq((rec.get("status"), rec.get("decision"), rec.get("error")), ("error", "allow", "NoSuchKey"), "failed get")
    check(isinstance(rec.get("s3_request_id"), str) and rec["s3_request_id"], "s3_request_id missing: %s" % short(rec))
    for k in ("denied", "denied_put"):
        rec = R[k]
        eq((rec.get("status"), rec.get("decision"), rec.get("error")), ("denied", "deny", "PolicyDenied"), k)
        check("secret/" in str(rec.get("rule")), "%s: rule %r does not name the denied prefix" % (k, rec.get("rule")))
        check("s3_request_id" not in rec, "%s: a refusal before any I/O has an s3_request_id" % k)
    eq(R["denied_put"].get("content_bytes"), len(marker) if "content_bytes" in R["denied_put"] else None,
       "denied put: content_bytes, when present, is the size")
    for k in ("invalid", "invalid2"):
        rec = R[k]
        eq((rec.get("status"), rec.get("error")), ("invalid", "InvalidArgument"), k)
    rec = R["copy"]
    eq((rec.get("key"), rec.get("dest_bucket"), rec.get("dest_key"), rec.get("status")),
       (p + "m.txt", AB, p + "copy.txt", "ok"), "copy record")
    eq(R["list"].get("key"), p, "list: key holds the prefix")
    eq((R["delete"].get("status"), R["delete"].get("key")), ("ok", p + "copy.txt"), "delete record")
    eq(R["presign"].get("status"), "ok", "presign record")


@S.test
def read_only_refusals_and_appending_across_runs():
    path = audit_path("append")
    p = unique("append") + "/"
    s = started({"MCP_S3_AUDIT_FILE": path, "MCP_S3_EXT_READONLY": "false"})  # the file alone turns auditing on
    try:
        ok_result(s.call("s3_put_object", {"bucket": AB, "key": p + "a.txt", "content": "first run"}), "put")
    finally:
        s.close()
    first = open(path, "rb").read()
    eq(len(read_jsonl(path)), 1, "records after the first run")
    s = started({"MCP_S3_EXT_AUDIT": "true", "MCP_S3_AUDIT_FILE": path})  # read-only
    try:
        rid, r = call_id(s, "s3_put_object", {"bucket": AB, "key": p + "b.txt", "content": "refused"})
        error_text(r, "ReadOnly", "put in read-only mode")
        rid2, r = call_id(s, "s3_presign_url", {"bucket": AB, "key": p + "b.txt", "method": "PUT"})
        error_text(r, "ReadOnly", "presign PUT in read-only mode")
        rid3, r = call_id(s, "s3_delete_object", {"bucket": AB, "key": p + "a.txt"})
        error_text(r, "ReadOnly", "delete in read-only mode")
    finally:
        s.close()
    raw = open(path, "rb").read()
    check(raw.startswith(first), "the second run did not append (the first run's records changed)")
    recs = read_jsonl(path)
    eq(len(recs), 4, "records after two runs")
    for rec, rid, tool in zip(recs[1:], (rid, rid2, rid3), ("s3_put_object", "s3_presign_url", "s3_delete_object")):
        common_fields(rec, tool, rid)
        eq((rec.get("status"), rec.get("decision"), rec.get("error")), ("denied", "deny", "ReadOnly"), tool)
        check(rec.get("rule"), "%s: ReadOnly record without a rule" % tool)
    eq(AWS.keys(AB, p), [p + "a.txt"], "objects (awscli): nothing written or deleted in read-only mode")


@S.test
def hostile_keys_stay_one_line():
    path = audit_path("hostile")
    s = started({"MCP_S3_AUDIT_FILE": path, "MCP_S3_EXT_READONLY": "false"})
    keys = ["line\nbreak.txt", "tab\tand\rcr", "quote\"back\\slash", "ctl\x01\x1f\x7f", "ünï 日本 \u2028\u2029"]
    try:
        for k in keys:
            s.call("s3_get_object", {"bucket": AB, "key": k})
    finally:
        s.close()
    raw = open(path, "rb").read()
    recs = read_jsonl(path)
    eq(raw.count(b"\n"), len(keys), "lines for %d calls" % len(keys))
    eq([r.get("key") for r in recs], keys, "keys in the records")


@S.test
def unsafe_audit_files_stop_the_start():
    d = tempfile.mkdtemp(prefix="unsafe-", dir=TMP)
    cases = []
    ww = os.path.join(d, "world.log")
    open(ww, "w").close()
    os.chmod(ww, 0o666)
    cases.append(("world-writable file", ww))
    gw = os.path.join(d, "group.log")
    open(gw, "w").close()
    os.chmod(gw, 0o620)
    cases.append(("group-writable file", gw))
    cases.append(("a directory", d))
    fifo = os.path.join(d, "fifo")
    os.mkfifo(fifo, 0o600)
    cases.append(("a FIFO", fifo))
    safe = os.path.join(d, "safe.log")
    open(safe, "w").close()
    os.chmod(safe, 0o600)
    link = os.path.join(d, "link.log")
    os.symlink(safe, link)
    cases.append(("a symlink", link))
    cases.append(("a missing directory", os.path.join(d, "no", "such", "audit.log")))
    problems = []
    for what, path in cases:
        try:
            rc, err = start_fails(base_env({"MCP_S3_EXT_AUDIT": "true", "MCP_S3_AUDIT_FILE": path}, endpoint=EP))
        except AssertionError as e:
            problems.append("%s: %s" % (what, e))
            continue
        if "MCP_S3_AUDIT_FILE" not in err and path not in err and "audit" not in err.lower():
            problems.append("%s: the message does not say what is wrong: %r" % (what, err[:200]))
    eq(os.path.getsize(ww), 0, "the world-writable file was written")
    try:
        rc, err = start_fails(base_env({"MCP_S3_EXT_AUDIT": "false", "MCP_S3_AUDIT_FILE": safe}, endpoint=EP))
        check("MCP_S3_AUDIT_FILE" in err or "MCP_S3_EXT_AUDIT" in err, "AUDIT=false + FILE: %r" % err[:200])
    except AssertionError as e:
        problems.append("MCP_S3_EXT_AUDIT=false with a file: %s" % e)
    check(not problems, "; ".join(problems))


@S.test
def audit_to_stderr_without_a_file():
    s = started({"MCP_S3_EXT_AUDIT": "true"})
    try:
        rid, _ = call_id(s, "s3_list_buckets", {})
        rid2, _ = call_id(s, "s3_get_object", {"bucket": AB, "key": "no-such-key-%d" % os.getpid()})
        rid3, _ = call_id(s, "s3_get_object", {"bucket": AB})
    finally:
        s.close()
    recs = [r for r in json_lines(s.stderr) if "request_id" in r]
    eq([r.get("request_id") for r in recs], [rid, rid2, rid3], "audit records on stderr")
    eq([r.get("status") for r in recs], ["ok", "error", "invalid"], "statuses")
    eq(recs[1].get("error"), "NoSuchKey", "error")
    check(not s.bad_lines, "audit lines leaked onto stdout")
    check(all(b'"request_id"' not in l for l in s.raw if b'"jsonrpc"' not in l), "audit on stdout")


@S.test
def logging_adds_one_json_line_per_call():
    s = started({"MCP_S3_EXT_LOGGING": "true", "MCP_S3_EXT_READONLY": "false",
                 "MCP_S3_DENIED_PREFIXES": "secret/"})
    try:
        before = len(json_lines(s.stderr))
        s.call("s3_list_connections", {})
        s.call("s3_get_object", {"bucket": AB, "key": "no-such-key-%d" % os.getpid()})
        s.call("s3_get_object", {"bucket": AB, "key": "secret/x"})
        s.call("s3_put_object", {"bucket": AB})
        s.request("ping")
        s.result("tools/list")
    finally:
        s.close()
    lines = [l for l in json_lines(s.stderr) if l.get("tool")][before:] if before else \
        [l for l in json_lines(s.stderr) if l.get("tool")]
    eq([l.get("tool") for l in lines], ["s3_list_connections", "s3_get_object", "s3_get_object", "s3_put_object"],
       "log lines (one per tool call)")
    eq([l.get("status") for l in lines], ["ok", "error", "denied", "invalid"], "statuses")
    eq([l.get("error") for l in lines], [None, "NoSuchKey", "PolicyDenied", "InvalidArgument"], "errors")
    for l in lines:
        check(isinstance(l.get("level"), str) and l["level"], "no level: %s" % short(l))
        check(isinstance(l.get("duration_ms"), int), "no duration_ms: %s" % short(l))
    check(not any("request_id" in l and "msg" not in l for l in json_lines(s.stderr)),
          "audit records on stderr with only MCP_S3_EXT_LOGGING")


@S.test
def secrets_never_written_anywhere():
    """The right secret and a wrong one (SignatureDoesNotMatch), with audit,
    logging, errors and presigned URLs: no secret in stdout, stderr, the audit
    file or any result."""
    wrong = "Wrong-MARKERSECRET-%d-0123456789abcdefXYZ" % os.getpid()
    token = "tok-MARKERSESSION-%d-abcdef" % os.getpid()
    for secret, extra in ((SECRET_KEY, {}), (wrong, {}), (SECRET_KEY, {"AWS_SESSION_TOKEN": token})):
        path = audit_path("secret")
        settings = {"AWS_SECRET_ACCESS_KEY": secret, "MCP_S3_AUDIT_FILE": path, "MCP_S3_EXT_LOGGING": "true",
                    "MCP_S3_EXT_READONLY": "false"}
        settings.update(extra)
        s = started(settings)
        results = []
        try:
            for tool, a in [("s3_list_buckets", {}), ("s3_list_connections", {}),
                            ("s3_list_objects", {"bucket": AB}),
                            ("s3_get_object", {"bucket": AB, "key": "nope"}),
                            ("s3_get_object_metadata", {"bucket": AB, "key": "nope"}),
                            ("s3_put_object", {"bucket": AB, "key": "secret-test.txt", "content": "x"}),
                            ("s3_copy_object", {"source_bucket": AB, "source_key": "nope", "dest_bucket": AB,
                                                "dest_key": "nope2"}),
                            ("s3_delete_object", {"bucket": AB, "key": "secret-test.txt"}),
                            ("s3_presign_url", {"bucket": AB, "key": "x"}),
                            ("s3_presign_url", {"bucket": AB, "key": "x", "method": "PUT"})]:
                results.append(s.call(tool, a))
        finally:
            s.close()
        if secret == wrong:
            t = error_text(results[0], "SignatureDoesNotMatch", "list_buckets with a wrong secret")
        elif not extra:
            ok_result(results[0], "list_buckets")
        presigned = results[8].get("structuredContent", {}).get("url", "")
        check(ACCESS_KEY in presigned, "the presigned URL lacks the access key id")
        if extra:
            check("X-Amz-Security-Token=" in presigned, "no X-Amz-Security-Token with a session token")
        where = {"stdout": s.stdout_text, "stderr": s.stderr, "audit file": open(path, encoding="utf-8").read(),
                 "results": json.dumps(results, ensure_ascii=False)}
        for name, text in where.items():
            check(secret not in text, "the secret access key is in %s (%s)" % (name, "wrong" if secret == wrong else "right"))
            if extra and name in ("stderr", "audit file"):
                check(token not in text, "the session token is in %s" % name)
        if extra:  # the token belongs in presigned URLs (S3 requires it there), nowhere else
            others = json.dumps(results[:8], ensure_ascii=False)
            check(token not in others, "the session token is in a tool result other than a presigned URL")
        check(len(read_jsonl(path)) == len(results), "audit records")


@S.test
def sealed_log_of_real_calls_verifies():
    """MCP_S3_AUDIT_KEY_FILE over calls that reach S3: the records keep their
    fields (bytes, s3_request_id) and gain the chain; the log verifies, and an
    edited byte count does not (tests/integration/test_audit_chain.py has the
    rest)."""
    path = audit_path("sealed")
    key = os.path.join(os.path.dirname(path), "audit.key")
    with open(key, "w") as f:
        f.write(os.urandom(32).hex())
    os.chmod(key, 0o600)
    p = unique("sealed") + "/"
    s = started({"MCP_S3_AUDIT_FILE": path, "MCP_S3_AUDIT_KEY_FILE": key, "MCP_S3_EXT_READONLY": "false"})
    try:
        ok_result(s.call("s3_put_object", {"bucket": AB, "key": p + "a.txt", "content": "sealed"}), "put")
        ok_result(s.call("s3_get_object", {"bucket": AB, "key": p + "a.txt"}), "get")
        error_text(s.call("s3_get_object", {"bucket": AB, "key": p + "missing"}), "NoSuchKey", "get missing")
        ok_result(s.call("s3_delete_object", {"bucket": AB, "key": p + "a.txt"}), "delete")
    finally:
        s.close()
    recs = read_jsonl(path)
    eq([r.get("event") or r.get("tool") for r in recs],
       ["start", "s3_put_object", "s3_get_object", "s3_get_object", "s3_delete_object", "seal"], "records")
    eq([r["seq"] for r in recs], list(range(6)), "seq")
    eq((recs[1].get("status"), recs[1].get("bytes"), recs[1].get("content_bytes")), ("ok", 6, 6), "put record")
    eq((recs[2].get("status"), recs[2].get("bytes")), ("ok", 6), "get record")
    check(recs[3].get("s3_request_id"), "the failed get has no s3_request_id: %s" % short(recs[3]))
    for r in recs[1:5]:
        eq(list(r)[-4:], ["run", "seq", "prev", "mac"], "chain fields last")
        common_fields(r, r["tool"], r["request_id"])
    rc, out, err = run_cli(["audit", "verify", path, "--key", key])
    eq(rc, 0, "verify: %s %s" % (out, err))
    check(out.startswith("ok: 6 records, 1 seals, last seal at seq 5 (shutdown"), "verify said %r" % out)
    raw = open(path, "rb").read()
    bad = path + ".edited"
    with open(bad, "wb") as f:
        f.write(raw.replace(b'"bytes":6,', b'"bytes":0,', 1))
    rc, out, err = run_cli(["audit", "verify", bad, "--key", key])
    eq(rc, 1, "verify of an edited log: %s" % out)
    check(out.startswith("line 2 (seq 1): MAC mismatch"), "verify said %r" % out)


def main():
    global EP, AWS, AB, TMP
    EP = rgw_endpoint()
    if not EP:
        return S.fail_all("no endpoint: set MCP_S3_TEST_ENDPOINT or pass http://127.0.0.1:PORT")
    if not binary_ready():
        return S.fail_all("%s is missing (make build/mcp-s3)" % __import__("mcptest").BINARY)
    AWS = AwsCli(EP)
    TMP = tempfile.mkdtemp(prefix="mcp-s3-audit-")
    try:
        try:
            AB = AWS.mb(unique("mcp-audit"))
        except Exception as e:  # noqa: BLE001
            return S.fail_all("creating the test bucket with awscli: %s" % e)
        return S.run(sys.argv[1:])
    finally:
        for s in ALL_SERVERS:
            if s.proc.poll() is None:
                s.kill()
        if AB:
            AWS.rb(AB)
        AWS.close()
        shutil.rmtree(TMP, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
