/* gq — llama.cpp's file-type mixes: which tensor gets which type.
 *
 * A llama.cpp file type ("Q4_K_M") is not one tensor type but a policy:
 * most weights get the file type's base type, some get more bits (the
 * attention value projection and ffn_down in chosen layers, the output
 * head), some are never quantized (norms, small per-layer projections), and
 * rows that do not fit a block size fall back to another type.  gq keeps
 * that policy as data: a table of rules (src/mix/rules.c), each row naming
 * the file types it applies to, the tensor class, a condition and the
 * resulting type, with the reason beside it.  gq_mix_choose() walks the
 * tensors in llama.cpp's order and applies the first matching row, plus
 * the command-line overrides llama-quantize has (--pure, --tensor-type,
 * --output-tensor-type, --token-embedding-type, --leave-output-tensor).
 *
 * The choice depends only on names, shapes, a few model facts and the
 * options, so it can be checked without quantizing anything. */
#ifndef GQ_MIX_H
#define GQ_MIX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gq/error.h"
#include "gq/gguf.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What the policy needs to know about the model (llama.cpp's hparams). */
typedef struct gq_mix_model {
    char arch[64];      /* general.architecture ("" when absent) */
    uint32_t n_layer;   /* <arch>.block_count */
    uint32_t n_head;    /* <arch>.attention.head_count (layer 0 when per layer) */
    uint32_t n_head_kv; /* <arch>.attention.head_count_kv (layer 0); defaults to n_head */
    uint32_t n_expert;  /* <arch>.expert_count, 0 when absent */
    bool is_70b;        /* llama.cpp classifies the model as "70B" (see gq_mix_model_from_gguf) */
} gq_mix_model;

/* One --override-kv KEY=TYPE:VALUE, as llama.cpp parses it. */
typedef enum gq_kv_override_kind {
    GQ_KV_OVERRIDE_INT,   /* written as uint32 |value| (llama.cpp's choice) */
    GQ_KV_OVERRIDE_FLOAT, /* written as float32 */
    GQ_KV_OVERRIDE_BOOL,
    GQ_KV_OVERRIDE_STR,   /* at most 127 bytes */
} gq_kv_override_kind;

typedef struct gq_kv_override {
    char key[128];
    gq_kv_override_kind kind;
    int64_t i;
    double f;
    bool b;
    char s[128];
} gq_kv_override;

/* Parse "KEY=int:5", "KEY=float:0.5", "KEY=bool:true", "KEY=str:text".
 * False (with a message in msg) when malformed: no '=', key of 128 bytes
 * or more, unknown type, bool not true/false, string over 127 bytes. */
bool gq_kv_override_parse(const char *text, gq_kv_override *out, char *msg, size_t msg_size);

/* Read the model facts from a GGUF header, with overrides applied the way
 * llama.cpp's loader applies them (an override of block_count changes
 * n_layer).  When the file has no <arch>.block_count, n_layer is taken as
 * one more than the highest "blk.N." in the tensor names and a note is put
 * in msg (the status is still GQ_OK).  Other problems: GQ_ERR_FORMAT. */
gq_status gq_mix_model_from_gguf(const gguf_file *f, const gq_kv_override *overrides,
                                 size_t n_overrides, gq_mix_model *out, char *msg,
                                 size_t msg_size);

/* A --tensor-type REGEX=TYPE option (POSIX extended regex, searched
 * anywhere in the tensor name, like std::regex_search). */
typedef struct gq_mix_type_override {
    const char *pattern; /* llama-quantize lower-cases it; so does the tool */
    uint32_t type;
} gq_mix_type_override;

typedef struct gq_mix_options {
    int ftype;                 /* llama.cpp file type (general.file_type number) */
    bool only_copy;            /* COPY: nothing is quantized */
    bool pure;                 /* --pure: the base type everywhere (no mix rules) */
    bool leave_output;         /* --leave-output-tensor: output.weight keeps its type */
    int output_tensor_type;    /* --output-tensor-type, or -1 */
    int token_embedding_type;  /* --token-embedding-type, or -1 */
    bool has_imatrix;          /* an importance matrix will be used (some rules ask) */
    const gq_mix_type_override *type_overrides; /* --tensor-type, first match wins */
    size_t n_type_overrides;
} gq_mix_options;

/* A tensor as the policy sees it. */
typedef struct gq_mix_tensor {
    const char *name;
    uint32_t n_dims;
    uint64_t ne[4];
    uint32_t type; /* the type it has in the input */
} gq_mix_tensor;

/* The decision for one tensor. */
typedef struct gq_mix_choice {
    uint32_t type;         /* the type to write */
    uint32_t wanted_type;  /* the type chosen before a shape fallback */
    bool quantizable;      /* llama.cpp would quantize this tensor at all */
    bool fell_back;        /* the row length did not fit wanted_type */
    bool needs_imatrix;    /* llama.cpp refuses to write it without importance weights */
    const char *reason;    /* static text: the rule or option that decided */
} gq_mix_choice;

/* The file type's base tensor type (llama_ftype_get_default_type), or -1
 * when llama-quantize cannot produce that file type. */
int gq_mix_default_type(int ftype);

/* Sort order of llama.cpp's tensor map: tensors outside "blk.N." first,
 * then by block number, then bytewise by name.  Fills order[0..n) with the
 * indices of names in that order. */
void gq_mix_order(const char *const *names, size_t n, size_t *order);

/* Decide every tensor's type.  tensors[] must already be in gq_mix_order;
 * the per-category layer counters run in that order exactly as in
 * llama.cpp.  *n_fallback receives how many tensors fell back.  Errors:
 * GQ_ERR_ARG (unknown ftype, bad regex), GQ_ERR_UNSUPPORTED (a row length
 * no type fits, as llama.cpp refuses), GQ_ERR_FORMAT (an expert tensor
 * without a block number), each with a message. */
gq_status gq_mix_choose(const gq_mix_model *model, const gq_mix_options *opt,
                        const gq_mix_tensor *tensors, size_t n, gq_mix_choice *out,
                        size_t *n_fallback, char *msg, size_t msg_size);

/* Would llama.cpp quantize this tensor at all (2-D or more, a ".weight",
 * not on its list of exemptions)?  `reason` (may be NULL) receives why not. */
bool gq_mix_tensor_quantizable(const gq_mix_tensor *t, const gq_mix_options *opt,
                               const char **reason);

#ifdef __cplusplus
}
#endif
#endif
