/* The file-type policy (src/mix) against llama.cpp's own decisions.
 *
 * The reference: ../shared/fixtures/quantized/gemma4-mini/types-<TYPE>.txt,
 * written from llama-quantize's outputs (tensor order, chosen ggml type,
 * shape, data offset).  No quantization happens here: the policy is
 * checked on names and shapes alone.  The synthetic cases below check the
 * rules the Gemma-shaped model cannot reach (separate output head, 70B,
 * experts, shape fallbacks, options); their expected values are worked out
 * by hand from llama.cpp's llama_tensor_get_type, as noted at each. */
#include "gqtest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gq/gguf.h"
#include "gq/mix.h"
#include "gq/types.h"

#define GEMMA_DIR "fixtures/quantized/gemma4-mini/"

/* ------------------------------------------------------- reference lists */

typedef struct ref_tensor {
    char name[128];
    int type;
    uint32_t n_dims;
    uint64_t ne[4];
    uint64_t offset;
} ref_tensor;

static ref_tensor *read_types_file(const char *rel, size_t *n_out) {
    char *text = gqt_read_file(gqt_shared_path(rel), NULL);
    size_t cap = 256, n = 0;
    ref_tensor *v = calloc(cap, sizeof *v);
    assert_non_null(v);
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        char name[128], type[32], shape[64];
        unsigned long long off;
        if (sscanf(line, "%127s %31s %63s %llu", name, type, shape, &off) != 4)
            fail_msg("%s: unparsable line '%s'", rel, line);
        if (n == cap) {
            cap *= 2;
            v = realloc(v, cap * sizeof *v);
            assert_non_null(v);
        }
        ref_tensor *r = &v[n++];
        memset(r, 0, sizeof *r);
        snprintf(r->name, sizeof r->name, "%s", name);
        r->type = gq_type_from_name(type);
        if (r->type < 0) fail_msg("%s: unknown type %s", rel, type);
        r->offset = off;
        for (int d = 0; d < 4; d++) r->ne[d] = 1;
        char *p = shape;
        while (*p && r->n_dims < 4) {
            r->ne[r->n_dims++] = strtoull(p, &p, 10);
            if (*p == 'x') p++;
        }
    }
    free(text);
    *n_out = n;
    return v;
}

static void load_gemma_model(gq_mix_model *m) {
    gguf_error err;
    gguf_file *f = gguf_open(gqt_shared_path(GEMMA_DIR "gemma4-mini-BF16.gguf"), GGUF_OPEN_HEADER_ONLY, &err);
    if (!f) fail_msg("cannot open gemma4-mini-BF16.gguf: %s", err.message);
    char msg[256];
    assert_int_equal(gq_mix_model_from_gguf(f, NULL, 0, m, msg, sizeof msg), GQ_OK);
    gguf_close(f);
}

static uint64_t pad32(uint64_t v) { return (v + 31) / 32 * 32; }

/* Decide the mix for the BF16 input and compare with one reference file. */
static void check_reference(const char *label, int ftype, bool imatrix) {
    gq_mix_model model;
    load_gemma_model(&model);

    size_t n_in, n_ref;
    ref_tensor *in = read_types_file(GEMMA_DIR "types-BF16.txt", &n_in);
    char rel[128];
    snprintf(rel, sizeof rel, GEMMA_DIR "types-%s.txt", label);
    ref_tensor *ref = read_types_file(rel, &n_ref);
    assert_int_equal(n_in, n_ref);

    const char **names = calloc(n_in, sizeof *names);
    size_t *order = calloc(n_in, sizeof *order);
    gq_mix_tensor *tensors = calloc(n_in, sizeof *tensors);
    gq_mix_choice *choices = calloc(n_in, sizeof *choices);
    assert_true(names && order && tensors && choices);
    for (size_t i = 0; i < n_in; i++) names[i] = in[i].name;
    gq_mix_order(names, n_in, order);
    for (size_t i = 0; i < n_in; i++) {
        const ref_tensor *t = &in[order[i]];
        tensors[i] = (gq_mix_tensor){ t->name, t->n_dims, { t->ne[0], t->ne[1], t->ne[2], t->ne[3] },
                                      (uint32_t)t->type };
    }
    gq_mix_options opt = { .ftype = ftype, .output_tensor_type = -1, .token_embedding_type = -1,
                           .has_imatrix = imatrix };
    size_t n_fallback = 99;
    char msg[256];
    assert_int_equal(gq_mix_choose(&model, &opt, tensors, n_in, choices, &n_fallback, msg, sizeof msg), GQ_OK);
    assert_int_equal(n_fallback, 0); /* every gemma4-mini row is a multiple of 256 */

    uint64_t offset = 0;
    for (size_t i = 0; i < n_in; i++) {
        if (strcmp(tensors[i].name, ref[i].name) != 0)
            fail_msg("%s: tensor %zu is %s in llama.cpp's order, we put %s", label, i, ref[i].name,
                     tensors[i].name);
        if ((int)choices[i].type != ref[i].type)
            fail_msg("%s: %s: llama.cpp chose %s, the table chose %s (%s)", label, ref[i].name,
                     gq_type_name((uint32_t)ref[i].type), gq_type_name(choices[i].type),
                     choices[i].reason ? choices[i].reason : "?");
        /* the data layout follows from the types: a check on sizes too */
        assert_int_equal(offset, ref[i].offset);
        uint64_t row;
        assert_true(gq_type_row_bytes(choices[i].type, tensors[i].ne[0], &row));
        offset += pad32(row * tensors[i].ne[1] * tensors[i].ne[2] * tensors[i].ne[3]);
    }
    free(names); free(order); free(tensors); free(choices); free(in); free(ref);
}

static void test_q8_0(void **s) { (void)s; check_reference("Q8_0", 7, false); }
static void test_q6_k(void **s) { (void)s; check_reference("Q6_K", 18, false); }
static void test_q4_k_m(void **s) { (void)s; check_reference("Q4_K_M", 15, false); }
static void test_q4_k_m_imat(void **s) { (void)s; check_reference("Q4_K_M-imat", 15, true); }
static void test_q4_k_s(void **s) { (void)s; check_reference("Q4_K_S", 14, true); }
static void test_iq2_m(void **s) { (void)s; check_reference("IQ2_M", 29, true); }
static void test_iq2_s(void **s) { (void)s; check_reference("IQ2_S", 28, true); }
static void test_iq2_xs(void **s) { (void)s; check_reference("IQ2_XS", 20, true); }
static void test_iq2_xxs(void **s) { (void)s; check_reference("IQ2_XXS", 19, true); }

/* llama-quantize refuses the IQ2 file types without an importance matrix
 * (README); the policy must flag tensors for them, and none for Q4_K_M. */
static size_t count_needing_imatrix(int ftype) {
    gq_mix_model model;
    load_gemma_model(&model);
    size_t n;
    ref_tensor *in = read_types_file(GEMMA_DIR "types-BF16.txt", &n);
    const char **names = calloc(n, sizeof *names);
    size_t *order = calloc(n, sizeof *order);
    gq_mix_tensor *t = calloc(n, sizeof *t);
    gq_mix_choice *c = calloc(n, sizeof *c);
    assert_true(names && order && t && c);
    for (size_t i = 0; i < n; i++) names[i] = in[i].name;
    gq_mix_order(names, n, order);
    for (size_t i = 0; i < n; i++) {
        const ref_tensor *r = &in[order[i]];
        t[i] = (gq_mix_tensor){ r->name, r->n_dims, { r->ne[0], r->ne[1], r->ne[2], r->ne[3] }, (uint32_t)r->type };
    }
    gq_mix_options opt = { .ftype = ftype, .output_tensor_type = -1, .token_embedding_type = -1 };
    assert_int_equal(gq_mix_choose(&model, &opt, t, n, c, NULL, NULL, 0), GQ_OK);
    size_t needing = 0;
    for (size_t i = 0; i < n; i++) {
        if (!c[i].needs_imatrix) continue;
        needing++;
        /* never the token embeddings: llama.cpp has no imatrix entry for them */
        assert_null(strstr(t[i].name, "token_embd"));
    }
    free(names); free(order); free(t); free(c); free(in);
    return needing;
}

static void test_iq2_needs_imatrix(void **s) {
    (void)s;
    assert_true(count_needing_imatrix(19) > 0);
    assert_true(count_needing_imatrix(20) > 0);
    assert_true(count_needing_imatrix(28) > 0);
    assert_true(count_needing_imatrix(29) > 0);
    assert_int_equal(count_needing_imatrix(15), 0);
    assert_int_equal(count_needing_imatrix(7), 0);
}

/* ------------------------------------------------------ synthetic models */

typedef struct synth {
    char names[1024][80];
    gq_mix_tensor t[1024];
    gq_mix_choice c[1024];
    size_t n;
} synth;

static void add(synth *s, const char *name, uint64_t ne0, uint64_t ne1, uint64_t ne2) {
    assert_true(s->n < 1024);
    snprintf(s->names[s->n], sizeof s->names[0], "%s", name);
    s->t[s->n] = (gq_mix_tensor){ s->names[s->n], ne2 > 1 ? 3u : ne1 > 1 ? 2u : 1u, { ne0, ne1, ne2, 1 },
                                  GQ_TYPE_F16 };
    s->n++;
}

/* A llama-like model in llama.cpp's order (the layer tensors' names sort
 * the same way within a block as added here). */
static void build_llama(synth *s, int n_layer, bool with_output, uint64_t width) {
    s->n = 0;
    if (with_output) add(s, "output.weight", width, 1000, 1);
    add(s, "output_norm.weight", width, 1, 1);
    add(s, "token_embd.weight", width, 1000, 1);
    for (int i = 0; i < n_layer; i++) {
        static const char *parts[] = { "attn_k", "attn_norm", "attn_output", "attn_q", "attn_v",
                                       "ffn_down", "ffn_gate", "ffn_norm", "ffn_up" };
        for (size_t p = 0; p < sizeof parts / sizeof parts[0]; p++) {
            char name[64];
            snprintf(name, sizeof name, "blk.%d.%s.weight", i, parts[p]);
            bool norm = strstr(parts[p], "norm") != NULL;
            add(s, name, width, norm ? 1 : width, 1);
        }
    }
}

static gq_mix_model llama_model(uint32_t n_layer, uint32_t n_head, uint32_t n_head_kv) {
    gq_mix_model m;
    memset(&m, 0, sizeof m);
    snprintf(m.arch, sizeof m.arch, "llama");
    m.n_layer = n_layer;
    m.n_head = n_head;
    m.n_head_kv = n_head_kv;
    return m;
}

static gq_mix_options options(int ftype) {
    gq_mix_options o = { .ftype = ftype, .output_tensor_type = -1, .token_embedding_type = -1 };
    return o;
}

static const gq_mix_choice *find(synth *s, const char *name) {
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->t[i].name, name) == 0) return &s->c[i];
    fail_msg("no tensor %s", name);
    return NULL;
}

static void choose_ok(synth *s, const gq_mix_model *m, const gq_mix_options *o, size_t *fallbacks) {
    char msg[256];
    gq_status st = gq_mix_choose(m, o, s->t, s->n, s->c, fallbacks, msg, sizeof msg);
    if (st != GQ_OK) fail_msg("gq_mix_choose: %s", msg);
}

static void expect_type(synth *s, const char *name, int type) {
    const gq_mix_choice *c = find(s, name);
    if ((int)c->type != type)
        fail_msg("%s: expected %s, got %s (%s)", name, gq_type_name((uint32_t)type), gq_type_name(c->type),
                 c->reason ? c->reason : "?");
}

/* use_more_bits(i, 32): i < 4, i >= 28, or (i - 4) % 3 == 2. */
static void test_q4_k_m_use_more_bits_32_layers(void **state) {
    (void)state;
    static synth s;
    build_llama(&s, 32, true, 256);
    gq_mix_model m = llama_model(32, 32, 32);
    gq_mix_options o = options(15);
    choose_ok(&s, &m, &o, NULL);
    const int more[] = { 0, 1, 2, 3, 6, 9, 12, 15, 18, 21, 24, 27, 28, 29, 30, 31 };
    for (int i = 0; i < 32; i++) {
        bool is_more = false;
        for (size_t k = 0; k < sizeof more / sizeof more[0]; k++) is_more |= more[k] == i;
        char name[64];
        snprintf(name, sizeof name, "blk.%d.ffn_down.weight", i);
        expect_type(&s, name, is_more ? GQ_TYPE_Q6_K : GQ_TYPE_Q4_K);
        snprintf(name, sizeof name, "blk.%d.attn_v.weight", i);
        expect_type(&s, name, is_more ? GQ_TYPE_Q6_K : GQ_TYPE_Q4_K);
        snprintf(name, sizeof name, "blk.%d.attn_q.weight", i);
        expect_type(&s, name, GQ_TYPE_Q4_K);
    }
    /* a separate output head: q6_K; the untied token embedding keeps q4_K */
    expect_type(&s, "output.weight", GQ_TYPE_Q6_K);
    expect_type(&s, "token_embd.weight", GQ_TYPE_Q4_K);
    expect_type(&s, "output_norm.weight", GQ_TYPE_F16); /* 1-D: keeps its input type */
}

/* Q3_K_M: first two attn_v q5_K, others q4_K; ffn_down: first 32/16 = 2
 * layers q5_K, the rest q4_K (not falcon); attn_output q4_K. */
static void test_q3_k_m(void **state) {
    (void)state;
    static synth s;
    build_llama(&s, 32, true, 256);
    gq_mix_model m = llama_model(32, 32, 32);
    gq_mix_options o = options(12);
    choose_ok(&s, &m, &o, NULL);
    expect_type(&s, "blk.0.attn_v.weight", GQ_TYPE_Q5_K);
    expect_type(&s, "blk.1.attn_v.weight", GQ_TYPE_Q5_K);
    expect_type(&s, "blk.2.attn_v.weight", GQ_TYPE_Q4_K);
    expect_type(&s, "blk.1.ffn_down.weight", GQ_TYPE_Q5_K);
    expect_type(&s, "blk.2.ffn_down.weight", GQ_TYPE_Q4_K);
    expect_type(&s, "blk.5.attn_output.weight", GQ_TYPE_Q4_K);
    expect_type(&s, "blk.5.attn_q.weight", GQ_TYPE_Q3_K);
}

/* A llama with 80 layers and GQA is llama.cpp's "70B": Q3_K_S attn_v goes
 * q3_K -> q5_K; the same model without GQA (the 65B) keeps q3_K. */
static void test_70b_attn_v(void **state) {
    (void)state;
    static synth s;
    build_llama(&s, 80, true, 256);
    gq_mix_model m70 = llama_model(80, 64, 8);
    m70.is_70b = true;
    gq_mix_options o = options(11);
    choose_ok(&s, &m70, &o, NULL);
    expect_type(&s, "blk.40.attn_v.weight", GQ_TYPE_Q5_K);
    expect_type(&s, "blk.40.attn_k.weight", GQ_TYPE_Q3_K);
    gq_mix_model m65 = llama_model(80, 64, 64);
    choose_ok(&s, &m65, &o, NULL);
    expect_type(&s, "blk.40.attn_v.weight", GQ_TYPE_Q3_K);
}

/* 8 experts: attn_v and attn_k q8_0 in k-quant mixes, attn_output q5_K. */
static void test_eight_experts(void **state) {
    (void)state;
    static synth s;
    build_llama(&s, 8, true, 256);
    gq_mix_model m = llama_model(8, 32, 8);
    m.n_expert = 8;
    gq_mix_options o = options(15);
    choose_ok(&s, &m, &o, NULL);
    expect_type(&s, "blk.3.attn_v.weight", GQ_TYPE_Q8_0);
    expect_type(&s, "blk.3.attn_k.weight", GQ_TYPE_Q8_0);
    expect_type(&s, "blk.3.attn_output.weight", GQ_TYPE_Q5_K);
}

/* Rows that the block does not divide fall back: q4_K -> q5_0 at 96
 * columns; at 100 columns not even q5_0 fits -> f16.  Q6_K -> q8_0. */
static void test_shape_fallbacks(void **state) {
    (void)state;
    static synth s;
    gq_mix_model m = llama_model(1, 4, 4);
    s.n = 0;
    add(&s, "blk.0.attn_q.weight", 96, 8, 1);
    add(&s, "blk.0.ffn_gate.weight", 100, 8, 1);
    add(&s, "blk.0.ffn_up.weight", 512, 8, 1);
    gq_mix_options o = options(14); /* Q4_K_S */
    size_t fb = 0;
    choose_ok(&s, &m, &o, &fb);
    expect_type(&s, "blk.0.attn_q.weight", GQ_TYPE_Q5_0);
    expect_type(&s, "blk.0.ffn_gate.weight", GQ_TYPE_F16);
    expect_type(&s, "blk.0.ffn_up.weight", GQ_TYPE_Q4_K);
    assert_true(find(&s, "blk.0.attn_q.weight")->fell_back);
    assert_int_equal(find(&s, "blk.0.attn_q.weight")->wanted_type, GQ_TYPE_Q4_K);
    assert_int_equal(fb, 2);

    o = options(18); /* Q6_K */
    choose_ok(&s, &m, &o, &fb);
    expect_type(&s, "blk.0.attn_q.weight", GQ_TYPE_Q8_0);
    o = options(20); /* IQ2_XS -> iq4_nl at 96 columns */
    choose_ok(&s, &m, &o, &fb);
    expect_type(&s, "blk.0.attn_q.weight", GQ_TYPE_IQ4_NL);

    /* Q4_0 has no fallback: llama.cpp refuses a 100-column row */
    o = options(2);
    char msg[256];
    assert_int_equal(gq_mix_choose(&m, &o, s.t, s.n, s.c, &fb, msg, sizeof msg), GQ_ERR_UNSUPPORTED);
    assert_non_null(strstr(msg, "blk.0.ffn_gate.weight"));
}

/* Options: --pure, --tensor-type (wins over the mix and --pure),
 * --output-tensor-type, --token-embedding-type, --leave-output-tensor. */
static void test_options(void **state) {
    (void)state;
    static synth s;
    build_llama(&s, 8, true, 256);
    gq_mix_model m = llama_model(8, 32, 32);

    gq_mix_options o = options(15);
    o.pure = true;
    choose_ok(&s, &m, &o, NULL);
    expect_type(&s, "blk.0.attn_v.weight", GQ_TYPE_Q4_K);
    expect_type(&s, "output.weight", GQ_TYPE_Q4_K);

    gq_mix_type_override ov[] = { { "attn_v", GQ_TYPE_Q8_0 }, { "blk\\.[0-3]\\.ffn_", GQ_TYPE_Q5_K } };
    o.type_overrides = ov;
    o.n_type_overrides = 2;
    choose_ok(&s, &m, &o, NULL);
    expect_type(&s, "blk.5.attn_v.weight", GQ_TYPE_Q8_0);
    expect_type(&s, "blk.2.ffn_up.weight", GQ_TYPE_Q5_K);
    expect_type(&s, "blk.4.ffn_up.weight", GQ_TYPE_Q4_K);

    o = options(15);
    o.output_tensor_type = GQ_TYPE_Q8_0;
    o.token_embedding_type = GQ_TYPE_Q5_K;
    choose_ok(&s, &m, &o, NULL);
    expect_type(&s, "output.weight", GQ_TYPE_Q8_0);
    expect_type(&s, "token_embd.weight", GQ_TYPE_Q5_K);

    o = options(15);
    o.leave_output = true;
    choose_ok(&s, &m, &o, NULL);
    expect_type(&s, "output.weight", GQ_TYPE_F16);
    assert_false(find(&s, "output.weight")->quantizable);

    gq_mix_type_override bad[] = { { "attn_(v", GQ_TYPE_Q8_0 } };
    o.type_overrides = bad;
    o.n_type_overrides = 1;
    char msg[256];
    assert_int_equal(gq_mix_choose(&m, &o, s.t, s.n, s.c, NULL, msg, sizeof msg), GQ_ERR_ARG);
}

/* Without output.weight the token embedding is the output head: Q4_K_M
 * gives it q6_K; with --output-tensor-type it takes that type. */
static void test_tied_embeddings(void **state) {
    (void)state;
    static synth s;
    build_llama(&s, 8, false, 256);
    gq_mix_model m = llama_model(8, 32, 32);
    gq_mix_options o = options(15);
    choose_ok(&s, &m, &o, NULL);
    expect_type(&s, "token_embd.weight", GQ_TYPE_Q6_K);
    o.output_tensor_type = GQ_TYPE_Q8_0;
    choose_ok(&s, &m, &o, NULL);
    expect_type(&s, "token_embd.weight", GQ_TYPE_Q8_0);
    o = options(7); /* Q8_0 keeps q8_0 for the head */
    choose_ok(&s, &m, &o, NULL);
    expect_type(&s, "token_embd.weight", GQ_TYPE_Q8_0);
}

/* Float file types put every quantizable weight in that type, keep the rest. */
static void test_float_file_types(void **state) {
    (void)state;
    static synth s;
    build_llama(&s, 2, true, 256);
    gq_mix_model m = llama_model(2, 4, 4);
    gq_mix_options o = options(0); /* F32 */
    choose_ok(&s, &m, &o, NULL);
    expect_type(&s, "blk.1.attn_v.weight", GQ_TYPE_F32);
    expect_type(&s, "output.weight", GQ_TYPE_F32);
    expect_type(&s, "blk.1.ffn_norm.weight", GQ_TYPE_F16); /* 1-D: untouched */
    o = options(32);
    choose_ok(&s, &m, &o, NULL);
    expect_type(&s, "blk.1.attn_v.weight", GQ_TYPE_BF16);
    o = options(1);
    o.only_copy = true; /* COPY */
    choose_ok(&s, &m, &o, NULL);
    expect_type(&s, "blk.1.attn_v.weight", GQ_TYPE_F16);
    assert_false(find(&s, "blk.1.attn_v.weight")->quantizable);
}

/* MXFP4_MOE: stacked experts mxfp4, other weights q8_0, head q8_0. */
static void test_mxfp4_moe(void **state) {
    (void)state;
    static synth s;
    s.n = 0;
    add(&s, "output.weight", 256, 100, 1);
    add(&s, "blk.0.attn_q.weight", 256, 256, 1);
    add(&s, "blk.0.ffn_down_exps.weight", 256, 256, 4);
    add(&s, "blk.0.ffn_gate_inp.weight", 256, 4, 1);
    gq_mix_model m = llama_model(1, 4, 4);
    m.n_expert = 4;
    gq_mix_options o = options(38);
    choose_ok(&s, &m, &o, NULL);
    expect_type(&s, "output.weight", GQ_TYPE_Q8_0);
    expect_type(&s, "blk.0.attn_q.weight", GQ_TYPE_Q8_0);
    expect_type(&s, "blk.0.ffn_down_exps.weight", GQ_TYPE_MXFP4);
    expect_type(&s, "blk.0.ffn_gate_inp.weight", GQ_TYPE_F16); /* the router is exempt */
}

/* llama.cpp's exemptions and its category matching. */
static void test_exemptions(void **state) {
    (void)state;
    gq_mix_options o = options(15);
    const char *why;
    const struct { const char *name; uint64_t ne1; bool quantizable; } cases[] = {
        { "blk.0.attn_norm.weight", 256, false },
        { "per_layer_model_proj.weight", 256, false },
        { "blk.0.altup_proj.weight", 256, false },
        { "blk.0.laurel_l.weight", 256, false },
        { "blk.0.ffn_gate_inp.weight", 256, false },
        { "position_embd.weight", 256, false },
        { "blk.0.attn_q.bias", 256, false },
        { "blk.0.attn_q.weight", 1, false }, /* effectively 1-D */
        { "blk.0.attn_q.weight", 256, true },
        { "abcde", 256, true }, /* llama.cpp's rfind quirk: 5-character names count as weights */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        gq_mix_tensor t = { cases[i].name, 2, { 256, cases[i].ne1, 1, 1 }, GQ_TYPE_F16 };
        if (gq_mix_tensor_quantizable(&t, &o, &why) != cases[i].quantizable)
            fail_msg("%s: expected quantizable=%d", cases[i].name, cases[i].quantizable);
    }
}

static void test_order(void **state) {
    (void)state;
    const char *names[] = { "blk.10.attn_q.weight", "token_embd.weight", "blk.2.ffn_up.weight",
                            "blk.2.attn_v.weight", "output_norm.weight", "blk.x.weird" };
    size_t order[6];
    gq_mix_order(names, 6, order);
    /* non-block names first (bytewise), then block 2 (bytewise), then 10 */
    const char *expect[] = { "blk.x.weird", "output_norm.weight", "token_embd.weight",
                             "blk.2.attn_v.weight", "blk.2.ffn_up.weight", "blk.10.attn_q.weight" };
    for (int i = 0; i < 6; i++) assert_string_equal(names[order[i]], expect[i]);
}

static void test_kv_override_parse(void **state) {
    (void)state;
    gq_kv_override o;
    char msg[256];
    assert_true(gq_kv_override_parse("a.b=int:-42", &o, msg, sizeof msg));
    assert_string_equal(o.key, "a.b");
    assert_int_equal(o.kind, GQ_KV_OVERRIDE_INT);
    assert_int_equal(o.i, -42);
    assert_true(gq_kv_override_parse("x=float:0.25", &o, msg, sizeof msg));
    assert_true(o.f == 0.25);
    assert_true(gq_kv_override_parse("x=bool:false", &o, msg, sizeof msg));
    assert_false(o.b);
    assert_true(gq_kv_override_parse("x=str:hello world", &o, msg, sizeof msg));
    assert_string_equal(o.s, "hello world");
    assert_false(gq_kv_override_parse("x=bool:yes", &o, msg, sizeof msg));
    assert_false(gq_kv_override_parse("x=blob:1", &o, msg, sizeof msg));
    assert_false(gq_kv_override_parse("noequals", &o, msg, sizeof msg));
    char longkey[200];
    memset(longkey, 'k', 150);
    snprintf(longkey + 150, 50, "=int:1");
    assert_false(gq_kv_override_parse(longkey, &o, msg, sizeof msg));
    char longval[200] = "x=str:";
    memset(longval + 6, 'v', 128);
    longval[134] = 0;
    assert_false(gq_kv_override_parse(longval, &o, msg, sizeof msg));
}

/* The gemma4-mini facts, against the README (8 blocks) and its header. */
static void test_model_facts(void **state) {
    (void)state;
    gq_mix_model m;
    load_gemma_model(&m);
    assert_string_equal(m.arch, "gemma4");
    assert_int_equal(m.n_layer, 8);
    assert_int_equal(m.n_expert, 0);
    assert_false(m.is_70b);
    assert_true(m.n_head_kv > 0 && m.n_head / m.n_head_kv >= 4); /* the IQ2 attn_v files use q4_K */

    gguf_error err;
    gguf_file *f = gguf_open(gqt_shared_path(GEMMA_DIR "gemma4-mini-BF16.gguf"), GGUF_OPEN_HEADER_ONLY, &err);
    assert_non_null(f);
    gq_kv_override ov;
    assert_true(gq_kv_override_parse("gemma4.block_count=int:16", &ov, NULL, 0));
    char msg[256];
    assert_int_equal(gq_mix_model_from_gguf(f, &ov, 1, &m, msg, sizeof msg), GQ_OK);
    assert_int_equal(m.n_layer, 16);
    gguf_close(f);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_q8_0),
        cmocka_unit_test(test_q6_k),
        cmocka_unit_test(test_q4_k_m),
        cmocka_unit_test(test_q4_k_m_imat),
        cmocka_unit_test(test_q4_k_s),
        cmocka_unit_test(test_iq2_m),
        cmocka_unit_test(test_iq2_s),
        cmocka_unit_test(test_iq2_xs),
        cmocka_unit_test(test_iq2_xxs),
        cmocka_unit_test(test_iq2_needs_imatrix),
        cmocka_unit_test(test_q4_k_m_use_more_bits_32_layers),
        cmocka_unit_test(test_q3_k_m),
        cmocka_unit_test(test_70b_attn_v),
        cmocka_unit_test(test_eight_experts),
        cmocka_unit_test(test_shape_fallbacks),
        cmocka_unit_test(test_options),
        cmocka_unit_test(test_tied_embeddings),
        cmocka_unit_test(test_float_file_types),
        cmocka_unit_test(test_mxfp4_moe),
        cmocka_unit_test(test_exemptions),
        cmocka_unit_test(test_order),
        cmocka_unit_test(test_kv_override_parse),
        cmocka_unit_test(test_model_facts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
