/* Error reporting and exit codes, one format for every gq program:
 *
 *   gq-inspect: model.gguf: tensor 'blk.0.attn_q.weight': dimension 1 is 0 (at byte 1234)
 *   gq-inspect: model.gguf: warning: duplicate key 'general.name'
 *
 * The byte offset is printed only when it is known (gguf_error.has_offset).
 * Call gq_diag_set_prog() once at the top of main(). */
#ifndef GQ_CLI_DIAG_H
#define GQ_CLI_DIAG_H

#include "gq/error.h"
#include "gq/gguf.h"

/* Exit codes shared by the programs. */
enum {
    GQ_EXIT_OK = 0,
    GQ_EXIT_FAILURE = 1,      /* invalid input file, I/O error, failed operation */
    GQ_EXIT_USAGE = 2,        /* bad command line */
    GQ_EXIT_INTERRUPTED = 130 /* stopped by SIGINT (128 + 2, as shells report it) */
};

void gq_diag_set_prog(const char *prog);
const char *gq_diag_prog(void);

/* "<prog>: <file>: <message>\n" (file NULL: "<prog>: <message>\n"). */
void gq_diag_error(const char *file, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* "<prog>: <file>: warning: <message>\n" */
void gq_diag_warn(const char *file, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* A gguf_error: its message, " (at byte N)" when the offset is known. */
void gq_diag_gguf(const char *file, const gguf_error *err);

/* The exit code for a failed library call: GQ_EXIT_USAGE for GQ_ERR_ARG,
 * GQ_EXIT_INTERRUPTED for GQ_ERR_INTERRUPTED, GQ_EXIT_FAILURE otherwise. */
int gq_exit_code(gq_status status);

#endif
