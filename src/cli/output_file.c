/* Atomic output files: see output_file.h. */
#include "cli/output_file.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cleanup.h"

static void say(char *why, size_t why_size, const char *what, int err) {
    if (why && why_size) snprintf(why, why_size, "%s: %s", what, strerror(err));
}

bool gq_output_refuse_inputs(const char *target, const char *const *inputs, size_t n_inputs, char *why,
                             size_t why_size) {
    struct stat out;
    if (!target || stat(target, &out) != 0) return true; /* nothing there to destroy */
    for (size_t i = 0; i < n_inputs; i++) {
        struct stat in;
        if (!inputs[i] || stat(inputs[i], &in) != 0) continue;
        if (in.st_dev == out.st_dev && in.st_ino == out.st_ino) {
            if (why && why_size)
                snprintf(why, why_size, "is the input '%s' (same file): writing it would replace a file being read",
                         inputs[i]);
            return false;
        }
    }
    return true;
}

bool gq_output_open(gq_output_file *o, const char *target, char *why, size_t why_size) {
    memset(o, 0, sizeof *o);
    o->cleanup_slot = -1;
    struct stat st;
    if (stat(target, &st) == 0 && !S_ISREG(st.st_mode)) {
        /* a terminal, a pipe, /dev/null: write to it as it is */
        o->fp = fopen(target, "w");
        if (!o->fp) {
            say(why, why_size, "cannot open", errno);
            return false;
        }
        return true;
    }
    /* a symlink to a file: replace the file, keep the link */
    char *resolved = realpath(target, NULL);
    o->target = resolved ? resolved : strdup(target);
    const size_t len = strlen(o->target);
    o->temp = malloc(len + 16);
    if (!o->target || !o->temp) {
        free(o->target);
        free(o->temp);
        say(why, why_size, "cannot start the output", ENOMEM);
        return false;
    }
    snprintf(o->temp, len + 16, "%s.tmp-XXXXXX", o->target);
    gq_cleanup_install(true);
    /* Past RLIMIT_FSIZE the kernel kills the process with SIGXFSZ unless
     * it is ignored; ignored, write() fails with EFBIG and the temporary
     * file is removed like on a full disk. */
    signal(SIGXFSZ, SIG_IGN);
    int fd = mkstemp(o->temp);
    if (fd < 0) {
        say(why, why_size, "cannot create a temporary file beside it", errno);
        free(o->target);
        free(o->temp);
        return false;
    }
    o->cleanup_slot = gq_cleanup_register(o->temp);
    /* mkstemp makes it 0600; a report is as readable as any new file */
    mode_t mask = umask(0);
    umask(mask);
    (void)fchmod(fd, 0666 & ~mask);
    o->fp = fdopen(fd, "w");
    if (!o->fp) {
        say(why, why_size, "cannot open the temporary file", errno);
        close(fd);
        gq_output_abort(o);
        return false;
    }
    return true;
}

static void release(gq_output_file *o) {
    gq_cleanup_unregister(o->cleanup_slot);
    free(o->target);
    free(o->temp);
    memset(o, 0, sizeof *o);
    o->cleanup_slot = -1;
}

void gq_output_abort(gq_output_file *o) {
    if (o->fp) fclose(o->fp);
    o->fp = NULL;
    if (o->temp) unlink(o->temp);
    release(o);
}

bool gq_output_commit(gq_output_file *o, char *why, size_t why_size) {
    if (!o->temp) { /* written directly */
        bool ok = o->fp && fclose(o->fp) == 0;
        if (!ok) say(why, why_size, "cannot write", errno);
        release(o);
        return ok;
    }
    int err = 0;
    if (ferror(o->fp) || fflush(o->fp) != 0) err = errno ? errno : EIO;
    if (!err && fsync(fileno(o->fp)) != 0) err = errno;
    if (fclose(o->fp) != 0 && !err) err = errno;
    o->fp = NULL;
    if (!err && gq_interrupted()) err = EINTR;
    if (!err && rename(o->temp, o->target) != 0) err = errno;
    if (err) {
        say(why, why_size, "cannot write", err);
        unlink(o->temp);
    }
    release(o);
    return !err;
}
