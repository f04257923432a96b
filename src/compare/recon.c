/* Section 4: reconstruction error of every tensor of every variant.
 *
 * Streaming: one tensor at a time, and within it fixed-size chunks of
 * elements (CHUNK_ELEMS, rounded to whole blocks of every type involved).
 * For a chunk the reference is read and dequantized once and every variant
 * is compared against it, so the reference is read once however many
 * variants there are; Σx² is the reference's and is summed once per chunk
 * too.  Threads take chunks in any order; each chunk's sums land in its
 * own slot and the slots are added in chunk order afterwards, and inside a
 * chunk the order of every sum is fixed (pairs.h), so the figures are the
 * same bits whatever the thread count and whichever kernel (AVX2 or
 * portable) ran.  Histogram counts are integers and merge exactly in any
 * order.
 *
 * Reading: tensor bytes are read with pread() into per-thread buffers, as
 * `cat` reads, not through the reader's memory map.  Mapping gigabytes and
 * handing the pages back as we go costs page faults and TLB shootdowns
 * (on a virtual machine, each a trip to the hypervisor) that dwarfed the
 * arithmetic; a copy from the page cache into a buffer that stays in the
 * CPU cache is cheaper and keeps the resident size at a few MiB per thread
 * whatever the model size.
 *
 * Inside a chunk a variant is dequantized in pieces of PIECE_ELEMS, so its
 * floats are still in L1 when the pair kernel reads them; the reference's
 * floats for the whole chunk (512 KiB) stay in L2. */
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#if defined(__linux__)
#include <sys/mman.h>
#endif

#include "gq/quant.h"
#include "compare/format.h"
#include "compare/pairs.h"
#include "compare/report.h"
#include "compare/team.h"

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

/* Our own descriptor for each part of each input. */
typedef struct part_fd {
    const gguf_file *f;
    int fd; /* -1: read through the reader instead */
} part_fd;

/* One side of a comparison for the current tensor. */
typedef struct source {
    bool active;
    const gguf_file *f;
    const gguf_tensor *t;
    const gq_type_info *ti;
    int fd;               /* pread from here when >= 0 */
    uint64_t data_pos;    /* file offset of the tensor's first byte */
    unsigned swap_width;  /* big-endian scalars: bytes to reverse per element (0: none) */
} source;

typedef struct tensor_job {
    const cmp_options *opt;
    const cmp_pair_kernels *kernels;
    source ref;
    source *var;             /* [n_variants] */
    size_t nv;
    uint64_t n, chunk, n_chunks, piece;
    cmp_sums *partials;      /* [n_chunks * n_variants] */
    atomic_uint_fast64_t next_chunk;
    atomic_int read_failed;  /* 1: reference unreadable, else variant index + 2 */
    atomic_bool stop;
    size_t page;
} tensor_job;

typedef struct worker {
    float *x;                /* the reference's floats of one chunk */
    float *y;                /* a variant's floats of one piece */
    uint8_t *ref_raw, *var_raw; /* one chunk of bytes each */
    cmp_bins *bins;          /* [n_variants] */
    cmp_hist *hist;          /* [n_variants], this tensor's */
    bool took_part;          /* did work on the current tensor */
} worker;

typedef struct pass {
    tensor_job *job;
    worker *workers;
} pass;

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

/* Give the map pages that lie wholly inside [p, p+n) back to the kernel
 * (only on the fallback path that reads through the reader's map). */
static void release_pages(size_t page, const uint8_t *p, uint64_t n) {
#if defined(__linux__) && defined(MADV_DONTNEED)
    uintptr_t start = ((uintptr_t)p + page - 1) & ~(uintptr_t)(page - 1);
    uintptr_t end = ((uintptr_t)p + (uintptr_t)n) & ~(uintptr_t)(page - 1);
    if (end > start) (void)madvise((void *)start, end - start, MADV_DONTNEED);
#else
    (void)page;
    (void)p;
    (void)n;
#endif
}

static bool pread_all(int fd, uint8_t *dst, uint64_t n, uint64_t pos) {
    while (n) {
        size_t want = n > ((size_t)1 << 30) ? (size_t)1 << 30 : (size_t)n;
        ssize_t got = pread(fd, dst, want, (off_t)pos);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) return false; /* error, or the file shrank */
        dst += got;
        pos += (uint64_t)got;
        n -= (uint64_t)got;
    }
    return true;
}

/* Bytes of elements [e0, e0+len) of a source into raw (native byte order). */
static bool read_chunk(const tensor_job *job, const source *s, uint64_t e0, uint64_t len, uint8_t *raw) {
    uint64_t off = e0 / s->ti->block_size * s->ti->type_size;
    uint64_t bytes = len / s->ti->block_size * s->ti->type_size;
    if (s->fd >= 0) {
        if (!pread_all(s->fd, raw, bytes, s->data_pos + off)) return false;
    } else {
        gguf_error err;
        if (gguf_read_tensor(s->f, s->t, off, raw, bytes, &err) != GQ_OK) return false;
        const uint8_t *map = gguf_tensor_data(s->f, s->t);
        if (map) release_pages(job->page, map + off, bytes);
    }
    if (s->swap_width) swap_bytes(raw, bytes, s->swap_width);
    return true;
}

static bool dequantize(const source *s, const uint8_t *raw, uint64_t e0, uint64_t len, float *dst) {
    const uint8_t *src = raw + e0 / s->ti->block_size * s->ti->type_size;
    return gq_dequantize(s->t->type, src, dst, (int64_t)len) == GQ_OK;
}

static void fail(tensor_job *job, int which) {
    atomic_store(&job->read_failed, which);
    atomic_store(&job->stop, true);
}

/* One chunk: the reference once, then each variant against it. */
static bool run_chunk(tensor_job *job, worker *w, uint64_t c) {
    const cmp_pair_kernels *k = job->kernels;
    size_t nv = job->nv;
    uint64_t e0 = c * job->chunk;
    uint64_t len = job->n - e0 < job->chunk ? job->n - e0 : job->chunk;
    const source *ref = &job->ref;
    if (!read_chunk(job, ref, e0, len, w->ref_raw) || !dequantize(ref, w->ref_raw, 0, len, w->x)) {
        fail(job, 1);
        return false;
    }
    cmp_run ref_run = { 0 };
    k->x2(w->x, NULL, (size_t)len, &ref_run);
    uint64_t ref_bytes = len / ref->ti->block_size * ref->ti->type_size;

    for (size_t v = 0; v < nv; v++) {
        const source *s = &job->var[v];
        if (!s->active) continue;
        if (!read_chunk(job, s, e0, len, w->var_raw)) {
            fail(job, (int)v + 2);
            return false;
        }
        cmp_sums *out = &job->partials[c * nv + v];
        /* Same type, same bytes: every e is 0 and y is x, so the sums are
         * the reference's own — the very bits the pair kernel would give
         * (x·x = x·x, and every e² term is +0). */
        if (s->t->type == ref->t->type && memcmp(w->ref_raw, w->var_raw, (size_t)ref_bytes) == 0) {
            *out = (cmp_sums){ .n = ref_run.used, .n_nonfinite = ref_run.nonfinite, .sum_e2 = 0,
                               .sum_x2 = ref_run.x2, .sum_y2 = ref_run.x2, .sum_xy = ref_run.x2, .max_abs = 0 };
            cmp_bins_add_zeros(&w->bins[v], len, ref_run.nonfinite);
        } else {
            cmp_run run = { 0 };
            for (uint64_t p0 = 0; p0 < len; p0 += job->piece) {
                uint64_t plen = len - p0 < job->piece ? len - p0 : job->piece;
                if (!dequantize(s, w->var_raw, p0, plen, w->y)) {
                    fail(job, (int)v + 2);
                    return false;
                }
                k->pairs(w->x + p0, w->y, (size_t)plen, &run, &w->bins[v]);
            }
            double x2 = ref_run.x2;
            if (run.nonfinite != ref_run.nonfinite) {
                /* The variant has NaN/Inf where the reference has finite
                 * values: those pairs leave Σx² too.  Rare; sum again. */
                cmp_run masked = { 0 };
                for (uint64_t p0 = 0; p0 < len; p0 += job->piece) {
                    uint64_t plen = len - p0 < job->piece ? len - p0 : job->piece;
                    if (!dequantize(s, w->var_raw, p0, plen, w->y)) {
                        fail(job, (int)v + 2);
                        return false;
                    }
                    k->x2(w->x + p0, w->y, (size_t)plen, &masked);
                }
                x2 = masked.x2;
            }
            *out = (cmp_sums){ .n = run.used, .n_nonfinite = run.nonfinite, .sum_e2 = run.e2, .sum_x2 = x2,
                               .sum_y2 = run.y2, .sum_xy = run.xy, .max_abs = run.max_abs };
        }
        if (w->bins[v].pending >= BINS_FLUSH_AT) (void)cmp_bins_flush(&w->bins[v], &w->hist[v]);
    }
    return true;
}

static void run_chunks(void *ctx, size_t member) {
    pass *p = ctx;
    tensor_job *job = p->job;
    worker *w = &p->workers[member];
    w->took_part = true;
    for (;;) {
        if (atomic_load(&job->stop)) break;
        uint64_t c = atomic_fetch_add(&job->next_chunk, 1);
        if (c >= job->n_chunks) break;
        if (job->opt->should_stop && job->opt->should_stop()) {
            atomic_store(&job->stop, true);
            break;
        }
        if (!run_chunk(job, w, c)) break;
    }
    /* This thread's counts for the tensor, into its histograms (here, so
     * that threads do it in parallel). */
    for (size_t v = 0; v < job->nv; v++)
        if (job->var[v].active) (void)cmp_bins_flush(&w->bins[v], &w->hist[v]);
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

/* Can this side be read as floats?  CMP_R_OK or the reason it cannot. */
static cmp_result_status prepare(source *s, const gguf_file *f, const gguf_tensor *t, int fd) {
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
    s->fd = fd;
    s->data_pos = gguf_data_offset(f) + t->offset;
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

/* Open our own descriptor on every part of every input.  The reader
 * validated the file it mapped; a file replaced since then shows up as
 * another size and is read through the reader instead, which checks. */
static part_fd *open_parts(const cmp_report *r, size_t *n_out) {
    size_t n = 0;
    for (size_t i = 0; i < r->n_inputs; i++) n += r->inputs[i]->n_parts;
    part_fd *fds = calloc(n ? n : 1, sizeof *fds);
    if (!fds) return NULL;
    size_t k = 0;
    for (size_t i = 0; i < r->n_inputs; i++) {
        const cmp_model *m = r->inputs[i];
        for (size_t p = 0; p < m->n_parts; p++, k++) {
            fds[k].f = m->parts[p];
            fds[k].fd = open(m->part_paths[p], O_RDONLY | O_CLOEXEC);
            struct stat st;
            if (fds[k].fd >= 0 && (fstat(fds[k].fd, &st) != 0 || (uint64_t)st.st_size != gguf_file_size(m->parts[p]))) {
                close(fds[k].fd);
                fds[k].fd = -1;
            }
#if defined(POSIX_FADV_SEQUENTIAL)
            /* Cold caches: read ahead generously, each file is read front to back. */
            if (fds[k].fd >= 0) (void)posix_fadvise(fds[k].fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
        }
    }
    *n_out = n;
    return fds;
}

static int fd_of(const part_fd *fds, size_t n, const gguf_file *f) {
    for (size_t i = 0; i < n; i++)
        if (fds[i].f == f) return fds[i].fd;
    return -1;
}

static void close_parts(part_fd *fds, size_t n) {
    for (size_t i = 0; fds && i < n; i++)
        if (fds[i].fd >= 0) close(fds[i].fd);
    free(fds);
}

static void free_workers(worker *workers, size_t n, size_t nv) {
    for (size_t i = 0; workers && i < n; i++) {
        worker *w = &workers[i];
        free(w->x);
        free(w->y);
        free(w->ref_raw);
        free(w->var_raw);
        free(w->bins);
        if (w->hist)
            for (size_t v = 0; v < nv; v++) cmp_hist_free(&w->hist[v]);
        free(w->hist);
    }
    free(workers);
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

    cmp_build_status status = CMP_BUILD_OK;
    size_t n_fds = 0;
    part_fd *fds = open_parts(r, &n_fds);
    cmp_team *team = cmp_team_start(n_threads);
    if (team) n_threads = cmp_team_size(team);
    r->threads_used = (int)n_threads;
    worker *workers = calloc(n_threads, sizeof *workers);
    source *var = calloc(nv ? nv : 1, sizeof *var);
    cmp_hist *tensor_hist = calloc(nv ? nv : 1, sizeof *tensor_hist);
    if (!fds || !team || !workers || !var || !tensor_hist) status = CMP_BUILD_NOMEM;
    for (size_t i = 0; status == CMP_BUILD_OK && i < n_threads; i++) {
        worker *w = &workers[i];
        w->x = malloc(MAX_CHUNK * sizeof(float));
        w->y = malloc(MAX_PIECE * sizeof(float));
        w->ref_raw = malloc(MAX_CHUNK * MAX_ELEM_BYTES);
        w->var_raw = malloc(MAX_CHUNK * MAX_ELEM_BYTES);
        w->bins = calloc(nv ? nv : 1, sizeof *w->bins);
        w->hist = calloc(nv ? nv : 1, sizeof *w->hist);
        if (!w->x || !w->y || !w->ref_raw || !w->var_raw || !w->bins || !w->hist) status = CMP_BUILD_NOMEM;
    }

    tensor_job job;
    memset(&job, 0, sizeof job);
    job.opt = opt;
    job.kernels = cmp_pair_kernels_pick();
    job.var = var;
    job.nv = nv;
    long page = sysconf(_SC_PAGESIZE);
    job.page = page > 0 ? (size_t)page : 4096;
    pass ps = { &job, workers };
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
        const gguf_file *rf = tr->files[r->ref];
        cmp_result_status ref_status = prepare(&job.ref, rf, rt, fd_of(fds, n_fds, rf));
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
            cmp_result_status st = prepare(&var[v], tr->files[in], tr->cells[in], fd_of(fds, n_fds, tr->files[in]));
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
        /* Pieces start on sum-block and type-block boundaries of the chunk. */
        uint64_t unit = CMP_SUM_BLOCK / gcd_u64(CMP_SUM_BLOCK, block_lcm) * block_lcm;
        job.piece = (PIECE_ELEMS + unit - 1) / unit * unit;
        job.partials = calloc(job.n_chunks * nv + 1, sizeof *job.partials);
        if (!job.partials) {
            status = CMP_BUILD_NOMEM;
            break;
        }
        atomic_store(&job.next_chunk, 0);
        atomic_store(&job.read_failed, 0);
        atomic_store(&job.stop, false);

        size_t use = n_threads < job.n_chunks ? n_threads : (size_t)job.n_chunks;
        if (use < 1) use = 1;
        for (size_t i = 0; i < n_threads; i++) workers[i].took_part = false;
        cmp_team_run(team, use, run_chunks, &ps);
        if (opt->progress)
            opt->progress(opt->progress_ctx, name, row, r->n_rows, bytes_done, total_bytes);

        int failed = atomic_load(&job.read_failed);
        bool interrupted = atomic_load(&job.stop) && !failed;
        for (size_t v = 0; v < nv; v++) {
            cmp_hist_init(&tensor_hist[v]);
            for (size_t i = 0; i < n_threads; i++) {
                if (!workers[i].took_part) continue;
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
    cmp_team_stop(team);
    free_workers(workers, n_threads, nv);
    close_parts(fds, n_fds);
    free(var);
    free(tensor_hist);
    return status;
}
