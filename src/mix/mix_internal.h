/* Internal pieces of the mix policy shared by the src/mix sources: tensor
 * categories, the rule-table row format and llama.cpp's file-type numbers. */
#ifndef GQ_MIX_INTERNAL_H
#define GQ_MIX_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gq/mix.h"
#include "gq/types.h"

/* llama.cpp's file-type numbers (llama_ftype), as stored in general.file_type. */
enum {
    FT_ALL_F32 = 0, FT_F16 = 1, FT_Q4_0 = 2, FT_Q4_1 = 3, FT_Q8_0 = 7, FT_Q5_0 = 8, FT_Q5_1 = 9,
    FT_Q2_K = 10, FT_Q3_K_S = 11, FT_Q3_K_M = 12, FT_Q3_K_L = 13, FT_Q4_K_S = 14, FT_Q4_K_M = 15,
    FT_Q5_K_S = 16, FT_Q5_K_M = 17, FT_Q6_K = 18, FT_IQ2_XXS = 19, FT_IQ2_XS = 20, FT_Q2_K_S = 21,
    FT_IQ3_XS = 22, FT_IQ3_XXS = 23, FT_IQ1_S = 24, FT_IQ4_NL = 25, FT_IQ3_S = 26, FT_IQ3_M = 27,
    FT_IQ2_S = 28, FT_IQ2_M = 29, FT_IQ4_XS = 30, FT_IQ1_M = 31, FT_BF16 = 32, FT_TQ1_0 = 36,
    FT_TQ2_0 = 37, FT_MXFP4_MOE = 38, FT_NVFP4 = 39, FT_Q1_0 = 40, FT_Q2_0 = 41,
};

/* A set of file types as a bit mask (every llama_ftype number is < 64). */
typedef uint64_t ftype_set;
#define FTS(ft) ((ftype_set)1 << (ft))
#define FTS_ALL (~(ftype_set)0)

/* llama.cpp's broad tensor categories (tensor_get_category), decided from
 * the name alone. */
typedef enum mix_category {
    CAT_OUTPUT,      /* output.weight */
    CAT_TOKEN_EMBD,  /* token_embd.weight, per_layer_token_embd.weight */
    CAT_ATTN_QKV,
    CAT_ATTN_KV_B,
    CAT_ATTN_V,
    CAT_ATTN_K,
    CAT_ATTN_Q,
    CAT_ATTN_OUTPUT,
    CAT_FFN_UP,
    CAT_FFN_GATE,
    CAT_FFN_DOWN,
    CAT_OTHER,
} mix_category;

mix_category mix_category_of(const char *name);
bool mix_is_token_embd_name(const char *name);
bool mix_is_output_name(const char *name);

/* What a rule row targets.  "Output head" is output.weight, or the token
 * embedding of a model without output.weight (tied embeddings: the same
 * matrix serves as the output projection, so it gets the output rules). */
typedef enum mix_class {
    CLASS_OUTPUT_HEAD,
    CLASS_TOKEN_EMBD,      /* a token embedding that is not tied */
    CLASS_ATTN_V,          /* attn_v, attn_qkv, attn_kv_b: the value-carrying projections */
    CLASS_ATTN_K,
    CLASS_ATTN_Q,
    CLASS_ATTN_OUTPUT,
    CLASS_FFN_DOWN,
    CLASS_FFN_GATE,
    CLASS_FFN_UP,
    CLASS_ALL_BUT_HEAD,    /* every tensor except the output head */
} mix_class;

/* Conditions a row may require.  "Position" is the tensor's place among
 * its class: for attn_v-like tensors the running count of such tensors
 * out of all of them in the file; for ffn tensors the layer (the running
 * count, or the "blk.N" number in models with experts) out of block_count. */
typedef enum mix_cond {
    COND_ALWAYS,
    COND_GQA_4,                 /* n_head / n_head_kv >= 4 */
    COND_GQA_4_OR_EXPERTS_4,    /* ... or at least 4 experts */
    COND_EXPERTS_8,             /* exactly 8 experts (Mixtral-like) */
    COND_NO_IMATRIX,
    COND_FIRST_EIGHTH,          /* position < n/8 */
    COND_FIRST_EIGHTH_NO_IMATRIX,
    COND_FIRST_EIGHTH_WITH_IMATRIX,
    COND_FIRST_SIXTEENTH,       /* position < n/16 */
    COND_MORE_BITS,             /* llama.cpp's use_more_bits(position, n) */
    COND_MIDDLE,                /* n/8 <= position < 7n/8 */
    COND_FIRST_TWO,             /* position < 2 */
    COND_FIRST_FOUR,            /* position < 4 */
    COND_SEEN_FIRST_EIGHTH,     /* running ffn_down count < block_count/8, never the blk number */
    COND_FIRST_EIGHTH_OR_EXPERTS_8_MORE_BITS,
    COND_FALCON,
    COND_NOT_FALCON,
    COND_FALCON_FIRST_SIXTEENTH,
    COND_FALCON_MORE_BITS,
    COND_NOT_FALCON_FIRST_EIGHTH,
    COND_NOT_FALCON_EXPERTS_8,
    COND_FALCON_OR_ROW_MISFIT,  /* falcon, or ne0 not a multiple of the base type's block */
    COND_CURRENT_NOT_Q8_0,      /* the type chosen so far is not q8_0 */
    COND_EXPERT_DIM,            /* ne[2] > 1: a stacked-experts tensor */
    COND_70B_Q3_K_OR_Q4_K,      /* a "70B" model and the type so far is q3_K or q4_K */
} mix_cond;

/* CHOOSE rows: the first one that matches decides (its class and file
 * type must match too).  ADJUST rows run afterwards, every matching one in
 * order, each seeing the type chosen so far. */
typedef enum mix_stage { STAGE_CHOOSE, STAGE_ADJUST } mix_stage;

#define MIX_KEEP (-1) /* a row result: leave the type as it is */

typedef struct mix_rule {
    mix_stage stage;
    ftype_set ftypes;
    mix_class cls;
    mix_cond cond;
    int result;      /* a gq_type id or MIX_KEEP */
    const char *why;
} mix_rule;

extern const mix_rule gq_mix_rules[];
extern const size_t gq_mix_rule_count;

/* The shape fallback: the type llama.cpp uses when ne0 is not a multiple
 * of `type`'s block size, or -1 when it has none. */
int mix_fallback_type(uint32_t type);

#endif
