/* libgguf's validation rules, one handcrafted file per rule.
 *
 * Each file is built with tests/support/gguf_builder (an encoder written
 * separately from libgguf's writer), valid except for one field; the test
 * asserts the status, the exact byte offset of that field (known from the
 * builder) and that the message names the key or tensor concerned.  The
 * first tests check that valid files of every version and byte order
 * decode to the values that were put in. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gguf_builder.h"
#include "gqtest.h"

#define F32 0u
#define Q4_0 2u

/* ---------------------------------------------------------------- valid files */

/* Where the builder put things, for offset checks. */
typedef struct layout {
    size_t kv_u8, kv_str, kv_arr, kv_nested, kv_deep;
    size_t tensor_info, data_offset;
    size_t deep_levels;
} layout;

static const float tensor_values[8] = { 0.5f, -1.0f, 2.25f, 3.0f, -4.5f, 5.0f, 6.75f, -7.0f };

/* One kv of every value type, nested arrays, one tensor. */
static void build_every_type(gqb *b, uint32_t version, bool big_endian, layout *at) {
    gqb_init(b, version, big_endian);
    gqb_header(b, 1, 17);
    at->kv_u8 = gqb_kv(b, "u8", GQB_U8);
    gqb_u8(b, 200);
    gqb_kv(b, "i8", GQB_I8);
    gqb_u8(b, (uint8_t)-100);
    gqb_kv(b, "u16", GQB_U16);
    gqb_u16(b, 60000);
    gqb_kv(b, "i16", GQB_I16);
    gqb_u16(b, (uint16_t)-30000);
    gqb_kv(b, "u32", GQB_U32);
    gqb_u32(b, 4000000000u);
    gqb_kv(b, "i32", GQB_I32);
    gqb_u32(b, (uint32_t)-2000000000);
    gqb_kv(b, "f32", GQB_F32);
    gqb_f32(b, 1.5f);
    gqb_kv(b, "bool", GQB_BOOL);
    gqb_u8(b, 1);
    at->kv_str = gqb_kv_str(b, "str", "h\xc3\xa9llo");
    at->kv_arr = gqb_kv_array(b, "u16s", GQB_U16, 3);
    gqb_u16(b, 1);
    gqb_u16(b, 2);
    gqb_u16(b, 65535);
    gqb_kv(b, "u64", GQB_U64);
    gqb_u64(b, ((uint64_t)1 << 63) + 5);
    gqb_kv(b, "i64", GQB_I64);
    gqb_u64(b, (uint64_t)-((int64_t)1 << 62));
    gqb_kv(b, "f64", GQB_F64);
    gqb_f64(b, 1e300);
    gqb_kv_array(b, "strs", GQB_STR, 3);
    gqb_str(b, "a");
    gqb_str(b, "");
    gqb_str(b, "ccc");
    /* [[1, 2], [], [3]] */
    at->kv_nested = gqb_kv_array(b, "nested", GQB_ARR, 3);
    gqb_u32(b, GQB_I32);
    gqb_count(b, 2);
    gqb_u32(b, 1);
    gqb_u32(b, 2);
    gqb_u32(b, GQB_I32);
    gqb_count(b, 0);
    gqb_u32(b, GQB_I32);
    gqb_count(b, 1);
    gqb_u32(b, 3);
    /* arrays nested as deep as allowed: 8 levels, innermost [7] */
    at->deep_levels = 8;
    at->kv_deep = gqb_kv(b, "deep", GQB_ARR);
    for (size_t level = 1; level < at->deep_levels; level++) {
        gqb_u32(b, GQB_ARR);
        gqb_count(b, 1);
    }
    gqb_u32(b, GQB_U8);
    gqb_count(b, 1);
    gqb_u8(b, 7);
    gqb_kv_u32(b, "general.alignment", 64);
    uint64_t ne[2] = { 4, 2 };
    at->tensor_info = gqb_tensor(b, "t", 2, ne, F32, 0);
    gqb_pad(b, 64);
    at->data_offset = gqb_pos(b);
    for (int i = 0; i < 8; i++) gqb_f32(b, tensor_values[i]); /* data in the file's byte order */
    gqb_zeros(b, 32);
}

static const gguf_value *value_of(const gguf_file *f, const char *key) {
    int64_t i = gguf_find_key(f, key);
    if (i < 0) fail_msg("key %s missing", key);
    return &gguf_get_kv(f, (uint64_t)i)->value;
}

static void check_every_type(uint32_t version, bool big_endian) {
    gqb b;
    layout at;
    build_every_type(&b, version, big_endian, &at);
    gguf_file *f = gqb_expect_open(&b, 0);
    assert_int_equal(gguf_version(f), version);
    assert_int_equal(gguf_is_big_endian(f), big_endian);
    assert_int_equal(gguf_kv_count(f), 17);
    assert_int_equal(gguf_alignment(f), 64);
    assert_int_equal(gguf_data_offset(f), at.data_offset);
    assert_int_equal(gguf_file_size(f), b.len);

    uint64_t u;
    int64_t i;
    double d;
    bool flag;
    gguf_str s;
    assert_true(gguf_get_u64(f, "u8", &u) && u == 200);
    assert_true(gguf_get_i64(f, "i8", &i) && i == -100);
    assert_false(gguf_get_u64(f, "i8", &u)); /* negative: does not fit */
    assert_true(gguf_get_u64(f, "u16", &u) && u == 60000);
    assert_true(gguf_get_i64(f, "i16", &i) && i == -30000);
    assert_true(gguf_get_u64(f, "u32", &u) && u == 4000000000u);
    assert_true(gguf_get_i64(f, "u32", &i) && i == 4000000000);
    assert_true(gguf_get_i64(f, "i32", &i) && i == -2000000000);
    assert_true(gguf_get_f64(f, "f32", &d) && d == 1.5);
    assert_true(gguf_get_bool(f, "bool", &flag) && flag);
    assert_true(gguf_get_str(f, "str", &s) && gguf_str_eq(s, "h\xc3\xa9llo"));
    assert_true(gguf_get_u64(f, "u64", &u) && u == ((uint64_t)1 << 63) + 5);
    assert_false(gguf_get_i64(f, "u64", &i)); /* above INT64_MAX */
    assert_true(gguf_get_i64(f, "i64", &i) && i == -((int64_t)1 << 62));
    assert_true(gguf_get_f64(f, "f64", &d) && d == 1e300);
    assert_true(gguf_get_f64(f, "u8", &d) && d == 200.0); /* exact integer */
    assert_false(gguf_get_str(f, "u8", &s));
    assert_false(gguf_get_bool(f, "u8", &flag));
    assert_false(gguf_get_u64(f, "str", &u));
    assert_false(gguf_get_u64(f, "missing", &u));
    assert_int_equal(gguf_find_key(f, "missing"), -1);
    assert_int_equal(gguf_find_key(f, "u1"), -1); /* a prefix is not a key */

    /* positions: the kv starts at its key, the value at its type field */
    const gguf_kv *kv = gguf_get_kv(f, 0);
    const uint64_t lw = version == 1 ? 4 : 8;
    assert_int_equal(kv->offset, at.kv_u8);
    assert_int_equal(kv->value.offset, at.kv_u8 + lw + 2);
    assert_int_equal(kv->value.size, 4 + 1);
    assert_memory_equal(gguf_raw(f, kv->offset, 1), b.data + at.kv_u8, 1);
    assert_null(gguf_raw(f, b.len, 1)); /* past the end */
    assert_int_equal(gguf_get_kv(f, 8)->offset, at.kv_str);
    assert_int_equal(gguf_get_kv(f, 8)->value.size, 4 + lw + 6);

    /* fixed-size array */
    const gguf_value *arr = value_of(f, "u16s");
    assert_int_equal(arr->v.arr.type, GGUF_TYPE_UINT16);
    assert_int_equal(arr->v.arr.len, 3);
    assert_int_equal(arr->v.arr.data_offset, at.kv_arr + lw + 4 + 4 + 4 + lw);
    gguf_value e;
    assert_true(gguf_array_get(f, arr, 2, &e) && e.v.u64 == 65535);
    assert_true(gguf_array_get(f, arr, 0, &e) && e.v.u64 == 1 && e.size == 2);
    assert_false(gguf_array_get(f, arr, 3, &e));
    assert_false(gguf_array_get(f, value_of(f, "u8"), 0, &e)); /* not an array */

    /* strings */
    const gguf_value *strs = value_of(f, "strs");
    const char *want[] = { "a", "", "ccc" };
    gguf_array_iter it;
    gguf_array_iter_init(&it, f, strs);
    for (int k = 0; k < 3; k++) {
        assert_true(gguf_array_next(&it, &e));
        assert_int_equal(e.type, GGUF_TYPE_STRING);
        assert_true(gguf_str_eq(e.v.str, want[k]));
        gguf_value g;
        assert_true(gguf_array_get(f, strs, (uint64_t)k, &g));
        assert_true(gguf_str_eq(g.v.str, want[k]));
    }
    assert_false(gguf_array_next(&it, &e));

    /* arrays of arrays: [[1, 2], [], [3]] */
    const gguf_value *nested = value_of(f, "nested");
    assert_int_equal(nested->v.arr.type, GGUF_TYPE_ARRAY);
    const int64_t expect[3][2] = { { 1, 2 }, { 0, 0 }, { 3, 0 } };
    const uint64_t lens[3] = { 2, 0, 1 };
    gguf_array_iter_init(&it, f, nested);
    for (int k = 0; k < 3; k++) {
        assert_true(gguf_array_next(&it, &e));
        assert_int_equal(e.type, GGUF_TYPE_ARRAY);
        assert_int_equal(e.v.arr.type, GGUF_TYPE_INT32);
        assert_int_equal(e.v.arr.len, lens[k]);
        for (uint64_t j = 0; j < lens[k]; j++) {
            gguf_value inner;
            assert_true(gguf_array_get(f, &e, j, &inner));
            assert_int_equal(inner.v.i64, expect[k][j]);
        }
    }
    assert_true(gguf_array_get(f, nested, 2, &e) && e.v.arr.len == 1);

    /* eight levels down */
    gguf_value level = *value_of(f, "deep");
    for (size_t l = 1; l < at.deep_levels; l++) {
        assert_int_equal(level.v.arr.type, GGUF_TYPE_ARRAY);
        gguf_value next;
        assert_true(gguf_array_get(f, &level, 0, &next));
        level = next;
    }
    assert_int_equal(level.v.arr.type, GGUF_TYPE_UINT8);
    assert_true(gguf_array_get(f, &level, 0, &e) && e.v.u64 == 7);

    /* the tensor */
    assert_int_equal(gguf_tensor_count(f), 1);
    const gguf_tensor *t = gguf_get_tensor(f, 0);
    assert_true(gguf_str_eq(t->name, "t"));
    assert_int_equal(t->info_offset, at.tensor_info);
    assert_int_equal(t->n_dims, 2);
    assert_int_equal(t->ne[0], 4);
    assert_int_equal(t->ne[1], 2);
    assert_int_equal(t->ne[2], 1);
    assert_int_equal(t->ne[3], 1);
    assert_int_equal(t->n_elements, 8);
    assert_int_equal(t->n_bytes, 32);
    assert_true(t->type_known);
    assert_true(gguf_all_types_known(f));
    assert_int_equal(gguf_find_tensor(f, "t"), 0);
    assert_int_equal(gguf_find_tensor(f, "u"), -1);
    assert_null(gguf_get_tensor(f, 1));
    /* tensor bytes are handed out as stored, never swapped */
    uint8_t raw[32];
    gguf_error err;
    assert_int_equal(gguf_read_tensor(f, t, 0, raw, 32, &err), GQ_OK);
    assert_memory_equal(raw, b.data + at.data_offset, 32);
    if (!big_endian) assert_memory_equal(raw, tensor_values, 32);
    assert_ptr_equal(gguf_tensor_data(f, t), gguf_raw(f, at.data_offset, 32));
    gqb_close(f);
    gqb_free(&b);
}

static void test_every_value_type_v3(void **state) { (void)state; check_every_type(3, false); }
static void test_every_value_type_v2(void **state) { (void)state; check_every_type(2, false); }
static void test_every_value_type_v1(void **state) { (void)state; check_every_type(1, false); }
static void test_every_value_type_big_endian(void **state) {
    (void)state;
    check_every_type(3, true);
    check_every_type(2, true);
}

static void test_header_only_file_without_padding(void **state) {
    (void)state;
    /* ggml: with no tensors there is no data section to align */
    gqb b;
    gqb_init(&b, 3, false);
    gqb_header(&b, 0, 1);
    gqb_kv_str(&b, "general.name", "x");
    gguf_file *f = gqb_expect_open(&b, 0);
    assert_int_equal(gguf_header_size(f), b.len);
    assert_int_equal(gguf_data_offset(f), b.len);
    assert_true(b.len % 32 != 0);
    gqb_close(f);
    gqb_free(&b);
}

/* ---------------------------------------------------------------- header */

static void test_magic(void **state) {
    (void)state;
    gqb b;
    gqb_init(&b, 3, false);
    gqb_bytes(&b, "GGUX", 4);
    gqb_u32(&b, 3);
    gqb_u64(&b, 0);
    gqb_u64(&b, 0);
    gqb_expect_error(&b, 0, GQ_ERR_FORMAT, 0, "header: not a GGUF file", "'GGUX'", NULL);
    gqb_free(&b);
    gqb_expect_error_bytes("", 0, 0, GQ_ERR_FORMAT, 0, "truncated", "magic", NULL);
    gqb_expect_error_bytes("GGU", 3, 0, GQ_ERR_FORMAT, 0, "truncated", NULL);
    gqb_expect_error_bytes("\x01\x1b[2J", 5, 0, GQ_ERR_FORMAT, 0, "'\\x01\\x1b[2'", NULL); /* escaped */
}

static void test_version(void **state) {
    (void)state;
    const uint32_t bad[] = { 0, 4, 0x00010000u, 0xffffffffu };
    for (size_t i = 0; i < 4; i++) {
        gqb b;
        gqb_init(&b, 3, false);
        gqb_header(&b, 0, 0);
        gqb_patch_u32(&b, 4, bad[i]);
        char text[32];
        snprintf(text, sizeof text, "version %" PRIu32, bad[i]);
        gqb_expect_error(&b, GGUF_OPEN_LENIENT, GQ_ERR_FORMAT, 4, "unsupported", text, NULL);
        gqb_free(&b);
    }
}

static void test_counts_checked_before_allocation(void **state) {
    (void)state;
    /* v3: tensor count at 8, kv count at 16; each checked against what is
     * left, using the smallest kv (13 bytes) and tensor info (33) */
    gqb b;
    gqb_init(&b, 3, false);
    gqb_header(&b, 0, 1000);
    gqb_zeros(&b, 12999); /* 1000 kvs need at least 13000 bytes */
    gqb_expect_error(&b, 0, GQ_ERR_FORMAT, 16, "header", "kv count 1000 cannot fit", NULL);
    gqb_patch_u64(&b, 16, UINT64_MAX);
    gqb_expect_error(&b, 0, GQ_ERR_FORMAT, 16, "kv count 18446744073709551615", NULL);
    gqb_patch_u64(&b, 16, (uint64_t)1 << 63);
    gqb_expect_error(&b, 0, GQ_ERR_FORMAT, 16, "kv count", NULL);
    gqb_patch_u64(&b, 16, 0);
    gqb_patch_u64(&b, 8, 394); /* 12999 / 33 = 393 */
    gqb_expect_error(&b, 0, GQ_ERR_FORMAT, 8, "tensor count 394 cannot fit", NULL);
    gqb_patch_u64(&b, 8, UINT64_MAX / 2);
    gqb_expect_error(&b, 0, GQ_ERR_FORMAT, 8, "tensor count", NULL);
    /* what the kvs need is taken off before the tensors are counted */
    gqb_patch_u64(&b, 8, 1);
    gqb_patch_u64(&b, 16, 998); /* 998 * 13 = 12974: 25 bytes left, < 33 */
    gqb_expect_error(&b, 0, GQ_ERR_FORMAT, 8, "tensor count 1 cannot fit in the 25 bytes left", NULL);
    gqb_free(&b);
    /* v1: 32-bit counts, tensor count at 8, kv count at 12 */
    gqb_init(&b, 1, false);
    gqb_header(&b, 0, 100);
    gqb_expect_error(&b, 0, GQ_ERR_FORMAT, 12, "kv count 100", NULL);
    gqb_free(&b);
    /* big-endian: the count is read swapped */
    gqb_init(&b, 3, true);
    gqb_header(&b, 0, 1000);
    gqb_expect_error(&b, 0, GQ_ERR_FORMAT, 16, "kv count 1000 ", NULL);
    gqb_free(&b);
}

/* ---------------------------------------------------------------- kvs */

static void test_key_length_beyond_the_file(void **state) {
    (void)state;
    gqb b;
    gqb_init(&b, 3, false);
    gqb_header(&b, 0, 1);
    size_t kv = gqb_kv_u32(&b, "abc", 1);
    gqb_patch_u64(&b, kv, 1000);
    gqb_expect_error(&b, 0, GQ_ERR_FORMAT, kv, "kv 0", "key length 1000 exceeds", NULL);
    /* a length near 2^64 must not wrap around any bound */
    gqb_patch_u64(&b, kv, UINT64_MAX);
    gqb_expect_error(&b, 0, GQ_ERR_FORMAT, kv, "key length 18446744073709551615", NULL);
    gqb_patch_u64(&b, kv, UINT64_MAX - 7);
    gqb_expect_error(&b, 0, GQ_ERR_FORMAT, kv, "key length", NULL);
    gqb_free(&b);
}

static void test_empty_key(void **state) {
    (void)state;
    gqb b;
    gqb_init(&b, 3, false);
    gqb_header(&b, 0, 2);
    gqb_kv_u32(&b, "a", 1);
    size_t kv = gqb_kv_u32(&b, "", 2);
    gqb_expect_error(&b, 0, GQ_ERR_FORMAT, kv, "kv 1 has an empty key", NULL);
    gguf_file *f = gqb_expect_open(&b, GGUF_OPEN_LENIENT);
    assert_int_equal(gguf_warning_count(f), 1);
    assert_non_null(strstr(gguf_warning(f, 0), "empty key"));
    assert_int_equal(gguf_get_kv(f, 1)->key.len, 0);
    gqb_close(f);
    gqb_free(&b);
}

static void test_duplicate_key(void **state) {
    (void)state;
    gqb b;
    gqb_init(&b, 3, false);
    gqb_header(&b, 0, 3);
    size_t first = gqb_kv_u32(&b, "general.x", 1);
    gqb_kv_u32(&b, "general.y", 2);
    size_t second = gqb_kv_u32(&b, "general.x", 3);
    char text[64];
    snprintf(text, sizeof text, "starts at byte %zu", first);
    gqb_expect_error(&b, 0, GQ_ERR_FORMAT, second, "key 'general.x'", "duplicate key", "kv 2 repeats kv 0", text, NULL);
    gguf_file *f = gqb_expect_open(&b, GGUF_OPEN_LENIENT);
    uint64_t v;
    assert_true(gguf_get_u64(f, "general.x", &v));
    assert_int_equal(v, 1); /* the first one wins */
    assert_false(gguf_get_kv(f, 0)->duplicate);
    assert_true(gguf_get_kv(f, 2)->duplicate);
    assert_int_equal(gguf_warning_count(f), 1);
    assert_non_null(strstr(gguf_warning(f, 0), "general.x"));
    gqb_close(f);
    gqb_free(&b);
}

static void test_warnings_are_bounded(void **state) {
    (void)state;
    /* 300 repeats of one key: a lenient open keeps 256 warnings and says
     * how many more there were */
    gqb b;
    gqb_init(&b, 3, false);
    gqb_header(&b, 0, 301);
    for (int i = 0; i < 301; i++) gqb_kv_u32(&b, "k", (uint32_t)i);
    gguf_file *f = gqb_expect_open(&b, GGUF_OPEN_LENIENT);
    assert_int_equal(gguf_warning_count(f), 257);
    assert_non_null(strstr(gguf_warning(f, 256), "and 44 more warnings"));
    assert_null(gguf_warning(f, 257));
    gqb_close(f);
    gqb_free(&b);
}

static void test_unknown_value_types(void **state) {
    (void)state;
    const uint32_t bad[] = { 13, 0x80000000u, 0xffffffffu };
    for (size_t i = 0; i < 3; i++) {
        gqb b;
        gqb_init(&b, 3, false);
        gqb_header(&b, 0, 1);
        size_t kv = gqb_kv(&b, "weird", bad[i]);
        gqb_u64(&b, 0);
        char text[48];
        snprintf(text, sizeof text, "unknown value type %" PRIu32, bad[i]);
        gqb_expect_error(&b, GGUF_OPEN_LENIENT, GQ_ERR_FORMAT, kv + 8 + 5, "key 'weird'", text, NULL);
        gqb_free(&b);
    }
    /* inside an array */
    gqb b;
    gqb_init(&b, 3, false);
    gqb_header(&b, 0, 1);
    size_t kv = gqb_kv_array(&b, "arr", 99, 1);
    gqb_u64(&b, 0);
    gqb_expect_error(&b, 0, GQ_ERR_FORMAT, kv + 8 + 3 + 4, "key 'arr'", "array element type 99 is unknown", NULL);
    gqb_free(&b);
}

static void test_array_counts(void **state) {
    (void)state;
    gqb b;
    gqb_init(&b, 3, false);
    gqb_header(&b, 0, 1);
    size_t kv = gqb_kv_array(&b, "arr", GQB_U32, 1000);
    gqb_zeros(&b, 3999);
    const size_t count_at = kv + 8 + 3 + 4 + 4;
    gqb_expect_error(&b, 0, GQ_ERR_FORMAT, count_at, "key 'arr'", "array of 1000 uint32 elements cannot fit", NULL);
    /* count * size would wrap: refused without multiplying */
    gqb_patch_u64(&b, count_at, ((uint64_t)1 << 62) + 1);
    gqb_expect_error(&b, 0, GQ_ERR_FORMAT, count_at, "cannot fit", NULL);
    gqb_free(&b);
    /* strings take at least their 8-byte length */
    gqb_init(&b, 3, false);
    gqb_header(&b, 0, 1);
    kv = gqb_kv_array(&b, "strs", GQB_STR, 10);
    gqb_zeros(&b, 79);
    gqb_expect_error(&b, 0, GQ_ERR_FORMAT, kv + 8 + 4 + 4 + 4, "array of 10 string elements cannot fit", NULL);
    gqb_free(&b);
}

static void test_string_lengths(void **state) {
    (void)state;
    gqb b;
    gqb_init(&b, 3, false);
    gqb_header(&b, 0, 1);
    size_t kv = gqb_kv_str(&b, "s", "abc");
    const size_t len_at = kv + 8 + 1 + 4;
    gqb_patch_u64(&b, len_at, 4);
    gqb_expect_error(&b, 0, GQ_ERR_FORMAT, len_at, "key 's'", "string length 4 exceeds the 3 bytes left", NULL);
    gqb_patch_u64(&b, len_at, UINT64_MAX);
    gqb_expect_error(&b, 0, GQ_ERR_FORMAT, len_at, "string length 18446744073709551615", NULL);
    gqb_free(&b);
    /* the third string of an array */
    gqb_init(&b, 3, false);
    gqb_header(&b, 0, 1);
    gqb_kv_array(&b, "strs", GQB_STR, 3);
    gqb_str(&b, "a");
    gqb_str(&b, "b");
    size_t third = gqb_str(&b, "c");
    gqb_patch_u64(&b, third, UINT64_MAX - 1);
    gqb_expect_error(&b, 0, GQ_ERR_FORMAT, third, "key 'strs'", "array string 2 length", NULL);
    gqb_free(&b);
}

static void test_array_nesting_depth(void **state) {
    (void)state;
    /* nine levels: the eighth level's element type says "arrays" */
    gqb b;
    gqb_init(&b, 3, false);
    gqb_header(&b, 0, 1);
    gqb_kv(&b, "deep", GQB_ARR);
    size_t eighth = 0;
    for (int level = 1; level < 9; level++) {
        size_t at = gqb_u32(&b, GQB_ARR);
        if (level == 8) eighth = at;
        gqb_count(&b, 1);
    }
    gqb_u32(&b, GQB_U8);
    gqb_count(&b, 1);
    gqb_u8(&b, 7);
    gqb_expect_error(&b, GGUF_OPEN_LENIENT, GQ_ERR_FORMAT, eighth, "key 'deep'", "arrays nest deeper than 8", NULL);
    gqb_free(&b);
    /* a deep chain of empty-looking arrays with huge counts is refused at
     * the first count that cannot fit, not by recursing */
    gqb_init(&b, 3, false);
    gqb_header(&b, 0, 1);
    size_t kv = gqb_kv_array(&b, "wide", GQB_ARR, UINT64_MAX);
    gqb_expect_error(&b, 0, GQ_ERR_FORMAT, kv + 8 + 4 + 4 + 4, "cannot fit", NULL);
    gqb_free(&b);
}

static void test_alignment_key(void **state) {
    (void)state;
    const uint32_t bad[] = { 0, 3, 48, (uint32_t)1 << 31, (1u << 24) * 2 };
    const char *why[] = { "not a power of two", "not a power of two", "not a power of two", "exceeds the maximum",
                          "exceeds the maximum" };
    for (size_t i = 0; i < 5; i++) {
        gqb b;
        gqb_init(&b, 3, false);
        gqb_header(&b, 0, 2);
        gqb_kv_u32(&b, "a", 1);
        size_t kv = gqb_kv_u32(&b, "general.alignment", bad[i]);
        gqb_expect_error(&b, GGUF_OPEN_LENIENT, GQ_ERR_FORMAT, kv, "key 'general.alignment'", why[i], NULL);
        gqb_free(&b);
    }
    /* the wrong type */
    gqb b;
    gqb_init(&b, 3, false);
    gqb_header(&b, 0, 1);
    size_t kv = gqb_kv(&b, "general.alignment", GQB_U64);
    gqb_u64(&b, 32);
    gqb_expect_error(&b, 0, GQ_ERR_FORMAT, kv, "key 'general.alignment'", "must be a uint32, not a uint64", NULL);
    gqb_free(&b);
    /* the largest and the smallest are fine */
    const uint32_t good[] = { 1, 1u << 24 };
    for (size_t i = 0; i < 2; i++) {
        gqb_init(&b, 3, false);
        gqb_header(&b, 1, 1);
        gqb_kv_u32(&b, "general.alignment", good[i]);
        uint64_t ne[1] = { 1 };
        gqb_tensor(&b, "t", 1, ne, F32, 0);
        gqb_pad(&b, good[i]);
        size_t data = gqb_pos(&b);
        gqb_zeros(&b, 4);
        gguf_file *f = gqb_expect_open(&b, 0);
        assert_int_equal(gguf_alignment(f), good[i]);
        assert_int_equal(gguf_data_offset(f), data);
        gqb_close(f);
        gqb_free(&b);
    }
}

/* ---------------------------------------------------------------- tensors */

/* A file with one kv and the given tensor infos written by `add`; returns
 * the builder with the header (but no data) in place. */
static void one_tensor(gqb *b, const char *name, uint32_t n_dims, const uint64_t *ne, uint32_t type, uint64_t offset,
                       size_t *info) {
    gqb_init(b, 3, false);
    gqb_header(b, 1, 1);
    gqb_kv_u32(b, "x", 1);
    *info = gqb_tensor(b, name, n_dims, ne, type, offset);
}

static void test_tensor_names(void **state) {
    (void)state;
    uint64_t ne[1] = { 32 };
    size_t info;
    gqb b;
    one_tensor(&b, "", 1, ne, F32, 0, &info);
    gqb_zeros(&b, 200);
    gqb_expect_error(&b, GGUF_OPEN_LENIENT, GQ_ERR_FORMAT, info, "tensor 0", "empty name", NULL);
    gqb_free(&b);
    /* longer than GGUF_MAX_NAME: refused before its bytes are looked at */
    one_tensor(&b, "n", 1, ne, F32, 0, &info);
    gqb_patch_u64(&b, info, GGUF_MAX_NAME + 1);
    gqb_expect_error(&b, 0, GQ_ERR_FORMAT, info, "tensor 0", "name length 65536 exceeds the maximum 65535", NULL);
    gqb_patch_u64(&b, info, 1000);
    gqb_expect_error(&b, 0, GQ_ERR_FORMAT, info, "tensor 0", "name length 1000 exceeds the", "bytes left", NULL);
    gqb_free(&b);
    /* unique names */
    gqb_init(&b, 3, false);
    gqb_header(&b, 2, 0);
    size_t first = gqb_tensor(&b, "w", 1, ne, F32, 0);
    size_t second = gqb_tensor(&b, "w", 1, ne, F32, 128);
    gqb_pad(&b, 32);
    gqb_zeros(&b, 256);
    char text[64];
    snprintf(text, sizeof text, "info starts at byte %zu", first);
    gqb_expect_error(&b, GGUF_OPEN_LENIENT, GQ_ERR_FORMAT, second, "tensor 'w'", "duplicate name", text, NULL);
    gqb_free(&b);
    /* a name of control bytes is shown escaped */
    one_tensor(&b, "\x1b]0;x\x07", 1, ne, 4242, 0, &info);
    gqb_expect_error(&b, 0, GQ_ERR_FORMAT, info + 8 + 6 + 4 + 8, "tensor '\\x1b]0;x\\x07'", NULL);
    gqb_free(&b);
}

static void test_tensor_dimensions(void **state) {
    (void)state;
    size_t info;
    gqb b;
    uint64_t ne4[5] = { 32, 1, 1, 1, 1 };
    one_tensor(&b, "t", 5, ne4, F32, 0, &info);
    gqb_expect_error(&b, 0, GQ_ERR_FORMAT, info + 8 + 1, "tensor 't'", "n_dims 5 is not in 1..4", NULL);
    gqb_free(&b);
    one_tensor(&b, "t", 0, ne4, F32, 0, &info);
    gqb_zeros(&b, 64);
    gqb_expect_error(&b, 0, GQ_ERR_FORMAT, info + 8 + 1, "n_dims 0", NULL);
    gqb_free(&b);
    uint64_t zero[3] = { 32, 4, 0 };
    one_tensor(&b, "t", 3, zero, F32, 0, &info);
    gqb_expect_error(&b, 0, GQ_ERR_FORMAT, info + 8 + 1 + 4 + 16, "tensor 't'", "dimension 2 is 0", NULL);
    gqb_free(&b);
    /* the element count may not overflow or pass 2^63-1 */
    uint64_t wrap[2] = { (uint64_t)1 << 32, (uint64_t)1 << 32 };
    one_tensor(&b, "t", 2, wrap, F32, 0, &info);
    gqb_expect_error(&b, 0, GQ_ERR_FORMAT, info + 8 + 1 + 4 + 8, "dimension 1", "exceed 2^63-1", NULL);
    gqb_free(&b);
    uint64_t huge[1] = { (uint64_t)1 << 63 };
    one_tensor(&b, "t", 1, huge, F32, 0, &info);
    gqb_expect_error(&b, 0, GQ_ERR_FORMAT, info + 8 + 1 + 4, "dimension 0", NULL);
    gqb_free(&b);
    uint64_t three[3] = { (uint64_t)1 << 21, (uint64_t)1 << 21, (uint64_t)1 << 21 }; /* 2^63 */
    one_tensor(&b, "t", 3, three, F32, 0, &info);
    gqb_expect_error(&b, 0, GQ_ERR_FORMAT, info + 8 + 1 + 4 + 16, "dimension 2", NULL);
    gqb_free(&b);
    /* the byte size must fit in int64 too (CVE-2026-33298: a size that
     * wraps makes a small buffer pass for a huge tensor) */
    uint64_t big[1] = { (uint64_t)1 << 62 }; /* f32: 2^64 bytes */
    one_tensor(&b, "t", 1, big, F32, 0, &info);
    gqb_expect_error(&b, 0, GQ_ERR_FORMAT, info, "tensor 't'", "size in bytes", NULL);
    gqb_free(&b);
    uint64_t edge[1] = { (uint64_t)1 << 61 }; /* f32: 2^63 bytes */
    one_tensor(&b, "t", 1, edge, F32, 0, &info);
    gqb_expect_error(&b, 0, GQ_ERR_FORMAT, info, "size in bytes", NULL);
    gqb_free(&b);
}

static void test_block_size(void **state) {
    (void)state;
    size_t info;
    gqb b;
    uint64_t ne[2] = { 33, 2 }; /* 66 elements, but rows of 33 */
    one_tensor(&b, "q", 2, ne, Q4_0, 0, &info);
    gqb_expect_error(&b, 0, GQ_ERR_FORMAT, info + 8 + 1 + 4, "tensor 'q'",
                     "33 elements per row is not a multiple of the q4_0 block size 32", NULL);
    gqb_free(&b);
}

static void test_unknown_tensor_types(void **state) {
    (void)state;
    const uint32_t types[] = { 99, 4, 31, GQ_TYPE_COUNT };
    const char *why[] = { "unknown type id 99", "type id 4 (q4_2) was removed", "type id 31", "unknown type id 43" };
    for (size_t i = 0; i < 4; i++) {
        size_t info;
        gqb b;
        uint64_t ne[1] = { 256 };
        gqb_init(&b, 3, false);
        gqb_header(&b, 2, 0);
        info = gqb_tensor(&b, "odd", 1, ne, types[i], 0);
        gqb_tensor(&b, "f", 1, ne, F32, 1024);
        gqb_pad(&b, 32);
        gqb_zeros(&b, 2048);
        gqb_expect_error(&b, 0, GQ_ERR_FORMAT, info + 8 + 3 + 4 + 8, "tensor 'odd'", why[i], NULL);
        /* lenient: accepted with a warning, its size unknown */
        gguf_file *f = gqb_expect_open(&b, GGUF_OPEN_LENIENT);
        assert_int_equal(gguf_warning_count(f), 1);
        assert_non_null(strstr(gguf_warning(f, 0), why[i]));
        const gguf_tensor *t = gguf_get_tensor(f, 0);
        assert_false(t->type_known);
        assert_int_equal(t->n_bytes, 0);
        assert_int_equal(t->type, types[i]);
        assert_false(gguf_all_types_known(f));
        assert_null(gguf_tensor_data(f, t));
        uint8_t byte;
        gguf_error err;
        assert_int_equal(gguf_read_tensor(f, t, 0, &byte, 1, &err), GQ_ERR_UNSUPPORTED);
        assert_true(gguf_get_tensor(f, 1)->type_known);
        gqb_close(f);
        gqb_free(&b);
    }
}

static void test_data_offsets(void **state) {
    (void)state;
    uint64_t ne[1] = { 16 }; /* 64 bytes of f32 */
    size_t info;
    gqb b;
    /* not aligned */
    one_tensor(&b, "t", 1, ne, F32, 16, &info);
    gqb_pad(&b, 32);
    gqb_zeros(&b, 128);
    gqb_expect_error(&b, GGUF_OPEN_LENIENT, GQ_ERR_FORMAT, info + 8 + 1 + 4 + 8 + 4, "tensor 't'",
                     "data offset 16 is not a multiple of the alignment 32", NULL);
    gqb_free(&b);
    /* past the end, without wrapping */
    const uint64_t far[] = { 64, ((uint64_t)1 << 63), UINT64_MAX - 31 };
    for (size_t i = 0; i < 3; i++) {
        one_tensor(&b, "t", 1, ne, F32, far[i], &info);
        gqb_pad(&b, 32);
        size_t data = gqb_pos(&b);
        gqb_zeros(&b, 64);
        gqb_expect_error(&b, 0, GQ_ERR_FORMAT, data + 64, "tensor 't'", "runs past the end of the file", NULL);
        gqb_free(&b);
    }
    /* truncated inside the data: error names the tensor, at its start */
    gqb_init(&b, 3, false);
    gqb_header(&b, 2, 0);
    gqb_tensor(&b, "first", 1, ne, F32, 0);
    gqb_tensor(&b, "second", 1, ne, F32, 64);
    gqb_pad(&b, 32);
    size_t data = gqb_pos(&b);
    gqb_zeros(&b, 64 + 63);
    gqb_expect_error(&b, 0, GQ_ERR_FORMAT, data + 64, "tensor 'second'", "truncated", NULL);
    gqb_zeros(&b, 1);
    gguf_file *f = gqb_expect_open(&b, 0);
    gqb_close(f);
    gqb_free(&b);
    /* the data section itself must start inside the file */
    one_tensor(&b, "t", 1, ne, F32, 0, &info);
    size_t header_end = gqb_pos(&b);
    assert_true(header_end % 32 != 0);
    gqb_expect_error(&b, 0, GQ_ERR_FORMAT, header_end, "header", "data section would start past the end", NULL);
    gqb_free(&b);
}

static void test_overlapping_tensors(void **state) {
    (void)state;
    uint64_t ne[1] = { 16 }; /* 64 bytes */
    gqb b;
    gqb_init(&b, 3, false);
    gqb_header(&b, 3, 0);
    gqb_tensor(&b, "c", 1, ne, F32, 128);
    gqb_tensor(&b, "a", 1, ne, F32, 0);
    gqb_tensor(&b, "b", 1, ne, F32, 32); /* inside a's [0, 64) */
    gqb_pad(&b, 32);
    size_t data = gqb_pos(&b);
    gqb_zeros(&b, 192);
    gqb_expect_error(&b, GGUF_OPEN_LENIENT, GQ_ERR_FORMAT, data + 32, "tensor 'b'", "data [32, 96) overlaps tensor 'a' [0, 64)",
                     NULL);
    gqb_free(&b);
    /* out of order but disjoint is fine */
    gqb_init(&b, 3, false);
    gqb_header(&b, 3, 0);
    gqb_tensor(&b, "c", 1, ne, F32, 128);
    gqb_tensor(&b, "a", 1, ne, F32, 0);
    gqb_tensor(&b, "b", 1, ne, F32, 64);
    gqb_pad(&b, 32);
    gqb_zeros(&b, 192);
    gguf_file *f = gqb_expect_open(&b, 0);
    assert_int_equal(gguf_get_tensor(f, 0)->offset, 128);
    gqb_close(f);
    gqb_free(&b);
}

static void test_v1_tensors(void **state) {
    (void)state;
    /* v1: 32-bit name length and dimensions, 64-bit offset */
    gqb b;
    gqb_init(&b, 1, false);
    gqb_header(&b, 2, 1);
    gqb_kv_str(&b, "general.name", "old");
    uint64_t ne[2] = { 64, 3 };
    size_t info = gqb_tensor(&b, "w", 2, ne, Q4_0, 0);
    gqb_tensor(&b, "v", 1, ne, F32, 128);
    gqb_pad(&b, 32);
    gqb_zeros(&b, 128 + 256);
    gguf_file *f = gqb_expect_open(&b, 0);
    const gguf_tensor *t = gguf_get_tensor(f, 0);
    assert_int_equal(t->info_offset, info);
    assert_int_equal(t->ne[0], 64);
    assert_int_equal(t->ne[1], 3);
    assert_int_equal(t->n_bytes, 6 * 18);
    assert_true(gguf_str_eq(gguf_get_tensor(f, 1)->name, "v"));
    gqb_close(f);
    gqb_free(&b);
}

/* ---------------------------------------------------------------- headers bigger than a buffer */

static void test_large_header_without_mmap(void **state) {
    (void)state;
    /* 300,000 strings: a header of several MB that the pread path pulls in
     * piece by piece, growing its buffer */
    gqb b;
    gqb_init(&b, 3, false);
    gqb_header(&b, 1, 2);
    const uint64_t n = 300000;
    gqb_kv_array(&b, "tokenizer.ggml.tokens", GQB_STR, n);
    char tok[32];
    for (uint64_t i = 0; i < n; i++) {
        snprintf(tok, sizeof tok, "tok%" PRIu64, i);
        gqb_str(&b, tok);
    }
    gqb_kv_str(&b, "general.name", "last");
    uint64_t ne[1] = { 8 };
    gqb_tensor(&b, "t", 1, ne, F32, 0);
    gqb_pad(&b, 32);
    gqb_zeros(&b, 32);
    char *dir = gqt_mkdtemp();
    char path[4200];
    snprintf(path, sizeof path, "%s/big-header.gguf", dir);
    gqt_write_file(path, b.data, b.len);
    const unsigned modes[] = { GGUF_OPEN_NO_MMAP, GGUF_OPEN_HEADER_ONLY, 0 };
    for (size_t m = 0; m < 3; m++) {
        gguf_error err;
        gguf_file *f = gguf_open(path, modes[m], &err);
        if (!f) fail_msg("%s", err.message);
        gguf_str s;
        assert_true(gguf_get_str(f, "general.name", &s) && gguf_str_eq(s, "last"));
        gguf_value v;
        assert_true(gguf_array_get(f, &gguf_get_kv(f, 0)->value, n - 1, &v));
        assert_true(gguf_str_eq(v.v.str, "tok299999"));
        gguf_close(f);
    }
    gqt_rmtree(dir);
    free(dir);
    gqb_free(&b);
}

static void test_open_errors_name_the_path(void **state) {
    (void)state;
    gguf_error err;
    assert_null(gguf_open("/nonexistent/x.gguf", 0, &err));
    assert_int_equal(err.status, GQ_ERR_IO);
    assert_false(err.has_offset);
    assert_non_null(strstr(err.message, "/nonexistent/x.gguf"));
    char *dir = gqt_mkdtemp();
    assert_null(gguf_open(dir, 0, &err)); /* a directory */
    assert_int_equal(err.status, GQ_ERR_IO);
    assert_non_null(strstr(err.message, "not a regular file"));
    gqt_rmtree(dir);
    free(dir);
    assert_null(gguf_open(NULL, 0, NULL)); /* no crash without an error struct */
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_value_type_v3),
        cmocka_unit_test(test_every_value_type_v2),
        cmocka_unit_test(test_every_value_type_v1),
        cmocka_unit_test(test_every_value_type_big_endian),
        cmocka_unit_test(test_header_only_file_without_padding),
        cmocka_unit_test(test_magic),
        cmocka_unit_test(test_version),
        cmocka_unit_test(test_counts_checked_before_allocation),
        cmocka_unit_test(test_key_length_beyond_the_file),
        cmocka_unit_test(test_empty_key),
        cmocka_unit_test(test_duplicate_key),
        cmocka_unit_test(test_warnings_are_bounded),
        cmocka_unit_test(test_unknown_value_types),
        cmocka_unit_test(test_array_counts),
        cmocka_unit_test(test_string_lengths),
        cmocka_unit_test(test_array_nesting_depth),
        cmocka_unit_test(test_alignment_key),
        cmocka_unit_test(test_tensor_names),
        cmocka_unit_test(test_tensor_dimensions),
        cmocka_unit_test(test_block_size),
        cmocka_unit_test(test_unknown_tensor_types),
        cmocka_unit_test(test_data_offsets),
        cmocka_unit_test(test_overlapping_tensors),
        cmocka_unit_test(test_v1_tensors),
        cmocka_unit_test(test_large_header_without_mmap),
        cmocka_unit_test(test_open_errors_name_the_path),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
