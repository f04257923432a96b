/* Metadata values: decoding on demand, typed lookups, arrays.
 *
 * Values stay where they are in the file.  Scalars are decoded when a kv
 * is parsed; strings point into the file; arrays are read element by
 * element when asked, so a 500,000-entry merges array costs nothing until
 * somebody walks it. */
#include <math.h>

#include "gguf_internal.h"

const char *gguf_value_type_name(uint32_t type) {
    static const char *const names[GGUF_TYPE_COUNT] = {
        "uint8", "int8", "uint16", "int16", "uint32", "int32", "float32",
        "bool", "string", "array", "uint64", "int64", "float64",
    };
    return type < GGUF_TYPE_COUNT ? names[type] : "unknown";
}

uint64_t gguf__fixed_size(uint32_t type) {
    switch (type) {
    case GGUF_TYPE_UINT8:
    case GGUF_TYPE_INT8:
    case GGUF_TYPE_BOOL: return 1;
    case GGUF_TYPE_UINT16:
    case GGUF_TYPE_INT16: return 2;
    case GGUF_TYPE_UINT32:
    case GGUF_TYPE_INT32:
    case GGUF_TYPE_FLOAT32: return 4;
    case GGUF_TYPE_UINT64:
    case GGUF_TYPE_INT64:
    case GGUF_TYPE_FLOAT64: return 8;
    default: return 0;
    }
}

static bool in_memory(const gguf_file *f, uint64_t pos, uint64_t n) {
    return pos <= f->bytes_len && n <= f->bytes_len - pos;
}

/* Size of the encoded array (element type, count, elements) at pos. */
static bool array_extent(const gguf_file *f, uint64_t pos, unsigned depth, uint64_t *end);

/* End of one element of `type` starting at pos. */
static bool element_end(const gguf_file *f, uint32_t type, uint64_t pos, unsigned depth, uint64_t *end) {
    const uint64_t lw = gguf__count_width(f->version);
    uint64_t fixed = gguf__fixed_size(type);
    if (fixed) {
        if (!in_memory(f, pos, fixed)) return false;
        *end = pos + fixed;
        return true;
    }
    if (type == GGUF_TYPE_STRING) {
        if (!in_memory(f, pos, lw)) return false;
        uint64_t len = gguf__count(f, pos);
        if (!in_memory(f, pos + lw, len)) return false;
        *end = pos + lw + len;
        return true;
    }
    if (type == GGUF_TYPE_ARRAY) return array_extent(f, pos, depth, end);
    return false;
}

static bool array_extent(const gguf_file *f, uint64_t pos, unsigned depth, uint64_t *end) {
    const uint64_t lw = gguf__count_width(f->version);
    if (depth > GGUF_MAX_ARRAY_DEPTH || !in_memory(f, pos, 4 + lw)) return false;
    uint32_t type = gguf__u32(f, pos);
    uint64_t count = gguf__count(f, pos + 4);
    uint64_t p = pos + 4 + lw;
    uint64_t fixed = gguf__fixed_size(type);
    if (fixed) {
        if (count > f->bytes_len / fixed || !in_memory(f, p, count * fixed)) return false;
        *end = p + count * fixed;
        return true;
    }
    if (type != GGUF_TYPE_STRING && type != GGUF_TYPE_ARRAY) return false;
    for (uint64_t i = 0; i < count; i++)
        if (!element_end(f, type, p, depth + 1, &p)) return false;
    *end = p;
    return true;
}

bool gguf__decode_payload(const gguf_file *f, uint32_t type, uint64_t pos, gguf_value *out, uint64_t *end) {
    memset(out, 0, sizeof *out);
    out->type = (enum gguf_value_type)type;
    out->offset = pos;
    uint64_t e;
    if (!element_end(f, type, pos, 1, &e)) return false;
    switch (type) {
    case GGUF_TYPE_UINT8: out->v.u64 = f->bytes[pos]; break;
    case GGUF_TYPE_INT8: out->v.i64 = (int8_t)f->bytes[pos]; break;
    case GGUF_TYPE_UINT16: out->v.u64 = gguf__u16(f, pos); break;
    case GGUF_TYPE_INT16: out->v.i64 = (int16_t)gguf__u16(f, pos); break;
    case GGUF_TYPE_UINT32: out->v.u64 = gguf__u32(f, pos); break;
    case GGUF_TYPE_INT32: out->v.i64 = (int32_t)gguf__u32(f, pos); break;
    case GGUF_TYPE_UINT64: out->v.u64 = gguf__u64(f, pos); break;
    case GGUF_TYPE_INT64: out->v.i64 = (int64_t)gguf__u64(f, pos); break;
    case GGUF_TYPE_FLOAT32: {
        uint32_t bits = gguf__u32(f, pos);
        float x;
        memcpy(&x, &bits, 4);
        out->v.f64 = x;
        break;
    }
    case GGUF_TYPE_FLOAT64: {
        uint64_t bits = gguf__u64(f, pos);
        memcpy(&out->v.f64, &bits, 8);
        break;
    }
    case GGUF_TYPE_BOOL: out->v.b = f->bytes[pos] != 0; break;
    case GGUF_TYPE_STRING: {
        const uint64_t lw = gguf__count_width(f->version);
        out->v.str.len = gguf__count(f, pos);
        out->v.str.ptr = (const char *)f->bytes + pos + lw;
        break;
    }
    case GGUF_TYPE_ARRAY: {
        const uint64_t lw = gguf__count_width(f->version);
        out->v.arr.type = (enum gguf_value_type)gguf__u32(f, pos);
        out->v.arr.len = gguf__count(f, pos + 4);
        out->v.arr.data_offset = pos + 4 + lw;
        break;
    }
    default: return false;
    }
    out->size = e - pos;
    *end = e;
    return true;
}

/* ---------------------------------------------------------------- lookups */

int64_t gguf_find_key(const gguf_file *f, const char *key) {
    if (!f || !key) return -1;
    uint64_t i = gguf__name_set_find(&f->key_set, f, gguf__kv_name, (const uint8_t *)key, strlen(key));
    return i == UINT64_MAX ? -1 : (int64_t)i;
}

uint64_t gguf_kv_count(const gguf_file *f) { return f ? f->n_kv : 0; }

const gguf_kv *gguf_get_kv(const gguf_file *f, uint64_t i) {
    return f && i < f->n_kv ? &f->kvs[i] : NULL;
}

static const gguf_value *find_value(const gguf_file *f, const char *key) {
    int64_t i = gguf_find_key(f, key);
    return i < 0 ? NULL : &f->kvs[i].value;
}

static bool is_unsigned(enum gguf_value_type t) {
    return t == GGUF_TYPE_UINT8 || t == GGUF_TYPE_UINT16 || t == GGUF_TYPE_UINT32 || t == GGUF_TYPE_UINT64;
}
static bool is_signed(enum gguf_value_type t) {
    return t == GGUF_TYPE_INT8 || t == GGUF_TYPE_INT16 || t == GGUF_TYPE_INT32 || t == GGUF_TYPE_INT64;
}

bool gguf_get_u64(const gguf_file *f, const char *key, uint64_t *out) {
    const gguf_value *v = find_value(f, key);
    if (!v) return false;
    if (is_unsigned(v->type)) {
        *out = v->v.u64;
        return true;
    }
    if (is_signed(v->type) && v->v.i64 >= 0) {
        *out = (uint64_t)v->v.i64;
        return true;
    }
    return false;
}

bool gguf_get_i64(const gguf_file *f, const char *key, int64_t *out) {
    const gguf_value *v = find_value(f, key);
    if (!v) return false;
    if (is_signed(v->type)) {
        *out = v->v.i64;
        return true;
    }
    if (is_unsigned(v->type) && v->v.u64 <= (uint64_t)INT64_MAX) {
        *out = (int64_t)v->v.u64;
        return true;
    }
    return false;
}

bool gguf_get_f64(const gguf_file *f, const char *key, double *out) {
    const gguf_value *v = find_value(f, key);
    if (!v) return false;
    if (v->type == GGUF_TYPE_FLOAT32 || v->type == GGUF_TYPE_FLOAT64) {
        *out = v->v.f64;
        return true;
    }
    /* An integer is accepted where it converts exactly (|v| <= 2^53). */
    const uint64_t exact = (uint64_t)1 << 53;
    if (is_unsigned(v->type) && v->v.u64 <= exact) {
        *out = (double)v->v.u64;
        return true;
    }
    if (is_signed(v->type) && v->v.i64 <= (int64_t)exact && v->v.i64 >= -(int64_t)exact) {
        *out = (double)v->v.i64;
        return true;
    }
    return false;
}

bool gguf_get_bool(const gguf_file *f, const char *key, bool *out) {
    const gguf_value *v = find_value(f, key);
    if (!v || v->type != GGUF_TYPE_BOOL) return false;
    *out = v->v.b;
    return true;
}

bool gguf_get_str(const gguf_file *f, const char *key, gguf_str *out) {
    const gguf_value *v = find_value(f, key);
    if (!v || v->type != GGUF_TYPE_STRING) return false;
    *out = v->v.str;
    return true;
}

bool gguf_str_eq(gguf_str s, const char *cstr) {
    if (!cstr) return false;
    size_t n = strlen(cstr);
    return s.len == n && (n == 0 || memcmp(s.ptr, cstr, n) == 0);
}

/* ---------------------------------------------------------------- arrays */

bool gguf_array_get(const gguf_file *f, const gguf_value *array, uint64_t i, gguf_value *out) {
    if (!f || !array || !out || array->type != GGUF_TYPE_ARRAY || i >= array->v.arr.len) return false;
    uint32_t type = array->v.arr.type;
    uint64_t pos = array->v.arr.data_offset, end;
    uint64_t fixed = gguf__fixed_size(type);
    if (fixed) {
        /* i < len and the whole array was validated: no overflow */
        return gguf__decode_payload(f, type, pos + i * fixed, out, &end);
    }
    for (uint64_t k = 0; k < i; k++)
        if (!element_end(f, type, pos, 2, &pos)) return false;
    return gguf__decode_payload(f, type, pos, out, &end);
}

void gguf_array_iter_init(gguf_array_iter *it, const gguf_file *f, const gguf_value *array) {
    memset(it, 0, sizeof *it);
    it->f = f;
    if (!f || !array || array->type != GGUF_TYPE_ARRAY) return;
    it->type = array->v.arr.type;
    it->remaining = array->v.arr.len;
    it->pos = array->v.arr.data_offset;
}

bool gguf_array_next(gguf_array_iter *it, gguf_value *out) {
    if (!it->f || it->remaining == 0) return false;
    uint64_t end;
    if (!gguf__decode_payload(it->f, it->type, it->pos, out, &end)) {
        it->remaining = 0;
        return false;
    }
    it->pos = end;
    it->remaining--;
    return true;
}

const uint8_t *gguf_raw(const gguf_file *f, uint64_t offset, uint64_t size) {
    if (!f || !in_memory(f, offset, size)) return NULL;
    return f->bytes + offset;
}
