#!/usr/bin/env python3
"""The strict JSON reader (src/json.c) set against Python's json module.

Every file of tests/fuzz/corpus/json, and every line of the files of
tests/fuzz/corpus/mcp, is read by both:
  - ours: build/host/fuzz/fuzz_json with JSON_VERDICT set prints "ok N"
    (N tokens) or "err E" per input, in the order of its arguments;
  - Python's: the bytes decoded as strict UTF-8 (no BOM), then json.loads
    with strict=True (no raw control characters), parse_constant raising
    (no NaN, Infinity, -Infinity), numbers kept as text (no digit limit)
    and object_pairs_hook seeing every member.
Python is lenient where our rules are stricter, so its verdict is narrowed
to them before the two are compared:
  - a lone surrogate escape ("\\ud800") is refused (JSON_EUTF8);
  - an object with two members of the same key, compared after unescaping,
    is refused (JSON_EDUPKEY), where Python would keep the last one;
  - more than JSON_MAX_DEPTH (64) nested containers, or more than
    JSON_MAX_TOKENS (65536) tokens (values and keys), are refused.
An input passes when both accept it with the same number of tokens, or
both refuse it; when Python's only objection is a duplicate key, ours
must be JSON_EDUPKEY.

    python3 tests/integration/test_json_diff.py
"""
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.join(ROOT, "build/host/fuzz/fuzz_json")
MAX_DEPTH = 64
MAX_TOKENS = 65536
EDUPKEY = -5


class Refused(Exception):
    pass


class Duplicate(Exception):
    pass


def no_constant(name):
    raise Refused("constant " + name)


def pairs(items):
    keys = [k for k, _ in items]
    if len(set(keys)) != len(keys):
        raise Duplicate()
    return dict(items)


def has_surrogate(s):
    return any(0xD800 <= ord(c) <= 0xDFFF for c in s)


def measure(v, depth=0):
    """(tokens, deepest container nesting) of a decoded value; Refused on a
    lone surrogate in a key or string."""
    if isinstance(v, dict):
        n, d = 1, depth + 1
        for k, x in v.items():
            if has_surrogate(k):
                raise Refused("surrogate")
            tn, td = measure(x, depth + 1)
            n += 1 + tn
            d = max(d, td)
        return n, d
    if isinstance(v, list):
        n, d = 1, depth + 1
        for x in v:
            tn, td = measure(x, depth + 1)
            n += tn
            d = max(d, td)
        return n, d
    if isinstance(v, str) and has_surrogate(v):
        raise Refused("surrogate")
    return 1, depth


def python_verdict(data):
    """("ok", tokens), ("dup", None) or ("err", why)."""
    try:
        text = data.decode("utf-8", errors="strict")
    except UnicodeDecodeError:
        return ("err", "utf-8")
    dup = False
    try:
        v = json.loads(text, strict=True, parse_constant=no_constant,
                       parse_int=str, parse_float=str, object_pairs_hook=pairs)
    except Duplicate:
        # Parse again keeping the last duplicate, to know whether that is
        # Python's only objection.
        dup = True
        try:
            v = json.loads(text, strict=True, parse_constant=no_constant,
                           parse_int=str, parse_float=str)
        except (ValueError, Refused, RecursionError) as e:
            return ("err", str(e))
    except (ValueError, Refused, RecursionError) as e:
        return ("err", str(e))
    try:
        n, d = measure(v)
    except Refused as e:
        return ("err", str(e))
    except RecursionError:
        return ("err", "deep")
    if d > MAX_DEPTH:
        return ("err", "depth %d" % d)
    if dup:
        return ("dup", None)
    if n > MAX_TOKENS:
        return ("err", "tokens %d" % n)
    return ("ok", n)


def inputs():
    """(label, bytes) for every json corpus file and every mcp corpus line."""
    out = []
    d = os.path.join(ROOT, "tests/fuzz/corpus/json")
    for f in sorted(os.listdir(d)):
        p = os.path.join(d, f)
        if os.path.isfile(p):
            with open(p, "rb") as fh:
                out.append(("json/" + f, fh.read()))
    d = os.path.join(ROOT, "tests/fuzz/corpus/mcp")
    for f in sorted(os.listdir(d)):
        p = os.path.join(d, f)
        if not os.path.isfile(p):
            continue
        with open(p, "rb") as fh:
            for i, line in enumerate(fh.read().split(b"\n")):
                if line.strip(b" \t\r"):
                    out.append(("mcp/%s:%d" % (f, i + 1), line))
    return out


def ours(items):
    """Our verdicts, one per input: ("ok", tokens) or ("err", code)."""
    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for i, (_, data) in enumerate(items):
            p = os.path.join(tmp, "%06d" % i)
            with open(p, "wb") as fh:
                fh.write(data)
            paths.append(p)
        env = dict(os.environ, JSON_VERDICT="1")
        verdicts = []
        for k in range(0, len(paths), 500):
            r = subprocess.run([BIN] + paths[k:k + 500], env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, timeout=300, check=False)
            if r.returncode != 0:
                raise SystemExit("test_json_diff: %s failed (%d): %s" %
                                 (BIN, r.returncode, r.stderr.decode(errors="replace")[-500:]))
            for line in r.stdout.decode().splitlines():
                if line.startswith("ok ") or line.startswith("err "):
                    w, n = line.split()
                    verdicts.append((w, int(n)))
        if len(verdicts) != len(items):
            raise SystemExit("test_json_diff: %d verdicts for %d inputs" % (len(verdicts), len(items)))
        return verdicts


def main():
    if not os.access(BIN, os.X_OK):
        subprocess.run(["make", "-s", "-C", ROOT, "build/host/fuzz/fuzz_json"], check=True)
    items = inputs()
    passed = failed = 0
    tally = {"ok": 0, "err": 0, "dup": 0}
    for (label, data), (w, n) in zip(items, ours(items)):
        pv, why = python_verdict(data)
        tally[pv] += 1
        if pv == "ok":
            good = w == "ok" and n == why
        elif pv == "dup":
            good = w == "err" and n == EDUPKEY
        else:
            good = w == "err"
        if good:
            passed += 1
        else:
            failed += 1
            print("FAIL %s: ours %s %d, Python %s %s (%r)" %
                  (label, w, n, pv, why, data[:80]), flush=True)
    print("inputs: %d (Python: %d accepted, %d refused, %d only for a duplicate key)" %
          (len(items), tally["ok"], tally["err"], tally["dup"]))
    print("test_json_diff: %d passed, %d failed" % (passed, failed), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
