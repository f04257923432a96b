#!/usr/bin/env bash
# The three programs under valgrind (memcheck, full leak check) on small
# real fixtures: no invalid read or write, no use of uninitialised memory,
# no leak.  Any report makes valgrind exit 99 and the test fail.
#
# valgrind is installed with apt-get when missing.  In the sanitizer build
# the programs carry ASan's runtime, which valgrind cannot run; that build
# says so and stops here (its own checks cover the same ground), the
# normal build runs everything.  To see where uninitialised bytes came
# from, re-run a failing command with --track-origins=yes.
set -euo pipefail
BIN=${GQ_BIN_DIR:?GQ_BIN_DIR is not set (run through ctest)}
SHARED=${GQ_SHARED:?GQ_SHARED is not set (run through ctest)}
F=$SHARED/fixtures
G=$F/quantized/gemma4-mini

fail() { echo "FAIL: $*" >&2; exit 1; }

if grep -qa '__asan_init' "$BIN/gq-inspect"; then
  echo "valgrind.sh: NOT RUN in this build: the programs are built with AddressSanitizer, which valgrind"
  echo "valgrind.sh: cannot host (the normal build of tests/run.sh runs these checks)"
  exit 0
fi

if ! command -v valgrind >/dev/null 2>&1; then
  echo "valgrind.sh: valgrind is missing; installing it with apt-get" >&2
  command -v apt-get >/dev/null 2>&1 || fail "valgrind is missing and there is no apt-get: install it by hand"
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq valgrind
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
n=0
vg() { # NAME EXPECTED_STATUS CMD...
  local name=$1 expect=$2; shift 2
  local rc=0 start=$SECONDS
  valgrind --quiet --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect,possible \
    --errors-for-leak-kinds=definite,indirect,possible "$@" \
    >"$work/out" 2>"$work/err" || rc=$?
  if [ "$rc" -eq 99 ] || grep -q '^==[0-9]*== ' "$work/err"; then
    cat "$work/err" >&2
    fail "$name: valgrind reported errors (above)"
  fi
  [ "$rc" -eq "$expect" ] || { cat "$work/err" >&2; fail "$name: exit $rc, expected $expect"; }
  n=$((n + 1))
  echo "ok: $name (valgrind clean, exit $rc, $((SECONDS - start)) s)"
}

stories=$F/real/models/stories260K.gguf
vg "gq-inspect summary" 0 "$BIN/gq-inspect" "$stories"
vg "gq-inspect --json --tensors" 0 "$BIN/gq-inspect" --json --tensors "$stories"
vg "gq-inspect --tensor values" 0 "$BIN/gq-inspect" --tensor blk.0.attn_q.weight --rows 0:2 "$G/gemma4-mini-Q4_K_M.gguf"
vg "gq-inspect --dump-tensor" 0 "$BIN/gq-inspect" --dump-tensor token_embd.weight -o "$work/dump.bin" "$G/gemma4-mini-IQ2_XS.gguf"
vg "gq-inspect big-endian" 0 "$BIN/gq-inspect" "$F/real/derived/stories260K-F16-be.gguf"
vg "gq-inspect hostile file" 1 "$BIN/gq-inspect" "$F/hostile/threatflux-test_model-overlapping-offsets.gguf"
vg "gq-quantize F16" 0 "$BIN/gq-quantize" "$stories" "$work/f16.gguf" F16 2
vg "gq-quantize Q4_K_M gemma4-mini" 0 "$BIN/gq-quantize" "$G/gemma4-mini-BF16.gguf" "$work/q4km.gguf" Q4_K_M 2
vg "gq-quantize refusal" 1 "$BIN/gq-quantize" "$G/gemma4-mini-BF16.gguf" "$work/iq2.gguf" IQ2_XXS
vg "gq-compare" 0 "$BIN/gq-compare" -q "$stories" "$F/real/derived/stories260K-BF16.gguf" "$work/f16.gguf"
vg "gq-compare --json --html" 0 "$BIN/gq-compare" -q --json -o "$work/r.json" --html "$work/r.html" \
  "$G/gemma4-mini-Q8_0.gguf" "$G/gemma4-mini-Q4_K_M.gguf"
vg "gq-compare unreadable input" 3 "$BIN/gq-compare" -q "$stories" "$F/hostile/ollama-api-test-truncated-6B.gguf"
echo "valgrind.sh: $n runs clean"
