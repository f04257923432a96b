/* NEON kernels for the legacy 32-element blocks; built only on aarch64.
 *
 *   dequantize: q4_0 q4_1 q8_0 q8_1
 *   quantize:   q8_0
 *
 * Same bits as legacy.c: codes become floats exactly, then one multiply by
 * the block scale (and for q4_1 one separate add of the min; no fused
 * multiply-add).  The q8_0 quantizer rounds with frinta, which is roundf's
 * halves-away-from-zero.  Its narrowing must give what float_to_int.h
 * defines (x86's cvttss2si, low byte kept): fcvtzs saturates instead
 * (+Inf -> 0x7fffffff, NaN -> 0), so lanes that are NaN or beyond 32-bit
 * range are set to 0x80000000 before the low byte is taken.  Such lanes only
 * appear in blocks of subnormal values, whose scale's reciprocal is
 * infinite. */
#include <arm_neon.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "blocks.h"
#include "../fp16.h"
#include "../kernels.h"

/* ---------------------------------------------------------------- dequantize */

/* 16 signed 8-bit codes -> 16 floats times d, stored at y. */
static inline void scale_i8x16(const uint8_t *codes, float32x4_t d, float *y) {
    const int8x16_t q = vreinterpretq_s8_u8(vld1q_u8(codes));
    const int16x8_t lo = vmovl_s8(vget_low_s8(q));
    const int16x8_t hi = vmovl_s8(vget_high_s8(q));
    vst1q_f32(y + 0, vmulq_f32(vcvtq_f32_s32(vmovl_s16(vget_low_s16(lo))), d));
    vst1q_f32(y + 4, vmulq_f32(vcvtq_f32_s32(vmovl_s16(vget_high_s16(lo))), d));
    vst1q_f32(y + 8, vmulq_f32(vcvtq_f32_s32(vmovl_s16(vget_low_s16(hi))), d));
    vst1q_f32(y + 12, vmulq_f32(vcvtq_f32_s32(vmovl_s16(vget_high_s16(hi))), d));
}

static float half_at(const uint8_t *p) {
    uint16_t h;
    memcpy(&h, p, 2);
    return gq_fp16_to_fp32(h);
}

static void dequant_q8_0_neon(const void *src, float *dst, int64_t n) {
    const uint8_t *p = src;
    for (int64_t ib = 0; ib < n / GQ_QK8_0; ib++) {
        const uint8_t *blk = p + (size_t)ib * sizeof(block_q8_0);
        const float32x4_t d = vdupq_n_f32(half_at(blk + offsetof(block_q8_0, d)));
        const uint8_t *qs = blk + offsetof(block_q8_0, qs);
        scale_i8x16(qs, d, dst + ib * GQ_QK8_0);
        scale_i8x16(qs + 16, d, dst + ib * GQ_QK8_0 + 16);
    }
}

static void dequant_q8_1_neon(const void *src, float *dst, int64_t n) {
    const uint8_t *p = src;
    for (int64_t ib = 0; ib < n / GQ_QK8_1; ib++) {
        const uint8_t *blk = p + (size_t)ib * sizeof(block_q8_1);
        const float32x4_t d = vdupq_n_f32(half_at(blk + offsetof(block_q8_1, d)));
        const uint8_t *qs = blk + offsetof(block_q8_1, qs);
        scale_i8x16(qs, d, dst + ib * GQ_QK8_1);
        scale_i8x16(qs + 16, d, dst + ib * GQ_QK8_1 + 16);
    }
}

/* 16 unsigned codes (0..15) -> floats: code * d (+ m when add_min). */
static inline void nibbles_to_floats(uint8x16_t codes, int16x8_t offset, float32x4_t d, float32x4_t m, int add_min,
                                     float *y) {
    const int16x8_t lo = vsubq_s16(vreinterpretq_s16_u16(vmovl_u8(vget_low_u8(codes))), offset);
    const int16x8_t hi = vsubq_s16(vreinterpretq_s16_u16(vmovl_u8(vget_high_u8(codes))), offset);
    const int32x4_t parts[4] = { vmovl_s16(vget_low_s16(lo)), vmovl_s16(vget_high_s16(lo)),
                                 vmovl_s16(vget_low_s16(hi)), vmovl_s16(vget_high_s16(hi)) };
    for (int k = 0; k < 4; k++) {
        float32x4_t v = vmulq_f32(vcvtq_f32_s32(parts[k]), d);
        if (add_min) v = vaddq_f32(v, m);
        vst1q_f32(y + 4 * k, v);
    }
}

static void dequant_q4_0_neon(const void *src, float *dst, int64_t n) {
    const uint8_t *p = src;
    const int16x8_t eight = vdupq_n_s16(8);
    for (int64_t ib = 0; ib < n / GQ_QK4_0; ib++) {
        const uint8_t *blk = p + (size_t)ib * sizeof(block_q4_0);
        const float32x4_t d = vdupq_n_f32(half_at(blk + offsetof(block_q4_0, d)));
        const uint8x16_t qs = vld1q_u8(blk + offsetof(block_q4_0, qs));
        /* low nibbles are elements 0..15, high nibbles 16..31 */
        nibbles_to_floats(vandq_u8(qs, vdupq_n_u8(0x0f)), eight, d, d, 0, dst + ib * GQ_QK4_0);
        nibbles_to_floats(vshrq_n_u8(qs, 4), eight, d, d, 0, dst + ib * GQ_QK4_0 + 16);
    }
}

static void dequant_q4_1_neon(const void *src, float *dst, int64_t n) {
    const uint8_t *p = src;
    const int16x8_t zero = vdupq_n_s16(0);
    for (int64_t ib = 0; ib < n / GQ_QK4_1; ib++) {
        const uint8_t *blk = p + (size_t)ib * sizeof(block_q4_1);
        const float32x4_t d = vdupq_n_f32(half_at(blk + offsetof(block_q4_1, d)));
        const float32x4_t m = vdupq_n_f32(half_at(blk + offsetof(block_q4_1, m)));
        const uint8x16_t qs = vld1q_u8(blk + offsetof(block_q4_1, qs));
        nibbles_to_floats(vandq_u8(qs, vdupq_n_u8(0x0f)), zero, d, m, 1, dst + ib * GQ_QK4_1);
        nibbles_to_floats(vshrq_n_u8(qs, 4), zero, d, m, 1, dst + ib * GQ_QK4_1 + 16);
    }
}

/* ---------------------------------------------------------------- quantize q8_0 */

/* roundf(v * id) narrowed to the low byte of x86's cvttss2si result. */
static inline uint32x4_t q8_codes4(float32x4_t v, float32x4_t id) {
    const float32x4_t r = vrndaq_f32(vmulq_f32(v, id));
    const uint32x4_t in_range = vcltq_f32(vabsq_f32(r), vdupq_n_f32(2147483648.0f)); /* false for NaN */
    const int32x4_t i = vbslq_s32(in_range, vcvtq_s32_f32(r), vdupq_n_s32(INT32_MIN));
    return vreinterpretq_u32_s32(i);
}

static void quant_q8_0_neon(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) {
    (void)imatrix; /* ggml's q8_0 has no weighted path */
    uint8_t *out = dst;
    const int64_t nb = nrows * n_per_row / GQ_QK8_0;
    for (int64_t ib = 0; ib < nb; ib++) {
        const float *x = src + ib * GQ_QK8_0;
        float32x4_t v[8];
        for (int k = 0; k < 8; k++) v[k] = vld1q_f32(x + 4 * k);
        float32x4_t m = vabsq_f32(v[0]);
        for (int k = 1; k < 8; k++) m = vmaxq_f32(m, vabsq_f32(v[k]));
        const float amax = vmaxvq_f32(m); /* order does not matter for a maximum of finite values */

        const float d = amax / 127;
        const float id = d != 0.0f ? 1.0f / d : 0.0f;
        const uint16_t dh = gq_fp32_to_fp16(d);
        uint8_t *blk = out + (size_t)ib * sizeof(block_q8_0);
        memcpy(blk + offsetof(block_q8_0, d), &dh, 2);

        const float32x4_t vid = vdupq_n_f32(id);
        for (int half = 0; half < 2; half++) {
            const uint16x8_t a = vcombine_u16(vmovn_u32(q8_codes4(v[4 * half + 0], vid)),
                                              vmovn_u32(q8_codes4(v[4 * half + 1], vid)));
            const uint16x8_t b = vcombine_u16(vmovn_u32(q8_codes4(v[4 * half + 2], vid)),
                                              vmovn_u32(q8_codes4(v[4 * half + 3], vid)));
            /* vmovn keeps the low half of each lane: twice gives the low byte */
            vst1q_u8(blk + offsetof(block_q8_0, qs) + 16 * half, vcombine_u8(vmovn_u16(a), vmovn_u16(b)));
        }
    }
}

void gq_register_legacy_neon(gq_kernel_table t) {
    t[GQ_TYPE_Q4_0].dequant = dequant_q4_0_neon;
    t[GQ_TYPE_Q4_1].dequant = dequant_q4_1_neon;
    t[GQ_TYPE_Q8_0] = (gq_kernels){ dequant_q8_0_neon, quant_q8_0_neon };
    t[GQ_TYPE_Q8_1].dequant = dequant_q8_1_neon;
}
