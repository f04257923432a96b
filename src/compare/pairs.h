/* The inner loop of the error pass: float64 sums and |e| bins over element
 * pairs (x from the reference, y from a variant).
 *
 * Summation order is part of the definition, so that every kernel (the
 * portable one here, AVX2 in x86/) gives the same bits and the figures do
 * not depend on which one ran:
 *   - elements are taken in blocks of CMP_SUM_BLOCK from the start of the
 *     call's range (callers start each call on a block boundary of the
 *     chunk, so splitting a chunk into pieces changes nothing);
 *   - inside a block, element i goes to lane i % 8; each lane sums its
 *     terms in element order, starting from +0;
 *   - a block's total is ((l0+l4) + (l2+l6)) + ((l1+l5) + (l3+l7)) — the
 *     order a 4-wide vector reduction gives;
 *   - block totals are added to the running totals in block order.
 * A pair where x or y is NaN or Inf is counted as non-finite and enters
 * the sums and bins as (0, 0), so it adds +0 everywhere.
 *
 * |e| bins: e is also taken in float32 (y - x rounded once) and binned on
 * its bits: 64 bins per octave from 2^-64 to 2^64, the layout of
 * cmp_hist (errstats.h).  The rounding can move a value sitting within
 * 2^-24 of a bin edge to the neighbouring bin, far inside the 1 % the
 * percentile estimates allow; exact zeros are exact (y - x == 0 iff
 * y == x).  max|e| is taken in float64 and is exact. */
#ifndef GQ_COMPARE_PAIRS_H
#define GQ_COMPARE_PAIRS_H

#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compare/errstats.h"

#define CMP_SUM_BLOCK 256
#define CMP_LANES 8

/* Bins: [0] e == 0 exactly (and the non-finite pairs, which enter as
 * (0, 0)), [1] 0 < |e| < 2^-64, [2 + octave * 64 + sub] inside the range,
 * [CMP_BIN_HUGE] from 2^64 (and float32 overflow). */
#define CMP_BIN_COUNT (CMP_HIST_OCTAVES * CMP_HIST_SUB + 3)
#define CMP_BIN_HUGE (CMP_BIN_COUNT - 1)
/* bin = (float bits of |e|) >> 17, minus this, floored at 0 and at 1 for
 * any e != 0, capped at CMP_BIN_HUGE: the biased exponent of 2^-64 is 63,
 * times 64 sub-bins, less the 2 bins below the range. */
#define CMP_BIN_BIAS ((127 + CMP_HIST_MIN_EXP) * CMP_HIST_SUB - 2)

/* Counts of one worker for one variant, flushed into a cmp_hist. */
typedef struct cmp_bins {
    uint32_t count[CMP_BIN_COUNT];
    uint64_t skipped; /* non-finite pairs (counted in count[0]) */
    uint64_t pending; /* pairs counted since the last flush (uint32 counters) */
} cmp_bins;

/* Running totals of one chunk. */
typedef struct cmp_run {
    double e2, x2, y2, xy;
    double max_abs;
    uint64_t used;      /* finite pairs */
    uint64_t nonfinite;
} cmp_run;

/* Σe², Σy², Σxy, max|e| and the bins of n pairs (not Σx²: it is the
 * reference's, shared by every variant, see cmp_x2_fn).  bins may be NULL
 * when no percentiles are wanted: the sums are then the same bits, and
 * the one histogram increment per pair (most of a kernel's time) is
 * saved. */
typedef void (*cmp_pairs_fn)(const float *x, const float *y, size_t n, cmp_run *run, cmp_bins *bins);
/* Σx² of n reference values over the pairs where x (and y, when y is not
 * NULL) is finite; also counts used / nonfinite into run. */
typedef void (*cmp_x2_fn)(const float *x, const float *y, size_t n, cmp_run *run);

typedef struct cmp_pair_kernels {
    const char *isa; /* "scalar", "avx2", "avx512", "neon" */
    cmp_pairs_fn pairs;
    cmp_x2_fn x2;
} cmp_pair_kernels;

/* The kernels to use now: the widest this CPU runs (AVX-512, else AVX2;
 * NEON on aarch64)
 * while libquant's SIMD is on; GQ_FORCE_SCALAR=1 or
 * gq_quant_set_simd(false) pin the portable ones, as for the dequantizers. */
const cmp_pair_kernels *cmp_pair_kernels_pick(void);
/* The portable reference kernels. */
const cmp_pair_kernels *cmp_pair_kernels_scalar(void);
/* Every kernel set this CPU can run, the portable one first (for tests
 * that hold each to the portable one): i-th, or NULL past the last. */
const cmp_pair_kernels *cmp_pair_kernels_at(size_t i);

/* The bin of one float32 e (any sign; finite or not: Inf counts as huge). */
static inline uint32_t cmp_bin_of(float e) {
    union {
        float f;
        uint32_t u;
    } v = { e };
    uint32_t bits = v.u & 0x7fffffffu;
    int32_t b = (int32_t)(bits >> 17) - CMP_BIN_BIAS;
    if (b < 1) b = bits != 0;
    if (b > CMP_BIN_HUGE) b = CMP_BIN_HUGE;
    return (uint32_t)b;
}

/* The block total of 8 lane sums, in the order the definition fixes. */
static inline double cmp_lane_total(const double l[CMP_LANES]) {
    double t0 = l[0] + l[4], t1 = l[1] + l[5], t2 = l[2] + l[6], t3 = l[3] + l[7];
    return (t0 + t2) + (t1 + t3);
}

static inline bool cmp_float_finite(float v) {
    union {
        float f;
        uint32_t u;
    } b = { v };
    return (b.u & 0x7fffffffu) < 0x7f800000u;
}

/* One pair of a block at lane k: the arithmetic every kernel does (SIMD
 * kernels do it 8 lanes at a time and call this for a block's tail). */
static inline void cmp_pair_step(float xf, float yf, size_t k, double *e2, double *y2, double *xy, double *max_abs,
                                 uint64_t *bad, uint32_t *count /* NULL: no bins */) {
    if (!cmp_float_finite(xf) || !cmp_float_finite(yf)) {
        xf = 0;
        yf = 0;
        ++*bad;
    }
    if (count) count[cmp_bin_of(yf - xf)]++;
    /* float32 -> float64 is exact, and so is the difference of two float32
     * values in float64 for every realistic pair of magnitudes. */
    double xd = xf, yd = yf, e = yd - xd;
    e2[k] += e * e;
    y2[k] += yd * yd;
    xy[k] += xd * yd;
    double a = fabs(e);
    *max_abs = a > *max_abs ? a : *max_abs;
}

/* End of a block: its lane sums into the run's totals (in the order the
 * definition fixes) and its counts — the same last step in every kernel. */
static inline void cmp_block_finish(cmp_run *run, cmp_bins *bins, const double e2[CMP_LANES],
                                    const double y2[CMP_LANES], const double xy[CMP_LANES], size_t len, uint64_t bad) {
    run->e2 += cmp_lane_total(e2);
    run->y2 += cmp_lane_total(y2);
    run->xy += cmp_lane_total(xy);
    run->used += len - bad;
    run->nonfinite += bad;
    if (bins) bins->skipped += bad;
}

/* A whole block pair by pair through cmp_pair_step: what the SIMD kernels
 * do with the rare block that holds a NaN/Inf (or a difference that
 * overflows float32).  bins may be NULL. */
void cmp_block_portable(const float *x, const float *y, size_t len, double *mx, cmp_run *run, cmp_bins *bins);

/* One reference value of a block at lane k for Σx²; y may be NULL. */
static inline void cmp_x2_step(float xf, const float *y, size_t k, double *x2, uint64_t *bad) {
    if (!cmp_float_finite(xf) || (y && !cmp_float_finite(*y))) {
        xf = 0;
        ++*bad;
    }
    double xd = xf;
    x2[k] += xd * xd;
}

/* Count n pairs that are all exact zeros (a variant whose bytes equal the
 * reference's), nonfinite of them skipped. */
void cmp_bins_add_zeros(cmp_bins *b, uint64_t n, uint64_t nonfinite);
/* Move the counts into h and clear b; false when h ran out of memory. */
bool cmp_bins_flush(cmp_bins *b, cmp_hist *h);

#if defined(__x86_64__) || defined(_M_X64)
/* x86/pairs_avx2.c (built with -mavx2; call only when the CPU has AVX2). */
void cmp_pairs_avx2(const float *x, const float *y, size_t n, cmp_run *run, cmp_bins *bins);
void cmp_x2_avx2(const float *x, const float *y, size_t n, cmp_run *run);
/* x86/pairs_avx512.c (call only when the CPU has AVX-512F and BW). */
void cmp_pairs_avx512(const float *x, const float *y, size_t n, cmp_run *run, cmp_bins *bins);
void cmp_x2_avx512(const float *x, const float *y, size_t n, cmp_run *run);
#endif
#if defined(__aarch64__) || defined(_M_ARM64)
/* arm/pairs_neon.c (NEON is part of every aarch64 CPU). */
void cmp_pairs_neon(const float *x, const float *y, size_t n, cmp_run *run, cmp_bins *bins);
void cmp_x2_neon(const float *x, const float *y, size_t n, cmp_run *run);
#endif

#endif
