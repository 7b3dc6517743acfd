#!/bin/bash
# seed.sh ENDPOINT [all|small] — write the test data set into an S3 server with
# awscli v2 (/usr/bin/aws), path-style addressing, credentials from the environment.
#
#   bucket mcp-test : text, markdown, binary (with NULs), PNG, JPEG, an empty object,
#                     a 200 KiB multi-byte UTF-8 text, a text/plain object that is not
#                     UTF-8, user metadata, hostile keys, a 1,024-byte key and a tree
#                     for delimiter listings (see tests/integration/seeddata.py)
#   bucket mcp-many : 2,500 small keys k/00000 .. k/02499   (skipped with "small")
#
# Credentials: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, else RGW_ACCESS_KEY /
# RGW_SECRET_KEY, else the defaults of rgw.sh. Nothing but ENDPOINT is contacted.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -euo pipefail

[ $# -ge 1 ] || { echo "usage: $0 ENDPOINT [all|small]" >&2; exit 2; }
EP=$1
WHAT=${2:-all}
HERE=$(cd "$(dirname "$0")" && pwd)
SEEDPY=$HERE/../integration/seeddata.py
AWS=/usr/bin/aws
[ -x $AWS ] || { echo "seed.sh: $AWS (Debian awscli v2) is missing" >&2; exit 1; }

export AWS_ACCESS_KEY_ID=${AWS_ACCESS_KEY_ID:-${RGW_ACCESS_KEY:-MCPS3TESTACCESSKEY01}}
export AWS_SECRET_ACCESS_KEY=${AWS_SECRET_ACCESS_KEY:-${RGW_SECRET_KEY:-mcp-s3-test-secret-key-0123456789abcdef}}
export AWS_DEFAULT_REGION=us-east-1 AWS_REGION=us-east-1
export AWS_EC2_METADATA_DISABLED=true AWS_PAGER="" LC_ALL=C.UTF-8
unset AWS_PROFILE AWS_SESSION_TOKEN AWS_CA_BUNDLE AWS_ENDPOINT_URL AWS_DEFAULT_OUTPUT
T=$(mktemp -d)
pids=()
cleanup() {
	local p
	for p in "${pids[@]+"${pids[@]}"}"; do kill -TERM "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 143' TERM INT HUP
cat > "$T/config" <<'EOF'
[default]
region = us-east-1
output = text
s3 =
  addressing_style = path
  max_concurrent_requests = 32
  max_queue_size = 10000
EOF
export AWS_CONFIG_FILE=$T/config AWS_SHARED_CREDENTIALS_FILE=$T/no-credentials

aws() { $AWS --endpoint-url "$EP" "$@"; }
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
secs() { local d=$(( $(now_ms) - $1 )); echo "$((d / 1000)).$(printf %03d $((d % 1000)))s"; }

mkbucket() {
	aws s3api head-bucket --bucket "$1" >/dev/null 2>&1 || aws s3api create-bucket --bucket "$1" >/dev/null
}

t0=$(now_ms)
python3 "$SEEDPY" write "$T/data" "$WHAT"
mkbucket mcp-test
[ "$WHAT" = small ] || mkbucket mcp-many

# 1. every key that is a plain relative path, in one recursive copy
t1=$(now_ms)
$AWS --endpoint-url "$EP" s3 cp --recursive --only-show-errors "$T/data/tree" s3://mcp-test/ &
pids=($!)
# 2. the rest (user metadata, "//" in the key, the 1,024-byte key), one put-object each
while IFS=$'\t' read -r n key ct md; do
	args=(s3api put-object --bucket mcp-test --key "$key" --body "$T/data/extra/$n" --content-type "$ct")
	[ -z "$md" ] || args+=(--metadata "$md")
	$AWS --endpoint-url "$EP" "${args[@]}" >/dev/null &
	pids+=($!)
done < "$T/data/extra.tsv"
# 3. the 2,500 keys
if [ "$WHAT" != small ]; then
	$AWS --endpoint-url "$EP" s3 cp --recursive --only-show-errors "$T/data/many" s3://mcp-many/ &
	pids+=($!)
fi
rc=0
for p in "${pids[@]}"; do wait "$p" || rc=1; done
pids=()
[ $rc = 0 ] || { echo "seed.sh: an upload failed" >&2; exit 1; }
echo "seed.sh: uploads took $(secs "$t1")" >&2

# Verify with a listing (also shows what was seeded).
count() { aws s3api list-objects-v2 --bucket "$1" --output json --query 'Contents[].Key' |
	python3 -c 'import json, sys; print(len(json.load(sys.stdin) or []))'; }
main_n=$(count mcp-test)
want_main=$(python3 -c "import sys; sys.path.insert(0, '$HERE/../integration'); import seeddata; print(len(seeddata.main_objects()))")
echo "seeded $EP:"
aws s3api list-objects-v2 --bucket mcp-test --output json \
	--query 'Contents[].[Key,Size]' | python3 -c '
import json, sys
for key, size in json.load(sys.stdin):
    shown = key if len(key) < 70 else key[:40] + "...(%d bytes)" % len(key.encode())
    print("  s3://mcp-test/%-50s %8d" % (shown, size))'
[ "$main_n" = "$want_main" ] || { echo "seed.sh: mcp-test has $main_n objects, expected $want_main" >&2; exit 1; }
if [ "$WHAT" != small ]; then
	many_n=$(count mcp-many)
	echo "  s3://mcp-many/k/00000 .. k/02499: $many_n objects"
	[ "$many_n" = 2500 ] || { echo "seed.sh: mcp-many has $many_n objects, expected 2500" >&2; exit 1; }
fi
echo "seed.sh: seeded in $(secs "$t0")" >&2
