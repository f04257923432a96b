/* Bit-exactness with ggml: every file of vectors/quant, through the scalar
 * reference and the SIMD kernels, on one thread and on several.
 *
 * For each type of types.txt:
 *   <type>.q / <type>.imat.q    = quantize(rows.f32 [, imatrix.f32])  (byte for byte)
 *   <type>[.imat].deq.f32       = dequantize(<type>[.imat].q)          (bit for bit)
 *   <type>.rand.deq.f32         = dequantize(<type>.rand.q)            (NaN matches NaN)
 * A vector file that types.txt promises and that is missing fails the test. */
#include "gqtest.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gq/quant.h"

typedef struct {
    unsigned id;
    char name[32];
    unsigned block, bytes;
    int quantize, imat_required;
} vec_type;

static vec_type types[64];
static int n_types;
static int rows, n_per_row;
static float *input, *imatrix;

static int load(void **state) {
    (void)state;
    size_t size;
    char *text = gqt_read_file(gqt_shared_path("vectors/quant/types.txt"), &size);
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char q[8];
        vec_type *t = &types[n_types];
        if (sscanf(line, "rows=%d n_per_row=%d", &rows, &n_per_row) == 2) continue;
        if (sscanf(line, "type %u %31s block=%u bytes=%u quantize=%7s imatrix_required=%d", &t->id,
                   t->name, &t->block, &t->bytes, q, &t->imat_required) == 6) {
            t->quantize = strcmp(q, "yes") == 0;
            n_types++;
        }
    }
    free(text);
    input = gqt_read_file(gqt_shared_path("vectors/quant/rows.f32"), &size);
    assert_int_equal(size, (size_t)rows * n_per_row * 4);
    imatrix = gqt_read_file(gqt_shared_path("vectors/quant/imatrix.f32"), &size);
    assert_int_equal(size, (size_t)n_per_row * 4);
    return 0;
}

static int unload(void **state) {
    (void)state;
    free(input);
    free(imatrix);
    return 0;
}

static char *vec_path(const vec_type *t, const char *suffix) {
    static char rel[256];
    snprintf(rel, sizeof rel, "vectors/quant/%s%s", t->name, suffix);
    return (char *)gqt_shared_path(rel);
}

/* Bit-compare float arrays; NaN matches any NaN.  Reports the first miss. */
static int floats_match(const float *got, const float *want, size_t n, const char *what) {
    for (size_t i = 0; i < n; i++) {
        uint32_t a, b;
        memcpy(&a, &got[i], 4);
        memcpy(&b, &want[i], 4);
        if (a == b || (isnan(got[i]) && isnan(want[i]))) continue;
        print_error("%s: element %zu (row %zu col %zu): got %.9g (0x%08x), want %.9g (0x%08x)\n", what, i,
                    i / (size_t)n_per_row, i % (size_t)n_per_row, got[i], a, want[i], b);
        return 0;
    }
    return 1;
}

static int bytes_match(const uint8_t *got, const uint8_t *want, size_t n, size_t row_bytes,
                       const char *what) {
    for (size_t i = 0; i < n; i++) {
        if (got[i] == want[i]) continue;
        print_error("%s: byte %zu (row %zu, byte %zu of the row) got 0x%02x want 0x%02x\n", what, i,
                    i / row_bytes, i % row_bytes, got[i], want[i]);
        return 0;
    }
    return 1;
}

/* Check one type under the current kernel selection and thread count.
 * Returns the number of mismatching files. */
static int check_type(const vec_type *t, int n_threads) {
    char what[256];
    int bad = 0;
    const size_t row_bytes = (size_t)n_per_row / t->block * t->bytes;
    const size_t n = (size_t)rows * n_per_row;
    float *deq = malloc(n * sizeof(float));
    uint8_t *q = malloc((size_t)rows * row_bytes);
    assert_non_null(deq);
    assert_non_null(q);

    /* dequantizers: .q, .imat.q, .rand.q */
    const char *dq_files[3][2] = { { ".q", ".deq.f32" }, { ".imat.q", ".imat.deq.f32" },
                                   { ".rand.q", ".rand.deq.f32" } };
    for (int k = 0; k < 3; k++) {
        size_t qsize, fsize;
        if (k == 0 && t->imat_required) continue; /* no plain .q for those */
        uint8_t *qb = gqt_read_file(vec_path(t, dq_files[k][0]), &qsize);
        float *want = gqt_read_file(vec_path(t, dq_files[k][1]), &fsize);
        assert_int_equal(qsize % row_bytes, 0);
        int64_t nr = (int64_t)(qsize / row_bytes);
        assert_int_equal(fsize, (size_t)nr * n_per_row * 4);
        snprintf(what, sizeof what, "%s dequantize %s [%s, %d threads]", t->name, dq_files[k][0],
                 gq_quant_isa(), n_threads);
        gq_status st = gq_dequantize_rows(t->id, qb, deq, nr, n_per_row, n_threads);
        if (st != GQ_OK) {
            print_error("%s: %s\n", what, gq_status_str(st));
            bad++;
        } else if (!floats_match(deq, want, (size_t)nr * n_per_row, what)) {
            bad++;
        }
        free(qb);
        free(want);
    }

    /* quantizers: without and with importance weights */
    for (int with_imat = 0; with_imat < 2 && t->quantize; with_imat++) {
        size_t size;
        gq_nonfinite_at where;
        size_t written = 0;
        snprintf(what, sizeof what, "%s quantize%s [%s, %d threads]", t->name, with_imat ? " imat" : "",
                 gq_quant_isa(), n_threads);
        gq_status st = gq_quantize(t->id, input, q, rows, n_per_row, with_imat ? imatrix : NULL, n_threads,
                                   &written, &where);
        if (!with_imat && t->imat_required) {
            if (st != GQ_ERR_NEED_IMATRIX) {
                print_error("%s: expected a refusal without importance weights, got %s\n", what,
                            gq_status_str(st));
                bad++;
            }
            continue;
        }
        uint8_t *want = gqt_read_file(vec_path(t, with_imat ? ".imat.q" : ".q"), &size);
        assert_int_equal(size, (size_t)rows * row_bytes);
        if (st != GQ_OK) {
            print_error("%s: %s\n", what, gq_status_str(st));
            bad++;
        } else {
            assert_int_equal(written, size);
            if (!bytes_match(q, want, size, row_bytes, what)) bad++;
        }
        free(want);
    }
    free(deq);
    free(q);
    return bad;
}

static void run_all(int simd, int n_threads) {
    gq_quant_set_simd(simd);
    int bad = 0;
    for (int i = 0; i < n_types; i++) bad += check_type(&types[i], n_threads);
    gq_quant_set_simd(true);
    assert_int_equal(bad, 0);
}

static void scalar_one_thread(void **state) { (void)state; run_all(0, 1); }
static void scalar_three_threads(void **state) { (void)state; run_all(0, 3); }
static void simd_one_thread(void **state) { (void)state; run_all(1, 1); }
static void simd_four_threads(void **state) { (void)state; run_all(1, 4); }

static void types_txt_lists_every_quantizable_type(void **state) {
    (void)state;
    assert_int_equal(n_types, 27);
    assert_int_equal(rows, 64);
    assert_int_equal(n_per_row, 512);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(types_txt_lists_every_quantizable_type),
        cmocka_unit_test(scalar_one_thread),
        cmocka_unit_test(scalar_three_threads),
        cmocka_unit_test(simd_one_thread),
        cmocka_unit_test(simd_four_threads),
    };
    return cmocka_run_group_tests(tests, load, unload);
}
