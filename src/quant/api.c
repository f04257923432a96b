/* The public quantize/dequantize entry points: argument checks, the
 * non-finite scan, and splitting rows across threads. */
#include <math.h>
#include <stdlib.h>

#include "gq/quant.h"
#include "kernels.h"
#include "parallel.h"

bool gq_can_dequantize(uint32_t type) {
    const gq_kernels *k = gq_kernels_for(type);
    return k && k->dequant;
}

bool gq_can_quantize(uint32_t type) {
    const gq_kernels *k = gq_kernels_for(type);
    return k && k->quant;
}

gq_status gq_dequantize(uint32_t type, const void *src, float *dst, int64_t n) {
    const gq_type_info *t = gq_type_get(type);
    const gq_kernels *k = gq_kernels_for(type);
    if (!t || t->removed || !k || !k->dequant) return GQ_ERR_UNSUPPORTED;
    if (n < 0 || n % t->block_size) return GQ_ERR_ARG;
    if (n) k->dequant(src, dst, n);
    return GQ_OK;
}

typedef struct {
    const gq_kernels *k;
    const gq_type_info *t;
    const void *src;
    float *dst;
    const float *fsrc;
    void *qdst;
    int64_t n_per_row;
    size_t row_bytes;
    const float *imatrix;
} rows_job;

static void dequant_range(void *ctx, int64_t begin, int64_t end) {
    rows_job *j = ctx;
    const uint8_t *src = (const uint8_t *)j->src + (size_t)begin * j->row_bytes;
    j->k->dequant(src, j->dst + begin * j->n_per_row, (end - begin) * j->n_per_row);
}

gq_status gq_dequantize_rows(uint32_t type, const void *src, float *dst, int64_t nrows,
                             int64_t n_per_row, int n_threads) {
    const gq_type_info *t = gq_type_get(type);
    const gq_kernels *k = gq_kernels_for(type);
    uint64_t row_bytes;
    if (!t || t->removed || !k || !k->dequant) return GQ_ERR_UNSUPPORTED;
    if (nrows < 0 || n_per_row < 0 || !gq_type_row_bytes(type, (uint64_t)n_per_row, &row_bytes))
        return GQ_ERR_ARG;
    rows_job j = { .k = k, .t = t, .src = src, .dst = dst, .n_per_row = n_per_row,
                   .row_bytes = (size_t)row_bytes };
    gq_parallel_for(n_threads, nrows, dequant_range, &j);
    return GQ_OK;
}

static void quant_range(void *ctx, int64_t begin, int64_t end) {
    rows_job *j = ctx;
    uint8_t *dst = (uint8_t *)j->qdst + (size_t)begin * j->row_bytes;
    j->k->quant(j->fsrc + begin * j->n_per_row, dst, end - begin, j->n_per_row, j->imatrix);
}

gq_status gq_quantize(uint32_t type, const float *src, void *dst, int64_t nrows, int64_t n_per_row,
                      const float *imatrix, int n_threads, size_t *written, gq_nonfinite_at *where) {
    const gq_type_info *t = gq_type_get(type);
    const gq_kernels *k = gq_kernels_for(type);
    uint64_t row_bytes;
    if (!t || t->removed || !k || !k->quant) return GQ_ERR_UNSUPPORTED;
    if (nrows < 0 || n_per_row <= 0 || !gq_type_row_bytes(type, (uint64_t)n_per_row, &row_bytes))
        return GQ_ERR_ARG;
    if (t->needs_imatrix && !imatrix) return GQ_ERR_NEED_IMATRIX;
    /* Refuse NaN/Inf up front: ggml would quantize them into garbage blocks silently. */
    for (int64_t r = 0; r < nrows; r++) {
        const float *row = src + r * n_per_row;
        for (int64_t c = 0; c < n_per_row; c++) {
            if (!isfinite(row[c])) {
                if (where) *where = (gq_nonfinite_at){ r, c, row[c] };
                return GQ_ERR_NONFINITE;
            }
        }
    }
    rows_job j = { .k = k, .t = t, .fsrc = src, .qdst = dst, .n_per_row = n_per_row,
                   .row_bytes = (size_t)row_bytes, .imatrix = imatrix };
    gq_parallel_for(n_threads, nrows, quant_range, &j);
    if (written) *written = (size_t)row_bytes * (size_t)nrows;
    return GQ_OK;
}
