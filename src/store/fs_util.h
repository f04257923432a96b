/* Small file-system helpers for the model stores: paths built on the heap,
 * bounded reads of small files (manifests, refs), and the "what is there
 * instead" hints that make a failed lookup say something useful. */
#ifndef GQ_STORE_FS_UTIL_H
#define GQ_STORE_FS_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* "a/b" (one slash between), malloc'ed; NULL when memory runs out. */
char *gq_path_join(const char *a, const char *b);
/* printf into a malloc'ed string; NULL when memory runs out. */
char *gq_strdup_printf(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

/* The user's home directory ($HOME, else the password database), or NULL. */
const char *gq_home_dir(void);

/* A path from an environment variable or a default, with a leading "~/"
 * expanded to the home directory.  NULL when memory runs out or "~" cannot
 * be expanded. */
char *gq_expand_home(const char *path);

typedef enum gq_read_status {
    GQ_READ_OK,
    GQ_READ_MISSING,  /* ENOENT / ENOTDIR */
    GQ_READ_TOO_BIG,  /* larger than the limit: not read */
    GQ_READ_NOT_FILE, /* a directory or another non-regular file */
    GQ_READ_ERROR,    /* any other error (errno kept in *err_no) */
} gq_read_status;

/* Read a whole regular file of at most max_bytes (+1 NUL byte not counted
 * in *len) into a malloc'ed buffer.  Reads at most max_bytes + 1 bytes
 * whatever the file claims, so a file growing underneath cannot make it
 * allocate more. */
gq_read_status gq_read_small_file(const char *path, size_t max_bytes, char **data, size_t *len, int *err_no);

typedef enum gq_entry_kind { GQ_ENTRY_ANY, GQ_ENTRY_DIR, GQ_ENTRY_FILE } gq_entry_kind;

/* Up to `max` names of entries of `dir` of the given kind (hidden ones and
 * "." / ".." skipped), sorted, comma-separated into out ("q4, q6, latest"),
 * with ", ..." when there are more.  Empty string when there are none or
 * dir cannot be read.  `suffix`, when not NULL, keeps only names ending so
 * (".gguf"). */
void gq_dir_hint(const char *dir, gq_entry_kind kind, const char *suffix, size_t max, char *out, size_t cap);

/* The longest existing directory prefix of path (for "missing from here
 * on" messages), malloc'ed; NULL when memory runs out. */
char *gq_deepest_existing_dir(const char *path);

/* Are the first n characters of s hex digits (either case)? */
bool gq_is_hex(const char *s, size_t n);

#endif
