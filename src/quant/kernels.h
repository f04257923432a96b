/* The internal kernel table: what each tensor type can do, per instruction set.
 *
 * Each family file (float.c, legacy.c, kquants.c, ...) fills the scalar
 * reference entries of its types in gq_register_<family>(); each SIMD file
 * (x86/<family>_avx2.c, arm/<family>_neon.c) overwrites the entries it
 * speeds up in gq_register_<family>_<isa>().  dispatch.c builds the tables
 * once.  A SIMD entry must give the same bits as the reference entry. */
#ifndef GQ_KERNELS_H
#define GQ_KERNELS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gq/types.h"

/* n elements (a multiple of the block size) of block data -> n floats. */
typedef void (*gq_dequant_fn)(const void *src, float *dst, int64_t n);

/* nrows rows of n_per_row floats -> nrows rows of block data, each row
 * quantized on its own as ggml_quantize_chunk does.  imatrix is NULL or
 * n_per_row weights.  Inputs are finite (the caller checked). */
typedef void (*gq_quant_fn)(const float *src, void *dst, int64_t nrows, int64_t n_per_row,
                            const float *imatrix);

typedef struct gq_kernels {
    gq_dequant_fn dequant;
    gq_quant_fn quant;
} gq_kernels;

typedef gq_kernels gq_kernel_table[GQ_TYPE_COUNT];

/* Scalar reference registrations: one per family file. */
void gq_register_float(gq_kernel_table t);     /* f32 f16 bf16 f64 i8 i16 i32 i64 */
void gq_register_legacy(gq_kernel_table t);    /* q4_0 q4_1 q5_0 q5_1 q8_0 q8_1 */
void gq_register_lowbit(gq_kernel_table t);    /* q1_0 q2_0 tq1_0 tq2_0 mxfp4 nvfp4 */
void gq_register_kquants(gq_kernel_table t);   /* q2_K q3_K q4_K q5_K q6_K q8_K */
void gq_register_iq2(gq_kernel_table t);       /* iq2_xxs iq2_xs iq2_s */
void gq_register_iq_other(gq_kernel_table t);  /* iq3_xxs iq3_s iq1_s iq1_m iq4_nl iq4_xs */

/* SIMD registrations: only overwrite entries; called only when the CPU runs them. */
void gq_register_float_avx2(gq_kernel_table t);
void gq_register_legacy_avx2(gq_kernel_table t);
void gq_register_kquants_avx2(gq_kernel_table t);
void gq_register_iq2_avx2(gq_kernel_table t);
void gq_register_iq_other_avx2(gq_kernel_table t);
void gq_register_float_neon(gq_kernel_table t);
void gq_register_legacy_neon(gq_kernel_table t);
void gq_register_kquants_neon(gq_kernel_table t);
void gq_register_iq2_neon(gq_kernel_table t);
void gq_register_iq_other_neon(gq_kernel_table t);

/* The table in use (scalar or best), built on first use. */
const gq_kernels *gq_kernels_for(uint32_t type);

#endif
