/* gq-bench — quantize and dequantize throughput, per tensor type.
 *
 *   gq-bench [--types q8_0,q4_K,...] [--rows N] [--n-per-row N] [--threads N]
 *            [--repeat N] [--min-ms N] [--imatrix] [--cpu-time] [--json]
 *
 * For each type it times gq_quantize and gq_dequantize_rows three ways:
 * the scalar reference on one thread, the best SIMD kernels on one thread,
 * and the SIMD kernels on all threads.  Throughput is reported as GB/s of
 * float data (the f32 side, 4 bytes per element, whichever way the data
 * flows) and MB/s of block data (the quantized side).  Each sample batches
 * calls until it lasts at least --min-ms (20 ms; after one warm-up call), and the best
 * of --repeat samples counts: the minimum is the least disturbed by other
 * processes on a shared machine, which is what a kernel comparison wants.
 * The three ways take turns sample by sample, so load that comes and goes
 * during a run does not favour one of them.
 * With --cpu-time the 1-thread runs are timed with the calling thread's CPU
 * clock instead of the wall clock: time the thread spends waiting for a core
 * is not counted, so a loaded machine disturbs the numbers far less.  The
 * multi-threaded run keeps the wall clock (its point is elapsed time).
 *
 * It also checks, for free, that the SIMD kernels wrote the same bytes and
 * floats as the scalar reference ("same" column), since a fast kernel that
 * disagrees with the reference is a bug, not a speed-up.
 *
 * The input is synthetic but shaped like trained weights: a per-row scale
 * spread over two orders of magnitude, a few loud columns (the channel
 * outliers real checkpoints have), heavy-tailed values (Student-t with 4
 * degrees of freedom) and rare large outliers.  It is deterministic, so two
 * runs measure the same work.  Only the public API (gq/quant.h) is used. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gq/quant.h"
#include "gq/types.h"

#ifndef GQ_VERSION /* CMake defines it from project(VERSION) */
#define GQ_VERSION "unknown"
#endif

/* ------------------------------------------------------------ options */

typedef struct {
    int types[GQ_TYPE_COUNT];
    int n_types;
    int64_t rows;
    int64_t n_per_row;
    int threads;
    int repeat;
    double min_sample_seconds;
    bool imatrix_always;
    bool cpu_time;
    bool json;
} bench_options;

static void usage(FILE *out) {
    fprintf(out,
            "usage: gq-bench [--types q8_0,q4_K,...] [--rows N] [--n-per-row N] [--threads N]\n"
            "                [--repeat N] [--min-ms N] [--imatrix] [--cpu-time] [--json]\n"
            "\n"
            "Measures quantize and dequantize throughput per type: scalar reference on 1 thread,\n"
            "SIMD kernels on 1 thread, SIMD kernels on --threads threads.\n"
            "\n"
            "  --types LIST     comma-separated ggml type names (default: every type this build\n"
            "                   can quantize or dequantize)\n"
            "  --rows N         rows of the synthetic tensor (default 256)\n"
            "  --n-per-row N    elements per row, a multiple of each type's block size\n"
            "                   (default 4096)\n"
            "  --threads N      threads for the multi-threaded runs (default: CPUs online)\n"
            "  --repeat N       timed samples per measurement (each at least 20 ms of calls);\n"
            "                   the fastest counts (default 3)\n"
            "  --min-ms N       calls are batched until a sample lasts N ms (default 20)\n"
            "  --imatrix        pass importance weights to every type (default: only to the\n"
            "                   types that require them)\n"
            "  --cpu-time       time the 1-thread runs by the thread's CPU time, not wall time\n"
            "                   (steadier on a loaded machine; N-thread runs stay wall time)\n"
            "  --json           machine-readable output\n"
            "  --version        show the version and exit\n");
}

/* Parses a positive integer option value; false (with a message) if it is not one. */
static bool parse_count(const char *opt, const char *text, int64_t max, int64_t *out) {
    char *end = NULL;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (errno || !end || *end || end == text || v < 1 || v > max) {
        fprintf(stderr, "gq-bench: %s wants an integer between 1 and %" PRId64 ", not '%s'\n", opt, max,
                text);
        return false;
    }
    *out = v;
    return true;
}

static bool parse_types(const char *list, bench_options *o) {
    char *copy = strdup(list);
    if (!copy) return false;
    bool ok = true;
    char *save = NULL;
    for (char *name = strtok_r(copy, ",", &save); name; name = strtok_r(NULL, ",", &save)) {
        int id = gq_type_from_name(name);
        if (id < 0) {
            fprintf(stderr, "gq-bench: unknown type '%s'\n", name);
            ok = false;
            break;
        }
        if (o->n_types >= GQ_TYPE_COUNT) {
            fprintf(stderr, "gq-bench: too many types\n");
            ok = false;
            break;
        }
        o->types[o->n_types++] = id;
    }
    free(copy);
    if (ok && o->n_types == 0) {
        fprintf(stderr, "gq-bench: --types is empty\n");
        ok = false;
    }
    return ok;
}

/* Returns 0 to run, 1 when --help or --version was asked, 2 on a usage error. */
static int parse_args(int argc, char **argv, bench_options *o) {
    *o = (bench_options){ .rows = 256, .n_per_row = 4096, .threads = gq_cpu_count(), .repeat = 3,
                          .min_sample_seconds = 0.02 };
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *value = i + 1 < argc ? argv[i + 1] : NULL;
        int64_t v;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return 1;
        } else if (!strcmp(a, "--version")) {
            /* The same line as every gq program's --version (cli/args.c). */
            printf("gq-bench (gq) %s\n", GQ_VERSION);
            return 1;
        } else if (!strcmp(a, "--json")) {
            o->json = true;
        } else if (!strcmp(a, "--imatrix")) {
            o->imatrix_always = true;
        } else if (!strcmp(a, "--cpu-time")) {
            o->cpu_time = true;
        } else if (!strcmp(a, "--types") || !strcmp(a, "--rows") || !strcmp(a, "--n-per-row") ||
                   !strcmp(a, "--threads") || !strcmp(a, "--repeat") || !strcmp(a, "--min-ms")) {
            if (!value) {
                fprintf(stderr, "gq-bench: %s needs a value\n", a);
                return 2;
            }
            i++;
            if (!strcmp(a, "--types")) {
                if (!parse_types(value, o)) return 2;
            } else if (!strcmp(a, "--rows")) {
                if (!parse_count(a, value, INT64_C(1) << 24, &v)) return 2;
                o->rows = v;
            } else if (!strcmp(a, "--n-per-row")) {
                if (!parse_count(a, value, INT64_C(1) << 24, &v)) return 2;
                o->n_per_row = v;
            } else if (!strcmp(a, "--threads")) {
                if (!parse_count(a, value, 1024, &v)) return 2;
                o->threads = (int)v;
            } else if (!strcmp(a, "--min-ms")) {
                if (!parse_count(a, value, 60000, &v)) return 2;
                o->min_sample_seconds = (double)v * 1e-3;
            } else {
                if (!parse_count(a, value, 1000, &v)) return 2;
                o->repeat = (int)v;
            }
        } else {
            fprintf(stderr, "gq-bench: unknown argument '%s'\n", a);
            usage(stderr);
            return 2;
        }
    }
    /* Bound the working set: input, output and a reference copy of each. */
    if (o->rows * o->n_per_row > (INT64_C(1) << 28)) {
        fprintf(stderr, "gq-bench: --rows x --n-per-row is capped at 2^28 elements\n");
        return 2;
    }
    if (o->n_types == 0) {
        for (uint32_t id = 0; id < GQ_TYPE_COUNT; id++) {
            const gq_type_info *t = gq_type_get(id);
            if (!t || t->removed || id == GQ_TYPE_F32) continue;
            if (gq_can_quantize(id) || gq_can_dequantize(id)) o->types[o->n_types++] = (int)id;
        }
    }
    return 0;
}

/* ------------------------------------------------------------ synthetic data */

/* splitmix64: tiny, fast, and the same sequence on every platform. */
static uint64_t next_u64(uint64_t *state) {
    uint64_t z = (*state += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

/* Uniform in (0, 1): never 0, so log() below is always finite. */
static double next_unit(uint64_t *state) { return ((double)(next_u64(state) >> 11) + 0.5) * 0x1p-53; }

static double next_gauss(uint64_t *state) {
    double u = next_unit(state), v = next_unit(state);
    return sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v);
}

/* Student-t with 4 degrees of freedom: Gaussian over sqrt(chi2_4 / 4).  Its
 * tails are much heavier than a Gaussian's, like real weight distributions. */
static double next_student4(uint64_t *state) {
    double chi2 = 0;
    for (int k = 0; k < 4; k++) {
        double g = next_gauss(state);
        chi2 += g * g;
    }
    return next_gauss(state) / sqrt(chi2 / 4.0);
}

static void make_weights(float *x, int64_t rows, int64_t n_per_row) {
    uint64_t state = 0x6771626e6368ULL; /* fixed seed: every run measures the same data */
    /* A few columns are loud in every row (channel outliers). */
    float *column_gain = malloc((size_t)n_per_row * sizeof *column_gain);
    for (int64_t c = 0; c < n_per_row; c++)
        column_gain[c] = next_unit(&state) < 0.01 ? (float)(4.0 + 8.0 * next_unit(&state)) : 1.0f;
    for (int64_t r = 0; r < rows; r++) {
        /* Per-row scale spread over about two decades, centred near 0.02. */
        double row_scale = 0.02 * exp(1.2 * next_gauss(&state));
        for (int64_t c = 0; c < n_per_row; c++) {
            double v = next_student4(&state) * row_scale * column_gain[c];
            if (next_unit(&state) < 1.0 / 2048) v *= 10.0 + 20.0 * next_unit(&state); /* rare spikes */
            x[r * n_per_row + c] = (float)v;
        }
    }
    free(column_gain);
}

/* Importance weights as an imatrix holds them: positive mean squared
 * activations, log-normally spread across columns. */
static void make_imatrix(float *w, int64_t n_per_row) {
    uint64_t state = 0x696d6174ULL;
    for (int64_t c = 0; c < n_per_row; c++) w[c] = (float)(1e-3 + exp(1.5 * next_gauss(&state)));
}

/* ------------------------------------------------------------ timing */

/* Which clock a measurement reads.  The thread CPU clock only advances while
 * this thread runs, so it measures the kernel's own work even when other
 * processes hold the cores; it only makes sense when the work stays on the
 * calling thread (n_threads == 1 runs there, see gq_quantize). */
typedef enum { CLOCK_KIND_WALL, CLOCK_KIND_THREAD_CPU } clock_kind;

static const char *clock_kind_name(clock_kind k) { return k == CLOCK_KIND_THREAD_CPU ? "thread_cpu" : "wall"; }

static double now_seconds(clock_kind k) {
    struct timespec ts;
#if defined(CLOCK_THREAD_CPUTIME_ID)
    if (k == CLOCK_KIND_THREAD_CPU && clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) == 0)
        return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
#else
    (void)k;
#endif
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* The clock a mode is timed with: see --cpu-time. */
static clock_kind clock_for(const bench_options *o, int threads) {
#if defined(CLOCK_THREAD_CPUTIME_ID)
    if (o->cpu_time && threads == 1) return CLOCK_KIND_THREAD_CPU;
#else
    (void)o;
    (void)threads;
#endif
    return CLOCK_KIND_WALL;
}

typedef enum { OP_QUANTIZE, OP_DEQUANTIZE } bench_op;

typedef struct {
    const char *kernel; /* "scalar" or the SIMD ISA name */
    bool simd;
    int threads;
} bench_mode;

typedef struct {
    uint32_t type;
    bench_op op;
    bench_mode mode;
    clock_kind clock;
    gq_status status;
    double seconds;      /* best of the repeats */
    double float_gbps;   /* GB/s of f32 data */
    double block_mbps;   /* MB/s of block data */
    double speedup;      /* against scalar on 1 thread (0 when unknown) */
    int same_as_scalar;  /* 1 yes, 0 no, -1 not applicable */
} bench_result;

typedef struct {
    const bench_options *opt;
    const float *input;
    const float *imatrix;
    size_t float_bytes;
    size_t block_bytes;
    uint8_t *blocks;       /* quantize output (the SIMD-run bytes) */
    uint8_t *blocks_ref;   /* scalar quantize output, for the comparison */
    float *floats;         /* dequantize output */
    float *floats_ref;     /* scalar dequantize output */
} bench_buffers;

/* Bit-identical, except that any NaN matches any NaN: random block bytes
 * hold NaN scales, and a NaN's payload is not a result. */
static bool floats_identical(const float *a, const float *b, size_t n) {
    for (size_t i = 0; i < n; i++) {
        if (memcmp(&a[i], &b[i], sizeof(float)) != 0 && !(isnan(a[i]) && isnan(b[i]))) return false;
    }
    return true;
}

/* One call of the measured operation. */
static gq_status run_op(bench_buffers *b, uint32_t type, bench_op op, bench_mode mode, const float *imatrix,
                        bool is_reference) {
    const bench_options *o = b->opt;
    if (op == OP_QUANTIZE)
        return gq_quantize(type, b->input, is_reference ? b->blocks_ref : b->blocks, o->rows, o->n_per_row,
                           imatrix, mode.threads, NULL, NULL);
    return gq_dequantize_rows(type, b->blocks_ref, is_reference ? b->floats_ref : b->floats, o->rows,
                              o->n_per_row, mode.threads);
}

/* A timed sample should last long enough for the clock and for thread
 * start-up to be noise: calls are batched until a sample takes --min-ms. */
#define MAX_CALLS_PER_SAMPLE 100000

/* One operation of one type, measured in every mode.  The modes' samples are
 * interleaved (scalar, SIMD, SIMD on N threads, then again), so a change in
 * the machine's load during the run hits every mode alike instead of one
 * mode's whole series: the speed-up against scalar is what the targets are
 * about, and on a shared machine it would otherwise drift with the load. */
static void measure_op(bench_buffers *b, uint32_t type, bench_op op, const bench_mode *modes, int n_modes,
                       const float *imatrix, bench_result *res) {
    const bench_options *o = b->opt;
    long calls[3] = { 1, 1, 1 };
    double best[3] = { INFINITY, INFINITY, INFINITY };

    /* Warm-up calls, mode by mode with the scalar reference first (it writes the reference
     * output the others are compared with): page faults, first touch of the output, and the
     * batch size of each mode. */
    for (int m = 0; m < n_modes; m++) {
        const clock_kind clock = clock_for(o, modes[m].threads);
        const bool is_reference = !modes[m].simd && modes[m].threads == 1;
        res[m] = (bench_result){ .type = type, .op = op, .mode = modes[m], .clock = clock, .same_as_scalar = -1 };
        gq_quant_set_simd(modes[m].simd);
        const double t0 = now_seconds(clock);
        res[m].status = run_op(b, type, op, modes[m], imatrix, is_reference);
        const double once = now_seconds(clock) - t0;
        if (once < o->min_sample_seconds) {
            calls[m] = once > 0 ? (long)(o->min_sample_seconds / once) + 1 : MAX_CALLS_PER_SAMPLE;
            if (calls[m] > MAX_CALLS_PER_SAMPLE) calls[m] = MAX_CALLS_PER_SAMPLE;
        }
    }

    for (int rep = 0; rep < o->repeat; rep++) {
        for (int m = 0; m < n_modes; m++) {
            if (res[m].status != GQ_OK) continue;
            const bool is_reference = !modes[m].simd && modes[m].threads == 1;
            gq_quant_set_simd(modes[m].simd);
            const double t0 = now_seconds(res[m].clock);
            for (long c = 0; c < calls[m] && res[m].status == GQ_OK; c++)
                res[m].status = run_op(b, type, op, modes[m], imatrix, is_reference);
            const double per_call = (now_seconds(res[m].clock) - t0) / (double)calls[m];
            if (per_call < best[m]) best[m] = per_call;
        }
    }
    gq_quant_set_simd(true);

    for (int m = 0; m < n_modes; m++) {
        bench_result *r = &res[m];
        if (r->status != GQ_OK) continue;
        double t = best[m];
        if (t <= 0) t = 1e-9; /* a clock too coarse for the work: report a huge, finite rate */
        r->seconds = t;
        r->float_gbps = (double)b->float_bytes / t * 1e-9;
        r->block_mbps = (double)b->block_bytes / t * 1e-6;
        const bool is_reference = !modes[m].simd && modes[m].threads == 1;
        if (!is_reference) {
            r->same_as_scalar = op == OP_QUANTIZE
                ? memcmp(b->blocks, b->blocks_ref, b->block_bytes) == 0
                : floats_identical(b->floats, b->floats_ref, b->float_bytes / sizeof(float));
        }
    }
}

/* ------------------------------------------------------------ output */

static const char *op_name(bench_op op) { return op == OP_QUANTIZE ? "quantize" : "dequantize"; }

static void print_table_header(void) {
    printf("%-8s %-10s %-7s %7s %10s %9s %11s %8s %5s\n", "type", "op", "kernel", "threads", "time_ms",
           "GB/s_f32", "MB/s_block", "speedup", "same");
}

static void print_table_row(const bench_result *r) {
    if (r->status != GQ_OK) {
        printf("%-8s %-10s %-7s %7d %10s %9s %11s %8s %5s  (%s)\n", gq_type_name(r->type), op_name(r->op),
               r->mode.kernel, r->mode.threads, "-", "-", "-", "-", "-", gq_status_str(r->status));
        return;
    }
    char speedup[32] = "-";
    if (r->speedup > 0) snprintf(speedup, sizeof speedup, "%.2fx", r->speedup);
    printf("%-8s %-10s %-7s %7d %10.3f %9.3f %11.1f %8s %5s\n", gq_type_name(r->type), op_name(r->op),
           r->mode.kernel, r->mode.threads, r->seconds * 1e3, r->float_gbps, r->block_mbps, speedup,
           r->same_as_scalar < 0 ? "ref" : r->same_as_scalar ? "yes" : "NO");
}

static void print_json_result(const bench_result *r, bool first) {
    printf("%s\n    {\"type\": \"%s\", \"op\": \"%s\", \"kernel\": \"%s\", \"threads\": %d, \"clock\": \"%s\", ",
           first ? "" : ",", gq_type_name(r->type), op_name(r->op), r->mode.kernel, r->mode.threads,
           clock_kind_name(r->clock));
    if (r->status != GQ_OK) {
        printf("\"status\": \"%s\"}", gq_status_str(r->status));
        return;
    }
    printf("\"status\": \"ok\", \"seconds\": %.9g, \"float_gbps\": %.6g, \"block_mbps\": %.6g, ", r->seconds,
           r->float_gbps, r->block_mbps);
    if (r->speedup > 0)
        printf("\"speedup\": %.4g, ", r->speedup);
    else
        printf("\"speedup\": null, ");
    printf("\"same_as_scalar\": %s}", r->same_as_scalar < 0 ? "null" : r->same_as_scalar ? "true" : "false");
}

/* ------------------------------------------------------------ main */

int main(int argc, char **argv) {
    bench_options o;
    int rc = parse_args(argc, argv, &o);
    if (rc == 1) return 0;
    if (rc) return rc;

    gq_quant_set_simd(true);
    const char *isa = gq_quant_isa();
    const bench_mode modes[3] = {
        { "scalar", false, 1 },
        { isa, true, 1 },
        { isa, true, o.threads },
    };
    const int n_modes = o.threads > 1 ? 3 : 2;

    const size_t n = (size_t)o.rows * (size_t)o.n_per_row;
    float *input = malloc(n * sizeof *input);
    float *imatrix = malloc((size_t)o.n_per_row * sizeof *imatrix);
    float *floats = malloc(n * sizeof *floats);
    float *floats_ref = malloc(n * sizeof *floats_ref);
    /* The widest element is 8 bytes (f64, i64). */
    uint8_t *blocks = malloc(n * 8);
    uint8_t *blocks_ref = malloc(n * 8);
    if (!input || !imatrix || !floats || !floats_ref || !blocks || !blocks_ref) {
        fprintf(stderr, "gq-bench: out of memory for %zu elements\n", n);
        return 1;
    }
    make_weights(input, o.rows, o.n_per_row);
    make_imatrix(imatrix, o.n_per_row);

    if (o.json) {
        printf("{\n  \"schema\": \"gq-bench/1\",\n  \"isa\": \"%s\",\n  \"rows\": %" PRId64
               ",\n  \"n_per_row\": %" PRId64 ",\n  \"threads\": %d,\n  \"repeat\": %d,\n  \"results\": [",
               isa, o.rows, o.n_per_row, o.threads, o.repeat);
    } else {
        printf("gq-bench: %" PRId64 " rows x %" PRId64 " (%.1f MiB of f32), best of %d, SIMD: %s, threads: %d\n",
               o.rows, o.n_per_row, (double)n * 4 / (1024.0 * 1024.0), o.repeat, isa, o.threads);
        printf("clock: %s\n\n", clock_for(&o, 1) == CLOCK_KIND_THREAD_CPU
                                      ? "thread CPU time for 1-thread runs, wall time for the others"
                                      : "wall time");
        print_table_header();
    }

    bool first = true;
    int failures = 0;
    for (int ti = 0; ti < o.n_types; ti++) {
        const uint32_t type = (uint32_t)o.types[ti];
        const gq_type_info *info = gq_type_get(type);
        uint64_t row_bytes = 0;
        if (!gq_type_row_bytes(type, (uint64_t)o.n_per_row, &row_bytes)) {
            fprintf(stderr, "gq-bench: skipping %s: --n-per-row %" PRId64 " is not a multiple of its block size %u\n",
                    gq_type_name(type), o.n_per_row, info ? info->block_size : 0);
            continue;
        }
        bench_buffers b = { .opt = &o, .input = input, .imatrix = imatrix, .float_bytes = n * sizeof(float),
                            .block_bytes = (size_t)row_bytes * (size_t)o.rows, .blocks = blocks,
                            .blocks_ref = blocks_ref, .floats = floats, .floats_ref = floats_ref };
        const float *imat = (o.imatrix_always || info->needs_imatrix) ? imatrix : NULL;

        /* Quantize first: its scalar output is the block data the dequantizers read.  A type that
         * cannot be quantized (q8_1, i8 ...) is dequantized from deterministic bytes instead. */
        bench_result res[2][3];
        for (int op = 0; op < 2; op++) {
            if (op == OP_DEQUANTIZE && res[0][0].status != GQ_OK) {
                if (type == GQ_TYPE_F64) {
                    /* random bits would be mostly out-of-range doubles: time real values instead */
                    for (size_t i = 0; i < n; i++) {
                        const double v = input[i];
                        memcpy(blocks_ref + i * sizeof v, &v, sizeof v);
                    }
                } else {
                    uint64_t state = 0x726e64ULL + type;
                    for (size_t i = 0; i < b.block_bytes; i++) blocks_ref[i] = (uint8_t)(next_u64(&state) >> 56);
                }
            }
            measure_op(&b, type, (bench_op)op, modes, n_modes, imat, res[op]);
            for (int m = 0; m < n_modes; m++) {
                if (m > 0 && res[op][0].status == GQ_OK && res[op][m].status == GQ_OK)
                    res[op][m].speedup = res[op][0].seconds / res[op][m].seconds;
                if (res[op][m].same_as_scalar == 0) failures++;
            }
        }
        for (int op = 0; op < 2; op++) {
            for (int m = 0; m < n_modes; m++) {
                if (o.json) {
                    print_json_result(&res[op][m], first);
                    first = false;
                } else {
                    print_table_row(&res[op][m]);
                }
            }
        }
        fflush(stdout);
    }
    if (o.json) printf("\n  ]\n}\n");
    if (failures) fprintf(stderr, "gq-bench: %d SIMD result(s) differ from the scalar reference\n", failures);

    free(input);
    free(imatrix);
    free(floats);
    free(floats_ref);
    free(blocks);
    free(blocks_ref);
    return failures ? 3 : 0;
}
