/* gq-quantize refuses, with a clear message, a non-zero exit and nothing
 * left behind (no output, no temporary file):
 *   - a file type that needs an importance matrix, without one;
 *   - non-finite weights (the message names tensor, row and column);
 *   - already quantized input without --allow-requantize;
 *   - an output that is the input (same inode);
 *   - an output directory that cannot be written;
 *   - a full disk (here: a file-size limit);
 *   - SIGINT / SIGTERM in the middle of the work. */
#include "gqtest.h"
#include "sha256.h"

#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "gq/gguf.h"

#define GEMMA_DIR "fixtures/quantized/gemma4-mini"

/* A file of the gemma4-mini fixture (a string literal). */
#define gemma(file) gqt_shared_path(GEMMA_DIR "/" file)

/* Names in a directory, excluding "." and "..", newline-separated. */
static size_t list_dir(const char *dir, char *names, size_t size) {
    DIR *d = opendir(dir);
    assert_non_null(d);
    size_t n = 0;
    names[0] = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        n++;
        strncat(names, e->d_name, size - strlen(names) - 2);
        strcat(names, "\n");
    }
    closedir(d);
    return n;
}

static void expect_only(const char *dir, const char *only) {
    char names[4096];
    size_t n = list_dir(dir, names, sizeof names);
    if (only ? (n != 1 || strncmp(names, only, strlen(only)) != 0) : n != 0)
        fail_msg("%s should hold %s, holds:\n%s", dir, only ? only : "nothing", names);
}

/* In the sanitizer build a report also exits 1: make it fail the test. */
static void no_sanitizer_report(const char *log) {
    if (log && (strstr(log, "Sanitizer") || strstr(log, "runtime error")))
        fail_msg("sanitizer report:\n%s", log);
}

static int run(const char *args, char **out) {
    char cmd[16384];
    snprintf(cmd, sizeof cmd, "'%s/gq-quantize' %s 2>&1", gqt_bin_dir(), args);
    int rc = gqt_run(cmd, out);
    no_sanitizer_report(*out);
    return rc;
}

static void expect_in(const char *log, const char *text) {
    if (!strstr(log, text)) fail_msg("expected '%s' in the output:\n%s", text, log);
}

/* ---------------------------------------------------------- imatrix */

static void test_needs_imatrix(void **state) {
    (void)state;
    char *dir = gqt_mkdtemp(), args[4096], *log = NULL;
    const char *types[] = { "IQ2_XXS", "IQ2_XS", "IQ2_S", "IQ2_M" };
    for (int i = 0; i < 4; i++) {
        snprintf(args, sizeof args, "'%s' '%s/out.gguf' %s", gemma("gemma4-mini-BF16.gguf"), dir, types[i]);
        int rc = run(args, &log);
        assert_int_equal(rc, 1);
        expect_in(log, "needs an importance matrix");
        expect_in(log, "blk.0.attn_q.weight"); /* names the tensors */
        free(log);
        expect_only(dir, NULL);
    }
    /* an importance matrix without the tensors' entries is refused too */
    snprintf(args, sizeof args, "--imatrix '%s' --exclude-weights attn_q '%s' '%s/out.gguf' IQ2_XXS",
             gemma("gemma4-mini.imatrix.gguf"), gemma("gemma4-mini-BF16.gguf"), dir);
    assert_int_equal(run(args, &log), 1);
    expect_in(log, "no entry for it");
    expect_in(log, "blk.5.attn_q.weight");
    free(log);
    expect_only(dir, NULL);
    gqt_rmtree(dir);
    free(dir);
}

/* ------------------------------------------------------ non-finite */

/* A copy of the BF16 model with one weight set to NaN. */
static void write_poisoned_copy(const char *path, const char *tensor, uint64_t row, uint64_t col) {
    size_t size;
    unsigned char *data = gqt_read_file(gemma("gemma4-mini-BF16.gguf"), &size);
    gguf_error err;
    gguf_file *f = gguf_open_memory(data, size, GGUF_OPEN_HEADER_ONLY, &err);
    assert_non_null(f);
    int64_t i = gguf_find_tensor(f, tensor);
    assert_true(i >= 0);
    const gguf_tensor *t = gguf_get_tensor(f, (uint64_t)i);
    assert_int_equal(t->type, 30); /* bf16 */
    uint64_t at = gguf_data_offset(f) + t->offset + (row * t->ne[0] + col) * 2;
    gguf_close(f);
    data[at] = 0xc0; /* 0x7fc0: a quiet NaN in bf16, little-endian */
    data[at + 1] = 0x7f;
    gqt_write_file(path, data, size);
    free(data);
}

static void test_nonfinite_weights(void **state) {
    (void)state;
    char *dir = gqt_mkdtemp(), in[4200], args[8800], *log = NULL;
    snprintf(in, sizeof in, "%s/poisoned.gguf", dir);
    write_poisoned_copy(in, "blk.3.ffn_up.weight", 5, 7);
    snprintf(args, sizeof args, "'%s' '%s/out.gguf' Q4_K_M 2", in, dir);
    assert_int_equal(run(args, &log), 1);
    expect_in(log, "blk.3.ffn_up.weight");
    expect_in(log, "row 5");
    expect_in(log, "column 7");
    free(log);
    expect_only(dir, "poisoned.gguf");
    gqt_rmtree(dir);
    free(dir);
}

/* ------------------------------------------------------ requantize */

static void test_requantize(void **state) {
    (void)state;
    char *dir = gqt_mkdtemp(), args[4096], *log = NULL;
    snprintf(args, sizeof args, "'%s' '%s/out.gguf' Q4_K_M", gemma("gemma4-mini-Q8_0.gguf"), dir);
    assert_int_equal(run(args, &log), 1);
    expect_in(log, "already quantized");
    expect_in(log, "--allow-requantize");
    free(log);
    expect_only(dir, NULL);

    snprintf(args, sizeof args, "--allow-requantize '%s' '%s/out.gguf' Q4_K_M", gemma("gemma4-mini-Q8_0.gguf"), dir);
    assert_int_equal(run(args, &log), 0);
    expect_in(log, "warning: requantizing");
    free(log);
    expect_only(dir, "out.gguf");
    gqt_rmtree(dir);
    free(dir);
}

/* ------------------------------------------------------- same file */

static void test_output_is_input(void **state) {
    (void)state;
    char *dir = gqt_mkdtemp(), in[4200], link[4200], args[9000], cmd[16384], *log = NULL;
    snprintf(in, sizeof in, "%s/model.gguf", dir);
    snprintf(link, sizeof link, "%s/alias.gguf", dir);
    size_t size;
    void *data = gqt_read_file(gemma("gemma4-mini-BF16.gguf"), &size);
    gqt_write_file(in, data, size);
    free(data);
    char before[65], after[65];
    assert_int_equal(gqt_sha256_file(in, before), 0);

    snprintf(args, sizeof args, "'%s' '%s' Q8_0", in, in);
    assert_int_not_equal(run(args, &log), 0);
    expect_in(log, "same file");
    free(log);

    snprintf(cmd, sizeof cmd, "ln '%s' '%s'", in, link); /* a hard link: same inode, other name */
    assert_int_equal(gqt_run(cmd, NULL), 0);
    snprintf(args, sizeof args, "'%s' '%s' Q8_0", in, link);
    assert_int_not_equal(run(args, &log), 0);
    expect_in(log, "same file");
    free(log);

    assert_int_equal(gqt_sha256_file(in, after), 0);
    assert_string_equal(before, after);
    /* only the two names of the untouched input remain */
    char names[4096];
    assert_int_equal(list_dir(dir, names, sizeof names), 2);
    gqt_rmtree(dir);
    free(dir);
}

/* ------------------------------------------------- unwritable output */

static void test_unwritable_directory(void **state) {
    (void)state;
    char args[4096], *log = NULL;
    const char *outs[] = { "/nonexistent-gq-dir/out.gguf", "/etc/passwd/out.gguf" };
    for (int i = 0; i < 2; i++) {
        snprintf(args, sizeof args, "'%s' '%s' Q8_0", gemma("gemma4-mini-BF16.gguf"), outs[i]);
        assert_int_equal(run(args, &log), 1);
        expect_in(log, outs[i]);
        expect_in(log, "cannot create");
        free(log);
    }
}

/* ------------------------------------------------------- disk full */

static void test_disk_full(void **state) {
    (void)state;
    char *dir = gqt_mkdtemp(), cmd[8192], *log = NULL;
    /* 2 MiB file-size limit, the output would be 7.4 MB */
    snprintf(cmd, sizeof cmd, "ulimit -f 2048 && '%s/gq-quantize' '%s' '%s/out.gguf' Q8_0 2>&1", gqt_bin_dir(),
             gemma("gemma4-mini-BF16.gguf"), dir);
    int rc = gqt_run(cmd, &log);
    no_sanitizer_report(log);
    assert_int_equal(rc, 1);
    expect_in(log, "no space");
    free(log);
    expect_only(dir, NULL);
    gqt_rmtree(dir);
    free(dir);
}

/* ---------------------------------------------------------- signals */

static void check_signal(const char *sig) {
    char *dir = gqt_mkdtemp(), cmd[8192], *log = NULL;
    /* IQ2_S on one thread takes seconds: the signal lands mid-run */
    snprintf(cmd, sizeof cmd,
             "cd '%s' && { '%s/gq-quantize' --imatrix gemma4-mini.imatrix.gguf gemma4-mini-BF16.gguf '%s/out.gguf' IQ2_S 1 2>&1 & "
             "pid=$!; sleep 0.4; kill -%s $pid; wait $pid; echo \"exit=$?\"; }",
             gqt_shared_path(GEMMA_DIR), gqt_bin_dir(), dir, sig);
    gqt_run(cmd, &log);
    no_sanitizer_report(log);
    if (!strstr(log, "exit=130") && !strstr(log, "exit=143"))
        fail_msg("SIG%s: expected exit 130 (interrupted) or 143, got:\n%s", sig, log);
    free(log);
    expect_only(dir, NULL);
    gqt_rmtree(dir);
    free(dir);
}

static void test_sigint(void **state) { (void)state; check_signal("INT"); }
static void test_sigterm(void **state) { (void)state; check_signal("TERM"); }

/* ------------------------------------------------- bad command lines */

static void test_usage_errors(void **state) {
    (void)state;
    char args[4096], *log = NULL;
    snprintf(args, sizeof args, "'%s' /tmp/x.gguf Q9_K", gemma("gemma4-mini-BF16.gguf"));
    assert_int_equal(run(args, &log), 2);
    expect_in(log, "Q9_K");
    free(log);
    snprintf(args, sizeof args, "--tensor-type attn_v=q9 '%s' /tmp/x.gguf Q8_0", gemma("gemma4-mini-BF16.gguf"));
    assert_int_equal(run(args, &log), 2);
    free(log);
    snprintf(args, sizeof args, "--override-kv x=blob:1 '%s' /tmp/x.gguf Q8_0", gemma("gemma4-mini-BF16.gguf"));
    assert_int_equal(run(args, &log), 2);
    free(log);
    assert_int_equal(run("/nonexistent-gq-input.gguf /tmp/x.gguf Q8_0", &log), 1);
    expect_in(log, "/nonexistent-gq-input.gguf");
    free(log);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_needs_imatrix),
        cmocka_unit_test(test_nonfinite_weights),
        cmocka_unit_test(test_requantize),
        cmocka_unit_test(test_output_is_input),
        cmocka_unit_test(test_unwritable_directory),
        cmocka_unit_test(test_disk_full),
        cmocka_unit_test(test_sigint),
        cmocka_unit_test(test_sigterm),
        cmocka_unit_test(test_usage_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
