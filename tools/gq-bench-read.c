/* gq-bench-read — what it costs to stream files from the page cache: pread()
 * into a reused buffer against memory maps.
 *
 *   gq-bench-read [--chunk KIB] [--window MIB] [--repeat N] FILE...
 *
 * gq-compare reads tensor data with pread() into per-thread buffers instead
 * of through memory maps (src/compare/tensor_read.h says why).  This program
 * measures the choice on the machine at hand: it reads every byte of the
 * files (an XOR over 64-bit words, so nothing is skipped) four ways, on one
 * thread, and prints wall and CPU time per way:
 *   - pread      chunks of --chunk KiB into one reused buffer (what `cat`
 *                and gq-compare do);
 *   - mmap       windows of --window MiB mapped, read and unmapped in turn
 *                (resident size stays bounded; pages are mapped by faults);
 *   - populate   the same with MAP_POPULATE (pages mapped in one call);
 *   - whole      each file mapped whole and read once (no unmapping until
 *                the end: the resident size grows to the files' size).
 * The files should be in the page cache (read them once before); the best
 * of --repeat rounds counts, the ways taking turns within a round. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/args.h"
#include "cli/diag.h"

#ifndef MAP_POPULATE /* Linux's; elsewhere "populate" maps by faults, like "mmap" */
#define MAP_POPULATE 0
#endif

static const gq_option options[] = {
    { "chunk", 0, GQ_OPT_VALUE, "KIB", "pread chunk size in KiB (default 512, gq-compare's largest chunk)" },
    { "window", 0, GQ_OPT_VALUE, "MIB", "memory-map window in MiB (default 64)" },
    { "repeat", 0, GQ_OPT_VALUE, "N", "rounds; the fastest of each way counts (default 5)" },
    { 0 },
};

static const gq_cli_spec spec = {
    "gq-bench-read",
    "[options] FILE...",
    "Time reading files from the page cache with pread() against memory maps.",
    options,
    "Each way reads every byte of every FILE on one thread; wall and CPU (user + system)\n"
    "seconds and GB/s of the fastest round are printed.  Warm the page cache first.\n",
};

typedef enum { WAY_PREAD, WAY_MMAP, WAY_POPULATE, WAY_WHOLE, N_WAYS } way;
static const char *const way_names[N_WAYS] = { "pread", "mmap", "populate", "whole" };

static double wall_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double cpu_seconds(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec * 1e-6 + (double)ru.ru_stime.tv_sec +
           (double)ru.ru_stime.tv_usec * 1e-6;
}

/* Touch every byte: XOR of the 64-bit words (the tail bytes too). */
static uint64_t consume(const uint8_t *p, size_t n) {
    uint64_t acc = 0, w;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        memcpy(&w, p + i, 8);
        acc ^= w;
    }
    for (; i < n; i++) acc ^= p[i];
    return acc;
}

/* One file one way; false (with a message) when it cannot be read. */
static bool read_file(const char *path, way how, size_t chunk, size_t window, uint8_t *buf, uint64_t *acc) {
    int fd = open(path, O_RDONLY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        gq_diag_error(path, "cannot open");
        if (fd >= 0) close(fd);
        return false;
    }
    size_t size = (size_t)st.st_size;
    bool ok = true;
    if (how == WAY_PREAD) {
        for (size_t off = 0; off < size && ok;) {
            ssize_t got = pread(fd, buf, chunk, (off_t)off);
            if (got <= 0) ok = false;
            else {
                *acc ^= consume(buf, (size_t)got);
                off += (size_t)got;
            }
        }
    } else {
        size_t step = how == WAY_WHOLE ? size : window;
        for (size_t off = 0; off < size && ok; off += step) {
            size_t len = size - off < step ? size - off : step;
            int flags = MAP_SHARED | (how == WAY_POPULATE ? MAP_POPULATE : 0);
            uint8_t *m = mmap(NULL, len, PROT_READ, flags, fd, (off_t)off);
            if (m == MAP_FAILED) ok = false;
            else {
                *acc ^= consume(m, len);
                munmap(m, len);
            }
        }
    }
    if (!ok) gq_diag_error(path, "read failed");
    close(fd);
    return ok;
}

int main(int argc, char **argv) {
    gq_diag_set_prog("gq-bench-read");
    gq_args a;
    int rc = gq_args_parse(&a, &spec, argc, argv);
    if (rc != GQ_ARGS_CONTINUE) return rc == GQ_ARGS_DONE ? 0 : 2;
    uint64_t chunk_kib = 512, window_mib = 64, repeat = 5;
    if (!gq_args_get_u64(&a, "chunk", &chunk_kib) || !gq_args_get_u64(&a, "window", &window_mib) ||
        !gq_args_get_u64(&a, "repeat", &repeat) || chunk_kib == 0 || chunk_kib > 65536 || window_mib == 0 ||
        window_mib > 65536 || repeat == 0 || repeat > 100 || a.n_positional == 0) {
        int st = gq_args_usage_error(&spec, "give FILE...; --chunk 1..65536, --window 1..65536, --repeat 1..100");
        gq_args_free(&a);
        return st;
    }
    size_t chunk = (size_t)chunk_kib << 10, window = (size_t)window_mib << 20;
    /* Windows start on page boundaries (mmap offsets must). */
    long page = sysconf(_SC_PAGESIZE);
    if (page > 0 && window % (size_t)page) window += (size_t)page - window % (size_t)page;
    int status = 0;
    uint8_t *buf = malloc(chunk);
    if (!buf) {
        gq_diag_error(NULL, "out of memory");
        status = 4;
        goto done;
    }
    uint64_t bytes = 0;
    for (size_t f = 0; f < a.n_positional; f++) {
        struct stat st;
        if (stat(a.positional[f], &st) != 0) {
            gq_diag_error(a.positional[f], "cannot open");
            status = 3;
            goto done;
        }
        bytes += (uint64_t)st.st_size;
    }
    double best_wall[N_WAYS], best_cpu[N_WAYS];
    uint64_t check[N_WAYS] = { 0 };
    for (int w = 0; w < N_WAYS; w++) best_wall[w] = best_cpu[w] = 1e30;
    for (uint64_t r = 0; r < repeat; r++)
        for (int w = 0; w < N_WAYS; w++) {
            uint64_t acc = 0;
            double t0 = wall_seconds(), c0 = cpu_seconds();
            for (size_t f = 0; f < a.n_positional; f++)
                if (!read_file(a.positional[f], (way)w, chunk, window, buf, &acc)) {
                    status = 3;
                    goto done;
                }
            double t = wall_seconds() - t0, c = cpu_seconds() - c0;
            if (t < best_wall[w]) {
                best_wall[w] = t;
                best_cpu[w] = c;
            }
            check[w] = acc;
        }
    printf("%llu bytes in %zu file(s), one thread, best of %llu rounds (pread chunks %llu KiB, map windows %llu MiB)\n\n",
           (unsigned long long)bytes, a.n_positional, (unsigned long long)repeat, (unsigned long long)chunk_kib,
           (unsigned long long)window_mib);
    printf("%-9s %9s %9s %9s\n", "way", "wall s", "cpu s", "GB/s");
    for (int w = 0; w < N_WAYS; w++)
        printf("%-9s %9.3f %9.3f %9.2f\n", way_names[w], best_wall[w], best_cpu[w], (double)bytes / best_wall[w] / 1e9);
    /* Every way read the same bytes: a way that skipped some is a bug here. */
    for (int w = 1; w < N_WAYS; w++)
        if (check[w] != check[0]) {
            gq_diag_error(NULL, "%s read other bytes than pread", way_names[w]);
            status = 4;
            goto done;
        }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("\npeak resident: %ld KiB (the whole-file way maps everything)\n", ru.ru_maxrss);
done:
    free(buf);
    gq_args_free(&a);
    return status;
}
