/* The metadata llama-quantize writes, in its order.
 *
 * llama-quantize copies the input's keys through ggml's gguf_set_* calls,
 * whose rule is "a key set again is removed and appended".  So the output
 * holds: the input's keys in their order, minus general.quantization_version
 * and general.file_type, which move to the end with new values, minus the
 * split.* keys; then every --override-kv; then (as overrides too) the
 * quantize.imatrix.* provenance keys.  This module builds that list once,
 * so the same list sizes the header for --dry-run and is written out. */
#ifndef GQ_MIX_OUTPUT_META_H
#define GQ_MIX_OUTPUT_META_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gq/gguf.h"
#include "gq/mix.h"

typedef struct out_kv {
    char *key;            /* owned copy */
    const gguf_kv *copy;  /* copied verbatim from the input, or NULL */
    gq_kv_override value; /* the new value when copy is NULL */
} out_kv;

typedef struct out_meta {
    out_kv *kvs;
    size_t n;
} out_meta;

/* The provenance llama-quantize records when it used an importance matrix. */
typedef struct out_imatrix_info {
    const char *file;     /* the --imatrix argument as given (cut to 127 bytes) */
    const char *dataset;  /* first dataset name, or NULL */
    uint32_t n_entries;   /* entries left after --include/--exclude-weights */
    int32_t n_chunks;     /* written only when > 0 */
} out_imatrix_info;

/* Build the list.  imatrix may be NULL (no keys).  False on OOM or a
 * key or string that cannot be represented (message in msg). */
bool out_meta_build(const gguf_file *src, uint32_t file_type, const gq_kv_override *overrides,
                    size_t n_overrides, const out_imatrix_info *imatrix, out_meta *out, char *msg,
                    size_t msg_size);
void out_meta_free(out_meta *m);

/* Set a uint32 key after the list is built, as ggml's gguf_set_val_u32
 * does: an existing key of that name is removed and the key appended.
 * (--prune-layers sets <arch>.block_count last.)  False on OOM. */
bool out_meta_set_u32(out_meta *m, const char *key, uint32_t value);

/* Encoded size of all kvs (each: key length, key, type, value). */
uint64_t out_meta_bytes(const out_meta *m);

/* The alignment a reader will use: general.alignment when the list has a
 * valid uint32 one, else 32. */
uint32_t out_meta_alignment(const out_meta *m);

/* Add every kv to a writer, in order. */
gq_status out_meta_emit(const out_meta *m, const gguf_file *src, gguf_writer *w);

#endif
