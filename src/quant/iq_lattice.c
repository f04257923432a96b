/* Builds the lattice tables of iq_lattice.h from the codebooks of iq_tables.c.
 *
 * ggml computes every neighbour list by sorting all grid points by
 * (distance, index) with qsort, which for the 2048-point IQ1_S grid costs
 * seconds.  Distances here are small integers (at most 8 * 3^2 in level
 * units), so a counting sort gives the same order in linear time: count the
 * points at each distance, find the cut-off distance, then drop points into
 * their distance's slot in index order. */
#include "iq_lattice.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iq_tables.h"

#if defined(GQ_HAVE_PTHREADS)
#include <pthread.h>
#endif

/* Largest squared level distance between two points: 8 coordinates, each
 * differing by at most 3 levels.  (ggml's distance is 4x this: coordinates
 * are 2*level + 1; the factor changes no comparison.) */
#define MAX_LEVEL_DIST2 (8 * 3 * 3)

#define MAX_GRID_SIZE 2048

typedef struct {
    const uint64_t *codebook; /* iq_tables.c: 8 bytes per entry, one per coordinate */
    int grid_size;
    int nearest_distances;
    int32_t neighbours_capacity;
} lattice_source;

static const lattice_source sources[GQ_LATTICE_KIND_COUNT] = {
    [GQ_LATTICE_IQ2_XXS] = { gq_iq2xxs_grid, GQ_IQ2XXS_GRID_SIZE, 2, GQ_LATTICE_NEIGHBOURS_LEN_IQ2_XXS },
    [GQ_LATTICE_IQ2_XS] = { gq_iq2xs_grid, GQ_IQ2XS_GRID_SIZE, 2, GQ_LATTICE_NEIGHBOURS_LEN_IQ2_XS },
    [GQ_LATTICE_IQ2_S] = { gq_iq2s_grid, GQ_IQ2S_GRID_SIZE, 1, GQ_LATTICE_NEIGHBOURS_LEN_IQ2_S },
    [GQ_LATTICE_IQ1_S] = { gq_iq1s_grid, GQ_IQ1S_GRID_SIZE, 3, GQ_LATTICE_NEIGHBOURS_LEN_IQ1_S },
};

/* Static storage per kind: the tables live as long as the program. */
static uint64_t points_iq2_xxs[GQ_IQ2XXS_GRID_SIZE], points_iq2_xs[GQ_IQ2XS_GRID_SIZE],
    points_iq2_s[GQ_IQ2S_GRID_SIZE], points_iq1_s[GQ_IQ1S_GRID_SIZE];
static float coords_iq2_xxs[GQ_IQ2XXS_GRID_SIZE * 8], coords_iq2_xs[GQ_IQ2XS_GRID_SIZE * 8],
    coords_iq2_s[GQ_IQ2S_GRID_SIZE * 8], coords_iq1_s[GQ_IQ1S_GRID_SIZE * 8];
static uint16_t codes_iq2_xxs[GQ_IQ2XXS_GRID_SIZE], codes_iq2_xs[GQ_IQ2XS_GRID_SIZE],
    codes_iq2_s[GQ_IQ2S_GRID_SIZE], codes_iq1_s[GQ_IQ1S_GRID_SIZE];
static int32_t map_storage[GQ_LATTICE_KIND_COUNT][GQ_LATTICE_MAP_SIZE];
static uint16_t neighbours_iq2_xxs[GQ_LATTICE_NEIGHBOURS_LEN_IQ2_XXS + GQ_LATTICE_NEIGHBOUR_PAD],
    neighbours_iq2_xs[GQ_LATTICE_NEIGHBOURS_LEN_IQ2_XS + GQ_LATTICE_NEIGHBOUR_PAD],
    neighbours_iq2_s[GQ_LATTICE_NEIGHBOURS_LEN_IQ2_S + GQ_LATTICE_NEIGHBOUR_PAD],
    neighbours_iq1_s[GQ_LATTICE_NEIGHBOURS_LEN_IQ1_S + GQ_LATTICE_NEIGHBOUR_PAD];

static uint64_t *const points_storage[GQ_LATTICE_KIND_COUNT] = { points_iq2_xxs, points_iq2_xs, points_iq2_s,
                                                                  points_iq1_s };
static float *const coords_storage[GQ_LATTICE_KIND_COUNT] = { coords_iq2_xxs, coords_iq2_xs, coords_iq2_s,
                                                               coords_iq1_s };
static uint16_t *const codes_storage[GQ_LATTICE_KIND_COUNT] = { codes_iq2_xxs, codes_iq2_xs, codes_iq2_s,
                                                                 codes_iq1_s };
static uint16_t *const neighbours_storage[GQ_LATTICE_KIND_COUNT] = { neighbours_iq2_xxs, neighbours_iq2_xs,
                                                                      neighbours_iq2_s, neighbours_iq1_s };

static gq_lattice lattices[GQ_LATTICE_KIND_COUNT];

/* Scratch of the build, per kind so that two kinds may build at once. */
static uint8_t column_dist2_storage[GQ_LATTICE_KIND_COUNT][8][4][MAX_GRID_SIZE];

/* A codebook stores each coordinate as a byte value (IQ2: 8, 25, 43; IQ1_S:
 * -1, 0, 1).  The level of a coordinate is the rank of its value among the
 * distinct values the codebook uses, smallest (as a signed byte) first. */
static void codebook_levels(const lattice_source *src, uint8_t level_of_byte[256]) {
    int used[256] = { 0 };
    for (int j = 0; j < src->grid_size; j++)
        for (int k = 0; k < 8; k++) used[(src->codebook[j] >> (8 * k)) & 0xff] = 1;
    int rank = 0;
    for (int signed_value = -128; signed_value < 128; signed_value++) {
        int byte = (uint8_t)(int8_t)signed_value;
        level_of_byte[byte] = used[byte] ? (uint8_t)rank++ : 0xff;
    }
    if (rank > 4) {
        fprintf(stderr, "gq: internal error: a lattice codebook uses %d levels (at most 4 fit)\n", rank);
        abort();
    }
}

/* The distance loops of the build, written so the compiler vectorizes them
 * (restrict pointers, one plain loop each, a mask instead of a conditional;
 * int16_t because baseline x86-64 has signed 16-bit min and compare, not
 * unsigned).  dist2[j] = the sum of the 8 coordinates' squared differences. */
static void sum_columns(int16_t *restrict dist2, const uint8_t *restrict c0, const uint8_t *restrict c1,
                        const uint8_t *restrict c2, const uint8_t *restrict c3, const uint8_t *restrict c4,
                        const uint8_t *restrict c5, const uint8_t *restrict c6, const uint8_t *restrict c7, int n) {
    for (int j = 0; j < n; j++)
        dist2[j] = (int16_t)(c0[j] + c1[j] + c2[j] + c3[j] + c4[j] + c5[j] + c6[j] + c7[j]);
}

/* The least distance above `above` (INT16_MAX if none). */
static int least_above(const int16_t *restrict dist2, int n, int16_t above) {
    int16_t least = INT16_MAX;
    for (int j = 0; j < n; j++) {
        const int16_t keep = (int16_t)-(dist2[j] > above); /* all ones where dist2[j] counts */
        const int16_t d = (int16_t)((dist2[j] & keep) | (INT16_MAX & ~keep));
        least = d < least ? d : least;
    }
    return least;
}

static int count_equal(const int16_t *restrict dist2, int n, int16_t value) {
    int count = 0;
    for (int j = 0; j < n; j++) count += dist2[j] == value;
    return count;
}

static void build_lattice(enum gq_lattice_kind kind) {
    const lattice_source *src = &sources[kind];
    const int n = src->grid_size;
    uint64_t *points = points_storage[kind];
    float *coords = coords_storage[kind];
    uint16_t *codes = codes_storage[kind];
    int32_t *map = map_storage[kind];
    uint16_t *neighbours = neighbours_storage[kind];

    uint8_t level_of_byte[256];
    codebook_levels(src, level_of_byte);

    /* Per coordinate k and query level q, the squared level difference to
     * every grid point, laid out by grid index so the distance sum below is
     * a plain loop over contiguous bytes that the compiler vectorizes. */
    uint8_t(*column_dist2)[4][MAX_GRID_SIZE] = column_dist2_storage[kind];
    for (int32_t c = 0; c < GQ_LATTICE_MAP_SIZE; c++) map[c] = -1;
    for (int j = 0; j < n; j++) {
        uint16_t code = 0;
        uint64_t point = 0;
        for (int k = 0; k < 8; k++) {
            int level = level_of_byte[(src->codebook[j] >> (8 * k)) & 0xff];
            code |= (uint16_t)(level << (2 * k));
            point |= (uint64_t)(uint8_t)(2 * level + 1) << (8 * k);
            coords[8 * j + k] = (float)(2 * level + 1);
            for (int q = 0; q < 4; q++) column_dist2[k][q][j] = (uint8_t)((q - level) * (q - level));
        }
        points[j] = point;
        codes[j] = code;
        map[code] = j;
    }

    int32_t used = 0;
    int longest = 0;
    int16_t dist2[MAX_GRID_SIZE];
    for (int32_t c = 0; c < GQ_LATTICE_MAP_SIZE; c++) {
        if (map[c] >= 0) continue;
        const uint8_t *col[8];
        for (int k = 0; k < 8; k++) col[k] = column_dist2[k][(c >> (2 * k)) & 3];
        sum_columns(dist2, col[0], col[1], col[2], col[3], col[4], col[5], col[6], col[7], n);
        /* The nearest_distances smallest distances that occur, each found by one pass for the least
         * distance above the previous one (plain loops the compiler vectorizes; a histogram of all
         * distances would be a scalar pass).  Distance 0 cannot occur: c is not a grid point. */
        int count_at[MAX_LEVEL_DIST2 + 1];
        int cutoff = 0, list_len = 0;
        for (int distinct = 0; distinct < src->nearest_distances; distinct++) {
            const int least = least_above(dist2, n, (int16_t)cutoff);
            if (least == INT16_MAX) break; /* fewer distinct distances than wanted */
            const int count = count_equal(dist2, n, (int16_t)least);
            for (int d = cutoff + (distinct > 0); d < least; d++) count_at[d] = 0;
            count_at[least] = count;
            cutoff = least;
            list_len += count;
        }
        if (list_len > longest) longest = list_len;
        if (used + 1 + list_len > src->neighbours_capacity) {
            used += 1 + list_len; /* keep counting so the message gives the size needed */
            continue;
        }
        map[c] = -(used + 1);
        neighbours[used] = (uint16_t)list_len;
        /* Slot of each distance within the list: points of smaller distances come first. */
        int slot[MAX_LEVEL_DIST2 + 1];
        int next = used + 1;
        for (int d = 1; d <= cutoff; d++) {
            slot[d] = next;
            next += count_at[d];
        }
        for (int j = 0; j < n; j++)
            if (dist2[j] <= cutoff) neighbours[slot[dist2[j]]++] = (uint16_t)j;
        used += 1 + list_len;
    }
    if (used != src->neighbours_capacity || longest > GQ_LATTICE_LONGEST_LIST) {
        fprintf(stderr,
                "gq: internal error: lattice %d needs %ld neighbour entries (storage has %ld), longest list %d"
                " (bound %d)\n",
                (int)kind, (long)used, (long)src->neighbours_capacity, longest, GQ_LATTICE_LONGEST_LIST);
        abort();
    }

    lattices[kind] = (gq_lattice){
        .kind = kind,
        .grid_size = n,
        .nearest_distances = src->nearest_distances,
        .points = points,
        .point_coords = coords,
        .level_codes = codes,
        .map = map,
        .neighbours = neighbours,
        .neighbours_len = used,
        .longest_list = longest,
    };
}

/* One once-flag per kind: a caller that wants only IQ2_S does not pay for IQ1_S. */
static void build_iq2_xxs(void) { build_lattice(GQ_LATTICE_IQ2_XXS); }
static void build_iq2_xs(void) { build_lattice(GQ_LATTICE_IQ2_XS); }
static void build_iq2_s(void) { build_lattice(GQ_LATTICE_IQ2_S); }
static void build_iq1_s(void) { build_lattice(GQ_LATTICE_IQ1_S); }
static void (*const builders[GQ_LATTICE_KIND_COUNT])(void) = { build_iq2_xxs, build_iq2_xs, build_iq2_s,
                                                               build_iq1_s };

#if defined(GQ_HAVE_PTHREADS)
static pthread_once_t built_once[GQ_LATTICE_KIND_COUNT] = { PTHREAD_ONCE_INIT, PTHREAD_ONCE_INIT,
                                                            PTHREAD_ONCE_INIT, PTHREAD_ONCE_INIT };
#else
static int built[GQ_LATTICE_KIND_COUNT];
#endif

const gq_lattice *gq_lattice_get(enum gq_lattice_kind kind) {
    if ((unsigned)kind >= GQ_LATTICE_KIND_COUNT) return NULL;
#if defined(GQ_HAVE_PTHREADS)
    pthread_once(&built_once[kind], builders[kind]);
#else
    if (!built[kind]) {
        builders[kind]();
        built[kind] = 1;
    }
#endif
    return &lattices[kind];
}
