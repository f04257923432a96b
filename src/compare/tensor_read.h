/* Reading tensor data for the error pass: each side of a comparison as a
 * "source" that hands out chunks of bytes and floats.
 *
 * Bytes are read with pread() on our own descriptor of each file part,
 * into buffers the caller reuses, the way `cat` reads — not through the
 * reader's memory map.  Mapping gigabytes and handing the pages back as we
 * go costs page faults and TLB shootdowns (on a virtual machine each one a
 * trip to the hypervisor) that cost more than all the arithmetic; a copy
 * from the page cache into a buffer that stays in the CPU cache is cheaper
 * and keeps the resident size at a few MiB whatever the model size.  A
 * part whose descriptor cannot be opened (or whose size changed since it
 * was validated) is read through the reader instead. */
#ifndef GQ_COMPARE_TENSOR_READ_H
#define GQ_COMPARE_TENSOR_READ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compare/report.h"
#include "gq/types.h"

/* Descriptors for every part of every input. */
typedef struct cmp_parts cmp_parts;

cmp_parts *cmp_parts_open(const cmp_report *r); /* NULL: out of memory */
void cmp_parts_close(cmp_parts *p);             /* p may be NULL */

/* One side of a comparison for one tensor. */
typedef struct cmp_source {
    bool active;
    const gguf_file *f;
    const gguf_tensor *t;
    const gq_type_info *ti;
    int fd;              /* pread from here when >= 0, else through the reader */
    uint64_t data_pos;   /* file offset of the tensor's first byte */
    unsigned swap_width; /* big-endian scalars: bytes to reverse per element (0: none) */
    size_t page;         /* the system's page size */
} cmp_source;

/* Can tensor t of part f be read as floats?  Fills s and returns CMP_R_OK,
 * or says why not (s->active is then false). */
cmp_result_status cmp_source_prepare(cmp_source *s, const cmp_parts *parts, const gguf_file *f,
                                     const gguf_tensor *t);

/* Bytes of elements [e0, e0+len) (whole blocks) into raw, in native byte
 * order.  false when the data could not be read. */
bool cmp_source_read(const cmp_source *s, uint64_t e0, uint64_t len, uint8_t *raw);

/* Bytes in a run of len elements. */
static inline uint64_t cmp_source_bytes(const cmp_source *s, uint64_t len) {
    return len / s->ti->block_size * s->ti->type_size;
}

/* Elements [e0, e0+len) of a chunk read into raw (e0 counted from the
 * chunk's start, on a block boundary), as floats. */
bool cmp_source_floats(const cmp_source *s, const uint8_t *raw, uint64_t e0, uint64_t len, float *dst);

#endif
