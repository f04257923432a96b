/* Aligned text tables: see table.h. */
#include "cli/table.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct table_row {
    char **cells;     /* n_columns entries, NULL = empty */
    size_t filled;
    bool separator;
} table_row;

struct gq_table {
    size_t n_columns;
    char **headers;
    gq_align *align;
    table_row *rows;
    size_t n_rows, cap_rows;
    size_t indent, gap;
    bool failed; /* an allocation failed: print reports it */
};

gq_table *gq_table_new(size_t n_columns) {
    if (n_columns == 0) return NULL;
    gq_table *t = calloc(1, sizeof *t);
    if (!t) return NULL;
    t->n_columns = n_columns;
    t->headers = calloc(n_columns, sizeof *t->headers);
    t->align = calloc(n_columns, sizeof *t->align);
    t->gap = 2;
    if (!t->headers || !t->align) {
        gq_table_free(t);
        return NULL;
    }
    return t;
}

void gq_table_free(gq_table *t) {
    if (!t) return;
    for (size_t r = 0; r < t->n_rows; r++) {
        if (t->rows[r].cells)
            for (size_t c = 0; c < t->n_columns; c++) free(t->rows[r].cells[c]);
        free(t->rows[r].cells);
    }
    free(t->rows);
    if (t->headers)
        for (size_t c = 0; c < t->n_columns; c++) free(t->headers[c]);
    free(t->headers);
    free(t->align);
    free(t);
}

void gq_table_column(gq_table *t, size_t col, const char *header, gq_align align) {
    if (!t || col >= t->n_columns) return;
    free(t->headers[col]);
    t->headers[col] = header ? strdup(header) : NULL;
    if (header && !t->headers[col]) t->failed = true;
    t->align[col] = align;
}

void gq_table_set_indent(gq_table *t, size_t indent) { if (t) t->indent = indent; }
void gq_table_set_gap(gq_table *t, size_t gap) { if (t) t->gap = gap; }

static table_row *append_row(gq_table *t) {
    if (t->n_rows == t->cap_rows) {
        size_t cap = t->cap_rows ? t->cap_rows * 2 : 64;
        table_row *rows = realloc(t->rows, cap * sizeof *rows);
        if (!rows) {
            t->failed = true;
            return NULL;
        }
        t->rows = rows;
        t->cap_rows = cap;
    }
    table_row *r = &t->rows[t->n_rows++];
    memset(r, 0, sizeof *r);
    return r;
}

void gq_table_row(gq_table *t) {
    if (!t) return;
    table_row *r = append_row(t);
    if (!r) return;
    r->cells = calloc(t->n_columns, sizeof *r->cells);
    if (!r->cells) {
        t->failed = true;
        t->n_rows--;
    }
}

void gq_table_separator(gq_table *t) {
    if (!t) return;
    table_row *r = append_row(t);
    if (r) r->separator = true;
}

void gq_table_cell(gq_table *t, const char *text) {
    if (!t || t->n_rows == 0) return;
    table_row *r = &t->rows[t->n_rows - 1];
    if (r->separator || r->filled >= t->n_columns) return;
    char *copy = strdup(text ? text : "");
    if (!copy) t->failed = true;
    r->cells[r->filled++] = copy;
}

void gq_table_cellf(gq_table *t, const char *fmt, ...) {
    char small[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) {
        gq_table_cell(t, "");
        return;
    }
    if ((size_t)n < sizeof small) {
        gq_table_cell(t, small);
        return;
    }
    char *big = malloc((size_t)n + 1);
    if (!big) {
        if (t) t->failed = true;
        return;
    }
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    gq_table_cell(t, big);
    free(big);
}

size_t gq_table_row_count(const gq_table *t) {
    size_t n = 0;
    if (t)
        for (size_t r = 0; r < t->n_rows; r++) n += !t->rows[r].separator;
    return n;
}

size_t gq_text_width(const char *s) {
    size_t w = 0;
    for (const unsigned char *p = (const unsigned char *)s; p && *p; p++)
        if ((*p & 0xC0) != 0x80) w++;
    return w;
}

static void spaces(FILE *out, size_t n) {
    while (n--) fputc(' ', out);
}

static const char *cell_text(const gq_table *t, size_t r, size_t c) {
    const char *s = t->rows[r].cells[c];
    (void)t;
    return s ? s : "";
}

/* One line of cells.  The last column is not padded on the right, so no
 * line ends in spaces. */
static void print_cells(const gq_table *t, FILE *out, const size_t *width,
                        const char *const *texts, size_t last_nonempty, const char *style) {
    spaces(out, t->indent);
    if (style) fputs(style, out);
    for (size_t c = 0; c <= last_nonempty; c++) {
        const char *s = texts[c] ? texts[c] : "";
        size_t w = gq_text_width(s);
        size_t pad = width[c] > w ? width[c] - w : 0;
        if (t->align[c] == GQ_ALIGN_RIGHT) {
            spaces(out, pad);
            fputs(s, out);
        } else {
            fputs(s, out);
            if (c < last_nonempty) spaces(out, pad);
        }
        if (c < last_nonempty) spaces(out, t->gap);
    }
    if (style) fputs("\033[0m", out);
    fputc('\n', out);
}

static void print_rule(const gq_table *t, FILE *out, size_t total, bool colour) {
    spaces(out, t->indent);
    if (colour) fputs("\033[2m", out);
    for (size_t i = 0; i < total; i++) fputc('-', out);
    if (colour) fputs("\033[0m", out);
    fputc('\n', out);
}

bool gq_table_print(const gq_table *t, FILE *out, bool colour) {
    if (!t) return false;
    size_t *width = calloc(t->n_columns, sizeof *width);
    const char **texts = calloc(t->n_columns, sizeof *texts);
    if (!width || !texts) {
        free(width);
        free(texts);
        return false;
    }
    bool has_header = false;
    for (size_t c = 0; c < t->n_columns; c++) {
        if (t->headers[c]) {
            has_header = true;
            width[c] = gq_text_width(t->headers[c]);
        }
    }
    for (size_t r = 0; r < t->n_rows; r++) {
        if (t->rows[r].separator) continue;
        for (size_t c = 0; c < t->n_columns; c++) {
            size_t w = gq_text_width(cell_text(t, r, c));
            if (w > width[c]) width[c] = w;
        }
    }
    size_t total = 0;
    for (size_t c = 0; c < t->n_columns; c++) total += width[c] + (c ? t->gap : 0);

    if (has_header) {
        for (size_t c = 0; c < t->n_columns; c++) texts[c] = t->headers[c];
        print_cells(t, out, width, texts, t->n_columns - 1, colour ? "\033[1m" : NULL);
        print_rule(t, out, total, colour);
    }
    for (size_t r = 0; r < t->n_rows; r++) {
        if (t->rows[r].separator) {
            print_rule(t, out, total, colour);
            continue;
        }
        size_t last = 0;
        for (size_t c = 0; c < t->n_columns; c++) {
            texts[c] = cell_text(t, r, c);
            /* Trailing empty cells end the line early: no trailing spaces. */
            if (*texts[c]) last = c;
        }
        print_cells(t, out, width, texts, last, NULL);
    }
    free(width);
    free(texts);
    return !t->failed && !ferror(out);
}

bool gq_colour_enabled(FILE *out) {
    const char *no = getenv("NO_COLOR");
    if (no && *no) return false;
    return out && isatty(fileno(out));
}
