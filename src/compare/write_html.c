/* --html: one self-contained page — styles inline, charts as inline SVG,
 * no script, font, image or network access — that opens the same from a
 * file, a mail attachment or an air-gapped machine. */
#include <string.h>

#include "cli/fmt.h"
#include "compare/charts.h"
#include "compare/figure_columns.h"
#include "compare/format.h"
#include "compare/tallies.h"
#include "compare/writers.h"

static void h(FILE *out, const char *s) { cmp_esc_html(out, s, strlen(s)); }
static void h_str(FILE *out, gguf_str s) { cmp_esc_html(out, s.ptr, (size_t)s.len); }

static const char style[] =
    "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:2rem auto;max-width:1200px;"
    "padding:0 1rem;color:#222;line-height:1.4}"
    "h1{font-size:1.6rem}h2{margin-top:2.2rem;border-bottom:1px solid #ccc}"
    "table{border-collapse:collapse;margin:.6rem 0;font-size:.85rem}"
    "th,td{border:1px solid #ddd;padding:.2rem .5rem;text-align:left}"
    "td.n{text-align:right;font-variant-numeric:tabular-nums}th{background:#f3f3f3}"
    "code{font-family:ui-monospace,monospace;font-size:.95em}"
    ".bad{color:#b00020;font-weight:bold}.changed{font-weight:bold}.muted{color:#777}"
    "svg.chart{display:block;margin:1rem 0;max-width:100%;height:auto;border:1px solid #eee}"
    "svg .grid{stroke:#e5e5e5}svg .axis{stroke:#444}svg text{font-family:sans-serif}"
    "svg .tick{font-size:11px;fill:#444}svg .label{font-size:12px;fill:#222}"
    "svg .legend{font-size:12px;fill:#222}svg .note{font-size:14px;fill:#777}"
    "svg .point-label{font-size:11px;fill:#222}"
    "details{margin:.8rem 0}summary{cursor:pointer}";

static void num_td(FILE *out, const char *s) {
    fputs("<td class=\"n\">", out);
    h(out, s);
    fputs("</td>", out);
}

static void th(FILE *out, const char *s) {
    fputs("<th>", out);
    h(out, s);
    fputs("</th>", out);
}

static void fig_tds(FILE *out, const cmp_figures *f) {
    char b[CMP_FMT_BUF];
    for (size_t c = 0; c < CMP_FIG_COLUMNS; c++) num_td(out, cmp_fmt_figure(f, (cmp_figure_column)c, b, sizeof b));
}

static void fig_ths(FILE *out) {
    for (size_t c = 0; c < CMP_FIG_COLUMNS; c++) th(out, cmp_figure_heading((cmp_figure_column)c));
}

/* One heading cell per input (or, with per_variant, per variant), by label. */
static void label_ths(FILE *out, const cmp_report *r, bool per_variant) {
    const size_t n = per_variant ? r->n_variants : r->n_inputs;
    for (size_t i = 0; i < n; i++) th(out, r->short_labels[per_variant ? r->variant_input[i] : i]);
}

static void inputs(FILE *out, const cmp_report *r) {
    fputs("<h2>Inputs</h2>\n<table><tr><th>label</th><th>file</th><th>file type</th><th>tensors</th>"
          "<th>metadata keys</th></tr>\n",
          out);
    for (size_t i = 0; i < r->n_inputs; i++) {
        const cmp_model *m = r->inputs[i];
        fputs("<tr><td>", out);
        h(out, r->short_labels[i]);
        fputs("</td><td><code>", out);
        h(out, m->path);
        fputs("</code>", out);
        if (m->n_parts > 1) fprintf(out, " (%zu parts)", m->n_parts);
        fputs("</td><td>", out);
        h(out, cmp_file_type_name(m));
        fprintf(out, "</td><td class=\"n\">%zu</td><td class=\"n\">%zu</td></tr>\n", m->n_tensors, m->n_kv);
    }
    fputs("</table>\n<p><b>Reference:</b> ", out);
    h(out, r->short_labels[r->ref]);
    fputs(" — ", out);
    h(out, cmp_ref_reason_text(r->ref_reason));
    fputs(".", out);
    if (r->ref_quantized)
        fputs(" <span class=\"bad\">The reference is quantized itself: errors are measured against it, not against "
              "the original model.</span>",
              out);
    fputs("</p>\n", out);
}

static void sizes(FILE *out, const cmp_report *r) {
    fputs("<h2>1. Size</h2>\n<table><tr><th>input</th><th>file type</th><th>file size</th><th>tensor bytes</th>"
          "<th>parameters</th><th>bits per weight</th><th>share of reference</th></tr>\n",
          out);
    for (size_t i = 0; i < r->n_inputs; i++) {
        const cmp_size *s = &r->sizes[i];
        char a[GQ_FMT_BUF], b[GQ_FMT_BUF], c[GQ_FMT_BUF], d[CMP_FMT_BUF], e[32];
        fputs("<tr><td>", out);
        h(out, r->short_labels[i]);
        if (i == r->ref) fputs(" <span class=\"muted\">(reference)</span>", out);
        fputs("</td><td>", out);
        h(out, cmp_file_type_name(r->inputs[i]));
        fputs("</td>", out);
        num_td(out, gq_fmt_size(s->file_bytes, 2, a, sizeof a));
        num_td(out, gq_fmt_size(s->tensor_bytes, 2, b, sizeof b));
        num_td(out, gq_fmt_thousands(s->params, c, sizeof c));
        snprintf(e, sizeof e, "%.3f", s->bpw);
        num_td(out, e);
        num_td(out, cmp_fmt_pct(s->share_of_ref, d, sizeof d));
        fputs("</tr>\n", out);
    }
    fputs("</table>\n<h3>Type mix</h3>\n", out);
    cmp_chart_mix(out, r);
}

/* One paragraph per input that lists the shared names (`what`) in another
 * order than the reference; `tail` ends the sentence. */
static void order_notes(FILE *out, const cmp_report *r, const cmp_order *o, const char *what, const char *tail) {
    for (size_t i = 0; i < r->n_inputs; i++) {
        if (i == r->ref || !o[i].differs) continue;
        fputs("<p>", out);
        h(out, r->short_labels[i]);
        fprintf(out, " lists the %s it shares with the reference in another order (first out of place: <code>", what);
        h_str(out, o[i].first_moved);
        fprintf(out, "</code>%s</p>\n", tail);
    }
}

static void metadata(FILE *out, const cmp_report *r) {
    fputs("<h2>2. Metadata</h2>\n", out);
    const cmp_key_tally kt = cmp_tally_keys(r);
    fprintf(out, "<p>%zu keys in all; %zu differ: %zu expected from quantization or splitting, %zu ignored, "
                 "<span class=\"%s\">%zu unexpected</span>.</p>\n",
            r->n_keys, r->n_key_diffs, kt.expected, kt.ignored, kt.unexpected ? "bad" : "", kt.unexpected);
    if (r->n_key_diffs) {
        fputs("<table><tr><th>key</th><th>difference</th><th>class</th>", out);
        label_ths(out, r, false);
        fputs("</tr>\n", out);
        for (size_t i = 0; i < r->n_keys; i++) {
            const cmp_key_row *k = &r->keys[i];
            if (k->kind == CMP_KEY_SAME) continue;
            fputs("<tr><td><code>", out);
            h_str(out, k->key);
            fprintf(out, "</code></td><td>%s</td><td%s>%s</td>", cmp_key_kind_name(k->kind),
                    !k->ignored && !k->expected ? " class=\"bad\"" : "",
                    k->ignored ? "ignored" : k->expected ? "expected" : "unexpected");
            for (size_t in = 0; in < r->n_inputs; in++) {
                const cmp_key_cell *c = &k->cells[in];
                char v[CMP_FMT_BUF];
                fputs("<td>", out);
                if (!c->kv) fputs("<span class=\"muted\">absent</span>", out);
                else {
                    h(out, cmp_fmt_value(&c->kv->value, 40, v, sizeof v));
                    if (c->has_first_diff)
                        fprintf(out, " <span class=\"muted\">(first difference at [%llu])</span>",
                                (unsigned long long)c->first_diff);
                }
                fputs("</td>", out);
            }
            fputs("</tr>\n", out);
        }
        fputs("</table>\n", out);
    }
    order_notes(out, r, r->key_order, "keys", "); order alone is not a difference.");
}

static void tensor_index(FILE *out, const cmp_report *r) {
    fputs("<h2>3. Tensor index</h2>\n", out);
    const cmp_tensor_tally tt = cmp_tally_tensors(r);
    fprintf(out, "<p>%zu tensor names in all; %zu only in some inputs; %zu with another shape.</p>\n", r->n_rows,
            tt.missing, tt.shape_differs);
    order_notes(out, r, r->tensor_order, "tensors", ").");
    for (size_t g = 0; g < r->n_mix_groups; g++) {
        const cmp_mix_group *mg = &r->mix_groups[g];
        fputs("<p>File type ", out);
        h(out, cmp_file_type_name(r->inputs[mg->members[0]]));
        fputs(" is shared by", out);
        for (size_t k = 0; k < mg->n_members; k++) {
            fputs(k ? ", " : " ", out);
            h(out, r->short_labels[mg->members[k]]);
        }
        if (mg->n_tensors_differ) {
            fprintf(out, ", which still use different mixes: %zu tensors get other types (first: <code>",
                    mg->n_tensors_differ);
            h_str(out, r->rows[mg->example_row].name);
            fputs("</code>).</p>\n", out);
        } else {
            fputs(": the same type for every tensor.</p>\n", out);
        }
    }
    fputs("<details><summary>Type and shape of every tensor (bold: another type than the reference's)</summary>\n"
          "<table><tr><th>tensor</th>",
          out);
    label_ths(out, r, false);
    fputs("</tr>\n", out);
    for (size_t i = 0; i < r->n_rows; i++) {
        const cmp_tensor_row *row = &r->rows[i];
        fputs("<tr><td><code>", out);
        h_str(out, row->name);
        fputs("</code></td>", out);
        for (size_t in = 0; in < r->n_inputs; in++) {
            const gguf_tensor *t = row->cells[in];
            char s[CMP_FMT_BUF];
            if (!t) {
                fputs("<td class=\"bad\">absent</td>", out);
                continue;
            }
            const gguf_tensor *rt = row->cells[r->ref];
            bool changed = rt && rt->type != t->type;
            bool other_shape = rt && memcmp(rt->ne, t->ne, sizeof t->ne) != 0;
            fprintf(out, "<td%s>%s <span class=\"%s\">%s</span></td>", changed ? " class=\"changed\"" : "",
                    gq_type_name(t->type), other_shape ? "bad" : "muted", cmp_fmt_shape(t, s, sizeof s));
        }
        fputs("</tr>\n", out);
    }
    fputs("</table></details>\n", out);
}

static void grid(FILE *out, const cmp_report *r, bool by_layer) {
    size_t n = by_layer ? r->n_layers : r->n_classes;
    fprintf(out, "<table><tr><th>%s</th>", by_layer ? "layer" : "class");
    label_ths(out, r, true);
    fputs("</tr>\n", out);
    for (size_t i = 0; i < n; i++) {
        const cmp_agg *a = by_layer ? r->layers[i].per_variant : r->classes[i].per_variant;
        if (!cmp_agg_any_changed(r, a)) continue;
        if (by_layer) fprintf(out, "<tr><td>%lld</td>", (long long)r->layers[i].layer);
        else {
            fputs("<tr><td><code>", out);
            h(out, r->classes[i].name);
            fputs("</code></td>", out);
        }
        for (size_t v = 0; v < r->n_variants; v++) {
            char b[CMP_FMT_BUF];
            num_td(out, a[v].n_tensors ? cmp_fmt_figure(&a[v].fig, CMP_FIG_NMSE, b, sizeof b) : "=");
        }
        fputs("</tr>\n", out);
    }
    fputs("</table>\n", out);
}

static void errors(FILE *out, const cmp_report *r) {
    fputs("<h2>4. Reconstruction error</h2>\n", out);
    if (!r->errors_computed) {
        fputs("<p>Not computed.</p>\n", out);
        return;
    }
    fputs("<p>Every tensor of every variant (y) and of the reference (x) is dequantized to float32 and compared "
          "element by element, e = y − x, with float64 sums over the n elements: RMSE = √(Σe²/n), "
          "NMSE = Σe²/Σx², cosine = Σxy/√(Σx²·Σy²), SNR = 10·log10(Σx²/Σe²) dB; max|e| is exact and the "
          "percentiles of |e| are nearest-rank estimates from a histogram with 64 bins per octave (within 0.8 %). "
          "Overall, class and layer figures pool the tensors whose type differs from the reference's.</p>\n",
          out);
    if (!r->percentiles_computed)
        fputs("<p>The percentiles were not computed (<code>--no-percentiles</code>): their columns show -.</p>\n",
              out);
    fputs("<table><tr><th>variant</th><th>bpw</th><th>changed tensors</th>", out);
    fig_ths(out);
    fputs("</tr>\n", out);
    for (size_t v = 0; v < r->n_variants; v++) {
        size_t in = r->variant_input[v];
        char b[32];
        fprintf(out, "<tr><td><span style=\"color:%s\">&#9632;</span> ", cmp_variant_colour(v));
        h(out, r->short_labels[in]);
        fputs("</td>", out);
        snprintf(b, sizeof b, "%.3f", r->sizes[in].bpw);
        num_td(out, b);
        snprintf(b, sizeof b, "%zu", r->overall[v].n_tensors);
        num_td(out, b);
        fig_tds(out, &r->overall[v].fig);
        fputs("</tr>\n", out);
    }
    fputs("</table>\n<h3>Size against error</h3>\n", out);
    cmp_chart_bpw(out, r);
    fputs("<h3>Error per layer</h3>\n", out);
    cmp_chart_layers(out, r);
    fputs("<h3>NMSE by tensor class</h3>\n", out);
    grid(out, r, false);
    fputs("<p class=\"muted\">=: no tensor of the class changed type in that variant.</p>\n", out);
    if (r->n_layers) {
        fputs("<h3>NMSE by layer</h3>\n", out);
        grid(out, r, true);
    }
    const size_t skipped = cmp_tally_not_compared(r);
    if (skipped) {
        fprintf(out, "<h3>Not compared (%zu)</h3>\n<table><tr><th>tensor</th><th>variant</th><th>reason</th></tr>\n",
                skipped);
        for (size_t row = 0; row < r->n_rows; row++)
            for (size_t v = 0; v < r->n_variants; v++) {
                if (cmp_report_result(r, row, v)->status == CMP_R_OK) continue;
                char why[256];
                cmp_result_reason(r, row, v, why, sizeof why);
                fputs("<tr><td><code>", out);
                h_str(out, r->rows[row].name);
                fputs("</code></td><td>", out);
                h(out, r->short_labels[r->variant_input[v]]);
                fputs("</td><td>", out);
                h(out, why);
                fputs("</td></tr>\n", out);
            }
        fputs("</table>\n", out);
    }
    fputs("<details><summary>Every tensor</summary>\n<table><tr><th>tensor</th><th>variant</th><th>type</th>", out);
    fig_ths(out);
    fputs("</tr>\n", out);
    for (size_t row = 0; row < r->n_rows; row++)
        for (size_t v = 0; v < r->n_variants; v++) {
            const cmp_result *res = cmp_report_result(r, row, v);
            if (res->status != CMP_R_OK) continue;
            fputs("<tr><td><code>", out);
            h_str(out, r->rows[row].name);
            fputs("</code></td><td>", out);
            h(out, r->short_labels[r->variant_input[v]]);
            fprintf(out, "</td><td%s>%s</td>", res->changed ? " class=\"changed\"" : "",
                    gq_type_name(r->rows[row].cells[r->variant_input[v]]->type));
            fig_tds(out, &res->fig);
            fputs("</tr>\n", out);
        }
    fputs("</table></details>\n", out);
}

bool cmp_write_html(FILE *out, const cmp_report *r) {
    const gguf_str name = cmp_reference_model_name(r);
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>gq-compare",
          out);
    if (name.len) {
        fputs(": ", out);
        h_str(out, name);
    }
    fprintf(out, "</title>\n<style>%s</style>\n</head>\n<body>\n<h1>Quantization comparison", style);
    if (name.len) {
        fputs(": ", out);
        h_str(out, name);
    }
    fputs("</h1>\n", out);
    inputs(out, r);
    sizes(out, r);
    metadata(out, r);
    tensor_index(out, r);
    errors(out, r);
    fputs("<p class=\"muted\">Made with gq-compare.</p>\n</body>\n</html>\n", out);
    fflush(out);
    return !ferror(out);
}
