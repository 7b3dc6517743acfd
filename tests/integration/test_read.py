#!/usr/bin/env python3
# needs: rgw
"""Read tools of build/mcp-s3 against a real S3 server (Ceph RGW) seeded by
tests/peers/seed.sh. Expected bytes come from seeddata.py, the same module
seed.sh wrote them with.

    MCP_S3_TEST_ENDPOINT=http://127.0.0.1:PORT python3 tests/integration/test_read.py [NAME ...]
    (or the endpoint as the first argument; keys: RGW_ACCESS_KEY / RGW_SECRET_KEY)
"""
import base64
import hashlib
import json
import os
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import seeddata as D  # noqa: E402
from mcptest import (ISO8601, SECRET_KEY, Server, Suite, base_env, binary_ready,  # noqa: E402
                     check, closed_port, eq, error_text, ok_result, short, text_of)

S = Suite("test_read.py")
EP = None
B = D.MAIN
OBJ = D.by_key()
_server = None


def env(**settings):
    return base_env(settings, endpoint=EP)


def srv():
    """The shared session with the default settings (started on first use)."""
    global _server
    if _server is None or _server.proc.poll() is not None:
        _server = Server(env())
        _server.initialize()
    return _server


def call(tool, args, s=None, timeout=None):
    s = s or srv()
    return s.call(tool, args, **({"timeout": timeout} if timeout else {}))


def get(key, s=None, **kw):
    a = {"bucket": B, "key": key}
    a.update(kw)
    r = call("s3_get_object", a, s)
    return r, ok_result(r, "get_object %r %s" % (key[:60], kw))


def etag_of(body):
    return '"%s"' % hashlib.md5(body).hexdigest()


def list_all(bucket, s=None, **kw):
    keys, token, pages = [], None, 0
    while True:
        a = {"bucket": bucket}
        a.update(kw)
        if token:
            a["continuation_token"] = token
        sc = ok_result(call("s3_list_objects", a, s), "list_objects %s" % a)
        keys += [o["key"] for o in sc["objects"]]
        pages += 1
        if not sc["is_truncated"]:
            return keys, pages
        token = sc.get("next_continuation_token")
        check(token, "is_truncated without next_continuation_token")
        check(pages < 100, "more than 100 pages")


# --- list_buckets / list_connections ----------------------------------------
@S.test
def list_buckets_contains_both():
    r = call("s3_list_buckets", {})
    sc = ok_result(r, "list_buckets")
    names = [b.get("name") for b in sc.get("buckets", [])]
    for want in (D.MAIN, D.MANY):
        check(want in names, "bucket %s missing from %s" % (want, names))
    eq(sc.get("count"), len(names), "count")
    for b in sc["buckets"]:
        check(isinstance(b.get("creation_date"), str) and ISO8601.match(b["creation_date"]),
              "creation_date not ISO 8601: %r" % b.get("creation_date"))
    check(D.MAIN in text_of(r) and D.MANY in text_of(r), "bucket names not in the text block")


@S.test
def list_connections_describes_the_endpoint():
    r = call("s3_list_connections", {})
    sc = ok_result(r, "list_connections")
    eq(sc.get("default_connection"), "default", "default_connection")
    eq(sc.get("count"), 1, "count")
    c = sc["connections"][0]
    eq((c.get("name"), c.get("region"), c.get("path_style"), c.get("default")),
       ("default", "us-east-1", True, True), "connection")
    check(EP.split("//")[1] in str(c.get("endpoint")), "endpoint %r does not show %s" % (c.get("endpoint"), EP))
    check(SECRET_KEY not in json.dumps(r), "the secret key is in the result")


@S.test
def explicit_default_connection_works():
    ok_result(call("s3_list_buckets", {"connection": "default"}), "list_buckets connection=default")
    ok_result(call("s3_get_object", {"bucket": B, "key": "hello.txt", "connection": "default"}), "get connection=default")


# --- list_objects -------------------------------------------------------------
@S.test
def list_objects_pages_over_2500_keys():
    want = ["k/%05d" % i for i in range(D.MANY_COUNT)]
    s = srv()
    token, seen, counts = None, [], []
    for page in range(1, 5):
        a = {"bucket": D.MANY, "max_keys": 1000}
        if token:
            a["continuation_token"] = token
        sc = ok_result(call("s3_list_objects", a, s), "page %d" % page)
        eq(sc.get("bucket"), D.MANY, "bucket")
        eq(sc.get("count"), len(sc["objects"]), "count vs objects (page %d)" % page)
        counts.append(sc["count"])
        seen += [o["key"] for o in sc["objects"]]
        for o in sc["objects"][:3]:
            for f in ("key", "size", "last_modified", "etag", "storage_class"):
                check(f in o, "object entry lacks %s: %s" % (f, short(o)))
            eq(o["size"], len(D.many_body(int(o["key"][2:]))), "size of %s" % o["key"])
            eq(o["etag"], etag_of(D.many_body(int(o["key"][2:]))), "etag of %s" % o["key"])
            check(ISO8601.match(o["last_modified"]), "last_modified not ISO 8601: %r" % o["last_modified"])
        if sc["is_truncated"]:
            token = sc.get("next_continuation_token")
            check(isinstance(token, str) and token, "page %d: truncated without next_continuation_token" % page)
        else:
            check("next_continuation_token" not in sc or sc["next_continuation_token"] in (None, ""),
                  "last page carries next_continuation_token")
            break
    eq(counts, [1000, 1000, 500], "page sizes")
    eq(len(set(seen)), 2500, "distinct keys")
    eq(seen, want, "keys in order")


@S.test
def list_objects_default_max_keys_is_1000():
    sc = ok_result(call("s3_list_objects", {"bucket": D.MANY}), "list default")
    eq((sc["count"], sc["is_truncated"]), (1000, True), "(count, is_truncated) with the default max_keys")


@S.test
def list_objects_start_after():
    sc = ok_result(call("s3_list_objects", {"bucket": D.MANY, "start_after": "k/02000"}), "start_after")
    keys = [o["key"] for o in sc["objects"]]
    eq(keys, ["k/%05d" % i for i in range(2001, 2500)], "keys after k/02000")
    eq(sc["is_truncated"], False, "is_truncated")
    sc = ok_result(call("s3_list_objects", {"bucket": D.MANY, "start_after": "k/00100", "max_keys": 5}), "start_after+max")
    eq([o["key"] for o in sc["objects"]], ["k/%05d" % i for i in range(101, 106)], "5 keys after k/00100")
    eq(sc["is_truncated"], True, "is_truncated with max_keys 5")


@S.test
def list_objects_small_pages_follow_tokens():
    keys, pages = list_all(D.MANY, prefix="k/0240", max_keys=7)
    eq(keys, ["k/%05d" % i for i in range(2400, 2410)], "keys under k/0240")
    eq(pages, 2, "pages of 7")


@S.test
def list_objects_tokens_that_are_hostile_keys():
    """max_keys 1 over mcp-test: RGW's continuation tokens are then the hostile
    keys themselves (spaces, + % ? # ! ' ( ) * ~, UTF-8, //, 1,024 bytes), so
    every one must be query-encoded and signed right."""
    keys, pages = list_all(B, max_keys=1)
    want = sorted(OBJ, key=lambda k: k.encode())
    eq(keys, want, "keys paged one by one")
    eq(pages, len(want), "pages")


@S.test
def list_objects_start_after_hostile_keys():
    s = srv()
    want = sorted(OBJ, key=lambda k: k.encode())
    bad = []
    for k in D.HOSTILE + [D.LONG_KEY]:
        sc = ok_result(call("s3_list_objects", {"bucket": B, "start_after": k, "max_keys": 2}, s), "start_after %r" % k)
        i = want.index(k)
        if [o["key"] for o in sc["objects"]] != want[i + 1:i + 3]:
            bad.append("%r → %s" % (k[:40], [o["key"][:40] for o in sc["objects"]]))
    check(not bad, "start_after: " + "; ".join(bad))


@S.test
def list_objects_delimiter():
    sc = ok_result(call("s3_list_objects", {"bucket": B, "prefix": "dir/", "delimiter": "/"}), "delimiter")
    eq([o["key"] for o in sc["objects"]], ["dir/c.txt"], "objects")
    eq(sc.get("common_prefixes"), ["dir/a/", "dir/b/"], "common_prefixes")
    eq(sc.get("count"), 1, "count counts objects")
    eq(sc.get("prefix"), "dir/", "prefix echoed")
    eq(sc.get("delimiter"), "/", "delimiter echoed")
    eq(sc.get("is_truncated"), False, "is_truncated")


@S.test
def list_objects_delimiter_at_top():
    sc = ok_result(call("s3_list_objects", {"bucket": B, "delimiter": "/"}), "delimiter at top")
    for p in ["data/", "dir/", "docs/", "img/", "long/", "ünï/", "dbl/"]:
        check(p in sc["common_prefixes"], "common prefix %r missing: %s" % (p, sc["common_prefixes"]))
    check("hello.txt" in [o["key"] for o in sc["objects"]], "hello.txt missing at the top level")


@S.test
def list_objects_whole_bucket_has_every_seeded_key():
    keys, _ = list_all(B)
    eq(sorted(keys, key=lambda k: k.encode()), sorted(OBJ, key=lambda k: k.encode()), "keys of mcp-test")
    sc = ok_result(call("s3_list_objects", {"bucket": B, "prefix": "dir/"}), "sizes")
    for o in sc["objects"]:
        eq(o["size"], len(OBJ[o["key"]][0]), "size of %s" % o["key"])
        eq(o["etag"], etag_of(OBJ[o["key"]][0]), "etag of %s" % o["key"])


@S.test
def list_objects_hostile_keys_as_prefix():
    s = srv()
    bad = []
    for k in D.HOSTILE + [D.LONG_KEY]:
        sc = ok_result(call("s3_list_objects", {"bucket": B, "prefix": k}, s), "prefix %r" % k)
        got = [o["key"] for o in sc["objects"]]
        if got != [k]:
            bad.append("%r → %s" % (k[:40], got))
    check(not bad, "listing with the key as prefix: " + "; ".join(bad))


@S.test
def list_objects_empty_result():
    sc = ok_result(call("s3_list_objects", {"bucket": B, "prefix": "no-such-prefix/"}), "empty listing")
    eq((sc["objects"], sc["common_prefixes"], sc["count"], sc["is_truncated"]), ([], [], 0, False), "empty listing")


# --- get_object: text -------------------------------------------------------
@S.test
def get_text_object():
    r, sc = get("hello.txt")
    body = OBJ["hello.txt"][0]
    eq(len(r["content"]), 2, "content blocks")
    check(r["content"][0]["type"] == "text" and "hello.txt" in r["content"][0]["text"],
          "content[0] summary: %s" % short(r["content"][0]))
    eq(r["content"][1], {"type": "text", "text": body.decode()}, "content[1]")
    for f, v in [("bucket", B), ("key", "hello.txt"), ("size", len(body)), ("offset", 0), ("length", len(body)),
                 ("truncated", False), ("is_base64", False), ("content_type", "text/plain"),
                 ("etag", etag_of(body)), ("metadata", {})]:
        eq(sc.get(f), v, f)
    check("next_offset" not in sc, "next_offset present when not truncated")
    check(ISO8601.match(sc.get("last_modified", "")), "last_modified %r" % sc.get("last_modified"))


@S.test
def get_markdown_object():
    r, sc = get("docs/readme.md")
    eq(r["content"][1].get("text"), OBJ["docs/readme.md"][0].decode(), "readme body")
    eq(sc["content_type"], "text/markdown", "content_type")


@S.test
def get_text_window_ends_on_char_boundary():
    big = OBJ["big.txt"][0]
    r, sc = get("big.txt", offset=0, length=1000)
    eq(sc["size"], len(big), "size")
    eq(sc["truncated"], True, "truncated")
    n = sc.get("next_offset")
    check(isinstance(n, int) and 997 <= n <= 1000, "next_offset %r not in [997, 1000]" % n)
    check(big[n] & 0xC0 != 0x80, "next_offset %d is inside a character" % n)
    eq(sc["length"], n, "length = bytes returned")
    eq(r["content"][1].get("text"), big[:n].decode(), "window text")


@S.test
def get_text_default_window_is_read_size():
    big = OBJ["big.txt"][0]
    r, sc = get("big.txt")
    eq(sc["truncated"], True, "truncated")
    # a 3-byte character starts at 65535, so the 64 KiB window ends before it
    eq(sc.get("next_offset"), 65535, "next_offset of the default 64 KiB window")
    eq(r["content"][1]["text"].encode(), big[:65535], "window text")


@S.test
def get_text_paging_reassembles_exact_bytes():
    big = OBJ["big.txt"][0]
    s = srv()
    out, off, n = b"", 0, 0
    while True:
        n += 1
        check(n <= 400, "more than 400 windows")
        r, sc = get("big.txt", s, offset=off, length=1000)
        eq(sc["offset"], off, "offset echoed")
        text = r["content"][1]["text"].encode() if len(r["content"]) > 1 else b""
        eq(len(text), sc["length"], "length vs text bytes at offset %d" % off)
        check(0 < sc["length"] <= 1000, "window length %d at offset %d" % (sc["length"], off))
        out += text
        if not sc["truncated"]:
            check("next_offset" not in sc, "next_offset on the last window")
            break
        eq(sc["next_offset"], off + sc["length"], "next_offset at offset %d" % off)
        off = sc["next_offset"]
    eq(hashlib.sha256(out).hexdigest(), hashlib.sha256(big).hexdigest(), "sha256 of the reassembled big.txt")


@S.test
def get_text_window_in_the_middle_of_a_character():
    """An offset inside a character: bytes must come back unaltered (text or binary)."""
    big = OBJ["big.txt"][0]
    r, sc = get("big.txt", offset=1000, length=500)   # 1000 is inside a 3-byte character
    eq(sc["offset"], 1000, "offset")
    c = r["content"][1]
    if c["type"] == "text":
        got = c["text"].encode()
        check(not sc["is_base64"], "is_base64 with a text block")
    else:
        got = base64.b64decode(c["resource"]["blob"])
    check(big[1000:1000 + sc["length"]] == got, "bytes at offset 1000 altered")


@S.test
def get_past_the_end():
    r = call("s3_get_object", {"bucket": B, "key": "hello.txt", "offset": 10000})
    if r.get("isError"):
        check(text_of(r).split(":")[0] in ("InvalidArgument", "InvalidRange"),
              "offset past the end: %s" % text_of(r)[:200])
    else:
        sc = ok_result(r)
        eq((sc["length"], sc["truncated"]), (0, False), "offset past the end")


# --- get_object: binary, images, empty, not-UTF-8 ---------------------------
@S.test
def get_binary_object_window():
    blob = OBJ["data/blob.bin"][0]
    for off, ln in [(0, 4096), (50000, 100), (len(blob) - 10, 100)]:
        r, sc = get("data/blob.bin", offset=off, length=ln)
        c = r["content"][1]
        eq(c.get("type"), "resource", "content[1].type")
        res = c.get("resource", {})
        eq(res.get("uri"), "s3://mcp-test/data/blob.bin", "resource.uri")
        eq(res.get("mimeType"), "application/octet-stream", "resource.mimeType")
        want = blob[off:off + ln]
        check(base64.b64decode(res.get("blob", "")) == want, "blob bytes at %d+%d differ" % (off, ln))
        eq((sc["is_base64"], sc["length"], sc["size"]), (True, len(want), len(blob)), "is_base64/length/size")
        end = off + len(want) >= len(blob)
        eq(sc["truncated"], not end, "truncated at %d" % off)
        if not end:
            eq(sc.get("next_offset"), off + ln, "next_offset")


@S.test
def get_png_is_an_image_block():
    png = OBJ["img/pixel.png"][0]
    r, sc = get("img/pixel.png")
    c = r["content"][1]
    eq((c.get("type"), c.get("mimeType")), ("image", "image/png"), "image block")
    check(base64.b64decode(c.get("data", "")) == png, "PNG bytes differ")
    eq((sc["size"], sc["content_type"]), (len(png), "image/png"), "size/content_type")


@S.test
def get_jpeg_is_an_image_block():
    jpg = OBJ["img/photo.jpg"][0]
    r, sc = get("img/photo.jpg", length=100)   # a small window still returns the whole image
    c = r["content"][1]
    eq((c.get("type"), c.get("mimeType")), ("image", "image/jpeg"), "image block")
    check(base64.b64decode(c.get("data", "")) == jpg, "JPEG bytes differ (the whole image must be returned)")


@S.test
def get_empty_object():
    r, sc = get("empty.txt")
    eq((sc["size"], sc["length"], sc["truncated"]), (0, 0, False), "size/length/truncated")
    eq(len(r["content"]), 1, "content blocks for an empty object (summary only)")
    check("next_offset" not in sc, "next_offset on an empty object")


@S.test
def get_latin1_is_served_as_binary():
    lat = OBJ["latin1.txt"][0]
    r, sc = get("latin1.txt")
    c = r["content"][1]
    eq(c.get("type"), "resource", "content[1].type for text/plain that is not UTF-8")
    check(base64.b64decode(c["resource"]["blob"]) == lat, "latin1 bytes altered")
    eq((sc["is_base64"], sc["content_type"]), (True, "text/plain"), "is_base64/content_type")


@S.test
def get_octet_stream_that_is_utf8_is_text():
    r, sc = get("data/utf8.bin")
    eq(r["content"][1], {"type": "text", "text": D.UTF8_BIN.decode()}, "content[1]")
    eq((sc["is_base64"], sc["content_type"]), (False, "application/octet-stream"), "is_base64/content_type")


@S.test
def get_text_plain_with_nul_is_binary():
    r, sc = get("data/nul.txt")
    c = r["content"][1]
    eq(c.get("type"), "resource", "content[1].type for text/plain with a NUL")
    check(base64.b64decode(c["resource"]["blob"]) == D.NUL_TXT, "bytes altered")
    eq(sc["is_base64"], True, "is_base64")


# --- metadata -----------------------------------------------------------------
@S.test
def get_object_metadata_of_meta_txt():
    body = OBJ["meta.txt"][0]
    r = call("s3_get_object_metadata", {"bucket": B, "key": "meta.txt"})
    sc = ok_result(r, "metadata")
    eq(sc.get("metadata"), D.META, "user metadata")
    for f, v in [("bucket", B), ("key", "meta.txt"), ("size", len(body)), ("content_length", len(body)),
                 ("content_type", "text/plain"), ("etag", etag_of(body))]:
        eq(sc.get(f), v, f)
    check(ISO8601.match(sc.get("last_modified", "")), "last_modified not ISO 8601: %r" % sc.get("last_modified"))
    # the same instant as in the listing (to the second)
    lo = ok_result(call("s3_list_objects", {"bucket": B, "prefix": "meta.txt"}))["objects"][0]
    eq(sc["last_modified"][:19], lo["last_modified"][:19], "last_modified vs listing")
    _, g = get("meta.txt")
    eq(g.get("metadata"), D.META, "get_object metadata")


@S.test
def get_object_metadata_plain():
    sc = ok_result(call("s3_get_object_metadata", {"bucket": B, "key": "img/photo.jpg"}), "metadata jpg")
    eq((sc["size"], sc["content_type"], sc["metadata"]), (len(OBJ["img/photo.jpg"][0]), "image/jpeg", {}), "jpg head")


# --- hostile keys -----------------------------------------------------------
@S.test
def hostile_keys_read_back():
    s = srv()
    bad = []
    for k in D.HOSTILE + [D.LONG_KEY]:
        try:
            r, sc = get(k, s)
            want = D.hostile_body(k)
            if r["content"][1].get("text") != want.decode():
                bad.append("%r: body %s" % (k[:40], short(r["content"][1], 80)))
            if sc.get("key") != k:
                bad.append("%r: key echoed as %r" % (k[:40], sc.get("key", "")[:40]))
            m = ok_result(call("s3_get_object_metadata", {"bucket": B, "key": k}, s), "metadata %r" % k)
            if m.get("size") != len(want):
                bad.append("%r: metadata size %r" % (k[:40], m.get("size")))
        except AssertionError as e:
            bad.append(str(e)[:200])
    check(not bad, "; ".join(bad))


@S.test
def long_key_of_1024_bytes():
    r, sc = get(D.LONG_KEY)
    eq(len(sc["key"].encode()), 1024, "key length")
    eq(r["content"][1]["text"], D.hostile_body(D.LONG_KEY).decode(), "body")


@S.test
def key_over_1024_bytes_is_refused():
    r = call("s3_get_object", {"bucket": B, "key": D.LONG_KEY + "x"})
    check(r.get("isError") is True, "a 1,025-byte key was accepted: %s" % short(r))
    code = text_of(r).split(":")[0]
    check(code in ("InvalidArgument", "KeyTooLongError", "NoSuchKey"), "1,025-byte key: %s" % text_of(r)[:200])


# --- errors -----------------------------------------------------------------
@S.test
def wrong_secret_is_signature_does_not_match():
    wrong = "wrong-" + SECRET_KEY[::-1]
    with Server(env(AWS_SECRET_ACCESS_KEY=wrong)) as s:
        s.initialize()
        error_text(s.call("s3_list_buckets", {}), "SignatureDoesNotMatch", "list_buckets, wrong secret")
        error_text(s.call("s3_get_object", {"bucket": B, "key": "hello.txt"}), "SignatureDoesNotMatch",
                   "get_object, wrong secret")
        s.close()
        for secret in (wrong, SECRET_KEY):
            check(secret not in s.stdout_text and secret not in s.stderr, "a secret was printed")


@S.test
def wrong_access_key_is_invalid_access_key_id():
    with Server(env(AWS_ACCESS_KEY_ID="NOSUCHACCESSKEY00000")) as s:
        s.initialize()
        error_text(s.call("s3_list_buckets", {}), "InvalidAccessKeyId", "list_buckets, unknown key id")


@S.test
def missing_bucket():
    error_text(call("s3_list_objects", {"bucket": "no-such-bucket-mcp"}), "NoSuchBucket", "list_objects")
    error_text(call("s3_get_object", {"bucket": "no-such-bucket-mcp", "key": "x"}), "NoSuchBucket", "get_object")


@S.test
def missing_key():
    t = error_text(call("s3_get_object", {"bucket": B, "key": "no/such/key.txt"}), "NoSuchKey", "get_object")
    if "no/such/key.txt" not in t:  # nice to have, not in the contract: reported, not failed
        print("  note: the NoSuchKey text does not name the key: %r" % t[:120])
    error_text(call("s3_get_object_metadata", {"bucket": B, "key": "no/such/key.txt"}), "NoSuchKey",
               "get_object_metadata (HEAD 404 has no body)")


@S.test
def size_limit():
    with Server(env(MCP_S3_MAX_GET_SIZE="1000", MCP_S3_READ_SIZE="500")) as s:
        s.initialize()
        t = error_text(s.call("s3_get_object", {"bucket": B, "key": "big.txt", "length": 5000}), "SizeLimit",
                       "length 5000 > limit 1000")
        check(str(len(OBJ["big.txt"][0])) in t, "SizeLimit text does not give the object's size 204800: %r" % t[:300])
        sc = ok_result(s.call("s3_get_object", {"bucket": B, "key": "big.txt", "length": 1000}), "length = limit")
        check(sc["length"] <= 1000, "length %d over the limit" % sc["length"])
        ok_result(s.call("s3_get_object", {"bucket": B, "key": "hello.txt"}), "default window under the limit")


@S.test
def image_over_the_limit_is_size_limit():
    big_png = OBJ["img/big.png"][0]
    check(len(big_png) > 4096, "img/big.png should be over 4 KiB")
    with Server(env(MCP_S3_MAX_GET_SIZE="4KiB", MCP_S3_READ_SIZE="1000")) as s:
        s.initialize()
        t = error_text(s.call("s3_get_object", {"bucket": B, "key": "img/big.png", "length": 100}), "SizeLimit",
                       "PNG of %d bytes over a 4 KiB limit" % len(big_png))
        check(str(len(big_png)) in t, "SizeLimit text does not give the image's size %d: %r" % (len(big_png), t[:300]))
        r = s.call("s3_get_object", {"bucket": B, "key": "img/pixel.png"})
        ok_result(r, "small PNG under the limit")
        eq(r["content"][1].get("type"), "image", "small PNG block type")


@S.test
def invalid_arguments():
    cases = [
        ("s3_list_objects", {"bucket": D.MANY, "max_keys": 0}, "max_keys"),
        ("s3_list_objects", {"bucket": D.MANY, "max_keys": 1001}, "max_keys"),
        ("s3_list_objects", {"bucket": D.MANY, "max_keys": "10"}, "max_keys"),
        ("s3_list_objects", {"bucket": D.MANY, "max_keys": 1.5}, "max_keys"),
        ("s3_list_objects", {"bucket": D.MANY, "bogus_arg": 1}, "bogus_arg"),
        ("s3_list_objects", {}, "bucket"),
        ("s3_list_objects", {"bucket": 7}, "bucket"),
        ("s3_get_object", {"bucket": B, "key": "hello.txt", "offset": -1}, "offset"),
        ("s3_get_object", {"bucket": B, "key": "hello.txt", "length": 0}, "length"),
        ("s3_get_object", {"bucket": B}, "key"),
        ("s3_get_object", {"bucket": B, "key": ""}, "key"),
        ("s3_get_object_metadata", {"bucket": B, "key": "hello.txt", "extra": True}, "extra"),
        ("s3_list_buckets", {"nope": 1}, "nope"),
        ("s3_list_connections", {"x": 1}, "x"),
    ]
    s = srv()
    bad = []
    for tool, args, name in cases:
        r = call(tool, args, s)
        try:
            t = error_text(r, "InvalidArgument", "%s %s" % (tool, json.dumps(args)))
            check(name in t, "%s %s: the text does not name %r: %r" % (tool, json.dumps(args), name, t[:200]))
        except AssertionError as e:
            bad.append(str(e))
    check(not bad, "; ".join(bad))


@S.test
def dead_endpoint_is_network_error():
    with Server(base_env({"S3_TIMEOUT": "5s"}, endpoint="http://127.0.0.1:%d" % closed_port())) as s:
        s.initialize()
        t0 = time.monotonic()
        error_text(s.call("s3_list_buckets", {}, timeout=30), "NetworkError", "closed port")
        error_text(s.call("s3_get_object", {"bucket": B, "key": "hello.txt"}, timeout=30), "NetworkError", "closed port")
        # (bounded: s.call waits at most 30 s; the time is reported, not asserted)
        print("  info: two calls to a closed port took %.2fs" % (time.monotonic() - t0))


@S.test
def silent_peer_is_timeout():
    """A peer that accepts the connection and never answers (a stalled server):
    with S3_TIMEOUT=1s the call ends with Timeout (bounded wait: 30 s)."""
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", 0))
    ls.listen(16)
    held = []
    stop = threading.Event()

    def accept():
        ls.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(ls.accept()[0])
            except OSError:
                pass
    t = threading.Thread(target=accept, daemon=True)
    t.start()
    try:
        ep = "http://127.0.0.1:%d" % ls.getsockname()[1]
        with Server(base_env({"S3_TIMEOUT": "1s"}, endpoint=ep)) as s:
            s.initialize()
            t0 = time.monotonic()
            error_text(s.call("s3_get_object", {"bucket": B, "key": "hello.txt"}, timeout=30), "Timeout",
                       "a peer that never answers")
            print("  info: the Timeout came after %.2fs (S3_TIMEOUT=1s)" % (time.monotonic() - t0))
    finally:
        stop.set()
        t.join(5)
        for c in held:
            c.close()
        ls.close()


@S.test
def https_to_a_plain_http_port_is_tls_error():
    with Server(base_env({"S3_TIMEOUT": "5s"}, endpoint=EP.replace("http://", "https://"))) as s:
        s.initialize()
        error_text(s.call("s3_list_buckets", {}, timeout=30), "TLSError", "TLS handshake with an http server")


@S.test
def unknown_connection():
    for tool, args in [("s3_list_buckets", {}), ("s3_list_objects", {"bucket": B}),
                       ("s3_get_object", {"bucket": B, "key": "hello.txt"}),
                       ("s3_get_object_metadata", {"bucket": B, "key": "hello.txt"})]:
        a = dict(args, connection="nope")
        t = error_text(call(tool, a), "ConnectionNotFound", tool)
        check("nope" in t, "%s: the text does not name the connection: %r" % (tool, t[:200]))


# --- text formats -----------------------------------------------------------
@S.test
def json_text_format():
    with Server(env(MCP_S3_TEXT_FORMAT="json")) as s:
        s.initialize()
        for tool, args in [("s3_list_objects", {"bucket": B, "prefix": "dir/", "delimiter": "/"}),
                           ("s3_list_buckets", {}), ("s3_list_connections", {}),
                           ("s3_get_object_metadata", {"bucket": B, "key": "meta.txt"})]:
            r = s.call(tool, args)
            sc = ok_result(r, tool)
            try:
                parsed = json.loads(text_of(r))
            except ValueError as e:
                raise AssertionError("%s: first text block is not JSON (%s): %r" % (tool, e, text_of(r)[:200]))
            eq(parsed, sc, "%s: JSON text vs structuredContent" % tool)
        r = s.call("s3_get_object", {"bucket": B, "key": "hello.txt"})
        sc = ok_result(r, "get_object json")
        eq(json.loads(text_of(r)), sc, "get_object: content[0] vs structuredContent")
        eq(r["content"][1].get("text"), OBJ["hello.txt"][0].decode(), "get_object: content[1] is the body")


@S.test
def compact_text_listing():
    r = call("s3_list_objects", {"bucket": B, "prefix": "dir/"})
    sc = ok_result(r, "compact listing")
    lines = text_of(r).splitlines()
    for o in sc["objects"]:
        mine = [l for l in lines if o["key"] in l]
        eq(len(mine), 1, "lines naming %s" % o["key"])
        check(str(o["size"]) in mine[0], "line for %s lacks its size: %r" % (o["key"], mine[0]))
    r = call("s3_list_objects", {"bucket": B, "prefix": "dir/", "delimiter": "/"})
    t = text_of(r)
    for p in ("dir/a/", "dir/b/"):
        check(p in t, "common prefix %s not in the text" % p)
    r = call("s3_list_objects", {"bucket": D.MANY, "max_keys": 3})
    sc = ok_result(r)
    check(sc["next_continuation_token"] in text_of(r), "the continuation token is not in the text")
    for k in ("k/00000", "k/00001"):
        eq(len([l for l in text_of(r).splitlines() if k in l]), 1, "lines naming " + k)


@S.test
def small_get_without_delayed_ack_stall():
    # RGW writes a response's head and body in two sends with Nagle on; without
    # immediate ACKs (TCP_QUICKACK) each GET waits ~40 ms for our delayed ACK.
    # A HEAD (one send) is the yardstick, so that a slow host (qemu, valgrind)
    # does not count as a stall.
    s = srv()
    a = {"bucket": B, "key": "hello.txt"}
    med = {}
    for tool in ("s3_get_object_metadata", "s3_get_object"):
        ok_result(s.call(tool, a), "warm-up")
        times = []
        for _ in range(11):
            t = time.monotonic()
            ok_result(s.call(tool, a), tool)
            times.append(time.monotonic() - t)
        times.sort()
        med[tool] = times[len(times) // 2] * 1000
    print("  info: medians over 11 calls: s3_get_object %.2f ms, s3_get_object_metadata %.2f ms"
          % (med["s3_get_object"], med["s3_get_object_metadata"]))
    check(med["s3_get_object"] < med["s3_get_object_metadata"] + 20,
          "a small GET takes %.1f ms more than a HEAD: the 40 ms delayed-ACK stall is back"
          % (med["s3_get_object"] - med["s3_get_object_metadata"]))


@S.test
def no_secret_in_any_output():
    s = srv()
    check(SECRET_KEY not in s.stdout_text and SECRET_KEY not in s.stderr, "the secret key was printed")
    check(not s.bad_lines, "non-JSON lines on stdout: %s" % short([l[:100] for l in s.bad_lines]))


def main():
    global EP
    args = sys.argv[1:]
    if args and args[0].startswith("http"):
        EP = args.pop(0)
    EP = EP or os.environ.get("MCP_S3_TEST_ENDPOINT")
    if not EP:
        return S.fail_all("no endpoint: set MCP_S3_TEST_ENDPOINT or pass http://127.0.0.1:PORT")
    if not binary_ready():
        return S.fail_all("%s is missing (make build/mcp-s3)" % __import__("mcptest").BINARY)
    try:
        return S.run(args)
    finally:
        if _server is not None:
            try:
                _server.close(10)
            except Exception:  # noqa: BLE001
                _server.kill()


if __name__ == "__main__":
    sys.exit(main())
