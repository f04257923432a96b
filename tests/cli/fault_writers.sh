#!/usr/bin/env bash
# Every program that writes a file, under faults: gq-quantize (a model),
# gq-inspect --dump-tensor -o (raw floats), gq-compare -o (a JSON report)
# and gq-compare --html (a page).  Each fault must leave no partial output
# and never damage the file that was already at the target:
#   - disk full: RLIMIT_FSIZE, with SIGXFSZ ignored (write() fails with
#     EFBIG) and at its default action, and a real full filesystem (a 1 MiB
#     tmpfs; skipped with a loud message where mounting is not permitted);
#   - a directory that cannot be written (missing; read-only);
#   - SIGINT / SIGTERM in the middle of the work or the write;
#   - an output path that is one of the inputs;
#   - an input truncated while the program reads it (SIGBUS handler).
# The existing target holds known bytes; afterwards it must hold exactly
# those, and the directory must hold nothing else (no *.tmp-* file).
set -euo pipefail
BIN=${GQ_BIN_DIR:?GQ_BIN_DIR is not set (run through ctest)}
SHARED=${GQ_SHARED:?GQ_SHARED is not set (run through ctest)}
G=$SHARED/fixtures/quantized/gemma4-mini
for f in gemma4-mini-BF16.gguf gemma4-mini-Q8_0.gguf gemma4-mini-Q4_K_M.gguf; do
  [ -f "$G/$f" ] || { echo "FAIL: missing fixture $G/$f" >&2; exit 1; }
done

work=$(mktemp -d)
mounts=()
cleanup() {
  for m in ${mounts[@]+"${mounts[@]}"}; do umount "$m" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
passed=0
ok() { passed=$((passed + 1)); echo "ok: $*"; }

# In the sanitizer build a report also exits non-zero: make it a failure.
no_sanitizer_report() {
  if grep -qE 'Sanitizer|runtime error' "$1"; then cat "$1" >&2; fail "sanitizer report (above)"; fi
}

# ------------------------------------------------------------ the writers
# writer NAME OUT: run one writer with its output at OUT.
writer() {
  case $1 in
    quantize) "$BIN/gq-quantize" "$G/gemma4-mini-BF16.gguf" "$2" Q8_0 ;;
    dump) "$BIN/gq-inspect" --dump-tensor per_layer_token_embd.weight -o "$2" "$G/gemma4-mini-BF16.gguf" ;;
    json) "$BIN/gq-compare" -q --no-errors --json -o "$2" "$G/gemma4-mini-Q8_0.gguf" "$G/gemma4-mini-Q4_K_M.gguf" ;;
    html) "$BIN/gq-compare" -q --no-errors --html "$2" "$G/gemma4-mini-Q8_0.gguf" "$G/gemma4-mini-Q4_K_M.gguf" >/dev/null ;;
  esac
}
WRITERS="quantize dump json html"

# A target with known bytes, and a check that it still holds them and is
# alone in its directory.
PRECIOUS="precious bytes that must survive every failed write"
make_target() { printf '%s\n' "$PRECIOUS" > "$1"; }
expect_target_untouched() { # TARGET WHAT
  local dir
  dir=$(dirname "$1")
  [ "$(cat "$1")" = "$PRECIOUS" ] || fail "$2: the existing target was changed"
  local others
  others=$(find "$dir" -mindepth 1 ! -path "$1" ! -name 'fill' -print)
  [ -z "$others" ] || fail "$2: left behind: $others"
}
expect_in() { grep -qiE "$2" "$1" || { cat "$1" >&2; fail "$3: expected /$2/ in the output (above)"; }; }

# ------------------------------------------------------------ disk full: RLIMIT_FSIZE
# SIGXFSZ ignored by the caller (write() then fails with EFBIG), and at its
# default action: the programs must ignore it themselves, or the kernel
# kills them at the limit with the temporary file left behind.
for xfsz in ignored default; do
  for w in $WRITERS; do
    d=$work/fsize-$xfsz-$w; mkdir -p "$d"; make_target "$d/out"
    rc=0
    if [ $xfsz = ignored ]; then
      ( trap '' XFSZ; ulimit -f 16; writer "$w" "$d/out" ) >"$d.log" 2>&1 || rc=$?
    else
      ( trap - XFSZ; ulimit -f 16; writer "$w" "$d/out" ) >"$d.log" 2>&1 || rc=$?
    fi
    no_sanitizer_report "$d.log"
    [ "$rc" -ne 0 ] || fail "$w under a 16 KiB file-size limit exited 0"
    [ "$rc" -lt 128 ] || fail "$w under a 16 KiB file-size limit (SIGXFSZ $xfsz) died of a signal (status $rc)"
    expect_in "$d.log" 'space|too large' "$w (file-size limit)"
    expect_target_untouched "$d/out" "$w (file-size limit, SIGXFSZ $xfsz)"
    ok "$w: file-size limit (SIGXFSZ $xfsz) -> exit $rc, message, old file intact, no temporary file"
  done
done

# ------------------------------------------------------------ disk full: a real full filesystem
tmpfs=$work/tmpfs
mkdir -p "$tmpfs"
if mount -t tmpfs -o size=1m tmpfs "$tmpfs" 2>"$work/mount.err"; then
  mounts+=("$tmpfs")
  for w in $WRITERS; do
    rm -rf "${tmpfs:?}"/*
    make_target "$tmpfs/out"
    # fill what is left, then give back a few KiB: room for the start of a
    # file, not for any of these outputs
    head -c 2M /dev/zero > "$tmpfs/fill" 2>/dev/null || true
    truncate -s -8K "$tmpfs/fill"
    rc=0
    writer "$w" "$tmpfs/out" >"$work/tmpfs-$w.log" 2>&1 || rc=$?
    no_sanitizer_report "$work/tmpfs-$w.log"
    [ "$rc" -ne 0 ] && [ "$rc" -lt 128 ] || fail "$w on a full filesystem: status $rc"
    expect_in "$work/tmpfs-$w.log" 'space' "$w (full filesystem)"
    expect_target_untouched "$tmpfs/out" "$w (full filesystem)"
    ok "$w: full 1 MiB tmpfs -> exit $rc, 'no space', old file intact, no temporary file"
  done
  # read-only: the same tmpfs remounted
  rm -rf "${tmpfs:?}"/*
  make_target "$tmpfs/out"
  mount -o remount,ro "$tmpfs"
  for w in $WRITERS; do
    rc=0
    writer "$w" "$tmpfs/out" >"$work/ro-$w.log" 2>&1 || rc=$?
    no_sanitizer_report "$work/ro-$w.log"
    [ "$rc" -ne 0 ] && [ "$rc" -lt 128 ] || fail "$w into a read-only directory: status $rc"
    expect_in "$work/ro-$w.log" 'read-only|cannot create' "$w (read-only directory)"
    expect_target_untouched "$tmpfs/out" "$w (read-only directory)"
    ok "$w: read-only directory -> exit $rc, message, old file intact"
  done
else
  echo "SKIP (loud): cannot mount a tmpfs here ($(cat "$work/mount.err")): the full-filesystem and" >&2
  echo "SKIP (loud): read-only-directory cases did not run; the file-size-limit case above still did" >&2
  if [ "$(id -u)" -ne 0 ]; then
    d=$work/ro; mkdir -p "$d"; make_target "$d/out"; chmod 555 "$d"
    for w in $WRITERS; do
      rc=0
      writer "$w" "$d/out" >"$work/ro-$w.log" 2>&1 || rc=$?
      [ "$rc" -ne 0 ] || fail "$w into an unwritable directory exited 0"
      expect_target_untouched "$d/out" "$w (unwritable directory)"
      ok "$w: unwritable directory (chmod 555) -> exit $rc"
    done
    chmod 755 "$d"
  fi
fi

# ------------------------------------------------------------ a directory that does not exist
for w in $WRITERS; do
  rc=0
  writer "$w" "$work/no-such-dir/out" >"$work/missing-$w.log" 2>&1 || rc=$?
  no_sanitizer_report "$work/missing-$w.log"
  [ "$rc" -ne 0 ] && [ "$rc" -lt 128 ] || fail "$w into a missing directory: status $rc"
  expect_in "$work/missing-$w.log" 'no-such-dir' "$w (missing directory)"
  [ ! -e "$work/no-such-dir" ] || fail "$w created the missing directory"
  ok "$w: missing directory -> exit $rc, names the path"
done

# ------------------------------------------------------------ output path = an input
d=$work/same; mkdir -p "$d"
cp "$G/gemma4-mini-Q8_0.gguf" "$d/a.gguf"; cp "$G/gemma4-mini-Q4_K_M.gguf" "$d/b.gguf"
ln "$d/a.gguf" "$d/alias.gguf" # another name, same file
sum_before=$(cat "$d/a.gguf" "$d/b.gguf" | sha256sum)
same_cases=(
  "dump|$BIN/gq-inspect --dump-tensor token_embd.weight -o $d/a.gguf $d/a.gguf"
  "dump (hard link)|$BIN/gq-inspect --dump-tensor token_embd.weight -o $d/alias.gguf $d/a.gguf"
  "json|$BIN/gq-compare -q --no-errors --json -o $d/b.gguf $d/a.gguf $d/b.gguf"
  "html|$BIN/gq-compare -q --no-errors --html $d/alias.gguf $d/a.gguf $d/b.gguf"
  "quantize|$BIN/gq-quantize --allow-requantize $d/a.gguf $d/alias.gguf Q4_0"
)
for c in "${same_cases[@]}"; do
  name=${c%%|*}; cmd=${c#*|}
  rc=0
  $cmd >"$d.log" 2>&1 || rc=$?
  no_sanitizer_report "$d.log"
  [ "$rc" -ne 0 ] && [ "$rc" -lt 128 ] || fail "$name with the output = an input: status $rc"
  expect_in "$d.log" 'same file' "$name (output = input)"
  [ "$(cat "$d/a.gguf" "$d/b.gguf" | sha256sum)" = "$sum_before" ] || fail "$name: an input was changed"
  [ "$(find "$d" -name '*.tmp-*' | wc -l)" -eq 0 ] || fail "$name: left a temporary file"
  ok "$name: output = input refused (exit $rc), inputs intact"
done

# ------------------------------------------------------------ signals mid-work
# A model big enough to take seconds to quantize on one thread.
big=$work/big.gguf
"$BIN/gq-sample" -q -o "$big" --params 100M >"$work/sample.log" 2>&1 || { cat "$work/sample.log" >&2; fail "gq-sample"; }
# and a quantized copy, so gq-compare has an error pass to interrupt
"$BIN/gq-quantize" "$big" "$work/big-q8.gguf" Q8_0 >"$work/q8.log" 2>&1 || { cat "$work/q8.log" >&2; fail "gq-quantize Q8_0"; }
ln -s big-q8.gguf "$work/big-q8-b.gguf"
ln -s big-q8.gguf "$work/big-q8-c.gguf"

# start CMD... in the background, wait until its temporary output exists
# (the write has begun), then send SIG; echo the exit status.
signal_mid_write() { # DIR SIG CMD...
  local dir=$1 sig=$2; shift 2
  "$@" >"$dir.log" 2>&1 &
  local pid=$! i=0
  while [ $i -lt 4000 ] && kill -0 "$pid" 2>/dev/null && [ -z "$(find "$dir" -name '*.tmp-*' -print -quit)" ]; do
    sleep 0.005; i=$((i + 1))
  done
  [ -n "$(find "$dir" -name '*.tmp-*' -print -quit)" ] || { wait "$pid" || true; fail "$* finished before its output could be interrupted"; }
  sleep 0.05
  kill -"$sig" "$pid" 2>/dev/null || true
  local rc=0
  wait "$pid" || rc=$?
  echo "$rc"
}

for sig in INT TERM; do
  for w in quantize dump; do
    d=$work/sig-$w-$sig; mkdir -p "$d"; make_target "$d/out"
    case $w in
      quantize) rc=$(signal_mid_write "$d" "$sig" "$BIN/gq-quantize" "$big" "$d/out" Q4_K_M 1) ;;
      dump) rc=$(signal_mid_write "$d" "$sig" "$BIN/gq-inspect" --dump-tensor per_layer_token_embd.weight -o "$d/out" "$big") ;;
    esac
    no_sanitizer_report "$d.log"
    # SIGINT: the cooperative stop (130); SIGTERM: the same, or the default death (143)
    if [ "$sig" = INT ]; then [ "$rc" -eq 130 ] || fail "$w SIGINT: exit $rc, expected 130"
    else [ "$rc" -eq 130 ] || [ "$rc" -eq 143 ] || fail "$w SIGTERM: exit $rc, expected 130 or 143"; fi
    expect_target_untouched "$d/out" "$w (SIG$sig)"
    ok "$w: SIG$sig mid-write -> exit $rc, old file intact, no temporary file"
  done
  # gq-compare writes at the end: the signal lands in its error pass
  d=$work/sig-compare-$sig; mkdir -p "$d"; make_target "$d/out.json"; make_target "$d/out.html"
  # (the portable kernels and the Q8_0 copy three times over: about a second
  # of error pass, so the signal lands in it even on a fast machine)
  GQ_FORCE_SCALAR=1 "$BIN/gq-compare" -q --threads 1 --json -o "$d/out.json" --html "$d/out.html" "$big" \
    "$work/big-q8.gguf" "$work/big-q8-b.gguf" "$work/big-q8-c.gguf" >"$d.log" 2>&1 &
  pid=$!
  sleep 0.1
  kill -"$sig" "$pid" 2>/dev/null || true
  rc=0; wait "$pid" || rc=$?
  no_sanitizer_report "$d.log"
  if [ "$sig" = INT ]; then [ "$rc" -eq 130 ] || fail "gq-compare SIGINT: exit $rc, expected 130"
  else [ "$rc" -eq 130 ] || [ "$rc" -eq 143 ] || fail "gq-compare SIGTERM: exit $rc, expected 130 or 143"; fi
  for f in out.json out.html; do [ "$(cat "$d/$f")" = "$PRECIOUS" ] || fail "gq-compare SIG$sig changed $f"; done
  [ "$(find "$d" -name '*.tmp-*' | wc -l)" -eq 0 ] || fail "gq-compare SIG$sig left a temporary file"
  ok "gq-compare: SIG$sig mid-run -> exit $rc, old reports intact, no temporary file"
done

# ------------------------------------------------------------ an input truncated while it is read
d=$work/shrink; mkdir -p "$d"; make_target "$d/out"
cp "$big" "$d/in.gguf"
rc=0
"$BIN/gq-quantize" "$d/in.gguf" "$d/out" Q4_K_M 1 >"$d.log" 2>&1 &
pid=$!
i=0
while [ $i -lt 4000 ] && kill -0 "$pid" 2>/dev/null && [ -z "$(find "$d" -name '*.tmp-*' -print -quit)" ]; do sleep 0.005; i=$((i + 1)); done
sleep 0.2
truncate -s 1M "$d/in.gguf"
wait "$pid" || rc=$?
no_sanitizer_report "$d.log"
[ "$rc" -eq 1 ] || { cat "$d.log" >&2; fail "gq-quantize on a shrinking input: exit $rc, expected 1"; }
# mapped data touched: the SIGBUS handler's words; read by pread: the reader's
expect_in "$d.log" 'changed size while it was being read|shrank' "gq-quantize (input truncated)"
rm -f "$d/in.gguf"
expect_target_untouched "$d/out" "gq-quantize (input truncated)"
ok "gq-quantize: input truncated mid-run -> exit 1, '$(grep -oiE 'changed size while it was being read|shrank' "$d.log" | head -1)', old file intact"

# ------------------------------------------------------------ a successful write: permissions
# The temporary file comes from mkstemp (mode 0600); the finished output
# must have the mode any new file gets, 0666 & ~umask — a model that only
# its writer can read is no use to a service (ollama) running as another
# user.  An existing target is replaced the same way.
for w in $WRITERS; do
  d=$work/mode-$w
  mkdir -p "$d"
  (umask 022 && writer "$w" "$d/out" >"$d.log" 2>&1) || { cat "$d.log" >&2; fail "$w: exit $? on a plain write"; }
  mode=$(stat -c %a "$d/out")
  [ "$mode" = 644 ] || fail "$w: output mode $mode under umask 022, expected 644"
  (umask 077 && writer "$w" "$d/out2" >"$d.log" 2>&1) || { cat "$d.log" >&2; fail "$w: exit $? on a plain write"; }
  mode=$(stat -c %a "$d/out2")
  [ "$mode" = 600 ] || fail "$w: output mode $mode under umask 077, expected 600"
  ok "$w: output mode 644 under umask 022 and 600 under umask 077"
done

echo "fault_writers: $passed checks passed"
