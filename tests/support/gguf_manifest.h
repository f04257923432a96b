/* fixtures/MANIFEST.md as data: one row per file, with the facts an
 * independent parser read from it (version, byte order, counts, tensor
 * types, problems).  Tests compare libgguf's reading with these. */
#ifndef GQ_TEST_GGUF_MANIFEST_H
#define GQ_TEST_GGUF_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct manifest_row {
    char path[256];      /* relative to fixtures/ */
    bool is_gguf;        /* the GGUF column is not "?" */
    uint32_t version;
    bool big_endian;
    char arch[64];       /* "" for "—" */
    uint64_t n_kv, n_tensors;
    char types[512];     /* "F16×9, F32×3" or "—" */
    char problems[1024];
} manifest_row;

/* All rows (fails the test when the file is missing or malformed). */
size_t manifest_load(manifest_row *rows, size_t max);
const manifest_row *manifest_find(const manifest_row *rows, size_t n, const char *path);

/* strcpy that fails the test instead of truncating. */
void manifest_copy_str(char *dst, size_t size, const char *src);

/* Every regular file below fixtures/<dir> ("fixtures/real"), as paths
 * relative to the shared directory; returns how many. */
size_t manifest_list_files(const char *dir, char (*out)[256], size_t max);

#endif
