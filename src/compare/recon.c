/* Section 4: reconstruction error of every tensor of every variant.
 *
 * Streaming: tensors in reference order, each cut into fixed-size chunks
 * of elements (CHUNK_ELEMS, rounded to whole blocks of every type
 * involved).  For a chunk the reference is read and dequantized once and
 * every variant is compared against it, so the reference is read once
 * however many variants there are; Σx² is the reference's and is summed
 * once per chunk too.  Inside a chunk a variant is dequantized in pieces
 * (PIECE_ELEMS) that are still in L1 when the pair kernel reads them; the
 * reference's floats of the whole chunk (512 KiB) stay in L2.
 *
 * Threads: one scheduler hands out chunks of the tensors in order, up to
 * a window of tensors ahead, so no thread waits at the end of a tensor for
 * the others (on a busy machine a thread preempted with the last chunk of
 * a tensor would otherwise stall everyone, hundreds of times per model).
 * Each chunk's sums land in their own slot, added in chunk order when the
 * tensor is finished, and inside a chunk the order of every sum is fixed
 * (pairs.h), so the figures are the same bits whatever the thread count
 * and whichever kernel (AVX-512, AVX2, portable) ran.  Histogram counts are
 * integers and merge exactly in any order.  The calling thread finishes
 * tensors in reference order (results, aggregates, progress), which keeps
 * the aggregates' float64 sums in one order too.
 *
 * Memory: per thread one chunk of floats and two chunks of bytes (about
 * 2.5 MiB), plus per tensor in the window its chunk sums and histograms:
 * a few MiB whatever the model size (reading: tensor_read.h). */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#if defined(GQ_HAVE_PTHREADS)
#include <pthread.h>
#endif

#include "gq/quant.h"
#include "compare/format.h"
#include "compare/pairs.h"
#include "compare/report.h"
#include "compare/team.h"
#include "compare/tensor_read.h"

#define CHUNK_ELEMS ((uint64_t)1 << 17)
#define MAX_CHUNK (CHUNK_ELEMS + 256) /* CHUNK_ELEMS rounded up to whole blocks */
#define PIECE_ELEMS 4096
/* A piece is a multiple of CMP_SUM_BLOCK and of every block size (at most
 * 256), so at most their least common multiple. */
#define MAX_PIECE (CMP_SUM_BLOCK * 256)
#define MAX_THREADS 64
#define MAX_ELEM_BYTES 8 /* widest plain scalar (f64, i64); every block type packs tighter */
/* Bins count in uint32: move them into the histogram well before that wraps. */
#define BINS_FLUSH_AT ((uint64_t)1 << 31)

/* One tensor with work to do. */
typedef struct tensor_job {
    size_t row;
    uint64_t bytes_through;  /* reference bytes of the rows up to and including this one */
    cmp_source ref;
    cmp_source *var;         /* [n_variants] */
    uint64_t n, chunk, n_chunks, piece;
    cmp_sums *partials;      /* [n_chunks * n_variants] */
    cmp_hist *hist;          /* [n_threads * n_variants]: each thread's counts */
    /* Under the scheduler's lock: */
    uint64_t next_chunk;     /* chunks handed out */
    uint64_t chunks_done;
    size_t holders;          /* threads whose bins still hold counts of this tensor */
    int read_failed;         /* 1: the reference, v + 2: variant v */
} tensor_job;

typedef struct worker {
    float *x;                   /* the reference's floats of one chunk */
    float *y;                   /* a variant's floats of one piece */
    uint8_t *ref_raw, *var_raw; /* one chunk of bytes each */
    cmp_bins *bins;             /* [n_variants] */
} worker;

typedef struct sched {
    cmp_report *r;
    const cmp_options *opt;
    const cmp_pair_kernels *kernels;
    bool percentiles;        /* count |e| bins (off: sums only, no percentiles) */
    const cmp_parts *parts;
    size_t nv, n_threads;
    worker *workers;
#if defined(GQ_HAVE_PTHREADS)
    pthread_mutex_t lock;
    pthread_cond_t changed;
#endif
    /* Jobs by sequence number s live in ring[s % window]; [head, tail) are
     * planned and not yet finished, grab is the one handing out chunks. */
    tensor_job *ring;
    size_t window;
    size_t head, tail, grab;
    size_t next_row;         /* the next row to plan */
    uint64_t bytes_planned;
    bool stop;               /* interrupted, or out of memory */
    bool interrupted;
    /* Finishing (calling thread only). */
    cmp_hist *tensor_hist;   /* [n_variants] */
    uint64_t total_bytes;
    cmp_build_status status;
} sched;

static void lock(sched *s) {
#if defined(GQ_HAVE_PTHREADS)
    pthread_mutex_lock(&s->lock);
#else
    (void)s;
#endif
}

static void unlock(sched *s) {
#if defined(GQ_HAVE_PTHREADS)
    pthread_mutex_unlock(&s->lock);
#else
    (void)s;
#endif
}

/* Wake every thread waiting for the state to change. */
static void changed(sched *s) {
#if defined(GQ_HAVE_PTHREADS)
    pthread_cond_broadcast(&s->changed);
#else
    (void)s;
#endif
}

static void wait_change(sched *s) {
#if defined(GQ_HAVE_PTHREADS)
    pthread_cond_wait(&s->changed, &s->lock);
#else
    (void)s;
#endif
}

static uint64_t gcd_u64(uint64_t a, uint64_t b) {
    while (b) {
        uint64_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}

/* ------------------------------------------------------------ one chunk */

/* The reference once, then each variant against it.  0, or what could not
 * be read: 1 the reference, v + 2 variant v. */
static int run_chunk(const sched *s, tensor_job *job, worker *w, size_t member, uint64_t c) {
    const cmp_pair_kernels *k = s->kernels;
    size_t nv = s->nv;
    uint64_t e0 = c * job->chunk;
    uint64_t len = job->n - e0 < job->chunk ? job->n - e0 : job->chunk;
    const cmp_source *ref = &job->ref;
    if (!cmp_source_read(ref, e0, len, w->ref_raw) || !cmp_source_floats(ref, w->ref_raw, 0, len, w->x)) return 1;
    cmp_run ref_run = { 0 };
    k->x2(w->x, NULL, (size_t)len, &ref_run);
    uint64_t ref_bytes = cmp_source_bytes(ref, len);

    for (size_t v = 0; v < nv; v++) {
        const cmp_source *src = &job->var[v];
        if (!src->active) continue;
        if (!cmp_source_read(src, e0, len, w->var_raw)) return (int)v + 2;
        cmp_bins *bins = s->percentiles ? &w->bins[v] : NULL;
        cmp_sums *out = &job->partials[c * nv + v];
        /* Same type, same bytes: every e is 0 and y is x, so the sums are
         * the reference's own — the very bits the pair kernel would give
         * (x·x = x·x, and every e² term is +0). */
        if (src->t->type == ref->t->type && memcmp(w->ref_raw, w->var_raw, (size_t)ref_bytes) == 0) {
            *out = (cmp_sums){ .n = ref_run.used, .n_nonfinite = ref_run.nonfinite, .sum_e2 = 0,
                               .sum_x2 = ref_run.x2, .sum_y2 = ref_run.x2, .sum_xy = ref_run.x2, .max_abs = 0 };
            if (bins) cmp_bins_add_zeros(bins, len, ref_run.nonfinite);
        } else {
            cmp_run run = { 0 };
            for (uint64_t p0 = 0; p0 < len; p0 += job->piece) {
                uint64_t plen = len - p0 < job->piece ? len - p0 : job->piece;
                if (!cmp_source_floats(src, w->var_raw, p0, plen, w->y)) return (int)v + 2;
                k->pairs(w->x + p0, w->y, (size_t)plen, &run, bins);
            }
            double x2 = ref_run.x2;
            if (run.nonfinite != ref_run.nonfinite) {
                /* The variant has NaN/Inf where the reference has finite
                 * values: those pairs leave Σx² too.  Rare; sum again. */
                cmp_run masked = { 0 };
                for (uint64_t p0 = 0; p0 < len; p0 += job->piece) {
                    uint64_t plen = len - p0 < job->piece ? len - p0 : job->piece;
                    if (!cmp_source_floats(src, w->var_raw, p0, plen, w->y)) return (int)v + 2;
                    k->x2(w->x + p0, w->y, (size_t)plen, &masked);
                }
                x2 = masked.x2;
            }
            *out = (cmp_sums){ .n = run.used, .n_nonfinite = run.nonfinite, .sum_e2 = run.e2, .sum_x2 = x2,
                               .sum_y2 = run.y2, .sum_xy = run.xy, .max_abs = run.max_abs };
        }
        if (bins && bins->pending >= BINS_FLUSH_AT) (void)cmp_bins_flush(bins, &job->hist[member * nv + v]);
    }
    return 0;
}

/* ------------------------------------------------------------ planning */

/* Plan the next row that has work into ring[tail] (lock held).  Rows
 * without work get their statuses here.  false when no job was added:
 * every row is planned, the window is full, or memory ran out. */
static bool plan_next(sched *s) {
    cmp_report *r = s->r;
    size_t nv = s->nv;
    while (s->next_row < r->n_rows && s->tail - s->head < s->window) {
        size_t row = s->next_row++;
        const cmp_tensor_row *tr = &r->rows[row];
        const gguf_tensor *rt = tr->cells[r->ref];
        if (!rt) continue;
        s->bytes_planned += rt->n_bytes;
        tensor_job *job = &s->ring[s->tail % s->window];
        cmp_result_status ref_status = cmp_source_prepare(&job->ref, s->parts, tr->files[r->ref], rt);
        uint64_t block_lcm = job->ref.active ? job->ref.ti->block_size : 1;
        size_t active = 0;
        for (size_t v = 0; v < nv; v++) {
            cmp_result *res = cmp_report_result(r, row, v);
            cmp_source *src = &job->var[v];
            src->active = false;
            if (res->status != CMP_R_NOT_RUN) continue;
            if (ref_status != CMP_R_OK) {
                res->status = ref_status;
                continue;
            }
            size_t in = r->variant_input[v];
            cmp_result_status st = cmp_source_prepare(src, s->parts, tr->files[in], tr->cells[in]);
            if (st != CMP_R_OK) {
                res->status = st;
                continue;
            }
            uint64_t bs = src->ti->block_size;
            block_lcm = block_lcm / gcd_u64(block_lcm, bs) * bs;
            active++;
        }
        if (!active) continue;
        /* Whole blocks of every type involved: a chunk boundary is then a
         * block boundary in each tensor, rows being whole blocks too. */
        if (block_lcm > 256) {
            for (size_t v = 0; v < nv; v++)
                if (job->var[v].active) cmp_report_result(r, row, v)->status = CMP_R_UNKNOWN_TYPE;
            continue;
        }
        job->row = row;
        job->bytes_through = s->bytes_planned;
        job->n = rt->n_elements;
        job->chunk = (CHUNK_ELEMS + block_lcm - 1) / block_lcm * block_lcm;
        if (job->chunk > job->n) job->chunk = job->n;
        job->n_chunks = job->chunk ? (job->n + job->chunk - 1) / job->chunk : 0;
        /* Pieces start on sum-block and type-block boundaries of the chunk. */
        uint64_t unit = CMP_SUM_BLOCK / gcd_u64(CMP_SUM_BLOCK, block_lcm) * block_lcm;
        job->piece = (PIECE_ELEMS + unit - 1) / unit * unit;
        job->next_chunk = job->chunks_done = 0;
        job->holders = 0;
        job->read_failed = 0;
        if (!(job->partials = calloc(job->n_chunks * nv + 1, sizeof *job->partials))) {
            s->status = CMP_BUILD_NOMEM;
            s->stop = true;
            changed(s);
            return false;
        }
        s->tail++;
        return true;
    }
    return false;
}

/* A job with chunks left to hand out, planning more when needed (lock held). */
static tensor_job *job_with_work(sched *s) {
    for (;;) {
        if (s->grab < s->tail) {
            tensor_job *job = &s->ring[s->grab % s->window];
            if (job->next_chunk < job->n_chunks && !job->read_failed) return job;
            s->grab++;
            continue;
        }
        if (!plan_next(s)) return NULL;
    }
}

/* Every chunk handed out is done and no thread holds counts of it. */
static bool job_complete(const tensor_job *job) {
    return job->holders == 0 && job->chunks_done == job->next_chunk &&
           (job->next_chunk == job->n_chunks || job->read_failed);
}

/* Move this thread's counts of `job` into the job (lock held; released
 * while counting). */
static void release_job(sched *s, size_t member, tensor_job *job) {
    unlock(s);
    worker *w = &s->workers[member];
    for (size_t v = 0; v < s->nv; v++)
        if (job->var[v].active && s->percentiles) (void)cmp_bins_flush(&w->bins[v], &job->hist[member * s->nv + v]);
    lock(s);
    job->holders--;
    if (job_complete(job)) changed(s);
}

/* ------------------------------------------------------------ finishing */

static bool agg_add(cmp_agg *a, const cmp_result *res, const cmp_hist *h);
static size_t layer_slot(const cmp_report *r, int64_t layer);

/* Results and aggregates of a complete job (calling thread, lock not held). */
static void finish_job(sched *s, tensor_job *job) {
    cmp_report *r = s->r;
    size_t nv = s->nv;
    const cmp_tensor_row *tr = &r->rows[job->row];
    for (size_t v = 0; v < nv; v++) {
        cmp_hist_init(&s->tensor_hist[v]);
        for (size_t m = 0; m < s->n_threads; m++) {
            cmp_hist *h = &job->hist[m * nv + v];
            cmp_hist_merge(&s->tensor_hist[v], h);
            cmp_hist_free(h);
        }
    }
    for (size_t v = 0; v < nv; v++) {
        if (!job->var[v].active) continue;
        cmp_result *res = cmp_report_result(r, job->row, v);
        if (job->read_failed == 1 || job->read_failed == (int)v + 2) {
            res->status = CMP_R_READ;
            continue;
        }
        memset(&res->sums, 0, sizeof res->sums);
        for (uint64_t c = 0; c < job->n_chunks; c++) cmp_sums_add(&res->sums, &job->partials[c * nv + v]);
        cmp_figures_compute(&res->sums, &s->tensor_hist[v], &res->fig);
        res->status = s->tensor_hist[v].oom ? CMP_R_NOMEM : CMP_R_OK;
        if (res->status != CMP_R_OK || !res->changed) continue;
        /* Aggregates cover what quantization touched: tensors whose type
         * differs from the reference's. */
        bool ok = agg_add(&r->overall[v], res, &s->tensor_hist[v]) &&
                  agg_add(&r->classes[tr->class_index].per_variant[v], res, &s->tensor_hist[v]);
        if (ok && tr->layer >= 0)
            ok = agg_add(&r->layers[layer_slot(r, tr->layer)].per_variant[v], res, &s->tensor_hist[v]);
        if (!ok) s->status = CMP_BUILD_NOMEM;
    }
    for (size_t v = 0; v < nv; v++) cmp_hist_free(&s->tensor_hist[v]);
    free(job->partials);
    job->partials = NULL;
    if (s->opt->progress) {
        char name[128];
        cmp_str(tr->name, name, sizeof name);
        s->opt->progress(s->opt->progress_ctx, name, job->row, r->n_rows, job->bytes_through, s->total_bytes);
    }
}

/* Finish the complete jobs at the head of the window, in order (calling
 * thread, lock held). */
static void finish_ready(sched *s) {
    while (s->head < s->tail && !s->stop) {
        tensor_job *job = &s->ring[s->head % s->window];
        if (!job_complete(job)) return;
        unlock(s);
        finish_job(s, job);
        lock(s);
        s->head++;
        if (s->status != CMP_BUILD_OK) s->stop = true;
        changed(s); /* a window slot is free */
    }
}

/* ------------------------------------------------------------ threads */

static void work(void *ctx, size_t member) {
    sched *s = ctx;
    worker *w = &s->workers[member];
    tensor_job *held = NULL; /* the job whose counts sit in w->bins */
    lock(s);
    for (;;) {
        if (member == 0) finish_ready(s);
        if (s->stop) break;
        if (s->opt->should_stop && s->opt->should_stop()) {
            s->stop = s->interrupted = true;
            changed(s);
            break;
        }
        tensor_job *job = job_with_work(s);
        if (!job) {
            if (s->stop) break;
            if (held) {
                /* Nothing to do now: give back the counts so that the job
                 * can be finished. */
                release_job(s, member, held);
                held = NULL;
                continue;
            }
            bool all_handed_out = s->next_row >= s->r->n_rows && s->grab >= s->tail;
            if (all_handed_out && (member != 0 || s->head == s->tail)) break;
            if (member == 0 && s->head < s->tail && job_complete(&s->ring[s->head % s->window])) continue;
            wait_change(s);
            continue;
        }
        uint64_t c = job->next_chunk++;
        if (held != job) {
            if (held) release_job(s, member, held);
            held = job;
            job->holders++;
        }
        unlock(s);
        int failed = run_chunk(s, job, w, member, c);
        lock(s);
        if (failed && !job->read_failed) job->read_failed = failed;
        job->chunks_done++;
        if (job_complete(job) || job->read_failed) changed(s);
    }
    if (held) release_job(s, member, held);
    changed(s);
    unlock(s);
}

/* ------------------------------------------------------------------ */

const char *cmp_result_status_name(cmp_result_status s) {
    switch (s) {
    case CMP_R_OK: return "ok";
    case CMP_R_NOT_RUN: return "not-run";
    case CMP_R_ABSENT_VARIANT: return "absent-in-variant";
    case CMP_R_ABSENT_REF: return "absent-in-reference";
    case CMP_R_SHAPE: return "shape-differs";
    case CMP_R_UNKNOWN_TYPE: return "unknown-type";
    case CMP_R_NO_DEQUANT: return "no-dequantizer";
    case CMP_R_BYTE_ORDER: return "big-endian-blocks";
    case CMP_R_READ: return "read-error";
    case CMP_R_NOMEM: return "out-of-memory";
    }
    return "?";
}

static bool agg_add(cmp_agg *a, const cmp_result *res, const cmp_hist *h) {
    a->n_tensors++;
    cmp_sums_add(&a->sums, &res->sums);
    return cmp_hist_merge(&a->hist, h);
}

static size_t layer_slot(const cmp_report *r, int64_t layer) {
    size_t lo = 0, hi = r->n_layers;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (r->layers[mid].layer < layer) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

static double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void free_sched(sched *s) {
    for (size_t i = 0; s->workers && i < s->n_threads; i++) {
        worker *w = &s->workers[i];
        free(w->x);
        free(w->y);
        free(w->ref_raw);
        free(w->var_raw);
        free(w->bins);
    }
    free(s->workers);
    for (size_t i = 0; s->ring && i < s->window; i++) {
        tensor_job *job = &s->ring[i];
        free(job->var);
        free(job->partials);
        if (job->hist)
            for (size_t k = 0; k < s->n_threads * s->nv; k++) cmp_hist_free(&job->hist[k]);
        free(job->hist);
    }
    free(s->ring);
    free(s->tensor_hist);
}

cmp_build_status cmp_build_errors(cmp_report *r, const cmp_options *opt) {
    size_t nv = r->n_variants;
    r->results = calloc(r->n_rows * nv + 1, sizeof *r->results);
    r->overall = calloc(nv ? nv : 1, sizeof *r->overall);
    if (!r->results || !r->overall) return CMP_BUILD_NOMEM;
    for (size_t i = 0; i < r->n_classes; i++)
        if (!(r->classes[i].per_variant = calloc(nv ? nv : 1, sizeof(cmp_agg)))) return CMP_BUILD_NOMEM;
    for (size_t i = 0; i < r->n_layers; i++)
        if (!(r->layers[i].per_variant = calloc(nv ? nv : 1, sizeof(cmp_agg)))) return CMP_BUILD_NOMEM;

    /* Which pairs can be compared, and why not. */
    uint64_t total_bytes = 0;
    for (size_t row = 0; row < r->n_rows; row++) {
        const cmp_tensor_row *tr = &r->rows[row];
        const gguf_tensor *rt = tr->cells[r->ref];
        for (size_t v = 0; v < nv; v++) {
            cmp_result *res = cmp_report_result(r, row, v);
            const gguf_tensor *vt = tr->cells[r->variant_input[v]];
            res->status = CMP_R_NOT_RUN;
            if (!rt) res->status = CMP_R_ABSENT_REF;
            else if (!vt) res->status = CMP_R_ABSENT_VARIANT;
            else {
                res->changed = vt->type != rt->type;
                bool shape_ok = true;
                for (int d = 0; d < GGUF_MAX_DIMS; d++)
                    if (vt->ne[d] != rt->ne[d]) shape_ok = false;
                if (!shape_ok) res->status = CMP_R_SHAPE;
            }
        }
        if (rt) total_bytes += rt->n_bytes;
    }
    r->errors_computed = opt->compute_errors;
    if (!opt->compute_errors) return CMP_BUILD_OK;

    size_t n_threads = opt->threads > 0 ? (size_t)opt->threads : (size_t)gq_cpu_count();
    if (n_threads > MAX_THREADS) n_threads = MAX_THREADS;
#if !defined(GQ_HAVE_PTHREADS)
    n_threads = 1;
#endif

    sched s;
    memset(&s, 0, sizeof s);
    s.r = r;
    s.opt = opt;
    s.kernels = cmp_pair_kernels_pick();
    s.percentiles = !opt->skip_percentiles;
    r->percentiles_computed = s.percentiles;
    s.nv = nv;
    s.total_bytes = total_bytes;
    s.status = CMP_BUILD_OK;
    cmp_parts *parts = cmp_parts_open(r);
    cmp_team *team = cmp_team_start(n_threads);
    if (team) n_threads = cmp_team_size(team);
    s.parts = parts;
    s.n_threads = n_threads;
    r->threads_used = (int)n_threads;
    /* Tensors planned ahead: enough that a thread finding the current
     * tensor handed out always finds work while another finishes. */
    s.window = 2 * n_threads + 2;
    s.workers = calloc(n_threads, sizeof *s.workers);
    s.ring = calloc(s.window, sizeof *s.ring);
    s.tensor_hist = calloc(nv ? nv : 1, sizeof *s.tensor_hist);
    bool ok = parts && team && s.workers && s.ring && s.tensor_hist;
    for (size_t i = 0; ok && i < s.window; i++) {
        tensor_job *job = &s.ring[i];
        job->var = calloc(nv ? nv : 1, sizeof *job->var);
        job->hist = calloc(n_threads * nv + 1, sizeof *job->hist);
        ok = job->var && job->hist;
    }
    for (size_t i = 0; ok && i < n_threads; i++) {
        worker *w = &s.workers[i];
        w->x = malloc(MAX_CHUNK * sizeof(float));
        w->y = malloc(MAX_PIECE * sizeof(float));
        w->ref_raw = malloc(MAX_CHUNK * MAX_ELEM_BYTES);
        w->var_raw = malloc(MAX_CHUNK * MAX_ELEM_BYTES);
        w->bins = calloc(nv ? nv : 1, sizeof *w->bins);
        ok = w->x && w->y && w->ref_raw && w->var_raw && w->bins;
    }
    double t0 = now_seconds();
    if (ok) {
#if defined(GQ_HAVE_PTHREADS)
        pthread_mutex_init(&s.lock, NULL);
        pthread_cond_init(&s.changed, NULL);
#endif
        cmp_team_run(team, n_threads, work, &s);
#if defined(GQ_HAVE_PTHREADS)
        pthread_mutex_destroy(&s.lock);
        pthread_cond_destroy(&s.changed);
#endif
        if (s.interrupted && s.status == CMP_BUILD_OK) s.status = CMP_BUILD_INTERRUPTED;
    } else {
        s.status = CMP_BUILD_NOMEM;
    }
    cmp_build_status status = s.status;

    for (size_t v = 0; v < nv && status == CMP_BUILD_OK; v++) {
        cmp_figures_compute(&r->overall[v].sums, &r->overall[v].hist, &r->overall[v].fig);
        for (size_t i = 0; i < r->n_classes; i++) {
            cmp_agg *a = &r->classes[i].per_variant[v];
            cmp_figures_compute(&a->sums, &a->hist, &a->fig);
        }
        for (size_t i = 0; i < r->n_layers; i++) {
            cmp_agg *a = &r->layers[i].per_variant[v];
            cmp_figures_compute(&a->sums, &a->hist, &a->fig);
        }
    }
    r->seconds = now_seconds() - t0;
    cmp_team_stop(team);
    free_sched(&s);
    cmp_parts_close(parts);
    return status;
}
