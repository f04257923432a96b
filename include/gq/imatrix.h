/* gq — importance matrices (llama.cpp's imatrix files).
 *
 * An importance matrix holds, for each weight matrix, one weight per input
 * column (per expert, for stacked-expert tensors): how strongly that
 * column's activations mattered on some calibration text.  Low-bit
 * quantizers use it to spend precision where it counts.
 *
 * Two file formats are read:
 *   - GGUF (llama.cpp since mid 2025): for each weight "<name>.in_sum2"
 *     (sums of squared activations, ne0 x n_experts) and "<name>.counts"
 *     (tokens seen, one per expert) as f32 tensors, plus the keys
 *     imatrix.datasets, imatrix.chunk_count, imatrix.chunk_size;
 *   - the legacy binary ".dat": int32 entry count, then per entry int32
 *     name length, name, int32 ncall, int32 nval, nval f32; optionally
 *     followed by int32 chunk count, int32 length and a dataset name.
 * Either way the weights come out as llama-quantize computes them:
 * in_sum2 / round(counts) per expert (1 where the count is 0), or for the
 * legacy format value / ncall — the same float operations, so the
 * quantized bytes match. */
#ifndef GQ_IMATRIX_H
#define GQ_IMATRIX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gq/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct gq_imatrix_entry {
    char *name;       /* the weight's tensor name ("blk.0.attn_q.weight") */
    float *weights;   /* n_values importance weights, expert after expert */
    uint64_t n_values;
    uint64_t n_experts; /* number of count groups (1 for a plain matrix) */
} gq_imatrix_entry;

typedef struct gq_imatrix {
    gq_imatrix_entry *entries; /* sorted by name (bytewise) */
    size_t n_entries;
    char **datasets;           /* calibration data names (may be none) */
    size_t n_datasets;
    int32_t chunk_count;       /* chunks of calibration text, 0 when unknown */
    int32_t chunk_size;        /* tokens per chunk, 0 when unknown */
    bool is_legacy;            /* read from the legacy binary format */
    bool has_metadata;         /* GGUF: datasets, chunk_count and chunk_size keys all present */
} gq_imatrix;

/* Read a file of either format (told apart by the "GGUF" magic).  NULL on
 * failure with *status and a message naming the problem: unreadable file,
 * truncated or inconsistent data (lengths are checked against the bytes
 * present before anything is allocated), non-f32 tensors, sums without
 * counts, no entries. */
gq_imatrix *gq_imatrix_load(const char *path, gq_status *status, char *msg, size_t msg_size);
/* The same from memory (not retained). */
gq_imatrix *gq_imatrix_load_memory(const void *data, size_t size, gq_status *status, char *msg,
                                   size_t msg_size);

void gq_imatrix_free(gq_imatrix *m);

/* The entry for a tensor name, or NULL. */
const gq_imatrix_entry *gq_imatrix_find(const gq_imatrix *m, const char *name);

/* --include-weights / --exclude-weights: keep only entries whose name
 * contains one of `include` (when n_include > 0), then drop entries whose
 * name contains one of `exclude`.  Returns the number of entries left. */
size_t gq_imatrix_filter(gq_imatrix *m, const char *const *include, size_t n_include,
                         const char *const *exclude, size_t n_exclude);

/* The first non-finite weight, if any: true with *entry / *index set. */
bool gq_imatrix_find_nonfinite(const gq_imatrix *m, size_t *entry, uint64_t *index);

#ifdef __cplusplus
}
#endif
#endif
