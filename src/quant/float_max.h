/* ggml's MAX(a, b) on floats, and the largest magnitude of a block built
 * from it.  The macro's exact form, a > b ? a : b, decides which of two
 * equal zeros (+0 / -0) and which side of a NaN comparison survives, and
 * the stored scale carries that choice — so every quantizer that takes a
 * maximum the way ggml does takes it through here, not through fmaxf. */
#ifndef GQ_QUANT_FLOAT_MAX_H
#define GQ_QUANT_FLOAT_MAX_H

#include <math.h>

static inline float gq_max_first(float a, float b) { return a > b ? a : b; }

/* max |x[j]| folded left to right with gq_max_first, from 0 (q8_0, tq1_0,
 * tq2_0 scale their block by it). */
static inline float gq_abs_max(const float *x, int n) {
    float amax = 0.0f;
    for (int j = 0; j < n; j++) amax = gq_max_first(amax, fabsf(x[j]));
    return amax;
}

/* The value of largest magnitude, keeping its sign (the first one on ties;
 * NaNs never win): the _0 types and iq4 put it on an extreme level so it is
 * hit exactly.  *amax_out gets its magnitude. */
static inline float gq_signed_abs_max(const float *x, int n, float *amax_out) {
    float amax = 0.0f, max = 0.0f;
    for (int j = 0; j < n; j++) {
        const float ax = fabsf(x[j]);
        if (ax > amax) {
            amax = ax;
            max = x[j];
        }
    }
    *amax_out = amax;
    return max;
}

#endif
