/* --prune-layers: drop whole transformer blocks while quantizing, and
 * renumber the blocks that stay the way llama-quantize renumbers them.
 *
 * llama-quantize walks the tensors in its loader's order (gq_mix_order)
 * and gives every block number it meets for the first time a new number:
 *   - a pruned block gets none (its tensors are dropped);
 *   - a block below the lowest pruned number keeps its number;
 *   - any other block gets the next free number, counting on from the
 *     last block kept (or from 0 when the first block is pruned).
 * The block number is the first "blk.<digits>." anywhere in the name (a
 * regex search, not a prefix match), and the digits are replaced by the
 * new number in decimal.  <arch>.block_count becomes the count that walk
 * ends on; nothing else in the metadata changes (see docs/cli.md).
 *
 * The tensor data of a kept block is that block's own data.  (llama-quantize
 * of August 2026 reads a renamed tensor's bytes under its new name, i.e.
 * from the original block with the new number: see docs/cli.md.  gq does
 * not reproduce that.) */
#ifndef GQ_MIX_LAYER_PRUNE_H
#define GQ_MIX_LAYER_PRUNE_H

#include <stdbool.h>
#include <stddef.h>

/* Parse "L0,L1,..." into ascending, duplicate-free block numbers.  Each
 * item is a decimal number >= 0 (spaces around it allowed).  False with a
 * message for an empty item, a sign, anything else after the digits, or a
 * number above INT_MAX.  *ids is malloc'd (free it). */
bool layer_prune_parse(const char *text, int **ids, size_t *n_ids, char *msg, size_t msg_size);

typedef struct layer_renumber_entry {
    int from; /* block number in the input */
    int to;   /* in the output, or -1 when pruned */
} layer_renumber_entry;

typedef struct layer_renumber {
    const int *prune; /* ascending, at least one */
    size_t n_prune;
    layer_renumber_entry *seen; /* every block met so far */
    size_t n_seen, cap_seen;
    int next; /* the next free number: the output block count at the end */
} layer_renumber;

void layer_renumber_init(layer_renumber *r, const int *prune, size_t n_prune);
void layer_renumber_free(layer_renumber *r);

typedef enum layer_renumber_result {
    LAYER_KEEP,      /* *out_name: the name to write (malloc'd) */
    LAYER_DROP,      /* the tensor belongs to a pruned block */
    LAYER_NO_MEMORY,
    LAYER_BAD_NUMBER /* the block number does not fit an int */
} layer_renumber_result;

/* Decide one tensor; call in the loader's tensor order. */
layer_renumber_result layer_renumber_name(layer_renumber *r, const char *name, char **out_name);

/* Was block `from` met (as a block of any tensor)? */
bool layer_renumber_saw(const layer_renumber *r, int from);

#endif
