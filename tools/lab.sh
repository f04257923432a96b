#!/usr/bin/env bash
# The lab: build gq, make the sample model, and look at it.
#
#   tools/lab.sh                   # the few-MB sample (Gemma 4 layout, seed 1)
#   tools/lab.sh --params 500M     # any gq-sample options: a bigger model
#   tools/lab.sh --seed 7
#
# Needs only a C compiler and CMake (the test suite, and cmocka, are not
# built here).  Everything it makes goes to build/lab/ and out/, both
# ignored by git.  Each stage is a function; later stages (quantize,
# compare) are added the same way and listed in main at the bottom.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build="$root/build/lab"
out="$root/out"
jobs=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2)
model="$out/sample.gguf"
imatrix="$out/sample.imatrix.gguf"

stage() { printf '\n== %s\n' "$*"; }
die() { echo "tools/lab.sh: $*" >&2; exit 1; }

check_tools() {
  command -v cmake >/dev/null 2>&1 || die "cmake is missing (Debian: apt-get install cmake)"
  command -v cc >/dev/null 2>&1 || command -v gcc >/dev/null 2>&1 || command -v clang >/dev/null 2>&1 ||
    die "no C compiler (Debian: apt-get install gcc)"
}

build_programs() {
  stage "build: the programs in build/lab (Release, -j$jobs)"
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DGQ_BUILD_TESTS=OFF >/dev/null
  # Only the programs the lab runs: an incremental build takes a second.
  if ! cmake --build "$build" -j "$jobs" --target gq-sample gq-inspect >"$build/lab-build.log" 2>&1; then
    cat "$build/lab-build.log" >&2
    die "build failed (log: $build/lab-build.log)"
  fi
}

make_sample() {
  stage "sample: a Gemma-4-shaped model and its importance matrix in out/"
  mkdir -p "$out"
  "$build/gq-sample" -o "$model" --imatrix "$imatrix" "$@"
}

inspect_sample() {
  stage "inspect: gq-inspect $(basename "$model")"
  "$build/gq-inspect" "$model"
  stage "memory: gq-inspect --memory --ctx 32768"
  "$build/gq-inspect" --memory --ctx 32768 "$model"
  stage "values: gq-inspect --tensor blk.0.attn_q.weight"
  "$build/gq-inspect" --tensor blk.0.attn_q.weight "$model"
}

main() {
  local started=$SECONDS
  check_tools
  build_programs
  make_sample "$@"
  inspect_sample
  stage "done in $((SECONDS - started)) s: $model, $imatrix"
}

main "$@"
