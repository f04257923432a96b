/* Model names the gq programs accept besides file paths, mapped to the
 * file to open:
 *
 *   ollama:NAME[:TAG]              a model pulled by Ollama (ollama_store.h)
 *   hf:ORG/REPO/FILE.gguf[@REV]    a file in the Hugging Face cache (hf_cache.h)
 *   anything else                  a path, used as it is
 *
 * Only the local disk is read, never the network.  A file whose name
 * really starts with "ollama:" or "hf:" is reached as ./ollama:... .
 *
 * The programs call this once per input, open `path`, and keep showing
 * the name as the user wrote it. */
#ifndef GQ_STORE_MODEL_REF_H
#define GQ_STORE_MODEL_REF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum gq_store_kind {
    GQ_STORE_FILE,   /* a plain path */
    GQ_STORE_OLLAMA, /* ollama:... */
    GQ_STORE_HF,     /* hf:... */
} gq_store_kind;

#define GQ_STORE_OLLAMA_PREFIX "ollama:"
#define GQ_STORE_HF_PREFIX "hf:"

typedef struct gq_store_model {
    gq_store_kind kind;
    char *path;           /* the file to open (malloc'ed) */
    char *recorded_label; /* ollama: the label Ollama recorded for it (config "file_type"), or NULL */
} gq_store_model;

/* Which kind of name this is (by its prefix only; nothing is read). */
gq_store_kind gq_store_kind_of(const char *name);

/* Resolve a name.  For a plain path, path is a copy of it (whether or not
 * the file exists: opening it reports that).  False with a message in err
 * (which path was tried, what was missing) when a store name does not
 * resolve; the message does not repeat the name. */
bool gq_store_locate(const char *name, gq_store_model *out, char *err, size_t err_cap);
void gq_store_model_free(gq_store_model *m);

/* Just the path: malloc'ed, or NULL with err set.  The one call a program
 * needs before opening a user-given model. */
char *gq_store_resolve(const char *name, char *err, size_t err_cap);

#endif
