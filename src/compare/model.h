/* A model as gq-compare sees it: one GGUF file, or all parts of a split
 * model ("name-00001-of-00003.gguf") read as one.
 *
 * The parts stay separate gguf_files (each memory-mapped by the reader);
 * the model only holds merged views over them: the metadata of every part
 * (first occurrence of a key wins, so part 1's split.no is the one shown)
 * and the tensors of every part in part order.  Nothing is copied. */
#ifndef GQ_COMPARE_MODEL_H
#define GQ_COMPARE_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gq/gguf.h"

typedef struct cmp_kv_ref {
    const gguf_file *file; /* the part the key was read from */
    const gguf_kv *kv;
} cmp_kv_ref;

typedef struct cmp_tensor_ref {
    const gguf_file *file; /* the part holding the tensor's data */
    const gguf_tensor *t;
} cmp_tensor_ref;

/* Open-addressing index from a name to a position in a view. */
typedef struct cmp_name_index {
    int64_t *slots; /* position + 1; 0 = empty */
    size_t mask;
} cmp_name_index;

typedef struct cmp_model {
    char *path;          /* as given */
    char *label;         /* file name without directories, for reports */
    size_t n_parts;         /* parts opened so far (all of them once open succeeds) */
    size_t parts_cap;       /* parts the name announces */
    gguf_file **parts;
    char **part_paths;
    uint64_t file_bytes;    /* all parts together */
    bool big_endian;        /* any part stored big-endian */
    int64_t file_type;      /* general.file_type, or -1 when absent */
    size_t n_kv;
    cmp_kv_ref *kv;
    size_t n_tensors;
    cmp_tensor_ref *tensors;
    cmp_name_index kv_index, tensor_index;
    /* Lenient acceptances and merge notes ("duplicate tensor ... in part 2"). */
    size_t n_notes;
    char **notes;
} cmp_model;

/* Open a model.  A path named like a split part opens every part of the
 * split (whichever part was named).  NULL on failure with a message that
 * names the file in err. */
cmp_model *cmp_model_open(const char *path, char *err, size_t err_cap);
void cmp_model_close(cmp_model *m);

/* Position of a key / tensor in the merged views, or -1. */
int64_t cmp_model_find_kv(const cmp_model *m, const char *key, size_t key_len);
int64_t cmp_model_find_tensor(const cmp_model *m, const char *name, size_t name_len);

/* Is the key one that a split writes (split.*)? */
bool cmp_is_split_key(const char *key, size_t key_len);

/* If path names a split part, write the pattern parts into *prefix_len
 * (bytes before "-NNNNN-of-MMMMM.gguf"), *part and *count and return true. */
bool cmp_split_name(const char *path, size_t *prefix_len, unsigned *part, unsigned *count);

#endif
