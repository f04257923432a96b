#!/usr/bin/env bash
# The lab in one command: build gq, make the sample model, quantize it three
# ways, and compare the results, with and without the original.
#
#   tools/lab.sh                   # the 6.5M-parameter sample (Gemma 4 layout, seed 1)
#   tools/lab.sh --params 500M     # any gq-sample option: a bigger model
#   tools/lab.sh --seed 7
#   tools/lab.sh --out /tmp/lab    # write the files somewhere else (default: out/)
#   tools/lab.sh --bin /usr/bin    # use programs already built or installed; build nothing
#
# Needs only a C compiler and CMake (the test suite, and cmocka, are not
# built here).  The build goes to build/lab/, everything it writes to out/;
# git ignores both.  In out/ afterwards:
#
#   sample-BF16.gguf          the original (gq-sample)
#   sample.imatrix.gguf       its importance matrix (for IQ2_M)
#   sample-Q8_0.gguf  sample-Q4_K_M.gguf  sample-IQ2_M.gguf   (gq-quantize)
#   lab-report.md             both comparisons as one Markdown report
#   lab-report.html           the comparison against the original, with charts
#   lab-report-no-original.html   the three quantized files alone
#
# Each stage is a function; main at the bottom lists them in order.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build="$root/build/lab"
out="$root/out"
bin=""
jobs=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2)
weight_type=BF16
sample_args=()
variants=(Q8_0 Q4_K_M IQ2_M)

stage() { printf '\n== %s\n' "$*"; }
die() { echo "tools/lab.sh: $*" >&2; exit 1; }

usage() {
  # The header comment of this file, up to the note for maintainers.
  sed -n '2,/^# Each stage/{/^# Each stage/!p}' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
  echo "Other options are passed to gq-sample (gq-sample --help lists them)."
}

parse_args() {
  while [ $# -gt 0 ]; do
    case "$1" in
      -h | --help) usage; exit 0 ;;
      --out) [ $# -ge 2 ] || die "--out needs a directory"; out=$2; shift 2 ;;
      --out=*) out=${1#--out=}; shift ;;
      --bin) [ $# -ge 2 ] || die "--bin needs a directory"; bin=$2; shift 2 ;;
      --bin=*) bin=${1#--bin=}; shift ;;
      # gq-sample's weight type names the original's file, as llama.cpp
      # names its conversions (model-BF16.gguf, model-F16.gguf).
      -t | --type) [ $# -ge 2 ] || die "$1 needs a type"; weight_type=$2; sample_args+=("$1" "$2"); shift 2 ;;
      --type=*) weight_type=${1#--type=}; sample_args+=("$1"); shift ;;
      -o | --output | --output=* | --imatrix | --imatrix=*) die "$1: the lab names its files itself (see --out)" ;;
      *) sample_args+=("$1"); shift ;;
    esac
  done
  weight_type=$(echo "$weight_type" | tr '[:lower:]' '[:upper:]')
  mkdir -p "$out"
  out=$(cd "$out" && pwd)
  # The models are named relative to out/, where every command runs: what
  # the lab prints is what a student types there, and gq-quantize records
  # the importance matrix as "sample.imatrix.gguf" wherever out/ is.
  model="sample-$weight_type.gguf"
  imatrix="sample.imatrix.gguf"
}

check_tools() {
  [ -n "$bin" ] && return 0
  command -v cmake >/dev/null 2>&1 || die "cmake is missing (Debian: apt-get install cmake)"
  command -v cc >/dev/null 2>&1 || command -v gcc >/dev/null 2>&1 || command -v clang >/dev/null 2>&1 ||
    die "no C compiler (Debian: apt-get install gcc)"
}

build_programs() {
  if [ -n "$bin" ]; then
    bin=$(cd "$bin" && pwd)
    for p in gq-sample gq-inspect gq-quantize gq-compare; do
      [ -x "$bin/$p" ] || die "--bin $bin: no $p there"
    done
    return 0
  fi
  stage "build: every program in build/lab (Release, -j$jobs)"
  mkdir -p "$build"
  if ! cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DGQ_BUILD_TESTS=OFF >"$build/lab-configure.log" 2>&1; then
    cat "$build/lab-configure.log" >&2
    die "cmake configure failed (log: $build/lab-configure.log)"
  fi
  # Incremental after the first time: a warm build takes a second.
  if ! cmake --build "$build" -j "$jobs" >"$build/lab-build.log" 2>&1; then
    tail -40 "$build/lab-build.log" >&2
    die "build failed (log: $build/lab-build.log)"
  fi
  bin="$build"
  echo "built: gq-inspect gq-quantize gq-compare gq-sample gq-bench ($(cd "$root" && "$bin/gq-inspect" --version))"
}

# Show a command as the reader would type it (program names without their
# directory, arguments quoted for the shell), then run it.
run() {
  local shown
  shown=$(printf '%q ' "$@")
  shown=${shown% }
  printf '$ %s\n' "${shown#"$(printf '%q' "$bin")/"}"
  "$@"
}

# out/ when it is the default, else the full path.
short_out() { if [ "$out" = "$root/out" ]; then echo "out/"; else echo "$out/"; fi; }

make_sample() {
  stage "sample: a Gemma-4-shaped model and its importance matrix"
  run "$bin/gq-sample" -o "$model" --imatrix "$imatrix" ${sample_args[@]+"${sample_args[@]}"}
}

inspect_sample() {
  stage "inspect: tensor types of the original, block 0's tensors"
  run "$bin/gq-inspect" --tensors --filter 'blk.0.*' "$model"
  stage "memory: what the original needs to run with a 32k context"
  run "$bin/gq-inspect" --memory --ctx 32768 "$model"
}

quantize_variants() {
  for v in "${variants[@]}"; do
    stage "quantize: $v"
    local extra=()
    # The IQ2 mixes need to know which inputs matter: llama-quantize refuses
    # them without an importance matrix, and so does gq-quantize.
    case "$v" in IQ*) extra=(--imatrix "$imatrix") ;; esac
    run "$bin/gq-quantize" ${extra[@]+"${extra[@]}"} "$model" "sample-$v.gguf" "$v"
  done
}

variant_files() { for v in "${variants[@]}"; do printf '%s\n' "sample-$v.gguf"; done; }

compare_with_original() {
  stage "compare: the three variants against the original"
  local files
  mapfile -t files < <(variant_files)
  run "$bin/gq-compare" -q "$model" "${files[@]}"
  "$bin/gq-compare" -q --markdown -o .lab-with.md --html lab-report.html "$model" "${files[@]}"
}

compare_without_original() {
  stage "compare: the three variants alone (a student who downloaded only the quantized files)"
  local files
  mapfile -t files < <(variant_files)
  run "$bin/gq-compare" -q "${files[@]}"
  "$bin/gq-compare" -q --markdown -o .lab-without.md --html lab-report-no-original.html "${files[@]}"
}

# One Markdown file: a short preface, then both comparisons with their
# headings pushed one level down.
write_report() {
  local md=lab-report.md
  {
    echo "# gq lab report"
    echo
    echo "Made by \`tools/lab.sh\`: the sample model (\`$model\`) quantized to" \
      "$(printf '%s, ' "${variants[@]}" | sed 's/, $//') with gq-quantize, then compared with gq-compare."
    echo "Part 1 measures every variant against the original; part 2 compares the quantized files alone,"
    echo "as someone who downloaded only those would: the reference is then the variant with the most bits"
    echo "per weight, and errors are relative to it, not to the original."
    echo
    echo "## Part 1: against the original"
    echo
    sed 's/^#/##/' .lab-with.md
    echo
    echo "## Part 2: without the original"
    echo
    sed 's/^#/##/' .lab-without.md
  } >"$md.tmp"
  mv "$md.tmp" "$md"
  rm -f .lab-with.md .lab-without.md
}

main() {
  local started=$SECONDS
  parse_args "$@"
  check_tools
  build_programs
  cd "$out"
  stage "working in $(short_out) (every command below runs there)"
  make_sample
  inspect_sample
  quantize_variants
  compare_with_original
  compare_without_original
  write_report
  stage "done in $((SECONDS - started)) s"
  echo "reports: $(short_out)lab-report.md, $(short_out)lab-report.html, $(short_out)lab-report-no-original.html"
  echo "models:  $(short_out){$model, $imatrix, $(variant_files | paste -sd, - | sed 's/,/, /g')}"
  echo "next:    docs/lab.md walks through these files (and the real Gemma 4 E2B ones)"
}

main "$@"
