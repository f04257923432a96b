/* AVX-512 pair kernels: the same sums, in the same order, as the portable
 * ones in pairs.c (see pairs.h).  A zmm register holds the 8 lanes of the
 * definition in float64, so sixteen pairs are two adds into each
 * accumulator — lane k takes element i+k, then i+8+k, exactly the order
 * of the portable lane arrays.  One multiply and one add per term (no
 * FMA: a fused rounding would change the bits).
 *
 * This file is built with the AVX2 flags of x86/; the functions here
 * switch AVX-512 on for themselves and run only where the CPU has
 * AVX-512F and AVX-512BW (pairs.c checks). */
#include <immintrin.h>

#include "compare/pairs.h"

#define AVX512 __attribute__((target("avx2,avx512f,avx512bw")))

/* Float bit patterns above this (sign cleared) are Inf or NaN. */
#define FINITE_MAX_BITS 0x7f7fffff

AVX512 static inline __m512i abs_bits(__m512 v) {
    return _mm512_and_si512(_mm512_castps_si512(v), _mm512_set1_epi32(0x7fffffff));
}

static inline uint32_t float_bits(float f) {
    union {
        float f;
        uint32_t u;
    } v = { f };
    return v.u;
}

/* cmp_lane_total of the 8 lanes in v, in the same order: lanes k and k+4
 * first, then the 128-bit halves, then the last two (see pairs.h). */
AVX512 static inline double lane_total(__m512d v) {
    __m256d t = _mm256_add_pd(_mm512_castpd512_pd256(v), _mm512_extractf64x4_pd(v, 1));
    __m128d u = _mm_add_pd(_mm256_castpd256_pd128(t), _mm256_extractf128_pd(t, 1));
    return _mm_cvtsd_f64(_mm_add_sd(u, _mm_unpackhi_pd(u, u)));
}

/* max|e| in float64 over the pairs whose float32 |e| has the bit pattern
 * `top` (rounding to float32 is monotonic: the largest is among them). */
AVX512 static void block_max(const float *x, const float *y, size_t vec_len, uint32_t top, double *mx) {
    const __m512i want = _mm512_set1_epi32((int)top);
    for (size_t i = 0; i < vec_len; i += 16) {
        __m512 xf = _mm512_loadu_ps(x + i), yf = _mm512_loadu_ps(y + i);
        unsigned m = _mm512_cmpeq_epi32_mask(abs_bits(_mm512_sub_ps(yf, xf)), want);
        while (m) {
            int k = __builtin_ctz(m);
            m &= m - 1;
            double e = fabs((double)y[i + k] - (double)x[i + k]);
            if (e > *mx) *mx = e;
        }
    }
}

/* Count the bins of up to 16 slots. */
static inline void count16(uint32_t *count, const uint32_t *slot) {
    count[slot[0]]++;
    count[slot[1]]++;
    count[slot[2]]++;
    count[slot[3]]++;
    count[slot[4]]++;
    count[slot[5]]++;
    count[slot[6]]++;
    count[slot[7]]++;
    count[slot[8]]++;
    count[slot[9]]++;
    count[slot[10]]++;
    count[slot[11]]++;
    count[slot[12]]++;
    count[slot[13]]++;
    count[slot[14]]++;
    count[slot[15]]++;
}

/* The kernel, specialised by the compiler for `counting` (a constant at
 * each call): without bins the bin numbers are not even computed. */
AVX512 static inline __attribute__((always_inline)) void pairs_impl(const float *x, const float *y, size_t n,
                                                                    cmp_run *run,
                                                             cmp_bins *bins, const bool counting) {
    const __m512i bias = _mm512_set1_epi32(CMP_BIN_BIAS);
    const __m512i top = _mm512_set1_epi32(CMP_BIN_HUGE);
    const __m512i one = _mm512_set1_epi32(1);
    const __m512i finite_max = _mm512_set1_epi32(FINITE_MAX_BITS);
    uint32_t *count = counting ? bins->count : NULL; /* NULL: sums only */
    double mx = run->max_abs;
    /* Bin numbers of two blocks: a block's bins are counted while the next
     * block's sums are computed.  Each lane's sum is a chain of dependent
     * adds (the order is fixed); the counting fills the wait. */
    uint32_t slots[2][CMP_SUM_BLOCK] __attribute__((aligned(64)));
    const uint32_t *pending = slots[1];
    size_t n_pending = 0; /* a multiple of 16 */

    for (size_t b0 = 0, blk = 0; b0 < n; b0 += CMP_SUM_BLOCK, blk++) {
        size_t len = n - b0 < CMP_SUM_BLOCK ? n - b0 : CMP_SUM_BLOCK;
        size_t vec_len = len & ~(size_t)15;
        const float *xb = x + b0, *yb = y + b0;
        uint32_t *slot = slots[blk & 1];
        __m512d e2v = _mm512_setzero_pd(), y2v = e2v, xyv = e2v;
        __m512i top_bits = _mm512_setzero_si512();

        size_t i = 0;
        for (; i < vec_len; i += 16) {
            __m512 xf = _mm512_loadu_ps(xb + i), yf = _mm512_loadu_ps(yb + i);
            __m512i bits = abs_bits(_mm512_sub_ps(yf, xf));
            top_bits = _mm512_max_epu32(top_bits, bits);
            __m512i idx = _mm512_subs_epu16(_mm512_srli_epi32(bits, 17), bias);
            idx = _mm512_max_epu32(idx, _mm512_min_epu32(bits, one));
            if (counting) _mm512_store_si512((void *)(slot + i), _mm512_min_epu32(idx, top));

            __m512d x0 = _mm512_cvtps_pd(_mm256_loadu_ps(xb + i)), x1 = _mm512_cvtps_pd(_mm256_loadu_ps(xb + i + 8));
            __m512d y0 = _mm512_cvtps_pd(_mm256_loadu_ps(yb + i)), y1 = _mm512_cvtps_pd(_mm256_loadu_ps(yb + i + 8));
            __m512d e0 = _mm512_sub_pd(y0, x0), e1 = _mm512_sub_pd(y1, x1);
            e2v = _mm512_add_pd(e2v, _mm512_mul_pd(e0, e0));
            y2v = _mm512_add_pd(y2v, _mm512_mul_pd(y0, y0));
            xyv = _mm512_add_pd(xyv, _mm512_mul_pd(x0, y0));
            e2v = _mm512_add_pd(e2v, _mm512_mul_pd(e1, e1));
            y2v = _mm512_add_pd(y2v, _mm512_mul_pd(y1, y1));
            xyv = _mm512_add_pd(xyv, _mm512_mul_pd(x1, y1));
            if (i < n_pending) count16(count, pending + i);
        }
        for (; i < n_pending; i += 16) count16(count, pending + i);
        n_pending = 0;

        if (_mm512_cmpgt_epu32_mask(top_bits, finite_max)) {
            /* NaN/Inf somewhere (or an overflowing difference): redo the
             * block pair by pair; none of its bins has been counted. */
            cmp_block_portable(xb, yb, len, &mx, run, bins);
            continue;
        }
        pending = slot;
        n_pending = counting ? vec_len : 0;
        /* Only a block whose largest float32 |e| reaches the running
         * maximum (one ulp of slack for the double rounding) can raise it:
         * rare after a chunk's first blocks, so the lanes are compared
         * with the threshold and reduced only then. */
        uint32_t mx_bits = float_bits((float)mx);
        if (_mm512_cmpge_epu32_mask(top_bits, _mm512_set1_epi32((int)(mx_bits ? mx_bits - 1 : 0))))
            block_max(xb, yb, vec_len, _mm512_reduce_max_epu32(top_bits), &mx);

        if (vec_len == len) {
            /* No tail: the block totals straight from the registers. */
            run->e2 += lane_total(e2v);
            run->y2 += lane_total(y2v);
            run->xy += lane_total(xyv);
            run->used += len;
            continue;
        }
        double e2[CMP_LANES], y2[CMP_LANES], xy[CMP_LANES];
        _mm512_storeu_pd(e2, e2v);
        _mm512_storeu_pd(y2, y2v);
        _mm512_storeu_pd(xy, xyv);
        uint64_t bad = 0;
        for (size_t t = vec_len; t < len; t++) cmp_pair_step(xb[t], yb[t], t % CMP_LANES, e2, y2, xy, &mx, &bad, count);

        cmp_block_finish(run, counting ? bins : NULL, e2, y2, xy, len, bad);
    }
    for (size_t i = 0; i < n_pending; i += 16) count16(count, pending + i);
    if (counting) bins->pending += n;
    run->max_abs = mx;
}

AVX512 void cmp_pairs_avx512(const float *x, const float *y, size_t n, cmp_run *run, cmp_bins *bins) {
    if (bins) pairs_impl(x, y, n, run, bins, true);
    else pairs_impl(x, y, n, run, NULL, false);
}

/* Σx² of four whole blocks of finite values at once: each block's lanes
 * in a register of their own, so four chains of dependent adds run side by
 * side instead of one (a single block's sum is latency-bound).  Each
 * block's terms and totals are the one-block loop's, added in block
 * order: the same bits.  false, with nothing added, when a value is not
 * finite (the caller then takes the blocks one by one). */
AVX512 static bool x2_four_blocks(const float *x, cmp_run *run) {
    const __m512i finite_max = _mm512_set1_epi32(FINITE_MAX_BITS);
    const float *x1p = x + CMP_SUM_BLOCK, *x2p = x + 2 * CMP_SUM_BLOCK, *x3p = x + 3 * CMP_SUM_BLOCK;
    __m512d a0 = _mm512_setzero_pd(), a1 = a0, a2 = a0, a3 = a0;
    __mmask16 bad = 0;
#define X2_STEP(acc, p)                                                                                              \
    do {                                                                                                             \
        __m512 xf = _mm512_loadu_ps((p) + i);                                                                        \
        bad |= _mm512_cmpgt_epu32_mask(abs_bits(xf), finite_max);                                                    \
        __m512d lo = _mm512_cvtps_pd(_mm512_castps512_ps256(xf));                                                    \
        __m512d hi = _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(xf), 1)));             \
        acc = _mm512_add_pd(acc, _mm512_mul_pd(lo, lo));                                                             \
        acc = _mm512_add_pd(acc, _mm512_mul_pd(hi, hi));                                                             \
    } while (0)
    for (size_t i = 0; i < CMP_SUM_BLOCK; i += 16) {
        X2_STEP(a0, x);
        X2_STEP(a1, x1p);
        X2_STEP(a2, x2p);
        X2_STEP(a3, x3p);
    }
#undef X2_STEP
    if (bad) return false;
    double l[CMP_LANES];
    _mm512_storeu_pd(l, a0);
    run->x2 += cmp_lane_total(l);
    _mm512_storeu_pd(l, a1);
    run->x2 += cmp_lane_total(l);
    _mm512_storeu_pd(l, a2);
    run->x2 += cmp_lane_total(l);
    _mm512_storeu_pd(l, a3);
    run->x2 += cmp_lane_total(l);
    run->used += 4 * CMP_SUM_BLOCK;
    return true;
}

AVX512 void cmp_x2_avx512(const float *x, const float *y, size_t n, cmp_run *run) {
    const __m512i finite_max = _mm512_set1_epi32(FINITE_MAX_BITS);
    size_t start = 0;
    if (!y)
        while (start + 4 * CMP_SUM_BLOCK <= n && x2_four_blocks(x + start, run)) start += 4 * CMP_SUM_BLOCK;
    for (size_t b0 = start; b0 < n; b0 += CMP_SUM_BLOCK) {
        size_t len = n - b0 < CMP_SUM_BLOCK ? n - b0 : CMP_SUM_BLOCK;
        size_t vec_len = len & ~(size_t)15;
        const float *xb = x + b0, *yb = y ? y + b0 : NULL;
        __m512d acc = _mm512_setzero_pd();
        uint64_t bad = 0;
        for (size_t i = 0; i < vec_len; i += 16) {
            __m512 xf = _mm512_loadu_ps(xb + i);
            __mmask16 badm = _mm512_cmpgt_epu32_mask(abs_bits(xf), finite_max);
            if (yb) badm |= _mm512_cmpgt_epu32_mask(abs_bits(_mm512_loadu_ps(yb + i)), finite_max);
            if (badm) {
                xf = _mm512_maskz_mov_ps((__mmask16)~badm, xf);
                bad += (uint64_t)__builtin_popcount(badm);
            }
            __m512d x0 = _mm512_cvtps_pd(_mm512_castps512_ps256(xf));
            __m512d x1 = _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(xf), 1)));
            acc = _mm512_add_pd(acc, _mm512_mul_pd(x0, x0));
            acc = _mm512_add_pd(acc, _mm512_mul_pd(x1, x1));
        }
        double x2[CMP_LANES];
        _mm512_storeu_pd(x2, acc);
        for (size_t t = vec_len; t < len; t++) cmp_x2_step(xb[t], yb ? yb + t : NULL, t % CMP_LANES, x2, &bad);
        run->x2 += cmp_lane_total(x2);
        run->used += len - bad;
        run->nonfinite += bad;
    }
}
