/* gq-compare's metadata diff (section 2).
 *
 * Real files: stories260K and the F16/BF16 files llama.cpp's quantizer made
 * from it (fixtures/MANIFEST.md: 19, 21 and 21 keys), and the big-endian
 * conversion of the F16 file, whose arrays have other bytes but the same
 * values.  Synthetic files written here with libgguf's writer pin down each
 * kind of difference: type, value, first differing array element, key order,
 * expected/unexpected classification and --ignore-key globs. */
#include "gqtest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compare/check.h"
#include "compare/report.h"

static cmp_report *build(const char *const *paths, size_t n, const char *const *ignore, size_t n_ignore) {
    cmp_options opt = { .threads = 1, .compute_errors = false, .ignore_keys = ignore, .n_ignore_keys = n_ignore };
    cmp_report *r = NULL;
    char err[512] = "";
    cmp_build_status st = cmp_report_build(paths, n, &opt, &r, err, sizeof err);
    if (st != CMP_BUILD_OK) fail_msg("cmp_report_build: %d %s", st, err);
    return r;
}

static const cmp_key_row *find_key(const cmp_report *r, const char *key) {
    for (size_t i = 0; i < r->n_keys; i++)
        if (strlen(key) == r->keys[i].key.len && memcmp(key, r->keys[i].key.ptr, r->keys[i].key.len) == 0)
            return &r->keys[i];
    return NULL;
}

static void copy_path(char *dst, const char *rel) { snprintf(dst, 4096, "%s", gqt_shared_path(rel)); }

/* ------------------------------------------------------------------ real files */

static void stories_f16_bf16_against_the_original(void **state) {
    (void)state;
    static char p[3][4096];
    copy_path(p[0], "fixtures/real/models/stories260K.gguf");
    copy_path(p[1], "fixtures/real/derived/stories260K-F16.gguf");
    copy_path(p[2], "fixtures/real/derived/stories260K-BF16.gguf");
    const char *paths[] = { p[0], p[1], p[2] };
    cmp_report *r = build(paths, 3, NULL, 0);
    /* KV counts from fixtures/MANIFEST.md. */
    assert_int_equal(r->inputs[0]->n_kv, 19);
    assert_int_equal(r->inputs[1]->n_kv, 21);
    assert_int_equal(r->inputs[2]->n_kv, 21);
    assert_int_equal(r->ref, 0); /* the all-F32 original: float, and the most bits per weight */
    assert_int_equal(r->ref_reason, CMP_REF_FLOAT);
    assert_false(r->ref_quantized);

    /* The keys only in some files are exactly those the F16 file has and
     * the original lacks, found here with the reader alone. */
    const gguf_file *orig = r->inputs[0]->parts[0], *f16 = r->inputs[1]->parts[0], *bf16 = r->inputs[2]->parts[0];
    size_t added = 0;
    for (uint64_t i = 0; i < gguf_kv_count(f16); i++) {
        const gguf_kv *kv = gguf_get_kv(f16, i);
        char key[256];
        snprintf(key, sizeof key, "%.*s", (int)kv->key.len, kv->key.ptr);
        if (gguf_find_key(orig, key) >= 0) continue;
        added++;
        const cmp_key_row *row = find_key(r, key);
        assert_non_null(row);
        assert_int_equal(row->kind, CMP_KEY_PARTIAL);
        assert_null(row->cells[0].kv);
        assert_non_null(row->cells[1].kv);
        assert_non_null(row->cells[2].kv);
        assert_true(gguf_find_key(bf16, key) >= 0);
    }
    assert_int_equal(added, 21 - 19);
    assert_int_equal(r->n_keys, 21);
    assert_int_equal(r->n_key_diffs, added);

    /* general.file_type: llama.cpp's LLAMA_FTYPE_MOSTLY_F16 = 1, MOSTLY_BF16 = 32. */
    const cmp_key_row *ft = find_key(r, "general.file_type");
    assert_non_null(ft);
    assert_true(ft->expected);
    assert_false(ft->ignored);
    assert_int_equal(ft->cells[1].kv->value.v.u64, 1);
    assert_int_equal(ft->cells[2].kv->value.v.u64, 32);
    /* Every difference is one quantization makes: the metadata check holds. */
    for (size_t i = 0; i < r->n_keys; i++)
        if (r->keys[i].kind != CMP_KEY_SAME) assert_true(r->keys[i].expected);
    assert_int_equal(cmp_run_checks(r, CMP_CHECK_METADATA, -1, NULL), 0);
    cmp_report_free(r);

    /* F16 against BF16 alone: both have the keys, only the file type's value differs. */
    const char *pair[] = { p[1], p[2] };
    r = build(pair, 2, NULL, 0);
    assert_int_equal(r->n_key_diffs, 1);
    ft = find_key(r, "general.file_type");
    assert_int_equal(ft->kind, CMP_KEY_VALUE);
    assert_true(ft->cells[1].differs);
    assert_false(ft->cells[0].differs);
    cmp_report_free(r);
}

static void big_endian_copy_has_the_same_values(void **state) {
    (void)state;
    static char p[2][4096];
    copy_path(p[0], "fixtures/real/derived/stories260K-F16.gguf");
    copy_path(p[1], "fixtures/real/derived/stories260K-F16-be.gguf");
    const char *paths[] = { p[0], p[1] };
    cmp_report *r = build(paths, 2, NULL, 0);
    assert_false(r->inputs[0]->big_endian);
    assert_true(r->inputs[1]->big_endian);
    /* Arrays (the tokenizer's) are encoded in other byte orders, yet equal. */
    size_t arrays = 0;
    for (size_t i = 0; i < r->n_keys; i++)
        if (r->keys[i].cells[0].kv->value.type == GGUF_TYPE_ARRAY) arrays++;
    assert_true(arrays >= 2);
    assert_int_equal(r->n_keys, 21);
    assert_int_equal(r->n_key_diffs, 0);
    assert_false(r->key_order[1].differs);
    cmp_report_free(r);
}

/* ------------------------------------------------------------------ synthetic files */

static void write_file(const char *path, bool variant) {
    gguf_error err;
    gguf_writer *w = gguf_writer_open(path, &err);
    if (!w) fail_msg("gguf_writer_open %s: %s", path, err.message);
    int32_t ints[1000];
    for (int i = 0; i < 1000; i++) ints[i] = i * 3;
    const char *words[] = { "alpha", "beta", "gamma", "delta" };
    const char *words_b[] = { "alpha", "beta", "GAMMA", "delta" };
    uint16_t shorts[6] = { 1, 2, 3, 4, 5, 6 };
    if (!variant) {
        assert_int_equal(gguf_writer_add_str(w, "general.architecture", "llama"), GQ_OK);
        assert_int_equal(gguf_writer_add_str(w, "general.name", "tiny"), GQ_OK);
        assert_int_equal(gguf_writer_add_u32(w, "custom.count", 5), GQ_OK);
        assert_int_equal(gguf_writer_add_array(w, "custom.ints", GGUF_TYPE_INT32, ints, 1000), GQ_OK);
        assert_int_equal(gguf_writer_add_str_array(w, "custom.words", words, 4), GQ_OK);
        assert_int_equal(gguf_writer_add_array(w, "custom.prefix", GGUF_TYPE_UINT16, shorts, 6), GQ_OK);
        assert_int_equal(gguf_writer_add_f32(w, "custom.scale", 0.5f), GQ_OK);
        assert_int_equal(gguf_writer_add_u32(w, "general.file_type", 0), GQ_OK);
        assert_int_equal(gguf_writer_add_str(w, "only.in.reference", "x"), GQ_OK);
    } else {
        ints[537] = -1;
        /* Same shared keys, another order: name before architecture. */
        assert_int_equal(gguf_writer_add_str(w, "general.name", "tiny"), GQ_OK);
        assert_int_equal(gguf_writer_add_str(w, "general.architecture", "llama"), GQ_OK);
        assert_int_equal(gguf_writer_add_i32(w, "custom.count", 5), GQ_OK); /* type differs */
        assert_int_equal(gguf_writer_add_array(w, "custom.ints", GGUF_TYPE_INT32, ints, 1000), GQ_OK);
        assert_int_equal(gguf_writer_add_str_array(w, "custom.words", words_b, 4), GQ_OK);
        assert_int_equal(gguf_writer_add_array(w, "custom.prefix", GGUF_TYPE_UINT16, shorts, 4), GQ_OK);
        assert_int_equal(gguf_writer_add_f32(w, "custom.scale", 0.25f), GQ_OK);
        assert_int_equal(gguf_writer_add_u32(w, "general.file_type", 7), GQ_OK);
        assert_int_equal(gguf_writer_add_u32(w, "general.quantization_version", 2), GQ_OK);
        assert_int_equal(gguf_writer_add_str(w, "quantize.imatrix.file", "x.imatrix"), GQ_OK);
    }
    if (gguf_writer_commit(w, &err) != GQ_OK) fail_msg("commit %s: %s", path, err.message);
}

static void each_kind_of_difference(void **state) {
    (void)state;
    char *dir = gqt_mkdtemp();
    char a[4200], b[4200];
    snprintf(a, sizeof a, "%s/ref.gguf", dir);
    snprintf(b, sizeof b, "%s/variant.gguf", dir);
    write_file(a, false);
    write_file(b, true);
    const char *paths[] = { a, b };
    cmp_report *r = build(paths, 2, NULL, 0);
    /* general.file_type 0 is llama.cpp's ALL_F32: the float input. */
    assert_int_equal(r->ref, 0);
    assert_int_equal(r->ref_reason, CMP_REF_FLOAT);

    const cmp_key_row *k;
    assert_non_null(k = find_key(r, "general.architecture"));
    assert_int_equal(k->kind, CMP_KEY_SAME);
    assert_non_null(k = find_key(r, "custom.count"));
    assert_int_equal(k->kind, CMP_KEY_TYPE);
    assert_false(k->expected);
    assert_non_null(k = find_key(r, "custom.ints"));
    assert_int_equal(k->kind, CMP_KEY_VALUE);
    assert_true(k->cells[1].has_first_diff);
    assert_int_equal(k->cells[1].first_diff, 537);
    assert_non_null(k = find_key(r, "custom.words"));
    assert_int_equal(k->kind, CMP_KEY_VALUE);
    assert_int_equal(k->cells[1].first_diff, 2);
    assert_non_null(k = find_key(r, "custom.prefix")); /* 4 elements equal to the first 4 of 6 */
    assert_int_equal(k->kind, CMP_KEY_VALUE);
    assert_true(k->cells[1].has_first_diff);
    assert_int_equal(k->cells[1].first_diff, 4);
    assert_non_null(k = find_key(r, "custom.scale"));
    assert_int_equal(k->kind, CMP_KEY_VALUE);
    assert_false(k->cells[1].has_first_diff);
    assert_non_null(k = find_key(r, "general.file_type"));
    assert_int_equal(k->kind, CMP_KEY_VALUE);
    assert_true(k->expected);
    assert_non_null(k = find_key(r, "general.quantization_version"));
    assert_int_equal(k->kind, CMP_KEY_PARTIAL);
    assert_true(k->expected);
    assert_non_null(k = find_key(r, "quantize.imatrix.file"));
    assert_true(k->expected);
    assert_non_null(k = find_key(r, "only.in.reference"));
    assert_int_equal(k->kind, CMP_KEY_PARTIAL);
    assert_false(k->expected);
    assert_non_null(k->cells[0].kv);
    assert_null(k->cells[1].kv);
    /* Union: 9 keys of the reference + quantization_version + quantize.imatrix.file. */
    assert_int_equal(r->n_keys, 11);
    assert_int_equal(r->n_key_diffs, 9);
    /* Another order of the shared keys is reported, once, as an order. */
    assert_true(r->key_order[1].differs);
    assert_true(r->key_order[1].first_moved.len == strlen("general.architecture") &&
                memcmp(r->key_order[1].first_moved.ptr, "general.architecture", r->key_order[1].first_moved.len) == 0);
    /* Unexpected: custom.count, custom.ints, custom.words, custom.prefix, custom.scale, only.in.reference. */
    assert_int_equal(cmp_run_checks(r, CMP_CHECK_METADATA, -1, NULL), 6);
    cmp_report_free(r);

    /* --ignore-key globs take keys out of the check, and only those. */
    const char *ignore[] = { "custom.*", "only.in.?eference" };
    r = build(paths, 2, ignore, 2);
    assert_true(find_key(r, "custom.ints")->ignored);
    assert_true(find_key(r, "only.in.reference")->ignored);
    assert_false(find_key(r, "general.file_type")->ignored);
    assert_int_equal(cmp_run_checks(r, CMP_CHECK_METADATA, -1, NULL), 0);
    cmp_report_free(r);
    const char *some[] = { "custom.i*" };
    r = build(paths, 2, some, 1);
    assert_int_equal(cmp_run_checks(r, CMP_CHECK_METADATA, -1, NULL), 5);
    cmp_report_free(r);
    gqt_rmtree(dir);
    free(dir);
}

static void keys_in_another_order_are_not_differences(void **state) {
    (void)state;
    char *dir = gqt_mkdtemp();
    char a[4200], b[4200];
    snprintf(a, sizeof a, "%s/a.gguf", dir);
    snprintf(b, sizeof b, "%s/b.gguf", dir);
    gguf_error err;
    for (int f = 0; f < 2; f++) {
        gguf_writer *w = gguf_writer_open(f ? b : a, &err);
        assert_non_null(w);
        const char *keys[] = { "k.one", "k.two", "k.three" };
        for (int i = 0; i < 3; i++) {
            int k = f ? 2 - i : i; /* b writes them backwards */
            assert_int_equal(gguf_writer_add_u32(w, keys[k], (uint32_t)k), GQ_OK);
        }
        assert_int_equal(gguf_writer_commit(w, &err), GQ_OK);
    }
    const char *paths[] = { a, b };
    cmp_report *r = build(paths, 2, NULL, 0);
    assert_int_equal(r->n_keys, 3);
    assert_int_equal(r->n_key_diffs, 0);
    assert_true(r->key_order[1].differs);
    assert_int_equal(cmp_run_checks(r, CMP_CHECK_ALL, -1, NULL), 0);
    cmp_report_free(r);
    gqt_rmtree(dir);
    free(dir);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(stories_f16_bf16_against_the_original),
        cmocka_unit_test(big_endian_copy_has_the_same_values),
        cmocka_unit_test(each_kind_of_difference),
        cmocka_unit_test(keys_in_another_order_are_not_differences),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
