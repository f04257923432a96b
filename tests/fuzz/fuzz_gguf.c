/* libFuzzer target: the GGUF reader: gguf_open_memory (strict and lenient), then every kv,
 * typed getter, array element, tensor accessor and the first row of every
 * dequantizable tensor.
 * The work is in entries.c, shared with the regression test. */
#include "entries.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    (void)gqfuzz_gguf(data, size);
    return 0;
}
