/* A minimal fork-join helper: split [0, n_items) into contiguous chunks,
 * one per thread.  Which thread handles which item never changes a result,
 * because every item (a row) is computed on its own. */
#ifndef GQ_PARALLEL_H
#define GQ_PARALLEL_H

#include <stdint.h>

typedef void (*gq_range_fn)(void *ctx, int64_t begin, int64_t end);

/* Runs fn over [0, n_items) on up to n_threads threads (the caller's thread
 * included).  Falls back to one thread when threads are unavailable. */
void gq_parallel_for(int n_threads, int64_t n_items, gq_range_fn fn, void *ctx);

#endif
