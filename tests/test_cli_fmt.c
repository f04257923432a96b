/* Size, count, shape and bits-per-weight formatting, and count parsing. */
#include "gqtest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/fmt.h"

static void sizes_use_binary_units(void **state) {
    (void)state;
    char b[GQ_FMT_BUF];
    assert_string_equal(gq_fmt_size(0, 1, b, sizeof b), "0 B");
    assert_string_equal(gq_fmt_size(1023, 2, b, sizeof b), "1023 B");
    assert_string_equal(gq_fmt_size(1024, 1, b, sizeof b), "1.0 KiB");
    assert_string_equal(gq_fmt_size(1536, 2, b, sizeof b), "1.50 KiB");
    assert_string_equal(gq_fmt_size(5u << 20, 1, b, sizeof b), "5.0 MiB");
    /* 4.1 GiB = 4.1 * 2^30 bytes, rounded down to a whole byte. */
    assert_string_equal(gq_fmt_size(4402341478ull, 1, b, sizeof b), "4.1 GiB");
    assert_string_equal(gq_fmt_size(3ull << 40, 0, b, sizeof b), "3 TiB");
    assert_string_equal(gq_fmt_size(UINT64_MAX, 1, b, sizeof b), "16.0 EiB");
}

static void thousands_separators(void **state) {
    (void)state;
    char b[GQ_FMT_BUF];
    assert_string_equal(gq_fmt_thousands(0, b, sizeof b), "0");
    assert_string_equal(gq_fmt_thousands(999, b, sizeof b), "999");
    assert_string_equal(gq_fmt_thousands(1000, b, sizeof b), "1,000");
    assert_string_equal(gq_fmt_thousands(1234567, b, sizeof b), "1,234,567");
    assert_string_equal(gq_fmt_thousands(UINT64_MAX, b, sizeof b), "18,446,744,073,709,551,615");
}

static void shapes_in_ggml_order(void **state) {
    (void)state;
    char b[GQ_FMT_BUF];
    const uint64_t ne[4] = {256, 2048, 3, 1};
    assert_string_equal(gq_fmt_shape(ne, 2, b, sizeof b), "256x2048");
    assert_string_equal(gq_fmt_shape(ne, 1, b, sizeof b), "256");
    assert_string_equal(gq_fmt_shape(ne, 4, b, sizeof b), "256x2048x3x1");
    assert_string_equal(gq_fmt_shape(ne, 0, b, sizeof b), "1");
}

static void bits_per_weight(void **state) {
    (void)state;
    char b[GQ_FMT_BUF];
    /* q4_K: 144 bytes per 256 weights = 4.5 bpw; bf16 = 16. */
    assert_true(gq_bpw(144, 256) == 4.5);
    assert_string_equal(gq_fmt_bpw(144, 256, b, sizeof b), "4.50");
    assert_string_equal(gq_fmt_bpw(512, 256, b, sizeof b), "16.00");
    assert_string_equal(gq_fmt_bpw(1, 0, b, sizeof b), "-");
    assert_true(gq_bpw(5, 0) == 0.0);
}

static void short_counts(void **state) {
    (void)state;
    char b[GQ_FMT_BUF];
    assert_string_equal(gq_fmt_count_short(950, b, sizeof b), "950");
    assert_string_equal(gq_fmt_count_short(2300000, b, sizeof b), "2.30M");
    assert_string_equal(gq_fmt_count_short(5100000000ull, b, sizeof b), "5.10B");
}

static void parse_counts(void **state) {
    (void)state;
    uint64_t v = 0;
    assert_true(gq_parse_count("32768", &v));
    assert_int_equal(v, 32768);
    assert_true(gq_parse_count("32k", &v));
    assert_int_equal(v, 32000);
    assert_true(gq_parse_count("500M", &v));
    assert_int_equal(v, 500000000ull);
    assert_true(gq_parse_count("1.5B", &v));
    assert_int_equal(v, 1500000000ull);
    assert_true(gq_parse_count("2G", &v));
    assert_int_equal(v, 2000000000ull);
    assert_true(gq_parse_count("4Ki", &v));
    assert_int_equal(v, 4096);
    assert_true(gq_parse_count("18446744073709551615", &v));
    assert_int_equal(v, UINT64_MAX);
    const char *bad[] = {"", "-1", "+1", "k", "1.5", "12x", "1Mx", "1e30T", "18446744073709551616", "3Xi", NULL};
    for (const char **s = bad; *s; s++) {
        if (gq_parse_count(*s, &v)) fail_msg("'%s' was accepted as a count", *s);
    }
    assert_true(gq_parse_u64("7", &v));
    assert_false(gq_parse_u64("7k", &v));
    assert_false(gq_parse_u64(" 7", &v));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sizes_use_binary_units),
        cmocka_unit_test(thousands_separators),
        cmocka_unit_test(shapes_in_ggml_order),
        cmocka_unit_test(bits_per_weight),
        cmocka_unit_test(short_counts),
        cmocka_unit_test(parse_counts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
