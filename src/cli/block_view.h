/* One block of a tensor, decoded field by field: what gq-inspect
 * --tensor NAME --block K prints, and what docs/formats.md explains.
 *
 * A block is the unit a ggml type stores on its own: 32 values of q8_0 or
 * iq4_nl, 256 of the k-quants and i-quants.  For float types (f32, f16,
 * bf16), which have no blocks, "block K" is values 32K .. 32K+31.  Block K
 * of a tensor starts at byte K * block bytes of its data; blocks never
 * straddle rows, so it lies in row K * block_size / ne0.
 *
 * For q8_0, q4_K, q6_K, iq2_xxs, iq2_xs, iq2_s, iq3_s, iq4_nl, f16, bf16
 * and f32 the view shows every stored field (scales, minimums, sub-block
 * scales, codes, codebook indices, sign bits) and rebuilds each value with
 * the rule docs/formats.md states, in the same float operations as ggml.
 * It then dequantizes the same bytes with libquant and refuses to print a
 * value the two disagree on: the documented rule is checked on every use.
 * Other block types show their raw bytes and libquant's values.
 *
 * With a reference file (the unquantized model, say) the same elements of
 * the same tensor are read from it and shown beside the reconstruction,
 * with the error w_hat - w. */
#ifndef GQ_CLI_BLOCK_VIEW_H
#define GQ_CLI_BLOCK_VIEW_H

#include <stdbool.h>
#include <stdint.h>

#include "gq/gguf.h"

typedef struct gq_block_view_request {
    const char *path;         /* the file, as the user named it */
    const gguf_file *f;
    const gguf_tensor *t;
    uint64_t block;           /* K */
    const char *ref_path;     /* --ref as named, or NULL */
    const gguf_file *ref;     /* the reference file, or NULL */
    bool json, pretty;
} gq_block_view_request;

/* Elements one "block" covers for --block: the type's block size, or 32
 * for the plain scalar types.  0 when the type is unknown. */
uint32_t gq_block_view_elements(uint32_t type);

/* Print the view to stdout.  Returns an exit status (GQ_EXIT_OK, or
 * GQ_EXIT_FAILURE after an error message naming the file). */
int gq_block_view_show(const gq_block_view_request *req);

#endif
