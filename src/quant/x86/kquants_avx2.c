/* k-quants: AVX2 kernels, bit-identical to the scalar reference (kquants.c).
 *
 * Dequantizers: q2_K, q3_K, q4_K, q5_K and q6_K, eight values per
 * instruction; every output is the same one or two IEEE operations on the
 * same operands as in the reference, so the bits are the same.
 *
 * Quantizers: q2_K, q4_K, q5_K and q6_K (plain and with importance weights),
 * q3_K with importance weights.
 * The costly part is the per-sub-block scale search, whose sums ggml adds up
 * one element after another; a vector reduction would change their rounding.
 * So the lanes here are not elements but SUB-BLOCKS: a super-block's 8 (or
 * 2 x 8) sub-blocks are transposed so that lane j holds sub-block j, and
 * every lane runs the reference search on its own sub-block, operation for
 * operation, with branches turned into per-lane selects.  The few steps that
 * are not worth it (scale encoding) are shared with the reference.
 *
 * Built with -mavx2 -mfma -mf16c, run only when the CPU has them.  No FMA
 * instruction is used: ggml's vectors are unfused (and -ffp-contract=off
 * keeps the compiler from fusing mul+add behind our back). */
#include <immintrin.h>
#include <math.h>
#include <string.h>

#include "../fp16.h"
#include "../kernels.h"
#include "../kquants_common.h"

/* ======================================================== small helpers */

/* gq_nearest_int on 8 lanes: the same add, the same bit extraction. */
static inline __m256i v_nearest_int(__m256 v) {
    const __m256i bits = _mm256_castps_si256(_mm256_add_ps(v, _mm256_set1_ps(12582912.f)));
    return _mm256_sub_epi32(_mm256_and_si256(bits, _mm256_set1_epi32(0x007fffff)),
                            _mm256_set1_epi32(0x00400000));
}

static inline __m256i v_clamp_epi32(__m256i v, int lo, int hi) {
    return _mm256_max_epi32(_mm256_min_epi32(v, _mm256_set1_epi32(hi)), _mm256_set1_epi32(lo));
}

static inline __m256 v_abs(__m256 v) { return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), v); }

/* Where mask is set take b, else a (bit-exact select). */
static inline __m256 v_select(__m256 a, __m256 b, __m256 mask) { return _mm256_blendv_ps(a, b, mask); }

static inline void transpose8(__m256 r[8]) {
    const __m256 t0 = _mm256_unpacklo_ps(r[0], r[1]), t1 = _mm256_unpackhi_ps(r[0], r[1]);
    const __m256 t2 = _mm256_unpacklo_ps(r[2], r[3]), t3 = _mm256_unpackhi_ps(r[2], r[3]);
    const __m256 t4 = _mm256_unpacklo_ps(r[4], r[5]), t5 = _mm256_unpackhi_ps(r[4], r[5]);
    const __m256 t6 = _mm256_unpacklo_ps(r[6], r[7]), t7 = _mm256_unpackhi_ps(r[6], r[7]);
    const __m256 s0 = _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(1, 0, 1, 0));
    const __m256 s1 = _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(3, 2, 3, 2));
    const __m256 s2 = _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(1, 0, 1, 0));
    const __m256 s3 = _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(3, 2, 3, 2));
    const __m256 s4 = _mm256_shuffle_ps(t4, t6, _MM_SHUFFLE(1, 0, 1, 0));
    const __m256 s5 = _mm256_shuffle_ps(t4, t6, _MM_SHUFFLE(3, 2, 3, 2));
    const __m256 s6 = _mm256_shuffle_ps(t5, t7, _MM_SHUFFLE(1, 0, 1, 0));
    const __m256 s7 = _mm256_shuffle_ps(t5, t7, _MM_SHUFFLE(3, 2, 3, 2));
    r[0] = _mm256_permute2f128_ps(s0, s4, 0x20);
    r[1] = _mm256_permute2f128_ps(s1, s5, 0x20);
    r[2] = _mm256_permute2f128_ps(s2, s6, 0x20);
    r[3] = _mm256_permute2f128_ps(s3, s7, 0x20);
    r[4] = _mm256_permute2f128_ps(s0, s4, 0x31);
    r[5] = _mm256_permute2f128_ps(s1, s5, 0x31);
    r[6] = _mm256_permute2f128_ps(s2, s6, 0x31);
    r[7] = _mm256_permute2f128_ps(s3, s7, 0x31);
}

/* Eight sub-blocks of n values (n a multiple of 8), sub-block j at
 * base + stride*j, into n vectors: out[i] lane j = base[stride*j + i]. */
static inline void load_lanes(const float *base, int stride, int n, __m256 *out) {
    for (int t = 0; t < n; t += 8) {
        __m256 r[8];
        for (int j = 0; j < 8; j++) r[j] = _mm256_loadu_ps(base + stride * j + t);
        transpose8(r);
        for (int k = 0; k < 8; k++) out[t + k] = r[k];
    }
}

/* 16 int32 levels (0..255) -> 16 bytes, in order. */
static inline void store_levels16(uint8_t *dst, __m256i a, __m256i b) {
    const __m256i w = _mm256_permute4x64_epi64(_mm256_packs_epi32(a, b), 0xD8);
    _mm_storeu_si128((__m128i *)dst,
                     _mm_packus_epi16(_mm256_castsi256_si128(w), _mm256_extracti128_si256(w, 1)));
}

/* ======================================================== dequantizers */

/* 8 bytes (zero- or sign-extended) times a scale, minus an offset. */
static inline __m256 u8_to_ps(__m128i bytes8) { return _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(bytes8)); }
static inline __m256 i8_to_ps(__m128i bytes8) { return _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(bytes8)); }

/* 32 byte values (in v) -> 32 floats d*q - m at y. */
static inline void emit32_affine(float *y, __m256i v, float d, float m) {
    const __m256 vd = _mm256_set1_ps(d), vm = _mm256_set1_ps(m);
    const __m128i lo = _mm256_castsi256_si128(v), hi = _mm256_extracti128_si256(v, 1);
    _mm256_storeu_ps(y + 0, _mm256_sub_ps(_mm256_mul_ps(vd, u8_to_ps(lo)), vm));
    _mm256_storeu_ps(y + 8, _mm256_sub_ps(_mm256_mul_ps(vd, u8_to_ps(_mm_srli_si128(lo, 8))), vm));
    _mm256_storeu_ps(y + 16, _mm256_sub_ps(_mm256_mul_ps(vd, u8_to_ps(hi)), vm));
    _mm256_storeu_ps(y + 24, _mm256_sub_ps(_mm256_mul_ps(vd, u8_to_ps(_mm_srli_si128(hi, 8))), vm));
}

static void dequant_q4_K_avx2(const void *src, float *dst, int64_t n) {
    const uint8_t *p = src;
    const __m256i nib = _mm256_set1_epi8(0x0F);
    for (int64_t i = 0; i < n / GQ_QK_K; i++, p += sizeof(block_q4_K)) {
        const uint8_t *const b = p; /* block at any byte offset: fields via KQ_AT */
        const float d = kq_half_at(KQ_AT(b, block_q4_K, d)), dmin = kq_half_at(KQ_AT(b, block_q4_K, dmin));
        for (int c = 0; c < 4; c++) {
            const __m256i q = _mm256_loadu_si256((const __m256i *)(KQ_AT(b, block_q4_K, qs) + 32 * c));
            uint8_t sc, mn;
            kq_k4_get(2 * c, KQ_AT(b, block_q4_K, scales), &sc, &mn);
            emit32_affine(dst, _mm256_and_si256(q, nib), d * (float)sc, dmin * (float)mn);
            kq_k4_get(2 * c + 1, KQ_AT(b, block_q4_K, scales), &sc, &mn);
            emit32_affine(dst + 32, _mm256_and_si256(_mm256_srli_epi16(q, 4), nib), d * (float)sc,
                          dmin * (float)mn);
            dst += 64;
        }
    }
}

static void dequant_q5_K_avx2(const void *src, float *dst, int64_t n) {
    const uint8_t *p = src;
    const __m256i nib = _mm256_set1_epi8(0x0F), sixteen = _mm256_set1_epi8(16);
    for (int64_t i = 0; i < n / GQ_QK_K; i++, p += sizeof(block_q5_K)) {
        const uint8_t *const b = p; /* block at any byte offset: fields via KQ_AT */
        const float d = kq_half_at(KQ_AT(b, block_q5_K, d)), dmin = kq_half_at(KQ_AT(b, block_q5_K, dmin));
        const __m256i qh = _mm256_loadu_si256((const __m256i *)KQ_AT(b, block_q5_K, qh));
        for (int c = 0; c < 4; c++) {
            const __m256i q = _mm256_loadu_si256((const __m256i *)(KQ_AT(b, block_q5_K, qs) + 32 * c));
            const __m256i lo_bit = _mm256_set1_epi8((char)(1 << (2 * c)));
            const __m256i hi_bit = _mm256_set1_epi8((char)(2 << (2 * c)));
            /* + 16 where the fifth bit is set */
            const __m256i add_lo = _mm256_and_si256(_mm256_cmpeq_epi8(_mm256_and_si256(qh, lo_bit), lo_bit), sixteen);
            const __m256i add_hi = _mm256_and_si256(_mm256_cmpeq_epi8(_mm256_and_si256(qh, hi_bit), hi_bit), sixteen);
            uint8_t sc, mn;
            kq_k4_get(2 * c, KQ_AT(b, block_q5_K, scales), &sc, &mn);
            emit32_affine(dst, _mm256_add_epi8(_mm256_and_si256(q, nib), add_lo), d * (float)sc, dmin * (float)mn);
            kq_k4_get(2 * c + 1, KQ_AT(b, block_q5_K, scales), &sc, &mn);
            emit32_affine(dst + 32, _mm256_add_epi8(_mm256_and_si256(_mm256_srli_epi16(q, 4), nib), add_hi),
                          d * (float)sc, dmin * (float)mn);
            dst += 64;
        }
    }
}

static void dequant_q2_K_avx2(const void *src, float *dst, int64_t n) {
    const uint8_t *p = src;
    const __m256i three = _mm256_set1_epi8(3);
    for (int64_t i = 0; i < n / GQ_QK_K; i++, p += sizeof(block_q2_K)) {
        const uint8_t *const b = p; /* block at any byte offset: fields via KQ_AT */
        const float d = kq_half_at(KQ_AT(b, block_q2_K, d)), dmin = kq_half_at(KQ_AT(b, block_q2_K, dmin));
        for (int h = 0; h < 2; h++) {
            const __m256i q = _mm256_loadu_si256((const __m256i *)(KQ_AT(b, block_q2_K, qs) + 32 * h));
            for (int s = 0; s < 4; s++) {
                /* values 128h + 32s + l: two sub-blocks of 16 */
                const __m256i v = _mm256_and_si256(_mm256_srli_epi16(q, 2 * s), three);
                const __m128i lo = _mm256_castsi256_si128(v), hi = _mm256_extracti128_si256(v, 1);
                const uint8_t sc0 = KQ_AT(b, block_q2_K, scales)[8 * h + 2 * s], sc1 = KQ_AT(b, block_q2_K, scales)[8 * h + 2 * s + 1];
                const __m256 d0 = _mm256_set1_ps(d * (float)(sc0 & 0xF)), m0 = _mm256_set1_ps(dmin * (float)(sc0 >> 4));
                const __m256 d1 = _mm256_set1_ps(d * (float)(sc1 & 0xF)), m1 = _mm256_set1_ps(dmin * (float)(sc1 >> 4));
                _mm256_storeu_ps(dst + 0, _mm256_sub_ps(_mm256_mul_ps(d0, u8_to_ps(lo)), m0));
                _mm256_storeu_ps(dst + 8, _mm256_sub_ps(_mm256_mul_ps(d0, u8_to_ps(_mm_srli_si128(lo, 8))), m0));
                _mm256_storeu_ps(dst + 16, _mm256_sub_ps(_mm256_mul_ps(d1, u8_to_ps(hi)), m1));
                _mm256_storeu_ps(dst + 24, _mm256_sub_ps(_mm256_mul_ps(d1, u8_to_ps(_mm_srli_si128(hi, 8))), m1));
                dst += 32;
            }
        }
    }
}

static void dequant_q3_K_avx2(const void *src, float *dst, int64_t n) {
    const uint8_t *p = src;
    const __m256i three = _mm256_set1_epi8(3), four = _mm256_set1_epi8(4);
    for (int64_t i = 0; i < n / GQ_QK_K; i++, p += sizeof(block_q3_K)) {
        const uint8_t *const b = p; /* block at any byte offset: fields via KQ_AT */
        const float d = kq_half_at(KQ_AT(b, block_q3_K, d));
        const __m256i hm = _mm256_loadu_si256((const __m256i *)KQ_AT(b, block_q3_K, hmask));
        for (int h = 0; h < 2; h++) {
            const __m256i q = _mm256_loadu_si256((const __m256i *)(KQ_AT(b, block_q3_K, qs) + 32 * h));
            for (int s = 0; s < 4; s++) {
                const __m256i bit = _mm256_set1_epi8((char)(1 << (4 * h + s)));
                /* low 2 bits minus 4 where the high bit is clear: -4..3 */
                const __m256i clear = _mm256_andnot_si256(_mm256_cmpeq_epi8(_mm256_and_si256(hm, bit), bit), four);
                const __m256i v = _mm256_sub_epi8(_mm256_and_si256(_mm256_srli_epi16(q, 2 * s), three), clear);
                const __m128i lo = _mm256_castsi256_si128(v), hi = _mm256_extracti128_si256(v, 1);
                const int j = 8 * h + 2 * s;
                const __m256 d0 = _mm256_set1_ps(d * (float)kq_q3_scale_get(j, KQ_AT(b, block_q3_K, scales)));
                const __m256 d1 = _mm256_set1_ps(d * (float)kq_q3_scale_get(j + 1, KQ_AT(b, block_q3_K, scales)));
                _mm256_storeu_ps(dst + 0, _mm256_mul_ps(d0, i8_to_ps(lo)));
                _mm256_storeu_ps(dst + 8, _mm256_mul_ps(d0, i8_to_ps(_mm_srli_si128(lo, 8))));
                _mm256_storeu_ps(dst + 16, _mm256_mul_ps(d1, i8_to_ps(hi)));
                _mm256_storeu_ps(dst + 24, _mm256_mul_ps(d1, i8_to_ps(_mm_srli_si128(hi, 8))));
                dst += 32;
            }
        }
    }
}

static void dequant_q6_K_avx2(const void *src, float *dst, int64_t n) {
    const uint8_t *p = src;
    const __m256i nib = _mm256_set1_epi8(0x0F), three = _mm256_set1_epi8(3), bias = _mm256_set1_epi8(32);
    for (int64_t i = 0; i < n / GQ_QK_K; i++, p += sizeof(block_q6_K)) {
        const uint8_t *const b = p; /* block at any byte offset: fields via KQ_AT */
        const float d = kq_half_at(KQ_AT(b, block_q6_K, d));
        float ds[16];
        for (int j = 0; j < 16; j++) ds[j] = d * (float)(int8_t)KQ_AT(b, block_q6_K, scales)[j];
        for (int h = 0; h < 2; h++) {
            const __m256i ql0 = _mm256_loadu_si256((const __m256i *)(KQ_AT(b, block_q6_K, ql) + 64 * h));
            const __m256i ql1 = _mm256_loadu_si256((const __m256i *)(KQ_AT(b, block_q6_K, ql) + 64 * h + 32));
            const __m256i qh = _mm256_loadu_si256((const __m256i *)(KQ_AT(b, block_q6_K, qh) + 32 * h));
            __m256i v[4];
            v[0] = _mm256_or_si256(_mm256_and_si256(ql0, nib), _mm256_slli_epi16(_mm256_and_si256(qh, three), 4));
            v[1] = _mm256_or_si256(_mm256_and_si256(ql1, nib),
                                   _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 2), three), 4));
            v[2] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql0, 4), nib),
                                   _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 4), three), 4));
            v[3] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql1, 4), nib),
                                   _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 6), three), 4));
            for (int k = 0; k < 4; k++) {
                const __m256i s = _mm256_sub_epi8(v[k], bias);
                const __m128i lo = _mm256_castsi256_si128(s), hi = _mm256_extracti128_si256(s, 1);
                const float *scale = ds + 8 * h + 2 * k; /* values 128h + 32k + l: scales l/16 */
                const __m256 s0 = _mm256_set1_ps(scale[0]), s1 = _mm256_set1_ps(scale[1]);
                _mm256_storeu_ps(dst + 0, _mm256_mul_ps(s0, i8_to_ps(lo)));
                _mm256_storeu_ps(dst + 8, _mm256_mul_ps(s0, i8_to_ps(_mm_srli_si128(lo, 8))));
                _mm256_storeu_ps(dst + 16, _mm256_mul_ps(s1, i8_to_ps(hi)));
                _mm256_storeu_ps(dst + 24, _mm256_mul_ps(s1, i8_to_ps(_mm_srli_si128(hi, 8))));
                dst += 32;
            }
        }
    }
}

/* ======================================================== lane searches */

/* The asymmetric search (kquants.c affine_search) on eight sub-blocks at
 * once.  Besides each lane's scale and -min, it keeps the rounding that
 * produced the winning levels (iscale, and the min in force then), so the
 * levels can be rebuilt later for the rare sub-block that needs them. */
typedef struct {
    float scale[8], neg_min[8];
    float win_iscale[8], win_min[8];
    int flat; /* bit j: sub-block j is constant -> levels 0 */
} affine_lanes_result;

static void affine_lanes(int n, int nmax, const __m256 *xt, const __m256 *wt, float rmin, float rdelta,
                         int nstep, int use_mad, affine_lanes_result *out) {
    const __m256 zero = _mm256_setzero_ps();
    __m256 min = xt[0], max = xt[0];
    __m256 sum_w = wt[0];
    __m256 sum_x = _mm256_mul_ps(sum_w, xt[0]);
    for (int i = 1; i < n; i++) {
        min = _mm256_min_ps(xt[i], min); /* (x < min) ? x : min, as the reference */
        max = _mm256_max_ps(xt[i], max);
        sum_w = _mm256_add_ps(sum_w, wt[i]);
        sum_x = _mm256_add_ps(sum_x, _mm256_mul_ps(wt[i], xt[i]));
    }
    min = v_select(min, zero, _mm256_cmp_ps(min, zero, _CMP_GT_OQ));
    const __m256 flat = _mm256_cmp_ps(max, min, _CMP_EQ_OQ);
    const __m256 min_at_start = min;

    __m256 iscale = _mm256_div_ps(_mm256_set1_ps((float)nmax), _mm256_sub_ps(max, min));
    __m256 scale = _mm256_div_ps(_mm256_set1_ps(1.f), iscale);
    __m256 win_iscale = iscale, win_min = min;
    __m256 best = zero;
    for (int i = 0; i < n; i++) {
        const __m256i l = v_clamp_epi32(v_nearest_int(_mm256_mul_ps(iscale, _mm256_sub_ps(xt[i], min))), 0, nmax);
        __m256 diff = _mm256_sub_ps(_mm256_add_ps(_mm256_mul_ps(scale, _mm256_cvtepi32_ps(l)), min), xt[i]);
        diff = use_mad ? v_abs(diff) : _mm256_mul_ps(diff, diff);
        best = _mm256_add_ps(best, _mm256_mul_ps(wt[i], diff));
    }

    __m256 lf[32];
    for (int is = 0; is <= nstep; is++) {
        iscale = _mm256_div_ps(_mm256_set1_ps(rmin + rdelta * (float)is + (float)nmax), _mm256_sub_ps(max, min));
        __m256 sum_l = zero, sum_l2 = zero, sum_xl = zero;
        for (int i = 0; i < n; i++) {
            const __m256i l = v_clamp_epi32(v_nearest_int(_mm256_mul_ps(iscale, _mm256_sub_ps(xt[i], min))), 0, nmax);
            lf[i] = _mm256_cvtepi32_ps(l);
            const __m256 wl = _mm256_mul_ps(wt[i], lf[i]);
            sum_l = _mm256_add_ps(sum_l, wl);
            sum_l2 = _mm256_add_ps(sum_l2, _mm256_mul_ps(wl, lf[i]));
            sum_xl = _mm256_add_ps(sum_xl, _mm256_mul_ps(wl, xt[i]));
        }
        const __m256 D = _mm256_sub_ps(_mm256_mul_ps(sum_w, sum_l2), _mm256_mul_ps(sum_l, sum_l));
        const __m256 solvable = _mm256_cmp_ps(D, zero, _CMP_GT_OQ);
        if (!_mm256_movemask_ps(solvable)) continue;
        __m256 this_scale = _mm256_div_ps(
            _mm256_sub_ps(_mm256_mul_ps(sum_w, sum_xl), _mm256_mul_ps(sum_x, sum_l)), D);
        __m256 this_min = _mm256_div_ps(
            _mm256_sub_ps(_mm256_mul_ps(sum_l2, sum_x), _mm256_mul_ps(sum_l, sum_xl)), D);
        const __m256 positive = _mm256_cmp_ps(this_min, zero, _CMP_GT_OQ);
        this_min = v_select(this_min, zero, positive);
        this_scale = v_select(this_scale, _mm256_div_ps(sum_xl, sum_l2), positive);
        __m256 error = zero;
        for (int i = 0; i < n; i++) {
            __m256 diff = _mm256_sub_ps(_mm256_add_ps(_mm256_mul_ps(this_scale, lf[i]), this_min), xt[i]);
            diff = use_mad ? v_abs(diff) : _mm256_mul_ps(diff, diff);
            error = _mm256_add_ps(error, _mm256_mul_ps(wt[i], diff));
        }
        const __m256 better = _mm256_and_ps(solvable, _mm256_cmp_ps(error, best, _CMP_LT_OQ));
        best = v_select(best, error, better);
        scale = v_select(scale, this_scale, better);
        win_iscale = v_select(win_iscale, iscale, better);
        win_min = v_select(win_min, min, better);
        min = v_select(min, this_min, better);
    }
    /* constant sub-blocks: scale 0, the min from before any search */
    scale = v_select(scale, zero, flat);
    min = v_select(min, min_at_start, flat);
    _mm256_storeu_ps(out->scale, scale);
    _mm256_storeu_ps(out->neg_min, _mm256_xor_ps(min, _mm256_set1_ps(-0.0f)));
    _mm256_storeu_ps(out->win_iscale, win_iscale);
    _mm256_storeu_ps(out->win_min, win_min);
    out->flat = _mm256_movemask_ps(flat);
}

/* Levels of sub-block j of an affine lane search (x: that sub-block). */
static void affine_levels(const affine_lanes_result *r, int j, const float *x, int n, int nmax, uint8_t *L) {
    if (r->flat >> j & 1) {
        memset(L, 0, (size_t)n);
        return;
    }
    for (int i = 0; i < n; i++)
        L[i] = (uint8_t)gq_clamp_int(gq_nearest_int(r->win_iscale[j] * (x[i] - r->win_min[j])), 0, nmax);
}

/* The symmetric search (kquants.c symmetric_search) on eight sub-blocks of
 * 16.  Here the rounding input is provably small (|iscale*x| <= nmax + 1:
 * iscale is about nmax/max|x|), so the level is rounded in float —
 * (v + 1.5*2^23) - 1.5*2^23 is exactly nearest_int(v) for |v| < 2^22 — and
 * clamped in float, saving the integer round trip. */
typedef struct {
    float scale[8], win_iscale[8];
    int zero; /* bit j: negligible sub-block -> levels 0, scale 0 */
} symmetric_lanes_result;

static void symmetric_lanes(int nmax, const __m256 *xt, const __m256 *wt_or_null, symmetric_lanes_result *out) {
    enum { N = 16, CANDIDATES = 19 };
    const __m256 zero = _mm256_setzero_ps();
    const __m256 magic = _mm256_set1_ps(12582912.f);
    const __m256 lo = _mm256_set1_ps((float)-nmax), hi = _mm256_set1_ps((float)(nmax - 1));
    __m256 amax = zero, max = zero;
    __m256 w[N], wx[N];
    for (int i = 0; i < N; i++) {
        const __m256 ax = v_abs(xt[i]);
        const __m256 gt = _mm256_cmp_ps(ax, amax, _CMP_GT_OQ);
        amax = v_select(amax, ax, gt);
        max = v_select(max, xt[i], gt);
        w[i] = wt_or_null ? wt_or_null[i] : _mm256_mul_ps(xt[i], xt[i]);
        wx[i] = _mm256_mul_ps(w[i], xt[i]);
    }
    const __m256 negligible = _mm256_cmp_ps(amax, _mm256_set1_ps(GQ_ZERO_GROUP), _CMP_LT_OQ);

    __m256 scale = zero, best = zero, win_iscale = zero;
    for (int c = 0; c < CANDIDATES; c++) {
        /* candidate 0: the first guess; then is = -9..-1, 1..9 */
        const int is = c == 0 ? 0 : c <= 9 ? c - 10 : c - 9;
        const float num = c == 0 ? (float)-nmax : -((float)nmax + 0.1f * (float)is);
        const __m256 iscale = _mm256_div_ps(_mm256_set1_ps(num), max);
        __m256 sumlx = zero, suml2 = zero;
        for (int i = 0; i < N; i++) {
            __m256 l = _mm256_sub_ps(_mm256_add_ps(_mm256_mul_ps(iscale, xt[i]), magic), magic);
            l = _mm256_max_ps(_mm256_min_ps(l, hi), lo);
            sumlx = _mm256_add_ps(sumlx, _mm256_mul_ps(wx[i], l));
            suml2 = _mm256_add_ps(suml2, _mm256_mul_ps(_mm256_mul_ps(w[i], l), l));
        }
        if (c == 0) {
            /* scale = suml2 != 0 ? sumlx / suml2 : 0 (NaN counts as nonzero) */
            scale = _mm256_and_ps(_mm256_div_ps(sumlx, suml2), _mm256_cmp_ps(suml2, zero, _CMP_NEQ_UQ));
            best = _mm256_mul_ps(scale, sumlx);
            win_iscale = iscale;
            continue;
        }
        const __m256 better = _mm256_and_ps(
            _mm256_cmp_ps(suml2, zero, _CMP_GT_OQ),
            _mm256_cmp_ps(_mm256_mul_ps(sumlx, sumlx), _mm256_mul_ps(best, suml2), _CMP_GT_OQ));
        const __m256 new_scale = _mm256_div_ps(sumlx, suml2);
        scale = v_select(scale, new_scale, better);
        best = v_select(best, _mm256_mul_ps(new_scale, sumlx), better);
        win_iscale = v_select(win_iscale, iscale, better);
    }
    _mm256_storeu_ps(out->scale, v_select(scale, zero, negligible));
    _mm256_storeu_ps(out->win_iscale, win_iscale);
    out->zero = _mm256_movemask_ps(negligible);
}

static void symmetric_levels(const symmetric_lanes_result *r, int j, const float *x, int nmax, uint8_t *L) {
    if (r->zero >> j & 1) {
        memset(L, 0, 16);
        return;
    }
    for (int i = 0; i < 16; i++)
        L[i] = (uint8_t)(nmax + gq_clamp_int(gq_nearest_int(r->win_iscale[j] * x[i]), -nmax, nmax - 1));
}

/* ======================================================== requantization */

/* n values (multiple of 16) -> levels clamp(nearest((x + dm) / d), 0, nmax). */
static inline void requant_affine_avx2(const float *x, int n, float d, float dm, int nmax, uint8_t *L) {
    const __m256 vd = _mm256_set1_ps(d), vdm = _mm256_set1_ps(dm);
    for (int i = 0; i < n; i += 16) {
        const __m256i a = v_clamp_epi32(
            v_nearest_int(_mm256_div_ps(_mm256_add_ps(_mm256_loadu_ps(x + i), vdm), vd)), 0, nmax);
        const __m256i b = v_clamp_epi32(
            v_nearest_int(_mm256_div_ps(_mm256_add_ps(_mm256_loadu_ps(x + i + 8), vdm), vd)), 0, nmax);
        store_levels16(L + i, a, b);
    }
}

/* 16 values -> levels clamp(nearest(x / d), -nmax, nmax - 1) + nmax. */
static inline void requant_symmetric16_avx2(const float *x, float d, int nmax, uint8_t *L) {
    const __m256 vd = _mm256_set1_ps(d);
    const __m256i off = _mm256_set1_epi32(nmax);
    const __m256i a = v_clamp_epi32(v_nearest_int(_mm256_div_ps(_mm256_loadu_ps(x), vd)), -nmax, nmax - 1);
    const __m256i b = v_clamp_epi32(v_nearest_int(_mm256_div_ps(_mm256_loadu_ps(x + 8), vd)), -nmax, nmax - 1);
    store_levels16(L, _mm256_add_epi32(a, off), _mm256_add_epi32(b, off));
}

/* ======================================================== packers */

static void pack_q4_avx2(const uint8_t L[GQ_QK_K], uint8_t qs[GQ_QK_K / 2]) {
    for (int c = 0; c < 4; c++) {
        const __m256i lo = _mm256_loadu_si256((const __m256i *)(L + 64 * c));
        const __m256i hi = _mm256_loadu_si256((const __m256i *)(L + 64 * c + 32));
        /* levels <= 15: a 16-bit shift by 4 cannot carry across bytes */
        _mm256_storeu_si256((__m256i *)(qs + 32 * c), _mm256_or_si256(lo, _mm256_slli_epi16(hi, 4)));
    }
}

static void pack_q6_avx2(const uint8_t L[GQ_QK_K], uint8_t ql[GQ_QK_K / 2], uint8_t qh[GQ_QK_K / 4]) {
    const __m256i nib = _mm256_set1_epi8(0x0F), three = _mm256_set1_epi8(3);
    for (int h = 0; h < 2; h++) {
        const __m256i a = _mm256_loadu_si256((const __m256i *)(L + 128 * h));
        const __m256i b = _mm256_loadu_si256((const __m256i *)(L + 128 * h + 32));
        const __m256i c = _mm256_loadu_si256((const __m256i *)(L + 128 * h + 64));
        const __m256i d = _mm256_loadu_si256((const __m256i *)(L + 128 * h + 96));
        /* levels <= 63: the nibble/2-bit pieces shift within their bytes */
        _mm256_storeu_si256((__m256i *)(ql + 64 * h),
                            _mm256_or_si256(_mm256_and_si256(a, nib), _mm256_slli_epi16(_mm256_and_si256(c, nib), 4)));
        _mm256_storeu_si256((__m256i *)(ql + 64 * h + 32),
                            _mm256_or_si256(_mm256_and_si256(b, nib), _mm256_slli_epi16(_mm256_and_si256(d, nib), 4)));
        const __m256i ha = _mm256_and_si256(_mm256_srli_epi16(a, 4), three);
        const __m256i hb = _mm256_and_si256(_mm256_srli_epi16(b, 4), three);
        const __m256i hc = _mm256_and_si256(_mm256_srli_epi16(c, 4), three);
        const __m256i hd = _mm256_and_si256(_mm256_srli_epi16(d, 4), three);
        _mm256_storeu_si256((__m256i *)(qh + 32 * h),
                            _mm256_or_si256(_mm256_or_si256(ha, _mm256_slli_epi16(hb, 2)),
                                            _mm256_or_si256(_mm256_slli_epi16(hc, 4), _mm256_slli_epi16(hd, 6))));
    }
}

/* ======================================================== quantizers */

/* q4_K / q5_K: the eight sub-blocks of 32 are the eight lanes. */
static void k4_block_avx2(const float *x, const float *qw, int nmax, uint8_t packed[12], gq_half *hd,
                          gq_half *hdmin, uint8_t L[GQ_QK_K]) {
    __m256 xt[32], wt[32];
    float scales[8], mins[8];
    affine_lanes_result r;
    load_lanes(x, 32, 32, xt);
    if (!qw) {
        __m256 sum_x2 = _mm256_setzero_ps();
        for (int i = 0; i < 32; i++) sum_x2 = _mm256_add_ps(sum_x2, _mm256_mul_ps(xt[i], xt[i]));
        const __m256 av_x = _mm256_sqrt_ps(_mm256_div_ps(sum_x2, _mm256_set1_ps(32.f)));
        for (int i = 0; i < 32; i++) wt[i] = _mm256_add_ps(av_x, v_abs(xt[i]));
        affine_lanes(32, nmax, xt, wt, nmax == 15 ? -1.f : -0.5f, 0.1f, nmax == 15 ? 20 : 15, 0, &r);
        memcpy(scales, r.scale, sizeof scales);
        memcpy(mins, r.neg_min, sizeof mins);
        gq_kq_k4_scales_plain(scales, mins, packed, hd, hdmin);
    } else {
        float sum_x2 = 0, sw[8];
        for (int l = 0; l < GQ_QK_K; l++) sum_x2 += x[l] * x[l];
        const __m256 sigma2 = _mm256_set1_ps(2 * sum_x2 / GQ_QK_K);
        load_lanes(qw, 32, 32, wt);
        __m256 sumw = _mm256_setzero_ps();
        for (int i = 0; i < 32; i++) {
            wt[i] = _mm256_mul_ps(wt[i], _mm256_sqrt_ps(_mm256_add_ps(sigma2, _mm256_mul_ps(xt[i], xt[i]))));
            sumw = _mm256_add_ps(sumw, wt[i]);
        }
        _mm256_storeu_ps(sw, sumw);
        affine_lanes(32, nmax, xt, wt, -0.9f, 0.05f, 36, 0, &r);
        memcpy(scales, r.scale, sizeof scales);
        memcpy(mins, r.neg_min, sizeof mins);
        gq_kq_k4_scales_imat(scales, mins, sw, packed, hd, hdmin, nmax == 31);
    }
    const float d_all = gq_fp16_to_fp32(*hd), m_all = gq_fp16_to_fp32(*hdmin);
    for (int j = 0; j < 8; j++) {
        uint8_t sc, mn;
        kq_k4_get(j, packed, &sc, &mn);
        const float d = d_all * (float)sc;
        if (!d)
            affine_levels(&r, j, x + 32 * j, 32, nmax, L + 32 * j);
        else
            requant_affine_avx2(x + 32 * j, 32, d, m_all * (float)mn, nmax, L + 32 * j);
    }
}

static void quant_q4_K_avx2(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) {
    uint8_t *out = dst;
    const int64_t nb = n_per_row / GQ_QK_K;
    uint8_t L[GQ_QK_K];
    for (int64_t r = 0; r < nrows; r++) {
        for (int64_t i = 0; i < nb; i++, out += sizeof(block_q4_K)) {
            block_q4_K y; /* built aligned, copied out: dst may sit at any offset */
            k4_block_avx2(src + r * n_per_row + i * GQ_QK_K, imatrix ? imatrix + i * GQ_QK_K : NULL, 15,
                          y.scales, &y.d, &y.dmin, L);
            pack_q4_avx2(L, y.qs);
            memcpy(out, &y, sizeof y);
        }
    }
}

static void quant_q5_K_avx2(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) {
    uint8_t *out = dst;
    const int64_t nb = n_per_row / GQ_QK_K;
    uint8_t L[GQ_QK_K];
    for (int64_t r = 0; r < nrows; r++) {
        for (int64_t i = 0; i < nb; i++, out += sizeof(block_q5_K)) {
            block_q5_K y;
            k4_block_avx2(src + r * n_per_row + i * GQ_QK_K, imatrix ? imatrix + i * GQ_QK_K : NULL, 31,
                          y.scales, &y.d, &y.dmin, L);
            gq_kq_pack_q5(L, y.qh, y.qs);
            memcpy(out, &y, sizeof y);
        }
    }
}

/* q2_K: sixteen sub-blocks of 16, as two groups of eight lanes. */
static void q2_K_block_avx2(const float *x, const float *qw, block_q2_K *y) {
    uint8_t L[GQ_QK_K];
    float scales[16], mins[16], sw[16];
    affine_lanes_result r[2];
    float sigma2 = 0;
    if (qw) {
        float sumx2 = 0;
        for (int j = 0; j < GQ_QK_K; j++) sumx2 += x[j] * x[j];
        sigma2 = sumx2 / GQ_QK_K;
    }
    for (int g = 0; g < 2; g++) {
        __m256 xt[16], wt[16];
        load_lanes(x + 128 * g, 16, 16, xt);
        if (!qw) {
            for (int i = 0; i < 16; i++) wt[i] = v_abs(xt[i]);
            affine_lanes(16, 3, xt, wt, -0.5f, 0.1f, 15, 1, &r[g]);
        } else {
            load_lanes(qw + 128 * g, 16, 16, wt);
            const __m256 s2 = _mm256_set1_ps(sigma2);
            __m256 sumw = _mm256_setzero_ps();
            for (int i = 0; i < 16; i++) {
                wt[i] = _mm256_mul_ps(wt[i], _mm256_sqrt_ps(_mm256_add_ps(s2, _mm256_mul_ps(xt[i], xt[i]))));
                sumw = _mm256_add_ps(sumw, wt[i]);
            }
            _mm256_storeu_ps(sw + 8 * g, sumw);
            affine_lanes(16, 3, xt, wt, -0.9f, 0.05f, 36, 0, &r[g]);
        }
        memcpy(scales + 8 * g, r[g].scale, 8 * sizeof(float));
        memcpy(mins + 8 * g, r[g].neg_min, 8 * sizeof(float));
    }
    if (!qw)
        gq_kq_q2_scales_plain(scales, mins, y);
    else
        gq_kq_q2_scales_imat(scales, mins, sw, y);
    const float d_all = gq_fp16_to_fp32(y->d), m_all = gq_fp16_to_fp32(y->dmin);
    for (int j = 0; j < 16; j++) {
        const float d = d_all * (float)(y->scales[j] & 0xF);
        if (!d)
            affine_levels(&r[j / 8], j % 8, x + 16 * j, 16, 3, L + 16 * j);
        else
            requant_affine_avx2(x + 16 * j, 16, d, m_all * (float)(y->scales[j] >> 4), 3, L + 16 * j);
    }
    gq_kq_pack_2bit(L, y->qs);
}

static void quant_q2_K_avx2(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) {
    uint8_t *out = dst;
    const int64_t nb = n_per_row / GQ_QK_K;
    for (int64_t r = 0; r < nrows; r++) {
        for (int64_t i = 0; i < nb; i++, out += sizeof(block_q2_K)) {
            block_q2_K y;
            q2_K_block_avx2(src + r * n_per_row + i * GQ_QK_K, imatrix ? imatrix + i * GQ_QK_K : NULL, &y);
            memcpy(out, &y, sizeof y);
        }
    }
}

/* q6_K: sixteen sub-blocks of 16, as two groups of eight lanes. */
static void q6_K_block_avx2(const float *x, const float *qw, block_q6_K *y) {
    uint8_t L[GQ_QK_K];
    float scales[16];
    symmetric_lanes_result r[2];
    for (int g = 0; g < 2; g++) {
        __m256 xt[16], wt[16];
        load_lanes(x + 128 * g, 16, 16, xt);
        if (qw) load_lanes(qw + 128 * g, 16, 16, wt);
        symmetric_lanes(32, xt, qw ? wt : NULL, &r[g]);
        memcpy(scales + 8 * g, r[g].scale, 8 * sizeof(float));
    }
    if (!gq_kq_q6_scales(scales, y)) return;
    const float d_all = gq_fp16_to_fp32(y->d);
    for (int j = 0; j < 16; j++) {
        const float d = d_all * (float)y->scales[j];
        if (!d)
            symmetric_levels(&r[j / 8], j % 8, x + 16 * j, 32, L + 16 * j);
        else
            requant_symmetric16_avx2(x + 16 * j, d, 32, L + 16 * j);
    }
    pack_q6_avx2(L, y->ql, y->qh);
}

static void quant_q6_K_avx2(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) {
    uint8_t *out = dst;
    const int64_t nb = n_per_row / GQ_QK_K;
    for (int64_t r = 0; r < nrows; r++) {
        for (int64_t i = 0; i < nb; i++, out += sizeof(block_q6_K)) {
            block_q6_K y;
            q6_K_block_avx2(src + r * n_per_row + i * GQ_QK_K, imatrix ? imatrix + i * GQ_QK_K : NULL, &y);
            memcpy(out, &y, sizeof y);
        }
    }
}

/* q3_K: with importance weights, the symmetric search on two groups of
 * eight lanes; without, the reference (its search moves one value at a
 * time, each move depending on the last). */
static void q3_K_block_avx2(const float *x, const float *qw, block_q3_K *y) {
    uint8_t L[GQ_QK_K];
    float scales[16], sw[16];
    symmetric_lanes_result r[2];
    float sumx2 = 0;
    for (int j = 0; j < GQ_QK_K; j++) sumx2 += x[j] * x[j];
    const __m256 sigma2 = _mm256_set1_ps(2 * sumx2 / GQ_QK_K);
    for (int g = 0; g < 2; g++) {
        __m256 xt[16], wt[16];
        load_lanes(x + 128 * g, 16, 16, xt);
        load_lanes(qw + 128 * g, 16, 16, wt);
        __m256 sumw = _mm256_setzero_ps();
        for (int i = 0; i < 16; i++) {
            wt[i] = _mm256_mul_ps(wt[i], _mm256_sqrt_ps(_mm256_add_ps(sigma2, _mm256_mul_ps(xt[i], xt[i]))));
            sumw = _mm256_add_ps(sumw, wt[i]);
        }
        _mm256_storeu_ps(sw + 8 * g, sumw);
        symmetric_lanes(4, xt, wt, &r[g]);
        memcpy(scales + 8 * g, r[g].scale, 8 * sizeof(float));
    }
    gq_kq_q3_scales_imat(scales, sw, y);
    const float d_all = gq_fp16_to_fp32(y->d);
    for (int j = 0; j < 16; j++) {
        const float d = d_all * (float)kq_q3_scale_get(j, y->scales);
        if (!d)
            symmetric_levels(&r[j / 8], j % 8, x + 16 * j, 4, L + 16 * j);
        else
            requant_symmetric16_avx2(x + 16 * j, d, 4, L + 16 * j);
    }
    gq_kq_pack_q3(L, y);
}

static void quant_q3_K_avx2(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) {
    uint8_t *out = dst;
    const int64_t nb = n_per_row / GQ_QK_K;
    for (int64_t r = 0; r < nrows; r++) {
        for (int64_t i = 0; i < nb; i++, out += sizeof(block_q3_K)) {
            block_q3_K y;
            const float *x = src + r * n_per_row + i * GQ_QK_K;
            if (imatrix)
                q3_K_block_avx2(x, imatrix + i * GQ_QK_K, &y);
            else
                gq_kq_q3_K_block(x, NULL, &y);
            memcpy(out, &y, sizeof y);
        }
    }
}

void gq_register_kquants_avx2(gq_kernel_table t) {
    t[GQ_TYPE_Q2_K] = (gq_kernels){ dequant_q2_K_avx2, quant_q2_K_avx2 };
    t[GQ_TYPE_Q3_K] = (gq_kernels){ dequant_q3_K_avx2, quant_q3_K_avx2 };
    t[GQ_TYPE_Q4_K] = (gq_kernels){ dequant_q4_K_avx2, quant_q4_K_avx2 };
    t[GQ_TYPE_Q5_K] = (gq_kernels){ dequant_q5_K_avx2, quant_q5_K_avx2 };
    t[GQ_TYPE_Q6_K] = (gq_kernels){ dequant_q6_K_avx2, quant_q6_K_avx2 };
}
