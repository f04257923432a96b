#include "gqtest.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

const char *gqt_shared_dir(void) {
    const char *d = getenv("GQ_SHARED");
    if (d && *d) return d;
    struct stat st;
    if (stat("../shared", &st) == 0) return "../shared";
    fail_msg("GQ_SHARED is not set and ../shared does not exist: the shared test data is missing");
    return NULL;
}

const char *gqt_shared_path(const char *rel) {
    static char bufs[8][4096];
    static int next;
    char *b = bufs[next++ & 7];
    snprintf(b, sizeof bufs[0], "%s/%s", gqt_shared_dir(), rel);
    return b;
}

void *gqt_try_read_file(const char *path, size_t *size) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    if (fseek(f, 0, SEEK_END) != 0) { fclose(f); return NULL; }
    long n = ftell(f);
    if (n < 0 || fseek(f, 0, SEEK_SET) != 0) { fclose(f); return NULL; }
    char *buf = malloc((size_t)n + 1);
    if (!buf) { fclose(f); return NULL; }
    if (n && fread(buf, 1, (size_t)n, f) != (size_t)n) { free(buf); fclose(f); return NULL; }
    fclose(f);
    buf[n] = 0;
    if (size) *size = (size_t)n;
    return buf;
}

void *gqt_read_file(const char *path, size_t *size) {
    void *p = gqt_try_read_file(path, size);
    if (!p) fail_msg("required test file missing or unreadable: %s (%s)", path, strerror(errno));
    return p;
}

void gqt_write_file(const char *path, const void *data, size_t size) {
    FILE *f = fopen(path, "wb");
    if (!f) fail_msg("cannot create %s: %s", path, strerror(errno));
    if (size && fwrite(data, 1, size, f) != size) fail_msg("cannot write %s", path);
    if (fclose(f) != 0) fail_msg("cannot close %s", path);
}

char *gqt_mkdtemp(void) {
    const char *base = getenv("TMPDIR");
    char tmpl[4096];
    snprintf(tmpl, sizeof tmpl, "%s/gqtest-XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(tmpl)) fail_msg("mkdtemp failed: %s", strerror(errno));
    return strdup(tmpl);
}

void gqt_rmtree(const char *dir) {
    if (!dir || !*dir || strcmp(dir, "/") == 0) return;
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) { /* best effort */ }
}

const char *gqt_bin_dir(void) {
    const char *d = getenv("GQ_BIN_DIR");
    if (!d || !*d) fail_msg("GQ_BIN_DIR is not set (run the tests through ctest)");
    return d;
}

int gqt_run(const char *cmd, char **out) {
    FILE *p = popen(cmd, "r");
    if (!p) return -1;
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    size_t n;
    while (buf && (n = fread(buf + len, 1, cap - len - 1, p)) > 0) {
        len += n;
        if (cap - len < 2) {
            char *nb = realloc(buf, cap * 2);
            if (!nb) break;
            buf = nb;
            cap *= 2;
        }
    }
    if (buf) buf[len] = 0;
    int st = pclose(p);
    if (out) *out = buf; else free(buf);
    if (st == -1) return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}
