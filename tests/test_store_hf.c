/* The Hugging Face hub cache (src/store/hf_cache.h):
 *  - hf:ORG/REPO/FILE[@REVISION] names parsed, and names that would walk
 *    out of the cache refused;
 *  - the cache directory found in huggingface_hub's order (HF_HUB_CACHE,
 *    HUGGINGFACE_HUB_CACHE, HF_HOME/hub, XDG_CACHE_HOME/huggingface/hub,
 *    ~/.cache/huggingface/hub, "~" expanded);
 *  - a real cache layout built from the gemma4-mini fixtures (blobs named
 *    by SHA-256, snapshot files as relative links, refs) resolved through
 *    main, a tag, a commit hash and a sub-folder, and every missing piece
 *    (repository, ref, snapshot, file, blob behind a link, .no_exist
 *    marker) reported with the path that was tried. */
#include "gqtest.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/hf_cache.h"
#include "test_store_layout.h"

#define MINI "fixtures/quantized/gemma4-mini/"
#define COMMIT_MAIN "4f1c0a5ad8b7e3f09a6c2d1e0b9a8c7d6e5f4a3b"
#define COMMIT_OLD "aaaabbbbccccddddeeeeffff0000111122223333"

/* ------------------------------------------------------------ names */

static void expect_name(const char *text, const char *org, const char *repo, const char *file, const char *rev) {
    gq_hf_name n;
    char err[300];
    if (!gq_hf_parse_name(text, &n, err, sizeof err)) fail_msg("'%s' refused: %s", text, err);
    assert_string_equal(n.org, org);
    assert_string_equal(n.repo, repo);
    assert_string_equal(n.file, file);
    assert_string_equal(n.revision, rev);
}

static void expect_bad_name(const char *text, const char *why) {
    gq_hf_name n;
    char err[300] = "";
    if (gq_hf_parse_name(text, &n, err, sizeof err)) fail_msg("'%s' accepted", text);
    if (!strstr(err, why)) fail_msg("'%s': '%s' lacks '%s'", text, err, why);
}

static void test_names(void **state) {
    (void)state;
    expect_name("unsloth/gemma-4-E2B-it-GGUF/gemma-4-E2B-it-Q4_K_M.gguf", "unsloth", "gemma-4-E2B-it-GGUF",
                "gemma-4-E2B-it-Q4_K_M.gguf", "main");
    expect_name("unsloth/gemma-4-E2B-it-GGUF/gemma-4-E2B-it-Q4_K_M.gguf@v1.0", "unsloth", "gemma-4-E2B-it-GGUF",
                "gemma-4-E2B-it-Q4_K_M.gguf", "v1.0");
    expect_name("unsloth/Big-GGUF/BF16/Big-BF16-00001-of-00002.gguf@" COMMIT_MAIN, "unsloth", "Big-GGUF",
                "BF16/Big-BF16-00001-of-00002.gguf", COMMIT_MAIN);
    expect_name("org/repo/f.gguf@refs/pr/1", "org", "repo", "f.gguf", "refs/pr/1");

    expect_bad_name("unsloth/gemma.gguf", "expected hf:ORG/REPO/FILE.gguf");
    expect_bad_name("justaname", "expected hf:ORG/REPO/FILE.gguf");
    expect_bad_name("/repo/f.gguf", "organisation is empty");
    expect_bad_name("org//f.gguf", "repository is empty");
    expect_bad_name("../repo/f.gguf", "organisation cannot be '..'");
    expect_bad_name("org/../f.gguf", "repository cannot be '..'");
    expect_bad_name("org/re po/f.gguf", "may not contain ' '");
    expect_bad_name("org/repo/", "file is empty");
    expect_bad_name("org/repo/../../../etc/passwd", "has an empty, '.' or '..' step");
    expect_bad_name("org/repo/a/./f.gguf", "has an empty, '.' or '..' step");
    expect_bad_name("org/repo/a//f.gguf", "has an empty, '.' or '..' step");
    expect_bad_name("org/repo/f.gguf@", "revision is missing");
    expect_bad_name("org/repo/f.gguf@../../x", "revision '../../x' has an empty");
    expect_bad_name("org/repo/a\\..\\f.gguf", "contains '\\'");
    expect_bad_name("org/repo/f\n.gguf", "control character");
}

/* ------------------------------------------------------------ the cache directory */

static void expect_cache_dir(const char *want, const char *want_source) {
    const char *source = NULL;
    char *d = gq_hf_cache_dir(&source);
    assert_non_null(d);
    assert_string_equal(d, want);
    assert_string_equal(source, want_source);
    free(d);
}

static void test_cache_dir_order(void **state) {
    (void)state;
    const char *vars[] = {"HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE", "HF_HOME", "XDG_CACHE_HOME", "HOME"};
    char *saved[5];
    for (int i = 0; i < 5; i++) saved[i] = getenv(vars[i]) ? strdup(getenv(vars[i])) : NULL;
    setenv("HOME", "/home/student", 1);
    setenv("HF_HUB_CACHE", "/data/hub", 1);
    setenv("HUGGINGFACE_HUB_CACHE", "/legacy/hub", 1);
    setenv("HF_HOME", "/hf", 1);
    setenv("XDG_CACHE_HOME", "/xdg", 1);
    expect_cache_dir("/data/hub", "HF_HUB_CACHE");
    unsetenv("HF_HUB_CACHE");
    expect_cache_dir("/legacy/hub", "HUGGINGFACE_HUB_CACHE");
    unsetenv("HUGGINGFACE_HUB_CACHE");
    expect_cache_dir("/hf/hub", "HF_HOME");
    setenv("HF_HOME", "~/hf", 1); /* huggingface_hub expands "~" */
    expect_cache_dir("/home/student/hf/hub", "HF_HOME");
    unsetenv("HF_HOME");
    expect_cache_dir("/xdg/huggingface/hub", "XDG_CACHE_HOME");
    unsetenv("XDG_CACHE_HOME");
    expect_cache_dir("/home/student/.cache/huggingface/hub", "default");
    setenv("HF_HUB_CACHE", "", 1); /* empty is unset */
    expect_cache_dir("/home/student/.cache/huggingface/hub", "default");
    for (int i = 0; i < 5; i++) {
        if (saved[i]) setenv(vars[i], saved[i], 1);
        else unsetenv(vars[i]);
        free(saved[i]);
    }
}

/* ------------------------------------------------------------ resolving */

typedef struct cache_fixture {
    char *root;
    char *cache;
    char q4_link[4096], part_link[4096];
    char q4_hex[65], q6_hex[65];
} cache_fixture;

static int make_cache(void **state) {
    cache_fixture *c = calloc(1, sizeof *c);
    c->root = gqt_mkdtemp();
    c->cache = strdup(sl_fmt("%s/hub", c->root));
    const char *repo = "gemma-4-E2B-it-GGUF";
    snprintf(c->q4_link, sizeof c->q4_link, "%s",
             sl_hf_add(c->cache, "unsloth", repo, "main", COMMIT_MAIN, "gemma-4-E2B-it-Q4_K_M.gguf",
                       gqt_shared_path(MINI "gemma4-mini-Q4_K_M.gguf"), c->q4_hex));
    /* A file in a sub-folder, as split quantizations are published. */
    char hex[65];
    snprintf(c->part_link, sizeof c->part_link, "%s",
             sl_hf_add(c->cache, "unsloth", repo, NULL, COMMIT_MAIN, "BF16/gemma-4-E2B-it-BF16-00001-of-00001.gguf",
                       gqt_shared_path(MINI "gemma4-mini-BF16.gguf"), hex));
    /* An older snapshot reachable by a tag, with the Q6_K file. */
    sl_hf_add(c->cache, "unsloth", repo, "v1", COMMIT_OLD, "gemma-4-E2B-it-Q6_K.gguf",
              gqt_shared_path(MINI "gemma4-mini-Q6_K.gguf"), c->q6_hex);
    *state = c;
    return 0;
}

static int remove_cache(void **state) {
    cache_fixture *c = *state;
    gqt_rmtree(c->root);
    free(c->root);
    free(c->cache);
    free(c);
    return 0;
}

static bool find(const cache_fixture *c, const char *text, gq_hf_file *f, char *err, size_t cap) {
    gq_hf_name n;
    if (!gq_hf_parse_name(text, &n, err, cap)) fail_msg("%s: %s", text, err);
    return gq_hf_find(c->cache, "HF_HUB_CACHE", &n, f, err, cap);
}

static void expect_found(const cache_fixture *c, const char *text, const char *want_path, const char *want_commit,
                         const char *want_hex) {
    gq_hf_file f;
    char err[2048];
    if (!find(c, text, &f, err, sizeof err)) fail_msg("%s: %s", text, err);
    assert_string_equal(f.path, want_path);
    assert_string_equal(f.commit, want_commit);
    /* The link leads to the blob with exactly the fixture's bytes. */
    char hex[65];
    assert_int_equal(gqt_sha256_file(f.path, hex), 0);
    assert_string_equal(hex, want_hex);
    gq_hf_file_free(&f);
}

static void expect_error(const cache_fixture *c, const char *text, const char *const *parts) {
    gq_hf_file f;
    char err[2048] = "";
    if (find(c, text, &f, err, sizeof err)) {
        gq_hf_file_free(&f);
        fail_msg("%s resolved", text);
    }
    for (; *parts; parts++)
        if (!strstr(err, *parts)) fail_msg("%s: message '%s' lacks '%s'", text, err, *parts);
    assert_null(f.path);
}

static void test_find(void **state) {
    cache_fixture *c = *state;
    const char *repo = "unsloth/gemma-4-E2B-it-GGUF/";
    expect_found(c, sl_fmt("%sgemma-4-E2B-it-Q4_K_M.gguf", repo), c->q4_link, COMMIT_MAIN, c->q4_hex);
    expect_found(c, sl_fmt("%sgemma-4-E2B-it-Q4_K_M.gguf@main", repo), c->q4_link, COMMIT_MAIN, c->q4_hex);
    expect_found(c, sl_fmt("%sgemma-4-E2B-it-Q4_K_M.gguf@%s", repo, COMMIT_MAIN), c->q4_link, COMMIT_MAIN, c->q4_hex);
    char hex[65];
    assert_int_equal(gqt_sha256_file(gqt_shared_path(MINI "gemma4-mini-BF16.gguf"), hex), 0);
    expect_found(c, sl_fmt("%sBF16/gemma-4-E2B-it-BF16-00001-of-00001.gguf", repo), c->part_link, COMMIT_MAIN, hex);
    /* A tag ref, and the snapshot it names directly by commit. */
    const char *old = sl_fmt("%s/models--unsloth--gemma-4-E2B-it-GGUF/snapshots/%s/gemma-4-E2B-it-Q6_K.gguf", c->cache, COMMIT_OLD);
    char old_copy[4096];
    snprintf(old_copy, sizeof old_copy, "%s", old);
    expect_found(c, sl_fmt("%sgemma-4-E2B-it-Q6_K.gguf@v1", repo), old_copy, COMMIT_OLD, c->q6_hex);
    expect_found(c, sl_fmt("%sgemma-4-E2B-it-Q6_K.gguf@%s", repo, COMMIT_OLD), old_copy, COMMIT_OLD, c->q6_hex);
    /* A ref file with a trailing newline (written by hand) still works. */
    sl_write_text(sl_fmt("%s/models--unsloth--gemma-4-E2B-it-GGUF/refs/nl", c->cache), COMMIT_OLD "\n");
    expect_found(c, sl_fmt("%sgemma-4-E2B-it-Q6_K.gguf@nl", repo), old_copy, COMMIT_OLD, c->q6_hex);
}

static void test_missing_pieces_are_named(void **state) {
    cache_fixture *c = *state;
    const char *repo_dir = sl_fmt("%s/models--unsloth--gemma-4-E2B-it-GGUF", c->cache);
    char rd[4096];
    snprintf(rd, sizeof rd, "%s", repo_dir);
    const char *repo = "unsloth/gemma-4-E2B-it-GGUF/";

    const char *no_repo[] = {sl_fmt("no cached repository %s/models--unsloth--gemma-3-GGUF", c->cache),
                             sl_fmt("(cache %s, from HF_HUB_CACHE)", c->cache), "cached: models--unsloth--gemma-4-E2B-it-GGUF",
                             NULL};
    expect_error(c, "unsloth/gemma-3-GGUF/x.gguf", no_repo);

    const char *no_file[] = {sl_fmt("no file %s/snapshots/%s/gemma-4-E2B-it-Q8_0.gguf", rd, COMMIT_MAIN),
                             "GGUF files there: gemma-4-E2B-it-Q4_K_M.gguf", NULL};
    expect_error(c, sl_fmt("%sgemma-4-E2B-it-Q8_0.gguf", repo), no_file);

    const char *no_ref[] = {sl_fmt("no ref %s/refs/v9", rd), "revision 'v9' was never downloaded", "refs there: main, nl, v1",
                            NULL};
    expect_error(c, sl_fmt("%sgemma-4-E2B-it-Q4_K_M.gguf@v9", repo), no_ref);

    /* A commit hash with no snapshot. */
    const char *no_snap[] = {sl_fmt("snapshot %s/snapshots/%s", rd, "0000000000000000000000000000000000000000"),
                             "is not in the cache", NULL};
    expect_error(c, sl_fmt("%sgemma-4-E2B-it-Q4_K_M.gguf@0000000000000000000000000000000000000000", repo), no_snap);

    /* A ref that does not hold a commit. */
    sl_write_text(sl_fmt("%s/refs/garbage", rd), "not a hash");
    const char *bad_ref[] = {sl_fmt("ref %s/refs/garbage does not hold a 40-hex commit hash", rd), NULL};
    expect_error(c, sl_fmt("%sgemma-4-E2B-it-Q4_K_M.gguf@garbage", repo), bad_ref);

    /* huggingface_hub's marker for "the Hub has no such file". */
    sl_mkdirs(sl_fmt("%s/.no_exist/%s", rd, COMMIT_MAIN));
    sl_write_text(sl_fmt("%s/.no_exist/%s/README.gguf", rd, COMMIT_MAIN), "");
    const char *no_exist[] = {"the Hub reported that 'README.gguf' does not exist at revision 'main'", NULL};
    expect_error(c, sl_fmt("%sREADME.gguf", repo), no_exist);

    /* A link whose blob was deleted (hf cache delete, a disk clean-up). */
    const char *dangling_link = sl_fmt("%s/snapshots/%s/gone.gguf", rd, COMMIT_MAIN);
    assert_int_equal(symlink("../../blobs/00000000deleted", dangling_link), 0);
    const char *dangling[] = {sl_fmt("%s links to ../../blobs/00000000deleted, which is missing", dangling_link), NULL};
    expect_error(c, sl_fmt("%sgone.gguf", repo), dangling);

    /* A directory where the file should be. */
    sl_mkdirs(sl_fmt("%s/snapshots/%s/adir.gguf", rd, COMMIT_MAIN));
    const char *dir[] = {"is not a regular file", NULL};
    expect_error(c, sl_fmt("%sadir.gguf", repo), dir);

    /* No cache at all. */
    gq_hf_name n;
    gq_hf_file f;
    char err[2048];
    assert_true(gq_hf_parse_name("a/b/c.gguf", &n, err, sizeof err));
    const char *nowhere = sl_fmt("%s/nowhere", c->root);
    assert_false(gq_hf_find(nowhere, "default", &n, &f, err, sizeof err));
    assert_non_null(strstr(err, sl_fmt("no Hugging Face cache at %s", nowhere)));
    assert_non_null(strstr(err, "set HF_HUB_CACHE or HF_HOME"));
}

int main(void) {
    const struct CMUnitTest plain[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_cache_dir_order),
    };
    const struct CMUnitTest with_cache[] = {
        cmocka_unit_test(test_find),
        cmocka_unit_test(test_missing_pieces_are_named),
    };
    int failed = cmocka_run_group_tests_name("hf names", plain, NULL, NULL);
    failed += cmocka_run_group_tests_name("hf cache", with_cache, make_cache, remove_cache);
    return failed;
}
