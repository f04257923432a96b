/* gq-compare's reconstruction-error figures against figures computed
 * outside the project: fixtures/quantized/gemma4-mini/reference-errors.json
 * was made with ggml's own dequantizers and float64 sums in numpy (see the
 * fixture's README).  Every tensor of the Q8_0, Q6_K, Q4_K_M and IQ2_M files
 * is checked, then the aggregates (recomputed here from the reference's
 * per-tensor sums), the percentile estimates (against exact nearest-rank
 * selection done here), and independence from the thread count. */
#include "gqtest.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "compare/json_doc.h"
#include "compare/report.h"
#include "gq/quant.h"

#define DIR "fixtures/quantized/gemma4-mini/"

static const char *const variant_files[] = { "gemma4-mini-Q8_0.gguf", "gemma4-mini-Q6_K.gguf",
                                             "gemma4-mini-Q4_K_M.gguf", "gemma4-mini-IQ2_M.gguf" };
#define N_VARIANTS 4

static cmp_report *build(int threads) {
    const char *paths[1 + N_VARIANTS];
    static char store[1 + N_VARIANTS][4096];
    snprintf(store[0], sizeof store[0], "%s", gqt_shared_path(DIR "gemma4-mini-BF16.gguf"));
    for (int i = 0; i < N_VARIANTS; i++) {
        char rel[256];
        snprintf(rel, sizeof rel, DIR "%s", variant_files[i]);
        snprintf(store[i + 1], sizeof store[0], "%s", gqt_shared_path(rel));
    }
    for (int i = 0; i <= N_VARIANTS; i++) paths[i] = store[i];
    cmp_options opt = { .threads = threads, .compute_errors = true };
    cmp_report *r = NULL;
    char err[512] = "";
    cmp_build_status st = cmp_report_build(paths, 1 + N_VARIANTS, &opt, &r, err, sizeof err);
    if (st != CMP_BUILD_OK) fail_msg("cmp_report_build: %d %s", st, err);
    return r;
}

static json_node *reference_figures(void) {
    size_t size;
    char *text = gqt_read_file(gqt_shared_path(DIR "reference-errors.json"), &size);
    char err[256];
    json_node *doc = json_parse(text, size, err, sizeof err);
    free(text);
    if (!doc) fail_msg("reference-errors.json: %s", err);
    return doc;
}

static size_t variant_index(const cmp_report *r, const char *label) {
    for (size_t v = 0; v < r->n_variants; v++)
        if (strcmp(r->inputs[r->variant_input[v]]->label, label) == 0) return v;
    fail_msg("variant %s not among the inputs", label);
    return 0;
}

static size_t row_index(const cmp_report *r, const char *name) {
    for (size_t i = 0; i < r->n_rows; i++)
        if (strlen(name) == r->rows[i].name.len && memcmp(name, r->rows[i].name.ptr, r->rows[i].name.len) == 0)
            return i;
    fail_msg("tensor %s not in the report", name);
    return 0;
}

static void assert_rel(double got, double want, double tol, const char *what, const char *tensor) {
    if (want == 0 ? got == 0 : fabs(got - want) <= tol * fabs(want)) return;
    fail_msg("%s of %s: got %.17g, reference %.17g (relative tolerance %g)", what, tensor, got, want, tol);
}

/* Float64 sums of the same float32 values in another order (numpy sums
 * pairwise, we sum per chunk) agree to ~1e-13; 1e-9 leaves room but would
 * catch any real difference (a wrong element, a float32 accumulator). */
#define SUM_TOL 1e-9

static void every_tensor_matches_reference_errors(void **state) {
    (void)state;
    cmp_report *r = build(2);
    json_node *doc = reference_figures();
    assert_string_equal(json_str(json_get(doc, "reference")), r->inputs[r->ref]->label);
    assert_int_equal(r->ref_reason, CMP_REF_FLOAT);
    const json_node *variants = json_get(doc, "variants");
    assert_non_null(variants);
    assert_int_equal(variants->n, N_VARIANTS);
    size_t checked = 0;
    for (size_t vi = 0; vi < variants->n; vi++) {
        const json_node *vj = json_at(variants, vi);
        size_t v = variant_index(r, vj->key);
        const json_node *tensors = json_get(vj, "tensors");
        assert_int_equal(tensors->n, r->n_rows);
        size_t changed = 0;
        for (size_t ti = 0; ti < tensors->n; ti++) {
            const json_node *tj = json_at(tensors, ti);
            const char *name = tj->key;
            size_t row = row_index(r, name);
            const cmp_result *res = cmp_report_result(r, row, v);
            assert_int_equal(res->status, CMP_R_OK);
            const gguf_tensor *vt = r->rows[row].cells[r->variant_input[v]];
            if (strcasecmp(gq_type_name(vt->type), json_str(json_get(tj, "type"))) != 0)
                fail_msg("%s in %s: type %s, reference says %s", name, vj->key, gq_type_name(vt->type),
                         json_str(json_get(tj, "type")));
            assert_true(res->sums.n == (uint64_t)json_num(json_get(tj, "n"), -1));
            assert_int_equal(res->sums.n_nonfinite, 0);
            assert_rel(res->sums.sum_e2, json_num(json_get(tj, "sum_e2"), NAN), SUM_TOL, "sum_e2", name);
            assert_rel(res->sums.sum_x2, json_num(json_get(tj, "sum_x2"), NAN), SUM_TOL, "sum_x2", name);
            assert_rel(res->fig.rmse, json_num(json_get(tj, "rmse"), NAN), SUM_TOL, "rmse", name);
            assert_rel(res->fig.nmse, json_num(json_get(tj, "nmse"), NAN), SUM_TOL, "nmse", name);
            /* max|e| involves no sum: the same float64 differences give the same maximum. */
            assert_rel(res->fig.max_abs, json_num(json_get(tj, "max_abs"), NAN), 0, "max_abs", name);
            /* The reference's cosine equals a plain sequential float64 loop
             * over Σxy to the last digit, whose rounding error for 2^20
             * terms can reach ~n·eps = 2e-10; ours is checked to 1e-12
             * against an extended-precision sum in the percentile test. */
            double cos_ref = json_num(json_get(tj, "cosine"), NAN);
            if (fabs(res->fig.cosine - cos_ref) > 2e-10)
                fail_msg("cosine of %s: %.17g vs %.17g", name, res->fig.cosine, cos_ref);
            /* The percentile is a histogram estimate: within 1 %. */
            assert_rel(res->fig.p99, json_num(json_get(tj, "p99_abs"), NAN), 0.01, "p99_abs", name);
            /* SNR from the reference's own sums. */
            double e2 = json_num(json_get(tj, "sum_e2"), NAN), x2 = json_num(json_get(tj, "sum_x2"), NAN);
            if (e2 > 0) assert_rel(res->fig.snr_db, 10 * log10(x2 / e2), SUM_TOL, "snr_db", name);
            else assert_true(isinf(res->fig.snr_db) && res->fig.snr_db > 0);
            if (res->changed) changed++;
            checked++;
        }
        assert_int_equal(changed, (size_t)json_num(json_get(vj, "n_changed"), -1));
        assert_int_equal(r->overall[v].n_tensors, changed);
        assert_rel(r->overall[v].fig.nmse, json_num(json_get(vj, "nmse_overall"), NAN), SUM_TOL, "nmse_overall",
                   vj->key);
    }
    assert_int_equal(checked, N_VARIANTS * 142);
    json_free(doc);
    cmp_report_free(r);
}

/* Per-class and per-layer figures pool the changed tensors' sums: rebuild
 * them from the reference's per-tensor sums. */
static void aggregates_pool_the_changed_tensors(void **state) {
    (void)state;
    cmp_report *r = build(2);
    json_node *doc = reference_figures();
    const json_node *variants = json_get(doc, "variants");
    for (size_t vi = 0; vi < variants->n; vi++) {
        const json_node *vj = json_at(variants, vi);
        size_t v = variant_index(r, vj->key);
        const json_node *tensors = json_get(vj, "tensors");
        double *ce2 = calloc(r->n_classes, sizeof *ce2), *cx2 = calloc(r->n_classes, sizeof *cx2);
        double *le2 = calloc(r->n_layers, sizeof *le2), *lx2 = calloc(r->n_layers, sizeof *lx2);
        size_t *cn = calloc(r->n_classes, sizeof *cn), *ln = calloc(r->n_layers, sizeof *ln);
        for (size_t ti = 0; ti < tensors->n; ti++) {
            const json_node *tj = json_at(tensors, ti);
            size_t row = row_index(r, tj->key);
            const gguf_tensor *rt = r->rows[row].cells[r->ref];
            if (strcasecmp(gq_type_name(rt->type), json_str(json_get(tj, "type"))) == 0) continue;
            /* Class and layer from the name, spelled out independently. */
            const char *name = tj->key, *cls = name;
            long layer = -1;
            if (strncmp(name, "blk.", 4) == 0) {
                layer = strtol(name + 4, NULL, 10);
                cls = strchr(name + 4, '.') + 1;
            }
            char cbuf[128];
            snprintf(cbuf, sizeof cbuf, "%s", cls);
            char *dot = strstr(cbuf, ".weight");
            if (dot && dot[7] == 0) *dot = 0;
            size_t c = 0;
            while (c < r->n_classes && strcmp(r->classes[c].name, cbuf) != 0) c++;
            assert_true(c < r->n_classes);
            ce2[c] += json_num(json_get(tj, "sum_e2"), NAN);
            cx2[c] += json_num(json_get(tj, "sum_x2"), NAN);
            cn[c]++;
            if (layer >= 0) {
                size_t l = 0;
                while (l < r->n_layers && r->layers[l].layer != layer) l++;
                assert_true(l < r->n_layers);
                le2[l] += json_num(json_get(tj, "sum_e2"), NAN);
                lx2[l] += json_num(json_get(tj, "sum_x2"), NAN);
                ln[l]++;
            }
        }
        for (size_t c = 0; c < r->n_classes; c++) {
            const cmp_agg *a = &r->classes[c].per_variant[v];
            assert_int_equal(a->n_tensors, cn[c]);
            if (cn[c]) assert_rel(a->fig.nmse, ce2[c] / cx2[c], SUM_TOL, "class nmse", r->classes[c].name);
        }
        assert_int_equal(r->n_layers, 8); /* gemma4-mini has 8 blocks (README) */
        for (size_t l = 0; l < r->n_layers; l++) {
            const cmp_agg *a = &r->layers[l].per_variant[v];
            assert_int_equal(a->n_tensors, ln[l]);
            assert_true(ln[l] > 0);
            assert_rel(a->fig.nmse, le2[l] / lx2[l], SUM_TOL, "layer nmse", "layer");
        }
        free(ce2);
        free(cx2);
        free(le2);
        free(lx2);
        free(cn);
        free(ln);
    }
    json_free(doc);
    cmp_report_free(r);
}

static int by_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double nearest_rank(const double *sorted, size_t n, double q) {
    size_t rank = (size_t)ceil(q * (double)n);
    if (rank < 1) rank = 1;
    return sorted[rank - 1];
}

static void dequantize_tensor(const cmp_report *r, size_t row, size_t input, float *dst) {
    const gguf_tensor *t = r->rows[row].cells[input];
    const void *src = gguf_tensor_data(r->rows[row].files[input], t);
    assert_non_null(src);
    assert_int_equal(gq_dequantize_rows(t->type, src, dst, (int64_t)(t->n_elements / t->ne[0]), (int64_t)t->ne[0], 1),
                     GQ_OK);
}

/* p50, p99 and p99.9 of |e|: exact nearest-rank selection over every
 * element, done here by sorting, against the histogram estimates. */
static void percentiles_within_one_percent_of_exact(void **state) {
    (void)state;
    cmp_report *r = build(2);
    size_t checked = 0;
    for (size_t row = 0; row < r->n_rows; row++) {
        const gguf_tensor *rt = r->rows[row].cells[r->ref];
        float *x = malloc(rt->n_elements * sizeof *x), *y = malloc(rt->n_elements * sizeof *y);
        double *e = malloc(rt->n_elements * sizeof *e);
        dequantize_tensor(r, row, r->ref, x);
        for (size_t v = 0; v < r->n_variants; v++) {
            const cmp_result *res = cmp_report_result(r, row, v);
            if (!res->changed) continue;
            dequantize_tensor(r, row, r->variant_input[v], y);
            /* Products of two float32 values are exact in long double;
             * summing them there is far more precise than float64. */
            long double sxy = 0, sx2 = 0, sy2 = 0;
            for (uint64_t i = 0; i < rt->n_elements; i++) {
                e[i] = fabs((double)y[i] - (double)x[i]);
                sxy += (long double)x[i] * y[i];
                sx2 += (long double)x[i] * x[i];
                sy2 += (long double)y[i] * y[i];
            }
            double cos_exact = (double)(sxy / sqrtl(sx2 * sy2));
            if (fabs(res->fig.cosine - cos_exact) > 1e-12)
                fail_msg("cosine %.17g, extended-precision %.17g", res->fig.cosine, cos_exact);
            qsort(e, rt->n_elements, sizeof *e, by_double);
            const double qs[] = { 0.5, 0.99, 0.999 };
            const double got[] = { res->fig.p50, res->fig.p99, res->fig.p999 };
            for (int k = 0; k < 3; k++) {
                double want = nearest_rank(e, rt->n_elements, qs[k]);
                char what[64];
                snprintf(what, sizeof what, "p%g of |e| (%s)", qs[k] * 100,
                         r->short_labels[r->variant_input[v]]);
                char name[128];
                snprintf(name, sizeof name, "%.*s", (int)r->rows[row].name.len, r->rows[row].name.ptr);
                assert_rel(got[k], want, 0.01, what, name);
            }
            assert_true(res->fig.max_abs == e[rt->n_elements - 1]);
            checked++;
        }
        free(x);
        free(y);
        free(e);
    }
    assert_int_equal(checked, N_VARIANTS * 74);
    cmp_report_free(r);
}

/* Chunk sums are combined in chunk order: any thread count gives the same bits. */
static void figures_do_not_depend_on_threads(void **state) {
    (void)state;
    cmp_report *a = build(1), *b = build(3);
    assert_int_equal(a->n_rows, b->n_rows);
    for (size_t row = 0; row < a->n_rows; row++)
        for (size_t v = 0; v < a->n_variants; v++) {
            const cmp_result *x = cmp_report_result(a, row, v), *y = cmp_report_result(b, row, v);
            assert_memory_equal(&x->sums, &y->sums, sizeof x->sums);
            assert_memory_equal(&x->fig, &y->fig, sizeof x->fig);
        }
    for (size_t v = 0; v < a->n_variants; v++)
        assert_memory_equal(&a->overall[v].fig, &b->overall[v].fig, sizeof a->overall[v].fig);
    assert_int_equal(a->threads_used, 1);
    assert_int_equal(b->threads_used, 3);
    cmp_report_free(a);
    cmp_report_free(b);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_tensor_matches_reference_errors),
        cmocka_unit_test(aggregates_pool_the_changed_tensors),
        cmocka_unit_test(percentiles_within_one_percent_of_exact),
        cmocka_unit_test(figures_do_not_depend_on_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
