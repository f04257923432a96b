/* Pieces of the k-quant kernels that the scalar reference (kquants.c) and the
 * SIMD files (x86/kquants_avx2.c, arm/kquants_neon.c) share, so that the
 * parts which are not worth vectorizing exist once.
 *
 * Bit-exactness with ggml rests on three rules every function here and in
 * the kernels follows:
 *   - float arithmetic in ggml's operation order, in float (never double),
 *     never contracted into fused multiply-adds;
 *   - rounding to an integer through gq_nearest_int's bit trick (nearest_int.h), including
 *     its (deterministic) garbage for values too big to round that way;
 *   - integer-to-narrow conversions wrapping modulo 2^8 as ggml's implicit
 *     conversions do on every compiler ggml supports. */
#ifndef GQ_KQUANTS_COMMON_H
#define GQ_KQUANTS_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "blocks.h"
#include "fp16.h"
#include "nearest_int.h"
#include "scale_search.h"

/* A field of the block that starts at byte pointer p, as a byte pointer.
 * Tensor data in a GGUF file need not be aligned for the block structs (the
 * file's alignment may be any power of two), so SIMD kernels address blocks
 * this way instead of through struct pointers. */
#define KQ_AT(p, block_t, field) ((const uint8_t *)(p) + offsetof(block_t, field))

static inline float kq_half_at(const uint8_t *p) {
    uint16_t h;
    memcpy(&h, p, sizeof h);
    return gq_fp16_to_fp32(h);
}

/* q4_K / q5_K keep eight 6-bit scales and eight 6-bit mins in 12 bytes:
 * bytes 0-3 hold scales 0-3, bytes 4-7 mins 0-3, bytes 8-11 the low nibbles
 * of scale and min 4-7; the top two bits of scale/min 4-7 ride in the spare
 * top bits of bytes 0-3 / 4-7. */
static inline void kq_k4_get(int j, const uint8_t *packed, uint8_t *scale, uint8_t *min) {
    if (j < 4) {
        *scale = packed[j] & 63;
        *min = packed[j + 4] & 63;
    } else {
        *scale = (uint8_t)((packed[j + 4] & 0xF) | ((packed[j - 4] >> 6) << 4));
        *min = (uint8_t)((packed[j + 4] >> 4) | ((packed[j] >> 6) << 4));
    }
}

/* Store scale/min j (6-bit values).  Call for j = 0..7 in order: entries 4-7
 * OR their top bits into bytes that entries 0-3 wrote. */
static inline void kq_k4_put(int j, uint8_t *packed, uint8_t scale, uint8_t min) {
    if (j < 4) {
        packed[j] = scale;
        packed[j + 4] = min;
    } else {
        packed[j + 4] = (uint8_t)((scale & 0xF) | ((min & 0xF) << 4));
        packed[j - 4] |= (uint8_t)((scale >> 4) << 6);
        packed[j] |= (uint8_t)((min >> 4) << 6);
    }
}

/* q3_K's sixteen 6-bit signed scales (biased by 32) in 12 bytes: low
 * nibbles in bytes 0-7 (scales 0-7 low half, 8-15 high half), the top two
 * bits of scale j in byte 8 + j%4 at bit 2*(j/4). */
static inline int kq_q3_scale_get(int j, const uint8_t *packed) {
    int low = j < 8 ? packed[j] & 0xF : packed[j - 8] >> 4;
    int high = (packed[8 + j % 4] >> (2 * (j / 4))) & 3;
    return (low | (high << 4)) - 32;
}

/* Store the biased 6-bit value of scale j; packed must start zeroed. */
static inline void kq_q3_scale_put(int j, uint8_t *packed, int biased) {
    if (j < 8) {
        packed[j] = (uint8_t)(biased & 0xF);
    } else {
        packed[j - 8] |= (uint8_t)((biased & 0xF) << 4);
    }
    packed[8 + j % 4] |= (uint8_t)((biased >> 4) << (2 * (j / 4)));
}

/* ---- shared finishing steps (kquants.c) ---- */

/* ggml's make_qp_quants: a non-negative scale for n non-negative values
 * (the sub-block scales or mins of one super-block) on levels 0..nmax,
 * searched with importance weights w.  Returns the scale; L gets levels. */
float gq_kq_positive_scale(int n, int nmax, const float *x, uint8_t *L, const float *w);

/* Encode q4_K/q5_K sub-block scales and mins into the 12 scale bytes and the
 * two half-precision super-scales.  plain: ggml's reference path (max-based
 * 6-bit rounding); imat: sw = per-sub-block weight sums, searched levels;
 * clamp63: q5_K clamps the searched levels to 63 before packing, q4_K does
 * not (they exceed 63 only when a scale came out negative). */
void gq_kq_k4_scales_plain(const float scales[8], const float mins[8], uint8_t packed[12],
                           gq_half *d, gq_half *dmin);
void gq_kq_k4_scales_imat(const float scales[8], const float mins[8], const float sw[8],
                          uint8_t packed[12], gq_half *d, gq_half *dmin, int clamp63);

/* Encode q2_K's sixteen 4-bit scales and mins and the super-scales. */
void gq_kq_q2_scales_plain(const float scales[16], const float mins[16], block_q2_K *y);
void gq_kq_q2_scales_imat(const float scales[16], const float mins[16], const float sw[16], block_q2_K *y);

/* One q3_K block by the reference (the AVX2 file keeps the search without
 * importance weights on it: that one refines single values in turn). */
void gq_kq_q3_K_block(const float *x, const float *qw, block_q3_K *y);

/* q3_K with importance weights: the sixteen scales searched as levels of
 * one signed super-scale (sw = per-sub-block weight sums). */
void gq_kq_q3_scales_imat(const float scales[16], const float sw[16], block_q3_K *y);

/* q3_K's levels 0..7: the third bits into hmask, the low two packed into
 * qs (L is modified). */
void gq_kq_pack_q3(uint8_t L[GQ_QK_K], block_q3_K *y);

/* Encode q6_K's sixteen sub-block scales; returns 0 (block zeroed) when
 * every scale is negligible, 1 otherwise. */
int gq_kq_q6_scales(const float scales[16], block_q6_K *y);

/* Level packers: 256 levels into the type's bit layout. */
void gq_kq_pack_2bit(const uint8_t L[GQ_QK_K], uint8_t qs[GQ_QK_K / 4]); /* q2_K, q3_K low bits */
void gq_kq_pack_q4(const uint8_t L[GQ_QK_K], uint8_t qs[GQ_QK_K / 2]);
void gq_kq_pack_q5(const uint8_t L[GQ_QK_K], uint8_t qh[GQ_QK_K / 8], uint8_t qs[GQ_QK_K / 2]);
void gq_kq_pack_q6(const uint8_t L[GQ_QK_K], uint8_t ql[GQ_QK_K / 2], uint8_t qh[GQ_QK_K / 4]);

#endif
