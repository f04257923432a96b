/* Removing partial output when a program is interrupted.
 *
 * A writer program registers every temporary file it creates (for a
 * gguf_writer: gguf_writer_temp_path()).  On SIGINT or SIGTERM the handler
 * unlinks each registered path, then either
 *   - re-raises the signal with the default action, so the process dies the
 *     way the shell expects (exit status 128 + signal) — the default; or
 *   - in cooperative mode, only sets the flag gq_interrupted() reads, so a
 *     loop can stop at the next tensor, clean up and return GQ_EXIT_INTERRUPTED;
 *     a second signal then kills the process as above.
 * The handler only touches a fixed-size static table and calls unlink(),
 * signal() and raise(): all async-signal-safe.
 *
 *   gq_cleanup_install(false);
 *   int slot = gq_cleanup_register(gguf_writer_temp_path(w));
 *   ... write ...  gguf_writer_commit(w, &err);
 *   gq_cleanup_unregister(slot);      // after the rename, before anything else
 */
#ifndef GQ_CLI_CLEANUP_H
#define GQ_CLI_CLEANUP_H

#include <stdbool.h>

#define GQ_CLEANUP_SLOTS 32
#define GQ_CLEANUP_PATH_MAX 4096

/* Install the SIGINT/SIGTERM handlers (again: just changes the mode). */
void gq_cleanup_install(bool cooperative);

/* Register a path to unlink on a signal.  Returns a slot number (>= 0), or
 * -1 when the table is full or the path too long (the caller should then
 * carry on: only the cleanup on a signal is lost). */
int gq_cleanup_register(const char *path);

/* Forget a slot (the file was renamed into place or removed). -1 is a no-op. */
void gq_cleanup_unregister(int slot);

/* Unlink every registered path now and forget them (error exits). */
void gq_cleanup_run(void);

/* True once SIGINT or SIGTERM arrived. */
bool gq_interrupted(void);

#endif
