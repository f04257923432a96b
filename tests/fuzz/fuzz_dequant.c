/* libFuzzer target: every dequantizer: byte 0 picks the type id, the rest are blocks;
 * scalar, SIMD and threaded results must agree.
 * The work is in entries.c, shared with the regression test. */
#include "entries.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    (void)gqfuzz_dequant(data, size);
    return 0;
}
