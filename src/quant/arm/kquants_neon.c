/* k-quants: NEON dequantizers (aarch64), bit-identical to the scalar
 * reference (kquants.c).
 *
 * Each output is the reference's one or two IEEE operations on the same
 * operands — (d * scale) * level, or (d * scale) * level - (dmin * min) —
 * four lanes at a time, with a separate multiply and subtract: never the
 * fused multiply-subtract (vfmsq), which would round once instead of twice.
 * Blocks are addressed by byte offset (KQ_AT), so tensor data may sit at any
 * offset.  Quantization stays on the scalar reference here. */
#include <arm_neon.h>

#include "../kernels.h"
#include "../kquants_common.h"

/* 16 unsigned / signed bytes -> 16 floats in four vectors. */
static inline void u8x16_to_f32(uint8x16_t v, float32x4_t out[4]) {
    const uint16x8_t lo = vmovl_u8(vget_low_u8(v)), hi = vmovl_u8(vget_high_u8(v));
    out[0] = vcvtq_f32_u32(vmovl_u16(vget_low_u16(lo)));
    out[1] = vcvtq_f32_u32(vmovl_u16(vget_high_u16(lo)));
    out[2] = vcvtq_f32_u32(vmovl_u16(vget_low_u16(hi)));
    out[3] = vcvtq_f32_u32(vmovl_u16(vget_high_u16(hi)));
}

static inline void s8x16_to_f32(int8x16_t v, float32x4_t out[4]) {
    const int16x8_t lo = vmovl_s8(vget_low_s8(v)), hi = vmovl_s8(vget_high_s8(v));
    out[0] = vcvtq_f32_s32(vmovl_s16(vget_low_s16(lo)));
    out[1] = vcvtq_f32_s32(vmovl_s16(vget_high_s16(lo)));
    out[2] = vcvtq_f32_s32(vmovl_s16(vget_low_s16(hi)));
    out[3] = vcvtq_f32_s32(vmovl_s16(vget_high_s16(hi)));
}

/* 16 levels -> y = d*q - m. */
static inline void emit16_affine(float *y, uint8x16_t q, float d, float m) {
    const float32x4_t vd = vdupq_n_f32(d), vm = vdupq_n_f32(m);
    float32x4_t f[4];
    u8x16_to_f32(q, f);
    for (int k = 0; k < 4; k++) vst1q_f32(y + 4 * k, vsubq_f32(vmulq_f32(vd, f[k]), vm));
}

/* 16 signed levels -> y = ds*q. */
static inline void emit16_scaled(float *y, int8x16_t q, float ds) {
    const float32x4_t vd = vdupq_n_f32(ds);
    float32x4_t f[4];
    s8x16_to_f32(q, f);
    for (int k = 0; k < 4; k++) vst1q_f32(y + 4 * k, vmulq_f32(vd, f[k]));
}

static void dequant_q4_K_neon(const void *src, float *dst, int64_t n) {
    const uint8_t *b = src;
    const uint8x16_t nib = vdupq_n_u8(0x0F);
    for (int64_t i = 0; i < n / GQ_QK_K; i++, b += sizeof(block_q4_K)) {
        const float d = kq_half_at(KQ_AT(b, block_q4_K, d)), dmin = kq_half_at(KQ_AT(b, block_q4_K, dmin));
        const uint8_t *qs = KQ_AT(b, block_q4_K, qs);
        for (int c = 0; c < 4; c++) {
            uint8_t sc1, mn1, sc2, mn2;
            kq_k4_get(2 * c, KQ_AT(b, block_q4_K, scales), &sc1, &mn1);
            kq_k4_get(2 * c + 1, KQ_AT(b, block_q4_K, scales), &sc2, &mn2);
            const float d1 = d * (float)sc1, m1 = dmin * (float)mn1;
            const float d2 = d * (float)sc2, m2 = dmin * (float)mn2;
            for (int h = 0; h < 2; h++) {
                const uint8x16_t q = vld1q_u8(qs + 32 * c + 16 * h);
                emit16_affine(dst + 16 * h, vandq_u8(q, nib), d1, m1);
                emit16_affine(dst + 32 + 16 * h, vshrq_n_u8(q, 4), d2, m2);
            }
            dst += 64;
        }
    }
}

static void dequant_q5_K_neon(const void *src, float *dst, int64_t n) {
    const uint8_t *b = src;
    const uint8x16_t nib = vdupq_n_u8(0x0F), sixteen = vdupq_n_u8(16);
    for (int64_t i = 0; i < n / GQ_QK_K; i++, b += sizeof(block_q5_K)) {
        const float d = kq_half_at(KQ_AT(b, block_q5_K, d)), dmin = kq_half_at(KQ_AT(b, block_q5_K, dmin));
        const uint8_t *qs = KQ_AT(b, block_q5_K, qs), *qh = KQ_AT(b, block_q5_K, qh);
        for (int c = 0; c < 4; c++) {
            uint8_t sc1, mn1, sc2, mn2;
            kq_k4_get(2 * c, KQ_AT(b, block_q5_K, scales), &sc1, &mn1);
            kq_k4_get(2 * c + 1, KQ_AT(b, block_q5_K, scales), &sc2, &mn2);
            const float d1 = d * (float)sc1, m1 = dmin * (float)mn1;
            const float d2 = d * (float)sc2, m2 = dmin * (float)mn2;
            const uint8x16_t lo_bit = vdupq_n_u8((uint8_t)(1u << (2 * c)));
            const uint8x16_t hi_bit = vdupq_n_u8((uint8_t)(2u << (2 * c)));
            for (int h = 0; h < 2; h++) {
                const uint8x16_t q = vld1q_u8(qs + 32 * c + 16 * h);
                const uint8x16_t bits = vld1q_u8(qh + 16 * h);
                /* vtstq: all ones where the bit is set; & 16 adds the fifth bit */
                const uint8x16_t lo = vaddq_u8(vandq_u8(q, nib), vandq_u8(vtstq_u8(bits, lo_bit), sixteen));
                const uint8x16_t hi = vaddq_u8(vshrq_n_u8(q, 4), vandq_u8(vtstq_u8(bits, hi_bit), sixteen));
                emit16_affine(dst + 16 * h, lo, d1, m1);
                emit16_affine(dst + 32 + 16 * h, hi, d2, m2);
            }
            dst += 64;
        }
    }
}

static void dequant_q2_K_neon(const void *src, float *dst, int64_t n) {
    const uint8_t *b = src;
    const uint8x16_t three = vdupq_n_u8(3);
    for (int64_t i = 0; i < n / GQ_QK_K; i++, b += sizeof(block_q2_K)) {
        const float d = kq_half_at(KQ_AT(b, block_q2_K, d)), dmin = kq_half_at(KQ_AT(b, block_q2_K, dmin));
        const uint8_t *qs = KQ_AT(b, block_q2_K, qs), *scales = KQ_AT(b, block_q2_K, scales);
        /* sub-block j (16 values): 2 bits at 2*((j%8)/2) of qs[32*(j/8) + 16*(j%2) + l] */
        for (int j = 0; j < 16; j++) {
            const uint8x16_t q = vld1q_u8(qs + 32 * (j / 8) + 16 * (j % 2));
            const int shift = 2 * ((j % 8) / 2);
            const uint8x16_t v = vandq_u8(vshlq_u8(q, vdupq_n_s8((int8_t)-shift)), three);
            emit16_affine(dst, v, d * (float)(scales[j] & 0xF), dmin * (float)(scales[j] >> 4));
            dst += 16;
        }
    }
}

static void dequant_q3_K_neon(const void *src, float *dst, int64_t n) {
    const uint8_t *b = src;
    const uint8x16_t three = vdupq_n_u8(3), four = vdupq_n_u8(4);
    for (int64_t i = 0; i < n / GQ_QK_K; i++, b += sizeof(block_q3_K)) {
        const float d = kq_half_at(KQ_AT(b, block_q3_K, d));
        const uint8_t *qs = KQ_AT(b, block_q3_K, qs), *hm = KQ_AT(b, block_q3_K, hmask);
        for (int j = 0; j < 16; j++) {
            const int e0 = 16 * j; /* low bits as q2_K; high bit e/32 of hmask[e%32], clear -> minus 4 */
            const uint8x16_t q = vld1q_u8(qs + 32 * (e0 / 128) + e0 % 32);
            const uint8x16_t low = vandq_u8(vshlq_u8(q, vdupq_n_s8((int8_t)-(2 * ((e0 % 128) / 32)))), three);
            const uint8x16_t set = vtstq_u8(vld1q_u8(hm + e0 % 32), vdupq_n_u8((uint8_t)(1u << (e0 / 32))));
            const int8x16_t v = vreinterpretq_s8_u8(vsubq_u8(low, vbicq_u8(four, set)));
            emit16_scaled(dst, v, d * (float)kq_q3_scale_get(j, KQ_AT(b, block_q3_K, scales)));
            dst += 16;
        }
    }
}

static void dequant_q6_K_neon(const void *src, float *dst, int64_t n) {
    const uint8_t *b = src;
    const uint8x16_t nib = vdupq_n_u8(0x0F), three = vdupq_n_u8(3);
    const int8x16_t bias = vdupq_n_s8(32);
    for (int64_t i = 0; i < n / GQ_QK_K; i++, b += sizeof(block_q6_K)) {
        const float d = kq_half_at(KQ_AT(b, block_q6_K, d));
        const int8_t *sc = (const int8_t *)KQ_AT(b, block_q6_K, scales);
        for (int h = 0; h < 2; h++) {
            const uint8_t *ql = KQ_AT(b, block_q6_K, ql) + 64 * h, *qh = KQ_AT(b, block_q6_K, qh) + 32 * h;
            for (int half = 0; half < 2; half++) { /* l = 16*half .. 16*half + 15 */
                const uint8x16_t l0 = vld1q_u8(ql + 16 * half), l1 = vld1q_u8(ql + 32 + 16 * half);
                const uint8x16_t hb = vld1q_u8(qh + 16 * half);
                uint8x16_t v[4];
                v[0] = vorrq_u8(vandq_u8(l0, nib), vshlq_n_u8(vandq_u8(hb, three), 4));
                v[1] = vorrq_u8(vandq_u8(l1, nib), vshlq_n_u8(vandq_u8(vshrq_n_u8(hb, 2), three), 4));
                v[2] = vorrq_u8(vshrq_n_u8(l0, 4), vshlq_n_u8(vandq_u8(vshrq_n_u8(hb, 4), three), 4));
                v[3] = vorrq_u8(vshrq_n_u8(l1, 4), vshlq_n_u8(vshrq_n_u8(hb, 6), 4));
                for (int k = 0; k < 4; k++) {
                    /* values 128h + 32k + 16half + l: sub-block 8h + 2k + half */
                    const int8x16_t q = vsubq_s8(vreinterpretq_s8_u8(v[k]), bias);
                    emit16_scaled(dst + 128 * h + 32 * k + 16 * half, q, d * (float)sc[8 * h + 2 * k + half]);
                }
            }
        }
        dst += GQ_QK_K;
    }
}

void gq_register_kquants_neon(gq_kernel_table t) {
    t[GQ_TYPE_Q2_K].dequant = dequant_q2_K_neon;
    t[GQ_TYPE_Q3_K].dequant = dequant_q3_K_neon;
    t[GQ_TYPE_Q4_K].dequant = dequant_q4_K_neon;
    t[GQ_TYPE_Q5_K].dequant = dequant_q5_K_neon;
    t[GQ_TYPE_Q6_K].dequant = dequant_q6_K_neon;
}
