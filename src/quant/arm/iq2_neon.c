/* IQ2 family, NEON kernels (aarch64): the three dequantizers.
 *
 * Same bits as iq2.c: the 8 codebook bytes of a group widen to floats
 * exactly, one multiply by the group scale (computed by the same scalar
 * expression), and a set sign bit flips the float's sign bit, which is
 * what the reference's "times -1.f" does to every non-NaN value (a NaN
 * stays a NaN).  The quantizers stay scalar here. */
#include <arm_neon.h>
#include <stdint.h>

#include "blocks.h"
#include "../fp16.h"
#include "../iq_tables.h"
#include "../kernels.h"

/* y[0..7] = db * codebook bytes of `entry`, negated where `signs` says. */
static inline void emit8(float *y, float32x4_t db, uint64_t entry, uint8_t signs) {
    static const uint32_t bit_lo[4] = { 1, 2, 4, 8 }, bit_hi[4] = { 16, 32, 64, 128 };
    const uint16x8_t g16 = vmovl_u8(vcreate_u8(entry));
    const float32x4_t g_lo = vcvtq_f32_u32(vmovl_u16(vget_low_u16(g16)));
    const float32x4_t g_hi = vcvtq_f32_u32(vmovl_u16(vget_high_u16(g16)));
    const uint32x4_t s = vdupq_n_u32(signs), sign_bit = vdupq_n_u32(0x80000000u);
    const uint32x4_t flip_lo = vandq_u32(vtstq_u32(s, vld1q_u32(bit_lo)), sign_bit);
    const uint32x4_t flip_hi = vandq_u32(vtstq_u32(s, vld1q_u32(bit_hi)), sign_bit);
    vst1q_f32(y, vreinterpretq_f32_u32(veorq_u32(vreinterpretq_u32_f32(vmulq_f32(db, g_lo)), flip_lo)));
    vst1q_f32(y + 4, vreinterpretq_f32_u32(veorq_u32(vreinterpretq_u32_f32(vmulq_f32(db, g_hi)), flip_hi)));
}

static void dequant_iq2_xxs(const void *src, float *y, int64_t n) {
    const block_iq2_xxs *x = src;
    for (int64_t i = 0; i < n / GQ_QK_K; i++) {
        const float d = gq_fp16_to_fp32(x[i].d);
        for (int ib = 0; ib < GQ_QK_K / 32; ib++) {
            const uint16_t *q = x[i].qs + 4 * ib;
            const uint32_t indices = (uint32_t)q[0] | (uint32_t)q[1] << 16;
            const uint32_t signs_scale = (uint32_t)q[2] | (uint32_t)q[3] << 16;
            const float32x4_t db = vdupq_n_f32(d * (0.5f + (float)(signs_scale >> 28)) * 0.25f);
            for (int l = 0; l < 4; l++, y += 8)
                emit8(y, db, gq_iq2xxs_grid[(indices >> (8 * l)) & 255],
                      gq_ksigns_iq2xs[(signs_scale >> (7 * l)) & 127]);
        }
    }
}

static void dequant_iq2_xs(const void *src, float *y, int64_t n) {
    const block_iq2_xs *x = src;
    for (int64_t i = 0; i < n / GQ_QK_K; i++) {
        const float d = gq_fp16_to_fp32(x[i].d);
        for (int ib = 0; ib < GQ_QK_K / 32; ib++) {
            const float32x4_t db[2] = { vdupq_n_f32(d * (0.5f + (float)(x[i].scales[ib] & 0xf)) * 0.25f),
                                        vdupq_n_f32(d * (0.5f + (float)(x[i].scales[ib] >> 4)) * 0.25f) };
            for (int l = 0; l < 4; l++, y += 8) {
                const uint16_t q = x[i].qs[4 * ib + l];
                emit8(y, db[l / 2], gq_iq2xs_grid[q & 511], gq_ksigns_iq2xs[q >> 9]);
            }
        }
    }
}

static void dequant_iq2_s(const void *src, float *y, int64_t n) {
    const block_iq2_s *x = src;
    for (int64_t i = 0; i < n / GQ_QK_K; i++) {
        const float d = gq_fp16_to_fp32(x[i].d);
        const uint8_t *signs = x[i].qs + GQ_QK_K / 8;
        for (int ib = 0; ib < GQ_QK_K / 32; ib++) {
            const float32x4_t db[2] = { vdupq_n_f32(d * (0.5f + (float)(x[i].scales[ib] & 0xf)) * 0.25f),
                                        vdupq_n_f32(d * (0.5f + (float)(x[i].scales[ib] >> 4)) * 0.25f) };
            for (int l = 0; l < 4; l++, y += 8) {
                const int index = x[i].qs[4 * ib + l] | ((x[i].qh[ib] << (8 - 2 * l)) & 0x300);
                emit8(y, db[l / 2], gq_iq2s_grid[index], signs[4 * ib + l]);
            }
        }
    }
}

void gq_register_iq2_neon(gq_kernel_table t) {
    t[GQ_TYPE_IQ2_XXS].dequant = dequant_iq2_xxs;
    t[GQ_TYPE_IQ2_XS].dequant = dequant_iq2_xs;
    t[GQ_TYPE_IQ2_S].dequant = dequant_iq2_s;
}
