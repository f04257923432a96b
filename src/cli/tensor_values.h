/* A tensor's values as float32, read in bounded batches of rows, and the
 * statistics gq-inspect shows about them.
 *
 * A row is ne[0] elements (ggml's unit: blocks never straddle rows).
 * Block types are dequantized with libquant; plain types (f32, f16, bf16,
 * f64, i8..i64) are converted directly.  Big-endian files: GGUF's
 * converter swaps plain scalars element by element, so those are swapped
 * back; block types have no defined big-endian layout and are refused. */
#ifndef GQ_CLI_TENSOR_VALUES_H
#define GQ_CLI_TENSOR_VALUES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gq/gguf.h"

/* Rows in a tensor (elements / ne[0]). */
uint64_t gq_tensor_rows(const gguf_tensor *t);

/* Can the values be read?  False with a sentence in `why` otherwise. */
bool gq_tensor_values_readable(const gguf_file *f, const gguf_tensor *t, char *why, size_t why_size);

/* Called with consecutive batches: `values` holds n_rows * ne[0] floats
 * starting at row `first_row`.  Return false to stop. */
typedef bool (*gq_rows_fn)(const float *values, uint64_t first_row, uint64_t n_rows, void *ctx);

/* Read rows [row_begin, row_end) in batches of about max_values values
 * (at least one row each) and pass them to fn.  False with `why` on a read
 * or decode failure, or when fn stopped early (why = ""). */
bool gq_tensor_read_rows(const gguf_file *f, const gguf_tensor *t, uint64_t row_begin, uint64_t row_end,
                         uint64_t max_values, gq_rows_fn fn, void *ctx, char *why, size_t why_size);

/* Running statistics (Welford's update, in double). NaN and infinities are
 * counted apart and left out of min/max/mean/std. */
typedef struct gq_value_stats {
    uint64_t count; /* finite values */
    uint64_t n_nan, n_inf;
    double min, max, mean, m2;
} gq_value_stats;

void gq_value_stats_init(gq_value_stats *s);
void gq_value_stats_add(gq_value_stats *s, const float *v, uint64_t n);
double gq_value_stats_std(const gq_value_stats *s); /* population standard deviation */

#define GQ_HISTOGRAM_MAX_BINS 64

/* Equal-width bins over [lo, hi]; values outside go to the end bins. */
typedef struct gq_histogram {
    double lo, hi;
    uint32_t n_bins;
    uint64_t bins[GQ_HISTOGRAM_MAX_BINS];
} gq_histogram;

void gq_histogram_init(gq_histogram *h, double lo, double hi, uint32_t n_bins);
void gq_histogram_add(gq_histogram *h, const float *v, uint64_t n);

#endif
