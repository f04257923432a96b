/* SIGBUS from a shrunken memory-mapped input: see sigbus.h. */
#include "cli/sigbus.h"

#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "cli/cleanup.h"
#include "cli/diag.h"

static volatile sig_atomic_t sigbus_exit_code = 1;

static void put(const char *s) {
    size_t n = strlen(s);
    while (n > 0) {
        ssize_t w = write(STDERR_FILENO, s, n);
        if (w <= 0) return;
        s += w;
        n -= (size_t)w;
    }
}

/* Parse the leading hex number of *p, advancing past it. */
static uintptr_t parse_hex(const char **p, const char *end) {
    uintptr_t v = 0;
    for (; *p < end; (*p)++) {
        char c = **p;
        unsigned d;
        if (c >= '0' && c <= '9') d = (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f') d = (unsigned)(c - 'a' + 10);
        else break;
        v = v << 4 | d;
    }
    return v;
}

/* One line of /proc/self/maps: "start-end perms offset dev inode   path".
 * Copies the path into out when the line's range holds addr. */
static bool line_holds(const char *line, const char *end, uintptr_t addr, char *out, size_t out_size) {
    const char *p = line;
    uintptr_t start = parse_hex(&p, end);
    if (p >= end || *p != '-') return false;
    p++;
    uintptr_t stop = parse_hex(&p, end);
    if (addr < start || addr >= stop) return false;
    const char *path = memchr(p, '/', (size_t)(end - p));
    if (!path) return false;
    size_t n = (size_t)(end - path);
    if (n >= out_size) n = out_size - 1;
    memcpy(out, path, n);
    out[n] = 0;
    return true;
}

/* The path of the file mapped at addr, from /proc/self/maps. */
static bool mapped_file_at(uintptr_t addr, char *out, size_t out_size) {
    int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    static char buf[8192];
    size_t have = 0;
    bool found = false;
    for (;;) {
        ssize_t got = read(fd, buf + have, sizeof buf - have);
        if (got <= 0) break;
        have += (size_t)got;
        size_t start = 0;
        for (size_t i = 0; i < have && !found; i++) {
            if (buf[i] != '\n') continue;
            found = line_holds(buf + start, buf + i, addr, out, out_size);
            start = i + 1;
        }
        if (found) break;
        if (start == 0 && have == sizeof buf) start = have; /* an absurdly long line: drop it */
        memmove(buf, buf + start, have - start);
        have -= start;
    }
    close(fd);
    return found;
}

static void on_sigbus(int sig, siginfo_t *info, void *context) {
    (void)sig;
    (void)context;
    static char path[4096];
    const bool known = info && mapped_file_at((uintptr_t)info->si_addr, path, sizeof path);
    put(gq_diag_prog());
    put(": ");
    put(known ? path : "an input file");
    put(": the file changed size while it was being read (SIGBUS); stopping\n");
    gq_cleanup_run();
    _exit(sigbus_exit_code);
}

void gq_sigbus_install(int exit_code) {
    sigbus_exit_code = exit_code;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_sigbus;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    /* no SIGINT/SIGTERM cleanup running at the same time */
    sigaddset(&sa.sa_mask, SIGINT);
    sigaddset(&sa.sa_mask, SIGTERM);
    sigaction(SIGBUS, &sa, NULL);
}
