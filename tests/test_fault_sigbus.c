/* A file that shrinks while it is memory-mapped.
 *
 * In a child process: open a model with libgguf (memory-mapped), truncate
 * the file underneath, then touch a tensor's bytes past the new end.
 *   - Without a handler the child dies of SIGBUS: the situation is real,
 *     so the other cases can fail.
 *   - With gq_sigbus_install() (what the programs install) the child
 *     prints "<prog>: <file>: the file changed size while it was being
 *     read", removes the temporary files registered for cleanup and exits
 *     with the status it was given.
 *   - gguf_read_tensor() notices the shrink itself and returns an error
 *     instead of touching the missing pages. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/cleanup.h"
#include "cli/diag.h"
#include "cli/sigbus.h"
#include "gq/gguf.h"
#include "gqtest.h"

#define MODEL "fixtures/real/models/stories260K.gguf"
#define HANDLER_EXIT 7

typedef enum { TOUCH_MAP, READ_TENSOR } access_kind;

typedef struct child_result {
    int status;   /* from waitpid */
    char err[4096];
} child_result;

/* In the child: open `path` mapped, truncate it, reach for the last
 * tensor's bytes.  Exits 0 only if the access went through (it must not). */
static void child_main(const char *path, bool install, access_kind how, const char *temp) {
    gq_diag_set_prog("gq-test");
    if (install) gq_sigbus_install(HANDLER_EXIT);
    if (temp) (void)gq_cleanup_register(temp);
    gguf_error err;
    gguf_file *f = gguf_open(path, 0, &err);
    if (!f) _exit(20);
    const gguf_tensor *last = NULL;
    for (uint64_t i = 0; i < gguf_tensor_count(f); i++) {
        const gguf_tensor *t = gguf_get_tensor(f, i);
        if (!last || t->offset > last->offset) last = t;
    }
    const volatile uint8_t *p = gguf_tensor_data(f, last);
    if (!p) _exit(21);
    if (truncate(path, 4096) != 0) _exit(22);
    if (how == TOUCH_MAP) {
        uint8_t sum = p[last->n_bytes - 1]; /* past the new end: SIGBUS */
        (void)sum;
        _exit(0);
    }
    uint8_t buf[16];
    gq_status st = gguf_read_tensor(f, last, last->n_bytes - sizeof buf, buf, sizeof buf, &err);
    fprintf(stderr, "%s\n", err.message);
    _exit(st == GQ_OK ? 0 : 30);
}

static child_result run_child(const char *path, bool install, access_kind how, const char *temp) {
    child_result r;
    memset(&r, 0, sizeof r);
    char err_path[4200];
    snprintf(err_path, sizeof err_path, "%s.stderr", path);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int fd = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd < 0 || dup2(fd, STDERR_FILENO) < 0) _exit(23);
        /* this test's signal handlers (cmocka's) must not catch SIGBUS */
        signal(SIGBUS, SIG_DFL);
        child_main(path, install, how, temp);
    }
    assert_int_equal(waitpid(pid, &r.status, 0), pid);
    size_t n = 0;
    char *text = gqt_try_read_file(err_path, &n);
    if (text) {
        snprintf(r.err, sizeof r.err, "%s", text);
        free(text);
    }
    return r;
}

/* A fresh copy of the model, which the child will truncate. */
static void copy_model(const char *to) {
    size_t size;
    void *data = gqt_read_file(gqt_shared_path(MODEL), &size);
    assert_true(size > 64 * 1024); /* the last tensor lies past the 4 KiB the child keeps */
    gqt_write_file(to, data, size);
    free(data);
}

static void test_without_a_handler_the_process_dies(void **state) {
    (void)state;
    char *dir = gqt_mkdtemp(), path[4200];
    snprintf(path, sizeof path, "%s/model.gguf", dir);
    copy_model(path);
    child_result r = run_child(path, false, TOUCH_MAP, NULL);
    if (!WIFSIGNALED(r.status) || WTERMSIG(r.status) != SIGBUS)
        fail_msg("expected death by SIGBUS, got status 0x%x; stderr:\n%s", r.status, r.err);
    gqt_rmtree(dir);
    free(dir);
}

static void test_the_handler_names_the_file_and_cleans_up(void **state) {
    (void)state;
    char *dir = gqt_mkdtemp(), path[4200], temp[4200];
    snprintf(path, sizeof path, "%s/model.gguf", dir);
    snprintf(temp, sizeof temp, "%s/out.gguf.tmp-123456", dir);
    copy_model(path);
    gqt_write_file(temp, "partial", 7);
    child_result r = run_child(path, true, TOUCH_MAP, temp);
    if (!WIFEXITED(r.status) || WEXITSTATUS(r.status) != HANDLER_EXIT)
        fail_msg("expected exit %d from the handler, got status 0x%x; stderr:\n%s", HANDLER_EXIT, r.status, r.err);
    /* /proc/self/maps names the file by its real path */
    char *real = realpath(path, NULL);
    assert_non_null(real);
    char expect[4400];
    snprintf(expect, sizeof expect, "gq-test: %s: the file changed size while it was being read", real);
    if (!strstr(r.err, expect)) fail_msg("expected \"%s\" in:\n%s", expect, r.err);
    free(real);
    struct stat st;
    if (stat(temp, &st) == 0) fail_msg("the registered temporary file %s is still there", temp);
    gqt_rmtree(dir);
    free(dir);
}

static void test_read_tensor_reports_the_shrink(void **state) {
    (void)state;
    char *dir = gqt_mkdtemp(), path[4200];
    snprintf(path, sizeof path, "%s/model.gguf", dir);
    copy_model(path);
    child_result r = run_child(path, false, READ_TENSOR, NULL);
    if (!WIFEXITED(r.status) || WEXITSTATUS(r.status) != 30)
        fail_msg("expected a clean error (exit 30), got status 0x%x; stderr:\n%s", r.status, r.err);
    if (!strstr(r.err, "shrank")) fail_msg("expected \"shrank\" in:\n%s", r.err);
    gqt_rmtree(dir);
    free(dir);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_without_a_handler_the_process_dies),
        cmocka_unit_test(test_the_handler_names_the_file_and_cleans_up),
        cmocka_unit_test(test_read_tensor_reports_the_shrink),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
