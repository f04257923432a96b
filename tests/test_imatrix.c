/* Importance-matrix readers (src/imatrix) on real files and hostile ones.
 *
 * Expected weights are recomputed here from the raw bytes of each file
 * with llama-quantize's formula (GGUF: in_sum2 / round(count); legacy:
 * value / ncall); the entry/chunk counts and dataset names are facts of the
 * files (llama-quantize recorded 73 entries, 100 chunks and
 * "synthetic-activations.txt" for gemma4-mini in its Q4_K_M-imat output). */
#include "gqtest.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gq/gguf.h"
#include "gq/imatrix.h"

#define GEMMA_IMATRIX "fixtures/quantized/gemma4-mini/gemma4-mini.imatrix.gguf"
#define CALCUIS "fixtures/real/imatrix/calcuis-gguf-quantizor-imatrix.dat"
#define MISTRALRS "fixtures/real/imatrix/mistralrs-Llama-3.2-3B-Instruct.imatrix"

static gq_imatrix *load_ok(const char *rel) {
    gq_status st;
    char msg[512];
    gq_imatrix *m = gq_imatrix_load(gqt_shared_path(rel), &st, msg, sizeof msg);
    if (!m) fail_msg("%s: %s", rel, msg);
    return m;
}

static float f32_le(const unsigned char *p) {
    uint32_t u = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
    float f;
    memcpy(&f, &u, 4);
    return f;
}

static int32_t i32_le(const unsigned char *p) {
    uint32_t u = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
    int32_t v;
    memcpy(&v, &u, 4);
    return v;
}

/* ------------------------------------------------------------------ GGUF */

static void test_gguf_gemma(void **state) {
    (void)state;
    gq_imatrix *m = load_ok(GEMMA_IMATRIX);
    assert_false(m->is_legacy);
    assert_true(m->has_metadata);
    assert_int_equal(m->n_entries, 73);
    assert_int_equal(m->chunk_count, 100);
    assert_int_equal(m->chunk_size, 512);
    assert_int_equal(m->n_datasets, 1);
    assert_string_equal(m->datasets[0], "synthetic-activations.txt");
    /* like a real one, no entries for the token embeddings (README) */
    assert_null(gq_imatrix_find(m, "token_embd.weight"));
    assert_null(gq_imatrix_find(m, "per_layer_token_embd.weight"));

    /* recompute every entry from the raw tensors */
    gguf_error err;
    gguf_file *f = gguf_open(gqt_shared_path(GEMMA_IMATRIX), 0, &err);
    assert_non_null(f);
    size_t checked = 0;
    for (size_t e = 0; e < m->n_entries; e++) {
        const gq_imatrix_entry *en = &m->entries[e];
        char key[256];
        snprintf(key, sizeof key, "%s.in_sum2", en->name);
        int64_t is = gguf_find_tensor(f, key);
        snprintf(key, sizeof key, "%s.counts", en->name);
        int64_t ic = gguf_find_tensor(f, key);
        assert_true(is >= 0 && ic >= 0);
        const gguf_tensor *ts = gguf_get_tensor(f, (uint64_t)is), *tc = gguf_get_tensor(f, (uint64_t)ic);
        assert_int_equal(en->n_values, ts->n_elements);
        float *sums = malloc(ts->n_bytes), *counts = malloc(tc->n_bytes);
        assert_int_equal(gguf_read_tensor(f, ts, 0, sums, ts->n_bytes, &err), GQ_OK);
        assert_int_equal(gguf_read_tensor(f, tc, 0, counts, tc->n_bytes, &err), GQ_OK);
        uint64_t per = ts->n_elements / tc->n_elements;
        for (uint64_t i = 0; i < ts->n_elements; i++) {
            double c = round((double)counts[i / per]);
            float expect = c > 0 ? sums[i] / (float)c : 1.0f;
            if (memcmp(&expect, &en->weights[i], sizeof expect) != 0)
                fail_msg("%s[%llu]: %.9g, expected %.9g", en->name, (unsigned long long)i,
                         (double)en->weights[i], (double)expect);
        }
        free(sums);
        free(counts);
        checked++;
    }
    assert_int_equal(checked, 73);
    gguf_close(f);
    gq_imatrix_free(m);
}

/* --------------------------------------------------------------- legacy */

/* Walk a legacy file by hand and compare entry by entry. */
static void check_legacy(const char *rel, size_t n_expect, int32_t chunks, const char *dataset) {
    size_t size;
    unsigned char *d = gqt_read_file(gqt_shared_path(rel), &size);
    gq_imatrix *m = load_ok(rel);
    assert_true(m->is_legacy);
    assert_int_equal(m->n_entries, n_expect);
    assert_int_equal(m->chunk_count, chunks);
    assert_int_equal(m->n_datasets, 1);
    assert_string_equal(m->datasets[0], dataset);

    size_t p = 4;
    for (int32_t e = 0; e < i32_le(d); e++) {
        int32_t len = i32_le(d + p);
        char name[256];
        memcpy(name, d + p + 4, (size_t)len);
        name[len] = 0;
        p += 4 + (size_t)len;
        int32_t ncall = i32_le(d + p), nval = i32_le(d + p + 4);
        p += 8;
        const gq_imatrix_entry *en = gq_imatrix_find(m, name);
        assert_non_null(en);
        assert_int_equal(en->n_values, nval);
        for (int32_t i = 0; i < nval; i++) {
            float expect = f32_le(d + p + 4 * (size_t)i) / (float)ncall;
            if (memcmp(&expect, &en->weights[i], 4) != 0) fail_msg("%s[%d] differs", name, i);
        }
        p += 4 * (size_t)nval;
    }
    gq_imatrix_free(m);
    free(d);
}

static void test_legacy_calcuis(void **state) {
    (void)state;
    check_legacy(CALCUIS, 154, 365, "imatrix-training-full-3");
}

static void test_legacy_mistralrs(void **state) {
    (void)state;
    check_legacy(MISTRALRS, 196, 125, "/training_dir/calibration_datav3.txt");
}

/* Every truncation of a legacy file either fails cleanly or (when cut
 * inside the optional tail) loads all entries: never a crash or overread
 * (the sanitizer build checks the latter). */
static void test_legacy_truncations(void **state) {
    (void)state;
    size_t size;
    unsigned char *d = gqt_read_file(gqt_shared_path(CALCUIS), &size);
    const size_t tail = 4 + 4 + 23; /* chunk count, length, "imatrix-training-full-3" */
    size_t cuts[] = { 0, 1, 3, 4, 5, 8, 27, 28, 100, 8191, size / 2, size - tail - 1, size - tail,
                      size - tail + 2, size - 1 };
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
        unsigned char *copy = malloc(cuts[i] ? cuts[i] : 1);
        memcpy(copy, d, cuts[i]);
        gq_status st = GQ_OK;
        char msg[256];
        gq_imatrix *m = gq_imatrix_load_memory(copy, cuts[i], &st, msg, sizeof msg);
        if (cuts[i] >= size - tail) {
            assert_non_null(m);
            assert_int_equal(m->n_entries, 154);
        } else {
            assert_null(m);
            assert_int_equal(st, GQ_ERR_FORMAT);
            assert_true(strlen(msg) > 0);
        }
        gq_imatrix_free(m);
        free(copy);
    }
    free(d);
}

static void test_legacy_hostile_counts(void **state) {
    (void)state;
    gq_status st;
    char msg[256];
    /* 2^31-1 entries in 8 bytes */
    unsigned char huge[8] = { 0xff, 0xff, 0xff, 0x7f, 0, 0, 0, 0 };
    assert_null(gq_imatrix_load_memory(huge, sizeof huge, &st, msg, sizeof msg));
    assert_int_equal(st, GQ_ERR_FORMAT);
    /* one entry, name length -1 */
    unsigned char neg[20] = { 1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff };
    assert_null(gq_imatrix_load_memory(neg, sizeof neg, &st, msg, sizeof msg));
    /* one entry "ab", ncall 1, nval 1,000,000 with 4 bytes of data */
    unsigned char big[] = { 1, 0, 0, 0, 2, 0, 0, 0, 'a', 'b', 1, 0, 0, 0, 0x40, 0x42, 0x0f, 0, 0, 0, 0x80, 0x3f };
    assert_null(gq_imatrix_load_memory(big, sizeof big, &st, msg, sizeof msg));
    assert_non_null(strstr(msg, "ab"));
    /* zero entries */
    unsigned char none[4] = { 0 };
    assert_null(gq_imatrix_load_memory(none, sizeof none, &st, msg, sizeof msg));
    /* ncall 0: values are used as they are */
    unsigned char zero_call[] = { 1, 0, 0, 0, 1, 0, 0, 0, 'w', 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0x40, 0x40 };
    gq_imatrix *m = gq_imatrix_load_memory(zero_call, sizeof zero_call, &st, msg, sizeof msg);
    assert_non_null(m);
    assert_true(m->entries[0].weights[0] == 3.0f);
    gq_imatrix_free(m);
}

/* ------------------------------------------------- hand-made GGUF files */

typedef struct mini_tensor {
    const char *name;
    uint32_t type;
    uint64_t ne0, ne1;
    const float *data;
} mini_tensor;

static void put(unsigned char **p, const void *v, size_t n) { memcpy(*p, v, n); *p += n; }
static void put_u32(unsigned char **p, uint32_t v) { put(p, &v, 4); }
static void put_u64(unsigned char **p, uint64_t v) { put(p, &v, 8); }
static void put_str(unsigned char **p, const char *s) { put_u64(p, strlen(s)); put(p, s, strlen(s)); }

/* A version-3 GGUF with one string kv and the given f32 tensors. */
static size_t build_gguf(unsigned char *buf, const mini_tensor *t, size_t n) {
    unsigned char *p = buf;
    put(&p, "GGUF", 4);
    put_u32(&p, 3);
    put_u64(&p, n);
    put_u64(&p, 1);
    put_str(&p, "general.type");
    put_u32(&p, 8);
    put_str(&p, "imatrix");
    uint64_t off = 0;
    for (size_t i = 0; i < n; i++) {
        put_str(&p, t[i].name);
        put_u32(&p, 2);
        put_u64(&p, t[i].ne0);
        put_u64(&p, t[i].ne1);
        put_u32(&p, t[i].type);
        put_u64(&p, off);
        off += (t[i].ne0 * t[i].ne1 * 4 + 31) / 32 * 32;
    }
    while ((size_t)(p - buf) % 32) *p++ = 0;
    for (size_t i = 0; i < n; i++) {
        size_t bytes = t[i].ne0 * t[i].ne1 * 4;
        put(&p, t[i].data, bytes);
        while (bytes % 32) { *p++ = 0; bytes++; }
    }
    return (size_t)(p - buf);
}

static void test_gguf_experts_and_zero_counts(void **state) {
    (void)state;
    /* 2 experts x 4 columns; expert 1 never saw a token -> weights 1 */
    const float sums[8] = { 2, 4, 6, 8, 1, 1, 1, 1 };
    const float counts[2] = { 1.6f, 0.4f }; /* round: 2 and 0 */
    mini_tensor t[] = { { "blk.0.ffn_up_exps.weight.in_sum2", 0, 4, 2, sums },
                        { "blk.0.ffn_up_exps.weight.counts", 0, 2, 1, counts } };
    static unsigned char buf[4096];
    size_t size = build_gguf(buf, t, 2);
    gq_status st;
    char msg[256];
    gq_imatrix *m = gq_imatrix_load_memory(buf, size, &st, msg, sizeof msg);
    if (!m) fail_msg("%s", msg);
    assert_false(m->has_metadata); /* no imatrix.* keys */
    const gq_imatrix_entry *e = gq_imatrix_find(m, "blk.0.ffn_up_exps.weight");
    assert_non_null(e);
    assert_int_equal(e->n_experts, 2);
    const float expect[8] = { 1, 2, 3, 4, 1, 1, 1, 1 };
    for (int i = 0; i < 8; i++) assert_true(e->weights[i] == expect[i]);
    gq_imatrix_free(m);
}

static void test_gguf_hostile(void **state) {
    (void)state;
    static unsigned char buf[4096];
    const float v[4] = { 1, 2, 3, 4 };
    gq_status st;
    char msg[256];

    mini_tensor lonely[] = { { "a.weight.in_sum2", 0, 4, 1, v } };
    size_t size = build_gguf(buf, lonely, 1);
    assert_null(gq_imatrix_load_memory(buf, size, &st, msg, sizeof msg));
    assert_non_null(strstr(msg, "mismatched"));

    mini_tensor uneven[] = { { "a.weight.in_sum2", 0, 3, 1, v }, { "a.weight.counts", 0, 2, 1, v } };
    size = build_gguf(buf, uneven, 2);
    assert_null(gq_imatrix_load_memory(buf, size, &st, msg, sizeof msg));

    mini_tensor f16[] = { { "a.weight.in_sum2", 1, 4, 1, v }, { "a.weight.counts", 0, 1, 1, v } };
    size = build_gguf(buf, f16, 2);
    assert_null(gq_imatrix_load_memory(buf, size, &st, msg, sizeof msg));
    assert_non_null(strstr(msg, "f32"));

    mini_tensor unrelated[] = { { "token_embd.weight", 0, 4, 1, v } };
    size = build_gguf(buf, unrelated, 1);
    assert_null(gq_imatrix_load_memory(buf, size, &st, msg, sizeof msg));

    /* a GGUF cut in half: the reader's error, not a crash */
    mini_tensor ok[] = { { "a.weight.in_sum2", 0, 4, 1, v }, { "a.weight.counts", 0, 1, 1, v } };
    size = build_gguf(buf, ok, 2);
    assert_null(gq_imatrix_load_memory(buf, size / 2, &st, msg, sizeof msg));
    assert_int_not_equal(st, GQ_OK);
    gq_imatrix *m = gq_imatrix_load_memory(buf, size, &st, msg, sizeof msg);
    assert_non_null(m);
    gq_imatrix_free(m);
}

/* ------------------------------------------------------------- filtering */

static void test_filter(void **state) {
    (void)state;
    gq_imatrix *m = load_ok(GEMMA_IMATRIX);
    const char *exclude[] = { "ffn_down" };
    size_t left = gq_imatrix_filter(m, NULL, 0, exclude, 1);
    assert_int_equal(left, 73 - 8); /* one ffn_down per block, 8 blocks */
    assert_null(gq_imatrix_find(m, "blk.3.ffn_down.weight"));
    assert_non_null(gq_imatrix_find(m, "blk.3.ffn_up.weight"));
    const char *include[] = { "blk.0.", "blk.1." };
    left = gq_imatrix_filter(m, include, 2, NULL, 0);
    for (size_t i = 0; i < m->n_entries; i++)
        assert_true(strncmp(m->entries[i].name, "blk.0.", 6) == 0 || strncmp(m->entries[i].name, "blk.1.", 6) == 0);
    assert_int_equal(left, m->n_entries);
    assert_true(left > 0);
    gq_imatrix_free(m);
}

static void test_nonfinite(void **state) {
    (void)state;
    gq_imatrix *m = load_ok(GEMMA_IMATRIX);
    assert_false(gq_imatrix_find_nonfinite(m, NULL, NULL));
    m->entries[5].weights[7] = NAN;
    size_t e;
    uint64_t i;
    assert_true(gq_imatrix_find_nonfinite(m, &e, &i));
    assert_int_equal(e, 5);
    assert_int_equal(i, 7);
    gq_imatrix_free(m);
}

static void test_missing_file(void **state) {
    (void)state;
    gq_status st;
    char msg[256];
    assert_null(gq_imatrix_load("/nonexistent/dir/x.imatrix", &st, msg, sizeof msg));
    assert_int_equal(st, GQ_ERR_IO);
    assert_non_null(strstr(msg, "/nonexistent/dir/x.imatrix"));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gguf_gemma),
        cmocka_unit_test(test_legacy_calcuis),
        cmocka_unit_test(test_legacy_mistralrs),
        cmocka_unit_test(test_legacy_truncations),
        cmocka_unit_test(test_legacy_hostile_counts),
        cmocka_unit_test(test_gguf_experts_and_zero_counts),
        cmocka_unit_test(test_gguf_hostile),
        cmocka_unit_test(test_filter),
        cmocka_unit_test(test_nonfinite),
        cmocka_unit_test(test_missing_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
