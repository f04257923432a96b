/* Shared helpers of the importance-matrix readers (the src/imatrix sources). */
#ifndef GQ_IMATRIX_INTERNAL_H
#define GQ_IMATRIX_INTERNAL_H

#include <stdarg.h>

#include "gq/imatrix.h"

/* Each format's parser fills a fresh gq_imatrix (entries unsorted, names
 * possibly repeated: a later entry of the same name replaces an earlier
 * one, as llama.cpp's std::map assignment does). */
gq_imatrix *imatrix_parse_gguf(const void *data, size_t size, gq_status *status, char *msg,
                               size_t msg_size);
gq_imatrix *imatrix_parse_legacy(const void *data, size_t size, gq_status *status, char *msg,
                                 size_t msg_size);

/* Append an entry, taking ownership of name and weights.  False on OOM
 * (name and weights are then freed). */
bool imatrix_append(gq_imatrix *m, char *name, float *weights, uint64_t n_values,
                    uint64_t n_experts);
bool imatrix_add_dataset(gq_imatrix *m, const char *name, size_t len);

/* Sort by name and drop earlier duplicates (the last one read wins). */
void imatrix_finish(gq_imatrix *m);

void imatrix_fail(gq_status *status, gq_status value, char *msg, size_t msg_size, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 5, 6)))
#endif
    ;

#endif
