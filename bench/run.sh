#!/bin/bash
# bench/run.sh — `make bench`: build/mcp-s3 side by side with curl, rclone and
# awscli on one Ceph RGW (build/rgw-bench, stopped by PID at the end).
#
#   binary size; RSS after initialize; start → initialize → tools/list latency
#   (hyperfine); a whole 8 MiB text object (56% non-ASCII, and ASCII) read by
#   s3_get_object over the calls the message budget takes vs curl of a
#   presigned URL (and mcp-s3's peak RSS); latency of a small get, a list page
#   and a metadata call on a kept-alive connection vs curl; peak RSS of an
#   8 MiB base64 put; 10,000 keys listed with 10 s3_list_objects calls vs
#   `rclone ls` and `aws s3api list-objects-v2`.
#
# Figures are medians (BENCH_RUNS, default 5; hyperfine 30 runs), printed beside
# their goal or anchor. Nothing passes or fails on time; the exit status is
# non-zero only when a step breaks. Raw numbers: build/bench/results.json.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
D=$ROOT/build/rgw-bench
OUT=$ROOT/build/bench
mkdir -p "$OUT"
exec </dev/null
unset AWS_CA_BUNDLE AWS_PROFILE AWS_ENDPOINT_URL
export RGW_ACCESS_KEY=${RGW_ACCESS_KEY:-MCPS3TESTACCESSKEY01}
export RGW_SECRET_KEY=${RGW_SECRET_KEY:-mcp-s3-test-secret-key-0123456789abcdef}
export AWS_ACCESS_KEY_ID=$RGW_ACCESS_KEY AWS_SECRET_ACCESS_KEY=$RGW_SECRET_KEY
export AWS_DEFAULT_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true AWS_PAGER=""
BIN=$ROOT/build/mcp-s3
[ -x "$BIN" ] || { echo "bench: $BIN is missing (make build/mcp-s3)" >&2; exit 1; }
for b in hyperfine rclone curl /usr/bin/aws; do command -v $b >/dev/null || { echo "bench: $b is missing" >&2; exit 1; }; done

T=$(mktemp -d)
stop() { tests/peers/rgw.sh stop "$D" >/dev/null 2>&1 || echo "bench: could not stop RGW in $D" >&2; rm -rf "$T"; }
trap stop EXIT
trap 'exit 130' INT TERM HUP

cat > "$T/aws.conf" <<'EOF'
[default]
region = us-east-1
s3 =
  addressing_style = path
  max_concurrent_requests = 32
  multipart_threshold = 64MB
EOF
export AWS_CONFIG_FILE=$T/aws.conf AWS_SHARED_CREDENTIALS_FILE=$T/none

echo "bench: starting RGW ..." >&2
EP=$(tests/peers/rgw.sh start "$D" 2>"$OUT/rgw-start.log") || { cat "$OUT/rgw-start.log" >&2; exit 1; }
grep -a 'up in' "$OUT/rgw-start.log" >&2 || true

echo "bench: seeding an 8 MiB object (mcp-bench-big) and 10,000 keys (mcp-bench) ..." >&2
t0=$(date +%s%N)
python3 tests/integration/seeddata.py bench "$T/data"
aws() { /usr/bin/aws --endpoint-url "$EP" "$@"; }
aws s3api create-bucket --bucket mcp-bench >/dev/null
aws s3api create-bucket --bucket mcp-bench-big >/dev/null
aws s3api put-object --bucket mcp-bench-big --key big8m.txt --body "$T/data/big8m.txt" --content-type "text/plain; charset=utf-8" >/dev/null
aws s3api put-object --bucket mcp-bench-big --key big8m-ascii.txt --body "$T/data/big8m-ascii.txt" --content-type "text/plain; charset=utf-8" >/dev/null
aws s3api put-object --bucket mcp-bench-big --key small.txt --body "$T/data/keys/b/00000" --content-type "text/plain" >/dev/null
aws s3 cp --recursive --only-show-errors "$T/data/keys" s3://mcp-bench/
seed_s=$(( ($(date +%s%N) - t0) / 1000000 ))
echo "bench: seeded in $((seed_s / 1000)).$(( (seed_s % 1000) / 100 ))s" >&2

URL=$(aws s3 presign s3://mcp-bench-big/big8m.txt --expires-in 3600)
URL_ASCII=$(aws s3 presign s3://mcp-bench-big/big8m-ascii.txt --expires-in 3600)
cat > "$T/rclone.conf" <<EOF
[bench]
type = s3
provider = Ceph
access_key_id = $RGW_ACCESS_KEY
secret_access_key = $RGW_SECRET_KEY
endpoint = $EP
region = us-east-1
force_path_style = true
EOF
chmod 600 "$T/rclone.conf"

# start → initialize → tools/list → EOF exit, in a clean environment
printf '%s\n' \
	'{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"bench","version":"0"}}}' \
	'{"jsonrpc":"2.0","method":"notifications/initialized"}' \
	'{"jsonrpc":"2.0","id":2,"method":"tools/list"}' > "$T/init.jsonl"
echo "bench: start → initialize → tools/list (hyperfine) ..." >&2
env -i PATH=/usr/bin:/bin HOME="$T" AWS_REGION=us-east-1 S3_ENDPOINT="$EP" S3_USE_PATH_STYLE=true \
	AWS_ACCESS_KEY_ID="$RGW_ACCESS_KEY" AWS_SECRET_ACCESS_KEY="$RGW_SECRET_KEY" AWS_EC2_METADATA_DISABLED=true \
	hyperfine --style none --warmup 3 --runs 30 --export-json "$OUT/startup.json" \
	"$BIN < $T/init.jsonl > /dev/null" >"$OUT/hyperfine.log" 2>&1 || { cat "$OUT/hyperfine.log" >&2; exit 1; }

# cross-check without hyperfine's shell correction: a bash loop, fork + exec included
loop() { local t0 i; t0=$(date +%s%N); for i in $(seq 300); do "$@" < "$T/init.jsonl" > /dev/null; done; echo $(( ($(date +%s%N) - t0) / 300000 )); }
LOOP_MCP=$(env -i PATH=/usr/bin:/bin AWS_REGION=us-east-1 S3_ENDPOINT="$EP" bash -c "$(declare -f loop); T=$T; loop $BIN")
LOOP_TRUE=$(T=$T; loop /bin/true)
echo "{\"mcp_us\": $LOOP_MCP, \"true_us\": $LOOP_TRUE}" > "$OUT/loop.json"

echo "bench: get 8 MiB and list 10,000 keys, mcp-s3 vs curl, rclone, awscli ..." >&2
python3 bench/mcp_bench.py "$EP" "$URL" "$T/rclone.conf" "$URL_ASCII" > "$OUT/mcp.json"

python3 - "$OUT" <<'EOF'
import json, sys, platform
out = sys.argv[1]
m = json.load(open(out + "/mcp.json"))
h = json.load(open(out + "/startup.json"))["results"][0]
m["startup_hyperfine"] = {"median_ms": round(h["median"] * 1000, 2), "mean_ms": round(h["mean"] * 1000, 2),
                          "stddev_ms": round(h["stddev"] * 1000, 2), "runs": len(h["times"])}
json.dump(m, open(out + "/results.json", "w"), indent=2)
MiB = 1024 * 1024
def ms(x): return "%.1f ms" % x if x < 1000 else "%.2f s" % (x / 1000)
def mib(x): return "%.2f MiB" % (x / MiB)
rows = []
def row(metric, ours, anchor="", ratio="", goal=""):
    rows.append((metric, ours, anchor, ratio, goal))
row("binary size (build/mcp-s3)", "%d B (%s)" % (m["binary_bytes"], mib(m["binary_bytes"])), "", "", "< 1 MiB (make size)")
r = m["rss_after_init"]
row("RSS after initialize (VmRSS / VmHWM)", "%s / %s" % (mib(r["VmRSS"]), mib(r["VmHWM"])))
row("start → initialize → tools/list", ms(m["startup_hyperfine"]["median_ms"]), "hyperfine, %d runs" % m["startup_hyperfine"]["runs"])
lp = json.load(open(out + "/loop.json")); m["startup_loop"] = lp
json.dump(m, open(out + "/results.json", "w"), indent=2)
row("  same, bash loop incl. fork+exec (mean)", ms(lp["mcp_us"] / 1000), "/bin/true, same loop: " + ms(lp["true_us"] / 1000), "%.2f×" % (lp["mcp_us"] / max(lp["true_us"], 1)))
for gk, ck, what in (("get8m", "curl8m", "56% non-ASCII"), ("get8m_ascii", "curl8m_ascii", "ASCII")):
    g, c = m[gk], m[ck]
    row("s3_get_object 8 MiB text (%s), whole in %d calls" % (what, g["calls"]),
        ms(g["ms"]) + ("" if g["correct"] else "  (WRONG BODY)"),
        "curl presigned: " + ms(c["ms"]), "%.2f×" % (g["ms"] / c["ms"]), "≤ 1.3×")
    row("  peak RSS during those calls (VmHWM)", mib(g["status_after"]["VmHWM"]), "", "", "≤ 16 MiB")
    row("  longest answer line", "%d B" % g["longest_line"], "budget %d B" % g["budget"], "", "≤ budget")
for k, what, goal in (("lat_get", "small s3_get_object (1 KiB), kept alive", "≤ 3 ms"),
                      ("lat_list", "s3_list_objects page of 1,000 keys", ""),
                      ("lat_meta", "s3_get_object_metadata", "")):
    x = m[k]
    row(what, ms(x["ms"]), "curl, kept alive: " + ms(x["curl_ms"]), "%.2f×" % (x["ms"] / max(x["curl_ms"], 0.001)), goal)
p = m["put8m"]
row("s3_put_object 8 MiB binary as base64: peak RSS", mib(p["VmHWM"]), "line %s" % mib(p["line_bytes"]), "",
    "≤ 1.5× line + 2 MiB = %s" % mib(1.5 * p["line_bytes"] + 2 * MiB))
ls, lc, rc, aw = m["list_session"], m["list_cold"], m["rclone"], m["awscli"]
row("10,000 keys, %d × s3_list_objects (1 session)" % ls["calls"], ms(ls["ms"]), "rclone ls: " + ms(rc["ms"]),
    "%.2f×" % (ls["ms"] / rc["ms"]), "≤ 0.2× rclone")
row("  same, cold (spawn + initialize + calls)", ms(lc["ms"]), "rclone ls: " + ms(rc["ms"]), "%.2f×" % (lc["ms"] / rc["ms"]), "")
row("", "", "aws s3api list-objects-v2: " + ms(aw["ms"]), "%.2f×" % (ls["ms"] / aw["ms"]), "(anchor)")
w = [max(len(x[i]) for x in rows + [("metric", "mcp-s3", "anchor", "ratio", "goal")]) for i in range(5)]
print()
print("mcp-s3 bench — Ceph RGW 16.2 (memstore) on 127.0.0.1, %s, medians of %d runs" % (platform.machine(), m["runs"]))
hdr = ("metric", "mcp-s3", "anchor", "ratio", "goal")
print("  ".join(s.ljust(w[i]) for i, s in enumerate(hdr)))
print("  ".join("-" * w[i] for i in range(5)))
for x in rows:
    print("  ".join(s.ljust(w[i]) for i, s in enumerate(x)).rstrip())
print()
g, c = m["get8m"], m["curl8m"]
print("keys seen: mcp-s3 %d (session) / %d (cold), rclone %d, awscli %d; 8 MiB body %s (%d bytes of JSON)" %
      (ls["keys"], lc["keys"], rc["keys"], aw["keys"], "identical" if g["correct"] else "DIFFERENT: " + str(g["error"]), g["response_bytes"]))
print("samples (ms): get %s, curl %s" % (g["samples_ms"], c["samples_ms"]))
print("raw figures: build/bench/results.json")
EOF
