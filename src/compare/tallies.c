/* Counts shared by the report writers (tallies.h). */
#include "compare/tallies.h"

cmp_key_tally cmp_tally_keys(const cmp_report *r) {
    cmp_key_tally t = { 0 };
    for (size_t i = 0; i < r->n_keys; i++) {
        const cmp_key_row *k = &r->keys[i];
        if (k->kind == CMP_KEY_SAME) continue;
        if (k->ignored) t.ignored++;
        else if (k->expected) t.expected++;
        else t.unexpected++;
    }
    return t;
}

cmp_tensor_tally cmp_tally_tensors(const cmp_report *r) {
    cmp_tensor_tally t = { 0 };
    for (size_t i = 0; i < r->n_rows; i++) {
        if (r->rows[i].missing) t.missing++;
        if (r->rows[i].shape_differs) t.shape_differs++;
    }
    return t;
}

size_t cmp_tally_not_compared(const cmp_report *r) {
    size_t n = 0;
    for (size_t row = 0; row < r->n_rows; row++)
        for (size_t v = 0; v < r->n_variants; v++)
            if (cmp_report_result(r, row, v)->status != CMP_R_OK) n++;
    return n;
}

bool cmp_agg_any_changed(const cmp_report *r, const cmp_agg *per_variant) {
    for (size_t v = 0; v < r->n_variants; v++)
        if (per_variant[v].n_tensors) return true;
    return false;
}

gguf_str cmp_reference_model_name(const cmp_report *r) {
    const cmp_model *ref = r->inputs[r->ref];
    gguf_str name = { 0 };
    int64_t k = cmp_model_find_kv(ref, "general.name", 12);
    if (k >= 0 && ref->kv[k].kv->value.type == GGUF_TYPE_STRING) name = ref->kv[k].kv->value.v.str;
    return name;
}
