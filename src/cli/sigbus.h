/* A clear exit, instead of a bare "Bus error", when an input file shrinks
 * while it is memory-mapped.
 *
 * The programs read models through mmap.  If another process truncates
 * the file meanwhile, touching a page past its new end raises SIGBUS,
 * whose default action kills the process without a word (and leaves any
 * temporary output behind).  With the handler installed, the process
 * instead prints
 *
 *     gq-quantize: model.gguf: the file changed size while it was being read (SIGBUS)
 *
 * naming the mapped file the faulting address belongs to (looked up in
 * /proc/self/maps; "an input file" where that is not available), removes
 * the temporary files registered with gq_cleanup_register(), and exits
 * with the given status.  The handler uses only async-signal-safe calls
 * (open, read, write, unlink, _exit).
 *
 *   gq_diag_set_prog("gq-inspect");
 *   gq_sigbus_install(GQ_EXIT_FAILURE);
 */
#ifndef GQ_CLI_SIGBUS_H
#define GQ_CLI_SIGBUS_H

/* Install the SIGBUS handler; `exit_code` is the status the process exits
 * with when it fires. */
void gq_sigbus_install(int exit_code);

#endif
