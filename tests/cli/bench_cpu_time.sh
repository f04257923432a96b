#!/usr/bin/env bash
# gq-bench --cpu-time: the 1-thread runs (scalar and SIMD) must be timed by
# the thread's CPU clock and the N-thread run by the wall clock, as the JSON
# "clock" field and the table's clock line say; without the option every run
# is wall time.  The CPU-timed numbers must still be real measurements
# (positive, finite) and the SIMD results still identical to the reference.
set -u
bin="$GQ_BIN_DIR/gq-bench"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

run() { "$bin" --types q8_0,q4_K --rows 4 --n-per-row 512 --threads 2 --repeat 1 --min-ms 1 "$@"; }

run --cpu-time --json >"$tmp/cpu.json" 2>"$tmp/cpu.err" || { fail "--cpu-time --json: exit $?"; sed 's/^/  err: /' "$tmp/cpu.err" | head; }
run --json >"$tmp/wall.json" 2>"$tmp/wall.err" || fail "--json: exit $?"

if command -v python3 >/dev/null 2>&1; then
  python3 - "$tmp/cpu.json" "$tmp/wall.json" <<'PY' || fail "clock fields (see above)"
import json, math, sys
cpu = json.load(open(sys.argv[1]))["results"]
wall = json.load(open(sys.argv[2]))["results"]
bad = []
assert len(cpu) == 12 and len(wall) == 12, (len(cpu), len(wall))  # 2 types x 2 ops x 3 modes
for r in cpu:
    want = "thread_cpu" if r["threads"] == 1 else "wall"
    if r["clock"] != want: bad.append(f"--cpu-time {r['type']} {r['op']} {r['kernel']} x{r['threads']}: clock {r['clock']}, want {want}")
    if not (r["status"] == "ok" and r["seconds"] > 0 and math.isfinite(r["float_gbps"])): bad.append(f"not a measurement: {r}")
    if r["same_as_scalar"] is False: bad.append(f"SIMD differs: {r}")
for r in wall:
    if r["clock"] != "wall": bad.append(f"default {r['type']} {r['op']} x{r['threads']}: clock {r['clock']}, want wall")
for b in bad: print("  " + b)
sys.exit(1 if bad else 0)
PY
else
  # without python: count the clock fields (1-thread: scalar + SIMD, 2 ops, 2 types = 8; 2-thread: 4)
  [ "$(grep -c '"clock": "thread_cpu"' "$tmp/cpu.json")" -eq 8 ] || fail "--cpu-time: expected 8 thread_cpu results"
  [ "$(grep -c '"clock": "wall"' "$tmp/cpu.json")" -eq 4 ] || fail "--cpu-time: expected 4 wall results"
  grep -q '"clock": "thread_cpu"' "$tmp/wall.json" && fail "default run used the CPU clock"
fi

# the table says which clock it used
run --cpu-time >"$tmp/table" 2>&1 || fail "--cpu-time table: exit $?"
grep -q '^clock: thread CPU time for 1-thread runs, wall time for the others' "$tmp/table" || fail "--cpu-time table has no clock line"
run >"$tmp/table-wall" 2>&1 || fail "table: exit $?"
grep -q '^clock: wall time' "$tmp/table-wall" || fail "default table has no 'clock: wall time' line"

[ "$failures" -eq 0 ] && echo "gq-bench --cpu-time: all checks passed"
exit $((failures > 0))
