#!/usr/bin/env bash
# The CI parity job (.github/workflows/parity.yml, docs/ci-parity.md) does
# what the page says, run here step by step the way GitHub runs them
# (bash -eo pipefail, the job's env):
#   - the copy of the workflow in docs/ci-parity.md is the file itself;
#   - on gq's sample and its Q4_K_M every step passes;
#   - the metadata step fails (exit 1) on an unexpected key difference and
#     passes again once IGNORE_KEYS allows it; the tensor step fails on a
#     shape difference; a missing file fails with exit 3;
#   - the failure lines the page quotes are what gq-compare prints.
# The "Build gq" step is not run: GQ_BIN points at this build's programs
# instead (the one substitution; the step itself is a plain CMake build).
set -u
: "${GQ_BIN_DIR:?run through ctest}" "${GQ_SOURCE_DIR:?run through ctest}"
wf="$GQ_SOURCE_DIR/.github/workflows/parity.yml"
doc="$GQ_SOURCE_DIR/docs/ci-parity.md"
reader="$GQ_SOURCE_DIR/tests/cli/ci_workflow.py"
for f in "$wf" "$doc" "$reader"; do [ -f "$f" ] || { echo "FAIL: missing $f"; exit 1; }; done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

echo "== the page's copy is the workflow"
sed -n '/^```yaml$/,/^```$/p' "$doc" | sed '1d;$d' >"$tmp/doc.yml"
cmp -s "$tmp/doc.yml" "$wf" || { fail "docs/ci-parity.md's workflow differs from $wf"; diff "$tmp/doc.yml" "$wf" | head; }

echo "== the steps"
[ "$(python3 "$reader" "$wf" ids | grep -v '^$' | tr '\n' ' ')" = "build files metadata tensors " ] ||
  fail "expected steps build, files, metadata, tensors; got: $(python3 "$reader" "$wf" ids | tr '\n' ' ')"
# Where PyYAML is installed, it must read the same steps (the reader is not
# fooling itself about the YAML).
if python3 -c 'import yaml' 2>/dev/null; then
  python3 - "$wf" "$reader" <<'PY' || fail "PyYAML reads other run blocks than ci_workflow.py"
import subprocess, sys, yaml
wf, reader = sys.argv[1], sys.argv[2]
steps = yaml.safe_load(open(wf))["jobs"]["parity"]["steps"]
for s in steps:
    if "id" in s:
        mine = subprocess.run(["python3", reader, wf, "run", s["id"]], capture_output=True, text=True, check=True).stdout
        assert mine == s["run"], (s["id"], mine, s["run"])
PY
fi

# run_step ID [VAR=VALUE ...]: the step's script with the job env (plus
# overrides), in the workspace, as GitHub runs it.  Prints the exit status.
ws="$tmp/ws"
mkdir -p "$ws"
run_step() {
  local id=$1
  shift
  python3 "$reader" "$wf" run "$id" >"$tmp/$id.sh" || { echo 99; return; }
  (
    cd "$ws" || exit 98
    while IFS='=' read -r k v; do export "$k=$v"; done < <(python3 "$reader" "$wf" env)
    export GQ_BIN="$GQ_BIN_DIR" GQ_SOURCE="$GQ_SOURCE_DIR"
    for kv in "$@"; do export "${kv?}"; done
    bash -eo pipefail "$tmp/$id.sh" >"$tmp/$id.out" 2>&1
  )
  echo $?
}

echo "== on gq's sample: every step passes"
for id in files metadata tensors; do
  rc=$(run_step "$id")
  [ "$rc" -eq 0 ] || { fail "step $id: exit $rc"; cat "$tmp/$id.out"; }
done
grep -q 'check: metadata holds' "$tmp/metadata.out" || fail "metadata step did not report 'check: metadata holds'"
grep -q 'check: tensors holds' "$tmp/tensors.out" || fail "tensors step did not report 'check: tensors holds'"

echo "== a renamed model fails the metadata step, until IGNORE_KEYS allows it"
"$GQ_BIN_DIR/gq-quantize" -q --override-kv general.name=str:other "$ws/parity/model-BF16.gguf" "$ws/renamed.gguf" Q4_K_M ||
  fail "making the renamed model"
rc=$(run_step metadata CANDIDATE=renamed.gguf)
[ "$rc" -eq 1 ] || fail "metadata step on a renamed model: exit $rc, want 1"
grep -qxF 'FAIL metadata: general.name: value model-BF16="gq sample (Gemma 4 layou...", renamed="other"' "$tmp/metadata.out" ||
  { fail "the failure line docs/ci-parity.md quotes is not printed"; cat "$tmp/metadata.out"; }
rc=$(run_step metadata CANDIDATE=renamed.gguf "IGNORE_KEYS=general.url general.name")
[ "$rc" -eq 0 ] || { fail "metadata step with IGNORE_KEYS=general.name: exit $rc, want 0"; cat "$tmp/metadata.out"; }

echo "== a shape difference fails the tensor step"
"$GQ_BIN_DIR/gq-sample" -q -o "$ws/wide.gguf" --ffn 512 || fail "making the wide model"
rc=$(run_step tensors CANDIDATE=wide.gguf)
[ "$rc" -eq 1 ] || fail "tensors step on other shapes: exit $rc, want 1"
grep -qxF 'FAIL tensors: blk.6.ffn_down.weight: model-BF16=512x256, wide=1024x256' "$tmp/tensors.out" ||
  { fail "the tensor failure line docs/ci-parity.md quotes is not printed"; head -5 "$tmp/tensors.out"; }
# The same model under another quantization still passes: types may differ.
"$GQ_BIN_DIR/gq-quantize" -q "$ws/parity/model-BF16.gguf" "$ws/q8.gguf" Q8_0 || fail "making the Q8_0"
rc=$(run_step tensors CANDIDATE=q8.gguf)
[ "$rc" -eq 0 ] || fail "tensors step on another quantization of the same model: exit $rc, want 0"

echo "== a missing file fails, it never passes"
rc=$(run_step metadata CANDIDATE=missing.gguf)
[ "$rc" -eq 3 ] || fail "metadata step on a missing file: exit $rc, want 3"
rc=$(run_step tensors CANDIDATE=missing.gguf)
[ "$rc" -eq 3 ] || fail "tensors step on a missing file: exit $rc, want 3"

if [ "$failures" -ne 0 ]; then
  echo "$failures failure(s)"
  exit 1
fi
echo "the parity job passes on one model, fails on metadata, shape and missing-file differences"
