/* Aligned text tables for the gq programs' human output.
 *
 *   gq_table *t = gq_table_new(3);
 *   gq_table_column(t, 0, "name", GQ_ALIGN_LEFT);
 *   gq_table_column(t, 1, "type", GQ_ALIGN_LEFT);
 *   gq_table_column(t, 2, "bytes", GQ_ALIGN_RIGHT);
 *   gq_table_row(t); gq_table_cell(t, "blk.0.attn_q.weight"); ...
 *   gq_table_separator(t);           // a rule before a totals row
 *   gq_table_print(t, stdout, gq_colour_enabled(stdout));
 *   gq_table_free(t);
 *
 * Rows are collected first and printed once, because column widths depend
 * on every cell.  Widths count UTF-8 code points, not bytes, so names with
 * non-ASCII characters still line up.  Colour (bold header, dim rules) is
 * only used when the caller asks for it; gq_colour_enabled() is the policy:
 * the stream is a terminal and NO_COLOR is not set. */
#ifndef GQ_CLI_TABLE_H
#define GQ_CLI_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

typedef enum gq_align { GQ_ALIGN_LEFT, GQ_ALIGN_RIGHT } gq_align;

typedef struct gq_table gq_table;

/* NULL when out of memory.  Columns default to left-aligned, no header. */
gq_table *gq_table_new(size_t n_columns);
void gq_table_free(gq_table *t);

void gq_table_column(gq_table *t, size_t col, const char *header, gq_align align);
/* Leading spaces before every line (default 0) and between columns (2). */
void gq_table_set_indent(gq_table *t, size_t indent);
void gq_table_set_gap(gq_table *t, size_t gap);

/* Start a new row; cells then fill it left to right (extra cells are
 * ignored, missing ones print empty). */
void gq_table_row(gq_table *t);
void gq_table_cell(gq_table *t, const char *text); /* copied; NULL = "" */
void gq_table_cellf(gq_table *t, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* A horizontal rule across the table at this point. */
void gq_table_separator(gq_table *t);

size_t gq_table_row_count(const gq_table *t);

/* Print header (when any column has one), a rule under it, then the rows.
 * Trailing spaces are never printed.  Returns false if memory ran out while
 * the table was filled (the output would be incomplete) or a write failed. */
bool gq_table_print(const gq_table *t, FILE *out, bool colour);

/* The colour policy: out is a terminal and NO_COLOR is unset or empty. */
bool gq_colour_enabled(FILE *out);

/* Display width of a UTF-8 string: its code points (bytes that are not
 * continuation bytes). */
size_t gq_text_width(const char *s);

#endif
