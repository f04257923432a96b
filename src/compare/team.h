/* A team of worker threads that stays up for the whole error pass.
 *
 * The error pass runs one tensor at a time and a model has hundreds of
 * them, many small: starting threads per tensor costs more than the work
 * of a small tensor.  A team starts its helpers once and hands them one
 * job after another.  The calling thread is member 0 and works too. */
#ifndef GQ_COMPARE_TEAM_H
#define GQ_COMPARE_TEAM_H

#include <stddef.h>

typedef struct cmp_team cmp_team;

/* fn(ctx, member) runs once on each member taking part in a job. */
typedef void (*cmp_team_fn)(void *ctx, size_t member);

/* A team of up to n members (the caller plus n-1 helper threads).  When
 * threads cannot be started the team is smaller: cmp_team_size says.
 * NULL only when out of memory. */
cmp_team *cmp_team_start(size_t n);
size_t cmp_team_size(const cmp_team *t);

/* Run fn on members 0..n_use-1 (n_use is capped at the team's size;
 * member 0 is the calling thread) and return when all have finished. */
void cmp_team_run(cmp_team *t, size_t n_use, cmp_team_fn fn, void *ctx);

/* Stop and join the helpers; t may be NULL. */
void cmp_team_stop(cmp_team *t);

#endif
