/* llama.cpp's file-type mixes, as a table.
 *
 * This is llama_tensor_get_type_impl() of llama.cpp (src/llama-quant.cpp,
 * August 2026) written as rows.  A tensor starts with its file type's base
 * type (Q4_K_M -> q4_K); the interpreter (choose.c) then takes the FIRST
 * CHOOSE row whose file types, class and condition all match and applies
 * its result, then every matching ADJUST row in order.  No matching row:
 * the base type stays.  "Position" and the class names are explained in
 * mix_internal.h.
 *
 * Row order matters exactly where llama.cpp's if/else chain puts one test
 * before another: the output head first, then MXFP4_MOE, then untied token
 * embeddings, then the low-bit IQ family (which claims all its tensors),
 * then the per-category chains.  Rows within a category are in llama.cpp's
 * order.  A MIX_KEEP row stops the search without changing the type.
 *
 * Not here because they are options, not policy (choose.c applies them):
 * --output-tensor-type, --token-embedding-type, --tensor-type, --pure,
 * --leave-output-tensor, and the shape fallback.
 *
 * llama.cpp also has rules for ATTENTION_QKV in its general chain; they can
 * never fire (attn_qkv is "attn_v-like" and takes the attn_v branch first),
 * so they are not rows here. */
#include "mix_internal.h"

/* The very-low-bit IQ family: llama.cpp handles these file types in one
 * branch of their own. */
#define LOWBIT_IQ (FTS(FT_IQ2_XXS) | FTS(FT_IQ2_XS) | FTS(FT_IQ1_S) | FTS(FT_IQ2_S) | FTS(FT_IQ2_M) | FTS(FT_IQ1_M))
#define IQ2_S_OR_M (FTS(FT_IQ2_S) | FTS(FT_IQ2_M))
/* File types whose attn_v rows and adjustments live in the general chain. */
#define GENERAL_FTYPES (FTS_ALL & ~LOWBIT_IQ & ~FTS(FT_MXFP4_MOE))

#define CHOOSE STAGE_CHOOSE
#define ADJUST STAGE_ADJUST

const mix_rule gq_mix_rules[] = {
    /* ---- output head (output.weight, or the token embedding when tied) */
    { CHOOSE, FTS(FT_MXFP4_MOE), CLASS_OUTPUT_HEAD, COND_ALWAYS, GQ_TYPE_Q8_0,
      "MXFP4 mixes keep the output head at q8_0" },
    { CHOOSE, FTS_ALL, CLASS_OUTPUT_HEAD, COND_FALCON_OR_ROW_MISFIT, GQ_TYPE_Q8_0,
      "falcon, or a row length the k-quant block does not divide: q8_0 head" },
    { CHOOSE, LOWBIT_IQ | FTS(FT_IQ3_XXS), CLASS_OUTPUT_HEAD, COND_ALWAYS, GQ_TYPE_Q5_K,
      "very-low-bit mixes: q5_K head" },
    { CHOOSE, FTS_ALL, CLASS_OUTPUT_HEAD, COND_CURRENT_NOT_Q8_0, GQ_TYPE_Q6_K,
      "the output head is the most sensitive matrix: q6_K (q8_0 mixes keep q8_0)" },

    /* ---- MXFP4_MOE: stacked experts in mxfp4, everything else q8_0 */
    { CHOOSE, FTS(FT_MXFP4_MOE), CLASS_ALL_BUT_HEAD, COND_EXPERT_DIM, GQ_TYPE_MXFP4,
      "MXFP4_MOE: expert tensors in mxfp4" },
    { CHOOSE, FTS(FT_MXFP4_MOE), CLASS_ALL_BUT_HEAD, COND_ALWAYS, GQ_TYPE_Q8_0,
      "MXFP4_MOE: non-expert tensors in q8_0" },

    /* ---- token embeddings that are not tied to the output */
    { CHOOSE, FTS(FT_IQ2_XXS) | FTS(FT_IQ2_XS) | FTS(FT_IQ1_S) | FTS(FT_IQ1_M), CLASS_TOKEN_EMBD,
      COND_ALWAYS, GQ_TYPE_Q2_K, "token embeddings of the smallest IQ mixes: q2_K" },
    { CHOOSE, IQ2_S_OR_M | FTS(FT_IQ3_XXS), CLASS_TOKEN_EMBD, COND_ALWAYS, GQ_TYPE_IQ3_S,
      "token embeddings of IQ2_S/IQ2_M/IQ3_XXS: iq3_s" },
    { CHOOSE, FTS(FT_TQ1_0) | FTS(FT_TQ2_0) | FTS(FT_Q2_0), CLASS_TOKEN_EMBD, COND_ALWAYS,
      GQ_TYPE_Q4_K, "ternary and Q2_0 mixes: q4_K token embeddings" },

    /* ---- the very-low-bit IQ family (IQ1_S, IQ1_M, IQ2_XXS, IQ2_XS, IQ2_S, IQ2_M) */
    { CHOOSE, LOWBIT_IQ, CLASS_ATTN_V, COND_GQA_4_OR_EXPERTS_4, GQ_TYPE_Q4_K,
      "shared KV heads (GQA >= 4) or >= 4 experts make attn_v small: q4_K is cheap" },
    { CHOOSE, IQ2_S_OR_M, CLASS_ATTN_V, COND_ALWAYS, GQ_TYPE_IQ3_S,
      "IQ2_S/IQ2_M: attn_v one step up, iq3_s" },
    { CHOOSE, LOWBIT_IQ, CLASS_ATTN_V, COND_ALWAYS, GQ_TYPE_Q2_K,
      "smallest IQ mixes: attn_v in q2_K" },
    { CHOOSE, LOWBIT_IQ, CLASS_ATTN_K, COND_EXPERTS_8, GQ_TYPE_Q4_K,
      "8-expert models: attn_k is shared by all experts, q4_K" },
    { CHOOSE, IQ2_S_OR_M, CLASS_FFN_DOWN, COND_SEEN_FIRST_EIGHTH, GQ_TYPE_IQ3_S,
      "IQ2_S/IQ2_M: the first eighth of ffn_down tensors in iq3_s" },
    { CHOOSE, LOWBIT_IQ, CLASS_FFN_DOWN, COND_SEEN_FIRST_EIGHTH, GQ_TYPE_Q2_K,
      "smallest IQ mixes: the first eighth of ffn_down tensors in q2_K" },
    { CHOOSE, LOWBIT_IQ, CLASS_ATTN_OUTPUT, COND_EXPERTS_8, GQ_TYPE_Q5_K,
      "8-expert models: attn_output is shared, q5_K" },
    { CHOOSE, FTS(FT_IQ1_S) | FTS(FT_IQ1_M), CLASS_ATTN_OUTPUT, COND_ALWAYS, GQ_TYPE_IQ2_XXS,
      "IQ1 mixes: attn_output one step up, iq2_xxs" },
    { CHOOSE, IQ2_S_OR_M, CLASS_ATTN_OUTPUT, COND_ALWAYS, GQ_TYPE_IQ3_S,
      "IQ2_S/IQ2_M: attn_output in iq3_s" },

    /* ---- attn_v (and attn_qkv, attn_kv_b): carries the values, small with GQA */
    { CHOOSE, FTS(FT_Q2_K), CLASS_ATTN_V, COND_GQA_4, GQ_TYPE_Q4_K,
      "Q2_K: attn_v in q4_K when GQA >= 4 makes it small" },
    { CHOOSE, FTS(FT_Q2_K), CLASS_ATTN_V, COND_ALWAYS, GQ_TYPE_Q3_K,
      "Q2_K: attn_v in q3_K" },
    { CHOOSE, FTS(FT_Q2_K_S), CLASS_ATTN_V, COND_GQA_4, GQ_TYPE_Q4_K,
      "Q2_K_S: attn_v in q4_K when GQA >= 4" },
    { CHOOSE, FTS(FT_IQ3_XXS), CLASS_ATTN_V, COND_GQA_4, GQ_TYPE_Q4_K,
      "IQ3_XXS: attn_v in q4_K when GQA >= 4" },
    { CHOOSE, FTS(FT_IQ3_XXS), CLASS_ATTN_V, COND_NO_IMATRIX, GQ_TYPE_IQ3_S,
      "IQ3_XXS without importance matrix: attn_v in iq3_s" },
    { CHOOSE, FTS(FT_IQ3_XXS), CLASS_ATTN_V, COND_ALWAYS, GQ_TYPE_IQ3_XXS,
      "IQ3_XXS with importance matrix: attn_v stays iq3_xxs" },
    { CHOOSE, FTS(FT_IQ3_XS) | FTS(FT_IQ3_S), CLASS_ATTN_V, COND_GQA_4, GQ_TYPE_Q4_K,
      "IQ3_XS/IQ3_S: attn_v in q4_K when GQA >= 4" },
    { CHOOSE, FTS(FT_IQ3_M), CLASS_ATTN_V, COND_ALWAYS, GQ_TYPE_Q4_K,
      "IQ3_M: attn_v in q4_K" },
    { CHOOSE, FTS(FT_Q3_K_M), CLASS_ATTN_V, COND_FIRST_TWO, GQ_TYPE_Q5_K,
      "Q3_K_M: the first two attn_v in q5_K" },
    { CHOOSE, FTS(FT_Q3_K_M), CLASS_ATTN_V, COND_ALWAYS, GQ_TYPE_Q4_K,
      "Q3_K_M: the other attn_v in q4_K" },
    { CHOOSE, FTS(FT_Q3_K_L), CLASS_ATTN_V, COND_ALWAYS, GQ_TYPE_Q5_K,
      "Q3_K_L: attn_v in q5_K" },
    { CHOOSE, FTS(FT_IQ4_NL) | FTS(FT_IQ4_XS), CLASS_ATTN_V, COND_GQA_4, GQ_TYPE_Q5_K,
      "IQ4_NL/IQ4_XS: attn_v in q5_K when GQA >= 4" },
    { CHOOSE, FTS(FT_Q4_K_M) | FTS(FT_Q5_K_M), CLASS_ATTN_V, COND_MORE_BITS, GQ_TYPE_Q6_K,
      "Q4_K_M/Q5_K_M: attn_v of the use_more_bits layers in q6_K" },
    { CHOOSE, FTS(FT_Q4_K_S), CLASS_ATTN_V, COND_FIRST_FOUR, GQ_TYPE_Q5_K,
      "Q4_K_S: the first four attn_v in q5_K" },
    { ADJUST, GENERAL_FTYPES, CLASS_ATTN_V, COND_70B_Q3_K_OR_Q4_K, GQ_TYPE_Q5_K,
      "70B models share attn_v among 8 heads: 8x smaller, so q5_K costs little" },
    { ADJUST, GENERAL_FTYPES, CLASS_ATTN_V, COND_EXPERTS_8, GQ_TYPE_Q8_0,
      "8-expert models: attn_v in q8_0 costs ~128 MB and helps" },

    /* ---- attn_k */
    { CHOOSE, FTS_ALL, CLASS_ATTN_K, COND_EXPERTS_8, GQ_TYPE_Q8_0,
      "8-expert models: attn_k in q8_0" },
    { CHOOSE, FTS(FT_IQ3_XS), CLASS_ATTN_K, COND_ALWAYS, GQ_TYPE_IQ3_XXS,
      "IQ3_XS: attn_k one step down, iq3_xxs" },
    { CHOOSE, FTS(FT_IQ3_XXS), CLASS_ATTN_K, COND_ALWAYS, GQ_TYPE_IQ2_S,
      "IQ3_XXS: attn_k in iq2_s" },

    /* ---- attn_q */
    { CHOOSE, FTS(FT_IQ3_XS), CLASS_ATTN_Q, COND_ALWAYS, GQ_TYPE_IQ3_XXS,
      "IQ3_XS: attn_q one step down, iq3_xxs" },
    { CHOOSE, FTS(FT_IQ3_XXS), CLASS_ATTN_Q, COND_ALWAYS, GQ_TYPE_IQ2_S,
      "IQ3_XXS: attn_q in iq2_s" },

    /* ---- ffn_down: the most quantization-sensitive FFN matrix */
    { CHOOSE, FTS(FT_Q2_K), CLASS_FFN_DOWN, COND_ALWAYS, GQ_TYPE_Q3_K,
      "Q2_K: ffn_down in q3_K" },
    { CHOOSE, FTS(FT_Q2_K_S), CLASS_FFN_DOWN, COND_FIRST_EIGHTH, GQ_TYPE_Q4_K,
      "Q2_K_S: ffn_down of the first eighth of layers in q4_K" },
    { CHOOSE, FTS(FT_IQ3_XXS), CLASS_FFN_DOWN, COND_FIRST_EIGHTH_NO_IMATRIX, GQ_TYPE_Q4_K,
      "IQ3_XXS without importance matrix: first-eighth ffn_down in q4_K" },
    { CHOOSE, FTS(FT_IQ3_XXS), CLASS_FFN_DOWN, COND_NO_IMATRIX, GQ_TYPE_Q3_K,
      "IQ3_XXS without importance matrix: ffn_down in q3_K" },
    { CHOOSE, FTS(FT_Q3_K_M), CLASS_FFN_DOWN, COND_FIRST_SIXTEENTH, GQ_TYPE_Q5_K,
      "Q3_K_M: ffn_down of the first sixteenth of layers in q5_K" },
    { CHOOSE, FTS(FT_Q3_K_M), CLASS_FFN_DOWN, COND_NOT_FALCON, GQ_TYPE_Q4_K,
      "Q3_K_M: ffn_down in q4_K" },
    { CHOOSE, FTS(FT_Q3_K_M), CLASS_FFN_DOWN, COND_MORE_BITS, GQ_TYPE_Q4_K,
      "Q3_K_M falcon: use_more_bits layers in q4_K" },
    { CHOOSE, FTS(FT_Q3_K_M), CLASS_FFN_DOWN, COND_ALWAYS, GQ_TYPE_Q3_K,
      "Q3_K_M falcon: other layers in q3_K" },
    { CHOOSE, FTS(FT_IQ3_M), CLASS_FFN_DOWN, COND_FIRST_EIGHTH_OR_EXPERTS_8_MORE_BITS, GQ_TYPE_Q4_K,
      "IQ3_M: first eighth (and use_more_bits layers of 8-expert models) in q4_K" },
    { CHOOSE, FTS(FT_Q3_K_L), CLASS_FFN_DOWN, COND_FALCON, GQ_TYPE_Q4_K,
      "Q3_K_L falcon: ffn_down in q4_K" },
    { CHOOSE, FTS(FT_Q3_K_L), CLASS_FFN_DOWN, COND_ALWAYS, GQ_TYPE_Q5_K,
      "Q3_K_L: ffn_down in q5_K" },
    { CHOOSE, FTS(FT_Q4_K_M), CLASS_FFN_DOWN, COND_FALCON_FIRST_SIXTEENTH, GQ_TYPE_Q6_K,
      "Q4_K_M falcon: first sixteenth of ffn_down in q6_K" },
    { CHOOSE, FTS(FT_Q4_K_M), CLASS_FFN_DOWN, COND_FALCON_MORE_BITS, GQ_TYPE_Q5_K,
      "Q4_K_M falcon: use_more_bits layers in q5_K" },
    { CHOOSE, FTS(FT_Q4_K_M), CLASS_FFN_DOWN, COND_FALCON, MIX_KEEP,
      "Q4_K_M falcon: other ffn_down keep q4_K" },
    { CHOOSE, FTS(FT_Q4_K_M), CLASS_FFN_DOWN, COND_MORE_BITS, GQ_TYPE_Q6_K,
      "Q4_K_M: ffn_down of the use_more_bits layers in q6_K" },
    { CHOOSE, FTS(FT_IQ4_NL) | FTS(FT_IQ4_XS), CLASS_FFN_DOWN, COND_FIRST_EIGHTH_NO_IMATRIX,
      GQ_TYPE_Q5_K, "IQ4_NL/IQ4_XS without importance matrix: first-eighth ffn_down in q5_K" },
    { CHOOSE, FTS(FT_Q5_K_M), CLASS_FFN_DOWN, COND_MORE_BITS, GQ_TYPE_Q6_K,
      "Q5_K_M: ffn_down of the use_more_bits layers in q6_K" },
    { CHOOSE, FTS(FT_Q4_K_S), CLASS_FFN_DOWN, COND_NOT_FALCON_FIRST_EIGHTH, GQ_TYPE_Q5_K,
      "Q4_K_S: ffn_down of the first eighth of layers in q5_K" },
    { CHOOSE, FTS(FT_Q4_0), CLASS_FFN_DOWN, COND_FIRST_EIGHTH_WITH_IMATRIX, GQ_TYPE_Q4_1,
      "Q4_0 with importance matrix: guard the first ffn_down layers with q4_1" },
    { CHOOSE, FTS(FT_Q5_0), CLASS_FFN_DOWN, COND_FIRST_EIGHTH_WITH_IMATRIX, GQ_TYPE_Q5_1,
      "Q5_0 with importance matrix: guard the first ffn_down layers with q5_1" },

    /* ---- attn_output */
    { CHOOSE, FTS(FT_Q2_K) | FTS(FT_IQ3_XS) | FTS(FT_IQ3_XXS) | FTS(FT_Q3_K_S) | FTS(FT_Q3_K_M) |
              FTS(FT_IQ4_NL) | FTS(FT_Q4_K_S) | FTS(FT_Q4_K_M) | FTS(FT_IQ3_S) | FTS(FT_IQ3_M) |
              FTS(FT_IQ4_XS),
      CLASS_ATTN_OUTPUT, COND_NOT_FALCON_EXPERTS_8, GQ_TYPE_Q5_K,
      "8-expert models: attn_output is shared by all experts, q5_K" },
    { CHOOSE, FTS_ALL, CLASS_ATTN_OUTPUT, COND_NOT_FALCON_EXPERTS_8, MIX_KEEP,
      "8-expert models, other mixes: attn_output keeps the base type" },
    { CHOOSE, FTS(FT_Q2_K), CLASS_ATTN_OUTPUT, COND_NOT_FALCON, GQ_TYPE_Q3_K,
      "Q2_K: attn_output in q3_K" },
    { CHOOSE, FTS(FT_IQ3_XXS), CLASS_ATTN_OUTPUT, COND_NOT_FALCON, GQ_TYPE_IQ3_S,
      "IQ3_XXS: attn_output in iq3_s" },
    { CHOOSE, FTS(FT_Q3_K_M), CLASS_ATTN_OUTPUT, COND_NOT_FALCON, GQ_TYPE_Q4_K,
      "Q3_K_M: attn_output in q4_K" },
    { CHOOSE, FTS(FT_Q3_K_L), CLASS_ATTN_OUTPUT, COND_NOT_FALCON, GQ_TYPE_Q5_K,
      "Q3_K_L: attn_output in q5_K" },
    { CHOOSE, FTS(FT_IQ3_M), CLASS_ATTN_OUTPUT, COND_NOT_FALCON, GQ_TYPE_Q4_K,
      "IQ3_M: attn_output in q4_K" },
    { CHOOSE, FTS(FT_Q3_K_L), CLASS_ATTN_OUTPUT, COND_FALCON, GQ_TYPE_Q4_K,
      "Q3_K_L falcon: attn_output in q4_K" },

    /* ---- ffn_gate / ffn_up */
    { CHOOSE, FTS(FT_IQ3_XS), CLASS_FFN_GATE, COND_MIDDLE, GQ_TYPE_IQ3_XXS,
      "IQ3_XS: ffn_gate of the middle layers one step down, iq3_xxs" },
    { CHOOSE, FTS(FT_IQ3_XS), CLASS_FFN_UP, COND_MIDDLE, GQ_TYPE_IQ3_XXS,
      "IQ3_XS: ffn_up of the middle layers one step down, iq3_xxs" },
};

const size_t gq_mix_rule_count = sizeof gq_mix_rules / sizeof gq_mix_rules[0];

/* ---------------------------------------------------------- shape fallback */

typedef struct fallback_row {
    uint32_t from;
    uint32_t to;
} fallback_row;

/* When ne0 is not a multiple of a type's block (256 for k-quants and most
 * IQ types), llama.cpp substitutes a 32-block type of similar size. */
static const fallback_row fallbacks[] = {
    { GQ_TYPE_IQ1_S, GQ_TYPE_IQ4_NL },   { GQ_TYPE_IQ1_M, GQ_TYPE_IQ4_NL },
    { GQ_TYPE_IQ2_XXS, GQ_TYPE_IQ4_NL }, { GQ_TYPE_IQ2_XS, GQ_TYPE_IQ4_NL },
    { GQ_TYPE_IQ2_S, GQ_TYPE_IQ4_NL },   { GQ_TYPE_IQ3_XXS, GQ_TYPE_IQ4_NL },
    { GQ_TYPE_IQ3_S, GQ_TYPE_IQ4_NL },   { GQ_TYPE_IQ4_XS, GQ_TYPE_IQ4_NL },
    { GQ_TYPE_Q2_0, GQ_TYPE_Q4_0 },      { GQ_TYPE_Q2_K, GQ_TYPE_Q4_0 },
    { GQ_TYPE_Q3_K, GQ_TYPE_Q4_0 },      { GQ_TYPE_TQ1_0, GQ_TYPE_Q4_0 },
    { GQ_TYPE_TQ2_0, GQ_TYPE_Q4_0 },     { GQ_TYPE_Q4_K, GQ_TYPE_Q5_0 },
    { GQ_TYPE_Q5_K, GQ_TYPE_Q5_1 },      { GQ_TYPE_Q6_K, GQ_TYPE_Q8_0 },
};

int mix_fallback_type(uint32_t type) {
    for (size_t i = 0; i < sizeof fallbacks / sizeof fallbacks[0]; i++)
        if (fallbacks[i].from == type) return (int)fallbacks[i].to;
    return -1;
}
