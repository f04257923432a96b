/* A temporary directory for a test, or a group of tests, as cmocka setup
 * and teardown functions:
 *
 *   cmocka_unit_test_setup_teardown(test_x, gqt_tmp_setup, gqt_tmp_teardown)
 *   cmocka_run_group_tests(tests, gqt_tmp_setup, gqt_tmp_teardown)
 *
 * One directory at a time (tests of one executable run one after another). */
#ifndef GQ_TEST_TMP_DIR_H
#define GQ_TEST_TMP_DIR_H

int gqt_tmp_setup(void **state);
int gqt_tmp_teardown(void **state);

/* The current directory (fails the test outside setup/teardown). */
const char *gqt_tmp_dir(void);

/* A path in it, the name printf-formatted; eight rotating buffers, so a
 * call's result stays valid through the next seven calls. */
const char *gqt_tmp_file(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

#endif
