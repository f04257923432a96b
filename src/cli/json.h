/* A streaming JSON writer for the gq programs' --json output.
 *
 * Values go straight to a FILE*: nothing is built in memory, so a
 * 262,144-entry token list costs no allocation.  Keys come out in the order
 * they are written (stable, diffable output).  The writer tracks nesting and
 * commas itself; the caller only says what comes next.
 *
 *   gq_json j; gq_json_init(&j, stdout, true);
 *   gq_json_begin_object(&j);
 *   gq_json_key(&j, "schema"); gq_json_string(&j, "gq-inspect/1");
 *   gq_json_kv_uint(&j, "tensors", 42);
 *   gq_json_end_object(&j);
 *   gq_json_finish(&j);            // final newline; 0 or -1 on error
 *
 * Strings are escaped fully: quote, backslash, every control character, and
 * bytes that are not valid UTF-8 become U+FFFD, so the output is always
 * valid JSON whatever a hostile file holds.  Doubles are printed as the
 * shortest of %.15g/%.16g/%.17g that reads back to the same value; NaN and
 * infinities (not representable in JSON) become null. */
#ifndef GQ_CLI_JSON_H
#define GQ_CLI_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define GQ_JSON_MAX_DEPTH 64

typedef struct gq_json {
    FILE *out;
    bool pretty;          /* newline + two-space indentation per level */
    bool error;           /* misuse (too deep, unbalanced) or a write failed */
    bool after_key;       /* a key was written; the next value belongs to it */
    int depth;
    uint64_t count[GQ_JSON_MAX_DEPTH]; /* values written so far at each level */
} gq_json;

void gq_json_init(gq_json *j, FILE *out, bool pretty);

void gq_json_begin_object(gq_json *j);
void gq_json_end_object(gq_json *j);
void gq_json_begin_array(gq_json *j);
void gq_json_end_array(gq_json *j);

/* Object keys (escaped like strings). */
void gq_json_key(gq_json *j, const char *key);
void gq_json_key_n(gq_json *j, const char *key, size_t len);

/* Values. */
void gq_json_string(gq_json *j, const char *s);          /* NULL writes null */
void gq_json_string_n(gq_json *j, const char *s, size_t len);
void gq_json_int(gq_json *j, int64_t v);
void gq_json_uint(gq_json *j, uint64_t v);
void gq_json_double(gq_json *j, double v);
void gq_json_bool(gq_json *j, bool v);
void gq_json_null(gq_json *j);
/* A value already formatted by the caller (must be valid JSON), e.g. a
 * float32 printed in its own shortest form by gq_fmt_float32. */
void gq_json_raw(gq_json *j, const char *json_text);

/* key + value in one call. */
void gq_json_kv_string(gq_json *j, const char *key, const char *v);
void gq_json_kv_int(gq_json *j, const char *key, int64_t v);
void gq_json_kv_uint(gq_json *j, const char *key, uint64_t v);
void gq_json_kv_double(gq_json *j, const char *key, double v);
void gq_json_kv_bool(gq_json *j, const char *key, bool v);
void gq_json_kv_null(gq_json *j, const char *key);

/* Ends the document with a newline and flushes.  Returns 0, or -1 when the
 * nesting was unbalanced or a write failed (disk full, closed pipe). */
int gq_json_finish(gq_json *j);

/* The text gq_json_double writes for a finite v ("0.1", "1e+30", "-0"),
 * into buf (at least 32 bytes).  Returns buf.  For non-finite v: "null". */
char *gq_json_format_double(double v, char *buf, size_t size);

/* Writes s[0..len) as a quoted JSON string to out (the escaping used by
 * gq_json_string, exposed for tests and for one-off use). */
void gq_json_write_escaped(FILE *out, const char *s, size_t len);

#endif
