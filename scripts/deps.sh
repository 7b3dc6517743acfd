#!/bin/sh
# deps.sh [build|test|cross|all] — install what mcp-s3 needs on Debian 12, only
# what is missing.  build: musl toolchain, BearSSL source.  test: Ceph RGW,
# awscli, rclone, curl, clang (sanitizers), hyperfine, npm packages.  cross:
# the arm64 and armhf multiarch musl-dev, the cross gcc and binutils, and
# qemu-user to run the ARM binaries.  all: build, test and cross.
set -eu
what=${1:-all}
top=$(cd "$(dirname "$0")/.." && pwd)
export DEBIAN_FRONTEND=noninteractive

need=""
want() { dpkg-query -W -f='${Status}\n' "$1" 2>/dev/null | grep -q '^install ok installed' || need="$need $1"; }

# ca-certificates: the Mozilla roots that `make EMBED_ROOTS=1` builds in.
case $what in build|cross|all) for p in musl-tools musl-dev dpkg-dev make gcc ca-certificates; do want $p; done ;; esac
# Multiarch: musl-dev:arm64 and musl-dev:armhf bring the wrappers
# aarch64-linux-musl-gcc and arm-linux-musleabihf-gcc (see cross/*.mk).
case $what in cross|all)
	for a in arm64 armhf; do
		if ! dpkg --print-foreign-architectures | grep -qx $a; then
			[ "$(id -u)" = 0 ] || { echo "deps.sh: dpkg --add-architecture $a needs root" >&2; exit 1; }
			dpkg --add-architecture $a
		fi
	done
	for p in musl-dev:arm64 musl-dev:armhf gcc-aarch64-linux-gnu gcc-arm-linux-gnueabihf \
	    binutils-aarch64-linux-gnu binutils-arm-linux-gnueabihf qemu-user util-linux; do want $p; done ;;
esac
case $what in test|all)
	for p in ceph-mon ceph-osd ceph-common radosgw uuid-runtime awscli rclone curl \
	    clang libclang-rt-14-dev hyperfine python3 openssl ca-certificates nodejs; do want $p; done ;;
esac

if [ -n "$need" ]; then
	[ "$(id -u)" = 0 ] || { echo "deps.sh: missing packages:$need (run as root)" >&2; exit 1; }
	# `|| true`: on this mirror the bookworm-security armhf index fails to
	# fetch once armhf is added (apt-get update exits 100); the other
	# indexes are still updated and nothing we install comes from it.
	apt-get update -qq || true
	apt-get install -y -qq --no-install-recommends $need >/dev/null
fi

# BearSSL comes as Debian source, compiled per target by the Makefile.
case $what in build|all)
	dst=$top/build/src
	if [ ! -f "$dst/bearssl/inc/bearssl.h" ]; then
		if [ ! -f /etc/apt/sources.list.d/mcp-s3-src.sources ] && \
		    ! grep -rqs '^Types:.*deb-src' /etc/apt/sources.list.d/ && \
		    ! grep -qs '^deb-src' /etc/apt/sources.list; then
			cat > /etc/apt/sources.list.d/mcp-s3-src.sources <<'SRC'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
			apt-get update -qq || true
		fi
		tmp=$(mktemp -d)
		(cd "$tmp" && apt-get source -qq bearssl >/dev/null 2>&1) || true
		src=$(ls -d "$tmp"/bearssl-*/ 2>/dev/null | head -n 1)
		[ -n "$src" ] && [ -f "$src/inc/bearssl.h" ] || { echo "deps.sh: apt-get source bearssl failed" >&2; exit 1; }
		rm -rf "$dst/bearssl"; mkdir -p "$dst"
		mv "$src" "$dst/bearssl"
		rm -rf "$tmp"
	fi
	;;
esac

case $what in test|all)
	if [ ! -f "$top/node_modules/@modelcontextprotocol/sdk/package.json" ]; then
		(cd "$top" && npm install --no-audit --no-fund --silent >/dev/null)
	fi
	;;
esac
