#!/bin/bash
# demo.sh — `make demo`: start a Ceph RGW (build/rgw-demo), seed a small sample,
# play a short scripted MCP session through the MCP TypeScript SDK client
# (tests/peers/demo.mjs), then stop RGW by its PIDs (also on failure or ^C).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -euo pipefail
cd "$(dirname "$0")/../.."
D=$PWD/build/rgw-demo
unset AWS_CA_BUNDLE AWS_PROFILE
export RGW_ACCESS_KEY=${RGW_ACCESS_KEY:-MCPS3TESTACCESSKEY01}
export RGW_SECRET_KEY=${RGW_SECRET_KEY:-mcp-s3-test-secret-key-0123456789abcdef}

[ -x build/mcp-s3 ] || { echo "demo.sh: build/mcp-s3 is missing (make build/mcp-s3)" >&2; exit 1; }
stop() { tests/peers/rgw.sh stop "$D" || true; }
trap stop EXIT
trap 'exit 130' INT TERM HUP

echo "== starting a Ceph RGW micro-cluster (1 mon, 1 memstore OSD, radosgw) in build/rgw-demo ..."
EP=$(tests/peers/rgw.sh start "$D")
echo "== seeding a small sample into $EP ..."
seeded=$(tests/peers/seed.sh "$EP" small 2>&1) || { echo "$seeded" >&2; exit 1; }
grep -v '^seed.sh:' <<<"$seeded" | head -n 12
echo "  ... ($(grep -c 's3://' <<<"$seeded") objects)"
echo
node tests/peers/demo.mjs "$EP"
echo
echo "== stopping RGW"
