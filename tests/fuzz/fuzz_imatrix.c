/* libFuzzer target: the importance-matrix readers (legacy .dat and GGUF): load, look up,
 * filter, scan for non-finite weights.
 * The work is in entries.c, shared with the regression test. */
#include "entries.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    (void)gqfuzz_imatrix(data, size);
    return 0;
}
