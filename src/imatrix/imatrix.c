/* Importance matrices: loading (format detection), lookup and filtering.
 * The format parsers are gguf_format.c and legacy_format.c. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "imatrix_internal.h"

void imatrix_fail(gq_status *status, gq_status value, char *msg, size_t msg_size, const char *fmt, ...) {
    if (status) *status = value;
    if (msg && msg_size) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, msg_size, fmt, ap);
        va_end(ap);
    }
}

/* Make room for element `count` of an array whose capacity follows from
 * its length (16, then doubling): appending n elements reallocates about
 * log2(n) times.  Growing one slot per element made a file of 60,000 tiny
 * entries ask the heap for 57 GB in total, and copy most of it where
 * realloc cannot grow in place (under ASan: always). */
static bool reserve_next(void **array, size_t count, size_t elem) {
    if (count != 0 && (count < 16 || (count & (count - 1)) != 0)) return true;
    const size_t cap = count == 0 ? 16 : count * 2;
    if (cap < count || cap > SIZE_MAX / elem) return false;
    void *grown = realloc(*array, cap * elem);
    if (!grown) return false;
    *array = grown;
    return true;
}

bool imatrix_append(gq_imatrix *m, char *name, float *weights, uint64_t n_values, uint64_t n_experts) {
    if (!reserve_next((void **)&m->entries, m->n_entries, sizeof *m->entries)) {
        free(name);
        free(weights);
        return false;
    }
    m->entries[m->n_entries++] = (gq_imatrix_entry){ name, weights, n_values, n_experts };
    return true;
}

bool imatrix_add_dataset(gq_imatrix *m, const char *name, size_t len) {
    if (!reserve_next((void **)&m->datasets, m->n_datasets, sizeof *m->datasets)) return false;
    char *copy = malloc(len + 1);
    if (!copy) return false;
    memcpy(copy, name, len);
    copy[len] = 0;
    m->datasets[m->n_datasets++] = copy;
    return true;
}

typedef struct ordered_entry {
    gq_imatrix_entry entry;
    size_t read_order;
} ordered_entry;

static int compare_entries(const void *pa, const void *pb) {
    const ordered_entry *a = pa, *b = pb;
    int c = strcmp(a->entry.name, b->entry.name);
    if (c) return c;
    return a->read_order < b->read_order ? -1 : a->read_order > b->read_order;
}

void imatrix_finish(gq_imatrix *m) {
    if (m->n_entries < 2) return;
    ordered_entry *tmp = malloc(m->n_entries * sizeof *tmp);
    if (!tmp) return; /* lookups fall back to a linear scan */
    for (size_t i = 0; i < m->n_entries; i++) tmp[i] = (ordered_entry){ m->entries[i], i };
    qsort(tmp, m->n_entries, sizeof *tmp, compare_entries);
    size_t kept = 0;
    for (size_t i = 0; i < m->n_entries; i++) {
        bool superseded = i + 1 < m->n_entries && strcmp(tmp[i].entry.name, tmp[i + 1].entry.name) == 0;
        if (superseded) {
            free(tmp[i].entry.name);
            free(tmp[i].entry.weights);
            continue;
        }
        m->entries[kept++] = tmp[i].entry;
    }
    m->n_entries = kept;
    free(tmp);
}

gq_imatrix *gq_imatrix_load_memory(const void *data, size_t size, gq_status *status, char *msg,
                                   size_t msg_size) {
    gq_status dummy;
    if (!status) status = &dummy;
    *status = GQ_OK;
    if (msg && msg_size) msg[0] = 0;
    gq_imatrix *m;
    if (size >= 4 && memcmp(data, "GGUF", 4) == 0)
        m = imatrix_parse_gguf(data, size, status, msg, msg_size);
    else
        m = imatrix_parse_legacy(data, size, status, msg, msg_size);
    if (m) imatrix_finish(m);
    return m;
}

gq_imatrix *gq_imatrix_load(const char *path, gq_status *status, char *msg, size_t msg_size) {
    gq_status dummy;
    if (!status) status = &dummy;
    FILE *f = fopen(path, "rb");
    if (!f) {
        imatrix_fail(status, GQ_ERR_IO, msg, msg_size, "cannot open importance matrix %s: %s", path,
                     strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        fclose(f);
        imatrix_fail(status, GQ_ERR_IO, msg, msg_size, "importance matrix %s is not a regular file", path);
        return NULL;
    }
    size_t size = (size_t)st.st_size;
    void *buf = malloc(size ? size : 1);
    if (!buf) {
        fclose(f);
        imatrix_fail(status, GQ_ERR_NOMEM, msg, msg_size, "no memory for importance matrix %s (%zu bytes)",
                     path, size);
        return NULL;
    }
    size_t got = size ? fread(buf, 1, size, f) : 0;
    fclose(f);
    if (got != size) {
        free(buf);
        imatrix_fail(status, GQ_ERR_IO, msg, msg_size, "cannot read importance matrix %s", path);
        return NULL;
    }
    gq_imatrix *m = gq_imatrix_load_memory(buf, size, status, msg, msg_size);
    free(buf);
    if (!m && msg && msg_size) {
        /* prefix the path so the message stands on its own */
        char inner[512];
        snprintf(inner, sizeof inner, "%s", msg);
        snprintf(msg, msg_size, "%s: %s", path, inner);
    }
    return m;
}

void gq_imatrix_free(gq_imatrix *m) {
    if (!m) return;
    for (size_t i = 0; i < m->n_entries; i++) {
        free(m->entries[i].name);
        free(m->entries[i].weights);
    }
    free(m->entries);
    for (size_t i = 0; i < m->n_datasets; i++) free(m->datasets[i]);
    free(m->datasets);
    free(m);
}

const gq_imatrix_entry *gq_imatrix_find(const gq_imatrix *m, const char *name) {
    if (!m) return NULL;
    size_t lo = 0, hi = m->n_entries;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(m->entries[mid].name, name);
        if (c == 0) return &m->entries[mid];
        if (c < 0) lo = mid + 1; else hi = mid;
    }
    /* not sorted (sorting ran out of memory)? a scan is still correct */
    for (size_t i = 0; i < m->n_entries; i++)
        if (strcmp(m->entries[i].name, name) == 0) return &m->entries[i];
    return NULL;
}

static bool contains_any(const char *name, const char *const *subs, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (strstr(name, subs[i])) return true;
    return false;
}

size_t gq_imatrix_filter(gq_imatrix *m, const char *const *include, size_t n_include,
                         const char *const *exclude, size_t n_exclude) {
    size_t kept = 0;
    for (size_t i = 0; i < m->n_entries; i++) {
        gq_imatrix_entry *e = &m->entries[i];
        bool keep = (n_include == 0 || contains_any(e->name, include, n_include)) &&
                    !contains_any(e->name, exclude, n_exclude);
        if (keep) {
            m->entries[kept++] = *e;
        } else {
            free(e->name);
            free(e->weights);
        }
    }
    m->n_entries = kept;
    return kept;
}

bool gq_imatrix_find_nonfinite(const gq_imatrix *m, size_t *entry, uint64_t *index) {
    for (size_t i = 0; i < m->n_entries; i++)
        for (uint64_t j = 0; j < m->entries[i].n_values; j++)
            if (!isfinite(m->entries[i].weights[j])) {
                if (entry) *entry = i;
                if (index) *index = j;
                return true;
            }
    return false;
}
