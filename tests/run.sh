#!/usr/bin/env bash
# Runs every test: the cmocka suite in a normal (warnings-as-errors) build,
# then again under AddressSanitizer + UndefinedBehaviorSanitizer.
# Installs cmocka with the system package manager when it is missing.
#
#   tests/run.sh            # everything
#   GQ_SKIP_SANITIZE=1 tests/run.sh   # only the normal build (quicker, local use)
#   GQ_SHARED=/path/to/shared tests/run.sh
#   GQ_FUZZ_SECONDS=300 tests/run.sh  # longer fuzz smoke run (default 60 s per target)
#   GQ_SKIP_FUZZ=1 tests/run.sh       # no fuzz smoke run
#   GQ_SKIP_CROSS=1 tests/run.sh      # no aarch64 cross build + tests under qemu
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
jobs=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2)

have_cmocka() {
  for d in /usr/include /usr/local/include /opt/homebrew/include; do
    [ -f "$d/cmocka.h" ] && return 0
  done
  pkg-config --exists cmocka 2>/dev/null
}

if ! have_cmocka; then
  echo "tests/run.sh: cmocka is missing; installing it with the system package manager" >&2
  if command -v apt-get >/dev/null 2>&1; then
    sudo_cmd=""
    [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
    $sudo_cmd apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq libcmocka-dev
  elif command -v brew >/dev/null 2>&1; then
    brew install cmocka
  elif command -v dnf >/dev/null 2>&1; then
    sudo dnf install -y libcmocka-devel
  else
    echo "tests/run.sh: no known package manager; install cmocka by hand" >&2
    exit 1
  fi
fi

export GQ_SHARED="${GQ_SHARED:-$(cd "$root/.." && pwd)/shared}"
if [ ! -d "$GQ_SHARED" ]; then
  echo "tests/run.sh: shared test data not found at $GQ_SHARED (set GQ_SHARED)" >&2
  exit 1
fi

run_suite() {
  local dir=$1; shift
  cmake -S "$root" -B "$dir" -DGQ_WERROR=ON "$@" >/dev/null
  cmake --build "$dir" -j "$jobs"
  (cd "$dir" && ctest --output-on-failure -j "$jobs")
}

echo "== build + tests (Release, -Werror) =="
run_suite "$root/build/test-release" -DCMAKE_BUILD_TYPE=Release

if [ "${GQ_SKIP_SANITIZE:-0}" != "1" ]; then
  echo "== build + tests (AddressSanitizer + UndefinedBehaviorSanitizer) =="
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    run_suite "$root/build/test-asan" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DGQ_SANITIZE=ON
fi
# Fuzzing, a smoke run: every libFuzzer target of tests/fuzz/ for
# GQ_FUZZ_SECONDS (default 60) at once, in its own clang build (ASan +
# UBSan), after replaying the saved regressions.  tests/fuzz/run.sh
# installs clang and libFuzzer's runtime when they are missing.
if [ "${GQ_SKIP_FUZZ:-0}" != "1" ]; then
  echo "== fuzz smoke run (tests/fuzz/run.sh --parallel, ${GQ_FUZZ_SECONDS:-60}s per target) =="
  GQ_CORPUS_TESTS="$root/build/test-release" "$root/tests/fuzz/run.sh" --parallel
fi
# The NEON kernels: a cross build for aarch64 whose tests run under qemu
# (about 3 minutes on two cores).  tests/cross/aarch64.sh installs the
# cross compiler, qemu and arm64 cmocka with apt-get when they are
# missing.  On an aarch64 machine the builds above already ran them.
if [ "${GQ_SKIP_CROSS:-0}" != "1" ]; then
  case "$(uname -m)" in
    aarch64|arm64) echo "== aarch64 cross run skipped: this machine runs the NEON kernels natively ==" ;;
    *)
      echo "== aarch64 cross build + tests under qemu (tests/cross/aarch64.sh) =="
      cross_status=0
      GQ_CROSS_BUILD_DIR="$root/build/test-aarch64" "$root/tests/cross/aarch64.sh" || cross_status=$?
      if [ "$cross_status" -eq 3 ]; then
        # The cross tools could not be installed here: that says nothing
        # about gq, so it is reported, loudly, instead of failing the run.
        echo "!! aarch64 cross run SKIPPED: its tools could not be set up (see the messages above);" >&2
        echo "!! the NEON kernels were not tested in this run" >&2
      elif [ "$cross_status" -ne 0 ]; then
        exit "$cross_status"
      fi
      ;;
  esac
fi
echo "tests/run.sh: all tests passed"
