/* Progress line on stderr: see progress.h. */
#include "cli/progress.h"

#include <inttypes.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

double gq_now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void gq_progress_init_stream(gq_progress *p, FILE *out, bool enabled, uint64_t n_items,
                             uint64_t total_bytes) {
    memset(p, 0, sizeof *p);
    p->out = enabled ? out : NULL;
    p->n_items = n_items;
    p->total_bytes = total_bytes;
    p->start = gq_now_seconds();
    p->last_draw = -1e9;
    p->min_interval = 0.1;
}

void gq_progress_init(gq_progress *p, bool quiet, uint64_t n_items, uint64_t total_bytes) {
    gq_progress_init_stream(p, stderr, !quiet && isatty(fileno(stderr)), n_items, total_bytes);
}

static void format_eta(double seconds, char *buf, size_t size) {
    if (!(seconds >= 0) || seconds > 359999) {
        snprintf(buf, size, "--:--");
        return;
    }
    unsigned s = (unsigned)(seconds + 0.5);
    if (s >= 3600) snprintf(buf, size, "%u:%02u:%02u", s / 3600, s / 60 % 60, s % 60);
    else snprintf(buf, size, "%u:%02u", s / 60, s % 60);
}

void gq_progress_clear(gq_progress *p) {
    if (!p->out || p->drawn_width == 0) return;
    /* Carriage return, blank the old text, carriage return again: works on
     * any terminal without relying on the "erase line" escape. */
    fputc('\r', p->out);
    for (size_t i = 0; i < p->drawn_width; i++) fputc(' ', p->out);
    fputc('\r', p->out);
    fflush(p->out);
    p->drawn_width = 0;
    p->last_draw = -1e9; /* redraw at the next update */
}

void gq_progress_update(gq_progress *p, uint64_t index, const char *name, const char *extra,
                        uint64_t bytes_done) {
    if (!p->out) return;
    double now = gq_now_seconds();
    if (now - p->last_draw < p->min_interval) return;
    p->last_draw = now;

    double elapsed = now - p->start;
    char rate[32] = "", eta[16];
    double fraction;
    if (p->total_bytes) {
        fraction = (double)bytes_done / (double)p->total_bytes;
        if (elapsed > 0 && bytes_done)
            snprintf(rate, sizeof rate, "%.1f MB/s", (double)bytes_done / elapsed / 1e6);
    } else {
        fraction = p->n_items ? (double)index / (double)p->n_items : 0;
    }
    format_eta(fraction > 0 ? elapsed * (1 - fraction) / fraction : -1, eta, sizeof eta);

    char line[160];
    int n = snprintf(line, sizeof line, "[%*" PRIu64 "/%" PRIu64 "] %.60s  %.12s  %s  ETA %s",
                     p->n_items >= 1000 ? 4 : 3, index + 1, p->n_items, name ? name : "",
                     extra ? extra : "", rate, eta);
    if (n < 0) return;
    size_t len = strlen(line);
    fputc('\r', p->out);
    fputs(line, p->out);
    /* Blank what is left of a longer previous line. */
    for (size_t i = len; i < p->drawn_width; i++) fputc(' ', p->out);
    fflush(p->out);
    p->drawn_width = len > p->drawn_width ? len : p->drawn_width;
}

void gq_progress_finish(gq_progress *p) {
    gq_progress_clear(p);
    p->out = NULL;
}
