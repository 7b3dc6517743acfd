"""listmodel — a brute-force model of the access rules and of S3's
ListObjectsV2, and a pager that lists through build/mcp-s3 and checks every
answer against the model (tests/integration/test_listing_fake.py and
test_listing_rgw.py).

The rules (docs/security.md): entries `s3://bucket/prefix` or a bare
`prefix`. A key is visible when no denied rule for its bucket (the bucket
compared ignoring ASCII case) starts it, and, if any allowed rule exists,
one allowed rule for its bucket (the bucket as written) starts it; with
MCP_S3_ALLOWED_BUCKETS only those buckets (exact) are reachable. The
listing model is S3's, over the visible keys only: keys under the prefix,
each rolled up to prefix + everything up to and including the first
delimiter after the prefix, in the byte order of UTF-8; start_after is
exclusive and, as RGW does it, applies to the entries (a common prefix
that sorts before start_after is not shown again).

Standard library only.
"""
import base64
import json
import re
import unicodedata

from mcptest import ok_result, short

TOKEN_RE = re.compile(r"^l1\.[A-Za-z0-9_-]+$")


def bkey(s):
    """Sort key: the byte order of UTF-8."""
    return s.encode("utf-8", "surrogatepass")


def lower_ascii(s):
    return "".join(chr(ord(c) + 32) if "A" <= c <= "Z" else c for c in s)


class Rule:
    def __init__(self, entry):
        self.text = entry
        if entry[:5].lower() == "s3://":
            rest = entry[5:]
            b, _, p = rest.partition("/")
            self.bucket, self.prefix = b, p
        else:
            self.bucket, self.prefix = None, entry

    def __repr__(self):
        return self.text


def prefix_shape_ok(p):
    """The shape check of a listing prefix (policy.c): no backslash, no
    leading '/', no empty, '.' or '..' segment closed by a '/'."""
    if "\\" in p:
        return False
    if p.startswith("/"):
        return False
    segs = p.split("/")
    for s in segs[:-1]:           # the last one is open: "a/.." may be "a/..x"
        if s in ("", ".", ".."):
            return False
    return True


def bucket_name_ok(b):
    return 3 <= len(b) <= 63 and all(c.isascii() and (c.isalnum() or c in "._-") for c in b)


class Rules:
    """allowed, denied: lists of entries; buckets: MCP_S3_ALLOWED_BUCKETS;
    on: whether the rules are active at all (MCP_S3_EXT_PREFIXACL=true
    turns them on without any list)."""

    def __init__(self, allowed=(), denied=(), buckets=(), on=None):
        self.allowed = [Rule(e) for e in allowed]
        self.denied = [Rule(e) for e in denied]
        self.buckets = list(buckets)
        self.on = bool(allowed or denied or buckets) if on is None else on

    def env(self):
        e = {}
        if self.allowed:
            e["MCP_S3_ALLOWED_PREFIXES"] = ",".join(r.text for r in self.allowed)
        if self.denied:
            e["MCP_S3_DENIED_PREFIXES"] = ",".join(r.text for r in self.denied)
        if self.buckets:
            e["MCP_S3_ALLOWED_BUCKETS"] = ",".join(self.buckets)
        if self.on and not e:
            e["MCP_S3_EXT_PREFIXACL"] = "true"
        return e

    def texts(self):
        return [r.text for r in self.allowed + self.denied] + self.buckets

    def __repr__(self):
        return "Rules(%s)" % ", ".join("%s=%r" % kv for kv in self.env().items())

    def denied_for(self, bucket):
        return [r for r in self.denied if r.bucket is None or lower_ascii(r.bucket) == lower_ascii(bucket)]

    def allowed_for(self, bucket):
        return [r for r in self.allowed if r.bucket is None or r.bucket == bucket]

    def bucket_ok(self, bucket):
        if not self.on:
            return True
        if not bucket_name_ok(bucket):
            return False
        return not self.buckets or bucket in self.buckets

    def visible(self, bucket, key):
        if not self.on:
            return True
        if not self.bucket_ok(bucket):
            return False
        if any(key.startswith(r.prefix) for r in self.denied_for(bucket)):
            return False
        if not self.allowed:
            return True
        return any(key.startswith(r.prefix) for r in self.allowed_for(bucket))

    def list_refused(self, bucket, prefix):
        """True when a listing of bucket/prefix must be PolicyDenied: the
        bucket is out of reach, the prefix has a refused shape, or no key
        under the prefix could ever be visible. Brute force: a key can be
        visible under the prefix only if one of the candidates — the prefix
        or an allowed prefix that extends it, followed by a character no
        rule holds — is."""
        if not self.on:
            return False
        if not self.bucket_ok(bucket) or not prefix_shape_ok(prefix):
            return True
        z = "\x7f"
        cands = [prefix + z] + [r.prefix + z for r in self.allowed_for(bucket)
                                if r.prefix.startswith(prefix)]
        return not any(self.visible(bucket, c) for c in cands)


# --- S3 ListObjectsV2 -------------------------------------------------------------

def common_prefix(key, prefix, delimiter):
    """prefix + up to and including the first delimiter after it, or None."""
    if not delimiter or not key.startswith(prefix):
        return None
    i = key.find(delimiter, len(prefix))
    return None if i < 0 else key[:i + len(delimiter)]


def entries(keys, prefix="", delimiter="", start_after=""):
    """The full answer of ListObjectsV2 over keys, every page at once: a
    list of ("key", k) and ("prefix", cp) in byte order, start_after
    exclusive on the entries (RGW's behaviour, measured)."""
    out = {}
    for k in keys:
        if not k.startswith(prefix):
            continue
        cp = common_prefix(k, prefix, delimiter)
        if cp is not None:
            out[cp] = "prefix"
        else:
            out[k] = "key"
    got = sorted(out.items(), key=lambda kv: bkey(kv[0]))
    if start_after:
        got = [kv for kv in got if bkey(kv[0]) > bkey(start_after)]
    return [(kind, s) for s, kind in got]


def entries_keywise(keys, prefix="", delimiter="", start_after=""):
    """The other reading of start_after: the keys after it, then rolled up
    (a common prefix shows when one of its keys lies after start_after)."""
    return entries([k for k in keys if not start_after or bkey(k) > bkey(start_after)],
                   prefix, delimiter, "")


def hidden_common_prefixes(all_keys, visible_keys, prefix, delimiter):
    """Common prefixes S3 would compute over every key that the model does
    not show (they would reveal a hidden area)."""
    if not delimiter:
        return set()
    every = {s for kind, s in entries(all_keys, prefix, delimiter) if kind == "prefix"}
    shown = {s for kind, s in entries(visible_keys, prefix, delimiter) if kind == "prefix"}
    return every - shown


# --- text blocks ---------------------------------------------------------------------

def text_safe(s):
    """What the server's text_safe() makes of a string (tools.c)."""
    out = []
    for ch in s:
        o = ord(ch)
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\r":
            out.append("\\r")
        elif o < 0x20 or o == 0x7f:
            out.append("\\x%02x" % o)
        elif 0x80 <= o <= 0x9f or o in (0x2028, 0x2029):
            out.append("\\u%04x" % o)
        else:
            out.append(ch)
    return "".join(out)


def control_chars(text, allow="\n"):
    """Code points of category Cc (C0, DEL, C1) in text, other than allow."""
    return sorted({"U+%04X" % ord(c) for c in text if unicodedata.category(c) == "Cc" and c not in allow})


def line_separators(text):
    """U+2028 / U+2029: line breaks to Unicode (str.splitlines, JS)."""
    return sorted({"U+%04X" % ord(c) for c in text if c in "\u2028\u2029"})


def unescaped_quotes(segment):
    """Positions in segment (text that came from S3, as the server wrote it)
    of a '"' that no backslash escapes, and of a backslash that starts no
    escape of text_safe(). [] when the segment is clean."""
    bad, i = [], 0
    while i < len(segment):
        c = segment[i]
        if c == "\\":
            nxt = segment[i + 1:i + 2]
            if nxt in ('"', "\\", "n", "r", "t"):
                i += 2
                continue
            if nxt == "x" and re.match(r"[0-9a-f]{2}", segment[i + 2:i + 4]):
                i += 4
                continue
            if nxt == "u" and re.match(r"[0-9a-f]{4}", segment[i + 2:i + 6]):
                i += 6
                continue
            bad.append((i, "lone backslash"))
        elif c == '"':
            bad.append((i, "unescaped quote"))
        i += 1
    return bad


HEADER_RE = re.compile(r"^s3://(?P<bucket>[^/]*)/(?P<prefix>.*): (?P<n>\d+) objects?, "
                       r"(?P<m>\d+) common prefix(?:es)?(?P<more> \(more follow\))?$")
OBJECT_RE = re.compile(r"^(\S+) +(\d+)  (.*)$")
NOTICES = {
    "Access rules are on: keys hidden by them are neither listed nor counted.",
}
NOT_UTF8_RE = re.compile(r"^\d+ keys? in this page (is|are) not valid UTF-8 and cannot be shown\.$")
MORE_RE = re.compile(r'^More follows: call s3_list_objects again with continuation_token "(.*)"\.$')
NO_TOKEN = ("More follows, but S3 gave no continuation token: call again with start_after set "
            "to the last key shown.")
END = "End of listing."


def parse_listing_text(text):
    """The listing text block, line by line; raises on any line that is not
    one the server writes. Returns dict(header, keys, prefixes, token, end)."""
    check_that(text.endswith("\n"), "the listing text does not end in a newline: %r" % text[-80:])
    lines = text[:-1].split("\n")
    m = HEADER_RE.match(lines[0])
    check_that(m is not None, "listing text: first line %r" % lines[0][:200])
    out = {"header": m, "keys": [], "prefixes": [], "token": None, "end": None, "notices": []}
    i = 1
    while i < len(lines) and not lines[i].startswith("PRE ") and lines[i] not in NOTICES and \
            not NOT_UTF8_RE.match(lines[i]) and not lines[i].startswith("More follows") and lines[i] != END:
        om = OBJECT_RE.match(lines[i])
        check_that(om is not None, "listing text: line %d is no object line: %r" % (i, lines[i][:200]))
        out["keys"].append(om.group(3))
        i += 1
    while i < len(lines) and lines[i].startswith("PRE "):
        out["prefixes"].append(lines[i][4:])
        i += 1
    while i < len(lines) and (lines[i] in NOTICES or NOT_UTF8_RE.match(lines[i])):
        out["notices"].append(lines[i])
        i += 1
    check_that(i == len(lines) - 1, "listing text: unexpected lines %r" % lines[i:][:5])
    last = lines[i]
    mm = MORE_RE.match(last)
    if mm:
        out["token"] = mm.group(1)
        out["end"] = "more"
    elif last == NO_TOKEN:
        out["end"] = "more-no-token"
    elif last == END:
        out["end"] = "end"
    else:
        raise AssertionError("listing text: last line %r" % last[:200])
    return out


def check_that(cond, msg):
    if not cond:
        raise AssertionError(msg)


# --- answers -----------------------------------------------------------------------

def raw_line_of(srv, rid):
    """The stdout line (bytes) that answered id rid."""
    for line in reversed(list(srv.raw)):
        try:
            m = json.loads(line.decode("utf-8"))
        except ValueError:
            continue
        if isinstance(m, dict) and m.get("id") == rid:
            return line
    raise AssertionError("no stdout line answers id %r" % (rid,))


def strings_in(x):
    """Every string (keys and values) inside a parsed JSON value."""
    if isinstance(x, str):
        yield x
    elif isinstance(x, dict):
        for k, v in x.items():
            yield k
            yield from strings_in(v)
    elif isinstance(x, list):
        for v in x:
            yield from strings_in(v)


def strict_json_line(line, what):
    """json.loads of the raw bytes, decoded as strict UTF-8; no string holds
    a lone surrogate. Returns the message."""
    check_that(line.endswith(b"\n"), "%s: the answer line does not end in a newline" % what)
    try:
        m = json.loads(line.decode("utf-8", "strict"))
    except (UnicodeDecodeError, ValueError) as e:
        raise AssertionError("%s: the answer line is not valid JSON in UTF-8: %s: %r" % (what, e, line[:300]))
    for s in strings_in(m):
        try:
            s.encode("utf-8", "strict")
        except UnicodeEncodeError:
            raise AssertionError("%s: a string of the answer holds a lone surrogate: %r" % (what, s[:200]))
    return m


TEMPLATE = (" ".join(NOTICES) + " " + NO_TOKEN + " " + END +
            ' More follows: call s3_list_objects again with continuation_token "". '
            "objects, common prefixes (more follow) PRE s3:// key size last_modified etag "
            "storage_class is refused by the access rules: Hint: stay inside the allowed prefixes; "
            "the rules are set by MCP_S3_ALLOWED_PREFIXES, MCP_S3_DENIED_PREFIXES and "
            "MCP_S3_ALLOWED_BUCKETS. PolicyDenied no allowed prefix matches (allowed: none in bucket "
            "denied prefix STANDARD bucket prefix delimiter objects common_prefixes count is_truncated "
            "next_continuation_token jsonrpc result content structuredContent type text isError")


def leaks_in(line, msg, hidden, legit):
    """Hidden strings (hidden keys, hidden common prefixes) found in the raw
    line or in any string of the parsed message, leaving out those that are
    a part of a legitimate string (what the model shows, the request, the
    rule texts, the server's fixed words)."""
    legit = [s for s in legit if s] + [TEMPLATE]
    raw = line.decode("utf-8", "replace")
    everything = raw + "\x00" + "\x00".join(strings_in(msg))
    found = []
    for h in hidden:
        if len(h) < 2 or any(h in s for s in legit):
            continue
        forms = {h, json.dumps(h)[1:-1], json.dumps(h, ensure_ascii=False)[1:-1], text_safe(h)}
        if any(f in everything for f in forms):
            found.append(h)
    return found


def token_leaks(token, hidden):
    """Hidden strings (6 bytes or more) in the base64url bytes of a token."""
    body = token[3:] if token.startswith("l1.") else token
    try:
        raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except (ValueError, TypeError):
        raw = b""
    return [h for h in hidden if len(bkey(h)) >= 6 and (bkey(h) in raw or h in token)]


SC_KEYS = {"bucket", "prefix", "delimiter", "objects", "common_prefixes", "count", "is_truncated",
           "next_continuation_token"}
OBJ_KEYS = {"key", "size", "last_modified", "etag", "storage_class"}


class Page:
    def __init__(self, args, msg, line, sc, text, parsed, requests):
        self.args, self.msg, self.line, self.sc, self.text = args, msg, line, sc, text
        self.parsed, self.requests = parsed, requests


class Listing:
    def __init__(self):
        self.keys, self.prefixes, self.order, self.pages, self.tokens = [], [], [], [], []


def call_raw(srv, tool, args):
    """(message, raw line) of one tools/call."""
    rid = srv.new_id()
    srv.send({"jsonrpc": "2.0", "id": rid, "method": "tools/call",
              "params": {"name": tool, "arguments": args}})
    m = srv.wait_id(rid)
    return m, raw_line_of(srv, rid)


def list_pages(srv, bucket, prefix=None, delimiter=None, start_after=None, max_keys=None,
               ruled=True, hidden=(), legit=(), fake=None, max_pages=300, max_requests=10):
    """Pages through s3_list_objects (next_continuation_token, start_after
    only on the first page) and checks each answer: valid JSON line, the
    structuredContent's shape, the text block parsed line by line and equal
    to the structured content, the token sealed (when ruled), no hidden
    string anywhere, and (with fake) at most max_requests S3 requests a
    call. Returns a Listing."""
    out = Listing()
    token = None
    base = {"bucket": bucket}
    if prefix is not None:
        base["prefix"] = prefix
    if delimiter is not None:
        base["delimiter"] = delimiter
    if max_keys is not None:
        base["max_keys"] = max_keys
    for n in range(max_pages):
        a = dict(base)
        if token is not None:
            a["continuation_token"] = token
        elif start_after is not None:
            a["start_after"] = start_after
        before = len(fake.requests) if fake is not None else 0
        m, line = call_raw(srv, "s3_list_objects", a)
        what = "list %s page %d" % (short(a, 200), n + 1)
        m2 = strict_json_line(line, what)
        check_that(m2 == m, "%s: the raw line and the parsed answer differ" % what)
        check_that("result" in m, "%s: JSON-RPC error %s" % (what, short(m.get("error"))))
        r = m["result"]
        reqs = fake.requests[before:] if fake is not None else []
        if fake is not None:
            check_that(len(reqs) <= max_requests, "%s: the call made %d S3 requests (at most %d)"
                       % (what, len(reqs), max_requests))
        sc = ok_result(r, what)
        check_that(set(r) <= {"content", "structuredContent", "isError"}, "%s: result keys %s" % (what, sorted(r)))
        check_that(len(r["content"]) == 1 and set(r["content"][0]) == {"type", "text"}
                   and r["content"][0]["type"] == "text", "%s: content %s" % (what, short(r["content"])))
        check_that(set(sc) <= SC_KEYS, "%s: unexpected structuredContent fields %s" % (what, sorted(set(sc) - SC_KEYS)))
        for o in sc["objects"]:
            check_that(set(o) <= OBJ_KEYS, "%s: unexpected object fields %s" % (what, sorted(set(o) - OBJ_KEYS)))
        text = r["content"][0]["text"]
        cc = control_chars(text)
        check_that(not cc, "%s: the text block holds control characters %s: %r" % (what, cc, text[:300]))
        p = parse_listing_text(text)
        keys = [o["key"] for o in sc["objects"]]
        cps = list(sc.get("common_prefixes") or [])
        check_that(p["keys"] == [text_safe(k) for k in keys],
                   "%s: the text's object lines %s differ from structuredContent %s" % (what, p["keys"], keys))
        check_that(p["prefixes"] == [text_safe(c) for c in cps],
                   "%s: the text's PRE lines %s differ from structuredContent %s" % (what, p["prefixes"], cps))
        h = p["header"]
        check_that((int(h.group("n")), int(h.group("m"))) == (len(keys), len(cps)),
                   "%s: header counts %s" % (what, h.group(0)))
        check_that(h.group("bucket") == bucket and h.group("prefix") == text_safe(prefix or ""),
                   "%s: header %r" % (what, h.group(0)))
        check_that(sc.get("count") == len(keys), "%s: count %r for %d objects" % (what, sc.get("count"), len(keys)))
        check_that(sc["bucket"] == bucket, "%s: bucket %r" % (what, sc["bucket"]))
        check_that(sc.get("prefix", "") == (prefix or ""), "%s: prefix %r" % (what, sc.get("prefix")))
        check_that(sc.get("delimiter", "") == (delimiter or ""), "%s: delimiter %r" % (what, sc.get("delimiter")))
        trunc = sc["is_truncated"]
        check_that(bool(h.group("more")) == bool(trunc), "%s: header %r, is_truncated %r" % (what, h.group(0), trunc))
        nxt = sc.get("next_continuation_token")
        if trunc:
            check_that(nxt, "%s: is_truncated without a token" % what)
            check_that(p["end"] == "more" and p["token"] == text_safe(nxt),
                       "%s: the text's token line %r does not carry the token %r" % (what, text.splitlines()[-1][:200], nxt))
            if ruled:
                check_that(TOKEN_RE.match(nxt), "%s: the token is not sealed (l1.<base64url>): %r" % (what, nxt[:200]))
                tl = token_leaks(nxt, hidden)
                check_that(not tl, "%s: the token holds hidden keys %s" % (what, tl))
        else:
            check_that(nxt is None, "%s: a token on the last page: %r" % (what, nxt))
            check_that(p["end"] == "end", "%s: the last page does not say End of listing" % what)
        # Hidden keys listed as objects.  (A common prefix may be spelt like
        # a hidden key, "c" beside the key "c": the pages' equality with
        # the model decides whether it may be shown.)
        hs = set(hidden)
        shown_hidden = [x for x in keys if x in hs]
        check_that(not shown_hidden, "%s: hidden keys or common prefixes listed: %s" % (what, shown_hidden))
        fields = [v for o in sc["objects"] for f, v in o.items() if f != "key" and isinstance(v, str)]
        lk = leaks_in(line, m, hidden, list(legit) + keys + cps + fields +
                      [bucket, prefix or "", delimiter or "", start_after or "", nxt or "",
                       "s3://%s/%s" % (bucket, text_safe(prefix or ""))])
        check_that(not lk, "%s: hidden strings in the answer: %s; answer %s" % (what, lk, short(m, 600)))
        out.keys += keys
        out.prefixes += cps
        merged = sorted([("key", k) for k in keys] + [("prefix", c) for c in cps], key=lambda kv: bkey(kv[1]))
        out.order += merged
        out.pages.append(Page(a, m, line, sc, text, p, reqs))
        if not trunc:
            return out
        out.tokens.append(nxt)
        token = nxt
    raise AssertionError("list %s: more than %d pages" % (short(base), max_pages))


def policy_denied(srv, args, hidden=(), legit=()):
    """Asserts a PolicyDenied isError answer that is a valid line, holds no
    hidden string other than what the caller asked for or the rules say."""
    m, line = call_raw(srv, "s3_list_objects", args)
    what = "list %s" % short(args, 200)
    strict_json_line(line, what)
    r = m.get("result") or {}
    check_that(r.get("isError") is True, "%s: expected PolicyDenied, got %s" % (what, short(m, 500)))
    t = r["content"][0]["text"]
    check_that(t.startswith("PolicyDenied"), "%s: expected PolicyDenied, got %r" % (what, t[:300]))
    lk = leaks_in(line, m, hidden, list(legit) + [args.get("bucket", ""), args.get("prefix", ""),
                                                  "s3://%s/%s" % (args.get("bucket", ""),
                                                                  text_safe(args.get("prefix", "")))])
    check_that(not lk, "%s: hidden strings in the refusal: %s: %r" % (what, lk, t[:300]))
    return t
