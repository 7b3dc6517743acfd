#!/usr/bin/env python3
"""Faults a real S3 will not produce on cue, from a tiny loopback peer:
a server that accepts and never answers (read deadline, cancellation), and
one that cuts a response short. After each, the server keeps serving."""
import socket
import sys
import threading
import time

from mcptest import Server, Suite, base_env, binary_ready, check, error_text, eq

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


def closed_port_num():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


if __name__ == "__main__":
    if not binary_ready():
        sys.exit(S.fail_all("build/mcp-s3 is missing"))
    sys.exit(S.run(sys.argv[1:]))
