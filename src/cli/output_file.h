/* Writing an output file (a report, a page, a dump) so that a failure never
 * leaves half a file and never damages what was there.
 *
 * The bytes go to a temporary file beside the target ("<target>.tmp-XXXXXX",
 * registered with cli/cleanup.h so SIGINT/SIGTERM/SIGBUS remove it); commit
 * flushes, fsyncs and renames it over the target, so a reader sees the old
 * file or the complete new one.  A full disk, a file-size limit or an
 * interrupt leaves the old file as it was and no temporary file behind.
 *
 * A target that exists and is not a regular file (a terminal, a pipe,
 * /dev/stdout, /dev/null) is written directly: there is nothing to keep
 * and a rename would replace the device node.  A symbolic link keeps
 * pointing where it did: the file it names is replaced.
 *
 *   gq_output_file o;
 *   if (!gq_output_refuse_inputs(path, inputs, n, why, sizeof why) ||
 *       !gq_output_open(&o, path, why, sizeof why)) fail(why);
 *   fprintf(o.fp, ...);
 *   if (!gq_output_commit(&o, why, sizeof why)) fail(why);   // or gq_output_abort(&o)
 */
#ifndef GQ_CLI_OUTPUT_FILE_H
#define GQ_CLI_OUTPUT_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

typedef struct gq_output_file {
    FILE *fp;      /* write here */
    char *target;  /* where the file ends up (a symlink resolved) */
    char *temp;    /* the temporary file, NULL when writing directly */
    int cleanup_slot;
} gq_output_file;

/* False (and why) when `target` is the same file as one of the inputs:
 * replacing it would destroy an input (inputs that are not paths, or do not
 * exist, cannot be the target). */
bool gq_output_refuse_inputs(const char *target, const char *const *inputs, size_t n_inputs, char *why,
                             size_t why_size);

/* Start writing `target`.  False (and why) when no temporary file can be
 * created beside it (missing or unwritable directory ...). */
bool gq_output_open(gq_output_file *o, const char *target, char *why, size_t why_size);

/* Finish: flush, fsync, close and rename into place.  On any failure the
 * temporary file is removed, the target is untouched, and why says what
 * failed ("No space left on device" ...).  o is released either way. */
bool gq_output_commit(gq_output_file *o, char *why, size_t why_size);

/* Give up: close and remove the temporary file; the target is untouched. */
void gq_output_abort(gq_output_file *o);

#endif
