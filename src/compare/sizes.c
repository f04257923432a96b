/* Section 1: how big each input is, and what it is made of. */
#include <stdlib.h>
#include <string.h>

#include "compare/report.h"

static int by_bytes_desc(const void *a, const void *b) {
    const cmp_type_use *x = a, *y = b;
    if (x->bytes != y->bytes) return x->bytes < y->bytes ? 1 : -1;
    if (x->tensors != y->tensors) return x->tensors < y->tensors ? 1 : -1;
    return x->type < y->type ? -1 : x->type > y->type;
}

static bool size_of_model(const cmp_model *m, cmp_size *s) {
    /* One slot per known type id plus one for unknown ids (all merged:
     * they have no size, only a count). */
    cmp_type_use uses[GQ_TYPE_COUNT];
    memset(uses, 0, sizeof uses);
    uint64_t known_elements = 0;
    s->file_bytes = m->file_bytes;
    for (size_t i = 0; i < m->n_tensors; i++) {
        const gguf_tensor *t = m->tensors[i].t;
        s->params += t->n_elements;
        if (!t->type_known || t->type >= GQ_TYPE_COUNT) {
            s->unknown_type_tensors++;
            continue;
        }
        cmp_type_use *u = &uses[t->type];
        u->type = t->type;
        u->tensors++;
        u->elements += t->n_elements;
        u->bytes += t->n_bytes;
        s->tensor_bytes += t->n_bytes;
        known_elements += t->n_elements;
    }
    s->bpw = known_elements ? 8.0 * (double)s->tensor_bytes / (double)known_elements : 0.0;
    size_t n = 0;
    for (int t = 0; t < GQ_TYPE_COUNT; t++)
        if (uses[t].tensors) n++;
    s->types = calloc(n ? n : 1, sizeof *s->types);
    if (!s->types) return false;
    for (int t = 0; t < GQ_TYPE_COUNT; t++)
        if (uses[t].tensors) s->types[s->n_types++] = uses[t];
    qsort(s->types, s->n_types, sizeof *s->types, by_bytes_desc);
    return true;
}

bool cmp_build_sizes(cmp_report *r) {
    r->sizes = calloc(r->n_inputs, sizeof *r->sizes);
    if (!r->sizes) return false;
    for (size_t i = 0; i < r->n_inputs; i++)
        if (!size_of_model(r->inputs[i], &r->sizes[i])) return false;
    return true;
}
