#!/usr/bin/env python3
# needs: rgw
"""Write tools of build/mcp-s3 (s3_put_object, s3_delete_object, s3_copy_object,
s3_presign_url), read-only mode and size limits, against a real S3 server (Ceph
RGW). Every write is cross-checked with awscli v2 (/usr/bin/aws); presigned URLs
are fetched with curl. Each test works in buckets this suite creates (removed at
the end) under a prefix of its own, and depends on no seeded data.

    MCP_S3_TEST_ENDPOINT=http://127.0.0.1:PORT python3 tests/integration/test_write.py [NAME ...]
    (or the endpoint as the first argument; keys: RGW_ACCESS_KEY / RGW_SECRET_KEY)
"""
import base64
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mcptest import (ACCESS_KEY, ALL_TOOLS, ISO8601, READONLY_TOOLS, SECRET_KEY,  # noqa: E402
                     WRITE_TOOLS, AwsCli, Server, Suite, base_env, binary_ready, check, eq,
                     error_text, ok_result, parallel, rgw_endpoint, short, start_fails, text_of,
                     unique)

S = Suite("test_write.py")
EP = None
AWS = None
WB = None    # the suite's main bucket
WB2 = None   # a second bucket (copies between buckets)
_servers = {}

HOSTILE = [
    "sp ace.txt", "plus+sign.txt", "per%cent.txt", "q?mark.txt", "hash#tag.txt",
    "ünï/cødé 日本.txt", "dbl//slash.txt", "tilde~.txt", "star*.txt",
    "paren!'().txt", "trailing space .txt",
]


def long_key(prefix):
    """A key of exactly 1,024 bytes under prefix."""
    k = prefix + ("0123456789abcdefghijklmnopqrstuvwxyz" * 40)
    return k[:1024]


def env(**settings):
    return base_env(settings, endpoint=EP)


def srv(readonly=False):
    """A shared session: writes enabled, or the default read-only mode."""
    name = "ro" if readonly else "rw"
    s = _servers.get(name)
    if s is None or s.proc.poll() is not None:
        s = Server(env() if readonly else env(MCP_S3_EXT_READONLY="false"))
        s.initialize()
        _servers[name] = s
    return s


def started(**settings):
    s = Server(env(**settings))
    try:
        s.initialize()
    except Exception as e:  # noqa: BLE001
        s.kill()
        raise AssertionError("start with %s failed: %s; stderr %r" % (settings, e, s.stderr[-300:]))
    return s


def call(tool, args, s=None):
    return (s or srv()).call(tool, args)


def put(key, content, s=None, bucket=None, **kw):
    a = {"bucket": bucket or WB, "key": key, "content": content}
    a.update(kw)
    r = call("s3_put_object", a, s)
    return ok_result(r, "put %r" % key[:60])


def md5etag(body):
    return '"%s"' % hashlib.md5(body).hexdigest()


def pfx(tag):
    """A fresh key prefix for one test."""
    return unique(tag) + "/"


def curl(args, timeout=30):
    """curl with nothing inherited but PATH (no CA bundle or proxy); (http code, body bytes)."""
    fd, out = tempfile.mkstemp(prefix="mcp-s3-curl-")
    os.close(fd)
    try:
        p = subprocess.run(["curl", "-sS", "--noproxy", "*", "--max-time", str(timeout), "-o", out,
                            "-w", "%{http_code}"] + list(args),
                           capture_output=True, timeout=timeout + 10,
                           env={"PATH": "/usr/bin:/bin", "HOME": "/nonexistent"})
        with open(out, "rb") as f:
            body = f.read()
    finally:
        os.unlink(out)
    code = p.stdout.decode().strip()
    check(code.isdigit(), "curl %s: no HTTP status (%s)" % (args[-1][:80], p.stderr.decode()[-200:]))
    return int(code), body


def presign(bucket, key, s=None, **kw):
    a = {"bucket": bucket, "key": key}
    a.update(kw)
    r = call("s3_presign_url", a, s)
    return r, ok_result(r, "presign %s %r" % (kw, key[:40]))


# --- tools/list ----------------------------------------------------------------
@S.test
def tools_list_read_only_default():
    tools = srv(readonly=True).result("tools/list")["tools"]
    eq([t["name"] for t in tools], READONLY_TOOLS, "tools/list in read-only mode")
    for t in tools:
        eq((t.get("annotations") or {}).get("readOnlyHint"), True, "%s readOnlyHint (read-only mode)" % t["name"])


@S.test
def tools_list_with_writes_enabled():
    tools = srv().result("tools/list")["tools"]
    eq([t["name"] for t in tools], ALL_TOOLS, "tools/list with MCP_S3_EXT_READONLY=false")
    ann = {t["name"]: t.get("annotations") or {} for t in tools}
    for n in ("s3_put_object", "s3_copy_object", "s3_delete_object"):
        eq(ann[n].get("destructiveHint"), True, "%s destructiveHint" % n)
        eq(ann[n].get("idempotentHint"), True, "%s idempotentHint" % n)
        check(ann[n].get("readOnlyHint") is not True, "%s claims readOnlyHint" % n)
    eq((ann["s3_presign_url"].get("readOnlyHint"), ann["s3_presign_url"].get("destructiveHint")), (False, True),
       "s3_presign_url (readOnlyHint, destructiveHint) with writes")
    props = {t["name"]: set(t["inputSchema"].get("properties", {})) for t in tools}
    eq(props["s3_put_object"], {"bucket", "key", "content", "is_base64", "content_type", "metadata",
                                "if_none_match", "connection"}, "s3_put_object properties")
    eq(props["s3_delete_object"], {"bucket", "key", "version_id", "connection"}, "s3_delete_object properties")
    eq(props["s3_copy_object"], {"source_bucket", "source_key", "dest_bucket", "dest_key", "metadata",
                                 "content_type", "connection"}, "s3_copy_object properties")
    eq(props["s3_presign_url"], {"bucket", "key", "method", "expires_in", "connection"}, "s3_presign_url properties")


# --- s3_put_object -------------------------------------------------------------
@S.test
def put_text_default_content_type():
    k = pfx("text") + "note.txt"
    text = "Grüße aus mcp-s3, 日本語\nline two\n"
    sc = put(k, text)
    body = text.encode()
    eq((sc.get("bucket"), sc.get("key"), sc.get("size")), (WB, k, len(body)), "structuredContent")
    eq(sc.get("etag"), md5etag(body), "etag")
    eq(AWS.get(WB, k), body, "bytes read back by awscli")
    eq(AWS.head(WB, k).get("ContentType"), "text/plain; charset=utf-8", "default content type of a text put")


@S.test
def put_base64_binary_with_nuls():
    p = pfx("b64")
    body = bytes(range(256)) * 3 + b"\x00\x00\xff\x00"
    sc = put(p + "blob.bin", base64.b64encode(body).decode(), is_base64=True)
    eq(sc.get("size"), len(body), "size (decoded)")
    eq(AWS.get(WB, p + "blob.bin"), body, "binary read back by awscli")
    eq(AWS.head(WB, p + "blob.bin").get("ContentType"), "application/octet-stream", "default content type (base64)")
    # blanks and line breaks in the base64 are ignored
    enc = base64.encodebytes(body).decode()  # 76-char lines
    enc = enc.replace("\n", "\r\n ")
    put(p + "wrapped.bin", enc, is_base64=True)
    eq(AWS.get(WB, p + "wrapped.bin"), body, "base64 with line breaks and blanks")
    # not base64 → InvalidArgument, nothing written
    r = call("s3_put_object", {"bucket": WB, "key": p + "bad.bin", "content": "!!not*base64", "is_base64": True})
    error_text(r, "InvalidArgument", "invalid base64")
    eq(AWS.head(WB, p + "bad.bin"), None, "object after an invalid base64 put")


@S.test
def put_zero_byte_and_folder_marker():
    p = pfx("zero")
    sc = put(p + "empty.txt", "")
    eq(sc.get("size"), 0, "size of a zero-byte put")
    h = AWS.head(WB, p + "empty.txt")
    check(h is not None, "zero-byte object missing")
    eq(h.get("ContentLength"), 0, "ContentLength")
    eq(AWS.get(WB, p + "empty.txt"), b"", "zero-byte body")
    put(p + "folder/", "")
    h = AWS.head(WB, p + "folder/")
    check(h is not None, "folder marker missing")
    eq(h.get("ContentLength"), 0, "folder marker length")
    eq(AWS.keys(WB, p), [p + "empty.txt", p + "folder/"], "keys")
    # mcp-s3 lists the marker under the folder's common prefix
    sc = ok_result(call("s3_list_objects", {"bucket": WB, "prefix": p, "delimiter": "/"}), "list")
    eq(sc.get("common_prefixes"), [p + "folder/"], "common_prefixes")


@S.test
def put_content_type_and_metadata():
    k = pfx("meta") + "data.json"
    put(k, '{"a": 1}', content_type="application/json",
        metadata={"Owner": "bob", "run_id": "42", "note": "printable ASCII ok!"})
    h = AWS.head(WB, k)
    eq(h.get("ContentType"), "application/json", "ContentType")
    # RGW stores x-amz-meta-run_id as run-id (it does so for awscli too)
    md = dict(h.get("Metadata") or {})
    if "run-id" in md and "run_id" not in md:
        md["run_id"] = md.pop("run-id")
    eq(md, {"owner": "bob", "run_id": "42", "note": "printable ASCII ok!"}, "x-amz-meta-* seen by awscli")
    sc = ok_result(call("s3_get_object_metadata", {"bucket": WB, "key": k}), "metadata")
    eq(sc.get("metadata"), h.get("Metadata"), "metadata via mcp-s3 (as awscli sees it)")
    eq(sc.get("content_type"), "application/json", "content_type via mcp-s3")


@S.test
def put_metadata_invalid_is_refused():
    k = pfx("badmeta") + "x.txt"
    for md in ({"bad name": "v"}, {"ok": "line\nbreak"}, {"ok": 5}, {"ok": "ü"}, {"big": "x" * 3000}):
        r = call("s3_put_object", {"bucket": WB, "key": k, "content": "x", "metadata": md})
        t = error_text(r, "InvalidArgument", "metadata %s" % short(md, 60))
        check("metadata" in t, "the message does not name metadata: %r" % t)
    # names that are one header to S3: refused before signing, naming both
    for md, names in (({"Owner": "a", "owner": "b"}, ("owner", "owner")),
                      ({"run_id": "1", "run-id": "2"}, ("run_id", "run-id")),
                      ({"A_B": "1", "a-b": "2"}, ("a_b", "a-b"))):
        r = call("s3_put_object", {"bucket": WB, "key": k, "content": "x", "metadata": md})
        t = error_text(r, "InvalidArgument", "clashing metadata %s" % short(md, 60))
        check('"%s" and "%s"' % names in t and "same header" in t,
              "clashing names %s: the message does not name both: %r" % (md, t))
        r = call("s3_copy_object", {"source_bucket": WB, "source_key": k, "dest_bucket": WB,
                                    "dest_key": k + ".copy", "metadata": md})
        error_text(r, "InvalidArgument", "copy with clashing metadata %s" % short(md, 60))
    eq(AWS.head(WB, k), None, "object after refused puts")


@S.test
def put_content_type_with_control_characters_is_refused_by_name():
    """A content type is sent as a header: CR/LF (header injection) or other
    control characters must be refused as an InvalidArgument that names
    content_type (docs/tools.md: "the text names it"), and nothing written."""
    p = pfx("ctinj")
    bad = []
    for i, ct in enumerate(["text/plain\r\nx-amz-meta-evil: 1", "text/plain\nX-Injected: 1", "text/\x01plain"]):
        for tool, a in (("s3_put_object", {"bucket": WB, "key": p + "%d.txt" % i, "content": "x", "content_type": ct}),
                        ("s3_copy_object", {"source_bucket": WB, "source_key": p + "src.txt", "dest_bucket": WB,
                                            "dest_key": p + "c%d.txt" % i, "content_type": ct})):
            r = call(tool, a)
            t = text_of(r) if r.get("content") else ""
            if not (r.get("isError") and t.startswith("InvalidArgument") and "content_type" in t):
                bad.append("%s content_type=%r: %s" % (tool, ct, short(r, 200)))
    eq(AWS.keys(WB, p), [], "objects written with a malformed content type")
    check(not bad, "; ".join(bad))


@S.test
def put_if_none_match():
    k = pfx("inm") + "once.txt"
    put(k, "first", if_none_match=True)
    eq(AWS.get(WB, k), b"first", "first put with if_none_match")
    r = call("s3_put_object", {"bucket": WB, "key": k, "content": "second", "if_none_match": True})
    error_text(r, "PreconditionFailed", "second put with if_none_match")
    eq(AWS.get(WB, k), b"first", "object after the refused overwrite")
    put(k, "third")  # without if_none_match it overwrites
    eq(AWS.get(WB, k), b"third", "plain overwrite")


@S.test
def awscli_written_read_by_mcp_and_back():
    p = pfx("cross")
    text = "written by awscli: café ☕\n".encode()
    AWS.put(WB, p + "by-aws.txt", text, content_type="text/plain")
    r = call("s3_get_object", {"bucket": WB, "key": p + "by-aws.txt"})
    sc = ok_result(r, "get of an awscli object")
    eq(text_of(r, 1), text.decode(), "text read by mcp-s3")
    eq(sc.get("size"), len(text), "size")
    blob = os.urandom(3000) + b"\x00"
    AWS.put(WB, p + "by-aws.bin", blob, content_type="application/octet-stream")
    r = call("s3_get_object", {"bucket": WB, "key": p + "by-aws.bin", "length": 10000})
    sc = ok_result(r, "binary get")
    res = r["content"][1]
    eq(res.get("type"), "resource", "binary block type")
    eq(base64.b64decode(res["resource"]["blob"]), blob, "binary read by mcp-s3")
    # mcp-s3 writes, awscli reads, mcp-s3 reads again
    put(p + "by-mcp.txt", "round trip ✓\n")
    eq(AWS.get(WB, p + "by-mcp.txt"), "round trip ✓\n".encode(), "awscli reads mcp-s3's put")
    r = call("s3_get_object", {"bucket": WB, "key": p + "by-mcp.txt"})
    eq(text_of(r, 1), "round trip ✓\n", "mcp-s3 reads its own put")


# --- s3_delete_object ------------------------------------------------------------
@S.test
def delete_object_and_missing_key():
    p = pfx("del")
    AWS.put(WB, p + "gone.txt", b"bye")
    sc = ok_result(call("s3_delete_object", {"bucket": WB, "key": p + "gone.txt"}), "delete")
    eq((sc.get("bucket"), sc.get("key"), sc.get("deleted")), (WB, p + "gone.txt", True), "structuredContent")
    eq(AWS.head(WB, p + "gone.txt"), None, "object after delete (awscli)")
    sc = ok_result(call("s3_delete_object", {"bucket": WB, "key": p + "never-existed.txt"}), "delete a missing key")
    eq(sc.get("deleted"), True, "deleted for a missing key")
    r = call("s3_delete_object", {"bucket": unique("no-such-bucket"), "key": "x"})
    error_text(r, "NoSuchBucket", "delete in a missing bucket")


@S.test
def delete_versions():
    """A versioned bucket: delete without version_id leaves a delete marker; with
    the version_id of a put it removes that version; a version id that does not
    exist is answered as awscli is answered (RGW: success), and the object stays."""
    b = AWS.mb(unique("mcp-wver"))
    try:
        AWS.run(["s3api", "put-bucket-versioning", "--bucket", b,
                 "--versioning-configuration", "Status=Enabled"])
        sc1 = put("v.txt", "one", bucket=b)
        sc2 = put("v.txt", "two", bucket=b)
        check(sc1.get("version_id") and sc2.get("version_id") and sc1["version_id"] != sc2["version_id"],
              "puts into a versioned bucket carry distinct version_id: %s, %s" % (sc1.get("version_id"), sc2.get("version_id")))
        # a bogus version id: compare with what awscli gets for the same request
        rc, _, _ = AWS.run(["s3api", "delete-object", "--bucket", b, "--key", "v.txt",
                               "--version-id", "no-such-version-0123"], check_rc=False)
        r = call("s3_delete_object", {"bucket": b, "key": "v.txt", "version_id": "no-such-version-0123"})
        # S3 answers 204 whether the version existed or not (awscli then
        # reports success); mcp-s3 checks with a HEAD first and says so.
        check(r.get("isError") and text_of(r).startswith("NoSuchVersion: "),
              "nonexistent version: expected NoSuchVersion (awscli rc %d), got %s" % (rc, short(r)))
        check("nothing was deleted" in text_of(r), "NoSuchVersion says nothing was deleted: %s" % short(r))
        eq(AWS.get(b, "v.txt"), b"two", "current version after deleting a nonexistent version")
        # delete the current version by id: the older one becomes current
        sc = ok_result(call("s3_delete_object", {"bucket": b, "key": "v.txt", "version_id": sc2["version_id"]}),
                       "delete by version_id")
        eq(sc.get("version_id"), sc2["version_id"], "version_id echoed")
        eq(AWS.get(b, "v.txt"), b"one", "after deleting the newest version")
        vs = AWS.json(["s3api", "list-object-versions", "--bucket", b])
        eq([v["VersionId"] for v in vs.get("Versions") or []], [sc1["version_id"]], "versions left")
        # delete without version_id: a delete marker
        sc = ok_result(call("s3_delete_object", {"bucket": b, "key": "v.txt"}), "delete in a versioned bucket")
        eq(sc.get("delete_marker"), True, "delete_marker")
        eq(AWS.head(b, "v.txt"), None, "object hidden by the delete marker")
    finally:
        AWS.run(["s3api", "put-bucket-versioning", "--bucket", b,
                 "--versioning-configuration", "Status=Suspended"], check_rc=False)
        vs = AWS.json(["s3api", "list-object-versions", "--bucket", b], check_rc=False) or {}
        for v in (vs.get("Versions") or []) + (vs.get("DeleteMarkers") or []):
            AWS.run(["s3api", "delete-object", "--bucket", b, "--key", v["Key"], "--version-id", v["VersionId"]],
                    check_rc=False)
        AWS.rb(b)


# --- s3_copy_object ----------------------------------------------------------------
@S.test
def copy_within_and_between_buckets():
    p = pfx("copy")
    body = b"copy me \x00 please" * 10
    AWS.put(WB, p + "src.bin", body, content_type="application/x-test", metadata={"origin": "aws"})
    sc = ok_result(call("s3_copy_object", {"source_bucket": WB, "source_key": p + "src.bin",
                                           "dest_bucket": WB, "dest_key": p + "dst.bin"}), "copy within")
    eq((sc.get("source_bucket"), sc.get("source_key"), sc.get("dest_bucket"), sc.get("dest_key")),
       (WB, p + "src.bin", WB, p + "dst.bin"), "structuredContent names")
    check(isinstance(sc.get("etag"), str) and hashlib.md5(body).hexdigest() in sc["etag"], "etag %r" % sc.get("etag"))
    check(isinstance(sc.get("last_modified"), str) and ISO8601.match(sc["last_modified"]),
          "last_modified %r" % sc.get("last_modified"))
    eq(AWS.get(WB, p + "dst.bin"), body, "copied bytes")
    h = AWS.head(WB, p + "dst.bin")
    eq((h.get("ContentType"), h.get("Metadata")), ("application/x-test", {"origin": "aws"}),
       "COPY keeps the source's content type and metadata")
    ok_result(call("s3_copy_object", {"source_bucket": WB, "source_key": p + "src.bin",
                                      "dest_bucket": WB2, "dest_key": p + "other.bin"}), "copy between buckets")
    eq(AWS.get(WB2, p + "other.bin"), body, "bytes copied to the second bucket")
    eq(AWS.get(WB, p + "src.bin"), body, "the source is untouched")
    r = call("s3_copy_object", {"source_bucket": WB, "source_key": p + "missing",
                                "dest_bucket": WB, "dest_key": p + "dst2"})
    error_text(r, "NoSuchKey", "copy of a missing source")
    eq(AWS.head(WB, p + "dst2"), None, "nothing written by a failed copy")


@S.test
def copy_metadata_replace_keeps_content_type():
    p = pfx("copymeta")
    AWS.put(WB, p + "src.csv", b"a,b\n1,2\n", content_type="text/csv", metadata={"old": "1"})
    ok_result(call("s3_copy_object", {"source_bucket": WB, "source_key": p + "src.csv", "dest_bucket": WB,
                                      "dest_key": p + "replaced.csv", "metadata": {"New": "2"}}), "copy REPLACE")
    h = AWS.head(WB, p + "replaced.csv")
    eq((h.get("ContentType"), h.get("Metadata")), ("text/csv", {"new": "2"}),
       "REPLACE with metadata only: source content type kept, metadata replaced")
    ok_result(call("s3_copy_object", {"source_bucket": WB, "source_key": p + "src.csv", "dest_bucket": WB,
                                      "dest_key": p + "typed.csv", "metadata": {"new": "3"},
                                      "content_type": "application/vnd.ms-excel"}), "copy REPLACE + content_type")
    h = AWS.head(WB, p + "typed.csv")
    eq((h.get("ContentType"), h.get("Metadata")), ("application/vnd.ms-excel", {"new": "3"}),
       "REPLACE with content_type")
    ok_result(call("s3_copy_object", {"source_bucket": WB, "source_key": p + "src.csv", "dest_bucket": WB,
                                      "dest_key": p + "ctonly.csv", "content_type": "text/plain"}),
              "copy with content_type only")
    h = AWS.head(WB, p + "ctonly.csv")
    eq(h.get("ContentType"), "text/plain", "content_type only")
    # copying an object onto itself with new metadata (a common "edit metadata" idiom)
    ok_result(call("s3_copy_object", {"source_bucket": WB, "source_key": p + "src.csv", "dest_bucket": WB,
                                      "dest_key": p + "src.csv", "metadata": {"edited": "yes"}}), "copy onto itself")
    h = AWS.head(WB, p + "src.csv")
    eq((h.get("ContentType"), h.get("Metadata")), ("text/csv", {"edited": "yes"}), "in-place metadata edit")
    eq(AWS.get(WB, p + "src.csv"), b"a,b\n1,2\n", "bytes after the in-place copy")


# --- hostile keys -------------------------------------------------------------------
@S.test
def hostile_keys_put_copy_delete():
    p = pfx("hostile")
    keys = [p + k for k in HOSTILE] + [long_key(p + "long/")]
    eq(len(keys[-1].encode()), 1024, "long key length")

    def body(k):
        return ("content of key <%s>\n" % k).encode()
    bad = []
    for k in keys:
        r = call("s3_put_object", {"bucket": WB, "key": k, "content": body(k).decode()})
        if r.get("isError"):
            bad.append("put %r: %s" % (k[:60], text_of(r)[:150]))
    got = parallel(lambda k: AWS.get(WB, k), keys)
    for k, g in zip(keys, got):
        if g != body(k):
            bad.append("awscli read of put %r: %r" % (k[:60], (g or b"<missing>")[:60]))
    check(not bad, "; ".join(bad))
    listed = AWS.keys(WB, p)
    eq(sorted(listed), sorted(keys), "keys as awscli lists them (no key was normalised)")
    # copy each to the second bucket under a second prefix
    dests = {}
    for k in keys:
        d = p + "copy/" + k[len(p):]
        d = d[:1024] if len(d.encode()) > 1024 else d
        dests[k] = d
        r = call("s3_copy_object", {"source_bucket": WB, "source_key": k, "dest_bucket": WB2, "dest_key": d})
        if r.get("isError"):
            bad.append("copy %r: %s" % (k[:60], text_of(r)[:150]))
    got = parallel(lambda k: AWS.get(WB2, dests[k]), keys)
    for k, g in zip(keys, got):
        if g != body(k):
            bad.append("awscli read of copy %r: %r" % (dests[k][:60], (g or b"<missing>")[:60]))
    check(not bad, "; ".join(bad))
    # mcp-s3 reads each back as well
    for k in keys:
        r = call("s3_get_object", {"bucket": WB2, "key": dests[k]})
        if r.get("isError") or text_of(r, 1).encode() != body(k):
            bad.append("mcp-s3 get %r: %s" % (dests[k][:60], short(r, 150)))
    # delete each; awscli sees none left
    for k in keys:
        for b, kk in ((WB, k), (WB2, dests[k])):
            r = call("s3_delete_object", {"bucket": b, "key": kk})
            if r.get("isError"):
                bad.append("delete %s/%r: %s" % (b, kk[:60], text_of(r)[:150]))
    check(not bad, "; ".join(bad))
    eq(AWS.keys(WB, p), [], "keys left in the main bucket after deleting (awscli)")
    eq(AWS.keys(WB2, p), [], "keys left in the second bucket after deleting (awscli)")


@S.test
def hostile_keys_written_by_awscli_read_by_mcp():
    p = pfx("hostaws")
    keys = [p + k for k in HOSTILE] + [long_key(p + "long/")]
    parallel(lambda k: AWS.put(WB, k, ("aws <%s>" % k).encode(), content_type="text/plain"), keys)
    bad = []
    for k in keys:
        r = call("s3_get_object", {"bucket": WB, "key": k})
        if r.get("isError") or text_of(r, 1) != "aws <%s>" % k:
            bad.append("%r: %s" % (k[:60], short(r, 150)))
    check(not bad, "; ".join(bad))


# --- s3_presign_url ------------------------------------------------------------------
def sig_of(url):
    m = re.search(r"[?&]X-Amz-Signature=([0-9a-f]{64})(&|$)", url)
    check(m, "no X-Amz-Signature in %s" % url)
    return m


@S.test
def presign_get_fetched_with_curl():
    p = pfx("psget")
    body = "presigned ✓ \x00 bytes".encode() + os.urandom(100)
    AWS.put(WB, p + "f i+le.bin", body)
    for s in (srv(), srv(readonly=True)):
        r, sc = presign(WB, p + "f i+le.bin", s)
        url = sc.get("url", "")
        check(url.startswith(EP + "/"), "url does not start with the endpoint: %s" % url[:120])
        eq(sc.get("method"), "GET", "method")
        eq(sc.get("expires_in_seconds"), 3600, "default expires_in")
        for q in ("X-Amz-Algorithm=AWS4-HMAC-SHA256", "X-Amz-Credential=" + ACCESS_KEY, "X-Amz-Date=",
                  "X-Amz-Expires=3600", "X-Amz-SignedHeaders=host"):
            check(q in url, "%s missing from %s" % (q, url))
        sig_of(url)
        check(SECRET_KEY not in json.dumps(r), "the secret is in the presign result")
        code, got = curl([url])
        eq(code, 200, "curl GET of the presigned URL")
        eq(got, body, "bytes fetched with the presigned URL")


@S.test
def presign_hostile_keys_fetched_with_curl():
    p = pfx("pshostile")
    keys = [p + k for k in HOSTILE] + [long_key(p + "long/")]
    parallel(lambda k: AWS.put(WB, k, ("presigned <%s>" % k).encode()), keys)
    bad = []
    for k in keys:
        _, sc = presign(WB, k)
        code, got = curl(["--path-as-is", sc["url"]])
        if (code, got) != (200, ("presigned <%s>" % k).encode()):
            bad.append("%r: HTTP %d %r" % (k[:50], code, got[:80]))
    check(not bad, "; ".join(bad))


@S.test
def presign_put_uploaded_with_curl():
    p = pfx("psput")
    payload = b"uploaded through a presigned PUT\n\x00\x01"
    for method in ("PUT", "put", "Put"):
        k = p + method + " up+load.bin"
        r, sc = presign(WB, k, method=method)
        eq(sc.get("method"), "PUT", "method for %r" % method)
        fd, path = tempfile.mkstemp()
        os.write(fd, payload + method.encode())
        os.close(fd)
        try:
            code, resp = curl(["-T", path, sc["url"]])
        finally:
            os.unlink(path)
        eq(code, 200, "curl -T with the presigned PUT URL (%s): %r" % (method, resp[:200]))
        eq(AWS.get(WB, k), payload + method.encode(), "object uploaded with the %r URL (awscli)" % method)
    for method in ("get", "Get", "GET"):
        _, sc = presign(WB, p + "x", method=method)
        eq(sc.get("method"), "GET", "method for %r" % method)
    # a GET URL does not allow a PUT
    _, sc = presign(WB, p + "ro.bin", method="GET")
    fd, path = tempfile.mkstemp()
    os.close(fd)
    try:
        code, _ = curl(["-T", path, sc["url"]])
    finally:
        os.unlink(path)
    eq(code, 403, "PUT with a GET URL")
    eq(AWS.head(WB, p + "ro.bin"), None, "nothing written through a GET URL")


@S.test
def presign_expires_in_bounds():
    for v in (1, 604800):
        _, sc = presign(WB, "any.txt", expires_in=v)
        eq(sc.get("expires_in_seconds"), v, "expires_in_seconds")
        check("X-Amz-Expires=%d" % v in sc["url"], "X-Amz-Expires=%d not in the URL" % v)
    for v in (0, 604801, -1, 1.5, "60"):
        r = call("s3_presign_url", {"bucket": WB, "key": "any.txt", "expires_in": v})
        t = error_text(r, "InvalidArgument", "expires_in %r" % (v,))
        check("expires_in" in t, "the message does not name expires_in: %r" % t)
    r = call("s3_presign_url", {"bucket": WB, "key": "any.txt", "method": "DELETE"})
    error_text(r, "InvalidArgument", "method DELETE")


def check_expires_at(sc, expires, t_before, t_after):
    at = sc.get("expires_at", "")
    check(re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", at), "expires_at is not UTC with Z: %r" % at)
    when = datetime.strptime(at, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc).timestamp()
    check(t_before + expires - 2 <= when <= t_after + expires + 2,
          "expires_at %s is not now+%d (now %s)" % (at, expires,
                                                    datetime.fromtimestamp(t_after, timezone.utc).isoformat()))
    m = re.search(r"X-Amz-Date=(\d{8}T\d{6}Z)", sc["url"])
    check(m, "X-Amz-Date missing")
    signed = datetime.strptime(m.group(1), "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc).timestamp()
    check(t_before - 2 <= signed <= t_after + 2, "X-Amz-Date %s is not now (UTC)" % m.group(1))


@S.test
def presign_expires_at_is_utc_in_any_time_zone():
    for tz in (None, "Asia/Tokyo", "America/Los_Angeles", "JST-9"):
        s = srv() if tz is None else started(MCP_S3_EXT_READONLY="false", TZ=tz)
        try:
            for e in (1, 3600, 604800):
                t0 = time.time()
                _, sc = presign(WB, "tz.txt", s, expires_in=e)
                t1 = time.time()
                check_expires_at(sc, e, t0, t1)
        finally:
            if tz is not None:
                s.close()


@S.test
def presign_tampered_and_expired_urls_are_refused():
    p = pfx("pstamper")
    AWS.put(WB, p + "t.txt", b"tamper test")
    _, sc = presign(WB, p + "t.txt")
    url = sc["url"]
    eq(curl([url])[0], 200, "the untampered URL")
    m = sig_of(url)
    i = m.start(1) + 10
    c = url[i]
    bad = url[:i] + ("0" if c != "0" else "1") + url[i + 1:]
    code, body = curl([bad])
    eq(code, 403, "curl with one signature character changed")
    check(b"tamper test" not in body, "the tampered URL returned the object")
    # another key under the same signature
    code, _ = curl([url.replace("/t.txt?", "/u.txt?")])
    eq(code, 403, "the signature used for another key")
    # expired: expires_in 1, then 3 s later
    _, sc = presign(WB, p + "t.txt", expires_in=1)
    time.sleep(3)
    code, body = curl([sc["url"]])
    eq(code, 403, "curl with an expired URL")
    check(b"tamper test" not in body, "the expired URL returned the object")


@S.test
def presign_endpoint_setting():
    s = started(S3_PRESIGN_ENDPOINT="http://public.example:9000", MCP_S3_EXT_READONLY="false")
    try:
        for method in ("GET", "PUT"):
            r, sc = presign(WB, "dir/a b.txt", s, method=method)
            url = sc["url"]
            check(url.startswith("http://public.example:9000/"), "url does not use S3_PRESIGN_ENDPOINT: %s" % url[:120])
            check(("/%s/" % WB) in url, "path-style bucket missing from %s" % url[:120])
            check(EP.split("//")[1] not in url, "the internal endpoint leaks into %s" % url[:120])
            check(SECRET_KEY not in json.dumps(r), "secret in the result")
        s.close()
        check(SECRET_KEY not in s.stdout_text + s.stderr, "secret printed")
    finally:
        s.kill()


@S.test
def presign_missing_object_url_gives_404():
    _, sc = presign(WB, pfx("ps404") + "nothing-here.txt")
    eq(curl([sc["url"]])[0], 404, "curl of a presigned URL to a missing key")


# --- read-only mode ----------------------------------------------------------------------
@S.test
def read_only_refuses_every_write():
    s = srv(readonly=True)
    p = pfx("ro")
    AWS.put(WB, p + "keep.txt", b"keep me")
    calls = [
        ("s3_put_object", {"bucket": WB, "key": p + "new.txt", "content": "x"}),
        ("s3_put_object", {"bucket": WB, "key": p + "keep.txt", "content": "overwritten"}),
        ("s3_delete_object", {"bucket": WB, "key": p + "keep.txt"}),
        ("s3_copy_object", {"source_bucket": WB, "source_key": p + "keep.txt", "dest_bucket": WB,
                            "dest_key": p + "copy.txt"}),
    ]
    for tool, a in calls:
        t = error_text(s.call(tool, a), "ReadOnly", "%s in read-only mode" % tool)
        check("MCP_S3_EXT_READONLY=false" in t, "%s: the ReadOnly text does not say how to enable writes: %r" % (tool, t))
    for m in ("PUT", "put"):
        t = error_text(s.call("s3_presign_url", {"bucket": WB, "key": p + "up.txt", "method": m}), "ReadOnly",
                       "presign %s in read-only mode" % m)
        check("MCP_S3_EXT_READONLY=false" in t, "presign PUT: the text does not say how to enable writes: %r" % t)
    eq(AWS.keys(WB, p), [p + "keep.txt"], "keys after the refused writes (awscli)")
    eq(AWS.get(WB, p + "keep.txt"), b"keep me", "the object is unchanged")
    # reads and presigned GETs still work
    _, sc = presign(WB, p + "keep.txt", s, method="get")
    eq(curl([sc["url"]]), (200, b"keep me"), "presigned GET in read-only mode")
    ok_result(s.call("s3_get_object", {"bucket": WB, "key": p + "keep.txt"}), "get in read-only mode")


@S.test
def read_only_explicit_true_and_invalid_value():
    s = started(MCP_S3_EXT_READONLY="true")
    try:
        eq([t["name"] for t in s.result("tools/list")["tools"]], READONLY_TOOLS, "tools/list with READONLY=true")
        error_text(s.call("s3_put_object", {"bucket": WB, "key": "x", "content": ""}), "ReadOnly", "put")
    finally:
        s.close()
    for v in ("FALSE", "0", "f"):
        s = started(MCP_S3_EXT_READONLY=v)
        try:
            eq([t["name"] for t in s.result("tools/list")["tools"]], ALL_TOOLS, "tools/list with READONLY=%s" % v)
        finally:
            s.close()
    rc, err = start_fails(env(MCP_S3_EXT_READONLY="nope"))
    check("MCP_S3_EXT_READONLY" in err, "the message does not name MCP_S3_EXT_READONLY: %r" % err[:300])


# --- size limits ------------------------------------------------------------------------------
@S.test
def put_size_limit():
    p = pfx("putlimit")
    s = started(MCP_S3_EXT_READONLY="false", MCP_S3_MAX_PUT_SIZE="1KiB")
    try:
        sc = put(p + "exact.txt", "a" * 1024, s)
        eq(sc.get("size"), 1024, "a 1,024-byte put under a 1 KiB limit")
        eq(AWS.get(WB, p + "exact.txt"), b"a" * 1024, "the 1,024-byte object")
        t = error_text(s.call("s3_put_object", {"bucket": WB, "key": p + "over.txt", "content": "b" * 1025}),
                       "SizeLimit", "a 1,025-byte put")
        check("MCP_S3_MAX_PUT_SIZE" in t, "the SizeLimit text does not name MCP_S3_MAX_PUT_SIZE: %r" % t)
        # multi-byte characters: 342 x "日" = 1,026 bytes though 342 characters
        error_text(s.call("s3_put_object", {"bucket": WB, "key": p + "cjk.txt", "content": "日" * 342}),
                   "SizeLimit", "1,026 bytes of UTF-8 in 342 characters")
        # base64 decoding to 1025 bytes (1,368 characters) and to 1024
        error_text(s.call("s3_put_object", {"bucket": WB, "key": p + "over.bin", "is_base64": True,
                                            "content": base64.b64encode(b"\x00" * 1025).decode()}),
                   "SizeLimit", "base64 decoding to 1,025 bytes")
        put(p + "exact.bin", base64.b64encode(b"\x01" * 1024).decode(), s, is_base64=True)
        eq(AWS.get(WB, p + "exact.bin"), b"\x01" * 1024, "base64 decoding to 1,024 bytes")
        # an overwrite that is too large leaves the old object alone
        error_text(s.call("s3_put_object", {"bucket": WB, "key": p + "exact.txt", "content": "c" * 2048}),
                   "SizeLimit", "an over-limit overwrite")
        eq(AWS.get(WB, p + "exact.txt"), b"a" * 1024, "the object after an over-limit overwrite")
        eq(AWS.keys(WB, p), [p + "exact.bin", p + "exact.txt"], "keys written (awscli): nothing over the limit")
    finally:
        s.close()


@S.test
def get_size_limit():
    p = pfx("getlimit")
    AWS.put(WB, p + "big.txt", b"z" * 3000, content_type="text/plain")
    s = started(MCP_S3_MAX_GET_SIZE="1000")
    try:
        sc = ok_result(s.call("s3_get_object", {"bucket": WB, "key": p + "big.txt", "length": 1000}), "length 1000")
        eq((sc.get("length"), sc.get("truncated")), (1000, True), "(length, truncated)")
        t = error_text(s.call("s3_get_object", {"bucket": WB, "key": p + "big.txt", "length": 1001}),
                       "SizeLimit", "length 1001 over MCP_S3_MAX_GET_SIZE=1000")
        check("MCP_S3_MAX_GET_SIZE" in t or "1000" in t, "the SizeLimit text names no limit: %r" % t)
        # without length: the read window follows the limit
        sc = ok_result(s.call("s3_get_object", {"bucket": WB, "key": p + "big.txt"}), "default window")
        check(sc.get("length") <= 1000, "default window %s over the limit" % sc.get("length"))
    finally:
        s.close()


@S.test
def sizelimit_switch_lifts_both_limits():
    p = pfx("nolimit")
    s = started(MCP_S3_EXT_READONLY="false", MCP_S3_EXT_SIZELIMIT="false", MCP_S3_MAX_PUT_SIZE="1KiB",
                MCP_S3_MAX_GET_SIZE="1000")
    try:
        body = "y" * 2048
        sc = put(p + "two-kib.txt", body, s)
        eq(sc.get("size"), 2048, "a 2 KiB put with the limits off")
        eq(AWS.get(WB, p + "two-kib.txt"), body.encode(), "the 2 KiB object (awscli)")
        r = s.call("s3_get_object", {"bucket": WB, "key": p + "two-kib.txt", "length": 2048})
        sc = ok_result(r, "get length 2048 with the limits off")
        eq(text_of(r, 1), body, "the whole body")
    finally:
        s.close()


@S.test
def invalid_sizes_stop_the_start():
    problems = []
    for var in ("MCP_S3_MAX_PUT_SIZE", "MCP_S3_MAX_GET_SIZE"):
        for val in ("1.5G", "10 MB", "-1", "banana", "0", "2GiB", "1e3"):
            try:
                rc, err = start_fails(env(**{var: val}))
            except AssertionError as e:
                problems.append("%s=%r: %s" % (var, val, e))
                continue
            if var not in err:
                problems.append("%s=%r: the message does not name the variable: %r" % (var, val, err[:200]))
            if rc != 2:
                problems.append("%s=%r: exit status %d, want 2" % (var, val, rc))
    check(not problems, "; ".join(problems))
    for good in ("1KiB", "1kb", "100MB", "1GiB", "512", "2M", "1g"):
        s = started(MCP_S3_MAX_PUT_SIZE=good)
        s.close()


# --- secrets -----------------------------------------------------------------------------------
@S.test
def no_secret_in_any_output():
    for s in list(_servers.values()):
        check(SECRET_KEY not in s.stdout_text, "the secret key is on stdout")
        check(SECRET_KEY not in s.stderr, "the secret key is on stderr")
        check(not s.bad_lines, "non-JSON lines on stdout: %s" % short([l[:100] for l in s.bad_lines]))


def main():
    global EP, AWS, WB, WB2
    EP = rgw_endpoint()
    if not EP:
        return S.fail_all("no endpoint: set MCP_S3_TEST_ENDPOINT or pass http://127.0.0.1:PORT")
    if not binary_ready():
        return S.fail_all("%s is missing (make build/mcp-s3)" % __import__("mcptest").BINARY)
    AWS = AwsCli(EP)
    try:
        try:
            WB = AWS.mb(unique("mcp-write"))
            WB2 = AWS.mb(unique("mcp-write2"))
        except Exception as e:  # noqa: BLE001
            return S.fail_all("creating the test buckets with awscli: %s" % e)
        return S.run(sys.argv[1:])
    finally:
        for s in _servers.values():
            try:
                s.close(10)
            except Exception:  # noqa: BLE001
                s.kill()
        for b in (WB, WB2):
            if b:
                AWS.rb(b)
        AWS.close()


if __name__ == "__main__":
    sys.exit(main())
