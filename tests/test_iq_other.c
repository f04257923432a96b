/* The IQ3 / IQ4 / IQ1 kernels beyond ggml's conformance vectors
 * (test_quant_vectors checks those):
 *
 *   - hand-built blocks of every type, dequantized, against values worked
 *     out here from the block layout and the codebooks as the shared
 *     formats/ggml-tables.txt lists them (not the library's copy), with
 *     scales chosen so every expected value is exact;
 *   - the IQ3 lattices (grid maps and neighbour lists) against a brute-force
 *     construction from the same shared tables;
 *   - SIMD kernels against the scalar reference on random data (several
 *     rows, hostile value mixes, with and without importance weights, NaN
 *     and Inf scales in block data), and several threads against one;
 *   - which types need importance weights, and ggml's iq3_s storage quirk
 *     after an all-zero sub-block;
 *   - the iq3_s tensors of llama-quantize's IQ2_M and IQ2_S outputs of the
 *     gemma4-mini fixture (llama.cpp with ggml 0.18.1, importance matrix
 *     given), requantized from the BF16 model byte for byte. */
#include "gqtest.h"
#include "quant_testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gq/gguf.h"
#include "gq/imatrix.h"
#include "gq/quant.h"
#include "quant/iq_other.h"

/* ---------------------------------------------------------------- tables */

/* The codebooks as the shared data states them. */
static uint32_t ref_iq3xxs[256], ref_iq3s[512];
static uint64_t ref_iq1s[2048];
static int ref_kvalues[16];

static void parse_table(const char *text, const char *name, int count, uint64_t *out) {
    char header[64];
    snprintf(header, sizeof header, "\n%s %d\n", name, count);
    const char *p = strstr(text, header);
    if (!p) fail_msg("formats/ggml-tables.txt has no table %s of %d", name, count);
    p += strlen(header);
    for (int i = 0; i < count; i++) {
        char *end;
        out[i] = (uint64_t)strtoull(p, &end, 0); /* "-127" wraps, and is cast back */
        if (end == p) fail_msg("table %s: value %d unreadable", name, i);
        p = end;
    }
}

static int load_tables(void **state) {
    (void)state;
    size_t size;
    char *text = gqt_read_file(gqt_shared_path("formats/ggml-tables.txt"), &size);
    uint64_t *tmp = malloc(2048 * sizeof *tmp);
    parse_table(text, "iq3xxs_grid", 256, tmp);
    for (int i = 0; i < 256; i++) ref_iq3xxs[i] = (uint32_t)tmp[i];
    parse_table(text, "iq3s_grid", 512, tmp);
    for (int i = 0; i < 512; i++) ref_iq3s[i] = (uint32_t)tmp[i];
    parse_table(text, "iq1s_grid", 2048, ref_iq1s);
    parse_table(text, "kvalues_iq4nl", 16, tmp);
    for (int i = 0; i < 16; i++) ref_kvalues[i] = (int)(int64_t)tmp[i];
    free(tmp);
    free(text);
    return 0;
}

/* ---------------------------------------------------------------- helpers */

static int rng_below(uint64_t *s, int n) { return (int)(gqt_rng_next(s) % (uint64_t)n); }

static void put_u16(uint8_t *p, unsigned v) {
    p[0] = (uint8_t)(v & 0xff);
    p[1] = (uint8_t)(v >> 8);
}

/* Rows that stress the searches: Gaussian and heavy-tailed values at many
 * scales, constant rows (ties everywhere), rows with all-zero 16/32-value
 * stretches, subnormal and near-threshold tiny values, large values, and
 * one-sided rows. */
static void fill_rows(float *x, int rows, int n_per_row, uint64_t seed) {
    uint64_t s = seed;
    for (int r = 0; r < rows; r++) {
        float *row = x + (size_t)r * n_per_row;
        const int kind = r % 9;
        const float scale = (float)pow(10.0, -3 + 6 * gqt_rng_unit(&s));
        for (int c = 0; c < n_per_row; c++) {
            const double g = sqrt(-2.0 * log(gqt_rng_unit(&s))) * cos(6.283185307179586 * gqt_rng_unit(&s));
            float v;
            switch (kind) {
            case 0: v = (float)g * scale; break;
            case 1: v = (float)(g / (0.2 + gqt_rng_unit(&s))) * scale; break;
            case 2: v = 0.375f; break;
            case 3: v = (c / 16) % 3 == 1 ? 0.f : (float)g; break;
            case 4: v = (float)g * 1e-40f; break;
            case 5: v = (float)g * 3e-8f; break;
            case 6: v = (float)g * 2e4f; break;
            case 7: v = (float)fabs(g) * scale; break;
            default: v = c % 37 == 0 ? (float)g * 50 : (float)g * 0.01f; break;
            }
            row[c] = v;
        }
    }
}

static void fill_imatrix(float *w, int n, uint64_t seed) {
    uint64_t s = seed;
    for (int i = 0; i < n; i++) w[i] = (float)(0.01 + 3 * gqt_rng_unit(&s) * gqt_rng_unit(&s));
}

static const uint32_t all_types[] = { GQ_TYPE_IQ3_XXS, GQ_TYPE_IQ3_S, GQ_TYPE_IQ4_NL,
                                      GQ_TYPE_IQ4_XS,  GQ_TYPE_IQ1_S, GQ_TYPE_IQ1_M };
#define N_TYPES (sizeof all_types / sizeof all_types[0])

/* ------------------------------------------------------ hand-built blocks */

static void dequantize_one(uint32_t type, const void *block, float *out, int n) {
    assert_int_equal(gq_dequantize(type, block, out, n), GQ_OK);
}

static void check_hand_built(uint32_t type, const void *blocks, const float *want, int n, const char *what) {
    float *got = malloc((size_t)n * sizeof *got);
    for (int simd = 0; simd < 2; simd++) {
        char label[96];
        gq_quant_set_simd(simd);
        snprintf(label, sizeof label, "%s [%s]", what, gq_quant_isa());
        dequantize_one(type, blocks, got, n);
        assert_true(gqt_floats_identical(got, want, (size_t)n, label));
    }
    gq_quant_set_simd(true);
    free(got);
}

/* iq4_nl: 32 values = d * level[nibble]; byte j holds value j (low) and j+16 (high). */
static void iq4_nl_hand_built(void **state) {
    (void)state;
    uint64_t s = 11;
    enum { NB = 5 };
    uint8_t blocks[NB * 18];
    float want[NB * 32];
    /* fp16 0.5, -2, 0.125, 1, 4: exact scales */
    static const unsigned d_bits[NB] = { 0x3800, 0xC000, 0x3000, 0x3C00, 0x4400 };
    static const float d_vals[NB] = { 0.5f, -2.f, 0.125f, 1.f, 4.f };
    for (int b = 0; b < NB; b++) {
        uint8_t *blk = blocks + 18 * b;
        put_u16(blk, d_bits[b]);
        for (int j = 0; j < 16; j++) {
            const int lo = rng_below(&s, 16), hi = rng_below(&s, 16);
            blk[2 + j] = (uint8_t)(lo | hi << 4);
            want[32 * b + j] = d_vals[b] * (float)ref_kvalues[lo];
            want[32 * b + j + 16] = d_vals[b] * (float)ref_kvalues[hi];
        }
    }
    check_hand_built(GQ_TYPE_IQ4_NL, blocks, want, NB * 32, "iq4_nl hand-built");
}

/* iq4_xs: fp16 d, 16-bit scales_h (2 high bits per sub-block), 4 bytes
 * scales_l (low nibble per sub-block, even sub-block in the low half),
 * 128 bytes of nibbles as iq4_nl per 32; value = d * (ls - 32) * level. */
static void iq4_xs_hand_built(void **state) {
    (void)state;
    uint64_t s = 12;
    enum { NB = 3, BYTES = 136 };
    uint8_t blocks[NB * BYTES];
    float want[NB * 256];
    static const unsigned d_bits[NB] = { 0x3400, 0xB800, 0x3C00 }; /* 0.25, -0.5, 1 */
    static const float d_vals[NB] = { 0.25f, -0.5f, 1.f };
    memset(blocks, 0, sizeof blocks);
    for (int b = 0; b < NB; b++) {
        uint8_t *blk = blocks + BYTES * b;
        put_u16(blk, d_bits[b]);
        unsigned scales_h = 0;
        for (int ib = 0; ib < 8; ib++) {
            const int ls = ib == 0 ? 0 : ib == 1 ? 63 : rng_below(&s, 64); /* both ends of the range */
            scales_h |= (unsigned)(ls >> 4) << (2 * ib);
            blk[4 + ib / 2] |= (uint8_t)((ls & 15) << (ib % 2 ? 4 : 0));
            for (int j = 0; j < 16; j++) {
                const int lo = rng_below(&s, 16), hi = rng_below(&s, 16);
                blk[8 + 16 * ib + j] = (uint8_t)(lo | hi << 4);
                want[256 * b + 32 * ib + j] = d_vals[b] * (float)(ls - 32) * (float)ref_kvalues[lo];
                want[256 * b + 32 * ib + j + 16] = d_vals[b] * (float)(ls - 32) * (float)ref_kvalues[hi];
            }
        }
        put_u16(blk + 2, scales_h);
    }
    check_hand_built(GQ_TYPE_IQ4_XS, blocks, want, NB * 256, "iq4_xs hand-built");
}

/* iq3_xxs: fp16 d, 64 grid indices (one per 4 values), then per 32 values
 * a 32-bit word: four 7-bit sign patterns (the 8th sign makes the count of
 * minus signs even) and a 4-bit scale ls on top; value = d * (0.5 + ls) / 2
 * * grid byte * sign. */
static void iq3_xxs_hand_built(void **state) {
    (void)state;
    uint64_t s = 13;
    enum { NB = 3, BYTES = 98 };
    uint8_t blocks[NB * BYTES];
    float want[NB * 256];
    static const unsigned d_bits[NB] = { 0x3C00, 0x3800, 0xC000 }; /* 1, 0.5, -2 */
    static const float d_vals[NB] = { 1.f, 0.5f, -2.f };
    for (int b = 0; b < NB; b++) {
        uint8_t *blk = blocks + BYTES * b;
        put_u16(blk, d_bits[b]);
        for (int ib = 0; ib < 8; ib++) {
            const unsigned ls = ib == 0 ? 15 : (unsigned)rng_below(&s, 16);
            uint32_t word = ls << 28;
            const float db = d_vals[b] * (0.5f + (float)ls) * 0.5f;
            for (int g = 0; g < 4; g++) {
                const unsigned seven = ib == 1 ? 127u : (unsigned)rng_below(&s, 128);
                word |= seven << (7 * g);
                int minus_count = 0;
                for (int bit = 0; bit < 7; bit++) minus_count += seven >> bit & 1;
                const unsigned eight = minus_count % 2 ? seven | 0x80 : seven;
                for (int half = 0; half < 2; half++) {
                    const int idx = rng_below(&s, 256);
                    blk[2 + 8 * ib + 2 * g + half] = (uint8_t)idx;
                    for (int j = 0; j < 4; j++) {
                        const int pos = 4 * half + j;
                        const float mag = (float)((ref_iq3xxs[idx] >> (8 * j)) & 0xff);
                        want[256 * b + 32 * ib + 8 * g + pos] = (eight >> pos & 1 ? -1.f : 1.f) * db * mag;
                    }
                }
            }
            for (int k = 0; k < 4; k++) blk[2 + 64 + 4 * ib + k] = (uint8_t)(word >> (8 * k));
        }
    }
    check_hand_built(GQ_TYPE_IQ3_XXS, blocks, want, NB * 256, "iq3_xxs hand-built");
}

/* iq3_s: fp16 d, 64 low bytes of 9-bit grid indices, 8 bytes of 9th bits
 * (bit k of byte ib for group k of sub-block ib), 32 sign bytes (one per 8
 * values), 4 bytes of 4-bit scales (even sub-block low); value =
 * d * (1 + 2 ls) * grid byte * sign. */
static void iq3_s_hand_built(void **state) {
    (void)state;
    uint64_t s = 14;
    enum { NB = 3, BYTES = 110 };
    uint8_t blocks[NB * BYTES];
    float want[NB * 256];
    static const unsigned d_bits[NB] = { 0x3C00, 0x3400, 0xB800 }; /* 1, 0.25, -0.5 */
    static const float d_vals[NB] = { 1.f, 0.25f, -0.5f };
    memset(blocks, 0, sizeof blocks);
    for (int b = 0; b < NB; b++) {
        uint8_t *blk = blocks + BYTES * b;
        uint8_t *qs = blk + 2, *qh = blk + 66, *signs = blk + 74, *scales = blk + 106;
        put_u16(blk, d_bits[b]);
        for (int ib = 0; ib < 8; ib++) {
            const int ls = ib == 0 ? 15 : rng_below(&s, 16);
            scales[ib / 2] |= (uint8_t)(ls << (ib % 2 ? 4 : 0));
            const float db = d_vals[b] * (float)(1 + 2 * ls);
            for (int k = 0; k < 8; k++) {
                const int idx = ib == 2 ? 511 : rng_below(&s, 512);
                qs[8 * ib + k] = (uint8_t)(idx & 255);
                qh[ib] |= (uint8_t)((idx >> 8) << k);
                if (k % 2 == 0) signs[4 * ib + k / 2] = (uint8_t)rng_below(&s, 256);
                const uint8_t sg = signs[4 * ib + k / 2];
                for (int j = 0; j < 4; j++) {
                    const int pos = 4 * (k % 2) + j;
                    const float mag = (float)((ref_iq3s[idx] >> (8 * j)) & 0xff);
                    want[256 * b + 32 * ib + 4 * k + j] = (sg >> pos & 1 ? -1.f : 1.f) * db * mag;
                }
            }
        }
    }
    check_hand_built(GQ_TYPE_IQ3_S, blocks, want, NB * 256, "iq3_s hand-built");
}

static float iq1_coord(uint64_t entry, int j) { return (float)(int8_t)(entry >> (8 * j)); }

/* iq1_s: fp16 d, 32 low bytes of 11-bit grid indices, then per 32 values a
 * 16-bit word: 3 high index bits per group of 8 (bits 0-11), 3-bit scale
 * ls (12-14), delta sign (15); value = d * (2 ls + 1) * (coord +- 1/8). */
static void iq1_s_hand_built(void **state) {
    (void)state;
    uint64_t s = 15;
    enum { NB = 3, BYTES = 50 };
    uint8_t blocks[NB * BYTES];
    float want[NB * 256];
    static const unsigned d_bits[NB] = { 0x3800, 0x3C00, 0xC400 }; /* 0.5, 1, -4 */
    static const float d_vals[NB] = { 0.5f, 1.f, -4.f };
    for (int b = 0; b < NB; b++) {
        uint8_t *blk = blocks + BYTES * b;
        put_u16(blk, d_bits[b]);
        for (int ib = 0; ib < 8; ib++) {
            const unsigned ls = ib == 0 ? 7 : (unsigned)rng_below(&s, 8);
            const unsigned minus = (unsigned)rng_below(&s, 2);
            unsigned word = ls << 12 | minus << 15;
            for (int g = 0; g < 4; g++) {
                const int idx = ib == 1 ? 2047 : rng_below(&s, 2048);
                blk[2 + 4 * ib + g] = (uint8_t)(idx & 255);
                word |= (unsigned)(idx >> 8) << (3 * g);
                for (int j = 0; j < 8; j++)
                    want[256 * b + 32 * ib + 8 * g + j] = d_vals[b] * (float)(2 * ls + 1) *
                                                          (iq1_coord(ref_iq1s[idx], j) + (minus ? -0.125f : 0.125f));
            }
            put_u16(blk + 34 + 2 * ib, word);
        }
    }
    check_hand_built(GQ_TYPE_IQ1_S, blocks, want, NB * 256, "iq1_s hand-built");
}

/* iq1_m: 32 low index bytes, 16 qh bytes (per group of 8, a nibble: 3 high
 * index bits + delta sign at bit 3; first group of a pair in the low
 * nibble), 8 scale bytes = four 16-bit words each holding four 3-bit
 * scales (one per 16 values) and, in its top nibble, 4 bits of the fp16
 * super-block scale (word 0 the lowest bits); value = d * (2 ls + 1) *
 * (coord +- 1/8). */
static void iq1_m_hand_built(void **state) {
    (void)state;
    uint64_t s = 16;
    enum { NB = 3, BYTES = 56 };
    uint8_t blocks[NB * BYTES];
    float want[NB * 256];
    static const unsigned d_bits[NB] = { 0x3800, 0x3C00, 0xBC00 }; /* 0.5, 1, -1 */
    static const float d_vals[NB] = { 0.5f, 1.f, -1.f };
    memset(blocks, 0, sizeof blocks);
    for (int b = 0; b < NB; b++) {
        uint8_t *blk = blocks + BYTES * b;
        uint8_t *qs = blk, *qh = blk + 32;
        unsigned words[4] = { 0, 0, 0, 0 };
        for (int sb = 0; sb < 16; sb++) {
            const unsigned ls = sb == 0 ? 7 : (unsigned)rng_below(&s, 8);
            words[sb / 4] |= ls << (3 * (sb % 4));
            for (int g = 0; g < 2; g++) {
                const int group = 2 * sb + g;
                const int idx = sb == 1 ? 2047 : rng_below(&s, 2048);
                const unsigned minus = (unsigned)rng_below(&s, 2);
                qs[group] = (uint8_t)(idx & 255);
                qh[group / 2] |= (uint8_t)(((unsigned)(idx >> 8) | minus << 3) << (4 * (group % 2)));
                for (int j = 0; j < 8; j++)
                    want[256 * b + 8 * group + j] = d_vals[b] * (float)(2 * ls + 1) *
                                                    (iq1_coord(ref_iq1s[idx], j) + (minus ? -0.125f : 0.125f));
            }
        }
        for (int w = 0; w < 4; w++) {
            words[w] |= ((d_bits[b] >> (4 * w)) & 0xf) << 12;
            put_u16(blk + 48 + 2 * w, words[w]);
        }
    }
    check_hand_built(GQ_TYPE_IQ1_M, blocks, want, NB * 256, "iq1_m hand-built");
}

/* -------------------------------------------------------- IQ3 lattices */

/* Brute force from the shared codebook: the level of a coordinate byte is
 * its rank among the 8 distinct byte values; off-grid keys list every
 * entry at the 2 (xxs) or 3 (s) smallest distinct squared distances of the
 * odd coordinates 2l+1, by distance then index. */
static void check_lattice(int grid_size, const uint32_t *codebook, int rings) {
    const gq_iq3_lattice *lat = gq_iq3_lattice_get(grid_size);
    assert_non_null(lat);
    assert_int_equal(lat->grid_size, grid_size);
    int values[8], n_values = 0;
    for (int v = 0; v < 256; v++) {
        int used = 0;
        for (int e = 0; e < grid_size && !used; e++)
            for (int i = 0; i < 4; i++) used |= (int)((codebook[e] >> (8 * i)) & 0xff) == v;
        if (used) {
            assert_true(n_values < 8);
            values[n_values++] = v;
        }
    }
    assert_int_equal(n_values, 8);
    int level[512][4];
    int key_of[512];
    for (int e = 0; e < grid_size; e++) {
        key_of[e] = 0;
        for (int i = 0; i < 4; i++) {
            const int byte = (int)((codebook[e] >> (8 * i)) & 0xff);
            int l = 0;
            while (values[l] != byte) l++;
            level[e][i] = l;
            key_of[e] |= l << (3 * i);
        }
        assert_int_equal(lat->key_to_entry[key_of[e]], e);
    }
    int checked_lists = 0;
    for (int key = 0; key < 4096; key++) {
        int on_grid = -1;
        for (int e = 0; e < grid_size; e++)
            if (key_of[e] == key) on_grid = e;
        if (on_grid >= 0) continue;
        const int32_t m = lat->key_to_entry[key];
        assert_true(m < 0);
        const uint16_t *list = lat->neighbours + (-m - 1);
        int d2[512];
        for (int e = 0; e < grid_size; e++) {
            d2[e] = 0;
            for (int i = 0; i < 4; i++) {
                const int diff = 2 * level[e][i] - 2 * ((key >> (3 * i)) & 7);
                d2[e] += diff * diff;
            }
        }
        int pos = 1, last = -1;
        for (int ring = 0; ring < rings; ring++) {
            int next = 1 << 30;
            for (int e = 0; e < grid_size; e++)
                if (d2[e] > last && d2[e] < next) next = d2[e];
            for (int e = 0; e < grid_size; e++) {
                if (d2[e] != next) continue;
                assert_true(pos <= list[0]);
                assert_int_equal(list[pos], e);
                assert_int_equal(lat->neighbour_points[(-m - 1) + pos], lat->points[e]);
                pos++;
            }
            last = next;
        }
        assert_int_equal(list[0], pos - 1);
        checked_lists++;
    }
    assert_true(checked_lists > 3000);
    for (int e = 0; e < grid_size; e++)
        for (int i = 0; i < 4; i++) assert_int_equal((lat->points[e] >> (8 * i)) & 0xff, 2 * level[e][i] + 1);
}

static void iq3_lattices_match_brute_force(void **state) {
    (void)state;
    check_lattice(256, ref_iq3xxs, 2);
    check_lattice(512, ref_iq3s, 3);
    assert_null(gq_iq3_lattice_get(128));
}

/* -------------------------------------------------- SIMD and threads */

static void first_use_from_many_threads(void **state) {
    (void)state;
    /* The first quantization of a process builds the lattices; with 4
     * threads they race to do it.  The bytes must equal a later 1-thread run. */
    enum { ROWS = 8, NPR = 512 };
    float *x = malloc(ROWS * NPR * sizeof *x), *imat = malloc(NPR * sizeof *imat);
    fill_rows(x, ROWS, NPR, 99);
    fill_imatrix(imat, NPR, 98);
    for (size_t t = 0; t < N_TYPES; t++) {
        const size_t size = gqt_row_bytes(all_types[t], NPR) * ROWS;
        uint8_t *many = malloc(size), *one = malloc(size);
        assert_int_equal(gq_quantize(all_types[t], x, many, ROWS, NPR, imat, 4, NULL, NULL), GQ_OK);
        assert_int_equal(gq_quantize(all_types[t], x, one, ROWS, NPR, imat, 1, NULL, NULL), GQ_OK);
        assert_true(gqt_bytes_identical(many, one, size, gq_type_name(all_types[t])));
        free(many);
        free(one);
    }
    free(x);
    free(imat);
}

static void simd_quantize_matches_scalar(void **state) {
    (void)state;
    enum { ROWS = 27, NPR = 768 };
    float *x = malloc(ROWS * NPR * sizeof *x), *imat = malloc(NPR * sizeof *imat);
    fill_rows(x, ROWS, NPR, 2024);
    fill_imatrix(imat, NPR, 7);
    int bad = 0;
    for (size_t t = 0; t < N_TYPES; t++) {
        const uint32_t type = all_types[t];
        const size_t size = gqt_row_bytes(type, NPR) * ROWS;
        /* the threaded run writes one byte into its buffer: blocks at odd addresses */
        uint8_t *ref = malloc(size), *simd = malloc(size), *threaded_buf = malloc(size + 1), *threaded = threaded_buf + 1;
        for (int with_imat = 0; with_imat < 2; with_imat++) {
            const float *w = with_imat ? imat : NULL;
            if (!w && gq_type_get(type)->needs_imatrix) continue;
            char what[96];
            gq_quant_set_simd(false);
            assert_int_equal(gq_quantize(type, x, ref, ROWS, NPR, w, 1, NULL, NULL), GQ_OK);
            gq_quant_set_simd(true);
            assert_int_equal(gq_quantize(type, x, simd, ROWS, NPR, w, 1, NULL, NULL), GQ_OK);
            assert_int_equal(gq_quantize(type, x, threaded, ROWS, NPR, w, 3, NULL, NULL), GQ_OK);
            snprintf(what, sizeof what, "%s%s %s vs scalar", gq_type_name(type), with_imat ? " imat" : "",
                     gq_quant_isa());
            bad += !gqt_bytes_identical(simd, ref, size, what);
            snprintf(what, sizeof what, "%s%s 3 threads, misaligned vs 1", gq_type_name(type), with_imat ? " imat" : "");
            bad += !gqt_bytes_identical(threaded, simd, size, what);
        }
        free(ref);
        free(simd);
        free(threaded_buf);
    }
    free(x);
    free(imat);
    assert_int_equal(bad, 0);
}

static void simd_dequantize_matches_scalar(void **state) {
    (void)state;
    uint64_t s = 5;
    enum { NPR = 1024, ROWS = 5 };
    int bad = 0;
    for (size_t t = 0; t < N_TYPES; t++) {
        const uint32_t type = all_types[t];
        const size_t size = gqt_row_bytes(type, NPR) * ROWS;
        uint8_t *q = malloc(size + 1);
        /* Random bytes: every code, sign pattern and index; the fp16 scales
         * are random too, so NaN, Inf and subnormal scales occur.  Start one
         * byte in to check unaligned block data. */
        for (size_t i = 0; i < size + 1; i++) q[i] = (uint8_t)gqt_rng_next(&s);
        bad += !gqt_dequantize_simd_matches_scalar(type, q + 1, ROWS, NPR, 2, "random blocks");
        free(q);
    }
    assert_int_equal(bad, 0);
}

/* Nearest IQ4 level as ggml's best_index_int8 defines it: at or below the
 * lowest level -> 0, at or above the highest (or NaN) -> 15, a value
 * exactly halfway between two levels -> the upper one. */
static void iq4_nearest_level_rules(void **state) {
    (void)state;
    for (int k = 0; k < 16; k++) assert_int_equal(gq_iq4_nearest_level((float)ref_kvalues[k]), k);
    for (int k = 0; k < 15; k++) {
        const float mid = 0.5f * (float)(ref_kvalues[k] + ref_kvalues[k + 1]);
        assert_int_equal(gq_iq4_nearest_level(mid), k + 1);
        assert_int_equal(gq_iq4_nearest_level(nextafterf(mid, -INFINITY)), k);
    }
    assert_int_equal(gq_iq4_nearest_level(-1e30f), 0);
    assert_int_equal(gq_iq4_nearest_level(-INFINITY), 0);
    assert_int_equal(gq_iq4_nearest_level(1e30f), 15);
    assert_int_equal(gq_iq4_nearest_level(INFINITY), 15);
    assert_int_equal(gq_iq4_nearest_level(NAN), 15);
}

/* Rows made of the IQ4 levels and the midpoints between them (times powers
 * of two), so that the SIMD nearest-level search meets exact ties. */
static void simd_iq4_ties_match_scalar(void **state) {
    (void)state;
    enum { ROWS = 12, NPR = 512 };
    float *x = malloc(ROWS * NPR * sizeof *x), *imat = malloc(NPR * sizeof *imat);
    uint64_t s = 77;
    for (int r = 0; r < ROWS; r++) {
        const float scale = ldexpf(1.f, r - 6);
        for (int c = 0; c < NPR; c++) {
            const int k = rng_below(&s, 15);
            float v = c % 32 == 0 ? -127.f : c % 32 == 1 ? 113.f
                    : rng_below(&s, 2) ? 0.5f * (float)(ref_kvalues[k] + ref_kvalues[k + 1]) : (float)ref_kvalues[k];
            x[r * NPR + c] = v * scale;
        }
    }
    for (int i = 0; i < NPR; i++) imat[i] = (float)(1 + i % 3);
    static const uint32_t iq4_types[] = { GQ_TYPE_IQ4_NL, GQ_TYPE_IQ4_XS };
    for (int t = 0; t < 2; t++) {
        const size_t size = gqt_row_bytes(iq4_types[t], NPR) * ROWS;
        uint8_t *ref = malloc(size), *simd = malloc(size);
        for (int with_imat = 0; with_imat < 2; with_imat++) {
            gq_quant_set_simd(false);
            assert_int_equal(gq_quantize(iq4_types[t], x, ref, ROWS, NPR, with_imat ? imat : NULL, 1, NULL, NULL), GQ_OK);
            gq_quant_set_simd(true);
            assert_int_equal(gq_quantize(iq4_types[t], x, simd, ROWS, NPR, with_imat ? imat : NULL, 1, NULL, NULL), GQ_OK);
            assert_true(gqt_bytes_identical(simd, ref, size, gq_type_name(iq4_types[t])));
        }
        free(ref);
        free(simd);
    }
    free(x);
    free(imat);
}

/* The AVX2 search steps against the scalar ones, called directly, on the
 * inputs where they could part: exact ties between two IQ4 levels, values
 * beyond the outer levels, infinities and NaN, rounding at exact halves in
 * the IQ3 trial, and every off-grid IQ3 neighbour list. */
#if defined(__x86_64__) || defined(_M_X64) /* (used only by the x86 checks below) */
static int sums_identical(float a, float b) {
    uint32_t x, y;
    memcpy(&x, &a, 4);
    memcpy(&y, &b, 4);
    return x == y || (isnan(a) && isnan(b));
}
#endif

static void avx2_steps_match_scalar(void **state) {
    (void)state;
#if defined(__x86_64__) || defined(_M_X64)
    gq_quant_set_simd(true);
    if (strcmp(gq_quant_isa(), "avx2") != 0) skip(); /* this CPU runs no AVX2 kernel */
    uint64_t s = 31;
    /* IQ4: every midpoint and level, their neighbours one ulp away, and edges */
    float x[256];
    int n = 0;
    for (int k = 0; k < 16; k++) {
        const float level = (float)ref_kvalues[k];
        x[n++] = level;
        x[n++] = nextafterf(level, INFINITY);
        x[n++] = nextafterf(level, -INFINITY);
        if (k < 15) {
            const float mid = 0.5f * (float)(ref_kvalues[k] + ref_kvalues[k + 1]);
            x[n++] = mid;
            x[n++] = nextafterf(mid, INFINITY);
            x[n++] = nextafterf(mid, -INFINITY);
        }
    }
    const float edges[] = { 0.f, -0.f, -1e30f, 1e30f, INFINITY, -INFINITY, NAN, 1e-40f, -200.f, 200.f };
    for (size_t i = 0; i < sizeof edges / sizeof edges[0]; i++) x[n++] = edges[i];
    while (n < 256) x[n++] = (float)(300 * (gqt_rng_unit(&s) - 0.5));
    float w[256];
    fill_imatrix(w, 256, 4);
    const float ids[] = { 1.f, 2.f, 0.5f, -1.f, 0.f, 1.0001f, INFINITY };
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        uint8_t Ls[256], La[256];
        gq_iq4_steps_scalar.assign(x, ids[i], Ls, 256);
        gq_iq4_steps_avx2.assign(x, ids[i], La, 256);
        assert_memory_equal(La, Ls, 256);
        for (int b = 0; b < 256; b += 32) {
            float sx_s, s2_s, sx_a, s2_a;
            gq_iq4_steps_scalar.score(x + b, w + b, ids[i], &sx_s, &s2_s);
            gq_iq4_steps_avx2.score(x + b, w + b, ids[i], &sx_a, &s2_a);
            assert_true(sums_identical(sx_a, sx_s));
            assert_true(sums_identical(s2_a, s2_s));
        }
    }

    /* IQ3 trial: magnitudes at exact rounding halves for id = 1 (x = 2l + 2
     * gives 0.5 * (x - 1) = l + 0.5), mixed with random ones */
    for (int grid = 256; grid <= 512; grid += 256) {
        const gq_iq3_lattice *lat = gq_iq3_lattice_get(grid);
        for (int rep = 0; rep < 200; rep++) {
            float xval[32], weight[32], waux[32];
            for (int i = 0; i < 32; i++) {
                xval[i] = rep % 2 ? (float)(2 * rng_below(&s, 9) + 2) : (float)(16 * gqt_rng_unit(&s));
                weight[i] = (float)gqt_rng_unit(&s);
                waux[i] = sqrtf(weight[i]);
            }
            const float id = rep % 2 ? 1.f : (float)(0.5 + gqt_rng_unit(&s));
            int8_t Ls[32], La[32];
            bool gs[8], ga[8];
            float sx_s, s2_s, sx_a, s2_a;
            gq_iq3_steps_scalar.trial(lat, gq_iq3_steps_scalar.neighbour, xval, weight, waux, id, Ls, gs, &sx_s, &s2_s);
            gq_iq3_steps_avx2.trial(lat, gq_iq3_steps_avx2.neighbour, xval, weight, waux, id, La, ga, &sx_a, &s2_a);
            assert_memory_equal(La, Ls, 32);
            assert_memory_equal(ga, gs, sizeof gs);
            assert_true(sums_identical(sx_a, sx_s));
            assert_true(sums_identical(s2_a, s2_s));
        }
        /* every neighbour list, at a random point near it */
        for (int key = 0; key < 4096; key++) {
            const int32_t m = lat->key_to_entry[key];
            if (m >= 0) continue;
            float xval[4], weight[4];
            for (int i = 0; i < 4; i++) {
                xval[i] = (float)(2 * ((key >> (3 * i)) & 7) + 1) + (float)(gqt_rng_unit(&s) - 0.5);
                weight[i] = key % 7 == 0 ? 1.f : (float)gqt_rng_unit(&s);
            }
            int8_t Ls[4], La[4];
            const int es = gq_iq3_steps_scalar.neighbour(lat, -m - 1, xval, weight, 1.f, Ls);
            const int ea = gq_iq3_steps_avx2.neighbour(lat, -m - 1, xval, weight, 1.f, La);
            assert_int_equal(ea, es);
            assert_memory_equal(La, Ls, 4);
        }
    }

    /* IQ1_M split sums: every split (i1 <= i2) of random products, some huge
     * so that the order of the additions shows in the bits */
    for (int rep = 0; rep < 50; rep++) {
        float px[16 * 12], pq[16 * 12];
        for (int i = 0; i < 16 * 12; i++) {
            px[i] = (float)((gqt_rng_unit(&s) - 0.5) * (rng_below(&s, 10) == 0 ? 1e8 : 1.0));
            pq[i] = (float)(gqt_rng_unit(&s) * (rng_below(&s, 10) == 0 ? 1e8 : 1.0));
        }
        float sx_s[GQ_IQ1M_SPLITS * 4], s2_s[GQ_IQ1M_SPLITS * 4], sx_a[GQ_IQ1M_SPLITS * 4], s2_a[GQ_IQ1M_SPLITS * 4];
        gq_iq1m_split_sums_scalar(px, pq, sx_s, s2_s);
        gq_iq1m_split_sums_avx2(px, pq, sx_a, s2_a);
        for (int i1 = 0; i1 <= 16; i1++)
            for (int i2 = i1; i2 <= 16; i2++)
                for (int k = 0; k < 4; k++) {
                    const int at = 4 * GQ_IQ1M_SPLIT(i1, i2) + k;
                    assert_true(sums_identical(sx_a[at], sx_s[at]));
                    assert_true(sums_identical(s2_a[at], s2_s[at]));
                }
    }
#else
    skip(); /* no AVX2 kernels on this architecture */
#endif
}

/* ------------------------------------------------------- behaviour */

static void importance_weights_needed_only_by_iq1_s(void **state) {
    (void)state;
    enum { NPR = 256 };
    float x[NPR];
    uint8_t out[256];
    fill_rows(x, 1, NPR, 3);
    for (size_t t = 0; t < N_TYPES; t++) {
        const gq_status st = gq_quantize(all_types[t], x, out, 1, NPR, NULL, 1, NULL, NULL);
        if (all_types[t] == GQ_TYPE_IQ1_S) assert_int_equal(st, GQ_ERR_NEED_IMATRIX);
        else assert_int_equal(st, GQ_OK);
    }
}

/* ggml moves its iq3_s code and sign cursors only past sub-blocks it codes,
 * so after an all-zero sub-block the rest are stored one slot early and the
 * last slot keeps the zeros it was cleared to.  The 9th index bits and the
 * scales are addressed by sub-block and stay in place. */
static void iq3_s_after_zero_sub_block(void **state) {
    (void)state;
    float x[256];
    uint64_t s = 8;
    for (int i = 0; i < 256; i++) x[i] = i < 32 ? 0.f : (float)(gqt_rng_unit(&s) - 0.3);
    block_iq3_s b;
    assert_int_equal(sizeof b, 110);
    assert_int_equal(gq_quantize(GQ_TYPE_IQ3_S, x, &b, 1, 256, NULL, 1, NULL, NULL), GQ_OK);
    static const uint8_t zeros[8] = { 0 };
    assert_memory_equal(b.qs + 56, zeros, 8);
    assert_memory_equal(b.signs + 28, zeros, 4);
    assert_int_equal(b.qh[0], 0);
    assert_int_equal(b.scales[0] & 0xf, 0);
    /* slot 0 holds sub-block 1: its sign bytes are the signs of x[32..63] */
    for (int k = 0; k < 4; k++) {
        uint8_t want = 0;
        for (int i = 0; i < 8; i++)
            if (x[32 + 8 * k + i] < 0) want |= (uint8_t)(1 << i);
        assert_int_equal(b.signs[k], want);
    }
}

static void iq3_s_matches_llama_quantize(void **state) {
    (void)state;
    gguf_file *bf16;
    gq_imatrix *imat;
    gqt_open_gemma4_mini(&bf16, &imat);
    /* types-IQ2_M.txt and types-IQ2_S.txt list 9 iq3_s tensors each */
    assert_int_equal(gqt_requantize_gemma4_mini("IQ2_M", GQ_TYPE_IQ3_S, bf16, imat), 9);
    assert_int_equal(gqt_requantize_gemma4_mini("IQ2_S", GQ_TYPE_IQ3_S, bf16, imat), 9);
    gqt_close_gemma4_mini(bf16, imat);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(first_use_from_many_threads),
        cmocka_unit_test(iq4_nl_hand_built),
        cmocka_unit_test(iq4_xs_hand_built),
        cmocka_unit_test(iq3_xxs_hand_built),
        cmocka_unit_test(iq3_s_hand_built),
        cmocka_unit_test(iq1_s_hand_built),
        cmocka_unit_test(iq1_m_hand_built),
        cmocka_unit_test(iq3_lattices_match_brute_force),
        cmocka_unit_test(simd_quantize_matches_scalar),
        cmocka_unit_test(simd_dequantize_matches_scalar),
        cmocka_unit_test(iq4_nearest_level_rules),
        cmocka_unit_test(simd_iq4_ties_match_scalar),
        cmocka_unit_test(avx2_steps_match_scalar),
        cmocka_unit_test(importance_weights_needed_only_by_iq1_s),
        cmocka_unit_test(iq3_s_after_zero_sub_block),
        cmocka_unit_test(iq3_s_matches_llama_quantize),
    };
    return cmocka_run_group_tests(tests, load_tables, NULL);
}
