/* Tensor names: the class and layer a tensor belongs to.
 *
 * Error figures are aggregated by "class" (what the tensor does, whatever
 * the layer: attn_q, ffn_down, token_embd ...) and by layer, because that
 * is how quantization mixes are chosen: llama.cpp picks types per class and
 * bumps some layers, so a regression shows up in one of these two views. */
#ifndef GQ_COMPARE_NAMES_H
#define GQ_COMPARE_NAMES_H

#include <stddef.h>
#include <stdint.h>

/* The class of a tensor name: the name without a leading "blk.<N>." and
 * without a trailing ".weight" ("blk.3.attn_q.weight" -> "attn_q",
 * "blk.3.attn_q.bias" -> "attn_q.bias", "token_embd.weight" -> "token_embd").
 * Written into out (always NUL-terminated, truncated to cap-1 bytes).
 * Returns the untruncated length. */
size_t cmp_tensor_class(const char *name, size_t name_len, char *out, size_t cap);

/* The layer number of "blk.<N>.<...>" names, or -1 for tensors outside the
 * blocks (embeddings, output, norms of the whole model). */
int64_t cmp_tensor_layer(const char *name, size_t name_len);

#endif
