/* Helpers the quantizer tests share: a seeded random source, exact
 * comparisons that say where two buffers first differ, the SIMD-versus-
 * scalar round trips, and requantizing llama-quantize's gemma4-mini tensors
 * from the BF16 model.  Each test file still builds its own inputs (their
 * shapes are what each test is about); only the machinery lives here. */
#ifndef GQ_QUANT_TESTUTIL_H
#define GQ_QUANT_TESTUTIL_H

#include <stddef.h>
#include <stdint.h>

#include "gq/gguf.h"
#include "gq/imatrix.h"

/* splitmix64: every seed, 0 included, gives a full-quality stream. */
uint64_t gqt_rng_next(uint64_t *state);
/* Uniform in (0, 1): never 0, so log() of it is finite. */
double gqt_rng_unit(uint64_t *state);
/* Standard normal (Box-Muller). */
double gqt_rng_gauss(uint64_t *state);

/* Bytes of one row of n_per_row values of type (asserts the type knows). */
size_t gqt_row_bytes(uint32_t type, int64_t n_per_row);

/* 1 when identical; else prints the first difference under `what`, returns 0.
 * Floats compare by bits, except that any NaN matches any NaN. */
int gqt_bytes_identical(const uint8_t *got, const uint8_t *want, size_t n, const char *what);
int gqt_floats_identical(const float *got, const float *want, size_t n, const char *what);

/* Quantize (dequantize) once with the scalar reference on one thread and
 * once with the SIMD kernels on `threads` threads; 1 when the outputs are
 * identical (else the first difference is printed).  Leaves SIMD on. */
int gqt_quantize_simd_matches_scalar(uint32_t type, const float *x, int64_t rows, int64_t n_per_row,
                                     const float *imatrix, int threads, const char *what);
int gqt_dequantize_simd_matches_scalar(uint32_t type, const void *blocks, int64_t rows, int64_t n_per_row,
                                       int threads, const char *what);

/* The gemma4-mini BF16 model and its importance matrix (fails the test
 * when either cannot be opened); close with gqt_close_gemma4_mini. */
void gqt_open_gemma4_mini(gguf_file **bf16, gq_imatrix **imat);
void gqt_close_gemma4_mini(gguf_file *bf16, gq_imatrix *imat);

/* Requantize every tensor of `type` in gemma4-mini-<variant>.gguf (a
 * llama-quantize output) from the BF16 model with its importance-matrix
 * entry, on 2 threads; fails the test at the first byte that differs.
 * Returns the number of tensors compared. */
int gqt_requantize_gemma4_mini(const char *variant, uint32_t type, const gguf_file *bf16, const gq_imatrix *imat);

#endif
