/* The bounded JSON reader (see json_read.h).
 *
 * One pass over the input with an explicit state and a stack of the open
 * containers; scalars are appended as nodes as they are met, containers get
 * their `end` when they close.  Every allocation is bounded by the limits:
 * the node array grows by doubling up to max_nodes, the text buffer is
 * sized once to the input length (decoded text is never longer than its
 * source), the container stack to max_depth. */
#include "store/json_read.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const gq_jr_limits gq_jr_default_limits = {16u << 20, 64, 1u << 20};

typedef enum expect {
    EXPECT_VALUE,            /* a value (top level, after ':' or after ',' in an array) */
    EXPECT_VALUE_OR_CLOSE,   /* just after '[' */
    EXPECT_KEY,              /* after ',' in an object */
    EXPECT_KEY_OR_CLOSE,     /* just after '{' */
    EXPECT_SEPARATOR,        /* after a value: ',' or the container's close (or the end) */
} expect;

typedef struct key_span {
    const char *p;
    size_t len;
} key_span;

typedef struct parser {
    const unsigned char *in;
    size_t len, pos;
    gq_jr_limits lim;
    gq_jr_doc *doc;
    size_t node_cap;
    size_t *stack; /* indices of the open containers */
    size_t depth;
    key_span *keys; /* scratch for the duplicate-key check */
    size_t keys_cap;
    gq_jr_error *err;
} parser;

/* ------------------------------------------------------------ errors */

static bool fail_at(parser *p, size_t offset, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static bool fail_at(parser *p, size_t offset, const char *fmt, ...) {
    gq_jr_error *e = p->err;
    if (!e) return false;
    e->offset = offset;
    e->line = 1;
    e->column = 1;
    for (size_t i = 0; i < offset && i < p->len; i++) {
        if (p->in[i] == '\n') {
            e->line++;
            e->column = 1;
        } else {
            e->column++;
        }
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->message, sizeof e->message, fmt, ap);
    va_end(ap);
    return false;
}

/* The byte at `pos` for a message: printable as itself, else as \xNN. */
static const char *shown_byte(const parser *p, size_t pos, char buf[8]) {
    if (pos >= p->len) return "end of input";
    unsigned c = p->in[pos];
    if (c >= 0x21 && c < 0x7f) snprintf(buf, 8, "'%c'", (char)c);
    else snprintf(buf, 8, "\\x%02X", c);
    return buf;
}

/* ------------------------------------------------------------ nodes */

static size_t add_node(parser *p, gq_jr_kind kind, size_t offset) {
    gq_jr_doc *d = p->doc;
    if (d->n_nodes >= p->lim.max_nodes) {
        fail_at(p, offset, "more than %zu values: refused", p->lim.max_nodes);
        return GQ_JR_NONE;
    }
    if (d->n_nodes == p->node_cap) {
        size_t cap = p->node_cap ? p->node_cap * 2 : 64;
        if (cap > p->lim.max_nodes) cap = p->lim.max_nodes;
        gq_jr_node *n = realloc(d->nodes, cap * sizeof *n);
        if (!n) {
            fail_at(p, offset, "out of memory");
            return GQ_JR_NONE;
        }
        d->nodes = n;
        p->node_cap = cap;
    }
    size_t i = d->n_nodes++;
    gq_jr_node *n = &d->nodes[i];
    memset(n, 0, sizeof *n);
    n->kind = (uint8_t)kind;
    n->end = (uint32_t)(i + 1);
    n->offset = (uint32_t)offset;
    return i;
}

/* A value (or key) joins the innermost open container. */
static bool count_in_parent(parser *p, size_t offset) {
    if (!p->depth) return true;
    gq_jr_node *c = &p->doc->nodes[p->stack[p->depth - 1]];
    if (c->count == UINT32_MAX) return fail_at(p, offset, "too many elements in one container");
    c->count++;
    return true;
}

/* ------------------------------------------------------------ strings */

static int hex_value(unsigned c) {
    if (c >= '0' && c <= '9') return (int)(c - '0');
    if (c >= 'a' && c <= 'f') return (int)(c - 'a' + 10);
    if (c >= 'A' && c <= 'F') return (int)(c - 'A' + 10);
    return -1;
}

/* Four hex digits at pos (after "\u"), or -1. */
static long read_hex4(const parser *p, size_t pos) {
    if (pos + 4 > p->len) return -1;
    long v = 0;
    for (size_t k = 0; k < 4; k++) {
        int h = hex_value(p->in[pos + k]);
        if (h < 0) return -1;
        v = v * 16 + h;
    }
    return v;
}

static size_t put_utf8(char *out, unsigned long cp) {
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Length of the well-formed UTF-8 sequence at pos (2-4 bytes, lead byte
 * >= 0x80), or 0: overlong forms, surrogates (U+D800..DFFF) and code points
 * above U+10FFFF are not UTF-8 (RFC 3629). */
static size_t utf8_sequence(const parser *p, size_t pos) {
    const unsigned char *s = p->in + pos;
    const size_t left = p->len - pos;
    unsigned c = s[0];
    size_t n;
    unsigned lo = 0x80, hi = 0xBF; /* allowed range of the second byte */
    if (c >= 0xC2 && c <= 0xDF) n = 2;
    else if (c == 0xE0) n = 3, lo = 0xA0;
    else if (c >= 0xE1 && c <= 0xEC) n = 3;
    else if (c == 0xED) n = 3, hi = 0x9F;
    else if (c >= 0xEE && c <= 0xEF) n = 3;
    else if (c == 0xF0) n = 4, lo = 0x90;
    else if (c >= 0xF1 && c <= 0xF3) n = 4;
    else if (c == 0xF4) n = 4, hi = 0x8F;
    else return 0;
    if (left < n) return 0;
    if (s[1] < lo || s[1] > hi) return 0;
    for (size_t k = 2; k < n; k++)
        if (s[k] < 0x80 || s[k] > 0xBF) return 0;
    return n;
}

/* The string starting at the opening quote at p->pos: decoded into the
 * text buffer as a new STRING node.  Returns the node or GQ_JR_NONE. */
static size_t parse_string(parser *p) {
    const size_t start = p->pos;
    size_t node = add_node(p, GQ_JR_STRING, start);
    if (node == GQ_JR_NONE) return node;
    gq_jr_doc *d = p->doc;
    char *out = d->text + d->text_len;
    size_t n = 0;
    size_t pos = start + 1;
    for (;;) {
        if (pos >= p->len) {
            fail_at(p, start, "string not terminated");
            return GQ_JR_NONE;
        }
        unsigned c = p->in[pos];
        if (c == '"') {
            pos++;
            break;
        }
        if (c < 0x20) {
            fail_at(p, pos, "control character \\x%02X in a string (must be escaped)", c);
            return GQ_JR_NONE;
        }
        if (c >= 0x80) {
            size_t k = utf8_sequence(p, pos);
            if (!k) {
                fail_at(p, pos, "invalid UTF-8 in a string (byte \\x%02X)", c);
                return GQ_JR_NONE;
            }
            memcpy(out + n, p->in + pos, k);
            n += k;
            pos += k;
            continue;
        }
        if (c != '\\') {
            out[n++] = (char)c;
            pos++;
            continue;
        }
        if (pos + 1 >= p->len) {
            fail_at(p, start, "string not terminated");
            return GQ_JR_NONE;
        }
        unsigned e = p->in[pos + 1];
        char simple = 0;
        switch (e) {
        case '"': simple = '"'; break;
        case '\\': simple = '\\'; break;
        case '/': simple = '/'; break;
        case 'b': simple = '\b'; break;
        case 'f': simple = '\f'; break;
        case 'n': simple = '\n'; break;
        case 'r': simple = '\r'; break;
        case 't': simple = '\t'; break;
        case 'u': break;
        default: {
            char b[8];
            fail_at(p, pos, "invalid escape \\%s in a string", shown_byte(p, pos + 1, b));
            return GQ_JR_NONE;
        }
        }
        if (simple) {
            out[n++] = simple;
            pos += 2;
            continue;
        }
        long cp = read_hex4(p, pos + 2);
        if (cp < 0) {
            fail_at(p, pos, "\\u must be followed by four hex digits");
            return GQ_JR_NONE;
        }
        size_t used = 6;
        if (cp >= 0xDC00 && cp <= 0xDFFF) {
            fail_at(p, pos, "lone low surrogate \\u%04lX in a string", (unsigned long)cp);
            return GQ_JR_NONE;
        }
        if (cp >= 0xD800 && cp <= 0xDBFF) {
            /* UTF-16 pair: the low half must follow at once. */
            long low = pos + 7 < p->len && p->in[pos + 6] == '\\' && p->in[pos + 7] == 'u' ? read_hex4(p, pos + 8) : -1;
            if (low < 0xDC00 || low > 0xDFFF) {
                fail_at(p, pos, "high surrogate \\u%04lX not followed by a low surrogate", (unsigned long)cp);
                return GQ_JR_NONE;
            }
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
            used = 12;
        }
        /* Never longer than its source: 6 bytes give at most 3, 12 give 4. */
        n += put_utf8(out + n, (unsigned long)cp);
        pos += used;
    }
    out[n] = '\0';
    gq_jr_node *s = &d->nodes[node];
    s->text = (uint32_t)d->text_len;
    s->text_len = (uint32_t)n;
    d->text_len += n + 1;
    p->pos = pos;
    return node;
}

/* ------------------------------------------------------------ numbers and literals */

static bool is_digit(unsigned c) { return c >= '0' && c <= '9'; }

static bool parse_number(parser *p) {
    const size_t start = p->pos;
    size_t pos = start;
    if (pos < p->len && p->in[pos] == '-') pos++;
    if (pos >= p->len || !is_digit(p->in[pos])) return fail_at(p, start, "a number needs digits");
    if (p->in[pos] == '0') {
        pos++;
        if (pos < p->len && is_digit(p->in[pos])) return fail_at(p, start, "a number cannot have a leading zero");
    } else {
        while (pos < p->len && is_digit(p->in[pos])) pos++;
    }
    if (pos < p->len && p->in[pos] == '.') {
        pos++;
        if (pos >= p->len || !is_digit(p->in[pos])) return fail_at(p, start, "a number needs digits after '.'");
        while (pos < p->len && is_digit(p->in[pos])) pos++;
    }
    if (pos < p->len && (p->in[pos] == 'e' || p->in[pos] == 'E')) {
        pos++;
        if (pos < p->len && (p->in[pos] == '+' || p->in[pos] == '-')) pos++;
        if (pos >= p->len || !is_digit(p->in[pos])) return fail_at(p, start, "a number needs digits in its exponent");
        while (pos < p->len && is_digit(p->in[pos])) pos++;
    }
    size_t node = add_node(p, GQ_JR_NUMBER, start);
    if (node == GQ_JR_NONE) return false;
    gq_jr_doc *d = p->doc;
    const size_t n = pos - start;
    memcpy(d->text + d->text_len, p->in + start, n);
    d->text[d->text_len + n] = '\0';
    d->nodes[node].text = (uint32_t)d->text_len;
    d->nodes[node].text_len = (uint32_t)n;
    d->text_len += n + 1;
    p->pos = pos;
    return true;
}

static bool parse_literal(parser *p) {
    static const struct {
        const char *word;
        gq_jr_kind kind;
    } words[] = {{"true", GQ_JR_TRUE}, {"false", GQ_JR_FALSE}, {"null", GQ_JR_NULL}};
    for (size_t w = 0; w < sizeof words / sizeof words[0]; w++) {
        size_t n = strlen(words[w].word);
        if (p->len - p->pos >= n && memcmp(p->in + p->pos, words[w].word, n) == 0) {
            if (add_node(p, words[w].kind, p->pos) == GQ_JR_NONE) return false;
            p->pos += n;
            return true;
        }
    }
    char b[8];
    return fail_at(p, p->pos, "unexpected %s where a value should be", shown_byte(p, p->pos, b));
}

/* ------------------------------------------------------------ containers */

static int compare_keys(const void *a, const void *b) {
    const key_span *x = a, *y = b;
    if (x->len != y->len) return x->len < y->len ? -1 : 1;
    return memcmp(x->p, y->p, x->len);
}

/* Same key twice in object `obj`: sorting the keys makes it O(n log n),
 * so a hostile object with a million members cannot make this quadratic. */
static bool check_duplicate_keys(parser *p, size_t obj) {
    const gq_jr_doc *d = p->doc;
    const size_t count = d->nodes[obj].count;
    if (count < 2) return true;
    if (count > p->keys_cap) {
        key_span *k = realloc(p->keys, count * sizeof *k);
        if (!k) return fail_at(p, d->nodes[obj].offset, "out of memory");
        p->keys = k;
        p->keys_cap = count;
    }
    size_t n = 0;
    for (size_t key = obj + 1; key < d->nodes[obj].end; key = d->nodes[key + 1].end)
        p->keys[n++] = (key_span){d->text + d->nodes[key].text, d->nodes[key].text_len};
    qsort(p->keys, n, sizeof *p->keys, compare_keys);
    for (size_t i = 1; i < n; i++) {
        if (compare_keys(&p->keys[i - 1], &p->keys[i]) == 0) {
            /* Report the second occurrence, where the reader notices it. */
            size_t seen = 0, at = d->nodes[obj].offset;
            for (size_t key = obj + 1; key < d->nodes[obj].end; key = d->nodes[key + 1].end) {
                if (d->nodes[key].text_len == p->keys[i].len &&
                    memcmp(d->text + d->nodes[key].text, p->keys[i].p, p->keys[i].len) == 0 && seen++ == 1) {
                    at = d->nodes[key].offset;
                    break;
                }
            }
            const int shown = p->keys[i].len > 60 ? 60 : (int)p->keys[i].len;
            return fail_at(p, at, "duplicate key \"%.*s\" in an object", shown, p->keys[i].p);
        }
    }
    return true;
}

static bool open_container(parser *p, gq_jr_kind kind) {
    if (p->depth >= p->lim.max_depth)
        return fail_at(p, p->pos, "nested deeper than %zu levels: refused", p->lim.max_depth);
    size_t node = add_node(p, kind, p->pos);
    if (node == GQ_JR_NONE) return false;
    p->stack[p->depth++] = node;
    p->pos++;
    return true;
}

static bool close_container(parser *p) {
    size_t node = p->stack[--p->depth];
    p->doc->nodes[node].end = (uint32_t)p->doc->n_nodes;
    p->pos++;
    if (p->doc->nodes[node].kind == GQ_JR_OBJECT) return check_duplicate_keys(p, node);
    return true;
}

/* ------------------------------------------------------------ the pass */

static void skip_space(parser *p) {
    while (p->pos < p->len) {
        unsigned c = p->in[p->pos];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r') break;
        p->pos++;
    }
}

static bool parse_value(parser *p, expect *state) {
    const unsigned c = p->pos < p->len ? p->in[p->pos] : 0;
    /* Object members were counted at their key. */
    const bool in_array = p->depth && p->doc->nodes[p->stack[p->depth - 1]].kind == GQ_JR_ARRAY;
    if (in_array && !count_in_parent(p, p->pos)) return false;
    if (c == '{') {
        if (!open_container(p, GQ_JR_OBJECT)) return false;
        *state = EXPECT_KEY_OR_CLOSE;
        return true;
    }
    if (c == '[') {
        if (!open_container(p, GQ_JR_ARRAY)) return false;
        *state = EXPECT_VALUE_OR_CLOSE;
        return true;
    }
    bool ok;
    if (c == '"') ok = parse_string(p) != GQ_JR_NONE;
    else if (c == '-' || is_digit(c)) ok = parse_number(p);
    else ok = parse_literal(p);
    *state = EXPECT_SEPARATOR;
    return ok;
}

static bool parse_key(parser *p, expect *state) {
    char b[8];
    if (p->pos >= p->len || p->in[p->pos] != '"')
        return fail_at(p, p->pos, "expected a member name (a string), found %s", shown_byte(p, p->pos, b));
    if (parse_string(p) == GQ_JR_NONE) return false;
    skip_space(p);
    if (p->pos >= p->len || p->in[p->pos] != ':')
        return fail_at(p, p->pos, "expected ':' after a member name, found %s", shown_byte(p, p->pos, b));
    p->pos++;
    *state = EXPECT_VALUE;
    return true;
}

static bool run(parser *p) {
    expect state = EXPECT_VALUE;
    char b[8];
    if (p->len >= 3 && p->in[0] == 0xEF && p->in[1] == 0xBB && p->in[2] == 0xBF)
        return fail_at(p, 0, "starts with a byte order mark (JSON text has none)");
    for (;;) {
        skip_space(p);
        switch (state) {
        case EXPECT_VALUE_OR_CLOSE:
            if (p->pos < p->len && p->in[p->pos] == ']') {
                if (!close_container(p)) return false;
                state = EXPECT_SEPARATOR;
                break;
            }
            /* fall through */
        case EXPECT_VALUE:
            if (p->pos >= p->len) {
                if (p->depth) return fail_at(p, p->pos, "input ends where a value should be");
                return fail_at(p, p->pos, "empty document: no value");
            }
            if (!parse_value(p, &state)) return false;
            break;
        case EXPECT_KEY_OR_CLOSE:
            if (p->pos < p->len && p->in[p->pos] == '}') {
                if (!close_container(p)) return false;
                state = EXPECT_SEPARATOR;
                break;
            }
            /* fall through */
        case EXPECT_KEY:
            if (!count_in_parent(p, p->pos) || !parse_key(p, &state)) return false;
            break;
        case EXPECT_SEPARATOR: {
            if (!p->depth) {
                if (p->pos < p->len)
                    return fail_at(p, p->pos, "unexpected %s after the end of the document", shown_byte(p, p->pos, b));
                return true;
            }
            const bool in_object = p->doc->nodes[p->stack[p->depth - 1]].kind == GQ_JR_OBJECT;
            const char close = in_object ? '}' : ']';
            if (p->pos >= p->len)
                return fail_at(p, p->pos, "input ends inside an %s (expected ',' or '%c')", in_object ? "object" : "array",
                               close);
            const unsigned c = p->in[p->pos];
            if (c == ',') {
                p->pos++;
                state = in_object ? EXPECT_KEY : EXPECT_VALUE;
                skip_space(p);
                if (p->pos < p->len && p->in[p->pos] == (unsigned char)close)
                    return fail_at(p, p->pos, "trailing ',' before '%c'", close);
            } else if (c == (unsigned char)close) {
                if (!close_container(p)) return false;
            } else {
                return fail_at(p, p->pos, "expected ',' or '%c' in an %s, found %s", close, in_object ? "object" : "array",
                               shown_byte(p, p->pos, b));
            }
            break;
        }
        }
    }
}

bool gq_jr_parse(const char *text, size_t len, const gq_jr_limits *limits, gq_jr_doc *doc, gq_jr_error *err) {
    memset(doc, 0, sizeof *doc);
    if (err) memset(err, 0, sizeof *err);
    parser p;
    memset(&p, 0, sizeof p);
    p.in = (const unsigned char *)text;
    p.len = len;
    p.lim = limits ? *limits : gq_jr_default_limits;
    /* Node fields are 32-bit: keep every index and offset representable. */
    if (p.lim.max_bytes > UINT32_MAX - 1) p.lim.max_bytes = UINT32_MAX - 1;
    if (p.lim.max_nodes > UINT32_MAX - 1) p.lim.max_nodes = UINT32_MAX - 1;
    if (p.lim.max_depth < 1) p.lim.max_depth = 1;
    p.doc = doc;
    p.err = err;
    if (len > p.lim.max_bytes) return fail_at(&p, 0, "document of %zu bytes is larger than the %zu accepted", len, p.lim.max_bytes);
    /* Decoded text (plus one NUL per string/number) never outgrows the
     * source: a string loses its two quotes and gains one NUL, a number
     * needs one more byte than its digits but is followed by a separator
     * or ends the input (hence +1). */
    p.stack = malloc(p.lim.max_depth * sizeof *p.stack);
    doc->text = malloc(len + 1);
    bool ok = p.stack && doc->text;
    if (!ok) fail_at(&p, 0, "out of memory");
    else ok = run(&p);
    free(p.stack);
    free(p.keys);
    if (!ok) gq_jr_free(doc);
    return ok;
}

void gq_jr_free(gq_jr_doc *doc) {
    if (!doc) return;
    free(doc->nodes);
    free(doc->text);
    memset(doc, 0, sizeof *doc);
}

/* ------------------------------------------------------------ access */

static const gq_jr_node *node_at(const gq_jr_doc *doc, size_t i) {
    return doc && i < doc->n_nodes ? &doc->nodes[i] : NULL;
}

gq_jr_kind gq_jr_kind_of(const gq_jr_doc *doc, size_t i) {
    const gq_jr_node *n = node_at(doc, i);
    return n ? (gq_jr_kind)n->kind : GQ_JR_NULL;
}

size_t gq_jr_first(const gq_jr_doc *doc, size_t i) {
    const gq_jr_node *n = node_at(doc, i);
    if (!n || !n->count) return GQ_JR_NONE;
    if (n->kind == GQ_JR_ARRAY) return i + 1;
    if (n->kind == GQ_JR_OBJECT) return i + 2; /* the first member's value */
    return GQ_JR_NONE;
}

size_t gq_jr_next(const gq_jr_doc *doc, size_t i, size_t child) {
    const gq_jr_node *n = node_at(doc, i), *c = node_at(doc, child);
    if (!n || !c) return GQ_JR_NONE;
    size_t next = c->end;
    if (n->kind == GQ_JR_OBJECT) next++; /* skip the next member's key */
    return next < n->end ? next : GQ_JR_NONE;
}

size_t gq_jr_find(const gq_jr_doc *doc, size_t i, const char *key) {
    const gq_jr_node *n = node_at(doc, i);
    if (!n || n->kind != GQ_JR_OBJECT) return GQ_JR_NONE;
    const size_t len = strlen(key);
    for (size_t k = i + 1; k < n->end; k = doc->nodes[k + 1].end) {
        const gq_jr_node *kn = &doc->nodes[k];
        if (kn->text_len == len && memcmp(doc->text + kn->text, key, len) == 0) return k + 1;
    }
    return GQ_JR_NONE;
}

const char *gq_jr_member_key(const gq_jr_doc *doc, size_t object, size_t value, size_t *len) {
    const gq_jr_node *o = node_at(doc, object);
    if (!o || o->kind != GQ_JR_OBJECT || value <= object + 1 || value >= o->end) return NULL;
    /* first/next hand out member values, each right after its key. */
    return gq_jr_string(doc, value - 1, len);
}

const char *gq_jr_string(const gq_jr_doc *doc, size_t i, size_t *len) {
    const gq_jr_node *n = node_at(doc, i);
    if (!n || n->kind != GQ_JR_STRING) return NULL;
    if (len) *len = n->text_len;
    return doc->text + n->text;
}

bool gq_jr_u64(const gq_jr_doc *doc, size_t i, uint64_t *out) {
    const gq_jr_node *n = node_at(doc, i);
    if (!n || n->kind != GQ_JR_NUMBER) return false;
    const char *s = doc->text + n->text;
    uint64_t v = 0;
    for (size_t k = 0; k < n->text_len; k++) {
        unsigned c = (unsigned char)s[k];
        if (!is_digit(c)) return false; /* '-', '.', 'e': not an unsigned integer */
        if (v > (UINT64_MAX - (c - '0')) / 10) return false;
        v = v * 10 + (c - '0');
    }
    *out = v;
    return true;
}

bool gq_jr_double(const gq_jr_doc *doc, size_t i, double *out) {
    const gq_jr_node *n = node_at(doc, i);
    if (!n || n->kind != GQ_JR_NUMBER) return false;
    errno = 0;
    char *end = NULL;
    double v = strtod(doc->text + n->text, &end);
    if (isinf(v) || (errno == ERANGE && v != 0)) return false;
    *out = v;
    return true;
}
