/* The shared split-model opener (src/gguf/split.h): part names, and the
 * two rules for which files are parts.
 *
 * Expected values: llama.cpp's naming ("%s-%05d-of-%05d.gguf", parts
 * counted from 1, see llama_split_path) and its loader's rule, read by
 * hand: the metadata's split.count decides, not the file name. */
#include "gqtest.h"
#include "tmp_dir.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gguf/split.h"

static const char *tmp(const char *name) {
    static char buf[4][4200];
    static int next;
    char *b = buf[next++ & 3];
    snprintf(b, sizeof buf[0], "%s/%s", gqt_tmp_dir(), name);
    return b;
}

static void test_parse_name(void **state) {
    (void)state;
    size_t prefix;
    unsigned part, count;
    assert_true(gguf_split_parse_name("dir/model-00002-of-00003.gguf", &prefix, &part, &count));
    assert_int_equal(prefix, strlen("dir/model"));
    assert_int_equal(part, 2);
    assert_int_equal(count, 3);
    assert_false(gguf_split_parse_name("model-00004-of-00003.gguf", &prefix, &part, &count)); /* part > count */
    assert_false(gguf_split_parse_name("model-00000-of-00003.gguf", &prefix, &part, &count)); /* parts count from 1 */
    assert_false(gguf_split_parse_name("model-0001-of-00003.gguf", &prefix, &part, &count));  /* four digits */
    assert_false(gguf_split_parse_name("model-00001-of-00003.bin", &prefix, &part, &count));
    assert_false(gguf_split_parse_name("-00001-of-00001.gguf", &prefix, &part, &count)); /* no prefix */
    assert_false(gguf_split_parse_name("model.gguf", &prefix, &part, &count));
}

static void test_part_path(void **state) {
    (void)state;
    char *p = gguf_split_part_path("out/ggml-model-q4_0XYZ", strlen("out/ggml-model-q4_0"), 2, 4);
    assert_string_equal(p, "out/ggml-model-q4_0-00002-of-00004.gguf");
    free(p);
}

/* A one-tensor GGUF file with the given split keys (count 0: none). */
static void write_file(const char *path, uint64_t split_no, uint64_t split_count, bool count_as_string) {
    gguf_error err;
    gguf_writer *w = gguf_writer_open(path, &err);
    assert_non_null(w);
    if (split_count) {
        assert_int_equal(gguf_writer_add_u16(w, "split.no", (uint16_t)split_no), GQ_OK);
        if (count_as_string) assert_int_equal(gguf_writer_add_str(w, "split.count", "2"), GQ_OK);
        else assert_int_equal(gguf_writer_add_u32(w, "split.count", (uint32_t)split_count), GQ_OK);
        assert_int_equal(gguf_writer_add_i32(w, "split.tensors.count", 2), GQ_OK);
    }
    uint64_t ne[1] = { 4 };
    char name[32];
    snprintf(name, sizeof name, "t%llu", (unsigned long long)split_no);
    assert_int_equal(gguf_writer_add_tensor(w, name, 1, ne, GQ_TYPE_F32, NULL), GQ_OK);
    float v[4] = { 1, 2, 3, 4 };
    assert_int_equal(gguf_writer_write(w, v, sizeof v, &err), GQ_OK);
    assert_int_equal(gguf_writer_commit(w, &err), GQ_OK);
}

/* llama.cpp's rule: split.count decides; a file without it is one file,
 * whatever its name. */
static void test_as_llama(void **state) {
    (void)state;
    gguf_split s;
    gguf_error err;
    write_file(tmp("m-00001-of-00002.gguf"), 0, 2, false);
    write_file(tmp("m-00002-of-00002.gguf"), 1, 2, false);
    assert_int_equal(gguf_split_open(&s, tmp("m-00001-of-00002.gguf"), 0, GGUF_SPLIT_AS_LLAMA, &err), GQ_OK);
    assert_int_equal(s.n_parts, 2);
    assert_string_equal(s.paths[1], tmp("m-00002-of-00002.gguf"));
    gguf_split_close(&s);

    /* named like a part, but no split keys: one file */
    write_file(tmp("one-00001-of-00002.gguf"), 0, 0, false);
    assert_int_equal(gguf_split_open(&s, tmp("one-00001-of-00002.gguf"), 0, GGUF_SPLIT_AS_LLAMA, &err), GQ_OK);
    assert_int_equal(s.n_parts, 1);
    gguf_split_close(&s);

    /* a split.count that is not a number, and one past uint16 */
    write_file(tmp("str-00001-of-00002.gguf"), 0, 2, true);
    assert_int_equal(gguf_split_open(&s, tmp("str-00001-of-00002.gguf"), 0, GGUF_SPLIT_AS_LLAMA, &err),
                     GQ_ERR_FORMAT);
    assert_non_null(strstr(err.message, "split.count is not an unsigned integer"));
    gguf_split_close(&s);
    write_file(tmp("big-00001-of-70000.gguf"), 0, 70000, false);
    assert_int_equal(gguf_split_open(&s, tmp("big-00001-of-70000.gguf"), 0, GGUF_SPLIT_AS_LLAMA, &err),
                     GQ_ERR_FORMAT);
    assert_non_null(strstr(err.message, "split.count 70000 is over 65535"));
    gguf_split_close(&s);
}

/* gq-compare's rule: the name decides, and any part may be named. */
static void test_by_name(void **state) {
    (void)state;
    gguf_split s;
    gguf_error err;
    write_file(tmp("m-00001-of-00002.gguf"), 0, 2, false);
    write_file(tmp("m-00002-of-00002.gguf"), 1, 2, false);
    assert_int_equal(gguf_split_open(&s, tmp("m-00002-of-00002.gguf"), 0, GGUF_SPLIT_BY_NAME, &err), GQ_OK);
    assert_int_equal(s.n_parts, 2);
    assert_string_equal(s.paths[0], tmp("m-00001-of-00002.gguf"));
    gguf_split_close(&s);
    /* llama.cpp's rule refuses the second part */
    assert_int_equal(gguf_split_open(&s, tmp("m-00002-of-00002.gguf"), 0, GGUF_SPLIT_AS_LLAMA, &err), GQ_ERR_FORMAT);
    assert_non_null(strstr(err.message, "give the first part"));
    gguf_split_close(&s);
    /* a missing part: the error is the reader's, s.failed points at it */
    assert_int_equal(gguf_split_open(&s, tmp("m-00001-of-00003.gguf"), 0, GGUF_SPLIT_BY_NAME, &err), GQ_ERR_IO);
    assert_int_equal(s.failed, 0);
    gguf_split_close(&s);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_name),
        cmocka_unit_test(test_part_path),
        cmocka_unit_test_setup_teardown(test_as_llama, gqt_tmp_setup, gqt_tmp_teardown),
        cmocka_unit_test_setup_teardown(test_by_name, gqt_tmp_setup, gqt_tmp_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
