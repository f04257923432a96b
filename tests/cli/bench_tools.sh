#!/usr/bin/env bash
# gq-bench-read and gq-bench-pairs, the two measurement programs behind
# docs/benchmarks.md's gq-compare section: they run, print a row per way /
# kernel set, refuse bad arguments with exit 2 and unreadable files with 3.
# gq-bench-read also checks itself: every way must read the same bytes (an
# XOR of the files' words), and exits 4 when one did not.  No timing is
# asserted (speed is measured, not tested).
set -u
g="$GQ_SHARED/fixtures/quantized/gemma4-mini"
for f in "$g/gemma4-mini-Q8_0.gguf" "$g/gemma4-mini-IQ2_M.gguf"; do [ -f "$f" ] || { echo "missing fixture $f" >&2; exit 1; }; done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

read_bin="$GQ_BIN_DIR/gq-bench-read"
"$read_bin" --repeat 1 --chunk 64 --window 1 "$g/gemma4-mini-Q8_0.gguf" "$g/gemma4-mini-IQ2_M.gguf" >"$tmp/read.out" 2>&1
code=$?
[ "$code" -eq 0 ] || fail "gq-bench-read exit $code: $(cat "$tmp/read.out")"
for way in pread mmap populate whole; do
  grep -qE "^$way +[0-9.]+ +[0-9.]+ +[0-9.]+$" "$tmp/read.out" || fail "gq-bench-read prints no row for $way"
done
bytes=$(( $(stat -c %s "$g/gemma4-mini-Q8_0.gguf") + $(stat -c %s "$g/gemma4-mini-IQ2_M.gguf") ))
grep -q "^$bytes bytes in 2 file(s)" "$tmp/read.out" || fail "gq-bench-read does not count the files' $bytes bytes"
"$read_bin" >/dev/null 2>&1; [ $? -eq 2 ] || fail "gq-bench-read without files: expected exit 2"
"$read_bin" --chunk 0 "$g/gemma4-mini-Q8_0.gguf" >/dev/null 2>&1; [ $? -eq 2 ] || fail "--chunk 0: expected exit 2"
"$read_bin" "$tmp/absent.gguf" >/dev/null 2>&1; [ $? -eq 3 ] || fail "missing file: expected exit 3"

pairs_bin="$GQ_BIN_DIR/gq-bench-pairs"
"$pairs_bin" --pairs 8192 --repeat 1 >"$tmp/pairs.out" 2>&1
code=$?
[ "$code" -eq 0 ] || fail "gq-bench-pairs exit $code: $(cat "$tmp/pairs.out")"
grep -qE "^scalar +[0-9.]+ ns/pr +[0-9.]+ ns/pr +-?[0-9.]+ ns/pr +[0-9.]+ ns/el$" "$tmp/pairs.out" ||
  fail "gq-bench-pairs prints no row for the portable kernels"
"$pairs_bin" --pairs 100 >/dev/null 2>&1; [ $? -eq 2 ] || fail "--pairs 100 (not a multiple of 4096): expected exit 2"
"$pairs_bin" --type no_such_type >/dev/null 2>&1; [ $? -eq 2 ] || fail "--type no_such_type: expected exit 2"

[ "$failures" -eq 0 ] && echo "gq-bench-read and gq-bench-pairs: all checks passed"
exit "$failures"
