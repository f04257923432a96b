/* gq-inspect --list-ollama (see ollama_list.h). */
#include "store/ollama_list.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli/diag.h"
#include "cli/fmt.h"
#include "cli/json.h"
#include "cli/table.h"
#include "gq/ftype.h"
#include "gq/gguf.h"
#include "store/ollama_label.h"
#include "store/ollama_store.h"

/* What one model's GGUF says about its file type. */
typedef struct file_facts {
    bool readable;
    char problem[600];
    bool has_file_type;
    int64_t file_type;
    const char *label_now;    /* Ollama >= v0.30 */
    const char *label_before; /* Ollama < v0.30 */
} file_facts;

static void read_facts(const char *blob, file_facts *ff) {
    memset(ff, 0, sizeof *ff);
    ff->label_now = ff->label_before = "unknown";
    gguf_error err;
    memset(&err, 0, sizeof err);
    /* The header is all that is needed: a big model costs a few pages. */
    gguf_file *f = gguf_open(blob, GGUF_OPEN_HEADER_ONLY | GGUF_OPEN_LENIENT, &err);
    if (!f) {
        snprintf(ff->problem, sizeof ff->problem, "not a readable GGUF: %s", err.message);
        return;
    }
    ff->readable = true;
    ff->has_file_type = gguf_get_i64(f, "general.file_type", &ff->file_type);
    ff->label_now = gq_ollama_label_of_file(f, GQ_OLLAMA_SINCE_0_30);
    ff->label_before = gq_ollama_label_of_file(f, GQ_OLLAMA_BEFORE_0_30);
    gguf_close(f);
}

/* What `ollama list` prints: the recorded label, unless it is missing or
 * "unknown" and the file gives a better one (Ollama v0.30 and later). */
static const char *shown_label(const gq_ollama_model *m, const file_facts *ff) {
    const char *rec = m->recorded_label;
    if (rec && *rec && strcmp(rec, "unknown") != 0) return rec;
    return ff->label_now;
}

static const char *ftype_name(const file_facts *ff, char *buf, size_t cap) {
    if (!ff->readable) return "?";
    if (!ff->has_file_type) return "- (no general.file_type)";
    const gq_ftype_info *info =
        ff->file_type >= INT32_MIN && ff->file_type <= INT32_MAX ? gq_ftype_get((int)ff->file_type) : NULL;
    if (info) snprintf(buf, cap, "%s (%" PRId64 ")", info->name, ff->file_type);
    else snprintf(buf, cap, "unknown (%" PRId64 ")", ff->file_type);
    return buf;
}

static int print_text(FILE *out, const char *dir, const char *source, gq_ollama_entry *e, size_t n) {
    char a[64], b[96];
    fprintf(out, "Ollama models in %s (%s): %zu\n", dir,
            strcmp(source, "OLLAMA_MODELS") == 0 ? "from OLLAMA_MODELS" : "the default; OLLAMA_MODELS is not set", n);
    if (!n) return fflush(out) == 0 ? GQ_EXIT_OK : GQ_EXIT_FAILURE;
    gq_table *t = gq_table_new(6);
    if (!t) return GQ_EXIT_FAILURE;
    gq_table_set_indent(t, 2);
    const char *heads[] = {"name", "gguf size", "blob", "ollama shows", "file type (llama.cpp)", "note"};
    for (size_t c = 0; c < 6; c++) gq_table_column(t, c, heads[c], c == 1 ? GQ_ALIGN_RIGHT : GQ_ALIGN_LEFT);
    size_t broken = 0;
    for (size_t i = 0; i < n; i++) {
        gq_table_row(t);
        gq_table_cellf(t, "ollama:%s", e[i].display);
        if (!e[i].ok) {
            broken++;
            gq_table_cell(t, "-");
            gq_table_cell(t, "-");
            gq_table_cell(t, "-");
            gq_table_cell(t, "-");
            gq_table_cell(t, "broken: see below");
            continue;
        }
        file_facts ff;
        read_facts(e[i].model.blob_path, &ff);
        gq_table_cell(t, gq_fmt_size(e[i].model.blob_size, 2, a, sizeof a));
        /* 12 hex digits identify a blob the way `ollama list` shows IDs. */
        gq_table_cellf(t, "sha256-%.12s", e[i].model.digest + 7);
        gq_table_cell(t, shown_label(&e[i].model, &ff));
        gq_table_cell(t, ftype_name(&ff, b, sizeof b));
        if (!ff.readable) gq_table_cell(t, ff.problem);
        else if (strcmp(ff.label_before, shown_label(&e[i].model, &ff)) != 0)
            gq_table_cellf(t, "Ollama before v0.30 shows \"%s\"", ff.label_before);
        else gq_table_cell(t, "");
    }
    bool ok = gq_table_print(t, out, gq_colour_enabled(out));
    gq_table_free(t);
    if (broken) {
        fprintf(out, "\nbroken (%zu):\n", broken);
        for (size_t i = 0; i < n; i++)
            if (!e[i].ok) fprintf(out, "  ollama:%s: %s\n", e[i].display, e[i].problem);
    }
    return ok && fflush(out) == 0 ? GQ_EXIT_OK : GQ_EXIT_FAILURE;
}

static int print_json(FILE *out, bool pretty, const char *dir, const char *source, gq_ollama_entry *e, size_t n) {
    gq_json j;
    gq_json_init(&j, out, pretty);
    gq_json_begin_object(&j);
    gq_json_kv_string(&j, "schema", "gq-ollama-list/1");
    gq_json_kv_string(&j, "models_dir", dir);
    gq_json_kv_string(&j, "models_dir_source", source);
    gq_json_key(&j, "models");
    gq_json_begin_array(&j);
    char name[700];
    for (size_t i = 0; i < n; i++) {
        gq_json_begin_object(&j);
        snprintf(name, sizeof name, "ollama:%s", e[i].display);
        gq_json_kv_string(&j, "name", name);
        gq_json_kv_string(&j, "host", e[i].name.host);
        gq_json_kv_string(&j, "namespace", e[i].name.namespace_);
        gq_json_kv_string(&j, "model", e[i].name.model);
        gq_json_kv_string(&j, "tag", e[i].name.tag);
        gq_json_kv_bool(&j, "ok", e[i].ok);
        if (!e[i].ok) {
            gq_json_kv_string(&j, "problem", e[i].problem);
            gq_json_end_object(&j);
            continue;
        }
        const gq_ollama_model *m = &e[i].model;
        file_facts ff;
        read_facts(m->blob_path, &ff);
        gq_json_kv_string(&j, "manifest", m->manifest_path);
        gq_json_kv_string(&j, "blob", m->blob_path);
        gq_json_kv_string(&j, "digest", m->digest);
        gq_json_kv_uint(&j, "gguf_size", m->blob_size);
        gq_json_kv_uint(&j, "total_size", m->total_size);
        gq_json_key(&j, "ollama_label");
        gq_json_begin_object(&j);
        gq_json_kv_string(&j, "shown", shown_label(m, &ff));
        gq_json_kv_string(&j, "recorded", m->recorded_label);
        gq_json_kv_string(&j, "from_file", ff.label_now);
        gq_json_kv_string(&j, "from_file_before_0_30", ff.label_before);
        gq_json_end_object(&j);
        gq_json_key(&j, "file_type");
        if (ff.readable && ff.has_file_type) {
            const gq_ftype_info *info =
                ff.file_type >= INT32_MIN && ff.file_type <= INT32_MAX ? gq_ftype_get((int)ff.file_type) : NULL;
            gq_json_begin_object(&j);
            gq_json_kv_int(&j, "id", ff.file_type);
            gq_json_kv_string(&j, "name", info ? info->name : NULL);
            gq_json_end_object(&j);
        } else {
            gq_json_null(&j);
        }
        if (!ff.readable) gq_json_kv_string(&j, "problem", ff.problem);
        gq_json_end_object(&j);
    }
    gq_json_end_array(&j);
    gq_json_end_object(&j);
    return gq_json_finish(&j) == 0 ? GQ_EXIT_OK : GQ_EXIT_FAILURE;
}

int gq_ollama_list_print(FILE *out, bool json, bool pretty) {
    const char *source = NULL;
    char *dir = gq_ollama_models_dir(&source);
    if (!dir) {
        gq_diag_error(NULL, "no home directory to find ~/.ollama/models under: set OLLAMA_MODELS");
        return GQ_EXIT_FAILURE;
    }
    gq_ollama_entry *entries = NULL;
    size_t n = 0;
    char err[1024];
    if (!gq_ollama_list(dir, &entries, &n, err, sizeof err)) {
        gq_diag_error(NULL, "%s", err);
        free(dir);
        return GQ_EXIT_FAILURE;
    }
    int rc = json ? print_json(out, pretty, dir, source, entries, n) : print_text(out, dir, source, entries, n);
    gq_ollama_entries_free(entries, n);
    free(dir);
    return rc;
}
