/* The terminal report: aligned tables, one section after another. */
#include <stdlib.h>
#include <string.h>

#include "cli/fmt.h"
#include "cli/table.h"
#include "compare/figure_columns.h"
#include "compare/format.h"
#include "compare/tallies.h"
#include "compare/writers.h"

/* Width of the widest short label (for lists aligned without a table). */
static int label_width(const cmp_report *r) {
    size_t w = 0;
    for (size_t i = 0; i < r->n_inputs; i++)
        if (gq_text_width(r->short_labels[i]) > w) w = gq_text_width(r->short_labels[i]);
    return w > 40 ? 40 : (int)w;
}

static bool heading(FILE *out, const cmp_write_opts *o, const char *title) {
    if (o->colour) fprintf(out, "\n\033[1m%s\033[0m\n", title);
    else fprintf(out, "\n%s\n", title);
    return true;
}

static bool print_table(gq_table *t, FILE *out, const cmp_write_opts *o) {
    if (!t) return false;
    gq_table_set_indent(t, 2);
    bool ok = gq_table_print(t, out, o->colour);
    gq_table_free(t);
    return ok;
}

/* A table of left-aligned columns: the `n_lead` named ones, then one per
 * input headed by its label.  NULL when out of memory. */
static gq_table *per_input_table(const cmp_report *r, const char *const *lead, size_t n_lead) {
    gq_table *t = gq_table_new(n_lead + r->n_inputs);
    if (!t) return NULL;
    for (size_t c = 0; c < n_lead; c++) gq_table_column(t, c, lead[c], GQ_ALIGN_LEFT);
    for (size_t i = 0; i < r->n_inputs; i++) gq_table_column(t, n_lead + i, r->short_labels[i], GQ_ALIGN_LEFT);
    return t;
}

/* --------------------------------------------------------------- sizes */

static bool sizes(FILE *out, const cmp_report *r, const cmp_write_opts *o) {
    heading(out, o, "Sizes");
    gq_table *t = gq_table_new(9);
    if (!t) return false;
    const char *h[] = { "input", "file type", "file size", "tensor bytes", "params", "bpw", "share", "file share", "" };
    for (size_t c = 0; c < 9; c++) gq_table_column(t, c, h[c], c >= 2 ? GQ_ALIGN_RIGHT : GQ_ALIGN_LEFT);
    gq_table_column(t, 8, "", GQ_ALIGN_LEFT);
    for (size_t i = 0; i < r->n_inputs; i++) {
        const cmp_size *s = &r->sizes[i];
        char a[GQ_FMT_BUF], b[GQ_FMT_BUF], c[GQ_FMT_BUF], d[CMP_FMT_BUF], e[CMP_FMT_BUF];
        gq_table_row(t);
        gq_table_cell(t, r->short_labels[i]);
        gq_table_cell(t, cmp_file_type_name(r->inputs[i]));
        gq_table_cell(t, gq_fmt_size(s->file_bytes, 2, a, sizeof a));
        gq_table_cell(t, gq_fmt_size(s->tensor_bytes, 2, b, sizeof b));
        gq_table_cell(t, gq_fmt_thousands(s->params, c, sizeof c));
        gq_table_cellf(t, "%.3f", s->bpw);
        gq_table_cell(t, cmp_fmt_pct(s->share_of_ref, d, sizeof d));
        gq_table_cell(t, cmp_fmt_pct(s->file_share_of_ref, e, sizeof e));
        gq_table_cell(t, i == r->ref ? "reference" : "");
    }
    if (!print_table(t, out, o)) return false;

    fprintf(out, "\n  type mix (tensors, share of tensor bytes):\n");
    t = gq_table_new(2);
    if (!t) return false;
    for (size_t i = 0; i < r->n_inputs; i++) {
        const cmp_size *s = &r->sizes[i];
        char mix[2048];
        size_t used = 0;
        mix[0] = 0;
        for (size_t k = 0; k < s->n_types && used < sizeof mix; k++) {
            const cmp_type_use *u = &s->types[k];
            double share = s->tensor_bytes ? (double)u->bytes / (double)s->tensor_bytes : 0;
            used += (size_t)snprintf(mix + used, sizeof mix - used, "%s%s x%llu %.1f%%", k ? ", " : "",
                                     gq_type_name(u->type), (unsigned long long)u->tensors, share * 100);
        }
        if (s->unknown_type_tensors && used < sizeof mix)
            snprintf(mix + used, sizeof mix - used, "%sunknown x%llu", used ? ", " : "",
                     (unsigned long long)s->unknown_type_tensors);
        gq_table_row(t);
        gq_table_cell(t, r->short_labels[i]);
        gq_table_cell(t, mix);
    }
    return print_table(t, out, o);
}

/* --------------------------------------------------------------- metadata */

static const char *key_class(const cmp_key_row *k) {
    if (k->ignored) return "ignored";
    return k->expected ? "expected" : "UNEXPECTED";
}

static void order_lines(FILE *out, const cmp_report *r, const cmp_order *ord, const char *what) {
    for (size_t i = 0; i < r->n_inputs; i++) {
        if (i == r->ref || !ord[i].differs) continue;
        char name[160];
        fprintf(out, "  %s lists the %s it shares with %s in another order (first out of place: %s);"
                     " order alone is not a difference\n",
                r->short_labels[i], what, r->short_labels[r->ref], cmp_str(ord[i].first_moved, name, sizeof name));
    }
}

static bool metadata(FILE *out, const cmp_report *r, const cmp_write_opts *o) {
    heading(out, o, "Metadata");
    const cmp_key_tally kt = cmp_tally_keys(r);
    fprintf(out, "  %zu keys in all; %zu differ: %zu expected from quantization or splitting, %zu ignored, %zu unexpected\n",
            r->n_keys, r->n_key_diffs, kt.expected, kt.ignored, kt.unexpected);
    if (r->n_key_diffs) {
        static const char *const lead[] = { "key", "difference", "class" };
        gq_table *t = per_input_table(r, lead, 3);
        if (!t) return false;
        for (size_t i = 0; i < r->n_keys; i++) {
            const cmp_key_row *k = &r->keys[i];
            if (k->kind == CMP_KEY_SAME) continue;
            char key[200];
            gq_table_row(t);
            gq_table_cell(t, cmp_str(k->key, key, sizeof key));
            gq_table_cell(t, cmp_key_kind_name(k->kind));
            gq_table_cell(t, key_class(k));
            for (size_t in = 0; in < r->n_inputs; in++) {
                const cmp_key_cell *c = &k->cells[in];
                char v[CMP_FMT_BUF];
                if (!c->kv) {
                    gq_table_cell(t, "(absent)");
                } else if (c->has_first_diff) {
                    gq_table_cellf(t, "%s @%llu", cmp_fmt_value(&c->kv->value, 20, v, sizeof v),
                                   (unsigned long long)c->first_diff);
                } else {
                    gq_table_cell(t, cmp_fmt_value(&c->kv->value, 20, v, sizeof v));
                }
            }
        }
        if (!print_table(t, out, o)) return false;
        fprintf(out, "  (@N: index of the first array element that differs from %s's)\n",
                r->short_labels[r->ref]);
    }
    order_lines(out, r, r->key_order, "keys");
    return true;
}

/* --------------------------------------------------------------- tensor index */

static bool tensor_index(FILE *out, const cmp_report *r, const cmp_write_opts *o) {
    heading(out, o, "Tensors");
    const cmp_tensor_tally tt = cmp_tally_tensors(r);
    fprintf(out, "  %zu tensor names in all; %zu only in some inputs; %zu with another shape\n", r->n_rows,
            tt.missing, tt.shape_differs);
    int w = label_width(r);
    for (size_t i = 0; i < r->n_inputs; i++)
        fprintf(out, "    %-*s  %zu tensors\n", w, r->short_labels[i], r->inputs[i]->n_tensors);
    if (tt.missing || tt.shape_differs) {
        static const char *const lead[] = { "tensor", "problem" };
        gq_table *t = per_input_table(r, lead, 2);
        if (!t) return false;
        for (size_t i = 0; i < r->n_rows; i++) {
            const cmp_tensor_row *row = &r->rows[i];
            if (!row->missing && !row->shape_differs) continue;
            char name[200];
            gq_table_row(t);
            gq_table_cell(t, cmp_str(row->name, name, sizeof name));
            gq_table_cell(t, row->missing ? (row->shape_differs ? "only in some, shape" : "only in some") : "shape");
            for (size_t in = 0; in < r->n_inputs; in++) {
                char s[CMP_FMT_BUF];
                gq_table_cell(t, row->cells[in] ? cmp_fmt_shape(row->cells[in], s, sizeof s) : "(absent)");
            }
        }
        if (!print_table(t, out, o)) return false;
    }
    order_lines(out, r, r->tensor_order, "tensors");
    for (size_t g = 0; g < r->n_mix_groups; g++) {
        const cmp_mix_group *mg = &r->mix_groups[g];
        fprintf(out, "  file type %s:", cmp_file_type_name(r->inputs[mg->members[0]]));
        for (size_t k = 0; k < mg->n_members; k++) fprintf(out, " %s", r->short_labels[mg->members[k]]);
        if (mg->n_tensors_differ) {
            char name[200];
            fprintf(out, " use different mixes: %zu tensors get other types (first: %s)\n", mg->n_tensors_differ,
                    cmp_str(r->rows[mg->example_row].name, name, sizeof name));
        } else {
            fprintf(out, " use the same type for every tensor\n");
        }
    }

    /* Types by class: the compact view of every tensor's type. */
    fprintf(out, "\n  types by tensor class (every type used in the class):\n");
    static const char *const class_lead[] = { "class" };
    gq_table *t = per_input_table(r, class_lead, 1);
    if (!t) return false;
    for (size_t c = 0; c < r->n_classes; c++) {
        gq_table_row(t);
        gq_table_cell(t, r->classes[c].name);
        for (size_t in = 0; in < r->n_inputs; in++) {
            bool used[GQ_TYPE_COUNT + 1];
            memset(used, 0, sizeof used);
            for (size_t i = 0; i < r->n_rows; i++) {
                const gguf_tensor *tt = r->rows[i].cells[in];
                if (r->rows[i].class_index != c || !tt) continue;
                used[tt->type < GQ_TYPE_COUNT ? tt->type : GQ_TYPE_COUNT] = true;
            }
            char cell[512];
            size_t n = 0;
            cell[0] = 0;
            for (int ty = 0; ty <= GQ_TYPE_COUNT && n < sizeof cell; ty++)
                if (used[ty])
                    n += (size_t)snprintf(cell + n, sizeof cell - n, "%s%s", n ? "/" : "",
                                          ty < GQ_TYPE_COUNT ? gq_type_name((uint32_t)ty) : "unknown");
            gq_table_cell(t, n ? cell : "(absent)");
        }
    }
    if (!print_table(t, out, o)) return false;

    if (o->per_tensor) {
        fprintf(out, "\n  type of every tensor:\n");
        static const char *const lead[] = { "tensor", "shape" };
        t = per_input_table(r, lead, 2);
        if (!t) return false;
        for (size_t i = 0; i < r->n_rows; i++) {
            const cmp_tensor_row *row = &r->rows[i];
            const gguf_tensor *any = row->cells[r->ref];
            for (size_t in = 0; !any && in < r->n_inputs; in++) any = row->cells[in];
            char name[200], s[CMP_FMT_BUF];
            gq_table_row(t);
            gq_table_cell(t, cmp_str(row->name, name, sizeof name));
            gq_table_cell(t, cmp_fmt_shape(any, s, sizeof s));
            for (size_t in = 0; in < r->n_inputs; in++)
                gq_table_cell(t, row->cells[in] ? gq_type_name(row->cells[in]->type) : "-");
        }
        if (!print_table(t, out, o)) return false;
    }
    return true;
}

/* --------------------------------------------------------------- errors */

/* A table of the `n_lead` given columns, then the figure columns
 * (figure_columns.h), right-aligned.  NULL when out of memory. */
static gq_table *figure_table(const char *const *lead, const gq_align *align, size_t n_lead) {
    gq_table *t = gq_table_new(n_lead + CMP_FIG_COLUMNS);
    if (!t) return NULL;
    for (size_t c = 0; c < n_lead; c++) gq_table_column(t, c, lead[c], align[c]);
    for (size_t c = 0; c < CMP_FIG_COLUMNS; c++)
        gq_table_column(t, n_lead + c, cmp_figure_heading((cmp_figure_column)c), GQ_ALIGN_RIGHT);
    return t;
}

static void figure_cells(gq_table *t, const cmp_figures *f) {
    char b[CMP_FMT_BUF];
    for (size_t c = 0; c < CMP_FIG_COLUMNS; c++) gq_table_cell(t, cmp_fmt_figure(f, (cmp_figure_column)c, b, sizeof b));
}

/* class x variant (or layer x variant) table of NMSE. */
static bool nmse_grid(FILE *out, const cmp_report *r, const cmp_write_opts *o, bool by_layer) {
    size_t n = by_layer ? r->n_layers : r->n_classes;
    gq_table *t = gq_table_new(1 + r->n_variants);
    if (!t) return false;
    gq_table_column(t, 0, by_layer ? "layer" : "class", GQ_ALIGN_LEFT);
    for (size_t v = 0; v < r->n_variants; v++)
        gq_table_column(t, 1 + v, r->short_labels[r->variant_input[v]], GQ_ALIGN_RIGHT);
    size_t shown = 0;
    for (size_t i = 0; i < n; i++) {
        const cmp_agg *a = by_layer ? r->layers[i].per_variant : r->classes[i].per_variant;
        if (!cmp_agg_any_changed(r, a)) continue;
        gq_table_row(t);
        if (by_layer) gq_table_cellf(t, "%lld", (long long)r->layers[i].layer);
        else gq_table_cell(t, r->classes[i].name);
        for (size_t v = 0; v < r->n_variants; v++) {
            char b[CMP_FMT_BUF];
            gq_table_cell(t, a[v].n_tensors ? cmp_fmt_figure(&a[v].fig, CMP_FIG_NMSE, b, sizeof b) : "=");
        }
        shown++;
    }
    if (!shown) {
        gq_table_free(t);
        fprintf(out, "  (no tensor changed type)\n");
        return true;
    }
    return print_table(t, out, o);
}

static bool errors(FILE *out, const cmp_report *r, const cmp_write_opts *o) {
    heading(out, o, "Reconstruction error");
    if (!r->errors_computed) {
        fprintf(out, "  not computed\n");
        return true;
    }
    fprintf(out, "  each variant against %s, both dequantized to float32, sums in float64;\n"
                 "  overall, class and layer figures cover the tensors whose type differs from %s's\n",
            r->short_labels[r->ref], r->short_labels[r->ref]);
    if (r->ref_quantized)
        fprintf(out, "  the reference is itself quantized: errors are relative to it, not to the original model\n");
    if (!r->percentiles_computed) fprintf(out, "  percentiles not computed (--no-percentiles)\n");
    static const char *const variant_lead[] = { "variant", "bpw", "changed", "compared" };
    static const gq_align variant_align[] = { GQ_ALIGN_LEFT, GQ_ALIGN_RIGHT, GQ_ALIGN_RIGHT, GQ_ALIGN_RIGHT };
    gq_table *t = figure_table(variant_lead, variant_align, 4);
    if (!t) return false;
    for (size_t v = 0; v < r->n_variants; v++) {
        size_t in = r->variant_input[v], compared = 0;
        for (size_t row = 0; row < r->n_rows; row++)
            if (cmp_report_result(r, row, v)->status == CMP_R_OK) compared++;
        gq_table_row(t);
        gq_table_cell(t, r->short_labels[in]);
        gq_table_cellf(t, "%.3f", r->sizes[in].bpw);
        gq_table_cellf(t, "%zu", r->overall[v].n_tensors);
        gq_table_cellf(t, "%zu", compared);
        figure_cells(t, &r->overall[v].fig);
    }
    if (!print_table(t, out, o)) return false;

    fprintf(out, "\n  NMSE by tensor class (= : no tensor of the class changed type):\n");
    if (!nmse_grid(out, r, o, false)) return false;
    if (r->n_layers) {
        fprintf(out, "\n  NMSE by layer:\n");
        if (!nmse_grid(out, r, o, true)) return false;
    }

    /* Tensors that could not be compared, with the reason. */
    const size_t skipped = cmp_tally_not_compared(r);
    if (skipped) {
        fprintf(out, "\n  not compared (%zu):\n", skipped);
        t = gq_table_new(3);
        if (!t) return false;
        gq_table_column(t, 0, "tensor", GQ_ALIGN_LEFT);
        gq_table_column(t, 1, "variant", GQ_ALIGN_LEFT);
        gq_table_column(t, 2, "reason", GQ_ALIGN_LEFT);
        for (size_t row = 0; row < r->n_rows; row++)
            for (size_t v = 0; v < r->n_variants; v++) {
                if (cmp_report_result(r, row, v)->status == CMP_R_OK) continue;
                char name[200], why[256];
                cmp_result_reason(r, row, v, why, sizeof why);
                gq_table_row(t);
                gq_table_cell(t, cmp_str(r->rows[row].name, name, sizeof name));
                gq_table_cell(t, r->short_labels[r->variant_input[v]]);
                gq_table_cell(t, why);
            }
        if (!print_table(t, out, o)) return false;
    }

    if (o->per_tensor) {
        fprintf(out, "\n  every tensor:\n");
        static const char *const tensor_lead[] = { "tensor", "variant", "type", "elements" };
        static const gq_align tensor_align[] = { GQ_ALIGN_LEFT, GQ_ALIGN_LEFT, GQ_ALIGN_LEFT, GQ_ALIGN_RIGHT };
        t = figure_table(tensor_lead, tensor_align, 4);
        if (!t) return false;
        for (size_t row = 0; row < r->n_rows; row++)
            for (size_t v = 0; v < r->n_variants; v++) {
                const cmp_result *res = cmp_report_result(r, row, v);
                if (res->status != CMP_R_OK) continue;
                const gguf_tensor *vt = r->rows[row].cells[r->variant_input[v]];
                char name[200];
                gq_table_row(t);
                gq_table_cell(t, cmp_str(r->rows[row].name, name, sizeof name));
                gq_table_cell(t, r->short_labels[r->variant_input[v]]);
                gq_table_cell(t, gq_type_name(vt->type));
                gq_table_cellf(t, "%llu", (unsigned long long)res->sums.n);
                figure_cells(t, &res->fig);
            }
        if (!print_table(t, out, o)) return false;
    }
    return true;
}

bool cmp_write_text(FILE *out, const cmp_report *r, const cmp_write_opts *o) {
    fprintf(out, "gq-compare: %zu inputs\n", r->n_inputs);
    int w = label_width(r);
    for (size_t i = 0; i < r->n_inputs; i++) {
        const cmp_model *m = r->inputs[i];
        fprintf(out, "  %-*s  %s", w, r->short_labels[i], m->path);
        if (m->n_parts > 1) fprintf(out, " (%zu split parts)", m->n_parts);
        if (m->big_endian) fprintf(out, " (big-endian)");
        fputc('\n', out);
        for (size_t k = 0; k < m->n_notes; k++) fprintf(out, "    note: %s\n", m->notes[k]);
    }
    fprintf(out, "  reference: %s - %s\n", r->short_labels[r->ref], cmp_ref_reason_text(r->ref_reason));
    if (r->ref_quantized)
        fprintf(out, "  the reference is quantized: errors are measured against it, not against the original model\n");
    bool ok = sizes(out, r, o) && metadata(out, r, o) && tensor_index(out, r, o) && errors(out, r, o);
    fflush(out);
    return ok && !ferror(out);
}
