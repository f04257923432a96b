#!/usr/bin/env bash
# gq-sample: deterministic, laid out like Gemma 4 E2B, weights shaped like
# trained ones, and an importance matrix in llama.cpp's format.  Layout facts
# come from the shared gemma4-mini fixture (llama.cpp's listing and its
# metadata, read here by an independent Python reader), not from gq.
set -euo pipefail
: "${GQ_BIN_DIR:?run through ctest}" "${GQ_SHARED:?run through ctest}" "${GQ_SOURCE_DIR:?run through ctest}"
SAMPLE="$GQ_BIN_DIR/gq-sample"
MINI="$GQ_SHARED/fixtures/quantized/gemma4-mini"
for f in "$SAMPLE" "$MINI/types-BF16.txt" "$MINI/gemma4-mini-BF16.gguf" "$MINI/gemma4-mini.imatrix.gguf"; do
  [ -e "$f" ] || { echo "FAIL: missing $f" >&2; exit 1; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export PYTHONPATH="$GQ_SOURCE_DIR/tests/cli" PYTHONDONTWRITEBYTECODE=1 MINI tmp

fail() { echo "FAIL: $*" >&2; exit 1; }
sha() { sha256sum "$1" | cut -d' ' -f1; }

echo "== determinism: same seed -> same bytes, another seed -> other bytes"
"$SAMPLE" -q -o "$tmp/a.gguf" --imatrix "$tmp/a.imatrix.gguf" --seed 7
"$SAMPLE" -q -o "$tmp/b.gguf" --imatrix "$tmp/b.imatrix.gguf" --seed 7
"$SAMPLE" -q -o "$tmp/c.gguf" --imatrix "$tmp/c.imatrix.gguf" --seed 8
[ "$(sha "$tmp/a.gguf")" = "$(sha "$tmp/b.gguf")" ] || fail "same seed, different model bytes"
[ "$(sha "$tmp/a.imatrix.gguf")" = "$(sha "$tmp/b.imatrix.gguf")" ] || fail "same seed, different imatrix bytes"
[ "$(sha "$tmp/a.gguf")" != "$(sha "$tmp/c.gguf")" ] || fail "different seeds, same model bytes"
[ "$(sha "$tmp/a.imatrix.gguf")" != "$(sha "$tmp/c.imatrix.gguf")" ] || fail "different seeds, same imatrix"
# Only the values differ between seeds: the headers are byte-identical.
python3 - <<'EOF' || fail "seed changed more than the values"
import os
from inspect_gguf import Reader
a, c = Reader(os.environ["tmp"] + "/a.gguf"), Reader(os.environ["tmp"] + "/c.gguf")
assert a.data[:a.data_offset] == c.data[:c.data_offset]
EOF

echo "== the default sample has gemma4-mini's exact layout and key set"
python3 - <<'EOF' || fail "layout"
import os, struct
from inspect_gguf import Reader, NAME_TO_ID, ARRAY
tmp, mini = os.environ["tmp"], os.environ["MINI"]
s = Reader(tmp + "/a.gguf")
ref = Reader(mini + "/gemma4-mini-BF16.gguf")
rows = [l.split() for l in open(mini + "/types-BF16.txt") if l.strip()]
assert len(s.tensors) == len(rows)
for t, (name, typ, shape, off) in zip(s.tensors, rows):
    assert t["name"] == name, (t["name"], name)
    assert t["type"] == NAME_TO_ID[typ.lower()], name
    assert "x".join(map(str, t["ne"])) == shape, (name, t["ne"], shape)
    assert t["offset"] == int(off), name
# Same keys, same order, same value types (array element types too).
assert s.keys() == ref.keys(), set(s.keys()) ^ set(ref.keys())
for (k, t, v), (_, rt, rv) in zip(s.kv, ref.kv):
    assert t == rt, (k, t, rt)
    if t == ARRAY:
        assert v[0] == rv[0], k
# The architecture facts the layout encodes are the fixture's.
for k in ("gemma4.block_count", "gemma4.embedding_length", "gemma4.feed_forward_length",
          "gemma4.attention.head_count", "gemma4.attention.head_count_kv", "gemma4.attention.sliding_window",
          "gemma4.attention.sliding_window_pattern", "gemma4.attention.shared_kv_layers",
          "gemma4.attention.key_length", "gemma4.attention.key_length_swa",
          "gemma4.embedding_length_per_layer_input", "general.file_type"):
    assert s.get(k) == ref.get(k), (k, s.get(k), ref.get(k))
assert s.get("general.architecture") == "gemma4"
assert len(s.get("tokenizer.ggml.tokens")[1]) == 512 and len(set(s.get("tokenizer.ggml.tokens")[1])) == 512
assert "output.weight" not in [t["name"] for t in s.tensors]  # tied output
# Every 2-D weight row is a multiple of 256 long (k-quants and IQ types
# need whole 256-element super-blocks).
for t in s.tensors:
    if len(t["ne"]) == 2:
        assert t["ne"][0] % 256 == 0, t
    else:
        assert t["type"] == 0, t  # 1-D tensors stay F32
rope = [t for t in s.tensors if t["name"] == "rope_freqs.weight"][0]
vals = struct.unpack("<%df" % rope["ne"][0], s.tensor_data(rope))
assert vals.count(1.0) == 8 and vals.count(struct.unpack("<f", struct.pack("<f", 1e30))[0]) == 24, vals
EOF

echo "== the Gemma 4 pattern scales: --layers 10 --embd 512 --ffn 1024"
"$SAMPLE" -q -o "$tmp/d.gguf" --layers 10 --embd 512 --ffn 1024 --vocab 1000 --type f16
python3 - <<'EOF' || fail "scaled layout"
import os
from inspect_gguf import Reader
r = Reader(os.environ["tmp"] + "/d.gguf")
T = {t["name"]: t for t in r.tensors}
L = r.get("gemma4.block_count"); assert L == 10
pattern = r.get("gemma4.attention.sliding_window_pattern")[1]
ffn = r.get("gemma4.feed_forward_length")[1]
shared = r.get("gemma4.attention.shared_kv_layers")
ple = r.get("gemma4.embedding_length_per_layer_input")
assert shared == 10 * 4 // 7                        # E2B: 20 of 35 blocks
assert pattern == [i % 5 != 4 for i in range(L)]    # one full-attention block in five
for i in range(L):
    q = T["blk.%d.attn_q.weight" % i]["ne"]; k = T["blk.%d.attn_k.weight" % i]["ne"]
    swa = r.get("gemma4.attention.key_length_swa"); full = r.get("gemma4.attention.key_length")
    assert full == 2 * swa
    width = swa if pattern[i] else full              # wider heads in full-attention blocks
    assert q == [512, 8 * width] and k == [512, width], (i, q, k)
    assert T["blk.%d.attn_output.weight" % i]["ne"] == [8 * width, 512]
    want_ff = 2048 if i >= L - shared else 1024      # double-wide MLPs in KV-sharing blocks
    assert ffn[i] == want_ff and T["blk.%d.ffn_gate.weight" % i]["ne"] == [512, want_ff]
    assert T["blk.%d.ffn_down.weight" % i]["ne"] == [want_ff, 512]
    assert T["blk.%d.inp_gate.weight" % i]["ne"] == [512, ple]
assert T["per_layer_token_embd.weight"]["ne"] == [ple * L, 1000]
assert T["per_layer_model_proj.weight"]["ne"] == [512, ple * L]
assert T["token_embd.weight"]["ne"] == [512, 1000] and T["token_embd.weight"]["type"] == 1  # f16
assert T["output_norm.weight"]["type"] == 0
assert r.get("general.file_type") == 1  # MOSTLY_F16
EOF

echo "== weights look trained: heavy tails, row-scale spread, outlier columns"
python3 - <<'EOF' || fail "weight statistics"
import math, os, struct
from inspect_gguf import Reader
r = Reader(os.environ["tmp"] + "/a.gguf")
for name in ("blk.0.attn_q.weight", "blk.5.ffn_down.weight", "token_embd.weight"):
    t = [x for x in r.tensors if x["name"] == name][0]
    raw = r.tensor_data(t)
    v = [struct.unpack("<f", struct.pack("<I", h << 16))[0] for h in struct.unpack("<%dH" % (len(raw) // 2), raw)]
    ne0, ne1 = t["ne"]
    mean = math.fsum(v) / len(v)
    var = math.fsum((x - mean) ** 2 for x in v) / len(v)
    kurt = math.fsum((x - mean) ** 4 for x in v) / len(v) / var ** 2
    assert kurt > 6, (name, kurt)                      # a normal distribution has 3
    rows = [math.sqrt(math.fsum(x * x for x in v[i * ne0:(i + 1) * ne0]) / ne0) for i in range(ne1)]
    assert max(rows) / min(rows) > 2.5, (name, max(rows) / min(rows))
    cols = sorted(math.sqrt(math.fsum(v[i * ne0 + c] ** 2 for i in range(ne1)) / ne1) for c in range(ne0))
    assert cols[-1] > 2.5 * cols[len(cols) // 2], (name, cols[-1], cols[len(cols) // 2])
    assert all(math.isfinite(x) for x in v)
EOF

echo "== bf16 output is the round-to-nearest-even of the f32 output (same seed)"
"$SAMPLE" -q -o "$tmp/f32.gguf" --type f32 --seed 7
python3 - <<'EOF' || fail "bf16 vs f32"
import os, struct
from inspect_gguf import Reader
tmp = os.environ["tmp"]
a, f = Reader(tmp + "/a.gguf"), Reader(tmp + "/f32.gguf")
assert f.get("general.file_type") == 0
for ta, tf in zip(a.tensors, f.tensors):
    assert ta["name"] == tf["name"] and ta["ne"] == tf["ne"]
    fv = struct.unpack("<%dI" % (len(f.tensor_data(tf)) // 4), f.tensor_data(tf))
    if ta["type"] == 0:
        assert a.tensor_data(ta) == f.tensor_data(tf), ta["name"]
        continue
    want = [((u + 0x7FFF + ((u >> 16) & 1)) >> 16) & 0xFFFF for u in fv]
    got = struct.unpack("<%dH" % len(fv), a.tensor_data(ta))
    assert list(got) == want, ta["name"]
EOF

echo "== the importance matrix: llama.cpp's GGUF layout, sums from synthetic activations"
python3 - <<'EOF' || fail "imatrix"
import math, os, struct
from inspect_gguf import Reader, STRING, ARRAY
tmp, mini = os.environ["tmp"], os.environ["MINI"]
m = Reader(tmp + "/a.imatrix.gguf")
ref = Reader(mini + "/gemma4-mini.imatrix.gguf")
assert [t["name"] for t in m.tensors] == [t["name"] for t in ref.tensors]
assert [(t["ne"], t["type"]) for t in m.tensors] == [(t["ne"], t["type"]) for t in ref.tensors]
assert sorted(m.keys()) == sorted(ref.keys())
assert m.get("general.type") == "imatrix"
tokens = m.get("imatrix.chunk_count") * m.get("imatrix.chunk_size")
assert not any(t["name"].startswith(("token_embd", "per_layer_token_embd")) for t in m.tensors)
sums = {}
for t in m.tensors:
    vals = struct.unpack("<%df" % (len(m.tensor_data(t)) // 4), m.tensor_data(t))
    if t["name"].endswith(".counts"):
        assert vals == (float(tokens),), (t["name"], vals)
    else:
        assert all(math.isfinite(x) and x > 0 for x in vals), t["name"]
        mean = [x / tokens for x in vals]
        assert max(mean) / sorted(mean)[len(mean) // 2] > 20, t["name"]  # a few dominant channels
        sums[t["name"][:-len(".in_sum2")]] = vals
# Weights that read the same activations get the same sums, as in llama.cpp.
assert sums["blk.0.attn_q.weight"] == sums["blk.0.attn_k.weight"] == sums["blk.0.attn_v.weight"]
assert sums["blk.3.ffn_gate.weight"] == sums["blk.3.ffn_up.weight"]
assert sums["blk.3.ffn_up.weight"] != sums["blk.3.attn_q.weight"]
EOF

echo "== --params picks a shape near the target, and the file holds that many parameters"
out=$("$SAMPLE" --dry-run --params 500M)
n=$(echo "$out" | sed -n 's/.* tensors, \([0-9,]*\) parameters.*/\1/p' | tr -d ,)
[ -n "$n" ] && [ "$n" -gt 475000000 ] && [ "$n" -lt 525000000 ] || fail "--params 500M gave '$out'"
"$SAMPLE" -o "$tmp/p.gguf" --params 20M --seed 3 2>"$tmp/err"
n=$(sed -n 's/.* tensors, \([0-9,]*\) parameters.*/\1/p' "$tmp/err" | tr -d ,)
python3 - "$n" <<'EOF' || fail "--params 20M"
import os, sys
from inspect_gguf import Reader, elements
r = Reader(os.environ["tmp"] + "/p.gguf")
n = sum(elements(t) for t in r.tensors)
assert n == int(sys.argv[1]), (n, sys.argv[1])
assert 18e6 < n < 22e6, n
for t in r.tensors:
    if len(t["ne"]) == 2: assert t["ne"][0] % 256 == 0, t
EOF

echo "== usage errors exit 2, failures exit 1 and leave nothing behind"
set +e
"$SAMPLE" --seed 1 >/dev/null 2>&1; [ $? -eq 2 ] || fail "no -o"
"$SAMPLE" -o "$tmp/x.gguf" --type q4_K >/dev/null 2>&1; [ $? -eq 2 ] || fail "bad --type"
"$SAMPLE" -o "$tmp/x.gguf" --layers 0 >/dev/null 2>&1; [ $? -eq 2 ] || fail "--layers 0"
"$SAMPLE" -o "$tmp/no/such/dir/x.gguf" >/dev/null 2>"$tmp/err"; rc=$?
set -e
[ $rc -eq 1 ] || fail "unwritable output: exit $rc"
grep -q "^gq-sample: $tmp/no/such/dir/x.gguf: " "$tmp/err" || fail "error format: $(cat "$tmp/err")"
[ ! -e "$tmp/x.gguf" ] || fail "a refused run wrote a file"

echo "== SIGINT removes the partial output"
mkdir "$tmp/int"
"$SAMPLE" -q -o "$tmp/int/big.gguf" --params 2B &
pid=$!
for _ in $(seq 50); do ls "$tmp/int" | grep -q . && break; sleep 0.05; done
sleep 0.2
kill -INT $pid
set +e
wait $pid
rc=$?
set -e
[ $rc -eq 130 ] || fail "interrupted run exited $rc"
[ -z "$(ls -A "$tmp/int")" ] || fail "left behind: $(ls -A "$tmp/int")"

echo "inspect_sample.sh: all checks passed"
