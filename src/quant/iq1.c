/* IQ1_S (1.56 bits per weight) and IQ1_M (1.75 bpw): scalar reference.
 *
 * Each group of 8 values is one entry of the 2048-point IQ1 codebook, whose
 * coordinates are -1, 0, +1, shifted by a per-sub-block delta of +-1/8 and
 * multiplied by a 3-bit sub-block scale.  IQ1_S has 32-value sub-blocks and
 * an fp16 super-block scale; IQ1_M has 16-value sub-blocks, a delta per
 * group of 8, and its fp16 scale spread over the top nibbles of the four
 * scale words.
 *
 * The quantizers follow ggml's quantize_row_iq1_s_impl / _m_impl: with only
 * three levels the best split of a sub-block into "-1 / 0 / +1" is found
 * exhaustively over the values sorted by size, then each group of 8 is moved
 * onto the codebook (the shared lattice of iq_lattice.h). */
#include <float.h>
#include <math.h>

#include "fp16.h"
#include "iq_lattice.h"
#include "iq_other.h"
#include "iq_tables.h"
#include "float_max.h"

#define IQ1_DELTA 0.125f

/* Coordinate values of levels 0, 1, 2 with the delta added or subtracted. */
static const float levels_plus[3] = { -1 + IQ1_DELTA, IQ1_DELTA, 1 + IQ1_DELTA };
static const float levels_minus[3] = { -1 - IQ1_DELTA, -IQ1_DELTA, 1 - IQ1_DELTA };

/* A value and the position it came from. */
typedef struct {
    float value;
    int index;
} ranked_value;

/* Sort by value, equal values keeping their order.  ggml calls qsort, and
 * glibc's qsort is a stable merge sort for arrays this small, so ties (a
 * constant row) come out in index order; an insertion sort does the same. */
static void sort_by_value(const float *x, int n, ranked_value *out) {
    for (int i = 0; i < n; i++) {
        ranked_value v = { x[i], i };
        int j = i;
        while (j > 0 && out[j - 1].value > v.value) {
            out[j] = out[j - 1];
            j--;
        }
        out[j] = v;
    }
}

static void sub_block_weights(const float *xb, const float *qw, float sigma2, int n, float *weight) {
    if (qw) {
        for (int i = 0; i < n; i++) weight[i] = qw[i] * sqrtf(sigma2 + xb[i] * xb[i]);
    } else {
        for (int i = 0; i < n; i++) weight[i] = xb[i] * xb[i];
    }
}

static float super_block_sigma2(const float *xbl) {
    float sumx2 = 0;
    for (int i = 0; i < GQ_QK_K; i++) sumx2 += xbl[i] * xbl[i];
    return 2 * sumx2 / GQ_QK_K;
}

static inline int point_level(uint64_t point, int j) { return ((int)(int8_t)(point >> 8 * j) - 1) / 2; }

/* The codebook entry among `list` closest to 8 values at `scale` (weighted
 * squared error, first best wins), with level l meaning coords[l]. */
static int best_neighbour(const gq_lattice *lat, const uint16_t *list, int count, const float *xval,
                          const float *weight, float scale, const float *coords) {
    float best_d2 = FLT_MAX;
    int best = -1;
    for (int j = 0; j < count; j++) {
        const uint64_t p = lat->points[list[j]];
        float d2 = 0;
        for (int i = 0; i < 8; i++) {
            const float q = coords[point_level(p, i)];
            const float w = weight[i];
            const float diff = scale * q - xval[i];
            d2 += w * diff * diff;
        }
        if (d2 < best_d2) {
            best_d2 = d2;
            best = list[j];
        }
    }
    if (best < 0) {
        /* Every error overflowed (inputs beyond ~1e18).  ggml then scans the
         * whole codebook, reading xval out of bounds; scan it reading the 8
         * values meant, and settle for the first neighbour if that fails too. */
        for (int e = 0; e < lat->grid_size; e++) {
            const uint64_t p = lat->points[e];
            float d2 = 0;
            for (int i = 0; i < 8; i++) {
                const float diff = scale * coords[point_level(p, i)] - xval[i];
                d2 += weight[i] * diff * diff;
            }
            if (d2 < best_d2) {
                best_d2 = d2;
                best = e;
            }
        }
        if (best < 0) best = list[0];
    }
    return best;
}

/* Codebook entry of 8 levels: the exact point, or the best neighbour. */
static int group_entry(const gq_lattice *lat, const int8_t *L8, const float *xval, const float *weight, float scale,
                       const float *coords, bool *on_grid) {
    const uint16_t code = gq_lattice_code(L8);
    const int32_t entry = lat->map[code];
    if (entry >= 0) return entry;
    *on_grid = false;
    const uint16_t *list = NULL;
    const int count = gq_lattice_neighbours(lat, code, &list);
    return best_neighbour(lat, list, count, xval, weight, scale, coords);
}

/* ---------------------------------------------------------------- IQ1_S */

enum { IQ1S_SUB = 32, IQ1S_NSUB = GQ_QK_K / IQ1S_SUB };

static void quantize_iq1_s_row(const gq_lattice *lat, const float *x, uint8_t *y, int64_t nblocks,
                               const float *imatrix) {
    for (int64_t ibl = 0; ibl < nblocks; ibl++) {
        /* built here, copied out when done: dst may sit at any byte offset */
        block_iq1_s blk, *out = &blk;
        memset(out, 0, sizeof *out);
        const float *xbl = x + GQ_QK_K * ibl;
        const float sigma2 = super_block_sigma2(xbl);
        float scales[IQ1S_NSUB];
        int shifts[IQ1S_NSUB];
        float max_scale = 0;

        for (int ib = 0; ib < IQ1S_NSUB; ib++) {
            const float *xb = xbl + IQ1S_SUB * ib;
            float weight[IQ1S_SUB];
            sub_block_weights(xb, imatrix + GQ_QK_K * ibl + IQ1S_SUB * ib, sigma2, IQ1S_SUB, weight);
            float max = fabsf(xb[0]);
            for (int i = 1; i < IQ1S_SUB; i++) max = gq_max_first(max, fabsf(xb[i]));
            scales[ib] = 0;
            shifts[ib] = 1;
            if (max < 1e-12f) continue;

            /* Prefix sums of w*x and w over the sorted values: a split
             * (i1, i2) puts the first i1 on level 0, up to i2 on level 1,
             * the rest on level 2, and its best scale is closed-form. */
            ranked_value sorted[IQ1S_SUB];
            float sumx[IQ1S_SUB + 1], sumw[IQ1S_SUB + 1];
            sort_by_value(xb, IQ1S_SUB, sorted);
            sumx[0] = sumw[0] = 0;
            for (int j = 0; j < IQ1S_SUB; j++) {
                const int i = sorted[j].index;
                sumx[j + 1] = sumx[j] + weight[i] * xb[i];
                sumw[j + 1] = sumw[j] + weight[i];
            }
            float best_score = -FLT_MAX, scale = max;
            int besti1 = -1, besti2 = -1, best_shift = 0;
            for (int i1 = 0; i1 <= IQ1S_SUB; i1++) {
                for (int i2 = i1; i2 <= IQ1S_SUB; i2++) {
                    for (int shift = 1; shift >= -1; shift -= 2) {
                        const float *lv = shift == 1 ? levels_plus : levels_minus;
                        const float sumqx = (sumx[i1] - sumx[0]) * lv[0] + (sumx[i2] - sumx[i1]) * lv[1] +
                                            (sumx[IQ1S_SUB] - sumx[i2]) * lv[2];
                        const float sumq2 = (sumw[i1] - sumw[0]) * lv[0] * lv[0] +
                                            (sumw[i2] - sumw[i1]) * lv[1] * lv[1] +
                                            (sumw[IQ1S_SUB] - sumw[i2]) * lv[2] * lv[2];
                        if (sumq2 > 0 && sumqx * sumqx > best_score * sumq2) {
                            scale = sumqx / sumq2;
                            best_score = scale * sumqx;
                            besti1 = i1;
                            besti2 = i2;
                            best_shift = shift;
                        }
                    }
                }
            }
            if (besti1 < 0 || besti2 < 0 || best_shift == 0) continue;

            int8_t L[IQ1S_SUB];
            for (int j = 0; j < IQ1S_SUB; j++) L[sorted[j].index] = (int8_t)(j < besti1 ? 0 : j < besti2 ? 1 : 2);
            if (scale < 0) {
                for (int j = 0; j < IQ1S_SUB; j++) L[j] = (int8_t)(2 - L[j]);
                scale = -scale;
                best_shift = -best_shift;
            }
            const float *coords = best_shift == 1 ? levels_plus : levels_minus;
            bool all_on_grid = true;
            int entry[IQ1S_SUB / 8];
            for (int k = 0; k < IQ1S_SUB / 8; k++)
                entry[k] = group_entry(lat, L + 8 * k, xb + 8 * k, weight + 8 * k, scale, coords, &all_on_grid);
            if (!all_on_grid) {
                float sumqx = 0, sumq2 = 0;
                for (int k = 0; k < IQ1S_SUB / 8; k++) {
                    const uint64_t p = lat->points[entry[k]];
                    for (int j = 0; j < 8; j++) {
                        const float w = weight[8 * k + j];
                        const float q = coords[point_level(p, j)];
                        sumqx += w * q * xb[8 * k + j];
                        sumq2 += w * q * q;
                    }
                }
                if (sumqx > 0 && sumq2 > 0) scale = sumqx / sumq2;
            }
            uint16_t h = 0;
            for (int k = 0; k < IQ1S_SUB / 8; k++) {
                out->qs[(IQ1S_SUB / 8) * ib + k] = (uint8_t)(entry[k] & 255);
                h |= (uint16_t)((entry[k] >> 8) << 3 * k);
            }
            out->qh[ib] = h;
            scales[ib] = scale;
            shifts[ib] = best_shift;
            max_scale = gq_max_first(max_scale, scale);
        }

        if (max_scale != 0) {
            const float d = max_scale / 15;
            out->d = gq_fp32_to_fp16(d * 1.125f); /* ggml's fudge factor */
            const float id = 1 / d;
            for (int ib = 0; ib < IQ1S_NSUB; ib++) {
                int l = gq_clamp_int(gq_nearest_int(0.5f * (id * scales[ib] - 1)), 0, 7);
                if (shifts[ib] == -1) l |= 8;
                out->qh[ib] |= (uint16_t)(l << 12);
            }
        }
        memcpy(y + (size_t)ibl * sizeof blk, &blk, sizeof blk);
    }
}

static void quantize_iq1_s(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) {
    const int64_t nblocks = n_per_row / GQ_QK_K;
    uint8_t *y = dst;
    if (!imatrix) {
        /* gq_quantize refuses iq1_s without importance weights before it gets here. */
        memset(y, 0, (size_t)(nrows * nblocks) * sizeof(block_iq1_s));
        return;
    }
    const gq_lattice *lat = gq_lattice_get(GQ_LATTICE_IQ1_S);
    for (int64_t r = 0; r < nrows; r++)
        quantize_iq1_s_row(lat, src + r * n_per_row, y + (size_t)(r * nblocks) * sizeof(block_iq1_s), nblocks, imatrix);
}

/* ---------------------------------------------------------------- IQ1_M */

enum { IQ1M_SUB = 16, IQ1M_NSUB = GQ_QK_K / IQ1M_SUB };

/* IQ1_M picks the delta's sign per group of 8: "shift" 0..3 says
 * (first group, second group) = (+,+), (+,-), (-,+), (-,-). */
static const float *group_coords(int shift, int group) {
    const bool minus = group == 0 ? shift >= 2 : shift % 2 == 1;
    return minus ? levels_minus : levels_plus;
}

/* Sums of every split, in sorted order: level 0 for j < i1, 1 for j < i2, 2 after. */
static void split_sums_scalar(const float *prod_x, const float *prod_q2, float *sumqx, float *sumq2) {
    for (int i1 = 0; i1 <= IQ1M_SUB; i1++) {
        for (int i2 = i1; i2 <= IQ1M_SUB; i2++) {
            float *sx = sumqx + 4 * GQ_IQ1M_SPLIT(i1, i2), *s2 = sumq2 + 4 * GQ_IQ1M_SPLIT(i1, i2);
            for (int k = 0; k < 4; k++) sx[k] = s2[k] = 0;
            for (int j = 0; j < IQ1M_SUB; j++) {
                const int level = j < i1 ? 0 : j < i2 ? 1 : 2;
                for (int k = 0; k < 4; k++) {
                    sx[k] += prod_x[12 * j + 4 * level + k];
                    s2[k] += prod_q2[12 * j + 4 * level + k];
                }
            }
        }
    }
}

static void quantize_iq1_m_row(const gq_lattice *lat, gq_iq1m_split_fn split_sums, const float *x, uint8_t *y,
                               int64_t nblocks, const float *imatrix) {
    for (int64_t ibl = 0; ibl < nblocks; ibl++) {
        /* iq1_m has no multi-byte fields, but stays in step with iq1_s: built here, copied out */
        block_iq1_m blk, *out = &blk;
        memset(out, 0, sizeof *out);
        const float *xbl = x + GQ_QK_K * ibl;
        const float sigma2 = super_block_sigma2(xbl);
        float scales[IQ1M_NSUB];
        int shifts[IQ1M_NSUB];
        float max_scale = 0;

        for (int ib = 0; ib < IQ1M_NSUB; ib++) {
            const float *xb = xbl + IQ1M_SUB * ib;
            float weight[IQ1M_SUB];
            sub_block_weights(xb, imatrix ? imatrix + GQ_QK_K * ibl + IQ1M_SUB * ib : NULL, sigma2, IQ1M_SUB, weight);
            float max = fabsf(xb[0]);
            for (int i = 1; i < IQ1M_SUB; i++) max = gq_max_first(max, fabsf(xb[i]));
            scales[ib] = 0;
            shifts[ib] = 0;
            if (max < 1e-7f) continue;

            ranked_value sorted[IQ1M_SUB];
            sort_by_value(xb, IQ1M_SUB, sorted);
            /* Every split (i1, i2) of the sorted values into levels 0/1/2,
             * under each of the 4 delta-sign choices.  ggml sums every split
             * afresh in sorted order (no prefix sums), so each split's sums
             * must be added in that order too; the products do not depend
             * on the split and are formed once. */
            float prod_x[IQ1M_SUB * 12], prod_q2[IQ1M_SUB * 12];
            for (int j = 0; j < IQ1M_SUB; j++) {
                const int i = sorted[j].index;
                const int group = i < IQ1M_SUB / 2 ? 0 : 1;
                for (int level = 0; level < 3; level++) {
                    for (int k = 0; k < 4; k++) {
                        const float lv = group_coords(k, group)[level];
                        prod_x[12 * j + 4 * level + k] = weight[i] * lv * xb[i];
                        prod_q2[12 * j + 4 * level + k] = weight[i] * lv * lv;
                    }
                }
            }
            float split_qx[GQ_IQ1M_SPLITS * 4], split_q2[GQ_IQ1M_SPLITS * 4];
            split_sums(prod_x, prod_q2, split_qx, split_q2);
            float best_score = -FLT_MAX, scale = max;
            int besti1 = -1, besti2 = -1, best_k = -1;
            for (int i1 = 0; i1 <= IQ1M_SUB; i1++) {
                for (int i2 = i1; i2 <= IQ1M_SUB; i2++) {
                    const float *sumqx = split_qx + 4 * GQ_IQ1M_SPLIT(i1, i2);
                    const float *sumq2 = split_q2 + 4 * GQ_IQ1M_SPLIT(i1, i2);
                    for (int k = 0; k < 4; k++) {
                        if (sumq2[k] > 0 && sumqx[k] * sumqx[k] > best_score * sumq2[k]) {
                            scale = sumqx[k] / sumq2[k];
                            best_score = scale * sumqx[k];
                            besti1 = i1;
                            besti2 = i2;
                            best_k = k;
                        }
                    }
                }
            }
            if (besti1 < 0 || besti2 < 0 || best_k < 0) continue;

            int8_t L[IQ1M_SUB];
            for (int j = 0; j < IQ1M_SUB; j++) L[sorted[j].index] = (int8_t)(j < besti1 ? 0 : j < besti2 ? 1 : 2);
            if (scale < 0) {
                /* Mirror the levels and both delta signs. */
                for (int j = 0; j < IQ1M_SUB; j++) L[j] = (int8_t)(2 - L[j]);
                scale = -scale;
                best_k = 3 - best_k;
            }
            bool all_on_grid = true;
            int entry[2];
            for (int k = 0; k < 2; k++)
                entry[k] = group_entry(lat, L + 8 * k, xb + 8 * k, weight + 8 * k, scale, group_coords(best_k, k),
                                       &all_on_grid);
            if (!all_on_grid) {
                float sumqx = 0, sumq2 = 0;
                for (int k = 0; k < 2; k++) {
                    const float *coords = group_coords(best_k, k);
                    const uint64_t p = lat->points[entry[k]];
                    for (int j = 0; j < 8; j++) {
                        const float w = weight[8 * k + j];
                        const float q = coords[point_level(p, j)];
                        sumqx += w * q * xb[8 * k + j];
                        sumq2 += w * q * q;
                    }
                }
                if (sumqx > 0 && sumq2 > 0) scale = sumqx / sumq2;
            }
            out->qs[2 * ib] = (uint8_t)(entry[0] & 255);
            out->qs[2 * ib + 1] = (uint8_t)(entry[1] & 255);
            out->qh[ib] = (uint8_t)((entry[0] >> 8) | (entry[1] >> 8) << 4);
            scales[ib] = scale;
            shifts[ib] = best_k;
            max_scale = gq_max_first(max_scale, scale);
        }

        if (max_scale == 0) {
            memcpy(y + (size_t)ibl * sizeof blk, &blk, sizeof blk);
            continue;
        }

        /* 3-bit sub-block scales, four to a 16-bit word; then the
         * super-block scale is refit to the chosen codes and its fp16 bits
         * stored a nibble per word, in the words' top 4 bits. */
        static const uint8_t delta_sign_bits[4] = { 0x00, 0x80, 0x08, 0x88 };
        uint16_t sc[4] = { 0, 0, 0, 0 };
        float d = max_scale / 15;
        const float id = 1 / d;
        float sumqx = 0, sumq2 = 0;
        for (int ib = 0; ib < IQ1M_NSUB; ib++) {
            const int l = gq_clamp_int(gq_nearest_int(0.5f * (id * scales[ib] - 1)), 0, 7);
            sc[ib / 4] |= (uint16_t)(l << 3 * (ib % 4));
            out->qh[ib] |= delta_sign_bits[shifts[ib]];
            const float *xb = xbl + IQ1M_SUB * ib;
            float weight[IQ1M_SUB];
            sub_block_weights(xb, imatrix ? imatrix + GQ_QK_K * ibl + IQ1M_SUB * ib : NULL, sigma2, IQ1M_SUB, weight);
            for (int k = 0; k < 2; k++) {
                const float *coords = group_coords(shifts[ib], k);
                const int e = out->qs[2 * ib + k] | ((out->qh[ib] >> 4 * k) & 7) << 8;
                const uint64_t p = lat->points[e];
                for (int j = 0; j < 8; j++) {
                    const float w = weight[8 * k + j];
                    const float q = coords[point_level(p, j)] * (float)(2 * l + 1);
                    sumqx += w * q * xb[8 * k + j];
                    sumq2 += w * q * q;
                }
            }
        }
        if (sumq2 > 0) d = sumqx / sumq2;
        const uint16_t dbits = gq_fp32_to_fp16(d * 1.1125f); /* ggml's fudge factor */
        sc[0] |= (uint16_t)((dbits & 0x000f) << 12);
        sc[1] |= (uint16_t)((dbits & 0x00f0) << 8);
        sc[2] |= (uint16_t)((dbits & 0x0f00) << 4);
        sc[3] |= (uint16_t)(dbits & 0xf000);
        for (int w = 0; w < 4; w++) {
            out->scales[2 * w] = (uint8_t)(sc[w] & 0xff);
            out->scales[2 * w + 1] = (uint8_t)(sc[w] >> 8);
        }
        memcpy(y + (size_t)ibl * sizeof blk, &blk, sizeof blk);
    }
}

void gq_quantize_iq1_m_rows(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix,
                            gq_iq1m_split_fn split_sums) {
    const gq_lattice *lat = gq_lattice_get(GQ_LATTICE_IQ1_S);
    const int64_t nblocks = n_per_row / GQ_QK_K;
    uint8_t *y = dst;
    for (int64_t r = 0; r < nrows; r++)
        quantize_iq1_m_row(lat, split_sums, src + r * n_per_row, y + (size_t)(r * nblocks) * sizeof(block_iq1_m),
                           nblocks, imatrix);
}

const gq_iq1m_split_fn gq_iq1m_split_sums_scalar = split_sums_scalar;

static void quantize_iq1_m(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) {
    gq_quantize_iq1_m_rows(src, dst, nrows, n_per_row, imatrix, split_sums_scalar);
}

/* ----------------------------------------------------------- dequantize */

static inline float iq1_delta(int negative) { return negative ? -IQ1_DELTA : IQ1_DELTA; }

void gq_dequantize_iq1_s(const void *src, float *dst, int64_t n) {
    for (int64_t i = 0; i < n / GQ_QK_K; i++) {
        block_iq1_s b; /* copied: the data may sit at any byte offset */
        memcpy(&b, (const uint8_t *)src + (size_t)i * sizeof b, sizeof b);
        const float d = gq_fp16_to_fp32(b.d);
        for (int ib = 0; ib < IQ1S_NSUB; ib++) {
            /* qh: bits 0-11 the high 3 bits of the 4 groups' indices, 12-14 the scale, 15 the delta sign */
            const uint16_t qh = b.qh[ib];
            const float dl = d * (float)(2 * ((qh >> 12) & 7) + 1);
            const float delta = iq1_delta(qh & 0x8000);
            for (int l = 0; l < 4; l++) {
                const uint64_t g = gq_iq1s_grid[b.qs[4 * ib + l] | ((qh >> 3 * l) & 7) << 8];
                for (int j = 0; j < 8; j++) dst[j] = dl * ((float)(int8_t)(g >> 8 * j) + delta);
                dst += 8;
            }
        }
    }
}

void gq_dequantize_iq1_m(const void *src, float *dst, int64_t n) {
    const block_iq1_m *x = src;
    for (int64_t i = 0; i < n / GQ_QK_K; i++) {
        uint16_t sc[4];
        for (int w = 0; w < 4; w++) sc[w] = (uint16_t)(x[i].scales[2 * w] | x[i].scales[2 * w + 1] << 8);
        const uint16_t dbits =
            (uint16_t)((sc[0] >> 12) | ((sc[1] >> 8) & 0x00f0) | ((sc[2] >> 4) & 0x0f00) | (sc[3] & 0xf000));
        const float d = gq_fp16_to_fp32(dbits);
        for (int ib = 0; ib < GQ_QK_K / 32; ib++) {
            const uint8_t *qs = x[i].qs + 4 * ib;
            const uint8_t *qh = x[i].qh + 2 * ib;
            for (int half = 0; half < 2; half++) {
                /* one 3-bit scale per 16 values */
                const int ls = (sc[ib / 2] >> (6 * (ib % 2) + 3 * half)) & 7;
                const float dl = d * (float)(2 * ls + 1);
                for (int g = 0; g < 2; g++) {
                    /* qh byte: low nibble for the first group (3 index bits + delta sign at 0x08), high for the second */
                    const int nib = (qh[half] >> 4 * g) & 0xf;
                    const uint64_t grid = gq_iq1s_grid[qs[2 * half + g] | (nib & 7) << 8];
                    const float delta = iq1_delta(nib & 8);
                    for (int j = 0; j < 8; j++) dst[j] = dl * ((float)(int8_t)(grid >> 8 * j) + delta);
                    dst += 8;
                }
            }
        }
    }
}

void gq_register_iq1(gq_kernel_table t) {
    t[GQ_TYPE_IQ1_S] = (gq_kernels){ gq_dequantize_iq1_s, quantize_iq1_s };
    t[GQ_TYPE_IQ1_M] = (gq_kernels){ gq_dequantize_iq1_m, quantize_iq1_m };
}
