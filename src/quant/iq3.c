/* IQ3_XXS (3.06 bits per weight) and IQ3_S (3.44 bpw): scalar reference.
 *
 * Both types code a 256-value super-block as 32-value sub-blocks of 8
 * groups of 4 magnitudes; each group is an index into a 4-D codebook
 * (256 entries for xxs, 512 for s) and the signs are stored apart.  The
 * quantizer reproduces ggml's quantize_row_iq3_xxs_impl /
 * quantize_row_iq3_s_impl operation for operation, so the bytes match. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "fp16.h"
#include "iq_other.h"
#include "float_max.h"
#include "iq_tables.h"

#if defined(GQ_HAVE_PTHREADS)
#include <pthread.h>
#endif

/* ------------------------------------------------------------- lattices */

/* Neighbour-list storage.  The totals are properties of the two constant
 * codebooks (xxs: 3840 off-grid keys, 18985 neighbours; s: 3584 keys,
 * 24733 neighbours); the builder checks they fit. */
#define IQ3XXS_NEIGHBOUR_CAP 22825
#define IQ3S_NEIGHBOUR_CAP 28317

static gq_iq3_lattice lattice_xxs, lattice_s;
static uint16_t neighbours_xxs[IQ3XXS_NEIGHBOUR_CAP];
static uint16_t neighbours_s[IQ3S_NEIGHBOUR_CAP];
/* The neighbours' points, slot for slot, plus 8 slots of padding so that a
 * SIMD search may load 8 at a time from any list. */
static uint32_t neighbour_points_xxs[IQ3XXS_NEIGHBOUR_CAP + 8];
static uint32_t neighbour_points_s[IQ3S_NEIGHBOUR_CAP + 8];

static int squared_distance(uint32_t a, uint32_t b) {
    int d2 = 0;
    for (int i = 0; i < 4; i++) {
        int diff = (int)((a >> 8 * i) & 0xff) - (int)((b >> 8 * i) & 0xff);
        d2 += diff * diff;
    }
    return d2;
}

/* The 4 coordinates of a 12-bit key as odd values 2l+1, packed like a grid entry. */
static uint32_t key_point(int key) {
    uint32_t p = 0;
    for (int i = 0; i < 4; i++) p |= (uint32_t)(2 * ((key >> 3 * i) & 7) + 1) << 8 * i;
    return p;
}

/* Fill `lat` from a codebook whose bytes take 8 distinct values: the i-th
 * smallest value is level i.  (The xxs codebook stores dequantized levels
 * 4, 12, ..., 62; the s codebook stores 1, 3, ..., 15.  ggml keeps a second
 * table of level keys for this; they are the same points.) */
static void build_lattice(gq_iq3_lattice *lat, const uint32_t *codebook, int grid_size, int rings,
                          uint16_t *store, uint32_t *store_points, int store_cap) {
    uint8_t level_of[256];
    int seen[256] = { 0 };
    for (int e = 0; e < grid_size; e++)
        for (int i = 0; i < 4; i++) seen[(codebook[e] >> 8 * i) & 0xff] = 1;
    int n_levels = 0;
    for (int v = 0; v < 256; v++) level_of[v] = seen[v] ? (uint8_t)n_levels++ : 0;
    if (n_levels != 8) {
        fprintf(stderr, "gq: iq3 codebook has %d distinct levels, expected 8\n", n_levels);
        abort();
    }

    lat->grid_size = grid_size;
    for (int k = 0; k < 4096; k++) lat->key_to_entry[k] = INT32_MIN;
    for (int e = 0; e < grid_size; e++) {
        int key = 0;
        for (int i = 0; i < 4; i++) key |= level_of[(codebook[e] >> 8 * i) & 0xff] << 3 * i;
        lat->points[e] = key_point(key);
        lat->key_to_entry[key] = e;
    }

    /* For each off-grid key: the entries at the `rings` smallest distinct
     * distances, ordered by (distance, entry) as ggml's sort leaves them.
     * Ties in the later search go to the earlier entry, so the order is
     * part of the format's behaviour. */
    int used = 0;
    for (int key = 0; key < 4096; key++) {
        if (lat->key_to_entry[key] >= 0) continue;
        const uint32_t p = key_point(key);
        int d2[512];
        for (int e = 0; e < grid_size; e++) d2[e] = squared_distance(p, lat->points[e]);
        const int start = used;
        if (used >= store_cap) goto overflow;
        store[used++] = 0;
        int last = -1;
        for (int ring = 0; ring < rings; ring++) {
            int next = INT32_MAX;
            for (int e = 0; e < grid_size; e++)
                if (d2[e] > last && d2[e] < next) next = d2[e];
            if (next == INT32_MAX) break;
            for (int e = 0; e < grid_size; e++) {
                if (d2[e] != next) continue;
                if (used >= store_cap) goto overflow;
                store_points[used] = lat->points[e];
                store[used++] = (uint16_t)e;
            }
            last = next;
        }
        store[start] = (uint16_t)(used - start - 1);
        lat->key_to_entry[key] = -(start + 1);
    }
    lat->neighbours = store;
    lat->neighbour_points = store_points;
    return;
overflow:
    /* Cannot happen with the constant codebooks; a changed table must update the capacity. */
    fprintf(stderr, "gq: iq3 neighbour table overflow (capacity %d)\n", store_cap);
    abort();
}

static void build_xxs(void) {
    build_lattice(&lattice_xxs, gq_iq3xxs_grid, 256, 2, neighbours_xxs, neighbour_points_xxs, IQ3XXS_NEIGHBOUR_CAP);
}
static void build_s(void) {
    build_lattice(&lattice_s, gq_iq3s_grid, 512, 3, neighbours_s, neighbour_points_s, IQ3S_NEIGHBOUR_CAP);
}

#if defined(GQ_HAVE_PTHREADS)
static pthread_once_t once_xxs = PTHREAD_ONCE_INIT, once_s = PTHREAD_ONCE_INIT;
#else
static int built_xxs, built_s;
#endif

const gq_iq3_lattice *gq_iq3_lattice_get(int grid_size) {
    if (grid_size == 256) {
#if defined(GQ_HAVE_PTHREADS)
        pthread_once(&once_xxs, build_xxs);
#else
        if (!built_xxs) build_xxs(), built_xxs = 1;
#endif
        return &lattice_xxs;
    }
    if (grid_size == 512) {
#if defined(GQ_HAVE_PTHREADS)
        pthread_once(&once_s, build_s);
#else
        if (!built_s) build_s(), built_s = 1;
#endif
        return &lattice_s;
    }
    return NULL;
}

/* ------------------------------------------------------- search steps */

static int neighbour_scalar(const gq_iq3_lattice *lat, int32_t list_start, const float *xval, const float *weight,
                            float scale, int8_t *L) {
    const uint16_t *list = lat->neighbours + list_start;
    const uint32_t *points = lat->points;
    const int count = list[0];
    float best_d2 = FLT_MAX;
    int best = -1;
    for (int j = 1; j <= count; j++) {
        const uint32_t p = points[list[j]];
        float d2 = 0;
        for (int i = 0; i < 4; i++) {
            const float q = (float)((p >> 8 * i) & 0xff);
            const float diff = scale * q - xval[i];
            d2 += weight[i] * diff * diff;
        }
        if (d2 < best_d2) {
            best_d2 = d2;
            best = list[j];
        }
    }
    /* ggml asserts here; only a non-finite error (overflowing inputs) gets
     * here, and the nearest entry is as good an answer as any. */
    if (best < 0) best = list[1];
    const uint32_t p = points[best];
    for (int i = 0; i < 4; i++) L[i] = (int8_t)((((p >> 8 * i) & 0xff) - 1) / 2);
    return best;
}

static void trial_scalar(const gq_iq3_lattice *lat, gq_iq3_neighbour_fn neighbour, const float *xval,
                         const float *weight, const float *waux, float id, int8_t *L, bool *on_grid, float *sumqx,
                         float *sumq2) {
    const float this_scale = 1 / id;
    for (int k = 0; k < 8; k++) {
        int key = 0;
        for (int i = 0; i < 4; i++) {
            const int l = gq_clamp_int(gq_nearest_int(0.5f * (id * xval[4 * k + i] - 1)), 0, 7);
            L[4 * k + i] = (int8_t)l;
            key |= l << 3 * i;
        }
        const int32_t entry = lat->key_to_entry[key];
        on_grid[k] = entry >= 0;
        if (entry < 0)
            neighbour(lat, -entry - 1, xval + 4 * k, waux + 4 * k, this_scale, L + 4 * k);
    }
    float sx = 0, s2 = 0;
    for (int i = 0; i < 32; i++) {
        const float w = weight[i];
        const float q = (float)(2 * L[i] + 1);
        sx += w * xval[i] * q;
        s2 += w * q * q;
    }
    *sumqx = sx;
    *sumq2 = s2;
}

const gq_iq3_steps gq_iq3_steps_scalar = { neighbour_scalar, trial_scalar };

/* ------------------------------------------------------------ quantize */

enum { IQ3_SUB = 32, IQ3_NSUB = GQ_QK_K / IQ3_SUB };

/* Per-sub-block preparation shared by both types: the importance of each
 * value (imatrix weight scaled by the block's spread, or x^2) and its root. */
static void sub_block_weights(const float *xb, const float *qw, float sigma2, float *weight, float *waux) {
    if (qw) {
        for (int i = 0; i < IQ3_SUB; i++) weight[i] = qw[i] * sqrtf(sigma2 + xb[i] * xb[i]);
    } else {
        for (int i = 0; i < IQ3_SUB; i++) weight[i] = xb[i] * xb[i];
    }
    for (int i = 0; i < IQ3_SUB; i++) waux[i] = sqrtf(weight[i]);
}

static float super_block_sigma2(const float *xbl) {
    float sumx2 = 0;
    for (int i = 0; i < GQ_QK_K; i++) sumx2 += xbl[i] * xbl[i];
    return 2 * sumx2 / GQ_QK_K;
}

/* Levels of the 8 groups after snapping every group (or, for xxs, only the
 * groups that were off the grid) at the final scale, then the least-squares
 * scale for those levels.  Returns the updated scale. */
static float refine_off_grid(const gq_iq3_lattice *lat, const gq_iq3_steps *steps, const float *xval,
                             const float *weight, const float *waux, float scale, int8_t *L, const bool *on_grid,
                             bool only_off_grid) {
    const float id = 1 / scale;
    for (int k = 0; k < 8; k++) {
        if (only_off_grid && on_grid[k]) continue;
        int key = 0;
        for (int i = 0; i < 4; i++) {
            const int l = gq_clamp_int(gq_nearest_int(0.5f * (id * xval[4 * k + i] - 1)), 0, 7);
            key |= l << 3 * i;
        }
        int32_t entry = lat->key_to_entry[key];
        if (entry < 0)
            entry = steps->neighbour(lat, -entry - 1, xval + 4 * k, waux + 4 * k, scale,
                                     L + 4 * k);
        const uint32_t p = lat->points[entry];
        for (int i = 0; i < 4; i++) L[4 * k + i] = (int8_t)((((p >> 8 * i) & 0xff) - 1) / 2);
    }
    float sumqx = 0, sumq2 = 0;
    for (int i = 0; i < IQ3_SUB; i++) {
        const float w = weight[i];
        const float q = (float)(2 * L[i] + 1);
        sumqx += w * xval[i] * q;
        sumq2 += w * q * q;
    }
    return sumq2 > 0 ? sumqx / sumq2 : scale;
}

/* The scale search of one sub-block.  `half_range` trials either side of
 * max/15 in steps of 0.2 levels; `on_grid_start` is what ggml assumes about
 * the groups when no trial beats the starting point (xxs: all on the grid,
 * s: none), and `refine_all` whether the final snap redoes every group. */
static float search_sub_block(const gq_iq3_lattice *lat, const gq_iq3_steps *steps, const float *xval,
                              const float *weight, const float *waux, float max, int half_range,
                              bool on_grid_start, bool refine_all, int8_t *L) {
    const int kmax_q = 8;
    bool on_grid[8], on_grid_try[8];
    int8_t Ltry[IQ3_SUB];
    float best = 0;
    float scale = max / (2 * kmax_q - 1);
    for (int k = 0; k < 8; k++) on_grid[k] = on_grid_start;
    for (int is = -half_range; is <= half_range; is++) {
        const float id = (2 * kmax_q - 1 + is * 0.2f) / max;
        float sumqx, sumq2;
        steps->trial(lat, steps->neighbour, xval, weight, waux, id, Ltry, on_grid_try, &sumqx, &sumq2);
        if (sumq2 > 0 && sumqx * sumqx > best * sumq2) {
            scale = sumqx / sumq2;
            best = scale * sumqx;
            memcpy(L, Ltry, IQ3_SUB);
            memcpy(on_grid, on_grid_try, sizeof on_grid);
        }
    }
    int n_off = 0;
    for (int k = 0; k < 8; k++) n_off += !on_grid[k];
    if (n_off > 0 && scale > 0) scale = refine_off_grid(lat, steps, xval, weight, waux, scale, L, on_grid, !refine_all);
    return scale;
}

static int32_t group_entry(const gq_iq3_lattice *lat, const int8_t *L4) {
    int key = 0;
    for (int i = 0; i < 4; i++) key |= L4[i] << 3 * i;
    /* Every group is on the grid by now: the search only keeps grid points. */
    return lat->key_to_entry[key];
}

/* One super-block: xbl its 256 values, qw their importance weights or NULL. */
static void quantize_iq3_xxs_block(const gq_iq3_lattice *lat, const gq_iq3_steps *steps, const float *xbl,
                                   const float *qw, block_iq3_xxs *out) {
    /* Grid indices first, then one 32-bit word per sub-block: four
     * 7-bit sign patterns and a 4-bit scale in the top bits. */
    uint8_t q3[3 * GQ_QK_K / 8];
    uint32_t signs_and_scale[IQ3_NSUB];
    float scales[IQ3_NSUB];
    memset(q3, 0, sizeof q3);
    memset(signs_and_scale, 0, sizeof signs_and_scale);
    float max_scale = 0;
    const float sigma2 = super_block_sigma2(xbl);

    for (int ib = 0; ib < IQ3_NSUB; ib++) {
        const float *xb = xbl + IQ3_SUB * ib;
        float weight[IQ3_SUB], waux[IQ3_SUB], xval[IQ3_SUB];
        int8_t L[IQ3_SUB];
        uint8_t signs[4];
        sub_block_weights(xb, qw ? qw + IQ3_SUB * ib : NULL, sigma2, weight, waux);
        /* Only 7 sign bits per 8 values are stored: the 8th is implied
         * by even parity, so an odd number of negatives flips the value
         * that costs least (smallest w*x^2) to the wrong sign.  Not shared
         * with iq2.c's split: v >= 0 here makes a NaN negative, there x < 0
         * keeps it positive.  Nor with iq3_s's below: one helper for both
         * measured 5-7% slower on iq3 quantizing (gq-bench, scalar). */
        for (int k = 0; k < 4; k++) {
            int nflip = 0;
            uint8_t s = 0;
            for (int i = 0; i < 8; i++) {
                const float v = xb[8 * k + i];
                if (v >= 0) {
                    xval[8 * k + i] = v;
                } else {
                    xval[8 * k + i] = -v;
                    nflip++;
                    s |= (uint8_t)(1 << i);
                }
            }
            if (nflip % 2) {
                int imin = 0;
                float min = weight[8 * k] * xb[8 * k] * xb[8 * k];
                for (int i = 1; i < 8; i++) {
                    const float ax = weight[8 * k + i] * xb[8 * k + i] * xb[8 * k + i];
                    if (ax < min) {
                        min = ax;
                        imin = i;
                    }
                }
                xval[8 * k + imin] = -xval[8 * k + imin];
                s ^= (uint8_t)(1 << imin);
            }
            signs[k] = s & 127;
        }
        float max = xval[0];
        for (int i = 1; i < IQ3_SUB; i++) max = gq_max_first(max, xval[i]);
        if (max < 1e-8f) {
            scales[ib] = 0;
            continue;
        }
        memset(L, 0, sizeof L);
        float scale = search_sub_block(lat, steps, xval, weight, waux, max, 15, true, false, L);
        if (scale < 0) {
            /* ggml's guard (never reached in practice): keep the stored scale positive. */
            scale = -scale;
            for (int k = 0; k < 4; k++) signs[k] = (uint8_t)(~signs[k] & 127);
        }
        for (int k = 0; k < 8; k++) q3[8 * ib + k] = (uint8_t)group_entry(lat, L + 4 * k);
        signs_and_scale[ib] = signs[0] | (uint32_t)signs[1] << 7 | (uint32_t)signs[2] << 14 |
                              (uint32_t)signs[3] << 21;
        scales[ib] = scale;
        max_scale = gq_max_first(max_scale, scale);
    }

    if (max_scale == 0) {
        memset(out, 0, sizeof *out);
        return;
    }
    const float d = max_scale / 31;
    out->d = gq_fp32_to_fp16(d * 1.0125f); /* ggml's fudge factor */
    const float id = 1 / d;
    for (int ib = 0; ib < IQ3_NSUB; ib++) {
        const int l = gq_clamp_int(gq_nearest_int(0.5f * (id * scales[ib] - 1)), 0, 15);
        signs_and_scale[ib] |= (uint32_t)l << 28;
    }
    memcpy(out->qs, q3, GQ_QK_K / 4);
    memcpy(out->qs + GQ_QK_K / 4, signs_and_scale, sizeof signs_and_scale);
}

static void quantize_iq3_s_block(const gq_iq3_lattice *lat, const gq_iq3_steps *steps, const float *xbl,
                                 const float *qw, block_iq3_s *out) {
    memset(out, 0, sizeof *out);
    float scales[IQ3_NSUB];
    float max_scale = 0;
    const float sigma2 = super_block_sigma2(xbl);
    /* ggml advances its qs/signs cursors only past sub-blocks it codes:
     * after an all-zero sub-block the later ones are stored one slot
     * early (and the last slot stays zero).  Decoders read them at their
     * nominal place, so such blocks decode shifted; llama.cpp's files
     * carry that, and matching its bytes means doing the same. */
    int stored = 0;

    for (int ib = 0; ib < IQ3_NSUB; ib++) {
        const float *xb = xbl + IQ3_SUB * ib;
        float weight[IQ3_SUB], waux[IQ3_SUB], xval[IQ3_SUB];
        int8_t L[IQ3_SUB];
        uint8_t signs[4];
        sub_block_weights(xb, qw ? qw + IQ3_SUB * ib : NULL, sigma2, weight, waux);
        /* iq3_s stores all 8 sign bits: magnitudes are used as they are.
         * (The same split as iq3_xxs's minus parity; kept apart for speed.) */
        for (int k = 0; k < 4; k++) {
            uint8_t s = 0;
            for (int i = 0; i < 8; i++) {
                const float v = xb[8 * k + i];
                if (v >= 0) {
                    xval[8 * k + i] = v;
                } else {
                    xval[8 * k + i] = -v;
                    s |= (uint8_t)(1 << i);
                }
            }
            signs[k] = s;
        }
        float max = xval[0];
        for (int i = 1; i < IQ3_SUB; i++) max = gq_max_first(max, xval[i]);
        if (max == 0) {
            scales[ib] = 0;
            continue;
        }
        memset(L, 0, sizeof L);
        float scale = search_sub_block(lat, steps, xval, weight, waux, max, 9, false, true, L);
        if (scale < 0) {
            scale = -scale;
            for (int k = 0; k < 4; k++) signs[k] = (uint8_t)~signs[k];
        }
        for (int k = 0; k < 8; k++) {
            const int32_t entry = group_entry(lat, L + 4 * k);
            out->qs[8 * stored + k] = (uint8_t)(entry & 255);
            out->qh[ib] |= (uint8_t)((entry >> 8) << k);
        }
        memcpy(out->signs + 4 * stored, signs, 4);
        stored++;
        scales[ib] = scale;
        max_scale = gq_max_first(max_scale, scale);
    }

    if (max_scale == 0) return;
    const float d = max_scale / 31;
    out->d = gq_fp32_to_fp16(d * 1.033f); /* ggml's fudge factor */
    const float id = 1 / d;
    for (int ib = 0; ib < IQ3_NSUB; ib += 2) {
        const int l1 = gq_clamp_int(gq_nearest_int(0.5f * (id * scales[ib] - 1)), 0, 15);
        const int l2 = gq_clamp_int(gq_nearest_int(0.5f * (id * scales[ib + 1] - 1)), 0, 15);
        out->scales[ib / 2] = (uint8_t)(l1 | l2 << 4);
    }
}

/* The imatrix holds one weight per column, so every row uses it from its
 * start.  Blocks are built in place and copied out: tensor data may sit at
 * any byte offset, where a block struct pointer would be misaligned. */
void gq_quantize_iq3_xxs_rows(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix,
                              const gq_iq3_steps *steps) {
    const gq_iq3_lattice *lat = gq_iq3_lattice_get(256);
    const int64_t nblocks = n_per_row / GQ_QK_K;
    uint8_t *y = dst;
    for (int64_t r = 0; r < nrows; r++) {
        for (int64_t ibl = 0; ibl < nblocks; ibl++) {
            block_iq3_xxs out;
            quantize_iq3_xxs_block(lat, steps, src + r * n_per_row + GQ_QK_K * ibl,
                                   imatrix ? imatrix + GQ_QK_K * ibl : NULL, &out);
            memcpy(y + (size_t)(r * nblocks + ibl) * sizeof out, &out, sizeof out);
        }
    }
}

void gq_quantize_iq3_s_rows(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix,
                            const gq_iq3_steps *steps) {
    const gq_iq3_lattice *lat = gq_iq3_lattice_get(512);
    const int64_t nblocks = n_per_row / GQ_QK_K;
    uint8_t *y = dst;
    for (int64_t r = 0; r < nrows; r++) {
        for (int64_t ibl = 0; ibl < nblocks; ibl++) {
            block_iq3_s out;
            quantize_iq3_s_block(lat, steps, src + r * n_per_row + GQ_QK_K * ibl,
                                 imatrix ? imatrix + GQ_QK_K * ibl : NULL, &out);
            memcpy(y + (size_t)(r * nblocks + ibl) * sizeof out, &out, sizeof out);
        }
    }
}

/* ---------------------------------------------------------- dequantize */

/* Sign bit j of an 8-value group flips value j; iq3_xxs's 7-bit patterns
 * expand to 8 bits through the even-parity table. */
static inline float signed_by(float v, uint8_t signs, int j) { return signs & (1u << j) ? -v : v; }

void gq_dequantize_iq3_xxs(const void *src, float *dst, int64_t n) {
    for (int64_t i = 0; i < n / GQ_QK_K; i++) {
        block_iq3_xxs b; /* copied: the data may sit at any byte offset */
        memcpy(&b, (const uint8_t *)src + (size_t)i * sizeof b, sizeof b);
        const float d = gq_fp16_to_fp32(b.d);
        const uint8_t *grid_idx = b.qs;
        const uint8_t *words = b.qs + GQ_QK_K / 4;
        for (int ib = 0; ib < IQ3_NSUB; ib++) {
            uint32_t word;
            memcpy(&word, words + 4 * ib, 4);
            const float db = d * (0.5f + (float)(word >> 28)) * 0.5f;
            for (int l = 0; l < 4; l++) {
                const uint8_t signs = gq_ksigns_iq2xs[(word >> 7 * l) & 127];
                const uint32_t g1 = gq_iq3xxs_grid[grid_idx[8 * ib + 2 * l]];
                const uint32_t g2 = gq_iq3xxs_grid[grid_idx[8 * ib + 2 * l + 1]];
                for (int j = 0; j < 4; j++) {
                    dst[j] = signed_by(db * (float)((g1 >> 8 * j) & 0xff), signs, j);
                    dst[j + 4] = signed_by(db * (float)((g2 >> 8 * j) & 0xff), signs, j + 4);
                }
                dst += 8;
            }
        }
    }
}

void gq_dequantize_iq3_s(const void *src, float *dst, int64_t n) {
    for (int64_t i = 0; i < n / GQ_QK_K; i++) {
        block_iq3_s b; /* copied: the data may sit at any byte offset */
        memcpy(&b, (const uint8_t *)src + (size_t)i * sizeof b, sizeof b);
        const float d = gq_fp16_to_fp32(b.d);
        for (int ib = 0; ib < IQ3_NSUB; ib++) {
            const int nibble = (b.scales[ib / 2] >> 4 * (ib % 2)) & 0xf;
            const float db = d * (float)(1 + 2 * nibble);
            const uint8_t *qs = b.qs + 8 * ib;
            const uint8_t *signs = b.signs + 4 * ib;
            const uint8_t qh = b.qh[ib];
            for (int l = 0; l < 4; l++) {
                /* bit 2l / 2l+1 of qh is the 9th bit of group 2l / 2l+1's index */
                const uint32_t g1 = gq_iq3s_grid[qs[2 * l] | ((qh >> (2 * l)) & 1) << 8];
                const uint32_t g2 = gq_iq3s_grid[qs[2 * l + 1] | ((qh >> (2 * l + 1)) & 1) << 8];
                for (int j = 0; j < 4; j++) {
                    dst[j] = signed_by(db * (float)((g1 >> 8 * j) & 0xff), signs[l], j);
                    dst[j + 4] = signed_by(db * (float)((g2 >> 8 * j) & 0xff), signs[l], j + 4);
                }
                dst += 8;
            }
        }
    }
}
