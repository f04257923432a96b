/* Section 2: metadata differences between the inputs.
 *
 * Values are compared where they lie in the maps: scalars decoded, strings
 * and whole arrays as encoded bytes (one memcmp for a 262,144-entry token
 * list when the byte orders agree), and only when an array differs is it
 * walked element by element — lazily, with the reader's iterator — to find
 * the first index where it does.  Nothing is built per element. */
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "compare/report.h"

bool cmp_key_expected(const char *key, size_t len) {
    /* What llama-quantize rewrites (file type, quantization version, the
     * quantize.* provenance keys) and what gguf-split adds per part. */
    static const char *const exact[] = { "general.file_type", "general.quantization_version" };
    for (size_t i = 0; i < sizeof exact / sizeof exact[0]; i++)
        if (strlen(exact[i]) == len && memcmp(exact[i], key, len) == 0) return true;
    if (len > 9 && memcmp(key, "quantize.", 9) == 0) return true;
    return cmp_is_split_key(key, len);
}

const char *cmp_key_kind_name(cmp_key_kind kind) {
    switch (kind) {
    case CMP_KEY_SAME: return "same";
    case CMP_KEY_PARTIAL: return "only-in-some";
    case CMP_KEY_TYPE: return "type";
    case CMP_KEY_VALUE: return "value";
    }
    return "?";
}

static bool same_bits(double a, double b) { return memcmp(&a, &b, sizeof a) == 0; }

static bool same_type(const gguf_value *a, const gguf_value *b) {
    if (a->type != b->type) return false;
    return a->type != GGUF_TYPE_ARRAY || a->v.arr.type == b->v.arr.type;
}

static bool same_value(const gguf_file *fa, const gguf_value *a, const gguf_file *fb,
                       const gguf_value *b, bool *has_first, uint64_t *first);

/* Arrays of the same element type: equal bytes, or the first index where
 * they part (the shorter length when one is a prefix of the other). */
static bool same_array(const gguf_file *fa, const gguf_value *a, const gguf_file *fb,
                       const gguf_value *b, bool *has_first, uint64_t *first) {
    if (gguf_is_big_endian(fa) == gguf_is_big_endian(fb) && a->size == b->size) {
        const uint8_t *ra = gguf_raw(fa, a->offset, a->size);
        const uint8_t *rb = gguf_raw(fb, b->offset, b->size);
        if (ra && rb && memcmp(ra, rb, (size_t)a->size) == 0) return true;
    }
    gguf_array_iter ia, ib;
    gguf_array_iter_init(&ia, fa, a);
    gguf_array_iter_init(&ib, fb, b);
    uint64_t i = 0;
    gguf_value ea, eb;
    for (;; i++) {
        bool more_a = gguf_array_next(&ia, &ea), more_b = gguf_array_next(&ib, &eb);
        if (!more_a || !more_b) {
            if (more_a == more_b && a->v.arr.len == b->v.arr.len) return true;
            break;
        }
        if (!same_value(fa, &ea, fb, &eb, NULL, NULL)) break;
    }
    if (has_first) *has_first = true;
    if (first) *first = i;
    return false;
}

static bool same_value(const gguf_file *fa, const gguf_value *a, const gguf_file *fb,
                       const gguf_value *b, bool *has_first, uint64_t *first) {
    if (!same_type(a, b)) return false;
    switch (a->type) {
    case GGUF_TYPE_UINT8:
    case GGUF_TYPE_UINT16:
    case GGUF_TYPE_UINT32:
    case GGUF_TYPE_UINT64: return a->v.u64 == b->v.u64;
    case GGUF_TYPE_INT8:
    case GGUF_TYPE_INT16:
    case GGUF_TYPE_INT32:
    case GGUF_TYPE_INT64: return a->v.i64 == b->v.i64;
    /* Bitwise, so that NaN equals the same NaN and 0 differs from -0:
     * a copy of the metadata must be byte-for-byte the same value. */
    case GGUF_TYPE_FLOAT32:
    case GGUF_TYPE_FLOAT64: return same_bits(a->v.f64, b->v.f64);
    case GGUF_TYPE_BOOL: return a->v.b == b->v.b;
    case GGUF_TYPE_STRING:
        return a->v.str.len == b->v.str.len &&
               (a->v.str.len == 0 || memcmp(a->v.str.ptr, b->v.str.ptr, (size_t)a->v.str.len) == 0);
    case GGUF_TYPE_ARRAY: return same_array(fa, a, fb, b, has_first, first);
    default: return false;
    }
}

static bool key_ignored(const cmp_options *opt, gguf_str key) {
    if (!opt || !opt->n_ignore_keys) return false;
    char stack[256];
    char *k = key.len < sizeof stack ? stack : malloc((size_t)key.len + 1);
    if (!k) return false;
    memcpy(k, key.ptr, (size_t)key.len);
    k[key.len] = 0;
    bool hit = false;
    for (size_t i = 0; i < opt->n_ignore_keys && !hit; i++)
        hit = fnmatch(opt->ignore_keys[i], k, 0) == 0;
    if (k != stack) free(k);
    return hit;
}

/* Is the key already in the union: present in an input before `input`? */
static bool seen_before(const cmp_report *r, size_t input, gguf_str key) {
    if (input != r->ref && cmp_model_find_kv(r->inputs[r->ref], key.ptr, (size_t)key.len) >= 0) return true;
    for (size_t j = 0; j < input; j++)
        if (j != r->ref && cmp_model_find_kv(r->inputs[j], key.ptr, (size_t)key.len) >= 0) return true;
    return false;
}

static bool fill_row(cmp_report *r, cmp_key_row *row, const cmp_options *opt) {
    row->cells = calloc(r->n_inputs, sizeof *row->cells);
    if (!row->cells) return false;
    size_t present = 0;
    row->baseline = SIZE_MAX;
    for (size_t i = 0; i < r->n_inputs; i++) {
        const cmp_model *m = r->inputs[i];
        int64_t k = cmp_model_find_kv(m, row->key.ptr, (size_t)row->key.len);
        if (k < 0) continue;
        row->cells[i].file = m->kv[k].file;
        row->cells[i].kv = m->kv[k].kv;
        present++;
        if (row->baseline == SIZE_MAX) row->baseline = i;
    }
    if (row->cells[r->ref].kv) row->baseline = r->ref;
    const cmp_key_cell *base = &row->cells[row->baseline];
    bool type_differs = false, value_differs = false;
    for (size_t i = 0; i < r->n_inputs; i++) {
        cmp_key_cell *c = &row->cells[i];
        if (!c->kv || i == row->baseline) continue;
        if (!same_type(&c->kv->value, &base->kv->value)) {
            c->differs = type_differs = true;
        } else if (!same_value(base->file, &base->kv->value, c->file, &c->kv->value, &c->has_first_diff,
                               &c->first_diff)) {
            c->differs = value_differs = true;
        }
    }
    if (present < r->n_inputs) row->kind = CMP_KEY_PARTIAL;
    else if (type_differs) row->kind = CMP_KEY_TYPE;
    else if (value_differs) row->kind = CMP_KEY_VALUE;
    else row->kind = CMP_KEY_SAME;
    row->expected = cmp_key_expected(row->key.ptr, (size_t)row->key.len);
    row->ignored = key_ignored(opt, row->key);
    return true;
}

/* Does input i list the keys it shares with the reference in the
 * reference's order?  Positions in the reference must only grow. */
static void key_order(const cmp_report *r, size_t i, cmp_order *o) {
    const cmp_model *m = r->inputs[i], *ref = r->inputs[r->ref];
    int64_t last = -1;
    for (size_t k = 0; k < m->n_kv; k++) {
        gguf_str key = m->kv[k].kv->key;
        int64_t pos = cmp_model_find_kv(ref, key.ptr, (size_t)key.len);
        if (pos < 0) continue;
        if (pos < last) {
            o->differs = true;
            /* The key that came too late is the one that was moved when
             * it sits earlier in the reference than its predecessor. */
            o->first_moved = key;
            return;
        }
        last = pos;
    }
}

bool cmp_build_metadata(cmp_report *r, const cmp_options *opt) {
    size_t cap = 0;
    for (size_t i = 0; i < r->n_inputs; i++) cap += r->inputs[i]->n_kv;
    r->keys = calloc(cap ? cap : 1, sizeof *r->keys);
    r->key_order = calloc(r->n_inputs, sizeof *r->key_order);
    if (!r->keys || !r->key_order) return false;
    /* Union: the reference's keys in its order, then each other input's new ones. */
    for (size_t pass = 0; pass <= r->n_inputs; pass++) {
        size_t i = pass == 0 ? r->ref : pass - 1;
        if (pass > 0 && i == r->ref) continue;
        const cmp_model *m = r->inputs[i];
        for (size_t k = 0; k < m->n_kv; k++) {
            gguf_str key = m->kv[k].kv->key;
            if (pass > 0 && seen_before(r, i, key)) continue;
            cmp_key_row *row = &r->keys[r->n_keys++];
            row->key = key;
            if (!fill_row(r, row, opt)) return false;
            if (row->kind != CMP_KEY_SAME) r->n_key_diffs++;
        }
    }
    for (size_t i = 0; i < r->n_inputs; i++)
        if (i != r->ref) key_order(r, i, &r->key_order[i]);
    return true;
}
