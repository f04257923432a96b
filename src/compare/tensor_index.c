/* Section 3: which tensors each input has, their shapes, types and order;
 * and the class and layer every tensor is aggregated under in section 4. */
#include <stdlib.h>
#include <string.h>

#include "compare/names.h"
#include "compare/report.h"

static bool same_shape(const gguf_tensor *a, const gguf_tensor *b) {
    /* ne[] is padded with 1s, so "256" and "256x1" are the same shape, as
     * they are to ggml. */
    for (int d = 0; d < GGUF_MAX_DIMS; d++)
        if (a->ne[d] != b->ne[d]) return false;
    return true;
}

static bool seen_before(const cmp_report *r, size_t input, gguf_str name) {
    if (input != r->ref && cmp_model_find_tensor(r->inputs[r->ref], name.ptr, (size_t)name.len) >= 0)
        return true;
    for (size_t j = 0; j < input; j++)
        if (j != r->ref && cmp_model_find_tensor(r->inputs[j], name.ptr, (size_t)name.len) >= 0) return true;
    return false;
}

static bool fill_row(cmp_report *r, cmp_tensor_row *row) {
    row->cells = calloc(r->n_inputs, sizeof *row->cells);
    row->files = calloc(r->n_inputs, sizeof *row->files);
    if (!row->cells || !row->files) return false;
    const gguf_tensor *base = NULL;
    for (size_t i = 0; i < r->n_inputs; i++) {
        const cmp_model *m = r->inputs[i];
        int64_t k = cmp_model_find_tensor(m, row->name.ptr, (size_t)row->name.len);
        if (k < 0) {
            row->missing = true;
            continue;
        }
        row->cells[i] = m->tensors[k].t;
        row->files[i] = m->tensors[k].file;
    }
    base = row->cells[r->ref];
    for (size_t i = 0; i < r->n_inputs && !base; i++) base = row->cells[i];
    for (size_t i = 0; i < r->n_inputs; i++) {
        const gguf_tensor *t = row->cells[i];
        if (!t) continue;
        if (!same_shape(t, base)) row->shape_differs = true;
        if (t->type != base->type) row->type_differs = true;
    }
    return true;
}

static void tensor_order(const cmp_report *r, size_t i, cmp_order *o) {
    const cmp_model *m = r->inputs[i], *ref = r->inputs[r->ref];
    int64_t last = -1;
    for (size_t k = 0; k < m->n_tensors; k++) {
        gguf_str name = m->tensors[k].t->name;
        int64_t pos = cmp_model_find_tensor(ref, name.ptr, (size_t)name.len);
        if (pos < 0) continue;
        if (pos < last) {
            o->differs = true;
            o->first_moved = name;
            return;
        }
        last = pos;
    }
}

static bool build_mix_groups(cmp_report *r) {
    r->mix_groups = calloc(r->n_inputs, sizeof *r->mix_groups);
    if (!r->mix_groups) return false;
    bool *grouped = calloc(r->n_inputs, sizeof *grouped);
    if (!grouped) return false;
    for (size_t i = 0; i < r->n_inputs; i++) {
        int64_t ft = r->inputs[i]->file_type;
        if (grouped[i] || ft < 0) continue;
        cmp_mix_group g = { .file_type = ft };
        g.members = calloc(r->n_inputs, sizeof *g.members);
        if (!g.members) {
            free(grouped);
            return false;
        }
        for (size_t j = i; j < r->n_inputs; j++)
            if (r->inputs[j]->file_type == ft) {
                g.members[g.n_members++] = j;
                grouped[j] = true;
            }
        if (g.n_members < 2) {
            free(g.members);
            continue;
        }
        for (size_t row = 0; row < r->n_rows; row++) {
            const cmp_tensor_row *tr = &r->rows[row];
            const gguf_tensor *first = tr->cells[g.members[0]];
            bool in_all = first != NULL, differ = false;
            for (size_t k = 1; k < g.n_members && in_all; k++) {
                const gguf_tensor *t = tr->cells[g.members[k]];
                if (!t) in_all = false;
                else if (t->type != first->type) differ = true;
            }
            if (in_all && differ) {
                if (g.n_tensors_differ++ == 0) g.example_row = row;
            }
        }
        r->mix_groups[r->n_mix_groups++] = g;
    }
    free(grouped);
    return true;
}

/* ---------------------------------------------------------- classes */

typedef struct class_map {
    size_t *slots; /* class index + 1 */
    size_t mask;
} class_map;

static uint64_t str_hash(const char *s) {
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ull;
    }
    return h;
}

static bool class_of(cmp_report *r, class_map *map, const char *name, size_t *index) {
    size_t s = (size_t)str_hash(name) & map->mask;
    for (; map->slots[s]; s = (s + 1) & map->mask)
        if (strcmp(r->classes[map->slots[s] - 1].name, name) == 0) {
            *index = map->slots[s] - 1;
            return true;
        }
    cmp_class *c = &r->classes[r->n_classes];
    size_t n = strlen(name) + 1;
    if (!(c->name = malloc(n))) return false;
    memcpy(c->name, name, n);
    map->slots[s] = ++r->n_classes;
    *index = r->n_classes - 1;
    return true;
}

static int by_value(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static bool build_classes_and_layers(cmp_report *r) {
    r->classes = calloc(r->n_rows ? r->n_rows : 1, sizeof *r->classes);
    class_map map = { 0 };
    size_t cap = 16;
    while (cap < r->n_rows * 2) cap *= 2;
    map.slots = calloc(cap, sizeof *map.slots);
    map.mask = cap - 1;
    int64_t *layers = calloc(r->n_rows ? r->n_rows : 1, sizeof *layers);
    if (!r->classes || !map.slots || !layers) {
        free(map.slots);
        free(layers);
        return false;
    }
    size_t n_layers = 0;
    for (size_t i = 0; i < r->n_rows; i++) {
        cmp_tensor_row *row = &r->rows[i];
        char cls[256];
        cmp_tensor_class(row->name.ptr, (size_t)row->name.len, cls, sizeof cls);
        if (!class_of(r, &map, cls, &row->class_index)) {
            free(map.slots);
            free(layers);
            return false;
        }
        row->layer = cmp_tensor_layer(row->name.ptr, (size_t)row->name.len);
        if (row->layer >= 0) layers[n_layers++] = row->layer;
    }
    free(map.slots);
    qsort(layers, n_layers, sizeof *layers, by_value);
    r->layers = calloc(n_layers ? n_layers : 1, sizeof *r->layers);
    if (!r->layers) {
        free(layers);
        return false;
    }
    for (size_t i = 0; i < n_layers; i++)
        if (i == 0 || layers[i] != layers[i - 1]) r->layers[r->n_layers++].layer = layers[i];
    free(layers);
    return true;
}

bool cmp_build_tensor_index(cmp_report *r) {
    size_t cap = 0;
    for (size_t i = 0; i < r->n_inputs; i++) cap += r->inputs[i]->n_tensors;
    r->rows = calloc(cap ? cap : 1, sizeof *r->rows);
    r->tensor_order = calloc(r->n_inputs, sizeof *r->tensor_order);
    if (!r->rows || !r->tensor_order) return false;
    for (size_t pass = 0; pass <= r->n_inputs; pass++) {
        size_t i = pass == 0 ? r->ref : pass - 1;
        if (pass > 0 && i == r->ref) continue;
        const cmp_model *m = r->inputs[i];
        for (size_t k = 0; k < m->n_tensors; k++) {
            gguf_str name = m->tensors[k].t->name;
            if (pass > 0 && seen_before(r, i, name)) continue;
            cmp_tensor_row *row = &r->rows[r->n_rows++];
            row->name = name;
            if (!fill_row(r, row)) return false;
        }
    }
    for (size_t i = 0; i < r->n_inputs; i++)
        if (i != r->ref) tensor_order(r, i, &r->tensor_order[i]);
    return build_mix_groups(r) && build_classes_and_layers(r);
}
