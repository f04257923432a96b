/* Summary facts of a GGUF file: see model_info.h. */
#include "cli/model_info.h"

#include <stdlib.h>
#include <string.h>

const char *gq_tensor_name(const gguf_tensor *t, char *buf, size_t size) {
    size_t n = t->name.len < size - 1 ? (size_t)t->name.len : size - 1;
    memcpy(buf, t->name.ptr, n);
    buf[n] = '\0';
    return buf;
}

/* The histogram is built by sorting (type id, tensor index) pairs rather
 * than by searching a list per tensor: a hostile file can hold a million
 * tensors with as many distinct unknown type ids, and a per-tensor search
 * would then take minutes. */
typedef struct type_of_tensor {
    uint32_t type;
    uint64_t index;
} type_of_tensor;

static int by_type_then_index(const void *a, const void *b) {
    const type_of_tensor *x = a, *y = b;
    if (x->type != y->type) return x->type < y->type ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index;
}

bool gq_model_info_init(gq_model_info *info, const gguf_file *f, gq_tensor_filter filter, void *ctx) {
    memset(info, 0, sizeof *info);
    info->first_unknown = -1;
    info->bytes_known = true;
    gguf_get_str(f, "general.architecture", &info->architecture);
    gguf_get_str(f, "general.name", &info->name);
    info->has_file_type = gguf_get_i64(f, "general.file_type", &info->file_type);
    const uint64_t n = gguf_tensor_count(f);
    type_of_tensor *order = malloc((n ? n : 1) * sizeof *order);
    if (!order) return false;
    uint64_t m = 0;
    for (uint64_t i = 0; i < n; i++) {
        const gguf_tensor *t = gguf_get_tensor(f, i);
        if (filter && !filter(t, ctx)) continue;
        order[m++] = (type_of_tensor){t->type, i};
        info->n_tensors++;
        info->n_elements += t->n_elements;
        info->tensor_bytes += t->n_bytes;
        if (!t->type_known && info->first_unknown < 0) {
            info->first_unknown = (int64_t)i;
            info->bytes_known = false;
        }
    }
    qsort(order, (size_t)m, sizeof *order, by_type_then_index);
    uint64_t n_types = 0;
    for (uint64_t k = 0; k < m; k++) n_types += k == 0 || order[k].type != order[k - 1].type;
    info->types = calloc(n_types ? n_types : 1, sizeof *info->types);
    if (!info->types) {
        free(order);
        return false;
    }
    for (uint64_t k = 0; k < m; k++) {
        const gguf_tensor *t = gguf_get_tensor(f, order[k].index);
        if (k == 0 || order[k].type != order[k - 1].type) {
            gq_type_usage *u = &info->types[info->n_types++];
            u->type = t->type;
            u->known = t->type_known;
        }
        gq_type_usage *u = &info->types[info->n_types - 1];
        u->tensors++;
        u->elements += t->n_elements;
        u->bytes += t->n_bytes;
    }
    free(order);
    return true;
}

void gq_model_info_free(gq_model_info *info) {
    free(info->types);
    info->types = NULL;
    info->n_types = 0;
}

static int by_bytes_desc(const void *a, const void *b) {
    const gq_type_usage *x = a, *y = b;
    if (x->bytes != y->bytes) return x->bytes > y->bytes ? -1 : 1;
    if (x->elements != y->elements) return x->elements > y->elements ? -1 : 1;
    return x->type < y->type ? -1 : x->type > y->type;
}

void gq_model_info_sort_types(gq_model_info *info) {
    if (info->n_types > 1) qsort(info->types, (size_t)info->n_types, sizeof *info->types, by_bytes_desc);
}

double gq_model_info_bpw(const gq_model_info *info) {
    if (!info->bytes_known || info->n_elements == 0) return 0.0;
    return 8.0 * (double)info->tensor_bytes / (double)info->n_elements;
}
