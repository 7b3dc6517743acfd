#!/bin/sh
# server-json.sh DIST VERSION GITHUB_REPO TARGET... — DIST/server.json, the
# MCP registry entry (packaging/server.json.in filled in): one mcpb package
# per target, DIST/mcp-s3-VERSION-linux-TARGET.mcpb, named by its download
# URL on the GitHub release vVERSION and given with its SHA-256.
set -eu
[ $# -ge 4 ] || { echo "usage: server-json.sh DIST VERSION GITHUB_REPO TARGET..." >&2; exit 2; }
dist=$1 version=$2 repo=$3
shift 3
top=$(cd "$(dirname "$0")/.." && pwd)
for v in "$version" "$repo" "$@"; do
	case $v in *[!A-Za-z0-9._/+-]*|'') echo "server-json.sh: unexpected value \"$v\"" >&2; exit 2 ;; esac
done
case $repo in */*/*|/*|*/) echo "server-json.sh: GITHUB_REPO is OWNER/NAME, not \"$repo\"" >&2; exit 2 ;; esac
url=https://github.com/$repo

pk=$dist/server.json.packages
: > "$pk"
sep=""
for t in "$@"; do
	f=mcp-s3-$version-linux-$t.mcpb
	sum=$(sha256sum < "$dist/$f" | cut -d' ' -f1)
	printf '%s    {\n      "registryType": "mcpb",\n      "identifier": "%s/releases/download/v%s/%s",\n      "version": "%s",\n      "fileSha256": "%s",\n      "transport": {\n        "type": "stdio"\n      }\n    }' \
	    "$sep" "$url" "$version" "$f" "$version" "$sum" >> "$pk"
	sep=",
"
done
echo >> "$pk"
# The package list replaces the line @PACKAGES@ (sed's r reads it in).
sed -e "s|@REGISTRY_NAME@|io.github.${repo%%/*}/${repo#*/}|g" -e "s|@REPO_URL@|$url|g" \
    -e "s|@VERSION@|$version|g" -e "/^@PACKAGES@\$/{r $pk" -e 'd;}' \
    "$top/packaging/server.json.in" > "$dist/server.json"
rm -f "$pk"
