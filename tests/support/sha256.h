/* SHA-256 (FIPS 180-4), for tests that compare files with published
 * checksums (the gemma4-mini SHA256SUMS). */
#ifndef GQ_TEST_SHA256_H
#define GQ_TEST_SHA256_H

#include <stddef.h>
#include <stdint.h>

typedef struct gqt_sha256 {
    uint32_t h[8];
    uint64_t length;      /* bytes hashed so far */
    uint8_t block[64];
    size_t used;          /* bytes waiting in block */
} gqt_sha256;

void gqt_sha256_init(gqt_sha256 *s);
void gqt_sha256_update(gqt_sha256 *s, const void *data, size_t n);
/* 32-byte digest. */
void gqt_sha256_final(gqt_sha256 *s, uint8_t digest[32]);

/* Hex digest (65 bytes with the NUL) of a buffer / of a whole file.
 * gqt_sha256_file returns -1 when the file cannot be read. */
void gqt_sha256_hex(const void *data, size_t n, char hex[65]);
int gqt_sha256_file(const char *path, char hex[65]);

#endif
