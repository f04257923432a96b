/* NEON pair kernels (aarch64, where NEON is always present): the same
 * sums, in the same order, as the portable ones in pairs.c (pairs.h
 * defines the order).  Eight pairs per step: the eight lanes of the
 * definition are the two doubles of each of four float64x2 registers
 * (lanes 0-1, 2-3, 4-5, 6-7), so every vector lane sums exactly the terms
 * the portable lane array does, one multiply and one add per term.  No
 * vfmaq: a fused multiply-add rounds once where the definition rounds
 * twice, and the bits would differ.
 *
 * Each block is first summed and binned in registers; its bin numbers
 * are counted and its max|e| merged only once the block is known to hold
 * no NaN/Inf (and no difference overflowing float32).  Such a block is
 * redone pair by pair through the portable step, as the x86 kernels do. */
#include <arm_neon.h>

#include "compare/pairs.h"

/* Float bit patterns above this (sign cleared) are Inf or NaN. */
#define FINITE_MAX_BITS 0x7f7fffffu

/* One sum of the definition: lanes 0-1, 2-3, 4-5, 6-7. */
typedef struct lane_sum {
    float64x2_t l01, l23, l45, l67;
} lane_sum;

static inline lane_sum lane_sum_zero(void) {
    float64x2_t z = vdupq_n_f64(0.0);
    return (lane_sum){ z, z, z, z };
}

/* Eight float32 as float64, in lane order (exact conversions). */
typedef struct wide8 {
    float64x2_t l01, l23, l45, l67;
} wide8;

static inline wide8 widen8(float32x4_t lo, float32x4_t hi) {
    return (wide8){ vcvt_f64_f32(vget_low_f32(lo)), vcvt_high_f64_f32(lo), vcvt_f64_f32(vget_low_f32(hi)),
                    vcvt_high_f64_f32(hi) };
}

/* s += a * b lane by lane: a rounded product, then a rounded sum. */
static inline void add_products(lane_sum *s, const wide8 *a, const wide8 *b) {
    s->l01 = vaddq_f64(s->l01, vmulq_f64(a->l01, b->l01));
    s->l23 = vaddq_f64(s->l23, vmulq_f64(a->l23, b->l23));
    s->l45 = vaddq_f64(s->l45, vmulq_f64(a->l45, b->l45));
    s->l67 = vaddq_f64(s->l67, vmulq_f64(a->l67, b->l67));
}

/* cmp_lane_total in the same order: (l0+l4, l1+l5) + (l2+l6, l3+l7) gives
 * ((l0+l4)+(l2+l6), (l1+l5)+(l3+l7)), and its two halves are added last. */
static inline double lane_total(const lane_sum *s) {
    float64x2_t u = vaddq_f64(vaddq_f64(s->l01, s->l45), vaddq_f64(s->l23, s->l67));
    return vgetq_lane_f64(u, 0) + vgetq_lane_f64(u, 1);
}

static inline void spill(const lane_sum *s, double lanes[CMP_LANES]) {
    vst1q_f64(lanes, s->l01);
    vst1q_f64(lanes + 2, s->l23);
    vst1q_f64(lanes + 4, s->l45);
    vst1q_f64(lanes + 6, s->l67);
}

/* Bin numbers of four float32 differences (cmp_bin_of lane by lane). */
static inline uint32x4_t bins_of(uint32x4_t bits) {
    /* A saturating subtract floors at 0; any e != 0 is then lifted to at
     * least 1, and everything from 2^64 up (Inf too) capped at huge. */
    uint32x4_t idx = vqsubq_u32(vshrq_n_u32(bits, 17), vdupq_n_u32(CMP_BIN_BIAS));
    idx = vmaxq_u32(idx, vminq_u32(bits, vdupq_n_u32(1)));
    return vminq_u32(idx, vdupq_n_u32(CMP_BIN_HUGE));
}

/* The kernel, specialised by the compiler for `counting` (a constant at
 * each call): without bins the bin numbers are not even computed. */
static inline __attribute__((always_inline)) void pairs_impl(const float *x, const float *y, size_t n, cmp_run *run,
                                                             cmp_bins *bins, const bool counting) {
    const uint32x4_t abs_mask = vdupq_n_u32(0x7fffffffu);
    uint32_t *count = counting ? bins->count : NULL;
    uint32_t slot[CMP_SUM_BLOCK];
    double mx = run->max_abs;

    for (size_t b0 = 0; b0 < n; b0 += CMP_SUM_BLOCK) {
        size_t len = n - b0 < CMP_SUM_BLOCK ? n - b0 : CMP_SUM_BLOCK;
        size_t vec_len = len & ~(size_t)7;
        const float *xb = x + b0, *yb = y + b0;
        lane_sum e2 = lane_sum_zero(), y2 = e2, xy = e2;
        uint32x4_t top_bits = vdupq_n_u32(0); /* largest float32 |e| bit pattern */
        float64x2_t block_max = vdupq_n_f64(0.0);

        for (size_t i = 0; i < vec_len; i += 8) {
            float32x4_t xlo = vld1q_f32(xb + i), xhi = vld1q_f32(xb + i + 4);
            float32x4_t ylo = vld1q_f32(yb + i), yhi = vld1q_f32(yb + i + 4);
            uint32x4_t bits_lo = vandq_u32(vreinterpretq_u32_f32(vsubq_f32(ylo, xlo)), abs_mask);
            uint32x4_t bits_hi = vandq_u32(vreinterpretq_u32_f32(vsubq_f32(yhi, xhi)), abs_mask);
            top_bits = vmaxq_u32(top_bits, vmaxq_u32(bits_lo, bits_hi));
            if (counting) {
                vst1q_u32(slot + i, bins_of(bits_lo));
                vst1q_u32(slot + i + 4, bins_of(bits_hi));
            }

            wide8 xd = widen8(xlo, xhi), yd = widen8(ylo, yhi);
            wide8 e = { vsubq_f64(yd.l01, xd.l01), vsubq_f64(yd.l23, xd.l23), vsubq_f64(yd.l45, xd.l45),
                        vsubq_f64(yd.l67, xd.l67) };
            add_products(&e2, &e, &e);
            add_products(&y2, &yd, &yd);
            add_products(&xy, &xd, &yd);
            /* |e| in float64 is exact given e; the lanes' maxima are merged
             * below (no NaN can be here in a block that is kept). */
            block_max = vmaxq_f64(block_max, vmaxq_f64(vmaxq_f64(vabsq_f64(e.l01), vabsq_f64(e.l23)),
                                                       vmaxq_f64(vabsq_f64(e.l45), vabsq_f64(e.l67))));
        }
        if (vmaxvq_u32(top_bits) > FINITE_MAX_BITS) {
            /* NaN/Inf somewhere (or an overflowing difference): redo the
             * block pair by pair, nothing of it has been counted yet. */
            cmp_block_portable(xb, yb, len, &mx, run, bins);
            continue;
        }
        double bm = vmaxvq_f64(block_max);
        mx = bm > mx ? bm : mx;
        if (counting)
            for (size_t i = 0; i < vec_len; i++) count[slot[i]]++;

        if (vec_len == len) {
            run->e2 += lane_total(&e2);
            run->y2 += lane_total(&y2);
            run->xy += lane_total(&xy);
            run->used += len;
            continue;
        }
        double e2l[CMP_LANES], y2l[CMP_LANES], xyl[CMP_LANES];
        spill(&e2, e2l);
        spill(&y2, y2l);
        spill(&xy, xyl);
        uint64_t bad = 0;
        /* The block's tail continues the same lanes (vec_len is a multiple of 8). */
        for (size_t t = vec_len; t < len; t++) cmp_pair_step(xb[t], yb[t], t - vec_len, e2l, y2l, xyl, &mx, &bad, count);
        cmp_block_finish(run, counting ? bins : NULL, e2l, y2l, xyl, len, bad);
    }
    if (counting) bins->pending += n;
    run->max_abs = mx;
}

void cmp_pairs_neon(const float *x, const float *y, size_t n, cmp_run *run, cmp_bins *bins) {
    if (bins) pairs_impl(x, y, n, run, bins, true);
    else pairs_impl(x, y, n, run, NULL, false);
}

/* All ones in the lanes whose float is Inf or NaN. */
static inline uint32x4_t not_finite(float32x4_t v) {
    return vcgtq_u32(vandq_u32(vreinterpretq_u32_f32(v), vdupq_n_u32(0x7fffffffu)), vdupq_n_u32(FINITE_MAX_BITS));
}

void cmp_x2_neon(const float *x, const float *y, size_t n, cmp_run *run) {
    for (size_t b0 = 0; b0 < n; b0 += CMP_SUM_BLOCK) {
        size_t len = n - b0 < CMP_SUM_BLOCK ? n - b0 : CMP_SUM_BLOCK;
        size_t vec_len = len & ~(size_t)7;
        const float *xb = x + b0, *yb = y ? y + b0 : NULL;
        lane_sum x2 = lane_sum_zero();
        uint64_t bad = 0;
        for (size_t i = 0; i < vec_len; i += 8) {
            float32x4_t xlo = vld1q_f32(xb + i), xhi = vld1q_f32(xb + i + 4);
            uint32x4_t bad_lo = not_finite(xlo), bad_hi = not_finite(xhi);
            if (yb) {
                bad_lo = vorrq_u32(bad_lo, not_finite(vld1q_f32(yb + i)));
                bad_hi = vorrq_u32(bad_hi, not_finite(vld1q_f32(yb + i + 4)));
            }
            uint32x4_t bad_any = vorrq_u32(bad_lo, bad_hi);
            if (vmaxvq_u32(bad_any)) {
                /* Such a pair enters as x = +0, adding +0 as the portable
                 * step does. */
                bad += vaddvq_u32(vshrq_n_u32(bad_lo, 31)) + vaddvq_u32(vshrq_n_u32(bad_hi, 31));
                xlo = vreinterpretq_f32_u32(vbicq_u32(vreinterpretq_u32_f32(xlo), bad_lo));
                xhi = vreinterpretq_f32_u32(vbicq_u32(vreinterpretq_u32_f32(xhi), bad_hi));
            }
            wide8 xd = widen8(xlo, xhi);
            add_products(&x2, &xd, &xd);
        }
        double x2l[CMP_LANES];
        spill(&x2, x2l);
        for (size_t i = vec_len; i < len; i++) cmp_x2_step(xb[i], yb ? yb + i : NULL, i - vec_len, x2l, &bad);
        run->x2 += cmp_lane_total(x2l);
        run->used += len - bad;
        run->nonfinite += bad;
    }
}
