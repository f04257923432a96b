/* The one rounding every quantizer that must match ggml bit for bit uses.
 *
 * ggml rounds with the "add 1.5 * 2^23" trick rather than lrintf: the sum
 * lands in [2^23, 2^24), where a float's last mantissa bit is worth 1, so
 * the FPU rounds half to even and the integer sits in the low mantissa bits.
 * Exact for |v| < 2^22; beyond that it wraps, deterministically, and ggml's
 * results depend on the wrap too — so no cast and no lrintf here.  SIMD
 * kernels do the same add-and-mask in vector registers. */
#ifndef GQ_QUANT_NEAREST_INT_H
#define GQ_QUANT_NEAREST_INT_H

#include <stdint.h>
#include <string.h>

static inline int gq_nearest_int(float v) {
    float biased = v + 12582912.f;
    int32_t bits;
    memcpy(&bits, &biased, sizeof bits);
    return (bits & 0x007fffff) - 0x00400000;
}

static inline int gq_clamp_int(int v, int lo, int hi) { return v < lo ? lo : v > hi ? hi : v; }

#endif
