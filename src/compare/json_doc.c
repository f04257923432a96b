/* Recursive-descent JSON reader (json_doc.h). */
#include "compare/json_doc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 256

typedef struct parser {
    const char *p, *end, *start;
    char *err;
    size_t err_cap;
    bool failed;
} parser;

static void fail(parser *ps, const char *fmt, ...) {
    if (ps->failed) return;
    ps->failed = true;
    size_t line = 1;
    for (const char *q = ps->start; q < ps->p && q < ps->end; q++)
        if (*q == '\n') line++;
    char msg[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (ps->err && ps->err_cap) snprintf(ps->err, ps->err_cap, "line %zu: %s", line, msg);
}

static void skip_ws(parser *ps) {
    while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r')) ps->p++;
}

static bool push(json_node *n, json_node *child) {
    json_node **grown = realloc(n->items, (n->n + 1) * sizeof *grown);
    if (!grown) return false;
    n->items = grown;
    n->items[n->n++] = child;
    return true;
}

static int hex4(const char *s) {
    int v = 0;
    for (int i = 0; i < 4; i++) {
        char c = s[i];
        v <<= 4;
        if (c >= '0' && c <= '9') v |= c - '0';
        else if (c >= 'a' && c <= 'f') v |= c - 'a' + 10;
        else if (c >= 'A' && c <= 'F') v |= c - 'A' + 10;
        else return -1;
    }
    return v;
}

static size_t put_utf8(char *o, unsigned cp) {
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xc0 | (cp >> 6));
        o[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xe0 | (cp >> 12));
        o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        o[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    o[0] = (char)(0xf0 | (cp >> 18));
    o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
    o[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

static char *parse_string(parser *ps) {
    if (ps->p >= ps->end || *ps->p != '"') {
        fail(ps, "expected a string");
        return NULL;
    }
    ps->p++;
    const char *q = ps->p;
    while (q < ps->end && *q != '"') q += (*q == '\\') ? 2 : 1;
    if (q >= ps->end) {
        fail(ps, "unterminated string");
        return NULL;
    }
    /* Decoded text is never longer than the escaped text. */
    char *out = malloc((size_t)(q - ps->p) + 1), *o = out;
    if (!out) {
        fail(ps, "out of memory");
        return NULL;
    }
    while (ps->p < q) {
        unsigned char c = (unsigned char)*ps->p++;
        if (c < 0x20) {
            fail(ps, "control character in a string");
            free(out);
            return NULL;
        }
        if (c != '\\') {
            *o++ = (char)c;
            continue;
        }
        char e = *ps->p++;
        switch (e) {
        case '"': *o++ = '"'; break;
        case '\\': *o++ = '\\'; break;
        case '/': *o++ = '/'; break;
        case 'b': *o++ = '\b'; break;
        case 'f': *o++ = '\f'; break;
        case 'n': *o++ = '\n'; break;
        case 'r': *o++ = '\r'; break;
        case 't': *o++ = '\t'; break;
        case 'u': {
            int cp = q - ps->p >= 4 ? hex4(ps->p) : -1;
            if (cp < 0) {
                fail(ps, "bad \\u escape");
                free(out);
                return NULL;
            }
            ps->p += 4;
            unsigned u = (unsigned)cp;
            if (u >= 0xd800 && u < 0xdc00 && q - ps->p >= 6 && ps->p[0] == '\\' && ps->p[1] == 'u') {
                int lo = hex4(ps->p + 2);
                if (lo >= 0xdc00 && lo < 0xe000) {
                    u = 0x10000 + ((u - 0xd800) << 10) + ((unsigned)lo - 0xdc00);
                    ps->p += 6;
                }
            }
            o += put_utf8(o, u);
            break;
        }
        default:
            fail(ps, "bad escape \\%c", e);
            free(out);
            return NULL;
        }
    }
    ps->p = q + 1;
    *o = 0;
    return out;
}

static json_node *parse_value(parser *ps, int depth);

static json_node *new_node(parser *ps, json_kind kind) {
    json_node *n = calloc(1, sizeof *n);
    if (!n) fail(ps, "out of memory");
    else n->kind = kind;
    return n;
}

static json_node *parse_container(parser *ps, int depth, bool object) {
    json_node *n = new_node(ps, object ? JSON_OBJECT : JSON_ARRAY);
    if (!n) return NULL;
    ps->p++;
    skip_ws(ps);
    char close = object ? '}' : ']';
    if (ps->p < ps->end && *ps->p == close) {
        ps->p++;
        return n;
    }
    for (;;) {
        char *key = NULL;
        skip_ws(ps);
        if (object) {
            if (!(key = parse_string(ps))) break;
            skip_ws(ps);
            if (ps->p >= ps->end || *ps->p != ':') {
                fail(ps, "expected ':'");
                free(key);
                break;
            }
            ps->p++;
        }
        json_node *child = parse_value(ps, depth + 1);
        if (!child) {
            free(key);
            break;
        }
        child->key = key;
        if (!push(n, child)) {
            json_free(child);
            fail(ps, "out of memory");
            break;
        }
        skip_ws(ps);
        if (ps->p < ps->end && *ps->p == ',') {
            ps->p++;
            continue;
        }
        if (ps->p < ps->end && *ps->p == close) {
            ps->p++;
            return n;
        }
        fail(ps, "expected ',' or '%c'", close);
        break;
    }
    json_free(n);
    return NULL;
}

static json_node *parse_number(parser *ps) {
    const char *s = ps->p;
    if (s < ps->end && *s == '-') s++;
    if (s >= ps->end || *s < '0' || *s > '9') {
        fail(ps, "unexpected character");
        return NULL;
    }
    while (s < ps->end && ((*s >= '0' && *s <= '9') || *s == '.' || *s == 'e' || *s == 'E' || *s == '+' || *s == '-')) s++;
    char buf[64];
    size_t n = (size_t)(s - ps->p);
    if (n >= sizeof buf) {
        fail(ps, "number too long");
        return NULL;
    }
    memcpy(buf, ps->p, n);
    buf[n] = 0;
    char *endp;
    double v = strtod(buf, &endp);
    if (*endp) {
        fail(ps, "bad number '%s'", buf);
        return NULL;
    }
    json_node *node = new_node(ps, JSON_NUMBER);
    if (node) node->num = v;
    ps->p = s;
    return node;
}

static bool literal(parser *ps, const char *word) {
    size_t n = strlen(word);
    if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0) return false;
    ps->p += n;
    return true;
}

static json_node *parse_value(parser *ps, int depth) {
    if (depth > MAX_DEPTH) {
        fail(ps, "nested too deep");
        return NULL;
    }
    skip_ws(ps);
    if (ps->p >= ps->end) {
        fail(ps, "unexpected end");
        return NULL;
    }
    char c = *ps->p;
    if (c == '{' || c == '[') return parse_container(ps, depth, c == '{');
    if (c == '"') {
        char *s = parse_string(ps);
        if (!s) return NULL;
        json_node *n = new_node(ps, JSON_STRING);
        if (!n) free(s);
        else n->str = s;
        return n;
    }
    if (literal(ps, "null")) return new_node(ps, JSON_NULL);
    if (literal(ps, "true") || literal(ps, "false")) {
        json_node *n = new_node(ps, JSON_BOOL);
        if (n) n->b = ps->p[-1] == 'e' && ps->p[-2] == 'u';
        return n;
    }
    return parse_number(ps);
}

json_node *json_parse(const char *text, size_t len, char *err, size_t err_cap) {
    parser ps = { text, text + len, text, err, err_cap, false };
    json_node *root = parse_value(&ps, 0);
    if (root) {
        skip_ws(&ps);
        if (ps.p != ps.end) {
            fail(&ps, "text after the document");
            json_free(root);
            return NULL;
        }
    }
    return root;
}

void json_free(json_node *n) {
    if (!n) return;
    for (size_t i = 0; i < n->n; i++) json_free(n->items[i]);
    free(n->items);
    free(n->str);
    free(n->key);
    free(n);
}

const json_node *json_get(const json_node *n, const char *key) {
    if (!n || n->kind != JSON_OBJECT) return NULL;
    for (size_t i = 0; i < n->n; i++)
        if (strcmp(n->items[i]->key, key) == 0) return n->items[i];
    return NULL;
}

const json_node *json_at(const json_node *n, size_t i) {
    if (!n || (n->kind != JSON_ARRAY && n->kind != JSON_OBJECT) || i >= n->n) return NULL;
    return n->items[i];
}

double json_num(const json_node *n, double fallback) {
    return n && n->kind == JSON_NUMBER ? n->num : fallback;
}

const char *json_str(const json_node *n) { return n && n->kind == JSON_STRING ? n->str : NULL; }
