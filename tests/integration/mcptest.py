"""mcptest — drive build/mcp-s3 over stdio, and a tiny test harness.

Standard library only. The Server class spawns the binary with an environment
built from scratch (nothing inherited but PATH and a UTF-8 locale, so the
caller's AWS profile, CA-bundle and proxy settings never leak in), writes
JSON-RPC lines, reads every stdout line on a thread, and hands responses back
by id with a bounded wait. stderr is collected for messages and for the
"secrets never printed" checks.
"""
import json
import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import traceback
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
BINARY = os.environ.get("MCP_S3_BIN", os.path.join(ROOT, "build", "mcp-s3"))

WAIT = float(os.environ.get("MCP_S3_TEST_WAIT", "20"))  # the bound of every wait, seconds
# MCP_S3_VALGRIND=DIR runs every server under valgrind memcheck, one log per
# process in DIR (empty when clean); tests/run.sh reads them.
VALGRIND = os.environ.get("MCP_S3_VALGRIND")
# valgrind's and the sanitizers' own system calls are not in the sandbox's
# allow-list: MCP_S3_TEST_SANDBOX=off (implied by MCP_S3_VALGRIND) starts
# every server with MCP_S3_SANDBOX=off.
SANDBOX_OFF = bool(VALGRIND) or os.environ.get("MCP_S3_TEST_SANDBOX") == "off"


def wrapped(cmd):
    """cmd, under valgrind when MCP_S3_VALGRIND is set. somalloc=NONE lets
    memcheck replace malloc inside a static binary that has its symbols."""
    if not VALGRIND:
        return cmd
    return ["valgrind", "--quiet", "--error-exitcode=99", "--leak-check=full",
            "--show-leak-kinds=definite", "--errors-for-leak-kinds=definite",
            "--soname-synonyms=somalloc=NONE", "--track-origins=no",
            "--log-file=%s/vg.%%p.log" % VALGRIND] + cmd

LATEST = "2025-11-25"
VERSIONS = ["2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"]
READ_TOOLS = ["s3_list_buckets", "s3_list_objects", "s3_get_object",
              "s3_get_object_metadata", "s3_list_connections"]

# Test credentials (the RGW user of tests/peers/rgw.sh); not real secrets, but
# the tests still check that the secret never shows up in any output.
ACCESS_KEY = os.environ.get("RGW_ACCESS_KEY", "MCPS3TESTACCESSKEY01")
SECRET_KEY = os.environ.get("RGW_SECRET_KEY", "mcp-s3-test-secret-key-0123456789abcdef")


def closed_port():
    """A 127.0.0.1 port nothing listens on (bound, then released)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def base_env(settings=None, endpoint=None):
    env = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "HOME": "/nonexistent",
        "AWS_CONFIG_FILE": "/nonexistent/aws-config",
        "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/aws-credentials",
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
        "S3_USE_PATH_STYLE": "true",
        "S3_ENDPOINT": endpoint or "http://127.0.0.1:%d" % closed_port(),
    }
    for k, v in (settings or {}).items():
        if v is None:
            env.pop(k, None)
        else:
            env[k] = v
    return env


# --- secrets in every channel ------------------------------------------------
# Every server and CLI run is remembered; Suite.run() ends by searching their
# stdout, stderr and audit files for the secrets their environment held (the
# suites' marker secret SECRET_KEY, any AWS_SECRET_ACCESS_KEY, session or
# authorization token, and the secrets of S3_ADDITIONAL_CONNECTIONS). A session
# token may appear on stdout only as the X-Amz-Security-Token of a presigned URL.
RUNS = []  # (what, env, stdout, stderr) of run_cli calls


def secrets_of(env):
    """(secret keys, tokens) named in env: values of 8 characters or more."""
    keys, tokens = set(), set()
    env = env or {}
    for k, v in env.items():
        if not v:
            continue
        if k.endswith("SECRET_ACCESS_KEY"):
            keys.add(v)
        elif k in ("AWS_SESSION_TOKEN", "AWS_CONTAINER_AUTHORIZATION_TOKEN"):
            tokens.add(v)
    try:
        conns = json.loads(env.get("S3_ADDITIONAL_CONNECTIONS") or "{}")
        for c in (conns.values() if isinstance(conns, dict) else []):
            if isinstance(c, dict):
                if isinstance(c.get("secret_access_key"), str):
                    keys.add(c["secret_access_key"])
                if isinstance(c.get("session_token"), str):
                    tokens.add(c["session_token"])
    except ValueError:
        pass
    keys.add(SECRET_KEY)
    return {x for x in keys if len(x) >= 8}, {x for x in tokens if len(x) >= 8}


def leaks():
    """Where a secret showed up: a list of one-line findings."""
    found = []

    def look(what, text, keys, tokens, stdout):
        for k in keys:
            if k in text:
                found.append("a secret key is in %s" % what)
        for t in tokens:
            if t in (text.replace("X-Amz-Security-Token=" + urllib.parse.quote(t, safe=""), "")
                     if stdout else text):
                found.append("a token is in %s" % what)

    for srv in Server.instances:
        keys, tokens = secrets_of(srv.env)
        name = " ".join(srv.cmd[1:]) or "the server"
        look("stdout of %s" % name, srv.stdout_text, keys, tokens, True)
        look("stderr of %s" % name, srv.stderr, keys, tokens, False)
        audit = (srv.env or {}).get("MCP_S3_AUDIT_FILE")
        if audit and os.path.isfile(audit):
            with open(audit, encoding="utf-8", errors="replace") as f:
                look("audit file %s" % audit, f.read(), keys, tokens, False)
    for what, env, out, err in RUNS:
        keys, tokens = secrets_of(env)
        look("stdout of %s" % what, out, keys, tokens, True)
        look("stderr of %s" % what, err, keys, tokens, False)
    return sorted(set(found))


class ProtocolViolation(Exception):
    pass


class Server:
    """One running build/mcp-s3."""

    all_bad_lines = []  # (command, line) of every stdout line that was not JSON-RPC
    instances = []      # every Server started, for leaks()

    def __init__(self, env=None, args=(), binary=None):
        self.cmd = [binary or BINARY] + list(args)
        self.env = env if env is not None else base_env()
        if SANDBOX_OFF and binary is None and "MCP_S3_SANDBOX" not in self.env:
            self.env = dict(self.env, MCP_S3_SANDBOX="off")
        self.proc = subprocess.Popen(wrapped(self.cmd) if binary is None else self.cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, env=self.env, cwd="/")
        self._cv = threading.Condition()
        self.msgs = []          # every parsed message, in order
        self.taken = set()      # indexes consumed by wait()
        self.raw = []           # every stdout line (bytes)
        self.bad_lines = []
        self._stderr = bytearray()
        self._eof = False
        self._next_id = 1000
        self.t_out = threading.Thread(target=self._read_out, daemon=True)
        self.t_err = threading.Thread(target=self._read_err, daemon=True)
        self.t_out.start()
        self.t_err.start()
        Server.instances.append(self)

    # --- readers ---------------------------------------------------------
    def _read_out(self):
        f = self.proc.stdout
        for line in iter(f.readline, b""):
            with self._cv:
                self.raw.append(line)
                try:
                    if not line.endswith(b"\n"):
                        raise ValueError("no newline at the end of the line")
                    m = json.loads(line.decode("utf-8"))
                    items = m if isinstance(m, list) else [m]
                    for it in items:
                        if not isinstance(it, dict) or it.get("jsonrpc") != "2.0":
                            raise ValueError("not a JSON-RPC 2.0 message")
                    self.msgs.append(m)
                except Exception as e:  # noqa: BLE001
                    self.bad_lines.append(line)
                    Server.all_bad_lines.append((self.cmd, line[:300], str(e)))
                self._cv.notify_all()
        with self._cv:
            self._eof = True
            self._cv.notify_all()

    def _read_err(self):
        f = self.proc.stderr
        while True:
            b = f.read1(65536) if hasattr(f, "read1") else f.read(65536)
            if not b:
                break
            with self._cv:
                self._stderr += b

    @property
    def stderr(self):
        with self._cv:
            return self._stderr.decode("utf-8", "replace")

    @property
    def stdout_text(self):
        with self._cv:
            return b"".join(self.raw).decode("utf-8", "replace")

    # --- writing ---------------------------------------------------------
    def send_raw(self, data, timeout=WAIT):
        """Writes bytes (a newline is not added). Bounded: a writer thread."""
        err = []

        def w():
            try:
                self.proc.stdin.write(data)
                self.proc.stdin.flush()
            except Exception as e:  # noqa: BLE001
                err.append(e)
        t = threading.Thread(target=w, daemon=True)
        t.start()
        t.join(timeout)
        if t.is_alive():
            raise TimeoutError("writing %d bytes to the server took over %ss" % (len(data), timeout))
        if err:
            raise err[0]

    def send(self, obj):
        self.send_raw(json.dumps(obj, ensure_ascii=False).encode("utf-8") + b"\n")

    def new_id(self):
        self._next_id += 1
        return self._next_id

    # --- reading ---------------------------------------------------------
    def wait(self, pred, timeout=WAIT, what="a message"):
        deadline = time.monotonic() + timeout
        with self._cv:
            while True:
                for i, m in enumerate(self.msgs):
                    if i not in self.taken and pred(m):
                        self.taken.add(i)
                        return m
                if self._eof:
                    raise ProtocolViolation("server closed stdout while waiting for %s (exit %s); stderr: %s"
                                            % (what, self.proc.poll(), self._stderr[-600:].decode("utf-8", "replace")))
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError("no %s within %ss" % (what, timeout))
                self._cv.wait(left)

    def wait_id(self, rid, timeout=WAIT):
        return self.wait(lambda m: isinstance(m, dict) and m.get("id") == rid and
                         ("result" in m or "error" in m), timeout, "response to id %r" % (rid,))

    def untaken(self):
        with self._cv:
            return [m for i, m in enumerate(self.msgs) if i not in self.taken]

    def request(self, method, params=None, rid=None, timeout=WAIT):
        rid = self.new_id() if rid is None else rid
        msg = {"jsonrpc": "2.0", "id": rid, "method": method}
        if params is not None:
            msg["params"] = params
        self.send(msg)
        return self.wait_id(rid, timeout)

    def result(self, method, params=None, timeout=WAIT):
        r = self.request(method, params, timeout=timeout)
        if "error" in r:
            raise ProtocolViolation("%s → JSON-RPC error %s" % (method, json.dumps(r["error"])))
        return r["result"]

    def notify(self, method, params=None):
        msg = {"jsonrpc": "2.0", "method": method}
        if params is not None:
            msg["params"] = params
        self.send(msg)

    def initialize(self, version=LATEST, initialized=True):
        r = self.result("initialize", {"protocolVersion": version, "capabilities": {},
                                       "clientInfo": {"name": "mcp-s3-tests", "version": "0.0.1"}})
        if initialized:
            self.notify("notifications/initialized")
        return r

    def call(self, tool, args=None, timeout=WAIT):
        params = {"name": tool}
        if args is not None:
            params["arguments"] = args
        return self.result("tools/call", params, timeout=timeout)

    # --- ending ----------------------------------------------------------
    def close(self, timeout=WAIT):
        """Closes stdin and waits for the exit (bounded); kills on timeout."""
        try:
            self.proc.stdin.close()
        except Exception:  # noqa: BLE001
            pass
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise TimeoutError("server did not exit within %ss of EOF on stdin" % timeout)
        finally:
            self.t_out.join(5)
            self.t_err.join(5)

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                pass

    def send_signal(self, sig=signal.SIGTERM):
        self.proc.send_signal(sig)

    def wait_exit(self, timeout=WAIT):
        """Waits for the exit (bounded), then for the readers to drain stdout/stderr."""
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise TimeoutError("server did not exit within %ss" % timeout)
        self.t_out.join(10)
        self.t_err.join(10)
        return rc

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.proc.poll() is None:
            try:
                self.close(10)
            except Exception:  # noqa: BLE001
                self.kill()


def run_cli(args, env=None, timeout=WAIT, stdin=b""):
    """Runs the binary to completion (bounded); (exit code, stdout, stderr)."""
    try:
        env = env if env is not None else base_env()
        if SANDBOX_OFF and "MCP_S3_SANDBOX" not in env:
            env = dict(env, MCP_S3_SANDBOX="off")
        p = subprocess.run(wrapped([BINARY] + list(args)), input=stdin, capture_output=True,
                           env=env, timeout=timeout, cwd="/")
    except subprocess.TimeoutExpired:
        raise TimeoutError("%s %s did not exit within %ss" % (BINARY, " ".join(args), timeout))
    out, err = p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")
    RUNS.append(("mcp-s3 " + " ".join(args), env, out, err))
    return p.returncode, out, err


# --- results ---------------------------------------------------------------
def text_of(result, i=0):
    c = result.get("content") or []
    if len(c) <= i or c[i].get("type") != "text":
        raise AssertionError("content[%d] is not a text block: %s" % (i, short(c)))
    return c[i]["text"]


def ok_result(result, what=""):
    """Asserts a successful tool result; returns structuredContent."""
    if result.get("isError"):
        raise AssertionError("%s: unexpected isError: %s" % (what, short(result.get("content"))))
    sc = result.get("structuredContent")
    if not isinstance(sc, dict):
        raise AssertionError("%s: no structuredContent object: %s" % (what, short(result)))
    if not isinstance(result.get("content"), list) or not result["content"]:
        raise AssertionError("%s: no content blocks" % what)
    return sc


def error_text(result, code, what=""):
    """Asserts an isError result whose first text starts with `code`; returns the text."""
    if result.get("isError") is not True:
        raise AssertionError("%s: expected isError with %s, got %s" % (what, code, short(result)))
    if "structuredContent" in result:
        raise AssertionError("%s: an error result carries structuredContent" % what)
    t = text_of(result, 0)
    if not t.startswith(code):
        raise AssertionError("%s: error text should start with %r: %r" % (what, code, t[:300]))
    return t


def short(x, n=400):
    s = json.dumps(x, ensure_ascii=False) if not isinstance(x, str) else x
    return s if len(s) <= n else s[:n] + "...(%d chars)" % len(s)


def check(cond, msg):
    if not cond:
        raise AssertionError(msg)


def eq(got, want, what):
    if got != want:
        raise AssertionError("%s: got %s, want %s" % (what, short(got, 300), short(want, 300)))


ISO8601 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")


# --- harness ---------------------------------------------------------------
class Suite:
    """Collects tests; run() prints "ok NAME" / "FAIL NAME: why" and the summary."""

    def __init__(self, name):
        self.name = name
        self.tests = []
        self.passed = 0
        self.failed = 0

    def test(self, fn):
        self.tests.append(fn)
        return fn

    def run(self, only=None):
        for fn in self.tests:
            name = fn.__name__
            if only and not any(o in name for o in only):
                continue
            try:
                fn()
            except Exception as e:  # noqa: BLE001
                self.failed += 1
                why = "%s: %s" % (type(e).__name__, e) if not isinstance(e, AssertionError) else str(e)
                print("FAIL %s: %s" % (name, why.replace("\n", " | ")), flush=True)
                if os.environ.get("MCP_S3_TEST_TRACE"):
                    traceback.print_exc()
            else:
                self.passed += 1
                print("ok %s" % name, flush=True)
        found = leaks()
        for f in found:
            print("FAIL secrets: %s" % f, flush=True)
        if found:
            self.failed += 1
        else:
            self.passed += 1
            print("ok secrets: no secret in the stdout, stderr or audit file of %d servers and %d runs"
                  % (len(Server.instances), len(RUNS)), flush=True)
        print("%s: %d passed, %d failed" % (self.name, self.passed, self.failed), flush=True)
        return 1 if self.failed else 0

    def fail_all(self, why):
        """Setup failed: report it as one failure, with the closing line."""
        print("FAIL setup: %s" % why, flush=True)
        print("%s: %d passed, %d failed" % (self.name, 0, 1), flush=True)
        return 1


def binary_ready():
    return os.path.isfile(BINARY) and os.access(BINARY, os.X_OK)


# --- additions for the write / rules / audit suites -------------------------
# tools/list in read-only mode (the default), and with MCP_S3_EXT_READONLY=false
# (the order of docs/tools.md).
READONLY_TOOLS = ["s3_list_buckets", "s3_list_objects", "s3_get_object",
                  "s3_get_object_metadata", "s3_presign_url", "s3_list_connections"]
ALL_TOOLS = ["s3_list_buckets", "s3_list_objects", "s3_get_object",
             "s3_get_object_metadata", "s3_put_object", "s3_delete_object",
             "s3_copy_object", "s3_presign_url", "s3_list_connections"]
WRITE_TOOLS = ["s3_put_object", "s3_delete_object", "s3_copy_object"]

AWSCLI = os.environ.get("MCP_S3_TEST_AWSCLI", "/usr/bin/aws")


def rgw_endpoint(argv=None):
    """The RGW endpoint: MCP_S3_TEST_ENDPOINT, else the first argument that looks
    like http(s)://... (removed from argv); None when neither is given."""
    argv = sys.argv if argv is None else argv
    for i, a in enumerate(argv[1:], 1):
        if a.startswith("http://") or a.startswith("https://"):
            del argv[i]
            return a.rstrip("/")
    ep = os.environ.get("MCP_S3_TEST_ENDPOINT")
    return ep.rstrip("/") if ep else None


def unique(tag):
    """A name unlikely to clash with another suite or run: tag-<pid>-<n>."""
    unique.n += 1
    return "%s-%d-%d" % (tag, os.getpid(), unique.n)


unique.n = 0


class AwsCli:
    """awscli v2 (/usr/bin/aws) against one endpoint, path-style, with the test
    credentials and nothing inherited (no CA bundle, profile or proxy)."""

    def __init__(self, endpoint, access_key=None, secret_key=None):
        import tempfile
        self.endpoint = endpoint
        self.dir = tempfile.mkdtemp(prefix="mcp-s3-aws-")
        self.config = os.path.join(self.dir, "config")
        with open(self.config, "w") as f:
            f.write("[default]\nregion = us-east-1\noutput = json\n"
                    "s3 =\n  addressing_style = path\n")
        self.env = {
            "PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8",
            "HOME": self.dir, "AWS_CONFIG_FILE": self.config,
            "AWS_SHARED_CREDENTIALS_FILE": os.path.join(self.dir, "no-credentials"),
            "AWS_ACCESS_KEY_ID": access_key or ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": secret_key or SECRET_KEY,
            "AWS_DEFAULT_REGION": "us-east-1", "AWS_REGION": "us-east-1",
            "AWS_EC2_METADATA_DISABLED": "true", "AWS_PAGER": "",
        }

    def run(self, args, timeout=120, check_rc=True, stdin=b""):
        """(exit code, stdout bytes, stderr text); raises on a non-zero exit when check_rc."""
        try:
            p = subprocess.run([AWSCLI, "--endpoint-url", self.endpoint] + list(args), input=stdin,
                               capture_output=True, env=self.env, timeout=timeout, cwd=self.dir)
        except subprocess.TimeoutExpired:
            raise TimeoutError("aws %s did not finish within %ss" % (" ".join(args[:3]), timeout))
        err = p.stderr.decode("utf-8", "replace")
        if check_rc and p.returncode != 0:
            raise AssertionError("aws %s: exit %d: %s" % (" ".join(a[:80] for a in args[:6]), p.returncode, err[-400:]))
        return p.returncode, p.stdout, err

    def json(self, args, **kw):
        rc, out, err = self.run(list(args) + ["--output", "json"], **kw)
        return json.loads(out.decode("utf-8")) if out.strip() else {}

    def mb(self, bucket):
        self.run(["s3", "mb", "s3://" + bucket])
        return bucket

    def rb(self, bucket):
        """Removes a bucket and everything in it (best effort)."""
        self.run(["s3", "rb", "--force", "s3://" + bucket], check_rc=False)

    def put(self, bucket, key, body, content_type=None, metadata=None):
        path = os.path.join(self.dir, "body-%d" % threading.get_ident())
        with open(path, "wb") as f:
            f.write(body)
        args = ["s3api", "put-object", "--bucket", bucket, "--key", key, "--body", path]
        if content_type:
            args += ["--content-type", content_type]
        if metadata:
            args += ["--metadata", json.dumps(metadata)]
        try:
            return self.json(args)
        finally:
            os.unlink(path)

    def get(self, bucket, key):
        """The object's bytes, or None when it does not exist (404/NoSuchKey)."""
        path = os.path.join(self.dir, "get-%d" % threading.get_ident())
        rc, out, err = self.run(["s3api", "get-object", "--bucket", bucket, "--key", key, path], check_rc=False)
        try:
            if rc != 0:
                if "NoSuchKey" in err or "404" in err or "Not Found" in err:
                    return None
                raise AssertionError("aws get-object %s/%r: exit %d: %s" % (bucket, key[:80], rc, err[-300:]))
            with open(path, "rb") as f:
                return f.read()
        finally:
            if os.path.exists(path):
                os.unlink(path)

    def head(self, bucket, key):
        """head-object as a dict, or None when the object does not exist."""
        rc, out, err = self.run(["s3api", "head-object", "--bucket", bucket, "--key", key, "--output", "json"],
                                check_rc=False)
        if rc != 0:
            if "404" in err or "Not Found" in err or "NoSuchKey" in err:
                return None
            raise AssertionError("aws head-object %s/%r: exit %d: %s" % (bucket, key[:80], rc, err[-300:]))
        return json.loads(out.decode("utf-8"))

    def keys(self, bucket, prefix=""):
        """Every key under prefix (list-objects-v2, all pages)."""
        d = self.json(["s3api", "list-objects-v2", "--bucket", bucket, "--prefix", prefix])
        return sorted((o["Key"] for o in d.get("Contents") or []), key=lambda k: k.encode())

    def close(self):
        import shutil
        shutil.rmtree(self.dir, ignore_errors=True)


def parallel(fn, items, workers=8):
    """[fn(x) for x in items], run on a few threads (awscli starts slowly)."""
    from concurrent.futures import ThreadPoolExecutor
    with ThreadPoolExecutor(max_workers=workers) as ex:
        return list(ex.map(fn, items))


def read_jsonl(path):
    """The JSON lines of a file (audit log); raises on a line that is not JSON."""
    out = []
    with open(path, "rb") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                out.append(json.loads(line.decode("utf-8")))
            except ValueError as e:
                raise AssertionError("%s line %d is not JSON (%s): %r" % (path, n, e, line[:200]))
    return out


def json_lines(text):
    """The lines of text (stderr) that parse as JSON objects."""
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("{"):
            try:
                v = json.loads(line)
            except ValueError:
                continue
            if isinstance(v, dict):
                out.append(v)
    return out


def start_fails(env, timeout=WAIT):
    """Starts the server with env (stdin open); asserts it stops by itself with a
    non-zero status and nothing on stdout; returns (exit code, stderr)."""
    s = Server(env)
    try:
        try:
            rc = s.wait_exit(timeout)
        except TimeoutError:
            raise AssertionError("the server is still running (it should refuse to start)")
    finally:
        s.kill()
    check(rc != 0, "exit status 0 (the start should fail); stderr %r" % s.stderr[:300])
    check(not s.raw, "wrote to stdout while refusing to start: %r" % s.stdout_text[:200])
    return rc, s.stderr
