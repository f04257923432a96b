/* Which input the others are measured against, and why.
 *
 * Errors only mean "what quantization lost" when the reference is the
 * unquantized model, so a float input wins over any quantized one; among
 * quantized inputs the one with the most bits per weight is the closest
 * stand-in (and the report then says errors are relative to it). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "compare/report.h"

/* general.file_type numbers of the all-float file types (llama_ftype). */
static bool float_file_type(int64_t ft) { return ft == 0 || ft == 1 || ft == 32; }

static bool all_weights_float(const cmp_model *m) {
    if (m->n_tensors == 0) return false;
    for (size_t i = 0; i < m->n_tensors; i++) {
        const gguf_tensor *t = m->tensors[i].t;
        const gq_type_info *ti = gq_type_get(t->type);
        if (!t->type_known || !ti || !ti->is_float) return false;
    }
    return true;
}

static bool is_float_model(const cmp_model *m) {
    if (m->file_type >= 0) return float_file_type(m->file_type);
    return all_weights_float(m);
}

const char *cmp_ref_reason_text(cmp_ref_reason reason) {
    switch (reason) {
    case CMP_REF_GIVEN: return "chosen with --ref";
    case CMP_REF_FLOAT: return "the unquantized (float) input";
    case CMP_REF_MOST_BITS: return "no float input: the input with the most bits per weight";
    }
    return "?";
}

bool cmp_choose_reference(cmp_report *r, const char *ref_path, char *err, size_t err_cap) {
    (void)err;
    (void)err_cap;
    if (ref_path) {
        /* cmp_report_build put the --ref model first when it was not an input. */
        struct stat want;
        bool have_stat = stat(ref_path, &want) == 0;
        for (size_t i = 0; i < r->n_inputs; i++) {
            struct stat st;
            bool same = strcmp(r->inputs[i]->path, ref_path) == 0;
            if (!same && have_stat && stat(r->inputs[i]->path, &st) == 0)
                same = st.st_dev == want.st_dev && st.st_ino == want.st_ino;
            if (same) {
                r->ref = i;
                r->ref_reason = CMP_REF_GIVEN;
                r->ref_quantized = !is_float_model(r->inputs[i]);
                return true;
            }
        }
        r->ref = 0;
        r->ref_reason = CMP_REF_GIVEN;
        r->ref_quantized = !is_float_model(r->inputs[0]);
        return true;
    }
    /* Highest bits per weight among the float inputs (F32 over BF16),
     * else among all; the first input wins ties. */
    bool any_float = false;
    for (size_t i = 0; i < r->n_inputs; i++)
        if (is_float_model(r->inputs[i])) any_float = true;
    size_t best = SIZE_MAX;
    for (size_t i = 0; i < r->n_inputs; i++) {
        if (any_float && !is_float_model(r->inputs[i])) continue;
        if (best == SIZE_MAX || r->sizes[i].bpw > r->sizes[best].bpw) best = i;
    }
    r->ref = best;
    r->ref_reason = any_float ? CMP_REF_FLOAT : CMP_REF_MOST_BITS;
    r->ref_quantized = !any_float;
    return true;
}
