#include "gguf_manifest.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "gqtest.h"

void manifest_copy_str(char *dst, size_t size, const char *src) {
    size_t n = strlen(src);
    if (n >= size) fail_msg("string too long for its buffer: %s", src);
    memcpy(dst, src, n + 1);
}

static char *trim(char *s) {
    while (*s == ' ') s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\n')) s[--n] = 0;
    return s;
}

size_t manifest_load(manifest_row *rows, size_t max) {
    char *text = gqt_read_file(gqt_shared_path("fixtures/MANIFEST.md"), NULL);
    size_t n = 0;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        if (strncmp(line, "| `", 3) != 0) continue;
        char *cells[9] = { 0 };
        size_t nc = 0;
        char *p = line + 1;
        while (nc < 9 && p && *p) {
            char *bar = strchr(p, '|');
            if (!bar) break;
            *bar = 0;
            cells[nc++] = trim(p);
            p = bar + 1;
        }
        assert_true(nc >= 8);
        assert_true(n < max);
        manifest_row *r = &rows[n++];
        memset(r, 0, sizeof *r);
        char *path = cells[0];
        assert_int_equal(path[0], '`');
        path++;
        path[strcspn(path, "`")] = 0;
        snprintf(r->path, sizeof r->path, "%s", path);
        if (strcmp(cells[2], "?") != 0) {
            char order[8] = "";
            assert_int_equal(sscanf(cells[2], "%" SCNu32 " %7s", &r->version, order), 2);
            r->is_gguf = true;
            r->big_endian = strcmp(order, "BE") == 0;
            r->n_kv = strtoull(cells[4], NULL, 10);
            r->n_tensors = strtoull(cells[5], NULL, 10);
        }
        snprintf(r->arch, sizeof r->arch, "%s", strcmp(cells[3], "—") == 0 ? "" : cells[3]);
        snprintf(r->types, sizeof r->types, "%s", cells[6]);
        snprintf(r->problems, sizeof r->problems, "%s", cells[7]);
    }
    free(text);
    return n;
}

const manifest_row *manifest_find(const manifest_row *rows, size_t n, const char *path) {
    for (size_t i = 0; i < n; i++)
        if (strcmp(rows[i].path, path) == 0) return &rows[i];
    return NULL;
}

/* Every regular file below fixtures/<dir>, as paths relative to fixtures/. */
size_t manifest_list_files(const char *dir, char (*out)[256], size_t max) {
    char full[4096];
    snprintf(full, sizeof full, "%s", gqt_shared_path(dir));
    DIR *d = opendir(full);
    if (!d) fail_msg("cannot list %s: %s", full, strerror(errno));
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') continue;
        char rel[512], abs[8192];
        snprintf(rel, sizeof rel, "%s/%s", dir, e->d_name);
        snprintf(abs, sizeof abs, "%s/%s", full, e->d_name);
        struct stat st;
        assert_int_equal(stat(abs, &st), 0);
        if (S_ISDIR(st.st_mode)) {
            n += manifest_list_files(rel, out + n, max - n);
        } else {
            assert_true(n < max);
            manifest_copy_str(out[n++], 256, rel);
        }
    }
    closedir(d);
    return n;
}

