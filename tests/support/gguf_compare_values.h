/* Asserting that two GGUF metadata values are the same, element by element
 * for arrays.  Used wherever one file is checked against another made from
 * it (a writer's copy, a byte-order conversion). */
#ifndef GQ_TEST_GGUF_COMPARE_VALUES_H
#define GQ_TEST_GGUF_COMPARE_VALUES_H

#include "gq/gguf.h"

/* Fails the test unless x (a value of file a) and y (of file b) have the
 * same type and the same value: strings byte for byte, floats bit for bit
 * (so NaN payloads and -0 count), arrays with the same element type, the
 * same length and the same elements.  Two files are needed because array
 * elements are read lazily from their own file. */
void gqt_assert_same_gguf_value(const gguf_file *a, const gguf_value *x, const gguf_file *b, const gguf_value *y);

#endif
