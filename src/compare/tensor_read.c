/* Reading tensor data for the error pass (tensor_read.h). */
#include "compare/tensor_read.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#if defined(__linux__)
#include <sys/mman.h>
#endif

#include "gq/quant.h"

typedef struct part_fd {
    const gguf_file *f;
    int fd; /* -1: read through the reader */
} part_fd;

struct cmp_parts {
    size_t n;
    size_t page;
    part_fd *fds;
};

cmp_parts *cmp_parts_open(const cmp_report *r) {
    cmp_parts *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    for (size_t i = 0; i < r->n_inputs; i++) p->n += r->inputs[i]->n_parts;
    if (!(p->fds = calloc(p->n ? p->n : 1, sizeof *p->fds))) {
        free(p);
        return NULL;
    }
    long page = sysconf(_SC_PAGESIZE);
    p->page = page > 0 ? (size_t)page : 4096;
    size_t k = 0;
    for (size_t i = 0; i < r->n_inputs; i++) {
        const cmp_model *m = r->inputs[i];
        for (size_t j = 0; j < m->n_parts; j++, k++) {
            part_fd *pf = &p->fds[k];
            pf->f = m->parts[j];
            pf->fd = open(m->part_paths[j], O_RDONLY | O_CLOEXEC);
            /* The reader validated the file it opened; a file replaced
             * since then shows up as another size and is read through the
             * reader instead, which checks every read. */
            struct stat st;
            if (pf->fd >= 0 && (fstat(pf->fd, &st) != 0 || (uint64_t)st.st_size != gguf_file_size(pf->f))) {
                close(pf->fd);
                pf->fd = -1;
            }
#if defined(POSIX_FADV_SEQUENTIAL)
            /* Cold caches: each file is read front to back, read ahead generously. */
            if (pf->fd >= 0) (void)posix_fadvise(pf->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
        }
    }
    return p;
}

void cmp_parts_close(cmp_parts *p) {
    if (!p) return;
    for (size_t i = 0; i < p->n; i++)
        if (p->fds[i].fd >= 0) close(p->fds[i].fd);
    free(p->fds);
    free(p);
}

static int fd_of(const cmp_parts *p, const gguf_file *f) {
    for (size_t i = 0; i < p->n; i++)
        if (p->fds[i].f == f) return p->fds[i].fd;
    return -1;
}

cmp_result_status cmp_source_prepare(cmp_source *s, const cmp_parts *parts, const gguf_file *f,
                                     const gguf_tensor *t) {
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
    s->fd = fd_of(parts, f);
    s->data_pos = gguf_data_offset(f) + t->offset;
    s->page = parts->page;
    return CMP_R_OK;
}

static bool pread_all(int fd, uint8_t *dst, uint64_t n, uint64_t pos) {
    while (n) {
        size_t want = n > ((size_t)1 << 30) ? (size_t)1 << 30 : (size_t)n;
        ssize_t got = pread(fd, dst, want, (off_t)pos);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) return false; /* an error, or the file shrank */
        dst += got;
        pos += (uint64_t)got;
        n -= (uint64_t)got;
    }
    return true;
}

/* Give the map pages that lie wholly inside [p, p+n) back to the kernel
 * (reads through the reader copy out of its map: without this the process
 * would grow to the size of the model). */
static void release_pages(size_t page_size, const uint8_t *p, uint64_t n) {
#if defined(__linux__) && defined(MADV_DONTNEED)
    uintptr_t page = page_size;
    uintptr_t start = ((uintptr_t)p + page - 1) & ~(page - 1);
    uintptr_t end = ((uintptr_t)p + (uintptr_t)n) & ~(page - 1);
    if (end > start) (void)madvise((void *)start, end - start, MADV_DONTNEED);
#else
    (void)page_size;
    (void)p;
    (void)n;
#endif
}

static void swap_bytes(uint8_t *p, uint64_t n_bytes, unsigned width) {
    for (uint64_t i = 0; i + width <= n_bytes; i += width)
        for (unsigned a = 0, b = width - 1; a < b; a++, b--) {
            uint8_t t = p[i + a];
            p[i + a] = p[i + b];
            p[i + b] = t;
        }
}

bool cmp_source_read(const cmp_source *s, uint64_t e0, uint64_t len, uint8_t *raw) {
    uint64_t off = cmp_source_bytes(s, e0), bytes = cmp_source_bytes(s, len);
    if (s->fd >= 0) {
        if (!pread_all(s->fd, raw, bytes, s->data_pos + off)) return false;
    } else {
        gguf_error err;
        if (gguf_read_tensor(s->f, s->t, off, raw, bytes, &err) != GQ_OK) return false;
        const uint8_t *map = gguf_tensor_data(s->f, s->t);
        if (map) release_pages(s->page, map + off, bytes);
    }
    if (s->swap_width) swap_bytes(raw, bytes, s->swap_width);
    return true;
}

bool cmp_source_floats(const cmp_source *s, const uint8_t *raw, uint64_t e0, uint64_t len, float *dst) {
    return gq_dequantize(s->t->type, raw + cmp_source_bytes(s, e0), dst, (int64_t)len) == GQ_OK;
}
