/* Ollama's on-disk model store, read-only.
 *
 * Layout (Ollama's manifest and envconfig packages):
 *
 *   $OLLAMA_MODELS, else ~/.ollama/models
 *     manifests/<host>/<namespace>/<model>/<tag>   JSON, one per pulled name
 *     blobs/sha256-<64 hex>                        content, named by its sha256
 *
 * A name "[host/][namespace/]model[:tag]" gets host registry.ollama.ai,
 * namespace library and tag latest when they are left out; a name pulled
 * from elsewhere keeps its host ("hf.co/unsloth/gemma-3-GGUF:Q4_K_M").  The
 * manifest is a Docker-style image manifest: its "layers" carry a
 * mediaType, a digest "sha256:<hex>" and a size; the GGUF is the layer of
 * type application/vnd.ollama.image.model (the last one, as Ollama reads
 * them), and "config" names a small JSON blob whose "file_type" is the
 * quantization label `ollama list` and `ollama show` print. */
#ifndef GQ_STORE_OLLAMA_STORE_H
#define GQ_STORE_OLLAMA_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GQ_OLLAMA_DEFAULT_HOST "registry.ollama.ai"
#define GQ_OLLAMA_DEFAULT_NAMESPACE "library"
#define GQ_OLLAMA_DEFAULT_TAG "latest"
#define GQ_OLLAMA_MODEL_MEDIA_TYPE "application/vnd.ollama.image.model"

/* Largest manifest / config blob read (real ones are a few KiB; a
 * safetensors import lists one layer per tensor, still well under this). */
#define GQ_OLLAMA_MAX_MANIFEST (16u << 20)
#define GQ_OLLAMA_MAX_CONFIG (1u << 20)

/* A parsed, fully qualified model name; each part NUL-terminated. */
typedef struct gq_ollama_name {
    char host[352];
    char namespace_[84];
    char model[84];
    char tag[84];
} gq_ollama_name;

/* Parse as Ollama does (tag after the last ':' that follows the last '/',
 * then model, namespace, host from the right), fill in the defaults and
 * check every part against Ollama's rules (letters, digits, '_', '-', '.'
 * but no '.' in a namespace, ':' only in a host, first character a letter,
 * digit or '_', 1-80 characters; hosts up to 350).  Those rules also keep
 * a name from walking out of the store ("..", "/").  False with a reason
 * in err. */
bool gq_ollama_parse_name(const char *text, gq_ollama_name *out, char *err, size_t err_cap);

/* The shortest spelling Ollama prints: host and namespace left out when
 * they are the defaults ("gemma3:1b", "batiai/gemma4-e2b:q4",
 * "hf.co/unsloth/gemma-3-GGUF:Q4_K_M"). */
void gq_ollama_display_name(const gq_ollama_name *n, char *out, size_t cap);

/* The models directory and where it came from: "OLLAMA_MODELS" or
 * "default".  malloc'ed; NULL when memory runs out or there is no home
 * directory to find the default under. */
char *gq_ollama_models_dir(const char **source);

/* One resolved model. */
typedef struct gq_ollama_model {
    char *manifest_path;
    char *blob_path;      /* the GGUF */
    char digest[72];      /* "sha256:<hex>" of the GGUF layer */
    uint64_t blob_size;   /* == the layer's size (checked) */
    uint64_t total_size;  /* every layer plus the config, as `ollama list` counts */
    char *recorded_label; /* the config blob's "file_type", NULL when absent or unreadable */
} gq_ollama_model;

/* Find the model's GGUF: the manifest must be valid JSON with a model
 * layer whose blob exists with the size the layer states.  False with a
 * message that names the path tried and what was missing or wrong.
 * models_source is gq_ollama_models_dir's *source (for the message). */
bool gq_ollama_find(const char *models_dir, const char *models_source, const gq_ollama_name *name,
                    gq_ollama_model *out, char *err, size_t err_cap);
/* The same from a manifest file already located (the listing walks them). */
bool gq_ollama_read_manifest(const char *models_dir, const char *manifest_path, gq_ollama_model *out, char *err,
                             size_t err_cap);
void gq_ollama_model_free(gq_ollama_model *m);

/* Every manifest in the store (manifests/<host>/<ns>/<model>/<tag>) in
 * name order, each resolved or with the reason it does not resolve. */
typedef struct gq_ollama_entry {
    gq_ollama_name name;
    char display[600];   /* gq_ollama_display_name */
    bool ok;
    gq_ollama_model model; /* when ok */
    char problem[600];     /* when !ok */
} gq_ollama_entry;

/* False (err set) only when the store itself cannot be read; entries may
 * be empty.  Free with gq_ollama_entries_free. */
bool gq_ollama_list(const char *models_dir, gq_ollama_entry **entries, size_t *count, char *err, size_t err_cap);
void gq_ollama_entries_free(gq_ollama_entry *entries, size_t count);

#endif
