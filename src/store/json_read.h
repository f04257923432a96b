/* A small, bounded JSON reader for the files model stores keep on disk
 * (Ollama's manifests and config blobs).
 *
 * Those files come from the disk, not from us, so the reader treats them as
 * hostile: nesting is followed with an explicit stack of at most
 * `max_depth` levels (no recursion, so no stack to exhaust), the document
 * is refused above `max_bytes`, and the parsed tree is a flat array of at
 * most `max_nodes` small nodes plus one text buffer no larger than the
 * input.  Memory is therefore bounded by the limits, whatever the input.
 *
 * It reads standard JSON (RFC 8259) and nothing more: objects, arrays,
 * strings with every escape (\uXXXX surrogate pairs decoded to UTF-8),
 * numbers, true, false, null.  It refuses what a lenient reader would
 * guess at: invalid UTF-8, lone surrogates, control characters in strings,
 * leading zeros, trailing commas, comments, text after the value, a byte
 * order mark, and an object with the same key twice (readers disagree on
 * which one wins, so the file is ambiguous).
 *
 *   gq_jr_doc doc;
 *   gq_jr_error err;
 *   if (!gq_jr_parse(text, len, NULL, &doc, &err)) ... err.message, err.offset
 *   size_t layers = gq_jr_find(&doc, GQ_JR_ROOT, "layers");
 *   for (size_t l = gq_jr_first(&doc, layers); l != GQ_JR_NONE; l = gq_jr_next(&doc, layers, l)) ...
 *   gq_jr_free(&doc);
 */
#ifndef GQ_STORE_JSON_READ_H
#define GQ_STORE_JSON_READ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum gq_jr_kind {
    GQ_JR_NULL,
    GQ_JR_FALSE,
    GQ_JR_TRUE,
    GQ_JR_NUMBER,
    GQ_JR_STRING,
    GQ_JR_ARRAY,
    GQ_JR_OBJECT,
} gq_jr_kind;

/* One value.  Containers are followed by their contents (depth first), so
 * `end` (one past the last node of the subtree) skips a whole value.  An
 * object's contents are key, value, key, value ...: the key is a STRING
 * node. */
typedef struct gq_jr_node {
    uint8_t kind;      /* gq_jr_kind */
    uint32_t count;    /* ARRAY: elements; OBJECT: members */
    uint32_t end;      /* index one past this value's subtree */
    uint32_t text;     /* STRING: decoded text, NUMBER: its source text, in doc->text (NUL-terminated) */
    uint32_t text_len;
    uint32_t offset;   /* byte in the input where the value starts (for messages) */
} gq_jr_node;

typedef struct gq_jr_doc {
    gq_jr_node *nodes;
    size_t n_nodes;
    char *text;        /* decoded strings and number texts */
    size_t text_len;
} gq_jr_doc;

typedef struct gq_jr_limits {
    size_t max_bytes;  /* longest input accepted */
    size_t max_depth;  /* deepest nesting of arrays/objects */
    size_t max_nodes;  /* most values (keys count as values) */
} gq_jr_limits;

/* Defaults: 16 MiB, depth 64, 1,048,576 values (at most ~24 MiB of nodes). */
extern const gq_jr_limits gq_jr_default_limits;

typedef struct gq_jr_error {
    size_t offset;       /* byte of the input where the problem is */
    size_t line, column; /* 1-based, column in bytes */
    char message[200];   /* "expected ',' or '}' after an object member" */
} gq_jr_error;

#define GQ_JR_ROOT ((size_t)0)
#define GQ_JR_NONE ((size_t)-1)

/* Parse text[0..len) (need not be NUL-terminated).  limits NULL: the
 * defaults.  On failure the doc is empty and *err says what and where; on
 * success free it with gq_jr_free. */
bool gq_jr_parse(const char *text, size_t len, const gq_jr_limits *limits, gq_jr_doc *doc, gq_jr_error *err);
void gq_jr_free(gq_jr_doc *doc);

gq_jr_kind gq_jr_kind_of(const gq_jr_doc *doc, size_t i);
/* Value of member `key` of object i, or GQ_JR_NONE (also when i is not an object). */
size_t gq_jr_find(const gq_jr_doc *doc, size_t i, const char *key);
/* Children of array i, or the member VALUES of object i, in order:
 * first, then next after `child`; GQ_JR_NONE at the end. */
size_t gq_jr_first(const gq_jr_doc *doc, size_t i);
size_t gq_jr_next(const gq_jr_doc *doc, size_t i, size_t child);
/* The key of a member value of `object` that gq_jr_first/next handed out. */
const char *gq_jr_member_key(const gq_jr_doc *doc, size_t object, size_t value, size_t *len);

/* A string's decoded UTF-8 text (NUL-terminated; *len excludes the NUL and
 * counts any \u0000 inside), or NULL when i is not a string. */
const char *gq_jr_string(const gq_jr_doc *doc, size_t i, size_t *len);
/* A number as an unsigned 64-bit integer: false when it is not a number,
 * has a fraction or exponent, is negative or does not fit. */
bool gq_jr_u64(const gq_jr_doc *doc, size_t i, uint64_t *out);
/* A number as a double: false when it is not a number or is out of
 * double's range (1e999). */
bool gq_jr_double(const gq_jr_doc *doc, size_t i, double *out);

#endif
