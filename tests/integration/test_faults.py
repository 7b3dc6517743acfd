#!/usr/bin/env python3
"""Faults a real S3 will not produce on cue, from misbehaving loopback
peers (the one place a fake S3 is right): a server that never answers
(deadline, cancellation), and a scripted one (Fake) that truncates bodies,
resets connections, trickles its head or body, answers 500/503/SlowDown
before success (attempts counted, backoff gaps measured), sends malformed,
deep or endless XML, endless or malformed chunked bodies, huge heads, wrong
framing and redirects, and TLS listeners that send garbage, close in the
handshake or present an untrusted certificate. Each must give a precise
isError within S3_TIMEOUT, keep memory bounded (VmRSS/VmHWM) and leave the
server serving the next call. No RGW needed."""
import json
import os
import shutil
import socket
import ssl
import struct
import subprocess
import sys
import tempfile
import threading
import time

import mcptest
from mcptest import Server, Suite, base_env, binary_ready, check, error_text, eq, ok_result

S = Suite("test_faults")


class Peer:
    """A 127.0.0.1 TCP peer: mode 'stall' reads and never answers,
    'cut' answers a 200 with Content-Length 1000 and 10 bytes, then closes."""

    def __init__(self, mode):
        self.mode = mode
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.accepted = threading.Event()
        self.stop = False
        self.conns = []
        self.t = threading.Thread(target=self.loop, daemon=True)
        self.t.start()

    def loop(self):
        deadline = time.monotonic() + 60
        while not self.stop and time.monotonic() < deadline:
            try:
                c, _ = self.sock.accept()
            except socket.timeout:
                continue
            self.conns.append(c)
            self.accepted.set()
            if self.mode == "cut":
                c.settimeout(5)
                try:
                    c.recv(65536)
                    c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n"
                              b"Content-Type: text/plain\r\n\r\n0123456789")
                except OSError:
                    pass
                c.close()

    def endpoint(self):
        return "http://127.0.0.1:%d" % self.port

    def close(self):
        self.stop = True
        self.t.join(5)
        for c in self.conns:
            c.close()
        self.sock.close()


@S.test
def read_deadline_gives_timeout():
    p = Peer("stall")
    try:
        with Server(base_env({"S3_TIMEOUT": "1s"}, p.endpoint())) as s:
            s.initialize()
            t0 = time.monotonic()
            r = s.call("s3_list_buckets", {}, timeout=15)
            took = time.monotonic() - t0
            error_text(r, "Timeout", "stalled server")
            check(took < 10, "the timeout took %.1fs" % took)
            eq(s.result("ping"), {}, "ping after the timeout")
    finally:
        p.close()


@S.test
def cancel_stops_the_call_and_gets_no_answer():
    p = Peer("stall")
    try:
        with Server(base_env({"S3_TIMEOUT": "60s"}, p.endpoint())) as s:
            s.initialize()
            rid = s.new_id()
            s.send({"jsonrpc": "2.0", "id": rid, "method": "tools/call",
                    "params": {"name": "s3_list_objects", "arguments": {"bucket": "abc"}}})
            check(p.accepted.wait(10), "the server never connected to the peer")
            s.notify("notifications/cancelled", {"requestId": rid, "reason": "test"})
            t0 = time.monotonic()
            eq(s.result("ping", timeout=10), {}, "ping after the cancel")
            check(time.monotonic() - t0 < 10, "ping was not answered promptly")
            time.sleep(0.5)
            left = [m for m in s.untaken() if isinstance(m, dict) and m.get("id") == rid]
            eq(left, [], "answers to the cancelled call")
    finally:
        p.close()


@S.test
def cancel_of_another_id_changes_nothing():
    p = Peer("stall")
    try:
        with Server(base_env({"S3_TIMEOUT": "2s"}, p.endpoint())) as s:
            s.initialize()
            rid = s.new_id()
            s.send({"jsonrpc": "2.0", "id": rid, "method": "tools/call",
                    "params": {"name": "s3_list_buckets", "arguments": {}}})
            check(p.accepted.wait(10), "the server never connected to the peer")
            s.notify("notifications/cancelled", {"requestId": "someone-else"})
            r = s.wait_id(rid, timeout=15)
            error_text(r["result"], "Timeout", "uncancelled call")
    finally:
        p.close()


@S.test
def cut_body_is_a_clear_error_and_serving_goes_on():
    p = Peer("cut")
    try:
        with Server(base_env({"S3_TIMEOUT": "5s"}, p.endpoint())) as s:
            s.initialize()
            r = s.call("s3_get_object", {"bucket": "abc", "key": "k"}, timeout=20)
            check(r.get("isError") is True, "a cut body must be an error: %s" % r)
            t = r["content"][0]["text"]
            check(t.split(":")[0] in ("NetworkError", "BadResponse"), "code of %r" % t[:200])
            eq(s.result("ping"), {}, "ping after the cut body")
    finally:
        p.close()


@S.test
def eof_with_a_call_in_flight_still_answers_it():
    p = Peer("stall")
    try:
        s = Server(base_env({"S3_TIMEOUT": "1s"}, p.endpoint()))
        s.initialize()
        rid = s.new_id()
        s.send({"jsonrpc": "2.0", "id": rid, "method": "tools/call",
                "params": {"name": "s3_list_buckets", "arguments": {}}})
        check(p.accepted.wait(10), "the server never connected to the peer")
        s.proc.stdin.close()
        r = s.wait_id(rid, timeout=15)
        error_text(r["result"], "Timeout", "call answered after EOF")
        eq(s.wait_exit(15), 0, "exit status after EOF")
    finally:
        p.close()


@S.test
def input_arriving_during_a_call_does_not_corrupt_it():
    """While a call waits, stdin is read into the reader's buffer, which
    may move. The call's id (for the audit record) and the rest of a batch
    must survive that."""
    import json as _json
    import os
    import tempfile
    p = Peer("stall")
    d = tempfile.mkdtemp()
    audit = os.path.join(d, "audit.log")
    try:
        env = base_env({"S3_TIMEOUT": "1s", "MCP_S3_AUDIT_FILE": audit}, p.endpoint())
        with Server(env) as s:
            s.initialize("2025-03-26")
            batch = [{"jsonrpc": "2.0", "id": "call-%d" % i, "method": "tools/call",
                      "params": {"name": "s3_list_buckets", "arguments": {}}} for i in range(2)]
            batch.append({"jsonrpc": "2.0", "id": "after", "method": "ping"})
            s.send_raw((_json.dumps(batch) + "\n").encode())
            check(p.accepted.wait(10), "the server never connected to the peer")
            # Plenty of input while the first call waits: the buffer grows.
            for i in range(200):
                s.send({"jsonrpc": "2.0", "id": "q%d" % i, "method": "ping", "params": {"pad": "x" * 2000}})
            r = s.wait(lambda m: isinstance(m, list), timeout=20, what="the batch answer")
            eq([m.get("id") for m in r], ["call-0", "call-1", "after"], "batch answer ids")
            for i in range(200):
                eq(s.wait_id("q%d" % i, timeout=20).get("result"), {}, "ping q%d" % i)
        recs = [_json.loads(l) for l in open(audit)]
        eq([x.get("request_id") for x in recs], ["call-0", "call-1"], "audit request ids")
    finally:
        p.close()


@S.test
def connections_fail_on_their_own():
    import json as _json
    p = Peer("stall")
    try:
        extra = {"slow": {"endpoint": p.endpoint(), "timeout": 1},
                 "fine": {"endpoint": "http://127.0.0.1:%d" % closed_port_num()}}
        with Server(base_env({"S3_TIMEOUT": "10s", "S3_ADDITIONAL_CONNECTIONS": _json.dumps(extra)})) as s:
            s.initialize()
            r = s.call("s3_list_connections", {})
            eq([c["name"] for c in r["structuredContent"]["connections"]], ["default", "slow", "fine"],
               "connection order")
            t0 = time.monotonic()
            error_text(s.call("s3_list_buckets", {"connection": "slow"}, timeout=15), "Timeout", "slow")
            check(time.monotonic() - t0 < 8, "the slow connection used its own 1 s timeout")
            error_text(s.call("s3_list_buckets", {"connection": "fine"}), "NetworkError", "fine")
            error_text(s.call("s3_list_buckets", {"connection": "nope"}), "ConnectionNotFound", "nope")
    finally:
        p.close()



# --- a scripted misbehaving S3 ---------------------------------------------
#
# Fake accepts any number of connections and, for each request it reads,
# runs its current script: script(conn, req) does whatever it likes with
# the socket and returns True to keep the connection for another request.
# Every request is recorded with its arrival time (for attempt counts and
# backoff gaps).

LIST_XML = (b'<?xml version="1.0" encoding="UTF-8"?>'
            b'<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
            b'<Name>abc</Name><Prefix></Prefix><KeyCount>1</KeyCount><MaxKeys>1000</MaxKeys>'
            b'<IsTruncated>false</IsTruncated><Contents><Key>good-key</Key>'
            b'<LastModified>2026-01-02T03:04:05.000Z</LastModified><ETag>"x"</ETag>'
            b'<Size>5</Size><StorageClass>STANDARD</StorageClass></Contents>'
            b'</ListBucketResult>')
LIST_HEAD = b'<?xml version="1.0"?><ListBucketResult><Name>abc</Name><IsTruncated>false</IsTruncated>'


def error_xml(code, message):
    return ('<?xml version="1.0" encoding="UTF-8"?><Error><Code>%s</Code><Message>%s</Message>'
            '<RequestId>req-fault</RequestId></Error>' % (code, message)).encode()


def response(status, body=b"", headers=(), reason=b"X"):
    h = b"HTTP/1.1 %d %s\r\n" % (status, reason)
    for k, v in headers:
        h += k + b": " + v + b"\r\n"
    if not any(k.lower() in (b"content-length", b"transfer-encoding") for k, _ in headers):
        h += b"Content-Length: %d\r\n" % len(body)
    return h + b"\r\n" + body


def ok_for(req):
    """A correct answer to a list or get request."""
    if req["method"] == "GET" and "list-type" in req["target"]:
        return response(200, LIST_XML, [(b"Content-Type", b"application/xml")])
    if req["method"] == "GET" and req["target"].startswith("/abc/"):
        return response(206, b"hello", [(b"Content-Range", b"bytes 0-4/5")])
    return response(200, b"", [(b"ETag", b'"e"')])


def rst(c):
    """Closes with a TCP RST instead of a FIN."""
    try:
        c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        c.close()
    except OSError:
        pass


def send(c, data):
    try:
        c.sendall(data)
        return True
    except OSError:
        return False


def trickle(c, data, every):
    for i in range(len(data)):
        if not send(c, data[i:i + 1]):
            return
        time.sleep(every)


ENDLESS_SENT = [0]      # most bytes one endless() sent since the last reset


def endless(c, head, piece, limit=256 << 20, seconds=30):
    """Sends head, then piece again and again until the client hangs up
    (or limit bytes / seconds, a safety stop that ends in a FIN the client
    would see as a truncation)."""
    if not send(c, head):
        return
    sent, t0 = 0, time.monotonic()
    while sent < limit and time.monotonic() - t0 < seconds:
        if not send(c, piece):
            break
        sent += len(piece)
    ENDLESS_SENT[0] = max(ENDLESS_SENT[0], sent)


class Fake:
    def __init__(self, tls_context=None):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.tls = tls_context
        self.script = lambda c, req: send(c, ok_for(req))
        self.requests = []
        self.lock = threading.Lock()
        self.stop = False
        self.t = threading.Thread(target=self.loop, daemon=True)
        self.t.start()

    def endpoint(self):
        if self.tls:
            return "https://localhost:%d" % self.port
        return "http://127.0.0.1:%d" % self.port

    def reset(self, script):
        with self.lock:
            self.requests = []
            self.script = script

    def attempts(self):
        with self.lock:
            return len(self.requests)

    def times(self):
        with self.lock:
            return [r["t"] for r in self.requests]

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
            if self.tls is not None:
                if callable(self.tls):
                    self.tls(c)   # a raw TLS misbehaviour
                    return
                c = self.tls.wrap_socket(c, server_side=True)
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
                body, buf = buf[:n], buf[n:]
                req = {"t": time.monotonic(), "method": method, "target": target,
                       "headers": hdrs, "body": body}
                with self.lock:
                    self.requests.append(req)
                    script = self.script
                if not script(c, req):
                    return
        except (OSError, ssl.SSLError, ValueError):
            pass
        finally:
            try:
                c.close()
            except OSError:
                pass

    def close(self):
        self.stop = True
        self.t.join(5)
        self.sock.close()


def status_kib(pid, field):
    with open("/proc/%d/status" % pid) as f:
        for ln in f:
            if ln.startswith(field + ":"):
                return int(ln.split()[1])
    raise AssertionError("no %s in /proc/%d/status" % (field, pid))


# Under qemu-user (the ARM runs of tests/run.sh), valgrind or ASan the server
# is slower and its RSS is the emulator's or the sanitizer's: time bounds
# stretch and memory is only bounded loosely there.
NATIVE = not (mcptest.BINARY.endswith(".qemu") or mcptest.VALGRIND or "asan" in mcptest.BINARY)
SLOW = 1 if NATIVE else 5
TIMEOUT_S = 1.0          # S3_TIMEOUT of the fault server
GET = ("s3_get_object", {"bucket": "abc", "key": "k"})
LIST = ("s3_list_objects", {"bucket": "abc"})


def expect_error(s, fake, script, tool, codes, needles, what, attempts=None, within=None):
    """Runs one call against script; asserts an isError whose code is one
    of codes and whose text holds every needle (case-insensitive), the
    attempt count, the time taken, and that the server answers the next call
    correctly. Returns the error text."""
    fake.reset(script)
    ENDLESS_SENT[0] = 0
    t0 = time.monotonic()
    r = s.call(tool[0], tool[1], timeout=60)
    took = time.monotonic() - t0
    check(r.get("isError") is True, "%s: expected an error, got %s" % (what, str(r)[:300]))
    t = r["content"][0]["text"]
    code = t.split(":")[0]
    check(code in codes, "%s: code %r not in %s: %r" % (what, code, codes, t[:300]))
    for n in needles:
        check(n.lower() in t.lower(), "%s: %r not in %r" % (what, n, t[:400]))
    if attempts is not None:
        eq(fake.attempts(), attempts, "%s: requests the fake server received" % what)
    limit = (within if within is not None else TIMEOUT_S + 3) * SLOW
    check(took < limit, "%s: took %.1fs (limit %.1fs)" % (what, took, limit))
    # An endless body is read up to a limit (8 MiB for XML), not forever.
    check(ENDLESS_SENT[0] < 32 << 20, "%s: the client read %d MiB of an endless body" %
          (what, ENDLESS_SENT[0] >> 20))
    # The server goes on serving, on a fresh or a kept socket.
    fake.reset(lambda c, req: send(c, ok_for(req)))
    sc = ok_result(s.call(LIST[0], LIST[1], timeout=20), "%s: the next call" % what)
    eq([o["key"] for o in sc.get("objects", [])], ["good-key"], "%s: the next listing" % what)
    return t


FAULTS = []     # (name, tool, script, codes, needles, attempts)


def fault(name, tool, codes, needles=(), attempts=None, within=None):
    def deco(script):
        FAULTS.append((name, tool, script, codes, needles, attempts, within))
        return script
    return deco


# Truncated bodies: Content-Length larger than what is sent, then FIN.
@fault("truncated listing", LIST, ("NetworkError",), ["closed before the response was complete"], 1)
def _(c, req):
    send(c, response(200, LIST_XML[:60], [(b"Content-Length", b"%d" % len(LIST_XML))]))


@fault("truncated object body", GET, ("NetworkError",), ["closed before the response was complete"], 1)
def _(c, req):
    send(c, b"HTTP/1.1 206 Partial\r\nContent-Range: bytes 0-999/1000\r\n"
            b"Content-Length: 1000\r\n\r\n" + b"x" * 10)


# Resets: before any byte (retried: idempotent), inside the head, inside the body.
# The socket of the call before is kept alive, so the first reset looks like
# a stale socket and is replaced once on top of the 4 attempts (http.h).
@fault("reset before headers", LIST, ("NetworkError",), ["reset", "gave up after 5 attempts"], 5)
def _(c, req):
    rst(c)


@fault("reset mid-headers", LIST, ("NetworkError",), ["reset"], 1)
def _(c, req):
    send(c, b"HTTP/1.1 200 OK\r\nContent-Type: appl")
    time.sleep(0.05)
    rst(c)


@fault("reset mid-body", GET, ("NetworkError",), ["reset"], 1)
def _(c, req):
    send(c, b"HTTP/1.1 206 Partial\r\nContent-Range: bytes 0-999/1000\r\n"
            b"Content-Length: 1000\r\n\r\n" + b"x" * 100)
    time.sleep(0.05)
    rst(c)


# Slowloris: a head that never completes though bytes keep coming, and a
# body slower than the idle deadline.
@fault("head a byte every 0.3 s", LIST, ("Timeout",), ["S3_TIMEOUT"], 1, TIMEOUT_S + 1)
def _(c, req):
    trickle(c, response(200, LIST_XML), 0.3)


@fault("body slower than the idle deadline", GET, ("Timeout",), ["S3_TIMEOUT"], 1, TIMEOUT_S + 1)
def _(c, req):
    send(c, b"HTTP/1.1 206 Partial\r\nContent-Range: bytes 0-4/5\r\nContent-Length: 5\r\n\r\nh")
    time.sleep(TIMEOUT_S + 1.5)


# Malformed XML.
@fault("bad nesting", LIST, ("BadResponse",), ["listing is not valid"], 1)
def _(c, req):
    return send(c, response(200, LIST_HEAD + b"<Contents><Key>a</Size></Contents></ListBucketResult>"))


@fault("wrong root", LIST, ("BadResponse",), ["listing is not valid"], 1)
def _(c, req):
    return send(c, response(200, b'<?xml version="1.0"?><Nonsense><Name>abc</Name></Nonsense>'))


@fault("garbage bytes", LIST, ("BadResponse",), ["listing is not valid"], 1)
def _(c, req):
    return send(c, response(200, bytes(range(256)) * 4))


@fault("deep nesting", LIST, ("BadResponse",), ["listing is not valid"], 1)
def _(c, req):
    return send(c, response(200, LIST_HEAD + b"<a>" * 100000 + b"</a>" * 100000 + b"</ListBucketResult>"))


@S.test
def invalid_utf8_keys():
    """Raw bytes that are not UTF-8 make the XML malformed: a clear error.
    A url-encoded key (encoding-type=url, which the client asks for) that
    decodes to invalid UTF-8 cannot reach JSON: the listing leaves it out,
    counts it, says so, and serves the rest of the page."""
    fake = Fake()
    raw = (LIST_HEAD + b"<Contents><Key>bad-\xff\xfe-key</Key><Size>1</Size></Contents>"
           b"</ListBucketResult>")
    encoded = (b'<?xml version="1.0"?><ListBucketResult><Name>abc</Name><EncodingType>url</EncodingType>'
               b"<IsTruncated>false</IsTruncated>"
               b"<Contents><Key>bad-%FF%FE-key</Key><Size>1</Size></Contents>"
               b"<Contents><Key>over%C0%AFlong</Key><Size>1</Size></Contents>"
               b"<Contents><Key>good-key</Key><Size>5</Size></Contents></ListBucketResult>")
    try:
        with Server(base_env({"S3_TIMEOUT": "2s"}, fake.endpoint())) as s:
            s.initialize()
            fake.reset(lambda c, req: send(c, response(200, raw)))
            t = error_text(s.call(*LIST), "BadResponse", "raw invalid UTF-8 in a key")
            check("malformed XML" in t, "reason in %r" % t[:300])
            check("encoding-type=url" in fake.requests[0]["target"], "the listing did not ask for url encoding")
            fake.reset(lambda c, req: send(c, response(200, encoded)))
            r = s.call(*LIST)
            sc = ok_result(r, "listing with url-encoded invalid UTF-8 keys")
            eq([o["key"] for o in sc["objects"]], ["good-key"], "keys shown")
            t = r["content"][0]["text"]
            check("2 keys in this page are not valid UTF-8" in t, "no notice in %r" % t[:400])
            check(all(ln.startswith(b"{") for ln in s.raw), "stdout is not JSON lines")
    finally:
        fake.close()


# Endless bodies: memory stays bounded and the call ends.
@fault("endless listing (read until close)", LIST, ("BadResponse",), ["listing is too large"], 1, 10)
def _(c, req):
    endless(c, b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n" + LIST_HEAD,
            b"<Contents><Key>k</Key><Size>1</Size></Contents>" * 1000)


@fault("endless listing of unknown elements (chunked)", LIST, ("BadResponse",), ["listing is too large"], 1, 10)
def _(c, req):
    piece = b"<Unknown>" + b"x" * 1000 + b"</Unknown>" + b" " * 50000
    endless(c, b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n%x\r\n%s\r\n" % (len(LIST_HEAD), LIST_HEAD),
            b"%x\r\n%s\r\n" % (len(piece), piece))


@fault("endless chunked object body", GET, ("BadResponse",), ["more than was asked for"], 1, 10)
def _(c, req):
    endless(c, b"HTTP/1.1 206 Partial\r\nContent-Range: bytes 0-4/5\r\nTransfer-Encoding: chunked\r\n\r\n",
            b"10000\r\n" + b"z" * 0x10000 + b"\r\n")


@fault("endless error body", LIST, ("InternalError",), ["HTTP 500", "gave up after 4 attempts"], 4, 10)
def _(c, req):
    # A 500 whose body never ends: the client must neither buffer it nor
    # read it forever (each retry reads one, too).
    endless(c, b"HTTP/1.1 500 Oops\r\nConnection: close\r\n\r\n" + error_xml("InternalError", "x")[:-8],
            b" " * 65536)


DELETE = ("s3_delete_object", {"bucket": "abc", "key": "k"})
COPY = ("s3_copy_object", {"source_bucket": "abc", "source_key": "a", "dest_bucket": "abc", "dest_key": "b"})


@fault("endless body of a delete", DELETE, ("BadResponse",), ["more than was asked for"], 1, 10)
def _(c, req):
    endless(c, b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n", b" " * 65536)


@fault("endless copy result (whitespace)", COPY, ("BadResponse",), [], 1, 10)
def _(c, req):
    endless(c, b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n<?xml version=\"1.0\"?>", b" " * 65536)


# Chunk framing.
@fault("chunk size overflow", LIST, ("BadResponse",), ["framing"], 1)
def _(c, req):
    send(c, b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1ffffffffffffffff\r\nabc")


@fault("negative chunk size", LIST, ("BadResponse",), ["malformed"], 1)
def _(c, req):
    send(c, b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n-5\r\nabc")


@fault("chunk without its CRLF", LIST, ("BadResponse",), ["malformed"], 1)
def _(c, req):
    send(c, b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n<?xmlXX0\r\n\r\n")


# Huge heads.
@fault("one 1 MiB header line", LIST, ("BadResponse",), ["too large"], 1)
def _(c, req):
    send(c, b"HTTP/1.1 200 OK\r\nX-Big: " + b"b" * (1 << 20) + b"\r\nContent-Length: 0\r\n\r\n")


@fault("10,000 header lines", LIST, ("BadResponse",), ["too large"], 1)
def _(c, req):
    send(c, b"HTTP/1.1 200 OK\r\n" + b"".join(b"X-H%d: v\r\n" % i for i in range(10000)) +
         b"Content-Length: 0\r\n\r\n")


# Wrong framing.
@fault("body shorter than Content-Length says is not sent (keep-alive)", LIST, ("BadResponse",),
       ["listing is not valid"], 1)
def _(c, req):
    # Content-Length shorter than the body: the parser stops at the length
    # (the XML is cut), and the extra bytes must not poison the next call.
    send(c, response(200, LIST_XML, [(b"Content-Length", b"%d" % (len(LIST_XML) - 30))]))
    return True


@fault("two conflicting Content-Length", LIST, ("BadResponse",), ["framing"], 1)
def _(c, req):
    send(c, b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!")


@fault("Content-Length with Transfer-Encoding", LIST, ("BadResponse",), ["framing"], 1)
def _(c, req):
    send(c, b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")


# Redirects are never followed: DECOY, another server, must see nothing.
DECOY = []      # [Fake] while the fault test runs


def decoy_url(path):
    return ("http://127.0.0.1:%d%s" % (DECOY[0].port, path)).encode()


@fault("302 to another host", GET, ("Redirect",), ["302", "not followed"], 1)
def _(c, req):
    send(c, response(302, b"", [(b"Location", decoy_url("/abc/k"))]))


@fault("307 TemporaryRedirect to another host", LIST, ("TemporaryRedirect", "Redirect"), ["307"], 1)
def _(c, req):
    send(c, response(307, error_xml("TemporaryRedirect", "Please re-send this request to the "
                                     "specified temporary endpoint."),
                     [(b"Location", decoy_url("/abc?list-type=2"))]))


@fault("301 without region", LIST, ("PermanentRedirect",), ["301"], 1)
def _(c, req):
    send(c, response(301, error_xml("PermanentRedirect", "The bucket you are attempting to access must "
                                     "be addressed using the specified endpoint.")))


@S.test
def faults_give_clear_errors_and_bounded_memory():
    fake = Fake()
    DECOY[:] = [Fake()]
    failures = []
    try:
        env = base_env({"S3_TIMEOUT": "%gs" % TIMEOUT_S, "MCP_S3_MAX_GET_SIZE": "1MiB",
                        "MCP_S3_EXT_READONLY": "false"}, fake.endpoint())
        with Server(env) as s:
            s.initialize()
            ok_result(s.call(*LIST), "warm-up listing")
            ok_result(s.call(*GET), "warm-up get")
            rss0 = status_kib(s.proc.pid, "VmRSS")
            for name, tool, script, codes, needles, attempts, within in FAULTS:
                t0 = time.monotonic()
                try:
                    t = expect_error(s, fake, script, tool, codes, needles, name, attempts, within)
                    print("# %-50s %5.2fs %s" % (name, time.monotonic() - t0, t[:150]), flush=True)
                except AssertionError as e:
                    failures.append(str(e))
                    print("# FAILED %s: %s" % (name, e), flush=True)
                check(s.proc.poll() is None, "the server died at %s: %s" % (name, s.stderr[-500:]))
                check(DECOY[0].attempts() == 0, "%s: a request went to the redirect target" % name)
            rss1 = status_kib(s.proc.pid, "VmRSS")
            hwm = status_kib(s.proc.pid, "VmHWM")
            print("# VmRSS %d KiB after warm-up, %d KiB after %d faults, VmHWM %d KiB" %
                  (rss0, rss1, len(FAULTS), hwm), flush=True)
            # Nothing is held after a fault; the peak stays within the
            # buffers the limits allow (the XML is streamed, a 1 MiB window).
            if NATIVE:
                check(rss1 - rss0 < 4 * 1024, "VmRSS grew by %d KiB" % (rss1 - rss0))
                check(hwm < 24 * 1024, "VmHWM %d KiB" % hwm)
            else:
                check(rss1 - rss0 < 128 * 1024, "VmRSS grew by %d KiB" % (rss1 - rss0))
    finally:
        fake.close()
        DECOY[0].close()
    check(not failures, "%d of %d faults: %s" % (len(failures), len(FAULTS), " | ".join(failures)))



@S.test
def chunk_extensions_and_trailers_are_accepted():
    """Valid but unusual framing must not be mistaken for a fault: chunk
    extensions (quoted too), a trailer, tiny chunks; then the same socket
    serves again."""
    fake = Fake()

    def chunked(c, req):
        if "list-type" in req["target"]:
            body, head = LIST_XML, b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        else:
            body = b"hello"
            head = (b"HTTP/1.1 206 Partial\r\nContent-Range: bytes 0-4/5\r\n"
                    b"Transfer-Encoding: chunked\r\n\r\n")
        out, i, n = head, 0, 1
        while i < len(body):
            piece = body[i:i + n]
            out += b"%x;ext=1;q=\"a b\"\r\n%s\r\n" % (len(piece), piece)
            i, n = i + n, n * 3
        return send(c, out + b"0;last\r\nX-Trailer: t\r\n\r\n")
    try:
        with Server(base_env({"S3_TIMEOUT": "2s"}, fake.endpoint())) as s:
            s.initialize()
            fake.reset(chunked)
            for i in range(2):
                sc = ok_result(s.call(*LIST), "chunked listing %d" % i)
                eq([o["key"] for o in sc["objects"]], ["good-key"], "chunked listing %d" % i)
                r = s.call(*GET)
                ok_result(r, "chunked get %d" % i)
                check("hello" in json.dumps(r), "the object body is missing: %s" % str(r)[:300])
            eq(fake.attempts(), 4, "requests (no retries)")
    finally:
        fake.close()


# --- retries and backoff ------------------------------------------------------

BACKOFF_BASE, BACKOFF_CAP, MAX_ATTEMPTS = 0.100, 2.000, 4     # limits.h HTTP_BACKOFF_*
SLOWDOWN = response(503, error_xml("SlowDown", "Please reduce your request rate."))
INTERNAL = response(500, error_xml("InternalError", "We encountered an internal error."))
COPY_OK = response(200, b'<?xml version="1.0"?><CopyObjectResult><ETag>"e"</ETag>'
                        b'<LastModified>2026-01-02T03:04:05.000Z</LastModified></CopyObjectResult>')


def fail_then_ok(failures, ok=None):
    """The first len(failures) requests get those answers, the rest ok."""
    def script(c, req):
        with FAKE_LOCK:
            i = len(SEEN)
            SEEN.append(req)
        if i < len(failures):
            return send(c, failures[i])
        return send(c, ok if ok is not None else ok_for(req))
    SEEN.clear()
    return script


FAKE_LOCK = threading.Lock()
SEEN = []


def writes_env(fake, timeout="2s"):
    return base_env({"S3_TIMEOUT": timeout, "MCP_S3_EXT_READONLY": "false"}, fake.endpoint())


@S.test
def idempotent_requests_are_retried_until_they_succeed():
    fake = Fake()
    try:
        with Server(writes_env(fake)) as s:
            s.initialize()
            cases = [
                ("list after 500, 503, SlowDown", LIST, [INTERNAL, response(503), SLOWDOWN], None),
                ("get after SlowDown", GET, [SLOWDOWN], None),
                ("head after 503 (no body)", ("s3_get_object_metadata", {"bucket": "abc", "key": "k"}),
                 [response(503), response(503)], response(200, b"", [(b"Content-Length", b"5")])),
                ("put after 500", ("s3_put_object", {"bucket": "abc", "key": "k", "content": "hi"}),
                 [INTERNAL], None),
                ("delete after SlowDown", ("s3_delete_object", {"bucket": "abc", "key": "k"}),
                 [SLOWDOWN, SLOWDOWN], response(204)),
                ("copy after 503", ("s3_copy_object", {"source_bucket": "abc", "source_key": "a",
                                                       "dest_bucket": "abc", "dest_key": "b"}),
                 [SLOWDOWN], COPY_OK),
            ]
            for what, tool, failures, ok in cases:
                fake.reset(fail_then_ok(failures, ok))
                r = s.call(tool[0], tool[1], timeout=30)
                ok_result(r, what)
                eq(fake.attempts(), len(failures) + 1, "%s: requests received" % what)
    finally:
        fake.close()


@S.test
def retries_give_up_after_max_attempts_with_growing_capped_backoff():
    """Full jitter: the gap before retry k is uniform in [0, min(cap,
    base*2^(k-1))]. Each gap must stay under its bound (plus slack for a
    busy machine), the gaps must grow on average, and they must vary."""
    fake = Fake()
    slack = 0.25 * SLOW
    rounds = 12
    gaps = [[] for _ in range(MAX_ATTEMPTS - 1)]
    try:
        with Server(writes_env(fake)) as s:
            s.initialize()
            for i in range(rounds):
                fake.reset(lambda c, req: send(c, SLOWDOWN))
                t0 = time.monotonic()
                t = error_text(s.call(*LIST), "SlowDown", "always SlowDown")
                took = time.monotonic() - t0
                check("gave up after %d attempts" % MAX_ATTEMPTS in t.lower(), "attempts in %r" % t[:300])
                check("HTTP 503" in t and "reduce your request rate" in t, "text %r" % t[:300])
                ts = fake.times()
                eq(len(ts), MAX_ATTEMPTS, "round %d: requests received" % i)
                for k in range(1, MAX_ATTEMPTS):
                    g = ts[k] - ts[k - 1]
                    bound = min(BACKOFF_CAP, BACKOFF_BASE * 2 ** (k - 1))
                    check(g <= bound + slack, "round %d: gap %d was %.3fs, bound %.3fs" % (i, k, g, bound))
                    gaps[k - 1].append(g)
                total = sum(min(BACKOFF_CAP, BACKOFF_BASE * 2 ** k) for k in range(MAX_ATTEMPTS - 1))
                check(took < total + 1.0 * SLOW, "round %d took %.2fs (backoff at most %.2fs)" % (i, took, total))
    finally:
        fake.close()
    means = [sum(g) / len(g) for g in gaps]
    print("# mean backoff gaps: %s s (bounds %s s)" % (
        ", ".join("%.3f" % m for m in means),
        ", ".join("%.1f" % min(BACKOFF_CAP, BACKOFF_BASE * 2 ** k) for k in range(MAX_ATTEMPTS - 1))), flush=True)
    # Expected means 0.05, 0.1, 0.2 s.
    check(means[-1] > means[0] + 0.05, "the gaps do not grow: means %s" % means)
    check(max(gaps[-1]) > 0.1 and max(gaps[-1]) - min(gaps[-1]) > 0.05,
          "the last gap does not vary (no jitter?): %s" % gaps[-1])


@S.test
def non_idempotent_requests_are_not_retried():
    """A conditional PUT (if_none_match) is not idempotent: a second try
    would answer PreconditionFailed for the caller's own write."""
    fake = Fake()
    put = ("s3_put_object", {"bucket": "abc", "key": "k", "content": "hi", "if_none_match": True})
    try:
        with Server(writes_env(fake)) as s:
            s.initialize()
            fake.reset(lambda c, req: send(c, SLOWDOWN))
            t = error_text(s.call(*put), "SlowDown", "conditional put on SlowDown")
            eq(fake.attempts(), 1, "conditional put on SlowDown: requests received")
            check("attempts" not in t, "a single attempt claims retries: %r" % t[:300])
            check(fake.requests[0]["headers"].get("if-none-match") == "*", "If-None-Match was not sent")
            # Read, then reset, on a kept-alive socket: the peer may have
            # acted on it, so it is not sent again.
            fake.reset(lambda c, req: send(c, ok_for(req)))
            ok_result(s.call(*LIST), "listing to keep a socket")
            fake.reset(lambda c, req: rst(c))
            error_text(s.call(*put), "NetworkError", "conditional put on a reset")
            eq(fake.attempts(), 1, "conditional put on a reset: requests received")
            # The same put without the condition is retried.
            fake.reset(lambda c, req: rst(c))
            put2 = (put[0], dict(put[1], if_none_match=False))
            t = error_text(s.call(*put2), "NetworkError", "plain put on resets")
            check(fake.attempts() >= MAX_ATTEMPTS, "plain put: %d requests" % fake.attempts())
            check("gave up after" in t, "attempts in %r" % t[:300])
    finally:
        fake.close()


# --- TLS ---------------------------------------------------------------------

def self_signed(d):
    """A throwaway certificate for localhost (the TLS cases use the name:
    BearSSL matches DNS names, not IP addresses)."""
    crt, key = os.path.join(d, "crt.pem"), os.path.join(d, "key.pem")
    if shutil.which("openssl") is None:
        return None
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                    "-nodes", "-days", "2", "-subj", "/CN=localhost", "-addext",
                    "subjectAltName=DNS:localhost", "-keyout", key, "-out", crt],
                   check=True, capture_output=True, timeout=60)
    return crt, key


def tls_garbage(c):
    c.recv(65536)
    send(c, b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n" + bytes(range(256)))
    time.sleep(0.2)


def tls_close_early(c):
    c.recv(65536)       # the ClientHello, then a FIN
    c.close()


def tls_reset_early(c):
    c.recv(65536)
    rst(c)


@S.test
def tls_failures_are_tls_errors_with_a_reason():
    d = tempfile.mkdtemp()
    pair = self_signed(d)
    check(pair is not None, "openssl is needed for the TLS cases (scripts/deps.sh installs it)")
    crt, key = pair
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(crt, key)
    cases = [
        ("garbage instead of a ServerHello", tls_garbage, ("TLSError",)),
        ("close during the handshake", tls_close_early, ("TLSError",)),
        ("reset during the handshake", tls_reset_early, ("TLSError", "NetworkError")),
        ("self-signed certificate", ctx, ("TLSError",)),
    ]
    problems = []
    for what, how, codes in cases:
        fake = Fake(tls_context=how)
        try:
            with Server(base_env({"S3_TIMEOUT": "2s"}, fake.endpoint())) as s:
                s.initialize()
                t0 = time.monotonic()
                r = s.call(*LIST, timeout=30)
                took = time.monotonic() - t0
                t = r["content"][0]["text"] if r.get("isError") else ""
                code, _, reason = t.partition(": ")
                print("# %-35s %.2fs %s" % (what, took, t[:200]), flush=True)
                if r.get("isError") is not True or code not in codes:
                    problems.append("%s: want %s, got %r" % (what, codes, t[:300] or r))
                elif len(reason.split("(endpoint")[0].strip()) < 10:
                    problems.append("%s: no reason in %r" % (what, t[:300]))
                if took > 5 * SLOW:
                    problems.append("%s took %.1fs" % (what, took))
                eq(s.result("ping"), {}, "%s: ping after" % what)
        finally:
            fake.close()
    # The same listener, trusted: the fake TLS server itself works, so the
    # failures above are the client's judgement, not a broken fixture.
    fake = Fake(tls_context=ctx)
    try:
        with Server(base_env({"S3_TIMEOUT": "2s", "AWS_CA_BUNDLE": crt}, fake.endpoint())) as s:
            s.initialize()
            sc = ok_result(s.call(*LIST, timeout=30), "listing over trusted TLS")
            eq([o["key"] for o in sc.get("objects", [])], ["good-key"], "listing over TLS")
    finally:
        fake.close()
    check(not problems, "; ".join(problems))


def closed_port_num():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port



@S.test
def no_sanitizer_or_crash_reports():
    """Under ASan/UBSan (tests/run.sh runs the suites on build/asan/mcp-s3
    too) every fault above must leave no report on any server's stderr."""
    problems = []
    for s in Server.instances:
        err = s.stderr
        for marker in ("AddressSanitizer", "runtime error:", "LeakSanitizer", "Segmentation"):
            if marker in err:
                problems.append("%r: %s" % (marker, err[err.index(marker):][:400]))
    check(not problems, "; ".join(problems))

if __name__ == "__main__":
    if not binary_ready():
        sys.exit(S.fail_all("build/mcp-s3 is missing"))
    sys.exit(S.run(sys.argv[1:]))
