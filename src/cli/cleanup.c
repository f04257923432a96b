/* Signal-time removal of temporary files: see cleanup.h. */
#include "cli/cleanup.h"

#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

/* Static storage only: the handler may run at any moment, even inside
 * malloc, so nothing it reads may be allocated or half-written.  A slot's
 * path is complete before its `used` flag is set (the fence keeps the
 * compiler from reordering the stores around the flag). */
static char slot_path[GQ_CLEANUP_SLOTS][GQ_CLEANUP_PATH_MAX];
static volatile sig_atomic_t slot_used[GQ_CLEANUP_SLOTS];
/* Read by worker threads while the handler may write it: a lock-free
 * atomic is the one type both a signal handler and other threads may
 * touch (a volatile sig_atomic_t is safe for the handler alone). */
#if ATOMIC_INT_LOCK_FREE != 2
#error "the interrupt flag needs a lock-free atomic int"
#endif
static atomic_int interrupted;
static volatile sig_atomic_t cooperative_mode;

static void unlink_registered(void) {
    for (int i = 0; i < GQ_CLEANUP_SLOTS; i++) {
        if (slot_used[i]) {
            unlink(slot_path[i]);
            slot_used[i] = 0;
        }
    }
}

static void on_signal(int sig) {
    bool first = atomic_exchange(&interrupted, 1) == 0;
    unlink_registered();
    if (cooperative_mode && first) return;
    signal(sig, SIG_DFL);
    raise(sig);
}

void gq_cleanup_install(bool cooperative) {
    cooperative_mode = cooperative;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    /* Block the other signal while one is being handled, so the table is
     * walked once at a time. */
    sigaddset(&sa.sa_mask, SIGINT);
    sigaddset(&sa.sa_mask, SIGTERM);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

int gq_cleanup_register(const char *path) {
    if (!path) return -1;
    size_t len = strlen(path);
    if (len >= GQ_CLEANUP_PATH_MAX) return -1;
    for (int i = 0; i < GQ_CLEANUP_SLOTS; i++) {
        if (!slot_used[i]) {
            memcpy(slot_path[i], path, len + 1);
            atomic_signal_fence(memory_order_seq_cst);
            slot_used[i] = 1;
            return i;
        }
    }
    return -1;
}

void gq_cleanup_unregister(int slot) {
    if (slot >= 0 && slot < GQ_CLEANUP_SLOTS) slot_used[slot] = 0;
}

void gq_cleanup_run(void) { unlink_registered(); }

bool gq_interrupted(void) { return atomic_load_explicit(&interrupted, memory_order_relaxed) != 0; }
