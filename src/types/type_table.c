/* The one table of ggml tensor types (see include/gq/types.h). */
#include "gq/types.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "blocks.h"

#define SCALAR(ID, NAME, BYTES, FLOAT) \
    [ID] = { .id = ID, .name = NAME, .block_size = 1, .type_size = BYTES, .is_float = FLOAT }
#define BLOCK(ID, NAME, QK, STRUCT) \
    [ID] = { .id = ID, .name = NAME, .block_size = QK, .type_size = sizeof(STRUCT), .quantized = true }
#define BLOCK_IMAT(ID, NAME, QK, STRUCT) \
    [ID] = { .id = ID, .name = NAME, .block_size = QK, .type_size = sizeof(STRUCT), .quantized = true, \
             .needs_imatrix = true }
#define REMOVED(ID, NAME) [ID] = { .id = ID, .name = NAME, .removed = true }

static const gq_type_info type_table[GQ_TYPE_COUNT] = {
    SCALAR(GQ_TYPE_F32, "f32", 4, true),
    SCALAR(GQ_TYPE_F16, "f16", 2, true),
    BLOCK(GQ_TYPE_Q4_0, "q4_0", GQ_QK4_0, block_q4_0),
    BLOCK(GQ_TYPE_Q4_1, "q4_1", GQ_QK4_1, block_q4_1),
    REMOVED(4, "q4_2"),
    REMOVED(5, "q4_3"),
    BLOCK(GQ_TYPE_Q5_0, "q5_0", GQ_QK5_0, block_q5_0),
    BLOCK(GQ_TYPE_Q5_1, "q5_1", GQ_QK5_1, block_q5_1),
    BLOCK(GQ_TYPE_Q8_0, "q8_0", GQ_QK8_0, block_q8_0),
    BLOCK(GQ_TYPE_Q8_1, "q8_1", GQ_QK8_1, block_q8_1),
    BLOCK(GQ_TYPE_Q2_K, "q2_K", GQ_QK_K, block_q2_K),
    BLOCK(GQ_TYPE_Q3_K, "q3_K", GQ_QK_K, block_q3_K),
    BLOCK(GQ_TYPE_Q4_K, "q4_K", GQ_QK_K, block_q4_K),
    BLOCK(GQ_TYPE_Q5_K, "q5_K", GQ_QK_K, block_q5_K),
    BLOCK(GQ_TYPE_Q6_K, "q6_K", GQ_QK_K, block_q6_K),
    BLOCK(GQ_TYPE_Q8_K, "q8_K", GQ_QK_K, block_q8_K),
    BLOCK_IMAT(GQ_TYPE_IQ2_XXS, "iq2_xxs", GQ_QK_K, block_iq2_xxs),
    BLOCK_IMAT(GQ_TYPE_IQ2_XS, "iq2_xs", GQ_QK_K, block_iq2_xs),
    BLOCK(GQ_TYPE_IQ3_XXS, "iq3_xxs", GQ_QK_K, block_iq3_xxs),
    BLOCK_IMAT(GQ_TYPE_IQ1_S, "iq1_s", GQ_QK_K, block_iq1_s),
    BLOCK(GQ_TYPE_IQ4_NL, "iq4_nl", GQ_QK4_NL, block_iq4_nl),
    BLOCK(GQ_TYPE_IQ3_S, "iq3_s", GQ_QK_K, block_iq3_s),
    BLOCK(GQ_TYPE_IQ2_S, "iq2_s", GQ_QK_K, block_iq2_s),
    BLOCK(GQ_TYPE_IQ4_XS, "iq4_xs", GQ_QK_K, block_iq4_xs),
    SCALAR(GQ_TYPE_I8, "i8", 1, false),
    SCALAR(GQ_TYPE_I16, "i16", 2, false),
    SCALAR(GQ_TYPE_I32, "i32", 4, false),
    SCALAR(GQ_TYPE_I64, "i64", 8, false),
    SCALAR(GQ_TYPE_F64, "f64", 8, true),
    BLOCK(GQ_TYPE_IQ1_M, "iq1_m", GQ_QK_K, block_iq1_m),
    SCALAR(GQ_TYPE_BF16, "bf16", 2, true),
    REMOVED(31, "q4_0_4_4"),
    REMOVED(32, "q4_0_4_8"),
    REMOVED(33, "q4_0_8_8"),
    BLOCK(GQ_TYPE_TQ1_0, "tq1_0", GQ_QK_K, block_tq1_0),
    BLOCK(GQ_TYPE_TQ2_0, "tq2_0", GQ_QK_K, block_tq2_0),
    REMOVED(36, "iq4_nl_4_4"),
    REMOVED(37, "iq4_nl_4_8"),
    REMOVED(38, "iq4_nl_8_8"),
    BLOCK(GQ_TYPE_MXFP4, "mxfp4", GQ_QK_MXFP4, block_mxfp4),
    BLOCK(GQ_TYPE_NVFP4, "nvfp4", GQ_QK_NVFP4, block_nvfp4),
    BLOCK(GQ_TYPE_Q1_0, "q1_0", GQ_QK1_0, block_q1_0),
    BLOCK(GQ_TYPE_Q2_0, "q2_0", GQ_QK2_0, block_q2_0),
};

const gq_type_info *gq_type_get(uint32_t id) {
    if (id >= GQ_TYPE_COUNT) return NULL;
    return &type_table[id];
}

int gq_type_from_name(const char *name) {
    if (!name) return -1;
    for (uint32_t id = 0; id < GQ_TYPE_COUNT; id++) {
        const gq_type_info *t = &type_table[id];
        if (t->removed) continue;
        const char *a = t->name, *b = name;
        while (*a && *b && tolower((unsigned char)*a) == tolower((unsigned char)*b)) { a++; b++; }
        if (*a == 0 && *b == 0) return (int)id;
    }
    return -1;
}

const char *gq_type_name(uint32_t id) {
    /* Ids a fork may write (64-66 ...) still get a printable name; the
     * buffer is per thread and valid until that thread's next call. */
    static _Thread_local char unknown_name[24];
    if (id < GQ_TYPE_COUNT) return type_table[id].name;
    snprintf(unknown_name, sizeof unknown_name, "unknown(%u)", (unsigned)id);
    return unknown_name;
}

bool gq_type_row_bytes(uint32_t id, uint64_t n, uint64_t *bytes) {
    const gq_type_info *t = gq_type_get(id);
    if (!t || t->removed || t->block_size == 0) return false;
    if (n % t->block_size) return false;
    uint64_t blocks = n / t->block_size;
    if (t->type_size && blocks > UINT64_MAX / t->type_size) return false;
    *bytes = blocks * t->type_size;
    return true;
}
