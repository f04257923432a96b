/* A small JSON reader: a whole document into a tree.
 *
 * gq-compare only writes JSON; this reader exists so that the tests can
 * read reference figures made outside the project (reference-errors.json)
 * and check that what --json writes is valid and complete.  It accepts
 * RFC 8259 JSON, limits nesting to 256 levels, and keeps object members in
 * document order. */
#ifndef GQ_COMPARE_JSON_DOC_H
#define GQ_COMPARE_JSON_DOC_H

#include <stdbool.h>
#include <stddef.h>

typedef enum json_kind { JSON_NULL, JSON_BOOL, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT } json_kind;

typedef struct json_node json_node;
struct json_node {
    json_kind kind;
    bool b;
    double num;
    char *str;          /* strings (decoded, NUL-terminated) */
    char *key;          /* member name when inside an object */
    size_t n;           /* children */
    json_node **items;
};

/* Parse text[0..len).  NULL on error with a message ("line 3: expected ','"). */
json_node *json_parse(const char *text, size_t len, char *err, size_t err_cap);
void json_free(json_node *n);

/* Member of an object (NULL when absent or n is not an object). */
const json_node *json_get(const json_node *n, const char *key);
/* Element i of an array or object (NULL out of range). */
const json_node *json_at(const json_node *n, size_t i);
/* Number / string of a node, or the fallback when it is another kind. */
double json_num(const json_node *n, double fallback);
const char *json_str(const json_node *n);

#endif
