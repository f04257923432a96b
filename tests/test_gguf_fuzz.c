/* libgguf under damage: every truncation of small valid files, and a few
 * thousand deterministic random mutations of real fixtures.  Nothing may
 * crash; truncations must all be refused; what opens must be readable end
 * to end.  Every input sits in a heap block of exactly its size, so the
 * sanitizer build (tests/run.sh, GQ_SANITIZE=ON) turns any read past the
 * end into a failure. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gguf_builder.h"
#include "gqtest.h"

/* ---------------------------------------------------------------- a small valid file */

/* Every value type, nested arrays and two tensors; the last tensor ends
 * exactly at the end of the file, so every shorter prefix is invalid. */
static void build_small(gqb *b, uint32_t version, bool big_endian) {
    gqb_init(b, version, big_endian);
    gqb_header(b, 2, 9);
    gqb_kv_str(b, "general.architecture", "llama");
    gqb_kv_u32(b, "general.alignment", 32);
    gqb_kv(b, "f", GQB_F32);
    gqb_f32(b, 0.25f);
    gqb_kv(b, "d", GQB_F64);
    gqb_f64(b, -2.0);
    gqb_kv(b, "i", GQB_I64);
    gqb_u64(b, (uint64_t)-7);
    gqb_kv(b, "b", GQB_BOOL);
    gqb_u8(b, 0);
    gqb_kv_array(b, "tokens", GQB_STR, 3);
    gqb_str(b, "<s>");
    gqb_str(b, "</s>");
    gqb_str(b, "hello");
    gqb_kv_array(b, "scores", GQB_I16, 2);
    gqb_u16(b, 1);
    gqb_u16(b, 0xfffe);
    gqb_kv_array(b, "pairs", GQB_ARR, 2);
    gqb_u32(b, GQB_U8);
    gqb_count(b, 2);
    gqb_u8(b, 1);
    gqb_u8(b, 2);
    gqb_u32(b, GQB_STR);
    gqb_count(b, 1);
    gqb_str(b, "x");
    uint64_t ne_a[2] = { 32, 2 }, ne_b[1] = { 8 };
    gqb_tensor(b, "blk.0.attn_q.weight", 2, ne_a, 8 /* q8_0: 2 blocks of 34 */, 0);
    gqb_tensor(b, "output_norm.weight", 1, ne_b, 0 /* f32: 32 bytes */, 96);
    gqb_pad(b, 32);
    for (int i = 0; i < 96 + 32; i++) gqb_u8(b, (uint8_t)(i * 37 + 11));
}

static void test_every_truncation_is_refused(void **state) {
    (void)state;
    const struct {
        uint32_t version;
        bool big_endian;
    } variants[] = { { 3, false }, { 2, false }, { 1, false }, { 3, true } };
    char *dir = gqt_mkdtemp();
    char path[4200];
    snprintf(path, sizeof path, "%s/cut.gguf", dir);
    for (size_t v = 0; v < sizeof variants / sizeof *variants; v++) {
        gqb b;
        build_small(&b, variants[v].version, variants[v].big_endian);
        gguf_file *whole = gqb_expect_open(&b, 0);
        assert_int_equal(gguf_tensor_count(whole), 2);
        gqb_close(whole);
        for (size_t len = 0; len < b.len; len++) {
            for (unsigned flags = 0; flags <= GGUF_OPEN_LENIENT; flags++) {
                gguf_error err;
                memset(&err, 0, sizeof err);
                gguf_file *f = gqb_open_copy(b.data, len, flags, &err);
                if (f) fail_msg("v%u%s: a %zu-byte prefix of %zu opened", variants[v].version,
                                variants[v].big_endian ? " BE" : "", len, b.len);
                assert_int_equal(err.status, GQ_ERR_FORMAT);
                assert_true(err.has_offset);
                assert_true(err.offset <= len);
            }
            /* the pread path reads the same prefix from a file */
            gqt_write_file(path, b.data, len);
            gguf_error err;
            assert_null(gguf_open(path, GGUF_OPEN_NO_MMAP, &err));
            assert_int_equal(err.status, GQ_ERR_FORMAT);
        }
        gqb_free(&b);
    }
    gqt_rmtree(dir);
    free(dir);
}

static void test_every_truncation_of_a_real_file(void **state) {
    (void)state;
    size_t size;
    uint8_t *data = gqt_read_file(gqt_shared_path("fixtures/real/models/llamacpp-gguf-example-dummy.gguf"), &size);
    gguf_error err;
    gguf_file *f = gqb_open_copy(data, size, 0, &err);
    assert_non_null(f);
    /* its last tensor ends in the final padding: prefixes that cut only
     * padding are still complete files */
    uint64_t end = 0;
    for (uint64_t i = 0; i < gguf_tensor_count(f); i++) {
        const gguf_tensor *t = gguf_get_tensor(f, i);
        uint64_t e = gguf_data_offset(f) + t->offset + t->n_bytes;
        if (e > end) end = e;
    }
    gqb_close(f);
    for (size_t len = 0; len < size; len++) {
        f = gqb_open_copy(data, len, 0, &err);
        if (len < end) {
            if (f) fail_msg("a %zu-byte prefix opened", len);
            assert_true(err.has_offset && err.offset <= len);
        } else {
            assert_non_null(f);
        }
        gqb_close(f);
    }
    free(data);
}

/* ---------------------------------------------------------------- mutations */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint64_t next_random(void) {
    /* xorshift64*: deterministic, so a failure reproduces */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545f4914f6cdd1dull;
}

/* Read everything an opened file offers, the way a tool would. */
static unsigned exercise(gguf_file *f) {
    unsigned sum = 0;
    gguf_value v;
    for (uint64_t i = 0; i < gguf_kv_count(f); i++) {
        const gguf_kv *kv = gguf_get_kv(f, i);
        if (kv->key.len) sum += (unsigned char)kv->key.ptr[kv->key.len - 1];
        uint64_t u;
        int64_t s;
        double d;
        gguf_str str;
        bool b;
        char key[256];
        size_t n = kv->key.len < sizeof key - 1 ? (size_t)kv->key.len : sizeof key - 1;
        memcpy(key, kv->key.ptr, n);
        key[n] = 0;
        sum += gguf_get_u64(f, key, &u) + gguf_get_i64(f, key, &s) + gguf_get_f64(f, key, &d) +
               gguf_get_bool(f, key, &b) + gguf_get_str(f, key, &str);
        if (kv->value.type == GGUF_TYPE_STRING && kv->value.v.str.len)
            sum += (unsigned char)kv->value.v.str.ptr[kv->value.v.str.len - 1];
        if (kv->value.type != GGUF_TYPE_ARRAY) continue;
        gguf_array_iter it;
        gguf_array_iter_init(&it, f, &kv->value);
        uint64_t count = 0;
        while (gguf_array_next(&it, &v)) {
            count++;
            if (v.type == GGUF_TYPE_STRING && v.v.str.len) sum += (unsigned char)v.v.str.ptr[0];
            if (v.type == GGUF_TYPE_ARRAY) {
                gguf_value inner;
                if (v.v.arr.len) sum += gguf_array_get(f, &v, v.v.arr.len - 1, &inner);
            }
        }
        assert_int_equal(count, kv->value.v.arr.len);
        if (kv->value.v.arr.len) assert_true(gguf_array_get(f, &kv->value, kv->value.v.arr.len - 1, &v));
    }
    for (uint64_t i = 0; i < gguf_tensor_count(f); i++) {
        const gguf_tensor *t = gguf_get_tensor(f, i);
        uint8_t buf[64];
        gguf_error err;
        uint64_t n = t->n_bytes < sizeof buf ? t->n_bytes : sizeof buf;
        if (t->type_known) {
            assert_int_equal(gguf_read_tensor(f, t, t->n_bytes - n, buf, n, &err), GQ_OK);
            const uint8_t *p = gguf_tensor_data(f, t);
            if (p) sum += p[0] + p[t->n_bytes - 1];
        }
        sum += (unsigned char)t->name.ptr[0];
        if (!memchr(t->name.ptr, 0, (size_t)t->name.len)) /* a C string cannot name it otherwise */
            assert_int_equal(gguf_find_tensor(f, gqb_cstr(t->name)) >= 0, 1);
    }
    return sum;
}

static void mutate(uint8_t *p, size_t size, size_t hot) {
    unsigned n = 1 + (unsigned)(next_random() % 6);
    for (unsigned k = 0; k < n; k++) {
        /* most damage lands in the first bytes, where the counts, lengths
         * and types are; the rest anywhere in the header */
        size_t limit = next_random() % 4 ? (hot < 2048 ? hot : 2048) : hot;
        size_t at = (size_t)(next_random() % limit);
        switch (next_random() % 6) {
        case 0: p[at] = (uint8_t)next_random(); break;
        case 1: p[at] ^= (uint8_t)(1u << (next_random() % 8)); break;
        case 2: /* a length or count made huge */
            for (size_t i = at; i < at + 8 && i < size; i++) p[i] = 0xff;
            break;
        case 3:
            for (size_t i = at; i < at + 8 && i < size; i++) p[i] = 0;
            break;
        case 4: p[at] = (uint8_t)(p[at] + 1); break;
        default: p[at] = (uint8_t)(p[at] - 1); break;
        }
    }
}

static void fuzz_file(const char *rel, unsigned iterations, bool also_pread) {
    size_t size;
    uint8_t *base = gqt_read_file(gqt_shared_path(rel), &size);
    gguf_error err;
    gguf_file *f = gqb_open_copy(base, size, 0, &err);
    if (!f) fail_msg("%s: %s", rel, err.message);
    size_t hot = (size_t)gguf_header_size(f);
    gqb_close(f);
    char *dir = gqt_mkdtemp();
    char path[4200];
    snprintf(path, sizeof path, "%s/mutant.gguf", dir);
    unsigned opened = 0, refused = 0;
    for (unsigned it = 0; it < iterations; it++) {
        size_t len = size;
        if (next_random() % 16 == 0) len = (size_t)(next_random() % size);
        uint8_t *copy = malloc(len ? len : 1);
        memcpy(copy, base, len);
        mutate(copy, len ? len : 1, len < hot ? (len ? len : 1) : hot);
        unsigned flags = (unsigned)(next_random() % 2) * GGUF_OPEN_LENIENT;
        memset(&err, 0, sizeof err);
        f = gguf_open_memory(copy, len, flags, &err);
        if (f) {
            opened++;
            (void)exercise(f);
            gguf_close(f);
        } else {
            refused++;
            assert_true(err.message[0] != 0);
        }
        if (also_pread && it % 8 == 0) {
            gqt_write_file(path, copy, len);
            gguf_file *g = gguf_open(path, flags | GGUF_OPEN_NO_MMAP, &err);
            assert_int_equal(g != NULL, f != NULL); /* same verdict either way */
            if (g) {
                (void)exercise(g);
                gguf_close(g);
            }
        }
        free(copy);
    }
    /* both outcomes happened: the mutations are neither all fatal nor
     * all harmless */
    assert_true(opened > 0);
    assert_true(refused > 0);
    gqt_rmtree(dir);
    free(dir);
    free(base);
}

static void test_mutations_of_a_small_model(void **state) {
    (void)state;
    fuzz_file("fixtures/real/models/llamacpp-gguf-example-dummy.gguf", 2000, true);
}

static void test_mutations_of_a_llama_model(void **state) {
    (void)state;
    fuzz_file("fixtures/real/derived/stories260K-F16.gguf", 800, false);
}

static void test_mutations_of_a_big_endian_model(void **state) {
    (void)state;
    fuzz_file("fixtures/real/derived/stories260K-F16-be.gguf", 400, false);
}

static void test_mutations_of_a_v1_vocabulary(void **state) {
    (void)state;
    fuzz_file("fixtures/real/vocab/ggml-vocab-llama.v1-2023-08-18.gguf", 400, false);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_truncation_is_refused),
        cmocka_unit_test(test_every_truncation_of_a_real_file),
        cmocka_unit_test(test_mutations_of_a_small_model),
        cmocka_unit_test(test_mutations_of_a_llama_model),
        cmocka_unit_test(test_mutations_of_a_big_endian_model),
        cmocka_unit_test(test_mutations_of_a_v1_vocabulary),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
