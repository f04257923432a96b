/* The importance-matrix readers (include/gq/imatrix.h) under hostile input:
 * a generated corpus with one file or more per rule of both formats
 * (legacy .dat and GGUF), every truncation of a small file of each, and
 * random mutations of the real imatrix fixtures.
 *
 * For each file: the expected verdict; a refusal with a status and a
 * message that says what is wrong; what loads is walked through every
 * accessor (tests/fuzz/entries.c, shared with the fuzzer); no crash, no
 * sanitizer report (each input is an exact-size heap copy); and the heap
 * asked for during the load stays within a small multiple of the file
 * (support/alloc_meter.h; off under ASan, on in the Release build).
 * GQ_CORPUS_OUT=<dir>: write the generated corpus there and run nothing
 * else (the fuzz runner seeds from it). */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "alloc_meter.h"
#include "gguf_builder.h"
#include "gqtest.h"

#include "fuzz/entries.c"

/* A legacy entry takes at least 16 file bytes and a GGUF imatrix tensor
 * pair far more; per entry the reader keeps a name, the weights (4 bytes
 * per 4-byte value) and an entry record.  32 bytes of heap per file byte
 * plus a fixed 256 KiB covers that; hostile counts and lengths claim
 * gigabytes. */
#define ALLOC_PER_FILE_BYTE 32u
#define ALLOC_FIXED (256u * 1024u)

/* ---------------------------------------------------------------- loading, checked */

typedef struct load_result {
    gq_imatrix *m;
    gq_status status;
    char msg[512];
    gqt_alloc_stats alloc;
} load_result;

/* GQ_CORPUS_OUT=<dir>: keep every corpus input there (fuzz seeds). */
static const char *corpus_out;

static void keep_input(const char *what, const void *data, size_t size) {
    if (!corpus_out) return;
    char path[4400];
    size_t n = (size_t)snprintf(path, sizeof path, "%s/", corpus_out);
    for (const char *c = what; *c && n < sizeof path - 8; c++)
        path[n++] = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ? *c : '-';
    snprintf(path + n, sizeof path - n, ".bin");
    gqt_write_file(path, data, size);
}

static load_result load_copy(const void *data, size_t size) {
    load_result r;
    memset(&r, 0, sizeof r);
    void *copy = malloc(size ? size : 1);
    assert_non_null(copy);
    if (size) memcpy(copy, data, size);
    gqt_meter_start();
    r.m = gq_imatrix_load_memory(copy, size, &r.status, r.msg, sizeof r.msg);
    r.alloc = gqt_meter_stop();
    free(copy);
    return r;
}

static void require_bounded(const char *what, const load_result *r, size_t size) {
    if (!GQT_ALLOC_METER) return;
    const uint64_t bound = (uint64_t)ALLOC_PER_FILE_BYTE * size + ALLOC_FIXED;
    if (r->alloc.total > bound)
        fail_msg("%s (%zu bytes): the load asked for %" PRIu64 " bytes in %" PRIu64 " calls (largest %" PRIu64
                 "), more than the %" PRIu64 " the file justifies",
                 what, size, r->alloc.total, r->alloc.calls, r->alloc.largest, bound);
}

/* Refused with status FORMAT (or what `status` says) and a message holding `says`. */
static void expect_refused(const char *what, const void *data, size_t size, gq_status status, const char *says) {
    keep_input(what, data, size);
    load_result r = load_copy(data, size);
    require_bounded(what, &r, size);
    if (r.m) fail_msg("%s: loaded, but it is hostile", what);
    if (r.status != status) fail_msg("%s: status %d, expected %d: %s", what, (int)r.status, (int)status, r.msg);
    if (!r.msg[0]) fail_msg("%s: refused without a message", what);
    if (says && !strstr(r.msg, says)) fail_msg("%s: expected \"%s\" in: %s", what, says, r.msg);
    /* the fuzz entry agrees */
    assert_int_equal(gqfuzz_imatrix(data, size), 1);
}

static gq_imatrix *expect_loaded(const char *what, const void *data, size_t size) {
    keep_input(what, data, size);
    load_result r = load_copy(data, size);
    require_bounded(what, &r, size);
    if (!r.m) fail_msg("%s: refused: %s", what, r.msg);
    assert_int_equal(gqfuzz_imatrix(data, size), 0);
    return r.m;
}

/* ---------------------------------------------------------------- legacy files */

typedef struct bytes {
    unsigned char d[4096];
    size_t n;
} bytes;

static void put_i32(bytes *b, int32_t v) {
    uint32_t u = (uint32_t)v;
    for (int i = 0; i < 4; i++) b->d[b->n++] = (unsigned char)(u >> (8 * i));
}
static void put_f32(bytes *b, float f) {
    uint32_t u;
    memcpy(&u, &f, 4);
    put_i32(b, (int32_t)u);
}
static void put_raw(bytes *b, const void *p, size_t n) {
    memcpy(b->d + b->n, p, n);
    b->n += n;
}
/* One entry: name, ncall, values. */
static void put_entry(bytes *b, const char *name, size_t name_len, int32_t ncall, const float *v, int32_t nval) {
    put_i32(b, (int32_t)name_len);
    put_raw(b, name, name_len);
    put_i32(b, ncall);
    put_i32(b, nval);
    for (int32_t i = 0; i < nval; i++) put_f32(b, v[i]);
}

static const float four[4] = { 2.0f, 6.0f, 0.5f, 10.0f };

static void test_legacy_corpus(void **state) {
    (void)state;
    bytes b;

    /* not an imatrix at all */
    expect_refused("empty legacy file", "", 0, GQ_ERR_FORMAT, "not an importance matrix");
    expect_refused("3 bytes", "\x01\x00\x00", 3, GQ_ERR_FORMAT, "not an importance matrix");
    b.n = 0; put_i32(&b, 0);
    expect_refused("zero entries", b.d, b.n, GQ_ERR_FORMAT, "not an importance matrix");
    b.n = 0; put_i32(&b, -1); put_i32(&b, 0);
    expect_refused("negative entry count", b.d, b.n, GQ_ERR_FORMAT, "not an importance matrix");

    /* counts that claim more than the file holds */
    b.n = 0; put_i32(&b, INT32_MAX); put_entry(&b, "w", 1, 1, four, 4);
    expect_refused("2^31-1 entries", b.d, b.n, GQ_ERR_FORMAT, "claims 2147483647 entries");
    b.n = 0; put_i32(&b, 2); put_entry(&b, "w", 1, 1, four, 4); put_i32(&b, 0); put_i32(&b, 0); put_i32(&b, 0);
    put_i32(&b, 0);
    expect_refused("second entry missing", b.d, b.n, GQ_ERR_FORMAT, "entry 2");

    /* name lengths */
    const int32_t bad_names[] = { -1, INT32_MIN, INT32_MAX, 100 };
    for (size_t i = 0; i < 4; i++) {
        b.n = 0;
        put_i32(&b, 1);
        put_i32(&b, bad_names[i]);
        put_raw(&b, "wxyz", 4);
        put_i32(&b, 1);
        put_i32(&b, 1);
        put_f32(&b, 1.0f);
        char what[64];
        snprintf(what, sizeof what, "name length %" PRId32, bad_names[i]);
        expect_refused(what, b.d, b.n, GQ_ERR_FORMAT, "bad or truncated name");
    }

    /* value counts */
    const int32_t bad_counts[] = { 0, -1, INT32_MIN };
    for (size_t i = 0; i < 3; i++) {
        b.n = 0;
        put_i32(&b, 1);
        put_entry(&b, "w", 1, 1, four, 0);
        memcpy(b.d + b.n - 4, &bad_counts[i], 4);
        put_f32(&b, 1.0f);
        char what[64];
        snprintf(what, sizeof what, "value count %" PRId32, bad_counts[i]);
        expect_refused(what, b.d, b.n, GQ_ERR_FORMAT, "bad or truncated value count");
    }
    const int32_t too_many[] = { INT32_MAX, 5, 1 << 29 };
    for (size_t i = 0; i < 3; i++) {
        b.n = 0;
        put_i32(&b, 1);
        put_entry(&b, "weight", 6, 1, four, 4);
        memcpy(b.d + 4 + 4 + 6 + 4, &too_many[i], 4);
        char what[64];
        snprintf(what, sizeof what, "value count %" PRId32 " with 4 values", too_many[i]);
        expect_refused(what, b.d, b.n, GQ_ERR_FORMAT, "'weight'");
    }

    /* accepted oddities, with the weights llama-quantize would use */
    b.n = 0;
    put_i32(&b, 1);
    put_entry(&b, "w", 1, 2, four, 4);
    gq_imatrix *m = expect_loaded("one entry", b.d, b.n);
    assert_int_equal(m->n_entries, 1);
    assert_true(m->entries[0].weights[1] == 3.0f); /* 6 / 2 */
    gq_imatrix_free(m);

    b.n = 0; /* ncall negative: the values are taken as they are (as llama-quantize's "ncall > 0" test) */
    put_i32(&b, 1);
    put_entry(&b, "w", 1, -5, four, 4);
    m = expect_loaded("negative ncall", b.d, b.n);
    assert_true(m->entries[0].weights[1] == 6.0f);
    gq_imatrix_free(m);

    b.n = 0; /* a name with a NUL inside ends there, as the C string llama.cpp made of it */
    put_i32(&b, 1);
    put_entry(&b, "ab\0cd", 5, 1, four, 4);
    m = expect_loaded("NUL in a name", b.d, b.n);
    assert_string_equal(m->entries[0].name, "ab");
    gq_imatrix_free(m);

    b.n = 0; /* a repeated name: the later entry wins (std::map assignment) */
    put_i32(&b, 2);
    put_entry(&b, "w", 1, 1, four, 4);
    put_entry(&b, "w", 1, 2, four, 4);
    m = expect_loaded("repeated name", b.d, b.n);
    assert_int_equal(m->n_entries, 1);
    assert_true(m->entries[0].weights[0] == 1.0f);
    gq_imatrix_free(m);

    b.n = 0; /* NaN and infinity are loaded, and found */
    put_i32(&b, 1);
    const float odd[3] = { NAN, INFINITY, -INFINITY };
    put_entry(&b, "w", 1, 1, odd, 3);
    m = expect_loaded("non-finite values", b.d, b.n);
    size_t e;
    uint64_t at;
    assert_true(gq_imatrix_find_nonfinite(m, &e, &at));
    assert_int_equal(at, 0);
    gq_imatrix_free(m);

    /* the optional tail, damaged every way: the entries still load */
    const int32_t tails[][2] = { { 100, -1 }, { 100, INT32_MAX }, { 100, 1000 }, { -3, 0 } };
    for (size_t i = 0; i < 4; i++) {
        b.n = 0;
        put_i32(&b, 1);
        put_entry(&b, "w", 1, 1, four, 4);
        put_i32(&b, tails[i][0]);
        put_i32(&b, tails[i][1]);
        put_raw(&b, "data", 4);
        m = expect_loaded("damaged tail", b.d, b.n);
        assert_int_equal(m->n_entries, 1);
        assert_int_equal(m->n_datasets, 0);
        gq_imatrix_free(m);
    }
    b.n = 0;
    put_i32(&b, 1);
    put_entry(&b, "w", 1, 1, four, 4);
    put_i32(&b, 7);
    m = expect_loaded("tail of only a chunk count", b.d, b.n);
    assert_int_equal(m->chunk_count, 7);
    gq_imatrix_free(m);
}

/* Many tiny entries: the heap asked for stays proportional to the file
 * (an entry table grown one slot at a time is not). */
static void test_legacy_many_entries(void **state) {
    (void)state;
    const int32_t n = 60000;
    const size_t size = 4 + (size_t)n * 17;
    unsigned char *d = malloc(size), *p = d;
    assert_non_null(d);
    uint32_t u = (uint32_t)n;
    memcpy(p, &u, 4);
    p += 4;
    for (int32_t i = 0; i < n; i++) {
        const int32_t one = 1;
        memcpy(p, &one, 4);                   /* name length */
        p[4] = (unsigned char)('a' + i % 26); /* a 1-byte name: most repeat */
        memcpy(p + 5, &one, 4);               /* ncall */
        memcpy(p + 9, &one, 4);               /* nval */
        const float v = (float)i;
        memcpy(p + 13, &v, 4);
        p += 17;
    }
    gq_imatrix *m = expect_loaded("60000 one-value entries", d, size);
    assert_int_equal(m->n_entries, 26);
    /* the last 'a' entry is entry 59982 (59982 % 26 == 0) */
    assert_true(gq_imatrix_find(m, "a")->weights[0] == 59982.0f);
    gq_imatrix_free(m);
    free(d);
}

/* ---------------------------------------------------------------- GGUF imatrices */

typedef struct part {
    const char *name;
    uint32_t type;
    uint64_t ne0, ne1;
} part;

/* A v3 GGUF with the given tensors (data: each element's bytes set to
 * copy `fill`, one float per 4 bytes) and optional metadata kvs. */
static void build_gguf(gqb *b, const part *parts, size_t n, float fill, bool with_metadata) {
    gqb_init(b, 3, false);
    gqb_header(b, n, with_metadata ? 3 : 1);
    gqb_kv_str(b, "general.type", "imatrix");
    if (with_metadata) {
        gqb_kv_array(b, "imatrix.datasets", 8, 2);
        gqb_str(b, "first.txt");
        gqb_str(b, "second.txt");
        gqb_kv_u32(b, "imatrix.chunk_count", 12);
    }
    uint64_t offset = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t ne[2] = { parts[i].ne0, parts[i].ne1 }, bytes;
        gqb_tensor(b, parts[i].name, 2, ne, parts[i].type, offset);
        assert_true(gq_type_row_bytes(parts[i].type, ne[0] * ne[1], &bytes));
        offset += (bytes + 31) / 32 * 32;
    }
    gqb_pad(b, 32);
    for (uint64_t i = 0; i < offset / 4; i++) gqb_f32(b, fill);
}

static void gguf_refused(const char *what, const part *parts, size_t n, float fill, gq_status status,
                         const char *says) {
    gqb b;
    build_gguf(&b, parts, n, fill, false);
    expect_refused(what, b.data, b.len, status, says);
    gqb_free(&b);
}

static void test_gguf_corpus(void **state) {
    (void)state;
    /* not valid GGUF: the reader's own refusal, with its field and offset */
    expect_refused("GGUF magic, then nothing", "GGUF", 4, GQ_ERR_FORMAT, "invalid GGUF importance matrix");
    gqb b;
    gqb_init(&b, 3, false);
    gqb_header(&b, UINT64_MAX, 0);
    expect_refused("GGUF with 2^64-1 tensors", b.data, b.len, GQ_ERR_FORMAT, "tensor count 18446744073709551615");
    gqb_free(&b);
    gqb_init(&b, 3, false);
    gqb_header(&b, 0, 1);
    gqb_kv_str(&b, "general.type", "imatrix");
    expect_refused("GGUF without tensors", b.data, b.len, GQ_ERR_FORMAT, "no tensors");
    gqb_free(&b);

    const part lonely_sums[] = { { "a.weight.in_sum2", 0, 4, 1 } };
    gguf_refused("sums without counts", lonely_sums, 1, 1.0f, GQ_ERR_FORMAT, "mismatched sums and counts for 'a.weight'");
    const part lonely_counts[] = { { "a.weight.counts", 0, 1, 1 } };
    gguf_refused("counts without sums", lonely_counts, 1, 1.0f, GQ_ERR_FORMAT, "mismatched");
    const part one_unpaired[] = { { "a.weight.in_sum2", 0, 4, 1 }, { "a.weight.counts", 0, 1, 1 },
                                  { "b.weight.counts", 0, 1, 1 } };
    gguf_refused("one pair and a stray count", one_unpaired, 3, 1.0f, GQ_ERR_FORMAT, "'b.weight'");
    const part f16_sums[] = { { "a.weight.in_sum2", 1, 4, 1 }, { "a.weight.counts", 0, 1, 1 } };
    gguf_refused("f16 sums", f16_sums, 2, 1.0f, GQ_ERR_FORMAT, "is f16, not f32");
    const part q8_counts[] = { { "a.weight.in_sum2", 0, 32, 1 }, { "a.weight.counts", 8, 32, 1 } };
    gguf_refused("q8_0 counts", q8_counts, 2, 1.0f, GQ_ERR_FORMAT, "is q8_0, not f32");
    const part uneven[] = { { "a.weight.in_sum2", 0, 3, 1 }, { "a.weight.counts", 0, 2, 1 } };
    gguf_refused("3 sums in 2 experts", uneven, 2, 1.0f, GQ_ERR_FORMAT, "3 sums do not split into 2 experts");
    const part unrelated[] = { { "token_embd.weight", 0, 8, 2 } };
    gguf_refused("a model, not an imatrix", unrelated, 1, 1.0f, GQ_ERR_FORMAT, "not an importance matrix");

    /* counts that are NaN, infinite, negative or beyond any integer:
     * loaded (llama-quantize rounds the count and divides, or uses 1), and
     * never undefined behaviour (the sanitizer build watches the rounding) */
    const float odd_counts[] = { NAN, INFINITY, -INFINITY, -3.0f, 1e30f, 0.49f, 3e9f };
    const part pair[] = { { "blk.0.w.in_sum2", 0, 4, 2 }, { "blk.0.w.counts", 0, 2, 1 } };
    for (size_t i = 0; i < sizeof odd_counts / sizeof *odd_counts; i++) {
        build_gguf(&b, pair, 2, odd_counts[i], true);
        char what[64];
        snprintf(what, sizeof what, "sums and counts all %g", (double)odd_counts[i]);
        gq_imatrix *m = expect_loaded(what, b.data, b.len);
        assert_int_equal(m->n_entries, 1);
        assert_int_equal(m->entries[0].n_experts, 2);
        assert_true(m->has_metadata == false); /* chunk_size is missing */
        assert_int_equal(m->n_datasets, 2);
        assert_string_equal(m->datasets[1], "second.txt");
        gq_imatrix_free(m);
        gqb_free(&b);
    }

    /* metadata of the wrong types is ignored, not trusted */
    gqb_init(&b, 3, false);
    gqb_header(&b, 2, 3);
    gqb_kv_array(&b, "imatrix.datasets", 4, 2); /* uint32s, not strings */
    gqb_u32(&b, 1);
    gqb_u32(&b, 2);
    gqb_kv_str(&b, "imatrix.chunk_count", "many");
    gqb_kv(&b, "imatrix.chunk_size", 11);
    gqb_u64(&b, (uint64_t)-1);
    uint64_t ne_s[2] = { 4, 1 }, ne_c[2] = { 1, 1 };
    gqb_tensor(&b, "w.in_sum2", 2, ne_s, 0, 0);
    gqb_tensor(&b, "w.counts", 2, ne_c, 0, 32);
    gqb_pad(&b, 32);
    for (int i = 0; i < 16; i++) gqb_f32(&b, 2.0f);
    gq_imatrix *m = expect_loaded("metadata of the wrong types", b.data, b.len);
    assert_int_equal(m->n_datasets, 0);
    assert_int_equal(m->chunk_count, 0);
    assert_true(m->entries[0].weights[0] == 1.0f); /* 2 / round(2) */
    gq_imatrix_free(m);
    gqb_free(&b);

    /* a weight named "" (the tensor is just ".in_sum2") */
    const part nameless[] = { { ".in_sum2", 0, 4, 1 }, { ".counts", 0, 1, 1 } };
    build_gguf(&b, nameless, 2, 1.0f, false);
    m = expect_loaded("an empty weight name", b.data, b.len);
    assert_string_equal(m->entries[0].name, "");
    gq_imatrix_free(m);
    gqb_free(&b);
}

/* 100,000 dataset names of one byte each: the heap asked for stays
 * proportional to the file. */
static void test_gguf_many_datasets(void **state) {
    (void)state;
    gqb b;
    gqb_init(&b, 3, false);
    gqb_header(&b, 2, 1);
    const uint64_t n = 100000;
    gqb_kv_array(&b, "imatrix.datasets", 8, n);
    for (uint64_t i = 0; i < n; i++) gqb_str(&b, "d");
    uint64_t ne_s[2] = { 4, 1 }, ne_c[2] = { 1, 1 };
    gqb_tensor(&b, "w.in_sum2", 2, ne_s, 0, 0);
    gqb_tensor(&b, "w.counts", 2, ne_c, 0, 32);
    gqb_pad(&b, 32);
    for (int i = 0; i < 16; i++) gqb_f32(&b, 1.0f);
    gq_imatrix *m = expect_loaded("100000 dataset names", b.data, b.len);
    assert_int_equal(m->n_datasets, n);
    gq_imatrix_free(m);
    gqb_free(&b);
}

/* ---------------------------------------------------------------- truncations */

static void test_every_truncation(void **state) {
    (void)state;
    /* legacy: every cut before the optional tail is refused; cuts inside
     * the tail load the entries */
    bytes b;
    b.n = 0;
    put_i32(&b, 2);
    put_entry(&b, "blk.0.attn_q.weight", 19, 3, four, 4);
    put_entry(&b, "blk.0.ffn_up.weight", 19, 3, four, 2);
    const size_t entries_end = b.n;
    put_i32(&b, 10);
    put_i32(&b, 8);
    put_raw(&b, "wiki.txt", 8);
    for (size_t len = 0; len <= b.n; len++) {
        char what[64];
        snprintf(what, sizeof what, "legacy prefix %zu/%zu", len, b.n);
        if (len < entries_end) {
            expect_refused(what, b.d, len, GQ_ERR_FORMAT, NULL);
        } else {
            gq_imatrix *m = expect_loaded(what, b.d, len);
            assert_int_equal(m->n_entries, 2);
            assert_int_equal(m->n_datasets, len == b.n ? 1 : 0);
            gq_imatrix_free(m);
        }
    }
    /* GGUF: every cut is refused (the last tensor's data ends the file) */
    gqb g;
    const part pair[] = { { "blk.0.w.in_sum2", 0, 8, 1 }, { "blk.0.w.counts", 0, 8, 1 } };
    build_gguf(&g, pair, 2, 2.0f, true);
    for (size_t len = 0; len < g.len; len++) {
        char what[64];
        snprintf(what, sizeof what, "GGUF prefix %zu/%zu", len, g.len);
        load_result r = load_copy(g.data, len);
        require_bounded(what, &r, len);
        if (r.m) fail_msg("%s loaded", what);
        assert_true(r.status != GQ_OK && r.msg[0]);
    }
    gq_imatrix *m = expect_loaded("whole GGUF imatrix", g.data, g.len);
    gq_imatrix_free(m);
    gqb_free(&g);
}

/* ---------------------------------------------------------------- mutations */

static uint64_t rng = 0x853c49e6748fea9bull;
static uint64_t next_random(void) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* Damage within the first `span` bytes (where the counts and lengths are)
 * and, now and then, anywhere. */
static void mutate(uint8_t *p, size_t size, size_t span) {
    const unsigned n = 1 + (unsigned)(next_random() % 4);
    for (unsigned k = 0; k < n; k++) {
        size_t at = (size_t)(next_random() % (next_random() % 8 ? (span < size ? span : size) : size));
        switch (next_random() % 5) {
        case 0: p[at] = (uint8_t)next_random(); break;
        case 1: p[at] ^= (uint8_t)(1u << (next_random() % 8)); break;
        case 2: /* a 32-bit length or count made huge, negative or tiny */
        case 3: {
            static const uint32_t values[] = { 0x7fffffffu, 0x80000000u, 0xffffffffu, 0, 1, 0x40000000u };
            uint32_t v = values[next_random() % 6];
            for (size_t i = 0; i < 4 && at + i < size; i++) p[at + i] = (uint8_t)(v >> (8 * i));
            break;
        }
        default: p[at] = (uint8_t)(p[at] + 1); break;
        }
    }
}

static void mutate_file(const char *rel, unsigned iterations, size_t span) {
    size_t size;
    uint8_t *base = gqt_read_file(gqt_shared_path(rel), &size);
    uint8_t *work = malloc(size);
    assert_non_null(work);
    unsigned loaded = 0, refused = 0;
    for (unsigned it = 0; it < iterations; it++) {
        memcpy(work, base, size);
        mutate(work, size, span);
        /* sometimes cut too */
        size_t len = next_random() % 8 == 0 ? (size_t)(next_random() % size) : size;
        char what[400];
        snprintf(what, sizeof what, "%s mutation %u", rel, it);
        load_result r = load_copy(work, len);
        require_bounded(what, &r, len);
        if (r.m) {
            loaded++;
            gq_imatrix_free(r.m);
            assert_int_equal(gqfuzz_imatrix(work, len), 0);
        } else {
            refused++;
            if (r.status == GQ_OK || !r.msg[0]) fail_msg("%s: refused without a status or message", what);
        }
    }
    assert_true(loaded > 0 && refused > 0);
    free(work);
    free(base);
}

static void test_mutations_of_real_files(void **state) {
    (void)state;
    mutate_file("fixtures/real/imatrix/calcuis-gguf-quantizor-imatrix.dat", 150, 4096);
    mutate_file("fixtures/real/imatrix/mistralrs-Llama-3.2-3B-Instruct.imatrix", 100, 4096);
    mutate_file("fixtures/quantized/gemma4-mini/gemma4-mini.imatrix.gguf", 600, 8192);
}

int main(void) {
    corpus_out = getenv("GQ_CORPUS_OUT");
    if (corpus_out && *corpus_out) {
        /* only write the corpus: the two corpus tests, which keep their inputs */
        mkdir(corpus_out, 0777);
        const struct CMUnitTest writers[] = {
            cmocka_unit_test(test_legacy_corpus),
            cmocka_unit_test(test_gguf_corpus),
        };
        return cmocka_run_group_tests(writers, NULL, NULL);
    }
    corpus_out = NULL;
    if (!GQT_ALLOC_METER) print_message("allocation meter OFF in this build (sanitizer); the Release build runs it\n");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_legacy_corpus),
        cmocka_unit_test(test_legacy_many_entries),
        cmocka_unit_test(test_gguf_corpus),
        cmocka_unit_test(test_gguf_many_datasets),
        cmocka_unit_test(test_every_truncation),
        cmocka_unit_test(test_mutations_of_real_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
