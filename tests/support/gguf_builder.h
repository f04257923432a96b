/* Build GGUF bytes by hand, for tests.
 *
 * Deliberately independent of libgguf's writer: a test that builds a file
 * with this and reads it with the library checks the reader against a
 * second, simple encoding of the format, and a hostile file is just a
 * valid one with one field written wrong.  Every writer returns the offset
 * where it started writing, so a test can say exactly which byte an error
 * must point at. */
#ifndef GQ_TEST_GGUF_BUILDER_H
#define GQ_TEST_GGUF_BUILDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct gqb {
    uint8_t *data;
    size_t len, cap;
    uint32_t version;  /* 1: 32-bit counts/lengths/dims; 2, 3: 64-bit */
    bool big_endian;   /* multi-byte fields written big-endian */
} gqb;

/* GGUF value type ids (the format's numbers, spelled out here again so the
 * builder does not depend on the library's header). */
enum {
    GQB_U8 = 0, GQB_I8 = 1, GQB_U16 = 2, GQB_I16 = 3, GQB_U32 = 4, GQB_I32 = 5, GQB_F32 = 6,
    GQB_BOOL = 7, GQB_STR = 8, GQB_ARR = 9, GQB_U64 = 10, GQB_I64 = 11, GQB_F64 = 12,
};

void gqb_init(gqb *b, uint32_t version, bool big_endian);
void gqb_free(gqb *b);
size_t gqb_pos(const gqb *b);

size_t gqb_bytes(gqb *b, const void *p, size_t n);
size_t gqb_zeros(gqb *b, size_t n);
size_t gqb_u8(gqb *b, uint8_t v);
size_t gqb_u16(gqb *b, uint16_t v);
size_t gqb_u32(gqb *b, uint32_t v);
size_t gqb_u64(gqb *b, uint64_t v);
size_t gqb_f32(gqb *b, float v);
size_t gqb_f64(gqb *b, double v);
/* A count/length/dimension: 32 bits in v1, 64 bits since v2. */
size_t gqb_count(gqb *b, uint64_t v);
/* A GGUF string: length then bytes. */
size_t gqb_str(gqb *b, const char *s);
size_t gqb_strn(gqb *b, const void *s, size_t n);

/* "GGUF", version, tensor count, kv count. */
size_t gqb_header(gqb *b, uint64_t n_tensors, uint64_t n_kv);

/* A kv's key and value type; the caller writes the payload.  Returns the
 * offset of the key (= of the kv). */
size_t gqb_kv(gqb *b, const char *key, uint32_t type);
size_t gqb_kv_u32(gqb *b, const char *key, uint32_t v);
size_t gqb_kv_str(gqb *b, const char *key, const char *v);
/* An array kv header: key, ARRAY, element type, count. */
size_t gqb_kv_array(gqb *b, const char *key, uint32_t elem_type, uint64_t count);

/* A tensor info; returns its offset.  ne has n_dims entries. */
size_t gqb_tensor(gqb *b, const char *name, uint32_t n_dims, const uint64_t *ne, uint32_t type, uint64_t offset);

/* Zero bytes up to the next multiple of `alignment`. */
size_t gqb_pad(gqb *b, uint32_t alignment);

/* Overwrite 4 or 8 bytes at `at` (in the builder's byte order). */
void gqb_patch_u32(gqb *b, size_t at, uint32_t v);
void gqb_patch_u64(gqb *b, size_t at, uint64_t v);


/* ---- checking what libgguf makes of built bytes ---- */
#include "gq/gguf.h"

/* Open bytes through a heap copy of exactly `len` bytes, so that the
 * sanitizer build catches any read past the end.  Close with gqb_close. */
gguf_file *gqb_open_copy(const void *data, size_t len, unsigned flags, gguf_error *err);
void gqb_close(gguf_file *f);

/* Assert that opening b's bytes fails with `status`, `offset` (has_offset
 * set) and a message containing every string of the NULL-terminated list. */
void gqb_expect_error(const gqb *b, unsigned flags, gq_status status, uint64_t offset, ...);
/* Same for any bytes. */
void gqb_expect_error_bytes(const void *data, size_t len, unsigned flags, gq_status status, uint64_t offset, ...);
/* Assert that b's bytes open; close with gqb_close. */
gguf_file *gqb_expect_open(const gqb *b, unsigned flags);

/* "<len bytes>" of a gguf_str as a NUL-terminated static string. */
const char *gqb_cstr(gguf_str s);

#endif
