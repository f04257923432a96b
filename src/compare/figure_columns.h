/* The error figures the human-readable reports (text, Markdown, HTML) show
 * for a tensor or a pool of tensors: which figures, in which order, under
 * which heading and with how many digits.  Kept in one table so the three
 * formats cannot drift apart; each writer adds only its own markup.
 * (--json and --csv write every figure at full precision under their own
 * schema names and do not use this.) */
#ifndef GQ_COMPARE_FIGURE_COLUMNS_H
#define GQ_COMPARE_FIGURE_COLUMNS_H

#include <stddef.h>

#include "compare/errstats.h"

/* Column indexes, in the order the tables show them. */
typedef enum cmp_figure_column {
    CMP_FIG_RMSE,
    CMP_FIG_NMSE,
    CMP_FIG_COSINE,
    CMP_FIG_SNR_DB,
    CMP_FIG_MAX_ABS,
    CMP_FIG_P50,
    CMP_FIG_P99,
    CMP_FIG_P999,
    CMP_FIG_COLUMNS /* how many */
} cmp_figure_column;

/* The column's heading: "RMSE", "SNR dB", "p99.9|e|" ... */
const char *cmp_figure_heading(cmp_figure_column c);

/* Column c of f as the tables print it (cmp_fmt_sig / cmp_fmt_db);
 * buf needs CMP_FMT_BUF bytes. */
char *cmp_fmt_figure(const cmp_figures *f, cmp_figure_column c, char *buf, size_t cap);

#endif
