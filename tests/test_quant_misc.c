/* The float, legacy and low-bit kernels where ggml's conformance vectors do
 * not reach:
 *
 *   - types absent from vectors/quant (f32, f64, i8..i64, q8_1), checked
 *     against values worked out here from the formats' definitions;
 *   - f16 and bf16 conversions at their edges (subnormals, ties, the
 *     overflow threshold 65520, NaN, infinities) against IEEE 754 bit
 *     patterns known independently of any implementation;
 *   - SIMD kernels against the scalar reference on random data of awkward
 *     shapes (several rows, odd lengths, block counts that are not a multiple
 *     of the vector width, misaligned sources, NaN scales in block data),
 *     and thread counts against one thread. */
#include "gqtest.h"
#include "quant_testutil.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gq/quant.h"
#include "quant/kernels.h"

/* ---------------------------------------------------------------- helpers */

static uint32_t bits_of(float f) {
    uint32_t u;
    memcpy(&u, &f, 4);
    return u;
}

static float float_of(uint32_t u) {
    float f;
    memcpy(&f, &u, 4);
    return f;
}


/* Heavy-tailed values: a Gaussian divided by a random magnitude, times a
 * per-row scale that ranges from subnormal-producing to large. */
static void fill_weights(float *x, int64_t rows, int64_t n_per_row, uint64_t seed) {
    uint64_t s = seed;
    static const float row_scales[] = { 1.0f, 0.02f, 300.0f, 1e-30f, 1e-41f, 0.0f, 7.5f };
    for (int64_t r = 0; r < rows; r++) {
        const float scale = row_scales[r % (int64_t)(sizeof row_scales / sizeof row_scales[0])];
        for (int64_t c = 0; c < n_per_row; c++) {
            const double g = sqrt(-2.0 * log(gqt_rng_unit(&s))) * cos(6.283185307179586 * gqt_rng_unit(&s));
            const double tail = 0.25 + gqt_rng_unit(&s);
            x[r * n_per_row + c] = (float)(g / tail) * scale;
        }
    }
}

/* Bit-identical, except that any NaN matches any NaN. */
static void assert_floats_identical(const float *got, const float *want, size_t n, const char *what) {
    for (size_t i = 0; i < n; i++) {
        if (bits_of(got[i]) == bits_of(want[i]) || (isnan(got[i]) && isnan(want[i]))) continue;
        fail_msg("%s: element %zu got %.9g (0x%08x), want %.9g (0x%08x)", what, i, got[i], bits_of(got[i]),
                 want[i], bits_of(want[i]));
    }
}

static void assert_bytes_identical(const uint8_t *got, const uint8_t *want, size_t n, const char *what) {
    for (size_t i = 0; i < n; i++)
        if (got[i] != want[i]) fail_msg("%s: byte %zu got 0x%02x want 0x%02x", what, i, got[i], want[i]);
}

/* Dequantize through the public API from a deliberately misaligned copy:
 * tensor data in a file sits at any offset. */
static void dequantize_misaligned(uint32_t type, const void *src, size_t src_bytes, float *dst, int64_t n) {
    uint8_t *buf = malloc(src_bytes + 1);
    assert_non_null(buf);
    memcpy(buf + 1, src, src_bytes);
    assert_int_equal(gq_dequantize(type, buf + 1, dst, n), GQ_OK);
    free(buf);
}

/* ---------------------------------------------------------------- f32 */

static void f32_round_trips_every_bit_pattern(void **state) {
    (void)state;
    const uint32_t patterns[] = { 0x00000000, 0x80000000, 0x00000001, 0x807fffff, 0x3f800000,
                                  0x7f7fffff, 0xff7fffff, 0x3eaaaaab, 0x00800000, 0xc2f6e979 };
    enum { N = sizeof patterns / sizeof patterns[0] };
    float in[N], out[N];
    uint8_t bytes[N * 4];
    for (int i = 0; i < N; i++) in[i] = float_of(patterns[i]);
    size_t written = 0;
    assert_int_equal(gq_quantize(GQ_TYPE_F32, in, bytes, 2, N / 2, NULL, 1, &written, NULL), GQ_OK);
    assert_int_equal(written, sizeof bytes);
    assert_memory_equal(bytes, in, sizeof bytes);
    dequantize_misaligned(GQ_TYPE_F32, bytes, sizeof bytes, out, N);
    for (int i = 0; i < N; i++) assert_int_equal(bits_of(out[i]), patterns[i]);
}

/* ---------------------------------------------------------------- f64 and integers */

static void f64_converts_to_nearest_float(void **state) {
    (void)state;
    /* double input -> expected float bits, each from IEEE round-to-nearest-even */
    const struct { double in; uint32_t want; } cases[] = {
        { 1.0, 0x3f800000 },
        { -2.5, 0xc0200000 },
        { 0.1, 0x3dcccccd },                       /* the float nearest 0.1 */
        { 0.0, 0x00000000 },
        { -0.0, 0x80000000 },
        { 0x1.fffffep127, 0x7f7fffff },            /* FLT_MAX exactly */
        { 0x1.fffffefffffffp127, 0x7f7fffff },     /* just below the midpoint to 2^128: FLT_MAX */
        { 0x1.ffffffp127, 0x7f800000 },            /* the midpoint: ties to even = infinity */
        { 1e300, 0x7f800000 },
        { -1e300, 0xff800000 },
        { 0x1p-149, 0x00000001 },                  /* smallest float subnormal */
        { 0x1p-150, 0x00000000 },                  /* half of it: tie, to even (zero) */
        { 0x1.8p-149, 0x00000002 },                /* 1.5 of it: tie, to even (2) */
        { 1e-50, 0x00000000 },
        { 16777217.0, 0x4b800000 },                /* 2^24 + 1: tie, to even (2^24) */
    };
    enum { N = sizeof cases / sizeof cases[0] };
    double in[N + 1];
    float out[N + 1];
    for (int i = 0; i < N; i++) in[i] = cases[i].in;
    in[N] = NAN;
    dequantize_misaligned(GQ_TYPE_F64, in, sizeof in, out, N + 1);
    for (int i = 0; i < N; i++) {
        if (bits_of(out[i]) != cases[i].want)
            fail_msg("f64 %a: got 0x%08x want 0x%08x", cases[i].in, bits_of(out[i]), cases[i].want);
    }
    assert_true(isnan(out[N]));
}

static void integers_convert_to_nearest_float(void **state) {
    (void)state;
    const int8_t i8[] = { 0, 1, -1, 127, -128, 42 };
    const float i8_want[] = { 0.0f, 1.0f, -1.0f, 127.0f, -128.0f, 42.0f };
    const int16_t i16[] = { 32767, -32768, -300, 0 };
    const float i16_want[] = { 32767.0f, -32768.0f, -300.0f, 0.0f };
    /* 2^24 + 1 and + 3 are ties between floats (even wins); INT32_MAX rounds up to 2^31 */
    const int32_t i32[] = { 16777217, 16777219, INT32_MAX, INT32_MIN, -7 };
    const float i32_want[] = { 16777216.0f, 16777220.0f, 2147483648.0f, -2147483648.0f, -7.0f };
    const int64_t i64[] = { INT64_MIN, INT64_MAX, (INT64_C(1) << 40) + 1, -123456789 };
    const float i64_want[] = { -0x1p63f, 0x1p63f, 0x1p40f, -123456792.0f /* nearest float */ };
    float out[8];

    dequantize_misaligned(GQ_TYPE_I8, i8, sizeof i8, out, 6);
    for (int i = 0; i < 6; i++) assert_int_equal(bits_of(out[i]), bits_of(i8_want[i]));
    dequantize_misaligned(GQ_TYPE_I16, i16, sizeof i16, out, 4);
    for (int i = 0; i < 4; i++) assert_int_equal(bits_of(out[i]), bits_of(i16_want[i]));
    dequantize_misaligned(GQ_TYPE_I32, i32, sizeof i32, out, 5);
    for (int i = 0; i < 5; i++) assert_int_equal(bits_of(out[i]), bits_of(i32_want[i]));
    dequantize_misaligned(GQ_TYPE_I64, i64, sizeof i64, out, 4);
    for (int i = 0; i < 4; i++) assert_int_equal(bits_of(out[i]), bits_of(i64_want[i]));
}

static void plain_types_are_decode_only(void **state) {
    (void)state;
    const uint32_t decode_only[] = { GQ_TYPE_F64, GQ_TYPE_I8, GQ_TYPE_I16, GQ_TYPE_I32, GQ_TYPE_I64, GQ_TYPE_Q8_1 };
    for (size_t i = 0; i < sizeof decode_only / sizeof decode_only[0]; i++) {
        assert_true(gq_can_dequantize(decode_only[i]));
        assert_false(gq_can_quantize(decode_only[i]));
        float x[32] = { 0 };
        uint8_t out[512];
        assert_int_equal(gq_quantize(decode_only[i], x, out, 1, 32, NULL, 1, NULL, NULL), GQ_ERR_UNSUPPORTED);
    }
}

/* ---------------------------------------------------------------- q8_1 */

/* Builds a q8_1 block by hand: 2-byte d, 2-byte s, 32 signed codes. */
static void put_q8_1(uint8_t *blk, uint16_t d, uint16_t s, const int8_t *qs) {
    memcpy(blk, &d, 2);
    memcpy(blk + 2, &s, 2);
    memcpy(blk + 4, qs, 32);
}

static void q8_1_values_are_codes_times_d(void **state) {
    (void)state;
    uint8_t blocks[3 * 36];
    int8_t qs[3][32];
    for (int j = 0; j < 32; j++) {
        qs[0][j] = (int8_t)(j * 8 - 128);   /* -128 .. 120 */
        qs[1][j] = (int8_t)(127 - j);       /* 127 .. 96 */
        qs[2][j] = (int8_t)(j % 2 ? -j : j);
    }
    put_q8_1(blocks + 0, 0x3800, 0x7c00, qs[0]); /* d = 0.5; s = +inf is only a cached sum: ignored */
    put_q8_1(blocks + 36, 0x0001, 0x0000, qs[1]); /* d = 2^-24, the smallest half subnormal */
    put_q8_1(blocks + 72, 0xc500, 0x1234, qs[2]); /* d = -5 */
    const float d[3] = { 0.5f, 0x1p-24f, -5.0f };
    float out[96];
    for (int simd = 0; simd < 2; simd++) {
        gq_quant_set_simd(simd);
        dequantize_misaligned(GQ_TYPE_Q8_1, blocks, sizeof blocks, out, 96);
        for (int b = 0; b < 3; b++)
            for (int j = 0; j < 32; j++) {
                const float want = (float)qs[b][j] * d[b]; /* exact: small integer times a power of two or 5 */
                if (bits_of(out[32 * b + j]) != bits_of(want))
                    fail_msg("q8_1 block %d element %d: got %g want %g (%s)", b, j, out[32 * b + j], want,
                             gq_quant_isa());
            }
    }
    gq_quant_set_simd(true);
}

/* ---------------------------------------------------------------- f16 */

typedef struct { uint32_t f; uint16_t h; } f2h_case;

/* float -> half, round to nearest even, from the binary16 definition. */
static const f2h_case f16_from_float[] = {
    { 0x3f800000, 0x3c00 },  /* 1 */
    { 0xc0000000, 0xc000 },  /* -2 */
    { 0x00000000, 0x0000 },
    { 0x80000000, 0x8000 },  /* -0 keeps its sign */
    { 0x477fe000, 0x7bff },  /* 65504, the largest half */
    { 0x477fefff, 0x7bff },  /* just below 65520: still 65504 */
    { 0x477ff000, 0x7c00 },  /* 65520, the midpoint to 65536: ties to even = infinity */
    { 0xc77ff000, 0xfc00 },
    { 0x501502f9, 0x7c00 },  /* 1e10 */
    { 0x33800000, 0x0001 },  /* 2^-24, the smallest half subnormal */
    { 0x33000000, 0x0000 },  /* 2^-25: tie between 0 and 2^-24, to even (0) */
    { 0x33000001, 0x0001 },  /* just above that tie */
    { 0x33c00000, 0x0002 },  /* 1.5 * 2^-24: tie, to even (2) */
    { 0xb3c00000, 0x8002 },
    { 0x387fc000, 0x03ff },  /* the largest half subnormal */
    { 0x387fe000, 0x0400 },  /* halfway between it and 2^-14: to even (0x400) */
    { 0x38800000, 0x0400 },  /* 2^-14, the smallest normal half */
    { 0x3f801000, 0x3c00 },  /* 1 + 2^-11: tie, to even (1) */
    { 0x3f803000, 0x3c02 },  /* 1 + 3 * 2^-11: tie, to even (1 + 2^-9) */
    { 0x3f801001, 0x3c01 },  /* just above the tie */
    { 0x45001000, 0x6800 },  /* 2049: tie between 2048 and 2050, to even (2048) */
    { 0x00000001, 0x0000 },  /* float subnormal: far below half precision */
    { 0x80000001, 0x8000 },
};

/* half -> float is exact; these are the defined values. */
static const f2h_case f16_to_float[] = {
    { 0x33800000, 0x0001 }, { 0xb3800000, 0x8001 }, { 0x387fc000, 0x03ff }, { 0x38800000, 0x0400 },
    { 0x477fe000, 0x7bff }, { 0x7f800000, 0x7c00 }, { 0xff800000, 0xfc00 }, { 0x80000000, 0x8000 },
    { 0x3f800000, 0x3c00 },               /* 1 */
    { 0x3eaaa000, 0x3555 },               /* 0.333251953125 */
};

static void f16_conversion_edges_match_ieee(void **state) {
    (void)state;
    enum { N = sizeof f16_from_float / sizeof f16_from_float[0] };
    float in[N];
    uint16_t out[N];
    for (int i = 0; i < N; i++) in[i] = float_of(f16_from_float[i].f);
    for (int simd = 0; simd < 2; simd++) {
        gq_quant_set_simd(simd);
        /* through the public API (all inputs finite), N values as 1 row: the SIMD loop and its tail */
        assert_int_equal(gq_quantize(GQ_TYPE_F16, in, out, 1, N, NULL, 1, NULL, NULL), GQ_OK);
        for (int i = 0; i < N; i++)
            if (out[i] != f16_from_float[i].h)
                fail_msg("f16 from 0x%08x: got 0x%04x want 0x%04x (%s)", f16_from_float[i].f, out[i],
                         f16_from_float[i].h, gq_quant_isa());
    }
    enum { M = sizeof f16_to_float / sizeof f16_to_float[0] };
    uint16_t h[M];
    float back[M];
    for (int i = 0; i < M; i++) h[i] = f16_to_float[i].h;
    for (int simd = 0; simd < 2; simd++) {
        gq_quant_set_simd(simd);
        dequantize_misaligned(GQ_TYPE_F16, h, sizeof h, back, M);
        for (int i = 0; i < M; i++)
            if (bits_of(back[i]) != f16_to_float[i].f)
                fail_msg("f16 0x%04x to float: got 0x%08x want 0x%08x (%s)", h[i], bits_of(back[i]),
                         f16_to_float[i].f, gq_quant_isa());
    }
    gq_quant_set_simd(true);
}

/* NaN and infinity cannot pass gq_quantize (it refuses them), so the kernels
 * are called directly: a kernel must still be right when a caller skips the
 * check.  ggml turns every NaN into the quiet NaN 0x7e00 with its sign;
 * widening keeps a NaN's payload and sets the quiet bit (IEEE 754 6.2.3). */
static void f16_nan_and_infinity(void **state) {
    (void)state;
    /* 16 values so the SIMD path (8 lanes) handles them, not its scalar tail */
    const uint32_t f[16] = { 0x7fc00000, 0xffc00000, 0x7f800001, 0xff812345, 0x7fffffff, 0x7f800000,
                             0xff800000, 0x3f800000, 0x7fc00000, 0x7f800001, 0xffffffff, 0x7f800000,
                             0x00000000, 0x7fa00000, 0xff800000, 0x7fc00001 };
    const uint16_t want[16] = { 0x7e00, 0xfe00, 0x7e00, 0xfe00, 0x7e00, 0x7c00, 0xfc00, 0x3c00,
                                0x7e00, 0x7e00, 0xfe00, 0x7c00, 0x0000, 0x7e00, 0xfc00, 0x7e00 };
    float in[16];
    for (int i = 0; i < 16; i++) in[i] = float_of(f[i]);
    for (int simd = 0; simd < 2; simd++) {
        gq_quant_set_simd(simd);
        uint16_t out[16];
        gq_kernels_for(GQ_TYPE_F16)->quant(in, out, 2, 8, NULL);
        for (int i = 0; i < 16; i++)
            if (out[i] != want[i])
                fail_msg("f16 from 0x%08x: got 0x%04x want 0x%04x (%s)", f[i], out[i], want[i], gq_quant_isa());

        /* widening: signalling 0x7c01 and 0xfd4f become quiet with the payload kept */
        const uint16_t h[8] = { 0x7c01, 0xfd4f, 0x7e00, 0x7fff, 0x7c00, 0xfc00, 0xfe01, 0x0000 };
        const uint32_t hw[8] = { 0x7fc02000, 0xffe9e000, 0x7fc00000, 0x7fffe000,
                                 0x7f800000, 0xff800000, 0xffc02000, 0x00000000 };
        float back[8];
        assert_int_equal(gq_dequantize(GQ_TYPE_F16, h, back, 8), GQ_OK);
        for (int i = 0; i < 8; i++)
            if (bits_of(back[i]) != hw[i])
                fail_msg("f16 0x%04x to float: got 0x%08x want 0x%08x (%s)", h[i], bits_of(back[i]), hw[i],
                         gq_quant_isa());
    }
    gq_quant_set_simd(true);
}

/* ---------------------------------------------------------------- bf16 */

static void bf16_conversion_edges(void **state) {
    (void)state;
    /* bf16 is the top half of a float, rounded to nearest even on the dropped 16 bits */
    const f2h_case cases[] = {
        { 0x3f800000, 0x3f80 },
        { 0x3f808000, 0x3f80 },  /* tie, kept bit even: down */
        { 0x3f818000, 0x3f82 },  /* tie, kept bit odd: up */
        { 0x3f808001, 0x3f81 },  /* above the tie */
        { 0x3f80ffff, 0x3f81 },
        { 0x7f7f7fff, 0x7f7f },  /* below the tie under infinity */
        { 0x7f7f8000, 0x7f80 },  /* tie, odd: up to infinity */
        { 0x7f7fffff, 0x7f80 },  /* FLT_MAX rounds to infinity */
        { 0x00008000, 0x0000 },  /* subnormal tie, even: down (no flush: subnormals are kept) */
        { 0x00018000, 0x0002 },
        { 0x00010000, 0x0001 },
        { 0x80000000, 0x8000 },
        { 0xc0490fdb, 0xc049 },  /* -pi */
    };
    enum { N = sizeof cases / sizeof cases[0] };
    float in[N];
    uint16_t out[N];
    for (int i = 0; i < N; i++) in[i] = float_of(cases[i].f);
    for (int simd = 0; simd < 2; simd++) {
        gq_quant_set_simd(simd);
        assert_int_equal(gq_quantize(GQ_TYPE_BF16, in, out, 1, N, NULL, 1, NULL, NULL), GQ_OK);
        for (int i = 0; i < N; i++)
            if (out[i] != cases[i].h)
                fail_msg("bf16 from 0x%08x: got 0x%04x want 0x%04x (%s)", cases[i].f, out[i], cases[i].h,
                         gq_quant_isa());

        /* NaN stays NaN, made quiet (0x40 of the bf16) and never rounded into infinity */
        const uint32_t nf[16] = { 0x7f800001, 0xff800001, 0x7fc00000, 0x7fffffff, 0x7f800000, 0xff800000,
                                  0x7f80ffff, 0x3f800000, 0x7f800001, 0x7f800001, 0x7f800001, 0x7f800001,
                                  0x7f800001, 0x7f800001, 0x7f800001, 0x7f800001 };
        const uint16_t nw[16] = { 0x7fc0, 0xffc0, 0x7fc0, 0x7fff, 0x7f80, 0xff80, 0x7fc0, 0x3f80,
                                  0x7fc0, 0x7fc0, 0x7fc0, 0x7fc0, 0x7fc0, 0x7fc0, 0x7fc0, 0x7fc0 };
        float nin[16];
        uint16_t nout[16];
        for (int i = 0; i < 16; i++) nin[i] = float_of(nf[i]);
        gq_kernels_for(GQ_TYPE_BF16)->quant(nin, nout, 1, 16, NULL);
        for (int i = 0; i < 16; i++)
            if (nout[i] != nw[i])
                fail_msg("bf16 from 0x%08x: got 0x%04x want 0x%04x (%s)", nf[i], nout[i], nw[i], gq_quant_isa());

        /* widening is the 16-bit shift, NaN payloads and subnormals included */
        const uint16_t h[9] = { 0x3f80, 0x0001, 0x8001, 0x7f80, 0xff80, 0x7fc1, 0x7f81, 0x0000, 0xc049 };
        float back[9];
        dequantize_misaligned(GQ_TYPE_BF16, h, sizeof h, back, 9);
        for (int i = 0; i < 9; i++) assert_int_equal(bits_of(back[i]), (uint32_t)h[i] << 16);
    }
    gq_quant_set_simd(true);
}

/* ---------------------------------------------------------------- q8_0 tiny blocks */

/* A block whose largest value is a float subnormal has a scale d so small that
 * 1/d overflows to infinity; x * (1/d) is then +-Inf or NaN, and ggml's x86
 * build turns those into code 0 (cvttss2si's 0x80000000, low byte kept).
 * The half-precision scale is 0, so the block decodes to zeros either way;
 * the bytes still have to be ggml's. */
static void q8_0_subnormal_block_gives_zero_codes(void **state) {
    (void)state;
    float x[64];
    for (int j = 0; j < 32; j++) x[j] = float_of(0x00000001u + (uint32_t)j * 0x1000u) * (j % 3 ? 1.0f : -1.0f);
    for (int j = 32; j < 64; j++) x[j] = j == 40 ? 0.0f : float_of(0x00400000u) * (j % 2 ? 1.0f : -1.0f);
    for (int simd = 0; simd < 2; simd++) {
        gq_quant_set_simd(simd);
        uint8_t out[68];
        assert_int_equal(gq_quantize(GQ_TYPE_Q8_0, x, out, 2, 32, NULL, 1, NULL, NULL), GQ_OK);
        for (int i = 0; i < 68; i++)
            if (out[i] != 0) fail_msg("q8_0 of subnormals: byte %d is 0x%02x, want 0 (%s)", i, out[i], gq_quant_isa());
    }
    gq_quant_set_simd(true);
}

/* ggml's q8_0 rounds x/d with roundf: halves go away from zero (2.5 -> 3,
 * -2.5 -> -3), where the SIMD round instructions would give ties to even.
 * With amax = 127 the scale is exactly 1 and x itself is rounded; with amax
 * = 254 it is 2 and x/2 is rounded (x = 5 -> 2.5 -> 3). */
static void q8_0_rounds_halves_away_from_zero(void **state) {
    (void)state;
    float x[64];
    int8_t want[64];
    for (int j = 0; j < 32; j++) {
        const float half_steps = (float)(j - 16) + 0.5f; /* -15.5 .. 15.5 */
        x[j] = j == 31 ? 127.0f : half_steps;
        want[j] = (int8_t)(j == 31 ? 127 : (half_steps < 0 ? (j - 16) : (j - 15)));
        x[32 + j] = j == 0 ? -254.0f : (float)(2 * j + 1) * (j % 2 ? 1.0f : -1.0f); /* odd: x/2 is a half */
        want[32 + j] = (int8_t)(j == 0 ? -127 : (j + 1) * (j % 2 ? 1 : -1));
    }
    const uint16_t want_d[2] = { 0x3c00, 0x4000 }; /* 1 and 2 */
    for (int simd = 0; simd < 2; simd++) {
        gq_quant_set_simd(simd);
        uint8_t out[68];
        assert_int_equal(gq_quantize(GQ_TYPE_Q8_0, x, out, 1, 64, NULL, 1, NULL, NULL), GQ_OK);
        for (int b = 0; b < 2; b++) {
            uint16_t d;
            memcpy(&d, out + 34 * b, 2);
            assert_int_equal(d, want_d[b]);
            for (int j = 0; j < 32; j++) {
                const int8_t got = (int8_t)out[34 * b + 2 + j];
                if (got != want[32 * b + j])
                    fail_msg("q8_0 block %d element %d (x = %g): code %d, want %d (%s)", b, j, x[32 * b + j], got,
                             want[32 * b + j], gq_quant_isa());
            }
        }
    }
    gq_quant_set_simd(true);
}

/* ---------------------------------------------------------------- SIMD == scalar */

static const uint32_t my_types[] = {
    GQ_TYPE_F16, GQ_TYPE_BF16, GQ_TYPE_Q4_0, GQ_TYPE_Q4_1, GQ_TYPE_Q5_0, GQ_TYPE_Q5_1, GQ_TYPE_Q8_0,
    GQ_TYPE_Q8_1, GQ_TYPE_Q1_0, GQ_TYPE_Q2_0, GQ_TYPE_TQ1_0, GQ_TYPE_TQ2_0, GQ_TYPE_MXFP4, GQ_TYPE_NVFP4,
    GQ_TYPE_F64, GQ_TYPE_I8, GQ_TYPE_I16, GQ_TYPE_I32, GQ_TYPE_I64,
};

/* Shapes: rows x blocks per row, with block counts that leave every SIMD
 * loop a remainder (7, 13, 3) and one-block rows. */
static const struct { int64_t rows, blocks; } shapes[] = { { 5, 7 }, { 3, 13 }, { 1, 1 }, { 4, 3 } };

static void simd_quantize_matches_scalar(void **state) {
    (void)state;
    for (size_t t = 0; t < sizeof my_types / sizeof my_types[0]; t++) {
        const uint32_t type = my_types[t];
        if (!gq_can_quantize(type)) continue;
        const gq_type_info *info = gq_type_get(type);
        for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
            /* plain f16/bf16 rows get an odd element count, not a whole number of vectors */
            const int64_t n_per_row = shapes[s].blocks * (info->block_size == 1 ? 3 : info->block_size);
            const int64_t rows = shapes[s].rows;
            const size_t n = (size_t)(rows * n_per_row);
            uint64_t row_bytes;
            assert_true(gq_type_row_bytes(type, (uint64_t)n_per_row, &row_bytes));
            const size_t bytes = (size_t)row_bytes * (size_t)rows;
            float *x = malloc(n * sizeof *x), *imat = malloc((size_t)n_per_row * sizeof *imat);
            uint8_t *ref = malloc(bytes), *got = malloc(bytes);
            assert_true(x && imat && ref && got);
            fill_weights(x, rows, n_per_row, 1000 + t * 10 + s);
            uint64_t seed = 77 + t;
            for (int64_t c = 0; c < n_per_row; c++) imat[c] = (float)(0.01 + 5.0 * gqt_rng_unit(&seed));
            for (int with_imat = 0; with_imat < 2; with_imat++) {
                const float *w = with_imat ? imat : NULL;
                gq_quant_set_simd(false);
                assert_int_equal(gq_quantize(type, x, ref, rows, n_per_row, w, 1, NULL, NULL), GQ_OK);
                const int thread_counts[] = { 1, 3 };
                for (int k = 0; k < 2; k++) {
                    gq_quant_set_simd(true);
                    memset(got, 0xa5, bytes);
                    assert_int_equal(gq_quantize(type, x, got, rows, n_per_row, w, thread_counts[k], NULL, NULL),
                                     GQ_OK);
                    char what[128];
                    snprintf(what, sizeof what, "%s quantize %lldx%lld%s [%s, %d threads]", info->name,
                             (long long)rows, (long long)n_per_row, with_imat ? " imat" : "", gq_quant_isa(),
                             thread_counts[k]);
                    assert_bytes_identical(got, ref, bytes, what);
                }
            }
            free(x);
            free(imat);
            free(ref);
            free(got);
        }
    }
    gq_quant_set_simd(true);
}

/* Random block bytes reach every code, bit pattern and scale, NaN and
 * infinite scales included: the SIMD dequantizers must agree with the
 * reference on all of it (NaN matching NaN), from aligned and misaligned
 * sources, on one and several threads. */
static void simd_dequantize_matches_scalar(void **state) {
    (void)state;
    for (size_t t = 0; t < sizeof my_types / sizeof my_types[0]; t++) {
        const uint32_t type = my_types[t];
        const gq_type_info *info = gq_type_get(type);
        assert_true(gq_can_dequantize(type));
        for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
            const int64_t n_per_row = shapes[s].blocks * (info->block_size == 1 ? 3 : info->block_size);
            const int64_t rows = shapes[s].rows;
            const size_t n = (size_t)(rows * n_per_row);
            const size_t bytes = n / info->block_size * info->type_size;
            uint8_t *q = malloc(bytes + 1);
            float *ref = malloc(n * sizeof *ref), *got = malloc(n * sizeof *got);
            assert_true(q && ref && got);
            uint64_t seed = 4242 + t * 100 + s;
            for (size_t i = 0; i < bytes + 1; i++) q[i] = (uint8_t)(gqt_rng_next(&seed) >> 56);
            gq_quant_set_simd(false);
            assert_int_equal(gq_dequantize_rows(type, q, ref, rows, n_per_row, 1), GQ_OK);
            gq_quant_set_simd(true);
            char what[128];
            const int thread_counts[] = { 1, 3 };
            for (int k = 0; k < 2; k++) {
                assert_int_equal(gq_dequantize_rows(type, q, got, rows, n_per_row, thread_counts[k]), GQ_OK);
                snprintf(what, sizeof what, "%s dequantize %lldx%lld [%s, %d threads]", info->name, (long long)rows,
                         (long long)n_per_row, gq_quant_isa(), thread_counts[k]);
                assert_floats_identical(got, ref, n, what);
            }
            /* a misaligned source gives the same values (the data shifted by one byte) */
            memmove(q + 1, q, bytes);
            assert_int_equal(gq_dequantize(type, q + 1, got, (int64_t)n), GQ_OK);
            snprintf(what, sizeof what, "%s dequantize misaligned [%s]", info->name, gq_quant_isa());
            assert_floats_identical(got, ref, n, what);
            free(q);
            free(ref);
            free(got);
        }
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(f32_round_trips_every_bit_pattern),
        cmocka_unit_test(f64_converts_to_nearest_float),
        cmocka_unit_test(integers_convert_to_nearest_float),
        cmocka_unit_test(plain_types_are_decode_only),
        cmocka_unit_test(q8_1_values_are_codes_times_d),
        cmocka_unit_test(f16_conversion_edges_match_ieee),
        cmocka_unit_test(f16_nan_and_infinity),
        cmocka_unit_test(bf16_conversion_edges),
        cmocka_unit_test(q8_0_subnormal_block_gives_zero_codes),
        cmocka_unit_test(q8_0_rounds_halves_away_from_zero),
        cmocka_unit_test(simd_quantize_matches_scalar),
        cmocka_unit_test(simd_dequantize_matches_scalar),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
