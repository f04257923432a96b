/* The KV-cache estimate behind gq-inspect --memory follows the formula in
 * src/cli/kv_memory.h (and docs/cli.md): expected sizes are worked out by
 * hand here from each file's metadata. */
#include "gqtest.h"

#include <stdlib.h>
#include <string.h>

#include "cli/kv_memory.h"
#include "gguf_builder.h"

static gguf_file *open_fixture(const char *rel) {
    gguf_error err;
    gguf_file *f = gguf_open(gqt_shared_path(rel), 0, &err);
    if (!f) fail_msg("cannot open %s: %s", rel, err.message);
    return f;
}

static void gemma4_mini_sliding_and_shared_blocks(void **state) {
    (void)state;
    /* Facts of gemma4-mini (its README and metadata): 8 blocks, one KV head,
     * sliding blocks 32+32 wide, block 4 full (64+64), window 512, the last
     * 4 blocks share caches.  So only blocks 0-3 cache, all sliding. */
    gguf_file *f = open_fixture("fixtures/quantized/gemma4-mini/gemma4-mini-BF16.gguf");
    gq_kv_estimate e;
    char why[256];
    assert_true(gq_kv_estimate_compute(f, 32768, &e, why, sizeof why));
    assert_string_equal(e.arch, "gemma4");
    assert_int_equal(e.n_layer, 8);
    assert_int_equal(e.n_shared, 4);
    assert_int_equal(e.window, 512);
    assert_int_equal(e.bytes, 4ull * 512 * 1 * (32 + 32) * 2);
    assert_false(e.layers[4].sliding);
    assert_int_equal(e.layers[4].k_len, 64);
    assert_false(e.layers[4].has_cache);
    assert_true(e.layers[3].sliding && e.layers[3].has_cache);
    assert_int_equal(e.n_sliding, 4);
    gq_kv_estimate_free(&e);
    /* A context shorter than the window: every cell counts. */
    assert_true(gq_kv_estimate_compute(f, 100, &e, why, sizeof why));
    assert_int_equal(e.bytes, 4ull * 100 * (32 + 32) * 2);
    gq_kv_estimate_free(&e);
    assert_int_equal(gq_kv_context_length(f), 131072);
    gguf_close(f);
}

static void per_block_kv_heads_and_derived_head_width(void **state) {
    (void)state;
    gqb b;
    gqb_init(&b, 3, false);
    gqb_header(&b, 0, 5);
    gqb_kv_str(&b, "general.architecture", "llama");
    gqb_kv_u32(&b, "llama.block_count", 3);
    gqb_kv_u32(&b, "llama.attention.head_count", 4);
    gqb_kv_array(&b, "llama.attention.head_count_kv", GQB_I32, 3);
    gqb_u32(&b, 2);
    gqb_u32(&b, 1);
    gqb_u32(&b, 4);
    gqb_kv_u32(&b, "llama.embedding_length", 64);
    gguf_file *f = gqb_expect_open(&b, 0);
    gq_kv_estimate e;
    char why[256];
    assert_true(gq_kv_estimate_compute(f, 10, &e, why, sizeof why));
    /* No key_length: 64 / 4 heads = 16 per head, for keys and values. */
    assert_int_equal(e.layers[0].k_len, 16);
    assert_int_equal(e.layers[2].v_len, 16);
    assert_int_equal(e.layers[1].heads_kv, 1);
    assert_int_equal(e.bytes, 10ull * (2 + 1 + 4) * (16 + 16) * 2);
    assert_int_equal(e.window, 0);
    assert_int_equal(e.n_sliding, 0);
    gq_kv_estimate_free(&e);
    gqb_close(f);
    gqb_free(&b);
}

static void default_period_for_gemma3(void **state) {
    (void)state;
    /* gemma3 without sliding_window_pattern: llama.cpp's period 6, so of 7
     * blocks only block 5 attends to the full context. */
    gqb b;
    gqb_init(&b, 3, false);
    gqb_header(&b, 0, 7);
    gqb_kv_str(&b, "general.architecture", "gemma3");
    gqb_kv_u32(&b, "gemma3.block_count", 7);
    gqb_kv_u32(&b, "gemma3.attention.head_count", 2);
    gqb_kv_u32(&b, "gemma3.attention.head_count_kv", 1);
    gqb_kv_u32(&b, "gemma3.attention.key_length", 8);
    gqb_kv_u32(&b, "gemma3.attention.value_length", 8);
    gqb_kv_u32(&b, "gemma3.attention.sliding_window", 4);
    gguf_file *f = gqb_expect_open(&b, 0);
    gq_kv_estimate e;
    char why[256];
    assert_true(gq_kv_estimate_compute(f, 100, &e, why, sizeof why));
    for (int il = 0; il < 7; il++) assert_int_equal(e.layers[il].sliding, il != 5);
    assert_int_equal(e.bytes, 6ull * 4 * 16 * 2 + 100ull * 16 * 2);
    gq_kv_estimate_free(&e);
    gqb_close(f);
    gqb_free(&b);
}

static void pattern_as_a_period(void **state) {
    (void)state;
    gqb b;
    gqb_init(&b, 3, false);
    gqb_header(&b, 0, 6);
    gqb_kv_str(&b, "general.architecture", "x");
    gqb_kv_u32(&b, "x.block_count", 4);
    gqb_kv_u32(&b, "x.attention.head_count", 1);
    gqb_kv_u32(&b, "x.attention.key_length", 4);
    gqb_kv_u32(&b, "x.attention.sliding_window", 2);
    gqb_kv_u32(&b, "x.attention.sliding_window_pattern", 2);
    gguf_file *f = gqb_expect_open(&b, 0);
    gq_kv_estimate e;
    char why[256];
    assert_true(gq_kv_estimate_compute(f, 8, &e, why, sizeof why));
    assert_true(e.layers[0].sliding && e.layers[2].sliding);
    assert_false(e.layers[1].sliding || e.layers[3].sliding);
    /* v_len falls back to k_len; sliding blocks hold 2 cells, full ones 8. */
    assert_int_equal(e.bytes, 2ull * 2 * 8 * 2 + 2ull * 8 * 8 * 2);
    gq_kv_estimate_free(&e);
    gqb_close(f);
    gqb_free(&b);
}

/* Build a file with the given extra kvs after the architecture and expect
 * the estimate to refuse it with a message containing `needle`. */
static void expect_refusal(uint32_t block_count, int variant, const char *needle) {
    gqb b;
    gqb_init(&b, 3, false);
    gqb_header(&b, 0, variant == 1 ? 2 : 4);
    gqb_kv_str(&b, "general.architecture", "llama");
    gqb_kv_u32(&b, "llama.block_count", block_count);
    if (variant == 0) {
        gqb_kv_u32(&b, "llama.attention.head_count", 4);
        gqb_kv_array(&b, "llama.attention.head_count_kv", GQB_U32, 2);
        gqb_u32(&b, 1);
        gqb_u32(&b, 1);
    } else if (variant == 2) {
        gqb_kv_u32(&b, "llama.attention.head_count", 4);
        gqb_kv_u32(&b, "llama.attention.shared_kv_layers", block_count + 1);
    }
    gguf_file *f = gqb_expect_open(&b, 0);
    gq_kv_estimate e;
    char why[256] = "";
    assert_false(gq_kv_estimate_compute(f, 16, &e, why, sizeof why));
    if (!strstr(why, needle)) fail_msg("message '%s' lacks '%s'", why, needle);
    assert_null(e.layers);
    gqb_close(f);
    gqb_free(&b);
}

static void malformed_metadata_is_refused(void **state) {
    (void)state;
    expect_refusal(3, 0, "llama.attention.head_count_kv has 2 entries for 3 blocks");
    expect_refusal(3, 1, "llama.attention.head_count is missing");
    expect_refusal(3, 2, "exceeds the 3 blocks");
    /* A hostile block count must not turn into a huge allocation. */
    expect_refusal(4000000000u, 1, "not a plausible number of blocks");
}

static void missing_architecture(void **state) {
    (void)state;
    gguf_file *f = open_fixture("fixtures/real/models/llamacpp-gguf-example-dummy.gguf");
    gq_kv_estimate e;
    char why[256];
    assert_false(gq_kv_estimate_compute(f, 16, &e, why, sizeof why));
    assert_non_null(strstr(why, "general.architecture is missing"));
    assert_int_equal(gq_kv_context_length(f), 0);
    gguf_close(f);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(gemma4_mini_sliding_and_shared_blocks),
        cmocka_unit_test(per_block_kv_heads_and_derived_head_width),
        cmocka_unit_test(default_period_for_gemma3),
        cmocka_unit_test(pattern_as_a_period),
        cmocka_unit_test(malformed_metadata_is_refused),
        cmocka_unit_test(missing_architecture),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
