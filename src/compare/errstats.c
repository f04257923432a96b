/* Error sums, |e| histogram and the figures derived from them (errstats.h). */
#include "compare/errstats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

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
