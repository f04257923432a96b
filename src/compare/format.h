/* Formatting shared by gq-compare's report writers: numbers, metadata
 * values, shapes, and the escaping each output format needs. */
#ifndef GQ_COMPARE_FORMAT_H
#define GQ_COMPARE_FORMAT_H

#include <stddef.h>
#include <stdio.h>

#include "compare/report.h"

#define CMP_FMT_BUF 96

/* A figure with `digits` significant digits ("0.00621", "1.23e-05");
 * "inf", "-inf", "-" for NaN (no value). */
char *cmp_fmt_sig(double v, int digits, char *buf, size_t cap);

/* Decibels with one decimal ("32.1 dB" without the unit), "inf" when exact. */
char *cmp_fmt_db(double v, char *buf, size_t cap);

/* A percentage of a share (0.5 -> "50.0%"). */
char *cmp_fmt_pct(double share, char *buf, size_t cap);

/* Tensor shape in ggml order: "256x2048". */
char *cmp_fmt_shape(const gguf_tensor *t, char *buf, size_t cap);

/* A metadata value in at most `max` visible characters: scalars as they
 * are, strings quoted (control characters escaped, cut with "..."),
 * arrays as "[string x 32000]" (elements are not read). */
char *cmp_fmt_value(const gguf_value *v, size_t max, char *buf, size_t cap);

/* A value type including an array's element type: "uint32", "array<string>". */
char *cmp_fmt_value_type(const gguf_value *v, char *buf, size_t cap);

/* A gguf_str copied into a NUL-terminated buffer, cut at cap-1 bytes. */
char *cmp_str(gguf_str s, char *buf, size_t cap);

/* Escapers writing straight to a stream. */
void cmp_esc_html(FILE *out, const char *s, size_t len);
void cmp_esc_markdown(FILE *out, const char *s, size_t len); /* for table cells */
void cmp_esc_csv(FILE *out, const char *s, size_t len);         /* RFC 4180 field */

/* The file type of an input as llama-quantize names it ("Q4_K_M"), or "-". */
const char *cmp_file_type_name(const cmp_model *m);

#endif
