/* The JSON writer produces valid, exactly escaped JSON and prints doubles as
 * the shortest text that reads back to the same value. */
#include "gqtest.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/json.h"

/* Runs the writer into memory; the returned text is malloc'ed. */
typedef struct capture {
    FILE *f;
    char *text;
    size_t size;
} capture;

static void capture_open(capture *c) {
    c->text = NULL;
    c->size = 0;
    c->f = open_memstream(&c->text, &c->size);
    assert_non_null(c->f);
}

static char *capture_close(capture *c) {
    fclose(c->f);
    return c->text;
}

static char *escaped(const char *s, size_t len) {
    capture c;
    capture_open(&c);
    gq_json_write_escaped(c.f, s, len);
    return capture_close(&c);
}

static void expect_escape(const char *in, size_t len, const char *want) {
    char *got = escaped(in, len);
    assert_string_equal(got, want);
    free(got);
}

static void quotes_backslashes_and_controls_are_escaped(void **state) {
    (void)state;
    expect_escape("a\"b\\c", 5, "\"a\\\"b\\\\c\"");
    expect_escape("\b\f\n\r\t", 5, "\"\\b\\f\\n\\r\\t\"");
    /* Other control characters use \u00XX; NUL inside a pointer+length
     * string is data, not a terminator. */
    expect_escape("x\0y\x01\x1f\x7f", 6, "\"x\\u0000y\\u0001\\u001f\\u007f\"");
    expect_escape("", 0, "\"\"");
    /* '/' needs no escape. */
    expect_escape("a/b", 3, "\"a/b\"");
}

static void valid_utf8_passes_through(void **state) {
    (void)state;
    /* é (2 bytes), € (3 bytes), 😀 (4 bytes), U+10FFFF (largest). */
    const char *s = "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xf4\x8f\xbf\xbf";
    char want[64];
    snprintf(want, sizeof want, "\"%s\"", s);
    expect_escape(s, strlen(s), want);
}

static void invalid_utf8_becomes_replacement_characters(void **state) {
    (void)state;
    /* A stray continuation byte, a lone lead byte at the end. */
    expect_escape("a\x80z", 3, "\"a\\ufffdz\"");
    expect_escape("a\xe2\x82", 3, "\"a\\ufffd\\ufffd\"");
    /* Overlong '/' (C0 AF) and overlong 3-byte NUL (E0 80 80). */
    expect_escape("\xc0\xaf", 2, "\"\\ufffd\\ufffd\"");
    expect_escape("\xe0\x80\x80", 3, "\"\\ufffd\\ufffd\\ufffd\"");
    /* A UTF-16 surrogate (U+D800) and a code point above U+10FFFF. */
    expect_escape("\xed\xa0\x80", 3, "\"\\ufffd\\ufffd\\ufffd\"");
    expect_escape("\xf4\x90\x80\x80", 4, "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
    expect_escape("\xff", 1, "\"\\ufffd\"");
    /* A bad byte does not swallow the valid character after it. */
    expect_escape("\xe2\xc3\xa9", 3, "\"\\ufffd\xc3\xa9\"");
}

static void expect_double(double v, const char *want) {
    char buf[40];
    assert_string_equal(gq_json_format_double(v, buf, sizeof buf), want);
}

static void doubles_print_shortest_round_trip(void **state) {
    (void)state;
    /* Expected texts are the shortest decimal forms (what Python's repr and
     * JavaScript print), not %.17g's "0.10000000000000001". */
    expect_double(0.1, "0.1");
    expect_double(0.1 + 0.2, "0.30000000000000004");
    expect_double(1.0 / 3.0, "0.3333333333333333");
    expect_double(1e30, "1e+30");
    expect_double(-2.5, "-2.5");
    expect_double(0.0, "0");
    expect_double(-0.0, "-0");
    expect_double(123456789012345.0, "123456789012345");
    expect_double((double)1e30f, "1.0000000150474662e+30");
    expect_double(NAN, "null");
    expect_double(INFINITY, "null");
    expect_double(-INFINITY, "null");
}

static uint64_t splitmix(uint64_t *s) {
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static void every_double_reads_back_equal(void **state) {
    (void)state;
    uint64_t seed = 42;
    char buf[40];
    int checked = 0;
    for (int i = 0; i < 200000; i++) {
        uint64_t bits = splitmix(&seed);
        double v;
        memcpy(&v, &bits, sizeof v);
        if (!isfinite(v)) continue;
        gq_json_format_double(v, buf, sizeof buf);
        double back = strtod(buf, NULL);
        /* Bitwise: -0 must stay -0. */
        assert_memory_equal(&back, &v, sizeof v);
        assert_true(strlen(buf) <= 24);
        checked++;
    }
    assert_true(checked > 190000);
}

static void pretty_document_layout(void **state) {
    (void)state;
    capture c;
    capture_open(&c);
    gq_json j;
    gq_json_init(&j, c.f, true);
    gq_json_begin_object(&j);
    gq_json_kv_string(&j, "schema", "test/1");
    gq_json_key(&j, "list");
    gq_json_begin_array(&j);
    gq_json_int(&j, -1);
    gq_json_uint(&j, UINT64_MAX);
    gq_json_bool(&j, true);
    gq_json_null(&j);
    gq_json_end_array(&j);
    gq_json_key(&j, "empty");
    gq_json_begin_object(&j);
    gq_json_end_object(&j);
    gq_json_key(&j, "none");
    gq_json_begin_array(&j);
    gq_json_end_array(&j);
    gq_json_kv_double(&j, "x", 0.5);
    gq_json_key_n(&j, "k\"ey", 4);
    gq_json_string_n(&j, "v\n", 2);
    gq_json_end_object(&j);
    assert_int_equal(gq_json_finish(&j), 0);
    char *text = capture_close(&c);
    assert_string_equal(text,
                        "{\n"
                        "  \"schema\": \"test/1\",\n"
                        "  \"list\": [\n"
                        "    -1,\n"
                        "    18446744073709551615,\n"
                        "    true,\n"
                        "    null\n"
                        "  ],\n"
                        "  \"empty\": {},\n"
                        "  \"none\": [],\n"
                        "  \"x\": 0.5,\n"
                        "  \"k\\\"ey\": \"v\\n\"\n"
                        "}\n");
    free(text);
}

static void compact_document_layout(void **state) {
    (void)state;
    capture c;
    capture_open(&c);
    gq_json j;
    gq_json_init(&j, c.f, false);
    gq_json_begin_array(&j);
    gq_json_begin_object(&j);
    gq_json_kv_int(&j, "a", INT64_MIN);
    gq_json_kv_bool(&j, "b", false);
    gq_json_end_object(&j);
    gq_json_double(&j, NAN);
    gq_json_string(&j, NULL);
    gq_json_end_array(&j);
    assert_int_equal(gq_json_finish(&j), 0);
    char *text = capture_close(&c);
    assert_string_equal(text, "[{\"a\":-9223372036854775808,\"b\":false},null,null]\n");
    free(text);
}

static void misuse_is_reported(void **state) {
    (void)state;
    capture c;
    capture_open(&c);
    gq_json j;
    /* Unclosed container. */
    gq_json_init(&j, c.f, false);
    gq_json_begin_object(&j);
    assert_int_equal(gq_json_finish(&j), -1);
    /* A key outside an object, a close without an open. */
    gq_json_init(&j, c.f, false);
    gq_json_key(&j, "k");
    assert_true(j.error);
    gq_json_init(&j, c.f, false);
    gq_json_end_array(&j);
    assert_true(j.error);
    /* Nesting beyond the fixed depth. */
    gq_json_init(&j, c.f, false);
    for (int i = 0; i < GQ_JSON_MAX_DEPTH + 1; i++) gq_json_begin_array(&j);
    assert_true(j.error);
    free(capture_close(&c));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(quotes_backslashes_and_controls_are_escaped),
        cmocka_unit_test(valid_utf8_passes_through),
        cmocka_unit_test(invalid_utf8_becomes_replacement_characters),
        cmocka_unit_test(doubles_print_shortest_round_trip),
        cmocka_unit_test(every_double_reads_back_equal),
        cmocka_unit_test(pretty_document_layout),
        cmocka_unit_test(compact_document_layout),
        cmocka_unit_test(misuse_is_reported),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
