/* A one-line progress display on stderr for long runs (quantizing,
 * comparing, generating):
 *
 *   [ 37/420] blk.4.ffn_up.weight  q4_K   412.3 MB/s  ETA 0:42
 *
 * Shown only when stderr is a terminal and the program was not asked to be
 * quiet: redirected output and CI logs stay clean.  Redraws are throttled
 * (at most ten a second), and the line is erased at the end so the final
 * report starts on a clean line. */
#ifndef GQ_CLI_PROGRESS_H
#define GQ_CLI_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

typedef struct gq_progress {
    FILE *out;            /* NULL: disabled, every call is a no-op */
    uint64_t n_items;
    uint64_t total_bytes; /* 0: ETA from item counts instead of bytes */
    double start;         /* monotonic seconds */
    double last_draw;
    double min_interval;  /* seconds between redraws */
    size_t drawn_width;   /* characters on screen, to erase them */
} gq_progress;

/* Enabled when stderr is a TTY and !quiet. */
void gq_progress_init(gq_progress *p, bool quiet, uint64_t n_items, uint64_t total_bytes);
/* Explicit stream and on/off (tests; programs with their own policy). */
void gq_progress_init_stream(gq_progress *p, FILE *out, bool enabled, uint64_t n_items,
                             uint64_t total_bytes);

/* Item `index` (0-based) named `name` is being processed, `bytes_done`
 * bytes of total_bytes are finished; `extra` (may be NULL) is a short
 * note such as the target type.  Redraws at most every min_interval. */
void gq_progress_update(gq_progress *p, uint64_t index, const char *name, const char *extra,
                        uint64_t bytes_done);

/* Print a message above the progress line (warnings during a run) without
 * garbling it: erases the line, prints, lets the next update redraw. */
void gq_progress_clear(gq_progress *p);

/* Erase the line; the progress object may be reused after init. */
void gq_progress_finish(gq_progress *p);

/* Monotonic clock in seconds (also for the programs' timing figures). */
double gq_now_seconds(void);

#endif
