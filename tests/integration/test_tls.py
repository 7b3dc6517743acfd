#!/usr/bin/env python3
# needs: rgw
"""TLS trust of build/mcp-s3 against a real S3 over TLS: the suite starts its
own Ceph RGW (tests/peers/rgw.sh with RGW_TLS_CERT) serving a certificate for
`localhost` from a test CA made at test time (tests/peers/tlscerts.sh). The
bad certificates (another host name, expired, not yet valid, an unknown CA)
are presented by tests/peers/tlsproxy.py, a TLS-terminating proxy in front of
the same RGW's plain port, so that one RGW serves every case.

Covers: AWS_CA_BUNDLE, SSL_CERT_FILE, SSL_CERT_DIR (hashed names, lists), a
connection's own ca_bundle, their precedence, the TLSError texts, the start
errors that name the variable, and `make EMBED_ROOTS=1` (the Mozilla roots in
the binary, counted and used in an empty root).

    python3 tests/integration/test_tls.py [NAME ...]
    (MCP_S3_TEST_ENDPOINT is not used: Ceph must be installed; runs as root)
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "peers"))
import mcptest  # noqa: E402
from mcptest import (AwsCli, Server, Suite, base_env, binary_ready, check, eq,  # noqa: E402
                     error_text, ok_result, start_fails, text_of, unique)
from tlsproxy import TLSProxy  # noqa: E402

S = Suite("test_tls.py")
TMP = None
C = None            # the certificate directory
RGW_DIR = None
PLAIN = None        # http://127.0.0.1:PORT of the suite's RGW
TLS_EP = None       # https://localhost:PORT, RGW's own TLS
UPSTREAM = None     # (127.0.0.1, PORT) for the proxies
BUCKET = None
BODY = b"hello over TLS\n"
PROXIES = {}
SYSTEM_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"


def cert(name):
    return os.path.join(C, name)


def proxy_ep(name):
    """https://localhost:PORT of a proxy presenting NAME.pem."""
    if name not in PROXIES:
        PROXIES[name] = TLSProxy(cert(name + ".pem"), cert(name + ".key"), UPSTREAM)
    return "https://localhost:%d" % PROXIES[name].port


def env(settings=None, endpoint=None):
    return base_env(settings, endpoint=endpoint or TLS_EP)


def listing(settings=None, endpoint=None, conn=None):
    """Starts a server, lists BUCKET and reads the object; returns nothing
    but asserts both work."""
    with Server(env(settings, endpoint)) as s:
        s.initialize()
        a = {"bucket": BUCKET}
        if conn:
            a["connection"] = conn
        sc = ok_result(s.call("s3_list_objects", a), "list_objects")
        keys = [o.get("key") for o in sc.get("objects", [])]
        check("hello.txt" in keys, "hello.txt not listed: %r" % keys)
        a["key"] = "hello.txt"
        r = s.call("s3_get_object", a)
        ok_result(r, "get_object")
        check(any(c.get("text") == BODY.decode() for c in r.get("content", [])),
              "body not returned: %r" % r.get("content"))


def tls_error(settings, endpoint, *want):
    """A call that must fail with TLSError whose text holds each of want."""
    with Server(env(settings, endpoint)) as s:
        s.initialize()
        t = error_text(s.call("s3_list_objects", {"bucket": BUCKET}), "TLSError", "list_objects")
        for w in want:
            check(w in t, "TLSError text lacks %r: %r" % (w, t[:400]))
        return t


def refused(settings, *want, endpoint=None):
    rc, err = start_fails(env(settings, endpoint))
    for w in want:
        check(w in err, "start error lacks %r: %r" % (w, err[-400:]))
    return err


# --- trusted ---------------------------------------------------------------
@S.test
def aws_ca_bundle_trusts_rgw():
    listing({"AWS_CA_BUNDLE": cert("ca.pem")})


@S.test
def ssl_cert_file_trusts_rgw():
    listing({"SSL_CERT_FILE": cert("ca.pem")})


@S.test
def ssl_cert_dir_trusts_rgw():
    listing({"SSL_CERT_DIR": cert("certdir")})


@S.test
def ssl_cert_dir_reads_hashed_names_and_lists():
    """A directory holding only OpenSSL's hash link name, second in a list
    after a directory with no CA of ours."""
    d = os.path.join(TMP, "hashonly")
    os.mkdir(d)
    h = [n for n in os.listdir(cert("certdir")) if n.endswith(".0")][0]
    shutil.copyfile(cert("ca.pem"), os.path.join(d, h))
    other = os.path.join(TMP, "otherdir")
    os.mkdir(other)
    shutil.copyfile(cert("rogue-ca.pem"), os.path.join(other, "rogue.crt"))
    listing({"SSL_CERT_DIR": other + ":" + d})


@S.test
def system_cert_dir_with_links_loads_before_the_sandbox():
    """Debian's /etc/ssl/certs: hash names and *.pem links into
    /usr/share/ca-certificates, which the sandbox would not let us follow;
    it is read before the sandbox, so the start works (and the test CA is
    still unknown)."""
    if not os.path.isdir("/etc/ssl/certs") or not any(
            os.path.islink(os.path.join("/etc/ssl/certs", n)) for n in os.listdir("/etc/ssl/certs")):
        print("note: no /etc/ssl/certs with links here, case skipped")
        return
    tls_error({"SSL_CERT_DIR": "/etc/ssl/certs"}, None, "certificate signed by an unknown authority")


@S.test
def ssl_cert_file_and_dir_add_up():
    listing({"SSL_CERT_FILE": cert("rogue-ca.pem"), "SSL_CERT_DIR": cert("certdir")})


@S.test
def connection_ca_bundle_trusts_only_its_connection():
    """The default connection trusts the rogue CA only (AWS_CA_BUNDLE); a
    second connection to the same RGW has ca_bundle = the test CA."""
    extra = {"own": {"endpoint": TLS_EP, "ca_bundle": cert("ca.pem")}}
    settings = {"AWS_CA_BUNDLE": cert("rogue-ca.pem"), "S3_ADDITIONAL_CONNECTIONS": json.dumps(extra)}
    listing(settings, conn="own")
    tls_error(settings, None, "unknown authority")


@S.test
def connection_ca_bundle_without_other_https():
    """An http default and one https connection with its own bundle: no
    other trust store is needed (a bad AWS_CA_BUNDLE is never read)."""
    extra = {"own": {"endpoint": TLS_EP, "ca_bundle": cert("ca.pem")}}
    listing({"AWS_CA_BUNDLE": "/nonexistent/ca.pem", "S3_ADDITIONAL_CONNECTIONS": json.dumps(extra)},
            endpoint=PLAIN, conn="own")


# --- precedence ------------------------------------------------------------
@S.test
def aws_ca_bundle_wins_over_ssl_cert_file_and_dir():
    tls_error({"AWS_CA_BUNDLE": cert("rogue-ca.pem"), "SSL_CERT_FILE": cert("ca.pem"),
               "SSL_CERT_DIR": cert("certdir")}, None, "unknown authority")


@S.test
def empty_aws_ca_bundle_counts_as_unset():
    listing({"AWS_CA_BUNDLE": "", "SSL_CERT_FILE": cert("ca.pem")})


@S.test
def system_bundle_does_not_trust_the_test_ca():
    if not os.path.isfile(SYSTEM_BUNDLE):
        print("note: %s missing, system bundle case skipped" % SYSTEM_BUNDLE)
        return
    tls_error({}, None, "certificate signed by an unknown authority")


# --- TLS errors that name the reason ---------------------------------------
@S.test
def unknown_ca_is_named():
    t = tls_error({"AWS_CA_BUNDLE": cert("ca.pem")}, proxy_ep("rogue"),
                  "certificate signed by an unknown authority", "localhost")
    check("SSL_CERT_DIR" in t, "the hint does not list the trust settings: %r" % t)


@S.test
def wrong_host_name_is_named():
    tls_error({"AWS_CA_BUNDLE": cert("ca.pem")}, proxy_ep("wrong"),
              "certificate is for host wrong.example, not localhost")


@S.test
def expired_certificate_is_named():
    tls_error({"AWS_CA_BUNDLE": cert("ca.pem")}, proxy_ep("expired"),
              "expired at 2020-01-02T00:00:00Z")


@S.test
def not_yet_valid_certificate_is_named():
    tls_error({"AWS_CA_BUNDLE": cert("ca.pem")}, proxy_ep("future"),
              "not yet valid", "2099-01-01T00:00:00Z")


@S.test
def ip_literal_endpoint_is_a_host_name_error():
    """BearSSL matches DNS names only (tls.h): the IP SAN does not help."""
    port = TLS_EP.rsplit(":", 1)[1]
    tls_error({"AWS_CA_BUNDLE": cert("ca.pem")}, "https://127.0.0.1:" + port,
              "not 127.0.0.1")


@S.test
def proxy_good_certificate_works():
    """The proxy itself is sound: with the good certificate it serves."""
    listing({"AWS_CA_BUNDLE": cert("ca.pem")}, endpoint=proxy_ep("srv"))


# --- start errors name the variable ----------------------------------------
@S.test
def missing_aws_ca_bundle_stops_the_start():
    refused({"AWS_CA_BUNDLE": "/nonexistent/ca.pem"}, "AWS_CA_BUNDLE", "/nonexistent/ca.pem",
            "no such file")


@S.test
def garbage_aws_ca_bundle_stops_the_start():
    p = os.path.join(TMP, "garbage.pem")
    with open(p, "w") as f:
        f.write("this is not a certificate\n")
    refused({"AWS_CA_BUNDLE": p}, "AWS_CA_BUNDLE", p, "no usable PEM certificate")
    # A key alone is PEM, but no certificate.
    refused({"AWS_CA_BUNDLE": cert("ca.key")}, "AWS_CA_BUNDLE", "no usable PEM certificate")


@S.test
def bad_ssl_cert_file_stops_the_start():
    refused({"SSL_CERT_FILE": "/nonexistent/x.pem"}, "SSL_CERT_FILE", "/nonexistent/x.pem")


@S.test
def empty_ssl_cert_dir_stops_the_start():
    d = os.path.join(TMP, "emptydir")
    os.mkdir(d)
    with open(os.path.join(d, "README"), "w") as f:
        f.write("no certificates here\n")
    refused({"SSL_CERT_DIR": d}, "SSL_CERT_DIR", d, "no usable PEM certificate")
    refused({"SSL_CERT_DIR": "/nonexistent/certs"}, "SSL_CERT_DIR", "/nonexistent/certs", "no such")
    # The bad directory is named even after a good one.
    refused({"SSL_CERT_DIR": cert("certdir") + ":" + d}, "SSL_CERT_DIR", d)


@S.test
def bad_connection_ca_bundle_stops_the_start():
    extra = {"own": {"endpoint": TLS_EP, "ca_bundle": "/nonexistent/own.pem"}}
    refused({"S3_ADDITIONAL_CONNECTIONS": json.dumps(extra)}, "own", "ca_bundle", "/nonexistent/own.pem",
            endpoint=PLAIN)


@S.test
def trust_is_not_read_without_https():
    with Server(env({"AWS_CA_BUNDLE": "/nonexistent/ca.pem", "SSL_CERT_DIR": "/nonexistent"},
                    endpoint=PLAIN)) as s:
        s.initialize()
        ok_result(s.call("s3_list_objects", {"bucket": BUCKET}), "list_objects over http")


# --- make EMBED_ROOTS=1 ----------------------------------------------------
def empty_root(name, binary):
    """A directory holding only the binary and /etc/hosts (for localhost);
    returns a wrapper that runs the binary chrooted in a private mount
    namespace."""
    r = os.path.join(TMP, name)
    os.makedirs(os.path.join(r, "etc"))
    shutil.copyfile(binary, os.path.join(r, "mcp-s3"))
    os.chmod(os.path.join(r, "mcp-s3"), 0o755)
    with open(os.path.join(r, "etc", "hosts"), "w") as f:
        f.write("127.0.0.1 localhost\n")
    w = r + ".sh"
    with open(w, "w") as f:
        f.write("#!/bin/sh\nexec %s --mount %s %s /mcp-s3 \"$@\"\n"
                % (shutil.which("unshare", path="/usr/bin:/bin:/usr/sbin:/sbin"),
                   shutil.which("chroot", path="/usr/sbin:/sbin:/usr/bin:/bin"), r))
    os.chmod(w, 0o755)
    return w


@S.test
def embedded_roots_in_an_empty_root():
    """Builds the x86_64 binary with EMBED_ROOTS=1 in a private build dir
    (reusing build/x86_64's objects), checks that --version counts as many
    anchors as the system bundle has certificates, and that in a root with
    no CA file at all it starts and verifies (the test CA is not a Mozilla
    root, so the call fails as untrusted) where the default build refuses
    to start."""
    if os.environ.get("MCP_S3_BIN"):
        print("note: MCP_S3_BIN is set (a cross binary): EMBED_ROOTS case runs on x86_64 only")
        return
    if not os.path.isfile(SYSTEM_BUNDLE):
        print("note: %s missing: EMBED_ROOTS case skipped" % SYSTEM_BUNDLE)
        return
    o = os.path.join(TMP, "x86_64")
    src = os.path.join(ROOT, "build", "x86_64")
    if os.path.isdir(os.path.join(src, "obj")):
        shutil.copytree(os.path.join(src, "obj"), os.path.join(o, "obj"))
    if os.path.isfile(os.path.join(src, "libbearssl.a")):
        shutil.copy2(os.path.join(src, "libbearssl.a"), o)
    p = subprocess.run(["nice", "make", "-s", "-C", ROOT, "O=" + o, "EMBED_ROOTS=1", o + "/mcp-s3"],
                       capture_output=True, timeout=600)
    check(p.returncode == 0, "make EMBED_ROOTS=1 failed: %s" % p.stderr.decode("utf-8", "replace")[-600:])
    emb = os.path.join(o, "mcp-s3")
    want = open(SYSTEM_BUNDLE, "rb").read().count(b"-----BEGIN CERTIFICATE-----")
    v = subprocess.run([emb, "--version"], capture_output=True, timeout=20).stdout.decode()
    m = re.search(r"trust: (\d+) embedded Mozilla root CAs", v)
    check(m is not None, "--version does not count embedded roots: %r" % v)
    eq(int(m.group(1)), want, "embedded anchors vs certificates in %s" % SYSTEM_BUNDLE)
    d = subprocess.run([mcptest.BINARY, "--version"], capture_output=True, timeout=20).stdout.decode()
    check("no embedded roots" in d, "the default build claims embedded roots: %r" % d)
    print("note: EMBED_ROOTS=1 adds %d bytes to the x86_64 binary (%d anchors)"
          % (os.path.getsize(emb) - os.path.getsize(os.path.join(src, "mcp-s3")), want))

    # Empty roots: the default build cannot start for https, the embedded one can.
    plain_w = empty_root("root-default", mcptest.BINARY)
    s = Server(env({}), binary=plain_w)
    try:
        rc = s.wait_exit(20)
    finally:
        s.kill()
    check(rc != 0 and "no CA bundle found" in s.stderr,
          "default build in an empty root: exit %r, stderr %r" % (rc, s.stderr[-300:]))
    emb_w = empty_root("root-embedded", emb)
    with Server(env({}), binary=emb_w) as s:
        s.initialize()
        t = error_text(s.call("s3_list_objects", {"bucket": BUCKET}), "TLSError", "embedded, test CA")
        check("unknown authority" in t, "embedded roots trusted the test CA? %r" % t[:300])
    # With the test CA named, the embedded build is not consulted.
    r = os.path.join(TMP, "root-embedded")
    shutil.copyfile(cert("ca.pem"), os.path.join(r, "ca.pem"))
    with Server(env({"AWS_CA_BUNDLE": "/ca.pem"}), binary=emb_w) as s:
        s.initialize()
        ok_result(s.call("s3_list_objects", {"bucket": BUCKET}), "embedded build with AWS_CA_BUNDLE")


def start_rgw():
    global RGW_DIR, PLAIN, TLS_EP, UPSTREAM
    RGW_DIR = os.path.join(TMP, "rgw")
    e = dict(os.environ, RGW_MON_PORT="auto", RGW_TLS_CERT=cert("srv.pem"), RGW_TLS_KEY=cert("srv.key"))
    p = subprocess.run(["nice", os.path.join(ROOT, "tests", "peers", "rgw.sh"), "start", RGW_DIR],
                       capture_output=True, env=e, timeout=300)
    if p.returncode != 0:
        raise RuntimeError("rgw.sh start failed: %s" % p.stderr.decode("utf-8", "replace")[-800:])
    PLAIN = p.stdout.decode().strip().splitlines()[-1]
    with open(os.path.join(RGW_DIR, "tls_endpoint")) as f:
        TLS_EP = f.read().strip()
    UPSTREAM = ("127.0.0.1", int(PLAIN.rsplit(":", 1)[1]))


def main():
    global TMP, C, BUCKET
    if not binary_ready():
        return S.fail_all("%s is missing (make build/mcp-s3)" % mcptest.BINARY)
    TMP = tempfile.mkdtemp(prefix="mcp-s3-tls-")
    C = os.path.join(TMP, "certs")
    aws = None
    try:
        try:
            subprocess.run(["sh", os.path.join(ROOT, "tests", "peers", "tlscerts.sh"), C],
                           check=True, capture_output=True, timeout=120)
        except subprocess.CalledProcessError as e:
            return S.fail_all("tlscerts.sh: %s" % e.stderr.decode("utf-8", "replace")[-400:])
        try:
            start_rgw()
        except Exception as e:  # noqa: BLE001
            return S.fail_all(str(e))
        aws = AwsCli(PLAIN)
        try:
            BUCKET = aws.mb(unique("mcp-tls"))
            aws.put(BUCKET, "hello.txt", BODY)
        except Exception as e:  # noqa: BLE001
            return S.fail_all("creating the test bucket with awscli: %s" % e)
        return S.run(sys.argv[1:])
    finally:
        for p in PROXIES.values():
            p.close()
        if aws:
            aws.close()
        if RGW_DIR:
            subprocess.run([os.path.join(ROOT, "tests", "peers", "rgw.sh"), "stop", RGW_DIR],
                           capture_output=True, timeout=120)
        shutil.rmtree(TMP, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
