/* Internal interface of the IQ3 / IQ4 / IQ1 family (iq3.c, iq4.c, iq1.c,
 * registered by iq_other.c; SIMD versions in x86/iq_other_avx2.c and
 * arm/iq_other_neon.c).
 *
 * The quantizers are searches: try many scales, round every value, score
 * the result.  Each search is written once, in the scalar file, and takes
 * its innermost step (the part that touches all 32 values of a sub-block)
 * through a small table of function pointers, so the AVX2 file can supply a
 * vectorised step without a second copy of the search logic.  A SIMD step
 * must return exactly the bits of the scalar step: it may compute lanes in
 * parallel, but every running sum is still accumulated in element order. */
#ifndef GQ_IQ_OTHER_H
#define GQ_IQ_OTHER_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "../types/blocks.h" /* relative: tests include this header too */
#include "kernels.h"
#include "nearest_int.h"

/* ------------------------------------------------------------------ IQ3 */

/* The IQ3 codebooks seen as lattices: each grid entry is 4 coordinates on
 * the levels 0..7, i.e. the odd values 1, 3, ..., 15 after "2l + 1".  A
 * point is keyed by its 4 levels, 3 bits each (12 bits).  For keys that are
 * not on the grid the quantizer needs the grid entries closest to it (the
 * entries at the smallest `neighbour_rings` distinct squared distances),
 * which is what ggml's iq3xs_init_impl precomputes. */
typedef struct gq_iq3_lattice {
    int grid_size;              /* 256 (iq3_xxs) or 512 (iq3_s) */
    uint32_t points[512];       /* entry -> 4 bytes of odd coordinates 2l+1 */
    int32_t key_to_entry[4096]; /* >= 0: the entry; < 0: -(1 + start of its list in neighbours) */
    const uint16_t *neighbours; /* per off-grid key: count, then that many entries */
    const uint32_t *neighbour_points; /* points[neighbours[i]] at each entry slot i (+8 slots padding) */
} gq_iq3_lattice;

/* The lattice of grid_size 256 or 512, built on first use (thread-safe;
 * static storage, nothing to free). */
const gq_iq3_lattice *gq_iq3_lattice_get(int grid_size);

/* The best entry of an off-grid key's neighbour list (the one starting at
 * lat->neighbours[list_start]) for 4 magnitudes xval at `scale`, by
 * weighted squared error; first best wins.  Writes the entry's 4 levels to
 * L and returns the entry. */
typedef int (*gq_iq3_neighbour_fn)(const gq_iq3_lattice *lat, int32_t list_start, const float *xval,
                                   const float *weight, float scale, int8_t *L);

/* One trial of the scale search over a 32-value sub-block: round
 * xval * id onto levels (clamped to 0..7); every group of 4 that lands off
 * the grid is replaced by its best neighbour at scale 1/id.  Writes the 32
 * levels to L, which groups were on the grid to on_grid[8], and the sums
 * sum w*x*q and sum w*q*q (q = 2L+1) in element order. */
typedef void (*gq_iq3_trial_fn)(const gq_iq3_lattice *lat, gq_iq3_neighbour_fn neighbour, const float *xval,
                                const float *weight, const float *waux, float id, int8_t *L, bool *on_grid,
                                float *sumqx, float *sumq2);

typedef struct gq_iq3_steps {
    gq_iq3_neighbour_fn neighbour;
    gq_iq3_trial_fn trial;
} gq_iq3_steps;

extern const gq_iq3_steps gq_iq3_steps_scalar;
#if defined(__x86_64__) || defined(_M_X64)
extern const gq_iq3_steps gq_iq3_steps_avx2; /* call only when the CPU has AVX2 */
#endif

void gq_quantize_iq3_xxs_rows(const float *src, void *dst, int64_t nrows, int64_t n_per_row,
                              const float *imatrix, const gq_iq3_steps *steps);
void gq_quantize_iq3_s_rows(const float *src, void *dst, int64_t nrows, int64_t n_per_row,
                            const float *imatrix, const gq_iq3_steps *steps);
void gq_dequantize_iq3_xxs(const void *src, float *dst, int64_t n);
void gq_dequantize_iq3_s(const void *src, float *dst, int64_t n);

/* ------------------------------------------------------------------ IQ4 */

/* Index of the IQ4 level nearest to v (ggml's best_index_int8 over the 16
 * sorted kvalues: below the first -> 0, at or above the last -> 15, NaN ->
 * 15, a tie between two levels -> the upper one). */
int gq_iq4_nearest_level(float v);

typedef struct gq_iq4_steps {
    /* Round xb[0..31] * id to levels; return sum w*q*x and sum w*q*q (q = level value). */
    void (*score)(const float *xb, const float *weight, float id, float *sumqx, float *sumq2);
    /* Round x[0..n-1] * id to level indices (n a multiple of 8). */
    void (*assign)(const float *x, float id, uint8_t *L, int n);
} gq_iq4_steps;

extern const gq_iq4_steps gq_iq4_steps_scalar;
#if defined(__x86_64__) || defined(_M_X64)
extern const gq_iq4_steps gq_iq4_steps_avx2; /* call only when the CPU has AVX2 */
#endif

void gq_quantize_iq4_nl_rows(const float *src, void *dst, int64_t nrows, int64_t n_per_row,
                             const float *imatrix, const gq_iq4_steps *steps);
void gq_quantize_iq4_xs_rows(const float *src, void *dst, int64_t nrows, int64_t n_per_row,
                             const float *imatrix, const gq_iq4_steps *steps);
void gq_dequantize_iq4_nl(const void *src, float *dst, int64_t n);
void gq_dequantize_iq4_xs(const void *src, float *dst, int64_t n);

/* ------------------------------------------------------------------ IQ1 */

/* iq1.c: fills the iq1_s and iq1_m entries (the searches use the shared
 * IQ1_S lattice of iq_lattice.h). */
void gq_register_iq1(gq_kernel_table t);

/* IQ1_M's split search: for the 16 values of a sub-block in sorted order,
 * every split (i1 <= i2) puts positions j < i1 on level 0, j < i2 on level
 * 1, the rest on level 2; k = 0..3 are the delta-sign choices.  Given the
 * products prod_x[12 j + 4 level + k] = w*q*x and prod_q2[...] = w*q*q,
 * a split step writes each split's 4 sums, added over j = 0..15 in order
 * from 0, at [4 * GQ_IQ1M_SPLIT(i1, i2) + k]. */
#define GQ_IQ1M_SPLITS (17 * 17)
#define GQ_IQ1M_SPLIT(i1, i2) (17 * (i1) + (i2))
typedef void (*gq_iq1m_split_fn)(const float *prod_x, const float *prod_q2, float *sumqx, float *sumq2);
extern const gq_iq1m_split_fn gq_iq1m_split_sums_scalar;
#if defined(__x86_64__) || defined(_M_X64)
extern const gq_iq1m_split_fn gq_iq1m_split_sums_avx2; /* call only when the CPU has AVX2 */
#endif
void gq_quantize_iq1_m_rows(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix,
                            gq_iq1m_split_fn split_sums);
void gq_dequantize_iq1_s(const void *src, float *dst, int64_t n);
void gq_dequantize_iq1_m(const void *src, float *dst, int64_t n);

#endif
