/* Internals shared by the GGUF reader, value access and writer.
 *
 * A gguf_file keeps the file's bytes from offset 0 in `bytes`: the whole
 * file when it is memory-mapped or was handed over in memory, only the
 * header otherwise.  Everything the public structs point at (keys, string
 * values, tensor names) lives in those bytes; nothing is copied. */
#ifndef GQ_GGUF_INTERNAL_H
#define GQ_GGUF_INTERNAL_H

#include <stdarg.h>
#include <string.h>

#include "gq/gguf.h"

/* Where the bytes behind a gguf_file come from. */
enum gguf_backing {
    GGUF_BACKING_MEMORY, /* gguf_open_memory: caller's buffer, whole file */
    GGUF_BACKING_MAP,    /* mmap of the whole file */
    GGUF_BACKING_HEADER, /* pread into a buffer holding the header only */
};

/* An open-addressing set of names (keys or tensor names) that lives beside
 * the file: entries point into the file's bytes by position, so the set
 * survives the header buffer moving while it grows. */
typedef struct gguf_name_set {
    uint64_t *slots; /* entry index + 1, 0 = empty */
    uint64_t cap;    /* power of two */
    uint64_t used;
} gguf_name_set;

struct gguf_file {
    const uint8_t *bytes; /* file bytes from offset 0 */
    uint64_t bytes_len;   /* how many of them are in memory */
    uint64_t file_size;
    enum gguf_backing backing;
    int fd;               /* -1 for memory files */
    void *map_addr;
    size_t map_len;
    uint8_t *header_buf;  /* owned buffer for GGUF_BACKING_HEADER */
    uint64_t header_cap;  /* its capacity (bytes_len of it are read) */
    unsigned flags;

    uint32_t version;
    bool big_endian;
    uint32_t alignment;
    uint64_t header_size;
    uint64_t data_offset;

    uint64_t n_kv;
    gguf_kv *kvs;
    gguf_name_set key_set; /* first occurrence of each key */

    uint64_t n_tensors;
    gguf_tensor *tensors;
    gguf_name_set tensor_set;
    bool all_types_known;

    char **warnings;
    size_t n_warnings;
    uint64_t n_warnings_dropped;
};

/* ---- byte access (positions already validated) ---- */

static inline uint16_t gguf__swap16(uint16_t v) { return (uint16_t)((v >> 8) | (v << 8)); }
static inline uint32_t gguf__swap32(uint32_t v) {
    return (v >> 24) | ((v >> 8) & 0xff00u) | ((v << 8) & 0xff0000u) | (v << 24);
}
static inline uint64_t gguf__swap64(uint64_t v) {
    return ((uint64_t)gguf__swap32((uint32_t)v) << 32) | gguf__swap32((uint32_t)(v >> 32));
}

/* Read a header field in the file's byte order as a host value.  gq runs on
 * little-endian hosts (see src/types/blocks.h), so a big-endian file's
 * fields are swapped on every read and a little-endian file's are not. */
static inline uint16_t gguf__u16(const gguf_file *f, uint64_t pos) {
    uint16_t v;
    memcpy(&v, f->bytes + pos, 2);
    return f->big_endian ? gguf__swap16(v) : v;
}
static inline uint32_t gguf__u32(const gguf_file *f, uint64_t pos) {
    uint32_t v;
    memcpy(&v, f->bytes + pos, 4);
    return f->big_endian ? gguf__swap32(v) : v;
}
static inline uint64_t gguf__u64(const gguf_file *f, uint64_t pos) {
    uint64_t v;
    memcpy(&v, f->bytes + pos, 8);
    return f->big_endian ? gguf__swap64(v) : v;
}

/* GGUF v1 stored string lengths, array lengths, counts and dimensions in 32
 * bits; v2 widened them to 64. */
static inline uint64_t gguf__count_width(uint32_t version) { return version == 1 ? 4 : 8; }
static inline uint64_t gguf__count(const gguf_file *f, uint64_t pos) {
    return f->version == 1 ? gguf__u32(f, pos) : gguf__u64(f, pos);
}

/* Encoded size of a fixed-size value type, 0 for STRING, ARRAY and
 * anything unknown. */
uint64_t gguf__fixed_size(uint32_t type);

/* Decode the value of `type` whose payload starts at `pos` (after its type
 * field for a kv; the element itself for an array element).  Sets
 * out->offset = pos and out->size = payload size; *end = pos + size.
 * False when the bytes in memory do not hold it (never, for a file that
 * passed validation). */
bool gguf__decode_payload(const gguf_file *f, uint32_t type, uint64_t pos, gguf_value *out,
                          uint64_t *end);

/* ---- errors and warnings ---- */

void gguf__set_error(gguf_error *err, gq_status status, bool has_offset, uint64_t offset,
                     const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 5, 6)))
#endif
    ;

/* A printable, bounded rendering of bytes from a file (keys, names) for
 * messages: non-printable bytes become \xNN, long strings are cut with
 * "...". */
void gguf__describe_bytes(const uint8_t *p, uint64_t len, char *out, size_t out_size);

/* Record a warning; false when out of memory. */
bool gguf__warn(gguf_file *f, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* After parsing: append "... and N more warnings" when some were dropped. */
void gguf__finish_warnings(gguf_file *f);

/* ---- name sets ---- */

/* Resolves an entry index to its bytes. */
typedef void (*gguf_name_of_fn)(const gguf_file *f, uint64_t index, const uint8_t **p, uint64_t *len);

uint64_t gguf__hash_bytes(const uint8_t *p, uint64_t len);
/* The entry with these bytes, or UINT64_MAX. */
uint64_t gguf__name_set_find(const gguf_name_set *s, const gguf_file *f, gguf_name_of_fn name_of,
                             const uint8_t *p, uint64_t len);
/* Add entry `index` (whose bytes are not in the set yet); false on ENOMEM. */
bool gguf__name_set_add(gguf_name_set *s, const gguf_file *f, gguf_name_of_fn name_of, uint64_t index);
void gguf__name_set_free(gguf_name_set *s);

void gguf__kv_name(const gguf_file *f, uint64_t index, const uint8_t **p, uint64_t *len);
void gguf__tensor_name(const gguf_file *f, uint64_t index, const uint8_t **p, uint64_t *len);

/* ---- parsing ---- */

/* Validate the header of f (fields bytes/file_size/backing/fd/flags set);
 * fills everything else.  On failure f keeps what it allocated for
 * gguf_close to free. */
gq_status gguf__parse(gguf_file *f, gguf_error *err);

/* Arithmetic that reports overflow instead of wrapping. */
static inline bool gguf__add_overflows(uint64_t a, uint64_t b, uint64_t *sum) {
    *sum = a + b;
    return *sum < a;
}
static inline bool gguf__mul_overflows(uint64_t a, uint64_t b, uint64_t *product) {
    if (a != 0 && b > UINT64_MAX / a) return true;
    *product = a * b;
    return false;
}
/* a rounded up to a multiple of the power of two `align`; false on overflow. */
static inline bool gguf__pad_overflows(uint64_t a, uint64_t align, uint64_t *padded) {
    uint64_t t;
    if (gguf__add_overflows(a, align - 1, &t)) return true;
    *padded = t & ~(align - 1);
    return false;
}

#endif
