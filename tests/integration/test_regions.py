#!/usr/bin/env python3
"""Buckets in another region: a small fake S3 on 127.0.0.1 (one per test)
says "wrong region" the ways S3 does (301 PermanentRedirect with <Region> or
<Endpoint>, 400 AuthorizationHeaderMalformed, x-amz-bucket-region on a 403 or
a HEAD 301) until a request is signed for the bucket's region, read from the
Authorization header's credential scope. Asserts exactly one retry, that the
region is cached (the next call and presigned URLs go straight to it), and a
clear error for a redirect loop or a garbage region. No RGW needed: RGW will
not produce these answers on cue."""
import http.server
import re
import sys
import threading
import urllib.parse

from mcptest import (Server, Suite, base_env, binary_ready, check, eq,
                     error_text, ok_result, text_of)

S = Suite("test_regions")

HOME = "us-east-1"          # AWS_REGION of the server under test
AWAY = "eu-west-1"          # where the fake says the bucket lives
SCOPE = re.compile(r"Credential=[^/]+/\d{8}/([^/]+)/s3/aws4_request")

LISTING = ('<?xml version="1.0" encoding="UTF-8"?>'
           '<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
           '<Name>%s</Name><Prefix></Prefix><KeyCount>1</KeyCount>'
           '<MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated>'
           '<EncodingType>url</EncodingType><Contents><Key>hello.txt</Key>'
           '<LastModified>2024-01-01T00:00:00.000Z</LastModified>'
           '<ETag>"5d41402abc4b2a76b9719d911017c592"</ETag><Size>5</Size>'
           '<StorageClass>STANDARD</StorageClass></Contents></ListBucketResult>')


def error_doc(code, message, **extra):
    more = "".join("<%s>%s</%s>" % (k, v, k) for k, v in extra.items())
    return ('<?xml version="1.0" encoding="UTF-8"?><Error><Code>%s</Code>'
            '<Message>%s</Message>%s<RequestId>REQ1</RequestId></Error>'
            % (code, message, more))


class FakeS3:
    """mode: how a request signed for the wrong region is answered.
    'region'   301 PermanentRedirect with <Region>
    'endpoint' 301 PermanentRedirect with <Endpoint> only
    'malformed' 400 AuthorizationHeaderMalformed with <Region>
    'header'   403 AccessDenied with x-amz-bucket-region (HEAD: 301, header)
    'loop'     301 naming whichever region the request was not signed for
    'garbage'  301 naming a region that is not one
    'bare'     301 with no document and no region header (not about regions)
    Buckets whose name starts with "home-" live in HOME and always succeed."""

    def __init__(self, mode):
        self.mode = mode
        self.requests = []   # (method, path, signed region)
        self.tokens = []     # x-amz-security-token of each request
        fake = self

        class H(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def answer(self, status, body=b"", headers=(), length=None):
                self.send_response(status)
                for k, v in headers:
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body) if length is None
                                                      else length))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            def handle_any(self):
                n = int(self.headers.get("Content-Length") or 0)
                if n:
                    self.rfile.read(n)
                m = SCOPE.search(self.headers.get("Authorization", ""))
                signed = m.group(1) if m else ""
                u = urllib.parse.urlsplit(self.path)
                bucket = u.path.lstrip("/").split("/", 1)[0]
                fake.requests.append((self.command, u.path, signed))
                fake.tokens.append(self.headers.get("x-amz-security-token"))
                home = AWAY
                if bucket.startswith("home-"):
                    home = HOME
                if fake.mode == "loop":
                    home = None
                if signed == home:
                    if self.command == "HEAD":
                        self.answer(200, b"", [("Content-Type", "text/plain"),
                                               ("ETag", '"e"')], length=5)
                        return
                    if "list-type=2" in (u.query or ""):
                        self.answer(200, (LISTING % bucket).encode(),
                                    [("Content-Type", "application/xml")])
                    else:
                        self.answer(200, b"hello", [("Content-Type", "text/plain")])
                    return
                other = AWAY if signed != AWAY else HOME
                xml = [("Content-Type", "application/xml")]
                if fake.mode == "region" or fake.mode == "loop":
                    body = error_doc("PermanentRedirect", "The bucket you are "
                                     "attempting to access must be addressed "
                                     "using the specified endpoint.",
                                     Bucket=bucket, Region=other if fake.mode == "loop" else AWAY)
                    self.answer(301, body.encode(), xml)
                elif fake.mode == "endpoint":
                    body = error_doc("PermanentRedirect", "Use the endpoint.",
                                     Bucket=bucket,
                                     Endpoint="%s.s3.%s.amazonaws.com" % (bucket, AWAY))
                    self.answer(301, body.encode(), xml)
                elif fake.mode == "malformed":
                    body = error_doc("AuthorizationHeaderMalformed",
                                     "The authorization header is malformed; "
                                     "the region '%s' is wrong; expecting '%s'"
                                     % (signed, AWAY), Region=AWAY)
                    self.answer(400, body.encode(), xml)
                elif fake.mode == "header":
                    if self.command == "HEAD":
                        self.answer(301, b"", [("x-amz-bucket-region", AWAY)])
                    else:
                        self.answer(403, error_doc("AccessDenied", "Access Denied").encode(),
                                    xml + [("x-amz-bucket-region", AWAY)])
                elif fake.mode == "bare":
                    self.answer(301, b"", [("Location", "http://elsewhere.example/")])
                elif fake.mode == "garbage":
                    body = error_doc("PermanentRedirect", "Go elsewhere.",
                                     Region="Not A Region!")
                    self.answer(301, body.encode(), xml)

            do_GET = do_HEAD = do_PUT = do_DELETE = handle_any

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.httpd.daemon_threads = True
        self.t = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.t.start()

    def endpoint(self):
        return "http://127.0.0.1:%d" % self.httpd.server_address[1]

    def regions(self):
        return [r[2] for r in self.requests]

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def run(mode, fn, settings=None):
    fake = FakeS3(mode)
    try:
        env = base_env(dict({"AWS_REGION": HOME}, **(settings or {})),
                       endpoint=fake.endpoint())
        with Server(env) as srv:
            srv.initialize()
            fn(srv, fake)
    finally:
        fake.close()


def follows_once(mode):
    def body(srv, fake):
        ok_result(srv.call("s3_list_objects", {"bucket": "away"}), mode)
        eq(fake.regions(), [HOME, AWAY], "%s: regions signed for" % mode)
        # Cached: the next call goes straight to the bucket's region.
        ok_result(srv.call("s3_list_objects", {"bucket": "away"}), mode + " again")
        eq(fake.regions(), [HOME, AWAY, AWAY], "%s: second call" % mode)
        # Another bucket still starts from the connection's region.
        ok_result(srv.call("s3_list_objects", {"bucket": "home-b"}), mode + " home")
        eq(fake.regions()[3:], [HOME], "%s: a bucket at home" % mode)
    run(mode, body)


@S.test
def test_301_region_followed_once_and_cached():
    follows_once("region")


@S.test
def test_301_endpoint_followed_once_and_cached():
    follows_once("endpoint")


@S.test
def test_400_authorization_header_malformed_followed():
    follows_once("malformed")


@S.test
def test_403_bucket_region_header_followed():
    follows_once("header")


@S.test
def test_head_301_header_followed():
    def body(srv, fake):
        ok_result(srv.call("s3_get_object_metadata", {"bucket": "away", "key": "k"}),
                  "head")
        eq([(m, r) for m, _, r in fake.requests], [("HEAD", HOME), ("HEAD", AWAY)],
           "HEAD requests")
        got = srv.call("s3_get_object", {"bucket": "away", "key": "k"})
        check(not got.get("isError"), "get after head: %s" % got)
        eq(fake.regions()[2:], [AWAY], "GET goes straight to the cached region")
    run("header", body)


@S.test
def test_presign_uses_cached_region():
    def body(srv, fake):
        sc = ok_result(srv.call("s3_presign_url", {"bucket": "away", "key": "k"}),
                       "presign before")
        check("%%2F%s%%2Fs3%%2F" % HOME in sc["url"], "first presign is for %s: %s"
              % (HOME, sc["url"]))
        ok_result(srv.call("s3_list_objects", {"bucket": "away"}), "list")
        sc = ok_result(srv.call("s3_presign_url", {"bucket": "away", "key": "k"}),
                       "presign after")
        check("%%2F%s%%2Fs3%%2F" % AWAY in sc["url"], "presign after the redirect "
              "is for %s: %s" % (AWAY, sc["url"]))
        check(sc["url"].startswith(fake.endpoint() + "/away/k?"),
              "a custom endpoint keeps its host: %s" % sc["url"])
    run("region", body)


@S.test
def test_session_token_sent_on_both_tries():
    tok = "session-token-for-the-fake-%d" % id(S)

    def body(srv, fake):
        ok_result(srv.call("s3_list_objects", {"bucket": "away"}), "with token")
        eq(fake.regions(), [HOME, AWAY], "regions")
        eq(fake.tokens, [tok, tok], "x-amz-security-token on each request")
    run("region", body, {"AWS_SESSION_TOKEN": tok})


@S.test
def test_redirect_loop_is_a_clear_error():
    def body(srv, fake):
        t = error_text(srv.call("s3_list_objects", {"bucket": "away"}),
                       "PermanentRedirect", "loop")
        eq(fake.regions(), [HOME, AWAY], "exactly one retry")
        check("gave up after one retry" in t and AWAY in t, "loop message: %r" % t)
        # The server keeps serving.
        ok_result(srv.call("s3_list_connections"), "after the loop")
    run("loop", body)


@S.test
def test_garbage_region_is_a_clear_error():
    def body(srv, fake):
        t = error_text(srv.call("s3_list_objects", {"bucket": "away"}),
                       "PermanentRedirect", "garbage")
        eq(fake.regions(), [HOME], "no retry for a garbage region")
        check("names no usable region" in t and "Not?A?Region!" in t,
              "garbage message: %r" % t)
        check("The bucket is in region" not in t, "garbage shown as a region: %r" % t)
    run("garbage", body)


@S.test
def test_redirect_without_region_is_not_followed():
    def body(srv, fake):
        t = error_text(srv.call("s3_list_objects", {"bucket": "away"}),
                       "PermanentRedirect", "bare 301")
        eq(fake.regions(), [HOME], "no retry without a region")
        check("names no usable region" not in t and "gave up" not in t,
              "a bare 301 is not taken for a region redirect: %r" % t)
    run("bare", body)


if __name__ == "__main__":
    if not binary_ready():
        sys.exit(S.fail_all("build/mcp-s3 is missing; run make first"))
    sys.exit(S.run(sys.argv[1:]))
