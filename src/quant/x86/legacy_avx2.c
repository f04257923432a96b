/* AVX2 kernels for the legacy 32-element blocks; built only on x86-64, run
 * only when the CPU has AVX2.
 *
 *   dequantize: q4_0 q4_1 q5_0 q5_1 q8_0 q8_1
 *   quantize:   q8_0
 *
 * Same bits as legacy.c, by construction: every code becomes a float exactly
 * (small integers), then one multiply by the block scale (and for the _1
 * types one separate add of the min: no FMA, as the reference rounds twice).
 * The q8_0 quantizer's max, divide and reciprocal are the reference's; its
 * rounding is roundf's halves-away-from-zero (not the instruction's default
 * ties-to-even), and its float-to-int narrowing keeps the low byte of
 * cvttps's result, which is what float_to_int.h defines for the scalar path. */
#include <immintrin.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "blocks.h"
#include "../fp16.h"
#include "../kernels.h"

/* ---------------------------------------------------------------- dequantize */

/* 8 signed 8-bit codes -> 8 floats times d. */
static inline __m256 scale_i8x8(const void *codes, __m256 d) {
    const __m256i q = _mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)codes));
    return _mm256_mul_ps(_mm256_cvtepi32_ps(q), d);
}

static void dequant_q8_0_avx2(const void *src, float *dst, int64_t n) {
    const uint8_t *p = src;
    for (int64_t ib = 0; ib < n / GQ_QK8_0; ib++) {
        const uint8_t *blk = p + (size_t)ib * sizeof(block_q8_0);
        uint16_t dh;
        memcpy(&dh, blk + offsetof(block_q8_0, d), 2);
        const __m256 d = _mm256_set1_ps(gq_fp16_to_fp32(dh));
        const uint8_t *qs = blk + offsetof(block_q8_0, qs);
        float *y = dst + ib * GQ_QK8_0;
        _mm256_storeu_ps(y + 0, scale_i8x8(qs + 0, d));
        _mm256_storeu_ps(y + 8, scale_i8x8(qs + 8, d));
        _mm256_storeu_ps(y + 16, scale_i8x8(qs + 16, d));
        _mm256_storeu_ps(y + 24, scale_i8x8(qs + 24, d));
    }
}

static void dequant_q8_1_avx2(const void *src, float *dst, int64_t n) {
    const uint8_t *p = src;
    for (int64_t ib = 0; ib < n / GQ_QK8_1; ib++) {
        const uint8_t *blk = p + (size_t)ib * sizeof(block_q8_1);
        uint16_t dh;
        memcpy(&dh, blk + offsetof(block_q8_1, d), 2);
        const __m256 d = _mm256_set1_ps(gq_fp16_to_fp32(dh));
        const uint8_t *qs = blk + offsetof(block_q8_1, qs);
        float *y = dst + ib * GQ_QK8_1;
        for (int k = 0; k < 4; k++) _mm256_storeu_ps(y + 8 * k, scale_i8x8(qs + 8 * k, d));
    }
}

/* The 4-bit code of elements 8k .. 8k+7 of a 32-element block, as int32
 * lanes: elements 0..15 are the low nibbles of qs[0..15], 16..31 the high. */
static inline __m256i nibbles8(const uint8_t *qs, int k) {
    const __m256i bytes = _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)(qs + 8 * (k & 1))));
    return k < 2 ? _mm256_and_si256(bytes, _mm256_set1_epi32(0x0f)) : _mm256_srli_epi32(bytes, 4);
}

/* The fifth bit (as 0 or 16) of elements 8k .. 8k+7, from bits 8k .. 8k+7 of qh. */
static inline __m256i q5_high8(uint32_t qh, int k) {
    const __m256i lane_bit = _mm256_setr_epi32(1, 2, 4, 8, 16, 32, 64, 128);
    const __m256i bits = _mm256_and_si256(_mm256_set1_epi32((int)((qh >> (8 * k)) & 0xffu)), lane_bit);
    const __m256i clear = _mm256_cmpeq_epi32(bits, _mm256_setzero_si256());
    return _mm256_andnot_si256(clear, _mm256_set1_epi32(16));
}

static void dequant_q4_0_avx2(const void *src, float *dst, int64_t n) {
    const uint8_t *p = src;
    const __m256i eight = _mm256_set1_epi32(8);
    for (int64_t ib = 0; ib < n / GQ_QK4_0; ib++) {
        const uint8_t *blk = p + (size_t)ib * sizeof(block_q4_0);
        uint16_t dh;
        memcpy(&dh, blk + offsetof(block_q4_0, d), 2);
        const __m256 d = _mm256_set1_ps(gq_fp16_to_fp32(dh));
        const uint8_t *qs = blk + offsetof(block_q4_0, qs);
        float *y = dst + ib * GQ_QK4_0;
        for (int k = 0; k < 4; k++) {
            const __m256i code = _mm256_sub_epi32(nibbles8(qs, k), eight);
            _mm256_storeu_ps(y + 8 * k, _mm256_mul_ps(_mm256_cvtepi32_ps(code), d));
        }
    }
}

static void dequant_q4_1_avx2(const void *src, float *dst, int64_t n) {
    const uint8_t *p = src;
    for (int64_t ib = 0; ib < n / GQ_QK4_1; ib++) {
        const uint8_t *blk = p + (size_t)ib * sizeof(block_q4_1);
        uint16_t dh, mh;
        memcpy(&dh, blk + offsetof(block_q4_1, d), 2);
        memcpy(&mh, blk + offsetof(block_q4_1, m), 2);
        const __m256 d = _mm256_set1_ps(gq_fp16_to_fp32(dh));
        const __m256 m = _mm256_set1_ps(gq_fp16_to_fp32(mh));
        const uint8_t *qs = blk + offsetof(block_q4_1, qs);
        float *y = dst + ib * GQ_QK4_1;
        for (int k = 0; k < 4; k++) {
            const __m256 scaled = _mm256_mul_ps(_mm256_cvtepi32_ps(nibbles8(qs, k)), d);
            _mm256_storeu_ps(y + 8 * k, _mm256_add_ps(scaled, m));
        }
    }
}

static void dequant_q5_0_avx2(const void *src, float *dst, int64_t n) {
    const uint8_t *p = src;
    const __m256i sixteen = _mm256_set1_epi32(16);
    for (int64_t ib = 0; ib < n / GQ_QK5_0; ib++) {
        const uint8_t *blk = p + (size_t)ib * sizeof(block_q5_0);
        uint16_t dh;
        uint32_t qh;
        memcpy(&dh, blk + offsetof(block_q5_0, d), 2);
        memcpy(&qh, blk + offsetof(block_q5_0, qh), 4);
        const __m256 d = _mm256_set1_ps(gq_fp16_to_fp32(dh));
        const uint8_t *qs = blk + offsetof(block_q5_0, qs);
        float *y = dst + ib * GQ_QK5_0;
        for (int k = 0; k < 4; k++) {
            const __m256i code = _mm256_sub_epi32(_mm256_or_si256(nibbles8(qs, k), q5_high8(qh, k)), sixteen);
            _mm256_storeu_ps(y + 8 * k, _mm256_mul_ps(_mm256_cvtepi32_ps(code), d));
        }
    }
}

static void dequant_q5_1_avx2(const void *src, float *dst, int64_t n) {
    const uint8_t *p = src;
    for (int64_t ib = 0; ib < n / GQ_QK5_1; ib++) {
        const uint8_t *blk = p + (size_t)ib * sizeof(block_q5_1);
        uint16_t dh, mh;
        uint32_t qh;
        memcpy(&dh, blk + offsetof(block_q5_1, d), 2);
        memcpy(&mh, blk + offsetof(block_q5_1, m), 2);
        memcpy(&qh, blk + offsetof(block_q5_1, qh), 4);
        const __m256 d = _mm256_set1_ps(gq_fp16_to_fp32(dh));
        const __m256 m = _mm256_set1_ps(gq_fp16_to_fp32(mh));
        const uint8_t *qs = blk + offsetof(block_q5_1, qs);
        float *y = dst + ib * GQ_QK5_1;
        for (int k = 0; k < 4; k++) {
            const __m256i code = _mm256_or_si256(nibbles8(qs, k), q5_high8(qh, k));
            const __m256 scaled = _mm256_mul_ps(_mm256_cvtepi32_ps(code), d);
            _mm256_storeu_ps(y + 8 * k, _mm256_add_ps(scaled, m));
        }
    }
}

/* ---------------------------------------------------------------- quantize q8_0 */

/* roundf lane by lane: halves go away from zero.  |v| - trunc(|v|) is exact,
 * so the comparison with 0.5 decides exactly as roundf does; NaN and
 * infinities pass through unchanged (and become cvttps's indefinite value,
 * as the scalar path's casts do). */
static inline __m256 round_half_away(__m256 v) {
    const __m256 sign_mask = _mm256_castsi256_ps(_mm256_set1_epi32((int)0x80000000u));
    const __m256 a = _mm256_andnot_ps(sign_mask, v);
    const __m256 t = _mm256_round_ps(a, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
    const __m256 up = _mm256_cmp_ps(_mm256_sub_ps(a, t), _mm256_set1_ps(0.5f), _CMP_GE_OQ);
    const __m256 r = _mm256_add_ps(t, _mm256_and_ps(up, _mm256_set1_ps(1.0f)));
    return _mm256_or_ps(r, _mm256_and_ps(v, sign_mask));
}

static void quant_q8_0_avx2(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) {
    (void)imatrix; /* ggml's q8_0 has no weighted path */
    uint8_t *out = dst;
    const int64_t nb = nrows * n_per_row / GQ_QK8_0;
    const __m256 sign_mask = _mm256_castsi256_ps(_mm256_set1_epi32((int)0x80000000u));
    const __m256i low_byte = _mm256_set1_epi32(0xff);
    const __m256i restore_order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
    for (int64_t ib = 0; ib < nb; ib++) {
        const float *x = src + ib * GQ_QK8_0;
        __m256 v[4];
        for (int k = 0; k < 4; k++) v[k] = _mm256_loadu_ps(x + 8 * k);

        /* max |x|: order does not matter for a maximum of finite values */
        __m256 m = _mm256_max_ps(_mm256_max_ps(_mm256_andnot_ps(sign_mask, v[0]), _mm256_andnot_ps(sign_mask, v[1])),
                                 _mm256_max_ps(_mm256_andnot_ps(sign_mask, v[2]), _mm256_andnot_ps(sign_mask, v[3])));
        __m128 m4 = _mm_max_ps(_mm256_castps256_ps128(m), _mm256_extractf128_ps(m, 1));
        m4 = _mm_max_ps(m4, _mm_movehl_ps(m4, m4));
        m4 = _mm_max_ss(m4, _mm_movehdup_ps(m4));
        const float amax = _mm_cvtss_f32(m4);

        const float d = amax / 127;
        const float id = d != 0.0f ? 1.0f / d : 0.0f;
        const uint16_t dh = gq_fp32_to_fp16(d);
        uint8_t *blk = out + (size_t)ib * sizeof(block_q8_0);
        memcpy(blk + offsetof(block_q8_0, d), &dh, 2);

        const __m256 vid = _mm256_set1_ps(id);
        __m256i q[4];
        for (int k = 0; k < 4; k++) {
            const __m256i i32 = _mm256_cvttps_epi32(round_half_away(_mm256_mul_ps(v[k], vid)));
            q[k] = _mm256_and_si256(i32, low_byte); /* the byte an int8 cast keeps */
        }
        /* 0..255 lanes narrow exactly through the saturating packs; the packs work per
         * 128-bit half, so the 32-bit groups come out as 0 4 1 5 2 6 3 7 */
        const __m256i bytes = _mm256_packus_epi16(_mm256_packus_epi32(q[0], q[1]), _mm256_packus_epi32(q[2], q[3]));
        _mm256_storeu_si256((__m256i *)(blk + offsetof(block_q8_0, qs)),
                            _mm256_permutevar8x32_epi32(bytes, restore_order));
    }
}

void gq_register_legacy_avx2(gq_kernel_table t) {
    t[GQ_TYPE_Q4_0].dequant = dequant_q4_0_avx2;
    t[GQ_TYPE_Q4_1].dequant = dequant_q4_1_avx2;
    t[GQ_TYPE_Q5_0].dequant = dequant_q5_0_avx2;
    t[GQ_TYPE_Q5_1].dequant = dequant_q5_1_avx2;
    t[GQ_TYPE_Q8_0] = (gq_kernels){ dequant_q8_0_avx2, quant_q8_0_avx2 };
    t[GQ_TYPE_Q8_1].dequant = dequant_q8_1_avx2;
}
