#!/bin/bash
# tests/release/repro.sh — two clean builds give bit-identical releases.
#
# Copies the source tree (without build/, any node_modules/, .git/) into two
# fresh directories at different paths and depths, with BearSSL's Debian
# source copied into each (the same input as `apt-get source bearssl`),
# runs `make dist` (all targets) in both with the same SOURCE_DATE_EPOCH
# (this tree's default: the last commit's time), and compares the sha256 of
# every binary, tarball, MCP Bundle (.mcpb), SHA256SUMS and server.json.  Also checks that neither build
# path appears in any binary and that --version shows the epoch's date.
# Last line: "repro: N passed, N failed".  Needs the toolchains (make cross).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -u
cd "$(dirname "$0")/../.." || exit 1
TOP=$PWD
P=0 F=0
ok() { P=$((P + 1)); echo "ok $*"; }
fail() { F=$((F + 1)); echo "FAIL $*"; }
done_() { echo "repro: $P passed, $F failed"; [ $F = 0 ]; exit $?; }

[ -f build/src/bearssl/inc/bearssl.h ] || sh scripts/deps.sh build || { fail "no BearSSL source"; done_; }
SDE=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || echo 1767225600)}
export SOURCE_DATE_EPOCH=$SDE
W=$(mktemp -d "${TMPDIR:-/tmp}/mcp-s3-repro.XXXXXX")
trap 'rm -rf "$W"' EXIT
A=$W/a
B=$W/second/much/deeper/build-b
mkdir -p "$A" "$B"
for d in "$A" "$B"; do
	tar -C "$TOP" --exclude=./build --exclude=node_modules --exclude=./.git -cf - . | tar -C "$d" -xf -
	mkdir -p "$d/build/src" && cp -a "$TOP/build/src/bearssl" "$d/build/src/"
done
for d in "$A" "$B"; do
	t0=$(date +%s)
	if make -C "$d" -j"$(nproc)" --no-print-directory dist >"$d.log" 2>&1; then
		ok "make dist in $d ($(( $(date +%s) - t0 ))s)"
	else
		tail -n 20 "$d.log"; fail "make dist in $d"; done_
	fi
done
files=$(cd "$A" && ls build/*/mcp-s3 build/dist/*.tar.gz build/dist/*.mcpb build/dist/SHA256SUMS \
    build/dist/server.json)
for f in $files; do
	a=$(sha256sum < "$A/$f" | cut -d' ' -f1)
	b=$(sha256sum < "$B/$f" 2>/dev/null | cut -d' ' -f1)
	if [ "$a" = "$b" ]; then ok "$f identical ($a)"; else fail "$f differs: $a vs ${b:-missing}"; fi
done
for f in $(cd "$A" && ls build/*/mcp-s3); do
	if grep -aqE "$W|$TOP|/build/src/bearssl" "$A/$f" "$B/$f"; then fail "$f contains a build path"
	else ok "$f contains no build path"; fi
done
want="built $(date -u -d "@$SDE" +%Y-%m-%d)"
v=$("$A/build/x86_64/mcp-s3" --version)
case $v in *"$want"*) ok "--version: $v" ;; *) fail "--version: \"$v\" lacks \"$want\"" ;; esac
done_
