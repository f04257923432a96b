/* Ollama's model store (src/store/ollama_store.h, ollama_label.h):
 *  - names parsed as Ollama's types/model/name.go parses them (defaults,
 *    hosts with ports, schemes, the part rules that keep ".." out);
 *  - the quantization labels of both of Ollama's FileType tables, and how
 *    Ollama reads general.file_type (uint32 only, 0 is "unknown");
 *  - a real store layout built from the gemma4-mini fixtures (blobs named
 *    by their SHA-256, manifests as Ollama writes them) resolved to the
 *    right blob, and every way it can be broken reported with the path
 *    that was tried and what was missing or wrong;
 *  - the listing (names, sizes, broken entries). */
#include "gqtest.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gguf_builder.h"
#include "store/ollama_label.h"
#include "store/ollama_store.h"
#include "test_store_layout.h"

#define MINI "fixtures/quantized/gemma4-mini/"

/* ------------------------------------------------------------ names */

static void expect_name(const char *text, const char *host, const char *ns, const char *model, const char *tag,
                        const char *display) {
    gq_ollama_name n;
    char err[300];
    if (!gq_ollama_parse_name(text, &n, err, sizeof err)) fail_msg("'%s' refused: %s", text, err);
    assert_string_equal(n.host, host);
    assert_string_equal(n.namespace_, ns);
    assert_string_equal(n.model, model);
    assert_string_equal(n.tag, tag);
    char shown[600];
    gq_ollama_display_name(&n, shown, sizeof shown);
    assert_string_equal(shown, display);
}

static void expect_bad_name(const char *text, const char *why) {
    gq_ollama_name n;
    char err[300] = "";
    if (gq_ollama_parse_name(text, &n, err, sizeof err)) fail_msg("'%s' accepted", text);
    if (!strstr(err, why)) fail_msg("'%s': '%s' lacks '%s'", text, err, why);
}

static void test_names(void **state) {
    (void)state;
    /* Defaults: registry.ollama.ai, library, latest (Ollama's DefaultName). */
    expect_name("gemma3", "registry.ollama.ai", "library", "gemma3", "latest", "gemma3:latest");
    expect_name("gemma3:1b", "registry.ollama.ai", "library", "gemma3", "1b", "gemma3:1b");
    expect_name("batiai/gemma4-e2b:q4", "registry.ollama.ai", "batiai", "gemma4-e2b", "q4", "batiai/gemma4-e2b:q4");
    expect_name("batiai/gemma4-e2b", "registry.ollama.ai", "batiai", "gemma4-e2b", "latest", "batiai/gemma4-e2b:latest");
    /* A host part is the registry: Hugging Face pulls keep theirs. */
    expect_name("hf.co/unsloth/gemma-3-1b-it-GGUF:Q4_K_M", "hf.co", "unsloth", "gemma-3-1b-it-GGUF", "Q4_K_M",
                "hf.co/unsloth/gemma-3-1b-it-GGUF:Q4_K_M");
    /* The default registry and namespace are left out of the display. */
    expect_name("registry.ollama.ai/library/llama3.2:3b", "registry.ollama.ai", "library", "llama3.2", "3b", "llama3.2:3b");
    /* ':' before the last '/' is a port, not a tag. */
    expect_name("localhost:11434/me/m", "localhost:11434", "me", "m", "latest", "localhost:11434/me/m:latest");
    /* A scheme is dropped, as ParseNameBare does. */
    expect_name("https://example.com/me/m:v1", "example.com", "me", "m", "v1", "example.com/me/m:v1");
    expect_name("_x/y_:t.1", "registry.ollama.ai", "_x", "y_", "t.1", "_x/y_:t.1");

    expect_bad_name("", "empty");
    expect_bad_name("m:", "tag is missing");
    expect_bad_name("../m", "namespace '..' must start with");
    expect_bad_name("ns/..", "model '..' must start with");
    expect_bad_name("ns/.hidden", "must start with");
    expect_bad_name("na.me/model", "namespace 'na.me' may not contain '.'");
    expect_bad_name("a/b/c/d", "may not contain '/'");
    expect_bad_name("m:t:x", "model 'm:t' may not contain ':'");
    expect_bad_name("m:t/x", "namespace 'm:t' may not contain ':'");
    expect_bad_name("ns/m:../x", "may not contain");
    expect_bad_name("m\\x", "may not contain '\\'");
    expect_bad_name("/m", "namespace must be 1 to 80");
    char long_model[100];
    memset(long_model, 'a', 81);
    long_model[81] = '\0';
    expect_bad_name(long_model, "model must be 1 to 80");
}

/* ------------------------------------------------------------ labels */

static void test_label_tables(void **state) {
    (void)state;
    /* Facts of Ollama's fs/ggml/type.go, FileType.String(). */
    const struct {
        uint32_t ft;
        const char *before, *since;
    } rows[] = {
        {1, "F16", "F16"},          {2, "Q4_0", "Q4_0"},         {4, "MXFP4", "unknown"},
        {7, "Q8_0", "Q8_0"},        {15, "Q4_K_M", "Q4_K_M"},    {14, "Q4_K_S", "Q4_K_S"},
        {18, "Q6_K", "Q6_K"},       {21, "Q2_K_S", "Q2_K_S"},    {19, "unknown", "IQ2_XXS"},
        {20, "unknown", "IQ2_XS"},  {28, "unknown", "IQ2_S"},    {29, "unknown", "IQ2_M"},
        {30, "unknown", "IQ4_XS"},  {31, "unknown", "IQ1_M"},    {32, "BF16", "BF16"},
        {33, "unknown", "unknown"}, {36, "unknown", "TQ1_0"},    {38, "unknown", "MXFP4_MOE"},
        {39, "unknown", "NVFP4"},   {40, "unknown", "Q1_0"},     {41, "unknown", "unknown"},
        {1024, "unknown", "unknown"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        assert_string_equal(gq_ollama_label_for(true, rows[i].ft, GQ_OLLAMA_BEFORE_0_30), rows[i].before);
        assert_string_equal(gq_ollama_label_for(true, rows[i].ft, GQ_OLLAMA_SINCE_0_30), rows[i].since);
    }
    /* KV.FileType(): 0 (ALL_F32) and a missing or non-uint32 key are unknown. */
    assert_string_equal(gq_ollama_label_for(true, 0, GQ_OLLAMA_SINCE_0_30), "unknown");
    assert_string_equal(gq_ollama_label_for(false, 15, GQ_OLLAMA_SINCE_0_30), "unknown");
}

/* A minimal GGUF with general.file_type stored as `type` (or absent). */
static gguf_file *file_with_type(gqb *b, int type, uint64_t value) {
    gqb_init(b, 3, false);
    gqb_header(b, 0, type < 0 ? 1 : 2);
    gqb_kv_str(b, "general.architecture", "llama");
    if (type == GQB_U32) gqb_kv_u32(b, "general.file_type", (uint32_t)value);
    else if (type == GQB_I32) {
        gqb_kv(b, "general.file_type", GQB_I32);
        gqb_u32(b, (uint32_t)value);
    } else if (type == GQB_U64) {
        gqb_kv(b, "general.file_type", GQB_U64);
        gqb_u64(b, value);
    }
    gguf_error err;
    gguf_file *f = gqb_open_copy(b->data, b->len, 0, &err);
    if (!f) fail_msg("built file refused: %s", err.message);
    return f;
}

static void expect_describe(int type, uint64_t value, const char *recorded, const char *want) {
    gqb b;
    gguf_file *f = file_with_type(&b, type, value);
    char out[300];
    gq_ollama_label_describe(f, recorded, out, sizeof out);
    if (strcmp(out, want) != 0) fail_msg("type %d value %llu: '%s', expected '%s'", type, (unsigned long long)value, out, want);
    gqb_close(f);
    gqb_free(&b);
}

static void test_label_of_file(void **state) {
    (void)state;
    expect_describe(GQB_U32, 15, NULL, "Q4_K_M");
    expect_describe(GQB_U32, 29, NULL, "IQ2_M (Ollama before v0.30 shows \"unknown\")");
    expect_describe(GQB_U32, 4, NULL, "unknown (Ollama before v0.30 shows \"MXFP4\")");
    expect_describe(GQB_U32, 0, NULL, "unknown (Ollama has no name for ALL_F32 (0))");
    expect_describe(GQB_U32, 41, NULL, "unknown (Ollama has no name for MOSTLY_Q2_0 (41))");
    expect_describe(GQB_U32, 77, NULL, "unknown (file type 77 is not one llama.cpp defines)");
    expect_describe(GQB_I32, 15, NULL, "unknown (Ollama reads general.file_type only as a uint32)");
    expect_describe(GQB_U64, 15, NULL, "unknown (Ollama reads general.file_type only as a uint32)");
    expect_describe(-1, 0, NULL, "unknown (no general.file_type)");
    /* What a pull recorded is added when it differs from today's label. */
    expect_describe(GQB_U32, 29, "unknown", "IQ2_M (Ollama before v0.30 shows \"unknown\"); this pull recorded \"unknown\"");
    expect_describe(GQB_U32, 15, "Q4_K_M", "Q4_K_M");

    /* The fixtures: llama-quantize wrote general.file_type as uint32. */
    const struct {
        const char *file, *since, *before;
    } fx[] = {{"gemma4-mini-Q4_K_M.gguf", "Q4_K_M", "Q4_K_M"},
              {"gemma4-mini-Q6_K.gguf", "Q6_K", "Q6_K"},
              {"gemma4-mini-IQ2_M.gguf", "IQ2_M", "unknown"},
              {"gemma4-mini-IQ2_XXS.gguf", "IQ2_XXS", "unknown"},
              {"gemma4-mini-BF16.gguf", "BF16", "BF16"}};
    for (size_t i = 0; i < sizeof fx / sizeof fx[0]; i++) {
        gguf_error err;
        gguf_file *f = gguf_open(gqt_shared_path(sl_fmt(MINI "%s", fx[i].file)), GGUF_OPEN_HEADER_ONLY, &err);
        if (!f) fail_msg("%s: %s", fx[i].file, err.message);
        assert_string_equal(gq_ollama_label_of_file(f, GQ_OLLAMA_SINCE_0_30), fx[i].since);
        assert_string_equal(gq_ollama_label_of_file(f, GQ_OLLAMA_BEFORE_0_30), fx[i].before);
        gguf_close(f);
    }
}

/* ------------------------------------------------------------ the models directory */

static void test_models_dir(void **state) {
    (void)state;
    const char *source = NULL;
    char *saved_home = getenv("HOME") ? strdup(getenv("HOME")) : NULL;
    setenv("OLLAMA_MODELS", "  \"/srv/ollama models\"  ", 1); /* Ollama trims spaces, then quotes */
    char *d = gq_ollama_models_dir(&source);
    assert_string_equal(d, "/srv/ollama models");
    assert_string_equal(source, "OLLAMA_MODELS");
    free(d);
    setenv("OLLAMA_MODELS", "", 1);
    setenv("HOME", "/home/student", 1);
    d = gq_ollama_models_dir(&source);
    assert_string_equal(d, "/home/student/.ollama/models");
    assert_string_equal(source, "default");
    free(d);
    unsetenv("OLLAMA_MODELS");
    d = gq_ollama_models_dir(&source);
    assert_string_equal(d, "/home/student/.ollama/models");
    free(d);
    if (saved_home) setenv("HOME", saved_home, 1);
    free(saved_home);
}

/* ------------------------------------------------------------ resolving */

typedef struct store_fixture {
    char *root;
    const char *models;
    char q4_hex[65], q6_hex[65], iq2_hex[65];
    char q4_blob[4096];
} store_fixture;

static int make_store(void **state) {
    store_fixture *s = calloc(1, sizeof *s);
    s->root = gqt_mkdtemp();
    s->models = strdup(sl_fmt("%s/models", s->root));
    snprintf(s->q4_blob, sizeof s->q4_blob, "%s",
             sl_ollama_add(s->models, "registry.ollama.ai", "batiai", "gemma4-e2b", "q4",
                           gqt_shared_path(MINI "gemma4-mini-Q4_K_M.gguf"), "Q4_K_M", s->q4_hex));
    sl_ollama_add(s->models, "registry.ollama.ai", "batiai", "gemma4-e2b", "q6", gqt_shared_path(MINI "gemma4-mini-Q6_K.gguf"),
                  "Q6_K", s->q6_hex);
    sl_ollama_add(s->models, "hf.co", "unsloth", "gemma-4-E2B-it-GGUF", "IQ2_M",
                  gqt_shared_path(MINI "gemma4-mini-IQ2_M.gguf"), "unknown", s->iq2_hex);
    *state = s;
    return 0;
}

static int remove_store(void **state) {
    store_fixture *s = *state;
    gqt_rmtree(s->root);
    free(s->root);
    free((char *)s->models);
    free(s);
    return 0;
}

static bool find(const store_fixture *s, const char *text, gq_ollama_model *m, char *err, size_t cap) {
    gq_ollama_name n;
    if (!gq_ollama_parse_name(text, &n, err, cap)) fail_msg("%s: %s", text, err);
    return gq_ollama_find(s->models, "OLLAMA_MODELS", &n, m, err, cap);
}

static void expect_find_error(const store_fixture *s, const char *text, const char *const *parts) {
    gq_ollama_model m;
    char err[2048] = "";
    if (find(s, text, &m, err, sizeof err)) {
        gq_ollama_model_free(&m);
        fail_msg("%s resolved", text);
    }
    for (; *parts; parts++)
        if (!strstr(err, *parts)) fail_msg("%s: message '%s' lacks '%s'", text, err, *parts);
    assert_null(m.blob_path);
}

static void test_find(void **state) {
    store_fixture *s = *state;
    gq_ollama_model m;
    char err[2048];
    assert_true(find(s, "batiai/gemma4-e2b:q4", &m, err, sizeof err));
    assert_string_equal(m.blob_path, s->q4_blob);
    assert_string_equal(m.digest, sl_fmt("sha256:%s", s->q4_hex));
    size_t size = 0;
    free(gqt_read_file(gqt_shared_path(MINI "gemma4-mini-Q4_K_M.gguf"), &size));
    assert_int_equal(m.blob_size, size);
    assert_string_equal(m.recorded_label, "Q4_K_M");
    assert_string_equal(m.manifest_path, sl_fmt("%s/manifests/registry.ollama.ai/batiai/gemma4-e2b/q4", s->models));
    /* ollama list counts every layer and the config (here the config twice:
     * as config and as the params layer). */
    struct stat st;
    assert_int_equal(stat(m.blob_path, &st), 0);
    assert_true(m.total_size > m.blob_size);
    gq_ollama_model_free(&m);
    /* A name with a host. */
    assert_true(find(s, "hf.co/unsloth/gemma-4-E2B-it-GGUF:IQ2_M", &m, err, sizeof err));
    assert_string_equal(m.digest, sl_fmt("sha256:%s", s->iq2_hex));
    assert_string_equal(m.recorded_label, "unknown");
    gq_ollama_model_free(&m);
}

static void test_missing_steps_are_named(void **state) {
    store_fixture *s = *state;
    const char *tag[] = {"no manifest ", "/manifests/registry.ollama.ai/batiai/gemma4-e2b/q5", "tag 'q5' is not pulled",
                         "tags there: q4, q6", NULL};
    expect_find_error(s, "batiai/gemma4-e2b:q5", tag);
    const char *model[] = {"/manifests/registry.ollama.ai/batiai/gemma3/latest",
                           sl_fmt("%s/manifests/registry.ollama.ai/batiai has no 'gemma3'", s->models),
                           "it holds: gemma4-e2b", NULL};
    expect_find_error(s, "batiai/gemma3", model);
    const char *ns[] = {sl_fmt("%s/manifests/registry.ollama.ai has no 'library'", s->models), "it holds: batiai", NULL};
    expect_find_error(s, "gemma3", ns);
    const char *host[] = {sl_fmt("%s/manifests has no 'example.com'", s->models), "it holds: hf.co, registry.ollama.ai",
                          NULL};
    expect_find_error(s, "example.com/a/b:c", host);
    /* No store at all. */
    gq_ollama_name n;
    char err[2048];
    assert_true(gq_ollama_parse_name("gemma3", &n, err, sizeof err));
    gq_ollama_model m;
    const char *nowhere = sl_fmt("%s/nowhere", s->root);
    assert_false(gq_ollama_find(nowhere, "OLLAMA_MODELS", &n, &m, err, sizeof err));
    assert_non_null(strstr(err, sl_fmt("no Ollama model store at %s (from OLLAMA_MODELS)", nowhere)));
    assert_false(gq_ollama_find(nowhere, "default", &n, &m, err, sizeof err));
    assert_non_null(strstr(err, "set OLLAMA_MODELS"));
}

/* Write a manifest for batiai/broken:<tag> and expect resolving it to fail
 * with every one of `parts` in the message. */
static void expect_broken(store_fixture *s, const char *tag, const char *manifest, const char *const *parts) {
    const char *dir = sl_fmt("%s/manifests/registry.ollama.ai/batiai/broken", s->models);
    sl_mkdirs(dir);
    sl_write_text(sl_fmt("%s/%s", dir, tag), manifest);
    expect_find_error(s, sl_fmt("batiai/broken:%s", tag), parts);
}

static const char *layer(const char *media, const char *hex, unsigned long long size) {
    return sl_fmt("{\"mediaType\":\"%s\",\"digest\":\"sha256:%s\",\"size\":%llu}", media, hex, size);
}

static void test_broken_manifests(void **state) {
    store_fixture *s = *state;
    const char *model_type = "application/vnd.ollama.image.model";
    size_t q4_size = 0;
    free(gqt_read_file(s->q4_blob, &q4_size));
    const char *path = sl_fmt("%s/manifests/registry.ollama.ai/batiai/broken/", s->models);
    char p[4096];
    snprintf(p, sizeof p, "%s", path);

    const char *json[] = {"manifest ", "is not valid JSON", "expected ',' or '}'", "(line 1, column 14)", NULL};
    expect_broken(s, "json", "{\"layers\":[] \"x\":1}", json);
    const char *trunc[] = {"is not valid JSON", "input ends where a value should be", NULL};
    expect_broken(s, "trunc", "{\"schemaVersion\":2,\"layers\":[{\"mediaType\":", trunc);
    const char *dup[] = {"is not valid JSON", "duplicate key \"layers\"", NULL};
    expect_broken(s, "dup", "{\"layers\":[],\"layers\":[]}", dup);
    const char *utf8[] = {"is not valid JSON", "invalid UTF-8", NULL};
    expect_broken(s, "utf8", "{\"mediaType\":\"\xff\"}", utf8);
    const char *notobj[] = {"is not a JSON object", NULL};
    expect_broken(s, "array", "[]", notobj);
    const char *nolayers[] = {"has no \"layers\" array", NULL};
    expect_broken(s, "nolayers", "{\"schemaVersion\":2}", nolayers);
    const char *nomodel[] = {sl_fmt("manifest %sno-model has no model layer", p),
                             "its 2 layers are: application/vnd.ollama.image.template, application/vnd.ollama.image.license",
                             NULL};
    expect_broken(s, "no-model",
                  sl_fmt("{\"layers\":[%s,%s]}", layer("application/vnd.ollama.image.template", s->q6_hex, 10),
                         layer("application/vnd.ollama.image.license", s->q6_hex, 10)),
                  nomodel);
    const char *empty[] = {"has no model layer", "its 0 layers are: none", NULL};
    expect_broken(s, "empty", "{\"layers\":[]}", empty);
    const char *digest[] = {"the model layer's digest is malformed", NULL};
    expect_broken(s, "digest", sl_fmt("{\"layers\":[{\"mediaType\":\"%s\",\"digest\":\"sha256:abc\",\"size\":1}]}", model_type),
                  digest);
    expect_broken(s, "traversal",
                  sl_fmt("{\"layers\":[{\"mediaType\":\"%s\",\"digest\":\"sha256:../../../../etc/passwd%s\",\"size\":1}]}",
                         model_type, "0000000000000000000000000000000000000000000000"),
                  digest);
    const char *nodigest[] = {"the model layer's digest is missing", NULL};
    expect_broken(s, "nodigest", sl_fmt("{\"layers\":[{\"mediaType\":\"%s\",\"size\":1}]}", model_type), nodigest);
    const char *size[] = {"the model layer has no valid \"size\"", NULL};
    expect_broken(s, "negative",
                  sl_fmt("{\"layers\":[{\"mediaType\":\"%s\",\"digest\":\"sha256:%s\",\"size\":-5}]}", model_type, s->q4_hex),
                  size);
    expect_broken(s, "strsize",
                  sl_fmt("{\"layers\":[{\"mediaType\":\"%s\",\"digest\":\"sha256:%s\",\"size\":\"5\"}]}", model_type, s->q4_hex),
                  size);
    expect_broken(s, "hugesize",
                  sl_fmt("{\"layers\":[{\"mediaType\":\"%s\",\"digest\":\"sha256:%s\",\"size\":1e999}]}", model_type, s->q4_hex),
                  size);
    /* The blob: missing, shorter or longer than the layer says. */
    const char *missing_hex = "00000000000000000000000000000000000000000000000000000000000000ff";
    const char *missing[] = {sl_fmt("the model blob %s/blobs/sha256-%s", s->models, missing_hex), "is missing", NULL};
    expect_broken(s, "missing", sl_fmt("{\"layers\":[%s]}", layer(model_type, missing_hex, 10)), missing);
    const char *truncated[] = {sl_fmt("is %zu bytes but manifest", q4_size),
                               sl_fmt("says %llu: truncated", (unsigned long long)q4_size + 1), NULL};
    expect_broken(s, "short", sl_fmt("{\"layers\":[%s]}", layer(model_type, s->q4_hex, q4_size + 1)), truncated);
    const char *longer[] = {sl_fmt("says %llu: it does not match", (unsigned long long)q4_size - 1), NULL};
    expect_broken(s, "long", sl_fmt("{\"layers\":[%s]}", layer(model_type, s->q4_hex, q4_size - 1)), longer);
    /* A blob that is a directory. */
    const char *dir_hex = "1111111111111111111111111111111111111111111111111111111111111111";
    sl_mkdirs(sl_fmt("%s/blobs/sha256-%s", s->models, dir_hex));
    const char *notfile[] = {"is not a regular file", NULL};
    expect_broken(s, "dirblob", sl_fmt("{\"layers\":[%s]}", layer(model_type, dir_hex, 0)), notfile);
    /* The manifest a directory, or far too big (a sparse 17 MiB file: refused
     * from its size, never read). */
    sl_mkdirs(sl_fmt("%s/manifests/registry.ollama.ai/batiai/broken/adir", s->models));
    const char *mdir[] = {"is not a regular file", NULL};
    expect_find_error(s, "batiai/broken:adir", mdir);
    const char *big = sl_fmt("%s/manifests/registry.ollama.ai/batiai/broken/big", s->models);
    int fd = open(big, O_CREAT | O_WRONLY | O_TRUNC, 0644);
    assert_true(fd >= 0);
    assert_int_equal(ftruncate(fd, 17 << 20), 0);
    close(fd);
    const char *toobig[] = {"is larger than 16 MiB: not a manifest", NULL};
    expect_find_error(s, "batiai/broken:big", toobig);
}

static void test_last_model_layer_wins(void **state) {
    store_fixture *s = *state;
    size_t q4 = 0, q6 = 0;
    free(gqt_read_file(s->q4_blob, &q4));
    free(gqt_read_file(sl_fmt("%s/blobs/sha256-%s", s->models, s->q6_hex), &q6));
    const char *model_type = "application/vnd.ollama.image.model";
    const char *dir = sl_fmt("%s/manifests/registry.ollama.ai/batiai/two", s->models);
    sl_mkdirs(dir);
    sl_write_text(sl_fmt("%s/latest", dir),
                  sl_fmt("{\"layers\":[%s,%s]}", layer(model_type, s->q4_hex, q4), layer(model_type, s->q6_hex, q6)));
    gq_ollama_model m;
    char err[2048];
    assert_true(find(s, "batiai/two", &m, err, sizeof err));
    assert_string_equal(m.digest, sl_fmt("sha256:%s", s->q6_hex));
    assert_null(m.recorded_label); /* no config: no label */
    gq_ollama_model_free(&m);
}

static void test_listing(void **state) {
    store_fixture *s = *state;
    gq_ollama_entry *e = NULL;
    size_t n = 0;
    char err[1024];
    assert_true(gq_ollama_list(s->models, &e, &n, err, sizeof err));
    /* The three good models, plus whatever earlier tests left broken; in
     * display order, the good ones resolved. */
    size_t good = 0;
    for (size_t i = 0; i < n; i++) {
        if (i) assert_true(strcmp(e[i - 1].display, e[i].display) < 0);
        if (strcmp(e[i].display, "batiai/gemma4-e2b:q4") == 0) {
            assert_true(e[i].ok);
            assert_string_equal(e[i].model.blob_path, s->q4_blob);
            good++;
        } else if (strcmp(e[i].display, "batiai/gemma4-e2b:q6") == 0) {
            assert_true(e[i].ok);
            assert_string_equal(e[i].model.recorded_label, "Q6_K");
            good++;
        } else if (strcmp(e[i].display, "hf.co/unsloth/gemma-4-E2B-it-GGUF:IQ2_M") == 0) {
            assert_true(e[i].ok);
            good++;
        } else if (strncmp(e[i].display, "batiai/broken:", 14) == 0 && strcmp(e[i].display, "batiai/broken:adir") != 0) {
            assert_false(e[i].ok);
            assert_true(e[i].problem[0] != '\0');
        }
    }
    assert_int_equal(good, 3);
    gq_ollama_entries_free(e, n);

    /* An empty store lists nothing; a missing one is an error naming it. */
    const char *empty = sl_fmt("%s/empty", s->root);
    sl_mkdirs(sl_fmt("%s/manifests", empty));
    assert_true(gq_ollama_list(empty, &e, &n, err, sizeof err));
    assert_int_equal(n, 0);
    gq_ollama_entries_free(e, n);
    const char *none = sl_fmt("%s/none", s->root);
    assert_false(gq_ollama_list(none, &e, &n, err, sizeof err));
    assert_non_null(strstr(err, sl_fmt("no Ollama model store at %s", none)));
}

int main(void) {
    const struct CMUnitTest plain[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_label_tables),
        cmocka_unit_test(test_label_of_file),
        cmocka_unit_test(test_models_dir),
    };
    const struct CMUnitTest with_store[] = {
        cmocka_unit_test(test_find),
        cmocka_unit_test(test_missing_steps_are_named),
        cmocka_unit_test(test_broken_manifests),
        cmocka_unit_test(test_last_model_layer_wins),
        cmocka_unit_test(test_listing),
    };
    int failed = cmocka_run_group_tests_name("ollama names and labels", plain, NULL, NULL);
    failed += cmocka_run_group_tests_name("ollama store", with_store, make_store, remove_store);
    return failed;
}
