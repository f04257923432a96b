/* gq-quantize — quantize an F32/F16/BF16 GGUF model with llama.cpp's
 * file-type mixes, writing the same bytes llama-quantize writes.
 *
 *   gq-quantize [options] IN.gguf OUT.gguf TYPE [THREADS]
 *
 * The work is planned completely before a byte is written: the mix
 * (src/mix: which tensor gets which type), the output metadata in
 * llama-quantize's order (src/mix/output_meta.c), every check that can
 * refuse the run (importance matrix coverage, requantization, types this
 * build cannot produce, same input and output).  Then the input (memory
 * mapped) is streamed: rows are converted to f32 a chunk at a time,
 * quantized on all threads, and written through gguf_writer into a
 * temporary file that is renamed into place only when complete.  Memory
 * stays O(chunk), never O(model), and the bytes never depend on the thread
 * count (libquant's guarantee).
 *
 * A split model (gguf-split's NAME-00001-of-0000N.gguf parts) is read as
 * llama.cpp's loader reads it (src/gguf/split.h): metadata from part 1,
 * tensors from every part.  The output is one file, or with --keep-split
 * one file per input part, committed to pending names and renamed into
 * place only when all of them are complete. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/args.h"
#include "cli/cleanup.h"
#include "cli/diag.h"
#include "cli/fmt.h"
#include "cli/json.h"
#include "cli/progress.h"
#include "cli/sigbus.h"
#include "gq/ftype.h"
#include "gq/gguf.h"
#include "gq/imatrix.h"
#include "gq/mix.h"
#include "gq/quant.h"
#include "gq/types.h"
#include "gguf/split.h"
#include "mix/layer_prune.h"
#include "mix/output_meta.h"
#include "store/model_ref.h"

/* Elements converted per step: 4 Mi floats = 16 MiB of f32 (plus the raw
 * and quantized copies), enough to keep every thread busy. */
#define CHUNK_ELEMENTS ((uint64_t)4 << 20)
/* llama.cpp's LLAMA_FTYPE_GUESSED: general.file_type inferred, not read. */
#define FTYPE_GUESSED 1024

static const gq_option options[] = {
    { "imatrix", 0, GQ_OPT_VALUE, "FILE", "importance matrix (llama.cpp GGUF or legacy .dat)" },
    { "imatrix-name", 0, GQ_OPT_VALUE, "NAME", "record NAME as quantize.imatrix.file (default: FILE as given)" },
    { "include-weights", 0, GQ_OPT_LIST, "NAME", "use the importance matrix only for tensors containing NAME (repeatable)" },
    { "exclude-weights", 0, GQ_OPT_LIST, "NAME", "do not use it for tensors containing NAME (repeatable)" },
    { "pure", 0, GQ_OPT_FLAG, NULL, "no mix: every quantizable tensor gets the file type's base type" },
    { "leave-output-tensor", 0, GQ_OPT_FLAG, NULL, "leave output.weight in its input type" },
    { "output-tensor-type", 0, GQ_OPT_VALUE, "TYPE", "ggml type for output.weight (or a tied token embedding)" },
    { "token-embedding-type", 0, GQ_OPT_VALUE, "TYPE", "ggml type for the token embeddings" },
    { "tensor-type", 0, GQ_OPT_LIST, "REGEX=TYPE", "tensors matching REGEX get TYPE; wins over the mix and --pure (repeatable)" },
    { "tensor-type-file", 0, GQ_OPT_LIST, "FILE", "--tensor-type REGEX=TYPE entries read from FILE, separated by whitespace (repeatable)" },
    { "prune-layers", 0, GQ_OPT_LIST, "L0,L1,...", "drop these blocks and renumber the rest as llama-quantize does (repeatable)" },
    { "override-kv", 0, GQ_OPT_LIST, "KEY=TYPE:VALUE", "set metadata in the output; TYPE int, float, bool or str (repeatable)" },
    { "allow-requantize", 0, GQ_OPT_FLAG, NULL, "accept already quantized input (dequantized, then quantized: worse quality)" },
    { "keep-split", 0, GQ_OPT_FLAG, NULL, "write a split input as the same parts, OUT-00001-of-0000N.gguf ... (a trailing .gguf of OUT dropped)" },
    { "dry-run", 0, GQ_OPT_FLAG, NULL, "print each tensor's type and size and the file size; write nothing" },
    { "threads", 't', GQ_OPT_VALUE, "N", "threads (default: all CPUs; the bytes never depend on it)" },
    { "quiet", 'q', GQ_OPT_FLAG, NULL, "no progress line and no summary" },
    { "json", 0, GQ_OPT_FLAG, NULL, "print the summary (and with --dry-run every tensor) as JSON" },
    { NULL, 0, 0, NULL, NULL },
};

static const gq_cli_spec spec = {
    "gq-quantize",
    "[options] IN.gguf OUT.gguf TYPE [THREADS]",
    "Quantize a GGUF model with llama.cpp's file-type mixes (byte-identical to llama-quantize).",
    options,
    "TYPE is a llama.cpp file type: Q8_0 Q6_K Q5_K_M Q5_K_S Q4_K_M Q4_K_S Q3_K_L Q3_K_M Q3_K_S\n"
    "Q2_K Q2_K_S IQ4_XS IQ4_NL IQ3_M IQ3_S IQ3_XS IQ3_XXS IQ2_M IQ2_S IQ2_XS IQ2_XXS IQ1_M IQ1_S\n"
    "Q4_0 Q4_1 Q5_0 Q5_1 TQ1_0 TQ2_0 MXFP4_MOE F16 BF16 F32 COPY, or its number.\n"
    "With IN.gguf TYPE only, the output is ggml-model-TYPE.gguf beside the input.\n"
    "A split model (NAME-00001-of-0000N.gguf) is read whole from its first part.\n"
    "IN may also be ollama:NAME[:TAG] or hf:ORG/REPO/FILE.gguf[@REV] (docs/stores.md);\n"
    "without OUT those write ggml-model-TYPE.gguf in the current directory.\n\n"
    "Examples:\n"
    "  gq-quantize model-BF16.gguf model-Q4_K_M.gguf Q4_K_M\n"
    "  gq-quantize --imatrix model.imatrix.gguf model-BF16.gguf model-IQ2_M.gguf IQ2_M 8\n"
    "  gq-quantize --dry-run --tensor-type 'ffn_down=q6_K' model-BF16.gguf x.gguf Q4_K_S\n",
};

/* ------------------------------------------------------------ the run */

typedef struct run_options {
    const char *in_path;       /* as written: a file, ollama:NAME or hf:ORG/REPO/FILE (messages, reports) */
    char *in_file;             /* the file it names (opened) */
    char *out_path;
    int ftype;                 /* the number written as general.file_type (COPY: decided later) */
    const char *ftype_name;
    bool copy;
    const char *imatrix_path;
    const char *imatrix_name;
    bool pure, leave_output, allow_requantize, dry_run, quiet, json;
    bool keep_split;           /* out_path is then the parts' prefix */
    int output_type, token_type;
    gq_mix_type_override *type_overrides;
    size_t n_type_overrides;
    size_t cap_type_overrides;
    gq_kv_override *kv_overrides;
    size_t n_kv_overrides;
    int *prune;                /* --prune-layers: ascending, no repeats */
    size_t n_prune;
    int threads;
} run_options;

typedef struct planned_tensor {
    const gguf_tensor *src;
    const gguf_file *file;   /* the input part holding it */
    unsigned part;           /* its index (0 for a single file) */
    char *name;              /* as written: renumbered by --prune-layers */
    char *source_name;       /* as in the input (importance matrix lookups) */
    uint32_t n_dims_out;     /* ggml writes ggml_n_dims(): trailing 1s dropped */
    gq_mix_choice choice;
    uint64_t bytes_in, bytes_out;
    const float *imatrix;    /* ne0 * ne2 weights, or NULL */
    bool convert;            /* the type changes */
} planned_tensor;

/* One output file: with --keep-split, one per input part. */
typedef struct out_part {
    size_t first, n;         /* its tensors: p->t[first .. first + n) */
    char *path;              /* where it ends up */
    uint32_t alignment;
    uint64_t header_bytes, file_bytes;
} out_part;

typedef struct plan {
    planned_tensor *t;
    size_t n;
    out_part *parts;
    size_t n_parts;
    size_t n_fallback;
    out_meta meta;
    uint32_t alignment;
    uint64_t header_bytes, file_bytes;
    uint64_t size_in, size_out, n_elements;
    uint32_t file_type;
    bool requantizes;
    size_t n_pruned_tensors;
    uint32_t block_count_in, block_count_out; /* with --prune-layers */
} plan;

static int ftype_for_type(uint32_t type) {
    /* llama.cpp's loader: the file type a tensor type stands for */
    static const struct { uint32_t type; int ftype; } map[] = {
        { GQ_TYPE_F32, 0 }, { GQ_TYPE_F16, 1 }, { GQ_TYPE_BF16, 32 }, { GQ_TYPE_Q4_0, 2 },
        { GQ_TYPE_Q4_1, 3 }, { GQ_TYPE_Q5_0, 8 }, { GQ_TYPE_Q5_1, 9 }, { GQ_TYPE_Q8_0, 7 },
        { GQ_TYPE_Q2_K, 10 }, { GQ_TYPE_Q3_K, 12 }, { GQ_TYPE_Q4_K, 15 }, { GQ_TYPE_Q5_K, 17 },
        { GQ_TYPE_Q6_K, 18 }, { GQ_TYPE_TQ1_0, 36 }, { GQ_TYPE_TQ2_0, 37 }, { GQ_TYPE_IQ2_XXS, 19 },
        { GQ_TYPE_IQ2_XS, 20 }, { GQ_TYPE_IQ2_S, 28 }, { GQ_TYPE_IQ3_XXS, 23 }, { GQ_TYPE_IQ1_S, 24 },
        { GQ_TYPE_IQ1_M, 31 }, { GQ_TYPE_IQ4_NL, 25 }, { GQ_TYPE_IQ4_XS, 30 }, { GQ_TYPE_IQ3_S, 26 },
        { GQ_TYPE_NVFP4, 39 }, { GQ_TYPE_Q1_0, 40 }, { GQ_TYPE_Q2_0, 41 },
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (map[i].type == type) return map[i].ftype;
    return 0;
}

/* COPY writes the input's file type as llama.cpp's loader sees it: the
 * general.file_type key, else the most common tensor type (in the loader's
 * tensor order) marked as guessed. */
static uint32_t input_file_type(const gguf_file *f, const plan *p) {
    uint64_t v;
    if (gguf_get_u64(f, "general.file_type", &v)) return (uint32_t)v;
    uint32_t counts[GQ_TYPE_COUNT] = { 0 };
    uint32_t best_count = 0, best = GQ_TYPE_F32;
    for (size_t i = 0; i < p->n; i++) {
        uint32_t ty = p->t[i].src->type;
        if (ty >= GQ_TYPE_COUNT) continue;
        if (++counts[ty] > best_count) { best_count = counts[ty]; best = ty; }
    }
    return (uint32_t)ftype_for_type(best) | FTYPE_GUESSED;
}

static uint32_t effective_dims(const uint64_t *ne) {
    for (int i = 3; i >= 1; i--)
        if (ne[i] > 1) return (uint32_t)i + 1;
    return 1;
}

/* Bytes per value to reverse when the input is big-endian (GGUF tensor
 * data is stored in the file's byte order); 0 for block types, which a
 * big-endian file cannot hold portably. */
static unsigned swap_width(uint32_t type) {
    switch (type) {
    case GQ_TYPE_F32: case GQ_TYPE_I32: return 4;
    case GQ_TYPE_F16: case GQ_TYPE_BF16: case GQ_TYPE_I16: return 2;
    case GQ_TYPE_F64: case GQ_TYPE_I64: return 8;
    case GQ_TYPE_I8: return 1;
    default: return 0;
    }
}

static void free_plan(plan *p) {
    for (size_t i = 0; i < p->n; i++) {
        free(p->t[i].name);
        free(p->t[i].source_name);
    }
    free(p->t);
    for (size_t i = 0; i < p->n_parts; i++) free(p->parts[i].path);
    free(p->parts);
    out_meta_free(&p->meta);
}

static int compare_name_ptrs(const void *a, const void *b) {
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* --prune-layers: drop the pruned blocks' tensors from p->t (already in
 * llama.cpp's loader order, which the renumbering follows) and rename the
 * rest.  The mix then sees the new names, as llama.cpp's does: its layer
 * counters run over the kept tensors, while block_count (n_layer) stays
 * the input's. */
static bool apply_prune(const run_options *o, const gq_mix_model *model, plan *p) {
    if (!model->arch[0]) {
        gq_diag_error(o->in_path, "--prune-layers: the model has no general.architecture, so no <arch>.block_count to rewrite");
        return false;
    }
    layer_renumber r;
    layer_renumber_init(&r, o->prune, o->n_prune);
    size_t kept = 0;
    bool ok = true;
    for (size_t i = 0; i < p->n; i++) {
        planned_tensor pt = p->t[i];
        char *new_name;
        layer_renumber_result res = layer_renumber_name(&r, pt.name, &new_name);
        if (res == LAYER_NO_MEMORY) {
            gq_diag_error(NULL, "out of memory renumbering tensor '%s'", pt.name);
            ok = false;
        } else if (res == LAYER_BAD_NUMBER) {
            gq_diag_error(o->in_path, "tensor '%s': the block number does not fit an int", pt.name);
            ok = false;
        }
        if (!ok) {
            /* keep the rest owned by the plan so free_plan releases it */
            for (size_t j = i; j < p->n; j++) p->t[kept++] = p->t[j];
            break;
        }
        if (res == LAYER_DROP) {
            free(pt.name);
            p->n_pruned_tensors++;
            continue;
        }
        pt.source_name = pt.name;
        pt.name = new_name;
        p->t[kept++] = pt;
    }
    p->n = kept;
    p->block_count_in = model->n_layer;
    p->block_count_out = (uint32_t)r.next;
    for (size_t i = 0; ok && i < o->n_prune; i++)
        if (!layer_renumber_saw(&r, o->prune[i]) && !o->quiet)
            gq_diag_warn(o->in_path, "--prune-layers: no tensor belongs to block %d (block_count %u): nothing pruned for it",
                         o->prune[i], model->n_layer);
    layer_renumber_free(&r);

    /* ggml refuses a file with two tensors of one name; odd input (block
     * numbers in the middle of names) could renumber two onto one */
    const char **sorted = ok ? malloc((p->n ? p->n : 1) * sizeof *sorted) : NULL;
    if (ok && !sorted) {
        gq_diag_error(NULL, "out of memory checking %zu tensor names", p->n);
        ok = false;
    }
    for (size_t i = 0; ok && i < p->n; i++) sorted[i] = p->t[i].name;
    if (ok) qsort(sorted, p->n, sizeof *sorted, compare_name_ptrs);
    for (size_t i = 1; ok && i < p->n; i++) {
        if (strcmp(sorted[i - 1], sorted[i]) == 0) {
            gq_diag_error(o->in_path, "--prune-layers: two tensors would both be named '%s'", sorted[i]);
            ok = false;
        }
    }
    free(sorted);
    return ok;
}

/* ggml refuses a model with two tensors of one name; across the parts of
 * a split only this check can see it. */
static bool check_unique_names(const run_options *o, const plan *p) {
    const char **sorted = malloc((p->n ? p->n : 1) * sizeof *sorted);
    if (!sorted) {
        gq_diag_error(NULL, "out of memory checking %zu tensor names", p->n);
        return false;
    }
    for (size_t i = 0; i < p->n; i++) sorted[i] = p->t[i].name;
    qsort(sorted, p->n, sizeof *sorted, compare_name_ptrs);
    bool ok = true;
    for (size_t i = 1; ok && i < p->n; i++)
        if (strcmp(sorted[i - 1], sorted[i]) == 0) {
            gq_diag_error(o->in_path, "tensor '%s' is in two parts of the split model", sorted[i]);
            ok = false;
        }
    free(sorted);
    return ok;
}

static int compare_part_order(const void *pa, const void *pb) {
    const planned_tensor *a = pa, *b = pb;
    if (a->part != b->part) return a->part < b->part ? -1 : 1;
    return a->src->offset < b->src->offset ? -1 : a->src->offset > b->src->offset;
}

/* The split keys llama-quantize writes in every part of a --keep-split
 * output (after part 1's other metadata): uint16 split.no, uint16
 * split.count, int32 split.tensors.count. */
static const struct { const char *key; uint64_t value_bytes; } split_kvs[] = {
    { "split.no", 2 }, { "split.count", 2 }, { "split.tensors.count", 4 },
};

/* The output files and their layout: one file, or with --keep-split one
 * per input part that still holds tensors (llama.cpp counts the parts as
 * one more than the highest part index left after --prune-layers). */
static bool plan_output_parts(const run_options *o, plan *p) {
    size_t n_parts = 1;
    if (o->keep_split)
        for (size_t i = 0; i < p->n; i++)
            if (p->t[i].part + 1 > n_parts) n_parts = p->t[i].part + 1;
    p->parts = calloc(n_parts, sizeof *p->parts);
    if (!p->parts) {
        gq_diag_error(NULL, "out of memory planning %zu output files", n_parts);
        return false;
    }
    p->n_parts = n_parts;
    for (size_t i = 0; i < p->n; i++) {
        out_part *op = &p->parts[o->keep_split ? p->t[i].part : 0];
        if (op->n == 0) op->first = i;
        op->n++;
    }
    uint32_t meta_alignment = out_meta_alignment(&p->meta);
    for (size_t k = 0; k < n_parts; k++) {
        out_part *op = &p->parts[k];
        if (k > 0 && op->n == 0) {
            /* llama-quantize would crash here: a part with no tensors has no output */
            gq_diag_error(o->in_path, "--keep-split: no tensor is left in part %zu of %zu", k + 1, n_parts);
            return false;
        }
        op->path = o->keep_split ? gguf_split_part_path(o->out_path, strlen(o->out_path), (unsigned)k + 1,
                                                        (unsigned)n_parts)
                                 : strdup(o->out_path);
        if (!op->path) {
            gq_diag_error(NULL, "out of memory naming the output files");
            return false;
        }
        /* part 1 carries the model's metadata; the others only the split keys */
        op->alignment = k == 0 ? meta_alignment : GGUF_DEFAULT_ALIGNMENT;
        uint64_t header = 4 + 4 + 8 + 8 + (k == 0 ? out_meta_bytes(&p->meta) : 0);
        if (n_parts > 1)
            for (size_t s = 0; s < sizeof split_kvs / sizeof split_kvs[0]; s++)
                header += 8 + strlen(split_kvs[s].key) + 4 + split_kvs[s].value_bytes;
        uint64_t data = 0;
        for (size_t i = op->first; i < op->first + op->n; i++) {
            header += 8 + strlen(p->t[i].name) + 4 + 8 * (uint64_t)p->t[i].n_dims_out + 4 + 8;
            data += (p->t[i].bytes_out + op->alignment - 1) / op->alignment * op->alignment;
        }
        op->header_bytes = (header + op->alignment - 1) / op->alignment * op->alignment;
        op->file_bytes = op->header_bytes + data;
        p->file_bytes += op->file_bytes;
    }
    p->alignment = meta_alignment;
    p->header_bytes = p->parts[0].header_bytes;
    return true;
}

/* Decide everything; print every problem found; false when the run must
 * not start. */
static bool build_plan(const run_options *o, const gguf_split *in, const gq_imatrix *im, plan *p) {
    memset(p, 0, sizeof *p);
    /* llama.cpp reads the metadata of the first part only */
    const gguf_file *f = in->parts[0];
    char msg[1024];
    gq_mix_model model;
    if (gq_mix_model_from_gguf(f, o->kv_overrides, o->n_kv_overrides, &model, msg, sizeof msg) != GQ_OK) {
        gq_diag_error(o->in_path, "%s", msg);
        return false;
    }
    if (msg[0] && !o->quiet && !o->copy) gq_diag_warn(o->in_path, "%s", msg);

    p->n = 0;
    for (size_t k = 0; k < in->n_parts; k++) p->n += (size_t)gguf_tensor_count(in->parts[k]);
    p->t = calloc(p->n ? p->n : 1, sizeof *p->t);
    const char **names = calloc(p->n ? p->n : 1, sizeof *names);
    size_t *order = calloc(p->n ? p->n : 1, sizeof *order);
    gq_mix_tensor *mt = calloc(p->n ? p->n : 1, sizeof *mt);
    gq_mix_choice *choices = calloc(p->n ? p->n : 1, sizeof *choices);
    bool ok = p->t && names && order && mt && choices;
    if (!ok) gq_diag_error(NULL, "out of memory planning %zu tensors", p->n);

    for (size_t i = 0, k = 0, j = 0; ok && i < p->n; i++, j++) {
        while (j >= gguf_tensor_count(in->parts[k])) { k++; j = 0; }
        const gguf_tensor *t = gguf_get_tensor(in->parts[k], j);
        p->t[i].file = in->parts[k];
        p->t[i].part = (unsigned)k;
        if (!t->type_known) {
            gq_diag_error(o->in_path, "tensor %zu has an unknown type", i);
            ok = false;
            break;
        }
        if (memchr(t->name.ptr, 0, (size_t)t->name.len)) {
            gq_diag_error(o->in_path, "tensor %zu: the name contains a NUL byte", i);
            ok = false;
            break;
        }
        char *name = malloc((size_t)t->name.len + 1);
        if (!name) { ok = false; break; }
        memcpy(name, t->name.ptr, (size_t)t->name.len);
        name[t->name.len] = 0;
        p->t[i].src = t;
        p->t[i].name = name;
        names[i] = name;
    }
    if (ok) {
        /* llama.cpp walks tensors by block, then name: its counters and the
         * output order both follow that order */
        gq_mix_order(names, p->n, order);
        planned_tensor *sorted = calloc(p->n ? p->n : 1, sizeof *sorted);
        if (!sorted) ok = false;
        for (size_t i = 0; ok && i < p->n; i++) sorted[i] = p->t[order[i]];
        if (ok) { free(p->t); p->t = sorted; }
    }
    /* COPY's file type is guessed from every input tensor, pruned ones too
     * (llama.cpp's loader guesses before quantizing prunes anything) */
    if (ok && in->n_parts > 1) ok = check_unique_names(o, p);
    if (ok && o->copy) p->file_type = input_file_type(f, p);
    if (ok && o->n_prune) ok = apply_prune(o, &model, p);
    /* --keep-split: llama.cpp sorts the kept tensors by part, then by
     * place in the part, before anything else looks at them, so the mix's
     * running counters follow that order too */
    if (ok && o->keep_split) qsort(p->t, p->n, sizeof *p->t, compare_part_order);
    for (size_t i = 0; ok && i < p->n; i++) {
        const gguf_tensor *t = p->t[i].src;
        mt[i] = (gq_mix_tensor){ p->t[i].name, t->n_dims, { t->ne[0], t->ne[1], t->ne[2], t->ne[3] }, t->type };
    }

    gq_mix_options mo = {
        .ftype = o->copy ? 0 : o->ftype, .only_copy = o->copy, .pure = o->pure,
        .leave_output = o->leave_output, .output_tensor_type = o->output_type,
        .token_embedding_type = o->token_type, .has_imatrix = im != NULL,
        .type_overrides = o->type_overrides, .n_type_overrides = o->n_type_overrides,
    };
    if (ok) {
        gq_status st = gq_mix_choose(&model, &mo, mt, p->n, choices, &p->n_fallback, msg, sizeof msg);
        if (st != GQ_OK) {
            gq_diag_error(o->in_path, "%s", msg);
            ok = false;
        }
    }

    /* Per tensor: sizes, conversions, importance weights. */
    size_t n_missing = 0, n_requant = 0, n_unsupported = 0;
    for (size_t i = 0; ok && i < p->n; i++) {
        planned_tensor *pt = &p->t[i];
        const gguf_tensor *t = pt->src;
        pt->choice = choices[i];
        pt->n_dims_out = effective_dims(t->ne);
        pt->bytes_in = t->n_bytes;
        /* Types named on the command line skip llama.cpp's shape fallback;
         * a row the block does not divide is refused here (llama.cpp aborts). */
        uint64_t row_bytes;
        if (!gq_type_row_bytes(pt->choice.type, t->ne[0], &row_bytes) ||
            !gq_type_row_bytes(pt->choice.type, t->n_elements, &pt->bytes_out)) {
            const gq_type_info *ti = gq_type_get(pt->choice.type);
            gq_diag_error(o->in_path, "tensor '%s': rows of %llu values do not split into %s blocks of %u (%s)",
                          pt->name, (unsigned long long)t->ne[0], gq_type_name(pt->choice.type),
                          ti ? ti->block_size : 0, pt->choice.reason ? pt->choice.reason : "");
            ok = false;
            break;
        }
        pt->convert = pt->choice.type != t->type;
        p->size_in += pt->bytes_in;
        p->size_out += pt->bytes_out;
        p->n_elements += t->n_elements;

        if (gguf_is_big_endian(pt->file) && swap_width(t->type) == 0) {
            gq_diag_error(o->in_path, "tensor '%s': %s blocks in a big-endian file cannot be read portably",
                          pt->name, gq_type_name(t->type));
            ok = false;
            break;
        }
        if (pt->convert) {
            const gq_type_info *src = gq_type_get(t->type);
            if (src && src->quantized) {
                p->requantizes = true;
                if (!o->allow_requantize) {
                    if (n_requant++ < 5)
                        gq_diag_error(o->in_path, "tensor '%s' is already quantized (%s): requantizing needs --allow-requantize",
                                      pt->name, gq_type_name(t->type));
                }
            }
            if (!gq_can_dequantize(t->type)) {
                gq_diag_error(o->in_path, "tensor '%s': cannot convert from %s", pt->name, gq_type_name(t->type));
                ok = false;
            }
            if (!o->dry_run && !gq_can_quantize(pt->choice.type)) {
                if (n_unsupported++ < 5)
                    gq_diag_error(NULL, "tensor '%s': this build cannot quantize to %s yet", pt->name,
                                  gq_type_name(pt->choice.type));
            }
        }

        if (im && pt->convert) {
            /* looked up under the input's name, as llama.cpp maps a renumbered block back */
            const gq_imatrix_entry *e = gq_imatrix_find(im, pt->source_name ? pt->source_name : pt->name);
            if (e) {
                if (e->n_values == t->ne[0] * t->ne[2]) {
                    pt->imatrix = e->weights;
                } else if (strcmp(pt->name, "token_embd.weight") != 0 &&
                           strcmp(pt->name, "per_layer_token_embd.weight") != 0) {
                    /* llama.cpp refuses: a mismatched matrix means most of
                     * the model would be quantized without one */
                    gq_diag_error(o->imatrix_path, "'%s' has %llu importance weights but the tensor needs %llu",
                                  pt->name, (unsigned long long)e->n_values,
                                  (unsigned long long)(t->ne[0] * t->ne[2]));
                    ok = false;
                }
            }
        }
        /* Without any importance matrix llama.cpp refuses as soon as one
         * quantizable tensor needs it; with one, when a converted tensor
         * has no entry. */
        bool missing = pt->choice.needs_imatrix && (im ? pt->convert && !pt->imatrix : true);
        if (missing) {
            if (n_missing++ < 8 && !o->dry_run)
                gq_diag_error(im ? o->imatrix_path : o->in_path,
                              "%s needs an importance matrix for tensor '%s' (%s)%s",
                              o->ftype_name, pt->name, gq_type_name(pt->choice.type),
                              im ? ": the importance matrix has no entry for it" : "");
        }
    }
    if (n_missing) {
        if (n_missing > 8 && !o->dry_run) gq_diag_error(NULL, "... and %zu more tensors", n_missing - 8);
        if (o->dry_run) {
            /* a prediction, not a refusal (llama-quantize warns the same way) */
            if (!o->quiet)
                gq_diag_warn(NULL, "the dry run completed, but quantizing for real needs importance weights for %zu tensor(s)%s",
                             n_missing, im ? " missing from the importance matrix" : " (--imatrix FILE)");
        } else {
            gq_diag_error(NULL, "refusing: %zu tensor(s) would be garbage without importance weights%s", n_missing,
                          im ? "" : " (pass --imatrix FILE)");
            ok = false;
        }
    }
    if (n_requant && !o->allow_requantize) {
        if (n_requant > 5) gq_diag_error(NULL, "... and %zu more quantized tensors", n_requant - 5);
        ok = false;
    }
    if (n_unsupported) ok = false;
    if (ok && p->requantizes && !o->quiet)
        gq_diag_warn(o->in_path, "requantizing already quantized tensors: expect worse quality than from 16/32-bit");

    /* Output metadata, then the layout. */
    if (ok) {
        if (!o->copy) p->file_type = (uint32_t)o->ftype;
        out_imatrix_info info;
        if (im) {
            info.file = o->imatrix_name ? o->imatrix_name : o->imatrix_path;
            info.dataset = im->n_datasets ? im->datasets[0] : NULL;
            info.n_entries = (uint32_t)im->n_entries;
            info.n_chunks = im->chunk_count;
        }
        if (!out_meta_build(f, p->file_type, o->kv_overrides, o->n_kv_overrides, im ? &info : NULL, &p->meta,
                            msg, sizeof msg)) {
            gq_diag_error(o->in_path, "%s", msg);
            ok = false;
        }
    }
    if (ok && o->n_prune) {
        /* llama-quantize sets it after everything else, so it goes last
         * (and wins over an --override-kv of the same key) */
        char key[sizeof model.arch + 16];
        snprintf(key, sizeof key, "%s.block_count", model.arch);
        if (!out_meta_set_u32(&p->meta, key, p->block_count_out)) {
            gq_diag_error(NULL, "out of memory building the output metadata");
            ok = false;
        }
    }
    if (ok) ok = plan_output_parts(o, p);
    free(names);
    free(order);
    free(mt);
    free(choices);
    return ok;
}

/* ------------------------------------------------------------ streaming */

typedef struct buffers {
    void *raw;      /* input rows as stored */
    float *f32;     /* the same rows as f32 */
    void *out;      /* quantized rows */
    uint64_t raw_cap, f32_cap, out_cap;
} buffers;

static bool reserve(void **p, uint64_t *cap, uint64_t need) {
    if (need <= *cap) return true;
    void *np = realloc(*p, need ? (size_t)need : 1);
    if (!np) return false;
    *p = np;
    *cap = need;
    return true;
}

typedef struct stream_state {
    const run_options *o;
    gguf_writer *w;
    const char *out_path;   /* the file being written, for messages */
    gq_progress progress;
    uint64_t bytes_done;
    size_t index;   /* the tensor being written, for the progress line */
    long page;      /* page size, for giving read pages back */
    buffers b;
} stream_state;

static void swap_bytes(uint8_t *p, uint64_t n, unsigned width) {
    if (width < 2) return;
    for (uint64_t i = 0; i + width <= n; i += width)
        for (unsigned a = 0, b = width - 1; a < b; a++, b--) {
            uint8_t t = p[i + a];
            p[i + a] = p[i + b];
            p[i + b] = t;
        }
}

/* The input is read once: hand mapped pages back after use, or the
 * process would grow to the size of the model.  They are clean and
 * file-backed, so nothing is lost. */
static void release_pages(const stream_state *s, const uint8_t *p, uint64_t n) {
#if defined(__linux__) && defined(MADV_DONTNEED)
    uintptr_t page = (uintptr_t)s->page;
    uintptr_t start = ((uintptr_t)p + page - 1) & ~(page - 1);
    uintptr_t end = ((uintptr_t)p + (uintptr_t)n) & ~(page - 1);
    if (end > start) (void)madvise((void *)start, end - start, MADV_DONTNEED);
#else
    (void)s;
    (void)p;
    (void)n;
#endif
}

/* n bytes of a tensor from byte `start`, little-endian: straight from the
 * map when possible, else read (and byte-swapped) into the raw buffer. */
static const uint8_t *source_bytes(stream_state *s, const planned_tensor *pt, uint64_t start, uint64_t n,
                                   gq_status *st) {
    const uint8_t *map = gguf_tensor_data(pt->file, pt->src);
    bool big = gguf_is_big_endian(pt->file);
    *st = GQ_OK;
    if (map && !big) return map + start;
    if (!reserve(&s->b.raw, &s->b.raw_cap, n)) {
        *st = GQ_ERR_NOMEM;
        gq_progress_clear(&s->progress);
        gq_diag_error(NULL, "out of memory reading tensor '%s'", pt->name);
        return NULL;
    }
    if (map) {
        memcpy(s->b.raw, map + start, (size_t)n);
    } else {
        gguf_error err;
        if (gguf_read_tensor(pt->file, pt->src, start, s->b.raw, n, &err) != GQ_OK) {
            *st = err.status;
            gq_progress_clear(&s->progress);
            gq_diag_gguf(s->o->in_path, &err);
            return NULL;
        }
    }
    if (big) swap_bytes(s->b.raw, n, swap_width(pt->src->type));
    return s->b.raw;
}

static void done_with_source(stream_state *s, const planned_tensor *pt, uint64_t start, uint64_t n) {
    const uint8_t *map = gguf_tensor_data(pt->file, pt->src);
    if (map) release_pages(s, map + start, n);
}

static gq_status write_piece(stream_state *s, const void *data, uint64_t size) {
    gguf_error err;
    gq_status st = gguf_writer_write(s->w, data, size, &err);
    if (st != GQ_OK) {
        gq_progress_clear(&s->progress);
        gq_diag_gguf(s->out_path, &err);
    }
    return st;
}

/* A tensor whose type does not change: its bytes, in bounded pieces. */
static gq_status copy_tensor(stream_state *s, const planned_tensor *pt) {
    const uint64_t piece_max = CHUNK_ELEMENTS * 4;
    for (uint64_t done = 0; done < pt->bytes_in;) {
        if (gq_interrupted()) return GQ_ERR_INTERRUPTED;
        uint64_t n = pt->bytes_in - done < piece_max ? pt->bytes_in - done : piece_max;
        gq_status st;
        const uint8_t *src = source_bytes(s, pt, done, n, &st);
        if (!src) return st;
        st = write_piece(s, src, n);
        done_with_source(s, pt, done, n);
        if (st != GQ_OK) return st;
        done += n;
        s->bytes_done += n;
        gq_progress_update(&s->progress, s->index, pt->name, gq_type_name(pt->choice.type), s->bytes_done);
    }
    return GQ_OK;
}

/* A tensor that changes type: per matrix (expert), rows in chunks:
 * read, widen to f32, quantize, write. */
static gq_status convert_tensor(stream_state *s, const planned_tensor *pt) {
    const gguf_tensor *t = pt->src;
    const int64_t ne0 = (int64_t)t->ne[0], nrows = (int64_t)t->ne[1];
    const uint64_t n_matrices = t->ne[2] * t->ne[3];
    uint64_t raw_row, out_row;
    if (!gq_type_row_bytes(t->type, t->ne[0], &raw_row) || !gq_type_row_bytes(pt->choice.type, t->ne[0], &out_row))
        return GQ_ERR_ARG;
    int64_t rows_per_chunk = (int64_t)(CHUNK_ELEMENTS / t->ne[0]);
    if (rows_per_chunk < 1) rows_per_chunk = 1;
    if (rows_per_chunk > nrows) rows_per_chunk = nrows;
    if (!reserve(&s->b.raw, &s->b.raw_cap, raw_row * (uint64_t)rows_per_chunk) ||
        !reserve((void **)&s->b.f32, &s->b.f32_cap, (uint64_t)ne0 * (uint64_t)rows_per_chunk * sizeof(float)) ||
        !reserve(&s->b.out, &s->b.out_cap, out_row * (uint64_t)rows_per_chunk)) {
        gq_progress_clear(&s->progress);
        gq_diag_error(NULL, "tensor '%s': out of memory for a chunk of %lld rows", pt->name, (long long)rows_per_chunk);
        return GQ_ERR_NOMEM;
    }
    for (uint64_t m = 0; m < n_matrices; m++) {
        /* llama.cpp quantizes each expert with its own slice of weights */
        const float *imatrix = pt->imatrix ? pt->imatrix + (m % t->ne[2]) * (uint64_t)ne0 : NULL;
        for (int64_t row = 0; row < nrows; row += rows_per_chunk) {
            if (gq_interrupted()) return GQ_ERR_INTERRUPTED;
            const int64_t n = nrows - row < rows_per_chunk ? nrows - row : rows_per_chunk;
            const uint64_t start = (m * (uint64_t)nrows + (uint64_t)row) * raw_row;
            gq_status st;
            const uint8_t *src = source_bytes(s, pt, start, raw_row * (uint64_t)n, &st);
            if (!src) return st;
            st = gq_dequantize_rows(t->type, src, s->b.f32, n, ne0, s->o->threads);
            done_with_source(s, pt, start, raw_row * (uint64_t)n);
            if (st != GQ_OK) {
                gq_progress_clear(&s->progress);
                gq_diag_error(s->o->in_path, "tensor '%s': cannot convert %s rows to f32: %s", pt->name,
                              gq_type_name(t->type), gq_status_str(st));
                return st;
            }
            size_t written = 0;
            gq_nonfinite_at where = { 0, 0, 0.0f };
            st = gq_quantize(pt->choice.type, s->b.f32, s->b.out, n, ne0, imatrix, s->o->threads, &written, &where);
            if (st == GQ_ERR_NONFINITE) {
                gq_progress_clear(&s->progress);
                gq_diag_error(s->o->in_path, "tensor '%s': non-finite weight %g at row %lld, column %lld",
                              pt->name, (double)where.value, (long long)(m * (uint64_t)nrows + (uint64_t)(row + where.row)),
                              (long long)where.col);
                return st;
            }
            if (st != GQ_OK) {
                gq_progress_clear(&s->progress);
                gq_diag_error(NULL, "tensor '%s': quantizing to %s failed: %s", pt->name,
                              gq_type_name(pt->choice.type), gq_status_str(st));
                return st;
            }
            st = write_piece(s, s->b.out, out_row * (uint64_t)n);
            if (st != GQ_OK) return st;
            s->bytes_done += raw_row * (uint64_t)n;
            gq_progress_update(&s->progress, s->index, pt->name, gq_type_name(pt->choice.type), s->bytes_done);
        }
    }
    return GQ_OK;
}

/* Where a --keep-split part waits until every part is complete: the
 * parts appear together or not at all. */
static char *pending_path(const char *path) {
    size_t n = strlen(path) + 40;
    char *pp = malloc(n);
    if (pp) snprintf(pp, n, "%s.gq-pending-%ld", path, (long)getpid());
    return pp;
}

/* Write output part k (to `path`, committed there): its metadata, its
 * tensor index, then its tensors' data. */
static gq_status write_part(const gguf_file *meta_src, const plan *p, size_t k, const char *path,
                            stream_state *s) {
    const out_part *op = &p->parts[k];
    gguf_error err;
    gguf_writer *w = gguf_writer_open(path, &err);
    if (!w) {
        gq_diag_gguf(op->path, &err);
        return err.status;
    }
    int slot = gq_cleanup_register(gguf_writer_temp_path(w));
    gq_status st = GQ_OK;
    if (k == 0) {
        st = out_meta_emit(&p->meta, meta_src, w);
        if (st != GQ_OK) gq_diag_error(op->path, "metadata: %s", gguf_writer_last_error(w));
    }
    if (st == GQ_OK && p->n_parts > 1) {
        /* llama-quantize: split.no counts from 0; the tensor count is the whole model's */
        st = gguf_writer_add_u16(w, split_kvs[0].key, (uint16_t)k);
        if (st == GQ_OK) st = gguf_writer_add_u16(w, split_kvs[1].key, (uint16_t)p->n_parts);
        if (st == GQ_OK) st = gguf_writer_add_i32(w, split_kvs[2].key, (int32_t)p->n);
        if (st != GQ_OK) gq_diag_error(op->path, "metadata: %s", gguf_writer_last_error(w));
    }
    for (size_t i = op->first; st == GQ_OK && i < op->first + op->n; i++) {
        const planned_tensor *pt = &p->t[i];
        st = gguf_writer_add_tensor(w, pt->name, pt->n_dims_out, pt->src->ne, pt->choice.type, NULL);
        if (st != GQ_OK) gq_diag_error(op->path, "%s", gguf_writer_last_error(w));
    }
    s->w = w;
    s->out_path = op->path;
    for (size_t i = op->first; st == GQ_OK && i < op->first + op->n; i++) {
        const planned_tensor *pt = &p->t[i];
        s->index = i;
        gq_progress_update(&s->progress, i, pt->name, gq_type_name(pt->choice.type), s->bytes_done);
        st = pt->convert ? convert_tensor(s, pt) : copy_tensor(s, pt);
    }
    if (st == GQ_OK && gq_interrupted()) st = GQ_ERR_INTERRUPTED;
    if (st != GQ_OK) {
        gguf_writer_abort(w);
        gq_cleanup_unregister(slot);
        return st;
    }
    st = gguf_writer_commit(w, &err);
    gq_cleanup_unregister(slot);
    if (st != GQ_OK) {
        gq_progress_clear(&s->progress);
        gq_diag_gguf(op->path, &err);
    }
    return st;
}

static gq_status write_output(const run_options *o, const gguf_split *in, const plan *p) {
    gguf_error err;
    for (size_t k = 0; k < p->n_parts; k++) {
        const char *out = p->parts[k].path;
        for (size_t j = 0; j < in->n_parts; j++)
            if (gguf_writer_check_not_same(out, in->paths[j], &err) != GQ_OK) {
                gq_diag_error(NULL, "%s", err.message);
                return GQ_ERR_ARG;
            }
        struct stat st_out;
        if (stat(out, &st_out) == 0 && S_ISDIR(st_out.st_mode)) {
            gq_diag_error(out, "is a directory: give the output file's name");
            return GQ_ERR_ARG;
        }
    }
    if (gq_interrupted()) {
        gq_diag_error(NULL, "interrupted before writing");
        return GQ_ERR_INTERRUPTED;
    }
    /* One file is committed straight to its name.  Parts are committed
     * to pending names first and renamed only when all of them are
     * complete. */
    bool staged = o->keep_split;
    char **pending = calloc(p->n_parts, sizeof *pending);
    int *slots = calloc(p->n_parts, sizeof *slots);
    gq_status st = pending && slots ? GQ_OK : GQ_ERR_NOMEM;
    if (st != GQ_OK) gq_diag_error(NULL, "out of memory starting the output");
    for (size_t k = 0; st == GQ_OK && staged && k < p->n_parts; k++) {
        slots[k] = -1;
        if (!(pending[k] = pending_path(p->parts[k].path))) st = GQ_ERR_NOMEM;
    }

    stream_state s = { .o = o, .page = sysconf(_SC_PAGESIZE) };
    if (s.page <= 0) s.page = 4096;
    gq_progress_init(&s.progress, o->quiet, p->n, p->size_in);
    size_t committed = 0;
    for (size_t k = 0; st == GQ_OK && k < p->n_parts; k++) {
        st = write_part(in->parts[0], p, k, staged ? pending[k] : p->parts[k].path, &s);
        if (st == GQ_OK && staged) {
            slots[k] = gq_cleanup_register(pending[k]);
            committed = k + 1;
        }
    }
    gq_progress_finish(&s.progress);
    free(s.b.raw);
    free(s.b.f32);
    free(s.b.out);
    if (st == GQ_OK && gq_interrupted()) st = GQ_ERR_INTERRUPTED;
    size_t renamed = 0;
    for (size_t k = 0; st == GQ_OK && staged && k < p->n_parts; k++) {
        if (rename(pending[k], p->parts[k].path) != 0) {
            gq_diag_error(p->parts[k].path, "cannot rename the finished part into place: %s", strerror(errno));
            st = GQ_ERR_IO;
            break;
        }
        renamed = k + 1;
    }
    if (st != GQ_OK && staged) {
        /* all or nothing: parts already in place go too */
        for (size_t k = 0; k < renamed; k++) unlink(p->parts[k].path);
        for (size_t k = renamed; k < committed; k++) unlink(pending[k]);
    }
    for (size_t k = 0; staged && pending && k < p->n_parts; k++) {
        if (k < committed) gq_cleanup_unregister(slots[k]);
        free(pending[k]);
    }
    free(pending);
    free(slots);
    if (st == GQ_ERR_INTERRUPTED) gq_diag_error(NULL, "interrupted: removed the partial output");
    return st;
}

/* -------------------------------------------------------------- reports */

static double mib(uint64_t b) { return (double)b / (1024.0 * 1024.0); }

static void print_dry_run(const run_options *o, const gguf_split *in, const plan *p) {
    char shape[GQ_FMT_BUF];
    for (size_t i = 0; i < p->n; i++) {
        const planned_tensor *pt = &p->t[i];
        gq_fmt_shape(pt->src->ne, pt->src->n_dims, shape, sizeof shape);
        printf("[%4zu/%4zu] %-40s %-16s %-8s -> %-8s %12llu bytes%s\n", i + 1, p->n, pt->name, shape,
               gq_type_name(pt->src->type), gq_type_name(pt->choice.type), (unsigned long long)pt->bytes_out,
               pt->choice.fell_back ? "  (fallback)" : "");
    }
    if (in->n_parts > 1)
        for (size_t k = 0; k < in->n_parts; k++)
            printf("input part %zu/%zu:  %s (%llu tensors)\n", k + 1, in->n_parts, in->paths[k],
                   (unsigned long long)gguf_tensor_count(in->parts[k]));
    if (o->keep_split)
        for (size_t k = 0; k < p->n_parts; k++)
            printf("output part %zu/%zu: %s (%zu tensors, %llu bytes)\n", k + 1, p->n_parts, p->parts[k].path,
                   p->parts[k].n, (unsigned long long)p->parts[k].file_bytes);
}

static void print_summary(const run_options *o, const plan *p, double seconds) {
    if (p->n_parts > 1 || o->keep_split)
        printf("%s: %s -> %s as %s (%zu parts: %s ... %s)\n", spec.prog, o->in_path, o->dry_run ? "(dry run)" : o->out_path,
               o->ftype_name, p->n_parts, p->parts[0].path, p->parts[p->n_parts - 1].path);
    else
        printf("%s: %s -> %s as %s\n", spec.prog, o->in_path, o->dry_run ? "(dry run)" : o->out_path, o->ftype_name);
    printf("model size: %10.2f MiB (%.2f bpw)\n", mib(p->size_in), gq_bpw(p->size_in, p->n_elements));
    printf("quant size: %10.2f MiB (%.2f bpw)\n", mib(p->size_out), gq_bpw(p->size_out, p->n_elements));
    printf("file size:  %llu bytes\n", (unsigned long long)p->file_bytes);
    if (o->n_prune) {
        printf("pruned:     blocks");
        for (size_t i = 0; i < o->n_prune; i++) printf("%s%d", i ? "," : " ", o->prune[i]);
        printf(" (%zu tensors); block_count %u -> %u\n", p->n_pruned_tensors, p->block_count_in, p->block_count_out);
    }
    if (p->n_fallback)
        printf("fallbacks:  %zu of %zu tensors did not fit their type's block and used another\n", p->n_fallback, p->n);
    if (!o->dry_run) printf("time:       %.2f s, %d threads\n", seconds, o->threads);
}

static void print_json(const run_options *o, const plan *p, const gq_imatrix *im, double seconds) {
    gq_json j;
    gq_json_init(&j, stdout, true);
    gq_json_begin_object(&j);
    gq_json_kv_string(&j, "schema", "gq-quantize/1");
    gq_json_kv_string(&j, "input", o->in_path);
    if (o->dry_run) gq_json_kv_null(&j, "output");
    else gq_json_kv_string(&j, "output", o->out_path);
    gq_json_kv_string(&j, "file_type", o->ftype_name);
    gq_json_kv_uint(&j, "file_type_id", p->file_type);
    gq_json_kv_bool(&j, "dry_run", o->dry_run);
    gq_json_kv_int(&j, "threads", o->threads);
    gq_json_key(&j, "imatrix");
    if (im) {
        gq_json_begin_object(&j);
        gq_json_kv_string(&j, "file", o->imatrix_path);
        gq_json_kv_uint(&j, "entries", im->n_entries);
        gq_json_kv_int(&j, "chunks", im->chunk_count);
        if (im->n_datasets) gq_json_kv_string(&j, "dataset", im->datasets[0]);
        gq_json_end_object(&j);
    } else {
        gq_json_null(&j);
    }
    if (o->n_prune) {
        gq_json_key(&j, "prune_layers");
        gq_json_begin_array(&j);
        for (size_t i = 0; i < o->n_prune; i++) gq_json_uint(&j, (uint64_t)o->prune[i]);
        gq_json_end_array(&j);
        gq_json_kv_uint(&j, "pruned_tensors", p->n_pruned_tensors);
        gq_json_kv_uint(&j, "block_count", p->block_count_out);
    }
    if (o->keep_split) {
        /* "output" is then the parts' prefix: say which files there are */
        gq_json_key(&j, "output_parts");
        gq_json_begin_array(&j);
        for (size_t k = 0; k < p->n_parts; k++) {
            gq_json_begin_object(&j);
            gq_json_kv_string(&j, "path", p->parts[k].path);
            gq_json_kv_uint(&j, "tensors", p->parts[k].n);
            gq_json_kv_uint(&j, "file_size", p->parts[k].file_bytes);
            gq_json_end_object(&j);
        }
        gq_json_end_array(&j);
    }
    gq_json_key(&j, "tensors");
    gq_json_begin_array(&j);
    for (size_t i = 0; i < p->n; i++) {
        const planned_tensor *pt = &p->t[i];
        gq_json_begin_object(&j);
        gq_json_kv_string(&j, "name", pt->name);
        gq_json_key(&j, "shape");
        gq_json_begin_array(&j);
        for (uint32_t d = 0; d < pt->src->n_dims; d++) gq_json_uint(&j, pt->src->ne[d]);
        gq_json_end_array(&j);
        gq_json_kv_string(&j, "type_in", gq_type_name(pt->src->type));
        gq_json_kv_string(&j, "type_out", gq_type_name(pt->choice.type));
        gq_json_kv_uint(&j, "bytes_in", pt->bytes_in);
        gq_json_kv_uint(&j, "bytes_out", pt->bytes_out);
        gq_json_kv_bool(&j, "fallback", pt->choice.fell_back);
        gq_json_kv_bool(&j, "imatrix", pt->imatrix != NULL);
        gq_json_kv_string(&j, "reason", pt->choice.reason);
        gq_json_end_object(&j);
    }
    gq_json_end_array(&j);
    gq_json_kv_uint(&j, "size_in", p->size_in);
    gq_json_kv_uint(&j, "size_out", p->size_out);
    gq_json_kv_uint(&j, "elements", p->n_elements);
    gq_json_kv_double(&j, "bpw_in", gq_bpw(p->size_in, p->n_elements));
    gq_json_kv_double(&j, "bpw_out", gq_bpw(p->size_out, p->n_elements));
    gq_json_kv_uint(&j, "file_size", p->file_bytes);
    gq_json_kv_uint(&j, "fallbacks", p->n_fallback);
    gq_json_kv_double(&j, "seconds", seconds);
    gq_json_end_object(&j);
    gq_json_finish(&j);
}

/* ------------------------------------------------------------ arguments */

static bool parse_type_arg(const char *opt, const char *text, int *out) {
    int t = gq_type_from_name(text);
    if (t < 0) {
        gq_args_usage_error(&spec, "--%s: unknown ggml type '%s'", opt, text);
        return false;
    }
    *out = t;
    return true;
}

static void free_options(run_options *o) {
    for (size_t i = 0; i < o->n_type_overrides; i++) free((char *)o->type_overrides[i].pattern);
    free(o->type_overrides);
    free(o->kv_overrides);
    free(o->prune);
    free(o->out_path);
    free(o->in_file);
}

/* One REGEX=TYPE (text[0..len), from --tensor-type or a type file) onto
 * the override list.  False with the reason in why. */
static bool add_type_override(run_options *o, const char *text, size_t len, char *why, size_t why_size) {
    const char *eq = NULL;
    for (size_t k = 0; k < len; k++)
        if (text[k] == '=') eq = text + k; /* the last '=' */
    if (!eq || eq == text || eq == text + len - 1) {
        snprintf(why, why_size, "want REGEX=TYPE");
        return false;
    }
    char type_name[64];
    size_t type_len = (size_t)(text + len - eq - 1);
    int type = -1;
    if (type_len < sizeof type_name) {
        memcpy(type_name, eq + 1, type_len);
        type_name[type_len] = 0;
        type = gq_type_from_name(type_name);
    }
    if (type < 0) {
        snprintf(why, why_size, "unknown ggml type '%.*s'", (int)(type_len < 64 ? type_len : 64), eq + 1);
        return false;
    }
    if (o->n_type_overrides == o->cap_type_overrides) {
        size_t cap = o->cap_type_overrides ? o->cap_type_overrides * 2 : 16;
        gq_mix_type_override *grown = realloc(o->type_overrides, cap * sizeof *grown);
        if (!grown) {
            snprintf(why, why_size, "out of memory");
            return false;
        }
        o->type_overrides = grown;
        o->cap_type_overrides = cap;
    }
    /* llama-quantize lower-cases the pattern */
    size_t pat_len = (size_t)(eq - text);
    char *pat = malloc(pat_len + 1);
    if (!pat) {
        snprintf(why, why_size, "out of memory");
        return false;
    }
    for (size_t k = 0; k < pat_len; k++)
        pat[k] = (char)(text[k] >= 'A' && text[k] <= 'Z' ? text[k] - 'A' + 'a' : text[k]);
    pat[pat_len] = 0;
    o->type_overrides[o->n_type_overrides++] = (gq_mix_type_override){ pat, (uint32_t)type };
    return true;
}

/* A type file is never this big; refusing keeps a wrong path (a model
 * file) from being read into memory. */
#define TYPE_FILE_MAX ((long)1 << 20)

static bool is_type_file_space(int c) {
    /* what std::istream >> std::string skips in the C locale */
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

/* --tensor-type-file FILE: llama-quantize reads it word by word (any
 * whitespace separates; blank lines are nothing; there is no comment
 * syntax, so "# note" is a malformed entry), each word one REGEX=TYPE.
 * Returns GQ_ARGS_CONTINUE or the exit code after the message, which
 * names FILE:LINE. */
static int read_type_file(run_options *o, const char *path) {
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return gq_args_usage_error(&spec, "--tensor-type-file '%s': cannot open: %s", path, strerror(errno));
    char *text = malloc((size_t)TYPE_FILE_MAX + 1);
    size_t n = text ? fread(text, 1, (size_t)TYPE_FILE_MAX + 1, fp) : 0;
    bool read_error = text && ferror(fp);
    fclose(fp);
    if (!text) return GQ_EXIT_FAILURE;
    int rc = GQ_ARGS_CONTINUE;
    if (read_error)
        rc = gq_args_usage_error(&spec, "--tensor-type-file '%s': cannot read: %s", path, strerror(errno));
    else if (n > (size_t)TYPE_FILE_MAX)
        rc = gq_args_usage_error(&spec, "--tensor-type-file '%s': over %ld bytes, not a list of REGEX=TYPE", path,
                                 TYPE_FILE_MAX);
    size_t line = 1;
    for (size_t i = 0; rc == GQ_ARGS_CONTINUE && i < n;) {
        if (is_type_file_space((unsigned char)text[i])) {
            line += text[i++] == '\n';
            continue;
        }
        size_t start = i;
        while (i < n && !is_type_file_space((unsigned char)text[i])) i++;
        const char *word = text + start;
        size_t len = i - start;
        char why[256];
        if (memchr(word, 0, len))
            rc = gq_args_usage_error(&spec, "--tensor-type-file %s:%zu: a NUL byte (not a text file?)", path, line);
        else if (!add_type_override(o, word, len, why, sizeof why))
            rc = gq_args_usage_error(&spec, "--tensor-type-file %s:%zu: '%.*s': %s", path, line,
                                     (int)(len < 200 ? len : 200), word, why);
    }
    free(text);
    return rc;
}

/* --prune-layers L0,L1,...: repeated options add to one list, kept
 * ascending without repeats (llama-quantize does the same). */
static int add_prune_layers(run_options *o, const char *text) {
    int *ids;
    size_t n_ids;
    char msg[256];
    if (!layer_prune_parse(text, &ids, &n_ids, msg, sizeof msg))
        return gq_args_usage_error(&spec, "--prune-layers: %s", msg);
    int *all = realloc(o->prune, (o->n_prune + n_ids) * sizeof *all);
    if (!all) {
        free(ids);
        return GQ_EXIT_FAILURE;
    }
    o->prune = all;
    for (size_t i = 0; i < n_ids; i++) {
        size_t at = 0;
        while (at < o->n_prune && o->prune[at] < ids[i]) at++;
        if (at < o->n_prune && o->prune[at] == ids[i]) continue;
        memmove(&o->prune[at + 1], &o->prune[at], (o->n_prune - at) * sizeof *o->prune);
        o->prune[at] = ids[i];
        o->n_prune++;
    }
    free(ids);
    return GQ_ARGS_CONTINUE;
}

/* --help, --version or --help-man was printed: exit 0.  Not GQ_EXIT_OK,
 * which equals GQ_ARGS_CONTINUE and would run the program. */
#define OPTIONS_DONE (-1)

/* Returns GQ_ARGS_CONTINUE, OPTIONS_DONE, or an exit code to return. */
static int parse_options(int argc, char **argv, gq_args *a, run_options *o) {
    memset(o, 0, sizeof *o);
    o->output_type = o->token_type = -1;
    int rc = gq_args_parse(a, &spec, argc, argv);
    if (rc != GQ_ARGS_CONTINUE) return rc == GQ_ARGS_DONE ? OPTIONS_DONE : GQ_EXIT_USAGE;

    o->imatrix_path = gq_args_get(a, "imatrix");
    o->imatrix_name = gq_args_get(a, "imatrix-name");
    o->pure = gq_args_has(a, "pure");
    o->leave_output = gq_args_has(a, "leave-output-tensor");
    o->allow_requantize = gq_args_has(a, "allow-requantize");
    o->dry_run = gq_args_has(a, "dry-run");
    o->quiet = gq_args_has(a, "quiet");
    o->json = gq_args_has(a, "json");
    o->keep_split = gq_args_has(a, "keep-split");
    if (gq_args_get(a, "output-tensor-type") && !parse_type_arg("output-tensor-type", gq_args_get(a, "output-tensor-type"), &o->output_type))
        return GQ_EXIT_USAGE;
    if (gq_args_get(a, "token-embedding-type") && !parse_type_arg("token-embedding-type", gq_args_get(a, "token-embedding-type"), &o->token_type))
        return GQ_EXIT_USAGE;
    if (gq_args_count(a, "include-weights") && gq_args_count(a, "exclude-weights"))
        return gq_args_usage_error(&spec, "--include-weights and --exclude-weights cannot be used together");
    if ((gq_args_count(a, "include-weights") || gq_args_count(a, "exclude-weights") || o->imatrix_name) && !o->imatrix_path)
        return gq_args_usage_error(&spec, "--include-weights, --exclude-weights and --imatrix-name need --imatrix");

    size_t n_kv = gq_args_count(a, "override-kv");
    o->kv_overrides = calloc(n_kv ? n_kv : 1, sizeof *o->kv_overrides);
    if (!o->kv_overrides) return GQ_EXIT_FAILURE;
    /* --tensor-type and --tensor-type-file feed one list in command-line
     * order, as in llama-quantize: the first pattern that matches wins. */
    for (size_t h = 0; h < a->n_hits; h++) {
        const char *name = a->hits[h].opt->name;
        int rc = GQ_ARGS_CONTINUE;
        if (strcmp(name, "tensor-type") == 0) {
            char why[256];
            if (!add_type_override(o, a->hits[h].value, strlen(a->hits[h].value), why, sizeof why))
                rc = gq_args_usage_error(&spec, "--tensor-type '%s': %s", a->hits[h].value, why);
        } else if (strcmp(name, "tensor-type-file") == 0) {
            rc = read_type_file(o, a->hits[h].value);
        } else if (strcmp(name, "prune-layers") == 0) {
            rc = add_prune_layers(o, a->hits[h].value);
        }
        if (rc != GQ_ARGS_CONTINUE) return rc;
    }
    for (size_t i = 0; i < n_kv; i++) {
        char msg[256];
        if (!gq_kv_override_parse(gq_args_value_at(a, "override-kv", i), &o->kv_overrides[i], msg, sizeof msg))
            return gq_args_usage_error(&spec, "--override-kv: %s", msg);
        o->n_kv_overrides++;
    }

    /* Positionals: IN OUT TYPE [THREADS], or IN TYPE [THREADS] as llama-quantize allows. */
    const char **pos = a->positional;
    size_t np = a->n_positional;
    if (np < 2) return gq_args_usage_error(&spec, "need IN.gguf, OUT.gguf and TYPE");
    o->in_path = pos[0];
    size_t type_at;
    bool type_second = strcmp(pos[1], "COPY") == 0 || strcmp(pos[1], "copy") == 0 || gq_ftype_from_name(pos[1]);
    if (type_second) {
        type_at = 1; /* IN TYPE [THREADS]: output beside the input, named as llama-quantize names it */
        /* ... but never inside a model store: an ollama:/hf: input writes here. */
        const char *slash = gq_store_kind_of(o->in_path) == GQ_STORE_FILE ? strrchr(o->in_path, '/') : NULL;
        size_t dir = slash ? (size_t)(slash - o->in_path) + 1 : 0;
        size_t need = dir + strlen("ggml-model-") + strlen(pos[1]) + strlen(".gguf") + 1;
        o->out_path = malloc(need);
        if (!o->out_path) return GQ_EXIT_FAILURE;
        /* with --keep-split this is the parts' prefix: no extension */
        snprintf(o->out_path, need, "%.*sggml-model-%s%s", (int)dir, o->in_path, pos[1], o->keep_split ? "" : ".gguf");
    } else {
        if (np < 3) return gq_args_usage_error(&spec, "need IN.gguf, OUT.gguf and TYPE");
        type_at = 2;
        o->out_path = strdup(pos[1]);
        if (!o->out_path) return GQ_EXIT_FAILURE;
        /* --keep-split: OUT.gguf names the parts OUT-00001-of-0000N.gguf ... */
        size_t out_len = strlen(o->out_path);
        if (o->keep_split && out_len > 5 && strcmp(o->out_path + out_len - 5, ".gguf") == 0)
            o->out_path[out_len - 5] = 0;
    }
    const char *type_text = pos[type_at];
    if (strcmp(type_text, "COPY") == 0 || strcmp(type_text, "copy") == 0) {
        o->copy = true;
        o->ftype_name = "COPY";
    } else {
        const gq_ftype_info *fi = gq_ftype_from_name(type_text);
        if (!fi || gq_mix_default_type(fi->id) < 0)
            return gq_args_usage_error(&spec, "unknown or unsupported file type '%s' (see --help)", type_text);
        o->ftype = fi->id;
        o->ftype_name = fi->name;
    }
    if (np > type_at + 2) return gq_args_usage_error(&spec, "unexpected argument '%s'", pos[type_at + 2]);

    uint64_t threads = (uint64_t)gq_cpu_count();
    if (np == type_at + 2 && !gq_parse_u64(pos[type_at + 1], &threads))
        return gq_args_usage_error(&spec, "THREADS '%s' is not a number", pos[type_at + 1]);
    if (!gq_args_get_u64(a, "threads", &threads)) return GQ_EXIT_USAGE;
    if (threads == 0) threads = (uint64_t)gq_cpu_count();
    if (threads > 1024) threads = 1024;
    o->threads = (int)threads;
    return GQ_ARGS_CONTINUE;
}

/* --------------------------------------------------------------- main */

static gq_imatrix *load_imatrix(const run_options *o, const gq_args *a, bool *failed) {
    *failed = false;
    if (!o->imatrix_path) return NULL;
    gq_status st;
    char msg[1024];
    gq_imatrix *im = gq_imatrix_load(o->imatrix_path, &st, msg, sizeof msg);
    if (!im) {
        gq_diag_error(NULL, "%s", msg);
        *failed = true;
        return NULL;
    }
    if (!im->is_legacy && !im->has_metadata) {
        /* llama-quantize refuses these: a GGUF imatrix always has them */
        gq_diag_error(o->imatrix_path, "missing imatrix metadata (imatrix.datasets, imatrix.chunk_count, imatrix.chunk_size)");
        gq_imatrix_free(im);
        *failed = true;
        return NULL;
    }
    size_t n_inc = gq_args_count(a, "include-weights"), n_exc = gq_args_count(a, "exclude-weights");
    const char *inc[64], *exc[64];
    if (n_inc > 64 || n_exc > 64) {
        gq_diag_error(NULL, "at most 64 --include-weights / --exclude-weights");
        gq_imatrix_free(im);
        *failed = true;
        return NULL;
    }
    for (size_t i = 0; i < n_inc; i++) inc[i] = gq_args_value_at(a, "include-weights", i);
    for (size_t i = 0; i < n_exc; i++) exc[i] = gq_args_value_at(a, "exclude-weights", i);
    gq_imatrix_filter(im, inc, n_inc, exc, n_exc);
    size_t bad_entry;
    uint64_t bad_index;
    if (gq_imatrix_find_nonfinite(im, &bad_entry, &bad_index)) {
        gq_diag_error(o->imatrix_path, "non-finite importance weight for '%s' at index %llu",
                      im->entries[bad_entry].name, (unsigned long long)bad_index);
        gq_imatrix_free(im);
        *failed = true;
        return NULL;
    }
    if (im->n_entries == 0) {
        /* as llama-quantize: nothing left means no importance matrix at all */
        if (!o->quiet) gq_diag_warn(o->imatrix_path, "no importance matrix entries left after filtering: not using it");
        gq_imatrix_free(im);
        return NULL;
    }
    return im;
}

int main(int argc, char **argv) {
    gq_diag_set_prog(spec.prog);
    gq_sigbus_install(GQ_EXIT_FAILURE); /* an input truncated while mapped */
    gq_args a;
    run_options o;
    int rc = parse_options(argc, argv, &a, &o);
    if (rc != GQ_ARGS_CONTINUE) {
        free_options(&o);
        gq_args_free(&a);
        return rc == OPTIONS_DONE ? GQ_EXIT_OK : rc;
    }
    /* a file-size limit must fail write() (EFBIG) rather than kill us, so
     * the temporary file is removed */
    signal(SIGXFSZ, SIG_IGN);
    gq_cleanup_install(true);
    double t0 = gq_now_seconds();

    bool imatrix_failed;
    gq_imatrix *im = load_imatrix(&o, &a, &imatrix_failed);
    int exit_code = GQ_EXIT_OK;
    gguf_split in;
    memset(&in, 0, sizeof in);
    plan p;
    memset(&p, 0, sizeof p);
    if (imatrix_failed) exit_code = GQ_EXIT_FAILURE;

    if (exit_code == GQ_EXIT_OK) {
        gguf_error err;
        char store_err[1024];
        if (!(o.in_file = gq_store_resolve(o.in_path, store_err, sizeof store_err))) {
            gq_diag_error(o.in_path, "%s", store_err);
            exit_code = GQ_EXIT_FAILURE;
        } else if (gguf_split_open(&in, o.in_file, o.dry_run ? GGUF_OPEN_HEADER_ONLY : 0, GGUF_SPLIT_AS_LLAMA,
                                   &err) != GQ_OK) {
            /* say which file is at fault once: the split checks' messages
             * start with it, a reader error in another part needs it */
            const char *part = in.paths && in.failed < in.n_expected ? in.paths[in.failed] : NULL;
            size_t part_len = part ? strlen(part) : 0;
            if (part && !err.has_offset && strncmp(err.message, part, part_len) == 0 && err.message[part_len] == ':')
                gq_diag_gguf(NULL, &err);
            else
                gq_diag_gguf(part && in.failed > 0 && err.has_offset ? part : o.in_path, &err);
            exit_code = gq_exit_code(err.status);
        }
    }
    if (exit_code == GQ_EXIT_OK && !build_plan(&o, &in, im, &p)) exit_code = GQ_EXIT_FAILURE;
    if (exit_code == GQ_EXIT_OK && !o.dry_run) {
        gq_status st = write_output(&o, &in, &p);
        if (st != GQ_OK) exit_code = gq_exit_code(st);
    }
    if (exit_code == GQ_EXIT_OK) {
        double seconds = gq_now_seconds() - t0;
        if (o.json) {
            print_json(&o, &p, im, seconds);
        } else if (!o.quiet || o.dry_run) {
            if (o.dry_run) print_dry_run(&o, &in, &p);
            if (!o.quiet) print_summary(&o, &p, seconds);
        }
    }
    free_plan(&p);
    gguf_split_close(&in);
    gq_imatrix_free(im);
    free_options(&o);
    gq_args_free(&a);
    return exit_code;
}
