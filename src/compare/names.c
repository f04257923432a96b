/* Class and layer of a tensor from its name (see names.h). */
#include "compare/names.h"

#include <string.h>

/* Length of the "blk.<digits>." prefix, or 0 when the name has none. */
static size_t block_prefix_len(const char *name, size_t len, int64_t *layer) {
    static const char prefix[] = "blk.";
    const size_t plen = sizeof prefix - 1;
    if (len <= plen || memcmp(name, prefix, plen) != 0) return 0;
    size_t i = plen;
    int64_t n = 0;
    while (i < len && name[i] >= '0' && name[i] <= '9') {
        /* A layer number beyond any real model is not a layer: treat the
         * name as global rather than overflow. */
        if (n > 100000000) return 0;
        n = n * 10 + (name[i] - '0');
        i++;
    }
    if (i == plen || i >= len || name[i] != '.') return 0;
    if (layer) *layer = n;
    return i + 1;
}

size_t cmp_tensor_class(const char *name, size_t name_len, char *out, size_t cap) {
    size_t start = block_prefix_len(name, name_len, NULL);
    size_t end = name_len;
    static const char suffix[] = ".weight";
    const size_t slen = sizeof suffix - 1;
    if (end - start > slen && memcmp(name + end - slen, suffix, slen) == 0) end -= slen;
    size_t n = end - start;
    if (cap) {
        size_t copy = n < cap - 1 ? n : cap - 1;
        memcpy(out, name + start, copy);
        out[copy] = 0;
    }
    return n;
}

int64_t cmp_tensor_layer(const char *name, size_t name_len) {
    int64_t layer = -1;
    if (!block_prefix_len(name, name_len, &layer)) return -1;
    return layer;
}
