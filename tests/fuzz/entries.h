/* The code every fuzz target runs on one input, shared by the libFuzzer
 * targets (tests/fuzz/fuzz_*.c) and the cmocka tests that replay the
 * regression files (tests/test_regress_fuzz.c) and the hostile corpora, so
 * a crash found by the fuzzer is replayed through exactly the same calls.
 *
 * Each entry takes arbitrary bytes, drives the library the way a tool
 * would, and checks what the library promises on the way (a consistent
 * view of an opened file, outputs of the right size).  A broken promise
 * prints what was expected and calls abort(): libFuzzer records the input,
 * a cmocka test fails.  They return 0 for inputs the library accepted and
 * 1 for inputs it refused with an error. */
#ifndef GQ_FUZZ_ENTRIES_H
#define GQ_FUZZ_ENTRIES_H

#include <stddef.h>
#include <stdint.h>

#include "gq/gguf.h"

/* gguf_open_memory in strict and lenient mode, then every kv, typed
 * getter, array element (by index and by iterator), tensor lookup, tensor
 * data access and the first row of every dequantizable tensor. */
int gqfuzz_gguf(const uint8_t *data, size_t size);

/* Walk an opened file as above (for the corpus tests, which open files
 * themselves in every mode). */
void gqfuzz_walk_gguf(const gguf_file *f);

/* gq_imatrix_load_memory, then lookups, filtering and the non-finite scan. */
int gqfuzz_imatrix(const uint8_t *data, size_t size);

/* The first byte picks a type id (bits 0-5: every id 0..63, known or not)
 * and whether to use two threads (bit 6); the rest are block bytes,
 * dequantized through the scalar and the SIMD kernels and by rows, from
 * an exact-size copy. */
int gqfuzz_dequant(const uint8_t *data, size_t size);

#endif
