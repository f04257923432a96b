/* Opening a GGUF file: where its bytes come from, and access to them.
 *
 * The whole file is memory-mapped when the platform has mmap (opening a
 * multi-GB model then touches only the pages of its header); otherwise,
 * or with GGUF_OPEN_NO_MMAP / GGUF_OPEN_HEADER_ONLY, only the header is
 * read, and tensor data is read with pread() on request. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#if defined(_POSIX_MAPPED_FILES) && _POSIX_MAPPED_FILES > 0
#include <sys/mman.h>
#define GQ_HAVE_MMAP 1
#else
#define GQ_HAVE_MMAP 0
#endif

#include "gguf_internal.h"

static gguf_file *new_file(unsigned flags) {
    gguf_file *f = calloc(1, sizeof *f);
    if (!f) return NULL;
    f->fd = -1;
    f->flags = flags;
    return f;
}

static gguf_file *finish_open(gguf_file *f, gguf_error *err) {
    gguf_error local;
    if (!err) err = &local;
    memset(err, 0, sizeof *err);
    if (gguf__parse(f, err) != GQ_OK) {
        gguf_close(f);
        return NULL;
    }
    return f;
}

gguf_file *gguf_open_memory(const void *data, size_t size, unsigned flags, gguf_error *err) {
    if (!data && size) {
        gguf__set_error(err, GQ_ERR_ARG, false, 0, "no data");
        return NULL;
    }
    gguf_file *f = new_file(flags);
    if (!f) {
        gguf__set_error(err, GQ_ERR_NOMEM, false, 0, "out of memory");
        return NULL;
    }
    static const uint8_t empty[1];
    f->bytes = data ? data : empty;
    f->bytes_len = f->file_size = size;
    f->backing = GGUF_BACKING_MEMORY;
    return finish_open(f, err);
}

gguf_file *gguf_open(const char *path, unsigned flags, gguf_error *err) {
    if (!path) {
        gguf__set_error(err, GQ_ERR_ARG, false, 0, "no path");
        return NULL;
    }
    int fd;
    do fd = open(path, O_RDONLY | O_CLOEXEC);
    while (fd < 0 && errno == EINTR);
    if (fd < 0) {
        gguf__set_error(err, GQ_ERR_IO, false, 0, "cannot open '%s': %s", path, strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        gguf__set_error(err, GQ_ERR_IO, false, 0, "cannot stat '%s': %s", path, strerror(errno));
        close(fd);
        return NULL;
    }
    if (!S_ISREG(st.st_mode)) {
        /* A pipe or device has no size to check lengths against. */
        gguf__set_error(err, GQ_ERR_IO, false, 0, "'%s' is not a regular file", path);
        close(fd);
        return NULL;
    }
    gguf_file *f = new_file(flags);
    if (!f) {
        gguf__set_error(err, GQ_ERR_NOMEM, false, 0, "out of memory");
        close(fd);
        return NULL;
    }
    f->fd = fd;
    f->file_size = (uint64_t)st.st_size;
    f->backing = GGUF_BACKING_HEADER;
#if GQ_HAVE_MMAP
    if (!(flags & (GGUF_OPEN_NO_MMAP | GGUF_OPEN_HEADER_ONLY)) && f->file_size > 0 && f->file_size <= SIZE_MAX) {
        void *m = mmap(NULL, (size_t)f->file_size, PROT_READ, MAP_SHARED, fd, 0);
        if (m != MAP_FAILED) {
            f->map_addr = m;
            f->map_len = (size_t)f->file_size;
            f->bytes = m;
            f->bytes_len = f->file_size;
            f->backing = GGUF_BACKING_MAP;
        }
        /* else: fall back to reading the header */
    }
#endif
    return finish_open(f, err);
}

void gguf_close(gguf_file *f) {
    if (!f) return;
#if GQ_HAVE_MMAP
    if (f->map_addr) munmap(f->map_addr, f->map_len);
#endif
    if (f->fd >= 0) close(f->fd);
    free(f->header_buf);
    free(f->kvs);
    free(f->tensors);
    gguf__name_set_free(&f->key_set);
    gguf__name_set_free(&f->tensor_set);
    for (size_t i = 0; i < f->n_warnings; i++) free(f->warnings[i]);
    free(f->warnings);
    free(f);
}

/* ---------------------------------------------------------------- header */

uint32_t gguf_version(const gguf_file *f) { return f ? f->version : 0; }
bool gguf_is_big_endian(const gguf_file *f) { return f && f->big_endian; }
uint64_t gguf_file_size(const gguf_file *f) { return f ? f->file_size : 0; }
uint32_t gguf_alignment(const gguf_file *f) { return f ? f->alignment : 0; }
uint64_t gguf_data_offset(const gguf_file *f) { return f ? f->data_offset : 0; }
uint64_t gguf_header_size(const gguf_file *f) { return f ? f->header_size : 0; }

size_t gguf_warning_count(const gguf_file *f) { return f ? f->n_warnings : 0; }
const char *gguf_warning(const gguf_file *f, size_t i) {
    return f && i < f->n_warnings ? f->warnings[i] : NULL;
}

/* ---------------------------------------------------------------- tensors */

uint64_t gguf_tensor_count(const gguf_file *f) { return f ? f->n_tensors : 0; }

const gguf_tensor *gguf_get_tensor(const gguf_file *f, uint64_t i) {
    return f && i < f->n_tensors ? &f->tensors[i] : NULL;
}

int64_t gguf_find_tensor(const gguf_file *f, const char *name) {
    if (!f || !name) return -1;
    uint64_t i = gguf__name_set_find(&f->tensor_set, f, gguf__tensor_name, (const uint8_t *)name, strlen(name));
    return i == UINT64_MAX ? -1 : (int64_t)i;
}

bool gguf_all_types_known(const gguf_file *f) { return f && f->all_types_known; }

const void *gguf_tensor_data(const gguf_file *f, const gguf_tensor *t) {
    if (!f || !t || !t->type_known) return NULL;
    if (f->backing == GGUF_BACKING_HEADER) return NULL;
    return f->bytes + f->data_offset + t->offset; /* inside the file: checked at open */
}

gq_status gguf_read_tensor(const gguf_file *f, const gguf_tensor *t, uint64_t start, void *dst, uint64_t size,
                           gguf_error *err) {
    if (!f || !t || (!dst && size)) {
        gguf__set_error(err, GQ_ERR_ARG, false, 0, "gguf_read_tensor: missing argument");
        return GQ_ERR_ARG;
    }
    /* A mapped file may have shrunk since it was opened.  The name lives in
     * the map too, so the size is looked at before the name is read for a
     * message: touching a page past the new end raises SIGBUS. */
    uint64_t live_size = f->file_size;
    if (f->backing == GGUF_BACKING_MAP) {
        struct stat st;
        if (fstat(f->fd, &st) != 0) {
            gguf__set_error(err, GQ_ERR_IO, false, 0, "tensor at byte %" PRIu64 ": cannot stat the file: %s",
                            t->info_offset, strerror(errno));
            return GQ_ERR_IO;
        }
        live_size = (uint64_t)st.st_size;
    }
    char name[160];
    const uint64_t name_at = (uint64_t)((const uint8_t *)t->name.ptr - f->bytes);
    if (name_at <= live_size && t->name.len <= live_size - name_at)
        gguf__describe_bytes((const uint8_t *)t->name.ptr, t->name.len, name, sizeof name);
    else
        snprintf(name, sizeof name, "at byte %" PRIu64 " (its name is past the file's new end)", t->info_offset);
    if (!t->type_known) {
        gguf__set_error(err, GQ_ERR_UNSUPPORTED, false, 0, "tensor '%s': type id %" PRIu32 " is unknown, its size too",
                        name, t->type);
        return GQ_ERR_UNSUPPORTED;
    }
    if (start > t->n_bytes || size > t->n_bytes - start) {
        gguf__set_error(err, GQ_ERR_ARG, false, 0,
                        "tensor '%s': bytes [%" PRIu64 ", +%" PRIu64 ") are outside its %" PRIu64 " bytes", name, start,
                        size, t->n_bytes);
        return GQ_ERR_ARG;
    }
    const uint64_t pos = f->data_offset + t->offset + start; /* no overflow: inside the file */
    if (size == 0) return GQ_OK;
    if (f->backing == GGUF_BACKING_MEMORY) {
        memcpy(dst, f->bytes + pos, (size_t)size);
        return GQ_OK;
    }
    if (f->backing == GGUF_BACKING_MAP) {
        /* Touching a page past the end of a file that was truncated after
         * it was mapped raises SIGBUS: the size was looked at above. */
        if (live_size < pos + size) {
            gguf__set_error(err, GQ_ERR_IO, true, pos,
                            "tensor '%s': file shrank while open (now %" PRIu64 " bytes, the tensor ends at %" PRIu64 ")",
                            name, live_size, pos + size);
            return GQ_ERR_IO;
        }
        memcpy(dst, f->bytes + pos, (size_t)size);
        return GQ_OK;
    }
    uint8_t *out = dst;
    uint64_t done = 0;
    while (done < size) {
        uint64_t chunk = size - done;
        if (chunk > (1u << 30)) chunk = 1u << 30;
        ssize_t n = pread(f->fd, out + done, (size_t)chunk, (off_t)(pos + done));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            gguf__set_error(err, GQ_ERR_IO, true, pos + done, "tensor '%s': read failed: %s", name, strerror(errno));
            return GQ_ERR_IO;
        }
        if (n == 0) {
            gguf__set_error(err, GQ_ERR_IO, true, pos + done, "tensor '%s': file shrank while open", name);
            return GQ_ERR_IO;
        }
        done += (uint64_t)n;
    }
    return GQ_OK;
}
