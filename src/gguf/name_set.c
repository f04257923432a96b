/* Sets of keys and tensor names, for duplicate checks while parsing and
 * O(1) lookups afterwards.  A hostile file can hold millions of tiny keys,
 * so a pairwise comparison (what ggml does) would be quadratic. */
#include <stdlib.h>

#include "gguf_internal.h"

uint64_t gguf__hash_bytes(const uint8_t *p, uint64_t len) {
    /* FNV-1a, then a final mix so the low bits used as the slot index
     * depend on every byte. */
    uint64_t h = 0xcbf29ce484222325ull;
    for (uint64_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 0x100000001b3ull;
    }
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    return h;
}

void gguf__kv_name(const gguf_file *f, uint64_t index, const uint8_t **p, uint64_t *len) {
    const gguf_kv *kv = &f->kvs[index];
    *p = f->bytes + kv->offset + gguf__count_width(f->version);
    *len = kv->key.len;
}

void gguf__tensor_name(const gguf_file *f, uint64_t index, const uint8_t **p, uint64_t *len) {
    const gguf_tensor *t = &f->tensors[index];
    *p = f->bytes + t->info_offset + gguf__count_width(f->version);
    *len = t->name.len;
}

static bool same_name(const gguf_file *f, gguf_name_of_fn name_of, uint64_t index, const uint8_t *p,
                      uint64_t len) {
    const uint8_t *q;
    uint64_t qlen;
    name_of(f, index, &q, &qlen);
    return qlen == len && memcmp(p, q, (size_t)len) == 0;
}

uint64_t gguf__name_set_find(const gguf_name_set *s, const gguf_file *f, gguf_name_of_fn name_of,
                             const uint8_t *p, uint64_t len) {
    if (s->cap == 0) return UINT64_MAX;
    uint64_t mask = s->cap - 1;
    for (uint64_t i = gguf__hash_bytes(p, len) & mask;; i = (i + 1) & mask) {
        uint64_t slot = s->slots[i];
        if (slot == 0) return UINT64_MAX;
        if (same_name(f, name_of, slot - 1, p, len)) return slot - 1;
    }
}

static void insert_slot(uint64_t *slots, uint64_t cap, uint64_t hash, uint64_t entry) {
    uint64_t mask = cap - 1;
    uint64_t i = hash & mask;
    while (slots[i] != 0) i = (i + 1) & mask;
    slots[i] = entry;
}

bool gguf__name_set_add(gguf_name_set *s, const gguf_file *f, gguf_name_of_fn name_of, uint64_t index) {
    /* Keep the load factor at or below one half. */
    if ((s->used + 1) * 2 > s->cap) {
        uint64_t new_cap = s->cap ? s->cap * 2 : 64;
        if (new_cap > SIZE_MAX / sizeof(uint64_t)) return false;
        uint64_t *slots = calloc((size_t)new_cap, sizeof *slots);
        if (!slots) return false;
        for (uint64_t i = 0; i < s->cap; i++) {
            if (s->slots[i] == 0) continue;
            const uint8_t *p;
            uint64_t len;
            name_of(f, s->slots[i] - 1, &p, &len);
            insert_slot(slots, new_cap, gguf__hash_bytes(p, len), s->slots[i]);
        }
        free(s->slots);
        s->slots = slots;
        s->cap = new_cap;
    }
    const uint8_t *p;
    uint64_t len;
    name_of(f, index, &p, &len);
    insert_slot(s->slots, s->cap, gguf__hash_bytes(p, len), index + 1);
    s->used++;
    return true;
}

void gguf__name_set_free(gguf_name_set *s) {
    free(s->slots);
    s->slots = NULL;
    s->cap = s->used = 0;
}
