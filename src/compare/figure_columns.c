/* The figure columns of the human-readable reports (figure_columns.h). */
#include "compare/figure_columns.h"

#include <stddef.h>

#include "compare/format.h"

/* Significant digits: cosine needs six to tell 0.9999 from 0.99999, the
 * percentiles are histogram estimates good to three; SNR is shown in dB
 * with one decimal instead. */
#define DECIBELS 0

static const struct {
    const char *heading;
    size_t offset; /* of the double in cmp_figures */
    int digits;    /* significant digits, or DECIBELS */
} columns[CMP_FIG_COLUMNS] = {
    [CMP_FIG_RMSE] = { "RMSE", offsetof(cmp_figures, rmse), 4 },
    [CMP_FIG_NMSE] = { "NMSE", offsetof(cmp_figures, nmse), 4 },
    [CMP_FIG_COSINE] = { "cosine", offsetof(cmp_figures, cosine), 6 },
    [CMP_FIG_SNR_DB] = { "SNR dB", offsetof(cmp_figures, snr_db), DECIBELS },
    [CMP_FIG_MAX_ABS] = { "max|e|", offsetof(cmp_figures, max_abs), 4 },
    [CMP_FIG_P50] = { "p50|e|", offsetof(cmp_figures, p50), 3 },
    [CMP_FIG_P99] = { "p99|e|", offsetof(cmp_figures, p99), 3 },
    [CMP_FIG_P999] = { "p99.9|e|", offsetof(cmp_figures, p999), 3 },
};

const char *cmp_figure_heading(cmp_figure_column c) { return columns[c].heading; }

char *cmp_fmt_figure(const cmp_figures *f, cmp_figure_column c, char *buf, size_t cap) {
    const double v = *(const double *)((const char *)f + columns[c].offset);
    return columns[c].digits == DECIBELS ? cmp_fmt_db(v, buf, cap) : cmp_fmt_sig(v, columns[c].digits, buf, cap);
}
