/* gq-inspect: what is in a GGUF file.
 *
 *   gq-inspect FILE                      summary, type histogram, metadata, tensor table
 *   gq-inspect --json FILE               the same, machine-readable (docs/json.md)
 *   gq-inspect --kv | --tensors FILE     one section; --filter GLOB narrows it
 *   gq-inspect --memory [--ctx N] FILE   weights + KV cache at context N
 *   gq-inspect --tensor NAME [--rows A:B] FILE         values, statistics, histogram
 *   gq-inspect --tensor NAME --block K [--ref ORIG] FILE  one block decoded (docs/formats.md)
 *   gq-inspect --dump-tensor NAME -o OUT [--rows A:B] FILE   raw little-endian float32
 *
 * Files are opened leniently: duplicate keys and unknown tensor type ids
 * (written by forks) are shown with a warning, and whatever needs the
 * missing sizes says exactly why it cannot go on.  Exit codes: 0 ok,
 * 1 invalid file or failed operation, 2 usage error. */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/args.h"
#include "cli/block_view.h"
#include "cli/cleanup.h"
#include "cli/diag.h"
#include "cli/fmt.h"
#include "cli/json.h"
#include "cli/kv_format.h"
#include "cli/kv_memory.h"
#include "cli/model_info.h"
#include "cli/output_file.h"
#include "cli/sigbus.h"
#include "cli/table.h"
#include "cli/tensor_values.h"
#include "gq/ftype.h"
#include "gq/gguf.h"
#include "gq/types.h"
#include "store/model_ref.h"
#include "store/ollama_label.h"
#include "store/ollama_list.h"

#define SCHEMA "gq-inspect/1"
#define ARRAY_PREVIEW 8     /* array items shown without --full-arrays */
#define STRING_PREVIEW 100  /* characters of a string shown without --full-arrays */
#define HISTOGRAM_BINS 20
#define BATCH_VALUES (1u << 20)

typedef struct inspect {
    const char *path;            /* as the user wrote it (a file, ollama:NAME or hf:ORG/REPO/FILE) */
    gq_store_model store;        /* the file it names (store.path) and Ollama's recorded label */
    gguf_file *f;
    bool json, pretty;
    bool show_summary, show_types, show_kv, show_tensors, show_memory;
    bool full_arrays;
    const char *const *filters;
    size_t n_filters;
    uint64_t ctx;
    bool ctx_from_file;
    const char *tensor_name; /* --tensor */
    const char *dump_name;   /* --dump-tensor */
    const char *output;      /* -o for --dump-tensor */
    bool rows_given;
    uint64_t row_begin, row_end; /* row_end UINT64_MAX: to the last row */
    bool block_given;            /* --block K */
    uint64_t block;
    const char *ref_path;        /* --ref FILE (with --block) */
    char *name_buf;              /* NUL-terminated copies of names for fnmatch */
    size_t name_cap;
    bool printed;                /* a section is on stdout already */
} inspect;

/* A blank line between sections, none before the first. */
static const char *section_gap(inspect *in) {
    const char *gap = in->printed ? "\n" : "";
    in->printed = true;
    return gap;
}

/* ------------------------------------------------------------------ filtering */

/* A NUL-terminated copy of a name that lives in the file (names are not
 * terminated there). NULL when memory runs out. */
static const char *cstr(inspect *in, gguf_str s) {
    if (s.len + 1 > in->name_cap) {
        size_t cap = (size_t)s.len + 1;
        char *b = realloc(in->name_buf, cap);
        if (!b) return NULL;
        in->name_buf = b;
        in->name_cap = cap;
    }
    memcpy(in->name_buf, s.ptr, (size_t)s.len);
    in->name_buf[s.len] = '\0';
    return in->name_buf;
}

static bool matches(inspect *in, gguf_str name) {
    if (in->n_filters == 0) return true;
    const char *s = cstr(in, name);
    if (!s) return false;
    for (size_t i = 0; i < in->n_filters; i++)
        if (fnmatch(in->filters[i], s, 0) == 0) return true;
    return false;
}

static bool tensor_matches(const gguf_tensor *t, void *ctx) { return matches(ctx, t->name); }

/* ------------------------------------------------------------------ summary */

static const char *byte_order(const gguf_file *f) { return gguf_is_big_endian(f) ? "big-endian" : "little-endian"; }

static void text_summary(inspect *in, const gq_model_info *all) {
    const gguf_file *f = in->f;
    char a[GQ_FMT_BUF], b[GQ_FMT_BUF];
    gq_table *t = gq_table_new(2);
    if (!t) return;
    gq_table_row(t);
    gq_table_cell(t, "file");
    gq_table_cell(t, in->path);
    if (in->store.kind != GQ_STORE_FILE) {
        gq_table_row(t);
        gq_table_cell(t, "stored at");
        gq_table_cell(t, in->store.path);
    }
    gq_table_row(t);
    gq_table_cell(t, "GGUF version");
    gq_table_cellf(t, "%" PRIu32 ", %s%s", gguf_version(f), byte_order(f),
                   gguf_is_big_endian(f) ? " (tensor data is big-endian too)" : "");
    gq_table_row(t);
    gq_table_cell(t, "file size");
    gq_table_cellf(t, "%s (%s bytes)", gq_fmt_size(gguf_file_size(f), 2, a, sizeof a),
                   gq_fmt_thousands(gguf_file_size(f), b, sizeof b));
    gq_table_row(t);
    gq_table_cell(t, "alignment");
    gq_table_cellf(t, "%" PRIu32 " (tensor data starts at byte %s)", gguf_alignment(f),
                   gq_fmt_thousands(gguf_data_offset(f), a, sizeof a));
    gq_table_row(t);
    gq_table_cell(t, "metadata");
    gq_table_cellf(t, "%" PRIu64 " keys", gguf_kv_count(f));
    gq_table_row(t);
    gq_table_cell(t, "tensors");
    gq_table_cellf(t, "%" PRIu64, gguf_tensor_count(f));
    gq_table_row(t);
    gq_table_cell(t, "architecture");
    if (all->architecture.len) gq_table_cell(t, cstr(in, all->architecture));
    else gq_table_cell(t, "-");
    gq_table_row(t);
    gq_table_cell(t, "name");
    if (all->name.len) gq_table_cell(t, cstr(in, all->name));
    else gq_table_cell(t, "-");
    gq_table_row(t);
    gq_table_cell(t, "file type");
    if (all->has_file_type) {
        const gq_ftype_info *ft = all->file_type >= INT32_MIN && all->file_type <= INT32_MAX
                                      ? gq_ftype_get((int)all->file_type) : NULL;
        if (ft) gq_table_cellf(t, "%s (%" PRId64 ")", ft->enum_name, all->file_type);
        else gq_table_cellf(t, "unknown (%" PRId64 ")", all->file_type);
    } else {
        gq_table_cell(t, "- (no general.file_type)");
    }
    char label[256];
    gq_ollama_label_describe(f, in->store.recorded_label, label, sizeof label);
    gq_table_row(t);
    gq_table_cell(t, "ollama label");
    gq_table_cell(t, label);
    gq_table_row(t);
    gq_table_cell(t, "parameters");
    gq_table_cellf(t, "%s (%s)", gq_fmt_count_short(all->n_elements, a, sizeof a),
                   gq_fmt_thousands(all->n_elements, b, sizeof b));
    gq_table_row(t);
    gq_table_cell(t, "tensor data");
    if (all->bytes_known)
        gq_table_cellf(t, "%s (%s bytes)", gq_fmt_size(all->tensor_bytes, 2, a, sizeof a),
                       gq_fmt_thousands(all->tensor_bytes, b, sizeof b));
    else
        gq_table_cell(t, "unknown (a tensor type is unknown)");
    gq_table_row(t);
    gq_table_cell(t, "bits per weight");
    if (all->bytes_known && all->n_elements) gq_table_cellf(t, "%.4f", gq_model_info_bpw(all));
    else gq_table_cell(t, "-");
    gq_table_print(t, stdout, false);
    gq_table_free(t);
    in->printed = true;
}

static void text_types(inspect *in, gq_model_info *info) {
    const bool colour = gq_colour_enabled(stdout);
    char a[GQ_FMT_BUF], b[GQ_FMT_BUF];
    gq_model_info_sort_types(info);
    printf("%stensor types%s\n", section_gap(in), in->n_filters ? " (tensors matching the filter)" : "");
    gq_table *t = gq_table_new(6);
    if (!t) return;
    gq_table_set_indent(t, 2);
    gq_table_column(t, 0, "type", GQ_ALIGN_LEFT);
    gq_table_column(t, 1, "tensors", GQ_ALIGN_RIGHT);
    gq_table_column(t, 2, "elements", GQ_ALIGN_RIGHT);
    gq_table_column(t, 3, "bytes", GQ_ALIGN_RIGHT);
    gq_table_column(t, 4, "share", GQ_ALIGN_RIGHT);
    gq_table_column(t, 5, "bpw", GQ_ALIGN_RIGHT);
    const double file = (double)gguf_file_size(in->f);
    for (uint64_t i = 0; i < info->n_types; i++) {
        const gq_type_usage *u = &info->types[i];
        gq_table_row(t);
        gq_table_cell(t, gq_type_name(u->type));
        gq_table_cellf(t, "%" PRIu64, u->tensors);
        gq_table_cell(t, gq_fmt_thousands(u->elements, a, sizeof a));
        if (u->known) {
            gq_table_cell(t, gq_fmt_size(u->bytes, 2, a, sizeof a));
            gq_table_cellf(t, "%.1f%%", file > 0 ? 100.0 * (double)u->bytes / file : 0.0);
            gq_table_cell(t, gq_fmt_bpw(u->bytes, u->elements, b, sizeof b));
        } else {
            gq_table_cell(t, "?");
            gq_table_cell(t, "?");
            gq_table_cell(t, "?");
        }
    }
    gq_table_separator(t);
    gq_table_row(t);
    gq_table_cell(t, "total");
    gq_table_cellf(t, "%" PRIu64, info->n_tensors);
    gq_table_cell(t, gq_fmt_thousands(info->n_elements, a, sizeof a));
    if (info->bytes_known) {
        gq_table_cell(t, gq_fmt_size(info->tensor_bytes, 2, a, sizeof a));
        gq_table_cellf(t, "%.1f%%", file > 0 ? 100.0 * (double)info->tensor_bytes / file : 0.0);
        gq_table_cell(t, gq_fmt_bpw(info->tensor_bytes, info->n_elements, b, sizeof b));
    }
    gq_table_print(t, stdout, colour);
    gq_table_free(t);
}

/* ------------------------------------------------------------------ metadata */

static void text_metadata(inspect *in) {
    const gguf_file *f = in->f;
    const bool colour = gq_colour_enabled(stdout);
    uint64_t shown = 0;
    /* Keys first so the value column lines up; the table helper would
     * copy every value, so this section aligns by hand. */
    size_t key_w = 3, type_w = 4;
    char type[64];
    for (uint64_t i = 0; i < gguf_kv_count(f); i++) {
        const gguf_kv *kv = gguf_get_kv(f, i);
        if (!matches(in, kv->key)) continue;
        size_t kw = (size_t)kv->key.len, tw = strlen(gq_kv_type_text(&kv->value, type, sizeof type));
        if (kw > 60) kw = 60;
        if (kw > key_w) key_w = kw;
        if (tw > type_w) type_w = tw;
        shown++;
    }
    printf("%smetadata (%" PRIu64 " of %" PRIu64 " keys)\n", section_gap(in), shown, gguf_kv_count(f));
    if (colour) fputs("\033[1m", stdout);
    printf("  %-*s  %-*s  value", (int)key_w, "key", (int)type_w, "type");
    if (colour) fputs("\033[0m", stdout);
    putchar('\n');
    for (uint64_t i = 0; i < gguf_kv_count(f); i++) {
        const gguf_kv *kv = gguf_get_kv(f, i);
        if (!matches(in, kv->key)) continue;
        fputs("  ", stdout);
        gq_text_plain(stdout, kv->key.ptr, kv->key.len);
        for (size_t pad = (size_t)kv->key.len; pad < key_w; pad++) putchar(' ');
        printf("  %-*s  ", (int)type_w, gq_kv_type_text(&kv->value, type, sizeof type));
        gq_kv_value_text(stdout, f, &kv->value, in->full_arrays ? 0 : ARRAY_PREVIEW,
                         in->full_arrays ? 0 : STRING_PREVIEW);
        if (kv->duplicate) fputs("  (duplicate key: ignored, the first one counts)", stdout);
        putchar('\n');
    }
}

/* ------------------------------------------------------------------ tensors */

static void text_tensors(inspect *in) {
    const gguf_file *f = in->f;
    const bool colour = gq_colour_enabled(stdout);
    char a[GQ_FMT_BUF], b[GQ_FMT_BUF];
    gq_table *t = gq_table_new(8);
    if (!t) return;
    gq_table_set_indent(t, 2);
    const char *heads[] = {"#", "name", "type", "shape", "elements", "bytes", "bpw", "offset"};
    for (size_t c = 0; c < 8; c++) gq_table_column(t, c, heads[c], c == 1 || c == 2 || c == 3 ? GQ_ALIGN_LEFT : GQ_ALIGN_RIGHT);
    for (uint64_t i = 0; i < gguf_tensor_count(f); i++) {
        const gguf_tensor *x = gguf_get_tensor(f, i);
        if (!matches(in, x->name)) continue;
        gq_table_row(t);
        gq_table_cellf(t, "%" PRIu64, i);
        gq_table_cell(t, cstr(in, x->name));
        gq_table_cell(t, gq_type_name(x->type));
        gq_table_cell(t, gq_fmt_shape(x->ne, x->n_dims, a, sizeof a));
        gq_table_cell(t, gq_fmt_thousands(x->n_elements, b, sizeof b));
        if (x->type_known) {
            gq_table_cell(t, gq_fmt_thousands(x->n_bytes, a, sizeof a));
            gq_table_cell(t, gq_fmt_bpw(x->n_bytes, x->n_elements, b, sizeof b));
        } else {
            gq_table_cell(t, "?");
            gq_table_cell(t, "?");
        }
        gq_table_cell(t, gq_fmt_thousands(x->offset, a, sizeof a));
    }
    printf("%stensors (%zu of %" PRIu64 "; offsets are relative to the data section)\n", section_gap(in), gq_table_row_count(t),
           gguf_tensor_count(f));
    gq_table_print(t, stdout, colour);
    gq_table_free(t);
}

/* ------------------------------------------------------------------ JSON views */

static void json_summary(inspect *in, gq_json *j, const gq_model_info *all) {
    const gguf_file *f = in->f;
    gq_json_key(j, "summary");
    gq_json_begin_object(j);
    gq_json_kv_uint(j, "gguf_version", gguf_version(f));
    gq_json_kv_string(j, "byte_order", byte_order(f));
    gq_json_kv_uint(j, "file_size", gguf_file_size(f));
    gq_json_kv_uint(j, "alignment", gguf_alignment(f));
    gq_json_kv_uint(j, "header_size", gguf_header_size(f));
    gq_json_kv_uint(j, "data_offset", gguf_data_offset(f));
    gq_json_kv_uint(j, "kv_count", gguf_kv_count(f));
    gq_json_kv_uint(j, "tensor_count", gguf_tensor_count(f));
    gq_json_key(j, "architecture");
    if (all->architecture.len) gq_json_string_n(j, all->architecture.ptr, (size_t)all->architecture.len);
    else gq_json_null(j);
    gq_json_key(j, "name");
    if (all->name.len) gq_json_string_n(j, all->name.ptr, (size_t)all->name.len);
    else gq_json_null(j);
    gq_json_key(j, "file_type");
    if (all->has_file_type) {
        const gq_ftype_info *ft = all->file_type >= INT32_MIN && all->file_type <= INT32_MAX
                                      ? gq_ftype_get((int)all->file_type) : NULL;
        gq_json_begin_object(j);
        gq_json_kv_int(j, "id", all->file_type);
        gq_json_kv_string(j, "name", ft ? ft->name : NULL);
        gq_json_kv_string(j, "enum_name", ft ? ft->enum_name : NULL);
        gq_json_end_object(j);
    } else {
        gq_json_null(j);
    }
    /* What Ollama prints for this file (docs/stores.md). */
    gq_json_key(j, "ollama_label");
    gq_json_begin_object(j);
    gq_json_kv_string(j, "shown", gq_ollama_label_of_file(f, GQ_OLLAMA_SINCE_0_30));
    gq_json_kv_string(j, "shown_before_0_30", gq_ollama_label_of_file(f, GQ_OLLAMA_BEFORE_0_30));
    gq_json_kv_string(j, "recorded", in->store.recorded_label);
    gq_json_end_object(j);
    if (in->store.kind != GQ_STORE_FILE) gq_json_kv_string(j, "stored_at", in->store.path);
    gq_json_kv_uint(j, "parameters", all->n_elements);
    gq_json_kv_bool(j, "all_types_known", all->bytes_known);
    if (all->bytes_known) {
        gq_json_kv_uint(j, "tensor_bytes", all->tensor_bytes);
        gq_json_kv_double(j, "bits_per_weight", gq_model_info_bpw(all));
    } else {
        gq_json_kv_null(j, "tensor_bytes");
        gq_json_kv_null(j, "bits_per_weight");
    }
    gq_json_end_object(j);

    gq_json_key(j, "warnings");
    gq_json_begin_array(j);
    for (size_t i = 0; i < gguf_warning_count(f); i++) gq_json_string(j, gguf_warning(f, i));
    gq_json_end_array(j);
}

static void json_types(inspect *in, gq_json *j, gq_model_info *info) {
    gq_model_info_sort_types(info);
    const double file = (double)gguf_file_size(in->f);
    gq_json_key(j, "types");
    gq_json_begin_array(j);
    for (uint64_t i = 0; i < info->n_types; i++) {
        const gq_type_usage *u = &info->types[i];
        gq_json_begin_object(j);
        gq_json_kv_string(j, "type", gq_type_name(u->type));
        gq_json_kv_uint(j, "type_id", u->type);
        gq_json_kv_bool(j, "known", u->known);
        gq_json_kv_uint(j, "tensors", u->tensors);
        gq_json_kv_uint(j, "elements", u->elements);
        if (u->known) {
            gq_json_kv_uint(j, "bytes", u->bytes);
            gq_json_kv_double(j, "share_of_file", file > 0 ? (double)u->bytes / file : 0.0);
            gq_json_kv_double(j, "bits_per_weight", gq_bpw(u->bytes, u->elements));
        } else {
            gq_json_kv_null(j, "bytes");
            gq_json_kv_null(j, "share_of_file");
            gq_json_kv_null(j, "bits_per_weight");
        }
        gq_json_end_object(j);
    }
    gq_json_end_array(j);
}

static void json_metadata(inspect *in, gq_json *j) {
    const gguf_file *f = in->f;
    gq_json_key(j, "metadata");
    gq_json_begin_array(j);
    for (uint64_t i = 0; i < gguf_kv_count(f); i++) {
        const gguf_kv *kv = gguf_get_kv(f, i);
        if (!matches(in, kv->key)) continue;
        const gguf_value *v = &kv->value;
        gq_json_begin_object(j);
        gq_json_key(j, "key");
        gq_json_string_n(j, kv->key.ptr, (size_t)kv->key.len);
        gq_json_kv_string(j, "type", gguf_value_type_name(v->type));
        if (v->type == GGUF_TYPE_ARRAY) {
            const uint64_t max = in->full_arrays ? 0 : ARRAY_PREVIEW;
            gq_json_kv_string(j, "element_type", gguf_value_type_name(v->v.arr.type));
            gq_json_kv_uint(j, "length", v->v.arr.len);
            gq_json_kv_bool(j, "truncated", max && v->v.arr.len > max);
        }
        gq_json_key(j, "value");
        gq_kv_value_json(j, f, v, in->full_arrays ? 0 : ARRAY_PREVIEW);
        gq_json_kv_uint(j, "offset", kv->offset);
        if (kv->duplicate) gq_json_kv_bool(j, "duplicate", true);
        gq_json_end_object(j);
    }
    gq_json_end_array(j);
}

static void json_tensors(inspect *in, gq_json *j) {
    const gguf_file *f = in->f;
    gq_json_key(j, "tensors");
    gq_json_begin_array(j);
    for (uint64_t i = 0; i < gguf_tensor_count(f); i++) {
        const gguf_tensor *x = gguf_get_tensor(f, i);
        if (!matches(in, x->name)) continue;
        gq_json_begin_object(j);
        gq_json_kv_uint(j, "index", i);
        gq_json_key(j, "name");
        gq_json_string_n(j, x->name.ptr, (size_t)x->name.len);
        gq_json_kv_string(j, "type", gq_type_name(x->type));
        gq_json_kv_uint(j, "type_id", x->type);
        gq_json_key(j, "shape");
        gq_json_begin_array(j);
        for (uint32_t d = 0; d < x->n_dims; d++) gq_json_uint(j, x->ne[d]);
        gq_json_end_array(j);
        gq_json_kv_uint(j, "elements", x->n_elements);
        if (x->type_known) {
            gq_json_kv_uint(j, "bytes", x->n_bytes);
            gq_json_kv_double(j, "bits_per_weight", gq_bpw(x->n_bytes, x->n_elements));
        } else {
            gq_json_kv_null(j, "bytes");
            gq_json_kv_null(j, "bits_per_weight");
        }
        gq_json_kv_uint(j, "offset", x->offset);
        gq_json_kv_uint(j, "file_offset", gguf_data_offset(f) + x->offset);
        gq_json_end_object(j);
    }
    gq_json_end_array(j);
}

/* ------------------------------------------------------------------ memory */

/* GQ_EXIT_OK, or an exit code with the message printed when sizes or
 * metadata are missing. */
static int memory_estimate(inspect *in, const gq_model_info *all, gq_kv_estimate *kv) {
    char why[256];
    if (!all->bytes_known) {
        const gguf_tensor *t = gguf_get_tensor(in->f, (uint64_t)all->first_unknown);
        gq_diag_error(in->path, "cannot estimate memory: tensor '%s' has unknown type id %" PRIu32
                      ", so the weights' size is unknown", cstr(in, t->name), t->type);
        return GQ_EXIT_FAILURE;
    }
    if (!gq_kv_estimate_compute(in->f, in->ctx, kv, why, sizeof why)) {
        gq_diag_error(in->path, "cannot estimate the KV cache: %s", why);
        return GQ_EXIT_FAILURE;
    }
    if (in->ctx == 0) {
        gq_kv_estimate_free(kv);
        gq_diag_error(in->path, "the file has no %s.context_length: give --ctx N", kv->arch);
        return GQ_EXIT_USAGE;
    }
    return GQ_EXIT_OK;
}

static void text_memory(inspect *in, const gq_model_info *all, const gq_kv_estimate *kv) {
    char a[GQ_FMT_BUF], b[GQ_FMT_BUF], c[GQ_FMT_BUF];
    uint64_t total = all->tensor_bytes + kv->bytes;
    printf("weights %s + KV cache %s (ctx %" PRIu64 ", f16) = %s\n", gq_fmt_size(all->tensor_bytes, 1, a, sizeof a),
           gq_fmt_size(kv->bytes, 1, b, sizeof b), kv->ctx, gq_fmt_size(total, 1, c, sizeof c));
    uint64_t own = kv->n_layer - kv->n_shared;
    printf("  %s: %" PRIu64 " blocks, %" PRIu64 " with their own cache (%" PRIu64 " sliding", kv->arch,
           kv->n_layer, own, kv->n_sliding);
    if (kv->window) printf(", window %" PRIu64, kv->window);
    printf(", %" PRIu64 " full)", own - kv->n_sliding);
    if (kv->n_shared) printf(", %" PRIu64 " reuse an earlier block's cache", kv->n_shared);
    printf("%s\n", in->ctx_from_file ? "; ctx from the file's context_length" : "");

    gq_table *t = gq_table_new(7);
    if (!t) return;
    gq_table_set_indent(t, 2);
    const char *heads[] = {"block", "attention", "cache", "kv heads", "k+v width", "cells", "bytes"};
    for (size_t i = 0; i < 7; i++) gq_table_column(t, i, heads[i], i == 1 || i == 2 ? GQ_ALIGN_LEFT : GQ_ALIGN_RIGHT);
    for (uint64_t il = 0; il < kv->n_layer; il++) {
        const gq_kv_layer *l = &kv->layers[il];
        gq_table_row(t);
        gq_table_cellf(t, "%" PRIu64, il);
        gq_table_cell(t, l->sliding ? "sliding" : "full");
        gq_table_cell(t, l->has_cache ? "own" : "shared");
        gq_table_cellf(t, "%" PRIu64, l->heads_kv);
        gq_table_cellf(t, "%" PRIu64 "+%" PRIu64, l->k_len, l->v_len);
        if (l->has_cache) {
            gq_table_cell(t, gq_fmt_thousands(l->cells, a, sizeof a));
            gq_table_cell(t, gq_fmt_size(l->bytes, 1, b, sizeof b));
        }
    }
    gq_table_print(t, stdout, gq_colour_enabled(stdout));
    gq_table_free(t);
}

static void json_memory(inspect *in, gq_json *j, const gq_model_info *all, const gq_kv_estimate *kv) {
    gq_json_key(j, "memory");
    gq_json_begin_object(j);
    gq_json_kv_uint(j, "ctx", kv->ctx);
    gq_json_kv_bool(j, "ctx_from_file", in->ctx_from_file);
    gq_json_kv_string(j, "cache_type", "f16");
    gq_json_kv_uint(j, "weights_bytes", all->tensor_bytes);
    gq_json_kv_uint(j, "kv_cache_bytes", kv->bytes);
    gq_json_kv_uint(j, "total_bytes", all->tensor_bytes + kv->bytes);
    gq_json_kv_string(j, "architecture", kv->arch);
    gq_json_kv_uint(j, "blocks", kv->n_layer);
    gq_json_kv_uint(j, "sliding_window", kv->window);
    gq_json_kv_uint(j, "shared_kv_blocks", kv->n_shared);
    gq_json_key(j, "layers");
    gq_json_begin_array(j);
    for (uint64_t il = 0; il < kv->n_layer; il++) {
        const gq_kv_layer *l = &kv->layers[il];
        gq_json_begin_object(j);
        gq_json_kv_uint(j, "block", il);
        gq_json_kv_bool(j, "sliding", l->sliding);
        gq_json_kv_bool(j, "own_cache", l->has_cache);
        gq_json_kv_uint(j, "heads_kv", l->heads_kv);
        gq_json_kv_uint(j, "key_length", l->k_len);
        gq_json_kv_uint(j, "value_length", l->v_len);
        gq_json_kv_uint(j, "cells", l->cells);
        gq_json_kv_uint(j, "bytes", l->bytes);
        gq_json_end_object(j);
    }
    gq_json_end_array(j);
    gq_json_end_object(j);
}

/* ------------------------------------------------------------------ tensor values */

typedef struct values_pass {
    gq_value_stats stats;
    gq_histogram hist;
    bool histogram_pass;
    /* Printing selected rows (text) or writing them (JSON), first pass only. */
    gq_json *json;
    bool print_rows;
    uint64_t preview_rows, preview_values; /* without --rows: a few values of the first rows */
    uint64_t ne0;
} values_pass;

static void print_value(FILE *out, float v) {
    char buf[GQ_FMT_BUF];
    fputs(gq_fmt_float32(v, false, buf, sizeof buf), out);
}

static bool on_rows(const float *values, uint64_t first_row, uint64_t n_rows, void *ctx) {
    values_pass *p = ctx;
    const uint64_t n = n_rows * p->ne0;
    if (p->histogram_pass) {
        gq_histogram_add(&p->hist, values, n);
        return true;
    }
    gq_value_stats_add(&p->stats, values, n);
    if (p->json && p->print_rows) {
        char buf[GQ_FMT_BUF];
        for (uint64_t r = 0; r < n_rows; r++) {
            gq_json_begin_array(p->json);
            for (uint64_t c = 0; c < p->ne0; c++)
                gq_json_raw(p->json, gq_fmt_float32(values[r * p->ne0 + c], true, buf, sizeof buf));
            gq_json_end_array(p->json);
        }
    } else if (!p->json) {
        uint64_t rows = p->print_rows ? n_rows : (first_row < p->preview_rows ? p->preview_rows - first_row : 0);
        if (rows > n_rows) rows = n_rows;
        for (uint64_t r = 0; r < rows; r++) {
            uint64_t cols = p->print_rows ? p->ne0 : (p->ne0 < p->preview_values ? p->ne0 : p->preview_values);
            printf("  row %" PRIu64 ":", first_row + r);
            for (uint64_t c = 0; c < cols; c++) {
                fputs(c ? ", " : " ", stdout);
                print_value(stdout, values[r * p->ne0 + c]);
            }
            if (cols < p->ne0) printf(", ... (%" PRIu64 " values)", p->ne0);
            putchar('\n');
        }
    }
    return true;
}

static const gguf_tensor *find_tensor(inspect *in, const char *name) {
    int64_t i = gguf_find_tensor(in->f, name);
    if (i < 0) {
        gq_diag_error(in->path, "no tensor named '%s' (gq-inspect --tensors lists them)", name);
        return NULL;
    }
    return gguf_get_tensor(in->f, (uint64_t)i);
}

/* Resolve --rows against the tensor; false (message printed) when out of range. */
static bool selected_rows(inspect *in, const gguf_tensor *t, uint64_t *begin, uint64_t *end) {
    uint64_t n = gq_tensor_rows(t);
    *begin = in->rows_given ? in->row_begin : 0;
    *end = in->rows_given && in->row_end != UINT64_MAX ? in->row_end : n;
    if (*begin >= *end || *end > n) {
        gq_diag_error(in->path, "--rows %" PRIu64 ":%" PRIu64 " is outside tensor '%s', which has %" PRIu64 " rows",
                      *begin, *end, cstr(in, t->name), n);
        return false;
    }
    return true;
}

static int show_tensor_values(inspect *in) {
    const gguf_tensor *t = find_tensor(in, in->tensor_name);
    if (!t) return GQ_EXIT_FAILURE;
    char why[512], a[GQ_FMT_BUF], b[GQ_FMT_BUF], c[GQ_FMT_BUF];
    if (!gq_tensor_values_readable(in->f, t, why, sizeof why)) {
        gq_diag_error(in->path, "tensor '%s': cannot show its values: %s", in->tensor_name, why);
        return GQ_EXIT_FAILURE;
    }
    uint64_t begin, end;
    if (!selected_rows(in, t, &begin, &end)) return GQ_EXIT_FAILURE;

    values_pass p;
    memset(&p, 0, sizeof p);
    gq_value_stats_init(&p.stats);
    p.ne0 = t->ne[0];
    p.print_rows = in->rows_given;
    p.preview_rows = 4;
    p.preview_values = 8;
    gq_json j;
    if (in->json) {
        gq_json_init(&j, stdout, in->pretty);
        p.json = &j;
        gq_json_begin_object(&j);
        gq_json_kv_string(&j, "schema", SCHEMA);
        gq_json_kv_string(&j, "file", in->path);
        gq_json_key(&j, "tensor");
        gq_json_begin_object(&j);
        gq_json_key(&j, "name");
        gq_json_string_n(&j, t->name.ptr, (size_t)t->name.len);
        gq_json_kv_string(&j, "type", gq_type_name(t->type));
        gq_json_key(&j, "shape");
        gq_json_begin_array(&j);
        for (uint32_t d = 0; d < t->n_dims; d++) gq_json_uint(&j, t->ne[d]);
        gq_json_end_array(&j);
        gq_json_kv_uint(&j, "row_begin", begin);
        gq_json_kv_uint(&j, "row_end", end);
        if (p.print_rows) {
            gq_json_key(&j, "values");
            gq_json_begin_array(&j);
        }
    } else {
        printf("tensor %s: %s, shape %s, %s elements, %s, offset %" PRIu64 " (file byte %" PRIu64 ")\n",
               cstr(in, t->name), gq_type_name(t->type), gq_fmt_shape(t->ne, t->n_dims, a, sizeof a),
               gq_fmt_thousands(t->n_elements, b, sizeof b), gq_fmt_size(t->n_bytes, 2, c, sizeof c), t->offset,
               gguf_data_offset(in->f) + t->offset);
        if (gguf_is_big_endian(in->f)) printf("tensor data is big-endian: values were byte-swapped\n");
        printf("rows %" PRIu64 ":%" PRIu64 " of %" PRIu64 " (%s values)%s\n", begin, end, gq_tensor_rows(t),
               gq_fmt_thousands((end - begin) * t->ne[0], a, sizeof a), in->rows_given ? ":" : "; the first ones:");
    }
    if (!gq_tensor_read_rows(in->f, t, begin, end, BATCH_VALUES, on_rows, &p, why, sizeof why)) {
        if (in->json) fflush(stdout);
        gq_diag_error(in->path, "tensor '%s': %s", in->tensor_name, why);
        return GQ_EXIT_FAILURE;
    }
    /* Second pass for the histogram: its range is the first pass's min..max. */
    if (p.stats.count) {
        gq_histogram_init(&p.hist, p.stats.min, p.stats.max, HISTOGRAM_BINS);
        p.histogram_pass = true;
        if (!gq_tensor_read_rows(in->f, t, begin, end, BATCH_VALUES, on_rows, &p, why, sizeof why)) {
            gq_diag_error(in->path, "tensor '%s': %s", in->tensor_name, why);
            return GQ_EXIT_FAILURE;
        }
    }
    const double std = gq_value_stats_std(&p.stats);
    if (in->json) {
        if (p.print_rows) gq_json_end_array(&j);
        gq_json_kv_uint(&j, "count", p.stats.count);
        gq_json_kv_uint(&j, "nan", p.stats.n_nan);
        gq_json_kv_uint(&j, "inf", p.stats.n_inf);
        if (p.stats.count) {
            gq_json_kv_double(&j, "min", p.stats.min);
            gq_json_kv_double(&j, "max", p.stats.max);
            gq_json_kv_double(&j, "mean", p.stats.mean);
            gq_json_kv_double(&j, "std", std);
            gq_json_key(&j, "histogram");
            gq_json_begin_object(&j);
            gq_json_kv_double(&j, "lo", p.hist.lo);
            gq_json_kv_double(&j, "hi", p.hist.hi);
            gq_json_key(&j, "bins");
            gq_json_begin_array(&j);
            for (uint32_t i = 0; i < p.hist.n_bins; i++) gq_json_uint(&j, p.hist.bins[i]);
            gq_json_end_array(&j);
            gq_json_end_object(&j);
        }
        gq_json_end_object(&j);
        gq_json_end_object(&j);
        return gq_json_finish(&j) == 0 ? GQ_EXIT_OK : GQ_EXIT_FAILURE;
    }
    if (!p.stats.count) {
        printf("no finite values (nan %" PRIu64 ", inf %" PRIu64 ")\n", p.stats.n_nan, p.stats.n_inf);
        return GQ_EXIT_OK;
    }
    printf("min %.6g  max %.6g  mean %.6g  std %.6g", p.stats.min, p.stats.max, p.stats.mean, std);
    if (p.stats.n_nan || p.stats.n_inf) printf("  nan %" PRIu64 "  inf %" PRIu64, p.stats.n_nan, p.stats.n_inf);
    printf("\nhistogram (%u bins over min..max)\n", p.hist.n_bins);
    uint64_t peak = 0;
    for (uint32_t i = 0; i < p.hist.n_bins; i++) if (p.hist.bins[i] > peak) peak = p.hist.bins[i];
    const double width = (p.hist.hi - p.hist.lo) / p.hist.n_bins;
    for (uint32_t i = 0; i < p.hist.n_bins; i++) {
        /* Bars are proportional, but any non-empty bin gets at least one
         * mark: heavy tails hold few values and must stay visible. */
        int bar = peak ? (int)((double)p.hist.bins[i] * 50.0 / (double)peak + 0.5) : 0;
        if (bar == 0 && p.hist.bins[i]) bar = 1;
        printf("  %12.5g .. %-12.5g %12" PRIu64, p.hist.lo + width * i, p.hist.lo + width * (i + 1), p.hist.bins[i]);
        if (bar) putchar(' ');
        for (int k = 0; k < bar; k++) putchar('#');
        putchar('\n');
    }
    return GQ_EXIT_OK;
}

/* --tensor NAME --block K [--ref FILE]: the view lives in cli/block_view.c;
 * here the reference is resolved (it may be an ollama:/hf: name too) and
 * opened. */
static int show_block(inspect *in) {
    const gguf_tensor *t = find_tensor(in, in->tensor_name);
    if (!t) return GQ_EXIT_FAILURE;
    gq_block_view_request req = {in->path, in->f, t, in->block, in->ref_path, NULL, in->json, in->pretty};
    char *ref_file = NULL;
    gguf_file *ref = NULL;
    if (in->ref_path) {
        char why[1024];
        gguf_error err;
        ref_file = gq_store_resolve(in->ref_path, why, sizeof why);
        if (!ref_file) {
            gq_diag_error(in->ref_path, "%s", why);
            return GQ_EXIT_FAILURE;
        }
        ref = gguf_open(ref_file, GGUF_OPEN_LENIENT, &err);
        free(ref_file);
        if (!ref) {
            gq_diag_gguf(in->ref_path, &err);
            return GQ_EXIT_FAILURE;
        }
        req.ref = ref;
    }
    int rc = gq_block_view_show(&req);
    if (ref) gguf_close(ref);
    return rc;
}

/* --dump-tensor: raw little-endian float32, written to a temporary file
 * beside the target and renamed into place, so a reader never sees half a
 * dump and an interrupt leaves nothing behind. */
typedef struct dump_job {
    FILE *out;
    uint64_t ne0;
    uint64_t values;
    bool write_failed;
} dump_job;

static bool on_dump_rows(const float *values, uint64_t first_row, uint64_t n_rows, void *ctx) {
    (void)first_row;
    dump_job *d = ctx;
    if (gq_interrupted()) return false;
    /* Hosts are little-endian (src/types/blocks.h): floats go out as they are. */
    const uint64_t n = n_rows * d->ne0;
    if (fwrite(values, sizeof(float), (size_t)n, d->out) != (size_t)n) {
        d->write_failed = true;
        return false;
    }
    d->values += n;
    return true;
}

static int dump_tensor(inspect *in) {
    const gguf_tensor *t = find_tensor(in, in->dump_name);
    if (!t) return GQ_EXIT_FAILURE;
    char why[512];
    if (!gq_tensor_values_readable(in->f, t, why, sizeof why)) {
        gq_diag_error(in->path, "tensor '%s': cannot dump its values: %s", in->dump_name, why);
        return GQ_EXIT_FAILURE;
    }
    uint64_t begin, end;
    if (!selected_rows(in, t, &begin, &end)) return GQ_EXIT_FAILURE;

    /* -o naming the model itself would replace it with the dump */
    const char *input = in->store.path;
    if (!gq_output_refuse_inputs(in->output, &input, 1, why, sizeof why)) {
        gq_diag_error(in->output, "%s", why);
        return GQ_EXIT_USAGE;
    }
    /* The shared atomic writer (src/cli/output_file.h): a temporary file
     * beside the target, removed on failure or interrupt, renamed into
     * place when complete, with the usual 0666 & ~umask permissions. */
    gq_output_file o;
    if (!gq_output_open(&o, in->output, why, sizeof why)) {
        gq_diag_error(in->output, "%s", why);
        return GQ_EXIT_FAILURE;
    }
    dump_job d = {o.fp, t->ne[0], 0, false};
    bool ok = gq_tensor_read_rows(in->f, t, begin, end, BATCH_VALUES, on_dump_rows, &d, why, sizeof why);
    int saved_errno = errno;
    int rc = GQ_EXIT_OK;
    char commit_why[512];
    if (ok && !gq_interrupted()) {
        if (!gq_output_commit(&o, commit_why, sizeof commit_why)) {
            gq_diag_error(in->output, "%s", commit_why);
            rc = gq_interrupted() ? GQ_EXIT_INTERRUPTED : GQ_EXIT_FAILURE;
        }
    } else {
        gq_output_abort(&o);
        if (gq_interrupted()) {
            gq_diag_error(in->output, "interrupted; removed the partial dump");
            rc = GQ_EXIT_INTERRUPTED;
        } else if (d.write_failed) {
            gq_diag_error(in->output, "cannot write: %s", strerror(saved_errno));
            rc = GQ_EXIT_FAILURE;
        } else {
            gq_diag_error(in->path, "tensor '%s': %s", in->dump_name, why);
            rc = GQ_EXIT_FAILURE;
        }
    }
    if (rc != GQ_EXIT_OK) return rc;
    if (in->json) {
        gq_json j;
        gq_json_init(&j, stdout, in->pretty);
        gq_json_begin_object(&j);
        gq_json_kv_string(&j, "schema", SCHEMA);
        gq_json_kv_string(&j, "file", in->path);
        gq_json_key(&j, "dump");
        gq_json_begin_object(&j);
        gq_json_key(&j, "tensor");
        gq_json_string_n(&j, t->name.ptr, (size_t)t->name.len);
        gq_json_kv_string(&j, "output", in->output);
        gq_json_kv_string(&j, "format", "float32-le");
        gq_json_kv_uint(&j, "row_begin", begin);
        gq_json_kv_uint(&j, "row_end", end);
        gq_json_kv_uint(&j, "values", d.values);
        gq_json_end_object(&j);
        gq_json_end_object(&j);
        return gq_json_finish(&j) == 0 ? GQ_EXIT_OK : GQ_EXIT_FAILURE;
    }
    char a[GQ_FMT_BUF];
    printf("wrote %s float32 values (little-endian) of %s, rows %" PRIu64 ":%" PRIu64 ", to %s\n",
           gq_fmt_thousands(d.values, a, sizeof a), in->dump_name, begin, end, in->output);
    return GQ_EXIT_OK;
}

/* ------------------------------------------------------------------ the default views */

static int show_file(inspect *in) {
    gq_model_info all, filtered;
    if (!gq_model_info_init(&all, in->f, NULL, NULL)) {
        gq_diag_error(in->path, "out of memory");
        return GQ_EXIT_FAILURE;
    }
    if (!gq_model_info_init(&filtered, in->f, in->n_filters ? tensor_matches : NULL, in)) {
        gq_model_info_free(&all);
        gq_diag_error(in->path, "out of memory");
        return GQ_EXIT_FAILURE;
    }
    gq_kv_estimate kv;
    memset(&kv, 0, sizeof kv);
    int rc = GQ_EXIT_OK;
    if (in->show_memory && (rc = memory_estimate(in, &all, &kv)) != GQ_EXIT_OK) goto done;
    if (!in->json) {
        /* Warnings go to stderr so stdout stays the report. */
        for (size_t i = 0; i < gguf_warning_count(in->f); i++) gq_diag_warn(in->path, "%s", gguf_warning(in->f, i));
        if (in->show_summary) text_summary(in, &all);
        if (in->show_types) text_types(in, &filtered);
        if (in->show_kv) text_metadata(in);
        if (in->show_tensors) text_tensors(in);
        if (in->show_memory) {
            fputs(section_gap(in), stdout);
            text_memory(in, &all, &kv);
        }
        if (fflush(stdout) != 0 || ferror(stdout)) rc = GQ_EXIT_FAILURE;
        goto done;
    }
    gq_json j;
    gq_json_init(&j, stdout, in->pretty);
    gq_json_begin_object(&j);
    gq_json_kv_string(&j, "schema", SCHEMA);
    gq_json_kv_string(&j, "file", in->path);
    json_summary(in, &j, &all);
    if (in->n_filters) {
        gq_json_key(&j, "filters");
        gq_json_begin_array(&j);
        for (size_t i = 0; i < in->n_filters; i++) gq_json_string(&j, in->filters[i]);
        gq_json_end_array(&j);
    }
    if (in->show_types) json_types(in, &j, &filtered);
    if (in->show_kv) json_metadata(in, &j);
    if (in->show_tensors) json_tensors(in, &j);
    if (in->show_memory) json_memory(in, &j, &all, &kv);
    gq_json_end_object(&j);
    if (gq_json_finish(&j) != 0) rc = GQ_EXIT_FAILURE;
done:
    gq_kv_estimate_free(&kv);
    gq_model_info_free(&all);
    gq_model_info_free(&filtered);
    return rc;
}

/* ------------------------------------------------------------------ command line */

static const gq_option options[] = {
    {"json", 0, GQ_OPT_FLAG, NULL, "machine-readable output (schema gq-inspect/1, docs/json.md)"},
    {"compact", 0, GQ_OPT_FLAG, NULL, "with --json: one line, no indentation"},
    {"kv", 0, GQ_OPT_FLAG, NULL, "show the metadata"},
    {"tensors", 0, GQ_OPT_FLAG, NULL, "show the tensor table (and the type histogram)"},
    {"filter", 0, GQ_OPT_LIST, "GLOB", "only tensors / keys whose name matches GLOB (repeatable)"},
    {"full-arrays", 0, GQ_OPT_FLAG, NULL, "show arrays and long strings in full"},
    {"memory", 0, GQ_OPT_FLAG, NULL, "weights + KV cache needed to run the model"},
    {"ctx", 0, GQ_OPT_VALUE, "N", "context length for --memory (default: the file's context_length)"},
    {"tensor", 0, GQ_OPT_VALUE, "NAME", "values of one tensor: statistics, histogram, first values"},
    {"rows", 0, GQ_OPT_VALUE, "A:B", "with --tensor / --dump-tensor: rows A to B-1 only (and print them)"},
    {"block", 0, GQ_OPT_VALUE, "K", "with --tensor: decode block K field by field (codes, scales, values)"},
    {"ref", 0, GQ_OPT_VALUE, "FILE", "with --block: the original model; its values are shown beside the block's"},
    {"dump-tensor", 0, GQ_OPT_VALUE, "NAME", "write one tensor as raw little-endian float32 (needs -o)"},
    {"output", 'o', GQ_OPT_VALUE, "FILE", "where --dump-tensor writes"},
    {"list-ollama", 0, GQ_OPT_FLAG, NULL, "list the models in Ollama's store ($OLLAMA_MODELS or ~/.ollama/models)"},
    {0},
};

static const gq_cli_spec spec = {
    "gq-inspect", "[options] FILE | ollama:NAME[:TAG] | hf:ORG/REPO/FILE.gguf[@REV]",
    "Show what is in a GGUF file: summary, tensor types, metadata, tensors, memory needs, tensor values.",
    options,
    "Without a section option, the summary, type histogram, metadata and tensor table are shown.\n"
    "Exit status: 0 ok, 1 invalid file or failed operation, 2 usage error.\n"
    "Examples:\n"
    "  gq-inspect model.gguf\n"
    "  gq-inspect --tensors --filter 'blk.0.*' model.gguf\n"
    "  gq-inspect --memory --ctx 32768 model.gguf\n"
    "  gq-inspect --tensor blk.0.attn_q.weight --rows 0:2 model.gguf\n"
    "  gq-inspect --tensor blk.0.attn_q.weight --block 0 --ref model-BF16.gguf model-Q4_K_M.gguf\n"
    "  gq-inspect ollama:batiai/gemma4-e2b:q4          (a model Ollama pulled; docs/stores.md)\n"
    "  gq-inspect hf:unsloth/gemma-4-E2B-it-GGUF/gemma-4-E2B-it-Q4_K_M.gguf\n"
    "  gq-inspect --list-ollama\n",
};

/* "A:B", "A:" (to the end), ":B", or "A" (one row). */
static bool parse_rows(const char *text, uint64_t *begin, uint64_t *end) {
    const char *colon = strchr(text, ':');
    char first[32];
    if (!colon) {
        if (!gq_parse_u64(text, begin) || *begin == UINT64_MAX) return false;
        *end = *begin + 1;
        return true;
    }
    size_t n = (size_t)(colon - text);
    if (n >= sizeof first) return false;
    memcpy(first, text, n);
    first[n] = '\0';
    *begin = 0;
    *end = UINT64_MAX;
    if (n && !gq_parse_u64(first, begin)) return false;
    if (colon[1] && !gq_parse_u64(colon + 1, end)) return false;
    return *begin < *end;
}

int main(int argc, char **argv) {
    gq_diag_set_prog("gq-inspect");
    gq_sigbus_install(GQ_EXIT_FAILURE); /* an input truncated while mapped */
    gq_args a;
    int rc = gq_args_parse(&a, &spec, argc, argv);
    if (rc != GQ_ARGS_CONTINUE) return rc == GQ_ARGS_DONE ? GQ_EXIT_OK : GQ_EXIT_USAGE;

    inspect in;
    memset(&in, 0, sizeof in);
    rc = GQ_EXIT_USAGE;
    in.json = gq_args_has(&a, "json");
    in.pretty = !gq_args_has(&a, "compact");
    in.full_arrays = gq_args_has(&a, "full-arrays");
    in.tensor_name = gq_args_get(&a, "tensor");
    in.dump_name = gq_args_get(&a, "dump-tensor");
    in.output = gq_args_get(&a, "output");
    in.show_kv = gq_args_has(&a, "kv");
    in.show_tensors = gq_args_has(&a, "tensors");
    in.show_memory = gq_args_has(&a, "memory");
    const size_t n_filters = gq_args_count(&a, "filter");
    const char **filters = n_filters ? calloc(n_filters, sizeof *filters) : NULL;
    for (size_t i = 0; filters && i < n_filters; i++) filters[i] = gq_args_value_at(&a, "filter", i);
    in.filters = filters;
    in.n_filters = filters ? n_filters : 0;

    if (gq_args_has(&a, "list-ollama")) {
        if (a.n_positional) gq_args_usage_error(&spec, "--list-ollama takes no FILE");
        else rc = gq_ollama_list_print(stdout, in.json, in.pretty);
        goto done;
    }
    if (a.n_positional != 1) {
        if (a.n_positional) gq_args_usage_error(&spec, "expected one FILE, got %zu arguments", a.n_positional);
        else gq_args_usage_error(&spec, "no FILE given");
        goto done;
    }
    in.path = a.positional[0];
    if (in.tensor_name && in.dump_name) {
        gq_args_usage_error(&spec, "--tensor and --dump-tensor cannot be combined");
        goto done;
    }
    if ((in.tensor_name || in.dump_name) && (in.show_kv || in.show_tensors || in.show_memory)) {
        gq_args_usage_error(&spec, "--%s shows one tensor; it cannot be combined with --kv, --tensors or --memory",
                            in.tensor_name ? "tensor" : "dump-tensor");
        goto done;
    }
    if (in.dump_name && !in.output) {
        gq_args_usage_error(&spec, "--dump-tensor needs -o FILE");
        goto done;
    }
    if (in.output && !in.dump_name) {
        gq_args_usage_error(&spec, "-o is only used with --dump-tensor");
        goto done;
    }
    if (gq_args_has(&a, "rows")) {
        if (!in.tensor_name && !in.dump_name) {
            gq_args_usage_error(&spec, "--rows needs --tensor or --dump-tensor");
            goto done;
        }
        if (!parse_rows(gq_args_get(&a, "rows"), &in.row_begin, &in.row_end)) {
            gq_args_usage_error(&spec, "--rows: '%s' is not A:B, A: or :B with A < B", gq_args_get(&a, "rows"));
            goto done;
        }
        in.rows_given = true;
    }
    if (gq_args_has(&a, "block")) {
        if (!in.tensor_name) {
            gq_args_usage_error(&spec, "--block needs --tensor NAME");
            goto done;
        }
        if (in.rows_given) {
            gq_args_usage_error(&spec, "--block shows one block; it cannot be combined with --rows");
            goto done;
        }
        if (!gq_args_get_u64(&a, "block", &in.block)) goto done;
        in.block_given = true;
    }
    in.ref_path = gq_args_get(&a, "ref");
    if (in.ref_path && !in.block_given) {
        gq_args_usage_error(&spec, "--ref is only used with --block");
        goto done;
    }
    if (gq_args_has(&a, "ctx")) {
        if (!in.show_memory) {
            gq_args_usage_error(&spec, "--ctx is only used with --memory");
            goto done;
        }
        if (!gq_args_get_count(&a, "ctx", &in.ctx)) goto done;
        if (in.ctx == 0) {
            gq_args_usage_error(&spec, "--ctx must be at least 1");
            goto done;
        }
    }
    if (!in.show_kv && !in.show_tensors && !in.show_memory) {
        in.show_summary = in.show_types = in.show_kv = in.show_tensors = true;
    } else if (in.show_tensors) {
        in.show_types = true;
    }

    gguf_error err;
    memset(&err, 0, sizeof err);
    char store_err[1024];
    if (!gq_store_locate(in.path, &in.store, store_err, sizeof store_err)) {
        gq_diag_error(in.path, "%s", store_err);
        rc = GQ_EXIT_FAILURE;
        goto done;
    }
    in.f = gguf_open(in.store.path, GGUF_OPEN_LENIENT, &err);
    if (!in.f) {
        gq_diag_gguf(in.path, &err);
        rc = GQ_EXIT_FAILURE;
        goto done;
    }
    if (in.show_memory && !gq_args_has(&a, "ctx")) {
        in.ctx = gq_kv_context_length(in.f); /* 0: memory_estimate asks for --ctx */
        in.ctx_from_file = in.ctx != 0;
    }
    if (in.tensor_name || in.dump_name) {
        for (size_t i = 0; i < gguf_warning_count(in.f); i++) gq_diag_warn(in.path, "%s", gguf_warning(in.f, i));
        rc = in.block_given ? show_block(&in) : in.tensor_name ? show_tensor_values(&in) : dump_tensor(&in);
    } else {
        rc = show_file(&in);
    }
done:
    if (in.f) gguf_close(in.f);
    gq_store_model_free(&in.store);
    free(in.name_buf);
    free(filters);
    gq_args_free(&a);
    return rc;
}
