#!/usr/bin/env bash
# gq-compare --no-percentiles: the JSON report says the percentiles were not
# computed and gives them as null, while every other figure is the one the
# full run prints; a --check run with nothing else to print skips them by
# itself and reaches the same verdict.  The full run's own figures are the
# comparison point here (the figures themselves are checked against
# reference-errors.json by test_compare_reference); what is tested is that
# skipping the histogram changes nothing else.
set -u
bin="$GQ_BIN_DIR/gq-compare"
g="$GQ_SHARED/fixtures/quantized/gemma4-mini"
BF16="$g/gemma4-mini-BF16.gguf"; Q8="$g/gemma4-mini-Q8_0.gguf"; IQ2="$g/gemma4-mini-IQ2_M.gguf"
for f in "$BF16" "$Q8" "$IQ2"; do [ -f "$f" ] || { echo "missing fixture $f" >&2; exit 1; }; done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0

"$bin" -q --json "$BF16" "$Q8" "$IQ2" >"$tmp/full.json" || { echo "FAIL: full run exit $?"; exit 1; }
"$bin" -q --json --no-percentiles "$BF16" "$Q8" "$IQ2" >"$tmp/fast.json" || { echo "FAIL: --no-percentiles exit $?"; exit 1; }

python3 - "$tmp/full.json" "$tmp/fast.json" <<'PY' || failures=$((failures + 1))
import json, sys
full, fast = (json.load(open(p)) for p in sys.argv[1:3])
ef, eq = full["errors"], fast["errors"]
assert ef["computed"] and eq["computed"], "errors not computed"
assert ef["percentiles"] is True, "full run: percentiles should be true"
assert eq["percentiles"] is False, "--no-percentiles: percentiles should be false"
pct = ("p50_abs", "p99_abs", "p999_abs")
checked = 0
def same(a, b, where):
    global checked
    for k, v in a.items():
        if k in pct:
            assert isinstance(v, float) and v > 0 or v == 0, f"{where}: full run lacks {k}: {v!r}"
            assert b[k] is None, f"{where}: {k} is {b[k]!r}, expected null"
        elif isinstance(v, (int, float)) and not isinstance(v, bool):
            assert b[k] == v, f"{where}: {k} {b[k]!r} != {v!r}"
            checked += 1
for vf, vq in zip(ef["variants"], eq["variants"]):
    same(vf["overall"], vq["overall"], vf["label"] + " overall")
    for tf, tq in zip(vf["tensors"], vq["tensors"]):
        if tf["status"] == "ok":
            same(tf, tq, vf["label"] + " " + tf["name"])
assert checked > 1000, f"only {checked} figures compared"
print(f"ok: {checked} figures equal, percentiles null with --no-percentiles")
PY

# A check with nothing else to print: same verdict as with a report.
"$bin" -q --check tensors --max-nmse 1e-5 "$BF16" "$Q8" >"$tmp/check.out" 2>&1
code=$?
[ "$code" -eq 1 ] || { echo "FAIL: --check tensors --max-nmse 1e-5: exit $code, expected 1"; failures=$((failures + 1)); }
grep -q "FAIL nmse: Q8_0" "$tmp/check.out" || { echo "FAIL: verdict missing"; cat "$tmp/check.out"; failures=$((failures + 1)); }

# The text report says so.
"$bin" -q --no-percentiles "$BF16" "$Q8" >"$tmp/text.out" || failures=$((failures + 1))
grep -q "percentiles not computed" "$tmp/text.out" || { echo "FAIL: text report does not say the percentiles were skipped"; failures=$((failures + 1)); }

[ "$failures" -eq 0 ] && echo "all --no-percentiles checks hold"
exit "$failures"
