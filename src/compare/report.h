/* gq-compare's report: everything the comparison found, in one structure
 * that every writer (text, JSON, CSV, Markdown, HTML) and the CI checks
 * read.  Building it (cmp_report_build) does all the work; writers only
 * format.
 *
 * Inputs are indexed 0..n_inputs-1 in command-line order (a --ref file not
 * among the inputs comes first).  "Variants" are the inputs other than the
 * reference, in the same order. */
#ifndef GQ_COMPARE_REPORT_H
#define GQ_COMPARE_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compare/errstats.h"
#include "compare/model.h"

/* ------------------------------------------------------------ options */

/* Progress of the error pass: tensor `index` of `count` (reference order)
 * is being compared; bytes are the reference's tensor bytes. */
typedef void (*cmp_progress_fn)(void *ctx, const char *tensor, uint64_t index, uint64_t count,
                                uint64_t bytes_done, uint64_t bytes_total);

typedef struct cmp_options {
    const char *ref_path;         /* --ref, or NULL: chosen automatically */
    int threads;                  /* <= 0: one per CPU */
    bool compute_errors;          /* section 4 (the expensive one) */
    bool skip_percentiles;        /* section 4 without the |e| histogram (its largest
                                   * cost): p50/p99/p99.9 unknown (NaN), every other
                                   * figure the same bits */
    const char *const *ignore_keys; /* --ignore-key globs */
    size_t n_ignore_keys;
    cmp_progress_fn progress;     /* may be NULL; called from one thread only */
    void *progress_ctx;
    bool (*should_stop)(void);    /* may be NULL; polled between chunks (any thread) */
} cmp_options;

/* ------------------------------------------------------------ section 0: reference */

typedef enum cmp_ref_reason {
    CMP_REF_GIVEN,      /* --ref */
    CMP_REF_FLOAT,      /* the float (F32/F16/BF16) input */
    CMP_REF_MOST_BITS,  /* no float input: the one with the most bits per weight */
} cmp_ref_reason;

/* ------------------------------------------------------------ section 1: sizes */

typedef struct cmp_type_use {
    uint32_t type;
    uint64_t tensors, elements, bytes;
} cmp_type_use;

typedef struct cmp_size {
    uint64_t file_bytes;   /* every part */
    uint64_t tensor_bytes; /* tensors of known type */
    uint64_t params;       /* elements of every tensor */
    double bpw;            /* 8 * tensor_bytes / params of known-type tensors */
    double share_of_ref;       /* tensor_bytes / reference's tensor_bytes */
    double file_share_of_ref;  /* file_bytes / reference's file_bytes */
    size_t n_types;
    cmp_type_use *types;   /* by bytes, largest first */
    uint64_t unknown_type_tensors;
} cmp_size;

/* ------------------------------------------------------------ section 2: metadata */

typedef enum cmp_key_kind {
    CMP_KEY_SAME,    /* in every input, same type and value */
    CMP_KEY_PARTIAL, /* only in some inputs */
    CMP_KEY_TYPE,    /* in every input, some with another value type */
    CMP_KEY_VALUE,   /* in every input, same type, another value */
} cmp_key_kind;

typedef struct cmp_key_cell {
    const gguf_file *file; /* NULL: the input lacks the key */
    const gguf_kv *kv;
    bool differs;          /* from the row's baseline */
    /* Arrays that differ: the first element index where they do (also set
     * when one is a prefix of the other: the shorter length). */
    bool has_first_diff;
    uint64_t first_diff;
} cmp_key_cell;

typedef struct cmp_key_row {
    gguf_str key;
    cmp_key_kind kind;
    size_t baseline;     /* the input others are compared with: the reference when it has the key */
    bool expected;       /* a difference quantization or splitting makes by design */
    bool ignored;        /* matched an --ignore-key glob */
    cmp_key_cell *cells; /* [n_inputs] */
} cmp_key_row;

typedef struct cmp_order {
    bool differs;        /* common names appear in another relative order than in the reference */
    gguf_str first_moved; /* the first common name (in this input's order) out of the reference's order */
} cmp_order;

/* ------------------------------------------------------------ section 3: tensor index */

typedef struct cmp_tensor_row {
    gguf_str name;
    const gguf_tensor **cells; /* [n_inputs], NULL: absent */
    const gguf_file **files;   /* [n_inputs], the part holding each */
    bool missing;              /* absent from some input */
    bool shape_differs;
    bool type_differs;
    size_t class_index;        /* into cmp_report.classes */
    int64_t layer;             /* blk.N, or -1 */
} cmp_tensor_row;

/* Inputs with the same general.file_type whose tensors still got other types. */
typedef struct cmp_mix_group {
    int64_t file_type;
    size_t n_members;
    size_t *members;           /* input indexes */
    size_t n_tensors_differ;   /* tensors present in all members with more than one type */
    size_t example_row;        /* the first such tensor (row index) */
} cmp_mix_group;

/* ------------------------------------------------------------ section 4: reconstruction error */

typedef enum cmp_result_status {
    CMP_R_OK,
    CMP_R_NOT_RUN,          /* errors were not computed */
    CMP_R_ABSENT_VARIANT,   /* tensor missing from the variant */
    CMP_R_ABSENT_REF,       /* tensor missing from the reference */
    CMP_R_SHAPE,            /* other shape */
    CMP_R_UNKNOWN_TYPE,     /* a type id this build does not know */
    CMP_R_NO_DEQUANT,       /* known type without a dequantizer here */
    CMP_R_BYTE_ORDER,       /* big-endian block data (only plain scalars are swapped) */
    CMP_R_READ,             /* the data could not be read */
    CMP_R_NOMEM,
} cmp_result_status;

typedef struct cmp_result {
    cmp_result_status status;
    bool changed;       /* the variant's type differs from the reference's */
    cmp_sums sums;
    cmp_figures fig;
} cmp_result;

typedef struct cmp_agg {
    size_t n_tensors;
    cmp_sums sums;
    cmp_hist hist;
    cmp_figures fig;
} cmp_agg;

typedef struct cmp_class {
    char *name;         /* "attn_q", "ffn_down", "token_embd" ... */
    cmp_agg *per_variant;
} cmp_class;

typedef struct cmp_layer {
    int64_t layer;
    cmp_agg *per_variant;
} cmp_layer;

/* ------------------------------------------------------------ the report */

typedef struct cmp_report {
    size_t n_inputs;
    cmp_model **inputs;
    char **short_labels;        /* [n_inputs]: labels without their common prefix and ".gguf" */

    size_t ref;                 /* index of the reference input */
    cmp_ref_reason ref_reason;
    bool ref_quantized;         /* errors are then against a quantized file, not the original */

    cmp_size *sizes;            /* [n_inputs] */

    size_t n_keys;
    cmp_key_row *keys;          /* union of keys: reference order, then the others' */
    size_t n_key_diffs;         /* rows with kind != SAME */
    cmp_order *key_order;       /* [n_inputs] */

    size_t n_rows;
    cmp_tensor_row *rows;       /* union of tensors: reference order, then the others' */
    cmp_order *tensor_order;    /* [n_inputs] */
    size_t n_mix_groups;
    cmp_mix_group *mix_groups;

    size_t n_variants;
    size_t *variant_input;      /* [n_variants] input index */
    bool errors_computed;
    bool percentiles_computed;  /* false with skip_percentiles: p50/p99/p99.9 are NaN */
    int threads_used;
    cmp_result *results;        /* [n_rows * n_variants], row-major */
    cmp_agg *overall;           /* [n_variants]: tensors whose type changed */
    size_t n_classes;
    cmp_class *classes;         /* in order of first appearance */
    size_t n_layers;
    cmp_layer *layers;          /* ascending */
    double seconds;             /* wall time of the error pass */
} cmp_report;

/* Outcome of building a report. */
typedef enum cmp_build_status {
    CMP_BUILD_OK = 0,
    CMP_BUILD_UNREADABLE, /* an input could not be opened or is not valid GGUF */
    CMP_BUILD_USAGE,      /* fewer than two models, --ref names nothing usable */
    CMP_BUILD_NOMEM,
    CMP_BUILD_INTERRUPTED,
} cmp_build_status;

cmp_build_status cmp_report_build(const char *const *paths, size_t n_paths, const cmp_options *opt,
                                  cmp_report **out, char *err, size_t err_cap);
void cmp_report_free(cmp_report *r);

static inline cmp_result *cmp_report_result(const cmp_report *r, size_t row, size_t variant) {
    return &r->results[row * r->n_variants + variant];
}

/* Section builders (each in its own file; cmp_report_build calls them in order). */
bool cmp_choose_reference(cmp_report *r, const char *ref_path, char *err, size_t err_cap);
bool cmp_build_sizes(cmp_report *r);
bool cmp_build_metadata(cmp_report *r, const cmp_options *opt);
bool cmp_build_tensor_index(cmp_report *r);
cmp_build_status cmp_build_errors(cmp_report *r, const cmp_options *opt);

/* Text for the report writers. */
const char *cmp_ref_reason_text(cmp_ref_reason reason);
const char *cmp_key_kind_name(cmp_key_kind kind);      /* "same", "only-in-some", "type", "value" */
const char *cmp_result_status_name(cmp_result_status s); /* "ok", "absent-in-variant", ... */
/* One line saying why a tensor was not compared ("shape 256x32 vs 256x64"). */
void cmp_result_reason(const cmp_report *r, size_t row, size_t variant, char *buf, size_t cap);
/* Is a key one that quantizing or splitting changes by design? */
bool cmp_key_expected(const char *key, size_t len);

#endif
