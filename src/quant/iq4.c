/* IQ4_NL (4.5 bits per weight, 32-value blocks) and IQ4_XS (4.25 bpw,
 * 256-value super-blocks with 6-bit sub-block scales): scalar reference.
 *
 * Both store 4-bit indices into 16 non-linear levels (gq_kvalues_iq4nl).
 * The quantizer follows ggml's quantize_row_iq4_nl_impl: per 32 values,
 * start from the scale that maps the largest magnitude onto the outermost
 * level, then try 15 scales around it and keep the best weighted fit. */
#include <math.h>

#include "fp16.h"
#include "float_max.h"
#include "iq_other.h"
#include "iq_tables.h"

enum { IQ4_SUB = 32, IQ4_NTRY = 7 };

int gq_iq4_nearest_level(float v) {
    const int8_t *lv = gq_kvalues_iq4nl;
    if (v <= lv[0]) return 0;
    if (v >= lv[15]) return 15;
    /* Bisect for lo, hi = lo + 1 with lv[lo] <= v < lv[hi] (a NaN ends at 14, 15). */
    int lo = 0, hi = 15;
    while (hi - lo > 1) {
        const int mid = (lo + hi) / 2;
        if (v < lv[mid]) hi = mid;
        else lo = mid;
    }
    return v - lv[hi - 1] < lv[hi] - v ? hi - 1 : hi;
}

static void score_scalar(const float *xb, const float *weight, float id, float *sumqx, float *sumq2) {
    float sx = 0, s2 = 0;
    for (int j = 0; j < IQ4_SUB; j++) {
        const float q = gq_kvalues_iq4nl[gq_iq4_nearest_level(id * xb[j])];
        const float w = weight[j];
        sx += w * q * xb[j];
        s2 += w * q * q;
    }
    *sumqx = sx;
    *sumq2 = s2;
}

static void assign_scalar(const float *x, float id, uint8_t *L, int n) {
    for (int j = 0; j < n; j++) L[j] = (uint8_t)gq_iq4_nearest_level(id * x[j]);
}

const gq_iq4_steps gq_iq4_steps_scalar = { score_scalar, assign_scalar };

/* The best scale for 32 values; 0 for a block of (near) zeros. */
static float fit_sub_block(const gq_iq4_steps *steps, const float *xb, const float *qw, float sigma2) {
    const int8_t *lv = gq_kvalues_iq4nl;
    float weight[IQ4_SUB];
    if (qw) {
        for (int j = 0; j < IQ4_SUB; j++) weight[j] = qw[j] * sqrtf(sigma2 + xb[j] * xb[j]);
    } else {
        for (int j = 0; j < IQ4_SUB; j++) weight[j] = xb[j] * xb[j];
    }
    /* The value of largest magnitude, keeping its sign (first one on ties). */
    float amax;
    const float max = gq_signed_abs_max(xb, IQ4_SUB, &amax);
    if (amax < 1e-15f) return 0;
    /* lv[0] = -127 is the outermost level: map max onto it. */
    float d = -max / lv[0];
    float sumqx, sumq2;
    steps->score(xb, weight, 1 / d, &sumqx, &sumq2);
    d = sumq2 > 0 ? sumqx / sumq2 : 0.f;
    float best = d * sumqx;
    for (int itry = -IQ4_NTRY; itry <= IQ4_NTRY; itry++) {
        const float id = (float)(itry + lv[0]) / max;
        steps->score(xb, weight, id, &sumqx, &sumq2);
        if (sumq2 > 0 && sumqx * sumqx > best * sumq2) {
            d = sumqx / sumq2;
            best = d * sumqx;
        }
    }
    return d;
}

static float block_sigma2(const float *x, int n) {
    float sigma2 = 0;
    for (int j = 0; j < n; j++) sigma2 += x[j] * x[j];
    return sigma2 * (2.f / n);
}

/* Nibbles: value j of each 32 in the low half of byte j, value j+16 in the high half. */
static void pack_nibbles(const uint8_t *L, uint8_t *qs, int n) {
    for (int i = 0; i < n / 32; i++)
        for (int j = 0; j < 16; j++) qs[16 * i + j] = (uint8_t)(L[32 * i + j] | L[32 * i + 16 + j] << 4);
}

void gq_quantize_iq4_nl_rows(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix,
                             const gq_iq4_steps *steps) {
    const int64_t nblocks = n_per_row / GQ_QK4_NL;
    uint8_t *y = dst;
    for (int64_t r = 0; r < nrows; r++) {
        for (int64_t ib = 0; ib < nblocks; ib++) {
            const float *x = src + r * n_per_row + GQ_QK4_NL * ib;
            block_iq4_nl blk, *out = &blk; /* copied out at the end: dst may be misaligned */
            const float d = fit_sub_block(steps, x, imatrix ? imatrix + GQ_QK4_NL * ib : NULL,
                                          block_sigma2(x, GQ_QK4_NL));
            uint8_t L[GQ_QK4_NL];
            out->d = gq_fp32_to_fp16(d);
            steps->assign(x, d ? 1 / d : 0, L, GQ_QK4_NL);
            pack_nibbles(L, out->qs, GQ_QK4_NL);
            memcpy(y + (size_t)(r * nblocks + ib) * sizeof blk, &blk, sizeof blk);
        }
    }
}

void gq_quantize_iq4_xs_rows(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix,
                             const gq_iq4_steps *steps) {
    const int64_t nblocks = n_per_row / GQ_QK_K;
    uint8_t *y = dst;
    for (int64_t r = 0; r < nrows; r++) {
        for (int64_t ibl = 0; ibl < nblocks; ibl++) {
            const float *x = src + r * n_per_row + GQ_QK_K * ibl;
            const float *qw = imatrix ? imatrix + GQ_QK_K * ibl : NULL;
            block_iq4_xs blk, *out = &blk; /* copied out at the end: dst may be misaligned */
            const float sigma2 = block_sigma2(x, GQ_QK_K);
            float scales[GQ_QK_K / IQ4_SUB];
            /* The sub-block scale of largest magnitude, sign kept (first on ties). */
            float max_scale = 0, amax_scale = 0;
            for (int ib = 0; ib < GQ_QK_K / IQ4_SUB; ib++) {
                scales[ib] = fit_sub_block(steps, x + IQ4_SUB * ib, qw ? qw + IQ4_SUB * ib : NULL, sigma2);
                const float abs_d = fabsf(scales[ib]);
                if (abs_d > amax_scale) {
                    amax_scale = abs_d;
                    max_scale = scales[ib];
                }
            }
            /* Sub-block scales are 6-bit integers -32..31 times d; d is
             * negative so that the largest scale lands on -32, the end with
             * room.  With every scale zero, d is -0 and stored as 0x8000. */
            const float d = -max_scale / 32;
            const float id = d ? 1 / d : 0.f;
            uint8_t L[GQ_QK_K];
            out->d = gq_fp32_to_fp16(d);
            out->scales_h = 0;
            for (int ib = 0; ib < GQ_QK_K / IQ4_SUB; ib++) {
                int l = gq_clamp_int(gq_nearest_int(id * scales[ib]), -32, 31);
                const float dl = d * l;
                steps->assign(x + IQ4_SUB * ib, dl ? 1 / dl : 0.f, L + IQ4_SUB * ib, IQ4_SUB);
                l += 32;
                if (ib % 2 == 0) out->scales_l[ib / 2] = (uint8_t)(l & 0xf);
                else out->scales_l[ib / 2] |= (uint8_t)((l & 0xf) << 4);
                out->scales_h |= (uint16_t)((l >> 4) << 2 * ib);
            }
            pack_nibbles(L, out->qs, GQ_QK_K);
            memcpy(y + (size_t)(r * nblocks + ibl) * sizeof blk, &blk, sizeof blk);
        }
    }
}

void gq_dequantize_iq4_nl(const void *src, float *dst, int64_t n) {
    for (int64_t i = 0; i < n / GQ_QK4_NL; i++) {
        block_iq4_nl b; /* copied: the data may sit at any byte offset */
        memcpy(&b, (const uint8_t *)src + (size_t)i * sizeof b, sizeof b);
        const float d = gq_fp16_to_fp32(b.d);
        for (int j = 0; j < GQ_QK4_NL / 2; j++) {
            dst[j] = d * gq_kvalues_iq4nl[b.qs[j] & 0xf];
            dst[j + GQ_QK4_NL / 2] = d * gq_kvalues_iq4nl[b.qs[j] >> 4];
        }
        dst += GQ_QK4_NL;
    }
}

void gq_dequantize_iq4_xs(const void *src, float *dst, int64_t n) {
    for (int64_t i = 0; i < n / GQ_QK_K; i++) {
        block_iq4_xs b; /* copied: the data may sit at any byte offset */
        memcpy(&b, (const uint8_t *)src + (size_t)i * sizeof b, sizeof b);
        const float d = gq_fp16_to_fp32(b.d);
        const uint8_t *qs = b.qs;
        for (int ib = 0; ib < GQ_QK_K / 32; ib++) {
            const int ls = ((b.scales_l[ib / 2] >> 4 * (ib % 2)) & 0xf) | (((b.scales_h >> 2 * ib) & 3) << 4);
            const float dl = d * (float)(ls - 32);
            for (int j = 0; j < 16; j++) {
                dst[j] = dl * gq_kvalues_iq4nl[qs[j] & 0xf];
                dst[j + 16] = dl * gq_kvalues_iq4nl[qs[j] >> 4];
            }
            dst += 32;
            qs += 16;
        }
    }
}
