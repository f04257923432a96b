/* Split models: llama.cpp's gguf-split writes a big model as parts named
 * "<prefix>-00001-of-00003.gguf" ... "<prefix>-00003-of-00003.gguf", each a
 * complete GGUF file.  Part 1 carries the model's metadata and, like every
 * part, split.no (0-based), split.count and split.tensors.count (on part 1,
 * the tensors of all parts together); the tensors are spread over the parts.
 *
 * gguf_split_open() finds and opens every part of such a model; the parts
 * stay separate gguf_files.  Two rules decide which files are parts:
 *
 *   GGUF_SPLIT_BY_NAME   the file name alone: any part may be named, and
 *                        its "-of-NNNNN" says how many there are.  Nothing
 *                        in the metadata is checked (gq-compare, which
 *                        reports such disagreements instead of refusing).
 *   GGUF_SPLIT_AS_LLAMA  llama.cpp's loader: the metadata decides.  A file
 *                        whose split.count is 2 or more must be part 1
 *                        (split.no 0) and be named "...-00001-of-<count>.gguf";
 *                        every other part must exist and carry its own
 *                        split.no; the parts together must hold the
 *                        split.tensors.count part 1 announces.  A file
 *                        without split.count (or with 1) is one file,
 *                        whatever its name.
 *
 * Only the parts' files are read here; merging their metadata or tensors
 * is the caller's business (llama.cpp uses part 1's metadata only). */
#ifndef GQ_GGUF_SPLIT_H
#define GQ_GGUF_SPLIT_H

#include <stdbool.h>
#include <stddef.h>

#include "gq/gguf.h"

typedef enum gguf_split_rule {
    GGUF_SPLIT_BY_NAME,
    GGUF_SPLIT_AS_LLAMA,
} gguf_split_rule;

typedef struct gguf_split {
    size_t n_parts;     /* parts opened (all of them when open succeeded) */
    size_t n_expected;  /* parts announced (1 for a single file) */
    gguf_file **parts;  /* n_expected slots; the first n_parts are open */
    char **paths;       /* n_expected paths, part order */
    size_t failed;      /* after a failure: the index of the part at fault */
} gguf_split;

/* Open `path` and, when it is part of a split model, every other part.
 * flags are gguf_open's.  On failure *err says why: a reader error is
 * passed on as gguf_open made it (has_offset errors do not name the file:
 * s->paths[s->failed] is the file), the split checks name the file.
 * Call gguf_split_close() afterwards either way. */
gq_status gguf_split_open(gguf_split *s, const char *path, unsigned flags, gguf_split_rule rule,
                          gguf_error *err);
void gguf_split_close(gguf_split *s);

/* If path ends in "-NNNNN-of-MMMMM.gguf" (five digits each, 1 <= N <= M),
 * the prefix length (bytes before "-NNNNN"), part N and count M. */
bool gguf_split_parse_name(const char *path, size_t *prefix_len, unsigned *part, unsigned *count);

/* "<prefix>-%05u-of-%05u.gguf" (part counts from 1), malloc'd; NULL when
 * out of memory. */
char *gguf_split_part_path(const char *prefix, size_t prefix_len, unsigned part, unsigned count);

#endif
