/* Formatting helpers for the report writers (format.h). */
#include "compare/format.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gq/ftype.h"

char *cmp_fmt_sig(double v, int digits, char *buf, size_t cap) {
    if (isnan(v)) snprintf(buf, cap, "-");
    else if (isinf(v)) snprintf(buf, cap, v > 0 ? "inf" : "-inf");
    else if (v == 0) snprintf(buf, cap, "0");
    else snprintf(buf, cap, "%.*g", digits, v);
    return buf;
}

char *cmp_fmt_db(double v, char *buf, size_t cap) {
    if (isnan(v)) snprintf(buf, cap, "-");
    else if (isinf(v)) snprintf(buf, cap, v > 0 ? "inf" : "-inf");
    else snprintf(buf, cap, "%.1f", v);
    return buf;
}

char *cmp_fmt_pct(double share, char *buf, size_t cap) {
    if (!isfinite(share)) snprintf(buf, cap, "-");
    else snprintf(buf, cap, "%.1f%%", share * 100.0);
    return buf;
}

char *cmp_fmt_shape(const gguf_tensor *t, char *buf, size_t cap) {
    size_t used = 0;
    uint32_t dims = t->n_dims ? t->n_dims : 1;
    buf[0] = 0;
    for (uint32_t d = 0; d < dims && d < GGUF_MAX_DIMS && used < cap; d++)
        used += (size_t)snprintf(buf + used, cap - used, d ? "x%llu" : "%llu", (unsigned long long)t->ne[d]);
    return buf;
}

char *cmp_str(gguf_str s, char *buf, size_t cap) {
    size_t n = s.len < cap - 1 ? (size_t)s.len : cap - 1;
    if (n) memcpy(buf, s.ptr, n);
    buf[n] = 0;
    return buf;
}

char *cmp_fmt_value_type(const gguf_value *v, char *buf, size_t cap) {
    if (v->type == GGUF_TYPE_ARRAY) snprintf(buf, cap, "array<%s>", gguf_value_type_name(v->v.arr.type));
    else snprintf(buf, cap, "%s", gguf_value_type_name(v->type));
    return buf;
}

static void quoted(const gguf_str s, size_t max, char *buf, size_t cap) {
    size_t o = 0;
    if (cap < 8) {
        buf[0] = 0;
        return;
    }
    buf[o++] = '"';
    size_t shown = 0;
    for (uint64_t i = 0; i < s.len; i++) {
        unsigned char c = (unsigned char)s.ptr[i];
        char esc[8];
        size_t n;
        if (c == '\n') n = (size_t)snprintf(esc, sizeof esc, "\\n");
        else if (c == '\t') n = (size_t)snprintf(esc, sizeof esc, "\\t");
        else if (c == '"' || c == '\\') n = (size_t)snprintf(esc, sizeof esc, "\\%c", c);
        else if (c < 0x20 || c == 0x7f) n = (size_t)snprintf(esc, sizeof esc, "\\x%02x", c);
        else {
            esc[0] = (char)c;
            n = 1;
        }
        /* Count code points, not bytes, toward the visible length. */
        if ((c & 0xc0) != 0x80) shown++;
        if (shown > max || o + n + 5 >= cap) {
            /* Do not end inside a UTF-8 sequence. */
            while (o > 1 && ((unsigned char)buf[o - 1] & 0xc0) == 0x80) o--;
            if (o > 1 && ((unsigned char)buf[o - 1] & 0xc0) == 0xc0) o--;
            memcpy(buf + o, "...", 3);
            o += 3;
            break;
        }
        memcpy(buf + o, esc, n);
        o += n;
    }
    buf[o++] = '"';
    buf[o] = 0;
}

char *cmp_fmt_value(const gguf_value *v, size_t max, char *buf, size_t cap) {
    char tmp[40];
    switch (v->type) {
    case GGUF_TYPE_UINT8:
    case GGUF_TYPE_UINT16:
    case GGUF_TYPE_UINT32:
    case GGUF_TYPE_UINT64: snprintf(buf, cap, "%llu", (unsigned long long)v->v.u64); break;
    case GGUF_TYPE_INT8:
    case GGUF_TYPE_INT16:
    case GGUF_TYPE_INT32:
    case GGUF_TYPE_INT64: snprintf(buf, cap, "%lld", (long long)v->v.i64); break;
    case GGUF_TYPE_FLOAT32:
    case GGUF_TYPE_FLOAT64:
        /* Enough digits to tell two different values apart. */
        snprintf(tmp, sizeof tmp, "%.9g", v->v.f64);
        if (v->type == GGUF_TYPE_FLOAT64 || strtod(tmp, NULL) != v->v.f64) snprintf(tmp, sizeof tmp, "%.17g", v->v.f64);
        snprintf(buf, cap, "%s", tmp);
        break;
    case GGUF_TYPE_BOOL: snprintf(buf, cap, "%s", v->v.b ? "true" : "false"); break;
    case GGUF_TYPE_STRING: quoted(v->v.str, max, buf, cap); break;
    case GGUF_TYPE_ARRAY:
        snprintf(buf, cap, "[%s x %llu]", gguf_value_type_name(v->v.arr.type), (unsigned long long)v->v.arr.len);
        break;
    default: snprintf(buf, cap, "?"); break;
    }
    return buf;
}

void cmp_esc_html(FILE *out, const char *s, size_t len) {
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        switch (c) {
        case '&': fputs("&amp;", out); break;
        case '<': fputs("&lt;", out); break;
        case '>': fputs("&gt;", out); break;
        case '"': fputs("&quot;", out); break;
        case '\'': fputs("&#39;", out); break;
        default:
            if (c < 0x20 && c != '\n' && c != '\t') fprintf(out, "&#xfffd;");
            else fputc(c, out);
        }
    }
}

void cmp_esc_markdown(FILE *out, const char *s, size_t len) {
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        /* HTML is live in Markdown: angle brackets and ampersands become
         * entities, which every renderer shows as the character. */
        if (c == '<') fputs("&lt;", out);
        else if (c == '>') fputs("&gt;", out);
        else if (c == '&') fputs("&amp;", out);
        /* Characters that would end a cell or start emphasis, code or links. */
        else if (c && strchr("|\\`*_[]#", c)) {
            fputc('\\', out);
            fputc(c, out);
        } else if (c == '\n' || c == '\r' || c == '\t') {
            fputc(' ', out);
        } else if (c < 0x20) {
            fputs("\xef\xbf\xbd", out);
        } else {
            fputc(c, out);
        }
    }
}

void cmp_esc_csv(FILE *out, const char *s, size_t len) {
    bool quote = false;
    for (size_t i = 0; i < len; i++)
        if (s[i] == ',' || s[i] == '"' || s[i] == '\n' || s[i] == '\r') quote = true;
    if (!quote) {
        fwrite(s, 1, len, out);
        return;
    }
    fputc('"', out);
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '"') fputc('"', out);
        fputc(s[i], out);
    }
    fputc('"', out);
}

const char *cmp_file_type_name(const cmp_model *m) {
    if (m->file_type < 0 || m->file_type > 0x7fffffff) return "-";
    const gq_ftype_info *fi = gq_ftype_get((int)m->file_type);
    return fi ? fi->name : "unknown";
}
