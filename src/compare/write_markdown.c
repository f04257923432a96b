/* --markdown: a lab report a student can paste into a notebook or an
 * issue: what was compared, how the figures are defined, and the tables. */
#include <string.h>

#include "cli/fmt.h"
#include "compare/figure_columns.h"
#include "compare/format.h"
#include "compare/tallies.h"
#include "compare/writers.h"

static void md(FILE *out, const char *s) { cmp_esc_markdown(out, s, strlen(s)); }
static void md_str(FILE *out, gguf_str s) { cmp_esc_markdown(out, s.ptr, (size_t)s.len); }

static void code(FILE *out, const char *s, size_t len) {
    /* Inline code cannot escape backticks; names with one are written
     * escaped as plain text instead. */
    if (memchr(s, '`', len) || memchr(s, '|', len) || memchr(s, '\n', len)) {
        cmp_esc_markdown(out, s, len);
        return;
    }
    fputc('`', out);
    fwrite(s, 1, len, out);
    fputc('`', out);
}

static void head_cell(FILE *out, const char *s) {
    fputc(' ', out);
    md(out, s);
    fputs(" |", out);
}

static void header_row(FILE *out, const char *const *cols, size_t n, const char *align) {
    fputc('|', out);
    for (size_t i = 0; i < n; i++) head_cell(out, cols[i]);
    fputs("\n|", out);
    for (size_t i = 0; i < n; i++) fputs(align[i] == 'r' ? " ---: |" : " --- |", out);
    fputc('\n', out);
}

#define MAX_LEAD_COLUMNS 4

/* A header row of the `n_lead` (at most MAX_LEAD_COLUMNS) given columns
 * followed by the error figure columns (figure_columns.h), right-aligned. */
static void figure_header_row(FILE *out, const char *const *lead, size_t n_lead, const char *lead_align) {
    const char *cols[MAX_LEAD_COLUMNS + CMP_FIG_COLUMNS];
    char align[MAX_LEAD_COLUMNS + CMP_FIG_COLUMNS];
    for (size_t i = 0; i < n_lead; i++) {
        cols[i] = lead[i];
        align[i] = lead_align[i];
    }
    for (size_t c = 0; c < CMP_FIG_COLUMNS; c++) {
        cols[n_lead + c] = cmp_figure_heading((cmp_figure_column)c);
        align[n_lead + c] = 'r';
    }
    header_row(out, cols, n_lead + CMP_FIG_COLUMNS, align);
}

/* A header row of the `n_lead` given columns followed by one per input
 * (or, with per_variant, one per variant, right-aligned for numbers). */
static void label_header_row(FILE *out, const cmp_report *r, const char *const *lead, size_t n_lead,
                             bool per_variant) {
    const size_t n_labels = per_variant ? r->n_variants : r->n_inputs;
    fputc('|', out);
    for (size_t i = 0; i < n_lead; i++) head_cell(out, lead[i]);
    for (size_t i = 0; i < n_labels; i++) head_cell(out, r->short_labels[per_variant ? r->variant_input[i] : i]);
    fputs("\n|", out);
    for (size_t i = 0; i < n_lead; i++) fputs(" --- |", out);
    for (size_t i = 0; i < n_labels; i++) fputs(per_variant ? " ---: |" : " --- |", out);
    fputc('\n', out);
}

static void sizes(FILE *out, const cmp_report *r) {
    fputs("\n## 1. Size\n\n", out);
    const char *cols[] = { "input", "file type", "file size", "tensor bytes", "parameters", "bits per weight",
                           "share of reference" };
    header_row(out, cols, 7, "llrrrrr");
    for (size_t i = 0; i < r->n_inputs; i++) {
        const cmp_size *s = &r->sizes[i];
        char a[GQ_FMT_BUF], b[GQ_FMT_BUF], c[GQ_FMT_BUF], d[CMP_FMT_BUF];
        fputs("| ", out);
        md(out, r->short_labels[i]);
        if (i == r->ref) fputs(" (reference)", out);
        fputs(" | ", out);
        md(out, cmp_file_type_name(r->inputs[i]));
        fprintf(out, " | %s | %s | %s | %.3f | %s |\n", gq_fmt_size(s->file_bytes, 2, a, sizeof a),
                gq_fmt_size(s->tensor_bytes, 2, b, sizeof b), gq_fmt_thousands(s->params, c, sizeof c), s->bpw,
                cmp_fmt_pct(s->share_of_ref, d, sizeof d));
    }
    fputs("\nBits per weight = 8 × tensor bytes / parameters. Share = tensor bytes relative to the reference's.\n",
          out);
    fputs("\n### Type mix\n\n", out);
    const char *mcols[] = { "input", "type", "tensors", "parameters", "bytes", "share of bytes" };
    header_row(out, mcols, 6, "llrrrr");
    for (size_t i = 0; i < r->n_inputs; i++) {
        const cmp_size *s = &r->sizes[i];
        for (size_t k = 0; k < s->n_types; k++) {
            const cmp_type_use *u = &s->types[k];
            char a[GQ_FMT_BUF], b[GQ_FMT_BUF], d[CMP_FMT_BUF];
            fputs("| ", out);
            md(out, r->short_labels[i]);
            fprintf(out, " | %s | %llu | %s | %s | %s |\n", gq_type_name(u->type), (unsigned long long)u->tensors,
                    gq_fmt_thousands(u->elements, a, sizeof a), gq_fmt_size(u->bytes, 2, b, sizeof b),
                    cmp_fmt_pct(s->tensor_bytes ? (double)u->bytes / (double)s->tensor_bytes : 0, d, sizeof d));
        }
    }
}

static void order_notes(FILE *out, const cmp_report *r, const cmp_order *o, const char *what) {
    for (size_t i = 0; i < r->n_inputs; i++) {
        if (i == r->ref || !o[i].differs) continue;
        fputs("- ", out);
        md(out, r->short_labels[i]);
        fprintf(out, " lists the %s it shares with the reference in another order (first out of place: ", what);
        code(out, o[i].first_moved.ptr, (size_t)o[i].first_moved.len);
        fputs("). Order alone is not a difference.\n", out);
    }
}

static void metadata(FILE *out, const cmp_report *r) {
    fputs("\n## 2. Metadata\n\n", out);
    const cmp_key_tally kt = cmp_tally_keys(r);
    fprintf(out, "%zu keys in all; %zu differ: %zu expected from quantization or splitting "
                 "(`general.file_type`, `general.quantization_version`, `quantize.*`, `split.*`), %zu ignored, "
                 "**%zu unexpected**.\n\n",
            r->n_keys, r->n_key_diffs, kt.expected, kt.ignored, kt.unexpected);
    if (r->n_key_diffs) {
        static const char *const lead[] = { "key", "difference", "class" };
        label_header_row(out, r, lead, 3, false);
        for (size_t i = 0; i < r->n_keys; i++) {
            const cmp_key_row *k = &r->keys[i];
            if (k->kind == CMP_KEY_SAME) continue;
            fputs("| ", out);
            code(out, k->key.ptr, (size_t)k->key.len);
            fprintf(out, " | %s | %s |", cmp_key_kind_name(k->kind),
                    k->ignored ? "ignored" : k->expected ? "expected" : "**unexpected**");
            for (size_t in = 0; in < r->n_inputs; in++) {
                const cmp_key_cell *c = &k->cells[in];
                char v[CMP_FMT_BUF];
                fputc(' ', out);
                if (!c->kv) fputs("*absent*", out);
                else {
                    md(out, cmp_fmt_value(&c->kv->value, 32, v, sizeof v));
                    if (c->has_first_diff) fprintf(out, " (first difference at [%llu])", (unsigned long long)c->first_diff);
                }
                fputs(" |", out);
            }
            fputc('\n', out);
        }
    }
    fputc('\n', out);
    order_notes(out, r, r->key_order, "keys");
}

static void tensor_index(FILE *out, const cmp_report *r) {
    fputs("\n## 3. Tensor index\n\n", out);
    const cmp_tensor_tally tt = cmp_tally_tensors(r);
    fprintf(out, "%zu tensor names in all; %zu only in some inputs; %zu with another shape.\n\n", r->n_rows,
            tt.missing, tt.shape_differs);
    if (tt.missing || tt.shape_differs) {
        static const char *const lead[] = { "tensor" };
        label_header_row(out, r, lead, 1, false);
        for (size_t i = 0; i < r->n_rows; i++) {
            const cmp_tensor_row *row = &r->rows[i];
            if (!row->missing && !row->shape_differs) continue;
            fputs("| ", out);
            code(out, row->name.ptr, (size_t)row->name.len);
            fputs(" |", out);
            for (size_t in = 0; in < r->n_inputs; in++) {
                char s[CMP_FMT_BUF];
                fprintf(out, " %s |", row->cells[in] ? cmp_fmt_shape(row->cells[in], s, sizeof s) : "*absent*");
            }
            fputc('\n', out);
        }
        fputc('\n', out);
    }
    order_notes(out, r, r->tensor_order, "tensors");
    for (size_t g = 0; g < r->n_mix_groups; g++) {
        const cmp_mix_group *mg = &r->mix_groups[g];
        fprintf(out, "- File type %s is shared by", cmp_file_type_name(r->inputs[mg->members[0]]));
        for (size_t k = 0; k < mg->n_members; k++) {
            fputs(k ? ", " : " ", out);
            md(out, r->short_labels[mg->members[k]]);
        }
        if (mg->n_tensors_differ) {
            fprintf(out, ", which still use different mixes: %zu tensors get other types (first: ", mg->n_tensors_differ);
            code(out, r->rows[mg->example_row].name.ptr, (size_t)r->rows[mg->example_row].name.len);
            fputs(").\n", out);
        } else {
            fputs(": the same type for every tensor.\n", out);
        }
    }
    fputs("\n<details><summary>Type of every tensor</summary>\n\n", out);
    static const char *const type_lead[] = { "tensor", "shape" };
    label_header_row(out, r, type_lead, 2, false);
    for (size_t i = 0; i < r->n_rows; i++) {
        const cmp_tensor_row *row = &r->rows[i];
        const gguf_tensor *any = row->cells[r->ref];
        for (size_t in = 0; !any && in < r->n_inputs; in++) any = row->cells[in];
        char s[CMP_FMT_BUF];
        fputs("| ", out);
        code(out, row->name.ptr, (size_t)row->name.len);
        fprintf(out, " | %s |", cmp_fmt_shape(any, s, sizeof s));
        for (size_t in = 0; in < r->n_inputs; in++) {
            const gguf_tensor *t = row->cells[in];
            bool differs = t && row->cells[r->ref] && t->type != row->cells[r->ref]->type;
            fprintf(out, differs ? " **%s** |" : " %s |", t ? gq_type_name(t->type) : "–");
        }
        fputc('\n', out);
    }
    fputs("\n</details>\n", out);
}

static void fig_cells(FILE *out, const cmp_figures *f) {
    char b[CMP_FMT_BUF];
    for (size_t c = 0; c < CMP_FIG_COLUMNS; c++) fprintf(out, " %s |", cmp_fmt_figure(f, (cmp_figure_column)c, b, sizeof b));
}

static void grid(FILE *out, const cmp_report *r, bool by_layer) {
    size_t n = by_layer ? r->n_layers : r->n_classes;
    const char *lead = by_layer ? "layer" : "class";
    label_header_row(out, r, &lead, 1, true);
    for (size_t i = 0; i < n; i++) {
        const cmp_agg *a = by_layer ? r->layers[i].per_variant : r->classes[i].per_variant;
        if (!cmp_agg_any_changed(r, a)) continue;
        if (by_layer) fprintf(out, "| %lld |", (long long)r->layers[i].layer);
        else {
            fputs("| ", out);
            code(out, r->classes[i].name, strlen(r->classes[i].name));
            fputs(" |", out);
        }
        for (size_t v = 0; v < r->n_variants; v++) {
            char b[CMP_FMT_BUF];
            fprintf(out, " %s |", a[v].n_tensors ? cmp_fmt_figure(&a[v].fig, CMP_FIG_NMSE, b, sizeof b) : "=");
        }
        fputc('\n', out);
    }
}

static void errors(FILE *out, const cmp_report *r) {
    fputs("\n## 4. Reconstruction error\n\n", out);
    if (!r->errors_computed) {
        fputs("Not computed.\n", out);
        return;
    }
    fputs("Every tensor of every variant is dequantized to float32, like the reference (x), and compared element "
          "by element with e = y − x; sums are taken in float64 over the n elements:\n\n"
          "- RMSE = √(Σe²/n); NMSE = Σe²/Σx²; cosine = Σxy/√(Σx²·Σy²); SNR = 10·log10(Σx²/Σe²) dB;\n"
          "- max|e| is exact; the percentiles p50/p99/p99.9 of |e| are nearest-rank estimates from a histogram "
          "with 64 bins per octave (within 0.8 %).\n\n"
          "Overall, per-class and per-layer figures pool the sums of the tensors whose type differs from the "
          "reference's (tensors kept as they were add nothing to learn).\n\n",
          out);
    if (!r->percentiles_computed)
        fputs("The percentiles were not computed (`--no-percentiles`): their columns show `-`.\n\n", out);
    if (r->ref_quantized)
        fputs("**The reference is itself quantized**: errors are measured against it, not against the original "
              "model.\n\n",
              out);
    static const char *const variant_lead[] = { "variant", "bpw", "changed tensors" };
    figure_header_row(out, variant_lead, 3, "lrr");
    for (size_t v = 0; v < r->n_variants; v++) {
        size_t in = r->variant_input[v];
        fputs("| ", out);
        md(out, r->short_labels[in]);
        fprintf(out, " | %.3f | %zu |", r->sizes[in].bpw, r->overall[v].n_tensors);
        fig_cells(out, &r->overall[v].fig);
        fputc('\n', out);
    }
    fputs("\n### NMSE by tensor class\n\n", out);
    grid(out, r, false);
    fputs("\n`=`: no tensor of the class changed type in that variant.\n", out);
    if (r->n_layers) {
        fputs("\n### NMSE by layer\n\n", out);
        grid(out, r, true);
    }
    const size_t skipped = cmp_tally_not_compared(r);
    if (skipped) {
        fprintf(out, "\n### Not compared (%zu)\n\n| tensor | variant | reason |\n| --- | --- | --- |\n", skipped);
        for (size_t row = 0; row < r->n_rows; row++)
            for (size_t v = 0; v < r->n_variants; v++) {
                if (cmp_report_result(r, row, v)->status == CMP_R_OK) continue;
                char why[256];
                cmp_result_reason(r, row, v, why, sizeof why);
                fputs("| ", out);
                code(out, r->rows[row].name.ptr, (size_t)r->rows[row].name.len);
                fputs(" | ", out);
                md(out, r->short_labels[r->variant_input[v]]);
                fputs(" | ", out);
                md(out, why);
                fputs(" |\n", out);
            }
    }
    fputs("\n<details><summary>Every tensor</summary>\n\n", out);
    static const char *const tensor_lead[] = { "tensor", "variant", "type" };
    figure_header_row(out, tensor_lead, 3, "lll");
    for (size_t row = 0; row < r->n_rows; row++)
        for (size_t v = 0; v < r->n_variants; v++) {
            const cmp_result *res = cmp_report_result(r, row, v);
            if (res->status != CMP_R_OK) continue;
            fputs("| ", out);
            code(out, r->rows[row].name.ptr, (size_t)r->rows[row].name.len);
            fputs(" | ", out);
            md(out, r->short_labels[r->variant_input[v]]);
            fprintf(out, " | %s |", gq_type_name(r->rows[row].cells[r->variant_input[v]]->type));
            fig_cells(out, &res->fig);
            fputc('\n', out);
        }
    fputs("\n</details>\n", out);
}

bool cmp_write_markdown(FILE *out, const cmp_report *r) {
    const gguf_str name = cmp_reference_model_name(r);
    fputs("# Quantization comparison", out);
    if (name.len) {
        fputs(": ", out);
        md_str(out, name);
    }
    fputs("\n\nMade with gq-compare.\n\n## Inputs\n\n", out);
    const char *cols[] = { "label", "file", "file type", "tensors", "metadata keys" };
    header_row(out, cols, 5, "lllrr");
    for (size_t i = 0; i < r->n_inputs; i++) {
        const cmp_model *m = r->inputs[i];
        fputs("| ", out);
        md(out, r->short_labels[i]);
        fputs(" | ", out);
        code(out, m->path, strlen(m->path));
        if (m->n_parts > 1) fprintf(out, " (%zu parts)", m->n_parts);
        fputs(" | ", out);
        md(out, cmp_file_type_name(m));
        fprintf(out, " | %zu | %zu |\n", m->n_tensors, m->n_kv);
    }
    fputs("\n**Reference:** ", out);
    md(out, r->short_labels[r->ref]);
    fputs(" — ", out);
    md(out, cmp_ref_reason_text(r->ref_reason));
    fputs(".", out);
    if (r->ref_quantized) fputs(" It is quantized itself, so errors are measured against it, not against the original.", out);
    fputc('\n', out);
    sizes(out, r);
    metadata(out, r);
    tensor_index(out, r);
    errors(out, r);
    fflush(out);
    return !ferror(out);
}
