/* Ollama's model store (see ollama_store.h). */
#include "store/ollama_store.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "store/fs_util.h"
#include "store/json_read.h"

static bool fail(char *err, size_t cap, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static bool fail(char *err, size_t cap, const char *fmt, ...) {
    if (err && cap) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, cap, fmt, ap);
        va_end(ap);
    }
    return false;
}

/* ------------------------------------------------------------ names */

typedef enum part_kind { PART_HOST, PART_NAMESPACE, PART_MODEL, PART_TAG } part_kind;

static const char *const part_names[] = {"host", "namespace", "model", "tag"};

static bool word_char(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

/* Ollama's per-part rules (types/model/name.go, isValidPart). */
static bool valid_part(part_kind kind, const char *s, size_t n, char *err, size_t cap) {
    const size_t max = kind == PART_HOST ? 350 : 80;
    if (n < 1 || n > max) return fail(err, cap, "the %s must be 1 to %zu characters long", part_names[kind], max);
    if (!word_char(s[0]))
        return fail(err, cap, "the %s '%.*s' must start with a letter, a digit or '_'", part_names[kind], (int)n, s);
    for (size_t i = 1; i < n; i++) {
        const char c = s[i];
        if (word_char(c) || c == '-' || c == '_') continue;
        if (c == '.' && kind != PART_NAMESPACE) continue;
        if (c == ':' && kind == PART_HOST) continue;
        return fail(err, cap, "the %s '%.*s' may not contain '%c'", part_names[kind], (int)n, s, c);
    }
    return true;
}

static void set_part(char *dst, size_t cap, const char *s, size_t n) {
    if (n >= cap) n = cap - 1;
    memcpy(dst, s, n);
    dst[n] = '\0';
}

bool gq_ollama_parse_name(const char *text, gq_ollama_name *out, char *err, size_t err_cap) {
    memset(out, 0, sizeof *out);
    const char *s = text;
    size_t len = strlen(s);
    if (len == 0) return fail(err, err_cap, "empty model name");
    if (len > 700) return fail(err, err_cap, "model name longer than 700 characters");
    /* Tag: after the last ':' when it follows the last '/' (a ':' before a
     * '/' is a host's port). */
    const char *colon = strrchr(s, ':'), *slash = strrchr(s, '/');
    size_t end = len;
    const char *tag = NULL;
    size_t tag_len = 0;
    if (colon && (!slash || colon > slash)) {
        tag = colon + 1;
        tag_len = len - (size_t)(colon + 1 - s);
        end = (size_t)(colon - s);
        if (tag_len == 0) return fail(err, err_cap, "nothing after ':' (the tag is missing)");
    }
    /* model, namespace, host from the right. */
    const char *parts[3] = {NULL, NULL, NULL};
    size_t lens[3] = {0, 0, 0};
    size_t n_parts = 0;
    size_t stop = end;
    while (n_parts < 2) {
        size_t i = stop;
        while (i > 0 && s[i - 1] != '/') i--;
        parts[n_parts] = s + i;
        lens[n_parts] = stop - i;
        n_parts++;
        if (i == 0) {
            stop = (size_t)-1;
            break;
        }
        stop = i - 1;
    }
    if (stop != (size_t)-1) {
        /* Whatever is left is the host, with an optional "scheme://". */
        const char *h = s;
        size_t hl = stop;
        const char *sep = NULL;
        for (size_t i = 0; i + 2 < hl; i++)
            if (h[i] == ':' && h[i + 1] == '/' && h[i + 2] == '/') {
                sep = h + i;
                break;
            }
        if (sep) {
            hl -= (size_t)(sep + 3 - h);
            h = sep + 3;
        }
        parts[2] = h;
        lens[2] = hl;
        n_parts = 3;
    }
    set_part(out->model, sizeof out->model, parts[0], lens[0]);
    if (!valid_part(PART_MODEL, parts[0], lens[0], err, err_cap)) return false;
    if (n_parts > 1) {
        if (!valid_part(PART_NAMESPACE, parts[1], lens[1], err, err_cap)) return false;
        set_part(out->namespace_, sizeof out->namespace_, parts[1], lens[1]);
    } else {
        strcpy(out->namespace_, GQ_OLLAMA_DEFAULT_NAMESPACE);
    }
    if (n_parts > 2) {
        if (!valid_part(PART_HOST, parts[2], lens[2], err, err_cap)) return false;
        set_part(out->host, sizeof out->host, parts[2], lens[2]);
    } else {
        strcpy(out->host, GQ_OLLAMA_DEFAULT_HOST);
    }
    if (tag) {
        if (!valid_part(PART_TAG, tag, tag_len, err, err_cap)) return false;
        set_part(out->tag, sizeof out->tag, tag, tag_len);
    } else {
        strcpy(out->tag, GQ_OLLAMA_DEFAULT_TAG);
    }
    return true;
}

void gq_ollama_display_name(const gq_ollama_name *n, char *out, size_t cap) {
    if (strcasecmp(n->host, GQ_OLLAMA_DEFAULT_HOST) != 0)
        snprintf(out, cap, "%s/%s/%s:%s", n->host, n->namespace_, n->model, n->tag);
    else if (strcasecmp(n->namespace_, GQ_OLLAMA_DEFAULT_NAMESPACE) != 0)
        snprintf(out, cap, "%s/%s:%s", n->namespace_, n->model, n->tag);
    else
        snprintf(out, cap, "%s:%s", n->model, n->tag);
}

/* ------------------------------------------------------------ the store */

char *gq_ollama_models_dir(const char **source) {
    /* Ollama trims spaces, then quotes, from its variables (envconfig.Var). */
    const char *v = getenv("OLLAMA_MODELS");
    if (v) {
        while (*v == ' ' || *v == '\t' || *v == '\n' || *v == '\r') v++;
        size_t n = strlen(v);
        while (n && (v[n - 1] == ' ' || v[n - 1] == '\t' || v[n - 1] == '\n' || v[n - 1] == '\r')) n--;
        while (n && (*v == '"' || *v == '\'')) v++, n--;
        while (n && (v[n - 1] == '"' || v[n - 1] == '\'')) n--;
        if (n) {
            if (source) *source = "OLLAMA_MODELS";
            return gq_strdup_printf("%.*s", (int)n, v);
        }
    }
    if (source) *source = "default";
    const char *home = gq_home_dir();
    return home ? gq_path_join(home, ".ollama/models") : NULL;
}

void gq_ollama_model_free(gq_ollama_model *m) {
    if (!m) return;
    free(m->manifest_path);
    free(m->blob_path);
    free(m->recorded_label);
    memset(m, 0, sizeof *m);
}

/* "sha256:<64 hex>" (Ollama also accepts '-' for ':'), as blob file name
 * "sha256-<hex>" into file (>= 72 bytes). */
static bool digest_to_blob_name(const char *digest, size_t len, char *file) {
    if (len != 71 || strncmp(digest, "sha256", 6) != 0 || (digest[6] != ':' && digest[6] != '-') ||
        !gq_is_hex(digest + 7, 64))
        return false;
    memcpy(file, digest, 71);
    file[6] = '-';
    file[71] = '\0';
    return true;
}

/* The config blob's "file_type", or NULL: only a label, so any problem
 * with it just leaves the label unknown. */
static char *read_recorded_label(const char *models_dir, const gq_jr_doc *doc) {
    size_t config = gq_jr_find(doc, GQ_JR_ROOT, "config");
    size_t dlen = 0;
    const char *digest = gq_jr_string(doc, gq_jr_find(doc, config, "digest"), &dlen);
    char file[72];
    if (!digest || !digest_to_blob_name(digest, dlen, file)) return NULL;
    char *rel = gq_strdup_printf("blobs/%s", file);
    char *path = rel ? gq_path_join(models_dir, rel) : NULL;
    free(rel);
    char *text = NULL;
    size_t len = 0;
    char *label = NULL;
    if (path && gq_read_small_file(path, GQ_OLLAMA_MAX_CONFIG, &text, &len, NULL) == GQ_READ_OK) {
        gq_jr_doc cfg;
        if (gq_jr_parse(text, len, NULL, &cfg, NULL)) {
            size_t n = 0;
            const char *ft = gq_jr_string(&cfg, gq_jr_find(&cfg, GQ_JR_ROOT, "file_type"), &n);
            if (ft && n && n < 64 && memchr(ft, '\0', n) == NULL) label = gq_strdup_printf("%s", ft);
            gq_jr_free(&cfg);
        }
    }
    free(text);
    free(path);
    return label;
}

/* The layers' media types, for "has no model layer" messages. */
static void layer_types(const gq_jr_doc *doc, size_t layers, char *out, size_t cap) {
    size_t used = 0, shown = 0;
    out[0] = '\0';
    for (size_t l = gq_jr_first(doc, layers); l != GQ_JR_NONE && used < cap; l = gq_jr_next(doc, layers, l)) {
        size_t n = 0;
        const char *mt = gq_jr_string(doc, gq_jr_find(doc, l, "mediaType"), &n);
        if (shown == 6) {
            snprintf(out + used, cap - used, ", ...");
            break;
        }
        int w = snprintf(out + used, cap - used, "%s%.*s", shown ? ", " : "", mt ? (int)(n > 80 ? 80 : n) : 1,
                         mt ? mt : "?");
        if (w < 0) break;
        used += (size_t)w;
        shown++;
    }
}

bool gq_ollama_read_manifest(const char *models_dir, const char *manifest_path, gq_ollama_model *out, char *err,
                             size_t err_cap) {
    memset(out, 0, sizeof *out);
    char *text = NULL;
    size_t len = 0;
    int e = 0;
    switch (gq_read_small_file(manifest_path, GQ_OLLAMA_MAX_MANIFEST, &text, &len, &e)) {
    case GQ_READ_OK: break;
    case GQ_READ_MISSING: return fail(err, err_cap, "no manifest %s", manifest_path);
    case GQ_READ_TOO_BIG:
        return fail(err, err_cap, "manifest %s is larger than %u MiB: not a manifest", manifest_path,
                    GQ_OLLAMA_MAX_MANIFEST >> 20);
    case GQ_READ_NOT_FILE: return fail(err, err_cap, "manifest %s is not a regular file", manifest_path);
    case GQ_READ_ERROR: return fail(err, err_cap, "cannot read manifest %s: %s", manifest_path, strerror(e));
    }
    gq_jr_doc doc;
    gq_jr_error je;
    gq_jr_limits lim = gq_jr_default_limits;
    lim.max_bytes = GQ_OLLAMA_MAX_MANIFEST;
    if (!gq_jr_parse(text, len, &lim, &doc, &je)) {
        free(text);
        return fail(err, err_cap, "manifest %s is not valid JSON: %s (line %zu, column %zu)", manifest_path, je.message,
                    je.line, je.column);
    }
    free(text);
    bool ok = false;
    const size_t layers = gq_jr_find(&doc, GQ_JR_ROOT, "layers");
    size_t model = GQ_JR_NONE, n_layers = 0;
    uint64_t total = 0;
    if (gq_jr_kind_of(&doc, GQ_JR_ROOT) != GQ_JR_OBJECT) {
        fail(err, err_cap, "manifest %s is not a JSON object", manifest_path);
        goto done;
    }
    if (gq_jr_kind_of(&doc, layers) != GQ_JR_ARRAY) {
        fail(err, err_cap, "manifest %s has no \"layers\" array", manifest_path);
        goto done;
    }
    for (size_t l = gq_jr_first(&doc, layers); l != GQ_JR_NONE; l = gq_jr_next(&doc, layers, l)) {
        n_layers++;
        uint64_t size;
        if (gq_jr_u64(&doc, gq_jr_find(&doc, l, "size"), &size) && total <= UINT64_MAX - size) total += size;
        size_t n = 0;
        const char *mt = gq_jr_string(&doc, gq_jr_find(&doc, l, "mediaType"), &n);
        /* Ollama takes the last model layer when there are several. */
        if (mt && n == strlen(GQ_OLLAMA_MODEL_MEDIA_TYPE) && memcmp(mt, GQ_OLLAMA_MODEL_MEDIA_TYPE, n) == 0) model = l;
    }
    if (model == GQ_JR_NONE) {
        char types[400];
        layer_types(&doc, layers, types, sizeof types);
        fail(err, err_cap, "manifest %s has no model layer (mediaType %s); its %zu layer%s: %s", manifest_path,
             GQ_OLLAMA_MODEL_MEDIA_TYPE, n_layers, n_layers == 1 ? " is" : "s are", n_layers ? types : "none");
        goto done;
    }
    size_t dlen = 0;
    const char *digest = gq_jr_string(&doc, gq_jr_find(&doc, model, "digest"), &dlen);
    char file[72];
    if (!digest || !digest_to_blob_name(digest, dlen, file)) {
        fail(err, err_cap, "manifest %s: the model layer's digest is %s, not \"sha256:<64 hex digits>\"", manifest_path,
             digest ? "malformed" : "missing");
        goto done;
    }
    uint64_t want;
    if (!gq_jr_u64(&doc, gq_jr_find(&doc, model, "size"), &want)) {
        fail(err, err_cap, "manifest %s: the model layer has no valid \"size\" (a non-negative integer)", manifest_path);
        goto done;
    }
    uint64_t config_size;
    if (gq_jr_u64(&doc, gq_jr_find(&doc, gq_jr_find(&doc, GQ_JR_ROOT, "config"), "size"), &config_size) &&
        total <= UINT64_MAX - config_size)
        total += config_size;
    char *rel = gq_strdup_printf("blobs/%s", file);
    out->blob_path = rel ? gq_path_join(models_dir, rel) : NULL;
    free(rel);
    out->manifest_path = gq_strdup_printf("%s", manifest_path);
    if (!out->blob_path || !out->manifest_path) {
        fail(err, err_cap, "out of memory");
        goto done;
    }
    memcpy(out->digest, digest, 71);
    out->digest[6] = ':';
    out->digest[71] = '\0';
    struct stat st;
    if (stat(out->blob_path, &st) != 0) {
        fail(err, err_cap, "the model blob %s named by manifest %s is missing (%s)", out->blob_path, manifest_path,
             strerror(errno));
        goto done;
    }
    if (!S_ISREG(st.st_mode)) {
        fail(err, err_cap, "the model blob %s is not a regular file", out->blob_path);
        goto done;
    }
    if ((uint64_t)st.st_size != want) {
        fail(err, err_cap, "the model blob %s is %llu bytes but manifest %s says %llu: %s", out->blob_path,
             (unsigned long long)st.st_size, manifest_path, (unsigned long long)want,
             (uint64_t)st.st_size < want ? "truncated (an interrupted pull?)" : "it does not match");
        goto done;
    }
    out->blob_size = want;
    out->total_size = total;
    out->recorded_label = read_recorded_label(models_dir, &doc);
    ok = true;
done:
    gq_jr_free(&doc);
    if (!ok) gq_ollama_model_free(out);
    return ok;
}

/* Say which step of manifests/<host>/<ns>/<model>/<tag> is missing, and
 * what is there instead. */
static void explain_missing(const char *models_dir, const char *models_source, const gq_ollama_name *n,
                            const char *manifest_path, char *err, size_t cap) {
    char hint[400] = "";
    struct stat st;
    if (stat(models_dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        snprintf(err, cap, "no Ollama model store at %s (%s); no manifest %s", models_dir,
                 strcmp(models_source, "OLLAMA_MODELS") == 0 ? "from OLLAMA_MODELS"
                                                             : "the default; set OLLAMA_MODELS if Ollama keeps models elsewhere",
                 manifest_path);
        return;
    }
    char *model_dir = gq_strdup_printf("%s/manifests/%s/%s/%s", models_dir, n->host, n->namespace_, n->model);
    if (!model_dir) {
        snprintf(err, cap, "no manifest %s", manifest_path);
        return;
    }
    if (stat(model_dir, &st) == 0 && S_ISDIR(st.st_mode)) {
        gq_dir_hint(model_dir, GQ_ENTRY_FILE, NULL, 12, hint, sizeof hint);
        snprintf(err, cap, "no manifest %s: tag '%s' is not pulled%s%s", manifest_path, n->tag,
                 hint[0] ? "; tags there: " : "", hint);
    } else {
        /* The first missing step and what its parent holds instead. */
        char *deepest = gq_deepest_existing_dir(model_dir);
        const size_t dl = deepest ? strlen(deepest) : 0;
        const char *rest = deepest && strncmp(model_dir, deepest, dl) == 0 ? model_dir + dl : "";
        while (*rest == '/') rest++;
        const size_t step = strcspn(rest, "/");
        if (deepest) gq_dir_hint(deepest, GQ_ENTRY_DIR, NULL, 12, hint, sizeof hint);
        snprintf(err, cap, "no manifest %s: %s has no '%.*s'%s%s", manifest_path, deepest ? deepest : models_dir,
                 (int)step, rest, hint[0] ? "; it holds: " : "", hint);
        free(deepest);
    }
    free(model_dir);
}

bool gq_ollama_find(const char *models_dir, const char *models_source, const gq_ollama_name *name,
                    gq_ollama_model *out, char *err, size_t err_cap) {
    memset(out, 0, sizeof *out);
    char *manifest = gq_strdup_printf("%s/manifests/%s/%s/%s/%s", models_dir, name->host, name->namespace_, name->model,
                                      name->tag);
    if (!manifest) return fail(err, err_cap, "out of memory");
    struct stat st;
    bool ok;
    if (stat(manifest, &st) != 0 && (errno == ENOENT || errno == ENOTDIR)) {
        explain_missing(models_dir, models_source ? models_source : "default", name, manifest, err, err_cap);
        ok = false;
    } else {
        ok = gq_ollama_read_manifest(models_dir, manifest, out, err, err_cap);
    }
    free(manifest);
    return ok;
}

/* ------------------------------------------------------------ listing */

static int compare_entries(const void *a, const void *b) {
    return strcmp(((const gq_ollama_entry *)a)->display, ((const gq_ollama_entry *)b)->display);
}

/* Sub-directory names of dir (hidden ones skipped), malloc'ed array. */
static char **list_names(const char *dir, bool want_dirs, size_t *count) {
    *count = 0;
    DIR *d = opendir(dir);
    if (!d) return NULL;
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') continue;
        char *full = gq_path_join(dir, e->d_name);
        struct stat st;
        bool keep = full && stat(full, &st) == 0 && (want_dirs ? S_ISDIR(st.st_mode) : S_ISREG(st.st_mode));
        free(full);
        if (!keep) continue;
        if (n == cap) {
            size_t nc = cap ? cap * 2 : 16;
            char **g = realloc(names, nc * sizeof *g);
            if (!g) break;
            names = g;
            cap = nc;
        }
        if (!(names[n] = gq_strdup_printf("%s", e->d_name))) break;
        n++;
    }
    closedir(d);
    *count = n;
    return names;
}

static void free_names(char **names, size_t n) {
    for (size_t i = 0; i < n; i++) free(names[i]);
    free(names);
}

static bool add_entry(gq_ollama_entry **entries, size_t *count, size_t *cap, const char *models_dir, const char *host,
                      const char *ns, const char *model, const char *tag) {
    if (*count == *cap) {
        size_t nc = *cap ? *cap * 2 : 16;
        gq_ollama_entry *g = realloc(*entries, nc * sizeof *g);
        if (!g) return false;
        *entries = g;
        *cap = nc;
    }
    gq_ollama_entry *e = &(*entries)[*count];
    memset(e, 0, sizeof *e);
    set_part(e->name.host, sizeof e->name.host, host, strlen(host));
    set_part(e->name.namespace_, sizeof e->name.namespace_, ns, strlen(ns));
    set_part(e->name.model, sizeof e->name.model, model, strlen(model));
    set_part(e->name.tag, sizeof e->name.tag, tag, strlen(tag));
    gq_ollama_display_name(&e->name, e->display, sizeof e->display);
    char *manifest = gq_strdup_printf("%s/manifests/%s/%s/%s/%s", models_dir, host, ns, model, tag);
    if (!manifest) return false;
    e->ok = gq_ollama_read_manifest(models_dir, manifest, &e->model, e->problem, sizeof e->problem);
    free(manifest);
    (*count)++;
    return true;
}

bool gq_ollama_list(const char *models_dir, gq_ollama_entry **entries, size_t *count, char *err, size_t err_cap) {
    *entries = NULL;
    *count = 0;
    char *root = gq_path_join(models_dir, "manifests");
    if (!root) return fail(err, err_cap, "out of memory");
    struct stat st;
    if (stat(root, &st) != 0 || !S_ISDIR(st.st_mode)) {
        bool store = stat(models_dir, &st) == 0 && S_ISDIR(st.st_mode);
        fail(err, err_cap, store ? "%s has no manifests directory: no model was pulled into this store"
                                 : "no Ollama model store at %s (set OLLAMA_MODELS if Ollama keeps models elsewhere)",
             store ? models_dir : models_dir);
        free(root);
        return false;
    }
    /* manifests/<host>/<namespace>/<model>/<tag>: exactly four levels, as
     * Ollama's own listing globs them. */
    size_t cap = 0, nh = 0;
    bool ok = true;
    char **hosts = list_names(root, true, &nh);
    for (size_t h = 0; ok && h < nh; h++) {
        char *hd = gq_path_join(root, hosts[h]);
        size_t nn = 0;
        char **spaces = hd ? list_names(hd, true, &nn) : NULL;
        for (size_t s = 0; ok && s < nn; s++) {
            char *sd = gq_path_join(hd, spaces[s]);
            size_t nm = 0;
            char **models = sd ? list_names(sd, true, &nm) : NULL;
            for (size_t m = 0; ok && m < nm; m++) {
                char *md = gq_path_join(sd, models[m]);
                size_t nt = 0;
                char **tags = md ? list_names(md, false, &nt) : NULL;
                for (size_t t = 0; ok && t < nt; t++)
                    ok = add_entry(entries, count, &cap, models_dir, hosts[h], spaces[s], models[m], tags[t]);
                free_names(tags, nt);
                free(md);
            }
            free_names(models, nm);
            free(sd);
        }
        free_names(spaces, nn);
        free(hd);
    }
    free_names(hosts, nh);
    free(root);
    if (!ok) {
        gq_ollama_entries_free(*entries, *count);
        *entries = NULL;
        *count = 0;
        return fail(err, err_cap, "out of memory");
    }
    if (*count) qsort(*entries, *count, sizeof **entries, compare_entries);
    return true;
}

void gq_ollama_entries_free(gq_ollama_entry *entries, size_t count) {
    for (size_t i = 0; entries && i < count; i++) gq_ollama_model_free(&entries[i].model);
    free(entries);
}
