/* gq-compare's output formats.  Each writer reads a finished report and
 * writes one document; false when a write failed (disk full, closed pipe). */
#ifndef GQ_COMPARE_WRITERS_H
#define GQ_COMPARE_WRITERS_H

#include <stdbool.h>
#include <stdio.h>

#include "compare/report.h"

typedef struct cmp_write_opts {
    bool colour;      /* ANSI colour (text only; the caller applies the TTY/NO_COLOR policy) */
    bool per_tensor;  /* text: also the table of every tensor of every variant */
} cmp_write_opts;

/* Aligned tables for a terminal. */
bool cmp_write_text(FILE *out, const cmp_report *r, const cmp_write_opts *o);
/* Everything, schema "gq-compare/1" (docs/json-compare.md). */
bool cmp_write_json(FILE *out, const cmp_report *r);
/* One row per tensor per variant. */
bool cmp_write_csv(FILE *out, const cmp_report *r);
/* A lab report in GitHub-flavoured Markdown. */
bool cmp_write_markdown(FILE *out, const cmp_report *r);
/* One self-contained HTML page with inline SVG charts. */
bool cmp_write_html(FILE *out, const cmp_report *r);

#endif
