/* AVX2 kernels of the IQ3 / IQ4 / IQ1 family; built only on x86-64, run
 * only when the CPU has AVX2.
 *
 * Every kernel here gives the bits of its scalar reference (iq3.c, iq4.c,
 * iq1.c).  Dequantizers do the same single multiplication per value.  The
 * quantizer steps vectorise what is independent per value (rounding,
 * nearest level, products, the distances to several neighbours at once)
 * and still add every running sum in element order, one value at a time,
 * because float addition is not associative and ggml adds in order.  No FMA:
 * a fused multiply-add rounds once where ggml rounds twice. */
#include <float.h>
#include <immintrin.h>
#include <math.h>

#include "../fp16.h"
#include "../iq_other.h"
#include "../iq_tables.h"

/* ------------------------------------------------------------- helpers */

/* Lanes whose sign bit must flip for the 8 sign bits of `signs` (bit j -> lane j). */
static inline __m256 sign_flips(uint8_t signs) {
    const __m256i bit = _mm256_setr_epi32(1, 2, 4, 8, 16, 32, 64, 128);
    const __m256i set = _mm256_cmpeq_epi32(_mm256_and_si256(_mm256_set1_epi32(signs), bit), bit);
    return _mm256_castsi256_ps(_mm256_and_si256(set, _mm256_set1_epi32(INT32_MIN)));
}

/* The 4 unsigned bytes of two grid entries as 8 floats. */
static inline __m256 grid_pair(uint32_t g1, uint32_t g2) {
    return _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_set_epi32(0, 0, (int)g2, (int)g1)));
}

/* Sum of 8 stored products in element order (the order ggml adds them). */
static inline float add_in_order(float acc, const float *p, int n) {
    for (int i = 0; i < n; i++) acc += p[i];
    return acc;
}

/* ---------------------------------------------------------- dequantize */

static void dequant_iq4_nl_avx2(const void *src, float *dst, int64_t n) {
    const __m128i levels = _mm_loadu_si128((const __m128i *)gq_kvalues_iq4nl);
    const __m128i low4 = _mm_set1_epi8(0x0f);
    for (int64_t i = 0; i < n / GQ_QK4_NL; i++) {
        block_iq4_nl blk; /* copied: the data may sit at any byte offset */
        memcpy(&blk, (const uint8_t *)src + (size_t)i * sizeof blk, sizeof blk);
        const __m256 d = _mm256_set1_ps(gq_fp16_to_fp32(blk.d));
        const __m128i q = _mm_loadu_si128((const __m128i *)blk.qs);
        const __m128i lo = _mm_shuffle_epi8(levels, _mm_and_si128(q, low4));
        const __m128i hi = _mm_shuffle_epi8(levels, _mm_and_si128(_mm_srli_epi16(q, 4), low4));
        _mm256_storeu_ps(dst + 0, _mm256_mul_ps(d, _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(lo))));
        _mm256_storeu_ps(dst + 8, _mm256_mul_ps(d, _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_srli_si128(lo, 8)))));
        _mm256_storeu_ps(dst + 16, _mm256_mul_ps(d, _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(hi))));
        _mm256_storeu_ps(dst + 24, _mm256_mul_ps(d, _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_srli_si128(hi, 8)))));
        dst += GQ_QK4_NL;
    }
}

static void dequant_iq4_xs_avx2(const void *src, float *dst, int64_t n) {
    const __m128i levels = _mm_loadu_si128((const __m128i *)gq_kvalues_iq4nl);
    const __m128i low4 = _mm_set1_epi8(0x0f);
    for (int64_t i = 0; i < n / GQ_QK_K; i++) {
        block_iq4_xs blk; /* copied: the data may sit at any byte offset */
        memcpy(&blk, (const uint8_t *)src + (size_t)i * sizeof blk, sizeof blk);
        const float d = gq_fp16_to_fp32(blk.d);
        for (int ib = 0; ib < GQ_QK_K / 32; ib++) {
            const int ls = ((blk.scales_l[ib / 2] >> 4 * (ib % 2)) & 0xf) | (((blk.scales_h >> 2 * ib) & 3) << 4);
            const __m256 dl = _mm256_set1_ps(d * (float)(ls - 32));
            const __m128i q = _mm_loadu_si128((const __m128i *)(blk.qs + 16 * ib));
            const __m128i lo = _mm_shuffle_epi8(levels, _mm_and_si128(q, low4));
            const __m128i hi = _mm_shuffle_epi8(levels, _mm_and_si128(_mm_srli_epi16(q, 4), low4));
            _mm256_storeu_ps(dst + 0, _mm256_mul_ps(dl, _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(lo))));
            _mm256_storeu_ps(dst + 8,
                             _mm256_mul_ps(dl, _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_srli_si128(lo, 8)))));
            _mm256_storeu_ps(dst + 16, _mm256_mul_ps(dl, _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(hi))));
            _mm256_storeu_ps(dst + 24,
                             _mm256_mul_ps(dl, _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_srli_si128(hi, 8)))));
            dst += 32;
        }
    }
}

static void dequant_iq3_xxs_avx2(const void *src, float *dst, int64_t n) {
    for (int64_t i = 0; i < n / GQ_QK_K; i++) {
        block_iq3_xxs blk; /* copied: the data may sit at any byte offset */
        memcpy(&blk, (const uint8_t *)src + (size_t)i * sizeof blk, sizeof blk);
        const float d = gq_fp16_to_fp32(blk.d);
        const uint8_t *grid_idx = blk.qs;
        const uint8_t *words = blk.qs + GQ_QK_K / 4;
        for (int ib = 0; ib < GQ_QK_K / 32; ib++) {
            uint32_t word;
            memcpy(&word, words + 4 * ib, 4);
            const __m256 db = _mm256_set1_ps(d * (0.5f + (float)(word >> 28)) * 0.5f);
            for (int l = 0; l < 4; l++) {
                const uint8_t signs = gq_ksigns_iq2xs[(word >> 7 * l) & 127];
                const __m256 v = _mm256_mul_ps(db, grid_pair(gq_iq3xxs_grid[grid_idx[8 * ib + 2 * l]],
                                                             gq_iq3xxs_grid[grid_idx[8 * ib + 2 * l + 1]]));
                _mm256_storeu_ps(dst, _mm256_xor_ps(v, sign_flips(signs)));
                dst += 8;
            }
        }
    }
}

static void dequant_iq3_s_avx2(const void *src, float *dst, int64_t n) {
    for (int64_t i = 0; i < n / GQ_QK_K; i++) {
        block_iq3_s blk; /* copied: the data may sit at any byte offset */
        memcpy(&blk, (const uint8_t *)src + (size_t)i * sizeof blk, sizeof blk);
        const float d = gq_fp16_to_fp32(blk.d);
        for (int ib = 0; ib < GQ_QK_K / 32; ib++) {
            const int nibble = (blk.scales[ib / 2] >> 4 * (ib % 2)) & 0xf;
            const __m256 db = _mm256_set1_ps(d * (float)(1 + 2 * nibble));
            const uint8_t *qs = blk.qs + 8 * ib;
            const uint8_t *signs = blk.signs + 4 * ib;
            const uint8_t qh = blk.qh[ib];
            for (int l = 0; l < 4; l++) {
                const uint32_t g1 = gq_iq3s_grid[qs[2 * l] | ((qh >> (2 * l)) & 1) << 8];
                const uint32_t g2 = gq_iq3s_grid[qs[2 * l + 1] | ((qh >> (2 * l + 1)) & 1) << 8];
                const __m256 v = _mm256_mul_ps(db, grid_pair(g1, g2));
                _mm256_storeu_ps(dst, _mm256_xor_ps(v, sign_flips(signs[l])));
                dst += 8;
            }
        }
    }
}

/* dl * (coordinate + delta) for one IQ1 codebook entry (8 signed bytes). */
static inline void iq1_group(float *dst, uint64_t entry, float dl, float delta) {
    const __m256 c = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_cvtsi64_si128((long long)entry)));
    _mm256_storeu_ps(dst, _mm256_mul_ps(_mm256_set1_ps(dl), _mm256_add_ps(c, _mm256_set1_ps(delta))));
}

static void dequant_iq1_s_avx2(const void *src, float *dst, int64_t n) {
    for (int64_t i = 0; i < n / GQ_QK_K; i++) {
        block_iq1_s blk; /* copied: the data may sit at any byte offset */
        memcpy(&blk, (const uint8_t *)src + (size_t)i * sizeof blk, sizeof blk);
        const float d = gq_fp16_to_fp32(blk.d);
        for (int ib = 0; ib < GQ_QK_K / 32; ib++) {
            const uint16_t qh = blk.qh[ib];
            const float dl = d * (float)(2 * ((qh >> 12) & 7) + 1);
            const float delta = qh & 0x8000 ? -0.125f : 0.125f;
            for (int l = 0; l < 4; l++) {
                iq1_group(dst, gq_iq1s_grid[blk.qs[4 * ib + l] | ((qh >> 3 * l) & 7) << 8], dl, delta);
                dst += 8;
            }
        }
    }
}

static void dequant_iq1_m_avx2(const void *src, float *dst, int64_t n) {
    const block_iq1_m *x = src;
    for (int64_t i = 0; i < n / GQ_QK_K; i++) {
        uint16_t sc[4];
        for (int w = 0; w < 4; w++) sc[w] = (uint16_t)(x[i].scales[2 * w] | x[i].scales[2 * w + 1] << 8);
        const float d = gq_fp16_to_fp32(
            (uint16_t)((sc[0] >> 12) | ((sc[1] >> 8) & 0x00f0) | ((sc[2] >> 4) & 0x0f00) | (sc[3] & 0xf000)));
        for (int ib = 0; ib < GQ_QK_K / 32; ib++) {
            for (int half = 0; half < 2; half++) {
                const float dl = d * (float)(2 * ((sc[ib / 2] >> (6 * (ib % 2) + 3 * half)) & 7) + 1);
                for (int g = 0; g < 2; g++) {
                    const int nib = (x[i].qh[2 * ib + half] >> 4 * g) & 0xf;
                    iq1_group(dst, gq_iq1s_grid[x[i].qs[4 * ib + 2 * half + g] | (nib & 7) << 8], dl,
                              nib & 8 ? -0.125f : 0.125f);
                    dst += 8;
                }
            }
        }
    }
}

/* ------------------------------------------------------ IQ3 search steps */

/* Distances to up to 8 neighbours at once; the first smallest wins, as in
 * the scalar loop (NaN and lanes past the list never win). */
static int iq3_neighbour_avx2(const gq_iq3_lattice *lat, int32_t list_start, const float *xval, const float *weight,
                              float scale, int8_t *L) {
    const uint16_t *list = lat->neighbours + list_start;
    const uint32_t *list_points = lat->neighbour_points + list_start + 1;
    const int count = list[0];
    const __m256 vscale = _mm256_set1_ps(scale);
    const __m256i byte = _mm256_set1_epi32(0xff);
    const __m256 inf = _mm256_set1_ps(INFINITY);
    const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    __m256 xv[4], wv[4];
    for (int i = 0; i < 4; i++) {
        xv[i] = _mm256_set1_ps(xval[i]);
        wv[i] = _mm256_set1_ps(weight[i]);
    }
    float best_d2 = FLT_MAX;
    int best = -1;
    for (int j = 0; j < count; j += 8) {
        const int n = count - j < 8 ? count - j : 8;
        /* lanes past the list read padding or the next list: masked below */
        const __m256i p = _mm256_loadu_si256((const __m256i *)(list_points + j));
        __m256 d2 = _mm256_setzero_ps();
        for (int i = 0; i < 4; i++) {
            const __m256 q = _mm256_cvtepi32_ps(_mm256_and_si256(_mm256_srli_epi32(p, 8 * i), byte));
            const __m256 diff = _mm256_sub_ps(_mm256_mul_ps(vscale, q), xv[i]);
            d2 = _mm256_add_ps(d2, _mm256_mul_ps(_mm256_mul_ps(wv[i], diff), diff));
        }
        const __m256 usable = _mm256_and_ps(_mm256_cmp_ps(d2, d2, _CMP_ORD_Q),
                                            _mm256_castsi256_ps(_mm256_cmpgt_epi32(_mm256_set1_epi32(n), lane)));
        d2 = _mm256_blendv_ps(inf, d2, usable);
        __m256 m = _mm256_min_ps(d2, _mm256_permute2f128_ps(d2, d2, 1));
        m = _mm256_min_ps(m, _mm256_shuffle_ps(m, m, _MM_SHUFFLE(1, 0, 3, 2)));
        m = _mm256_min_ps(m, _mm256_shuffle_ps(m, m, _MM_SHUFFLE(2, 3, 0, 1)));
        const float chunk_min = _mm256_cvtss_f32(m);
        if (chunk_min < best_d2) {
            best_d2 = chunk_min;
            const int hit = _mm256_movemask_ps(_mm256_cmp_ps(d2, m, _CMP_EQ_OQ));
            best = list[1 + j + __builtin_ctz((unsigned)hit)];
        }
    }
    if (best < 0) best = list[1];
    const uint32_t pt = lat->points[best];
    for (int i = 0; i < 4; i++) L[i] = (int8_t)((((pt >> 8 * i) & 0xff) - 1) / 2);
    return best;
}

static void iq3_trial_avx2(const gq_iq3_lattice *lat, gq_iq3_neighbour_fn neighbour, const float *xval,
                           const float *weight, const float *waux, float id, int8_t *L, bool *on_grid, float *sumqx,
                           float *sumq2) {
    const float this_scale = 1 / id;
    const __m256 vid = _mm256_set1_ps(id);
    const __m256 one = _mm256_set1_ps(1.f), half = _mm256_set1_ps(0.5f);
    const __m256 magic = _mm256_set1_ps(12582912.f);
    const __m256i mant = _mm256_set1_epi32(0x007fffff), bias = _mm256_set1_epi32(0x00400000);
    const __m256i zero = _mm256_setzero_si256(), seven = _mm256_set1_epi32(7);
    const __m256i key_shift = _mm256_setr_epi32(0, 3, 6, 9, 0, 3, 6, 9);
    int32_t levels[32];
    int keys[8];
    for (int c = 0; c < 4; c++) {
        /* gq_nearest_int(0.5f * (id * x - 1)), clamped to 0..7 */
        const __m256 t = _mm256_mul_ps(half, _mm256_sub_ps(_mm256_mul_ps(vid, _mm256_loadu_ps(xval + 8 * c)), one));
        __m256i l = _mm256_sub_epi32(_mm256_and_si256(_mm256_castps_si256(_mm256_add_ps(t, magic)), mant), bias);
        l = _mm256_min_epi32(_mm256_max_epi32(l, zero), seven);
        _mm256_storeu_si256((__m256i *)(levels + 8 * c), l);
        /* 3 bits per level, 4 levels per key: one horizontal sum per 128-bit half */
        __m256i k = _mm256_sllv_epi32(l, key_shift);
        k = _mm256_hadd_epi32(k, k);
        k = _mm256_hadd_epi32(k, k);
        keys[2 * c] = _mm256_extract_epi32(k, 0);
        keys[2 * c + 1] = _mm256_extract_epi32(k, 4);
    }
    for (int i = 0; i < 32; i++) L[i] = (int8_t)levels[i];
    for (int k = 0; k < 8; k++) {
        const int32_t entry = lat->key_to_entry[keys[k]];
        on_grid[k] = entry >= 0;
        if (entry < 0)
            neighbour(lat, -entry - 1, xval + 4 * k, waux + 4 * k, this_scale, L + 4 * k);
    }
    float px[32], p2[32];
    for (int c = 0; c < 4; c++) {
        const __m128i l8 = _mm_loadl_epi64((const __m128i *)(L + 8 * c));
        const __m256i l = _mm256_cvtepi8_epi32(l8);
        const __m256 q = _mm256_cvtepi32_ps(_mm256_add_epi32(_mm256_add_epi32(l, l), _mm256_set1_epi32(1)));
        const __m256 w = _mm256_loadu_ps(weight + 8 * c);
        _mm256_storeu_ps(px + 8 * c, _mm256_mul_ps(_mm256_mul_ps(w, _mm256_loadu_ps(xval + 8 * c)), q));
        _mm256_storeu_ps(p2 + 8 * c, _mm256_mul_ps(_mm256_mul_ps(w, q), q));
    }
    *sumqx = add_in_order(0, px, 32);
    *sumq2 = add_in_order(0, p2, 32);
}

const gq_iq3_steps gq_iq3_steps_avx2 = { iq3_neighbour_avx2, iq3_trial_avx2 };

/* ------------------------------------------------------ IQ4 search steps */

/* The 16 IQ4 levels as floats: both halves for lookups, and each one
 * broadcast for the comparisons. */
typedef struct {
    __m256 lo, hi;
    __m256 each[16];
} iq4_levels;

static inline void iq4_levels_load(iq4_levels *t) {
    const __m128i kv = _mm_loadu_si128((const __m128i *)gq_kvalues_iq4nl);
    t->lo = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(kv));
    t->hi = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_srli_si128(kv, 8)));
    for (int k = 0; k < 16; k++) t->each[k] = _mm256_set1_ps((float)gq_kvalues_iq4nl[k]);
}

static inline __m256 iq4_lookup(const iq4_levels *t, __m256i idx) {
    const __m256 over7 = _mm256_castsi256_ps(_mm256_cmpgt_epi32(idx, _mm256_set1_epi32(7)));
    return _mm256_blendv_ps(_mm256_permutevar8x32_ps(t->lo, idx), _mm256_permutevar8x32_ps(t->hi, idx), over7);
}

/* gq_iq4_nearest_level for 8 values: the level index, and its value. */
static inline __m256i iq4_nearest8(const iq4_levels *t, __m256 v, __m256 *value) {
    /* 1 + the number of inner levels lv[1..14] at or below v: for v strictly
     * inside (lv[0], lv[15]) that is where the scalar bisection ends (hi). */
    __m256i upper = _mm256_set1_epi32(1);
    for (int k = 1; k < 15; k++)
        upper = _mm256_sub_epi32(upper, _mm256_castps_si256(_mm256_cmp_ps(t->each[k], v, _CMP_LE_OQ)));
    const __m256i lower = _mm256_sub_epi32(upper, _mm256_set1_epi32(1));
    const __m256 below = _mm256_cmp_ps(_mm256_sub_ps(v, iq4_lookup(t, lower)), _mm256_sub_ps(iq4_lookup(t, upper), v),
                                       _CMP_LT_OQ);
    __m256i idx = _mm256_add_epi32(upper, _mm256_castps_si256(below));
    /* v <= lv[0] -> 0; v >= lv[15] or NaN -> 15 */
    idx = _mm256_andnot_si256(_mm256_castps_si256(_mm256_cmp_ps(v, t->each[0], _CMP_LE_OQ)), idx);
    idx = _mm256_castps_si256(_mm256_blendv_ps(_mm256_castsi256_ps(idx), _mm256_castsi256_ps(_mm256_set1_epi32(15)),
                                               _mm256_cmp_ps(v, t->each[15], _CMP_NLT_UQ)));
    *value = iq4_lookup(t, idx);
    return idx;
}

static void iq4_score_avx2(const float *xb, const float *weight, float id, float *sumqx, float *sumq2) {
    const __m256 vid = _mm256_set1_ps(id);
    iq4_levels t;
    iq4_levels_load(&t);
    float px[32], p2[32];
    for (int c = 0; c < 4; c++) {
        const __m256 x = _mm256_loadu_ps(xb + 8 * c);
        __m256 q;
        (void)iq4_nearest8(&t, _mm256_mul_ps(vid, x), &q);
        const __m256 wq = _mm256_mul_ps(_mm256_loadu_ps(weight + 8 * c), q);
        _mm256_storeu_ps(px + 8 * c, _mm256_mul_ps(wq, x));
        _mm256_storeu_ps(p2 + 8 * c, _mm256_mul_ps(wq, q));
    }
    *sumqx = add_in_order(0, px, 32);
    *sumq2 = add_in_order(0, p2, 32);
}

static void iq4_assign_avx2(const float *x, float id, uint8_t *L, int n) {
    const __m256 vid = _mm256_set1_ps(id);
    iq4_levels t;
    iq4_levels_load(&t);
    /* low byte of each 32-bit lane, gathered into the first 4 bytes of each 128-bit half */
    const __m256i low_bytes = _mm256_setr_epi8(0, 4, 8, 12, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 0, 4, 8,
                                               12, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1);
    for (int j = 0; j < n; j += 8) {
        __m256 q;
        const __m256i idx = _mm256_shuffle_epi8(iq4_nearest8(&t, _mm256_mul_ps(vid, _mm256_loadu_ps(x + j)), &q), low_bytes);
        const uint32_t a = (uint32_t)_mm256_extract_epi32(idx, 0), b = (uint32_t)_mm256_extract_epi32(idx, 4);
        memcpy(L + j, &a, 4);
        memcpy(L + j + 4, &b, 4);
    }
}

const gq_iq4_steps gq_iq4_steps_avx2 = { iq4_score_avx2, iq4_assign_avx2 };

/* ------------------------------------------------ IQ1_M split search */

/* Lanes hold (k = 0..3) for two neighbouring splits (i1, a) and (i1, a+1),
 * which is also how the sums are laid out, so each pair is one store.  The
 * part of the sums over j < i1 (level 0) is the same sequence of additions
 * for every i2, so it is formed once per i1 and every pair starts from it. */
static void iq1m_split_sums_avx2(const float *prod_x, const float *prod_q2, float *sumqx, float *sumq2) {
    const __m256i half_lane = _mm256_setr_epi32(0, 0, 0, 0, 1, 1, 1, 1);
    const __m256i low_half = _mm256_setr_epi32(-1, -1, -1, -1, 0, 0, 0, 0);
    for (int i1 = 0; i1 <= 16; i1++) {
        __m128 pre_x = _mm_setzero_ps(), pre_q2 = _mm_setzero_ps();
        for (int j = 0; j < i1; j++) {
            pre_x = _mm_add_ps(pre_x, _mm_loadu_ps(prod_x + 12 * j));
            pre_q2 = _mm_add_ps(pre_q2, _mm_loadu_ps(prod_q2 + 12 * j));
        }
        const __m256 start_x = _mm256_set_m128(pre_x, pre_x), start_q2 = _mm256_set_m128(pre_q2, pre_q2);
        for (int a = i1; a <= 16; a += 2) {
            const __m256i i2 = _mm256_add_epi32(_mm256_set1_epi32(a), half_lane);
            __m256 acc_x = start_x, acc_q2 = start_q2;
            for (int j = i1; j < 16; j++) {
                /* level 1 where j < i2, else level 2 */
                const __m256 level1 = _mm256_castsi256_ps(_mm256_cmpgt_epi32(i2, _mm256_set1_epi32(j)));
                const float *px = prod_x + 12 * j, *pq = prod_q2 + 12 * j;
                acc_x = _mm256_add_ps(acc_x, _mm256_blendv_ps(_mm256_broadcast_ps((const __m128 *)(px + 8)),
                                                              _mm256_broadcast_ps((const __m128 *)(px + 4)), level1));
                acc_q2 = _mm256_add_ps(acc_q2, _mm256_blendv_ps(_mm256_broadcast_ps((const __m128 *)(pq + 8)),
                                                                _mm256_broadcast_ps((const __m128 *)(pq + 4)), level1));
            }
            float *out_x = sumqx + 4 * GQ_IQ1M_SPLIT(i1, a), *out_q2 = sumq2 + 4 * GQ_IQ1M_SPLIT(i1, a);
            if (a + 1 <= 16) {
                _mm256_storeu_ps(out_x, acc_x);
                _mm256_storeu_ps(out_q2, acc_q2);
            } else { /* (i1, 17) is no split */
                _mm256_maskstore_ps(out_x, low_half, acc_x);
                _mm256_maskstore_ps(out_q2, low_half, acc_q2);
            }
        }
    }
}

const gq_iq1m_split_fn gq_iq1m_split_sums_avx2 = iq1m_split_sums_avx2;

/* ---------------------------------------------------------- quantizers */

static void quant_iq3_xxs_avx2(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) {
    gq_quantize_iq3_xxs_rows(src, dst, nrows, n_per_row, imatrix, &gq_iq3_steps_avx2);
}
static void quant_iq3_s_avx2(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) {
    gq_quantize_iq3_s_rows(src, dst, nrows, n_per_row, imatrix, &gq_iq3_steps_avx2);
}
static void quant_iq4_nl_avx2(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) {
    gq_quantize_iq4_nl_rows(src, dst, nrows, n_per_row, imatrix, &gq_iq4_steps_avx2);
}
static void quant_iq4_xs_avx2(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) {
    gq_quantize_iq4_xs_rows(src, dst, nrows, n_per_row, imatrix, &gq_iq4_steps_avx2);
}

static void quant_iq1_m_avx2(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) {
    gq_quantize_iq1_m_rows(src, dst, nrows, n_per_row, imatrix, iq1m_split_sums_avx2);
}

void gq_register_iq_other_avx2(gq_kernel_table t) {
    t[GQ_TYPE_IQ3_XXS] = (gq_kernels){ dequant_iq3_xxs_avx2, quant_iq3_xxs_avx2 };
    t[GQ_TYPE_IQ3_S] = (gq_kernels){ dequant_iq3_s_avx2, quant_iq3_s_avx2 };
    t[GQ_TYPE_IQ4_NL] = (gq_kernels){ dequant_iq4_nl_avx2, quant_iq4_nl_avx2 };
    t[GQ_TYPE_IQ4_XS] = (gq_kernels){ dequant_iq4_xs_avx2, quant_iq4_xs_avx2 };
    t[GQ_TYPE_IQ1_S].dequant = dequant_iq1_s_avx2;
    t[GQ_TYPE_IQ1_M] = (gq_kernels){ dequant_iq1_m_avx2, quant_iq1_m_avx2 };
}
