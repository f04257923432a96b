/* The few hyper-parameters the mix rules look at, read from a GGUF header
 * the way llama.cpp's model loader reads them (including --override-kv,
 * which the loader applies before the policy sees the values). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mix_internal.h"

static const gq_kv_override *find_override(const gq_kv_override *ov, size_t n, const char *key) {
    /* the last one given wins, as when llama.cpp fills its override map */
    for (size_t i = n; i-- > 0;)
        if (strcmp(ov[i].key, key) == 0) return &ov[i];
    return NULL;
}

static bool value_to_u64(const gguf_value *v, uint64_t *out) {
    switch (v->type) {
    case GGUF_TYPE_UINT8: case GGUF_TYPE_UINT16: case GGUF_TYPE_UINT32: case GGUF_TYPE_UINT64:
        *out = v->v.u64;
        return true;
    case GGUF_TYPE_INT8: case GGUF_TYPE_INT16: case GGUF_TYPE_INT32: case GGUF_TYPE_INT64:
        if (v->v.i64 < 0) return false;
        *out = (uint64_t)v->v.i64;
        return true;
    default:
        return false;
    }
}

typedef enum { KEY_ABSENT, KEY_FOUND, KEY_BAD } key_result;

/* An unsigned integer key, or element 0 of an integer array (llama.cpp's
 * per-layer arrays; the rules look at layer 0). */
static key_result read_count(const gguf_file *f, const gq_kv_override *ov, size_t n_ov,
                             const char *key, uint32_t *out) {
    const gq_kv_override *o = find_override(ov, n_ov, key);
    if (o) {
        if (o->kind != GQ_KV_OVERRIDE_INT || o->i < 0 || o->i > 0xffffffffLL) return KEY_BAD;
        *out = (uint32_t)o->i;
        return KEY_FOUND;
    }
    int64_t idx = gguf_find_key(f, key);
    if (idx < 0) return KEY_ABSENT;
    const gguf_kv *kv = gguf_get_kv(f, (uint64_t)idx);
    gguf_value v = kv->value;
    if (v.type == GGUF_TYPE_ARRAY) {
        gguf_value first;
        if (v.v.arr.len == 0 || !gguf_array_get(f, &kv->value, 0, &first)) return KEY_BAD;
        v = first;
    }
    uint64_t u;
    if (!value_to_u64(&v, &u) || u > 0xffffffffULL) return KEY_BAD;
    *out = (uint32_t)u;
    return KEY_FOUND;
}

/* Models llama.cpp calls "70B" (LLM_TYPE_70B), which gives attn_v more bits. */
typedef struct size_class_rule {
    const char *arch;
    uint32_t n_layer;
    bool needs_gqa;      /* only when n_head != n_head_kv (llama: else it is the 65B) */
} size_class_rule;

static const size_class_rule seventy_b[] = {
    { "llama", 80, true },
    { "deci", 80, false },
    { "jais2", 68, false },
    { "olmo", 80, false },
    { "qwen2", 80, false },
};

static bool classify_70b(const gq_mix_model *m) {
    for (size_t i = 0; i < sizeof seventy_b / sizeof seventy_b[0]; i++) {
        const size_class_rule *r = &seventy_b[i];
        if (strcmp(m->arch, r->arch) != 0 || m->n_layer != r->n_layer) continue;
        /* llama's 8-expert models are sized as 8x7B / 8x22B instead */
        if (strcmp(r->arch, "llama") == 0 && m->n_expert == 8) return false;
        if (r->needs_gqa && m->n_head == m->n_head_kv) return false;
        return true;
    }
    return false;
}

static int highest_block(const gguf_file *f) {
    int best = -1;
    for (uint64_t i = 0; i < gguf_tensor_count(f); i++) {
        const gguf_tensor *t = gguf_get_tensor(f, i);
        if (t->name.len < 5 || memcmp(t->name.ptr, "blk.", 4) != 0) continue;
        long v = 0;
        uint64_t j = 4;
        bool digits = false;
        while (j < t->name.len && t->name.ptr[j] >= '0' && t->name.ptr[j] <= '9' && v < 1000000) {
            v = v * 10 + (t->name.ptr[j] - '0');
            j++;
            digits = true;
        }
        if (digits && v > best) best = (int)v;
    }
    return best;
}

gq_status gq_mix_model_from_gguf(const gguf_file *f, const gq_kv_override *overrides,
                                 size_t n_overrides, gq_mix_model *out, char *msg,
                                 size_t msg_size) {
    char scratch[8];
    if (!msg) { msg = scratch; msg_size = sizeof scratch; }
    if (msg_size) msg[0] = 0;
    memset(out, 0, sizeof *out);

    gguf_str arch;
    const gq_kv_override *arch_ov = find_override(overrides, n_overrides, "general.architecture");
    if (arch_ov && arch_ov->kind == GQ_KV_OVERRIDE_STR) {
        size_t len = strnlen(arch_ov->s, sizeof out->arch - 1);
        memcpy(out->arch, arch_ov->s, len);
        out->arch[len] = 0;
    } else if (gguf_get_str(f, "general.architecture", &arch)) {
        size_t len = arch.len < sizeof out->arch - 1 ? (size_t)arch.len : sizeof out->arch - 1;
        memcpy(out->arch, arch.ptr, len);
        out->arch[len] = 0;
    }

    char key[192];
    struct { const char *suffix; uint32_t *dst; bool *found; } wanted[4];
    bool found_layers = false, found_head = false, found_head_kv = false, found_expert = false;
    wanted[0].suffix = "block_count"; wanted[0].dst = &out->n_layer; wanted[0].found = &found_layers;
    wanted[1].suffix = "attention.head_count"; wanted[1].dst = &out->n_head; wanted[1].found = &found_head;
    wanted[2].suffix = "attention.head_count_kv"; wanted[2].dst = &out->n_head_kv; wanted[2].found = &found_head_kv;
    wanted[3].suffix = "expert_count"; wanted[3].dst = &out->n_expert; wanted[3].found = &found_expert;
    for (int i = 0; i < 4; i++) {
        snprintf(key, sizeof key, "%s.%s", out->arch, wanted[i].suffix);
        key_result r = read_count(f, overrides, n_overrides, key, wanted[i].dst);
        if (r == KEY_BAD) {
            snprintf(msg, msg_size, "%s is not an unsigned integer (or integer array)", key);
            return GQ_ERR_FORMAT;
        }
        *wanted[i].found = r == KEY_FOUND;
    }
    if (!found_head_kv) out->n_head_kv = out->n_head; /* llama.cpp's default */

    if (!found_layers) {
        int hb = highest_block(f);
        out->n_layer = (uint32_t)(hb + 1);
        snprintf(msg, msg_size, "no %s.block_count in the file: assuming %u layers from the tensor names",
                 out->arch[0] ? out->arch : "<arch>", out->n_layer);
    }
    out->is_70b = classify_70b(out);
    return GQ_OK;
}
