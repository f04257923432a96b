#include "gguf_builder.h"

#include <stdlib.h>
#include <string.h>

#include "gqtest.h"

void gqb_init(gqb *b, uint32_t version, bool big_endian) {
    memset(b, 0, sizeof *b);
    b->version = version;
    b->big_endian = big_endian;
}

void gqb_free(gqb *b) {
    free(b->data);
    memset(b, 0, sizeof *b);
}

size_t gqb_pos(const gqb *b) { return b->len; }

size_t gqb_bytes(gqb *b, const void *p, size_t n) {
    size_t at = b->len;
    if (b->cap - b->len < n) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap - b->len < n) cap *= 2;
        uint8_t *d = realloc(b->data, cap);
        if (!d) fail_msg("gqb: out of memory");
        b->data = d;
        b->cap = cap;
    }
    if (n) memcpy(b->data + b->len, p, n);
    b->len += n;
    return at;
}

size_t gqb_zeros(gqb *b, size_t n) {
    size_t at = b->len;
    static const uint8_t zero[64];
    while (n) {
        size_t k = n < sizeof zero ? n : sizeof zero;
        gqb_bytes(b, zero, k);
        n -= k;
    }
    return at;
}

/* Multi-byte fields, most significant byte first when big-endian. */
static size_t put_int(gqb *b, uint64_t v, int width) {
    uint8_t tmp[8];
    for (int i = 0; i < width; i++) {
        int shift = b->big_endian ? 8 * (width - 1 - i) : 8 * i;
        tmp[i] = (uint8_t)(v >> shift);
    }
    return gqb_bytes(b, tmp, (size_t)width);
}

size_t gqb_u8(gqb *b, uint8_t v) { return gqb_bytes(b, &v, 1); }
size_t gqb_u16(gqb *b, uint16_t v) { return put_int(b, v, 2); }
size_t gqb_u32(gqb *b, uint32_t v) { return put_int(b, v, 4); }
size_t gqb_u64(gqb *b, uint64_t v) { return put_int(b, v, 8); }
size_t gqb_f32(gqb *b, float v) {
    uint32_t bits;
    memcpy(&bits, &v, 4);
    return gqb_u32(b, bits);
}
size_t gqb_f64(gqb *b, double v) {
    uint64_t bits;
    memcpy(&bits, &v, 8);
    return gqb_u64(b, bits);
}

size_t gqb_count(gqb *b, uint64_t v) { return b->version == 1 ? gqb_u32(b, (uint32_t)v) : gqb_u64(b, v); }

size_t gqb_strn(gqb *b, const void *s, size_t n) {
    size_t at = gqb_count(b, n);
    gqb_bytes(b, s, n);
    return at;
}

size_t gqb_str(gqb *b, const char *s) { return gqb_strn(b, s, strlen(s)); }

size_t gqb_header(gqb *b, uint64_t n_tensors, uint64_t n_kv) {
    size_t at = gqb_bytes(b, "GGUF", 4);
    gqb_u32(b, b->version);
    gqb_count(b, n_tensors);
    gqb_count(b, n_kv);
    return at;
}

size_t gqb_kv(gqb *b, const char *key, uint32_t type) {
    size_t at = gqb_str(b, key);
    gqb_u32(b, type);
    return at;
}

size_t gqb_kv_u32(gqb *b, const char *key, uint32_t v) {
    size_t at = gqb_kv(b, key, GQB_U32);
    gqb_u32(b, v);
    return at;
}

size_t gqb_kv_str(gqb *b, const char *key, const char *v) {
    size_t at = gqb_kv(b, key, GQB_STR);
    gqb_str(b, v);
    return at;
}

size_t gqb_kv_array(gqb *b, const char *key, uint32_t elem_type, uint64_t count) {
    size_t at = gqb_kv(b, key, GQB_ARR);
    gqb_u32(b, elem_type);
    gqb_count(b, count);
    return at;
}

size_t gqb_tensor(gqb *b, const char *name, uint32_t n_dims, const uint64_t *ne, uint32_t type, uint64_t offset) {
    size_t at = gqb_str(b, name);
    gqb_u32(b, n_dims);
    for (uint32_t d = 0; d < n_dims; d++) gqb_count(b, ne[d]);
    gqb_u32(b, type);
    gqb_u64(b, offset); /* 64-bit in every version */
    return at;
}

size_t gqb_pad(gqb *b, uint32_t alignment) {
    size_t at = b->len;
    size_t rem = b->len % alignment;
    if (rem) gqb_zeros(b, alignment - rem);
    return at;
}

void gqb_patch_u32(gqb *b, size_t at, uint32_t v) {
    size_t len = b->len;
    b->len = at;
    gqb_u32(b, v);
    b->len = len;
}

void gqb_patch_u64(gqb *b, size_t at, uint64_t v) {
    size_t len = b->len;
    b->len = at;
    gqb_u64(b, v);
    b->len = len;
}

/* ---------------------------------------------------------------- checks */

#include <stdarg.h>
#include <stdio.h>

static struct {
    gguf_file *f;
    void *copy;
} opened[64];

gguf_file *gqb_open_copy(const void *data, size_t len, unsigned flags, gguf_error *err) {
    void *copy = malloc(len ? len : 1);
    if (!copy) fail_msg("gqb: out of memory");
    if (len) memcpy(copy, data, len);
    gguf_file *f = gguf_open_memory(copy, len, flags, err);
    if (!f) {
        free(copy);
        return NULL;
    }
    for (size_t i = 0; i < sizeof opened / sizeof opened[0]; i++) {
        if (!opened[i].f) {
            opened[i].f = f;
            opened[i].copy = copy;
            return f;
        }
    }
    fail_msg("gqb: too many files open at once");
    return NULL;
}

void gqb_close(gguf_file *f) {
    if (!f) return;
    for (size_t i = 0; i < sizeof opened / sizeof opened[0]; i++) {
        if (opened[i].f == f) {
            gguf_close(f);
            free(opened[i].copy);
            opened[i].f = NULL;
            opened[i].copy = NULL;
            return;
        }
    }
    gguf_close(f);
}

static void expect_error_v(const void *data, size_t len, unsigned flags, gq_status status, uint64_t offset,
                           va_list ap) {
    gguf_error err;
    memset(&err, 0, sizeof err);
    gguf_file *f = gqb_open_copy(data, len, flags, &err);
    if (f) {
        gqb_close(f);
        fail_msg("expected the open to fail (status %d at byte %llu) but it succeeded", (int)status,
                 (unsigned long long)offset);
    }
    if (err.status != status || !err.has_offset || err.offset != offset)
        fail_msg("expected status %d at byte %llu, got status %d at byte %llu%s: %s", (int)status,
                 (unsigned long long)offset, (int)err.status, (unsigned long long)err.offset,
                 err.has_offset ? "" : " (no offset)", err.message);
    const char *needle;
    while ((needle = va_arg(ap, const char *)) != NULL)
        if (!strstr(err.message, needle)) fail_msg("message lacks \"%s\": %s", needle, err.message);
    /* The offset is repeated at the end of the message. */
    char suffix[64];
    snprintf(suffix, sizeof suffix, "(at byte %llu)", (unsigned long long)offset);
    if (!strstr(err.message, suffix)) fail_msg("message lacks \"%s\": %s", suffix, err.message);
}

void gqb_expect_error(const gqb *b, unsigned flags, gq_status status, uint64_t offset, ...) {
    va_list ap;
    va_start(ap, offset);
    expect_error_v(b->data, b->len, flags, status, offset, ap);
    va_end(ap);
}

void gqb_expect_error_bytes(const void *data, size_t len, unsigned flags, gq_status status, uint64_t offset, ...) {
    va_list ap;
    va_start(ap, offset);
    expect_error_v(data, len, flags, status, offset, ap);
    va_end(ap);
}

gguf_file *gqb_expect_open(const gqb *b, unsigned flags) {
    gguf_error err;
    memset(&err, 0, sizeof err);
    gguf_file *f = gqb_open_copy(b->data, b->len, flags, &err);
    if (!f) fail_msg("expected the open to succeed: %s", err.message);
    return f;
}

const char *gqb_cstr(gguf_str s) {
    static char bufs[4][4096];
    static int next;
    char *b = bufs[next++ & 3];
    size_t n = s.len < sizeof bufs[0] - 1 ? (size_t)s.len : sizeof bufs[0] - 1;
    if (n) memcpy(b, s.ptr, n);
    b[n] = 0;
    return b;
}
