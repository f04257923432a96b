/* Every dequantizer on arbitrary block bytes: a tensor's data comes from
 * the file, so nothing about it can be trusted — scales may be NaN,
 * infinite, subnormal or huge, codes anything, grid indices any value.
 *
 * For every type id 0..63 (and a few far outside the table):
 *   - ids without a dequantizer are refused (GQ_ERR_UNSUPPORTED) without
 *     writing anything; counts that are not whole blocks or negative are
 *     refused (GQ_ERR_ARG);
 *   - for the rest, blocks of random bytes, blocks filled with 0x00, 0xff,
 *     0x7f, 0x80, and random blocks with NaN / infinity / largest / tiny
 *     half-floats and floats sprinkled over them, are decoded:
 *       * the source ends right before an inaccessible page and so does
 *         the destination, so reading one byte past the blocks or writing
 *         one float past the output crashes the test in every build (the
 *         sanitizer build also catches anything else);
 *       * every output value is written (two runs over destinations
 *         pre-filled differently give the same bits);
 *       * the scalar and SIMD kernels and 1 or 3 threads agree (NaN for NaN).
 * The same bytes also go through the fuzzer's entry (tests/fuzz/entries.c). */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "gqtest.h"

#include "fuzz/entries.c"

#define BLOCKS 48

/* ---------------------------------------------------------------- guarded buffers */

/* `size` bytes that end exactly where an inaccessible page begins. */
typedef struct guarded {
    uint8_t *map;
    size_t map_len;
    uint8_t *p;
} guarded;

static guarded guarded_alloc(size_t size) {
    const size_t page = (size_t)sysconf(_SC_PAGESIZE);
    const size_t usable = (size + page - 1) / page * page;
    guarded g;
    g.map_len = usable + page;
    g.map = mmap(NULL, g.map_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    assert_true(g.map != MAP_FAILED);
    assert_int_equal(mprotect(g.map + usable, page, PROT_NONE), 0);
    g.p = g.map + usable - size;
    return g;
}

static void guarded_free(guarded *g) { munmap(g->map, g->map_len); }

/* ---------------------------------------------------------------- block bytes */

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint64_t next_random(void) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

enum pattern { RANDOM, ZEROS, ONES, MID_7F, MID_80, SPECIAL_HALVES, SPECIAL_FLOATS, N_PATTERNS };
static const char *const pattern_names[] = { "random", "0x00", "0xff", "0x7f", "0x80", "special halves",
                                             "special floats" };

/* Half-float and float bit patterns that break careless arithmetic. */
static const uint16_t special_halves[] = { 0x7c00, 0xfc00, 0x7e00, 0x7c01, 0xfe00, 0x7bff, 0xfbff, 0x0001, 0x8000, 0x03ff };
static const uint32_t special_floats[] = { 0x7f800000u, 0xff800000u, 0x7fc00000u, 0x7f800001u, 0x7f7fffffu,
                                           0x00000001u, 0x80000000u, 0xff7fffffu };

static void fill(uint8_t *p, size_t n, enum pattern pat) {
    switch (pat) {
    case ZEROS: memset(p, 0x00, n); return;
    case ONES: memset(p, 0xff, n); return;
    case MID_7F: memset(p, 0x7f, n); return;
    case MID_80: memset(p, 0x80, n); return;
    default: break;
    }
    for (size_t i = 0; i < n; i++) p[i] = (uint8_t)next_random();
    if (pat == SPECIAL_HALVES) {
        /* scales sit at even offsets in every block layout */
        for (size_t i = 0; i + 2 <= n; i += 2)
            if (next_random() % 3 == 0) {
                uint16_t h = special_halves[next_random() % (sizeof special_halves / sizeof *special_halves)];
                memcpy(p + i, &h, 2);
            }
    } else if (pat == SPECIAL_FLOATS) {
        for (size_t i = 0; i + 4 <= n; i += 4)
            if (next_random() % 3 == 0) {
                uint32_t f = special_floats[next_random() % (sizeof special_floats / sizeof *special_floats)];
                memcpy(p + i, &f, 4);
            }
    }
}

static bool same_bits_or_both_nan(float a, float b) {
    if (isnan(a) || isnan(b)) return isnan(a) && isnan(b);
    return memcmp(&a, &b, sizeof a) == 0;
}

/* ---------------------------------------------------------------- tests */

static void test_unsupported_ids_are_refused(void **state) {
    (void)state;
    const uint32_t far[] = { 64, 255, 1000, 0x80000000u, UINT32_MAX };
    uint8_t src[64] = { 0 };
    float dst[4] = { 42.0f, 42.0f, 42.0f, 42.0f };
    unsigned refused = 0;
    for (uint32_t id = 0; id < 64 + 5; id++) {
        const uint32_t type = id < 64 ? id : far[id - 64];
        if (gq_can_dequantize(type)) continue;
        refused++;
        assert_int_equal(gq_dequantize(type, src, dst, 1), GQ_ERR_UNSUPPORTED);
        assert_int_equal(gq_dequantize(type, src, dst, 0), GQ_ERR_UNSUPPORTED);
        assert_int_equal(gq_dequantize_rows(type, src, dst, 1, 1, 2), GQ_ERR_UNSUPPORTED);
        for (int i = 0; i < 4; i++) assert_true(dst[i] == 42.0f); /* nothing written */
        const gq_type_info *info = gq_type_get(type);
        /* only ids outside the table or removed ones have no dequantizer */
        if (info && !info->removed) fail_msg("type %u (%s) has no dequantizer", type, info->name);
    }
    /* 0..63 holds 21 ids outside the table and 8 removed ones; the 5 far ids too */
    assert_int_equal(refused, 21 + 8 + 5);
}

static void test_counts_that_are_not_whole_blocks(void **state) {
    (void)state;
    guarded src = guarded_alloc(1024);
    memset(src.p, 0, 1024);
    float dst[1] = { 7.0f };
    for (uint32_t type = 0; type < 64; type++) {
        if (!gq_can_dequantize(type)) continue;
        const gq_type_info *info = gq_type_get(type);
        const int64_t bs = info->block_size;
        if (bs > 1) {
            assert_int_equal(gq_dequantize(type, src.p, dst, bs - 1), GQ_ERR_ARG);
            assert_int_equal(gq_dequantize(type, src.p, dst, bs + 1), GQ_ERR_ARG);
            assert_int_equal(gq_dequantize_rows(type, src.p, dst, 1, bs + 1, 1), GQ_ERR_ARG);
        }
        assert_int_equal(gq_dequantize(type, src.p, dst, -bs), GQ_ERR_ARG);
        assert_int_equal(gq_dequantize(type, src.p, dst, INT64_MIN), GQ_ERR_ARG);
        assert_int_equal(gq_dequantize_rows(type, src.p, dst, -1, bs, 1), GQ_ERR_ARG);
        assert_int_equal(gq_dequantize_rows(type, src.p, dst, 1, -bs, 1), GQ_ERR_ARG);
        /* zero values: fine, and nothing written */
        assert_int_equal(gq_dequantize(type, src.p, dst, 0), GQ_OK);
        assert_int_equal(gq_dequantize_rows(type, src.p, dst, 0, bs, 2), GQ_OK);
        assert_true(dst[0] == 7.0f);
    }
    guarded_free(&src);
}

static void decode_all_ways(uint32_t type, enum pattern pat) {
    const gq_type_info *info = gq_type_get(type);
    const size_t bytes = (size_t)BLOCKS * info->type_size, n = (size_t)BLOCKS * info->block_size;
    guarded src = guarded_alloc(bytes);
    guarded out[4] = { guarded_alloc(n * sizeof(float)), guarded_alloc(n * sizeof(float)),
                       guarded_alloc(n * sizeof(float)), guarded_alloc(n * sizeof(float)) };
    float *scalar_a = (float *)(void *)out[0].p, *scalar_b = (float *)(void *)out[1].p;
    float *simd = (float *)(void *)out[2].p, *rows = (float *)(void *)out[3].p;
    fill(src.p, bytes, pat);
    memset(scalar_a, 0xab, n * sizeof(float));
    memset(scalar_b, 0xcd, n * sizeof(float));

    gq_quant_set_simd(false);
    assert_int_equal(gq_dequantize(type, src.p, scalar_a, (int64_t)n), GQ_OK);
    assert_int_equal(gq_dequantize(type, src.p, scalar_b, (int64_t)n), GQ_OK);
    gq_quant_set_simd(true);
    assert_int_equal(gq_dequantize(type, src.p, simd, (int64_t)n), GQ_OK);
    /* 48 rows of one block each, on 3 threads */
    assert_int_equal(gq_dequantize_rows(type, src.p, rows, BLOCKS, info->block_size, 3), GQ_OK);
    for (size_t i = 0; i < n; i++) {
        uint32_t a, b;
        memcpy(&a, &scalar_a[i], 4);
        memcpy(&b, &scalar_b[i], 4);
        if (a != b)
            fail_msg("%s (%s blocks): value %zu was not written (0x%08" PRIx32 " / 0x%08" PRIx32 ")", info->name,
                     pattern_names[pat], i, a, b);
        if (!same_bits_or_both_nan(scalar_a[i], simd[i]))
            fail_msg("%s (%s blocks) [%s]: value %zu is %a, the scalar kernel says %a", info->name, pattern_names[pat],
                     gq_quant_isa(), i, (double)simd[i], (double)scalar_a[i]);
        if (!same_bits_or_both_nan(simd[i], rows[i]))
            fail_msg("%s (%s blocks): value %zu differs on 3 threads", info->name, pattern_names[pat], i);
    }
    /* the fuzzer's entry on the same bytes */
    uint8_t *input = malloc(1 + bytes);
    assert_non_null(input);
    input[0] = (uint8_t)type;
    memcpy(input + 1, src.p, bytes);
    assert_int_equal(gqfuzz_dequant(input, 1 + bytes), 0);
    free(input);
    guarded_free(&src);
    for (int k = 0; k < 4; k++) guarded_free(&out[k]);
}

static void test_every_type_on_hostile_blocks(void **state) {
    (void)state;
    unsigned types = 0;
    for (uint32_t type = 0; type < 64; type++) {
        if (!gq_can_dequantize(type)) continue;
        types++;
        for (int pat = 0; pat < N_PATTERNS; pat++)
            for (int round = 0; round < (pat == RANDOM || pat >= SPECIAL_HALVES ? 4 : 1); round++)
                decode_all_ways(type, (enum pattern)pat);
    }
    /* every id in the table that ggml did not remove: 43 - 8 */
    assert_int_equal(types, 35);
}

/* A single block at the very end of the mapping, for every type: the
 * SIMD kernels' tail handling must not read a vector's width past it. */
static void test_single_block_at_a_page_end(void **state) {
    (void)state;
    for (uint32_t type = 0; type < 64; type++) {
        if (!gq_can_dequantize(type)) continue;
        const gq_type_info *info = gq_type_get(type);
        for (size_t blocks = 1; blocks <= 3; blocks++) {
            guarded src = guarded_alloc(blocks * info->type_size);
            guarded dst = guarded_alloc(blocks * info->block_size * sizeof(float));
            fill(src.p, blocks * info->type_size, RANDOM);
            for (int simd = 0; simd < 2; simd++) {
                gq_quant_set_simd(simd != 0);
                assert_int_equal(gq_dequantize(type, src.p, (float *)(void *)dst.p,
                                               (int64_t)(blocks * info->block_size)),
                                 GQ_OK);
            }
            gq_quant_set_simd(true);
            guarded_free(&src);
            guarded_free(&dst);
        }
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unsupported_ids_are_refused),
        cmocka_unit_test(test_counts_that_are_not_whole_blocks),
        cmocka_unit_test(test_every_type_on_hostile_blocks),
        cmocka_unit_test(test_single_block_at_a_page_end),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
