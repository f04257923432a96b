/* Worker team (team.h): helpers sleep on a condition variable between
 * jobs; a job is published with a generation number so that each helper
 * takes every job exactly once. */
#include "compare/team.h"

#include <stdbool.h>
#include <stdlib.h>

#if defined(GQ_HAVE_PTHREADS)
#include <pthread.h>
#endif

typedef struct helper {
    cmp_team *team;
    size_t member;
#if defined(GQ_HAVE_PTHREADS)
    pthread_t thread;
#endif
} helper;

struct cmp_team {
    size_t size; /* members, the caller included */
    helper *helpers;
#if defined(GQ_HAVE_PTHREADS)
    pthread_mutex_t lock;
    pthread_cond_t wake, done;
#endif
    unsigned long generation;
    bool quit;
    cmp_team_fn fn;
    void *ctx;
    size_t n_use;
    size_t running; /* helpers still inside the current job */
};

#if defined(GQ_HAVE_PTHREADS)
static void *helper_main(void *arg) {
    helper *h = arg;
    cmp_team *t = h->team;
    unsigned long seen = 0;
    pthread_mutex_lock(&t->lock);
    for (;;) {
        while (t->generation == seen && !t->quit) pthread_cond_wait(&t->wake, &t->lock);
        if (t->quit) break;
        seen = t->generation;
        if (h->member >= t->n_use) continue;
        cmp_team_fn fn = t->fn;
        void *ctx = t->ctx;
        pthread_mutex_unlock(&t->lock);
        fn(ctx, h->member);
        pthread_mutex_lock(&t->lock);
        if (--t->running == 0) pthread_cond_signal(&t->done);
    }
    pthread_mutex_unlock(&t->lock);
    return NULL;
}
#endif

cmp_team *cmp_team_start(size_t n) {
    cmp_team *t = calloc(1, sizeof *t);
    if (!t) return NULL;
    t->size = 1;
#if defined(GQ_HAVE_PTHREADS)
    if (n > 1 && !(t->helpers = calloc(n - 1, sizeof *t->helpers))) {
        free(t);
        return NULL;
    }
    pthread_mutex_init(&t->lock, NULL);
    pthread_cond_init(&t->wake, NULL);
    pthread_cond_init(&t->done, NULL);
    for (size_t i = 1; i < n; i++) {
        helper *h = &t->helpers[i - 1];
        h->team = t;
        h->member = i;
        if (pthread_create(&h->thread, NULL, helper_main, h) != 0) break;
        t->size = i + 1;
    }
#else
    (void)n;
#endif
    return t;
}

size_t cmp_team_size(const cmp_team *t) { return t->size; }

void cmp_team_run(cmp_team *t, size_t n_use, cmp_team_fn fn, void *ctx) {
    if (n_use > t->size) n_use = t->size;
    if (n_use <= 1) {
        fn(ctx, 0);
        return;
    }
#if defined(GQ_HAVE_PTHREADS)
    pthread_mutex_lock(&t->lock);
    t->fn = fn;
    t->ctx = ctx;
    t->n_use = n_use;
    t->running = n_use - 1;
    t->generation++;
    pthread_cond_broadcast(&t->wake);
    pthread_mutex_unlock(&t->lock);
    fn(ctx, 0);
    pthread_mutex_lock(&t->lock);
    while (t->running) pthread_cond_wait(&t->done, &t->lock);
    pthread_mutex_unlock(&t->lock);
#endif
}

void cmp_team_stop(cmp_team *t) {
    if (!t) return;
#if defined(GQ_HAVE_PTHREADS)
    pthread_mutex_lock(&t->lock);
    t->quit = true;
    pthread_cond_broadcast(&t->wake);
    pthread_mutex_unlock(&t->lock);
    for (size_t i = 1; i < t->size; i++) pthread_join(t->helpers[i - 1].thread, NULL);
    pthread_mutex_destroy(&t->lock);
    pthread_cond_destroy(&t->wake);
    pthread_cond_destroy(&t->done);
#endif
    free(t->helpers);
    free(t);
}
