/* --json: the whole report, schema "gq-compare/1" (docs/json-compare.md).
 * Streamed with the shared writer: nothing is built in memory, and
 * metadata arrays are described (type, length, first difference), never
 * expanded. */
#include <string.h>

#include "cli/json.h"
#include "compare/format.h"
#include "compare/writers.h"

static void kv_str(gq_json *j, const char *key, gguf_str s) {
    gq_json_key(j, key);
    gq_json_string_n(j, s.ptr, (size_t)s.len);
}

static void figures(gq_json *j, const cmp_sums *s, const cmp_figures *f) {
    gq_json_kv_uint(j, "n", s->n);
    gq_json_kv_uint(j, "n_nonfinite", s->n_nonfinite);
    gq_json_kv_double(j, "sum_e2", s->sum_e2);
    gq_json_kv_double(j, "sum_x2", s->sum_x2);
    gq_json_kv_double(j, "sum_y2", s->sum_y2);
    gq_json_kv_double(j, "sum_xy", s->sum_xy);
    gq_json_kv_double(j, "rmse", f->rmse);
    gq_json_kv_double(j, "nmse", f->nmse);
    gq_json_kv_double(j, "max_abs", f->max_abs);
    gq_json_kv_double(j, "cosine", f->cosine);
    gq_json_kv_double(j, "snr_db", f->snr_db);
    gq_json_kv_double(j, "p50_abs", f->p50);
    gq_json_kv_double(j, "p99_abs", f->p99);
    gq_json_kv_double(j, "p999_abs", f->p999);
}

static void agg(gq_json *j, const cmp_agg *a) {
    gq_json_kv_uint(j, "tensors", a->n_tensors);
    figures(j, &a->sums, &a->fig);
}

static void shape(gq_json *j, const gguf_tensor *t) {
    gq_json_begin_array(j);
    uint32_t dims = t->n_dims ? t->n_dims : 1;
    for (uint32_t d = 0; d < dims && d < GGUF_MAX_DIMS; d++) gq_json_uint(j, t->ne[d]);
    gq_json_end_array(j);
}

static void value(gq_json *j, const gguf_value *v) {
    switch (v->type) {
    case GGUF_TYPE_UINT8:
    case GGUF_TYPE_UINT16:
    case GGUF_TYPE_UINT32:
    case GGUF_TYPE_UINT64: gq_json_uint(j, v->v.u64); break;
    case GGUF_TYPE_INT8:
    case GGUF_TYPE_INT16:
    case GGUF_TYPE_INT32:
    case GGUF_TYPE_INT64: gq_json_int(j, v->v.i64); break;
    case GGUF_TYPE_FLOAT32:
    case GGUF_TYPE_FLOAT64: gq_json_double(j, v->v.f64); break;
    case GGUF_TYPE_BOOL: gq_json_bool(j, v->v.b); break;
    case GGUF_TYPE_STRING: gq_json_string_n(j, v->v.str.ptr, (size_t)v->v.str.len); break;
    default: gq_json_null(j); break; /* arrays: described by the caller */
    }
}

static void inputs(gq_json *j, const cmp_report *r) {
    gq_json_key(j, "inputs");
    gq_json_begin_array(j);
    for (size_t i = 0; i < r->n_inputs; i++) {
        const cmp_model *m = r->inputs[i];
        gq_json_begin_object(j);
        gq_json_kv_uint(j, "index", i);
        gq_json_kv_string(j, "path", m->path);
        gq_json_kv_string(j, "label", r->short_labels[i]);
        gq_json_key(j, "parts");
        gq_json_begin_array(j);
        for (size_t p = 0; p < m->n_parts; p++) gq_json_string(j, m->part_paths[p]);
        gq_json_end_array(j);
        if (m->file_type >= 0) {
            gq_json_kv_int(j, "file_type", m->file_type);
            gq_json_kv_string(j, "file_type_name", cmp_file_type_name(m));
        } else {
            gq_json_kv_null(j, "file_type");
            gq_json_kv_null(j, "file_type_name");
        }
        gq_json_kv_bool(j, "big_endian", m->big_endian);
        gq_json_kv_uint(j, "kv_count", m->n_kv);
        gq_json_kv_uint(j, "tensor_count", m->n_tensors);
        gq_json_key(j, "notes");
        gq_json_begin_array(j);
        for (size_t k = 0; k < m->n_notes; k++) gq_json_string(j, m->notes[k]);
        gq_json_end_array(j);
        gq_json_end_object(j);
    }
    gq_json_end_array(j);
}

static void reference(gq_json *j, const cmp_report *r) {
    static const char *const reasons[] = { "given", "float", "most-bits" };
    gq_json_key(j, "reference");
    gq_json_begin_object(j);
    gq_json_kv_uint(j, "index", r->ref);
    gq_json_kv_string(j, "path", r->inputs[r->ref]->path);
    gq_json_kv_string(j, "reason", reasons[r->ref_reason]);
    gq_json_kv_string(j, "reason_text", cmp_ref_reason_text(r->ref_reason));
    gq_json_kv_bool(j, "quantized", r->ref_quantized);
    gq_json_end_object(j);
}

static void sizes(gq_json *j, const cmp_report *r) {
    gq_json_key(j, "sizes");
    gq_json_begin_array(j);
    for (size_t i = 0; i < r->n_inputs; i++) {
        const cmp_size *s = &r->sizes[i];
        gq_json_begin_object(j);
        gq_json_kv_uint(j, "input", i);
        gq_json_kv_uint(j, "file_bytes", s->file_bytes);
        gq_json_kv_uint(j, "tensor_bytes", s->tensor_bytes);
        gq_json_kv_uint(j, "params", s->params);
        gq_json_kv_double(j, "bpw", s->bpw);
        gq_json_kv_double(j, "share_of_reference", s->share_of_ref);
        gq_json_kv_double(j, "file_share_of_reference", s->file_share_of_ref);
        gq_json_kv_uint(j, "unknown_type_tensors", s->unknown_type_tensors);
        gq_json_key(j, "types");
        gq_json_begin_array(j);
        for (size_t k = 0; k < s->n_types; k++) {
            gq_json_begin_object(j);
            gq_json_kv_string(j, "type", gq_type_name(s->types[k].type));
            gq_json_kv_uint(j, "tensors", s->types[k].tensors);
            gq_json_kv_uint(j, "elements", s->types[k].elements);
            gq_json_kv_uint(j, "bytes", s->types[k].bytes);
            gq_json_end_object(j);
        }
        gq_json_end_array(j);
        gq_json_end_object(j);
    }
    gq_json_end_array(j);
}

static void order(gq_json *j, const cmp_report *r, const cmp_order *o) {
    gq_json_key(j, "order");
    gq_json_begin_array(j);
    for (size_t i = 0; i < r->n_inputs; i++) {
        if (i == r->ref) continue;
        gq_json_begin_object(j);
        gq_json_kv_uint(j, "input", i);
        gq_json_kv_bool(j, "differs", o[i].differs);
        if (o[i].differs) kv_str(j, "first_moved", o[i].first_moved);
        else gq_json_kv_null(j, "first_moved");
        gq_json_end_object(j);
    }
    gq_json_end_array(j);
}

static void metadata(gq_json *j, const cmp_report *r) {
    gq_json_key(j, "metadata");
    gq_json_begin_object(j);
    gq_json_kv_uint(j, "keys", r->n_keys);
    gq_json_kv_uint(j, "differences_count", r->n_key_diffs);
    gq_json_key(j, "differences");
    gq_json_begin_array(j);
    for (size_t i = 0; i < r->n_keys; i++) {
        const cmp_key_row *k = &r->keys[i];
        if (k->kind == CMP_KEY_SAME) continue;
        gq_json_begin_object(j);
        kv_str(j, "key", k->key);
        gq_json_kv_string(j, "kind", cmp_key_kind_name(k->kind));
        gq_json_kv_bool(j, "expected", k->expected);
        gq_json_kv_bool(j, "ignored", k->ignored);
        gq_json_kv_uint(j, "baseline", k->baseline);
        gq_json_key(j, "values");
        gq_json_begin_array(j);
        for (size_t in = 0; in < r->n_inputs; in++) {
            const cmp_key_cell *c = &k->cells[in];
            char ty[64];
            gq_json_begin_object(j);
            gq_json_kv_uint(j, "input", in);
            gq_json_kv_bool(j, "present", c->kv != NULL);
            if (c->kv) {
                const gguf_value *v = &c->kv->value;
                gq_json_kv_string(j, "type", cmp_fmt_value_type(v, ty, sizeof ty));
                if (v->type == GGUF_TYPE_ARRAY) {
                    gq_json_kv_uint(j, "length", v->v.arr.len);
                } else {
                    gq_json_key(j, "value");
                    value(j, v);
                }
                gq_json_kv_bool(j, "differs", c->differs);
                if (c->has_first_diff) gq_json_kv_uint(j, "first_difference", c->first_diff);
            }
            gq_json_end_object(j);
        }
        gq_json_end_array(j);
        gq_json_end_object(j);
    }
    gq_json_end_array(j);
    order(j, r, r->key_order);
    gq_json_end_object(j);
}

static void tensors(gq_json *j, const cmp_report *r) {
    gq_json_key(j, "tensors");
    gq_json_begin_object(j);
    gq_json_kv_uint(j, "count", r->n_rows);
    gq_json_key(j, "rows");
    gq_json_begin_array(j);
    for (size_t i = 0; i < r->n_rows; i++) {
        const cmp_tensor_row *row = &r->rows[i];
        gq_json_begin_object(j);
        kv_str(j, "name", row->name);
        gq_json_kv_string(j, "class", r->classes[row->class_index].name);
        if (row->layer >= 0) gq_json_kv_int(j, "layer", row->layer);
        else gq_json_kv_null(j, "layer");
        gq_json_kv_bool(j, "missing", row->missing);
        gq_json_kv_bool(j, "shape_differs", row->shape_differs);
        gq_json_kv_bool(j, "type_differs", row->type_differs);
        gq_json_key(j, "types");
        gq_json_begin_array(j);
        for (size_t in = 0; in < r->n_inputs; in++) {
            if (row->cells[in]) gq_json_string(j, gq_type_name(row->cells[in]->type));
            else gq_json_null(j);
        }
        gq_json_end_array(j);
        gq_json_key(j, "shapes");
        gq_json_begin_array(j);
        for (size_t in = 0; in < r->n_inputs; in++) {
            if (row->cells[in]) shape(j, row->cells[in]);
            else gq_json_null(j);
        }
        gq_json_end_array(j);
        gq_json_end_object(j);
    }
    gq_json_end_array(j);
    order(j, r, r->tensor_order);
    gq_json_key(j, "mix_groups");
    gq_json_begin_array(j);
    for (size_t g = 0; g < r->n_mix_groups; g++) {
        const cmp_mix_group *mg = &r->mix_groups[g];
        gq_json_begin_object(j);
        gq_json_kv_int(j, "file_type", mg->file_type);
        gq_json_kv_string(j, "file_type_name", cmp_file_type_name(r->inputs[mg->members[0]]));
        gq_json_key(j, "inputs");
        gq_json_begin_array(j);
        for (size_t k = 0; k < mg->n_members; k++) gq_json_uint(j, mg->members[k]);
        gq_json_end_array(j);
        gq_json_kv_uint(j, "tensors_differ", mg->n_tensors_differ);
        if (mg->n_tensors_differ) kv_str(j, "example", r->rows[mg->example_row].name);
        else gq_json_kv_null(j, "example");
        gq_json_end_object(j);
    }
    gq_json_end_array(j);
    gq_json_end_object(j);
}

static void errors(gq_json *j, const cmp_report *r) {
    gq_json_key(j, "errors");
    gq_json_begin_object(j);
    gq_json_kv_bool(j, "computed", r->errors_computed);
    gq_json_kv_bool(j, "percentiles", r->percentiles_computed);
    gq_json_kv_int(j, "threads", r->threads_used);
    gq_json_kv_double(j, "seconds", r->seconds);
    gq_json_key(j, "variants");
    gq_json_begin_array(j);
    for (size_t v = 0; v < r->n_variants; v++) {
        size_t in = r->variant_input[v];
        gq_json_begin_object(j);
        gq_json_kv_uint(j, "input", in);
        gq_json_kv_string(j, "label", r->short_labels[in]);
        if (r->errors_computed) {
            gq_json_key(j, "overall");
            gq_json_begin_object(j);
            agg(j, &r->overall[v]);
            gq_json_end_object(j);
            gq_json_key(j, "classes");
            gq_json_begin_array(j);
            for (size_t c = 0; c < r->n_classes; c++) {
                const cmp_agg *a = &r->classes[c].per_variant[v];
                if (!a->n_tensors) continue;
                gq_json_begin_object(j);
                gq_json_kv_string(j, "class", r->classes[c].name);
                agg(j, a);
                gq_json_end_object(j);
            }
            gq_json_end_array(j);
            gq_json_key(j, "layers");
            gq_json_begin_array(j);
            for (size_t l = 0; l < r->n_layers; l++) {
                const cmp_agg *a = &r->layers[l].per_variant[v];
                if (!a->n_tensors) continue;
                gq_json_begin_object(j);
                gq_json_kv_int(j, "layer", r->layers[l].layer);
                agg(j, a);
                gq_json_end_object(j);
            }
            gq_json_end_array(j);
        }
        gq_json_key(j, "tensors");
        gq_json_begin_array(j);
        for (size_t row = 0; row < r->n_rows; row++) {
            const cmp_result *res = cmp_report_result(r, row, v);
            const cmp_tensor_row *tr = &r->rows[row];
            gq_json_begin_object(j);
            kv_str(j, "name", tr->name);
            gq_json_kv_string(j, "status", cmp_result_status_name(res->status));
            const gguf_tensor *rt = tr->cells[r->ref], *vt = tr->cells[in];
            if (rt) gq_json_kv_string(j, "reference_type", gq_type_name(rt->type));
            else gq_json_kv_null(j, "reference_type");
            if (vt) gq_json_kv_string(j, "type", gq_type_name(vt->type));
            else gq_json_kv_null(j, "type");
            gq_json_kv_bool(j, "changed", res->changed);
            if (res->status == CMP_R_OK) {
                figures(j, &res->sums, &res->fig);
            } else {
                char why[256];
                cmp_result_reason(r, row, v, why, sizeof why);
                gq_json_kv_string(j, "reason", why);
            }
            gq_json_end_object(j);
        }
        gq_json_end_array(j);
        gq_json_end_object(j);
    }
    gq_json_end_array(j);
    gq_json_end_object(j);
}

bool cmp_write_json(FILE *out, const cmp_report *r) {
    gq_json j;
    gq_json_init(&j, out, true);
    gq_json_begin_object(&j);
    gq_json_kv_string(&j, "schema", "gq-compare/1");
    inputs(&j, r);
    reference(&j, r);
    sizes(&j, r);
    metadata(&j, r);
    tensors(&j, r);
    errors(&j, r);
    gq_json_end_object(&j);
    return gq_json_finish(&j) == 0;
}
