/* The writer's metadata: adding, copying, removing and encoding kvs.
 *
 * Values the caller adds are encoded at once (little-endian, GGUF v3).
 * Values copied from an open file are not copied at all when the file is
 * little-endian v2/v3: the kv keeps a pointer to the source's bytes and
 * they are written verbatim, which is what makes a read -> write round
 * trip byte-identical.  A big-endian or v1 source is re-encoded while the
 * header is written, element by element, so a 500,000-string vocabulary
 * never has to be held twice. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "writer_internal.h"

#define KEY_ALIGNMENT "general.alignment"

gq_status gguf__writer_refuse(gguf_writer *w, gq_status status, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(w->last_error, sizeof w->last_error, fmt, ap);
    va_end(ap);
    return status;
}

static ssize_t find_kv(const gguf_writer *w, const char *key, size_t key_len) {
    for (size_t i = 0; i < w->n_kv; i++)
        if (w->kvs[i].key_len == key_len && memcmp(w->kvs[i].key, key, key_len) == 0) return (ssize_t)i;
    return -1;
}

static void free_kv(writer_kv *kv) {
    free(kv->key);
    free(kv->owned);
}

static void remove_at(gguf_writer *w, size_t i) {
    free_kv(&w->kvs[i]);
    memmove(&w->kvs[i], &w->kvs[i + 1], (w->n_kv - i - 1) * sizeof *w->kvs);
    w->n_kv--;
}

static bool is_alignment_key(const char *key, size_t len) {
    return len == strlen(KEY_ALIGNMENT) && memcmp(key, KEY_ALIGNMENT, len) == 0;
}

void gguf_writer_remove_key(gguf_writer *w, const char *key) {
    if (!w || !key) return;
    ssize_t i = find_kv(w, key, strlen(key));
    if (i < 0) return;
    remove_at(w, (size_t)i);
    if (is_alignment_key(key, strlen(key))) w->alignment = GGUF_DEFAULT_ALIGNMENT;
}

/* Checks shared by every way of adding a kv.  An alignment kv sets the
 * writer's alignment: a file saying one thing and padded to another would
 * be unreadable. */
static gq_status check_new_kv(gguf_writer *w, const char *key, size_t key_len, uint32_t type, uint64_t u32_value) {
    if (w->header_written)
        return gguf__writer_refuse(w, GQ_ERR_ARG, "key '%.*s': metadata cannot change after the header was written",
                                   (int)(key_len > 200 ? 200 : key_len), key);
    if (key_len == 0) return gguf__writer_refuse(w, GQ_ERR_ARG, "empty key");
    if (is_alignment_key(key, key_len)) {
        if (type != GGUF_TYPE_UINT32)
            return gguf__writer_refuse(w, GQ_ERR_ARG, "key '" KEY_ALIGNMENT "': the alignment must be a uint32, not a %s",
                                       gguf_value_type_name(type));
        if (u32_value == 0 || (u32_value & (u32_value - 1)) != 0 || u32_value > GGUF_MAX_ALIGNMENT)
            return gguf__writer_refuse(w, GQ_ERR_ARG,
                                       "key '" KEY_ALIGNMENT "': alignment %" PRIu64
                                       " is not a power of two in 1..%u", u32_value, (unsigned)GGUF_MAX_ALIGNMENT);
    }
    return GQ_OK;
}

/* Append a kv (replacing an earlier one with the same key, which moves it
 * last, as ggml's gguf_set_* does).  Takes ownership of kv->owned. */
static gq_status append_kv(gguf_writer *w, const char *key, size_t key_len, writer_kv *kv) {
    char *k = malloc(key_len + 1);
    if (!k) {
        free(kv->owned);
        return gguf__writer_refuse(w, GQ_ERR_NOMEM, "out of memory");
    }
    memcpy(k, key, key_len);
    k[key_len] = 0;
    ssize_t old = find_kv(w, key, key_len);
    if (old >= 0) remove_at(w, (size_t)old);
    if (w->n_kv == w->kv_cap) {
        size_t cap = w->kv_cap ? w->kv_cap * 2 : 32;
        writer_kv *a = realloc(w->kvs, cap * sizeof *a);
        if (!a) {
            free(k);
            free(kv->owned);
            return gguf__writer_refuse(w, GQ_ERR_NOMEM, "out of memory");
        }
        w->kvs = a;
        w->kv_cap = cap;
    }
    kv->key = k;
    kv->key_len = key_len;
    w->kvs[w->n_kv++] = *kv;
    return GQ_OK;
}

static void put_u32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); } /* little-endian host */
static void put_u64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }

/* A scalar (fixed-size) value: type field then payload. */
static gq_status add_scalar(gguf_writer *w, const char *key, uint32_t type, const void *payload) {
    if (!w || !key) return GQ_ERR_ARG;
    uint64_t size = gguf__fixed_size(type);
    uint64_t as_u32 = 0;
    if (type == GGUF_TYPE_UINT32) {
        uint32_t v;
        memcpy(&v, payload, 4);
        as_u32 = v;
    }
    gq_status st = check_new_kv(w, key, strlen(key), type, as_u32);
    if (st != GQ_OK) return st;
    writer_kv kv = { .source = WKV_OWNED, .len = 4 + size };
    kv.owned = malloc((size_t)kv.len);
    if (!kv.owned) return gguf__writer_refuse(w, GQ_ERR_NOMEM, "out of memory");
    put_u32(kv.owned, type);
    memcpy(kv.owned + 4, payload, (size_t)size);
    st = append_kv(w, key, strlen(key), &kv);
    if (st == GQ_OK && is_alignment_key(key, strlen(key))) w->alignment = (uint32_t)as_u32;
    return st;
}

gq_status gguf_writer_add_u8(gguf_writer *w, const char *key, uint8_t v) { return add_scalar(w, key, GGUF_TYPE_UINT8, &v); }
gq_status gguf_writer_add_i8(gguf_writer *w, const char *key, int8_t v) { return add_scalar(w, key, GGUF_TYPE_INT8, &v); }
gq_status gguf_writer_add_u16(gguf_writer *w, const char *key, uint16_t v) { return add_scalar(w, key, GGUF_TYPE_UINT16, &v); }
gq_status gguf_writer_add_i16(gguf_writer *w, const char *key, int16_t v) { return add_scalar(w, key, GGUF_TYPE_INT16, &v); }
gq_status gguf_writer_add_u32(gguf_writer *w, const char *key, uint32_t v) { return add_scalar(w, key, GGUF_TYPE_UINT32, &v); }
gq_status gguf_writer_add_i32(gguf_writer *w, const char *key, int32_t v) { return add_scalar(w, key, GGUF_TYPE_INT32, &v); }
gq_status gguf_writer_add_f32(gguf_writer *w, const char *key, float v) { return add_scalar(w, key, GGUF_TYPE_FLOAT32, &v); }
gq_status gguf_writer_add_u64(gguf_writer *w, const char *key, uint64_t v) { return add_scalar(w, key, GGUF_TYPE_UINT64, &v); }
gq_status gguf_writer_add_i64(gguf_writer *w, const char *key, int64_t v) { return add_scalar(w, key, GGUF_TYPE_INT64, &v); }
gq_status gguf_writer_add_f64(gguf_writer *w, const char *key, double v) { return add_scalar(w, key, GGUF_TYPE_FLOAT64, &v); }
gq_status gguf_writer_add_bool(gguf_writer *w, const char *key, bool v) {
    uint8_t b = v ? 1 : 0; /* GGUF stores a bool as one byte, 0 or 1 */
    return add_scalar(w, key, GGUF_TYPE_BOOL, &b);
}

gq_status gguf_writer_add_str(gguf_writer *w, const char *key, const char *v) {
    if (!w || !key || !v) return GQ_ERR_ARG;
    gq_status st = check_new_kv(w, key, strlen(key), GGUF_TYPE_STRING, 0);
    if (st != GQ_OK) return st;
    size_t n = strlen(v);
    writer_kv kv = { .source = WKV_OWNED, .len = 4 + 8 + (uint64_t)n };
    kv.owned = malloc((size_t)kv.len);
    if (!kv.owned) return gguf__writer_refuse(w, GQ_ERR_NOMEM, "out of memory");
    put_u32(kv.owned, GGUF_TYPE_STRING);
    put_u64(kv.owned + 4, n);
    memcpy(kv.owned + 12, v, n);
    return append_kv(w, key, strlen(key), &kv);
}

gq_status gguf_writer_add_array(gguf_writer *w, const char *key, enum gguf_value_type elem_type, const void *values,
                                uint64_t count) {
    if (!w || !key || (!values && count)) return GQ_ERR_ARG;
    uint64_t size = gguf__fixed_size(elem_type);
    if (size == 0)
        return gguf__writer_refuse(w, GQ_ERR_ARG, "key '%s': gguf_writer_add_array takes fixed-size elements, not %s",
                                   key, gguf_value_type_name(elem_type));
    gq_status st = check_new_kv(w, key, strlen(key), GGUF_TYPE_ARRAY, 0);
    if (st != GQ_OK) return st;
    uint64_t bytes, total;
    if (gguf__mul_overflows(count, size, &bytes) || gguf__add_overflows(bytes, 16, &total) || total > SIZE_MAX)
        return gguf__writer_refuse(w, GQ_ERR_ARG, "key '%s': array of %" PRIu64 " elements is too large", key, count);
    writer_kv kv = { .source = WKV_OWNED, .len = total };
    kv.owned = malloc((size_t)total);
    if (!kv.owned) return gguf__writer_refuse(w, GQ_ERR_NOMEM, "out of memory");
    put_u32(kv.owned, GGUF_TYPE_ARRAY);
    put_u32(kv.owned + 4, elem_type);
    put_u64(kv.owned + 8, count);
    if (elem_type == GGUF_TYPE_BOOL) {
        const bool *b = values;
        for (uint64_t i = 0; i < count; i++) kv.owned[16 + i] = b[i] ? 1 : 0;
    } else if (bytes) {
        memcpy(kv.owned + 16, values, (size_t)bytes);
    }
    return append_kv(w, key, strlen(key), &kv);
}

gq_status gguf_writer_add_str_array(gguf_writer *w, const char *key, const char *const *values, uint64_t count) {
    if (!w || !key || (!values && count)) return GQ_ERR_ARG;
    gq_status st = check_new_kv(w, key, strlen(key), GGUF_TYPE_ARRAY, 0);
    if (st != GQ_OK) return st;
    uint64_t total = 16;
    for (uint64_t i = 0; i < count; i++) {
        if (!values[i]) return gguf__writer_refuse(w, GQ_ERR_ARG, "key '%s': string %" PRIu64 " is NULL", key, i);
        if (gguf__add_overflows(total, 8 + (uint64_t)strlen(values[i]), &total) || total > SIZE_MAX)
            return gguf__writer_refuse(w, GQ_ERR_ARG, "key '%s': string array too large", key);
    }
    writer_kv kv = { .source = WKV_OWNED, .len = total };
    kv.owned = malloc((size_t)total);
    if (!kv.owned) return gguf__writer_refuse(w, GQ_ERR_NOMEM, "out of memory");
    put_u32(kv.owned, GGUF_TYPE_ARRAY);
    put_u32(kv.owned + 4, GGUF_TYPE_STRING);
    put_u64(kv.owned + 8, count);
    uint8_t *p = kv.owned + 16;
    for (uint64_t i = 0; i < count; i++) {
        size_t n = strlen(values[i]);
        put_u64(p, n);
        memcpy(p + 8, values[i], n);
        p += 8 + n;
    }
    return append_kv(w, key, strlen(key), &kv);
}

gq_status gguf_writer_copy_kv(gguf_writer *w, const gguf_file *src, const gguf_kv *kv) {
    if (!w || !src || !kv) return GQ_ERR_ARG;
    /* A repeated key (accepted by a lenient open) is dropped: the reader
     * uses the first one, so the copy keeps what the source meant. */
    if (kv->duplicate) return GQ_OK;
    uint32_t type = kv->value.type;
    uint64_t as_u32 = type == GGUF_TYPE_UINT32 ? kv->value.v.u64 : 0;
    gq_status st = check_new_kv(w, kv->key.ptr, (size_t)kv->key.len, type, as_u32);
    if (st != GQ_OK) return st;
    writer_kv out = { 0 };
    if (!src->big_endian && src->version >= 2) {
        out.source = WKV_BORROWED;
        out.borrowed = gguf_raw(src, kv->value.offset, kv->value.size);
        out.len = kv->value.size;
        if (!out.borrowed) return gguf__writer_refuse(w, GQ_ERR_ARG, "kv is not part of the source file");
    } else {
        out.source = WKV_CONVERTED;
        out.src = src;
        out.src_type = type;
        out.src_payload = kv->value.offset + 4;
    }
    st = append_kv(w, kv->key.ptr, (size_t)kv->key.len, &out);
    if (st == GQ_OK && is_alignment_key(kv->key.ptr, (size_t)kv->key.len)) w->alignment = (uint32_t)as_u32;
    return st;
}

void gguf_writer_set_alignment(gguf_writer *w, uint32_t alignment) {
    if (!w) return;
    if (w->header_written || alignment == 0 || (alignment & (alignment - 1)) != 0 || alignment > GGUF_MAX_ALIGNMENT) {
        if (w->failed == GQ_OK) {
            w->failed = GQ_ERR_ARG;
            if (w->header_written)
                gguf__set_error(&w->failure, GQ_ERR_ARG, false, 0, "alignment changed after the header was written");
            else
                gguf__set_error(&w->failure, GQ_ERR_ARG, false, 0, "alignment %" PRIu32 " is not a power of two in 1..%u",
                                alignment, (unsigned)GGUF_MAX_ALIGNMENT);
        }
        return;
    }
    /* Readers learn the alignment from the general.alignment key only. */
    if (alignment != GGUF_DEFAULT_ALIGNMENT || find_kv(w, KEY_ALIGNMENT, strlen(KEY_ALIGNMENT)) >= 0) {
        ssize_t i = find_kv(w, KEY_ALIGNMENT, strlen(KEY_ALIGNMENT));
        if (i >= 0) {
            /* keep its place in the metadata */
            writer_kv *kv = &w->kvs[i];
            uint8_t *enc = malloc(8);
            if (!enc) return;
            put_u32(enc, GGUF_TYPE_UINT32);
            put_u32(enc + 4, alignment);
            free(kv->owned);
            kv->owned = enc;
            kv->source = WKV_OWNED;
            kv->len = 8;
        } else if (gguf_writer_add_u32(w, KEY_ALIGNMENT, alignment) != GQ_OK) {
            return;
        }
    }
    w->alignment = alignment;
}

/* ---------------------------------------------------------------- encoding */

/* Re-encode a value of a big-endian or v1 file as little-endian v3. */
static bool emit_converted(gguf_writer *w, const gguf_file *src, uint32_t type, uint64_t pos, unsigned depth,
                           uint64_t *end) {
    const uint64_t lw = gguf__count_width(src->version);
    switch (gguf__fixed_size(type)) {
    case 1:
        *end = pos + 1;
        return gguf__writer_out(w, src->bytes + pos, 1);
    case 2: {
        uint16_t v = gguf__u16(src, pos);
        *end = pos + 2;
        return gguf__writer_out(w, &v, 2);
    }
    case 4:
        *end = pos + 4;
        return gguf__writer_out_u32(w, gguf__u32(src, pos));
    case 8:
        *end = pos + 8;
        return gguf__writer_out_u64(w, gguf__u64(src, pos));
    default: break;
    }
    if (type == GGUF_TYPE_STRING) {
        uint64_t len = gguf__count(src, pos);
        *end = pos + lw + len;
        return gguf__writer_out_u64(w, len) && gguf__writer_out(w, src->bytes + pos + lw, len);
    }
    if (type != GGUF_TYPE_ARRAY || depth > GGUF_MAX_ARRAY_DEPTH) return false; /* validated at open */
    uint32_t elem = gguf__u32(src, pos);
    uint64_t count = gguf__count(src, pos + 4);
    if (!gguf__writer_out_u32(w, elem) || !gguf__writer_out_u64(w, count)) return false;
    uint64_t p = pos + 4 + lw;
    uint64_t fixed = gguf__fixed_size(elem);
    if (fixed == 1 || (fixed && !src->big_endian)) {
        /* nothing to convert inside: copy the elements as they are */
        *end = p + count * fixed;
        return gguf__writer_out(w, src->bytes + p, count * fixed);
    }
    for (uint64_t i = 0; i < count; i++)
        if (!emit_converted(w, src, elem, p, depth + 1, &p)) return false;
    *end = p;
    return true;
}

bool gguf__writer_emit_kv_value(gguf_writer *w, const writer_kv *kv) {
    switch (kv->source) {
    case WKV_OWNED: return gguf__writer_out(w, kv->owned, kv->len);
    case WKV_BORROWED: return gguf__writer_out(w, kv->borrowed, kv->len);
    case WKV_CONVERTED: {
        uint64_t end;
        return gguf__writer_out_u32(w, kv->src_type) &&
               emit_converted(w, kv->src, kv->src_type, kv->src_payload, 1, &end);
    }
    }
    return false;
}

void gguf__writer_free_kvs(gguf_writer *w) {
    for (size_t i = 0; i < w->n_kv; i++) free_kv(&w->kvs[i]);
    free(w->kvs);
    w->kvs = NULL;
    w->n_kv = w->kv_cap = 0;
}
