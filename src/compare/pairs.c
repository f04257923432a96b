/* Portable pair kernels (the reference the SIMD ones must match bit for
 * bit), the choice between them, and moving bins into a histogram. */
#include "compare/pairs.h"

#include <stdlib.h>
#include <string.h>

#include "gq/quant.h"

static void pairs_scalar(const float *x, const float *y, size_t n, cmp_run *run, cmp_bins *bins) {
    double mx = run->max_abs;
    for (size_t b0 = 0; b0 < n; b0 += CMP_SUM_BLOCK) {
        size_t len = n - b0 < CMP_SUM_BLOCK ? n - b0 : CMP_SUM_BLOCK;
        double e2[CMP_LANES] = { 0 }, y2[CMP_LANES] = { 0 }, xy[CMP_LANES] = { 0 };
        uint64_t bad = 0;
        for (size_t i = 0; i < len; i++)
            cmp_pair_step(x[b0 + i], y[b0 + i], i % CMP_LANES, e2, y2, xy, &mx, &bad, bins->count);
        run->e2 += cmp_lane_total(e2);
        run->y2 += cmp_lane_total(y2);
        run->xy += cmp_lane_total(xy);
        run->used += len - bad;
        run->nonfinite += bad;
        bins->skipped += bad;
    }
    bins->pending += n;
    run->max_abs = mx;
}

static void x2_scalar(const float *x, const float *y, size_t n, cmp_run *run) {
    for (size_t b0 = 0; b0 < n; b0 += CMP_SUM_BLOCK) {
        size_t len = n - b0 < CMP_SUM_BLOCK ? n - b0 : CMP_SUM_BLOCK;
        double x2[CMP_LANES] = { 0 };
        uint64_t bad = 0;
        for (size_t i = 0; i < len; i++) cmp_x2_step(x[b0 + i], y ? y + b0 + i : NULL, i % CMP_LANES, x2, &bad);
        run->x2 += cmp_lane_total(x2);
        run->used += len - bad;
        run->nonfinite += bad;
    }
}

static const cmp_pair_kernels scalar_kernels = { "scalar", pairs_scalar, x2_scalar };
#if defined(__x86_64__) || defined(_M_X64)
static const cmp_pair_kernels avx2_kernels = { "avx2", cmp_pairs_avx2, cmp_x2_avx2 };
#endif

const cmp_pair_kernels *cmp_pair_kernels_scalar(void) { return &scalar_kernels; }

const cmp_pair_kernels *cmp_pair_kernels_pick(void) {
#if defined(__x86_64__) || defined(_M_X64)
    /* libquant names "avx2" only when the CPU (and OS) run it and SIMD is
     * not pinned off, which is exactly when these may run too. */
    if (strcmp(gq_quant_isa(), "avx2") == 0) return &avx2_kernels;
#endif
    return &scalar_kernels;
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
