#!/usr/bin/env python3
"""Measurements of build/mcp-s3 for bench/run.sh, printed as one JSON object.

    python3 bench/mcp_bench.py ENDPOINT PRESIGNED_URL RCLONE_CONF PRESIGNED_URL_ASCII

Timings are wall-clock medians of several runs, taken with a lean driver (raw
pipes, the timer stops when the response line has been read, before any JSON
parsing), so the figures are the server's and the network's, not Python's.
Nothing here asserts on time.
"""
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
import seeddata as D  # noqa: E402

BIN = os.environ.get("MCP_S3_BIN", os.path.join(ROOT, "build", "mcp-s3"))
RUNS = int(os.environ.get("BENCH_RUNS", "5"))
AK = os.environ.get("RGW_ACCESS_KEY", "MCPS3TESTACCESSKEY01")
SK = os.environ.get("RGW_SECRET_KEY", "mcp-s3-test-secret-key-0123456789abcdef")
INIT = {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "bench", "version": "0"}}


def env(ep, **extra):
    e = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": "/nonexistent",
         "AWS_EC2_METADATA_DISABLED": "true", "AWS_CONFIG_FILE": "/nonexistent/c",
         "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/c", "AWS_REGION": "us-east-1",
         "AWS_ACCESS_KEY_ID": AK, "AWS_SECRET_ACCESS_KEY": SK,
         "S3_ENDPOINT": ep, "S3_USE_PATH_STYLE": "true"}
    e.update(extra)
    return e


class Lean:
    """build/mcp-s3 on raw pipes; stderr to /dev/null."""

    def __init__(self, ep, **extra):
        self.p = subprocess.Popen([BIN], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.DEVNULL, env=env(ep, **extra))
        self.out = self.p.stdout
        self.n = 0

    def rpc_raw(self, method, params):
        self.n += 1
        self.p.stdin.write(json.dumps({"jsonrpc": "2.0", "id": self.n, "method": method,
                                       "params": params}).encode() + b"\n")
        self.p.stdin.flush()
        while True:
            line = self.out.readline()
            if not line:
                raise RuntimeError("mcp-s3 exited (%s)" % self.p.poll())
            if b'"id":%d,' % self.n in line[:40] or b'"id": %d,' % self.n in line[:40]:
                return line

    def rpc(self, method, params):
        m = json.loads(self.rpc_raw(method, params))
        if "error" in m:
            raise RuntimeError("%s: %s" % (method, m["error"]))
        return m["result"]

    def init(self):
        self.rpc("initialize", INIT)
        self.p.stdin.write(b'{"jsonrpc":"2.0","method":"notifications/initialized"}\n')
        self.p.stdin.flush()

    def status(self):
        st = {}
        with open("/proc/%d/status" % self.p.pid) as f:
            for line in f:
                k, _, v = line.partition(":")
                if k in ("VmRSS", "VmHWM"):
                    st[k] = int(v.split()[0]) * 1024
        return st

    def close(self):
        self.p.stdin.close()
        try:
            return self.p.wait(20)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait(10)
            return None


def median_ms(samples):
    return round(statistics.median(samples) * 1000, 2)


def timed(fn, runs=RUNS):
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def list10(s):
    token, n, calls = None, 0, 0
    while True:
        a = {"bucket": D.BENCH_BUCKET, "max_keys": 1000}
        if token:
            a["continuation_token"] = token
        r = s.rpc("tools/call", {"name": "s3_list_objects", "arguments": a})
        sc = r["structuredContent"]
        n += sc["count"]
        calls += 1
        if not sc["is_truncated"]:
            return n, calls
        token = sc["next_continuation_token"]


def main():
    ep, url, rclone_conf, url_ascii = sys.argv[1:5]
    res = {"runs": RUNS}
    res["binary_bytes"] = os.path.getsize(BIN)

    # RSS after initialize
    s = Lean(ep)
    s.init()
    s.rpc("tools/list", {})
    res["rss_after_init"] = s.status()
    s.close()

    # A whole 8 MiB text object, over the calls the message budget takes
    # (default 8 MiB), vs curl of a presigned URL; the 56%-non-ASCII text and
    # the ASCII one.
    for name, key, want, u in (("get8m", D.BENCH_BIG_KEY, D.bench_text(), url),
                               ("get8m_ascii", D.BENCH_ASCII_KEY, D.bench_ascii(), url_ascii)):
        s = Lean(ep, MCP_S3_MAX_GET_SIZE="16MiB")
        s.init()
        got = []

        def whole():
            # The timer covers the server: the driver reads each line and
            # finds next_offset in its tail (structuredContent ends it);
            # the lines are parsed and checked after the timing.
            lines, off = [], 0
            while True:
                line = s.rpc_raw("tools/call", {"name": "s3_get_object", "arguments": {
                    "bucket": D.BENCH_BIG_BUCKET, "key": key, "offset": off, "length": D.BENCH_BIG_SIZE}})
                lines.append(line)
                tail = line[-4096:]
                i = tail.rfind(b'"next_offset":')
                if b'"truncated":true' not in tail or i < 0:
                    break
                off = int(tail[i + 14:].split(b",")[0].split(b"}")[0])
            got.append(lines)
        t_get = timed(whole)
        hwm = s.status()
        s.close()
        lines = got[-1]
        calls, longest, nbytes = len(lines), max(len(x) for x in lines), sum(len(x) for x in lines)
        err, parts = None, []
        for x in lines:
            r = json.loads(x)["result"]
            if r.get("isError") or len(r.get("content", [])) < 2:
                err = json.dumps(r)[:300]
                break
            parts.append(r["content"][1]["text"].encode())
        body = b"".join(parts)
        ok = body == want
        res[name] = {"ms": median_ms(t_get), "samples_ms": [round(x * 1000, 1) for x in t_get],
                     "calls": calls, "longest_line": longest, "budget": 8 * 1024 * 1024,
                     "response_bytes": nbytes, "correct": ok,
                     "error": None if ok else (err or "body differs"), "status_after": hwm}

        def curl():
            p = subprocess.run(["curl", "-sS", "-f", "-o", "-", u], capture_output=True, check=True)
            if len(p.stdout) != D.BENCH_BIG_SIZE:
                raise RuntimeError("curl got %d bytes" % len(p.stdout))
        t_curl = timed(curl)
        res["curl" + name[3:]] = {"ms": median_ms(t_curl), "samples_ms": [round(x * 1000, 1) for x in t_curl]}

    # Latency on a kept-alive connection: a small get, a list page, a HEAD;
    # curl does the same requests in one process (one connection), signed.
    s = Lean(ep)
    s.init()
    n = 21
    for name, tool, a, curl_args, target in (
            ("lat_get", "s3_get_object", {"bucket": D.BENCH_BIG_BUCKET, "key": "small.txt"}, [],
             "/%s/small.txt" % D.BENCH_BIG_BUCKET),
            ("lat_list", "s3_list_objects", {"bucket": D.BENCH_BUCKET, "max_keys": 1000}, [],
             "/%s?list-type=2&max-keys=1000" % D.BENCH_BUCKET),
            ("lat_meta", "s3_get_object_metadata", {"bucket": D.BENCH_BIG_BUCKET, "key": "small.txt"}, ["-I"],
             "/%s/small.txt" % D.BENCH_BIG_BUCKET)):
        call = {"name": tool, "arguments": a}
        s.rpc_raw("tools/call", call)
        t = timed(lambda: s.rpc_raw("tools/call", call), n)
        cmd = ["curl", "-sS", "-f", "-K", "-", "--aws-sigv4", "aws:amz:us-east-1:s3",
               "-H", "x-amz-content-sha256: UNSIGNED-PAYLOAD", "-w", "%{time_total}\\n"] + curl_args
        p = subprocess.run(cmd + ["-o", "/dev/null", ep + target] * (n + 1), capture_output=True, check=True,
                           input=('user = "%s:%s"\n' % (AK, SK)).encode())
        ct = [float(x) for x in p.stdout.split()][1:]
        res[name] = {"ms": median_ms(t), "curl_ms": median_ms(ct), "runs": n}
    s.close()

    # Peak memory of an 8 MiB binary put as base64
    import base64
    import random
    blob = random.Random(8).randbytes(8 * 1024 * 1024)
    s = Lean(ep, MCP_S3_EXT_READONLY="false")
    s.init()
    before = s.status()
    req = {"name": "s3_put_object", "arguments": {"bucket": D.BENCH_BIG_BUCKET, "key": "put8m.bin",
                                                  "content": base64.b64encode(blob).decode(),
                                                  "is_base64": True}}
    line = json.dumps({"jsonrpc": "2.0", "id": 99, "method": "tools/call", "params": req})
    r = s.rpc("tools/call", req)
    after = s.status()
    s.close()
    res["put8m"] = {"line_bytes": len(line) + 1, "VmHWM": after["VmHWM"], "VmHWM_before": before["VmHWM"],
                    "ok": not r.get("isError")}

    # 10,000 keys: 10 calls in one session, and cold (spawn + initialize + 10 calls + exit)
    s = Lean(ep)
    s.init()
    counted = []
    t_list = timed(lambda: counted.append(list10(s)))
    s.close()
    res["list_session"] = {"ms": median_ms(t_list), "keys": counted[-1][0], "calls": counted[-1][1]}

    def cold():
        c = Lean(ep)
        c.init()
        counted.append(list10(c))
        c.close()
    t_cold = timed(cold)
    res["list_cold"] = {"ms": median_ms(t_cold), "keys": counted[-1][0], "calls": counted[-1][1]}

    renv = {k: v for k, v in os.environ.items() if k != "AWS_CA_BUNDLE"}
    rout = []

    def rclone():
        p = subprocess.run(["rclone", "--config", rclone_conf, "ls", "bench:" + D.BENCH_BUCKET],
                           capture_output=True, env=renv, check=True)
        rout.append(p.stdout.count(b"\n"))
    t_rclone = timed(rclone)
    res["rclone"] = {"ms": median_ms(t_rclone), "keys": rout[-1]}

    aout = []

    def aws():
        p = subprocess.run(["/usr/bin/aws", "--endpoint-url", ep, "s3api", "list-objects-v2",
                            "--bucket", D.BENCH_BUCKET, "--output", "json", "--query", "Contents[].Key"],
                           capture_output=True, check=True)
        aout.append(len(json.loads(p.stdout)))
    t_aws = timed(aws, max(3, RUNS // 2))
    res["awscli"] = {"ms": median_ms(t_aws), "keys": aout[-1]}
    print(json.dumps(res))


if __name__ == "__main__":
    main()
