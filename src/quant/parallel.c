#include "parallel.h"

#include <stdlib.h>

#include "gq/quant.h"

#if defined(GQ_HAVE_PTHREADS)
#include <pthread.h>
#include <unistd.h>

typedef struct {
    gq_range_fn fn;
    void *ctx;
    int64_t begin, end;
} range_job;

static void *run_job(void *arg) {
    range_job *j = arg;
    j->fn(j->ctx, j->begin, j->end);
    return NULL;
}

void gq_parallel_for(int n_threads, int64_t n_items, gq_range_fn fn, void *ctx) {
    if (n_items <= 0) return;
    if (n_threads > n_items) n_threads = (int)n_items;
    if (n_threads <= 1) { fn(ctx, 0, n_items); return; }
    range_job *jobs = calloc((size_t)n_threads, sizeof *jobs);
    pthread_t *tids = calloc((size_t)n_threads, sizeof *tids);
    if (!jobs || !tids) { free(jobs); free(tids); fn(ctx, 0, n_items); return; }
    for (int t = 0; t < n_threads; t++) {
        jobs[t] = (range_job){ fn, ctx, n_items * t / n_threads, n_items * (t + 1) / n_threads };
    }
    /* Thread 0's share runs on the caller; a failed pthread_create runs its share inline. */
    for (int t = 1; t < n_threads; t++) {
        if (pthread_create(&tids[t], NULL, run_job, &jobs[t]) != 0) {
            run_job(&jobs[t]);
            jobs[t].fn = NULL; /* nothing to join */
        }
    }
    run_job(&jobs[0]);
    for (int t = 1; t < n_threads; t++)
        if (jobs[t].fn) pthread_join(tids[t], NULL);
    free(jobs);
    free(tids);
}

int gq_cpu_count(void) {
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}
#else
void gq_parallel_for(int n_threads, int64_t n_items, gq_range_fn fn, void *ctx) {
    (void)n_threads;
    if (n_items > 0) fn(ctx, 0, n_items);
}
int gq_cpu_count(void) { return 1; }
#endif
