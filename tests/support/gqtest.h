/* Shared helpers for the cmocka tests.
 *
 * Shared data (../shared: vectors, fixtures) is found through one variable,
 * GQ_SHARED, which CMake sets for every test (default: ../shared beside the
 * checkout).  A file that should be there and is not fails the test loudly:
 * nothing is skipped silently. */
#ifndef GQ_TEST_H
#define GQ_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

/* Directory of the shared data (never NULL; fails the test when unset and
 * ../shared does not exist). */
const char *gqt_shared_dir(void);

/* "<shared>/<rel>" in a static rotating buffer (valid for 8 later calls). */
const char *gqt_shared_path(const char *rel);

/* Whole file into a malloc'ed buffer (+1 NUL byte not counted in *size).
 * Fails the test (fail_msg) when the file cannot be read. */
void *gqt_read_file(const char *path, size_t *size);

/* Like gqt_read_file but returns NULL instead of failing. */
void *gqt_try_read_file(const char *path, size_t *size);

/* Write a buffer to a file; fails the test on error. */
void gqt_write_file(const char *path, const void *data, size_t size);

/* A fresh temporary directory (removed by gqt_rmtree). */
char *gqt_mkdtemp(void);
void gqt_rmtree(const char *dir);

/* Build directory (where the programs are), from GQ_BIN_DIR. */
const char *gqt_bin_dir(void);

/* Run a shell command, capture stdout (and stderr if merge) into a malloc'ed
 * string; returns the exit status (or -1). */
int gqt_run(const char *cmd, char **out);

#endif
