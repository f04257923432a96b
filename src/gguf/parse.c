/* Header validation: everything gguf_open checks before it returns.
 *
 * The rules, each reported with the field it concerns and its byte offset:
 *  - magic "GGUF"; version 1, 2 or 3, read in either byte order;
 *  - every count and length is checked against the bytes left in the file
 *    BEFORE anything is allocated or skipped, using the smallest encoding
 *    an item can have, so a count of 2^60 items in an 85-byte file is
 *    refused at once (the ollama fuzz files, TALOS-2024-1912..1916);
 *  - arithmetic on counts, sizes, padding and offsets is overflow-checked;
 *  - keys: not empty, not repeated (lenient mode: warned, first one wins);
 *    value types known; arrays nest at most GGUF_MAX_ARRAY_DEPTH deep;
 *  - general.alignment: uint32, a power of two, at most GGUF_MAX_ALIGNMENT;
 *  - tensors: names non-empty, at most GGUF_MAX_NAME bytes and unique;
 *    1..4 dimensions, each >= 1, element count and byte size below 2^63
 *    (CVE-2026-33298: a size that wraps makes a small buffer look big);
 *    a known, not removed type (lenient mode: warned); ne[0] a multiple of
 *    the type's block size; data offsets aligned, inside the file and not
 *    overlapping one another.
 *
 * Nothing is copied: kvs and tensors record positions, and once the header
 * is known to be sound, their string pointers are set into the file's
 * bytes.  Without a map the header is pulled in with pread() as parsing
 * reaches it, in a buffer that grows geometrically and never past the file
 * size. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "gguf_internal.h"

#define READ_AHEAD (64u * 1024u)
#define KEY_ALIGNMENT "general.alignment"

typedef struct parser {
    gguf_file *f;
    gguf_error *err;
    uint64_t pos;      /* next byte to read */
    uint64_t kv_cap;
    uint64_t tensor_cap;
    char subject[240]; /* what is being read, for messages */
} parser;

static bool fail(parser *p, gq_status status, uint64_t at, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

static bool fail(parser *p, gq_status status, uint64_t at, const char *fmt, ...) {
    char problem[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(problem, sizeof problem, fmt, ap);
    va_end(ap);
    gguf__set_error(p->err, status, true, at, "%s: %s", p->subject, problem);
    return false;
}

static void set_subject(parser *p, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static void set_subject(parser *p, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->subject, sizeof p->subject, fmt, ap);
    va_end(ap);
}

/* Make bytes [0, end) available in memory.  The caller has checked that
 * end <= file_size; only the header-buffer backing ever has to work.  The
 * buffer's capacity doubles (amortised copying), but only READ_AHEAD
 * bytes beyond what parsing needs are read, so opening a model without a
 * map reads its header and at most 64 KiB of its data. */
static bool load(parser *p, uint64_t end) {
    gguf_file *f = p->f;
    if (end <= f->bytes_len) return true;
    uint64_t want = end + READ_AHEAD < end ? f->file_size : end + READ_AHEAD;
    if (want > f->file_size) want = f->file_size;
    if (want > SIZE_MAX) {
        gguf__set_error(p->err, GQ_ERR_NOMEM, true, p->pos, "%s: header of %" PRIu64 " bytes does not fit in memory",
                        p->subject, want);
        return false;
    }
    if (want > f->header_cap) {
        uint64_t cap = f->header_cap ? f->header_cap * 2 : READ_AHEAD;
        if (cap < want) cap = want;
        if (cap > f->file_size) cap = f->file_size;
        uint8_t *buf = realloc(f->header_buf, (size_t)cap);
        if (!buf) {
            gguf__set_error(p->err, GQ_ERR_NOMEM, true, p->pos, "%s: cannot allocate %" PRIu64 " bytes for the header",
                            p->subject, cap);
            return false;
        }
        f->header_buf = buf;
        f->header_cap = cap;
        f->bytes = buf;
    }
    uint8_t *buf = f->header_buf;
    uint64_t have = f->bytes_len;
    while (have < want) {
        size_t chunk = (size_t)(want - have);
        if (chunk > (1u << 30)) chunk = 1u << 30;
        ssize_t n = pread(f->fd, buf + have, chunk, (off_t)have);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            gguf__set_error(p->err, GQ_ERR_IO, true, have, "%s: read failed: %s", p->subject, strerror(errno));
            f->bytes_len = have;
            return false;
        }
        if (n == 0) {
            gguf__set_error(p->err, GQ_ERR_IO, true, have, "%s: file shrank while its header was read", p->subject);
            f->bytes_len = have;
            return false;
        }
        have += (uint64_t)n;
        f->bytes_len = have;
    }
    return true;
}

static uint64_t bytes_left(const parser *p) { return p->f->file_size - p->pos; }

/* Consume an n-byte field at the cursor: *at = its offset. */
static bool take(parser *p, uint64_t n, const char *what, uint64_t *at) {
    uint64_t left = bytes_left(p);
    *at = p->pos;
    if (n > left)
        return fail(p, GQ_ERR_FORMAT, p->pos, "truncated: %s needs %" PRIu64 " bytes, %" PRIu64 " left", what, n,
                    left);
    if (!load(p, p->pos + n)) return false;
    p->pos += n;
    return true;
}

static bool read_u32(parser *p, const char *what, uint32_t *v, uint64_t *at) {
    *v = 0;
    if (!take(p, 4, what, at)) return false;
    *v = gguf__u32(p->f, *at);
    return true;
}

static bool read_u64(parser *p, const char *what, uint64_t *v, uint64_t *at) {
    *v = 0;
    if (!take(p, 8, what, at)) return false;
    *v = gguf__u64(p->f, *at);
    return true;
}

/* A count, length or dimension: 32 bits in v1, 64 since v2. */
static bool read_count(parser *p, const char *what, uint64_t *v, uint64_t *at) {
    *v = 0;
    if (!take(p, gguf__count_width(p->f->version), what, at)) return false;
    *v = gguf__count(p->f, *at);
    return true;
}

/* A length-prefixed byte string whose length field was just read at len_at. */
static bool take_bytes(parser *p, uint64_t len, uint64_t len_at, const char *what) {
    uint64_t left = bytes_left(p);
    if (len > left)
        return fail(p, GQ_ERR_FORMAT, len_at, "%s length %" PRIu64 " exceeds the %" PRIu64 " bytes left in the file",
                    what, len, left);
    if (!load(p, p->pos + len)) return false;
    p->pos += len;
    return true;
}

/* ---------------------------------------------------------------- header */

static bool parse_magic_and_version(parser *p) {
    gguf_file *f = p->f;
    set_subject(p, "header");
    uint64_t at;
    if (!take(p, 4, "magic", &at)) return false;
    if (memcmp(f->bytes, GGUF_MAGIC, 4) != 0) {
        if (memcmp(f->bytes, "FUGG", 4) == 0)
            /* Files from before GGUF was released (August 2023) wrote the
             * magic as a host-order integer.  Their layout is not GGUF v1's
             * in every case (example.gguf of that time types every tensor
             * field), so they are refused rather than guessed at. */
            return fail(p, GQ_ERR_FORMAT, 0,
                        "not a GGUF file: magic 'FUGG' is the byte-reversed magic of pre-release GGUF drafts, "
                        "which are not all laid out like GGUF v1");
        char shown[24];
        gguf__describe_bytes(f->bytes, 4, shown, sizeof shown);
        return fail(p, GQ_ERR_FORMAT, 0, "not a GGUF file: magic is '%s', expected 'GGUF'", shown);
    }
    if (!take(p, 4, "version", &at)) return false;
    uint32_t raw;
    memcpy(&raw, f->bytes + at, 4);
    /* GGUF has no byte-order mark: a version that only makes sense
     * byte-swapped (0x03000000 for 3) says the writer was big-endian. */
    if (raw >= 1 && raw <= 3) {
        f->version = raw;
        f->big_endian = false;
    } else if (gguf__swap32(raw) >= 1 && gguf__swap32(raw) <= 3) {
        f->version = gguf__swap32(raw);
        f->big_endian = true;
    } else {
        return fail(p, GQ_ERR_FORMAT, at, "unsupported version %" PRIu32 " (0x%08" PRIx32 "): known versions are 1, 2 and 3",
                    raw, raw);
    }
    return true;
}

/* Smallest encodings, used to refuse counts that cannot fit before anything
 * is allocated for them. */
static uint64_t min_kv_size(uint32_t version) {
    /* key length field, empty key (lenient mode allows it), value type, a
     * one-byte value */
    return gguf__count_width(version) + 0 + 4 + 1;
}
static uint64_t min_tensor_info_size(uint32_t version) {
    /* name length, a one-byte name, n_dims, one dimension, type, offset */
    return gguf__count_width(version) + 1 + 4 + gguf__count_width(version) + 4 + 8;
}

static bool parse_counts(parser *p, uint64_t *n_tensors, uint64_t *n_kv) {
    uint64_t tensors_at, kv_at;
    if (!read_count(p, "tensor count", n_tensors, &tensors_at)) return false;
    if (!read_count(p, "kv count", n_kv, &kv_at)) return false;
    uint64_t left = bytes_left(p);
    uint64_t kv_min = min_kv_size(p->f->version), info_min = min_tensor_info_size(p->f->version);
    if (*n_kv > left / kv_min)
        return fail(p, GQ_ERR_FORMAT, kv_at,
                    "kv count %" PRIu64 " cannot fit in the %" PRIu64 " bytes left (a kv takes at least %" PRIu64 ")",
                    *n_kv, left, kv_min);
    uint64_t after_kvs = left - *n_kv * kv_min;
    if (*n_tensors > after_kvs / info_min)
        return fail(p, GQ_ERR_FORMAT, tensors_at,
                    "tensor count %" PRIu64 " cannot fit in the %" PRIu64
                    " bytes left after the kvs (a tensor info takes at least %" PRIu64 ")",
                    *n_tensors, after_kvs, info_min);
    return true;
}

/* ---------------------------------------------------------------- values */

static bool walk_array(parser *p, uint32_t elem_type, uint64_t elem_type_at, uint64_t count, uint64_t count_at,
                       unsigned depth);

/* Smallest encoded size of one element of `type` (0: unknown type). */
static uint64_t min_element_size(const gguf_file *f, uint32_t type) {
    if (type == GGUF_TYPE_STRING) return gguf__count_width(f->version);
    if (type == GGUF_TYPE_ARRAY) return 4 + gguf__count_width(f->version);
    return gguf__fixed_size(type);
}

/* Read an array's element type and count at the cursor and walk it. */
static bool parse_array(parser *p, unsigned depth, gguf_value *out) {
    uint32_t elem_type;
    uint64_t elem_type_at, count, count_at;
    if (!read_u32(p, "array element type", &elem_type, &elem_type_at)) return false;
    if (!read_count(p, "array length", &count, &count_at)) return false;
    if (out) {
        out->v.arr.type = (enum gguf_value_type)elem_type;
        out->v.arr.len = count;
        out->v.arr.data_offset = p->pos;
    }
    return walk_array(p, elem_type, elem_type_at, count, count_at, depth);
}

/* Validate and skip `count` elements; depth = nesting level of this array
 * (a kv's array is level 1). */
static bool walk_array(parser *p, uint32_t elem_type, uint64_t elem_type_at, uint64_t count, uint64_t count_at,
                       unsigned depth) {
    gguf_file *f = p->f;
    if (elem_type >= GGUF_TYPE_COUNT)
        return fail(p, GQ_ERR_FORMAT, elem_type_at, "array element type %" PRIu32 " is unknown", elem_type);
    if (elem_type == GGUF_TYPE_ARRAY && depth + 1 > GGUF_MAX_ARRAY_DEPTH)
        return fail(p, GQ_ERR_FORMAT, elem_type_at, "arrays nest deeper than %d levels", GGUF_MAX_ARRAY_DEPTH);
    uint64_t min = min_element_size(f, elem_type), left = bytes_left(p);
    if (count > left / min)
        return fail(p, GQ_ERR_FORMAT, count_at,
                    "array of %" PRIu64 " %s elements cannot fit in the %" PRIu64 " bytes left", count,
                    gguf_value_type_name(elem_type), left);
    if (elem_type != GGUF_TYPE_STRING && elem_type != GGUF_TYPE_ARRAY) {
        /* count * min <= left was just established: no overflow. */
        if (!load(p, p->pos + count * min)) return false;
        p->pos += count * min;
        return true;
    }
    uint64_t first = 0;
    if (elem_type == GGUF_TYPE_STRING && f->bytes_len == f->file_size) {
        /* Whole file in memory (mapped): walk the lengths without the
         * per-field bookkeeping; stop at the first string that does not
         * fit and let the checked loop below report it. */
        const uint64_t width = gguf__count_width(f->version), end = f->file_size;
        uint64_t pos = p->pos;
        for (; first < count; first++) {
            if (end - pos < width) break;
            uint64_t len = gguf__count(f, pos);
            if (len > end - pos - width) break;
            pos += width + len;
        }
        p->pos = pos;
    }
    for (uint64_t i = first; i < count; i++) {
        if (elem_type == GGUF_TYPE_STRING) {
            /* The hot loop of a tokenizer (262,144 tokens, 514,906 merges):
             * take_bytes' checks inlined so the element's name is only
             * formatted when there is an error to report. */
            uint64_t len, len_at, left;
            if (!read_count(p, "string length", &len, &len_at)) return false;
            left = bytes_left(p);
            if (len > left)
                return fail(p, GQ_ERR_FORMAT, len_at,
                            "array string %" PRIu64 " length %" PRIu64 " exceeds the %" PRIu64
                            " bytes left in the file",
                            i, len, left);
            if (!load(p, p->pos + len)) return false;
            p->pos += len;
        } else {
            if (!parse_array(p, depth + 1, NULL)) return false;
        }
    }
    return true;
}

static bool parse_value(parser *p, uint32_t type, uint64_t type_at, gguf_value *out) {
    gguf_file *f = p->f;
    uint64_t payload = p->pos;
    memset(out, 0, sizeof *out);
    out->type = (enum gguf_value_type)type;
    if (type >= GGUF_TYPE_COUNT) return fail(p, GQ_ERR_FORMAT, type_at, "unknown value type %" PRIu32, type);
    if (type == GGUF_TYPE_ARRAY) {
        if (!parse_array(p, 1, out)) return false;
    } else if (type == GGUF_TYPE_STRING) {
        uint64_t len, len_at;
        if (!read_count(p, "string length", &len, &len_at)) return false;
        if (!take_bytes(p, len, len_at, "string")) return false;
        out->v.str.len = len; /* the pointer is set once the header is final */
    } else {
        uint64_t at;
        if (!take(p, gguf__fixed_size(type), gguf_value_type_name(type), &at)) return false;
        uint64_t end;
        if (!gguf__decode_payload(f, type, payload, out, &end))
            return fail(p, GQ_ERR_FORMAT, payload, "cannot decode value");
    }
    out->offset = type_at;
    out->size = p->pos - type_at;
    return true;
}

/* ---------------------------------------------------------------- kvs */

static bool grow(void **array, uint64_t *cap, uint64_t need, size_t elem) {
    if (need <= *cap) return true;
    uint64_t n = *cap ? *cap * 2 : 16;
    if (n < need) n = need;
    if (n > SIZE_MAX / elem) return false;
    void *a = realloc(*array, (size_t)n * elem);
    if (!a) return false;
    memset((char *)a + *cap * elem, 0, (size_t)(n - *cap) * elem);
    *array = a;
    *cap = n;
    return true;
}

static bool out_of_memory(parser *p) {
    gguf__set_error(p->err, GQ_ERR_NOMEM, true, p->pos, "%s: out of memory", p->subject);
    return false;
}

static bool parse_kvs(parser *p, uint64_t n_kv) {
    gguf_file *f = p->f;
    const bool lenient = (f->flags & GGUF_OPEN_LENIENT) != 0;
    const uint64_t lw = gguf__count_width(f->version);
    for (uint64_t i = 0; i < n_kv; i++) {
        uint64_t kv_at = p->pos, key_len, len_at;
        set_subject(p, "kv %" PRIu64, i);
        if (!read_count(p, "key length", &key_len, &len_at)) return false;
        if (!take_bytes(p, key_len, len_at, "key")) return false;
        char key[160];
        gguf__describe_bytes(f->bytes + kv_at + lw, key_len, key, sizeof key);
        set_subject(p, "key '%s'", key);

        if (!grow((void **)&f->kvs, &p->kv_cap, i + 1, sizeof *f->kvs)) return out_of_memory(p);
        gguf_kv *kv = &f->kvs[i];
        kv->offset = kv_at;
        kv->key.len = key_len;
        f->n_kv = i + 1;

        if (key_len == 0) {
            if (!lenient) return fail(p, GQ_ERR_FORMAT, kv_at, "kv %" PRIu64 " has an empty key", i);
            if (!gguf__warn(f, "kv %" PRIu64 " has an empty key (at byte %" PRIu64 ")", i, kv_at))
                return out_of_memory(p);
        }
        uint64_t first = gguf__name_set_find(&f->key_set, f, gguf__kv_name, f->bytes + kv_at + lw, key_len);
        if (first != UINT64_MAX) {
            if (!lenient)
                return fail(p, GQ_ERR_FORMAT, kv_at, "duplicate key: kv %" PRIu64 " repeats kv %" PRIu64
                            ", which starts at byte %" PRIu64, i, first, f->kvs[first].offset);
            kv->duplicate = true;
            if (!gguf__warn(f, "key '%s': duplicate key: kv %" PRIu64 " repeats kv %" PRIu64
                            ", the first one is used (at byte %" PRIu64 ")", key, i, first, kv_at))
                return out_of_memory(p);
        } else if (!gguf__name_set_add(&f->key_set, f, gguf__kv_name, i)) {
            return out_of_memory(p);
        }

        uint32_t type;
        uint64_t type_at;
        if (!read_u32(p, "value type", &type, &type_at)) return false;
        if (!parse_value(p, type, type_at, &f->kvs[i].value)) return false;
    }
    return true;
}

static bool check_alignment(parser *p) {
    gguf_file *f = p->f;
    f->alignment = GGUF_DEFAULT_ALIGNMENT;
    int64_t idx = gguf_find_key(f, KEY_ALIGNMENT);
    if (idx < 0) return true;
    const gguf_kv *kv = &f->kvs[idx];
    set_subject(p, "key '" KEY_ALIGNMENT "'");
    if (kv->value.type != GGUF_TYPE_UINT32)
        return fail(p, GQ_ERR_FORMAT, kv->offset, "the alignment must be a uint32, not a %s",
                    gguf_value_type_name(kv->value.type));
    uint64_t a = kv->value.v.u64;
    if (a == 0 || (a & (a - 1)) != 0)
        return fail(p, GQ_ERR_FORMAT, kv->offset, "alignment %" PRIu64 " is not a power of two", a);
    if (a > GGUF_MAX_ALIGNMENT)
        return fail(p, GQ_ERR_FORMAT, kv->offset, "alignment %" PRIu64 " exceeds the maximum %u", a,
                    (unsigned)GGUF_MAX_ALIGNMENT);
    f->alignment = (uint32_t)a;
    return true;
}

/* ---------------------------------------------------------------- tensors */

static bool parse_tensor_shape(parser *p, gguf_tensor *t, uint64_t *ne0_at) {
    uint32_t n_dims;
    uint64_t at;
    if (!read_u32(p, "n_dims", &n_dims, &at)) return false;
    if (n_dims == 0 || n_dims > GGUF_MAX_DIMS)
        return fail(p, GQ_ERR_FORMAT, at, "n_dims %" PRIu32 " is not in 1..%d", n_dims, GGUF_MAX_DIMS);
    t->n_dims = n_dims;
    uint64_t n_elements = 1;
    for (uint32_t d = 0; d < GGUF_MAX_DIMS; d++) t->ne[d] = 1;
    for (uint32_t d = 0; d < n_dims; d++) {
        uint64_t ne;
        if (!read_count(p, "dimension", &ne, &at)) return false;
        if (d == 0) *ne0_at = at;
        if (ne == 0) return fail(p, GQ_ERR_FORMAT, at, "dimension %" PRIu32 " is 0", d);
        if (gguf__mul_overflows(n_elements, ne, &n_elements) || n_elements > (uint64_t)INT64_MAX)
            return fail(p, GQ_ERR_FORMAT, at,
                        "dimension %" PRIu32 " (%" PRIu64 ") makes the element count exceed 2^63-1", d, ne);
        t->ne[d] = ne;
    }
    t->n_elements = n_elements;
    return true;
}

static bool parse_tensor_type(parser *p, gguf_tensor *t, uint64_t ne0_at, uint64_t info_at) {
    gguf_file *f = p->f;
    uint32_t type;
    uint64_t at;
    if (!read_u32(p, "type", &type, &at)) return false;
    t->type = type;
    const gq_type_info *info = gq_type_get(type);
    if (!info || info->removed) {
        char why[96];
        if (!info)
            snprintf(why, sizeof why, "unknown type id %" PRIu32, type);
        else
            snprintf(why, sizeof why, "type id %" PRIu32 " (%s) was removed from ggml", type, info->name);
        if (!(f->flags & GGUF_OPEN_LENIENT)) return fail(p, GQ_ERR_FORMAT, at, "%s", why);
        if (!gguf__warn(f, "%s: %s; its size is unknown and its data unchecked (at byte %" PRIu64 ")", p->subject,
                        why, at))
            return out_of_memory(p);
        t->type_known = false;
        t->n_bytes = 0;
        f->all_types_known = false;
        return true;
    }
    if (t->ne[0] % info->block_size != 0)
        return fail(p, GQ_ERR_FORMAT, ne0_at,
                    "%" PRIu64 " elements per row is not a multiple of the %s block size %" PRIu32, t->ne[0],
                    info->name, info->block_size);
    uint64_t n_bytes;
    if (!gq_type_row_bytes(type, t->n_elements, &n_bytes) || n_bytes > (uint64_t)INT64_MAX)
        return fail(p, GQ_ERR_FORMAT, info_at, "its size in bytes (%" PRIu64 " %s elements) exceeds 2^63-1",
                    t->n_elements, info->name);
    t->type_known = true;
    t->n_bytes = n_bytes;
    return true;
}

static bool parse_tensor_infos(parser *p, uint64_t n_tensors) {
    gguf_file *f = p->f;
    const uint64_t lw = gguf__count_width(f->version);
    for (uint64_t i = 0; i < n_tensors; i++) {
        uint64_t info_at = p->pos, name_len, len_at;
        set_subject(p, "tensor %" PRIu64, i);
        if (!read_count(p, "name length", &name_len, &len_at)) return false;
        if (name_len == 0) return fail(p, GQ_ERR_FORMAT, info_at, "empty name");
        if (name_len > GGUF_MAX_NAME)
            return fail(p, GQ_ERR_FORMAT, info_at, "name length %" PRIu64 " exceeds the maximum %d", name_len,
                        GGUF_MAX_NAME);
        if (!take_bytes(p, name_len, len_at, "name")) return false;
        char name[160];
        gguf__describe_bytes(f->bytes + info_at + lw, name_len, name, sizeof name);
        set_subject(p, "tensor '%s'", name);

        if (!grow((void **)&f->tensors, &p->tensor_cap, i + 1, sizeof *f->tensors)) return out_of_memory(p);
        gguf_tensor *t = &f->tensors[i];
        t->info_offset = info_at;
        t->name.len = name_len;
        f->n_tensors = i + 1;
        uint64_t first = gguf__name_set_find(&f->tensor_set, f, gguf__tensor_name, f->bytes + info_at + lw, name_len);
        if (first != UINT64_MAX)
            return fail(p, GQ_ERR_FORMAT, info_at, "duplicate name: tensor %" PRIu64 " repeats tensor %" PRIu64
                        ", whose info starts at byte %" PRIu64, i, first, f->tensors[first].info_offset);
        if (!gguf__name_set_add(&f->tensor_set, f, gguf__tensor_name, i)) return out_of_memory(p);

        uint64_t ne0_at = 0, at;
        if (!parse_tensor_shape(p, t, &ne0_at)) return false;
        if (!parse_tensor_type(p, t, ne0_at, info_at)) return false;
        if (!read_u64(p, "data offset", &t->offset, &at)) return false;
        if (t->offset % f->alignment != 0)
            return fail(p, GQ_ERR_FORMAT, at, "data offset %" PRIu64 " is not a multiple of the alignment %" PRIu32,
                        t->offset, f->alignment);
    }
    return true;
}

/* ---------------------------------------------------------------- data */

typedef struct extent {
    uint64_t start; /* relative to the data section */
    uint64_t index;
} extent;

static int compare_extents(const void *a, const void *b) {
    const extent *x = a, *y = b;
    if (x->start != y->start) return x->start < y->start ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index;
}

static bool check_data_section(parser *p) {
    gguf_file *f = p->f;
    set_subject(p, "header");
    f->header_size = p->pos;
    if (f->n_tensors == 0) {
        /* As ggml: a file without tensors has no data section to align, so
         * a header that ends short of the padding is still complete. */
        f->data_offset = f->header_size;
        return true;
    }
    if (gguf__pad_overflows(f->header_size, f->alignment, &f->data_offset) || f->data_offset > f->file_size)
        return fail(p, GQ_ERR_FORMAT, f->header_size,
                    "the data section would start past the end of the file (%" PRIu64 " bytes): truncated",
                    f->file_size);
    const uint64_t data_size = f->file_size - f->data_offset;
    for (uint64_t i = 0; i < f->n_tensors; i++) {
        const gguf_tensor *t = &f->tensors[i];
        char name[160];
        gguf__describe_bytes(f->bytes + t->info_offset + gguf__count_width(f->version), t->name.len, name, sizeof name);
        set_subject(p, "tensor '%s'", name);
        uint64_t abs_start = f->data_offset + (t->offset < data_size ? t->offset : data_size);
        if (t->offset > data_size || t->n_bytes > data_size - t->offset)
            return fail(p, GQ_ERR_FORMAT, abs_start,
                        "data [%" PRIu64 ", +%" PRIu64 ") of the data section runs past the end of the file "
                        "(the data section holds %" PRIu64 " bytes): truncated",
                        t->offset, t->n_bytes, data_size);
    }
    /* Overlaps, in offset order (tensors of unknown size take no room). */
    extent *ext = malloc((size_t)f->n_tensors * sizeof *ext);
    if (!ext) return out_of_memory(p);
    uint64_t n = 0;
    for (uint64_t i = 0; i < f->n_tensors; i++)
        if (f->tensors[i].type_known) ext[n++] = (extent){ f->tensors[i].offset, i };
    qsort(ext, (size_t)n, sizeof *ext, compare_extents);
    bool ok = true;
    for (uint64_t k = 1; k < n && ok; k++) {
        const gguf_tensor *prev = &f->tensors[ext[k - 1].index], *cur = &f->tensors[ext[k].index];
        if (cur->offset < prev->offset + prev->n_bytes) {
            char a[160], b[160];
            gguf__describe_bytes(f->bytes + cur->info_offset + gguf__count_width(f->version), cur->name.len, a,
                                 sizeof a);
            gguf__describe_bytes(f->bytes + prev->info_offset + gguf__count_width(f->version), prev->name.len, b,
                                 sizeof b);
            set_subject(p, "tensor '%s'", a);
            ok = fail(p, GQ_ERR_FORMAT, f->data_offset + cur->offset,
                      "data [%" PRIu64 ", %" PRIu64 ") overlaps tensor '%s' [%" PRIu64 ", %" PRIu64
                      ") (offsets in the data section)",
                      cur->offset, cur->offset + cur->n_bytes, b, prev->offset, prev->offset + prev->n_bytes);
        }
    }
    free(ext);
    return ok;
}

/* Point keys, strings and names into the (now final) header bytes. */
static void resolve_pointers(gguf_file *f) {
    const uint64_t lw = gguf__count_width(f->version);
    for (uint64_t i = 0; i < f->n_kv; i++) {
        gguf_kv *kv = &f->kvs[i];
        kv->key.ptr = (const char *)f->bytes + kv->offset + lw;
        if (kv->value.type == GGUF_TYPE_STRING)
            kv->value.v.str.ptr = (const char *)f->bytes + kv->value.offset + 4 + lw;
    }
    for (uint64_t i = 0; i < f->n_tensors; i++)
        f->tensors[i].name.ptr = (const char *)f->bytes + f->tensors[i].info_offset + lw;
}

gq_status gguf__parse(gguf_file *f, gguf_error *err) {
    parser p = { .f = f, .err = err };
    uint64_t n_tensors = 0, n_kv = 0;
    f->all_types_known = true;
    f->alignment = GGUF_DEFAULT_ALIGNMENT;
    bool ok = parse_magic_and_version(&p) && parse_counts(&p, &n_tensors, &n_kv) && parse_kvs(&p, n_kv) &&
              check_alignment(&p) && parse_tensor_infos(&p, n_tensors) && check_data_section(&p);
    gguf__finish_warnings(f);
    if (!ok) return err ? err->status : GQ_ERR_FORMAT;
    resolve_pointers(f);
    return GQ_OK;
}
