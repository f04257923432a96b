/* Summary facts of an open GGUF file, computed once and shared by every
 * view (text, JSON) and by the programs that compare files.
 *
 * Sizes are only known for tensors whose type this build knows: a file
 * opened leniently with unknown type ids (forks write 64-66) still gets its
 * element counts, but bytes, bits per weight and shares are marked unknown
 * (bytes_known false) and `first_unknown` names the tensor that is why. */
#ifndef GQ_CLI_MODEL_INFO_H
#define GQ_CLI_MODEL_INFO_H

#include <stdbool.h>
#include <stdint.h>

#include "gq/gguf.h"

/* Tensors of one type id. */
typedef struct gq_type_usage {
    uint32_t type;      /* ggml type id as stored (may be unknown) */
    bool known;
    uint64_t tensors;
    uint64_t elements;
    uint64_t bytes;     /* 0 when !known */
} gq_type_usage;

typedef struct gq_model_info {
    gguf_str architecture; /* general.architecture, len 0 when absent */
    gguf_str name;         /* general.name, len 0 when absent */
    bool has_file_type;
    int64_t file_type;     /* general.file_type */
    uint64_t n_tensors;    /* tensors counted (those matching the filter) */
    uint64_t n_elements;   /* sum of element counts = parameter count */
    uint64_t tensor_bytes; /* sum of data sizes (valid when bytes_known) */
    bool bytes_known;
    int64_t first_unknown; /* index of the first tensor of unknown type, or -1 */
    gq_type_usage *types;  /* by type id; gq_model_info_sort_types orders them by bytes */
    uint64_t n_types;
} gq_model_info;

/* A predicate choosing which tensors count (NULL: all). */
typedef bool (*gq_tensor_filter)(const gguf_tensor *t, void *ctx);

/* Fill *info from f.  False only when memory runs out. */
bool gq_model_info_init(gq_model_info *info, const gguf_file *f, gq_tensor_filter filter, void *ctx);
void gq_model_info_free(gq_model_info *info);

/* Order the type histogram by bytes (then elements), largest first, the
 * order a reader wants ("what is this file made of"). */
void gq_model_info_sort_types(gq_model_info *info);

/* Bits per weight over the counted tensors (8 * bytes / elements); 0 when
 * unknown or empty. */
double gq_model_info_bpw(const gq_model_info *info);

/* A tensor's name as a C string in buf (truncated if longer; tensor names
 * are normally < 64 bytes). */
const char *gq_tensor_name(const gguf_tensor *t, char *buf, size_t size);

#endif
