/* Error reporting: see diag.h. */
#include "cli/diag.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *program_name = "gq";

void gq_diag_set_prog(const char *prog) {
    if (prog && *prog) program_name = prog;
}

const char *gq_diag_prog(void) { return program_name; }

static void vreport(const char *file, const char *label, const char *fmt, va_list ap) {
    /* Flush stdout first so an error lands after the output it interrupts
     * when both go to the same terminal. */
    fflush(stdout);
    fprintf(stderr, "%s: ", program_name);
    if (file) fprintf(stderr, "%s: ", file);
    if (label) fprintf(stderr, "%s: ", label);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

void gq_diag_error(const char *file, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vreport(file, NULL, fmt, ap);
    va_end(ap);
}

void gq_diag_warn(const char *file, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vreport(file, "warning", fmt, ap);
    va_end(ap);
}

void gq_diag_gguf(const char *file, const gguf_error *err) {
    const char *msg = err->message[0] ? err->message : gq_status_str(err->status);
    /* libgguf's messages already end in " (at byte N)" so that they stand
     * alone; add the suffix only to a message that lacks it. */
    char suffix[48];
    snprintf(suffix, sizeof suffix, " (at byte %" PRIu64 ")", err->offset);
    size_t ml = strlen(msg), sl = strlen(suffix);
    bool has_suffix = ml >= sl && strcmp(msg + ml - sl, suffix) == 0;
    if (err->has_offset && !has_suffix)
        gq_diag_error(file, "%s (at byte %" PRIu64 ")", msg, err->offset);
    else
        gq_diag_error(file, "%s", msg);
}

int gq_exit_code(gq_status status) {
    switch (status) {
    case GQ_OK: return GQ_EXIT_OK;
    case GQ_ERR_ARG: return GQ_EXIT_USAGE;
    case GQ_ERR_INTERRUPTED: return GQ_EXIT_INTERRUPTED;
    default: return GQ_EXIT_FAILURE;
    }
}
