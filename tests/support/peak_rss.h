/* The process's resident-memory high-water mark, for tests that assert an
 * operation did not read or hold a large file's data. */
#ifndef GQ_TEST_PEAK_RSS_H
#define GQ_TEST_PEAK_RSS_H

/* ru_maxrss of this process: KiB on Linux (bytes on macOS, where a limit
 * written in KiB is only stricter).  It never decreases, so measure the
 * growth across an operation: after - before. */
long gqt_peak_rss_kb(void);

#endif
