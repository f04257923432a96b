/* The legacy binary imatrix format (llama.cpp's imatrix.dat, before GGUF):
 *
 *   int32 n_entries
 *   n_entries times: int32 name_len, name bytes, int32 ncall, int32 nval, nval f32
 *   optional tail:   int32 chunk_count, int32 dataset_len, dataset bytes
 *
 * All little-endian.  The stored values are (sum of squares / count) *
 * ncall, so the weight llama-quantize uses is value / ncall (or the value
 * itself when ncall is 0).  Every length is checked against the bytes that
 * remain before anything is allocated. */
#include <stdlib.h>
#include <string.h>

#include "imatrix_internal.h"

typedef struct byte_reader {
    const unsigned char *p;
    size_t left;
} byte_reader;

static bool read_i32(byte_reader *r, int32_t *out) {
    if (r->left < 4) return false;
    uint32_t u = (uint32_t)r->p[0] | (uint32_t)r->p[1] << 8 | (uint32_t)r->p[2] << 16 | (uint32_t)r->p[3] << 24;
    memcpy(out, &u, 4);
    r->p += 4;
    r->left -= 4;
    return true;
}

static float f32_at(const unsigned char *p) {
    uint32_t u = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
    float f;
    memcpy(&f, &u, 4);
    return f;
}

gq_imatrix *imatrix_parse_legacy(const void *data, size_t size, gq_status *status, char *msg,
                                 size_t msg_size) {
    byte_reader r = { data, size };
    int32_t n_entries;
    if (!read_i32(&r, &n_entries) || n_entries < 1) {
        imatrix_fail(status, GQ_ERR_FORMAT, msg, msg_size,
                     "not an importance matrix (no GGUF magic, and no legacy entry count)");
        return NULL;
    }
    /* every entry needs at least 16 bytes: a cheap bound before the loop */
    if ((uint64_t)n_entries > r.left / 16) {
        imatrix_fail(status, GQ_ERR_FORMAT, msg, msg_size,
                     "legacy imatrix claims %d entries but has only %zu bytes", n_entries, size);
        return NULL;
    }
    gq_imatrix *m = calloc(1, sizeof *m);
    if (!m) {
        imatrix_fail(status, GQ_ERR_NOMEM, msg, msg_size, "out of memory");
        return NULL;
    }
    m->is_legacy = true;

    for (int32_t i = 0; i < n_entries; i++) {
        int32_t name_len, ncall, nval;
        if (!read_i32(&r, &name_len) || name_len < 0 || (size_t)name_len > r.left) {
            imatrix_fail(status, GQ_ERR_FORMAT, msg, msg_size,
                         "legacy imatrix entry %d: bad or truncated name", i + 1);
            goto fail;
        }
        /* the name is a C string in llama.cpp: it ends at the first NUL */
        size_t shown = strnlen((const char *)r.p, (size_t)name_len);
        char *name = malloc(shown + 1);
        if (!name) goto oom;
        memcpy(name, r.p, shown);
        name[shown] = 0;
        r.p += name_len;
        r.left -= (size_t)name_len;
        if (!read_i32(&r, &ncall) || !read_i32(&r, &nval) || nval < 1) {
            free(name);
            imatrix_fail(status, GQ_ERR_FORMAT, msg, msg_size,
                         "legacy imatrix entry %d: bad or truncated value count", i + 1);
            goto fail;
        }
        if ((uint64_t)nval * 4 > r.left) {
            imatrix_fail(status, GQ_ERR_FORMAT, msg, msg_size,
                         "legacy imatrix entry '%s': %d values but only %zu bytes left", name, nval,
                         r.left);
            free(name);
            goto fail;
        }
        float *w = malloc((size_t)nval * sizeof *w);
        if (!w) { free(name); goto oom; }
        for (int32_t j = 0; j < nval; j++) {
            float v = f32_at(r.p + 4 * (size_t)j);
            /* llama-quantize: value / ncall, in float (ncall converted to float) */
            w[j] = ncall > 0 ? v / (float)ncall : v;
        }
        r.p += 4 * (size_t)nval;
        r.left -= 4 * (size_t)nval;
        if (!imatrix_append(m, name, w, (uint64_t)nval, 1)) goto oom;
    }

    /* optional tail: chunk count, then the dataset name */
    if (r.left > 0) {
        int32_t chunks, len;
        if (read_i32(&r, &chunks)) {
            m->chunk_count = chunks;
            if (read_i32(&r, &len) && len > 0 && (size_t)len <= r.left) {
                size_t shown = strnlen((const char *)r.p, (size_t)len);
                if (!imatrix_add_dataset(m, (const char *)r.p, shown)) goto oom;
            }
        }
    }
    return m;

oom:
    imatrix_fail(status, GQ_ERR_NOMEM, msg, msg_size, "out of memory reading the importance matrix");
fail:
    gq_imatrix_free(m);
    return NULL;
}
