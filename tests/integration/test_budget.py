#!/usr/bin/env python3
# needs: rgw
"""The message budget (MCP_S3_MAX_MESSAGE_SIZE) against a real S3 server (Ceph
RGW): no line of stdout is longer than the budget, s3_get_object windows are
cut to fit (binary to what base64 allows, text by its escaped length on a
character) and read whole by following next_offset, an image that does not
fit is refused, a listing page that does not fit is refused with the max_keys
that fits, batch answers (2025-03-26) are split into lines that fit, and the
budget's bounds hold at N and N+1 at the start. Also the default binary window
(MCP_S3_READ_SIZE base64 characters: 48 KiB of bytes).

    MCP_S3_TEST_ENDPOINT=http://127.0.0.1:PORT python3 tests/integration/test_budget.py [NAME ...]
"""
import base64
import os
import random
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mcptest import (AwsCli, Server, Suite, base_env, binary_ready, check, eq,  # noqa: E402
                     error_text, ok_result, rgw_endpoint, run_cli, text_of, unique)

S = Suite("test_budget.py")
EP = None
AWS = None
BUCKET = None
MIN = 512 * 1024          # MCP_MIN_MESSAGE_BYTES
MAX_ID = 128 * 1024       # JSONRPC_MAX_ID_BYTES

rng = random.Random(12)
BIN = bytes(rng.getrandbits(8) for _ in range(3 * 1024 * 1024 + 7))
# Text whose escaped form is up to 6 times its bytes: control characters,
# quotes, U+2028, multi-byte characters, cut points everywhere.
PIECES = ["\x01", "\"", "\\", "\n", "é", "€", "😀", "\u2028", "a", "\x1f"]
TEXT = "".join(rng.choice(PIECES) for _ in range(400 * 1024)).encode("utf-8")
PNG = b"\x89PNG\r\n\x1a\n" + bytes(rng.getrandbits(8) for _ in range(600 * 1024))
LONG_DIR = "/".join(["d%03d" % i + "x" * 236 for i in range(4)])   # 4 × 240 bytes
NLONG = 300


def env(**settings):
    return base_env(settings, endpoint=EP)


def lines_fit(s, budget):
    """Every line the server wrote is at most budget bytes, '\\n' included."""
    longest = max((len(l) for l in s.raw), default=0)
    check(longest <= budget, "a line of %d bytes, over the budget of %d" % (longest, budget))
    return longest


def read_whole(s, key, length=None):
    """Follows next_offset from 0 to the end; returns (bytes, calls, shortened)."""
    got, off, calls, shortened = b"", 0, 0, 0
    while True:
        a = {"bucket": BUCKET, "key": key, "offset": off}
        if length is not None:
            a["length"] = length
        r = s.call("s3_get_object", a, timeout=120)
        sc = ok_result(r, "get %s at %d" % (key, off))
        calls += 1
        block = r["content"][1]
        if sc["is_base64"]:
            part = base64.b64decode(block["resource"]["blob"])
        else:
            part = block["text"].encode("utf-8")
        eq(len(part), sc["length"], "length of the window at %d" % off)
        got += part
        if "shortened to fit the message budget" in text_of(r):
            shortened += 1
            check("MCP_S3_MAX_MESSAGE_SIZE" in text_of(r) and ("call again with offset %d" % sc.get("next_offset", -1)) in text_of(r),
                  "summary says how to continue: %s" % text_of(r)[-300:])
        if not sc["truncated"]:
            return got, calls, shortened
        eq(sc["next_offset"], off + sc["length"], "next_offset")
        check(sc["length"] > 0, "an empty window at %d" % off)
        off = sc["next_offset"]
        check(calls < 200, "too many calls")


@S.test
def binary_window_cut_to_base64_room():
    with Server(env(MCP_S3_MAX_MESSAGE_SIZE="512KiB")) as s:
        s.initialize()
        got, calls, shortened = read_whole(s, "bin", length=len(BIN))
        check(got == BIN, "the bytes read differ from the object")
        check(calls >= 7 and shortened >= calls - 1, "%d calls, %d shortened" % (calls, shortened))
        longest = lines_fit(s, MIN)
        # Cut to what base64 allows: close to the budget, not far below it.
        check(longest > MIN - 16 * 1024, "the longest line %d is far below the budget" % longest)
        ok_result(s.call("s3_list_buckets"), "session answers after")


@S.test
def text_window_cut_by_escaped_length_on_characters():
    for fmt in ("compact", "json"):
        with Server(env(MCP_S3_MAX_MESSAGE_SIZE="512KiB", MCP_S3_TEXT_FORMAT=fmt)) as s:
            s.initialize()
            got, calls, shortened = read_whole(s, "text", length=len(TEXT))
            check(got == TEXT, "the text read differs from the object (%s)" % fmt)
            # The summary line says so in compact text; JSON text is structuredContent.
            check(calls >= 3 and (shortened >= calls - 1 or fmt == "json"),
                  "%s: %d calls, %d shortened" % (fmt, calls, shortened))
            lines_fit(s, MIN)


@S.test
def long_length_reads_whole_under_the_default_budget():
    # The default budget (8 MiB) and a length over it: cut, then continued.
    with Server(env(MCP_S3_MAX_GET_SIZE="10MB")) as s:
        s.initialize()
        got, calls, _ = read_whole(s, "text", length=10 * 1000 * 1000)
        check(got == TEXT, "text differs")
        got, calls, _ = read_whole(s, "bin", length=10 * 1000 * 1000)
        check(got == BIN, "binary differs")
        lines_fit(s, 8 * 1024 * 1024)


@S.test
def default_binary_window_is_read_size_base64_characters():
    with Server(env()) as s:
        s.initialize()
        r = s.call("s3_get_object", {"bucket": BUCKET, "key": "bin"})
        sc = ok_result(r, "default window")
        eq(sc["length"], 48 * 1024, "default binary window in bytes")
        eq(len(r["content"][1]["resource"]["blob"]), 64 * 1024, "base64 characters of the default window")
        r = s.call("s3_get_object", {"bucket": BUCKET, "key": "text"})
        sc = ok_result(r, "default text window")
        check(64 * 1024 - 4 <= sc["length"] <= 64 * 1024, "text window %d bytes" % sc["length"])
    with Server(env(MCP_S3_READ_SIZE="1000")) as s:
        s.initialize()
        r = s.call("s3_get_object", {"bucket": BUCKET, "key": "bin"})
        eq(ok_result(r)["length"], 750, "READ_SIZE 1000 → 750 bytes of binary")
        eq(len(r["content"][1]["resource"]["blob"]), 1000, "1000 base64 characters")


@S.test
def image_over_the_budget_is_size_limit():
    with Server(env(MCP_S3_MAX_MESSAGE_SIZE="512KiB")) as s:
        s.initialize()
        t = error_text(s.call("s3_get_object", {"bucket": BUCKET, "key": "big.png"}), "SizeLimit", "image")
        check("MCP_S3_MAX_MESSAGE_SIZE" in t and "s3_presign_url" in t and str(len(PNG)) in t, t)
        lines_fit(s, MIN)
    with Server(env(MCP_S3_MAX_MESSAGE_SIZE="1MiB")) as s:
        s.initialize()
        r = s.call("s3_get_object", {"bucket": BUCKET, "key": "big.png"})
        ok_result(r, "the image fits 1 MiB")
        eq(base64.b64decode(r["content"][1]["data"]), PNG, "image bytes")


@S.test
def listing_over_the_budget_is_refused_with_max_keys_that_fits():
    with Server(env(MCP_S3_MAX_MESSAGE_SIZE="512KiB")) as s:
        s.initialize()
        t = error_text(s.call("s3_list_objects", {"bucket": BUCKET, "prefix": LONG_DIR}), "SizeLimit", "listing")
        check("max_keys" in t and "MCP_S3_MAX_MESSAGE_SIZE" in t, t)
        n = int(t.split("max_keys ")[1].split()[0])
        check(0 < n < NLONG, "max_keys %d" % n)
        sc = ok_result(s.call("s3_list_objects", {"bucket": BUCKET, "prefix": LONG_DIR, "max_keys": n}), "with the hint")
        eq(len(sc["objects"]), n, "keys of the page")
        lines_fit(s, MIN)
    with Server(env()) as s:
        s.initialize()
        sc = ok_result(s.call("s3_list_objects", {"bucket": BUCKET, "prefix": LONG_DIR}), "8 MiB holds them")
        eq(len(sc["objects"]), NLONG, "all keys under the default budget")


@S.test
def batch_answers_split_into_lines_that_fit():
    with Server(env(MCP_S3_MAX_MESSAGE_SIZE="512KiB")) as s:
        s.initialize(version="2025-03-26")
        batch = []
        for i in range(6):
            batch.append({"jsonrpc": "2.0", "id": 100 + i, "method": "tools/call",
                          "params": {"name": "s3_get_object",
                                     "arguments": {"bucket": BUCKET, "key": "bin", "length": 300000}}})
            batch.append({"jsonrpc": "2.0", "id": 200 + i, "method": "tools/list"})
            batch.append({"jsonrpc": "2.0", "id": 300 + i, "method": "ping"})
        before = len(s.raw)
        s.send(batch)
        seen = {}

        def all_answered(m):
            if isinstance(m, list):
                for it in m:
                    seen[it.get("id")] = it
            return len(seen) >= 18
        s.wait(all_answered, timeout=120, what="18 answers in batch lines")
        for m in s.untaken():
            all_answered(m)
        eq(sorted(seen), sorted(r["id"] for r in batch), "answered ids")
        for i in range(6):
            r = seen[100 + i]["result"]
            check(not r.get("isError"), "get %d: %s" % (i, str(r)[:300]))
            b = base64.b64decode(r["content"][1]["resource"]["blob"])
            check(b == BIN[:len(b)] and len(b) > 0, "bytes of get %d" % i)
        lines = s.raw[before:]
        check(len(lines) >= 4, "the batch answer was split: %d lines" % len(lines))
        lines_fit(s, MIN)
        ok_result(s.call("s3_list_buckets"), "session answers after")


@S.test
def budget_bounds_at_start():
    for value, ok in (("524288", True), ("524287", False), ("512KiB", True), ("1GiB", True),
                      ("1073741825", False), ("0", False), ("8x", False)):
        rc, out, err = run_cli([], env=env(MCP_S3_MAX_MESSAGE_SIZE=value), stdin=b"")
        if ok:
            check(rc == 0, "MCP_S3_MAX_MESSAGE_SIZE=%s refused: %s" % (value, err[-300:]))
        else:
            check(rc != 0 and "MCP_S3_MAX_MESSAGE_SIZE" in err, "MCP_S3_MAX_MESSAGE_SIZE=%s: rc %d, %s" % (value, rc, err[-300:]))


@S.test
def id_bound_at_n_and_n_plus_1():
    with Server(env()) as s:
        s.initialize()
        rid = "i" * (MAX_ID - 2)          # 131072 bytes with its quotes
        s.send({"jsonrpc": "2.0", "id": rid, "method": "ping"})
        r = s.wait_id(rid)
        eq(r.get("result"), {}, "ping with the longest id")
        s.send({"jsonrpc": "2.0", "id": "j" * (MAX_ID - 1), "method": "ping"})
        r = s.wait(lambda m: isinstance(m, dict) and m.get("id") is None and "error" in m, what="the id error")
        eq(r["error"]["code"], -32600, "code for an id one byte too long")
        ok_result(s.call("s3_list_buckets"), "session answers after")


def setup():
    global AWS, BUCKET
    AWS = AwsCli(EP)
    BUCKET = AWS.mb(unique("mcp-budget"))
    AWS.put(BUCKET, "bin", BIN, content_type="application/octet-stream")
    AWS.put(BUCKET, "text", TEXT, content_type="text/plain; charset=utf-8")
    AWS.put(BUCKET, "big.png", PNG, content_type="image/png")
    d = tempfile.mkdtemp(prefix="mcp-budget-")
    os.makedirs(os.path.join(d, LONG_DIR))
    for i in range(NLONG):
        with open(os.path.join(d, LONG_DIR, "k%03d" % i + "y" * 36), "wb") as f:
            f.write(b"x")
    AWS.run(["s3", "cp", "--recursive", "--quiet", d, "s3://%s/" % BUCKET], timeout=600)


def main():
    global EP
    EP = rgw_endpoint()
    if not binary_ready() or not EP:
        return S.fail_all("build/mcp-s3 or the RGW endpoint is missing")
    try:
        setup()
    except Exception as e:  # noqa: BLE001
        return S.fail_all("setup: %s" % e)
    try:
        return S.run(sys.argv[1:] or None)
    finally:
        AWS.rb(BUCKET)


if __name__ == "__main__":
    sys.exit(main())
