/* k-quants: scalar reference kernels for q2_K, q3_K, q4_K, q5_K, q6_K and
 * q8_K, bit-exact with ggml (ggml_quantize_chunk and each type's to_float).
 *
 * A k-quant super-block holds 256 values in sub-blocks of 16 or 32, each
 * with its own small integer scale (and for q2_K/q4_K/q5_K an offset, the
 * "min"), and one or two half-precision super-scales that the small
 * integers multiply.  Quantizing is a search: for each sub-block, try a
 * range of candidate scales and keep the one with the least (weighted)
 * error; then quantize the sub-block scales themselves; then round every
 * value again against the scales actually stored.
 *
 * ggml takes different searches with and without importance weights (an
 * imatrix); both are reproduced here, with every floating-point operation in
 * ggml's order — that order, not the mathematics, decides the bytes.
 *
 * q8_K is only dequantized: ggml_quantize_chunk has no q8_K case and ggml's
 * type table gives it no reference quantizer (it exists only as the
 * activation format of the CPU dot products), so nothing writes q8_K
 * tensors into model files. */
#include <math.h>
#include <string.h>

#include "fp16.h"
#include "kernels.h"
#include "kquants_common.h"

/* ======================================================== dequantizers */

static void dequant_q2_K(const void *src, float *dst, int64_t n) {
    /* Blocks are copied out: tensor data in a file need not be aligned for the
     * block struct (a GGUF file may use any power-of-two alignment). */
    const uint8_t *p = src;
    for (int64_t i = 0; i < n / GQ_QK_K; i++, p += sizeof(block_q2_K)) {
        block_q2_K blk;
        memcpy(&blk, p, sizeof blk);
        const block_q2_K *b = &blk;
        const float d = gq_fp16_to_fp32(b->d);
        const float dmin = gq_fp16_to_fp32(b->dmin);
        /* Element e: 2 bits of qs[(e/128)*32 + e%32] at bit 2*((e%128)/32),
         * scale and min of sub-block e/16. */
        for (int e0 = 0; e0 < GQ_QK_K; e0 += 16) {
            const uint8_t sc = b->scales[e0 / 16];
            const float dl = d * (float)(sc & 0xF);
            const float ml = dmin * (float)(sc >> 4);
            const uint8_t *q = b->qs + (e0 / 128) * 32 + e0 % 32;
            const int shift = 2 * ((e0 % 128) / 32);
            for (int l = 0; l < 16; l++) *dst++ = dl * (float)((q[l] >> shift) & 3) - ml;
        }
    }
}

static void dequant_q3_K(const void *src, float *dst, int64_t n) {
    const uint8_t *p = src;
    for (int64_t i = 0; i < n / GQ_QK_K; i++, p += sizeof(block_q3_K)) {
        block_q3_K blk;
        memcpy(&blk, p, sizeof blk);
        const block_q3_K *b = &blk;
        const float d = gq_fp16_to_fp32(b->d);
        /* Low 2 bits as in q2_K; the third bit of element e is bit e/32 of
         * hmask[e%32], and a clear bit means "subtract 4". */
        for (int e0 = 0; e0 < GQ_QK_K; e0 += 16) {
            const float dl = d * (float)kq_q3_scale_get(e0 / 16, b->scales);
            const uint8_t *q = b->qs + (e0 / 128) * 32 + e0 % 32;
            const uint8_t *hm = b->hmask + e0 % 32;
            const int shift = 2 * ((e0 % 128) / 32);
            const uint8_t hbit = (uint8_t)(1u << (e0 / 32));
            for (int l = 0; l < 16; l++) {
                int v = ((q[l] >> shift) & 3) - ((hm[l] & hbit) ? 0 : 4);
                *dst++ = dl * (float)v;
            }
        }
    }
}

/* q4_K and q5_K decode alike: per 64 values, 32 bytes of nibbles (low
 * nibbles sub-block 2c, high 2c+1), each sub-block d*scale*q - dmin*min;
 * q5_K adds a fifth bit, bit s of qh[l] for sub-block s.  One body for
 * both (with_qh is a constant at each call, so each gets its own loop). */
_Static_assert(offsetof(block_q4_K, dmin) == offsetof(block_q5_K, dmin) &&
                   offsetof(block_q4_K, scales) == offsetof(block_q5_K, scales),
               "q4_K and q5_K share their head");
static inline void dequant_k4_family(const void *src, float *dst, int64_t n, size_t block_bytes, size_t qs_at,
                                     int with_qh, size_t qh_at) {
    const uint8_t *p = src;
    for (int64_t i = 0; i < n / GQ_QK_K; i++, p += block_bytes) {
        uint8_t blk[sizeof(block_q5_K)]; /* the larger of the two */
        memcpy(blk, p, block_bytes);
        /* d, dmin and scales sit at the same offsets in both blocks */
        const float d = kq_half_at(KQ_AT(blk, block_q4_K, d));
        const float dmin = kq_half_at(KQ_AT(blk, block_q4_K, dmin));
        const uint8_t *scales = KQ_AT(blk, block_q4_K, scales);
        const uint8_t *qh = blk + qh_at;
        for (int c = 0; c < 4; c++) {
            const uint8_t *q = blk + qs_at + 32 * c;
            const uint8_t lo_bit = (uint8_t)(1u << (2 * c)), hi_bit = (uint8_t)(2u << (2 * c));
            uint8_t sc, mn;
            kq_k4_get(2 * c, scales, &sc, &mn);
            const float d1 = d * (float)sc, m1 = dmin * (float)mn;
            kq_k4_get(2 * c + 1, scales, &sc, &mn);
            const float d2 = d * (float)sc, m2 = dmin * (float)mn;
            for (int l = 0; l < 32; l++)
                *dst++ = d1 * (float)((q[l] & 0xF) + ((with_qh && (qh[l] & lo_bit)) ? 16 : 0)) - m1;
            for (int l = 0; l < 32; l++)
                *dst++ = d2 * (float)((q[l] >> 4) + ((with_qh && (qh[l] & hi_bit)) ? 16 : 0)) - m2;
        }
    }
}

static void dequant_q4_K(const void *src, float *dst, int64_t n) {
    dequant_k4_family(src, dst, n, sizeof(block_q4_K), offsetof(block_q4_K, qs), 0, 0);
}

static void dequant_q5_K(const void *src, float *dst, int64_t n) {
    dequant_k4_family(src, dst, n, sizeof(block_q5_K), offsetof(block_q5_K, qs), 1, offsetof(block_q5_K, qh));
}

static void dequant_q6_K(const void *src, float *dst, int64_t n) {
    const uint8_t *p = src;
    for (int64_t i = 0; i < n / GQ_QK_K; i++, p += sizeof(block_q6_K)) {
        block_q6_K blk;
        memcpy(&blk, p, sizeof blk);
        const block_q6_K *b = &blk;
        const float d = gq_fp16_to_fp32(b->d);
        /* Per 128 values: ql holds the low nibbles (bytes 0-31: values 0-31
         * low, 64-95 high; bytes 32-63: values 32-63 low, 96-127 high), qh
         * the top 2 bits of values l, l+32, l+64, l+96 in byte l at bits 0,
         * 2, 4, 6.  Written quarter by quarter so each loop is contiguous. */
        for (int h = 0; h < 2; h++) {
            const uint8_t *ql = b->ql + 64 * h;
            const uint8_t *qh = b->qh + 32 * h;
            for (int k = 0; k < 4; k++) {
                const uint8_t *lo = ql + 32 * (k & 1);
                const int lo_shift = 4 * (k >> 1), hi_shift = 2 * k;
                const float ds0 = d * (float)b->scales[8 * h + 2 * k], ds1 = d * (float)b->scales[8 * h + 2 * k + 1];
                float *y = dst + 128 * h + 32 * k;
                for (int l = 0; l < 32; l++) {
                    const int q = (((lo[l] >> lo_shift) & 0xF) | (((qh[l] >> hi_shift) & 3) << 4)) - 32;
                    y[l] = (l < 16 ? ds0 : ds1) * (float)q;
                }
            }
        }
        dst += GQ_QK_K;
    }
}

static void dequant_q8_K(const void *src, float *dst, int64_t n) {
    const uint8_t *p = src;
    for (int64_t i = 0; i < n / GQ_QK_K; i++, p += sizeof(block_q8_K)) {
        float d; /* a plain float, not a half */
        memcpy(&d, KQ_AT(p, block_q8_K, d), sizeof d);
        const int8_t *q = (const int8_t *)KQ_AT(p, block_q8_K, qs);
        for (int j = 0; j < GQ_QK_K; j++) *dst++ = d * (float)q[j];
    }
}

/* ======================================================== scale searches */

/* q3_K's search without importance weights (ggml's make_q3_quants with
 * do_rmse): start from the max-magnitude guess, then up to five sweeps that
 * move single values to the level that the current least-squares scale
 * prefers, when that lowers the x^2-weighted error. */
static float q3_search(int n, int nmax, const float *x, uint8_t *L) {
    int lv[32];
    float w[32], wx[32]; /* x^2 and x^3 as ggml forms them: (x*x), (x*x)*x */
    float amax;
    const float max = gq_signed_abs_max(x, n, &amax);
    if (amax < GQ_ZERO_GROUP) {
        memset(L, 0, (size_t)n);
        return 0.f;
    }
    const float iscale = (float)-nmax / max;
    float sumlx = 0, suml2 = 0;
    for (int i = 0; i < n; i++) {
        int l = gq_clamp_int(gq_nearest_int(iscale * x[i]), -nmax, nmax - 1);
        lv[i] = l;
        w[i] = x[i] * x[i];
        wx[i] = w[i] * x[i];
        sumlx += wx[i] * (float)l;
        suml2 += w[i] * (float)l * (float)l;
    }
    for (int itry = 0; itry < 5; itry++) {
        int changed = 0;
        for (int i = 0; i < n; i++) {
            float slx = sumlx - wx[i] * (float)lv[i];
            if (slx > 0) {
                float sl2 = suml2 - w[i] * (float)lv[i] * (float)lv[i];
                int new_l = gq_clamp_int(gq_nearest_int(x[i] * sl2 / slx), -nmax, nmax - 1);
                if (new_l != lv[i]) {
                    slx += wx[i] * (float)new_l;
                    sl2 += w[i] * (float)new_l * (float)new_l;
                    if (sl2 > 0 && slx * slx * suml2 > sumlx * sumlx * sl2) {
                        lv[i] = new_l;
                        sumlx = slx;
                        suml2 = sl2;
                        changed++;
                    }
                }
            }
        }
        if (!changed) break;
    }
    for (int i = 0; i < n; i++) L[i] = (uint8_t)(lv[i] + nmax);
    return suml2 > 0.0f ? sumlx / suml2 : 0.0f;
}

/* ggml's make_qp_quants.  The first rounding has no clamp at all (a
 * negative input wraps in the uint8 level, as in ggml); it only serves the
 * first error estimate and is overwritten later. */
float gq_kq_positive_scale(int n, int nmax, const float *x, uint8_t *L, const float *w) {
    float max = 0;
    for (int i = 0; i < n; i++) max = max > x[i] ? max : x[i];
    if (max < GQ_ZERO_GROUP) {
        memset(L, 0, (size_t)n);
        return 0.f;
    }
    float iscale = (float)nmax / max;
    for (int i = 0; i < n; i++) L[i] = (uint8_t)gq_nearest_int(iscale * x[i]);
    float scale = 1 / iscale;
    float best_mse = 0;
    for (int i = 0; i < n; i++) {
        float diff = x[i] - scale * (float)L[i];
        best_mse += w[i] * diff * diff;
    }
    for (int is = -4; is <= 4; is++) {
        if (is == 0) continue;
        float iscale_is = (0.1f * (float)is + (float)nmax) / max;
        float scale_is = 1 / iscale_is;
        float mse = 0;
        for (int i = 0; i < n; i++) {
            int l = gq_nearest_int(iscale_is * x[i]);
            if (l > nmax) l = nmax;
            float diff = x[i] - scale_is * (float)l;
            mse += w[i] * diff * diff;
        }
        if (mse < best_mse) {
            best_mse = mse;
            iscale = iscale_is;
        }
    }
    int lv[32];
    float sumlx = 0, suml2 = 0;
    for (int i = 0; i < n; i++) {
        int l = gq_nearest_int(iscale * x[i]);
        if (l > nmax) l = nmax;
        lv[i] = l;
        sumlx += w[i] * x[i] * (float)l;
        suml2 += w[i] * (float)l * (float)l;
    }
    for (int itry = 0; itry < 5; itry++) {
        int changed = 0;
        for (int i = 0; i < n; i++) {
            /* ggml keeps the levels in uint8 between steps: re-read them so. */
            const float li = (float)(uint8_t)lv[i];
            float slx = sumlx - w[i] * x[i] * li;
            float sl2 = suml2 - w[i] * li * li;
            if (slx > 0 && sl2 > 0) {
                int new_l = gq_nearest_int(x[i] * sl2 / slx);
                if (new_l > nmax) new_l = nmax;
                if (new_l != (int)(uint8_t)lv[i]) {
                    slx += w[i] * x[i] * (float)new_l;
                    sl2 += w[i] * (float)new_l * (float)new_l;
                    if (slx * slx * suml2 > sumlx * sumlx * sl2) {
                        lv[i] = new_l;
                        sumlx = slx;
                        suml2 = sl2;
                        changed++;
                    }
                }
            }
        }
        if (!changed) break;
    }
    for (int i = 0; i < n; i++) L[i] = (uint8_t)lv[i];
    return suml2 > 0.0f ? sumlx / suml2 : 0.0f;
}

/* ======================================================== shared finishing steps */

void gq_kq_k4_scales_plain(const float scales[8], const float mins[8], uint8_t packed[12],
                           gq_half *d, gq_half *dmin) {
    float max_scale = 0, max_min = 0;
    for (int j = 0; j < 8; j++) {
        if (scales[j] > max_scale) max_scale = scales[j];
        if (mins[j] > max_min) max_min = mins[j];
    }
    const float inv_scale = max_scale > 0 ? 63.f / max_scale : 0.f;
    const float inv_min = max_min > 0 ? 63.f / max_min : 0.f;
    for (int j = 0; j < 8; j++) {
        uint8_t ls = (uint8_t)gq_nearest_int(inv_scale * scales[j]);
        uint8_t lm = (uint8_t)gq_nearest_int(inv_min * mins[j]);
        kq_k4_put(j, packed, ls < 63 ? ls : 63, lm < 63 ? lm : 63);
    }
    *d = gq_fp32_to_fp16(max_scale / 63.f);
    *dmin = gq_fp32_to_fp16(max_min / 63.f);
}

void gq_kq_k4_scales_imat(const float scales[8], const float mins[8], const float sw[8],
                           uint8_t packed[12], gq_half *d, gq_half *dmin, int clamp63) {
    uint8_t Ls[8], Lm[8];
    const float d_block = gq_kq_positive_scale(8, 63, scales, Ls, sw);
    const float m_block = gq_kq_positive_scale(8, 63, mins, Lm, sw);
    for (int j = 0; j < 8; j++) {
        uint8_t ls = Ls[j], lm = Lm[j];
        if (clamp63) {
            ls = ls < 63 ? ls : 63;
            lm = lm < 63 ? lm : 63;
        }
        kq_k4_put(j, packed, ls, lm);
    }
    *d = gq_fp32_to_fp16(d_block);
    *dmin = gq_fp32_to_fp16(m_block);
}

int gq_kq_q6_scales(const float scales[16], block_q6_K *y) {
    float max_scale = 0, max_abs_scale = 0;
    for (int j = 0; j < 16; j++) {
        const float a = fabsf(scales[j]);
        if (a > max_abs_scale) {
            max_abs_scale = a;
            max_scale = scales[j];
        }
    }
    if (max_abs_scale < GQ_ZERO_GROUP) {
        memset(y, 0, sizeof *y);
        return 0;
    }
    const float iscale = -128.f / max_scale;
    y->d = gq_fp32_to_fp16(1 / iscale);
    for (int j = 0; j < 16; j++) {
        int v = gq_nearest_int(iscale * scales[j]);
        y->scales[j] = (int8_t)(v < 127 ? v : 127);
    }
    return 1;
}

void gq_kq_pack_2bit(const uint8_t L[GQ_QK_K], uint8_t qs[GQ_QK_K / 4]) {
    for (int h = 0; h < 2; h++) {
        const uint8_t *l = L + 128 * h;
        for (int k = 0; k < 32; k++)
            qs[32 * h + k] = (uint8_t)(l[k] | (l[k + 32] << 2) | (l[k + 64] << 4) | (l[k + 96] << 6));
    }
}

void gq_kq_pack_q4(const uint8_t L[GQ_QK_K], uint8_t qs[GQ_QK_K / 2]) {
    for (int c = 0; c < 4; c++)
        for (int k = 0; k < 32; k++) qs[32 * c + k] = (uint8_t)(L[64 * c + k] | (L[64 * c + k + 32] << 4));
}

void gq_kq_pack_q5(const uint8_t L[GQ_QK_K], uint8_t qh[GQ_QK_K / 8], uint8_t qs[GQ_QK_K / 2]) {
    memset(qh, 0, GQ_QK_K / 8);
    for (int c = 0; c < 4; c++) {
        for (int k = 0; k < 32; k++) {
            int lo = L[64 * c + k], hi = L[64 * c + k + 32];
            if (lo > 15) {
                lo -= 16;
                qh[k] |= (uint8_t)(1u << (2 * c));
            }
            if (hi > 15) {
                hi -= 16;
                qh[k] |= (uint8_t)(2u << (2 * c));
            }
            qs[32 * c + k] = (uint8_t)(lo | (hi << 4));
        }
    }
}

void gq_kq_pack_q6(const uint8_t L[GQ_QK_K], uint8_t ql[GQ_QK_K / 2], uint8_t qh[GQ_QK_K / 4]) {
    for (int h = 0; h < 2; h++) {
        const uint8_t *l = L + 128 * h;
        for (int k = 0; k < 32; k++) {
            ql[64 * h + k] = (uint8_t)((l[k] & 0xF) | ((l[k + 64] & 0xF) << 4));
            ql[64 * h + k + 32] = (uint8_t)((l[k + 32] & 0xF) | ((l[k + 96] & 0xF) << 4));
            qh[32 * h + k] = (uint8_t)((l[k] >> 4) | ((l[k + 32] >> 4) << 2) | ((l[k + 64] >> 4) << 4) |
                                       ((l[k + 96] >> 4) << 6));
        }
    }
}

/* ======================================================== quantizers */

/* Round value x of a sub-block with scale d and offset dm (x ~ d*l - dm). */
static inline int requant_affine(float x, float dm, float d, int nmax) {
    return gq_clamp_int(gq_nearest_int((x + dm) / d), 0, nmax);
}

void gq_kq_q2_scales_plain(const float scales[16], const float mins[16], block_q2_K *y) {
    float max_scale = 0, max_min = 0;
    for (int j = 0; j < 16; j++) {
        if (scales[j] > max_scale) max_scale = scales[j];
        if (mins[j] > max_min) max_min = mins[j];
    }
    if (max_scale > 0) {
        const float iscale = 15.f / max_scale;
        for (int j = 0; j < 16; j++) y->scales[j] = (uint8_t)gq_nearest_int(iscale * scales[j]);
        y->d = gq_fp32_to_fp16(max_scale / 15.f);
    } else {
        memset(y->scales, 0, sizeof y->scales);
        y->d = gq_fp32_to_fp16(0.f);
    }
    if (max_min > 0) {
        const float iscale = 15.f / max_min;
        for (int j = 0; j < 16; j++) y->scales[j] |= (uint8_t)((unsigned)gq_nearest_int(iscale * mins[j]) << 4);
        y->dmin = gq_fp32_to_fp16(max_min / 15.f);
    } else {
        y->dmin = gq_fp32_to_fp16(0.f);
    }
}

void gq_kq_q2_scales_imat(const float scales[16], const float mins[16], const float sw[16], block_q2_K *y) {
    uint8_t Ls[16], Lm[16];
    const float dm = gq_kq_positive_scale(16, 15, scales, Ls, sw);
    const float mm = gq_kq_positive_scale(16, 15, mins, Lm, sw);
    y->d = gq_fp32_to_fp16(dm);
    y->dmin = gq_fp32_to_fp16(mm);
    for (int j = 0; j < 16; j++) y->scales[j] = (uint8_t)(Ls[j] | (Lm[j] << 4));
}

static void q2_K_block(const float *x, const float *qw, block_q2_K *y) {
    uint8_t L[GQ_QK_K];
    float scales[16], mins[16], w[16];
    if (!qw) {
        for (int j = 0; j < 16; j++) {
            for (int l = 0; l < 16; l++) w[l] = fabsf(x[16 * j + l]);
            scales[j] = gq_affine_search(16, 3, x + 16 * j, w, L + 16 * j, &mins[j], -0.5f, 0.1f, 15, 1);
        }
        gq_kq_q2_scales_plain(scales, mins, y);
    } else {
        float sumx2 = 0, sw[16];
        for (int j = 0; j < GQ_QK_K; j++) sumx2 += x[j] * x[j];
        const float sigma2 = sumx2 / GQ_QK_K;
        for (int j = 0; j < 16; j++) {
            for (int l = 0; l < 16; l++) w[l] = qw[16 * j + l] * sqrtf(sigma2 + x[16 * j + l] * x[16 * j + l]);
            float sumw = 0;
            for (int l = 0; l < 16; l++) sumw += w[l];
            sw[j] = sumw;
            scales[j] = gq_affine_search(16, 3, x + 16 * j, w, L + 16 * j, &mins[j], -0.9f, 0.05f, 36, 0);
        }
        gq_kq_q2_scales_imat(scales, mins, sw, y);
    }
    const float d_all = gq_fp16_to_fp32(y->d), m_all = gq_fp16_to_fp32(y->dmin);
    for (int j = 0; j < 16; j++) {
        const float d = d_all * (float)(y->scales[j] & 0xF);
        if (!d) continue; /* keep the search's levels */
        const float dm = m_all * (float)(y->scales[j] >> 4);
        for (int l = 0; l < 16; l++) L[16 * j + l] = (uint8_t)requant_affine(x[16 * j + l], dm, d, 3);
    }
    gq_kq_pack_2bit(L, y->qs);
}

void gq_kq_q3_scales_imat(const float scales[16], const float sw[16], block_q3_K *y) {
    uint8_t Ls[16];
    const float d_block = gq_symmetric_search(16, 32, scales, Ls, sw);
    memset(y->scales, 0, sizeof y->scales);
    for (int j = 0; j < 16; j++) kq_q3_scale_put(j, y->scales, Ls[j]);
    y->d = gq_fp32_to_fp16(d_block);
}

void gq_kq_pack_q3(uint8_t L[GQ_QK_K], block_q3_K *y) {
    /* The third bit of value e goes to bit e/32 of hmask[e%32]. */
    memset(y->hmask, 0, sizeof y->hmask);
    for (int e = 0; e < GQ_QK_K; e++) {
        if (L[e] > 3) {
            y->hmask[e % 32] |= (uint8_t)(1u << (e / 32));
            L[e] -= 4;
        }
    }
    gq_kq_pack_2bit(L, y->qs);
}

void gq_kq_q3_K_block(const float *x, const float *qw, block_q3_K *y) {
    uint8_t L[GQ_QK_K];
    float scales[16];
    memset(y->scales, 0, sizeof y->scales);
    if (!qw) {
        float max_scale = 0, amax = 0;
        for (int j = 0; j < 16; j++) {
            scales[j] = q3_search(16, 4, x + 16 * j, L + 16 * j);
            const float a = fabsf(scales[j]);
            if (a > amax) {
                amax = a;
                max_scale = scales[j];
            }
        }
        if (max_scale != 0) {
            const float iscale = -32.f / max_scale;
            for (int j = 0; j < 16; j++) {
                /* ggml narrows to int8 before clamping */
                int l = (int8_t)gq_nearest_int(iscale * scales[j]);
                kq_q3_scale_put(j, y->scales, gq_clamp_int(l, -32, 31) + 32);
            }
            y->d = gq_fp32_to_fp16(1 / iscale);
        } else {
            y->d = gq_fp32_to_fp16(0.f);
        }
    } else {
        float w[16], sw[16];
        float sumx2 = 0;
        for (int j = 0; j < GQ_QK_K; j++) sumx2 += x[j] * x[j];
        const float sigma2 = 2 * sumx2 / GQ_QK_K;
        for (int j = 0; j < 16; j++) {
            for (int l = 0; l < 16; l++) w[l] = qw[16 * j + l] * sqrtf(sigma2 + x[16 * j + l] * x[16 * j + l]);
            float sumw = 0;
            for (int l = 0; l < 16; l++) sumw += w[l];
            sw[j] = sumw;
            scales[j] = gq_symmetric_search(16, 4, x + 16 * j, L + 16 * j, w);
        }
        gq_kq_q3_scales_imat(scales, sw, y);
    }
    const float d_all = gq_fp16_to_fp32(y->d);
    for (int j = 0; j < 16; j++) {
        const float d = d_all * (float)kq_q3_scale_get(j, y->scales);
        if (!d) continue;
        for (int l = 0; l < 16; l++)
            L[16 * j + l] = (uint8_t)(gq_clamp_int(gq_nearest_int(x[16 * j + l] / d), -4, 3) + 4);
    }
    gq_kq_pack_q3(L, y);
}

/* q4_K and q5_K share everything but the number of levels and the bit
 * layout; the search parameters are ggml's per type and path. */
static void k4_search(const float *x, const float *qw, int nmax, float scales[8], float mins[8],
                      float sw[8], uint8_t L[GQ_QK_K]) {
    float w[32];
    if (!qw) {
        const float rmin = nmax == 15 ? -1.f : -0.5f;
        const int nstep = nmax == 15 ? 20 : 15;
        for (int j = 0; j < 8; j++) {
            const float *xs = x + 32 * j;
            float sum_x2 = 0;
            for (int l = 0; l < 32; l++) sum_x2 += xs[l] * xs[l];
            const float av_x = sqrtf(sum_x2 / 32);
            for (int l = 0; l < 32; l++) w[l] = av_x + fabsf(xs[l]);
            scales[j] = gq_affine_search(32, nmax, xs, w, L + 32 * j, &mins[j], rmin, 0.1f, nstep, 0);
        }
    } else {
        float sum_x2 = 0;
        for (int l = 0; l < GQ_QK_K; l++) sum_x2 += x[l] * x[l];
        const float sigma2 = 2 * sum_x2 / GQ_QK_K;
        for (int j = 0; j < 8; j++) {
            const float *xs = x + 32 * j;
            for (int l = 0; l < 32; l++) w[l] = qw[32 * j + l] * sqrtf(sigma2 + xs[l] * xs[l]);
            float sumw = 0;
            for (int l = 0; l < 32; l++) sumw += w[l];
            sw[j] = sumw;
            scales[j] = gq_affine_search(32, nmax, xs, w, L + 32 * j, &mins[j], -0.9f, 0.05f, 36, 0);
        }
    }
}

static void k4_requant(const float *x, const uint8_t packed[12], gq_half hd, gq_half hdmin, int nmax,
                       uint8_t L[GQ_QK_K]) {
    const float d_all = gq_fp16_to_fp32(hd), m_all = gq_fp16_to_fp32(hdmin);
    for (int j = 0; j < 8; j++) {
        uint8_t sc, mn;
        kq_k4_get(j, packed, &sc, &mn);
        const float d = d_all * (float)sc;
        if (!d) continue;
        const float dm = m_all * (float)mn;
        for (int l = 0; l < 32; l++) L[32 * j + l] = (uint8_t)requant_affine(x[32 * j + l], dm, d, nmax);
    }
}

static void q4_K_block(const float *x, const float *qw, block_q4_K *y) {
    uint8_t L[GQ_QK_K];
    float scales[8], mins[8], sw[8];
    k4_search(x, qw, 15, scales, mins, sw, L);
    if (!qw)
        gq_kq_k4_scales_plain(scales, mins, y->scales, &y->d, &y->dmin);
    else
        gq_kq_k4_scales_imat(scales, mins, sw, y->scales, &y->d, &y->dmin, 0);
    k4_requant(x, y->scales, y->d, y->dmin, 15, L);
    gq_kq_pack_q4(L, y->qs);
}

static void q5_K_block(const float *x, const float *qw, block_q5_K *y) {
    uint8_t L[GQ_QK_K];
    float scales[8], mins[8], sw[8];
    k4_search(x, qw, 31, scales, mins, sw, L);
    if (!qw)
        gq_kq_k4_scales_plain(scales, mins, y->scales, &y->d, &y->dmin);
    else
        gq_kq_k4_scales_imat(scales, mins, sw, y->scales, &y->d, &y->dmin, 1);
    k4_requant(x, y->scales, y->d, y->dmin, 31, L);
    gq_kq_pack_q5(L, y->qh, y->qs);
}

static void q6_K_block(const float *x, const float *qw, block_q6_K *y) {
    uint8_t L[GQ_QK_K];
    float scales[16];
    for (int j = 0; j < 16; j++)
        scales[j] = gq_symmetric_search(16, 32, x + 16 * j, L + 16 * j, qw ? qw + 16 * j : NULL);
    if (!gq_kq_q6_scales(scales, y)) return;
    const float d_all = gq_fp16_to_fp32(y->d);
    for (int j = 0; j < 16; j++) {
        const float d = d_all * (float)y->scales[j];
        if (!d) continue;
        for (int l = 0; l < 16; l++)
            L[16 * j + l] = (uint8_t)(gq_clamp_int(gq_nearest_int(x[16 * j + l] / d), -32, 31) + 32);
    }
    gq_kq_pack_q6(L, y->ql, y->qh);
}

/* Row driver: blocks of a row see the imatrix slice of their own columns;
 * each block is built in an aligned local and copied out (dst may sit at any
 * byte offset). */
#define KQ_ROW_DRIVER(name, block_t, block_fn)                                                     \
    static void name(const float *src, void *dst, int64_t nrows, int64_t n_per_row,              \
                     const float *imatrix) {                                                      \
        uint8_t *out = dst;                                                                       \
        const int64_t nb = n_per_row / GQ_QK_K;                                                   \
        for (int64_t r = 0; r < nrows; r++) {                                                     \
            for (int64_t i = 0; i < nb; i++, out += sizeof(block_t)) {                            \
                block_t y;                                                                        \
                block_fn(src + r * n_per_row + i * GQ_QK_K, imatrix ? imatrix + i * GQ_QK_K : NULL, &y); \
                memcpy(out, &y, sizeof y);                                                        \
            }                                                                                     \
        }                                                                                         \
    }

KQ_ROW_DRIVER(quant_q2_K, block_q2_K, q2_K_block)
KQ_ROW_DRIVER(quant_q3_K, block_q3_K, gq_kq_q3_K_block)
KQ_ROW_DRIVER(quant_q4_K, block_q4_K, q4_K_block)
KQ_ROW_DRIVER(quant_q5_K, block_q5_K, q5_K_block)
KQ_ROW_DRIVER(quant_q6_K, block_q6_K, q6_K_block)

void gq_register_kquants(gq_kernel_table t) {
    t[GQ_TYPE_Q2_K] = (gq_kernels){ dequant_q2_K, quant_q2_K };
    t[GQ_TYPE_Q3_K] = (gq_kernels){ dequant_q3_K, quant_q3_K };
    t[GQ_TYPE_Q4_K] = (gq_kernels){ dequant_q4_K, quant_q4_K };
    t[GQ_TYPE_Q5_K] = (gq_kernels){ dequant_q5_K, quant_q5_K };
    t[GQ_TYPE_Q6_K] = (gq_kernels){ dequant_q6_K, quant_q6_K };
    t[GQ_TYPE_Q8_K] = (gq_kernels){ dequant_q8_K, NULL };
}
