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

static gq_type_usage *usage_for(gq_model_info *info, uint32_t type, bool known, uint64_t *cap) {
    for (uint64_t i = 0; i < info->n_types; i++)
        if (info->types[i].type == type) return &info->types[i];
    if (info->n_types == *cap) {
        uint64_t n = *cap ? *cap * 2 : 8;
        gq_type_usage *t = realloc(info->types, n * sizeof *t);
        if (!t) return NULL;
        info->types = t;
        *cap = n;
    }
    gq_type_usage *u = &info->types[info->n_types++];
    memset(u, 0, sizeof *u);
    u->type = type;
    u->known = known;
    return u;
}

bool gq_model_info_init(gq_model_info *info, const gguf_file *f, gq_tensor_filter filter, void *ctx) {
    memset(info, 0, sizeof *info);
    info->first_unknown = -1;
    info->bytes_known = true;
    gguf_get_str(f, "general.architecture", &info->architecture);
    gguf_get_str(f, "general.name", &info->name);
    info->has_file_type = gguf_get_i64(f, "general.file_type", &info->file_type);
    uint64_t cap = 0;
    for (uint64_t i = 0; i < gguf_tensor_count(f); i++) {
        const gguf_tensor *t = gguf_get_tensor(f, i);
        if (filter && !filter(t, ctx)) continue;
        gq_type_usage *u = usage_for(info, t->type, t->type_known, &cap);
        if (!u) {
            gq_model_info_free(info);
            return false;
        }
        u->tensors++;
        u->elements += t->n_elements;
        u->bytes += t->n_bytes;
        info->n_tensors++;
        info->n_elements += t->n_elements;
        info->tensor_bytes += t->n_bytes;
        if (!t->type_known && info->first_unknown < 0) {
            info->first_unknown = (int64_t)i;
            info->bytes_known = false;
        }
    }
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
