/* Scalar reference kernels for the plain element types:
 * f32 f16 bf16 f64 i8 i16 i32 i64.
 *
 * f32, f16 and bf16 convert both ways exactly as ggml does (ggml_quantize_chunk
 * and the types' to_float): f32 is a copy, f16 and bf16 round to nearest even
 * through fp16.h.
 *
 * f64 and the integer types have no to_float in ggml at all (its type table
 * leaves it empty: those tensors are only ever read by type-specific ops).  gq
 * still decodes them so a tool can show or compare their values: each element
 * becomes the nearest float, as a C conversion gives it (round to nearest
 * even; f64 beyond the float range becomes an infinity, NaN stays NaN).  They
 * cannot be quantized to: nothing in ggml writes them from floats.
 *
 * Elements are read with memcpy because tensor data sits at whatever offset
 * the file put it, and a misaligned typed load is undefined behaviour. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "fp16.h"
#include "kernels.h"

/* ---------------------------------------------------------------- f32 */

static void dequant_f32(const void *src, float *dst, int64_t n) {
    memcpy(dst, src, (size_t)n * sizeof(float));
}

static void quant_f32(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) {
    (void)imatrix; /* a copy has nothing to weigh */
    memcpy(dst, src, (size_t)(nrows * n_per_row) * sizeof(float));
}

/* ---------------------------------------------------------------- f16, bf16 */

static void dequant_f16(const void *src, float *dst, int64_t n) {
    const uint8_t *p = src;
    for (int64_t i = 0; i < n; i++) {
        uint16_t h;
        memcpy(&h, p + 2 * i, 2);
        dst[i] = gq_fp16_to_fp32(h);
    }
}

static void quant_f16(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) {
    (void)imatrix; /* ggml rounds each value on its own: no weights */
    uint8_t *p = dst;
    const int64_t n = nrows * n_per_row;
    for (int64_t i = 0; i < n; i++) {
        uint16_t h = gq_fp32_to_fp16(src[i]);
        memcpy(p + 2 * i, &h, 2);
    }
}

static void dequant_bf16(const void *src, float *dst, int64_t n) {
    const uint8_t *p = src;
    for (int64_t i = 0; i < n; i++) {
        uint16_t h;
        memcpy(&h, p + 2 * i, 2);
        dst[i] = gq_bf16_to_fp32(h);
    }
}

static void quant_bf16(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) {
    (void)imatrix;
    uint8_t *p = dst;
    const int64_t n = nrows * n_per_row;
    for (int64_t i = 0; i < n; i++) {
        uint16_t h = gq_fp32_to_bf16(src[i]);
        memcpy(p + 2 * i, &h, 2);
    }
}

/* ---------------------------------------------------------------- f64, integers */

/* One decoder per stored C type: read an element, let C convert it to float. */
#define PLAIN_DEQUANT(NAME, CTYPE)                                      \
    static void NAME(const void *src, float *dst, int64_t n) {          \
        const uint8_t *p = src;                                         \
        for (int64_t i = 0; i < n; i++) {                               \
            CTYPE v;                                                    \
            memcpy(&v, p + (size_t)i * sizeof(CTYPE), sizeof(CTYPE));   \
            dst[i] = (float)v;                                          \
        }                                                               \
    }

PLAIN_DEQUANT(dequant_i8, int8_t)
PLAIN_DEQUANT(dequant_i16, int16_t)
PLAIN_DEQUANT(dequant_i32, int32_t)
PLAIN_DEQUANT(dequant_i64, int64_t)

/* A double beyond the float range is undefined behaviour to convert in plain
 * C, so the overflow is spelled out: from FLT_MAX plus half an ulp up (the
 * midpoint rounds to even, which is infinity) the nearest float is infinite. */
static void dequant_f64(const void *src, float *dst, int64_t n) {
    const uint8_t *p = src;
    for (int64_t i = 0; i < n; i++) {
        double v;
        memcpy(&v, p + (size_t)i * sizeof v, sizeof v);
        if (!isnan(v) && fabs(v) >= 0x1.ffffffp127)
            dst[i] = v > 0 ? INFINITY : -INFINITY;
        else
            dst[i] = (float)v;
    }
}

void gq_register_float(gq_kernel_table t) {
    t[GQ_TYPE_F32] = (gq_kernels){ dequant_f32, quant_f32 };
    t[GQ_TYPE_F16] = (gq_kernels){ dequant_f16, quant_f16 };
    t[GQ_TYPE_BF16] = (gq_kernels){ dequant_bf16, quant_bf16 };
    t[GQ_TYPE_F64].dequant = dequant_f64;
    t[GQ_TYPE_I8].dequant = dequant_i8;
    t[GQ_TYPE_I16].dequant = dequant_i16;
    t[GQ_TYPE_I32].dequant = dequant_i32;
    t[GQ_TYPE_I64].dequant = dequant_i64;
}
