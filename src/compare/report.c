/* Building and freeing the report: opens the inputs and runs the sections
 * in order (see report.h). */
#include "compare/report.h"

#include "gq/quant.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static bool same_file(const char *a, const char *b) {
    if (strcmp(a, b) == 0) return true;
    struct stat sa, sb;
    return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* "gemma4-mini-Q4_K_M.gguf", "gemma4-mini-BF16.gguf" -> "Q4_K_M", "BF16":
 * wide tables need one short column heading per input. */
static bool make_short_labels(cmp_report *r) {
    r->short_labels = calloc(r->n_inputs, sizeof *r->short_labels);
    if (!r->short_labels) return false;
    const char *first = r->inputs[0]->label;
    size_t common = strlen(first);
    for (size_t i = 1; i < r->n_inputs; i++) {
        const char *l = r->inputs[i]->label;
        size_t k = 0;
        while (k < common && l[k] && l[k] == first[k]) k++;
        common = k;
    }
    /* Cut only after a separator, so "model-Q4_K_M" and "model-Q4_K_S"
     * keep "Q4_K_M" and "Q4_K_S" whole (and Ollama's "gemma4-e2b:q4" and
     * "gemma4-e2b:q6" keep their tags). */
    while (common > 0 && first[common - 1] != '-' && first[common - 1] != '_' && first[common - 1] != '.' &&
           first[common - 1] != ':')
        common--;
    bool usable = true;
    for (size_t i = 0; i < r->n_inputs; i++) {
        const char *l = r->inputs[i]->label + common;
        size_t n = strlen(l);
        if (n > 5 && strcmp(l + n - 5, ".gguf") == 0) n -= 5;
        if (n == 0) usable = false;
        if (!(r->short_labels[i] = malloc(n + 1))) return false;
        memcpy(r->short_labels[i], l, n);
        r->short_labels[i][n] = 0;
    }
    for (size_t i = 0; i < r->n_inputs && usable; i++)
        for (size_t j = i + 1; j < r->n_inputs; j++)
            if (strcmp(r->short_labels[i], r->short_labels[j]) == 0) usable = false;
    if (!usable) {
        /* Same names in other directories, or nothing left: number them. */
        for (size_t i = 0; i < r->n_inputs; i++) {
            free(r->short_labels[i]);
            if (!(r->short_labels[i] = malloc(24))) return false;
            snprintf(r->short_labels[i], 24, "#%zu", i + 1);
        }
    }
    return true;
}

cmp_build_status cmp_report_build(const char *const *paths, size_t n_paths, const cmp_options *opt,
                                  cmp_report **out, char *err, size_t err_cap) {
    *out = NULL;
    bool ref_among_inputs = true;
    if (opt->ref_path) {
        ref_among_inputs = false;
        for (size_t i = 0; i < n_paths; i++)
            if (same_file(paths[i], opt->ref_path)) ref_among_inputs = true;
    }
    size_t n = n_paths + (ref_among_inputs ? 0 : 1);
    if (n < 2) {
        snprintf(err, err_cap, "need at least two models to compare (got %zu)", n);
        return CMP_BUILD_USAGE;
    }
    cmp_report *r = calloc(1, sizeof *r);
    if (!r || !(r->inputs = calloc(n, sizeof *r->inputs))) {
        free(r);
        snprintf(err, err_cap, "out of memory");
        return CMP_BUILD_NOMEM;
    }
    *out = r;
    for (size_t i = 0; i < n; i++) {
        const char *p = ref_among_inputs ? paths[i] : (i == 0 ? opt->ref_path : paths[i - 1]);
        if (!(r->inputs[i] = cmp_model_open(p, err, err_cap))) return CMP_BUILD_UNREADABLE;
        r->n_inputs = i + 1;
    }
    if (!cmp_build_sizes(r) || !cmp_choose_reference(r, opt->ref_path, err, err_cap)) {
        snprintf(err, err_cap, "out of memory");
        return CMP_BUILD_NOMEM;
    }
    const cmp_size *rs = &r->sizes[r->ref];
    for (size_t i = 0; i < n; i++) {
        cmp_size *s = &r->sizes[i];
        s->share_of_ref = rs->tensor_bytes ? (double)s->tensor_bytes / (double)rs->tensor_bytes : 0.0;
        s->file_share_of_ref = rs->file_bytes ? (double)s->file_bytes / (double)rs->file_bytes : 0.0;
    }
    r->variant_input = calloc(n, sizeof *r->variant_input);
    if (!r->variant_input || !make_short_labels(r) || !cmp_build_metadata(r, opt) || !cmp_build_tensor_index(r)) {
        snprintf(err, err_cap, "out of memory");
        return CMP_BUILD_NOMEM;
    }
    for (size_t i = 0; i < n; i++)
        if (i != r->ref) r->variant_input[r->n_variants++] = i;
    cmp_build_status st = cmp_build_errors(r, opt);
    if (st == CMP_BUILD_NOMEM) snprintf(err, err_cap, "out of memory");
    if (st == CMP_BUILD_INTERRUPTED) snprintf(err, err_cap, "interrupted");
    return st;
}

static void free_agg(cmp_agg *a) {
    if (a) cmp_hist_free(&a->hist);
}

void cmp_report_free(cmp_report *r) {
    if (!r) return;
    for (size_t i = 0; r->sizes && i < r->n_inputs; i++) free(r->sizes[i].types);
    free(r->sizes);
    for (size_t i = 0; i < r->n_keys; i++) free(r->keys[i].cells);
    free(r->keys);
    free(r->key_order);
    for (size_t i = 0; i < r->n_rows; i++) {
        free(r->rows[i].cells);
        free(r->rows[i].files);
    }
    free(r->rows);
    free(r->tensor_order);
    for (size_t i = 0; i < r->n_mix_groups; i++) free(r->mix_groups[i].members);
    free(r->mix_groups);
    for (size_t v = 0; r->overall && v < r->n_variants; v++) free_agg(&r->overall[v]);
    free(r->overall);
    for (size_t i = 0; i < r->n_classes; i++) {
        for (size_t v = 0; r->classes[i].per_variant && v < r->n_variants; v++)
            free_agg(&r->classes[i].per_variant[v]);
        free(r->classes[i].per_variant);
        free(r->classes[i].name);
    }
    free(r->classes);
    for (size_t i = 0; i < r->n_layers; i++) {
        for (size_t v = 0; r->layers[i].per_variant && v < r->n_variants; v++)
            free_agg(&r->layers[i].per_variant[v]);
        free(r->layers[i].per_variant);
    }
    free(r->layers);
    free(r->results);
    free(r->variant_input);
    for (size_t i = 0; r->short_labels && i < r->n_inputs; i++) free(r->short_labels[i]);
    free(r->short_labels);
    for (size_t i = 0; i < r->n_inputs; i++) cmp_model_close(r->inputs[i]);
    free(r->inputs);
    free(r);
}

static void shape_text(const gguf_tensor *t, char *buf, size_t cap) {
    size_t used = 0;
    buf[0] = 0;
    uint32_t dims = t->n_dims ? t->n_dims : 1;
    for (uint32_t d = 0; d < dims && d < GGUF_MAX_DIMS && used < cap; d++)
        used += (size_t)snprintf(buf + used, cap - used, d ? "x%llu" : "%llu", (unsigned long long)t->ne[d]);
}

void cmp_result_reason(const cmp_report *r, size_t row, size_t variant, char *buf, size_t cap) {
    const cmp_result *res = cmp_report_result(r, row, variant);
    const cmp_tensor_row *tr = &r->rows[row];
    const gguf_tensor *rt = tr->cells[r->ref], *vt = tr->cells[r->variant_input[variant]];
    char a[96], b[96];
    switch (res->status) {
    case CMP_R_OK: snprintf(buf, cap, "compared"); break;
    case CMP_R_NOT_RUN: snprintf(buf, cap, "errors not computed"); break;
    case CMP_R_ABSENT_VARIANT: snprintf(buf, cap, "not in this variant"); break;
    case CMP_R_ABSENT_REF: snprintf(buf, cap, "not in the reference"); break;
    case CMP_R_SHAPE:
        shape_text(rt, a, sizeof a);
        shape_text(vt, b, sizeof b);
        snprintf(buf, cap, "shape %s in the reference, %s here", a, b);
        break;
    case CMP_R_UNKNOWN_TYPE:
        snprintf(buf, cap, "unknown tensor type (reference %s, variant %s)", gq_type_name(rt->type),
                 gq_type_name(vt->type));
        break;
    case CMP_R_NO_DEQUANT:
        snprintf(buf, cap, "no dequantizer for %s in this build",
                 gq_type_name(gq_can_dequantize(rt->type) ? vt->type : rt->type));
        break;
    case CMP_R_BYTE_ORDER: snprintf(buf, cap, "big-endian block data (only plain scalars are byte-swapped)"); break;
    case CMP_R_READ: snprintf(buf, cap, "tensor data could not be read"); break;
    case CMP_R_NOMEM: snprintf(buf, cap, "out of memory"); break;
    }
}
