/* Running the built programs from a cmocka test and checking what they
 * print and write — the harness the end-to-end tests of gq-quantize
 * (options, prune, split) share instead of each carrying a copy. */
#ifndef GQ_TEST_PROGRAM_RUN_H
#define GQ_TEST_PROGRAM_RUN_H

#include "gq/gguf.h"

/* Run GQ_BIN_DIR/<program> with the printf-formatted arguments (quote paths
 * yourself), standard error merged into the returned log (malloc'ed).
 * Fails the test when the exit status is not `want` or the log holds a
 * sanitizer report (a sanitizer build's programs must stay clean too). */
char *gqt_run_program(const char *program, int want, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Fails the test unless `needle` occurs in `log`. */
void gqt_expect_in(const char *log, const char *needle);

/* Fails the test unless the file's sha256 is `want` (64 hex digits);
 * `source` says where the expected value comes from ("llama-quantize"). */
void gqt_expect_sha256(const char *path, const char *want, const char *source);

/* Open a GGUF file a program wrote (or a fixture); fails the test with the
 * reader's message when it cannot. */
gguf_file *gqt_open_gguf(const char *path);

#endif
