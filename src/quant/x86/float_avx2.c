/* AVX2 + F16C kernels for f16 and bf16, both directions; built only on
 * x86-64, run only when the CPU has AVX2 and F16C.
 *
 * Each gives the reference's bits (float.c, fp16.h) for every input:
 *   - half -> float: vcvtph2ps is exact, and quiets a signalling NaN as the
 *     reference does;
 *   - float -> half: vcvtps2ph with round-to-nearest-even matches the
 *     reference for every non-NaN value (subnormals and the overflow to
 *     infinity from 65520 up included); NaN lanes are first replaced by the
 *     quiet NaN whose conversion is ggml's 0x7e00 (the instruction would keep
 *     payload bits that ggml drops);
 *   - bf16 is integer arithmetic on the float bits, the reference's formula
 *     lane by lane.
 * Tails shorter than a vector go through the scalar helpers. */
#include <immintrin.h>
#include <stdint.h>
#include <string.h>

#include "../fp16.h"
#include "../kernels.h"

static void dequant_f16_avx2(const void *src, float *dst, int64_t n) {
    const uint8_t *p = src;
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m128i h = _mm_loadu_si128((const __m128i *)(p + 2 * i));
        _mm256_storeu_ps(dst + i, _mm256_cvtph_ps(h));
    }
    for (; i < n; i++) {
        uint16_t h;
        memcpy(&h, p + 2 * i, 2);
        dst[i] = gq_fp16_to_fp32(h);
    }
}

static void quant_f16_avx2(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) {
    (void)imatrix;
    uint8_t *p = dst;
    const int64_t n = nrows * n_per_row;
    const __m256 sign_mask = _mm256_castsi256_ps(_mm256_set1_epi32((int)0x80000000u));
    const __m256 quiet_nan = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fc00000));
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 v = _mm256_loadu_ps(src + i);
        const __m256 is_nan = _mm256_cmp_ps(v, v, _CMP_UNORD_Q);
        v = _mm256_blendv_ps(v, _mm256_or_ps(_mm256_and_ps(v, sign_mask), quiet_nan), is_nan);
        const __m128i h = _mm256_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
        _mm_storeu_si128((__m128i *)(p + 2 * i), h);
    }
    for (; i < n; i++) {
        const uint16_t h = gq_fp32_to_fp16(src[i]);
        memcpy(p + 2 * i, &h, 2);
    }
}

static void dequant_bf16_avx2(const void *src, float *dst, int64_t n) {
    const uint8_t *p = src;
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m128i h = _mm_loadu_si128((const __m128i *)(p + 2 * i));
        const __m256i bits = _mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16);
        _mm256_storeu_ps(dst + i, _mm256_castsi256_ps(bits));
    }
    for (; i < n; i++) {
        uint16_t h;
        memcpy(&h, p + 2 * i, 2);
        dst[i] = gq_bf16_to_fp32(h);
    }
}

/* Eight floats -> eight bf16 bit patterns in the low halves of 32-bit lanes. */
static inline __m256i bf16_round8(__m256i u) {
    const __m256i abs_bits = _mm256_and_si256(u, _mm256_set1_epi32(0x7fffffff));
    const __m256i is_nan = _mm256_cmpgt_epi32(abs_bits, _mm256_set1_epi32(0x7f800000));
    const __m256i high = _mm256_srli_epi32(u, 16);
    /* round to nearest even: add 0x7fff plus the lowest kept bit, then drop 16 bits */
    const __m256i bias = _mm256_add_epi32(_mm256_set1_epi32(0x7fff), _mm256_and_si256(high, _mm256_set1_epi32(1)));
    const __m256i rounded = _mm256_srli_epi32(_mm256_add_epi32(u, bias), 16);
    const __m256i quieted = _mm256_or_si256(high, _mm256_set1_epi32(64)); /* NaN: keep it, force quiet */
    return _mm256_blendv_epi8(rounded, quieted, is_nan);
}

static void quant_bf16_avx2(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) {
    (void)imatrix;
    uint8_t *p = dst;
    const int64_t n = nrows * n_per_row;
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        const __m256i a = bf16_round8(_mm256_castps_si256(_mm256_loadu_ps(src + i)));
        const __m256i b = bf16_round8(_mm256_castps_si256(_mm256_loadu_ps(src + i + 8)));
        /* every lane is 0..0xffff, so the unsigned-saturating pack is a plain narrowing;
         * it interleaves 128-bit halves (a.lo b.lo a.hi b.hi), which the permute undoes */
        const __m256i packed = _mm256_permute4x64_epi64(_mm256_packus_epi32(a, b), 0xd8);
        _mm256_storeu_si256((__m256i *)(p + 2 * i), packed);
    }
    for (; i < n; i++) {
        const uint16_t h = gq_fp32_to_bf16(src[i]);
        memcpy(p + 2 * i, &h, 2);
    }
}

void gq_register_float_avx2(gq_kernel_table t) {
    t[GQ_TYPE_F16] = (gq_kernels){ dequant_f16_avx2, quant_f16_avx2 };
    t[GQ_TYPE_BF16] = (gq_kernels){ dequant_bf16_avx2, quant_bf16_avx2 };
}
