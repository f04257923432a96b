/* Error sums, |e| histogram and the figures derived from them (errstats.h). */
#include "compare/errstats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The bin of a positive finite |e| that is inside the histogram range:
 * octave from the float64 exponent, sub-bin from the top mantissa bits. */
static inline void bin_of(double a, int *octave, int *sub) {
    uint64_t bits;
    memcpy(&bits, &a, sizeof bits);
    int exp = (int)((bits >> 52) & 0x7ff) - 1023;
    *octave = exp - CMP_HIST_MIN_EXP;
    *sub = (int)((bits >> (52 - CMP_HIST_SUB_BITS)) & (CMP_HIST_SUB - 1));
}

static inline void hist_add(cmp_hist *h, double a) {
    h->total++;
    if (a == 0) {
        h->zero++;
        return;
    }
    int octave, sub;
    bin_of(a, &octave, &sub);
    if (octave < 0) {
        h->tiny++; /* also catches float64 subnormals, whose exponent field is 0 */
        return;
    }
    if (octave >= CMP_HIST_OCTAVES) {
        h->huge++;
        return;
    }
    uint64_t *o = h->octave[octave];
    if (!o) {
        o = h->octave[octave] = calloc(CMP_HIST_SUB, sizeof *o);
        if (!o) {
            h->oom = true;
            return;
        }
    }
    o[sub]++;
}

/* Elements per inner block: sums run over a block from zero and blocks are
 * then added, which keeps the float64 rounding error near that of a
 * pairwise sum (as numpy's) instead of growing with the chunk length. */
#define SUM_BLOCK 256

void cmp_accumulate(cmp_sums *s, cmp_hist *hist, const float *x, const float *y, size_t n) {
    double se2 = 0, sx2 = 0, sy2 = 0, sxy = 0, mx = s->max_abs;
    uint64_t used = 0, bad = 0;
    for (size_t b0 = 0; b0 < n; b0 += SUM_BLOCK) {
        size_t b1 = n - b0 < SUM_BLOCK ? n : b0 + SUM_BLOCK;
        double be2 = 0, bx2 = 0, by2 = 0, bxy = 0;
        for (size_t i = b0; i < b1; i++) {
            if (!isfinite(x[i]) || !isfinite(y[i])) {
                bad++;
                continue;
            }
            /* float32 -> float64 is exact, and so is the difference of two
             * float32 values in float64 for every realistic pair of magnitudes. */
            double xd = x[i], yd = y[i];
            double e = yd - xd;
            double a = fabs(e);
            be2 += e * e;
            bx2 += xd * xd;
            by2 += yd * yd;
            bxy += xd * yd;
            if (a > mx) mx = a;
            if (hist) hist_add(hist, a);
            used++;
        }
        se2 += be2;
        sx2 += bx2;
        sy2 += by2;
        sxy += bxy;
    }
    /* The chunk's own sums are added to the running totals once, so a
     * chunk's contribution is the same whatever came before it. */
    s->sum_e2 += se2;
    s->sum_x2 += sx2;
    s->sum_y2 += sy2;
    s->sum_xy += sxy;
    s->max_abs = mx;
    s->n += used;
    s->n_nonfinite += bad;
}

void cmp_sums_add(cmp_sums *a, const cmp_sums *b) {
    a->n += b->n;
    a->n_nonfinite += b->n_nonfinite;
    a->sum_e2 += b->sum_e2;
    a->sum_x2 += b->sum_x2;
    a->sum_y2 += b->sum_y2;
    a->sum_xy += b->sum_xy;
    if (b->max_abs > a->max_abs) a->max_abs = b->max_abs;
}

void cmp_hist_init(cmp_hist *h) { memset(h, 0, sizeof *h); }

void cmp_hist_free(cmp_hist *h) {
    for (int i = 0; i < CMP_HIST_OCTAVES; i++) free(h->octave[i]);
    memset(h, 0, sizeof *h);
}

bool cmp_hist_merge(cmp_hist *a, const cmp_hist *b) {
    a->total += b->total;
    a->zero += b->zero;
    a->tiny += b->tiny;
    a->huge += b->huge;
    if (b->oom) a->oom = true;
    for (int i = 0; i < CMP_HIST_OCTAVES; i++) {
        if (!b->octave[i]) continue;
        if (!a->octave[i] && !(a->octave[i] = calloc(CMP_HIST_SUB, sizeof(uint64_t)))) {
            a->oom = true;
            return false;
        }
        for (int j = 0; j < CMP_HIST_SUB; j++) a->octave[i][j] += b->octave[i][j];
    }
    return true;
}

double cmp_hist_quantile(const cmp_hist *h, double q, double max_abs) {
    if (!h || h->oom || h->total == 0 || !(q > 0) || q > 1) return NAN;
    /* Nearest rank: the smallest value with at least ceil(q·N) values at or
     * below it. */
    uint64_t rank = (uint64_t)ceil(q * (double)h->total);
    if (rank < 1) rank = 1;
    if (rank > h->total) rank = h->total;
    uint64_t seen = h->zero;
    if (seen >= rank) return 0.0;
    seen += h->tiny;
    if (seen >= rank) return ldexp(1.0, CMP_HIST_MIN_EXP - 1); /* below 2^-64: ~0 */
    for (int o = 0; o < CMP_HIST_OCTAVES; o++) {
        if (!h->octave[o]) continue;
        for (int s = 0; s < CMP_HIST_SUB; s++) {
            seen += h->octave[o][s];
            if (seen >= rank) {
                double mid = ldexp(1.0 + (s + 0.5) / CMP_HIST_SUB, o + CMP_HIST_MIN_EXP);
                return mid < max_abs ? mid : max_abs;
            }
        }
    }
    return max_abs; /* in the "huge" bin */
}

void cmp_figures_compute(const cmp_sums *s, const cmp_hist *hist, cmp_figures *f) {
    f->max_abs = s->n ? s->max_abs : NAN;
    if (s->n == 0) {
        f->rmse = f->nmse = f->cosine = f->snr_db = NAN;
    } else {
        f->rmse = sqrt(s->sum_e2 / (double)s->n);
        if (s->sum_x2 > 0) f->nmse = s->sum_e2 / s->sum_x2;
        else f->nmse = s->sum_e2 == 0 ? 0.0 : INFINITY;
        if (s->sum_e2 == 0) f->snr_db = INFINITY;
        else if (s->sum_x2 == 0) f->snr_db = -INFINITY;
        else f->snr_db = 10.0 * log10(s->sum_x2 / s->sum_e2);
        if (s->sum_x2 > 0 && s->sum_y2 > 0) f->cosine = s->sum_xy / sqrt(s->sum_x2 * s->sum_y2);
        else if (s->sum_x2 == 0 && s->sum_y2 == 0) f->cosine = 1.0; /* both zero: identical */
        else f->cosine = NAN;                                        /* one zero: undefined */
    }
    f->p50 = cmp_hist_quantile(hist, 0.5, s->max_abs);
    f->p99 = cmp_hist_quantile(hist, 0.99, s->max_abs);
    f->p999 = cmp_hist_quantile(hist, 0.999, s->max_abs);
}
