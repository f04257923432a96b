/* Section 4: reconstruction error of every tensor of every variant.
 *
 * Streaming: one tensor at a time, and within it fixed-size chunks of
 * elements (CHUNK_ELEMS, rounded to whole blocks of every type involved).
 * For a chunk the reference is dequantized once and every variant is
 * compared against it, so the reference is read once however many variants
 * there are.  Threads take chunks in any order; each chunk's sums land in
 * its own slot and the slots are added in chunk order afterwards, so the
 * figures are the same bits whatever the thread count.  Histogram counts
 * are integers and merge exactly in any order.
 *
 * Memory: per thread two float buffers of one chunk and one byte buffer
 * for unmapped or byte-swapped reads (about 2 MiB); mapped pages are handed
 * back to the kernel once a chunk is done, so the resident size does not
 * grow with the model. */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#if defined(__linux__)
#include <sys/mman.h>
#endif
#if defined(GQ_HAVE_PTHREADS)
#include <pthread.h>
#endif

#include "gq/quant.h"
#include "compare/format.h"
#include "compare/report.h"

#define CHUNK_ELEMS ((uint64_t)1 << 17)
#define MAX_THREADS 64
#define MAX_ELEM_BYTES 8 /* widest plain scalar (f64, i64) */

/* One side of a comparison for the current tensor. */
typedef struct source {
    bool active;
    const gguf_file *f;
    const gguf_tensor *t;
    const gq_type_info *ti;
    const uint8_t *map;   /* the tensor's bytes in the map, or NULL: read them */
    unsigned swap_width;  /* big-endian scalars: bytes to reverse per element (0: none) */
} source;

typedef struct tensor_job {
    const cmp_report *r;
    const cmp_options *opt;
    source ref;
    source *var;             /* [n_variants] */
    uint64_t n, chunk, n_chunks;
    cmp_sums *partials;      /* [n_chunks * n_variants] */
    atomic_uint_fast64_t next_chunk;
    atomic_uint_fast64_t chunks_done;
    atomic_int read_failed;  /* 1: reference unreadable, else variant index + 2 */
    atomic_bool stop;
    size_t page;
} tensor_job;

typedef struct worker {
    tensor_job *job;
    float *x, *y;
    uint8_t *raw;
    cmp_hist *hist;          /* [n_variants] */
    size_t n_variants;
} worker;

static uint64_t gcd_u64(uint64_t a, uint64_t b) {
    while (b) {
        uint64_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}

static void swap_bytes(uint8_t *p, uint64_t n_bytes, unsigned width) {
    for (uint64_t i = 0; i + width <= n_bytes; i += width)
        for (unsigned a = 0, b = width - 1; a < b; a++, b--) {
            uint8_t t = p[i + a];
            p[i + a] = p[i + b];
            p[i + b] = t;
        }
}

/* Give the map pages that lie wholly inside [p, p+n) back to the kernel:
 * the data is read once, and keeping it resident would make the process
 * as large as the model.  The pages are file-backed and unmodified, so a
 * later read simply faults them in again. */
static void release_pages(const tensor_job *job, const uint8_t *p, uint64_t n) {
#if defined(__linux__) && defined(MADV_DONTNEED)
    uintptr_t start = ((uintptr_t)p + job->page - 1) & ~(uintptr_t)(job->page - 1);
    uintptr_t end = ((uintptr_t)p + (uintptr_t)n) & ~(uintptr_t)(job->page - 1);
    if (end > start) (void)madvise((void *)start, end - start, MADV_DONTNEED);
#else
    (void)job;
    (void)p;
    (void)n;
#endif
}

/* Elements [e0, e0+len) of a source as floats in dst. */
static bool load(const tensor_job *job, const source *s, uint64_t e0, uint64_t len, uint8_t *raw, float *dst) {
    uint64_t off = e0 / s->ti->block_size * s->ti->type_size;
    uint64_t bytes = len / s->ti->block_size * s->ti->type_size;
    const void *src;
    if (s->map && !s->swap_width) {
        src = s->map + off;
    } else {
        if (s->map) {
            memcpy(raw, s->map + off, (size_t)bytes);
        } else {
            gguf_error err;
            if (gguf_read_tensor(s->f, s->t, off, raw, bytes, &err) != GQ_OK) return false;
        }
        if (s->swap_width) swap_bytes(raw, bytes, s->swap_width);
        src = raw;
    }
    bool ok = gq_dequantize_rows(s->t->type, src, dst, 1, (int64_t)len, 1) == GQ_OK;
    if (s->map) release_pages(job, s->map + off, bytes);
    return ok;
}

static void run_chunks(worker *w) {
    tensor_job *job = w->job;
    size_t nv = w->n_variants;
    for (;;) {
        if (atomic_load(&job->stop)) return;
        uint64_t c = atomic_fetch_add(&job->next_chunk, 1);
        if (c >= job->n_chunks) return;
        if (job->opt->should_stop && job->opt->should_stop()) {
            atomic_store(&job->stop, true);
            return;
        }
        uint64_t e0 = c * job->chunk;
        uint64_t len = job->n - e0 < job->chunk ? job->n - e0 : job->chunk;
        if (!load(job, &job->ref, e0, len, w->raw, w->x)) {
            atomic_store(&job->read_failed, 1);
            atomic_store(&job->stop, true);
            return;
        }
        for (size_t v = 0; v < nv; v++) {
            if (!job->var[v].active) continue;
            if (!load(job, &job->var[v], e0, len, w->raw, w->y)) {
                atomic_store(&job->read_failed, (int)v + 2);
                atomic_store(&job->stop, true);
                return;
            }
            cmp_sums *s = &job->partials[c * nv + v];
            memset(s, 0, sizeof *s);
            cmp_accumulate(s, &w->hist[v], w->x, w->y, (size_t)len);
        }
        atomic_fetch_add(&job->chunks_done, 1);
    }
}

#if defined(GQ_HAVE_PTHREADS)
static void *worker_main(void *arg) {
    run_chunks(arg);
    return NULL;
}
#endif

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

/* Can this side be read as floats?  CMP_R_OK or the reason it cannot. */
static cmp_result_status prepare(source *s, const gguf_file *f, const gguf_tensor *t) {
    memset(s, 0, sizeof *s);
    if (!t->type_known) return CMP_R_UNKNOWN_TYPE;
    const gq_type_info *ti = gq_type_get(t->type);
    if (!ti || ti->removed || !ti->block_size) return CMP_R_UNKNOWN_TYPE;
    if (!gq_can_dequantize(t->type)) return CMP_R_NO_DEQUANT;
    if (gguf_is_big_endian(f)) {
        /* The reader never swaps tensor data.  Plain scalars are swapped
         * element by element here; block formats would need per-field
         * knowledge of every layout, so they are left out. */
        if (ti->quantized) return CMP_R_BYTE_ORDER;
        if (ti->type_size > 1) s->swap_width = ti->type_size;
    }
    s->active = true;
    s->f = f;
    s->t = t;
    s->ti = ti;
    s->map = gguf_tensor_data(f, t);
    return CMP_R_OK;
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

cmp_build_status cmp_build_errors(cmp_report *r, const cmp_options *opt) {
    size_t nv = r->n_variants, n_threads;
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

    n_threads = opt->threads > 0 ? (size_t)opt->threads : (size_t)gq_cpu_count();
    if (n_threads > MAX_THREADS) n_threads = MAX_THREADS;
#if !defined(GQ_HAVE_PTHREADS)
    n_threads = 1;
#endif
    r->threads_used = (int)n_threads;

    /* Buffers sized for the largest chunk: CHUNK_ELEMS rounded up to the
     * largest block (256) is at most CHUNK_ELEMS + 255 elements. */
    const uint64_t max_chunk = CHUNK_ELEMS + 256;
    worker *workers = calloc(n_threads, sizeof *workers);
    source *var = calloc(nv ? nv : 1, sizeof *var);
    cmp_hist *tensor_hist = calloc(nv ? nv : 1, sizeof *tensor_hist);
    cmp_build_status status = CMP_BUILD_OK;
    if (!workers || !var || !tensor_hist) status = CMP_BUILD_NOMEM;
    for (size_t i = 0; status == CMP_BUILD_OK && i < n_threads; i++) {
        worker *w = &workers[i];
        w->n_variants = nv;
        w->x = malloc(max_chunk * sizeof(float));
        w->y = malloc(max_chunk * sizeof(float));
        w->raw = malloc(max_chunk * MAX_ELEM_BYTES);
        w->hist = calloc(nv ? nv : 1, sizeof *w->hist);
        if (!w->x || !w->y || !w->raw || !w->hist) status = CMP_BUILD_NOMEM;
    }

    tensor_job job;
    memset(&job, 0, sizeof job);
    job.r = r;
    job.opt = opt;
    job.var = var;
    long page = sysconf(_SC_PAGESIZE);
    job.page = page > 0 ? (size_t)page : 4096;
    uint64_t bytes_done = 0;
    double t0 = now_seconds();

    for (size_t row = 0; status == CMP_BUILD_OK && row < r->n_rows; row++) {
        const cmp_tensor_row *tr = &r->rows[row];
        const gguf_tensor *rt = tr->cells[r->ref];
        if (!rt) continue;
        if (opt->should_stop && opt->should_stop()) {
            status = CMP_BUILD_INTERRUPTED;
            break;
        }
        char name[128];
        cmp_str(tr->name, name, sizeof name);
        if (opt->progress)
            opt->progress(opt->progress_ctx, name, row, r->n_rows, bytes_done, total_bytes);
        cmp_result_status ref_status = prepare(&job.ref, tr->files[r->ref], rt);
        uint64_t block_lcm = job.ref.active ? job.ref.ti->block_size : 1;
        size_t active = 0;
        for (size_t v = 0; v < nv; v++) {
            cmp_result *res = cmp_report_result(r, row, v);
            var[v].active = false;
            if (res->status != CMP_R_NOT_RUN) continue;
            if (ref_status != CMP_R_OK) {
                res->status = ref_status;
                continue;
            }
            size_t in = r->variant_input[v];
            cmp_result_status st = prepare(&var[v], tr->files[in], tr->cells[in]);
            if (st != CMP_R_OK) {
                res->status = st;
                continue;
            }
            uint64_t bs = var[v].ti->block_size;
            block_lcm = block_lcm / gcd_u64(block_lcm, bs) * bs;
            active++;
        }
        bytes_done += rt->n_bytes;
        if (!active) continue;
        /* Whole blocks of every type involved: a chunk boundary is then a
         * block boundary in each tensor, rows being whole blocks too. */
        if (block_lcm > 256) {
            for (size_t v = 0; v < nv; v++)
                if (var[v].active) cmp_report_result(r, row, v)->status = CMP_R_UNKNOWN_TYPE;
            continue;
        }
        job.n = rt->n_elements;
        job.chunk = (CHUNK_ELEMS + block_lcm - 1) / block_lcm * block_lcm;
        if (job.chunk > job.n) job.chunk = job.n;
        job.n_chunks = job.chunk ? (job.n + job.chunk - 1) / job.chunk : 0;
        job.partials = calloc(job.n_chunks * nv + 1, sizeof *job.partials);
        if (!job.partials) {
            status = CMP_BUILD_NOMEM;
            break;
        }
        atomic_store(&job.next_chunk, 0);
        atomic_store(&job.chunks_done, 0);
        atomic_store(&job.read_failed, 0);
        atomic_store(&job.stop, false);

        size_t use = n_threads < job.n_chunks ? n_threads : (size_t)job.n_chunks;
        if (use < 1) use = 1;
        for (size_t i = 0; i < use; i++) workers[i].job = &job;
#if defined(GQ_HAVE_PTHREADS)
        pthread_t tids[MAX_THREADS];
        size_t started = 1;
        for (size_t i = 1; i < use; i++) {
            if (pthread_create(&tids[i], NULL, worker_main, &workers[i]) != 0) break;
            started++;
        }
#endif
        run_chunks(&workers[0]);
#if defined(GQ_HAVE_PTHREADS)
        for (size_t i = 1; i < started; i++) pthread_join(tids[i], NULL);
#endif
        if (opt->progress)
            opt->progress(opt->progress_ctx, name, row, r->n_rows, bytes_done, total_bytes);

        int failed = atomic_load(&job.read_failed);
        bool interrupted = atomic_load(&job.stop) && !failed;
        for (size_t v = 0; v < nv; v++) {
            cmp_hist_init(&tensor_hist[v]);
            for (size_t i = 0; i < use; i++) {
                cmp_hist_merge(&tensor_hist[v], &workers[i].hist[v]);
                cmp_hist_free(&workers[i].hist[v]);
            }
        }
        if (interrupted) {
            status = CMP_BUILD_INTERRUPTED;
        } else {
            for (size_t v = 0; v < nv; v++) {
                if (!var[v].active) continue;
                cmp_result *res = cmp_report_result(r, row, v);
                if (failed == 1 || failed == (int)v + 2) {
                    res->status = CMP_R_READ;
                    continue;
                }
                memset(&res->sums, 0, sizeof res->sums);
                for (uint64_t c = 0; c < job.n_chunks; c++) cmp_sums_add(&res->sums, &job.partials[c * nv + v]);
                cmp_figures_compute(&res->sums, &tensor_hist[v], &res->fig);
                res->status = tensor_hist[v].oom ? CMP_R_NOMEM : CMP_R_OK;
                if (res->status != CMP_R_OK || !res->changed) continue;
                /* Aggregates cover what quantization touched: tensors whose
                 * type differs from the reference's. */
                bool ok = agg_add(&r->overall[v], res, &tensor_hist[v]) &&
                          agg_add(&r->classes[tr->class_index].per_variant[v], res, &tensor_hist[v]);
                if (ok && tr->layer >= 0)
                    ok = agg_add(&r->layers[layer_slot(r, tr->layer)].per_variant[v], res, &tensor_hist[v]);
                if (!ok) status = CMP_BUILD_NOMEM;
            }
        }
        for (size_t v = 0; v < nv; v++) cmp_hist_free(&tensor_hist[v]);
        free(job.partials);
        job.partials = NULL;
    }

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
    for (size_t i = 0; workers && i < n_threads; i++) {
        free(workers[i].x);
        free(workers[i].y);
        free(workers[i].raw);
        if (workers[i].hist)
            for (size_t v = 0; v < nv; v++) cmp_hist_free(&workers[i].hist[v]);
        free(workers[i].hist);
    }
    free(workers);
    free(var);
    free(tensor_hist);
    return status;
}
