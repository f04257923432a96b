/* NEON dequantizers of the IQ3 / IQ4 / IQ1 family; built only on aarch64.
 *
 * Each one does what the scalar reference does (iq3.c, iq4.c, iq1.c), four
 * lanes at a time: look the codes up, widen them to float exactly, and
 * multiply once by the sub-block scale (adding the IQ1 delta first).  No
 * fused multiply-add, so every value rounds as in the reference.  Blocks
 * are copied before use: tensor data may sit at any byte offset. */
#include <arm_neon.h>
#include <string.h>

#include "../fp16.h"
#include "../iq_other.h"
#include "../iq_tables.h"

/* 8 unsigned bytes -> two float vectors (values 0..8 and 4..8). */
static inline void u8x8_to_f32(uint8x8_t v, float32x4_t *lo, float32x4_t *hi) {
    const uint16x8_t w = vmovl_u8(v);
    *lo = vcvtq_f32_u32(vmovl_u16(vget_low_u16(w)));
    *hi = vcvtq_f32_u32(vmovl_u16(vget_high_u16(w)));
}

static inline void s8x8_to_f32(int8x8_t v, float32x4_t *lo, float32x4_t *hi) {
    const int16x8_t w = vmovl_s8(v);
    *lo = vcvtq_f32_s32(vmovl_s16(vget_low_s16(w)));
    *hi = vcvtq_f32_s32(vmovl_s16(vget_high_s16(w)));
}

/* Sign-bit masks for the 8 sign bits of `signs` (bit j -> value j). */
static inline void sign_masks(uint8_t signs, uint32x4_t *lo, uint32x4_t *hi) {
    static const uint8_t bit[8] = { 1, 2, 4, 8, 16, 32, 64, 128 };
    /* 0xff where the bit is set, sign-extended (as -1) to all-ones 32-bit lanes */
    const int8x8_t set = vreinterpret_s8_u8(vtst_u8(vdup_n_u8(signs), vld1_u8(bit)));
    const int16x8_t w = vmovl_s8(set);
    const uint32x4_t sign = vdupq_n_u32(0x80000000u);
    *lo = vandq_u32(vreinterpretq_u32_s32(vmovl_s16(vget_low_s16(w))), sign);
    *hi = vandq_u32(vreinterpretq_u32_s32(vmovl_s16(vget_high_s16(w))), sign);
}

/* 8 values: scale * magnitude, sign flipped where the sign bit says. */
static inline void store_signed8(float *dst, float scale, uint8x8_t magnitudes, uint8_t signs) {
    float32x4_t lo, hi;
    uint32x4_t slo, shi;
    u8x8_to_f32(magnitudes, &lo, &hi);
    sign_masks(signs, &slo, &shi);
    const float32x4_t s = vdupq_n_f32(scale);
    vst1q_f32(dst, vreinterpretq_f32_u32(veorq_u32(vreinterpretq_u32_f32(vmulq_f32(s, lo)), slo)));
    vst1q_f32(dst + 4, vreinterpretq_f32_u32(veorq_u32(vreinterpretq_u32_f32(vmulq_f32(s, hi)), shi)));
}

/* Two 4-byte IQ3 grid entries as 8 bytes. */
static inline uint8x8_t grid_pair(uint32_t g1, uint32_t g2) { return vcreate_u8((uint64_t)g1 | (uint64_t)g2 << 32); }

/* 32 IQ4 values from 16 bytes of nibbles (value j low, j + 16 high). */
static inline void iq4_store32(float *dst, float scale, const uint8_t *qs) {
    const int8x16_t levels = vld1q_s8(gq_kvalues_iq4nl);
    const uint8x16_t q = vld1q_u8(qs);
    const int8x16_t parts[2] = { vqtbl1q_s8(levels, vandq_u8(q, vdupq_n_u8(0x0f))),
                                 vqtbl1q_s8(levels, vshrq_n_u8(q, 4)) };
    const float32x4_t s = vdupq_n_f32(scale);
    for (int p = 0; p < 2; p++) {
        float32x4_t a, b, c, d;
        s8x8_to_f32(vget_low_s8(parts[p]), &a, &b);
        s8x8_to_f32(vget_high_s8(parts[p]), &c, &d);
        vst1q_f32(dst + 16 * p + 0, vmulq_f32(s, a));
        vst1q_f32(dst + 16 * p + 4, vmulq_f32(s, b));
        vst1q_f32(dst + 16 * p + 8, vmulq_f32(s, c));
        vst1q_f32(dst + 16 * p + 12, vmulq_f32(s, d));
    }
}

static void dequant_iq4_nl_neon(const void *src, float *dst, int64_t n) {
    for (int64_t i = 0; i < n / GQ_QK4_NL; i++) {
        block_iq4_nl b;
        memcpy(&b, (const uint8_t *)src + (size_t)i * sizeof b, sizeof b);
        iq4_store32(dst, gq_fp16_to_fp32(b.d), b.qs);
        dst += GQ_QK4_NL;
    }
}

static void dequant_iq4_xs_neon(const void *src, float *dst, int64_t n) {
    for (int64_t i = 0; i < n / GQ_QK_K; i++) {
        block_iq4_xs b;
        memcpy(&b, (const uint8_t *)src + (size_t)i * sizeof b, sizeof b);
        const float d = gq_fp16_to_fp32(b.d);
        for (int ib = 0; ib < GQ_QK_K / 32; ib++) {
            const int ls = ((b.scales_l[ib / 2] >> 4 * (ib % 2)) & 0xf) | (((b.scales_h >> 2 * ib) & 3) << 4);
            iq4_store32(dst, d * (float)(ls - 32), b.qs + 16 * ib);
            dst += 32;
        }
    }
}

static void dequant_iq3_xxs_neon(const void *src, float *dst, int64_t n) {
    for (int64_t i = 0; i < n / GQ_QK_K; i++) {
        block_iq3_xxs b;
        memcpy(&b, (const uint8_t *)src + (size_t)i * sizeof b, sizeof b);
        const float d = gq_fp16_to_fp32(b.d);
        for (int ib = 0; ib < GQ_QK_K / 32; ib++) {
            uint32_t word;
            memcpy(&word, b.qs + GQ_QK_K / 4 + 4 * ib, 4);
            const float db = d * (0.5f + (float)(word >> 28)) * 0.5f;
            for (int l = 0; l < 4; l++) {
                const uint8_t *idx = b.qs + 8 * ib + 2 * l;
                store_signed8(dst, db, grid_pair(gq_iq3xxs_grid[idx[0]], gq_iq3xxs_grid[idx[1]]),
                              gq_ksigns_iq2xs[(word >> 7 * l) & 127]);
                dst += 8;
            }
        }
    }
}

static void dequant_iq3_s_neon(const void *src, float *dst, int64_t n) {
    for (int64_t i = 0; i < n / GQ_QK_K; i++) {
        block_iq3_s b;
        memcpy(&b, (const uint8_t *)src + (size_t)i * sizeof b, sizeof b);
        const float d = gq_fp16_to_fp32(b.d);
        for (int ib = 0; ib < GQ_QK_K / 32; ib++) {
            const float db = d * (float)(1 + 2 * ((b.scales[ib / 2] >> 4 * (ib % 2)) & 0xf));
            const uint8_t *qs = b.qs + 8 * ib;
            const uint8_t qh = b.qh[ib];
            for (int l = 0; l < 4; l++) {
                const uint32_t g1 = gq_iq3s_grid[qs[2 * l] | ((qh >> (2 * l)) & 1) << 8];
                const uint32_t g2 = gq_iq3s_grid[qs[2 * l + 1] | ((qh >> (2 * l + 1)) & 1) << 8];
                store_signed8(dst, db, grid_pair(g1, g2), b.signs[4 * ib + l]);
                dst += 8;
            }
        }
    }
}

/* 8 IQ1 values: dl * (coordinate + delta). */
static inline void iq1_store8(float *dst, uint64_t entry, float dl, float delta) {
    float32x4_t lo, hi;
    s8x8_to_f32(vcreate_s8(entry), &lo, &hi);
    const float32x4_t s = vdupq_n_f32(dl), dv = vdupq_n_f32(delta);
    vst1q_f32(dst, vmulq_f32(s, vaddq_f32(lo, dv)));
    vst1q_f32(dst + 4, vmulq_f32(s, vaddq_f32(hi, dv)));
}

static void dequant_iq1_s_neon(const void *src, float *dst, int64_t n) {
    for (int64_t i = 0; i < n / GQ_QK_K; i++) {
        block_iq1_s b;
        memcpy(&b, (const uint8_t *)src + (size_t)i * sizeof b, sizeof b);
        const float d = gq_fp16_to_fp32(b.d);
        for (int ib = 0; ib < GQ_QK_K / 32; ib++) {
            const uint16_t qh = b.qh[ib];
            const float dl = d * (float)(2 * ((qh >> 12) & 7) + 1);
            const float delta = qh & 0x8000 ? -0.125f : 0.125f;
            for (int l = 0; l < 4; l++) {
                iq1_store8(dst, gq_iq1s_grid[b.qs[4 * ib + l] | ((qh >> 3 * l) & 7) << 8], dl, delta);
                dst += 8;
            }
        }
    }
}

static void dequant_iq1_m_neon(const void *src, float *dst, int64_t n) {
    for (int64_t i = 0; i < n / GQ_QK_K; i++) {
        block_iq1_m b;
        memcpy(&b, (const uint8_t *)src + (size_t)i * sizeof b, sizeof b);
        uint16_t sc[4];
        for (int w = 0; w < 4; w++) sc[w] = (uint16_t)(b.scales[2 * w] | b.scales[2 * w + 1] << 8);
        const float d = gq_fp16_to_fp32(
            (uint16_t)((sc[0] >> 12) | ((sc[1] >> 8) & 0x00f0) | ((sc[2] >> 4) & 0x0f00) | (sc[3] & 0xf000)));
        for (int ib = 0; ib < GQ_QK_K / 32; ib++) {
            for (int half = 0; half < 2; half++) {
                const float dl = d * (float)(2 * ((sc[ib / 2] >> (6 * (ib % 2) + 3 * half)) & 7) + 1);
                for (int g = 0; g < 2; g++) {
                    const int nib = (b.qh[2 * ib + half] >> 4 * g) & 0xf;
                    iq1_store8(dst, gq_iq1s_grid[b.qs[4 * ib + 2 * half + g] | (nib & 7) << 8], dl,
                               nib & 8 ? -0.125f : 0.125f);
                    dst += 8;
                }
            }
        }
    }
}

void gq_register_iq_other_neon(gq_kernel_table t) {
    t[GQ_TYPE_IQ3_XXS].dequant = dequant_iq3_xxs_neon;
    t[GQ_TYPE_IQ3_S].dequant = dequant_iq3_s_neon;
    t[GQ_TYPE_IQ4_NL].dequant = dequant_iq4_nl_neon;
    t[GQ_TYPE_IQ4_XS].dequant = dequant_iq4_xs_neon;
    t[GQ_TYPE_IQ1_S].dequant = dequant_iq1_s_neon;
    t[GQ_TYPE_IQ1_M].dequant = dequant_iq1_m_neon;
}
