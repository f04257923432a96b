/* gq-inspect --block: one block decoded field by field (see block_view.h).
 *
 * Each decoder below reads the stored fields of one type's block and says,
 * for every value, which group (sub-block) it belongs to, its stored code
 * and the signed integer level the code stands for; each group gets its
 * step (the multiplier of the level) and, for types with minimums, its
 * offset.  The reconstruction is then the same for every type:
 *
 *     w_hat = step(group) * level            (offset 0)
 *     w_hat = step(group) * level - offset   (q4_K)
 *
 * computed in float32 in that order, which is also ggml's order, so the
 * result is compared bit for bit with libquant's dequantizer. */
#include "cli/block_view.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/diag.h"
#include "cli/fmt.h"
#include "cli/json.h"
#include "cli/table.h"
#include "gq/quant.h"
#include "gq/types.h"
#include "quant/fp16.h"
#include "quant/iq_tables.h"

#define SCHEMA "gq-inspect/1"
#define MAX_VALUES 256
#define MAX_GROUPS 16
#define MAX_GRID 8       /* codebook entries referenced by one group */
#define PLAIN_BLOCK 32   /* values per "block" of a float type */

typedef struct view_field {
    const char *name; /* "d", "dmin" */
    uint16_t bits;    /* as stored (binary16) */
    float value;
} view_field;

typedef struct view_group {
    uint32_t first, count;
    bool has_scale_code;
    int scale_code; /* the stored sub-block scale (4, 6 or 8 bits) */
    bool has_min_code;
    int min_code;
    float step, offset;
    uint32_t n_grid;
    uint32_t grid[MAX_GRID];  /* codebook indices, in value order */
    uint32_t n_signs;
    uint32_t signs[MAX_GRID]; /* sign fields as stored: 7-bit indices (iq2_xxs/xs) or 8-bit masks */
} view_group;

typedef struct view_value {
    uint32_t group;
    int32_t code;  /* what is stored for this value (for i-quants: its codebook index) */
    int32_t level; /* the signed integer the code stands for */
} view_value;

typedef struct decoded {
    const char *layout;    /* the block's fields, in storage order */
    const char *rule;      /* how one value is rebuilt */
    const char *group_name;
    const char *code_meaning;
    bool level_is_code;    /* level == code: no separate column */
    bool has_offset;
    bool described;        /* false: raw bytes and libquant's values only */
    uint32_t n_fields;
    view_field fields[2];
    uint32_t n_groups;
    view_group groups[MAX_GROUPS];
    uint32_t n;
    view_value values[MAX_VALUES];
} decoded;

static uint16_t le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }

static void add_field(decoded *d, const char *name, const uint8_t *p) {
    view_field *f = &d->fields[d->n_fields++];
    f->name = name;
    f->bits = le16(p);
    f->value = gq_fp16_to_fp32(f->bits);
}

static view_group *add_group(decoded *d, uint32_t first, uint32_t count, float step) {
    view_group *g = &d->groups[d->n_groups++];
    memset(g, 0, sizeof *g);
    g->first = first;
    g->count = count;
    g->step = step;
    return g;
}

/* A group whose step is the block scale times a stored sub-block scale
 * (shown as its own column). */
static view_group *add_scaled_group(decoded *d, uint32_t first, uint32_t count, float step, int scale_code) {
    view_group *g = add_group(d, first, count, step);
    g->has_scale_code = true;
    g->scale_code = scale_code;
    return g;
}

static void set_value(decoded *d, uint32_t i, uint32_t group, int32_t code, int32_t level) {
    d->values[i] = (view_value){group, code, level};
    if (i + 1 > d->n) d->n = i + 1;
}

/* Scale k of an array of 4-bit scales packed two per byte, low nibble first. */
static int packed_nibble(const uint8_t *scales, uint32_t k) { return (scales[k / 2] >> (4 * (k % 2))) & 0xF; }

/* The step of an iq2 sub-block: d * (0.5 + scale) * 0.25, in ggml's float order. */
static float iq2_step(float d, int scale) { return d * (0.5f + (float)scale) * 0.25f; }

/* ---------------------------------------------------------------- decoders */

/* q8_0: d (f16), then 32 int8 codes.  w = d * q. */
static void decode_q8_0(const uint8_t *b, decoded *d) {
    d->layout = "d (f16, 2 bytes) | q[32] (int8, 32 bytes) = 34 bytes per 32 values, 8.5 bits per weight";
    d->rule = "w = d * q";
    d->code_meaning = "q, the int8 code";
    d->level_is_code = true;
    add_field(d, "d", b);
    add_group(d, 0, 32, d->fields[0].value);
    for (uint32_t i = 0; i < 32; i++) set_value(d, i, 0, (int8_t)b[2 + i], (int8_t)b[2 + i]);
}

/* iq4_nl: d (f16), then 32 4-bit indices into a fixed table of 16 levels
 * (low nibbles are values 0-15, high nibbles 16-31).  w = d * level. */
static void decode_iq4_nl(const uint8_t *b, decoded *d) {
    d->layout = "d (f16, 2 bytes) | qs[16] (two 4-bit indices per byte) = 18 bytes per 32 values, 4.5 bits per weight";
    d->rule = "w = d * kvalues[index]   (kvalues: 16 fixed, non-uniform levels from -127 to 113)";
    d->code_meaning = "the 4-bit index into kvalues";
    add_field(d, "d", b);
    add_group(d, 0, 32, d->fields[0].value);
    const uint8_t *qs = b + 2;
    for (uint32_t j = 0; j < 16; j++) {
        set_value(d, j, 0, qs[j] & 0xF, gq_kvalues_iq4nl[qs[j] & 0xF]);
        set_value(d, j + 16, 0, qs[j] >> 4, gq_kvalues_iq4nl[qs[j] >> 4]);
    }
}

/* The 6-bit scale and minimum of q4_K sub-block j, packed into 12 bytes:
 * sub-blocks 0-3 in the low 6 bits of bytes 0-3 (scales) and 4-7 (mins);
 * sub-blocks 4-7 in the nibbles of bytes 8-11 plus the top 2 bits of
 * bytes 0-3 (scales) and 4-7 (mins). */
static void k4_scale_min(const uint8_t *s, uint32_t j, int *scale, int *min) {
    if (j < 4) {
        *scale = s[j] & 63;
        *min = s[j + 4] & 63;
    } else {
        *scale = (s[j + 4] & 0xF) | ((s[j - 4] >> 6) << 4);
        *min = (s[j + 4] >> 4) | ((s[j] >> 6) << 4);
    }
}

/* q4_K: d, dmin (f16), 12 bytes of 6-bit scales and mins for 8 sub-blocks
 * of 32, then 128 bytes of 4-bit codes (byte l of chunk c holds value l of
 * sub-block 2c in its low nibble and of 2c+1 in its high one). */
static void decode_q4_K(const uint8_t *b, decoded *d) {
    d->layout = "d, dmin (f16, 4 bytes) | scales[12] (8 x 6-bit scale + 8 x 6-bit min) | qs[128] (4-bit codes)"
                " = 144 bytes per 256 values, 4.5 bits per weight";
    d->rule = "w = (d * scale[s]) * q - (dmin * min[s])   for the sub-block s of 32 values";
    d->group_name = "sub-block";
    d->code_meaning = "q, the 4-bit code (0..15)";
    d->level_is_code = true;
    d->has_offset = true;
    add_field(d, "d", b);
    add_field(d, "dmin", b + 2);
    const uint8_t *scales = b + 4, *qs = b + 16;
    for (uint32_t s = 0; s < 8; s++) {
        int sc, mn;
        k4_scale_min(scales, s, &sc, &mn);
        view_group *g = add_scaled_group(d, 32 * s, 32, d->fields[0].value * (float)sc, sc);
        g->has_min_code = true;
        g->min_code = mn;
        g->offset = d->fields[1].value * (float)mn;
    }
    for (uint32_t c = 0; c < 4; c++)
        for (uint32_t l = 0; l < 32; l++) {
            const uint8_t byte = qs[32 * c + l];
            set_value(d, 64 * c + l, 2 * c, byte & 0xF, byte & 0xF);
            set_value(d, 64 * c + 32 + l, 2 * c + 1, byte >> 4, byte >> 4);
        }
}

/* q6_K: 128 bytes of low 4 bits, 64 bytes of high 2 bits, 16 int8 scales
 * (one per 16 values), d (f16).  In each half of 128 values, ql byte l
 * holds the low nibbles of values l (low) and l+64 (high), byte l+32 those
 * of l+32 and l+96; qh byte l holds the top 2 bits of l, l+32, l+64, l+96
 * at bits 0, 2, 4, 6.  The 6-bit code is stored offset by 32. */
static void decode_q6_K(const uint8_t *b, decoded *d) {
    d->layout = "ql[128] (low 4 bits) | qh[64] (high 2 bits) | scales[16] (int8) | d (f16)"
                " = 210 bytes per 256 values, 6.5625 bits per weight";
    d->rule = "w = (d * scale[s]) * (q - 32)   for the sub-block s of 16 values";
    d->group_name = "sub-block";
    d->code_meaning = "q, the 6-bit code (0..63); level = q - 32";
    add_field(d, "d", b + 208);
    const uint8_t *ql = b, *qh = b + 128;
    const int8_t *scales = (const int8_t *)(b + 192);
    for (uint32_t s = 0; s < 16; s++) add_scaled_group(d, 16 * s, 16, d->fields[0].value * (float)scales[s], scales[s]);
    for (uint32_t h = 0; h < 2; h++)
        for (uint32_t k = 0; k < 4; k++)
            for (uint32_t l = 0; l < 32; l++) {
                const uint8_t lo = ql[64 * h + 32 * (k & 1) + l];
                const int q = ((lo >> (4 * (k >> 1))) & 0xF) | (((qh[32 * h + l] >> (2 * k)) & 3) << 4);
                const uint32_t i = 128 * h + 32 * k + l;
                set_value(d, i, i / 16, q, q - 32);
            }
}

/* Eight values of group g from one codebook entry (8 magnitudes, one byte
 * each) and a sign mask: bit j set makes value j negative.  The group
 * records the index and the sign field as stored (`stored_signs`: a 7-bit
 * index into ksigns, or the mask itself). */
static void grid8(decoded *d, view_group *g, uint32_t first, uint32_t index, uint64_t entry, uint32_t stored_signs,
                  uint8_t signs) {
    const uint32_t group = (uint32_t)(g - d->groups);
    g->grid[g->n_grid++] = index;
    g->signs[g->n_signs++] = stored_signs;
    for (uint32_t j = 0; j < 8; j++) {
        const int mag = (int)((entry >> (8 * j)) & 0xFF);
        set_value(d, first + j, group, (int32_t)index, (signs >> j) & 1 ? -mag : mag);
    }
}

/* iq2_xxs: d (f16), then per 32 values 8 bytes: four 8-bit indices into a
 * 256-entry codebook of 8 magnitudes each (8, 25 or 43), and a 32-bit
 * word holding four 7-bit sign indices (the 8th sign makes the count of
 * negatives even) and a 4-bit scale in the top bits. */
static void decode_iq2_xxs(const uint8_t *b, decoded *d) {
    d->layout = "d (f16, 2 bytes) | per 32 values: 4 x 8-bit codebook index + 4 x 7-bit sign index + 4-bit scale"
                " = 66 bytes per 256 values, 2.0625 bits per weight";
    d->rule = "w = (d * (0.5 + scale) * 0.25) * (+/-)grid[index][j]   (codebook iq2xxs_grid, 256 entries of 8)";
    d->group_name = "sub-block";
    d->code_meaning = "the codebook index of the value's group of 8";
    add_field(d, "d", b);
    const float dd = d->fields[0].value;
    for (uint32_t s = 0; s < 8; s++) {
        const uint8_t *q = b + 2 + 8 * s;
        const uint32_t indices = (uint32_t)q[0] | (uint32_t)q[1] << 8 | (uint32_t)q[2] << 16 | (uint32_t)q[3] << 24;
        const uint32_t signs_scale = (uint32_t)q[4] | (uint32_t)q[5] << 8 | (uint32_t)q[6] << 16 | (uint32_t)q[7] << 24;
        const int scale = (int)(signs_scale >> 28);
        view_group *g = add_scaled_group(d, 32 * s, 32, iq2_step(dd, scale), scale);
        for (uint32_t l = 0; l < 4; l++) {
            const uint32_t index = (indices >> (8 * l)) & 0xFF, sign_index = (signs_scale >> (7 * l)) & 127;
            grid8(d, g, 32 * s + 8 * l, index, gq_iq2xxs_grid[index], sign_index, gq_ksigns_iq2xs[sign_index]);
        }
    }
}

/* iq2_xs: d (f16), 32 16-bit words (9-bit index into a 512-entry codebook,
 * 7-bit sign index), then 8 bytes of two 4-bit scales, one per 16 values. */
static void decode_iq2_xs(const uint8_t *b, decoded *d) {
    d->layout = "d (f16, 2 bytes) | qs[32] (9-bit codebook index + 7-bit sign index) | scales[8] (two 4-bit)"
                " = 74 bytes per 256 values, 2.3125 bits per weight";
    d->rule = "w = (d * (0.5 + scale) * 0.25) * (+/-)grid[index][j]   (codebook iq2xs_grid, 512 entries of 8)";
    d->group_name = "half sub-block";
    d->code_meaning = "the codebook index of the value's group of 8";
    add_field(d, "d", b);
    const float dd = d->fields[0].value;
    const uint8_t *scales = b + 2 + 64;
    for (uint32_t h = 0; h < 16; h++) {
        const int scale = packed_nibble(scales, h);
        view_group *g = add_scaled_group(d, 16 * h, 16, iq2_step(dd, scale), scale);
        for (uint32_t l = 0; l < 2; l++) {
            const uint32_t k = 2 * h + l;
            const uint16_t q = le16(b + 2 + 2 * k);
            grid8(d, g, 8 * k, q & 511, gq_iq2xs_grid[q & 511], q >> 9, gq_ksigns_iq2xs[q >> 9]);
        }
    }
}

/* iq2_s: d (f16), 32 low bytes of 10-bit indices into a 1024-entry
 * codebook, 32 sign bytes (one full mask per 8 values), 8 bytes of the
 * indices' top 2 bits, 8 bytes of two 4-bit scales. */
static void decode_iq2_s(const uint8_t *b, decoded *d) {
    d->layout = "d (f16, 2 bytes) | qs[32] (index low 8 bits) | signs[32] (8-bit masks) | qh[8] (index top 2 bits)"
                " | scales[8] (two 4-bit) = 82 bytes per 256 values, 2.5625 bits per weight";
    d->rule = "w = (d * (0.5 + scale) * 0.25) * (+/-)grid[index][j]   (codebook iq2s_grid, 1024 entries of 8)";
    d->group_name = "half sub-block";
    d->code_meaning = "the codebook index of the value's group of 8";
    add_field(d, "d", b);
    const float dd = d->fields[0].value;
    const uint8_t *qs = b + 2, *signs = b + 2 + 32, *qh = b + 2 + 64, *scales = b + 2 + 72;
    for (uint32_t h = 0; h < 16; h++) {
        const int scale = packed_nibble(scales, h);
        view_group *g = add_scaled_group(d, 16 * h, 16, iq2_step(dd, scale), scale);
        for (uint32_t l = 0; l < 2; l++) {
            const uint32_t k = 2 * h + l, sub = k / 4, part = k % 4;
            const uint32_t index = qs[k] | (((uint32_t)qh[sub] >> (2 * part)) & 3) << 8;
            grid8(d, g, 8 * k, index, gq_iq2s_grid[index], signs[k], signs[k]);
        }
    }
}

/* iq3_s: d (f16), 64 low bytes of 9-bit indices into a 512-entry codebook
 * of 4 magnitudes each, 8 bytes of the indices' top bits, 32 sign bytes
 * (one mask per 8 values), 4 bytes of two 4-bit scales (one per 32). */
static void decode_iq3_s(const uint8_t *b, decoded *d) {
    d->layout = "d (f16, 2 bytes) | qs[64] (index low 8 bits) | qh[8] (index top bit) | signs[32] (8-bit masks)"
                " | scales[4] (two 4-bit) = 110 bytes per 256 values, 3.4375 bits per weight";
    d->rule = "w = (d * (1 + 2 * scale)) * (+/-)grid[index][j]   (codebook iq3s_grid, 512 entries of 4)";
    d->group_name = "sub-block";
    d->code_meaning = "the codebook index of the value's group of 4";
    add_field(d, "d", b);
    const float dd = d->fields[0].value;
    const uint8_t *qs = b + 2, *qh = b + 66, *signs = b + 74, *scales = b + 106;
    for (uint32_t s = 0; s < 8; s++) {
        const int scale = packed_nibble(scales, s);
        view_group *g = add_scaled_group(d, 32 * s, 32, dd * (float)(1 + 2 * scale), scale);
        for (uint32_t k = 0; k < 8; k++) {
            const uint32_t index = qs[8 * s + k] | (((uint32_t)qh[s] >> k) & 1) << 8;
            const uint8_t mask = signs[4 * s + k / 2];
            g->grid[g->n_grid++] = index;
            if (k % 2 == 0) g->signs[g->n_signs++] = mask;
            const uint32_t entry = gq_iq3s_grid[index];
            for (uint32_t j = 0; j < 4; j++) {
                const uint32_t bit = 4 * (k % 2) + j; /* the mask covers two groups of 4 */
                const int mag = (int)((entry >> (8 * j)) & 0xFF);
                set_value(d, 32 * s + 4 * k + j, s, (int32_t)index, (mask >> bit) & 1 ? -mag : mag);
            }
        }
    }
}

/* Fills d for the described block types; false for the others. */
static bool decode_block(uint32_t type, const uint8_t *raw, decoded *d) {
    memset(d, 0, sizeof *d);
    d->group_name = "block";
    d->described = true;
    switch (type) {
    case GQ_TYPE_Q8_0: decode_q8_0(raw, d); return true;
    case GQ_TYPE_IQ4_NL: decode_iq4_nl(raw, d); return true;
    case GQ_TYPE_Q4_K: decode_q4_K(raw, d); return true;
    case GQ_TYPE_Q6_K: decode_q6_K(raw, d); return true;
    case GQ_TYPE_IQ2_XXS: decode_iq2_xxs(raw, d); return true;
    case GQ_TYPE_IQ2_XS: decode_iq2_xs(raw, d); return true;
    case GQ_TYPE_IQ2_S: decode_iq2_s(raw, d); return true;
    case GQ_TYPE_IQ3_S: decode_iq3_s(raw, d); return true;
    default: d->described = false; return false;
    }
}

/* The documented rule, in ggml's float operations and order. */
static float rebuild(const decoded *d, uint32_t i) {
    const view_group *g = &d->groups[d->values[i].group];
    const float v = g->step * (float)d->values[i].level;
    return d->has_offset ? v - g->offset : v;
}

/* ---------------------------------------------------------------- plain types */

typedef struct plain_parts {
    uint32_t bits;
    int sign, exponent; /* exponent as stored (biased) */
    uint32_t mantissa;
} plain_parts;

static bool is_plain_float(uint32_t type) {
    return type == GQ_TYPE_F32 || type == GQ_TYPE_F16 || type == GQ_TYPE_BF16;
}

/* Sign, biased exponent and mantissa bits of element i of raw. */
static plain_parts plain_split(uint32_t type, const uint8_t *raw, uint32_t i, float *value) {
    plain_parts p;
    if (type == GQ_TYPE_F32) {
        memcpy(&p.bits, raw + 4 * i, 4);
        memcpy(value, raw + 4 * i, 4);
        p.sign = (int)(p.bits >> 31);
        p.exponent = (int)((p.bits >> 23) & 0xFF);
        p.mantissa = p.bits & 0x7FFFFF;
    } else if (type == GQ_TYPE_F16) {
        p.bits = le16(raw + 2 * i);
        *value = gq_fp16_to_fp32((uint16_t)p.bits);
        p.sign = (int)(p.bits >> 15);
        p.exponent = (int)((p.bits >> 10) & 0x1F);
        p.mantissa = p.bits & 0x3FF;
    } else { /* bf16: the top half of an f32 */
        p.bits = le16(raw + 2 * i);
        *value = gq_bf16_to_fp32((uint16_t)p.bits);
        p.sign = (int)(p.bits >> 15);
        p.exponent = (int)((p.bits >> 7) & 0xFF);
        p.mantissa = p.bits & 0x7F;
    }
    return p;
}

static const char *plain_layout(uint32_t type) {
    switch (type) {
    case GQ_TYPE_F32: return "1 sign bit | 8 exponent bits (bias 127) | 23 mantissa bits = 4 bytes per value";
    case GQ_TYPE_F16: return "1 sign bit | 5 exponent bits (bias 15) | 10 mantissa bits = 2 bytes per value";
    default: return "1 sign bit | 8 exponent bits (bias 127) | 7 mantissa bits = 2 bytes per value (the top half of an f32)";
    }
}

/* ---------------------------------------------------------------- shared */

uint32_t gq_block_view_elements(uint32_t type) {
    const gq_type_info *ti = gq_type_get(type);
    if (!ti || ti->removed || !ti->type_size) return 0;
    return ti->quantized ? ti->block_size : PLAIN_BLOCK;
}

static bool same_shape(const gguf_tensor *a, const gguf_tensor *b) {
    for (uint32_t d = 0; d < GGUF_MAX_DIMS; d++) {
        const uint64_t x = d < a->n_dims ? a->ne[d] : 1, y = d < b->n_dims ? b->ne[d] : 1;
        if (x != y) return false;
    }
    return true;
}

/* Elements [first, first + n) of a tensor as float32, reading only the
 * blocks that hold them (never a whole row: rows can be huge). */
static bool read_elements(const gguf_file *f, const gguf_tensor *t, uint64_t first, uint32_t n, float *out,
                          char *why, size_t why_size) {
    const gq_type_info *ti = gq_type_get(t->type);
    if (!ti || ti->removed || !ti->type_size || !gq_can_dequantize(t->type)) {
        snprintf(why, why_size, "its type %s cannot be converted to float", gq_type_name(t->type));
        return false;
    }
    if (gguf_is_big_endian(f)) {
        snprintf(why, why_size, "the file is big-endian; --block reads little-endian data only");
        return false;
    }
    const uint64_t bs = ti->block_size;
    const uint64_t b0 = first / bs, b1 = (first + n + bs - 1) / bs;
    const uint64_t n_vals = (b1 - b0) * bs;
    uint8_t *raw = malloc((size_t)((b1 - b0) * ti->type_size));
    float *vals = malloc((size_t)n_vals * sizeof *vals);
    bool ok = raw && vals;
    if (!ok) snprintf(why, why_size, "out of memory");
    gguf_error err;
    if (ok && gguf_read_tensor(f, t, b0 * ti->type_size, raw, (b1 - b0) * ti->type_size, &err) != GQ_OK) {
        snprintf(why, why_size, "%s", err.message);
        ok = false;
    }
    if (ok && gq_dequantize(t->type, raw, vals, (int64_t)n_vals) != GQ_OK) {
        snprintf(why, why_size, "libquant cannot dequantize %s", gq_type_name(t->type));
        ok = false;
    }
    if (ok) memcpy(out, vals + (first - b0 * bs), n * sizeof *out);
    free(raw);
    free(vals);
    return ok;
}

static void json_float(gq_json *j, const char *key, float v) {
    char buf[48];
    gq_json_key(j, key);
    gq_json_raw(j, gq_fmt_float32(v, true, buf, sizeof buf));
}

static void hex_bytes(char *out, size_t cap, const uint8_t *raw, uint32_t n) {
    size_t at = 0;
    for (uint32_t i = 0; i < n && at + 3 < cap; i++) at += (size_t)snprintf(out + at, cap - at, "%02x", raw[i]);
}

/* ---------------------------------------------------------------- output */

typedef struct view {
    const gq_block_view_request *req;
    const gq_type_info *ti;
    uint32_t n;            /* values in this block (fewer at the end of a plain tensor) */
    uint32_t bytes;        /* stored bytes of the block */
    uint64_t first;        /* tensor element index of value 0 */
    uint64_t row, column;
    uint64_t n_blocks;
    uint8_t raw[512];
    float lib[MAX_VALUES]; /* libquant's dequantization */
    float w_hat[MAX_VALUES];
    bool has_ref;
    float ref[MAX_VALUES];
    decoded dec;
    bool plain;
} view;

static void text_header(const view *v) {
    const gguf_tensor *t = v->req->t;
    char shape[GQ_FMT_BUF], a[GQ_FMT_BUF], b[GQ_FMT_BUF];
    printf("tensor %.*s: %s, shape %s; block %s of %s = ", (int)t->name.len, t->name.ptr, v->ti->name,
           gq_fmt_shape(t->ne, t->n_dims, shape, sizeof shape), gq_fmt_thousands(v->req->block, a, sizeof a),
           gq_fmt_thousands(v->n_blocks, b, sizeof b));
    /* Quantized blocks never straddle rows; 32 plain values of a tensor
     * with shorter rows do. */
    if (v->column + v->n <= t->ne[0])
        printf("row %" PRIu64 ", columns %" PRIu64 "..%" PRIu64 "\n", v->row, v->column, v->column + v->n - 1);
    else
        printf("elements %" PRIu64 "..%" PRIu64 " (from row %" PRIu64 ", column %" PRIu64 ")\n", v->first,
               v->first + v->n - 1, v->row, v->column);
    printf("stored: %u bytes at file byte %s\n", v->bytes,
           gq_fmt_thousands(gguf_data_offset(v->req->f) + t->offset + v->req->block * v->bytes, a, sizeof a));
    if (v->plain) {
        printf("layout: %s\n", plain_layout(v->ti->id));
        return;
    }
    if (!v->dec.described) {
        printf("layout: %u values in %u bytes (%.4g bits per weight); this view decodes q8_0, q4_K, q6_K, iq2_xxs,\n"
               "        iq2_xs, iq2_s, iq3_s and iq4_nl field by field (docs/formats.md); here: raw bytes and values\n",
               v->n, v->bytes, 8.0 * v->bytes / v->n);
        return;
    }
    printf("layout: %s\n", v->dec.layout);
    printf("rule:   %s\n", v->dec.rule);
    for (uint32_t i = 0; i < v->dec.n_fields; i++) {
        char buf[48];
        printf("%-7s %s = 0x%04x (f16) = %s\n", i == 0 ? "fields:" : "", v->dec.fields[i].name, v->dec.fields[i].bits,
               gq_fmt_float32(v->dec.fields[i].value, false, buf, sizeof buf));
    }
}

static void text_groups(const view *v) {
    const decoded *d = &v->dec;
    if (d->n_groups <= 1) return;
    const bool grid = d->groups[0].n_grid > 0;
    gq_table *t = gq_table_new(4 + (d->has_offset ? 2 : 0) + (grid ? 2 : 0));
    if (!t) return;
    size_t c = 0;
    gq_table_column(t, c++, d->group_name, GQ_ALIGN_RIGHT);
    gq_table_column(t, c++, "values", GQ_ALIGN_LEFT);
    gq_table_column(t, c++, "scale", GQ_ALIGN_RIGHT);
    if (d->has_offset) gq_table_column(t, c++, "min", GQ_ALIGN_RIGHT);
    gq_table_column(t, c++, "step", GQ_ALIGN_RIGHT);
    if (d->has_offset) gq_table_column(t, c++, "offset", GQ_ALIGN_RIGHT);
    if (grid) {
        gq_table_column(t, c++, "codebook indices", GQ_ALIGN_LEFT);
        gq_table_column(t, c++, "signs", GQ_ALIGN_LEFT);
    }
    gq_table_set_indent(t, 2);
    for (uint32_t i = 0; i < d->n_groups; i++) {
        const view_group *g = &d->groups[i];
        char buf[48], list[128], signs[128];
        gq_table_row(t);
        gq_table_cellf(t, "%u", i);
        gq_table_cellf(t, "%u..%u", g->first, g->first + g->count - 1);
        gq_table_cellf(t, "%d", g->scale_code);
        if (d->has_offset) gq_table_cellf(t, "%d", g->min_code);
        gq_table_cell(t, gq_fmt_float32(g->step, false, buf, sizeof buf));
        if (d->has_offset) gq_table_cell(t, gq_fmt_float32(g->offset, false, buf, sizeof buf));
        if (grid) {
            size_t a = 0, s = 0;
            list[0] = signs[0] = '\0';
            for (uint32_t k = 0; k < g->n_grid; k++)
                a += (size_t)snprintf(list + a, sizeof list - a, "%s%u", k ? " " : "", g->grid[k]);
            for (uint32_t k = 0; k < g->n_signs; k++)
                s += (size_t)snprintf(signs + s, sizeof signs - s, "%s0x%02x", k ? " " : "", g->signs[k]);
            gq_table_cell(t, list);
            gq_table_cell(t, signs);
        }
    }
    printf("\n");
    gq_table_print(t, stdout, gq_colour_enabled(stdout));
    gq_table_free(t);
}

static void text_values(const view *v) {
    const decoded *d = &v->dec;
    const bool described = v->plain || d->described;
    const size_t per_value_columns = v->plain ? 4 : !described ? 0 : (d->n_groups > 1) + 1 + !d->level_is_code;
    gq_table *t = gq_table_new(2 + per_value_columns + (v->has_ref ? 2 : 0));
    if (!t) return;
    size_t c = 0;
    gq_table_column(t, c++, "i", GQ_ALIGN_RIGHT);
    if (v->plain) {
        gq_table_column(t, c++, "bits", GQ_ALIGN_LEFT);
        gq_table_column(t, c++, "sign", GQ_ALIGN_RIGHT);
        gq_table_column(t, c++, "exponent", GQ_ALIGN_RIGHT);
        gq_table_column(t, c++, "mantissa", GQ_ALIGN_RIGHT);
    } else if (described) {
        if (d->n_groups > 1) gq_table_column(t, c++, "sub", GQ_ALIGN_RIGHT);
        gq_table_column(t, c++, "code", GQ_ALIGN_RIGHT);
        if (!d->level_is_code) gq_table_column(t, c++, "level", GQ_ALIGN_RIGHT);
    }
    gq_table_column(t, c++, "w_hat", GQ_ALIGN_RIGHT);
    if (v->has_ref) {
        gq_table_column(t, c++, "original w", GQ_ALIGN_RIGHT);
        gq_table_column(t, c++, "error", GQ_ALIGN_RIGHT);
    }
    gq_table_set_indent(t, 2);
    for (uint32_t i = 0; i < v->n; i++) {
        char buf[48];
        gq_table_row(t);
        gq_table_cellf(t, "%u", i);
        if (v->plain) {
            float value;
            const plain_parts p = plain_split(v->ti->id, v->raw, i, &value);
            gq_table_cellf(t, v->ti->id == GQ_TYPE_F32 ? "0x%08x" : "0x%04x", p.bits);
            gq_table_cell(t, p.sign ? "-" : "+");
            gq_table_cellf(t, "%d", p.exponent);
            gq_table_cellf(t, "0x%x", p.mantissa);
        } else if (described) {
            if (d->n_groups > 1) gq_table_cellf(t, "%u", d->values[i].group);
            gq_table_cellf(t, "%d", d->values[i].code);
            if (!d->level_is_code) gq_table_cellf(t, "%d", d->values[i].level);
        }
        gq_table_cell(t, gq_fmt_float32(v->w_hat[i], false, buf, sizeof buf));
        if (v->has_ref) {
            gq_table_cell(t, gq_fmt_float32(v->ref[i], false, buf, sizeof buf));
            gq_table_cellf(t, "%.3g", (double)v->w_hat[i] - (double)v->ref[i]);
        }
    }
    printf("\n");
    gq_table_print(t, stdout, gq_colour_enabled(stdout));
    gq_table_free(t);
}

static void text_summary(const view *v) {
    if (!v->has_ref) return;
    double e2 = 0, x2 = 0, max_abs = 0;
    for (uint32_t i = 0; i < v->n; i++) {
        const double e = (double)v->w_hat[i] - (double)v->ref[i];
        e2 += e * e;
        x2 += (double)v->ref[i] * v->ref[i];
        if (fabs(e) > max_abs) max_abs = fabs(e);
    }
    printf("\nagainst %s: RMSE %.4g, max|error| %.4g, NMSE %.4g (this block only)\n", v->req->ref_path,
           sqrt(e2 / v->n), max_abs, x2 > 0 ? e2 / x2 : 0.0);
}

static int json_output(const view *v) {
    const gguf_tensor *t = v->req->t;
    const decoded *d = &v->dec;
    gq_json j;
    gq_json_init(&j, stdout, v->req->pretty);
    gq_json_begin_object(&j);
    gq_json_kv_string(&j, "schema", SCHEMA);
    gq_json_kv_string(&j, "file", v->req->path);
    gq_json_key(&j, "block");
    gq_json_begin_object(&j);
    gq_json_key(&j, "tensor");
    gq_json_string_n(&j, t->name.ptr, (size_t)t->name.len);
    gq_json_kv_string(&j, "type", v->ti->name);
    gq_json_kv_uint(&j, "index", v->req->block);
    gq_json_kv_uint(&j, "blocks", v->n_blocks);
    gq_json_kv_uint(&j, "first_element", v->first);
    gq_json_kv_uint(&j, "row", v->row);
    gq_json_kv_uint(&j, "column", v->column);
    gq_json_kv_uint(&j, "values_count", v->n);
    gq_json_kv_uint(&j, "bytes", v->bytes);
    gq_json_kv_uint(&j, "file_offset", gguf_data_offset(v->req->f) + t->offset + v->req->block * v->bytes);
    char hex[2 * sizeof v->raw + 1];
    hex_bytes(hex, sizeof hex, v->raw, v->bytes);
    gq_json_kv_string(&j, "raw", hex);
    gq_json_kv_bool(&j, "described", v->plain || d->described);
    if (v->plain) {
        gq_json_kv_string(&j, "layout", plain_layout(v->ti->id));
    } else if (d->described) {
        gq_json_kv_string(&j, "layout", d->layout);
        gq_json_kv_string(&j, "rule", d->rule);
        gq_json_key(&j, "fields");
        gq_json_begin_object(&j);
        for (uint32_t i = 0; i < d->n_fields; i++) {
            gq_json_key(&j, d->fields[i].name);
            gq_json_begin_object(&j);
            gq_json_kv_uint(&j, "bits", d->fields[i].bits);
            json_float(&j, "value", d->fields[i].value);
            gq_json_end_object(&j);
        }
        gq_json_end_object(&j);
        gq_json_kv_string(&j, "group_name", d->group_name);
        gq_json_key(&j, "groups");
        gq_json_begin_array(&j);
        for (uint32_t i = 0; i < d->n_groups; i++) {
            const view_group *g = &d->groups[i];
            gq_json_begin_object(&j);
            gq_json_kv_uint(&j, "first", g->first);
            gq_json_kv_uint(&j, "count", g->count);
            if (g->has_scale_code) gq_json_kv_int(&j, "scale_code", g->scale_code);
            if (g->has_min_code) gq_json_kv_int(&j, "min_code", g->min_code);
            json_float(&j, "step", g->step);
            if (d->has_offset) json_float(&j, "offset", g->offset);
            if (g->n_grid) {
                gq_json_key(&j, "grid_indices");
                gq_json_begin_array(&j);
                for (uint32_t k = 0; k < g->n_grid; k++) gq_json_uint(&j, g->grid[k]);
                gq_json_end_array(&j);
                gq_json_key(&j, "signs");
                gq_json_begin_array(&j);
                for (uint32_t k = 0; k < g->n_signs; k++) gq_json_uint(&j, g->signs[k]);
                gq_json_end_array(&j);
            }
            gq_json_end_object(&j);
        }
        gq_json_end_array(&j);
    }
    if (v->has_ref) gq_json_kv_string(&j, "reference", v->req->ref_path);
    gq_json_key(&j, "values");
    gq_json_begin_array(&j);
    for (uint32_t i = 0; i < v->n; i++) {
        gq_json_begin_object(&j);
        if (v->plain) {
            float value;
            const plain_parts p = plain_split(v->ti->id, v->raw, i, &value);
            gq_json_kv_uint(&j, "bits", p.bits);
            gq_json_kv_int(&j, "sign", p.sign);
            gq_json_kv_int(&j, "exponent", p.exponent);
            gq_json_kv_uint(&j, "mantissa", p.mantissa);
        } else if (d->described) {
            gq_json_kv_uint(&j, "group", d->values[i].group);
            gq_json_kv_int(&j, "code", d->values[i].code);
            gq_json_kv_int(&j, "level", d->values[i].level);
        }
        json_float(&j, "w_hat", v->w_hat[i]);
        if (v->has_ref) {
            json_float(&j, "original", v->ref[i]);
            gq_json_kv_double(&j, "error", (double)v->w_hat[i] - (double)v->ref[i]);
        }
        gq_json_end_object(&j);
    }
    gq_json_end_array(&j);
    gq_json_end_object(&j);
    gq_json_end_object(&j);
    return gq_json_finish(&j) == 0 ? GQ_EXIT_OK : GQ_EXIT_FAILURE;
}

int gq_block_view_show(const gq_block_view_request *req) {
    const gguf_tensor *t = req->t;
    char name[128];
    snprintf(name, sizeof name, "%.*s", (int)(t->name.len < 100 ? t->name.len : 100), t->name.ptr);
    view *v = calloc(1, sizeof *v);
    if (!v) {
        gq_diag_error(req->path, "out of memory");
        return GQ_EXIT_FAILURE;
    }
    int rc = GQ_EXIT_FAILURE;
    v->req = req;
    v->ti = gq_type_get(t->type);
    const uint32_t per_block = gq_block_view_elements(t->type);
    if (!v->ti || !per_block || !gq_can_dequantize(t->type)) {
        gq_diag_error(req->path, "tensor '%s': --block cannot decode type %s", name, gq_type_name(t->type));
        goto done;
    }
    if (gguf_is_big_endian(req->f)) {
        gq_diag_error(req->path, "tensor '%s': the file is big-endian; --block reads little-endian data only", name);
        goto done;
    }
    v->plain = !v->ti->quantized;
    if (v->plain && !is_plain_float(t->type)) {
        gq_diag_error(req->path, "tensor '%s': --block shows block types and f32/f16/bf16, not %s", name, v->ti->name);
        goto done;
    }
    v->n_blocks = (t->n_elements + per_block - 1) / per_block;
    if (req->block >= v->n_blocks) {
        gq_diag_error(req->path, "tensor '%s': --block %" PRIu64 " is past its last block (%s has %" PRIu64
                      " blocks of %u values: 0..%" PRIu64 ")",
                      name, req->block, name, v->n_blocks, per_block, v->n_blocks - 1);
        goto done;
    }
    v->first = req->block * per_block;
    v->n = per_block;
    if (v->plain && t->n_elements - v->first < per_block) v->n = (uint32_t)(t->n_elements - v->first);
    v->row = v->first / t->ne[0];
    v->column = v->first % t->ne[0];
    /* A plain "block" of a tensor with short rows spans several of them:
     * report where it starts, and the columns as a flat range. */
    v->bytes = v->plain ? v->n * v->ti->type_size : v->ti->type_size;
    if (v->bytes > sizeof v->raw || v->n > MAX_VALUES) {
        gq_diag_error(req->path, "tensor '%s': a %s block is larger than this view handles", name, v->ti->name);
        goto done;
    }
    gguf_error err;
    const uint64_t start = v->plain ? v->first * v->ti->type_size : req->block * v->ti->type_size;
    if (gguf_read_tensor(req->f, t, start, v->raw, v->bytes, &err) != GQ_OK) {
        gq_diag_error(req->path, "tensor '%s': %s", name, err.message);
        goto done;
    }
    if (gq_dequantize(t->type, v->raw, v->lib, v->plain ? v->n : per_block) != GQ_OK) {
        gq_diag_error(req->path, "tensor '%s': libquant cannot dequantize %s", name, v->ti->name);
        goto done;
    }
    /* The documented rule, checked against libquant bit for bit. */
    if (v->plain) {
        for (uint32_t i = 0; i < v->n; i++) (void)plain_split(t->type, v->raw, i, &v->w_hat[i]);
    } else if (decode_block(t->type, v->raw, &v->dec)) {
        for (uint32_t i = 0; i < v->n; i++) v->w_hat[i] = rebuild(&v->dec, i);
    } else {
        memcpy(v->w_hat, v->lib, v->n * sizeof *v->w_hat);
    }
    for (uint32_t i = 0; i < v->n; i++) {
        if (memcmp(&v->w_hat[i], &v->lib[i], sizeof(float)) != 0 && !(isnan(v->w_hat[i]) && isnan(v->lib[i]))) {
            char a[48], b[48];
            gq_diag_error(req->path,
                          "tensor '%s', block %" PRIu64 ", value %u: the documented rule gives %s but libquant %s "
                          "(please report this)",
                          name, req->block, i, gq_fmt_float32(v->w_hat[i], false, a, sizeof a),
                          gq_fmt_float32(v->lib[i], false, b, sizeof b));
            goto done;
        }
    }
    if (req->ref) {
        const int64_t ri = gguf_find_tensor(req->ref, name);
        const gguf_tensor *rt = ri >= 0 ? gguf_get_tensor(req->ref, (uint64_t)ri) : NULL;
        char why[600];
        if (!rt) {
            gq_diag_error(req->ref_path, "no tensor named '%s' (the reference must be the same model)", name);
            goto done;
        }
        if (!same_shape(t, rt)) {
            char a[GQ_FMT_BUF], b[GQ_FMT_BUF];
            gq_diag_error(req->ref_path, "tensor '%s' has shape %s here but %s in %s", name,
                          gq_fmt_shape(rt->ne, rt->n_dims, a, sizeof a), gq_fmt_shape(t->ne, t->n_dims, b, sizeof b),
                          req->path);
            goto done;
        }
        if (!read_elements(req->ref, rt, v->first, v->n, v->ref, why, sizeof why)) {
            gq_diag_error(req->ref_path, "tensor '%s': %s", name, why);
            goto done;
        }
        v->has_ref = true;
    }
    if (req->json) {
        rc = json_output(v);
        goto done;
    }
    text_header(v);
    if (!v->plain && !v->dec.described) {
        char hex[2 * sizeof v->raw + 1];
        hex_bytes(hex, sizeof hex, v->raw, v->bytes);
        printf("raw:    %s\n", hex);
    }
    if (!v->plain && v->dec.described) printf("code:   %s\n", v->dec.code_meaning);
    text_groups(v);
    text_values(v);
    text_summary(v);
    rc = fflush(stdout) == 0 && !ferror(stdout) ? GQ_EXIT_OK : GQ_EXIT_FAILURE;
done:
    free(v);
    return rc;
}
