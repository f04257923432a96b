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
#include <stdlib.h>
#include <string.h>

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

/* ------------------------------------------------------------ search tables */

/* What the vector search reads, per lattice, built once from it:
 *
 * map3: the lattice's map for the points rounding can give (every level
 *   0..2), indexed by the base-3 number whose digits are the 8 levels:
 *   6561 entries, 26 KB, that stay in L1 where the 43692-entry map misses.
 *   An off-grid entry is -(1 + where its list starts in code_lists).
 * code_lists: the neighbour lists of exactly those points (a count, then
 *   the entries), each entry given by its level code rather than its grid
 *   index: the search needs only levels.  Without the lists of points no
 *   rounding reaches, and at 2 bytes an entry, they take 98 to 367 KB
 *   instead of 0.4 to 1.1 MB, and stay in L2. */
#define IQ2_KINDS 3
#define BASE3_CODES 6561 /* 3^8 */
/* Entries (counts included) of the reachable lists; the build checks them. */
#define REACHABLE_LEN_XXS 119462
#define REACHABLE_LEN_XS 187770
#define REACHABLE_LEN_S 50253

static uint16_t code_lists_xxs[REACHABLE_LEN_XXS + GQ_LATTICE_NEIGHBOUR_PAD],
    code_lists_xs[REACHABLE_LEN_XS + GQ_LATTICE_NEIGHBOUR_PAD], code_lists_s[REACHABLE_LEN_S + GQ_LATTICE_NEIGHBOUR_PAD];
static uint16_t *const code_lists[IQ2_KINDS] = { code_lists_xxs, code_lists_xs, code_lists_s };
static const int32_t code_lists_len[IQ2_KINDS] = { REACHABLE_LEN_XXS, REACHABLE_LEN_XS, REACHABLE_LEN_S };
static int32_t map3[IQ2_KINDS][BASE3_CODES];

static void build_search_tables(enum gq_lattice_kind kind) {
    const gq_lattice *lat = gq_lattice_get(kind);
    uint16_t *lists = code_lists[kind];
    int32_t used = 0;
    for (int c3 = 0; c3 < BASE3_CODES; c3++) {
        int8_t levels[8];
        for (int i = 0, rest = c3; i < 8; i++, rest /= 3) levels[i] = (int8_t)(rest % 3);
        const int32_t entry = lat->map[gq_lattice_code(levels)];
        if (entry >= 0) {
            map3[kind][c3] = entry;
            continue;
        }
        const uint16_t *list = lat->neighbours + (-entry - 1);
        if (used + 1 + list[0] > code_lists_len[kind]) abort(); /* cannot happen: the sizes are the codebooks' */
        map3[kind][c3] = -(used + 1);
        lists[used] = list[0];
        for (int c = 1; c <= list[0]; c++) lists[used + c] = lat->level_codes[list[c]];
        used += 1 + list[0];
    }
    if (used != code_lists_len[kind]) abort();
}
static void build_xxs(void) { build_search_tables(GQ_LATTICE_IQ2_XXS); }
static void build_xs(void) { build_search_tables(GQ_LATTICE_IQ2_XS); }
static void build_s(void) { build_search_tables(GQ_LATTICE_IQ2_S); }
static void (*const builders[IQ2_KINDS])(void) = { build_xxs, build_xs, build_s };

#if defined(GQ_HAVE_PTHREADS)
static pthread_once_t built_once[IQ2_KINDS] = { PTHREAD_ONCE_INIT, PTHREAD_ONCE_INIT, PTHREAD_ONCE_INIT };
#else
static int built[IQ2_KINDS];
#endif

static void ensure_search_tables(enum gq_lattice_kind kind) {
#if defined(GQ_HAVE_PTHREADS)
    pthread_once(&built_once[kind], builders[kind]);
#else
    if (!built[kind]) {
        builders[kind]();
        built[kind] = 1;
    }
#endif
}

/* ------------------------------------------------------------ neighbour search */

/* Round 8 floats to int32 as gq_nearest_int does (the 1.5 * 2^23 trick, with its wrap). */
static inline __m256i round_epi32(__m256 v) {
    const __m256 biased = _mm256_add_ps(v, _mm256_set1_ps(12582912.f));
    return _mm256_sub_epi32(_mm256_and_si256(_mm256_castps_si256(biased), _mm256_set1_epi32(0x007fffff)),
                            _mm256_set1_epi32(0x00400000));
}


/* A sub-group's 8 magnitudes and square-root weights, each broadcast. */
typedef struct {
    __m256 x[8];
    __m256 w[8];
} subgroup;

static inline void load_subgroup(subgroup *g, const float *xval, const float *sqrt_weight) {
    for (int i = 0; i < 8; i++) {
        g->x[i] = _mm256_set1_ps(xval[i]);
        g->w[i] = _mm256_set1_ps(sqrt_weight[i]);
    }
}

/* Horizontal minimum of 8 floats (no NaN among them). */
static inline float hmin_ps(__m256 v) {
    __m128 m = _mm_min_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    m = _mm_min_ps(m, _mm_movehl_ps(m, m));
    m = _mm_min_ss(m, _mm_shuffle_ps(m, m, 1));
    return _mm_cvtss_f32(m);
}

/* The scores of the 8 candidates codes[0..7] (see best_neighbour). */
static inline __m256 score8(const uint16_t *codes, const __m256 term[8]) {
    const __m256i e = _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)codes));
    __m256 s = _mm256_permutevar8x32_ps(term[0], e);
    s = _mm256_add_ps(s, _mm256_permutevar8x32_ps(term[1], _mm256_srli_epi32(e, 2)));
    s = _mm256_add_ps(s, _mm256_permutevar8x32_ps(term[2], _mm256_srli_epi32(e, 4)));
    s = _mm256_add_ps(s, _mm256_permutevar8x32_ps(term[3], _mm256_srli_epi32(e, 6)));
    s = _mm256_add_ps(s, _mm256_permutevar8x32_ps(term[4], _mm256_srli_epi32(e, 8)));
    s = _mm256_add_ps(s, _mm256_permutevar8x32_ps(term[5], _mm256_srli_epi32(e, 10)));
    s = _mm256_add_ps(s, _mm256_permutevar8x32_ps(term[6], _mm256_srli_epi32(e, 12)));
    return _mm256_add_ps(s, _mm256_permutevar8x32_ps(term[7], _mm256_srli_epi32(e, 14)));
}

/* gq_iq2_best_neighbour's choice among `count` candidates given by level
 * code, 8 at a time; returns the winner's position in the list.
 *
 * Coordinate i's term table holds the terms of levels 0, 1, 2 in lanes
 * 0-2, and again in lanes 4-6.  Shifting the 16-bit level code right by 2i
 * puts level i in bits 0-1; bit 2 then holds part of the next level, but
 * with the table repeated it does not matter which half is read, and
 * _mm256_permutevar8x32_ps looks at nothing above bit 2.
 *
 * The scalar search takes the first score below FLT_MAX that nothing later
 * beats strictly: the first position holding the least score, if that is
 * below FLT_MAX (lanes past the list score +inf; min_ps returns its second
 * operand when the first is NaN, so a NaN score never becomes the least). */
static inline __attribute__((always_inline)) int best_neighbour(const uint16_t *codes, int count, const subgroup *g,
                                                               float scale) {
    const __m256 sq = _mm256_mul_ps(_mm256_set1_ps(scale), _mm256_setr_ps(1, 3, 5, 1, 1, 3, 5, 1));
    __m256 term[8];
    for (int i = 0; i < 8; i++) {
        const __m256 diff = _mm256_sub_ps(sq, g->x[i]);
        term[i] = _mm256_mul_ps(_mm256_mul_ps(g->w[i], diff), diff);
    }
    const __m256 inf = _mm256_set1_ps(INFINITY);
    const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    /* Past the list's end the lattice's padding keeps the loads in bounds. */
    if (count <= 16) {
        /* Nearly every iq2_s list and a third of iq2_xxs's: two batches, no data-dependent branch
         * (a loop over a varying length mispredicts its exit). */
        __m256 s0 = score8(codes, term), s1 = score8(codes + 8, term);
        s0 = _mm256_blendv_ps(inf, s0, _mm256_castsi256_ps(_mm256_cmpgt_epi32(_mm256_set1_epi32(count), lane)));
        s1 = _mm256_blendv_ps(inf, s1, _mm256_castsi256_ps(_mm256_cmpgt_epi32(_mm256_set1_epi32(count - 8), lane)));
        const float min = hmin_ps(_mm256_min_ps(s1, _mm256_min_ps(s0, inf)));
        if (!(min < FLT_MAX)) return 0;
        const __m256 target = _mm256_set1_ps(min);
        const int hits = _mm256_movemask_ps(_mm256_cmp_ps(s0, target, _CMP_EQ_OQ)) |
                         _mm256_movemask_ps(_mm256_cmp_ps(s1, target, _CMP_EQ_OQ)) << 8;
        return __builtin_ctz((unsigned)hits);
    }
    float score[GQ_LATTICE_LONGEST_LIST + 8];
    __m256 least = inf;
    for (int c = 0; c < count; c += 8) {
        __m256 s = score8(codes + c, term);
        /* Masked every time: cheaper than a branch on the list's end. */
        s = _mm256_blendv_ps(inf, s, _mm256_castsi256_ps(_mm256_cmpgt_epi32(_mm256_set1_epi32(count - c), lane)));
        _mm256_storeu_ps(score + c, s);
        least = _mm256_min_ps(s, least);
    }
    const float min = hmin_ps(least);
    if (!(min < FLT_MAX)) return 0;
    const __m256 target = _mm256_set1_ps(min);
    for (int c = 0;; c += 8) {
        const int hit = _mm256_movemask_ps(_mm256_cmp_ps(_mm256_loadu_ps(score + c), target, _CMP_EQ_OQ));
        if (hit) return c + __builtin_ctz((unsigned)hit);
    }
}

/* ------------------------------------------------------------ the trials */

/* A vector of 8 terms indexed by level (lanes 0-2, repeated in 4-6), for
 * the same permute look-up as the neighbour scores: v * q with q = 1, 3, 5,
 * and (v * q) * q. */
static inline __m256 times_q(float v) {
    return _mm256_mul_ps(_mm256_set1_ps(v), _mm256_setr_ps(1, 3, 5, 1, 1, 3, 5, 1));
}
static inline __m256 times_q_q(float v) {
    const __m256 q = _mm256_setr_ps(1, 3, 5, 1, 1, 3, 5, 1);
    return _mm256_mul_ps(_mm256_mul_ps(_mm256_set1_ps(v), q), q);
}

/* The levels of 8 values (x[i] holds value i in every lane) at the lanes'
 * inverse scales, as gq_iq2_level gives them: clamp(round(0.5 * (id * x -
 * 1)), 0, 2); returned as a level code (2 bits per value) and as the base-3
 * number map3 is indexed by. */
static inline void round_subgroup(__m256 id, const __m256 x[8], __m256i *code, __m256i *code3) {
    const __m256 one = _mm256_set1_ps(1.f), half = _mm256_set1_ps(0.5f);
    const __m256i zero = _mm256_setzero_si256(), top = _mm256_set1_epi32(2);
    __m256i c = zero, c3 = zero;
    for (int i = 7; i >= 0; i--) {
        const __m256 v = _mm256_mul_ps(half, _mm256_sub_ps(_mm256_mul_ps(id, x[i]), one));
        const __m256i l = _mm256_min_epi32(_mm256_max_epi32(round_epi32(v), zero), top);
        c = _mm256_or_si256(_mm256_slli_epi32(c, 2), l);
        c3 = _mm256_add_epi32(_mm256_add_epi32(c3, _mm256_slli_epi32(c3, 1)), l);
    }
    *code = c;
    *code3 = c3;
}

static void run_trials_avx2(gq_iq2_trials *t) {
    const enum gq_lattice_kind kind = t->lattice->kind;
    ensure_search_tables(kind);
    const uint16_t *lists = code_lists[kind];
    const int32_t *map = map3[kind];
    const int n_sub = t->group_size / 8;

    subgroup groups[GQ_IQ2_MAX_GROUP / 8];
    for (int k = 0; k < n_sub; k++) load_subgroup(&groups[k], t->xval + 8 * k, t->sqrt_weight + 8 * k);
    /* The scalar sums add w*x*q and w*q*q for q = 2l+1; each term depends only on the element and
     * its level, so compute the 3 possible terms once (in the scalar order: (w*x)*q, (w*q)*q) and
     * pick them per lane. */
    __m256 qx_terms[GQ_IQ2_MAX_GROUP], q2_terms[GQ_IQ2_MAX_GROUP];
    for (int i = 0; i < t->group_size; i++) {
        qx_terms[i] = times_q(t->weight[i] * t->xval[i]);
        q2_terms[i] = times_q_q(t->weight[i]);
    }

    const __m256 one = _mm256_set1_ps(1.f);

    /* Two passes over the batches of 8 trials: the first rounds every sub-group in every lane and
     * looks the points up, the second searches and sums; long independent stretches that the CPU
     * can overlap.  (Prefetching the lists in the first pass measured slower: they fit in L2.) */
    enum { BATCHES = GQ_IQ2_TRIAL_SLOTS / 8 };
    float this_scale[GQ_IQ2_TRIAL_SLOTS];
    int32_t entry[BATCHES][GQ_IQ2_MAX_GROUP / 8][8];
    int off_grid[BATCHES][GQ_IQ2_MAX_GROUP / 8];
    for (int k = 0; k < n_sub; k++) t->off_grid[k] = 0;
    for (int b = 0; b < t->n_trials; b += 8) {
        const __m256 id = _mm256_loadu_ps(t->inverse_scale + b);
        _mm256_storeu_ps(this_scale + b, _mm256_div_ps(one, id));
        const int live = t->n_trials - b >= 8 ? 0xff : (1 << (t->n_trials - b)) - 1;
        if (n_sub == 2 && live < 16) {
            /* The last 3 of iq2_xs's and iq2_s's 19 trials: both sub-groups in one vector, sub-group
             * 0 in lanes 0-3 and sub-group 1 in lanes 4-7, instead of two vectors 3/8 used. */
            const __m256 id4 = _mm256_broadcast_ps((const __m128 *)(t->inverse_scale + b));
            __m256 x[8];
            for (int i = 0; i < 8; i++)
                x[i] = _mm256_set_m128(_mm256_castps256_ps128(groups[1].x[i]), _mm256_castps256_ps128(groups[0].x[i]));
            __m256i code, code3;
            round_subgroup(id4, x, &code, &code3);
            const __m128i codes16 = _mm_packus_epi32(_mm256_castsi256_si128(code), _mm256_extracti128_si256(code, 1));
            _mm_storel_epi64((__m128i *)(t->codes[0] + b), codes16);
            _mm_storel_epi64((__m128i *)(t->codes[1] + b), _mm_unpackhi_epi64(codes16, codes16));
            const __m256i found = _mm256_i32gather_epi32((const int *)map, code3, 4);
            int32_t lanes[8];
            _mm256_storeu_si256((__m256i *)lanes, found);
            memcpy(entry[b / 8][0], lanes, 4 * sizeof(int32_t));
            memcpy(entry[b / 8][1], lanes + 4, 4 * sizeof(int32_t));
            const int missed = _mm256_movemask_ps(_mm256_castsi256_ps(found));
            for (int k = 0; k < 2; k++) {
                off_grid[b / 8][k] = (missed >> (4 * k)) & live;
                t->off_grid[k] |= (uint32_t)off_grid[b / 8][k] << b;
            }
            continue;
        }
        for (int k = 0; k < n_sub; k++) {
            __m256i code, code3;
            round_subgroup(id, groups[k].x, &code, &code3);
            _mm_storeu_si128((__m128i *)(t->codes[k] + b),
                             _mm_packus_epi32(_mm256_castsi256_si128(code), _mm256_extracti128_si256(code, 1)));
            /* No branches: whether a rounded point is on the codebook is close to a coin toss.
             * A negative entry (sign bit) is off the codebook. */
            int32_t *e = entry[b / 8][k];
            const __m256i found = _mm256_i32gather_epi32((const int *)map, code3, 4);
            _mm256_storeu_si256((__m256i *)e, found);
            const int missed = _mm256_movemask_ps(_mm256_castsi256_ps(found)) & live;
            off_grid[b / 8][k] = missed;
            t->off_grid[k] |= (uint32_t)missed << b;
        }
    }

    for (int b = 0; b < t->n_trials; b += 8) {
        for (int k = 0; k < n_sub; k++) {
            for (int pending = off_grid[b / 8][k]; pending; pending &= pending - 1) {
                const int lane = __builtin_ctz((unsigned)pending);
                const uint16_t *list = lists + (-entry[b / 8][k][lane] - 1); /* count, then level codes */
                t->codes[k][b + lane] = list[1 + best_neighbour(list + 1, list[0], &groups[k], this_scale[b + lane])];
            }
        }

        /* sum(w*x*q) and sum(w*q*q) per lane, in element order as the scalar runner adds them. */
        __m256 sumqx = _mm256_setzero_ps(), sumq2 = _mm256_setzero_ps();
        for (int k = 0; k < n_sub; k++) {
            const __m256i code = _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)(t->codes[k] + b)));
            for (int i = 0; i < 8; i++) {
                /* Level i in bits 0-1; the permute also reads bit 2, which the repeated table ignores. */
                const __m256i l = _mm256_srlv_epi32(code, _mm256_set1_epi32(2 * i));
                sumqx = _mm256_add_ps(sumqx, _mm256_permutevar8x32_ps(qx_terms[8 * k + i], l));
                sumq2 = _mm256_add_ps(sumq2, _mm256_permutevar8x32_ps(q2_terms[8 * k + i], l));
            }
        }
        _mm256_storeu_ps(t->sumqx + b, sumqx);
        _mm256_storeu_ps(t->sumq2 + b, sumq2);
    }
}

/* ------------------------------------------------------------ the other steps */

/* gq_iq2_settle_scalar with the 8 values in the lanes. */
static int settle_avx2(const gq_lattice *lat, const float *xval, const float *sqrt_weight, float scale,
                       int8_t *levels) {
    ensure_search_tables(lat->kind);
    const __m256 id = _mm256_set1_ps(1 / scale);
    const __m256 v = _mm256_mul_ps(_mm256_set1_ps(0.5f),
                                   _mm256_sub_ps(_mm256_mul_ps(id, _mm256_loadu_ps(xval)), _mm256_set1_ps(1.f)));
    const __m256i l = _mm256_min_epi32(_mm256_max_epi32(round_epi32(v), _mm256_setzero_si256()), _mm256_set1_epi32(2));
    /* The point's base-3 number: sum of level_i * 3^i (integer sums: any order). */
    const __m256i digits = _mm256_mullo_epi32(l, _mm256_setr_epi32(1, 3, 9, 27, 81, 243, 729, 2187));
    __m128i sum = _mm_add_epi32(_mm256_castsi256_si128(digits), _mm256_extracti128_si256(digits, 1));
    sum = _mm_add_epi32(sum, _mm_shuffle_epi32(sum, 0x4e));
    sum = _mm_add_epi32(sum, _mm_shuffle_epi32(sum, 0xb1));
    const int32_t entry = map3[lat->kind][_mm_cvtsi128_si32(sum)];
    if (entry >= 0) {
        const __m128i l16 = _mm_packs_epi32(_mm256_castsi256_si128(l), _mm256_extracti128_si256(l, 1));
        _mm_storel_epi64((__m128i *)levels, _mm_packs_epi16(l16, l16));
        return entry;
    }
    subgroup g;
    load_subgroup(&g, xval, sqrt_weight);
    const uint16_t *list = code_lists[lat->kind] + (-entry - 1);
    const uint16_t best = list[1 + best_neighbour(list + 1, list[0], &g, scale)];
    for (int i = 0; i < 8; i++) levels[i] = (int8_t)((best >> (2 * i)) & 3);
    return lat->map[best];
}

/* gq_iq2_prepare_scalar, 8 values at a time (sqrt_ps rounds exactly as sqrtf). */
static float prepare_avx2(gq_iq2_group *g, const float *xb, const float *qw, float sigma2) {
    const __m256 sigma = _mm256_set1_ps(sigma2), quarter_sigma = _mm256_set1_ps(0.25f * sigma2);
    const __m256 sign_bit = _mm256_set1_ps(-0.f);
    __m256 max = _mm256_setzero_ps();
    for (int k = 0; k < g->size / 8; k++) {
        const __m256 x = _mm256_loadu_ps(xb + 8 * k);
        const __m256 x2 = _mm256_mul_ps(x, x);
        __m256 w;
        if (qw)
            w = _mm256_mul_ps(_mm256_loadu_ps(qw + 8 * k), _mm256_sqrt_ps(_mm256_add_ps(sigma, x2)));
        else if (g->iq2_s_weights)
            w = _mm256_add_ps(quarter_sigma, x2);
        else
            w = _mm256_sqrt_ps(_mm256_add_ps(sigma, x2));
        _mm256_storeu_ps(g->weight + 8 * k, w);
        _mm256_storeu_ps(g->sqrt_weight + 8 * k, _mm256_sqrt_ps(w));
        /* Negative values (not -0, as the scalar "x < 0") lose their sign. */
        const __m256 negative = _mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_LT_OQ);
        __m256 xval = _mm256_xor_ps(x, _mm256_and_ps(negative, sign_bit));
        int s = _mm256_movemask_ps(negative);
        if (g->even_parity && (__builtin_popcount((unsigned)s) & 1)) {
            /* The least important value (least w*x*x, first on ties) keeps its sign. */
            const __m256 importance = _mm256_mul_ps(_mm256_mul_ps(w, x), x);
            /* The scalar scan keeps the first strict minimum, skipping NaNs, unless the first value
             * is NaN (then nothing compares below it and it stays). */
            int imin = 0;
            const float first = _mm256_cvtss_f32(importance);
            if (first == first) {
                const __m256 not_nan = _mm256_cmp_ps(importance, importance, _CMP_ORD_Q);
                const __m256 candidates = _mm256_blendv_ps(_mm256_set1_ps(INFINITY), importance, not_nan);
                const float least = hmin_ps(candidates);
                imin = __builtin_ctz((unsigned)_mm256_movemask_ps(_mm256_cmp_ps(candidates, _mm256_set1_ps(least), _CMP_EQ_OQ)));
            }
            const __m256i at_min = _mm256_cmpeq_epi32(_mm256_set1_epi32(imin), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
            xval = _mm256_xor_ps(xval, _mm256_and_ps(_mm256_castsi256_ps(at_min), sign_bit));
            s ^= 1 << imin;
        }
        _mm256_storeu_ps(g->xval + 8 * k, xval);
        g->signs[k] = (uint8_t)(g->even_parity ? s & 127 : s);
        max = _mm256_max_ps(max, xval);
    }
    /* Only the sign of a zero maximum can differ from the scalar loop's (see gq_iq2_prepare_fn). */
    __m128 m = _mm_max_ps(_mm256_castps256_ps128(max), _mm256_extractf128_ps(max, 1));
    m = _mm_max_ps(m, _mm_movehl_ps(m, m));
    m = _mm_max_ss(m, _mm_shuffle_ps(m, m, 1));
    return _mm_cvtss_f32(m); /* at least 0: each sub-group has at most one negative magnitude */
}


/* Sum of n floats in index order, as the scalar loops accumulate. */
static inline float sum_in_order(const float *terms, int n) {
    float sum = 0;
    for (int i = 0; i < n; i++) sum += terms[i];
    return sum;
}

/* ggml's make_qp_quants(32, 4, ...) (see gq_iq2_first_guess_scalar): the
 * same arithmetic per value, with the values 8 to a vector wherever the
 * scalar code treats them independently, and every running sum still
 * added in element order. */
static float first_guess_avx2(const float *x, const float *w, uint8_t *L) {
    enum { n = 32, nmax = 4 };
    const __m256i top = _mm256_set1_epi32(nmax), byte = _mm256_set1_epi32(0xff);
    __m256 vmax = _mm256_setzero_ps();
    for (int c = 0; c < n; c += 8) vmax = _mm256_max_ps(vmax, _mm256_loadu_ps(x + c));
    __m128 m = _mm_max_ps(_mm256_castps256_ps128(vmax), _mm256_extractf128_ps(vmax, 1));
    m = _mm_max_ps(m, _mm_movehl_ps(m, m));
    const float max = _mm_cvtss_f32(_mm_max_ss(m, _mm_shuffle_ps(m, m, 1)));
    if (max < 1e-15f) { /* all zero (the sign of a zero max does not matter here) */
        memset(L, 0, n);
        return 0.f;
    }
    float iscale = (float)nmax / max;

    /* The plain rounding and its error; L keeps each level modulo 256, as a uint8_t does. */
    float terms[n], terms2[n];
    {
        const __m256 id = _mm256_set1_ps(iscale), scale = _mm256_set1_ps(1 / iscale);
        for (int c = 0; c < n; c += 8) {
            const __m256 xv = _mm256_loadu_ps(x + c);
            const __m256i l = _mm256_and_si256(round_epi32(_mm256_mul_ps(id, xv)), byte);
            const __m256 diff = _mm256_sub_ps(xv, _mm256_mul_ps(scale, _mm256_cvtepi32_ps(l)));
            _mm256_storeu_ps(terms + c, _mm256_mul_ps(_mm256_mul_ps(_mm256_loadu_ps(w + c), diff), diff));
        }
    }
    float best_mse = sum_in_order(terms, n);

    /* The 8 neighbouring scales, one per lane; the first strictly better wins, as in the scalar loop. */
    {
        const __m256 is = _mm256_setr_ps(-4, -3, -2, -1, 1, 2, 3, 4);
        const __m256 id = _mm256_div_ps(_mm256_add_ps(_mm256_mul_ps(_mm256_set1_ps(0.1f), is), _mm256_set1_ps((float)nmax)),
                                        _mm256_set1_ps(max));
        const __m256 scale = _mm256_div_ps(_mm256_set1_ps(1.f), id);
        __m256 mse = _mm256_setzero_ps();
        for (int i = 0; i < n; i++) {
            const __m256 xi = _mm256_set1_ps(x[i]);
            const __m256i l = _mm256_min_epi32(round_epi32(_mm256_mul_ps(id, xi)), top);
            const __m256 diff = _mm256_sub_ps(xi, _mm256_mul_ps(scale, _mm256_cvtepi32_ps(l)));
            mse = _mm256_add_ps(mse, _mm256_mul_ps(_mm256_mul_ps(_mm256_set1_ps(w[i]), diff), diff));
        }
        float lane_mse[8], lane_id[8];
        _mm256_storeu_ps(lane_mse, mse);
        _mm256_storeu_ps(lane_id, id);
        for (int j = 0; j < 8; j++) {
            if (lane_mse[j] < best_mse) {
                best_mse = lane_mse[j];
                iscale = lane_id[j];
            }
        }
    }

    /* Levels at the chosen scale and the sums sum(w*x*l), sum(w*l*l). */
    float wx[n];
    {
        const __m256 id = _mm256_set1_ps(iscale);
        for (int c = 0; c < n; c += 8) {
            const __m256 xv = _mm256_loadu_ps(x + c), wv = _mm256_loadu_ps(w + c);
            const __m256i l = _mm256_min_epi32(round_epi32(_mm256_mul_ps(id, xv)), top);
            const __m256 lf = _mm256_cvtepi32_ps(l);
            const __m256 wxv = _mm256_mul_ps(wv, xv);
            _mm256_storeu_ps(wx + c, wxv);
            _mm256_storeu_ps(terms + c, _mm256_mul_ps(wxv, lf));
            _mm256_storeu_ps(terms2 + c, _mm256_mul_ps(_mm256_mul_ps(wv, lf), lf));
            const __m256i lb = _mm256_and_si256(l, byte);
            const __m128i l16 = _mm_packus_epi32(_mm256_castsi256_si128(lb), _mm256_extracti128_si256(lb, 1));
            _mm_storel_epi64((__m128i *)(L + c), _mm_packus_epi16(l16, l16));
        }
    }
    float sumlx = sum_in_order(terms, n), suml2 = sum_in_order(terms2, n);

    /* Coordinate descent: value by value, move a level where that improves sumlx^2/suml2.  Each
     * value's proposal depends on the sums only, so 8 are computed at once assuming no earlier one
     * in the batch is taken; the first taken ends the batch and the next starts after it. */
    const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    /* A batch may start anywhere, so it reads up to 7 values past the end: pad with zeros (masked). */
    float xp[n + 8] = { 0 }, wp[n + 8] = { 0 }, wxp[n + 8] = { 0 };
    uint8_t Lp[n + 8] = { 0 };
    memcpy(xp, x, sizeof(float) * n);
    memcpy(wp, w, sizeof(float) * n);
    memcpy(wxp, wx, sizeof(float) * n);
    memcpy(Lp, L, n);
    for (int itry = 0; itry < 5; itry++) {
        int n_changed = 0;
        for (int c = 0; c < n;) {
            const __m256 xv = _mm256_loadu_ps(xp + c), wv = _mm256_loadu_ps(wp + c), wxv = _mm256_loadu_ps(wxp + c);
            const __m256i li = _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)(Lp + c)));
            const __m256 lf = _mm256_cvtepi32_ps(li);
            const __m256 sumlx_v = _mm256_set1_ps(sumlx), suml2_v = _mm256_set1_ps(suml2);
            const __m256 slx = _mm256_sub_ps(sumlx_v, _mm256_mul_ps(wxv, lf));
            const __m256 sl2 = _mm256_sub_ps(suml2_v, _mm256_mul_ps(_mm256_mul_ps(wv, lf), lf));
            const __m256 positive = _mm256_and_ps(_mm256_cmp_ps(slx, _mm256_setzero_ps(), _CMP_GT_OQ),
                                                  _mm256_cmp_ps(sl2, _mm256_setzero_ps(), _CMP_GT_OQ));
            const __m256i new_l = _mm256_min_epi32(round_epi32(_mm256_div_ps(_mm256_mul_ps(xv, sl2), slx)), top);
            const __m256 nf = _mm256_cvtepi32_ps(new_l);
            const __m256 slx_new = _mm256_add_ps(slx, _mm256_mul_ps(wxv, nf));
            const __m256 sl2_new = _mm256_add_ps(sl2, _mm256_mul_ps(_mm256_mul_ps(wv, nf), nf));
            const __m256 better = _mm256_cmp_ps(_mm256_mul_ps(_mm256_mul_ps(slx_new, slx_new), suml2_v),
                                                _mm256_mul_ps(_mm256_mul_ps(sumlx_v, sumlx_v), sl2_new), _CMP_GT_OQ);
            const __m256i changed = _mm256_andnot_si256(_mm256_cmpeq_epi32(new_l, li), _mm256_cmpgt_epi32(_mm256_set1_epi32(n - c), lane));
            const int taken = _mm256_movemask_ps(_mm256_and_ps(_mm256_and_ps(positive, better), _mm256_castsi256_ps(changed)));
            if (!taken) {
                c += 8;
                continue;
            }
            const int j = __builtin_ctz((unsigned)taken);
            int32_t lanes_l[8];
            float lanes_slx[8], lanes_sl2[8];
            _mm256_storeu_si256((__m256i *)lanes_l, new_l);
            _mm256_storeu_ps(lanes_slx, slx_new);
            _mm256_storeu_ps(lanes_sl2, sl2_new);
            Lp[c + j] = (uint8_t)lanes_l[j];
            sumlx = lanes_slx[j];
            suml2 = lanes_sl2[j];
            n_changed++;
            c += j + 1;
        }
        if (!n_changed) break;
    }
    memcpy(L, Lp, n);
    return suml2 > 0.0f ? sumlx / suml2 : 0.0f;
}
/* ------------------------------------------------------------ registration */

static const gq_iq2_kernels avx2_steps = { prepare_avx2, first_guess_avx2, run_trials_avx2, settle_avx2 };

static void quant_iq2_xxs(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) {
    gq_iq2_xxs_quantize(src, dst, nrows, n_per_row, imatrix, &avx2_steps);
}
static void quant_iq2_xs(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) {
    gq_iq2_xs_quantize(src, dst, nrows, n_per_row, imatrix, &avx2_steps);
}
static void quant_iq2_s(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) {
    gq_iq2_s_quantize(src, dst, nrows, n_per_row, imatrix, &avx2_steps);
}

void gq_register_iq2_avx2(gq_kernel_table t) {
    t[GQ_TYPE_IQ2_XXS] = (gq_kernels){ dequant_iq2_xxs, quant_iq2_xxs };
    t[GQ_TYPE_IQ2_XS] = (gq_kernels){ dequant_iq2_xs, quant_iq2_xs };
    t[GQ_TYPE_IQ2_S] = (gq_kernels){ dequant_iq2_s, quant_iq2_s };
}
