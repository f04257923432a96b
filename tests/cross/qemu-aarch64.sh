#!/usr/bin/env bash
# Runs one aarch64 program under qemu user-mode emulation: CMake's
# CMAKE_CROSSCOMPILING_EMULATOR for tests/cross/aarch64-linux-gnu.cmake.
# One executable rather than a command list, so that every place CMake
# passes the emulator on (ctest, the man-page step) gets the same thing.
#
# The guest's dynamic loader and C library must come from ONE glibc
# build: Debian's multiarch arm64 packages (libc6:arm64, pulled in by
# libcmocka-dev:arm64) when installed, else the cross toolchain's sysroot
# (/usr/aarch64-linux-gnu, libc6-arm64-cross).  Mixing the sysroot's
# loader with the multiarch libc (different package builds of 2.36) runs
# single-threaded programs but hangs the first pthread_cond_wait.
# LD_LIBRARY_PATH is set inside the guest only (-E): the host's programs
# never see it.
set -euo pipefail
qemu=$(command -v qemu-aarch64 || command -v qemu-aarch64-static || true)
if [ -z "$qemu" ]; then
  echo "qemu-aarch64.sh: qemu-aarch64 not found (install qemu-user or qemu-user-static)" >&2
  exit 127
fi
if [ -n "${GQ_CROSS_SYSROOT:-}" ]; then
  sysroot=$GQ_CROSS_SYSROOT
  libs=$sysroot/lib
elif [ -e /usr/lib/aarch64-linux-gnu/libc.so.6 ] || [ -e /lib/aarch64-linux-gnu/libc.so.6 ]; then
  sysroot=/
  libs=/usr/lib/aarch64-linux-gnu:/lib/aarch64-linux-gnu
else
  sysroot=/usr/aarch64-linux-gnu
  libs=$sysroot/lib:/usr/lib/aarch64-linux-gnu
fi
exec "$qemu" -L "$sysroot" -E "LD_LIBRARY_PATH=$libs" "$@"
