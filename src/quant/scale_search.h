/* The two scale searches that several quantizer families run on small
 * groups (16 or 32 values), in ggml's exact operation order:
 *   - gq_affine_search: ggml's make_qkx2_quants / make_qkx3_quants
 *     (q2_K, q4_K, q5_K; q4_1 and q5_1 with importance weights);
 *   - gq_symmetric_search: ggml's make_qx_quants with rmse_type 1
 *     (q3_K, q6_K; q4_0 and q5_0 with importance weights).
 * ggml has one copy of each that every type calls; so do we.  They are
 * static inline so each caller gets its own copy with its constants (nmax,
 * nstep, use_mad) folded in, as when the search was private to one file. */
#ifndef GQ_QUANT_SCALE_SEARCH_H
#define GQ_QUANT_SCALE_SEARCH_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "float_max.h"
#include "nearest_int.h"

/* ggml's group "all zero" threshold for the symmetric searches. */
#define GQ_ZERO_GROUP 1e-15f

/* Asymmetric search (ggml's make_qkx2_quants / make_qkx3_quants, which are
 * the same computation whenever weights are given, as every caller does):
 * fit x ~ scale * L - the_min with L in 0..nmax, least weighted squared (or
 * absolute, use_mad) error, trying nstep+1 candidate scales
 * (nmax + rmin + rdelta*is) / range.  Note that an accepted candidate moves
 * `min`, which changes the range and offsets of all later candidates: the
 * candidates are not independent. */
static inline float gq_affine_search(int n, int nmax, const float *x, const float *w, uint8_t *L,
                                     float *the_min, float rmin, float rdelta, int nstep, int use_mad) {
    uint8_t Laux[32];
    float min = x[0], max = x[0];
    float sum_w = w[0];
    float sum_x = sum_w * x[0];
    for (int i = 1; i < n; i++) {
        if (x[i] < min) min = x[i];
        if (x[i] > max) max = x[i];
        sum_w += w[i];
        sum_x += w[i] * x[i];
    }
    if (min > 0) min = 0;
    if (max == min) {
        memset(L, 0, (size_t)n);
        *the_min = -min;
        return 0.f;
    }
    float iscale = (float)nmax / (max - min);
    float scale = 1 / iscale;
    float best_error = 0;
    for (int i = 0; i < n; i++) {
        int l = gq_clamp_int(gq_nearest_int(iscale * (x[i] - min)), 0, nmax);
        L[i] = (uint8_t)l;
        float diff = scale * (float)l + min - x[i];
        diff = use_mad ? fabsf(diff) : diff * diff;
        best_error += w[i] * diff;
    }
    for (int is = 0; is <= nstep; is++) {
        iscale = (rmin + rdelta * (float)is + (float)nmax) / (max - min);
        float sum_l = 0, sum_l2 = 0, sum_xl = 0;
        for (int i = 0; i < n; i++) {
            int l = gq_clamp_int(gq_nearest_int(iscale * (x[i] - min)), 0, nmax);
            Laux[i] = (uint8_t)l;
            float wl = w[i] * (float)l;
            sum_l += wl;
            sum_l2 += wl * (float)l;
            sum_xl += wl * x[i];
        }
        float D = sum_w * sum_l2 - sum_l * sum_l;
        if (D > 0) {
            float this_scale = (sum_w * sum_xl - sum_x * sum_l) / D;
            float this_min = (sum_l2 * sum_x - sum_l * sum_xl) / D;
            if (this_min > 0) {
                this_min = 0;
                this_scale = sum_xl / sum_l2;
            }
            float error = 0;
            for (int i = 0; i < n; i++) {
                float diff = this_scale * (float)Laux[i] + this_min - x[i];
                diff = use_mad ? fabsf(diff) : diff * diff;
                error += w[i] * diff;
            }
            if (error < best_error) {
                memcpy(L, Laux, (size_t)n);
                best_error = error;
                scale = this_scale;
                min = this_min;
            }
        }
    }
    *the_min = -min;
    return scale;
}

/* Symmetric search (ggml's make_qx_quants with rmse_type 1): x ~ scale * (L
 * - nmax), L in 0..2*nmax-1, weights qw or x^2; the first guess puts the
 * largest magnitude on -nmax, then 18 nearby scales are tried.  A group
 * whose largest magnitude is negligible gets L = 0 (not nmax) and scale 0.
 *
 * The candidates' sums do not depend on one another (only the choice
 * between them is sequential), so all 19 are summed in one sweep over x —
 * each sum still adds its terms in ggml's order, so the bits are ggml's —
 * which lets the CPU overlap them instead of waiting on one add chain. */
#define GQ_SYM_CANDIDATES 19
static inline float gq_symmetric_search(int n, int nmax, const float *x, uint8_t *L, const float *qw) {
    float amax;
    const float max = gq_signed_abs_max(x, n, &amax);
    if (amax < GQ_ZERO_GROUP) {
        memset(L, 0, (size_t)n);
        return 0.f;
    }
    /* candidate 0: ggml's first guess; 1..18: is = -9..-1, 1..9 */
    float iscale[GQ_SYM_CANDIDATES], sumlx[GQ_SYM_CANDIDATES], suml2[GQ_SYM_CANDIDATES];
    iscale[0] = (float)-nmax / max;
    for (int c = 1; c < GQ_SYM_CANDIDATES; c++) {
        const int is = c <= 9 ? c - 10 : c - 9;
        iscale[c] = -((float)nmax + 0.1f * (float)is) / max;
    }
    float w[32], wx[32];
    for (int i = 0; i < n; i++) {
        w[i] = qw ? qw[i] : x[i] * x[i];
        wx[i] = w[i] * x[i];
    }
    for (int c = 0; c < GQ_SYM_CANDIDATES; c++) {
        float slx = 0, sl2 = 0;
        for (int i = 0; i < n; i++) {
            const float l = (float)gq_clamp_int(gq_nearest_int(iscale[c] * x[i]), -nmax, nmax - 1);
            slx += wx[i] * l;
            sl2 += w[i] * l * l;
        }
        sumlx[c] = slx;
        suml2[c] = sl2;
    }
    int chosen = 0;
    float scale = suml2[0] != 0 ? sumlx[0] / suml2[0] : 0.0f;
    float best = scale * sumlx[0];
    for (int c = 1; c < GQ_SYM_CANDIDATES; c++) {
        if (suml2[c] > 0 && sumlx[c] * sumlx[c] > best * suml2[c]) {
            chosen = c;
            scale = sumlx[c] / suml2[c];
            best = scale * sumlx[c];
        }
    }
    for (int i = 0; i < n; i++)
        L[i] = (uint8_t)(nmax + gq_clamp_int(gq_nearest_int(iscale[chosen] * x[i]), -nmax, nmax - 1));
    return scale;
}

#endif
