/* Counting what the heap is asked for, for tests that bound allocations.
 *
 * A hostile file must not make a reader allocate more than the file can
 * justify (a 40-byte file claiming 2^60 keys must be refused before
 * anything is reserved for them).  libgguf and the imatrix readers call
 * malloc/calloc/realloc directly, so the meter replaces those three in the
 * test executable and forwards to glibc's own allocator (__libc_malloc
 * and friends): every request made while the meter runs is counted —
 * including one that fails, which is exactly the request a hostile size
 * produces.  free() is not replaced: the memory still comes from glibc.
 *
 * Include this header in ONE test file (it defines malloc, calloc and
 * realloc).  It is only active where that works: glibc and no
 * AddressSanitizer (ASan replaces the allocator itself); elsewhere
 * GQT_ALLOC_METER is 0 and the tests say the check is off.  Not thread
 * safe: run the code under measurement on one thread. */
#ifndef GQT_ALLOC_METER_H
#define GQT_ALLOC_METER_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h> /* defines __GLIBC__ */

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define GQT_ALLOC_METER 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(memory_sanitizer) || __has_feature(thread_sanitizer)
#define GQT_ALLOC_METER 0
#endif
#endif
#if !defined(GQT_ALLOC_METER)
#if defined(__GLIBC__)
#define GQT_ALLOC_METER 1
#else
#define GQT_ALLOC_METER 0
#endif
#endif

typedef struct gqt_alloc_stats {
    uint64_t calls;    /* malloc/calloc/realloc calls while metering */
    uint64_t total;    /* bytes asked for, summed (an upper bound of the peak) */
    uint64_t largest;  /* the largest single request */
} gqt_alloc_stats;

static gqt_alloc_stats gqt_meter;
static int gqt_meter_running;

static inline void gqt_meter_note(uint64_t bytes) {
    if (!gqt_meter_running) return;
    gqt_meter.calls++;
    gqt_meter.total = gqt_meter.total + bytes < gqt_meter.total ? UINT64_MAX : gqt_meter.total + bytes;
    if (bytes > gqt_meter.largest) gqt_meter.largest = bytes;
}

/* Start counting from zero. */
static inline void gqt_meter_start(void) {
    gqt_meter = (gqt_alloc_stats){ 0, 0, 0 };
    gqt_meter_running = 1;
}

/* Stop and return what was counted. */
static inline gqt_alloc_stats gqt_meter_stop(void) {
    gqt_meter_running = 0;
    return gqt_meter;
}

#if GQT_ALLOC_METER
extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t size);

void *malloc(size_t size) {
    gqt_meter_note(size);
    return __libc_malloc(size);
}

void *calloc(size_t n, size_t size) {
    uint64_t bytes = size && n > UINT64_MAX / size ? UINT64_MAX : (uint64_t)n * size;
    gqt_meter_note(bytes);
    return __libc_calloc(n, size);
}

void *realloc(void *p, size_t size) {
    gqt_meter_note(size);
    return __libc_realloc(p, size);
}
#endif

#endif
