#!/usr/bin/env python3
"""MCP / JSON-RPC protocol tests for build/mcp-s3. No S3 server is needed:
S3_ENDPOINT points at a closed 127.0.0.1 port and no tool touches the network.

    python3 tests/integration/test_protocol.py [NAME-SUBSTRING ...]
"""
import json
import os
import shutil
import signal
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mcptest import (ALL_TOOLS, LATEST, READONLY_TOOLS, SECRET_KEY, VERSIONS, Server, Suite,  # noqa: E402
                     WRITE_TOOLS, base_env, binary_ready, check, eq, run_cli, short)

S = Suite("test_protocol.py")
MAX_LINE = 16 * 1024 * 1024


def started(version=LATEST, **settings):
    s = Server(base_env(settings))
    s.initialize(version)
    return s


def expect_error(resp, codes, what):
    check("error" in resp and "result" not in resp, "%s: expected a JSON-RPC error, got %s" % (what, short(resp)))
    err = resp["error"]
    check(isinstance(err, dict) and isinstance(err.get("code"), int) and isinstance(err.get("message"), str),
          "%s: malformed error object %s" % (what, short(err)))
    if isinstance(codes, int):
        codes = (codes,)
    check(err["code"] in codes, "%s: error code %s, want %s (%s)" % (what, err["code"], codes, err.get("message")))
    return err


def ping_ok(s, what):
    r = s.request("ping")
    check(r.get("result") == {}, "%s: ping after it should give result {}, got %s" % (what, short(r)))


# --- lifecycle ---------------------------------------------------------------
@S.test
def initialize_echoes_each_supported_version():
    for v in VERSIONS:
        with Server() as s:
            r = s.initialize(v)
            eq(r.get("protocolVersion"), v, "protocolVersion for %s" % v)
            check(isinstance(r.get("capabilities"), dict) and "tools" in r["capabilities"],
                  "capabilities.tools missing: %s" % short(r))
            si = r.get("serverInfo") or {}
            check(isinstance(si.get("name"), str) and si["name"] and isinstance(si.get("version"), str),
                  "serverInfo name/version missing: %s" % short(r))


@S.test
def initialize_unknown_version_gets_latest():
    for v in ["1999-01-01", "2099-12-31", "not-a-version"]:
        with Server() as s:
            eq(s.initialize(v).get("protocolVersion"), LATEST, "answer to protocolVersion %r" % v)


@S.test
def requests_before_initialize_are_refused():
    with Server() as s:
        for method, params in [("tools/list", None), ("tools/call", {"name": "s3_list_connections", "arguments": {}})]:
            r = s.request(method, params)
            err = expect_error(r, tuple(range(-32768, -31999)), method + " before initialize")
            check("initiali" in err["message"].lower(),
                  "%s before initialize: message should say not initialized: %r" % (method, err["message"]))
        s.initialize()
        check(isinstance(s.result("tools/list").get("tools"), list), "tools/list after initialize")


@S.test
def ping_works_anytime():
    with Server() as s:
        ping_ok(s, "before initialize")
        s.initialize(initialized=False)
        ping_ok(s, "between initialize and notifications/initialized")
        s.notify("notifications/initialized")
        ping_ok(s, "after initialized")


@S.test
def ids_are_echoed_exactly():
    with started() as s:
        for rid in ["abc", "", 0, -7, 2 ** 53 - 1, "日本"]:
            r = s.request("ping", rid=rid)
            eq(r.get("id"), rid, "echoed id")
            eq(type(r.get("id")), type(rid), "type of echoed id %r" % (rid,))


# --- tools/list --------------------------------------------------------------
@S.test
def tools_list_has_exactly_the_read_tools():
    """Read-only mode (the default): the read tools and s3_presign_url (GET only)."""
    with started() as s:
        tools = s.result("tools/list")["tools"]
        eq([t.get("name") for t in tools], READONLY_TOOLS, "tool names in order")
        for t in tools:
            n = t["name"]
            for f in ("title", "description"):
                check(isinstance(t.get(f), str) and t[f].strip(), "%s: %s missing or empty" % (n, f))
            sch = t.get("inputSchema")
            check(isinstance(sch, dict), "%s: inputSchema missing" % n)
            eq(sch.get("type"), "object", "%s inputSchema.type" % n)
            eq(sch.get("additionalProperties"), False, "%s inputSchema.additionalProperties" % n)
            props = sch.get("properties", {})
            check(isinstance(props, dict), "%s: inputSchema.properties is not an object" % n)
            for pn, p in props.items():
                check(isinstance(p, dict) and isinstance(p.get("description"), str) and p["description"].strip(),
                      "%s: property %s has no description" % (n, pn))
            for r in sch.get("required", []):
                check(r in props, "%s: required %r is not a property" % (n, r))
            out = t.get("outputSchema")
            check(isinstance(out, dict) and out.get("type") == "object", "%s: outputSchema missing/not object" % n)
            ann = t.get("annotations") or {}
            eq(ann.get("readOnlyHint"), True, "%s annotations.readOnlyHint" % n)


@S.test
def tools_list_with_writes_has_all_nine_in_order():
    for v in ("false", "FALSE", "0"):
        with started(MCP_S3_EXT_READONLY=v) as s:
            tools = s.result("tools/list")["tools"]
            eq([t.get("name") for t in tools], ALL_TOOLS, "tool names in order with MCP_S3_EXT_READONLY=%s" % v)
    with started(MCP_S3_EXT_READONLY="false") as s:
        for t in s.result("tools/list")["tools"]:
            n = t["name"]
            for f in ("title", "description"):
                check(isinstance(t.get(f), str) and t[f].strip(), "%s: %s missing or empty" % (n, f))
            sch = t.get("inputSchema") or {}
            eq(sch.get("additionalProperties"), False, "%s inputSchema.additionalProperties" % n)
            for pn, p in sch.get("properties", {}).items():
                check(isinstance(p, dict) and isinstance(p.get("description"), str) and p["description"].strip(),
                      "%s: property %s has no description" % (n, pn))
            check(isinstance(t.get("outputSchema"), dict) and t["outputSchema"].get("type") == "object",
                  "%s: outputSchema missing/not object" % n)
            ann = t.get("annotations") or {}
            if n in WRITE_TOOLS:
                eq((ann.get("destructiveHint"), ann.get("idempotentHint")), (True, True),
                   "%s (destructiveHint, idempotentHint)" % n)
                check(ann.get("readOnlyHint") is not True, "%s claims readOnlyHint" % n)
            elif n == "s3_presign_url":
                eq((ann.get("readOnlyHint"), ann.get("destructiveHint")), (False, True),
                   "s3_presign_url (readOnlyHint, destructiveHint) with writes enabled")
            else:
                eq((ann.get("readOnlyHint"), ann.get("idempotentHint"), ann.get("openWorldHint")), (True, True, True),
                   "%s annotations" % n)


SCHEMAS = {
    "s3_list_buckets": ({"connection"}, set()),
    "s3_list_objects": ({"bucket", "prefix", "delimiter", "max_keys", "continuation_token",
                         "start_after", "connection"}, {"bucket"}),
    "s3_get_object": ({"bucket", "key", "offset", "length", "connection"}, {"bucket", "key"}),
    "s3_get_object_metadata": ({"bucket", "key", "connection"}, {"bucket", "key"}),
    "s3_put_object": ({"bucket", "key", "content", "is_base64", "content_type", "metadata", "if_none_match",
                       "connection"}, {"bucket", "key", "content"}),
    "s3_delete_object": ({"bucket", "key", "version_id", "connection"}, {"bucket", "key"}),
    "s3_copy_object": ({"source_bucket", "source_key", "dest_bucket", "dest_key", "metadata", "content_type",
                        "connection"}, {"source_bucket", "source_key", "dest_bucket", "dest_key"}),
    "s3_presign_url": ({"bucket", "key", "method", "expires_in", "connection"}, {"bucket", "key"}),
    "s3_list_connections": (set(), set()),
}


@S.test
def tools_list_input_schemas_match_the_contract():
    for settings in ({}, {"MCP_S3_EXT_READONLY": "false"}):
        with started(**settings) as s:
            for t in s.result("tools/list")["tools"]:
                props, req = SCHEMAS[t["name"]]
                sch = t["inputSchema"]
                eq(set(sch.get("properties", {})), props, "%s properties" % t["name"])
                eq(set(sch.get("required", [])), req, "%s required" % t["name"])
            pr = [t for t in s.result("tools/list")["tools"] if t["name"] == "s3_presign_url"][0]
            ex = pr["inputSchema"]["properties"]["expires_in"]
            eq((ex.get("minimum"), ex.get("maximum")), (1, 604800), "expires_in bounds")


@S.test
def read_only_mode_refuses_writes_without_network():
    with started() as s:
        for tool, a in (("s3_put_object", {"bucket": "bkt", "key": "k", "content": "x"}),
                        ("s3_delete_object", {"bucket": "bkt", "key": "k"}),
                        ("s3_copy_object", {"source_bucket": "bkt", "source_key": "k", "dest_bucket": "bkt",
                                            "dest_key": "k2"}),
                        ("s3_presign_url", {"bucket": "bkt", "key": "k", "method": "put"})):
            r = s.call(tool, a)
            check(r.get("isError") is True, "%s in read-only mode: %s" % (tool, short(r)))
            t = r["content"][0]["text"]
            check(t.startswith("ReadOnly") and "MCP_S3_EXT_READONLY=false" in t,
                  "%s in read-only mode: %r" % (tool, t[:200]))
        # presigning needs no network: a GET URL for the closed port
        r = s.call("s3_presign_url", {"bucket": "bkt", "key": "k"})
        check(not r.get("isError"), "presign GET offline: %s" % short(r))
        url = r["structuredContent"]["url"]
        check(url.startswith(s.env["S3_ENDPOINT"] + "/bkt/k?"), "presigned URL %r" % url[:100])
        check(SECRET_KEY not in json.dumps(r), "the secret in a presigned URL")


# --- malformed input ---------------------------------------------------------
MALFORMED = [
    ("open brace", b"{"),
    ("tru", b"tru"),
    ("leading zero", b"01"),
    ("two objects", b"{}{}"),
    ("raw control char in string", b'{"jsonrpc":"2.0","id":1,"method":"pi\x01ng"}'),
    ("invalid UTF-8 in string", b'{"jsonrpc":"2.0","id":1,"method":"p\xc3\x28ing"}'),
    ("lone continuation byte", b'{"jsonrpc":"2.0","id":1,"method":"ping","params":{"x":"\x80"}}'),
    ("overlong UTF-8 encoding", b'{"jsonrpc":"2.0","id":1,"method":"ping","params":{"x":"\xc0\xaf"}}'),
    ("trailing comma", b'{"jsonrpc":"2.0","id":1,"method":"ping",}'),
    ("single quotes", b"{'jsonrpc':'2.0'}"),
    ("bad escape", b'{"jsonrpc":"2.0","id":1,"method":"p\\xing"}'),
]


@S.test
def malformed_json_gets_parse_error_and_server_goes_on():
    with started() as s:
        for what, line in MALFORMED:
            s.send_raw(line + b"\n")
            r = s.wait(lambda m: isinstance(m, dict) and "error" in m, what="the -32700 for " + what)
            expect_error(r, -32700, what)
            check(r.get("id") is None, "%s: parse error id should be null, got %r" % (what, r.get("id")))
            ping_ok(s, what)
            extra = s.untaken()
            check(not extra, "%s: extra messages: %s" % (what, short(extra)))


@S.test
def invalid_requests_get_invalid_request():
    cases = [
        ("a number", b"42"),
        ("a string", b'"ping"'),
        ("no method", b'{"jsonrpc":"2.0","id":5}'),
        ("wrong jsonrpc", b'{"jsonrpc":"1.0","id":5,"method":"ping"}'),
        ("method not a string", b'{"jsonrpc":"2.0","id":5,"method":7}'),
        ("empty batch", b"[]"),
    ]
    with started() as s:
        for what, line in cases:
            s.send_raw(line + b"\n")
            r = s.wait(lambda m: isinstance(m, dict) and "error" in m, what="the error for " + what)
            expect_error(r, -32600, what)
            ping_ok(s, what)


@S.test
def batch_refused_unless_2025_03_26():
    batch = [{"jsonrpc": "2.0", "id": 1, "method": "ping"}, {"jsonrpc": "2.0", "id": 2, "method": "ping"}]
    for v in ["2025-11-25", "2025-06-18"]:
        with started(v) as s:
            s.send(batch)
            r = s.wait(lambda m: True, what="the answer to a batch (%s)" % v)
            check(isinstance(r, dict), "%s: a batch must not be answered as an array: %s" % (v, short(r)))
            expect_error(r, -32600, "batch under " + v)
            ping_ok(s, "batch under " + v)
    with started("2025-03-26") as s:
        s.send(batch)
        r = s.wait(lambda m: True, what="the answer to a batch (2025-03-26)")
        check(isinstance(r, list), "2025-03-26: a batch should be answered with an array, got %s" % short(r))
        eq(sorted(m.get("id") for m in r), [1, 2], "ids in the batch answer")
        check(all(m.get("result") == {} for m in r), "batch pings: %s" % short(r))
        # a batch of notifications only gets no answer at all
        s.send([{"jsonrpc": "2.0", "method": "notifications/initialized"}])
        ping_ok(s, "notification-only batch")
        check(not s.untaken(), "a notification-only batch was answered: %s" % short(s.untaken()))


@S.test
def unknown_method():
    with started() as s:
        for m in ["no/such/method", "resources/read"]:
            expect_error(s.request(m, {}), -32601, m)
        expect_error(s.request("no/such/method", {"_meta": MODERN_META}), -32601, "modern no/such/method")


# --- the eras: 2026-07-28 per request, legacy after initialize --------------
MODERN = "2026-07-28"
MODERN_META = {"io.modelcontextprotocol/protocolVersion": MODERN,
               "io.modelcontextprotocol/clientCapabilities": {}}


def modern(params=None, **meta):
    p = dict(params or {})
    p["_meta"] = dict(MODERN_META, **meta)
    return p


def check_discover(r, what):
    check("result" in r, "%s: server/discover should succeed, got %s" % (what, short(r)))
    res = r["result"]
    eq(res.get("resultType"), "complete", what + ": resultType")
    sv = res.get("supportedVersions")
    check(isinstance(sv, list) and sv[0] == MODERN and set(VERSIONS) <= set(sv),
          "%s: supportedVersions should hold %s and every legacy version: %s" % (what, MODERN, sv))
    check(isinstance(res.get("capabilities"), dict) and "tools" in res["capabilities"],
          "%s: capabilities.tools: %s" % (what, short(res)))
    si = (res.get("_meta") or {}).get("io.modelcontextprotocol/serverInfo") or {}
    eq(si.get("name"), "mcp-s3", what + ": _meta serverInfo name")
    check(isinstance(si.get("version"), str), "%s: serverInfo version" % what)
    check(isinstance(res.get("instructions"), str) and "s3_list_objects" in res["instructions"],
          "%s: instructions" % what)
    check(isinstance(res.get("ttlMs"), int) and res["ttlMs"] > 0 and res.get("cacheScope") in ("public", "private"),
          "%s: ttlMs and cacheScope: %s" % (what, short(res)))


@S.test
def discover_is_answered_before_and_after_initialize():
    with Server() as s:
        # Claude Code's probe: a string id, the modern _meta
        check_discover(s.request("server/discover", modern(), rid="discover-1"), "modern probe")
        check_discover(s.request("server/discover", {}), "probe without _meta")
        # a legacy request still needs initialize after a discover
        err = expect_error(s.request("tools/list"), -32600, "legacy tools/list after discover")
        check("initiali" in err["message"], "message names initialize: %r" % err["message"])
        r = s.initialize("2025-11-25")
        eq(r.get("protocolVersion"), "2025-11-25", "initialize after discover selects the legacy era")
        lst = s.result("tools/list")
        check("resultType" not in lst and "ttlMs" not in lst, "a legacy tools/list has no modern members: %s"
              % short(lst))
        check_discover(s.request("server/discover"), "discover after initialize")
        ping_ok(s, "after discover")


@S.test
def modern_requests_need_no_initialize():
    with Server() as s:
        a = s.request("tools/list", modern())
        b = s.request("tools/list", modern())
        check("result" in a, "modern tools/list: %s" % short(a))
        res = a["result"]
        eq(res.get("resultType"), "complete", "tools/list resultType")
        check(isinstance(res.get("ttlMs"), int) and res.get("cacheScope") in ("public", "private"),
              "tools/list cache hints: %s" % short({k: v for k, v in res.items() if k != "tools"}))
        eq([t["name"] for t in res["tools"]], READONLY_TOOLS, "modern tools/list names")
        eq(a["result"], b["result"], "tools/list is deterministic")
        r = s.request("tools/call", modern({"name": "s3_list_connections", "arguments": {}}))
        check("result" in r and r["result"].get("resultType") == "complete" and not r["result"].get("isError"),
              "modern tools/call: %s" % short(r))
        check(r["result"]["content"][0]["type"] == "text", "content after resultType: %s" % short(r))
        r = s.request("tools/call", modern({"name": "s3_get_object", "arguments": {"bucket": "b"}}))
        check(r["result"].get("isError") and r["result"].get("resultType") == "complete",
              "a modern tool error has resultType too: %s" % short(r))
        r = s.request("ping", modern())
        eq(r.get("result"), {"resultType": "complete"}, "modern ping")
        # the same process still speaks legacy after initialize
        s.initialize("2025-06-18")
        lst = s.result("tools/list")
        check("resultType" not in lst, "legacy tools/list after modern requests: %s" % short(lst))
        r = s.request("tools/list", modern())
        eq(r.get("result", {}).get("resultType"), "complete", "modern tools/list after initialize")


@S.test
def modern_version_and_meta_errors():
    with Server() as s:
        for v in ["2099-01-01", "2025-11-25", ""]:
            err = expect_error(s.request("tools/list", modern(**{"io.modelcontextprotocol/protocolVersion": v})),
                               -32022, "version %r" % v)
            d = err.get("data") or {}
            eq(d.get("requested"), v, "data.requested")
            check(isinstance(d.get("supported"), list) and MODERN in d["supported"],
                  "data.supported: %s" % short(d))
        expect_error(s.request("tools/list", {"_meta": {"io.modelcontextprotocol/protocolVersion": MODERN}}),
                     -32602, "no clientCapabilities")
        expect_error(s.request("tools/list", modern(**{"io.modelcontextprotocol/clientCapabilities": []})),
                     -32602, "clientCapabilities not an object")
        expect_error(s.request("tools/list", modern(**{"io.modelcontextprotocol/protocolVersion": 20260728})),
                     -32602, "version not a string")
        err = expect_error(s.request("tools/call", modern({"name": "s3_list_buckets"},
                                                          **{"io.modelcontextprotocol/protocolVersion": "x" * 100000})),
                           -32602, "a 100,000-byte version")
        check(len(json.dumps(err)) < 400, "the long version is not echoed: %d bytes" % len(json.dumps(err)))
        ping_ok(s, "after modern errors")


@S.test
def tools_call_bad_params():
    with started() as s:
        expect_error(s.request("tools/call", {"arguments": {}}), -32602, "tools/call without name")
        expect_error(s.request("tools/call", {"name": 123, "arguments": {}}), -32602, "name not a string")
        r = s.request("tools/call", {"name": "s3_list_buckets", "arguments": "x"})
        if not (r.get("result") or {}).get("isError"):  # either -32602 or an InvalidArgument result
            expect_error(r, -32602, "arguments not an object")
        expect_error(s.request("tools/call"), -32602, "no params")
        expect_error(s.request("tools/call", {"name": "no_such_tool", "arguments": {}}), -32602, "unknown tool")
        ping_ok(s, "after bad tools/call")


@S.test
def over_long_line_is_refused_and_next_line_answered():
    # The line limit is 16 MiB, or more when MCP_S3_MAX_PUT_SIZE needs it
    # (docs/configuration.md); 1 MiB puts keep it at 16 MiB.
    with started(MCP_S3_MAX_PUT_SIZE="1MiB") as s:
        pad = b"x" * (MAX_LINE + 1024)
        line = b'{"jsonrpc":"2.0","id":99,"method":"ping","params":{"pad":"' + pad + b'"}}\n'
        s.send_raw(line, timeout=60)
        r = s.wait(lambda m: isinstance(m, dict) and "error" in m, timeout=60, what="an error for the over-long line")
        check(r.get("id") in (None, 99), "over-long line error id: %r" % r.get("id"))
        ping_ok(s, "over-long line")
        check(not any(isinstance(m, dict) and m.get("id") == 99 and "result" in m for m in s.msgs),
              "the over-long request was executed")
        # and again, to be sure the reader resynchronised
        s.send_raw(line, timeout=60)
        s.wait(lambda m: isinstance(m, dict) and "error" in m, timeout=60, what="an error for the 2nd over-long line")
        ping_ok(s, "second over-long line")


@S.test
def line_limit_grows_with_the_put_size():
    """With writes enabled and MCP_S3_MAX_PUT_SIZE=15MiB, a put of 15 MiB in
    base64 (20 MiB) must fit on one line, so a 17 MiB line is served and a
    40 MiB one refused. Read-only, the limit stays 16 MiB."""
    with started(MCP_S3_MAX_PUT_SIZE="15MiB", MCP_S3_EXT_READONLY="false") as s:
        pad = "z" * (17 * 1024 * 1024)
        r = s.request("ping", {"_meta": {"pad": pad}}, timeout=60)
        eq(r.get("result"), {}, "ping on a 17 MiB line with MCP_S3_MAX_PUT_SIZE=15MiB")
        line = b'{"jsonrpc":"2.0","id":98,"method":"ping","params":{"pad":"' + b"x" * (40 * 1024 * 1024) + b'"}}\n'
        s.send_raw(line, timeout=60)
        r = s.wait(lambda m: isinstance(m, dict) and "error" in m, timeout=60, what="an error for a 40 MiB line")
        check(r.get("id") in (None, 98), "over-long line error id: %r" % r.get("id"))
        ping_ok(s, "after the 40 MiB line")


@S.test
def line_limit_stays_fixed_when_read_only():
    with started(MCP_S3_MAX_PUT_SIZE="15MiB") as s:
        line = b'{"jsonrpc":"2.0","id":97,"method":"ping","params":{"pad":"' + b"x" * (17 * 1024 * 1024) + b'"}}\n'
        s.send_raw(line, timeout=60)
        r = s.wait(lambda m: isinstance(m, dict) and "error" in m, timeout=60, what="an error for a 17 MiB line")
        eq(r["error"].get("code"), -32700, "code for a 17 MiB line, read-only")
        ping_ok(s, "after the 17 MiB line")


@S.test
def long_line_below_the_limit_is_accepted():
    with started() as s:
        pad = "y" * (1024 * 1024)
        r = s.request("ping", {"_meta": {"pad": pad}})
        eq(r.get("result"), {}, "ping with a 1 MiB line")


@S.test
def notifications_get_no_response():
    with started() as s:
        s.notify("notifications/initialized")
        s.notify("notifications/cancelled", {"requestId": 12345, "reason": "test"})
        s.notify("notifications/no_such_thing", {})
        s.notify("ping")
        s.notify("tools/list")
        s.send_raw(b"\n\r\n   \n")  # blank lines: ignored
        ping_ok(s, "after notifications")
        check(not s.untaken(), "notifications were answered: %s" % short(s.untaken()))


@S.test
def crlf_line_endings_are_accepted():
    with started() as s:
        s.send_raw(b'{"jsonrpc":"2.0","id":"crlf","method":"ping"}\r\n')
        eq(s.wait_id("crlf").get("result"), {}, "ping ended by CRLF")


@S.test
def stdout_carries_only_json_rpc():
    with started() as s:
        s.result("tools/list")
        s.call("s3_list_connections", {})
        s.send_raw(b"{\n")
        s.request("no/such")
        ping_ok(s, "stdout check")
        s.close()
        check(not s.bad_lines, "non-JSON-RPC stdout lines: %s" % short([l[:200].decode("utf-8", "replace") for l in s.bad_lines]))
        for line in s.raw:
            check(line.count(b"\n") == 1 and line.endswith(b"\n"), "a message spans lines: %r" % line[:200])


@S.test
def eof_on_stdin_exits_zero():
    with Server() as s:
        s.initialize()
        ping_ok(s, "eof")
        eq(s.close(), 0, "exit code after EOF")
    with Server() as s:  # EOF before anything
        eq(s.close(), 0, "exit code after immediate EOF")
    with Server() as s:  # EOF in the middle of a line
        s.send_raw(b'{"jsonrpc":"2.0","id":1,"me')
        eq(s.close(), 0, "exit code after EOF inside a line")


@S.test
def sigterm_exits_cleanly():
    with Server() as s:
        s.initialize()
        ping_ok(s, "sigterm")
        s.send_signal(signal.SIGTERM)
        rc = s.wait_exit()
        check(rc in (0, 143), "exit status after SIGTERM: %s (want 0, or 143 = 128+SIGTERM from exit())" % rc)
        check(not s.bad_lines, "garbage on stdout after SIGTERM")


@S.test
def version_flag():
    rc, out, err = run_cli(["--version"])
    eq(rc, 0, "--version exit code")
    check(any(ch.isdigit() for ch in out + err) and "." in out + err, "--version prints no version: %r" % (out + err))


@S.test
def help_flag_lists_settings():
    rc, out, err = run_cli(["--help"])
    eq(rc, 0, "--help exit code")
    text = out + err
    for v in ["AWS_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "S3_ENDPOINT",
              "S3_USE_PATH_STYLE", "S3_TIMEOUT", "S3_CONNECTION_NAME", "MCP_S3_MAX_GET_SIZE",
              "MCP_S3_READ_SIZE", "MCP_S3_TEXT_FORMAT"]:
        check(v in text, "--help does not mention %s" % v)
    check(SECRET_KEY not in text, "--help prints the secret key")


@S.test
def unknown_flag_fails():
    rc, out, err = run_cli(["--no-such-flag"])
    check(rc != 0, "unknown flag: exit code 0")
    check("no-such-flag" in out + err, "unknown flag: the message does not name it: %r" % (out + err)[:300])


@S.test
def invalid_settings_stop_the_start():
    bad = [
        ("MCP_S3_MAX_GET_SIZE", "banana"),
        ("MCP_S3_READ_SIZE", "0"),
        ("MCP_S3_TEXT_FORMAT", "xml"),
        ("S3_USE_PATH_STYLE", "maybe"),
        ("S3_TIMEOUT", "-5"),
        ("S3_ENDPOINT", "ftp://x"),
    ]
    problems = []
    for var, val in bad:
        s = Server(base_env({var: val}))
        try:
            rc = s.wait_exit()  # stdin stays open: the server must stop by itself
        except TimeoutError:
            problems.append("%s=%s: still running" % (var, val))
            continue
        finally:
            s.kill()
        if rc == 0:
            problems.append("%s=%s: exit code 0" % (var, val))
        elif var not in s.stderr:
            problems.append("%s=%s: message does not name the variable: %r" % (var, val, s.stderr[:200]))
        if s.raw:
            problems.append("%s=%s: wrote to stdout: %r" % (var, val, s.stdout_text[:200]))
    check(not problems, "; ".join(problems))


@S.test
def valid_settings_forms_start():
    good = [
        {"MCP_S3_MAX_GET_SIZE": "10MB", "MCP_S3_READ_SIZE": "64KiB", "S3_TIMEOUT": "30s"},
        {"MCP_S3_MAX_GET_SIZE": "1000", "MCP_S3_READ_SIZE": "1000", "S3_TIMEOUT": "500ms"},
        {"S3_TIMEOUT": "2m", "MCP_S3_TEXT_FORMAT": "json", "S3_USE_PATH_STYLE": "TRUE"},
        {"MCP_S3_TEXT_FORMAT": "compact", "AWS_REGION": None, "AWS_DEFAULT_REGION": "eu-west-1"},
    ]
    for settings in good:
        with Server(base_env(settings)) as s:
            try:
                s.initialize()
            except Exception as e:  # noqa: BLE001
                raise AssertionError("%s: %s; stderr %r" % (settings, e, s.stderr[:300]))
            ping_ok(s, str(settings))


@S.test
def list_connections_without_network():
    with started(S3_CONNECTION_NAME="lab") as s:
        r = s.call("s3_list_connections", {})
        check(not r.get("isError"), "s3_list_connections failed: %s" % short(r))
        sc = r.get("structuredContent", {})
        eq(sc.get("default_connection"), "lab", "default_connection")
        eq(sc.get("count"), 1, "count")
        c = (sc.get("connections") or [{}])[0]
        eq((c.get("name"), c.get("region"), c.get("path_style"), c.get("default")),
           ("lab", "us-east-1", True, True), "connection fields")
        check(SECRET_KEY not in json.dumps(r), "the secret key is in the result")


@S.test
def secrets_never_printed():
    with Server(base_env({"AWS_SESSION_TOKEN": "tok-SECRET-session-0123456789"})) as s:
        s.initialize()
        s.result("tools/list")
        s.call("s3_list_connections", {})
        s.call("s3_list_buckets", {})  # fails: closed port
        s.close()
        for secret in (SECRET_KEY, "tok-SECRET-session-0123456789"):
            check(secret not in s.stdout_text, "secret on stdout")
            check(secret not in s.stderr, "secret on stderr")


@S.test
def the_secret_search_finds_a_leak():
    """The search every suite ends with (mcptest.leaks) does find a secret on
    stderr, in an audit file and on stdout, and allows a session token only as a
    presigned URL's X-Amz-Security-Token."""
    import mcptest
    import tempfile
    d = tempfile.mkdtemp(prefix="mcp-s3-leak-")
    audit = os.path.join(d, "audit.log")
    script = ('echo "x $AWS_SECRET_ACCESS_KEY" >&2; echo "{\\"t\\":\\"$AWS_SECRET_ACCESS_KEY\\"}" > %s; '
              'echo "https://h/b/k?X-Amz-Security-Token=tok-LEAK%%2Fsession-0123456789"' % audit)
    before, bad_before = list(Server.instances), list(Server.all_bad_lines)
    fake = Server(base_env({"AWS_SESSION_TOKEN": "tok-LEAK/session-0123456789", "MCP_S3_AUDIT_FILE": audit}),
                  binary="/bin/sh", args=["-c", script])
    try:
        fake.wait_exit()
        found = mcptest.leaks()
    finally:
        Server.instances[:] = before
        Server.all_bad_lines[:] = bad_before
        shutil.rmtree(d, ignore_errors=True)
    check(any("stderr of" in f for f in found), "a secret on stderr was not found: %r" % found)
    check(any("audit file" in f for f in found), "a secret in the audit file was not found: %r" % found)
    check(not any("token is in stdout" in f for f in found),
          "a token inside a presigned URL counted as a leak: %r" % found)
    fake2 = Server(base_env({"AWS_SESSION_TOKEN": "tok-LEAK/session-0123456789"}), binary="/bin/sh",
                   args=["-c", "echo tok-LEAK/session-0123456789"])
    try:
        fake2.wait_exit()
        found = mcptest.leaks()
    finally:
        Server.instances[:] = before
        Server.all_bad_lines[:] = bad_before
    check(any("token is in stdout" in f for f in found), "a bare token on stdout was not found: %r" % found)


@S.test
def no_bad_stdout_lines_in_any_session():
    check(not Server.all_bad_lines, "bad stdout lines: %s" % short([str(x) for x in Server.all_bad_lines[:3]]))


if __name__ == "__main__":
    if not binary_ready():
        sys.exit(S.fail_all("%s is missing (make build/mcp-s3)" % __import__("mcptest").BINARY))
    sys.exit(S.run(sys.argv[1:]))
