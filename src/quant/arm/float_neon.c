/* NEON kernels for f16 and bf16, both directions; built only on aarch64
 * (where NEON and the half-precision conversions are always present).
 *
 * Same bits as the reference (float.c, fp16.h), under Linux's default FPCR
 * (round to nearest even, no flush-to-zero, default-NaN off):
 *   - half -> float: fcvtl is exact and quiets a signalling NaN, as the
 *     reference does;
 *   - float -> half: fcvtn rounds to nearest even like the reference for
 *     every non-NaN value; NaN lanes are first replaced by the quiet NaN
 *     that converts to ggml's 0x7e00 (fcvtn would keep payload bits);
 *   - bf16 is integer arithmetic on the float bits, the reference's formula
 *     lane by lane.
 * Half-precision data is loaded and stored as bytes: it may sit at any
 * offset.  Tails shorter than a vector go through the scalar helpers. */
#include <arm_neon.h>
#include <stdint.h>
#include <string.h>

#include "../fp16.h"
#include "../kernels.h"

static void dequant_f16_neon(const void *src, float *dst, int64_t n) {
    const uint8_t *p = src;
    int64_t i = 0;
    for (; i + 4 <= n; i += 4) {
        const float16x4_t h = vreinterpret_f16_u8(vld1_u8(p + 2 * i));
        vst1q_f32(dst + i, vcvt_f32_f16(h));
    }
    for (; i < n; i++) {
        uint16_t h;
        memcpy(&h, p + 2 * i, 2);
        dst[i] = gq_fp16_to_fp32(h);
    }
}

static void quant_f16_neon(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) {
    (void)imatrix;
    uint8_t *p = dst;
    const int64_t n = nrows * n_per_row;
    const uint32x4_t sign_mask = vdupq_n_u32(0x80000000u);
    const uint32x4_t quiet_nan = vdupq_n_u32(0x7fc00000u);
    int64_t i = 0;
    for (; i + 4 <= n; i += 4) {
        const float32x4_t v = vld1q_f32(src + i);
        const uint32x4_t is_num = vceqq_f32(v, v); /* false only for NaN */
        const uint32x4_t nan_bits = vorrq_u32(vandq_u32(vreinterpretq_u32_f32(v), sign_mask), quiet_nan);
        const float32x4_t clean = vbslq_f32(is_num, v, vreinterpretq_f32_u32(nan_bits));
        vst1_u8(p + 2 * i, vreinterpret_u8_f16(vcvt_f16_f32(clean)));
    }
    for (; i < n; i++) {
        const uint16_t h = gq_fp32_to_fp16(src[i]);
        memcpy(p + 2 * i, &h, 2);
    }
}

static void dequant_bf16_neon(const void *src, float *dst, int64_t n) {
    const uint8_t *p = src;
    int64_t i = 0;
    for (; i + 4 <= n; i += 4) {
        const uint16x4_t h = vreinterpret_u16_u8(vld1_u8(p + 2 * i));
        vst1q_f32(dst + i, vreinterpretq_f32_u32(vshll_n_u16(h, 16)));
    }
    for (; i < n; i++) {
        uint16_t h;
        memcpy(&h, p + 2 * i, 2);
        dst[i] = gq_bf16_to_fp32(h);
    }
}

static void quant_bf16_neon(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) {
    (void)imatrix;
    uint8_t *p = dst;
    const int64_t n = nrows * n_per_row;
    int64_t i = 0;
    for (; i + 4 <= n; i += 4) {
        const uint32x4_t u = vreinterpretq_u32_f32(vld1q_f32(src + i));
        const uint32x4_t is_nan = vcgtq_u32(vandq_u32(u, vdupq_n_u32(0x7fffffffu)), vdupq_n_u32(0x7f800000u));
        /* round to nearest even: add 0x7fff plus the lowest kept bit, then drop 16 bits */
        const uint32x4_t lowest_kept = vandq_u32(vshrq_n_u32(u, 16), vdupq_n_u32(1));
        const uint32x4_t rounded = vaddq_u32(u, vaddq_u32(vdupq_n_u32(0x7fffu), lowest_kept));
        const uint32x4_t quieted = vorrq_u32(u, vdupq_n_u32(64u << 16)); /* NaN: keep it, force quiet */
        const uint32x4_t chosen = vbslq_u32(is_nan, quieted, rounded);
        vst1_u8(p + 2 * i, vreinterpret_u8_u16(vshrn_n_u32(chosen, 16)));
    }
    for (; i < n; i++) {
        const uint16_t h = gq_fp32_to_bf16(src[i]);
        memcpy(p + 2 * i, &h, 2);
    }
}

void gq_register_float_neon(gq_kernel_table t) {
    t[GQ_TYPE_F16] = (gq_kernels){ dequant_f16_neon, quant_f16_neon };
    t[GQ_TYPE_BF16] = (gq_kernels){ dequant_bf16_neon, quant_bf16_neon };
}
