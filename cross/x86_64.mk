# x86_64 Linux, static musl (Debian musl-dev ships the wrapper).
CC = x86_64-linux-musl-gcc
AR = ar
TARGET_CFLAGS =
TARGET_LDFLAGS =
