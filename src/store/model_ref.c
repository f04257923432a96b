/* Model names to file paths (see model_ref.h). */
#include "store/model_ref.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/fs_util.h"
#include "store/hf_cache.h"
#include "store/ollama_store.h"

gq_store_kind gq_store_kind_of(const char *name) {
    if (strncmp(name, GQ_STORE_OLLAMA_PREFIX, strlen(GQ_STORE_OLLAMA_PREFIX)) == 0) return GQ_STORE_OLLAMA;
    if (strncmp(name, GQ_STORE_HF_PREFIX, strlen(GQ_STORE_HF_PREFIX)) == 0) return GQ_STORE_HF;
    return GQ_STORE_FILE;
}

static bool locate_ollama(const char *spec, gq_store_model *out, char *err, size_t cap) {
    gq_ollama_name name;
    char why[300];
    if (!gq_ollama_parse_name(spec, &name, why, sizeof why)) {
        snprintf(err, cap, "not an Ollama model name: %s", why);
        return false;
    }
    const char *source = NULL;
    char *dir = gq_ollama_models_dir(&source);
    if (!dir) {
        snprintf(err, cap, "no home directory to find ~/.ollama/models under: set OLLAMA_MODELS");
        return false;
    }
    gq_ollama_model m;
    bool ok = gq_ollama_find(dir, source, &name, &m, err, cap);
    free(dir);
    if (!ok) return false;
    out->path = m.blob_path;
    out->recorded_label = m.recorded_label;
    m.blob_path = NULL;
    m.recorded_label = NULL;
    gq_ollama_model_free(&m);
    return true;
}

static bool locate_hf(const char *spec, gq_store_model *out, char *err, size_t cap) {
    gq_hf_name name;
    char why[300];
    if (!gq_hf_parse_name(spec, &name, why, sizeof why)) {
        snprintf(err, cap, "not a Hugging Face file name: %s", why);
        return false;
    }
    const char *source = NULL;
    char *dir = gq_hf_cache_dir(&source);
    if (!dir) {
        snprintf(err, cap, "no home directory to find ~/.cache/huggingface/hub under: set HF_HUB_CACHE");
        return false;
    }
    gq_hf_file f;
    bool ok = gq_hf_find(dir, source, &name, &f, err, cap);
    free(dir);
    if (!ok) return false;
    out->path = f.path;
    f.path = NULL;
    gq_hf_file_free(&f);
    return true;
}

bool gq_store_locate(const char *name, gq_store_model *out, char *err, size_t err_cap) {
    memset(out, 0, sizeof *out);
    if (err_cap) err[0] = '\0';
    out->kind = gq_store_kind_of(name);
    bool ok;
    switch (out->kind) {
    case GQ_STORE_OLLAMA: ok = locate_ollama(name + strlen(GQ_STORE_OLLAMA_PREFIX), out, err, err_cap); break;
    case GQ_STORE_HF: ok = locate_hf(name + strlen(GQ_STORE_HF_PREFIX), out, err, err_cap); break;
    default:
        out->path = gq_strdup_printf("%s", name);
        ok = out->path != NULL;
        if (!ok) snprintf(err, err_cap, "out of memory");
        break;
    }
    if (!ok) gq_store_model_free(out);
    return ok;
}

void gq_store_model_free(gq_store_model *m) {
    if (!m) return;
    free(m->path);
    free(m->recorded_label);
    m->path = NULL;
    m->recorded_label = NULL;
}

char *gq_store_resolve(const char *name, char *err, size_t err_cap) {
    gq_store_model m;
    if (!gq_store_locate(name, &m, err, err_cap)) return NULL;
    free(m.recorded_label);
    return m.path;
}
