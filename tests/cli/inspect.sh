#!/usr/bin/env bash
# gq-inspect end to end, checked against facts the program did not produce:
#  - the gemma4-mini variants against llama.cpp's types-<TYPE>.txt listings
#    (tensor names, types, shapes, offsets; counts, parameters, bytes and bits
#    per weight recomputed here from ggml's block sizes),
#  - every file of fixtures/MANIFEST.md against its row (version, byte order,
#    architecture, KV and tensor counts, tensor types),
#  - metadata against an independent Python reading of the file,
#  - tensor values against a plain decoding of the bytes here,
#  - the KV-cache estimate against the formula of docs/cli.md evaluated here,
#  - exit codes 0/1/2 and the error format "gq-inspect: FILE: what (at byte N)".
set -euo pipefail
: "${GQ_BIN_DIR:?run through ctest}" "${GQ_SHARED:?run through ctest}" "${GQ_SOURCE_DIR:?run through ctest}"
INSPECT="$GQ_BIN_DIR/gq-inspect"
HELPER_DIR="$GQ_SOURCE_DIR/tests/cli"
FIX="$GQ_SHARED/fixtures"
MINI="$FIX/quantized/gemma4-mini"
for f in "$INSPECT" "$MINI/gemma4-mini-BF16.gguf" "$FIX/MANIFEST.md"; do
  [ -e "$f" ] || { echo "FAIL: missing $f" >&2; exit 1; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export PYTHONPATH="$HELPER_DIR" PYTHONDONTWRITEBYTECODE=1 INSPECT MINI FIX tmp
export GQ_TEST_OUT="$tmp/out"  # the JSON the heredoc scripts check (their stdin is the script)

fail() { echo "FAIL: $*" >&2; exit 1; }

# run WANT_RC CMD...: stdout to $tmp/out, stderr to $tmp/err.
run() {
  local want=$1; shift
  set +e
  "$@" >"$tmp/out" 2>"$tmp/err"
  local rc=$?
  set -e
  if [ "$rc" -ne "$want" ]; then
    echo "--- stdout"; head -20 "$tmp/out"; echo "--- stderr"; cat "$tmp/err"
    fail "exit $rc, wanted $want: $*"
  fi
}

echo "== gemma4-mini variants vs llama.cpp's types listings"
# One Python process for all variants (interpreter start-up is slow here).
python3 - <<'EOF' || fail "gemma4-mini listings"
import collections, glob, json, os, subprocess
from inspect_gguf import NAME_TO_ID, tensor_bytes
mini, inspect = os.environ["MINI"], os.environ["INSPECT"]
listings = sorted(glob.glob(mini + "/types-*.txt"))
assert len(listings) >= 10, listings
for listing in listings:
    variant = os.path.basename(listing)[len("types-"):-len(".txt")]
    path = "%s/gemma4-mini-%s.gguf" % (mini, variant)
    p = subprocess.run([inspect, "--json", path], capture_output=True, text=True)
    assert p.returncode == 0, (variant, p.stderr)
    doc = json.loads(p.stdout, parse_constant=lambda c: exit("non-JSON constant " + c))
    assert doc["schema"] == "gq-inspect/1"
    want = []
    for name, typ, shape, off in (l.split() for l in open(listing) if l.strip()):
        ne = [int(x) for x in shape.split("x")]
        n = 1
        for x in ne: n *= x
        want.append(dict(name=name, type=typ.lower(), shape=ne, offset=int(off), elements=n,
                         bytes=tensor_bytes(NAME_TO_ID[typ.lower()], n)))
    got = doc["tensors"]
    assert len(got) == len(want), (variant, len(got), len(want))
    for g, w in zip(got, want):
        for k in ("name", "shape", "offset", "elements", "bytes"):
            assert g[k] == w[k], (variant, w["name"], k, g[k], w[k])
        assert g["type"].lower() == w["type"], (variant, w["name"], g["type"], w["type"])
    # Consecutive offsets leave exactly the 32-byte-padded size of each tensor.
    for a, b in zip(want, want[1:]):
        assert b["offset"] - a["offset"] == (a["bytes"] + 31) // 32 * 32, (variant, a["name"])
    s = doc["summary"]
    elements = sum(w["elements"] for w in want)
    nbytes = sum(w["bytes"] for w in want)
    assert s["tensor_count"] == len(want)
    assert s["parameters"] == elements
    assert s["tensor_bytes"] == nbytes
    assert abs(s["bits_per_weight"] - 8.0 * nbytes / elements) < 1e-12
    assert s["file_size"] == os.path.getsize(path)
    assert s["data_offset"] + want[-1]["offset"] + want[-1]["bytes"] <= s["file_size"]
    assert s["architecture"] == "gemma4" and s["gguf_version"] == 3 and s["byte_order"] == "little-endian"
    # llama.cpp names the file type after the variant (general.file_type).
    assert s["file_type"]["name"] == variant.replace("-imat", ""), (variant, s["file_type"])
    hist = collections.Counter(w["type"] for w in want)
    assert {t["type"].lower(): t["tensors"] for t in doc["types"]} == dict(hist), variant
    for t in doc["types"]:
        mine = [w for w in want if w["type"] == t["type"].lower()]
        assert t["elements"] == sum(w["elements"] for w in mine)
        assert t["bytes"] == sum(w["bytes"] for w in mine)
        assert abs(t["share_of_file"] - t["bytes"] / s["file_size"]) < 1e-12
print("   %d variants" % len(listings))
EOF

echo "== metadata vs an independent reading (all keys, values, order)"
run 0 "$INSPECT" --json --kv --full-arrays "$MINI/gemma4-mini-Q4_K_M.gguf"
python3 - "$MINI/gemma4-mini-Q4_K_M.gguf" <<'EOF' || fail "metadata"
import os; OUT = os.environ['GQ_TEST_OUT']
import json, struct, sys
from inspect_gguf import Reader, ARRAY
r = Reader(sys.argv[1])
doc = json.load(open(OUT))
meta = doc["metadata"]
assert [m["key"] for m in meta] == r.keys()
f32 = lambda x: struct.unpack("<f", struct.pack("<f", x))[0]
for m, (k, t, v) in zip(meta, r.kv):
    if t == ARRAY:
        et, items = v
        assert m["type"] == "array" and m["length"] == len(items) and not m["truncated"]
        vals = m["value"]
        if et == 6:
            assert [f32(x) for x in vals] == items, k
        else:
            assert vals == items, k
    elif t == 6:
        assert f32(m["value"]) == v, (k, m["value"], v)  # shortest float text reads back exactly
    else:
        assert m["value"] == v, (k, m["value"], v)
assert doc["summary"]["kv_count"] == len(r.kv)
EOF
# Without --full-arrays arrays are cut to 8 items and say so.
run 0 "$INSPECT" --json --kv --filter 'tokenizer.ggml.tokens' "$MINI/gemma4-mini-BF16.gguf"
python3 -c '
import json, sys
m = json.load(sys.stdin)["metadata"]
assert len(m) == 1 and m[0]["length"] == 512 and m[0]["truncated"] and len(m[0]["value"]) == 8, m
assert m[0]["value"][:3] == ["<pad>", "<eos>", "<bos>"]' <"$tmp/out" || fail "array preview"

echo "== every MANIFEST.md file: facts match, or the file is refused with exit 1"
python3 - <<'EOF' || fail "MANIFEST.md"
import json, os, re, subprocess
fix, inspect = os.environ["FIX"], os.environ["INSPECT"]
rows = []
for line in open(os.path.join(fix, "MANIFEST.md")):
    m = re.match(r"\| `([^`]+)` \|[^|]*\| ([^|]*) \| ([^|]*) \| ([^|]*) \| ([^|]*) \| ([^|]*) \|", line)
    if m and m.group(1).endswith((".gguf", ".bin")):
        rows.append([x.strip() for x in m.groups()])
assert len(rows) >= 30, len(rows)
opened = refused = 0
for rel, gguf, arch, kv, tensors, types in rows:
    path = os.path.join(fix, rel)
    p = subprocess.run([inspect, "--json", "--compact", path], capture_output=True, text=True, errors="replace")
    if p.returncode == 1:
        # Refused: only hostile files, one line in the documented format, nothing on stdout.
        assert rel.startswith("hostile/"), (rel, "a real file was refused", p.stderr)
        assert p.stderr.count("\n") == 1 and p.stderr.startswith("gq-inspect: %s: " % path), (rel, p.stderr)
        assert p.stdout == "", rel
        refused += 1
        continue
    assert p.returncode == 0, (rel, p.returncode, p.stderr)
    opened += 1
    doc = json.loads(p.stdout)
    s = doc["summary"]
    version, order = gguf.split()
    assert s["gguf_version"] == int(version), (rel, s["gguf_version"], gguf)
    assert s["byte_order"] == {"LE": "little-endian", "BE": "big-endian"}[order], rel
    assert s["kv_count"] == int(kv), (rel, s["kv_count"], kv)
    assert s["tensor_count"] == int(tensors), (rel, s["tensor_count"], tensors)
    assert (s["architecture"] or "\u2014") == arch, (rel, s["architecture"], arch)
    want = {} if types == "\u2014" else {t.split("\u00d7")[0].lower(): int(t.split("\u00d7")[1]) for t in types.split(", ")}
    assert {t["type"].lower(): t["tensors"] for t in doc["types"]} == want, (rel, doc["types"], types)
    if "duplicate" in rel:
        assert doc["warnings"] and all("duplicate key" in w for w in doc["warnings"]), doc["warnings"]
        assert any(m.get("duplicate") for m in doc["metadata"]), rel
print("   %d opened, %d refused" % (opened, refused))
assert opened >= 25, opened
EOF
# The files MANIFEST.md calls broken are refused, each for its own reason.
for bad in hostile/ollama-api-test-truncated-6B.gguf hostile/threatflux-test_model-overlapping-offsets.gguf \
           hostile/llamacpp-pr-test_writer-valuetype13.gguf hostile/prerelease-FUGG-example.gguf; do
  run 1 "$INSPECT" "$FIX/$bad"
  grep -Eq "^gq-inspect: $FIX/$bad: .+ \(at byte [0-9]+\)$" "$tmp/err" || fail "$bad: $(cat "$tmp/err")"
done
grep -q "overlaps" <("$INSPECT" "$FIX/hostile/threatflux-test_model-overlapping-offsets.gguf" 2>&1 || true) \
  || fail "overlap not named"
# Duplicate keys: shown, with a warning on stderr, exit 0.
run 0 "$INSPECT" "$FIX/hostile/ggml-vocab-dbrx-duplicate-key.gguf"
grep -q "warning: .*duplicate key" "$tmp/err" || fail "no duplicate-key warning"
grep -q "duplicate key: ignored" "$tmp/out" || fail "duplicate kv not marked in the table"

echo "== text view sections"
run 0 "$INSPECT" "$MINI/gemma4-mini-Q4_K_M.gguf"
for want in "file type        MOSTLY_Q4_K_M (15)" "architecture     gemma4" "tensor types" "metadata (44 of 44 keys)" \
            "tensors (142 of 142;" "q4_K  "; do
  grep -qF "$want" "$tmp/out" || fail "text view lacks '$want'"
done
run 0 "$INSPECT" --tensors --filter 'blk.0.*' "$MINI/gemma4-mini-BF16.gguf"
n_listed=$(grep -c ' blk\.0\.' "$tmp/out")
[ "$n_listed" -eq "$(grep -c '^blk\.0\.' "$MINI/types-BF16.txt")" ] || fail "--filter listed $n_listed"
grep -q "^metadata" "$tmp/out" && fail "--tensors printed the metadata"

echo "== --memory vs the formula evaluated here"
for ctx in 256 32768; do
  run 0 "$INSPECT" --json --memory --ctx "$ctx" "$MINI/gemma4-mini-BF16.gguf"
  python3 - "$MINI/gemma4-mini-BF16.gguf" "$ctx" <<'EOF' || fail "memory ctx $ctx"
import os; OUT = os.environ['GQ_TEST_OUT']
import json, sys
from inspect_gguf import Reader, tensor_bytes, elements
r = Reader(sys.argv[1]); ctx = int(sys.argv[2])
g = lambda k: r.get("gemma4." + k)
L = g("block_count"); pattern = g("attention.sliding_window_pattern")[1]
shared = g("attention.shared_kv_layers"); window = g("attention.sliding_window")
kv = 0
for il in range(L):
    if il >= L - shared: continue
    sliding = pattern[il]
    width = g("attention.key_length_swa") + g("attention.value_length_swa") if sliding else \
            g("attention.key_length") + g("attention.value_length")
    kv += (min(ctx, window) if sliding else ctx) * g("attention.head_count_kv") * width * 2
weights = sum(tensor_bytes(t["type"], elements(t)) for t in r.tensors)
m = json.load(open(OUT))["memory"]
assert m["kv_cache_bytes"] == kv, (m["kv_cache_bytes"], kv)
assert m["weights_bytes"] == weights and m["total_bytes"] == weights + kv
assert m["ctx"] == ctx and m["shared_kv_blocks"] == 4 and len(m["layers"]) == L
EOF
done
run 0 "$INSPECT" --memory --ctx 32768 "$MINI/gemma4-mini-BF16.gguf"
grep -Eq '^weights [0-9.]+ MiB \+ KV cache 256\.0 KiB \(ctx 32768, f16\) = [0-9.]+ MiB$' "$tmp/out" \
  || fail "memory line: $(head -1 "$tmp/out")"
# Default ctx: the file's context_length (131072 here).
run 0 "$INSPECT" --json --memory "$MINI/gemma4-mini-BF16.gguf"
python3 -c 'import json,sys; m=json.load(sys.stdin)["memory"]; assert m["ctx"]==131072 and m["ctx_from_file"], m' <"$tmp/out" \
  || fail "default ctx"
# A vocab-only file has no attention metadata: a clear refusal.
run 1 "$INSPECT" --memory "$FIX/real/models/llamacpp-gguf-example-dummy.gguf"
grep -q "gq-inspect: .*example-dummy.gguf: cannot estimate the KV cache: general.architecture is missing" "$tmp/err" || fail "memory refusal: $(cat "$tmp/err")"

echo "== --tensor values and --dump-tensor vs the raw bytes decoded here"
T=blk.4.ffn_down.weight
run 0 "$INSPECT" --json --tensor "$T" --rows 3:5 "$MINI/gemma4-mini-BF16.gguf"
python3 - "$MINI/gemma4-mini-BF16.gguf" "$T" <<'EOF' || fail "--tensor values"
import os; OUT = os.environ['GQ_TEST_OUT']
import json, math, struct, sys
from inspect_gguf import Reader
r = Reader(sys.argv[1]); name = sys.argv[2]
t = [x for x in r.tensors if x["name"] == name][0]
raw = r.tensor_data(t)
bf16 = struct.unpack("<%dH" % (len(raw) // 2), raw)
vals = [struct.unpack("<f", struct.pack("<I", h << 16))[0] for h in bf16]
ne0 = t["ne"][0]
sel = vals[3 * ne0:5 * ne0]
doc = json.load(open(OUT))["tensor"]
assert doc["row_begin"] == 3 and doc["row_end"] == 5 and doc["shape"] == t["ne"]
# Values are printed as the shortest text that reads back as the same float32.
f32 = lambda x: struct.unpack("<f", struct.pack("<f", x))[0]
assert [[f32(x) for x in row] for row in doc["values"]] == [sel[:ne0], sel[ne0:]]
assert doc["count"] == len(sel) and doc["nan"] == 0 and doc["inf"] == 0
assert doc["min"] == min(sel) and doc["max"] == max(sel)
mean = math.fsum(sel) / len(sel)
std = math.sqrt(math.fsum((x - mean) ** 2 for x in sel) / len(sel))
assert abs(doc["mean"] - mean) <= 1e-12 * max(1, abs(mean)) + 1e-15, (doc["mean"], mean)
assert abs(doc["std"] - std) <= 1e-12 * std, (doc["std"], std)
h = doc["histogram"]
assert sum(h["bins"]) == len(sel) and h["lo"] == min(sel) and h["hi"] == max(sel)
EOF
run 0 "$INSPECT" --dump-tensor "$T" -o "$tmp/dump.f32" "$MINI/gemma4-mini-BF16.gguf"
python3 - "$MINI/gemma4-mini-BF16.gguf" "$T" "$tmp/dump.f32" <<'EOF' || fail "--dump-tensor bytes"
import os; OUT = os.environ['GQ_TEST_OUT']
import struct, sys
from inspect_gguf import Reader
r = Reader(sys.argv[1])
t = [x for x in r.tensors if x["name"] == sys.argv[2]][0]
raw = r.tensor_data(t)
want = b"".join(struct.pack("<I", h << 16) for h in struct.unpack("<%dH" % (len(raw) // 2), raw))
assert open(sys.argv[3], "rb").read() == want
EOF
ls "$tmp" | grep -q 'tmp-' && fail "--dump-tensor left a temporary file"
# Quantized data goes through libquant's dequantizer: the Q8_0 file's
# values stay close to the BF16 ones they were made from.
run 0 "$INSPECT" --json --tensor blk.0.attn_q.weight --rows 0:4 "$MINI/gemma4-mini-Q8_0.gguf"
cp "$tmp/out" "$tmp/q8.json"
run 0 "$INSPECT" --json --tensor blk.0.attn_q.weight --rows 0:4 "$MINI/gemma4-mini-BF16.gguf"
python3 - "$tmp/q8.json" <<'EOF' || fail "q8_0 values"
import os; OUT = os.environ['GQ_TEST_OUT']
import json, sys
ref = json.load(open(OUT))["tensor"]["values"]
q8 = json.load(open(sys.argv[1]))["tensor"]["values"]
for a, b in zip(ref, q8):
    amax = max(abs(x) for x in a)
    assert max(abs(x - y) for x, y in zip(a, b)) <= amax / 127 * 0.6 + 1e-6
EOF
# Big-endian twin: the same values after byte-swapping.
run 0 "$INSPECT" --json --tensor token_embd.weight --rows 0:3 "$FIX/real/derived/stories260K-F16.gguf"
cp "$tmp/out" "$tmp/le.json"
run 0 "$INSPECT" --json --tensor token_embd.weight --rows 0:3 "$FIX/real/derived/stories260K-F16-be.gguf"
python3 - "$tmp/le.json" <<'EOF' || fail "big-endian values"
import os; OUT = os.environ['GQ_TEST_OUT']
import json, sys
be = json.load(open(OUT))["tensor"]; le = json.load(open(sys.argv[1]))["tensor"]
assert be["values"] == le["values"] and len(be["values"]) == 3
EOF
run 1 "$INSPECT" --tensor no.such.tensor "$MINI/gemma4-mini-BF16.gguf"
grep -q "no tensor named 'no.such.tensor'" "$tmp/err" || fail "missing tensor message"
run 1 "$INSPECT" --tensor token_embd.weight --rows 600:700 "$MINI/gemma4-mini-BF16.gguf"

echo "== unknown tensor type ids (forks write 64-66)"
python3 - "$tmp/unknown.gguf" <<'EOF'
import os; OUT = os.environ['GQ_TEST_OUT']
import struct, sys
from inspect_gguf import write_gguf
write_gguf(sys.argv[1],
           [("general.architecture", 8, "llama"), ("llama.block_count", 4, 1), ("llama.context_length", 4, 64),
            ("llama.attention.head_count", 4, 2), ("llama.embedding_length", 4, 8)],
           [("norm.weight", [8], 0, struct.pack("<8f", *range(8))),
            ("blk.0.fork.weight", [32, 2], 64, b"\x11" * 40)])
EOF
run 0 "$INSPECT" "$tmp/unknown.gguf"
grep -q "warning: .*unknown type id 64" "$tmp/err" || fail "no unknown-type warning: $(cat "$tmp/err")"
grep -q "unknown(64)" "$tmp/out" || fail "unknown type not shown in the table"
run 0 "$INSPECT" --json "$tmp/unknown.gguf"
python3 -c '
import json, sys
d = json.load(sys.stdin); s = d["summary"]
assert s["all_types_known"] is False and s["tensor_bytes"] is None and s["bits_per_weight"] is None
assert s["parameters"] == 8 + 64
t = [x for x in d["tensors"] if x["type_id"] == 64][0]
assert t["bytes"] is None and t["elements"] == 64
assert d["warnings"]' <"$tmp/out" || fail "unknown type json"
run 1 "$INSPECT" --memory "$tmp/unknown.gguf"
grep -q "tensor 'blk.0.fork.weight' has unknown type id 64" "$tmp/err" || fail "memory: $(cat "$tmp/err")"
run 1 "$INSPECT" --tensor blk.0.fork.weight "$tmp/unknown.gguf"
grep -q "type id 64 is unknown" "$tmp/err" || fail "tensor: $(cat "$tmp/err")"
run 0 "$INSPECT" --json --tensor norm.weight "$tmp/unknown.gguf"
python3 -c 'import json,sys; t=json.load(sys.stdin)["tensor"]; assert t["min"]==0 and t["max"]==7 and t["mean"]==3.5, t' \
  <"$tmp/out" || fail "known tensor beside an unknown one"

echo "== usage errors exit 2"
run 2 "$INSPECT"
run 2 "$INSPECT" --no-such-option "$MINI/gemma4-mini-BF16.gguf"
grep -q "^gq-inspect: unknown option '--no-such-option'" "$tmp/err" || fail "usage message"
run 2 "$INSPECT" a.gguf b.gguf
run 2 "$INSPECT" --rows 0:1 "$MINI/gemma4-mini-BF16.gguf"
run 2 "$INSPECT" --tensor x --rows 5:2 "$MINI/gemma4-mini-BF16.gguf"
run 2 "$INSPECT" --dump-tensor token_embd.weight "$MINI/gemma4-mini-BF16.gguf"
run 2 "$INSPECT" --memory --ctx lots "$MINI/gemma4-mini-BF16.gguf"
run 0 "$INSPECT" --help
grep -q -- "--dump-tensor NAME" "$tmp/out" || fail "--help"
run 0 "$INSPECT" --version
grep -Eq '^gq-inspect \(gq\) [0-9]+\.[0-9]+\.[0-9]+$' "$tmp/out" || fail "--version: $(cat "$tmp/out")"
run 1 "$INSPECT" "$tmp/does-not-exist.gguf"
grep -q "^gq-inspect: $tmp/does-not-exist.gguf: " "$tmp/err" || fail "missing file message"

echo "inspect.sh: all checks passed"
