/* Streaming JSON writer: see json.h. */
#include "cli/json.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

void gq_json_init(gq_json *j, FILE *out, bool pretty) {
    memset(j, 0, sizeof *j);
    j->out = out;
    j->pretty = pretty;
}

static void newline_indent(gq_json *j, int level) {
    if (!j->pretty) return;
    fputc('\n', j->out);
    for (int i = 0; i < level; i++) fputs("  ", j->out);
}

/* Everything a value needs before its first character: the comma after the
 * previous sibling and the indentation.  A value that follows a key sits on
 * the key's line. */
static void before_value(gq_json *j) {
    if (j->after_key) {
        j->after_key = false;
        return;
    }
    if (j->depth > 0) {
        if (j->count[j->depth - 1]++ > 0) fputc(',', j->out);
        newline_indent(j, j->depth);
    }
}

static void open_container(gq_json *j, char c) {
    before_value(j);
    if (j->depth >= GQ_JSON_MAX_DEPTH) {
        j->error = true;
        return;
    }
    fputc(c, j->out);
    j->count[j->depth++] = 0;
}

static void close_container(gq_json *j, char c) {
    if (j->depth <= 0 || j->after_key) {
        j->error = true;
        return;
    }
    j->depth--;
    /* Empty containers stay on one line: "[]", "{}". */
    if (j->count[j->depth] > 0) newline_indent(j, j->depth);
    fputc(c, j->out);
}

void gq_json_begin_object(gq_json *j) { open_container(j, '{'); }
void gq_json_end_object(gq_json *j) { close_container(j, '}'); }
void gq_json_begin_array(gq_json *j) { open_container(j, '['); }
void gq_json_end_array(gq_json *j) { close_container(j, ']'); }

/* Length of the valid UTF-8 sequence at s (1-4), or 0 when the bytes there
 * are not valid UTF-8: a stray continuation byte, a truncated sequence, an
 * overlong encoding, a UTF-16 surrogate or a code point above U+10FFFF. */
static size_t utf8_sequence_length(const unsigned char *s, size_t avail) {
    unsigned char c = s[0];
    size_t len;
    uint32_t cp;
    if (c < 0x80) return 1;
    if (c >= 0xC2 && c <= 0xDF) { len = 2; cp = c & 0x1Fu; }
    else if (c >= 0xE0 && c <= 0xEF) { len = 3; cp = c & 0x0Fu; }
    else if (c >= 0xF0 && c <= 0xF4) { len = 4; cp = c & 0x07u; }
    else return 0; /* 0x80-0xC1 (continuation or overlong lead), 0xF5-0xFF */
    if (avail < len) return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (s[i] & 0x3Fu);
    }
    if (len == 3 && cp < 0x800) return 0;                 /* overlong */
    if (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) return 0;
    if (cp >= 0xD800 && cp <= 0xDFFF) return 0;           /* surrogate */
    return len;
}

void gq_json_write_escaped(FILE *out, const char *s, size_t len) {
    const unsigned char *p = (const unsigned char *)s;
    fputc('"', out);
    size_t i = 0;
    while (i < len) {
        unsigned char c = p[i];
        if (c == '"') { fputs("\\\"", out); i++; continue; }
        if (c == '\\') { fputs("\\\\", out); i++; continue; }
        if (c < 0x20 || c == 0x7F) {
            switch (c) {
            case '\b': fputs("\\b", out); break;
            case '\f': fputs("\\f", out); break;
            case '\n': fputs("\\n", out); break;
            case '\r': fputs("\\r", out); break;
            case '\t': fputs("\\t", out); break;
            default: fprintf(out, "\\u%04x", (unsigned)c); break;
            }
            i++;
            continue;
        }
        size_t n = utf8_sequence_length(p + i, len - i);
        if (n == 0) {
            /* One replacement per bad byte: the output length stays
             * proportional to the input and resynchronises at once. */
            fputs("\\ufffd", out);
            i++;
            continue;
        }
        fwrite(p + i, 1, n, out);
        i += n;
    }
    fputc('"', out);
}

void gq_json_key_n(gq_json *j, const char *key, size_t len) {
    if (j->depth <= 0 || j->after_key) {
        j->error = true;
        return;
    }
    before_value(j);
    gq_json_write_escaped(j->out, key, len);
    fputs(j->pretty ? ": " : ":", j->out);
    j->after_key = true;
}

void gq_json_key(gq_json *j, const char *key) { gq_json_key_n(j, key, strlen(key)); }

void gq_json_string_n(gq_json *j, const char *s, size_t len) {
    before_value(j);
    gq_json_write_escaped(j->out, s, len);
}

void gq_json_string(gq_json *j, const char *s) {
    if (!s) {
        gq_json_null(j);
        return;
    }
    gq_json_string_n(j, s, strlen(s));
}

void gq_json_int(gq_json *j, int64_t v) {
    before_value(j);
    fprintf(j->out, "%" PRId64, v);
}

void gq_json_uint(gq_json *j, uint64_t v) {
    before_value(j);
    fprintf(j->out, "%" PRIu64, v);
}

char *gq_json_format_double(double v, char *buf, size_t size) {
    if (!isfinite(v)) {
        snprintf(buf, size, "null");
        return buf;
    }
    /* %.17g always round-trips a double, but prints 0.1 as
     * 0.10000000000000001; the shortest precision that reads back equal is
     * what a person (and a diff) wants to see. */
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, size, "%.*g", prec, v);
        if (strtod(buf, NULL) == v) break;
    }
    return buf;
}

void gq_json_double(gq_json *j, double v) {
    char buf[40];
    before_value(j);
    fputs(gq_json_format_double(v, buf, sizeof buf), j->out);
}

void gq_json_bool(gq_json *j, bool v) {
    before_value(j);
    fputs(v ? "true" : "false", j->out);
}

void gq_json_null(gq_json *j) {
    before_value(j);
    fputs("null", j->out);
}

void gq_json_raw(gq_json *j, const char *json_text) {
    before_value(j);
    fputs(json_text, j->out);
}

void gq_json_kv_string(gq_json *j, const char *key, const char *v) { gq_json_key(j, key); gq_json_string(j, v); }
void gq_json_kv_int(gq_json *j, const char *key, int64_t v) { gq_json_key(j, key); gq_json_int(j, v); }
void gq_json_kv_uint(gq_json *j, const char *key, uint64_t v) { gq_json_key(j, key); gq_json_uint(j, v); }
void gq_json_kv_double(gq_json *j, const char *key, double v) { gq_json_key(j, key); gq_json_double(j, v); }
void gq_json_kv_bool(gq_json *j, const char *key, bool v) { gq_json_key(j, key); gq_json_bool(j, v); }
void gq_json_kv_null(gq_json *j, const char *key) { gq_json_key(j, key); gq_json_null(j); }

int gq_json_finish(gq_json *j) {
    if (j->depth != 0 || j->after_key) j->error = true;
    fputc('\n', j->out);
    if (fflush(j->out) != 0 || ferror(j->out)) j->error = true;
    return j->error ? -1 : 0;
}
