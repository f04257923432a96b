/* gq-compare's tensor index (section 3) and error pass (section 4) on
 * models written here with libgguf's writer:
 *   - the 601/541-tensor situation of Gemma 4 E2B conversions: one file
 *     lacks the per-layer tensors the other has; plus a shape mismatch, a
 *     tensor only in the variant and another tensor order;
 *   - a split model (name-0000N-of-00003.gguf) read as one;
 *   - figures checked against sums computed here in extended precision,
 *     thread-count independence on a many-chunk tensor, non-finite values,
 *     same-file-type mixes, and the choice of reference. */
#include "gqtest.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compare/check.h"
#include "compare/report.h"
#include "gq/quant.h"

typedef struct tspec {
    const char *name;
    uint64_t ne0, ne1; /* ne1 = 0: a vector */
    uint32_t type;
} tspec;

/* Deterministic weight-like values: a per-tensor stream from the name. */
static void fill_values(const char *name, float *dst, uint64_t n) {
    uint64_t s = 1469598103934665603ull;
    for (const char *p = name; *p; p++) s = (s ^ (unsigned char)*p) * 1099511628211ull;
    for (uint64_t i = 0; i < n; i++) {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        double u = (double)(s >> 11) * 0x1p-53 * 2.0 - 1.0;
        dst[i] = (float)(u * u * u * 0.25 + u * 0.05); /* heavier tails than uniform */
    }
}

static uint64_t elements(const tspec *t) { return t->ne0 * (t->ne1 ? t->ne1 : 1); }

/* Bytes of a tensor of the spec's type made from fill_values(). */
static void *tensor_bytes(const tspec *t, uint64_t *size) {
    uint64_t n = elements(t), rows = t->ne1 ? t->ne1 : 1, bytes;
    assert_true(gq_type_row_bytes(t->type, t->ne0, &bytes));
    bytes *= rows;
    float *x = malloc(n * sizeof *x);
    fill_values(t->name, x, n);
    if (t->type == GQ_TYPE_F32) {
        *size = bytes;
        return x;
    }
    void *q = malloc(bytes);
    assert_int_equal(gq_quantize(t->type, x, q, (int64_t)rows, (int64_t)t->ne0, NULL, 1, NULL, NULL), GQ_OK);
    free(x);
    *size = bytes;
    return q;
}

typedef struct split_info {
    unsigned part, count; /* 0: not a split */
    uint64_t total_tensors;
} split_info;

static void write_model(const char *path, const tspec *specs, size_t n, int64_t file_type, const split_info *split,
                        bool with_metadata) {
    gguf_error err;
    gguf_writer *w = gguf_writer_open(path, &err);
    if (!w) fail_msg("gguf_writer_open %s: %s", path, err.message);
    if (with_metadata) {
        assert_int_equal(gguf_writer_add_str(w, "general.architecture", "gemma4"), GQ_OK);
        assert_int_equal(gguf_writer_add_str(w, "general.name", "per-layer test"), GQ_OK);
        if (file_type >= 0) assert_int_equal(gguf_writer_add_u32(w, "general.file_type", (uint32_t)file_type), GQ_OK);
    }
    if (split && split->count) {
        /* The keys llama.cpp's gguf-split writes into every part. */
        assert_int_equal(gguf_writer_add_u16(w, "split.no", (uint16_t)(split->part - 1)), GQ_OK);
        assert_int_equal(gguf_writer_add_u16(w, "split.count", (uint16_t)split->count), GQ_OK);
        assert_int_equal(gguf_writer_add_i32(w, "split.tensors.count", (int32_t)split->total_tensors), GQ_OK);
    }
    for (size_t i = 0; i < n; i++) {
        uint64_t ne[2] = { specs[i].ne0, specs[i].ne1 };
        assert_int_equal(gguf_writer_add_tensor(w, specs[i].name, specs[i].ne1 ? 2 : 1, ne, specs[i].type, NULL), GQ_OK);
    }
    for (size_t i = 0; i < n; i++) {
        uint64_t size;
        void *data = tensor_bytes(&specs[i], &size);
        if (gguf_writer_write(w, data, size, &err) != GQ_OK) fail_msg("write %s: %s", path, err.message);
        free(data);
    }
    if (gguf_writer_commit(w, &err) != GQ_OK) fail_msg("commit %s: %s", path, err.message);
}

static cmp_report *build_opt(const char *const *paths, size_t n, int threads, const char *ref) {
    cmp_options opt = { .threads = threads, .compute_errors = true, .ref_path = ref };
    cmp_report *r = NULL;
    char err[512] = "";
    cmp_build_status st = cmp_report_build(paths, n, &opt, &r, err, sizeof err);
    if (st != CMP_BUILD_OK) fail_msg("cmp_report_build: %d %s", st, err);
    return r;
}

static size_t row_of(const cmp_report *r, const char *name) {
    for (size_t i = 0; i < r->n_rows; i++)
        if (strlen(name) == r->rows[i].name.len && memcmp(name, r->rows[i].name.ptr, r->rows[i].name.len) == 0)
            return i;
    fail_msg("no row %s", name);
    return 0;
}

static bool in_list(const char *name, const char *const *list, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (strcmp(name, list[i]) == 0) return true;
    return false;
}

/* The reference: F32, with per-layer-input tensors (Gemma 4's 601-tensor form). */
static const tspec full_model[] = {
    { "token_embd.weight", 64, 16, GQ_TYPE_F32 },
    { "per_layer_token_embd.weight", 128, 16, GQ_TYPE_F32 },
    { "per_layer_model_proj.weight", 64, 128, GQ_TYPE_F32 },
    { "blk.0.attn_norm.weight", 64, 0, GQ_TYPE_F32 },
    { "blk.0.attn_q.weight", 64, 64, GQ_TYPE_F32 },
    { "blk.0.inp_gate.weight", 64, 32, GQ_TYPE_F32 },
    { "blk.0.proj.weight", 32, 64, GQ_TYPE_F32 },
    { "blk.0.ffn_down.weight", 64, 64, GQ_TYPE_F32 },
    { "blk.1.attn_norm.weight", 64, 0, GQ_TYPE_F32 },
    { "blk.1.attn_q.weight", 64, 64, GQ_TYPE_F32 },
    { "blk.1.inp_gate.weight", 64, 32, GQ_TYPE_F32 },
    { "blk.1.proj.weight", 32, 64, GQ_TYPE_F32 },
    { "blk.1.ffn_down.weight", 64, 64, GQ_TYPE_F32 },
    { "output_norm.weight", 64, 0, GQ_TYPE_F32 },
};
#define N_FULL (sizeof full_model / sizeof full_model[0])

/* The variant: Q8_0 weights, no per-layer-input tensors (the 541-tensor
 * form), one tensor reshaped, one extra, written in reverse order. */
static const tspec reduced_model[] = {
    { "output_norm.weight", 64, 0, GQ_TYPE_F32 },
    { "blk.1.extra.weight", 64, 2, GQ_TYPE_F32 },
    { "blk.1.ffn_down.weight", 64, 32, GQ_TYPE_Q8_0 },
    { "blk.1.attn_q.weight", 64, 64, GQ_TYPE_Q8_0 },
    { "blk.1.attn_norm.weight", 64, 0, GQ_TYPE_F32 },
    { "blk.0.ffn_down.weight", 64, 64, GQ_TYPE_Q8_0 },
    { "blk.0.attn_q.weight", 64, 64, GQ_TYPE_Q8_0 },
    { "blk.0.attn_norm.weight", 64, 0, GQ_TYPE_F32 },
    { "token_embd.weight", 64, 16, GQ_TYPE_Q8_0 },
};
#define N_REDUCED (sizeof reduced_model / sizeof reduced_model[0])

static const char *const per_layer_only[] = { "per_layer_token_embd.weight", "per_layer_model_proj.weight",
                                              "blk.0.inp_gate.weight", "blk.0.proj.weight",
                                              "blk.1.inp_gate.weight", "blk.1.proj.weight" };

/* Σe², Σx², Σxy, max|e| of one tensor, recomputed here in long double. */
static void expected_sums(const tspec *ref, uint32_t type, long double *e2, long double *x2, long double *xy,
                          double *max_abs) {
    uint64_t n = elements(ref), rows = ref->ne1 ? ref->ne1 : 1, bytes;
    float *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
    fill_values(ref->name, x, n);
    assert_true(gq_type_row_bytes(type, ref->ne0, &bytes));
    void *q = malloc(bytes * rows);
    assert_int_equal(gq_quantize(type, x, q, (int64_t)rows, (int64_t)ref->ne0, NULL, 1, NULL, NULL), GQ_OK);
    assert_int_equal(gq_dequantize(type, q, y, (int64_t)n), GQ_OK);
    *e2 = *x2 = *xy = 0;
    *max_abs = 0;
    for (uint64_t i = 0; i < n; i++) {
        long double e = (long double)y[i] - x[i];
        *e2 += e * e;
        *x2 += (long double)x[i] * x[i];
        *xy += (long double)x[i] * y[i];
        if (fabsl(e) > *max_abs) *max_abs = (double)fabsl(e);
    }
    free(x);
    free(y);
    free(q);
}

static void per_layer_tensors_missing_from_one_file(void **state) {
    (void)state;
    char *dir = gqt_mkdtemp();
    char a[4200], b[4200];
    snprintf(a, sizeof a, "%s/full-F32.gguf", dir);
    snprintf(b, sizeof b, "%s/reduced-Q8_0.gguf", dir);
    write_model(a, full_model, N_FULL, 0, NULL, true);
    write_model(b, reduced_model, N_REDUCED, 7, NULL, true);
    const char *paths[] = { b, a }; /* the reference is found, not taken from the position */
    cmp_report *r = build_opt(paths, 2, 2, NULL);
    assert_int_equal(r->ref, 1);
    assert_int_equal(r->ref_reason, CMP_REF_FLOAT);
    assert_int_equal(r->n_variants, 1);
    assert_int_equal(r->inputs[1]->n_tensors, N_FULL);
    assert_int_equal(r->inputs[0]->n_tensors, N_REDUCED);
    assert_int_equal(r->n_rows, N_FULL + 1);

    size_t missing = 0, shapes = 0;
    for (size_t i = 0; i < r->n_rows; i++) {
        const cmp_tensor_row *row = &r->rows[i];
        char name[128];
        snprintf(name, sizeof name, "%.*s", (int)row->name.len, row->name.ptr);
        bool per_layer = in_list(name, per_layer_only, 6), extra = strcmp(name, "blk.1.extra.weight") == 0;
        assert_int_equal(row->missing, per_layer || extra);
        assert_int_equal(row->shape_differs, strcmp(name, "blk.1.ffn_down.weight") == 0);
        missing += row->missing;
        shapes += row->shape_differs;
        const cmp_result *res = cmp_report_result(r, i, 0);
        if (per_layer) assert_int_equal(res->status, CMP_R_ABSENT_VARIANT);
        else if (extra) assert_int_equal(res->status, CMP_R_ABSENT_REF);
        else if (row->shape_differs) assert_int_equal(res->status, CMP_R_SHAPE);
        else assert_int_equal(res->status, CMP_R_OK);
    }
    assert_int_equal(missing, 7);
    assert_int_equal(shapes, 1);
    /* The reference's order comes first in the union; the extra tensor last. */
    assert_int_equal(row_of(r, "blk.1.extra.weight"), N_FULL);
    assert_true(r->tensor_order[0].differs);
    /* --check tensors fails once per missing or reshaped tensor. */
    assert_int_equal(cmp_run_checks(r, CMP_CHECK_TENSORS, -1, NULL), 8);
    assert_int_equal(cmp_run_checks(r, CMP_CHECK_METADATA, -1, NULL), 0);

    /* Figures of the Q8_0 tensors against sums recomputed here. */
    size_t changed = 0;
    long double all_e2 = 0, all_x2 = 0;
    for (size_t k = 0; k < N_FULL; k++) {
        const tspec *t = &full_model[k];
        size_t row = row_of(r, t->name);
        const cmp_result *res = cmp_report_result(r, row, 0);
        if (res->status != CMP_R_OK) continue;
        const gguf_tensor *vt = r->rows[row].cells[0];
        if (vt->type == GQ_TYPE_F32) {
            /* Same type, same values: nothing lost. */
            assert_false(res->changed);
            assert_true(res->sums.sum_e2 == 0 && res->fig.max_abs == 0);
            assert_true(isinf(res->fig.snr_db));
            continue;
        }
        assert_true(res->changed);
        long double e2, x2, xy;
        double mx;
        expected_sums(t, vt->type, &e2, &x2, &xy, &mx);
        assert_true(res->sums.n == elements(t));
        assert_true(fabsl(res->sums.sum_e2 - e2) <= 1e-12L * e2);
        assert_true(fabsl(res->sums.sum_x2 - x2) <= 1e-12L * x2);
        assert_true(fabsl(res->sums.sum_xy - xy) <= 1e-12L * fabsl(xy));
        assert_true(res->fig.max_abs == mx);
        assert_true(fabs(res->fig.nmse - (double)(e2 / x2)) <= 1e-12 * (double)(e2 / x2));
        assert_true(fabs(res->fig.rmse - sqrt((double)(e2 / elements(t)))) <= 1e-12 * res->fig.rmse);
        all_e2 += e2;
        all_x2 += x2;
        changed++;
    }
    assert_int_equal(changed, 4); /* token_embd, blk.{0,1}.attn_q, blk.0.ffn_down */
    assert_int_equal(r->overall[0].n_tensors, 4);
    assert_true(fabs(r->overall[0].fig.nmse - (double)(all_e2 / all_x2)) <= 1e-12 * r->overall[0].fig.nmse);
    /* token_embd is outside the blocks: in no layer. */
    size_t in_layers = 0;
    for (size_t l = 0; l < r->n_layers; l++) in_layers += r->layers[l].per_variant[0].n_tensors;
    assert_int_equal(r->n_layers, 2);
    assert_int_equal(in_layers, 3);
    cmp_report_free(r);
    gqt_rmtree(dir);
    free(dir);
}

static void split_model_reads_as_one(void **state) {
    (void)state;
    char *dir = gqt_mkdtemp();
    char whole[4200], parts[3][4200];
    snprintf(whole, sizeof whole, "%s/whole.gguf", dir);
    write_model(whole, full_model, N_FULL, 0, NULL, true);
    /* 14 tensors in parts of 5, 5 and 4; metadata in the first part only,
     * as gguf-split writes it. */
    size_t start = 0;
    uint64_t part_bytes = 0;
    for (unsigned p = 0; p < 3; p++) {
        size_t count = p < 2 ? 5 : N_FULL - 10;
        snprintf(parts[p], sizeof parts[p], "%s/split-%05u-of-00003.gguf", dir, p + 1);
        split_info si = { p + 1, 3, N_FULL };
        write_model(parts[p], full_model + start, count, 0, &si, p == 0);
        start += count;
        size_t sz;
        free(gqt_read_file(parts[p], &sz));
        part_bytes += sz;
    }
    /* Naming any part opens all three. */
    const char *paths[] = { whole, parts[1] };
    cmp_report *r = build_opt(paths, 2, 2, NULL);
    const cmp_model *m = r->inputs[1];
    assert_int_equal(m->n_parts, 3);
    assert_string_equal(m->part_paths[0], parts[0]);
    assert_string_equal(m->part_paths[2], parts[2]);
    assert_true(m->file_bytes == part_bytes);
    assert_int_equal(m->n_tensors, N_FULL);
    assert_int_equal(r->n_rows, N_FULL);
    assert_false(r->tensor_order[1].differs);
    for (size_t i = 0; i < r->n_rows; i++) {
        assert_false(r->rows[i].missing);
        const cmp_result *res = cmp_report_result(r, i, 0);
        assert_int_equal(res->status, CMP_R_OK);
        assert_true(res->sums.sum_e2 == 0);
    }
    /* Metadata: the split.* keys are the only differences, and expected. */
    assert_int_equal(r->n_key_diffs, 3);
    for (size_t i = 0; i < r->n_keys; i++) {
        const cmp_key_row *k = &r->keys[i];
        if (k->kind == CMP_KEY_SAME) continue;
        assert_true(k->key.len > 6 && memcmp(k->key.ptr, "split.", 6) == 0);
        assert_true(k->expected);
    }
    assert_int_equal(cmp_run_checks(r, CMP_CHECK_ALL, 0.0, NULL), 0);
    cmp_report_free(r);

    /* A missing part makes the model unreadable, naming the part. */
    remove(parts[2]);
    cmp_options opt = { .threads = 1, .compute_errors = false };
    cmp_report *bad = NULL;
    char err[512] = "";
    assert_int_equal(cmp_report_build(paths, 2, &opt, &bad, err, sizeof err), CMP_BUILD_UNREADABLE);
    assert_non_null(strstr(err, "split-00003-of-00003.gguf"));
    cmp_report_free(bad);
    gqt_rmtree(dir);
    free(dir);
}

static void thread_count_does_not_change_a_bit(void **state) {
    (void)state;
    char *dir = gqt_mkdtemp();
    char a[4200], b[4200];
    /* 1,310,720 elements: ten chunks of 2^17, so threads really share the work. */
    const tspec big_f32[] = { { "blk.0.ffn_up.weight", 4096, 320, GQ_TYPE_F32 } };
    const tspec big_q4[] = { { "blk.0.ffn_up.weight", 4096, 320, GQ_TYPE_Q4_0 } };
    snprintf(a, sizeof a, "%s/big-F32.gguf", dir);
    snprintf(b, sizeof b, "%s/big-Q4_0.gguf", dir);
    write_model(a, big_f32, 1, 0, NULL, true);
    write_model(b, big_q4, 1, 2, NULL, true);
    const char *paths[] = { a, b };
    cmp_report *one = build_opt(paths, 2, 1, NULL), *four = build_opt(paths, 2, 4, NULL);
    const cmp_result *x = cmp_report_result(one, 0, 0), *y = cmp_report_result(four, 0, 0);
    assert_int_equal(x->status, CMP_R_OK);
    assert_true(x->sums.n == 4096 * 320);
    assert_memory_equal(&x->sums, &y->sums, sizeof x->sums);
    assert_memory_equal(&x->fig, &y->fig, sizeof x->fig);
    long double e2, x2, xy;
    double mx;
    expected_sums(&big_f32[0], GQ_TYPE_Q4_0, &e2, &x2, &xy, &mx);
    assert_true(fabsl(x->sums.sum_e2 - e2) <= 1e-12L * e2);
    assert_true(x->fig.max_abs == mx);
    cmp_report_free(one);
    cmp_report_free(four);
    gqt_rmtree(dir);
    free(dir);
}

static void non_finite_values_are_counted_not_summed(void **state) {
    (void)state;
    char *dir = gqt_mkdtemp();
    char a[4200], b[4200];
    snprintf(a, sizeof a, "%s/a.gguf", dir);
    snprintf(b, sizeof b, "%s/b.gguf", dir);
    float x[64], y[64];
    for (int i = 0; i < 64; i++) x[i] = y[i] = (float)i / 8.0f;
    x[3] = NAN;
    x[9] = INFINITY;
    y[5] += 0.5f;
    for (int f = 0; f < 2; f++) {
        gguf_error err;
        gguf_writer *w = gguf_writer_open(f ? b : a, &err);
        uint64_t ne[1] = { 64 };
        assert_int_equal(gguf_writer_add_tensor(w, "v.weight", 1, ne, GQ_TYPE_F32, NULL), GQ_OK);
        assert_int_equal(gguf_writer_write(w, f ? y : x, sizeof x, &err), GQ_OK);
        assert_int_equal(gguf_writer_commit(w, &err), GQ_OK);
    }
    const char *paths[] = { a, b };
    cmp_report *r = build_opt(paths, 2, 1, a);
    const cmp_result *res = cmp_report_result(r, 0, 0);
    assert_int_equal(res->status, CMP_R_OK);
    assert_int_equal(res->sums.n_nonfinite, 2);
    assert_int_equal(res->sums.n, 62);
    assert_true(res->sums.sum_e2 == 0.25);
    assert_true(res->fig.max_abs == 0.5);
    cmp_report_free(r);
    gqt_rmtree(dir);
    free(dir);
}

static void same_file_type_other_mix_and_reference_choice(void **state) {
    (void)state;
    char *dir = gqt_mkdtemp();
    char a[4200], b[4200], c[4200];
    const tspec mix_a[] = { { "blk.0.attn_q.weight", 64, 4, GQ_TYPE_Q8_0 }, { "blk.0.ffn_up.weight", 64, 4, GQ_TYPE_Q8_0 } };
    const tspec mix_b[] = { { "blk.0.attn_q.weight", 64, 4, GQ_TYPE_Q8_0 }, { "blk.0.ffn_up.weight", 64, 4, GQ_TYPE_Q4_0 } };
    const tspec mix_c[] = { { "blk.0.attn_q.weight", 64, 4, GQ_TYPE_Q4_0 }, { "blk.0.ffn_up.weight", 64, 4, GQ_TYPE_Q4_0 } };
    snprintf(a, sizeof a, "%s/m-a.gguf", dir);
    snprintf(b, sizeof b, "%s/m-b.gguf", dir);
    snprintf(c, sizeof c, "%s/m-c.gguf", dir);
    write_model(a, mix_a, 2, 7, NULL, true);
    write_model(b, mix_b, 2, 7, NULL, true); /* also labelled Q8_0 */
    write_model(c, mix_c, 2, 2, NULL, true);
    const char *paths[] = { c, b, a };
    cmp_report *r = build_opt(paths, 3, 1, NULL);
    /* No float input: the most bits per weight (all-Q8_0 a) is the reference,
     * and the report says it is quantized. */
    assert_int_equal(r->ref, 2);
    assert_int_equal(r->ref_reason, CMP_REF_MOST_BITS);
    assert_true(r->ref_quantized);
    assert_int_equal(r->n_mix_groups, 1);
    assert_int_equal(r->mix_groups[0].file_type, 7);
    assert_int_equal(r->mix_groups[0].n_members, 2);
    assert_int_equal(r->mix_groups[0].n_tensors_differ, 1);
    assert_int_equal(r->mix_groups[0].example_row, row_of(r, "blk.0.ffn_up.weight"));
    cmp_report_free(r);

    /* --ref: a file that is not among the inputs joins them, first. */
    const char *two[] = { b, c };
    r = build_opt(two, 2, 1, a);
    assert_int_equal(r->n_inputs, 3);
    assert_int_equal(r->ref, 0);
    assert_string_equal(r->inputs[0]->path, a);
    assert_int_equal(r->ref_reason, CMP_REF_GIVEN);
    assert_true(r->ref_quantized);
    cmp_report_free(r);
    /* --ref naming one of the inputs picks it in place. */
    r = build_opt(two, 2, 1, c);
    assert_int_equal(r->n_inputs, 2);
    assert_int_equal(r->ref, 1);
    cmp_report_free(r);
    gqt_rmtree(dir);
    free(dir);
}

/* A tensor type id no ggml knows (patched into a file written here) is
 * listed as not comparable, and the rest of the model is still compared. */
static void unknown_type_is_listed_not_fatal(void **state) {
    (void)state;
    char *dir = gqt_mkdtemp();
    char a[4200], b[4200];
    const tspec two[] = { { "blk.0.attn_q.weight", 64, 4, GQ_TYPE_F32 }, { "blk.0.ffn_up.weight", 64, 4, GQ_TYPE_F32 } };
    snprintf(a, sizeof a, "%s/a.gguf", dir);
    snprintf(b, sizeof b, "%s/b.gguf", dir);
    write_model(a, two, 2, 0, NULL, true);
    write_model(b, two, 2, 0, NULL, true);
    /* The type field follows the name, n_dims and ne[] in the tensor's index entry. */
    gguf_error err;
    gguf_file *f = gguf_open(b, 0, &err);
    assert_non_null(f);
    const gguf_tensor *t = gguf_get_tensor(f, 1);
    uint64_t type_at = t->info_offset + 8 + t->name.len + 4 + 8ull * t->n_dims;
    gguf_close(f);
    size_t size;
    unsigned char *bytes = gqt_read_file(b, &size);
    uint32_t was;
    memcpy(&was, bytes + type_at, 4);
    assert_int_equal(was, GQ_TYPE_F32);
    const uint32_t unknown = 99;
    memcpy(bytes + type_at, &unknown, 4);
    gqt_write_file(b, bytes, size);
    free(bytes);

    const char *paths[] = { a, b };
    cmp_report *r = build_opt(paths, 2, 1, NULL);
    assert_int_equal(r->sizes[1].unknown_type_tensors, 1);
    assert_int_equal(cmp_report_result(r, row_of(r, "blk.0.attn_q.weight"), 0)->status, CMP_R_OK);
    assert_int_equal(cmp_report_result(r, row_of(r, "blk.0.ffn_up.weight"), 0)->status, CMP_R_UNKNOWN_TYPE);
    assert_int_equal(cmp_run_checks(r, CMP_CHECK_TENSORS, -1, NULL), 1);
    assert_true(r->inputs[1]->n_notes >= 1); /* the reader's lenient acceptance is reported */
    cmp_report_free(r);
    gqt_rmtree(dir);
    free(dir);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(per_layer_tensors_missing_from_one_file),
        cmocka_unit_test(split_model_reads_as_one),
        cmocka_unit_test(thread_count_does_not_change_a_bit),
        cmocka_unit_test(non_finite_values_are_counted_not_summed),
        cmocka_unit_test(same_file_type_other_mix_and_reference_choice),
        cmocka_unit_test(unknown_type_is_listed_not_fatal),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
