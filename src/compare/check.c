/* CI checks over a report (check.h). */
#include "compare/check.h"

#include <math.h>
#include <string.h>

#include "compare/format.h"

unsigned cmp_check_parse(const char *what) {
    if (!what) return 0;
    if (strcmp(what, "metadata") == 0) return CMP_CHECK_METADATA;
    if (strcmp(what, "tensors") == 0) return CMP_CHECK_TENSORS;
    if (strcmp(what, "all") == 0) return CMP_CHECK_ALL;
    return 0;
}

static size_t check_metadata(const cmp_report *r, FILE *out) {
    size_t fails = 0;
    for (size_t i = 0; i < r->n_keys; i++) {
        const cmp_key_row *k = &r->keys[i];
        if (k->kind == CMP_KEY_SAME || k->expected || k->ignored) continue;
        fails++;
        if (!out) continue;
        char key[256];
        fprintf(out, "FAIL metadata: %s: %s", cmp_str(k->key, key, sizeof key), cmp_key_kind_name(k->kind));
        for (size_t in = 0; in < r->n_inputs; in++) {
            const cmp_key_cell *c = &k->cells[in];
            char v[CMP_FMT_BUF];
            fprintf(out, "%s %s=%s", in ? "," : "", r->short_labels[in],
                    c->kv ? cmp_fmt_value(&c->kv->value, 24, v, sizeof v) : "(absent)");
            if (c->has_first_diff) fprintf(out, "@%llu", (unsigned long long)c->first_diff);
        }
        fputc('\n', out);
    }
    return fails;
}

static size_t check_tensors(const cmp_report *r, double max_nmse, FILE *out) {
    size_t fails = 0;
    for (size_t i = 0; i < r->n_rows; i++) {
        const cmp_tensor_row *row = &r->rows[i];
        if (!row->missing && !row->shape_differs) continue;
        fails++;
        if (!out) continue;
        char name[256];
        fprintf(out, "FAIL tensors: %s:", cmp_str(row->name, name, sizeof name));
        for (size_t in = 0; in < r->n_inputs; in++) {
            char s[CMP_FMT_BUF];
            fprintf(out, "%s %s=%s", in ? "," : "", r->short_labels[in],
                    row->cells[in] ? cmp_fmt_shape(row->cells[in], s, sizeof s) : "(absent)");
        }
        fputc('\n', out);
    }
    /* Present everywhere with one shape, and still not comparable: an
     * unknown type, no dequantizer, unreadable data. */
    if (r->errors_computed) {
        for (size_t row = 0; row < r->n_rows; row++) {
            if (r->rows[row].missing || r->rows[row].shape_differs) continue;
            for (size_t v = 0; v < r->n_variants; v++) {
                const cmp_result *res = cmp_report_result(r, row, v);
                if (res->status == CMP_R_OK) continue;
                fails++;
                if (!out) continue;
                char name[256], why[256];
                cmp_result_reason(r, row, v, why, sizeof why);
                fprintf(out, "FAIL tensors: %s in %s not compared: %s\n", cmp_str(r->rows[row].name, name, sizeof name),
                        r->short_labels[r->variant_input[v]], why);
            }
        }
    }
    if (max_nmse >= 0 && r->errors_computed) {
        for (size_t v = 0; v < r->n_variants; v++) {
            double e = r->overall[v].fig.nmse;
            if (!r->overall[v].n_tensors) continue; /* nothing changed: nothing lost */
            if (!(e <= max_nmse)) {
                fails++;
                if (out) {
                    char b[CMP_FMT_BUF], c[CMP_FMT_BUF];
                    fprintf(out, "FAIL nmse: %s: overall NMSE %s exceeds --max-nmse %s\n",
                            r->short_labels[r->variant_input[v]], cmp_fmt_sig(e, 6, b, sizeof b),
                            cmp_fmt_sig(max_nmse, 6, c, sizeof c));
                }
            }
        }
    }
    return fails;
}

size_t cmp_run_checks(const cmp_report *r, unsigned which, double max_nmse, FILE *out) {
    size_t fails = 0;
    if (isnan(max_nmse)) max_nmse = -1;
    if (which & CMP_CHECK_METADATA) fails += check_metadata(r, out);
    if (which & CMP_CHECK_TENSORS) fails += check_tensors(r, max_nmse, out);
    if (out) {
        if (fails) fprintf(out, "check: %zu failure%s\n", fails, fails == 1 ? "" : "s");
        else fprintf(out, "check: %s%s%s hold%s\n", which & CMP_CHECK_METADATA ? "metadata" : "",
                     which == CMP_CHECK_ALL ? " and " : "", which & CMP_CHECK_TENSORS ? "tensors" : "",
                     which == CMP_CHECK_ALL ? "" : "s");
    }
    return fails;
}
