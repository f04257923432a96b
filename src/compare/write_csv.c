/* --csv: one row per tensor per variant, every figure, for spreadsheets
 * and scripts.  Tensors that were not compared have empty figures and a
 * reason.  Numbers are written with 17 significant digits so nothing is
 * lost on the way into another tool. */
#include <math.h>
#include <string.h>

#include "compare/format.h"
#include "compare/writers.h"

static void num(FILE *out, double v) {
    /* Empty for NaN; "inf" spelled out: spreadsheets read both. */
    if (isnan(v)) return;
    if (isinf(v)) fputs(v > 0 ? "inf" : "-inf", out);
    else fprintf(out, "%.17g", v);
}

static void text(FILE *out, const char *s) { cmp_esc_csv(out, s, strlen(s)); }

bool cmp_write_csv(FILE *out, const cmp_report *r) {
    fputs("variant,variant_path,tensor,class,layer,reference_type,type,changed,status,n,n_nonfinite,"
          "sum_e2,sum_x2,sum_y2,sum_xy,rmse,nmse,max_abs,cosine,snr_db,p50_abs,p99_abs,p999_abs,reason\n",
          out);
    for (size_t v = 0; v < r->n_variants; v++) {
        size_t in = r->variant_input[v];
        for (size_t row = 0; row < r->n_rows; row++) {
            const cmp_tensor_row *tr = &r->rows[row];
            const cmp_result *res = cmp_report_result(r, row, v);
            const gguf_tensor *rt = tr->cells[r->ref], *vt = tr->cells[in];
            text(out, r->short_labels[in]);
            fputc(',', out);
            text(out, r->inputs[in]->path);
            fputc(',', out);
            cmp_esc_csv(out, tr->name.ptr, (size_t)tr->name.len);
            fputc(',', out);
            text(out, r->classes[tr->class_index].name);
            fputc(',', out);
            if (tr->layer >= 0) fprintf(out, "%lld", (long long)tr->layer);
            fprintf(out, ",%s,%s,%s,%s,", rt ? gq_type_name(rt->type) : "", vt ? gq_type_name(vt->type) : "",
                    res->changed ? "true" : "false", cmp_result_status_name(res->status));
            if (res->status == CMP_R_OK) {
                const cmp_figures *f = &res->fig;
                const double vals[] = { res->sums.sum_e2, res->sums.sum_x2, res->sums.sum_y2, res->sums.sum_xy,
                                        f->rmse, f->nmse, f->max_abs, f->cosine, f->snr_db, f->p50, f->p99, f->p999 };
                fprintf(out, "%llu,%llu", (unsigned long long)res->sums.n, (unsigned long long)res->sums.n_nonfinite);
                for (size_t k = 0; k < sizeof vals / sizeof vals[0]; k++) {
                    fputc(',', out);
                    num(out, vals[k]);
                }
                fputs(",\n", out);
            } else {
                char why[256];
                cmp_result_reason(r, row, v, why, sizeof why);
                fputs(",,,,,,,,,,,,,,", out);
                text(out, why);
                fputc('\n', out);
            }
        }
    }
    fflush(out);
    return !ferror(out);
}
