/* Opening a model (one file or every part of a split) and its merged
 * metadata and tensor views (see model.h). */
#include "compare/model.h"

#include "gguf/split.h"
#include "store/model_ref.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --------------------------------------------------------------- names */

static uint64_t name_hash(const char *s, size_t n) {
    uint64_t h = 1469598103934665603ull; /* FNV-1a: short keys, few collisions */
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ull;
    }
    return h;
}

typedef gguf_str (*name_of_fn)(const cmp_model *m, size_t i);

static gguf_str kv_name(const cmp_model *m, size_t i) { return m->kv[i].kv->key; }
static gguf_str tensor_name(const cmp_model *m, size_t i) { return m->tensors[i].t->name; }

static bool str_is(gguf_str s, const char *p, size_t n) {
    return s.len == n && (n == 0 || memcmp(s.ptr, p, n) == 0);
}

static int64_t index_find(const cmp_model *m, const cmp_name_index *ix, name_of_fn name_of,
                          const char *p, size_t n) {
    if (!ix->slots) return -1;
    for (size_t s = (size_t)name_hash(p, n) & ix->mask;; s = (s + 1) & ix->mask) {
        int64_t v = ix->slots[s];
        if (v == 0) return -1;
        if (str_is(name_of(m, (size_t)(v - 1)), p, n)) return v - 1;
    }
}

/* Room for `count` names at a load of at most one half. */
static bool index_init(cmp_name_index *ix, size_t count) {
    size_t cap = 16;
    while (cap < count * 2) {
        if (cap > SIZE_MAX / 4) return false;
        cap *= 2;
    }
    ix->slots = calloc(cap, sizeof *ix->slots);
    ix->mask = cap - 1;
    return ix->slots != NULL;
}

static void index_put(const cmp_name_index *ix, gguf_str name, size_t pos) {
    size_t s = (size_t)name_hash(name.ptr, (size_t)name.len) & ix->mask;
    while (ix->slots[s]) s = (s + 1) & ix->mask;
    ix->slots[s] = (int64_t)pos + 1;
}

int64_t cmp_model_find_kv(const cmp_model *m, const char *key, size_t key_len) {
    return index_find(m, &m->kv_index, kv_name, key, key_len);
}

int64_t cmp_model_find_tensor(const cmp_model *m, const char *name, size_t name_len) {
    return index_find(m, &m->tensor_index, tensor_name, name, name_len);
}

bool cmp_is_split_key(const char *key, size_t key_len) {
    return key_len >= 6 && memcmp(key, "split.", 6) == 0;
}

/* --------------------------------------------------------------- splits */

bool cmp_split_name(const char *path, size_t *prefix_len, unsigned *part, unsigned *count) {
    return gguf_split_parse_name(path, prefix_len, part, count);
}

/* --------------------------------------------------------------- open */

static void set_err(char *err, size_t cap, const char *fmt, ...) {
    if (!err || !cap) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, cap, fmt, ap);
    va_end(ap);
}

static char *dup_str(const char *s) {
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d) memcpy(d, s, n);
    return d;
}

static bool add_note(cmp_model *m, const char *fmt, ...) {
    char buf[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    char **grown = realloc(m->notes, (m->n_notes + 1) * sizeof *grown);
    if (!grown) return false;
    m->notes = grown;
    if (!(m->notes[m->n_notes] = dup_str(buf))) return false;
    m->n_notes++;
    return true;
}

/* file: the path m->path names (the same unless it is an ollama:/hf: name).
 * The parts are found by name (whichever part was named, its "-of-NNNNN"
 * says how many); disagreeing metadata is a note, not a refusal. */
static bool open_parts(cmp_model *m, const char *file, char *err, size_t err_cap) {
    gguf_split split;
    gguf_error ge;
    /* Lenient: a tensor of an unknown type must not stop the comparison
     * of every other tensor; it is listed as not comparable instead. */
    gq_status st = gguf_split_open(&split, file, GGUF_OPEN_LENIENT, GGUF_SPLIT_BY_NAME, &ge);
    /* the model owns the parts from here (closed by cmp_model_close) */
    m->parts = split.parts;
    m->part_paths = split.paths;
    m->n_parts = split.n_parts;
    m->parts_cap = split.n_expected;
    if (st != GQ_OK) {
        if (st == GQ_ERR_NOMEM || !m->part_paths || split.failed >= m->parts_cap || !m->part_paths[split.failed]) {
            set_err(err, err_cap, "%s: out of memory", m->path);
            return false;
        }
        const char *p = m->part_paths[split.failed];
        /* The reader's message ends with "(at byte N)" when it has a
         * position, and names the path itself when it has none. */
        if (ge.has_offset || !ge.message[0])
            set_err(err, err_cap, "%s: %s", p, ge.message[0] ? ge.message : gq_status_str(ge.status));
        else
            set_err(err, err_cap, "%s", ge.message);
        return false;
    }
    for (size_t i = 0; i < m->n_parts; i++) {
        const gguf_file *f = m->parts[i];
        m->file_bytes += gguf_file_size(f);
        if (gguf_is_big_endian(f)) m->big_endian = true;
        for (size_t w = 0; w < gguf_warning_count(f); w++)
            if (!add_note(m, "%s: %s", m->part_paths[i], gguf_warning(f, w))) return false;
    }
    if (m->n_parts > 1) {
        uint64_t declared;
        if (gguf_get_u64(m->parts[0], "split.count", &declared) && declared != m->n_parts)
            if (!add_note(m, "%s: split.count is %llu but the file name says %zu parts", m->part_paths[0],
                          (unsigned long long)declared, m->n_parts))
                return false;
    }
    return true;
}

static bool merge_views(cmp_model *m, char *err, size_t err_cap) {
    size_t kv_total = 0, tensor_total = 0;
    for (size_t p = 0; p < m->n_parts; p++) {
        kv_total += (size_t)gguf_kv_count(m->parts[p]);
        tensor_total += (size_t)gguf_tensor_count(m->parts[p]);
    }
    m->kv = calloc(kv_total ? kv_total : 1, sizeof *m->kv);
    m->tensors = calloc(tensor_total ? tensor_total : 1, sizeof *m->tensors);
    if (!m->kv || !m->tensors || !index_init(&m->kv_index, kv_total) ||
        !index_init(&m->tensor_index, tensor_total)) {
        set_err(err, err_cap, "%s: out of memory", m->path);
        return false;
    }
    for (size_t p = 0; p < m->n_parts; p++) {
        const gguf_file *f = m->parts[p];
        for (uint64_t i = 0; i < gguf_kv_count(f); i++) {
            const gguf_kv *kv = gguf_get_kv(f, i);
            /* First occurrence wins, across parts as within a file (the
             * reader's lenient rule for duplicates). */
            if (cmp_model_find_kv(m, kv->key.ptr, (size_t)kv->key.len) >= 0) continue;
            m->kv[m->n_kv] = (cmp_kv_ref){ f, kv };
            index_put(&m->kv_index, kv->key, m->n_kv++);
        }
        for (uint64_t i = 0; i < gguf_tensor_count(f); i++) {
            const gguf_tensor *t = gguf_get_tensor(f, i);
            if (cmp_model_find_tensor(m, t->name.ptr, (size_t)t->name.len) >= 0) {
                if (!add_note(m, "%s: tensor '%.*s' appears again; the first one is used", m->part_paths[p],
                              (int)(t->name.len > 200 ? 200 : t->name.len), t->name.ptr)) {
                    set_err(err, err_cap, "%s: out of memory", m->path);
                    return false;
                }
                continue;
            }
            m->tensors[m->n_tensors] = (cmp_tensor_ref){ f, t };
            index_put(&m->tensor_index, t->name, m->n_tensors++);
        }
    }
    int64_t ft;
    m->file_type = gguf_get_i64(m->parts[0], "general.file_type", &ft) ? ft : -1;
    return true;
}

cmp_model *cmp_model_open(const char *path, char *err, size_t err_cap) {
    cmp_model *m = calloc(1, sizeof *m);
    if (!m || !(m->path = dup_str(path))) {
        free(m);
        set_err(err, err_cap, "%s: out of memory", path);
        return NULL;
    }
    const char *slash = strrchr(path, '/');
    m->label = dup_str(slash ? slash + 1 : path);
    if (!m->label) {
        set_err(err, err_cap, "%s: out of memory", path);
        cmp_model_close(m);
        return NULL;
    }
    /* Reports keep the name as written; the parts are opened where it points. */
    char *file = gq_store_resolve(path, err, err_cap);
    if (!file) {
        char why[900];
        snprintf(why, sizeof why, "%s", err);
        set_err(err, err_cap, "%s: %s", path, why);
        cmp_model_close(m);
        return NULL;
    }
    bool ok = open_parts(m, file, err, err_cap) && merge_views(m, err, err_cap);
    free(file);
    if (!ok) {
        cmp_model_close(m);
        return NULL;
    }
    return m;
}

void cmp_model_close(cmp_model *m) {
    if (!m) return;
    for (size_t i = 0; i < m->n_parts; i++) gguf_close(m->parts[i]);
    if (m->part_paths)
        for (size_t i = 0; i < m->parts_cap; i++) free(m->part_paths[i]);
    free(m->parts);
    free(m->part_paths);
    for (size_t i = 0; i < m->n_notes; i++) free(m->notes[i]);
    free(m->notes);
    free(m->kv);
    free(m->tensors);
    free(m->kv_index.slots);
    free(m->tensor_index.slots);
    free(m->path);
    free(m->label);
    free(m);
}
