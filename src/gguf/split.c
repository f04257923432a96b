/* Finding and opening the parts of a split model (see split.h). */
#include "split.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* split.count is a uint16 in llama.cpp: no split has more parts. */
#define SPLIT_MAX_PARTS 65535u

static bool all_digits(const char *p, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (p[i] < '0' || p[i] > '9') return false;
    return n > 0;
}

bool gguf_split_parse_name(const char *path, size_t *prefix_len, unsigned *part, unsigned *count) {
    static const char tail[] = "-00000-of-00000.gguf";
    const size_t tlen = sizeof tail - 1;
    size_t len = strlen(path);
    if (len <= tlen) return false;
    const char *t = path + len - tlen;
    if (t[0] != '-' || memcmp(t + 6, "-of-", 4) != 0 || strcmp(t + 15, ".gguf") != 0) return false;
    if (!all_digits(t + 1, 5) || !all_digits(t + 10, 5)) return false;
    unsigned p = (unsigned)strtoul(t + 1, NULL, 10), c = (unsigned)strtoul(t + 10, NULL, 10);
    if (p < 1 || c < 1 || p > c) return false;
    *prefix_len = len - tlen;
    *part = p;
    *count = c;
    return true;
}

char *gguf_split_part_path(const char *prefix, size_t prefix_len, unsigned part, unsigned count) {
    size_t n = prefix_len + 32; /* "-%05u-of-%05u.gguf" with up to 10-digit numbers */
    char *p = malloc(n);
    if (p) snprintf(p, n, "%.*s-%05u-of-%05u.gguf", (int)prefix_len, prefix, part, count);
    return p;
}

static gq_status fail(gguf_error *err, gq_status status, const char *fmt, ...) {
    if (!err) return status;
    err->status = status;
    err->has_offset = false;
    err->offset = 0;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    return status;
}

static char *dup_str(const char *s) {
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d) memcpy(d, s, n);
    return d;
}

/* Room for `count` parts; the paths are filled in by the caller. */
static bool reserve_parts(gguf_split *s, size_t count) {
    s->parts = calloc(count, sizeof *s->parts);
    s->paths = calloc(count, sizeof *s->paths);
    if (!s->parts || !s->paths) return false;
    s->n_expected = count;
    return true;
}

static gq_status open_part(gguf_split *s, size_t i, unsigned flags, gguf_error *err) {
    s->failed = i;
    gguf_file *f = gguf_open(s->paths[i], flags, err);
    if (!f) return err ? err->status : GQ_ERR_IO;
    s->parts[i] = f;
    s->n_parts = i + 1;
    return GQ_OK;
}

static gq_status open_by_name(gguf_split *s, const char *path, unsigned flags, gguf_error *err) {
    size_t prefix_len;
    unsigned part, count;
    if (!gguf_split_parse_name(path, &prefix_len, &part, &count)) count = 1;
    if (!reserve_parts(s, count)) return fail(err, GQ_ERR_NOMEM, "%s: out of memory", path);
    for (unsigned i = 0; i < count; i++) {
        s->paths[i] = count == 1 ? dup_str(path) : gguf_split_part_path(path, prefix_len, i + 1, count);
        if (!s->paths[i]) return fail(err, GQ_ERR_NOMEM, "%s: out of memory", path);
        gq_status st = open_part(s, i, flags, err);
        if (st != GQ_OK) return st;
    }
    return GQ_OK;
}

/* llama.cpp's loader: the first file's split.count decides. */
static gq_status open_as_llama(gguf_split *s, const char *path, unsigned flags, gguf_error *err) {
    if (!reserve_parts(s, 1) || !(s->paths[0] = dup_str(path)))
        return fail(err, GQ_ERR_NOMEM, "%s: out of memory", path);
    gq_status st = open_part(s, 0, flags, err);
    if (st != GQ_OK) return st;
    uint64_t count = 0, no = 0, declared_tensors = 0;
    if (gguf_find_key(s->parts[0], "split.count") >= 0 && !gguf_get_u64(s->parts[0], "split.count", &count))
        return fail(err, GQ_ERR_FORMAT, "%s: split.count is not an unsigned integer", path);
    if (count <= 1) return GQ_OK; /* one file, whatever its name */
    if (count > SPLIT_MAX_PARTS)
        return fail(err, GQ_ERR_FORMAT, "%s: split.count %llu is over %u", path, (unsigned long long)count,
                    SPLIT_MAX_PARTS);
    if (!gguf_get_u64(s->parts[0], "split.no", &no))
        return fail(err, GQ_ERR_FORMAT, "%s: split.count is %llu but split.no is missing", path,
                    (unsigned long long)count);
    if (no != 0)
        return fail(err, GQ_ERR_FORMAT, "%s: this is part %llu of %llu of a split model: give the first part",
                    path, (unsigned long long)no + 1, (unsigned long long)count);
    size_t prefix_len;
    unsigned name_part, name_count;
    if (!gguf_split_parse_name(path, &prefix_len, &name_part, &name_count) || name_part != 1 ||
        name_count != count)
        return fail(err, GQ_ERR_FORMAT,
                    "%s: split.count is %llu, so the file must be named <prefix>-00001-of-%05llu.gguf to find the other parts",
                    path, (unsigned long long)count, (unsigned long long)count);
    if (!gguf_get_u64(s->parts[0], "split.tensors.count", &declared_tensors))
        return fail(err, GQ_ERR_FORMAT, "%s: split.tensors.count is missing", path);

    gguf_file *first = s->parts[0];
    free(s->parts);
    s->parts = NULL;
    s->n_parts = 0;
    char *first_path = s->paths[0];
    free(s->paths);
    s->paths = NULL;
    if (!reserve_parts(s, (size_t)count)) {
        gguf_close(first);
        free(first_path);
        return fail(err, GQ_ERR_NOMEM, "%s: out of memory", path);
    }
    s->parts[0] = first;
    s->paths[0] = first_path;
    s->n_parts = 1;
    uint64_t tensors = gguf_tensor_count(first);
    for (unsigned i = 1; i < (unsigned)count; i++) {
        if (!(s->paths[i] = gguf_split_part_path(path, prefix_len, i + 1, (unsigned)count)))
            return fail(err, GQ_ERR_NOMEM, "%s: out of memory", path);
        if ((st = open_part(s, i, flags, err)) != GQ_OK) return st;
        if (!gguf_get_u64(s->parts[i], "split.no", &no))
            return fail(err, GQ_ERR_FORMAT, "%s: split.no is missing: not a part of a split model", s->paths[i]);
        if (no != i)
            return fail(err, GQ_ERR_FORMAT, "%s: split.no is %llu, expected %u: a part of another split?",
                        s->paths[i], (unsigned long long)no, i);
        tensors += gguf_tensor_count(s->parts[i]);
    }
    if (tensors != declared_tensors) {
        s->failed = 0;
        return fail(err, GQ_ERR_FORMAT, "%s: split.tensors.count is %llu but the %llu parts hold %llu tensors", path,
                    (unsigned long long)declared_tensors, (unsigned long long)count, (unsigned long long)tensors);
    }
    return GQ_OK;
}

gq_status gguf_split_open(gguf_split *s, const char *path, unsigned flags, gguf_split_rule rule,
                          gguf_error *err) {
    memset(s, 0, sizeof *s);
    if (err) memset(err, 0, sizeof *err);
    return rule == GGUF_SPLIT_AS_LLAMA ? open_as_llama(s, path, flags, err) : open_by_name(s, path, flags, err);
}

void gguf_split_close(gguf_split *s) {
    for (size_t i = 0; i < s->n_parts; i++) gguf_close(s->parts[i]);
    if (s->paths)
        for (size_t i = 0; i < s->n_expected; i++) free(s->paths[i]);
    free(s->parts);
    free(s->paths);
    memset(s, 0, sizeof *s);
}
