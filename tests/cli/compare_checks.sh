#!/usr/bin/env bash
# gq-compare --check and its exit codes: 0 the checks hold, 1 a check failed,
# 2 usage error, 3 an input could not be read.  Expected outcomes come from
# the fixtures: the gemma4-mini variants differ from BF16 only in keys
# llama-quantize writes, and reference-errors.json gives Q8_0's overall NMSE
# as 5.157e-05; stories260K and llama-2-tiny-random are different models.
set -u
bin="$GQ_BIN_DIR/gq-compare"
g="$GQ_SHARED/fixtures/quantized/gemma4-mini"
real="$GQ_SHARED/fixtures/real"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for f in "$g/gemma4-mini-BF16.gguf" "$real/models/stories260K.gguf" "$real/models/llama-2-tiny-random.gguf"; do
  [ -f "$f" ] || { echo "missing fixture $f" >&2; exit 1; }
done
failures=0

# expect CODE DESCRIPTION -- command...
expect() {
  local want=$1 what=$2; shift 3
  "$@" >"$tmp/out" 2>"$tmp/err"
  local got=$?
  if [ "$got" -ne "$want" ]; then
    echo "FAIL: $what: exit $got, expected $want: $*"
    sed 's/^/  out: /' "$tmp/out" | head -20
    sed 's/^/  err: /' "$tmp/err" | head -20
    failures=$((failures + 1))
  else
    echo "ok: $what (exit $got)"
  fi
}
# the last command's output must contain TEXT
expect_text() {
  if ! grep -q -- "$1" "$tmp/out" "$tmp/err"; then
    echo "FAIL: output lacks '$1'"
    failures=$((failures + 1))
  fi
}

BF16="$g/gemma4-mini-BF16.gguf"; Q8="$g/gemma4-mini-Q8_0.gguf"; Q4="$g/gemma4-mini-Q4_K_M.gguf"

# 0: checks hold
expect 0 "quantized variants differ only as quantization does" -- "$bin" -q --check all "$BF16" "$Q8" "$Q4"
expect_text "check: metadata and tensors hold"
expect 0 "NMSE under the limit (Q8_0 5.157e-05 <= 1e-4)" -- "$bin" -q --check tensors --max-nmse 1e-4 "$BF16" "$Q8"
expect 0 "F16 and BF16 conversions of stories260K" -- "$bin" -q --check all "$real/models/stories260K.gguf" \
  "$real/derived/stories260K-F16.gguf" "$real/derived/stories260K-BF16.gguf"
expect 0 "metadata of different models, every key ignored" -- "$bin" -q --check metadata --ignore-key '*' \
  "$real/models/stories260K.gguf" "$real/models/llama-2-tiny-random.gguf"

# 1: a check fails
expect 1 "NMSE over the limit (5.157e-05 > 1e-5)" -- "$bin" -q --check all --max-nmse 1e-5 "$BF16" "$Q8"
expect_text "FAIL nmse: Q8_0"
expect 1 "metadata of different models" -- "$bin" -q --check metadata \
  "$real/models/stories260K.gguf" "$real/models/llama-2-tiny-random.gguf"
expect_text "FAIL metadata: llama.block_count"
expect 1 "tensors of different models" -- "$bin" -q --check tensors \
  "$real/models/stories260K.gguf" "$real/models/llama-2-tiny-random.gguf"
expect_text "FAIL tensors: blk.4.ffn_up.weight"
expect 1 "a failing check with --json still prints the report, verdicts on stderr" -- \
  "$bin" -q --json --check all --max-nmse 1e-9 "$BF16" "$Q8"
grep -q '"schema": "gq-compare/1"' "$tmp/out" || { echo "FAIL: no JSON on stdout"; failures=$((failures + 1)); }
grep -q 'FAIL nmse' "$tmp/err" || { echo "FAIL: verdict not on stderr"; failures=$((failures + 1)); }

# 2: usage errors
expect 2 "unknown check" -- "$bin" --check everything "$BF16" "$Q8"
expect 2 "one input" -- "$bin" "$BF16"
expect 2 "--max-nmse without a tensor check" -- "$bin" --max-nmse 0.1 "$BF16" "$Q8"
expect 2 "--max-nmse not a number" -- "$bin" --check tensors --max-nmse lots "$BF16" "$Q8"
expect 2 "two stdout formats" -- "$bin" --json --csv "$BF16" "$Q8"
expect 2 "unknown option" -- "$bin" --frobnicate "$BF16" "$Q8"

# 3: unreadable inputs
expect 3 "missing file" -- "$bin" "$BF16" "$tmp/no-such.gguf"
expect 3 "truncated file" -- "$bin" "$BF16" "$GQ_SHARED/fixtures/hostile/ollama-api-test-truncated-6B.gguf"
printf 'not a gguf file at all\n' >"$tmp/text.gguf"
expect 3 "not GGUF" -- "$bin" --check all "$BF16" "$tmp/text.gguf"
expect 3 "missing split part" -- "$bin" "$BF16" "$tmp/model-00002-of-00003.gguf"
expect_text "model-00001-of-00003.gguf"

# Hostile files: a clear refusal (3) or a report (0), never a crash.
for f in "$GQ_SHARED"/fixtures/hostile/*.gguf "$GQ_SHARED"/fixtures/hostile/*/*.bin; do
  "$bin" -q "$real/models/stories260K.gguf" "$f" >"$tmp/out" 2>"$tmp/err"
  rc=$?
  if [ "$rc" -ne 0 ] && [ "$rc" -ne 3 ]; then
    echo "FAIL: $f: exit $rc"; head -5 "$tmp/err"; failures=$((failures + 1))
  elif [ "$rc" -eq 3 ] && ! grep -q "gq-compare: .*$(basename "$f")" "$tmp/err"; then
    echo "FAIL: $f: refused without naming the file"; failures=$((failures + 1))
  fi
done
echo "ok: hostile files refused cleanly or compared"

# --help is not an error
expect 0 "--help" -- "$bin" --help
expect_text "Exit codes"

if [ "$failures" -ne 0 ]; then
  echo "$failures failure(s)"
  exit 1
fi
echo "all compare checks behave"
