/* See quant_testutil.h. */
#include "gqtest.h"

#include "quant_testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gq/quant.h"
#include "gq/types.h"

uint64_t gqt_rng_next(uint64_t *state) {
    uint64_t z = (*state += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

double gqt_rng_unit(uint64_t *state) { return ((double)(gqt_rng_next(state) >> 11) + 0.5) * 0x1p-53; }

double gqt_rng_gauss(uint64_t *state) {
    const double u = gqt_rng_unit(state);
    return sqrt(-2.0 * log(u)) * cos(6.283185307179586 * gqt_rng_unit(state));
}

size_t gqt_row_bytes(uint32_t type, int64_t n_per_row) {
    uint64_t b = 0;
    assert_true(gq_type_row_bytes(type, (uint64_t)n_per_row, &b));
    return (size_t)b;
}

int gqt_bytes_identical(const uint8_t *got, const uint8_t *want, size_t n, const char *what) {
    for (size_t i = 0; i < n; i++) {
        if (got[i] == want[i]) continue;
        print_error("%s: byte %zu got 0x%02x want 0x%02x\n", what, i, got[i], want[i]);
        return 0;
    }
    return 1;
}

int gqt_floats_identical(const float *got, const float *want, size_t n, const char *what) {
    for (size_t i = 0; i < n; i++) {
        uint32_t a, b;
        memcpy(&a, &got[i], 4);
        memcpy(&b, &want[i], 4);
        if (a == b || (isnan(got[i]) && isnan(want[i]))) continue;
        print_error("%s: element %zu got %.9g (0x%08x) want %.9g (0x%08x)\n", what, i, got[i], a, want[i], b);
        return 0;
    }
    return 1;
}

int gqt_quantize_simd_matches_scalar(uint32_t type, const float *x, int64_t rows, int64_t n_per_row,
                                     const float *imatrix, int threads, const char *what) {
    const size_t bytes = (size_t)rows * gqt_row_bytes(type, n_per_row);
    uint8_t *scalar = malloc(bytes), *simd = malloc(bytes);
    assert_non_null(scalar);
    assert_non_null(simd);
    gq_quant_set_simd(false);
    assert_int_equal(gq_quantize(type, x, scalar, rows, n_per_row, imatrix, 1, NULL, NULL), GQ_OK);
    gq_quant_set_simd(true);
    assert_int_equal(gq_quantize(type, x, simd, rows, n_per_row, imatrix, threads, NULL, NULL), GQ_OK);
    char label[200];
    snprintf(label, sizeof label, "%s %s: %s vs scalar", gq_type_name(type), what, gq_quant_isa());
    const int same = gqt_bytes_identical(simd, scalar, bytes, label);
    free(scalar);
    free(simd);
    return same;
}

int gqt_dequantize_simd_matches_scalar(uint32_t type, const void *blocks, int64_t rows, int64_t n_per_row,
                                       int threads, const char *what) {
    const size_t n = (size_t)(rows * n_per_row);
    float *scalar = malloc(n * sizeof *scalar), *simd = malloc(n * sizeof *simd);
    assert_non_null(scalar);
    assert_non_null(simd);
    gq_quant_set_simd(false);
    assert_int_equal(gq_dequantize_rows(type, blocks, scalar, rows, n_per_row, 1), GQ_OK);
    gq_quant_set_simd(true);
    assert_int_equal(gq_dequantize_rows(type, blocks, simd, rows, n_per_row, threads), GQ_OK);
    char label[200];
    snprintf(label, sizeof label, "%s dequantize %s: %s vs scalar", gq_type_name(type), what, gq_quant_isa());
    const int same = gqt_floats_identical(simd, scalar, n, label);
    free(scalar);
    free(simd);
    return same;
}

void gqt_open_gemma4_mini(gguf_file **bf16, gq_imatrix **imat) {
    gguf_error err;
    gq_status st;
    char msg[256];
    *bf16 = gguf_open(gqt_shared_path("fixtures/quantized/gemma4-mini/gemma4-mini-BF16.gguf"), 0, &err);
    if (!*bf16) fail_msg("gemma4-mini-BF16.gguf: cannot open");
    *imat = gq_imatrix_load(gqt_shared_path("fixtures/quantized/gemma4-mini/gemma4-mini.imatrix.gguf"), &st, msg,
                            sizeof msg);
    if (!*imat) fail_msg("gemma4-mini.imatrix.gguf: %s", msg);
}

void gqt_close_gemma4_mini(gguf_file *bf16, gq_imatrix *imat) {
    gq_imatrix_free(imat);
    gguf_close(bf16);
}

int gqt_requantize_gemma4_mini(const char *variant, uint32_t type, const gguf_file *bf16, const gq_imatrix *imat) {
    char rel[256];
    gguf_error err;
    snprintf(rel, sizeof rel, "fixtures/quantized/gemma4-mini/gemma4-mini-%s.gguf", variant);
    gguf_file *q = gguf_open(gqt_shared_path(rel), 0, &err);
    if (!q) fail_msg("cannot open %s", rel);
    int checked = 0;
    for (uint64_t i = 0; i < gguf_tensor_count(q); i++) {
        const gguf_tensor *t = gguf_get_tensor(q, i);
        if (t->type != type) continue;
        char name[256];
        snprintf(name, sizeof name, "%.*s", (int)t->name.len, t->name.ptr);
        const int64_t src_index = gguf_find_tensor(bf16, name);
        assert_true(src_index >= 0);
        const gguf_tensor *src = gguf_get_tensor(bf16, (uint64_t)src_index);
        assert_int_equal(src->type, GQ_TYPE_BF16);
        assert_int_equal(src->n_elements, t->n_elements);
        const int64_t n_per_row = (int64_t)t->ne[0], nrows = (int64_t)(t->n_elements / t->ne[0]);
        const uint8_t *raw = gguf_tensor_data(bf16, src);
        assert_non_null(raw);
        float *x = malloc((size_t)t->n_elements * sizeof *x);
        assert_non_null(x);
        for (uint64_t j = 0; j < t->n_elements; j++) {
            /* bf16 is the top half of an f32 (little-endian in the file) */
            const uint32_t bits = (uint32_t)(raw[2 * j] | raw[2 * j + 1] << 8) << 16;
            memcpy(&x[j], &bits, 4);
        }
        const gq_imatrix_entry *e = gq_imatrix_find(imat, name);
        assert_non_null(e); /* llama-quantize had weights for every tensor it made an IQ type */
        assert_int_equal(e->n_values, (uint64_t)n_per_row);
        uint8_t *got = malloc((size_t)t->n_bytes);
        assert_non_null(got);
        size_t written = 0;
        assert_int_equal(gq_quantize(type, x, got, nrows, n_per_row, e->weights, 2, &written, NULL), GQ_OK);
        assert_int_equal(written, (size_t)t->n_bytes);
        char what[320];
        snprintf(what, sizeof what, "%s %s [%s]", variant, name, gq_quant_isa());
        assert_true(gqt_bytes_identical(got, gguf_tensor_data(q, t), (size_t)t->n_bytes, what));
        free(got);
        free(x);
        checked++;
    }
    gguf_close(q);
    return checked;
}
