/* Reading tensor values as floats: see tensor_values.h. */
#include "cli/tensor_values.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gq/quant.h"
#include "gq/types.h"

uint64_t gq_tensor_rows(const gguf_tensor *t) { return t->ne[0] ? t->n_elements / t->ne[0] : 0; }

/* Plain scalar types this file converts itself (and may byte-swap). */
static bool is_plain(uint32_t type) {
    switch (type) {
    case GQ_TYPE_F32: case GQ_TYPE_F16: case GQ_TYPE_BF16: case GQ_TYPE_F64:
    case GQ_TYPE_I8: case GQ_TYPE_I16: case GQ_TYPE_I32: case GQ_TYPE_I64:
        return true;
    default:
        return false;
    }
}

bool gq_tensor_values_readable(const gguf_file *f, const gguf_tensor *t, char *why, size_t size) {
    if (!t->type_known) {
        snprintf(why, size, "its type id %" PRIu32 " is unknown to this build, so its size and layout are unknown",
                 t->type);
        return false;
    }
    const gq_type_info *info = gq_type_get(t->type);
    if (gguf_is_big_endian(f) && !is_plain(t->type)) {
        snprintf(why, size,
                 "the file is big-endian and the tensor is %s: block data has no defined big-endian layout, "
                 "so its values cannot be decoded",
                 info->name);
        return false;
    }
    if (!is_plain(t->type) && !gq_can_dequantize(t->type)) {
        snprintf(why, size, "this build cannot dequantize %s", info->name);
        return false;
    }
    return true;
}

static void swap_bytes(uint8_t *p, uint64_t n_elements, unsigned width) {
    for (uint64_t i = 0; i < n_elements; i++, p += width)
        for (unsigned a = 0, b = width - 1; a < b; a++, b--) {
            uint8_t tmp = p[a];
            p[a] = p[b];
            p[b] = tmp;
        }
}

/* Convert n plain scalars (already in host order) to float. */
static bool convert_plain(uint32_t type, const uint8_t *src, float *dst, uint64_t n) {
    switch (type) {
    case GQ_TYPE_F32: case GQ_TYPE_F16: case GQ_TYPE_BF16:
        return gq_dequantize(type, src, dst, (int64_t)n) == GQ_OK;
    case GQ_TYPE_F64:
        for (uint64_t i = 0; i < n; i++) { double v; memcpy(&v, src + 8 * i, 8); dst[i] = (float)v; }
        return true;
    case GQ_TYPE_I8:
        for (uint64_t i = 0; i < n; i++) dst[i] = (float)(int8_t)src[i];
        return true;
    case GQ_TYPE_I16:
        for (uint64_t i = 0; i < n; i++) { int16_t v; memcpy(&v, src + 2 * i, 2); dst[i] = (float)v; }
        return true;
    case GQ_TYPE_I32:
        for (uint64_t i = 0; i < n; i++) { int32_t v; memcpy(&v, src + 4 * i, 4); dst[i] = (float)v; }
        return true;
    case GQ_TYPE_I64:
        for (uint64_t i = 0; i < n; i++) { int64_t v; memcpy(&v, src + 8 * i, 8); dst[i] = (float)v; }
        return true;
    default:
        return false;
    }
}

bool gq_tensor_read_rows(const gguf_file *f, const gguf_tensor *t, uint64_t row_begin, uint64_t row_end,
                         uint64_t max_values, gq_rows_fn fn, void *ctx, char *why, size_t size) {
    if (size) why[0] = '\0';
    if (!gq_tensor_values_readable(f, t, why, size)) return false;
    const uint64_t n_rows = gq_tensor_rows(t), ne0 = t->ne[0];
    if (row_begin > row_end || row_end > n_rows) {
        snprintf(why, size, "rows %" PRIu64 ":%" PRIu64 " are outside the tensor's %" PRIu64 " rows", row_begin,
                 row_end, n_rows);
        return false;
    }
    uint64_t row_bytes;
    if (!gq_type_row_bytes(t->type, ne0, &row_bytes)) {
        snprintf(why, size, "a row of %" PRIu64 " elements has no whole size in %s", ne0, gq_type_name(t->type));
        return false;
    }
    const gq_type_info *info = gq_type_get(t->type);
    uint64_t batch = max_values / ne0;
    if (batch == 0) batch = 1;
    if (batch > row_end - row_begin) batch = row_end - row_begin;
    /* A single row may be large (ne0 of a hostile file is bounded only by
     * the file size, which the reader checked): the allocation is at most
     * one batch of the tensor's own data plus its floats. */
    uint8_t *raw = malloc(batch ? batch * row_bytes : 1);
    float *values = malloc(batch ? batch * ne0 * sizeof(float) : 1);
    bool ok = raw && values;
    if (!ok) snprintf(why, size, "out of memory for %" PRIu64 " rows of %" PRIu64 " values", batch, ne0);
    for (uint64_t row = row_begin; ok && row < row_end; row += batch) {
        uint64_t n = row_end - row < batch ? row_end - row : batch;
        gguf_error err;
        memset(&err, 0, sizeof err);
        if (gguf_read_tensor(f, t, row * row_bytes, raw, n * row_bytes, &err) != GQ_OK) {
            snprintf(why, size, "%s", err.message[0] ? err.message : "read failed");
            ok = false;
            break;
        }
        if (gguf_is_big_endian(f) && info->type_size > 1) swap_bytes(raw, n * ne0, info->type_size);
        if (is_plain(t->type)) ok = convert_plain(t->type, raw, values, n * ne0);
        else ok = gq_dequantize(t->type, raw, values, (int64_t)(n * ne0)) == GQ_OK;
        if (!ok) {
            snprintf(why, size, "decoding %s failed", info->name);
            break;
        }
        if (!fn(values, row, n, ctx)) {
            ok = false; /* stopped by the caller: why stays "" */
            break;
        }
    }
    free(raw);
    free(values);
    return ok;
}

void gq_value_stats_init(gq_value_stats *s) {
    memset(s, 0, sizeof *s);
    s->min = INFINITY;
    s->max = -INFINITY;
}

void gq_value_stats_add(gq_value_stats *s, const float *v, uint64_t n) {
    for (uint64_t i = 0; i < n; i++) {
        double x = v[i];
        if (isnan(x)) { s->n_nan++; continue; }
        if (isinf(x)) { s->n_inf++; continue; }
        s->count++;
        double d = x - s->mean;
        s->mean += d / (double)s->count;
        s->m2 += d * (x - s->mean);
        if (x < s->min) s->min = x;
        if (x > s->max) s->max = x;
    }
}

double gq_value_stats_std(const gq_value_stats *s) {
    return s->count ? sqrt(s->m2 / (double)s->count) : 0.0;
}

void gq_histogram_init(gq_histogram *h, double lo, double hi, uint32_t n_bins) {
    memset(h, 0, sizeof *h);
    h->lo = lo;
    h->hi = hi;
    h->n_bins = n_bins < 1 ? 1 : n_bins > GQ_HISTOGRAM_MAX_BINS ? GQ_HISTOGRAM_MAX_BINS : n_bins;
}

void gq_histogram_add(gq_histogram *h, const float *v, uint64_t n) {
    const double width = h->hi - h->lo;
    for (uint64_t i = 0; i < n; i++) {
        double x = v[i];
        if (!isfinite(x)) continue;
        int64_t b = width > 0 ? (int64_t)floor((x - h->lo) / width * h->n_bins) : 0;
        if (b < 0) b = 0;
        if (b >= (int64_t)h->n_bins) b = h->n_bins - 1; /* x == hi lands in the last bin */
        h->bins[b]++;
    }
}
