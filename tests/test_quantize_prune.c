/* gq-quantize --prune-layers and --tensor-type-file, end to end on the
 * gemma4-mini fixture (8 blocks).
 *
 * Expected values come from outside gq:
 *   - sha256 of files written by llama.cpp's llama-quantize (August 2026
 *     snapshot, built locally), run from fixtures/quantized/gemma4-mini:
 *       llama-quantize --prune-layers 6,7 gemma4-mini-BF16.gguf out.gguf Q8_0 2
 *         -> 83541f3bd54eeaf786c714a21d715a89fe86b9cd0b35035916771e3773ef6f33
 *       llama-quantize --prune-layers 7 gemma4-mini-BF16.gguf out.gguf Q4_K_M 2
 *         -> f97ccd88c838ec909ee1d108834cf83eafcc7615d2312162f2ec05df69ff946d
 *       llama-quantize --imatrix gemma4-mini.imatrix.gguf --prune-layers 6,7 \
 *                      gemma4-mini-BF16.gguf out.gguf Q4_K_M 2
 *         -> 5c8fee21f10d2c580ea190804a94d5e814adeb771b6bf22a46347fb59d5ba6d0
 *       llama-quantize --prune-layers 5 gemma4-mini-BF16.gguf out.gguf Q8_0 2
 *         -> its first 22688 bytes (everything before the tensor data):
 *            6623dfb528e9384cf1b44c9aa192e94a6161509fd8b595e124ad4c290b6e5c91
 *     (That last file's tensor data is not a reference: llama-quantize
 *     reads a renumbered tensor's bytes under its new name, so its blk.5 holds
 *     the input's block 5 -- the file is identical to the --prune-layers 7
 *     one.  gq keeps each block's own data; see docs/cli.md.)
 *       llama-quantize --prune-layers 7,100 gemma4-mini-BF16.gguf out.gguf Q8_0 2
 *         -> ac66171726488da6c832fe66ad397ee523b28437bb7d3c128bac677a6e0c3b35
 *            (block 100 does not exist: the same file as --prune-layers 7)
 *   - llama.cpp's reference Q8_0 file of the unpruned model: pruning must not
 *     change the data of the blocks that stay (Q8_0 quantizes every row on
 *     its own, and its mix does not depend on a block's position), so each
 *     kept block's tensors must equal that file's tensors of the original
 *     block, byte for byte.
 *   - the renumbering rule worked out by hand from llama.cpp's source
 *     (blocks below the lowest pruned one keep their numbers, the others
 *     close the gaps in order). */
#include "gqtest.h"
#include "tmp_dir.h"
#include "program_run.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gq/gguf.h"
#include "gq/types.h"
#include "sha256.h"

#define GEMMA_DIR "fixtures/quantized/gemma4-mini"

/* A file of the gemma4-mini fixture (a string literal). */
#define gemma(file) gqt_shared_path(GEMMA_DIR "/" file)

#define tmp(...) gqt_tmp_file(__VA_ARGS__)

/* gq-quantize through the shared harness (support/program_run.h). */
#define run_expect(...) gqt_run_program("gq-quantize", __VA_ARGS__)

/* Expected values here are llama-quantize's outputs (commands above). */
#define expect_sha256(path, want) gqt_expect_sha256(path, want, "llama-quantize")

static void tensor_name(const gguf_tensor *t, char *buf, size_t size) {
    snprintf(buf, size, "%.*s", (int)t->name.len, t->name.ptr);
}

/* The "blk.N." block number at the start of a name, or -1. */
static int block_of(const char *name) {
    int b = -1;
    if (strncmp(name, "blk.", 4) != 0 || sscanf(name + 4, "%d.", &b) != 1) return -1;
    return b;
}

static uint64_t u32_key(const gguf_file *f, const char *key) {
    int64_t i = gguf_find_key(f, key);
    if (i < 0) fail_msg("no key %s", key);
    const gguf_kv *kv = gguf_get_kv(f, (uint64_t)i);
    assert_int_equal(kv->value.type, GGUF_TYPE_UINT32);
    return kv->value.v.u64;
}

/* ------------------------------------------------------- --prune-layers */

/* Pruning trailing blocks: no block is renumbered, and llama-quantize's
 * output is the reference for every byte (metadata order, block_count,
 * tensor list, mix, imatrix lookups). */
static void test_prune_trailing_equals_llama_quantize(void **state) {
    (void)state;
    free(run_expect(0, "-q --prune-layers 6,7 '%s' '%s' Q8_0 2", gemma("gemma4-mini-BF16.gguf"), tmp("p67.gguf")));
    expect_sha256(tmp("p67.gguf"), "83541f3bd54eeaf786c714a21d715a89fe86b9cd0b35035916771e3773ef6f33");
    /* "7,7" and "7" are the same list */
    free(run_expect(0, "-q --prune-layers 7,7 '%s' '%s' Q4_K_M 2", gemma("gemma4-mini-BF16.gguf"), tmp("p7.gguf")));
    expect_sha256(tmp("p7.gguf"), "f97ccd88c838ec909ee1d108834cf83eafcc7615d2312162f2ec05df69ff946d");
    /* with an importance matrix; also split over two options */
    free(run_expect(0, "-q --imatrix '%s' --imatrix-name gemma4-mini.imatrix.gguf --prune-layers 7 --prune-layers 6 "
                       "'%s' '%s' Q4_K_M 2",
                    gemma("gemma4-mini.imatrix.gguf"), gemma("gemma4-mini-BF16.gguf"), tmp("p67i.gguf")));
    expect_sha256(tmp("p67i.gguf"), "5c8fee21f10d2c580ea190804a94d5e814adeb771b6bf22a46347fb59d5ba6d0");
}

/* Blocks 1 and 3 of 0..7 pruned: 0 stays 0; 2,4,5,6,7 become 1,2,3,4,5.
 * Every kept tensor holds the reference Q8_0 bytes of its original block;
 * tensors outside blocks are untouched; the order is the input's. */
static void test_prune_renumbers_and_keeps_block_data(void **state) {
    (void)state;
    free(run_expect(0, "-q --prune-layers 3,1 '%s' '%s' Q8_0 2", gemma("gemma4-mini-BF16.gguf"), tmp("p13.gguf")));
    gguf_file *out = gqt_open_gguf(tmp("p13.gguf"));
    gguf_file *ref = gqt_open_gguf(gemma("gemma4-mini-Q8_0.gguf"));
    static const int original_of[] = { 0, 2, 4, 5, 6, 7 };

    assert_int_equal(u32_key(ref, "gemma4.block_count"), 8);
    assert_int_equal(u32_key(out, "gemma4.block_count"), 6);
    /* set last, as ggml's gguf_set_val_u32 appends a key set again */
    const gguf_kv *last = gguf_get_kv(out, gguf_kv_count(out) - 1);
    assert_true(gguf_str_eq(last->key, "gemma4.block_count"));
    /* per-layer arrays are left as they are (llama-quantize does not touch them) */
    const gguf_kv *ff = gguf_get_kv(out, (uint64_t)gguf_find_key(out, "gemma4.feed_forward_length"));
    assert_int_equal(ff->value.v.arr.len, 8);

    /* the reference's tensors minus blocks 1 and 3, in its order */
    uint64_t kept = 0;
    char name[256], want[256];
    for (uint64_t i = 0; i < gguf_tensor_count(ref); i++) {
        tensor_name(gguf_get_tensor(ref, i), name, sizeof name);
        int b = block_of(name);
        if (b == 1 || b == 3) continue;
        if (kept >= gguf_tensor_count(out)) fail_msg("the output lacks a tensor for %s", name);
        const gguf_tensor *t = gguf_get_tensor(out, kept);
        const gguf_tensor *r = gguf_get_tensor(ref, i);
        tensor_name(t, want, sizeof want);
        int nb = block_of(want);
        if (b < 0) {
            assert_string_equal(want, name);
        } else {
            assert_true(nb >= 0 && nb < 6);
            if (original_of[nb] != b) fail_msg("%s is block %d of the input, expected %d", want, b, original_of[nb]);
            /* same name apart from the number */
            assert_string_equal(strchr(want + 4, '.'), strchr(name + 4, '.'));
        }
        assert_int_equal(t->type, r->type);
        assert_int_equal(t->n_bytes, r->n_bytes);
        for (int d = 0; d < 4; d++) assert_int_equal(t->ne[d], r->ne[d]);
        if (memcmp(gguf_tensor_data(out, t), gguf_tensor_data(ref, r), (size_t)t->n_bytes) != 0)
            fail_msg("%s: data differs from %s of the unpruned quantization", want, name);
        kept++;
    }
    assert_int_equal(gguf_tensor_count(out), kept);
    assert_true(kept < gguf_tensor_count(ref));
    gguf_close(ref);
    gguf_close(out);
}

/* Block 5 pruned: 6 and 7 move down.  Everything before the tensor data
 * is llama-quantize's (see the top of the file); the data of the moved
 * blocks is theirs, not blocks 5 and 6 of the input. */
static void test_prune_middle_header_equals_llama_quantize(void **state) {
    (void)state;
    free(run_expect(0, "-q --prune-layers 5 '%s' '%s' Q8_0 2", gemma("gemma4-mini-BF16.gguf"), tmp("p5.gguf")));
    gguf_file *out = gqt_open_gguf(tmp("p5.gguf"));
    assert_int_equal(gguf_data_offset(out), 22688);
    size_t size;
    unsigned char *bytes = gqt_read_file(tmp("p5.gguf"), &size);
    char hex[65];
    gqt_sha256_hex(bytes, 22688, hex);
    assert_string_equal(hex, "6623dfb528e9384cf1b44c9aa192e94a6161509fd8b595e124ad4c290b6e5c91");
    free(bytes);

    gguf_file *ref = gqt_open_gguf(gemma("gemma4-mini-Q8_0.gguf"));
    const char *pairs[][2] = { { "blk.5.ffn_down.weight", "blk.6.ffn_down.weight" },
                               { "blk.6.attn_q.weight", "blk.7.attn_q.weight" },
                               { "blk.4.ffn_down.weight", "blk.4.ffn_down.weight" } };
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        int64_t a = gguf_find_tensor(out, pairs[i][0]), b = gguf_find_tensor(ref, pairs[i][1]);
        if (a < 0 || b < 0) fail_msg("missing %s or %s", pairs[i][0], pairs[i][1]);
        const gguf_tensor *ta = gguf_get_tensor(out, (uint64_t)a), *tb = gguf_get_tensor(ref, (uint64_t)b);
        assert_int_equal(ta->n_bytes, tb->n_bytes);
        if (memcmp(gguf_tensor_data(out, ta), gguf_tensor_data(ref, tb), (size_t)ta->n_bytes) != 0)
            fail_msg("%s does not hold the input's %s", pairs[i][0], pairs[i][1]);
    }
    assert_true(gguf_find_tensor(out, "blk.7.attn_q.weight") < 0);
    gguf_close(ref);
    gguf_close(out);
}

/* A renumbered block is quantized with its own importance weights (looked
 * up under the input's name, as llama.cpp maps the number back): with
 * --pure no rule depends on a block's position, so block 6 pruned to
 * blk.5 must hold exactly what the unpruned run wrote for blk.6. */
static void test_prune_uses_original_imatrix_entries(void **state) {
    (void)state;
    free(run_expect(0, "-q --pure --imatrix '%s' '%s' '%s' Q4_K_M 2", gemma("gemma4-mini.imatrix.gguf"),
                    gemma("gemma4-mini-BF16.gguf"), tmp("pure.gguf")));
    free(run_expect(0, "-q --pure --imatrix '%s' --prune-layers 5 '%s' '%s' Q4_K_M 2", gemma("gemma4-mini.imatrix.gguf"),
                    gemma("gemma4-mini-BF16.gguf"), tmp("pure5.gguf")));
    gguf_file *full = gqt_open_gguf(tmp("pure.gguf")), *pruned = gqt_open_gguf(tmp("pure5.gguf"));
    char name[256], was[256];
    size_t compared = 0;
    for (uint64_t i = 0; i < gguf_tensor_count(pruned); i++) {
        const gguf_tensor *t = gguf_get_tensor(pruned, i);
        tensor_name(t, name, sizeof name);
        int b = block_of(name);
        if (b < 5) continue;
        snprintf(was, sizeof was, "blk.%d%s", b + 1, strchr(name + 4, '.'));
        int64_t j = gguf_find_tensor(full, was);
        if (j < 0) fail_msg("no %s in the unpruned output", was);
        const gguf_tensor *r = gguf_get_tensor(full, (uint64_t)j);
        assert_int_equal(t->n_bytes, r->n_bytes);
        if (memcmp(gguf_tensor_data(pruned, t), gguf_tensor_data(full, r), (size_t)t->n_bytes) != 0)
            fail_msg("%s differs from %s of the unpruned run", name, was);
        compared++;
    }
    assert_true(compared > 10);
    gguf_close(full);
    gguf_close(pruned);
}

/* The dry run lists the renumbered tensors and the new block count. */
static void test_prune_dry_run(void **state) {
    (void)state;
    gguf_file *in = gqt_open_gguf(gemma("gemma4-mini-BF16.gguf"));
    uint64_t n_kept = 0;
    char name[256];
    for (uint64_t i = 0; i < gguf_tensor_count(in); i++) {
        tensor_name(gguf_get_tensor(in, i), name, sizeof name);
        n_kept += block_of(name) != 1 && block_of(name) != 3;
    }
    gguf_close(in);
    char *log = run_expect(0, "--dry-run --prune-layers 1,3 '%s' '%s' Q8_0", gemma("gemma4-mini-BF16.gguf"),
                           tmp("never.gguf"));
    char want[64];
    snprintf(want, sizeof want, "[%4llu/%4llu] ", (unsigned long long)n_kept, (unsigned long long)n_kept);
    gqt_expect_in(log, want);
    gqt_expect_in(log, "blk.5.ffn_down.weight");
    if (strstr(log, "blk.6.")) fail_msg("block 6 listed after pruning two of 8 blocks:\n%s", log);
    gqt_expect_in(log, "block_count 8 -> 6");
    free(log);
    log = run_expect(0, "--dry-run --json --prune-layers 1,3 '%s' '%s' Q8_0", gemma("gemma4-mini-BF16.gguf"),
                     tmp("never.gguf"));
    gqt_expect_in(log, "\"block_count\": 6");
    free(log);
    assert_null(fopen(tmp("never.gguf"), "rb"));
}

static void test_prune_usage_errors(void **state) {
    (void)state;
    const char *bad[] = { "1,x", "=-1", "''", "1,,2", "2.5", "99999999999" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *log = run_expect(2, "--prune-layers%s%s '%s' '%s' Q8_0", bad[i][0] == '=' ? "" : " ", bad[i], gemma("gemma4-mini-BF16.gguf"),
                               tmp("bad.gguf"));
        gqt_expect_in(log, "--prune-layers");
        free(log);
    }
    /* a block the model does not have prunes nothing (as in llama-quantize), with a warning */
    char *log = run_expect(0, "--prune-layers 7,100 '%s' '%s' Q8_0 2", gemma("gemma4-mini-BF16.gguf"), tmp("oor.gguf"));
    gqt_expect_in(log, "block 100");
    free(log);
    expect_sha256(tmp("oor.gguf"), "ac66171726488da6c832fe66ad397ee523b28437bb7d3c128bac677a6e0c3b35");
}

/* --------------------------------------------------- --tensor-type-file */

static void write_text(const char *path, const char *text) { gqt_write_file(path, text, strlen(text)); }

static uint32_t type_of(const gguf_file *f, const char *name) {
    int64_t i = gguf_find_tensor(f, name);
    if (i < 0) fail_msg("no tensor %s", name);
    return gguf_get_tensor(f, (uint64_t)i)->type;
}

static bool same_file(const char *a, const char *b) {
    size_t na, nb;
    void *x = gqt_read_file(a, &na), *y = gqt_read_file(b, &nb);
    bool same = na == nb && memcmp(x, y, na) == 0;
    free(x);
    free(y);
    return same;
}

/* Entries separated by any whitespace, several on a line, blank lines,
 * CRLF: the same as the equivalent --tensor-type options. */
static void test_type_file_equals_flags(void **state) {
    (void)state;
    write_text(tmp("types.txt"), "\n  ATTN_V=q8_0\t\n\r\nblk\\.[0-3]\\.ffn_down=Q5_K   ffn_up=q6_k\r\n\n");
    free(run_expect(0, "-q --tensor-type-file '%s' '%s' '%s' Q4_K_M 2", tmp("types.txt"),
                    gemma("gemma4-mini-BF16.gguf"), tmp("file.gguf")));
    free(run_expect(0, "-q --tensor-type 'attn_v=q8_0' --tensor-type 'blk\\.[0-3]\\.ffn_down=q5_K' "
                       "--tensor-type ffn_up=q6_K '%s' '%s' Q4_K_M 2",
                    gemma("gemma4-mini-BF16.gguf"), tmp("flags.gguf")));
    assert_true(same_file(tmp("file.gguf"), tmp("flags.gguf")));
    gguf_file *f = gqt_open_gguf(tmp("file.gguf"));
    /* the overrides were applied (not merely ignored by both runs) */
    assert_int_equal(type_of(f, "blk.0.attn_v.weight"), GQ_TYPE_Q8_0);
    assert_int_equal(type_of(f, "blk.2.ffn_down.weight"), GQ_TYPE_Q5_K);
    assert_int_equal(type_of(f, "blk.6.ffn_up.weight"), GQ_TYPE_Q6_K);
    gguf_close(f);

    /* one list in command-line order: the first matching pattern wins */
    write_text(tmp("v8.txt"), "attn_v=q8_0\n");
    free(run_expect(0, "-q --tensor-type attn_v=q5_0 --tensor-type-file '%s' '%s' '%s' Q4_K_M 2", tmp("v8.txt"),
                    gemma("gemma4-mini-BF16.gguf"), tmp("order1.gguf")));
    f = gqt_open_gguf(tmp("order1.gguf"));
    assert_int_equal(type_of(f, "blk.0.attn_v.weight"), GQ_TYPE_Q5_0);
    gguf_close(f);
    free(run_expect(0, "-q --tensor-type-file '%s' --tensor-type attn_v=q5_0 '%s' '%s' Q4_K_M 2", tmp("v8.txt"),
                    gemma("gemma4-mini-BF16.gguf"), tmp("order2.gguf")));
    f = gqt_open_gguf(tmp("order2.gguf"));
    assert_int_equal(type_of(f, "blk.0.attn_v.weight"), GQ_TYPE_Q8_0);
    gguf_close(f);

    /* an empty file is no override at all: llama.cpp's reference Q8_0 */
    write_text(tmp("empty.txt"), " \n\n");
    free(run_expect(0, "-q --tensor-type-file '%s' '%s' '%s' Q8_0 2", tmp("empty.txt"), gemma("gemma4-mini-BF16.gguf"),
                    tmp("empty.gguf")));
    assert_true(same_file(tmp("empty.gguf"), gemma("gemma4-mini-Q8_0.gguf")));
}

/* Usage errors (exit 2, like a bad --tensor-type) naming FILE:LINE. */
static void test_type_file_errors(void **state) {
    (void)state;
    struct {
        const char *text, *where, *what;
    } cases[] = {
        { "attn_v=q8_0\n\n# a comment\n", ":3:", "'#'" },        /* no comment syntax */
        { "attn_v=q8_0\nffn_up=q9_9\n", ":2:", "q9_9" },         /* unknown type */
        { "attn_v=\n", ":1:", "want REGEX=TYPE" },               /* no type */
        { "\n\n  =q8_0\n", ":3:", "want REGEX=TYPE" },           /* no pattern */
        { "a=q8_0 b=q8_0\nc=q8_0 d\n", ":2:", "'d'" },           /* second word of line 2 */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        write_text(tmp("bad.txt"), cases[i].text);
        char *log = run_expect(2, "--tensor-type-file '%s' '%s' '%s' Q8_0", tmp("bad.txt"),
                               gemma("gemma4-mini-BF16.gguf"), tmp("bad.gguf"));
        char where[4300];
        snprintf(where, sizeof where, "%s%s", tmp("bad.txt"), cases[i].where);
        gqt_expect_in(log, where);
        gqt_expect_in(log, cases[i].what);
        free(log);
    }
    char *log = run_expect(2, "--tensor-type-file '%s' '%s' '%s' Q8_0", tmp("missing.txt"),
                           gemma("gemma4-mini-BF16.gguf"), tmp("bad.gguf"));
    gqt_expect_in(log, tmp("missing.txt"));
    free(log);
    assert_null(fopen(tmp("bad.gguf"), "rb"));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_prune_trailing_equals_llama_quantize),
        cmocka_unit_test(test_prune_renumbers_and_keeps_block_data),
        cmocka_unit_test(test_prune_middle_header_equals_llama_quantize),
        cmocka_unit_test(test_prune_uses_original_imatrix_entries),
        cmocka_unit_test(test_prune_dry_run),
        cmocka_unit_test(test_prune_usage_errors),
        cmocka_unit_test(test_type_file_equals_flags),
        cmocka_unit_test(test_type_file_errors),
    };
    return cmocka_run_group_tests(tests, gqt_tmp_setup, gqt_tmp_teardown);
}
