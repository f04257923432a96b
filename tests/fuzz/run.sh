#!/usr/bin/env bash
# Build the libFuzzer targets (their own build directory, clang with
# -fsanitize=fuzzer,address,undefined), replay the saved regressions, then
# fuzz each target for a while, seeded from the shared fixtures and the
# generated hostile corpora.
#
#   tests/fuzz/run.sh                       # every target, GQ_FUZZ_SECONDS each (default 60)
#   tests/fuzz/run.sh --seconds 600 gguf    # one target, ten minutes
#   tests/fuzz/run.sh --replay              # only replay tests/fuzz/regressions/
#   tests/fuzz/run.sh --parallel            # all targets at once (the smoke run of tests/run.sh)
#   tests/fuzz/run.sh gguf -- -jobs=1       # extra libFuzzer flags after --
#
# Targets: gguf (the GGUF reader and every accessor), imatrix (the
# importance-matrix readers), dequant (every dequantizer).
#
# Environment: GQ_FUZZ_SECONDS (time per target), GQ_FUZZ_BUILD (build
# directory, default build/fuzz), GQ_SHARED (shared data, default
# ../shared), GQ_CORPUS_TESTS (a directory holding the test programs
# test_fault_gguf_corpus / test_fault_imatrix, used to write the generated
# hostile corpora as extra seeds; default build/test-release when present).
#
# clang and libFuzzer's runtime are installed with apt-get when missing.
# A finding stops with the input saved under $GQ_FUZZ_BUILD/artifacts/ and
# says how to turn it into a regression test; the exit status is then 1.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)

seconds=${GQ_FUZZ_SECONDS:-60}
replay_only=0
parallel=0
targets=()
extra=()
while [ $# -gt 0 ]; do
  case $1 in
    --seconds) seconds=$2; shift 2 ;;
    --seconds=*) seconds=${1#*=}; shift ;;
    --replay) replay_only=1; shift ;;
    --parallel) parallel=1; shift ;;
    --) shift; extra=("$@"); break ;;
    gguf|imatrix|dequant) targets+=("$1"); shift ;;
    -h|--help) sed -n '2,25p' "$0"; exit 0 ;;
    *) echo "tests/fuzz/run.sh: unknown argument '$1' (targets: gguf imatrix dequant)" >&2; exit 2 ;;
  esac
done
[ ${#targets[@]} -eq 0 ] && targets=(gguf imatrix dequant)
build=${GQ_FUZZ_BUILD:-$root/build/fuzz}
shared=${GQ_SHARED:-$(cd "$root/.." && pwd)/shared}
jobs=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2)
[ "$jobs" -gt 2 ] && jobs=2

say() { echo "tests/fuzz/run.sh: $*" >&2; }

apt_install() {
  if ! command -v apt-get >/dev/null 2>&1; then
    say "cannot install $* (no apt-get): install it by hand"
    exit 1
  fi
  local sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "$@"
}

# ------------------------------------------------------------ toolchain
if ! command -v clang >/dev/null 2>&1; then
  say "clang is missing; installing clang with apt-get"
  apt_install clang
fi
probe_dir=$(mktemp -d)
trap 'rm -rf "$probe_dir"' EXIT
printf '#include <stddef.h>\n#include <stdint.h>\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }\n' \
  > "$probe_dir/probe.c"
if ! clang -fsanitize=fuzzer,address,undefined "$probe_dir/probe.c" -o "$probe_dir/probe" 2>"$probe_dir/err"; then
  # Debian packages libFuzzer's runtime (libclang_rt.fuzzer-*.a) apart from
  # clang: libclang-rt-<major>-dev since LLVM 14, libclang-common-<major>-dev before.
  major=$(clang -dumpversion | cut -d. -f1)
  say "clang cannot link a libFuzzer target ($(head -c 300 "$probe_dir/err" | tr '\n' ' '))"
  say "installing libFuzzer's runtime: libclang-rt-$major-dev"
  apt_install "libclang-rt-$major-dev" || apt_install "libclang-common-$major-dev"
  clang -fsanitize=fuzzer,address,undefined "$probe_dir/probe.c" -o "$probe_dir/probe"
fi

# ------------------------------------------------------------ build
echo "== fuzz targets: build ($build) =="
cmake -S "$root/tests/fuzz" -B "$build" -DCMAKE_C_COMPILER=clang >/dev/null
cmake --build "$build" -j "$jobs" >/dev/null

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

# ------------------------------------------------------------ replay
status=0
for t in "${targets[@]}"; do
  dir=$root/tests/fuzz/regressions/$t
  files=()
  [ -d "$dir" ] && while IFS= read -r -d '' f; do files+=("$f"); done < <(find "$dir" -type f ! -name '*.md' -print0 | sort -z)
  if [ ${#files[@]} -gt 0 ]; then
    if "$build/fuzz_$t" "${files[@]}" >"$build/replay-$t.log" 2>&1; then
      echo "fuzz_$t: ${#files[@]} saved regressions replayed, all pass"
    else
      say "fuzz_$t: a saved regression fails again; see $build/replay-$t.log"
      tail -30 "$build/replay-$t.log" >&2
      status=1
    fi
  fi
done
[ "$replay_only" = 1 ] && exit $status

# ------------------------------------------------------------ seeds
# Copied at run time (nothing from the shared data is committed here).
if [ ! -d "$shared/fixtures" ]; then
  say "shared fixtures not found at $shared (set GQ_SHARED)"
  exit 1
fi
seeds=$build/seeds
rm -rf "$seeds"
mkdir -p "$seeds/gguf" "$seeds/imatrix" "$seeds/dequant"
n=0
while IFS= read -r -d '' f; do
  n=$((n + 1)); cp "$f" "$seeds/gguf/$n-$(basename "$f")"
done < <(find "$shared/fixtures/real" "$shared/fixtures/hostile" -type f \( -name '*.gguf' -o -name '*.bin' \) -print0)
cp "$shared/fixtures/quantized/gemma4-mini/gemma4-mini.imatrix.gguf" "$seeds/gguf/"
cp "$shared/fixtures/quantized/gemma4-mini/gemma4-mini.imatrix.gguf" "$shared"/fixtures/real/imatrix/* "$seeds/imatrix/"
corpus_tests=${GQ_CORPUS_TESTS:-$root/build/test-release}
if [ -x "$corpus_tests/test_fault_gguf_corpus" ] && [ -x "$corpus_tests/test_fault_imatrix" ]; then
  GQ_SHARED=$shared GQ_CORPUS_OUT="$seeds/gguf" "$corpus_tests/test_fault_gguf_corpus" >"$build/corpus-gguf.log" 2>&1 ||
    { cat "$build/corpus-gguf.log" >&2; say "writing the generated GGUF corpus failed"; exit 1; }
  GQ_SHARED=$shared GQ_CORPUS_OUT="$seeds/imatrix" "$corpus_tests/test_fault_imatrix" >"$build/corpus-imatrix.log" 2>&1 ||
    { cat "$build/corpus-imatrix.log" >&2; say "writing the generated imatrix corpus failed"; exit 1; }
  echo "seeds: fixtures + $(ls "$seeds/gguf" | wc -l) GGUF and $(ls "$seeds/imatrix" | wc -l) imatrix files (generated corpora included)"
else
  echo "(no generated corpora: $corpus_tests has no test_fault_* programs; seeding from the fixtures only)"
fi
# dequant: byte 0 is the type id; blocks of random bytes, and of 0xff
# (NaN scales in every half-float slot)
for id in $(seq 0 63); do
  { printf "\\x$(printf %02x "$id")"; head -c 704 /dev/urandom; } > "$seeds/dequant/random-$id"
  { printf "\\x$(printf %02x $((id + 64)))"; head -c 704 /dev/zero | tr '\0' '\377'; } > "$seeds/dequant/ones-$id"
done

max_len() {
  case $1 in
    gguf) echo 262144 ;;      # headers and small models; megabyte vocabularies made it ~100 exec/s
    imatrix) echo 262144 ;;   # the generated files and the GGUF imatrix whole; the legacy fixtures cut
    dequant) echo 8192 ;;
  esac
}

# ------------------------------------------------------------ fuzz
# fuzz_one TARGET: fuzz it; the verdict goes to stdout, 1 on a finding.
fuzz_one() {
  local t=$1
  local corpus=$build/corpus/$t artifacts=$build/artifacts/$t log=$build/fuzz-$t.log
  mkdir -p "$corpus" "$artifacts"
  local dict=()
  if [ "$t" = gguf ] || [ "$t" = imatrix ]; then dict=(-dict="$root/tests/fuzz/gguf.dict"); fi
  local cmd=("$build/fuzz_$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=256
             -max_len="$(max_len "$t")" ${dict[@]+"${dict[@]}"} -print_final_stats=1 -artifact_prefix="$artifacts/"
             ${extra[@]+"${extra[@]}"} "$corpus" "$seeds/$t")
  echo "== fuzz_$t: ${seconds}s =="
  echo "   ${cmd[*]}"
  local rc=0
  "${cmd[@]}" >"$log" 2>&1 || rc=$?
  local runs found
  runs=$(grep -a 'stat::number_of_executed_units' "$log" | tail -1 | awk '{print $2}')
  [ -z "$runs" ] && runs=$(grep -aoE 'Done [0-9]+ runs' "$log" | tail -1 | awk '{print $2}')
  found=$(find "$artifacts" -type f | wc -l)
  if [ "$rc" -ne 0 ] || [ "$found" -ne 0 ]; then
    echo "fuzz_$t: FINDING (libFuzzer exit $rc) after ${runs:-?} executions; log: $log"
    grep -aE 'ERROR|SUMMARY|broken promise|runtime error' "$log" | head -20 || true
    for a in "$artifacts"/*; do
      [ -f "$a" ] || continue
      echo "  input: $a"
      echo "  minimize: $build/fuzz_$t -minimize_crash=1 -runs=100000 -exact_artifact_path=$a.min $a"
      echo "  then: cp $a.min tests/fuzz/regressions/$t/<what-it-breaks>, fix, and run test_regress_fuzz"
    done
    return 1
  fi
  echo "fuzz_$t: ${seconds}s, ${runs:-?} executions, no finding ($(find "$corpus" -type f | wc -l) corpus files)"
}

if [ "$parallel" = 1 ]; then
  # every target at once, each report printed when all are done
  pids=()
  for t in "${targets[@]}"; do
    fuzz_one "$t" >"$build/report-$t.txt" 2>&1 &
    pids+=($!)
  done
  for i in "${!targets[@]}"; do
    wait "${pids[$i]}" || status=1
    cat "$build/report-${targets[$i]}.txt"
  done
else
  for t in "${targets[@]}"; do fuzz_one "$t" || status=1; done
fi
[ "$status" -eq 0 ] || say "a fuzz target found something or a regression failed (see above)"
exit $status
