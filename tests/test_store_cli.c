/* gq-inspect, gq-compare and gq-quantize on models named the way people
 * get them: `ollama:NAME[:TAG]` and `hf:ORG/REPO/FILE.gguf[@REV]`.
 *
 * A real Ollama store and a real Hugging Face cache are built in a
 * temporary directory from the gemma4-mini fixtures (blobs named by their
 * SHA-256, manifests and config blobs as Ollama writes them, snapshot
 * links and refs as huggingface_hub makes them), and the programs run with
 * OLLAMA_MODELS / HF_HUB_CACHE pointed at them.  Checked against facts the
 * programs did not produce: the fixtures' own tensor listings and sizes,
 * SHA-256 digests computed here, llama-quantize's published checksums
 * (SHA256SUMS) for what gq-quantize writes from a stored model, and the
 * names exactly as written on the command line. */
#include "gqtest.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/json_read.h"
#include "test_store_layout.h"

#define MINI "fixtures/quantized/gemma4-mini/"
#define COMMIT "9d3c5e7a1b2f4c6d8e0a1b3c5d7e9f1a2b4c6d8e"
#define HF_REPO "hf:unsloth/gemma-4-E2B-it-GGUF/"

typedef struct world {
    char *root;
    char models[4096], cache[4096], work[4096];
    char q4_hex[65], q6_hex[65], iq2_hex[65], bf16_hex[65];
    char q4_blob[4096], iq2_link[4096];
    char env[8400]; /* "OLLAMA_MODELS='...' HF_HUB_CACHE='...'" */
} world;

static world *W;

static int build_world(void **state) {
    (void)state;
    W = calloc(1, sizeof *W);
    W->root = gqt_mkdtemp();
    snprintf(W->models, sizeof W->models, "%s/ollama", W->root);
    snprintf(W->cache, sizeof W->cache, "%s/hub", W->root);
    snprintf(W->work, sizeof W->work, "%s/work", W->root);
    sl_mkdirs(W->work);
    /* Ollama: the issue's names, labels as Ollama recorded them at pull
     * (an older Ollama recorded "unknown" for the IQ type). */
    snprintf(W->q4_blob, sizeof W->q4_blob, "%s",
             sl_ollama_add(W->models, "registry.ollama.ai", "batiai", "gemma4-e2b", "q4",
                           gqt_shared_path(MINI "gemma4-mini-Q4_K_M.gguf"), "Q4_K_M", W->q4_hex));
    sl_ollama_add(W->models, "registry.ollama.ai", "batiai", "gemma4-e2b", "q6", gqt_shared_path(MINI "gemma4-mini-Q6_K.gguf"),
                  "Q6_K", W->q6_hex);
    sl_ollama_add(W->models, "registry.ollama.ai", "batiai", "gemma4-e2b", "iq2", gqt_shared_path(MINI "gemma4-mini-IQ2_M.gguf"),
                  "unknown", W->iq2_hex);
    sl_ollama_add(W->models, "registry.ollama.ai", "batiai", "gemma4-e2b", "bf16",
                  gqt_shared_path(MINI "gemma4-mini-BF16.gguf"), "BF16", W->bf16_hex);
    char hex[65];
    sl_ollama_add(W->models, "hf.co", "unsloth", "gemma-4-E2B-it-GGUF", "Q4_K_M", gqt_shared_path(MINI "gemma4-mini-Q4_K_M.gguf"),
                  "Q4_K_M", hex);
    /* A pull that was cut short: the layer says one byte more than the blob has. */
    const char *bdir = sl_fmt("%s/manifests/registry.ollama.ai/batiai/broken", W->models);
    sl_mkdirs(bdir);
    size_t q4_size = 0;
    free(gqt_read_file(W->q4_blob, &q4_size));
    sl_write_text(sl_fmt("%s/truncated", bdir),
                  sl_fmt("{\"schemaVersion\":2,\"layers\":[{\"mediaType\":\"application/vnd.ollama.image.model\","
                         "\"digest\":\"sha256:%s\",\"size\":%zu}]}",
                         W->q4_hex, q4_size + 1));
    sl_write_text(sl_fmt("%s/notjson", bdir), "{\"schemaVersion\":2,\"layers\":[");
    /* Hugging Face: three files of one snapshot on main. */
    sl_hf_add(W->cache, "unsloth", "gemma-4-E2B-it-GGUF", "main", COMMIT, "gemma-4-E2B-it-Q4_K_M.gguf",
              gqt_shared_path(MINI "gemma4-mini-Q4_K_M.gguf"), hex);
    snprintf(W->iq2_link, sizeof W->iq2_link, "%s",
             sl_hf_add(W->cache, "unsloth", "gemma-4-E2B-it-GGUF", "main", COMMIT, "gemma-4-E2B-it-IQ2_M.gguf",
                       gqt_shared_path(MINI "gemma4-mini-IQ2_M.gguf"), hex));
    sl_hf_add(W->cache, "unsloth", "gemma-4-E2B-it-GGUF", "main", COMMIT, "BF16/gemma-4-E2B-it-BF16.gguf",
              gqt_shared_path(MINI "gemma4-mini-BF16.gguf"), hex);
    snprintf(W->env, sizeof W->env, "OLLAMA_MODELS='%s' HF_HUB_CACHE='%s' NO_COLOR=1", W->models, W->cache);
    return 0;
}

static int remove_world(void **state) {
    (void)state;
    gqt_rmtree(W->root);
    free(W->root);
    free(W);
    return 0;
}

/* Run "<env> <bin>/<prog> <args>" (stderr merged when `merge`); return the
 * exit status, output in *out. */
static int run(const char *prog, const char *args, bool merge, char **out) {
    char cmd[20000];
    snprintf(cmd, sizeof cmd, "cd '%s' && %s '%s/%s' %s %s", W->work, W->env, gqt_bin_dir(), prog, args,
             merge ? "2>&1" : "2>/dev/null");
    return gqt_run(cmd, out);
}

static void expect_line(const char *out, const char *line) {
    /* A whole line, so "file type" does not match inside another row. */
    const char *p = out;
    size_t n = strlen(line);
    while ((p = strstr(p, line)) != NULL) {
        if ((p == out || p[-1] == '\n') && (p[n] == '\n' || p[n] == '\0')) return;
        p += n;
    }
    fail_msg("no line '%s' in:\n%s", line, out);
}

static void expect_has(const char *out, const char *what) {
    if (!strstr(out, what)) fail_msg("'%s' not in:\n%s", what, out);
}

static size_t lines_in(const char *rel) {
    size_t n = 0, len = 0;
    char *text = gqt_read_file(gqt_shared_path(rel), &len);
    for (size_t i = 0; i < len; i++) n += text[i] == '\n';
    free(text);
    return n;
}

/* The published checksum of a gemma4-mini file (SHA256SUMS). */
static void published_sum(const char *file, char hex[65]) {
    char *sums = gqt_read_file(gqt_shared_path(MINI "SHA256SUMS"), NULL);
    char *line = sums;
    hex[0] = '\0';
    while (line && *line) {
        char *nl = strchr(line, '\n');
        if (nl) *nl = '\0';
        if (strlen(line) > 66 && strcmp(line + 66, file) == 0) {
            memcpy(hex, line, 64);
            hex[64] = '\0';
        }
        line = nl ? nl + 1 : NULL;
    }
    free(sums);
    if (!hex[0]) fail_msg("%s not in SHA256SUMS", file);
}

static size_t count_entries(const char *dir) {
    DIR *d = opendir(dir);
    if (!d) fail_msg("cannot list %s", dir);
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

/* ------------------------------------------------------------ gq-inspect */

static void test_inspect_ollama(void **state) {
    (void)state;
    char *out = NULL;
    assert_int_equal(run("gq-inspect", "ollama:batiai/gemma4-e2b:q4", false, &out), 0);
    expect_line(out, "file             ollama:batiai/gemma4-e2b:q4");
    expect_line(out, sl_fmt("stored at        %s", W->q4_blob));
    expect_line(out, "file type        MOSTLY_Q4_K_M (15)");
    expect_line(out, "ollama label     Q4_K_M");
    expect_line(out, sl_fmt("tensors          %zu", lines_in(MINI "types-Q4_K_M.txt")));
    free(out);
    /* IQ2_M: what Ollama printed at pull ("unknown") and what it really is. */
    assert_int_equal(run("gq-inspect", "ollama:batiai/gemma4-e2b:iq2", false, &out), 0);
    expect_line(out, "file             ollama:batiai/gemma4-e2b:iq2");
    expect_line(out, "file type        MOSTLY_IQ2_M (29)");
    expect_line(out, "ollama label     IQ2_M (Ollama before v0.30 shows \"unknown\"); this pull recorded \"unknown\"");
    free(out);
    /* A host-qualified name and the same blob. */
    assert_int_equal(run("gq-inspect", "ollama:hf.co/unsloth/gemma-4-E2B-it-GGUF:Q4_K_M", false, &out), 0);
    expect_line(out, "file             ollama:hf.co/unsloth/gemma-4-E2B-it-GGUF:Q4_K_M");
    expect_line(out, sl_fmt("stored at        %s", W->q4_blob));
    free(out);
}

static void test_inspect_json(void **state) {
    (void)state;
    char *out = NULL;
    assert_int_equal(run("gq-inspect", "--json --compact ollama:batiai/gemma4-e2b:iq2", false, &out), 0);
    gq_jr_doc doc;
    gq_jr_error err;
    if (!gq_jr_parse(out, strlen(out), NULL, &doc, &err)) fail_msg("not JSON: %s\n%s", err.message, out);
    assert_string_equal(gq_jr_string(&doc, gq_jr_find(&doc, 0, "file"), NULL), "ollama:batiai/gemma4-e2b:iq2");
    size_t s = gq_jr_find(&doc, 0, "summary");
    assert_string_equal(gq_jr_string(&doc, gq_jr_find(&doc, s, "stored_at"), NULL),
                        sl_fmt("%s/blobs/sha256-%s", W->models, W->iq2_hex));
    size_t label = gq_jr_find(&doc, s, "ollama_label");
    assert_string_equal(gq_jr_string(&doc, gq_jr_find(&doc, label, "shown"), NULL), "IQ2_M");
    assert_string_equal(gq_jr_string(&doc, gq_jr_find(&doc, label, "shown_before_0_30"), NULL), "unknown");
    assert_string_equal(gq_jr_string(&doc, gq_jr_find(&doc, label, "recorded"), NULL), "unknown");
    uint64_t v;
    assert_true(gq_jr_u64(&doc, gq_jr_find(&doc, gq_jr_find(&doc, s, "file_type"), "id"), &v));
    assert_int_equal(v, 29);
    size_t size = 0;
    free(gqt_read_file(gqt_shared_path(MINI "gemma4-mini-IQ2_M.gguf"), &size));
    assert_true(gq_jr_u64(&doc, gq_jr_find(&doc, s, "file_size"), &v));
    assert_int_equal(v, size);
    gq_jr_free(&doc);
    free(out);
}

static void test_inspect_hf(void **state) {
    (void)state;
    char *out = NULL;
    assert_int_equal(run("gq-inspect", HF_REPO "gemma-4-E2B-it-IQ2_M.gguf", false, &out), 0);
    expect_line(out, "file             " HF_REPO "gemma-4-E2B-it-IQ2_M.gguf");
    expect_line(out, sl_fmt("stored at        %s", W->iq2_link));
    expect_line(out, "file type        MOSTLY_IQ2_M (29)");
    expect_line(out, "ollama label     IQ2_M (Ollama before v0.30 shows \"unknown\")");
    free(out);
    assert_int_equal(run("gq-inspect", HF_REPO "BF16/gemma-4-E2B-it-BF16.gguf@" COMMIT " --kv --filter general.file_type", false, &out), 0);
    expect_has(out, "general.file_type");
    free(out);
    assert_int_equal(run("gq-inspect", HF_REPO "gemma-4-E2B-it-Q4_K_M.gguf@main --tensors", false, &out), 0);
    expect_has(out, sl_fmt("tensors (%zu of %zu;", lines_in(MINI "types-Q4_K_M.txt"), lines_in(MINI "types-Q4_K_M.txt")));
    free(out);
}

static void test_list_ollama(void **state) {
    (void)state;
    char *out = NULL;
    assert_int_equal(run("gq-inspect", "--list-ollama", false, &out), 0);
    expect_has(out, sl_fmt("Ollama models in %s (from OLLAMA_MODELS): 7", W->models));
    /* name, size, the blob's first 12 hex digits, Ollama's label, llama.cpp's */
    const struct {
        const char *name, *hex, *shown, *ftype;
    } rows[] = {
        {"ollama:batiai/gemma4-e2b:q4", W->q4_hex, "Q4_K_M", "Q4_K_M (15)"},
        {"ollama:batiai/gemma4-e2b:q6", W->q6_hex, "Q6_K", "Q6_K (18)"},
        {"ollama:batiai/gemma4-e2b:iq2", W->iq2_hex, "IQ2_M", "IQ2_M (29)"},
        {"ollama:batiai/gemma4-e2b:bf16", W->bf16_hex, "BF16", "BF16 (32)"},
        {"ollama:hf.co/unsloth/gemma-4-E2B-it-GGUF:Q4_K_M", W->q4_hex, "Q4_K_M", "Q4_K_M (15)"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        const char *row = strstr(out, sl_fmt("  %s ", rows[i].name));
        if (!row) fail_msg("no row for %s in:\n%s", rows[i].name, out);
        const char *end = strchr(row, '\n');
        char line[1024];
        snprintf(line, sizeof line, "%.*s", (int)(end ? end - row : (long)strlen(row)), row);
        expect_has(line, sl_fmt("sha256-%.12s", rows[i].hex));
        expect_has(line, sl_fmt("  %s  ", rows[i].shown));
        expect_has(line, rows[i].ftype);
        if (strcmp(rows[i].shown, "IQ2_M") == 0) expect_has(line, "Ollama before v0.30 shows \"unknown\"");
    }
    expect_has(out, "broken (2):");
    size_t q4_size = 0;
    free(gqt_read_file(gqt_shared_path(MINI "gemma4-mini-Q4_K_M.gguf"), &q4_size));
    expect_has(out, sl_fmt("ollama:batiai/broken:truncated: the model blob %s is %zu bytes but manifest", W->q4_blob, q4_size));
    expect_has(out, "truncated (an interrupted pull?)");
    expect_has(out, "ollama:batiai/broken:notjson: manifest ");
    expect_has(out, "is not valid JSON");
    free(out);

    /* JSON: digests and sizes against what was stored here. */
    assert_int_equal(run("gq-inspect", "--list-ollama --json --compact", false, &out), 0);
    gq_jr_doc doc;
    gq_jr_error err;
    if (!gq_jr_parse(out, strlen(out), NULL, &doc, &err)) fail_msg("not JSON: %s", err.message);
    assert_string_equal(gq_jr_string(&doc, gq_jr_find(&doc, 0, "schema"), NULL), "gq-ollama-list/1");
    size_t models = gq_jr_find(&doc, 0, "models"), seen = 0;
    for (size_t m = gq_jr_first(&doc, models); m != GQ_JR_NONE; m = gq_jr_next(&doc, models, m)) {
        const char *name = gq_jr_string(&doc, gq_jr_find(&doc, m, "name"), NULL);
        if (strcmp(name, "ollama:batiai/gemma4-e2b:q4") == 0) {
            seen++;
            assert_int_equal(gq_jr_kind_of(&doc, gq_jr_find(&doc, m, "ok")), GQ_JR_TRUE);
            assert_string_equal(gq_jr_string(&doc, gq_jr_find(&doc, m, "digest"), NULL), sl_fmt("sha256:%s", W->q4_hex));
            assert_string_equal(gq_jr_string(&doc, gq_jr_find(&doc, m, "blob"), NULL), W->q4_blob);
            uint64_t v;
            assert_true(gq_jr_u64(&doc, gq_jr_find(&doc, m, "gguf_size"), &v));
            assert_int_equal(v, q4_size);
        } else if (strcmp(name, "ollama:batiai/gemma4-e2b:iq2") == 0) {
            seen++;
            size_t l = gq_jr_find(&doc, m, "ollama_label");
            assert_string_equal(gq_jr_string(&doc, gq_jr_find(&doc, l, "recorded"), NULL), "unknown");
            assert_string_equal(gq_jr_string(&doc, gq_jr_find(&doc, l, "shown"), NULL), "IQ2_M");
            assert_string_equal(gq_jr_string(&doc, gq_jr_find(&doc, l, "from_file_before_0_30"), NULL), "unknown");
        } else if (strcmp(name, "ollama:batiai/broken:truncated") == 0) {
            seen++;
            assert_int_equal(gq_jr_kind_of(&doc, gq_jr_find(&doc, m, "ok")), GQ_JR_FALSE);
            assert_non_null(strstr(gq_jr_string(&doc, gq_jr_find(&doc, m, "problem"), NULL), "truncated"));
        }
    }
    assert_int_equal(seen, 3);
    gq_jr_free(&doc);
    free(out);

    /* No store: the path tried, exit 1; a FILE with --list-ollama: usage. */
    char saved[8400];
    snprintf(saved, sizeof saved, "%s", W->env);
    snprintf(W->env, sizeof W->env, "OLLAMA_MODELS='%s/none'", W->root);
    assert_int_equal(run("gq-inspect", "--list-ollama", true, &out), 1);
    expect_has(out, sl_fmt("gq-inspect: no Ollama model store at %s/none", W->root));
    free(out);
    snprintf(W->env, sizeof W->env, "%s", saved);
    assert_int_equal(run("gq-inspect", "--list-ollama model.gguf", true, &out), 2);
    free(out);
}

/* ------------------------------------------------------------ gq-compare */

static void test_compare(void **state) {
    (void)state;
    const char *names[] = {"ollama:batiai/gemma4-e2b:q4", HF_REPO "gemma-4-E2B-it-IQ2_M.gguf", "ollama:batiai/gemma4-e2b:q6"};
    char *out = NULL;
    assert_int_equal(run("gq-compare", sl_fmt("-q --json --no-errors %s %s %s", names[0], names[1], names[2]), false, &out), 0);
    gq_jr_doc doc;
    gq_jr_error err;
    if (!gq_jr_parse(out, strlen(out), NULL, &doc, &err)) fail_msg("not JSON: %s", err.message);
    size_t inputs = gq_jr_find(&doc, 0, "inputs"), i = 0;
    const char *files[] = {W->q4_blob, W->iq2_link, NULL};
    for (size_t in = gq_jr_first(&doc, inputs); in != GQ_JR_NONE; in = gq_jr_next(&doc, inputs, in), i++) {
        assert_true(i < 3);
        /* The model as written; the file its bytes came from only under "parts". */
        assert_string_equal(gq_jr_string(&doc, gq_jr_find(&doc, in, "path"), NULL), names[i]);
        assert_null(strstr(gq_jr_string(&doc, gq_jr_find(&doc, in, "label"), NULL), "sha256"));
        size_t parts = gq_jr_find(&doc, in, "parts");
        if (files[i]) assert_string_equal(gq_jr_string(&doc, gq_jr_first(&doc, parts), NULL), files[i]);
    }
    assert_int_equal(i, 3);
    gq_jr_free(&doc);
    free(out);

    /* Text: two tags of one model are told apart by their tags. */
    assert_int_equal(run("gq-compare", "-q --no-errors ollama:batiai/gemma4-e2b:q4 ollama:batiai/gemma4-e2b:q6", false, &out), 0);
    expect_line(out, "  q4  ollama:batiai/gemma4-e2b:q4");
    expect_line(out, "  q6  ollama:batiai/gemma4-e2b:q6");
    assert_null(strstr(out, "sha256"));
    free(out);

    /* Errors against the BF16 reference, from the store, like from files. */
    assert_int_equal(run("gq-compare", "-q --json ollama:batiai/gemma4-e2b:bf16 " HF_REPO "gemma-4-E2B-it-Q4_K_M.gguf", false, &out), 0);
    assert_true(gq_jr_parse(out, strlen(out), NULL, &doc, &err));
    size_t ref = gq_jr_find(&doc, 0, "reference");
    assert_string_equal(gq_jr_string(&doc, gq_jr_find(&doc, ref, "path"), NULL), "ollama:batiai/gemma4-e2b:bf16");
    gq_jr_free(&doc);
    free(out);
}

/* ------------------------------------------------------------ gq-quantize */

static void test_quantize_from_stores(void **state) {
    (void)state;
    char want[65], got[65];
    published_sum("gemma4-mini-Q4_K_M.gguf", want);
    /* From Ollama's BF16 and from the Hugging Face BF16: llama-quantize's bytes. */
    char *out = NULL;
    assert_int_equal(run("gq-quantize", "-q ollama:batiai/gemma4-e2b:bf16 from-ollama.gguf Q4_K_M 2", true, &out), 0);
    free(out);
    assert_int_equal(gqt_sha256_file(sl_fmt("%s/from-ollama.gguf", W->work), got), 0);
    assert_string_equal(got, want);
    assert_int_equal(run("gq-quantize", "-q " HF_REPO "BF16/gemma-4-E2B-it-BF16.gguf from-hf.gguf Q4_K_M 2", true, &out), 0);
    free(out);
    assert_int_equal(gqt_sha256_file(sl_fmt("%s/from-hf.gguf", W->work), got), 0);
    assert_string_equal(got, want);

    /* The summary names the input as written. */
    assert_int_equal(run("gq-quantize", "--dry-run --json ollama:batiai/gemma4-e2b:bf16 x.gguf Q8_0", false, &out), 0);
    gq_jr_doc doc;
    gq_jr_error err;
    if (!gq_jr_parse(out, strlen(out), NULL, &doc, &err)) fail_msg("not JSON: %s", err.message);
    assert_string_equal(gq_jr_string(&doc, gq_jr_find(&doc, 0, "input"), NULL), "ollama:batiai/gemma4-e2b:bf16");
    gq_jr_free(&doc);
    free(out);

    /* IN TYPE only: the output goes to the current directory, never into
     * the store. */
    const char *blobs = sl_fmt("%s/blobs", W->models);
    char blobs_copy[4096];
    snprintf(blobs_copy, sizeof blobs_copy, "%s", blobs);
    size_t before = count_entries(blobs_copy);
    published_sum("gemma4-mini-Q8_0.gguf", want);
    assert_int_equal(run("gq-quantize", "-q ollama:batiai/gemma4-e2b:bf16 Q8_0", true, &out), 0);
    free(out);
    assert_int_equal(gqt_sha256_file(sl_fmt("%s/ggml-model-Q8_0.gguf", W->work), got), 0);
    assert_string_equal(got, want);
    assert_int_equal(count_entries(blobs_copy), before);

    /* Writing over the blob that is being read is refused. */
    assert_int_equal(run("gq-quantize", sl_fmt("ollama:batiai/gemma4-e2b:bf16 '%s/blobs/sha256-%s' Q8_0", W->models, W->bf16_hex), true, &out), 2);
    expect_has(out, "is the input");
    free(out);
    char hex[65];
    assert_int_equal(gqt_sha256_file(sl_fmt("%s/blobs/sha256-%s", W->models, W->bf16_hex), hex), 0);
    assert_string_equal(hex, W->bf16_hex);
}

/* ------------------------------------------------------------ names that do not resolve */

static void test_unresolved_names(void **state) {
    (void)state;
    const char *manifest = sl_fmt("%s/manifests/registry.ollama.ai/batiai/gemma4-e2b/q5", W->models);
    char m[4096];
    snprintf(m, sizeof m, "%s", manifest);
    const struct {
        const char *prog, *args;
        int code;
    } runs[] = {
        {"gq-inspect", "ollama:batiai/gemma4-e2b:q5", 1},
        {"gq-quantize", "ollama:batiai/gemma4-e2b:q5 out.gguf Q4_K_M", 1},
        {"gq-compare", "ollama:batiai/gemma4-e2b:q5 ollama:batiai/gemma4-e2b:q4", 3},
    };
    for (size_t i = 0; i < 3; i++) {
        char *out = NULL;
        int rc = run(runs[i].prog, runs[i].args, true, &out);
        if (rc != runs[i].code) fail_msg("%s %s: exit %d, expected %d\n%s", runs[i].prog, runs[i].args, rc, runs[i].code, out);
        expect_has(out, sl_fmt("%s: ollama:batiai/gemma4-e2b:q5: no manifest %s: tag 'q5' is not pulled; tags there: bf16, iq2, q4, q6",
                               runs[i].prog, m));
        free(out);
    }
    char *out = NULL;
    /* A truncated blob, an unreadable manifest, a missing Hugging Face file. */
    assert_int_equal(run("gq-inspect", "ollama:batiai/broken:truncated", true, &out), 1);
    expect_has(out, "gq-inspect: ollama:batiai/broken:truncated: the model blob ");
    expect_has(out, "truncated (an interrupted pull?)");
    free(out);
    assert_int_equal(run("gq-compare", "ollama:batiai/broken:notjson ollama:batiai/gemma4-e2b:q4", true, &out), 3);
    expect_has(out, "ollama:batiai/broken:notjson: manifest ");
    expect_has(out, "is not valid JSON: input ends");
    free(out);
    assert_int_equal(run("gq-quantize", HF_REPO "gemma-4-E2B-it-Q8_0.gguf out.gguf Q4_K_M", true, &out), 1);
    expect_has(out, sl_fmt("gq-quantize: " HF_REPO "gemma-4-E2B-it-Q8_0.gguf: no file %s/models--unsloth--gemma-4-E2B-it-GGUF/snapshots/" COMMIT
                           "/gemma-4-E2B-it-Q8_0.gguf",
                           W->cache));
    expect_has(out, "GGUF files there: gemma-4-E2B-it-IQ2_M.gguf, gemma-4-E2B-it-Q4_K_M.gguf");
    free(out);
    assert_int_equal(run("gq-inspect", "ollama:../../etc/passwd", true, &out), 1);
    expect_has(out, "not an Ollama model name");
    free(out);
    /* A file really named like a store name is reached as ./name. */
    sl_write(sl_fmt("%s/ollama:weird.gguf", W->work), "GGUF", 4);
    assert_int_equal(run("gq-inspect", "./ollama:weird.gguf", true, &out), 1);
    expect_has(out, "gq-inspect: ./ollama:weird.gguf: ");
    assert_null(strstr(out, "manifest"));
    free(out);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_inspect_ollama),
        cmocka_unit_test(test_inspect_json),
        cmocka_unit_test(test_inspect_hf),
        cmocka_unit_test(test_list_ollama),
        cmocka_unit_test(test_compare),
        cmocka_unit_test(test_quantize_from_stores),
        cmocka_unit_test(test_unresolved_names),
    };
    return cmocka_run_group_tests(tests, build_world, remove_world);
}
