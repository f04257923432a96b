#!/usr/bin/env bash
# gq-compare --html renders: the page is opened in headless Chromium and the
# SVG charts are measured by the browser's own layout engine.
#
# DEPENDENCY: Chromium (Debian package `chromium`).  When it is missing this
# script installs it with `apt-get install -y chromium` (root or sudo
# needed); if that is impossible the test FAILS — it is never skipped.
#
# Expected counts come from the fixtures, not from the program: gemma4-mini
# has 8 blocks (README), and the types-<TYPE>.txt listings say which tensor
# types each file uses (one stacked-bar segment per input and type).
set -u
bin="$GQ_BIN_DIR/gq-compare"
g="$GQ_SHARED/fixtures/quantized/gemma4-mini"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# shellcheck source=lib/chromium.sh
. "$(dirname "$0")/lib/chromium.sh"
gq_find_chromium compare_html

variants="Q8_0 Q4_K_M IQ2_M"
inputs=("$g/gemma4-mini-BF16.gguf")
for v in $variants; do inputs+=("$g/gemma4-mini-$v.gguf"); done
"$bin" -q --html "$tmp/report.html" "${inputs[@]}" >/dev/null || { echo "FAIL: gq-compare --html failed"; exit 1; }

failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# Self-contained: no script, no external resource of any kind.
if grep -Eiq '<script|<link|<img|<iframe|src=|href=|@import|url\(' "$tmp/report.html"; then
  fail "the page references something outside itself"
  grep -Eio '.{30}(<script|<link|<img|<iframe|src=|href=|@import|url\().{30}' "$tmp/report.html" | head -5
fi
[ "$(grep -c '<svg class="chart"' "$tmp/report.html")" -eq 3 ] || fail "expected 3 charts in the page"

# Measure what the browser laid out: a probe appended to a copy of the page
# writes, per chart, its size and how many marks have a non-empty box.
sed 's#</body>#<script>(function(){var o=[];document.querySelectorAll("svg.chart").forEach(function(s){var r=s.getBoundingClientRect();function n(q){var c=0;s.querySelectorAll(q).forEach(function(e){var b=e.getBBox();if(b.width>0\&\&b.height>=0)c++;});return c;}o.push(s.id+" w="+Math.round(r.width)+" h="+Math.round(r.height)+" series="+n("polyline.series")+" points="+n("circle.point")+" segs="+n("rect.seg")+" legend="+n(".legend-key"));});var p=document.createElement("pre");p.id="probe";p.textContent="PROBE\\n"+o.join("\\n")+"\\nEND";document.body.appendChild(p);})();</script></body>#' \
  "$tmp/report.html" >"$tmp/probe.html"
"$browser" --headless --no-sandbox --disable-gpu --disable-background-networking --disable-component-update \
  --disable-sync --no-first-run --user-data-dir="$tmp/profile" --dump-dom "file://$tmp/probe.html" \
  >"$tmp/dom.html" 2>"$tmp/browser.log"
sed -n '/<pre id="probe">/,/END<\/pre>/p' "$tmp/dom.html" >"$tmp/probe.txt"
cat "$tmp/probe.txt"
[ -s "$tmp/probe.txt" ] || { fail "the probe did not run (see browser log)"; tail -5 "$tmp/browser.log"; }

field() { grep "^$1 " "$tmp/probe.txt" | tr ' ' '\n' | sed -n "s/^$2=//p"; }
n_variants=$(echo $variants | wc -w)
layers=8
for chart in chart-layers chart-bpw chart-mix; do
  w=$(field $chart w); h=$(field $chart h)
  [ "${w:-0}" -gt 100 ] && [ "${h:-0}" -gt 100 ] || fail "$chart is not laid out (w=$w h=$h)"
done
[ "$(field chart-layers series)" = "$n_variants" ] || fail "chart-layers: one line per variant expected ($n_variants)"
[ "$(field chart-layers points)" = "$((n_variants * layers))" ] || fail "chart-layers: $((n_variants * layers)) points expected"
[ "$(field chart-layers legend)" = "$n_variants" ] || fail "chart-layers: legend entries"
[ "$(field chart-bpw points)" = "$n_variants" ] || fail "chart-bpw: one point per variant expected"
# One segment per input and type used, from the fixture listings (column 2 is the type).
segs=0
for v in BF16 $variants; do
  segs=$((segs + $(awk '{print $2}' "$g/types-$v.txt" | sort -u | wc -l)))
done
[ "$(field chart-mix segs)" = "$segs" ] || fail "chart-mix: $segs segments expected"
types=$(for v in BF16 $variants; do awk '{print $2}' "$g/types-$v.txt"; done | sort -u | wc -l)
[ "$(field chart-mix legend)" = "$types" ] || fail "chart-mix: $types legend entries expected"

if [ "$failures" -ne 0 ]; then
  echo "$failures failure(s)"
  exit 1
fi
echo "the HTML report renders its charts"
