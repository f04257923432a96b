#!/usr/bin/env bash
# docs/lab.md works as written: every ```sh block runs on the bundled sample
# (the files tools/lab.sh makes), with the real Gemma 4 E2B file names
# replaced through the page's own mapping table, and each command exits as
# the page says and prints every "# ->" line (tests/cli/doc_commands.py).
#
# The hf: and ollama: names are served from a Hugging Face cache and an
# Ollama store built here around the sample files, in the layouts
# huggingface_hub and Ollama write (blobs named by their SHA-256, snapshot
# links, refs, manifests, config blobs), so those commands run too.
set -u
: "${GQ_BIN_DIR:?run through ctest}" "${GQ_SOURCE_DIR:?run through ctest}"
doc="$GQ_SOURCE_DIR/docs/lab.md"
[ -f "$doc" ] || { echo "FAIL: missing $doc"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export PATH="$GQ_BIN_DIR:$PATH"

echo "== the lab's files"
bash "$GQ_SOURCE_DIR/tools/lab.sh" --bin "$GQ_BIN_DIR" --out "$tmp/lab" >"$tmp/lab.log" 2>&1 ||
  { tail -20 "$tmp/lab.log"; echo "FAIL: tools/lab.sh failed"; exit 1; }
lab="$tmp/lab"

echo "== a Hugging Face cache: unsloth/gemma-4-E2B-it-GGUF with the sample files"
# The page's hf: name goes through the mapping like any file name, so the
# cached file carries the stand-in's name.
export HF_HUB_CACHE="$tmp/hf"
repo="$HF_HUB_CACHE/models--unsloth--gemma-4-E2B-it-GGUF"
commit=0123456789abcdef0123456789abcdef01234567
mkdir -p "$repo/blobs" "$repo/refs" "$repo/snapshots/$commit"
printf '%s' "$commit" >"$repo/refs/main"
for f in sample-Q8_0.gguf sample-Q4_K_M.gguf sample-IQ2_M.gguf; do
  sum=$(sha256sum "$lab/$f" | cut -d' ' -f1)
  cp "$lab/$f" "$repo/blobs/$sum"
  ln -s "../../blobs/$sum" "$repo/snapshots/$commit/$f"
done

echo "== an Ollama store: batiai/gemma4-e2b:q4 is the sample's Q4_K_M"
export OLLAMA_MODELS="$tmp/ollama"
model_sum=$(sha256sum "$lab/sample-Q4_K_M.gguf" | cut -d' ' -f1)
model_size=$(stat -c %s "$lab/sample-Q4_K_M.gguf")
mkdir -p "$OLLAMA_MODELS/blobs" "$OLLAMA_MODELS/manifests/registry.ollama.ai/batiai/gemma4-e2b"
cp "$lab/sample-Q4_K_M.gguf" "$OLLAMA_MODELS/blobs/sha256-$model_sum"
config='{"model_format":"gguf","model_family":"gemma4","model_families":["gemma4"],"file_type":"Q4_K_M","architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}'
config_sum=$(printf '%s' "$config" | sha256sum | cut -d' ' -f1)
printf '%s' "$config" >"$OLLAMA_MODELS/blobs/sha256-$config_sum"
cat >"$OLLAMA_MODELS/manifests/registry.ollama.ai/batiai/gemma4-e2b/q4" <<JSON
{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json","config":{"mediaType":"application/vnd.docker.container.image.v1+json","digest":"sha256:$config_sum","size":${#config}},"layers":[{"mediaType":"application/vnd.ollama.image.model","digest":"sha256:$model_sum","size":$model_size}]}
JSON

echo "== the page's commands"
python3 "$GQ_SOURCE_DIR/tests/cli/doc_commands.py" "$doc" "$lab" --min-commands 14
