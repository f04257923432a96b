/* How much memory a model needs to run: its weights plus the KV cache at a
 * given context length, estimated from the architecture's metadata.
 *
 * Per block l (0 .. <arch>.block_count-1):
 *   heads_kv(l)  <arch>.attention.head_count_kv (a number or one per block),
 *                else <arch>.attention.head_count (no grouped-query attention)
 *   k_len(l)     <arch>.attention.key_length_swa for sliding blocks when
 *                present, else <arch>.attention.key_length, else
 *                <arch>.embedding_length / head_count(l); v_len(l) likewise
 *   sliding(l)   only when <arch>.attention.sliding_window > 0:
 *                sliding_window_pattern as one bool per block, or as a
 *                period N (blocks l with l % N < N-1 slide); without the
 *                key, the period llama.cpp hard-codes for the architecture
 *                (gemma2 2, gemma3 6, gemma3n 5, cohere2 4), else every block
 *   has_cache(l) false for the last <arch>.attention.shared_kv_layers blocks
 *                (they read an earlier block's cache)
 *   cells(l)     min(ctx, sliding_window) for sliding blocks, else ctx
 *   bytes(l)     cells(l) * heads_kv(l) * (k_len(l) + v_len(l)) * 2   (f16)
 * Architectures with other kinds of state (recurrent layers, MLA's
 * compressed cache) are not modelled; the estimate is then an upper bound
 * or meaningless, which docs/cli.md says. */
#ifndef GQ_CLI_KV_MEMORY_H
#define GQ_CLI_KV_MEMORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gq/gguf.h"

#define GQ_KV_MAX_LAYERS 65536u /* a larger block_count is refused as implausible */

typedef struct gq_kv_layer {
    bool has_cache;
    bool sliding;
    uint64_t heads_kv;
    uint64_t k_len, v_len;
    uint64_t cells;
    uint64_t bytes;
} gq_kv_layer;

typedef struct gq_kv_estimate {
    char arch[64];
    uint64_t ctx;
    uint64_t n_layer;
    uint64_t window;          /* 0: no sliding-window attention */
    uint64_t n_shared;        /* blocks without their own cache */
    uint64_t n_sliding;       /* sliding blocks that have a cache */
    uint64_t bytes_per_value; /* 2: f16 cache */
    uint64_t bytes;           /* the whole cache */
    gq_kv_layer *layers;      /* n_layer entries */
} gq_kv_estimate;

/* Compute the estimate.  False with a sentence in `why` when the metadata
 * does not allow it ("gemma4.block_count is missing", "... has 7 entries
 * for 8 blocks"). */
bool gq_kv_estimate_compute(const gguf_file *f, uint64_t ctx, gq_kv_estimate *out, char *why, size_t why_size);
void gq_kv_estimate_free(gq_kv_estimate *e);

/* The architecture's trained context (<arch>.context_length), or 0. */
uint64_t gq_kv_context_length(const gguf_file *f);

#endif
