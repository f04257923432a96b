/* The type table agrees with ggml's own description of every type
 * (vectors/quant/types.txt was written by ggml's type traits, not by us). */
#include "gqtest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gq/types.h"

static void table_matches_ggml_type_traits(void **state) {
    (void)state;
    size_t size;
    char *text = gqt_read_file(gqt_shared_path("vectors/quant/types.txt"), &size);
    int checked = 0;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        unsigned id, block, bytes;
        char name[32];
        int imat;
        if (sscanf(line, "type %u %31s block=%u bytes=%u quantize=%*s imatrix_required=%d", &id, name,
                   &block, &bytes, &imat) != 5)
            continue;
        const gq_type_info *t = gq_type_get(id);
        assert_non_null(t);
        assert_string_equal(t->name, name);
        assert_int_equal(t->block_size, block);
        assert_int_equal(t->type_size, bytes);
        assert_int_equal(t->needs_imatrix, imat != 0);
        assert_false(t->removed);
        assert_int_equal(gq_type_from_name(name), (int)id);
        checked++;
    }
    assert_int_equal(checked, 27);
    free(text);
}

static void removed_ids_are_marked(void **state) {
    (void)state;
    const unsigned removed[] = { 4, 5, 31, 32, 33, 36, 37, 38 };
    for (size_t i = 0; i < sizeof removed / sizeof removed[0]; i++) {
        const gq_type_info *t = gq_type_get(removed[i]);
        assert_non_null(t);
        assert_true(t->removed);
        uint64_t b;
        assert_false(gq_type_row_bytes(removed[i], 32, &b));
    }
    assert_null(gq_type_get(GQ_TYPE_COUNT));
    assert_null(gq_type_get(64));
    assert_string_equal(gq_type_name(64), "unknown(64)");
    assert_int_equal(gq_type_from_name("q4_2"), -1);
}

static void types_outside_the_vectors(void **state) {
    (void)state;
    /* Sizes from ggml-common.h's static_asserts for the types ggml cannot
     * quantize from float (so they are absent from types.txt). */
    struct { unsigned id; const char *name; unsigned block, bytes; } facts[] = {
        { 0, "f32", 1, 4 }, { 9, "q8_1", 32, 36 }, { 15, "q8_K", 256, 292 }, { 24, "i8", 1, 1 },
        { 25, "i16", 1, 2 }, { 26, "i32", 1, 4 }, { 27, "i64", 1, 8 }, { 28, "f64", 1, 8 },
    };
    for (size_t i = 0; i < sizeof facts / sizeof facts[0]; i++) {
        const gq_type_info *t = gq_type_get(facts[i].id);
        assert_string_equal(t->name, facts[i].name);
        assert_int_equal(t->block_size, facts[i].block);
        assert_int_equal(t->type_size, facts[i].bytes);
    }
}

static void row_bytes_checks_blocks_and_overflow(void **state) {
    (void)state;
    uint64_t b = 0;
    assert_true(gq_type_row_bytes(GQ_TYPE_Q4_K, 512, &b));
    assert_int_equal(b, 288);
    assert_false(gq_type_row_bytes(GQ_TYPE_Q4_K, 300, &b));
    assert_false(gq_type_row_bytes(GQ_TYPE_F32, UINT64_MAX / 2, &b));
    assert_true(gq_type_row_bytes(GQ_TYPE_BF16, 2348810240ull, &b)); /* > 2^31 elements */
    assert_int_equal(b, 4697620480ull);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(table_matches_ggml_type_traits),
        cmocka_unit_test(removed_ids_are_marked),
        cmocka_unit_test(types_outside_the_vectors),
        cmocka_unit_test(row_bytes_checks_blocks_and_overflow),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
