#!/usr/bin/env python3
"""The release's host-side files, as `make dist` writes them into build/dist:

  - mcp-s3-VERSION-linux-TARGET.mcpb, the MCP Bundle of each target: its
    entries, modes and times; its manifest.json checked by `mcpb validate`
    (@anthropic-ai/mcpb, pinned in tests/mcpb/package.json) and against the
    server (settings, sensitive fields, the tool list);
  - the x86_64 bundle installed as a host does it: `mcpb unpack` into a fresh
    directory, the command and environment built from mcp_config with
    ${__dirname} and ${user_config.KEY} substituted, the server started and an
    MCP session held over stdio (no S3 needed); optional fields left empty, or
    left as unfilled templates, must not stop the start;
  - server.json, the MCP registry entry: every file it names is in build/dist
    with the SHA-256 it gives; and SHA256SUMS.

    make dist && python3 tests/release/test_mcpb.py
"""
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
from mcptest import (ALL_TOOLS, READONLY_TOOLS, SECRET_KEY, Server, Suite,  # noqa: E402
                     check, closed_port, eq, ok_result)

S = Suite("test_mcpb.py")
DIST = os.path.join(ROOT, "build", "dist")
MCPB = os.path.join(ROOT, "tests", "mcpb", "node_modules", ".bin", "mcpb")
TARGETS = ["x86_64", "aarch64", "armhf"]
ENTRIES = {"LICENSE": 0o644, "README.md": 0o644, "manifest.json": 0o644, "mcp-s3": 0o755}
SCHEMA = "https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json"
# The settings the bundle offers: user_config key -> environment variable.
SETTINGS = {
    "aws_region": "AWS_REGION", "s3_endpoint": "S3_ENDPOINT",
    "s3_use_path_style": "S3_USE_PATH_STYLE", "aws_access_key_id": "AWS_ACCESS_KEY_ID",
    "aws_secret_access_key": "AWS_SECRET_ACCESS_KEY", "aws_session_token": "AWS_SESSION_TOKEN",
    "aws_profile": "AWS_PROFILE", "read_only": "MCP_S3_EXT_READONLY",
    "allowed_buckets": "MCP_S3_ALLOWED_BUCKETS", "allowed_prefixes": "MCP_S3_ALLOWED_PREFIXES",
    "denied_prefixes": "MCP_S3_DENIED_PREFIXES", "max_get_size": "MCP_S3_MAX_GET_SIZE",
    "max_put_size": "MCP_S3_MAX_PUT_SIZE", "audit_file": "MCP_S3_AUDIT_FILE",
}
SENSITIVE = {"aws_access_key_id", "aws_secret_access_key", "aws_session_token"}
WORK = tempfile.mkdtemp(prefix="mcpb.", dir=os.path.join(ROOT, "build"))


def makefile_version():
    with open(os.path.join(ROOT, "Makefile")) as f:
        return re.search(r"^VERSION\s*:=\s*(\S+)", f.read(), re.M).group(1)


VERSION = makefile_version()


def bundle(target):
    return os.path.join(DIST, "mcp-s3-%s-linux-%s.mcpb" % (VERSION, target))


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def manifest(target):
    with zipfile.ZipFile(bundle(target)) as z:
        return json.loads(z.read("manifest.json").decode("utf-8"))


def source_date_epoch():
    if os.environ.get("SOURCE_DATE_EPOCH"):
        return int(os.environ["SOURCE_DATE_EPOCH"])
    r = subprocess.run(["git", "-C", ROOT, "log", "-1", "--format=%ct"], capture_output=True, text=True)
    return int(r.stdout.strip()) if r.returncode == 0 and r.stdout.strip() else 1767225600


def mcpb(*args):
    r = subprocess.run([MCPB] + list(args), capture_output=True, text=True, timeout=120, cwd=WORK)
    return r.returncode, r.stdout + r.stderr


# --- the bundles ------------------------------------------------------------
@S.test
def bundle_entries_modes_and_times():
    # DOS times have 2-second steps; zip rounds an odd second up.
    e = source_date_epoch()
    want_time = tuple(time.gmtime(e + e % 2)[:6])
    for target in TARGETS:
        with zipfile.ZipFile(bundle(target)) as z:
            infos = z.infolist()
            eq([i.filename for i in infos], sorted(ENTRIES), "%s entries, in byte order" % target)
            for i in infos:
                eq(i.create_system, 3, "%s %s made on Unix" % (target, i.filename))
                eq((i.external_attr >> 16) & 0o7777, ENTRIES[i.filename], "%s %s mode" % (target, i.filename))
                eq(i.date_time, want_time, "%s %s time (SOURCE_DATE_EPOCH, UTC)" % (target, i.filename))
                eq(i.extra, b"", "%s %s extra fields (no uid/gid or Unix times)" % (target, i.filename))
            with open(os.path.join(ROOT, "build", target, "mcp-s3"), "rb") as f:
                check(z.read("mcp-s3") == f.read(), "%s: mcp-s3 is not build/%s/mcp-s3" % (target, target))
            with open(os.path.join(ROOT, "LICENSE"), "rb") as f:
                check(z.read("LICENSE") == f.read(), "%s: LICENSE differs from the tree's" % target)


@S.test
def mcpb_validate_accepts_each_manifest():
    for target in TARGETS:
        d = os.path.join(WORK, "validate-" + target)
        os.mkdir(d)
        with zipfile.ZipFile(bundle(target)) as z:
            z.extract("manifest.json", d)
        rc, out = mcpb("validate", os.path.join(d, "manifest.json"))
        check(rc == 0 and "validation passes" in out, "%s: mcpb validate: rc %d: %s" % (target, rc, out[-600:]))


@S.test
def mcpb_validate_refuses_a_broken_manifest():
    # The control: the validator does look at what it is given.
    m = manifest("x86_64")
    m["server"]["type"] = "static"
    m["user_config"]["aws_region"]["sensitive"] = "yes"
    p = os.path.join(WORK, "broken.json")
    with open(p, "w") as f:
        json.dump(m, f)
    rc, out = mcpb("validate", p)
    check(rc != 0, "mcpb validate accepted server.type static: %s" % out[-300:])


@S.test
def manifest_describes_this_build():
    for target in TARGETS:
        m = manifest(target)
        eq(m["manifest_version"], "0.3", "%s manifest_version" % target)
        eq(m["name"], "mcp-s3", "%s name" % target)
        eq(m["version"], VERSION, "%s version (the Makefile's VERSION)" % target)
        check(target in m["description"], "%s: description does not name the target: %s" % (target, m["description"]))
        eq(m["license"], "MIT", "%s license" % target)
        eq(m["compatibility"]["platforms"], ["linux"], "%s platforms" % target)
        check(m["repository"]["url"].startswith("https://") and m["homepage"].startswith("https://"),
              "%s: repository/homepage are not https URLs" % target)
        srv = m["server"]
        eq(srv["type"], "binary", "%s server.type" % target)
        eq(srv["entry_point"], "mcp-s3", "%s entry_point" % target)
        eq(srv["mcp_config"]["command"], "${__dirname}/mcp-s3", "%s command" % target)
        eq(srv["mcp_config"].get("args", []), [], "%s args" % target)
        env = srv["mcp_config"]["env"]
        eq(env, {v: "${user_config.%s}" % k for k, v in SETTINGS.items()},
           "%s env (each variable from its user_config field)" % target)
        eq(sorted(m["user_config"]), sorted(SETTINGS), "%s user_config keys" % target)
        eq([t["name"] for t in m["tools"]], ALL_TOOLS, "%s tools" % target)
        for t in m["tools"]:
            check(t.get("description"), "%s: tool %s has no description" % (target, t["name"]))


@S.test
def secrets_are_sensitive_and_nothing_is_required():
    m = manifest("x86_64")
    for key, field in m["user_config"].items():
        eq(bool(field.get("sensitive")), key in SENSITIVE, "user_config.%s sensitive" % key)
        eq(field.get("required", False), False, "user_config.%s required" % key)
        check(field.get("title") and field.get("description"), "user_config.%s: no title or description" % key)
        check(key == "read_only" or "default" not in field,
              "user_config.%s has a default: an empty field must mean the server's own" % key)
    eq(m["user_config"]["read_only"].get("type"), "boolean", "read_only type")
    eq(m["user_config"]["read_only"].get("default"), True, "read_only default (writes off)")


# --- installed as a host installs it ----------------------------------------
_installed = {}


def installed():
    """The x86_64 bundle, unpacked by `mcpb unpack` (the reference unpacker,
    which keeps the modes) into a fresh directory, once."""
    if not _installed:
        d = os.path.join(WORK, "installed")
        rc, out = mcpb("unpack", bundle("x86_64"), d)
        check(rc == 0, "mcpb unpack: rc %d: %s" % (rc, out[-300:]))
        with open(os.path.join(d, "manifest.json")) as f:
            _installed.update(dir=d, manifest=json.load(f))
    return _installed["dir"], _installed["manifest"]


def substitute(s, dirname, values, unfilled):
    """A host's substitution in one mcp_config string: ${__dirname}, and
    ${user_config.KEY} from values (booleans as true/false). A field without
    a value becomes "" (unfilled=False) or stays as written (unfilled=True):
    hosts do either, and both must mean "not set"."""
    def user(mo):
        k = mo.group(1)
        if k not in values:
            return mo.group(0) if unfilled else ""
        v = values[k]
        return ("true" if v else "false") if isinstance(v, bool) else str(v)
    s = s.replace("${__dirname}", dirname)
    return re.sub(r"\$\{user_config\.([A-Za-z0-9_]+)\}", user, s)


def host_start(values, unfilled=False):
    """Starts the installed server with the user's values, as a host would:
    the manifest's command and env (defaults filled in first), over a
    minimal environment of its own."""
    d, m = installed()
    values = dict(values)
    for k, field in m["user_config"].items():
        if k not in values and "default" in field:
            values[k] = field["default"]
    cfg = m["server"]["mcp_config"]
    cmd = substitute(cfg["command"], d, values, unfilled)
    args = [substitute(a, d, values, unfilled) for a in cfg.get("args", [])]
    env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": "/nonexistent",
           "AWS_CONFIG_FILE": "/nonexistent/aws-config",
           "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/aws-credentials",
           "AWS_EC2_METADATA_DISABLED": "true"}
    for k, v in cfg.get("env", {}).items():
        env[k] = substitute(v, d, values, unfilled)
    check(os.access(cmd, os.X_OK), "%s is not executable after mcpb unpack" % cmd)
    return Server(env=env, args=args, binary=cmd)


SAMPLE = {
    "aws_region": "eu-west-1",
    "aws_access_key_id": "AKIAMCPBTESTKEY00001",
    "aws_secret_access_key": SECRET_KEY,
    "aws_session_token": "MCPB-test-session-token-0123456789",
    "s3_use_path_style": "true",
    "max_get_size": "5MB",
    "max_put_size": "20MB",
}


def tool_names(srv):
    return [t["name"] for t in srv.result("tools/list")["tools"]]


def connection(srv):
    return ok_result(srv.call("s3_list_connections"), "s3_list_connections")["connections"][0]


@S.test
def installed_bundle_serves_read_only_by_default():
    with host_start(dict(SAMPLE, s3_endpoint="http://127.0.0.1:%d" % closed_port())) as srv:
        srv.initialize()
        eq(tool_names(srv), READONLY_TOOLS, "tools/list with the default read_only")
        c = connection(srv)
        eq((c["region"], c["path_style"], c["credentials"]), ("eu-west-1", True, "static"),
           "the connection built from user_config")


@S.test
def installed_bundle_with_writes_lists_nine_tools():
    with host_start(dict(SAMPLE, read_only=False)) as srv:
        srv.initialize()
        eq(tool_names(srv), ALL_TOOLS, "tools/list with read_only off")


@S.test
def settings_reach_the_server():
    audit = os.path.join(WORK, "audit.log")
    with host_start(dict(SAMPLE, allowed_buckets="alpha,beta", audit_file=audit)) as srv:
        srv.initialize()
        r = ok_result(srv.call("s3_list_buckets"), "s3_list_buckets")
        eq([b["name"] for b in r["buckets"]], ["alpha", "beta"],
           "s3_list_buckets under allowed_buckets (no S3 call)")
    with open(audit) as f:
        lines = [json.loads(x) for x in f if x.strip()]
    check(any(x.get("tool") == "s3_list_buckets" for x in lines), "no audit record of the call: %s" % lines)
    # And a value the server refuses stops the start, naming its variable.
    srv = host_start(dict(SAMPLE, max_get_size="lots"))
    rc = srv.wait_exit()
    eq(rc, 2, "exit status for max_get_size=lots")
    check("MCP_S3_MAX_GET_SIZE" in srv.stderr, "stderr does not name MCP_S3_MAX_GET_SIZE: %s" % srv.stderr[-300:])


@S.test
def empty_optional_fields_do_not_break_the_start():
    # Nothing filled in (read_only keeps its default), once as "" and once
    # as the literal ${user_config.KEY} a host may leave.
    for unfilled in (False, True):
        how = "left as templates" if unfilled else "empty"
        with host_start({}, unfilled=unfilled) as srv:
            srv.initialize()
            eq(tool_names(srv), READONLY_TOOLS, "tools/list with every optional field %s" % how)
            c = connection(srv)
            eq((c["region"], c["path_style"], c["credentials"]), ("us-east-1", False, "none"),
               "the defaults with every optional field %s" % how)
            check("invalid" not in srv.stderr, "stderr with fields %s: %s" % (how, srv.stderr[-300:]))


# --- the registry entry and the checksums -------------------------------------
@S.test
def server_json_names_the_bundles_with_their_hashes():
    with open(os.path.join(DIST, "server.json")) as f:
        sj = json.load(f)
    eq(sj["$schema"], SCHEMA, "$schema")
    check(re.fullmatch(r"io\.github\.[A-Za-z0-9-]+/[a-zA-Z0-9._-]+", sj["name"]),
          "name is not io.github.OWNER/NAME: %s" % sj["name"])
    check(1 <= len(sj["description"]) <= 100, "description is %d characters (1 to 100)" % len(sj["description"]))
    eq(sj["version"], VERSION, "version")
    owner, name = sj["name"][len("io.github."):].split("/")
    eq(sj["repository"], {"url": "https://github.com/%s/%s" % (owner, name), "source": "github"}, "repository")
    eq(len(sj["packages"]), len(TARGETS), "one package per target")
    seen = []
    for p in sj["packages"]:
        eq(sorted(p), ["fileSha256", "identifier", "registryType", "transport", "version"], "package fields")
        eq((p["registryType"], p["version"], p["transport"]), ("mcpb", VERSION, {"type": "stdio"}),
           "package type, version, transport")
        prefix = "%s/releases/download/v%s/" % (sj["repository"]["url"], VERSION)
        check(p["identifier"].startswith(prefix), "identifier %s is not under %s" % (p["identifier"], prefix))
        f = p["identifier"][len(prefix):]
        check(re.fullmatch(r"[a-f0-9]{64}", p["fileSha256"]), "fileSha256 %r" % p["fileSha256"])
        check(os.path.isfile(os.path.join(DIST, f)), "%s names %s, not in build/dist" % (p["identifier"], f))
        eq(p["fileSha256"], sha256(os.path.join(DIST, f)), "SHA-256 of %s" % f)
        seen.append(f)
    eq(sorted(seen), sorted(os.path.basename(bundle(t)) for t in TARGETS), "the bundles named")


@S.test
def sha256sums_cover_tarballs_and_bundles():
    with open(os.path.join(DIST, "SHA256SUMS")) as f:
        sums = dict(reversed(line.split()) for line in f if line.strip())
    want = ["mcp-s3-%s-linux-%s.%s" % (VERSION, t, ext) for ext in ("tar.gz", "mcpb") for t in TARGETS]
    eq(sorted(sums), sorted(want), "files in SHA256SUMS")
    for f, h in sums.items():
        eq(h, sha256(os.path.join(DIST, f)), "SHA256SUMS line of %s" % f)


def main():
    try:
        missing = [p for p in [MCPB] + [bundle(t) for t in TARGETS] + [os.path.join(DIST, "server.json")]
                   if not os.path.exists(p)]
        if missing:
            return S.fail_all("missing %s (make dist; scripts/deps.sh test installs tests/mcpb)"
                              % ", ".join(os.path.relpath(p, ROOT) for p in missing))
        return S.run(sys.argv[1:])
    finally:
        shutil.rmtree(WORK, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
