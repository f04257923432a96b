/* Fuzz entry points: see entries.h.  Plain C with no test framework, so
 * the same file builds into the libFuzzer targets and into the cmocka
 * tests (which #include it). */
#include "entries.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gq/imatrix.h"
#include "gq/quant.h"
#include "gq/types.h"

/* Bounds that keep one input cheap, whatever it claims. */
#define FUZZ_MAX_ROW_VALUES (1u << 16) /* values dequantized per tensor */
#define FUZZ_MAX_TENSORS_DECODED 64u
#define FUZZ_MAX_DEQUANT_BLOCKS 4096u
#define FUZZ_MAX_ELEMENTS_WALKED 4096u /* per array, besides the probes */

static void fuzz_broken(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2), noreturn))
#endif
    ;

/* A promise of the library does not hold: say which, and stop here so the
 * fuzzer keeps the input (and a test fails). */
static void fuzz_broken(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fputs("gq fuzz: broken promise: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    abort();
}

#define REQUIRE(cond, ...)                                                                                 \
    do {                                                                                                   \
        if (!(cond)) fuzz_broken(__VA_ARGS__);                                                             \
    } while (0)

/* Results go through a volatile sink so the compiler keeps every read. */
static volatile uint64_t fuzz_sink;

/* ---------------------------------------------------------------- GGUF */

typedef struct header_view {
    const uint8_t *base; /* the header bytes as libgguf holds them */
    uint64_t len;
} header_view;

static void require_in_header(const header_view *h, const void *p, uint64_t len, const char *what) {
    const uint8_t *q = p;
    REQUIRE(len == 0 || (q >= h->base && len <= h->len && (uint64_t)(q - h->base) <= h->len - len),
            "%s (%" PRIu64 " bytes) does not point into the header", what, len);
    if (len) fuzz_sink += q[0] + q[len - 1];
}

static bool same_value_position(const gguf_value *a, const gguf_value *b) {
    return a->type == b->type && a->offset == b->offset && a->size == b->size;
}

static void walk_value(const gguf_file *f, const header_view *h, const gguf_value *v, unsigned depth);

/* Every element by iterator; a few by index, which must agree. */
static void walk_array(const gguf_file *f, const header_view *h, const gguf_value *arr, unsigned depth) {
    REQUIRE(depth <= GGUF_MAX_ARRAY_DEPTH, "arrays nest %u deep", depth);
    const uint64_t len = arr->v.arr.len;
    const uint64_t probes[3] = { 0, len / 2, len ? len - 1 : 0 };
    gguf_value probed[3];
    bool probe_ok[3] = { false, false, false };
    for (int k = 0; k < 3 && len; k++) probe_ok[k] = gguf_array_get(f, arr, probes[k], &probed[k]);
    gguf_array_iter it;
    gguf_array_iter_init(&it, f, arr);
    gguf_value e;
    uint64_t i = 0;
    /* a 262,144-token vocabulary would make every input take 100+ ms:
     * walk the first elements; the probes still reach the middle and end */
    const uint64_t walked = len < FUZZ_MAX_ELEMENTS_WALKED ? len : FUZZ_MAX_ELEMENTS_WALKED;
    while (i < walked && gguf_array_next(&it, &e)) {
        REQUIRE(e.type == arr->v.arr.type, "array element %" PRIu64 " has type %d, the array says %d", i,
                (int)e.type, (int)arr->v.arr.type);
        for (int k = 0; k < 3; k++)
            if (len && probes[k] == i)
                REQUIRE(probe_ok[k] && same_value_position(&probed[k], &e),
                        "gguf_array_get(%" PRIu64 ") disagrees with the iterator", i);
        walk_value(f, h, &e, depth);
        i++;
    }
    REQUIRE(i == walked, "the iterator gave %" PRIu64 " of %" PRIu64 " elements", i, len);
    for (int k = 0; k < 3; k++)
        if (len && probes[k] >= walked) {
            REQUIRE(probe_ok[k] && probed[k].type == arr->v.arr.type, "gguf_array_get(%" PRIu64 ") failed", probes[k]);
            walk_value(f, h, &probed[k], depth);
        }
    gguf_value past;
    REQUIRE(!gguf_array_get(f, arr, len, &past), "gguf_array_get past the end succeeded");
}

static void walk_value(const gguf_file *f, const header_view *h, const gguf_value *v, unsigned depth) {
    switch (v->type) {
    case GGUF_TYPE_STRING: require_in_header(h, v->v.str.ptr, v->v.str.len, "a string"); break;
    case GGUF_TYPE_ARRAY: walk_array(f, h, v, depth + 1); break;
    case GGUF_TYPE_FLOAT32:
    case GGUF_TYPE_FLOAT64: fuzz_sink += isnan(v->v.f64) ? 1u : 0u; break;
    case GGUF_TYPE_BOOL: fuzz_sink += v->v.b; break;
    default: fuzz_sink += v->v.u64; break;
    }
}

/* Key bytes as a C string, when they make one. */
static bool key_cstr(gguf_str s, char *out, size_t out_size) {
    if (s.len >= out_size || memchr(s.ptr, 0, (size_t)s.len)) return false;
    memcpy(out, s.ptr, (size_t)s.len);
    out[s.len] = 0;
    return true;
}

static void walk_kvs(const gguf_file *f, const header_view *h) {
    const uint64_t n = gguf_kv_count(f);
    for (uint64_t i = 0; i < n; i++) {
        const gguf_kv *kv = gguf_get_kv(f, i);
        REQUIRE(kv != NULL, "kv %" PRIu64 " of %" PRIu64 " is NULL", i, n);
        require_in_header(h, kv->key.ptr, kv->key.len, "a key");
        REQUIRE(gguf_raw(f, kv->offset, kv->value.offset + kv->value.size - kv->offset) != NULL,
                "kv %" PRIu64 "'s raw bytes are not available", i);
        walk_value(f, h, &kv->value, 0);
        char key[4096];
        if (!key_cstr(kv->key, key, sizeof key)) continue;
        int64_t found = gguf_find_key(f, key);
        REQUIRE(found >= 0 && (uint64_t)found <= i, "gguf_find_key lost kv %" PRIu64, i);
        REQUIRE(kv->duplicate ? (uint64_t)found < i : (uint64_t)found == i,
                "gguf_find_key gives kv %" PRId64 " for kv %" PRIu64 " (duplicate: %d)", found, i, kv->duplicate);
        uint64_t u;
        int64_t s;
        double d;
        bool b;
        gguf_str str;
        fuzz_sink += gguf_get_u64(f, key, &u) + gguf_get_i64(f, key, &s) + gguf_get_f64(f, key, &d) +
                     gguf_get_bool(f, key, &b);
        if (gguf_get_str(f, key, &str)) {
            REQUIRE(gguf_get_kv(f, (uint64_t)found)->value.type == GGUF_TYPE_STRING, "gguf_get_str on a non-string");
            require_in_header(h, str.ptr, str.len, "a string from gguf_get_str");
        }
    }
    REQUIRE(gguf_get_kv(f, n) == NULL, "gguf_get_kv past the end is not NULL");
}

/* Dequantize the first row (or its first FUZZ_MAX_ROW_VALUES values). */
static void decode_first_row(const gguf_file *f, const gguf_tensor *t) {
    const gq_type_info *info = gq_type_get(t->type);
    if (!info || !gq_can_dequantize(t->type)) return;
    uint64_t n = t->ne[0] < FUZZ_MAX_ROW_VALUES ? t->ne[0] : FUZZ_MAX_ROW_VALUES;
    n -= n % info->block_size;
    if (n == 0) return;
    const uint64_t bytes = n / info->block_size * info->type_size;
    uint8_t *src = malloc((size_t)bytes);
    float *dst = malloc((size_t)n * sizeof *dst);
    if (src && dst) {
        gguf_error err;
        gq_status st = gguf_read_tensor(f, t, 0, src, bytes, &err);
        REQUIRE(st == GQ_OK, "reading the first row of a validated tensor failed: %s", err.message);
        REQUIRE(gq_dequantize(t->type, src, dst, (int64_t)n) == GQ_OK, "dequantizing a %s row failed", info->name);
        uint32_t bits;
        memcpy(&bits, &dst[n - 1], 4);
        fuzz_sink += bits;
    }
    free(src);
    free(dst);
}

static void walk_tensors(const gguf_file *f, const header_view *h) {
    const uint64_t n = gguf_tensor_count(f);
    const uint64_t file_size = gguf_file_size(f), data_offset = gguf_data_offset(f);
    REQUIRE(n == 0 || data_offset <= file_size, "the data section starts past the end of the file");
    uint64_t decoded = 0;
    for (uint64_t i = 0; i < n; i++) {
        const gguf_tensor *t = gguf_get_tensor(f, i);
        REQUIRE(t != NULL, "tensor %" PRIu64 " is NULL", i);
        require_in_header(h, t->name.ptr, t->name.len, "a tensor name");
        REQUIRE(t->name.len > 0, "tensor %" PRIu64 " has an empty name", i);
        char name[GGUF_MAX_NAME + 1];
        if (key_cstr(t->name, name, sizeof name))
            REQUIRE(gguf_find_tensor(f, name) == (int64_t)i, "gguf_find_tensor lost tensor %" PRIu64, i);
        REQUIRE(t->n_dims >= 1 && t->n_dims <= GGUF_MAX_DIMS, "tensor %" PRIu64 " has %u dims", i, t->n_dims);
        uint64_t count = 1;
        for (int d = 0; d < GGUF_MAX_DIMS; d++) {
            REQUIRE(t->ne[d] >= 1, "tensor %" PRIu64 " has a dimension 0", i);
            REQUIRE(count <= UINT64_MAX / t->ne[d], "tensor %" PRIu64 "'s element count overflows", i);
            count *= t->ne[d];
        }
        REQUIRE(count == t->n_elements, "tensor %" PRIu64 ": n_elements is not the product of ne", i);
        uint8_t tail[64];
        gguf_error err;
        if (!t->type_known) {
            REQUIRE(gguf_tensor_data(f, t) == NULL, "an unknown type has a data pointer");
            REQUIRE(gguf_read_tensor(f, t, 0, tail, 1, &err) == GQ_ERR_UNSUPPORTED, "an unknown type was read");
            continue;
        }
        uint64_t bytes;
        REQUIRE(gq_type_row_bytes(t->type, t->n_elements, &bytes) && bytes == t->n_bytes,
                "tensor %" PRIu64 ": n_bytes disagrees with the type table", i);
        REQUIRE(t->offset % gguf_alignment(f) == 0, "tensor %" PRIu64 " is not aligned", i);
        REQUIRE(t->offset <= file_size - data_offset && t->n_bytes <= file_size - data_offset - t->offset,
                "tensor %" PRIu64 " runs past the end of the file", i);
        const uint8_t *p = gguf_tensor_data(f, t);
        if (p && t->n_bytes) fuzz_sink += p[0] + p[t->n_bytes - 1];
        const uint64_t k = t->n_bytes < sizeof tail ? t->n_bytes : sizeof tail;
        REQUIRE(gguf_read_tensor(f, t, t->n_bytes - k, tail, k, &err) == GQ_OK, "reading the tensor's end: %s",
                err.message);
        REQUIRE(gguf_read_tensor(f, t, t->n_bytes, tail, 1, &err) == GQ_ERR_ARG, "a read past the tensor worked");
        if (decoded++ < FUZZ_MAX_TENSORS_DECODED) decode_first_row(f, t);
    }
    REQUIRE(gguf_get_tensor(f, n) == NULL, "gguf_get_tensor past the end is not NULL");
}

void gqfuzz_walk_gguf(const gguf_file *f) {
    header_view h = { gguf_raw(f, 0, gguf_header_size(f)), gguf_header_size(f) };
    REQUIRE(h.base != NULL, "the header is not in memory");
    REQUIRE(gguf_version(f) >= 1 && gguf_version(f) <= 3, "version %u", gguf_version(f));
    const uint32_t a = gguf_alignment(f);
    REQUIRE(a >= 1 && a <= GGUF_MAX_ALIGNMENT && (a & (a - 1)) == 0, "alignment %u", a);
    REQUIRE(gguf_header_size(f) <= gguf_file_size(f), "the header is larger than the file");
    for (size_t w = 0; w < gguf_warning_count(f); w++) fuzz_sink += strlen(gguf_warning(f, w));
    walk_kvs(f, &h);
    walk_tensors(f, &h);
}

/* An error must say something, in printable characters. */
static void require_clear_error(const gguf_error *err) {
    REQUIRE(err->status != GQ_OK, "a failed open has status OK");
    REQUIRE(err->message[0] != 0, "a failed open has no message");
    for (const char *c = err->message; *c; c++)
        REQUIRE(*c >= 0x20 && *c < 0x7f, "the message has a raw byte 0x%02x: %s", (unsigned char)*c, err->message);
}

int gqfuzz_gguf(const uint8_t *data, size_t size) {
    gguf_error err;
    gguf_file *strict = gguf_open_memory(data, size, 0, &err);
    if (!strict) require_clear_error(&err);
    gguf_file *lenient = gguf_open_memory(data, size, GGUF_OPEN_LENIENT, &err);
    if (!lenient) require_clear_error(&err);
    /* lenient accepts a superset of what strict accepts */
    REQUIRE(!strict || lenient, "strict mode opened a file lenient mode refuses");
    if (strict) {
        /* the same file either way: walking one of them is enough */
        REQUIRE(gguf_kv_count(strict) == gguf_kv_count(lenient) &&
                    gguf_tensor_count(strict) == gguf_tensor_count(lenient) && gguf_warning_count(strict) == 0,
                "strict and lenient opens disagree");
        gqfuzz_walk_gguf(strict);
        gguf_close(strict);
    } else if (lenient) {
        gqfuzz_walk_gguf(lenient);
    }
    gguf_close(lenient);
    return lenient ? 0 : 1;
}

/* ---------------------------------------------------------------- imatrix */

int gqfuzz_imatrix(const uint8_t *data, size_t size) {
    gq_status st = GQ_OK;
    char msg[512] = "";
    gq_imatrix *m = gq_imatrix_load_memory(data, size, &st, msg, sizeof msg);
    if (!m) {
        REQUIRE(st != GQ_OK && msg[0] != 0, "a refused importance matrix has no status or message");
        return 1;
    }
    REQUIRE(m->n_entries >= 1, "an accepted importance matrix has no entries");
    for (size_t i = 0; i < m->n_entries; i++) {
        const gq_imatrix_entry *e = &m->entries[i];
        REQUIRE(e->name && e->weights, "entry %zu has no name or weights", i);
        REQUIRE(i == 0 || strcmp(m->entries[i - 1].name, e->name) < 0, "entries are not sorted and unique");
        REQUIRE(e->n_values >= 1 && e->n_experts >= 1 && e->n_values % e->n_experts == 0,
                "entry '%s': %" PRIu64 " values in %" PRIu64 " experts", e->name, e->n_values, e->n_experts);
        REQUIRE(gq_imatrix_find(m, e->name) == e, "gq_imatrix_find lost '%s'", e->name);
        uint32_t bits;
        memcpy(&bits, &e->weights[e->n_values - 1], 4);
        fuzz_sink += bits;
        memcpy(&bits, &e->weights[0], 4);
        fuzz_sink += bits;
    }
    for (size_t i = 0; i < m->n_datasets; i++) fuzz_sink += strlen(m->datasets[i]);
    size_t entry;
    uint64_t index;
    if (gq_imatrix_find_nonfinite(m, &entry, &index))
        REQUIRE(entry < m->n_entries && index < m->entries[entry].n_values &&
                    !isfinite(m->entries[entry].weights[index]),
                "gq_imatrix_find_nonfinite points at a finite weight");
    const char *include[] = { "blk." }, *exclude[] = { "attn" };
    size_t kept = gq_imatrix_filter(m, include, 1, exclude, 1);
    REQUIRE(kept == m->n_entries, "gq_imatrix_filter's count is wrong");
    for (size_t i = 0; i < m->n_entries; i++)
        REQUIRE(strstr(m->entries[i].name, "blk.") && !strstr(m->entries[i].name, "attn"),
                "gq_imatrix_filter kept '%s'", m->entries[i].name);
    gq_imatrix_free(m);
    return 0;
}

/* ---------------------------------------------------------------- dequantizers */

/* Same bits, or NaN for NaN (a kernel may produce another NaN payload). */
static bool same_float(float a, float b) {
    if (isnan(a) || isnan(b)) return isnan(a) && isnan(b);
    uint32_t x, y;
    memcpy(&x, &a, 4);
    memcpy(&y, &b, 4);
    return x == y;
}

int gqfuzz_dequant(const uint8_t *data, size_t size) {
    if (size < 1) return 1;
    /* byte 0: bits 0-5 the type id, bit 6 whether to also decode on two
     * threads (starting threads costs more than decoding a few blocks) */
    const uint32_t type = data[0] % 64u;
    const bool threaded = (data[0] & 0x40) != 0;
    const gq_type_info *info = gq_type_get(type);
    float probe[1];
    if (!gq_can_dequantize(type)) {
        REQUIRE(gq_dequantize(type, data, probe, 0) == GQ_ERR_UNSUPPORTED, "type %u: no kernel, yet accepted", type);
        REQUIRE(gq_dequantize_rows(type, data, probe, 0, 0, 1) == GQ_ERR_UNSUPPORTED,
                "type %u: no kernel, yet rows accepted", type);
        return 1;
    }
    REQUIRE(info && !info->removed && info->block_size && info->type_size, "type %u can be decoded but has no size",
            type);
    size_t n_blocks = (size - 1) / info->type_size;
    if (n_blocks > FUZZ_MAX_DEQUANT_BLOCKS) n_blocks = FUZZ_MAX_DEQUANT_BLOCKS;
    const size_t bytes = n_blocks * info->type_size, n = n_blocks * info->block_size;
    /* exact-size copies: any read past the blocks is a heap overflow */
    uint8_t *src = malloc(bytes ? bytes : 1);
    float *scalar = malloc(n ? n * sizeof(float) : 1), *simd = malloc(n ? n * sizeof(float) : 1),
          *rows = malloc(n ? n * sizeof(float) : 1);
    REQUIRE(src && scalar && simd && rows, "out of memory");
    if (bytes) memcpy(src, data + 1, bytes);

    gq_quant_set_simd(false);
    REQUIRE(gq_dequantize(type, src, scalar, (int64_t)n) == GQ_OK, "%s: the scalar kernel refused", info->name);
    gq_quant_set_simd(true);
    REQUIRE(gq_dequantize(type, src, simd, (int64_t)n) == GQ_OK, "%s: the SIMD kernel refused", info->name);
    REQUIRE(gq_dequantize_rows(type, src, rows, (int64_t)n_blocks, (int64_t)info->block_size, threaded ? 2 : 1) ==
                GQ_OK,
            "%s: gq_dequantize_rows refused", info->name);
    for (size_t i = 0; i < n; i++) {
        REQUIRE(same_float(scalar[i], simd[i]), "%s [%s]: value %zu is %a (SIMD) but %a (scalar)", info->name,
                gq_quant_isa(), i, (double)simd[i], (double)scalar[i]);
        REQUIRE(same_float(simd[i], rows[i]), "%s: value %zu differs between one and two threads", info->name, i);
    }
    /* counts that are not whole blocks, or negative, are refused */
    if (info->block_size > 1)
        REQUIRE(gq_dequantize(type, src, probe, (int64_t)info->block_size - 1) == GQ_ERR_ARG,
                "%s: a partial block was accepted", info->name);
    REQUIRE(gq_dequantize(type, src, probe, -(int64_t)info->block_size) == GQ_ERR_ARG,
            "%s: a negative count was accepted", info->name);
    free(src);
    free(scalar);
    free(simd);
    free(rows);
    return 0;
}
