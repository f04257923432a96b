/* The store's JSON reader (src/store/json_read.h) against the JSON standard
 * (RFC 8259) and against hostile input: every value kind and escape read
 * to the bytes the standard says, every malformation refused with the
 * offset where it is, every truncation of a real manifest refused, nesting
 * and size limits enforced before memory is spent, and thousands of
 * random mutations read without a crash (run under ASan in tests/run.sh).
 * Allocations are metered where the meter works (glibc, no ASan). */
#include "gqtest.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc_meter.h"
#include "store/json_read.h"

/* A manifest as Ollama writes it (schema 2, config + layers). */
static const char manifest[] =
    "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.docker.distribution.manifest.v2+json\","
    "\"config\":{\"mediaType\":\"application/vnd.docker.container.image.v1+json\","
    "\"digest\":\"sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\",\"size\":487},"
    "\"layers\":[{\"mediaType\":\"application/vnd.ollama.image.model\","
    "\"digest\":\"sha256:fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210\",\"size\":4858880},"
    "{\"mediaType\":\"application/vnd.ollama.image.license\",\"digest\":\"sha256:"
    "1111111111111111111111111111111111111111111111111111111111111111\",\"size\":8432}]}\n";

static bool parse(const char *text, gq_jr_doc *doc, gq_jr_error *err) {
    return gq_jr_parse(text, strlen(text), NULL, doc, err);
}

/* Parsing must fail with a message containing `what` at byte `offset`. */
static void expect_fail_n(const char *text, size_t len, const gq_jr_limits *lim, const char *what, size_t offset) {
    gq_jr_doc doc;
    gq_jr_error err;
    if (gq_jr_parse(text, len, lim, &doc, &err)) {
        gq_jr_free(&doc);
        fail_msg("accepted: %.*s", (int)(len > 80 ? 80 : len), text);
    }
    if (!strstr(err.message, what)) fail_msg("%.*s: message '%s' lacks '%s'", (int)(len > 80 ? 80 : len), text, err.message, what);
    if (offset != (size_t)-1 && err.offset != offset)
        fail_msg("%.*s: error at byte %zu, expected %zu (%s)", (int)(len > 80 ? 80 : len), text, err.offset, offset, err.message);
    assert_null(doc.nodes);
    assert_null(doc.text);
}

static void expect_fail(const char *text, const char *what, size_t offset) {
    expect_fail_n(text, strlen(text), NULL, what, offset);
}

/* ------------------------------------------------------------ well-formed input */

static void test_manifest_navigation(void **state) {
    (void)state;
    gq_jr_doc doc;
    gq_jr_error err;
    assert_true(parse(manifest, &doc, &err));
    assert_int_equal(gq_jr_kind_of(&doc, GQ_JR_ROOT), GQ_JR_OBJECT);
    uint64_t v = 0;
    assert_true(gq_jr_u64(&doc, gq_jr_find(&doc, GQ_JR_ROOT, "schemaVersion"), &v));
    assert_int_equal(v, 2);
    size_t layers = gq_jr_find(&doc, GQ_JR_ROOT, "layers");
    assert_int_equal(gq_jr_kind_of(&doc, layers), GQ_JR_ARRAY);
    const char *want_types[] = {"application/vnd.ollama.image.model", "application/vnd.ollama.image.license"};
    const uint64_t want_sizes[] = {4858880, 8432};
    size_t n = 0;
    for (size_t l = gq_jr_first(&doc, layers); l != GQ_JR_NONE; l = gq_jr_next(&doc, layers, l), n++) {
        assert_true(n < 2);
        size_t len = 0;
        assert_string_equal(gq_jr_string(&doc, gq_jr_find(&doc, l, "mediaType"), &len), want_types[n]);
        assert_int_equal(len, strlen(want_types[n]));
        assert_true(gq_jr_u64(&doc, gq_jr_find(&doc, l, "size"), &v));
        assert_int_equal(v, want_sizes[n]);
    }
    assert_int_equal(n, 2);
    /* Members in file order, with their keys. */
    const char *keys[] = {"schemaVersion", "mediaType", "config", "layers"};
    n = 0;
    for (size_t m = gq_jr_first(&doc, GQ_JR_ROOT); m != GQ_JR_NONE; m = gq_jr_next(&doc, GQ_JR_ROOT, m), n++)
        assert_string_equal(gq_jr_member_key(&doc, GQ_JR_ROOT, m, NULL), keys[n]);
    assert_int_equal(n, 4);
    /* Misses and wrong kinds are answered, never crashed on. */
    assert_int_equal(gq_jr_find(&doc, GQ_JR_ROOT, "nope"), GQ_JR_NONE);
    assert_int_equal(gq_jr_find(&doc, layers, "size"), GQ_JR_NONE);
    assert_int_equal(gq_jr_find(&doc, GQ_JR_NONE, "x"), GQ_JR_NONE);
    assert_null(gq_jr_string(&doc, layers, NULL));
    assert_false(gq_jr_u64(&doc, layers, &v));
    assert_int_equal(gq_jr_first(&doc, GQ_JR_NONE), GQ_JR_NONE);
    gq_jr_free(&doc);
}

static void test_scalars_and_empty_containers(void **state) {
    (void)state;
    gq_jr_doc doc;
    gq_jr_error err;
    assert_true(parse(" \t\r\n[true,false,null,{},[],\"\",0,-0,\"x\"] \n", &doc, &err));
    const gq_jr_kind kinds[] = {GQ_JR_TRUE, GQ_JR_FALSE, GQ_JR_NULL, GQ_JR_OBJECT, GQ_JR_ARRAY,
                                GQ_JR_STRING, GQ_JR_NUMBER, GQ_JR_NUMBER, GQ_JR_STRING};
    size_t n = 0;
    for (size_t c = gq_jr_first(&doc, 0); c != GQ_JR_NONE; c = gq_jr_next(&doc, 0, c), n++) {
        assert_true(n < 9);
        assert_int_equal(gq_jr_kind_of(&doc, c), kinds[n]);
        if (kinds[n] == GQ_JR_OBJECT || kinds[n] == GQ_JR_ARRAY) assert_int_equal(gq_jr_first(&doc, c), GQ_JR_NONE);
    }
    assert_int_equal(n, 9);
    gq_jr_free(&doc);
    /* A scalar alone is a document too. */
    assert_true(parse("42", &doc, &err));
    uint64_t v;
    assert_true(gq_jr_u64(&doc, 0, &v));
    assert_int_equal(v, 42);
    gq_jr_free(&doc);
    assert_true(parse("\"only\"", &doc, &err));
    assert_string_equal(gq_jr_string(&doc, 0, NULL), "only");
    gq_jr_free(&doc);
}

/* Every escape of RFC 8259 section 7, decoded to the UTF-8 bytes written
 * out here by hand. */
static void test_string_escapes(void **state) {
    (void)state;
    gq_jr_doc doc;
    gq_jr_error err;
    assert_true(parse("[\"\\\"\\\\\\/\\b\\f\\n\\r\\t\", \"\\u0041\\u00e9\\u20AC\", \"\\ud83d\\ude00\", \"a\\u0000b\","
                      " \"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"]",
                      &doc, &err));
    size_t s = gq_jr_first(&doc, 0), len = 0;
    const char *t = gq_jr_string(&doc, s, &len);
    assert_int_equal(len, 8);
    assert_memory_equal(t, "\"\\/\b\f\n\r\t", 8);
    s = gq_jr_next(&doc, 0, s);
    t = gq_jr_string(&doc, s, &len);
    assert_int_equal(len, 6); /* A (1) + U+00E9 (2) + U+20AC (3) */
    assert_memory_equal(t, "A\xc3\xa9\xe2\x82\xac", 6);
    s = gq_jr_next(&doc, 0, s);
    t = gq_jr_string(&doc, s, &len);
    assert_int_equal(len, 4); /* U+1F600 from its UTF-16 pair */
    assert_memory_equal(t, "\xf0\x9f\x98\x80", 4);
    s = gq_jr_next(&doc, 0, s);
    t = gq_jr_string(&doc, s, &len);
    assert_int_equal(len, 3); /* \u0000 kept: lengths count it */
    assert_memory_equal(t, "a\0b", 3);
    s = gq_jr_next(&doc, 0, s);
    t = gq_jr_string(&doc, s, &len);
    assert_int_equal(len, 9); /* raw UTF-8 passes through */
    assert_memory_equal(t, "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 9);
    gq_jr_free(&doc);
}

static void test_numbers(void **state) {
    (void)state;
    gq_jr_doc doc;
    gq_jr_error err;
    assert_true(parse("[18446744073709551615, 18446744073709551616, -1, 1.5, 1e3, 0, 1E+2, 2.5e-3, 1e999, -0.0,"
                      " 123456789012345678901234567890]",
                      &doc, &err));
    size_t c[11];
    size_t n = 0;
    for (size_t x = gq_jr_first(&doc, 0); x != GQ_JR_NONE; x = gq_jr_next(&doc, 0, x)) c[n++] = x;
    assert_int_equal(n, 11);
    uint64_t u;
    double d;
    assert_true(gq_jr_u64(&doc, c[0], &u));
    assert_true(u == UINT64_MAX);
    assert_false(gq_jr_u64(&doc, c[1], &u)); /* one past UINT64_MAX */
    assert_false(gq_jr_u64(&doc, c[2], &u)); /* negative */
    assert_false(gq_jr_u64(&doc, c[3], &u)); /* fraction */
    assert_false(gq_jr_u64(&doc, c[4], &u)); /* exponent: a size is written as digits */
    assert_true(gq_jr_u64(&doc, c[5], &u));
    assert_int_equal(u, 0);
    assert_true(gq_jr_double(&doc, c[3], &d));
    assert_true(d == 1.5);
    assert_true(gq_jr_double(&doc, c[4], &d));
    assert_true(d == 1000.0);
    assert_true(gq_jr_double(&doc, c[6], &d));
    assert_true(d == 100.0);
    assert_true(gq_jr_double(&doc, c[7], &d));
    assert_true(d == 2.5e-3);
    assert_false(gq_jr_double(&doc, c[8], &d)); /* out of double's range */
    assert_true(gq_jr_double(&doc, c[9], &d));
    assert_true(d == 0.0 && signbit(d));
    assert_false(gq_jr_u64(&doc, c[10], &u)); /* huge integer: refused, not wrapped */
    assert_true(gq_jr_double(&doc, c[10], &d));
    assert_true(d > 1.2e29 && d < 1.3e29);
    gq_jr_free(&doc);
    /* 10,000 digits: read (the text is kept), no overflow anywhere. */
    size_t big = 10000;
    char *digits = malloc(big + 1);
    assert_non_null(digits);
    memset(digits, '9', big);
    digits[big] = '\0';
    assert_true(gq_jr_parse(digits, big, NULL, &doc, &err));
    assert_false(gq_jr_u64(&doc, 0, &u));
    assert_false(gq_jr_double(&doc, 0, &d));
    gq_jr_free(&doc);
    free(digits);
}

static void test_depth_limit_exact(void **state) {
    (void)state;
    /* 64 levels (the default) read; 65 are refused at the 65th bracket. */
    char text[200];
    for (int depth = 63; depth <= 65; depth++) {
        memset(text, '[', (size_t)depth);
        memset(text + depth, ']', (size_t)depth);
        text[2 * depth] = '\0';
        gq_jr_doc doc;
        gq_jr_error err;
        bool ok = parse(text, &doc, &err);
        if (depth <= 64) {
            assert_true(ok);
            assert_int_equal(doc.n_nodes, (size_t)depth);
            gq_jr_free(&doc);
        } else {
            assert_false(ok);
            assert_non_null(strstr(err.message, "nested deeper than 64"));
            assert_int_equal(err.offset, 64);
        }
    }
}

/* ------------------------------------------------------------ malformed input */

static void test_structure_errors(void **state) {
    (void)state;
    expect_fail("", "empty document", 0);
    expect_fail("   ", "empty document", 3);
    expect_fail("{", "expected a member name", 1);
    expect_fail("[", "input ends where a value should be", 1);
    expect_fail("[1", "input ends inside an array", 2);
    expect_fail("{\"a\":1", "input ends inside an object", 6);
    expect_fail("{\"a\" 1}", "expected ':'", 5);
    expect_fail("{\"a\":1,}", "trailing ','", 7);
    expect_fail("[1,]", "trailing ','", 3);
    expect_fail("[1 2]", "expected ',' or ']'", 3);
    expect_fail("{\"a\":1 \"b\":2}", "expected ',' or '}'", 7);
    expect_fail("{1:2}", "expected a member name", 1);
    expect_fail("[1]]", "after the end of the document", 3);
    expect_fail("{} {}", "after the end of the document", 3);
    expect_fail("[1] // note", "after the end of the document", 4);
    expect_fail("/* c */ 1", "unexpected '/'", 0);
    expect_fail("[tru]", "unexpected 't'", 1);
    expect_fail("[nul", "unexpected 'n'", 1);
    expect_fail("[True]", "unexpected 'T'", 1);
    expect_fail("[NaN]", "unexpected 'N'", 1);
    expect_fail("[Infinity]", "unexpected 'I'", 1);
    expect_fail("['single']", "unexpected '''", 1);
    expect_fail("\xef\xbb\xbf{}", "byte order mark", 0);
    expect_fail("{\"a\":1]", "expected ',' or '}'", 6);
    expect_fail("[1}", "expected ',' or ']'", 2);
}

static void test_number_errors(void **state) {
    (void)state;
    expect_fail("[01]", "leading zero", 1);
    expect_fail("[-01]", "leading zero", 1);
    expect_fail("[-]", "needs digits", 1);
    expect_fail("[+1]", "unexpected '+'", 1);
    expect_fail("[1.]", "after '.'", 1);
    expect_fail("[.5]", "unexpected '.'", 1);
    expect_fail("[1e]", "exponent", 1);
    expect_fail("[1e+]", "exponent", 1);
    expect_fail("[0x10]", "expected ',' or ']'", 2);
    expect_fail("[1.5.2]", "expected ',' or ']'", 4);
}

static void test_string_errors(void **state) {
    (void)state;
    expect_fail("[\"abc", "string not terminated", 1);
    expect_fail("[\"abc\\", "string not terminated", 1);
    expect_fail("[\"a\\x41\"]", "invalid escape \\'x'", 3);
    expect_fail("[\"a\\'\"]", "invalid escape", 3);
    expect_fail("[\"\\u12\"]", "four hex digits", 2);
    expect_fail("[\"\\u12G4\"]", "four hex digits", 2);
    expect_fail("[\"\\u00", "four hex digits", 2);
    expect_fail("[\"\\ud83d\"]", "not followed by a low surrogate", 2);
    expect_fail("[\"\\ud83dx\"]", "not followed by a low surrogate", 2);
    expect_fail("[\"\\ud83d\\u0041\"]", "not followed by a low surrogate", 2);
    expect_fail("[\"\\ude00\"]", "lone low surrogate", 2);
    expect_fail("[\"tab\there\"]", "control character \\x09", 5);
    expect_fail("[\"nl\nhere\"]", "control character \\x0A", 4);
    expect_fail_n("[\"nul\0here\"]", 11, NULL, "control character \\x00", 5);
}

/* Invalid UTF-8 (RFC 3629): each byte sequence here is refused at its
 * first byte. */
static void test_invalid_utf8(void **state) {
    (void)state;
    static const char *const bad[] = {
        "\x80",             /* continuation byte alone */
        "\xbf",             /* another */
        "\xc0\x80",         /* overlong NUL */
        "\xc1\xbf",         /* overlong 0x7F */
        "\xe0\x80\x80",     /* overlong 3-byte */
        "\xe0\x9f\xbf",     /* overlong U+07FF */
        "\xed\xa0\x80",     /* UTF-8-encoded surrogate U+D800 */
        "\xed\xbf\xbf",     /* U+DFFF */
        "\xf0\x80\x80\x80", /* overlong 4-byte */
        "\xf4\x90\x80\x80", /* U+110000, beyond Unicode */
        "\xf5\x80\x80\x80", /* lead byte never valid */
        "\xff",             /* never valid */
        "\xc3",             /* truncated 2-byte (then the quote) */
        "\xe2\x82",         /* truncated 3-byte */
        "\xf0\x9f\x98",     /* truncated 4-byte */
        "\xc3\x28",         /* bad continuation */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char text[32];
        snprintf(text, sizeof text, "[\"ab%s\"]", bad[i]);
        expect_fail(text, "invalid UTF-8", 4);
    }
    /* The largest valid forms of each length pass. */
    gq_jr_doc doc;
    gq_jr_error err;
    assert_true(parse("\"\x7f\xdf\xbf\xef\xbf\xbf\xf4\x8f\xbf\xbf\"", &doc, &err));
    gq_jr_free(&doc);
}

static void test_duplicate_keys(void **state) {
    (void)state;
    /* Readers disagree on which duplicate wins (first, last, error): the
     * document is ambiguous and refused, at the second occurrence. */
    expect_fail("{\"a\":1,\"b\":2,\"a\":3}", "duplicate key \"a\"", 13);
    expect_fail("{\"x\":{\"k\":1,\"k\":1}}", "duplicate key \"k\"", 12);
    expect_fail("[{\"layers\":[],\"layers\":[]}]", "duplicate key \"layers\"", 14);
    /* Equal after decoding is equal: "\u0061" is "a". */
    expect_fail("{\"a\":1,\"\\u0061\":2}", "duplicate key \"a\"", 7);
    /* Same key in different objects, or differing only in case, is fine. */
    gq_jr_doc doc;
    gq_jr_error err;
    assert_true(parse("[{\"a\":1},{\"a\":2},{\"A\":1,\"a\":2}]", &doc, &err));
    gq_jr_free(&doc);
    /* Many members: the check stays O(n log n), and finds a late duplicate. */
    size_t n = 50000;
    char *text = malloc(n * 16 + 64);
    assert_non_null(text);
    size_t len = 0;
    text[len++] = '{';
    for (size_t i = 0; i < n; i++) len += (size_t)sprintf(text + len, "%s\"k%zu\":0", i ? "," : "", i);
    size_t dup_at = len + 1;
    len += (size_t)sprintf(text + len, ",\"k123\":1}");
    expect_fail_n(text, len, NULL, "duplicate key \"k123\"", dup_at);
    text[dup_at + 2] = 'x'; /* "kx23": no longer a duplicate */
    assert_true(gq_jr_parse(text, len, NULL, &doc, &err));
    assert_int_equal(gq_jr_first(&doc, 0), 2);
    gq_jr_free(&doc);
    free(text);
}

static void test_error_position(void **state) {
    (void)state;
    gq_jr_doc doc;
    gq_jr_error err;
    const char *text = "{\n  \"a\": [1,\n        2 3]\n}";
    assert_false(parse(text, &doc, &err));
    assert_int_equal(err.offset, (size_t)(strchr(text, '3') - text));
    assert_int_equal(err.line, 3);
    assert_int_equal(err.column, 11);
}

/* ------------------------------------------------------------ limits and hostile input */

static void test_every_truncation_refused(void **state) {
    (void)state;
    /* Every proper prefix of a manifest is incomplete JSON except where
     * the cut leaves only the trailing newline off. */
    const size_t full = strlen(manifest);
    for (size_t n = 0; n < full - 1; n++) {
        gq_jr_doc doc;
        gq_jr_error err;
        if (gq_jr_parse(manifest, n, NULL, &doc, &err)) fail_msg("prefix of %zu bytes accepted", n);
        assert_true(err.offset <= n);
    }
    gq_jr_doc doc;
    gq_jr_error err;
    assert_true(gq_jr_parse(manifest, full - 1, NULL, &doc, &err));
    gq_jr_free(&doc);
}

static void test_size_and_count_limits(void **state) {
    (void)state;
    gq_jr_limits lim = gq_jr_default_limits;
    lim.max_bytes = 100;
    expect_fail_n(manifest, strlen(manifest), &lim, "larger than the 100 accepted", 0);
    lim = gq_jr_default_limits;
    lim.max_nodes = 10;
    /* [0,0,...]: the array plus 9 values fit, the 10th value does not. */
    expect_fail_n("[0,0,0,0,0,0,0,0,0,0,0,0]", 25, &lim, "more than 10 values", 19);
    lim.max_depth = 3;
    expect_fail_n("[[[[1]]]]", 9, &lim, "nested deeper than 3", 3);
    gq_jr_doc doc;
    gq_jr_error err;
    assert_true(gq_jr_parse("[[[1]]]", 7, &lim, &doc, &err));
    gq_jr_free(&doc);
}

static void test_deep_nesting_is_not_recursion(void **state) {
    (void)state;
    /* A million '[' would overflow a recursive reader's stack; this one
     * refuses at the limit, and with the limit raised reads it. */
    const size_t depth = 1000000;
    char *text = malloc(2 * depth);
    assert_non_null(text);
    memset(text, '[', depth);
    memset(text + depth, ']', depth);
    expect_fail_n(text, 2 * depth, NULL, "nested deeper than 64", 64);
    gq_jr_limits lim = gq_jr_default_limits;
    lim.max_depth = depth;
    gq_jr_doc doc;
    gq_jr_error err;
    assert_true(gq_jr_parse(text, 2 * depth, &lim, &doc, &err));
    assert_int_equal(doc.n_nodes, depth);
    assert_int_equal(doc.nodes[0].end, depth);
    gq_jr_free(&doc);
    free(text);
}

static void test_allocations_bounded(void **state) {
    (void)state;
#if GQT_ALLOC_METER
    /* A 4 MiB array of zeros with a 1000-value limit: refused, and what it
     * asked for is bounded by the limits, not by the input (text buffer =
     * input + 1, nodes <= 1000 * 24 bytes, stack = 64 entries). */
    const size_t n = 4u << 20;
    char *text = malloc(n);
    assert_non_null(text);
    text[0] = '[';
    for (size_t i = 1; i + 1 < n; i += 2) {
        text[i] = '0';
        text[i + 1] = ',';
    }
    text[n - 1] = ']';
    text[n - 2] = '0';
    gq_jr_limits lim = gq_jr_default_limits;
    lim.max_nodes = 1000;
    gq_jr_doc doc;
    gq_jr_error err;
    gqt_meter_start();
    bool ok = gq_jr_parse(text, n, &lim, &doc, &err);
    gqt_alloc_stats s = gqt_meter_stop();
    assert_false(ok);
    assert_non_null(strstr(err.message, "more than 1000 values"));
    assert_true(s.largest <= n + 1);
    assert_true(s.total <= (n + 1) + 2 * 1000 * sizeof(gq_jr_node) + 64 * sizeof(size_t) + 4096);
    /* A deep-nesting bomb allocates nothing beyond the input-sized text
     * buffer and the fixed stack before it is refused. */
    memset(text, '[', n);
    gqt_meter_start();
    ok = gq_jr_parse(text, n, NULL, &doc, &err);
    s = gqt_meter_stop();
    assert_false(ok);
    assert_true(s.total <= (n + 1) + 64 * sizeof(gq_jr_node) * 2 + 64 * sizeof(size_t) + 4096);
    free(text);
#else
    print_message("allocation meter off in this build (sanitizers or not glibc): bound not measured\n");
#endif
}

/* Random byte mutations of real documents: whatever comes out, the
 * reader returns (ASan/UBSan watch every access) and a failure carries an
 * offset inside the input. */
static void test_mutations_never_crash(void **state) {
    (void)state;
    const char *seeds[] = {
        manifest,
        "{\"model_format\":\"gguf\",\"model_family\":\"gemma4\",\"model_families\":[\"gemma4\"],"
        "\"model_type\":\"5.1B\",\"file_type\":\"Q4_K_M\",\"architecture\":\"amd64\",\"os\":\"linux\","
        "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"sha256:ab\"]}}",
        "[\"\\u00e9\\ud83d\\ude00\", -1.5e-3, true, null, {\"a\":[{}]}]",
    };
    uint64_t rng = 0x9e3779b97f4a7c15ull;
    size_t accepted = 0, refused = 0;
    for (size_t round = 0; round < 30000; round++) {
        const char *seed = seeds[round % 3];
        size_t len = strlen(seed);
        char *buf = malloc(len + 8);
        assert_non_null(buf);
        memcpy(buf, seed, len);
        int edits = 1 + (int)(round % 4);
        for (int e = 0; e < edits && len > 0; e++) {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            size_t at = (size_t)(rng % len);
            switch ((rng >> 32) % 4) {
            case 0: buf[at] = (char)(rng >> 40); break;                  /* any byte */
            case 1: buf[at] = "{}[]\",:\\0-eu"[(rng >> 40) % 12]; break; /* a JSON-significant byte */
            case 2: len = at; break;                                     /* truncate */
            default: buf[at] = (char)(0x80 | (rng >> 40)); break;        /* a high byte */
            }
        }
        gq_jr_doc doc;
        gq_jr_error err;
        /* An exact-size heap copy: ASan sees any read past the end. */
        char *exact = malloc(len ? len : 1);
        assert_non_null(exact);
        memcpy(exact, buf, len);
        if (gq_jr_parse(exact, len, NULL, &doc, &err)) {
            accepted++;
            assert_true(doc.n_nodes >= 1);
            assert_true(doc.nodes[0].end == doc.n_nodes);
            gq_jr_free(&doc);
        } else {
            refused++;
            assert_true(err.offset <= len);
            assert_true(err.message[0] != '\0');
        }
        free(exact);
        free(buf);
    }
    /* Both outcomes happen: the mutations exercise the reader, not just
     * its first check. */
    assert_true(accepted > 100);
    assert_true(refused > 100);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_manifest_navigation),
        cmocka_unit_test(test_scalars_and_empty_containers),
        cmocka_unit_test(test_string_escapes),
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_depth_limit_exact),
        cmocka_unit_test(test_structure_errors),
        cmocka_unit_test(test_number_errors),
        cmocka_unit_test(test_string_errors),
        cmocka_unit_test(test_invalid_utf8),
        cmocka_unit_test(test_duplicate_keys),
        cmocka_unit_test(test_error_position),
        cmocka_unit_test(test_every_truncation_refused),
        cmocka_unit_test(test_size_and_count_limits),
        cmocka_unit_test(test_deep_nesting_is_not_recursion),
        cmocka_unit_test(test_allocations_bounded),
        cmocka_unit_test(test_mutations_never_crash),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
