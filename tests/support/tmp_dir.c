#include "tmp_dir.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "gqtest.h"

static char *current;

int gqt_tmp_setup(void **state) {
    (void)state;
    current = gqt_mkdtemp();
    return current ? 0 : -1;
}

int gqt_tmp_teardown(void **state) {
    (void)state;
    if (current) gqt_rmtree(current);
    free(current);
    current = NULL;
    return 0;
}

const char *gqt_tmp_dir(void) {
    if (!current) fail_msg("no temporary directory: the test needs gqt_tmp_setup");
    return current;
}

const char *gqt_tmp_file(const char *fmt, ...) {
    static char bufs[8][4400];
    static int next;
    char *b = bufs[next++ & 7], name[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(name, sizeof name, fmt, ap);
    va_end(ap);
    snprintf(b, sizeof bufs[0], "%s/%s", gqt_tmp_dir(), name);
    return b;
}
