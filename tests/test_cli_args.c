/* The option parser accepts every documented syntax, rejects bad command
 * lines with GQ_ARGS_ERROR (exit code 2), and generates --help/--version. */
#include "gqtest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/args.h"

static const gq_option options[] = {
    {"json", 0, GQ_OPT_FLAG, NULL, "print JSON"},
    {"quiet", 'q', GQ_OPT_FLAG, NULL, "no progress"},
    {"ctx", 0, GQ_OPT_VALUE, "N", "context length"},
    {"output", 'o', GQ_OPT_VALUE, "FILE", "where to write"},
    {"filter", 0, GQ_OPT_LIST, "GLOB", "only matching names (repeatable)"},
    {"params", 0, GQ_OPT_VALUE, "COUNT", "target size"},
    {0},
};
static const gq_cli_spec spec = {"gq-test", "[options] FILE...", "Test program.", options,
                                 "Example:\n  gq-test --json x.gguf\n"};

/* Parse a NULL-terminated list of arguments (argv[0] added). */
static int parse(gq_args *a, const char *const *args) {
    char *argv[32];
    int argc = 0;
    argv[argc++] = (char *)"gq-test";
    for (; *args; args++) argv[argc++] = (char *)*args;
    argv[argc] = NULL;
    return gq_args_parse(a, &spec, argc, argv);
}

static void all_value_syntaxes(void **state) {
    (void)state;
    gq_args a;
    const char *args[] = {"--ctx", "4096", "--output=out.gguf", "in.gguf", "-q", "--json",
                          "--filter", "blk.*", "--filter=*norm*", "-q", NULL};
    assert_int_equal(parse(&a, args), GQ_ARGS_CONTINUE);
    assert_string_equal(gq_args_get(&a, "ctx"), "4096");
    assert_string_equal(gq_args_get(&a, "output"), "out.gguf");
    assert_true(gq_args_has(&a, "json"));
    assert_int_equal(gq_args_count(&a, "quiet"), 2);
    assert_int_equal(gq_args_count(&a, "filter"), 2);
    assert_string_equal(gq_args_value_at(&a, "filter", 0), "blk.*");
    assert_string_equal(gq_args_value_at(&a, "filter", 1), "*norm*");
    assert_null(gq_args_value_at(&a, "filter", 2));
    assert_false(gq_args_has(&a, "params"));
    assert_null(gq_args_get(&a, "params"));
    assert_int_equal(a.n_positional, 1);
    assert_string_equal(a.positional[0], "in.gguf");
    gq_args_free(&a);
}

static void short_options_and_last_value_wins(void **state) {
    (void)state;
    gq_args a;
    const char *args[] = {"-o", "a", "-ob", "x", "--ctx=1", "--ctx", "2", NULL};
    assert_int_equal(parse(&a, args), GQ_ARGS_CONTINUE);
    assert_string_equal(gq_args_get(&a, "output"), "b");
    assert_string_equal(gq_args_get(&a, "ctx"), "2");
    assert_int_equal(gq_args_count(&a, "ctx"), 2);
    assert_int_equal(a.n_positional, 1);
    gq_args_free(&a);
}

static void dash_and_double_dash(void **state) {
    (void)state;
    gq_args a;
    /* "-" is a positional (stdin); after "--" even "--json" is a file name. */
    const char *args[] = {"-", "--", "--json", "-q", NULL};
    assert_int_equal(parse(&a, args), GQ_ARGS_CONTINUE);
    assert_false(gq_args_has(&a, "json"));
    assert_false(gq_args_has(&a, "quiet"));
    assert_int_equal(a.n_positional, 3);
    assert_string_equal(a.positional[0], "-");
    assert_string_equal(a.positional[1], "--json");
    assert_string_equal(a.positional[2], "-q");
    gq_args_free(&a);
}

static void empty_value_is_a_value(void **state) {
    (void)state;
    gq_args a;
    const char *args[] = {"--output=", NULL};
    assert_int_equal(parse(&a, args), GQ_ARGS_CONTINUE);
    assert_string_equal(gq_args_get(&a, "output"), "");
    gq_args_free(&a);
}

static void usage_errors(void **state) {
    (void)state;
    gq_args a;
    const char *unknown[] = {"--nope", NULL};
    const char *unknown_short[] = {"-z", NULL};
    const char *missing[] = {"x", "--ctx", NULL};
    const char *flag_value[] = {"--json=yes", NULL};
    const char *short_flag_value[] = {"-qq", NULL};
    const char *prefix[] = {"--ou", "x", NULL}; /* no abbreviations */
    assert_int_equal(parse(&a, unknown), GQ_ARGS_ERROR);
    assert_int_equal(parse(&a, unknown_short), GQ_ARGS_ERROR);
    assert_int_equal(parse(&a, missing), GQ_ARGS_ERROR);
    assert_int_equal(parse(&a, flag_value), GQ_ARGS_ERROR);
    assert_int_equal(parse(&a, short_flag_value), GQ_ARGS_ERROR);
    assert_int_equal(parse(&a, prefix), GQ_ARGS_ERROR);
}

static void numeric_getters(void **state) {
    (void)state;
    gq_args a;
    const char *good[] = {"--ctx", "32768", "--params", "1.5B", NULL};
    assert_int_equal(parse(&a, good), GQ_ARGS_CONTINUE);
    uint64_t ctx = 7, params = 0, absent = 99;
    assert_true(gq_args_get_u64(&a, "ctx", &ctx));
    assert_int_equal(ctx, 32768);
    assert_true(gq_args_get_count(&a, "params", &params));
    assert_int_equal(params, 1500000000ull);
    assert_true(gq_args_get_u64(&a, "output", &absent)); /* absent: default kept */
    assert_int_equal(absent, 99);
    gq_args_free(&a);

    const char *bad[] = {"--ctx", "-5", "--params", "lots", NULL};
    assert_int_equal(parse(&a, bad), GQ_ARGS_CONTINUE);
    assert_false(gq_args_get_u64(&a, "ctx", &ctx));
    assert_false(gq_args_get_count(&a, "params", &params));
    gq_args_free(&a);
}

static char *capture(void (*fn)(const gq_cli_spec *, FILE *)) {
    char *text = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&text, &size);
    assert_non_null(f);
    fn(&spec, f);
    fclose(f);
    return text;
}

static void version_text(void **state) {
    (void)state;
    char *text = capture(gq_args_print_version);
    /* The build defines GQ_VERSION from CMake's project(VERSION ...). */
    assert_string_not_equal(GQ_VERSION, "unknown");
    char want[64];
    snprintf(want, sizeof want, "gq-test (gq) %s\n", GQ_VERSION);
    assert_string_equal(text, want);
    free(text);
}

/* Column (0-based) where `needle`'s line's help text starts. */
static long help_column(const char *text, const char *option, const char *help) {
    const char *line = strstr(text, option);
    assert_non_null(line);
    const char *start = line;
    while (start > text && start[-1] != '\n') start--;
    const char *h = strstr(line, help);
    assert_non_null(h);
    assert_true(memchr(line, '\n', (size_t)(h - line)) == NULL); /* same line */
    return (long)(h - start);
}

static void help_is_generated_from_the_table(void **state) {
    (void)state;
    char *text = capture(gq_args_print_help);
    assert_non_null(strstr(text, "Usage: gq-test [options] FILE...\n"));
    assert_non_null(strstr(text, "Test program.\n"));
    assert_non_null(strstr(text, "Example:\n  gq-test --json x.gguf\n"));
    /* Every option's help starts in the same column. */
    long col = help_column(text, "--json", "print JSON");
    assert_int_equal(help_column(text, "-q, --quiet", "no progress"), col);
    assert_int_equal(help_column(text, "--ctx N", "context length"), col);
    assert_int_equal(help_column(text, "-o, --output FILE", "where to write"), col);
    assert_int_equal(help_column(text, "--filter GLOB", "only matching names"), col);
    assert_int_equal(help_column(text, "--help", "show this help"), col);
    assert_int_equal(help_column(text, "--version", "show the version"), col);
    free(text);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(all_value_syntaxes),
        cmocka_unit_test(short_options_and_last_value_wins),
        cmocka_unit_test(dash_and_double_dash),
        cmocka_unit_test(empty_value_is_a_value),
        cmocka_unit_test(usage_errors),
        cmocka_unit_test(numeric_getters),
        cmocka_unit_test(version_text),
        cmocka_unit_test(help_is_generated_from_the_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
