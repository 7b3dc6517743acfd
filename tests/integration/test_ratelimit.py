#!/usr/bin/env python3
# needs: rgw
"""Rate limits of build/mcp-s3 against a real S3 server (Ceph RGW):
MCP_S3_RATE_LIMIT (tool calls per second with a burst) and MCP_S3_BYTE_LIMIT
(object bytes per minute) as token buckets. An exceeded limit is a Throttled
isError result that says how long to wait; waiting that long is enough; the
refused call is audited as denied and costs nothing; bad settings stop the start
naming the variable. The suite makes its own bucket (awscli v2).

    MCP_S3_TEST_ENDPOINT=http://127.0.0.1:PORT python3 tests/integration/test_ratelimit.py [NAME ...]
"""
import os
import re
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mcptest import (AwsCli, Server, Suite, base_env, binary_ready, check, eq,  # noqa: E402
                     error_text, ok_result, read_jsonl, rgw_endpoint, start_fails, unique)

S = Suite("test_ratelimit.py")
EP = None
AWS = None
RB = None
TMP = None
ALL_SERVERS = []
RETRY = re.compile(r"retry_after_ms=(\d+)")


def started(settings):
    s = Server(base_env(settings, endpoint=EP))
    ALL_SERVERS.append(s)
    s.initialize()
    return s


def retry_ms(result, what):
    """The wait a Throttled result names (and it is a Throttled result)."""
    text = error_text(result, "Throttled", what)
    m = RETRY.search(text)
    check(m is not None, "%s: no retry_after_ms in %r" % (what, text))
    return int(m.group(1))


@S.test
def calls_over_the_burst_are_throttled_with_the_wait():
    # 2 calls a second, bursts of 3: three pass at once, the fourth waits ~500 ms.
    with started({"MCP_S3_RATE_LIMIT": "2,3"}) as s:
        for i in range(3):
            ok_result(s.call("s3_list_connections", {}), "call %d of the burst" % (i + 1))
        r = s.call("s3_list_connections", {})
        w = retry_ms(r, "fourth call")
        check(0 < w <= 500, "wait %d ms, expected 1..500" % w)
        check("MCP_S3_RATE_LIMIT=2,3" in r["content"][0]["text"], "the message names the setting")
        # Waiting what it said is enough (the refused call took nothing).
        time.sleep(w / 1000.0 + 0.02)
        ok_result(s.call("s3_list_connections", {}), "after the wait")
        # The server still serves everything else while throttled.
        r = s.call("s3_list_connections", {})
        retry_ms(r, "right after")
        s.request("tools/list")


@S.test
def sustained_rate_matches_the_setting():
    # 20/s, burst 1: over ~1.5 s of calls as fast as possible, about 30 pass.
    with started({"MCP_S3_RATE_LIMIT": "20/s,1"}) as s:
        t0 = time.monotonic()
        passed = refused = 0
        while time.monotonic() - t0 < 1.5:
            r = s.call("s3_list_connections", {})
            if r.get("isError"):
                retry_ms(r, "sustained")
                refused += 1
            else:
                passed += 1
        elapsed = time.monotonic() - t0
        check(refused > 0, "nothing was refused in %.2f s" % elapsed)
        top = 1 + 20 * elapsed + 1
        check(passed <= top, "%d calls passed in %.2f s, limit %.1f" % (passed, elapsed, top))
        check(passed >= 20 * elapsed * 0.5, "only %d calls passed in %.2f s" % (passed, elapsed))


@S.test
def per_minute_rate():
    with started({"MCP_S3_RATE_LIMIT": "6/m,2"}) as s:
        ok_result(s.call("s3_list_connections", {}), "1")
        ok_result(s.call("s3_list_connections", {}), "2")
        w = retry_ms(s.call("s3_list_connections", {}), "3")
        check(9000 < w <= 10000, "wait %d ms for 6 calls a minute" % w)


@S.test
def byte_limit_on_puts_and_reads():
    key = unique("bytes") + "/"
    audit = os.path.join(TMP, "audit-bytes.log")
    with started({"MCP_S3_EXT_READONLY": "false", "MCP_S3_BYTE_LIMIT": "4KiB",
                  "MCP_S3_AUDIT_FILE": audit}) as s:
        ok_result(s.call("s3_put_object", {"bucket": RB, "key": key + "a", "content": "x" * 3000}), "put 3000")
        # 1,096 bytes are left: 3,000 more must wait.
        w = retry_ms(s.call("s3_put_object", {"bucket": RB, "key": key + "b", "content": "y" * 3000}),
                     "put over the budget")
        # 4 KiB a minute = 68.3 bytes a second: at most ~28 s for the 1,904 missing.
        check(20000 <= w <= 28000, "wait %d ms" % w)
        check(AWS.keys(RB, key) == [key + "a"], "the refused put wrote nothing: %r" % AWS.keys(RB, key))
        # More than a whole minute's budget can never pass: said so.
        r = s.call("s3_put_object", {"bucket": RB, "key": key + "c", "content": "z" * 5000})
        t = error_text(r, "Throttled", "put over the period")
        check("never" in t, "the message says it can never pass: %r" % t)
        # A read may run the budget into debt, then the next read waits.
        ok_result(s.call("s3_get_object", {"bucket": RB, "key": key + "a"}), "read into debt")
        w = retry_ms(s.call("s3_get_object", {"bucket": RB, "key": key + "a"}), "read in debt")
        check(w > 20000, "a read in debt waits for it: %d ms" % w)
        # Calls that move no object bytes are not held by the byte budget.
        ok_result(s.call("s3_list_objects", {"bucket": RB, "prefix": key}), "list")
        ok_result(s.call("s3_get_object_metadata", {"bucket": RB, "key": key + "a"}), "metadata")
    recs = read_jsonl(audit)
    throttled = [r for r in recs if r.get("error") == "Throttled"]
    eq(len(throttled), 3, "audited Throttled calls")
    for r in throttled:
        eq(r.get("decision"), "deny", "decision of a throttled call")
        eq(r.get("rule"), "byte limit", "rule of a throttled call")


@S.test
def byte_limit_per_second_refills():
    key = unique("refill") + "/"
    AWS.put(RB, key + "obj", b"q" * 1500)
    with started({"MCP_S3_BYTE_LIMIT": "1000/s"}) as s:
        ok_result(s.call("s3_get_object", {"bucket": RB, "key": key + "obj"}), "first read")
        w = retry_ms(s.call("s3_get_object", {"bucket": RB, "key": key + "obj"}), "second read")
        check(400 <= w <= 600, "500 bytes of debt at 1000/s: wait %d ms" % w)
        time.sleep(w / 1000.0 + 0.02)
        ok_result(s.call("s3_get_object", {"bucket": RB, "key": key + "obj"}), "after the wait")


@S.test
def off_means_no_limit():
    with started({"MCP_S3_RATE_LIMIT": "off", "MCP_S3_BYTE_LIMIT": "off"}) as s:
        for i in range(50):
            ok_result(s.call("s3_list_connections", {}), "call %d" % i)


@S.test
def bad_settings_stop_the_start_naming_the_variable():
    cases = [("MCP_S3_RATE_LIMIT", "fast"), ("MCP_S3_RATE_LIMIT", "10,0"), ("MCP_S3_RATE_LIMIT", "-1"),
             ("MCP_S3_RATE_LIMIT", "10/d"), ("MCP_S3_BYTE_LIMIT", "lots"), ("MCP_S3_BYTE_LIMIT", "10MB/week")]
    for var, val in cases:
        _, err = start_fails(base_env({var: val}, endpoint=EP))
        check(var in err, "%s=%r: the message does not name it: %r" % (var, val, err[:300]))


def main():
    global EP, AWS, RB, TMP
    EP = rgw_endpoint()
    if not EP:
        return S.fail_all("no endpoint: set MCP_S3_TEST_ENDPOINT or pass http://127.0.0.1:PORT")
    if not binary_ready():
        return S.fail_all("%s is missing (make build/mcp-s3)" % __import__("mcptest").BINARY)
    AWS = AwsCli(EP)
    TMP = tempfile.mkdtemp(prefix="mcp-s3-rate-")
    try:
        try:
            RB = AWS.mb(unique("mcp-rate"))
        except Exception as e:  # noqa: BLE001
            return S.fail_all("creating the test bucket with awscli: %s" % e)
        return S.run(sys.argv[1:])
    finally:
        for s in ALL_SERVERS:
            if s.proc.poll() is None:
                s.kill()
        if RB:
            AWS.rb(RB)
        AWS.close()
        shutil.rmtree(TMP, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
