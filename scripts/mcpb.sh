#!/bin/sh
# mcpb.sh OUT.mcpb BINARY TARGET VERSION REPO_URL — the MCP Bundle of one
# target: a zip of manifest.json (packaging/manifest.json.in filled in), the
# static binary as mcp-s3, LICENSE and README.md, byte for byte reproducible
# (SOURCE_DATE_EPOCH as every mtime, fixed modes, names in byte order, no
# extra fields: no uid/gid or Unix times).  Needs Debian's zip.
set -eu
[ $# = 5 ] || { echo "usage: mcpb.sh OUT.mcpb BINARY TARGET VERSION REPO_URL" >&2; exit 2; }
out=$1 bin=$2 target=$3 version=$4 repo=$5
top=$(cd "$(dirname "$0")/.." && pwd)
: "${SOURCE_DATE_EPOCH:?mcpb.sh: SOURCE_DATE_EPOCH is not set}"
command -v zip >/dev/null || { echo "mcpb.sh: zip is missing (scripts/deps.sh cross)" >&2; exit 1; }
# The values go into JSON strings and a sed replacement: only plain characters.
for v in "$target" "$version" "$repo"; do
	case $v in *[!A-Za-z0-9._:/+-]*|'') echo "mcpb.sh: unexpected value \"$v\"" >&2; exit 2 ;; esac
done

stage=$out.d
rm -rf "$stage" "$out"
mkdir -p "$stage"
sed -e "s|@VERSION@|$version|g" -e "s|@TARGET@|$target|g" -e "s|@REPO_URL@|$repo|g" \
    "$top/packaging/manifest.json.in" > "$stage/manifest.json"
if grep -q '@[A-Z_]*@' "$stage/manifest.json"; then
	echo "mcpb.sh: a placeholder of packaging/manifest.json.in is left unfilled" >&2; exit 1
fi
cp "$bin" "$stage/mcp-s3"
cp "$top/LICENSE" "$top/README.md" "$stage/"
chmod 0644 "$stage/manifest.json" "$stage/LICENSE" "$stage/README.md"
chmod 0755 "$stage/mcp-s3"
touch -d "@$SOURCE_DATE_EPOCH" "$stage"/*
# zip stores DOS times in local time: TZ=UTC0 makes them the same everywhere.
(cd "$stage" && printf '%s\n' manifest.json mcp-s3 LICENSE README.md | LC_ALL=C sort |
    TZ=UTC0 zip -q -X -D -9 -@ ../"$(basename "$out")")
rm -rf "$stage"
