#!/usr/bin/env bash
# docs/formats.md is right, and gq-inspect --block shows blocks as it says:
#   1. every ```sh block of the page runs on the lab's files and prints the
#      ```text excerpt that follows it (tests/cli/doc_commands.py);
#   2. blocks of llama-quantize's own files (the gemma4-mini fixtures: q8_0,
#      q4_K, q6_K, iq2_xxs, iq2_xs, iq2_s, iq3_s) and of an iq4_nl file are
#      decoded by tests/cli/formats_ref.py — the page's layouts and rules
#      restated in Python over the shared codebooks — and must equal what
#      --block --json prints bit for bit: codes, levels, steps, offsets,
#      values; with --ref, the originals are the BF16 fixture's bits;
#   3. the bits-per-weight table matches the format's block sizes;
#   4. bad requests fail cleanly (usage: 2, impossible block or reference: 1).
set -u
: "${GQ_BIN_DIR:?run through ctest}" "${GQ_SHARED:?run through ctest}" "${GQ_SOURCE_DIR:?run through ctest}"
mini="$GQ_SHARED/fixtures/quantized/gemma4-mini"
tables="$GQ_SHARED/formats/ggml-tables.txt"
doc="$GQ_SOURCE_DIR/docs/formats.md"
for f in "$mini/gemma4-mini-BF16.gguf" "$mini/gemma4-mini-Q8_0.gguf" "$mini/gemma4-mini-Q4_K_M.gguf" \
  "$mini/gemma4-mini-IQ2_M.gguf" "$mini/gemma4-mini-IQ2_XXS.gguf" "$mini/gemma4-mini-IQ2_XS.gguf" "$tables" "$doc"; do
  [ -f "$f" ] || { echo "FAIL: missing $f"; exit 1; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
export PATH="$GQ_BIN_DIR:$PATH" PYTHONPATH="$GQ_SOURCE_DIR/tests/cli" PYTHONDONTWRITEBYTECODE=1 mini tables tmp

echo "== 1. the page's commands, on the lab's files"
bash "$GQ_SOURCE_DIR/tools/lab.sh" --bin "$GQ_BIN_DIR" --out "$tmp/lab" >"$tmp/lab.log" 2>&1 ||
  { tail -20 "$tmp/lab.log"; echo "FAIL: tools/lab.sh failed"; exit 1; }
python3 "$GQ_SOURCE_DIR/tests/cli/doc_commands.py" "$doc" "$tmp/lab" --min-commands 10 || fail "docs/formats.md commands"
gq-quantize -q "$tmp/lab/sample-BF16.gguf" "$tmp/iq4nl.gguf" IQ4_NL || fail "IQ4_NL quantization"

echo "== 2. --block against the page's rules on llama-quantize's files"
python3 - <<'EOF' || fail "--block differs from docs/formats.md's rules"
import json, os, subprocess
from inspect_gguf import Reader, GGML_TYPES
from formats_ref import DECODERS, load_tables, f32, bf16_values

mini, tmp = os.environ["mini"], os.environ["tmp"]
T = load_tables(os.environ["tables"])
bf16 = Reader(f"{mini}/gemma4-mini-BF16.gguf")
bf16_t = {t["name"]: t for t in bf16.tensors}

def raw(r, t, k, size):
    start = r.data_offset + t["offset"] + k * size
    return r.data[start:start + size]

def check(path, name, k, want_type):
    r = Reader(path)
    t = next(x for x in r.tensors if x["name"] == name)
    tname, bs, size = GGML_TYPES[t["type"]]
    assert tname == want_type, (path, name, tname)
    p = subprocess.run(["gq-inspect", "--json", "--tensor", name, "--block", str(k), "--ref",
                        f"{mini}/gemma4-mini-BF16.gguf", path], capture_output=True, text=True)
    assert p.returncode == 0, (path, name, k, p.stderr)
    out = json.loads(p.stdout)["block"]
    values, steps, offsets = DECODERS[tname](raw(r, t, k, size), T)
    assert out["type"] == tname and out["index"] == k and out["bytes"] == size and out["values_count"] == bs
    assert out["raw"] == raw(r, t, k, size).hex()
    assert out["described"] is True
    row, col = divmod(k * bs, t["ne"][0])
    assert (out["row"], out["column"]) == (row, col), (out["row"], out["column"], row, col)
    # Each group's step (and offset) as the page computes it.
    assert len(out["groups"]) == len(steps), (tname, len(out["groups"]), len(steps))
    for g, st in zip(out["groups"], steps):
        assert f32(g["step"]) == st, (tname, k, g, st)
    if offsets:
        for g, off in zip(out["groups"], offsets):
            assert f32(g["offset"]) == off, (tname, k, g, off)
    # The original values: the BF16 fixture's bits, same elements.
    rt = bf16_t[name]
    first = k * bs
    orig = bf16_values(bf16.data[bf16.data_offset + rt["offset"] + 2 * first:], bs)
    for i, (v, want) in enumerate(zip(out["values"], values)):
        group, code, level, w_hat = want
        assert v["group"] == group and v["code"] == code and v["level"] == level, (tname, k, i, v, want)
        assert f32(v["w_hat"]) == w_hat, (tname, k, i, v["w_hat"], w_hat)
        assert f32(v["original"]) == orig[i], (tname, k, i, v["original"], orig[i])
    return tname

seen = set()
cases = [
    ("Q8_0", "blk.0.attn_q.weight", "q8_0"), ("Q4_K_M", "blk.0.attn_q.weight", "q4_K"),
    ("Q4_K_M", "token_embd.weight", "q6_K"), ("IQ2_XXS", "blk.0.ffn_up.weight", "iq2_xxs"),
    ("IQ2_XS", "blk.0.ffn_up.weight", "iq2_xs"), ("IQ2_M", "blk.1.attn_q.weight", "iq2_s"),
    ("IQ2_M", "blk.1.attn_output.weight", "iq3_s"),
]
for variant, name, want in cases:
    path = f"{mini}/gemma4-mini-{variant}.gguf"
    t = next(x for x in Reader(path).tensors if x["name"] == name)
    _, bs, _ = GGML_TYPES[t["type"]]
    n_blocks = t["ne"][0] * t["ne"][1] // bs
    for k in (0, 1, n_blocks // 2 + 3, n_blocks - 1):
        seen.add(check(path, name, k, want))
# iq4_nl: no llama-quantize fixture uses it; gq-quantize's file, decoded independently.
for k in (0, 5, 2047):
    seen.add(check(f"{tmp}/iq4nl.gguf", "blk.0.attn_q.weight", k, "iq4_nl"))
assert seen == set(DECODERS), seen ^ set(DECODERS)
print("decoded", len(seen), "types the page describes, bit for bit")
EOF

echo "== float types: bits, sign, exponent, mantissa"
python3 - <<'EOF' || fail "bf16 block view"
import json, os, struct, subprocess
from inspect_gguf import Reader
mini = os.environ["mini"]
path = f"{mini}/gemma4-mini-BF16.gguf"
r = Reader(path)
t = next(x for x in r.tensors if x["name"] == "blk.0.attn_q.weight")
out = json.loads(subprocess.run(["gq-inspect", "--json", "--tensor", t["name"], "--block", "7", path],
                                capture_output=True, text=True, check=True).stdout)["block"]
assert out["values_count"] == 32 and out["bytes"] == 64 and out["first_element"] == 7 * 32
base = r.data_offset + t["offset"] + 7 * 64
for i, v in enumerate(out["values"]):
    bits = struct.unpack_from("<H", r.data, base + 2 * i)[0]
    assert v["bits"] == bits and v["sign"] == bits >> 15 and v["exponent"] == (bits >> 7) & 0xFF and v["mantissa"] == bits & 0x7F
    assert struct.unpack("<f", struct.pack("<f", v["w_hat"]))[0] == struct.unpack("<f", struct.pack("<I", bits << 16))[0]
EOF

echo "== 3. the bits-per-weight table"
python3 - <<'EOF' || fail "bits-per-weight table in docs/formats.md"
import os, re
from inspect_gguf import GGML_TYPES
doc = open(os.environ["GQ_SOURCE_DIR"] + "/docs/formats.md", encoding="utf-8").read()
by_name = {v[0]: v for v in GGML_TYPES.values()}
rows = {m.group(1): m for m in re.finditer(r"^\| (\w+) \| (\d+) \| (\d+) \| ([\d.]+) \|", doc, re.M)}
want = ["f32", "f16", "bf16", "q8_0", "q6_K", "q4_K", "iq4_nl", "iq3_s", "iq2_s", "iq2_xs", "iq2_xxs"]
assert sorted(rows) == sorted(want), sorted(rows)
for name in want:
    _, block, size = by_name[name]
    m = rows[name]
    assert int(m.group(2)) == block and int(m.group(3)) == size, (name, m.group(0))
    assert float(m.group(4)) == 8 * size / block, (name, m.group(4), 8 * size / block)
EOF

echo "== 4. bad requests"
lab="$tmp/lab"
expect_status() {
  local want=$1 msg=$2
  shift 2
  "$@" >"$tmp/out" 2>"$tmp/err"
  local rc=$?
  [ "$rc" -eq "$want" ] || { fail "$*: exit $rc, want $want"; cat "$tmp/err"; return; }
  [ -z "$msg" ] || grep -q -- "$msg" "$tmp/err" || { fail "$*: message lacks '$msg'"; cat "$tmp/err"; }
}
expect_status 2 "--block needs --tensor" gq-inspect --block 0 "$lab/sample-Q8_0.gguf"
expect_status 2 "cannot be combined with --rows" gq-inspect --tensor blk.0.attn_q.weight --block 0 --rows 0:1 "$lab/sample-Q8_0.gguf"
expect_status 2 "--ref is only used with --block" gq-inspect --tensor blk.0.attn_q.weight --ref "$lab/sample-BF16.gguf" "$lab/sample-Q8_0.gguf"
expect_status 2 "not a non-negative integer" gq-inspect --tensor blk.0.attn_q.weight --block -1 "$lab/sample-Q8_0.gguf"
# 256x256 q8_0: 2048 blocks of 32, so 2048 is one past the end.
expect_status 1 "past its last block" gq-inspect --tensor blk.0.attn_q.weight --block 2048 "$lab/sample-Q8_0.gguf"
expect_status 0 "" gq-inspect --tensor blk.0.attn_q.weight --block 2047 "$lab/sample-Q8_0.gguf"
expect_status 1 "past its last block" gq-inspect --tensor blk.0.attn_q.weight --block 18446744073709551615 "$lab/sample-Q8_0.gguf"
# A reference from another model: a tensor it lacks, a shape it does not share.
gq-sample -q -o "$tmp/other.gguf" --layers 2 --embd 512 || fail "gq-sample for the shape test"
expect_status 1 "has shape" gq-inspect --tensor blk.0.attn_q.weight --block 0 --ref "$tmp/other.gguf" "$lab/sample-Q8_0.gguf"
expect_status 1 "no tensor named 'blk.7.attn_q.weight'" gq-inspect --tensor blk.7.attn_q.weight --block 0 --ref "$tmp/other.gguf" "$lab/sample-Q8_0.gguf"
expect_status 1 "" gq-inspect --tensor blk.0.attn_q.weight --block 0 --ref "$tmp/missing.gguf" "$lab/sample-Q8_0.gguf"
# Types without a field-by-field description still show raw bytes and values.
gq-inspect --tensor token_embd.weight --block 3 "$lab/sample-IQ2_M.gguf" >"$tmp/q5k.txt" 2>&1 || fail "q5_K block view failed"
grep -q '^raw:    [0-9a-f]\{352\}$' "$tmp/q5k.txt" || fail "q5_K block view: no 176-byte raw line"

if [ "$failures" -ne 0 ]; then
  echo "$failures failure(s)"
  exit 1
fi
echo "docs/formats.md runs, and --block decodes every described type as the page says"
