/* KV cache estimate from metadata: see kv_memory.h for the formula. */
#include "cli/kv_memory.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool fail(char *why, size_t size, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, size, fmt, ap);
    va_end(ap);
    return false;
}

static bool mul_u64(uint64_t a, uint64_t b, uint64_t *out) {
    if (a && b > UINT64_MAX / a) return false;
    *out = a * b;
    return true;
}

static bool arch_of(const gguf_file *f, char *arch, size_t size) {
    gguf_str s;
    if (!gguf_get_str(f, "general.architecture", &s) || s.len == 0 || s.len >= size) return false;
    memcpy(arch, s.ptr, (size_t)s.len);
    arch[s.len] = '\0';
    return true;
}

uint64_t gq_kv_context_length(const gguf_file *f) {
    char arch[64], key[128];
    uint64_t v = 0;
    if (!arch_of(f, arch, sizeof arch)) return 0;
    snprintf(key, sizeof key, "%s.context_length", arch);
    return gguf_get_u64(f, key, &v) ? v : 0;
}

static bool is_integer_type(enum gguf_value_type t) {
    switch (t) {
    case GGUF_TYPE_UINT8: case GGUF_TYPE_INT8: case GGUF_TYPE_UINT16: case GGUF_TYPE_INT16:
    case GGUF_TYPE_UINT32: case GGUF_TYPE_INT32: case GGUF_TYPE_UINT64: case GGUF_TYPE_INT64:
        return true;
    default:
        return false;
    }
}

static bool is_signed_type(enum gguf_value_type t) {
    return t == GGUF_TYPE_INT8 || t == GGUF_TYPE_INT16 || t == GGUF_TYPE_INT32 || t == GGUF_TYPE_INT64;
}

/* A non-negative integer from a decoded scalar value. */
static bool value_to_u64(const gguf_value *v, uint64_t *out) {
    if (!is_integer_type(v->type)) return false;
    if (is_signed_type(v->type)) {
        if (v->v.i64 < 0) return false;
        *out = (uint64_t)v->v.i64;
    } else {
        *out = v->v.u64;
    }
    return true;
}

/* A per-block quantity: either one number for every block or an array
 * with one entry per block.  *present is false when the key is absent. */
typedef struct per_block {
    const gguf_file *f;
    const gguf_kv *kv;
    uint64_t scalar;
    bool present;
} per_block;

static bool per_block_init(per_block *pb, const gguf_file *f, const char *key, uint64_t n_layer, char *why,
                           size_t size) {
    memset(pb, 0, sizeof *pb);
    pb->f = f;
    int64_t i = gguf_find_key(f, key);
    if (i < 0) return true;
    pb->kv = gguf_get_kv(f, (uint64_t)i);
    pb->present = true;
    const gguf_value *v = &pb->kv->value;
    if (v->type == GGUF_TYPE_ARRAY) {
        if (!is_integer_type(v->v.arr.type))
            return fail(why, size, "%s is an array of %s, not of integers", key, gguf_value_type_name(v->v.arr.type));
        if (v->v.arr.len != n_layer)
            return fail(why, size, "%s has %" PRIu64 " entries for %" PRIu64 " blocks", key, v->v.arr.len, n_layer);
        return true;
    }
    if (!value_to_u64(v, &pb->scalar))
        return fail(why, size, "%s is a %s, not a non-negative integer", key, gguf_value_type_name(v->type));
    pb->kv = NULL;
    return true;
}

static bool per_block_get(const per_block *pb, uint64_t il, uint64_t *out) {
    if (!pb->kv) {
        *out = pb->scalar;
        return true;
    }
    gguf_value e;
    return gguf_array_get(pb->f, &pb->kv->value, il, &e) && value_to_u64(&e, out);
}

/* Periods llama.cpp uses when a model with a sliding window has no
 * sliding_window_pattern key. */
static uint64_t default_swa_period(const char *arch) {
    static const struct { const char *arch; uint64_t period; } table[] = {
        {"gemma2", 2}, {"gemma3", 6}, {"gemma3n", 5}, {"cohere2", 4},
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (strcmp(table[i].arch, arch) == 0) return table[i].period;
    return 0; /* 0: every block slides */
}

/* Which blocks slide.  Returns false with `why` on malformed metadata. */
static bool sliding_pattern(const gguf_file *f, const char *arch, gq_kv_estimate *e, char *why, size_t size) {
    char key[128];
    snprintf(key, sizeof key, "%s.attention.sliding_window_pattern", arch);
    int64_t i = gguf_find_key(f, key);
    uint64_t period = default_swa_period(arch);
    if (i >= 0) {
        const gguf_value *v = &gguf_get_kv(f, (uint64_t)i)->value;
        if (v->type == GGUF_TYPE_ARRAY) {
            if (v->v.arr.type != GGUF_TYPE_BOOL && !is_integer_type(v->v.arr.type))
                return fail(why, size, "%s is an array of %s, not of bools", key, gguf_value_type_name(v->v.arr.type));
            if (v->v.arr.len != e->n_layer)
                return fail(why, size, "%s has %" PRIu64 " entries for %" PRIu64 " blocks", key, v->v.arr.len,
                            e->n_layer);
            gguf_array_iter it;
            gguf_array_iter_init(&it, f, v);
            for (uint64_t il = 0; il < e->n_layer; il++) {
                gguf_value x;
                if (!gguf_array_next(&it, &x)) return fail(why, size, "%s: entry %" PRIu64 " is unreadable", key, il);
                e->layers[il].sliding = x.type == GGUF_TYPE_BOOL ? x.v.b : x.v.u64 != 0;
            }
            return true;
        }
        if (!value_to_u64(v, &period))
            return fail(why, size, "%s is a %s, neither a period nor one bool per block", key,
                        gguf_value_type_name(v->type));
    }
    for (uint64_t il = 0; il < e->n_layer; il++)
        e->layers[il].sliding = period == 0 || il % period < period - 1;
    return true;
}

bool gq_kv_estimate_compute(const gguf_file *f, uint64_t ctx, gq_kv_estimate *e, char *why, size_t size) {
    memset(e, 0, sizeof *e);
    e->ctx = ctx;
    e->bytes_per_value = 2;
    if (!arch_of(f, e->arch, sizeof e->arch))
        return fail(why, size, "general.architecture is missing, so the model's shape is unknown");
    const char *arch = e->arch;
    char key[128];
#define KEY(suffix) (snprintf(key, sizeof key, "%s.%s", arch, suffix), key)
    if (!gguf_get_u64(f, KEY("block_count"), &e->n_layer))
        return fail(why, size, "%s is missing", key);
    if (e->n_layer == 0 || e->n_layer > GQ_KV_MAX_LAYERS)
        return fail(why, size, "%s = %" PRIu64 " is not a plausible number of blocks", key, e->n_layer);
    e->layers = calloc((size_t)e->n_layer, sizeof *e->layers);
    if (!e->layers) return fail(why, size, "out of memory");

    per_block heads, heads_kv;
    if (!per_block_init(&heads, f, KEY("attention.head_count"), e->n_layer, why, size) ||
        !per_block_init(&heads_kv, f, KEY("attention.head_count_kv"), e->n_layer, why, size))
        goto fail;
    if (!heads.present && !heads_kv.present) {
        fail(why, size, "%s.attention.head_count is missing", arch);
        goto fail;
    }
    uint64_t embd = 0, k_len = 0, v_len = 0, k_swa = 0, v_swa = 0;
    gguf_get_u64(f, KEY("embedding_length"), &embd);
    bool has_k = gguf_get_u64(f, KEY("attention.key_length"), &k_len);
    bool has_v = gguf_get_u64(f, KEY("attention.value_length"), &v_len);
    bool has_k_swa = gguf_get_u64(f, KEY("attention.key_length_swa"), &k_swa);
    bool has_v_swa = gguf_get_u64(f, KEY("attention.value_length_swa"), &v_swa);
    gguf_get_u64(f, KEY("attention.sliding_window"), &e->window);
    gguf_get_u64(f, KEY("attention.shared_kv_layers"), &e->n_shared);
    if (e->n_shared == 0 && strcmp(arch, "gemma3n") == 0 && e->n_layer > 20)
        e->n_shared = e->n_layer - 20; /* llama.cpp hard-codes 20 cached blocks */
    if (e->n_shared > e->n_layer) {
        fail(why, size, "%s.attention.shared_kv_layers = %" PRIu64 " exceeds the %" PRIu64 " blocks", arch,
             e->n_shared, e->n_layer);
        goto fail;
    }
    if (e->window > 0 && !sliding_pattern(f, arch, e, why, size)) goto fail;

    for (uint64_t il = 0; il < e->n_layer; il++) {
        gq_kv_layer *l = &e->layers[il];
        uint64_t nh = 0, nkv = 0;
        if (heads.present && !per_block_get(&heads, il, &nh)) goto unreadable;
        if (heads_kv.present && !per_block_get(&heads_kv, il, &nkv)) goto unreadable;
        if (!heads_kv.present) nkv = nh;
        l->heads_kv = nkv;
        l->has_cache = il < e->n_layer - e->n_shared;
        if (l->sliding && has_k_swa) l->k_len = k_swa;
        else if (has_k) l->k_len = k_len;
        else if (nh) l->k_len = embd / nh;
        if (l->sliding && has_v_swa) l->v_len = v_swa;
        else if (has_v) l->v_len = v_len;
        else l->v_len = l->k_len;
        if (nkv && l->k_len == 0) {
            fail(why, size, "%s.attention.key_length is missing and the head width cannot be derived", arch);
            goto fail;
        }
        if (!l->has_cache) continue;
        l->cells = l->sliding && e->window < ctx ? e->window : ctx;
        /* Overflow-checked: hostile metadata may hold huge numbers. */
        uint64_t width = l->k_len + l->v_len, per_cell, total;
        if (width < l->k_len || !mul_u64(nkv, width, &per_cell) ||
            !mul_u64(per_cell, e->bytes_per_value, &per_cell) || !mul_u64(per_cell, l->cells, &total) ||
            e->bytes + total < total) {
            fail(why, size, "the KV cache size overflows 64 bits (block %" PRIu64 ")", il);
            goto fail;
        }
        l->bytes = total;
        e->bytes += total;
        if (l->sliding) e->n_sliding++;
    }
#undef KEY
    return true;
unreadable:
    fail(why, size, "a per-block head count of %s is unreadable", arch);
fail:
    gq_kv_estimate_free(e);
    return false;
}

void gq_kv_estimate_free(gq_kv_estimate *e) {
    free(e->layers);
    e->layers = NULL;
}
