#!/usr/bin/env python3
"""Hostile input on stdin: malformed, oversized and edge-case JSON-RPC/MCP
messages. No S3 is needed: S3_ENDPOINT points at a closed 127.0.0.1 port, so
the tools that reach S3 end fast with NetworkError.

Every case sends its bytes followed by a ping, and checks that
  - the answers that came before the ping's are exactly the expected ones
    (the right JSON-RPC error code, or an isError result whose text starts
    with the stable code and a colon, docs/tools.md), ids echoed byte for byte;
  - the ping is answered (the server goes on);
  - every stdout line is one JSON-RPC message (mcptest's reader).
At the end: memory does not grow over 1,000 mixed bad messages, and every
server exits 0 on EOF without a sanitizer report.

    python3 tests/integration/test_hostile.py [NAME-SUBSTRING ...]
"""
import json
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mcptest import (WAIT, Server, Suite, base_env, binary_ready, check,  # noqa: E402
                     short)

S = Suite("test_hostile")
MAX_LINE = 16 * 1024 * 1024
MAX_GET = 10 * 1024 * 1024          # MCP_S3_MAX_GET_SIZE default ("10MB")
PUT_LIMIT = 1024                    # MCP_S3_MAX_PUT_SIZE of the "write" server
NULL = object()                     # "the id must be JSON null"

# --- servers ------------------------------------------------------------------
# One long-lived server per flavour; a flavour that dies is restarted for the
# next case (and the case that killed it fails).
FLAVOURS = {
    "main": ("2025-11-25", {"S3_TIMEOUT": "2s"}),
    "batch": ("2025-03-26", {"S3_TIMEOUT": "2s"}),
    "old": ("2024-11-05", {"S3_TIMEOUT": "2s"}),
    "v0618": ("2025-06-18", {"S3_TIMEOUT": "2s"}),
    "write": ("2025-11-25", {"S3_TIMEOUT": "2s", "MCP_S3_EXT_READONLY": "false",
                             "MCP_S3_MAX_PUT_SIZE": str(PUT_LIMIT)}),
    "fresh": (None, {"S3_TIMEOUT": "2s"}),   # never initialized
    # MCP_S3_MAX_PUT_SIZE in base64 + 1 MiB stays under 16 MiB: the line limit is 16 MiB.
    "limit16": ("2025-11-25", {"S3_TIMEOUT": "2s", "MCP_S3_MAX_PUT_SIZE": "1MB"}),
    "policy": ("2025-11-25", {"S3_TIMEOUT": "2s", "MCP_S3_ALLOWED_PREFIXES": "s3://abc/allowed/"}),
}
_servers = {}
_all_servers = []


def server(flavour):
    s = _servers.get(flavour)
    if s is not None and s.proc.poll() is None:
        return s
    version, settings = FLAVOURS[flavour]
    s = Server(base_env(settings))
    _all_servers.append(s)
    if version is not None:
        s.initialize(version)
    _servers[flavour] = s
    return s


def req(method, params=None, rid=1, **extra):
    m = {"jsonrpc": "2.0", "id": rid, "method": method}
    if params is not None:
        m["params"] = params
    m.update(extra)
    return m


def line(obj):
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def call(tool, args=None, rid=1, omit_args=False):
    p = {"name": tool}
    if not omit_args:
        p["arguments"] = {} if args is None else args
    return line(req("tools/call", p, rid))


def exchange(s, data, timeout=WAIT, chunks=None):
    """Sends data (one or more lines; a final newline is added when missing),
    then a ping; returns [(message, raw line)] of everything answered before
    the ping's answer. Fails on stdout lines that are not JSON-RPC."""
    pid = "hostile-ping-%d" % s.new_id()
    ping = b'{"jsonrpc":"2.0","id":"' + pid.encode() + b'","method":"ping"}\n'
    with s._cv:
        m0, r0, b0 = len(s.msgs), len(s.raw), len(s.bad_lines)
    if chunks:
        for c in chunks:
            s.send_raw(c, timeout=60)
    if data:
        s.send_raw(data if data.endswith(b"\n") else data + b"\n", timeout=60)
    s.send_raw(ping)
    try:
        s.wait_id(pid, timeout)
    finally:
        with s._cv:
            bad = s.bad_lines[b0:]
    check(not bad, "stdout carried lines that are not JSON-RPC messages: %s" %
          "; ".join(repr(b[:200]) for b in bad))
    with s._cv:
        msgs = s.msgs[m0:]
        raws = s.raw[r0:]
        for i in range(m0, len(s.msgs)):
            s.taken.add(i)
    k = next(i for i, m in enumerate(msgs) if isinstance(m, dict) and m.get("id") == pid)
    check(k == len(msgs) - 1, "messages after the ping's answer: %s" % short(msgs[k + 1:]))
    return list(zip(msgs[:k], raws[:k]))


# --- expectations -------------------------------------------------------------
def raw_id_of(raw):
    m = re.match(rb'^\{"jsonrpc":"2\.0","id":(.*?),"(result|error)":', raw)
    return m.group(1) if m else None


def check_id(msg, raw, want, what):
    """want: NULL, a Python value, or bytes = the exact JSON text of the id."""
    if want is NULL:
        check("id" in msg and msg["id"] is None, "%s: id should be null, got %r" % (what, msg.get("id")))
    elif isinstance(want, bytes):
        if raw is not None:
            got = raw_id_of(raw)
            check(got == want, "%s: id not echoed byte for byte: got %r, want %r" % (what, got, want))
    else:
        check(msg.get("id") == want and type(msg.get("id")) == type(want),
              "%s: id %r, want %r" % (what, msg.get("id"), want))


def E(code, rid=NULL):
    """One JSON-RPC error with this code (or one of these codes)."""
    codes = code if isinstance(code, tuple) else (code,)

    def f(msg, raw, what):
        check(isinstance(msg, dict) and "error" in msg and "result" not in msg,
              "%s: expected JSON-RPC error %s, got %s" % (what, codes, short(msg)))
        e = msg["error"]
        check(isinstance(e, dict) and isinstance(e.get("code"), int) and isinstance(e.get("message"), str),
              "%s: malformed error object %s" % (what, short(e)))
        check(e["code"] in codes, "%s: error code %s (%s), want %s" % (what, e["code"], e["message"], codes))
        check_id(msg, raw, rid, what)
    f.desc = "error %s" % (codes,)
    return f


def R(rid=1, result=None):
    """One successful JSON-RPC result (equal to result when given)."""
    def f(msg, raw, what):
        check(isinstance(msg, dict) and "result" in msg and "error" not in msg,
              "%s: expected a result, got %s" % (what, short(msg)))
        if result is not None:
            check(msg["result"] == result, "%s: result %s, want %s" % (what, short(msg["result"]), short(result)))
        check_id(msg, raw, rid, what)
    f.desc = "result"
    return f


def T(code, rid=1, contains=None):
    """One tools/call result with isError, text "<code>: ..." (docs/tools.md)."""
    def f(msg, raw, what):
        check(isinstance(msg, dict) and isinstance(msg.get("result"), dict),
              "%s: expected an isError result %s, got %s" % (what, code, short(msg)))
        r = msg["result"]
        check(r.get("isError") is True, "%s: expected isError %s, got %s" % (what, code, short(r)))
        check("structuredContent" not in r, "%s: an error result carries structuredContent" % what)
        c = r.get("content")
        check(isinstance(c, list) and len(c) == 1 and isinstance(c[0], dict) and c[0].get("type") == "text",
              "%s: an error result has one text block: %s" % (what, short(c)))
        t = c[0].get("text", "")
        check(t.startswith(code + ": "), "%s: text should start with %r: %r" % (what, code + ": ", t[:300]))
        if contains:
            check(contains in t, "%s: text should mention %r: %r" % (what, contains, t[:300]))
        check_id(msg, raw, rid, what)
    f.desc = "isError %s" % code
    return f


def OK(rid=1, sc=None):
    """One successful tool result, structuredContent holding sc's items."""
    def f(msg, raw, what):
        check(isinstance(msg, dict) and isinstance(msg.get("result"), dict),
              "%s: expected a tool result, got %s" % (what, short(msg)))
        r = msg["result"]
        check(not r.get("isError"), "%s: unexpected isError: %s" % (what, short(r.get("content"))))
        got = r.get("structuredContent")
        check(isinstance(got, dict), "%s: no structuredContent: %s" % (what, short(r)))
        for k, v in (sc or {}).items():
            check(got.get(k) == v, "%s: structuredContent.%s = %r, want %r" % (what, k, got.get(k), v))
        check_id(msg, raw, rid, what)
    f.desc = "tool result"
    return f


def ANY_ID_OR(code, rid):
    """A lenient expectation: either a result with the id echoed byte for
    byte, or a JSON-RPC error `code` with a null id."""
    def f(msg, raw, what):
        if isinstance(msg, dict) and "error" in msg:
            E(code)(msg, raw, what)
        else:
            R(rid)(msg, raw, what)
    f.desc = "result or error %s" % code
    return f


def B(*items, any_order=False):
    """One batch answer: an array whose elements meet items (in order)."""
    def f(msg, raw, what):
        check(isinstance(msg, list), "%s: expected an array (batch answer), got %s" % (what, short(msg)))
        check(len(msg) == len(items), "%s: %d answers in the batch, want %d: %s" %
              (what, len(msg), len(items), short(msg)))
        for i, (m, want) in enumerate(zip(msg, items)):
            want(m, None, "%s [%d]" % (what, i))
    f.desc = "batch"
    return f


def expect(replies, wants, what):
    check(len(replies) == len(wants), "%s: %d answer(s), want %d (%s): %s" %
          (what, len(replies), len(wants), ", ".join(getattr(w, "desc", "?") for w in wants) or "none",
           short([m for m, _ in replies], 600)))
    for (m, raw), w in zip(replies, wants):
        w(m, raw, what)


CASES = []


def case(name, flavour, data, *wants, timeout=WAIT, chunks=None):
    """Registers test NAME: send data to the flavour's server, expect wants."""
    def fn():
        s = server(flavour)
        d = data() if callable(data) else data
        try:
            replies = exchange(s, d, timeout=timeout, chunks=chunks() if callable(chunks) else chunks)
        except Exception:
            try:        # a server that is dying is reaped, so the next case gets a new one
                s.proc.wait(1)
            except Exception:  # noqa: BLE001
                pass
            raise
        expect(replies, list(wants), name)
    fn.__name__ = name
    S.test(fn)
    CASES.append(name)
    return fn


def ping_with(params_json, rid=b"1"):
    return b'{"jsonrpc":"2.0","id":' + rid + b',"method":"ping","params":' + params_json + b"}"


# --- deep nesting -------------------------------------------------------------
# The message object is depth 1, params depth 2: n arrays inside make 2 + n.
def nested(n):
    return ping_with(b'{"d":' + b"[" * n + b"]" * n + b"}")


case("depth_64_is_accepted", "main", nested(62), R(1, {}))
case("depth_65_is_parse_error", "main", nested(63), E(-32700))
case("depth_64_bare_arrays_not_a_batch_under_2025_11_25", "main", b"[" * 64 + b"]" * 64, E(-32600))
case("depth_65_bare_arrays_parse_error", "main", b"[" * 65 + b"]" * 65, E(-32700))
case("ten_thousand_open_brackets", "main", b"[" * 10000, E(-32700))
case("ten_thousand_balanced_brackets", "main", b"[" * 10000 + b"]" * 10000, E(-32700))
case("hundred_thousand_nested_objects", "main", b'{"a":' * 100000, E(-32700))
case("too_many_tokens", "main", ping_with(b"[" + b",".join([b"0"] * 70000) + b"]"), E(-32700))

# --- huge strings ---------------------------------------------------------------
BIG = b"z" * (10 * 1024 * 1024)
case("ten_mb_string_in_unknown_argument", "main",
     lambda: b'{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"s3_list_buckets",'
             b'"arguments":{"blob":"' + BIG + b'"}}}',
     T("InvalidArgument", contains="blob"), timeout=60)
case("ten_mb_string_as_bucket", "main",
     lambda: b'{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"s3_list_objects",'
             b'"arguments":{"bucket":"' + BIG + b'"}}}',
     T("InvalidArgument", contains="bucket"), timeout=60)
case("ten_mb_string_in_ping_params", "main", lambda: ping_with(b'{"pad":"' + BIG + b'"}'), R(1, {}), timeout=60)
case("ten_mb_tool_name", "main",
     lambda: b'{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"' + BIG + b'"}}',
     E(-32602, b"1"), timeout=60)
case("hundred_kb_string_id_echoed", "main",
     lambda: b'{"jsonrpc":"2.0","id":"' + b"i" * 100000 + b'","method":"ping"}',
     R(b'"' + b"i" * 100000 + b'"'))

# --- invalid UTF-8 --------------------------------------------------------------
for nm, bad in [("overlong_2byte", b"\xc0\xaf"), ("overlong_3byte", b"\xe0\x80\xaf"),
                ("overlong_4byte", b"\xf0\x80\x80\xaf"), ("truncated_3byte", b"\xe6\x97"),
                ("truncated_at_string_end", b"abc\xe2\x82"), ("byte_ff", b"\xff"), ("byte_fe", b"\xfe"),
                ("cesu_surrogate_pair", b"\xed\xa0\xbd\xed\xb8\x80"), ("above_10ffff", b"\xf4\x90\x80\x80"),
                ("lone_continuation", b"\x80\x80")]:
    case("utf8_%s_in_value" % nm, "main", ping_with(b'{"x":"' + bad + b'"}'), E(-32700))
case("utf8_invalid_in_key", "main", ping_with(b'{"k\xff":1}'), E(-32700))
case("utf8_invalid_in_method", "main", b'{"jsonrpc":"2.0","id":1,"method":"pi\xc3ng"}', E(-32700))
case("utf8_invalid_outside_strings", "main", b'{"jsonrpc":"2.0","id":1,"method":"ping"}\xff', E(-32700))
case("utf8_bom_before_message", "main", b'\xef\xbb\xbf{"jsonrpc":"2.0","id":1,"method":"ping"}', E(-32700))
case("utf8_valid_multibyte_accepted", "main", ping_with('{"x":"日本 é 😀 \u2028"}'.encode()), R(1, {}))

# --- NUL bytes --------------------------------------------------------------------
case("nul_raw_in_string", "main", ping_with(b'{"x":"a\x00b"}'), E(-32700))
case("nul_raw_between_tokens", "main", b'{"jsonrpc":"2.0",\x00"id":1,"method":"ping"}', E(-32700))
case("nul_raw_alone_on_a_line", "main", b"\x00", E(-32700))
case("nul_escaped_in_method", "main", b'{"jsonrpc":"2.0","id":1,"method":"ping\\u0000"}', E(-32601, b"1"))
case("nul_escaped_in_jsonrpc", "main", b'{"jsonrpc":"2.0\\u0000","id":1,"method":"ping"}', E(-32600, b"1"))
case("nul_escaped_in_params_key", "main", ping_with(b'{"a\\u0000b":"c\\u0000d"}'), R(1, {}))
# "id\u0000" is not "id": a notification, so no answer.
case("nul_escaped_in_id_key_makes_a_notification", "main",
     b'{"jsonrpc":"2.0","id\\u0000":1,"method":"ping"}')
case("nul_escaped_in_id_echoed", "main", b'{"jsonrpc":"2.0","id":"a\\u0000b","method":"ping"}',
     R(b'"a\\u0000b"'))
case("nul_escaped_in_tool_name", "main",
     b'{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"s3_list_buckets\\u0000"}}',
     E(-32602, b"1"))
case("nul_escaped_in_argument_name", "main", call("s3_list_objects", {"bucket\u0000": "abc"}),
     T("InvalidArgument"))
case("nul_escaped_in_bucket", "main", call("s3_list_objects", {"bucket": "ab\u0000c"}),
     T("InvalidArgument", contains="NUL"))
case("nul_escaped_in_key", "main", call("s3_get_object_metadata", {"bucket": "abc", "key": "a\u0000"}),
     T("InvalidArgument", contains="NUL"))

# --- surrogates ---------------------------------------------------------------------
for nm, esc in [("high", b"\\ud800"), ("low", b"\\udc00"), ("high_then_letter", b"\\ud800\\u0041"),
                ("reversed_pair", b"\\udc00\\ud800"), ("high_at_end", b"x\\udbff"),
                ("two_highs", b"\\ud800\\ud800")]:
    case("lone_surrogate_%s" % nm, "main", ping_with(b'{"x":"' + esc + b'"}'), E(-32700))
case("lone_surrogate_in_key", "main", ping_with(b'{"\\ud800":1}'), E(-32700))
case("surrogate_pair_valid", "main", ping_with(b'{"x":"\\ud83d\\ude00"}'), R(1, {}))

# --- duplicate keys ---------------------------------------------------------------------
case("duplicate_id", "main", b'{"jsonrpc":"2.0","id":1,"id":2,"method":"ping"}', E(-32700))
case("duplicate_method", "main", b'{"jsonrpc":"2.0","id":1,"method":"ping","method":"tools/list"}', E(-32700))
case("duplicate_jsonrpc", "main", b'{"jsonrpc":"2.0","jsonrpc":"2.0","id":1,"method":"ping"}', E(-32700))
case("duplicate_id_escaped", "main", b'{"jsonrpc":"2.0","id":1,"\\u0069d":2,"method":"ping"}', E(-32700))
case("duplicate_argument", "main",
     b'{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"s3_list_objects",'
     b'"arguments":{"bucket":"abc","bucket":"abd"}}}', E(-32700))
case("duplicate_in_nested_params", "main", ping_with(b'{"a":{"b":1,"b":2}}'), E(-32700))

# --- wrong types in the envelope --------------------------------------------------------
for nm, v in [("number_2", b"2"), ("string_2_1", b'"2.1"'), ("null", b"null"), ("string_2", b'"2"'),
              ("object", b'{"v":"2.0"}'), ("with_space", b'"2.0 "')]:
    case("jsonrpc_%s" % nm, "main", b'{"jsonrpc":' + v + b',"id":7,"method":"ping"}', E(-32600, b"7"))
case("jsonrpc_missing", "main", b'{"id":7,"method":"ping"}', E(-32600, b"7"))
for nm, v in [("number", b"7"), ("null", b"null"), ("object", b"{}"), ("array", b'["ping"]'), ("true", b"true")]:
    case("method_%s" % nm, "main", b'{"jsonrpc":"2.0","id":7,"method":' + v + b"}", E(-32600, b"7"))
case("method_missing", "main", b'{"jsonrpc":"2.0","id":7}', E(-32600, b"7"))
for nm, v in [("array", b"[]"), ("string", b'"x"'), ("number", b"1"), ("null", b"null"), ("true", b"true")]:
    case("params_%s" % nm, "main", b'{"jsonrpc":"2.0","id":7,"method":"ping","params":' + v + b"}",
         E(-32602, b"7"))
    case("params_%s_in_notification_ignored" % nm, "main",
         b'{"jsonrpc":"2.0","method":"notifications/initialized","params":' + v + b"}")
for nm, v in [("true", b"true"), ("false", b"false"), ("null", b"null"), ("object", b'{"a":1}'),
              ("array", b"[1]"), ("empty_array", b"[]")]:
    case("id_%s" % nm, "main", b'{"jsonrpc":"2.0","id":' + v + b',"method":"ping"}', E(-32600))
for nm, v in [("negative", b"-1"), ("zero", b"0"), ("minus_zero", b"-0"),
              ("two_pow_53", b"9007199254740992"), ("minus_two_pow_53", b"-9007199254740992"),
              ("string_quotes", b'"a\\"b\\\\c"'), ("string_escapes", b'"\\u00e9\\u2028\\/\\t"'),
              ("string_utf8", '"日本😀"'.encode()), ("empty_string", b'""')]:
    case("id_%s_echoed_exactly" % nm, "main", b'{"jsonrpc":"2.0","id":' + v + b',"method":"ping"}', R(v, {}))
# Numeric ids are integers within +-2^53, which a JavaScript client holds
# exactly: 1e999 would come back from Node as null, 2^63-1 as another number.
for nm, v in [("huge", b"123456789012345678901234567890"), ("int64_max", b"9223372036854775807"),
              ("two_pow_53_plus_1", b"9007199254740993"), ("exponent", b"1e3"), ("exponent_plus", b"1E+300"),
              ("e999", b"1e999"), ("float", b"1.5"), ("one_point_zero", b"1.0"), ("negative_exponent", b"5e-1")]:
    case("id_%s_refused" % nm, "main", b'{"jsonrpc":"2.0","id":' + v + b',"method":"ping"}', E(-32600))
case("id_kept_when_method_unknown", "main", b'{"jsonrpc":"2.0","id":"x\\"y","method":"nope"}', E(-32601, b'"x\\"y"'))
# JSON-RPC 2.0 section 6 example: {"foo": "boo"} is an Invalid Request, answered with id null.
case("object_without_jsonrpc_id_method", "main", b'{"foo":"boo"}', E(-32600))
case("empty_object", "main", b"{}", E(-32600))
case("not_an_object_number", "main", b"42", E(-32600))
case("not_an_object_string", "main", b'"ping"', E(-32600))
case("not_an_object_null", "main", b"null", E(-32600))
case("not_an_object_true", "main", b"true", E(-32600))
case("response_result_ignored", "main", b'{"jsonrpc":"2.0","id":5,"result":{}}')
case("response_error_ignored", "main", b'{"jsonrpc":"2.0","id":5,"error":{"code":-1,"message":"x"}}')

# --- batches ----------------------------------------------------------------------------
P1 = req("ping", rid=1)
P2 = req("ping", rid=2)
NOTE = {"jsonrpc": "2.0", "method": "notifications/initialized"}
case("batch_before_initialize", "fresh", line([P1, P2]), E(-32600))
case("batch_under_2025_11_25", "main", line([P1, P2]), E(-32600))
case("batch_under_2025_06_18", "v0618", line([P1, P2]), E(-32600))
case("batch_under_2024_11_05", "old", line([P1, P2]), E(-32600))
case("empty_batch_under_2025_11_25", "main", b"[]", E(-32600))
case("batch_empty", "batch", b"[]", E(-32600))
case("batch_empty_with_spaces", "batch", b"[ ]", E(-32600))
case("batch_two_pings", "batch", line([P1, P2]), B(R(1, {}), R(2, {})))
case("batch_nested_empty", "batch", b"[[]]", B(E(-32600)))
case("batch_nested_batch", "batch", line([[P1]]), B(E(-32600)))
case("batch_of_scalars", "batch", b'[1,"x",null]', B(E(-32600), E(-32600), E(-32600)))
case("batch_mixed_with_notifications", "batch",
     line([P1, NOTE, req("nope", rid=3), {"jsonrpc": "2.0", "id": True, "method": "ping"}, NOTE, P2]),
     B(R(1, {}), E(-32601, 3), E(-32600), R(2, {})))
case("batch_only_notifications", "batch", line([NOTE, NOTE, {"jsonrpc": "2.0", "method": "x/y"}]))
case("batch_only_responses", "batch", b'[{"jsonrpc":"2.0","id":5,"result":{}}]')
# JSON-RPC 2.0 section 7: [{"foo": "boo"}] is answered [{"jsonrpc": "2.0", "error": {-32600}, "id": null}].
case("batch_with_empty_object", "batch", b'[{},{"foo":"boo"}]', B(E(-32600), E(-32600)))
case("batch_with_initialize", "batch", line([req("initialize", {"protocolVersion": "2025-03-26"}, rid=9), P1]),
     B(E(-32600, 9), R(1, {})))
case("batch_with_tools", "batch",
     line([req("tools/call", {"name": "s3_list_connections", "arguments": {}}, rid=1),
           req("tools/call", {"name": "no_such_tool"}, rid=2),
           req("tools/call", {"name": "s3_list_objects", "arguments": {"bucket": "a"}}, rid=3),
           req("tools/list", rid=4)]),
     B(OK(1), E(-32602, 2), T("InvalidArgument", 3), R(4)))
case("batch_duplicate_ids", "batch", line([P1, P1]), B(R(1, {}), R(1, {})))
case("batch_thousand_pings", "batch", line([req("ping", rid=i) for i in range(1000)]),
     B(*[R(i, {}) for i in range(1000)]))
case("batch_parse_error_is_one_error", "batch", b'[{"jsonrpc":"2.0","id":1,"method":"ping"},]', E(-32700))

# --- lifecycle ---------------------------------------------------------------------------
case("tools_list_before_initialize", "fresh", line(req("tools/list", rid=3)), E(-32600, 3))
case("tools_call_before_initialize", "fresh", call("s3_list_connections", rid=3), E(-32600, 3))
case("unknown_method_before_initialize", "fresh", line(req("nope", rid=3)), E((-32600, -32601), 3))
case("ping_before_initialize", "fresh", line(req("ping", rid=3)), R(3, {}))
case("initialize_without_params", "fresh", line(req("initialize", rid=3)), E(-32602, 3))
case("initialize_params_empty", "fresh", line(req("initialize", {}, rid=3)), E(-32602, 3))
case("initialize_version_number", "fresh", line(req("initialize", {"protocolVersion": 20251125}, rid=3)),
     E(-32602, 3))
case("initialize_version_null", "fresh", line(req("initialize", {"protocolVersion": None}, rid=3)), E(-32602, 3))
case("initialize_params_array", "fresh", b'{"jsonrpc":"2.0","id":3,"method":"initialize","params":["x"]}',
     E(-32602, 3))
case("initialize_as_notification_is_ignored", "fresh",
     line({"jsonrpc": "2.0", "method": "initialize", "params": {"protocolVersion": "2025-11-25"}}) + b"\n" +
     line(req("tools/list", rid=4)), E(-32600, 4))
case("second_initialize", "main", line(req("initialize", {"protocolVersion": "2025-11-25"}, rid=3)), E(-32600, 3))
case("second_initialize_other_version", "main",
     line(req("initialize", {"protocolVersion": "2025-03-26"}, rid=3)) + b"\n" + line([P1]), E(-32600, 3), E(-32600))

# --- methods and notifications ----------------------------------------------------------
for nm, meth in [("plain", "no/such/method"), ("empty", ""), ("rpc_prefix", "rpc.discover"),
                 ("upper_case", "TOOLS/LIST"), ("trailing_space", "ping "), ("newline", "tools/list\n"),
                 ("resources_read", "resources/read"), ("long", "m" * 5000), ("unicode", "pïng😀")]:
    case("unknown_method_%s" % nm, "main", line(req(meth, rid=11)), E(-32601, 11))
    case("unknown_method_%s_as_notification" % nm, "main", line({"jsonrpc": "2.0", "method": meth}))
case("notification_initialized_again", "main", line(NOTE))
case("notification_cancelled_unknown_id", "main",
     line({"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": 424242}}))
case("notification_cancelled_garbage_params", "main",
     line({"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": [{}]}}))
case("notification_with_method_number_is_invalid", "main", b'{"jsonrpc":"2.0","method":5}', E(-32600))
case("tools_list_unknown_cursor", "main", line(req("tools/list", {"cursor": "abc"}, rid=5)), E(-32602, 5))

# --- framing -------------------------------------------------------------------------------
PING7 = b'{"jsonrpc":"2.0","id":7,"method":"ping"}'
case("crlf_line_ending", "main", PING7 + b"\r\n", R(7, {}))
case("leading_and_trailing_blanks", "main", b" \t " + PING7 + b" \t \r", R(7, {}))
case("whitespace_inside", "main", b'{ "jsonrpc" : "2.0" ,\t"id" : 7 , "method" :\r"ping" }', R(7, {}))
case("empty_lines", "main", b"\n\n\n")
case("line_of_spaces", "main", b" " * 1000)
case("line_of_cr", "main", b"\r")
case("line_of_tabs_and_cr", "main", b"\t\t\r\r")
case("form_feed_is_not_json_whitespace", "main", b"\x0c" + PING7, E(-32700))
case("vertical_tab_is_not_json_whitespace", "main", PING7 + b"\x0b", E(-32700))
case("two_messages_on_one_line", "main", PING7 + PING7, E(-32700))
case("two_messages_two_lines", "main", PING7 + b"\n" + PING7, R(7, {}), R(7, {}))
case("garbage_after_message", "main", PING7 + b" x", E(-32700))
case("truncated_message", "main", PING7[:-5], E(-32700))


def over_long_chunks(n):
    head = b'{"jsonrpc":"2.0","id":99,"method":"ping","params":{"pad":"'
    tail = b'"}}'
    pad = n - len(head) - len(tail)
    piece = b"x" * (1024 * 1024)
    out = [head]
    while pad > 0:
        out.append(piece[:min(pad, len(piece))])
        pad -= len(piece)
    out.append(tail)
    return out


# docs/tools.md: -32700 "for a line over 16 MiB". With MCP_S3_MAX_PUT_SIZE=1MB
# the limit is exactly that; the read-only default server ("main") must refuse
# such a line too (it cannot take a put, whatever MCP_S3_MAX_PUT_SIZE says).
case("line_just_over_16_mib_in_chunks", "limit16", b"", E(-32700), timeout=60,
     chunks=lambda: over_long_chunks(MAX_LINE + 1) + [b"\n"])
case("line_of_exactly_16_mib_accepted", "limit16", b"", R(99, {}), timeout=60,
     chunks=lambda: over_long_chunks(MAX_LINE) + [b"\n"])
case("line_over_16_mib_without_json_then_message", "limit16", PING7, E(-32700), R(7, {}), timeout=60,
     chunks=lambda: [b"\xff" * (MAX_LINE + 4096) + b"\n"])
case("line_just_over_16_mib_read_only_defaults", "main", b"", E(-32700), timeout=60,
     chunks=lambda: over_long_chunks(MAX_LINE + 1) + [b"\n"])

# --- tools/call envelope ------------------------------------------------------------------
case("tool_unknown", "main", call("no_such_tool"), E(-32602, b"1"))
case("tool_name_empty", "main", call(""), E(-32602, b"1"))
case("tool_name_upper_case", "main", call("S3_LIST_BUCKETS"), E(-32602, b"1"))
case("tool_name_trailing_space", "main", call("s3_list_buckets "), E(-32602, b"1"))
case("tool_name_prefix_of_a_tool", "main", call("s3_list"), E(-32602, b"1"))
case("tool_name_with_newline", "main", call("s3_list_buckets\n"), E(-32602, b"1"))
case("tool_name_with_quote_and_backslash", "main", call('s3"\\x'), E(-32602, b"1"))
case("tool_name_with_control_chars", "main", call("\u0001\u001f\u007f"), E(-32602, b"1"))
case("tool_name_ascii_200_bytes", "main", call("t" * 200), E(-32602, b"1"))
# The message quotes the name cut at 80 bytes: a cut inside a UTF-8 sequence
# must still give a valid answer (not an empty stdout line).
case("tool_name_long_non_ascii", "main", call("é" * 50), E(-32602, b"1"))
case("tool_name_long_non_ascii_in_batch", "batch", line([req("tools/call", {"name": "日" * 40}, rid=1), P2]),
     B(E(-32602, 1), R(2, {})))
case("tool_name_number", "main", line(req("tools/call", {"name": 5})), E(-32602, b"1"))
case("tool_name_null", "main", line(req("tools/call", {"name": None})), E(-32602, b"1"))
case("tool_name_missing", "main", line(req("tools/call", {"arguments": {}})), E(-32602, b"1"))
case("tools_call_without_params", "main", line(req("tools/call")), E(-32602, b"1"))
case("arguments_missing", "main", call("s3_list_buckets", omit_args=True), T("NetworkError"))
case("arguments_null", "main", line(req("tools/call", {"name": "s3_list_buckets", "arguments": None})),
     T("NetworkError"))
case("arguments_missing_required", "main", call("s3_list_objects", omit_args=True),
     T("InvalidArgument", contains="bucket"))
for nm, v in [("array", []), ("string", "x"), ("number", 5), ("true", True)]:
    case("arguments_%s" % nm, "main", line(req("tools/call", {"name": "s3_list_buckets", "arguments": v})),
         E(-32602, b"1"))
case("unknown_argument", "main", call("s3_list_buckets", {"bucket": "abc"}), T("InvalidArgument", contains="bucket"))
# The text names the unknown argument and starts "InvalidArgument: " even when
# the name is long and not ASCII (docs/tools.md: code, colon, what happened).
case("unknown_argument_long_non_ascii", "main", call("s3_list_buckets", {"é" * 50: 1}),
     T("InvalidArgument", contains="éééé"))
case("list_connections_takes_no_arguments", "main", call("s3_list_connections", {"connection": "default"}),
     T("InvalidArgument"))
case("list_connections_ok", "main", call("s3_list_connections"), OK(1))
case("write_tool_in_read_only_mode", "main", call("s3_put_object", {"bucket": "abc", "key": "k", "content": "x"}),
     T("ReadOnly"))
# An empty content is a valid argument (a zero-byte object); under a sanitizer
# build (-fno-sanitize-recover) this must not stop the server.
case("write_tool_empty_content_in_read_only_mode", "main",
     call("s3_put_object", {"bucket": "abc", "key": "k", "content": ""}), T("ReadOnly"))

# --- argument bounds -------------------------------------------------------------------
LO = "s3_list_objects"
GO = "s3_get_object"
MD = "s3_get_object_metadata"
PR = "s3_presign_url"
NET = T("NetworkError")
INV = T("InvalidArgument")
bounds = [
    ("bucket_2_bytes", LO, {"bucket": "ab"}, INV),
    ("bucket_3_bytes", LO, {"bucket": "abc"}, NET),
    ("bucket_63_bytes", LO, {"bucket": "b" * 63}, NET),
    ("bucket_64_bytes", LO, {"bucket": "b" * 64}, INV),
    ("bucket_empty", LO, {"bucket": ""}, INV),
    ("bucket_with_slash", LO, {"bucket": "ab/c"}, INV),
    ("bucket_with_dotdot_path", MD, {"bucket": "../etc", "key": "passwd"}, INV),
    ("bucket_non_ascii", LO, {"bucket": "bück"}, INV),
    ("key_empty", MD, {"bucket": "abc", "key": ""}, INV),
    ("key_1_byte", MD, {"bucket": "abc", "key": "k"}, NET),
    ("key_1024_bytes", MD, {"bucket": "abc", "key": "k" * 1024}, NET),
    ("key_1025_bytes", MD, {"bucket": "abc", "key": "k" * 1025}, INV),
    ("key_1024_bytes_of_2byte_chars", MD, {"bucket": "abc", "key": "é" * 512}, NET),
    ("key_1026_bytes_of_2byte_chars", MD, {"bucket": "abc", "key": "é" * 513}, INV),
    ("key_with_controls_and_dots", MD, {"bucket": "abc", "key": "../\u0001\n\r?#%"}, NET),
    ("max_keys_0", LO, {"bucket": "abc", "max_keys": 0}, INV),
    ("max_keys_1", LO, {"bucket": "abc", "max_keys": 1}, NET),
    ("max_keys_1000", LO, {"bucket": "abc", "max_keys": 1000}, NET),
    ("max_keys_1001", LO, {"bucket": "abc", "max_keys": 1001}, INV),
    ("max_keys_negative", LO, {"bucket": "abc", "max_keys": -1}, INV),
    ("max_keys_fraction", LO, {"bucket": "abc", "max_keys": 1.5}, INV),
    ("max_keys_2_pow_64", LO, {"bucket": "abc", "max_keys": 2 ** 64}, INV),
    ("prefix_1024_bytes", LO, {"bucket": "abc", "prefix": "p" * 1024}, NET),
    ("prefix_1025_bytes", LO, {"bucket": "abc", "prefix": "p" * 1025}, INV),
    ("delimiter_16_bytes", LO, {"bucket": "abc", "delimiter": "/" * 16}, NET),
    ("delimiter_17_bytes", LO, {"bucket": "abc", "delimiter": "/" * 17}, INV),
    ("start_after_1025_bytes", LO, {"bucket": "abc", "start_after": "s" * 1025}, INV),
    ("continuation_token_empty", LO, {"bucket": "abc", "continuation_token": ""}, INV),
    ("continuation_token_4097_bytes", LO, {"bucket": "abc", "continuation_token": "t" * 4097}, INV),
    ("offset_minus_1", GO, {"bucket": "abc", "key": "k", "offset": -1}, INV),
    ("offset_0", GO, {"bucket": "abc", "key": "k", "offset": 0}, NET),
    ("offset_int64_max", GO, {"bucket": "abc", "key": "k", "offset": 2 ** 63 - 1, "length": MAX_GET}, NET),
    ("offset_2_pow_63", GO, {"bucket": "abc", "key": "k", "offset": 2 ** 63}, INV),
    ("offset_huge", GO, {"bucket": "abc", "key": "k", "offset": 10 ** 30}, INV),
    ("length_0", GO, {"bucket": "abc", "key": "k", "length": 0}, INV),
    ("length_1", GO, {"bucket": "abc", "key": "k", "length": 1}, NET),
    ("length_max_get_size", GO, {"bucket": "abc", "key": "k", "length": MAX_GET}, NET),
    ("length_over_max_get_size", GO, {"bucket": "abc", "key": "k", "length": MAX_GET + 1}, T("SizeLimit")),
    ("length_int64_max", GO, {"bucket": "abc", "key": "k", "length": 2 ** 63 - 1}, T("SizeLimit")),
    ("length_negative", GO, {"bucket": "abc", "key": "k", "length": -5}, INV),
    ("expires_in_0", PR, {"bucket": "abc", "key": "k", "expires_in": 0}, INV),
    ("expires_in_1", PR, {"bucket": "abc", "key": "k", "expires_in": 1}, OK(1, {"expires_in_seconds": 1})),
    ("expires_in_604800", PR, {"bucket": "abc", "key": "k", "expires_in": 604800},
     OK(1, {"expires_in_seconds": 604800})),
    ("expires_in_604801", PR, {"bucket": "abc", "key": "k", "expires_in": 604801}, INV),
    ("expires_in_exponent", PR, {"bucket": "abc", "key": "k", "expires_in": 6e2}, OK(1, {"expires_in_seconds": 600})),
    ("presign_method_get_lower", PR, {"bucket": "abc", "key": "k", "method": "get"}, OK(1, {"method": "GET"})),
    ("presign_method_put_read_only", PR, {"bucket": "abc", "key": "k", "method": "pUt"}, T("ReadOnly")),
    ("presign_method_delete", PR, {"bucket": "abc", "key": "k", "method": "DELETE"}, INV),
    ("presign_method_empty", PR, {"bucket": "abc", "key": "k", "method": ""}, INV),
    ("connection_unknown", LO, {"bucket": "abc", "connection": "nope"}, T("ConnectionNotFound")),
    ("connection_empty", LO, {"bucket": "abc", "connection": ""}, INV),
    ("connection_64_bytes", LO, {"bucket": "abc", "connection": "c" * 64}, INV),
    ("connection_null_is_default", LO, {"bucket": "abc", "connection": None}, NET),
]
for nm, tool, args, want in bounds:
    case("arg_" + nm, "main", call(tool, args), want)

# wrong types
types = [
    ("bucket_number", LO, {"bucket": 123}),
    ("bucket_array", LO, {"bucket": ["abc"]}),
    ("bucket_object", LO, {"bucket": {"name": "abc"}}),
    ("bucket_true", LO, {"bucket": True}),
    ("bucket_null_counts_as_missing", LO, {"bucket": None}),
    ("key_null_counts_as_missing", MD, {"bucket": "abc", "key": None}),
    ("key_number", MD, {"bucket": "abc", "key": 5}),
    ("max_keys_string", LO, {"bucket": "abc", "max_keys": "10"}),
    ("max_keys_true", LO, {"bucket": "abc", "max_keys": True}),
    ("max_keys_array", LO, {"bucket": "abc", "max_keys": [10]}),
    ("offset_string", GO, {"bucket": "abc", "key": "k", "offset": "0"}),
    ("length_object", GO, {"bucket": "abc", "key": "k", "length": {}}),
    ("expires_in_string", PR, {"bucket": "abc", "key": "k", "expires_in": "3600"}),
    ("method_number", PR, {"bucket": "abc", "key": "k", "method": 1}),
    ("connection_number", LO, {"bucket": "abc", "connection": 1}),
    ("prefix_array", LO, {"bucket": "abc", "prefix": ["a"]}),
]
for nm, tool, args in types:
    case("type_" + nm, "main", call(tool, args), INV)

# access rules (MCP_S3_ALLOWED_PREFIXES=s3://abc/allowed/)
case("policy_allowed_key_reaches_network", "policy", call(MD, {"bucket": "abc", "key": "allowed/x"}), NET)
case("policy_denied_key", "policy", call(MD, {"bucket": "abc", "key": "secret/x"}), T("PolicyDenied"))
case("policy_denied_bucket", "policy", call(MD, {"bucket": "abd", "key": "allowed/x"}), T("PolicyDenied"))
case("policy_dotdot_does_not_escape", "policy", call(MD, {"bucket": "abc", "key": "allowed/../secret"}),
     T("PolicyDenied"))
case("policy_denied_key_of_control_chars", "policy", call(MD, {"bucket": "abc", "key": "\u0001" * 1024}),
     T("PolicyDenied"))
# The refusal quotes the key with control characters escaped; a cut of the
# message inside a UTF-8 character must still leave "PolicyDenied: <what>".
case("policy_denied_long_key_message_cut_in_utf8", "policy",
     call(MD, {"bucket": "abc", "key": "a" + "\u0001" * 508 + "é" * 257}), T("PolicyDenied"))

# write tools (MCP_S3_EXT_READONLY=false, MCP_S3_MAX_PUT_SIZE=1024): arguments are parsed.
PO = "s3_put_object"
DO = "s3_delete_object"
CO = "s3_copy_object"


def meta(n, value="v"):
    return {"m%02d" % i: value for i in range(n)}


writes = [
    ("put_metadata_64_entries", PO, {"bucket": "abc", "key": "k", "content": "x", "metadata": meta(64)}, NET),
    ("put_metadata_65_entries", PO, {"bucket": "abc", "key": "k", "content": "x", "metadata": meta(65)}, INV),
    ("put_metadata_over_2kb", PO, {"bucket": "abc", "key": "k", "content": "x", "metadata": meta(3, "v" * 700)}, INV),
    ("put_metadata_array", PO, {"bucket": "abc", "key": "k", "content": "x", "metadata": ["a", "b"]}, INV),
    ("put_metadata_string", PO, {"bucket": "abc", "key": "k", "content": "x", "metadata": "a=b"}, INV),
    ("put_metadata_value_number", PO, {"bucket": "abc", "key": "k", "content": "x", "metadata": {"a": 1}}, INV),
    ("put_metadata_value_non_ascii", PO, {"bucket": "abc", "key": "k", "content": "x", "metadata": {"a": "é"}}, INV),
    ("put_metadata_value_newline", PO, {"bucket": "abc", "key": "k", "content": "x",
                                        "metadata": {"a": "x\r\nX-Injected: 1"}}, INV),
    ("put_metadata_name_space", PO, {"bucket": "abc", "key": "k", "content": "x", "metadata": {"a b": "v"}}, INV),
    ("put_metadata_name_colon", PO, {"bucket": "abc", "key": "k", "content": "x", "metadata": {"a:b": "v"}}, INV),
    ("put_metadata_name_empty", PO, {"bucket": "abc", "key": "k", "content": "x", "metadata": {"": "v"}}, INV),
    ("put_metadata_name_nul", PO, {"bucket": "abc", "key": "k", "content": "x", "metadata": {"a\u0000": "v"}}, INV),
    ("put_metadata_empty_object", PO, {"bucket": "abc", "key": "k", "content": "x", "metadata": {}}, NET),
    ("put_content_missing", PO, {"bucket": "abc", "key": "k"}, INV),
    ("put_content_null", PO, {"bucket": "abc", "key": "k", "content": None}, INV),
    ("put_content_number", PO, {"bucket": "abc", "key": "k", "content": 5}, INV),
    ("put_content_empty", PO, {"bucket": "abc", "key": "k", "content": ""}, NET),
    ("put_content_at_put_limit", PO, {"bucket": "abc", "key": "k", "content": "c" * PUT_LIMIT}, NET),
    ("put_content_over_put_limit", PO, {"bucket": "abc", "key": "k", "content": "c" * (PUT_LIMIT + 1)},
     T("SizeLimit")),
    ("put_base64_over_put_limit", PO, {"bucket": "abc", "key": "k", "is_base64": True,
                                       "content": "QUJD" * ((PUT_LIMIT // 3) + 1)}, T("SizeLimit")),
    ("put_base64_invalid", PO, {"bucket": "abc", "key": "k", "content": "@@@@", "is_base64": True}, INV),
    ("put_base64_bad_padding", PO, {"bucket": "abc", "key": "k", "content": "QQ=", "is_base64": True}, INV),
    ("put_is_base64_string", PO, {"bucket": "abc", "key": "k", "content": "x", "is_base64": "true"}, INV),
    ("put_if_none_match_number", PO, {"bucket": "abc", "key": "k", "content": "x", "if_none_match": 1}, INV),
    ("put_content_type_256_bytes", PO, {"bucket": "abc", "key": "k", "content": "x", "content_type": "t" * 256}, INV),
    ("put_content_type_empty", PO, {"bucket": "abc", "key": "k", "content": "x", "content_type": ""}, INV),
    ("delete_version_id_empty", DO, {"bucket": "abc", "key": "k", "version_id": ""}, INV),
    ("delete_ok_reaches_network", DO, {"bucket": "abc", "key": "k"}, NET),
    ("copy_missing_dest_key", CO, {"source_bucket": "abc", "source_key": "a", "dest_bucket": "abc"}, INV),
    ("copy_dest_bucket_2_bytes", CO, {"source_bucket": "abc", "source_key": "a", "dest_bucket": "ab",
                                      "dest_key": "b"}, INV),
    ("copy_metadata_65_entries", CO, {"source_bucket": "abc", "source_key": "a", "dest_bucket": "abc",
                                      "dest_key": "b", "metadata": meta(65)}, INV),
    ("copy_reaches_network", CO, {"source_bucket": "abc", "source_key": "a", "dest_bucket": "abc",
                                  "dest_key": "b"}, NET),
    ("presign_put_with_writes", PR, {"bucket": "abc", "key": "k", "method": "put"}, OK(1, {"method": "PUT"})),
]
for nm, tool, args, want in writes:
    case("write_" + nm, "write", call(tool, args), want)


# --- memory and the end -------------------------------------------------------------------
def memory_is_native():
    """Whether VmRSS/VmHWM are the server's own: not under qemu, valgrind
    or ASan, where they are the emulator's or the sanitizer's."""
    import mcptest
    return not (mcptest.BINARY.endswith(".qemu") or mcptest.VALGRIND or "asan" in mcptest.BINARY)


MIXED = [
    b"{", b"tru", b'{"jsonrpc":"2.0","id":1,"id":2,"method":"ping"}', b"[" * 70,
    ping_with(b'{"x":"\\ud800"}'), ping_with(b'{"x":"\xc0\xaf"}'), b'{"jsonrpc":"2.0","id":true,"method":"ping"}',
    b'{"jsonrpc":"2.1","id":3,"method":"ping"}', b'{"jsonrpc":"2.0","id":3,"method":"ping","params":[]}',
    line(req("nope", rid=3)), line({"jsonrpc": "2.0", "method": "nope"}), line([P1, P2]), b"[]",
    call("no_such_tool"), call("s3_list_objects", {"bucket": "a"}), call("s3_list_buckets", {"x": "y" * 65536}),
    call("s3_get_object", {"bucket": "abc", "key": "k" * 1025}), call("s3_presign_url", {"bucket": "abc", "key": "k"}),
    call("s3_get_object", {"bucket": "abc", "key": "k", "length": MAX_GET + 1}),
    call("s3_list_buckets"), line(req("tools/call", {"name": "s3_list_buckets", "arguments": []})),
    call("s3_put_object", {"bucket": "abc", "key": "k", "content": "x" * 4096}),
    ping_with(b'{"pad":"' + b"p" * 200000 + b'"}'), b"   ", b"\x00", ping_with(b"[" * 62 + b"]" * 62),
    call("s3_list_objects", {"bucket": "abc", "prefix": "é" * 600}), line(req("initialize", {"protocolVersion": "x"})),
]


def mixed_messages(n):
    return [MIXED[i % len(MIXED)] for i in range(n)]


@S.test
def memory_stable_over_1000_bad_messages():
    s = Server(base_env({"S3_TIMEOUT": "2s"}))
    _all_servers.append(s)
    s.initialize()

    def run(n):
        msgs = mixed_messages(n)
        for i in range(0, n, 50):
            exchange(s, b"\n".join(msgs[i:i + 50]), timeout=60)
    t0 = time.monotonic()
    run(300)                      # warm-up: buffers reach their working size
    before = status_kib(s.proc.pid, "VmRSS")
    run(1000)
    after = status_kib(s.proc.pid, "VmRSS")
    growth = after - before
    check(growth < 8 * 1024, "VmRSS grew by %d KiB over 1,000 bad messages (%d -> %d KiB)" % (growth, before, after))
    check(time.monotonic() - t0 < 60, "1,300 messages took %.1fs" % (time.monotonic() - t0))
    print("# VmRSS %d KiB after warm-up, %d KiB after 1,000 more (%+d KiB)" % (before, after, growth), flush=True)


@S.test
def memory_given_back_after_long_messages():
    """A 15 MiB message, a call carrying 8 MiB of content and a message of
    60,000 tokens grow the line reader (which holds a call's line, never
    copied) and the token array; the messages after them give that room back."""
    native = memory_is_native()
    s = Server(base_env({"S3_TIMEOUT": "2s", "MCP_S3_EXT_READONLY": "false",
                         "MCP_S3_MAX_PUT_SIZE": "9MiB"}))
    _all_servers.append(s)
    s.initialize()
    exchange(s, line(req("ping")))
    base = status_kib(s.proc.pid, "VmRSS")
    big = [
        ("15 MiB ping", ping_with(b'{"pad":"' + b"p" * (15 << 20) + b'"}')),
        ("8 MiB put", call("s3_put_object", {"bucket": "abc", "key": "k", "content": "c" * (8 << 20)})),
        ("60,000 tokens", ping_with(b'{"a":[' + b"0," * 59999 + b"0]}")),
    ]
    rows = []
    for what, msg in big:
        got = exchange(s, msg, timeout=60)
        check(len(got) == 1 and ("result" in got[0][0] or "error" in got[0][0]),
              "%s: answered %s" % (what, short([m for m, _ in got])))
        # The reader gives its room back when it next waits for input:
        # after one more exchange that has happened.
        exchange(s, line(req("ping")))
        rows.append((what, status_kib(s.proc.pid, "VmRSS")))
    hwm = status_kib(s.proc.pid, "VmHWM")
    print("# VmRSS %d KiB before; after %s; VmHWM %d KiB" % (
        base, ", ".join("%s %d KiB" % r for r in rows), hwm), flush=True)
    if native:
        check(hwm > 15 << 10, "VmHWM %d KiB: the long messages never grew the buffers" % hwm)
        for what, rss in rows:
            check(rss < base + 2048, "VmRSS %d KiB after the %s (%d KiB before)" % (rss, what, base))


def status_kib(pid, field):
    with open("/proc/%d/status" % pid) as f:
        for ln in f:
            if ln.startswith(field + ":"):
                return int(ln.split()[1])
    raise AssertionError("no %s in /proc/%d/status" % (field, pid))


@S.test
def memory_bounded_across_the_suite():
    """After every case, each long-lived server's peak memory stays near
    what one maximal (16 MiB) line needs, and what it holds at the end is
    small again: what a long message grew is given back, and nothing
    accumulates across cases. Natively only: under qemu, valgrind or ASan
    the numbers are the emulator's or the sanitizer's."""
    native = memory_is_native()
    rows = []
    for s in _all_servers:
        if s.proc.poll() is not None:
            continue
        rss, hwm = status_kib(s.proc.pid, "VmRSS"), status_kib(s.proc.pid, "VmHWM")
        rows.append((rss, hwm))
    print("# VmRSS/VmHWM KiB of %d servers at the end: %s" % (
        len(rows), ", ".join("%d/%d" % r for r in rows)), flush=True)
    check(rows, "no server alive at the end")
    if native:
        peak_bound = 4 * MAX_LINE // 1024 + 16 * 1024
        for rss, hwm in rows:
            check(hwm < peak_bound, "VmHWM %d KiB over %d KiB" % (hwm, peak_bound))
            check(rss < 8 * 1024, "VmRSS %d KiB at the end, over 8 MiB" % rss)


@S.test
def servers_end_cleanly_on_eof():
    problems = []
    for s in _all_servers:
        alive = s.proc.poll() is None
        try:
            rc = s.close(20)
        except Exception as e:  # noqa: BLE001
            problems.append("%s (%s)" % (e, "was alive" if alive else "had died"))
            continue
        err = s.stderr
        if not alive:
            problems.append("a server died during the cases (status %s): %s" % (rc, err[-300:]))
        elif rc != 0:
            problems.append("exit status %s on EOF: %s" % (rc, err[-300:]))
        for marker in ("AddressSanitizer", "runtime error:", "LeakSanitizer", "Segmentation"):
            if marker in err:
                problems.append("stderr holds %r: %s" % (marker, err[err.index(marker) - 100:][:600]))
    check(not problems, "; ".join(problems))


def main():
    if not binary_ready():
        return S.fail_all("no executable server binary (run make first)")
    t0 = time.monotonic()
    try:
        rc = S.run(sys.argv[1:] or None)
    finally:
        for s in _all_servers:
            s.kill()
    print("# %d cases, %.1fs" % (len(CASES), time.monotonic() - t0), flush=True)
    return rc


if __name__ == "__main__":
    sys.exit(main())
