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
#include <stdint.h>
#include <string.h>

#include "blocks.h"
#include "float_to_int.h"
#include "fp16.h"
#include "kernels.h"
#include "nearest_int.h"

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

static void dequant_q8_0(const void *src, float *dst, int64_t n) {
    const uint8_t *p = src;
    for (int64_t ib = 0; ib < n / GQ_QK8_0; ib++) {
        block_q8_0 b;
        memcpy(&b, p + (size_t)ib * sizeof b, sizeof b);
        const float d = gq_fp16_to_fp32(b.d);
        float *y = dst + ib * GQ_QK8_0;
        for (int j = 0; j < GQ_QK8_0; j++) y[j] = (float)b.qs[j] * d;
    }
}

/* q8_1 is the activation format of ggml's dot products: ggml has no to_float
 * for it.  Its s field only caches d * sum(qs) for those dot products, so the
 * values are qs * d, exactly as for q8_0; s is not part of the values. */
static void dequant_q8_1(const void *src, float *dst, int64_t n) {
    const uint8_t *p = src;
    for (int64_t ib = 0; ib < n / GQ_QK8_1; ib++) {
        block_q8_1 b;
        memcpy(&b, p + (size_t)ib * sizeof b, sizeof b);
        const float d = gq_fp16_to_fp32(b.d);
        float *y = dst + ib * GQ_QK8_1;
        for (int j = 0; j < GQ_QK8_1; j++) y[j] = (float)b.qs[j] * d;
    }
}

/* ---------------------------------------------------------------- plain quantizers */

/* Largest |x| of a block, and the signed value that has it (the first one
 * on ties): the _0 types put that value on code 0 so it is hit exactly. */
static void signed_absmax(const float *x, int n, float *amax_out, float *max_out) {
    float amax = 0.0f, max = 0.0f;
    for (int j = 0; j < n; j++) {
        if (amax < fabsf(x[j])) {
            amax = fabsf(x[j]);
            max = x[j];
        }
    }
    *amax_out = amax;
    *max_out = max;
}

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
    float amax, max;
    signed_absmax(x, GQ_QK4_0, &amax, &max);
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
    float amax, max;
    signed_absmax(x, GQ_QK5_0, &amax, &max);
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
    float amax = 0.0f;
    for (int j = 0; j < GQ_QK8_0; j++) {
        const float a = fabsf(x[j]);
        amax = amax > a ? amax : a;
    }
    const float d = amax / 127;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    y->d = gq_fp32_to_fp16(d);
    /* roundf: halves away from zero, unlike the SIMD round instructions' default */
    for (int j = 0; j < GQ_QK8_0; j++) y->qs[j] = gq_cvtt_i8(roundf(x[j] * id));
}

/* ---------------------------------------------------------------- importance-weighted search */

#define GROUP_MAX_EPS 1e-15f /* ggml: a group this small is all zeros */

/* Symmetric codes -nmax..nmax-1 (stored +nmax) for n values with weights w:
 * start from the scale that maps the signed extreme to -nmax, then try 18
 * nearby scales and keep the one with the largest sumlx^2/suml2 (the least
 * weighted squared error once the scale is refit by least squares).
 * Returns that refit scale.  This is ggml's make_qx_quants with rmse_type 1
 * and weights given, the only way the legacy types call it. */
static float symmetric_weighted_codes(int n, int nmax, const float *x, int8_t *L, const float *w) {
    float max = 0.0f, amax = 0.0f;
    for (int i = 0; i < n; i++) {
        const float ax = fabsf(x[i]);
        if (ax > amax) {
            amax = ax;
            max = x[i];
        }
    }
    if (amax < GROUP_MAX_EPS) {
        memset(L, 0, (size_t)n);
        return 0.0f;
    }
    float iscale = (float)-nmax / max;
    float sumlx = 0.0f, suml2 = 0.0f;
    for (int i = 0; i < n; i++) {
        const int l = gq_clamp_int(gq_nearest_int(iscale * x[i]), -nmax, nmax - 1);
        L[i] = (int8_t)(l + nmax);
        sumlx += w[i] * x[i] * (float)l;
        suml2 += w[i] * (float)l * (float)l;
    }
    float scale = suml2 != 0.0f ? sumlx / suml2 : 0.0f;
    float best = scale * sumlx;
    for (int step = -9; step <= 9; step++) {
        if (step == 0) continue;
        iscale = -((float)nmax + 0.1f * (float)step) / max;
        sumlx = suml2 = 0.0f;
        for (int i = 0; i < n; i++) {
            const int l = gq_clamp_int(gq_nearest_int(iscale * x[i]), -nmax, nmax - 1);
            sumlx += w[i] * x[i] * (float)l;
            suml2 += w[i] * (float)l * (float)l;
        }
        if (suml2 > 0.0f && sumlx * sumlx > best * suml2) {
            for (int i = 0; i < n; i++)
                L[i] = (int8_t)(nmax + gq_clamp_int(gq_nearest_int(iscale * x[i]), -nmax, nmax - 1));
            scale = sumlx / suml2;
            best = scale * sumlx;
        }
    }
    return scale;
}

/* Affine codes 0..nmax for n values with weights w: x ~ scale * L - min_out.
 * Starts from the plain min/max mapping, then tries nstep+1 stretched scales
 * (rmin + rdelta*k more levels than nmax across the range); for each it fits
 * scale and min by weighted least squares (min clamped at 0) and keeps the
 * lowest weighted squared error.  Returns the scale; *min_out gets the offset
 * to subtract (>= 0).  This is ggml's make_qkx3_quants with weights given and
 * squared error, the way q4_1 and q5_1 call it. */
static float affine_weighted_codes(int n, int nmax, const float *x, const float *w, uint8_t *L,
                                   float *min_out, uint8_t *Laux, float rmin, float rdelta, int nstep) {
    float min = x[0], max = x[0];
    float sum_w = w[0];
    float sum_x = sum_w * x[0];
    for (int i = 1; i < n; i++) {
        if (x[i] < min) min = x[i];
        if (x[i] > max) max = x[i];
        sum_w += w[i];
        sum_x += w[i] * x[i];
    }
    if (min > 0) min = 0; /* the offset only ever moves the range down to include 0 */
    if (max <= min) {
        memset(L, 0, (size_t)n);
        *min_out = -min;
        return 0.0f;
    }
    float iscale = (float)nmax / (max - min);
    float scale = 1 / iscale;
    float best_err = 0.0f;
    for (int i = 0; i < n; i++) {
        L[i] = (uint8_t)gq_clamp_int(gq_nearest_int(iscale * (x[i] - min)), 0, nmax);
        float diff = scale * (float)L[i] + min - x[i];
        best_err += w[i] * (diff * diff);
    }
    for (int step = 0; step <= nstep; step++) {
        iscale = (rmin + rdelta * (float)step + (float)nmax) / (max - min);
        float sum_l = 0.0f, sum_l2 = 0.0f, sum_xl = 0.0f;
        for (int i = 0; i < n; i++) {
            const int l = gq_clamp_int(gq_nearest_int(iscale * (x[i] - min)), 0, nmax);
            Laux[i] = (uint8_t)l;
            sum_l += w[i] * (float)l;
            sum_l2 += w[i] * (float)l * (float)l;
            sum_xl += w[i] * (float)l * x[i];
        }
        const float D = sum_w * sum_l2 - sum_l * sum_l;
        if (D > 0) {
            float this_scale = (sum_w * sum_xl - sum_x * sum_l) / D;
            float this_min = (sum_l2 * sum_x - sum_l * sum_xl) / D;
            if (this_min > 0) {
                this_min = 0;
                this_scale = sum_xl / sum_l2;
            }
            float err = 0.0f;
            for (int i = 0; i < n; i++) {
                float diff = this_scale * (float)Laux[i] + this_min - x[i];
                err += w[i] * (diff * diff);
            }
            if (err < best_err) {
                memcpy(L, Laux, (size_t)n);
                best_err = err;
                scale = this_scale;
                min = this_min;
            }
        }
    }
    *min_out = -min;
    return scale;
}

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
        int8_t L[GQ_QK4_0];
        block_weights(xb, importance + ib * GQ_QK4_0, sigma2, w);
        block_q4_0 b;
        b.d = gq_fp32_to_fp16(symmetric_weighted_codes(GQ_QK4_0, 8, xb, L, w));
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
        uint8_t L[GQ_QK4_1], Laux[GQ_QK4_1];
        float min;
        block_weights(xb, importance + ib * GQ_QK4_1, sigma2, w);
        const float d = affine_weighted_codes(GQ_QK4_1, 15, xb, w, L, &min, Laux, -0.9f, 0.05f, 36);
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
        int8_t L[GQ_QK5_0];
        uint8_t codes[GQ_QK5_0];
        block_weights(xb, importance + ib * GQ_QK5_0, sigma2, w);
        block_q5_0 b;
        b.d = gq_fp32_to_fp16(symmetric_weighted_codes(GQ_QK5_0, 16, xb, L, w));
        for (int j = 0; j < GQ_QK5_0; j++) codes[j] = (uint8_t)L[j];
        pack_q5(codes, b.qs, b.qh);
        memcpy(&blocks[ib], &b, sizeof b);
    }
}

static void quant_row_q5_1_weighted(const float *x, block_q5_1 *blocks, int64_t n_per_row,
                                    const float *importance) {
    const float sigma2 = row_sigma2(x, n_per_row);
    for (int64_t ib = 0; ib < n_per_row / GQ_QK5_1; ib++) {
        const float *xb = x + ib * GQ_QK5_1;
        float w[GQ_QK5_1];
        uint8_t L[GQ_QK5_1], Laux[GQ_QK5_1];
        float min;
        block_weights(xb, importance + ib * GQ_QK5_1, sigma2, w);
        const float d = affine_weighted_codes(GQ_QK5_1, 31, xb, w, L, &min, Laux, -0.9f, 0.05f, 36);
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
