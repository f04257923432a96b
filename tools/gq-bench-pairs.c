/* gq-bench-pairs — the cost of gq-compare's pair kernels, per element pair.
 *
 *   gq-bench-pairs [--type NAME] [--pairs N] [--repeat N]
 *
 * gq-compare's error pass spends most of its time in one loop: for every
 * element pair (x from the reference, y from a variant) float64 sums of
 * e², y² and xy, max|e|, and one increment of the |e| histogram that the
 * percentiles come from.  This program times that loop for every kernel
 * set this CPU runs (portable, AVX2, AVX-512), with the histogram and
 * without it (--no-percentiles), and the reference's Σx² loop, so the
 * price of each part can be read off directly — docs/benchmarks.md uses
 * it to explain where gq-compare's time goes.
 *
 * The data is what the pass sees: x heavy-tailed like trained weights, y
 * its round trip through a quantized type (q4_K by default), fed in the
 * pass's pieces of 4096 pairs over a chunk of --pairs pairs that stays in
 * the CPU cache.  Times are the calling thread's CPU time (waiting for a
 * core is not counted), the best of --repeat samples of at least 20 ms;
 * the kernel sets take turns sample by sample. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/args.h"
#include "cli/diag.h"
#include "compare/pairs.h"
#include "gq/quant.h"
#include "gq/types.h"

#define PIECE 4096
#define MIN_SAMPLE_SECONDS 0.02

static const gq_option options[] = {
    { "type", 0, GQ_OPT_VALUE, "NAME", "quantized type the variant's values come from (default q4_K)" },
    { "pairs", 0, GQ_OPT_VALUE, "N", "element pairs per pass, a multiple of 4096 (default 131072, one chunk)" },
    { "repeat", 0, GQ_OPT_VALUE, "N", "timed samples per measurement; the fastest counts (default 15)" },
    { 0 },
};

static const gq_cli_spec spec = {
    "gq-bench-pairs",
    "[options]",
    "Time gq-compare's pair kernels (sums, max|e|, |e| histogram) per element pair.",
    options,
    "Columns: ns per element pair with the |e| histogram (the default report), without it\n"
    "(--no-percentiles), their difference (the histogram's price), and ns per reference\n"
    "element for the Σx² loop.  Thread CPU time, best of --repeat samples.\n",
};

static double thread_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Deterministic heavy-tailed values with a per-row scale, like gq-bench's. */
static void fill_weights(float *x, size_t n) {
    uint64_t s = 0x9e3779b97f4a7c15ull;
    for (size_t i = 0; i < n; i++) {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        double u = ((double)(s >> 11) + 0.5) * 0x1p-53;
        double row_scale = 0.01 * (1.0 + (double)((i / 4096) % 7));
        /* Laplace-like tails: -log(u) with a random sign. */
        double v = -log(u) * ((s >> 3) & 1 ? 1 : -1);
        x[i] = (float)(row_scale * v);
    }
}

typedef enum { WITH_BINS, WITHOUT_BINS, X2, N_MEASURES } measure;

/* Seconds per pass of one measurement: calls batched to MIN_SAMPLE_SECONDS. */
static double sample(const cmp_pair_kernels *k, measure m, const float *x, const float *y, size_t n,
                     cmp_bins *bins) {
    size_t passes = 0;
    double t0 = thread_seconds(), t;
    do {
        cmp_run run = { 0 };
        memset(bins, 0, sizeof *bins);
        for (size_t p = 0; p < n; p += PIECE) {
            if (m == X2) k->x2(x + p, NULL, PIECE, &run);
            else k->pairs(x + p, y + p, PIECE, &run, m == WITH_BINS ? bins : NULL);
        }
        passes++;
        t = thread_seconds() - t0;
    } while (t < MIN_SAMPLE_SECONDS);
    return t / (double)passes;
}

int main(int argc, char **argv) {
    gq_diag_set_prog("gq-bench-pairs");
    gq_args a;
    int rc = gq_args_parse(&a, &spec, argc, argv);
    if (rc != GQ_ARGS_CONTINUE) return rc == GQ_ARGS_DONE ? 0 : 2;
    uint64_t n = 1u << 17, repeat = 15;
    const char *type_name = gq_args_get(&a, "type") ? gq_args_get(&a, "type") : "q4_K";
    if (!gq_args_get_u64(&a, "pairs", &n) || !gq_args_get_u64(&a, "repeat", &repeat) || n == 0 || n % PIECE ||
        n > (1u << 26) || repeat == 0 || repeat > 1000) {
        int st = gq_args_usage_error(&spec, "--pairs: a multiple of %d up to 2^26; --repeat: 1 to 1000", PIECE);
        gq_args_free(&a);
        return st;
    }
    int type_id = gq_type_from_name(type_name);
    const gq_type_info *ti = type_id >= 0 ? gq_type_get((uint32_t)type_id) : NULL;
    if (!ti || !gq_can_quantize(ti->id) || !gq_can_dequantize(ti->id) || n % ti->block_size) {
        int st = gq_args_usage_error(&spec, "--type %s: not a type this build quantizes in rows of %llu", type_name,
                                     (unsigned long long)n);
        gq_args_free(&a);
        return st;
    }

    float *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y), *imatrix = malloc(n * sizeof *imatrix);
    uint64_t q_bytes = 0;
    (void)gq_type_row_bytes(ti->id, n, &q_bytes);
    void *q = malloc(q_bytes ? q_bytes : 1);
    cmp_bins *bins = malloc(sizeof *bins);
    int status = 0;
    if (!x || !y || !imatrix || !q || !bins) {
        gq_diag_error(NULL, "out of memory");
        status = 4;
        goto done;
    }
    fill_weights(x, n);
    for (size_t i = 0; i < n; i++) imatrix[i] = 1.0f + (float)(i % 13);
    gq_status st = gq_quantize(ti->id, x, q, 1, (int64_t)n, imatrix, 1, NULL, NULL);
    if (st == GQ_OK) st = gq_dequantize(ti->id, q, y, (int64_t)n);
    if (st != GQ_OK) {
        gq_diag_error(NULL, "%s round trip: %s", type_name, gq_status_str(st));
        status = 4;
        goto done;
    }

    enum { MAX_SETS = 8 };
    const cmp_pair_kernels *sets[MAX_SETS];
    size_t n_sets = 0;
    while (n_sets < MAX_SETS && (sets[n_sets] = cmp_pair_kernels_at(n_sets))) n_sets++;
    double best[MAX_SETS][N_MEASURES];
    for (size_t s = 0; s < n_sets; s++)
        for (int m = 0; m < N_MEASURES; m++) best[s][m] = INFINITY;
    for (uint64_t r = 0; r < repeat; r++)
        for (size_t s = 0; s < n_sets; s++)
            for (int m = 0; m < N_MEASURES; m++) {
                double t = sample(sets[s], (measure)m, x, y, n, bins);
                if (t < best[s][m]) best[s][m] = t;
            }

    printf("gq-compare pair kernels: %llu pairs (x heavy-tailed, y its %s round trip), pieces of %d,\n"
           "thread CPU time, best of %llu samples\n\n",
           (unsigned long long)n, type_name, PIECE, (unsigned long long)repeat);
    printf("%-8s %18s %18s %14s %16s\n", "kernels", "with |e| bins", "without bins", "bins cost", "sum x^2");
    for (size_t s = 0; s < n_sets; s++) {
        double w = best[s][WITH_BINS] / (double)n * 1e9, wo = best[s][WITHOUT_BINS] / (double)n * 1e9;
        double x2 = best[s][X2] / (double)n * 1e9;
        printf("%-8s %12.3f ns/pr %12.3f ns/pr %9.3f ns/pr %11.3f ns/el\n", sets[s]->isa, w, wo, w - wo, x2);
    }
done:
    free(x);
    free(y);
    free(imatrix);
    free(q);
    free(bins);
    gq_args_free(&a);
    return status;
}
