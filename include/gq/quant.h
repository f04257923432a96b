/* gq — quantize and dequantize ggml tensor data.
 *
 * Rows are the unit: a quantizer turns nrows rows of n_per_row floats into
 * nrows * row_bytes bytes, each row on its own, exactly as ggml's
 * ggml_quantize_chunk does; the bytes are identical to ggml's reference
 * quantizers.  Dequantizers turn n elements of block data back into floats,
 * bit-identical to ggml's to_float.
 *
 * Kernels: every type has a portable scalar reference; where it pays there
 * are SIMD kernels (AVX2, NEON) picked at run time.  The SIMD kernels give
 * the same bits as the reference.  GQ_FORCE_SCALAR=1 in the environment, or
 * gq_quant_set_simd(false), pins the reference. */
#ifndef GQ_QUANT_H
#define GQ_QUANT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gq/error.h"
#include "gq/types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Can this build dequantize / quantize the type?  (f32 counts for both.) */
bool gq_can_dequantize(uint32_t type);
bool gq_can_quantize(uint32_t type);

/* Dequantize n elements (a multiple of the block size) of `type` at src
 * into dst.  Returns GQ_ERR_UNSUPPORTED / GQ_ERR_ARG on a bad type or n. */
gq_status gq_dequantize(uint32_t type, const void *src, float *dst, int64_t n);

/* Where a non-finite input value was found. */
typedef struct gq_nonfinite_at {
    int64_t row;
    int64_t col;
    float value;
} gq_nonfinite_at;

/* Quantize nrows rows of n_per_row floats (src, row-major) into dst.
 * imatrix: n_per_row importance weights or NULL.  n_threads <= 1 runs on the
 * calling thread; the bytes never depend on n_threads.
 * Before quantizing, every input value is checked: a NaN or Inf fails with
 * GQ_ERR_NONFINITE and *where (if not NULL) says where.  Types that need an
 * importance matrix fail with GQ_ERR_NEED_IMATRIX when imatrix is NULL.
 * *written (if not NULL) receives the number of bytes written. */
gq_status gq_quantize(uint32_t type, const float *src, void *dst,
                      int64_t nrows, int64_t n_per_row, const float *imatrix,
                      int n_threads, size_t *written, gq_nonfinite_at *where);

/* Dequantize nrows rows with n_threads threads (same bits as 1 thread). */
gq_status gq_dequantize_rows(uint32_t type, const void *src, float *dst,
                             int64_t nrows, int64_t n_per_row, int n_threads);

/* SIMD selection.  gq_quant_set_simd(false) forces the scalar reference for
 * every later call; true goes back to the best kernels this CPU runs.
 * gq_quant_isa() names what is in use: "scalar", "avx2", "neon". */
void gq_quant_set_simd(bool enabled);
const char *gq_quant_isa(void);

/* Numbers of CPUs online (>= 1), for default thread counts. */
int gq_cpu_count(void);

#ifdef __cplusplus
}
#endif
#endif
