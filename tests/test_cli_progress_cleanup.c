/* The progress line draws, throttles and erases itself, and stays silent
 * when disabled; the signal cleanup unlinks registered files and then dies
 * of the signal (default) or sets the cooperative flag. */
#include "gqtest.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/cleanup.h"
#include "cli/progress.h"

static char *drain(FILE *f) {
    fflush(f);
    long n = ftell(f);
    assert_true(n >= 0);
    char *text = calloc((size_t)n + 1, 1);
    rewind(f);
    if (n) assert_int_equal(fread(text, 1, (size_t)n, f), (size_t)n);
    return text;
}

static void progress_draws_throttles_and_erases(void **state) {
    (void)state;
    FILE *f = tmpfile();
    assert_non_null(f);
    gq_progress p;
    gq_progress_init_stream(&p, f, true, 3, 3000);
    p.min_interval = 3600; /* whatever the machine's speed, the second update is "too soon" */
    gq_progress_update(&p, 0, "blk.0.attn_q.weight", "q4_K", 1000);
    /* Within the redraw interval: not drawn again. */
    gq_progress_update(&p, 1, "blk.0.attn_k.weight", "q4_K", 2000);
    size_t width = p.drawn_width;
    gq_progress_finish(&p);
    char *text = drain(f);
    assert_non_null(strstr(text, "\r[  1/3] blk.0.attn_q.weight  q4_K  "));
    assert_non_null(strstr(text, "MB/s"));
    assert_non_null(strstr(text, "ETA "));
    assert_null(strstr(text, "attn_k"));
    /* The end: carriage return, as many blanks as were drawn, carriage return. */
    size_t len = strlen(text);
    assert_true(len > width + 2);
    assert_int_equal(text[len - 1], '\r');
    assert_int_equal(text[len - width - 2], '\r');
    for (size_t i = len - width - 1; i < len - 1; i++) assert_int_equal(text[i], ' ');
    free(text);
    fclose(f);
}

static void disabled_progress_prints_nothing(void **state) {
    (void)state;
    FILE *f = tmpfile();
    gq_progress p;
    gq_progress_init_stream(&p, f, false, 3, 0);
    gq_progress_update(&p, 0, "x", NULL, 0);
    gq_progress_finish(&p);
    assert_int_equal(ftell(f), 0);
    /* gq_progress_init's policy: a regular file is not a terminal. */
    fclose(f);
}

static char *make_file(const char *dir, const char *name) {
    char *path = malloc(strlen(dir) + strlen(name) + 2);
    sprintf(path, "%s/%s", dir, name);
    gqt_write_file(path, "x", 1);
    return path;
}

static bool exists(const char *path) {
    struct stat st;
    return stat(path, &st) == 0;
}

static void signal_unlinks_then_kills(void **state) {
    (void)state;
    char *dir = gqt_mkdtemp();
    char *keep = make_file(dir, "keep"), *tmp1 = make_file(dir, "tmp1"), *tmp2 = make_file(dir, "tmp2");
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        gq_cleanup_install(false);
        gq_cleanup_register(tmp1);
        int slot = gq_cleanup_register(keep);
        gq_cleanup_register(tmp2);
        gq_cleanup_unregister(slot); /* renamed into place: must survive */
        raise(SIGTERM);
        _exit(0); /* not reached: the default action kills */
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), SIGTERM);
    assert_false(exists(tmp1));
    assert_false(exists(tmp2));
    assert_true(exists(keep));
    gqt_rmtree(dir);
    free(dir);
    free(keep);
    free(tmp1);
    free(tmp2);
}

static void cooperative_mode_sets_the_flag(void **state) {
    (void)state;
    char *dir = gqt_mkdtemp();
    char *tmp = make_file(dir, "partial");
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        gq_cleanup_install(true);
        if (gq_interrupted()) _exit(3);
        gq_cleanup_register(tmp);
        raise(SIGINT);
        /* Still running: the program notices the flag at its next check. */
        _exit(gq_interrupted() ? 42 : 4);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 42);
    assert_false(exists(tmp));
    gqt_rmtree(dir);
    free(dir);
    free(tmp);
}

static void table_full_and_long_paths(void **state) {
    (void)state;
    int slots[GQ_CLEANUP_SLOTS];
    for (int i = 0; i < GQ_CLEANUP_SLOTS; i++) {
        slots[i] = gq_cleanup_register("/nonexistent/gq-test");
        assert_true(slots[i] >= 0);
    }
    assert_int_equal(gq_cleanup_register("/nonexistent/one-too-many"), -1);
    for (int i = 0; i < GQ_CLEANUP_SLOTS; i++) gq_cleanup_unregister(slots[i]);
    char *long_path = malloc(GQ_CLEANUP_PATH_MAX + 10);
    memset(long_path, 'a', GQ_CLEANUP_PATH_MAX + 9);
    long_path[GQ_CLEANUP_PATH_MAX + 9] = '\0';
    assert_int_equal(gq_cleanup_register(long_path), -1);
    free(long_path);
    gq_cleanup_unregister(-1); /* a failed registration's slot: no-op */
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(progress_draws_throttles_and_erases),
        cmocka_unit_test(disabled_progress_prints_nothing),
        cmocka_unit_test(signal_unlinks_then_kills),
        cmocka_unit_test(cooperative_mode_sets_the_flag),
        cmocka_unit_test(table_full_and_long_paths),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
