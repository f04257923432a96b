/* gq-quantize streams: its peak memory is bounded by a chunk of rows, not
 * by the model.  A ~200 MB BF16 model (gq-sample, 100M parameters, the
 * largest tensor 75 MB) is quantized in a child process whose peak
 * resident set is read with wait4(); it must stay below half the model's
 * size and below the largest tensor — a program that loaded the model, or
 * kept the mapped input resident, would exceed both. */
#include "gqtest.h"

#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "gq/gguf.h"

extern char **environ;

/* Under AddressSanitizer the child carries shadow memory and a quarantine
 * of freed blocks; the quarantine is switched off for the child and only
 * the looser bound (half the model) is asserted. */
#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif
#ifndef UNDER_ASAN
#define UNDER_ASAN 0
#endif

/* Run argv[0] with argv; its exit status and peak RSS in bytes. */
static int run_measured(char *const argv[], uint64_t *max_rss) {
    pid_t pid;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    int rc = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) fail_msg("cannot start %s: %s", argv[0], strerror(rc));
    int status;
    struct rusage ru;
    if (wait4(pid, &status, 0, &ru) != pid) fail_msg("wait4 failed");
    *max_rss = (uint64_t)ru.ru_maxrss * 1024; /* Linux reports KiB */
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void test_peak_memory_is_a_chunk(void **state) {
    (void)state;
    char *dir = gqt_mkdtemp();
    char model[4200], out[4200], sample[4200], quantize[4200], cmd[16384];
    snprintf(model, sizeof model, "%s/big.gguf", dir);
    snprintf(out, sizeof out, "%s/big-Q8_0.gguf", dir);
    snprintf(sample, sizeof sample, "%s/gq-sample", gqt_bin_dir());
    snprintf(quantize, sizeof quantize, "%s/gq-quantize", gqt_bin_dir());
    snprintf(cmd, sizeof cmd, "'%s' -q -o '%s' --params 100M --type bf16", sample, model);
    assert_int_equal(gqt_run(cmd, NULL), 0);

    struct stat st;
    assert_int_equal(stat(model, &st), 0);
    const uint64_t model_bytes = (uint64_t)st.st_size;
    gguf_error err;
    gguf_file *f = gguf_open(model, GGUF_OPEN_HEADER_ONLY, &err);
    assert_non_null(f);
    uint64_t largest = 0;
    for (uint64_t i = 0; i < gguf_tensor_count(f); i++)
        if (gguf_get_tensor(f, i)->n_bytes > largest) largest = gguf_get_tensor(f, i)->n_bytes;
    gguf_close(f);
    assert_true(model_bytes > 150u << 20); /* the test means something only on a big model */

    if (UNDER_ASAN) {
        const char *old = getenv("ASAN_OPTIONS");
        char opts[1024];
        snprintf(opts, sizeof opts, "%s%squarantine_size_mb=0", old ? old : "", old && *old ? ":" : "");
        setenv("ASAN_OPTIONS", opts, 1);
    }
    char *argv[] = { quantize, "-q", model, out, "Q8_0", "2", NULL };
    uint64_t rss = 0;
    assert_int_equal(run_measured(argv, &rss), 0);
    print_message("model %llu MiB, largest tensor %llu MiB, gq-quantize peak RSS %llu MiB\n",
                  (unsigned long long)(model_bytes >> 20), (unsigned long long)(largest >> 20),
                  (unsigned long long)(rss >> 20));
    assert_true(rss < model_bytes / 2);
    if (!UNDER_ASAN) assert_true(rss < largest);
    gqt_rmtree(dir);
    free(dir);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_peak_memory_is_a_chunk),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
