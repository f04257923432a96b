/* The interpreter of the mix table (rules.c) and llama-quantize's options.
 *
 * For each tensor, in llama.cpp's tensor order:
 *   1. tensors llama.cpp never quantizes keep their type (categories.c);
 *   2. --token-embedding-type / --output-tensor-type name a type outright;
 *   3. with a non-quantized base type (F16, BF16, F32 file types) every
 *      quantizable tensor simply gets it;
 *   4. otherwise: the first --tensor-type regex that matches, else (unless
 *      --pure) the rule table; then the shape fallback.
 * The rule table needs running counters (how many attn_v / ffn_down /
 * ffn_gate / ffn_up tensors were seen), which advance exactly when
 * llama.cpp's advance: only for tensors that reach the table. */
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gq/ftype.h"
#include "mix_internal.h"

int gq_mix_default_type(int ftype) {
    /* NVFP4 is a file type llama.cpp can read but llama-quantize cannot
     * write (no default type for it). */
    if (ftype == FT_NVFP4) return -1;
    const gq_ftype_info *fi = gq_ftype_get(ftype);
    return fi ? fi->base_type : -1;
}

/* ------------------------------------------------------------------ order */

/* The block number as llama.cpp reads it: sscanf(name, "blk.%d.", &n),
 * -1 when the name does not start with "blk." followed by a number. */
static int block_number(const char *name) {
    if (strncmp(name, "blk.", 4) != 0) return -1;
    const char *p = name + 4;
    char *end;
    long v = strtol(p, &end, 10);
    if (end == p) return -1;
    if (v > 0x7fffffffL) v = 0x7fffffffL;
    if (v < -0x7fffffffL) v = -0x7fffffffL;
    return (int)v;
}

typedef struct order_key {
    const char *name;
    int block;
    size_t index;
} order_key;

static int compare_order_keys(const void *pa, const void *pb) {
    const order_key *a = pa, *b = pb;
    if (a->block != b->block) return a->block < b->block ? -1 : 1;
    int c = strcmp(a->name, b->name); /* bytewise, like std::string */
    if (c != 0) return c;
    return a->index < b->index ? -1 : a->index > b->index;
}

void gq_mix_order(const char *const *names, size_t n, size_t *order) {
    order_key *keys = n ? malloc(n * sizeof *keys) : NULL;
    if (!keys) {
        for (size_t i = 0; i < n; i++) order[i] = i;
        return;
    }
    for (size_t i = 0; i < n; i++) keys[i] = (order_key){ names[i], block_number(names[i]), i };
    qsort(keys, n, sizeof *keys, compare_order_keys);
    for (size_t i = 0; i < n; i++) order[i] = keys[i].index;
    free(keys);
}

/* ------------------------------------------------------------ conditions */

typedef struct rule_context {
    const gq_mix_model *model;
    const gq_mix_options *opt;
    const gq_mix_tensor *tensor;
    int current;        /* the type chosen so far */
    int base;           /* the file type's base type */
    int pos, n_pos;     /* position within the class (see mix_internal.h) */
    int ffn_down_seen;  /* running ffn_down count, for COND_SEEN_FIRST_EIGHTH */
} rule_context;

static bool use_more_bits(int i, int n) {
    return i < n / 8 || i >= 7 * n / 8 || (i - n / 8) % 3 == 2;
}

static bool is_falcon(const gq_mix_model *m) {
    return strcmp(m->arch, "falcon") == 0;
}

static uint32_t gqa(const gq_mix_model *m) {
    return m->n_head_kv == 0 ? 0 : m->n_head / m->n_head_kv;
}

static bool row_misfit(const rule_context *c, int type) {
    const gq_type_info *ti = gq_type_get((uint32_t)type);
    return !ti || ti->block_size == 0 || c->tensor->ne[0] % ti->block_size != 0;
}

static bool condition_holds(mix_cond cond, const rule_context *c) {
    const gq_mix_model *m = c->model;
    const int i = c->pos, n = c->n_pos;
    const bool first_eighth = i < n / 8;
    switch (cond) {
    case COND_ALWAYS: return true;
    case COND_GQA_4: return gqa(m) >= 4;
    case COND_GQA_4_OR_EXPERTS_4: return gqa(m) >= 4 || m->n_expert >= 4;
    case COND_EXPERTS_8: return m->n_expert == 8;
    case COND_NO_IMATRIX: return !c->opt->has_imatrix;
    case COND_FIRST_EIGHTH: return first_eighth;
    case COND_FIRST_EIGHTH_NO_IMATRIX: return first_eighth && !c->opt->has_imatrix;
    case COND_FIRST_EIGHTH_WITH_IMATRIX: return first_eighth && c->opt->has_imatrix;
    case COND_FIRST_SIXTEENTH: return i < n / 16;
    case COND_MORE_BITS: return use_more_bits(i, n);
    case COND_MIDDLE: return i >= n / 8 && i < 7 * n / 8;
    case COND_FIRST_TWO: return i < 2;
    case COND_FIRST_FOUR: return i < 4;
    case COND_SEEN_FIRST_EIGHTH: return c->ffn_down_seen < (int)m->n_layer / 8;
    case COND_FIRST_EIGHTH_OR_EXPERTS_8_MORE_BITS:
        return first_eighth || (m->n_expert == 8 && use_more_bits(i, n));
    case COND_FALCON: return is_falcon(m);
    case COND_NOT_FALCON: return !is_falcon(m);
    case COND_FALCON_FIRST_SIXTEENTH: return is_falcon(m) && i < n / 16;
    case COND_FALCON_MORE_BITS: return is_falcon(m) && use_more_bits(i, n);
    case COND_NOT_FALCON_FIRST_EIGHTH: return !is_falcon(m) && first_eighth;
    case COND_NOT_FALCON_EXPERTS_8: return !is_falcon(m) && m->n_expert == 8;
    case COND_FALCON_OR_ROW_MISFIT: return is_falcon(m) || row_misfit(c, c->base);
    case COND_CURRENT_NOT_Q8_0: return c->current != GQ_TYPE_Q8_0;
    case COND_EXPERT_DIM: return c->tensor->ne[2] > 1;
    case COND_70B_Q3_K_OR_Q4_K:
        return m->is_70b && (c->current == GQ_TYPE_Q3_K || c->current == GQ_TYPE_Q4_K);
    }
    return false;
}

/* ---------------------------------------------------------------- classes */

static bool is_attn_v_like(mix_category cat) {
    return cat == CAT_ATTN_V || cat == CAT_ATTN_QKV || cat == CAT_ATTN_KV_B;
}

static bool class_matches(mix_class cls, mix_category cat, bool head) {
    switch (cls) {
    case CLASS_OUTPUT_HEAD: return head;
    case CLASS_TOKEN_EMBD: return !head && cat == CAT_TOKEN_EMBD;
    case CLASS_ATTN_V: return is_attn_v_like(cat);
    case CLASS_ATTN_K: return cat == CAT_ATTN_K;
    case CLASS_ATTN_Q: return cat == CAT_ATTN_Q;
    case CLASS_ATTN_OUTPUT: return cat == CAT_ATTN_OUTPUT;
    case CLASS_FFN_DOWN: return cat == CAT_FFN_DOWN;
    case CLASS_FFN_GATE: return cat == CAT_FFN_GATE;
    case CLASS_FFN_UP: return cat == CAT_FFN_UP;
    case CLASS_ALL_BUT_HEAD: return !head;
    }
    return false;
}

/* ------------------------------------------------------------ interpreter */

typedef struct mix_counters {
    int n_attn_v;   /* attn_v-like tensors in the whole file */
    int attn_v;     /* seen so far, per category */
    int ffn_down;
    int ffn_gate;
    int ffn_up;
    bool tied;      /* no output.weight: the token embedding is the head */
} mix_counters;

#define LOWBIT_IQ_SET (FTS(FT_IQ2_XXS) | FTS(FT_IQ2_XS) | FTS(FT_IQ1_S) | FTS(FT_IQ2_S) | FTS(FT_IQ2_M) | FTS(FT_IQ1_M))

static bool ftype_in(int ftype, ftype_set set) {
    return ftype >= 0 && ftype < 64 && (set & FTS(ftype)) != 0;
}

/* llama.cpp's layer_info(): for ffn tensors the layer is the running count,
 * except in models with experts where tensors of one layer are not
 * consecutive and the "blk.N." number is used. */
static gq_status ffn_layer(const gq_mix_model *m, int counter, const char *name, int *layer,
                           char *msg, size_t msg_size) {
    if (m->n_expert <= 1) { *layer = counter; return GQ_OK; }
    int b = block_number(name);
    if (b < 0) {
        snprintf(msg, msg_size, "cannot tell the layer of expert-model tensor '%s'", name);
        return GQ_ERR_FORMAT;
    }
    if ((uint32_t)b >= m->n_layer) {
        snprintf(msg, msg_size, "tensor '%s' is in layer %d but the model has %u", name, b,
                 m->n_layer);
        return GQ_ERR_FORMAT;
    }
    *layer = b;
    return GQ_OK;
}

/* The table's decision for one tensor (llama_tensor_get_type_impl). */
static gq_status apply_table(const gq_mix_model *m, const gq_mix_options *o,
                             const gq_mix_tensor *t, int base, mix_counters *k,
                             int *type, const char **reason, char *msg, size_t msg_size) {
    const mix_category cat = mix_category_of(t->name);
    const bool head = cat == CAT_OUTPUT || (k->tied && cat == CAT_TOKEN_EMBD);
    const bool general = !ftype_in(o->ftype, LOWBIT_IQ_SET | FTS(FT_MXFP4_MOE));

    if (head && o->output_tensor_type >= 0) {
        *type = o->output_tensor_type;
        *reason = "--output-tensor-type (tied token embedding)";
        return GQ_OK;
    }

    rule_context c = { m, o, t, base, base, 0, 0, k->ffn_down };
    if (!head && is_attn_v_like(cat)) {
        c.pos = k->attn_v;
        c.n_pos = k->n_attn_v;
    } else if (!head && (cat == CAT_FFN_DOWN || cat == CAT_FFN_GATE || cat == CAT_FFN_UP)) {
        int counter = cat == CAT_FFN_DOWN ? k->ffn_down : cat == CAT_FFN_GATE ? k->ffn_gate : k->ffn_up;
        c.n_pos = (int)m->n_layer;
        c.pos = counter;
        if (general) {
            gq_status st = ffn_layer(m, counter, t->name, &c.pos, msg, msg_size);
            if (st != GQ_OK) return st;
        }
    }

    *reason = "the file type's base type";
    /* Pass 1: the first matching CHOOSE row.  Pass 2: every ADJUST row. */
    for (int pass = 0; pass < 2; pass++) {
        const mix_stage stage = pass == 0 ? STAGE_CHOOSE : STAGE_ADJUST;
        for (size_t r = 0; r < gq_mix_rule_count; r++) {
            const mix_rule *rule = &gq_mix_rules[r];
            if (rule->stage != stage) continue;
            if (!ftype_in(o->ftype, rule->ftypes) || !class_matches(rule->cls, cat, head)) continue;
            if (!condition_holds(rule->cond, &c)) continue;
            if (rule->result != MIX_KEEP) c.current = rule->result;
            *reason = rule->why;
            if (stage == STAGE_CHOOSE) break;
        }
    }
    *type = c.current;

    /* Counters advance where llama.cpp advances them: not for the head,
     * not in MXFP4_MOE, and ffn_gate/ffn_up not in the low-bit IQ branch. */
    if (!head && o->ftype != FT_MXFP4_MOE) {
        if (is_attn_v_like(cat)) k->attn_v++;
        else if (cat == CAT_FFN_DOWN) k->ffn_down++;
        else if (general && cat == CAT_FFN_GATE) k->ffn_gate++;
        else if (general && cat == CAT_FFN_UP) k->ffn_up++;
    }
    return GQ_OK;
}

/* llama.cpp's tensor_requires_imatrix(). */
static bool requires_imatrix(const char *name, uint32_t type, int ftype) {
    if (mix_is_token_embd_name(name) || mix_is_output_name(name)) return false;
    switch (type) {
    case GQ_TYPE_IQ3_XXS: case GQ_TYPE_IQ2_XXS: case GQ_TYPE_IQ2_XS:
    case GQ_TYPE_IQ2_S: case GQ_TYPE_IQ1_M: case GQ_TYPE_IQ1_S:
        return true;
    case GQ_TYPE_Q2_K:
        /* k-quants work without one, except Q2_K inside a Q2_K_S file */
        return ftype == FT_Q2_K_S;
    default:
        return false;
    }
}

static bool fits(uint64_t ne0, int type) {
    const gq_type_info *ti = gq_type_get((uint32_t)type);
    return ti && ti->block_size && ne0 % ti->block_size == 0;
}

gq_status gq_mix_choose(const gq_mix_model *model, const gq_mix_options *opt,
                        const gq_mix_tensor *tensors, size_t n, gq_mix_choice *out,
                        size_t *n_fallback, char *msg, size_t msg_size) {
    char scratch[8];
    if (!msg) { msg = scratch; msg_size = sizeof scratch; }
    if (msg_size) msg[0] = 0;
    if (n_fallback) *n_fallback = 0;

    const int base = gq_mix_default_type(opt->ftype);
    if (base < 0) {
        snprintf(msg, msg_size, "file type %d cannot be produced by llama-quantize", opt->ftype);
        return GQ_ERR_ARG;
    }
    const gq_type_info *base_info = gq_type_get((uint32_t)base);
    const bool base_quantized = base_info && base_info->quantized;

    regex_t *regs = NULL;
    if (opt->n_type_overrides) {
        regs = calloc(opt->n_type_overrides, sizeof *regs);
        if (!regs) return GQ_ERR_NOMEM;
    }
    size_t n_compiled = 0;
    gq_status st = GQ_OK;
    for (; n_compiled < opt->n_type_overrides; n_compiled++) {
        int rc = regcomp(&regs[n_compiled], opt->type_overrides[n_compiled].pattern, REG_EXTENDED | REG_NOSUB);
        if (rc != 0) {
            char why[128];
            regerror(rc, &regs[n_compiled], why, sizeof why);
            snprintf(msg, msg_size, "--tensor-type: bad regular expression '%s': %s",
                     opt->type_overrides[n_compiled].pattern, why);
            st = GQ_ERR_ARG;
            break;
        }
    }

    mix_counters k = { 0 };
    k.tied = true;
    for (size_t i = 0; i < n; i++) {
        mix_category cat = mix_category_of(tensors[i].name);
        if (is_attn_v_like(cat)) k.n_attn_v++;
        if (cat == CAT_OUTPUT) k.tied = false;
    }

    size_t fallbacks = 0;
    for (size_t i = 0; st == GQ_OK && i < n; i++) {
        const gq_mix_tensor *t = &tensors[i];
        gq_mix_choice *ch = &out[i];
        const mix_category cat = mix_category_of(t->name);
        memset(ch, 0, sizeof *ch);

        const char *why_not;
        ch->quantizable = gq_mix_tensor_quantizable(t, opt, &why_not);
        int type = (int)t->type;
        if (!ch->quantizable) {
            ch->reason = why_not;
        } else if (opt->token_embedding_type >= 0 && cat == CAT_TOKEN_EMBD) {
            type = opt->token_embedding_type;
            ch->reason = "--token-embedding-type";
        } else if (opt->output_tensor_type >= 0 && cat == CAT_OUTPUT) {
            type = opt->output_tensor_type;
            ch->reason = "--output-tensor-type";
        } else if (!base_quantized) {
            type = base;
            ch->reason = "the file type's base type";
        } else {
            type = base;
            bool manual = false;
            for (size_t r = 0; r < n_compiled; r++) {
                if (regexec(&regs[r], t->name, 0, NULL, 0) == 0) {
                    type = (int)opt->type_overrides[r].type;
                    ch->reason = "--tensor-type";
                    manual = true;
                    break;
                }
            }
            if (!manual && opt->pure) ch->reason = "--pure: the file type's base type";
            if (!manual && !opt->pure) {
                st = apply_table(model, opt, t, base, &k, &type, &ch->reason, msg, msg_size);
                if (st != GQ_OK) break;
            }
            ch->wanted_type = (uint32_t)type;
            if (!fits(t->ne[0], type)) {
                int fb = mix_fallback_type((uint32_t)type);
                if (fb < 0) {
                    snprintf(msg, msg_size,
                             "tensor '%s': row length %llu is not a multiple of the %s block "
                             "and %s has no fallback type",
                             t->name, (unsigned long long)t->ne[0], gq_type_name((uint32_t)type),
                             gq_type_name((uint32_t)type));
                    st = GQ_ERR_UNSUPPORTED;
                    break;
                }
                if (!fits(t->ne[0], fb)) fb = GQ_TYPE_F16;
                type = fb;
                ch->fell_back = true;
                fallbacks++;
            }
        }
        ch->type = (uint32_t)type;
        if (!ch->fell_back) ch->wanted_type = ch->type;
        ch->needs_imatrix = ch->quantizable && requires_imatrix(t->name, ch->type, opt->ftype);
    }

    for (size_t r = 0; r < n_compiled; r++) regfree(&regs[r]);
    free(regs);
    if (n_fallback) *n_fallback = fallbacks;
    return st;
}
