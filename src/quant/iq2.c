/* IQ2 family, scalar reference: iq2_xxs (2.06 bpw), iq2_xs (2.31 bpw),
 * iq2_s (2.56 bpw).
 *
 * Every group of 8 values is one codebook entry (a point of the lattice in
 * iq_lattice.h, coordinates 8, 25 or 43 before scaling) plus 8 sign bits:
 *   iq2_xxs  32-value groups: 4 x 8-bit grid index, 4 x 7 sign bits, a 4-bit scale
 *   iq2_xs   16-value groups: 2 x (9-bit grid index | 7 sign bits << 9), 4-bit scales
 *   iq2_s    16-value groups: 2 x 10-bit grid index (8 in qs, 2 in qh), 8 sign bits
 * With 7 stored sign bits the 8th is implied: the number of negative values
 * is even, so the quantizer flips the least important value's sign when it
 * is odd.  A group's scale is d * (0.5 + s) * 0.25 for its 4-bit s.
 *
 * The quantizers reproduce ggml's quantize_row_iq2_{xxs,xs,s}_impl: the same
 * float operations in the same order, so the bytes are identical. */
#include <float.h>
#include <math.h>
#include <string.h>

#include "blocks.h"
#include "fp16.h"
#include "iq2.h"
#include "float_max.h"
#include "iq_tables.h"

/* ggml's thresholds under which a group counts as all zero. */
#define IQ2_ZERO_GROUP 1e-15f
#define IQ2_S_ZERO_GROUP 1e-8f

/* Levels per coordinate (kMaxQ in ggml): 0, 1, 2, i.e. coordinates 1, 3, 5.
 * The scale trials step the inverse scale by 0.1 around the top coordinate. */
#define IQ2_LEVELS 3
#define IQ2_TOP_COORD (2 * IQ2_LEVELS - 1)

/* -1.f where bit j of signs is set, else 1.f: computed, not branched on (signs are random, a
 * branch would be mispredicted half the time); the multiply by it is ggml's own arithmetic. */
static inline float sign_of_bit(uint8_t signs, int j) { return (float)(1 - 2 * ((signs >> j) & 1)); }

/* ------------------------------------------------------------ dequantize */

/* One group of 8: db * codebook byte, negated where the sign bit is set.
 * (ggml multiplies by -1.f or 1.f; the product is the same bits.) */
static inline void emit8(float *y, float db, uint64_t entry, uint8_t signs) {
    for (int j = 0; j < 8; j++) y[j] = db * (float)(uint8_t)(entry >> (8 * j)) * sign_of_bit(signs, j);
}

static void dequant_iq2_xxs(const void *src, float *y, int64_t n) {
    const block_iq2_xxs *x = src;
    for (int64_t i = 0; i < n / GQ_QK_K; i++) {
        const float d = gq_fp16_to_fp32(x[i].d);
        for (int ib = 0; ib < GQ_QK_K / 32; ib++) {
            /* 8 bytes per group: 4 grid indices, then a word of 4 x 7 sign bits and the 4-bit scale. */
            const uint16_t *q = x[i].qs + 4 * ib;
            const uint32_t indices = (uint32_t)q[0] | (uint32_t)q[1] << 16;
            const uint32_t signs_scale = (uint32_t)q[2] | (uint32_t)q[3] << 16;
            const float db = d * (0.5f + (float)(signs_scale >> 28)) * 0.25f;
            for (int l = 0; l < 4; l++) {
                const uint8_t signs = gq_ksigns_iq2xs[(signs_scale >> (7 * l)) & 127];
                emit8(y, db, gq_iq2xxs_grid[(indices >> (8 * l)) & 255], signs);
                y += 8;
            }
        }
    }
}

static void dequant_iq2_xs(const void *src, float *y, int64_t n) {
    const block_iq2_xs *x = src;
    for (int64_t i = 0; i < n / GQ_QK_K; i++) {
        const float d = gq_fp16_to_fp32(x[i].d);
        for (int ib = 0; ib < GQ_QK_K / 32; ib++) {
            const float db[2] = { d * (0.5f + (float)(x[i].scales[ib] & 0xf)) * 0.25f,
                                  d * (0.5f + (float)(x[i].scales[ib] >> 4)) * 0.25f };
            for (int l = 0; l < 4; l++) {
                const uint16_t q = x[i].qs[4 * ib + l];
                emit8(y, db[l / 2], gq_iq2xs_grid[q & 511], gq_ksigns_iq2xs[q >> 9]);
                y += 8;
            }
        }
    }
}

static void dequant_iq2_s(const void *src, float *y, int64_t n) {
    const block_iq2_s *x = src;
    for (int64_t i = 0; i < n / GQ_QK_K; i++) {
        const float d = gq_fp16_to_fp32(x[i].d);
        const uint8_t *signs = x[i].qs + GQ_QK_K / 8;
        for (int ib = 0; ib < GQ_QK_K / 32; ib++) {
            const float db[2] = { d * (0.5f + (float)(x[i].scales[ib] & 0xf)) * 0.25f,
                                  d * (0.5f + (float)(x[i].scales[ib] >> 4)) * 0.25f };
            for (int l = 0; l < 4; l++) {
                const int index = x[i].qs[4 * ib + l] | ((x[i].qh[ib] << (8 - 2 * l)) & 0x300);
                emit8(y, db[l / 2], gq_iq2s_grid[index], signs[4 * ib + l]);
                y += 8;
            }
        }
    }
}

/* ------------------------------------------------------------ neighbour search */

/* The error term of level l in coordinate i at `scale`, as ggml computes it
 * inside its neighbour loop: w * diff * diff with diff = scale*q - x. */
static inline float level_error(float scale, int level, float x, float w) {
    const float q = (float)(2 * level + 1);
    const float diff = scale * q - x;
    return w * diff * diff;
}

int gq_iq2_best_neighbour(const gq_lattice *lat, uint32_t code, const float *xval, const float *sqrt_weight,
                          float scale, int8_t *levels) {
    const uint16_t *list;
    const int count = gq_lattice_neighbours(lat, code, &list);
    /* Every candidate's score is a sum of 8 terms, one per coordinate, and
     * each term depends only on the coordinate's level: compute the 3 x 8
     * possible terms once, then a candidate costs 8 look-ups and adds. */
    float error[8][4];
    for (int i = 0; i < 8; i++)
        for (int l = 0; l < IQ2_LEVELS; l++) error[i][l] = level_error(scale, l, xval[i], sqrt_weight[i]);
    float best_score = FLT_MAX;
    int best = count > 0 ? list[0] : 0;
    for (int c = 0; c < count; c++) {
        const uint16_t levels_code = lat->level_codes[list[c]];
        float score = 0;
        for (int i = 0; i < 8; i++) score += error[i][(levels_code >> (2 * i)) & 3];
        if (score < best_score) {
            best_score = score;
            best = list[c];
        }
    }
    const uint16_t best_code = lat->level_codes[best];
    for (int i = 0; i < 8; i++) levels[i] = (int8_t)((best_code >> (2 * i)) & 3);
    return best;
}

int gq_iq2_settle_scalar(const gq_lattice *lat, const float *xval, const float *sqrt_weight, float scale,
                         int8_t *levels) {
    const float id = 1 / scale;
    for (int i = 0; i < 8; i++) levels[i] = gq_iq2_level(id, xval[i]);
    const uint16_t code = gq_lattice_code(levels);
    if (lat->map[code] >= 0) return lat->map[code];
    return gq_iq2_best_neighbour(lat, code, xval, sqrt_weight, scale, levels);
}

/* ------------------------------------------------------------ the trials */

void gq_iq2_run_trials_scalar(gq_iq2_trials *t) {
    const gq_lattice *lat = t->lattice;
    for (int trial = 0; trial < t->n_trials; trial++) {
        const float id = t->inverse_scale[trial];
        const float this_scale = 1 / id;
        float sumqx = 0, sumq2 = 0; /* over the whole group, in element order: sub-group by sub-group */
        for (int k = 0; k < t->group_size / 8; k++) {
            int8_t L[8];
            for (int i = 0; i < 8; i++) L[i] = gq_iq2_level(id, t->xval[8 * k + i]);
            uint16_t code = gq_lattice_code(L);
            if (trial == 0) t->off_grid[k] = 0;
            if (lat->map[code] < 0) {
                t->off_grid[k] |= 1u << trial;
                gq_iq2_best_neighbour(lat, code, t->xval + 8 * k, t->sqrt_weight + 8 * k, this_scale, L);
                code = gq_lattice_code(L);
            }
            t->codes[k][trial] = code;
            for (int i = 0; i < 8; i++) {
                const float w = t->weight[8 * k + i];
                const float q = (float)(2 * L[i] + 1);
                sumqx += w * t->xval[8 * k + i] * q;
                sumq2 += w * q * q;
            }
        }
        t->sumqx[trial] = sumqx;
        t->sumq2[trial] = sumq2;
    }
}

/* ------------------------------------------------------------ shared search steps */

float gq_iq2_prepare_scalar(gq_iq2_group *g, const float *xb, const float *qw, float sigma2) {
    for (int i = 0; i < g->size; i++) {
        if (qw)
            g->weight[i] = qw[i] * sqrtf(sigma2 + xb[i] * xb[i]);
        else if (g->iq2_s_weights)
            g->weight[i] = 0.25f * sigma2 + xb[i] * xb[i];
        else
            g->weight[i] = sqrtf(sigma2 + xb[i] * xb[i]);
    }
    for (int i = 0; i < g->size; i++) g->sqrt_weight[i] = sqrtf(g->weight[i]);
    for (int k = 0; k < g->size / 8; k++) {
        const float *x = xb + 8 * k;
        float *xval = g->xval + 8 * k;
        int nflip = 0;
        uint8_t s = 0;
        /* Not shared with iq3.c's sign split: that one tests v >= 0 (a NaN
         * counts as negative there), this one x < 0 (a NaN counts as positive). */
        for (int i = 0; i < 8; i++) {
            /* Written without a branch: signs are random, a branch would be mispredicted half the time. */
            const int negative = x[i] < 0;
            xval[i] = negative ? -x[i] : x[i];
            nflip += negative;
            s |= (uint8_t)(negative << i);
        }
        if (g->even_parity && nflip % 2) {
            const float *w = g->weight + 8 * k;
            int imin = 0;
            float min = w[0] * x[0] * x[0];
            for (int i = 1; i < 8; i++) {
                const float ax = w[i] * x[i] * x[i];
                if (ax < min) {
                    min = ax;
                    imin = i;
                }
            }
            xval[imin] = -xval[imin];
            s ^= (uint8_t)(1 << imin);
        }
        g->signs[k] = g->even_parity ? s & 127 : s;
    }
    float max = g->xval[0];
    for (int i = 1; i < g->size; i++) max = gq_max_first(max, g->xval[i]);
    return max;
}

/* Fill the spare trial slots with the last trial's inverse scale, so a SIMD
 * runner computing whole vectors works on finite, harmless values. */
static void pad_trials(gq_iq2_trials *t) {
    for (int s = t->n_trials; s < GQ_IQ2_TRIAL_SLOTS; s++) t->inverse_scale[s] = t->inverse_scale[t->n_trials - 1];
}

/* Sum of squares over a super-block, in element order. */
static float sum_squares(const float *x, int n) {
    float sumx2 = 0;
    for (int i = 0; i < n; i++) sumx2 += x[i] * x[i];
    return sumx2;
}

/* The best of the trials: the one maximizing sumqx^2 / sumq2, earliest on
 * ties, compared as ggml does (cross-multiplied, against the running best).
 * Updates *scale, copies the levels (and the on-grid flags) of the winner;
 * leaves them when no trial beats best = 0. */
static void pick_best_trial(const gq_iq2_trials *t, int group_size, float *scale, int8_t *L, bool *on_grid) {
    /* Each trial's scale and "best" value if it wins depend only on its own sums: computing them first
     * leaves the loop that picks the winner a short chain of compares and selects (no branches: which
     * trial wins is data, a branch would often be mispredicted).  Quotients of trials that cannot win
     * are computed and dropped. */
    float trial_scale[GQ_IQ2_TRIAL_SLOTS], trial_best[GQ_IQ2_TRIAL_SLOTS];
    for (int trial = 0; trial < t->n_trials; trial++) {
        trial_scale[trial] = t->sumqx[trial] / t->sumq2[trial];
        trial_best[trial] = trial_scale[trial] * t->sumqx[trial];
    }
    float best = 0;
    int winner = -1;
    for (int trial = 0; trial < t->n_trials; trial++) {
        const float sumqx = t->sumqx[trial], sumq2 = t->sumq2[trial];
        const bool better = sumq2 > 0 && sumqx * sumqx > best * sumq2;
        best = better ? trial_best[trial] : best;
        winner = better ? trial : winner;
    }
    if (winner < 0) return;
    *scale = trial_scale[winner];
    for (int i = 0; i < group_size; i++) L[i] = (int8_t)((t->codes[i / 8][winner] >> (2 * (i % 8))) & 3);
    if (on_grid)
        for (int k = 0; k < group_size / 8; k++) on_grid[k] = !((t->off_grid[k] >> winner) & 1);
}

/* The least-squares scale of magnitudes xval for levels L, or `scale` unchanged when sum(w q^2) is 0. */
static float refit_scale(const float *xval, const float *weight, const int8_t *L, int n, float scale) {
    float sumqx = 0, sumq2 = 0;
    for (int i = 0; i < n; i++) {
        const float w = weight[i];
        const float q = (float)(2 * L[i] + 1);
        sumqx += w * xval[i] * q;
        sumq2 += w * q * q;
    }
    return sumq2 > 0 ? sumqx / sumq2 : scale;
}

/* The grid index of 8 levels, which the search guarantees are on the
 * codebook.  (ggml aborts if not; only non-finite arithmetic from absurd
 * inputs could get here, and then the nearest entry stands in.) */
static int grid_index_of(const gq_lattice *lat, const int8_t *L) {
    const uint16_t code = gq_lattice_code(L);
    if (lat->map[code] >= 0) return lat->map[code];
    const uint16_t *list;
    return gq_lattice_neighbours(lat, code, &list) > 0 ? list[0] : 0;
}

/* ggml's make_qp_quants for iq2_xxs's first guess: the scale of a
 * non-negative quantization of x onto 0..nmax, searched over 9 steps and
 * refined by coordinate descent.  L is uint8_t as in ggml: a negative
 * magnitude (sign parity) rounds to a negative level that wraps, and the
 * wrapped value feeds the arithmetic, so it must wrap here too. */
static float make_qp_quants(int n, int nmax, const float *x, uint8_t *L, const float *quant_weights) {
    float max = 0;
    for (int i = 0; i < n; i++) max = max > x[i] ? max : x[i];
    if (max < IQ2_ZERO_GROUP) {
        for (int i = 0; i < n; i++) L[i] = 0;
        return 0.f;
    }
    float iscale = (float)nmax / max;
    for (int i = 0; i < n; i++) L[i] = (uint8_t)gq_nearest_int(iscale * x[i]);
    const float scale = 1 / iscale;
    float best_mse = 0;
    for (int i = 0; i < n; i++) {
        const float diff = x[i] - scale * (float)L[i];
        const float w = quant_weights[i];
        best_mse += w * diff * diff;
    }
    for (int is = -4; is <= 4; is++) {
        if (is == 0) continue;
        const float iscale_is = (0.1f * (float)is + (float)nmax) / max;
        const float scale_is = 1 / iscale_is;
        float mse = 0;
        for (int i = 0; i < n; i++) {
            int l = gq_nearest_int(iscale_is * x[i]);
            l = l < nmax ? l : nmax;
            const float diff = x[i] - scale_is * (float)l;
            const float w = quant_weights[i];
            mse += w * diff * diff;
        }
        if (mse < best_mse) {
            best_mse = mse;
            iscale = iscale_is;
        }
    }
    float sumlx = 0, suml2 = 0;
    for (int i = 0; i < n; i++) {
        int l = gq_nearest_int(iscale * x[i]);
        l = l < nmax ? l : nmax;
        L[i] = (uint8_t)l;
        /* the sums take the level before it wraps into L */
        const float w = quant_weights[i];
        sumlx += w * x[i] * (float)l;
        suml2 += w * (float)l * (float)l;
    }
    for (int itry = 0; itry < 5; itry++) {
        int n_changed = 0;
        for (int i = 0; i < n; i++) {
            const float w = quant_weights[i];
            float slx = sumlx - w * x[i] * (float)L[i];
            float sl2 = suml2 - w * (float)L[i] * (float)L[i];
            if (slx > 0 && sl2 > 0) {
                int new_l = gq_nearest_int(x[i] * sl2 / slx);
                new_l = new_l < nmax ? new_l : nmax;
                if (new_l != L[i]) {
                    slx += w * x[i] * (float)new_l;
                    sl2 += w * (float)new_l * (float)new_l;
                    if (slx * slx * suml2 > sumlx * sumlx * sl2) {
                        L[i] = (uint8_t)new_l;
                        sumlx = slx;
                        suml2 = sl2;
                        n_changed++;
                    }
                }
            }
        }
        if (!n_changed) break;
    }
    return suml2 > 0.0f ? sumlx / suml2 : 0.0f;
}

/* A group's 4-bit scale code: the s with d * (2s + 1) nearest to the scale. */
static inline int scale_code(float id, float scale) {
    const int l = gq_nearest_int(0.5f * (id * scale - 1));
    return l < 0 ? 0 : l > 15 ? 15 : l;
}

float gq_iq2_first_guess_scalar(const float *xval, const float *weight, uint8_t *L) {
    return make_qp_quants(32, IQ2_LEVELS + 1, xval, L, weight);
}

/* ------------------------------------------------------------ iq2_xxs */

static void quantize_block_iq2_xxs(const float *xbl, const float *qw_block, block_iq2_xxs *y,
                                   const gq_iq2_kernels *steps, gq_iq2_trials *t) {
    const gq_lattice *lat = t->lattice;
    float scales[GQ_QK_K / 32];
    gq_iq2_group g = { .size = 32, .even_parity = true, .iq2_s_weights = false };
    const float *weight = g.weight, *waux = g.sqrt_weight, *xval = g.xval;
    uint8_t *block_signs = g.signs;
    int8_t L[32];
    uint32_t q2[2 * (GQ_QK_K / 32)];

    y->d = gq_fp32_to_fp16(0.f);
    memset(q2, 0, sizeof q2);
    float max_scale = 0;
    const float sigma2 = sum_squares(xbl, GQ_QK_K) / GQ_QK_K;

    for (int ib = 0; ib < GQ_QK_K / 32; ib++) {
        const float max = steps->prepare(&g, xbl + 32 * ib, qw_block ? qw_block + 32 * ib : NULL, sigma2);
        if (max < IQ2_ZERO_GROUP) {
            scales[ib] = 0;
            continue;
        }
        /* First guess: ggml's non-negative least-squares quantizer onto 0..kMaxQ (one level more than
         * the lattice has); the trials then search around the scale it implies for the top level. */
        float scale = steps->first_guess(xval, weight, (uint8_t *)L);
        const float eff_max = scale * IQ2_LEVELS;
        if (eff_max <= 0) {
            scales[ib] = 0;
            continue;
        }
        t->group_size = 32;
        t->n_trials = 13;
        t->xval = xval;
        t->weight = weight;
        t->sqrt_weight = waux;
        for (int is = -6; is <= 6; is++) t->inverse_scale[is + 6] = (IQ2_TOP_COORD + (float)is * 0.1f) / eff_max;
        pad_trials(t);
        steps->run_trials(t);
        pick_best_trial(t, 32, &scale, L, NULL);

        if (scale > 0) {
            /* Round once more at the chosen scale and settle every sub-group on the codebook. */
            for (int k = 0; k < 4; k++) steps->settle(lat, xval + 8 * k, waux + 8 * k, scale, L + 8 * k);
            scale = refit_scale(xval, weight, L, 32, scale);
        }
        if (scale < 0) {
            /* ggml: "should never happen"; a negative scale is stored as a positive one with flipped signs. */
            scale = -scale;
            for (int k = 0; k < 4; k++) block_signs[k] = (uint8_t)(~block_signs[k] & 127);
        }
        for (int k = 0; k < 4; k++) {
            q2[2 * ib + 0] |= (uint32_t)grid_index_of(lat, L + 8 * k) << (8 * k);
            q2[2 * ib + 1] |= (uint32_t)block_signs[k] << (7 * k);
        }
        scales[ib] = scale;
        max_scale = gq_max_first(max_scale, scale);
    }

    if (max_scale == 0) {
        memset(y->qs, 0, sizeof y->qs);
        return;
    }
    const float d = max_scale / 31;
    y->d = gq_fp32_to_fp16(d);
    const float id = 1 / d;
    for (int ib = 0; ib < GQ_QK_K / 32; ib++) q2[2 * ib + 1] |= (uint32_t)scale_code(id, scales[ib]) << 28;
    for (int w = 0; w < 2 * (GQ_QK_K / 32); w++) {
        y->qs[2 * w] = (uint16_t)(q2[w] & 0xffff);
        y->qs[2 * w + 1] = (uint16_t)(q2[w] >> 16);
    }
}

void gq_iq2_xxs_quantize(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix,
                         const gq_iq2_kernels *steps) {
    gq_iq2_trials t;
    t.lattice = gq_lattice_get(GQ_LATTICE_IQ2_XXS);
    block_iq2_xxs *y = dst;
    for (int64_t r = 0; r < nrows; r++) {
        for (int64_t ibl = 0; ibl < n_per_row / GQ_QK_K; ibl++)
            quantize_block_iq2_xxs(src + r * n_per_row + ibl * GQ_QK_K, imatrix ? imatrix + ibl * GQ_QK_K : NULL,
                                   y++, steps, &t);
    }
}

/* ------------------------------------------------------------ iq2_xs and iq2_s */

/* The 16-value search both share.  iq2_s differs from iq2_xs in keeping all
 * 8 sign bits (no parity trick), in weights without an imatrix, and in its
 * zero threshold.  Fills L (levels, on the codebook) and the signs; returns
 * the group's scale (>= 0), *skipped when the group is all zero. */
static float search_group16(const float *xb, const float *qw, float sigma2, bool is_iq2_s,
                            const gq_iq2_kernels *steps, gq_iq2_trials *t, int8_t *L, uint8_t *block_signs,
                            bool *skipped) {
    const gq_lattice *lat = t->lattice;
    gq_iq2_group g = { .size = 16, .even_parity = !is_iq2_s, .iq2_s_weights = is_iq2_s };
    const float *weight = g.weight, *waux = g.sqrt_weight, *xval = g.xval;
    bool on_grid[2];
    const float max = steps->prepare(&g, xb, qw, sigma2);
    block_signs[0] = g.signs[0];
    block_signs[1] = g.signs[1];
    memset(L, 0, 16);
    *skipped = max < (is_iq2_s ? IQ2_S_ZERO_GROUP : IQ2_ZERO_GROUP);
    if (*skipped) return 0;

    float scale = max / IQ2_TOP_COORD;
    on_grid[0] = on_grid[1] = true;
    t->group_size = 16;
    t->n_trials = 19;
    t->xval = xval;
    t->weight = weight;
    t->sqrt_weight = waux;
    for (int is = -9; is <= 9; is++) t->inverse_scale[is + 9] = (IQ2_TOP_COORD + (float)is * 0.1f) / max;
    pad_trials(t);
    steps->run_trials(t);
    pick_best_trial(t, 16, &scale, L, on_grid);

    if ((!on_grid[0] || !on_grid[1]) && scale > 0) {
        /* Re-round the sub-groups that needed a neighbour, at the chosen scale. */
        for (int k = 0; k < 2; k++)
            if (!on_grid[k]) steps->settle(lat, xval + 8 * k, waux + 8 * k, scale, L + 8 * k);
        scale = refit_scale(xval, weight, L, 16, scale);
    }
    if (scale < 0) {
        scale = -scale;
        for (int k = 0; k < 2; k++) block_signs[k] = (uint8_t)(is_iq2_s ? ~block_signs[k] : ~block_signs[k] & 127);
    }
    return scale;
}

static void quantize_block_iq2_xs(const float *xbl, const float *qw_block, block_iq2_xs *y,
                                  const gq_iq2_kernels *steps, gq_iq2_trials *t) {
    float scales[GQ_QK_K / 16];
    uint16_t q2[GQ_QK_K / 8];
    memset(y, 0, sizeof *y);
    memset(q2, 0, sizeof q2);
    float max_scale = 0;
    const float sigma2 = sum_squares(xbl, GQ_QK_K) / GQ_QK_K;

    for (int ib = 0; ib < GQ_QK_K / 16; ib++) {
        int8_t L[16];
        uint8_t block_signs[2];
        bool skipped;
        const float scale = search_group16(xbl + 16 * ib, qw_block ? qw_block + 16 * ib : NULL, sigma2, false,
                                           steps, t, L, block_signs, &skipped);
        scales[ib] = scale;
        if (skipped) continue;
        for (int k = 0; k < 2; k++)
            q2[2 * ib + k] = (uint16_t)(grid_index_of(t->lattice, L + 8 * k) | block_signs[k] << 9);
        max_scale = gq_max_first(max_scale, scale);
    }
    if (max_scale == 0) return; /* block stays zero: d = 0, no indices, no scales */

    const float d = max_scale / 31;
    y->d = gq_fp32_to_fp16(d);
    const float id = 1 / d;
    for (int ib = 0; ib < GQ_QK_K / 16; ib++) y->scales[ib / 2] |= (uint8_t)(scale_code(id, scales[ib]) << 4 * (ib % 2));
    memcpy(y->qs, q2, sizeof q2);
}

static void quantize_block_iq2_s(const float *xbl, const float *qw_block, block_iq2_s *y,
                                 const gq_iq2_kernels *steps, gq_iq2_trials *t) {
    float scales[GQ_QK_K / 16];
    memset(y, 0, sizeof *y);
    float max_scale = 0;
    /* iq2_s weighs values against twice the mean square (ggml's choice for this type). */
    const float sigma2 = 2 * sum_squares(xbl, GQ_QK_K) / GQ_QK_K;

    for (int ib = 0; ib < GQ_QK_K / 16; ib++) {
        int8_t L[16];
        uint8_t block_signs[2];
        bool skipped;
        const float scale = search_group16(xbl + 16 * ib, qw_block ? qw_block + 16 * ib : NULL, sigma2, true,
                                           steps, t, L, block_signs, &skipped);
        scales[ib] = scale;
        if (skipped) continue;
        for (int k = 0; k < 2; k++) {
            const int grid_index = grid_index_of(t->lattice, L + 8 * k);
            const int i8 = 2 * ib + k;
            y->qs[i8] = (uint8_t)(grid_index & 255);
            y->qh[i8 / 4] |= (uint8_t)((grid_index >> 8) << 2 * (i8 % 4));
            y->qs[GQ_QK_K / 8 + i8] = block_signs[k];
        }
        max_scale = gq_max_first(max_scale, scale);
    }
    if (max_scale == 0) return;

    const float d = max_scale / 31;
    /* ggml stores d a little smaller than the scale codes assume: 0.9875 was tuned on models. */
    y->d = gq_fp32_to_fp16(d * 0.9875f);
    const float id = 1 / d;
    for (int ib = 0; ib < GQ_QK_K / 16; ib++) y->scales[ib / 2] |= (uint8_t)(scale_code(id, scales[ib]) << 4 * (ib % 2));
}

void gq_iq2_xs_quantize(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix,
                        const gq_iq2_kernels *steps) {
    gq_iq2_trials t;
    t.lattice = gq_lattice_get(GQ_LATTICE_IQ2_XS);
    block_iq2_xs *y = dst;
    for (int64_t r = 0; r < nrows; r++)
        for (int64_t ibl = 0; ibl < n_per_row / GQ_QK_K; ibl++)
            quantize_block_iq2_xs(src + r * n_per_row + ibl * GQ_QK_K, imatrix ? imatrix + ibl * GQ_QK_K : NULL,
                                  y++, steps, &t);
}

void gq_iq2_s_quantize(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix,
                       const gq_iq2_kernels *steps) {
    gq_iq2_trials t;
    t.lattice = gq_lattice_get(GQ_LATTICE_IQ2_S);
    block_iq2_s *y = dst;
    for (int64_t r = 0; r < nrows; r++)
        for (int64_t ibl = 0; ibl < n_per_row / GQ_QK_K; ibl++)
            quantize_block_iq2_s(src + r * n_per_row + ibl * GQ_QK_K, imatrix ? imatrix + ibl * GQ_QK_K : NULL,
                                 y++, steps, &t);
}

/* ------------------------------------------------------------ registration */

static const gq_iq2_kernels scalar_steps = { gq_iq2_prepare_scalar, gq_iq2_first_guess_scalar,
                                              gq_iq2_run_trials_scalar, gq_iq2_settle_scalar };

static void quant_iq2_xxs(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) {
    gq_iq2_xxs_quantize(src, dst, nrows, n_per_row, imatrix, &scalar_steps);
}
static void quant_iq2_xs(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) {
    gq_iq2_xs_quantize(src, dst, nrows, n_per_row, imatrix, &scalar_steps);
}
static void quant_iq2_s(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) {
    gq_iq2_s_quantize(src, dst, nrows, n_per_row, imatrix, &scalar_steps);
}

void gq_register_iq2(gq_kernel_table t) {
    t[GQ_TYPE_IQ2_XXS] = (gq_kernels){ dequant_iq2_xxs, quant_iq2_xxs };
    t[GQ_TYPE_IQ2_XS] = (gq_kernels){ dequant_iq2_xs, quant_iq2_xs };
    t[GQ_TYPE_IQ2_S] = (gq_kernels){ dequant_iq2_s, quant_iq2_s };
}
