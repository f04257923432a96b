/* Float-to-integer conversions with the results ggml's reference build gets
 * where C leaves them undefined.
 *
 * ggml's quantizers convert float to small integers with plain casts
 * ((int8_t)(x + 8.5f), (uint8_t)(...), an int8_t field assigned roundf(x)).
 * In range, a cast truncates toward zero and there is nothing to match.  Out
 * of range it is undefined behaviour in C, and it does happen on ordinary
 * finite input: a block of tiny values has a subnormal scale d whose
 * reciprocal 1/d is infinite, so x * (1/d) is +-Inf or NaN (0 * Inf).
 * ggml's vectors were made on x86-64, where the cast is one cvttss2si:
 * truncation, or the "integer indefinite" 0x80000000 for NaN and anything
 * out of 32-bit range; a narrower destination then keeps the low bits.
 * These helpers give those results in portable, defined C, so scalar and
 * SIMD kernels (whose cvttps gives the same indefinite value) agree with the
 * vectors byte for byte on every host. */
#ifndef GQ_FLOAT_TO_INT_H
#define GQ_FLOAT_TO_INT_H

#include <math.h>
#include <stdint.h>

/* (int32_t)v as x86's cvttss2si computes it: truncation toward zero, and
 * INT32_MIN for NaN or |v| >= 2^31. */
static inline int32_t gq_cvtt_i32(float v) {
    if (v > -2147483648.0f && v < 2147483648.0f) return (int32_t)v; /* false for NaN */
    return INT32_MIN;
}

/* The low byte of gq_cvtt_i32(v), as an 8-bit destination keeps it: what a
 * cast to int8_t or uint8_t gives in ggml's build.  Returned as 0..255. */
static inline uint8_t gq_cvtt_u8(float v) { return (uint8_t)((uint32_t)gq_cvtt_i32(v) & 0xffu); }

/* The same byte read as a signed 8-bit value (two's complement). */
static inline int8_t gq_cvtt_i8(float v) {
    uint8_t b = gq_cvtt_u8(v);
    return (int8_t)(b < 128 ? b : b - 256);
}

/* lroundf(v) as ggml's x86-64 build gets it from glibc: halves away from
 * zero, and for NaN or |v| >= 2^63 (where C leaves the result unspecified)
 * the 64-bit indefinite value INT64_MIN.  Other C libraries and CPUs answer
 * differently there (aarch64 saturates), hence no call to lroundf. */
static inline int64_t gq_lround_x86(float v) {
    if (v > -0x1p63f && v < 0x1p63f) return (int64_t)roundf(v); /* false for NaN */
    return INT64_MIN;
}

#endif
