#!/usr/bin/env python3
# needs: rgw
"""The credential chain, wired into real S3 requests: build/mcp-s3 signs its
requests to a real S3 server (Ceph RGW) with keys it got from a profile file,
credential_process, a container endpoint, EC2 IMDSv2 and STS web identity.
The last three are small fakes on 127.0.0.1 (real AWS is unreachable here)
that answer as the documented services do and hand out RGW's real keys with a
dummy session token (RGW does not check tokens for plain users). Each fake
records what it was asked, so the headers (IMDSv2 token, container
authorization) and the refresh before expiry are asserted. Also: no source at
all, a per-connection profile, what s3_list_connections shows, and a
connection whose source is down failing alone and quickly.

    MCP_S3_TEST_ENDPOINT=http://127.0.0.1:PORT python3 tests/integration/test_creds.py [NAME ...]
    (or the endpoint as the first argument; keys: RGW_ACCESS_KEY / RGW_SECRET_KEY)
"""
import http.server
import json
import os
import shutil
import sys
import tempfile
import threading
import time
import urllib.parse
from datetime import datetime, timedelta, timezone

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mcptest import (ACCESS_KEY, SECRET_KEY, Server, Suite, base_env,  # noqa: E402
                     binary_ready, check, closed_port, eq, error_text, ok_result,
                     rgw_endpoint, start_fails)

S = Suite("test_creds")
EP = None
TMP = None

# Seconds past the 5-minute refresh window: credentials this far from it are
# used from the cache, and fetched again once the window is reached.
MARGIN = 8
REFRESH_S = 5 * 60


def expiration(seconds):
    t = datetime.now(timezone.utc) + timedelta(seconds=seconds)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def no_keys(extra=None):
    """The base environment without static keys, plus extra."""
    s = {"AWS_ACCESS_KEY_ID": None, "AWS_SECRET_ACCESS_KEY": None}
    s.update(extra or {})
    return base_env(s, endpoint=EP)


def write(name, text, mode=0o600):
    path = os.path.join(TMP, name)
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)
    return path


class Fake:
    """A 127.0.0.1 HTTP peer: handler(fake, method, path, headers, body) ->
    (status, body, headers); every request is recorded."""

    def __init__(self, handler):
        self.requests = []   # (method, path, headers dict, body)
        fake = self

        class H(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def any(self):
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n).decode("utf-8", "replace") if n else ""
                hdrs = {k.lower(): v for k, v in self.headers.items()}
                fake.requests.append((self.command, self.path, hdrs, body))
                status, out, extra = handler(fake, self.command, self.path, hdrs, body)
                out = out.encode()
                self.send_response(status)
                for k, v in extra:
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

            do_GET = do_PUT = do_POST = any

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def url(self, path="/"):
        return "http://127.0.0.1:%d%s" % (self.httpd.server_address[1], path)

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def creds_json(token, seconds, secret=None, token_field="Token"):
    return json.dumps({"Code": "Success", "Type": "AWS-HMAC",
                       "AccessKeyId": ACCESS_KEY,
                       "SecretAccessKey": secret or SECRET_KEY,
                       token_field: token, "Expiration": expiration(seconds)})


def buckets_ok(srv, what, connection=None):
    args = {} if connection is None else {"connection": connection}
    sc = ok_result(srv.call("s3_list_buckets", args), what)
    check(isinstance(sc.get("buckets"), list), "%s: no bucket list: %s" % (what, sc))


def connections(srv):
    r = srv.call("s3_list_connections")
    sc = ok_result(r, "s3_list_connections")
    return {c["name"]: c for c in sc["connections"]}, json.dumps(r)


def no_secret(text, what, extra=()):
    for s in (SECRET_KEY,) + tuple(extra):
        check(s not in text, "%s shows a secret" % what)


@S.test
def test_profile_file():
    creds = write("credentials-a", "[dev]\naws_access_key_id = %s\n"
                  "aws_secret_access_key = %s\n" % (ACCESS_KEY, SECRET_KEY))
    conf = write("config-a", "[profile dev]\nregion = eu-central-1\n")
    env = no_keys({"AWS_PROFILE": "dev", "AWS_SHARED_CREDENTIALS_FILE": creds,
                   "AWS_CONFIG_FILE": conf, "AWS_REGION": None})
    with Server(env) as srv:
        srv.initialize()
        conns, raw = connections(srv)
        eq(conns["default"]["credentials"], "profile:dev", "source before use")
        eq(conns["default"]["region"], "eu-central-1", "the profile's region")
        buckets_ok(srv, "profile keys")
        conns, raw = connections(srv)
        eq(conns["default"]["credentials"], "profile:dev", "source after use")
        no_secret(raw, "s3_list_connections")


@S.test
def test_profile_wrong_secret_fails():
    # The same, with a wrong secret: proves the profile's keys are the ones used.
    creds = write("credentials-bad", "[dev]\naws_access_key_id = %s\n"
                  "aws_secret_access_key = not-the-secret-0123456789\n" % ACCESS_KEY)
    env = no_keys({"AWS_PROFILE": "dev", "AWS_SHARED_CREDENTIALS_FILE": creds})
    with Server(env) as srv:
        srv.initialize()
        error_text(srv.call("s3_list_buckets"), "SignatureDoesNotMatch", "wrong secret")


@S.test
def test_credential_process():
    count = os.path.join(TMP, "process-count")
    script = write("cred-process.sh", "#!/bin/sh\necho run >> %s\n"
                   "printf '%%s' '%s'\n" % (count, json.dumps({
                       "Version": 1, "AccessKeyId": ACCESS_KEY,
                       "SecretAccessKey": SECRET_KEY})), 0o700)
    conf = write("config-b", "[profile proc]\ncredential_process = %s\n" % script)
    env = no_keys({"AWS_PROFILE": "proc", "AWS_CONFIG_FILE": conf})
    with Server(env) as srv:
        srv.initialize()
        conns, _ = connections(srv)
        eq(conns["default"]["credentials"], "profile:proc", "source before use")
        buckets_ok(srv, "credential_process keys")
        buckets_ok(srv, "credential_process keys, cached")
        with open(count) as f:
            eq(len(f.read().split()), 1, "process runs (no Expiration: run once)")
        conns, _ = connections(srv)
        eq(conns["default"]["credentials"], "process", "source after use")


@S.test
def test_container_endpoint_refresh():
    auth = "container-auth-token-%d" % os.getpid()
    tokfile = write("container-token", auth + "\n")

    def handler(fake, method, path, hdrs, body):
        n = len(fake.requests)
        return 200, creds_json("container-session-token-%d" % n,
                               REFRESH_S + MARGIN), [("Content-Type", "application/json")]

    fake = Fake(handler)
    try:
        env = no_keys({"AWS_CONTAINER_CREDENTIALS_FULL_URI": fake.url("/v2/creds"),
                       "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": tokfile})
        with Server(env) as srv:
            srv.initialize()
            conns, _ = connections(srv)
            eq(conns["default"]["credentials"], "container", "source before use")
            eq(len(fake.requests), 0, "no fetch at start")
            buckets_ok(srv, "container keys")
            eq(len(fake.requests), 1, "one fetch")
            m, p, h, _ = fake.requests[0]
            eq((m, p), ("GET", "/v2/creds"), "container request")
            eq(h.get("authorization"), auth, "Authorization from the token file")
            buckets_ok(srv, "container keys, cached")
            eq(len(fake.requests), 1, "cached until the refresh window")
            time.sleep(MARGIN + 1)
            buckets_ok(srv, "container keys, refreshed")
            eq(len(fake.requests), 2, "fetched again inside the refresh window")
            conns, raw = connections(srv)
            eq(conns["default"]["credentials"], "container", "source after use")
            no_secret(raw, "s3_list_connections", (auth,))
            check(auth not in srv.stderr and auth not in srv.stdout_text,
                  "the container token leaked")
    finally:
        fake.close()


@S.test
def test_container_wrong_keys_fail():
    def handler(fake, method, path, hdrs, body):
        return 200, creds_json("tok-x", 3600, secret="wrong-secret-0123456789abc"), []

    fake = Fake(handler)
    try:
        env = no_keys({"AWS_CONTAINER_CREDENTIALS_FULL_URI": fake.url("/c")})
        with Server(env) as srv:
            srv.initialize()
            error_text(srv.call("s3_list_buckets"), "SignatureDoesNotMatch",
                       "container keys that RGW refuses")
            eq(len(fake.requests), 1, "container asked")
    finally:
        fake.close()


@S.test
def test_imds_v2():
    token = "imds-session-token-%d" % os.getpid()
    role = "mcp-s3-test-role"

    def handler(fake, method, path, hdrs, body):
        if method == "PUT" and path == "/latest/api/token":
            if "x-aws-ec2-metadata-token-ttl-seconds" not in hdrs:
                return 400, "", []
            return 200, token, []
        if hdrs.get("x-aws-ec2-metadata-token") != token:
            return 401, "", []
        if path == "/latest/meta-data/iam/security-credentials/":
            return 200, role + "\n", []
        if path == "/latest/meta-data/iam/security-credentials/" + role:
            return 200, creds_json("imds-creds-token", 3600), []
        return 404, "", []

    fake = Fake(handler)
    try:
        env = no_keys({"AWS_EC2_METADATA_DISABLED": None,
                       "AWS_EC2_METADATA_SERVICE_ENDPOINT": fake.url("")})
        with Server(env) as srv:
            srv.initialize()
            conns, _ = connections(srv)
            eq(conns["default"]["credentials"], "imds", "source before use")
            buckets_ok(srv, "IMDS keys")
            eq([(m, p) for m, p, _, _ in fake.requests],
               [("PUT", "/latest/api/token"),
                ("GET", "/latest/meta-data/iam/security-credentials/"),
                ("GET", "/latest/meta-data/iam/security-credentials/" + role)],
               "IMDSv2 requests")
            for _, p, h, _ in fake.requests[1:]:
                eq(h.get("x-aws-ec2-metadata-token"), token, "token header on " + p)
            conns, raw = connections(srv)
            eq(conns["default"]["credentials"], "imds", "source after use")
            no_secret(raw, "s3_list_connections", (token,))
    finally:
        fake.close()


STS_OK = ('<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/'
          '2011-06-15/"><AssumeRoleWithWebIdentityResult><Credentials>'
          '<AccessKeyId>%s</AccessKeyId><SecretAccessKey>%s</SecretAccessKey>'
          '<SessionToken>%s</SessionToken><Expiration>%s</Expiration></Credentials>'
          '</AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>')


@S.test
def test_web_identity():
    jwt = "eyJ-web-identity-token-%d" % os.getpid()
    tokfile = write("web-identity-token", jwt)
    arn = "arn:aws:iam::123456789012:role/mcp-s3-test"

    def handler(fake, method, path, hdrs, body):
        form = urllib.parse.parse_qs(body)
        if (form.get("Action") != ["AssumeRoleWithWebIdentity"] or
                form.get("WebIdentityToken") != [jwt] or form.get("RoleArn") != [arn]):
            return 400, "<ErrorResponse><Error><Code>InvalidParameterValue</Code>" \
                "<Message>bad form</Message></Error></ErrorResponse>", []
        return 200, STS_OK % (ACCESS_KEY, SECRET_KEY, "sts-session-token",
                              expiration(3600)), [("Content-Type", "text/xml")]

    fake = Fake(handler)
    try:
        env = no_keys({"AWS_WEB_IDENTITY_TOKEN_FILE": tokfile, "AWS_ROLE_ARN": arn,
                       "AWS_ENDPOINT_URL_STS": fake.url("/")})
        with Server(env) as srv:
            srv.initialize()
            conns, _ = connections(srv)
            eq(conns["default"]["credentials"], "web-identity:" + arn, "source before use")
            buckets_ok(srv, "web identity keys")
            eq(len(fake.requests), 1, "one STS call")
            eq(fake.requests[0][0], "POST", "STS method")
            check("authorization" not in fake.requests[0][2],
                  "AssumeRoleWithWebIdentity is not signed")
            conns, raw = connections(srv)
            eq(conns["default"]["credentials"], "web-identity:" + arn, "source after use")
            no_secret(raw, "s3_list_connections", (jwt, "sts-session-token"))
            check(jwt not in srv.stderr, "the web identity token leaked")
    finally:
        fake.close()


ROLE_OK = ('<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'
           '<AssumeRoleResult><Credentials><AccessKeyId>%s</AccessKeyId>'
           '<SecretAccessKey>%s</SecretAccessKey><SessionToken>%s</SessionToken>'
           '<Expiration>%s</Expiration></Credentials></AssumeRoleResult>'
           '</AssumeRoleResponse>')


@S.test
def test_profile_assume_role():
    arn = "arn:aws:iam::123456789012:role/mcp-s3-assumed"
    creds = write("credentials-r", "[base]\naws_access_key_id = %s\n"
                  "aws_secret_access_key = %s\n" % (ACCESS_KEY, SECRET_KEY))
    conf = write("config-r", "[profile role]\nrole_arn = %s\nsource_profile = base\n"
                 "region = us-east-1\n" % arn)

    def handler(fake, method, path, hdrs, body):
        form = urllib.parse.parse_qs(body)
        if form.get("Action") != ["AssumeRole"] or form.get("RoleArn") != [arn]:
            return 400, "<ErrorResponse><Error><Code>InvalidAction</Code>" \
                "<Message>bad form</Message></Error></ErrorResponse>", []
        return 200, ROLE_OK % (ACCESS_KEY, SECRET_KEY, "assumed-session-token",
                               expiration(3600)), []

    fake = Fake(handler)
    try:
        env = no_keys({"AWS_PROFILE": "role", "AWS_SHARED_CREDENTIALS_FILE": creds,
                       "AWS_CONFIG_FILE": conf, "AWS_ENDPOINT_URL_STS": fake.url("/")})
        with Server(env) as srv:
            srv.initialize()
            buckets_ok(srv, "assumed role keys")
            eq(len(fake.requests), 1, "one AssumeRole")
            auth = fake.requests[0][2].get("authorization", "")
            check(auth.startswith("AWS4-HMAC-SHA256 Credential=%s/" % ACCESS_KEY) and
                  "/us-east-1/sts/aws4_request" in auth,
                  "AssumeRole is signed with the source profile's keys: %r" % auth[:120])
            conns, raw = connections(srv)
            eq(conns["default"]["credentials"], "assume-role:" + arn, "source after use")
            no_secret(raw, "s3_list_connections", ("assumed-session-token",))
    finally:
        fake.close()


@S.test
def test_no_source_lists_what_was_tried():
    with Server(no_keys()) as srv:
        srv.initialize()
        conns, _ = connections(srv)
        eq(conns["default"]["credentials"], "none", "nothing configured")
        t0 = time.monotonic()
        t = error_text(srv.call("s3_list_buckets"), "NoCredentials", "no source")
        for what in ("AWS_ACCESS_KEY_ID unset", "web identity", "container",
                     "IMDS (disabled"):
            check(what in t, "the error should list %r: %r" % (what, t))
        check(time.monotonic() - t0 < 5, "no source should fail at once")
        ok_result(srv.call("s3_list_connections"), "still serving")


@S.test
def test_connection_profile_and_down_source():
    creds = write("credentials-c", "[dev]\naws_access_key_id = %s\n"
                  "aws_secret_access_key = %s\n" % (ACCESS_KEY, SECRET_KEY))
    conf = write("config-c", "[profile down]\nrole_arn = arn:aws:iam::1:role/r\n"
                 "source_profile = dev\n")
    extra = {
        "prof": {"endpoint": EP, "profile": "dev", "use_path_style": True},
        "down": {"endpoint": EP, "profile": "down", "use_path_style": True},
    }
    env = base_env({"AWS_SHARED_CREDENTIALS_FILE": creds, "AWS_CONFIG_FILE": conf,
                    "AWS_ENDPOINT_URL_STS": "http://127.0.0.1:%d/" % closed_port(),
                    "S3_ADDITIONAL_CONNECTIONS": json.dumps(extra)}, endpoint=EP)
    with Server(env) as srv:
        srv.initialize()
        conns, raw = connections(srv)
        eq(conns["default"]["credentials"], "static", "default: environment keys")
        eq(conns["prof"]["credentials"], "profile:dev", "prof before use")
        eq(conns["down"]["credentials"], "profile:down", "down before use")
        buckets_ok(srv, "per-connection profile", connection="prof")
        t0 = time.monotonic()
        t = error_text(srv.call("s3_list_buckets", {"connection": "down"}),
                       "CredentialsError", "STS down")
        took = time.monotonic() - t0
        check("down" in t and "assume role" in t, "names the connection and step: %r" % t)
        check(took < 5, "a source that is down fails quickly (%.1fs)" % took)
        buckets_ok(srv, "default keeps working")
        buckets_ok(srv, "prof keeps working", connection="prof")
        conns, raw = connections(srv)
        eq(conns["prof"]["credentials"], "profile:dev", "prof after use")
        no_secret(raw, "s3_list_connections")


@S.test
def test_invalid_setting_stops_the_start():
    _, err = start_fails(no_keys({"AWS_EC2_METADATA_DISABLED": "maybe"}))
    check("AWS_EC2_METADATA_DISABLED" in err, "the message names the variable: %r"
          % err[-300:])


if __name__ == "__main__":
    if not binary_ready():
        sys.exit(S.fail_all("build/mcp-s3 is missing; run make first"))
    EP = rgw_endpoint()
    if EP is None:
        sys.exit(S.fail_all("no RGW endpoint: set MCP_S3_TEST_ENDPOINT"))
    TMP = tempfile.mkdtemp(prefix="mcp-s3-creds-")
    try:
        rc = S.run(sys.argv[1:])
    finally:
        shutil.rmtree(TMP, ignore_errors=True)
    sys.exit(rc)
