/* llama-quantize's output metadata order (see output_meta.h). */
#include "output_meta.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ggml's GGML_QNT_VERSION: the quantization format generation. */
#define QUANTIZATION_VERSION 2

static const char *const split_keys[] = { "split.no", "split.count", "split.tensors.count" };

static void remove_key(out_meta *m, const char *key) {
    for (size_t i = 0; i < m->n; i++) {
        if (strcmp(m->kvs[i].key, key) != 0) continue;
        free(m->kvs[i].key);
        memmove(&m->kvs[i], &m->kvs[i + 1], (m->n - i - 1) * sizeof m->kvs[0]);
        m->n--;
        return;
    }
}

/* ggml's gguf_set_*: remove the key if present, then append. */
static bool set_key(out_meta *m, size_t *cap, const char *key, size_t key_len, const gguf_kv *copy,
                    const gq_kv_override *value) {
    char *k = malloc(key_len + 1);
    if (!k) return false;
    memcpy(k, key, key_len);
    k[key_len] = 0;
    remove_key(m, k);
    if (m->n == *cap) {
        size_t nc = *cap ? *cap * 2 : 64;
        out_kv *grown = realloc(m->kvs, nc * sizeof *grown);
        if (!grown) { free(k); return false; }
        m->kvs = grown;
        *cap = nc;
    }
    out_kv *kv = &m->kvs[m->n++];
    memset(kv, 0, sizeof *kv);
    kv->key = k;
    kv->copy = copy;
    if (value) kv->value = *value;
    return true;
}

static gq_kv_override u32_value(uint32_t v) {
    gq_kv_override o;
    memset(&o, 0, sizeof o);
    o.kind = GQ_KV_OVERRIDE_INT;
    o.i = v;
    return o;
}

static gq_kv_override str_value(const char *s) {
    gq_kv_override o;
    memset(&o, 0, sizeof o);
    o.kind = GQ_KV_OVERRIDE_STR;
    /* llama-quantize keeps at most 127 bytes (strncpy into char[128]) */
    size_t len = strnlen(s, sizeof o.s - 1);
    memcpy(o.s, s, len);
    o.s[len] = 0;
    return o;
}

bool out_meta_build(const gguf_file *src, uint32_t file_type, const gq_kv_override *overrides,
                    size_t n_overrides, const out_imatrix_info *imatrix, out_meta *out, char *msg,
                    size_t msg_size) {
    memset(out, 0, sizeof *out);
    size_t cap = 0;
    bool ok = true;
    for (uint64_t i = 0; ok && i < gguf_kv_count(src); i++) {
        const gguf_kv *kv = gguf_get_kv(src, i);
        if (kv->duplicate) continue;
        if (memchr(kv->key.ptr, 0, (size_t)kv->key.len)) {
            snprintf(msg, msg_size, "kv %llu: the key contains a NUL byte", (unsigned long long)i);
            out_meta_free(out);
            return false;
        }
        ok = set_key(out, &cap, kv->key.ptr, (size_t)kv->key.len, kv, NULL);
    }
    gq_kv_override v = u32_value(QUANTIZATION_VERSION);
    ok = ok && set_key(out, &cap, "general.quantization_version", 28, NULL, &v);
    v = u32_value(file_type);
    ok = ok && set_key(out, &cap, "general.file_type", 17, NULL, &v);
    for (size_t i = 0; ok && i < sizeof split_keys / sizeof split_keys[0]; i++) remove_key(out, split_keys[i]);
    for (size_t i = 0; ok && i < n_overrides; i++)
        ok = set_key(out, &cap, overrides[i].key, strlen(overrides[i].key), NULL, &overrides[i]);
    if (ok && imatrix) {
        v = str_value(imatrix->file);
        ok = set_key(out, &cap, "quantize.imatrix.file", 21, NULL, &v);
        if (ok && imatrix->dataset) {
            v = str_value(imatrix->dataset);
            ok = set_key(out, &cap, "quantize.imatrix.dataset", 24, NULL, &v);
        }
        v = u32_value(imatrix->n_entries);
        ok = ok && set_key(out, &cap, "quantize.imatrix.entries_count", 30, NULL, &v);
        if (ok && imatrix->n_chunks > 0) {
            v = u32_value((uint32_t)imatrix->n_chunks);
            ok = set_key(out, &cap, "quantize.imatrix.chunks_count", 29, NULL, &v);
        }
    }
    if (!ok) {
        snprintf(msg, msg_size, "out of memory building the output metadata");
        out_meta_free(out);
    }
    return ok;
}

void out_meta_free(out_meta *m) {
    for (size_t i = 0; i < m->n; i++) free(m->kvs[i].key);
    free(m->kvs);
    m->kvs = NULL;
    m->n = 0;
}

bool out_meta_set_u32(out_meta *m, const char *key, uint32_t value) {
    /* the list's capacity is not kept: grow to exactly one more */
    size_t cap = m->n;
    gq_kv_override v = u32_value(value);
    return set_key(m, &cap, key, strlen(key), NULL, &v);
}

/* The value llama.cpp writes for an INT override: uint32 |v|. */
static uint32_t int_override_u32(int64_t v) {
    uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    return (uint32_t)mag;
}

static uint64_t value_bytes(const out_kv *kv) {
    if (kv->copy) return kv->copy->value.size; /* type field included */
    switch (kv->value.kind) {
    case GQ_KV_OVERRIDE_INT: return 4 + 4;
    case GQ_KV_OVERRIDE_FLOAT: return 4 + 4;
    case GQ_KV_OVERRIDE_BOOL: return 4 + 1;
    case GQ_KV_OVERRIDE_STR: return 4 + 8 + strlen(kv->value.s);
    }
    return 0;
}

uint64_t out_meta_bytes(const out_meta *m) {
    uint64_t total = 0;
    for (size_t i = 0; i < m->n; i++) total += 8 + strlen(m->kvs[i].key) + value_bytes(&m->kvs[i]);
    return total;
}

uint32_t out_meta_alignment(const out_meta *m) {
    for (size_t i = 0; i < m->n; i++) {
        const out_kv *kv = &m->kvs[i];
        if (strcmp(kv->key, "general.alignment") != 0) continue;
        uint64_t a = 0;
        if (kv->copy && kv->copy->value.type == GGUF_TYPE_UINT32) a = kv->copy->value.v.u64;
        else if (!kv->copy && kv->value.kind == GQ_KV_OVERRIDE_INT) a = int_override_u32(kv->value.i);
        if (a && (a & (a - 1)) == 0 && a <= GGUF_MAX_ALIGNMENT) return (uint32_t)a;
    }
    return GGUF_DEFAULT_ALIGNMENT;
}

gq_status out_meta_emit(const out_meta *m, const gguf_file *src, gguf_writer *w) {
    for (size_t i = 0; i < m->n; i++) {
        const out_kv *kv = &m->kvs[i];
        gq_status st;
        if (kv->copy) {
            st = gguf_writer_copy_kv(w, src, kv->copy);
        } else {
            switch (kv->value.kind) {
            case GQ_KV_OVERRIDE_INT: st = gguf_writer_add_u32(w, kv->key, int_override_u32(kv->value.i)); break;
            case GQ_KV_OVERRIDE_FLOAT: st = gguf_writer_add_f32(w, kv->key, (float)kv->value.f); break;
            case GQ_KV_OVERRIDE_BOOL: st = gguf_writer_add_bool(w, kv->key, kv->value.b); break;
            case GQ_KV_OVERRIDE_STR: st = gguf_writer_add_str(w, kv->key, kv->value.s); break;
            default: st = GQ_ERR_ARG; break;
            }
        }
        if (st != GQ_OK) return st;
    }
    return GQ_OK;
}
