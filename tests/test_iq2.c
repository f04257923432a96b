/* The IQ2 family (iq2_xxs, iq2_xs, iq2_s) and the lattice behind it.
 *
 * What each test proves, and where its expected values come from:
 *   - lattice_*: the tables of iq_lattice.h against the codebooks
 *     (iq_tables.c, transcribed from ggml) and against a brute-force
 *     restatement, written here, of how ggml's iq2xs_init_impl defines the
 *     neighbour lists; a few of ggml's own packed grid constants
 *     (kgrid_2bit_256, kgrid_1bit_2048) are transcribed as facts.
 *   - *_hand_built: blocks assembled field by field decode to values
 *     computed here from the format definition (scale nibble, grid byte,
 *     7 sign bits plus parity), chosen so every product is exact.
 *   - simd_*: the SIMD kernels give the scalar reference's bits on large
 *     random inputs (varied scales, shapes and importance weights) and on
 *     random blocks.  (On a CPU without SIMD kernels both sides are the
 *     scalar reference and these prove nothing more.)
 *   - *_matches_llama_quantize: every IQ2 tensor of llama-quantize's
 *     gemma4-mini outputs (llama.cpp with ggml 0.18.1) is requantized from
 *     the BF16 model and its importance matrix byte for byte.
 *   - behaviour on refusals, all-zero rows and hostile values. */
#include "gqtest.h"
#include "quant_testutil.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gq/gguf.h"
#include "gq/imatrix.h"
#include "gq/quant.h"
#include "quant/iq_lattice.h"
#include "types/blocks.h"
#include "quant/iq_tables.h"

/* ------------------------------------------------------------ helpers */

static const uint32_t iq2_types[3] = { GQ_TYPE_IQ2_XXS, GQ_TYPE_IQ2_XS, GQ_TYPE_IQ2_S };

/* ------------------------------------------------------------ the lattice */

static const uint64_t *codebook_of(enum gq_lattice_kind kind) {
    switch (kind) {
    case GQ_LATTICE_IQ2_XXS: return gq_iq2xxs_grid;
    case GQ_LATTICE_IQ2_XS: return gq_iq2xs_grid;
    case GQ_LATTICE_IQ2_S: return gq_iq2s_grid;
    default: return gq_iq1s_grid;
    }
}

/* The level of a codebook byte: IQ2 grids use 8, 25, 43; the IQ1_S grid -1, 0, 1. */
static int level_of_byte(enum gq_lattice_kind kind, uint8_t b) {
    if (kind == GQ_LATTICE_IQ1_S) return (int8_t)b + 1;
    return b == 0x08 ? 0 : b == 0x19 ? 1 : b == 0x2b ? 2 : -1;
}

static void *build_in_thread(void *arg) {
    return (void *)gq_lattice_get((enum gq_lattice_kind)(intptr_t)arg);
}

/* Runs first: every thread asking for a kind at once gets the one table. */
static void lattice_built_once_under_threads(void **state) {
    (void)state;
    pthread_t th[8];
    void *got[8];
    for (int i = 0; i < 8; i++)
        assert_int_equal(pthread_create(&th[i], NULL, build_in_thread, (void *)(intptr_t)(i % 4)), 0);
    for (int i = 0; i < 8; i++) assert_int_equal(pthread_join(th[i], &got[i]), 0);
    for (int i = 0; i < 8; i++) {
        assert_non_null(got[i]);
        assert_ptr_equal(got[i], gq_lattice_get((enum gq_lattice_kind)(i % 4)));
    }
    assert_null(gq_lattice_get(GQ_LATTICE_KIND_COUNT));
}

static void lattice_points_are_the_codebooks(void **state) {
    (void)state;
    static const int sizes[4] = { 256, 512, 1024, 2048 }, nearest[4] = { 2, 2, 1, 3 };
    for (int kind = 0; kind < GQ_LATTICE_KIND_COUNT; kind++) {
        const gq_lattice *lat = gq_lattice_get((enum gq_lattice_kind)kind);
        assert_int_equal(lat->grid_size, sizes[kind]);
        assert_int_equal(lat->nearest_distances, nearest[kind]);
        const uint64_t *book = codebook_of((enum gq_lattice_kind)kind);
        for (int j = 0; j < lat->grid_size; j++) {
            uint16_t code = 0;
            for (int k = 0; k < 8; k++) {
                const int level = level_of_byte((enum gq_lattice_kind)kind, (uint8_t)(book[j] >> (8 * k)));
                assert_true(level >= 0 && level <= 2);
                code |= (uint16_t)(level << (2 * k));
                assert_int_equal((int8_t)(lat->points[j] >> (8 * k)), 2 * level + 1);
                assert_true(lat->point_coords[8 * j + k] == (float)(2 * level + 1));
            }
            assert_int_equal(lat->level_codes[j], code);
            /* each grid point maps back to itself */
            assert_int_equal(lat->map[code], j);
        }
    }
    /* ggml's packed grids (levels 2 bits each), the first entries as ggml lists them */
    static const uint16_t kgrid_2bit_256[12] = { 0, 2, 5, 8, 10, 17, 20, 32, 34, 40, 42, 65 };
    static const uint16_t kgrid_1bit_2048[8] = { 0, 2, 5, 8, 10, 17, 21, 32 };
    for (int j = 0; j < 12; j++) assert_int_equal(gq_lattice_get(GQ_LATTICE_IQ2_XXS)->level_codes[j], kgrid_2bit_256[j]);
    for (int j = 0; j < 8; j++) assert_int_equal(gq_lattice_get(GQ_LATTICE_IQ1_S)->level_codes[j], kgrid_1bit_2048[j]);
    assert_int_equal(gq_lattice_get(GQ_LATTICE_IQ2_XXS)->level_codes[255], 43268); /* kgrid_2bit_256's last */
    assert_int_equal(gq_lattice_get(GQ_LATTICE_IQ1_S)->level_codes[2047], 43690);  /* kgrid_1bit_2048's last */
}

/* ggml's definition, restated: for a level code that is not a grid point,
 * sort all grid points by (squared distance of the coordinates 2l+1, index)
 * and keep those at the nearest_distances smallest distinct distances.  The
 * list must be exactly that prefix: sorted, complete, nothing beyond. */
static void check_neighbour_lists(const gq_lattice *lat, int code_step) {
    int *dist = malloc(sizeof(int) * (size_t)lat->grid_size);
    assert_non_null(dist);
    int64_t entries = 0, lists = 0;
    for (int code = 0; code < GQ_LATTICE_MAP_SIZE; code++) {
        if (lat->map[code] >= 0) continue;
        lists++;
        const int32_t at = -lat->map[code] - 1;
        const int count = lat->neighbours[at];
        entries += 1 + count;
        if (code % code_step) continue;
        for (int j = 0; j < lat->grid_size; j++) {
            int d = 0;
            for (int k = 0; k < 8; k++) {
                const int diff = 2 * ((code >> (2 * k)) & 3) - 2 * ((lat->level_codes[j] >> (2 * k)) & 3);
                d += diff * diff;
            }
            dist[j] = d;
        }
        /* the cut-off: the nearest_distances-th smallest distinct distance */
        int cutoff = -1;
        for (int n = 0; n < lat->nearest_distances; n++) {
            int next = 1 << 30;
            for (int j = 0; j < lat->grid_size; j++)
                if (dist[j] > cutoff && dist[j] < next) next = dist[j];
            cutoff = next;
        }
        int within = 0;
        for (int j = 0; j < lat->grid_size; j++) within += dist[j] <= cutoff;
        if (count != within) fail_msg("code %d: list of %d, %d points within distance %d", code, count, within, cutoff);
        for (int c = 0; c < count; c++) {
            const int j = lat->neighbours[at + 1 + c];
            assert_true(j < lat->grid_size && dist[j] <= cutoff);
            if (c > 0) {
                const int p = lat->neighbours[at + c];
                if (!(dist[p] < dist[j] || (dist[p] == dist[j] && p < j)))
                    fail_msg("code %d: entries %d and %d out of (distance, index) order", code, p, j);
            }
        }
    }
    assert_int_equal(lists, GQ_LATTICE_MAP_SIZE - lat->grid_size);
    assert_int_equal(entries, lat->neighbours_len);
    free(dist);
}

static void lattice_neighbour_lists_in_ggml_order(void **state) {
    (void)state;
    check_neighbour_lists(gq_lattice_get(GQ_LATTICE_IQ2_XXS), 1);
    check_neighbour_lists(gq_lattice_get(GQ_LATTICE_IQ2_XS), 1);
    check_neighbour_lists(gq_lattice_get(GQ_LATTICE_IQ2_S), 1);
    check_neighbour_lists(gq_lattice_get(GQ_LATTICE_IQ1_S), 7); /* every 7th list: the big grid is slow to brute-force */
}

/* ------------------------------------------------------------ hand-built blocks */

/* 7 stored sign bits -> 8: the 8th makes the number of negative values even. */
static int sign_of(unsigned seven_bits, int j) {
    const unsigned eighth = (unsigned)__builtin_popcount(seven_bits & 127) & 1;
    const unsigned all = (seven_bits & 127) | eighth << 7;
    return (all >> j) & 1 ? -1 : 1;
}

static float grid_byte(const uint64_t *grid, int index, int j) { return (float)(uint8_t)(grid[index] >> (8 * j)); }

static void check_decoded(uint32_t type, const void *block, const float *want) {
    float got[GQ_QK_K];
    for (int simd = 0; simd < 2; simd++) {
        gq_quant_set_simd(simd);
        assert_int_equal(gq_dequantize(type, block, got, GQ_QK_K), GQ_OK);
        char what[64];
        snprintf(what, sizeof what, "%s hand-built [%s]", gq_type_name(type), gq_quant_isa());
        assert_true(gqt_floats_identical(got, want, GQ_QK_K, what));
    }
    gq_quant_set_simd(true);
}

/* d = 0.5 (half 0x3800): group scales d * (s + 0.5) / 4 = (2s + 1) / 16, exact, as are their products
 * with the grid bytes 8, 25, 43. */
#define HALF_0_5 0x3800

static void iq2_xxs_hand_built(void **state) {
    (void)state;
    block_iq2_xxs b;
    float want[GQ_QK_K];
    b.d = HALF_0_5;
    for (int ib = 0; ib < 8; ib++) {
        const int idx[4] = { (ib * 37) & 255, (ib * 91 + 5) & 255, 255 - ib, ib * 3 };
        const unsigned s7[4] = { (unsigned)ib * 13 & 127, 127u - (unsigned)ib, (unsigned)ib << 3 & 127, 0x55 };
        const unsigned scale = (unsigned)(15 - 2 * ib) & 15;
        const uint32_t indices = (uint32_t)idx[0] | (uint32_t)idx[1] << 8 | (uint32_t)idx[2] << 16 | (uint32_t)idx[3] << 24;
        const uint32_t signs = s7[0] | s7[1] << 7 | s7[2] << 14 | s7[3] << 21 | scale << 28;
        b.qs[4 * ib + 0] = (uint16_t)indices;
        b.qs[4 * ib + 1] = (uint16_t)(indices >> 16);
        b.qs[4 * ib + 2] = (uint16_t)signs;
        b.qs[4 * ib + 3] = (uint16_t)(signs >> 16);
        const float db = (float)(2 * scale + 1) / 16;
        for (int l = 0; l < 4; l++)
            for (int j = 0; j < 8; j++)
                want[32 * ib + 8 * l + j] = (float)sign_of(s7[l], j) * db * grid_byte(gq_iq2xxs_grid, idx[l], j);
    }
    check_decoded(GQ_TYPE_IQ2_XXS, &b, want);
}

static void iq2_xs_hand_built(void **state) {
    (void)state;
    block_iq2_xs b;
    float want[GQ_QK_K];
    b.d = HALF_0_5;
    for (int ib = 0; ib < 8; ib++) {
        const unsigned scale_lo = (unsigned)ib, scale_hi = 15u - (unsigned)ib;
        b.scales[ib] = (uint8_t)(scale_lo | scale_hi << 4);
        for (int l = 0; l < 4; l++) {
            const int index = (ib * 67 + l * 131 + 300) % 512; /* all 9 bits in use */
            const unsigned s7 = (unsigned)(ib * 4 + l) * 19 & 127;
            b.qs[4 * ib + l] = (uint16_t)(index | s7 << 9);
            const float db = (float)(2 * (l < 2 ? scale_lo : scale_hi) + 1) / 16;
            for (int j = 0; j < 8; j++)
                want[32 * ib + 8 * l + j] = (float)sign_of(s7, j) * db * grid_byte(gq_iq2xs_grid, index, j);
        }
    }
    check_decoded(GQ_TYPE_IQ2_XS, &b, want);
}

static void iq2_s_hand_built(void **state) {
    (void)state;
    block_iq2_s b;
    float want[GQ_QK_K];
    memset(&b, 0, sizeof b);
    b.d = HALF_0_5;
    for (int ib = 0; ib < 8; ib++) {
        const unsigned scale_lo = (unsigned)(ib * 5) & 15, scale_hi = (unsigned)(ib * 3 + 1) & 15;
        b.scales[ib] = (uint8_t)(scale_lo | scale_hi << 4);
        for (int l = 0; l < 4; l++) {
            const int index = (ib * 211 + l * 257 + 77) % 1024; /* 10 bits: low 8 in qs, top 2 in qh */
            const uint8_t signs = (uint8_t)(ib * 29 + l * 71); /* all 8 stored */
            b.qs[4 * ib + l] = (uint8_t)index;
            b.qh[ib] |= (uint8_t)((index >> 8) << (2 * l));
            b.qs[GQ_QK_K / 8 + 4 * ib + l] = signs;
            const float db = (float)(2 * (l < 2 ? scale_lo : scale_hi) + 1) / 16;
            for (int j = 0; j < 8; j++)
                want[32 * ib + 8 * l + j] = ((signs >> j) & 1 ? -1.f : 1.f) * db * grid_byte(gq_iq2s_grid, index, j);
        }
    }
    check_decoded(GQ_TYPE_IQ2_S, &b, want);
}

/* ------------------------------------------------------------ SIMD == scalar */

enum { N_PER_ROW = 1024, ROWS = 48 };

/* Rows of many shapes: Gaussian over 12 decades, heavy tails, sparse rows,
 * one-sided rows, constant rows, rows of zeros with a few spikes, tiny
 * (subnormal) values, and outlier columns. */
static void fill_rows(float *x, int rows, int n, uint64_t seed) {
    uint64_t s = seed;
    for (int r = 0; r < rows; r++) {
        const double scale = pow(10.0, -8 + (r % 13));
        const int shape = r % 8;
        for (int i = 0; i < n; i++) {
            double v = gqt_rng_gauss(&s);
            switch (shape) {
            case 1: v = v / sqrt(fabs(gqt_rng_gauss(&s)) + 0.05); break; /* heavy tails */
            case 2: v = gqt_rng_unit(&s) < 0.8 ? 0 : v; break;           /* sparse */
            case 3: v = fabs(v); break;                               /* one-sided */
            case 4: v = 0.75; break;                                  /* constant */
            case 5: v = i % 97 == 0 ? 40 * v : 0; break;              /* spikes in zeros */
            case 6: v = v * 1e-38 / scale; break;                     /* subnormal */
            default: break;
            }
            if (i % 61 == 7) v *= 12; /* a loud column */
            x[(size_t)r * n + i] = (float)(v * scale);
        }
    }
}

static void fill_imatrix(float *w, int n, uint64_t seed, int flavour) {
    uint64_t s = seed;
    for (int i = 0; i < n; i++) {
        double v = exp(3 * gqt_rng_gauss(&s)); /* positive, spread over decades */
        if (flavour == 1 && i % 5 == 0) v = 0;    /* unused columns */
        if (flavour == 2) v = 1;                  /* flat */
        w[i] = (float)v;
    }
}

static void simd_quantize_matches_scalar(void **state) {
    (void)state;
    float *x = malloc(sizeof(float) * ROWS * N_PER_ROW), *w = malloc(sizeof(float) * N_PER_ROW);
    assert_non_null(x);
    assert_non_null(w);
    for (int seed = 1; seed <= 2; seed++) {
        fill_rows(x, ROWS, N_PER_ROW, 1000u + (uint64_t)seed);
        for (int flavour = 0; flavour < 3; flavour++) {
            fill_imatrix(w, N_PER_ROW, 77u + (uint64_t)(seed * 3 + flavour), flavour);
            char what[64];
            snprintf(what, sizeof what, "seed %d, imatrix flavour %d", seed, flavour);
            for (int t = 0; t < 3; t++)
                assert_true(gqt_quantize_simd_matches_scalar(iq2_types[t], x, ROWS, N_PER_ROW, w, 2, what));
        }
        assert_true(gqt_quantize_simd_matches_scalar(GQ_TYPE_IQ2_S, x, ROWS, N_PER_ROW, NULL, 2, "no imatrix"));
    }
    free(x);
    free(w);
}

static void simd_dequantize_matches_scalar(void **state) {
    (void)state;
    enum { BLOCKS = 512 };
    uint64_t s = 5;
    for (int t = 0; t < 3; t++) {
        const size_t bytes = gqt_row_bytes(iq2_types[t], GQ_QK_K) * BLOCKS;
        uint8_t *q = malloc(bytes);
        assert_non_null(q);
        /* every bit pattern, including NaN, infinite and subnormal half scales */
        for (size_t i = 0; i < bytes; i++) q[i] = (uint8_t)gqt_rng_next(&s);
        assert_true(gqt_dequantize_simd_matches_scalar(iq2_types[t], q, BLOCKS, GQ_QK_K, 1, "random blocks"));
        free(q);
    }
}

/* ------------------------------------------------------------ behaviour */

static void refuses_without_importance_weights(void **state) {
    (void)state;
    float x[GQ_QK_K];
    uint8_t q[128];
    uint64_t s = 9;
    for (int i = 0; i < GQ_QK_K; i++) x[i] = (float)gqt_rng_gauss(&s);
    assert_int_equal(gq_quantize(GQ_TYPE_IQ2_XXS, x, q, 1, GQ_QK_K, NULL, 1, NULL, NULL), GQ_ERR_NEED_IMATRIX);
    assert_int_equal(gq_quantize(GQ_TYPE_IQ2_XS, x, q, 1, GQ_QK_K, NULL, 1, NULL, NULL), GQ_ERR_NEED_IMATRIX);
    assert_int_equal(gq_quantize(GQ_TYPE_IQ2_S, x, q, 1, GQ_QK_K, NULL, 1, NULL, NULL), GQ_OK);
}

/* An all-zero row has nothing to scale: every byte of every block is 0. */
static void zero_rows_give_zero_blocks(void **state) {
    (void)state;
    float x[2 * GQ_QK_K] = { 0 }, w[2 * GQ_QK_K];
    uint8_t q[2 * 82];
    for (int i = 0; i < 2 * GQ_QK_K; i++) w[i] = 1;
    for (int t = 0; t < 3; t++) {
        for (int simd = 0; simd < 2; simd++) {
            gq_quant_set_simd(simd);
            memset(q, 0xa5, sizeof q);
            const size_t n = gqt_row_bytes(iq2_types[t], 2 * GQ_QK_K);
            assert_int_equal(gq_quantize(iq2_types[t], x, q, 1, 2 * GQ_QK_K, w, 1, NULL, NULL), GQ_OK);
            for (size_t i = 0; i < n; i++) assert_int_equal(q[i], 0);
        }
    }
    gq_quant_set_simd(true);
}

/* Values and weights where ggml's arithmetic overflows (ggml itself aborts
 * on some of them): no crash, no sanitizer report, the same bytes from the
 * SIMD kernels as from the reference. */
static void hostile_values_quantize_deterministically(void **state) {
    (void)state;
    enum { N = 4 * GQ_QK_K };
    float *x = malloc(sizeof(float) * 4 * N), w[N];
    assert_non_null(x);
    uint64_t s = 31;
    for (int i = 0; i < 4 * N; i++) {
        const int row = i / N;
        double v = gqt_rng_gauss(&s);
        if (row == 0) v *= 1e37;                          /* squares overflow to inf */
        if (row == 1) v = i % 3 ? 3.4e38 : -3.4e38;       /* the float limits */
        if (row == 2) v = (i % 2 ? 1 : -1) * 1.4e-45;     /* the smallest subnormal */
        if (row == 3) v = i % 256 == 0 ? 1e30 : v * 1e-30; /* one huge value per block */
        x[i] = (float)v;
    }
    for (int flavour = 0; flavour < 3; flavour++) {
        for (int i = 0; i < N; i++) {
            w[i] = flavour == 0 ? 0.f : flavour == 1 ? 3.0e38f : (i % 2 ? -1.f : 1e-30f); /* zero, huge, negative */
        }
        for (int t = 0; t < 3; t++)
            assert_true(gqt_quantize_simd_matches_scalar(iq2_types[t], x, 4, N, w, 2, "hostile values"));
    }
    assert_true(gqt_quantize_simd_matches_scalar(GQ_TYPE_IQ2_S, x, 4, N, NULL, 2, "hostile values, no imatrix"));
    free(x);
}

/* More bits, less error: on Gaussian rows with flat importance, the
 * reconstruction error falls from iq2_xxs (2.06 bpw) to iq2_xs (2.31) to
 * iq2_s (2.56), and even the smallest keeps most of the signal. */
static void error_falls_with_bits(void **state) {
    (void)state;
    enum { N = 16 * GQ_QK_K };
    float *x = malloc(sizeof(float) * N), *y = malloc(sizeof(float) * N), *w = malloc(sizeof(float) * N);
    uint8_t *q = malloc(N);
    assert_true(x && y && w && q);
    uint64_t s = 17;
    for (int i = 0; i < N; i++) {
        x[i] = (float)gqt_rng_gauss(&s);
        w[i] = 1;
    }
    double nmse[3];
    for (int t = 0; t < 3; t++) {
        assert_int_equal(gq_quantize(iq2_types[t], x, q, 1, N, w, 1, NULL, NULL), GQ_OK);
        assert_int_equal(gq_dequantize(iq2_types[t], q, y, N), GQ_OK);
        double e2 = 0, x2 = 0;
        for (int i = 0; i < N; i++) {
            e2 += ((double)y[i] - x[i]) * ((double)y[i] - x[i]);
            x2 += (double)x[i] * x[i];
        }
        nmse[t] = e2 / x2;
    }
    assert_true(nmse[0] > nmse[1] && nmse[1] > nmse[2]);
    assert_true(nmse[0] < 0.25);
    free(x);
    free(y);
    free(w);
    free(q);
}

/* ------------------------------------------------------------ llama-quantize's outputs */

static void iq2_tensors_match_llama_quantize(void **state) {
    (void)state;
    gguf_file *bf16;
    gq_imatrix *imat;
    gqt_open_gemma4_mini(&bf16, &imat);
    /* tensor counts per type from the fixture's types-<TYPE>.txt */
    assert_int_equal(gqt_requantize_gemma4_mini("IQ2_XXS", GQ_TYPE_IQ2_XXS, bf16, imat), 63);
    assert_int_equal(gqt_requantize_gemma4_mini("IQ2_XS", GQ_TYPE_IQ2_XS, bf16, imat), 63);
    assert_int_equal(gqt_requantize_gemma4_mini("IQ2_S", GQ_TYPE_IQ2_XS, bf16, imat), 55);
    assert_int_equal(gqt_requantize_gemma4_mini("IQ2_M", GQ_TYPE_IQ2_S, bf16, imat), 55);
    /* and the scalar reference on one of them */
    gq_quant_set_simd(false);
    assert_int_equal(gqt_requantize_gemma4_mini("IQ2_M", GQ_TYPE_IQ2_S, bf16, imat), 55);
    gq_quant_set_simd(true);
    gqt_close_gemma4_mini(bf16, imat);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(lattice_built_once_under_threads),
        cmocka_unit_test(lattice_points_are_the_codebooks),
        cmocka_unit_test(lattice_neighbour_lists_in_ggml_order),
        cmocka_unit_test(iq2_xxs_hand_built),
        cmocka_unit_test(iq2_xs_hand_built),
        cmocka_unit_test(iq2_s_hand_built),
        cmocka_unit_test(simd_dequantize_matches_scalar),
        cmocka_unit_test(simd_quantize_matches_scalar),
        cmocka_unit_test(refuses_without_importance_weights),
        cmocka_unit_test(zero_rows_give_zero_blocks),
        cmocka_unit_test(hostile_values_quantize_deterministically),
        cmocka_unit_test(error_falls_with_bits),
        cmocka_unit_test(iq2_tensors_match_llama_quantize),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
