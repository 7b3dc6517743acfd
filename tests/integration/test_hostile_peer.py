#!/usr/bin/env python3
"""A hostile S3 peer (issue 11, part 2 and 3): a raw-socket server on
127.0.0.1 (so that every byte of the head is ours) answers with header
values that are not UTF-8 (Content-Type `text/plain\\xff\\xfe`, Cache-Control
`max-age=\\xff`, Content-Disposition `attachment; filename=\\xc0\\xaf`,
Content-Encoding `gz\\xffip`, x-amz-meta-* with bad bytes), header values of
every byte HTTP allows (and, apart, the control bytes it does not), XML
listings whose keys, ETag and StorageClass hold every class of code point
(controls, quotes, backslash, U+0085, U+2028, surrogates as bytes,
noncharacters, 4-byte), and error documents with hostile Code and Message.

For every tool (reads, and writes with MCP_S3_EXT_READONLY=false) each answer
line is strict UTF-8 JSON with the request's id, a ping is answered after,
no text block holds a control character (the server's own line breaks
aside: S3's bytes sit between the markers @{ and }@ and must come escaped),
nor an unescaped '"' or a line break inside what came from S3; and the
audit file has one record per call whose status is what the client got.

    python3 tests/integration/test_hostile_peer.py [NAME ...]
"""
import os
import socket
import sys
import tempfile
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import listmodel as LM  # noqa: E402
from mcptest import Server, Suite, base_env, binary_ready, check, read_jsonl, short  # noqa: E402

S = Suite("test_hostile_peer")
SERVERS = []
LINE_SEP_FINDINGS = []


def M(b):
    """Bytes between the markers."""
    return b"@{" + b + b"}@"


ALLOWED_BYTES = bytes([9]) + bytes(range(0x20, 0x7f)) + bytes(range(0x80, 0x100))
CONTROL_BYTES = bytes(range(1, 9)) + b"\x0b\x0c" + bytes(range(0x0e, 0x20)) + b"\x7f\x00"

ISSUE_HEADERS = [
    (b"Content-Type", b"text/plain\xff\xfe" + M(b'q"\\')),
    (b"Cache-Control", b"max-age=\xff" + M(b'"')),
    (b"Content-Disposition", b"attachment; filename=\xc0\xaf" + M(b'"x"')),
    (b"Content-Encoding", b"gz\xffip" + M(b"")),
    (b"x-amz-meta-bad", M(b'v\xff\xfe"q\\ \xed\xa0\x80 \xef\xbf\xbe \xe2\x80\xa8 \xc2\x85 \xf0\x9f\x98\x80')),
    (b"ETag", b'"' + M(b'\xff\\"e') + b'"'),
    (b"Last-Modified", M(b"Mon\xff, 02 Jan 2026")),
    (b"x-amz-version-id", M(b'v\xed\xa0\x80"')),
    (b"x-amz-storage-class", M(b"ST\xef\xbf\xbe\"")),
    (b"x-amz-request-id", M(b'req\xff"\\')),
]


def every_byte_headers(vals):
    return [(b"Content-Type", M(vals)), (b"x-amz-meta-all", M(vals)), (b"ETag", M(vals)),
            (b"Cache-Control", M(vals)), (b"Content-Disposition", M(vals)), (b"Content-Encoding", M(vals)),
            (b"x-amz-version-id", M(vals)), (b"x-amz-storage-class", M(vals)), (b"x-amz-request-id", M(vals))]


# Code points in XML text: controls as character references XML allows
# (&#9; &#10; &#13;), raw C1 (U+0085), quotes, backslash, U+2028/2029,
# noncharacters, 4-byte, and an injected "End of listing." line.
XML_TEXT = ('q"\\ &#10;End of listing.&#13;&#10;&#9;tab \xc2\x85nel \xe2\x80\xa8ls \xe2\x80\xa9ps '
            '\xef\xb7\x90\xef\xb7\xaf \xf0\x9f\x98\x80 &quot;x&quot; &lt;&amp;&gt; \x7f').encode("latin-1")
XML_SURROGATE = b"sur\xed\xa0\x80rogate"
XML_NONCHAR = b"non\xef\xbf\xbe\xef\xbf\xbfchar"     # not XML 1.0 characters: an error is fine


def listing_xml(key_text, etag=b"e", sc=b"STANDARD", url=False):
    return (b'<?xml version="1.0" encoding="UTF-8"?><ListBucketResult><Name>abc</Name><Prefix></Prefix>'
            + (b"<EncodingType>url</EncodingType>" if url else b"")
            + b"<KeyCount>2</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>true</IsTruncated>"
            + b"<NextContinuationToken>" + M(key_text) + b"</NextContinuationToken>"
            + b"<Contents><Key>" + M(key_text) + b"</Key><LastModified>2026-01-02T03:04:05.000Z</LastModified>"
            + b"<ETag>" + M(etag) + b"</ETag><Size>5</Size><StorageClass>" + M(sc) + b"</StorageClass></Contents>"
            + b"<Contents><Key>good</Key><Size>1</Size></Contents>"
            + b"<CommonPrefixes><Prefix>" + M(key_text) + b"/</Prefix></CommonPrefixes></ListBucketResult>")


def buckets_xml(name):
    return (b'<?xml version="1.0" encoding="UTF-8"?><ListAllMyBucketsResult><Owner><ID>o</ID></Owner><Buckets>'
            b"<Bucket><Name>" + M(name) + b"</Name><CreationDate>2026-01-02T03:04:05.000Z</CreationDate></Bucket>"
            b"<Bucket><Name>good</Name><CreationDate>2026-01-02T03:04:05.000Z</CreationDate></Bucket>"
            b"</Buckets></ListAllMyBucketsResult>")


def error_xml(code, msg):
    return (b'<?xml version="1.0" encoding="UTF-8"?><Error><Code>' + M(code) + b"</Code><Message>" + M(msg)
            + b"</Message><RequestId>" + M(b'r"\\\xff') + b"</RequestId></Error>")


def copy_xml(etag):
    return (b'<?xml version="1.0"?><CopyObjectResult><ETag>' + M(etag) + b"</ETag>"
            b"<LastModified>2026-01-02T03:04:05.000Z</LastModified></CopyObjectResult>")


def response(status, body=b"", headers=()):
    h = b"HTTP/1.1 %d X\r\n" % status
    for k, v in headers:
        h += k + b": " + v + b"\r\n"
    h += b"Content-Length: %d\r\n\r\n" % len(body)
    return h + body


class Peer:
    """Raw sockets: answer(req) -> bytes, for each request read."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.answer = lambda req: response(404)
        self.stop = False
        self.t = threading.Thread(target=self.loop, daemon=True)
        self.t.start()

    def endpoint(self):
        return "http://127.0.0.1:%d" % self.port

    def loop(self):
        while not self.stop:
            try:
                c, _ = self.sock.accept()
            except (socket.timeout, OSError):
                continue
            threading.Thread(target=self.serve, args=(c,), daemon=True).start()

    def serve(self, c):
        c.settimeout(10)
        buf = b""
        try:
            while True:
                while b"\r\n\r\n" not in buf:
                    d = c.recv(65536)
                    if not d:
                        return
                    buf += d
                head, buf = buf.split(b"\r\n\r\n", 1)
                lines = head.decode("latin-1").split("\r\n")
                method, target, _ = lines[0].split(" ", 2)
                hdrs = {}
                for ln in lines[1:]:
                    k, v = ln.split(":", 1)
                    hdrs[k.strip().lower()] = v.strip()
                n = int(hdrs.get("content-length", "0"))
                while len(buf) < n:
                    d = c.recv(65536)
                    if not d:
                        return
                    buf += d
                buf = buf[n:]
                c.sendall(self.answer({"method": method, "target": target, "headers": hdrs}))
        except (OSError, ValueError):
            pass
        finally:
            c.close()

    def close(self):
        self.stop = True
        self.t.join(5)
        self.sock.close()


def headers_script(hdrs, body=b"hello"):
    def answer(req):
        m, t = req["method"], req["target"]
        if m == "HEAD":
            return response(200, b"", hdrs).replace(b"Content-Length: 0", b"Content-Length: 5")
        if m == "GET" and "list-type" in t:
            return response(200, listing_xml(b"k"), [(b"Content-Type", b"application/xml")] + hdrs[-1:])
        if m == "GET" and t.startswith("/abc/"):
            return response(206, body, hdrs + [(b"Content-Range", b"bytes 0-4/5")])
        if m == "GET":
            return response(200, buckets_xml(b"b"), hdrs[-1:])
        if m == "PUT" and "x-amz-copy-source" in req["headers"]:
            return response(200, copy_xml(b"e"), hdrs)
        if m == "PUT":
            return response(200, b"", hdrs)
        if m == "DELETE":
            return response(204, b"", hdrs + [(b"x-amz-delete-marker", M(b"tr\xffue"))])
        return response(400)
    return answer


XML_SHORT = b'"\\&#10;\xc2\x85\xe2\x80\xa8'      # fits ETag (72) and StorageClass (32)


def xml_script(text, url=False, short_text=XML_SHORT):
    def answer(req):
        m, t = req["method"], req["target"]
        if m == "GET" and "list-type" in t:
            return response(200, listing_xml(text, etag=short_text, sc=short_text, url=url))
        if m == "GET" and not t.startswith("/abc/"):
            return response(200, buckets_xml(text))
        if m == "PUT" and "x-amz-copy-source" in req["headers"]:
            return response(200, copy_xml(short_text))
        return response(200, b"", [(b"ETag", b'"e"')])
    return answer


def error_script(code, msg):
    def answer(req):
        if req["method"] == "HEAD":
            hv = (code + msg).replace(b"\r", b"").replace(b"\n", b"")
            return response(403, b"", [(b"x-amz-request-id", M(hv)), (b"x-amz-error-code", M(hv))])
        return response(403, error_xml(code, msg), [(b"Content-Type", b"application/xml")])
    return answer


TOOLS = [
    ("s3_get_object", {"bucket": "abc", "key": "k"}),
    ("s3_get_object_metadata", {"bucket": "abc", "key": "k"}),
    ("s3_list_objects", {"bucket": "abc"}),
    ("s3_list_buckets", {}),
    ("s3_put_object", {"bucket": "abc", "key": "k", "content": "hi"}),
    ("s3_delete_object", {"bucket": "abc", "key": "k"}),
    ("s3_delete_object", {"bucket": "abc", "key": "k", "version_id": "v1"}),
    ("s3_copy_object", {"source_bucket": "abc", "source_key": "k", "dest_bucket": "abc", "dest_key": "k2"}),
]


def check_text(text, what, problems):
    cc = LM.control_chars(text)
    if cc:
        problems.append("%s: control characters %s in a text block: %r" % (what, cc, text[:300]))
    ls = LM.line_separators(text)
    if ls:
        LINE_SEP_FINDINGS.append("%s: %s" % (what, ls))
    for n, line in enumerate(text.split("\n")):
        pos = 0
        while True:
            e = line.find("}@", pos)
            s0 = line.find("@{", pos)
            if e < 0:
                break
            if s0 < 0 or s0 > e:
                problems.append("%s: S3's text broke a line: line %d %r" % (what, n, line[:200]))
                break
            seg = line[s0 + 2:e]
            bad = LM.unescaped_quotes(seg)
            if bad:
                problems.append("%s: %s in what came from S3: %r (line %r)" % (what, bad[:2], seg[:120], line[:200]))
            pos = e + 2


def session(name, script, calls=TOOLS, extra=None):
    """Runs every call against script; returns the problems found."""
    peer = Peer()
    peer.answer = script
    d = tempfile.mkdtemp(prefix="mcp-s3-hostile-")
    audit = os.path.join(d, "audit.log")
    problems, ids = [], {}
    env = {"S3_TIMEOUT": "3s", "MCP_S3_EXT_READONLY": "false", "MCP_S3_EXT_AUDIT": "true",
           "MCP_S3_AUDIT_FILE": audit}
    env.update(extra or {})
    s = Server(base_env(env, endpoint=peer.endpoint()))
    SERVERS.append(s)
    try:
        s.initialize()
        for tool, args in calls:
            what = "%s: %s %s" % (name, tool, short(args, 80))
            rid = "%s-%d" % (tool, s.new_id())
            s.send({"jsonrpc": "2.0", "id": rid, "method": "tools/call", "params": {"name": tool, "arguments": args}})
            try:
                m = s.wait_id(rid, timeout=30)
            except Exception as e:  # noqa: BLE001
                problems.append("%s: no answer with id %r: %s; stdout tail %r" % (what, rid, e, s.raw[-1:]))
                continue
            try:
                line = LM.raw_line_of(s, rid)
                LM.strict_json_line(line, what)
            except AssertionError as e:
                problems.append(str(e))
            if "error" in m:
                problems.append("%s: a JSON-RPC error instead of a result: %s" % (what, short(m["error"])))
                ids[rid] = ("jsonrpc-error", None)
                continue
            r = m["result"]
            for c in r.get("content") or []:
                if c.get("type") == "text":
                    check_text(c["text"], what, problems)
            code = r["content"][0]["text"].split(":")[0] if r.get("isError") else None
            ids[rid] = ("error" if r.get("isError") else "ok", code)
            try:
                eq_ping = s.result("ping", timeout=10)
                if eq_ping != {}:
                    problems.append("%s: ping answered %r" % (what, eq_ping))
            except Exception as e:  # noqa: BLE001
                problems.append("%s: no ping after: %s" % (what, e))
                break
        if s.bad_lines:
            problems.append("%s: stdout lines that are not JSON-RPC: %r" % (name, [b[:200] for b in s.bad_lines[:2]]))
        s.close()
        try:
            recs = read_jsonl(audit)
        except AssertionError as e:
            problems.append("%s: audit: %s" % (name, e))
            recs = []
        by = {}
        for rec in recs:
            if "request_id" in rec:
                by.setdefault(rec["request_id"], []).append(rec)
        for rid, (got, code) in ids.items():
            rs = by.get(rid, [])
            if len(rs) != 1:
                problems.append("%s: %d audit records for %r" % (name, len(rs), rid))
                continue
            st = rs[0].get("status")
            if got == "ok" and st != "ok":
                problems.append("%s: %r answered ok, audit says %r" % (name, rid, st))
            if got != "ok" and st == "ok":
                problems.append("%s: %r answered an error (%s), audit says ok: %s" % (name, rid, code, short(rs[0])))
            if got == "error" and rs[0].get("error") != code:
                problems.append("%s: %r answered %r, audit error %r" % (name, rid, code, rs[0].get("error")))
    finally:
        if s.proc.poll() is None:
            s.kill()
        peer.close()
    return problems


def run_sessions(cases):
    problems = []
    for name, script in cases:
        problems += session(name, script)
    check(not problems, "%d problems: %s" % (len(problems), " || ".join(problems[:6])))


@S.test
def issue_headers_that_are_not_utf8():
    run_sessions([("issue headers", headers_script(ISSUE_HEADERS))])


@S.test
def header_name_that_is_not_a_token():
    run_sessions([("bad header name", headers_script([(b"x-amz-meta-q\xffname", M(b"named badly")),
                                                      (b"Content-Type", b"text/plain")]))])


@S.test
def header_values_of_every_allowed_byte():
    run_sessions([("every allowed byte", headers_script(every_byte_headers(ALLOWED_BYTES))),
                  ("every allowed byte, reversed", headers_script(every_byte_headers(ALLOWED_BYTES[::-1])))])


@S.test
def header_values_with_control_bytes():
    """Bytes HTTP does not allow in a field value: any answer will do (an
    error or the value made safe), as long as it is a valid line with the
    id and nothing raw gets through."""
    run_sessions([("control bytes", headers_script(every_byte_headers(CONTROL_BYTES)))])


@S.test
def xml_text_with_every_class_of_code_point():
    run_sessions([("xml text", xml_script(XML_TEXT)),
                  ("xml text, url-encoded keys", xml_script(XML_TEXT.replace(b"&#10;", b"%0A")
                                                            .replace(b"&#13;", b"%0D") + b"%22%5C%C2%85%E2%80%A8", url=True)),
                  ("xml long values", xml_script(XML_TEXT, short_text=XML_TEXT)),
                  ("xml surrogates as bytes", xml_script(XML_SURROGATE)),
                  ("xml U+FFFE U+FFFF", xml_script(XML_NONCHAR)),
                  ("xml url-encoded surrogate", xml_script(b"%ED%A0%80x%FF", url=True))])


@S.test
def error_documents_with_hostile_text():
    run_sessions([
        ("error doc", error_script(b'Acc"ess\xffDenied\\', b'no\r\nEnd of listing.\r\n"quoted" \\ \xff\xfe \xe2\x80\xa8 \xc2\x85')),
        ("error doc with references", error_script(b"AccessDenied&#10;X", b"line&#10;two&#13;&#10;&quot;q&quot; &#9;")),
        ("error doc, plain code", error_script(b"AccessDenied", b'no&#13;&#10;End of listing.&#10;"q" \\ \xc2\x85 \xe2\x80\xa8 &#9; \xff')),
        ("error doc, plain code, valid UTF-8", error_script(b"SlowDown", b'a&#10;b &quot;c&quot; \\ \xc2\x85 \xe2\x80\xa9 \xf0\x9f\x98\x80')),
        ("error doc surrogates", error_script(b"Sl\xed\xa0\x80owDown", b"\xf0\x9f\x98\x80 \xef\xbf\xbe")),
    ])


@S.test
def line_separators_from_s3_in_text():
    """U+2028 and U+2029 are line breaks to Unicode (str.splitlines,
    JavaScript source): reported apart from the control characters."""
    check(not LINE_SEP_FINDINGS, "%d text blocks hold a raw U+2028/U+2029 from S3: %s"
          % (len(LINE_SEP_FINDINGS), "; ".join(LINE_SEP_FINDINGS[:4])))


@S.test
def no_crash_reports():
    problems = []
    for s in SERVERS:
        for marker in ("AddressSanitizer", "runtime error:", "LeakSanitizer", "Segmentation"):
            if marker in s.stderr:
                problems.append(s.stderr[s.stderr.index(marker):][:300])
    check(not problems, "; ".join(problems[:3]))


if __name__ == "__main__":
    if not binary_ready():
        sys.exit(S.fail_all("build/mcp-s3 is missing (make build/mcp-s3)"))
    sys.exit(S.run(sys.argv[1:]))
