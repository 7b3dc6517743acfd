# x86_64 Linux, static musl (musl-dev ships the wrapper compiler).
CC = x86_64-linux-musl-gcc
AR = ar
NM = nm
QEMU =
TARGET_CFLAGS =
TARGET_LDFLAGS =
