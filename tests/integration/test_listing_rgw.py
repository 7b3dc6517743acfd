#!/usr/bin/env python3
# needs: rgw
"""Listings under access rules against the real RGW (issue 11): the
property test of test_listing_fake.py with fewer cases (random keys written
with awscli, random rules, random listings, against listmodel.py), the
issue's example (max_keys 2, the token loop without a prefix, delimiter
"c"), and the key `rt/allowed/w2 ?x=1&versionId=2#f\\r\\n.txt`: no text block
holds a raw CR/LF or an unescaped quote that came from S3, and neither the
listing nor the token line can inject a line. The suite makes its own
buckets and removes them.

    MCP_S3_TEST_ENDPOINT=http://127.0.0.1:PORT python3 tests/integration/test_listing_rgw.py [NAME ...]
"""
import os
import random
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import listmodel as LM  # noqa: E402
import test_listing_fake as F  # noqa: E402
from mcptest import (AwsCli, Server, Suite, base_env, binary_ready, check, eq,  # noqa: E402
                     parallel, rgw_endpoint, unique)

S = Suite("test_listing_rgw.py")
EP = None
AWS = None
B0 = B1 = SCR = None     # random keys, random keys, the issue's example
STORE = {}
SERVERS = []
SEED = int(os.environ.get("MCP_S3_TEST_SEED") or int(time.time()) % 100000)
W2 = "rt/allowed/w2 ?x=1&versionId=2#f\r\n.txt"
W3 = "rt/allowed/w3 \"quoted\" \\ back.txt"
EXAMPLE_KEYS = ["aaa/first.txt", "rt/allowed/a.txt", "rt/allowed/b/c.txt", "rt/allowed/secret/s1.txt",
                "rt/allowed/secret/s2.txt", "rt/allowed/z.txt", "rt/allowed0.txt", "rt/outside.txt",
                "zzz/last.txt", W2, W3]
SHOWN = ["rt/allowed/a.txt", "rt/allowed/b/c.txt", W2, W3, "rt/allowed/z.txt"]


def example_rules():
    return LM.Rules(["s3://%s/rt/allowed/" % SCR], ["s3://%s/rt/allowed/secret/" % SCR])


def started(rules, extra=None):
    env = dict(rules.env())
    env.update(extra or {})
    s = Server(base_env(env, endpoint=EP))
    SERVERS.append(s)
    try:
        s.initialize()
    except Exception as e:  # noqa: BLE001
        s.kill()
        raise AssertionError("start with %s failed: %s; stderr %r" % (rules, e, s.stderr[-300:]))
    return s


def hidden_of(rules, bucket, keys, prefix="", delimiter=""):
    vis = [k for k in keys if rules.visible(bucket, k)]
    return [k for k in keys if k not in vis] + sorted(LM.hidden_common_prefixes(keys, vis, prefix, delimiter))


@S.test
def property_random_keys_rules_and_listings_on_rgw():
    rnd = random.Random(SEED + 1)
    print("# seed %d (MCP_S3_TEST_SEED=%d repeats it)" % (SEED, SEED), flush=True)
    t0 = time.monotonic()
    failures, sets = [], 0
    F.PROPERTY_STATS.clear()
    while sets < 25 and time.monotonic() - t0 < 40:
        sets += 1
        rules = F.rand_rules(rnd, STORE, (B0, B1))
        cases = [F.rand_listing(rnd, STORE, (B0, B1)) for _ in range(8)]
        s = started(rules)
        try:
            for c in cases:
                try:
                    F.one_listing(s, rules, STORE, *c, fake=None)
                except AssertionError as e:
                    failures.append(str(e))
                    if len(failures) <= 3:
                        print("# FAILED %s" % str(e)[:1500], flush=True)
        finally:
            s.close()
    print("# %d rule sets, %s, %.1fs" % (sets, F.PROPERTY_STATS, time.monotonic() - t0), flush=True)
    for repro, got, want in F.SA_INSIDE[:2]:
        print("# start_after inside a common prefix (see test_listing_fake.py): %s: got %s, S3 %s"
              % (repro[:400], got, want), flush=True)
    check(not failures, "%d listings failed; first: %s" % (len(failures), failures[0][:3000] if failures else ""))


@S.test
def issue_example_max_keys_2_on_rgw():
    rules = example_rules()
    s = started(rules)
    try:
        hidden = hidden_of(rules, SCR, EXAMPLE_KEYS, "rt/allowed/")
        got = LM.list_pages(s, SCR, "rt/allowed/", None, None, 2, hidden=hidden)
        eq(got.keys, SHOWN, "keys")
        eq(len(got.pages[0].sc["objects"]), 2, "first page")
        for p in got.pages:
            check(b"secret" not in p.line, "secret in %r" % p.line[:400])
    finally:
        s.close()


@S.test
def issue_example_token_loop_without_prefix_on_rgw():
    rules = example_rules()
    s = started(rules)
    try:
        got = LM.list_pages(s, SCR, None, None, None, 1, hidden=hidden_of(rules, SCR, EXAMPLE_KEYS))
        eq(got.keys, SHOWN, "keys")
        for p in got.pages:
            for h in (b"secret", b"s1.txt", b"outside", b"aaa/", b"zzz/", b"allowed0"):
                check(h not in p.line, "%r in the answer %r" % (h, p.line[:400]))
    finally:
        s.close()


@S.test
def issue_example_delimiter_c_on_rgw():
    rules = example_rules()
    s = started(rules)
    try:
        vis = [k for k in EXAMPLE_KEYS if rules.visible(SCR, k)]
        for prefix in ("rt/allowed/", None, "rt/"):
            for mk in (None, 1):
                if rules.list_refused(SCR, prefix or ""):
                    LM.policy_denied(s, {"bucket": SCR, "prefix": prefix, "delimiter": "c"})
                    continue
                got = LM.list_pages(s, SCR, prefix, "c", None, mk,
                                    hidden=hidden_of(rules, SCR, EXAMPLE_KEYS, prefix or "", "c"))
                eq(got.order, LM.entries(vis, prefix or "", "c"), "prefix %r delimiter c max_keys %r" % (prefix, mk))
                for p in got.pages:
                    check(b"rt/allowed/sec" not in p.line, "rt/allowed/sec in %r" % p.line[:400])
    finally:
        s.close()


def check_w2_text(text, what):
    cc = LM.control_chars(text)
    check(not cc, "%s: control characters %s in the text: %r" % (what, cc, text))
    check("\r" not in text, "%s: a raw CR in the text" % what)
    p = LM.parse_listing_text(text)     # any injected line fails here
    for line in text.split("\n"):
        if "w2 ?x=1" in line or "rt/allowed/w3" in line:
            i = line.index("rt/allowed/w")
            seg = line[i:]
            if line.startswith("More follows"):
                seg = seg[:-2]          # the server's own closing quote and period
            bad = LM.unescaped_quotes(seg)
            check(not bad, "%s: %s in %r" % (what, bad, line))
    return p


@S.test
def key_with_cr_lf_and_quote_cannot_inject_a_line():
    """The key holds CR, LF, '#', '&', '?'. Listed with rules on (sealed
    tokens) and off (RGW's plain token, which is the key itself when the
    page ends on it), every text block escapes it: parse_listing_text
    accounts for every line, no raw CR/LF/control character, no unescaped
    quote in what came from S3."""
    for rules in (example_rules(), LM.Rules(on=False)):
        s = started(rules)
        try:
            for mk in (1, 2, 3, None):
                got = LM.list_pages(s, SCR, "rt/allowed/", None, None, mk, ruled=rules.on,
                                    hidden=hidden_of(rules, SCR, EXAMPLE_KEYS, "rt/allowed/"))
                check(W2 in got.keys and W3 in got.keys, "%s: the key is not listed: %s" % (rules, got.keys))
                for p in got.pages:
                    check_w2_text(p.text, "%s max_keys %r" % (rules, mk))
                    for k, tag in ((W2, "w2 ?x=1"), (W3, "w3 ")):
                        for ln in [ln for ln in p.text.split("\n") if tag in ln]:
                            check(LM.text_safe(k) in ln, "%s: the key is not escaped as text_safe: %r" % (rules, ln))
                    if not rules.on and p.sc.get("next_continuation_token"):
                        tl = p.text.split("\n")[-2]
                        check(tl.startswith("More follows") and tl.endswith('".'), "token line %r" % tl)
        finally:
            s.close()


def main():
    global EP, AWS, B0, B1, SCR
    EP = rgw_endpoint()
    if not EP:
        return S.fail_all("no endpoint: set MCP_S3_TEST_ENDPOINT or pass http://127.0.0.1:PORT")
    if not binary_ready():
        return S.fail_all("build/mcp-s3 is missing (make build/mcp-s3)")
    AWS = AwsCli(EP)
    try:
        try:
            B0 = AWS.mb(unique("mcp-listing"))
            B1 = AWS.mb(unique("mcp-listing"))
            SCR = AWS.mb(unique("mcp-scratch"))
            rnd = random.Random(SEED)
            for b in (B0, B1):
                # awscli writes a leading "/" or "//" as it is; keep them out of
                # the RGW key sets all the same (path normalisation is not the test)
                ks = [k for k in F.rand_keys(rnd) if not k.startswith("/") and "//" not in k]
                STORE[b] = sorted(ks, key=LM.bkey)
            objs = [(b, k) for b in (B0, B1) for k in STORE[b]] + [(SCR, k) for k in EXAMPLE_KEYS]
            parallel(lambda bk: AWS.put(bk[0], bk[1], b"x"), objs, workers=12)
            for b in (B0, B1):
                got = AWS.keys(b)
                eq(got, STORE[b], "keys of %s as awscli lists them" % b)
        except Exception as e:  # noqa: BLE001
            return S.fail_all("creating the test data with awscli: %s" % e)
        return S.run(sys.argv[1:])
    finally:
        for s in SERVERS:
            if s.proc.poll() is None:
                s.kill()
        for b in (B0, B1, SCR):
            if b:
                AWS.rb(b)
        AWS.close()


if __name__ == "__main__":
    sys.exit(main())
