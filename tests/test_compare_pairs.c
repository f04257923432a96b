/* gq-compare's pair kernels (src/compare/pairs.h): the inner loop of the
 * error pass.
 *   - every SIMD kernel this CPU runs gives the portable kernel's bits
 *     (sums, max|e|, counts, bins) on ordinary, tiny, huge, zero,
 *     subnormal, overflowing and non-finite pairs, any length and
 *     alignment, and a range split into block-aligned pieces gives the
 *     same bits as one call;
 *   - the sums follow the order pairs.h documents, restated here, and are
 *     within a few ulps of an extended-precision sum;
 *   - each |e| lands in the bin its binary logarithm says (frexp here);
 *   - flushed bins make a histogram with the right zero/tiny/huge counts
 *     and percentiles within 1 % of exact nearest-rank selection;
 *   - (x, x) gives Σy² = Σxy = Σx² and Σe² = 0, the identity behind
 *     skipping a variant whose bytes equal the reference's;
 *   - a whole report is the same bits with SIMD off. */
#include "gqtest.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compare/pairs.h"
#include "compare/report.h"
#include "gq/quant.h"

static uint64_t rng;

static uint64_t next_u64(void) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static double uniform(void) { return (double)(next_u64() >> 11) * 0x1p-53; } /* [0, 1) */

/* A pair of the kind `kind` (0..9); kinds 0-2 are what real tensors hold. */
static void make_pair(int kind, float *x, float *y) {
    double u = uniform() * 2 - 1;
    float w = (float)(u * u * u * 0.3 + u * 0.02);
    switch (kind) {
    case 0: /* a weight and its quantized value */
    case 1:
        *x = w;
        *y = (float)(nearbyint(w * 48.0) / 48.0);
        break;
    case 2: /* reproduced exactly */
        *x = *y = w;
        break;
    case 3: /* |e| below 2^-64 */
        *x = w * 1e-22f;
        *y = *x + (float)(uniform() * 1e-21);
        break;
    case 4: /* |e| above 2^64 */
        *x = w * 1e22f;
        *y = (float)(-(double)*x * 3.0 + 1e21);
        break;
    case 5: /* subnormal values */
        *x = (float)(u * 1e-39);
        *y = (float)(uniform() * 1e-39);
        break;
    case 6: /* finite values whose float32 difference overflows */
        *x = 3e38f;
        *y = -3e38f;
        break;
    case 7: /* NaN in x */
        *x = NAN;
        *y = w;
        break;
    case 8: /* Inf in y */
        *x = w;
        *y = (next_u64() & 1) ? INFINITY : -INFINITY;
        break;
    default: /* an exact power of two apart: a bin edge */
        *x = 0.25f;
        *y = 0.25f + ldexpf(1.0f, -(int)(next_u64() % 40) - 3);
        break;
    }
}

/* n pairs; `wild` of 1000 are of the unusual kinds 3-9. */
static void make_pairs(float *x, float *y, size_t n, int wild) {
    for (size_t i = 0; i < n; i++) {
        int kind = (int)(next_u64() % 3);
        if ((int)(next_u64() % 1000) < wild) kind = 3 + (int)(next_u64() % 7);
        make_pair(kind, &x[i], &y[i]);
    }
}

typedef struct outcome {
    cmp_run run;
    cmp_run x2, x2_masked;
    cmp_bins bins;
} outcome;

/* Run a kernel set over [0, n) in calls of `piece` pairs (a multiple of
 * CMP_SUM_BLOCK), as the error pass does within a chunk. */
static void run_kernels(const cmp_pair_kernels *k, const float *x, const float *y, size_t n, size_t piece,
                        outcome *o) {
    memset(o, 0, sizeof *o);
    for (size_t p = 0; p < n; p += piece) {
        size_t len = n - p < piece ? n - p : piece;
        k->pairs(x + p, y + p, len, &o->run, &o->bins);
        k->x2(x + p, NULL, len, &o->x2);
        k->x2(x + p, y + p, len, &o->x2_masked);
    }
}

static void assert_same_outcome(const outcome *a, const outcome *b, const char *isa, size_t n, size_t offset) {
    if (memcmp(&a->run, &b->run, sizeof a->run) != 0)
        fail_msg("%s, %zu pairs at offset %zu: sums %.17g %.17g %.17g max %.17g used %llu, portable %.17g %.17g %.17g "
                 "max %.17g used %llu",
                 isa, n, offset, b->run.e2, b->run.y2, b->run.xy, b->run.max_abs, (unsigned long long)b->run.used,
                 a->run.e2, a->run.y2, a->run.xy, a->run.max_abs, (unsigned long long)a->run.used);
    if (memcmp(&a->x2, &b->x2, sizeof a->x2) != 0 || memcmp(&a->x2_masked, &b->x2_masked, sizeof a->x2) != 0)
        fail_msg("%s, %zu pairs at offset %zu: Σx² differs", isa, n, offset);
    for (size_t i = 0; i < CMP_BIN_COUNT; i++)
        if (a->bins.count[i] != b->bins.count[i])
            fail_msg("%s, %zu pairs at offset %zu: bin %zu has %u, portable %u", isa, n, offset, i,
                     b->bins.count[i], a->bins.count[i]);
    assert_true(a->bins.skipped == b->bins.skipped && a->bins.pending == b->bins.pending);
}

static void every_kernel_gives_the_portable_bits(void **state) {
    (void)state;
    const size_t max_n = 5000;
    float *xs = malloc((max_n + 8) * sizeof *xs), *ys = malloc((max_n + 8) * sizeof *ys);
    outcome *ref = malloc(sizeof *ref), *got = malloc(sizeof *got);
    size_t sets = 0;
    for (size_t ki = 1; cmp_pair_kernels_at(ki); ki++) {
        const cmp_pair_kernels *k = cmp_pair_kernels_at(ki);
        sets++;
        rng = 0x243f6a8885a308d3ull + ki;
        /* Every length up to three blocks and a bit (all tails of 8 and
         * 16), then longer ranges; every alignment of the two arrays. */
        for (size_t n = 1; n <= max_n; n = n < 800 ? n + 1 : n * 2 + 37) {
            size_t offset = n % 4, offset_y = (n / 4) % 4;
            int wild = n % 3 == 0 ? 0 : (n % 3 == 1 ? 5 : 300);
            float *x = xs + offset, *y = ys + offset_y;
            make_pairs(x, y, n, wild);
            run_kernels(cmp_pair_kernels_scalar(), x, y, n, n, ref);
            run_kernels(k, x, y, n, n, got);
            assert_same_outcome(ref, got, k->isa, n, offset);
            /* The same range in block-aligned pieces: the same bits. */
            run_kernels(k, x, y, n, CMP_SUM_BLOCK, got);
            assert_same_outcome(ref, got, k->isa, n, offset);
        }
        /* Long clean ranges and long ones with a rare NaN/Inf: the kernels'
         * several-blocks-at-once paths and their fallbacks. */
        static const size_t long_n[] = { 1024, 4 * 1024 + 77, 4999 };
        for (size_t li = 0; li < sizeof long_n / sizeof *long_n; li++)
            for (int wild = 0; wild <= 1; wild++) {
                size_t n = long_n[li];
                make_pairs(xs, ys, n, wild);
                run_kernels(cmp_pair_kernels_scalar(), xs, ys, n, n, ref);
                run_kernels(k, xs, ys, n, n, got);
                assert_same_outcome(ref, got, k->isa, n, 0);
            }
    }
    printf("SIMD kernel sets held to the portable one: %zu (%s)\n", sets,
           sets ? cmp_pair_kernels_at(sets)->isa : "none on this CPU");
    free(xs);
    free(ys);
    free(ref);
    free(got);
}

/* Without bins (no percentiles wanted) every kernel gives the very sums,
 * max|e| and counts it gives with them, on clean and on wild data. */
static void no_bins_gives_the_same_sums(void **state) {
    (void)state;
    const size_t max_n = 3000;
    float *x = malloc(max_n * sizeof *x), *y = malloc(max_n * sizeof *y);
    cmp_bins *bins = malloc(sizeof *bins);
    size_t runs = 0;
    for (size_t ki = 0; cmp_pair_kernels_at(ki); ki++) {
        const cmp_pair_kernels *k = cmp_pair_kernels_at(ki);
        rng = 0x13198a2e03707344ull + ki;
        for (size_t n = 1; n <= max_n; n = n < 300 ? n + 1 : n * 3 + 11) {
            make_pairs(x, y, n, n % 2 ? 0 : 200);
            memset(bins, 0, sizeof *bins);
            cmp_run with = { 0 }, without = { 0 };
            k->pairs(x, y, n, &with, bins);
            k->pairs(x, y, n, &without, NULL);
            if (memcmp(&with, &without, sizeof with) != 0)
                fail_msg("%s, %zu pairs: without bins e2 %.17g max %.17g used %llu, with bins e2 %.17g max %.17g "
                         "used %llu",
                         k->isa, n, without.e2, without.max_abs, (unsigned long long)without.used, with.e2,
                         with.max_abs, (unsigned long long)with.used);
            /* ... and the bins did count every pair: the run is not vacuous. */
            assert_true(bins->pending == n);
            runs++;
        }
    }
    assert_true(runs > 300);
    free(x);
    free(y);
    free(bins);
}

/* The documented order, restated: lane i % 8 within a block of 256 from
 * the start, lanes from +0, block total ((l0+l4)+(l2+l6)) + ((l1+l5)+(l3+l7)),
 * block totals added in order. */
static void documented_order(const float *x, const float *y, size_t n, double *e2, double *x2, double *y2,
                             double *xy) {
    *e2 = *x2 = *y2 = *xy = 0;
    for (size_t b = 0; b < n; b += 256) {
        double l[4][8] = { { 0 } };
        for (size_t i = b; i < n && i < b + 256; i++) {
            double xd = x[i], yd = y[i], e = yd - xd;
            size_t lane = (i - b) % 8;
            l[0][lane] += e * e;
            l[1][lane] += xd * xd;
            l[2][lane] += yd * yd;
            l[3][lane] += xd * yd;
        }
        double t[4];
        for (int s = 0; s < 4; s++)
            t[s] = ((l[s][0] + l[s][4]) + (l[s][2] + l[s][6])) + ((l[s][1] + l[s][5]) + (l[s][3] + l[s][7]));
        *e2 += t[0];
        *x2 += t[1];
        *y2 += t[2];
        *xy += t[3];
    }
}

static void sums_follow_the_documented_order(void **state) {
    (void)state;
    const size_t n = 3 * 4096 + 77;
    float *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
    rng = 0x13198a2e03707344ull;
    make_pairs(x, y, n, 0);
    double e2, x2, y2, xy;
    documented_order(x, y, n, &e2, &x2, &y2, &xy);
    outcome o;
    run_kernels(cmp_pair_kernels_scalar(), x, y, n, 4096, &o);
    assert_true(o.run.e2 == e2 && o.x2.x2 == x2 && o.run.y2 == y2 && o.run.xy == xy);
    assert_true(o.run.used == n && o.run.nonfinite == 0);
    /* And close to the exact sums (products of floats are exact in long double). */
    long double le2 = 0, lxy = 0, mx = 0;
    for (size_t i = 0; i < n; i++) {
        long double e = (long double)y[i] - x[i];
        le2 += e * e;
        lxy += (long double)x[i] * y[i];
        if (fabsl(e) > mx) mx = fabsl(e);
    }
    assert_true(fabsl(o.run.e2 - le2) <= 1e-14L * le2);
    assert_true(fabsl(o.run.xy - lxy) <= 1e-14L * fabsl(lxy));
    assert_true(o.run.max_abs == (double)mx);
    free(x);
    free(y);
}

/* The bin of |e| from its binary logarithm: 64 per octave from 2^-64. */
static uint32_t expected_bin(float e) {
    double a = fabs((double)e);
    if (a == 0) return 0;
    if (isinf(a)) return CMP_BIN_HUGE;
    int ex;
    double m = frexp(a, &ex); /* a = m * 2^ex, m in [0.5, 1) */
    int octave_exp = ex - 1;
    if (octave_exp < CMP_HIST_MIN_EXP) return 1;
    if (octave_exp >= CMP_HIST_MIN_EXP + CMP_HIST_OCTAVES) return CMP_BIN_HUGE;
    int sub = (int)floor((2 * m - 1) * CMP_HIST_SUB);
    return 2 + (uint32_t)(octave_exp - CMP_HIST_MIN_EXP) * CMP_HIST_SUB + (uint32_t)sub;
}

static void bins_follow_the_binary_logarithm(void **state) {
    (void)state;
    const float edges[] = { 0.0f, -0.0f, 0x1p-64f, 0x1.fffffep-65f, 0x1p64f, 0x1.fffffep63f, 1.0f, 0x1.04p0f,
                            0x1.03fffep0f, 1.5f, -1.5f, FLT_MAX, FLT_MIN, 0x1p-149f, INFINITY };
    for (size_t i = 0; i < sizeof edges / sizeof edges[0]; i++)
        if (cmp_bin_of(edges[i]) != expected_bin(edges[i]))
            fail_msg("%a: bin %u, expected %u", (double)edges[i], cmp_bin_of(edges[i]), expected_bin(edges[i]));
    rng = 0xa4093822299f31d0ull;
    for (int i = 0; i < 1000000; i++) {
        uint32_t bits = (uint32_t)next_u64() & 0x7f7fffffu; /* any finite non-negative float */
        float f;
        memcpy(&f, &bits, sizeof f);
        if (cmp_bin_of(f) != expected_bin(f)) fail_msg("%a: bin %u, expected %u", (double)f, cmp_bin_of(f), expected_bin(f));
    }
}

static int by_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void flushed_bins_make_the_histogram(void **state) {
    (void)state;
    const size_t n = 40000;
    float *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
    double *e = malloc(n * sizeof *e);
    rng = 0x082efa98ec4e6c89ull;
    make_pairs(x, y, n, 60);
    size_t want_zero = 0, want_tiny = 0, want_huge = 0, used = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(x[i]) || !isfinite(y[i])) continue;
        double a = fabs((double)y[i] - (double)x[i]);
        e[used++] = a;
        want_zero += a == 0;
        want_tiny += a > 0 && a < 0x1p-64;
        want_huge += a >= 0x1p64;
    }
    assert_true(want_zero > 100 && want_tiny > 100 && want_huge > 100 && used < n);
    outcome o;
    run_kernels(cmp_pair_kernels_pick(), x, y, n, 4096, &o);
    cmp_hist h;
    cmp_hist_init(&h);
    assert_true(cmp_bins_flush(&o.bins, &h));
    assert_true(h.total == used && o.run.used == used && o.run.nonfinite == n - used);
    assert_true(h.zero == want_zero && h.tiny == want_tiny && h.huge == want_huge);
    for (size_t i = 0; i < CMP_BIN_COUNT; i++) assert_int_equal(o.bins.count[i], 0); /* flushed */
    qsort(e, used, sizeof *e, by_double);
    const double qs[] = { 0.5, 0.9, 0.95 };
    for (int k = 0; k < 3; k++) {
        size_t rank = (size_t)ceil(qs[k] * (double)used);
        double exact = e[rank - 1], est = cmp_hist_quantile(&h, qs[k], o.run.max_abs);
        if (!(fabs(est - exact) <= 0.01 * exact)) fail_msg("q%g: %.9g, exact %.9g", qs[k], est, exact);
    }
    cmp_hist_free(&h);
    free(x);
    free(y);
    free(e);
}

static void identical_pairs_give_the_reference_sums(void **state) {
    (void)state;
    const size_t n = 10000;
    float *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
    rng = 0x452821e638d01377ull;
    make_pairs(x, y, n, 20); /* NaN and Inf included: they leave both sides alike */
    for (size_t ki = 0; cmp_pair_kernels_at(ki); ki++) {
        outcome o;
        run_kernels(cmp_pair_kernels_at(ki), x, x, n, 4096, &o);
        assert_true(o.run.e2 == 0 && o.run.max_abs == 0);
        assert_true(o.run.y2 == o.x2.x2 && o.run.xy == o.x2.x2);
        assert_true(o.run.used == o.x2.used && o.run.nonfinite == o.x2.nonfinite);
        /* ... and the bins the shortcut writes. */
        cmp_bins *zeros = calloc(1, sizeof *zeros);
        cmp_bins_add_zeros(zeros, n, o.x2.nonfinite);
        assert_memory_equal(zeros, &o.bins, sizeof *zeros);
        free(zeros);
    }
    free(x);
    free(y);
}

#define DIR "fixtures/quantized/gemma4-mini/"

static cmp_report *build_mini_with(bool skip_percentiles) {
    static const char *const names[] = { "gemma4-mini-BF16.gguf", "gemma4-mini-Q8_0.gguf", "gemma4-mini-Q4_K_M.gguf",
                                         "gemma4-mini-IQ2_M.gguf" };
    static char store[4][4096];
    const char *paths[4];
    for (int i = 0; i < 4; i++) {
        char rel[256];
        snprintf(rel, sizeof rel, DIR "%s", names[i]);
        snprintf(store[i], sizeof store[i], "%s", gqt_shared_path(rel));
        paths[i] = store[i];
    }
    cmp_options opt = { .threads = 2, .compute_errors = true, .skip_percentiles = skip_percentiles };
    cmp_report *r = NULL;
    char err[512] = "";
    cmp_build_status st = cmp_report_build(paths, 4, &opt, &r, err, sizeof err);
    if (st != CMP_BUILD_OK) fail_msg("cmp_report_build: %d %s", st, err);
    return r;
}

static cmp_report *build_mini(void) { return build_mini_with(false); }

static bool same_figures_but_percentiles(const cmp_figures *full, const cmp_figures *fast) {
    return memcmp(&full->rmse, &fast->rmse, sizeof full->rmse) == 0 &&
           memcmp(&full->nmse, &fast->nmse, sizeof full->nmse) == 0 &&
           memcmp(&full->max_abs, &fast->max_abs, sizeof full->max_abs) == 0 &&
           memcmp(&full->cosine, &fast->cosine, sizeof full->cosine) == 0 &&
           memcmp(&full->snr_db, &fast->snr_db, sizeof full->snr_db) == 0 && isnan(fast->p50) &&
           isnan(fast->p99) && isnan(fast->p999);
}

/* --no-percentiles: the same sums and figures to the bit, percentiles
 * unknown (NaN), and the report says they were not computed. */
static void skipping_percentiles_changes_only_the_percentiles(void **state) {
    (void)state;
    cmp_report *full = build_mini_with(false), *fast = build_mini_with(true);
    assert_true(full->percentiles_computed);
    assert_false(fast->percentiles_computed);
    size_t compared = 0;
    for (size_t row = 0; row < full->n_rows; row++)
        for (size_t v = 0; v < full->n_variants; v++) {
            const cmp_result *a = cmp_report_result(full, row, v), *b = cmp_report_result(fast, row, v);
            assert_int_equal(b->status, CMP_R_OK);
            assert_memory_equal(&a->sums, &b->sums, sizeof a->sums);
            /* The full report does have percentiles here (the check above
             * is not comparing NaN with NaN). */
            assert_false(isnan(a->fig.p99));
            if (!same_figures_but_percentiles(&a->fig, &b->fig)) fail_msg("row %zu variant %zu: figures differ", row, v);
            compared++;
        }
    for (size_t v = 0; v < full->n_variants; v++) {
        assert_memory_equal(&full->overall[v].sums, &fast->overall[v].sums, sizeof full->overall[v].sums);
        assert_true(same_figures_but_percentiles(&full->overall[v].fig, &fast->overall[v].fig));
    }
    assert_int_equal(compared, 3 * 142);
    cmp_report_free(full);
    cmp_report_free(fast);
}

static void report_bits_do_not_depend_on_simd(void **state) {
    (void)state;
    gq_quant_set_simd(true);
    const char *isa = cmp_pair_kernels_pick()->isa;
    cmp_report *simd = build_mini();
    gq_quant_set_simd(false);
    assert_string_equal(cmp_pair_kernels_pick()->isa, "scalar");
    cmp_report *scalar = build_mini();
    gq_quant_set_simd(true);
    printf("report with %s kernels == report with scalar kernels\n", isa);
    assert_int_equal(simd->n_rows, scalar->n_rows);
    size_t compared = 0;
    for (size_t row = 0; row < simd->n_rows; row++)
        for (size_t v = 0; v < simd->n_variants; v++) {
            const cmp_result *a = cmp_report_result(simd, row, v), *b = cmp_report_result(scalar, row, v);
            assert_int_equal(a->status, CMP_R_OK);
            assert_memory_equal(&a->sums, &b->sums, sizeof a->sums);
            assert_memory_equal(&a->fig, &b->fig, sizeof a->fig);
            compared++;
        }
    for (size_t v = 0; v < simd->n_variants; v++)
        assert_memory_equal(&simd->overall[v].fig, &scalar->overall[v].fig, sizeof simd->overall[v].fig);
    assert_int_equal(compared, 3 * 142);
    cmp_report_free(simd);
    cmp_report_free(scalar);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_kernel_gives_the_portable_bits),
        cmocka_unit_test(no_bins_gives_the_same_sums),
        cmocka_unit_test(skipping_percentiles_changes_only_the_percentiles),
        cmocka_unit_test(sums_follow_the_documented_order),
        cmocka_unit_test(bins_follow_the_binary_logarithm),
        cmocka_unit_test(flushed_bins_make_the_histogram),
        cmocka_unit_test(identical_pairs_give_the_reference_sums),
        cmocka_unit_test(report_bits_do_not_depend_on_simd),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
