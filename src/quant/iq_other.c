/* Registration of the IQ3 / IQ4 / IQ1 family's scalar reference kernels
 * (the kernels themselves live in iq3.c, iq4.c and iq1.c). */
#include "iq_other.h"

static void quant_iq3_xxs(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) {
    gq_quantize_iq3_xxs_rows(src, dst, nrows, n_per_row, imatrix, &gq_iq3_steps_scalar);
}
static void quant_iq3_s(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) {
    gq_quantize_iq3_s_rows(src, dst, nrows, n_per_row, imatrix, &gq_iq3_steps_scalar);
}
static void quant_iq4_nl(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) {
    gq_quantize_iq4_nl_rows(src, dst, nrows, n_per_row, imatrix, &gq_iq4_steps_scalar);
}
static void quant_iq4_xs(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) {
    gq_quantize_iq4_xs_rows(src, dst, nrows, n_per_row, imatrix, &gq_iq4_steps_scalar);
}

void gq_register_iq_other(gq_kernel_table t) {
    t[GQ_TYPE_IQ3_XXS] = (gq_kernels){ gq_dequantize_iq3_xxs, quant_iq3_xxs };
    t[GQ_TYPE_IQ3_S] = (gq_kernels){ gq_dequantize_iq3_s, quant_iq3_s };
    t[GQ_TYPE_IQ4_NL] = (gq_kernels){ gq_dequantize_iq4_nl, quant_iq4_nl };
    t[GQ_TYPE_IQ4_XS] = (gq_kernels){ gq_dequantize_iq4_xs, quant_iq4_xs };
    gq_register_iq1(t);
}
