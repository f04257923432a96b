/* gq-sample: write deterministic GGUF models laid out like Gemma 4 E2B.
 *
 * The lab, the tests and the benchmarks need a model to work on that anyone
 * can make in seconds without downloading gigabytes.  This program writes
 * one: architecture `gemma4` with the same metadata keys and the same tensor
 * names and relative shapes as a real Gemma 4 E2B conversion —
 *   - per-layer input embeddings (per_layer_token_embd, per_layer_model_proj),
 *   - a tied output (no output.weight: the token embedding is reused),
 *   - sliding-window blocks with one full-attention block in every five,
 *     whose heads are twice as wide,
 *   - the last blocks sharing the KV cache of earlier ones, with MLPs twice
 *     as wide,
 *   - F32 norms, and a rope_freqs vector whose masked entries hold 1e30,
 * scaled from the default few-MB "sample" (shaped exactly like the shared
 * gemma4-mini fixture, every weight row a multiple of 256 long) up to
 * billions of parameters (--params 2B).
 *
 * Weights look like trained weights where quantizers care: heavy-tailed
 * values (Laplace with rare spikes), a spread of per-row scales and a few
 * outlier columns.  Every tensor is drawn from its own generator seeded by
 * --seed and the tensor's name, so the bytes depend only on the options.
 * Data is streamed row batch by row batch: memory use does not grow with
 * the model.
 *
 * --imatrix FILE also writes an importance matrix in llama.cpp's GGUF
 * imatrix format (`<weight>.in_sum2` / `<weight>.counts`, imatrix.* keys,
 * nothing for the token embeddings), accumulated from synthetic
 * activations, so IQ2 types can be quantized from the sample. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/args.h"
#include "cli/cleanup.h"
#include "cli/diag.h"
#include "cli/fmt.h"
#include "cli/progress.h"
#include "gq/ftype.h"
#include "gq/gguf.h"
#include "gq/quant.h"
#include "gq/types.h"

/* ------------------------------------------------------------------ random numbers */

/* splitmix64: turns any seed (and seed ^ name hash) into well-mixed state. */
static uint64_t splitmix64(uint64_t *state) {
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* xoshiro256**: the stream every tensor draws from. */
typedef struct rng {
    uint64_t s[4];
    bool has_spare;
    double spare; /* second normal of a polar-method pair */
} rng;

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static uint64_t rng_next(rng *r) {
    uint64_t result = rotl(r->s[1] * 5, 7) * 9;
    uint64_t t = r->s[1] << 17;
    r->s[2] ^= r->s[0];
    r->s[3] ^= r->s[1];
    r->s[1] ^= r->s[2];
    r->s[0] ^= r->s[3];
    r->s[2] ^= t;
    r->s[3] = rotl(r->s[3], 45);
    return result;
}

/* Uniform in (0, 1): never 0, so log() is always finite. */
static double rng_uniform(rng *r) { return ((double)(rng_next(r) >> 11) + 0.5) * 0x1p-53; }

static double rng_normal(rng *r) {
    if (r->has_spare) {
        r->has_spare = false;
        return r->spare;
    }
    double u, v, s;
    do {
        u = 2.0 * rng_uniform(r) - 1.0;
        v = 2.0 * rng_uniform(r) - 1.0;
        s = u * u + v * v;
    } while (s >= 1.0 || s == 0.0);
    double m = sqrt(-2.0 * log(s) / s);
    r->spare = v * m;
    r->has_spare = true;
    return u * m;
}

/* Laplace with unit variance: the heavier-than-normal tails of trained
 * weights, at the cost of one log per value. */
static double rng_laplace(rng *r) {
    uint64_t bits = rng_next(r);
    double u = ((double)(bits >> 11) + 0.5) * 0x1p-53;
    double x = -log(u) * 0.70710678118654752; /* scale 1/sqrt(2): variance 1 */
    return (bits & 1) ? -x : x;
}

static uint64_t hash_name(const char *s) {
    uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a */
    for (; *s; s++) h = (h ^ (uint8_t)*s) * 0x100000001b3ull;
    return h;
}

/* A generator for one named stream: the same (seed, name) always gives the
 * same numbers, whatever else the file holds. */
static void rng_for(rng *r, uint64_t seed, const char *name) {
    uint64_t st = seed ^ hash_name(name);
    for (int i = 0; i < 4; i++) r->s[i] = splitmix64(&st);
    r->has_spare = false;
}

/* ------------------------------------------------------------------ model shape */

typedef struct model_shape {
    uint64_t n_layer;
    uint64_t n_embd;
    uint64_t n_vocab;
    uint64_t n_ff;           /* MLP width of blocks with their own KV cache */
    uint64_t n_head;
    uint64_t n_head_kv;
    uint64_t head_dim_swa;   /* key/value width per head, sliding blocks */
    uint64_t head_dim_full;  /* ... full-attention blocks (wider) */
    uint64_t n_embd_per_layer;
    uint64_t n_shared_kv;    /* the last n blocks reuse earlier blocks' caches */
    uint64_t sliding_window;
    uint64_t full_every;     /* block i is full attention when i % full_every == full_every-1 */
    uint64_t context_length;
} model_shape;

/* The default "sample": the shapes of the shared gemma4-mini fixture. */
static const model_shape sample_shape = {
    .n_layer = 8, .n_embd = 256, .n_vocab = 512, .n_ff = 256, .n_head = 8, .n_head_kv = 1,
    .head_dim_swa = 32, .head_dim_full = 64, .n_embd_per_layer = 256, .n_shared_kv = 4,
    .sliding_window = 512, .full_every = 5, .context_length = 131072,
};

static bool block_is_sliding(const model_shape *m, uint64_t il) {
    return il % m->full_every != m->full_every - 1;
}
static bool block_shares_kv(const model_shape *m, uint64_t il) {
    return il >= m->n_layer - m->n_shared_kv;
}
static uint64_t block_ffn(const model_shape *m, uint64_t il) {
    return block_shares_kv(m, il) ? 2 * m->n_ff : m->n_ff;
}
static uint64_t block_head_dim(const model_shape *m, uint64_t il) {
    return block_is_sliding(m, il) ? m->head_dim_swa : m->head_dim_full;
}

/* ------------------------------------------------------------------ tensor list */

enum tensor_role {
    ROLE_WEIGHT,     /* 2-D matrix multiplied by activations */
    ROLE_EMBEDDING,  /* 2-D lookup table (no imatrix entry) */
    ROLE_NORM,       /* 1-D RMS-norm gains, around 1 */
    ROLE_ROPE_FREQS, /* 1-D rotary frequency factors */
    ROLE_SCALE,      /* a single per-block output scale */
};

/* Where a weight's input comes from: weights that read the same activations
 * (q/k/v, gate/up) get identical importance sums, as in a real imatrix. */
enum input_site {
    SITE_NONE, SITE_MODEL_IN, SITE_ATTN_IN, SITE_ATTN_OUT, SITE_FFN_IN, SITE_FFN_HIDDEN,
    SITE_PLE_IN, SITE_PLE_HIDDEN,
};

typedef struct tensor_spec {
    char name[96];
    uint32_t n_dims;
    uint64_t ne[2];
    enum tensor_role role;
    enum input_site site;
    int64_t layer; /* -1 outside the blocks */
} tensor_spec;

typedef bool (*tensor_visitor)(const tensor_spec *t, void *ctx);

static bool visit(tensor_visitor fn, void *ctx, int64_t layer, const char *name, enum tensor_role role,
                  enum input_site site, uint64_t ne0, uint64_t ne1) {
    tensor_spec t;
    memset(&t, 0, sizeof t);
    if (layer >= 0) snprintf(t.name, sizeof t.name, "blk.%" PRId64 ".%s.weight", layer, name);
    else snprintf(t.name, sizeof t.name, "%s.weight", name);
    t.n_dims = ne1 ? 2 : 1;
    t.ne[0] = ne0;
    t.ne[1] = ne1 ? ne1 : 1;
    t.role = role;
    t.site = site;
    t.layer = layer;
    return fn(&t, ctx);
}

/* Every tensor, in the file order llama.cpp's Gemma 4 conversion uses. */
static bool for_each_tensor(const model_shape *m, tensor_visitor fn, void *ctx) {
    const uint64_t e = m->n_embd, ple = m->n_embd_per_layer;
#define V(layer, name, role, site, ne0, ne1) \
    if (!visit(fn, ctx, layer, name, role, site, ne0, ne1)) return false
    V(-1, "token_embd", ROLE_EMBEDDING, SITE_NONE, e, m->n_vocab);
    V(-1, "per_layer_token_embd", ROLE_EMBEDDING, SITE_NONE, ple * m->n_layer, m->n_vocab);
    V(-1, "per_layer_model_proj", ROLE_WEIGHT, SITE_MODEL_IN, e, ple * m->n_layer);
    V(-1, "per_layer_proj_norm", ROLE_NORM, SITE_NONE, ple, 0);
    V(-1, "rope_freqs", ROLE_ROPE_FREQS, SITE_NONE, m->head_dim_full / 2, 0);
    for (uint64_t u = 0; u < m->n_layer; u++) {
        const int64_t il = (int64_t)u;
        const uint64_t hd = block_head_dim(m, u), ff = block_ffn(m, u);
        const uint64_t q = hd * m->n_head, kv = hd * m->n_head_kv;
        V(il, "attn_norm", ROLE_NORM, SITE_NONE, e, 0);
        V(il, "attn_q", ROLE_WEIGHT, SITE_ATTN_IN, e, q);
        V(il, "attn_k", ROLE_WEIGHT, SITE_ATTN_IN, e, kv);
        V(il, "attn_v", ROLE_WEIGHT, SITE_ATTN_IN, e, kv);
        V(il, "attn_k_norm", ROLE_NORM, SITE_NONE, hd, 0);
        V(il, "attn_output", ROLE_WEIGHT, SITE_ATTN_OUT, q, e);
        V(il, "attn_q_norm", ROLE_NORM, SITE_NONE, hd, 0);
        V(il, "post_attention_norm", ROLE_NORM, SITE_NONE, e, 0);
        V(il, "ffn_norm", ROLE_NORM, SITE_NONE, e, 0);
        V(il, "ffn_gate", ROLE_WEIGHT, SITE_FFN_IN, e, ff);
        V(il, "ffn_up", ROLE_WEIGHT, SITE_FFN_IN, e, ff);
        V(il, "ffn_down", ROLE_WEIGHT, SITE_FFN_HIDDEN, ff, e);
        V(il, "post_ffw_norm", ROLE_NORM, SITE_NONE, e, 0);
        V(il, "inp_gate", ROLE_WEIGHT, SITE_PLE_IN, e, ple);
        V(il, "proj", ROLE_WEIGHT, SITE_PLE_HIDDEN, ple, e);
        V(il, "post_norm", ROLE_NORM, SITE_NONE, e, 0);
        V(il, "layer_output_scale", ROLE_SCALE, SITE_NONE, 1, 0);
    }
    V(-1, "output_norm", ROLE_NORM, SITE_NONE, e, 0);
#undef V
    return true;
}

static bool count_elements(const tensor_spec *t, void *ctx) {
    *(uint64_t *)ctx += t->ne[0] * t->ne[1];
    return true;
}

static uint64_t parameter_count(const model_shape *m) {
    uint64_t n = 0;
    for_each_tensor(m, count_elements, &n);
    return n;
}

/* ------------------------------------------------------------------ --params */

/* Smallest power of two >= v (v >= 1). */
static uint64_t pow2_ceil(uint64_t v) {
    uint64_t p = 1;
    while (p < v) p <<= 1;
    return p;
}

/* E2B shares the caches of its last 20 of 35 blocks; llama.cpp needs at
 * least two blocks with their own cache (one sliding, one full) to share. */
static uint64_t default_shared_kv(uint64_t layers) {
    uint64_t n = layers * 4 / 7;
    if (n + 2 > layers) n = layers >= 2 ? layers - 2 : 0;
    return n;
}

/* Gemma 4 E2B's proportions (embedding 1536, 35 blocks, MLP 4x, 8 query
 * heads on one KV head of width 256, 512 in full-attention blocks, per-layer
 * inputs 256 wide, 20 of 35 blocks sharing KV) at another embedding width. */
static void shape_for_width(model_shape *m, uint64_t embd, uint64_t layers) {
    m->n_embd = embd;
    m->n_layer = layers;
    m->n_ff = 4 * embd;
    uint64_t hd = pow2_ceil(embd / 8);
    m->head_dim_swa = hd < 32 ? 32 : hd > 256 ? 256 : hd;
    m->head_dim_full = 2 * m->head_dim_swa;
    m->n_shared_kv = default_shared_kv(layers);
}

/* Pick the width (a multiple of 256) and block count whose parameter count
 * is closest to the target: for each width take E2B's blocks-per-width
 * ratio, keep the closest, then solve the block count exactly (the count is
 * linear in the number of blocks). */
static void shape_for_params(model_shape *m, uint64_t target) {
    model_shape best = *m;
    double best_err = INFINITY;
    for (uint64_t embd = 256; embd <= 16384; embd += 256) {
        model_shape c = *m;
        uint64_t layers = (embd + 22) / 44;
        shape_for_width(&c, embd, layers < 5 ? 5 : layers);
        double err = fabs(log((double)parameter_count(&c) / (double)target));
        if (err < best_err) {
            best_err = err;
            best = c;
        }
    }
    /* Refine the block count: params(L) = fixed + per_block * L (roughly:
     * the shared-KV share changes with L, so measure two points). */
    model_shape a = best, b = best;
    shape_for_width(&a, best.n_embd, 7);
    shape_for_width(&b, best.n_embd, 14);
    double per_block = ((double)parameter_count(&b) - (double)parameter_count(&a)) / 7.0;
    double fixed = (double)parameter_count(&a) - 7.0 * per_block;
    double layers = round(((double)target - fixed) / per_block);
    if (layers < 5) layers = 5;
    if (layers > 512) layers = 512;
    shape_for_width(&best, best.n_embd, (uint64_t)layers);
    *m = best;
}

/* ------------------------------------------------------------------ weight values */

/* Fill `out` (n values) for one tensor row batch.  The generator state
 * carries over between batches so a tensor is one stream. */
typedef struct weight_stream {
    rng r;
    const tensor_spec *t;
    float *col_scale; /* per input column: 1, a few outliers much larger */
    double sigma;
} weight_stream;

static bool weight_stream_init(weight_stream *w, const tensor_spec *t, uint64_t seed) {
    rng_for(&w->r, seed, t->name);
    w->t = t;
    w->col_scale = NULL;
    w->sigma = 1.0 / sqrt((double)t->ne[0]);
    if (t->role != ROLE_WEIGHT && t->role != ROLE_EMBEDDING) return true;
    w->col_scale = malloc(t->ne[0] * sizeof *w->col_scale);
    if (!w->col_scale) return false;
    for (uint64_t c = 0; c < t->ne[0]; c++) w->col_scale[c] = 1.0f;
    /* Outlier input channels (about 1 in 128, at least one): trained
     * transformers have a few columns with several times the typical
     * magnitude, which is what makes per-block scales and imatrix matter. */
    uint64_t n_out = t->ne[0] / 128 ? t->ne[0] / 128 : 1;
    for (uint64_t k = 0; k < n_out; k++) {
        uint64_t c = rng_next(&w->r) % t->ne[0];
        w->col_scale[c] = (float)(3.0 + 5.0 * rng_uniform(&w->r));
    }
    return true;
}

static void weight_stream_free(weight_stream *w) { free(w->col_scale); }

/* Values for `rows` rows of ne[0] each. */
static void weight_stream_rows(weight_stream *w, float *out, uint64_t first_row, uint64_t rows) {
    const tensor_spec *t = w->t;
    const uint64_t n = t->ne[0];
    switch (t->role) {
    case ROLE_WEIGHT:
    case ROLE_EMBEDDING:
        for (uint64_t r = 0; r < rows; r++) {
            /* Per-row scale spread (log-normal): rows of real matrices
             * differ in norm by a factor of several. */
            double row_scale = w->sigma * exp(0.35 * rng_normal(&w->r));
            float *o = out + r * n;
            for (uint64_t c = 0; c < n; c++) {
                double v = rng_laplace(&w->r) * row_scale * w->col_scale[c];
                /* Rare isolated spikes on top of the Laplace tails. */
                if ((rng_next(&w->r) >> 54) == 0) v *= 6.0; /* p = 2^-10 */
                o[c] = (float)v;
            }
        }
        break;
    case ROLE_NORM:
        for (uint64_t i = 0; i < rows * n; i++) {
            double v = 1.0 + 0.1 * rng_normal(&w->r);
            out[i] = (float)(v < 0.5 ? 0.5 : v > 1.6 ? 1.6 : v);
        }
        break;
    case ROLE_ROPE_FREQS:
        /* Proportional RoPE: only the first quarter of the frequencies
         * rotate; the rest are divided by 1e30, i.e. switched off. */
        for (uint64_t i = 0; i < n; i++) out[i] = (first_row * n + i) < (n + 3) / 4 ? 1.0f : 1e30f;
        break;
    case ROLE_SCALE:
        for (uint64_t i = 0; i < rows * n; i++) out[i] = (float)(0.3 + 0.5 * rng_uniform(&w->r));
        break;
    }
}

/* ------------------------------------------------------------------ metadata */

/* The tokenizer: Gemma-style special tokens, unused slots, then
 * pseudo-words ("▁" + letters) that are unique by construction. */
typedef struct vocab {
    char **tokens;
    float *scores;
    int32_t *types;
    uint64_t n;
    char **merges;
    uint64_t n_merges;
} vocab;

enum { TOKEN_NORMAL = 1, TOKEN_CONTROL = 3, TOKEN_UNUSED = 5 };

static void vocab_free(vocab *v) {
    if (v->tokens)
        for (uint64_t i = 0; i < v->n; i++) free(v->tokens[i]);
    if (v->merges)
        for (uint64_t i = 0; i < v->n_merges; i++) free(v->merges[i]);
    free(v->tokens);
    free(v->scores);
    free(v->types);
    free(v->merges);
    memset(v, 0, sizeof *v);
}

static bool vocab_build(vocab *v, uint64_t n) {
    static const char *const specials[] = {"<pad>", "<eos>", "<bos>", "<unk>", "<mask>", "<|turn>", "<turn|>"};
    const uint64_t n_special = sizeof specials / sizeof specials[0];
    memset(v, 0, sizeof *v);
    v->n = n;
    v->tokens = calloc(n, sizeof *v->tokens);
    v->scores = calloc(n, sizeof *v->scores);
    v->types = calloc(n, sizeof *v->types);
    v->n_merges = n / 8 < 676 ? n / 8 : 676;
    v->merges = calloc(v->n_merges ? v->n_merges : 1, sizeof *v->merges);
    if (!v->tokens || !v->scores || !v->types || !v->merges) return false;

    /* A shuffled alphabet makes the words look random while base-26
     * numbering keeps them unique.  The shuffle does not follow --seed:
     * samples with different seeds share one tokenizer, like checkpoints
     * of one model, and differ only in their weights. */
    char alphabet[27] = "abcdefghijklmnopqrstuvwxyz";
    rng r;
    rng_for(&r, 0, "tokenizer");
    for (int i = 25; i > 0; i--) {
        int j = (int)(rng_next(&r) % (uint64_t)(i + 1));
        char c = alphabet[i];
        alphabet[i] = alphabet[j];
        alphabet[j] = c;
    }
    const uint64_t n_unused = 64;
    for (uint64_t i = 0; i < n; i++) {
        char buf[64];
        if (i < n_special) {
            snprintf(buf, sizeof buf, "%s", specials[i]);
            v->scores[i] = -1000.0f;
            v->types[i] = TOKEN_CONTROL;
        } else if (i < n_special + n_unused) {
            snprintf(buf, sizeof buf, "<unused%" PRIu64 ">", i);
            v->scores[i] = 0.0f;
            v->types[i] = TOKEN_UNUSED;
        } else {
            uint64_t k = i - n_special - n_unused;
            size_t o = (size_t)snprintf(buf, sizeof buf, "\xe2\x96\x81"); /* U+2581 ▁ */
            do {
                buf[o++] = alphabet[k % 26];
                k /= 26;
            } while (k && o < sizeof buf - 1);
            buf[o] = '\0';
            v->scores[i] = -(float)log1p((double)(i - n_special - n_unused));
            v->types[i] = TOKEN_NORMAL;
        }
        v->tokens[i] = strdup(buf);
        if (!v->tokens[i]) return false;
    }
    for (uint64_t i = 0; i < v->n_merges; i++) {
        char buf[8] = {alphabet[i % 26], ' ', alphabet[i / 26 % 26], '\0'};
        v->merges[i] = strdup(buf);
        if (!v->merges[i]) return false;
    }
    return true;
}

static const char chat_template[] =
    "{{ bos_token }}{% for message in messages %}<|turn>{{ message['role'] }}\n"
    "{{ message['content'] | trim }}<turn|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|turn>model\n{% endif %}";

#define TRY(expr)                            \
    do {                                     \
        gq_status st_ = (expr);              \
        if (st_ != GQ_OK) return st_;        \
    } while (0)

static gq_status write_model_metadata(gguf_writer *w, const model_shape *m, int file_type,
                                      const char *size_label, const vocab *v) {
    const char *arch = "gemma4";
    char key[128];
#define K(suffix) (snprintf(key, sizeof key, "%s.%s", arch, suffix), key)
    TRY(gguf_writer_add_str(w, "general.architecture", arch));
    TRY(gguf_writer_add_str(w, "general.type", "model"));
    TRY(gguf_writer_add_i32(w, "general.sampling.top_k", 64));
    TRY(gguf_writer_add_f32(w, "general.sampling.top_p", 0.95f));
    TRY(gguf_writer_add_str(w, "general.name", "gq sample (Gemma 4 layout)"));
    TRY(gguf_writer_add_str(w, "general.basename", "gq-sample-gemma4"));
    TRY(gguf_writer_add_str(w, "general.size_label", size_label));
    TRY(gguf_writer_add_str(w, "general.license", "mit"));
    const char *tags[] = {"synthetic", "text-generation"};
    TRY(gguf_writer_add_str_array(w, "general.tags", tags, 2));
    TRY(gguf_writer_add_u32(w, K("block_count"), (uint32_t)m->n_layer));
    TRY(gguf_writer_add_u32(w, K("context_length"), (uint32_t)m->context_length));
    TRY(gguf_writer_add_u32(w, K("embedding_length"), (uint32_t)m->n_embd));

    int32_t *ffn = malloc(m->n_layer * sizeof *ffn);
    if (!ffn) return GQ_ERR_NOMEM;
    for (uint64_t il = 0; il < m->n_layer; il++) ffn[il] = (int32_t)block_ffn(m, il);
    gq_status st = gguf_writer_add_array(w, K("feed_forward_length"), GGUF_TYPE_INT32, ffn, m->n_layer);
    free(ffn);
    if (st != GQ_OK) return st;
    TRY(gguf_writer_add_u32(w, K("attention.head_count"), (uint32_t)m->n_head));
    TRY(gguf_writer_add_u32(w, K("attention.head_count_kv"), (uint32_t)m->n_head_kv));
    TRY(gguf_writer_add_f32(w, K("rope.freq_base"), 1000000.0f));
    TRY(gguf_writer_add_f32(w, K("rope.freq_base_swa"), 10000.0f));
    TRY(gguf_writer_add_f32(w, K("attention.layer_norm_rms_epsilon"), 1e-6f));
    TRY(gguf_writer_add_u32(w, K("attention.key_length"), (uint32_t)m->head_dim_full));
    TRY(gguf_writer_add_u32(w, K("attention.value_length"), (uint32_t)m->head_dim_full));
    TRY(gguf_writer_add_u32(w, "general.file_type", (uint32_t)file_type));
    TRY(gguf_writer_add_f32(w, K("final_logit_softcapping"), 30.0f));
    TRY(gguf_writer_add_u32(w, K("attention.sliding_window"), (uint32_t)m->sliding_window));
    TRY(gguf_writer_add_u32(w, K("attention.shared_kv_layers"), (uint32_t)m->n_shared_kv));
    TRY(gguf_writer_add_u32(w, K("embedding_length_per_layer_input"), (uint32_t)m->n_embd_per_layer));
    /* GGUF bools are one byte each, whatever sizeof(bool) is here. */
    uint8_t *sliding = malloc(m->n_layer);
    if (!sliding) return GQ_ERR_NOMEM;
    for (uint64_t il = 0; il < m->n_layer; il++) sliding[il] = block_is_sliding(m, il);
    st = gguf_writer_add_array(w, K("attention.sliding_window_pattern"), GGUF_TYPE_BOOL, sliding, m->n_layer);
    free(sliding);
    if (st != GQ_OK) return st;
    TRY(gguf_writer_add_u32(w, K("attention.key_length_swa"), (uint32_t)m->head_dim_swa));
    TRY(gguf_writer_add_u32(w, K("attention.value_length_swa"), (uint32_t)m->head_dim_swa));
    TRY(gguf_writer_add_u32(w, K("rope.dimension_count"), (uint32_t)m->head_dim_full));
    TRY(gguf_writer_add_u32(w, K("rope.dimension_count_swa"), (uint32_t)m->head_dim_swa));
    TRY(gguf_writer_add_u32(w, "general.quantization_version", 2));
#undef K
    TRY(gguf_writer_add_str(w, "tokenizer.ggml.model", "gemma4"));
    TRY(gguf_writer_add_str_array(w, "tokenizer.ggml.tokens", (const char *const *)v->tokens, v->n));
    TRY(gguf_writer_add_array(w, "tokenizer.ggml.scores", GGUF_TYPE_FLOAT32, v->scores, v->n));
    TRY(gguf_writer_add_array(w, "tokenizer.ggml.token_type", GGUF_TYPE_INT32, v->types, v->n));
    TRY(gguf_writer_add_str_array(w, "tokenizer.ggml.merges", (const char *const *)v->merges, v->n_merges));
    TRY(gguf_writer_add_u32(w, "tokenizer.ggml.bos_token_id", 2));
    TRY(gguf_writer_add_u32(w, "tokenizer.ggml.eos_token_id", 1));
    TRY(gguf_writer_add_u32(w, "tokenizer.ggml.unknown_token_id", 3));
    TRY(gguf_writer_add_u32(w, "tokenizer.ggml.padding_token_id", 0));
    TRY(gguf_writer_add_u32(w, "tokenizer.ggml.mask_token_id", 4));
    TRY(gguf_writer_add_str(w, "tokenizer.chat_template", chat_template));
    TRY(gguf_writer_add_bool(w, "tokenizer.ggml.add_space_prefix", false));
    TRY(gguf_writer_add_bool(w, "tokenizer.ggml.add_bos_token", true));
    return GQ_OK;
}

/* ------------------------------------------------------------------ writing the model */

typedef struct write_job {
    gguf_writer *w;
    const model_shape *shape;
    uint32_t weight_type;
    uint64_t seed;
    gq_progress progress;
    uint64_t index;        /* tensors visited so far */
    uint64_t bytes_done;
    float *values;         /* one batch of rows */
    void *encoded;
    uint64_t batch_values; /* capacity of `values` */
    gguf_error err;
    gq_status status;
} write_job;

static uint32_t storage_type(const write_job *job, const tensor_spec *t) {
    return (t->role == ROLE_WEIGHT || t->role == ROLE_EMBEDDING) ? job->weight_type : GQ_TYPE_F32;
}

static bool add_index_entry(const tensor_spec *t, void *ctx) {
    write_job *job = ctx;
    job->status = gguf_writer_add_tensor(job->w, t->name, t->n_dims, t->ne, storage_type(job, t), NULL);
    if (job->status != GQ_OK)
        snprintf(job->err.message, sizeof job->err.message, "cannot add tensor '%s' to the index", t->name);
    return job->status == GQ_OK;
}

static bool write_tensor_data(const tensor_spec *t, void *ctx) {
    write_job *job = ctx;
    if (gq_interrupted()) {
        job->status = GQ_ERR_INTERRUPTED;
        snprintf(job->err.message, sizeof job->err.message, "interrupted");
        return false;
    }
    const uint32_t type = storage_type(job, t);
    const uint64_t n = t->ne[0];
    uint64_t rows_per_batch = job->batch_values / n;
    if (rows_per_batch == 0) rows_per_batch = 1; /* batch_values >= longest row */
    weight_stream ws;
    if (!weight_stream_init(&ws, t, job->seed)) {
        job->status = GQ_ERR_NOMEM;
        snprintf(job->err.message, sizeof job->err.message, "out of memory");
        return false;
    }
    for (uint64_t row = 0; row < t->ne[1]; row += rows_per_batch) {
        uint64_t rows = t->ne[1] - row < rows_per_batch ? t->ne[1] - row : rows_per_batch;
        weight_stream_rows(&ws, job->values, row, rows);
        const void *data = job->values;
        uint64_t bytes = rows * n * sizeof(float);
        if (type != GQ_TYPE_F32) {
            size_t written = 0;
            job->status = gq_quantize(type, job->values, job->encoded, (int64_t)rows, (int64_t)n, NULL, 1,
                                      &written, NULL);
            if (job->status != GQ_OK) {
                snprintf(job->err.message, sizeof job->err.message, "converting '%s' to %s failed: %s",
                         t->name, gq_type_name(type), gq_status_str(job->status));
                weight_stream_free(&ws);
                return false;
            }
            data = job->encoded;
            bytes = written;
        }
        job->status = gguf_writer_write(job->w, data, bytes, &job->err);
        if (job->status != GQ_OK) {
            weight_stream_free(&ws);
            return false;
        }
        job->bytes_done += bytes;
        gq_progress_update(&job->progress, job->index, t->name, gq_type_name(type), job->bytes_done);
    }
    weight_stream_free(&ws);
    job->index++;
    return true;
}

static bool longest_row(const tensor_spec *t, void *ctx) {
    uint64_t *m = ctx;
    if (t->ne[0] > *m) *m = t->ne[0];
    return true;
}

typedef struct totals {
    uint32_t weight_type;
    uint64_t tensors, bytes;
} totals;

static bool add_size(const tensor_spec *t, void *ctx) {
    totals *s = ctx;
    uint32_t type = (t->role == ROLE_WEIGHT || t->role == ROLE_EMBEDDING) ? s->weight_type : GQ_TYPE_F32;
    uint64_t b = 0;
    gq_type_row_bytes(type, t->ne[0] * t->ne[1], &b);
    s->tensors++;
    s->bytes += b;
    return true;
}

/* Commit or abort a writer, keeping the signal-cleanup table in step. */
static gq_status finish_writer(gguf_writer *w, int slot, bool ok, gguf_error *err) {
    gq_status st;
    if (ok) {
        st = gguf_writer_commit(w, err);
    } else {
        gguf_writer_abort(w);
        st = GQ_ERR_IO;
    }
    gq_cleanup_unregister(slot);
    return st;
}

static int write_model(const char *path, const model_shape *m, uint32_t weight_type, int file_type,
                       const char *size_label, uint64_t seed, bool quiet) {
    vocab v;
    if (!vocab_build(&v, m->n_vocab)) {
        vocab_free(&v);
        gq_diag_error(path, "out of memory building the vocabulary");
        return GQ_EXIT_FAILURE;
    }
    write_job job;
    memset(&job, 0, sizeof job);
    job.shape = m;
    job.weight_type = weight_type;
    job.seed = seed;
    job.w = gguf_writer_open(path, &job.err);
    if (!job.w) {
        vocab_free(&v);
        gq_diag_gguf(path, &job.err);
        return GQ_EXIT_FAILURE;
    }
    int slot = gq_cleanup_register(gguf_writer_temp_path(job.w));

    job.status = write_model_metadata(job.w, m, file_type, size_label, &v);
    vocab_free(&v);
    if (job.status != GQ_OK) {
        finish_writer(job.w, slot, false, NULL);
        gq_diag_error(path, "cannot write metadata: %s", gq_status_str(job.status));
        return GQ_EXIT_FAILURE;
    }
    if (!for_each_tensor(m, add_index_entry, &job)) {
        finish_writer(job.w, slot, false, NULL);
        gq_diag_error(path, "%s: %s", job.err.message, gq_status_str(job.status));
        return GQ_EXIT_FAILURE;
    }

    /* Batches of about 1M values (4 MiB of floats), at least one row. */
    uint64_t row = 0;
    for_each_tensor(m, longest_row, &row);
    job.batch_values = row > (1u << 20) ? row : (1u << 20) / row * row;
    job.values = malloc(job.batch_values * sizeof(float));
    job.encoded = malloc(job.batch_values * sizeof(float));
    totals sizes = {weight_type, 0, 0};
    for_each_tensor(m, add_size, &sizes);
    gq_progress_init(&job.progress, quiet, sizes.tensors, sizes.bytes);
    bool ok = job.values && job.encoded && for_each_tensor(m, write_tensor_data, &job);
    gq_progress_finish(&job.progress);
    free(job.values);
    free(job.encoded);
    if (!ok) {
        finish_writer(job.w, slot, false, NULL);
        if (job.status == GQ_ERR_INTERRUPTED) {
            gq_diag_error(path, "interrupted; removed the partial file");
            return GQ_EXIT_INTERRUPTED;
        }
        if (job.status == GQ_OK) gq_diag_error(path, "out of memory");
        else gq_diag_gguf(path, &job.err);
        return GQ_EXIT_FAILURE;
    }
    gguf_error err;
    memset(&err, 0, sizeof err);
    if (finish_writer(job.w, slot, true, &err) != GQ_OK) {
        gq_diag_gguf(path, &err);
        return GQ_EXIT_FAILURE;
    }
    return GQ_EXIT_OK;
}

/* ------------------------------------------------------------------ importance matrix */

typedef struct imatrix_job {
    gguf_writer *w;
    const model_shape *shape;
    uint64_t seed;
    uint64_t n_tokens;
    /* The last input site simulated: consecutive weights that share it
     * (q/k/v, gate/up) reuse its sums. */
    enum input_site site;
    int64_t site_layer;
    float *sums;
    uint64_t sums_len;
    double *acc;
    bool writing_data; /* false: adding index entries; true: writing data */
    gguf_error err;
    gq_status status;
} imatrix_job;

static const char *site_name(enum input_site s) {
    switch (s) {
    case SITE_MODEL_IN: return "model_in";
    case SITE_ATTN_IN: return "attn_in";
    case SITE_ATTN_OUT: return "attn_out";
    case SITE_FFN_IN: return "ffn_in";
    case SITE_FFN_HIDDEN: return "ffn_hidden";
    case SITE_PLE_IN: return "ple_in";
    case SITE_PLE_HIDDEN: return "ple_hidden";
    default: return "none";
    }
}

/* Sum of squared activations per input channel over n_tokens synthetic
 * tokens.  Channels have log-normally spread scales with a few "massive
 * activation" channels; tokens have their own overall scale; the gated MLP
 * hidden state is sparse (most units near zero for any one token). */
static bool simulate_site(imatrix_job *job, const tensor_spec *t) {
    const uint64_t n = t->ne[0];
    if (job->site == t->site && job->site_layer == t->layer && job->sums_len == n) return true;
    float *sums = realloc(job->sums, n * sizeof *sums);
    double *acc = realloc(job->acc, n * sizeof *acc);
    if (sums) job->sums = sums;
    if (acc) job->acc = acc;
    if (!sums || !acc) return false;
    char name[64];
    snprintf(name, sizeof name, "imatrix.%s.%" PRId64, site_name(t->site), t->layer);
    rng r;
    rng_for(&r, job->seed, name);
    float *scale = (float *)job->sums; /* channel scales first, sums after */
    for (uint64_t c = 0; c < n; c++) scale[c] = (float)exp(0.8 * rng_normal(&r));
    uint64_t n_massive = n / 256 ? n / 256 : 1;
    for (uint64_t k = 0; k < n_massive; k++) scale[rng_next(&r) % n] *= 20.0f;
    for (uint64_t c = 0; c < n; c++) acc[c] = 0.0;
    const bool sparse = t->site == SITE_FFN_HIDDEN || t->site == SITE_PLE_HIDDEN;
    for (uint64_t tok = 0; tok < job->n_tokens; tok++) {
        double token_scale = exp(0.3 * rng_normal(&r));
        for (uint64_t c = 0; c < n; c++) {
            double a = token_scale * scale[c] * rng_normal(&r);
            if (sparse && (rng_next(&r) >> 62) != 0) a *= 0.05; /* 3 of 4 units nearly off */
            acc[c] += a * a;
        }
    }
    for (uint64_t c = 0; c < n; c++) job->sums[c] = (float)acc[c];
    job->site = t->site;
    job->site_layer = t->layer;
    job->sums_len = n;
    return true;
}

static bool imatrix_visit(const tensor_spec *t, void *ctx) {
    imatrix_job *job = ctx;
    if (t->role != ROLE_WEIGHT) return true; /* no entries for embeddings, norms */
    char name[160];
    if (!job->writing_data) {
        const uint64_t ne_sums[2] = {t->ne[0], 1}, ne_counts[2] = {1, 1};
        snprintf(name, sizeof name, "%s.in_sum2", t->name);
        job->status = gguf_writer_add_tensor(job->w, name, 2, ne_sums, GQ_TYPE_F32, NULL);
        if (job->status == GQ_OK) {
            snprintf(name, sizeof name, "%s.counts", t->name);
            job->status = gguf_writer_add_tensor(job->w, name, 2, ne_counts, GQ_TYPE_F32, NULL);
        }
        return job->status == GQ_OK;
    }
    if (!simulate_site(job, t)) {
        job->status = GQ_ERR_NOMEM;
        snprintf(job->err.message, sizeof job->err.message, "out of memory");
        return false;
    }
    job->status = gguf_writer_write(job->w, job->sums, t->ne[0] * sizeof(float), &job->err);
    if (job->status != GQ_OK) return false;
    const float count = (float)job->n_tokens;
    job->status = gguf_writer_write(job->w, &count, sizeof count, &job->err);
    return job->status == GQ_OK;
}

static int write_imatrix(const char *path, const model_shape *m, uint64_t seed, uint32_t chunks,
                         uint32_t chunk_size) {
    imatrix_job job;
    memset(&job, 0, sizeof job);
    job.shape = m;
    job.seed = seed;
    job.n_tokens = (uint64_t)chunks * chunk_size;
    job.site = SITE_NONE;
    job.w = gguf_writer_open(path, &job.err);
    if (!job.w) {
        gq_diag_gguf(path, &job.err);
        return GQ_EXIT_FAILURE;
    }
    int slot = gq_cleanup_register(gguf_writer_temp_path(job.w));
    const char *datasets[] = {"gq-sample synthetic activations"};
    gq_status st = gguf_writer_add_str(job.w, "general.type", "imatrix");
    if (st == GQ_OK) st = gguf_writer_add_str_array(job.w, "imatrix.datasets", datasets, 1);
    if (st == GQ_OK) st = gguf_writer_add_u32(job.w, "imatrix.chunk_count", chunks);
    if (st == GQ_OK) st = gguf_writer_add_u32(job.w, "imatrix.chunk_size", chunk_size);
    bool ok = st == GQ_OK && for_each_tensor(m, imatrix_visit, &job);
    job.writing_data = true;
    ok = ok && !gq_interrupted() && for_each_tensor(m, imatrix_visit, &job);
    free(job.sums);
    free(job.acc);
    if (!ok) {
        finish_writer(job.w, slot, false, NULL);
        if (gq_interrupted()) {
            gq_diag_error(path, "interrupted; removed the partial file");
            return GQ_EXIT_INTERRUPTED;
        }
        if (job.err.message[0]) gq_diag_gguf(path, &job.err);
        else gq_diag_error(path, "cannot write the importance matrix: %s",
                           gq_status_str(st != GQ_OK ? st : job.status));
        return GQ_EXIT_FAILURE;
    }
    gguf_error err;
    memset(&err, 0, sizeof err);
    if (finish_writer(job.w, slot, true, &err) != GQ_OK) {
        gq_diag_gguf(path, &err);
        return GQ_EXIT_FAILURE;
    }
    return GQ_EXIT_OK;
}

/* ------------------------------------------------------------------ command line */

static const gq_option options[] = {
    {"output", 'o', GQ_OPT_VALUE, "FILE", "the model file to write (required)"},
    {"type", 't', GQ_OPT_VALUE, "TYPE", "weight type: f32, f16 or bf16 (default bf16)"},
    {"seed", 0, GQ_OPT_VALUE, "N", "random seed (default 1); same options + seed = same bytes"},
    {"params", 0, GQ_OPT_VALUE, "COUNT", "scale to about COUNT parameters (500M, 1B, 2B ...)"},
    {"layers", 0, GQ_OPT_VALUE, "N", "number of blocks (default 8)"},
    {"embd", 0, GQ_OPT_VALUE, "N", "embedding width (default 256)"},
    {"vocab", 0, GQ_OPT_VALUE, "N", "vocabulary size (default 512; up to 32768 with --params)"},
    {"ffn", 0, GQ_OPT_VALUE, "N", "MLP width; KV-sharing blocks get twice this (default 256)"},
    {"heads", 0, GQ_OPT_VALUE, "N", "query heads (default 8)"},
    {"heads-kv", 0, GQ_OPT_VALUE, "N", "key/value heads (default 1)"},
    {"head-dim", 0, GQ_OPT_VALUE, "N", "head width of sliding blocks; full-attention blocks get 2x (default 32)"},
    {"per-layer", 0, GQ_OPT_VALUE, "N", "per-layer input embedding width (default 256)"},
    {"shared-kv", 0, GQ_OPT_VALUE, "N", "trailing blocks that share KV caches (default 4/7 of the blocks)"},
    {"window", 0, GQ_OPT_VALUE, "N", "sliding window (default 512)"},
    {"imatrix", 0, GQ_OPT_VALUE, "FILE", "also write an importance matrix (llama.cpp GGUF format)"},
    {"imatrix-chunks", 0, GQ_OPT_VALUE, "N", "synthetic chunks of 512 tokens behind it (default 2)"},
    {"dry-run", 0, GQ_OPT_FLAG, NULL, "print the shape and parameter count; write nothing"},
    {"quiet", 'q', GQ_OPT_FLAG, NULL, "no progress line and no summary"},
    {0},
};

static const gq_cli_spec spec = {
    "gq-sample", "-o FILE [options]",
    "Write a deterministic GGUF model laid out like Gemma 4 E2B (and optionally its importance matrix).",
    options,
    "The default is the few-MB \"sample\": every weight row a multiple of 256 long.\n"
    "Examples:\n"
    "  gq-sample -o out/sample.gguf --imatrix out/sample.imatrix.gguf\n"
    "  gq-sample -o big.gguf --params 2B --type f16 --seed 7\n",
};

typedef struct size_option {
    const char *name;
    uint64_t *field;
    uint64_t min, max;
} size_option;

int main(int argc, char **argv) {
    gq_diag_set_prog("gq-sample");
    gq_args a;
    int rc = gq_args_parse(&a, &spec, argc, argv);
    if (rc != GQ_ARGS_CONTINUE) return rc == GQ_ARGS_DONE ? GQ_EXIT_OK : GQ_EXIT_USAGE;
    rc = GQ_EXIT_USAGE;

    model_shape m = sample_shape;
    const char *out = gq_args_get(&a, "output");
    const char *imatrix_path = gq_args_get(&a, "imatrix");
    const char *type_name = gq_args_get(&a, "type") ? gq_args_get(&a, "type") : "bf16";
    uint64_t seed = 1, params = 0, chunks = 2;
    bool shared_given = gq_args_has(&a, "shared-kv");
    if (a.n_positional) {
        gq_args_usage_error(&spec, "unexpected argument '%s' (the output is given with -o)", a.positional[0]);
        goto done;
    }
    if (!out && !gq_args_has(&a, "dry-run")) {
        gq_args_usage_error(&spec, "no output file: use -o FILE");
        goto done;
    }
    int type = gq_type_from_name(type_name);
    if (type != GQ_TYPE_F32 && type != GQ_TYPE_F16 && type != GQ_TYPE_BF16) {
        gq_args_usage_error(&spec, "--type: '%s' is not one of f32, f16, bf16", type_name);
        goto done;
    }
    if (!gq_args_get_u64(&a, "seed", &seed) || !gq_args_get_count(&a, "params", &params) ||
        !gq_args_get_u64(&a, "imatrix-chunks", &chunks))
        goto done;
    if (gq_args_has(&a, "params")) {
        if (params < 10000000 || params > 200000000000ull) {
            gq_args_usage_error(&spec, "--params: %s is outside 10M .. 200B (below, use --layers/--embd)", gq_args_get(&a, "params"));
            goto done;
        }
        /* A 32k vocabulary unless the target is so small that the
         * embeddings alone would exceed it. */
        m.n_vocab = 32768;
        while (m.n_vocab > 1024 && m.n_vocab * 5000 > params) m.n_vocab /= 2;
        shape_for_params(&m, params);
    }
    /* Explicit sizes override both the sample and --params. */
    const size_option sizes[] = {
        {"layers", &m.n_layer, 1, 4096},          {"embd", &m.n_embd, 1, 1u << 20},
        {"vocab", &m.n_vocab, 8, 1u << 24},       {"ffn", &m.n_ff, 1, 1u << 22},
        {"heads", &m.n_head, 1, 4096},            {"heads-kv", &m.n_head_kv, 1, 4096},
        {"head-dim", &m.head_dim_swa, 2, 1u << 16}, {"per-layer", &m.n_embd_per_layer, 1, 1u << 20},
        {"shared-kv", &m.n_shared_kv, 0, 4096},   {"window", &m.sliding_window, 1, 1u << 30},
    };
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        uint64_t v = *sizes[i].field;
        if (!gq_args_get_count(&a, sizes[i].name, &v)) goto done;
        if (v < sizes[i].min || v > sizes[i].max) {
            gq_args_usage_error(&spec, "--%s: %" PRIu64 " is outside %" PRIu64 " .. %" PRIu64, sizes[i].name, v,
                                sizes[i].min, sizes[i].max);
            goto done;
        }
        *sizes[i].field = v;
    }
    m.head_dim_full = 2 * m.head_dim_swa;
    if (gq_args_has(&a, "layers") && !shared_given) m.n_shared_kv = default_shared_kv(m.n_layer);
    if (m.n_shared_kv > m.n_layer) {
        gq_args_usage_error(&spec, "--shared-kv: %" PRIu64 " is more than the %" PRIu64 " blocks", m.n_shared_kv,
                            m.n_layer);
        goto done;
    }
    if (chunks < 1 || chunks > 1000) {
        gq_args_usage_error(&spec, "--imatrix-chunks: %" PRIu64 " is outside 1 .. 1000", chunks);
        goto done;
    }
    if (type != GQ_TYPE_F32 && !gq_can_quantize((uint32_t)type)) {
        gq_diag_error(NULL, "this build cannot convert to %s", gq_type_name((uint32_t)type));
        rc = GQ_EXIT_FAILURE;
        goto done;
    }

    const gq_ftype_info *ft = gq_ftype_from_name(type == GQ_TYPE_F32 ? "F32" : type == GQ_TYPE_F16 ? "F16" : "BF16");
    const uint64_t n_params = parameter_count(&m);
    char label[GQ_FMT_BUF];
    if (gq_args_has(&a, "params")) gq_fmt_count_short(n_params, label, sizeof label);
    else snprintf(label, sizeof label, "sample");

    if (gq_args_has(&a, "dry-run")) {
        char p[GQ_FMT_BUF], c[GQ_FMT_BUF];
        totals t = {(uint32_t)type, 0, 0};
        for_each_tensor(&m, add_size, &t);
        printf("gemma4 layout: %" PRIu64 " blocks, embedding %" PRIu64 ", vocab %" PRIu64 ", MLP %" PRIu64 " (x2 in the last %"
               PRIu64 " blocks, which share KV), %" PRIu64 " heads / %" PRIu64 " KV heads of width %" PRIu64 " (%" PRIu64
               " in full-attention blocks), per-layer input %" PRIu64 ", window %" PRIu64 "\n",
               m.n_layer, m.n_embd, m.n_vocab, m.n_ff, m.n_shared_kv, m.n_head, m.n_head_kv, m.head_dim_swa, m.head_dim_full,
               m.n_embd_per_layer, m.sliding_window);
        printf("%" PRIu64 " tensors, %s parameters (%s), %s as %s\n", t.tensors, gq_fmt_thousands(n_params, p, sizeof p),
               label, gq_fmt_size(t.bytes, 2, c, sizeof c), gq_type_name((uint32_t)type));
        rc = GQ_EXIT_OK;
        goto done;
    }
    gq_cleanup_install(true);
    bool quiet = gq_args_has(&a, "quiet");
    rc = write_model(out, &m, (uint32_t)type, ft ? ft->id : 0, label, seed, quiet);
    if (rc == GQ_EXIT_OK && imatrix_path) rc = write_imatrix(imatrix_path, &m, seed, (uint32_t)chunks, 512);
    if (rc == GQ_EXIT_OK && !quiet) {
        char p[GQ_FMT_BUF], c[GQ_FMT_BUF];
        totals t = {(uint32_t)type, 0, 0};
        for_each_tensor(&m, add_size, &t);
        fprintf(stderr, "gq-sample: wrote %s: %" PRIu64 " tensors, %s parameters (%s), %s of %s weights, seed %" PRIu64 "\n",
                out, t.tensors, gq_fmt_thousands(n_params, p, sizeof p), label,
                gq_fmt_size(t.bytes, 1, c, sizeof c), gq_type_name((uint32_t)type), seed);
        if (imatrix_path) fprintf(stderr, "gq-sample: wrote %s: importance matrix, %" PRIu64 " tokens\n",
                                  imatrix_path, chunks * 512);
    }
done:
    gq_args_free(&a);
    return rc;
}
