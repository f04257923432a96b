/* Every input the fuzzer ever broke something with (tests/fuzz/regressions/
 * <target>/<name>) runs again through the very entry point the fuzz target
 * uses (tests/fuzz/entries.c, included below), in the normal and the
 * sanitizer builds.  A broken promise aborts (the test fails with the
 * entry's message); a sanitizer report fails the sanitizer build.
 *
 * The directory is found through GQ_SOURCE_DIR (ctest sets it); a missing
 * directory fails the test rather than passing with nothing run. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "gqtest.h"

#include "fuzz/entries.c"

typedef int (*entry_fn)(const uint8_t *data, size_t size);

static const char *regressions_dir(void) {
    static char dir[4096];
    const char *src = getenv("GQ_SOURCE_DIR");
    if (!src || !*src) fail_msg("GQ_SOURCE_DIR is not set (run the tests through ctest)");
    snprintf(dir, sizeof dir, "%s/tests/fuzz/regressions", src);
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) fail_msg("%s is missing", dir);
    return dir;
}

/* Run every file of regressions/<target>/ through `entry`; returns how many. */
static size_t replay(const char *target, entry_fn entry) {
    char dir[4200];
    snprintf(dir, sizeof dir, "%s/%s", regressions_dir(), target);
    DIR *d = opendir(dir);
    if (!d) return 0; /* no finding for this target yet */
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') continue;
        char path[4500];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        size_t size;
        uint8_t *data = gqt_read_file(path, &size);
        /* an exact-size copy, as libFuzzer hands inputs over */
        uint8_t *copy = malloc(size ? size : 1);
        assert_non_null(copy);
        memcpy(copy, data, size);
        print_message("%s/%s (%zu bytes)\n", target, e->d_name, size);
        (void)entry(copy, size);
        free(copy);
        free(data);
        n++;
    }
    closedir(d);
    return n;
}

static void test_replay_every_regression(void **state) {
    (void)state;
    size_t n = replay("gguf", gqfuzz_gguf) + replay("imatrix", gqfuzz_imatrix) + replay("dequant", gqfuzz_dequant);
    gq_quant_set_simd(true);
    /* the README lists at least one: an empty set means the files went missing */
    assert_true(n >= 1);
}

/* The known regression still shows what it was about: the NaN weight
 * loads (it is the checksum in the harness that once broke on it). */
static void test_nan_weight_loads(void **state) {
    (void)state;
    char path[4200];
    snprintf(path, sizeof path, "%s/imatrix/nan-first-weight", regressions_dir());
    size_t size;
    uint8_t *data = gqt_read_file(path, &size);
    gq_status st;
    char msg[256];
    gq_imatrix *m = gq_imatrix_load_memory(data, size, &st, msg, sizeof msg);
    if (!m) fail_msg("%s", msg);
    assert_true(isnan(m->entries[0].weights[0]));
    assert_true(isinf(m->entries[0].weights[1]));
    gq_imatrix_free(m);
    free(data);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_replay_every_regression),
        cmocka_unit_test(test_nan_weight_loads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
