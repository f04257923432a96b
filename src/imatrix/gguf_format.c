/* The GGUF imatrix format (llama.cpp's llama-imatrix since 2025): per
 * weight two f32 tensors, "<weight>.in_sum2" (sums of squared activations,
 * ne0 values per expert) and "<weight>.counts" (tokens counted, one per
 * expert), plus imatrix.datasets / imatrix.chunk_count / imatrix.chunk_size.
 * The weight is in_sum2 / count, the count rounded to an integer first,
 * and 1 for experts that never saw a token — exactly llama-quantize's
 * arithmetic. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gq/gguf.h"
#include "imatrix_internal.h"

typedef struct part {
    char *base;       /* the weight name, without the suffix */
    uint64_t tensor;  /* index in the file */
    bool is_sums;     /* .in_sum2 (else .counts) */
} part;

static int compare_parts(const void *pa, const void *pb) {
    const part *a = pa, *b = pb;
    int c = strcmp(a->base, b->base);
    if (c) return c;
    return (int)b->is_sums - (int)a->is_sums; /* sums first */
}

static bool has_suffix(gguf_str s, const char *suffix, uint64_t *base_len) {
    size_t n = strlen(suffix);
    if (s.len < n || memcmp(s.ptr + s.len - n, suffix, n) != 0) return false;
    *base_len = s.len - n;
    return true;
}

static float *read_f32_tensor(const gguf_file *f, const gguf_tensor *t, gq_status *status,
                              char *msg, size_t msg_size, const char *name) {
    if (t->type != GQ_TYPE_F32) {
        imatrix_fail(status, GQ_ERR_FORMAT, msg, msg_size, "imatrix tensor for '%s' is %s, not f32",
                     name, gq_type_name(t->type));
        return NULL;
    }
    float *buf = malloc(t->n_elements ? t->n_elements * sizeof(float) : 1);
    if (!buf) {
        imatrix_fail(status, GQ_ERR_NOMEM, msg, msg_size, "out of memory");
        return NULL;
    }
    gguf_error err;
    if (gguf_read_tensor(f, t, 0, buf, t->n_elements * sizeof(float), &err) != GQ_OK) {
        imatrix_fail(status, err.status, msg, msg_size, "imatrix data for '%s': %s", name, err.message);
        free(buf);
        return NULL;
    }
    /* the data is little-endian on disk; so is every host gq supports */
    return buf;
}

static void read_metadata(const gguf_file *f, gq_imatrix *m, bool *ok) {
    int64_t k_datasets = gguf_find_key(f, "imatrix.datasets");
    int64_t k_chunks = gguf_find_key(f, "imatrix.chunk_count");
    int64_t k_size = gguf_find_key(f, "imatrix.chunk_size");
    if (k_datasets >= 0) {
        const gguf_kv *kv = gguf_get_kv(f, (uint64_t)k_datasets);
        if (kv->value.type == GGUF_TYPE_ARRAY && kv->value.v.arr.type == GGUF_TYPE_STRING) {
            gguf_array_iter it;
            gguf_value v;
            gguf_array_iter_init(&it, f, &kv->value);
            while (gguf_array_next(&it, &v))
                if (!imatrix_add_dataset(m, v.v.str.ptr, (size_t)v.v.str.len)) { *ok = false; return; }
        }
    }
    uint64_t u;
    if (gguf_get_u64(f, "imatrix.chunk_count", &u)) m->chunk_count = (int32_t)(uint32_t)u;
    if (gguf_get_u64(f, "imatrix.chunk_size", &u)) m->chunk_size = (int32_t)(uint32_t)u;
    m->has_metadata = k_datasets >= 0 && k_chunks >= 0 && k_size >= 0;
}

gq_imatrix *imatrix_parse_gguf(const void *data, size_t size, gq_status *status, char *msg,
                               size_t msg_size) {
    gguf_error err;
    gguf_file *f = gguf_open_memory(data, size, 0, &err);
    if (!f) {
        imatrix_fail(status, err.status, msg, msg_size, "invalid GGUF importance matrix: %s", err.message);
        return NULL;
    }
    gq_imatrix *m = calloc(1, sizeof *m);
    uint64_t n_tensors = gguf_tensor_count(f);
    part *parts = n_tensors ? calloc(n_tensors, sizeof *parts) : NULL;
    size_t n_parts = 0;
    if (!m || (n_tensors && !parts)) goto oom;
    if (n_tensors < 1) {
        imatrix_fail(status, GQ_ERR_FORMAT, msg, msg_size, "the importance matrix has no data (no tensors)");
        goto fail;
    }
    bool ok = true;
    read_metadata(f, m, &ok);
    if (!ok) goto oom;

    for (uint64_t i = 0; i < n_tensors; i++) {
        const gguf_tensor *t = gguf_get_tensor(f, i);
        uint64_t base_len;
        bool sums = has_suffix(t->name, ".in_sum2", &base_len);
        if (!sums && !has_suffix(t->name, ".counts", &base_len)) continue;
        char *base = malloc(base_len + 1);
        if (!base) goto oom;
        memcpy(base, t->name.ptr, base_len);
        base[base_len] = 0;
        parts[n_parts++] = (part){ base, i, sums };
    }
    qsort(parts, n_parts, sizeof *parts, compare_parts);

    for (size_t i = 0; i < n_parts;) {
        const part *p = &parts[i];
        bool paired = i + 1 < n_parts && strcmp(parts[i + 1].base, p->base) == 0 && p->is_sums &&
                      !parts[i + 1].is_sums;
        if (!paired) {
            imatrix_fail(status, GQ_ERR_FORMAT, msg, msg_size, "mismatched sums and counts for '%s'", p->base);
            goto fail;
        }
        const gguf_tensor *ts = gguf_get_tensor(f, p->tensor);
        const gguf_tensor *tc = gguf_get_tensor(f, parts[i + 1].tensor);
        uint64_t nval = ts->n_elements, ncounts = tc->n_elements;
        if (ncounts == 0 || nval == 0 || nval % ncounts != 0) {
            imatrix_fail(status, GQ_ERR_FORMAT, msg, msg_size,
                         "'%s': %llu sums do not split into %llu experts", p->base,
                         (unsigned long long)nval, (unsigned long long)ncounts);
            goto fail;
        }
        float *sums = read_f32_tensor(f, ts, status, msg, msg_size, p->base);
        if (!sums) goto fail;
        float *counts = read_f32_tensor(f, tc, status, msg, msg_size, p->base);
        if (!counts) { free(sums); goto fail; }
        const uint64_t ne0 = nval / ncounts;
        for (uint64_t j = 0; j < ncounts; j++) {
            const float count = (float)lroundf(counts[j]);
            for (uint64_t c = 0; c < ne0; c++) {
                float *w = &sums[j * ne0 + c];
                *w = count > 0.0f ? *w / count : 1.0f;
            }
        }
        free(counts);
        char *name = parts[i].base;
        parts[i].base = NULL;
        if (!imatrix_append(m, name, sums, nval, ncounts)) goto oom;
        i += 2;
    }
    if (m->n_entries == 0) {
        imatrix_fail(status, GQ_ERR_FORMAT, msg, msg_size,
                     "the GGUF file holds no .in_sum2/.counts tensors: not an importance matrix");
        goto fail;
    }
    for (size_t i = 0; i < n_parts; i++) free(parts[i].base);
    free(parts);
    gguf_close(f);
    return m;

oom:
    imatrix_fail(status, GQ_ERR_NOMEM, msg, msg_size, "out of memory reading the importance matrix");
fail:
    for (size_t i = 0; i < n_parts; i++) free(parts[i].base);
    free(parts);
    gq_imatrix_free(m);
    gguf_close(f);
    return NULL;
}
