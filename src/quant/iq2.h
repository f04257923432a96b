/* Internal interface of the IQ2 family (iq2_xxs, iq2_xs, iq2_s): the scalar
 * reference in iq2.c, the SIMD kernels in x86/iq2_avx2.c and arm/iq2_neon.c.
 *
 * The three quantizers are searches over a scale: for each group of 32
 * (iq2_xxs) or 16 (iq2_xs, iq2_s) magnitudes they try 13 or 19 candidate
 * scales, round every magnitude onto the lattice levels 0..2, replace each
 * group of 8 that lands off the codebook by its best codebook neighbour, and
 * keep the scale whose rounding explains the data best.  Those trials are
 * nearly all the work and are independent of each other, so they sit behind
 * a function pointer, with the other steps that touch every value (the
 * group's weights and signs, iq2_xxs's first guess, the final settling on
 * the codebook) in gq_iq2_kernels: the search
 * logic around them is written once, in iq2.c, and a SIMD file only
 * supplies faster steps.  A SIMD trial runner must give exactly the scalar bits: every
 * running sum is still accumulated in element order, in float, unfused. */
#ifndef GQ_IQ2_H
#define GQ_IQ2_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "iq_lattice.h"
#include "kernels.h"
#include "nearest_int.h"

#define GQ_IQ2_MAX_TRIALS 19 /* iq2_xs / iq2_s: scale steps -9..9; iq2_xxs: -6..6 */
#define GQ_IQ2_TRIAL_SLOTS 24 /* MAX_TRIALS rounded up to whole 8-lane vectors */
#define GQ_IQ2_MAX_GROUP 32   /* iq2_xxs groups; iq2_xs / iq2_s use 16 */

/* The level (0..2) a magnitude x takes at inverse scale id: the lattice
 * coordinate 2l+1 nearest to id*x. */
static inline int8_t gq_iq2_level(float id, float x) {
    int l = gq_nearest_int(0.5f * (id * x - 1));
    return (int8_t)(l < 0 ? 0 : l > 2 ? 2 : l);
}

/* The trials of one group.  The caller fills the inputs; the runner fills
 * the outputs of every trial t < n_trials.  Per-trial arrays have
 * GQ_IQ2_TRIAL_SLOTS entries so a SIMD runner may load and store whole
 * vectors; slots from n_trials on are scratch (the caller pads
 * inverse_scale with copies of the last trial, so they hold finite values). */
typedef struct gq_iq2_trials {
    const gq_lattice *lattice;
    int group_size;  /* 16 or 32: 2 or 4 sub-groups of 8 */
    int n_trials;
    const float *xval;        /* group_size magnitudes (one may be negative: iq2_xxs/xs sign parity) */
    const float *weight;      /* group_size importance weights (sums) */
    const float *sqrt_weight; /* their square roots (neighbour scoring) */
    float inverse_scale[GQ_IQ2_TRIAL_SLOTS]; /* trial t rounds x to levels at id = inverse_scale[t] */

    /* Per trial: the levels of each sub-group after the neighbour search, as
     * a level code (gq_lattice_code; codes[k][t] for sub-group k, so a SIMD
     * runner stores 8 trials at once), which sub-groups missed the codebook
     * when rounded (bit t of off_grid[k]), and the sums sum(w*x*q),
     * sum(w*q*q) over the group with q = 2*level + 1, both accumulated in
     * element order. */
    uint16_t codes[GQ_IQ2_MAX_GROUP / 8][GQ_IQ2_TRIAL_SLOTS];
    uint32_t off_grid[GQ_IQ2_MAX_GROUP / 8];
    float sumqx[GQ_IQ2_TRIAL_SLOTS];
    float sumq2[GQ_IQ2_TRIAL_SLOTS];
} gq_iq2_trials;

/* The best codebook entry among the neighbours of an off-grid level code,
 * for 8 magnitudes at `scale`: least sum of sqrt_weight * (scale*q - x)^2,
 * the first one listed winning ties, as ggml's iq2_find_best_neighbour.
 * Writes its 8 levels and returns its grid index.  (Where ggml would abort
 * because every score is NaN or infinite, the first neighbour is taken.) */
int gq_iq2_best_neighbour(const gq_lattice *lat, uint32_t code, const float *xval, const float *sqrt_weight,
                          float scale, int8_t *levels);

/* Settle 8 magnitudes on the codebook at `scale`: round each to its level
 * at 1/scale (gq_iq2_level), and if that point is not a codebook entry take
 * its best neighbour (gq_iq2_best_neighbour).  Writes the 8 levels and
 * returns the grid index: the final step of every group's search. */
typedef int (*gq_iq2_settle_fn)(const gq_lattice *lat, const float *xval, const float *sqrt_weight, float scale,
                                int8_t *levels);

/* One group of 16 or 32 values, prepared for the search: importance
 * weights (qw * sqrt(sigma2 + x^2); without qw sqrt(sigma2 + x^2), or for
 * iq2_s 0.25 * sigma2 + x^2), their square roots (the neighbour search's
 * weights), the magnitudes and the sign bits of each sub-group of 8.  With
 * even_parity (iq2_xxs, iq2_xs: 7 stored sign bits) a sub-group with an odd
 * number of negative values keeps its least important one (least w*x*x,
 * first on ties) as a negative magnitude and only the low 7 bits are kept. */
typedef struct gq_iq2_group {
    int size;
    bool even_parity;
    bool iq2_s_weights;
    float weight[GQ_IQ2_MAX_GROUP];
    float sqrt_weight[GQ_IQ2_MAX_GROUP];
    float xval[GQ_IQ2_MAX_GROUP];
    uint8_t signs[GQ_IQ2_MAX_GROUP / 8];
} gq_iq2_group;

/* Fills the group from its values xb, importance weights qw (or NULL) and
 * the super-block's sigma2; returns the largest magnitude.  (The maximum
 * is only compared against a small threshold, so a SIMD reduction that
 * returns -0 where the scalar loop returns +0 changes nothing.) */
typedef float (*gq_iq2_prepare_fn)(gq_iq2_group *g, const float *xb, const float *qw, float sigma2);

/* iq2_xxs's first guess, ggml's make_qp_quants(32, 4, xval, L, weight): the
 * scale of a non-negative quantization onto 0..4.  L is uint8_t as in
 * ggml, where a negative magnitude's level wraps. */
typedef float (*gq_iq2_first_guess_fn)(const float *xval, const float *weight, uint8_t *L);

/* The steps a SIMD file may replace; each must give the scalar bits. */
typedef struct gq_iq2_kernels {
    gq_iq2_prepare_fn prepare;
    gq_iq2_first_guess_fn first_guess;
    void (*run_trials)(gq_iq2_trials *trials);
    gq_iq2_settle_fn settle;
} gq_iq2_kernels;

/* The scalar steps (the reference). */
float gq_iq2_prepare_scalar(gq_iq2_group *g, const float *xb, const float *qw, float sigma2);
float gq_iq2_first_guess_scalar(const float *xval, const float *weight, uint8_t *L);
void gq_iq2_run_trials_scalar(gq_iq2_trials *trials);
int gq_iq2_settle_scalar(const gq_lattice *lat, const float *xval, const float *sqrt_weight, float scale,
                         int8_t *levels);

/* The quantizers, with the steps to use; see kernels.h for the rest.
 * iq2_xxs and iq2_xs need imatrix (the public API refuses without one;
 * called without, they use unit weights rather than crash). */
void gq_iq2_xxs_quantize(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix,
                         const gq_iq2_kernels *k);
void gq_iq2_xs_quantize(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix,
                        const gq_iq2_kernels *k);
void gq_iq2_s_quantize(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix,
                       const gq_iq2_kernels *k);

#endif
