#!/usr/bin/env python3
# needs: rgw
"""Access rules of build/mcp-s3 (MCP_S3_DENIED_PREFIXES, MCP_S3_ALLOWED_PREFIXES,
MCP_S3_ALLOWED_BUCKETS, MCP_S3_EXT_PREFIXACL / MCP_S3_EXT_PREFIX_ACL) against a
real S3 server (Ceph RGW), with the bypasses of docs/security.md: the empty
listing prefix, copies out of and into denied space, presigning, metadata,
dot segments, another bucket with the same prefix. What a refused write did
not write is checked with awscli v2. The suite makes its own two buckets.

    MCP_S3_TEST_ENDPOINT=http://127.0.0.1:PORT python3 tests/integration/test_rules.py [NAME ...]
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mcptest import (SECRET_KEY, AwsCli, Server, Suite, base_env, binary_ready, check, eq,  # noqa: E402
                     error_text, ok_result, parallel, rgw_endpoint, short, start_fails, text_of, unique)

S = Suite("test_rules.py")
EP = None
AWS = None
RB = None    # main bucket
RB2 = None   # same keys, another bucket
ALL_SERVERS = []

KEYS = ["public/a.txt", "public/sub/b.txt", "secret/x.txt", "secret/sub/y.txt", "secretive.txt",
        "SECRET/upper.txt", "logs/1.txt", "logsX/2.txt", "logs-old/3.txt", "top.txt", "data/ok.txt"]


def body(bucket, key):
    return ("%s says %s\n" % (bucket, key)).encode()


def started(**settings):
    settings.setdefault("MCP_S3_EXT_READONLY", "false")
    s = Server(base_env(settings, endpoint=EP))
    ALL_SERVERS.append(s)
    try:
        s.initialize()
    except Exception as e:  # noqa: BLE001
        s.kill()
        raise AssertionError("start with %s failed: %s; stderr %r" % (settings, e, s.stderr[-300:]))
    return s


def denied(s, tool, args, rule=None, code="PolicyDenied"):
    t = error_text(s.call(tool, args), code, "%s %s" % (tool, short(args, 150)))
    if rule is not None:
        check(rule in t, "%s %s: the refusal does not name the rule %r: %r" % (tool, short(args, 100), rule, t))
    return t


def allowed(s, tool, args):
    return ok_result(s.call(tool, args), "%s %s" % (tool, short(args, 150)))


def key_tools(bucket, key):
    """Every call that names bucket/key (writes included), with harmless content."""
    return [
        ("s3_get_object", {"bucket": bucket, "key": key}),
        ("s3_get_object_metadata", {"bucket": bucket, "key": key}),
        ("s3_put_object", {"bucket": bucket, "key": key, "content": "overwritten by a bypass"}),
        ("s3_delete_object", {"bucket": bucket, "key": key}),
        ("s3_presign_url", {"bucket": bucket, "key": key}),
        ("s3_presign_url", {"bucket": bucket, "key": key, "method": "PUT"}),
    ]


def unchanged(bucket=None):
    """awscli sees exactly the seeded objects, with the seeded bytes."""
    for b in ([bucket] if bucket else [RB, RB2]):
        eq(AWS.keys(b), sorted(KEYS, key=lambda k: k.encode()), "keys of %s (awscli)" % b)
    got = parallel(lambda k: AWS.get(RB, k), ["secret/x.txt", "public/a.txt"])
    eq(got, [body(RB, "secret/x.txt"), body(RB, "public/a.txt")], "seeded bytes")


def list_keys(s, bucket, **kw):
    """All keys and common prefixes of a listing (every page), and its texts."""
    keys, prefixes, texts, token = [], [], [], None
    for _ in range(200):
        a = {"bucket": bucket}
        a.update(kw)
        if token:
            a["continuation_token"] = token
        r = s.call("s3_list_objects", a)
        sc = ok_result(r, "list %s" % short(a, 100))
        texts.append(text_of(r))
        keys += [o["key"] for o in sc["objects"]]
        prefixes += sc.get("common_prefixes") or []
        if not sc["is_truncated"]:
            return keys, prefixes, "\n".join(texts)
        token = sc.get("next_continuation_token")
        check(token, "is_truncated without a token")
    raise AssertionError("more than 200 pages")


# --- denied prefixes ------------------------------------------------------------
@S.test
def denied_prefix_refuses_every_key_tool():
    s = started(MCP_S3_DENIED_PREFIXES="secret/")
    try:
        for b in (RB, RB2):  # a bare entry applies to every bucket
            for k in ("secret/x.txt", "secret/sub/y.txt", "secret/new.txt", "secret/"):
                for tool, a in key_tools(b, k):
                    denied(s, tool, a, "denied prefix secret/")
        # neighbours are allowed: byte-wise, case-sensitive "starts with"
        for k in ("secretive.txt", "SECRET/upper.txt", "public/a.txt"):
            allowed(s, "s3_get_object", {"bucket": RB, "key": k})
            allowed(s, "s3_get_object_metadata", {"bucket": RB, "key": k})
            allowed(s, "s3_presign_url", {"bucket": RB, "key": k})
        unchanged()
    finally:
        s.close()


@S.test
def copy_out_of_and_into_denied_space():
    s = started(MCP_S3_DENIED_PREFIXES="secret/")
    try:
        for sb, sk, db, dk in [(RB, "secret/x.txt", RB, "public/stolen.txt"),
                               (RB, "secret/x.txt", RB2, "public/stolen.txt"),
                               (RB, "public/a.txt", RB, "secret/planted.txt"),
                               (RB2, "public/a.txt", RB, "secret/x.txt"),
                               (RB, "secret/x.txt", RB, "secret/x2.txt")]:
            for extra in ({}, {"metadata": {"a": "b"}}, {"content_type": "text/plain"}):
                a = {"source_bucket": sb, "source_key": sk, "dest_bucket": db, "dest_key": dk}
                a.update(extra)
                denied(s, "s3_copy_object", a, "denied prefix secret/")
        unchanged()
        # an allowed copy works (and is removed again)
        allowed(s, "s3_copy_object", {"source_bucket": RB, "source_key": "public/a.txt",
                                      "dest_bucket": RB, "dest_key": "public/copied.txt"})
        eq(AWS.get(RB, "public/copied.txt"), body(RB, "public/a.txt"), "allowed copy")
        allowed(s, "s3_delete_object", {"bucket": RB, "key": "public/copied.txt"})
        eq(AWS.head(RB, "public/copied.txt"), None, "allowed delete")
    finally:
        s.close()


@S.test
def listing_hides_denied_keys():
    s = started(MCP_S3_DENIED_PREFIXES="secret/")
    try:
        visible = [k for k in sorted(KEYS, key=lambda k: k.encode()) if not k.startswith("secret/")]
        keys, prefixes, text = list_keys(s, RB)
        eq(keys, visible, "keys of the empty-prefix listing")
        check("hidden" in text, "the listing does not say entries were hidden: %r" % text[-300:])
        # one key a page: pages of denied keys only must not leak either
        keys, _, _ = list_keys(s, RB, max_keys=1)
        eq(keys, visible, "keys listed one a page")
        keys, prefixes, text = list_keys(s, RB, delimiter="/")
        eq(keys, ["secretive.txt", "top.txt"], "top-level keys")
        eq(prefixes, ["SECRET/", "data/", "logs-old/", "logs/", "logsX/", "public/"], "common prefixes")
        check("hidden" in text, "delimiter listing does not say entries were hidden: %r" % text[-300:])
        # partly inside: "sec" holds secretive.txt and secret/...
        keys, prefixes, text = list_keys(s, RB, prefix="sec")
        eq(keys, ["secretive.txt"], "keys under sec")
        keys, prefixes, _ = list_keys(s, RB, prefix="sec", delimiter="/")
        eq((keys, prefixes), (["secretive.txt"], []), "keys and prefixes under sec with /")
        keys, prefixes, _ = list_keys(s, RB, prefix="", start_after="secret/")
        check(not [k for k in keys if k.startswith("secret/")], "start_after inside denied space: %s" % keys)
        # wholly inside the denied prefix: refused
        for p in ("secret/", "secret/sub/", "secret/x"):
            for extra in ({}, {"delimiter": "/"}):
                a = {"bucket": RB, "prefix": p}
                a.update(extra)
                denied(s, "s3_list_objects", a, "secret/")
        # a listing without denied entries says nothing about hiding
        keys, _, text = list_keys(s, RB, prefix="public/")
        eq(keys, ["public/a.txt", "public/sub/b.txt"], "public/")
        check("hidden" not in text, "nothing was hidden, yet the text says so: %r" % text)
    finally:
        s.close()


@S.test
def listing_with_odd_delimiters_leaks_nothing():
    """Whatever the delimiter, no key and no common prefix that lies wholly in
    denied space comes back (a common prefix is shown only when it can lead to
    an allowed key)."""
    s = started(MCP_S3_DENIED_PREFIXES="secret/")
    try:
        for d in ("x", "t", "s", "e", "/", ".", "sub", "cret/", "b", "y"):
            for prefix in ("", "se", "secret"):
                keys, prefixes, _ = list_keys(s, RB, delimiter=d, prefix=prefix)
                leak = [k for k in keys + prefixes if k.startswith("secret/")]
                check(not leak, "delimiter %r prefix %r: denied entries listed: %s" % (d, prefix, leak))
    finally:
        s.close()
    s = started(MCP_S3_ALLOWED_PREFIXES="public/sub/")
    try:
        keys, prefixes, _ = list_keys(s, RB, delimiter="/")
        eq((keys, prefixes), ([], ["public/"]), "root with / under allowed public/sub/")
        keys, prefixes, _ = list_keys(s, RB, delimiter="/", prefix="public/")
        eq((keys, prefixes), ([], ["public/sub/"]), "public/ with / under allowed public/sub/")
        for d in ("x", "t", ".", "b"):
            keys, prefixes, _ = list_keys(s, RB, delimiter=d)
            for k in keys:
                check(k.startswith("public/sub/"), "delimiter %r: key outside the allowed prefix: %r" % (d, k))
            for pr in prefixes:
                check(pr.startswith("public/sub/") or "public/sub/".startswith(pr),
                      "delimiter %r: common prefix %r cannot lead to an allowed key" % (d, pr))
    finally:
        s.close()


@S.test
def bucket_scoped_denied_rule():
    s = started(MCP_S3_DENIED_PREFIXES="s3://%s/secret/" % RB)
    try:
        for tool, a in key_tools(RB, "secret/x.txt"):
            denied(s, tool, a, "denied prefix s3://%s/secret/" % RB)
        denied(s, "s3_list_objects", {"bucket": RB, "prefix": "secret/"}, "s3://%s/secret/" % RB)
        # the same prefix in the other bucket is allowed
        r = s.call("s3_get_object", {"bucket": RB2, "key": "secret/x.txt"})
        ok_result(r, "get in the other bucket")
        eq(text_of(r, 1), body(RB2, "secret/x.txt").decode(), "other bucket's secret/x.txt")
        allowed(s, "s3_get_object_metadata", {"bucket": RB2, "key": "secret/x.txt"})
        keys, _, text = list_keys(s, RB2, prefix="secret/")
        eq(keys, ["secret/sub/y.txt", "secret/x.txt"], "listing secret/ of the other bucket")
        keys, _, _ = list_keys(s, RB)
        check(not [k for k in keys if k.startswith("secret/")], "denied keys listed: %s" % keys)
        # copy between the buckets: out of RB's denied space refused, into RB2's allowed
        denied(s, "s3_copy_object", {"source_bucket": RB, "source_key": "secret/x.txt",
                                     "dest_bucket": RB2, "dest_key": "secret/x.txt"}, "s3://%s/secret/" % RB)
        denied(s, "s3_copy_object", {"source_bucket": RB2, "source_key": "secret/x.txt",
                                     "dest_bucket": RB, "dest_key": "secret/x.txt"}, "s3://%s/secret/" % RB)
        unchanged()
    finally:
        s.close()


@S.test
def whole_bucket_denied_entry():
    s = started(MCP_S3_DENIED_PREFIXES="s3://%s/" % RB2)
    try:
        for tool, a in key_tools(RB2, "public/a.txt"):
            denied(s, tool, a, "s3://%s/" % RB2)
        denied(s, "s3_list_objects", {"bucket": RB2}, "s3://%s/" % RB2)
        allowed(s, "s3_get_object", {"bucket": RB, "key": "public/a.txt"})
        # a bucket the rules hide whole is not named by s3_list_buckets
        sc = allowed(s, "s3_list_buckets", {})
        names = [b["name"] for b in sc["buckets"]]
        check(RB in names and RB2 not in names, "s3_list_buckets hides a denied bucket: %s" % names)
        unchanged()
    finally:
        s.close()


# --- allowed prefixes ---------------------------------------------------------------
@S.test
def allowed_prefixes_refuse_the_rest():
    s = started(MCP_S3_ALLOWED_PREFIXES="public/,logs/")
    try:
        for k in ("public/a.txt", "logs/1.txt"):
            allowed(s, "s3_get_object", {"bucket": RB, "key": k})
            allowed(s, "s3_get_object", {"bucket": RB2, "key": k})
        for k in ("top.txt", "logsX/2.txt", "logs-old/3.txt", "logs", "secret/x.txt", "publicity.txt"):
            for tool, a in key_tools(RB, k):
                denied(s, tool, a, "no allowed prefix matches")
        keys, prefixes, text = list_keys(s, RB)
        eq(keys, ["logs/1.txt", "public/a.txt", "public/sub/b.txt"], "empty-prefix listing")
        check("hidden" in text, "the listing does not say entries were hidden")
        # only buckets where the rules can show a key are named
        s2 = started(MCP_S3_ALLOWED_PREFIXES="s3://%s/public/" % RB)
        try:
            sc = allowed(s2, "s3_list_buckets", {})
            eq([b["name"] for b in sc["buckets"]], [RB], "s3_list_buckets under s3://RB/public/")
        finally:
            s2.close()
        keys, prefixes, _ = list_keys(s, RB, delimiter="/")
        eq((keys, prefixes), ([], ["logs/", "public/"]), "top level with /")
        keys, prefixes, _ = list_keys(s, RB, prefix="log")
        eq(keys, ["logs/1.txt"], "prefix log (partly inside)")
        for p in ("top", "secret/", "logsX", "data/"):
            denied(s, "s3_list_objects", {"bucket": RB, "prefix": p}, "no allowed prefix matches")
        allowed(s, "s3_put_object", {"bucket": RB, "key": "public/new.txt", "content": "ok"})
        allowed(s, "s3_delete_object", {"bucket": RB, "key": "public/new.txt"})
        denied(s, "s3_copy_object", {"source_bucket": RB, "source_key": "top.txt",
                                     "dest_bucket": RB, "dest_key": "public/top.txt"}, "no allowed prefix")
        denied(s, "s3_copy_object", {"source_bucket": RB, "source_key": "public/a.txt",
                                     "dest_bucket": RB, "dest_key": "top-copy.txt"}, "no allowed prefix")
        unchanged()
    finally:
        s.close()


@S.test
def allowed_prefix_without_slash_matches_siblings():
    """`logs` matches logs/1.txt, logsX/2.txt and logs-old/3.txt; `logs/` only the folder."""
    s = started(MCP_S3_ALLOWED_PREFIXES="logs")
    try:
        for k in ("logs/1.txt", "logsX/2.txt", "logs-old/3.txt"):
            allowed(s, "s3_get_object", {"bucket": RB, "key": k})
        denied(s, "s3_get_object", {"bucket": RB, "key": "log"}, "no allowed prefix matches (allowed: logs)")
        keys, _, _ = list_keys(s, RB)
        eq(keys, ["logs-old/3.txt", "logs/1.txt", "logsX/2.txt"], "listing with allowed `logs`")
    finally:
        s.close()


@S.test
def bucket_scoped_allowed_prefix():
    s = started(MCP_S3_ALLOWED_PREFIXES="s3://%s/public/" % RB)
    try:
        allowed(s, "s3_get_object", {"bucket": RB, "key": "public/a.txt"})
        denied(s, "s3_get_object", {"bucket": RB, "key": "top.txt"}, "no allowed prefix matches")
        # nothing is allowed in the other bucket
        for tool, a in key_tools(RB2, "public/a.txt"):
            denied(s, tool, a, "no allowed prefix matches")
        denied(s, "s3_list_objects", {"bucket": RB2}, "no allowed prefix matches")
        keys, _, _ = list_keys(s, RB)
        eq(keys, ["public/a.txt", "public/sub/b.txt"], "listing")
        unchanged()
    finally:
        s.close()


@S.test
def denied_wins_over_allowed():
    s = started(MCP_S3_ALLOWED_PREFIXES="public/", MCP_S3_DENIED_PREFIXES="public/sub/")
    try:
        allowed(s, "s3_get_object", {"bucket": RB, "key": "public/a.txt"})
        for tool, a in key_tools(RB, "public/sub/b.txt"):
            denied(s, tool, a, "denied prefix public/sub/")
        keys, prefixes, _ = list_keys(s, RB, prefix="public/", delimiter="/")
        eq((keys, prefixes), (["public/a.txt"], []), "public/ with / hides the denied folder")
        denied(s, "s3_list_objects", {"bucket": RB, "prefix": "public/sub/"}, "public/sub/")
        unchanged()
    finally:
        s.close()


# --- allowed buckets --------------------------------------------------------------------
@S.test
def allowed_buckets_restrict_every_tool():
    s = started(MCP_S3_ALLOWED_BUCKETS=RB)
    try:
        sc = allowed(s, "s3_list_buckets", {})
        eq([b["name"] for b in sc["buckets"]], [RB], "s3_list_buckets with MCP_S3_ALLOWED_BUCKETS")
        eq(sc.get("count"), 1, "count")
        allowed(s, "s3_get_object", {"bucket": RB, "key": "secret/x.txt"})
        allowed(s, "s3_list_objects", {"bucket": RB})
        for tool, a in key_tools(RB2, "public/a.txt") + [
                ("s3_list_objects", {"bucket": RB2}),
                ("s3_list_objects", {"bucket": RB2, "prefix": "public/"}),
                ("s3_copy_object", {"source_bucket": RB2, "source_key": "public/a.txt",
                                    "dest_bucket": RB, "dest_key": "public/from-other.txt"}),
                ("s3_copy_object", {"source_bucket": RB, "source_key": "public/a.txt",
                                    "dest_bucket": RB2, "dest_key": "public/to-other.txt"})]:
            denied(s, tool, a, RB2)
        for other in ("mcp-test", RB.upper(), RB + "x"):
            denied(s, "s3_get_object", {"bucket": other, "key": "public/a.txt"})
        unchanged()
    finally:
        s.close()
    s = started(MCP_S3_ALLOWED_BUCKETS="%s, %s,no-such-bucket-%d" % (RB2, RB, os.getpid()))
    try:
        sc = allowed(s, "s3_list_buckets", {})
        eq(sorted(b["name"] for b in sc["buckets"]), sorted([RB, RB2, "no-such-bucket-%d" % os.getpid()]),
           "s3_list_buckets lists exactly the allowed buckets")
    finally:
        s.close()


# --- key shapes -------------------------------------------------------------------------------
SHAPES = ["a/../secret/x.txt", "public/../secret/x.txt", "./x", "a/./b", "..", ".", "a/..", "a//b",
          "public//a.txt", "/public/a.txt", "/secret/x.txt", "a\\b", "public/.", "public/./a.txt"]


@S.test
def dot_segments_refused_while_rules_are_on():
    for settings in ({"MCP_S3_EXT_PREFIXACL": "true"}, {"MCP_S3_EXT_PREFIX_ACL": "true"},
                     {"MCP_S3_DENIED_PREFIXES": "secret/"}):
        s = started(**settings)
        try:
            for k in SHAPES:
                for tool, a in key_tools(RB, k) + [
                        ("s3_copy_object", {"source_bucket": RB, "source_key": k, "dest_bucket": RB,
                                            "dest_key": "public/z.txt"}),
                        ("s3_copy_object", {"source_bucket": RB, "source_key": "public/a.txt",
                                            "dest_bucket": RB, "dest_key": k})]:
                    denied(s, tool, a)
            for p in ("a/../", "./", "public//", "/public/", "public/./"):
                denied(s, "s3_list_objects", {"bucket": RB, "prefix": p})
            unchanged()
        finally:
            s.close()


@S.test
def dot_segments_allowed_when_rules_are_off():
    s = started()
    p = unique("shape") + "/"
    try:
        keys = [p + "a/./b", p + "a/../c", p + "d//e", p + "./f", p + "g\\h"]
        for k in keys:
            allowed(s, "s3_put_object", {"bucket": RB, "key": k, "content": "shape " + k})
        got = parallel(lambda k: AWS.get(RB, k), keys)
        eq(got, [("shape " + k).encode() for k in keys], "keys with dot segments read back by awscli")
        eq(sorted(AWS.keys(RB, p)), sorted(keys), "no key was normalised")
        r = s.call("s3_get_object", {"bucket": RB, "key": "/" + p + "lead"})
        check(not (r.get("isError") and text_of(r).startswith("PolicyDenied")),
              "a leading / refused with rules off: %s" % short(r))
        for k in keys:
            allowed(s, "s3_delete_object", {"bucket": RB, "key": k})
        eq(AWS.keys(RB, p), [], "keys after the deletes")
    finally:
        s.close()


@S.test
def percent_encoded_key_is_not_a_bypass():
    """secret%2Fx.txt is a different (missing) key, never secret/x.txt."""
    s = started(MCP_S3_DENIED_PREFIXES="secret/")
    try:
        for k in ("secret%2Fx.txt", "secret%2fx.txt", "%73ecret/x.txt", "public%2F..%2Fsecret%2Fx.txt"):
            r = s.call("s3_get_object", {"bucket": RB, "key": k})
            t = text_of(r)
            check(body(RB, "secret/x.txt").decode() not in json_dumps(r), "%r returned the secret object" % k)
            check(r.get("isError") and (t.startswith("NoSuchKey") or t.startswith("PolicyDenied")),
                  "%r: %s" % (k, short(r)))
    finally:
        s.close()


def json_dumps(x):
    import json
    return json.dumps(x, ensure_ascii=False)


# --- settings ---------------------------------------------------------------------------------------
@S.test
def list_set_while_switch_is_false_stops_the_start():
    problems = []
    for switch in ("MCP_S3_EXT_PREFIXACL", "MCP_S3_EXT_PREFIX_ACL"):
        for var, val in (("MCP_S3_DENIED_PREFIXES", "secret/"), ("MCP_S3_ALLOWED_PREFIXES", "public/"),
                         ("MCP_S3_ALLOWED_BUCKETS", RB)):
            try:
                rc, err = start_fails(base_env({switch: "false", var: val}, endpoint=EP))
            except AssertionError as e:
                problems.append("%s=false %s: %s" % (switch, var, e))
                continue
            if switch not in err and var not in err:
                problems.append("%s=false %s: the message names neither: %r" % (switch, var, err[:200]))
            if rc != 2:
                problems.append("%s=false %s: exit %d, want 2" % (switch, var, rc))
    try:
        rc, err = start_fails(base_env({"MCP_S3_EXT_PREFIXACL": "true", "MCP_S3_EXT_PREFIX_ACL": "false"}, endpoint=EP))
        check("MCP_S3_EXT_PREFIX" in err, "disagreeing switches: %r" % err[:200])
    except AssertionError as e:
        problems.append("PREFIXACL=true, PREFIX_ACL=false: %s" % e)
    check(not problems, "; ".join(problems))
    # agreeing switches start
    s = started(MCP_S3_EXT_PREFIXACL="true", MCP_S3_EXT_PREFIX_ACL="true", MCP_S3_DENIED_PREFIXES="secret/")
    try:
        denied(s, "s3_get_object", {"bucket": RB, "key": "secret/x.txt"}, "denied prefix secret/")
    finally:
        s.close()


@S.test
def malformed_entries_stop_the_start():
    bad = [
        ("MCP_S3_DENIED_PREFIXES", "a,,b"),
        ("MCP_S3_DENIED_PREFIXES", "a,"),
        ("MCP_S3_DENIED_PREFIXES", ",a"),
        ("MCP_S3_DENIED_PREFIXES", "s3://"),
        ("MCP_S3_DENIED_PREFIXES", "s3://x/p"),
        ("MCP_S3_DENIED_PREFIXES", "s3://ab/p"),
        ("MCP_S3_DENIED_PREFIXES", "https://bucket/p"),
        ("MCP_S3_DENIED_PREFIXES", "/abs/"),
        ("MCP_S3_DENIED_PREFIXES", "a/../b"),
        ("MCP_S3_DENIED_PREFIXES", "x" * 1025),
        ("MCP_S3_DENIED_PREFIXES", "tab\there"),
        ("MCP_S3_ALLOWED_PREFIXES", "a,,b"),
        ("MCP_S3_ALLOWED_PREFIXES", "s3://"),
        ("MCP_S3_ALLOWED_PREFIXES", "s3://x/p"),
        ("MCP_S3_ALLOWED_BUCKETS", "a,,b"),
        ("MCP_S3_ALLOWED_BUCKETS", "x"),
        ("MCP_S3_ALLOWED_BUCKETS", "s3://bucket"),
        ("MCP_S3_ALLOWED_BUCKETS", "bad/bucket"),
    ]
    problems = []
    for var, val in bad:
        try:
            rc, err = start_fails(base_env({var: val}, endpoint=EP))
        except AssertionError as e:
            problems.append("%s=%r: %s" % (var, val[:40], e))
            continue
        if var not in err:
            problems.append("%s=%r: the message does not name the variable: %r" % (var, val[:40], err[:200]))
        if rc != 2:
            problems.append("%s=%r: exit %d, want 2" % (var, val[:40], rc))
    check(not problems, "; ".join(problems))
    # well-formed forms start
    for var, val in (("MCP_S3_DENIED_PREFIXES", "s3://%s/" % RB), ("MCP_S3_DENIED_PREFIXES", " a/ , b/ "),
                     ("MCP_S3_ALLOWED_PREFIXES", "s3://abc/p,q/"), ("MCP_S3_ALLOWED_BUCKETS", "abc,%s" % RB)):
        started(**{var: val}).close()


@S.test
def no_secret_in_any_output():
    for s in ALL_SERVERS:
        check(SECRET_KEY not in s.stdout_text and SECRET_KEY not in s.stderr, "the secret key was printed")
        check(not s.bad_lines, "non-JSON lines on stdout: %s" % short([l[:100] for l in s.bad_lines]))


def main():
    global EP, AWS, RB, RB2
    EP = rgw_endpoint()
    if not EP:
        return S.fail_all("no endpoint: set MCP_S3_TEST_ENDPOINT or pass http://127.0.0.1:PORT")
    if not binary_ready():
        return S.fail_all("%s is missing (make build/mcp-s3)" % __import__("mcptest").BINARY)
    AWS = AwsCli(EP)
    try:
        try:
            RB = AWS.mb(unique("mcp-rules"))
            RB2 = AWS.mb(unique("mcp-rules"))
            parallel(lambda bk: AWS.put(bk[0], bk[1], body(*bk), content_type="text/plain"),
                     [(b, k) for b in (RB, RB2) for k in KEYS])
        except Exception as e:  # noqa: BLE001
            return S.fail_all("creating the test data with awscli: %s" % e)
        return S.run(sys.argv[1:])
    finally:
        for s in ALL_SERVERS:
            if s.proc.poll() is None:
                s.kill()
        for b in (RB, RB2):
            if b:
                AWS.rb(b)
        AWS.close()


if __name__ == "__main__":
    sys.exit(main())
