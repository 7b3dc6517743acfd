# aarch64 (arm64) Linux, static musl: multiarch musl-dev:arm64 ships the
# wrapper around gcc-aarch64-linux-gnu.  GNU ld keeps 64 KiB segment
# alignment, so the binary runs on 4K, 16K and 64K page kernels.
CC = aarch64-linux-musl-gcc
AR = aarch64-linux-gnu-ar
NM = aarch64-linux-gnu-nm
QEMU = qemu-aarch64
TARGET_CFLAGS =
TARGET_LDFLAGS =
