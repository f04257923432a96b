/* Which tensors llama.cpp quantizes at all, and the broad category each
 * tensor name falls into.  Both are decided from the name (and the number
 * of dimensions) only, exactly as llama-quantize does, so the lists below
 * are data: extend them when llama.cpp extends its own. */
#include <string.h>

#include "mix_internal.h"

/* ------------------------------------------------------------ categories */

typedef enum { MATCH_EXACT, MATCH_CONTAINS } match_kind;

typedef struct category_pattern {
    match_kind kind;
    const char *text;
    mix_category category;
} category_pattern;

/* First match wins, in this order: attn_qkv and attn_kv_b must be tested
 * before attn_v/attn_k, and "ffn_up"/"ffn_gate"/"ffn_down" match expert
 * and shared-expert variants (ffn_down_exps, ffn_gate_shexp) on purpose. */
static const category_pattern category_patterns[] = {
    { MATCH_EXACT, "output.weight", CAT_OUTPUT },
    { MATCH_EXACT, "token_embd.weight", CAT_TOKEN_EMBD },
    { MATCH_EXACT, "per_layer_token_embd.weight", CAT_TOKEN_EMBD },
    { MATCH_CONTAINS, "attn_qkv.weight", CAT_ATTN_QKV },
    { MATCH_CONTAINS, "attn_kv_b.weight", CAT_ATTN_KV_B },
    { MATCH_CONTAINS, "attn_v.weight", CAT_ATTN_V },
    { MATCH_CONTAINS, "attn_k.weight", CAT_ATTN_K },
    { MATCH_CONTAINS, "attn_q.weight", CAT_ATTN_Q },
    { MATCH_CONTAINS, "attn_output.weight", CAT_ATTN_OUTPUT },
    { MATCH_CONTAINS, "ffn_up", CAT_FFN_UP },
    { MATCH_CONTAINS, "ffn_gate", CAT_FFN_GATE },
    { MATCH_CONTAINS, "ffn_down", CAT_FFN_DOWN },
};

static bool pattern_matches(match_kind kind, const char *text, const char *name) {
    return kind == MATCH_EXACT ? strcmp(name, text) == 0 : strstr(name, text) != NULL;
}

mix_category mix_category_of(const char *name) {
    for (size_t i = 0; i < sizeof category_patterns / sizeof category_patterns[0]; i++) {
        const category_pattern *p = &category_patterns[i];
        if (pattern_matches(p->kind, p->text, name)) return p->category;
    }
    return CAT_OTHER;
}

bool mix_is_token_embd_name(const char *name) {
    return strcmp(name, "token_embd.weight") == 0 || strcmp(name, "per_layer_token_embd.weight") == 0;
}

bool mix_is_output_name(const char *name) {
    return strcmp(name, "output.weight") == 0;
}

/* ------------------------------------------------------------ exemptions */

typedef struct exemption {
    match_kind kind;
    const char *text;
    const char *why;
} exemption;

/* Weights llama.cpp leaves in their input type whatever the file type. */
static const exemption exemptions[] = {
    { MATCH_CONTAINS, "_norm.weight", "norms are tiny and precision-critical" },
    { MATCH_CONTAINS, "ffn_gate_inp.weight", "expert router: small, decides routing" },
    { MATCH_CONTAINS, "ffn_gate_tid2eid.weight", "integer token-to-expert table" },
    { MATCH_CONTAINS, "altup", "Gemma altup tensors are tiny" },
    { MATCH_CONTAINS, "laurel", "Gemma laurel tensors are tiny" },
    { MATCH_CONTAINS, "per_layer_model_proj", "Gemma per-layer projection is small" },
    { MATCH_EXACT, "position_embd.weight", "positional embeddings stay exact" },
    { MATCH_EXACT, "token_types.weight", "BERT token-type embeddings stay exact" },
    { MATCH_CONTAINS, "ssm_conv1d", "Mamba conv1d weights are small" },
    { MATCH_CONTAINS, "shortconv.conv.weight", "short convolution weights are small" },
    { MATCH_CONTAINS, "indexer.k_proj.weight", "indexer projections are tiny" },
    { MATCH_CONTAINS, "indexer.q_proj.weight", "indexer projections are tiny" },
    { MATCH_CONTAINS, "time_mix_first.weight", "RWKV small 2-D weights" },
    { MATCH_CONTAINS, "time_mix_w0.weight", "RWKV small 2-D weights" },
    { MATCH_CONTAINS, "time_mix_w1.weight", "RWKV small 2-D weights" },
    { MATCH_CONTAINS, "time_mix_w2.weight", "RWKV small 2-D weights" },
    { MATCH_CONTAINS, "time_mix_v0.weight", "RWKV small 2-D weights" },
    { MATCH_CONTAINS, "time_mix_v1.weight", "RWKV small 2-D weights" },
    { MATCH_CONTAINS, "time_mix_v2.weight", "RWKV small 2-D weights" },
    { MATCH_CONTAINS, "time_mix_a0.weight", "RWKV small 2-D weights" },
    { MATCH_CONTAINS, "time_mix_a1.weight", "RWKV small 2-D weights" },
    { MATCH_CONTAINS, "time_mix_a2.weight", "RWKV small 2-D weights" },
    { MATCH_CONTAINS, "time_mix_g1.weight", "RWKV small 2-D weights" },
    { MATCH_CONTAINS, "time_mix_g2.weight", "RWKV small 2-D weights" },
    { MATCH_CONTAINS, "time_mix_decay_w1.weight", "RWKV small 2-D weights" },
    { MATCH_CONTAINS, "time_mix_decay_w2.weight", "RWKV small 2-D weights" },
    { MATCH_CONTAINS, "time_mix_lerp_fused.weight", "RWKV small 2-D weights" },
    { MATCH_CONTAINS, "attn_rel_b.weight", "T5 relative position bias" },
    { MATCH_CONTAINS, ".position_embd", "vision positional embeddings" },
    { MATCH_CONTAINS, "sam.pos_embd", "vision positional embeddings" },
    { MATCH_CONTAINS, "sam.neck.", "vision encoder neck" },
    { MATCH_CONTAINS, "sam.net_", "vision encoder tensors" },
    { MATCH_CONTAINS, ".rel_pos", "vision relative positions" },
    { MATCH_CONTAINS, ".patch_embd", "vision patch embedding" },
    { MATCH_CONTAINS, ".patch_merger", "vision patch merger" },
    { MATCH_CONTAINS, "a.rvq.codebook", "audio codebook" },
    { MATCH_CONTAINS, "mm.a.code_embd", "audio codebook" },
};

/* ggml_n_dims: the number of dimensions up to the last one longer than 1
 * (a {256, 1} tensor is 1-D whatever its header says). */
static uint32_t effective_dims(const gq_mix_tensor *t) {
    for (int i = 3; i >= 1; i--)
        if (t->ne[i] > 1) return (uint32_t)i + 1;
    return 1;
}

/* llama.cpp asks name.rfind("weight") == name.size() - 6.  For a name of
 * exactly 5 characters both sides are npos, so such names count as
 * weights; kept for identical decisions. */
static bool ends_with_weight(const char *name) {
    size_t len = strlen(name);
    if (len == 5) return true;
    return len >= 6 && strcmp(name + len - 6, "weight") == 0;
}

bool gq_mix_tensor_quantizable(const gq_mix_tensor *t, const gq_mix_options *opt,
                               const char **reason) {
    const char *dummy;
    if (!reason) reason = &dummy;
    if (opt->only_copy) { *reason = "COPY: nothing is quantized"; return false; }
    if (effective_dims(t) < 2) { *reason = "1-D tensors are never quantized"; return false; }
    if (!ends_with_weight(t->name)) { *reason = "not a weight"; return false; }
    if (opt->leave_output && mix_is_output_name(t->name)) {
        *reason = "--leave-output-tensor";
        return false;
    }
    for (size_t i = 0; i < sizeof exemptions / sizeof exemptions[0]; i++) {
        const exemption *e = &exemptions[i];
        if (pattern_matches(e->kind, e->text, t->name)) { *reason = e->why; return false; }
    }
    *reason = NULL;
    return true;
}
