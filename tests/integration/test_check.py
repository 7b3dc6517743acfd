#!/usr/bin/env python3
# needs: rgw
"""`mcp-s3 check` against a real S3 server (Ceph RGW) seeded by tests/peers/seed.sh:
the table and exit status, a wrong secret, a dead endpoint beside a good one,
--connection, --json, configuration errors (exit 2), HeadBucket per allowed
bucket, credential-chain failures, and that no secret is ever printed.

    MCP_S3_TEST_ENDPOINT=http://127.0.0.1:PORT python3 tests/integration/test_check.py [NAME ...]
    (or the endpoint as the first argument; keys: RGW_ACCESS_KEY / RGW_SECRET_KEY)
"""
import json
import os
import re
import shutil
import socket
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import seeddata as D  # noqa: E402
from mcptest import (ACCESS_KEY, BINARY, SECRET_KEY, Suite, base_env, binary_ready,  # noqa: E402
                     check, closed_port, eq, run_cli, short)

S = Suite("test_check.py")
EP = None
WRONG_SECRET = "wrong-secret-0f1e2d3c4b5a69788796a5b4c3d2e1f0"
COLUMNS = ["CONNECTION", "REGION", "ENDPOINT", "ADDRESSING", "CREDENTIALS", "CHECK",
           "RESULT", "MS"]
OUTPUTS = []  # every stdout and stderr, for the secret check at the end
TMP = None
REQID = re.compile(r", request id [^ )]+")


def env(**settings):
    return base_env(settings, endpoint=EP)


def extra(conns):
    return json.dumps(conns)


def run(args, e, timeout=60):
    t0 = time.monotonic()
    rc, out, err = run_cli(["check"] + list(args), env=e, timeout=timeout)
    OUTPUTS.append(out)
    OUTPUTS.append(err)
    return rc, out, err, time.monotonic() - t0


def table(out):
    """Parses the table: [{column: value, ..., "error": "CODE: message"|None}]
    (column starts taken from the header line)."""
    lines = out.splitlines()
    hi = [i for i, l in enumerate(lines) if l.startswith("CONNECTION ")]
    check(len(hi) == 1, "no single header line in %r" % out[:600])
    head = lines[hi[0]]
    starts = [head.index(c) for c in COLUMNS]
    for c, s in zip(COLUMNS, starts):
        check(s == 0 or head[s - 2:s] == "  ", "column %s not separated: %r" % (c, head))
    rows = []
    for l in lines[hi[0] + 1:]:
        if l.startswith("  "):
            check(rows and rows[-1]["error"] is None, "a stray error line %r" % l)
            rows[-1]["error"] = l.strip()
            continue
        if not l or l[0].isdigit():
            break  # the closing count
        row = {}
        for j, c in enumerate(COLUMNS):
            end = starts[j + 1] if j + 1 < len(COLUMNS) else len(l)
            row[c] = l[starts[j]:end].strip()
        row["error"] = None
        rows.append(row)
    return rows


def by_name(rows, name):
    got = [r for r in rows if r["CONNECTION"] == name]
    check(got, "no row for connection %r in %s" % (name, short(rows)))
    return got


def listener():
    """A 127.0.0.1 socket that accepts connections and never answers."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(16)
    return s


@S.test
def all_good_table_exit_0():
    rc, out, err, _ = run([], env())
    eq(rc, 0, "exit status (stderr %r)" % err[:300])
    rows = table(out)
    eq(len(rows), 1, "rows")
    r = rows[0]
    eq(r["CONNECTION"], "default", "connection")
    eq(r["REGION"], "us-east-1", "region")
    eq(r["ENDPOINT"], EP, "endpoint")
    eq(r["ADDRESSING"], "path", "addressing")
    eq(r["CHECK"], "ListBuckets", "check")
    eq(r["RESULT"], "ok", "result")
    check(r["CREDENTIALS"] not in ("", "none"), "credentials source %r" % r["CREDENTIALS"])
    check(r["MS"].isdigit(), "time %r" % r["MS"])
    check(out.rstrip().endswith("1 connection passed"), "closing line: %r" % out[-200:])
    check(out.startswith("mcp-s3 check: read-only, access rules off, audit off\n"),
          "first line: %r" % out[:200])
    eq(err, "", "stderr")


@S.test
def wrong_secret_fails_that_row_only():
    e = env(S3_ADDITIONAL_CONNECTIONS=extra({
        "badsecret": {"endpoint": EP, "access_key_id": ACCESS_KEY,
                      "secret_access_key": WRONG_SECRET},
        "badkey": {"endpoint": EP, "access_key_id": "MCPS3NOSUCHKEY000000",
                   "secret_access_key": WRONG_SECRET}}))
    rc, out, err, _ = run([], e)
    eq(rc, 1, "exit status")
    rows = table(out)
    eq([r["CONNECTION"] for r in rows], ["default", "badsecret", "badkey"], "order")
    eq(rows[0]["RESULT"], "ok", "default result")
    check(rows[0]["error"] is None, "default has an error line")
    eq(rows[1]["RESULT"], "FAILED", "badsecret result")
    check(rows[1]["error"].startswith("SignatureDoesNotMatch: "), "error %r" % rows[1]["error"])
    eq(rows[2]["RESULT"], "FAILED", "badkey result")
    check(rows[2]["error"].startswith("InvalidAccessKeyId: "), "error %r" % rows[2]["error"])
    check("2 of 3 connections failed" in out, "closing line: %r" % out[-200:])
    for s in (SECRET_KEY, WRONG_SECRET):
        check(s not in out and s not in err, "a secret was printed")


@S.test
def closed_port_fails_alone_and_fast():
    port = closed_port()
    e = env(S3_ADDITIONAL_CONNECTIONS=extra({"down": {"endpoint": "http://127.0.0.1:%d" % port}}))
    rc, out, err, took = run([], e)
    eq(rc, 1, "exit status")
    rows = table(out)
    eq(by_name(rows, "default")[0]["RESULT"], "ok", "default result")
    d = by_name(rows, "down")[0]
    eq(d["RESULT"], "FAILED", "down result")
    check(d["error"].startswith("NetworkError: "), "error %r" % d["error"])
    check(str(port) in d["error"], "the error does not name the endpoint: %r" % d["error"])
    check(took < 5, "took %.1fs for a refused connection" % took)


@S.test
def silent_endpoint_times_out_within_its_timeout():
    s = listener()
    try:
        port = s.getsockname()[1]
        e = env(S3_ADDITIONAL_CONNECTIONS=extra({
            "silent": {"endpoint": "http://127.0.0.1:%d" % port, "timeout": "1s"}}))
        rc, out, err, took = run([], e)
        eq(rc, 1, "exit status")
        rows = table(out)
        eq(by_name(rows, "default")[0]["RESULT"], "ok", "default result")
        r = by_name(rows, "silent")[0]
        check(r["error"].startswith("Timeout: ") and "1000 ms" in r["error"],
              "error %r" % r["error"])
        check(took < 6, "took %.1fs with a 1s timeout" % took)
        # --timeout overrides every connection's own.
        e = env(S3_ADDITIONAL_CONNECTIONS=extra({"silent": {"endpoint": "http://127.0.0.1:%d" % port}}))
        rc, out, err, took = run(["--timeout", "700ms", "--connection", "silent"], e)
        eq(rc, 1, "exit status with --timeout")
        r = table(out)[0]
        check(r["error"].startswith("Timeout: ") and "700 ms" in r["error"], "error %r" % r["error"])
        check(took < 5, "took %.1fs with --timeout 700ms" % took)
    finally:
        s.close()


@S.test
def connections_are_checked_side_by_side():
    socks = [listener() for _ in range(3)]
    try:
        conns = {"silent%d" % i: {"endpoint": "http://127.0.0.1:%d" % s.getsockname()[1],
                                  "timeout": "3s"} for i, s in enumerate(socks)}
        rc, out, err, took = run([], env(S3_ADDITIONAL_CONNECTIONS=extra(conns)))
        eq(rc, 1, "exit status")
        rows = table(out)
        eq([(r["CONNECTION"], r["RESULT"]) for r in rows],
           [("default", "ok"), ("silent0", "FAILED"), ("silent1", "FAILED"), ("silent2", "FAILED")],
           "rows in the configured order")
        for r in rows[1:]:
            check(r["error"].startswith("Timeout: "), "error %r" % r["error"])
            check(2900 <= int(r["MS"]) < 6000, "time %s ms for a 3s timeout" % r["MS"])
        # One after another would take 9 s at least.
        check(took < 7.5, "three 3s timeouts took %.1fs in all" % took)
    finally:
        for s in socks:
            s.close()


@S.test
def connection_flag_selects():
    e = env(S3_ADDITIONAL_CONNECTIONS=extra({"down": {"endpoint": "http://127.0.0.1:%d" % closed_port()},
                                             "second": {"endpoint": EP}}))
    rc, out, err, _ = run(["--connection", "second"], e)
    eq(rc, 0, "exit status for a good one (stderr %r)" % err[:200])
    eq([r["CONNECTION"] for r in table(out)], ["second"], "rows")
    rc, out, err, _ = run(["--connection=down"], e)
    eq(rc, 1, "exit status for the dead one")
    eq([(r["CONNECTION"], r["RESULT"]) for r in table(out)], [("down", "FAILED")], "rows")
    rc, out, err, _ = run(["--connection", "default"], e)
    eq(rc, 0, "exit status for the primary")
    eq([r["CONNECTION"] for r in table(out)], ["default"], "rows")


@S.test
def json_parses_and_matches_the_table():
    e = env(S3_ADDITIONAL_CONNECTIONS=extra({
        "down": {"endpoint": "http://127.0.0.1:%d" % closed_port()},
        "badsecret": {"endpoint": EP, "access_key_id": ACCESS_KEY, "secret_access_key": WRONG_SECRET}}))
    rc, out, err, _ = run(["--json"], e)
    eq(rc, 1, "exit status")
    check(out.endswith("\n") and out.count("\n") == 1, "not one line: %r" % out[:300])
    j = json.loads(out)
    eq(sorted(j), ["connections", "failed", "ok", "passed"], "top-level keys")
    eq((j["ok"], j["passed"], j["failed"]), (False, 1, 2), "ok/passed/failed")
    rc2, text, _, _ = run([], e)
    eq(rc2, rc, "the table's exit status")
    rows = table(text)
    eq([c["name"] for c in j["connections"]], [r["CONNECTION"] for r in rows], "names")
    for c, r in zip(j["connections"], rows):
        eq(sorted(c), ["addressing", "checks", "credentials", "endpoint", "ms", "name", "ok",
                       "region"], "keys of %s" % c["name"])
        for k, col in (("region", "REGION"), ("endpoint", "ENDPOINT"),
                       ("addressing", "ADDRESSING"), ("credentials", "CREDENTIALS")):
            eq(c[k], r[col], "%s of %s" % (k, c["name"]))
        eq(c["ok"], r["RESULT"] == "ok", "ok of %s" % c["name"])
        eq(len(c["checks"]), 1, "checks of %s" % c["name"])
        ch = c["checks"][0]
        eq(ch["call"], "ListBuckets", "call")
        check(isinstance(ch["ms"], int) and ch["ms"] >= 0, "ms %r" % ch["ms"])
        if c["ok"]:
            check("code" not in ch and "message" not in ch, "a passed check has an error")
        else:
            # The same error, but for S3's request id (a new request).
            eq(REQID.sub("", r["error"]), REQID.sub("", "%s: %s" % (ch["code"], ch["message"])),
               "error of %s" % c["name"])
    codes = {c["name"]: c["checks"][0].get("code") for c in j["connections"]}
    eq(codes, {"default": None, "down": "NetworkError", "badsecret": "SignatureDoesNotMatch"},
       "codes")
    rc, out, err, _ = run(["--json", "--connection", "default"], env())
    eq(rc, 0, "exit status, default only")
    j = json.loads(out)
    eq((j["ok"], j["passed"], j["failed"], len(j["connections"])), (True, 1, 0, 1), "summary")


@S.test
def unknown_connection_exit_2_naming_it():
    e = env(S3_ADDITIONAL_CONNECTIONS=extra({"second": {"endpoint": EP}}))
    rc, out, err, _ = run(["--connection", "nosuchconn"], e)
    eq(rc, 2, "exit status")
    eq(out, "", "stdout")
    check('"nosuchconn"' in err and "default" in err and "second" in err,
          "stderr does not name it and the known ones: %r" % err)


@S.test
def bad_settings_exit_2_naming_the_variable():
    for settings, var in (({"S3_TIMEOUT": "abc"}, "S3_TIMEOUT"),
                          ({"S3_ADDITIONAL_CONNECTIONS": '{"x": {"bogus": 1}}'},
                           "S3_ADDITIONAL_CONNECTIONS"),
                          ({"MCP_S3_ALLOWED_BUCKETS": "a,,b"}, "MCP_S3_ALLOWED_BUCKETS"),
                          ({"AWS_CA_BUNDLE": "/nonexistent/ca.pem",
                            "S3_ENDPOINT": "https://127.0.0.1:1"}, "AWS_CA_BUNDLE")):
        rc, out, err, _ = run([], env(**settings))
        eq(rc, 2, "exit status for %s" % settings)
        eq(out, "", "stdout for %s" % settings)
        check(var in err, "stderr does not name %s: %r" % (var, err[:300]))
        # The server refuses to start with the same message.
        src, sout, serr = run_cli([], env=env(**settings), timeout=20)
        OUTPUTS.extend([sout, serr])
        check(src != 0 and err in serr, "the server's start for %s: %d %r" % (settings, src, serr))
    for args in (["--timeout", "soon"], ["--timeout"], ["--connection"], ["--bogus"], ["extra"]):
        rc, out, err, _ = run(args, env())
        eq(rc, 2, "exit status for %s" % args)
        eq(out, "", "stdout for %s" % args)
        check(err.startswith("mcp-s3 check: "), "stderr for %s: %r" % (args, err))


@S.test
def allowed_buckets_headbucket_each():
    e = env(MCP_S3_ALLOWED_BUCKETS="%s,%s" % (D.MAIN, D.MANY))
    rc, out, err, _ = run([], e)
    eq(rc, 0, "exit status (out %r)" % out[-400:])
    rows = table(out)
    eq([(r["CONNECTION"], r["CHECK"], r["RESULT"]) for r in rows],
       [("default", "HeadBucket " + D.MAIN, "ok"), ("default", "HeadBucket " + D.MANY, "ok")],
       "rows")
    check("access rules on" in out.splitlines()[0], "first line: %r" % out.splitlines()[0])
    missing = "mcp-check-missing-%d" % os.getpid()
    e = env(MCP_S3_ALLOWED_BUCKETS="%s,%s" % (D.MAIN, missing),
            S3_ADDITIONAL_CONNECTIONS=extra({"down": {"endpoint": "http://127.0.0.1:%d" % closed_port()}}))
    rc, out, err, _ = run([], e)
    eq(rc, 1, "exit status with a missing bucket")
    rows = table(out)
    eq([(r["CONNECTION"], r["CHECK"], r["RESULT"]) for r in rows],
       [("default", "HeadBucket " + D.MAIN, "ok"), ("default", "HeadBucket " + missing, "FAILED"),
        ("down", "HeadBucket " + D.MAIN, "FAILED"), ("down", "HeadBucket " + missing, "FAILED")],
       "rows")
    check(rows[1]["error"].startswith("NoSuchBucket: ") and missing in rows[1]["error"],
          "error %r" % rows[1]["error"])
    check(rows[2]["error"].startswith("NetworkError: "), "error %r" % rows[2]["error"])
    check(rows[3]["error"].startswith("Skipped: "), "error %r" % rows[3]["error"])
    check("2 of 2 connections failed" in out, "closing line %r" % out[-200:])
    j = json.loads(run(["--json"], e)[1])
    eq([(c["bucket"], c["ok"], c.get("code")) for c in j["connections"][0]["checks"]],
       [(D.MAIN, True, None), (missing, False, "NoSuchBucket")], "json checks")


@S.test
def credential_chain_failure_is_that_connections_failure():
    script = os.path.join(TMP, "creds.sh")
    with open(script, "w") as f:
        f.write("#!/bin/sh\necho '%s'\n" % json.dumps({
            "Version": 1, "AccessKeyId": ACCESS_KEY, "SecretAccessKey": SECRET_KEY}))
    os.chmod(script, 0o700)
    conf = os.path.join(TMP, "config")
    with open(conf, "w") as f:
        f.write("[profile good]\ncredential_process = %s\n"
                "[profile broken]\ncredential_process = /bin/false\n" % script)
    e = env(AWS_ACCESS_KEY_ID=None, AWS_SECRET_ACCESS_KEY=None, AWS_CONFIG_FILE=conf,
            AWS_PROFILE="good",
            S3_ADDITIONAL_CONNECTIONS=extra({
                "broken": {"endpoint": EP, "profile": "broken"},
                "keys": {"endpoint": EP, "access_key_id": ACCESS_KEY,
                         "secret_access_key": SECRET_KEY}}))
    rc, out, err, _ = run([], e)
    eq(rc, 1, "exit status (stderr %r)" % err[:300])
    rows = table(out)
    eq([(r["CONNECTION"], r["RESULT"]) for r in rows],
       [("default", "ok"), ("broken", "FAILED"), ("keys", "ok")], "rows")
    # The source actually used, after the call (s3_client_creds_source).
    check(rows[0]["CREDENTIALS"] in ("profile:good", "process"),
          "the primary's source: %r" % rows[0]["CREDENTIALS"])
    check(rows[1]["error"].startswith("CredentialsError: ") and "credential_process" in
          rows[1]["error"], "error %r" % rows[1]["error"])
    check(SECRET_KEY not in out + err, "the secret from credential_process was printed")


@S.test
def tls_verified_with_ca_bundle_and_refused_for_an_unknown_ca():
    import subprocess
    peers = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "peers")
    sys.path.insert(0, peers)
    from tlsproxy import TLSProxy
    certs = os.path.join(TMP, "certs")
    subprocess.run(["sh", os.path.join(peers, "tlscerts.sh"), certs], check=True,
                   capture_output=True, timeout=120)
    up = ("127.0.0.1", int(EP.rsplit(":", 1)[1]))
    good = TLSProxy(os.path.join(certs, "srv.pem"), os.path.join(certs, "srv.key"), up)
    rogue = TLSProxy(os.path.join(certs, "rogue.pem"), os.path.join(certs, "rogue.key"), up)
    try:
        ca = os.path.join(certs, "ca.pem")
        e = env(S3_ADDITIONAL_CONNECTIONS=extra({
            "tls": {"endpoint": "https://localhost:%d" % good.port, "ca_bundle": ca},
            "rogue": {"endpoint": "https://localhost:%d" % rogue.port, "ca_bundle": ca},
            "plain": {"endpoint": EP.replace("http://", "https://"), "ca_bundle": ca}}))
        rc, out, err, _ = run([], e)
        eq(rc, 1, "exit status (stderr %r)" % err[:300])
        rows = table(out)
        eq([(r["CONNECTION"], r["RESULT"]) for r in rows],
           [("default", "ok"), ("tls", "ok"), ("rogue", "FAILED"), ("plain", "FAILED")], "rows")
        check(rows[2]["error"].startswith("TLSError: "), "error %r" % rows[2]["error"])
        check(rows[3]["error"].startswith("TLSError: "), "error %r" % rows[3]["error"])
        rc, out, err, _ = run(["--connection", "tls"], e)
        eq(rc, 0, "exit status of the verified one")
    finally:
        good.close()
        rogue.close()


@S.test
def audit_is_not_written_and_read_write_mode_works():
    path = os.path.join(TMP, "audit.jsonl")
    rc, out, err, _ = run([], env(MCP_S3_EXT_AUDIT="true", MCP_S3_AUDIT_FILE=path,
                                  MCP_S3_EXT_READONLY="false"))
    eq(rc, 0, "exit status (stderr %r)" % err[:300])
    check(out.startswith("mcp-s3 check: read-write, access rules off, audit on "
                         "(a check writes no record)\n"), "first line %r" % out[:200])
    check(not os.path.exists(path), "the check created the audit file")
    eq(err, "", "stderr")


@S.test
def help_lists_check():
    rc, out, err = run_cli(["--help"], env=env())
    eq(rc, 0, "mcp-s3 --help")
    check("mcp-s3 check" in out, "mcp-s3 --help does not list check")
    rc, out, err, _ = run(["--help"], env())
    eq(rc, 0, "mcp-s3 check --help")
    for flag in ("--connection", "--json", "--timeout"):
        check(flag in out, "check --help lacks %s" % flag)


@S.test
def no_secret_in_any_output():
    check(OUTPUTS, "nothing was run")
    for o in OUTPUTS:
        for s in (SECRET_KEY, WRONG_SECRET):
            check(s not in o, "a secret was printed: %r" % o[:200])


def main():
    global EP, TMP
    args = sys.argv[1:]
    if args and args[0].startswith("http"):
        EP = args.pop(0)
    EP = (EP or os.environ.get("MCP_S3_TEST_ENDPOINT") or "").rstrip("/")
    if not EP:
        return S.fail_all("no endpoint: set MCP_S3_TEST_ENDPOINT or pass http://127.0.0.1:PORT")
    if not binary_ready():
        return S.fail_all("%s is missing (make build/mcp-s3)" % BINARY)
    TMP = tempfile.mkdtemp(prefix="mcp-s3-check-")
    try:
        return S.run(args)
    finally:
        shutil.rmtree(TMP, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
