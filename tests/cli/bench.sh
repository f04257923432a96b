#!/usr/bin/env bash
# gq-bench end to end, kept small: it must run every type this build has,
# find every SIMD kernel identical to the scalar reference on its weight-like
# data (exit 3 and "same_as_scalar": false otherwise), print the documented
# JSON and table shapes, and refuse bad arguments with exit 2.
set -u
bin="$GQ_BIN_DIR/gq-bench"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# every type, tiny tensor, one sample: exit 0 means every SIMD result matched the reference
"$bin" --rows 3 --n-per-row 256 --threads 2 --repeat 1 --min-ms 1 --json >"$tmp/all.json" 2>"$tmp/all.err"
rc=$?
[ "$rc" -eq 0 ] || { fail "all types: exit $rc"; sed 's/^/  err: /' "$tmp/all.err" | head; }
grep -q '"schema": "gq-bench/1"' "$tmp/all.json" || fail "JSON has no schema line"
grep -q '"same_as_scalar": false' "$tmp/all.json" && fail "a SIMD kernel differs from the reference: $(grep '"same_as_scalar": false' "$tmp/all.json" | head -3)"
# three modes x two directions per type; q8_0 and f16 are always there
for t in q8_0 f16; do
  n=$(grep -c "\"type\": \"$t\"" "$tmp/all.json")
  [ "$n" -eq 6 ] || fail "$t has $n JSON results, expected 6"
done
if command -v python3 >/dev/null 2>&1; then
  python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["results"], "no results"' "$tmp/all.json" \
    || fail "the JSON does not parse"
fi

# the table: header, and a row per mode for the type asked for
"$bin" --types q8_0 --rows 2 --n-per-row 64 --threads 1 --repeat 1 --min-ms 1 >"$tmp/table" 2>&1 || fail "table run: exit $?"
grep -q '^type  *op  *kernel  *threads  *time_ms  *GB/s_f32  *MB/s_block  *speedup  *same' "$tmp/table" || fail "table header"
[ "$(grep -c '^q8_0 ' "$tmp/table")" -eq 4 ] || fail "expected 4 q8_0 rows (2 ops x scalar/SIMD on 1 thread)"

# usage errors
"$bin" --types not_a_type >/dev/null 2>&1; rc=$?
[ "$rc" -eq 2 ] || fail "unknown type: exit $rc, expected 2"
"$bin" --rows 0 >/dev/null 2>&1; rc=$?
[ "$rc" -eq 2 ] || fail "--rows 0: exit $rc, expected 2"
"$bin" --threads >/dev/null 2>&1; rc=$?
[ "$rc" -eq 2 ] || fail "--threads without a value: exit $rc, expected 2"
"$bin" --help >/dev/null 2>&1 || fail "--help: exit $?"

[ "$failures" -eq 0 ] && echo "gq-bench: all checks passed"
exit $((failures > 0))
