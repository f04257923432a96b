/* k-quants (q2_K, q3_K, q4_K, q5_K, q6_K, q8_K): what test_quant_vectors
 * does not already show.
 *
 *  - The SIMD kernels give the scalar reference's bytes on large random
 *    inputs of many kinds (outliers, constant and zero sub-blocks, ties,
 *    subnormals, values near FLT_MAX), with and without importance weights
 *    (including zero and huge weights), on 1 and 3 threads; and the same
 *    floats when dequantizing random block bytes (NaN/Inf scales included).
 *  - The dequantizers read the block layouts as ggml defines them: blocks
 *    built here by hand, whose values are exact small numbers computed here
 *    from the format definition.
 *  - llama.cpp's own output: every k-quant tensor in the gemma4-mini
 *    references (written by llama-quantize, ggml 0.18.1) comes out byte for
 *    byte when its BF16 source is quantized here, with the importance matrix
 *    the way llama-quantize applies it (sums / count) where it used one.
 *  - Block data at odd byte offsets, and q8_K being dequantize-only (ggml's
 *    ggml_quantize_chunk has no q8_K case). */
#include "gqtest.h"
#include "quant_testutil.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gq/gguf.h"
#include "gq/quant.h"
#include "gq/types.h"

static const uint32_t quantizable[] = { GQ_TYPE_Q2_K, GQ_TYPE_Q3_K, GQ_TYPE_Q4_K, GQ_TYPE_Q5_K, GQ_TYPE_Q6_K };
#define N_QUANTIZABLE (sizeof quantizable / sizeof quantizable[0])

/* ---------------------------------------------------------------- random inputs */

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static uint64_t rng(void) { return gqt_rng_next(&rng_state); }
static float uniform(void) { return (float)((double)(rng() >> 11) / 9007199254740992.0); }
static float gaussian(void) {
    double u = ((double)(rng() >> 11) + 1.0) / 9007199254740993.0, v = uniform();
    return (float)(sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v));
}

/* One row of a kind chosen by `kind`: each kind stresses a different path
 * of the searches (degenerate sub-blocks, the max-magnitude pick, ties in
 * the rounding, overflow of sums and ranges). */
static void fill_row(float *x, int64_t n, int kind) {
    for (int64_t i = 0; i < n; i++) {
        const float g = gaussian();
        switch (kind % 14) {
        case 0: x[i] = 0.02f * g; break;
        case 1: x[i] = g * powf(10.f, (float)(int)(rng() % 16) - 8.f); break; /* scale varies per value */
        case 2: x[i] = (rng() % 64 == 0) ? 8.f * g : 0.01f * g; break;        /* rare outliers */
        case 3: x[i] = fabsf(g) + 0.25f; break;                               /* one-sided, min > 0 */
        case 4: x[i] = -fabsf(g) - 0.25f; break;                              /* all negative */
        case 5: x[i] = (i / 16) % 3 == 0 ? (i % 2 ? -0.f : 0.f) : 1e-3f * g; break; /* zero sub-blocks */
        case 6: x[i] = (i / 16) % 2 ? 0.75f : 0.1f * g; break;                /* constant sub-blocks */
        case 7: x[i] = 0.125f * (float)((int)(rng() % 17) - 8); break;        /* exact ties */
        case 8: x[i] = g * 1e-39f; break;                                     /* subnormals */
        case 9: x[i] = g * 1e-15f; break;                                     /* at the zero threshold */
        case 10: x[i] = g * 1e30f; break;                                     /* squares overflow */
        case 11: x[i] = (rng() % 2 ? 1.f : -1.f) * FLT_MAX * uniform(); break; /* ranges overflow */
        case 12: x[i] = (rng() % 8 == 0) ? g * 1e20f : g * 1e-20f; break;     /* huge next to tiny */
        case 13: x[i] = (float)(i % 16 == 0) * g; break;                      /* one value per 16 */
        }
    }
}

static void fill_weights(float *w, int64_t n, int kind) {
    for (int64_t i = 0; i < n; i++) {
        switch (kind) {
        case 0: w[i] = uniform() + 1e-4f; break;
        case 1: w[i] = (rng() % 5 == 0) ? 0.f : uniform() * 100.f; break; /* zeros: llama.cpp allows them */
        case 2: w[i] = (rng() % 3 == 0) ? 1e30f : 1e-30f; break;        /* extreme */
        default: w[i] = (rng() % 7 == 0) ? NAN : (rng() % 7 == 0) ? INFINITY : 1.f; break; /* not checked by the API */
        }
    }
}

/* Quantize with the kernels selected by simd; returns the bytes. */
static uint8_t *quantize_with(int simd, uint32_t type, const float *x, int64_t nrows, int64_t n_per_row,
                              const float *imatrix, int threads) {
    const size_t size = gqt_row_bytes(type, n_per_row) * (size_t)nrows;
    uint8_t *q = malloc(size);
    assert_non_null(q);
    memset(q, 0xA5, size);
    size_t written = 0;
    gq_quant_set_simd(simd);
    gq_status st = gq_quantize(type, x, q, nrows, n_per_row, imatrix, threads, &written, NULL);
    gq_quant_set_simd(true);
    assert_int_equal(st, GQ_OK);
    assert_int_equal(written, size);
    return q;
}

static int first_difference(const uint8_t *a, const uint8_t *b, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (a[i] != b[i]) return (int)i;
    return -1;
}

/* NaN matches any NaN; everything else bit for bit. */
static int64_t first_float_difference(const float *a, const float *b, int64_t n) {
    for (int64_t i = 0; i < n; i++) {
        uint32_t ua, ub;
        memcpy(&ua, &a[i], 4);
        memcpy(&ub, &b[i], 4);
        if (ua != ub && !(isnan(a[i]) && isnan(b[i]))) return i;
    }
    return -1;
}

static void simd_quantize_matches_scalar(void **state) {
    (void)state;
    enum { ROWS = 42, N_PER_ROW = 1024 };
    float *x = malloc(sizeof(float) * ROWS * N_PER_ROW);
    float *w = malloc(sizeof(float) * N_PER_ROW);
    assert_non_null(x);
    assert_non_null(w);
    for (int r = 0; r < ROWS; r++) fill_row(x + (int64_t)r * N_PER_ROW, N_PER_ROW, r);
    if (strcmp(gq_quant_isa(), "scalar") == 0)
        print_message("note: no SIMD kernels on this CPU; comparing the reference with itself\n");
    int bad = 0;
    for (size_t t = 0; t < N_QUANTIZABLE; t++) {
        const uint32_t type = quantizable[t];
        const size_t rb = gqt_row_bytes(type, N_PER_ROW);
        for (int wk = -1; wk < 4; wk++) {
            const float *imatrix = NULL;
            if (wk >= 0) {
                fill_weights(w, N_PER_ROW, wk);
                imatrix = w;
            }
            uint8_t *ref = quantize_with(0, type, x, ROWS, N_PER_ROW, imatrix, 1);
            for (int threads = 1; threads <= 3; threads += 2) {
                uint8_t *got = quantize_with(1, type, x, ROWS, N_PER_ROW, imatrix, threads);
                int at = first_difference(ref, got, rb * ROWS);
                if (at >= 0) {
                    print_error("%s weights=%d threads=%d: SIMD byte %d (row %d, kind %d) differs from scalar\n",
                                gq_type_name(type), wk, threads, at, at / (int)rb, (at / (int)rb) % 14);
                    bad++;
                }
                free(got);
            }
            /* and the dequantized floats of those bytes */
            float *a = malloc(sizeof(float) * ROWS * N_PER_ROW), *b = malloc(sizeof(float) * ROWS * N_PER_ROW);
            assert_non_null(a);
            assert_non_null(b);
            gq_quant_set_simd(false);
            assert_int_equal(gq_dequantize(type, ref, a, (int64_t)ROWS * N_PER_ROW), GQ_OK);
            gq_quant_set_simd(true);
            assert_int_equal(gq_dequantize_rows(type, ref, b, ROWS, N_PER_ROW, 3), GQ_OK);
            int64_t at = first_float_difference(a, b, (int64_t)ROWS * N_PER_ROW);
            if (at >= 0) {
                print_error("%s weights=%d: SIMD dequantized value %lld differs from scalar\n", gq_type_name(type), wk,
                            (long long)at);
                bad++;
            }
            free(a);
            free(b);
            free(ref);
        }
    }
    free(x);
    free(w);
    assert_int_equal(bad, 0);
}

static void simd_dequantize_matches_scalar_on_random_blocks(void **state) {
    (void)state;
    const uint32_t types[] = { GQ_TYPE_Q2_K, GQ_TYPE_Q3_K, GQ_TYPE_Q4_K, GQ_TYPE_Q5_K, GQ_TYPE_Q6_K, GQ_TYPE_Q8_K };
    enum { BLOCKS = 512 };
    int bad = 0;
    for (size_t t = 0; t < sizeof types / sizeof types[0]; t++) {
        const size_t bytes = gqt_row_bytes(types[t], 256) * BLOCKS;
        uint8_t *q = malloc(bytes);
        float *a = malloc(sizeof(float) * 256 * BLOCKS), *b = malloc(sizeof(float) * 256 * BLOCKS);
        assert_non_null(q);
        assert_non_null(a);
        assert_non_null(b);
        for (size_t i = 0; i < bytes; i++) q[i] = (uint8_t)rng(); /* half scales hit NaN/Inf too */
        gq_quant_set_simd(false);
        assert_int_equal(gq_dequantize(types[t], q, a, 256 * BLOCKS), GQ_OK);
        gq_quant_set_simd(true);
        assert_int_equal(gq_dequantize(types[t], q, b, 256 * BLOCKS), GQ_OK);
        int64_t at = first_float_difference(a, b, 256 * BLOCKS);
        if (at >= 0) {
            print_error("%s: SIMD value %lld = %g, scalar %g\n", gq_type_name(types[t]), (long long)at, b[at], a[at]);
            bad++;
        }
        free(q);
        free(a);
        free(b);
    }
    assert_int_equal(bad, 0);
}

/* ---------------------------------------------------------------- hand-built blocks */

/* Half-precision bit patterns of a few exact values. */
#define HALF_0_5 0x3800
#define HALF_0_25 0x3400
#define HALF_2 0x4000
#define HALF_0_125 0x3000

static void put_half(uint8_t *p, uint16_t h) { memcpy(p, &h, 2); }

/* Dequantize one block with both kernel sets and compare with want[]. */
static void check_block(uint32_t type, const uint8_t *block, const float *want) {
    float got[256];
    for (int simd = 0; simd < 2; simd++) {
        gq_quant_set_simd(simd);
        assert_int_equal(gq_dequantize(type, block, got, 256), GQ_OK);
        for (int e = 0; e < 256; e++) {
            if (got[e] != want[e])
                fail_msg("%s [%s] value %d: got %g, want %g", gq_type_name(type), gq_quant_isa(), e, got[e], want[e]);
        }
    }
    gq_quant_set_simd(true);
}

/* q4_K / q5_K: d (2) dmin (2) scales (12) [qh (32)] qs (128).  Scale and
 * min j are 6 bits: j < 4 in the low 6 bits of bytes j and j+4; j >= 4 as
 * nibbles of byte j+4 with the top two bits in bits 6-7 of bytes j-4 / j. */
static void pack_k4_scales(uint8_t *s, const int sc[8], const int mn[8]) {
    memset(s, 0, 12);
    for (int j = 0; j < 4; j++) {
        s[j] = (uint8_t)sc[j];
        s[j + 4] = (uint8_t)mn[j];
    }
    for (int j = 4; j < 8; j++) {
        s[j + 4] = (uint8_t)((sc[j] & 15) | ((mn[j] & 15) << 4));
        s[j - 4] |= (uint8_t)((sc[j] >> 4) << 6);
        s[j] |= (uint8_t)((mn[j] >> 4) << 6);
    }
}

static void dequantize_q4_K_block_by_hand(void **state) {
    (void)state;
    uint8_t blk[144] = { 0 };
    const int sc[8] = { 1, 63, 17, 32, 63, 5, 48, 33 }, mn[8] = { 0, 7, 63, 21, 2, 63, 40, 16 };
    put_half(blk + 0, HALF_0_5);
    put_half(blk + 2, HALF_0_25);
    pack_k4_scales(blk + 4, sc, mn);
    float want[256];
    for (int e = 0; e < 256; e++) {
        const int q = (e * 7 + e / 32) % 16;
        /* value e: byte 32*(e/64) + e%32 of qs, low nibble in the first 32 of each 64 */
        uint8_t *byte = blk + 16 + 32 * (e / 64) + e % 32;
        *byte |= (uint8_t)((e % 64) < 32 ? q : q << 4);
        const int j = e / 32;
        want[e] = (float)(0.5 * sc[j] * q - 0.25 * mn[j]);
    }
    check_block(GQ_TYPE_Q4_K, blk, want);
}

static void dequantize_q5_K_block_by_hand(void **state) {
    (void)state;
    uint8_t blk[176] = { 0 };
    const int sc[8] = { 63, 1, 2, 40, 17, 63, 9, 31 }, mn[8] = { 63, 0, 30, 1, 50, 3, 63, 12 };
    put_half(blk + 0, HALF_0_25);
    put_half(blk + 2, HALF_2);
    pack_k4_scales(blk + 4, sc, mn);
    float want[256];
    for (int e = 0; e < 256; e++) {
        const int q = (e * 11 + 3) % 32;
        /* low 4 bits as q4_K; the fifth is bit (2*(e/64) + (e%64 >= 32)) of qh[e%32] */
        blk[48 + 32 * (e / 64) + e % 32] |= (uint8_t)((e % 64) < 32 ? (q & 15) : (q & 15) << 4);
        if (q & 16) blk[16 + e % 32] |= (uint8_t)(1u << (2 * (e / 64) + ((e % 64) >= 32)));
        const int j = e / 32;
        want[e] = (float)(0.25 * sc[j] * q - 2.0 * mn[j]);
    }
    check_block(GQ_TYPE_Q5_K, blk, want);
}

static void dequantize_q6_K_block_by_hand(void **state) {
    (void)state;
    /* ql (128) qh (64) scales (16, int8) d (2) */
    uint8_t blk[210] = { 0 };
    const int8_t sc[16] = { 1, -1, 127, -128, 5, 64, -7, 0, 33, -100, 2, 90, -3, 11, 100, -50 };
    memcpy(blk + 192, sc, 16);
    put_half(blk + 208, HALF_0_125);
    float want[256];
    for (int e = 0; e < 256; e++) {
        const int q = (e * 13 + e / 64) % 64; /* stored 0..63, value q - 32 */
        const int h = e / 128, k = e % 128, quarter = k / 32, l = k % 32;
        /* low nibble: ql[64h + l + 32*(quarter odd)], high half of the byte for quarters 2-3 */
        blk[64 * h + l + 32 * (quarter & 1)] |= (uint8_t)(quarter < 2 ? (q & 15) : (q & 15) << 4);
        /* top two bits: qh[32h + l] at bit 2*quarter */
        blk[128 + 32 * h + l] |= (uint8_t)((q >> 4) << (2 * quarter));
        want[e] = (float)(0.125 * sc[e / 16] * (q - 32));
    }
    check_block(GQ_TYPE_Q6_K, blk, want);
}

static void dequantize_q2_K_block_by_hand(void **state) {
    (void)state;
    /* scales (16: low nibble scale, high nibble min) qs (64) d (2) dmin (2) */
    uint8_t blk[84] = { 0 };
    int sc[16], mn[16];
    for (int j = 0; j < 16; j++) {
        sc[j] = (j * 5 + 1) % 16;
        mn[j] = (j * 3 + 2) % 16;
        blk[j] = (uint8_t)(sc[j] | (mn[j] << 4));
    }
    put_half(blk + 80, HALF_0_5);
    put_half(blk + 82, HALF_0_125);
    float want[256];
    for (int e = 0; e < 256; e++) {
        const int q = (e * 3 + e / 7) % 4;
        /* 2 bits of qs[32*(e/128) + e%32] at bit 2*((e%128)/32) */
        blk[16 + 32 * (e / 128) + e % 32] |= (uint8_t)(q << (2 * ((e % 128) / 32)));
        want[e] = (float)(0.5 * sc[e / 16] * q - 0.125 * mn[e / 16]);
    }
    check_block(GQ_TYPE_Q2_K, blk, want);
}

static void dequantize_q3_K_block_by_hand(void **state) {
    (void)state;
    /* hmask (32) qs (64) scales (12) d (2) */
    uint8_t blk[110] = { 0 };
    int sc[16];
    for (int j = 0; j < 16; j++) {
        sc[j] = (j * 23 + 5) % 64; /* stored 0..63, scale sc - 32 */
        /* low nibble: byte j (j < 8) or high nibble of byte j-8; top 2 bits in byte 8 + j%4 at 2*(j/4) */
        if (j < 8)
            blk[96 + j] |= (uint8_t)(sc[j] & 15);
        else
            blk[96 + j - 8] |= (uint8_t)((sc[j] & 15) << 4);
        blk[96 + 8 + j % 4] |= (uint8_t)((sc[j] >> 4) << (2 * (j / 4)));
    }
    put_half(blk + 108, HALF_0_25);
    float want[256];
    for (int e = 0; e < 256; e++) {
        const int v = (e * 5 + e / 9) % 8 - 4; /* -4..3 */
        const int stored = v + 4;              /* 3 bits: 2 in qs, the third in hmask */
        blk[32 + 32 * (e / 128) + e % 32] |= (uint8_t)((stored & 3) << (2 * ((e % 128) / 32)));
        if (stored & 4) blk[e % 32] |= (uint8_t)(1u << (e / 32));
        want[e] = (float)(0.25 * (sc[e / 16] - 32) * v);
    }
    check_block(GQ_TYPE_Q3_K, blk, want);
}

static void q8_K_dequantizes_but_does_not_quantize(void **state) {
    (void)state;
    /* d (float) qs (256 int8) bsums (16 int16, unused by to_float) */
    uint8_t blk[292] = { 0 };
    const float d = -0.375f;
    memcpy(blk, &d, 4);
    float want[256];
    for (int e = 0; e < 256; e++) {
        const int8_t q = (int8_t)(e - 128);
        memcpy(blk + 4 + e, &q, 1);
        want[e] = (float)(-0.375 * q);
    }
    check_block(GQ_TYPE_Q8_K, blk, want);
    assert_true(gq_can_dequantize(GQ_TYPE_Q8_K));
    assert_false(gq_can_quantize(GQ_TYPE_Q8_K));
    float x[256] = { 0 };
    uint8_t out[292];
    assert_int_equal(gq_quantize(GQ_TYPE_Q8_K, x, out, 1, 256, NULL, 1, NULL, NULL), GQ_ERR_UNSUPPORTED);
}

/* ---------------------------------------------------------------- offsets, zeros */

static void block_data_at_odd_offsets(void **state) {
    (void)state;
    enum { ROWS = 3, N_PER_ROW = 512 };
    float x[ROWS * N_PER_ROW], w[N_PER_ROW];
    for (int r = 0; r < ROWS; r++) fill_row(x + r * N_PER_ROW, N_PER_ROW, r);
    fill_weights(w, N_PER_ROW, 0);
    for (size_t t = 0; t < N_QUANTIZABLE; t++) {
        const uint32_t type = quantizable[t];
        const size_t size = gqt_row_bytes(type, N_PER_ROW) * ROWS;
        for (int simd = 0; simd < 2; simd++) {
            uint8_t *aligned = quantize_with(simd, type, x, ROWS, N_PER_ROW, w, 1);
            uint8_t *buf = malloc(size + 3);
            assert_non_null(buf);
            gq_quant_set_simd(simd);
            assert_int_equal(gq_quantize(type, x, buf + 3, ROWS, N_PER_ROW, w, 2, NULL, NULL), GQ_OK);
            assert_memory_equal(buf + 3, aligned, size);
            float a[ROWS * N_PER_ROW], b[ROWS * N_PER_ROW];
            assert_int_equal(gq_dequantize(type, aligned, a, ROWS * N_PER_ROW), GQ_OK);
            assert_int_equal(gq_dequantize(type, buf + 3, b, ROWS * N_PER_ROW), GQ_OK);
            assert_memory_equal(a, b, sizeof a);
            gq_quant_set_simd(true);
            free(buf);
            free(aligned);
        }
    }
}

static void zero_rows_come_back_zero(void **state) {
    (void)state;
    float x[512] = { 0 }, w[512], y[512];
    for (int i = 0; i < 512; i++) w[i] = 1.f;
    for (size_t t = 0; t < N_QUANTIZABLE; t++) {
        for (int with_w = 0; with_w < 2; with_w++) {
            for (int simd = 0; simd < 2; simd++) {
                uint8_t *q = quantize_with(simd, quantizable[t], x, 1, 512, with_w ? w : NULL, 1);
                gq_quant_set_simd(simd);
                assert_int_equal(gq_dequantize(quantizable[t], q, y, 512), GQ_OK);
                gq_quant_set_simd(true);
                for (int i = 0; i < 512; i++)
                    if (y[i] != 0.f) fail_msg("%s: value %d of a zero row is %g", gq_type_name(quantizable[t]), i, y[i]);
                free(q);
            }
        }
    }
}

/* ---------------------------------------------------------------- llama.cpp's outputs */

#define G4 "fixtures/quantized/gemma4-mini/"

static gguf_file *open_fixture(const char *rel) {
    gguf_error err;
    gguf_file *f = gguf_open(gqt_shared_path(rel), 0, &err);
    if (!f) fail_msg("cannot open %s: %s", rel, err.message);
    return f;
}

static void *read_tensor(gguf_file *f, const gguf_tensor *t) {
    gguf_error err;
    void *buf = malloc(t->n_bytes ? t->n_bytes : 1);
    assert_non_null(buf);
    if (gguf_read_tensor(f, t, 0, buf, t->n_bytes, &err) != GQ_OK) fail_msg("read: %s", err.message);
    return buf;
}

/* llama-quantize's importance weights for a tensor: in_sum2 / counts (the
 * count rounded to an integer first; 1 where the count is 0), or NULL when
 * the imatrix has no entry for it. */
static float *imatrix_weights(gguf_file *im, const char *name, int64_t n_per_row) {
    char key[300];
    snprintf(key, sizeof key, "%s.in_sum2", name);
    int64_t si = gguf_find_tensor(im, key);
    snprintf(key, sizeof key, "%s.counts", name);
    int64_t ci = gguf_find_tensor(im, key);
    if (si < 0 || ci < 0) return NULL;
    const gguf_tensor *st = gguf_get_tensor(im, (uint64_t)si), *ct = gguf_get_tensor(im, (uint64_t)ci);
    assert_int_equal(st->type, GQ_TYPE_F32);
    assert_int_equal(ct->type, GQ_TYPE_F32);
    assert_int_equal(st->n_elements, (uint64_t)n_per_row); /* no expert tensors in this model */
    assert_int_equal(ct->n_elements, 1);
    float *sums = read_tensor(im, st), *count = read_tensor(im, ct);
    const float c = (float)llroundf(count[0]);
    for (int64_t i = 0; i < n_per_row; i++) sums[i] = c > 0 ? sums[i] / c : 1.f;
    free(count);
    return sums;
}

/* Returns the number of k-quant tensors compared; fails on any difference. */
static int check_reference(const char *variant, int uses_imatrix, int *with_weights) {
    char rel[256];
    snprintf(rel, sizeof rel, G4 "gemma4-mini-%s.gguf", variant);
    gguf_file *ref = open_fixture(rel);
    gguf_file *src = open_fixture(G4 "gemma4-mini-BF16.gguf");
    gguf_file *im = uses_imatrix ? open_fixture(G4 "gemma4-mini.imatrix.gguf") : NULL;
    int compared = 0;
    for (uint64_t i = 0; i < gguf_tensor_count(ref); i++) {
        const gguf_tensor *t = gguf_get_tensor(ref, i);
        if (t->type < GQ_TYPE_Q2_K || t->type > GQ_TYPE_Q6_K) continue;
        char name[256];
        snprintf(name, sizeof name, "%.*s", (int)t->name.len, t->name.ptr);
        int64_t si = gguf_find_tensor(src, name);
        if (si < 0) fail_msg("%s: %s has no source tensor", variant, name);
        const gguf_tensor *s = gguf_get_tensor(src, (uint64_t)si);
        assert_int_equal(s->n_elements, t->n_elements);
        const int64_t n_per_row = (int64_t)s->ne[0], nrows = (int64_t)(s->n_elements / s->ne[0]);
        /* the source as f32: bf16 is the top half of an f32 */
        float *x = malloc(sizeof(float) * s->n_elements);
        uint8_t *raw = read_tensor(src, s);
        assert_non_null(x);
        for (uint64_t k = 0; k < s->n_elements; k++) {
            if (s->type == GQ_TYPE_BF16) {
                uint16_t h;
                memcpy(&h, raw + 2 * k, 2);
                uint32_t u = (uint32_t)h << 16;
                memcpy(&x[k], &u, 4);
            } else {
                assert_int_equal(s->type, GQ_TYPE_F32);
                memcpy(&x[k], raw + 4 * k, 4);
            }
        }
        free(raw);
        float *w = im ? imatrix_weights(im, name, n_per_row) : NULL;
        if (w) (*with_weights)++;
        uint8_t *want = read_tensor(ref, t);
        for (int simd = 0; simd < 2; simd++) {
            uint8_t *got = quantize_with(simd, t->type, x, nrows, n_per_row, w, 2);
            int at = first_difference(got, want, (size_t)t->n_bytes);
            if (at >= 0)
                fail_msg("%s: %s (%s%s, %s) differs from llama-quantize at byte %d", variant, name,
                         gq_type_name(t->type), w ? ", imatrix" : "", simd ? "simd" : "scalar", at);
            free(got);
        }
        free(want);
        free(w);
        free(x);
        compared++;
    }
    if (im) gguf_close(im);
    gguf_close(src);
    gguf_close(ref);
    return compared;
}

static void gemma4_mini_k_quant_tensors_match_llama_quantize(void **state) {
    (void)state;
    /* README of the fixtures: Q6_K and Q4_K_M without --imatrix, the others with it. */
    static const struct { const char *variant; int imatrix; } refs[] = {
        { "Q6_K", 0 }, { "Q4_K_M", 0 }, { "Q4_K_M-imat", 1 }, { "Q4_K_S", 1 }, { "IQ2_M", 1 }, { "IQ2_XXS", 1 },
    };
    int total = 0, weighted = 0;
    for (size_t i = 0; i < sizeof refs / sizeof refs[0]; i++) {
        int n = check_reference(refs[i].variant, refs[i].imatrix, &weighted);
        assert_true(n > 0);
        total += n;
    }
    /* Q6_K/Q4_K_M/Q4_K_M-imat/Q4_K_S: 74 k-quant tensors each; the IQ2 mixes use
     * q4_K/q5_K for some; only the token embeddings lack imatrix entries. */
    print_message("compared %d k-quant tensors with llama-quantize's (%d with importance weights)\n", total,
                  weighted);
    assert_true(weighted > 100);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(dequantize_q2_K_block_by_hand),
        cmocka_unit_test(dequantize_q3_K_block_by_hand),
        cmocka_unit_test(dequantize_q4_K_block_by_hand),
        cmocka_unit_test(dequantize_q5_K_block_by_hand),
        cmocka_unit_test(dequantize_q6_K_block_by_hand),
        cmocka_unit_test(q8_K_dequantizes_but_does_not_quantize),
        cmocka_unit_test(zero_rows_come_back_zero),
        cmocka_unit_test(block_data_at_odd_offsets),
        cmocka_unit_test(simd_dequantize_matches_scalar_on_random_blocks),
        cmocka_unit_test(simd_quantize_matches_scalar),
        cmocka_unit_test(gemma4_mini_k_quant_tensors_match_llama_quantize),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
