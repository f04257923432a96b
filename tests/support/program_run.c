#include "program_run.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gqtest.h"
#include "sha256.h"

char *gqt_run_program(const char *program, int want, const char *fmt, ...) {
    char args[8192], cmd[16384];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    snprintf(cmd, sizeof cmd, "'%s/%s' %s 2>&1", gqt_bin_dir(), program, args);
    char *log = NULL;
    int rc = gqt_run(cmd, &log);
    if (rc != want) fail_msg("%s: exit %d (wanted %d) for: %s\n%s", program, rc, want, args, log ? log : "");
    if (log && (strstr(log, "Sanitizer") || strstr(log, "runtime error"))) fail_msg("sanitizer report:\n%s", log);
    return log;
}

void gqt_expect_in(const char *log, const char *needle) {
    if (!log || !strstr(log, needle)) fail_msg("expected '%s' in:\n%s", needle, log ? log : "(nothing)");
}

void gqt_expect_sha256(const char *path, const char *want, const char *source) {
    char hex[65];
    if (gqt_sha256_file(path, hex) != 0) fail_msg("cannot read %s", path);
    if (strcmp(hex, want) != 0) fail_msg("%s: sha256 %s, %s wrote %s", path, hex, source, want);
}

gguf_file *gqt_open_gguf(const char *path) {
    gguf_error err;
    gguf_file *f = gguf_open(path, 0, &err);
    if (!f) fail_msg("cannot open %s: %s", path, err.message);
    return f;
}
