#!/usr/bin/env bash
# tools/lab.sh end to end, on this build's programs (--bin, so nothing is
# rebuilt): it must quantize the sample with llama.cpp's mixes, print both
# comparisons, and write reports whose numbers agree with the files and
# whose HTML renders its charts in headless Chromium.
#
# DEPENDENCY: Chromium (Debian package `chromium`), installed with apt-get
# when missing (root or sudo needed); the test FAILS without it, never skips.
#
# Expected values come from outside gq:
#   - each variant's tensor types are llama-quantize's choices for the same
#     layout: the gemma4-mini fixture listings types-<TYPE>.txt (the sample
#     has that fixture's exact layout);
#   - bits per weight in the reports are recomputed from the files by the
#     independent Python reader (tests/cli/inspect_gguf.py);
#   - the charts are counted by the browser's layout engine.
set -u
: "${GQ_BIN_DIR:?run through ctest}" "${GQ_SHARED:?run through ctest}" "${GQ_SOURCE_DIR:?run through ctest}"
mini="$GQ_SHARED/fixtures/quantized/gemma4-mini"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
export PYTHONPATH="$GQ_SOURCE_DIR/tests/cli" PYTHONDONTWRITEBYTECODE=1 mini tmp
for v in Q8_0 Q4_K_M IQ2_M; do
  [ -f "$mini/types-$v.txt" ] || { echo "FAIL: missing $mini/types-$v.txt"; exit 1; }
done

echo "== tools/lab.sh --bin \$GQ_BIN_DIR --out \$tmp/out"
start=$(date +%s%N)
bash "$GQ_SOURCE_DIR/tools/lab.sh" --bin "$GQ_BIN_DIR" --out "$tmp/out" >"$tmp/lab.log" 2>&1
rc=$?
seconds=$(awk -v a="$start" -v b="$(date +%s%N)" 'BEGIN { printf "%.1f", (b - a) / 1e9 }')
echo "lab.sh took $seconds s"
if [ "$rc" -ne 0 ]; then
  tail -30 "$tmp/lab.log"
  echo "FAIL: tools/lab.sh exit status $rc"
  exit 1
fi
o="$tmp/out"
for f in sample-BF16.gguf sample.imatrix.gguf sample-Q8_0.gguf sample-Q4_K_M.gguf sample-IQ2_M.gguf \
  lab-report.md lab-report.html lab-report-no-original.html; do
  [ -s "$o/$f" ] || fail "lab.sh did not write $f"
done
ls -a "$o" | grep -q '^\.lab-' && fail "lab.sh left its temporary Markdown parts in the output directory"

echo "== the printed tables"
# Both comparisons print every section; the second has no float input, so
# the reference is the variant with the most bits per weight.
[ "$(grep -c '^Reconstruction error' "$tmp/lab.log")" -eq 2 ] || fail "expected two 'Reconstruction error' tables"
[ "$(grep -c '^Sizes' "$tmp/lab.log")" -eq 2 ] || fail "expected two 'Sizes' tables"
grep -q 'reference: BF16 - the unquantized (float) input' "$tmp/lab.log" || fail "first comparison is not against the original"
grep -q 'reference: Q8_0 - no float input' "$tmp/lab.log" || fail "second comparison does not fall back to Q8_0"
grep -q '^\$ gq-quantize --imatrix sample.imatrix.gguf sample-BF16.gguf sample-IQ2_M.gguf IQ2_M$' "$tmp/lab.log" ||
  fail "the IQ2_M command is not shown as typed in the output directory"
for v in Q8_0 Q4_K_M IQ2_M; do
  grep -qE "^  $v +[0-9.]+ +[0-9]+ +[0-9]+ " "$tmp/lab.log" || fail "no error row for $v"
done

echo "== the variants use llama-quantize's mixes (fixture listings)"
python3 - <<'EOF' || fail "tensor types differ from llama-quantize's listings"
import os
from inspect_gguf import Reader, GGML_TYPES
o, mini = os.environ["tmp"] + "/out", os.environ["mini"]
for v in ("Q8_0", "Q4_K_M", "IQ2_M"):
    got = {t["name"]: GGML_TYPES[t["type"]][0].lower() for t in Reader(f"{o}/sample-{v}.gguf").tensors}
    want = {l.split()[0]: l.split()[1].lower() for l in open(f"{mini}/types-{v}.txt") if l.strip()}
    assert got == want, (v, sorted((k, got.get(k), want.get(k)) for k in set(got) | set(want) if got.get(k) != want.get(k))[:5])
EOF

echo "== lab-report.md: both parts, bits per weight recomputed from the files"
md="$o/lab-report.md"
[ "$(head -1 "$md")" = "# gq lab report" ] || fail "lab-report.md does not start with its title"
grep -q '^## Part 1: against the original$' "$md" || fail "no part 1 heading"
grep -q '^## Part 2: without the original$' "$md" || fail "no part 2 heading"
# Each part's headings sit below the part's: no second top-level title.
[ "$(grep -c '^# ' "$md")" -eq 1 ] || fail "more than one top-level heading"
python3 - <<'EOF' || fail "bits per weight in the Markdown report"
import os, re
from inspect_gguf import Reader, tensor_bytes
o = os.environ["tmp"] + "/out"
md = open(o + "/lab-report.md", encoding="utf-8").read()
part1, part2 = md.split("## Part 2: without the original")
for v in ("BF16", "Q8_0", "Q4_K_M", "IQ2_M"):
    r = Reader(f"{o}/sample-{v}.gguf")
    params = sum(eval("*".join(map(str, t["ne"]))) for t in r.tensors)
    nbytes = sum(tensor_bytes(t["type"], eval("*".join(map(str, t["ne"])))) for t in r.tensors)
    bpw = "%.3f" % (8 * nbytes / params)
    label = v.replace("_", "\\_")
    for name, part in (("part 1", part1), ("part 2", part2)):
        if v == "BF16" and name == "part 2":
            assert "sample-BF16" not in part, "part 2 mentions the original"
            continue
        # the Size table's row: the one with sizes in it
        rows = [l for l in part.splitlines()
                if re.match(r"\| %s( \(reference\))? \|" % re.escape(label), l) and "iB |" in l]
        assert rows, (name, v, "no size row")
        assert "| %s |" % bpw in rows[0], (name, v, bpw, rows[0])
EOF

echo "== the HTML reports render their charts in headless Chromium"
# shellcheck source=lib/chromium.sh
. "$(dirname "$0")/lib/chromium.sh"
gq_find_chromium lab_run

# Distinct tensor types per file, from the independent reader: one stacked
# segment per input and type in the type-mix chart.
types_of() {
  python3 -c "
import sys
from inspect_gguf import Reader
print(len({t['type'] for t in Reader(sys.argv[1]).tensors}))" "$1"
}
all_types_of() {
  python3 -c "
import sys
from inspect_gguf import Reader
print(len({t['type'] for f in sys.argv[1:] for t in Reader(f).tensors}))" "$@"
}

# render PAGE -> probe lines "chart-id w=.. h=.. series=.. points=.. segs=.. legend=.."
render() {
  local page=$1 name
  name=$(basename "$page" .html)
  if grep -Eiq '<script|<link|<img|<iframe|src=|href=|@import|url\(' "$page"; then
    fail "$name references something outside itself"
  fi
  sed 's#</body>#<script>(function(){var o=[];document.querySelectorAll("svg.chart").forEach(function(s){var r=s.getBoundingClientRect();function n(q){var c=0;s.querySelectorAll(q).forEach(function(e){var b=e.getBBox();if(b.width>0\&\&b.height>=0)c++;});return c;}o.push(s.id+" w="+Math.round(r.width)+" h="+Math.round(r.height)+" series="+n("polyline.series")+" points="+n("circle.point")+" segs="+n("rect.seg")+" legend="+n(".legend-key"));});var p=document.createElement("pre");p.id="probe";p.textContent="PROBE\\n"+o.join("\\n")+"\\nEND";document.body.appendChild(p);})();</script></body>#' \
    "$page" >"$tmp/$name.probe.html"
  "$browser" --headless --no-sandbox --disable-gpu --disable-background-networking --disable-component-update \
    --disable-sync --no-first-run --user-data-dir="$tmp/profile" --dump-dom "file://$tmp/$name.probe.html" \
    >"$tmp/$name.dom.html" 2>"$tmp/$name.browser.log"
  sed -n '/<pre id="probe">/,/END<\/pre>/p' "$tmp/$name.dom.html" >"$tmp/$name.probe.txt"
  [ -s "$tmp/$name.probe.txt" ] || { fail "$name: the probe did not run"; tail -5 "$tmp/$name.browser.log"; }
  grep '^chart-' "$tmp/$name.probe.txt" | sed "s/^/  $name: /"
}
field() { grep "^$2 " "$tmp/$1.probe.txt" | tr ' ' '\n' | sed -n "s/^$3=//p"; }

# check PAGE REFERENCE VARIANT... : charts laid out, one line and one point
# per variant and layer, one bar segment per input and type.
check_page() {
  local page=$1 ref=$2 name
  shift 2
  name=$(basename "$page" .html)
  render "$page"
  local n=$# layers=8 segs=0 f
  for chart in chart-layers chart-bpw chart-mix; do
    w=$(field "$name" $chart w)
    h=$(field "$name" $chart h)
    [ "${w:-0}" -gt 100 ] && [ "${h:-0}" -gt 100 ] || fail "$name: $chart is not laid out (w=$w h=$h)"
  done
  [ "$(field "$name" chart-layers series)" = "$n" ] || fail "$name: chart-layers: $n lines expected"
  [ "$(field "$name" chart-layers points)" = "$((n * layers))" ] || fail "$name: chart-layers: $((n * layers)) points expected"
  [ "$(field "$name" chart-bpw points)" = "$n" ] || fail "$name: chart-bpw: $n points expected"
  for f in "$ref" "$@"; do segs=$((segs + $(types_of "$o/$f"))); done
  [ "$(field "$name" chart-mix segs)" = "$segs" ] || fail "$name: chart-mix: $segs segments expected"
  local all
  all=$(all_types_of "$o/$ref" "${@/#/$o/}")
  [ "$(field "$name" chart-mix legend)" = "$all" ] || fail "$name: chart-mix: $all legend entries expected"
}
check_page "$o/lab-report.html" sample-BF16.gguf sample-Q8_0.gguf sample-Q4_K_M.gguf sample-IQ2_M.gguf
check_page "$o/lab-report-no-original.html" sample-Q8_0.gguf sample-Q4_K_M.gguf sample-IQ2_M.gguf

echo "== --help and refused options"
help=$(bash "$GQ_SOURCE_DIR/tools/lab.sh" --help) || fail "tools/lab.sh --help exit status $?"
for word in --out --bin lab-report.md lab-report.html sample-IQ2_M.gguf; do
  echo "$help" | grep -qF -- "$word" || fail "tools/lab.sh --help does not mention $word"
done
bash "$GQ_SOURCE_DIR/tools/lab.sh" --bin "$GQ_BIN_DIR" --out "$tmp/x" -o elsewhere.gguf >/dev/null 2>"$tmp/err" &&
  fail "tools/lab.sh accepted -o (it names its files itself)"
grep -q 'names its files itself' "$tmp/err" || fail "tools/lab.sh -o: no explanation"
bash "$GQ_SOURCE_DIR/tools/lab.sh" --bin "$tmp/nowhere" --out "$tmp/x" >/dev/null 2>"$tmp/err" &&
  fail "tools/lab.sh accepted a --bin directory without the programs"

if [ "$failures" -ne 0 ]; then
  echo "$failures failure(s)"
  exit 1
fi
echo "the lab quantizes with llama.cpp's mixes, prints both comparisons and writes reports that render"
