/* The streaming, atomic GGUF writer.
 *
 * Streaming: the header (metadata, then the tensor index) is written when
 * the first tensor bytes arrive, and tensor data goes straight to the file
 * in the caller's pieces, so a model is never held in memory.  The layout
 * is ggml's: the header padded to the alignment, then each tensor's data
 * padded to the alignment (the last one too), which makes every offset
 * the one ggml's gguf_write_to_file would assign.
 *
 * Atomic: everything goes to "<path>.tmp-XXXXXX" beside the target (same
 * filesystem, so the final rename cannot fail half-way); commit fsyncs it
 * and renames it over the target.  Any failure, or an abort, unlinks the
 * temporary file at once: a full disk or a RLIMIT_FSIZE hit never leaves a
 * partial file, and an existing target is never touched before the rename. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "writer_internal.h"

#define OUTPUT_BUFFER_SIZE (1u << 20)

static gq_status status_for_errno(int e) {
    if (e == ENOSPC || e == EFBIG
#ifdef EDQUOT
        || e == EDQUOT
#endif
    )
        return GQ_ERR_NOSPACE;
    return GQ_ERR_IO;
}

/* The output is unusable from here on: remember why, drop the file. */
static void fail_output(gguf_writer *w, gq_status status, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static void fail_output(gguf_writer *w, gq_status status, const char *fmt, ...) {
    if (w->failed == GQ_OK) {
        char msg[480];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        w->failed = status;
        gguf__set_error(&w->failure, status, false, 0, "%s", msg);
    }
    if (w->fd >= 0) {
        close(w->fd);
        w->fd = -1;
    }
    if (w->temp_path) unlink(w->temp_path);
}

/* Write n bytes that belong at file position `start`. */
static bool write_all(gguf_writer *w, const uint8_t *p, uint64_t n, uint64_t start) {
    uint64_t done = 0;
    while (done < n) {
        size_t chunk = n - done > (1u << 30) ? (1u << 30) : (size_t)(n - done);
        ssize_t r = write(w->fd, p + done, chunk);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) {
            int e = errno;
            gq_status st = status_for_errno(e);
            fail_output(w, st, "%s writing '%s' at byte %" PRIu64 ": %s",
                        st == GQ_ERR_NOSPACE ? "no space left" : "write failed", w->path, start + done,
                        strerror(e));
            return false;
        }
        if (r == 0) {
            fail_output(w, GQ_ERR_IO, "write failed writing '%s' at byte %" PRIu64 ": nothing written", w->path,
                        start + done);
            return false;
        }
        done += (uint64_t)r;
    }
    return true;
}

static bool flush(gguf_writer *w) {
    if (w->failed != GQ_OK) return false;
    if (w->buf_len == 0) return true;
    /* written already counts the buffered bytes */
    bool ok = write_all(w, w->buf, w->buf_len, w->written - w->buf_len);
    w->buf_len = 0;
    return ok;
}

bool gguf__writer_out(gguf_writer *w, const void *data, uint64_t n) {
    if (w->failed != GQ_OK) return false;
    const uint8_t *p = data;
    if (n >= w->buf_cap) {
        /* large pieces (tensor data) skip the buffer */
        if (!flush(w) || !write_all(w, p, n, w->written)) return false;
        w->written += n;
        return true;
    }
    if (w->buf_cap - w->buf_len < n) {
        if (!flush(w)) return false;
    }
    memcpy(w->buf + w->buf_len, p, (size_t)n);
    w->buf_len += (size_t)n;
    w->written += n;
    return true;
}

bool gguf__writer_out_u32(gguf_writer *w, uint32_t v) { return gguf__writer_out(w, &v, 4); }
bool gguf__writer_out_u64(gguf_writer *w, uint64_t v) { return gguf__writer_out(w, &v, 8); }

static bool out_padding(gguf_writer *w) {
    static const uint8_t zeros[256];
    uint64_t pad = (w->alignment - w->written % w->alignment) % w->alignment;
    while (pad > 0) {
        uint64_t n = pad < sizeof zeros ? pad : sizeof zeros;
        if (!gguf__writer_out(w, zeros, n)) return false;
        pad -= n;
    }
    return true;
}

/* ---------------------------------------------------------------- lifecycle */

gguf_writer *gguf_writer_open(const char *path, gguf_error *err) {
    if (!path || !*path) {
        gguf__set_error(err, GQ_ERR_ARG, false, 0, "no output path");
        return NULL;
    }
    gguf_writer *w = calloc(1, sizeof *w);
    size_t len = strlen(path);
    if (w) {
        w->fd = -1;
        w->alignment = GGUF_DEFAULT_ALIGNMENT;
        w->path = malloc(len + 1);
        w->temp_path = malloc(len + sizeof ".tmp-XXXXXX");
        w->buf_cap = OUTPUT_BUFFER_SIZE;
        w->buf = malloc(w->buf_cap);
    }
    if (!w || !w->path || !w->temp_path || !w->buf) {
        if (w) {
            free(w->path);
            free(w->temp_path);
            free(w->buf);
            free(w);
        }
        gguf__set_error(err, GQ_ERR_NOMEM, false, 0, "out of memory");
        return NULL;
    }
    memcpy(w->path, path, len + 1);
    memcpy(w->temp_path, path, len);
    memcpy(w->temp_path + len, ".tmp-XXXXXX", sizeof ".tmp-XXXXXX");
    /* Beside the target, so that commit's rename stays on one filesystem
     * and a directory we cannot write is found before any work is done. */
    w->fd = mkstemp(w->temp_path);
    if (w->fd < 0) {
        int e = errno;
        gguf__set_error(err, status_for_errno(e), false, 0, "cannot create a temporary file beside '%s': %s", path,
                        strerror(e));
        free(w->path);
        free(w->temp_path);
        free(w->buf);
        free(w);
        return NULL;
    }
    /* mkstemp makes the file 0600; give the result the usual 0666 & ~umask.
     * (umask can only be read by setting it: set it straight back.) */
    mode_t mask = umask(022);
    umask(mask);
    if (fchmod(w->fd, 0666 & ~mask) != 0) { /* not fatal: the file is just more private */
    }
    return w;
}

gq_status gguf_writer_check_not_same(const char *path, const char *input_path, gguf_error *err) {
    if (!path || !input_path) {
        gguf__set_error(err, GQ_ERR_ARG, false, 0, "gguf_writer_check_not_same: missing path");
        return GQ_ERR_ARG;
    }
    struct stat out, in;
    if (stat(path, &out) != 0) return GQ_OK; /* nothing there to destroy */
    if (stat(input_path, &in) != 0) {
        int e = errno;
        gguf__set_error(err, GQ_ERR_IO, false, 0, "cannot stat input '%s': %s", input_path, strerror(e));
        return GQ_ERR_IO;
    }
    if (out.st_dev == in.st_dev && out.st_ino == in.st_ino) {
        gguf__set_error(err, GQ_ERR_ARG, false, 0,
                        "output '%s' is the input '%s' (same file): writing it would replace the model being read",
                        path, input_path);
        return GQ_ERR_ARG;
    }
    return GQ_OK;
}

static void free_writer(gguf_writer *w) {
    gguf__writer_free_kvs(w);
    for (uint64_t i = 0; i < w->n_tensors; i++) free(w->tensors[i].name);
    free(w->tensors);
    free(w->name_slots);
    free(w->buf);
    free(w->path);
    free(w->temp_path);
    free(w);
}

void gguf_writer_abort(gguf_writer *w) {
    if (!w) return;
    if (w->fd >= 0) close(w->fd);
    w->fd = -1;
    if (w->temp_path) unlink(w->temp_path);
    free_writer(w);
}

const char *gguf_writer_temp_path(const gguf_writer *w) { return w ? w->temp_path : NULL; }

const char *gguf_writer_last_error(const gguf_writer *w) {
    if (!w) return "";
    if (w->failed != GQ_OK) return w->failure.message;
    return w->last_error;
}

/* ---------------------------------------------------------------- tensors */

/* Tensor names are checked for repeats with a hash set: a model with tens
 * of thousands of expert tensors would make a pairwise check slow. */
static uint64_t *name_slot(const gguf_writer *w, const char *name, size_t len) {
    uint64_t mask = w->name_cap - 1;
    for (uint64_t i = gguf__hash_bytes((const uint8_t *)name, len) & mask;; i = (i + 1) & mask) {
        uint64_t e = w->name_slots[i];
        if (e == 0) return &w->name_slots[i];
        const writer_tensor *t = &w->tensors[e - 1];
        if (t->name_len == len && memcmp(t->name, name, len) == 0) return &w->name_slots[i];
    }
}

static bool grow_name_set(gguf_writer *w) {
    if ((w->n_tensors + 1) * 2 <= w->name_cap) return true;
    uint64_t cap = w->name_cap ? w->name_cap * 2 : 128;
    if (cap > SIZE_MAX / sizeof(uint64_t)) return false;
    uint64_t *old = w->name_slots;
    uint64_t old_cap = w->name_cap;
    w->name_slots = calloc((size_t)cap, sizeof(uint64_t));
    if (!w->name_slots) {
        w->name_slots = old;
        return false;
    }
    w->name_cap = cap;
    for (uint64_t i = 0; i < old_cap; i++)
        if (old[i]) *name_slot(w, w->tensors[old[i] - 1].name, w->tensors[old[i] - 1].name_len) = old[i];
    free(old);
    return true;
}

gq_status gguf_writer_add_tensor(gguf_writer *w, const char *name, uint32_t n_dims, const uint64_t *ne, uint32_t type,
                                 uint64_t *index) {
    if (!w || !name || !ne) return GQ_ERR_ARG;
    size_t name_len = strlen(name);
    if (w->header_written)
        return gguf__writer_refuse(w, GQ_ERR_ARG, "tensor '%.200s': the tensor index is already written", name);
    if (name_len == 0) return gguf__writer_refuse(w, GQ_ERR_ARG, "tensor %" PRIu64 ": empty name", w->n_tensors);
    if (name_len > GGUF_MAX_NAME)
        return gguf__writer_refuse(w, GQ_ERR_ARG, "tensor '%.64s...': name longer than %d bytes", name, GGUF_MAX_NAME);
    if (!grow_name_set(w)) return gguf__writer_refuse(w, GQ_ERR_NOMEM, "out of memory");
    if (*name_slot(w, name, name_len) != 0)
        return gguf__writer_refuse(w, GQ_ERR_ARG, "tensor '%.200s': added twice", name);
    if (n_dims == 0 || n_dims > GGUF_MAX_DIMS)
        return gguf__writer_refuse(w, GQ_ERR_ARG, "tensor '%.200s': n_dims %" PRIu32 " is not in 1..%d", name, n_dims,
                                   GGUF_MAX_DIMS);
    const gq_type_info *info = gq_type_get(type);
    if (!info || info->removed)
        return gguf__writer_refuse(w, GQ_ERR_ARG, "tensor '%.200s': unknown type id %" PRIu32, name, type);
    uint64_t n = 1;
    for (uint32_t d = 0; d < n_dims; d++) {
        if (ne[d] == 0) return gguf__writer_refuse(w, GQ_ERR_ARG, "tensor '%.200s': dimension %" PRIu32 " is 0", name, d);
        if (gguf__mul_overflows(n, ne[d], &n) || n > (uint64_t)INT64_MAX)
            return gguf__writer_refuse(w, GQ_ERR_ARG, "tensor '%.200s': element count exceeds 2^63-1", name);
    }
    if (ne[0] % info->block_size != 0)
        return gguf__writer_refuse(w, GQ_ERR_ARG,
                                   "tensor '%.200s': %" PRIu64 " elements per row is not a multiple of the %s block size %" PRIu32,
                                   name, ne[0], info->name, info->block_size);
    uint64_t n_bytes;
    if (!gq_type_row_bytes(type, n, &n_bytes) || n_bytes > (uint64_t)INT64_MAX)
        return gguf__writer_refuse(w, GQ_ERR_ARG, "tensor '%.200s': size in bytes exceeds 2^63-1", name);
    if (w->n_tensors == w->tensor_cap) {
        uint64_t cap = w->tensor_cap ? w->tensor_cap * 2 : 64;
        writer_tensor *a = realloc(w->tensors, (size_t)cap * sizeof *a);
        if (!a) return gguf__writer_refuse(w, GQ_ERR_NOMEM, "out of memory");
        w->tensors = a;
        w->tensor_cap = cap;
    }
    writer_tensor *t = &w->tensors[w->n_tensors];
    memset(t, 0, sizeof *t);
    t->name = malloc(name_len + 1);
    if (!t->name) return gguf__writer_refuse(w, GQ_ERR_NOMEM, "out of memory");
    memcpy(t->name, name, name_len + 1);
    t->name_len = name_len;
    t->n_dims = n_dims;
    for (uint32_t d = 0; d < GGUF_MAX_DIMS; d++) t->ne[d] = d < n_dims ? ne[d] : 1;
    t->type = type;
    t->n_bytes = n_bytes;
    if (index) *index = w->n_tensors;
    *name_slot(w, name, name_len) = w->n_tensors + 1;
    w->n_tensors++;
    return GQ_OK;
}

/* ---------------------------------------------------------------- output */

static bool write_header(gguf_writer *w) {
    /* ggml's offsets: each tensor starts where the previous one's padded
     * data ends. */
    uint64_t offset = 0;
    for (uint64_t i = 0; i < w->n_tensors; i++) {
        writer_tensor *t = &w->tensors[i];
        t->offset = offset;
        uint64_t padded;
        if (gguf__pad_overflows(t->n_bytes, w->alignment, &padded) || gguf__add_overflows(offset, padded, &offset)) {
            fail_output(w, GQ_ERR_ARG, "tensor '%.200s': the data section would exceed 2^64 bytes", t->name);
            return false;
        }
    }
    w->header_written = true;
    bool ok = gguf__writer_out(w, GGUF_MAGIC, 4) && gguf__writer_out_u32(w, 3) &&
              gguf__writer_out_u64(w, w->n_tensors) && gguf__writer_out_u64(w, w->n_kv);
    for (size_t i = 0; ok && i < w->n_kv; i++) {
        const writer_kv *kv = &w->kvs[i];
        ok = gguf__writer_out_u64(w, kv->key_len) && gguf__writer_out(w, kv->key, kv->key_len) &&
             gguf__writer_emit_kv_value(w, kv);
    }
    for (uint64_t i = 0; ok && i < w->n_tensors; i++) {
        const writer_tensor *t = &w->tensors[i];
        ok = gguf__writer_out_u64(w, t->name_len) && gguf__writer_out(w, t->name, t->name_len) &&
             gguf__writer_out_u32(w, t->n_dims);
        for (uint32_t d = 0; ok && d < t->n_dims; d++) ok = gguf__writer_out_u64(w, t->ne[d]);
        ok = ok && gguf__writer_out_u32(w, t->type) && gguf__writer_out_u64(w, t->offset);
    }
    /* ggml pads the header even when no tensor follows. */
    ok = ok && out_padding(w);
    if (!ok && w->failed == GQ_OK) fail_output(w, GQ_ERR_IO, "cannot encode the header of '%s'", w->path);
    return ok;
}

static gq_status report_failure(gguf_writer *w, gguf_error *err) {
    if (err) *err = w->failure;
    return w->failed;
}

gq_status gguf_writer_write(gguf_writer *w, const void *data, uint64_t size, gguf_error *err) {
    if (!w || (!data && size)) {
        gguf__set_error(err, GQ_ERR_ARG, false, 0, "gguf_writer_write: missing argument");
        return GQ_ERR_ARG;
    }
    if (w->failed != GQ_OK) return report_failure(w, err);
    if (!w->header_written && !write_header(w)) return report_failure(w, err);
    const uint8_t *p = data;
    while (size > 0) {
        if (w->current >= w->n_tensors) {
            fail_output(w, GQ_ERR_ARG, "'%s': %" PRIu64 " bytes of data beyond the last tensor", w->path, size);
            return report_failure(w, err);
        }
        writer_tensor *t = &w->tensors[w->current];
        uint64_t left = t->n_bytes - w->current_done;
        if (size > left) {
            /* Pieces must not straddle tensors: a size mismatch here is a
             * caller bug that would silently shift every later tensor. */
            fail_output(w, GQ_ERR_ARG, "tensor '%.200s': got %" PRIu64 " bytes with only %" PRIu64 " of its %" PRIu64 " left",
                        t->name, size, left, t->n_bytes);
            return report_failure(w, err);
        }
        if (!gguf__writer_out(w, p, size)) return report_failure(w, err);
        w->current_done += size;
        size = 0;
        if (w->current_done == t->n_bytes) {
            if (!out_padding(w)) return report_failure(w, err);
            w->current++;
            w->current_done = 0;
        }
    }
    return GQ_OK;
}

gq_status gguf_writer_commit(gguf_writer *w, gguf_error *err) {
    if (!w) {
        gguf__set_error(err, GQ_ERR_ARG, false, 0, "gguf_writer_commit: no writer");
        return GQ_ERR_ARG;
    }
    if (w->failed == GQ_OK && !w->header_written) write_header(w);
    if (w->failed == GQ_OK && w->current < w->n_tensors) {
        const writer_tensor *t = &w->tensors[w->current];
        fail_output(w, GQ_ERR_ARG, "tensor '%.200s': only %" PRIu64 " of its %" PRIu64 " bytes were written (%" PRIu64
                    " of %" PRIu64 " tensors complete)",
                    t->name, w->current_done, t->n_bytes, w->current, w->n_tensors);
    }
    if (w->failed == GQ_OK) flush(w);
    if (w->failed == GQ_OK && fsync(w->fd) != 0) {
        int e = errno;
        fail_output(w, status_for_errno(e), "cannot sync '%s': %s", w->temp_path, strerror(e));
    }
    if (w->failed == GQ_OK) {
        int fd = w->fd;
        w->fd = -1;
        if (close(fd) != 0) {
            int e = errno;
            fail_output(w, status_for_errno(e), "cannot close '%s': %s", w->temp_path, strerror(e));
        }
    }
    if (w->failed == GQ_OK && rename(w->temp_path, w->path) != 0) {
        int e = errno;
        fail_output(w, GQ_ERR_IO, "cannot rename '%s' to '%s': %s", w->temp_path, w->path, strerror(e));
    }
    if (w->failed != GQ_OK) {
        gq_status st = report_failure(w, err);
        gguf_writer_abort(w);
        return st;
    }
    /* Make the rename itself durable (best effort: not every filesystem
     * lets a directory be opened and synced). */
    char *dir = strdup(w->path);
    if (dir) {
        char *slash = strrchr(dir, '/');
        const char *d = ".";
        if (slash == dir) d = "/";
        else if (slash) { *slash = 0; d = dir; }
        int dfd = open(d, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd >= 0) {
            (void)fsync(dfd);
            close(dfd);
        }
        free(dir);
    }
    free_writer(w);
    return GQ_OK;
}
