/* Scalar reference kernels for the low-bit types that are neither k-quants
 * nor i-quants:
 *
 *   q1_0   128 elements: one fp16 scale (mean |x|) and one sign bit each
 *   q2_0    64 elements: one fp16 scale (max |x|) and 2-bit codes -1, 0, 1, 2
 *   tq1_0  256 elements: ternary -1/0/1, five trits per byte (base 3) + fp16 scale
 *   tq2_0  256 elements: ternary -1/0/1 in 2 bits each + fp16 scale
 *   mxfp4   32 elements: FP4 (E2M1) values with a shared power-of-two scale (E8M0)
 *   nvfp4   64 elements: FP4 values with one UE4M3 scale per 16
 *
 * All six quantize the same way with or without importance weights: ggml's
 * quantizers for them take the weights and ignore them.  Every float
 * operation keeps ggml's order; casts of possibly non-finite floats go through
 * float_to_int.h (see there). */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "blocks.h"
#include "float_to_int.h"
#include "fp16.h"
#include "float_max.h"
#include "kernels.h"

/* E2M1 levels doubled (so they are integers): codes 0..7 are +0 .. +6,
 * codes 8..15 the same with the sign bit.  Shared by mxfp4 and nvfp4; the
 * scales are halved to compensate (gq_e8m0_to_fp32_half, gq_ue4m3_to_fp32_half). */
static const int8_t fp4_levels_x2[16] = { 0, 1, 2, 3, 4, 6, 8, 12, 0, -1, -2, -3, -4, -6, -8, -12 };

/* ---------------------------------------------------------------- q1_0 */

static void dequant_q1_0(const void *src, float *dst, int64_t n) {
    const uint8_t *p = src;
    for (int64_t ib = 0; ib < n / GQ_QK1_0; ib++) {
        block_q1_0 b;
        memcpy(&b, p + (size_t)ib * sizeof b, sizeof b);
        const uint32_t d_bits = gq_f32_bits(gq_fp16_to_fp32(b.d));
        float *y = dst + ib * GQ_QK1_0;
        /* bit k of byte i is element 8i + k: +d when set, -d when clear.  Negation is
         * exactly a sign-bit flip (NaN included), done here without a branch. */
        for (int i = 0; i < GQ_QK1_0 / 8; i++) {
            const uint32_t clear = ~(uint32_t)b.qs[i];
            for (int k = 0; k < 8; k++) y[8 * i + k] = gq_f32_from_bits(d_bits ^ (((clear >> k) & 1u) << 31));
        }
    }
}

static void quant_block_q1_0(const float *x, block_q1_0 *y) {
    /* the scale is the mean magnitude: the L1-optimal scale for sign-only codes */
    float sum_abs = 0.0f;
    for (int j = 0; j < GQ_QK1_0; j++) sum_abs += fabsf(x[j]);
    y->d = gq_fp32_to_fp16(sum_abs / GQ_QK1_0);
    for (int i = 0; i < GQ_QK1_0 / 8; i++) {
        unsigned bits = 0;
        for (int k = 0; k < 8; k++) bits |= (unsigned)(x[8 * i + k] >= 0.0f) << k; /* -0.0 counts as positive */
        y->qs[i] = (uint8_t)bits;
    }
}

/* ---------------------------------------------------------------- q2_0 */

static void dequant_q2_0(const void *src, float *dst, int64_t n) {
    const uint8_t *p = src;
    for (int64_t ib = 0; ib < n / GQ_QK2_0; ib++) {
        block_q2_0 b;
        memcpy(&b, p + (size_t)ib * sizeof b, sizeof b);
        const float d = gq_fp16_to_fp32(b.d);
        float *y = dst + ib * GQ_QK2_0;
        for (int j = 0; j < GQ_QK2_0; j++) {
            const int code = (b.qs[j / 4] >> (2 * (j % 4))) & 3; /* 0..3 means -1..2 */
            y[j] = (float)(code - 1) * d;
        }
    }
}

static void quant_block_q2_0(const float *x, block_q2_0 *y) {
    float amax = 0.0f;
    for (int j = 0; j < GQ_QK2_0; j++) {
        const float a = fabsf(x[j]);
        if (a > amax) amax = a; /* not gq_abs_max: this form skips a NaN, ggml's MAX keeps it */
    }
    const float id = amax > 0.0f ? 1.0f / amax : 0.0f;
    y->d = gq_fp32_to_fp16(amax);
    memset(y->qs, 0, sizeof y->qs);
    for (int j = 0; j < GQ_QK2_0; j++) {
        /* roundf then C's int cast; a subnormal amax makes id infinite, hence gq_cvtt_i32
         * (whose largest result is below INT32_MAX, so the +1 cannot overflow) */
        int q = gq_cvtt_i32(roundf(x[j] * id)) + 1;
        q = q < 0 ? 0 : q > 3 ? 3 : q;
        y->qs[j / 4] |= (uint8_t)(q << (2 * (j % 4)));
    }
}

/* ---------------------------------------------------------------- tq1_0 */

/* A byte holds up to five trits t0..t4 as the fraction 0.t0t1t2t3t4 (base 3)
 * scaled to 0..255, rounded up; the k-th trit comes back as the top trit of
 * byte * 3^k (mod 256), i.e. ((byte * 3^k mod 256) * 3) >> 8. */
static inline int tq1_trit(uint8_t byte, int k) {
    static const uint8_t pow3[5] = { 1, 3, 9, 27, 81 };
    const uint8_t shifted = (uint8_t)(byte * pow3[k]);
    return ((uint16_t)shifted * 3) >> 8;
}

static void dequant_tq1_0(const void *src, float *dst, int64_t n) {
    const uint8_t *p = src;
    enum { QS = sizeof(((block_tq1_0 *)0)->qs), QH = sizeof(((block_tq1_0 *)0)->qh) };
    enum { QS_WIDE = QS - QS % 32 }; /* the first 32-byte-wide part of qs */
    for (int64_t ib = 0; ib < n / GQ_QK_K; ib++) {
        block_tq1_0 b;
        memcpy(&b, p + (size_t)ib * sizeof b, sizeof b);
        const float d = gq_fp16_to_fp32(b.d);
        float *y = dst + ib * GQ_QK_K;
        /* qs[0..31]: 5 x 32 elements; qs[32..47]: 5 x 16; qh: 4 x 4 */
        for (int j = 0; j < QS_WIDE; j += 32)
            for (int k = 0; k < 5; k++)
                for (int m = 0; m < 32; m++) *y++ = (float)(tq1_trit(b.qs[j + m], k) - 1) * d;
        for (int j = QS_WIDE; j < QS; j += 16)
            for (int k = 0; k < 5; k++)
                for (int m = 0; m < 16; m++) *y++ = (float)(tq1_trit(b.qs[j + m], k) - 1) * d;
        for (int k = 0; k < 4; k++)
            for (int j = 0; j < QH; j++) *y++ = (float)(tq1_trit(b.qh[j], k) - 1) * d;
    }
}

/* lroundf(x * id) + 1 as ggml computes it into an int: 0, 1, 2 for finite
 * x * id in [-1, 1].  For the infinite or NaN products a subnormal scale
 * produces, the long result is x86's INT64_MIN (see gq_lround_x86); the
 * sum is formed in unsigned arithmetic and narrowed to its low 32 bits as
 * ggml's long-to-int assignment does, so nothing here is undefined. */
static inline int tq_trit_of(float v) {
    const uint32_t low = (uint32_t)((uint64_t)gq_lround_x86(v) + 1u);
    return low <= INT32_MAX ? (int)low : (int)(low - 0x80000000u) - INT32_MAX - 1;
}

/* Base-3 number of the given trits (first trit most significant), computed
 * in uint8_t as ggml does (wrapping for out-of-range trits), then scaled to a
 * byte rounding up (243 = 3^5). */
static uint8_t tq1_pack(const int *trits, int count, int pad_trits) {
    uint8_t q = 0;
    for (int k = 0; k < count; k++) q = (uint8_t)(q * 3 + trits[k]);
    for (int k = 0; k < pad_trits; k++) q = (uint8_t)(q * 3);
    return (uint8_t)(((uint16_t)q * 256 + (243 - 1)) / 243);
}

static void quant_block_tq1_0(const float *x, block_tq1_0 *y) {
    enum { QS = sizeof(y->qs), QH = sizeof(y->qh), QS_WIDE = QS - QS % 32 };
    const float amax = gq_abs_max(x, GQ_QK_K);
    const float id = amax != 0.0f ? 1.0f / amax : 0.0f;
    y->d = gq_fp32_to_fp16(amax);
    int trits[5];
    for (int j = 0; j < QS_WIDE; j += 32) {
        for (int m = 0; m < 32; m++) {
            for (int k = 0; k < 5; k++) trits[k] = tq_trit_of(x[m + k * 32] * id);
            y->qs[j + m] = tq1_pack(trits, 5, 0);
        }
        x += 5 * 32;
    }
    for (int j = QS_WIDE; j < QS; j += 16) {
        for (int m = 0; m < 16; m++) {
            for (int k = 0; k < 5; k++) trits[k] = tq_trit_of(x[m + k * 16] * id);
            y->qs[j + m] = tq1_pack(trits, 5, 0);
        }
        x += 5 * 16;
    }
    /* the last 16 elements: four trits per qh byte, shifted up one trit */
    for (int j = 0; j < QH; j++) {
        for (int k = 0; k < 4; k++) trits[k] = tq_trit_of(x[j + k * QH] * id);
        y->qh[j] = tq1_pack(trits, 4, 1);
    }
}

/* ---------------------------------------------------------------- tq2_0 */

static void dequant_tq2_0(const void *src, float *dst, int64_t n) {
    const uint8_t *p = src;
    for (int64_t ib = 0; ib < n / GQ_QK_K; ib++) {
        block_tq2_0 b;
        memcpy(&b, p + (size_t)ib * sizeof b, sizeof b);
        const float d = gq_fp16_to_fp32(b.d);
        float *y = dst + ib * GQ_QK_K;
        /* each 32-byte group holds 4 x 32 elements, one 2-bit field per element */
        for (size_t j = 0; j < sizeof b.qs; j += 32)
            for (int k = 0; k < 4; k++)
                for (int m = 0; m < 32; m++) *y++ = (float)(((b.qs[j + m] >> (2 * k)) & 3) - 1) * d;
    }
}

static void quant_block_tq2_0(const float *x, block_tq2_0 *y) {
    const float amax = gq_abs_max(x, GQ_QK_K);
    const float id = amax != 0.0f ? 1.0f / amax : 0.0f;
    y->d = gq_fp32_to_fp16(amax);
    for (size_t j = 0; j < sizeof y->qs; j += 32) {
        for (int m = 0; m < 32; m++) {
            uint8_t q = 0;
            for (int k = 0; k < 4; k++) q = (uint8_t)(q + ((tq_trit_of(x[m + k * 32] * id) & 3) << (2 * k)));
            y->qs[j + m] = q;
        }
        x += 4 * 32;
    }
}

/* ---------------------------------------------------------------- mxfp4, nvfp4 */

/* The FP4 code whose level (times scale d) is nearest to x; the first one on
 * ties, so +0 (code 0) wins over -0 (code 8).  That is ggml's linear search
 * (keep a candidate only if strictly better), computed in two passes: the
 * smallest error, then the first code that has it.  The winner depends on
 * the data, and the search as one loop of ifs cost a mispredicted branch
 * per candidate, several times the arithmetic. */
static int nearest_fp4(float x, float d) {
    float err[16];
    for (int i = 0; i < 16; i++) err[i] = fabsf((float)fp4_levels_x2[i] * d - x);
    float least = err[0];
    for (int i = 1; i < 16; i++) least = err[i] < least ? err[i] : least;
    int best = 15;
    for (int i = 15; i >= 0; i--) best = err[i] == least ? i : best;
    return best;
}

static void dequant_mxfp4(const void *src, float *dst, int64_t n) {
    const uint8_t *p = src;
    for (int64_t ib = 0; ib < n / GQ_QK_MXFP4; ib++) {
        block_mxfp4 b;
        memcpy(&b, p + (size_t)ib * sizeof b, sizeof b);
        const float d = gq_e8m0_to_fp32_half(b.e);
        float *y = dst + ib * GQ_QK_MXFP4;
        for (int j = 0; j < GQ_QK_MXFP4 / 2; j++) {
            y[j] = (float)fp4_levels_x2[b.qs[j] & 0x0f] * d;
            y[j + GQ_QK_MXFP4 / 2] = (float)fp4_levels_x2[b.qs[j] >> 4] * d;
        }
    }
}

static void quant_block_mxfp4(const float *x, block_mxfp4 *y) {
    float amax = 0.0f;
    for (int j = 0; j < GQ_QK_MXFP4; j++)
        if (amax < fabsf(x[j])) amax = fabsf(x[j]);
    /* The shared exponent puts amax in the top binade of FP4 (4 .. 6 after
     * the doubling): floor(log2(amax)) - 2, biased by 127.  The cast of a
     * negative float (amax below 2^-125) wraps as ggml's x86 build does. */
    const uint8_t e = amax > 0.0f ? gq_cvtt_u8(floorf(log2f(amax)) - 2 + 127) : 0;
    const float d = gq_e8m0_to_fp32_half(e);
    y->e = e;
    for (int j = 0; j < GQ_QK_MXFP4 / 2; j++) {
        const int lo = nearest_fp4(x[j], d);
        const int hi = nearest_fp4(x[j + GQ_QK_MXFP4 / 2], d);
        y->qs[j] = (uint8_t)(lo | (hi << 4));
    }
}

static void dequant_nvfp4(const void *src, float *dst, int64_t n) {
    const uint8_t *p = src;
    enum { SUBS = GQ_QK_NVFP4 / GQ_QK_NVFP4_SUB, HALF = GQ_QK_NVFP4_SUB / 2 };
    for (int64_t ib = 0; ib < n / GQ_QK_NVFP4; ib++) {
        block_nvfp4 b;
        memcpy(&b, p + (size_t)ib * sizeof b, sizeof b);
        for (int s = 0; s < SUBS; s++) {
            const float d = gq_ue4m3_to_fp32_half(b.d[s]);
            float *y = dst + ib * GQ_QK_NVFP4 + s * GQ_QK_NVFP4_SUB;
            const uint8_t *qs = b.qs + s * HALF;
            for (int j = 0; j < HALF; j++) {
                y[j] = (float)fp4_levels_x2[qs[j] & 0x0f] * d;
                y[j + HALF] = (float)fp4_levels_x2[qs[j] >> 4] * d;
            }
        }
    }
}

static void quant_block_nvfp4(const float *x, block_nvfp4 *y) {
    enum { SUBS = GQ_QK_NVFP4 / GQ_QK_NVFP4_SUB, HALF = GQ_QK_NVFP4_SUB / 2 };
    for (int s = 0; s < SUBS; s++) {
        const float *xs = x + s * GQ_QK_NVFP4_SUB;
        float amax = 0.0f;
        for (int j = 0; j < GQ_QK_NVFP4_SUB; j++)
            if (amax < fabsf(xs[j])) amax = fabsf(xs[j]);
        /* 6 is FP4's largest level: the scale maps amax onto it */
        const uint8_t scale = gq_fp32_to_ue4m3(amax / 6.0f);
        const float d = gq_ue4m3_to_fp32_half(scale);
        y->d[s] = scale;
        for (int j = 0; j < HALF; j++) {
            const int lo = nearest_fp4(xs[j], d);
            const int hi = nearest_fp4(xs[j + HALF], d);
            y->qs[s * HALF + j] = (uint8_t)(lo | (hi << 4));
        }
    }
}

/* ---------------------------------------------------------------- row drivers */

/* Importance weights are accepted and ignored, as ggml does for these types;
 * blocks are independent, so rows need no special care. */
#define BLOCKWISE_QUANTIZER(NAME, BLOCK, QK, QUANT_BLOCK)                                     \
    static void NAME(const float *src, void *dst, int64_t nrows, int64_t n_per_row,           \
                     const float *imatrix) {                                                  \
        (void)imatrix;                                                                        \
        uint8_t *out = dst;                                                                   \
        const int64_t nb = nrows * n_per_row / (QK);                                          \
        for (int64_t ib = 0; ib < nb; ib++) {                                                 \
            BLOCK b;                                                                          \
            QUANT_BLOCK(src + ib * (QK), &b);                                                 \
            memcpy(out + (size_t)ib * sizeof b, &b, sizeof b);                                \
        }                                                                                     \
    }

BLOCKWISE_QUANTIZER(quant_q1_0, block_q1_0, GQ_QK1_0, quant_block_q1_0)
BLOCKWISE_QUANTIZER(quant_q2_0, block_q2_0, GQ_QK2_0, quant_block_q2_0)
BLOCKWISE_QUANTIZER(quant_tq1_0, block_tq1_0, GQ_QK_K, quant_block_tq1_0)
BLOCKWISE_QUANTIZER(quant_tq2_0, block_tq2_0, GQ_QK_K, quant_block_tq2_0)
BLOCKWISE_QUANTIZER(quant_mxfp4, block_mxfp4, GQ_QK_MXFP4, quant_block_mxfp4)
BLOCKWISE_QUANTIZER(quant_nvfp4, block_nvfp4, GQ_QK_NVFP4, quant_block_nvfp4)

void gq_register_lowbit(gq_kernel_table t) {
    t[GQ_TYPE_Q1_0] = (gq_kernels){ dequant_q1_0, quant_q1_0 };
    t[GQ_TYPE_Q2_0] = (gq_kernels){ dequant_q2_0, quant_q2_0 };
    t[GQ_TYPE_TQ1_0] = (gq_kernels){ dequant_tq1_0, quant_tq1_0 };
    t[GQ_TYPE_TQ2_0] = (gq_kernels){ dequant_tq2_0, quant_tq2_0 };
    t[GQ_TYPE_MXFP4] = (gq_kernels){ dequant_mxfp4, quant_mxfp4 };
    t[GQ_TYPE_NVFP4] = (gq_kernels){ dequant_nvfp4, quant_nvfp4 };
}
