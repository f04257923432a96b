/* Conversions between float and the 16-bit and 8-bit float formats that
 * block scales use.  Each one rounds exactly as ggml's portable C path does
 * (round to nearest, ties to even; NaN to a quiet NaN), so quantized bytes
 * match ggml's bit for bit whatever instructions the host has. */
#ifndef GQ_FP16_H
#define GQ_FP16_H

#include <stdint.h>
#include <string.h>

static inline uint32_t gq_f32_bits(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }
static inline float gq_f32_from_bits(uint32_t u) { float f; memcpy(&f, &u, 4); return f; }

static inline float gq_fp16_to_fp32(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000) << 16;
    uint32_t exp = (h >> 10) & 0x1f;
    uint32_t mant = h & 0x3ff;
    if (exp == 0x1f) {
        /* inf, or NaN with its payload kept and the quiet bit set: ggml widens through a float
         * multiply, which quiets a signalling NaN, and F16C's vcvtph2ps does the same. */
        return gq_f32_from_bits(sign | 0x7f800000 | (mant << 13) | (mant ? 0x00400000u : 0));
    }
    if (exp != 0) return gq_f32_from_bits(sign | ((exp + 112) << 23) | (mant << 13));
    /* zero or subnormal: mant * 2^-24, exact in float */
    float v = (float)mant * 0x1p-24f;
    return gq_f32_from_bits(sign | gq_f32_bits(v));
}

static inline uint16_t gq_fp32_to_fp16(float f) {
    uint32_t x = gq_f32_bits(f);
    uint16_t sign = (uint16_t)((x >> 16) & 0x8000);
    uint32_t ax = x & 0x7fffffff;
    if (ax > 0x7f800000) return sign | 0x7e00;        /* NaN: quiet, payload dropped (as ggml) */
    if (ax >= 0x477ff000) return sign | 0x7c00;       /* >= 65520 rounds to infinity */
    if (ax < 0x38800000) {                            /* below 2^-14: half subnormal or zero */
        /* |f| * 2^24 < 1024 is exact; adding 2^23 rounds it to an integer, ties to even. */
        float v = gq_f32_from_bits(ax) * 0x1p24f;
        float r = (v + 0x1p23f) - 0x1p23f;
        return sign | (uint16_t)r;
    }
    /* normal: rebias the exponent (127 -> 15), round the 13 dropped bits to nearest even;
     * a carry out of the mantissa correctly bumps the exponent. */
    uint32_t h = (ax - 0x38000000u + 0x0fffu + ((ax >> 13) & 1u)) >> 13;
    return sign | (uint16_t)h;
}

static inline float gq_bf16_to_fp32(uint16_t h) { return gq_f32_from_bits((uint32_t)h << 16); }

static inline uint16_t gq_fp32_to_bf16(float f) {
    uint32_t u = gq_f32_bits(f);
    if ((u & 0x7fffffff) > 0x7f800000) return (uint16_t)((u >> 16) | 64); /* NaN: force quiet */
    return (uint16_t)((u + (0x7fff + ((u >> 16) & 1))) >> 16);
}

/* E8M0 (MXFP4's block scale: a bare biased exponent, 2^(e-127)) times one
 * half.  The half is folded in because the FP4 level table holds doubled
 * values (0, 1, 2, 3, 4, 6, 8, 12 for 0 .. 6).  e = 0 and 1 give float
 * subnormals; 255 is 2^127, not NaN, as in ggml. */
static inline float gq_e8m0_to_fp32_half(uint8_t e) {
    return gq_f32_from_bits(e < 2 ? 0x00200000u << e : (uint32_t)(e - 1) << 23);
}

/* UE4M3 (NVFP4's sub-block scale: unsigned, 4 exponent bits with bias 7, 3
 * mantissa bits, no infinities) times one half, for the same doubled level
 * table.  0x7f (the format's NaN) reads as 0, as in ggml.  The products are
 * exact: every UE4M3 value is a small dyadic fraction. */
static inline float gq_ue4m3_to_fp32_half(uint8_t u) {
    if (u == 0 || u == 0x7f) return 0.0f;
    int exp = (u >> 3) & 0xf;
    int man = u & 0x7;
    float v = exp == 0 ? (float)man * 0x1p-9f                               /* subnormal: man * 2^-9 */
                       : (1.0f + (float)man / 8.0f) * gq_f32_from_bits((uint32_t)(exp - 7 + 127) << 23);
    return v * 0.5f;
}

/* float -> UE4M3 as ggml rounds it: non-positive (and NaN) -> 0; clamp to
 * 448; the three mantissa bits round half up on the first dropped bit (not
 * to even); subnormals round half up on x * 2^9; anything whose exponent
 * reaches 15 saturates to 0x7e (448). */
static inline uint8_t gq_fp32_to_ue4m3(float x) {
    if (!(x > 0.0f)) return 0;
    if (x > 448.0f) x = 448.0f;
    uint32_t bits = gq_f32_bits(x);
    int exp = (int)((bits >> 23) & 0xff) - 127 + 7;
    if (exp <= 0) {
        int man = (int)(x * 512.0f + 0.5f);
        if (man > 7) man = 7;
        return man < 1 ? 0 : (uint8_t)man;
    }
    if (exp >= 15) return 0x7e;
    int man = (int)((bits >> 20) & 0x7) + (int)((bits >> 19) & 1);
    if (man > 7) {
        man = 0;
        if (++exp >= 15) return 0x7e;
    }
    return (uint8_t)((exp << 3) | man);
}

#endif
