/* The Hugging Face hub cache, read-only (the layout huggingface_hub writes):
 *
 *   $HF_HUB_CACHE, else $HUGGINGFACE_HUB_CACHE, else $HF_HOME/hub,
 *   else $XDG_CACHE_HOME/huggingface/hub, else ~/.cache/huggingface/hub
 *     models--<org>--<repo>/
 *       refs/<revision>              the commit hash a branch or tag pointed at
 *       snapshots/<commit>/<file>    the file, a symbolic link into blobs/
 *       blobs/<sha256 or etag>       the content
 *       .no_exist/<commit>/<file>    the Hub said the file is not there
 *
 * "ORG/REPO/FILE[@REVISION]" names a file: FILE may sit in sub-folders
 * (unsloth's split quantizations do), REVISION defaults to main and may
 * itself be a 40-hex commit hash naming the snapshot directly. */
#ifndef GQ_STORE_HF_CACHE_H
#define GQ_STORE_HF_CACHE_H

#include <stdbool.h>
#include <stddef.h>

typedef struct gq_hf_name {
    char org[100];
    char repo[100];
    char file[600];     /* path inside the repository */
    char revision[260]; /* "main" unless given */
} gq_hf_name;

/* Parse "ORG/REPO/FILE[@REVISION]" (after the "hf:" prefix).  Names are
 * checked so that nothing can walk out of the cache: org and repo use the
 * Hub's characters (letters, digits, '-', '_', '.'; not "." or ".."), the
 * file and the revision have no empty, "." or ".." step. */
bool gq_hf_parse_name(const char *text, gq_hf_name *out, char *err, size_t err_cap);

/* The cache directory and the variable it came from ("HF_HUB_CACHE",
 * "HUGGINGFACE_HUB_CACHE", "HF_HOME", "XDG_CACHE_HOME" or "default").
 * malloc'ed; NULL when memory runs out or there is no home directory. */
char *gq_hf_cache_dir(const char **source);

typedef struct gq_hf_file {
    char *path;      /* snapshots/<commit>/<file> (open this) */
    char commit[41]; /* the snapshot */
} gq_hf_file;

/* Find the file in the cache.  False with a message naming the path that
 * was tried, what was missing, and what is there instead. */
bool gq_hf_find(const char *cache_dir, const char *cache_source, const gq_hf_name *name, gq_hf_file *out, char *err,
                size_t err_cap);
void gq_hf_file_free(gq_hf_file *f);

#endif
