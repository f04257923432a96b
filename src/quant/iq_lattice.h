/* The lattice behind the IQ2_XXS, IQ2_XS, IQ2_S and IQ1_S codebooks, and the
 * nearest-neighbour lists their quantizers search.
 *
 * Each codebook entry is a point of 8 coordinates, each coordinate one of a
 * few levels.  Its quantizer rounds 8 values to levels 0..3 per coordinate
 * (2 bits each, packed into a 16-bit "level code": coordinate k in bits
 * 2k..2k+1), then asks:
 *   - is that point a codebook entry?  map[code] >= 0 is its grid index;
 *   - if not, which entries are nearest?  map[code] < 0 points into
 *     neighbours[]: a count followed by that many grid indices.
 * "Nearest" is ggml's definition: squared Euclidean distance between the
 * points (coordinate of level l = 2l + 1), keeping every entry whose
 * distance is among the `nearest_distances` smallest distinct distances,
 * ordered by (distance, grid index).  The tables are identical to the ones
 * ggml builds in iq2xs_init_impl, so quantizers that read them make ggml's
 * choices.
 *
 * Built on first use of a kind, once even when many threads ask at the same
 * time, into static storage: nothing to free, nothing to leak. */
#ifndef GQ_IQ_LATTICE_H
#define GQ_IQ_LATTICE_H

#include <stdint.h>

enum gq_lattice_kind {
    GQ_LATTICE_IQ2_XXS, /* gq_iq2xxs_grid, 256 points, 2 nearest distances */
    GQ_LATTICE_IQ2_XS,  /* gq_iq2xs_grid, 512 points, 2 nearest distances */
    GQ_LATTICE_IQ2_S,   /* gq_iq2s_grid, 1024 points, 1 nearest distance */
    GQ_LATTICE_IQ1_S,   /* gq_iq1s_grid, 2048 points, 3 nearest distances (also IQ1_M) */
    GQ_LATTICE_KIND_COUNT
};

/* Level codes index map[] from 0 up to (not including) this: the largest
 * code with every level <= 2 is 0xAAAA; ggml sizes its map 0xAAAC. */
#define GQ_LATTICE_MAP_SIZE 43692

typedef struct gq_lattice {
    enum gq_lattice_kind kind;
    int grid_size;          /* number of codebook entries */
    int nearest_distances;  /* how many distinct distances a neighbour list spans */

    /* Per grid index: the 8 coordinates (2*level + 1, as int8 bytes of a
     * little-endian uint64, exactly ggml's kgrid_q2xs), the same as floats
     * (8 per point, for scoring without conversions), and the level code. */
    const uint64_t *points;
    const float *point_coords;
    const uint16_t *level_codes;

    /* GQ_LATTICE_MAP_SIZE entries: grid index, or -(offset + 1) where
     * neighbours[offset] is the list's length and the grid indices follow. */
    const int32_t *map;
    const uint16_t *neighbours;
    int32_t neighbours_len; /* entries in neighbours[], counts included */
    int longest_list;       /* the largest count in neighbours[] */
} gq_lattice;

/* neighbours[] is followed by this many readable zero entries, so a SIMD
 * kernel may load a whole vector of indices at the end of the last list. */
#define GQ_LATTICE_NEIGHBOUR_PAD 16

/* neighbours_len of each kind (list lengths plus counts), as ggml's
 * construction yields them.  Fixed by the codebooks, so the tables (and any
 * parallel array a kernel keeps) can be static; the build checks it fills
 * exactly this many and aborts otherwise, so a wrong number cannot pass. */
#define GQ_LATTICE_NEIGHBOURS_LEN_IQ2_XXS 417400
#define GQ_LATTICE_NEIGHBOURS_LEN_IQ2_XS 551722
#define GQ_LATTICE_NEIGHBOURS_LEN_IQ2_S 209100
#define GQ_LATTICE_NEIGHBOURS_LEN_IQ1_S 1375339
/* The longest neighbour list of any kind (IQ2_XS's); a bound for buffers. */
#define GQ_LATTICE_LONGEST_LIST 292

/* The lattice of a kind, built on first call (thread-safe); NULL for a bad kind. */
const gq_lattice *gq_lattice_get(enum gq_lattice_kind kind);

/* Pack 8 levels (each 0..3) into a level code. */
static inline uint16_t gq_lattice_code(const int8_t levels[8]) {
    uint16_t code = 0;
    for (int k = 0; k < 8; k++) code |= (uint16_t)((levels[k] & 3) << (2 * k));
    return code;
}

/* The neighbour list of a level code that is not a grid point: returns the
 * list length and sets *indices to the grid indices; 0 when the code is a
 * grid point itself (or out of range). */
static inline int gq_lattice_neighbours(const gq_lattice *lat, uint32_t code, const uint16_t **indices) {
    if (code >= GQ_LATTICE_MAP_SIZE || lat->map[code] >= 0) return 0;
    const uint16_t *list = lat->neighbours + (-lat->map[code] - 1);
    *indices = list + 1;
    return list[0];
}

#endif
