/* Error and warning text for the GGUF reader and writer.
 *
 * Message format (documented in include/gq/gguf.h):
 *     "<subject>: <problem> (at byte <offset>)"
 * where the subject names the thing at fault ("key 'general.alignment'",
 * "tensor 'blk.0.attn_q.weight'", "kv 3", "header") and the suffix repeats
 * gguf_error.offset so that a message printed on its own still says where.
 * Errors without a position (open, write, rename failures) have no suffix. */
#include <stdio.h>
#include <stdlib.h>

#include "gguf_internal.h"

#define GGUF_MAX_WARNINGS 256

void gguf__set_error(gguf_error *err, gq_status status, bool has_offset, uint64_t offset,
                     const char *fmt, ...) {
    if (!err) return;
    err->status = status;
    err->has_offset = has_offset;
    err->offset = has_offset ? offset : 0;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    if (n < 0) {
        err->message[0] = 0;
        n = 0;
    }
    if (has_offset && (size_t)n < sizeof err->message) {
        snprintf(err->message + n, sizeof err->message - (size_t)n, " (at byte %llu)",
                 (unsigned long long)offset);
    }
}

void gguf__describe_bytes(const uint8_t *p, uint64_t len, char *out, size_t out_size) {
    /* Names in messages come from hostile files: escape what a terminal
     * would interpret and keep the result short enough to read. */
    static const char hex[] = "0123456789abcdef";
    const uint64_t shown_max = 96;
    size_t o = 0;
    if (out_size < 8) {
        if (out_size) out[0] = 0;
        return;
    }
    for (uint64_t i = 0; i < len; i++) {
        uint8_t c = p[i];
        bool plain = c >= 0x20 && c < 0x7f && c != '\\' && c != '\'';
        size_t need = plain ? 1 : 4;
        /* room for this character, a possible "..." and the NUL */
        if (i == shown_max || o + need + 4 > out_size) {
            memcpy(out + o, "...", 3);
            o += 3;
            break;
        }
        if (plain) {
            out[o++] = (char)c;
        } else {
            out[o++] = '\\';
            out[o++] = 'x';
            out[o++] = hex[c >> 4];
            out[o++] = hex[c & 15];
        }
    }
    out[o] = 0;
}

bool gguf__warn(gguf_file *f, const char *fmt, ...) {
    /* A lenient open of a hostile file could produce one warning per kv;
     * keep the first ones and count the rest. */
    if (f->n_warnings >= GGUF_MAX_WARNINGS) {
        f->n_warnings_dropped++;
        return true;
    }
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n < 0) buf[0] = 0;
    if (f->n_warnings == 0) {
        f->warnings = calloc(GGUF_MAX_WARNINGS + 1, sizeof *f->warnings);
        if (!f->warnings) return false;
    }
    size_t len = strlen(buf);
    char *copy = malloc(len + 1);
    if (!copy) return false;
    memcpy(copy, buf, len + 1);
    f->warnings[f->n_warnings++] = copy;
    return true;
}

void gguf__finish_warnings(gguf_file *f) {
    if (f->n_warnings_dropped == 0 || !f->warnings) return;
    char buf[128];
    snprintf(buf, sizeof buf, "... and %llu more warnings", (unsigned long long)f->n_warnings_dropped);
    size_t len = strlen(buf);
    char *copy = malloc(len + 1);
    if (!copy) return;
    memcpy(copy, buf, len + 1);
    f->warnings[f->n_warnings++] = copy; /* the array has one spare slot for this */
}
