/* AVX2 pair kernels: the same sums, in the same order, as the portable
 * ones in pairs.c (see pairs.h for the order).  Eight pairs per step: the
 * lanes of the definition are the four doubles of `lo` (lanes 0-3) and of
 * `hi` (lanes 4-7), so each vector lane sums exactly the terms the
 * portable lane array does, one multiply and one add per term (no FMA:
 * a fused rounding would change the bits).
 *
 * The |e| bins are the one part that stays scalar: bin numbers are
 * computed in a vector, stored, and counted one by one. */
#include <immintrin.h>

#include "compare/pairs.h"

/* Float bit patterns above this (sign cleared) are Inf or NaN. */
#define FINITE_MAX_BITS 0x7f7fffff

static inline __m256i abs_bits(__m256 v) {
    return _mm256_and_si256(_mm256_castps_si256(v), _mm256_set1_epi32(0x7fffffff));
}

static inline __m256i not_finite(__m256 v) {
    return _mm256_cmpgt_epi32(abs_bits(v), _mm256_set1_epi32(FINITE_MAX_BITS));
}

static inline int lane_mask(__m256i m) { return _mm256_movemask_ps(_mm256_castsi256_ps(m)); }

static inline void spill(__m256d lo, __m256d hi, double lanes[CMP_LANES]) {
    _mm256_storeu_pd(lanes, lo);
    _mm256_storeu_pd(lanes + 4, hi);
}

/* cmp_lane_total of lanes 0-3 in lo and 4-7 in hi, in the same order:
 * lanes k and k+4 first, then the 128-bit halves, then the last two. */
static inline double lane_total(__m256d lo, __m256d hi) {
    __m256d t = _mm256_add_pd(lo, hi);
    __m128d u = _mm_add_pd(_mm256_castpd256_pd128(t), _mm256_extractf128_pd(t, 1));
    return _mm_cvtsd_f64(_mm_add_sd(u, _mm_unpackhi_pd(u, u)));
}

static inline uint32_t hmax_u32(__m256i v) {
    uint32_t l[8];
    _mm256_storeu_si256((__m256i *)l, v);
    uint32_t m = l[0];
    for (int i = 1; i < 8; i++)
        if (l[i] > m) m = l[i];
    return m;
}

static inline uint32_t float_bits(float f) {
    union {
        float f;
        uint32_t u;
    } v = { f };
    return v.u;
}

/* max|e| in float64 over the pairs of a block whose float32 |e| has the
 * bit pattern `top`: rounding to float32 is monotonic, so the largest
 * float64 |e| is among them. */
static void block_max(const float *x, const float *y, size_t vec_len, uint32_t top, double *mx) {
    const __m256i want = _mm256_set1_epi32((int)top);
    for (size_t i = 0; i < vec_len; i += 8) {
        __m256 xf = _mm256_loadu_ps(x + i), yf = _mm256_loadu_ps(y + i);
        int m = lane_mask(_mm256_cmpeq_epi32(abs_bits(_mm256_sub_ps(yf, xf)), want));
        while (m) {
            int k = __builtin_ctz((unsigned)m);
            m &= m - 1;
            double e = fabs((double)y[i + k] - (double)x[i + k]);
            if (e > *mx) *mx = e;
        }
    }
}

/* Count the bins of 8 slots. */
static inline void count8(uint32_t *count, const uint32_t *slot) {
    count[slot[0]]++;
    count[slot[1]]++;
    count[slot[2]]++;
    count[slot[3]]++;
    count[slot[4]]++;
    count[slot[5]]++;
    count[slot[6]]++;
    count[slot[7]]++;
}

/* The kernel, specialised by the compiler for `counting` (a constant at
 * each call): without bins the bin numbers are not even computed. */
static inline __attribute__((always_inline)) void pairs_impl(const float *x, const float *y, size_t n, cmp_run *run,
                                                             cmp_bins *bins, const bool counting) {
    const __m256i bias = _mm256_set1_epi32(CMP_BIN_BIAS);
    const __m256i top = _mm256_set1_epi32(CMP_BIN_HUGE);
    const __m256i izero = _mm256_setzero_si256();
    const __m256i one = _mm256_set1_epi32(1);
    const __m256i finite_max = _mm256_set1_epi32(FINITE_MAX_BITS);
    uint32_t *count = counting ? bins->count : NULL; /* NULL: sums only */
    double mx = run->max_abs;
    /* Bin numbers of two blocks: a block's bins are counted while the next
     * block's sums are computed, so the counting overlaps the chains of
     * dependent adds that the fixed order makes of each lane's sum. */
    uint32_t slots[2][CMP_SUM_BLOCK] __attribute__((aligned(32)));
    const uint32_t *pending = slots[1];
    size_t n_pending = 0; /* a multiple of 8 */

    for (size_t b0 = 0, blk = 0; b0 < n; b0 += CMP_SUM_BLOCK, blk++) {
        size_t len = n - b0 < CMP_SUM_BLOCK ? n - b0 : CMP_SUM_BLOCK;
        size_t vec_len = len & ~(size_t)7;
        const float *xb = x + b0, *yb = y + b0;
        uint32_t *slot = slots[blk & 1];
        __m256d e2lo = _mm256_setzero_pd(), e2hi = e2lo, y2lo = e2lo, y2hi = e2lo, xylo = e2lo, xyhi = e2lo;
        __m256i top_bits = izero;   /* largest float32 |e| bit pattern */

        size_t i = 0;
        for (; i < vec_len; i += 8) {
            __m256 xf = _mm256_loadu_ps(xb + i), yf = _mm256_loadu_ps(yb + i);
            __m256i bits = abs_bits(_mm256_sub_ps(yf, xf));
            top_bits = _mm256_max_epu32(top_bits, bits);
            /* Bin numbers fit in 16 bits: a saturating 16-bit subtract
             * floors at 0, and any e != 0 is then lifted to at least 1. */
            __m256i idx = _mm256_subs_epu16(_mm256_srli_epi32(bits, 17), bias);
            idx = _mm256_max_epu32(idx, _mm256_min_epu32(bits, one));
            if (counting) _mm256_store_si256((__m256i *)(slot + i), _mm256_min_epu32(idx, top));

            __m256d xlo = _mm256_cvtps_pd(_mm_loadu_ps(xb + i)), xhi = _mm256_cvtps_pd(_mm_loadu_ps(xb + i + 4));
            __m256d ylo = _mm256_cvtps_pd(_mm_loadu_ps(yb + i)), yhi = _mm256_cvtps_pd(_mm_loadu_ps(yb + i + 4));
            __m256d elo = _mm256_sub_pd(ylo, xlo), ehi = _mm256_sub_pd(yhi, xhi);
            e2lo = _mm256_add_pd(e2lo, _mm256_mul_pd(elo, elo));
            e2hi = _mm256_add_pd(e2hi, _mm256_mul_pd(ehi, ehi));
            y2lo = _mm256_add_pd(y2lo, _mm256_mul_pd(ylo, ylo));
            y2hi = _mm256_add_pd(y2hi, _mm256_mul_pd(yhi, yhi));
            xylo = _mm256_add_pd(xylo, _mm256_mul_pd(xlo, ylo));
            xyhi = _mm256_add_pd(xyhi, _mm256_mul_pd(xhi, yhi));
            if (i < n_pending) count8(count, pending + i);
        }
        for (; i < n_pending; i += 8) count8(count, pending + i);
        n_pending = 0;
        /* The bit patterns have the sign cleared: signed compares are right. */
        if (lane_mask(_mm256_cmpgt_epi32(top_bits, finite_max))) {
            /* NaN/Inf somewhere (or an overflowing difference): redo the
             * block pair by pair, nothing of it has been counted yet. */
            cmp_block_portable(xb, yb, len, &mx, run, bins);
            continue;
        }
        pending = slot;
        n_pending = counting ? vec_len : 0;
        /* Only a block whose largest float32 |e| reaches the running
         * maximum (one ulp of slack for the double rounding of extreme
         * differences) can raise it: rare after a chunk's first blocks, so
         * the lanes are compared with the threshold and reduced only then. */
        uint32_t mx_bits = float_bits((float)mx);
        int below = (int)(mx_bits ? mx_bits - 1 : 0) - 1; /* block_top > below <=> block_top + 1 >= mx_bits */
        if (lane_mask(_mm256_cmpgt_epi32(top_bits, _mm256_set1_epi32(below))))
            block_max(xb, yb, vec_len, hmax_u32(top_bits), &mx);

        if (vec_len == len) {
            /* No tail: the block totals straight from the registers. */
            run->e2 += lane_total(e2lo, e2hi);
            run->y2 += lane_total(y2lo, y2hi);
            run->xy += lane_total(xylo, xyhi);
            run->used += len;
            continue;
        }
        double e2[CMP_LANES], y2[CMP_LANES], xy[CMP_LANES];
        spill(e2lo, e2hi, e2);
        spill(y2lo, y2hi, y2);
        spill(xylo, xyhi, xy);
        uint64_t bad = 0;
        /* The block's tail continues the same lanes (vec_len is a multiple of 8). */
        for (size_t t = vec_len; t < len; t++) cmp_pair_step(xb[t], yb[t], t - vec_len, e2, y2, xy, &mx, &bad, count);

        cmp_block_finish(run, counting ? bins : NULL, e2, y2, xy, len, bad);
    }
    for (size_t i = 0; i < n_pending; i += 8) count8(count, pending + i);
    if (counting) bins->pending += n;
    run->max_abs = mx;
}

void cmp_pairs_avx2(const float *x, const float *y, size_t n, cmp_run *run, cmp_bins *bins) {
    if (bins) pairs_impl(x, y, n, run, bins, true);
    else pairs_impl(x, y, n, run, NULL, false);
}

/* Σx² of four whole blocks of finite values at once: each block's lanes
 * in registers of their own, so four chains of dependent adds run side by
 * side instead of one (a single block's sum is latency-bound).  Each
 * block's terms and totals are the one-block loop's, added in block
 * order: the same bits.  false, with nothing added, when a value is not
 * finite (the caller then takes the blocks one by one). */
static bool x2_four_blocks(const float *x, cmp_run *run) {
    const float *x1p = x + CMP_SUM_BLOCK, *x2p = x + 2 * CMP_SUM_BLOCK, *x3p = x + 3 * CMP_SUM_BLOCK;
    __m256d lo0 = _mm256_setzero_pd(), hi0 = lo0, lo1 = lo0, hi1 = lo0, lo2 = lo0, hi2 = lo0, lo3 = lo0, hi3 = lo0;
    __m256i bad = _mm256_setzero_si256();
#define X2_STEP(lo, hi, p)                                                                                           \
    do {                                                                                                             \
        __m256 xf = _mm256_loadu_ps((p) + i);                                                                        \
        bad = _mm256_or_si256(bad, not_finite(xf));                                                                  \
        __m256d xl = _mm256_cvtps_pd(_mm256_castps256_ps128(xf)), xh = _mm256_cvtps_pd(_mm256_extractf128_ps(xf, 1)); \
        lo = _mm256_add_pd(lo, _mm256_mul_pd(xl, xl));                                                               \
        hi = _mm256_add_pd(hi, _mm256_mul_pd(xh, xh));                                                               \
    } while (0)
    for (size_t i = 0; i < CMP_SUM_BLOCK; i += 8) {
        X2_STEP(lo0, hi0, x);
        X2_STEP(lo1, hi1, x1p);
        X2_STEP(lo2, hi2, x2p);
        X2_STEP(lo3, hi3, x3p);
    }
#undef X2_STEP
    if (lane_mask(bad)) return false;
    double l[CMP_LANES];
    spill(lo0, hi0, l);
    run->x2 += cmp_lane_total(l);
    spill(lo1, hi1, l);
    run->x2 += cmp_lane_total(l);
    spill(lo2, hi2, l);
    run->x2 += cmp_lane_total(l);
    spill(lo3, hi3, l);
    run->x2 += cmp_lane_total(l);
    run->used += 4 * CMP_SUM_BLOCK;
    return true;
}

void cmp_x2_avx2(const float *x, const float *y, size_t n, cmp_run *run) {
    size_t start = 0;
    if (!y)
        while (start + 4 * CMP_SUM_BLOCK <= n && x2_four_blocks(x + start, run)) start += 4 * CMP_SUM_BLOCK;
    for (size_t b0 = start; b0 < n; b0 += CMP_SUM_BLOCK) {
        size_t len = n - b0 < CMP_SUM_BLOCK ? n - b0 : CMP_SUM_BLOCK;
        size_t vec_len = len & ~(size_t)7;
        const float *xb = x + b0, *yb = y ? y + b0 : NULL;
        __m256d lo = _mm256_setzero_pd(), hi = lo;
        uint64_t bad = 0;
        for (size_t i = 0; i < vec_len; i += 8) {
            __m256 xf = _mm256_loadu_ps(xb + i);
            __m256i badm = not_finite(xf);
            if (yb) badm = _mm256_or_si256(badm, not_finite(_mm256_loadu_ps(yb + i)));
            int m = lane_mask(badm);
            if (m) {
                xf = _mm256_andnot_ps(_mm256_castsi256_ps(badm), xf);
                bad += (uint64_t)__builtin_popcount((unsigned)m);
            }
            __m256d xlo = _mm256_cvtps_pd(_mm256_castps256_ps128(xf));
            __m256d xhi = _mm256_cvtps_pd(_mm256_extractf128_ps(xf, 1));
            lo = _mm256_add_pd(lo, _mm256_mul_pd(xlo, xlo));
            hi = _mm256_add_pd(hi, _mm256_mul_pd(xhi, xhi));
        }
        double x2[CMP_LANES];
        spill(lo, hi, x2);
        for (size_t i = vec_len; i < len; i++) cmp_x2_step(xb[i], yb ? yb + i : NULL, i - vec_len, x2, &bad);
        run->x2 += cmp_lane_total(x2);
        run->used += len - bad;
        run->nonfinite += bad;
    }
}
