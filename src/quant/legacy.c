/* Scalar reference kernels for the legacy 32-element block types:
 * q4_0 q4_1 q5_0 q5_1 q8_0 (quantize + dequantize) and q8_1 (dequantize).
 *
 * Bit-exact with ggml means the same float operations in the same order:
 * every expression below keeps ggml's association ((a*b)*c is not a*(b*c)),
 * and the build forbids FMA contraction.  Where ggml casts a possibly
 * infinite or NaN float to a small integer (a subnormal block scale has an
 * infinite reciprocal), float_to_int.h gives what ggml's x86 build got.
 *
 * Quantizing follows ggml_quantize_chunk: without importance weights each
 * block is rounded on its own against its largest value (or its min/max
 * range for the _1 types).  With importance weights, q4_0 q4_1 q5_0 q5_1
 * instead search for the scale (and min) that minimizes the weighted
 * squared error, the weight of an element being its importance times
 * sqrt(sigma2 + x^2), sigma2 being the row's mean square; q8_0 ignores them.
 *
 * Block data is read and written through a local copy of each block, so any
 * byte offset works (tensor data need not be aligned). */
#include <float.h>
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "blocks.h"
#include "float_to_int.h"
#include "float_max.h"
#include "fp16.h"
#include "kernels.h"
#include "scale_search.h"

/* ---------------------------------------------------------------- dequantize */

static void dequant_q4_0(const void *src, float *dst, int64_t n) {
    const uint8_t *p = src;
    for (int64_t ib = 0; ib < n / GQ_QK4_0; ib++) {
        block_q4_0 b;
        memcpy(&b, p + (size_t)ib * sizeof b, sizeof b);
        const float d = gq_fp16_to_fp32(b.d);
        float *y = dst + ib * GQ_QK4_0;
        for (int j = 0; j < GQ_QK4_0 / 2; j++) {
            /* low nibbles hold elements 0..15, high nibbles 16..31; codes are offset by 8 */
            y[j] = (float)((b.qs[j] & 0x0f) - 8) * d;
            y[j + GQ_QK4_0 / 2] = (float)((b.qs[j] >> 4) - 8) * d;
        }
    }
}

static void dequant_q4_1(const void *src, float *dst, int64_t n) {
    const uint8_t *p = src;
    for (int64_t ib = 0; ib < n / GQ_QK4_1; ib++) {
        block_q4_1 b;
        memcpy(&b, p + (size_t)ib * sizeof b, sizeof b);
        const float d = gq_fp16_to_fp32(b.d);
        const float m = gq_fp16_to_fp32(b.m);
        float *y = dst + ib * GQ_QK4_1;
        for (int j = 0; j < GQ_QK4_1 / 2; j++) {
            y[j] = (float)(b.qs[j] & 0x0f) * d + m;
            y[j + GQ_QK4_1 / 2] = (float)(b.qs[j] >> 4) * d + m;
        }
    }
}

/* The fifth bit of element j (0..31) of a q5 block sits in bit j of qh. */
static inline int q5_high_bit(uint32_t qh, int j) { return (int)((qh >> j) & 1u) << 4; }

static void dequant_q5_0(const void *src, float *dst, int64_t n) {
    const uint8_t *p = src;
    for (int64_t ib = 0; ib < n / GQ_QK5_0; ib++) {
        block_q5_0 b;
        memcpy(&b, p + (size_t)ib * sizeof b, sizeof b);
        const float d = gq_fp16_to_fp32(b.d);
        uint32_t qh;
        memcpy(&qh, b.qh, sizeof qh);
        float *y = dst + ib * GQ_QK5_0;
        for (int j = 0; j < GQ_QK5_0 / 2; j++) {
            const int lo = ((b.qs[j] & 0x0f) | q5_high_bit(qh, j)) - 16;
            const int hi = ((b.qs[j] >> 4) | q5_high_bit(qh, j + GQ_QK5_0 / 2)) - 16;
            y[j] = (float)lo * d;
            y[j + GQ_QK5_0 / 2] = (float)hi * d;
        }
    }
}

static void dequant_q5_1(const void *src, float *dst, int64_t n) {
    const uint8_t *p = src;
    for (int64_t ib = 0; ib < n / GQ_QK5_1; ib++) {
        block_q5_1 b;
        memcpy(&b, p + (size_t)ib * sizeof b, sizeof b);
        const float d = gq_fp16_to_fp32(b.d);
        const float m = gq_fp16_to_fp32(b.m);
        uint32_t qh;
        memcpy(&qh, b.qh, sizeof qh);
        float *y = dst + ib * GQ_QK5_1;
        for (int j = 0; j < GQ_QK5_1 / 2; j++) {
            const int lo = (b.qs[j] & 0x0f) | q5_high_bit(qh, j);
            const int hi = (b.qs[j] >> 4) | q5_high_bit(qh, j + GQ_QK5_1 / 2);
            y[j] = (float)lo * d + m;
            y[j + GQ_QK5_1 / 2] = (float)hi * d + m;
        }
    }
}

/* The 8-bit types read their codes where they lie instead of copying the
 * block to a local struct first: the copy's 16-byte stores and the code
 * loads at offset 2 (or 4) overlap without matching, so every load waited
 * for a failed store-to-load forward, which made this loop three times
 * slower than ggml's.  Only the 2-byte scale goes through memcpy (the
 * blocks are not aligned). */
static inline void dequant_q8_codes(const uint8_t *block, size_t d_offset, size_t qs_offset, float *y) {
    gq_half dh;
    memcpy(&dh, block + d_offset, sizeof dh);
    const float d = gq_fp16_to_fp32(dh);
    const int8_t *qs = (const int8_t *)(block + qs_offset);
    for (int j = 0; j < GQ_QK8_0; j++) y[j] = (float)qs[j] * d;
}
_Static_assert(GQ_QK8_1 == GQ_QK8_0, "q8_0 and q8_1 blocks hold the same number of codes");

static void dequant_q8_0(const void *src, float *dst, int64_t n) {
    const uint8_t *p = src;
    for (int64_t ib = 0; ib < n / GQ_QK8_0; ib++)
        dequant_q8_codes(p + (size_t)ib * sizeof(block_q8_0), offsetof(block_q8_0, d), offsetof(block_q8_0, qs),
                         dst + ib * GQ_QK8_0);
}

/* q8_1 is the activation format of ggml's dot products: ggml has no to_float
 * for it.  Its s field only caches d * sum(qs) for those dot products, so the
 * values are qs * d, exactly as for q8_0; s is not part of the values. */
static void dequant_q8_1(const void *src, float *dst, int64_t n) {
    const uint8_t *p = src;
    for (int64_t ib = 0; ib < n / GQ_QK8_1; ib++)
        dequant_q8_codes(p + (size_t)ib * sizeof(block_q8_1), offsetof(block_q8_1, d), offsetof(block_q8_1, qs),
                         dst + ib * GQ_QK8_1);
}

/* ---------------------------------------------------------------- plain quantizers */

static void min_max(const float *x, int n, float *min_out, float *max_out) {
    float min = FLT_MAX, max = -FLT_MAX;
    for (int j = 0; j < n; j++) {
        if (x[j] < min) min = x[j];
        if (x[j] > max) max = x[j];
    }
    *min_out = min;
    *max_out = max;
}

static void quant_block_q4_0(const float *x, block_q4_0 *y) {
    float amax;
    const float max = gq_signed_abs_max(x, GQ_QK4_0, &amax);
    const float d = max / -8;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    y->d = gq_fp32_to_fp16(d);
    for (int j = 0; j < GQ_QK4_0 / 2; j++) {
        /* x*id lies in [-8, 8]; +8.5 then truncation rounds to the code 0..16, capped at 15 */
        int8_t c0 = gq_cvtt_i8(x[j] * id + 8.5f);
        int8_t c1 = gq_cvtt_i8(x[j + GQ_QK4_0 / 2] * id + 8.5f);
        const uint8_t lo = (uint8_t)(c0 < 15 ? c0 : 15);
        const uint8_t hi = (uint8_t)(c1 < 15 ? c1 : 15);
        y->qs[j] = (uint8_t)(lo | (hi << 4));
    }
}

static void quant_block_q4_1(const float *x, block_q4_1 *y) {
    float min, max;
    min_max(x, GQ_QK4_1, &min, &max);
    const float d = (max - min) / 15;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    y->d = gq_fp32_to_fp16(d);
    y->m = gq_fp32_to_fp16(min);
    for (int j = 0; j < GQ_QK4_1 / 2; j++) {
        int8_t c0 = gq_cvtt_i8((x[j] - min) * id + 0.5f);
        int8_t c1 = gq_cvtt_i8((x[j + GQ_QK4_1 / 2] - min) * id + 0.5f);
        const uint8_t lo = (uint8_t)(c0 < 15 ? c0 : 15);
        const uint8_t hi = (uint8_t)(c1 < 15 ? c1 : 15);
        y->qs[j] = (uint8_t)(lo | (hi << 4));
    }
}

/* Packs 32 five-bit codes: low nibbles as q4 does, the fifth bits into qh. */
static void pack_q5(const uint8_t codes[32], uint8_t qs[16], uint8_t qh_out[4]) {
    uint32_t qh = 0;
    for (int j = 0; j < 16; j++) {
        qs[j] = (uint8_t)((codes[j] & 0x0f) | ((codes[j + 16] & 0x0f) << 4));
        qh |= (uint32_t)((codes[j] & 0x10u) >> 4) << j;
        qh |= (uint32_t)((codes[j + 16] & 0x10u) >> 4) << (j + 16);
    }
    memcpy(qh_out, &qh, sizeof qh);
}

static void quant_block_q5_0(const float *x, block_q5_0 *y) {
    float amax;
    const float max = gq_signed_abs_max(x, GQ_QK5_0, &amax);
    const float d = max / -16;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    y->d = gq_fp32_to_fp16(d);
    uint8_t codes[GQ_QK5_0];
    for (int j = 0; j < GQ_QK5_0; j++) {
        int8_t c = gq_cvtt_i8(x[j] * id + 16.5f);
        codes[j] = (uint8_t)(c < 31 ? c : 31);
    }
    pack_q5(codes, y->qs, y->qh);
}

static void quant_block_q5_1(const float *x, block_q5_1 *y) {
    float min, max;
    min_max(x, GQ_QK5_1, &min, &max);
    const float d = (max - min) / 31;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    y->d = gq_fp32_to_fp16(d);
    y->m = gq_fp32_to_fp16(min);
    uint8_t codes[GQ_QK5_1];
    /* no cap here: ggml relies on (x-min)*id + 0.5 staying below 32 */
    for (int j = 0; j < GQ_QK5_1; j++) codes[j] = gq_cvtt_u8((x[j] - min) * id + 0.5f);
    pack_q5(codes, y->qs, y->qh);
}

static void quant_block_q8_0(const float *x, block_q8_0 *y) {
    const float amax = gq_abs_max(x, GQ_QK8_0);
    const float d = amax / 127;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    y->d = gq_fp32_to_fp16(d);
    /* roundf: halves away from zero, unlike the SIMD round instructions' default */
    for (int j = 0; j < GQ_QK8_0; j++) y->qs[j] = gq_cvtt_i8(roundf(x[j] * id));
}

/* ---------------------------------------------------------------- importance-weighted search */

/* The scale searches themselves (ggml's make_qx_quants for the _0 types,
 * make_qkx3_quants for the _1 types) are the k-quants' ones: scale_search.h. */

/* Mean square of a whole row: the floor under every element's weight, so a
 * near-zero value still counts in proportion to the row's typical size. */
static float row_sigma2(const float *x, int64_t n_per_row) {
    float sum_x2 = 0.0f;
    for (int64_t j = 0; j < n_per_row; j++) sum_x2 += x[j] * x[j];
    return sum_x2 / (float)n_per_row;
}

static void block_weights(const float *x, const float *importance, float sigma2, float *w) {
    for (int j = 0; j < 32; j++) w[j] = importance[j] * sqrtf(sigma2 + x[j] * x[j]);
}

static void quant_row_q4_0_weighted(const float *x, block_q4_0 *blocks, int64_t n_per_row,
                                    const float *importance) {
    const float sigma2 = row_sigma2(x, n_per_row);
    for (int64_t ib = 0; ib < n_per_row / GQ_QK4_0; ib++) {
        const float *xb = x + ib * GQ_QK4_0;
        float w[GQ_QK4_0];
        uint8_t L[GQ_QK4_0];
        block_weights(xb, importance + ib * GQ_QK4_0, sigma2, w);
        block_q4_0 b;
        b.d = gq_fp32_to_fp16(gq_symmetric_search(GQ_QK4_0, 8, xb, L, w));
        for (int j = 0; j < 16; j++) b.qs[j] = (uint8_t)(L[j] | (L[j + 16] << 4));
        memcpy(&blocks[ib], &b, sizeof b);
    }
}

static void quant_row_q4_1_weighted(const float *x, block_q4_1 *blocks, int64_t n_per_row,
                                    const float *importance) {
    const float sigma2 = row_sigma2(x, n_per_row);
    for (int64_t ib = 0; ib < n_per_row / GQ_QK4_1; ib++) {
        const float *xb = x + ib * GQ_QK4_1;
        float w[GQ_QK4_1];
        uint8_t L[GQ_QK4_1];
        float min;
        block_weights(xb, importance + ib * GQ_QK4_1, sigma2, w);
        const float d = gq_affine_search(GQ_QK4_1, 15, xb, w, L, &min, -0.9f, 0.05f, 36, 0);
        block_q4_1 b;
        b.d = gq_fp32_to_fp16(d);
        b.m = gq_fp32_to_fp16(-min);
        for (int j = 0; j < 16; j++) b.qs[j] = (uint8_t)(L[j] | (L[j + 16] << 4));
        memcpy(&blocks[ib], &b, sizeof b);
    }
}

static void quant_row_q5_0_weighted(const float *x, block_q5_0 *blocks, int64_t n_per_row,
                                    const float *importance) {
    const float sigma2 = row_sigma2(x, n_per_row);
    for (int64_t ib = 0; ib < n_per_row / GQ_QK5_0; ib++) {
        const float *xb = x + ib * GQ_QK5_0;
        float w[GQ_QK5_0];
        uint8_t L[GQ_QK5_0];
        block_weights(xb, importance + ib * GQ_QK5_0, sigma2, w);
        block_q5_0 b;
        b.d = gq_fp32_to_fp16(gq_symmetric_search(GQ_QK5_0, 16, xb, L, w));
        pack_q5(L, b.qs, b.qh);
        memcpy(&blocks[ib], &b, sizeof b);
    }
}

static void quant_row_q5_1_weighted(const float *x, block_q5_1 *blocks, int64_t n_per_row,
                                    const float *importance) {
    const float sigma2 = row_sigma2(x, n_per_row);
    for (int64_t ib = 0; ib < n_per_row / GQ_QK5_1; ib++) {
        const float *xb = x + ib * GQ_QK5_1;
        float w[GQ_QK5_1];
        uint8_t L[GQ_QK5_1];
        float min;
        block_weights(xb, importance + ib * GQ_QK5_1, sigma2, w);
        const float d = gq_affine_search(GQ_QK5_1, 31, xb, w, L, &min, -0.9f, 0.05f, 36, 0);
        block_q5_1 b;
        b.d = gq_fp32_to_fp16(d);
        b.m = gq_fp32_to_fp16(-min);
        pack_q5(L, b.qs, b.qh);
        memcpy(&blocks[ib], &b, sizeof b);
    }
}

/* ---------------------------------------------------------------- row drivers */

/* Without weights every block stands alone, so rows need no special care;
 * with weights, each row gets its own sigma2, exactly as ggml loops rows. */
#define LEGACY_QUANTIZER(NAME, BLOCK, QK, PLAIN_BLOCK, WEIGHTED_ROW)                               \
    static void NAME(const float *src, void *dst, int64_t nrows, int64_t n_per_row,                \
                     const float *imatrix) {                                                       \
        BLOCK *out = dst;                                                                          \
        const int64_t blocks_per_row = n_per_row / (QK);                                           \
        for (int64_t r = 0; r < nrows; r++) {                                                      \
            const float *x = src + r * n_per_row;                                                  \
            BLOCK *row_out = out + r * blocks_per_row;                                             \
            if (imatrix) {                                                                         \
                WEIGHTED_ROW(x, row_out, n_per_row, imatrix);                                      \
                continue;                                                                          \
            }                                                                                      \
            for (int64_t ib = 0; ib < blocks_per_row; ib++) {                                      \
                BLOCK b;                                                                           \
                PLAIN_BLOCK(x + ib * (QK), &b);                                                    \
                memcpy(&row_out[ib], &b, sizeof b);                                                \
            }                                                                                      \
        }                                                                                          \
    }

LEGACY_QUANTIZER(quant_q4_0, block_q4_0, GQ_QK4_0, quant_block_q4_0, quant_row_q4_0_weighted)
LEGACY_QUANTIZER(quant_q4_1, block_q4_1, GQ_QK4_1, quant_block_q4_1, quant_row_q4_1_weighted)
LEGACY_QUANTIZER(quant_q5_0, block_q5_0, GQ_QK5_0, quant_block_q5_0, quant_row_q5_0_weighted)
LEGACY_QUANTIZER(quant_q5_1, block_q5_1, GQ_QK5_1, quant_block_q5_1, quant_row_q5_1_weighted)

/* q8_0 has no weighted variant in ggml: importance weights are ignored. */
static void quant_q8_0(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) {
    (void)imatrix;
    uint8_t *out = dst;
    const int64_t nb = nrows * n_per_row / GQ_QK8_0;
    for (int64_t ib = 0; ib < nb; ib++) {
        block_q8_0 b;
        quant_block_q8_0(src + ib * GQ_QK8_0, &b);
        memcpy(out + (size_t)ib * sizeof b, &b, sizeof b);
    }
}

void gq_register_legacy(gq_kernel_table t) {
    t[GQ_TYPE_Q4_0] = (gq_kernels){ dequant_q4_0, quant_q4_0 };
    t[GQ_TYPE_Q4_1] = (gq_kernels){ dequant_q4_1, quant_q4_1 };
    t[GQ_TYPE_Q5_0] = (gq_kernels){ dequant_q5_0, quant_q5_0 };
    t[GQ_TYPE_Q5_1] = (gq_kernels){ dequant_q5_1, quant_q5_1 };
    t[GQ_TYPE_Q8_0] = (gq_kernels){ dequant_q8_0, quant_q8_0 };
    t[GQ_TYPE_Q8_1].dequant = dequant_q8_1;
}
