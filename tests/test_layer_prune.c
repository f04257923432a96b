/* The --prune-layers list parser and block renumbering (src/mix/layer_prune.c).
 *
 * Expected names follow llama.cpp's remap_layer() (src/llama-quant.cpp),
 * worked through by hand for each case: the first "blk.<digits>." found
 * anywhere in the name is the block; a block met for the first time is
 * dropped if listed, kept if below the lowest listed number (and the next
 * free number becomes its number + 1), else numbered from the next free
 * number (0 to begin with); the digits are always rewritten in decimal. */
#include "gqtest.h"

#include <stdlib.h>
#include <string.h>

#include "mix/layer_prune.h"

static void expect_list(const char *text, const int *want, size_t n_want) {
    int *ids;
    size_t n;
    char msg[256];
    if (!layer_prune_parse(text, &ids, &n, msg, sizeof msg)) fail_msg("'%s' refused: %s", text, msg);
    assert_int_equal(n, n_want);
    for (size_t i = 0; i < n; i++) assert_int_equal(ids[i], want[i]);
    free(ids);
}

static void expect_refused(const char *text) {
    int dummy;
    int *ids = &dummy;
    size_t n = 99;
    char msg[256] = "";
    if (layer_prune_parse(text, &ids, &n, msg, sizeof msg)) fail_msg("'%s' accepted", text);
    assert_null(ids);
    assert_true(msg[0] != 0);
}

static void test_parse(void **state) {
    (void)state;
    expect_list("5", (const int[]){ 5 }, 1);
    /* sorted, repeats dropped (llama-quantize's sort + unique) */
    expect_list("7,1,3,1", (const int[]){ 1, 3, 7 }, 3);
    expect_list(" 2 ,0", (const int[]){ 0, 2 }, 2);
    expect_list("2147483647", (const int[]){ 2147483647 }, 1);
    expect_refused("");
    expect_refused("1,");
    expect_refused(",1");
    expect_refused("1,,2");
    expect_refused("-1");
    expect_refused("+1");
    expect_refused("1.5");
    expect_refused("3x");
    expect_refused("2147483648");
    expect_refused("99999999999999999999999");
}

typedef struct name_case {
    const char *in;
    const char *out; /* NULL: dropped */
} name_case;

static void run_cases(const int *prune, size_t n_prune, const name_case *cases, size_t n, int want_count) {
    layer_renumber r;
    layer_renumber_init(&r, prune, n_prune);
    for (size_t i = 0; i < n; i++) {
        char *got;
        layer_renumber_result res = layer_renumber_name(&r, cases[i].in, &got);
        if (!cases[i].out) {
            if (res != LAYER_DROP) fail_msg("%s: kept as %s, expected dropped", cases[i].in, got ? got : "?");
        } else {
            if (res != LAYER_KEEP) fail_msg("%s: result %d, expected kept as %s", cases[i].in, (int)res, cases[i].out);
            assert_string_equal(got, cases[i].out);
        }
        free(got);
    }
    assert_int_equal(r.next, want_count);
    layer_renumber_free(&r);
}

/* Blocks 0..4 in loader order with 1 and 3 pruned: 0 keeps 0, 2 -> 1, 4 -> 2. */
static void test_renumber_closes_gaps(void **state) {
    (void)state;
    const name_case cases[] = {
        { "token_embd.weight", "token_embd.weight" },
        { "blk.0.attn_q.weight", "blk.0.attn_q.weight" },
        { "blk.1.attn_q.weight", NULL },
        { "blk.1.ffn_up.weight", NULL },
        { "blk.2.attn_q.weight", "blk.1.attn_q.weight" },
        { "blk.2.ffn_up.weight", "blk.1.ffn_up.weight" },
        { "blk.3.attn_q.weight", NULL },
        { "blk.4.attn_q.weight", "blk.2.attn_q.weight" },
        { "output.weight", "output.weight" },
    };
    run_cases((const int[]){ 1, 3 }, 2, cases, sizeof cases / sizeof cases[0], 3);
}

/* The first block pruned: numbering starts again at 0. */
static void test_renumber_first_block(void **state) {
    (void)state;
    const name_case cases[] = {
        { "blk.0.x.weight", NULL },
        { "blk.1.x.weight", "blk.0.x.weight" },
        { "blk.2.x.weight", "blk.1.x.weight" },
    };
    run_cases((const int[]){ 0 }, 1, cases, sizeof cases / sizeof cases[0], 2);
}

/* Only a block the model lacks: nothing moves; the count is the last
 * block + 1 (llama-quantize writes it even then). */
static void test_renumber_absent_block(void **state) {
    (void)state;
    const name_case cases[] = {
        { "blk.0.x.weight", "blk.0.x.weight" },
        { "blk.1.x.weight", "blk.1.x.weight" },
    };
    run_cases((const int[]){ 9 }, 1, cases, sizeof cases / sizeof cases[0], 2);
}

/* Leading zeros are rewritten even for a block that does not move; the
 * number may sit anywhere in the name; "blk.x." and "blk.3x" are no block,
 * the search goes on to the next "blk.". */
static void test_renumber_odd_names(void **state) {
    (void)state;
    const name_case cases[] = {
        { "blk.00.a", "blk.0.a" },
        { "enc.blk.2.b", "enc.blk.1.b" },
        { "blk.x.blk.4.c", "blk.x.blk.2.c" },
        { "blk.3x.d", "blk.3x.d" },
        { "blk.5", "blk.5" }, /* no dot after the digits: no block */
        { "v.blk.1.e", NULL },
    };
    run_cases((const int[]){ 1 }, 1, cases, sizeof cases / sizeof cases[0], 3);
}

static void test_renumber_number_too_big(void **state) {
    (void)state;
    layer_renumber r;
    int prune[] = { 0 };
    layer_renumber_init(&r, prune, 1);
    char *got = (char *)1;
    assert_int_equal(layer_renumber_name(&r, "blk.2147483648.x", &got), LAYER_BAD_NUMBER);
    assert_null(got);
    assert_int_equal(layer_renumber_name(&r, "blk.2147483647.x", &got), LAYER_KEEP);
    assert_string_equal(got, "blk.0.x");
    free(got);
    layer_renumber_free(&r);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_renumber_closes_gaps),
        cmocka_unit_test(test_renumber_first_block),
        cmocka_unit_test(test_renumber_absent_block),
        cmocka_unit_test(test_renumber_odd_names),
        cmocka_unit_test(test_renumber_number_too_big),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
