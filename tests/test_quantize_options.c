/* gq-quantize's options end to end: the output is read back with libgguf
 * and checked against what llama-quantize's rules imply (worked out by
 * hand at each test) or against the reference files' tensor bytes. */
#include "gqtest.h"
#include "tmp_dir.h"
#include "program_run.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gq/gguf.h"
#include "gq/types.h"

#define GEMMA_DIR "fixtures/quantized/gemma4-mini"
#define STORIES "fixtures/real/models/stories260K.gguf"

/* A file of the gemma4-mini fixture (a string literal). */
#define gemma(file) gqt_shared_path(GEMMA_DIR "/" file)

static const char *out_path(void) {
    static char buf[4200];
    snprintf(buf, sizeof buf, "%s/out.gguf", gqt_tmp_dir());
    return buf;
}

/* gq-quantize through the shared harness (support/program_run.h). */
#define run_expect(...) gqt_run_program("gq-quantize", __VA_ARGS__)

static gguf_file *open_out(void) {
    gguf_error err;
    gguf_file *f = gguf_open(out_path(), 0, &err);
    if (!f) fail_msg("cannot read the output back: %s", err.message);
    return f;
}

static uint32_t type_of(const gguf_file *f, const char *name) {
    int64_t i = gguf_find_tensor(f, name);
    if (i < 0) fail_msg("no tensor %s in the output", name);
    return gguf_get_tensor(f, (uint64_t)i)->type;
}

static void expect_type(const gguf_file *f, const char *name, uint32_t type) {
    uint32_t got = type_of(f, name);
    if (got != type) fail_msg("%s: %s, expected %s", name, gq_type_name(got), gq_type_name(type));
}

static const char *key_at(const gguf_file *f, uint64_t i, char *buf, size_t size) {
    const gguf_kv *kv = gguf_get_kv(f, i);
    snprintf(buf, size, "%.*s", (int)kv->key.len, kv->key.ptr);
    return buf;
}

/* --override-kv: llama.cpp sets each key (removing an existing one) after
 * general.file_type; int becomes uint32 |value|, float float32.  The
 * tensors are untouched: their bytes equal llama-quantize's Q8_0 file. */
static void test_override_kv(void **state) {
    (void)state;
    free(run_expect(0, "-q --override-kv general.name=str:renamed --override-kv foo.count=int:-7 "
                       "--override-kv foo.ratio=float:0.5 --override-kv foo.flag=bool:true '%s' '%s' Q8_0",
                    gemma("gemma4-mini-BF16.gguf"), out_path()));
    gguf_file *f = open_out();
    uint64_t n = gguf_kv_count(f);
    char k[256];
    const char *tail[] = { "general.quantization_version", "general.file_type", "general.name", "foo.count",
                           "foo.ratio", "foo.flag" };
    for (int i = 0; i < 6; i++) assert_string_equal(key_at(f, n - 6 + (uint64_t)i, k, sizeof k), tail[i]);
    gguf_str s;
    assert_true(gguf_get_str(f, "general.name", &s));
    assert_true(gguf_str_eq(s, "renamed"));
    const gguf_kv *count = gguf_get_kv(f, (uint64_t)gguf_find_key(f, "foo.count"));
    assert_int_equal(count->value.type, GGUF_TYPE_UINT32);
    assert_int_equal(count->value.v.u64, 7);
    const gguf_kv *ratio = gguf_get_kv(f, (uint64_t)gguf_find_key(f, "foo.ratio"));
    assert_int_equal(ratio->value.type, GGUF_TYPE_FLOAT32);
    assert_true(ratio->value.v.f64 == 0.5);
    bool flag = false;
    assert_true(gguf_get_bool(f, "foo.flag", &flag));
    assert_true(flag);

    /* tensor bytes as in the reference */
    gguf_error err;
    gguf_file *ref = gguf_open(gemma("gemma4-mini-Q8_0.gguf"), 0, &err);
    assert_non_null(ref);
    assert_int_equal(gguf_tensor_count(ref), gguf_tensor_count(f));
    for (uint64_t i = 0; i < gguf_tensor_count(f); i++) {
        const gguf_tensor *a = gguf_get_tensor(f, i), *b = gguf_get_tensor(ref, i);
        assert_int_equal(a->n_bytes, b->n_bytes);
        assert_memory_equal(gguf_tensor_data(f, a), gguf_tensor_data(ref, b), a->n_bytes);
    }
    gguf_close(ref);
    gguf_close(f);
}

/* --tensor-type wins over the mix (patterns lower-cased, first match);
 * --pure gives the base type to everything else. */
static void test_tensor_type_and_pure(void **state) {
    (void)state;
    free(run_expect(0, "-q --tensor-type 'ATTN_V=q8_0' --tensor-type 'blk\\.[0-3]\\.ffn_down=Q5_K' '%s' '%s' Q4_K_M",
                    gemma("gemma4-mini-BF16.gguf"), out_path()));
    gguf_file *f = open_out();
    expect_type(f, "blk.1.attn_v.weight", GQ_TYPE_Q8_0);
    expect_type(f, "blk.7.attn_v.weight", GQ_TYPE_Q8_0);
    expect_type(f, "blk.1.ffn_down.weight", GQ_TYPE_Q5_K);
    expect_type(f, "blk.3.ffn_down.weight", GQ_TYPE_Q5_K);
    /* blk.7 ffn_down: not matched, the mix's use_more_bits layer (7 >= 7*8/8) */
    expect_type(f, "blk.7.ffn_down.weight", GQ_TYPE_Q6_K);
    expect_type(f, "token_embd.weight", GQ_TYPE_Q6_K); /* tied: the output rule */
    gguf_close(f);

    free(run_expect(0, "-q --pure '%s' '%s' Q4_K_M", gemma("gemma4-mini-BF16.gguf"), out_path()));
    f = open_out();
    expect_type(f, "blk.0.attn_v.weight", GQ_TYPE_Q4_K);
    expect_type(f, "blk.7.ffn_down.weight", GQ_TYPE_Q4_K);
    expect_type(f, "token_embd.weight", GQ_TYPE_Q4_K);
    expect_type(f, "per_layer_model_proj.weight", GQ_TYPE_BF16); /* exempt even when pure */
    expect_type(f, "blk.0.attn_norm.weight", GQ_TYPE_F32);
    gguf_close(f);
}

/* stories260K (llama, 5 layers, rows of 64 and 172, its own output.weight):
 * Q6_K gives most weights q6_K, which 64 and 172 do not fit. */
static void test_fallbacks_and_output_options(void **state) {
    (void)state;
    char *log = run_expect(0, "'%s' '%s' Q4_K_M", gqt_shared_path(STORIES), out_path());
    /* 5 layers x 7 weights + token_embd fall back; output.weight gets q8_0
     * from the head rule (row not a multiple of 256) and fits */
    if (!strstr(log, "36 of 48 tensors")) fail_msg("fallback count missing:\n%s", log);
    free(log);
    gguf_file *f = open_out();
    expect_type(f, "output.weight", GQ_TYPE_Q8_0);
    expect_type(f, "token_embd.weight", GQ_TYPE_Q5_0);      /* q4_K -> q5_0 */
    expect_type(f, "blk.0.attn_q.weight", GQ_TYPE_Q5_0);    /* q4_K -> q5_0 */
    expect_type(f, "blk.2.attn_v.weight", GQ_TYPE_Q8_0);    /* use_more_bits(2,5): q6_K -> q8_0 */
    expect_type(f, "blk.0.ffn_down.weight", GQ_TYPE_F16);   /* 172 columns: only f16 fits */
    expect_type(f, "blk.0.attn_norm.weight", GQ_TYPE_F32);
    gguf_close(f);

    free(run_expect(0, "-q --leave-output-tensor --token-embedding-type q5_0 '%s' '%s' Q6_K",
                    gqt_shared_path(STORIES), out_path()));
    f = open_out();
    expect_type(f, "output.weight", GQ_TYPE_F32);
    expect_type(f, "token_embd.weight", GQ_TYPE_Q5_0);
    gguf_close(f);

    free(run_expect(0, "-q --output-tensor-type q4_0 '%s' '%s' Q6_K", gqt_shared_path(STORIES), out_path()));
    f = open_out();
    expect_type(f, "output.weight", GQ_TYPE_Q4_0);
    gguf_close(f);

    /* a named type skips the fallback: q6_K cannot hold rows of 64 */
    log = run_expect(1, "--output-tensor-type q6_K '%s' '%s/refused.gguf' Q6_K", gqt_shared_path(STORIES), gqt_tmp_dir());
    if (!strstr(log, "output.weight")) fail_msg("%s", log);
    free(log);
}

/* COPY keeps every tensor; general.file_type is what llama.cpp's loader
 * infers: stories260K has no general.file_type and is all f32, so
 * ALL_F32 (0) marked as guessed (1024). */
static void test_copy(void **state) {
    (void)state;
    free(run_expect(0, "-q '%s' '%s' COPY", gqt_shared_path(STORIES), out_path()));
    gguf_file *f = open_out();
    uint64_t ft = 0;
    assert_true(gguf_get_u64(f, "general.file_type", &ft));
    assert_int_equal(ft, 1024);
    gguf_error err;
    gguf_file *in = gguf_open(gqt_shared_path(STORIES), 0, &err);
    assert_non_null(in);
    for (uint64_t i = 0; i < gguf_tensor_count(in); i++) {
        const gguf_tensor *t = gguf_get_tensor(in, i);
        char name[128];
        snprintf(name, sizeof name, "%.*s", (int)t->name.len, t->name.ptr);
        int64_t j = gguf_find_tensor(f, name);
        assert_true(j >= 0);
        const gguf_tensor *u = gguf_get_tensor(f, (uint64_t)j);
        assert_int_equal(u->type, t->type);
        assert_memory_equal(gguf_tensor_data(f, u), gguf_tensor_data(in, t), t->n_bytes);
    }
    gguf_close(in);
    gguf_close(f);
}

/* The imatrix provenance keys: --imatrix-name, the entry count after
 * --exclude-weights (73 - 8 ffn_down), chunks and dataset from the file. */
static void test_imatrix_keys(void **state) {
    (void)state;
    free(run_expect(0, "-q --imatrix '%s' --imatrix-name calib.dat --exclude-weights ffn_down '%s' '%s' Q4_K_M",
                    gemma("gemma4-mini.imatrix.gguf"), gemma("gemma4-mini-BF16.gguf"), out_path()));
    gguf_file *f = open_out();
    gguf_str s;
    assert_true(gguf_get_str(f, "quantize.imatrix.file", &s));
    assert_true(gguf_str_eq(s, "calib.dat"));
    assert_true(gguf_get_str(f, "quantize.imatrix.dataset", &s));
    assert_true(gguf_str_eq(s, "synthetic-activations.txt"));
    uint64_t v;
    assert_true(gguf_get_u64(f, "quantize.imatrix.entries_count", &v));
    assert_int_equal(v, 65);
    assert_true(gguf_get_u64(f, "quantize.imatrix.chunks_count", &v));
    assert_int_equal(v, 100);
    char k[256];
    assert_string_equal(key_at(f, gguf_kv_count(f) - 1, k, sizeof k), "quantize.imatrix.chunks_count");
    gguf_close(f);

    /* a legacy .dat of another model: its blk.0.attn_k.weight has 2048
     * weights where stories260K's has 64 columns; llama-quantize refuses */
    char *log = run_expect(1, "--imatrix '%s' '%s' '%s/refused.gguf' Q6_K",
                           gqt_shared_path("fixtures/real/imatrix/calcuis-gguf-quantizor-imatrix.dat"),
                           gqt_shared_path(STORIES), gqt_tmp_dir());
    if (!strstr(log, "blk.0.attn_k.weight") || !strstr(log, "2048")) fail_msg("%s", log);
    free(log);
}

/* A legacy imatrix made here for stories260K: one entry, 3 chunks, a
 * dataset name; its provenance keys come out as llama-quantize writes them. */
static void test_legacy_imatrix_run(void **state) {
    (void)state;
    unsigned char buf[512], *p = buf;
    const char *name = "blk.1.attn_q.weight", *dataset = "tiny.txt";
    int32_t v = 1;
    memcpy(p, &v, 4); p += 4;                         /* one entry */
    v = (int32_t)strlen(name);
    memcpy(p, &v, 4); p += 4;
    memcpy(p, name, strlen(name)); p += strlen(name);
    v = 2; memcpy(p, &v, 4); p += 4;                  /* ncall */
    v = 64; memcpy(p, &v, 4); p += 4;                 /* nval: 64 columns */
    for (int i = 0; i < 64; i++) { float w = 1.0f + (float)i; memcpy(p, &w, 4); p += 4; }
    v = 3; memcpy(p, &v, 4); p += 4;                  /* chunks */
    v = (int32_t)strlen(dataset);
    memcpy(p, &v, 4); p += 4;
    memcpy(p, dataset, strlen(dataset)); p += strlen(dataset);
    char path[4200];
    snprintf(path, sizeof path, "%s/tiny.dat", gqt_tmp_dir());
    gqt_write_file(path, buf, (size_t)(p - buf));

    free(run_expect(0, "-q --imatrix '%s' '%s' '%s' Q6_K", path, gqt_shared_path(STORIES), out_path()));
    gguf_file *f = open_out();
    uint64_t n;
    gguf_str s;
    assert_true(gguf_get_u64(f, "quantize.imatrix.entries_count", &n));
    assert_int_equal(n, 1);
    assert_true(gguf_get_u64(f, "quantize.imatrix.chunks_count", &n));
    assert_int_equal(n, 3);
    assert_true(gguf_get_str(f, "quantize.imatrix.dataset", &s));
    assert_true(gguf_str_eq(s, "tiny.txt"));
    assert_true(gguf_get_str(f, "quantize.imatrix.file", &s));
    assert_true(gguf_str_eq(s, path));
    gguf_close(f);
}

/* IN TYPE without OUT: llama-quantize's default name beside the input. */
static void test_default_output_name(void **state) {
    (void)state;
    char in[4200], cmd[16384];
    snprintf(in, sizeof in, "%s/stories.gguf", gqt_tmp_dir());
    snprintf(cmd, sizeof cmd, "cp '%s' '%s'", gqt_shared_path(STORIES), in);
    assert_int_equal(gqt_run(cmd, NULL), 0);
    free(run_expect(0, "-q '%s' F16", in));
    char expect[4300];
    snprintf(expect, sizeof expect, "%s/ggml-model-F16.gguf", gqt_tmp_dir());
    gguf_error err;
    gguf_file *f = gguf_open(expect, 0, &err);
    if (!f) fail_msg("%s not written: %s", expect, err.message);
    gguf_close(f);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_override_kv),
        cmocka_unit_test(test_tensor_type_and_pure),
        cmocka_unit_test(test_fallbacks_and_output_options),
        cmocka_unit_test(test_copy),
        cmocka_unit_test(test_imatrix_keys),
        cmocka_unit_test(test_legacy_imatrix_run),
        cmocka_unit_test(test_default_output_name),
    };
    return cmocka_run_group_tests(tests, gqt_tmp_setup, gqt_tmp_teardown);
}
