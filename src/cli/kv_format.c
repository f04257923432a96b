/* Metadata value formatting: see kv_format.h. */
#include "cli/kv_format.h"

#include <inttypes.h>
#include <string.h>

#include "cli/fmt.h"

char *gq_kv_type_text(const gguf_value *v, char *buf, size_t size) {
    if (v->type == GGUF_TYPE_ARRAY)
        snprintf(buf, size, "%s[%" PRIu64 "]", gguf_value_type_name(v->v.arr.type), v->v.arr.len);
    else
        snprintf(buf, size, "%s", gguf_value_type_name(v->type));
    return buf;
}

/* Length of a valid UTF-8 sequence at s, 0 if invalid (same rules as the
 * JSON writer: no overlongs, no surrogates, nothing above U+10FFFF). */
static size_t utf8_len(const unsigned char *s, uint64_t avail) {
    unsigned char c = s[0];
    size_t len;
    uint32_t cp;
    if (c < 0x80) return 1;
    if (c >= 0xC2 && c <= 0xDF) { len = 2; cp = c & 0x1Fu; }
    else if (c >= 0xE0 && c <= 0xEF) { len = 3; cp = c & 0x0Fu; }
    else if (c >= 0xF0 && c <= 0xF4) { len = 4; cp = c & 0x07u; }
    else return 0;
    if (avail < len) return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (s[i] & 0x3Fu);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF))) return 0;
    if (cp >= 0xD800 && cp <= 0xDFFF) return 0;
    return len;
}

/* Escaped text of s; returns the number of characters written (for the
 * cut-off), stopping after max_chars characters when max_chars > 0. */
static uint64_t write_escaped(FILE *out, const char *s, uint64_t len, bool quotes, uint64_t max_chars,
                              uint64_t *consumed) {
    const unsigned char *p = (const unsigned char *)s;
    uint64_t i = 0, chars = 0;
    while (i < len && (max_chars == 0 || chars < max_chars)) {
        unsigned char c = p[i];
        size_t n = utf8_len(p + i, len - i);
        if (c == '\n') fputs("\\n", out);
        else if (c == '\t') fputs("\\t", out);
        else if (c == '\r') fputs("\\r", out);
        else if (c == '\\') fputs("\\\\", out);
        else if (c == '"' && quotes) fputs("\\\"", out);
        else if (c < 0x20 || c == 0x7F || n == 0) fprintf(out, "\\x%02x", c);
        else {
            fwrite(p + i, 1, n, out);
            i += n;
            chars++;
            continue;
        }
        i++;
        chars++;
    }
    *consumed = i;
    return chars;
}

void gq_text_quoted(FILE *out, const char *s, uint64_t len, uint64_t max_chars) {
    uint64_t consumed;
    fputc('"', out);
    write_escaped(out, s, len, true, max_chars, &consumed);
    fputc('"', out);
    if (consumed < len) fprintf(out, "... (%" PRIu64 " bytes)", len);
}

void gq_text_plain(FILE *out, const char *s, uint64_t len) {
    uint64_t consumed;
    write_escaped(out, s, len, false, 0, &consumed);
}

static void scalar_text(FILE *out, const gguf_value *v, uint64_t max_chars) {
    char buf[GQ_FMT_BUF];
    switch (v->type) {
    case GGUF_TYPE_UINT8: case GGUF_TYPE_UINT16: case GGUF_TYPE_UINT32: case GGUF_TYPE_UINT64:
        fprintf(out, "%" PRIu64, v->v.u64);
        break;
    case GGUF_TYPE_INT8: case GGUF_TYPE_INT16: case GGUF_TYPE_INT32: case GGUF_TYPE_INT64:
        fprintf(out, "%" PRId64, v->v.i64);
        break;
    case GGUF_TYPE_FLOAT32:
        fputs(gq_fmt_float32((float)v->v.f64, false, buf, sizeof buf), out);
        break;
    case GGUF_TYPE_FLOAT64:
        fputs(gq_json_format_double(v->v.f64, buf, sizeof buf), out);
        break;
    case GGUF_TYPE_BOOL:
        fputs(v->v.b ? "true" : "false", out);
        break;
    case GGUF_TYPE_STRING:
        gq_text_quoted(out, v->v.str.ptr, v->v.str.len, max_chars);
        break;
    default:
        fputs("?", out);
        break;
    }
}

void gq_kv_value_text(FILE *out, const gguf_file *f, const gguf_value *v, uint64_t max_items, uint64_t max_chars) {
    if (v->type != GGUF_TYPE_ARRAY) {
        scalar_text(out, v, max_chars);
        return;
    }
    const uint64_t len = v->v.arr.len;
    const uint64_t shown = max_items && max_items < len ? max_items : len;
    gguf_array_iter it;
    gguf_array_iter_init(&it, f, v);
    fputc('[', out);
    for (uint64_t i = 0; i < shown; i++) {
        gguf_value e;
        if (!gguf_array_next(&it, &e)) {
            fputs("<unreadable>", out);
            break;
        }
        if (i) fputs(", ", out);
        if (e.type == GGUF_TYPE_ARRAY) {
            char t[64];
            fprintf(out, "<%s>", gq_kv_type_text(&e, t, sizeof t));
        } else {
            /* Strings inside arrays are cut shorter: tokens are short, and
             * a long one should not push the line off the screen. */
            scalar_text(out, &e, max_chars ? 40 : 0);
        }
    }
    if (shown < len) fprintf(out, ", ... (%" PRIu64 " more)", len - shown);
    fputc(']', out);
}

static void scalar_json(gq_json *j, const gguf_value *v) {
    char buf[GQ_FMT_BUF];
    switch (v->type) {
    case GGUF_TYPE_UINT8: case GGUF_TYPE_UINT16: case GGUF_TYPE_UINT32: case GGUF_TYPE_UINT64:
        gq_json_uint(j, v->v.u64);
        break;
    case GGUF_TYPE_INT8: case GGUF_TYPE_INT16: case GGUF_TYPE_INT32: case GGUF_TYPE_INT64:
        gq_json_int(j, v->v.i64);
        break;
    case GGUF_TYPE_FLOAT32:
        gq_json_raw(j, gq_fmt_float32((float)v->v.f64, true, buf, sizeof buf));
        break;
    case GGUF_TYPE_FLOAT64:
        gq_json_double(j, v->v.f64);
        break;
    case GGUF_TYPE_BOOL:
        gq_json_bool(j, v->v.b);
        break;
    case GGUF_TYPE_STRING:
        gq_json_string_n(j, v->v.str.ptr, (size_t)v->v.str.len);
        break;
    default:
        gq_json_null(j);
        break;
    }
}

void gq_kv_value_json(gq_json *j, const gguf_file *f, const gguf_value *v, uint64_t max_items) {
    if (v->type != GGUF_TYPE_ARRAY) {
        scalar_json(j, v);
        return;
    }
    const uint64_t len = v->v.arr.len;
    const uint64_t shown = max_items && max_items < len ? max_items : len;
    gguf_array_iter it;
    gguf_array_iter_init(&it, f, v);
    gq_json_begin_array(j);
    for (uint64_t i = 0; i < shown; i++) {
        gguf_value e;
        if (!gguf_array_next(&it, &e)) break;
        if (e.type == GGUF_TYPE_ARRAY) gq_kv_value_json(j, f, &e, max_items); /* depth bounded by the reader */
        else scalar_json(j, &e);
    }
    gq_json_end_array(j);
}
