/* Block layouts of every ggml quantized type, as they sit on disk.
 *
 * These structs are the single source of each type's byte size: the type
 * table takes sizeof() of them, and each static_assert states the layout's
 * arithmetic once so a stray padding byte fails the build.  All multi-byte
 * fields are little-endian on disk; gq only runs on little-endian hosts for
 * block data (big-endian GGUF tensors are reported, not decoded). */
#ifndef GQ_BLOCKS_H
#define GQ_BLOCKS_H

#include <assert.h>
#include <stdint.h>

typedef uint16_t gq_half; /* IEEE binary16 bits */

#define GQ_QK_K 256      /* super-block of the k-quants and most i-quants */
#define GQ_K_SCALE_SIZE 12

/* ---- legacy 32-element blocks ---- */
#define GQ_QK4_0 32
typedef struct { gq_half d; uint8_t qs[GQ_QK4_0 / 2]; } block_q4_0;
static_assert(sizeof(block_q4_0) == 2 + GQ_QK4_0 / 2, "q4_0 layout");

#define GQ_QK4_1 32
typedef struct { gq_half d; gq_half m; uint8_t qs[GQ_QK4_1 / 2]; } block_q4_1;
static_assert(sizeof(block_q4_1) == 4 + GQ_QK4_1 / 2, "q4_1 layout");

#define GQ_QK5_0 32
typedef struct { gq_half d; uint8_t qh[4]; uint8_t qs[GQ_QK5_0 / 2]; } block_q5_0;
static_assert(sizeof(block_q5_0) == 2 + 4 + GQ_QK5_0 / 2, "q5_0 layout");

#define GQ_QK5_1 32
typedef struct { gq_half d; gq_half m; uint8_t qh[4]; uint8_t qs[GQ_QK5_1 / 2]; } block_q5_1;
static_assert(sizeof(block_q5_1) == 4 + 4 + GQ_QK5_1 / 2, "q5_1 layout");

#define GQ_QK8_0 32
typedef struct { gq_half d; int8_t qs[GQ_QK8_0]; } block_q8_0;
static_assert(sizeof(block_q8_0) == 2 + GQ_QK8_0, "q8_0 layout");

#define GQ_QK8_1 32
typedef struct { gq_half d; gq_half s; int8_t qs[GQ_QK8_1]; } block_q8_1;
static_assert(sizeof(block_q8_1) == 4 + GQ_QK8_1, "q8_1 layout");

/* ---- low-bit legacy-style blocks ---- */
#define GQ_QK1_0 128
typedef struct { gq_half d; uint8_t qs[GQ_QK1_0 / 8]; } block_q1_0;
static_assert(sizeof(block_q1_0) == 2 + GQ_QK1_0 / 8, "q1_0 layout");

#define GQ_QK2_0 64
typedef struct { gq_half d; uint8_t qs[GQ_QK2_0 / 4]; } block_q2_0;
static_assert(sizeof(block_q2_0) == 2 + GQ_QK2_0 / 4, "q2_0 layout");

/* ---- 4-bit float blocks ---- */
#define GQ_QK_MXFP4 32
typedef struct { uint8_t e; /* E8M0 */ uint8_t qs[GQ_QK_MXFP4 / 2]; } block_mxfp4;
static_assert(sizeof(block_mxfp4) == 1 + GQ_QK_MXFP4 / 2, "mxfp4 layout");

#define GQ_QK_NVFP4 64
#define GQ_QK_NVFP4_SUB 16
typedef struct { uint8_t d[GQ_QK_NVFP4 / GQ_QK_NVFP4_SUB]; /* UE4M3 */ uint8_t qs[GQ_QK_NVFP4 / 2]; } block_nvfp4;
static_assert(sizeof(block_nvfp4) == GQ_QK_NVFP4 / GQ_QK_NVFP4_SUB + GQ_QK_NVFP4 / 2, "nvfp4 layout");

/* ---- ternary ---- */
typedef struct {
    uint8_t qs[(GQ_QK_K - 4 * GQ_QK_K / 64) / 5]; /* 5 trits per byte */
    uint8_t qh[GQ_QK_K / 64];                    /* 4 trits per byte */
    gq_half d;
} block_tq1_0;
static_assert(sizeof(block_tq1_0) == 2 + GQ_QK_K / 64 + (GQ_QK_K - 4 * GQ_QK_K / 64) / 5, "tq1_0 layout");

typedef struct { uint8_t qs[GQ_QK_K / 4]; gq_half d; } block_tq2_0;
static_assert(sizeof(block_tq2_0) == 2 + GQ_QK_K / 4, "tq2_0 layout");

/* ---- k-quants ---- */
typedef struct {
    uint8_t scales[GQ_QK_K / 16]; /* 4-bit scale | 4-bit min per 16 */
    uint8_t qs[GQ_QK_K / 4];
    gq_half d;
    gq_half dmin;
} block_q2_K;
static_assert(sizeof(block_q2_K) == 4 + GQ_QK_K / 16 + GQ_QK_K / 4, "q2_K layout");

typedef struct {
    uint8_t hmask[GQ_QK_K / 8];
    uint8_t qs[GQ_QK_K / 4];
    uint8_t scales[12];
    gq_half d;
} block_q3_K;
static_assert(sizeof(block_q3_K) == 2 + GQ_QK_K / 4 + GQ_QK_K / 8 + 12, "q3_K layout");

typedef struct {
    gq_half d;
    gq_half dmin;
    uint8_t scales[GQ_K_SCALE_SIZE];
    uint8_t qs[GQ_QK_K / 2];
} block_q4_K;
static_assert(sizeof(block_q4_K) == 4 + GQ_K_SCALE_SIZE + GQ_QK_K / 2, "q4_K layout");

typedef struct {
    gq_half d;
    gq_half dmin;
    uint8_t scales[GQ_K_SCALE_SIZE];
    uint8_t qh[GQ_QK_K / 8];
    uint8_t qs[GQ_QK_K / 2];
} block_q5_K;
static_assert(sizeof(block_q5_K) == 4 + GQ_K_SCALE_SIZE + GQ_QK_K / 2 + GQ_QK_K / 8, "q5_K layout");

typedef struct {
    uint8_t ql[GQ_QK_K / 2];
    uint8_t qh[GQ_QK_K / 4];
    int8_t scales[GQ_QK_K / 16];
    gq_half d;
} block_q6_K;
static_assert(sizeof(block_q6_K) == 2 + GQ_QK_K / 16 + 3 * GQ_QK_K / 4, "q6_K layout");

typedef struct {
    float d;
    int8_t qs[GQ_QK_K];
    int16_t bsums[GQ_QK_K / 16];
} block_q8_K;
static_assert(sizeof(block_q8_K) == 4 + GQ_QK_K + GQ_QK_K / 16 * 2, "q8_K layout");

/* ---- i-quants ---- */
typedef struct { gq_half d; uint16_t qs[GQ_QK_K / 8]; } block_iq2_xxs;
static_assert(sizeof(block_iq2_xxs) == 2 + GQ_QK_K / 8 * 2, "iq2_xxs layout");

typedef struct { gq_half d; uint16_t qs[GQ_QK_K / 8]; uint8_t scales[GQ_QK_K / 32]; } block_iq2_xs;
static_assert(sizeof(block_iq2_xs) == 2 + GQ_QK_K / 8 * 2 + GQ_QK_K / 32, "iq2_xs layout");

typedef struct {
    gq_half d;
    uint8_t qs[GQ_QK_K / 4];
    uint8_t qh[GQ_QK_K / 32];
    uint8_t scales[GQ_QK_K / 32];
} block_iq2_s;
static_assert(sizeof(block_iq2_s) == 2 + GQ_QK_K / 4 + GQ_QK_K / 16, "iq2_s layout");

typedef struct { gq_half d; uint8_t qs[3 * GQ_QK_K / 8]; } block_iq3_xxs;
static_assert(sizeof(block_iq3_xxs) == 2 + 3 * (GQ_QK_K / 8), "iq3_xxs layout");

#define GQ_IQ3S_N_SCALE (GQ_QK_K / 64)
typedef struct {
    gq_half d;
    uint8_t qs[GQ_QK_K / 4];
    uint8_t qh[GQ_QK_K / 32];
    uint8_t signs[GQ_QK_K / 8];
    uint8_t scales[GQ_IQ3S_N_SCALE];
} block_iq3_s;
static_assert(sizeof(block_iq3_s) == 2 + 13 * (GQ_QK_K / 32) + GQ_IQ3S_N_SCALE, "iq3_s layout");

typedef struct { gq_half d; uint8_t qs[GQ_QK_K / 8]; uint16_t qh[GQ_QK_K / 32]; } block_iq1_s;
static_assert(sizeof(block_iq1_s) == 2 + GQ_QK_K / 8 + GQ_QK_K / 16, "iq1_s layout");

typedef struct {
    uint8_t qs[GQ_QK_K / 8];
    uint8_t qh[GQ_QK_K / 16];
    uint8_t scales[GQ_QK_K / 32]; /* also carries the fp16 super-block scale, 4 bits at a time */
} block_iq1_m;
static_assert(sizeof(block_iq1_m) == GQ_QK_K / 8 + GQ_QK_K / 16 + GQ_QK_K / 32, "iq1_m layout");

#define GQ_QK4_NL 32
typedef struct { gq_half d; uint8_t qs[GQ_QK4_NL / 2]; } block_iq4_nl;
static_assert(sizeof(block_iq4_nl) == 2 + GQ_QK4_NL / 2, "iq4_nl layout");

typedef struct {
    gq_half d;
    uint16_t scales_h;
    uint8_t scales_l[GQ_QK_K / 64];
    uint8_t qs[GQ_QK_K / 2];
} block_iq4_xs;
static_assert(sizeof(block_iq4_xs) == 4 + GQ_QK_K / 64 + GQ_QK_K / 2, "iq4_xs layout");

#endif
