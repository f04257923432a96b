#!/usr/bin/env bash
# Cross-builds gq for aarch64 and runs the cmocka suite under qemu
# user-mode emulation, so the NEON kernels (libquant's src/quant/arm/ and
# gq-compare's src/compare/arm/) are held to the portable ones in ctest
# like the x86 kernels are, on a machine without an ARM CPU.
#
#   tests/cross/aarch64.sh                  # set up, build, run
#   GQ_SHARED=/path/to/shared tests/cross/aarch64.sh
#   GQ_CROSS_BUILD_DIR=build/arm tests/cross/aarch64.sh
#   tests/cross/aarch64.sh -DCMAKE_BUILD_TYPE=Debug   # arguments go to cmake
#
# Installs what is missing with apt-get (Debian/Ubuntu): the cross
# compiler (gcc-aarch64-linux-gnu), qemu (qemu-user) and cmocka for arm64
# (libcmocka-dev:arm64, after `dpkg --add-architecture arm64`).
#
# Which tests run: every cmocka test except those in EXCLUDED below.  The
# tests/cli/*.sh scripts and the tests that start gq's programs
# (gqt_run, posix_spawn) are left out: the programs they start are aarch64
# binaries that the build machine cannot execute without binfmt_misc, and
# they exercise the command lines, which the native run covers; the
# kernels they reach are all in the tests that do run (test_quant_vectors:
# every ggml vector through the scalar and the NEON kernels;
# test_compare_pairs: the NEON pair kernels against the portable ones).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
jobs=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2)
build="${GQ_CROSS_BUILD_DIR:-$root/build/cross-aarch64}"
multiarch_lib=/usr/lib/aarch64-linux-gnu

say() { echo "tests/cross/aarch64.sh: $*" >&2; }

have_cross_gcc() { command -v aarch64-linux-gnu-gcc >/dev/null 2>&1; }
have_qemu() { command -v qemu-aarch64 >/dev/null 2>&1 || command -v qemu-aarch64-static >/dev/null 2>&1; }
have_arm64_cmocka() { [ -f "$multiarch_lib/libcmocka.so" ] && [ -f /usr/include/cmocka.h ]; }

# Exit status: 0 the tests passed, 1 a build or test failed, 3 the tools
# could not be set up (no apt-get, a package that would not install):
# tests/run.sh reports 3 as a loud skip, since it says nothing about gq.
SETUP_FAILED=3
if ! have_cross_gcc || ! have_qemu || ! have_arm64_cmocka; then
  if ! command -v apt-get >/dev/null 2>&1; then
    say "needs aarch64-linux-gnu-gcc, qemu-aarch64 and cmocka for arm64 in $multiarch_lib;"
    say "no apt-get here: install them by hand (or run on Debian/Ubuntu)"
    exit $SETUP_FAILED
  fi
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  pkgs=()
  have_cross_gcc || pkgs+=(gcc-aarch64-linux-gnu)
  have_qemu || pkgs+=(qemu-user)
  if ! have_arm64_cmocka; then
    if ! dpkg --print-foreign-architectures | grep -qx arm64; then
      say "adding Debian's arm64 architecture (dpkg --add-architecture arm64) for cmocka's arm64 build"
      $sudo_cmd dpkg --add-architecture arm64 || { say "dpkg --add-architecture arm64 failed"; exit $SETUP_FAILED; }
    fi
    pkgs+=(libcmocka-dev:arm64)
  fi
  say "installing ${pkgs[*]} with apt-get"
  $sudo_cmd apt-get update -qq || { say "apt-get update failed"; exit $SETUP_FAILED; }
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${pkgs[@]}" ||
    { say "apt-get could not install ${pkgs[*]}"; exit $SETUP_FAILED; }
  if ! have_cross_gcc || ! have_qemu || ! have_arm64_cmocka; then
    say "installation finished but something is still missing (cross gcc, qemu-aarch64 or $multiarch_lib/libcmocka.so)"
    exit $SETUP_FAILED
  fi
fi

export GQ_SHARED="${GQ_SHARED:-$(cd "$root/.." && pwd)/shared}"
if [ ! -d "$GQ_SHARED" ]; then
  say "shared test data not found at $GQ_SHARED (set GQ_SHARED)"
  exit 1
fi

# Tests that do not run under qemu, and why (ctest -E regex):
#   - cli_*: shell scripts that start gq's programs (aarch64 binaries)
#     and python/valgrind checks of the host;
#   - the cmocka tests that start gq's programs (their source asks for
#     GQ_BIN_DIR, spawns a process or uses support/program_run.h): found
#     by grep, so a new such test is left out without editing this list.
EXCLUDED=('^cli_')
for src in "$root"/tests/test_*.c; do
  if grep -qE 'gqt_bin_dir|GQ_BIN_DIR|posix_spawn|gqt_run\(|gqt_run_program' "$src"; then
    EXCLUDED+=("^$(basename "$src" .c)\$")
  fi
done
exclude=$(IFS='|'; echo "${EXCLUDED[*]}")

start=$SECONDS
echo "== cross build for aarch64 (-Werror) in $build =="
cmake -S "$root" -B "$build" -DGQ_WERROR=ON -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_TOOLCHAIN_FILE="$root/tests/cross/aarch64-linux-gnu.cmake" \
  -DCMOCKA_INCLUDE_DIR=/usr/include -DCMOCKA_LIBRARY="$multiarch_lib/libcmocka.so" "$@" >/dev/null
cmake --build "$build" -j "$jobs"
built=$SECONDS

echo "== tests under qemu-aarch64 (excluded: $exclude) =="
(cd "$build" && ctest --output-on-failure -j "$jobs" -E "$exclude")

# The suite passing proves the NEON kernels right only if they ran:
#   - test_compare_pairs names every pair-kernel set it held to the
#     portable one;
#   - its report test names the set cmp_pair_kernels_pick() gave with
#     SIMD on, which is "neon" only when libquant's dispatch says "neon",
#     i.e. when gq_quant_set_simd(true) (test_quant_vectors' simd_* tests,
#     test_fault_dequant, ...) gets libquant's NEON table.
log="$build/Testing/Temporary/LastTest.log"
if ! grep -q 'SIMD kernel sets held to the portable one: [1-9].*(neon)' "$log"; then
  say "test_compare_pairs did not hold a NEON kernel set to the portable one (see $log)"
  exit 1
fi
if ! grep -q 'report with neon kernels == report with scalar kernels' "$log"; then
  say "libquant did not pick its NEON kernels (gq_quant_isa() is not \"neon\"; see $log)"
  exit 1
fi
echo "tests/cross/aarch64.sh: all aarch64 tests passed under qemu (build $((built - start)) s, tests $((SECONDS - built)) s)"
