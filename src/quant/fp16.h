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

#endif
