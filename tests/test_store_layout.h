/* Building Ollama's and the Hugging Face cache's real on-disk layouts in a
 * temporary directory, for the store tests (test_store_*.c).
 *
 * Written from the layouts' descriptions (Ollama's manifest package,
 * huggingface_hub's file_download), not from src/store: blobs are named by
 * the SHA-256 of their bytes (tests/support/sha256.h), manifests are the
 * JSON Ollama writes, snapshot files are relative symbolic links into
 * blobs/ as huggingface_hub makes them. */
#ifndef GQ_TEST_STORE_LAYOUT_H
#define GQ_TEST_STORE_LAYOUT_H

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gqtest.h"
#include "sha256.h"

/* printf into a static rotating buffer (32 at a time). */
static inline const char *sl_fmt(const char *fmt, ...) {
    static char bufs[32][4096];
    static int next;
    char *b = bufs[next++ & 31];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(b, sizeof bufs[0], fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof bufs[0]) fail_msg("path too long");
    return b;
}

/* mkdir -p */
static inline void sl_mkdirs(const char *path) {
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/') continue;
        *p = '\0';
        if (mkdir(buf, 0755) != 0 && errno != EEXIST) fail_msg("mkdir %s: %s", buf, strerror(errno));
        *p = '/';
    }
    if (mkdir(buf, 0755) != 0 && errno != EEXIST) fail_msg("mkdir %s: %s", buf, strerror(errno));
}

static inline void sl_write(const char *path, const void *data, size_t n) { gqt_write_file(path, data, n); }

static inline void sl_write_text(const char *path, const char *text) { gqt_write_file(path, text, strlen(text)); }

/* Store the bytes of `src` as a blob named by their SHA-256 in `blobs_dir`
 * (Ollama: "sha256-<hex>", Hugging Face: "<hex>").  Returns the size;
 * hex receives the digest. */
static inline size_t sl_put_blob(const char *blobs_dir, const char *src, bool ollama_naming, char hex[65]) {
    size_t n = 0;
    void *data = gqt_read_file(src, &n);
    gqt_sha256_hex(data, n, hex);
    sl_mkdirs(blobs_dir);
    sl_write(sl_fmt("%s/%s%s", blobs_dir, ollama_naming ? "sha256-" : "", hex), data, n);
    free(data);
    return n;
}

/* ------------------------------------------------------------ Ollama */

/* An Ollama model: the GGUF as a blob, a config blob recording `label`
 * (the quantization Ollama showed at pull; NULL: no file_type), and the
 * manifest at manifests/<host>/<ns>/<model>/<tag>.  Returns the GGUF
 * blob's path (static buffer) and its digest in hex. */
static inline const char *sl_ollama_add(const char *models, const char *host, const char *ns, const char *model, const char *tag,
                                 const char *gguf, const char *label, char hex[65]) {
    size_t size = sl_put_blob(sl_fmt("%s/blobs", models), gguf, true, hex);
    char config[512];
    snprintf(config, sizeof config,
             "{\"model_format\":\"gguf\",\"model_family\":\"gemma4\",\"model_families\":[\"gemma4\"],"
             "\"model_type\":\"6.5M\"%s%s%s,\"architecture\":\"amd64\",\"os\":\"linux\","
             "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}",
             label ? ",\"file_type\":\"" : "", label ? label : "", label ? "\"" : "");
    char config_hex[65];
    gqt_sha256_hex(config, strlen(config), config_hex);
    sl_write_text(sl_fmt("%s/blobs/sha256-%s", models, config_hex), config);
    const char *dir = sl_fmt("%s/manifests/%s/%s/%s", models, host, ns, model);
    sl_mkdirs(dir);
    char manifest[2048];
    snprintf(manifest, sizeof manifest,
             "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.docker.distribution.manifest.v2+json\","
             "\"config\":{\"mediaType\":\"application/vnd.docker.container.image.v1+json\","
             "\"digest\":\"sha256:%s\",\"size\":%zu},"
             "\"layers\":[{\"mediaType\":\"application/vnd.ollama.image.model\",\"digest\":\"sha256:%s\",\"size\":%zu},"
             "{\"mediaType\":\"application/vnd.ollama.image.params\",\"digest\":\"sha256:%s\",\"size\":%zu}]}\n",
             config_hex, strlen(config), hex, size, config_hex, strlen(config));
    sl_write_text(sl_fmt("%s/%s", dir, tag), manifest);
    return sl_fmt("%s/blobs/sha256-%s", models, hex);
}

/* ------------------------------------------------------------ Hugging Face */

/* A cached file: blob named by its SHA-256, snapshots/<commit>/<file> a
 * relative link to it (sub-folders of `file` made), refs/<ref> holding
 * the commit (ref NULL: none written).  Returns the snapshot path. */
static inline const char *sl_hf_add(const char *cache, const char *org, const char *repo, const char *ref, const char *commit,
                             const char *file, const char *gguf, char hex[65]) {
    const char *repo_dir = sl_fmt("%s/models--%s--%s", cache, org, repo);
    char repo_copy[4096];
    snprintf(repo_copy, sizeof repo_copy, "%s", repo_dir);
    sl_put_blob(sl_fmt("%s/blobs", repo_copy), gguf, false, hex);
    const char *link = sl_fmt("%s/snapshots/%s/%s", repo_copy, commit, file);
    char link_copy[4096];
    snprintf(link_copy, sizeof link_copy, "%s", link);
    char *slash = strrchr(link_copy, '/');
    *slash = '\0';
    sl_mkdirs(link_copy);
    *slash = '/';
    /* ../../blobs/<hex>, one more ../ per sub-folder of `file`. */
    char target[4096] = "../../";
    for (const char *p = file; *p; p++)
        if (*p == '/') strcat(target, "../");
    strcat(target, "blobs/");
    strcat(target, hex);
    unlink(link_copy);
    if (symlink(target, link_copy) != 0) fail_msg("symlink %s: %s", link_copy, strerror(errno));
    if (ref) {
        sl_mkdirs(sl_fmt("%s/refs", repo_copy));
        sl_write_text(sl_fmt("%s/refs/%s", repo_copy, ref), commit);
    }
    return sl_fmt("%s", link_copy);
}

#endif
