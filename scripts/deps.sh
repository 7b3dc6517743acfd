#!/bin/sh
# deps.sh [build|test|cross|kernel|all] — install what mcp-s3 needs on Debian
# 12, only what is missing.  build: musl toolchain, BearSSL source, jsmn.h
# (libjsmn-dev; the Makefile copies it alone into build/include).  test: Ceph
# RGW, awscli, rclone, curl, clang (sanitizers, static analyzer), cppcheck
# (make lint), hyperfine, npm packages.
# cross (make cross, make dist): the arm64 and armhf multiarch musl-dev, the
# cross gcc and binutils, qemu-user to run the ARM binaries, and zip (the
# .mcpb bundles of make dist).  kernel (make test-kernel): cross,
# plus qemu-system-arm and cpio, and Debian's own arm64 and armmp-lpae kernels
# and busybox-static (arm64, armhf, amd64) fetched with apt-get download into
# build/kernel/ and unpacked there.  all: build, test, cross and kernel.
set -eu
what=${1:-all}
top=$(cd "$(dirname "$0")/.." && pwd)
export DEBIAN_FRONTEND=noninteractive

need=""
want() { dpkg-query -W -f='${Status}\n' "$1" 2>/dev/null | grep -q '^install ok installed' || need="$need $1"; }

# ca-certificates: the Mozilla roots that `make EMBED_ROOTS=1` builds in.
case $what in build|cross|all) for p in musl-tools musl-dev dpkg-dev make gcc ca-certificates libjsmn-dev; do want $p; done ;; esac
# Multiarch: musl-dev:arm64 and musl-dev:armhf bring the wrappers
# aarch64-linux-musl-gcc and arm-linux-musleabihf-gcc (see cross/*.mk).
case $what in cross|kernel|all)
	for a in arm64 armhf; do
		if ! dpkg --print-foreign-architectures | grep -qx $a; then
			[ "$(id -u)" = 0 ] || { echo "deps.sh: dpkg --add-architecture $a needs root" >&2; exit 1; }
			dpkg --add-architecture $a
		fi
	done
	for p in musl-dev:arm64 musl-dev:armhf gcc-aarch64-linux-gnu gcc-arm-linux-gnueabihf \
	    binutils-aarch64-linux-gnu binutils-arm-linux-gnueabihf qemu-user util-linux zip; do want $p; done ;;
esac
case $what in kernel|all) for p in qemu-system-arm cpio; do want $p; done ;; esac
case $what in test|all)
	for p in ceph-mon ceph-osd ceph-common radosgw uuid-runtime awscli rclone curl \
	    clang libclang-rt-14-dev cppcheck hyperfine python3 openssl ca-certificates nodejs; do want $p; done ;;
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

# The guests of make test-kernel: Debian's own packages, downloaded (not
# installed) into build/kernel/debs and unpacked into build/kernel/ARCH/
# (vmlinuz, config, busybox; KERNEL names the package).  The kernel is the
# one the metapackage (linux-image-arm64, linux-image-armmp-lpae) depends on.
case $what in kernel|all)
	kd=$top/build/kernel
	fetch() {	# fetch PKG:ARCH — its .deb in $kd/debs, path on stdout
		n=${1%%:*} a=${1#*:}
		f=$(ls "$kd/debs/${n}_"*"_$a.deb" 2>/dev/null | tail -n 1)
		if [ -z "$f" ]; then
			(cd "$kd/debs" && apt-get download -qq "$1" >/dev/null 2>&1) || {
				apt-get update -qq >/dev/null 2>&1 || true
				(cd "$kd/debs" && apt-get download -qq "$1" >/dev/null 2>&1)
			} || { echo "deps.sh: apt-get download $1 failed" >&2; return 1; }
			f=$(ls "$kd/debs/${n}_"*"_$a.deb" | tail -n 1)
		fi
		echo "$f"
	}
	mkdir -p "$kd/debs"
	for a in arm64:arm64 armhf:armmp-lpae amd64:; do
		arch=${a%%:*} flavour=${a#*:}
		[ -f "$kd/$arch/.ok" ] && continue
		rm -rf "$kd/$arch"; mkdir -p "$kd/$arch/x"
		bb=$(fetch "busybox-static:$arch")
		dpkg-deb -x "$bb" "$kd/$arch/x"
		mv "$kd/$arch/x/bin/busybox" "$kd/$arch/busybox"
		if [ -n "$flavour" ]; then
			img=$(apt-cache depends "linux-image-$flavour:$arch" 2>/dev/null |
			    sed -n 's/^ *Depends: \(linux-image-[^:]*\).*/\1/p' | head -n 1)
			[ -n "$img" ] || { echo "deps.sh: no kernel for linux-image-$flavour:$arch" >&2; exit 1; }
			deb=$(fetch "$img:$arch")
			dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$kd/$arch/x" --wildcards \
			    './boot/vmlinuz-*' './boot/config-*'
			mv "$kd/$arch/x"/boot/vmlinuz-* "$kd/$arch/vmlinuz"
			mv "$kd/$arch/x"/boot/config-* "$kd/$arch/config"
			echo "$img $(dpkg-deb -f "$deb" Version)" > "$kd/$arch/KERNEL"
		fi
		rm -rf "$kd/$arch/x"
		touch "$kd/$arch/.ok"
	done
	;;
esac

case $what in test|all)
	if [ ! -f "$top/node_modules/@modelcontextprotocol/sdk/package.json" ]; then
		(cd "$top" && npm install --no-audit --no-fund --silent >/dev/null)
	fi
	# A real host, and the MCP Bundle CLI (tests/release/test_mcpb.py), each
	# in a folder of its own.
	for h in hosts:claude mcpb:mcpb; do
		if [ ! -x "$top/tests/${h%%:*}/node_modules/.bin/${h#*:}" ]; then
			(cd "$top/tests/${h%%:*}" && npm install --no-audit --no-fund --silent >/dev/null)
		fi
	done
	;;
esac
