/* Number and size formatting shared by the gq programs' text output.
 *
 * Every function writes into a caller buffer (GQ_FMT_BUF bytes is always
 * enough) and returns it, so several can be used in one printf. */
#ifndef GQ_CLI_FMT_H
#define GQ_CLI_FMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GQ_FMT_BUF 64

/* Binary-prefixed size with a fixed number of decimals:
 * 512 -> "512 B", 1536 -> "1.5 KiB" (decimals 1), 4.1 GiB -> "4.10 GiB"
 * (decimals 2).  Bytes below 1 KiB are printed without decimals. */
char *gq_fmt_size(uint64_t bytes, int decimals, char *buf, size_t size);

/* Thousands separators: 1234567 -> "1,234,567". */
char *gq_fmt_thousands(uint64_t v, char *buf, size_t size);

/* Tensor shape in ggml order (ne[0], the row length, first):
 * {256, 2048} -> "256x2048".  n_dims 0 prints "1" (a scalar). */
char *gq_fmt_shape(const uint64_t *ne, uint32_t n_dims, char *buf, size_t size);

/* Bits per weight: 8 * bytes / elements (0 when elements is 0). */
double gq_bpw(uint64_t bytes, uint64_t elements);
/* The same with two decimals: "4.50"; "-" when elements is 0. */
char *gq_fmt_bpw(uint64_t bytes, uint64_t elements, char *buf, size_t size);

/* Short decimal count: 5.1e9 -> "5.10B", 2.3e6 -> "2.30M", 950 -> "950". */
char *gq_fmt_count_short(uint64_t v, char *buf, size_t size);

/* A float32 value as the shortest decimal text that reads back (as a
 * float) to the same value: 0.95f -> "0.95" where %.17g would print
 * 0.949999988079071.  Non-finite values print "nan", "inf", "-inf"; with
 * json set they print "null" (JSON has no such numbers). */
char *gq_fmt_float32(float v, bool json, char *buf, size_t size);

/* Parse an unsigned count with an optional decimal suffix, as written on a
 * command line: "32768", "32k" (= 32,000), "500M", "1.5B" / "1.5G"
 * (= 1.5e9).  K/M/B/G/T are powers of 1000 (parameter counts); "Ki",
 * "Mi", "Gi" are powers of 1024.  False on anything else (empty, sign,
 * garbage after the number, overflow). */
bool gq_parse_count(const char *text, uint64_t *out);

/* Parse a plain unsigned decimal integer, nothing else allowed. */
bool gq_parse_u64(const char *text, uint64_t *out);

#endif
