/* Metadata values for people and for JSON.
 *
 * Text: strings are quoted, with control characters and bytes that are not
 * UTF-8 escaped (\n, \t, \x1b) so a hostile key cannot move the cursor or
 * hide text; long strings are cut with a note of their length.  Arrays show
 * their length and the first items.  float32 values print in their own
 * shortest form (0.95, not 0.949999988079071).
 * JSON: the same values as JSON values (see docs/json.md, "metadata"). */
#ifndef GQ_CLI_KV_FORMAT_H
#define GQ_CLI_KV_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cli/json.h"
#include "gq/gguf.h"

/* "uint32", "string", "int32[8]", "string[262144]", "array[3]" (nested). */
char *gq_kv_type_text(const gguf_value *v, char *buf, size_t size);

/* A string as printable text: quoted, escaped, cut after max_chars
 * characters (0: never) with "... (N bytes)". */
void gq_text_quoted(FILE *out, const char *s, uint64_t len, uint64_t max_chars);

/* A key as printable text (escaped like a string, without quotes). */
void gq_text_plain(FILE *out, const char *s, uint64_t len);

/* A value on one line: scalars as themselves, arrays as their first
 * max_items elements (0: all) followed by ", ... (N more)". */
void gq_kv_value_text(FILE *out, const gguf_file *f, const gguf_value *v, uint64_t max_items, uint64_t max_chars);

/* The value as a JSON value: scalars as numbers/strings/booleans, arrays as
 * JSON arrays of their first max_items elements (0: all). */
void gq_kv_value_json(gq_json *j, const gguf_file *f, const gguf_value *v, uint64_t max_items);

#endif
