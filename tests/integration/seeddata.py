#!/usr/bin/env python3
"""The test data set, defined once: seed.sh writes it, the tests expect it.

Everything is deterministic (fixed PRNG seeds), so a test can rebuild the exact
bytes of any seeded object without downloading it.

    python3 seeddata.py write DIR [all|small]
        DIR/tree/<key>     objects whose key is a plain relative file name
                           (uploaded with one `aws s3 cp --recursive`)
        DIR/extra/<n>      the other objects; DIR/extra.tsv lists
                           n<TAB>key<TAB>content-type<TAB>metadata (k=v,k=v)
        DIR/many/k/NNNNN   the 2,500 small keys of the `mcp-many` bucket (all only)
    python3 seeddata.py bench DIR       DIR/big8m.txt (8 MiB of text) and
                                        DIR/keys/b/NNNNN (10,000 small keys)
"""
import os
import random
import struct
import sys
import zlib

MAIN = "mcp-test"
MANY = "mcp-many"
MANY_COUNT = 2500
BENCH_BUCKET = "mcp-bench"
BENCH_KEYS = 10000
BENCH_BIG_BUCKET = "mcp-bench-big"
BENCH_BIG_KEY = "big8m.txt"
BENCH_BIG_SIZE = 8 * 1024 * 1024
BENCH_ASCII_KEY = "big8m-ascii.txt"   # the same size, ASCII only

HOSTILE = [
    "sp ace.txt", "plus+sign.txt", "per%cent.txt", "q?mark.txt", "hash#tag.txt",
    "ünï/cødé 日本.txt", "dbl//slash.txt", "tilde~.txt", "star*.txt",
    "paren!'().txt", "trailing space .txt",
]
LONG_KEY = "long/" + ("0123456789abcdefghijklmnopqrstuvwxyz" * 40)[:1019]
assert len(LONG_KEY.encode()) == 1024

HELLO = b"Hello from mcp-s3 tests!\nSecond line.\n"
README = ("# Readme\n\nThis is **docs/readme.md**, seeded for mcp-s3.\n"
          "Unicode: café, naïve, 日本語.\n").encode()
LATIN1 = "Latin-1 text: café, naïve, résumé, Ærøskøbing.\n".encode("latin-1")
META = {"owner": "alice", "purpose": "test"}
UTF8_BIN = "octet-stream, but valid UTF-8: Grüße, 日本\n".encode()
NUL_TXT = b"text/plain, but with a NUL \x00 in the middle\n"


def hostile_body(key):
    return ("content of key <%s>\n" % key).encode()


def many_body(i):
    return ("many %05d\n" % i).encode()


def blob(size=100 * 1024):
    """Random bytes with plenty of NULs (and never valid UTF-8)."""
    rnd = random.Random(20261123)
    b = bytearray(rnd.getrandbits(8) for _ in range(size))
    for i in range(0, size, 97):
        b[i] = 0
    b[1] = 0xFF
    return bytes(b)


def png(width=1, height=1, noise=False):
    """A real PNG (RGBA, 8-bit). noise=True gives an incompressible one."""
    rnd = random.Random(7)
    raw = bytearray()
    for y in range(height):
        raw.append(0)  # filter: none
        for x in range(width):
            if noise:
                raw += bytes(rnd.getrandbits(8) for _ in range(3)) + b"\xff"
            else:
                raw += b"\xff\x80\x00\xff"

    def chunk(typ, data):
        return (struct.pack(">I", len(data)) + typ + data
                + struct.pack(">I", zlib.crc32(typ + data) & 0xFFFFFFFF))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
            + chunk(b"IDAT", zlib.compress(bytes(raw), 9)) + chunk(b"IEND", b""))


# The standard luminance Huffman tables of ITU T.81 Annex K.3.
_DC_BITS = [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0]
_DC_VALS = list(range(12))
_AC_BITS = [0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 0x7D]
_AC_VALS = bytes.fromhex(
    "01020300041105122131410613516107227114328191a1082342b1c11552d1f024"
    "33627282090a161718191a25262728292a3435363738393a434445464748494a53"
    "5455565758595a636465666768696a737475767778797a838485868788898a9293"
    "9495969798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9bac2c3c4c5c6c7c8c9"
    "cad2d3d4d5d6d7d8d9dae1e2e3e4e5e6e7e8e9eaf1f2f3f4f5f6f7f8f9fa")


def jpeg():
    """A tiny valid baseline JFIF: one 8x8 block, grayscale, flat mid-grey.

    The block's DC difference is 0 (category 0, code '00' in the standard
    table) and every AC coefficient is 0 (EOB, code '1010'): the entropy-coded
    segment is the bits 001010 padded with ones, i.e. 0x2B.
    """
    def seg(marker, data):
        return b"\xff" + bytes([marker]) + struct.pack(">H", len(data) + 2) + data
    app0 = b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    dqt = b"\x00" + bytes([1] * 64)
    sof0 = struct.pack(">BHHB", 8, 8, 8, 1) + b"\x01\x11\x00"
    dht = (b"\x00" + bytes(_DC_BITS) + bytes(_DC_VALS)
           + b"\x10" + bytes(_AC_BITS) + _AC_VALS)
    sos = b"\x01\x01\x00\x00\x3f\x00"
    return (b"\xff\xd8" + seg(0xE0, app0) + seg(0xDB, dqt) + seg(0xC0, sof0)
            + seg(0xC4, dht) + seg(0xDA, sos) + b"\x2b" + b"\xff\xd9")


def big_text(size=200 * 1024, straddle=(1000, 2000, 4096, 65536, 131072)):
    """UTF-8 text of exactly `size` bytes, dense with 2- and 3-byte characters.

    At every offset in `straddle` a 3-byte character begins one byte earlier,
    so a window ending there would cut the character.
    """
    words = ["é", "日本", "naïve", "café", "日本語のテキスト", "Ünïcødé", "ß", "—",
             "lorem", "ipsum", "€", "ø", "テスト", "ça"]
    rnd = random.Random(1123)
    out = bytearray()
    targets = sorted(straddle)
    line = 0
    while len(out) < size - 64:
        if targets and len(out) >= targets[0] - 40:
            t = targets.pop(0)
            out += b"." * (t - 1 - len(out))
            out += "日".encode()
            continue
        line += 1
        parts = ["%05d" % line] + [rnd.choice(words) for _ in range(rnd.randint(3, 9))]
        out += (" ".join(parts) + "\n").encode()
    out += b"x" * (size - 1 - len(out)) + b"\n"
    assert len(out) == size
    out = bytes(out)
    out.decode("utf-8")
    for t in straddle:
        assert out[t] & 0xC0 == 0x80, t
    return out


def bench_text(size=BENCH_BIG_SIZE):
    base = big_text(200 * 1024, straddle=())
    reps = (size // len(base)) + 1
    out = (base * reps)[:size]
    # end on a character boundary: replace a cut tail with ASCII
    while True:
        try:
            out.decode("utf-8")
            break
        except UnicodeDecodeError as e:
            out = out[:e.start] + b"x" * (len(out) - e.start)
    return out


def main_objects():
    """[(key, body, content_type or None (= let awscli guess), metadata)]"""
    objs = [
        ("hello.txt", HELLO, "text/plain", {}),
        ("docs/readme.md", README, "text/markdown", {}),
        ("data/blob.bin", blob(), "application/octet-stream", {}),
        ("data/utf8.bin", UTF8_BIN, "application/octet-stream", {}),
        ("data/nul.txt", NUL_TXT, "text/plain", {}),
        ("img/pixel.png", png(), "image/png", {}),
        ("img/big.png", png(48, 48, noise=True), "image/png", {}),
        ("img/photo.jpg", jpeg(), "image/jpeg", {}),
        ("empty.txt", b"", "text/plain", {}),
        ("big.txt", big_text(), "text/plain", {}),
        ("latin1.txt", LATIN1, "text/plain", {}),
        ("meta.txt", b"an object with user metadata\n", "text/plain", META),
        ("dir/a/1.txt", b"dir/a/1\n", "text/plain", {}),
        ("dir/a/2.txt", b"dir/a/2\n", "text/plain", {}),
        ("dir/b/1.txt", b"dir/b/1\n", "text/plain", {}),
        ("dir/c.txt", b"dir/c\n", "text/plain", {}),
    ]
    for k in HOSTILE:
        objs.append((k, hostile_body(k), "text/plain", {}))
    objs.append((LONG_KEY, hostile_body(LONG_KEY), "text/plain", {}))
    return objs


def by_key():
    return {k: (body, ct, md) for k, body, ct, md in main_objects()}


def _tree_ok(key):
    """Can `aws s3 cp --recursive` of a local tree produce exactly this key?"""
    parts = key.split("/")
    return all(p and p not in (".", "..") and len(p.encode()) <= 255 for p in parts)


def write(d, what="all"):
    os.makedirs(os.path.join(d, "tree"), exist_ok=True)
    os.makedirs(os.path.join(d, "extra"), exist_ok=True)
    lines = []
    for n, (key, body, ct, md) in enumerate(main_objects()):
        guess = {".txt": "text/plain", ".md": "text/markdown", ".bin": "application/octet-stream",
                 ".png": "image/png", ".jpg": "image/jpeg"}.get(os.path.splitext(key)[1])
        if _tree_ok(key) and not md and ct == guess:
            p = os.path.join(d, "tree", key)
            os.makedirs(os.path.dirname(p), exist_ok=True)
            with open(p, "wb") as f:
                f.write(body)
        else:
            with open(os.path.join(d, "extra", str(n)), "wb") as f:
                f.write(body)
            lines.append("%d\t%s\t%s\t%s\n" % (n, key, ct, ",".join("%s=%s" % kv for kv in md.items())))
    with open(os.path.join(d, "extra.tsv"), "w", encoding="utf-8") as f:
        f.writelines(lines)
    if what == "all":
        os.makedirs(os.path.join(d, "many", "k"), exist_ok=True)
        for i in range(MANY_COUNT):
            with open(os.path.join(d, "many", "k", "%05d" % i), "wb") as f:
                f.write(many_body(i))


def bench_ascii(size=BENCH_BIG_SIZE):
    line = b"The quick brown fox jumps over the lazy dog; 0123456789 {\"json\": true}\n"
    return (line * (size // len(line) + 1))[:size]


def write_bench(d):
    os.makedirs(os.path.join(d, "keys", "b"), exist_ok=True)
    with open(os.path.join(d, BENCH_BIG_KEY), "wb") as f:
        f.write(bench_text())
    with open(os.path.join(d, BENCH_ASCII_KEY), "wb") as f:
        f.write(bench_ascii())
    for i in range(BENCH_KEYS):
        with open(os.path.join(d, "keys", "b", "%05d" % i), "wb") as f:
            f.write(many_body(i))


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "write":
        write(sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else "all")
    elif len(sys.argv) == 3 and sys.argv[1] == "bench":
        write_bench(sys.argv[2])
    else:
        sys.exit(__doc__)
