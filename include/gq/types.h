/* gq — the one table of ggml tensor types.
 *
 * Every ggml type id 0..42 is described here: its name as ggml spells it,
 * how many elements a block holds and how many bytes a block takes.  The
 * byte sizes come from the block structs themselves (src/types/blocks.h),
 * so a size is never typed twice.  Ids that ggml removed (4, 5, 31-33,
 * 36-38) are present and marked removed: a file that uses them is invalid. */
#ifndef GQ_TYPES_H
#define GQ_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum gq_type {
    GQ_TYPE_F32 = 0,
    GQ_TYPE_F16 = 1,
    GQ_TYPE_Q4_0 = 2,
    GQ_TYPE_Q4_1 = 3,
    /* 4, 5: Q4_2, Q4_3 — removed */
    GQ_TYPE_Q5_0 = 6,
    GQ_TYPE_Q5_1 = 7,
    GQ_TYPE_Q8_0 = 8,
    GQ_TYPE_Q8_1 = 9,
    GQ_TYPE_Q2_K = 10,
    GQ_TYPE_Q3_K = 11,
    GQ_TYPE_Q4_K = 12,
    GQ_TYPE_Q5_K = 13,
    GQ_TYPE_Q6_K = 14,
    GQ_TYPE_Q8_K = 15,
    GQ_TYPE_IQ2_XXS = 16,
    GQ_TYPE_IQ2_XS = 17,
    GQ_TYPE_IQ3_XXS = 18,
    GQ_TYPE_IQ1_S = 19,
    GQ_TYPE_IQ4_NL = 20,
    GQ_TYPE_IQ3_S = 21,
    GQ_TYPE_IQ2_S = 22,
    GQ_TYPE_IQ4_XS = 23,
    GQ_TYPE_I8 = 24,
    GQ_TYPE_I16 = 25,
    GQ_TYPE_I32 = 26,
    GQ_TYPE_I64 = 27,
    GQ_TYPE_F64 = 28,
    GQ_TYPE_IQ1_M = 29,
    GQ_TYPE_BF16 = 30,
    /* 31-33: Q4_0_4_4, Q4_0_4_8, Q4_0_8_8 — removed */
    GQ_TYPE_TQ1_0 = 34,
    GQ_TYPE_TQ2_0 = 35,
    /* 36-38: IQ4_NL_4_4, IQ4_NL_4_8, IQ4_NL_8_8 — removed */
    GQ_TYPE_MXFP4 = 39,
    GQ_TYPE_NVFP4 = 40,
    GQ_TYPE_Q1_0 = 41,
    GQ_TYPE_Q2_0 = 42,
    GQ_TYPE_COUNT = 43
};

typedef struct gq_type_info {
    uint32_t id;
    const char *name;       /* ggml's spelling: "q4_K", "iq2_xxs", "bf16" ... */
    uint32_t block_size;    /* elements per block (1 for plain scalars) */
    uint32_t type_size;     /* bytes per block */
    bool removed;           /* id retired by ggml; never valid in a file */
    bool quantized;         /* a block format, not a plain scalar */
    bool is_float;          /* f32, f16, bf16, f64: a source a quantizer may read */
    bool needs_imatrix;     /* ggml refuses to quantize it without importance weights */
} gq_type_info;

/* The description of a type id, or NULL when the id is outside 0..42.
 * Removed ids return an entry with removed == true and sizes 0. */
const gq_type_info *gq_type_get(uint32_t id);

/* Look a type up by ggml name, case-insensitively ("Q4_K" == "q4_k").
 * Returns -1 when there is no such (non-removed) type. */
int gq_type_from_name(const char *name);

/* The name of a type id, or "unknown(<id>)" written into a static table for
 * any id without a name. Never NULL. */
const char *gq_type_name(uint32_t id);

/* Bytes that n elements of a type take.  Returns false (and leaves *bytes
 * alone) when the id is unknown/removed, n is not a multiple of the block
 * size, or the size does not fit in 64 bits. */
bool gq_type_row_bytes(uint32_t id, uint64_t n, uint64_t *bytes);

#ifdef __cplusplus
}
#endif
#endif
