/* File-system helpers for the model stores (see fs_util.h). */
#include "store/fs_util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

char *gq_strdup_printf(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) return NULL;
    char *s = malloc((size_t)n + 1);
    if (!s) return NULL;
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return s;
}

char *gq_path_join(const char *a, const char *b) {
    size_t la = strlen(a);
    while (la > 1 && a[la - 1] == '/') la--;
    while (*b == '/') b++;
    return gq_strdup_printf("%.*s/%s", (int)la, a, b);
}

const char *gq_home_dir(void) {
    const char *h = getenv("HOME");
    if (h && *h) return h;
    struct passwd *pw = getpwuid(getuid());
    return pw && pw->pw_dir && *pw->pw_dir ? pw->pw_dir : NULL;
}

char *gq_expand_home(const char *path) {
    if (path[0] == '~' && (path[1] == '/' || path[1] == '\0')) {
        const char *home = gq_home_dir();
        if (!home) return NULL;
        return path[1] ? gq_path_join(home, path + 2) : gq_strdup_printf("%s", home);
    }
    return gq_strdup_printf("%s", path);
}

gq_read_status gq_read_small_file(const char *path, size_t max_bytes, char **data, size_t *len, int *err_no) {
    *data = NULL;
    *len = 0;
    if (err_no) *err_no = 0;
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        if (err_no) *err_no = errno;
        return errno == ENOENT || errno == ENOTDIR ? GQ_READ_MISSING : GQ_READ_ERROR;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        if (err_no) *err_no = errno;
        close(fd);
        return GQ_READ_ERROR;
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return GQ_READ_NOT_FILE;
    }
    if ((uint64_t)st.st_size > max_bytes) {
        close(fd);
        return GQ_READ_TOO_BIG;
    }
    size_t cap = (size_t)st.st_size + 1, n = 0;
    char *buf = malloc(cap + 1);
    if (!buf) {
        close(fd);
        if (err_no) *err_no = ENOMEM;
        return GQ_READ_ERROR;
    }
    /* Read one byte past the size fstat gave: a file that grew since is
     * noticed (and refused above the limit) instead of silently cut. */
    for (;;) {
        ssize_t r = read(fd, buf + n, cap - n);
        if (r < 0) {
            if (errno == EINTR) continue;
            if (err_no) *err_no = errno;
            free(buf);
            close(fd);
            return GQ_READ_ERROR;
        }
        if (r == 0) break;
        n += (size_t)r;
        if (n == cap) {
            if (cap > max_bytes) {
                free(buf);
                close(fd);
                return GQ_READ_TOO_BIG;
            }
            size_t grown = cap * 2 > max_bytes + 1 ? max_bytes + 1 : cap * 2;
            char *nb = realloc(buf, grown + 1);
            if (!nb) {
                free(buf);
                close(fd);
                if (err_no) *err_no = ENOMEM;
                return GQ_READ_ERROR;
            }
            buf = nb;
            cap = grown;
        }
    }
    close(fd);
    buf[n] = '\0';
    *data = buf;
    *len = n;
    return GQ_READ_OK;
}

static int compare_names(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void gq_dir_hint(const char *dir, gq_entry_kind kind, const char *suffix, size_t max, char *out, size_t cap) {
    if (cap) out[0] = '\0';
    DIR *d = opendir(dir);
    if (!d) return;
    /* Keep the first few names only: a huge directory costs a scan, never
     * memory.  Sorting what was kept keeps the hint stable across runs. */
    enum { KEEP = 64 };
    char *names[KEEP];
    size_t n = 0, total = 0;
    const size_t slen = suffix ? strlen(suffix) : 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') continue;
        size_t nl = strlen(e->d_name);
        if (suffix && (nl < slen || strcmp(e->d_name + nl - slen, suffix) != 0)) continue;
        if (kind != GQ_ENTRY_ANY) {
            char *full = gq_path_join(dir, e->d_name);
            struct stat st;
            bool ok = full && stat(full, &st) == 0 && (kind == GQ_ENTRY_DIR ? S_ISDIR(st.st_mode) : S_ISREG(st.st_mode));
            free(full);
            if (!ok) continue;
        }
        total++;
        if (n < KEEP) {
            names[n] = gq_strdup_printf("%s", e->d_name);
            if (names[n]) n++;
        }
    }
    closedir(d);
    qsort(names, n, sizeof *names, compare_names);
    size_t used = 0;
    for (size_t i = 0; i < n; i++) {
        if (i < max && cap > used) {
            int w = snprintf(out + used, cap - used, "%s%s", i ? ", " : "", names[i]);
            if (w > 0) used += (size_t)w < cap - used ? (size_t)w : cap - used - 1;
        }
        free(names[i]);
    }
    if (total > max && cap > used) snprintf(out + used, cap - used, ", ... (%zu in all)", total);
}

char *gq_deepest_existing_dir(const char *path) {
    char *p = gq_strdup_printf("%s  ", path); /* room for "." */
    if (!p) return NULL;
    p[strlen(path)] = '\0';
    for (;;) {
        struct stat st;
        if (stat(p, &st) == 0 && S_ISDIR(st.st_mode)) return p;
        char *slash = strrchr(p, '/');
        if (!slash) {
            p[0] = '.';
            p[1] = '\0';
            return p;
        }
        if (slash == p) {
            p[1] = '\0';
            return p;
        }
        *slash = '\0';
    }
}

bool gq_is_hex(const char *s, size_t n) {
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) return false;
    }
    return true;
}
