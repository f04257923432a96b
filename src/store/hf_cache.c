/* The Hugging Face hub cache (see hf_cache.h). */
#include "store/hf_cache.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/fs_util.h"

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

static bool repo_part_ok(const char *what, const char *s, size_t n, char *err, size_t cap) {
    if (n == 0) return fail(err, cap, "the %s is empty (expected hf:ORG/REPO/FILE.gguf)", what);
    if (n > 96) return fail(err, cap, "the %s is longer than 96 characters", what);
    if ((n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.'))
        return fail(err, cap, "the %s cannot be '%.*s'", what, (int)n, s);
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
              c == '.'))
            return fail(err, cap, "the %s '%.*s' may not contain '%c'", what, (int)n, s, c);
    }
    return true;
}

/* A relative path with no empty, "." or ".." step and no control bytes. */
static bool relative_path_ok(const char *what, const char *s, size_t n, char *err, size_t cap) {
    if (n == 0) return fail(err, cap, "the %s is empty", what);
    size_t start = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && (unsigned char)s[i] < 0x20) return fail(err, cap, "the %s contains a control character", what);
        if (i < n && s[i] == '\\') return fail(err, cap, "the %s contains '\\' (steps are separated by '/')", what);
        if (i == n || s[i] == '/') {
            size_t len = i - start;
            if (len == 0 || (len == 1 && s[start] == '.') || (len == 2 && s[start] == '.' && s[start + 1] == '.'))
                return fail(err, cap, "the %s '%.*s' has an empty, '.' or '..' step", what, (int)n, s);
            start = i + 1;
        }
    }
    return true;
}

bool gq_hf_parse_name(const char *text, gq_hf_name *out, char *err, size_t err_cap) {
    memset(out, 0, sizeof *out);
    const char *slash1 = strchr(text, '/');
    const char *slash2 = slash1 ? strchr(slash1 + 1, '/') : NULL;
    if (!slash1 || !slash2)
        return fail(err, err_cap, "expected hf:ORG/REPO/FILE.gguf[@REVISION], e.g. hf:unsloth/gemma-4-E2B-it-GGUF/gemma-4-E2B-it-Q4_K_M.gguf");
    const size_t org_len = (size_t)(slash1 - text), repo_len = (size_t)(slash2 - slash1 - 1);
    if (!repo_part_ok("organisation", text, org_len, err, err_cap) ||
        !repo_part_ok("repository", slash1 + 1, repo_len, err, err_cap))
        return false;
    const char *file = slash2 + 1;
    /* The revision follows the last '@' (file names on the Hub do not use
     * it in practice; a name that does needs "@main" spelled out). */
    const char *at = strrchr(file, '@');
    size_t file_len = at ? (size_t)(at - file) : strlen(file);
    const char *rev = at ? at + 1 : "main";
    const size_t rev_len = strlen(rev);
    if (at && rev_len == 0) return fail(err, err_cap, "nothing after '@' (the revision is missing)");
    if (!relative_path_ok("file", file, file_len, err, err_cap) || !relative_path_ok("revision", rev, rev_len, err, err_cap))
        return false;
    if (file_len >= sizeof out->file) return fail(err, err_cap, "the file path is longer than %zu bytes", sizeof out->file - 1);
    if (rev_len >= sizeof out->revision)
        return fail(err, err_cap, "the revision is longer than %zu bytes", sizeof out->revision - 1);
    memcpy(out->org, text, org_len);
    memcpy(out->repo, slash1 + 1, repo_len);
    memcpy(out->file, file, file_len);
    memcpy(out->revision, rev, rev_len);
    return true;
}

/* ------------------------------------------------------------ the cache */

char *gq_hf_cache_dir(const char **source) {
    static const char *const direct[] = {"HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE"};
    for (size_t i = 0; i < 2; i++) {
        const char *v = getenv(direct[i]);
        if (v && *v) {
            if (source) *source = direct[i];
            return gq_expand_home(v);
        }
    }
    const char *home = getenv("HF_HOME");
    if (home && *home) {
        if (source) *source = "HF_HOME";
        char *h = gq_expand_home(home);
        char *dir = h ? gq_path_join(h, "hub") : NULL;
        free(h);
        return dir;
    }
    const char *xdg = getenv("XDG_CACHE_HOME");
    if (xdg && *xdg) {
        if (source) *source = "XDG_CACHE_HOME";
        char *x = gq_expand_home(xdg);
        char *dir = x ? gq_path_join(x, "huggingface/hub") : NULL;
        free(x);
        return dir;
    }
    if (source) *source = "default";
    return gq_expand_home("~/.cache/huggingface/hub");
}

/* Where the cache directory came from, for messages. */
static const char *source_text(const char *source) {
    if (strcmp(source, "HF_HUB_CACHE") == 0) return "from HF_HUB_CACHE";
    if (strcmp(source, "HUGGINGFACE_HUB_CACHE") == 0) return "from HUGGINGFACE_HUB_CACHE";
    if (strcmp(source, "HF_HOME") == 0) return "from HF_HOME";
    if (strcmp(source, "XDG_CACHE_HOME") == 0) return "from XDG_CACHE_HOME";
    return "the default; set HF_HUB_CACHE or HF_HOME if the cache is elsewhere";
}

void gq_hf_file_free(gq_hf_file *f) {
    if (!f) return;
    free(f->path);
    memset(f, 0, sizeof *f);
}

/* refs/<revision> -> commit, or the revision itself when it is a commit. */
static bool resolve_revision(const char *repo_dir, const gq_hf_name *n, char commit[41], char *err, size_t cap) {
    char *refs = gq_path_join(repo_dir, "refs");
    char *ref = refs ? gq_path_join(refs, n->revision) : NULL;
    if (!ref) {
        free(refs);
        return fail(err, cap, "out of memory");
    }
    char *text = NULL;
    size_t len = 0;
    int e = 0;
    bool ok = false;
    gq_read_status st = gq_read_small_file(ref, 4096, &text, &len, &e);
    if (st == GQ_READ_OK) {
        /* huggingface_hub writes the bare hash; tolerate a trailing newline. */
        while (len && (text[len - 1] == '\n' || text[len - 1] == '\r' || text[len - 1] == ' ')) len--;
        if (len == 40 && gq_is_hex(text, 40)) {
            memcpy(commit, text, 40);
            commit[40] = '\0';
            ok = true;
        } else {
            fail(err, cap, "ref %s does not hold a 40-hex commit hash", ref);
        }
    } else if (st == GQ_READ_MISSING && strlen(n->revision) == 40 && gq_is_hex(n->revision, 40)) {
        memcpy(commit, n->revision, 41);
        ok = true;
    } else if (st == GQ_READ_MISSING) {
        char hint[300];
        gq_dir_hint(refs, GQ_ENTRY_FILE, NULL, 10, hint, sizeof hint);
        fail(err, cap, "no ref %s: revision '%s' was never downloaded%s%s", ref, n->revision,
             hint[0] ? "; refs there: " : " (no refs at all)", hint);
    } else {
        fail(err, cap, "cannot read ref %s: %s", ref, st == GQ_READ_ERROR ? strerror(e) : "not a small regular file");
    }
    free(text);
    free(ref);
    free(refs);
    return ok;
}

bool gq_hf_find(const char *cache_dir, const char *cache_source, const gq_hf_name *name, gq_hf_file *out, char *err,
                size_t err_cap) {
    memset(out, 0, sizeof *out);
    const char *src = source_text(cache_source ? cache_source : "default");
    char *repo_dir = gq_strdup_printf("%s/models--%s--%s", cache_dir, name->org, name->repo);
    if (!repo_dir) return fail(err, err_cap, "out of memory");
    struct stat st;
    bool ok = false;
    char hint[400] = "";
    char *snapshot = NULL, *file = NULL, *no_exist = NULL;
    if (stat(cache_dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        fail(err, err_cap, "no Hugging Face cache at %s (%s); looked for %s", cache_dir, src, repo_dir);
        goto done;
    }
    if (stat(repo_dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        gq_dir_hint(cache_dir, GQ_ENTRY_DIR, NULL, 8, hint, sizeof hint);
        fail(err, err_cap, "no cached repository %s (cache %s, %s)%s%s", repo_dir, cache_dir, src,
             hint[0] ? "; cached: " : "; the cache is empty", hint);
        goto done;
    }
    if (!resolve_revision(repo_dir, name, out->commit, err, err_cap)) goto done;
    snapshot = gq_strdup_printf("%s/snapshots/%s", repo_dir, out->commit);
    file = snapshot ? gq_path_join(snapshot, name->file) : NULL;
    no_exist = gq_strdup_printf("%s/.no_exist/%s/%s", repo_dir, out->commit, name->file);
    if (!file || !no_exist) {
        fail(err, err_cap, "out of memory");
        goto done;
    }
    if (stat(snapshot, &st) != 0 || !S_ISDIR(st.st_mode)) {
        fail(err, err_cap, "snapshot %s (revision '%s') is not in the cache", snapshot, name->revision);
        goto done;
    }
    if (stat(file, &st) == 0) {
        if (!S_ISREG(st.st_mode)) {
            fail(err, err_cap, "%s is not a regular file", file);
            goto done;
        }
        out->path = file;
        file = NULL;
        ok = true;
        goto done;
    }
    const int stat_errno = errno;
    char target[PATH_MAX];
    ssize_t tl = readlink(file, target, sizeof target - 1);
    if (tl >= 0) {
        target[tl] = '\0';
        fail(err, err_cap, "%s links to %s, which is missing (the blob was deleted or never finished downloading)", file,
             target);
    } else if (stat(no_exist, &st) == 0) {
        fail(err, err_cap, "no file %s: the Hub reported that '%s' does not exist at revision '%s' (%s)", file,
             name->file, name->revision, no_exist);
    } else {
        /* What the snapshot holds instead, in the folder the name points into. */
        char *folder = gq_strdup_printf("%s", file);
        char *cut = folder ? strrchr(folder, '/') : NULL;
        if (cut) *cut = '\0';
        if (folder) gq_dir_hint(folder, GQ_ENTRY_ANY, ".gguf", 10, hint, sizeof hint);
        fail(err, err_cap, "no file %s (%s)%s%s", file, strerror(stat_errno),
             hint[0] ? "; GGUF files there: " : "", hint);
        free(folder);
    }
done:
    free(snapshot);
    free(file);
    free(no_exist);
    free(repo_dir);
    return ok;
}
