#include "tmp_dir.h"

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
