/* IQ2 family, AVX2 kernels: the three dequantizers, and a trial runner
 * (see iq2.h) that gives the quantizers the scalar reference's exact bytes
 * several times faster.
 *
 * Dequantizing: 8 codebook bytes widen to 8 floats, times the group scale;
 * a set sign bit flips the float's sign bit, which is what ggml's "times
 * -1.f" does to every non-NaN value (a NaN stays a NaN).
 *
 * The trial runner puts 8 scale trials in the 8 lanes: each lane rounds,
 * sums and compares exactly as the scalar code does for its trial, so
 * every result is bit-identical, lane by lane.  The neighbour search (the
 * bulk of the work: a rounded group that misses the codebook is scored
 * against 10 to 60 listed neighbours) puts 8 candidates in the lanes
 * instead.  A candidate's score is a sum, in coordinate order, of 8 terms
 * w_i * (scale * q - x_i)^2 that each depend only on the candidate's level
 * in that coordinate; the runner computes the 3 possible terms of every
 * coordinate once per search and looks them up per candidate with a lane
 * permute, so each candidate costs 8 permutes and 7 adds.  (The scalar
 * sum starts from 0 + the first term, here from the first term: they
 * differ only when that term is -0, and then only in the sign of a zero
 * sum, which no comparison sees.) */
#include <immintrin.h>
#include <float.h>
#include <math.h>
#include <stdint.h>

#include "blocks.h"
#include "../fp16.h"
#include "../iq2.h"
#include "../iq_tables.h"

#if defined(GQ_HAVE_PTHREADS)
#include <pthread.h>
#endif

/* ------------------------------------------------------------ dequantize */

/* All-ones in the sign bit of lane j when bit j of `signs` is set. */
static inline __m256 sign_flips(uint8_t signs) {
    const __m256i bit = _mm256_setr_epi32(1, 2, 4, 8, 16, 32, 64, 128);
    const __m256i set = _mm256_cmpeq_epi32(_mm256_and_si256(_mm256_set1_epi32(signs), bit), bit);
    return _mm256_castsi256_ps(_mm256_slli_epi32(set, 31));
}

/* y[0..7] = db * codebook bytes of `entry`, negated where `signs` says. */
static inline void emit8(float *y, __m256 db, uint64_t entry, uint8_t signs) {
    const __m256 g = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_cvtsi64_si128((long long)entry)));
    _mm256_storeu_ps(y, _mm256_xor_ps(_mm256_mul_ps(db, g), sign_flips(signs)));
}

static void dequant_iq2_xxs(const void *src, float *y, int64_t n) {
    const block_iq2_xxs *x = src;
    for (int64_t i = 0; i < n / GQ_QK_K; i++) {
        const float d = gq_fp16_to_fp32(x[i].d);
        for (int ib = 0; ib < GQ_QK_K / 32; ib++) {
            const uint16_t *q = x[i].qs + 4 * ib;
            const uint32_t indices = (uint32_t)q[0] | (uint32_t)q[1] << 16;
            const uint32_t signs_scale = (uint32_t)q[2] | (uint32_t)q[3] << 16;
            const __m256 db = _mm256_set1_ps(d * (0.5f + (float)(signs_scale >> 28)) * 0.25f);
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
            const __m256 db[2] = { _mm256_set1_ps(d * (0.5f + (float)(x[i].scales[ib] & 0xf)) * 0.25f),
                                   _mm256_set1_ps(d * (0.5f + (float)(x[i].scales[ib] >> 4)) * 0.25f) };
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
            const __m256 db[2] = { _mm256_set1_ps(d * (0.5f + (float)(x[i].scales[ib] & 0xf)) * 0.25f),
                                   _mm256_set1_ps(d * (0.5f + (float)(x[i].scales[ib] >> 4)) * 0.25f) };
            for (int l = 0; l < 4; l++, y += 8) {
                const int index = x[i].qs[4 * ib + l] | ((x[i].qh[ib] << (8 - 2 * l)) & 0x300);
                emit8(y, db[l / 2], gq_iq2s_grid[index], signs[4 * ib + l]);
            }
        }
    }
}

/* ------------------------------------------------------------ permute-ready neighbour lists */

/* For the permute look-up, coordinate i's level sits in bits 4i..4i+2 of a
 * 32-bit word, plus 4 for odd i: a pair of coordinates shares one vector of
 * terms (lanes 0-2: even coordinate's levels 0-2, lanes 4-6: odd one's),
 * and _mm256_permutevar8x32_ps reads only the low 3 bits of each index, so
 * coordinate i's index is simply the word shifted right by 4i.
 *
 * Each lattice's neighbour array gets a parallel array of these words, so a
 * search loads 8 candidates with one plain load instead of a gather. */
static uint32_t words_xxs[GQ_LATTICE_NEIGHBOURS_LEN_IQ2_XXS + GQ_LATTICE_NEIGHBOUR_PAD],
    words_xs[GQ_LATTICE_NEIGHBOURS_LEN_IQ2_XS + GQ_LATTICE_NEIGHBOUR_PAD],
    words_s[GQ_LATTICE_NEIGHBOURS_LEN_IQ2_S + GQ_LATTICE_NEIGHBOUR_PAD];
static uint32_t *const neighbour_words[3] = { words_xxs, words_xs, words_s };
static const int32_t neighbour_words_len[3] = { GQ_LATTICE_NEIGHBOURS_LEN_IQ2_XXS, GQ_LATTICE_NEIGHBOURS_LEN_IQ2_XS,
                                                GQ_LATTICE_NEIGHBOURS_LEN_IQ2_S };

static uint32_t permute_word(uint16_t level_code) {
    uint32_t word = 0;
    for (int i = 0; i < 8; i++) word |= (uint32_t)(((level_code >> (2 * i)) & 3) + 4 * (i & 1)) << (4 * i);
    return word;
}

static void build_words(enum gq_lattice_kind kind) {
    const gq_lattice *lat = gq_lattice_get(kind);
    uint32_t *words = neighbour_words[kind];
    if (lat->neighbours_len != neighbour_words_len[kind]) return; /* cannot happen: the lattice checks its size */
    /* The lists lie back to back: a count, then that many grid indices. */
    for (int32_t at = 0; at < lat->neighbours_len; at += 1 + lat->neighbours[at])
        for (int c = 1; c <= lat->neighbours[at]; c++) words[at + c] = permute_word(lat->level_codes[lat->neighbours[at + c]]);
}
static void build_xxs(void) { build_words(GQ_LATTICE_IQ2_XXS); }
static void build_xs(void) { build_words(GQ_LATTICE_IQ2_XS); }
static void build_s(void) { build_words(GQ_LATTICE_IQ2_S); }
static void (*const builders[3])(void) = { build_xxs, build_xs, build_s };

#if defined(GQ_HAVE_PTHREADS)
static pthread_once_t built_once[3] = { PTHREAD_ONCE_INIT, PTHREAD_ONCE_INIT, PTHREAD_ONCE_INIT };
#else
static int built[3];
#endif

static const uint32_t *neighbour_words_of(enum gq_lattice_kind kind) {
#if defined(GQ_HAVE_PTHREADS)
    pthread_once(&built_once[kind], builders[kind]);
#else
    if (!built[kind]) {
        builders[kind]();
        built[kind] = 1;
    }
#endif
    return neighbour_words[kind];
}

/* ------------------------------------------------------------ neighbour search */

/* A sub-group of 8 magnitudes, laid out for the term tables: pair p holds
 * coordinate 2p in lanes 0-3 and 2p+1 in lanes 4-7. */
typedef struct {
    __m256 x[4];
    __m256 w[4];
} subgroup_pairs;

static inline __m256 pair_of(const float *v, int p) {
    return _mm256_set_m128(_mm_set1_ps(v[2 * p + 1]), _mm_set1_ps(v[2 * p]));
}

/* Horizontal minimum of 8 floats (no NaN among them). */
static inline float hmin_ps(__m256 v) {
    __m128 m = _mm_min_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    m = _mm_min_ps(m, _mm_movehl_ps(m, m));
    m = _mm_min_ss(m, _mm_shuffle_ps(m, m, 1));
    return _mm_cvtss_f32(m);
}

/* gq_iq2_best_neighbour's choice, 8 candidates at a time: the list's grid
 * indices, their permute words, their number; returns the list position. */
static int best_neighbour(const uint32_t *words, int count, const subgroup_pairs *g, float scale) {
    /* Terms of levels 0, 1, 2 (q = 1, 3, 5) in lanes 0-2 and 4-6; lanes 3 and 7 are never indexed. */
    const __m256 q = _mm256_setr_ps(1, 3, 5, 1, 1, 3, 5, 1);
    const __m256 sq = _mm256_mul_ps(_mm256_set1_ps(scale), q);
    __m256 term[4];
    for (int p = 0; p < 4; p++) {
        const __m256 diff = _mm256_sub_ps(sq, g->x[p]);
        term[p] = _mm256_mul_ps(_mm256_mul_ps(g->w[p], diff), diff);
    }
    const __m256 inf = _mm256_set1_ps(INFINITY);
    const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    float score[GQ_LATTICE_LONGEST_LIST + 8];
    __m256 least = inf;
    for (int c = 0; c < count; c += 8) {
        const __m256i e = _mm256_loadu_si256((const __m256i *)(words + c));
        __m256 s = _mm256_permutevar8x32_ps(term[0], e);
        s = _mm256_add_ps(s, _mm256_permutevar8x32_ps(term[0], _mm256_srli_epi32(e, 4)));
        s = _mm256_add_ps(s, _mm256_permutevar8x32_ps(term[1], _mm256_srli_epi32(e, 8)));
        s = _mm256_add_ps(s, _mm256_permutevar8x32_ps(term[1], _mm256_srli_epi32(e, 12)));
        s = _mm256_add_ps(s, _mm256_permutevar8x32_ps(term[2], _mm256_srli_epi32(e, 16)));
        s = _mm256_add_ps(s, _mm256_permutevar8x32_ps(term[2], _mm256_srli_epi32(e, 20)));
        s = _mm256_add_ps(s, _mm256_permutevar8x32_ps(term[3], _mm256_srli_epi32(e, 24)));
        s = _mm256_add_ps(s, _mm256_permutevar8x32_ps(term[3], _mm256_srli_epi32(e, 28)));
        if (count - c < 8) /* lanes past the list: never the least */
            s = _mm256_blendv_ps(inf, s, _mm256_castsi256_ps(_mm256_cmpgt_epi32(_mm256_set1_epi32(count - c), lane)));
        _mm256_storeu_ps(score + c, s);
        least = _mm256_min_ps(s, least); /* min_ps returns its second operand when the first is NaN */
    }
    /* The scalar search takes the first score below FLT_MAX that nothing later beats strictly:
     * the first position holding the least score, if that is below FLT_MAX. */
    const float min = hmin_ps(least);
    if (!(min < FLT_MAX)) return 0;
    const __m256 target = _mm256_set1_ps(min);
    for (int c = 0;; c += 8) {
        const int hit = _mm256_movemask_ps(_mm256_cmp_ps(_mm256_loadu_ps(score + c), target, _CMP_EQ_OQ));
        if (hit) return c + __builtin_ctz((unsigned)hit);
    }
}

/* ------------------------------------------------------------ the trials */

static void run_trials_avx2(gq_iq2_trials *t) {
    const gq_lattice *lat = t->lattice;
    const uint32_t *words = neighbour_words_of(lat->kind);
    const int n_sub = t->group_size / 8;

    subgroup_pairs pairs[GQ_IQ2_MAX_GROUP / 8];
    for (int k = 0; k < n_sub; k++) {
        for (int p = 0; p < 4; p++) {
            pairs[k].x[p] = pair_of(t->xval + 8 * k, p);
            pairs[k].w[p] = pair_of(t->sqrt_weight + 8 * k, p);
        }
    }
    /* w * x, rounded once as the scalar sum's first product is. */
    float wx[GQ_IQ2_MAX_GROUP];
    for (int i = 0; i < t->group_size; i++) wx[i] = t->weight[i] * t->xval[i];

    const __m256 one = _mm256_set1_ps(1.f), half = _mm256_set1_ps(0.5f);
    const __m256 magic = _mm256_set1_ps(12582912.f);
    const __m256i mantissa = _mm256_set1_epi32(0x007fffff), bias = _mm256_set1_epi32(0x00400000);
    const __m256i zero = _mm256_setzero_si256(), top = _mm256_set1_epi32(2), one_i = _mm256_set1_epi32(1);

    for (int b = 0; b < t->n_trials; b += 8) {
        const __m256 id = _mm256_loadu_ps(t->inverse_scale + b);
        float this_scale[8];
        _mm256_storeu_ps(this_scale, _mm256_div_ps(one, id));
        const int live = t->n_trials - b >= 8 ? 0xff : (1 << (t->n_trials - b)) - 1;

        for (int k = 0; k < n_sub; k++) {
            __m256i code = zero;
            for (int i = 0; i < 8; i++) {
                /* gq_iq2_level, lane by lane: clamp(round(0.5 * (id * x - 1)), 0, 2). */
                const __m256 v = _mm256_mul_ps(half, _mm256_sub_ps(_mm256_mul_ps(id, _mm256_set1_ps(t->xval[8 * k + i])), one));
                __m256i l = _mm256_sub_epi32(_mm256_and_si256(_mm256_castps_si256(_mm256_add_ps(v, magic)), mantissa), bias);
                l = _mm256_min_epi32(_mm256_max_epi32(l, zero), top);
                code = _mm256_or_si256(code, _mm256_sll_epi32(l, _mm_cvtsi32_si128(2 * i)));
                const __m128i l16 = _mm_packs_epi32(_mm256_castsi256_si128(l), _mm256_extracti128_si256(l, 1));
                _mm_storel_epi64((__m128i *)(t->levels[8 * k + i] + b), _mm_packs_epi16(l16, l16));
            }
            const __m256i grid_index = _mm256_i32gather_epi32((const int *)lat->map, code, 4);
            int off_grid = _mm256_movemask_ps(_mm256_castsi256_ps(grid_index)) & live;
            for (int lane = 0; lane < 8; lane++) t->on_grid[b + lane][k] = !((off_grid >> lane) & 1);
            if (!off_grid) continue;
            uint32_t lane_code[8];
            _mm256_storeu_si256((__m256i *)lane_code, code);
            while (off_grid) {
                const int lane = __builtin_ctz((unsigned)off_grid);
                off_grid &= off_grid - 1;
                const int32_t at = -lat->map[lane_code[lane]] - 1; /* the list: count, then grid indices */
                const int count = lat->neighbours[at];
                const int best = lat->neighbours[at + 1 + best_neighbour(words + at + 1, count, &pairs[k], this_scale[lane])];
                const uint16_t best_code = lat->level_codes[best];
                for (int i = 0; i < 8; i++) t->levels[8 * k + i][b + lane] = (int8_t)((best_code >> (2 * i)) & 3);
            }
        }

        /* sum(w*x*q) and sum(w*q*q) per lane, in element order as the scalar runner adds them. */
        __m256 sumqx = _mm256_setzero_ps(), sumq2 = _mm256_setzero_ps();
        for (int i = 0; i < t->group_size; i++) {
            const __m256i l = _mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)(t->levels[i] + b)));
            const __m256 q = _mm256_cvtepi32_ps(_mm256_add_epi32(_mm256_slli_epi32(l, 1), one_i));
            sumqx = _mm256_add_ps(sumqx, _mm256_mul_ps(_mm256_set1_ps(wx[i]), q));
            sumq2 = _mm256_add_ps(sumq2, _mm256_mul_ps(_mm256_mul_ps(_mm256_set1_ps(t->weight[i]), q), q));
        }
        _mm256_storeu_ps(t->sumqx + b, sumqx);
        _mm256_storeu_ps(t->sumq2 + b, sumq2);
    }
}

/* ------------------------------------------------------------ registration */

static void quant_iq2_xxs(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) {
    gq_iq2_xxs_quantize(src, dst, nrows, n_per_row, imatrix, run_trials_avx2);
}
static void quant_iq2_xs(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) {
    gq_iq2_xs_quantize(src, dst, nrows, n_per_row, imatrix, run_trials_avx2);
}
static void quant_iq2_s(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) {
    gq_iq2_s_quantize(src, dst, nrows, n_per_row, imatrix, run_trials_avx2);
}

void gq_register_iq2_avx2(gq_kernel_table t) {
    t[GQ_TYPE_IQ2_XXS] = (gq_kernels){ dequant_iq2_xxs, quant_iq2_xxs };
    t[GQ_TYPE_IQ2_XS] = (gq_kernels){ dequant_iq2_xs, quant_iq2_xs };
    t[GQ_TYPE_IQ2_S] = (gq_kernels){ dequant_iq2_s, quant_iq2_s };
}
