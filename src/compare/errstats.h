/* Reconstruction-error statistics: float64 sums and a histogram of |e|.
 *
 * For a reference x and a reconstruction y (both float32), e = y - x is
 * taken in float64 and five sums are kept (n, Σe², Σx², Σy², Σxy) plus
 * max|e|; every figure in the report derives from them.  Sums are built
 * per chunk of a fixed size, in an order fixed inside the chunk (pairs.h
 * has the kernels that build them), and combined in chunk order by the
 * caller, so they do not depend on how many threads did the work.
 *
 * Percentiles of |e| come from a histogram with 64 bins per octave (bins
 * are cut on the top 6 mantissa bits of |e|): a bin spans at most 1/64 of
 * its lower edge, so its midpoint is within 0.78 % of any value in it —
 * inside the 1 % the report promises, without keeping or sorting the
 * elements.  Counts are integers, so merging histograms is exact in any
 * order.  Octaves are allocated on first use (512 bytes each), which keeps
 * a histogram around 10 KB for real error distributions. */
#ifndef GQ_COMPARE_ERRSTATS_H
#define GQ_COMPARE_ERRSTATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CMP_HIST_SUB_BITS 6
#define CMP_HIST_SUB (1 << CMP_HIST_SUB_BITS)
#define CMP_HIST_MIN_EXP (-64) /* |e| < 2^-64 counts as "tiny" */
#define CMP_HIST_OCTAVES 128   /* 2^-64 .. 2^64; above counts as "huge" */

typedef struct cmp_sums {
    uint64_t n;           /* element pairs in the sums */
    uint64_t n_nonfinite; /* pairs where x or y was NaN/Inf: counted, kept out of the sums */
    double sum_e2, sum_x2, sum_y2, sum_xy;
    double max_abs;       /* max |e| */
} cmp_sums;

typedef struct cmp_hist {
    uint64_t total;
    uint64_t zero;  /* |e| == 0 exactly */
    uint64_t tiny;  /* 0 < |e| < 2^-64 */
    uint64_t huge;  /* |e| >= 2^64 */
    uint64_t *octave[CMP_HIST_OCTAVES]; /* CMP_HIST_SUB counts each, NULL until used */
    bool oom;       /* an octave could not be allocated: percentiles unknown */
} cmp_hist;

typedef struct cmp_figures {
    double rmse;    /* sqrt(Σe²/n) */
    double nmse;    /* Σe²/Σx² */
    double max_abs;
    double cosine;  /* Σxy / sqrt(Σx²·Σy²) */
    double snr_db;  /* 10·log10(Σx²/Σe²); +inf when e is 0 everywhere */
    double p50, p99, p999; /* of |e|, from the histogram (NaN when unknown) */
} cmp_figures;

/* a += b (sums in the order the calls are made). */
void cmp_sums_add(cmp_sums *a, const cmp_sums *b);

void cmp_hist_init(cmp_hist *h);
void cmp_hist_free(cmp_hist *h);
/* a += b; false when out of memory (a->oom is set too). */
bool cmp_hist_merge(cmp_hist *a, const cmp_hist *b);
/* The nearest-rank q-quantile (0 < q <= 1) of |e|, as the midpoint of the
 * bin holding it, never above max_abs.  NaN when the histogram is empty or
 * incomplete. */
double cmp_hist_quantile(const cmp_hist *h, double q, double max_abs);

/* Every figure from the sums and histogram (hist may be NULL: no percentiles). */
void cmp_figures_compute(const cmp_sums *s, const cmp_hist *hist, cmp_figures *out);

#endif
