/* Portable pair kernels (the reference the SIMD ones must match bit for
 * bit), the choice between them, and moving bins into a histogram. */
#include "compare/pairs.h"

#include <stdlib.h>
#include <string.h>

#include "gq/quant.h"
#include "quant/cpu.h"

/* True when no x or y of the block is NaN or Inf (a branch-free pass the
 * compiler can vectorize). */
static bool block_finite(const float *x, const float *y, size_t len) {
    uint32_t bad = 0;
    for (size_t i = 0; i < len; i++) {
        union {
            float f;
            uint32_t u;
        } a = { x[i] }, b = { y[i] };
        bad |= (uint32_t)((a.u & 0x7f800000u) == 0x7f800000u) | (uint32_t)((b.u & 0x7f800000u) == 0x7f800000u);
    }
    return !bad;
}

void cmp_block_portable(const float *x, const float *y, size_t len, double *mx, cmp_run *run, cmp_bins *bins) {
    double e2[CMP_LANES] = { 0 }, y2[CMP_LANES] = { 0 }, xy[CMP_LANES] = { 0 };
    uint64_t bad = 0;
    uint32_t *count = bins ? bins->count : NULL;
    for (size_t i = 0; i < len; i++) cmp_pair_step(x[i], y[i], i % CMP_LANES, e2, y2, xy, mx, &bad, count);
    cmp_block_finish(run, bins, e2, y2, xy, len, bad);
}

static void pairs_scalar(const float *x, const float *y, size_t n, cmp_run *run, cmp_bins *bins) {
    double mx = run->max_abs;
    uint32_t *count = bins ? bins->count : NULL;
    for (size_t b0 = 0; b0 < n; b0 += CMP_SUM_BLOCK) {
        size_t len = n - b0 < CMP_SUM_BLOCK ? n - b0 : CMP_SUM_BLOCK;
        const float *xb = x + b0, *yb = y + b0;
        double e2[CMP_LANES] = { 0 }, y2[CMP_LANES] = { 0 }, xy[CMP_LANES] = { 0 };
        uint64_t bad = 0;
        size_t i = 0;
        if (block_finite(xb, yb, len)) {
            /* The common case in separate simple loops (sums, bins, max),
             * each of which a compiler can keep in registers or vectorize;
             * the sums in exactly the lane order of the definition. */
            for (; i + CMP_LANES <= len; i += CMP_LANES)
                for (size_t k = 0; k < CMP_LANES; k++) {
                    double xd = xb[i + k], yd = yb[i + k], e = yd - xd;
                    e2[k] += e * e;
                    y2[k] += yd * yd;
                    xy[k] += xd * yd;
                }
            if (count)
                for (size_t j = 0; j < i; j++) count[cmp_bin_of(yb[j] - xb[j])]++;
            for (size_t j = 0; j < i; j++) {
                double e = (double)yb[j] - (double)xb[j];
                double a = fabs(e);
                mx = a > mx ? a : mx;
            }
        }
        for (; i < len; i++) cmp_pair_step(xb[i], yb[i], i % CMP_LANES, e2, y2, xy, &mx, &bad, count);
        cmp_block_finish(run, bins, e2, y2, xy, len, bad);
    }
    if (bins) bins->pending += n;
    run->max_abs = mx;
}

static void x2_scalar(const float *x, const float *y, size_t n, cmp_run *run) {
    for (size_t b0 = 0; b0 < n; b0 += CMP_SUM_BLOCK) {
        size_t len = n - b0 < CMP_SUM_BLOCK ? n - b0 : CMP_SUM_BLOCK;
        const float *xb = x + b0, *yb = y ? y + b0 : NULL;
        double x2[CMP_LANES] = { 0 };
        uint64_t bad = 0;
        size_t i = 0;
        if (block_finite(xb, yb ? yb : xb, len))
            for (; i + CMP_LANES <= len; i += CMP_LANES)
                for (size_t k = 0; k < CMP_LANES; k++) {
                    double xd = xb[i + k];
                    x2[k] += xd * xd;
                }
        for (; i < len; i++) cmp_x2_step(xb[i], yb ? yb + i : NULL, i % CMP_LANES, x2, &bad);
        run->x2 += cmp_lane_total(x2);
        run->used += len - bad;
        run->nonfinite += bad;
    }
}

static const cmp_pair_kernels scalar_kernels = { "scalar", pairs_scalar, x2_scalar };
#if defined(__x86_64__) || defined(_M_X64)
static const cmp_pair_kernels avx2_kernels = { "avx2", cmp_pairs_avx2, cmp_x2_avx2 };
static const cmp_pair_kernels avx512_kernels = { "avx512", cmp_pairs_avx512, cmp_x2_avx512 };

static bool cpu_has_avx512(void) {
#if defined(__GNUC__) || defined(__clang__)
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw");
#else
    return false;
#endif
}
#endif
#if defined(__aarch64__) || defined(_M_ARM64)
static const cmp_pair_kernels neon_kernels = { "neon", cmp_pairs_neon, cmp_x2_neon };
#endif

const cmp_pair_kernels *cmp_pair_kernels_scalar(void) { return &scalar_kernels; }

const cmp_pair_kernels *cmp_pair_kernels_pick(void) {
#if defined(__x86_64__) || defined(_M_X64)
    /* SIMD pinned off (GQ_FORCE_SCALAR): libquant then says "scalar". */
    if (strcmp(gq_quant_isa(), "avx2") == 0) return cpu_has_avx512() ? &avx512_kernels : &avx2_kernels;
#endif
#if defined(__aarch64__) || defined(_M_ARM64)
    if (strcmp(gq_quant_isa(), "neon") == 0) return &neon_kernels;
#endif
    return &scalar_kernels;
}

const cmp_pair_kernels *cmp_pair_kernels_at(size_t i) {
    const cmp_pair_kernels *all[3];
    size_t n = 0;
    all[n++] = &scalar_kernels;
#if defined(__x86_64__) || defined(_M_X64)
    if (gq_cpu_has_avx2()) {
        all[n++] = &avx2_kernels;
        if (cpu_has_avx512()) all[n++] = &avx512_kernels;
    }
#endif
#if defined(__aarch64__) || defined(_M_ARM64)
    all[n++] = &neon_kernels;
#endif
    return i < n ? all[i] : NULL;
}

void cmp_bins_add_zeros(cmp_bins *b, uint64_t n, uint64_t nonfinite) {
    /* Callers flush before pending nears 2^32, and n is at most a chunk. */
    b->count[0] += (uint32_t)n;
    b->skipped += nonfinite;
    b->pending += n;
}

bool cmp_bins_flush(cmp_bins *b, cmp_hist *h) {
    uint64_t in_range = 0;
    bool ok = true;
    for (uint32_t i = 2; i < CMP_BIN_HUGE; i++) {
        uint32_t c = b->count[i];
        if (!c) continue;
        in_range += c;
        b->count[i] = 0;
        uint32_t octave = (i - 2) / CMP_HIST_SUB, sub = (i - 2) % CMP_HIST_SUB;
        uint64_t *o = h->octave[octave];
        if (!o && !(o = h->octave[octave] = calloc(CMP_HIST_SUB, sizeof *o))) {
            h->oom = true;
            ok = false;
            continue;
        }
        o[sub] += c;
    }
    /* The skipped pairs were counted as zeros. */
    h->zero += b->count[0] - b->skipped;
    h->tiny += b->count[1];
    h->huge += b->count[CMP_BIN_HUGE];
    h->total += b->count[0] - b->skipped + b->count[1] + in_range + b->count[CMP_BIN_HUGE];
    b->count[0] = b->count[1] = b->count[CMP_BIN_HUGE] = 0;
    b->skipped = b->pending = 0;
    return ok;
}
