# 32-bit ARM hard-float Linux, static musl: multiarch musl-dev:armhf ships
# the wrapper around gcc-arm-linux-gnueabihf.  Debian's armhf baseline:
# ARMv7-A, Thumb-2, VFPv3-D16, no NEON.
CC = arm-linux-musleabihf-gcc
AR = arm-linux-gnueabihf-ar
NM = arm-linux-gnueabihf-nm
QEMU = qemu-arm
TARGET_CFLAGS = -march=armv7-a+fp -mfloat-abi=hard -mthumb
TARGET_LDFLAGS =
